//! Integration tests of the pool through its public API (also run under miri).

use std::thread;

use ring_core::{Config, spsc};
use ring_pool::{BufferPool, Handle, MAX_SLABS, PoolError};
use ringmpsc_testkit::watchdog;

#[test]
fn construction_errors_are_typed() {
    assert_eq!(BufferPool::new(0, 1).unwrap_err(), PoolError::ZeroSlabSize);
    assert_eq!(BufferPool::new(1, 0).unwrap_err(), PoolError::ZeroSlabCount);
    assert_eq!(
        BufferPool::new(1, MAX_SLABS + 1).unwrap_err(),
        PoolError::TooManySlabs {
            requested: MAX_SLABS + 1,
            max: MAX_SLABS
        }
    );
    assert_eq!(
        BufferPool::new(usize::MAX / 2, 3).unwrap_err(),
        PoolError::TooLarge {
            slab_size: usize::MAX / 2,
            slab_count: 3
        }
    );
    // Fits in usize but not in an allocation (> isize::MAX).
    assert!(matches!(
        BufferPool::new(usize::MAX / 2 + 1, 1),
        Err(PoolError::TooLarge { .. })
    ));
}

#[test]
fn queries_and_fresh_slabs() {
    let pool = BufferPool::new(100, 3).unwrap();
    assert_eq!(pool.slab_size(), 100);
    assert_eq!(pool.capacity(), 3);
    assert_eq!(pool.available(), 3);
    let slab = pool.alloc().unwrap();
    assert_eq!(slab.len(), 100);
    assert!(slab.iter().all(|&b| b == 0), "fresh slabs are zeroed");
    assert_eq!(pool.available(), 2);
    assert!(format!("{pool:?}").contains("available: 2"));
}

#[test]
fn exhaustion_and_reuse() {
    let pool = BufferPool::new(16, 4).unwrap();
    let slabs: Vec<_> = (0..4).map(|_| pool.alloc().unwrap()).collect();
    assert!(pool.alloc().is_none());
    assert_eq!(pool.available(), 0);
    let mut indices: Vec<_> = slabs.into_iter().map(|s| s.publish(0).index()).collect();
    indices.sort_unstable();
    assert_eq!(indices, [0, 1, 2, 3], "every slab handed out once");
    // Published but unclaimed handles keep their slabs.
    assert!(pool.alloc().is_none());
}

#[test]
fn dropping_an_unpublished_slab_returns_it() {
    let pool = BufferPool::new(16, 1).unwrap();
    let mut s = pool.alloc().unwrap();
    s[0] = 1;
    drop(s);
    assert_eq!(pool.available(), 1);
    let s = pool.alloc().unwrap();
    assert_eq!(s[0], 1, "the bytes are the last user's (no clearing)");
}

#[test]
fn publish_then_claim_round_trip() {
    let pool = BufferPool::new(32, 2).unwrap();
    let mut s = pool.alloc().unwrap();
    s[..5].copy_from_slice(b"hello");
    let h = s.publish(5);
    let got = pool.claim(h).unwrap();
    assert_eq!(&got[..], b"hello");
    assert_eq!(pool.available(), 1);
    drop(got);
    assert_eq!(pool.available(), 2);
}

#[test]
fn publish_zero_and_full_length() {
    let pool = BufferPool::new(8, 2).unwrap();
    let h0 = pool.alloc().unwrap().publish(0);
    let mut s = pool.alloc().unwrap();
    s.copy_from_slice(&[9; 8]);
    let h8 = s.publish(8);
    assert!(pool.claim(h0).unwrap().is_empty());
    assert_eq!(&pool.claim(h8).unwrap()[..], &[9; 8]);
}

#[test]
#[should_panic(expected = "exceeds the slab size")]
fn publish_past_the_slab_panics() {
    let pool = BufferPool::new(8, 1).unwrap();
    let _ = pool.alloc().unwrap().publish(9);
}

