//! The conformance suite: behavioural tests every channel family passes,
//! written once. Each macro expands to `#[test]` functions over the family
//! module it is given (`$f::channel`, `$f::Builder`), calling its methods by
//! name as a user would.

/// The imports every suite macro starts with (`family` is the family
/// module under test).
#[doc(hidden)]
#[macro_export]
macro_rules! __suite_prelude {
    ($f:path) => {
        #[allow(unused_imports)]
        use std::panic::{AssertUnwindSafe, catch_unwind};
        #[allow(unused_imports)]
        use std::sync::Arc;
        #[allow(unused_imports)]
        use std::sync::atomic::{AtomicUsize, Ordering};
        #[allow(unused_imports)]
        use std::thread;
        #[allow(unused_imports)]
        use std::time::Duration;
        #[allow(unused_imports)]
        use $crate::ring_core::{Config, SendTimeoutError, TrySendError, WaitStrategy};
        #[allow(unused_imports)]
        use $crate::{
            CountingNotify, PanicOnDrop, PanicOnce, counted, let_it_block, small, watchdog,
        };
        #[allow(unused_imports)]
        use $f as family;
    };
}

/// The drop counter every suite's counted items share: `drops()` makes
/// one, `n(&d)` reads it.
#[doc(hidden)]
#[macro_export]
macro_rules! __drop_counter {
    () => {
        fn drops() -> ::std::sync::Arc<::std::sync::atomic::AtomicUsize> {
            ::std::sync::Arc::new(::std::sync::atomic::AtomicUsize::new(0))
        }

        fn n(d: &::std::sync::Arc<::std::sync::atomic::AtomicUsize>) -> usize {
            d.load(::std::sync::atomic::Ordering::SeqCst)
        }
    };
}

/// A [`PanicOnce`](crate::PanicOnce) observer and the ends of counted
/// items that `family::Builder` builds with it, rings of `small(2)`. For the
/// suites' own use (`family` in scope).
#[doc(hidden)]
#[macro_export]
macro_rules! __panic_once_ends {
    () => {{
        let obs = $crate::PanicOnce::default();
        let ends = family::Builder::new($crate::small(2))
            .observer(obs.clone())
            .build::<$crate::Counted>()
            .unwrap();
        (obs, ends)
    }};
}

/// Every send of the producer `$tx` (`try_send`, `send`, `send_timeout`,
/// `send_with`) reports `Closed` and gives the value back.
#[doc(hidden)]
#[macro_export]
macro_rules! __assert_sends_closed {
    ($tx:ident) => {
        assert!($tx.is_closed());
        assert_eq!(
            $tx.try_send(1),
            Err($crate::ring_core::TrySendError::Closed(1))
        );
        assert_eq!($tx.send(2).unwrap_err().into_inner(), 2);
        assert_eq!(
            $tx.send_timeout(3, std::time::Duration::from_millis(1)),
            Err($crate::ring_core::SendTimeoutError::Closed(3))
        );
        assert_eq!(
            $tx.send_with(4, $crate::ring_core::WaitStrategy::BusySpin),
            Err($crate::ring_core::SendTimeoutError::Closed(4))
        );
    };
}

