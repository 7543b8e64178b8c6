//! Loom models of the pool: the free list under concurrent alloc/free with
//! reuse, and two claims of one handle racing.
//!
//! Run with `RUSTFLAGS="--cfg ring_loom" LOOM_MAX_PREEMPTIONS=2 cargo test
//! --release -p ring-pool --test loom`. Slab bytes are raw memory loom cannot
//! see; the pool touches a loom cell per slab (`SlotTracker`) when a guard is
//! made and when it ends, so a new owner not ordered after the old one is
//! reported by the model.
#![cfg(ring_loom)]

use loom::sync::Arc;
use loom::thread;

use ring_pool::{BufferPool, Handle, PoolError};

/// One alloc/write/check/free cycle (publish+claim on odd rounds).
fn cycle(pool: &BufferPool, mark: u8, round: usize) -> bool {
    let Some(mut slab) = pool.alloc() else {
        return false;
    };
    slab[0] = mark;
    assert_eq!(slab[0], mark, "slab shared by two owners");
    if round % 2 == 1 {
        let h = slab.publish(1);
        let got = pool.claim(h).expect("own handle");
        assert_eq!(got[0], mark);
    }
    true
}

/// A pool of two 4-byte slabs, and a thread running `f` on it.
fn two_slabs_and_a_thread(
    f: impl FnOnce(&BufferPool) + Send + 'static,
) -> (Arc<BufferPool>, thread::JoinHandle<()>) {
    let pool = Arc::new(BufferPool::new(4, 2).unwrap());
    let p = pool.clone();
    let t = thread::spawn(move || f(&p));
    (pool, t)
}

/// Two threads allocate and free twice each on a pool of two slabs, so slabs
/// are reused and the head's tag is exercised; then everything is free.
#[test]
fn free_list_two_threads_with_reuse() {
    loom::model(|| {
        let (pool, t) = two_slabs_and_a_thread(|p| {
            for r in 0..2 {
                cycle(p, 1, r);
            }
        });
        for r in 0..2 {
            cycle(&pool, 2, r);
        }
        t.join().unwrap();
        assert_eq!(pool.available(), 2);
        // Both slabs can still be taken at once: the list was not corrupted.
        let a = pool.alloc().unwrap();
        let b = pool.alloc().unwrap();
        assert!(pool.alloc().is_none());
        drop((a, b));
    });
}

/// Three threads contend for a pool of two slabs: one of them can find it
/// exhausted, nobody ever gets a slab another holds.
#[test]
fn free_list_three_threads() {
    loom::model(|| {
        let pool = Arc::new(BufferPool::new(4, 2).unwrap());
        let handles: Vec<_> = (0..2u8)
            .map(|t| {
                let p = pool.clone();
                thread::spawn(move || {
                    cycle(&p, t + 1, 0);
                })
            })
            .collect();
        cycle(&pool, 9, 0);
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(pool.available(), 2);
    });
}

/// ABA: while one thread is between reading the head and its CAS, another
/// pops both slabs and pushes them back in another order. The tag makes the
/// stale CAS fail.
#[test]
fn free_list_aba() {
    loom::model(|| {
        let (pool, t) = two_slabs_and_a_thread(|p| {
            let a = p.alloc();
            drop(a);
        });
        let a = pool.alloc();
        let b = pool.alloc();
        drop(a);
        drop(b);
        t.join().unwrap();
        assert_eq!(pool.available(), 2);
        let x = pool.alloc().unwrap();
        let y = pool.alloc().unwrap();
        assert_ne!(x.publish(0).index(), y.publish(0).index());
    });
}

/// One side of `claim_races_claim`: whether this claim of `h` won (and then
/// saw the byte 42); a lost race is `AlreadyClaimed` or `StaleHandle`.
fn claim_42(pool: &BufferPool, h: Handle) -> bool {
    match pool.claim(h) {
        Ok(s) => {
            assert_eq!(s[0], 42);
            true
        }
        Err(e) => {
            assert!(matches!(
                e,
                PoolError::AlreadyClaimed | PoolError::StaleHandle
            ));
            false
        }
    }
}

/// Two threads claim copies of one handle: exactly one wins; the loser sees
/// `AlreadyClaimed` (winner still holds it) or `StaleHandle` (winner done).
/// The slab comes back exactly once.
#[test]
fn claim_races_claim() {
    loom::model(|| {
        let pool = Arc::new(BufferPool::new(4, 2).unwrap());
        let mut slab = pool.alloc().unwrap();
        slab[0] = 42;
        let h = slab.publish(1);
        let p = pool.clone();
        let t = thread::spawn(move || claim_42(&p, h));
        let mine = claim_42(&pool, h);
        let theirs = t.join().unwrap();
        assert!(mine ^ theirs, "exactly one claim wins");
        assert_eq!(pool.available(), 2);
    });
}

/// A publish on one thread and a claim on another: the claimer sees the bytes
/// (the Release/Acquire pair on the state word), and a stale claim racing the
/// slab's reuse fails.
#[test]
fn publish_claim_across_threads_with_reuse() {
    loom::model(|| {
        let pool = Arc::new(BufferPool::new(4, 1).unwrap());
        let (tx, rx) = loom::sync::mpsc::channel();
        let p = pool.clone();
        let t = thread::spawn(move || {
            let mut slab = p.alloc().unwrap();
            slab[0] = 7;
            tx.send(slab.publish(1)).unwrap();
        });
        let h = rx.recv().unwrap();
        let got = pool.claim(h).unwrap();
        assert_eq!(got[0], 7);
        drop(got);
        t.join().unwrap();
        let p2 = pool.clone();
        let stale = thread::spawn(move || p2.claim(h).map(|s| s.len()));
        let mut again = pool.alloc().unwrap();
        again[0] = 8;
        let h2 = again.publish(1);
        assert_eq!(stale.join().unwrap(), Err(PoolError::StaleHandle));
        assert_eq!(pool.claim(h2).unwrap()[0], 8);
    });
}

/// The sharded free list's hand-over: each thread frees into its own shard
/// and a thread whose shard is empty takes from another's. Here the main
/// thread holds the slab of its own shard and takes a second one from the
/// other thread's shard while that thread allocates, writes and frees it:
/// the take is ordered after the other owner's writes (the slab tracker
/// reports otherwise), or finds the slab in use.
#[test]
fn an_empty_shard_takes_a_slab_another_thread_freed() {
    loom::model(|| {
        let (pool, t) = two_slabs_and_a_thread(|p| {
            cycle(p, 1, 0);
        });
        let mine = pool.alloc().unwrap();
        cycle(&pool, 2, 1);
        t.join().unwrap();
        drop(mine);
        assert_eq!(pool.available(), 2);
        // Both are still there to be taken at once.
        let (a, b) = (pool.alloc().unwrap(), pool.alloc().unwrap());
        assert!(pool.alloc().is_none());
        drop((a, b));
    });
}
