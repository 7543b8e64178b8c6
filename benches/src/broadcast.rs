//! The broadcast scenarios' workloads: one publisher, `subs` subscribers,
//! `u64` items; every subscriber sums every item, and the harness checks
//! each one's count and checksum (all of them: `subs` times the items sent).
//! The figure is deliveries per second per subscriber (items / time).

use std::hint::spin_loop;
use std::thread;
use std::time::Instant;

use ringmpsc::broadcast::{self, Overflow, TryRecvError};
use ringmpsc::primitives::sync::{Arc, AtomicU64, Ordering};
use ringmpsc::primitives::{Config, TrySendError};

use crate::harness::{RunResult, Sample, mmsgs, verify};
use crate::reference::expected_sum;
use crate::workloads::{Job, SINGLE_CAP, Sink, crew};

/// Checks that each of `subs` subscribers got every one of `items` (summed
/// over them in `got`) and reports Mmsg/s per subscriber.
fn per_subscriber(
    name: &str,
    items: u64,
    subs: usize,
    d: std::time::Duration,
    got: (u64, u64),
) -> RunResult {
    let want_sum = expected_sum(items).wrapping_mul(subs as u64);
    verify(name, got.0, got.1, items * subs as u64, want_sum)?;
    Ok(Sample::of(mmsgs(items, d)))
}

/// A sink per subscriber summing what `recv` returns until it returns `None`.
fn sinks<R: Send + 'static>(
    rxs: Vec<R>,
    recv: impl Fn(&mut R) -> Option<u64> + Copy + Send + 'static,
) -> Vec<Sink> {
    rxs.into_iter()
        .map(|mut rx| -> Sink {
            Box::new(move || {
                let (mut n, mut sum) = (0u64, 0u64);
                while let Some(v) = recv(&mut rx) {
                    n += 1;
                    sum = sum.wrapping_add(v);
                }
                (n, sum)
            })
        })
        .collect()
}

fn config() -> Config {
    Config::default()
        .with_ring_bits(SINGLE_CAP.trailing_zeros())
        .with_max_consumers(4)
}

/// A `Block` channel with `subs` subscribers.
fn ours(subs: usize) -> (broadcast::Publisher<u64>, Vec<broadcast::Subscriber<u64>>) {
    let (tx, rx) = broadcast::channel::<u64>(config(), Overflow::Block);
    let mut rxs: Vec<_> = (1..subs).map(|_| rx.clone()).collect();
    rxs.push(rx);
    (tx, rxs)
}

/// ringmpsc broadcast (`Block`), both sides spinning on `try_send` /
/// `try_recv` (the Disruptor's shape).
pub fn ours_spinning(items: u64, subs: usize) -> RunResult {
    let (mut tx, rxs) = ours(subs);
    let publish: Job = Box::new(move || {
        for i in 0..items {
            let mut v = i;
            while let Err(TrySendError::Full(back)) = tx.try_send(v) {
                v = back;
                spin_loop();
            }
        }
    });
    let (d, got) = crew(
        vec![publish],
        sinks(rxs, |rx| {
            loop {
                match rx.try_recv() {
                    Ok(v) => return Some(v),
                    Err(TryRecvError::Empty) => spin_loop(),
                    Err(_) => return None,
                }
            }
        }),
        None,
    );
    per_subscriber("ringmpsc broadcast spinning", items, subs, d, got)
}

/// ringmpsc broadcast (`Block`), blocking `send` / `recv`.
pub fn ours_blocking(items: u64, subs: usize) -> RunResult {
    let (mut tx, rxs) = ours(subs);
    let publish: Job =
        Box::new(move || (0..items).for_each(|i| tx.send(i).expect("subscribers alive")));
    let (d, got) = crew(vec![publish], sinks(rxs, |rx| rx.recv().ok()), None);
    per_subscriber("ringmpsc broadcast send/recv", items, subs, d, got)
}

/// A Disruptor handler's tally, stored when it handles the last sequence.
#[derive(Default)]
struct Tally {
    n: AtomicU64,
    sum: AtomicU64,
}

