//! The seams sibling crates plug into: where a ring's bytes live
//! ([`RingMemory`]), what it reports ([`Observer`]) and whom it tells when an
//! event-loop consumer is armed ([`Notify`]). Each has a zero-cost default.

use core::alloc::Layout;
use core::ptr::NonNull;
use core::time::Duration;
use thiserror::Error;

// ----------------------------------------------------------------- memory ---

/// Why a [`RingMemory`] could not provide memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MemoryError {
    /// The allocator or the OS had no memory of this size.
    #[error("out of memory allocating {size} bytes for a ring")]
    OutOfMemory {
        /// Bytes requested.
        size: usize,
    },
    /// The OS refused a placement request (`errno` kept).
    #[error("{what} failed (errno {errno})")]
    Os {
        /// The call that failed.
        what: &'static str,
        /// The OS error number.
        errno: i32,
    },
    /// A placement the memory source cannot honour (an unknown node, say).
    #[error("invalid placement: {0}")]
    Invalid(&'static str),
}

/// Where a ring's bytes live: the memory seam.
///
/// A ring asks for one region (header and slots) when it is created and gives
/// it back when its last handle is dropped; the hot path never allocates.
/// The default is [`Heap`], the global allocator. `ring-numa` places rings on
/// a NUMA node; a shared mapping is another implementation.
///
/// # Safety
///
/// `allocate` must return memory that is valid for reads and writes of
/// `layout.size()` bytes, aligned to `layout.align()`, not used by anything
/// else until it is passed back to `release`, and unaffected by `first_use`
/// except in its physical placement.
pub unsafe trait RingMemory: Send + Sync + 'static {
    /// Provides a region for `layout`. The ring writes its header into the
    /// first bytes at once; slot pages stay untouched until first use.
    ///
    /// # Errors
    ///
    /// A [`MemoryError`] when no such region can be had.
    fn allocate(&self, layout: Layout) -> Result<NonNull<u8>, MemoryError>;

    /// Takes a region back.
    ///
    /// # Safety
    ///
    /// `ptr` came from `allocate(layout)` on this same value and is no longer used.
    unsafe fn release(&self, ptr: NonNull<u8>, layout: Layout);

    /// Called once, on the producer's thread, before its first write into the
    /// slots: the place to bind memory to that thread's node before the first
    /// touch. The default does nothing.
    fn first_use(&self, ptr: NonNull<u8>, layout: Layout) {
        let _ = (ptr, layout);
    }
}

/// The global allocator: the default [`RingMemory`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Heap;

// SAFETY: the global allocator returns exclusive, aligned memory of the requested
// size, and `release` deallocates with the same layout.
unsafe impl RingMemory for Heap {
    fn allocate(&self, layout: Layout) -> Result<NonNull<u8>, MemoryError> {
        if layout.size() == 0 {
            // The global allocator's contract forbids zero-sized requests; every
            // ring layout has a header, so this is a caller's mistake, not UB.
            return Err(MemoryError::Invalid("zero-sized ring layout"));
        }
        // SAFETY: `layout` has a non-zero size (checked above).
        let p = unsafe { alloc::alloc::alloc(layout) };
        NonNull::new(p).ok_or(MemoryError::OutOfMemory {
            size: layout.size(),
        })
    }

    unsafe fn release(&self, ptr: NonNull<u8>, layout: Layout) {
        // SAFETY: the caller passes back a pointer from `allocate(layout)`.
        unsafe { alloc::alloc::dealloc(ptr.as_ptr(), layout) }
    }
}

// ------------------------------------------------------------ observation ---

