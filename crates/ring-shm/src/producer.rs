//! [`SharedProducer`]: the sending end of a shared ring.

use core::fmt;
use core::ptr;
use core::time::Duration;

use ring_core::raw::{RawProducer, Untrusted};
use ring_core::{SendError, SendTimeoutError, TrySendError, WaitStrategy};

use crate::ShmSafe;
use crate::error::ShmError;
use crate::handle::{self, Common, Site};

/// The sending end of a shared ring: ring-core's raw producer with the
/// untrusted-index policy, bound to the mapping.
///
/// `Send`, not `Sync`, not `Clone`: one thread of one process is the ring's
/// producer. Dropping it closes the producer side; the consumer still
/// receives everything committed before.
///
/// # Examples
///
/// ```
/// use ring_shm::ShmImage;
/// let image = ShmImage::new::<u32>(ring_core::Config::default().with_ring_bits(2))?;
/// let mut tx = image.producer::<u32>()?;
/// assert_eq!(tx.send_slice(&[1, 2, 3, 4, 5]), 4);
/// assert!(tx.is_full());
/// # Ok::<(), ring_shm::ShmError>(())
/// ```
///
/// ```compile_fail
/// fn share<T: Sync>(_: &T) {}
/// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default()).unwrap();
/// share(&image.producer::<u8>().unwrap()); // one thread's end
/// ```
pub struct SharedProducer<T: ShmSafe> {
    raw: RawProducer<T, Untrusted>,
    common: Common,
}

// SAFETY: the handle owns its side of the ring and keeps the region alive; the
// memory is shared memory by design (atomics and volatile copies of `ShmSafe`
// values), so moving the handle to another thread changes nothing. Not `Sync`:
// the raw side caches indices without synchronisation.
unsafe impl<T: ShmSafe + Send> Send for SharedProducer<T> {}

handle::handle_impls!(impl[T: ShmSafe] SharedProducer<T>, doorbell = producer_doorbell);

impl<T: ShmSafe> SharedProducer<T> {
    pub(crate) fn claim(site: Site) -> Result<Self, ShmError> {
        let (common, raw) = Common::claim_producer::<T>(site)?;
        Ok(SharedProducer { raw, common })
    }

    /// The consumer's head, as far as the (clamped) length shows it.
    fn peer_index(&self) -> u64 {
        self.raw.tail().wrapping_sub(self.raw.len() as u64)
    }

    /// Free slots, refreshing the cached head when fewer than `want` are
    /// known; 0 once closed or corrupt.
    #[inline]
    fn free_for(&mut self, want: usize) -> usize {
        self.common.free_for(&mut self.raw, want)
    }

