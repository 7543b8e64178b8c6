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
use core::fmt;
use core::mem::{MaybeUninit, needs_drop};
use core::ptr::{self, NonNull};
use core::slice;

use thiserror::Error;

use crate::config::Config;
use crate::error::{TryRecvError, TrySendError};
use crate::header::RingHeader;
use crate::raw::{RawConsumer, RawProducer, RingRef, WakeConfig};
#[cfg(feature = "std")]
use crate::seams::Side;
use crate::seams::{Heap, MemoryError, Observer, RingMemory};
use crate::sync::Arc;

#[cfg(feature = "std")]
use crate::error::{RecvTimeoutError, SendTimeoutError};
#[cfg(feature = "std")]
use crate::seams::Notify;
#[cfg(feature = "std")]
use crate::wait::{
    self, Closer, DoorbellRef, NotifierSlot, TimedOut, WaitStrategy, Waitable, WakeGroup,
};
#[cfg(feature = "std")]
use core::time::Duration;

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

/// The two ends of a ring, as returned by [`Builder::build`].
pub type Pair<T, O = ()> = (Producer<T, O>, Consumer<T, O>);

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

    /// Starts positions at `start` instead of 0 (tests of index wrap-around).
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

    #[doc(hidden)]
    pub fn start_position(mut self, start: u64) -> Self {
        self.family_mut().start = start;
        self
    }
}

impl<M: RingMemory> crate::builder::BuildChannel<M> for Spsc {
    type Channel<T, O: Observer> = Pair<T, O>;

    fn build_channel<T, O: Observer>(
        family: Spsc,
        config: Config,
        memory: M,
        observer: O,
    ) -> Result<Pair<T, O>, BuildError> {
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
        #[cfg(not(feature = "std"))]
        let (bell, wake) = (None, WakeConfig::local());
        #[cfg(ring_loom)]
        let tracker = NonNull::from(Box::leak(Box::new(crate::sync::SlotTracker::new(capacity))));

        // SAFETY: header initialised above and slots are `capacity` slots inside
        // the region; the region, the notifier slot, the tracker and the wake
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
            first_use: true,
            shared: shared.clone(),
        };
        let consumer = Consumer {
            raw: raw_c,
            observer,
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
    match Builder::new(config).build() {
        Ok(pair) => pair,
        Err(BuildError::Memory(_)) => match ring_layout::<T>(config.capacity()) {
            Ok((layout, _)) => alloc::alloc::handle_alloc_error(layout),
            Err(e) => panic!("{e}"),
        },
        Err(e) => panic!("{e}"),
    }
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

// ------------------------------------------------------------------ Producer

/// The sending end of an SPSC ring. `Send` (when `T: Send`), not `Sync`, not `Clone`.
///
/// Dropping it closes the channel; the consumer still receives everything
/// committed before.
///
/// ```compile_fail
/// fn clone_it<T: Clone>(_: &T) {}
/// let (tx, _rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
/// clone_it(&tx); // one writer per SPSC ring
/// ```
///
/// ```compile_fail
/// fn share<T: Sync>(_: &T) {}
/// let (tx, _rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
/// share(&tx); // a handle is one thread's end
/// ```
pub struct Producer<T, O: Observer = ()> {
    raw: RawProducer<T>,
    observer: O,
    first_use: bool,
    shared: Arc<Shared<T>>,
}

// SAFETY: the producer moves `T`s into memory the consumer reads on another
// thread (`T: Send`); it is the ring's only producer wherever it runs. Not `Sync`:
// its methods take `&mut self` and cache indices without synchronisation.
unsafe impl<T: Send, O: Observer> Send for Producer<T, O> {}

impl<T, O: Observer> fmt::Debug for Producer<T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer")
            .field("raw", &self.raw)
            .finish_non_exhaustive()
    }
}

impl<T, O: Observer> Producer<T, O> {
    /// Sends without blocking.
    ///
    /// # Errors
    ///
    /// `Closed(v)` if either side closed (it wins over `Full`), `Full(v)` if
    /// the ring is full; the value comes back either way.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, TrySendError, spsc};
    /// let (mut tx, rx) = spsc::channel::<u8>(Config::default().with_ring_bits(1));
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    /// drop(rx);
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
    /// ```
    #[inline]
    pub fn try_send(&mut self, value: T) -> Result<(), TrySendError<T>> {
        if self.raw.is_closed() {
            return Err(TrySendError::Closed(value));
        }
        if self.raw.free_cached() == 0 {
            if self.refresh_slow() == 0 {
                self.observer.on_full();
                return Err(TrySendError::Full(value));
            }
            // Room may come from a consumer draining as it closes: the Acquire
            // load of head in the refresh makes such a close visible here.
            if self.raw.is_closed() {
                return Err(TrySendError::Closed(value));
            }
        }
        let pos = self.raw.tail();
        // SAFETY: at least one slot is free (checked just above), so the slot at
        // the tail is vacant and ours until we publish it.
        unsafe { self.raw.write(0, value) };
        self.observer.before_commit(pos, 1);
        // SAFETY: the one slot published was free (checked above) and was
        // initialised by the `write` just above; we keep no pointer to it.
        unsafe { self.raw.publish(1) };
        self.observer.on_commit(pos, 1);
        Ok(())
    }

