//! The collector with real processes: each test re-executes this test
//! binary as its producers (`--exact <test>`, with environment variables
//! saying which producer it is and where the collector listens).
#![cfg(target_os = "linux")]
#![cfg(not(miri))] // processes, memfd, sockets and files are system calls

use std::io::{BufRead, BufReader};
use std::os::unix::fs::{FileExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use ring_core::{Config, RecvTimeoutError, TryRecvError};
use ring_shm::fd_passing::recv_fd;
use ring_shm::{ByteCollector, Collector, ShmError, connect, connect_bytes};
use ringmpsc_testkit::{let_it_block, watchdog};

const ROLE_ENV: &str = "RING_SHM_COLLECTOR_CHILD";
const SOCK_ENV: &str = "RING_SHM_COLLECTOR_SOCK";

/// The producer number this process plays, if it is a re-executed child.
fn child_role() -> Option<u64> {
    std::env::var(ROLE_ENV).ok().map(|r| r.parse().unwrap())
}

fn sock_from_env() -> PathBuf {
    std::env::var_os(SOCK_ENV).unwrap().into()
}

/// A fresh private directory for one test's socket.
fn test_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ring-shm-coll-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `test` again as producer `role` against the collector at `sock`.
fn spawn_producer(test: &str, role: u64, sock: &Path, stdout: Stdio) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(ROLE_ENV, role.to_string())
        .env(SOCK_ENV, sock)
        .stdout(stdout)
        .spawn()
        .unwrap()
}

/// Runs `test` again as process 0 against `sock` with its stdout piped,
/// and reads until it prints a line containing `word` (`early` is the
/// failure if it ends first). The child and its stdout, to keep open while
/// it runs.
fn spawn_and_await_line(
    test: &str,
    sock: &Path,
    word: &str,
    early: &str,
) -> (Child, BufReader<ChildStdout>) {
    let mut child = spawn_producer(test, 0, sock, Stdio::piped());
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains(word) {
        line.clear();
        assert_ne!(out.read_line(&mut line).unwrap(), 0, "{early}");
    }
    (child, out)
}

fn assert_exit_ok(mut child: Child) {
    let status = child.wait().unwrap();
    assert!(status.success(), "producer process failed: {status}");
}

/// Receives until `done` holds, failing after `secs` of no progress.
fn recv_until<T>(rx: &mut Collector<T>, secs: u64, mut on: impl FnMut(T) -> bool)
where
    T: ring_shm::ShmSafe + Send,
{
    let mut last = Instant::now();
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(v) => {
                last = Instant::now();
                if on(v) {
                    return;
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                assert!(last.elapsed() < Duration::from_secs(secs), "no progress");
            }
            Err(RecvTimeoutError::Closed) => panic!("closed"),
        }
    }
}

/// Waits (receiving whatever comes) until `producer_count() == n`.
fn await_count<T: ring_shm::ShmSafe + Send>(rx: &mut Collector<T>, n: usize) {
    let start = Instant::now();
    while rx.producer_count() != n {
        let _ = rx.recv_timeout(Duration::from_millis(20));
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "count {} != {n}",
            rx.producer_count()
        );
    }
}

/// Child side: connects and sends `[p, i]` for `i` in `0..n`.
fn send_numbered(p: u64, n: u64) {
    let mut tx = connect::<[u64; 2]>(sock_from_env()).unwrap();
    for i in 0..n {
        tx.send([p, i]).unwrap();
    }
}

/// Parent side: a collector of `T` with rings of `2^bits` slots, bound in a
/// fresh directory for `test`; returns the directory and the socket path too.
fn bind<T: ring_shm::ShmSafe + Send>(test: &str, bits: u32) -> (PathBuf, PathBuf, Collector<T>) {
    let dir = test_dir(test);
    let sock = dir.join("c.sock");
    let rx = Collector::<T>::bind(&sock, Config::default().with_ring_bits(bits)).unwrap();
    (dir, sock, rx)
}

/// Parent side: drops the collector and checks it left nothing behind.
fn finish<C>(rx: C, dir: &Path) {
    drop(rx);
    std::fs::remove_dir(dir).expect("nothing left in the test's directory");
}

const PRODUCERS: u64 = 4;
const N: u64 = 250_000;

