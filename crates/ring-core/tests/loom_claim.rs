//! Loom models of the multi-consumer claim ring, the registration inbox and
//! the grow-only table (new ring-core primitives for ring-channels).
//!
//! Run with `RUSTFLAGS="--cfg ring_loom" LOOM_MAX_PREEMPTIONS=2 cargo test
//! --release -p ring-core --test loom_mc`. Slot accesses are tracked through
//! `SlotTracker`, so a consumer reading a slot it has not claimed (or one the
//! producer may be rewriting) is reported by the model.
#![cfg(ring_loom)]

mod common;

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

use common::{Counted, assert_dropped_once, claim_ring_and_producer, try_send_two_counted};
use ring_core::TryRecvError;
use ring_core::claim::{Producer, Ring};
use ring_core::table::GrowTable;
use ring_core::wait::WakeGroup;

fn send_all(p: &mut ring_core::claim::Producer<u64>, items: std::ops::Range<u64>) {
    common::send_all(|v| p.try_send(v), items);
}

/// Receives what is left in `r` into `all`, sorted.
fn drain_sorted(r: &Ring<u64>, mut all: Vec<u64>) -> Vec<u64> {
    while let Ok(v) = r.try_recv() {
        all.push(v);
    }
    all.sort_unstable();
    all
}

/// Two consumers claim from a full ring of capacity 2 while the producer
/// wraps into the slot the first claim gives back: every item is received
/// exactly once, and no slot is read unclaimed or while being rewritten.
#[test]
fn claim_with_two_consumers_and_wrap_at_capacity_2() {
    loom::model(|| {
        let (r, mut p) = claim_ring_and_producer::<u64>(2);
        send_all(&mut p, 0..2); // full
        let consumer = |r: Arc<Ring<u64>>| thread::spawn(move || r.try_recv().ok());
        let a = consumer(r.clone());
        let b = consumer(r.clone());
        // Wraps to slot 0 if a consumer already gave it back.
        let sent_early = p.try_send(2).is_ok();
        let all: Vec<u64> = [a.join().unwrap(), b.join().unwrap()]
            .into_iter()
            .flatten()
            .collect();
        if !sent_early {
            p.try_send(2).unwrap();
        }
        assert_eq!(drain_sorted(&r, all), [0, 1, 2]);
    });
}

/// A batch claim (several stamps, one CAS) racing a single claim.
#[test]
fn batch_claim_races_single_claim() {
    loom::model(|| {
        let (r, mut p) = claim_ring_and_producer::<u64>(4);
        send_all(&mut p, 0..3);
        let r2 = r.clone();
        let t = thread::spawn(move || {
            let mut got = Vec::new();
            r2.consume_up_to(3, |v| got.push(*v));
            got
        });
        let mine = r.try_recv().ok();
        let mut all = t.join().unwrap();
        all.extend(mine);
        assert_eq!(drain_sorted(&r, all), [0, 1, 2]);
    });
}

/// Close racing a claim: an item committed before the close is received
/// before `Closed`, and `Closed` is never reported while it is pending.
#[test]
fn close_racing_claim() {
    loom::model(|| {
        let (r, mut p) = claim_ring_and_producer::<u64>(2);
        let t = thread::spawn(move || {
            send_all(&mut p, 7..8);
            p.close();
        });
        let mut got = None;
        loop {
            match r.try_recv() {
                Ok(v) => got = Some(v),
                Err(TryRecvError::Empty) => thread::yield_now(),
                Err(TryRecvError::Closed) => break,
            }
        }
        t.join().unwrap();
        assert_eq!(got, Some(7));
    });
}

/// Handles dropped with items in flight: every item is dropped exactly once.
#[test]
fn drop_with_items_in_flight() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (r, mut p) = claim_ring_and_producer::<Counted>(2);
        let d = drops.clone();
        let prod = thread::spawn(move || {
            try_send_two_counted(|v| p.try_send(v), &d);
        });
        let r2 = r.clone();
        let cons = thread::spawn(move || drop(r2.try_recv().ok()));
        drop(r);
        prod.join().unwrap();
        cons.join().unwrap();
        assert_dropped_once(&drops, 2);
    });
}

/// A new producer takes over a ring whose producer is gone and continues
/// at its tail.
#[test]
fn producer_handover_keeps_order() {
    loom::model(|| {
        let (r, mut p) = claim_ring_and_producer::<u64>(2);
        p.try_send(1).unwrap();
        let r2 = r.clone();
        let t = thread::spawn(move || {
            drop(p);
            loop {
                if let Some(mut q) = Ring::try_producer(&r2) {
                    send_all(&mut q, 2..3);
                    return;
                }
                thread::yield_now();
            }
        });
        let mut got = Vec::new();
        while got.len() < 2 {
            match r.try_recv() {
                Ok(v) => got.push(v),
                Err(_) => thread::yield_now(),
            }
        }
        t.join().unwrap();
        assert_eq!(got, [1, 2]);
    });
}

