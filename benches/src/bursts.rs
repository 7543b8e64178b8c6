//! The `disruptor` crate's own benchmark shape, side by side with ours:
//! the publisher sends a burst of `burst` items (1, 10 or 100), then waits
//! until every consumer has handled all of them, again and again (ring of
//! 128 slots, no pause between bursts). The figure is items per second
//! (per subscriber for broadcast): small bursts measure the hand-over
//! latency, large ones the throughput of a batch.
//!
//! Our consumers wait with `WaitStrategy::Blocking` (a short spin, then a
//! yield, then a futex sleep: no busy spinning while idle); the disruptor's
//! handlers spin (`BusySpin`, the crate's fastest strategy). The harness's
//! own wait for the end of a burst (a spin on a counter the consumer
//! stores) is the same for both. The MPSC rows stream items one at a time
//! from 2 or 4 producers.

use std::hint::spin_loop;
use std::thread;
use std::time::{Duration, Instant};

use ringmpsc::primitives::sync::{Arc, AtomicU64, Ordering};
use ringmpsc::primitives::{Config, WaitStrategy};
use ringmpsc::{broadcast, mpsc, spsc};

use crate::harness::{RunResult, Sample, mmsgs, verify};
use crate::workloads::{Job, Sink, crew};

/// The ring size of the disruptor crate's SPSC benchmark.
pub const BURST_RING: usize = 128;

/// The longest a burst run goes on: it stops after the burst in progress
/// when this is spent, and reports the bursts it completed. Busy-spinning
/// handlers on fewer CPUs than threads hand over once per scheduler slice
/// (milliseconds per burst): without a bound such a row would run for
/// minutes. Every consumer still handled exactly what was sent (checked).
const BUDGET: Duration = Duration::from_millis(400);

/// Rounds of `burst` items that make about `items` in all.
fn rounds(items: u64, burst: u64) -> u64 {
    (items / burst).max(1)
}

/// What each consumer stores after every item: items handled so far and
/// their sum (the publisher waits on the count, the checker reads both).
#[derive(Default)]
struct Progress {
    n: AtomicU64,
    sum: AtomicU64,
}

impl Progress {
    fn record(&self, n: u64, sum: u64) {
        // ORDERING: Relaxed for the sum, Release for the count: a reader that
        // sees the count (Acquire) sees the sum stored before it.
        self.sum.store(sum, Ordering::Relaxed);
        // ORDERING: Release; see above.
        self.n.store(n, Ordering::Release);
    }

    /// Spins until `n` items were handled.
    fn wait_for(&self, n: u64) {
        // ORDERING: Acquire; pairs with the Release store in `record`.
        while self.n.load(Ordering::Acquire) < n {
            spin_loop();
        }
    }

    fn totals(progress: &[Arc<Progress>]) -> (u64, u64) {
        progress.iter().fold((0, 0), |(n, s), p| {
            // ORDERING: Acquire; the consumers are done (joined or waited for).
            let pn = p.n.load(Ordering::Acquire);
            // ORDERING: Relaxed; ordered by the Acquire load just above.
            (n + pn, s.wrapping_add(p.sum.load(Ordering::Relaxed)))
        })
    }
}

/// Runs `rounds` bursts through `publish(first_value, burst)`, waiting for
/// every consumer after each, and checks the consumers' totals.
fn drive(
    name: &str,
    burst: u64,
    rounds: u64,
    progress: &[Arc<Progress>],
    mut publish: impl FnMut(u64, u64),
) -> RunResult {
    let t0 = Instant::now();
    let mut done = 0;
    while done < rounds {
        publish(done * burst, burst);
        done += 1;
        for p in progress {
            p.wait_for(done * burst);
        }
        if t0.elapsed() > BUDGET {
            break;
        }
    }
    let d = t0.elapsed();
    let items = done * burst;
    let subs = progress.len() as u64;
    let (n, sum) = Progress::totals(progress);
    let want = (items * items.saturating_sub(1) / 2).wrapping_mul(subs);
    verify(name, n, sum, items * subs, want)?;
    Ok(Sample::of(mmsgs(items, d)))
}

