//! Unit tests of the broadcast ring (small sizes: they also run under miri).

use super::*;
use crate::error::TrySendError;
use crate::sync::AtomicUsize;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

fn ring<T>(cap: usize, overflow: Overflow) -> (Publisher<T>, Subscriber<T>) {
    super::ring(cap, 4, overflow).unwrap()
}

fn drain<T: Clone>(rx: &mut Subscriber<T>) -> Vec<Result<T, TryRecvError>> {
    let mut out = Vec::new();
    loop {
        match rx.try_recv() {
            Err(TryRecvError::Empty) | Err(TryRecvError::Closed) => return out,
            r => out.push(r),
        }
    }
}

#[test]
fn block_gates_on_the_slowest_live_subscriber_and_wraps() {
    let (mut tx, mut a) = ring::<u32>(4, Overflow::Block);
    let mut b = a.try_clone().unwrap();
    for round in 0..5u32 {
        for i in 0..4 {
            tx.try_send(round * 10 + i).unwrap();
        }
        assert!(tx.is_full());
        assert_eq!(tx.try_send(99), Err(TrySendError::Full(99)));
        for i in 0..4 {
            assert_eq!(a.try_recv(), Ok(round * 10 + i));
        }
        assert_eq!(
            tx.try_send(99),
            Err(TrySendError::Full(99)),
            "b still gates"
        );
        assert_eq!(tx.len(), 4);
        assert_eq!(drain(&mut b).len(), 4);
        assert!(tx.is_empty());
    }
    tx.try_send(1).unwrap();
    drop(b); // stops gating at once
    for i in 0..3 {
        tx.try_send(i).unwrap();
    }
    assert!(tx.is_full(), "a has not read 4 items");
    assert_eq!(a.len(), 4);
}

#[test]
fn a_dropped_subscriber_stops_gating_and_the_last_one_closes() {
    let (mut tx, a) = ring::<u8>(2, Overflow::Block);
    let b = a.try_clone().unwrap();
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    drop(a);
    assert!(tx.is_full(), "b still gates");
    drop(b);
    assert!(tx.is_closed());
    assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
    let mut late = tx.subscribe().unwrap();
    assert_eq!(late.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn overwrite_reports_exact_lag_and_resumes_at_the_oldest_retained() {
    let (mut tx, mut rx) = ring::<String>(4, Overflow::Overwrite);
    for i in 0..4 {
        tx.try_send(i.to_string()).unwrap();
    }
    assert_eq!(rx.try_recv().as_deref(), Ok("0"));
    for i in 4..11 {
        tx.try_send(i.to_string()).unwrap();
    }
    // 1..=6 overwritten; 7..=10 retained.
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(6)));
    let got: Vec<String> = drain(&mut rx).into_iter().map(Result::unwrap).collect();
    assert_eq!(got, ["7", "8", "9", "10"]);
    assert!(!tx.is_full());
    // Exactly a ring behind is no lag.
    for i in 11..15 {
        tx.try_send(i.to_string()).unwrap();
    }
    assert_eq!(rx.len(), 4);
    assert_eq!(rx.try_recv().as_deref(), Ok("11"));
}

#[test]
fn lag_seen_while_the_slot_is_being_rewritten_counts_the_item_in_it() {
    // The state a reader sees while the publisher writes `pos + capacity`.
    let (_tx, rx) = ring::<u8>(2, Overflow::Overwrite);
    let r = &*rx.ring;
    assert_eq!(r.distance(r.writing(2), 0), 1);
    assert_eq!(r.distance(r.holds(2), 0), 2);
    assert_eq!(r.distance(r.holds(0) + 3, 0), 0, "readers do not count");
    assert_eq!(r.distance(r.writing(0), 0), -1);
    assert_eq!(r.distance(r.holds(u64::MAX), u64::MAX - 2), 2, "wraps");
}

