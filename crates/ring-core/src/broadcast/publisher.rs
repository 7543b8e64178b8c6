//! The broadcast ring's publisher: writes each item once, gated by the
//! slowest cursor (`Block`) or taking slots back from lagging readers
//! (`Overwrite`).

use super::*;
use crate::error::TrySendError;
use crate::sync::{Backoff, fence};

/// The publishing end of a broadcast [`Ring`]: one per ring. `Send` (when
/// `T: Send + Sync`), not `Sync`, not `Clone`. Dropping it closes the ring
/// (subscribers read what is left, then see `Closed`).
pub struct Publisher<T, O: Observer = ()> {
    ring: Arc<Ring<T, O>>,
    /// The next position to write (the ring's tail, owned here).
    tail: u64,
    /// `Block`: positions below this are free to write (slowest cursor at the
    /// last scan, plus the capacity). Both modes: `limit - capacity` is the
    /// slowest cursor last seen, the watermark estimate's base.
    limit: u64,
    /// The ring's watermark thresholds, copied here: the fast path compares
    /// against a field of this handle.
    marks: Marks,
    /// The memory seam's first-use hook has not run yet.
    fresh: bool,
    /// Not `Sync`: one thread's end.
    _not_sync: core::marker::PhantomData<core::cell::Cell<()>>,
}

crate::debug_fields! {
    impl<T, O: Observer> Debug for Publisher<T, O> as "broadcast::Publisher", |this| {
        tail: this.tail,
        ring: this.ring,
    }
}

impl<T, O: Observer> Drop for Publisher<T, O> {
    fn drop(&mut self) {
        self.ring.life.close();
    }
}

impl<T, O: Observer> Publisher<T, O> {
    pub(super) fn new(ring: Arc<Ring<T, O>>) -> Self {
        Publisher {
            limit: ring.cap(),
            marks: ring.marks,
            fresh: ring.region.fresh(),
            ring,
            tail: 0,
            _not_sync: core::marker::PhantomData,
        }
    }

