//! Is the peer process alive? From a pidfd where the kernel has one (opened
//! when the peer's pid is first seen and verified against its start time, so
//! PID reuse cannot fool it); else from `/proc/<pid>/stat` where it shows the
//! very process that claimed the role (same start time); from heartbeats
//! otherwise (another PID namespace, no `/proc`, unknown start time).

use core::time::Duration;
#[cfg(not(miri))]
use std::os::fd::{AsFd, FromRawFd, OwnedFd};
use std::time::Instant;

/// How long a peer without a pidfd may show no sign of life (no heartbeat,
/// no index movement) before it counts as dead.
pub const DEFAULT_HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(1);

/// How often a blocking wait wakes to re-check the peer's liveness (and to
/// refresh this side's own heartbeat).
pub const DEFAULT_LIVENESS_INTERVAL: Duration = Duration::from_millis(50);

/// `CLOCK_MONOTONIC` now, in nanoseconds (0 if the clock fails).
pub(crate) fn now_ns() -> u64 {
    match nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC) {
        Ok(ts) => (ts.tv_sec() as u64)
            .wrapping_mul(1_000_000_000)
            .wrapping_add(ts.tv_nsec() as u64),
        Err(_) => 0,
    }
}

/// This process's start time (clock ticks after boot), 0 if unknown.
pub(crate) fn own_start_time() -> u64 {
    #[cfg(miri)]
    return 0;
    #[cfg(not(miri))]
    proc_start_time("self").unwrap_or(0)
}

/// Field 3 (`state`) and field 22 (`starttime`) of `/proc/<pid>/stat`.
#[cfg(not(miri))]
fn proc_stat(pid: &str) -> std::io::Result<(u8, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let bad = || std::io::Error::from(std::io::ErrorKind::InvalidData);
    // The command name (field 2) is in parentheses and may contain anything,
    // so count fields from the last ')': field 3 is the first after it.
    let (_, rest) = stat.rsplit_once(')').ok_or_else(bad)?;
    let mut fields = rest.split_whitespace();
    let state = fields
        .next()
        .and_then(|f| f.bytes().next())
        .ok_or_else(bad)?;
    let start = fields
        .nth(22 - 4)
        .and_then(|f| f.parse().ok())
        .ok_or_else(bad)?;
    Ok((state, start))
}

/// Field 22 (`starttime`) of `/proc/<pid>/stat`.
#[cfg(not(miri))]
fn proc_start_time(pid: &str) -> Option<u64> {
    proc_stat(pid).ok().map(|(_, start)| start)
}

/// Whether the process `pid` that started at `start` still runs, as
/// `/proc` shows it: `Some(false)` once the pid is gone, reused (another
/// start time) or a zombie (exited, not yet reaped: a pidfd reports that as
/// exited too); `None` if `/proc` cannot tell (a read error other than the
/// process being gone).
#[cfg(not(miri))]
fn proc_verdict(pid: u32, start: u64) -> Option<bool> {
    match proc_stat(&pid.to_string()) {
        Ok((state, s)) => Some(s == start && !matches!(state, b'Z' | b'X' | b'x')),
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                || e.raw_os_error() == Some(libc::ESRCH) =>
        {
            Some(false)
        }
        Err(_) => None,
    }
}

/// Opens a pidfd for `pid` and checks that it is the process that started at
/// `start`: the pidfd pins the process, so if the start time read after
/// opening matches, the pidfd refers to the claimant and not to a process
/// that reused its pid.
#[cfg(not(miri))]
fn open_verified(pid: u32, start: u64) -> Option<OwnedFd> {
    let fd = pidfd_open(pid)?;
    (proc_start_time(&pid.to_string()) == Some(start)).then_some(fd)
}

