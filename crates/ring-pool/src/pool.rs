//! [`BufferPool`]: the slab memory, the per-slab metadata, allocation, claims
//! and the free path.

use core::alloc::Layout;
use core::fmt;
use core::ptr::NonNull;

use crossbeam_utils::CachePadded;
use ring_core::sync::{AtomicU32, AtomicU64, AtomicUsize, Ordering, SlotTracker, thread_slot};

use crate::error::{PoolError, classify};
use crate::free_list::FreeList;
use crate::handle::Handle;
use crate::slab::{Slab, SlabMut};
use crate::words::{
    CLAIMED, FREE, GEN_MAX, MAX_SLABS, NIL, PUBLISHED, WRITING, generation_of, head_word,
    state_word,
};

/// Alignment of the slab memory (and of every slab whose size is a multiple).
const ALIGN: usize = 64;

/// Most free-list shards a pool has (fewer with fewer slabs or CPUs).
const MAX_SHARDS: usize = 8;

/// Per-slab metadata. Every field is atomic: other threads read `state` (a
/// claim of a stale handle) and `next` (a pop that lost a race) while the
/// owner writes them.
#[derive(Debug)]
pub(crate) struct SlabMeta {
    /// Generation (high 62 bits) and state (low 2 bits).
    pub(crate) state: AtomicU64,
    /// Next free slab while this one is on the free list.
    pub(crate) next: AtomicU32,
    /// Bytes published; written before the `PUBLISHED` store.
    pub(crate) len: AtomicUsize,
}

/// Hands out a process-wide pool id (wrapping after 2^32 pools).
#[allow(clippy::disallowed_types)] // reason: a process-wide id counter, no protocol for loom to model
fn next_pool_id() -> u32 {
    static NEXT: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(1);
    // ORDERING: Relaxed; only uniqueness of the value matters, and an RMW gives it.
    NEXT.fetch_add(1, core::sync::atomic::Ordering::Relaxed)
}

/// A lock-free pool of `slab_count` byte slabs of `slab_size` bytes each.
///
/// See the [crate documentation](crate) for the guarantees.
///
/// # Examples
///
/// ```
/// use ring_pool::BufferPool;
/// let pool = BufferPool::new(1024, 8)?;
/// let mut slab = pool.alloc().unwrap();
/// slab[..5].copy_from_slice(b"hello");
/// let handle = slab.publish(5);
/// // ... send `handle` through a ring ...
/// let slab = pool.claim(handle)?;
/// assert_eq!(&slab[..], b"hello");
/// # Ok::<(), ring_pool::PoolError>(())
/// ```
pub struct BufferPool {
    /// The free list, sharded: each thread frees to and allocates from its
    /// own shard (by [`thread_slot`]) and takes from the others only when
    /// its own is empty, so threads that each allocate and free do not
    /// share a cache line. Each shard is a Treiber stack on its own line.
    pub(crate) shards: Box<[CachePadded<FreeList>]>,
    pub(crate) meta: Box<[SlabMeta]>,
    memory: NonNull<u8>,
    layout: Layout,
    pub(crate) slab_size: usize,
    pub(crate) id: u32,
    /// Lets loom check that slab accesses are ordered (no-op otherwise).
    pub(crate) tracker: SlotTracker,
}

// SAFETY: the pool owns its memory (freed only in `Drop`). Slab bytes are read or
// written only through a `SlabMut` or `Slab`, and the slab's state word (changed
// by the free list's pop, by `publish` and by the claim CAS, all synchronising
// with Release/Acquire) makes each guard the only one for its slab, so moving
// the pool or sharing `&BufferPool` across threads cannot make two threads touch
// one slab's bytes unordered. Every other field is an atomic or immutable.
unsafe impl Send for BufferPool {}
// SAFETY: see the `Send` impl above: all shared mutation goes through atomics or
// through exclusive slab guards.
unsafe impl Sync for BufferPool {}

