//! MPSC through the public API: semantics, the adaptive skip, registration
//! races, and stress with exact accounting (under a watchdog).
#![allow(clippy::disallowed_types)] // reason: test scaffolding counts with std atomics; no protocol under loom here

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use common::{Rng, Seen, send_from_a_clone};
use ring_channels::mpsc;
use ring_core::wait::RecvEndpoint;
use ring_core::{Config, RecvTimeoutError, TryRecvError, TrySendError, WaitStrategy};
use ringmpsc_testkit::{Counted, counted, recv_until_closed, scale, watchdog};

fn small(bits: u32) -> Config {
    Config::default().with_ring_bits(bits).with_max_producers(2)
}

#[test]
fn one_item_on_one_of_64_idle_producers_is_received_next() {
    // Under miri (tree borrows is slow on 64 rings x 200 scans): 16 rings,
    // still trained past the largest skip (64 rounds).
    let (n, train, idle) = if cfg!(miri) {
        (16, 80, 10)
    } else {
        (64, 200, 50)
    };
    let at = |i: usize| i * n / 64; // ring i of 64, scaled
    let (tx, mut rx) = mpsc::channel::<u64>(small(2));
    let mut txs: Vec<_> = (0..n - 1).map(|_| tx.clone()).collect();
    txs.push(tx);
    // Teach the adaptive skip that every ring is idle.
    for _ in 0..train {
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        assert_eq!(rx.consume_all(|_| {}), 0);
    }
    for (k, i) in [37usize, 0, 63, 12, 37].into_iter().map(at).enumerate() {
        txs[i].try_send(k as u64).unwrap();
        assert_eq!(rx.try_recv(), Ok(k as u64), "the very next receive");
        for _ in 0..idle {
            assert_eq!(rx.consume_all(|_| {}), 0);
        }
        txs[i].try_send(100 + k as u64).unwrap();
        let mut got = Vec::new();
        assert_eq!(rx.consume_all(|x| got.push(*x)), 1, "the very next batch");
        assert_eq!(got, [100 + k as u64]);
    }
    // Batch and bulk paths see a lone item too.
    txs[at(5)].try_send(7).unwrap();
    let mut out = [0; 4];
    assert_eq!(rx.recv_slice(&mut out), 1);
    txs[at(60)].try_send(8).unwrap();
    assert_eq!(rx.consume_all_up_to(1, |_| {}), 1);
    rx.reset_adaptive_skip();
    assert_eq!(rx.producer_count(), n);
}

#[test]
fn consume_all_up_to_rotates_its_start_ring() {
    let (mut a, mut rx) = mpsc::channel::<u32>(small(4));
    let mut b = a.clone();
    let mut c = a.clone();
    for i in 0..8 {
        a.try_send(i).unwrap();
        b.try_send(100 + i).unwrap();
        c.try_send(200 + i).unwrap();
    }
    let mut firsts = Vec::new();
    for _ in 0..3 {
        let mut first = None;
        rx.consume_all_up_to(1, |x| first = Some(*x / 100));
        firsts.push(first.unwrap());
    }
    firsts.sort_unstable();
    assert_eq!(firsts, [0, 1, 2], "each ring gets the first turn once");
}

#[test]
fn closed_only_when_every_producer_gone_and_drained() {
    let (mut a, mut rx) = mpsc::channel::<u32>(small(3));
    let mut b = a.clone();
    a.try_send(1).unwrap();
    b.try_send(2).unwrap();
    drop(a);
    assert!(!rx.is_closed());
    assert_eq!(rx.producer_count(), 1);
    let mut got = vec![rx.try_recv().unwrap(), rx.try_recv().unwrap()];
    got.sort_unstable();
    assert_eq!(got, [1, 2]);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    b.try_send(3).unwrap();
    drop(b);
    assert!(rx.is_closed());
    assert!(!rx.is_fully_drained());
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert!(rx.is_fully_drained());
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(5)),
        Err(RecvTimeoutError::Closed)
    );
}