/// The tests every family passes: std-like semantics, close by every route
/// waking every blocked call on both sides and an armed notifier, blocking
/// strategies returning promptly on close, and exactly-once drops on every
/// path, including panicking `T::drop`, handlers and observer hooks.
///
/// Use: `mod spsc { ringmpsc_testkit::conformance_core!(ringmpsc::spsc); }`.
#[macro_export]
macro_rules! conformance_core {
    ($f:path) => {
        $crate::__suite_prelude!($f);
        #[allow(unused_imports)]
        use $crate::ring_core::{RecvError, RecvTimeoutError, TryRecvError};

        fn pair(config: Config) -> (family::Producer<u64>, family::Consumer<u64>) {
            family::channel(config)
        }
        $crate::conformance_basic!(pair);

        $crate::__drop_counter!();

        /// A channel of 8 slots holding `items` counted items (ids from 0),
        /// with their drop counter.
        fn holding(
            items: u64,
        ) -> (
            Arc<AtomicUsize>,
            family::Producer<$crate::Counted>,
            family::Consumer<$crate::Counted>,
        ) {
            let d = drops();
            let (mut tx, rx) = family::channel(small(3));
            for i in 0..items {
                tx.try_send(counted(i, &d)).unwrap();
            }
            (d, tx, rx)
        }

        // ------------------------------------------------- std semantics ---

        #[test]
        fn iterators_end_at_close() {
            let (mut tx, mut rx) = family::channel::<u64>(small(3));
            for i in 0..3 {
                tx.try_send(i).unwrap();
            }
            assert_eq!(rx.try_iter().next(), Some(0));
            drop(tx);
            assert_eq!(rx.iter().collect::<Vec<_>>(), [1, 2]);
            assert_eq!(rx.try_iter().next(), None);
            let (mut tx, rx) = family::channel::<u64>(small(3));
            tx.try_send(9).unwrap();
            drop(tx);
            assert_eq!(rx.into_iter().collect::<Vec<_>>(), [9]);
        }

        #[test]
        fn queries_agree_with_what_one_thread_observes() {
            let (mut tx, mut rx) = family::channel::<u64>(small(2));
            assert_eq!(tx.capacity(), 4);
            assert!(rx.capacity() >= 4);
            assert!(tx.is_empty() && rx.is_empty() && !tx.is_full());
            assert_eq!((tx.len(), rx.len(), tx.available()), (0, 0, 4));
            for i in 0..4 {
                tx.try_send(i).unwrap();
            }
            assert!(tx.is_full());
            assert_eq!(tx.try_send(4), Err(TrySendError::Full(4)));
            assert_eq!((tx.len(), rx.len(), tx.available()), (4, 4, 0));
            assert!(!rx.is_empty());
            assert_eq!(rx.try_recv(), Ok(0));
            assert_eq!((tx.len(), rx.len()), (3, 3));
            assert!(!tx.is_full());
            assert_eq!(rx.skip(1), 1);
            assert_eq!(rx.consume_count(), 2);
            assert!(rx.is_empty());
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        }

        #[test]
        fn impossible_configurations_are_typed_errors() {
            $crate::assert_impossible_configs_refused();
            let big = Config::default().with_ring_bits($crate::ring_core::MAX_RING_BITS);
            assert!(matches!(
                family::Builder::new(big).build::<[u8; 1 << 40]>(),
                Err($crate::ring_core::BuildError::CapacityOverflow { .. })
            ));
        }

        // ------------------------------------------ close wakes everyone ---

        /// A receive blocked on an empty channel, ended by `close`.
        fn blocked_recv_ends(
            close: impl FnOnce(&mut Option<family::Producer<u64>>, $crate::ring_core::wait::Closer)
            + Send
            + 'static,
        ) {
            watchdog(20, move || {
                let (tx, mut rx) = family::channel::<u64>(small(2));
                let closer = rx.closer();
                let h = thread::spawn(move || rx.recv());
                let_it_block();
                // The producer stays alive unless the route drops it.
                let mut tx = Some(tx);
                close(&mut tx, closer);
                assert_eq!(h.join().unwrap(), Err(RecvError));
            });
        }

        #[test]
        fn a_closer_wakes_a_blocked_recv() {
            blocked_recv_ends(|_, closer| closer.close());
        }

        /// `call` on its own thread, blocked on a full ring (two items in a
        /// ring of two), ended by `close`; what `call` returned.
        fn blocked_on_a_full_ring<R: Send + 'static>(
            call: impl FnOnce(&mut family::Producer<u64>) -> R + Send + 'static,
            close: impl FnOnce(&mut Option<family::Consumer<u64>>),
        ) -> R {
            let (mut tx, rx) = family::channel::<u64>(small(1));
            tx.try_send(1).unwrap();
            tx.try_send(2).unwrap();
            let h = thread::spawn(move || call(&mut tx));
            let_it_block();
            // The consumer stays alive unless the route drops it.
            let mut rx = Some(rx);
            close(&mut rx);
            let r = h.join().unwrap();
            drop(rx);
            r
        }

        /// A send and a `reserve_with` blocked on a full ring, ended by `close`.
        fn blocked_send_ends(
            close: impl FnOnce(&mut Option<family::Consumer<u64>>) + Send + 'static,
        ) {
            watchdog(20, move || {
                let (r, reserve_closed, sleep_closed) = blocked_on_a_full_ring(
                    |tx| {
                        let r = tx.send(3).map_err(|e| e.into_inner());
                        let reserve_closed = tx.reserve_with(1, WaitStrategy::Blocking).is_err();
                        let sleep_closed =
                            tx.send_with(4, WaitStrategy::Sleeping(Duration::from_secs(3600)));
                        (r, reserve_closed, sleep_closed)
                    },
                    close,
                );
                assert_eq!(r, Err(3));
                assert!(reserve_closed);
                assert_eq!(sleep_closed, Err(SendTimeoutError::Closed(4)));
            });
        }

        #[test]
        fn a_closer_wakes_a_blocked_send() {
            blocked_send_ends(|rx| rx.as_ref().unwrap().closer().close());
        }

        /// A `reserve_with` already blocked on a full ring when a `Closer`
        /// closes the channel returns `Closed`.
        #[test]
        fn a_closer_wakes_a_blocked_reserve() {
            watchdog(20, move || {
                let closed = blocked_on_a_full_ring(
                    |tx| tx.reserve_with(1, WaitStrategy::Blocking).is_err(),
                    |rx| rx.as_ref().unwrap().closer().close(),
                );
                assert!(closed, "the blocked reserve_with did not report Closed");
            });
        }

        /// An armed consumer's notifier is signalled by `close`.
        $crate::armed_notifier_fn!(family::Producer<u64>, family::Consumer<u64>);

        #[test]
        fn a_closer_signals_an_armed_notifier() {
            armed_notifier_signalled(|_, rx| rx.closer().close());
        }

        #[test]
        fn the_producers_close_signals_an_armed_notifier() {
            armed_notifier_signalled(|tx, _| tx.as_mut().unwrap().close());
        }

        #[test]
        fn the_last_producers_drop_signals_an_armed_notifier() {
            armed_notifier_signalled(|tx, _| *tx = None);
        }

        // ----------------------------------------------- exactly once ---

        #[test]
        fn unreceived_items_go_when_the_last_consumer_goes() {
            let (d, mut tx, rx) = holding(3);
            drop(rx);
            assert_eq!(
                n(&d),
                3,
                "dropped with the consumer, while a producer lives"
            );
            $crate::assert_handed_back(&d, |v| tx.try_send(v).unwrap_err().into_inner());
            drop(tx);
            assert_eq!(n(&d), 4);
        }

        #[test]
        fn items_go_exactly_once_when_every_handle_goes() {
            let (d, tx, rx) = holding(5);
            drop(tx);
            drop(rx);
            assert_eq!(n(&d), 5);
        }

        #[test]
        fn a_panicking_drop_in_the_ring_stops_no_other_drop() {
            $crate::check_a_panicking_drop_stops_no_other(
                || family::channel(small(3)),
                |tx, item| tx.try_send(item).is_ok(),
            );
        }

        #[test]
        fn a_panicking_handler_loses_and_duplicates_nothing() {
            let (d, mut tx, mut rx) = holding(6);
            let mut seen = Vec::new();
            let r = catch_unwind(AssertUnwindSafe(|| {
                rx.consume_batch(|x: &$crate::Counted| {
                    seen.push(x.id);
                    if x.id == 2 {
                        panic!("handler");
                    }
                })
            }));
            assert!(r.is_err());
            // Whatever the handler did not see is still there or was dropped once.
            let rest: Vec<u64> = rx.try_iter().map(|x| x.id).collect();
            let mut all: Vec<u64> = seen.iter().copied().chain(rest.iter().copied()).collect();
            all.sort_unstable();
            all.dedup();
            assert_eq!(all.len(), seen.len() + rest.len(), "an item seen twice");
            drop((tx, rx));
            assert_eq!(n(&d), 6, "every item dropped exactly once");
        }

        #[test]
        fn a_panicking_observer_hook_wedges_nothing() {
            let d = drops();
            let (obs, (mut tx, mut rx)) = $crate::__panic_once_ends!();
            let mut sent = 0;
            for i in 0..4 {
                tx.try_send(counted(i, &d)).unwrap();
                sent += 1;
            }
            let _ = obs.arm_and_catch(|| rx.try_recv());
            let got = rx.try_iter().count();
            assert!(got <= 4);
            // The ring is usable again: every slot can be filled.
            for i in 0..4 {
                assert!(
                    tx.try_send(counted(10 + i, &d)).is_ok(),
                    "slot {i} still claimed"
                );
                sent += 1;
            }
            drop((tx, rx));
            assert_eq!(n(&d), sent, "every item dropped exactly once");
        }
    };
}

