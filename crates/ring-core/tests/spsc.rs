//! Integration tests of the SPSC ring through the public API.
#![allow(clippy::disallowed_types)] // reason: test scaffolding counts with std atomics; no protocol under loom here

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ring_core::spsc::{self, Builder};
use ring_core::{
    Config, RecvError, RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError, WaitStrategy,
};

fn small(bits: u32) -> Config {
    Config::default().with_ring_bits(bits)
}

// The test kit's watchdog, by source (no dependency on the kit here).
#[path = "../../testkit/src/watchdog.rs"]
mod watchdog;
use watchdog::watchdog;

/// An item that counts its drops.
#[derive(Debug)]
struct Counted {
    id: u64,
    drops: Arc<AtomicUsize>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

fn counted(id: u64, drops: &Arc<AtomicUsize>) -> Counted {
    Counted {
        id,
        drops: drops.clone(),
    }
}

/// A channel of 8 slots holding `items` counted items (ids from 0).
fn holding(items: u64, drops: &Arc<AtomicUsize>) -> spsc::Pair<Counted> {
    let (mut tx, rx) = spsc::channel::<Counted>(small(3));
    for i in 0..items {
        tx.try_send(counted(i, drops)).unwrap();
    }
    (tx, rx)
}

#[test]
fn try_send_try_recv_fifo_and_full() {
    let (mut tx, mut rx) = spsc::channel::<u32>(small(2));
    assert_eq!(tx.capacity(), 4);
    for i in 0..4 {
        tx.try_send(i).unwrap();
    }
    assert!(tx.is_full());
    assert_eq!(tx.available(), 0);
    assert_eq!(tx.try_send(9), Err(TrySendError::Full(9)));
    assert_eq!(rx.len(), 4);
    for i in 0..4 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(rx.is_empty());
}

#[test]
fn closed_wins_over_full_and_values_come_back() {
    let (mut tx, mut rx) = spsc::channel::<String>(small(1));
    tx.try_send("a".into()).unwrap();
    tx.try_send("b".into()).unwrap();
    rx.close();
    match tx.try_send("c".into()) {
        Err(TrySendError::Closed(v)) => assert_eq!(v, "c"),
        other => panic!("expected Closed, got {other:?}"),
    }
    // Consumer-side close loses nothing committed.
    assert_eq!(rx.try_recv().as_deref(), Ok("a"));
    assert_eq!(rx.try_recv().as_deref(), Ok("b"));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert!(tx.is_closed());
    assert_eq!(tx.send("d".into()).unwrap_err().into_inner(), "d");
}

#[test]
fn producer_close_is_idempotent_and_drains_first() {
    let (mut tx, mut rx) = spsc::channel::<u8>(small(3));
    tx.try_send(1).unwrap();
    tx.close();
    tx.close();
    assert!(rx.is_closed());
    assert_eq!(rx.recv(), Ok(1));
    assert_eq!(rx.recv(), Err(RecvError));
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(5)),
        Err(RecvTimeoutError::Closed)
    );
}

#[test]
fn reserve_wraps_and_commits_partially() {
    let (mut tx, mut rx) = spsc::channel::<u64>(small(3)); // 8 slots
    assert_eq!(tx.send_slice(&[0, 1, 2, 3, 4, 5]), 6);
    assert_eq!(rx.skip(6), 6);
    // tail = 6: only 2 contiguous slots before the wrap.
    let mut r = tx.reserve(4).unwrap();
    assert_eq!(r.len(), 2);
    r.as_mut_slice()[0].write(60);
    r.as_mut_slice()[1].write(61);
    // SAFETY: both slots were written just above.
    unsafe { r.commit(1) }; // partial commit: only 60 is published
    {
        let r = tx.reserve(4).unwrap();
        assert_eq!(r.len(), 1);
    } // dropped without commit: nothing published
    assert_eq!(rx.len(), 1);
    let r = tx.reserve(8).unwrap();
    assert_eq!(r.copy_from_slice(&[70]), 1);
    let r = tx.reserve(8).unwrap();
    assert_eq!(r.len(), 6); // wrapped to slot 0
    assert_eq!(r.fill_from_iter(80..83), 3);
    let mut got = Vec::new();
    while let Ok(v) = rx.try_recv() {
        got.push(v);
    }
    assert_eq!(got, [60, 70, 80, 81, 82]);
}

