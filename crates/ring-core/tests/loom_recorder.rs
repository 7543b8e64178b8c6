//! Loom models of the claim ring's recording producer (`Producer::record`,
//! the flight recorder's overwrite-oldest write): a full writer evicts the
//! oldest entry by the same head CAS a reader claims with.
//!
//! Run with `RUSTFLAGS="--cfg ring_loom" LOOM_MAX_PREEMPTIONS=2 cargo test
//! --release -p ring-core --test loom_recorder`. Slot accesses go through
//! `SlotTracker`, so a reader moving out an entry the writer is rewriting
//! (or an eviction of an entry a reader is moving out) fails the model.
#![cfg(ring_loom)]

mod common;

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

use common::{Counted, assert_dropped_once, claim_ring, claim_ring_and_producer};
use ring_core::claim::Ring;

/// Records `items` into `r`; what was evicted.
fn record_all(r: &Arc<Ring<u64>>, items: std::ops::Range<u64>) -> Vec<u64> {
    let mut w = Ring::try_producer(r).unwrap();
    items.filter_map(|i| w.record(i).unwrap()).collect()
}

/// Joins the `reader` and checks the one rule: every entry recorded is
/// received once or evicted once, never both; the reader's entries are in
/// order.
fn every_entry_once(
    recorded: u64,
    reader: thread::JoinHandle<Vec<u64>>,
    evicted: &[u64],
    r: &Ring<u64>,
) {
    let received = reader.join().unwrap();
    assert!(
        received.windows(2).all(|w| w[0] < w[1]),
        "out of order: {received:?}"
    );
    let mut all: Vec<u64> = received.iter().chain(evicted).copied().collect();
    while let Ok(v) = r.try_recv() {
        all.push(v);
    }
    all.sort_unstable();
    assert_eq!(
        all,
        (0..recorded).collect::<Vec<_>>(),
        "received {received:?}, evicted {evicted:?}"
    );
    assert_eq!(r.evicted(), evicted.len() as u64);
}

/// The writer evicts the oldest entry while the reader claims that same
/// entry (capacity 2, full, one more record).
#[test]
fn writer_evicts_while_the_reader_claims_the_same_entry() {
    loom::model(|| {
        let r = claim_ring::<u64>(2);
        let mut evicted = record_all(&r, 0..2); // full
        let r2 = r.clone();
        let reader = thread::spawn(move || {
            let mut got = Vec::new();
            r2.take_at(1, |pos, v| {
                assert_eq!(pos, v, "the position is the entry's sequence");
                got.push(v);
            });
            got
        });
        let mut w = Ring::try_producer(&r).unwrap();
        evicted.extend(w.record(2).unwrap());
        drop(w);
        every_entry_once(3, reader, &evicted, &r);
    });
}

/// The writer wraps a capacity-2 ring twice over while the reader takes
/// two entries: nothing torn, duplicated or both received and evicted.
#[test]
fn wrap_at_capacity_2() {
    loom::model(|| {
        let r = claim_ring::<u64>(2);
        let r2 = r.clone();
        let reader = thread::spawn(move || {
            let mut got = Vec::new();
            for _ in 0..2 {
                if let Ok(v) = r2.try_recv() {
                    got.push(v);
                }
            }
            got
        });
        let evicted = record_all(&r, 0..4);
        every_entry_once(4, reader, &evicted, &r);
    });
}

/// As above at capacity 4 (the eviction claims one of four slots).
#[test]
fn wrap_at_capacity_4() {
    loom::model(|| {
        let r = claim_ring::<u64>(4);
        let mut evicted = record_all(&r, 0..4);
        let r2 = r.clone();
        let reader = thread::spawn(move || r2.try_recv().ok().into_iter().collect::<Vec<_>>());
        let mut w = Ring::try_producer(&r).unwrap();
        evicted.extend((4..6).filter_map(|i| w.record(i).unwrap()));
        drop(w);
        every_entry_once(6, reader, &evicted, &r);
    });
}

