//! Scaffolding shared by ring-core's loom models (`loom.rs`,
//! `loom_claim.rs`, `loom_recorder.rs`, `loom_watermark.rs`). Local rather than from `ringmpsc_testkit`: ring-core's
//! tests take no dependency on the test kit (it would unify features and
//! break the `no_std` test run).
#![allow(dead_code)] // reason: each test file uses a different subset

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

use ring_core::claim::{Producer, Ring};
use ring_core::wait::WakeGroup;
use ring_core::{TryRecvError, TrySendError};

/// Sends each of `items` through `try_send`, yielding while the ring is full.
pub(crate) fn send_all(
    mut try_send: impl FnMut(u64) -> Result<(), TrySendError<u64>>,
    items: std::ops::Range<u64>,
) {
    for i in items {
        let mut v = i;
        loop {
            match try_send(v) {
                Ok(()) => break,
                Err(TrySendError::Full(back)) => {
                    v = back;
                    thread::yield_now();
                }
                Err(TrySendError::Closed(_)) => panic!("closed"),
            }
        }
    }
}

/// Receives through `try_recv` until `items` items have come, checking that
/// they are `0, 1, 2, ...` in order; yields while the ring is empty.
pub(crate) fn recv_in_order(mut try_recv: impl FnMut() -> Result<u64, TryRecvError>, items: u64) {
    let mut next = 0;
    while next < items {
        match try_recv() {
            Ok(v) => {
                assert_eq!(v, next);
                next += 1;
            }
            Err(TryRecvError::Empty) => thread::yield_now(),
            Err(TryRecvError::Closed) => panic!("closed before all items arrived"),
        }
    }
}

/// Checks that every one of the `n` items created was dropped exactly once.
pub(crate) fn assert_dropped_once(drops: &AtomicUsize, n: usize) {
    assert_eq!(
        drops.load(Ordering::SeqCst),
        n,
        "every item created is dropped exactly once"
    );
}

/// A claim ring of `cap` slots with a wake group of its own.
pub(crate) fn claim_ring<T: Send>(cap: usize) -> Arc<Ring<T>> {
    Ring::new(cap, Arc::new(WakeGroup::new())).unwrap()
}

/// A [`claim_ring`] and its producer.
pub(crate) fn claim_ring_and_producer<T: Send>(cap: usize) -> (Arc<Ring<T>>, Producer<T>) {
    let r = claim_ring(cap);
    let p = Ring::try_producer(&r).unwrap();
    (r, p)
}

/// An item that counts its drops.
#[derive(Debug)]
pub(crate) struct Counted(pub(crate) Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Tries to send two `Counted` items once each through `try_send`, dropping
/// one that comes back; how many went in.
pub(crate) fn try_send_two_counted(
    mut try_send: impl FnMut(Counted) -> Result<(), TrySendError<Counted>>,
    drops: &Arc<AtomicUsize>,
) -> usize {
    let mut sent = 0;
    for _ in 0..2 {
        match try_send(Counted(drops.clone())) {
            Ok(()) => sent += 1,
            Err(e) => drop(e.into_inner()),
        }
    }
    sent
}
