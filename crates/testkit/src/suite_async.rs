//! The conformance suite with async ends: the behaviours of the core suite
//! (every item once and in order, close by every route ending every wait,
//! exactly-once drops) with sync→async, async→sync and async→async ends, and
//! the `Future` contract (a poll that can finish finishes, the waker of the
//! latest poll is the one woken, cancellation loses nothing).
//!
//! The instantiating module brings the extension traits into scope
//! (`use ringmpsc::prelude::*;`).

/// The async tests every family passes (`AsyncRecvExt`, `AsyncSendExt`).
///
/// Use: `mod spsc { use ringmpsc::prelude::*; ringmpsc_testkit::conformance_async!(ringmpsc::spsc); }`.
#[macro_export]
macro_rules! conformance_async {
    ($f:path) => {
        $crate::__suite_prelude!($f);
        #[allow(unused_imports)]
        use std::task::Poll;
        #[allow(unused_imports)]
        use $crate::ring_core::{RecvError, SendError, TryRecvError};
        #[allow(unused_imports)]
        use $crate::{CountingWaker, block_on, poll_once, scale};

        fn assert_send<S: Send>(_: &S) {}

        /// Items per transfer test: a ring of 4 wraps many times.
        fn items() -> u64 {
            scale(2_000, 50) as u64
        }

        #[test]
        fn a_ready_poll_finishes_at_once_and_futures_are_send() {
            let (mut tx, mut rx) = family::channel::<u64>(small(2));
            let (count, w) = CountingWaker::new();
            let mut send = tx.send_async(1);
            assert_send(&send);
            assert_eq!(poll_once(&mut send, &w), Poll::Ready(Ok(())));
            drop(send);
            let mut recv = rx.recv_async();
            assert_send(&recv);
            assert_eq!(poll_once(&mut recv, &w), Poll::Ready(Ok(1)));
            drop(recv);
            assert_eq!(count.wakes(), 0, "a ready poll woke its own task");
        }

        /// Runs `send` with the producer of a 4-slot channel on a thread
        /// and `recv` with its consumer here: every item once, in order.
        fn transfer(
            send: impl FnOnce(family::Producer<u64>, u64) + Send + 'static,
            recv: impl FnOnce(family::Consumer<u64>) -> Vec<u64> + Send + 'static,
        ) {
            watchdog(30, move || {
                let (tx, rx) = family::channel::<u64>(small(2));
                let n = items();
                let t = thread::spawn(move || send(tx, n));
                let got = recv(rx);
                t.join().unwrap();
                assert_eq!(got, (0..n).collect::<Vec<_>>());
            });
        }

        #[test]
        fn sync_to_async_every_item_once_in_order() {
            transfer(
                |mut tx, n| (0..n).for_each(|i| tx.send(i).unwrap()),
                |mut rx| {
                    block_on(async {
                        let mut got = Vec::new();
                        while let Ok(v) = rx.recv_async().await {
                            got.push(v);
                        }
                        got
                    })
                },
            );
        }

        #[test]
        fn async_to_sync_every_item_once_in_order() {
            transfer(
                |mut tx, n| {
                    block_on(async {
                        for i in 0..n {
                            tx.send_async(i).await.unwrap();
                        }
                    })
                },
                |rx| rx.into_iter().collect(),
            );
        }

        #[test]
        fn async_to_async_sink_and_stream() {
            use std::future::poll_fn;
            use $crate::__sink::{Sink, Stream};
            transfer(
                |tx, n| {
                    block_on(async {
                        let mut sink = std::pin::pin!(tx.into_sink());
                        for i in 0..n {
                            poll_fn(|cx| sink.as_mut().poll_ready(cx)).await.unwrap();
                            sink.as_mut().start_send(i).unwrap();
                        }
                        poll_fn(|cx| sink.as_mut().poll_close(cx)).await.unwrap();
                    })
                },
                |rx| {
                    block_on(async {
                        let mut stream = std::pin::pin!(rx.into_stream());
                        let mut got = Vec::new();
                        while let Some(v) = poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
                            got.push(v);
                        }
                        got
                    })
                },
            );
        }

        #[test]
        fn a_commit_wakes_the_waker_of_the_latest_poll() {
            let (mut tx, mut rx) = family::channel::<u64>(small(2));
            let (old, w_old) = CountingWaker::new();
            let (new, w_new) = CountingWaker::new();
            let mut recv = rx.recv_async();
            assert_eq!(poll_once(&mut recv, &w_old), Poll::Pending);
            assert_eq!(poll_once(&mut recv, &w_new), Poll::Pending);
            tx.try_send(5).unwrap();
            assert!(
                new.wakes() >= 1,
                "the commit did not wake the pending receive"
            );
            assert_eq!(old.wakes(), 0, "a replaced waker was woken");
            assert_eq!(poll_once(&mut recv, &w_new), Poll::Ready(Ok(5)));
        }

        #[test]
        fn close_by_every_route_wakes_pending_futures() {
            for route in 0..3 {
                // A send waiting for room.
                let (mut tx, mut rx) = family::channel::<u64>(small(1));
                let closer = rx.closer();
                tx.try_send(1).unwrap();
                tx.try_send(2).unwrap();
                let (sc, sw) = CountingWaker::new();
                let mut send = tx.send_async(3);
                assert_eq!(poll_once(&mut send, &sw), Poll::Pending);
                match route {
                    0 => closer.close(),
                    1 => rx.close(),
                    _ => drop(rx),
                }
                assert!(
                    sc.wakes() >= 1,
                    "close (route {route}) did not wake a pending send"
                );
                assert_eq!(poll_once(&mut send, &sw), Poll::Ready(Err(SendError(3))));
                // A receive waiting for an item.
                let (tx, mut rx) = family::channel::<u64>(small(1));
                let closer = rx.closer();
                let (rc, rw) = CountingWaker::new();
                let mut recv = rx.recv_async();
                assert_eq!(poll_once(&mut recv, &rw), Poll::Pending);
                match route {
                    0 => closer.close(),
                    1 => {
                        let mut tx = tx;
                        tx.close();
                    }
                    _ => drop(tx),
                }
                assert!(
                    rc.wakes() >= 1,
                    "close (route {route}) did not wake a pending receive"
                );
                assert_eq!(poll_once(&mut recv, &rw), Poll::Ready(Err(RecvError)));
            }
        }

        /// A ring of two slots, full: 0 and 1 in it.
        fn full_ring_of_two() -> (family::Producer<u64>, family::Consumer<u64>) {
            let (mut tx, rx) = family::channel::<u64>(small(1));
            tx.try_send(0).unwrap();
            tx.try_send(1).unwrap();
            (tx, rx)
        }

        #[test]
        fn one_receive_wakes_a_send_waiting_for_room() {
            let (mut tx, mut rx) = full_ring_of_two();
            let (c, w) = CountingWaker::new();
            let mut send = tx.send_async(2);
            assert_eq!(poll_once(&mut send, &w), Poll::Pending);
            assert_eq!(rx.try_recv(), Ok(0));
            assert!(
                c.wakes() >= 1,
                "freeing a slot did not wake the pending send"
            );
            assert_eq!(poll_once(&mut send, &w), Poll::Ready(Ok(())));
            drop(send);
            assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
        }

        #[test]
        fn reserve_async_waits_for_room_and_is_none_once_closed() {
            let (mut tx, mut rx) = full_ring_of_two();
            let (c, w) = CountingWaker::new();
            {
                // Dropped while pending: nothing reserved, nothing lost.
                let mut r = tx.reserve_async(2);
                assert!(poll_once(&mut r, &w).is_pending());
            }
            let mut r = tx.reserve_async(2);
            assert!(poll_once(&mut r, &w).is_pending());
            assert_eq!(rx.try_recv(), Ok(0));
            assert!(
                c.wakes() >= 1,
                "freeing a slot did not wake the pending reserve"
            );
            match poll_once(&mut r, &w) {
                Poll::Ready(Some(res)) => assert_eq!(res.copy_from_slice(&[2]), 1),
                other => panic!("room was freed: {:?}", other.map(|r| r.is_some())),
            }
            drop(r);
            assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
            rx.close();
            assert!(block_on(tx.reserve_async(1)).is_none());
        }

        #[test]
        fn cancelled_futures_lose_nothing_and_drop_only_their_value() {
            let d = Arc::new(AtomicUsize::new(0));
            let (mut tx, mut rx) = family::channel::<$crate::Counted>(small(1));
            let (_c, w) = CountingWaker::new();
            // A receive dropped while pending takes nothing.
            for _ in 0..100 {
                let mut recv = rx.recv_async();
                assert!(poll_once(&mut recv, &w).is_pending());
            }
            tx.try_send(counted(7, &d)).unwrap();
            assert_eq!(rx.try_recv().map(|c| c.id), Ok(7));
            assert_eq!(d.load(Ordering::SeqCst), 1);
            // A send dropped while pending drops its own value, once.
            tx.try_send(counted(8, &d)).unwrap();
            tx.try_send(counted(9, &d)).unwrap();
            {
                let mut send = tx.send_async(counted(10, &d));
                assert!(poll_once(&mut send, &w).is_pending());
            }
            assert_eq!(d.load(Ordering::SeqCst), 2);
            let ids: Vec<u64> = rx.try_iter().map(|c| c.id).collect();
            assert_eq!(ids, [8, 9]);
            assert_eq!(d.load(Ordering::SeqCst), 4);
            // recv_many_async: Ok(1..=max) appended, Err once closed and drained.
            for i in 0..2 {
                tx.try_send(counted(i, &d)).unwrap();
            }
            let mut buf = Vec::new();
            assert_eq!(block_on(rx.recv_many_async(&mut buf, 5)), Ok(2));
            drop(tx);
            assert_eq!(block_on(rx.recv_many_async(&mut buf, 5)), Err(RecvError));
            assert_eq!(buf.len(), 2);
            drop(buf);
            assert_eq!(d.load(Ordering::SeqCst), 6);
        }
    };
}

