//! The broadcast ring: one publisher, any number of subscribers, and every
//! subscriber sees every item (the Disruptor's multicast, tokio's
//! broadcast).
//!
//! *Implementor module*: the `broadcast` channel family (ring-channels,
//! `ringmpsc::broadcast`) builds on it; applications use the family.
//!
//! # Protocol
//!
//! Positions are unbounded `u64`s; the slot of position `p` is `p & mask`.
//! The publisher writes each item once; subscribers read it in place
//! through `&T` and clone it out, each at its own **cursor** (the next
//! position it reads). A value stays in its slot until the publisher reuses
//! the slot (or the ring drops), and is dropped exactly once then, after
//! every subscriber has read or skipped it.
//!
//! - **Cursors** live in a registry of `max_subscribers` words (`FREE` when
//!   unused). A subscriber publishes its cursor after each read (`Release`).
//!   Registration (a clone, starting at its source's cursor, or
//!   [`Publisher::subscribe`], starting at the tail) claims a free word and
//!   then bumps a registration counter (`Release`); a subscriber's drop
//!   stores `FREE`, so its cursor stops gating at once.
//! - **[`Overflow::Block`]**: the publisher writes position `t` only when every
//!   live cursor is past `t - capacity` (its cached `limit`, refreshed by a
//!   scan of the registry only when it runs out). A subscriber reads
//!   positions below the tail (`Acquire`) and at or above its own cursor, which
//!   the publisher never overwrites: no per-item atomic read-modify-write.
//!   The scan reads the registration counter before and after the cursors
//!   and starts again if it moved, so a clone registered during the scan is
//!   never missed while its source moves on (the proof is in
//!   `docs/memory-ordering.md`, "Broadcast").
//! - **[`Overflow::Overwrite`]**: the publisher never waits for cursors. Each
//!   slot has a state word: a tag (which position the slot holds, or is
//!   being written for) and a reader count. A subscriber enters a slot with
//!   one CAS that checks the tag and counts itself in, clones, and leaves
//!   with a `Release` decrement; the publisher takes a slot with one CAS
//!   from "holds `t - capacity`, no readers" to "writing `t`", so it never
//!   overwrites a value while a subscriber clones it, and no subscriber ever
//!   reads a slot that is being written (there is no speculative read to
//!   discard: a racy read of a `T` would be undefined behaviour, even if
//!   thrown away). A publisher that finds a clone in progress spins until
//!   that clone finishes: a subscriber can delay it by one `T::clone` (and the
//!   observer's `on_consume` hook that runs just before it), never
//!   more. A subscriber whose slot holds a later position has **lagged**:
//!   it learns exactly how many items it lost (`Lagged(n)`) and resumes at
//!   the oldest item still retained.
//!
//! Waiting: subscribers sleep on the lifecycle's consumer group (one
//! doorbell for the ring: a commit reads one waiter word and wakes only if
//! someone sleeps); the publisher under `Block` sleeps on its producer
//! group, rung by cursor progress and by subscribers leaving.
//!
//! Tags count ring laps modulo 2^46: a subscriber that stops receiving
//! while the publisher goes more than 2^45 laps past it (2^46 items at
//! capacity 2, far more at real capacities) may see a wrong lag count; it
//! never reads a slot that is being written.
//!
//! # Examples
//!
//! ```
//! use ring_core::broadcast::{Overflow, TryRecvError, ring};
//!
//! let (mut tx, mut a) = ring::<String>(4, 8, Overflow::Block)?;
//! let mut b = a.try_clone().unwrap(); // starts where `a` is
//! tx.try_send("tick".to_string()).unwrap();
//! assert_eq!(a.try_recv().as_deref(), Ok("tick"));
//! assert_eq!(b.try_recv().as_deref(), Ok("tick")); // every subscriber sees it
//! assert_eq!(a.try_recv(), Err(TryRecvError::Empty));
//! # Ok::<(), ring_core::spsc::BuildError>(())
//! ```

