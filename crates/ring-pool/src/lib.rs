//! # ring-pool
//!
//! A lock-free pool of fixed-size byte slabs for zero-copy large messages: a
//! producer writes its payload straight into a slab, sends a small
//! [`Handle`] through any ring, and the consumer claims the handle and reads
//! the same bytes. Only 16 bytes travel through the ring, whatever the
//! payload size.
//!
//! ## Guarantees
//!
//! - **Lock-free** [`BufferPool::alloc`] and free (dropping a [`Slab`] or an
//!   unpublished [`SlabMut`]): a Treiber stack whose head packs a 32-bit ABA
//!   tag with the slab index in one `AtomicU64`; every shared field is atomic.
//!   [`BufferPool::claim`] is one compare-and-swap.
//! - **Allocates once**: [`BufferPool::new`] makes one zeroed allocation of
//!   `slab_size * slab_count` bytes (64-byte aligned) plus one metadata array;
//!   nothing allocates afterwards. Both allocations are fallible: a pool the
//!   allocator cannot provide is [`PoolError::OutOfMemory`], never an abort.
//! - **Handles cannot alias**: each slab has a state machine (`FREE` →
//!   `WRITING` → `PUBLISHED` → `CLAIMED` → `FREE`) with a 62-bit generation
//!   bumped on every allocation, in one atomic word. A claim moves
//!   `PUBLISHED(gen)` to `CLAIMED(gen)` with one CAS, so of two claims of the
//!   same handle exactly one succeeds; a stale, duplicated, forged or foreign
//!   handle is an [`Err(PoolError::..)`](PoolError), never aliasing and never
//!   undefined behaviour.
//! - **Generations never wrap**: a slab allocated for the (2^62 - 1)th time
//!   is retired when freed (it stays out of the free list), so no generation
//!   repeats and a stale handle can never match a later publication. At one
//!   reuse of a slab per nanosecond that takes 146 years.
//! - **Unclaimed handles keep their slab**: a published [`Handle`] that is
//!   never claimed (lost, or still in a ring that was dropped) keeps its slab
//!   out of the free list until the pool itself is dropped. Size the pool for
//!   the handles that can be in flight (for one ring: its capacity plus one
//!   slab being written and one being read).
//! - `BufferPool` is `Send + Sync`; `SlabMut` and `Slab` borrow it, so the
//!   pool outlives every slab (share it by reference, a scoped thread or an
//!   `Arc`).
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | (none) | | The crate has no features; it needs `std` through `ring-core`. |
//!
//! ## Threading model
//!
//! [`BufferPool`] is `Send` and `Sync`: every shared field is an atomic and
//! slab bytes are reached only through a guard whose existence the slab's
//! state word makes exclusive (one [`SlabMut`] while `WRITING`, one [`Slab`]
//! while `CLAIMED`). [`SlabMut`] and [`Slab`] are `Send` and `Sync` (they hold
//! `&BufferPool` and plain integers): a slab can be written on one thread and
//! published from another. [`Handle`] is a plain `Copy` token; copying it
//! does not copy the right to read: only the first claim succeeds.
//!
//! ```compile_fail
//! let pool = ring_pool::BufferPool::new(64, 1).unwrap();
//! let slab = pool.alloc().unwrap();
//! drop(pool); // the slab borrows the pool
//! let _ = slab.len();
//! ```
//!
//! ## Example
//!
//! ```
//! use ring_core::{Config, spsc};
//! use ring_pool::{BufferPool, Handle};
//!
//! let ring = Config::default().with_ring_bits(4);
//! // Enough slabs for a full ring, one being written and one being read.
//! let pool = BufferPool::new(4096, ring.capacity() + 2)?;
//! let (mut tx, mut rx) = spsc::channel::<Handle>(ring);
//! std::thread::scope(|s| {
//!     s.spawn(|| {
//!         for i in 0..100u8 {
//!             let mut slab = pool.alloc().expect("sized for the ring");
//!             slab[..3].copy_from_slice(&[i, i, i]);
//!             tx.send(slab.publish(3)).unwrap();
//!         }
//!     });
//!     for i in 0..100u8 {
//!         let handle = rx.recv().unwrap();
//!         let slab = pool.claim(handle)?;
//!         assert_eq!(&slab[..], &[i, i, i]);
//!     } // dropping `slab` returned it to the pool
//!     Ok::<(), ring_pool::PoolError>(())
//! })?;
//! assert_eq!(pool.available(), pool.capacity());
//! # Ok::<(), ring_pool::PoolError>(())
//! ```