/// A pidfd of `pid`, if the kernel gives one.
#[cfg(not(miri))]
fn pidfd_open(pid: u32) -> Option<OwnedFd> {
    let pid_t = libc::pid_t::try_from(pid).ok().filter(|&p| p > 0)?;
    // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1; it
    // touches no memory of ours.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid_t, 0 as libc::c_uint) };
    let fd = libc::c_int::try_from(fd).ok().filter(|&fd| fd >= 0)?;
    // SAFETY: the kernel just returned this fd to us (close-on-exec by
    // definition of pidfds); nothing else owns it.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A pidfd of the process at the other end of a connected Unix socket, and
/// its pid: `SO_PEERPIDFD` where the kernel has it (Linux 6.5: no race at
/// all), else `pidfd_open` of the `SO_PEERCRED` pid (a race only if the peer
/// died and its pid was reused between its `connect` and this call). `None`
/// for the pidfd when neither works (the pid is 0 when the peer lives in a
/// PID namespace this process cannot see).
#[cfg(not(miri))]
pub(crate) fn peer_pidfd(socket: &std::os::unix::net::UnixStream) -> (u32, Option<OwnedFd>) {
    use nix::sys::socket::{getsockopt, sockopt::PeerCredentials};
    let pid = getsockopt(socket, PeerCredentials).map_or(0, |c| c.pid().max(0) as u32);
    let mut fd: libc::c_int = -1;
    let mut len = core::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into `fd`, a c_int that lives
    // across the call, and `len` says its size.
    let rc = unsafe {
        libc::getsockopt(
            std::os::fd::AsRawFd::as_raw_fd(socket),
            libc::SOL_SOCKET,
            libc::SO_PEERPIDFD,
            (&raw mut fd).cast(),
            &raw mut len,
        )
    };
    if rc == 0 && fd >= 0 {
        // SAFETY: the kernel just installed this pidfd for us; nothing else owns it.
        return (pid, Some(unsafe { OwnedFd::from_raw_fd(fd) }));
    }
    (pid, pidfd_open(pid))
}

/// Under miri (no sockets, no pidfds): no pidfd, pid unknown.
#[cfg(miri)]
pub(crate) fn peer_pidfd(
    _socket: &std::os::unix::net::UnixStream,
) -> (u32, Option<std::os::fd::OwnedFd>) {
    (0, None)
}

/// A pidfd is readable once its process has exited.
#[cfg(not(miri))]
pub(crate) fn pidfd_exited(fd: &OwnedFd) -> bool {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
    matches!(poll(&mut fds, PollTimeout::ZERO), Ok(n) if n > 0)
}

/// What a watcher reads about the peer from the shared header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PeerView {
    /// The peer's claim word (its pid, 0 if the role is not taken yet).
    pub(crate) pid: u32,
    /// The peer's recorded start time (0 unknown).
    pub(crate) start: u64,
    /// The peer's heartbeat.
    pub(crate) beat: u64,
    /// The peer's index (it moves while the peer works).
    pub(crate) progress: u64,
}

/// One side's view of whether the other side lives.
#[derive(Debug)]
pub(crate) struct PeerWatch {
    #[cfg(not(miri))]
    pidfd: Option<(u32, OwnedFd)>,
    /// The (pid, start) that `/proc` showed running when no pidfd could be
    /// opened for it: judged through `/proc` from then on.
    #[cfg(not(miri))]
    proc_verified: Option<(u32, u64)>,
    /// The (pid, start) `/proc` was last tried for (not retried).
    #[cfg(not(miri))]
    proc_tried: (u32, u64),
    /// The (pid, start) a pidfd was last tried for (not retried).
    tried: (u32, u64),
    last: Option<(u32, u64, u64)>,
    last_change: Instant,
    pub(crate) timeout: Duration,
}

impl PeerWatch {
    pub(crate) fn new() -> Self {
        PeerWatch {
            #[cfg(not(miri))]
            pidfd: None,
            #[cfg(not(miri))]
            proc_verified: None,
            #[cfg(not(miri))]
            proc_tried: (0, 0),
            tried: (0, 0),
            last: None,
            last_change: Instant::now(),
            timeout: DEFAULT_HEARTBEAT_TIMEOUT,
        }
    }

    /// A blocking wait starts: the peer gets a full heartbeat timeout from now
    /// to show a sign of life.
    pub(crate) fn begin_wait(&mut self) {
        self.last_change = Instant::now();
    }

    /// True if the peer uses a verified pidfd (diagnostic).
    pub(crate) fn has_pidfd(&self) -> bool {
        #[cfg(not(miri))]
        return self.pidfd.is_some();
        #[cfg(miri)]
        false
    }

