//! The raw single-consumer ring protocol: the one home of the index
//! arithmetic and of the acquire/release pairs (see `docs/memory-ordering.md`).
//!
//! *Implementor module*: channel families and sibling crates build on it;
//! applications use the families.
//!
//! [`RawProducer`] and [`RawConsumer`] each own one side's index and a cached
//! copy of the other side's; they do no allocation and know nothing of where
//! the memory lives. The safe SPSC handles ([`crate::spsc`]), the channel
//! families and the shared-memory ring are all built on these two types.
//!
//! The [`Policy`] parameter says how far the side trusts the index it reads
//! from the other side: [`Trusted`] (same process, our own code on both ends:
//! checks compile away) or [`Untrusted`] (a peer process that may write
//! anything: every index read is bounds-checked and a violation is reported as
//! [`IndexCorrupt`]). Slot addresses are always computed from this side's own
//! index masked by the capacity, so even a hostile peer can never steer an
//! access outside the slot array.

use core::cell::Cell;
use core::fmt;
use core::marker::PhantomData;
use core::ptr::NonNull;

use thiserror::Error;

use crate::header::{CONSUMER_CLOSED, Doorbell, PRODUCER_CLOSED, RingHeader};
use crate::sync::Ordering;
#[cfg(feature = "std")]
use crate::sync::{FenceMode, fence};

/// How far a side trusts the indices written by the other side.
pub trait Policy: Copy + fmt::Debug + Send + Sync + 'static {
    /// True if indices read from the other side are validated.
    const CHECKED: bool;
}

/// Both sides are this process's own code: no checks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Trusted;
impl Policy for Trusted {
    const CHECKED: bool = false;
}

/// The other side may be a hostile or crashed process: every index read is
/// validated against this side's own index and the capacity.
#[derive(Debug, Clone, Copy, Default)]
pub struct Untrusted;
impl Policy for Untrusted {
    const CHECKED: bool = true;
}

/// An index read from the other side is impossible (only with [`Untrusted`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error(
    "ring indices are inconsistent (head {head}, tail {tail}, capacity {capacity}): the shared header was corrupted"
)]
pub struct IndexCorrupt {
    /// The head seen.
    pub head: u64,
    /// The tail seen.
    pub tail: u64,
    /// This side's capacity.
    pub capacity: usize,
}

/// How a side wakes the other: which doorbell, which fence, whether the futex
/// is process-shared, and (in-process only) the consumer's notifier.
#[derive(Clone, Copy)]
pub struct WakeConfig {
    #[cfg(feature = "std")]
    pub(crate) mode: FenceMode,
    #[cfg(feature = "std")]
    pub(crate) shared: bool,
    #[cfg(feature = "std")]
    pub(crate) notifier: Option<NonNull<crate::wait::NotifierSlot>>,
    /// The producer doorbell's process-local side (task wakers of async
    /// producers waiting for room).
    #[cfg(feature = "std")]
    pub(crate) producer_local: Option<NonNull<crate::wait::NotifierSlot>>,
}

impl fmt::Debug for WakeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("WakeConfig");
        #[cfg(feature = "std")]
        d.field("mode", &self.mode)
            .field("shared", &self.shared)
            .field("notifier", &self.notifier.is_some())
            .field("producer_local", &self.producer_local.is_some());
        d.finish()
    }
}

impl WakeConfig {
    /// In-process wake-ups: the best fence this process supports, private futex.
    #[cfg(feature = "std")]
    pub fn local() -> Self {
        Self {
            mode: FenceMode::detect(),
            shared: false,
            notifier: None,
            producer_local: None,
        }
    }

    /// In-process wake-ups (no blocking without `std`).
    #[cfg(not(feature = "std"))]
    pub fn local() -> Self {
        Self {}
    }

