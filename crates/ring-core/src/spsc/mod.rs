//! The SPSC channel: the core ring with safe [`Producer`] / [`Consumer`]
//! handles, zero-copy [`Reservation`]s and batch consumption.
//!
//! # Examples
//!
//! ```
//! use ring_core::{Config, spsc};
//!
//! let (mut tx, mut rx) = spsc::channel::<u64>(Config::LOW_LATENCY);
//! let t = std::thread::spawn(move || {
//!     for i in 0..10_000 {
//!         tx.send(i).unwrap();
//!     }
//! }); // dropping `tx` closes the channel
//! let sum: u64 = rx.iter().sum();
//! t.join().unwrap();
//! assert_eq!(sum, (0..10_000).sum());
//! ```

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::alloc::Layout;
use core::mem::{MaybeUninit, needs_drop};
use core::ptr::{self, NonNull};
use core::slice;

use thiserror::Error;

use crate::config::Config;
use crate::error::{TryRecvError, TrySendError};
use crate::header::RingHeader;
use crate::raw::{RawConsumer, RawProducer, RingRef, WakeConfig};
use crate::seams::{Heap, MemoryError, Observer, RingMemory};
use crate::sync::Arc;
use crate::watermark::Marks;

#[cfg(feature = "std")]
use crate::error::{RecvTimeoutError, SendTimeoutError};
#[cfg(feature = "std")]
use crate::seams::Notify;
#[cfg(feature = "std")]
use crate::wait::{self, Closer, NotifierSlot, TimedOut, WaitStrategy, WakeGroup};

/// The queries a producer and a consumer answer alike about their one ring:
/// `len`, `capacity`, `fill`, `above_high_watermark` and `observer`, written
/// once for [`Producer`] and [`Consumer`]. `$h` names the handle in the
/// examples (`"tx"` or `"rx"`).
macro_rules! ring_queries {
    ($ty:ident, $h:literal) => {
        impl<T, O: Observer> $ty<T, O> {
            /// Items in the ring now.
            ///
            /// # Examples
            ///
            /// ```
            /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
            /// tx.try_send(1).unwrap();
            /// tx.try_send(2).unwrap();
            #[doc = concat!("assert_eq!(", $h, ".len(), 2);")]
            /// rx.try_recv().unwrap();
            #[doc = concat!("assert_eq!(", $h, ".len(), 1);")]
            /// ```
            pub fn len(&self) -> usize {
                self.raw.len()
            }

            /// Slots in the ring.
            ///
            /// # Examples
            ///
            /// ```
            /// let (tx, rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default().with_ring_bits(3));
            #[doc = concat!("assert_eq!(", $h, ".capacity(), 8);")]
            /// ```
            pub fn capacity(&self) -> usize {
                self.raw.ring().capacity()
            }

            /// How full the ring is: `len() / capacity()`, in `0.0..=1.0`.
            ///
            /// # Examples
            ///
            /// ```
            /// let (mut tx, rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default().with_ring_bits(2));
            /// tx.send_slice(&[1, 2, 3]);
            #[doc = concat!("assert_eq!(", $h, ".fill(), 0.75);")]
            /// ```
            pub fn fill(&self) -> f64 {
                crate::watermark::fill(self.len(), self.capacity())
            }

            /// True once a commit left the ring at or above the high watermark, until
            /// a consume leaves it at or below the low one (always false without
            /// [`watermarks`](crate::builder::Builder::watermarks)); both ends read
            /// the same ring's crossing state.
            ///
            /// # Examples
            ///
            /// ```
            /// use ring_core::{Config, spsc::Builder};
            /// let (mut tx, mut rx) = Builder::new(Config::default().with_ring_bits(2)).watermarks(1, 3).build::<u8>()?;
            /// tx.send_slice(&[1, 2, 3]);
            #[doc = concat!("assert!(", $h, ".above_high_watermark());")]
            /// rx.try_recv().unwrap(); // 2 left: above low, still "high"
            #[doc = concat!("assert!(", $h, ".above_high_watermark());")]
            /// rx.try_recv().unwrap();
            #[doc = concat!("assert!(!", $h, ".above_high_watermark());")]
            /// # Ok::<(), ring_core::BuildError>(())
            /// ```
            pub fn above_high_watermark(&self) -> bool {
                self.raw.ring().watermark().is_high()
            }

            /// The observer given to the builder.
            ///
            /// # Examples
            ///
            /// ```
            /// use ring_core::{Config, spsc::Builder};
            /// #[derive(Clone, Debug, PartialEq)]
            /// struct Tag(&'static str);
            /// impl ring_core::Observer for Tag {}
            ///
            /// let (tx, rx) = Builder::new(Config::default()).observer(Tag("orders")).build::<u8>()?;
            #[doc = concat!("assert_eq!(", $h, ".observer(), &Tag(\"orders\"));")]
            /// # Ok::<(), ring_core::spsc::BuildError>(())
            /// ```
            pub fn observer(&self) -> &O {
                &self.observer
            }
        }
    };
}