    /// Publishes `value` to every subscriber without blocking.
    ///
    /// Under `Overwrite` it never reports `Full`; if a subscriber is cloning
    /// the value in the slot being reused, it spins until that clone ends.
    /// The value the slot held (every subscriber has read or skipped it) is
    /// dropped after `value` is published: a panicking `T::drop` leaves the
    /// ring consistent and `value` sent.
    ///
    /// # Errors
    ///
    /// `Closed(v)` once the ring is closed (wins over `Full`); `Full(v)`
    /// under `Block` while the slowest subscriber is a ring behind.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{TrySendError, broadcast::{Overflow, ring}};
    /// let (mut tx, mut rx) = ring::<u8>(2, 2, Overflow::Block)?;
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Full(3))); // rx has not read 1 yet
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// tx.try_send(3).unwrap();
    /// rx.close();
    /// assert_eq!(tx.try_send(4), Err(TrySendError::Closed(4)));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    #[inline]
    pub fn try_send(&mut self, value: T) -> Result<(), TrySendError<T>> {
        let t = self.tail;
        // Room first, then the flag: the Acquire cursor loads of a refresh make
        // a close that happened before a cursor was freed (the last subscriber
        // closes, then frees its cursor) visible to the flag load below.
        let room = self.ring.overflow == Overflow::Overwrite || t < self.limit || self.refresh();
        let ring = &*self.ring;
        if ring.life.is_closed_hint() {
            return Err(self.closed(value));
        }
        if !room {
            ring.observer.on_full();
            // A full ring is at or above any high watermark: a crossing the
            // last commit could not see is reported here.
            self.watch_fill();
            return Err(TrySendError::Full(value));
        }
        if self.fresh {
            self.fresh = false;
            ring.region.first_use();
        }
        ring.observer.before_commit(t, 1);
        let old = self.take_slot(t);
        #[cfg(ring_loom)]
        ring.tracker.write(t as usize & ring.mask);
        // SAFETY: the slot is ours: no subscriber reads it (Block: every live
        // cursor is past `t - capacity`, checked against Acquire loads in
        // `refresh`; Overwrite: `take_slot` marked it "writing" with no reader
        // in), and its old value was moved out by `take_slot`.
        unsafe { (*ring.slot(t)).write(value) };
        if ring.overflow == Overflow::Overwrite {
            // ORDERING: Release; pairs with a subscriber's Acquire load (or CAS)
            // of the state: our write of the slot happens-before its clone.
            ring.state(t).store(ring.holds(t), Ordering::Release);
        }
        self.tail = t.wrapping_add(1);
        // ORDERING: Release; pairs with the subscribers' Acquire tail loads
        // (`Block`: the slot write happens-before their reads) and is `len`'s.
        ring.tail.store(self.tail, Ordering::Release);
        ring.life.consumer_group().wake_waiting();
        ring.observer.on_commit(t, 1);
        self.watch_fill();
        drop(old);
        Ok(())
    }

    /// After a commit (or a send that found the ring full): the high
    /// watermark. The estimate is the tail minus the slowest cursor last seen
    /// (`limit - capacity`), never below the true fill; only when it reaches
    /// `high` while the crossing word says `LOW` are the cursors scanned
    /// (which refreshes `limit`, as a `Block` refresh would).
    #[inline(always)]
    fn watch_fill(&mut self) {
        let cap = self.ring.cap();
        let estimate = self
            .tail
            .wrapping_sub(self.limit.wrapping_sub(cap))
            .min(cap) as usize;
        if self.marks.may_rise(estimate) {
            self.watch_fill_slow(estimate);
        }
    }

    #[cold]
    #[inline(never)]
    fn watch_fill_slow(&mut self, estimate: usize) {
        let ring = &*self.ring;
        let (tail, cap) = (self.tail, ring.cap());
        let limit = &mut self.limit;
        self.marks.rose(
            estimate,
            &ring.watermark,
            || {
                let min = ring.min_cursor(tail);
                *limit = min.wrapping_add(cap);
                tail.wrapping_sub(min).min(cap) as usize
            },
            |w| ring.observer.on_watermark(w),
        );
    }

    /// Makes the slot of `t` the publisher's and moves out the value it
    /// holds (position `t - capacity`), if any.
    #[inline(always)]
    fn take_slot(&self, t: u64) -> Option<T> {
        let ring = &*self.ring;
        if t < ring.cap() {
            return None; // first lap: the slot is empty and marked "writing"
        }
        if ring.overflow == Overflow::Overwrite {
            let (from, to) = (ring.holds(t - ring.cap()), ring.writing(t));
            let backoff = Backoff::new();
            // ORDERING: AcqRel on success. Acquire pairs with the Release decrement
            // of the last reader that left the slot: its clone happens-before our
            // overwrite. Release: a subscriber that sees "writing t" (Acquire) and
            // skips to `t - capacity + 1` sees our earlier commits there (no false
            // `Empty` after a lag). Relaxed on failure: we take nothing and retry.
            while let Err(s) =
                ring.state(t)
                    .compare_exchange_weak(from, to, Ordering::AcqRel, Ordering::Relaxed)
            {
                // Only readers move the word meanwhile: a clone is in progress.
                debug_assert_eq!(s & !READERS, from, "a slot changed under its publisher");
                backoff.snooze();
            }
        }
        #[cfg(ring_loom)]
        ring.tracker.write(t as usize & ring.mask);
        // SAFETY: the slot holds position `t - capacity` (written on the previous
        // lap, not dropped: `dropped_to` only moves once the ring is closed, and
        // then nothing is sent), and no one reads it any more (see `try_send`);
        // it is moved out once, and rewritten right after.
        Some(unsafe { (*ring.slot(t)).assume_init_read() })
    }

    /// `Block`: scans the cursors for room at the tail; true if there is.
    #[cold]
    #[inline(never)]
    fn refresh(&mut self) -> bool {
        self.limit = self
            .ring
            .min_cursor(self.tail)
            .wrapping_add(self.ring.cap());
        self.tail < self.limit
    }

    /// The cold path of a send that found the ring closed. Once every
    /// subscriber is gone, nothing can read the retained values any more
    /// (a new subscriber starts at the tail): they are dropped now, not when
    /// the publisher goes.
    #[cold]
    fn closed(&mut self, v: T) -> TrySendError<T> {
        if self.ring.life.consumer_count() == 0 {
            // ORDERING: Acquire fence after the Relaxed count load that read the
            // last subscriber's AcqRel decrement: every subscriber's reads
            // happen-before the drops below.
            fence(Ordering::Acquire);
            let from = self.ring.retained_from(self.tail);
            // ORDERING: Relaxed; see `Ring::retained_from`. Moved first, so a
            // panicking drop below leaves nothing to drop twice.
            self.ring.dropped_to.store(self.tail, Ordering::Relaxed);
            // SAFETY: `from .. tail` still hold values (see `retained_from`); no
            // subscriber exists to read them, none is being created from one,
            // and a new one (`subscribe`, on this thread) starts at the tail.
            unsafe { self.ring.drop_values(from, self.tail) };
        }
        TrySendError::Closed(v)
    }

    /// A new subscriber that starts at the next item published.
    ///
    /// # Errors
    ///
    /// `Err(max)` when the ring already has `max_subscribers` subscribers.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::broadcast::{Overflow, ring};
    /// let (mut tx, _rx) = ring::<u8>(4, 2, Overflow::Block)?;
    /// tx.try_send(1).unwrap();
    /// let mut late = tx.subscribe().unwrap();
    /// assert!(tx.subscribe().is_err()); // two at most
    /// tx.try_send(2).unwrap();
    /// assert_eq!(late.try_recv(), Ok(2)); // 1 was published before it subscribed
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn subscribe(&self) -> Result<Subscriber<T, O>, usize> {
        let index = self.ring.register(self.tail)?;
        Ok(Subscriber::at(self.ring.clone(), index, self.tail))
    }

    /// True once the ring is closed (by any handle).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::broadcast::{Overflow, ring};
    /// let (tx, rx) = ring::<u8>(4, 2, Overflow::Block)?;
    /// assert!(!tx.is_closed());
    /// drop(rx); // the last subscriber closes
    /// assert!(tx.is_closed());
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn is_closed(&self) -> bool {
        self.ring.life.is_closed()
    }

    /// Closes the ring (idempotent): sends fail, subscribers read what is
    /// left and then see `Closed`, every sleeper wakes.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::broadcast::{Overflow, TryRecvError, ring};
    /// let (mut tx, mut rx) = ring::<u8>(4, 2, Overflow::Block)?;
    /// tx.try_send(1).unwrap();
    /// tx.close();
    /// assert!(tx.try_send(2).unwrap_err().is_closed());
    /// assert_eq!((rx.try_recv(), rx.try_recv()), (Ok(1), Err(TryRecvError::Closed)));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn close(&mut self) {
        self.ring.life.close();
    }

    /// Slots in the ring.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::broadcast::{Overflow, ring};
    /// assert_eq!(ring::<u8>(16, 1, Overflow::Block)?.0.capacity(), 16);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    /// The ring's overflow policy.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::broadcast::{Overflow, ring};
    /// let (tx, _rx) = ring::<u8>(4, 1, Overflow::Overwrite)?;
    /// assert_eq!(tx.overflow(), Overflow::Overwrite);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn overflow(&self) -> Overflow {
        self.ring.overflow
    }

    /// Items the slowest subscriber has not read yet, at most the capacity
    /// (a snapshot; under `Overwrite`, items it can still read).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::broadcast::{Overflow, ring};
    /// let (mut tx, mut rx) = ring::<u8>(4, 2, Overflow::Block)?;
    /// let mut fast = rx.try_clone().unwrap();
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// fast.try_recv().unwrap();
    /// assert_eq!(tx.len(), 2); // rx has read nothing
    /// rx.try_recv().unwrap();
    /// assert_eq!(tx.len(), 1);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn len(&self) -> usize {
        let behind = self.tail - self.ring.min_cursor(self.tail);
        behind.min(self.ring.cap()) as usize
    }

    /// True if every subscriber has read everything published.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::broadcast::{Overflow, ring};
    /// let (mut tx, mut rx) = ring::<u8>(4, 2, Overflow::Block)?;
    /// tx.try_send(1).unwrap();
    /// assert!(!tx.is_empty());
    /// rx.try_recv().unwrap();
    /// assert!(tx.is_empty());
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True if a send would report `Full` now (`Block` only: an
    /// `Overwrite` ring is never full).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::broadcast::{Overflow, ring};
    /// let (mut tx, mut rx) = ring::<u8>(2, 2, Overflow::Block)?;
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert!(tx.is_full());
    /// rx.try_recv().unwrap();
    /// assert!(!tx.is_full());
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn is_full(&self) -> bool {
        self.ring.overflow == Overflow::Block && self.len() == self.capacity()
    }

    /// How full the ring is: what the slowest live subscriber has not read
    /// ([`len`](Self::len)) over the capacity, in `0.0..=1.0`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::broadcast::{Overflow, ring};
    /// let (mut tx, _rx) = ring::<u8>(4, 2, Overflow::Block)?;
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.fill(), 0.25);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn fill(&self) -> f64 {
        self.ring.fill()
    }

    /// True once a send left the ring at or above the high watermark, until
    /// a subscriber's receive (or drop) leaves it at or below the low one
    /// (always false without watermarks, see [`ring_with_watermarks`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::broadcast::{Overflow, ring};
    /// let (mut tx, _rx) = ring::<u8>(4, 2, Overflow::Block)?;
    /// tx.try_send(1).unwrap();
    /// assert!(!tx.above_high_watermark());
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn above_high_watermark(&self) -> bool {
        self.ring.watermark.is_high()
    }

    /// Live subscribers now.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::broadcast::{Overflow, ring};
    /// let (tx, rx) = ring::<u8>(4, 4, Overflow::Block)?;
    /// let rx2 = rx.try_clone().unwrap();
    /// assert_eq!(tx.subscriber_count(), 2);
    /// drop((rx, rx2));
    /// assert_eq!(tx.subscriber_count(), 0);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn subscriber_count(&self) -> usize {
        self.ring.life.consumer_count()
    }

    /// The ring's observer.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Heap, broadcast::{Overflow, ring_with_seams}};
    /// #[derive(Clone, Debug, PartialEq)]
    /// struct Tag(&'static str);
    /// impl ring_core::Observer for Tag {}
    /// let (tx, _rx) = ring_with_seams::<u8, Tag, _>(4, 1, Overflow::Block, Heap, Tag("ticks"))?;
    /// assert_eq!(tx.observer(), &Tag("ticks"));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn observer(&self) -> &O {
        &self.ring.observer
    }
}

waitable!(Publisher: Producer, |h| h.ring.life.producer_group().doorbell(), h.ring.observer);
