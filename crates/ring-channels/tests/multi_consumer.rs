//! SPMC and MPMC through the public API: exactly-once delivery with a
//! bitmap, consumer bounds, close without hangs (under a watchdog).
#![allow(clippy::disallowed_types)] // reason: test scaffolding counts with std atomics; no protocol under loom here

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use common::{Seen, send_from_a_clone};
use ring_channels::{mpmc, spmc};
use ring_core::{Config, RecvTimeoutError, TryRecvError, TrySendError, WaitStrategy};
use ringmpsc_testkit::{Counted, counted, scale, watchdog};

fn small(bits: u32) -> Config {
    Config::default()
        .with_ring_bits(bits)
        .with_max_consumers(4)
        .with_max_producers(2)
}

#[test]
fn spmc_exactly_once_with_bitmap() {
    watchdog(120, || {
        let n = scale(200_000, 400);
        let (mut tx, rx) = spmc::channel::<u64>(small(6));
        let hs = Seen::spawn_consumers(&rx, 3, n, |k, rx, seen| {
            // Mix the receive paths.
            let r = match k {
                0 => rx.recv().map(|v| seen.insert(v)).map_err(|_| ()),
                1 => rx
                    .consume_batch_with(|v| seen.insert(*v), WaitStrategy::Blocking)
                    .map(drop)
                    .map_err(|_| ()),
                _ => {
                    let mut buf = [0u64; 7];
                    let got = rx.steal(&mut buf);
                    buf[..got].iter().for_each(|v| seen.insert(*v));
                    if got == 0 {
                        match rx.recv_timeout(Duration::from_millis(1)) {
                            Ok(v) => {
                                seen.insert(v);
                                Ok(())
                            }
                            Err(RecvTimeoutError::Timeout) => Ok(()),
                            Err(RecvTimeoutError::Closed) => Err(()),
                        }
                    } else {
                        Ok(())
                    }
                }
            };
            r.is_err()
        });
        drop(rx);
        let mut i = 0;
        while i < n as u64 {
            if i % 5 == 0 {
                let want = (n as u64 - i).min(9) as usize;
                let r = tx.reserve_with(want, WaitStrategy::Blocking).unwrap();
                i += r.fill_with(|k| i + k as u64) as u64;
            } else {
                tx.send(i).unwrap();
                i += 1;
            }
        }
        drop(tx);
        assert_eq!(Seen::join_all(n, hs).count(), n);
    });
}