impl fmt::Debug for BufferPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufferPool")
            .field("slab_size", &self.slab_size)
            .field("capacity", &self.capacity())
            .field("available", &self.available())
            .finish_non_exhaustive()
    }
}

impl BufferPool {
    /// Makes a pool of `slab_count` zeroed slabs of `slab_size` bytes, all free.
    ///
    /// # Errors
    ///
    /// [`PoolError::ZeroSlabSize`], [`PoolError::ZeroSlabCount`],
    /// [`PoolError::TooManySlabs`] (more than [`MAX_SLABS`]),
    /// [`PoolError::TooLarge`] (the byte size overflows) or
    /// [`PoolError::OutOfMemory`] (the allocator cannot provide the slabs or
    /// their metadata).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_pool::{BufferPool, PoolError};
    /// assert_eq!(BufferPool::new(0, 4).unwrap_err(), PoolError::ZeroSlabSize);
    /// assert!(matches!(BufferPool::new(usize::MAX, 2), Err(PoolError::TooLarge { .. })));
    /// # #[cfg(not(miri))] { // miri stops on an allocation it cannot make
    /// // About 2^63 bytes: a valid size no allocator can provide.
    /// let huge = BufferPool::new(isize::MAX as usize / 4, 3);
    /// assert!(matches!(huge, Err(PoolError::OutOfMemory { .. })));
    /// # }
    /// let pool = BufferPool::new(4096, 16)?;
    /// assert_eq!((pool.slab_size(), pool.capacity(), pool.available()), (4096, 16, 16));
    /// # Ok::<(), PoolError>(())
    /// ```
    pub fn new(slab_size: usize, slab_count: usize) -> Result<BufferPool, PoolError> {
        if slab_size == 0 {
            return Err(PoolError::ZeroSlabSize);
        }
        if slab_count == 0 {
            return Err(PoolError::ZeroSlabCount);
        }
        if slab_count > MAX_SLABS {
            return Err(PoolError::TooManySlabs {
                requested: slab_count,
                max: MAX_SLABS,
            });
        }
        let too_large = PoolError::TooLarge {
            slab_size,
            slab_count,
        };
        let bytes = slab_size.checked_mul(slab_count).ok_or(too_large)?;
        let layout = Layout::from_size_align(bytes, ALIGN).map_err(|_| too_large)?;
        // The slab memory first: it is at least as large as the slab count, so a
        // request too big to allocate fails here, at once, before the metadata
        // (about 24 bytes a slab) is allocated and initialised.
        // SAFETY: `layout` has a non-zero size (`slab_size` and `slab_count` are
        // both at least 1, checked above).
        let raw = unsafe { std::alloc::alloc_zeroed(layout) };
        let memory = NonNull::new(raw).ok_or(PoolError::OutOfMemory { bytes })?;
        let shards = shard_count(slab_count);
        let meta = match new_meta(slab_count, shards) {
            Ok(meta) => meta,
            Err(e) => {
                // SAFETY: `memory` came from `alloc_zeroed(layout)` just above and was
                // never handed out; it is freed once, here.
                unsafe { std::alloc::dealloc(memory.as_ptr(), layout) };
                return Err(e);
            }
        };
        let shards = (0..shards)
            .map(|k| {
                let (lo, hi) = shard_range(slab_count, shards, k);
                CachePadded::new(FreeList {
                    head: AtomicU64::new(head_word(0, if lo < hi { lo as u32 } else { NIL })),
                    free: AtomicUsize::new(hi - lo),
                })
            })
            .collect();
        Ok(BufferPool {
            shards,
            meta,
            memory,
            layout,
            slab_size,
            id: next_pool_id(),
            tracker: SlotTracker::new(slab_count),
        })
    }

    /// Bytes per slab.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = ring_pool::BufferPool::new(512, 2)?;
    /// assert_eq!(pool.slab_size(), 512);
    /// assert_eq!(pool.alloc().unwrap().len(), 512);
    /// # Ok::<(), ring_pool::PoolError>(())
    /// ```
    pub fn slab_size(&self) -> usize {
        self.slab_size
    }