/// The zero-copy read paths of the single-consumer families (SPSC, MPSC):
/// `readable`/`advance`, `peek`, `peek_many`.
#[macro_export]
macro_rules! conformance_single_consumer {
    ($f:path) => {
        #[test]
        fn zero_copy_reads_see_items_and_drop_what_they_pass() {
            use $f as family;
            let d = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let (mut tx, mut rx) = family::channel($crate::small(3));
            for i in 0..3 {
                tx.try_send($crate::counted(i, &d)).unwrap();
            }
            assert_eq!(rx.peek().map(|x| x.id), Some(0));
            assert_eq!(rx.peek_many(2).len(), 2);
            let run = rx.readable().map_or(0, |r| r.len());
            assert_eq!(run, 3);
            rx.advance(2);
            assert_eq!(d.load(std::sync::atomic::Ordering::SeqCst), 2);
            assert_eq!(rx.peek().map(|x| x.id), Some(2));
            drop((tx, rx));
            assert_eq!(d.load(std::sync::atomic::Ordering::SeqCst), 3);
        }
    };
}

/// Families whose producers clone (MPSC, MPMC): clones keep the channel
/// open; a producer registered after the consumer last looked is seen by
/// every read path; another producer's close wakes a blocked send.
/// `single_consumer` adds the zero-copy read paths.
#[macro_export]
macro_rules! conformance_clone_producer {
    ($f:path) => {
        $crate::conformance_clone_producer!(@common $f);
    };
    ($f:path, single_consumer) => {
        $crate::conformance_clone_producer!(@common $f);

        #[test]
        fn zero_copy_reads_see_a_late_producer() {
            use clone_producer_kit::late;
            use $crate::ring_core::TryRecvError;
            let (_a, _b, mut rx) = late();
            assert_eq!(rx.readable(), Some(&[7][..]));
            rx.advance(1);
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            let (_a, _b, rx) = late();
            assert_eq!(rx.peek(), Some(&7));
            let (_a, _b, rx) = late();
            assert_eq!(rx.peek_many(5), &[7]);
        }
    };
    (@common $f:path) => {
        /// What the tests below share.
        mod clone_producer_kit {
            use $f as family;

            /// A channel whose consumer looked before a clone of the
            /// producer sent 7: the original producer, the clone, the
            /// consumer.
            pub(super) fn late() -> (
                family::Producer<u64>,
                family::Producer<u64>,
                family::Consumer<u64>,
            ) {
                use $crate::ring_core::TryRecvError;
                let (tx, mut rx) = family::channel::<u64>($crate::small(2));
                assert_eq!(rx.try_recv(), Err(TryRecvError::Empty)); // the consumer looked
                let mut tx2 = tx.clone();
                tx2.try_send(7).unwrap();
                (tx, tx2, rx)
            }

            /// `call` on its own thread, blocked on a full ring, ended by
            /// another producer's close; what `call` returned.
            pub(super) fn ended_by_another_producers_close<R: Send + 'static>(
                call: impl FnOnce(&mut family::Producer<u64>) -> R + Send + 'static,
            ) -> R {
                $crate::watchdog(20, || {
                    let (mut tx, _rx) = family::channel::<u64>($crate::small(1));
                    let mut other = tx.clone();
                    tx.try_send(1).unwrap();
                    tx.try_send(2).unwrap();
                    let h = std::thread::spawn(move || call(&mut tx));
                    $crate::let_it_block();
                    other.close();
                    h.join().unwrap()
                })
            }
        }

        #[test]
        fn clones_keep_the_channel_open_until_the_last_goes() {
            use $f as family;
            let (tx, mut rx) = family::channel::<u64>($crate::small(2));
            let mut tx2 = tx.clone();
            drop(tx);
            assert!(!rx.is_closed());
            tx2.try_send(1).unwrap();
            drop(tx2);
            assert!(rx.is_closed());
            assert_eq!(rx.recv(), Ok(1));
            assert!(rx.recv().is_err());
        }

        #[test]
        fn every_read_path_sees_a_late_producer() {
            use clone_producer_kit::late;
            use std::time::Duration;
            let (_a, _b, mut rx) = late();
            assert_eq!((rx.len(), rx.is_empty()), (1, false));
            assert_eq!(rx.try_recv(), Ok(7));
            let (_a, _b, mut rx) = late();
            assert_eq!(rx.recv(), Ok(7));
            let (_a, _b, mut rx) = late();
            assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(7));
            let (_a, _b, mut rx) = late();
            let mut sum = 0;
            assert_eq!(rx.consume_batch(|x| sum += x), 1);
            assert_eq!(sum, 7);
            let (_a, _b, mut rx) = late();
            assert_eq!(rx.consume_up_to(5, |x| sum += x), 1);
            let (_a, _b, mut rx) = late();
            assert_eq!(
                rx.consume_batch_with(|x| sum += x, $crate::ring_core::WaitStrategy::Blocking),
                Ok(1)
            );
            let (_a, _b, mut rx) = late();
            let mut v = Vec::new();
            assert_eq!(rx.recv_many(&mut v, 5), 1);
            let (_a, _b, mut rx) = late();
            let mut out = [0u64; 4];
            assert_eq!(rx.recv_slice(&mut out), 1);
            let (_a, _b, mut rx) = late();
            assert_eq!(rx.skip(5), 1);
            let (_a, _b, mut rx) = late();
            assert_eq!(rx.consume_count(), 1);
            let (_a, _b, mut rx) = late();
            assert_eq!(rx.try_iter().next(), Some(7));
        }

        #[test]
        fn another_producers_close_wakes_a_blocked_send() {
            let r = clone_producer_kit::ended_by_another_producers_close(|tx| {
                tx.send(3).map_err(|e| e.into_inner())
            });
            assert_eq!(r, Err(3));
        }

        #[test]
        fn another_producers_close_wakes_a_blocked_reserve() {
            let closed = clone_producer_kit::ended_by_another_producers_close(|tx| {
                tx.reserve_with(1, $crate::ring_core::WaitStrategy::Blocking).is_err()
            });
            assert!(closed, "the blocked reserve_with did not report Closed");
        }

        #[test]
        fn a_producer_made_after_the_consumer_is_gone_keeps_no_memory() {
            use $f as family;
            $crate::late_producers_keep_no_memory(
                |heap| {
                    family::Builder::new($crate::small(4))
                        .memory(heap)
                        .build::<u64>()
                        .unwrap()
                },
                |tx| tx.clone().try_send(1).is_err(),
            );
        }
    };
}

