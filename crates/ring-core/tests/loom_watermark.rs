//! Loom model of the watermark crossing word (`ring_core::watermark`) over
//! the real SPSC ring: a producer crossing `high` races a consumer crossing
//! `low`. Every interleaving must give reports that alternate `High`, `Low`,
//! ... starting with `High`, each `High` at or above `high` and each `Low`
//! at or below `low`, and after both sides' next call on a drained ring the
//! word must be settled low.
//!
//! Run with `RUSTFLAGS="--cfg ring_loom" LOOM_MAX_PREEMPTIONS=2 cargo test
//! --release -p ring-core --test loom_watermark`.
#![cfg(ring_loom)]

mod common;

use loom::sync::{Arc, Mutex};
use loom::thread;

use common::recv_in_order;
use ring_core::spsc::Builder;
use ring_core::{Config, Observer, TryRecvError, Watermark};

#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<Watermark>>>);

impl Observer for Log {
    fn on_watermark(&self, mark: Watermark) {
        self.0.lock().unwrap().push(mark);
    }
}

/// Checks the reported sequence against the state machine.
fn check(seq: &[Watermark], low: usize, high: usize) {
    for (i, w) in seq.iter().enumerate() {
        match *w {
            Watermark::High { len } => {
                assert!(i.is_multiple_of(2), "High out of turn: {seq:?}");
                assert!(len >= high, "High below the mark: {seq:?}");
            }
            Watermark::Low { len } => {
                assert_eq!(i % 2, 1, "Low out of turn: {seq:?}");
                assert!(len <= low, "Low above the mark: {seq:?}");
            }
        }
    }
}

fn model(items: u64, low: usize, high: usize) {
    loom::model(move || {
        let log = Log::default();
        let (mut tx, mut rx) = Builder::new(Config::default().with_ring_bits(2))
            .observer(log.clone())
            .watermarks(low, high)
            .build::<u64>()
            .unwrap();
        let p = thread::spawn(move || {
            for i in 0..items {
                tx.try_send(i).unwrap();
            }
            tx
        });
        recv_in_order(|| rx.try_recv(), items);
        let tx = p.join().unwrap();
        // The consumer's next call on the drained ring settles a crossing it
        // could not see while the producer was still reporting.
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        assert!(!rx.above_high_watermark() && !tx.above_high_watermark());
        let seq = log.0.lock().unwrap().clone();
        check(&seq, low, high);
        assert!(seq.len().is_multiple_of(2), "left high: {seq:?}");
    });
}

/// Two sends cross `high` = 2 once; the consumer's drain crosses `low` = 1.
#[test]
fn producer_crossing_races_consumer_crossing() {
    model(2, 1, 2);
}

/// Three sends around a one-item hysteresis band: a second High only after
/// a Low.
#[test]
fn repeated_crossings_alternate() {
    model(3, 0, 1);
}