#[test]
fn consumer_close_keeps_committed_items_and_refuses_sends() {
    let (mut a, mut rx) = mpsc::channel::<String>(small(2));
    let mut b = a.clone();
    a.try_send("a".into()).unwrap();
    b.try_send("b".into()).unwrap();
    rx.close();
    assert!(matches!(a.try_send("x".into()), Err(TrySendError::Closed(v)) if v == "x"));
    assert!(b.is_closed());
    // A clone of a closed channel is a closed producer.
    let mut c = b.clone();
    assert!(matches!(
        c.try_send("y".into()),
        Err(TrySendError::Closed(_))
    ));
    assert!(c.send("z".into()).is_err());
    let mut got: Vec<String> = rx.try_iter().collect();
    got.sort();
    assert_eq!(got, ["a", "b"]);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn closer_from_another_thread_wakes_a_blocked_recv() {
    watchdog(20, || {
        let (_tx, mut rx) = mpsc::channel::<u8>(small(2));
        let closer = rx.closer();
        let t = thread::spawn(move || rx.recv_with(WaitStrategy::Blocking));
        closer.close();
        assert_eq!(t.join().unwrap(), Err(RecvTimeoutError::Closed));
    });
}

#[test]
fn last_producer_drop_wakes_a_blocked_recv() {
    watchdog(20, || {
        for _ in 0..scale(200, 5) {
            let (a, mut rx) = mpsc::channel::<u8>(small(1));
            let b = a.clone();
            let t = thread::spawn(move || {
                let r = rx.recv_with(WaitStrategy::PhasedBackoff { spin: 0, yield_: 0 });
                (r, rx)
            });
            drop(a);
            drop(b);
            let (r, _rx) = t.join().unwrap();
            assert_eq!(r, Err(RecvTimeoutError::Closed));
        }
    });
}

#[test]
fn a_commit_on_any_ring_wakes_the_one_doorbell() {
    watchdog(20, || {
        let (tx, mut rx) = mpsc::channel::<u64>(small(2));
        let txs: Vec<_> = (0..4).map(|_| tx.clone()).collect();
        drop(tx);
        let rounds = scale(100, 4);
        let t = thread::spawn(move || {
            let mut n = 0;
            while rx
                .recv_with(WaitStrategy::PhasedBackoff { spin: 0, yield_: 0 })
                .is_ok()
            {
                n += 1;
            }
            n
        });
        let mut txs = txs;
        for r in 0..rounds {
            let p = &mut txs[r % 4];
            p.send(r as u64).unwrap();
        }
        drop(txs);
        assert_eq!(t.join().unwrap(), rounds);
    });
}

#[test]
fn registered_then_gone_before_adoption_is_still_received() {
    // The race of the design: a producer registers (not yet adopted), commits
    // and drops; the consumer must adopt before it decides Closed.
    watchdog(30, || {
        for i in 0..scale(300, 10) as u64 {
            let (a, mut rx) = mpsc::channel::<u64>(small(1));
            let t = thread::spawn(move || {
                let mut b = a.clone();
                drop(a);
                b.try_send(i).unwrap();
            });
            let got = recv_until_closed(|| rx.try_recv(), thread::yield_now);
            t.join().unwrap();
            assert_eq!(got, [i]);
        }
    });
}

#[test]
fn rings_are_reclaimed_and_slots_reused() {
    let (tx, mut rx) = mpsc::channel::<u32>(small(2));
    for round in 0..20u32 {
        send_from_a_clone(&tx, round, |p, v| p.try_send(v).unwrap());
        assert_eq!(rx.try_recv(), Ok(round));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        // The dead ring was reclaimed: only the live producer's ring remains.
        assert_eq!(rx.snapshot().pending_per_ring.len(), 1);
    }
    assert_eq!(rx.producer_count(), 1);
}

#[test]
fn queries_and_zero_copy_read() {
    let (mut a, mut rx) = mpsc::channel::<u16>(small(3));
    let mut b = a.clone();
    a.send_slice(&[1, 2, 3]);
    b.send_slice(&[4]);
    assert_eq!(rx.len(), 4);
    assert_eq!(rx.total_pending(), 4);
    assert_eq!(rx.capacity(), 8);
    let hot = rx.hottest_ring().unwrap();
    assert_eq!(hot.1, 3);
    let s = rx.snapshot();
    assert_eq!(s.total_pending, 4);
    assert_eq!(s.producer_count, 2);
    assert!(!s.closed);
    let run = rx.readable().unwrap().to_vec();
    assert!(run == [1, 2, 3] || run == [4]);
    assert_eq!(rx.peek(), Some(&run[0]));
    rx.advance(run.len());
    assert_eq!(rx.len(), 4 - run.len());
    assert_eq!(rx.skip(10), 4 - run.len());
    assert!(rx.is_empty());
    assert!(rx.hottest_ring().is_none());
    let mut v = Vec::new();
    a.send_slice(&[9, 9]);
    assert_eq!(rx.recv_many(&mut v, 1), 1);
    assert_eq!(rx.consume_count(), 1);
    assert_eq!(rx.drain_all(|_| {}), 0);
}

#[test]
fn every_item_is_dropped_exactly_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let sent;
    {
        let (mut a, mut rx) = mpsc::channel::<Counted>(small(3));
        let mut b = a.clone();
        let mut n = 0;
        for i in 0..6 {
            a.try_send(counted(i, &drops)).unwrap();
            b.try_send(counted(100 + i, &drops)).unwrap();
            n += 2;
        }
        let got = rx.try_recv().unwrap();
        drop(got);
        assert_eq!(rx.skip(3), 3);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rx.consume_all_up_to(2, |_| panic!("handler"))
        }));
        assert!(r.is_err());
        drop(b); // a ring with items: the consumer still owns it
        sent = n;
    } // consumer and `a` dropped with items inside
    assert_eq!(drops.load(Ordering::SeqCst), sent);
}

