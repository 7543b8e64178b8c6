//! [`SharedConsumer`]: the receiving end of a shared ring. It copies every
//! item out of the mapping and never hands out a reference into it.

use core::ptr;
use core::time::Duration;

use ring_core::raw::{RawConsumer, Untrusted};
use ring_core::{RecvError, RecvTimeoutError, TryRecvError, WaitStrategy};

use crate::ShmSafe;
use crate::error::ShmError;
use crate::handle::{self, Common, Site};

/// The receiving end of a shared ring: ring-core's raw consumer with the
/// untrusted-index policy, bound to the mapping.
///
/// Every item is copied out of shared memory (a volatile read of a
/// [`ShmSafe`] value, or one copy per contiguous run for the slice calls)
/// before anyone sees it: no method hands out a reference into memory the
/// producer can write. `Send`, not `Sync`, not
/// `Clone`. Dropping it closes the consumer side.
///
/// # Examples
///
/// ```
/// use ring_shm::ShmImage;
/// let image = ShmImage::new::<u64>(ring_core::Config::default().with_ring_bits(4))?;
/// let mut tx = image.producer::<u64>()?;
/// let mut rx = image.consumer::<u64>()?;
/// tx.send_slice(&[1, 2, 3]);
/// drop(tx); // closes the producer side
/// let mut all = Vec::new();
/// while let Ok(v) = rx.recv() {
///     all.push(v);
/// }
/// assert_eq!(all, [1, 2, 3]);
/// # Ok::<(), ring_shm::ShmError>(())
/// ```
pub struct SharedConsumer<T: ShmSafe> {
    raw: RawConsumer<T, Untrusted>,
    common: Common,
}

// SAFETY: as for `SharedProducer`: the handle owns its side and keeps the region
// alive; the memory is shared by design. Not `Sync` (cached index in a `Cell`).
unsafe impl<T: ShmSafe + Send> Send for SharedConsumer<T> {}

handle::handle_impls!(impl[T: ShmSafe] SharedConsumer<T>, doorbell = consumer_doorbell);

/// Releases the items a batch has finished with, even if the handler panics.
struct Finish<'a, T: ShmSafe> {
    consumer: &'a mut SharedConsumer<T>,
    done: usize,
}

impl<T: ShmSafe> Drop for Finish<'_, T> {
    fn drop(&mut self) {
        if self.done > 0 {
            // SAFETY: `done <= n`, within the available count `ready_all` validated;
            // each counted item was copied out of the mapping (`T: ShmSafe` is `Copy`:
            // nothing to drop), and no pointer into those slots is used after this.
            unsafe { self.consumer.raw.release(self.done) };
        }
    }
}

impl<T: ShmSafe> SharedConsumer<T> {
    pub(crate) fn claim(site: Site) -> Result<Self, ShmError> {
        let (common, raw) = Common::claim_consumer::<T>(site)?;
        Ok(SharedConsumer { raw, common })
    }

    /// A handle that closes this ring's consumer side from any thread.
    pub(crate) fn remote_close(&self) -> handle::RemoteClose {
        self.common.remote_close(*self.raw.ring())
    }

    /// The producer's tail, as far as the (clamped) length shows it.
    fn peer_index(&self) -> u64 {
        self.raw.head().wrapping_add(self.raw.len() as u64)
    }

    /// Committed items (cached tail first), or why there are none.
    #[inline]
    fn ready(&self) -> Result<usize, TryRecvError> {
        self.common.judge(&self.raw, self.raw.available())
    }

    /// Every item committed now (one tail load per batch), or why none.
    #[inline]
    fn ready_all(&self) -> Result<usize, TryRecvError> {
        self.common.judge(&self.raw, self.raw.refresh())
    }

    /// Copies the item `offset` positions past the head out of the mapping.
    #[inline(always)]
    fn copy_out(&self, offset: usize) -> T {
        let slot = self.raw.slots_for_read(offset, 1);
        // SAFETY: `slot` is inside the slot array (ring-core masks our own head),
        // aligned for `T` (validated layout), and the mapping is always initialised
        // memory; `T: ShmSafe` makes every bit pattern a valid value, and the read
        // is volatile because the peer may write the memory at any time. Callers
        // only read offsets below the validated available count, so an honest
        // producer has finished writing the slot (Acquire load of tail).
        unsafe { ptr::read_volatile(slot) }
    }

