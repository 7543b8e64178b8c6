//! The multi-consumer claim ring: one producer, any number of consumers,
//! each item claimed and moved out by exactly one consumer.
//!
//! *Implementor module*: channel families and sibling crates build on it;
//! applications use the families.
//!
//! # Protocol (per-slot sequence stamps)
//!
//! Every slot has a 64-bit stamp. Positions are unbounded `u64`s; the slot
//! of position `p` is `p & mask`. For position `p`:
//!
//! - stamp `== p`: the slot is free for the producer to write `p`;
//! - stamp `== p + 1`: `p` is written and may be claimed;
//! - stamp `== p + capacity`: `p` was consumed; the slot is free for `p + capacity`.
//!
//! The producer (one at a time, see [`Ring::try_producer`]) writes the slot,
//! then stores `p + 1` with `Release`. A consumer loads the shared `head`,
//! checks with `Acquire` that the stamps of `head .. head + k` read
//! `pos + 1`, then claims them all with one CAS of `head` to `head + k`. Only
//! after a successful claim does it read a slot: it moves the item out,
//! stores `p + capacity` with `Release` (the slot goes back to the producer)
//! and only then hands the item to the caller's handler. No consumer reads a
//! slot it has not claimed, so there is no speculative copy to race with the
//! producer, and a preempted consumer holds back only the slots it claimed
//! (unlike an in-order `cons_tail`, which lets one preempted consumer stall
//! all others). Consumers release out of order; the producer checks each
//! slot's stamp before writing it.
//!
//! The `tail` word is the producer's published count (for `len` and the
//! "hotness" of a ring: `tail - head`, exact, never drifting); items travel
//! through the stamps only.
//!
//! # Examples
//!
//! ```
//! use ring_core::claim::Ring;
//! use ring_core::wait::WakeGroup;
//! use std::sync::Arc;
//!
//! let ring = Ring::<u32>::new(4, Arc::new(WakeGroup::new()))?;
//! let mut tx = Ring::try_producer(&ring).expect("first producer");
//! tx.try_send(1).unwrap();
//! tx.try_send(2).unwrap();
//! let other = ring.clone(); // a second consumer: any thread, `&self` methods
//! assert_eq!(other.try_recv(), Ok(1));
//! assert_eq!(ring.try_recv(), Ok(2));
//! # Ok::<(), ring_core::spsc::BuildError>(())
//! ```

use alloc::vec::Vec;

use core::mem::{self, MaybeUninit, needs_drop};
use core::ptr::NonNull;
use core::slice;
use crossbeam_utils::CachePadded;

use crate::error::{TryRecvError, TrySendError};
use crate::header::Doorbell;
use crate::raw::Trusted;
use crate::seams::{Heap, Observer, RingMemory};
use crate::spsc::BuildError;
use crate::sync::{Arc, AtomicBool, AtomicU64, FenceMode, Ordering, fence};
use crate::wait::{DoorbellRef, WakeGroup};
use crate::watermark::{Marks, WatermarkState, Watermarks};

mod producer;
mod region;
mod reservation;
mod words;

pub use producer::Producer;
pub use region::region_layout;
pub(crate) use region::{Region, Stamped};
pub use reservation::Reservation;
pub use words::{ClaimWords, Eviction};

/// A multi-consumer ring with one producer at a time. Share it with `Arc`;
/// every consumer method takes `&self` and may run on any thread.
///
/// `O` is the observation seam ([`Observer`]), called by whichever thread
/// works the ring; with several consumers it sees concurrent calls (use
/// ring-metrics' `Metrics::shared`).
pub struct Ring<T, O: Observer = ()> {
    head: CachePadded<AtomicU64>,
    tail: CachePadded<AtomicU64>,
    stamps: NonNull<AtomicU64>,
    slots: NonNull<MaybeUninit<T>>,
    mask: usize,
    /// The watermark thresholds (read-only; [`Marks::OFF`] without watermarks).
    marks: Marks,
    /// The watermark crossing word (written only when a crossing is reported).
    watermark: WatermarkState,
    closed: AtomicBool,
    /// Entries a recording producer evicted ([`Producer::record`]); written
    /// by the producer side only, read for loss counts.
    evicted: AtomicU64,
    producer_taken: AtomicBool,
    producer_bell: Doorbell,
    /// The producer doorbell's process-local side (an async producer's waker).
    producer_local: crate::wait::NotifierSlot,
    group: Arc<WakeGroup>,
    mode: FenceMode,
    observer: O,
    /// Declared after everything that points into it.
    region: Region,
    #[cfg(ring_loom)]
    tracker: crate::sync::SlotTracker,
}