    /// Sends without blocking.
    ///
    /// # Errors
    ///
    /// `Closed(v)` once either side closed (or the ring was found corrupt:
    /// see [`corruption`](Self::corruption)); `Full(v)` when there is no
    /// room. The value comes back either way.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::TrySendError;
    /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default().with_ring_bits(1))?;
    /// let mut tx = image.producer::<u8>()?;
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// tx.close();
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    #[inline]
    pub fn try_send(&mut self, value: T) -> Result<(), TrySendError<T>> {
        if self.raw.is_closed() {
            return Err(TrySendError::Closed(value));
        }
        if self.free_for(1) == 0 {
            return Err(if self.raw.is_closed() {
                TrySendError::Closed(value)
            } else {
                TrySendError::Full(value)
            });
        }
        let slot = self.raw.slots_for_write(0, 1);
        // SAFETY: one slot is free (checked above), so the slot at the tail is
        // vacant and ours until published; `slot` is inside the slot array
        // (ring-core masks our own tail). Volatile: the memory is shared.
        unsafe { ptr::write_volatile(slot, value) };
        // SAFETY: the one slot published was free (checked above) and was just
        // written with `value`; we keep no pointer to it.
        unsafe { self.raw.publish(1) };
        Ok(())
    }

    /// Sends as many of `items` as fit now, without blocking; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new::<u16>(ring_core::Config::default().with_ring_bits(2))?;
    /// let mut tx = image.producer::<u16>()?;
    /// let mut rx = image.consumer::<u16>()?;
    /// assert_eq!(tx.send_slice(&[1, 2, 3, 4, 5, 6]), 4);
    /// let mut out = [0; 8];
    /// assert_eq!(rx.recv_slice(&mut out), 4);
    /// assert_eq!(out[..4], [1, 2, 3, 4]);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn send_slice(&mut self, items: &[T]) -> usize {
        if items.is_empty() || self.raw.is_closed() {
            return 0;
        }
        let n = items.len().min(self.free_for(items.len()));
        if n == 0 {
            return 0;
        }
        self.copy_in(&items[..n]);
        // SAFETY: `n <=` the free count `free_for` just returned, and `copy_in`
        // wrote all `n` slots from the tail.
        unsafe { self.raw.publish(n) };
        n
    }

    /// Copies `items` into the free slots from the tail: at most two
    /// contiguous runs (before and after the wrap), one `memcpy` each.
    ///
    /// `items.len()` must not exceed the free count last returned by
    /// `free_for` (checked in debug builds). Publishes nothing.
    #[inline]
    fn copy_in(&mut self, items: &[T]) {
        let n = items.len();
        debug_assert!(n <= self.raw.free_cached());
        let first = self.raw.contiguous(n, n);
        let (a, b) = items.split_at(first);
        let dst = self.raw.slots_for_write(0, first);
        // A plain copy, not volatile per item: volatile stores per item ran at a third
        // of the in-process ring's speed (docs/benchmarks.md). An honest consumer does
        // not touch these slots; a hostile one that writes them anyway can only leave
        // garbage items (`T: ShmSafe`: every bit pattern is valid) it then receives.
        //
        // SAFETY: `first <= n <=` the free count: vacant slots, ours until published
        // (the consumer read them before its Release of head, which our Acquire
        // refresh saw), contiguous from the tail and inside the slot array (ring-core
        // masks our tail; `contiguous` stops at the end); `a` is our own slice.
        unsafe { ptr::copy_nonoverlapping(a.as_ptr(), dst, first) };
        if !b.is_empty() {
            let dst = self.raw.slots_for_write(first, b.len());
            // SAFETY: as above; the wrapped rest of the same free range starts at slot 0.
            unsafe { ptr::copy_nonoverlapping(b.as_ptr(), dst, b.len()) };
        }
    }

    /// Reserves up to `n` contiguous free slots for zero-copy writing (fewer
    /// at the wrap point). `None` when full, closed, or `n == 0`.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new::<u64>(ring_core::Config::default().with_ring_bits(4))?;
    /// let mut tx = image.producer::<u64>()?;
    /// let mut rx = image.consumer::<u64>()?;
    /// let r = tx.reserve(4).unwrap();
    /// assert_eq!(r.copy_from_slice(&[1, 2, 3]), 3);
    /// let mut sum = 0;
    /// rx.consume_batch(|x| sum += x);
    /// assert_eq!(sum, 6);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn reserve(&mut self, n: usize) -> Option<Reservation<'_, T>> {
        if n == 0 || self.raw.is_closed() {
            return None;
        }
        let free = self.free_for(n);
        let len = self.raw.contiguous(free, n);
        (len > 0).then_some(Reservation {
            producer: self,
            len,
        })
    }

    /// Reserves up to `n` contiguous slots, waiting per `strategy` until at
    /// least one is free (`n == 0` counts as 1).
    ///
    /// # Errors
    ///
    /// `Closed(())` once closed or the consumer died; `Timeout(())` only
    /// under `TimedBlocking`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::WaitStrategy;
    /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default().with_ring_bits(3))?;
    /// let mut tx = image.producer::<u8>()?;
    /// let r = tx.reserve_with(2, WaitStrategy::Blocking).unwrap();
    /// assert_eq!(r.fill_from_iter([7, 8]), 2);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn reserve_with(
        &mut self,
        n: usize,
        strategy: WaitStrategy,
    ) -> Result<Reservation<'_, T>, SendTimeoutError<()>> {
        let n = n.max(1);
        self.wait_room(strategy)?;
        // Free space only grows while we hold `&mut self`.
        let len = self.raw.contiguous(self.raw.free_cached(), n);
        Ok(Reservation {
            producer: self,
            len,
        })
    }

    /// Waits per `strategy` until a slot is free or the ring is closed (or
    /// the consumer died): the wait of `reserve_with` and `send_with`. As
    /// `ring_core::endpoint::wait_for_room`, but on `handle::wait_until`,
    /// which re-checks the consumer's liveness between slices.
    fn wait_room(&mut self, strategy: WaitStrategy) -> Result<(), SendTimeoutError<()>> {
        // Decides as `try_send` does: closed, else room, else closed by the refresh.
        let polled = handle::wait_until(self, strategy, |p| {
            if !p.raw.is_closed() && p.free_for(1) > 0 {
                Some(Ok(()))
            } else if p.raw.is_closed() {
                Some(Err(SendTimeoutError::Closed(())))
            } else {
                None
            }
        });
        polled.unwrap_or(Err(SendTimeoutError::Timeout(())))
    }

    /// Sends, blocking while the ring is full. The wait sleeps on the shared
    /// futex in slices and re-checks the consumer's liveness between them.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value once the ring is closed or the consumer
    /// process is dead.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default().with_ring_bits(1))?;
    /// let mut tx = image.producer::<u8>()?;
    /// tx.send(1).unwrap();
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn send(&mut self, value: T) -> Result<(), SendError<T>> {
        self.send_with(value, WaitStrategy::Blocking)
            .map_err(|e| SendError(e.into_inner()))
    }

    /// Sends, blocking at most `timeout` while the ring is full.
    ///
    /// # Errors
    ///
    /// `Timeout(v)` or `Closed(v)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default().with_ring_bits(1))?;
    /// let mut tx = image.producer::<u8>()?;
    /// tx.send_slice(&[0]);
    /// tx.send_timeout(1, Duration::from_millis(1)).unwrap();
    /// assert!(tx.send_timeout(2, Duration::from_millis(1)).unwrap_err().is_timeout());
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn send_timeout(&mut self, value: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        self.send_with(value, WaitStrategy::TimedBlocking(timeout))
    }

    /// Sends, waiting per `strategy` while the ring is full.
    ///
    /// # Errors
    ///
    /// `Closed(v)`; `Timeout(v)` only under `TimedBlocking`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::WaitStrategy;
    /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default().with_ring_bits(1))?;
    /// let mut tx = image.producer::<u8>()?;
    /// tx.send_with(1, WaitStrategy::Yielding).unwrap();
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn send_with(
        &mut self,
        value: T,
        strategy: WaitStrategy,
    ) -> Result<(), SendTimeoutError<T>> {
        match self.wait_room(strategy) {
            // The room found stays (it only grows): only a close since can refuse.
            Ok(()) => self.try_send(value).map_err(|e| {
                debug_assert!(e.is_closed());
                SendTimeoutError::Closed(e.into_inner())
            }),
            Err(SendTimeoutError::Closed(())) => Err(SendTimeoutError::Closed(value)),
            Err(SendTimeoutError::Timeout(())) => Err(SendTimeoutError::Timeout(value)),
        }
    }

    handle::shared_api! {
        side = "producer", peer = "consumer";
        alive = is_consumer_alive, check = check_consumer, pid = consumer_pid, parked = is_consumer_parked;
        /// Closes the producer side (idempotent); the consumer receives
        /// everything committed before, then `Closed`.
        ///
        /// # Examples
        ///
        /// ```
        /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default())?;
        /// let mut tx = image.producer::<u8>()?;
        /// tx.close();
        /// assert!(tx.is_closed());
        /// # Ok::<(), ring_shm::ShmError>(())
        /// ```
        close;
        /// True once either side closed (then every send fails with `Closed`).
        ///
        /// # Examples
        ///
        /// ```
        /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default())?;
        /// let tx = image.producer::<u8>()?;
        /// drop(image.consumer::<u8>()?); // dropping the consumer closes its side
        /// assert!(tx.is_closed());
        /// # Ok::<(), ring_shm::ShmError>(())
        /// ```
        is_closed;
    }

    /// True if the ring is full now.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default().with_ring_bits(1))?;
    /// let mut tx = image.producer::<u8>()?;
    /// tx.send_slice(&[1, 2]);
    /// assert!(tx.is_full());
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn is_full(&self) -> bool {
        self.len() >= self.capacity()
    }

    /// Free slots now.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default().with_ring_bits(3))?;
    /// assert_eq!(image.producer::<u8>()?.available(), 8);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn available(&self) -> usize {
        self.capacity() - self.len()
    }
}

