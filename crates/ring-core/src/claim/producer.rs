//! The claim ring's producer: one at a time, writes slots whose stamp says free, publishes by stamp.

use super::*;
use crate::sync::Backoff;

// ----------------------------------------------------------------- producer

/// The producer side of an [`claim::Ring`](Ring): one at a time (see
/// [`Ring::try_producer`]). `Send` (when `T: Send`), not `Sync`, not `Clone`.
/// Dropping it gives the side back without closing the ring.
pub struct Producer<T, O: Observer = ()> {
    pub(super) ring: Arc<Ring<T, O>>,
    pub(super) tail: u64,
    /// A head this producer saw (at most the true head): the watermark
    /// estimate `tail - head_seen` is never below the true fill. Refreshed
    /// only when that estimate reaches the high watermark.
    pub(super) head_seen: u64,
    /// The ring's watermark thresholds, copied here: the fast path compares
    /// against a field of this handle.
    pub(super) marks: Marks,
    /// The memory seam's first-use hook has not run for this ring yet.
    pub(super) fresh: bool,
    /// Positions from `tail` up to (not including) this one were seen free
    /// (each stamp read with Acquire): they stay free until this producer
    /// writes them, so a write there skips the stamp load. The rest of the
    /// stamp's cache line is read with it: a consumer giving back the slot
    /// just before the tail writes that same line, and a writer that read it
    /// once per write would wait for it once per write.
    pub(super) free_until: u64,
    /// Not `Sync`: one thread's end.
    pub(super) _not_sync: core::marker::PhantomData<core::cell::Cell<()>>,
}

crate::debug_fields! {
    impl<T, O: Observer> Debug for Producer<T, O> as "claim::Producer", |this| {
        tail: this.tail,
    } ..
}

impl<T, O: Observer> Drop for Producer<T, O> {
    fn drop(&mut self) {
        // ORDERING: Release; pairs with the Acquire CAS in `try_producer`: our
        // writes and tail are visible to the next producer of this ring.
        self.ring.producer_taken.store(false, Ordering::Release);
    }
}