/// A handler for the `disruptor` crate that sums into `out` at the end.
fn handler(
    out: Arc<Tally>,
    last: i64,
) -> impl FnMut(&u64, disruptor::Sequence, bool) + Send + 'static {
    let (mut n, mut sum) = (0u64, 0u64);
    move |e: &u64, seq, _end_of_batch| {
        n += 1;
        sum = sum.wrapping_add(*e);
        if seq == last {
            out.n.store(n, Ordering::Release);
            out.sum.store(sum, Ordering::Release);
        }
    }
}

/// The `disruptor` crate (4.x): `build_single_producer`, `BusySpin`, one
/// handler thread per subscriber (1 or 3), `publish` one item at a time.
/// Timed from the first publish until the producer's drop has joined every
/// handler (they have handled everything).
pub fn disruptor(items: u64, subs: usize) -> RunResult {
    let tallies: Vec<Arc<Tally>> = (0..subs).map(|_| Arc::default()).collect();
    let last = items as i64 - 1;
    let b = disruptor::build_single_producer(SINGLE_CAP, || 0u64, disruptor::BusySpin);
    let h = |i: usize| handler(tallies[i].clone(), last);
    let mut producer = match subs {
        1 => Box::new(b.handle_events_with(h(0)).build()) as Box<dyn Publish>,
        3 => Box::new(
            b.handle_events_with(h(0))
                .handle_events_with(h(1))
                .handle_events_with(h(2))
                .build(),
        ),
        n => return Err(format!("disruptor contender: {n} subscribers not wired")),
    };
    let t0 = Instant::now();
    for i in 0..items {
        producer.publish_u64(i);
    }
    drop(producer);
    let d = t0.elapsed();
    let got = tallies.iter().fold((0u64, 0u64), |a, t| {
        let (n, s) = (t.n.load(Ordering::Acquire), t.sum.load(Ordering::Acquire));
        (a.0 + n, a.1.wrapping_add(s))
    });
    per_subscriber("disruptor", items, subs, d, got)
}

/// The one call the Disruptor contender makes, over its producer types.
trait Publish {
    fn publish_u64(&mut self, v: u64);
}

impl<P: disruptor::Producer<u64>> Publish for P {
    fn publish_u64(&mut self, v: u64) {
        self.publish(|e| *e = v);
    }
}

/// `tokio::sync::broadcast` with `blocking_recv` on plain threads. Tokio's
/// channel never makes the sender wait (it overwrites), so the publisher
/// yields while the slowest receiver is a ring behind (`len`), to deliver
/// every item as the others do.
pub fn tokio_blocking(items: u64, subs: usize) -> RunResult {
    let (tx, rx) = tokio::sync::broadcast::channel::<u64>(SINGLE_CAP);
    let rxs: Vec<_> = (0..subs).map(|_| tx.subscribe()).collect();
    drop(rx);
    let publish: Job = Box::new(move || {
        for i in 0..items {
            while tx.len() >= SINGLE_CAP {
                thread::yield_now();
            }
            tx.send(i).expect("receivers alive");
        }
    });
    let (d, got) = crew(
        vec![publish],
        sinks(rxs, |rx| rx.blocking_recv().ok()),
        None,
    );
    per_subscriber("tokio broadcast", items, subs, d, got)
}

/// The usual workaround: one `crossbeam-channel` per subscriber, the
/// publisher sending each item into every channel (blocking).
pub fn crossbeam_per_subscriber(items: u64, subs: usize) -> RunResult {
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..subs)
        .map(|_| crossbeam_channel::bounded::<u64>(SINGLE_CAP))
        .unzip();
    let publish: Job = Box::new(move || {
        for i in 0..items {
            for tx in &txs {
                tx.send(i).expect("receiver alive");
            }
        }
    });
    let (d, got) = crew(vec![publish], sinks(rxs, |rx| rx.recv().ok()), None);
    per_subscriber("crossbeam-channel per subscriber", items, subs, d, got)
}

/// CPU used by a broadcast subscriber blocked for `wait` on an empty
/// channel (`recv_timeout`), as a percentage of one core.
pub fn idle_cpu_subscriber(wait: std::time::Duration) -> RunResult {
    let (_tx, mut rx) = broadcast::channel::<u64>(config(), Overflow::Block);
    crate::workloads::idle_cpu(move || rx.recv_timeout(wait).is_err(), wait)
}
