//! The slab guards: [`SlabMut`] while a slab is written, [`Slab`] once it is
//! claimed. Each is the only way to its slab's bytes while it lives.

use core::fmt;
use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};

use ring_core::sync::Ordering;

use crate::handle::Handle;
use crate::pool::BufferPool;
use crate::words::{PUBLISHED, state_word};

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
    pub(crate) pool: &'a BufferPool,
    pub(crate) index: u32,
    pub(crate) generation: u64,
}

impl fmt::Debug for SlabMut<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_slab(
            f,
            "SlabMut",
            self.index,
            self.generation,
            self.pool.slab_size,
        )
    }
}

/// The `Debug` output of both slab guards: which slab, which use of it, and
/// how many bytes the guard reaches.
fn debug_slab(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    index: u32,
    generation: u64,
    len: usize,
) -> fmt::Result {
    f.debug_struct(name)
        .field("index", &index)
        .field("generation", &generation)
        .field("len", &len)
        .finish()
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
    pub(crate) pool: &'a BufferPool,
    pub(crate) index: u32,
    pub(crate) generation: u64,
    pub(crate) len: usize,
}

impl fmt::Debug for Slab<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_slab(f, "Slab", self.index, self.generation, self.len)
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