/// Families whose consumers clone (SPMC, MPMC): clones keep the channel
/// open; only the last consumer's drop closes it and drops what is left.
#[macro_export]
macro_rules! conformance_clone_consumer {
    ($f:path) => {
        #[test]
        fn consumer_clones_keep_the_channel_open_until_the_last_goes() {
            use $f as family;
            let d = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let (mut tx, rx) = family::channel($crate::small(2));
            let rx2 = rx.clone();
            tx.try_send($crate::counted(1, &d)).unwrap();
            drop(rx);
            assert!(!tx.is_closed());
            assert_eq!(
                d.load(std::sync::atomic::Ordering::SeqCst),
                0,
                "not the last consumer: nothing dropped"
            );
            tx.try_send($crate::counted(2, &d)).unwrap();
            drop(rx2);
            assert!(tx.is_closed());
            assert_eq!(
                d.load(std::sync::atomic::Ordering::SeqCst),
                2,
                "the last consumer drops what is left"
            );
        }

        /// A consumer whose batch wait reports `Closed` while another
        /// consumer's claim is in flight loses nothing: the claimant delivers
        /// what it claimed, and every item is received exactly once.
        #[test]
        fn batch_waits_of_several_consumers_see_every_item_once() {
            use $f as family;
            $crate::watchdog(60, || {
                let total = $crate::scale(20_000, 200) as u64;
                let (mut tx, rx) = family::channel::<u64>($crate::small(4));
                let hs: Vec<_> = (0..2)
                    .map(|_| {
                        let mut rx = rx.clone();
                        std::thread::spawn(move || {
                            let (mut n, mut sum) = (0u64, 0u64);
                            while rx
                                .consume_batch_with(
                                    |x| {
                                        n += 1;
                                        sum += x;
                                    },
                                    $crate::ring_core::WaitStrategy::Blocking,
                                )
                                .is_ok()
                            {}
                            (n, sum)
                        })
                    })
                    .collect();
                drop(rx);
                for i in 0..total {
                    tx.send(i).unwrap();
                }
                drop(tx);
                let (n, sum) = hs
                    .into_iter()
                    .map(|h| h.join().unwrap())
                    .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
                assert_eq!(n, total);
                assert_eq!(sum, total * (total - 1) / 2);
            });
        }

        #[test]
        fn every_parked_consumer_wakes_on_close() {
            use $f as family;
            $crate::watchdog(20, || {
                let (tx, rx) = family::channel::<u64>($crate::small(2));
                let hs: Vec<_> = (0..2)
                    .map(|_| {
                        let mut rx = rx.clone();
                        std::thread::spawn(move || rx.recv())
                    })
                    .collect();
                $crate::let_it_block();
                rx.closer().close();
                for h in hs {
                    assert!(h.join().unwrap().is_err());
                }
                drop(tx);
            });
        }
    };
}

