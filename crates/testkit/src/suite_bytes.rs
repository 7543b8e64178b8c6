//! The conformance suite of the byte-record family (`ringmpsc::bytes`), and
//! its helpers: the same properties as the other families (close by every
//! route wakes every waiter on both sides, every read path sees every
//! producer, exactly once and in order), with records instead of items.

/// A record for the byte-record tests: `len` bytes (at least
/// [`STAMP_MIN`]) carrying the producer's id, the sequence number and a
/// checksum of everything else, so the receiver can check each record.
///
/// # Examples
///
/// ```
/// use ringmpsc_testkit::{check_stamped, stamped_record};
/// let r = stamped_record(3, 42, 40);
/// assert_eq!(r.len(), 40);
/// assert_eq!(check_stamped(&r), Some((3, 42)));
/// ```
pub fn stamped_record(producer: u32, seq: u64, len: usize) -> Vec<u8> {
    let len = len.max(STAMP_MIN);
    let mut r = Vec::with_capacity(len);
    r.extend_from_slice(&producer.to_le_bytes());
    r.extend_from_slice(&seq.to_le_bytes());
    let mut next = xorshift(seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(producer));
    while r.len() < len - 4 {
        r.push(next() as u8);
    }
    let sum = checksum(&r);
    r.extend_from_slice(&sum.to_le_bytes());
    r
}

/// The shortest [`stamped_record`]: id, sequence number and checksum.
pub const STAMP_MIN: usize = 16;

