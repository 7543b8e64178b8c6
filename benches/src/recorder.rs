//! The flight-recorder scenarios: writes that never wait, into a ring that
//! overwrites its oldest entry, side by side with the other ways people get
//! that behaviour (crossbeam's `force_push`, ringbuf's overwriting push
//! behind a mutex, tokio's broadcast with one receiver) and with our own
//! MPSC `try_send`, which refuses instead of overwriting.
//!
//! Every row runs `writers` threads writing `items` entries each, with the
//! reader either keeping up (a thread spinning on its receive) or stalled
//! (it never reads). The figure is writes per second over all writers;
//! the extra figure `lost %` is the share of entries that were evicted,
//! overwritten or refused (each contender counts them its own way; where
//! it cannot, received ones are subtracted from written ones).

use std::hint::spin_loop;
use std::sync::Barrier;

use ringmpsc::primitives::sync::{AtomicBool, AtomicU64, Mutex, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::{RunResult, Sample};

/// The entries of the scenarios: 8 bytes, and the 512-byte log entry of
/// the printk-style logging ring the recorder follows.
pub trait Payload: Clone + Send + Sync + 'static {
    /// Its size in bytes, for the scenario titles.
    const SIZE: usize;
    /// The entry for write `i`.
    fn make(i: u64) -> Self;
    /// What the reader touches (the first word).
    fn touch(&self) -> u64;
}

impl Payload for u64 {
    const SIZE: usize = 8;
    fn make(i: u64) -> Self {
        i
    }
    fn touch(&self) -> u64 {
        *self
    }
}

/// A 512-byte log entry.
#[derive(Debug, Clone)]
pub struct LogEntry(pub [u64; 64]);

impl Payload for LogEntry {
    const SIZE: usize = 512;
    fn make(i: u64) -> Self {
        let mut e = [0u64; 64];
        e[0] = i;
        e[63] = !i;
        LogEntry(e)
    }
    fn touch(&self) -> u64 {
        self.0[0] ^ !self.0[63] ^ self.0[0]
    }
}

/// Whether a reader thread drains while the writers write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// A thread spins on the receive until the writers are done and it has
    /// drained what is left.
    KeepingUp,
    /// Nobody reads until the writers are done.
    Stalled,
}

/// Entries each writer's ring (or the writers' share of a shared queue)
/// retains.
pub const RETAIN: usize = 4096;

/// Runs `writers` threads, each calling its `write` closure `items` times,
/// while `read` (a receive returning whether it got an entry) runs per
/// `reader`; a stalled reader drains only after the writers are done
/// (untimed). Returns the writers' wall time and the entries received.
fn drive<W, R>(items: u64, writers: Vec<W>, reader: Reader, mut read: R) -> (Duration, u64)
where
    W: FnMut(u64) + Send,
    R: FnMut() -> bool + Send,
{
    let start = Barrier::new(writers.len() + 1);
    let done = AtomicBool::new(false);
    let (elapsed, received) = thread::scope(|s| {
        let hs: Vec<_> = writers
            .into_iter()
            .map(|mut w| {
                let start = &start;
                s.spawn(move || {
                    start.wait();
                    // Timed on the writer's own thread: the harness thread
                    // may not run again until long after the writers start.
                    let t0 = Instant::now();
                    for i in 0..items {
                        w(i);
                    }
                    (t0, Instant::now())
                })
            })
            .collect();
        let done = &done;
        let mut read = Some(&mut read);
        let r = (reader == Reader::KeepingUp).then(|| {
            let read = read.take().expect("once");
            s.spawn(move || {
                let mut got = 0u64;
                // After `done`, one empty receive means drained.
                while !done.load(Ordering::Acquire) {
                    if read() {
                        got += 1;
                    } else {
                        spin_loop();
                    }
                }
                while read() {
                    got += 1;
                }
                got
            })
        });
        start.wait();
        let spans: Vec<(Instant, Instant)> = hs
            .into_iter()
            .map(|h| h.join().expect("writer panicked"))
            .collect();
        let first = spans.iter().map(|s| s.0).min().expect("a writer");
        let last = spans.iter().map(|s| s.1).max().expect("a writer");
        let d = last - first;
        done.store(true, Ordering::Release);
        let got = match r {
            Some(r) => r.join().expect("reader panicked"),
            None => {
                let read = read.expect("the reader stalled: still ours");
                std::iter::from_fn(|| read().then_some(())).count() as u64
            }
        };
        (d, got)
    });
    (elapsed, received)
}