#[test]
#[should_panic(expected = "exceeds the")]
fn commit_more_than_reserved_panics() {
    let (mut tx, _rx) = spsc::channel::<u8>(small(2));
    let r = tx.reserve(1).unwrap();
    // SAFETY: the assertion inside `commit` fires before anything is published.
    unsafe { r.commit(2) };
}

#[test]
fn reserve_none_when_full_closed_or_zero() {
    let (mut tx, mut rx) = spsc::channel::<u8>(small(1));
    assert!(tx.reserve(0).is_none());
    assert_eq!(tx.send_slice(&[1, 2, 3]), 2);
    assert!(tx.reserve(1).is_none());
    rx.consume_count();
    rx.close();
    assert!(tx.reserve(1).is_none());
    assert!(matches!(
        tx.reserve_with(1, WaitStrategy::Blocking),
        Err(SendTimeoutError::Closed(()))
    ));
}

#[test]
fn readable_peek_advance() {
    let (mut tx, mut rx) = spsc::channel::<u16>(small(2));
    assert!(rx.readable().is_none());
    assert!(rx.peek().is_none());
    assert!(rx.peek_many(3).is_empty());
    tx.send_slice(&[1, 2, 3]);
    assert_eq!(rx.peek(), Some(&1));
    assert_eq!(rx.peek_many(2), &[1, 2]);
    assert_eq!(rx.readable(), Some(&[1, 2, 3][..]));
    rx.advance(2);
    assert_eq!(rx.readable(), Some(&[3][..]));
    tx.send_slice(&[4, 5]); // wraps: 4 at slot 3, 5 at slot 0
    assert_eq!(rx.readable(), Some(&[3, 4][..]));
    rx.advance(3); // advance may pass the wrap point
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
#[should_panic(expected = "passes the")]
fn advance_past_committed_panics() {
    let (mut tx, mut rx) = spsc::channel::<u8>(small(2));
    tx.try_send(1).unwrap();
    rx.advance(2);
}

#[test]
fn batch_and_bulk_receive() {
    let (mut tx, mut rx) = spsc::channel::<u32>(small(3));
    tx.send_slice(&[1, 2, 3, 4, 5]);
    let mut seen = Vec::new();
    assert_eq!(rx.consume_up_to(2, |x| seen.push(*x)), 2);
    assert_eq!(rx.consume_batch(|x| seen.push(*x)), 3);
    assert_eq!(seen, [1, 2, 3, 4, 5]);
    tx.send_slice(&[6, 7, 8, 9, 10, 11]); // wraps
    let mut out = [0; 4];
    assert_eq!(rx.recv_slice(&mut out), 4);
    assert_eq!(out, [6, 7, 8, 9]);
    let mut v = vec![0];
    assert_eq!(rx.recv_many(&mut v, 10), 2);
    assert_eq!(v, [0, 10, 11]);
    assert_eq!(rx.recv_many(&mut v, 10), 0);
    assert_eq!(rx.consume_count(), 0);
    assert_eq!(rx.try_iter().count(), 0);
    tx.send_slice(&[1, 1]);
    assert_eq!(rx.try_iter().sum::<u32>(), 2);
}

#[test]
fn positions_just_below_u64_max_wrap_correctly() {
    let start = u64::MAX - 5;
    let (mut tx, mut rx) = Builder::new(small(2))
        .start_position(start)
        .build::<u64>()
        .unwrap();
    let mut next_in = 0u64;
    let mut next_out = 0u64;
    for round in 0..20u64 {
        let burst = 1 + (round % 4);
        for _ in 0..burst {
            if tx.try_send(next_in).is_ok() {
                next_in += 1;
            }
        }
        assert!(rx.len() <= 4);
        while let Ok(v) = rx.try_recv() {
            assert_eq!(v, next_out);
            next_out += 1;
        }
    }
    assert_eq!(next_in, next_out);
    assert!(next_in > 10, "the test must cross the u64 wrap");
    // Batch paths across the wrap too.
    assert_eq!(tx.send_slice(&[1, 2, 3]), 3);
    let mut sum = 0;
    rx.consume_batch(|x| sum += x);
    assert_eq!(sum, 6);
}

#[test]
fn zero_sized_items() {
    let (mut tx, mut rx) = spsc::channel::<()>(small(2));
    for _ in 0..4 {
        tx.try_send(()).unwrap();
    }
    assert_eq!(tx.try_send(()), Err(TrySendError::Full(())));
    assert_eq!(rx.consume_batch(|_| {}), 4);
}

#[test]
fn every_item_dropped_exactly_once_on_handle_drop() {
    let drops = Arc::new(AtomicUsize::new(0));
    {
        let (mut tx, mut rx) = holding(6, &drops);
        let got = rx.try_recv().unwrap();
        assert_eq!(got.id, 0);
        drop(got);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        drop(rx); // drops the 5 items still inside
        assert_eq!(drops.load(Ordering::SeqCst), 6);
        // The producer's next send comes back, not leaked.
        match tx.try_send(counted(99, &drops)) {
            Err(TrySendError::Closed(v)) => drop(v),
            _ => panic!("expected Closed"),
        }
        assert_eq!(drops.load(Ordering::SeqCst), 7);
    }
    // Items left when the producer drops first are dropped with the ring.
    {
        let (tx, rx) = holding(3, &drops);
        drop(tx);
        assert_eq!(drops.load(Ordering::SeqCst), 7);
        drop(rx);
        assert_eq!(drops.load(Ordering::SeqCst), 10);
    }
}

#[test]
fn skip_advance_and_reservation_drop_count() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (mut tx, mut rx) = holding(5, &drops);
    assert_eq!(rx.skip(2), 2);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    rx.advance(1);
    assert_eq!(drops.load(Ordering::SeqCst), 3);
    assert_eq!(rx.peek().map(|c| c.id), Some(3));
    {
        let _uncommitted = tx.reserve(2).unwrap();
    }
    assert_eq!(rx.len(), 2);
    drop((tx, rx));
    assert_eq!(drops.load(Ordering::SeqCst), 5);
}