use alloc::boxed::Box;
use core::mem::{MaybeUninit, needs_drop};
use core::ptr::NonNull;
use crossbeam_utils::CachePadded;
use thiserror::Error;

use crate::claim::{Region, Stamped, for_each_unwind_safe};
use crate::lifecycle::Lifecycle;
use crate::seams::{Heap, Observer, RingMemory};
use crate::spsc::BuildError;
use crate::sync::{Arc, AtomicU64, Ordering, fence};
use crate::watermark::{Marks, WatermarkState, Watermarks};

mod publisher;
mod subscriber;

pub use publisher::Publisher;
pub use subscriber::Subscriber;

/// What the publisher does when the slowest subscriber is a whole ring
/// behind.
///
/// # Examples
///
/// ```
/// use ring_core::broadcast::{Overflow, TryRecvError, ring};
/// let (mut tx, mut rx) = ring::<u8>(2, 4, Overflow::Overwrite)?;
/// for i in 0..3 {
///     tx.try_send(i).unwrap(); // never waits
/// }
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1))); // item 0 was overwritten
/// assert_eq!(rx.try_recv(), Ok(1));
/// assert_eq!(Overflow::default(), Overflow::Block);
/// # Ok::<(), ring_core::spsc::BuildError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Overflow {
    /// The publisher waits (per its wait strategy) for the slowest live
    /// subscriber: nothing is ever lost, and a subscriber is at most a ring
    /// behind.
    #[default]
    Block,
    /// The publisher never waits; a subscriber more than a ring behind gets
    /// `Lagged(n)` and resumes at the oldest retained item.
    Overwrite,
}

/// Why a broadcast `try_recv` returned no item.
///
/// # Examples
///
/// ```
/// use ring_core::broadcast::{Overflow, TryRecvError, ring};
/// let (tx, mut rx) = ring::<u8>(2, 4, Overflow::Block)?;
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// # Ok::<(), ring_core::spsc::BuildError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum TryRecvError {
    /// Nothing new yet.
    #[error("receiving on an empty channel")]
    Empty,
    /// The channel is closed and this subscriber has read everything.
    #[error("receiving on a closed channel")]
    Closed,
    /// This many items were overwritten before this subscriber read them
    /// (`Overwrite` only); the next receive returns the oldest item still
    /// retained.
    #[error("the subscriber lagged behind: {0} items skipped")]
    Lagged(u64),
}

/// Why a blocking broadcast `recv` returned no item.
///
/// # Examples
///
/// ```
/// let e = ring_core::broadcast::RecvError::Lagged(3);
/// assert_eq!(e.to_string(), "the subscriber lagged behind: 3 items skipped");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum RecvError {
    /// The channel is closed and this subscriber has read everything.
    #[error("receiving on a closed channel")]
    Closed,
    /// As [`TryRecvError::Lagged`]: reported at once, without waiting.
    #[error("the subscriber lagged behind: {0} items skipped")]
    Lagged(u64),
}

/// Why a broadcast `recv_timeout` or `recv_with` returned no item.
///
/// # Examples
///
/// ```
/// let e = ring_core::broadcast::RecvTimeoutError::Timeout;
/// assert_eq!(e.to_string(), "timed out waiting on an empty channel");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum RecvTimeoutError {
    /// The time ran out (`TimedBlocking` only).
    #[error("timed out waiting on an empty channel")]
    Timeout,
    /// The channel is closed and this subscriber has read everything.
    #[error("receiving on a closed channel")]
    Closed,
    /// As [`TryRecvError::Lagged`]: reported at once, without waiting.
    #[error("the subscriber lagged behind: {0} items skipped")]
    Lagged(u64),
}

/// A registry word that no subscriber uses.
const FREE: u64 = u64::MAX;
/// Low bits of a slot's state word: the subscribers cloning from it now
/// (at most `MAX_HANDLES` = 2^16 subscribers, so 17 bits never carry).
const READER_BITS: u32 = 17;
const READERS: u64 = (1 << READER_BITS) - 1;