/// Pushes from two threads racing `take_all`: each value is taken once.
#[test]
fn inbox_push_races_take_all() {
    loom::model(|| {
        let (tx, mut rx) = ring_core::inbox::inbox::<u32>();
        let hs: Vec<_> = (0..2)
            .map(|i| {
                let tx = tx.clone();
                thread::spawn(move || tx.push(i))
            })
            .collect();
        let mut got: Vec<u32> = rx.take_all().collect();
        for h in hs {
            h.join().unwrap();
        }
        got.extend(rx.take_all());
        got.sort_unstable();
        assert_eq!(got, [0, 1]);
    });
}

/// A reader racing an append sees either no entry or a complete one.
#[test]
fn table_append_races_reader() {
    loom::model(|| {
        let t = Arc::new(GrowTable::<Arc<AtomicUsize>>::new());
        let t2 = t.clone();
        let w = thread::spawn(move || {
            t2.push(Arc::new(AtomicUsize::new(5)));
        });
        if let Some(e) = t.get(0) {
            assert_eq!(e.load(Ordering::Relaxed), 5);
        }
        w.join().unwrap();
        assert_eq!(t.len(), 1);
    });
}

/// An observer that logs watermark reports (`true`: `High`) in order.
#[derive(Clone, Default)]
struct Marks(Arc<loom::sync::Mutex<Vec<bool>>>);

impl ring_core::Observer for Marks {
    fn on_watermark(&self, mark: ring_core::Watermark) {
        self.0.lock().unwrap().push(mark.is_high());
    }
}

impl Marks {
    fn log(&self) -> Vec<bool> {
        self.0.lock().unwrap().clone()
    }
}

/// A ring of `cap` slots with watermarks (`low`, `high`) reported to a
/// fresh `Marks`, and its producer.
fn watermarked(
    cap: usize,
    low: usize,
    high: usize,
) -> (Marks, Arc<Ring<u64, Marks>>, Producer<u64, Marks>) {
    let marks = Marks::default();
    let w = ring_core::Watermarks::new(low, high).unwrap();
    let r = Ring::with_watermarks(
        cap,
        Arc::new(WakeGroup::new()),
        ring_core::Heap,
        marks.clone(),
        Some(w),
    )
    .unwrap();
    let p = Ring::try_producer(&r).unwrap();
    (marks, r, p)
}

/// Two consumers drain a ring above its high watermark at the same time:
/// whichever claim leaves it at the low one, exactly one `Low` is reported
/// (the crossing word's CAS), never none and never two.
#[test]
fn racing_consumers_report_low_once() {
    loom::model(|| {
        let (marks, r, mut p) = watermarked(2, 0, 2);
        p.send_slice(&[0, 1]);
        assert_eq!(marks.log(), [true]);
        let consumer = |r: Arc<Ring<u64, Marks>>| thread::spawn(move || r.try_recv().is_ok());
        let (a, b) = (consumer(r.clone()), consumer(r.clone()));
        assert!(a.join().unwrap() && b.join().unwrap());
        assert_eq!(marks.log(), [true, false]);
        assert!(!r.above_high_watermark());
    });
}

/// A producer refilling while a consumer drains: reports alternate, and the
/// consumer's next look at the drained ring (its empty path) settles it low.
/// (Without the empty path's check, loom finds `[High, Low, High]` on a
/// drained ring.)
#[test]
fn refill_racing_a_drain_alternates() {
    loom::model(|| {
        let (marks, r, mut p) = watermarked(2, 0, 1);
        p.try_send(0).unwrap(); // High
        let r2 = r.clone();
        // The second receive may take item 1 while the producer is still
        // reporting its `High` (the word says `RISING`): no `Low` then.
        let t = thread::spawn(move || {
            let first = r2.try_recv().is_ok();
            let _ = r2.try_recv();
            first
        });
        let _ = p.try_send(1); // may cross again after the consumer's Low
        assert!(t.join().unwrap());
        while r.try_recv().is_ok() {}
        let _ = r.try_recv(); // the empty path
        let log = marks.log();
        assert!(log.len() % 2 == 0, "drained but high: {log:?}");
        for (i, high) in log.iter().enumerate() {
            assert_eq!(*high, i % 2 == 0, "out of order: {log:?}");
        }
    });
}