mod consumer;
mod producer;
mod reservation;

pub use consumer::Consumer;
pub use producer::Producer;
pub use reservation::Reservation;

/// Why a ring could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BuildError {
    /// `capacity * size_of::<T>()` plus the header does not fit in memory.
    #[error("a ring of {capacity} slots of {elem_size} bytes overflows the address space")]
    CapacityOverflow {
        /// Slots requested.
        capacity: usize,
        /// Size of one slot.
        elem_size: usize,
    },
    /// The memory seam could not provide the region.
    #[error(transparent)]
    Memory(#[from] MemoryError),
    /// An impossible option (watermarks outside `low < high <= capacity`).
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

/// The memory layout of a ring of `capacity` slots of `T`: the region's
/// layout and the byte offset of the first slot (after the header).
///
/// # Errors
///
/// [`BuildError::CapacityOverflow`] if the size overflows.
///
/// # Examples
///
/// ```
/// let (layout, offset) = ring_core::spsc::ring_layout::<u64>(8)?;
/// assert_eq!(offset, size_of::<ring_core::RingHeader>()); // the slots follow the header
/// assert!(layout.size() >= offset + 8 * size_of::<u64>());
/// assert!(ring_core::spsc::ring_layout::<u64>(usize::MAX).is_err());
/// # Ok::<(), ring_core::spsc::BuildError>(())
/// ```
pub fn ring_layout<T>(capacity: usize) -> Result<(Layout, usize), BuildError> {
    let overflow = BuildError::CapacityOverflow {
        capacity,
        elem_size: size_of::<T>(),
    };
    let slots = Layout::array::<T>(capacity).map_err(|_| overflow)?;
    let (layout, offset) = Layout::new::<RingHeader>()
        .extend(slots)
        .map_err(|_| overflow)?;
    Ok((layout.pad_to_align(), offset))
}

/// The two ends of a ring, as returned by [`Builder::build`] (every family
/// names its pair `Channel`).
pub type Channel<T, O = ()> = (Producer<T, O>, Consumer<T, O>);

/// The former name of [`Channel`].
#[doc(hidden)]
pub type Pair<T, O = ()> = Channel<T, O>;

/// The SPSC family for the one [`Builder`](crate::builder::Builder): its
/// options (a shared consumer or producer doorbell, a start position).
#[derive(Debug, Default, Clone)]
pub struct Spsc {
    start: u64,
    #[cfg(feature = "std")]
    group: Option<Arc<WakeGroup>>,
    #[cfg(feature = "std")]
    producer_group: Option<Arc<WakeGroup>>,
}

/// Builds a ring with a chosen memory seam and observer (the one
/// [`Builder`](crate::builder::Builder) of every family, for SPSC).
///
/// # Examples
///
/// ```
/// use ring_core::{Config, Heap, spsc::Builder};
///
/// let (mut tx, mut rx) = Builder::new(Config::LOW_LATENCY).memory(Heap).observer(()).build::<u32>()?;
/// tx.try_send(1).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// # Ok::<(), ring_core::spsc::BuildError>(())
/// ```
pub type Builder<M = Heap, O = ()> = crate::builder::Builder<Spsc, M, O>;

impl<M, O> crate::builder::Builder<Spsc, M, O> {
    /// Makes the consumer sleep on a shared [`WakeGroup`] (one doorbell for
    /// several rings) instead of the ring's own doorbell.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, spsc::Builder, wait::WakeGroup};
    /// use std::sync::Arc;
    ///
    /// let group = Arc::new(WakeGroup::new());
    /// let (mut a, _ra) = Builder::new(Config::default()).wake_group(group.clone()).build::<u8>()?;
    /// let (_b, _rb) = Builder::new(Config::default()).wake_group(group.clone()).build::<u8>()?;
    /// let seq = group.doorbell().register(); // one sleeper for both rings
    /// a.try_send(1).unwrap();
    /// assert_ne!(group.doorbell().register(), seq); // ring `a` rang the group's doorbell
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn wake_group(mut self, group: Arc<WakeGroup>) -> Self {
        self.family_mut().group = Some(group);
        self
    }

    /// Makes the producer sleep (while the ring is full) on the given group's
    /// doorbell instead of the ring's own, so that several rings' producers
    /// share one doorbell: the MPSC channel's close wakes every blocked
    /// producer by ringing it once. A consumer freeing room rings it only
    /// while someone sleeps there.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, spsc::Builder, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let group = Arc::new(WakeGroup::new());
    /// let (mut tx, mut rx) = Builder::new(Config::default().with_ring_bits(1))
    ///     .producer_wake_group(group.clone())
    ///     .build::<u8>()?;
    /// tx.send_slice(&[1, 2]); // full
    /// let seq = group.doorbell().register(); // the producer announces it will sleep
    /// rx.try_recv().unwrap();
    /// assert_ne!(group.doorbell().register(), seq); // freeing a slot rang the group
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn producer_wake_group(mut self, group: Arc<WakeGroup>) -> Self {
        self.family_mut().producer_group = Some(group);
        self
    }

    /// Starts positions at `start` instead of 0 (tests of index wrap-around).
    #[doc(hidden)]
    pub fn start_position(mut self, start: u64) -> Self {
        self.family_mut().start = start;
        self
    }
}

use crate::builder::Parts;

impl<M: RingMemory> crate::builder::BuildChannel<M> for Spsc {
    type Channel<T, O: Observer> = Channel<T, O>;

    fn build_channel<T, O: Observer>(self, p: Parts<M, O>) -> Result<Channel<T, O>, BuildError> {
        let marks = p.marks(p.config.capacity())?;
        let (config, memory, observer) = (p.config, p.memory, p.observer);
        let family = self;
        let capacity = config.capacity();
        let (layout, offset) = ring_layout::<T>(capacity)?;
        let region = memory.allocate(layout)?;
        let header = region.cast::<RingHeader>();
        // SAFETY: the memory seam returned `layout.size()` writable bytes aligned
        // to `layout.align()` (its contract), which covers the header at offset 0.
        unsafe {
            header
                .as_ptr()
                .write(RingHeader::new(capacity as u64, family.start))
        };
        // SAFETY: `offset` is inside the region (from `ring_layout`).
        let slots = unsafe { region.add(offset) }.cast::<T>();

        #[cfg(feature = "std")]
        let notifier = NonNull::from(Box::leak(Box::new(NotifierSlot::new())));
        #[cfg(feature = "std")]
        let (bell, wake) = match &family.group {
            Some(g) => {
                let (bell, slot) = g.parts();
                let mut wake = WakeConfig::local();
                wake.notifier = Some(NonNull::from(slot));
                (Some(NonNull::from(bell)), wake)
            }
            None => {
                let mut wake = WakeConfig::local();
                wake.notifier = Some(notifier);
                (None, wake)
            }
        };
        #[cfg(feature = "std")]
        let producer_local = NonNull::from(Box::leak(Box::new(NotifierSlot::new())));
        #[cfg(feature = "std")]
        let wake = WakeConfig {
            producer_local: Some(match &family.producer_group {
                Some(g) => NonNull::from(g.parts().1),
                None => producer_local,
            }),
            ..wake
        };
        #[cfg(not(feature = "std"))]
        let (bell, wake) = (None, WakeConfig::local());
        #[cfg(ring_loom)]
        let tracker = NonNull::from(Box::leak(Box::new(crate::sync::SlotTracker::new(capacity))));

        // SAFETY: header initialised above and slots are `capacity` slots inside
        // the region; the region, the notifier slots, the tracker and the wake
        // group are owned by `Shared` below, which both handles keep alive; the
        // two handles built here are the ring's only producer and consumer.
        let ring = unsafe {
            RingRef::new(
                header,
                slots,
                capacity,
                bell,
                wake,
                #[cfg(ring_loom)]
                tracker,
            )
        };
        #[cfg(feature = "std")]
        let ring = match &family.producer_group {
            // SAFETY: `Shared` keeps the group alive as long as either handle,
            // and both handles are built from this `ring` below.
            Some(g) => unsafe { ring.with_producer_bell(NonNull::from(g.parts().0)) },
            None => ring,
        };
        let shared = Arc::new(Shared {
            region,
            layout,
            memory: Box::new(memory),
            ring,
            #[cfg(feature = "std")]
            notifier,
            #[cfg(feature = "std")]
            producer_local,
            #[cfg(feature = "std")]
            _group: family.group,
            #[cfg(feature = "std")]
            _producer_group: family.producer_group,
            #[cfg(ring_loom)]
            tracker,
        });
        // SAFETY: the only producer of this fresh ring.
        let raw_p = unsafe { RawProducer::new(ring) };
        // SAFETY: the only consumer of this fresh ring.
        let raw_c = unsafe { RawConsumer::new(ring) };
        let producer = Producer {
            raw: raw_p,
            observer: observer.clone(),
            marks,
            first_use: true,
            shared: shared.clone(),
        };
        let consumer = Consumer {
            raw: raw_c,
            observer,
            marks,
            fall_bar: core::cell::Cell::new(marks.fall_bar()),
            shared,
        };
        Ok((producer, consumer))
    }
}

/// Creates an SPSC channel on the global heap.
///
/// Infallible apart from allocation failure, like `Vec`.
///
/// # Panics
///
/// If `capacity * size_of::<T>()` overflows the address space. Allocation
/// failure aborts through [`alloc::alloc::handle_alloc_error`].
///
/// # Examples
///
/// ```
/// let (mut tx, mut rx) = ring_core::spsc::channel::<&str>(ring_core::Config::default());
/// tx.try_send("hello").unwrap();
/// assert_eq!(rx.try_recv(), Ok("hello"));
/// ```
pub fn channel<T>(config: Config) -> (Producer<T>, Consumer<T>) {
    crate::builder::channel::<Spsc, T>(config)
}

/// What both handles share: the memory region and everything the ring's
/// pointers point into. Dropped with the last handle: drops the items still
/// in the ring, then gives the memory back.
struct Shared<T> {
    region: NonNull<u8>,
    layout: Layout,
    memory: Box<dyn RingMemory>,
    ring: RingRef<T>,
    #[cfg(feature = "std")]
    notifier: NonNull<NotifierSlot>,
    /// The header producer doorbell's process-local side (async producers).
    #[cfg(feature = "std")]
    producer_local: NonNull<NotifierSlot>,
    #[cfg(feature = "std")]
    _group: Option<Arc<WakeGroup>>,
    #[cfg(feature = "std")]
    _producer_group: Option<Arc<WakeGroup>>,
    #[cfg(ring_loom)]
    tracker: NonNull<crate::sync::SlotTracker>,
}

// SAFETY: `Shared` hands items of `T` from one thread to another (so `T: Send`);
// its pointers refer to memory it owns, touched concurrently only through atomics
// and the ring protocol that gives each slot to one side at a time.
unsafe impl<T: Send> Send for Shared<T> {}
// SAFETY: as above; shared access is through atomics and the protocol.
unsafe impl<T: Send> Sync for Shared<T> {}

impl<T> Shared<T> {
    #[cfg(feature = "std")]
    fn notifier_slot(&self) -> &NotifierSlot {
        match &self._group {
            Some(g) => g.parts().1,
            // SAFETY: leaked in `build`, freed only in `Drop` below.
            None => unsafe { self.notifier.as_ref() },
        }
    }
}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        struct Release<'a, T>(&'a mut Shared<T>);
        impl<T> Drop for Release<'_, T> {
            fn drop(&mut self) {
                let s = &mut *self.0;
                // SAFETY: the region came from `allocate(layout)` on this memory
                // value, and no handle is left to use it.
                unsafe { s.memory.release(s.region, s.layout) };
                #[cfg(feature = "std")]
                // SAFETY: leaked in `build`; the last user is gone.
                drop(unsafe { Box::from_raw(s.notifier.as_ptr()) });
                #[cfg(feature = "std")]
                // SAFETY: leaked in `build`; the last user is gone.
                drop(unsafe { Box::from_raw(s.producer_local.as_ptr()) });
                #[cfg(ring_loom)]
                // SAFETY: leaked in `build`; the last user is gone.
                drop(unsafe { Box::from_raw(s.tracker.as_ptr()) });
            }
        }
        let guard = Release(self);
        if needs_drop::<T>() {
            // The last handle is gone: no one else touches the ring. A consumer
            // view of it drops exactly the items in [head, tail).
            // SAFETY: both handles are gone, so this is the only side now.
            let raw = unsafe { RawConsumer::<T>::new(guard.0.ring) };
            let n = raw.refresh().unwrap_or(0);
            let first = raw.contiguous(n);
            let a = ptr::slice_from_raw_parts_mut(raw.slots_for_read(0, first), first);
            let b = ptr::slice_from_raw_parts_mut(raw.slots_for_read(first, n - first), n - first);
            struct DropB<T>(*mut [T]);
            impl<T> Drop for DropB<T> {
                fn drop(&mut self) {
                    // SAFETY: the second run of committed, not yet consumed items.
                    unsafe { ptr::drop_in_place(self.0) }
                }
            }
            let b = DropB(b);
            // SAFETY: the first run of committed, not yet consumed items; the
            // second is dropped by `b` even if a drop here panics.
            unsafe { ptr::drop_in_place(a) };
            drop(b);
        }
        drop(guard);
    }
}

