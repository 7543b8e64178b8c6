//! The cross-process workloads of the `shm`, `shm-single` and `shm-rtt`
//! scenarios: two real processes.
//!
//! The suite re-executes itself (`suite __shm-child TRANSPORT SHAPE CPU ITEMS
//! [PATH]`, see [`child_main`]) as the peer process. The parent creates the
//! channel, spawns the child and hands the channel over: a `SharedRing`'s
//! memfd through ring-shm's own `fd_passing` (an `FdServer` on a temporary
//! socket path), a Unix stream socket the child connects to (a listener on a
//! temporary path), or a pipe as the child's stdin (and, for round trips, its
//! stdout back). The child pins itself to the CPU named on its command line,
//! takes its end, and prints `ready`; only then does the parent start its side
//! (on its own pinned thread), so process start-up is never timed.
//!
//! Throughput shapes: the child is the consumer. It sums every item and
//! times itself from the first item it receives to the last, then prints
//! `done COUNT SUM NANOS`; the parent compares count and checksum with what
//! it sent (`harness::verify`) and fails the run on a mismatch. Round trips:
//! the parent times each one; the child echoes every value and reports the
//! count and sum of what it echoed, verified the same way, and the parent
//! checks each echoed value too.
//!
//! The child asks the kernel to kill it if the parent dies (`PR_SET_PDEATHSIG`),
//! the parent kills a child it no longer waits for, and both sides stop
//! spinning on a ring whose peer process has died (ring-shm's pidfd liveness).

use std::fs::File;
use std::hint::spin_loop;
use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use ringmpsc::primitives::Config;
use ringmpsc::shm::fd_passing::{self, FdServer};
use ringmpsc::shm::{SharedConsumer, SharedProducer, SharedRing};

use crate::harness::{RunResult, Sample, mmsgs, verify};
use crate::reference::{expected_sum, latency_sample};
use crate::workloads::{Placement, pin};

/// The hidden subcommand that runs the child role.
pub const CHILD_CMD: &str = "__shm-child";

/// Items per batch of the batched shape (one syscall per batch for pipes and
/// sockets, one commit per batch for the rings).
pub const SHM_BATCH: usize = 512;

/// How long the parent waits for the child to connect or report.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);

/// Failed spin attempts between two liveness checks of the peer process.
const CHECK_EVERY: u32 = 1 << 20;

/// What carries the items between the two processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// A `SharedRing<u64>` (memfd), handed over with `fd_passing`.
    Ring,
    /// A pipe: the child's stdin (and its stdout for the echo).
    Pipe,
    /// A Unix stream socket the child connects to.
    Socket,
}

/// How the items travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Batches of [`SHM_BATCH`] items per send/receive call.
    Batch,
    /// One item per send/receive call (`try_send`/`try_recv`, or an 8-byte
    /// write/read).
    Single,
    /// Round trips: the parent sends one item, the child echoes it.
    Echo,
}

/// The command-line names of an enum's variants (`arg`) and back (`parse`).
macro_rules! arg_names {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            fn arg(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }
            fn parse(s: &str) -> Option<Self> {
                [$($ty::$variant),+].into_iter().find(|t| t.arg() == s)
            }
        }
    };
}

arg_names!(Transport { Ring => "ring", Pipe => "pipe", Socket => "socket" });
arg_names!(Shape { Batch => "batch", Single => "single", Echo => "echo" });

fn err(what: &str) -> impl FnOnce(io::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

fn shm_err(what: &str) -> impl FnOnce(ringmpsc::shm::ShmError) -> String + '_ {
    move |e| format!("{what}: {e}")
}

// ------------------------------------------------------------------ parent