/// The behaviours every pair of handles passes, including ring-shm's
/// (whose items are plain data and whose consumer copies out): std-like
/// semantics, `close` from either side and the last handle's drop waking a
/// blocked call on the other side (also a `Sleeping` strategy), and queries.
/// `$make` is a function `fn(Config) -> (producer, consumer)` of `u64`s.
///
/// Use: `mod shm { ringmpsc_testkit::conformance_basic!(crate::shm_pair); }`.
#[macro_export]
macro_rules! conformance_basic {
    ($make:path) => {
        mod basic {
            #[allow(unused_imports)]
            use super::*;
            use std::thread;
            use std::time::Duration;
            use $crate::ring_core::{
                RecvError, RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError,
                WaitStrategy,
            };
            use $crate::{let_it_block, small, watchdog};

            #[test]
            fn send_after_the_consumer_is_gone_gives_the_value_back() {
                let (mut tx, rx) = $make(small(2));
                drop(rx);
                $crate::__assert_sends_closed!(tx);
                assert!(tx.reserve(1).is_none());
                assert!(tx.reserve_with(1, WaitStrategy::Blocking).is_err());
            }

            #[test]
            fn recv_after_the_producer_is_gone_drains_then_reports_closed() {
                let (mut tx, mut rx) = $make(small(2));
                tx.try_send(1).unwrap();
                tx.try_send(2).unwrap();
                drop(tx);
                assert_eq!(rx.recv(), Ok(1));
                assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(2));
                assert_eq!(rx.recv(), Err(RecvError));
                assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
                assert_eq!(
                    rx.recv_with(WaitStrategy::Yielding),
                    Err(RecvTimeoutError::Closed)
                );
                assert!(rx.is_closed());
            }

            #[test]
            fn close_keeps_what_was_committed() {
                let (mut tx, mut rx) = $make(small(2));
                tx.try_send(1).unwrap();
                rx.close();
                rx.close(); // idempotent
                assert!(tx.is_closed() && rx.is_closed());
                assert_eq!(tx.try_send(2), Err(TrySendError::Closed(2)));
                assert_eq!(rx.try_recv(), Ok(1));
                assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
            }

            #[test]
            fn queries_and_batch_paths_agree_with_one_thread() {
                let (mut tx, mut rx) = $make(small(2));
                assert_eq!((tx.capacity(), rx.capacity()), (4, 4));
                assert!(tx.is_empty() && rx.is_empty() && !tx.is_full());
                assert_eq!(tx.send_slice(&[1, 2, 3, 4, 5]), 4);
                assert!(tx.is_full());
                assert_eq!(tx.try_send(9), Err(TrySendError::Full(9)));
                assert_eq!((tx.len(), rx.len(), tx.available()), (4, 4, 0));
                let mut out = [0u64; 2];
                assert_eq!(rx.recv_slice(&mut out), 2);
                assert_eq!(out, [1, 2]);
                let mut v = Vec::new();
                assert_eq!(rx.recv_many(&mut v, 1), 1);
                assert_eq!(v, [3]);
                let mut sum = 0;
                assert_eq!(rx.consume_batch(|x| sum += x), 1);
                assert_eq!(sum, 4);
                assert!(rx.is_empty());
                assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            }

            #[test]
            fn the_producers_close_or_drop_wakes_a_blocked_recv() {
                for drop_it in [false, true] {
                    watchdog(20, move || {
                        let (tx, mut rx) = $make(small(2));
                        let h = thread::spawn(move || rx.recv());
                        let_it_block();
                        let mut tx = Some(tx);
                        if drop_it {
                            tx = None;
                        } else {
                            tx.as_mut().unwrap().close();
                        }
                        assert_eq!(h.join().unwrap(), Err(RecvError));
                        drop(tx);
                    });
                }
            }

            #[test]
            fn close_wakes_a_sleeping_strategy_at_once() {
                watchdog(20, move || {
                    let (mut tx, mut rx) = $make(small(2));
                    let h = thread::spawn(move || {
                        rx.recv_with(WaitStrategy::Sleeping(Duration::from_secs(3600)))
                    });
                    let_it_block();
                    tx.close();
                    assert_eq!(h.join().unwrap(), Err(RecvTimeoutError::Closed));
                });
            }

            #[test]
            fn the_consumers_close_or_drop_wakes_a_blocked_send() {
                for drop_it in [false, true] {
                    watchdog(20, move || {
                        let (mut tx, rx) = $make(small(1));
                        tx.try_send(1).unwrap();
                        tx.try_send(2).unwrap();
                        let h = thread::spawn(move || {
                            let r = tx.send(3).map_err(|e| e.into_inner());
                            let reserve_closed =
                                tx.reserve_with(1, WaitStrategy::Blocking).is_err();
                            (r, reserve_closed)
                        });
                        let_it_block();
                        let mut rx = Some(rx);
                        if drop_it {
                            rx = None;
                        } else {
                            rx.as_mut().unwrap().close();
                        }
                        let (r, reserve_closed) = h.join().unwrap();
                        assert_eq!(r, Err(3));
                        assert!(reserve_closed);
                        drop(rx);
                    });
                }
            }
        }
    };
}