    /// Slabs in the pool.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = ring_pool::BufferPool::new(512, 3)?;
    /// assert_eq!(pool.capacity(), 3);
    /// # Ok::<(), ring_pool::PoolError>(())
    /// ```
    pub fn capacity(&self) -> usize {
        self.meta.len()
    }

    /// Slabs free now. Exact when no other thread allocates or frees at the
    /// same moment; otherwise a snapshot that may count a slab being freed as
    /// free a moment early. Never more than [`capacity`](Self::capacity).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = ring_pool::BufferPool::new(512, 3)?;
    /// let slab = pool.alloc().unwrap();
    /// assert_eq!(pool.available(), 2);
    /// drop(slab); // an unpublished slab goes back
    /// assert_eq!(pool.available(), 3);
    /// # Ok::<(), ring_pool::PoolError>(())
    /// ```
    pub fn available(&self) -> usize {
        self.shards
            .iter()
            // ORDERING: Relaxed; a statistic, ordered with nothing else.
            .map(|s| s.free.load(Ordering::Relaxed))
            .sum::<usize>()
            .min(self.capacity())
    }

    /// The calling thread's free-list shard (the shard count is a power of
    /// two: a mask, not a division, on the hot path).
    #[inline]
    fn home(&self) -> usize {
        thread_slot() & (self.shards.len() - 1)
    }

    /// Pops a free slab: from this thread's shard, else from the others in
    /// turn. A slab freed into a shard the scan already passed can be
    /// missed; the scan runs again while the counts say a slab is free (at
    /// most twice), so `None` means every slab was in use at some moment of
    /// the call, or frees raced the scan twice.
    fn pop(&self) -> Option<u32> {
        let mask = self.shards.len() - 1;
        let home = self.home();
        if let Some(index) = self.shards[home].pop(&self.meta) {
            return Some(index);
        }
        for _ in 0..2 {
            for i in 1..=mask + 1 {
                if let Some(index) = self.shards[(home + i) & mask].pop(&self.meta) {
                    return Some(index);
                }
            }
            if self.available() == 0 {
                break;
            }
        }
        None
    }