/// The ring all handles share (made by [`ring`]): slots (with their state words), the tail,
/// the cursor registry and the lifecycle.
pub struct Ring<T, O: Observer = ()> {
    /// The next position the publisher writes; stored (`Release`) after each
    /// item is in its slot.
    tail: CachePadded<AtomicU64>,
    /// Per-slot state words (`Overwrite`): tag and reader count.
    states: NonNull<AtomicU64>,
    slots: NonNull<MaybeUninit<T>>,
    mask: usize,
    /// `log2(capacity)`: a position's lap is `pos >> shift`.
    shift: u32,
    overflow: Overflow,
    /// The watermark thresholds (read-only; [`Marks::OFF`] without watermarks).
    marks: Marks,
    /// The watermark crossing word (written only when a crossing is reported).
    watermark: WatermarkState,
    /// One word per possible subscriber: its cursor, or `FREE`.
    cursors: Box<[CachePadded<AtomicU64>]>,
    /// Bumped after each registration (see the module docs).
    registrations: CachePadded<AtomicU64>,
    /// Positions below this were dropped early (the publisher drops what it
    /// retains once the last subscriber is gone); written by the publisher.
    dropped_to: AtomicU64,
    life: Arc<Lifecycle>,
    observer: O,
    /// Declared after everything that points into it.
    region: Region,
    #[cfg(ring_loom)]
    tracker: crate::sync::SlotTracker,
}

// SAFETY: values are created on the publisher's thread and dropped on
// whichever thread reuses their slot or drops the ring (`T: Send`), and
// several subscribers read one value through `&T` at the same time to clone
// it (`T: Sync`; tokio's broadcast missed this bound, RUSTSEC-2025-0023).
// Slots are written only by the publisher while the protocol keeps every
// reader out; everything else is atomics; the memory seam is `Send + Sync`.
unsafe impl<T: Send + Sync, O: Observer> Send for Ring<T, O> {}
// SAFETY: as above; the observer is called through `&O` from several
// threads (`Observer: Sync`).
unsafe impl<T: Send + Sync, O: Observer> Sync for Ring<T, O> {}

crate::debug_fields! {
    impl<T, O: Observer> Debug for Ring<T, O> as "broadcast::Ring", |this| {
        capacity: this.capacity(),
        overflow: this.overflow,
        subscribers: this.life.consumer_count(),
        closed: this.life.is_closed(),
    }
}

/// The two ends of a new broadcast ring: its publisher and its first
/// subscriber (at position 0).
pub type Pair<T, O = ()> = (Publisher<T, O>, Subscriber<T, O>);

/// A broadcast ring of `capacity` slots (a power of two) on the global heap,
/// with no observer, for up to `max_subscribers` subscribers at a time.
///
/// # Errors
///
/// [`BuildError::CapacityOverflow`] if the ring's size overflows for `T`;
/// [`BuildError::Memory`] if the heap refuses.
///
/// # Panics
///
/// If `capacity` is not a power of two, or `max_subscribers` is not in
/// `1..=MAX_HANDLES`.
///
/// # Examples
///
/// ```
/// use ring_core::broadcast::{Overflow, ring};
/// let (tx, rx) = ring::<u64>(8, 2, Overflow::Block)?;
/// assert_eq!((tx.capacity(), rx.capacity()), (8, 8));
/// # Ok::<(), ring_core::spsc::BuildError>(())
/// ```
pub fn ring<T>(
    capacity: usize,
    max_subscribers: usize,
    overflow: Overflow,
) -> Result<Pair<T>, BuildError> {
    ring_with_seams(capacity, max_subscribers, overflow, Heap, ())
}