/// Runs one two-process contender: `exe` is the suite binary (normally
/// `std::env::current_exe()`), which must dispatch [`CHILD_CMD`] to
/// [`child_main`]. Throughput shapes return Mmsg/s; `Echo` returns round-trip
/// p50 ns (p99, p99.9, max as extras) over `items` round trips.
///
/// # Errors
///
/// A verification failure (count, checksum or an echoed value), a child that
/// died or misbehaved, or a system call that failed.
pub fn two_process(
    exe: &Path,
    transport: Transport,
    shape: Shape,
    items: u64,
    place: Placement,
) -> RunResult {
    let name = format!("{} {} (two processes)", transport.arg(), shape.arg());
    let cpu = place.consumer_cpu();
    let mine = place.producer_cpu();
    match transport {
        Transport::Ring => {
            let cfg = match shape {
                Shape::Batch => Config::default().with_ring_bits(14),
                Shape::Single => {
                    Config::default().with_ring_bits(crate::workloads::SINGLE_CAP.trailing_zeros())
                }
                Shape::Echo => Config::LOW_LATENCY,
            };
            let there = SharedRing::<u64>::create(cfg).map_err(shm_err("create"))?;
            let back = match shape {
                Shape::Echo => Some(SharedRing::<u64>::create(cfg).map_err(shm_err("create"))?),
                _ => None,
            };
            let sock = TempPath::new("ring");
            let server = FdServer::bind(&sock.0).map_err(err("FdServer::bind"))?;
            let mut peer = Peer::spawn(exe, transport, shape, cpu, items, Some(&sock.0), false)?;
            let conn = peer.accept(&server, || server.accept())?;
            drop(server); // removes the socket file
            fd_passing::send_fd(&conn, there.as_fd()).map_err(err("send_fd"))?;
            if let Some(b) = &back {
                fd_passing::send_fd(&conn, b.as_fd()).map_err(err("send_fd"))?;
            }
            let mut tx = there.into_producer().map_err(shm_err("into_producer"))?;
            let rx = match back {
                Some(b) => Some(b.into_consumer().map_err(shm_err("into_consumer"))?),
                None => None,
            };
            peer.ready()?;
            match (shape, rx) {
                (Shape::Echo, Some(mut rx)) => {
                    let lat = on_cpu(mine, || ring_echo_parent(&mut tx, &mut rx, items))?;
                    peer.finish_echo(&name, items, lat)
                }
                (Shape::Batch, _) => {
                    on_cpu(mine, || ring_batches(&mut tx, items))?;
                    peer.finish_throughput(&name, items)
                }
                _ => {
                    on_cpu(mine, || ring_singles(&mut tx, items))?;
                    peer.finish_throughput(&name, items)
                }
            }
        }
        Transport::Socket => {
            let path = TempPath::new("sock");
            let listener = UnixListener::bind(&path.0).map_err(err("bind"))?;
            let mut peer = Peer::spawn(exe, transport, shape, cpu, items, Some(&path.0), false)?;
            let mut conn = peer.accept(&listener, || listener.accept().map(|(s, _)| s))?;
            drop(listener);
            drop(path);
            peer.ready()?;
            match shape {
                Shape::Echo => {
                    let mut back = conn.try_clone().map_err(err("dup"))?;
                    let lat = on_cpu(mine, || stream_echo_parent(&mut conn, &mut back, items))?;
                    peer.finish_echo(&name, items, lat)
                }
                _ => {
                    on_cpu(mine, || stream_send(&mut conn, shape, items))?;
                    peer.finish_throughput(&name, items)
                }
            }
        }
        Transport::Pipe => {
            let mut peer = Peer::spawn(exe, transport, shape, cpu, items, None, true)?;
            let mut stdin = peer.stdin.take().ok_or("no stdin pipe")?;
            peer.ready()?;
            match shape {
                Shape::Echo => {
                    let lat = on_cpu(mine, || {
                        stream_echo_parent(&mut stdin, &mut peer.out, items)
                    })?;
                    drop(stdin);
                    peer.finish_echo(&name, items, lat)
                }
                _ => {
                    on_cpu(mine, || stream_send(&mut stdin, shape, items))?;
                    drop(stdin); // EOF for the child
                    peer.finish_throughput(&name, items)
                }
            }
        }
    }
}

/// Runs `f` on a thread pinned to `cpu` (the harness thread itself is not
/// pinned) and returns its result.
fn on_cpu<R: Send>(cpu: usize, f: impl FnOnce() -> R + Send) -> R {
    thread::scope(|s| {
        s.spawn(|| {
            pin(cpu);
            f()
        })
        .join()
        .expect("pinned parent thread panicked")
    })
}

/// Parent, ring, batches of [`SHM_BATCH`] through `send_slice`.
fn ring_batches(tx: &mut SharedProducer<u64>, items: u64) -> Result<(), String> {
    let mut buf = [0u64; SHM_BATCH];
    let mut next = 0u64;
    let mut misses = Misses::default();
    while next < items {
        let k = SHM_BATCH.min((items - next) as usize);
        for (i, b) in buf[..k].iter_mut().enumerate() {
            *b = next + i as u64;
        }
        let mut sent = 0;
        while sent < k {
            let m = tx.send_slice(&buf[sent..k]);
            if m == 0 {
                misses.miss(|| tx.is_consumer_alive())?;
            }
            sent += m;
        }
        next += k as u64;
    }
    Ok(())
}