/// Contiguous free slots reserved for writing, borrowed from the producer.
/// Dropping it without committing commits nothing.
///
/// Unlike ring-core's `Reservation`, it hands out no `&mut` into the mapping
/// (the peer may write there too): write through [`set`](Self::set),
/// [`fill_from_iter`](Self::fill_from_iter) or
/// [`copy_from_slice`](Self::copy_from_slice). Because every bit pattern of
/// a [`ShmSafe`] type is valid, [`commit`](Self::commit) is safe: a slot left
/// unwritten publishes whatever value it held.
///
/// # Examples
///
/// ```
/// let image = ring_shm::ShmImage::new::<u32>(ring_core::Config::default().with_ring_bits(3))?;
/// let mut tx = image.producer::<u32>()?;
/// let mut rx = image.consumer::<u32>()?;
/// let mut r = tx.reserve(2).unwrap();
/// r.set(0, 10);
/// r.set(1, 20);
/// r.commit(2);
/// assert_eq!((rx.try_recv(), rx.try_recv()), (Ok(10), Ok(20)));
/// # Ok::<(), ring_shm::ShmError>(())
/// ```
pub struct Reservation<'a, T: ShmSafe> {
    producer: &'a mut SharedProducer<T>,
    len: usize,
}

impl<T: ShmSafe> fmt::Debug for Reservation<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reservation")
            .field("len", &self.len)
            .finish()
    }
}