#[test]
fn four_producer_processes_each_in_order() {
    const TEST: &str = "four_producer_processes_each_in_order";
    if let Some(p) = child_role() {
        return send_numbered(p, N);
    }
    watchdog(120, || {
        let (dir, sock, mut rx) = bind::<[u64; 2]>(TEST, 10);
        let children: Vec<Child> = (0..PRODUCERS)
            .map(|p| spawn_producer(TEST, p, &sock, Stdio::inherit()))
            .collect();
        let mut next = vec![0u64; PRODUCERS as usize];
        let mut sum = 0u64;
        let mut total = 0u64;
        recv_until(&mut rx, 20, |[p, i]| {
            assert!(p < PRODUCERS, "garbage producer number {p}");
            assert_eq!(i, next[p as usize], "producer {p} out of order");
            next[p as usize] += 1;
            sum = sum.wrapping_add(i);
            total += 1;
            total == PRODUCERS * N
        });
        assert_eq!(sum, PRODUCERS * (N * (N - 1) / 2));
        for c in children {
            assert_exit_ok(c);
        }
        await_count(&mut rx, 0);
        assert_eq!(
            rx.try_recv(),
            Err(TryRecvError::Empty),
            "not closed: waits for more"
        );
        finish(rx, &dir);
        assert!(!sock.exists(), "the socket file is removed on drop");
    });
}

#[test]
fn a_killed_producer_loses_nothing_committed_and_its_ring_is_reclaimed() {
    const TEST: &str = "a_killed_producer_loses_nothing_committed_and_its_ring_is_reclaimed";
    if let Some(p) = child_role() {
        // Producer 0 never stops on its own; producer 1 sends N.
        return send_numbered(p, if p == 0 { u64::MAX } else { N });
    }
    watchdog(120, || {
        let (dir, sock, mut rx) = bind::<[u64; 2]>(TEST, 8);
        let mut victim = spawn_producer(TEST, 0, &sock, Stdio::inherit());
        let other = spawn_producer(TEST, 1, &sock, Stdio::inherit());
        let mut next = [0u64; 2];
        let mut killed = false;
        recv_until(&mut rx, 20, |[p, i]| {
            assert!(p < 2, "garbage producer number {p}");
            assert_eq!(i, next[p as usize], "producer {p}: a gap or a duplicate");
            next[p as usize] += 1;
            if !killed && next[0] == 5_000 {
                victim.kill().unwrap(); // SIGKILL, mid-stream
                killed = true;
            }
            killed && next[1] == N
        });
        assert!(!victim.wait().unwrap().success());
        assert_exit_ok(other);
        // Everything the victim committed arrives (in order: checked above),
        // then its ring is reclaimed.
        let start = Instant::now();
        while rx.producer_count() > 0 {
            match rx.recv_timeout(Duration::from_millis(20)) {
                Ok([p, i]) => {
                    assert_eq!((p, i), (0, next[0]), "only the victim's tail is left");
                    next[0] += 1;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Closed) => panic!("closed"),
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the dead ring is never reclaimed"
            );
        }
        assert!(next[0] >= 5_000);
        finish(rx, &dir);
    });
}

/// The byte offset of the producer's tail in a ring file (after the
/// 128-byte identification header: ring-core's header starts with it).
const TAIL_OFFSET: u64 = 128;

#[test]
fn a_hostile_producer_cannot_touch_the_others() {
    const TEST: &str = "a_hostile_producer_cannot_touch_the_others";
    if let Some(p) = child_role() {
        if p == 0 {
            // Hostile: the handshake by hand, then garbage into its own ring.
            let conn = UnixStream::connect(sock_from_env()).unwrap();
            let bell = std::fs::File::from(recv_fd(&conn).unwrap());
            let ring = std::fs::File::from(recv_fd(&conn).unwrap());
            let len = ring.metadata().unwrap().len();
            let mut x = 0x9E37_79B9_7F4A_7C15u64;
            for off in (TAIL_OFFSET..len).step_by(8) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                ring.write_at(&x.to_le_bytes(), off).unwrap();
            }
            // An impossible tail: far past the head.
            ring.write_at(&(u64::MAX / 3).to_le_bytes(), TAIL_OFFSET)
                .unwrap();
            // The doorbell's words too (it can cost wake-ups, nothing else).
            bell.write_at(&[0xFF; 8], 16).unwrap();
            return;
        }
        return send_numbered(p, N);
    }
    watchdog(120, || {
        let (dir, sock, mut rx) = bind::<[u64; 2]>(TEST, 8);
        let hostile = spawn_producer(TEST, 0, &sock, Stdio::inherit());
        let honest = spawn_producer(TEST, 1, &sock, Stdio::inherit());
        let mut next = 0u64;
        recv_until(&mut rx, 20, |[p, i]| {
            // The hostile ring may show garbage items (its slots), never the honest
            // producer's items out of order.
            if p == 1 {
                assert_eq!(i, next, "the honest producer's stream was disturbed");
                next += 1;
            }
            next == N
        });
        assert_exit_ok(hostile);
        assert_exit_ok(honest);
        await_count(&mut rx, 0);
        finish(rx, &dir);
    });
}