// SAFETY: the ring hands `T`s from the producer's thread to consumers' threads
// (`T: Send`), and hands the observer to any of them (`O: Send`). Slots are
// accessed only by the side the stamp protocol gives them to (the producer
// while the stamp says free, one claiming consumer after its CAS); the stamps
// and indices are atomics; the memory seam is `Send + Sync`.
unsafe impl<T: Send, O: Observer> Send for Ring<T, O> {}
// SAFETY: as above: shared access is through atomics and the claim protocol;
// the observer is called through `&O` from several threads (`Observer: Sync`).
unsafe impl<T: Send, O: Observer> Sync for Ring<T, O> {}

crate::debug_fields! {
    impl<T, O: Observer> Debug for Ring<T, O> as "claim::Ring", |this| {
        capacity: this.capacity(),
        len: this.len(),
        closed: this.is_closed(),
    }
}

impl<T> Ring<T> {
    /// A ring of `capacity` slots (a power of two) on the global heap, with no
    /// observer, whose consumers sleep on `group`'s doorbell (several rings
    /// may share one group).
    ///
    /// # Errors
    ///
    /// [`BuildError::CapacityOverflow`] if `capacity * size_of::<T>()`
    /// overflows; [`BuildError::Memory`] if the heap refuses.
    ///
    /// # Panics
    ///
    /// If `capacity` is not a power of two.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// assert_eq!(ring.capacity(), 4);
    /// assert!(ring.is_empty());
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn new(capacity: usize, group: Arc<WakeGroup>) -> Result<Arc<Self>, BuildError> {
        Ring::with_seams(capacity, group, Heap, ())
    }
}