/// A close (and the last reader's drain) racing an eviction: every entry
/// is dropped exactly once: evicted and dropped by the writer, drained, or
/// refused (`Err`) and dropped by the writer, or left and dropped with the
/// ring.
#[test]
fn close_during_eviction() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (r, mut w) = claim_ring_and_producer::<Counted>(2);
        for _ in 0..2 {
            assert!(w.record(Counted(drops.clone())).unwrap().is_none());
        }
        let r2 = r.clone();
        let closer = thread::spawn(move || {
            r2.close();
            r2.drop_pending();
        });
        match w.record(Counted(drops.clone())) {
            Ok(evicted) => drop(evicted),
            Err(v) => drop(v),
        }
        closer.join().unwrap();
        drop(w);
        drop(r);
        assert_dropped_once(&drops, 3);
    });
}

/// The checked (cross-process) variant: a writer that finds the oldest
/// entry claimed by a reader that has not given it back takes the slot
/// back (`force_evict`) instead of waiting, and rewrites it; the reader's
/// give-back (a CAS) then fails and it drops its copy. Slots are atomics
/// here, so the model may let the copy race the rewrite: what must hold is
/// that a copy the reader keeps is never the rewritten value, and that
/// the entry is kept once or counted evicted once, never both or neither.
#[test]
fn checked_writer_takes_a_slot_back_from_a_stalled_reader() {
    use ring_core::claim::{ClaimWords, Eviction};
    use ring_core::raw::Untrusted;
    use std::ptr::NonNull;

    struct Shared {
        head: AtomicU64,
        tail: AtomicU64,
        evicted: AtomicU64,
        stamps: [AtomicU64; 2],
        slots: [AtomicU64; 2],
    }
    fn words(s: &Shared) -> ClaimWords<'_, Untrusted> {
        let stamps = NonNull::from(&s.stamps).cast::<AtomicU64>();
        // SAFETY: two stamp words living as long as `s`; capacity 2.
        unsafe { ClaimWords::new(&s.head, &s.tail, &s.evicted, stamps, 2) }
    }
    use loom::sync::atomic::AtomicU64;

    loom::model(|| {
        let s = Arc::new(Shared {
            head: AtomicU64::new(0),
            tail: AtomicU64::new(0),
            evicted: AtomicU64::new(0),
            stamps: [AtomicU64::new(0), AtomicU64::new(1)],
            slots: [AtomicU64::new(0), AtomicU64::new(0)],
        });
        // Positions 0 and 1 written: the ring is full.
        for p in 0..2u64 {
            s.slots[p as usize].store(100 + p, Ordering::Relaxed);
            words(&s).publish(p, 1);
        }
        let s2 = s.clone();
        let reader = thread::spawn(move || {
            let w = words(&s2);
            match w.claim(1).unwrap() {
                (pos, 1) => {
                    let v = s2.slots[w.index(pos)].load(Ordering::Relaxed);
                    w.give_back(pos).then_some((pos, v))
                }
                _ => None,
            }
        });
        let w = words(&s);
        let evicted_now = match w.evict(2) {
            Eviction::Free => false,
            Eviction::Claimed(old) => {
                assert_eq!(old, 0);
                w.count_eviction();
                true
            }
            Eviction::Busy => {
                // The reader holds position 0: take it back, as a writer does
                // once its wait budget is spent.
                w.force_evict(2);
                true
            }
        };
        s.slots[0].store(102, Ordering::Relaxed);
        w.publish(2, 1);
        let kept = reader.join().unwrap();
        if let Some((pos, v)) = kept {
            assert_eq!(
                v,
                100 + pos,
                "a kept copy is the entry it claimed, not the rewrite"
            );
        }
        let entry0_kept = kept.is_some_and(|(p, _)| p == 0);
        assert_eq!(
            u64::from(entry0_kept) + w.evicted(),
            1,
            "entry 0 kept once or evicted once (evicted now: {evicted_now})"
        );
    });
}