    /// Cross-process wake-ups for this process's side: the best fence mode
    /// this process supports for shared rings
    /// ([`FenceMode::detect_cross_process`]: a compiler fence on commits and
    /// the global expedited `membarrier` before sleeping once this process is
    /// registered for it, else `SeqCst` fences on both paths) and a shared
    /// futex.
    #[cfg(feature = "std")]
    pub fn cross_process() -> Self {
        Self {
            mode: FenceMode::detect_cross_process(),
            shared: true,
            notifier: None,
            producer_local: None,
        }
    }
}

/// The pointers both sides share: header, slots, capacity, doorbells.
pub struct RingRef<T> {
    header: NonNull<RingHeader>,
    slots: NonNull<T>,
    mask: usize,
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    // reason: only blocking (std) rings wake the consumer
    consumer_bell: NonNull<Doorbell>,
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    // reason: only blocking (std) rings wake the producer
    producer_bell: NonNull<Doorbell>,
    wake: WakeConfig,
    #[cfg(ring_loom)]
    tracker: NonNull<crate::sync::SlotTracker>,
}

impl<T> Clone for RingRef<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for RingRef<T> {}

crate::debug_fields! {
    impl<T> Debug for RingRef<T> as "RingRef", |this| {
        capacity: (this.mask + 1),
        wake: this.wake,
    }
}

impl<T> RingRef<T> {
    /// Binds the protocol to a header and a slot array.
    ///
    /// # Safety
    ///
    /// - `header` points to an initialised [`RingHeader`] and `slots` to
    ///   `capacity` properly aligned slots of `T` (any content), both valid
    ///   for reads and writes for as long as the returned value, any copy of
    ///   it, or any side built from it is used (its safe methods, `len` and
    ///   `close_as_consumer` among them, read the header);
    /// - `capacity` is a power of two;
    /// - `consumer_bell` (if given) outlives all of those likewise, and so
    ///   do `wake.notifier` and `wake.producer_local`;
    /// - at most one [`RawProducer`] and one [`RawConsumer`] use the header at
    ///   a time, across all processes.
    pub unsafe fn new(
        header: NonNull<RingHeader>,
        slots: NonNull<T>,
        capacity: usize,
        consumer_bell: Option<NonNull<Doorbell>>,
        wake: WakeConfig,
        #[cfg(ring_loom)] tracker: NonNull<crate::sync::SlotTracker>,
    ) -> Self {
        debug_assert!(capacity.is_power_of_two());
        let consumer_bell = consumer_bell.unwrap_or_else(|| {
            // SAFETY: `header` is valid (caller); taking a field address reads nothing.
            let bell = unsafe { &raw mut (*header.as_ptr()).cold.consumer_bell };
            // SAFETY: derived from a non-null pointer by a field offset.
            unsafe { NonNull::new_unchecked(bell) }
        });
        // SAFETY: `header` is valid (caller); taking a field address reads nothing.
        let producer_bell = unsafe { &raw mut (*header.as_ptr()).cold.producer_bell };
        Self {
            header,
            slots,
            mask: capacity - 1,
            consumer_bell,
            // SAFETY: derived from a non-null pointer by a field offset.
            producer_bell: unsafe { NonNull::new_unchecked(producer_bell) },
            wake,
            #[cfg(ring_loom)]
            tracker,
        }
    }

    /// The same ring with the producer sleeping on `bell` instead of the
    /// header's producer doorbell, so that several rings' producers share one
    /// doorbell (the MPSC channel: a close wakes every blocked producer with
    /// one ring of that bell).
    ///
    /// # Safety
    ///
    /// `bell` outlives the returned value, its copies and every side built
    /// from them, and every side of this ring is built from it (both sides
    /// must agree on the bell).
    pub unsafe fn with_producer_bell(mut self, bell: NonNull<Doorbell>) -> Self {
        self.producer_bell = bell;
        self
    }

    #[inline(always)]
    fn header(&self) -> &RingHeader {
        // SAFETY: valid for the life of every side (contract of `new`); only
        // atomics and constants are accessed through this shared reference.
        unsafe { self.header.as_ref() }
    }

    #[cfg(feature = "std")]
    #[inline(always)]
    fn consumer_bell(&self) -> &Doorbell {
        // SAFETY: outlives every side (contract of `new`).
        unsafe { self.consumer_bell.as_ref() }
    }

