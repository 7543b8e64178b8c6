//! The SPSC producer: sends, batches, reserves; closes on drop.

use super::*;

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
    pub(crate) raw: RawProducer<T>,
    pub(crate) observer: O,
    pub(crate) marks: Marks,
    pub(super) first_use: bool,
    pub(super) shared: Arc<Shared<T>>,
}

// SAFETY: the producer moves `T`s into memory the consumer reads on another
// thread (`T: Send`); it is the ring's only producer wherever it runs. Not `Sync`:
// its methods take `&mut self` and cache indices without synchronisation.
unsafe impl<T: Send, O: Observer> Send for Producer<T, O> {}

crate::debug_fields! {
    impl<T, O: Observer> Debug for Producer<T, O> as "Producer", |this| {
        raw: this.raw,
    } ..
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
                self.full();
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
        self.committed(pos, 1);
        Ok(())
    }

    /// After a commit of `n` items at `pos`: the observer, then the high
    /// watermark (one compare when below it or not configured).
    #[inline(always)]
    pub(crate) fn committed(&mut self, pos: u64, n: usize) {
        self.observer.on_commit(pos, n);
        self.watch_fill();
    }

    /// A send found the ring full: the observer, and (a full ring is at or
    /// above any high watermark) a crossing the last commit could not see.
    #[inline(always)]
    pub(crate) fn full(&mut self) {
        self.observer.on_full();
        self.watch_fill();
    }

    /// The high watermark check. The exact fill re-reads the consumer's
    /// head into the cached limit (a refresh), so a stale estimate at or
    /// above `high` costs one read of the consumer's line and then the
    /// estimate is exact again: the sends after it are back on the one
    /// compare.
    #[inline(always)]
    fn watch_fill(&mut self) {
        let ring = self.raw.ring();
        if self
            .marks
            .may_rise(ring.capacity().saturating_sub(self.raw.free_cached()))
            && ring.watermark().settled_low()
        {
            self.watch_fill_slow();
        }
    }

    #[cold]
    #[inline(never)]
    fn watch_fill_slow(&mut self) {
        let ring = *self.raw.ring();
        let raw = &mut self.raw;
        let observer = &self.observer;
        self.marks.rose(
            ring.capacity().saturating_sub(raw.free_cached()),
            ring.watermark(),
            || ring.capacity().saturating_sub(raw.refresh().unwrap_or(0)),
            |w| observer.on_watermark(w),
        );
    }

    /// Re-reads the head (and runs the memory seam's first-use hook once).
    #[cold]
    #[inline(never)]
    pub(crate) fn refresh_slow(&mut self) -> usize {
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
    pub(crate) fn free_for(&mut self, want: usize) -> usize {
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
            self.full();
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
        self.committed(pos, n);
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
            self.full();
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
}

ring_queries!(Producer, "tx");

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
                p.full();
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
waitable!(Producer: Producer, |h| h.raw.ring().producer_doorbell(), h.observer);

impl<T, O: Observer> Drop for Producer<T, O> {
    fn drop(&mut self) {
        self.raw.close();
    }
}
