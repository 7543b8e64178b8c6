//! The ring header: `#[repr(C)]`, versioned, one 128-byte line per side.
//!
//! ```text
//! offset   0  producer line  tail: u64                     (written by the producer)
//! offset 128  consumer line  head: u64                     (written by the consumer)
//! offset 256  cold line      closed: u32, version: u32, capacity: u64,
//!                            consumer doorbell (seq, waiters),
//!                            producer doorbell (seq, waiters),
//!                            watermark crossing word: u32
//! offset 384  slots          capacity * size_of::<T>() bytes
//! ```
//!
//! Positions are unbounded `u64` sequence numbers; a slot is `pos & mask`.
//! 128 bytes (two 64-byte lines) keeps the adjacent-line prefetcher from
//! pairing the producer's and the consumer's lines. The same header is used on
//! the heap, on a NUMA node and inside a shared mapping. The cached copy of the
//! other side's index lives in each handle, not here: it is never shared.

use crate::sync::{AtomicU32, AtomicU64, Futex, Ordering};
use crate::watermark::WatermarkState;

/// Layout version of [`RingHeader`]; bumped on any change to its bytes.
pub const HEADER_VERSION: u32 = 2;

/// `closed` bit: the producer side closed (or was dropped).
pub(crate) const PRODUCER_CLOSED: u32 = 1;
/// `closed` bit: the consumer side closed (or was dropped).
pub(crate) const CONSUMER_CLOSED: u32 = 2;

/// The producer's line: the tail (next position to be written).
#[derive(Debug)]
#[repr(C, align(128))]
pub(crate) struct ProducerLine {
    pub(crate) tail: AtomicU64,
}

/// The consumer's line: the head (next position to be read).
#[derive(Debug)]
#[repr(C, align(128))]
pub(crate) struct ConsumerLine {
    pub(crate) head: AtomicU64,
}

/// A wake-up word that sleepers wait on; several rings may share one (an MPSC
/// consumer sleeps on one doorbell for all its producers).
///
/// `waiters` counts sleepers in its low 29 bits; bit 29 (`WAKER`) says an
/// async task queued its waker since the last wake-up; bit 30 (`NEED_WAKE`)
/// says a sleeper registered since the last wake-up; bit 31 says an
/// event-loop consumer is armed. The hot path reads `waiters` once per commit or advance
/// and does nothing else unless it is non-zero.
#[derive(Debug, Default)]
#[repr(C)]
pub struct Doorbell {
    pub(crate) seq: Futex,
    pub(crate) waiters: AtomicU32,
}

impl Doorbell {
    /// `waiters` bit set while a consumer is armed for its notifier.
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // reason: only blocking (std) rings wake anyone
    pub(crate) const ARMED: u32 = 1 << 31;
    /// `waiters` bit set by a sleeper after it read the sequence it will sleep
    /// on, and cleared by the one waker that then bumps the sequence: one
    /// wake-up per sleep, not one per commit while the sleeper is being woken.
    pub(crate) const NEED_WAKE: u32 = 1 << 30;
    /// `waiters` bit set by an async endpoint after it queued its waker on
    /// the doorbell's process-local waker list, and cleared by the one waker
    /// that then wakes the list.
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // reason: only blocking (std) rings wake anyone
    pub(crate) const WAKER: u32 = 1 << 29;
    /// `waiters` bits that count futex sleepers (diagnostics).
    pub(crate) const SLEEPERS: u32 = Self::WAKER - 1;
    /// The bits a waker's hot path looks at: one load covers futex sleepers,
    /// the armed notifier and registered task wakers.
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // reason: only blocking (std) rings wake anyone
    pub(crate) const WAKE_BITS: u32 = Self::ARMED | Self::NEED_WAKE | Self::WAKER;

    /// A doorbell with no sleepers.
    ///
    /// # Examples
    ///
    /// ```
    /// let bell = ring_core::Doorbell::new();
    /// assert_eq!(bell.sleepers(), 0);
    /// ```
    pub fn new() -> Self {
        Self {
            seq: Futex::new(0),
            waiters: AtomicU32::new(0),
        }
    }