    /// Judges the peer from what the header shows now.
    pub(crate) fn alive(&mut self, v: PeerView) -> bool {
        if v.pid == 0 {
            // Role not taken yet: nobody to be dead.
            self.last = None;
            self.last_change = Instant::now();
            return true;
        }
        #[cfg(not(miri))]
        {
            if let Some((pid, fd)) = &self.pidfd {
                if *pid == v.pid {
                    return !pidfd_exited(fd);
                }
                // The claim word changed under us (only a hostile peer does that).
                self.pidfd = None;
            }
            if v.start != 0 && self.tried != (v.pid, v.start) {
                self.tried = (v.pid, v.start);
                if let Some(fd) = open_verified(v.pid, v.start) {
                    let dead = pidfd_exited(&fd);
                    self.pidfd = Some((v.pid, fd));
                    return !dead;
                }
            }
            // No pidfd (a kernel without pidfd_open, a seccomp filter, no fd left):
            // if /proc shows the claimant itself (its pid with its start time, so
            // not a reuse and not another PID namespace's process), judge it
            // through /proc from now on. Heartbeats alone would count a live peer
            // that idles longer than the timeout as dead.
            if v.start != 0 && self.proc_tried != (v.pid, v.start) {
                self.proc_tried = (v.pid, v.start);
                if proc_verdict(v.pid, v.start) == Some(true) {
                    self.proc_verified = Some((v.pid, v.start));
                    return true;
                }
            }
            if self.proc_verified == Some((v.pid, v.start))
                && let Some(alive) = proc_verdict(v.pid, v.start)
            {
                return alive;
            }
        }
        let snap = (v.pid, v.beat, v.progress);
        let now = Instant::now();
        if self.last != Some(snap) {
            self.last = Some(snap);
            self.last_change = now;
            return true;
        }
        now.duration_since(self.last_change) < self.timeout
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeat_mode_needs_a_change_within_the_timeout() {
        let mut w = PeerWatch::new();
        w.timeout = Duration::ZERO;
        let v = PeerView {
            pid: u32::MAX, // no such process: pidfd cannot open, start unknown
            start: 0,
            beat: 1,
            progress: 0,
        };
        assert!(w.alive(v), "first sight counts as a sign of life");
        assert!(!w.alive(v), "no change within a zero timeout");
        assert!(w.alive(PeerView { beat: 2, ..v }));
        assert!(w.alive(PeerView {
            progress: 5,
            beat: 2,
            ..v
        }));
        assert!(w.alive(PeerView { pid: 0, ..v }), "unclaimed role");
        w.timeout = Duration::from_secs(3600);
        assert!(w.alive(v));
        assert!(w.alive(v), "within the timeout");
    }

    /// A watch with no heartbeat grace, and a view of this very process.
    fn watching_self(beat: u64, progress: u64) -> (PeerWatch, PeerView) {
        let start = own_start_time();
        assert_ne!(start, 0, "/proc/self/stat is readable on Linux");
        let mut w = PeerWatch::new();
        w.timeout = Duration::ZERO;
        let v = PeerView {
            pid: std::process::id(),
            start,
            beat,
            progress,
        };
        (w, v)
    }

    /// A live peer whose pidfd could not be opened (a kernel without
    /// `pidfd_open`, a seccomp filter, no fd left) and that shows no sign of
    /// life (idle, or parked in a wait longer than the timeout) is not dead.
    /// Before the fix it was declared dead once the heartbeat timeout passed.
    #[test]
    #[cfg_attr(miri, ignore = "/proc is a system call")]
    fn an_idle_live_peer_without_a_pidfd_is_not_dead() {
        let (mut w, v) = watching_self(7, 3);
        // As if pidfd_open had already failed for this (pid, start).
        w.tried = (v.pid, v.start);
        for i in 0..3 {
            assert!(w.alive(v), "check {i}: the process exists, same start time");
        }
        assert!(!w.has_pidfd());
    }

    /// Without a pidfd, a peer judged through `/proc` is dead as soon as it
    /// exits (a zombie, then a reaped pid), not after the heartbeat timeout.
    #[test]
    #[cfg(not(miri))] // processes and /proc are system calls (and not compiled there)
    fn a_peer_judged_through_proc_is_dead_once_it_exits() {
        use std::process::{Command, Stdio};
        // `cat` runs until its stdin closes: the test decides when it exits.
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn cat");
        let pid = child.id();
        let start = proc_start_time(&pid.to_string()).expect("not reaped: /proc has it");
        let mut w = PeerWatch::new();
        // Heartbeats alone would call a silent peer alive for an hour.
        w.timeout = Duration::from_secs(3600);
        w.tried = (pid, start); // as if pidfd_open had failed
        let v = PeerView {
            pid,
            start,
            beat: 0,
            progress: 0,
        };
        assert!(w.alive(v), "running");
        drop(child.stdin.take());
        // SAFETY: an all-zero siginfo_t is a valid value (plain C struct).
        let mut info: libc::siginfo_t = unsafe { core::mem::zeroed() };
        // SAFETY: waits for our own child to exit without reaping it (WNOWAIT);
        // writes only `info`, which lives across the call.
        let rc =
            unsafe { libc::waitid(libc::P_PID, pid, &mut info, libc::WEXITED | libc::WNOWAIT) };
        assert_eq!(rc, 0, "waitid: {}", std::io::Error::last_os_error());
        assert!(!w.alive(v), "a zombie has exited");
        child.wait().expect("reap");
        assert!(!w.alive(v), "reaped");
        assert!(!w.has_pidfd());
    }

    #[test]
    #[cfg_attr(miri, ignore = "pidfd_open and /proc are system calls")]
    fn own_process_is_alive_through_a_pidfd() {
        let (mut w, v) = watching_self(0, 0);
        for _ in 0..3 {
            assert!(w.alive(v));
        }
        assert!(w.has_pidfd());
        // A wrong start time (PID reuse) is never trusted.
        let mut w = PeerWatch::new();
        w.alive(PeerView {
            start: v.start + 1,
            ..v
        });
        assert!(!w.has_pidfd());
    }
}