/// Parent, ring, one `try_send` per item, spinning while full.
fn ring_singles(tx: &mut SharedProducer<u64>, items: u64) -> Result<(), String> {
    let mut misses = Misses::default();
    for i in 0..items {
        let mut v = i;
        while let Err(e) = tx.try_send(v) {
            v = e.into_inner();
            misses.miss(|| tx.is_consumer_alive())?;
        }
    }
    Ok(())
}

/// Parent, ring pair: send `i`, spin until the echo comes back; ns per round trip.
fn ring_echo_parent(
    tx: &mut SharedProducer<u64>,
    rx: &mut SharedConsumer<u64>,
    n: u64,
) -> Result<Vec<f64>, String> {
    let mut lat = Vec::with_capacity(n as usize);
    let mut misses = Misses::default();
    for i in 0..n {
        let t0 = Instant::now();
        let mut v = i;
        while let Err(e) = tx.try_send(v) {
            v = e.into_inner();
            misses.miss(|| tx.is_consumer_alive())?;
        }
        let v = loop {
            match rx.try_recv() {
                Ok(v) => break v,
                Err(_) => misses.miss(|| rx.is_producer_alive())?,
            }
        };
        lat.push(t0.elapsed().as_nanos() as f64);
        if v != i {
            return Err(format!("round trip {i} came back as {v}"));
        }
    }
    Ok(lat)
}

/// Parent, byte stream: `items` u64s, in batches (one write per batch) or
/// one 8-byte write per item.
fn stream_send(w: &mut impl Write, shape: Shape, items: u64) -> Result<(), String> {
    if shape == Shape::Single {
        for i in 0..items {
            w.write_all(&i.to_le_bytes()).map_err(err("write"))?;
        }
        return Ok(());
    }
    let mut buf = vec![0u8; SHM_BATCH * 8];
    let mut next = 0u64;
    while next < items {
        let k = SHM_BATCH.min((items - next) as usize);
        for (i, c) in buf[..k * 8].chunks_exact_mut(8).enumerate() {
            c.copy_from_slice(&(next + i as u64).to_le_bytes());
        }
        w.write_all(&buf[..k * 8]).map_err(err("write"))?;
        next += k as u64;
    }
    Ok(())
}

/// Parent, byte stream pair: write 8 bytes, read the 8-byte echo; ns per round trip.
fn stream_echo_parent(w: &mut impl Write, r: &mut impl Read, n: u64) -> Result<Vec<f64>, String> {
    let mut lat = Vec::with_capacity(n as usize);
    let mut buf = [0u8; 8];
    for i in 0..n {
        let t0 = Instant::now();
        w.write_all(&i.to_le_bytes()).map_err(err("write"))?;
        r.read_exact(&mut buf).map_err(err("read echo"))?;
        lat.push(t0.elapsed().as_nanos() as f64);
        let v = u64::from_le_bytes(buf);
        if v != i {
            return Err(format!("round trip {i} came back as {v}"));
        }
    }
    Ok(lat)
}

/// A temporary socket path, removed on drop (if still there).
struct TempPath(PathBuf);