fn checksum(bytes: &[u8]) -> u32 {
    // FNV-1a.
    bytes.iter().fold(0x811C_9DC5u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// The producer id and sequence number of a [`stamped_record`], or `None`
/// if its checksum does not match (a torn, mixed or truncated record).
///
/// # Examples
///
/// ```
/// use ringmpsc_testkit::{check_stamped, stamped_record};
/// let mut r = stamped_record(1, 7, 20);
/// r[10] ^= 1;
/// assert_eq!(check_stamped(&r), None);
/// ```
pub fn check_stamped(record: &[u8]) -> Option<(u32, u64)> {
    let (body, sum) = record.split_at_checked(record.len().checked_sub(4)?)?;
    if body.len() < 12 || checksum(body).to_le_bytes() != sum {
        return None;
    }
    let producer = u32::from_le_bytes(body[..4].try_into().ok()?);
    let seq = u64::from_le_bytes(body[4..12].try_into().ok()?);
    Some((producer, seq))
}

/// Deterministic pseudo-random record lengths in `min..=max` (xorshift).
///
/// # Examples
///
/// ```
/// let v: Vec<usize> = ringmpsc_testkit::lengths(1, 16, 300).take(100).collect();
/// assert!(v.iter().all(|&n| (16..=300).contains(&n)));
/// ```
pub fn lengths(seed: u64, min: usize, max: usize) -> impl Iterator<Item = usize> {
    let mut next = xorshift(seed);
    core::iter::from_fn(move || Some(min + (next() % (max - min + 1) as u64) as usize))
}

/// A deterministic pseudo-random generator (xorshift64) for tests and
/// small fuzz loops: each call returns the next value (a zero seed is
/// taken as 1).
///
/// # Examples
///
/// ```
/// let mut rnd = ringmpsc_testkit::xorshift(7);
/// let (a, b) = (rnd(), rnd());
/// assert_ne!(a, b);
/// assert_eq!(ringmpsc_testkit::xorshift(7)(), a);
/// ```
pub fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed.max(1);
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

/// The tests of the byte-record family: records in order exactly once,
/// byte for byte (two producers, random lengths, checksums); empty records;
/// `TooLarge` at once from every send; `max_record` fits an empty ring at
/// every write position; grants publish exactly what they commit; close by
/// every route (producer close and drop, consumer close and drop, `Closer`,
/// another producer's close) wakes every blocked call on both sides,
/// `reserve_with` included, and an armed notifier; every read path sees a
/// producer cloned after the consumer last looked; the producer's room is
/// exact.
///
/// Use: `mod bytes { ringmpsc_testkit::conformance_bytes!(ringmpsc::bytes); }`.
#[macro_export]
macro_rules! conformance_bytes {
    ($f:path) => {
        #[allow(unused_imports)]
        use std::thread;
        #[allow(unused_imports)]
        use std::time::Duration;
        #[allow(unused_imports)]
        use $crate::ring_core::{
            Config, RecvError, RecvTimeoutError, TryRecvError, WaitStrategy,
        };
        #[allow(unused_imports)]
        use $crate::{let_it_block, small, watchdog};
        #[allow(unused_imports)]
        use $f as family;

        /// A long sleep between checks: only a wake-up ends it in time.
        const SLEEPY: WaitStrategy = WaitStrategy::Sleeping(Duration::from_secs(3600));

        fn full_ring() -> (family::ByteProducer, family::ByteConsumer) {
            // 32 bytes: two records of 8 bytes (16 each) fill it.
            let (mut tx, rx) = family::channel(small(5));
            tx.try_send(&[1; 8]).unwrap();
            tx.try_send(&[2; 8]).unwrap();
            assert_eq!(tx.try_send(b""), Err(family::TrySendError::Full));
            (tx, rx)
        }

        // ------------------------------------------------ records ---

        #[test]
        fn records_arrive_in_order_byte_for_byte_and_empty_ones_too() {
            let (mut tx, mut rx) = family::channel(small(8));
            let max = tx.max_record();
            let mut lens = $crate::lengths(5, 0, max);
            for round in 0..$crate::scale(200, 20) {
                let recs: Vec<Vec<u8>> = (0..3)
                    .map(|k| {
                        let n = if k == 1 { 0 } else { lens.next().unwrap() };
                        (0..n).map(|i| (round + i * 7 + k) as u8).collect()
                    })
                    .collect();
                for r in &recs {
                    tx.send(r).unwrap();
                    let got = rx.try_recv().unwrap();
                    assert_eq!(&*got, &r[..], "round {round}");
                }
                assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Empty);
            }
        }

        #[test]
        fn too_large_is_reported_at_once_by_every_send() {
            watchdog(20, || {
                let (mut tx, rx) = full_ring(); // a wait would block
                let max = tx.max_record();
                assert!(max >= tx.capacity() / 4);
                let big = vec![0u8; max + 1];
                use family::{SendError as S, SendTimeoutError as T, TrySendError as Y};
                let too = (max + 1, max);
                let check = |tx: &mut family::ByteProducer| {
                    let forever = Duration::from_secs(3600);
                    assert!(matches!(tx.try_send(&big), Err(Y::TooLarge { len, max }) if (len, max) == too));
                    assert!(matches!(tx.try_reserve(max + 1), Err(Y::TooLarge { .. })));
                    assert!(matches!(tx.send(&big), Err(S::TooLarge { .. })));
                    assert!(matches!(tx.send_timeout(&big, forever), Err(T::TooLarge { .. })));
                    assert!(matches!(tx.send_with(&big, SLEEPY), Err(T::TooLarge { .. })));
                    assert!(matches!(tx.reserve_with(max + 1, SLEEPY), Err(T::TooLarge { .. })));
                };
                check(&mut tx);
                drop(rx);
                check(&mut tx); // also over `Closed`
                assert_eq!(tx.try_send(b""), Err(Y::Closed));
            });
        }

        #[test]
        fn a_max_record_fits_an_empty_ring_wherever_the_write_position_is() {
            let (mut tx, mut rx) = family::channel(small(6));
            let max = tx.max_record();
            assert!(max >= tx.capacity() / 4);
            for _ in 0..tx.capacity() / 8 {
                let mut g = tx.try_reserve(max).expect("a max record fits an empty ring");
                assert_eq!(g.len(), max);
                g.fill(0xAB);
                g.commit();
                assert_eq!(&*rx.try_recv().unwrap(), &vec![0xAB; max][..]);
                tx.try_send(b"").unwrap(); // moves the write position by 8 bytes
                assert!(rx.try_recv().unwrap().is_empty());
            }
        }

        #[test]
        fn a_grant_publishes_what_it_commits_and_nothing_when_dropped() {
            let (mut tx, mut rx) = family::channel(small(8));
            let mut g = tx.try_reserve(10).unwrap();
            assert_eq!(g.len(), 10);
            g.copy_from_slice(b"0123456789");
            let _ = g; // never committed
            assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Empty);
            assert_eq!(rx.bytes_used(), 0);
            let mut g = tx.reserve_with(10, WaitStrategy::Blocking).unwrap();
            g[..4].copy_from_slice(b"abcd");
            g.commit_len(4);
            let mut g = tx.try_reserve(3).unwrap();
            g.copy_from_slice(b"xyz");
            g.commit();
            assert_eq!(rx.len(), 2);
            let mut buf = Vec::new();
            assert_eq!(rx.try_recv_into(&mut buf), Ok(4));
            assert_eq!(buf, b"abcd");
            assert_eq!(rx.try_recv_into(&mut buf), Ok(3));
            assert_eq!(buf, b"xyz");
            assert_eq!(rx.try_recv_into(&mut buf), Err(TryRecvError::Empty));
        }

        #[test]
        fn queries_count_records_and_ring_bytes() {
            let (mut tx, mut rx) = family::channel(small(8));
            let mut tx2 = tx.clone();
            assert_eq!((rx.len(), rx.bytes_used(), rx.is_empty()), (0, 0, true));
            tx.try_send(b"abc").unwrap();
            tx.try_send(b"").unwrap();
            tx2.try_send(&[9; 20]).unwrap();
            assert_eq!(rx.len(), 3);
            assert!(rx.bytes_used() >= 23 && rx.bytes_used() <= 2 * rx.capacity());
            assert_eq!(tx.bytes_used() + tx2.bytes_used(), rx.bytes_used());
            assert_eq!(rx.producer_count(), 2);
            assert_eq!(rx.consume_batch(|_| {}), 3);
            assert_eq!((rx.len(), rx.bytes_used(), rx.is_empty()), (0, 0, true));
        }

        #[test]
        fn a_panicking_batch_handler_loses_and_repeats_nothing() {
            let (mut tx, mut rx) = family::channel(small(8));
            for i in 0..6u8 {
                tx.try_send(&[i; 3]).unwrap();
            }
            let mut seen = Vec::new();
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                rx.consume_batch(|r| {
                    seen.push(r[0]);
                    assert!(r[0] != 2, "handler panics");
                })
            }));
            assert!(r.is_err());
            let rest: Vec<u8> = rx.try_iter().map(|r| r[0]).collect();
            assert_eq!([seen, rest].concat(), [0, 1, 2, 3, 4, 5]);
        }

        /// Two producers, random lengths, every record checked: in order per
        /// producer, each exactly once, byte for byte, through every read path.
        #[test]
        fn two_producers_random_lengths_every_record_once_in_order() {
            watchdog(120, || {
                let per = $crate::scale(200_000, 100) as u64;
                let (tx, mut rx) = family::channel(small(12));
                let max = tx.max_record().min(300);
                let hs: Vec<_> = (0..2u32)
                    .map(|p| {
                        let mut tx = tx.clone();
                        thread::spawn(move || {
                            let mut lens = $crate::lengths(u64::from(p) + 11, $crate::STAMP_MIN, max);
                            for seq in 0..per {
                                let r = $crate::stamped_record(p, seq, lens.next().unwrap());
                                if seq % 3 == 0 {
                                    let mut g = tx.reserve_with(r.len() + 8, WaitStrategy::Blocking).unwrap();
                                    g[..r.len()].copy_from_slice(&r);
                                    g.commit_len(r.len());
                                } else {
                                    tx.send(&r).unwrap();
                                }
                            }
                        })
                    })
                    .collect();
                drop(tx);
                let mut next = [0u64; 2];
                let mut check = |r: &[u8]| {
                    let (p, seq) = $crate::check_stamped(r).expect("a torn or corrupt record");
                    assert_eq!(seq, next[p as usize], "producer {p}: out of order");
                    next[p as usize] += 1;
                };
                let mut buf = Vec::new();
                for k in 0u64.. {
                    let more = match k % 3 {
                        0 => rx.recv().map(|r| check(&r)).is_ok(),
                        1 => rx.consume_batch_with(&mut check, WaitStrategy::Blocking).is_ok(),
                        _ => match rx.try_recv_into(&mut buf) {
                            Ok(_) => {
                                check(&buf);
                                true
                            }
                            Err(TryRecvError::Empty) => true,
                            Err(TryRecvError::Closed) => false,
                        },
                    };
                    if !more {
                        break;
                    }
                }
                for h in hs {
                    h.join().unwrap();
                }
                assert_eq!(next, [per, per]);
                assert_eq!(rx.bytes_used(), 0);
            });
        }

        // ----------------------------------------------- close wakes ---

        /// Every blocking receive, blocked on an empty channel, is ended by
        /// every close route: the producer's close, the last producer's drop
        /// (two producers), the consumer's `Closer`.
        #[test]
        fn every_close_route_wakes_every_blocked_receive() {
            watchdog(60, move || {
                for (route, how) in (0..3).flat_map(|r| (0..4).map(move |h| (r, h))) {
                    let (tx, mut rx) = family::channel(small(6));
                    let closer = rx.closer();
                    let h = thread::spawn(move || match how {
                        0 => rx.recv().map(|_| ()).map_err(|_| RecvTimeoutError::Closed),
                        1 => rx.recv_timeout(Duration::from_secs(3600)).map(|_| ()),
                        2 => rx.recv_with(SLEEPY).map(|_| ()),
                        _ => rx.consume_batch_with(|_| {}, SLEEPY).map(|_| ()),
                    });
                    let_it_block();
                    let mut tx = Some(tx);
                    match route {
                        0 => tx.as_mut().unwrap().close(),
                        1 => {
                            let other = tx.as_ref().unwrap().clone();
                            tx = None;
                            drop(other);
                        }
                        _ => closer.close(),
                    }
                    let r = h.join().unwrap();
                    assert_eq!(r, Err(RecvTimeoutError::Closed), "route {route}, receive {how}");
                    drop(tx);
                }
            });
        }

        /// Every blocking send, blocked on a full ring, is ended by every
        /// close route: the consumer's close and drop, its `Closer`, another
        /// producer's close.
        #[test]
        fn every_close_route_wakes_every_blocked_send() {
            watchdog(60, move || {
                for (route, how) in (0..4).flat_map(|r| (0..4).map(move |h| (r, h))) {
                    let (mut tx, rx) = full_ring();
                    let mut other = tx.clone();
                    let h = thread::spawn(move || match how {
                        0 => tx.send(b"x").map_err(|e| e.is_closed()),
                        1 => tx.send_with(b"x", SLEEPY).map_err(|e| e.is_closed()),
                        2 => tx
                            .send_timeout(b"x", Duration::from_secs(3600))
                            .map_err(|e| e.is_closed()),
                        _ => tx.reserve_with(1, SLEEPY).map(drop).map_err(|e| e.is_closed()),
                    });
                    let_it_block();
                    let mut rx = Some(rx);
                    match route {
                        0 => rx.as_mut().unwrap().close(),
                        1 => rx = None,
                        2 => rx.as_ref().unwrap().closer().close(),
                        _ => other.close(),
                    }
                    assert_eq!(h.join().unwrap(), Err(true), "route {route}, send {how}");
                    drop(rx);
                }
            });
        }

        #[test]
        fn close_by_every_route_signals_an_armed_notifier() {
            for route in 0..3 {
                let (tx, mut rx) = family::channel(small(6));
                let n = $crate::CountingNotify::default();
                rx.set_notifier(Some(n.clone()));
                assert!(!rx.arm(), "nothing waiting: the event loop may sleep");
                let mut tx = Some(tx);
                match route {
                    0 => rx.closer().close(),
                    1 => tx.as_mut().unwrap().close(),
                    _ => tx = None,
                }
                assert!(n.count() >= 1, "route {route} did not signal the armed notifier");
                assert!(rx.is_closed() && rx.arm());
                rx.disarm();
                drop(tx);
            }
        }

        // --------------------------------------------- room is exact ---

        /// A producer blocked for room is woken by the consume that frees it:
        /// its record needs both records of the full ring released.
        #[test]
        fn a_producer_blocked_for_room_wakes_when_enough_is_consumed() {
            watchdog(20, || {
                let (mut tx, mut rx) = full_ring();
                let h = thread::spawn(move || {
                    tx.send(&[3; 8]).unwrap();
                    tx.send_with(&[4; 8], SLEEPY).unwrap();
                    tx
                });
                let_it_block();
                for want in [[1u8; 8], [2; 8], [3; 8], [4; 8]] {
                    assert_eq!(&*rx.recv().unwrap(), &want[..]);
                }
                drop(h.join().unwrap());
                assert!(rx.recv().is_err());
            });
        }

        // ---------------------------------------------- late producer ---

        /// A channel whose consumer looked before a clone of the producer
        /// sent a record: the original producer, the clone, the consumer.
        fn late() -> (family::ByteProducer, family::ByteProducer, family::ByteConsumer) {
            let (tx, mut rx) = family::channel(small(6));
            assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Empty); // the consumer looked
            let mut tx2 = tx.clone();
            tx2.try_send(b"late").unwrap();
            (tx, tx2, rx)
        }

        #[test]
        fn every_read_path_sees_a_late_producer() {
            let (_a, _b, rx) = late();
            assert_eq!((rx.len(), rx.is_empty()), (1, false));
            let (_a, _b, mut rx) = late();
            assert_eq!(&*rx.try_recv().unwrap(), b"late");
            let (_a, _b, mut rx) = late();
            assert_eq!(&*rx.recv().unwrap(), b"late");
            let (_a, _b, mut rx) = late();
            assert_eq!(&*rx.recv_timeout(Duration::from_secs(5)).unwrap(), b"late");
            let (_a, _b, mut rx) = late();
            assert_eq!(&*rx.recv_with(WaitStrategy::Yielding).unwrap(), b"late");
            let (_a, _b, mut rx) = late();
            let mut buf = Vec::new();
            assert_eq!(rx.try_recv_into(&mut buf), Ok(4));
            let (_a, _b, mut rx) = late();
            assert_eq!(rx.consume_batch(|r| assert_eq!(r, b"late")), 1);
            let (_a, _b, mut rx) = late();
            assert_eq!(rx.consume_batch_with(|_| {}, WaitStrategy::Blocking), Ok(1));
            let (_a, _b, mut rx) = late();
            assert_eq!(rx.try_iter().next().as_deref(), Some(&b"late"[..]));
            let (_a, _b, mut rx) = late();
            assert_eq!(rx.iter().next().as_deref(), Some(&b"late"[..]));
        }

        #[test]
        fn iterators_copy_records_out_until_closed() {
            let (mut tx, mut rx) = family::channel(small(8));
            for r in [&b"a"[..], b"", b"bc"] {
                tx.try_send(r).unwrap();
            }
            assert_eq!(rx.try_iter().next(), Some(b"a".to_vec()));
            drop(tx);
            assert_eq!(rx.iter().collect::<Vec<_>>(), [b"".to_vec(), b"bc".to_vec()]);
            let (mut tx, rx) = family::channel(small(8));
            tx.try_send(b"z").unwrap();
            drop(tx);
            assert_eq!(rx.into_iter().collect::<Vec<_>>(), [b"z".to_vec()]);
        }

        #[test]
        fn a_producer_made_after_the_consumer_is_gone_keeps_no_memory() {
            $crate::late_producers_keep_no_memory(
                |heap| family::Builder::new(small(6)).memory(heap).build::<u8>().unwrap(),
                |tx| tx.clone().try_send(b"x") == Err(family::TrySendError::Closed),
            );
        }
    };
}