    /// Receives without blocking.
    ///
    /// # Errors
    ///
    /// `Empty`, or `Closed` once closed (by either side, by the producer's
    /// death seen in a blocking call, or by corrupt indices) **and** drained.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::TryRecvError;
    /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default())?;
    /// let mut tx = image.producer::<u8>()?;
    /// let mut rx = image.consumer::<u8>()?;
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    #[inline]
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.ready()?;
        let v = self.copy_out(0);
        // SAFETY: `ready` validated at least one committed item, and `copy_out`
        // just copied it out (`T: ShmSafe` is `Copy`: nothing to drop).
        unsafe { self.raw.release(1) };
        Ok(v)
    }

    /// Receives, blocking while the ring is empty: sleeps on the shared futex
    /// in slices and re-checks the producer's liveness between them. Returns
    /// every item committed before a close (or the producer's death) first.
    ///
    /// # Errors
    ///
    /// [`RecvError`] once closed (or the producer is dead) and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default())?;
    /// let mut tx = image.producer::<u8>()?;
    /// let mut rx = image.consumer::<u8>()?;
    /// tx.try_send(5).unwrap();
    /// assert_eq!(rx.recv(), Ok(5));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn recv(&mut self) -> Result<T, RecvError> {
        self.recv_with(WaitStrategy::Blocking)
            .map_err(|_| RecvError)
    }

    /// Receives, blocking at most `timeout`.
    ///
    /// # Errors
    ///
    /// `Timeout` or `Closed`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::RecvTimeoutError;
    /// use std::time::Duration;
    /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default())?;
    /// let _tx = image.producer::<u8>()?;
    /// let mut rx = image.consumer::<u8>()?;
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Timeout));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.recv_with(WaitStrategy::TimedBlocking(timeout))
    }

    /// Receives, waiting per `strategy`.
    ///
    /// # Errors
    ///
    /// `Closed`; `Timeout` only under `TimedBlocking`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{RecvTimeoutError, WaitStrategy};
    /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default())?;
    /// let mut rx = image.consumer::<u8>()?;
    /// image.producer::<u8>()?.try_send(3).unwrap(); // then dropped: closed
    /// assert_eq!(rx.recv_with(WaitStrategy::Yielding), Ok(3));
    /// assert_eq!(rx.recv_with(WaitStrategy::Yielding), Err(RecvTimeoutError::Closed));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn recv_with(&mut self, strategy: WaitStrategy) -> Result<T, RecvTimeoutError> {
        self.wait_ready(strategy)?;
        // `wait_ready` saw an item, and only this side takes items away.
        self.try_recv().map_err(|_| RecvTimeoutError::Closed)
    }

    /// Waits per `strategy` until an item is there, or the ring is closed (or
    /// the producer died) and drained: the wait of `recv_with` and
    /// `consume_batch_with`. As ring-core's consumers wait, but on
    /// `handle::wait_until`, which re-checks the producer's liveness between slices.
    fn wait_ready(&mut self, strategy: WaitStrategy) -> Result<(), RecvTimeoutError> {
        handle::wait_ready(self, strategy, Self::ready)
    }

    /// Copies up to `out.len()` items out without blocking; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new::<i32>(ring_core::Config::default())?;
    /// let mut tx = image.producer::<i32>()?;
    /// let mut rx = image.consumer::<i32>()?;
    /// tx.send_slice(&[-1, -2, -3]);
    /// let mut out = [0; 2];
    /// assert_eq!(rx.recv_slice(&mut out), 2);
    /// assert_eq!(out, [-1, -2]);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn recv_slice(&mut self, out: &mut [T]) -> usize {
        if out.is_empty() {
            return 0;
        }
        let Ok(avail) = self.ready_all() else {
            return 0;
        };
        let n = avail.min(out.len());
        // SAFETY: `n` is within the available count `ready_all` just validated, and
        // `out` (our caller's slice, not the mapping) has room for `n` items.
        unsafe { self.copy_run_out(out.as_mut_ptr(), n) };
        // SAFETY: `n <=` the available count `ready_all` validated; the `n` items
        // were copied out just above (`T: ShmSafe` is `Copy`: nothing to drop).
        unsafe { self.raw.release(n) };
        n
    }

    /// Copies the `n` items from the head to `dst`: at most two contiguous
    /// runs (before and after the wrap), one `memcpy` each. Releases nothing.
    ///
    /// # Safety
    ///
    /// `n` does not exceed the available count last validated by
    /// `ready`/`ready_all` (checked in debug builds), and `dst` is valid for
    /// writes of `n` values of `T` and outside the mapping (this process's
    /// own memory).
    #[inline]
    unsafe fn copy_run_out(&self, dst: *mut T, n: usize) {
        debug_assert!(n <= self.raw.available_cached());
        let first = self.raw.contiguous(n);
        let src = self.raw.slots_for_read(0, first);
        // An honest producer wrote these slots before its Release of tail, which our
        // Acquire refresh saw, and does not write them again before we release them:
        // the copy races nothing. A hostile producer writing them during the copy can
        // only make us receive garbage items: the copy lands in our own memory, the
        // only thing the caller ever sees. A plain copy, not volatile per item:
        // volatile loads per item ran at about a third of the in-process ring's speed
        // (docs/shm-protocol.md, "Known limits").
        //
        // SAFETY: `first <= n <=` the validated available count (caller): committed
        // slots, contiguous from the head and inside the slot array (ring-core masks
        // our head; `contiguous` stops at the end), aligned (validated layout), always
        // initialised, any bytes a valid `T` (`ShmSafe`); `dst` is our own memory with
        // room for `n` (caller), so the ranges cannot overlap. Races: see above.
        unsafe { ptr::copy_nonoverlapping(src, dst, first) };
        if first < n {
            let src = self.raw.slots_for_read(first, n - first);
            // SAFETY: as above; the wrapped rest of the same committed range starts at
            // slot 0, and `dst + first` has room for the `n - first` items left.
            unsafe { ptr::copy_nonoverlapping(src, dst.add(first), n - first) };
        }
    }

    /// Appends up to `max` items to `out` without blocking; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default())?;
    /// let mut tx = image.producer::<u8>()?;
    /// let mut rx = image.consumer::<u8>()?;
    /// tx.send_slice(b"abc");
    /// let mut out = Vec::new();
    /// assert_eq!(rx.recv_many(&mut out, 10), 3);
    /// assert_eq!(out, b"abc");
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn recv_many(&mut self, out: &mut Vec<T>, max: usize) -> usize {
        if max == 0 {
            return 0;
        }
        let Ok(avail) = self.ready_all() else {
            return 0;
        };
        let n = avail.min(max);
        out.reserve(n);
        let len = out.len();
        // SAFETY: `n` is within the available count `ready_all` just validated, and
        // the vector's spare capacity (this process's heap, reserved just above) has
        // room for `n` items.
        unsafe { self.copy_run_out(out.spare_capacity_mut().as_mut_ptr().cast::<T>(), n) };
        // SAFETY: the `n` slots past `len` were initialised by the copy above (with
        // whatever bytes, all valid for `T: ShmSafe`), and `len + n <= capacity`.
        unsafe { out.set_len(len + n) };
        // SAFETY: `n <=` the available count `ready_all` validated; the `n` items
        // were copied into `out` above (`T: ShmSafe` is `Copy`: nothing to drop).
        unsafe { self.raw.release(n) };
        n
    }

    /// Hands a copy of every item available now to `f`, then releases them
    /// with one index update; returns the count. If `f` panics, the items
    /// handed so far (the one it panicked on included) count as received.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new::<u64>(ring_core::Config::default())?;
    /// let mut tx = image.producer::<u64>()?;
    /// let mut rx = image.consumer::<u64>()?;
    /// tx.send_slice(&[1, 2, 3]);
    /// let mut sum = 0;
    /// assert_eq!(rx.consume_batch(|x| sum += x), 3);
    /// assert_eq!(sum, 6);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn consume_batch(&mut self, f: impl FnMut(&T)) -> usize {
        self.consume_up_to(usize::MAX, f)
    }

    /// As [`consume_batch`](Self::consume_batch), at most `max` items.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new::<u64>(ring_core::Config::default())?;
    /// let mut tx = image.producer::<u64>()?;
    /// let mut rx = image.consumer::<u64>()?;
    /// tx.send_slice(&[1, 2, 3]);
    /// assert_eq!(rx.consume_up_to(2, |_| {}), 2);
    /// assert_eq!(rx.len(), 1);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn consume_up_to(&mut self, max: usize, mut f: impl FnMut(&T)) -> usize {
        if max == 0 {
            return 0;
        }
        let Ok(avail) = self.ready_all() else {
            return 0;
        };
        let n = avail.min(max);
        let mut fin = Finish {
            consumer: self,
            done: 0,
        };
        // Two contiguous runs at most (before and after the wrap), each walked
        // from one base pointer.
        let first = fin.consumer.raw.contiguous(n);
        for (offset, len) in [(0, first), (first, n - first)] {
            if len == 0 {
                continue;
            }
            let base = fin.consumer.raw.slots_for_read(offset, len);
            for i in 0..len {
                // SAFETY: `offset + i < n <=` the available count `ready_all`
                // validated: a committed slot inside the run, which is contiguous and
                // inside the slot array; aligned, initialised, any bytes a valid `T`
                // (`T: ShmSafe`); volatile because the peer may write the memory. The
                // handler gets a reference to this local copy, never into the mapping.
                let item = unsafe { ptr::read_volatile(base.wrapping_add(i)) };
                fin.done += 1;
                f(&item);
            }
        }
        let done = fin.done;
        drop(fin);
        done
    }

    /// Blocks per `strategy` until at least one item is there, then consumes
    /// the batch as [`consume_batch`](Self::consume_batch).
    ///
    /// # Errors
    ///
    /// `Closed` once closed and drained; `Timeout` only under `TimedBlocking`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::WaitStrategy;
    /// let image = ring_shm::ShmImage::new::<u64>(ring_core::Config::default())?;
    /// let mut tx = image.producer::<u64>()?;
    /// let mut rx = image.consumer::<u64>()?;
    /// tx.send_slice(&[4, 5]);
    /// assert_eq!(rx.consume_batch_with(|_| {}, WaitStrategy::Blocking), Ok(2));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn consume_batch_with(
        &mut self,
        f: impl FnMut(&T),
        strategy: WaitStrategy,
    ) -> Result<usize, RecvTimeoutError> {
        self.wait_ready(strategy)?;
        Ok(self.consume_batch(f))
    }

    /// Drops up to `n` items without reading them; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default())?;
    /// let mut tx = image.producer::<u8>()?;
    /// let mut rx = image.consumer::<u8>()?;
    /// tx.send_slice(&[1, 2, 3]);
    /// assert_eq!(rx.skip(2), 2);
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn skip(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let Ok(avail) = self.ready_all() else {
            return 0;
        };
        let n = avail.min(n);
        // SAFETY: `n <=` the available count `ready_all` just validated; skipped
        // items need no drop (`T: ShmSafe` is `Copy`) and we hold no pointer to them.
        unsafe { self.raw.release(n) };
        n
    }

    handle::shared_api! {
        side = "consumer", peer = "producer";
        alive = is_producer_alive, check = check_producer, pid = producer_pid, parked = is_producer_parked;
        /// Closes the consumer side (idempotent): the producer's next send gets
        /// `Closed`; items already committed can still be received.
        ///
        /// # Examples
        ///
        /// ```
        /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default())?;
        /// let mut tx = image.producer::<u8>()?;
        /// let mut rx = image.consumer::<u8>()?;
        /// rx.close();
        /// assert!(tx.try_send(1).is_err());
        /// # Ok::<(), ring_shm::ShmError>(())
        /// ```
        close;
        /// True once either side closed (items may remain).
        ///
        /// # Examples
        ///
        /// ```
        /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default())?;
        /// let rx = image.consumer::<u8>()?;
        /// assert!(!rx.is_closed());
        /// # Ok::<(), ring_shm::ShmError>(())
        /// ```
        is_closed;
    }
}