impl<T, O: Observer> Ring<T, O> {
    /// A ring of `capacity` slots (a power of two) whose stamps and slots
    /// live in a region from `memory`, reporting to `observer`.
    ///
    /// The memory seam's [`first_use`](RingMemory::first_use) hook runs once
    /// per ring, on the thread of the first producer's first send or
    /// reservation (the stamps were written at build, on the building
    /// thread; a placement that moves pages, like ring-numa's, moves them).
    ///
    /// # Errors
    ///
    /// [`BuildError::CapacityOverflow`] if the region's size overflows;
    /// [`BuildError::Memory`] if the memory seam fails.
    ///
    /// # Panics
    ///
    /// If `capacity` is not a power of two.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Heap, claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    ///
    /// let ring = Ring::<u8>::with_seams(8, Arc::new(WakeGroup::new()), Heap, ())?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// tx.try_send(5).unwrap();
    /// assert_eq!(ring.try_recv(), Ok(5));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn with_seams<M: RingMemory>(
        capacity: usize,
        group: Arc<WakeGroup>,
        memory: M,
        observer: O,
    ) -> Result<Arc<Self>, BuildError> {
        Ring::with_watermarks(capacity, group, memory, observer, None)
    }

    /// As [`with_seams`](Self::with_seams), reporting fill crossings of
    /// `watermarks` (counted in items of this ring) to the observer's
    /// [`on_watermark`](Observer::on_watermark): `High` from the producer
    /// call that left the ring at or above `high` (a recording producer's
    /// evicting `record` keeps the ring full), then `Low` from the consumer
    /// call that left it at or below `low`. See [`crate::watermark`] for the
    /// protocol and `docs/memory-ordering.md` §10 for this ring's estimates;
    /// with several consumers, the crossing word's CAS lets exactly one of
    /// them report.
    ///
    /// # Errors
    ///
    /// As [`with_seams`](Self::with_seams), and [`BuildError::Config`] if
    /// the high watermark exceeds `capacity`.
    ///
    /// # Panics
    ///
    /// If `capacity` is not a power of two.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Heap, Watermarks, claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    ///
    /// let marks = Some(Watermarks::new(1, 3)?);
    /// let ring = Ring::<u8>::with_watermarks(4, Arc::new(WakeGroup::new()), Heap, (), marks)?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// tx.send_slice(&[1, 2, 3]);
    /// assert!(ring.above_high_watermark());
    /// assert_eq!(ring.fill(), 0.75);
    /// ring.skip(2);
    /// assert!(!tx.above_high_watermark()); // fell to 1
    /// let too_high = Some(Watermarks::new(1, 5)?);
    /// assert!(Ring::<u8>::with_watermarks(4, Arc::new(WakeGroup::new()), Heap, (), too_high).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_watermarks<M: RingMemory>(
        capacity: usize,
        group: Arc<WakeGroup>,
        memory: M,
        observer: O,
        watermarks: Option<Watermarks>,
    ) -> Result<Arc<Self>, BuildError> {
        let marks = Marks::for_ring(watermarks, capacity)?;
        assert!(
            capacity.is_power_of_two(),
            "claim::Ring capacity must be a power of two"
        );
        let Stamped {
            region,
            stamps,
            slots,
        } = Region::stamped::<T, M>(capacity, memory, |i| i as u64)?;
        Ok(Arc::new(Ring {
            head: CachePadded::new(AtomicU64::new(0)),
            tail: CachePadded::new(AtomicU64::new(0)),
            stamps,
            slots,
            mask: capacity - 1,
            marks,
            watermark: WatermarkState::new(),
            closed: AtomicBool::new(false),
            evicted: AtomicU64::new(0),
            producer_taken: AtomicBool::new(false),
            producer_bell: Doorbell::new(),
            producer_local: crate::wait::NotifierSlot::new(),
            group,
            mode: FenceMode::detect(),
            observer,
            region,
            #[cfg(ring_loom)]
            tracker: crate::sync::SlotTracker::new(capacity),
        }))
    }

    /// The observer this ring reports to.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Heap, claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// #[derive(Clone, Debug, PartialEq)]
    /// struct Tag(&'static str);
    /// impl ring_core::Observer for Tag {}
    ///
    /// let ring = Ring::<u8, Tag>::with_seams(4, Arc::new(WakeGroup::new()), Heap, Tag("jobs"))?;
    /// assert_eq!(ring.observer(), &Tag("jobs"));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn observer(&self) -> &O {
        &self.observer
    }

    /// Entries evicted from this ring by [`Producer::record`] since it was
    /// built (each was handed back to its recorder, never received).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(2, Arc::new(WakeGroup::new()))?;
    /// let mut w = Ring::try_producer(&ring).unwrap();
    /// for v in 0..5 {
    ///     w.record(v).unwrap();
    /// }
    /// assert_eq!(ring.evicted(), 3); // 0, 1 and 2 made room for 2, 3 and 4
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn evicted(&self) -> u64 {
        self.words().evicted()
    }

    /// Slots in the ring.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(8, Arc::new(WakeGroup::new()))?;
    /// assert_eq!(ring.capacity(), 8);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.mask + 1
    }

    /// The wake group consumers sleep on.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let group = Arc::new(WakeGroup::new());
    /// let a = Ring::<u8>::new(4, group.clone())?;
    /// let b = Ring::<u8>::new(4, group.clone())?;
    /// assert!(Arc::ptr_eq(a.group(), &group) && Arc::ptr_eq(b.group(), &group)); // one doorbell for both
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn group(&self) -> &Arc<WakeGroup> {
        &self.group
    }

    /// Takes the ring's producer side; `None` while another
    /// [`Producer`] holds it. Dropping the producer gives the side back
    /// (without closing the ring), so a later `try_producer` continues at
    /// the same tail: rings can be reused by a new producer.
    ///
    /// An associated function (`Ring::try_producer(&ring)`), as the loom
    /// build's `Arc` cannot be a method receiver.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// assert!(Ring::try_producer(&ring).is_none()); // one producer at a time
    /// tx.try_send(1).unwrap();
    /// drop(tx); // gives the side back; the ring stays open
    /// Ring::try_producer(&ring).unwrap().try_send(2).unwrap();
    /// assert_eq!((ring.try_recv(), ring.try_recv()), (Ok(1), Ok(2)));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn try_producer(this: &Arc<Self>) -> Option<Producer<T, O>> {
        // ORDERING: Acquire on success; pairs with the Release store in
        // `Producer::drop`: the previous producer's slot writes and its tail are
        // visible to us. Relaxed on failure: we take nothing.
        this.producer_taken
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()?;
        // ORDERING: Relaxed; ordered by the Acquire CAS above (the tail is only
        // written by the producer side, which we now own).
        let tail = this.tail.load(Ordering::Relaxed);
        // ORDERING: Relaxed; only a lower bound of the head for the watermark
        // estimate (the head only grows, so any value read is one).
        let head_seen = this.head.load(Ordering::Relaxed);
        Some(Producer {
            ring: this.clone(),
            tail,
            head_seen,
            marks: this.marks,
            // Only producers touch the flag, one at a time, handed over by the
            // Acquire CAS above.
            fresh: this.region.fresh(),
            free_until: tail,
            _not_sync: core::marker::PhantomData,
        })
    }

    /// Items waiting now: `tail - head`, exact up to in-flight operations,
    /// never negative and never above the capacity (the "hotness" of a ring).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// tx.send_slice(&[1, 2]);
    /// assert_eq!(ring.len(), 2);
    /// ring.try_recv().unwrap();
    /// assert_eq!(ring.len(), 1);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn len(&self) -> usize {
        // ORDERING: Relaxed; a snapshot for status and steal heuristics.
        let tail = self.tail.load(Ordering::Relaxed);
        // ORDERING: Relaxed; as above.
        let head = self.head.load(Ordering::Relaxed);
        (tail.saturating_sub(head) as usize).min(self.capacity())
    }

    /// True if the slot at the head holds no claimable item now.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// assert!(ring.is_empty());
    /// Ring::try_producer(&ring).unwrap().try_send(1).unwrap();
    /// assert!(!ring.is_empty());
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        // ORDERING: Relaxed; the stamp check below is the real test.
        let head = self.head.load(Ordering::Relaxed);
        !self.words().is_ready(head)
    }

    /// True once the ring is closed (items may remain). When this returns
    /// true, every item committed before the close is claimable.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// Ring::try_producer(&ring).unwrap().try_send(1).unwrap();
    /// assert!(!ring.is_closed());
    /// ring.close();
    /// assert!(ring.is_closed());
    /// assert_eq!(ring.try_recv(), Ok(1)); // closed, but the item remains
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    #[inline]
    pub fn is_closed(&self) -> bool {
        // ORDERING: Acquire; pairs with the Release swap in `close`: commits made
        // before the close (their stamps) are visible to our next claim.
        self.closed.load(Ordering::Acquire)
    }

    /// Closes the ring (idempotent): sends fail with `Closed`, committed
    /// items stay claimable, and every sleeper on either side wakes.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{TryRecvError, claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// tx.try_send(1).unwrap();
    /// ring.close();
    /// assert!(tx.try_send(2).unwrap_err().is_closed());
    /// assert_eq!(ring.try_recv(), Ok(1)); // committed items stay claimable
    /// assert_eq!(ring.try_recv(), Err(TryRecvError::Closed));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn close(&self) {
        // ORDERING: Release; pairs with the Acquire load in `is_closed`.
        if self.closed.swap(true, Ordering::Release) {
            return;
        }
        // ORDERING: SeqCst fence (close is rare): the flag is ordered before
        // the unconditional wake-ups and the armed check below.
        fence(Ordering::SeqCst);
        let (bell, notifier) = self.group.parts();
        bell.ring_always(false, Some(notifier));
        self.producer_bell
            .ring_always(false, Some(&self.producer_local));
    }

    /// The doorbell consumers sleep on (the group's).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// let seq = ring.consumer_doorbell().register(); // a consumer announces it will sleep
    /// tx.try_send(1).unwrap();
    /// assert_ne!(ring.consumer_doorbell().register(), seq); // the commit rang the doorbell
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn consumer_doorbell(&self) -> DoorbellRef<'_> {
        self.group.doorbell()
    }

    /// The doorbell the producer sleeps on while the ring is full.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(2, Arc::new(WakeGroup::new()))?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// tx.send_slice(&[1, 2]); // full
    /// let seq = ring.producer_doorbell().register(); // the producer announces it will sleep
    /// ring.try_recv().unwrap();
    /// assert_ne!(ring.producer_doorbell().register(), seq); // freeing a slot rang the doorbell
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn producer_doorbell(&self) -> DoorbellRef<'_> {
        DoorbellRef::new(&self.producer_bell, self.mode, false).with_local(&self.producer_local)
    }

    /// Whether an item is available now (`Ok`), or why not.
    ///
    /// # Errors
    ///
    /// `Empty`, or `Closed` when closed and nothing is left.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{TryRecvError, claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// assert_eq!(ring.ready(), Err(TryRecvError::Empty));
    /// Ring::try_producer(&ring).unwrap().try_send(1).unwrap();
    /// ring.close();
    /// assert_eq!(ring.ready(), Ok(())); // closed, but an item is left
    /// ring.try_recv().unwrap();
    /// assert_eq!(ring.ready(), Err(TryRecvError::Closed));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn ready(&self) -> Result<(), TryRecvError> {
        if !self.is_empty() {
            return Ok(());
        }
        if !self.is_closed() {
            return Err(TryRecvError::Empty);
        }
        // Closed was read with Acquire: this check sees every commit before it.
        if self.is_empty() {
            Err(TryRecvError::Closed)
        } else {
            Ok(())
        }
    }

    /// The protocol's words of this ring (its own fields; see
    /// [`ClaimWords`]), trusted: both sides are this process's code.
    #[inline(always)]
    pub(crate) fn words(&self) -> ClaimWords<'_, Trusted> {
        // SAFETY: `stamps` holds `capacity` (a power of two) stamp words
        // initialised in `with_seams`, living as long as the ring (`region`).
        unsafe {
            ClaimWords::new(
                &self.head,
                &self.tail,
                &self.evicted,
                self.stamps,
                self.capacity(),
            )
        }
    }

    #[inline(always)]
    fn slot(&self, pos: u64) -> *mut MaybeUninit<T> {
        // SAFETY: `pos & mask < cap`: inside the slot array.
        unsafe { self.slots.as_ptr().add(pos as usize & self.mask) }
    }

    /// Claims up to `max` consecutive committed positions from the head:
    /// `(first position, count)`, count 0 when none is ready.
    #[inline(always)]
    fn claim(&self, max: usize) -> (u64, usize) {
        // Unchecked: the claim never reports corruption.
        self.words().claim(max).unwrap_or_default()
    }

    /// Claims up to `max` items, moves each out, gives its slot back, and
    /// then hands it to `each`. Returns the count claimed. If `each` panics,
    /// the remaining claimed items are moved out and dropped (each exactly
    /// once) and their slots given back.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<String>::new(4, Arc::new(WakeGroup::new()))?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// for s in ["a", "b", "c"] {
    ///     tx.try_send(s.to_string()).unwrap();
    /// }
    /// let mut got = Vec::new();
    /// assert_eq!(ring.take(2, |s| got.push(s)), 2); // moved out, by value
    /// assert_eq!(got, ["a", "b"]);
    /// assert_eq!(ring.len(), 1);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    #[inline]
    pub fn take(&self, max: usize, mut each: impl FnMut(T)) -> usize {
        self.take_at(max, |_, v| each(v))
    }

    /// As [`take`](Self::take), handing `each` every item's position too
    /// (the count of items committed to this ring before it, from 0).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<char>::new(4, Arc::new(WakeGroup::new()))?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// tx.send_slice(&['a', 'b']);
    /// let mut got = Vec::new();
    /// assert_eq!(ring.take_at(2, |pos, c| got.push((pos, c))), 2);
    /// assert_eq!(got, [(0, 'a'), (1, 'b')]);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    #[inline]
    pub fn take_at(&self, max: usize, mut each: impl FnMut(u64, T)) -> usize {
        let (pos, k) = self.claim(max);
        if k == 0 {
            if max > 0 {
                self.observer.on_empty();
                // An empty ring is at or below any low watermark: a crossing
                // a racing call could not report yet is reported here.
                self.watch_drain();
            }
            return 0;
        }
        // The guard first: if the observer hook or a handler panics, the
        // guard's drop still moves out, drops and gives back every claimed slot.
        let mut claimed = Claimed {
            ring: self,
            pos,
            end: pos.wrapping_add(k as u64),
        };
        self.observer.on_consume(pos, k);
        while let Some((p, v)) = claimed.next_item() {
            each(p, v);
        }
        // Every claimed slot is given back (and the producer woken) before
        // the watermark report, so an observer never holds a slot.
        drop(claimed);
        self.watch_drain();
        k
    }

    /// After a take (or a look that found the ring empty): the low
    /// watermark. A consumer of a claim ring cannot see the fill without
    /// loading the producer's tail, so its estimate is 0 (never above the
    /// truth): without watermarks the compare never passes; with them, the
    /// fast path is that compare and one Relaxed load of the crossing word
    /// (written only at crossings, so it stays shared in every cache), and
    /// only while the word says `HIGH` does a take read the tail and head.
    /// With several consumers, the crossing word's CAS lets one report.
    #[inline(always)]
    fn watch_drain(&self) {
        if self.marks.may_fall(0) {
            self.watch_drain_on();
        }
    }

    /// `watch_drain` with watermarks configured (one load of the word, then
    /// the cold path only while it says `HIGH`).
    fn watch_drain_on(&self) {
        self.marks.fell(
            0,
            &self.watermark,
            || self.len(),
            |w| self.observer.on_watermark(w),
        );
    }

    /// How full the ring is: `len() / capacity()`, in `0.0..=1.0`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// Ring::try_producer(&ring).unwrap().send_slice(&[1]);
    /// assert_eq!(ring.fill(), 0.25);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn fill(&self) -> f64 {
        crate::watermark::fill(self.len(), self.capacity())
    }

    /// True once a producer call left the ring at or above the high
    /// watermark, until a consumer call leaves it at or below the low one
    /// (always false without watermarks, see
    /// [`with_watermarks`](Self::with_watermarks)).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// Ring::try_producer(&ring).unwrap().send_slice(&[1, 2, 3, 4]);
    /// assert!(!ring.above_high_watermark()); // no watermarks configured
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn above_high_watermark(&self) -> bool {
        self.watermark.is_high()
    }

    /// Receives one item without blocking.
    ///
    /// # Errors
    ///
    /// `Empty`, or `Closed` only when closed **and** nothing is left.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{TryRecvError, claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// assert_eq!(ring.try_recv(), Err(TryRecvError::Empty));
    /// Ring::try_producer(&ring).unwrap().try_send(1).unwrap();
    /// ring.close();
    /// assert_eq!(ring.try_recv(), Ok(1)); // committed before the close: still delivered
    /// assert_eq!(ring.try_recv(), Err(TryRecvError::Closed));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    #[inline]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        let mut out = None;
        if self.take(1, |v| out = Some(v)) == 0 && self.is_closed() {
            // Closed was read with Acquire: this claim sees every commit made
            // before the close.
            self.take(1, |v| out = Some(v));
            return out.ok_or(TryRecvError::Closed);
        }
        out.ok_or(TryRecvError::Empty)
    }

    /// Claims up to `max` items and hands each to `f` after moving it out;
    /// returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u64>::new(4, Arc::new(WakeGroup::new()))?;
    /// Ring::try_producer(&ring).unwrap().send_slice(&[1, 2, 3]);
    /// let mut sum = 0;
    /// assert_eq!(ring.consume_up_to(2, |x| sum += x), 2);
    /// assert_eq!(sum, 3);
    /// assert_eq!(ring.len(), 1);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn consume_up_to(&self, max: usize, mut f: impl FnMut(&T)) -> usize {
        self.take(max, |v| f(&v))
    }

    /// Copies up to `out.len()` claimed items out; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// Ring::try_producer(&ring).unwrap().send_slice(&[1, 2, 3]);
    /// let mut out = [0; 2];
    /// assert_eq!(ring.recv_slice(&mut out), 2);
    /// assert_eq!(out, [1, 2]);
    /// assert_eq!(ring.try_recv(), Ok(3));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn recv_slice(&self, out: &mut [T]) -> usize
    where
        T: Copy,
    {
        let mut i = 0;
        self.take(out.len(), |v| {
            out[i] = v;
            i += 1;
        })
    }

    /// Moves up to `max` claimed items into `out`; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// Ring::try_producer(&ring).unwrap().send_slice(&[1, 2, 3]);
    /// let mut out = vec![0];
    /// assert_eq!(ring.recv_many(&mut out, 10), 3); // appended
    /// assert_eq!(out, [0, 1, 2, 3]);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn recv_many(&self, out: &mut Vec<T>, max: usize) -> usize {
        out.reserve(max.min(self.capacity()));
        self.take(max, |v| out.push(v))
    }

    /// Claims and drops up to `n` items; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// Ring::try_producer(&ring).unwrap().send_slice(&[1, 2, 3]);
    /// assert_eq!(ring.skip(2), 2);
    /// assert_eq!(ring.try_recv(), Ok(3));
    /// assert_eq!(ring.skip(5), 0); // nothing left
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn skip(&self, n: usize) -> usize {
        self.take(n, drop)
    }

    /// Claims and drops every item committed now, also past a panicking
    /// `T::drop` (the others are still dropped while it unwinds; a second
    /// panic aborts, as in `Vec`'s drop); returns the count. What the last
    /// consumer of a channel does when it goes.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<String>::new(4, Arc::new(WakeGroup::new()))?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// tx.try_send("a".into()).unwrap();
    /// tx.try_send("b".into()).unwrap();
    /// assert_eq!(ring.drop_pending(), 2);
    /// assert!(ring.is_empty());
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn drop_pending(&self) -> usize {
        struct Continue<'a, T, O: Observer>(&'a Ring<T, O>);
        impl<T, O: Observer> Drop for Continue<'_, T, O> {
            fn drop(&mut self) {
                // Only reached while a `T::drop` unwinds: drop the rest.
                self.0.drop_pending();
            }
        }
        let mut n = 0;
        loop {
            let guard = Continue(self);
            // One at a time: each slot is given back before its `T::drop`
            // runs, so a recording producer never waits on user code here.
            let k = self.take(1, drop);
            mem::forget(guard);
            if k == 0 {
                return n;
            }
            n += k;
        }
    }

    /// Wakes the consumers if one sleeps or is armed. Called after publishing.
    #[inline(always)]
    fn wake_consumers(&self) {
        self.group.wake_waiting();
    }

    /// Wakes the producer if it sleeps on a full ring. Called after releasing.
    #[inline(always)]
    fn wake_producer(&self) {
        self.mode.light();
        // ORDERING: Relaxed after the light fence; pairs with the producer's heavy
        // fence when it sleeps on a full ring (same argument as above).
        let w = self.producer_bell.waiters.load(Ordering::Relaxed);
        if w & Doorbell::WAKE_BITS != 0 {
            self.producer_bell
                .ring(w, false, Some(&self.producer_local));
        }
    }
}