/// As [`ring`], with the slots (and their state words) in a region from
/// `memory`, reporting to `observer`. The memory seam's first-use hook runs
/// on the publisher's thread before its first send.
///
/// # Errors
///
/// As [`ring`].
///
/// # Panics
///
/// As [`ring`].
///
/// # Examples
///
/// ```
/// use ring_core::{Heap, broadcast::{Overflow, ring_with_seams}};
/// let (mut tx, mut rx) = ring_with_seams::<u8, _, _>(4, 2, Overflow::Overwrite, Heap, ())?;
/// tx.try_send(5).unwrap();
/// assert_eq!(rx.try_recv(), Ok(5));
/// # Ok::<(), ring_core::spsc::BuildError>(())
/// ```
pub fn ring_with_seams<T, O: Observer, M: RingMemory>(
    capacity: usize,
    max_subscribers: usize,
    overflow: Overflow,
    memory: M,
    observer: O,
) -> Result<Pair<T, O>, BuildError> {
    ring_with_watermarks(capacity, max_subscribers, overflow, memory, observer, None)
}

/// As [`ring_with_seams`], reporting fill crossings of `watermarks` to the
/// observer's [`on_watermark`](Observer::on_watermark).
///
/// The fill of a broadcast ring is what the slowest live subscriber has not
/// read: `tail - min(cursor)`, at most the capacity (under
/// [`Overflow::Overwrite`] a subscriber more than a ring behind counts as a
/// full ring). The publisher reports `High`: its estimate is `tail` minus
/// the slowest cursor it last saw (cursors only move forward, and a new
/// subscriber starts at or after the slowest, so that is never below the
/// true fill); only when the estimate reaches `high` does it scan the
/// cursors. A subscriber reports `Low`, and only when it can tell the
/// minimum fell: after it advances, if its own lag is at most `low` (its
/// own lag is never above the slowest one's, so it is a valid estimate of
/// the fill from below) and the crossing word says `HIGH`, it scans the
/// live cursors for the true fill. So while the ring is above its high
/// watermark, a subscriber that keeps up scans the registry on each
/// receive; below it, a receive pays one compare (a `Relaxed` load of the
/// crossing word when its own lag is at most `low`). A subscriber's drop
/// (which may remove the slowest cursor) checks too.
///
/// # Errors
///
/// As [`ring`], and [`BuildError::Config`] if the high watermark exceeds
/// `capacity`.
///
/// # Panics
///
/// As [`ring`].
///
/// # Examples
///
/// ```
/// use ring_core::{Heap, Watermarks, broadcast::{Overflow, ring_with_watermarks}};
/// let marks = Some(Watermarks::new(1, 3)?);
/// let (mut tx, mut rx) = ring_with_watermarks::<u8, _, _>(4, 2, Overflow::Block, Heap, (), marks)?;
/// for i in 0..3 {
///     tx.try_send(i).unwrap();
/// }
/// assert!(tx.above_high_watermark());
/// assert_eq!(rx.fill(), 0.75);
/// rx.try_recv().unwrap();
/// assert!(rx.above_high_watermark()); // 2 unread: above low
/// rx.try_recv().unwrap();
/// assert!(!rx.above_high_watermark());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn ring_with_watermarks<T, O: Observer, M: RingMemory>(
    capacity: usize,
    max_subscribers: usize,
    overflow: Overflow,
    memory: M,
    observer: O,
    watermarks: Option<Watermarks>,
) -> Result<Pair<T, O>, BuildError> {
    let marks = Marks::for_ring(watermarks, capacity)?;
    assert!(
        capacity.is_power_of_two(),
        "broadcast ring capacity must be a power of two"
    );
    assert!(
        (1..=crate::MAX_HANDLES).contains(&max_subscribers),
        "broadcast ring max_subscribers must be in 1..=MAX_HANDLES"
    );
    // Every state word starts as "writing lap 0, no readers": nothing
    // readable until the publisher's first lap stores "holds".
    let Stamped {
        region,
        stamps,
        slots,
    } = Region::stamped::<T, M>(capacity, memory, |_| 0)?;
    let cursors = (0..max_subscribers)
        .map(|i| CachePadded::new(AtomicU64::new(if i == 0 { 0 } else { FREE })))
        .collect();
    let ring = Arc::new(Ring {
        tail: CachePadded::new(AtomicU64::new(0)),
        states: stamps,
        slots,
        mask: capacity - 1,
        shift: capacity.trailing_zeros(),
        overflow,
        marks,
        watermark: WatermarkState::new(),
        cursors,
        registrations: CachePadded::new(AtomicU64::new(0)),
        dropped_to: AtomicU64::new(0),
        life: Arc::new(Lifecycle::new(1)),
        observer,
        region,
        #[cfg(ring_loom)]
        tracker: crate::sync::SlotTracker::new(capacity),
    });
    let first = Subscriber::at(ring.clone(), 0, 0);
    Ok((Publisher::new(ring), first))
}