    /// Takes a free slab for writing, or `None` when every slab is in use.
    /// Lock-free. The slab holds whatever its last user wrote (zeroes at first).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = ring_pool::BufferPool::new(64, 1)?;
    /// let slab = pool.alloc().unwrap();
    /// assert!(pool.alloc().is_none()); // exhausted
    /// drop(slab);
    /// assert!(pool.alloc().is_some());
    /// # Ok::<(), ring_pool::PoolError>(())
    /// ```
    pub fn alloc(&self) -> Option<SlabMut<'_>> {
        let index = self.pop()?;
        let meta = &self.meta[index as usize];
        // ORDERING: Relaxed; the slab is ours since the pop, whose Acquire made the
        // previous owner's `FREE` store (made before its Release push) visible, and
        // no other thread can change a non-`PUBLISHED` state.
        let old = meta.state.load(Ordering::Relaxed);
        // A slab freed under `GEN_MAX` is retired (never pushed), so this never
        // overflows.
        debug_assert!(generation_of(old) < GEN_MAX);
        let generation = generation_of(old) + 1;
        // ORDERING: Relaxed; only our own later Release store (`publish`) hands the
        // slab to another thread. A concurrent claim with a stale handle just fails.
        meta.state
            .store(state_word(generation, WRITING), Ordering::Relaxed);
        self.tracker.write(index as usize);
        Some(SlabMut {
            pool: self,
            index,
            generation,
        })
    }

    /// Claims the slab a handle names: the returned [`Slab`] derefs to the
    /// published bytes and returns the slab to the pool when dropped.
    ///
    /// # Errors
    ///
    /// [`PoolError::ForeignHandle`] for another pool's handle,
    /// [`PoolError::AlreadyClaimed`] while another claim of the same handle
    /// holds the slab, [`PoolError::StaleHandle`] once that claim returned it,
    /// [`PoolError::InvalidHandle`] for a handle this pool never published.
    /// A handle is never accepted again once its slab was reused: generations
    /// do not wrap (see the [crate documentation](crate)).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_pool::{BufferPool, PoolError};
    /// let pool = BufferPool::new(64, 2)?;
    /// let mut slab = pool.alloc().unwrap();
    /// slab[..2].copy_from_slice(b"hi");
    /// let handle = slab.publish(2);
    /// let first = pool.claim(handle)?;
    /// assert_eq!(&first[..], b"hi");
    /// assert_eq!(pool.claim(handle).unwrap_err(), PoolError::AlreadyClaimed);
    /// drop(first);
    /// assert_eq!(pool.claim(handle).unwrap_err(), PoolError::StaleHandle);
    /// # Ok::<(), PoolError>(())
    /// ```
    pub fn claim(&self, handle: Handle) -> Result<Slab<'_>, PoolError> {
        if handle.pool != self.id {
            return Err(PoolError::ForeignHandle);
        }
        let Some(meta) = self.meta.get(handle.index as usize) else {
            return Err(PoolError::InvalidHandle);
        };
        let generation = handle.generation();
        if generation > GEN_MAX {
            // No slab is ever published under it (and it does not fit the state word).
            return Err(PoolError::InvalidHandle);
        }
        // ORDERING: Acquire on success; pairs with the Release store of `PUBLISHED`
        // in `SlabMut::publish`, so the writer's bytes and `len` are visible. One
        // RMW: of two claims of one handle only one can see `PUBLISHED(gen)`.
        // Relaxed on failure: nothing is read through a failed claim.
        match meta.state.compare_exchange(
            state_word(generation, PUBLISHED),
            state_word(generation, CLAIMED),
            Ordering::Acquire,
            Ordering::Relaxed,
        ) {
            Ok(_) => {
                // ORDERING: Relaxed; written before the Release store our Acquire
                // CAS read from, and unchanged while we hold the slab.
                let len = meta.len.load(Ordering::Relaxed);
                self.tracker.read(handle.index as usize);
                Ok(Slab {
                    pool: self,
                    index: handle.index,
                    generation,
                    len,
                })
            }
            Err(actual) => Err(classify(actual, generation)),
        }
    }

    /// Start of slab `index`.
    #[inline(always)]
    pub(crate) fn slab_ptr(&self, index: u32) -> *mut u8 {
        debug_assert!((index as usize) < self.capacity());
        // SAFETY: `index < capacity` (indices come only from the free list, built
        // from `0..capacity`), so `index * slab_size < slab_size * capacity`, the
        // size of the allocation: the offset stays inside it.
        unsafe { self.memory.as_ptr().add(index as usize * self.slab_size) }
    }

    /// Returns a slab the caller holds (writing or claimed) to the free list,
    /// or retires it if it was used under the last generation, `GEN_MAX`.
    pub(crate) fn free(&self, index: u32, generation: u64) {
        // ORDERING: Relaxed; the Release CAS in `push` orders it before the next
        // owner's load in `alloc` (a retired slab has no next owner). Stale claims
        // racing with it fail either way.
        self.meta[index as usize]
            .state
            .store(state_word(generation, FREE), Ordering::Relaxed);
        if generation == GEN_MAX {
            // Retired: a new generation would wrap, and a wrapped generation would
            // let a stale handle match a later publication. Out of the free list,
            // nobody can own the slab again; claims of its handles see `FREE(GEN_MAX)`.
            return;
        }
        self.shards[self.home()].push(&self.meta, index);
    }
}

impl Drop for BufferPool {
    fn drop(&mut self) {
        // SAFETY: `memory` came from `alloc_zeroed(self.layout)` in `new`; every
        // guard borrows the pool, so none is alive now.
        unsafe { std::alloc::dealloc(self.memory.as_ptr(), self.layout) }
    }
}