/// The async tests for families whose consumers clone (SPMC, MPMC): with
/// several receives parked on one doorbell, a commit wakes at least one and
/// close wakes all.
#[macro_export]
macro_rules! conformance_async_clone_consumer {
    ($f:path) => {
        mod async_clone_consumer {
            use super::*;
            $crate::__suite_prelude!($f);
            use std::task::Poll;
            use $crate::{CountingWaker, poll_once};

            #[test]
            fn a_commit_wakes_one_parked_consumer_close_wakes_all() {
                let (mut tx, mut a) = family::channel::<u64>(small(2));
                let mut b = a.clone();
                for close in [false, true] {
                    let (ca, wa) = CountingWaker::new();
                    let (cb, wb) = CountingWaker::new();
                    let mut fa = a.recv_async();
                    let mut fb = b.recv_async();
                    assert!(poll_once(&mut fa, &wa).is_pending());
                    assert!(poll_once(&mut fb, &wb).is_pending());
                    if close {
                        tx.close();
                    } else {
                        tx.try_send(1).unwrap();
                    }
                    let woken = ca.wakes().min(1) + cb.wakes().min(1);
                    let ready = [poll_once(&mut fa, &wa), poll_once(&mut fb, &wb)];
                    let items = ready.iter().filter(|p| **p == Poll::Ready(Ok(1))).count();
                    if close {
                        assert_eq!(woken, 2, "close did not wake every consumer");
                        assert!(ready.iter().all(|p| matches!(p, Poll::Ready(Err(_)))));
                    } else {
                        assert!(woken >= 1, "a commit woke no parked consumer");
                        assert_eq!(items, 1, "one item, one receive: {ready:?}");
                    }
                }
            }
        }
    };
}