#[test]
fn blocking_consume_and_iterators() {
    watchdog(20, || {
        let (tx, rx) = mpsc::channel::<u64>(small(4));
        let hs: Vec<_> = (0..3u64)
            .map(|t| {
                let mut tx = tx.clone();
                thread::spawn(move || {
                    for i in 0..scale(2000, 20) as u64 {
                        tx.send(t * 1_000_000 + i).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let mut n = 0;
        for _ in rx {
            n += 1;
        }
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(n, 3 * scale(2000, 20));
    });
}

/// 8 producers x 250,000 items (debug-friendly ring size so rings wrap
/// many times), per-producer FIFO, no duplicates, nothing lost.
#[test]
fn stress_8_producers_fifo_exact() {
    watchdog(120, || {
        let producers = if cfg!(miri) { 2 } else { 8 };
        let per = scale(250_000, 300) as u64;
        let (tx, mut rx) = mpsc::channel::<u64>(Config::default().with_ring_bits(8));
        let hs: Vec<_> = (0..producers as u64)
            .map(|p| {
                let mut tx = tx.clone();
                thread::spawn(move || {
                    let mut i = 0;
                    while i < per {
                        if i % 3 == 0 {
                            // Batched path.
                            let want = (per - i).min(17) as usize;
                            let r = tx.reserve_with(want, WaitStrategy::Blocking).unwrap();
                            i += r.fill_with(|k| (p << 32) | (i + k as u64)) as u64;
                        } else {
                            tx.send((p << 32) | i).unwrap();
                            i += 1;
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        let mut next = vec![0u64; producers];
        let mut total = 0u64;
        let mut check = |v: &u64| {
            let (p, i) = ((v >> 32) as usize, v & 0xffff_ffff);
            assert_eq!(i, next[p], "producer {p} out of order");
            next[p] += 1;
            total += 1;
        };
        loop {
            // Alternate single-item and batch receives.
            match rx.try_recv() {
                Ok(v) => check(&v),
                Err(TryRecvError::Closed) => break,
                Err(TryRecvError::Empty) => {}
            }
            match rx.consume_batch_with(&mut check, WaitStrategy::Blocking) {
                Ok(_) => {}
                Err(_) => break,
            }
        }
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(total, producers as u64 * per);
        assert!(next.iter().all(|&n| n == per));
    });
}

/// 2,000 short-lived producers, each sending a few items and leaving.
#[test]
fn stress_2000_short_lived_producers() {
    watchdog(120, || {
        let n = scale(2000, 30) as u64;
        let per = 5u64;
        let (tx, mut rx) = mpsc::channel::<u64>(small(2));
        let spawner = thread::spawn(move || {
            let mut live = Vec::new();
            for p in 0..n {
                let mut t = tx.clone();
                live.push(thread::spawn(move || {
                    for i in 0..per {
                        t.send(p * per + i).unwrap();
                    }
                }));
                if live.len() >= 8 {
                    for h in live.drain(..) {
                        h.join().unwrap();
                    }
                }
            }
            for h in live {
                h.join().unwrap();
            }
        });
        let mut seen = Seen::new((n * per) as usize);
        while let Ok(v) = rx.recv() {
            seen.insert(v);
        }
        spawner.join().unwrap();
        assert_eq!(seen.count(), (n * per) as usize);
        assert!(rx.snapshot().pending_per_ring.len() <= 1);
    });
}

/// Random joins and leaves, random batch sizes and consume bounds. The seed
/// is printed; replay a failure with `RING_CHAOS_SEED=<seed>`.
#[test]
fn chaos_random_join_leave_batches() {
    let seed = std::env::var("RING_CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            if cfg!(miri) {
                // No wall clock under miri's isolation.
                return 0x5EED;
            }
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    println!("chaos seed: {seed} (replay with RING_CHAOS_SEED={seed})");
    watchdog(120, move || {
        let mut rng = Rng::new(seed);
        let threads = scale(40, 4) as u64;
        let (tx, mut rx) =
            mpsc::channel::<u64>(Config::default().with_ring_bits(rng.below(4) as u32 + 1));
        let total_sent = Arc::new(AtomicUsize::new(0));
        let spawner = {
            let total_sent = total_sent.clone();
            let mut rng = Rng::new(rng.next());
            thread::spawn(move || {
                let mut live: Vec<thread::JoinHandle<()>> = Vec::new();
                for p in 0..threads {
                    let mut t = tx.clone();
                    let mut r = Rng::new(rng.next());
                    let total_sent = total_sent.clone();
                    live.push(thread::spawn(move || {
                        let items = r.below(scale(3000, 30) as u64);
                        // The key names one producer handle: (thread, generation).
                        let mut key = p << 8;
                        let mut i = 0;
                        while i < items {
                            let k = (r.below(8) + 1).min(items - i);
                            if r.below(2) == 0 {
                                let base = (key << 32) | i;
                                let res =
                                    t.reserve_with(k as usize, WaitStrategy::Blocking).unwrap();
                                i += res.fill_with(|j| base + j as u64) as u64;
                            } else {
                                t.send((key << 32) | i).unwrap();
                                i += 1;
                            }
                            if r.below(50) == 0 && key & 0xff < 0xff {
                                // Leave: hand over to a fresh clone (a new ring).
                                let t2 = t.clone();
                                t = t2;
                                key += 1;
                            }
                        }
                        total_sent.fetch_add(items as usize, Ordering::SeqCst);
                    }));
                    if rng.below(3) == 0
                        && let Some(h) = live.pop()
                    {
                        h.join().unwrap();
                    }
                }
                for h in live {
                    h.join().unwrap();
                }
            })
        };
        let mut next = std::collections::HashMap::<u64, u64>::new();
        let mut received = 0usize;
        let mut check = |v: u64| {
            // Per handle: strictly increasing, consecutive after its first item.
            let (key, i) = (v >> 32, v & 0xffff_ffff);
            if let Some(last) = next.insert(key, i) {
                assert_eq!(i, last + 1, "handle {key:#x} out of order (seed {seed})");
            }
            received += 1;
        };
        let mut buf = Vec::new();
        loop {
            match rng.below(4) {
                0 => match rx.try_recv() {
                    Ok(v) => check(v),
                    Err(TryRecvError::Closed) => break,
                    Err(TryRecvError::Empty) => thread::yield_now(),
                },
                1 => {
                    rx.consume_all_up_to(rng.below(20) as usize + 1, |v| check(*v));
                }
                2 => {
                    buf.clear();
                    rx.recv_many(&mut buf, rng.below(40) as usize + 1);
                    buf.iter().for_each(|v| check(*v));
                }
                _ => match rx.recv_timeout(Duration::from_millis(1)) {
                    Ok(v) => check(v),
                    Err(RecvTimeoutError::Closed) => break,
                    Err(RecvTimeoutError::Timeout) => {}
                },
            }
        }
        spawner.join().unwrap();
        assert_eq!(received, total_sent.load(Ordering::SeqCst), "seed {seed}");
    });
}

#[test]
fn recv_timeout_times_out_and_endpoint_traits_work() {
    let (mut tx, mut rx) = mpsc::channel::<u8>(small(1));
    let t0 = std::time::Instant::now();
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(20)),
        Err(RecvTimeoutError::Timeout)
    );
    assert!(t0.elapsed() >= Duration::from_millis(20));
    tx.send_slice(&[1, 2]);
    assert!(
        tx.send_timeout(3, Duration::from_millis(5))
            .unwrap_err()
            .is_timeout()
    );
    assert_eq!(ring_core::endpoint::TryRecv::try_recv(&mut rx), Ok(1));
    assert!(!RecvEndpoint::is_closed(&rx));
}