use core::alloc::Layout;
use core::fmt;
use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

use crossbeam_utils::CachePadded;
use ring_core::sync::{AtomicU32, AtomicU64, AtomicUsize, Ordering, SlotTracker, spin_loop};
use thiserror::Error;

/// The largest number of slabs a pool can hold: slab indices are 32-bit and
/// one value marks the end of the free list.
pub const MAX_SLABS: usize = NIL as usize;

/// Alignment of the slab memory (and of every slab whose size is a multiple).
const ALIGN: usize = 64;

/// End of the free list.
const NIL: u32 = u32::MAX;

// Slab states (low 2 bits of the state word; the generation is the high 62 bits).
const FREE: u64 = 0;
const WRITING: u64 = 1;
const PUBLISHED: u64 = 2;
const CLAIMED: u64 = 3;
const STATE_MASK: u64 = 3;
const STATE_BITS: u32 = 2;

/// The last generation a slab is published under: freeing it retires the slab,
/// so generations never wrap (a wrap would let a stale handle match again).
const GEN_MAX: u64 = u64::MAX >> STATE_BITS;

#[inline(always)]
fn state_word(generation: u64, state: u64) -> u64 {
    debug_assert!(generation <= GEN_MAX && state <= STATE_MASK);
    (generation << STATE_BITS) | state
}

#[inline(always)]
fn generation_of(word: u64) -> u64 {
    word >> STATE_BITS
}

#[inline(always)]
fn head_word(tag: u32, index: u32) -> u64 {
    (u64::from(tag) << 32) | u64::from(index)
}

#[inline(always)]
fn head_index(word: u64) -> u32 {
    word as u32
}

#[inline(always)]
fn head_tag(word: u64) -> u32 {
    (word >> 32) as u32
}

/// Why a pool could not be made, or a handle could not be claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PoolError {
    /// `slab_size` was 0.
    #[error("a buffer pool needs a slab size of at least 1 byte")]
    ZeroSlabSize,
    /// `slab_count` was 0.
    #[error("a buffer pool needs at least one slab")]
    ZeroSlabCount,
    /// More slabs than the 32-bit slab index can name ([`MAX_SLABS`]).
    #[error("{requested} slabs requested; a pool holds at most {max}")]
    TooManySlabs {
        /// Slabs requested.
        requested: usize,
        /// The most a pool can hold.
        max: usize,
    },
    /// `slab_size * slab_count` does not fit in an allocation (`isize::MAX` bytes).
    #[error("{slab_count} slabs of {slab_size} bytes overflow the address space")]
    TooLarge {
        /// Bytes per slab requested.
        slab_size: usize,
        /// Slabs requested.
        slab_count: usize,
    },
    /// The global allocator had no memory for the pool's slabs or for their
    /// metadata (about 24 bytes a slab).
    #[error("out of memory allocating {bytes} bytes for a buffer pool")]
    OutOfMemory {
        /// Bytes requested.
        bytes: usize,
    },
    /// The handle was made by another pool.
    #[error("the handle belongs to another pool")]
    ForeignHandle,
    /// The handle names no slab this pool published: an index out of range or
    /// a generation this pool never published (a forged handle).
    #[error("the handle names no published slab of this pool")]
    InvalidHandle,
    /// The handle's slab was claimed and returned since (the handle is a
    /// duplicate or was kept too long).
    #[error("the handle is stale: its slab was claimed and freed since")]
    StaleHandle,
    /// The handle's slab is claimed right now (the handle is a duplicate).
    #[error("the handle's slab is already claimed")]
    AlreadyClaimed,
}

/// A published slab, as a small `Copy` token to send through a ring.
///
/// 16 bytes, 4-byte aligned: the pool's id, the slab index and the slab's
/// 64-bit generation (as two 32-bit halves). The published length stays in
/// the pool. Copying a handle does not copy the right to read:
/// [`BufferPool::claim`] succeeds once per publication.
///
/// # Examples
///
/// ```
/// let pool = ring_pool::BufferPool::new(64, 4)?;
/// let mut slab = pool.alloc().unwrap();
/// slab[0] = 7;
/// let handle = slab.publish(1);
/// let copy = handle; // `Copy`, 16 bytes
/// assert_eq!(pool.claim(handle)?[0], 7);
/// assert!(pool.claim(copy).is_err()); // duplicates are errors
/// # Ok::<(), ring_pool::PoolError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Handle {
    pool: u32,
    index: u32,
    /// Low 32 bits of the generation.
    generation_lo: u32,
    /// High 32 bits of the generation.
    generation_hi: u32,
}