/// The sample of a run: millions of writes per second over all writers,
/// and `lost %`, the share of entries written but never received. Where the
/// contender counts its own losses (`counted`), the count must match.
fn finish(
    name: &str,
    total: u64,
    (elapsed, received): (Duration, u64),
    counted: Option<u64>,
) -> RunResult {
    let lost = total
        .checked_sub(received)
        .ok_or_else(|| format!("{name}: received {received} of {total} written: duplicates"))?;
    if let Some(c) = counted
        && c != lost
    {
        return Err(format!(
            "{name}: counted {c} lost, but {lost} of {total} were never received"
        ));
    }
    let mut s = Sample::of(crate::harness::mmsgs(total, elapsed));
    s.extra.push(("lost %", 100.0 * lost as f64 / total as f64));
    Ok(s)
}

/// One loss counter per writer (each writes its own; summed afterwards).
fn counters(n: usize) -> Vec<AtomicU64> {
    (0..n).map(|_| AtomicU64::new(0)).collect()
}

fn bump(c: &AtomicU64) {
    c.store(c.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
}

fn sum(cs: &[AtomicU64]) -> u64 {
    cs.iter().map(|c| c.load(Ordering::Relaxed)).sum()
}

/// One writer per loss counter in `lost`, all pushing into one shared
/// queue with `push(i)`, which says whether it displaced an entry; the
/// writer counts those.
fn displacing_writers<'a>(
    lost: &'a [AtomicU64],
    push: impl Fn(u64) -> bool + Copy + Send + 'a,
) -> Vec<impl FnMut(u64) + Send + 'a> {
    lost.iter()
        .map(|c| {
            move |i| {
                if push(i) {
                    bump(c);
                }
            }
        })
        .collect()
}

/// Each ring of ours holds `RETAIN` entries.
fn retain_config() -> ringmpsc::primitives::Config {
    ringmpsc::primitives::Config::default().with_ring_bits(RETAIN.trailing_zeros())
}

/// Ours: `recorder::Recorder::record` (one ring per writer), the reader's
/// `try_recv`; its loss count is `Reader::lost()`.
pub fn ours<P: Payload>(items: u64, writers: usize, reader: Reader) -> RunResult {
    let (first, mut rx) = ringmpsc::recorder::channel::<P>(retain_config());
    let ws = crate::workloads::clones(first, writers);
    let ws: Vec<_> = ws
        .into_iter()
        .map(|mut w| {
            // As the peers' rows: the evicted entry is looked at and
            // dropped where it lies (no `black_box` copy of it).
            move |i| match w.record(P::make(i)) {
                Ok(evicted) => {
                    std::hint::black_box(evicted.is_some());
                }
                Err(_) => panic!("the reader is alive"),
            }
        })
        .collect();
    let run = drive(items, ws, reader, || match rx.try_recv() {
        Ok(e) => {
            std::hint::black_box(e.value.touch());
            true
        }
        Err(_) => false,
    });
    finish("recorder", items * writers as u64, run, Some(rx.lost()))
}

/// crossbeam-queue `ArrayQueue::force_push` (one queue for all writers, as
/// many slots as the recorder's rings together); it hands back what it
/// displaced, which the writers count.
pub fn arrayqueue<P: Payload>(items: u64, writers: usize, reader: Reader) -> RunResult {
    let q = crossbeam_queue::ArrayQueue::<P>::new(RETAIN * writers);
    let lost = counters(writers);
    let ws = displacing_writers(&lost, |i| q.force_push(P::make(i)).is_some());
    let run = drive(items, ws, reader, || {
        q.pop().map(|e| std::hint::black_box(e.touch())).is_some()
    });
    finish("ArrayQueue", items * writers as u64, run, Some(sum(&lost)))
}

/// ringbuf's `push_overwrite` on a `HeapRb` behind a `Mutex` (its
/// overwriting push needs the whole ring).
pub fn ringbuf_mutex<P: Payload>(items: u64, writers: usize, reader: Reader) -> RunResult {
    use ringbuf::traits::{Consumer as _, RingBuffer as _};
    let rb = Mutex::new(ringbuf::HeapRb::<P>::new(RETAIN * writers));
    let lost = counters(writers);
    let ws = displacing_writers(&lost, |i| {
        let v = P::make(i);
        rb.lock().expect("poisoned").push_overwrite(v).is_some()
    });
    let run = drive(items, ws, reader, || {
        let e = rb.lock().expect("poisoned").try_pop();
        e.map(|e| std::hint::black_box(e.touch())).is_some()
    });
    finish(
        "ringbuf+Mutex",
        items * writers as u64,
        run,
        Some(sum(&lost)),
    )
}