// The blocking API, `SendEndpoint`/`RecvEndpoint` and the iterators, written
// once in `crate::endpoint` for every family.
#[cfg(feature = "std")]
crate::producer_api!(impl[T, O: Observer] Producer<T, O> => T);
#[cfg(feature = "std")]
crate::reserve_api!(impl[T, O: Observer] Producer<T, O> => Reservation<T, O>);
#[cfg(feature = "std")]
crate::consumer_api!(impl[T, O: Observer] Consumer<T, O> => T);

#[cfg(not(feature = "std"))]
impl<T, O: Observer> crate::endpoint::TryRecv for Consumer<T, O> {
    type Item = T;
    fn try_recv(&mut self) -> Result<T, TryRecvError> {
        Consumer::try_recv(self)
    }
}

#[cfg(not(feature = "std"))]
impl<T, O: Observer> Consumer<T, O> {
    /// The items available now, without blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2]);
    /// assert_eq!(rx.try_iter().count(), 2);
    /// ```
    pub fn try_iter(&mut self) -> TryIter<'_, T, O> {
        crate::endpoint::TryIter::new(self)
    }
}

/// The items available now, without blocking ([`Consumer::try_iter`]).
pub type TryIter<'a, T, O = ()> = crate::endpoint::TryIter<'a, Consumer<T, O>>;
/// Every item until closed and drained ([`Consumer::iter`]).
#[cfg(feature = "std")]
pub type Iter<'a, T, O = ()> = crate::endpoint::Iter<'a, Consumer<T, O>>;
/// Every item until closed and drained, owning the consumer.
#[cfg(feature = "std")]
pub type IntoIter<T, O = ()> = crate::endpoint::IntoIter<Consumer<T, O>>;