/// Defines `armed_notifier_signalled(close)` in a suite: a channel of
/// `small(2)` from `family::channel`, its consumer armed with a
/// `CountingNotify`, then `close(&mut Some(producer), &mut consumer)`; the
/// notifier must have been signalled and the consumer closed. For the
/// suites' own use (`family`, `small` and `CountingNotify` in scope).
#[doc(hidden)]
#[macro_export]
macro_rules! armed_notifier_fn {
    ($tx:ty, $rx:ty) => {
        fn armed_notifier_signalled(close: impl FnOnce(&mut Option<$tx>, &mut $rx)) {
            let (tx, mut rx) = family::channel::<u64>(small(2));
            let n = CountingNotify::default();
            rx.set_notifier(Some(n.clone()));
            assert!(!rx.arm(), "nothing waiting: the event loop may sleep");
            let mut tx = Some(tx);
            close(&mut tx, &mut rx);
            assert!(
                n.count() >= 1,
                "the close did not signal the armed notifier"
            );
            assert!(rx.is_closed());
            rx.disarm();
        }
    };
}

/// The synchronous suite for the four core families, each in a module of
/// its name: `conformance_core!` for all; the zero-copy reads where the
/// consumer is single (SPSC, MPSC); the clone suites where producers
/// (MPSC, MPMC) or consumers (SPMC, MPMC) clone.
///
/// Use: `ringmpsc_testkit::conformance_families!(spsc: ringmpsc::spsc,
/// mpsc: ringmpsc::mpsc, spmc: ringmpsc::spmc, mpmc: ringmpsc::mpmc);`
/// (any family modules with those shapes, e.g. ones that wrap `channel`).
#[macro_export]
macro_rules! conformance_families {
    (spsc: $spsc:path, mpsc: $mpsc:path, spmc: $spmc:path, mpmc: $mpmc:path $(,)?) => {
        $crate::conformance_families!(@family spsc, $spsc, conformance_single_consumer!($spsc));
        $crate::conformance_families!(
            @family mpsc,
            $mpsc,
            conformance_single_consumer!($mpsc),
            conformance_clone_producer!($mpsc, single_consumer)
        );
        $crate::conformance_families!(@family spmc, $spmc, conformance_clone_consumer!($spmc));
        $crate::conformance_families!(
            @family mpmc,
            $mpmc,
            conformance_clone_producer!($mpmc),
            conformance_clone_consumer!($mpmc)
        );
    };
    (@family $name:ident, $f:path, $($suite:ident!($($args:tt)*)),+) => {
        mod $name {
            $crate::conformance_core!($f);
            $($crate::$suite!($($args)*);)+
        }
    };
}