/// Free-list shards for a pool of `count` slabs: a power of two, about one
/// per CPU, at most [`MAX_SHARDS`], at most one per slab.
fn shard_count(count: usize) -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let n = cpus.clamp(1, MAX_SHARDS).min(count).max(1);
    // The largest power of two not above `n`.
    1 << n.ilog2()
}

/// The slabs shard `k` of `shards` starts with: a contiguous block, so the
/// threads of different shards touch different metadata lines.
fn shard_range(count: usize, shards: usize, k: usize) -> (usize, usize) {
    (count * k / shards, count * (k + 1) / shards)
}

/// The metadata of `count` free slabs, each shard's block linked in order
/// (`lo -> lo + 1 -> .. -> hi - 1`). Allocated fallibly:
/// [`PoolError::OutOfMemory`] rather than an abort.
fn new_meta(count: usize, shards: usize) -> Result<Box<[SlabMeta]>, PoolError> {
    let mut meta: Vec<SlabMeta> = Vec::new();
    meta.try_reserve_exact(count)
        .map_err(|_| PoolError::OutOfMemory {
            bytes: count.saturating_mul(core::mem::size_of::<SlabMeta>()),
        })?;
    // `count <= MAX_SLABS < NIL` (checked by `BufferPool::new`), so every link
    // fits in u32 and none is `NIL`.
    debug_assert!(count <= MAX_SLABS);
    for k in 0..shards {
        let (lo, hi) = shard_range(count, shards, k);
        for i in lo + 1..=hi {
            meta.push(SlabMeta {
                state: AtomicU64::new(state_word(0, FREE)),
                next: AtomicU32::new(if i == hi { NIL } else { i as u32 }),
                len: AtomicUsize::new(0),
            });
        }
    }
    // The capacity is exactly `count` (reserved exactly, never grown), so this
    // does not reallocate.
    Ok(meta.into_boxed_slice())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::{STATE_MASK, head_index};

    #[test]
    fn generation_bumps_per_allocation() {
        let pool = BufferPool::new(8, 1).unwrap();
        let h1 = pool.alloc().unwrap().publish(0);
        drop(pool.claim(h1).unwrap());
        let h2 = pool.alloc().unwrap().publish(0);
        assert_eq!(h1.index, h2.index);
        assert_eq!(h2.generation(), h1.generation() + 1);
        assert_eq!(pool.claim(h1).unwrap_err(), PoolError::StaleHandle);
        assert!(pool.claim(h2).is_ok());
    }

    impl BufferPool {
        /// Test hook: moves free slab `index` to `generation`, as if it had been
        /// allocated that many times, instead of looping billions of times.
        fn set_generation(&self, index: u32, generation: u64) {
            let meta = &self.meta[index as usize];
            // ORDERING: Relaxed; single-threaded tests, the slab is on the free list.
            assert_eq!(meta.state.load(Ordering::Relaxed) & STATE_MASK, FREE);
            // ORDERING: Relaxed; as above.
            meta.state
                .store(state_word(generation, FREE), Ordering::Relaxed);
        }
    }

    /// Regression: with 32-bit generations, a handle 2^32 reuses old had the
    /// same generation as the slab's new publication and claimed it.
    #[test]
    fn stale_handle_rejected_after_2_pow_32_generations() {
        let pool = BufferPool::new(8, 1).unwrap();
        let old = pool.alloc().unwrap().publish(1);
        drop(pool.claim(old).unwrap());
        // As if the slab had been allocated 2^32 - 1 more times: the next
        // allocation is 2^32 generations after `old`.
        pool.set_generation(old.index, old.generation() + (1 << 32) - 1);
        let new = pool.alloc().unwrap().publish(2);
        assert_eq!(new.generation(), old.generation() + (1 << 32));
        assert_ne!(new, old);
        assert_eq!(pool.claim(old).unwrap_err(), PoolError::StaleHandle);
        assert_eq!(pool.claim(new).unwrap().len(), 2);
        assert_eq!(pool.claim(old).unwrap_err(), PoolError::StaleHandle);
    }

    /// The last generation retires its slab instead of wrapping to 0, so even
    /// a handle 2^62 reuses old is never accepted again.
    #[test]
    fn the_last_generation_retires_its_slab() {
        let pool = BufferPool::new(8, 2).unwrap();
        // ORDERING: Relaxed; single-threaded test. The top of the free list is
        // the slab the next `alloc` takes.
        let index = head_index(pool.shards[pool.home()].head.load(Ordering::Relaxed));
        pool.set_generation(index, GEN_MAX - 1);
        let mut slab = pool.alloc().unwrap();
        assert_eq!(slab.index, index);
        slab[0] = 1;
        let last = slab.publish(1);
        assert_eq!(last.generation(), GEN_MAX);
        drop(pool.claim(last).unwrap());
        // Retired: not free, never handed out again, its handles stay stale.
        assert_eq!(pool.available(), 1);
        let other = pool.alloc().unwrap();
        assert_ne!(other.index, index);
        assert!(pool.alloc().is_none());
        drop(other);
        assert_eq!(pool.claim(last).unwrap_err(), PoolError::StaleHandle);
        let first = Handle::new(pool.id, index, 1);
        assert_eq!(pool.claim(first).unwrap_err(), PoolError::StaleHandle);
        // Generations past the last one, which the state word cannot hold, are
        // forged (they must not alias a small generation once shifted).
        for g in [GEN_MAX + 1, GEN_MAX + 2, u64::MAX] {
            let forged = Handle::new(pool.id, index, g);
            assert_eq!(pool.claim(forged).unwrap_err(), PoolError::InvalidHandle);
        }
    }

    /// Regression: the metadata is allocated fallibly (it was collected into a
    /// `Box`, and a failed allocation aborted the process).
    #[test]
    fn metadata_allocation_failure_is_an_error() {
        // The size overflows: refused before any allocation.
        assert!(matches!(
            new_meta(usize::MAX / 2, 1),
            Err(PoolError::OutOfMemory { bytes: usize::MAX })
        ));
    }

    /// As above with a size the allocator is asked for and cannot provide.
    #[test]
    #[cfg_attr(
        miri,
        ignore = "miri stops on an allocation it cannot make instead of returning null"
    )]
    fn metadata_allocation_refused_by_the_allocator_is_an_error() {
        // About 2^63 bytes: a valid size, beyond any address space.
        let count = (isize::MAX as usize - 64) / core::mem::size_of::<SlabMeta>();
        assert!(matches!(
            new_meta(count, 1),
            Err(PoolError::OutOfMemory { .. })
        ));
    }

    #[test]
    fn metadata_links_every_slab() {
        // ORDERING: Relaxed; single-threaded test.
        let links = |meta: &[SlabMeta]| -> Vec<u32> {
            meta.iter()
                .map(|m| m.next.load(Ordering::Relaxed))
                .collect()
        };
        assert_eq!(links(&new_meta(3, 1).unwrap()), [1, 2, NIL]);
        // Two shards: blocks 0..2 and 2..5, each linked in order.
        assert_eq!(links(&new_meta(5, 2).unwrap()), [1, NIL, 3, 4, NIL]);
        assert_eq!(shard_range(5, 2, 0), (0, 2));
        assert_eq!(shard_range(5, 2, 1), (2, 5));
    }

    /// A thread whose shard is empty takes from the others, and every slab
    /// can be had at once, whatever shard each thread lands on.
    #[test]
    fn an_empty_shard_takes_from_the_others() {
        let pool = BufferPool::new(8, 5).unwrap();
        let all: Vec<_> = (0..5).map(|_| pool.alloc().expect("a free slab")).collect();
        assert!(pool.alloc().is_none());
        assert_eq!(pool.available(), 0);
        drop(all);
        assert_eq!(pool.available(), 5);
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    let two: Vec<_> = (0..5).filter_map(|_| pool.alloc()).collect();
                    assert!(two.len() <= 5);
                });
            }
        });
        assert_eq!(pool.available(), 5, "every slab came back");
    }
}