    /// Re-reads the head (and runs the memory seam's first-use hook once).
    #[cold]
    #[inline(never)]
    fn refresh_slow(&mut self) -> usize {
        if self.first_use {
            self.first_use = false;
            self.shared
                .memory
                .first_use(self.shared.region, self.shared.layout);
        }
        self.raw.refresh().unwrap_or(0)
    }

    /// Free slots, refreshing the cached head when fewer than `want` are known.
    #[inline(always)]
    fn free_for(&mut self, want: usize) -> usize {
        let free = self.raw.free_cached();
        if free >= want {
            return free;
        }
        let free = self.refresh_slow();
        // As in `try_send`: room freed by a closing consumer is no room.
        if self.raw.is_closed() { 0 } else { free }
    }

    /// Sends as many of `items` as fit now, without blocking; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u32>(ring_core::Config::default().with_ring_bits(2));
    /// assert_eq!(tx.send_slice(&[1, 2, 3, 4, 5, 6]), 4);
    /// let mut out = [0; 8];
    /// assert_eq!(rx.recv_slice(&mut out), 4);
    /// assert_eq!(&out[..4], &[1, 2, 3, 4]);
    /// ```
    pub fn send_slice(&mut self, items: &[T]) -> usize
    where
        T: Copy,
    {
        if items.is_empty() || self.raw.is_closed() {
            return 0;
        }
        let free = self.free_for(items.len());
        let n = items.len().min(free);
        if n == 0 {
            self.observer.on_full();
            return 0;
        }
        let first = self.raw.contiguous(free, n);
        let pos = self.raw.tail();
        // SAFETY: `n <= free`, the first run of `first` slots is contiguous from
        // the tail and the rest starts at slot 0; all are vacant and ours.
        unsafe {
            ptr::copy_nonoverlapping(items.as_ptr(), self.raw.slots_for_write(0, first), first);
        }
        // SAFETY: as above, the wrapped part of the same free range.
        unsafe {
            ptr::copy_nonoverlapping(
                items.as_ptr().add(first),
                self.raw.slots_for_write(first, n - first),
                n - first,
            );
        }
        self.observer.before_commit(pos, n);
        // SAFETY: `n <= free`, the free count `free_for` just returned; all `n`
        // slots were initialised by the two copies above (`T: Copy`).
        unsafe { self.raw.publish(n) };
        self.observer.on_commit(pos, n);
        n
    }

    /// Reserves up to `n` contiguous free slots for zero-copy writing (fewer at
    /// the wrap point of the slot array). `None` when full, closed, or `n == 0`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u64>(ring_core::Config::default());
    /// let r = tx.reserve(4).unwrap();
    /// assert_eq!(r.copy_from_slice(&[1, 2, 3]), 3); // commits exactly 3
    /// let mut sum = 0;
    /// rx.consume_batch(|x| sum += x);
    /// assert_eq!(sum, 6);
    /// ```
    pub fn reserve(&mut self, n: usize) -> Option<Reservation<'_, T, O>> {
        if n == 0 || self.raw.is_closed() {
            return None;
        }
        let free = self.free_for(n);
        let len = self.raw.contiguous(free, n);
        if len == 0 {
            self.observer.on_full();
            return None;
        }
        Some(Reservation {
            producer: self,
            len,
        })
    }

    /// Closes the channel from the producer side (idempotent). The consumer
    /// receives everything committed before, then `Closed`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, TryRecvError, spsc};
    /// let (mut tx, mut rx) = spsc::channel::<u8>(Config::default());
    /// tx.try_send(1).unwrap();
    /// tx.close();
    /// assert!(tx.try_send(2).unwrap_err().is_closed());
    /// assert_eq!(rx.try_recv(), Ok(1)); // committed before the close
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn close(&mut self) {
        self.raw.close();
    }

    /// True once either side closed (then every send fails with `Closed`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// assert!(!tx.is_closed());
    /// rx.close();
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.raw.is_closed()
    }

    /// Slots in the ring.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default().with_ring_bits(3));
    /// assert_eq!(tx.capacity(), 8);
    /// ```
    pub fn capacity(&self) -> usize {
        self.raw.ring().capacity()
    }

    /// Items in the ring now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(tx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// True if no item is in the ring now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// assert!(tx.is_empty());
    /// tx.try_send(1).unwrap();
    /// assert!(!tx.is_empty());
    /// rx.try_recv().unwrap();
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True if the ring is full now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, _rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default().with_ring_bits(1));
    /// tx.try_send(1).unwrap();
    /// assert!(!tx.is_full());
    /// tx.try_send(2).unwrap();
    /// assert!(tx.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.len() >= self.capacity()
    }

    /// Free slots now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default().with_ring_bits(2));
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.available(), 3);
    /// rx.try_recv().unwrap();
    /// assert_eq!(tx.available(), 4);
    /// ```
    pub fn available(&self) -> usize {
        self.capacity() - self.len()
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
    /// let (tx, _rx) = Builder::new(Config::default()).observer(Tag("orders")).build::<u8>()?;
    /// assert_eq!(tx.observer(), &Tag("orders"));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn observer(&self) -> &O {
        &self.observer
    }
}