impl<T, O: Observer> Producer<T, O> {
    /// The ring this producer writes.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// let tx = Ring::try_producer(&ring).unwrap();
    /// assert!(Arc::ptr_eq(tx.ring(), &ring));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn ring(&self) -> &Arc<Ring<T, O>> {
        &self.ring
    }

    #[inline(always)]
    fn is_free(&self, pos: u64) -> bool {
        self.ring.words().is_free(pos)
    }

    /// Whether the slot of `tail` is free: known from an earlier look
    /// (`free_until`), or read now together with the stamps after it in the
    /// same cache line.
    #[inline(always)]
    fn tail_free(&mut self) -> bool {
        if (self.free_until.wrapping_sub(self.tail) as i64) > 0 {
            return true;
        }
        self.look_ahead()
    }

    /// Reads the stamp of `tail` (Acquire) and, if it is free, those after it
    /// in the same cache line of stamps (at most to the end of the slot
    /// array), remembering how far the free run goes.
    #[inline(never)]
    fn look_ahead(&mut self) -> bool {
        /// Stamp words per 64-byte cache line.
        const PER_LINE: usize = 8;
        if !self.is_free(self.tail) {
            return false;
        }
        let index = self.tail as usize & self.ring.mask;
        let line_end = ((index | (PER_LINE - 1)) + 1).min(self.ring.capacity());
        let mut end = self.tail.wrapping_add(1);
        for _ in index + 1..line_end {
            if !self.is_free(end) {
                break;
            }
            end = end.wrapping_add(1);
        }
        self.free_until = end;
        true
    }

    /// Free slots contiguous from the tail, at most `n` (fewer at the wrap
    /// point of the slot array).
    fn free_run(&self, n: usize) -> usize {
        let to_end = self.ring.capacity() - (self.tail as usize & self.ring.mask);
        let n = n.min(to_end);
        let mut k = 0;
        while k < n && self.is_free(self.tail.wrapping_add(k as u64)) {
            k += 1;
        }
        k
    }

    /// Runs the memory seam's first-use hook (once per ring, before the
    /// first write into its slots).
    #[cold]
    #[inline(never)]
    fn first_use(&mut self) {
        self.fresh = false;
        self.ring.region.first_use();
    }

    /// Backs every page of the ring's slots now, on this thread: runs the
    /// memory seam's first-use hook (NUMA placement, say), then writes one
    /// byte in each page, so that no later write pays a page fault. A flight
    /// recorder, which never waits and always wraps, does this when it makes
    /// a writer's ring: its first pass then costs what every later one does.
    /// Does nothing once anything has been written into the ring.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<[u64; 64]>::new(64, Arc::new(WakeGroup::new()))?;
    /// let mut w = Ring::try_producer(&ring).unwrap();
    /// w.prefault(); // 32 KiB of slots backed now, not during the first pass
    /// assert_eq!(w.record([7; 64]), Ok(None));
    /// assert_eq!(ring.try_recv(), Ok([7; 64]));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn prefault(&mut self) {
        if !self.fresh {
            return;
        }
        self.first_use();
        let ring = &*self.ring;
        let from = ring.slots.as_ptr() as usize - ring.region.ptr.as_ptr() as usize;
        // SAFETY: the slots start inside the region (`Region::stamped`). Nothing
        // was ever written into them (`fresh` was true: the first write runs
        // the first-use hook first), so no consumer reads a slot (it reads only
        // positions whose stamp says published), and this producer, the ring's
        // only writer, is here.
        unsafe { ring.region.touch(from) };
    }

    /// Publishes `n` written slots from the tail and wakes a sleeping consumer.
    /// The slots are published even if the observer's `before_commit` hook
    /// unwinds: they are written, and a recording producer holds the oldest
    /// position it evicted until its stamp is stored (an unpublished slot
    /// would leak its item, and wedge the next `record` on itself).
    pub(super) fn publish(&mut self, n: usize) {
        struct Publish<'a, T, O: Observer> {
            producer: &'a mut Producer<T, O>,
            n: usize,
        }
        impl<T, O: Observer> Drop for Publish<'_, T, O> {
            fn drop(&mut self) {
                let p = &mut *self.producer;
                p.ring.words().publish(p.tail, self.n);
                p.tail = p.tail.wrapping_add(self.n as u64);
                p.ring.wake_consumers();
            }
        }
        let first = self.tail;
        let publish = Publish { producer: self, n };
        publish.producer.ring.observer.before_commit(first, n);
        drop(publish);
        self.ring.observer.on_commit(first, n);
        self.watch_fill();
    }

    /// A send found the ring full: the observer, and (a full ring is at or
    /// above any high watermark) a crossing the last commit could not see.
    #[cold]
    fn full(&mut self) {
        self.ring.observer.on_full();
        self.watch_fill();
    }

    /// After a commit (or a send that found the ring full): the high
    /// watermark. The estimate `tail - head_seen` never reads the consumers'
    /// head: one compare when below `high` (or without watermarks); the head
    /// is read (and `head_seen` refreshed) only when the estimate reaches
    /// `high` while the crossing word says `LOW`.
    #[inline(always)]
    fn watch_fill(&mut self) {
        let estimate = (self.tail.wrapping_sub(self.head_seen) as usize).min(self.ring.capacity());
        if self.marks.may_rise(estimate) {
            self.watch_fill_slow(estimate);
        }
    }

    #[cold]
    #[inline(never)]
    fn watch_fill_slow(&mut self, estimate: usize) {
        let ring = &*self.ring;
        let (tail, cap) = (self.tail, ring.capacity());
        let seen = &mut self.head_seen;
        self.marks.rose(
            estimate,
            &ring.watermark,
            || {
                let head = ring.words().head();
                *seen = head;
                (tail.saturating_sub(head) as usize).min(cap)
            },
            |w| ring.observer.on_watermark(w),
        );
    }

    /// Sends without blocking.
    ///
    /// # Errors
    ///
    /// `Closed(v)` if the ring is closed (it wins over `Full`), `Full(v)` if
    /// the slot at the tail is not free; the value comes back either way.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{TrySendError, claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(2, Arc::new(WakeGroup::new()))?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    /// ring.close();
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    #[inline]
    pub fn try_send(&mut self, value: T) -> Result<(), TrySendError<T>> {
        // The free check first: its Acquire stamp load makes a close that
        // happened before the slot was freed (the last consumer closes, then
        // drains) visible to the flag load after it, so a send blocked on a full
        // ring that such a drain frees returns `Closed`, not `Ok`. (A slot known
        // free from an earlier look was free before this send began: no send
        // was blocked on it.)
        let free = self.tail_free();
        // ORDERING: Relaxed; see above. A close racing this send may still let
        // one item in, which stays claimable or is dropped by the last
        // consumer's drain or the producer's next send (never twice).
        if self.ring.closed.load(Ordering::Relaxed) {
            return Err(TrySendError::Closed(value));
        }
        if !free {
            self.full();
            return Err(TrySendError::Full(value));
        }
        // SAFETY: the stamp says the slot is free for `tail` (Acquire, in
        // `tail_free` now or in an earlier look: a free slot stays free until
        // this producer writes it).
        unsafe { self.write_one(value) };
        Ok(())
    }

    /// Writes `value` into the slot of the tail and publishes it.
    ///
    /// # Safety
    ///
    /// The slot of `tail` is free for this producer: its stamp said so
    /// (Acquire), or this producer moved its entry out after claiming it.
    #[inline(always)]
    unsafe fn write_one(&mut self, value: T) {
        if self.fresh {
            self.first_use();
        }
        #[cfg(ring_loom)]
        self.ring.tracker.write(self.tail as usize & self.ring.mask);
        // SAFETY: the slot is free for `tail` (the caller's contract), and only
        // this producer writes it until it is published.
        unsafe { (*self.ring.slot(self.tail)).write(value) };
        self.publish(1);
    }

    /// Records `value` without waiting for room (the flight recorder's
    /// write): when the ring is full, the oldest entry nobody has claimed yet
    /// is evicted and handed back as `Ok(Some(old))`; `Ok(None)` when there
    /// was room.
    ///
    /// The eviction claims the oldest position with the same head CAS a
    /// consumer claims with, so every entry is either received once or
    /// evicted once, never both, and a slot is never written while a
    /// consumer moves its item out. The one wait left: when a consumer has
    /// claimed that oldest entry and not given its slot back yet, the
    /// producer waits for it, never for a consumer to catch up. A consumer
    /// gives each slot back as soon as it moved the item out, but a batch
    /// claim holds the later slots of the batch while its handler runs for
    /// the earlier ones, and the observer's `on_consume` runs before any
    /// slot of the batch is given back: consumers of a recording ring
    /// should claim one entry at a time ([`Ring::take_at`] with `max ==
    /// 1`), or move a batch out before running any code of their own (as
    /// `ring_channels::recorder::Reader` does), and keep `on_consume` short.
    ///
    /// # Errors
    ///
    /// `Err(value)` once the ring is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u32>::new(2, Arc::new(WakeGroup::new()))?;
    /// let mut w = Ring::try_producer(&ring).unwrap();
    /// assert_eq!(w.record(1), Ok(None));
    /// assert_eq!(w.record(2), Ok(None));
    /// assert_eq!(w.record(3), Ok(Some(1))); // full: the oldest goes
    /// assert_eq!(ring.try_recv(), Ok(2));
    /// ring.close();
    /// assert_eq!(w.record(4), Err(4));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    #[inline]
    pub fn record(&mut self, value: T) -> Result<Option<T>, T> {
        // The free check first, as in `try_send`.
        let free = self.tail_free();
        // ORDERING: Relaxed; as in `try_send`.
        if self.ring.closed.load(Ordering::Relaxed) {
            return Err(value);
        }
        let evicted = if free { None } else { self.evict() };
        // SAFETY: the slot is free for `tail`: its stamp said so (Acquire in
        // `tail_free`, now or in an earlier look: a free slot stays free until
        // this producer writes it), or `evict` moved its entry out after claiming it by the
        // head CAS, or saw a consumer give it back (Acquire).
        unsafe { self.write_one(value) };
        Ok(evicted)
    }

    /// Frees the slot of `tail` in a full ring: claims its entry (the oldest
    /// position, `tail - capacity`) and moves it out, or waits while a
    /// consumer that claimed it moves it out. `None` when a consumer gave the
    /// slot back.
    #[inline]
    fn evict(&mut self) -> Option<T> {
        let backoff = Backoff::new();
        loop {
            match self.ring.words().evict(self.tail) {
                Eviction::Free => return None,
                Eviction::Claimed(old) => {
                    #[cfg(ring_loom)]
                    self.ring.tracker.read(old as usize & self.ring.mask);
                    // SAFETY: the head CAS in `evict` claimed `old` (its stamp read
                    // `old + 1`, so the slot holds an initialised entry); no
                    // consumer reads a position it did not claim, and the slot is
                    // rewritten only by us, after this move.
                    let v = unsafe { self.ring.slot(old).read().assume_init() };
                    self.ring.words().count_eviction();
                    self.ring.observer.on_evicted(1);
                    return Some(v);
                }
                // A consumer claimed the oldest entry and has not given its
                // slot back yet (see `record` for how long that can be).
                Eviction::Busy => backoff.snooze(),
            }
        }
    }

    /// Sends as many of `items` as fit now (contiguous run), without blocking;
    /// returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u32>::new(4, Arc::new(WakeGroup::new()))?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// assert_eq!(tx.send_slice(&[1, 2, 3, 4, 5, 6]), 4); // as many as fit
    /// let mut out = [0; 8];
    /// assert_eq!(ring.recv_slice(&mut out), 4);
    /// assert_eq!(&out[..4], &[1, 2, 3, 4]);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn send_slice(&mut self, items: &[T]) -> usize
    where
        T: Copy,
    {
        let mut sent = 0;
        // At most two runs: up to the end of the slot array, then from slot 0.
        for _ in 0..2 {
            if sent == items.len() || self.is_closed() {
                break;
            }
            let Some(r) = self.reserve(items.len() - sent) else {
                break;
            };
            sent += r.copy_from_slice(&items[sent..]);
        }
        sent
    }

    /// Reserves up to `n` contiguous free slots for zero-copy writing (fewer
    /// at the wrap point, or where a slow consumer still holds a slot).
    /// `None` when full, closed, or `n == 0`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u32>::new(4, Arc::new(WakeGroup::new()))?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// let r = tx.reserve(8).unwrap();
    /// assert_eq!(r.fill_with(|i| i as u32), 4); // fewer than asked: the ring has 4 slots
    /// assert!(tx.reserve(1).is_none()); // full
    /// assert_eq!(ring.try_recv(), Ok(0));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn reserve(&mut self, n: usize) -> Option<Reservation<'_, T, O>> {
        if n == 0 {
            return None;
        }
        // The free check first, as in `try_send`: its Acquire stamp loads make
        // a close that happened before the room was freed visible below.
        let len = self.free_run(n);
        if self.is_closed() {
            return None;
        }
        if len == 0 {
            self.full();
            return None;
        }
        if self.fresh {
            self.first_use();
        }
        #[cfg(ring_loom)]
        for i in 0..len {
            self.ring
                .tracker
                .write((self.tail as usize).wrapping_add(i) & self.ring.mask);
        }
        Some(Reservation {
            producer: self,
            len,
        })
    }

    /// True once the ring is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// let tx = Ring::try_producer(&ring).unwrap();
    /// assert!(!tx.is_closed());
    /// ring.close(); // e.g. by a consumer
    /// assert!(tx.is_closed());
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn is_closed(&self) -> bool {
        // ORDERING: Relaxed; as in `try_send`.
        self.ring.closed.load(Ordering::Relaxed)
    }

    /// Closes the ring (idempotent).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// tx.close();
    /// tx.close(); // idempotent
    /// assert!(ring.is_closed());
    /// assert!(tx.try_send(1).unwrap_err().is_closed());
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn close(&mut self) {
        self.ring.close();
    }

    /// Slots in the ring.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(8, Arc::new(WakeGroup::new()))?;
    /// assert_eq!(Ring::try_producer(&ring).unwrap().capacity(), 8);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    /// Items waiting now.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(tx.len(), 2);
    /// ring.try_recv().unwrap();
    /// assert_eq!(tx.len(), 1);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// True if no item waits now.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// assert!(tx.is_empty());
    /// tx.try_send(1).unwrap();
    /// assert!(!tx.is_empty());
    /// ring.try_recv().unwrap();
    /// assert!(tx.is_empty());
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True if the slot at the tail is not free now.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(2, Arc::new(WakeGroup::new()))?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// tx.try_send(1).unwrap();
    /// assert!(!tx.is_full());
    /// tx.try_send(2).unwrap();
    /// assert!(tx.is_full());
    /// ring.try_recv().unwrap();
    /// assert!(!tx.is_full()); // the claimed slot is free again
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn is_full(&self) -> bool {
        !self.is_free(self.tail)
    }

    /// Free slots now (capacity minus waiting items).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.available(), 3);
    /// ring.try_recv().unwrap();
    /// assert_eq!(tx.available(), 4);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn available(&self) -> usize {
        self.capacity() - self.len()
    }

    /// How full this producer's ring is (as [`Ring::fill`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// tx.send_slice(&[1, 2]);
    /// assert_eq!(tx.fill(), 0.5);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn fill(&self) -> f64 {
        self.ring.fill()
    }

    /// As [`Ring::above_high_watermark`] for this producer's ring.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Heap, Watermarks, claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let marks = Some(Watermarks::new(0, 2)?);
    /// let ring = Ring::<u8>::with_watermarks(4, Arc::new(WakeGroup::new()), Heap, (), marks)?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// tx.send_slice(&[1, 2]);
    /// assert!(tx.above_high_watermark());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn above_high_watermark(&self) -> bool {
        self.ring.above_high_watermark()
    }
}