impl Handle {
    /// A handle for slab `index` of pool `pool`, published under `generation`.
    const fn new(pool: u32, index: u32, generation: u64) -> Handle {
        Handle {
            pool,
            index,
            generation_lo: generation as u32,
            generation_hi: (generation >> 32) as u32,
        }
    }

    /// The generation the slab was published under.
    const fn generation(self) -> u64 {
        ((self.generation_hi as u64) << 32) | self.generation_lo as u64
    }

    /// The handle as four words (pool id, slab index, low and high halves of
    /// the generation), for rings whose element type must be plain integers (a
    /// shared mapping, say).
    ///
    /// Before the generation was widened to 64 bits (so that it cannot wrap)
    /// this returned three words; the fourth, the generation's high half, is
    /// new, and the first three keep their meaning.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_pool::{BufferPool, Handle};
    /// let pool = BufferPool::new(64, 1)?;
    /// let handle = pool.alloc().unwrap().publish(0);
    /// let words = handle.to_words();
    /// assert_eq!(Handle::from_words(words), handle);
    /// # Ok::<(), ring_pool::PoolError>(())
    /// ```
    pub const fn to_words(self) -> [u32; 4] {
        [
            self.pool,
            self.index,
            self.generation_lo,
            self.generation_hi,
        ]
    }

    /// Rebuilds a handle from [`to_words`](Self::to_words). Any four words
    /// are accepted: a forged handle is caught by [`BufferPool::claim`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_pool::{BufferPool, Handle, PoolError};
    /// let pool = BufferPool::new(64, 1)?;
    /// let forged = Handle::from_words([0, 0, 0, 0]);
    /// assert!(pool.claim(forged).is_err());
    /// # Ok::<(), PoolError>(())
    /// ```
    pub const fn from_words(words: [u32; 4]) -> Handle {
        Handle {
            pool: words[0],
            index: words[1],
            generation_lo: words[2],
            generation_hi: words[3],
        }
    }

    /// The index of the slab this handle names (for diagnostics).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = ring_pool::BufferPool::new(64, 1)?;
    /// assert_eq!(pool.alloc().unwrap().publish(0).index(), 0);
    /// # Ok::<(), ring_pool::PoolError>(())
    /// ```
    pub const fn index(self) -> usize {
        self.index as usize
    }
}

/// Per-slab metadata. Every field is atomic: other threads read `state` (a
/// claim of a stale handle) and `next` (a pop that lost a race) while the
/// owner writes them.
#[derive(Debug)]
struct SlabMeta {
    /// Generation (high 62 bits) and state (low 2 bits).
    state: AtomicU64,
    /// Next free slab while this one is on the free list.
    next: AtomicU32,
    /// Bytes published; written before the `PUBLISHED` store.
    len: AtomicUsize,
}