#[test]
fn clones_start_at_their_source_and_subscribe_at_the_tail() {
    let (mut tx, mut a) = ring::<u8>(4, Overflow::Block);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert_eq!(a.try_recv(), Ok(1));
    let mut b = a.try_clone().unwrap();
    let mut c = tx.subscribe().unwrap();
    tx.try_send(3).unwrap();
    assert_eq!(drain(&mut a), [Ok(2), Ok(3)]);
    assert_eq!(drain(&mut b), [Ok(2), Ok(3)]);
    assert_eq!(drain(&mut c), [Ok(3)]);
    let _d = c.try_clone().unwrap();
    assert_eq!(c.try_clone().unwrap_err(), 4, "four at most");
    assert_eq!(tx.subscriber_count(), 4);
}

#[derive(Debug)]
struct Counted<'a> {
    drops: &'a AtomicUsize,
    clone_panics: bool,
}

impl Clone for Counted<'_> {
    fn clone(&self) -> Self {
        assert!(!self.clone_panics, "T::clone panics");
        Counted {
            drops: self.drops,
            clone_panics: false,
        }
    }
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn every_value_is_dropped_once_on_every_path() {
    for overflow in [Overflow::Block, Overflow::Overwrite] {
        let drops = AtomicUsize::new(0);
        let item = |p| Counted {
            drops: &drops,
            clone_panics: p,
        };
        {
            let (mut tx, mut rx) = ring::<Counted<'_>>(2, overflow);
            tx.try_send(item(false)).unwrap();
            tx.try_send(item(true)).unwrap();
            drop(rx.try_recv().unwrap()); // a clone: 1 drop
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rx.try_recv()));
            assert!(r.is_err(), "the panicking clone reaches the caller");
            // Nothing wedged: rx's cursor did not move (Block), and the
            // panicked reader left slot 1 (Overwrite).
            tx.try_send(item(false)).unwrap(); // reuses slot 0: drops item 0
            match tx.try_send(item(false)) {
                Err(TrySendError::Full(v)) if overflow == Overflow::Block => drop(v),
                r => assert!(r.is_ok(), "{overflow:?}: slot 1 still held"),
            }
            drop(rx);
        } // ring drop: the two retained
        // A clone, four values (one refused under Block): five drops.
        assert_eq!(drops.load(Ordering::Relaxed), 5, "{overflow:?}");
    }
}

#[test]
fn the_publisher_drops_what_it_retains_once_every_subscriber_is_gone() {
    let drops = AtomicUsize::new(0);
    let (mut tx, rx) = ring::<Counted<'_>>(4, Overflow::Overwrite);
    let item = || Counted {
        drops: &drops,
        clone_panics: false,
    };
    for _ in 0..6 {
        tx.try_send(item()).unwrap();
    }
    assert_eq!(drops.load(Ordering::Relaxed), 2, "two slots reused");
    drop(rx);
    let back = tx.try_send(item()).unwrap_err().into_inner();
    drop(back);
    assert_eq!(
        drops.load(Ordering::Relaxed),
        7,
        "the four retained, and the refused one"
    );
    drop(tx);
    assert_eq!(drops.load(Ordering::Relaxed), 7, "nothing twice");
}

#[test]
fn threads_see_every_item_in_order_or_counted_gaps() {
    let n: u64 = if cfg!(miri) { 200 } else { 20_000 };
    for overflow in [Overflow::Block, Overflow::Overwrite] {
        let (mut tx, rx) = super::ring::<u64>(8, 4, overflow).unwrap();
        let subs: Vec<_> = (0..2)
            .map(|_| {
                let mut rx = rx.try_clone().unwrap();
                std::thread::spawn(move || {
                    let (mut next, mut lost) = (0u64, 0u64);
                    loop {
                        match rx.try_recv() {
                            Ok(v) => {
                                assert_eq!(v, next, "in order");
                                next += 1;
                            }
                            Err(TryRecvError::Lagged(k)) => {
                                next += k;
                                lost += k;
                            }
                            Err(TryRecvError::Empty) => std::thread::yield_now(),
                            Err(TryRecvError::Closed) => return (next, lost),
                        }
                    }
                })
            })
            .collect();
        drop(rx);
        for i in 0..n {
            while tx.try_send(i).is_err() {
                std::thread::yield_now();
            }
        }
        drop(tx);
        for h in subs {
            let (next, lost) = h.join().unwrap();
            assert_eq!(next, n);
            if overflow == Overflow::Block {
                assert_eq!(lost, 0);
            }
        }
    }
}
