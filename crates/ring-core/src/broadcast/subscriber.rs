//! The broadcast ring's subscriber: its own cursor, reads in place and
//! clones out.

use super::*;
use crate::wait::Closer;

/// A subscribing end of a broadcast [`Ring`]: every item published while it
/// is subscribed, in order (minus counted gaps under `Overwrite`). `Send`
/// (when `T: Send + Sync`), not `Sync`. Dropping it stops it from holding
/// the publisher back at once; dropping the last one closes the ring.
pub struct Subscriber<T, O: Observer = ()> {
    pub(super) ring: Arc<Ring<T, O>>,
    /// Its word in the cursor registry.
    index: usize,
    /// The next position it reads.
    pos: u64,
    /// `Block`: the tail it last loaded (positions below it are readable).
    tail: u64,
    /// The ring's watermark thresholds, copied here: the fast path compares
    /// against a field of this handle.
    marks: Marks,
    /// Not `Sync`: one thread's end.
    _not_sync: core::marker::PhantomData<core::cell::Cell<()>>,
}

crate::debug_fields! {
    impl<T, O: Observer> Debug for Subscriber<T, O> as "broadcast::Subscriber", |this| {
        pos: this.pos,
        ring: this.ring,
    }
}

impl<T, O: Observer> Drop for Subscriber<T, O> {
    fn drop(&mut self) {
        let ring = &*self.ring;
        // The count first: the last subscriber closes the ring before its cursor
        // stops gating, so a publisher that finds room through it sees the close.
        ring.life.drop_consumer();
        // ORDERING: Release; pairs with the Acquire loads in `min_cursor`: our reads
        // of the slots happen-before the publisher reuses them.
        ring.cursor(self.index).store(FREE, Ordering::Release);
        if ring.overflow == Overflow::Block {
            // A publisher may sleep waiting for this cursor (rare: a full fence).
            ring.life.producer_group().doorbell().ring();
        }
        // This may have been the slowest cursor: the fill may have fallen.
        ring.watch_drain(&self.marks, 0);
    }
}

/// A reader counted into an `Overwrite` slot: counted out when dropped, also
/// while a `T::clone` or an observer hook unwinds.
struct Reading<'a>(&'a AtomicU64);

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        // ORDERING: Release; pairs with the publisher's Acquire CAS in
        // `take_slot`: our clone happens-before the slot is overwritten.
        self.0.fetch_sub(1, Ordering::Release);
    }
}

impl<T, O: Observer> Subscriber<T, O> {
    pub(super) fn at(ring: Arc<Ring<T, O>>, index: usize, pos: u64) -> Self {
        Subscriber {
            marks: ring.marks,
            ring,
            index,
            pos,
            tail: pos,
            _not_sync: core::marker::PhantomData,
        }
    }

    /// A second subscriber that starts at this one's position (it will
    /// receive what this one has not received yet).
    ///
    /// # Errors
    ///
    /// `Err(max)` when the ring already has `max_subscribers` subscribers.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::broadcast::{Overflow, ring};
    /// let (mut tx, mut rx) = ring::<u8>(4, 2, Overflow::Block)?;
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// rx.try_recv().unwrap();
    /// let mut other = rx.try_clone().unwrap();
    /// assert_eq!(other.try_recv(), Ok(2));
    /// assert!(rx.try_clone().is_err()); // two at most
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn try_clone(&self) -> Result<Self, usize> {
        // Our cursor (`pos`, unchanged while we are borrowed) keeps the
        // publisher from passing the clone's start until the clone is
        // registered (see `Ring::min_cursor`).
        let index = self.ring.register(self.pos)?;
        Ok(Subscriber::at(self.ring.clone(), index, self.pos))
    }