impl<T: ShmSafe> Reservation<'_, T> {
    /// Number of reserved slots.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Never true: a reservation has at least one slot.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Writes `value` into reserved slot `i`.
    ///
    /// # Panics
    ///
    /// If `i >= len()`.
    pub fn set(&mut self, i: usize, value: T) {
        assert!(
            i < self.len,
            "Reservation::set({i}) outside the {} reserved slots",
            self.len
        );
        let slot = self.producer.raw.slots_for_write(i, 1);
        // SAFETY: `i < len`: a reserved, vacant, contiguous slot inside the slot
        // array; volatile for shared memory.
        unsafe { ptr::write_volatile(slot, value) };
    }

    /// Writes items from `iter` into the reserved slots and commits exactly
    /// the slots written; returns that count (if the iterator panics, what
    /// was written before is committed).
    pub fn fill_from_iter<I: IntoIterator<Item = T>>(self, iter: I) -> usize {
        struct Commit<'b, T: ShmSafe> {
            producer: &'b mut SharedProducer<T>,
            written: usize,
        }
        impl<T: ShmSafe> Drop for Commit<'_, T> {
            fn drop(&mut self) {
                if self.written > 0 {
                    // SAFETY: `written <= len` reserved free slots, each counted only
                    // after the loop wrote it.
                    unsafe { self.producer.raw.publish(self.written) };
                }
            }
        }
        let len = self.len;
        let mut c = Commit {
            producer: self.producer,
            written: 0,
        };
        for value in iter.into_iter().take(len) {
            let slot = c.producer.raw.slots_for_write(c.written, 1);
            // SAFETY: `written < len`: a reserved, vacant slot; volatile for shared memory.
            unsafe { ptr::write_volatile(slot, value) };
            c.written += 1;
        }
        c.written
    }

    /// Copies `src` (up to the reservation's length) and commits it; returns
    /// the count.
    pub fn copy_from_slice(self, src: &[T]) -> usize {
        let n = src.len().min(self.len);
        if n > 0 {
            // The reserved slots are free and contiguous: one run.
            self.producer.copy_in(&src[..n]);
            // SAFETY: `n <= len` reserved free slots, all written by `copy_in` just
            // above.
            unsafe { self.producer.raw.publish(n) };
        }
        n
    }

    /// Publishes the first `n` slots (unwritten ones show their old value).
    ///
    /// # Panics
    ///
    /// If `n` exceeds [`len`](Self::len).
    pub fn commit(self, n: usize) {
        assert!(
            n <= self.len,
            "Reservation::commit({n}) exceeds the {} reserved slots",
            self.len
        );
        if n > 0 {
            // SAFETY: `n <= len` (asserted above) reserved free slots. Slots not
            // written through `set` hold old bytes of the always-initialised mapping,
            // a valid `T` whatever they are (`T: ShmSafe`: any bit pattern, no drop).
            unsafe { self.producer.raw.publish(n) };
        }
    }
}