#[cfg(feature = "std")]
impl<T, O: Observer> Producer<T, O> {
    /// Reserves up to `n` contiguous slots, waiting per `strategy` until at
    /// least one is free (`n == 0` is treated as 1).
    ///
    /// # Errors
    ///
    /// `Closed(())`; `Timeout(())` only under `TimedBlocking`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, WaitStrategy, spsc};
    /// let (mut tx, mut rx) = spsc::channel::<u64>(Config::default());
    /// let r = tx.reserve_with(3, WaitStrategy::Blocking).unwrap(); // room now: no wait
    /// assert_eq!(r.fill_with(|i| i as u64 * 10), 3);
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0, 10, 20]);
    /// drop(rx);
    /// assert!(tx.reserve_with(1, WaitStrategy::Blocking).unwrap_err().is_closed());
    /// ```
    pub fn reserve_with(
        &mut self,
        n: usize,
        strategy: WaitStrategy,
    ) -> Result<Reservation<'_, T, O>, SendTimeoutError<()>> {
        let n = n.max(1);
        let res = wait::wait_until(self, strategy, |p| {
            if p.raw.is_closed() {
                Some(false)
            } else if p.free_for(1) > 0 {
                Some(true)
            } else {
                p.observer.on_full();
                None
            }
        });
        match res {
            Ok(true) => {
                // Free space only grows while we hold `&mut self`.
                let len = self.raw.contiguous(self.raw.free_cached(), n);
                Ok(Reservation {
                    producer: self,
                    len,
                })
            }
            Ok(false) => Err(SendTimeoutError::Closed(())),
            Err(TimedOut) => Err(SendTimeoutError::Timeout(())),
        }
    }
}

#[cfg(feature = "std")]
impl<T, O: Observer> Waitable for Producer<T, O> {
    fn doorbell(&self) -> DoorbellRef<'_> {
        self.raw.ring().producer_doorbell()
    }
    fn timed(&self) -> bool {
        O::TIMED
    }
    fn on_spin(&self) {
        self.observer.on_reserve_spin();
    }
    fn on_wait(&self) {
        self.observer.on_wait(Side::Producer);
    }
    fn on_wake(&self, slept: Duration) {
        self.observer.on_wake(Side::Producer, slept);
    }
}

impl<T, O: Observer> Drop for Producer<T, O> {
    fn drop(&mut self) {
        self.raw.close();
    }
}

// --------------------------------------------------------------- Reservation

/// Contiguous free slots reserved for writing. Borrows the producer mutably,
/// so no second reservation or send can happen until it is committed or
/// dropped. Dropping it without committing commits nothing.
///
/// ```compile_fail
/// let (mut tx, _rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
/// let a = tx.reserve(1).unwrap();
/// let b = tx.reserve(1).unwrap(); // nested reservations are impossible
/// drop((a, b));
/// ```
pub struct Reservation<'a, T, O: Observer = ()> {
    producer: &'a mut Producer<T, O>,
    len: usize,
}

impl<T, O: Observer> fmt::Debug for Reservation<'_, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reservation")
            .field("len", &self.len)
            .finish()
    }
}

/// Publishes the slots a filling loop wrote, also when it unwinds.
struct Commit<'b, T, O: Observer> {
    producer: &'b mut Producer<T, O>,
    written: usize,
}

impl<T, O: Observer> Drop for Commit<'_, T, O> {
    fn drop(&mut self) {
        if self.written > 0 {
            let pos = self.producer.raw.tail();
            self.producer.observer.before_commit(pos, self.written);
            // SAFETY: `written <= len` reserved free slots, and the filling loop
            // counted each slot in `written` only after writing it.
            unsafe { self.producer.raw.publish(self.written) };
            self.producer.observer.on_commit(pos, self.written);
        }
    }
}