#[test]
fn panicking_handler_drops_each_item_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = holding(6, &drops);
    let mut seen = Vec::new();
    let r = catch_unwind(AssertUnwindSafe(|| {
        rx.consume_batch(|c| {
            seen.push(c.id);
            assert!(c.id != 2, "handler fails on item 2");
        })
    }));
    assert!(r.is_err());
    assert_eq!(seen, [0, 1, 2]);
    // Items 0, 1 and 2 (the one the handler panicked on) count as received.
    assert_eq!(drops.load(Ordering::SeqCst), 3);
    assert_eq!(rx.try_recv().map(|c| c.id).ok(), Some(3));
    drop((tx, rx));
    assert_eq!(drops.load(Ordering::SeqCst), 6);
}

/// A counted item whose drop panics for id 1 (the count still moves: the
/// `Counted` inside is dropped while the panic unwinds).
struct PanicOnDrop(Counted);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if self.0.id == 1 {
            panic!("drop of item 1 panics");
        }
    }
}

/// Sends a `PanicOnDrop` of each id in `ids`.
fn send_panicky(
    tx: &mut spsc::Producer<PanicOnDrop>,
    ids: impl IntoIterator<Item = u64>,
    drops: &Arc<AtomicUsize>,
) {
    for id in ids {
        if tx.try_send(PanicOnDrop(counted(id, drops))).is_err() {
            panic!("send failed");
        }
    }
}

#[test]
fn panicking_drop_is_never_repeated() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (mut tx, mut rx) = spsc::channel::<PanicOnDrop>(small(3));
    send_panicky(&mut tx, 0..4, &drops);
    let r = catch_unwind(AssertUnwindSafe(|| rx.consume_batch(|_| {})));
    assert!(r.is_err());
    assert_eq!(
        drops.load(Ordering::SeqCst),
        2,
        "items 0 and 1 dropped once each"
    );
    assert_eq!(rx.consume_count(), 2);
    assert_eq!(drops.load(Ordering::SeqCst), 4);
    drop((tx, rx));
    assert_eq!(drops.load(Ordering::SeqCst), 4);
}

