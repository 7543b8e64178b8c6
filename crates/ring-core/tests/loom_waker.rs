//! Loom models of the doorbell's waker slot: an async task registering its
//! waker (`AsyncWait::poll_until`) while a commit, a close, or freed room
//! races with it. Each model drives the task with loom's `block_on`, so a
//! lost wake-up is a deadlock the model reports.
//!
//! Run with `RUSTFLAGS="--cfg ring_loom" LOOM_MAX_PREEMPTIONS=2 cargo test
//! --release -p ring-core --test loom_waker`.
#![cfg(ring_loom)]

use std::future::poll_fn;

use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;

use ring_core::claim::Ring;
use ring_core::wait::{AsyncWait, DoorbellRef, RecvEndpoint, Waitable, WakeGroup};
use ring_core::{Config, TryRecvError, spsc};

fn tiny() -> Config {
    Config::default().with_ring_bits(1)
}

/// A receive that registers a waker while the producer commits: the commit
/// either sees the `WAKER` bit and wakes the task, or the task's re-check
/// after its heavy fence sees the item.
#[test]
fn register_races_commit() {
    loom::model(|| {
        let (mut tx, mut rx) = spsc::channel::<u64>(tiny());
        // The producer stays alive until the receive is done: only the
        // commit can end the wait, not a close.
        let t = thread::spawn(move || {
            tx.try_send(1).unwrap();
            tx
        });
        let mut wait = AsyncWait::new();
        let v = block_on(poll_fn(|cx| {
            wait.poll_until(&mut rx, cx, |rx| rx.try_recv().ok())
        }));
        assert_eq!(v, 1);
        drop(t.join().unwrap());
    });
}

/// A receive that registers a waker while another thread closes the channel
/// with a `Closer`: close wakes every registered task, or the task sees the
/// close in its re-check.
#[test]
fn register_races_close() {
    loom::model(|| {
        let (tx, mut rx) = spsc::channel::<u64>(tiny());
        let closer = rx.closer();
        let t = thread::spawn(move || closer.close());
        let mut wait = AsyncWait::new();
        let r = block_on(poll_fn(|cx| {
            wait.poll_until(&mut rx, cx, |rx| match rx.try_recv() {
                Err(TryRecvError::Empty) => None,
                other => Some(other),
            })
        }));
        assert_eq!(r, Err(TryRecvError::Closed));
        assert!(RecvEndpoint::is_closed(&rx));
        t.join().unwrap();
        drop(tx);
    });
}

/// One consumer of a claim ring: its doorbell is the group's.
struct Claimer(Arc<Ring<u64>>);

impl Waitable for Claimer {
    fn doorbell(&self) -> DoorbellRef<'_> {
        self.0.consumer_doorbell()
    }
}

/// Two consumers' wakers on one doorbell (SPMC): each waits for one item;
/// the producer commits two. No commit may leave a registered task asleep
/// with an item it could take.
#[test]
fn two_consumers_wakers_on_one_doorbell() {
    loom::model(|| {
        let r = Ring::<u64>::new(2, Arc::new(WakeGroup::new())).unwrap();
        let mut p = Ring::try_producer(&r).unwrap();
        let consumer = |r: Arc<Ring<u64>>| {
            thread::spawn(move || {
                let mut c = Claimer(r);
                let mut wait = AsyncWait::new();
                block_on(poll_fn(|cx| {
                    wait.poll_until(&mut c, cx, |c| c.0.try_recv().ok())
                }))
            })
        };
        let a = consumer(r.clone());
        let b = consumer(r.clone());
        p.try_send(1).unwrap();
        p.try_send(2).unwrap();
        let mut got = [a.join().unwrap(), b.join().unwrap()];
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
    });
}

/// The producer side waiting for room: a full ring, an async send, and one
/// receive on another thread; freeing the slot wakes the send (or the send's
/// re-check sees the room).
#[test]
fn producer_waits_for_room() {
    loom::model(|| {
        let (mut tx, mut rx) = spsc::channel::<u64>(tiny());
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap(); // full
        let t = thread::spawn(move || {
            assert_eq!(rx.try_recv(), Ok(1));
            rx
        });
        let mut wait = AsyncWait::new();
        let mut held = Some(3);
        block_on(poll_fn(|cx| {
            wait.poll_until(&mut tx, cx, |tx| {
                let v = held.take()?;
                match tx.try_send(v) {
                    Ok(()) => Some(()),
                    Err(e) => {
                        held = Some(e.into_inner());
                        None
                    }
                }
            })
        }));
        let mut rx = t.join().unwrap();
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(rx.try_recv(), Ok(3));
    });
}
