//! The conformance suite of the broadcast family: the properties every
//! family passes (std-like semantics, close by every route waking every
//! waiter on both sides, exactly-once drops on every path, panics that lose
//! and wedge nothing), with broadcast's own expectations: every subscriber
//! receives every item, in order, under `Block`, and that minus exactly the
//! counted `Lagged` gaps under `Overwrite`.

/// The broadcast suite over the family module `$f` (`$f::channel(config,
/// overflow)`, `$f::Builder`, `$f::Overflow`, the broadcast error enums),
/// for both overflow policies where both apply.
///
/// Use: `ringmpsc_testkit::conformance_broadcast!(ringmpsc::broadcast);`.
#[macro_export]
macro_rules! conformance_broadcast {
    ($f:path) => {
        $crate::__suite_prelude!($f);
        use family::{Overflow, RecvError, RecvTimeoutError, TryRecvError};
        use std::sync::atomic::AtomicBool;
        use $crate::{Counted, PanicOnClone, scale};

        const MODES: [Overflow; 2] = [Overflow::Block, Overflow::Overwrite];

        $crate::__drop_counter!();

        /// Receives with `recv` until `Closed`, checking that every item
        /// (the values are their positions) arrives in order and that each
        /// `Lagged(k)` is exactly the gap before the next one; (items
        /// received, items lost).
        fn receive_counting_gaps(rx: &mut family::Subscriber<u64>) -> (u64, u64) {
            let (mut next, mut got, mut lost) = (0u64, 0u64, 0u64);
            loop {
                match rx.recv() {
                    Ok(v) => {
                        assert_eq!(v, next, "out of order, or a gap not reported");
                        next += 1;
                        got += 1;
                    }
                    Err(RecvError::Lagged(k)) => {
                        assert!(k > 0, "an empty lag report");
                        next += k;
                        lost += k;
                    }
                    Err(RecvError::Closed) => return (got, lost),
                }
            }
        }

        // ---------------------------------------- every item, every subscriber ---

        /// One publisher, three subscribers on their own threads receiving
        /// with `recv` until `Closed`: what each received and lost.
        fn fan_out(mode: Overflow, bits: u32) -> Vec<(u64, u64)> {
            let total = scale(20_000, 300) as u64;
            let (mut tx, rx) = family::channel::<u64>(small(bits), mode);
            let hs: Vec<_> = (0..3)
                .map(|_| {
                    let mut rx = rx.clone();
                    thread::spawn(move || receive_counting_gaps(&mut rx))
                })
                .collect();
            drop(rx);
            for i in 0..total {
                // An Overwrite publisher never waits: `send` is `try_send`.
                tx.send(i).unwrap();
            }
            drop(tx);
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        }

        #[test]
        fn every_subscriber_sees_every_item_in_order_under_block() {
            watchdog(60, || {
                for (got, lost) in fan_out(Overflow::Block, 3) {
                    assert_eq!((got, lost), (scale(20_000, 300) as u64, 0));
                }
            });
        }

        #[test]
        fn under_overwrite_subscribers_see_every_item_minus_exactly_the_counted_gaps() {
            watchdog(60, || {
                for (got, lost) in fan_out(Overflow::Overwrite, 2) {
                    assert_eq!(got + lost, scale(20_000, 300) as u64);
                }
            });
        }

        #[test]
        fn clones_start_at_their_source_and_subscribe_at_the_tail() {
            for mode in MODES {
                let (mut tx, mut a) = family::channel::<u64>(small(3), mode);
                tx.try_send(1).unwrap();
                tx.try_send(2).unwrap();
                assert_eq!(a.try_recv(), Ok(1));
                let mut b = a.clone();
                let mut c = tx.subscribe();
                tx.try_send(3).unwrap();
                assert_eq!(a.try_iter().collect::<Vec<_>>(), [2, 3]);
                assert_eq!(b.try_iter().collect::<Vec<_>>(), [2, 3]);
                assert_eq!(c.try_iter().collect::<Vec<_>>(), [3]);
                assert_eq!(tx.subscriber_count(), 3);
                drop(b);
                assert_eq!((tx.subscriber_count(), c.subscriber_count()), (2, 2));
            }
        }

        #[test]
        fn overwrite_reports_the_exact_gap_and_resumes_at_the_oldest_retained() {
            let (mut tx, mut rx) = family::channel::<u64>(small(2), Overflow::Overwrite);
            for i in 0..10 {
                tx.try_send(i).unwrap();
            }
            assert_eq!(rx.len(), 4);
            assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(6)));
            assert_eq!(rx.try_iter().collect::<Vec<_>>(), [6, 7, 8, 9]);
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            assert_eq!(rx.lagged(), 6);
        }

        #[test]
        fn blocking_receives_report_a_lag_at_once_and_iterators_skip_it() {
            let (mut tx, mut rx) = family::channel::<u64>(small(1), Overflow::Overwrite);
            let send = |tx: &mut family::Publisher<u64>, r: std::ops::Range<u64>| {
                r.for_each(|i| tx.try_send(i).unwrap())
            };
            send(&mut tx, 0..5);
            assert_eq!(rx.recv(), Err(RecvError::Lagged(3)));
            assert_eq!(rx.recv(), Ok(3));
            send(&mut tx, 5..8);
            assert_eq!(
                rx.recv_timeout(Duration::from_secs(5)),
                Err(RecvTimeoutError::Lagged(2))
            );
            assert_eq!(rx.recv_with(WaitStrategy::Yielding), Ok(6));
            send(&mut tx, 8..11);
            drop(tx);
            assert_eq!(rx.iter().collect::<Vec<_>>(), [9, 10]);
            assert_eq!(rx.lagged(), 3 + 2 + 2);
            assert_eq!(rx.recv(), Err(RecvError::Closed));
        }

        #[test]
        fn queries_agree_with_what_one_thread_observes() {
            let (mut tx, mut rx) = family::channel::<u64>(small(2), Overflow::Block);
            assert_eq!((tx.capacity(), rx.capacity()), (4, 4));
            assert!(tx.is_empty() && rx.is_empty() && !tx.is_full());
            assert_eq!((tx.len(), rx.len(), tx.available()), (0, 0, 4));
            for i in 0..4 {
                tx.try_send(i).unwrap();
            }
            assert!(tx.is_full() && !rx.is_empty());
            assert_eq!(tx.try_send(4), Err(TrySendError::Full(4)));
            assert_eq!((tx.len(), rx.len(), tx.available()), (4, 4, 0));
            assert_eq!(rx.try_recv(), Ok(0));
            assert_eq!((tx.len(), rx.len()), (3, 3));
            assert!(!tx.is_full());
            let (mut tx, rx) = family::channel::<u64>(small(2), Overflow::Overwrite);
            for i in 0..6 {
                tx.try_send(i).unwrap();
            }
            assert!(!tx.is_full() && !rx.is_empty());
            assert_eq!((tx.len(), rx.len(), tx.available()), (4, 4, 4));
            assert_eq!(
                (tx.overflow(), rx.overflow()),
                (Overflow::Overwrite, Overflow::Overwrite)
            );
        }

        #[test]
        fn impossible_configurations_and_bounds_are_typed_errors() {
            let big = Config::default().with_ring_bits($crate::ring_core::MAX_RING_BITS);
            assert!(matches!(
                family::Builder::new(big).build::<[u8; 1 << 40]>(),
                Err($crate::ring_core::BuildError::CapacityOverflow { .. })
            ));
            let (tx, rx) = family::channel::<u64>(small(1).with_max_consumers(2), Overflow::Block);
            let _b = rx.try_clone().unwrap();
            assert_eq!(rx.try_clone().unwrap_err().max(), 2);
            assert_eq!(tx.try_subscribe().unwrap_err().max(), 2);
        }

        // ------------------------------------------------------- closing ---

        #[test]
        fn send_after_the_last_subscriber_is_gone_gives_the_value_back() {
            for mode in MODES {
                let (mut tx, rx) = family::channel::<u64>(small(2), mode);
                drop(rx);
                $crate::__assert_sends_closed!(tx);
            }
        }

        /// A publisher and two subscribers on a ring of four slots, 1 sent.
        fn two_subscribers_holding_1(
            mode: Overflow,
        ) -> (
            family::Publisher<u64>,
            family::Subscriber<u64>,
            family::Subscriber<u64>,
        ) {
            let (mut tx, a) = family::channel::<u64>(small(2), mode);
            let b = a.clone();
            tx.try_send(1).unwrap();
            (tx, a, b)
        }

        #[test]
        fn every_subscriber_drains_after_the_publisher_goes_then_sees_closed() {
            for mode in MODES {
                let (mut tx, mut a, mut b) = two_subscribers_holding_1(mode);
                tx.try_send(2).unwrap();
                drop(tx);
                for rx in [&mut a, &mut b] {
                    assert!(rx.is_closed());
                    assert_eq!(rx.recv(), Ok(1));
                    assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(2));
                    assert_eq!(rx.recv(), Err(RecvError::Closed));
                    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
                    assert_eq!(
                        rx.recv_with(WaitStrategy::Yielding),
                        Err(RecvTimeoutError::Closed)
                    );
                }
            }
        }

        #[test]
        fn a_subscribers_close_keeps_what_was_committed_for_every_subscriber() {
            for mode in MODES {
                let (mut tx, mut a, mut b) = two_subscribers_holding_1(mode);
                a.close();
                a.close(); // idempotent
                assert!(tx.is_closed() && b.is_closed());
                assert_eq!(tx.try_send(2), Err(TrySendError::Closed(2)));
                for rx in [&mut a, &mut b] {
                    assert_eq!(rx.try_recv(), Ok(1));
                    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
                }
            }
        }

        /// Two subscribers blocked in `recv` and in a `Sleeping` wait, ended
        /// by `close` (given the publisher, a third subscriber and a
        /// `Closer`).
        fn blocked_receives_end(
            mode: Overflow,
            close: impl FnOnce(
                &mut Option<family::Publisher<u64>>,
                &mut family::Subscriber<u64>,
                $crate::ring_core::wait::Closer,
            ) + Send
            + 'static,
        ) {
            watchdog(20, move || {
                let (tx, mut rx) = family::channel::<u64>(small(2), mode);
                let closer = rx.closer();
                let (mut r1, mut r2) = (rx.clone(), rx.clone());
                let h1 = thread::spawn(move || r1.recv() == Err(RecvError::Closed));
                let h2 = thread::spawn(move || {
                    let long = WaitStrategy::Sleeping(Duration::from_secs(3600));
                    r2.recv_with(long) == Err(RecvTimeoutError::Closed)
                });
                let_it_block();
                let mut tx = Some(tx); // stays alive unless the route drops it
                close(&mut tx, &mut rx, closer);
                assert!(h1.join().unwrap(), "a blocked recv did not end with Closed");
                assert!(
                    h2.join().unwrap(),
                    "a sleeping recv_with did not end with Closed"
                );
            });
        }

        #[test]
        fn every_close_route_wakes_every_blocked_receive() {
            for mode in MODES {
                blocked_receives_end(mode, |tx, _, _| tx.as_mut().unwrap().close());
                blocked_receives_end(mode, |tx, _, _| *tx = None);
                blocked_receives_end(mode, |_, rx, _| rx.close());
                blocked_receives_end(mode, |_, _, closer| closer.close());
            }
        }

        /// A publisher blocked on a full `Block` ring (a `send`, then a
        /// `Sleeping` send), ended by `close` (given the one subscriber).
        fn blocked_sends_end(
            close: impl FnOnce(&mut Option<family::Subscriber<u64>>) + Send + 'static,
        ) {
            watchdog(20, move || {
                let (mut tx, rx) = family::channel::<u64>(small(1), Overflow::Block);
                tx.try_send(1).unwrap();
                tx.try_send(2).unwrap();
                let h = thread::spawn(move || {
                    let r = tx.send(3).map_err(|e| e.into_inner());
                    let long = WaitStrategy::Sleeping(Duration::from_secs(3600));
                    (r, tx.send_with(4, long))
                });
                let_it_block();
                let mut rx = Some(rx); // stays alive unless the route drops it
                close(&mut rx);
                let (r, slept) = h.join().unwrap();
                assert_eq!(r, Err(3));
                assert_eq!(slept, Err(SendTimeoutError::Closed(4)));
            });
        }

        #[test]
        fn every_close_route_wakes_a_blocked_publisher() {
            blocked_sends_end(|rx| rx.as_mut().unwrap().close());
            blocked_sends_end(|rx| *rx = None);
            blocked_sends_end(|rx| rx.as_ref().unwrap().closer().close());
        }

        #[test]
        fn one_commit_wakes_every_sleeping_subscriber() {
            for mode in MODES {
                watchdog(20, move || {
                    let (mut tx, rx) = family::channel::<u64>(small(2), mode);
                    let hs: Vec<_> = (0..3)
                        .map(|_| {
                            let mut rx = rx.clone();
                            thread::spawn(move || rx.recv())
                        })
                        .collect();
                    let_it_block();
                    tx.send(7).unwrap();
                    for h in hs {
                        assert_eq!(h.join().unwrap(), Ok(7));
                    }
                });
            }
        }

        /// Under `Block`, a publisher waiting for the slowest subscriber
        /// wakes as soon as it reads, or as soon as it leaves (a dropped
        /// subscriber stops gating at once).
        #[test]
        fn a_blocked_publisher_wakes_when_the_slowest_reads_or_leaves() {
            for leave in [false, true] {
                watchdog(20, move || {
                    let (mut tx, slow) = family::channel::<u64>(small(1), Overflow::Block);
                    let mut fast = slow.clone();
                    tx.try_send(1).unwrap();
                    tx.try_send(2).unwrap();
                    assert_eq!(fast.try_iter().count(), 2);
                    assert!(tx.is_full(), "the slow subscriber gates");
                    let h = thread::spawn(move || (tx.send(3), tx));
                    let_it_block();
                    let mut slow = Some(slow);
                    if leave {
                        slow = None;
                    } else {
                        assert_eq!(slow.as_mut().unwrap().recv(), Ok(1));
                    }
                    let (sent, _tx) = h.join().unwrap();
                    assert_eq!(sent, Ok(()));
                    assert_eq!(fast.recv(), Ok(3));
                    drop(slow);
                });
            }
        }

        /// An armed subscriber's notifier is signalled by a commit, and by
        /// every close route.
        #[test]
        fn commits_and_every_close_route_signal_an_armed_notifier() {
            type Route = fn(&mut Option<family::Publisher<u64>>, &mut family::Subscriber<u64>);
            let routes: [Route; 4] = [
                |tx, _| tx.as_mut().unwrap().close(),
                |tx, _| *tx = None,
                |_, other| other.close(),
                |_, other| other.closer().close(),
            ];
            for mode in MODES {
                for close in routes {
                    let (tx, mut rx) = family::channel::<u64>(small(2), mode);
                    let mut other = rx.clone();
                    let n = CountingNotify::default();
                    rx.set_notifier(Some(n.clone()));
                    assert!(!rx.arm(), "nothing waiting: the event loop may sleep");
                    let mut tx = Some(tx);
                    tx.as_mut().unwrap().try_send(1).unwrap();
                    assert_eq!(n.count(), 1, "the commit did not signal the armed notifier");
                    assert!(rx.arm(), "an item waits: do not sleep");
                    assert_eq!(rx.try_recv(), Ok(1));
                    assert!(!rx.arm());
                    close(&mut tx, &mut other);
                    assert!(
                        n.count() >= 2,
                        "the close did not signal the armed notifier"
                    );
                    assert!(rx.is_closed() && rx.arm());
                    rx.disarm();
                }
            }
        }

        // -------------------------------------------------- exactly once ---

        #[test]
        fn every_value_is_dropped_once_when_every_handle_goes() {
            for mode in MODES {
                for publisher_first in [false, true] {
                    let d = drops();
                    let (mut tx, mut a) = family::channel::<Counted>(small(2), mode);
                    let b = a.clone();
                    // Block: a full ring; Overwrite: three values overwritten.
                    let sent = if mode == Overflow::Block { 4 } else { 7 };
                    for i in 0..sent {
                        tx.try_send(counted(i, &d)).unwrap();
                    }
                    let received = a.try_iter().take(2).count(); // clones, dropped here
                    if publisher_first {
                        drop(tx);
                        drop((a, b));
                    } else {
                        drop((a, b));
                        drop(tx);
                    }
                    assert_eq!(
                        n(&d),
                        sent as usize + received,
                        "{mode:?}, publisher first: {publisher_first}"
                    );
                }
            }
        }

        #[test]
        fn the_publisher_drops_what_it_retains_once_the_last_subscriber_is_gone() {
            for mode in MODES {
                let d = drops();
                let (mut tx, rx) = family::channel::<Counted>(small(2), mode);
                for i in 0..3 {
                    tx.try_send(counted(i, &d)).unwrap();
                }
                drop(rx);
                let back = tx.try_send(counted(9, &d)).unwrap_err().into_inner();
                assert_eq!(back.id, 9, "the refused value comes back");
                assert_eq!(
                    n(&d),
                    3,
                    "the retained values go at the publisher's next send"
                );
                drop(back);
                drop(tx);
                assert_eq!(n(&d), 4, "nothing twice");
            }
        }

        #[test]
        fn a_panicking_drop_stops_no_other_drop() {
            for mode in MODES {
                for publisher_first in [false, true] {
                    let d = drops();
                    let (mut tx, rx) = family::Builder::new(small(3))
                        .options(mode)
                        .build::<PanicOnDrop>()
                        .unwrap();
                    for item in $crate::five_with_a_panicking_drop(&d) {
                        assert!(tx.try_send(item).is_ok());
                    }
                    let panicked = $crate::drop_both_catching(tx, rx, publisher_first);
                    assert!(panicked, "the panic reaches the dropping thread");
                    assert_eq!(n(&d), 5, "{mode:?}, publisher first: {publisher_first}");
                }
            }
            // The publisher reusing a slot whose old value panics in `drop`:
            // the new value is published all the same.
            let d = drops();
            let (mut tx, rx) = family::Builder::new(small(1))
                .options(Overflow::Overwrite)
                .build::<PanicOnDrop>()
                .unwrap();
            let item = |i, panics| PanicOnDrop {
                item: counted(i, &d),
                panics,
            };
            tx.try_send(item(0, true)).unwrap();
            tx.try_send(item(1, false)).unwrap();
            let r = catch_unwind(AssertUnwindSafe(|| tx.try_send(item(2, false))));
            assert!(r.is_err(), "the panic reaches the publisher");
            assert_eq!(
                (n(&d), rx.len()),
                (1, 2),
                "value 0 dropped, 1 and 2 retained"
            );
            tx.try_send(item(3, false)).unwrap();
            drop((tx, rx));
            assert_eq!(n(&d), 4);
        }

        #[test]
        fn a_panicking_clone_loses_and_wedges_nothing() {
            for mode in MODES {
                let d = drops();
                let flag = Arc::new(AtomicBool::new(false));
                let item = |i| PanicOnClone {
                    item: counted(i, &d),
                    panic_next: flag.clone(),
                };
                let (mut tx, mut rx) = family::channel::<PanicOnClone>(small(1), mode);
                tx.try_send(item(0)).unwrap();
                tx.try_send(item(1)).unwrap();
                flag.store(true, Ordering::SeqCst);
                assert!(catch_unwind(AssertUnwindSafe(|| rx.try_recv())).is_err());
                let got: Vec<u64> = rx.try_iter().map(|x| x.item.id).collect();
                assert_eq!(got, [0, 1], "{mode:?}: the panicked receive lost its item");
                // No slot is still held by the receive that panicked.
                tx.try_send(item(2)).unwrap();
                tx.try_send(item(3)).unwrap();
                drop((tx, rx));
                assert_eq!(n(&d), 4 + 2, "{mode:?}: four values and two clones");
            }
        }

        #[test]
        fn a_panicking_observer_hook_loses_and_wedges_nothing() {
            for mode in MODES {
                let d = drops();
                let obs = PanicOnce::default();
                let (mut tx, mut rx) = family::Builder::new(small(1))
                    .options(mode)
                    .observer(obs.clone())
                    .build::<Counted>()
                    .unwrap();
                tx.try_send(counted(0, &d)).unwrap();
                tx.try_send(counted(1, &d)).unwrap();
                assert!(obs.arm_and_catch(|| rx.try_recv()).is_err());
                let got: Vec<u64> = rx.try_iter().map(|x| x.id).collect();
                assert_eq!(got, [0, 1], "{mode:?}: the panicked receive lost its item");
                tx.try_send(counted(2, &d)).unwrap();
                tx.try_send(counted(3, &d)).unwrap();
                drop((tx, rx));
                assert_eq!(n(&d), 4 + 2, "{mode:?}: four values and two clones");
            }
        }
    };
}
