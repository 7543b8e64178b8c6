//! The `collector` scenario: [`PRODUCERS`] producer processes into one
//! `ringmpsc::shm::Collector` vs as many threads into the in-process MPSC
//! channel vs a Unix datagram socket and a pipe (a FIFO) shared by as many
//! processes (one `u64` per datagram or write), and the CPU an idle
//! collector uses.
//!
//! The suite re-executes itself (`suite __collector-child TRANSPORT PATH
//! ITEMS`, see [`child_main`]) as each producer. Every producer connects
//! first, then waits for a go file next to the socket, so process start-up
//! is never timed: the clock starts when the parent creates the go file and
//! stops at the last item. The consumer sums every item; count and checksum
//! are verified (`harness::verify`).

use std::hint::spin_loop;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use ringmpsc::primitives::Config;
use ringmpsc::shm::Collector;

use crate::harness::{RunResult, Sample, mmsgs, verify};
use crate::reference::expected_sum;

/// The hidden subcommand that runs one producer process.
pub const CHILD_CMD: &str = "__collector-child";

/// Producers (processes or threads) per run.
pub const PRODUCERS: u64 = 4;

/// Items per `send_slice` of the ring contenders.
const BATCH: usize = 256;

/// How long a run may take before it counts as hung.
const LIMIT: Duration = Duration::from_secs(60);

fn ring_config() -> Config {
    Config::default().with_ring_bits(14)
}

/// A private directory for one run's socket and go file, removed on drop.
struct RunDir(PathBuf);

