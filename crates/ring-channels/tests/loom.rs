//! Loom models of the channel protocols built on ring-core: MPSC
//! registration and deregistration racing with consumption, the MPSC
//! doorbell (sleep vs a commit on any ring vs close), and multi-consumer
//! sleep vs commit vs close.
//!
//! Run with `RUSTFLAGS="--cfg ring_loom" LOOM_MAX_PREEMPTIONS=2 cargo test
//! --release -p ring-channels --test loom`.
#![cfg(ring_loom)]

use loom::thread;

use ring_channels::{mpmc, mpsc, spmc};
use ring_core::{Config, RecvTimeoutError, TryRecvError, WaitStrategy};

/// Go straight to the futex: the interesting interleavings are around the sleep.
const SLEEP: WaitStrategy = WaitStrategy::PhasedBackoff { spin: 0, yield_: 0 };

fn cap2() -> Config {
    Config::default()
        .with_ring_bits(1)
        .with_max_producers(1)
        .with_max_consumers(2)
}

/// A thread that clones `a` (the clone registers), drops `a`, runs `then`
/// on the clone and drops it last.
fn registered_then_gone<R: Send + 'static>(
    a: mpsc::Producer<u32>,
    then: impl FnOnce(&mut mpsc::Producer<u32>) -> R + Send + 'static,
) -> thread::JoinHandle<R> {
    thread::spawn(move || {
        let mut b = a.clone();
        drop(a);
        then(&mut b)
    })
}

/// A producer registers (a clone, on another thread), commits and drops,
/// racing the consumer: the consumer adopts the ring before it decides
/// `Closed`, so the item is always received.
#[test]
fn mpsc_register_commit_deregister_races_consume() {
    loom::model(|| {
        let (a, mut rx) = mpsc::channel::<u32>(cap2());
        let t = registered_then_gone(a, |b| {
            b.try_send(7).unwrap();
        });
        assert_eq!(rx.recv_with(SLEEP), Ok(7));
        assert_eq!(rx.recv_with(SLEEP), Err(RecvTimeoutError::Closed));
        t.join().unwrap();
    });
}

/// A clone registering while the consumer closes: the clone's sends fail, or
/// its item is received; never lost silently after `Ok`.
#[test]
fn mpsc_register_races_consumer_close() {
    loom::model(|| {
        let (a, mut rx) = mpsc::channel::<u32>(cap2());
        let t = registered_then_gone(a, |b| b.try_send(1).is_ok());
        rx.close();
        let sent = t.join().unwrap();
        let got = rx.try_recv();
        match got {
            Ok(v) => assert_eq!(v, 1),
            Err(e) => {
                assert_eq!(e, TryRecvError::Closed);
                assert!(!sent, "a send that succeeded after close was not received");
            }
        }
    });
}

/// The consumer sleeps on the one doorbell; a commit on the *second* ring wakes it.
#[test]
fn mpsc_sleep_vs_commit_on_any_ring() {
    loom::model(|| {
        let (a, mut rx) = mpsc::channel::<u32>(cap2());
        let mut b = a.clone();
        let c = thread::spawn(move || rx.recv_with(SLEEP));
        b.try_send(5).unwrap();
        assert_eq!(c.join().unwrap(), Ok(5));
        drop(a);
    });
}

/// The consumer sleeps; the last of two producers leaving wakes it with `Closed`.
#[test]
fn mpsc_sleep_vs_last_producer_drop() {
    loom::model(|| {
        let (a, mut rx) = mpsc::channel::<u32>(cap2());
        let b = a.clone();
        let c = thread::spawn(move || rx.recv_with(SLEEP));
        let t = thread::spawn(move || drop(b));
        drop(a);
        t.join().unwrap();
        assert_eq!(c.join().unwrap(), Err(RecvTimeoutError::Closed));
    });
}

/// Two SPMC consumers sleep; one item and a close: one gets the item, both end.
#[test]
fn spmc_two_sleepers_vs_commit_and_close() {
    loom::model(|| {
        let (mut tx, rx) = spmc::channel::<u32>(cap2());
        let mut rx2 = rx.clone();
        let mut rx1 = rx;
        let a = thread::spawn(move || rx1.recv_with(SLEEP));
        let b = thread::spawn(move || rx2.recv_with(SLEEP));
        tx.try_send(9).unwrap();
        drop(tx);
        let (ra, rb) = (a.join().unwrap(), b.join().unwrap());
        let got: Vec<_> = [ra, rb].into_iter().filter_map(Result::ok).collect();
        assert_eq!(got, [9]);
    });
}

/// MPMC: a consumer sleeps on the shared doorbell; a commit on a second
/// producer's ring (registered by a clone) wakes it.
#[test]
fn mpmc_sleep_vs_commit_on_a_registered_ring() {
    loom::model(|| {
        let (a, mut rx) = mpmc::channel::<u32>(cap2());
        let c = thread::spawn(move || rx.recv_with(SLEEP));
        let mut b = a.clone();
        drop(a);
        b.try_send(3).unwrap();
        assert_eq!(c.join().unwrap(), Ok(3));
    });
}

/// Two consumers asleep on one doorbell, two commits: whichever consumer is
/// woken may find its item taken by the other and must sleep again; the
/// `NEED_WAKE` it sets after reading the new sequence guarantees the second
/// commit wakes it (a lost wake-up would be a loom deadlock).
#[test]
fn spmc_two_sleepers_two_commits_each_get_one() {
    loom::model(|| {
        let (mut tx, rx) = spmc::channel::<u64>(cap2().with_max_consumers(2));
        let mut rx2 = rx.try_clone().unwrap();
        let mut rx1 = rx;
        let a = thread::spawn(move || rx1.recv_with(SLEEP));
        let b = thread::spawn(move || rx2.recv_with(SLEEP));
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        let (x, y) = (a.join().unwrap().unwrap(), b.join().unwrap().unwrap());
        assert_eq!(x + y, 3);
        drop(tx);
    });
}

/// An item that counts its drops (in a loom atomic).
struct D(std::sync::Arc<loom::sync::atomic::AtomicUsize>);

impl Drop for D {
    fn drop(&mut self) {
        self.0.fetch_add(1, loom::sync::atomic::Ordering::SeqCst);
    }
}

/// Issue: the last consumer's drop racing a producer's send. The item is
/// either handed back (`Closed(v)`) or dropped exactly once, by the drain or
/// at the latest by the producer's next send, never both, never neither.
/// For SPMC and MPMC.
macro_rules! last_consumer_drop_races_send {
    ($name:ident, $family:ident) => {
        #[test]
        fn $name() {
            loom::model(|| {
                let drops = std::sync::Arc::new(loom::sync::atomic::AtomicUsize::new(0));
                let (mut tx, rx) = $family::channel::<D>(cap2());
                let c = thread::spawn(move || drop(rx));
                let returned = match tx.try_send(D(drops.clone())) {
                    Ok(()) => false,
                    Err(e) => {
                        drop(e.into_inner());
                        true
                    }
                };
                c.join().unwrap();
                // The producer's next send finds the channel closed (and drops what a
                // racing send of its own left behind).
                assert!(tx.try_send(D(drops.clone())).is_err());
                assert_eq!(
                    drops.load(loom::sync::atomic::Ordering::SeqCst),
                    2,
                    "returned: {returned}"
                );
                drop(tx);
                assert_eq!(drops.load(loom::sync::atomic::Ordering::SeqCst), 2);
            });
        }
    };
}

last_consumer_drop_races_send!(spmc_last_consumer_drop_races_send, spmc);
last_consumer_drop_races_send!(mpmc_last_consumer_drop_races_send, mpmc);