/// Ours, SPSC: `send_slice` of the burst (one commit), the consumer in
/// `consume_batch_with(.., Blocking)`.
pub fn spsc_ours(items: u64, burst: u64) -> RunResult {
    let (mut tx, mut rx) = spsc::channel::<u64>(ring_config());
    let progress = vec![Arc::new(Progress::default())];
    let p = progress[0].clone();
    let consumer = thread::spawn(move || {
        let (mut n, mut sum) = (0u64, 0u64);
        while rx
            .consume_batch_with(
                |&v| {
                    n += 1;
                    sum = sum.wrapping_add(v);
                },
                WaitStrategy::Blocking,
            )
            .is_ok()
        {
            p.record(n, sum);
        }
    });
    let mut buf = vec![0u64; burst as usize];
    let r = drive(
        "ringmpsc spsc burst",
        burst,
        rounds(items, burst),
        &progress,
        |first, b| {
            for (i, x) in buf.iter_mut().enumerate() {
                *x = first + i as u64;
            }
            let mut sent = 0;
            while sent < b as usize {
                sent += tx.send_slice(&buf[sent..]);
            }
        },
    );
    drop(tx);
    consumer.join().map_err(|_| "consumer panicked")?;
    r
}

/// The `disruptor` crate: `build_single_producer(128, .., BusySpin)` with
/// `handlers` handlers, `batch_publish` of the burst (`publish` for 1).
pub fn disruptor(items: u64, burst: u64, handlers: usize) -> RunResult {
    let progress: Vec<Arc<Progress>> = (0..handlers).map(|_| Arc::default()).collect();
    let handler = |p: Arc<Progress>| {
        let (mut n, mut sum) = (0u64, 0u64);
        move |e: &u64, _seq: disruptor::Sequence, _eob: bool| {
            n += 1;
            sum = sum.wrapping_add(*e);
            p.record(n, sum);
        }
    };
    let b = disruptor::build_single_producer(BURST_RING, || 0u64, disruptor::BusySpin);
    let mut producer = match handlers {
        1 => {
            Box::new(b.handle_events_with(handler(progress[0].clone())).build()) as Box<dyn Bursts>
        }
        3 => Box::new(
            b.handle_events_with(handler(progress[0].clone()))
                .handle_events_with(handler(progress[1].clone()))
                .handle_events_with(handler(progress[2].clone()))
                .build(),
        ),
        n => return Err(format!("disruptor burst contender: {n} handlers not wired")),
    };
    let r = drive(
        "disruptor burst",
        burst,
        rounds(items, burst),
        &progress,
        |first, b| producer.burst(first, b as usize),
    );
    drop(producer);
    r
}

/// The disruptor producer calls the burst rows make.
trait Bursts {
    fn burst(&mut self, first: u64, n: usize);
}

impl<P: disruptor::Producer<u64>> Bursts for P {
    fn burst(&mut self, first: u64, n: usize) {
        if n == 1 {
            self.publish(|e| *e = first);
        } else {
            self.batch_publish(n, |iter| {
                for (i, e) in iter.enumerate() {
                    *e = first + i as u64;
                }
            });
        }
    }
}