    #[cfg(feature = "std")]
    #[inline(always)]
    fn producer_bell(&self) -> &Doorbell {
        // SAFETY: the header's own bell, or one that outlives every side
        // (contract of `with_producer_bell`).
        unsafe { self.producer_bell.as_ref() }
    }

    /// Slots in the ring.
    #[inline(always)]
    pub fn capacity(&self) -> usize {
        self.mask + 1
    }

    /// Pointer to the slot of position `pos`. Always inside the slot array.
    #[inline(always)]
    fn slot(&self, pos: u64) -> *mut T {
        // SAFETY: `pos as usize & mask` < capacity, and `slots` points to
        // `capacity` slots (contract of `new`).
        unsafe { self.slots.as_ptr().add(pos as usize & self.mask) }
    }

    #[inline(always)]
    fn track_write(&self, _pos: u64, _n: usize) {
        #[cfg(ring_loom)]
        for i in 0.._n {
            // SAFETY: the tracker outlives every side (contract of `new`).
            unsafe { self.tracker.as_ref() }.write((_pos as usize).wrapping_add(i) & self.mask);
        }
    }

    #[inline(always)]
    fn track_read(&self, _pos: u64, _n: usize) {
        #[cfg(ring_loom)]
        for i in 0.._n {
            // SAFETY: the tracker outlives every side (contract of `new`).
            unsafe { self.tracker.as_ref() }.read((_pos as usize).wrapping_add(i) & self.mask);
        }
    }

    /// The close flags (either side's bit set means closed).
    #[inline(always)]
    fn closed_flags(&self, order: Ordering) -> u32 {
        // ORDERING: chosen by the caller (Relaxed for the producer's send check,
        // Acquire where the consumer must then see every commit made before close).
        self.header().cold.closed.load(order)
    }

    /// Wakes the consumer if it sleeps or is armed. Called after publishing.
    #[inline(always)]
    fn wake_consumer(&self) {
        #[cfg(feature = "std")]
        {
            self.wake.mode.light();
            // ORDERING: Relaxed after the light fence; together with the sleeper's
            // heavy fence in `Doorbell::sleep` this is the store-buffering pair of
            // docs/memory-ordering.md §3: either we see its registration or it sees
            // our tail.
            let w = self.consumer_bell().waiters.load(Ordering::Relaxed);
            if w & Doorbell::WAKE_BITS != 0 {
                self.consumer_bell()
                    .ring(w, self.wake.shared, self.notifier());
            }
        }
    }

    /// Wakes the producer if it sleeps on a full ring. Called after releasing.
    #[inline(always)]
    fn wake_producer(&self) {
        #[cfg(feature = "std")]
        {
            self.wake.mode.light();
            let bell = self.producer_bell();
            // ORDERING: Relaxed after the light fence; pairs with the producer's
            // heavy fence when it sleeps on a full ring (same argument as above).
            let w = bell.waiters.load(Ordering::Relaxed);
            if w & Doorbell::WAKE_BITS != 0 {
                bell.ring(w, self.wake.shared, self.producer_local());
            }
        }
    }

    #[cfg(feature = "std")]
    #[inline(always)]
    fn notifier(&self) -> Option<&crate::wait::NotifierSlot> {
        // SAFETY: outlives every side (contract of `new`).
        self.wake.notifier.map(|n| unsafe { n.as_ref() })
    }

    #[cfg(feature = "std")]
    #[inline(always)]
    fn producer_local(&self) -> Option<&crate::wait::NotifierSlot> {
        // SAFETY: outlives every side (contract of `new`).
        self.wake.producer_local.map(|n| unsafe { n.as_ref() })
    }