#[test]
fn mpmc_exactly_once_with_bitmap() {
    watchdog(120, || {
        let producers = scale(4, 2);
        let per = scale(60_000, 200);
        let n = producers * per;
        let (tx, rx) = mpmc::channel::<u64>(small(5));
        let ps: Vec<_> = (0..producers)
            .map(|p| {
                let mut tx = tx.clone();
                thread::spawn(move || {
                    for i in 0..per {
                        tx.send((p * per + i) as u64).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let cs = Seen::spawn_consumers(&rx, 3, n, |k, rx, seen| match k {
            0 => rx.recv().map(|v| seen.insert(v)).is_err(),
            1 => rx
                .consume_batch_with(|v| seen.insert(*v), WaitStrategy::Blocking)
                .is_err(),
            _ => {
                if rx.steal_batch(|v| seen.insert(*v)) == 0 {
                    match rx.try_recv() {
                        Ok(v) => seen.insert(v),
                        Err(TryRecvError::Closed) => return true,
                        Err(TryRecvError::Empty) => thread::yield_now(),
                    }
                }
                false
            }
        });
        drop(rx);
        for h in ps {
            h.join().unwrap();
        }
        assert_eq!(Seen::join_all(n, cs).count(), n);
    });
}

#[test]
fn mpmc_producer_rings_are_reused_and_fifo_per_ring() {
    let (tx, mut rx) = mpmc::channel::<u32>(small(6));
    for round in 0..50u32 {
        send_from_a_clone(&tx, round, |p, v| p.try_send(v).unwrap());
    }
    // Short-lived clones took over the free ring instead of growing the table.
    assert_eq!(rx.snapshot().pending_per_ring.len(), 2);
    // One reused ring: the clones' items come out in order.
    let got: Vec<u32> = rx.try_iter().collect();
    assert_eq!(got, (0..50).collect::<Vec<_>>());
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn consumer_bounds_and_last_consumer_closes() {
    let (mut tx, rx) = spmc::channel::<u8>(small(2));
    let c: Vec<_> = (0..3).map(|_| rx.try_clone().unwrap()).collect();
    assert_eq!(rx.consumer_count(), 4);
    assert_eq!(rx.try_clone().unwrap_err().max(), 4);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rx.clone()));
    assert!(r.is_err(), "Clone past max_consumers panics (documented)");
    drop(c);
    drop(rx);
    assert_eq!(tx.try_send(1), Err(TrySendError::Closed(1)));

    let (mut tx, rx) = mpmc::channel::<u8>(small(2));
    let c2 = rx.try_clone().unwrap();
    drop(rx);
    tx.try_send(1).unwrap();
    drop(c2);
    assert_eq!(tx.try_send(2), Err(TrySendError::Closed(2)));
}

/// Go straight to the futex.
const SLEEP: WaitStrategy = WaitStrategy::PhasedBackoff { spin: 0, yield_: 0 };

type Sleeper = thread::JoinHandle<Result<u8, RecvTimeoutError>>;

/// Three threads, each running `recv` on its own clone of `rx`.
fn spawn_sleepers<C: Clone + Send + 'static>(
    rx: &C,
    recv: fn(C) -> Result<u8, RecvTimeoutError>,
) -> Vec<Sleeper> {
    (0..3)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn(move || recv(rx))
        })
        .collect()
}

/// Every sleeper's receive ended with `Closed`.
fn assert_all_closed(sleepers: Vec<Sleeper>) {
    for s in sleepers {
        assert_eq!(s.join().unwrap(), Err(RecvTimeoutError::Closed));
    }
}

#[test]
fn close_wakes_every_sleeper_for_both_families() {
    watchdog(30, || {
        for _ in 0..scale(50, 3) {
            let (tx, rx) = spmc::channel::<u8>(small(1));
            let sleepers = spawn_sleepers(&rx, |mut rx| rx.recv_with(SLEEP));
            drop(tx);
            assert_all_closed(sleepers);
            drop(rx);

            let (tx, rx) = mpmc::channel::<u8>(small(1));
            let tx2 = tx.clone();
            let sleepers = spawn_sleepers(&rx, |mut rx| rx.recv_with(SLEEP));
            drop(tx);
            drop(tx2);
            assert_all_closed(sleepers);
            // A closer wakes a producer sleeping on a full ring, too.
            let (mut tx, rx) = mpmc::channel::<u8>(small(1));
            tx.send_slice(&[1, 2]);
            let closer = ring_core::wait::RecvEndpoint::closer(&rx);
            let p = thread::spawn(move || tx.send_with(3, SLEEP));
            closer.close();
            assert!(p.join().unwrap().unwrap_err().is_closed());
            drop(rx);
        }
    });
}

#[test]
fn items_drop_exactly_once_in_both_families() {
    let drops = Arc::new(AtomicUsize::new(0));
    {
        let (mut tx, mut rx) = spmc::channel::<Counted>(small(3));
        for i in 0..6 {
            tx.try_send(counted(i, &drops)).unwrap();
        }
        let mut rx2 = rx.clone();
        drop(rx.try_recv().unwrap());
        assert_eq!(rx2.skip(2), 2);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rx2.consume_up_to(1, |_| panic!("handler"))
        }));
        assert!(r.is_err());
    }
    assert_eq!(drops.load(Ordering::SeqCst), 6);
    {
        let (mut tx, mut rx) = mpmc::channel::<Counted>(small(3));
        let mut tx2 = tx.clone();
        for i in 0..4 {
            tx.try_send(counted(i, &drops)).unwrap();
            tx2.try_send(counted(10 + i, &drops)).unwrap();
        }
        let mut v = Vec::new();
        assert_eq!(rx.recv_many(&mut v, 3), 3);
        assert_eq!(rx.try_recv().map(|c| c.id < 100), Ok(true));
    }
    assert_eq!(drops.load(Ordering::SeqCst), 14);
}

#[test]
fn multi_consumer_api_surface() {
    let (mut tx, mut rx) = mpmc::channel::<u64>(small(4));
    let mut tx2 = tx.clone();
    assert_eq!(tx.send_slice(&[1, 2, 3]), 3);
    tx2.try_send(4).unwrap();
    assert_eq!(rx.len(), 4);
    assert_eq!(rx.producer_count(), 2);
    assert_eq!(rx.capacity(), 16);
    let mut out = [0; 8];
    assert_eq!(rx.recv_slice(&mut out), 4);
    out[..4].sort_unstable();
    assert_eq!(&out[..4], &[1, 2, 3, 4]);
    assert!(rx.is_empty());
    assert_eq!(rx.consume_count(), 0);
    tx.close();
    assert!(rx.is_closed());
    assert!(tx2.try_send(5).is_err());
    assert_eq!(rx.recv(), Err(ring_core::RecvError));

    let (mut tx, mut rx) = spmc::channel::<u64>(small(4));
    assert!(tx.reserve(0).is_none());
    assert_eq!(tx.available(), 16);
    tx.send_slice(&[5, 6]);
    assert_eq!(rx.len(), 2);
    assert_eq!(rx.peek_free_api_check(), ());
    let mut sum = 0;
    assert_eq!(rx.steal_batch(|x| sum += x), 2);
    assert_eq!(sum, 11);
    rx.close();
    assert!(tx.is_closed());
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(1)),
        Err(RecvTimeoutError::Closed)
    );
}

/// SPMC and MPMC have no `readable`/`peek` (checked at compile time here).
trait NoPeek {
    fn peek_free_api_check(&self) {}
}
impl<T> NoPeek for spmc::Consumer<T> {}