/// The async suite for the four core families, each in a module of its
/// name with the given imports (the extension traits): `conformance_async!`
/// for all, `conformance_async_clone_consumer!` where consumers clone
/// (SPMC, MPMC).
///
/// Use: `ringmpsc_testkit::conformance_async_families!(use ringmpsc::prelude::*;
/// spsc: ringmpsc::spsc, mpsc: ringmpsc::mpsc, spmc: ringmpsc::spmc, mpmc: ringmpsc::mpmc);`
#[macro_export]
macro_rules! conformance_async_families {
    // First: an `item` fragment does not backtrack, so the public arm
    // below must not see an `@family` call.
    (@family $name:ident, $use:item, $f:path $(, $suite:ident)*) => {
        mod $name {
            $use
            $crate::conformance_async!($f);
            $($crate::$suite!($f);)*
        }
    };
    ($use:item spsc: $spsc:path, mpsc: $mpsc:path, spmc: $spmc:path, mpmc: $mpmc:path $(,)?) => {
        $crate::conformance_async_families!(@family spsc, $use, $spsc);
        $crate::conformance_async_families!(@family mpsc, $use, $mpsc);
        $crate::conformance_async_families!(@family spmc, $use, $spmc, conformance_async_clone_consumer);
        $crate::conformance_async_families!(@family mpmc, $use, $mpmc, conformance_async_clone_consumer);
    };
}