impl<'a, T, O: Observer> Reservation<'a, T, O> {
    /// Number of reserved slots.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, _rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default().with_ring_bits(2));
    /// let r = tx.reserve(8).unwrap();
    /// assert_eq!(r.len(), 4); // never more than the ring's free slots
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// Never true: a reservation has at least one slot.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, _rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// let r = tx.reserve(1).unwrap();
    /// assert!(!r.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The reserved slots, for writing through (then [`commit`](Self::commit)).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u32>(ring_core::Config::default());
    /// let mut r = tx.reserve(3).unwrap();
    /// for (i, slot) in r.as_mut_slice().iter_mut().enumerate() {
    ///     slot.write(i as u32 * 10);
    /// }
    /// // SAFETY: all three reserved slots were initialised by the loop above.
    /// unsafe { r.commit(3) };
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0, 10, 20]);
    /// ```
    pub fn as_mut_slice(&mut self) -> &mut [MaybeUninit<T>] {
        let p = self
            .producer
            .raw
            .slots_for_write(0, self.len)
            .cast::<MaybeUninit<T>>();
        // SAFETY: `len` free, contiguous slots from the tail, reserved for us and
        // borrowed mutably through `self` (no other access until commit).
        unsafe { slice::from_raw_parts_mut(p, self.len) }
    }

    /// Writes items from `iter` into the reserved slots and commits exactly
    /// the slots written; returns that count. If the iterator panics, the
    /// items written before the panic are committed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<String>(ring_core::Config::default());
    /// let n = tx.reserve(8).unwrap().fill_from_iter(["a", "b"].map(String::from));
    /// assert_eq!(n, 2);
    /// assert_eq!(rx.try_recv().as_deref(), Ok("a"));
    /// ```
    pub fn fill_from_iter<I: IntoIterator<Item = T>>(self, iter: I) -> usize {
        let len = self.len;
        let base = self.producer.raw.slots_for_write(0, len);
        let mut commit = Commit {
            producer: self.producer,
            written: 0,
        };
        for value in iter.into_iter().take(len) {
            // SAFETY: `written < len`: one of the reserved, vacant, contiguous slots.
            unsafe { base.add(commit.written).write(value) };
            commit.written += 1;
        }
        commit.written
    }

    /// Fills every reserved slot with `f(index)` (index 0 is the first slot)
    /// and commits them all; returns the count. A tight index loop over one
    /// contiguous run, so simple closures vectorise. If `f` panics, the slots
    /// filled before are committed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u64>(ring_core::Config::default());
    /// let n = tx.reserve(4).unwrap().fill_with(|i| 10 * i as u64);
    /// assert_eq!(n, 4);
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0, 10, 20, 30]);
    /// ```
    pub fn fill_with(self, mut f: impl FnMut(usize) -> T) -> usize {
        let len = self.len;
        let base = self.producer.raw.slots_for_write(0, len);
        let mut commit = Commit {
            producer: self.producer,
            written: 0,
        };
        for i in 0..len {
            // SAFETY: `i < len`: one of the reserved, vacant, contiguous slots.
            unsafe { base.add(i).write(f(i)) };
            commit.written = i + 1;
        }
        commit.written
    }

    /// Copies `src` (up to the reservation's length) and commits it; returns
    /// the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// let r = tx.reserve(2).unwrap();
    /// assert_eq!(r.copy_from_slice(&[1, 2, 3]), 2); // at most the reserved length
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
    /// ```
    pub fn copy_from_slice(self, src: &[T]) -> usize
    where
        T: Copy,
    {
        let n = src.len().min(self.len);
        let dst = self.producer.raw.slots_for_write(0, n);
        // SAFETY: `n <= len` reserved, vacant, contiguous slots.
        unsafe { ptr::copy_nonoverlapping(src.as_ptr(), dst, n) };
        // SAFETY: the first `n` slots were just initialised.
        unsafe { self.commit(n) };
        n
    }

    /// Publishes the first `n` slots.
    ///
    /// # Safety
    ///
    /// The first `n` slots of [`as_mut_slice`](Self::as_mut_slice) are initialised.
    ///
    /// # Panics
    ///
    /// If `n` exceeds [`len`](Self::len).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, TryRecvError, spsc};
    /// let (mut tx, mut rx) = spsc::channel::<u8>(Config::default());
    /// let mut r = tx.reserve(4).unwrap();
    /// r.as_mut_slice()[0].write(7);
    /// // SAFETY: the first slot was initialised just above; only it is published.
    /// unsafe { r.commit(1) };
    /// assert_eq!(rx.try_recv(), Ok(7));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty)); // the other slots were not
    /// ```
    pub unsafe fn commit(self, n: usize) {
        assert!(
            n <= self.len,
            "Reservation::commit({n}) exceeds the {} reserved slots",
            self.len
        );
        if n > 0 {
            let pos = self.producer.raw.tail();
            self.producer.observer.before_commit(pos, n);
            // SAFETY: `n <= len` (asserted above), and `len` reserved slots were
            // free; the first `n` are initialised (this function's contract).
            unsafe { self.producer.raw.publish(n) };
            self.producer.observer.on_commit(pos, n);
        }
    }
}

// ------------------------------------------------------------------ Consumer