#[test]
fn a_panicking_publish_returns_the_slab() {
    let pool = BufferPool::new(8, 1).unwrap();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = pool.alloc().unwrap().publish(9);
    }));
    assert!(r.is_err());
    assert_eq!(pool.available(), 1);
}

#[test]
fn duplicated_handle_is_an_error_not_an_alias() {
    let pool = BufferPool::new(8, 1).unwrap();
    let h = pool.alloc().unwrap().publish(1);
    let dup = h;
    let first = pool.claim(h).unwrap();
    assert_eq!(pool.claim(dup).unwrap_err(), PoolError::AlreadyClaimed);
    drop(first);
    assert_eq!(pool.claim(dup).unwrap_err(), PoolError::StaleHandle);
    // The slab is reused under a new generation; the old handle stays stale.
    let h2 = pool.alloc().unwrap().publish(2);
    assert_eq!(h2.index(), h.index());
    assert_ne!(h2, h);
    assert_eq!(pool.claim(h).unwrap_err(), PoolError::StaleHandle);
    assert_eq!(pool.claim(h2).unwrap().len(), 2);
}

/// Two pools of `slabs` 8-byte slabs each.
fn two_pools(slabs: usize) -> (BufferPool, BufferPool) {
    (
        BufferPool::new(8, slabs).unwrap(),
        BufferPool::new(8, slabs).unwrap(),
    )
}

#[test]
fn forged_and_foreign_handles_are_errors() {
    let (a, b) = two_pools(2);
    let h = a.alloc().unwrap().publish(1);
    assert_eq!(b.claim(h).unwrap_err(), PoolError::ForeignHandle);
    let [pool, index, generation, high] = h.to_words();
    assert_eq!(Handle::from_words([pool, index, generation, high]), h);
    for (what, words) in [
        ("out of range", [pool, 99, generation, high]),
        (
            "a generation from the future",
            [pool, index, generation + 5, high],
        ),
        (
            "the same low half 2^32 generations on: from the future too",
            [pool, index, generation, high + 1],
        ),
        (
            "beyond any generation the pool can reach (2^62 - 1)",
            [pool, index, generation, u32::MAX],
        ),
    ] {
        let bad = Handle::from_words(words);
        assert_eq!(
            a.claim(bad).unwrap_err(),
            PoolError::InvalidHandle,
            "{what}"
        );
    }
    // The other slab, never published under this generation: still free.
    let other = Handle::from_words([pool, 1 - index, generation, high]);
    assert!(a.claim(other).is_err());
    // A slab being written cannot be claimed.
    let w = a.alloc().unwrap();
    let writing = Handle::from_words([pool, 1 - index, 1, 0]);
    assert_eq!(a.claim(writing).unwrap_err(), PoolError::InvalidHandle);
    drop(w);
    // The real handle still works after all that.
    assert_eq!(a.claim(h).unwrap().len(), 1);
}

#[test]
fn pools_get_distinct_ids() {
    let (a, b) = two_pools(1);
    let ha = a.alloc().unwrap().publish(0);
    let hb = b.alloc().unwrap().publish(0);
    assert_ne!(ha.to_words()[0], hb.to_words()[0]);
}

#[test]
fn handle_is_small_and_plain() {
    assert_eq!(std::mem::size_of::<Handle>(), 16);
    assert_eq!(std::mem::align_of::<Handle>(), 4);
    fn send_sync_copy<T: Send + Sync + Copy>() {}
    send_sync_copy::<Handle>();
    fn send_sync<T: Send + Sync>() {}
    send_sync::<BufferPool>();
    send_sync::<ring_pool::Slab<'static>>();
    send_sync::<ring_pool::SlabMut<'static>>();
}

