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
//!   unpublished [`SlabMut`]): Treiber stacks whose heads pack a 32-bit ABA
//!   tag with the slab index in one `AtomicU64`; every shared field is atomic.
//! - **Scales with threads**: the free list is sharded, about one shard per
//!   CPU (a power of two, at most 8), each on its own cache line. A thread
//!   frees into its own shard and allocates from it, taking from the other
//!   shards only when its own is empty, so threads that allocate and free
//!   do not share a line (two threads cycling slabs through one pool cost
//!   about what one does; `cargo xtask bench --scenario pool-alloc`). A
//!   scan of the other shards can miss a slab freed into a shard it already
//!   passed; it scans again while the counts show a free slab, so `alloc`
//!   returns `None` only when every slab was in use at some moment of the
//!   call or frees raced it twice.
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
//! ## Module map
//!
//! The modules are private; everything public is re-exported here.
//!
//! | module | what |
//! |---|---|
//! | `pool` | [`BufferPool`]: the slab memory, the per-slab metadata (state word, free-list link, length), `alloc`, `claim` and the free path that retires a slab at the last generation |
//! | `free_list` | one shard of the free list: a Treiber stack of free slab indices with its ABA tag (`FreeList`, `pop`, `push`); `pool` keeps one per shard and picks the calling thread's with `ring_core::sync::thread_slot` |
//! | `words` | the packed atomic words: a slab's state word (62-bit generation, 2-bit state) and the free list's head word (32-bit tag, 32-bit index), their constants and [`MAX_SLABS`] |
//! | `slab` | the guards: [`SlabMut`] (writing, `publish`) and [`Slab`] (claimed) |
//! | `handle` | [`Handle`], the 16-byte token, and its word encoding |
//! | `error` | [`PoolError`] and `classify`, which names why a claim CAS failed |
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

mod error;
mod free_list;
mod handle;
mod pool;
mod slab;
mod words;

pub use error::PoolError;
pub use handle::Handle;
pub use pool::BufferPool;
pub use slab::{Slab, SlabMut};
pub use words::MAX_SLABS;