/// The receiving end of an SPSC ring. `Send` (when `T: Send`), not `Sync`, not `Clone`.
///
/// Dropping it closes the channel and drops the items still in the ring.
///
/// ```compile_fail
/// fn clone_it<T: Clone>(_: &T) {}
/// let (_tx, rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
/// clone_it(&rx); // one reader per SPSC ring
/// ```
///
/// ```compile_fail
/// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
/// tx.try_send(1).unwrap();
/// let s = rx.readable().unwrap();
/// rx.advance(1);
/// let _ = s[0]; // the slice cannot outlive `advance`
/// ```
pub struct Consumer<T, O: Observer = ()> {
    raw: RawConsumer<T>,
    observer: O,
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    // reason: without std it only keeps the ring alive
    shared: Arc<Shared<T>>,
}

// SAFETY: the consumer moves `T`s produced on another thread (`T: Send`); it is
// the ring's only consumer wherever it runs. Not `Sync` (cached index in a `Cell`).
unsafe impl<T: Send, O: Observer> Send for Consumer<T, O> {}

impl<T, O: Observer> fmt::Debug for Consumer<T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer")
            .field("raw", &self.raw)
            .finish_non_exhaustive()
    }
}

/// Moves the consumer's head past the items it has finished with, even if a
/// handler or a `T::drop` panics midway.
struct Finish<'a, T, O: Observer> {
    consumer: &'a mut Consumer<T, O>,
    pos: u64,
    /// Items handed and dropped (or moved out).
    done: usize,
    /// The item at `done` is in the handler's hands.
    handing: bool,
}

impl<T, O: Observer> Drop for Finish<'_, T, O> {
    fn drop(&mut self) {
        if self.handing {
            // The handler panicked on this item: it counts as received, drop it once.
            let p = self.consumer.raw.slots_for_read(self.done, 1);
            self.done += 1;
            if needs_drop::<T>() {
                // SAFETY: committed, not yet dropped; counted in `done` first so it is
                // never dropped again.
                unsafe { ptr::drop_in_place(p) };
            }
        }
        if self.done > 0 {
            // SAFETY: `done <= n`, within the committed count `ready_all` returned;
            // each counted item was handed to the handler, then dropped in place once
            // if `T` needs it (a drop that panicked included: never retried), and no
            // pointer into those slots is used after this.
            unsafe { self.consumer.raw.release(self.done) };
            self.consumer.observer.on_consume(self.pos, self.done);
        }
    }
}

impl<T, O: Observer> Consumer<T, O> {
    /// Committed items now (from the cached tail), or why there are none.
    #[inline(always)]
    fn ready(&self) -> Result<usize, TryRecvError> {
        match self.raw.available().unwrap_or(0) {
            0 => self.ready_slow(),
            n => Ok(n),
        }
    }

    /// Every item committed now (re-reads the tail: one load per batch), or
    /// why there are none. Batch paths use this so a batch takes all there is.
    #[inline(always)]
    fn ready_all(&self) -> Result<usize, TryRecvError> {
        match self.raw.refresh().unwrap_or(0) {
            0 => self.ready_slow(),
            n => Ok(n),
        }
    }

    #[cold]
    #[inline(never)]
    fn ready_slow(&self) -> Result<usize, TryRecvError> {
        if self.raw.is_closed() {
            // The close flag was read with Acquire: this refresh sees every commit
            // made before the close.
            match self.raw.refresh().unwrap_or(0) {
                0 => Err(TryRecvError::Closed),
                n => Ok(n),
            }
        } else {
            self.observer.on_empty();
            Err(TryRecvError::Empty)
        }
    }