    /// Receives the next item (a clone of it) without blocking.
    ///
    /// # Errors
    ///
    /// `Empty`; `Closed` once the ring is closed and this subscriber has read
    /// everything; `Lagged(n)` (`Overwrite` only) when `n` items were
    /// overwritten before it read them: the next receive returns the oldest
    /// item still retained (or reports a further lag, if the publisher
    /// overwrote that one meanwhile).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::broadcast::{Overflow, TryRecvError, ring};
    /// let (mut tx, mut rx) = ring::<u8>(4, 2, Overflow::Overwrite)?;
    /// for i in 0..6 {
    ///     tx.try_send(i).unwrap();
    /// }
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(2))); // 0 and 1 were overwritten
    /// assert_eq!(rx.try_recv(), Ok(2)); // the oldest item retained
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    #[inline]
    pub fn try_recv(&mut self) -> Result<T, TryRecvError>
    where
        T: Clone,
    {
        match self.ring.overflow {
            Overflow::Block => self.recv_gated(),
            Overflow::Overwrite => self.recv_lossy(),
        }
    }

    /// `Block`: positions below the tail are written, and ours is not
    /// overwritten until our cursor moves past it.
    #[inline(always)]
    fn recv_gated(&mut self) -> Result<T, TryRecvError>
    where
        T: Clone,
    {
        let ring = &*self.ring;
        let pos = self.pos;
        if pos == self.tail {
            // ORDERING: Acquire; pairs with the Release tail store in `try_send`:
            // the slot writes below the tail happen-before our reads.
            self.tail = ring.tail.load(Ordering::Acquire);
            if pos == self.tail {
                self.empty_or_closed()?;
                // ORDERING: Acquire; as above (after the closed flag's Acquire).
                self.tail = ring.tail.load(Ordering::Acquire);
                if pos == self.tail {
                    return Err(TryRecvError::Closed);
                }
            }
        }
        ring.observer.on_consume(pos, 1);
        #[cfg(ring_loom)]
        ring.tracker.read(pos as usize & ring.mask);
        // SAFETY: `pos < tail` (Acquire above): the slot holds `pos`, and the
        // publisher does not reuse it until our cursor, still `pos`, has moved
        // past it (it gates on every live cursor, Acquire).
        let v = unsafe { &*ring.slot(pos).cast::<T>() }.clone();
        self.pos = pos.wrapping_add(1);
        // ORDERING: Release; pairs with the Acquire loads in `min_cursor`: our
        // read happens-before the publisher reuses the slot.
        ring.cursor(self.index).store(self.pos, Ordering::Release);
        ring.wake_publisher();
        // Our lag from the tail we last loaded: never above the true fill.
        ring.watch_drain(&self.marks, self.tail.wrapping_sub(self.pos));
        Ok(v)
    }

    /// `Overwrite`: count ourselves into the slot if it holds our position,
    /// clone, count ourselves out.
    #[inline(always)]
    fn recv_lossy(&mut self) -> Result<T, TryRecvError>
    where
        T: Clone,
    {
        let ring = &*self.ring;
        let pos = self.pos;
        let cell = ring.state(pos);
        // ORDERING: Acquire; pairs with the publisher's Release store of "holds
        // pos" (the CAS below re-reads it with Acquire before we read the slot).
        let mut s = cell.load(Ordering::Acquire);
        loop {
            let d = ring.distance(s, pos);
            if d > 0 {
                return Err(self.lagged(d));
            }
            if d < 0 {
                self.empty_or_closed()?;
                // ORDERING: Acquire; as above, after the closed flag's Acquire:
                // an item committed before the close is seen here.
                s = cell.load(Ordering::Acquire);
                if ring.distance(s, pos) < 0 {
                    return Err(TryRecvError::Closed);
                }
                continue;
            }
            // ORDERING: Acquire on success: the state we replace is "holds pos"
            // (possibly with other readers counted in, each an RMW continuing the
            // publisher's Release sequence), so its slot write happens-before our
            // read. Acquire on failure too: the state read may be a later
            // position, which the next look passes to `lagged`, and the tail
            // that reads must then be at least as new as that state's publication
            // (else a false `Empty` follows the `Lagged`).
            match cell.compare_exchange_weak(s, s + 1, Ordering::Acquire, Ordering::Acquire) {
                Ok(_) => break,
                Err(now) => s = now,
            }
        }
        let reading = Reading(cell);
        // Before the clone (a panicking hook leaves the item for the next
        // receive); the publisher may wait on it as on the clone.
        ring.observer.on_consume(pos, 1);
        #[cfg(ring_loom)]
        ring.tracker.read(pos as usize & ring.mask);
        // SAFETY: the slot holds `pos` and we are counted in: the publisher cannot
        // take it back (its CAS needs a zero count) until `reading` drops.
        let v = unsafe { &*ring.slot(pos).cast::<T>() }.clone();
        drop(reading);
        self.pos = pos.wrapping_add(1);
        // ORDERING: Relaxed; under `Overwrite` the cursor gates nothing (it is
        // read for `Publisher::len` only).
        ring.cursor(self.index).store(self.pos, Ordering::Relaxed);
        // Under `Overwrite` we know no tail without loading it: estimate 0
        // (never above the true fill).
        ring.watch_drain(&self.marks, 0);
        Ok(v)
    }

    /// Nothing at our position: `Err(Empty)` unless the ring is closed.
    fn empty_or_closed(&self) -> Result<(), TryRecvError> {
        // Acquire: every commit made before the close is visible after this.
        if self.ring.life.is_closed() {
            Ok(())
        } else {
            self.ring.observer.on_empty();
            // We read to the tail: the fill may have fallen to the low
            // watermark while a racing report could not see it.
            self.ring.watch_drain(&self.marks, 0);
            Err(TryRecvError::Empty)
        }
    }

    /// Our slot is `d` half laps past our position: skip to the oldest item
    /// still retained and report how many were lost.
    #[cold]
    #[inline(never)]
    fn lagged(&mut self, d: i64) -> TryRecvError {
        let ring = &*self.ring;
        let cap = ring.cap();
        // The slot holds (or is being written for) `seen`, so the publisher has
        // begun to write `seen`: everything up to `seen - capacity` is gone.
        let laps = (d as u64).div_ceil(2);
        let seen = self.pos.saturating_add(laps.saturating_mul(cap));
        // ORDERING: Acquire; pairs with the Release tail store in `try_send`:
        // if we skip to `tail - capacity`, the commits up to the tail are visible
        // to our next receive (no false `Empty` after a lag).
        let tail = ring.tail.load(Ordering::Acquire);
        let oldest = (seen - cap + 1).max(tail.saturating_sub(cap));
        let n = oldest - self.pos;
        self.pos = oldest;
        // ORDERING: Relaxed; as in `recv_lossy`.
        ring.cursor(self.index).store(self.pos, Ordering::Relaxed);
        ring.observer.on_lagged(n);
        ring.watch_drain(&self.marks, tail.saturating_sub(self.pos));
        TryRecvError::Lagged(n)
    }

    /// Items published that this subscriber has not read yet (at most the
    /// capacity: under `Overwrite`, the ones it can still read).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::broadcast::{Overflow, ring};
    /// let (mut tx, mut rx) = ring::<u8>(4, 2, Overflow::Block)?;
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(rx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(rx.len(), 1);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn len(&self) -> usize {
        // ORDERING: Relaxed; a snapshot.
        let tail = self.ring.tail.load(Ordering::Relaxed);
        tail.saturating_sub(self.pos).min(self.ring.cap()) as usize
    }

    /// How full the ring is (as [`Publisher::fill`]): what the slowest live
    /// subscriber has not read, over the capacity (a scan of the cursors).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::broadcast::{Overflow, ring};
    /// let (mut tx, rx) = ring::<u8>(4, 2, Overflow::Block)?;
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(rx.fill(), 0.5);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn fill(&self) -> f64 {
        self.ring.fill()
    }

    /// As [`Publisher::above_high_watermark`]: the ring's crossing state.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Heap, Watermarks, broadcast::{Overflow, ring_with_watermarks}};
    /// let marks = Some(Watermarks::new(0, 1)?);
    /// let (mut tx, rx) = ring_with_watermarks::<u8, _, _>(4, 2, Overflow::Block, Heap, (), marks)?;
    /// tx.try_send(1).unwrap();
    /// assert!(rx.above_high_watermark());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn above_high_watermark(&self) -> bool {
        self.ring.watermark.is_high()
    }

    /// True if there is nothing for this subscriber to receive now (a pending
    /// `Lagged` report counts as something).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::broadcast::{Overflow, ring};
    /// let (mut tx, mut rx) = ring::<u8>(4, 2, Overflow::Overwrite)?;
    /// assert!(rx.is_empty());
    /// tx.try_send(1).unwrap();
    /// assert!(!rx.is_empty());
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        let ring = &*self.ring;
        match ring.overflow {
            // ORDERING: Acquire; as in `recv_gated` (an armed event loop relies on it).
            Overflow::Block => ring.tail.load(Ordering::Acquire) == self.pos,
            // ORDERING: Acquire; as in `recv_lossy`.
            Overflow::Overwrite => {
                ring.distance(ring.state(self.pos).load(Ordering::Acquire), self.pos) < 0
            }
        }
    }

    /// True once the ring is closed (items may remain for this subscriber).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::broadcast::{Overflow, ring};
    /// let (mut tx, rx) = ring::<u8>(4, 2, Overflow::Block)?;
    /// tx.try_send(1).unwrap();
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// assert_eq!(rx.len(), 1);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn is_closed(&self) -> bool {
        self.ring.life.is_closed()
    }

    /// Closes the ring for everyone (idempotent): the publisher's sends
    /// fail; every subscriber reads what is left, then sees `Closed`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::broadcast::{Overflow, ring};
    /// let (mut tx, mut rx) = ring::<u8>(4, 2, Overflow::Block)?;
    /// tx.try_send(1).unwrap();
    /// rx.close();
    /// assert!(tx.try_send(2).is_err());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn close(&mut self) {
        self.ring.life.close();
    }

    /// A handle that closes the ring from any thread and wakes every sleeper.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::broadcast::{Overflow, ring};
    /// let (tx, rx) = ring::<u8>(4, 2, Overflow::Block)?;
    /// rx.closer().close();
    /// assert!(tx.is_closed());
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn closer(&self) -> Closer {
        let life = self.ring.life.clone();
        Closer::new(move || {
            life.close();
        })
    }

    /// The ring's lifecycle (closed flag, counts, the subscribers' wake
    /// group and notifier).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::broadcast::{Overflow, ring};
    /// let (_tx, rx) = ring::<u8>(4, 2, Overflow::Block)?;
    /// assert_eq!(rx.lifecycle().consumer_count(), 1);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn lifecycle(&self) -> &Arc<Lifecycle> {
        &self.ring.life
    }

    /// Slots in the ring.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::broadcast::{Overflow, ring};
    /// assert_eq!(ring::<u8>(8, 1, Overflow::Block)?.1.capacity(), 8);
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
    /// assert_eq!(ring::<u8>(8, 1, Overflow::Block)?.1.overflow(), Overflow::Block);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn overflow(&self) -> Overflow {
        self.ring.overflow
    }

    /// The ring's observer.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Heap, broadcast::{Overflow, ring_with_seams}};
    /// let (_tx, rx) = ring_with_seams::<u8, _, _>(4, 1, Overflow::Block, Heap, ())?;
    /// assert_eq!(rx.observer(), &());
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn observer(&self) -> &O {
        &self.ring.observer
    }
}

waitable!(Subscriber: Consumer, |h| h.ring.life.consumer_group().doorbell(), h.ring.observer);