/// The free list's head, on its own cache line.
#[derive(Debug)]
struct FreeList {
    /// ABA tag (high 32 bits, bumped by every push and pop) and top index.
    head: AtomicU64,
    /// Free slabs (counted before a push, uncounted after a pop).
    free: AtomicUsize,
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
    list: CachePadded<FreeList>,
    meta: Box<[SlabMeta]>,
    memory: NonNull<u8>,
    layout: Layout,
    slab_size: usize,
    id: u32,
    /// Lets loom check that slab accesses are ordered (no-op otherwise).
    tracker: SlotTracker,
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
        let meta = match new_meta(slab_count) {
            Ok(meta) => meta,
            Err(e) => {
                // SAFETY: `memory` came from `alloc_zeroed(layout)` just above and was
                // never handed out; it is freed once, here.
                unsafe { std::alloc::dealloc(memory.as_ptr(), layout) };
                return Err(e);
            }
        };
        Ok(BufferPool {
            list: CachePadded::new(FreeList {
                head: AtomicU64::new(head_word(0, 0)),
                free: AtomicUsize::new(slab_count),
            }),
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
        // ORDERING: Relaxed; a statistic, ordered with nothing else.
        self.list.free.load(Ordering::Relaxed)
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
    fn slab_ptr(&self, index: u32) -> *mut u8 {
        debug_assert!((index as usize) < self.capacity());
        // SAFETY: `index < capacity` (indices come only from the free list, built
        // from `0..capacity`), so `index * slab_size < slab_size * capacity`, the
        // size of the allocation: the offset stays inside it.
        unsafe { self.memory.as_ptr().add(index as usize * self.slab_size) }
    }

    /// Pops a free slab index (lock-free Treiber pop).
    fn pop(&self) -> Option<u32> {
        // ORDERING: Acquire; pairs with the Release CAS in `push` (and, through the
        // release sequence of RMWs on `head`, with every earlier push), so the
        // `next` link and the previous owner's slab accesses are visible.
        let mut head = self.list.head.load(Ordering::Acquire);
        loop {
            let index = head_index(head);
            if index == NIL {
                return None;
            }
            // ORDERING: Relaxed; the push that linked `index` happens-before the
            // Acquire load of `head` above. If `index` was popped and pushed again
            // since, this may read a newer link, but then the tag changed and the
            // CAS below fails.
            let next = self.meta[index as usize].next.load(Ordering::Relaxed);
            let new = head_word(head_tag(head).wrapping_add(1), next);
            // ORDERING: Acquire on success and failure, as for the load above (a
            // failed CAS hands us a new head whose `next` we read next round).
            match self.list.head.compare_exchange_weak(
                head,
                new,
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    // ORDERING: Relaxed; a statistic. It never underflows: the matching
                    // increment precedes the push we popped (happens-before).
                    self.list.free.fetch_sub(1, Ordering::Relaxed);
                    return Some(index);
                }
                Err(actual) => {
                    head = actual;
                    spin_loop();
                }
            }
        }
    }

    /// Pushes slab `index`, which the caller owns and has marked `FREE`.
    fn push(&self, index: u32) {
        // ORDERING: Relaxed; a statistic, counted before the slab can be popped.
        self.list.free.fetch_add(1, Ordering::Relaxed);
        // ORDERING: Relaxed; we only link to the index we read; the Release CAS
        // below publishes the link.
        let mut head = self.list.head.load(Ordering::Relaxed);
        loop {
            // ORDERING: Relaxed; published by the Release CAS below.
            self.meta[index as usize]
                .next
                .store(head_index(head), Ordering::Relaxed);
            let new = head_word(head_tag(head).wrapping_add(1), index);
            // ORDERING: Release on success; pairs with the Acquire in `pop`: the
            // link, the `FREE` state and our use of the slab's bytes happen-before
            // the next owner's. Relaxed on failure: we retry with the new head.
            match self.list.head.compare_exchange_weak(
                head,
                new,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => {
                    head = actual;
                    spin_loop();
                }
            }
        }
    }

    /// Returns a slab the caller holds (writing or claimed) to the free list,
    /// or retires it if it was used under the last generation, `GEN_MAX`.
    fn free(&self, index: u32, generation: u64) {
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
        self.push(index);
    }
}

impl Drop for BufferPool {
    fn drop(&mut self) {
        // SAFETY: `memory` came from `alloc_zeroed(self.layout)` in `new`; every
        // guard borrows the pool, so none is alive now.
        unsafe { std::alloc::dealloc(self.memory.as_ptr(), self.layout) }
    }
}

/// Why a claim CAS failed, from the state word it found. Generations never
/// wrap, so an older one is stale and a newer one forged.
fn classify(actual: u64, generation: u64) -> PoolError {
    let current = generation_of(actual);
    if current == generation {
        match actual & STATE_MASK {
            CLAIMED => PoolError::AlreadyClaimed,
            FREE => PoolError::StaleHandle,
            // WRITING under this generation: never published, so forged.
            _ => PoolError::InvalidHandle,
        }
    } else if current > generation {
        PoolError::StaleHandle
    } else {
        PoolError::InvalidHandle
    }
}

/// The metadata of `count` free slabs, linked `0 -> 1 -> .. -> count - 1`.
/// Allocated fallibly: [`PoolError::OutOfMemory`] rather than an abort.
fn new_meta(count: usize) -> Result<Box<[SlabMeta]>, PoolError> {
    let mut meta: Vec<SlabMeta> = Vec::new();
    meta.try_reserve_exact(count)
        .map_err(|_| PoolError::OutOfMemory {
            bytes: count.saturating_mul(core::mem::size_of::<SlabMeta>()),
        })?;
    // `count <= MAX_SLABS < NIL` (checked by `BufferPool::new`), so every link
    // fits in u32 and none is `NIL`.
    debug_assert!(count <= MAX_SLABS);
    for i in 1..=count {
        meta.push(SlabMeta {
            state: AtomicU64::new(state_word(0, FREE)),
            next: AtomicU32::new(if i == count { NIL } else { i as u32 }),
            len: AtomicUsize::new(0),
        });
    }
    // The capacity is exactly `count` (reserved exactly, never grown), so this
    // does not reallocate.
    Ok(meta.into_boxed_slice())
}

/// A slab being written: derefs to all [`BufferPool::slab_size`] bytes.
///
/// [`publish`](Self::publish) turns it into a [`Handle`]; dropping it
/// unpublished returns the slab to the pool.
///
/// # Examples
///
/// ```
/// let pool = ring_pool::BufferPool::new(8, 1)?;
/// let mut slab = pool.alloc().unwrap();
/// slab.fill(0xAB);
/// assert_eq!(slab.len(), 8);
/// let handle = slab.publish(8);
/// assert_eq!(&pool.claim(handle)?[..], &[0xAB; 8]);
/// # Ok::<(), ring_pool::PoolError>(())
/// ```
pub struct SlabMut<'a> {
    pool: &'a BufferPool,
    index: u32,
    generation: u64,
}