    /// Receives without blocking.
    ///
    /// # Errors
    ///
    /// `Empty`, or `Closed` only when closed **and** nothing is left.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, TryRecvError, spsc};
    /// let (mut tx, mut rx) = spsc::channel::<u8>(Config::default());
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1)); // committed before close: still delivered
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    #[inline]
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.ready()?;
        let pos = self.raw.head();
        // SAFETY: at least one committed item is at the head; it is moved out
        // once and released right after.
        let value = unsafe { self.raw.read(0) };
        // SAFETY: the one item released was committed (`ready`) and was moved
        // out by the `read` just above.
        unsafe { self.raw.release(1) };
        self.observer.on_consume(pos, 1);
        Ok(value)
    }

    /// Copies up to `out.len()` items out without blocking; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// let mut out = [0; 2];
    /// assert_eq!(rx.recv_slice(&mut out), 2);
    /// assert_eq!(out, [1, 2]);
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn recv_slice(&mut self, out: &mut [T]) -> usize
    where
        T: Copy,
    {
        let Ok(avail) = self.ready_all() else {
            return 0;
        };
        let n = avail.min(out.len());
        let first = self.raw.contiguous(n);
        let pos = self.raw.head();
        // SAFETY: `n` committed items from the head, in a first contiguous run
        // of `first` and a second run from slot 0; `T: Copy`, so copying is moving.
        unsafe {
            ptr::copy_nonoverlapping(self.raw.slots_for_read(0, first), out.as_mut_ptr(), first);
        }
        // SAFETY: as above, the wrapped part.
        unsafe {
            ptr::copy_nonoverlapping(
                self.raw.slots_for_read(first, n - first),
                out.as_mut_ptr().add(first),
                n - first,
            );
        }
        // SAFETY: `n <= avail`, the committed count `ready_all` just returned;
        // all `n` items were copied out above (`T: Copy`, so that moves them).
        unsafe { self.raw.release(n) };
        self.observer.on_consume(pos, n);
        n
    }

    /// Moves up to `max` items into `out` without blocking; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<String>(ring_core::Config::default());
    /// tx.try_send("a".into()).unwrap();
    /// tx.try_send("b".into()).unwrap();
    /// let mut out = Vec::new();
    /// assert_eq!(rx.recv_many(&mut out, 10), 2);
    /// assert_eq!(out, ["a", "b"]);
    /// ```
    pub fn recv_many(&mut self, out: &mut Vec<T>, max: usize) -> usize {
        let Ok(avail) = self.ready_all() else {
            return 0;
        };
        let n = avail.min(max);
        out.reserve(n);
        let first = self.raw.contiguous(n);
        let pos = self.raw.head();
        let len = out.len();
        // SAFETY: `out` has room for `n` more (reserved above); the `n` committed
        // items are moved (bitwise) out of the ring and never read there again,
        // as `release` below passes them.
        unsafe {
            let dst = out.as_mut_ptr().add(len);
            ptr::copy_nonoverlapping(self.raw.slots_for_read(0, first), dst, first);
            ptr::copy_nonoverlapping(
                self.raw.slots_for_read(first, n - first),
                dst.add(first),
                n - first,
            );
        }
        // SAFETY: the `n` elements after `len` were initialised just above.
        unsafe { out.set_len(len + n) };
        // SAFETY: `n <= avail`, the committed count `ready_all` just returned;
        // the `n` items were moved (bitwise) into `out` above.
        unsafe { self.raw.release(n) };
        self.observer.on_consume(pos, n);
        n
    }

    /// Hands every item available now to `f`, then releases them with one
    /// index update; returns the count.
    ///
    /// If `f` panics, the items before and the item it panicked on count as
    /// received (each dropped exactly once); the rest stay in the ring.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u64>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// let mut sum = 0;
    /// assert_eq!(rx.consume_batch(|x| sum += x), 3);
    /// assert_eq!(sum, 6);
    /// ```
    #[inline]
    pub fn consume_batch(&mut self, f: impl FnMut(&T)) -> usize {
        self.consume_up_to(usize::MAX, f)
    }

    /// As [`consume_batch`](Self::consume_batch), at most `max` items.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// let mut seen = Vec::new();
    /// assert_eq!(rx.consume_up_to(2, |x| seen.push(*x)), 2);
    /// assert_eq!(seen, [1, 2]);
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// ```
    #[inline]
    pub fn consume_up_to(&mut self, max: usize, mut f: impl FnMut(&T)) -> usize {
        let Ok(avail) = self.ready_all() else {
            return 0;
        };
        let n = avail.min(max);
        let first = self.raw.contiguous(n);
        let pos = self.raw.head();
        let mut fin = Finish {
            consumer: self,
            pos,
            done: 0,
            handing: false,
        };
        for (start, len) in [(0, first), (first, n - first)] {
            let run = fin.consumer.raw.slots_for_read(start, len);
            for i in 0..len {
                // SAFETY: within the run of committed items; not yet dropped.
                let item = unsafe { run.add(i) };
                fin.handing = true;
                // SAFETY: committed and initialised; shared only with `f` here.
                f(unsafe { &*item });
                fin.handing = false;
                fin.done += 1;
                if needs_drop::<T>() {
                    // SAFETY: handed once, counted in `done` before dropping, so a
                    // panicking drop is never repeated.
                    unsafe { ptr::drop_in_place(item) };
                }
            }
        }
        let done = fin.done;
        drop(fin);
        done
    }

    /// Drops up to `n` items without looking at them; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3, 4]);
    /// assert_eq!(rx.skip(2), 2);
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// assert_eq!(rx.skip(10), 1); // only what is there
    /// ```
    pub fn skip(&mut self, n: usize) -> usize {
        let Ok(avail) = self.ready_all() else {
            return 0;
        };
        let n = avail.min(n);
        if !needs_drop::<T>() {
            let pos = self.raw.head();
            // SAFETY: `n <= avail`, the committed count `ready_all` just returned;
            // `T` has no drop glue, so releasing the items unread drops them.
            unsafe { self.raw.release(n) };
            self.observer.on_consume(pos, n);
            return n;
        }
        self.consume_up_to(n, |_| {})
    }

    /// Drops every item available now; returns the count (count-only consume).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<String>(ring_core::Config::default());
    /// tx.try_send("a".into()).unwrap();
    /// tx.try_send("b".into()).unwrap();
    /// assert_eq!(rx.consume_count(), 2); // both dropped
    /// assert!(rx.is_empty());
    /// ```
    pub fn consume_count(&mut self) -> usize {
        self.skip(usize::MAX)
    }

    /// The contiguous run of committed items at the head, for zero-copy
    /// reading; `None` when empty. Pass what you used to [`advance`](Self::advance).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(b"hey");
    /// let n = rx.readable().map(|s| s.len()).unwrap_or(0);
    /// assert_eq!(rx.readable(), Some(&b"hey"[..]));
    /// rx.advance(n);
    /// assert!(rx.readable().is_none());
    /// ```
    pub fn readable(&self) -> Option<&[T]> {
        let avail = self.raw.refresh().unwrap_or(0);
        if avail == 0 {
            return None;
        }
        let first = self.raw.contiguous(avail);
        // SAFETY: `first` committed, initialised, contiguous items; the producer
        // cannot overwrite them until `advance` (which needs `&mut self`, so this
        // borrow must end first).
        Some(unsafe { slice::from_raw_parts(self.raw.slots_for_read(0, first), first) })
    }

    /// Consumes `n` items from the head, dropping them.
    ///
    /// # Panics
    ///
    /// If fewer than `n` items are committed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(b"abc");
    /// assert_eq!(rx.readable(), Some(&b"abc"[..]));
    /// rx.advance(2);
    /// assert_eq!(rx.readable(), Some(&b"c"[..]));
    /// ```
    pub fn advance(&mut self, n: usize) {
        let avail = match self.raw.available_cached() {
            a if a >= n => a,
            _ => self.raw.refresh().unwrap_or(0),
        };
        assert!(
            n <= avail,
            "Consumer::advance({n}) passes the {avail} committed items"
        );
        if n > 0 {
            self.skip(n);
        }
    }

    /// The next item, without consuming it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// assert_eq!(rx.peek(), None);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.peek(), Some(&1));
    /// assert_eq!(rx.len(), 1); // still there
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn peek(&self) -> Option<&T> {
        self.readable().and_then(|s| s.first())
    }

    /// Up to `n` items from the head's contiguous run, without consuming them.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// assert_eq!(rx.peek_many(2), [1, 2]);
    /// assert_eq!(rx.peek_many(10), [1, 2, 3]);
    /// assert_eq!(rx.len(), 3); // nothing consumed
    /// ```
    pub fn peek_many(&self, n: usize) -> &[T] {
        match self.readable() {
            Some(s) => &s[..n.min(s.len())],
            None => &[],
        }
    }

    /// Closes the channel from the consumer side (idempotent): the producer's
    /// next send gets `Closed`; nothing committed is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, TryRecvError, spsc};
    /// let (mut tx, mut rx) = spsc::channel::<u8>(Config::default());
    /// tx.try_send(1).unwrap();
    /// rx.close();
    /// assert!(tx.try_send(2).unwrap_err().is_closed());
    /// assert_eq!(rx.try_recv(), Ok(1)); // nothing committed is lost
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn close(&mut self) {
        self.raw.close();
    }

    /// True once either side closed (items may remain).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// tx.try_send(1).unwrap();
    /// assert!(!rx.is_closed());
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// assert_eq!(rx.try_recv(), Ok(1)); // closed, but the item remains
    /// ```
    pub fn is_closed(&self) -> bool {
        self.raw.is_closed()
    }

    /// Items in the ring now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(rx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// True if nothing is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// assert!(rx.is_empty());
    /// tx.try_send(1).unwrap();
    /// assert!(!rx.is_empty());
    /// rx.try_recv().unwrap();
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.raw.available().unwrap_or(0) == 0
    }

    /// Slots in the ring.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default().with_ring_bits(3));
    /// assert_eq!(rx.capacity(), 8);
    /// ```
    pub fn capacity(&self) -> usize {
        self.raw.ring().capacity()
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
    /// let (_tx, rx) = Builder::new(Config::default()).observer(Tag("orders")).build::<u8>()?;
    /// assert_eq!(rx.observer(), &Tag("orders"));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn observer(&self) -> &O {
        &self.observer
    }
}