#[test]
fn close_wakes_a_producer_blocked_on_a_full_ring() {
    const TEST: &str = "close_wakes_a_producer_blocked_on_a_full_ring";
    const CAP: u64 = 16;
    if child_role().is_some() {
        let mut tx = connect::<u64>(sock_from_env()).unwrap();
        for i in 0..CAP {
            tx.try_send(i).unwrap();
        }
        println!("full");
        // Blocks: the ring is full and nobody consumes, until the close.
        assert!(tx.send(CAP).is_err(), "a send after close must fail");
        assert!(tx.is_closed());
        return;
    }
    watchdog(60, || {
        let (dir, sock, mut rx) = bind::<u64>(TEST, 4);
        let (child, _out) = spawn_and_await_line(TEST, &sock, "full", "the producer ended early");
        let_it_block();
        rx.close();
        assert_exit_ok(child);
        // What was committed before the close is still received.
        let got: Vec<u64> =
            std::iter::from_fn(|| rx.recv_timeout(Duration::from_secs(10)).ok()).collect();
        assert_eq!(got, (0..CAP).collect::<Vec<_>>());
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        finish(rx, &dir);
    });
}

#[test]
fn a_collector_blocked_in_recv_takes_in_a_new_producer() {
    const TEST: &str = "a_collector_blocked_in_recv_takes_in_a_new_producer";
    if child_role().is_some() {
        let mut tx = connect::<u64>(sock_from_env()).unwrap();
        tx.send(42).unwrap();
        assert_eq!(tx.send_slice(&[1, 2, 3, 4]), 4);
        return;
    }
    watchdog(60, || {
        let (dir, sock, mut rx) = bind::<u64>(TEST, 16);
        // No producer yet: waiting, not closed.
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        assert_eq!(
            rx.recv_timeout(Duration::from_millis(10)),
            Err(RecvTimeoutError::Timeout)
        );
        let child = spawn_producer(TEST, 0, &sock, Stdio::inherit());
        assert_eq!(rx.recv(), Ok(42)); // blocked before the producer connected
        assert_exit_ok(child);
        // The rest, through `try_iter` and `consume_all` (copies).
        assert_eq!(rx.try_iter().next(), Some(1));
        let mut rest = Vec::new();
        while rest.len() < 3 {
            rx.consume_all(|&v| rest.push(v));
        }
        assert_eq!(rest, [2, 3, 4]);
        await_count(&mut rx, 0);
        // A closer from another thread wakes a blocked receive.
        let closer = rx.closer();
        let t = std::thread::spawn(move || {
            let_it_block();
            closer.close();
        });
        assert!(rx.recv().is_err());
        t.join().unwrap();
        finish(rx, &dir);
    });
}