/// What a ring reports as it works: the observation seam.
///
/// Every method has an empty default and is called on the hot path, so the
/// default `()` observer compiles to nothing (no field, no branch, no atomic).
/// `ring-metrics`' `Metrics` implements it. Producer-side hooks run on the
/// producer's thread, consumer-side hooks on the consumer's; both handles get
/// a clone of the observer. It is `Sync` because the multi-consumer rings
/// ([`claim`](crate::claim)) share one observer between their consumers, which may
/// call it at the same time.
pub trait Observer: Clone + Send + Sync + 'static {
    /// True if the observer wants wait times (the ring then reads a clock
    /// around each sleep); `()` says no.
    const TIMED: bool = true;

    /// `n` items at ring position `pos` are written and about to be
    /// committed: the consumer cannot see them yet (the place to stamp them).
    #[inline(always)]
    fn before_commit(&self, pos: u64, n: usize) {
        let _ = (pos, n);
    }
    /// `n` items were committed starting at ring position `pos` (one batch).
    #[inline(always)]
    fn on_commit(&self, pos: u64, n: usize) {
        let _ = (pos, n);
    }
    /// `n` items were consumed starting at ring position `pos` (one batch).
    #[inline(always)]
    fn on_consume(&self, pos: u64, n: usize) {
        let _ = (pos, n);
    }
    /// A send or reserve attempt found the ring full (a blocking call counts
    /// each attempt).
    #[inline(always)]
    fn on_full(&self) {}
    /// A receive found the ring empty.
    #[inline(always)]
    fn on_empty(&self) {}
    /// A blocking call spun or yielded once while waiting for room.
    #[inline(always)]
    fn on_reserve_spin(&self) {}
    /// A blocking call on `side` is about to sleep.
    #[inline(always)]
    fn on_wait(&self, side: Side) {
        let _ = side;
    }
    /// A blocking call on `side` woke after sleeping for `slept`.
    #[inline(always)]
    fn on_wake(&self, side: Side, slept: Duration) {
        let _ = (side, slept);
    }
    /// The fill crossed a watermark (see
    /// [`Builder::watermarks`](crate::builder::Builder::watermarks)):
    /// called once per crossing, with hysteresis, on the thread of the call
    /// that crossed, before that call returns. Only rings built with
    /// watermarks call it.
    #[inline(always)]
    fn on_watermark(&self, mark: Watermark) {
        let _ = mark;
    }
    /// A flight recorder's writer evicted `n` unread entries to make room.
    #[inline(always)]
    fn on_evicted(&self, n: u64) {
        let _ = n;
    }
    /// A broadcast subscriber found itself `n` items behind the oldest
    /// retained one (`Lagged(n)`): those items are lost to it.
    #[inline(always)]
    fn on_lagged(&self, n: u64) {
        let _ = n;
    }
}

/// A watermark crossing, reported to [`Observer::on_watermark`].
///
/// `len` is the fill (items, or bytes for a byte ring) that the reporting
/// call saw when it crossed.
///
/// # Examples
///
/// ```
/// use ring_core::Watermark;
/// let w = Watermark::High { len: 12 };
/// assert!(w.is_high());
/// assert_eq!(w.len(), 12);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Watermark {
    /// The fill rose to the high watermark or above.
    High {
        /// The fill the call left.
        len: usize,
    },
    /// The fill fell to the low watermark or below, after a `High`.
    Low {
        /// The fill the call left.
        len: usize,
    },
}

impl Watermark {
    /// True for [`Watermark::High`].
    pub fn is_high(self) -> bool {
        matches!(self, Watermark::High { .. })
    }

    /// The fill the crossing call left.
    #[allow(clippy::len_without_is_empty)] // reason: a report, not a container
    pub fn len(self) -> usize {
        match self {
            Watermark::High { len } | Watermark::Low { len } => len,
        }
    }
}

impl Observer for () {
    const TIMED: bool = false;
}

/// Which end of a ring an observation hook runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The producer's thread.
    Producer,
    /// The consumer's thread.
    Consumer,
}

// ----------------------------------------------------------- notification ---

/// Someone to tell when items arrive while an event-loop consumer is armed:
/// the notification seam (`ring-wait`'s `EventNotifier` writes an eventfd).
///
/// The ring calls `notify` from the committing thread, only while the
/// consumer is armed (`Consumer::arm`), so a busy consumer costs nothing.
pub trait Notify: Send + Sync + 'static {
    /// Signal the sleeper. Must not block for long; may coalesce.
    fn notify(&self);
}