#[test]
fn panicking_ring_drop_still_drops_the_rest() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (mut tx, rx) = spsc::channel::<PanicOnDrop>(small(2));
    send_panicky(&mut tx, [0, 1, 2, 3], &drops);
    drop(tx);
    let r = catch_unwind(AssertUnwindSafe(move || drop(rx)));
    assert!(r.is_err());
    assert_eq!(
        drops.load(Ordering::SeqCst),
        4,
        "every item dropped exactly once"
    );
}

#[test]
fn panicking_iterator_commits_what_was_written() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (mut tx, mut rx) = spsc::channel::<Counted>(small(3));
    let d = drops.clone();
    let r = catch_unwind(AssertUnwindSafe(|| {
        let res = tx.reserve(8).unwrap();
        res.fill_from_iter((0..8).map(|i| {
            assert!(i != 3, "iterator fails at 3");
            counted(i, &d)
        }))
    }));
    assert!(r.is_err());
    let ids: Vec<u64> = rx.try_iter().map(|c| c.id).collect();
    assert_eq!(ids, [0, 1, 2]);
    assert_eq!(drops.load(Ordering::SeqCst), 3);
}

#[test]
fn timeouts_wait_at_least_the_duration() {
    let (mut tx, mut rx) = spsc::channel::<u8>(small(1));
    let t0 = Instant::now();
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(20)),
        Err(RecvTimeoutError::Timeout)
    );
    assert!(t0.elapsed() >= Duration::from_millis(20));
    tx.send_slice(&[1, 2]);
    let t0 = Instant::now();
    assert_eq!(
        tx.send_timeout(3, Duration::from_millis(20)),
        Err(SendTimeoutError::Timeout(3))
    );
    assert!(t0.elapsed() >= Duration::from_millis(20));
    assert!(matches!(
        tx.reserve_with(1, WaitStrategy::TimedBlocking(Duration::from_millis(5))),
        Err(SendTimeoutError::Timeout(()))
    ));
    assert!(matches!(
        rx.consume_batch_with(|_| {}, WaitStrategy::TimedBlocking(Duration::ZERO)),
        Ok(2)
    ));
}

#[test]
fn blocked_recv_is_woken_by_send() {
    for strategy in strategies() {
        watchdog(20, move || {
            let (mut tx, mut rx) = spsc::channel::<u64>(small(4));
            let (ready_tx, ready_rx) = mpsc::channel();
            let h = thread::spawn(move || {
                ready_tx.send(()).unwrap();
                rx.recv_with(strategy)
            });
            ready_rx.recv().unwrap();
            tx.send(42).unwrap();
            assert_eq!(h.join().unwrap(), Ok(42), "{strategy:?}");
        });
    }
}

#[test]
fn blocked_recv_is_woken_by_close() {
    for strategy in strategies() {
        watchdog(20, move || {
            let (mut tx, mut rx) = spsc::channel::<u64>(small(4));
            let h = thread::spawn(move || rx.recv_with(strategy));
            thread::yield_now();
            tx.close();
            assert_eq!(
                h.join().unwrap(),
                Err(RecvTimeoutError::Closed),
                "{strategy:?}"
            );
        });
    }
}

#[test]
fn blocked_send_is_woken_by_recv_and_by_consumer_drop() {
    for strategy in strategies() {
        watchdog(20, move || {
            let (mut tx, mut rx) = spsc::channel::<u64>(small(1));
            tx.send_slice(&[1, 2]);
            // 3 blocks until 1 is received; 6 blocks until the consumer is dropped.
            let h = thread::spawn(move || {
                (3..=6)
                    .map(|v| tx.send_with(v, strategy))
                    .collect::<Vec<_>>()
            });
            assert_eq!(rx.recv(), Ok(1));
            assert_eq!(rx.recv(), Ok(2));
            assert_eq!(rx.recv(), Ok(3));
            // Wait until 4 and 5 fill the ring (so 6 is blocked), then drop.
            while rx.len() < 2 {
                thread::yield_now();
            }
            drop(rx);
            let res = h.join().unwrap();
            assert_eq!(res[..3], [Ok(()), Ok(()), Ok(())], "{strategy:?}");
            assert_eq!(res[3], Err(SendTimeoutError::Closed(6)), "{strategy:?}");
        });
    }
}