impl fmt::Debug for SlabMut<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlabMut")
            .field("index", &self.index)
            .field("generation", &self.generation)
            .field("len", &self.pool.slab_size)
            .finish()
    }
}

impl SlabMut<'_> {
    /// Publishes the first `len` bytes and returns the handle to send.
    ///
    /// # Panics
    ///
    /// If `len > slab_size`: a programming error (the slab is returned to the
    /// pool while unwinding).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = ring_pool::BufferPool::new(16, 1)?;
    /// let mut slab = pool.alloc().unwrap();
    /// slab[..4].copy_from_slice(b"ring");
    /// let handle = slab.publish(4);
    /// assert_eq!(pool.claim(handle)?.len(), 4);
    /// # Ok::<(), ring_pool::PoolError>(())
    /// ```
    pub fn publish(self, len: usize) -> Handle {
        assert!(
            len <= self.pool.slab_size,
            "SlabMut::publish: len {len} exceeds the slab size {}",
            self.pool.slab_size
        );
        let this = ManuallyDrop::new(self);
        let pool = this.pool;
        let meta = &pool.meta[this.index as usize];
        // ORDERING: Relaxed; published by the Release store below.
        meta.len.store(len, Ordering::Relaxed);
        pool.tracker.write(this.index as usize);
        // ORDERING: Release; pairs with the Acquire claim CAS in `BufferPool::claim`:
        // the bytes written through this guard and `len` are visible to the claimer.
        meta.state
            .store(state_word(this.generation, PUBLISHED), Ordering::Release);
        Handle::new(pool.id, this.index, this.generation)
    }
}

impl Deref for SlabMut<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: slab `index` is `WRITING` under our generation: no other guard for
        // it exists (the pop made it ours, claims need `PUBLISHED`), its bytes are
        // initialised (zeroed at creation, written only as `u8`s since), and the
        // pool outlives `self`.
        unsafe { core::slice::from_raw_parts(self.pool.slab_ptr(self.index), self.pool.slab_size) }
    }
}

impl DerefMut for SlabMut<'_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `deref`; `&mut self` makes this the only reference.
        unsafe {
            core::slice::from_raw_parts_mut(self.pool.slab_ptr(self.index), self.pool.slab_size)
        }
    }
}

impl Drop for SlabMut<'_> {
    fn drop(&mut self) {
        self.pool.tracker.write(self.index as usize);
        self.pool.free(self.index, self.generation);
    }
}