impl TempPath {
    fn new(what: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let p = std::env::temp_dir().join(format!(
            "ring-bench-{what}-{}-{nanos}.sock",
            std::process::id()
        ));
        TempPath(p)
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The child process, its stdout (control lines, and echoes for a pipe),
/// and its stdin when it is the pipe. Killed and reaped on drop unless it
/// finished.
struct Peer {
    child: Child,
    out: ChildStdout,
    stdin: Option<ChildStdin>,
    reaped: bool,
}

/// What a throughput child reports.
struct Report {
    count: u64,
    sum: u64,
    nanos: u64,
}

impl Peer {
    fn spawn(
        exe: &Path,
        transport: Transport,
        shape: Shape,
        cpu: usize,
        items: u64,
        path: Option<&Path>,
        pipe_stdin: bool,
    ) -> Result<Peer, String> {
        let mut cmd = Command::new(exe);
        cmd.arg(CHILD_CMD)
            .arg(transport.arg())
            .arg(shape.arg())
            .arg(cpu.to_string())
            .arg(items.to_string());
        if let Some(p) = path {
            cmd.arg(p);
        }
        cmd.stdin(if pipe_stdin {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("spawning {}: {e}", exe.display()))?;
        let out = child.stdout.take().ok_or("no stdout pipe")?;
        let stdin = child.stdin.take();
        Ok(Peer {
            child,
            out,
            stdin,
            reaped: false,
        })
    }

    fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Accepts the child's connection on `listener`, giving up if the child
    /// exits first or after [`HANDSHAKE_TIMEOUT`].
    fn accept(
        &mut self,
        listener: &impl AsFd,
        accept: impl FnOnce() -> io::Result<UnixStream>,
    ) -> Result<UnixStream, String> {
        use nix::poll::{PollFd, PollFlags, poll};
        let deadline = Instant::now() + HANDSHAKE_TIMEOUT;
        loop {
            let mut fds = [PollFd::new(listener.as_fd(), PollFlags::POLLIN)];
            if matches!(poll(&mut fds, 100u16), Ok(n) if n > 0) {
                return accept().map_err(err("accept"));
            }
            if self.exited() {
                return Err("the child exited before connecting".into());
            }
            if Instant::now() > deadline {
                return Err("the child did not connect in time".into());
            }
        }
    }

    /// One line of the child's stdout (read a byte at a time: nothing past
    /// the line may be consumed, the pipe may carry echoes next).
    fn line(&mut self) -> Result<String, String> {
        let mut line = Vec::new();
        let mut b = [0u8; 1];
        loop {
            match self.out.read(&mut b) {
                Ok(0) => {
                    let status = self.child.wait().map_err(err("wait"))?;
                    self.reaped = true;
                    return Err(format!(
                        "the child exited ({status}) without reporting{}",
                        if line.is_empty() {
                            String::new()
                        } else {
                            format!(" (partial line {:?})", String::from_utf8_lossy(&line))
                        }
                    ));
                }
                Ok(_) if b[0] == b'\n' => break,
                Ok(_) => line.push(b[0]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("reading the child's report: {e}")),
            }
        }
        let line = String::from_utf8_lossy(&line).into_owned();
        match line.strip_prefix("error ") {
            Some(e) => Err(format!("child: {e}")),
            None => Ok(line),
        }
    }

    fn ready(&mut self) -> Result<(), String> {
        match self.line()?.as_str() {
            "ready" => Ok(()),
            other => Err(format!("the child said {other:?} instead of ready")),
        }
    }

    /// Reads `done COUNT SUM NANOS` and reaps the child (a non-zero exit fails).
    fn report(&mut self) -> Result<Report, String> {
        let line = self.line()?;
        let mut f = line.split_whitespace();
        let mut num = || f.next().and_then(|s| s.parse::<u64>().ok());
        let parsed = match (line.starts_with("done "), num(), num(), num(), num()) {
            (true, _, Some(count), Some(sum), Some(nanos)) => Report { count, sum, nanos },
            _ => return Err(format!("unexpected report from the child: {line:?}")),
        };
        let status = self.child.wait().map_err(err("wait"))?;
        self.reaped = true;
        if !status.success() {
            return Err(format!("the child failed: {status}"));
        }
        Ok(parsed)
    }

    fn finish_throughput(mut self, name: &str, items: u64) -> RunResult {
        let r = self.report()?;
        verify(name, r.count, r.sum, items, expected_sum(items))?;
        if r.nanos == 0 {
            return Err(format!("{name}: the child reported no elapsed time"));
        }
        Ok(Sample::of(mmsgs(items, Duration::from_nanos(r.nanos))))
    }

    fn finish_echo(mut self, name: &str, n: u64, mut lat: Vec<f64>) -> RunResult {
        let r = self.report()?;
        verify(name, r.count, r.sum, n, expected_sum(n))?;
        Ok(latency_sample(&mut lat))
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if !self.reaped {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

// ------------------------------------------------------------------- child

/// The child role: `ARGS` = `TRANSPORT SHAPE CPU ITEMS [PATH]` (what follows
/// [`CHILD_CMD`] on the command line). Prints `ready`, then `done COUNT SUM
/// NANOS`, or `error MESSAGE` (and exits with failure).
pub fn child_main(args: &[String]) -> ExitCode {
    // Raw fd 1 (a dup), unbuffered: echoes must leave at once, and std's
    // stdout buffers lines.
    let out = io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .map(File::from)
        .map_err(err("dup stdout"));
    let mut out = match out {
        Ok(o) => o,
        Err(e) => {
            eprintln!("shm child: {e}");
            return ExitCode::FAILURE;
        }
    };
    match child(args, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(out, "error {e}");
            eprintln!("shm child: {e}");
            ExitCode::FAILURE
        }
    }
}

fn child(args: &[String], out: &mut File) -> Result<(), String> {
    // Die with the parent (which spawned us from the thread that waits for us).
    let _ = nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL);
    let usage = "usage: __shm-child ring|pipe|socket batch|single|echo CPU ITEMS [PATH]";
    let transport = args
        .first()
        .and_then(|s| Transport::parse(s))
        .ok_or(usage)?;
    let shape = args.get(1).and_then(|s| Shape::parse(s)).ok_or(usage)?;
    let cpu: usize = args.get(2).and_then(|s| s.parse().ok()).ok_or(usage)?;
    let items: u64 = args.get(3).and_then(|s| s.parse().ok()).ok_or(usage)?;
    let path = args.get(4).map(PathBuf::from);
    let need_path = || path.clone().ok_or(usage);
    let report = match transport {
        Transport::Ring => {
            let conn = fd_passing::connect(need_path()?).map_err(err("connect"))?;
            let fd = fd_passing::recv_fd(&conn).map_err(err("recv_fd"))?;
            let mut rx = SharedRing::<u64>::attach(fd)
                .map_err(shm_err("attach"))?
                .into_consumer()
                .map_err(shm_err("into_consumer"))?;
            let tx = match shape {
                Shape::Echo => {
                    let fd = fd_passing::recv_fd(&conn).map_err(err("recv_fd"))?;
                    Some(
                        SharedRing::<u64>::attach(fd)
                            .map_err(shm_err("attach"))?
                            .into_producer()
                            .map_err(shm_err("into_producer"))?,
                    )
                }
                _ => None,
            };
            pin(cpu);
            ready(out)?;
            match (shape, tx) {
                (Shape::Echo, Some(mut tx)) => ring_echo_child(&mut rx, &mut tx, items),
                (Shape::Batch, _) => ring_recv_batches(&mut rx, items),
                _ => ring_recv_singles(&mut rx, items),
            }
        }
        Transport::Socket => {
            let mut conn = UnixStream::connect(need_path()?).map_err(err("connect"))?;
            let echo = ("dup", |conn: &UnixStream, _: &File| conn.try_clone());
            stream_child(&mut conn, echo, cpu, shape, items, out)
        }
        Transport::Pipe => {
            // Raw fd 0: std's stdin is buffered, and one read per message is the point.
            let mut input = io::stdin()
                .as_fd()
                .try_clone_to_owned()
                .map(File::from)
                .map_err(err("dup stdin"))?;
            let echo = ("dup stdout", |_: &File, out: &File| out.try_clone());
            stream_child(&mut input, echo, cpu, shape, items, out)
        }
    }?;
    writeln!(out, "done {} {} {}", report.count, report.sum, report.nanos).map_err(err("report"))
}

/// The child's side on a byte stream (a socket, or stdin): pinned and
/// ready, then it receives, or (echo) writes every value back on the writer
/// `echo.1` makes from the input or from `out` (`echo.0` names that step in
/// an error).
fn stream_child<R: Read, W: Write>(
    input: &mut R,
    (what, echo): (&str, impl FnOnce(&R, &File) -> io::Result<W>),
    cpu: usize,
    shape: Shape,
    items: u64,
    out: &mut File,
) -> Result<Report, String> {
    pin(cpu);
    ready(out)?;
    match shape {
        Shape::Echo => {
            let mut back = echo(input, out).map_err(err(what))?;
            stream_echo_child(input, &mut back, items)
        }
        _ => stream_recv(input, shape, items),
    }
}

fn ready(out: &mut File) -> Result<(), String> {
    out.write_all(b"ready\n").map_err(err("ready"))
}

/// Counts failed spin attempts; every [`CHECK_EVERY`] of them asks whether
/// the peer process is still alive.
#[derive(Default)]
struct Misses(u32);

impl Misses {
    #[inline]
    fn miss(&mut self, alive: impl FnOnce() -> bool) -> Result<(), String> {
        self.0 = self.0.wrapping_add(1);
        if self.0.is_multiple_of(CHECK_EVERY) && !alive() {
            return Err("the peer process died".into());
        }
        spin_loop();
        Ok(())
    }
}

/// Child, ring, `recv_slice` into a [`SHM_BATCH`] buffer, summing.
fn ring_recv_batches(rx: &mut SharedConsumer<u64>, items: u64) -> Result<Report, String> {
    let mut buf = [0u64; SHM_BATCH];
    let mut misses = Misses::default();
    let mut k = rx.recv_slice(&mut buf);
    while k == 0 {
        misses.miss(|| rx.is_producer_alive())?;
        k = rx.recv_slice(&mut buf);
    }
    let t0 = Instant::now();
    let mut sum = buf[..k].iter().fold(0u64, |s, &x| s.wrapping_add(x));
    let mut n = k as u64;
    while n < items {
        let k = rx.recv_slice(&mut buf);
        if k == 0 {
            misses.miss(|| rx.is_producer_alive())?;
            continue;
        }
        sum = buf[..k].iter().fold(sum, |s, &x| s.wrapping_add(x));
        n += k as u64;
    }
    Ok(Report {
        count: n,
        sum,
        nanos: t0.elapsed().as_nanos() as u64,
    })
}

/// Child, ring, one `try_recv` per item, spinning while empty.
fn ring_recv_singles(rx: &mut SharedConsumer<u64>, items: u64) -> Result<Report, String> {
    let mut misses = Misses::default();
    let first = loop {
        match rx.try_recv() {
            Ok(v) => break v,
            Err(_) => misses.miss(|| rx.is_producer_alive())?,
        }
    };
    let t0 = Instant::now();
    let (mut n, mut sum) = (1u64, first);
    while n < items {
        match rx.try_recv() {
            Ok(v) => {
                n += 1;
                sum = sum.wrapping_add(v);
            }
            Err(_) => misses.miss(|| rx.is_producer_alive())?,
        }
    }
    Ok(Report {
        count: n,
        sum,
        nanos: t0.elapsed().as_nanos() as u64,
    })
}

/// Child, ring pair: echo every value back.
fn ring_echo_child(
    rx: &mut SharedConsumer<u64>,
    tx: &mut SharedProducer<u64>,
    n: u64,
) -> Result<Report, String> {
    let t0 = Instant::now();
    let mut sum = 0u64;
    let mut misses = Misses::default();
    for _ in 0..n {
        let mut v = loop {
            match rx.try_recv() {
                Ok(v) => break v,
                Err(_) => misses.miss(|| rx.is_producer_alive())?,
            }
        };
        sum = sum.wrapping_add(v);
        while let Err(e) = tx.try_send(v) {
            v = e.into_inner();
            misses.miss(|| tx.is_consumer_alive())?;
        }
    }
    Ok(Report {
        count: n,
        sum,
        nanos: t0.elapsed().as_nanos() as u64,
    })
}

/// Child, byte stream: receives `items` u64s (any chunking for the batched
/// shape; one 8-byte read per item for the single shape), summing.
fn stream_recv(r: &mut impl Read, shape: Shape, items: u64) -> Result<Report, String> {
    if shape == Shape::Single {
        let mut b = [0u8; 8];
        r.read_exact(&mut b).map_err(err("read"))?;
        let t0 = Instant::now();
        let (mut n, mut sum) = (1u64, u64::from_le_bytes(b));
        while n < items {
            r.read_exact(&mut b).map_err(err("read"))?;
            sum = sum.wrapping_add(u64::from_le_bytes(b));
            n += 1;
        }
        return Ok(Report {
            count: n,
            sum,
            nanos: t0.elapsed().as_nanos() as u64,
        });
    }
    let mut buf = vec![0u8; SHM_BATCH * 8];
    let (mut n, mut sum, mut have) = (0u64, 0u64, 0usize);
    let mut t0 = None;
    while n < items {
        let k = match r.read(&mut buf[have..]) {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("read: {e}")),
        };
        t0.get_or_insert_with(Instant::now);
        have += k;
        let whole = have / 8 * 8;
        for c in buf[..whole].chunks_exact(8) {
            sum = sum.wrapping_add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
            n += 1;
        }
        buf.copy_within(whole..have, 0);
        have -= whole;
    }
    Ok(Report {
        count: n,
        sum,
        nanos: t0.map_or(0, |t| t.elapsed().as_nanos() as u64),
    })
}

/// Child, byte stream pair: echo every 8-byte value back.
fn stream_echo_child(r: &mut impl Read, w: &mut impl Write, n: u64) -> Result<Report, String> {
    let t0 = Instant::now();
    let mut b = [0u8; 8];
    let mut sum = 0u64;
    for _ in 0..n {
        r.read_exact(&mut b).map_err(err("read"))?;
        sum = sum.wrapping_add(u64::from_le_bytes(b));
        w.write_all(&b).map_err(err("write echo"))?;
    }
    Ok(Report {
        count: n,
        sum,
        nanos: t0.elapsed().as_nanos() as u64,
    })
}