#[cfg(feature = "std")]
impl<T, O: Observer> Consumer<T, O> {
    /// Waits per `strategy` until at least one item is available, then
    /// consumes the batch; returns the count.
    ///
    /// # Errors
    ///
    /// `Closed` once closed and drained; `Timeout` only under `TimedBlocking`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, RecvTimeoutError, WaitStrategy, spsc};
    /// let (mut tx, mut rx) = spsc::channel::<u64>(Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// drop(tx);
    /// let mut sum = 0;
    /// assert_eq!(rx.consume_batch_with(|x| sum += x, WaitStrategy::Blocking), Ok(3));
    /// assert_eq!(sum, 6);
    /// assert_eq!(rx.consume_batch_with(|x| sum += x, WaitStrategy::Blocking), Err(RecvTimeoutError::Closed));
    /// ```
    pub fn consume_batch_with(
        &mut self,
        f: impl FnMut(&T),
        strategy: WaitStrategy,
    ) -> Result<usize, RecvTimeoutError> {
        let res = wait::wait_until(self, strategy, |c| match c.ready() {
            Ok(_) => Some(Ok(())),
            Err(TryRecvError::Closed) => Some(Err(RecvTimeoutError::Closed)),
            Err(TryRecvError::Empty) => None,
        });
        match res {
            Ok(Ok(())) => Ok(self.consume_batch(f)),
            Ok(Err(e)) => Err(e),
            Err(TimedOut) => Err(RecvTimeoutError::Timeout),
        }
    }