/// The claimed positions `pos .. end` of one `take`: moves them out one by
/// one; whatever is left when it drops (a handler panicked) is moved out and
/// dropped there, so every claimed slot goes back to the producer.
struct Claimed<'a, T, O: Observer> {
    ring: &'a Ring<T, O>,
    pos: u64,
    end: u64,
}

impl<T, O: Observer> Claimed<'_, T, O> {
    #[inline(always)]
    fn next_item(&mut self) -> Option<(u64, T)> {
        if self.pos == self.end {
            return None;
        }
        let pos = self.pos;
        self.pos = pos.wrapping_add(1);
        #[cfg(ring_loom)]
        self.ring.tracker.read(pos as usize & self.ring.mask);
        // SAFETY: `pos` was claimed by our CAS (its stamp read `pos + 1`, so the
        // item is initialised), no one else reads it, and it is moved out once:
        // `self.pos` moved past it above.
        let v = unsafe { self.ring.slot(pos).read().assume_init() };
        // The slot goes back to the producer (a Release store of its stamp):
        // our read happens-before it is overwritten.
        self.ring.words().give_back(pos);
        Some((pos, v))
    }
}

impl<T, O: Observer> Drop for Claimed<'_, T, O> {
    fn drop(&mut self) {
        while let Some(item) = self.next_item() {
            drop(item);
        }
        self.ring.wake_producer();
    }
}