impl RunDir {
    fn new(what: &str) -> Result<Self, String> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let p = std::env::temp_dir().join(format!("rb-{what}-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&p).map_err(|e| format!("mkdir: {e}"))?;
        Ok(RunDir(p))
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Spawns the producer processes, each sending `items` u64s over `transport`.
fn spawn(exe: &Path, transport: &str, path: &Path, items: u64) -> Result<Vec<Child>, String> {
    (0..PRODUCERS)
        .map(|_| {
            Command::new(exe)
                .arg(CHILD_CMD)
                .arg(transport)
                .arg(path)
                .arg(items.to_string())
                .stdout(Stdio::null())
                .spawn()
                .map_err(|e| format!("spawn: {e}"))
        })
        .collect()
}

/// Waits for every child; an error if one failed.
fn reap(children: Vec<Child>) -> Result<(), String> {
    for mut c in children {
        let status = c.wait().map_err(|e| format!("wait: {e}"))?;
        if !status.success() {
            return Err(format!("a producer process failed: {status}"));
        }
    }
    Ok(())
}

/// Checks what the consumer got (`count` items summing to `sum`) against
/// what [`PRODUCERS`] producers of `items` each sent; the rate if right.
fn result(what: &str, count: u64, sum: u64, items: u64, took: Duration) -> RunResult {
    let want = PRODUCERS * items;
    verify(
        what,
        count,
        sum,
        want,
        PRODUCERS.wrapping_mul(expected_sum(items)),
    )?;
    Ok(Sample::of(mmsgs(want, took)))
}

/// Kills every child (a failed run).
fn kill(children: &mut [Child]) {
    for c in children {
        let _ = c.kill();
        let _ = c.wait();
    }
}

/// [`PRODUCERS`] processes into one collector, `items` each, in batches.
///
/// # Errors
///
/// A verification failure, a producer that failed, or a system call that failed.
pub fn collector_processes(exe: &Path, items: u64) -> RunResult {
    let dir = RunDir::new("coll")?;
    let sock = dir.0.join("c.sock");
    let mut rx = Collector::<u64>::bind(&sock, ring_config()).map_err(|e| format!("bind: {e}"))?;
    let mut children = spawn(exe, "ring", &sock, items)?;
    let start = Instant::now();
    while rx.producer_count() < PRODUCERS as usize {
        let _ = rx.recv_timeout(Duration::from_millis(1));
        if start.elapsed() > LIMIT {
            kill(&mut children);
            return Err("the producers did not connect".into());
        }
    }
    std::fs::write(dir.0.join("go"), b"").map_err(|e| format!("go file: {e}"))?;
    let t0 = Instant::now();
    let (mut count, mut sum) = (0u64, 0u64);
    let want = PRODUCERS * items;
    let mut idle = 0u32;
    while count < want {
        let n = rx.consume_all(|&v| sum = sum.wrapping_add(v));
        count += n as u64;
        if n == 0 {
            spin_loop();
            idle += 1;
            if idle.is_multiple_of(1 << 16) && t0.elapsed() > LIMIT {
                kill(&mut children);
                return Err(format!(
                    "collector: {count} of {want} items after {LIMIT:?}"
                ));
            }
        }
    }
    let took = t0.elapsed();
    reap(children)?;
    result("collector", count, sum, items, took)
}

/// The in-process reference: [`PRODUCERS`] threads into one MPSC channel,
/// the same batches.
///
/// # Errors
///
/// A verification failure.
pub fn mpsc_threads(items: u64) -> RunResult {
    let (tx, mut rx) = ringmpsc::mpsc::channel::<u64>(ring_config());
    // The producers start together once all exist (as the processes do on
    // the go file), so spawning is not timed.
    let go = std::sync::Barrier::new(PRODUCERS as usize + 1);
    thread::scope(|scope| {
        for _ in 0..PRODUCERS {
            let mut tx = tx.clone();
            let go = &go;
            scope.spawn(move || {
                go.wait();
                send_batches(|b| tx.send_slice(b), items);
            });
        }
        drop(tx);
        go.wait();
        let t0 = Instant::now();
        let (mut count, mut sum) = (0u64, 0u64);
        let want = PRODUCERS * items;
        while count < want {
            let n = rx.consume_all(|&v| sum = sum.wrapping_add(v));
            count += n as u64;
            if n == 0 {
                spin_loop();
            }
        }
        result("mpsc", count, sum, items, t0.elapsed())
    })
}

/// Sends `0..items` in batches of [`BATCH`] through `send_slice`, spinning
/// while full.
fn send_batches(mut send_slice: impl FnMut(&[u64]) -> usize, items: u64) {
    let mut buf = [0u64; BATCH];
    let mut next = 0u64;
    while next < items {
        let k = BATCH.min((items - next) as usize);
        for (i, b) in buf[..k].iter_mut().enumerate() {
            *b = next + i as u64;
        }
        let mut sent = 0;
        while sent < k {
            let m = send_slice(&buf[sent..k]);
            if m == 0 {
                spin_loop();
            }
            sent += m;
        }
        next += k as u64;
    }
}

/// The timed part of a run over a socket or pipe: creates the go file, then
/// sums the little-endian `u64`s that `read` puts in `buf` (it returns how
/// many bytes, a whole number of items, or what went wrong) until all of
/// [`PRODUCERS`] x `items` are in. Kills the children on an error, reaps
/// them after. Returns the count, the sum and the time taken.
fn read_u64s(
    dir: &RunDir,
    mut children: Vec<Child>,
    items: u64,
    buf: &mut [u8],
    mut read: impl FnMut(&mut [u8]) -> Result<usize, String>,
) -> Result<(u64, u64, Duration), String> {
    std::fs::write(dir.0.join("go"), b"").map_err(|e| format!("go file: {e}"))?;
    let t0 = Instant::now();
    let (mut count, mut sum) = (0u64, 0u64);
    let want = PRODUCERS * items;
    while count < want {
        let n = match read(buf) {
            Ok(n) => n,
            Err(e) => {
                kill(&mut children);
                return Err(e);
            }
        };
        for m in buf[..n].chunks_exact(8) {
            sum = sum.wrapping_add(u64::from_le_bytes(m.try_into().expect("8 bytes")));
            count += 1;
        }
    }
    let took = t0.elapsed();
    reap(children)?;
    Ok((count, sum, took))
}

/// [`PRODUCERS`] processes sending one `u64` per datagram to one Unix
/// datagram socket.
///
/// # Errors
///
/// A verification failure, a producer that failed, or a system call that failed.
pub fn datagram_processes(exe: &Path, items: u64) -> RunResult {
    let dir = RunDir::new("dgram")?;
    let sock = dir.0.join("d.sock");
    let rx = UnixDatagram::bind(&sock).map_err(|e| format!("bind: {e}"))?;
    rx.set_read_timeout(Some(LIMIT))
        .map_err(|e| format!("setsockopt: {e}"))?;
    let children = spawn(exe, "dgram", &sock, items)?;
    let mut buf = [0u8; 8];
    let (count, sum, took) = read_u64s(&dir, children, items, &mut buf, |b| match rx.recv(b) {
        Ok(8) => Ok(8),
        Ok(n) => Err(format!("a datagram of {n} bytes")),
        Err(e) => Err(format!("recv: {e}")),
    })?;
    result("datagram", count, sum, items, took)
}

/// [`PRODUCERS`] processes writing one `u64` per `write` (8 bytes: atomic,
/// never interleaved) to one pipe (a FIFO the consumer holds open).
///
/// # Errors
///
/// A verification failure, a producer that failed, or a system call that failed.
pub fn pipe_processes(exe: &Path, items: u64) -> RunResult {
    use std::io::Read;
    let dir = RunDir::new("pipe")?;
    let fifo = dir.0.join("p.fifo");
    nix::unistd::mkfifo(
        &fifo,
        nix::sys::stat::Mode::S_IRUSR | nix::sys::stat::Mode::S_IWUSR,
    )
    .map_err(|e| format!("mkfifo: {e}"))?;
    // Read and write: the open does not wait for a writer, and reads never
    // see end-of-file while producers come and go.
    let mut rx = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&fifo)
        .map_err(|e| format!("open fifo: {e}"))?;
    let children = spawn(exe, "pipe", &fifo, items)?;
    let mut buf = vec![0u8; 8 * 512];
    // Every write is 8 bytes and atomic, so a read of a multiple of 8
    // returns whole messages.
    let (count, sum, took) = read_u64s(&dir, children, items, &mut buf, |b| match rx.read(b) {
        Ok(n) if n % 8 == 0 => Ok(n),
        Ok(n) => Err(format!("a read of {n} bytes")),
        Err(e) => Err(format!("read: {e}")),
    })?;
    result("pipe", count, sum, items, took)
}

/// CPU used by an idle collector (its receiving thread blocked in
/// `recv_timeout` for `wait`, one producer connected, nothing sent), as a
/// percentage of one core: every thread of this process counted (the
/// collector's acceptor too), from `/proc/self/task/*/schedstat`.
///
/// # Errors
///
/// A system call that failed, or an item that arrived.
pub fn collector_idle_cpu(wait: Duration) -> RunResult {
    let dir = RunDir::new("idle")?;
    let sock = dir.0.join("c.sock");
    let mut rx = Collector::<u64>::bind(&sock, ring_config()).map_err(|e| format!("bind: {e}"))?;
    let _tx = ringmpsc::shm::connect::<u64>(&sock).map_err(|e| format!("connect: {e}"))?;
    // Let the hand-over finish before measuring.
    let _ = rx.recv_timeout(Duration::from_millis(50));
    let c0 = process_cpu_ns().ok_or("no /proc/self/task/*/schedstat")?;
    let t0 = Instant::now();
    if rx.recv_timeout(wait).is_ok() {
        return Err("an item arrived on an idle collector".into());
    }
    let took = t0.elapsed();
    let c1 = process_cpu_ns().ok_or("no /proc/self/task/*/schedstat")?;
    Ok(Sample::of(
        100.0 * c1.saturating_sub(c0) as f64 / took.as_nanos() as f64,
    ))
}

/// Nanoseconds of CPU used by every thread of this process.
fn process_cpu_ns() -> Option<u64> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let s = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
        total += s.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

/// The producer process: `ARGS = [TRANSPORT, PATH, ITEMS]`; connects, waits
/// for the go file next to `PATH`, sends `0..ITEMS`.
pub fn child_main(args: &[String]) -> ExitCode {
    match child(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("collector child: {e}");
            ExitCode::FAILURE
        }
    }
}

fn child(args: &[String]) -> Result<(), String> {
    let [transport, path, items] = args else {
        return Err("usage: TRANSPORT PATH ITEMS".into());
    };
    let path = Path::new(path);
    let items: u64 = items.parse().map_err(|e| format!("ITEMS: {e}"))?;
    let go = path.with_file_name("go");
    let await_go = || {
        let start = Instant::now();
        while !go.exists() {
            if start.elapsed() > LIMIT {
                return Err("no go file".to_string());
            }
            thread::sleep(Duration::from_micros(200));
        }
        Ok(())
    };
    match transport.as_str() {
        "ring" => {
            let mut tx =
                ringmpsc::shm::connect::<u64>(path).map_err(|e| format!("connect: {e}"))?;
            await_go()?;
            send_batches(|b| tx.send_slice(b), items);
            Ok(())
        }
        "dgram" => {
            let tx = UnixDatagram::unbound().map_err(|e| format!("socket: {e}"))?;
            tx.connect(path).map_err(|e| format!("connect: {e}"))?;
            await_go()?;
            for i in 0..items {
                tx.send(&i.to_le_bytes())
                    .map_err(|e| format!("send: {e}"))?;
            }
            Ok(())
        }
        "pipe" => {
            use std::io::Write;
            let mut tx = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| format!("open fifo: {e}"))?;
            await_go()?;
            for i in 0..items {
                tx.write_all(&i.to_le_bytes())
                    .map_err(|e| format!("write: {e}"))?;
            }
            Ok(())
        }
        other => Err(format!("unknown transport {other}")),
    }
}