/// Ours, broadcast (`Block`): the burst sent item by item, each of `subs`
/// subscribers in blocking `recv`.
pub fn broadcast_ours(items: u64, burst: u64, subs: usize) -> RunResult {
    let cfg = ring_config().with_max_consumers(subs.max(1));
    let (mut tx, rx) = broadcast::channel::<u64>(cfg, broadcast::Overflow::Block);
    let mut rxs: Vec<_> = (1..subs).map(|_| rx.clone()).collect();
    rxs.push(rx);
    let progress: Vec<Arc<Progress>> = (0..subs).map(|_| Arc::default()).collect();
    let threads: Vec<_> = rxs
        .into_iter()
        .zip(progress.iter().cloned())
        .map(|(mut rx, p)| {
            thread::spawn(move || {
                let (mut n, mut sum) = (0u64, 0u64);
                while let Ok(v) = rx.recv() {
                    n += 1;
                    sum = sum.wrapping_add(v);
                    p.record(n, sum);
                }
            })
        })
        .collect();
    let r = drive(
        "ringmpsc broadcast burst",
        burst,
        rounds(items, burst),
        &progress,
        |first, b| {
            for v in first..first + b {
                tx.send(v).expect("subscribers alive");
            }
        },
    );
    drop(tx);
    for t in threads {
        t.join().map_err(|_| "subscriber panicked")?;
    }
    r
}

fn ring_config() -> Config {
    Config::default().with_ring_bits(BURST_RING.trailing_zeros())
}

/// Ours, MPSC: `producers` threads each `send` their share one at a time
/// (blocking while full), the consumer in blocking `recv`.
pub fn mpsc_ours(items: u64, producers: usize) -> RunResult {
    let per = items / producers as u64;
    let (tx, mut rx) = mpsc::channel::<u64>(Config::default().with_ring_bits(8));
    let mut txs: Vec<_> = (1..producers).map(|_| tx.clone()).collect();
    txs.push(tx);
    let jobs: Vec<Job> = txs
        .into_iter()
        .map(|mut tx| -> Job {
            Box::new(move || (0..per).for_each(|i| tx.send(i).expect("consumer alive")))
        })
        .collect();
    let sink: Sink = Box::new(move || {
        let (mut n, mut sum) = (0u64, 0u64);
        while let Ok(v) = rx.recv() {
            n += 1;
            sum = sum.wrapping_add(v);
        }
        (n, sum)
    });
    let (d, (n, sum)) = crew(jobs, vec![sink], None);
    let want = (per * per.saturating_sub(1) / 2).wrapping_mul(producers as u64);
    verify("ringmpsc mpsc", n, sum, per * producers as u64, want)?;
    Ok(Sample::of(mmsgs(n, d)))
}

/// The `disruptor` crate: `build_multi_producer(256, .., BusySpin)`,
/// `producers` threads each `publish` their share one at a time, one
/// handler. Timed until the last producer's drop joined the handler.
pub fn disruptor_mpsc(items: u64, producers: usize) -> RunResult {
    let per = items / producers as u64;
    let progress = Arc::new(Progress::default());
    let p = progress.clone();
    let (mut n, mut sum) = (0u64, 0u64);
    let producer = disruptor::build_multi_producer(256, || 0u64, disruptor::BusySpin)
        .handle_events_with(move |e: &u64, _seq: disruptor::Sequence, _eob: bool| {
            n += 1;
            sum = sum.wrapping_add(*e);
            p.record(n, sum);
        })
        .build();
    let mut all = vec![producer.clone(); producers - 1];
    all.push(producer);
    let t0 = Instant::now();
    // Each producer stops at the budget (busy-spinning producers and handler
    // on fewer CPUs than threads crawl) and says how many it published.
    let sent: Vec<u64> = thread::scope(|s| {
        let hs: Vec<_> = all
            .into_iter()
            .map(|mut prod| {
                s.spawn(move || {
                    use disruptor::Producer;
                    let mut i = 0;
                    while i < per {
                        prod.publish(|e| *e = i);
                        i += 1;
                        if i % 1024 == 0 && t0.elapsed() > BUDGET {
                            break;
                        }
                    }
                    i
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap_or(0)).collect()
    });
    let total: u64 = sent.iter().sum();
    progress.wait_for(total);
    let d = t0.elapsed();
    let (got, sum) = Progress::totals(&[progress]);
    let want = sent
        .iter()
        .fold(0u64, |a, &k| a.wrapping_add(k * k.saturating_sub(1) / 2));
    verify("disruptor mpsc", got, sum, total, want)?;
    Ok(Sample::of(mmsgs(got, d)))
}
