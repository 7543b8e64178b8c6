//! Loom models of ring-shm's own atomics: the role claim (one winner across
//! racing claimants) and items crossing the ring through the shared handles
//! (volatile copies ordered by ring-core's acquire/release pairs).
//! Run: `RUSTFLAGS="--cfg ring_loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release -p ring-shm --test loom`
#![cfg(ring_loom)]
#![cfg(target_os = "linux")]

use loom::thread;
use ring_core::{Config, TryRecvError};
use ring_shm::{ShmError, ShmImage};

#[test]
fn a_role_is_claimed_once() {
    loom::model(|| {
        let image = ShmImage::new::<u8>(Config::default().with_ring_bits(1)).unwrap();
        let other = image.clone();
        let t = thread::spawn(move || other.producer::<u8>().map(drop));
        let here = image.producer::<u8>().map(drop);
        let there = t.join().unwrap();
        let wins = [&here, &there].iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1);
        assert!(matches!(
            (here, there),
            (Err(ShmError::RoleTaken), _) | (_, Err(ShmError::RoleTaken))
        ));
    });
}

#[test]
fn items_cross_in_order_and_close_is_seen() {
    loom::model(|| {
        let image = ShmImage::new::<u32>(Config::default().with_ring_bits(1)).unwrap();
        let mut tx = image.producer::<u32>().unwrap();
        let mut rx = image.consumer::<u32>().unwrap();
        let t = thread::spawn(move || {
            let mut sent = 0;
            while sent < 3 {
                if tx.try_send(sent + 10).is_ok() {
                    sent += 1;
                } else {
                    thread::yield_now();
                }
            }
            // dropped: closes
        });
        let mut next = 10;
        loop {
            match rx.try_recv() {
                Ok(v) => {
                    assert_eq!(v, next);
                    next += 1;
                }
                Err(TryRecvError::Empty) => thread::yield_now(),
                Err(TryRecvError::Closed) => break,
            }
        }
        assert_eq!(next, 13);
        t.join().unwrap();
    });
}