    /// Sets a close bit and wakes everyone who could be waiting for it.
    fn close(&self, bit: u32) {
        // ORDERING: Release RMW: every commit (or release) made before close
        // happens-before a side that reads the bit with Acquire.
        let prev = self.header().cold.closed.fetch_or(bit, Ordering::Release);
        // A repeated close changes nothing and wakes no one.
        #[cfg(feature = "std")]
        if prev & bit == 0 {
            // ORDERING: SeqCst fence (close is rare): orders the flag before the
            // unconditional bell rings below and the ARMED check.
            fence(Ordering::SeqCst);
            self.consumer_bell()
                .ring_always(self.wake.shared, self.notifier());
            self.producer_bell()
                .ring_always(self.wake.shared, self.producer_local());
        }
        #[cfg(not(feature = "std"))]
        let _ = prev;
    }

    /// Closes the ring as its consumer would (producers' next send fails,
    /// committed items stay receivable) and wakes both sides. Safe from any
    /// thread: an atomic flag and wake-ups.
    pub fn close_as_consumer(&self) {
        self.close(CONSUMER_CLOSED);
    }

    /// Closes the ring as its producer would (the consumer drains, then
    /// sees the end) and wakes both sides. Safe from any thread.
    pub fn close_as_producer(&self) {
        self.close(PRODUCER_CLOSED);
    }

    /// Whether the producer side closed: an Acquire load, so a claim or a
    /// refresh after it sees every commit made before that close.
    pub fn producer_closed(&self) -> bool {
        // ORDERING: Acquire; pairs with the Release RMW in `close`.
        self.closed_flags(Ordering::Acquire) & PRODUCER_CLOSED != 0
    }

    /// Whether the consumer side closed (a Relaxed hint, as the producer's
    /// per-send check).
    #[inline(always)]
    pub fn consumer_closed(&self) -> bool {
        // ORDERING: Relaxed; see docs/memory-ordering.md §4 (a send racing the
        // close may still go in).
        self.closed_flags(Ordering::Relaxed) & CONSUMER_CLOSED != 0
    }

    /// Wakes the consumer if it sleeps or is armed: what a commit does after
    /// it published (for protocols over this header other than
    /// [`RawProducer`], such as a shared claim ring).
    #[inline(always)]
    pub fn wake_consumer_after_publish(&self) {
        self.wake_consumer();
    }

    /// This header's head and tail as a claim ring's words
    /// ([`ClaimWords`](crate::claim::ClaimWords)), with `evicted` and the
    /// `capacity` stamp words at `stamps`: the claim protocol over a header
    /// shared with another process (`P` says how far it is trusted).
    ///
    /// # Safety
    ///
    /// `stamps` points to `capacity()` initialised `AtomicU64`s that live as
    /// long as `'a` (and the header does, contract of [`RingRef::new`]).
    #[cfg(feature = "std")]
    pub unsafe fn claim_words<'a, P: Policy>(
        &'a self,
        evicted: &'a crate::sync::AtomicU64,
        stamps: NonNull<crate::sync::AtomicU64>,
    ) -> crate::claim::ClaimWords<'a, P> {
        let h = self.header();
        // SAFETY: the caller's contract; the capacity is this side's own (a
        // power of two, `new`), never read from the shared header.
        unsafe {
            crate::claim::ClaimWords::new(
                &h.consumer.head,
                &h.producer.tail,
                evicted,
                stamps,
                self.capacity(),
            )
        }
    }

    /// The doorbell the consumer sleeps on.
    #[cfg(feature = "std")]
    pub fn consumer_doorbell(&self) -> crate::wait::DoorbellRef<'_> {
        let r =
            crate::wait::DoorbellRef::new(self.consumer_bell(), self.wake.mode, self.wake.shared);
        match self.notifier() {
            Some(local) => r.with_local(local),
            None => r,
        }
    }

    /// The doorbell the producer sleeps on.
    #[cfg(feature = "std")]
    pub fn producer_doorbell(&self) -> crate::wait::DoorbellRef<'_> {
        let r =
            crate::wait::DoorbellRef::new(self.producer_bell(), self.wake.mode, self.wake.shared);
        match self.producer_local() {
            Some(local) => r.with_local(local),
            None => r,
        }
    }

    /// Threads sleeping on the consumer's doorbell now (diagnostics, tests).
    #[cfg(feature = "std")]
    pub fn consumer_sleepers(&self) -> u32 {
        self.consumer_bell().sleepers()
    }

    /// Threads sleeping on the producer's doorbell now (diagnostics, tests).
    #[cfg(feature = "std")]
    pub fn producer_sleepers(&self) -> u32 {
        self.producer_bell().sleepers()
    }

    /// The ring's watermark crossing word (see [`crate::watermark`]).
    #[inline(always)]
    pub fn watermark(&self) -> &crate::watermark::WatermarkState {
        &self.header().cold.watermark
    }

    /// Items in the ring now, as seen from outside either side (clamped).
    pub fn len(&self) -> usize {
        // ORDERING: Relaxed; a snapshot for status queries, orders no slot access.
        let tail = self.header().producer.tail.load(Ordering::Relaxed);
        // ORDERING: Relaxed; as above.
        let head = self.header().consumer.head.load(Ordering::Relaxed);
        (tail.wrapping_sub(head) as usize).min(self.capacity())
    }

    /// True if the ring holds no item now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Raw header access for layers that validate or display it.
    pub fn header_ptr(&self) -> NonNull<RingHeader> {
        self.header
    }
}