/// A claimed slab: derefs to the published bytes; dropping it returns the
/// slab to the pool.
///
/// # Examples
///
/// ```
/// let pool = ring_pool::BufferPool::new(16, 1)?;
/// let mut w = pool.alloc().unwrap();
/// w[..3].copy_from_slice(b"abc");
/// let slab = pool.claim(w.publish(3))?;
/// assert_eq!(&*slab, b"abc");
/// assert_eq!(pool.available(), 0);
/// drop(slab);
/// assert_eq!(pool.available(), 1);
/// # Ok::<(), ring_pool::PoolError>(())
/// ```
pub struct Slab<'a> {
    pool: &'a BufferPool,
    index: u32,
    generation: u64,
    len: usize,
}

impl fmt::Debug for Slab<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Slab")
            .field("index", &self.index)
            .field("generation", &self.generation)
            .field("len", &self.len)
            .finish()
    }
}

impl Deref for Slab<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: slab `index` is `CLAIMED` under our generation: only this guard
        // reaches it (the claim CAS admitted one claimer), the writer's bytes are
        // visible (Acquire CAS), `len <= slab_size` (checked in `publish`), and the
        // pool outlives `self`.
        unsafe { core::slice::from_raw_parts(self.pool.slab_ptr(self.index), self.len) }
    }
}

impl Drop for Slab<'_> {
    fn drop(&mut self) {
        self.pool.tracker.read(self.index as usize);
        self.pool.free(self.index, self.generation);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_pack_and_unpack() {
        let w = state_word(0xDEAD_BEEF, CLAIMED);
        assert_eq!(generation_of(w), 0xDEAD_BEEF);
        assert_eq!(w & STATE_MASK, CLAIMED);
        let w = state_word(GEN_MAX, PUBLISHED);
        assert_eq!(generation_of(w), GEN_MAX);
        assert_eq!(w & STATE_MASK, PUBLISHED);
        let g = 0x1234_5678_9ABC_DEF0;
        assert_eq!(Handle::new(1, 2, g).generation(), g);
        assert_eq!(
            Handle::from_words(Handle::new(1, 2, g).to_words()).generation(),
            g
        );
        let h = head_word(7, NIL);
        assert_eq!((head_tag(h), head_index(h)), (7, NIL));
    }

    #[test]
    fn classify_covers_every_case() {
        assert_eq!(
            classify(state_word(5, CLAIMED), 5),
            PoolError::AlreadyClaimed
        );
        assert_eq!(classify(state_word(5, FREE), 5), PoolError::StaleHandle);
        assert_eq!(
            classify(state_word(5, WRITING), 5),
            PoolError::InvalidHandle
        );
        assert_eq!(classify(state_word(6, WRITING), 5), PoolError::StaleHandle);
        assert_eq!(
            classify(state_word(4, PUBLISHED), 5),
            PoolError::InvalidHandle
        );
        // Generations do not wrap: past 32 bits they keep counting.
        let past = u64::from(u32::MAX) + 1;
        assert_eq!(
            classify(state_word(past, PUBLISHED), u64::from(u32::MAX)),
            PoolError::StaleHandle
        );
        assert_eq!(
            classify(state_word(1, PUBLISHED), past + 1),
            PoolError::InvalidHandle
        );
        assert_eq!(
            classify(state_word(GEN_MAX, FREE), 1),
            PoolError::StaleHandle
        );
    }

    #[test]
    fn tag_changes_on_every_operation() {
        let pool = BufferPool::new(8, 2).unwrap();
        // ORDERING: Relaxed; single-threaded test.
        let tag = |p: &BufferPool| head_tag(p.list.head.load(Ordering::Relaxed));
        let t0 = tag(&pool);
        let a = pool.alloc().unwrap();
        assert_eq!(tag(&pool), t0.wrapping_add(1));
        drop(a);
        assert_eq!(tag(&pool), t0.wrapping_add(2));
    }

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
        let index = head_index(pool.list.head.load(Ordering::Relaxed));
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
            new_meta(usize::MAX / 2),
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
            new_meta(count),
            Err(PoolError::OutOfMemory { .. })
        ));
    }

    #[test]
    fn metadata_links_every_slab() {
        let meta = new_meta(3).unwrap();
        // ORDERING: Relaxed; single-threaded test.
        let links: Vec<u32> = meta
            .iter()
            .map(|m| m.next.load(Ordering::Relaxed))
            .collect();
        assert_eq!(links, [1, 2, NIL]);
    }
}