#[test]
fn byte_records_from_two_processes() {
    const TEST: &str = "byte_records_from_two_processes";
    const LINES: u64 = 10_000;
    if let Some(p) = child_role() {
        let mut tx = connect_bytes(sock_from_env()).unwrap();
        for i in 0..LINES {
            tx.send(format!("{p}:{i}:{}", "x".repeat((i % 40) as usize)).as_bytes())
                .unwrap();
        }
        return;
    }
    watchdog(60, || {
        let dir = test_dir(TEST);
        let sock = dir.join("b.sock");
        let mut rx = ByteCollector::bind(&sock, Config::default().with_ring_bits(12)).unwrap();
        // A ring of items cannot be taken from a byte collector.
        assert!(matches!(connect::<u64>(&sock), Err(ShmError::Kind { .. })));
        let children: Vec<Child> = (0..2)
            .map(|p| spawn_producer(TEST, p, &sock, Stdio::inherit()))
            .collect();
        let mut next = [0u64; 2];
        let mut total = 0;
        let start = Instant::now();
        while total < 2 * LINES {
            let Ok(rec) = rx.recv_timeout(Duration::from_millis(100)) else {
                assert!(start.elapsed() < Duration::from_secs(30), "no progress");
                continue;
            };
            let s = String::from_utf8(rec).unwrap();
            let mut f = s.split(':');
            let p: usize = f.next().unwrap().parse().unwrap();
            let i: u64 = f.next().unwrap().parse().unwrap();
            assert_eq!(f.next().unwrap().len() as u64, i % 40);
            assert_eq!(i, next[p]);
            next[p] += 1;
            total += 1;
        }
        for c in children {
            assert_exit_ok(c);
        }
        finish(rx, &dir);
    });
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn mappings() -> usize {
    std::fs::read_to_string("/proc/self/maps")
        .unwrap()
        .lines()
        .count()
}

#[test]
fn short_lived_producers_leave_no_fd_or_mapping_behind() {
    const TEST: &str = "short_lived_producers_leave_no_fd_or_mapping_behind";
    const ROUNDS: u64 = 200;
    if let Some(p) = child_role() {
        let mut tx = connect::<u64>(sock_from_env()).unwrap();
        tx.send(p).unwrap();
        return;
    }
    watchdog(120, || {
        let (dir, sock, mut rx) = bind::<u64>(TEST, 6);
        // One round first, so lazily opened fds (and the first mappings) exist.
        let child = spawn_producer(TEST, 0, &sock, Stdio::inherit());
        assert_eq!(rx.recv(), Ok(0));
        assert_exit_ok(child);
        await_count(&mut rx, 0);
        let (fds, maps) = (open_fds(), mappings());
        for p in 1..=ROUNDS {
            let child = spawn_producer(TEST, p, &sock, Stdio::inherit());
            assert_eq!(rx.recv(), Ok(p));
            assert_exit_ok(child);
        }
        await_count(&mut rx, 0);
        // Let the acceptor drop the pidfds of the reclaimed rings.
        let _ = rx.recv_timeout(Duration::from_millis(50));
        assert!(
            open_fds() <= fds + 2,
            "fds: {fds} before, {} after",
            open_fds()
        );
        assert!(
            mappings() <= maps + 4,
            "maps: {maps} before, {} after",
            mappings()
        );
        finish(rx, &dir);
    });
}

#[test]
fn the_socket_path_is_created_safely() {
    if child_role().is_some() {
        return;
    }
    fn send_not_sync<T: Send>() {}
    send_not_sync::<Collector<u64>>();
    send_not_sync::<ByteCollector>();
    let dir = test_dir("path");
    let sock = dir.join("c.sock");
    // A planted symlink (dangling) is refused and not followed.
    let target = dir.join("target");
    std::os::unix::fs::symlink(&target, &sock).unwrap();
    let e = Collector::<u64>::bind(&sock, Config::default()).unwrap_err();
    assert!(
        matches!(&e, ShmError::Io { source, .. } if source.kind() == std::io::ErrorKind::AlreadyExists),
        "{e:?}"
    );
    assert!(!target.exists(), "the symlink was followed");
    std::fs::remove_file(&sock).unwrap();
    // A regular file is refused and left alone.
    std::fs::write(&sock, b"mine").unwrap();
    assert!(Collector::<u64>::bind(&sock, Config::default()).is_err());
    assert_eq!(std::fs::read(&sock).unwrap(), b"mine");
    std::fs::remove_file(&sock).unwrap();
    // A collector's socket is refused too (no second collector at one path).
    let rx = Collector::<u64>::bind(&sock, Config::default()).unwrap();
    assert!(ByteCollector::bind(&sock, Config::default()).is_err());
    let mode = std::fs::symlink_metadata(&sock)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // Replaced behind its back: the collector leaves the new file alone.
    std::fs::remove_file(&sock).unwrap();
    std::fs::write(&sock, b"new").unwrap();
    drop(rx);
    assert_eq!(std::fs::read(&sock).unwrap(), b"new");
    std::fs::remove_file(&sock).unwrap();
    // Another mode on request.
    let rx = ByteCollector::bind_with_mode(&sock, Config::default(), 0o660).unwrap();
    let mode = std::fs::symlink_metadata(&sock)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o660);
    drop(rx);
    // Nothing left behind (no socket, no private staging directory).
    std::fs::remove_dir(&dir).expect("the directory is empty again");
}

#[test]
fn a_producer_blocked_on_a_killed_collector_gets_an_error() {
    const TEST: &str = "a_producer_blocked_on_a_killed_collector_gets_an_error";
    if child_role().is_some() {
        // The collector: binds, says so, and never receives.
        let _rx =
            Collector::<u64>::bind(sock_from_env(), Config::default().with_ring_bits(2)).unwrap();
        println!("bound");
        loop {
            std::thread::park();
        }
    }
    watchdog(60, || {
        let dir = test_dir(TEST);
        let sock = dir.join("c.sock");
        let (mut child, _out) =
            spawn_and_await_line(TEST, &sock, "bound", "the collector ended early");
        let mut tx = connect::<u64>(&sock).unwrap();
        assert_eq!(tx.send_slice(&[1, 2, 3, 4]), 4);
        let killer = std::thread::spawn(move || {
            let_it_block();
            child.kill().unwrap(); // SIGKILL: no clean-up at all
            child.wait().unwrap();
        });
        // Blocks on the full ring until the collector's death is seen.
        assert!(tx.send(5).is_err());
        killer.join().unwrap();
        // The killed collector could not remove its socket file: the path is
        // refused (never followed or removed) until someone removes it.
        assert!(Collector::<u64>::bind(&sock, Config::default()).is_err());
        std::fs::remove_file(&sock).unwrap();
        std::fs::remove_dir(&dir).unwrap();
    });
}