// ---------------------------------------------------------------- producer ---

/// The producer's side of the protocol: owns the tail.
pub struct RawProducer<T, P: Policy = Trusted> {
    ring: RingRef<T>,
    tail: u64,
    /// Positions below `limit` are known to be free (cached `head + capacity`).
    limit: u64,
    _policy: PhantomData<P>,
}

crate::debug_fields! {
    impl<T, P: Policy> Debug for RawProducer<T, P> as "RawProducer", |this| {
        tail: this.tail,
        limit: this.limit,
    }
}

impl<T, P: Policy> RawProducer<T, P> {
    /// The producer side of `ring`, starting at the header's current tail.
    ///
    /// The cached limit starts at the tail, so the first send refreshes the
    /// head (and runs the memory seam's first-use hook in the handles).
    ///
    /// # Safety
    ///
    /// This is the only producer of the ring for as long as it lives.
    pub unsafe fn new(ring: RingRef<T>) -> Self {
        // ORDERING: Relaxed; the header was initialised before the handles were
        // created and published to this thread by whatever moved the handle here.
        let tail = ring.header().producer.tail.load(Ordering::Relaxed);
        Self {
            ring,
            tail,
            limit: tail,
            _policy: PhantomData,
        }
    }

    /// The shared pointers.
    #[inline(always)]
    pub fn ring(&self) -> &RingRef<T> {
        &self.ring
    }

    /// The next position to be written.
    #[inline(always)]
    pub fn tail(&self) -> u64 {
        self.tail
    }

    /// Free slots known without touching the consumer's line.
    #[inline(always)]
    pub fn free_cached(&self) -> usize {
        self.limit.wrapping_sub(self.tail) as usize
    }

    /// Re-reads the consumer's head and returns the free slots.
    ///
    /// # Errors
    ///
    /// [`IndexCorrupt`] (only under [`Untrusted`]) if the head is ahead of the
    /// tail or more than a capacity behind it.
    #[inline]
    pub fn refresh(&mut self) -> Result<usize, IndexCorrupt> {
        // ORDERING: Acquire; pairs with the Release store of head in
        // `RawConsumer::release`: the consumer's reads of the slots below head
        // happen-before we overwrite them.
        let head = self.ring.header().consumer.head.load(Ordering::Acquire);
        let used = self.tail.wrapping_sub(head);
        if P::CHECKED && used > self.ring.capacity() as u64 {
            return Err(IndexCorrupt {
                head,
                tail: self.tail,
                capacity: self.ring.capacity(),
            });
        }
        self.limit = head.wrapping_add(self.ring.capacity() as u64);
        Ok(self.free_cached())
    }

    /// Free slots, refreshing the cached head only when it shows none.
    ///
    /// # Errors
    ///
    /// As [`refresh`](Self::refresh).
    #[inline(always)]
    pub fn free(&mut self) -> Result<usize, IndexCorrupt> {
        match self.free_cached() {
            0 => self.refresh(),
            n => Ok(n),
        }
    }

