//! Loom models of every step of the single-consumer protocol.
//!
//! Run with `cargo xtask loom` (`RUSTFLAGS="--cfg ring_loom"`). Under loom the
//! rings use the symmetric (`SeqCst` fence) wake-up mode, the futex is a
//! condvar stand-in (a lost wake-up shows up as a deadlock), and every slot
//! access is tracked through `SlotTracker`, so a slot read not ordered after
//! its write is reported too.
#![cfg(ring_loom)]

mod common;

use loom::sync::Arc;
use loom::sync::atomic::AtomicUsize;
use loom::thread;

use common::{Counted, assert_dropped_once, recv_in_order, send_all, try_send_two_counted};
use ring_core::spsc::{self, Builder};
use ring_core::{Config, RecvTimeoutError, SendTimeoutError, WaitStrategy};

/// Go straight to the futex: the interesting interleavings are around the sleep.
const SLEEP: WaitStrategy = WaitStrategy::PhasedBackoff { spin: 0, yield_: 0 };

fn cap(bits: u32) -> Config {
    Config::default().with_ring_bits(bits)
}

fn transfer(bits: u32, items: u64, start: u64) {
    loom::model(move || {
        let (mut tx, mut rx) = Builder::new(cap(bits))
            .start_position(start)
            .build::<u64>()
            .unwrap();
        let p = thread::spawn(move || send_all(|v| tx.try_send(v), 0..items));
        recv_in_order(|| rx.try_recv(), items);
        p.join().unwrap();
    });
}

/// Transfers that wrap: at capacity 2 and 4, and across `u64::MAX`.
#[test]
fn transfer_wraps() {
    for (bits, items, start) in [(1, 3, 0), (2, 5, 0), (1, 3, u64::MAX - 1)] {
        transfer(bits, items, start);
    }
}

#[test]
fn drop_with_items_in_flight_drops_each_once() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (mut tx, mut rx) = spsc::channel::<Counted>(cap(1));
        let d = drops.clone();
        let p = thread::spawn(move || {
            try_send_two_counted(|v| tx.try_send(v), &d)
            // tx dropped here: closes
        });
        let c = thread::spawn(move || {
            let got = rx.try_recv().ok();
            drop(got);
            // rx dropped here with whatever is in flight
        });
        let _sent = p.join().unwrap();
        c.join().unwrap();
        assert_dropped_once(&drops, 2);
    });
}

#[test]
fn consumer_sleep_vs_commit_never_loses_the_wakeup() {
    loom::model(|| {
        let (mut tx, mut rx) = spsc::channel::<u32>(cap(1));
        let c = thread::spawn(move || rx.recv_with(SLEEP));
        tx.try_send(7).unwrap();
        assert_eq!(c.join().unwrap(), Ok(7));
        drop(tx);
    });
}

#[test]
fn consumer_sleep_vs_close_never_hangs() {
    loom::model(|| {
        let (tx, mut rx) = spsc::channel::<u32>(cap(1));
        let c = thread::spawn(move || rx.recv_with(SLEEP));
        drop(tx);
        assert_eq!(c.join().unwrap(), Err(RecvTimeoutError::Closed));
    });
}

#[test]
fn value_committed_before_close_is_received() {
    loom::model(|| {
        let (mut tx, mut rx) = spsc::channel::<u32>(cap(1));
        let p = thread::spawn(move || {
            tx.try_send(1).unwrap();
            drop(tx);
        });
        assert_eq!(rx.recv_with(SLEEP), Ok(1));
        assert_eq!(rx.recv_with(SLEEP), Err(RecvTimeoutError::Closed));
        p.join().unwrap();
    });
}

#[test]
fn producer_sleep_on_full_vs_advance() {
    loom::model(|| {
        let (mut tx, mut rx) = spsc::channel::<u32>(cap(1));
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        let p = thread::spawn(move || tx.send_with(3, SLEEP));
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(p.join().unwrap(), Ok(()));
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(rx.try_recv(), Ok(3));
    });
}

#[test]
fn producer_sleep_on_full_vs_consumer_drop() {
    loom::model(|| {
        let (mut tx, rx) = spsc::channel::<u32>(cap(1));
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        let p = thread::spawn(move || tx.send_with(3, SLEEP));
        drop(rx);
        assert_eq!(p.join().unwrap(), Err(SendTimeoutError::Closed(3)));
    });
}

/// A consumer sleeps, is woken by the first commit, and sleeps again while
/// the second commit races with its re-registration: the second commit must
/// not be skipped because the first one already cleared `NEED_WAKE`.
#[test]
fn consumer_sleeps_twice_while_commits_race() {
    loom::model(|| {
        let (mut tx, mut rx) = spsc::channel::<u32>(cap(1));
        let c = thread::spawn(move || (rx.recv_with(SLEEP), rx.recv_with(SLEEP)));
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        assert_eq!(c.join().unwrap(), (Ok(1), Ok(2)));
        drop(tx);
    });
}