/// tokio `sync::broadcast` with one receiver (`try_recv` from a thread):
/// sends never wait; the receiver learns of overwritten entries as
/// `Lagged(n)`, which it counts.
pub fn tokio_broadcast<P: Payload>(items: u64, writers: usize, reader: Reader) -> RunResult {
    use tokio::sync::broadcast::error::TryRecvError;
    let (tx, mut rx) = tokio::sync::broadcast::channel::<P>(RETAIN * writers);
    let ws: Vec<_> = (0..writers)
        .map(|_| {
            let tx = tx.clone();
            move |i| {
                tx.send(P::make(i)).map(drop).unwrap_or(());
            }
        })
        .collect();
    drop(tx);
    let mut lagged = 0u64;
    let run = drive(items, ws, reader, || {
        loop {
            match rx.try_recv() {
                Ok(e) => {
                    std::hint::black_box(e.touch());
                    return true;
                }
                Err(TryRecvError::Lagged(n)) => lagged += n,
                Err(_) => return false,
            }
        }
    });
    finish("tokio broadcast", items * writers as u64, run, Some(lagged))
}

/// Ours, refusing instead of overwriting: MPSC `try_send`, a full ring's
/// entry dropped and counted by its writer.
pub fn mpsc_try_send<P: Payload>(items: u64, writers: usize, reader: Reader) -> RunResult {
    let (first, mut rx) = ringmpsc::mpsc::channel::<P>(retain_config());
    let txs = crate::workloads::clones(first, writers);
    let lost = counters(writers);
    let ws: Vec<_> = txs
        .into_iter()
        .zip(&lost)
        .map(|(mut tx, c)| {
            move |i| {
                if tx.try_send(P::make(i)).is_err() {
                    bump(c);
                }
            }
        })
        .collect();
    let run = drive(items, ws, reader, || {
        rx.try_recv()
            .map(|e| std::hint::black_box(e.touch()))
            .is_ok()
    });
    finish(
        "mpsc try_send",
        items * writers as u64,
        run,
        Some(sum(&lost)),
    )
}

/// Per-write latency of `record` (512-byte entries), each write timed on
/// its own with the monotonic clock (the clock's own cost, about 20 ns, is
/// included); the reader keeps up. p50 in ns, p99/p99.9/max as extras.
pub fn ours_latency(items: u64, writers: usize) -> RunResult {
    let (first, mut rx) = ringmpsc::recorder::channel::<LogEntry>(retain_config());
    let ws = crate::workloads::clones(first, writers);
    let samples: Vec<Mutex<Vec<f64>>> = (0..writers).map(|_| Mutex::new(Vec::new())).collect();
    let fns: Vec<_> = ws
        .into_iter()
        .zip(&samples)
        .map(|(mut w, out)| {
            let mut mine = Vec::with_capacity(items as usize);
            move |i| {
                let e = LogEntry::make(i);
                let t0 = Instant::now();
                let evicted = w.record(e).expect("reader alive");
                mine.push(t0.elapsed().as_nanos() as f64);
                std::hint::black_box(evicted);
                if i + 1 == items {
                    *out.lock().expect("poisoned") = std::mem::take(&mut mine);
                }
            }
        })
        .collect();
    let (_, received) = drive(items, fns, Reader::KeepingUp, || {
        rx.try_recv()
            .map(|e| std::hint::black_box(e.value.touch()))
            .is_ok()
    });
    let total = items * writers as u64;
    if received + rx.lost() != total {
        return Err(format!(
            "recorder: received {received} + lost {} != written {total}",
            rx.lost()
        ));
    }
    let mut all: Vec<f64> = samples
        .into_iter()
        .flat_map(|m| m.into_inner().expect("poisoned"))
        .collect();
    let mut s = crate::reference::latency_sample(&mut all);
    s.extra
        .push(("lost %", 100.0 * rx.lost() as f64 / total as f64));
    Ok(s)
}