    /// How many of `n` wanted slots are free *and* contiguous from the tail,
    /// given `free` free slots (a run stops at the end of the slot array).
    #[inline(always)]
    pub fn contiguous(&self, free: usize, n: usize) -> usize {
        let to_end = self.ring.capacity() - (self.tail as usize & self.ring.mask);
        n.min(free).min(to_end)
    }

    /// Pointer to the slot `offset` positions past the tail; records the
    /// writes of `len` slots from there for loom.
    ///
    /// The pointer is valid to write while `offset + len <=` the free count
    /// the caller obtained, and the run does not wrap (see [`contiguous`](Self::contiguous)).
    #[inline(always)]
    pub fn slots_for_write(&self, offset: usize, len: usize) -> *mut T {
        let pos = self.tail.wrapping_add(offset as u64);
        self.ring.track_write(pos, len);
        self.ring.slot(pos)
    }

    /// Writes one value `offset` positions past the tail.
    ///
    /// # Safety
    ///
    /// `offset` is below the free count returned by `free`/`refresh` since
    /// the last `publish` (so the slot is vacant and no one reads it).
    #[inline(always)]
    pub unsafe fn write(&mut self, offset: usize, value: T) {
        let p = self.slots_for_write(offset, 1);
        // SAFETY: the slot is vacant and owned by the producer (caller's contract).
        unsafe { p.write(value) }
    }

    /// Publishes `n` written slots to the consumer and wakes it if it sleeps.
    ///
    /// # Safety
    ///
    /// The consumer trusts what is published: it reads the `n` slots as
    /// values of `T` and takes ownership of them. So the caller guarantees:
    ///
    /// - `n <=` [`free_cached`](Self::free_cached)`()` at the call (slots a
    ///   `free`/`refresh` saw vacant and not published since): publishing
    ///   more would put the tail over a capacity ahead of the head and hand
    ///   the consumer slots it has not released (checked in debug builds
    ///   only);
    /// - each of the `n` slots from the tail (wrapping at the end of the slot
    ///   array) holds a valid, initialised `T`, written by this producer since
    ///   the last `publish` (through [`write`](Self::write) or
    ///   [`slots_for_write`](Self::slots_for_write)), and its ownership passes
    ///   to the consumer. The one exception is a ring whose slot memory is
    ///   always initialised (a shared mapping) and whose `T` is valid for
    ///   every bit pattern and has no drop glue (ring-shm's `ShmSafe`): there
    ///   an unwritten slot publishes whatever value it holds;
    /// - no reference or pointer into those slots is used by the producer
    ///   afterwards (the consumer may read and release them at once).
    #[inline(always)]
    ///
    /// Safe code cannot publish (it could hand over uninitialised slots):
    ///
    /// ```compile_fail
    /// fn publish_without_unsafe(p: &mut ring_core::raw::RawProducer<u64>) {
    ///     p.publish(1); // error[E0133]: call to unsafe function
    /// }
    /// ```
    pub unsafe fn publish(&mut self, n: usize) {
        debug_assert!(n <= self.free_cached());
        self.tail = self.tail.wrapping_add(n as u64);
        // ORDERING: Release; pairs with the Acquire load of tail in
        // `RawConsumer::refresh`: the slot writes above happen-before the
        // consumer reads them.
        self.ring
            .header()
            .producer
            .tail
            .store(self.tail, Ordering::Release);
        self.ring.wake_consumer();
    }

    /// True once either side closed.
    #[inline(always)]
    pub fn is_closed(&self) -> bool {
        self.ring.closed_flags(Ordering::Relaxed) != 0
    }

    /// Items in the ring now.
    pub fn len(&self) -> usize {
        // ORDERING: Relaxed; a status snapshot.
        let head = self.ring.header().consumer.head.load(Ordering::Relaxed);
        (self.tail.wrapping_sub(head) as usize).min(self.ring.capacity())
    }