impl<T, O: Observer> Drop for Ring<T, O> {
    fn drop(&mut self) {
        // Every handle is gone: no claim is in flight (each `take` finishes its
        // claim before returning, also when unwinding), and the producer's last
        // tail store is visible (the `Arc` drop synchronises).
        // ORDERING: Relaxed; exclusive access (see above).
        let head = self.head.load(Ordering::Relaxed);
        // ORDERING: Relaxed; as above.
        let tail = self.tail.load(Ordering::Relaxed);
        if needs_drop::<T>() {
            // A panicking `T::drop` does not stop the others (as `Vec`'s drop).
            for_each_unwind_safe(head, tail, &mut |pos| {
                #[cfg(ring_loom)]
                self.tracker.read(pos as usize & self.mask);
                // SAFETY: `head <= pos < tail`: committed and never claimed, so
                // initialised and owned by no one else; each position is visited
                // once (`for_each_unwind_safe` moves past it before the call).
                unsafe { (*self.slot(pos)).assume_init_drop() };
            });
        }
    }
}

/// Calls `f(pos)` for every position from `pos` up to `end` (exclusive,
/// wrapping), each once, in order. If one call panics, the rest still run
/// while the panic unwinds (a second panic then aborts, as in `Vec`'s drop).
pub(crate) fn for_each_unwind_safe(pos: u64, end: u64, f: &mut dyn FnMut(u64)) {
    struct Rest<'a> {
        pos: u64,
        end: u64,
        f: &'a mut dyn FnMut(u64),
    }
    impl Drop for Rest<'_> {
        fn drop(&mut self) {
            // Runs to completion normally (nothing is left) and on unwind
            // (the positions after the one that panicked).
            while self.pos != self.end {
                let p = self.pos;
                self.pos = p.wrapping_add(1);
                let rest = Rest {
                    pos: self.pos,
                    end: self.end,
                    f: &mut *self.f,
                };
                (rest.f)(p);
                core::mem::forget(rest);
            }
        }
    }
    drop(Rest { pos, end, f });
}

#[cfg(all(test, not(ring_loom)))]
mod tests;