impl<T, O: Observer> Ring<T, O> {
    /// Slots in the ring.
    fn capacity(&self) -> usize {
        self.mask + 1
    }

    #[inline(always)]
    fn cap(&self) -> u64 {
        self.capacity() as u64
    }

    #[inline(always)]
    fn slot(&self, pos: u64) -> *mut MaybeUninit<T> {
        // SAFETY: `pos & mask < capacity`: inside the slot array.
        unsafe { self.slots.as_ptr().add(pos as usize & self.mask) }
    }

    #[inline(always)]
    fn state(&self, pos: u64) -> &AtomicU64 {
        // SAFETY: `pos & mask < capacity`: one of the state words initialised
        // in `with_seams`, which live as long as the ring (`region`).
        unsafe { &*self.states.as_ptr().add(pos as usize & self.mask) }
    }

    #[inline(always)]
    fn cursor(&self, index: usize) -> &AtomicU64 {
        &self.cursors[index]
    }

    /// The state word of a slot that holds `pos` (no readers counted).
    #[inline(always)]
    fn holds(&self, pos: u64) -> u64 {
        ((pos >> self.shift).wrapping_mul(2) | 1) << READER_BITS
    }

    /// The state word of a slot being written for `pos`.
    #[inline(always)]
    fn writing(&self, pos: u64) -> u64 {
        (pos >> self.shift).wrapping_mul(2) << READER_BITS
    }

    /// How far a slot's `state` is from "holds `pos`", in half laps: 0 when it
    /// holds `pos`, negative before (`pos` not written yet), positive after
    /// (`pos` overwritten or being overwritten).
    #[inline(always)]
    fn distance(&self, state: u64, pos: u64) -> i64 {
        ((state & !READERS).wrapping_sub(self.holds(pos)) as i64) >> READER_BITS
    }

    /// The slowest live cursor (or `tail` when none is below it): the
    /// publisher's gate under `Block`.
    fn min_cursor(&self, tail: u64) -> u64 {
        loop {
            // ORDERING: Acquire; pairs with the Release increments in `register`:
            // every registration counted so far is visible to the scan below.
            let before = self.registrations.load(Ordering::Acquire);
            let mut min = tail;
            for c in self.cursors.iter() {
                // ORDERING: Acquire; pairs with a subscriber's Release cursor
                // store (its reads of the slots below happen-before our writes)
                // and with the Release `FREE` store of its drop.
                let v = c.load(Ordering::Acquire);
                if v != FREE && v < min {
                    min = v;
                }
            }
            // ORDERING: Relaxed. If a cursor we read had moved on after a clone
            // registered from it, that registration happens-before this load,
            // which then sees its increment (coherence) and we scan again; if it
            // had not, the clone starts at or after the value we read.
            if self.registrations.load(Ordering::Relaxed) == before {
                return min;
            }
        }
    }

    /// The fill now: what the slowest live subscriber has not read, at most
    /// the capacity (a scan of the cursor registry).
    fn fill_now(&self) -> usize {
        // ORDERING: Relaxed; a snapshot for the fill (the scan's Acquire loads
        // order nothing we read here).
        let tail = self.tail.load(Ordering::Relaxed);
        (tail.wrapping_sub(self.min_cursor(tail)).min(self.cap())) as usize
    }

    /// The fill as a fraction of the capacity.
    fn fill(&self) -> f64 {
        crate::watermark::fill(self.fill_now(), self.capacity())
    }

