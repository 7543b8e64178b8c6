//! Adaptive batching driven by watermarks: a producer sends item by item
//! (lowest latency) while the consumer keeps up, switches to reserved
//! batches (highest throughput, one commit per batch) once the ring rises
//! to its high watermark, and back to single items once the consumer has
//! drained it to the low watermark.
//!
//! Run: `cargo run --release -p ringmpsc --example adaptive_batching [ITEMS]`
//!
//! The consumer stalls now and then (a slow disk, a GC pause downstream),
//! so the ring fills and the producer changes mode; an observer counts the
//! crossings as they are reported. Every item arrives once, in order.
#![allow(clippy::disallowed_types)] // reason: an application's own counters, as a user writes them (the workspace lint is for the library's protocols)

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use ringmpsc::primitives::{Config, Observer, Watermark};
use ringmpsc::spsc;

/// Counts the crossings `on_watermark` reports (the producer reports
/// `High`, the consumer `Low`; each exactly once per crossing).
#[derive(Clone, Default)]
struct Crossings {
    high: Arc<AtomicU64>,
    low: Arc<AtomicU64>,
}

impl Observer for Crossings {
    fn on_watermark(&self, mark: Watermark) {
        let n = match mark {
            Watermark::High { .. } => &self.high,
            Watermark::Low { .. } => &self.low,
        };
        n.fetch_add(1, Ordering::Relaxed);
    }
}

const BATCH: usize = 256;

fn main() {
    let items: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000_000);
    let crossings = Crossings::default();
    // 4,096 slots: high at 3/4, low at 1/4 (hysteresis: no flapping between modes).
    let (mut tx, mut rx) = spsc::Builder::new(Config::default().with_ring_bits(12))
        .observer(crossings.clone())
        .watermarks(1024, 3072)
        .build::<u64>()
        .expect("valid watermarks");

    let producer = thread::spawn(move || {
        let (mut singles, mut batches, mut switches) = (0u64, 0u64, 0u64);
        let mut batching = false;
        let mut next = 0;
        while next < items {
            // One relaxed load of the ring's crossing word: cheap to poll.
            if tx.above_high_watermark() != batching {
                batching = !batching;
                switches += 1;
            }
            if batching {
                // A reserved run, written in place, committed once. Blocks
                // (spin, yield, sleep) while the ring is full.
                let want = BATCH.min((items - next) as usize);
                let r = tx
                    .reserve_with(want, ringmpsc::primitives::WaitStrategy::Blocking)
                    .expect("consumer alive");
                let n = r.fill_from_iter(next..items);
                next += n as u64;
                batches += 1;
            } else {
                tx.send(next).expect("consumer alive");
                next += 1;
                singles += 1;
            }
        }
        (singles, batches, switches)
    });

    let mut expected = 0u64;
    let mut since_stall = 0u64;
    for v in &mut rx {
        assert_eq!(v, expected, "every item once, in order");
        expected += 1;
        since_stall += 1;
        if since_stall == 200_000 {
            // Downstream stalls: the ring fills past the high watermark.
            since_stall = 0;
            thread::sleep(Duration::from_millis(5));
        }
    }
    let (singles, batches, switches) = producer.join().expect("producer");
    assert_eq!(expected, items);
    println!("{items} items received in order");
    println!(
        "producer: {singles} single sends, {batches} reserved batches, {switches} mode switches"
    );
    println!(
        "observer: {} high and {} low crossings reported",
        crossings.high.load(Ordering::Relaxed),
        crossings.low.load(Ordering::Relaxed)
    );
}
