//! The conformance suite of the flight recorder family: the lifecycle
//! expectations every family meets (close by every route wakes every
//! waiter, every read path sees every writer, exactly-once drops on every
//! path, panicking user code wedges nothing), in the recorder's terms:
//! writers never wait, so the waiters are the reader and its notifier, and
//! "dropped once" includes the entries `record` evicts and hands back.

/// The flight recorder's conformance tests, over a module with the
/// recorder's API (`channel`, `Builder`, `Recorder::record`,
/// `Reader::try_recv` returning entries with `seq`, `writer`, `value`,
/// `lost_before`).
///
/// Use: `mod recorder { ringmpsc_testkit::conformance_recorder!(ringmpsc::recorder); }`.
#[macro_export]
macro_rules! conformance_recorder {
    ($f:path) => {
        $crate::__suite_prelude!($f);
        use $crate::Counted;
        use $crate::ring_core::{RecvError, RecvTimeoutError, TryRecvError};

        $crate::__drop_counter!();

        // ------------------------------------------------- std semantics ---

        #[test]
        fn record_after_the_reader_is_gone_gives_the_value_back() {
            let (mut tx, rx) = family::channel::<u64>(small(2));
            drop(rx);
            assert!(tx.is_closed());
            assert_eq!(tx.record(1).unwrap_err().into_inner(), 1);
            let mut late = tx.clone();
            assert!(late.record(2).is_err(), "a clone made after the close");
        }

        #[test]
        fn recv_after_the_writers_are_gone_drains_then_reports_closed() {
            let (mut tx, mut rx) = family::channel::<u64>(small(2));
            let mut second = tx.clone();
            tx.record(1).unwrap();
            second.record(2).unwrap();
            drop(tx);
            assert!(!rx.is_closed(), "one writer is still alive");
            drop(second);
            let mut got: Vec<u64> = vec![rx.recv().unwrap().value];
            got.push(rx.recv_timeout(Duration::from_secs(5)).unwrap().value);
            got.sort_unstable();
            assert_eq!(got, [1, 2]);
            assert_eq!(rx.recv().map(|e| e.value), Err(RecvError));
            assert_eq!(rx.try_recv().map(|e| e.value), Err(TryRecvError::Closed));
            assert_eq!(
                rx.recv_with(WaitStrategy::Yielding).map(|e| e.value),
                Err(RecvTimeoutError::Closed)
            );
        }

        #[test]
        fn close_from_either_side_keeps_what_was_recorded() {
            for by_reader in [false, true] {
                let (mut tx, mut rx) = family::channel::<u64>(small(2));
                tx.record(1).unwrap();
                if by_reader {
                    rx.close();
                    rx.close(); // idempotent
                } else {
                    tx.close();
                }
                assert!(tx.is_closed() && rx.is_closed());
                assert!(tx.record(2).is_err());
                assert_eq!(rx.try_recv().map(|e| e.value), Ok(1));
                assert_eq!(rx.try_recv().map(|e| e.value), Err(TryRecvError::Closed));
            }
        }

        #[test]
        fn iterators_end_at_close() {
            let (mut tx, mut rx) = family::channel::<u64>(small(3));
            for i in 0..3 {
                tx.record(i).unwrap();
            }
            assert_eq!(rx.try_iter().next().map(|e| e.value), Some(0));
            drop(tx);
            assert_eq!(rx.iter().map(|e| e.value).collect::<Vec<_>>(), [1, 2]);
            assert!(rx.try_iter().next().is_none());
            let (mut tx, rx) = family::channel::<u64>(small(3));
            tx.record(9).unwrap();
            tx.close();
            assert_eq!(rx.into_iter().map(|e| e.value).collect::<Vec<_>>(), [9]);
        }

        // ------------------------------------- retention and loss counts ---

        #[test]
        fn a_ring_retains_its_capacity_and_counts_every_eviction() {
            let (mut tx, mut rx) = family::channel::<u64>(small(2));
            assert_eq!((tx.capacity(), rx.capacity()), (4, 4));
            for i in 0..4 {
                assert_eq!(tx.record(i).unwrap(), None, "room for {i}");
            }
            assert_eq!((tx.len(), rx.len()), (4, 4));
            // The first eviction is on the record after `capacity` unread ones.
            assert_eq!(tx.record(4).unwrap(), Some(0));
            assert_eq!(tx.record(5).unwrap(), Some(1));
            assert_eq!(rx.lost(), 2);
            let got: Vec<_> = rx
                .try_iter()
                .map(|e| (e.seq, e.value, e.lost_before))
                .collect();
            assert_eq!(got, [(2, 2, 2), (3, 3, 0), (4, 4, 0), (5, 5, 0)]);
            assert!(rx.is_empty());
            tx.record(6).unwrap();
            let e = rx.try_recv().unwrap();
            assert_eq!((e.seq, e.lost_before, e.writer), (6, 0, 0));
        }

        #[test]
        fn each_writer_overwrites_its_own_ring_and_is_numbered() {
            let (mut a, mut rx) = family::channel::<u64>(small(1));
            let mut b = a.clone();
            let mut c = b.clone();
            for i in 0..5 {
                a.record(i).unwrap(); // evicts 0, 1, 2
            }
            b.record(100).unwrap();
            c.record(200).unwrap();
            let mut got: Vec<_> = rx
                .try_iter()
                .map(|e| (e.writer, e.seq, e.value, e.lost_before))
                .collect();
            got.sort_unstable();
            assert_eq!(
                got,
                [(0, 3, 3, 3), (0, 4, 4, 0), (1, 0, 100, 0), (2, 0, 200, 0)]
            );
            assert_eq!(rx.lost(), 3);
        }

        // ------------------------------ close by every route wakes waiters ---

        /// A reader blocked in `recv` (and one in a `Sleeping` strategy) on
        /// its own thread, ended by `close`.
        fn blocked_recv_ends(
            close: impl Fn(&mut Option<family::Recorder<u64>>, &$crate::ring_core::wait::Closer)
            + Send
            + Sync
            + 'static,
        ) {
            watchdog(20, move || {
                for sleeping in [false, true] {
                    let (tx, mut rx) = family::channel::<u64>(small(2));
                    let closer = rx.closer();
                    let h = thread::spawn(move || {
                        if sleeping {
                            rx.recv_with(WaitStrategy::Sleeping(Duration::from_secs(3600)))
                                .map(|e| e.value)
                                .map_err(|_| RecvError)
                        } else {
                            rx.recv().map(|e| e.value)
                        }
                    });
                    let_it_block();
                    let mut tx = Some(tx);
                    close(&mut tx, &closer);
                    assert_eq!(h.join().unwrap(), Err(RecvError));
                }
            });
        }

        #[test]
        fn every_close_wakes_a_blocked_recv() {
            // A `Closer`, a writer's close, the last writer's drop.
            blocked_recv_ends(|_, closer| closer.close());
            blocked_recv_ends(|tx, _| tx.as_mut().unwrap().close());
            blocked_recv_ends(|tx, _| *tx = None);
        }

        #[test]
        fn a_record_wakes_a_blocked_recv_from_a_late_writer() {
            watchdog(20, || {
                let (tx, mut rx) = family::channel::<u64>(small(2));
                let mut late = tx.clone();
                drop(tx);
                let h = thread::spawn(move || rx.recv().map(|e| (e.writer, e.value)));
                let_it_block();
                late.record(5).unwrap();
                assert_eq!(h.join().unwrap(), Ok((1, 5)));
            });
        }

        $crate::armed_notifier_fn!(family::Recorder<u64>, family::Reader<u64>);

        #[test]
        fn every_close_signals_an_armed_notifier() {
            armed_notifier_signalled(|_, rx| rx.closer().close());
            armed_notifier_signalled(|tx, _| tx.as_mut().unwrap().close());
            armed_notifier_signalled(|tx, _| *tx = None);
        }

        #[test]
        fn a_record_signals_an_armed_notifier() {
            let (mut tx, mut rx) = family::channel::<u64>(small(2));
            let n = CountingNotify::default();
            rx.set_notifier(Some(n.clone()));
            assert!(!rx.arm());
            tx.record(1).unwrap();
            assert!(n.count() >= 1);
            rx.disarm();
            assert!(rx.arm(), "an entry is waiting: do not sleep");
        }

        // -------------------------------------- every read path, every writer ---

        #[test]
        fn every_read_path_sees_a_late_writer() {
            type Read = fn(&mut family::Reader<u64>) -> Option<u64>;
            let paths: [(&str, Read); 6] = [
                ("try_recv", |rx| rx.try_recv().ok().map(|e| e.value)),
                ("recv", |rx| rx.recv().ok().map(|e| e.value)),
                ("recv_timeout", |rx| {
                    rx.recv_timeout(Duration::from_secs(5))
                        .ok()
                        .map(|e| e.value)
                }),
                ("recv_with", |rx| {
                    rx.recv_with(WaitStrategy::Blocking).ok().map(|e| e.value)
                }),
                ("try_iter", |rx| rx.try_iter().next().map(|e| e.value)),
                ("iter", |rx| rx.iter().next().map(|e| e.value)),
            ];
            for (name, read) in paths {
                let (first, mut rx) = family::channel::<u64>(small(2));
                let mut late = first.clone();
                drop(first);
                late.record(7).unwrap();
                assert_eq!(read(&mut rx), Some(7), "{name}");
            }
        }

        // ----------------------------------------------- exactly once ---

        /// A recorder of 4 entries per writer holding `items` counted entries.
        fn holding(
            items: u64,
        ) -> (
            Arc<AtomicUsize>,
            family::Recorder<Counted>,
            family::Reader<Counted>,
        ) {
            let d = drops();
            let (mut tx, rx) = family::channel(small(2));
            for i in 0..items {
                if let Some(old) = tx.record(counted(i, &d)).unwrap() {
                    drop(old);
                }
            }
            (d, tx, rx)
        }

        #[test]
        fn evicted_entries_are_handed_back_and_dropped_once() {
            let (d, tx, rx) = holding(10);
            assert_eq!(n(&d), 6, "the six evicted entries, dropped by the caller");
            assert_eq!(rx.lost(), 6);
            drop((tx, rx));
            assert_eq!(n(&d), 10);
        }

        #[test]
        fn unread_entries_go_when_the_reader_goes() {
            let (d, mut tx, rx) = holding(3);
            drop(rx);
            assert_eq!(n(&d), 3, "dropped with the reader, while a writer lives");
            $crate::assert_handed_back(&d, |v| tx.record(v).unwrap_err().into_inner());
            drop(tx);
            assert_eq!(n(&d), 4);
        }

        #[test]
        fn entries_go_exactly_once_when_every_handle_goes() {
            for writer_first in [false, true] {
                let (d, tx, rx) = holding(7);
                assert!(!$crate::drop_both_catching(tx, rx, writer_first));
                assert_eq!(n(&d), 7);
            }
        }

        #[test]
        fn a_panicking_drop_in_the_ring_stops_no_other_drop() {
            $crate::check_a_panicking_drop_stops_no_other(
                || family::channel(small(3)),
                |tx, item| tx.record(item).unwrap().is_none(),
            );
        }

        #[test]
        fn a_panicking_observer_hook_wedges_nothing() {
            let d = drops();
            let (obs, (mut tx, mut rx)) = $crate::__panic_once_ends!();
            for i in 0..4 {
                assert!(tx.record(counted(i, &d)).unwrap().is_none());
            }
            let _ = obs.arm_and_catch(|| rx.try_recv());
            let got = rx.try_iter().count();
            assert!(got <= 4);
            // The ring is usable again: every slot can be filled without an
            // eviction, and the writer never waits on a slot left claimed.
            for i in 0..4 {
                assert!(
                    tx.record(counted(10 + i, &d)).unwrap().is_none(),
                    "slot {i} still claimed"
                );
            }
            drop((tx, rx));
            assert_eq!(n(&d), 8, "every entry dropped exactly once");
        }

        #[test]
        fn a_fast_writer_and_a_slow_reader_account_for_every_entry() {
            // received + evicted + dropped at the end == recorded, per writer.
            let d = drops();
            let items = $crate::scale(20_000, 200) as u64;
            let (tx, mut rx) = family::channel::<Counted>(small(3));
            let writers: Vec<_> = (0..2)
                .map(|_| {
                    let mut tx = tx.clone();
                    let d = d.clone();
                    thread::spawn(move || {
                        let mut evicted = 0u64;
                        for i in 0..items {
                            if tx.record(counted(i, &d)).unwrap().is_some() {
                                evicted += 1;
                            }
                        }
                        (tx.writer(), evicted)
                    })
                })
                .collect();
            drop(tx);
            let mut received = std::collections::HashMap::<usize, (u64, u64)>::new();
            let mut spin = 0u32;
            while let Ok(e) = rx.recv() {
                let (count, lost) = received.entry(e.writer).or_default();
                *count += 1;
                *lost += e.lost_before;
                spin = spin.wrapping_add(1);
                if spin % 64 == 0 {
                    thread::yield_now(); // a slow reader
                }
            }
            let mut total_evicted = 0;
            for h in writers {
                let (w, evicted) = h.join().unwrap();
                let (count, lost) = received.get(&w).copied().unwrap_or_default();
                // Closed only after both writers left and the rings drained:
                // every entry was received or evicted.
                assert_eq!(count + evicted, items, "writer {w}");
                // Its last entry is received, so every eviction shows as a gap.
                assert_eq!(lost, evicted, "writer {w}: gaps and evictions differ");
                total_evicted += evicted;
            }
            assert_eq!(rx.lost(), total_evicted);
            drop(rx);
            assert_eq!(n(&d) as u64, 2 * items, "every entry dropped exactly once");
        }
    };
}