    /// True if the ring holds no item now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Marks the producer side closed and wakes the consumer (idempotent).
    pub fn close(&self) {
        self.ring.close(PRODUCER_CLOSED);
    }
}

// ---------------------------------------------------------------- consumer ---

/// The consumer's side of the protocol: owns the head.
pub struct RawConsumer<T, P: Policy = Trusted> {
    ring: RingRef<T>,
    head: u64,
    /// Positions below `cached_tail` are known to be committed.
    cached_tail: Cell<u64>,
    _policy: PhantomData<P>,
}

crate::debug_fields! {
    impl<T, P: Policy> Debug for RawConsumer<T, P> as "RawConsumer", |this| {
        head: this.head,
        cached_tail: this.cached_tail.get(),
    }
}

impl<T, P: Policy> RawConsumer<T, P> {
    /// The consumer side of `ring`, starting at the header's current head.
    ///
    /// # Safety
    ///
    /// This is the only consumer of the ring for as long as it lives.
    pub unsafe fn new(ring: RingRef<T>) -> Self {
        // ORDERING: Relaxed; see `RawProducer::new`.
        let head = ring.header().consumer.head.load(Ordering::Relaxed);
        Self {
            ring,
            head,
            cached_tail: Cell::new(head),
            _policy: PhantomData,
        }
    }

    /// The shared pointers.
    #[inline(always)]
    pub fn ring(&self) -> &RingRef<T> {
        &self.ring
    }

    /// The next position to be read.
    #[inline(always)]
    pub fn head(&self) -> u64 {
        self.head
    }

    /// Committed items known without touching the producer's line.
    #[inline(always)]
    pub fn available_cached(&self) -> usize {
        self.cached_tail.get().wrapping_sub(self.head) as usize
    }

    /// Re-reads the producer's tail and returns the committed items.
    ///
    /// # Errors
    ///
    /// [`IndexCorrupt`] (only under [`Untrusted`]) if the tail is behind the
    /// head or more than a capacity ahead of it.
    #[inline]
    pub fn refresh(&self) -> Result<usize, IndexCorrupt> {
        // ORDERING: Acquire; pairs with the Release store of tail in
        // `RawProducer::publish`: the producer's slot writes happen-before our reads.
        let tail = self.ring.header().producer.tail.load(Ordering::Acquire);
        let avail = tail.wrapping_sub(self.head);
        if P::CHECKED && avail > self.ring.capacity() as u64 {
            return Err(IndexCorrupt {
                head: self.head,
                tail,
                capacity: self.ring.capacity(),
            });
        }
        self.cached_tail.set(tail);
        Ok(avail as usize)
    }

    /// Committed items, refreshing the cached tail only when it shows none.
    ///
    /// # Errors
    ///
    /// As [`refresh`](Self::refresh).
    #[inline(always)]
    pub fn available(&self) -> Result<usize, IndexCorrupt> {
        match self.available_cached() {
            0 => self.refresh(),
            n => Ok(n),
        }
    }

    /// How many of `avail` committed items are contiguous from the head.
    #[inline(always)]
    pub fn contiguous(&self, avail: usize) -> usize {
        let to_end = self.ring.capacity() - (self.head as usize & self.ring.mask);
        avail.min(to_end)
    }

    /// Pointer to the slot `offset` positions past the head; records reads of
    /// `len` slots from there for loom.
    ///
    /// The slots are initialised and stable while `offset + len <=` the
    /// available count the caller obtained (and the run does not wrap).
    #[inline(always)]
    pub fn slots_for_read(&self, offset: usize, len: usize) -> *mut T {
        let pos = self.head.wrapping_add(offset as u64);
        self.ring.track_read(pos, len);
        self.ring.slot(pos)
    }

    /// Moves one value out, `offset` positions past the head.
    ///
    /// # Safety
    ///
    /// `offset` is below the available count, and the slot is read (moved
    /// out) at most once before `release` passes it.
    #[inline(always)]
    pub unsafe fn read(&self, offset: usize) -> T {
        let p = self.slots_for_read(offset, 1);
        // SAFETY: committed and initialised (caller's contract); moved out once.
        unsafe { p.read() }
    }