fn strategies() -> Vec<WaitStrategy> {
    vec![
        WaitStrategy::Blocking,
        WaitStrategy::BusySpin,
        WaitStrategy::Yielding,
        WaitStrategy::Sleeping(Duration::from_micros(50)),
        WaitStrategy::TimedBlocking(Duration::from_secs(30)),
        WaitStrategy::PhasedBackoff { spin: 0, yield_: 0 },
        WaitStrategy::PhasedBackoff { spin: 3, yield_: 2 },
    ]
}

#[test]
fn fifo_across_threads_with_exact_checksum() {
    let n: u64 = if cfg!(miri) { 2_000 } else { 10_000_000 };
    watchdog(120, move || {
        let (mut tx, mut rx) = spsc::channel::<u64>(small(if cfg!(miri) { 4 } else { 12 }));
        let producer = thread::spawn(move || {
            for i in 0..n {
                tx.send(i).unwrap();
            }
        });
        let mut expect = 0u64;
        let mut sum = 0u64;
        for v in rx.iter() {
            assert_eq!(v, expect, "FIFO order broken");
            expect += 1;
            sum = sum.wrapping_add(v);
        }
        producer.join().unwrap();
        assert_eq!(expect, n);
        assert_eq!(sum, n * (n - 1) / 2);
    });
}

#[test]
fn batched_transfer_across_threads_with_exact_checksum() {
    let n: u64 = if cfg!(miri) { 3_000 } else { 5_000_000 };
    watchdog(120, move || {
        let (mut tx, mut rx) = spsc::channel::<u64>(small(if cfg!(miri) { 5 } else { 14 }));
        let producer = thread::spawn(move || {
            let mut next = 0u64;
            while next < n {
                let r = tx.reserve_with(777, WaitStrategy::Blocking).unwrap();
                let want = r.len().min((n - next) as usize);
                next += r.fill_from_iter((next..).take(want)) as u64;
            }
        });
        let mut expect = 0u64;
        let mut count = 0u64;
        loop {
            match rx.consume_batch_with(
                |&v| {
                    assert_eq!(v, expect);
                    expect += 1;
                },
                WaitStrategy::Blocking,
            ) {
                Ok(k) => count += k as u64,
                Err(RecvTimeoutError::Closed) => break,
                Err(e) => panic!("{e}"),
            }
        }
        producer.join().unwrap();
        assert_eq!(count, n);
        assert_eq!(expect, n);
    });
}

#[test]
fn drops_across_threads_are_exact() {
    let n = if cfg!(miri) { 200 } else { 100_000 };
    let drops = Arc::new(AtomicUsize::new(0));
    let created = Arc::new(AtomicUsize::new(0));
    let d = drops.clone();
    let c = created.clone();
    watchdog(60, move || {
        let (mut tx, mut rx) = spsc::channel::<Counted>(small(4));
        let producer = thread::spawn(move || {
            for i in 0..n {
                c.fetch_add(1, Ordering::SeqCst);
                if tx.send(counted(i as u64, &d)).is_err() {
                    return;
                }
            }
        });
        // Receive half, then drop the consumer with items in flight.
        for _ in 0..n / 2 {
            drop(rx.recv().unwrap());
        }
        drop(rx);
        producer.join().unwrap();
    });
    // Every item created was dropped exactly once: received, in the ring, or refused.
    assert!(created.load(Ordering::SeqCst) > n / 2);
    assert_eq!(drops.load(Ordering::SeqCst), created.load(Ordering::SeqCst));
}

#[test]
fn config_rejects_overflowing_rings() {
    let r = Builder::new(small(ring_core::MAX_RING_BITS)).build::<[u8; 1 << 40]>();
    assert!(matches!(
        r,
        Err(ring_core::BuildError::CapacityOverflow { .. })
    ));
}