#[test]
fn concurrent_alloc_free_hands_each_slab_to_one_owner() {
    const SLABS: usize = 4;
    let rounds = if cfg!(miri) { 50 } else { 20_000 };
    let pool = BufferPool::new(8, SLABS).unwrap();
    watchdog(60, move || {
        thread::scope(|s| {
            for t in 0..2u8 {
                let pool = &pool;
                s.spawn(move || {
                    for r in 0..rounds {
                        let Some(mut slab) = pool.alloc() else {
                            thread::yield_now();
                            continue;
                        };
                        // Exclusive: what we write is what we read back.
                        let mark = t.wrapping_mul(101).wrapping_add(r as u8);
                        slab.fill(mark);
                        thread::yield_now();
                        assert!(slab.iter().all(|&b| b == mark), "slab shared by two owners");
                        if r % 2 == 0 {
                            drop(slab);
                        } else {
                            let h = slab.publish(8);
                            let got = pool.claim(h).unwrap();
                            assert!(got.iter().all(|&b| b == mark));
                        }
                    }
                });
            }
        });
        assert_eq!(pool.available(), SLABS);
    });
}

/// Handles through an SPSC ring across two threads, every byte checked.
///
/// The pool has `capacity + 2` slabs: a full ring, one slab the consumer holds
/// and one the producer is writing. So `alloc` never fails, which this checks.
#[test]
fn stress_handles_through_an_spsc_ring() {
    let messages: u64 = if cfg!(miri) { 300 } else { 200_000 };
    let slab_size = if cfg!(miri) { 64 } else { 512 };
    let cfg = Config::default().with_ring_bits(if cfg!(miri) { 2 } else { 6 });
    let pool = BufferPool::new(slab_size, cfg.capacity() + 2).unwrap();
    let (mut tx, mut rx) = spsc::channel::<Handle>(cfg);

    fn len_of(seq: u64, slab_size: usize) -> usize {
        (seq.wrapping_mul(2_654_435_761) % (slab_size as u64 + 1)) as usize
    }
    fn byte_of(seq: u64, i: usize) -> u8 {
        (seq as u8).wrapping_mul(31) ^ (i as u8).wrapping_add((seq >> 8) as u8)
    }

    watchdog(120, move || {
        thread::scope(|s| {
            let pool = &pool;
            s.spawn(move || {
                for seq in 0..messages {
                    let mut slab = pool
                        .alloc()
                        .expect("pool sized for ring + 2 never runs out");
                    let len = len_of(seq, slab_size);
                    for (i, b) in slab[..len].iter_mut().enumerate() {
                        *b = byte_of(seq, i);
                    }
                    tx.send(slab.publish(len)).unwrap();
                }
            });
            for seq in 0..messages {
                let h = rx.recv().unwrap();
                let slab = pool.claim(h).unwrap();
                assert_eq!(slab.len(), len_of(seq, slab_size), "message {seq}");
                for (i, &b) in slab.iter().enumerate() {
                    assert_eq!(b, byte_of(seq, i), "message {seq}, byte {i}");
                }
                // A second claim of the same handle must fail.
                assert_eq!(pool.claim(h).unwrap_err(), PoolError::AlreadyClaimed);
            }
            assert!(rx.recv().is_err(), "closed after the producer finished");
        });
        assert_eq!(pool.available(), pool.capacity());
    });
}

/// Regression: a pool whose per-slab metadata or slab memory cannot be
/// allocated is an `Err`, not a process abort. `new` used to build the
/// metadata first and infallibly (`collect`): here about 24 bytes times
/// `MAX_SLABS` (~103 GB), whose failed allocation aborted the test process.
#[test]
#[cfg_attr(
    miri,
    ignore = "miri stops on an allocation it cannot make instead of returning null"
)]
fn unallocatable_pool_is_an_error_not_an_abort() {
    // The largest slab size whose total still makes a valid `Layout` with the
    // most slabs: about 2^63 bytes, which no allocator can provide.
    let slab_size = (isize::MAX as usize - 64) / MAX_SLABS;
    let err = BufferPool::new(slab_size, MAX_SLABS).unwrap_err();
    assert!(matches!(err, PoolError::OutOfMemory { .. }), "{err:?}");
}