    /// Hands `n` consumed slots back to the producer and wakes it if it sleeps.
    ///
    /// # Safety
    ///
    /// The producer trusts what is released: it overwrites the `n` slots at
    /// once. So the caller guarantees:
    ///
    /// - `n <=` [`available_cached`](Self::available_cached)`()` at the call
    ///   (items an `available`/`refresh` saw committed and not released
    ///   since): releasing more would move the head past the tail, after
    ///   which both sides' counts are garbage and slots never written read
    ///   as items (checked in debug builds only);
    /// - the `n` items from the head are finished with: each was moved out
    ///   ([`read`](Self::read) or a bitwise copy) or dropped in place, or is
    ///   deliberately leaked (leaking is safe; for `T` without drop glue,
    ///   releasing unread items is how they are skipped);
    /// - no reference or pointer into those slots (from
    ///   [`slots_for_read`](Self::slots_for_read)) is used afterwards: the
    ///   producer may overwrite them as soon as the head is stored.
    #[inline(always)]
    ///
    /// Safe code cannot release (it could skip items that need dropping, or
    /// let the producer overwrite a slot a reference still points to):
    ///
    /// ```compile_fail
    /// fn release_without_unsafe(c: &mut ring_core::raw::RawConsumer<u64>) {
    ///     c.release(1); // error[E0133]: call to unsafe function
    /// }
    /// ```
    pub unsafe fn release(&mut self, n: usize) {
        debug_assert!(n <= self.available_cached());
        self.head = self.head.wrapping_add(n as u64);
        // ORDERING: Release; pairs with the Acquire load of head in
        // `RawProducer::refresh`: our slot reads happen-before it overwrites them.
        self.ring
            .header()
            .consumer
            .head
            .store(self.head, Ordering::Release);
        self.ring.wake_producer();
    }

    /// True once either side closed. When this returns true, a following
    /// [`refresh`](Self::refresh) sees every item committed before the close.
    #[inline]
    pub fn is_closed(&self) -> bool {
        // ORDERING: Acquire; pairs with the Release RMW in close, so a refresh
        // after this sees every commit made before the producer closed.
        self.ring.closed_flags(Ordering::Acquire) != 0
    }

    /// True once the producer side closed (or was dropped).
    #[inline]
    pub fn is_producer_closed(&self) -> bool {
        // ORDERING: Acquire; as in `is_closed`.
        self.ring.closed_flags(Ordering::Acquire) & PRODUCER_CLOSED != 0
    }

    /// Items in the ring now.
    pub fn len(&self) -> usize {
        // ORDERING: Relaxed; a status snapshot.
        let tail = self.ring.header().producer.tail.load(Ordering::Relaxed);
        (tail.wrapping_sub(self.head) as usize).min(self.ring.capacity())
    }

    /// True if the ring holds no item now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Marks the consumer side closed and wakes the producer (idempotent).
    pub fn close(&self) {
        self.ring.close(CONSUMER_CLOSED);
    }

    /// Arms the consumer's notifier: commits signal it until [`disarm`](Self::disarm).
    /// Returns true if items (or a close) are already waiting: then do not sleep.
    #[cfg(feature = "std")]
    pub fn arm(&self) -> bool {
        let bell = self.ring.consumer_bell();
        // ORDERING: Relaxed RMW ordered by the heavy fence below (same pair as a sleeper).
        bell.waiters.fetch_or(Doorbell::ARMED, Ordering::Relaxed);
        self.ring.wake.mode.heavy();
        self.refresh().map_or(true, |n| n > 0) || self.is_closed()
    }

    /// Disarms the notifier (commits stop signalling it).
    #[cfg(feature = "std")]
    pub fn disarm(&self) {
        // ORDERING: Relaxed; a late signal after disarm is harmless (spurious readiness).
        self.ring
            .consumer_bell()
            .waiters
            .fetch_and(!Doorbell::ARMED, Ordering::Relaxed);
    }
}