    /// A handle that closes the channel (as this consumer would) from any
    /// thread and wakes whoever waits on it.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, RecvError, spsc};
    /// let (tx, mut rx) = spsc::channel::<u8>(Config::default());
    /// let closer = rx.closer();
    /// let t = std::thread::spawn(move || rx.recv()); // blocks: nothing is ever sent
    /// closer.close(); // from this thread: wakes the blocked `recv`
    /// assert_eq!(t.join().unwrap(), Err(RecvError));
    /// assert!(tx.is_closed());
    /// ```
    pub fn closer(&self) -> Closer
    where
        T: Send + 'static,
    {
        let shared = self.shared.clone();
        Closer::new(move || shared.ring.close_as_consumer())
    }

    /// Attaches a notifier (`None` detaches) that commits signal while the
    /// consumer is [armed](Self::arm). With a shared wake group, the group's.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, Notify, spsc};
    /// use std::sync::{Arc, atomic::{AtomicUsize, Ordering}};
    /// struct Count(Arc<AtomicUsize>);
    /// impl Notify for Count {
    ///     fn notify(&self) {
    ///         self.0.fetch_add(1, Ordering::Relaxed);
    ///     }
    /// }
    ///
    /// let (mut tx, mut rx) = spsc::channel::<u8>(Config::default());
    /// let hits = Arc::new(AtomicUsize::new(0));
    /// rx.set_notifier(Some(Count(hits.clone())));
    /// assert!(!rx.arm()); // nothing waiting: the event loop may sleep
    /// tx.try_send(1).unwrap();
    /// assert_eq!(hits.load(Ordering::Relaxed), 1);
    /// ```
    pub fn set_notifier<N: Notify>(&mut self, notifier: Option<N>) {
        self.shared
            .notifier_slot()
            .set(notifier.map(|n| Box::new(n) as Box<dyn Notify>));
    }

    /// Announces "I am about to sleep in my event loop": commits signal the
    /// notifier until [`disarm`](Self::disarm). Returns `true` if items (or a
    /// close) are already waiting, in which case do not sleep.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// assert!(!rx.arm()); // empty: safe to sleep
    /// tx.try_send(1).unwrap();
    /// assert!(rx.arm()); // an item is waiting: do not sleep
    /// rx.disarm();
    /// ```
    pub fn arm(&self) -> bool {
        self.raw.arm()
    }

    /// Stops commits from signalling the notifier (call after waking).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, Notify, spsc};
    /// use std::sync::{Arc, atomic::{AtomicUsize, Ordering}};
    /// struct Count(Arc<AtomicUsize>);
    /// impl Notify for Count {
    ///     fn notify(&self) {
    ///         self.0.fetch_add(1, Ordering::Relaxed);
    ///     }
    /// }
    ///
    /// let (mut tx, mut rx) = spsc::channel::<u8>(Config::default());
    /// let hits = Arc::new(AtomicUsize::new(0));
    /// rx.set_notifier(Some(Count(hits.clone())));
    /// rx.arm();
    /// tx.try_send(1).unwrap(); // armed: signals
    /// rx.disarm();
    /// tx.try_send(2).unwrap(); // disarmed: silent
    /// assert_eq!(hits.load(Ordering::Relaxed), 1);
    /// ```
    pub fn disarm(&self) {
        self.raw.disarm();
    }
}

#[cfg(feature = "std")]
impl<T, O: Observer> Waitable for Consumer<T, O> {
    fn doorbell(&self) -> DoorbellRef<'_> {
        self.raw.ring().consumer_doorbell()
    }
    fn timed(&self) -> bool {
        O::TIMED
    }
    fn on_wait(&self) {
        self.observer.on_wait(Side::Consumer);
    }
    fn on_wake(&self, slept: Duration) {
        self.observer.on_wake(Side::Consumer, slept);
    }
}

// The blocking API, `SendEndpoint`/`RecvEndpoint` and the iterators, written
// once in `crate::endpoint` for every family.
#[cfg(feature = "std")]
crate::producer_api!(impl[T, O: Observer] Producer<T, O> => T);
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

impl<T, O: Observer> Drop for Consumer<T, O> {
    fn drop(&mut self) {
        self.raw.close();
        // Drop what is committed now; anything committed later is dropped with
        // the ring's memory when the producer goes too.
        self.consume_count();
    }
}