    /// Number of threads currently registered as sleepers (diagnostics).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Doorbell, sync::FenceMode, wait::DoorbellRef};
    /// let bell = Doorbell::new();
    /// let r = DoorbellRef::new(&bell, FenceMode::detect(), false);
    /// r.register();
    /// r.register();
    /// assert_eq!(bell.sleepers(), 2);
    /// r.unregister();
    /// assert_eq!(bell.sleepers(), 1);
    /// ```
    pub fn sleepers(&self) -> u32 {
        // ORDERING: Relaxed; a diagnostic snapshot, orders nothing.
        self.waiters.load(Ordering::Relaxed) & Self::SLEEPERS
    }
}

/// The cold line: close flags, constants, and the two doorbells.
#[derive(Debug)]
#[repr(C, align(128))]
pub(crate) struct ColdLine {
    pub(crate) closed: AtomicU32,
    /// Written once at creation; atomic because a shared mapping's peer may
    /// rewrite any byte, and every field seen through `&RingHeader` must be
    /// an atomic for that to be sound.
    pub(crate) version: AtomicU32,
    pub(crate) capacity: AtomicU64,
    pub(crate) consumer_bell: Doorbell,
    pub(crate) producer_bell: Doorbell,
    /// The watermark crossing word (written only when a crossing is reported).
    pub(crate) watermark: WatermarkState,
}

/// The shared state of one ring, placed at the start of its memory region.
#[derive(Debug)]
#[repr(C)]
pub struct RingHeader {
    pub(crate) producer: ProducerLine,
    pub(crate) consumer: ConsumerLine,
    pub(crate) cold: ColdLine,
}

#[cfg(not(ring_loom))]
const _: () = {
    // Layout assertions hold in non-loom builds (loom's atomics are larger).
    assert!(core::mem::size_of::<RingHeader>() == 384);
    assert!(core::mem::size_of::<RingHeader>() <= 512);
    assert!(core::mem::offset_of!(RingHeader, consumer) == 128);
    assert!(core::mem::offset_of!(RingHeader, cold) == 256);
    assert!(core::mem::align_of::<RingHeader>() == 128);
};

impl RingHeader {
    /// A header for a ring of `capacity` slots whose first position is `start`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{HEADER_VERSION, RingHeader};
    /// let h = RingHeader::new(8, 0);
    /// assert_eq!((h.capacity(), h.version()), (8, HEADER_VERSION));
    /// assert_eq!(size_of::<RingHeader>(), 384); // three 128-byte lines
    /// ```
    pub fn new(capacity: u64, start: u64) -> Self {
        Self {
            producer: ProducerLine {
                tail: AtomicU64::new(start),
            },
            consumer: ConsumerLine {
                head: AtomicU64::new(start),
            },
            cold: ColdLine {
                closed: AtomicU32::new(0),
                version: AtomicU32::new(HEADER_VERSION),
                capacity: AtomicU64::new(capacity),
                consumer_bell: Doorbell::new(),
                producer_bell: Doorbell::new(),
                watermark: WatermarkState::new(),
            },
        }
    }

    /// The layout version written at creation.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{HEADER_VERSION, RingHeader};
    /// assert_eq!(RingHeader::new(8, 0).version(), HEADER_VERSION);
    /// ```
    pub fn version(&self) -> u32 {
        // ORDERING: Relaxed; a constant written before the header was shared.
        self.cold.version.load(Ordering::Relaxed)
    }

    /// The capacity written at creation (untrusted when the header is shared
    /// with another process: the handles never index with it).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ring_core::RingHeader::new(1024, 0).capacity(), 1024);
    /// ```
    pub fn capacity(&self) -> u64 {
        // ORDERING: Relaxed; a constant written before the header was shared.
        self.cold.capacity.load(Ordering::Relaxed)
    }
}