    /// After a subscriber moved (or found the ring empty, or left) with
    /// `own_lag` items still unread by it: the low watermark, against the
    /// subscriber's copy of the thresholds (see
    /// [`ring_with_watermarks`]).
    #[inline(always)]
    fn watch_drain(&self, marks: &Marks, own_lag: u64) {
        if marks.may_fall(own_lag.min(self.cap()) as usize) {
            self.watch_drain_on(marks, own_lag);
        }
    }

    /// `watch_drain` past its compare (one load of the word, then the scan
    /// only while it says `HIGH`).
    fn watch_drain_on(&self, marks: &Marks, own_lag: u64) {
        marks.fell(
            own_lag.min(self.cap()) as usize,
            &self.watermark,
            || {
                // ORDERING: SeqCst fence (the cold path only: the word says
                // `HIGH` and our lag is at most `low`). Two subscribers that
                // finish together each store their cursor and then scan the
                // other's: a store-buffering pair, in which Release/Acquire
                // (and, under `Block`, the asymmetric light fence of
                // `wake_publisher`) let both scans miss the other's store,
                // and then neither reports `Low`. With a SeqCst fence between
                // each one's store and its scan, the later fence's scan sees
                // the earlier one's store.
                fence(Ordering::SeqCst);
                self.fill_now()
            },
            |w| self.observer.on_watermark(w),
        );
    }

    /// Counts a new subscriber in and claims a registry word for its cursor,
    /// starting at `start`; its registry index.
    fn register(&self, start: u64) -> Result<usize, usize> {
        self.life.try_add_consumer(self.cursors.len())?;
        loop {
            for (i, c) in self.cursors.iter().enumerate() {
                // ORDERING: Relaxed; the Release increment below publishes it.
                if c.compare_exchange(FREE, start, Ordering::Relaxed, Ordering::Relaxed)
                    .is_ok()
                {
                    // ORDERING: Release; pairs with the Acquire load in
                    // `min_cursor`.
                    self.registrations.fetch_add(1, Ordering::Release);
                    return Ok(i);
                }
            }
            // The count admitted us, so a word is free or about to be: a
            // leaving subscriber is between its count decrement and its `FREE`.
            crate::sync::spin_loop();
        }
    }

    /// Wakes a publisher waiting (under `Block`) for room, after a cursor moved.
    #[inline(always)]
    fn wake_publisher(&self) {
        if self.overflow == Overflow::Block {
            self.life.producer_group().wake_waiting();
        }
    }

    /// Positions whose values are still in their slots, given the tail.
    fn retained_from(&self, tail: u64) -> u64 {
        // ORDERING: Relaxed; written only by the publisher, read by the
        // publisher or by the ring's drop (after every handle is gone).
        tail.saturating_sub(self.cap())
            .max(self.dropped_to.load(Ordering::Relaxed))
    }

    /// Drops the values of positions `from .. to` in place (past a panicking
    /// `T::drop`: the others are still dropped).
    ///
    /// # Safety
    ///
    /// Those positions hold values no one reads or drops again.
    unsafe fn drop_values(&self, from: u64, to: u64) {
        if needs_drop::<T>() {
            for_each_unwind_safe(from, to, &mut |pos| {
                #[cfg(ring_loom)]
                self.tracker.write(pos as usize & self.mask);
                // SAFETY: the caller's guarantee; each position once
                // (`for_each_unwind_safe` moves past it before the call).
                unsafe { (*self.slot(pos)).assume_init_drop() };
            });
        }
    }
}

impl<T, O: Observer> Drop for Ring<T, O> {
    fn drop(&mut self) {
        // Every handle is gone (the `Arc` drop synchronises with them): no
        // reader is in a slot and the publisher's last stores are visible.
        // ORDERING: Relaxed; exclusive access (see above).
        let tail = self.tail.load(Ordering::Relaxed);
        let from = self.retained_from(tail);
        // SAFETY: `from .. tail` are the values still in their slots (the
        // publisher dropped each older one when it reused its slot, or all of
        // them up to `dropped_to`), and no handle is left to read them.
        unsafe { self.drop_values(from, tail) };
    }
}

#[cfg(all(test, not(ring_loom)))]
mod tests;
