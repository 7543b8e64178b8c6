//! [`SharedByteConsumer`]: the reading end of a shared byte ring. It checks
//! every frame header and copies every record out of the mapping.

use super::*;

/// The reading end of a shared byte ring: ring-core's raw consumer of `u8`
/// slots with the untrusted-index policy. Every frame header is checked by
/// ring-core's [`frame::read`] before a payload byte is touched, and every
/// record is copied into this process's memory (a `Vec<u8>`, or a scratch
/// buffer for [`consume_batch`](Self::consume_batch)): no method hands out
/// a reference into memory the producer can write.
///
/// A frame that breaks the rules (a garbage length, a length past the
/// committed bytes or the end of the ring, an unknown kind) closes the
/// consumer side: the receives report `Closed` from then on, and
/// [`frame_corruption`](Self::frame_corruption) tells what was found.
///
/// `Send`, not `Sync`, not `Clone`. Dropping it closes the consumer side.
///
/// # Examples
///
/// ```
/// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
/// let mut tx = image.byte_producer()?;
/// let mut rx = image.byte_consumer()?;
/// for line in ["a", "", "ccc"] {
///     tx.try_send(line.as_bytes()).unwrap();
/// }
/// drop(tx);
/// let mut got = Vec::new();
/// while let Ok(r) = rx.recv() {
///     got.push(String::from_utf8(r).unwrap());
/// }
/// assert_eq!(got, ["a", "", "ccc"]);
/// # Ok::<(), ring_shm::ShmError>(())
/// ```
pub struct SharedByteConsumer {
    raw: RawConsumer<u8, Untrusted>,
    common: Common,
    /// Where `consume_batch` copies each record (kept between calls).
    scratch: Vec<u8>,
    /// The first bad frame found.
    bad_frame: Cell<Option<FrameCorrupt>>,
}

// SAFETY: as for `SharedConsumer`: the handle owns its side and keeps the region
// alive; the memory is shared by design. Not `Sync` (cached index in a `Cell`).
unsafe impl Send for SharedByteConsumer {}

handle::handle_impls!(impl[] SharedByteConsumer, doorbell = consumer_doorbell);

/// Releases the records a batch has finished with, even if the handler panics.
struct Finish<'a> {
    consumer: &'a mut SharedByteConsumer,
    done: usize,
}

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        if self.done > 0 {
            // SAFETY: `done` bytes from the head are whole frames checked by
            // `frame::read` against the available count `ready_all` validated, each
            // copied out of the mapping; no pointer into them is used after this.
            unsafe { self.consumer.raw.release(self.done) };
        }
    }
}

impl SharedByteConsumer {
    pub(crate) fn claim(site: Site) -> Result<Self, ShmError> {
        let (common, raw) = Common::claim_consumer::<u8>(site)?;
        Ok(SharedByteConsumer {
            raw,
            common,
            scratch: Vec::new(),
            bad_frame: Cell::new(None),
        })
    }

    /// A handle that closes this ring's consumer side from any thread.
    pub(crate) fn remote_close(&self) -> handle::RemoteClose {
        self.common.remote_close(*self.raw.ring())
    }

    /// The producer's tail, as far as the (clamped) length shows it.
    fn peer_index(&self) -> u64 {
        self.raw.head().wrapping_add(self.raw.len() as u64)
    }

    /// Committed bytes (cached tail first), or why there are none.
    fn ready(&self) -> Result<usize, TryRecvError> {
        self.common.judge(&self.raw, self.raw.available())
    }

    /// The frame `offset` bytes past the head, checked; a bad one closes
    /// this side and is recorded.
    fn frame_at(&self, offset: usize, avail: usize) -> Result<frame::Frame, TryRecvError> {
        // SAFETY: callers pass a frame boundary (0, or the end of a frame read
        // before) below `avail`, a committed count validated by `ready`/`judge`,
        // with nothing released since.
        unsafe { frame::read(&self.raw, offset, avail) }.map_err(|e| {
            if self.bad_frame.get().is_none() {
                self.bad_frame.set(Some(e));
            }
            self.raw.close();
            TryRecvError::Closed
        })
    }

    /// Copies the payload of `f` into `out` (cleared first).
    fn copy_out(&self, f: &frame::Frame, out: &mut Vec<u8>) {
        out.clear();
        out.reserve(f.len);
        let src = self.raw.slots_for_read(f.payload, f.len);
        // An honest producer wrote these bytes before its Release of tail, which
        // our Acquire refresh saw, and does not write them again before we release
        // them. A hostile one rewriting them during the copy only gives us a
        // garbage record of the length we checked (docs/shm-protocol.md, "Known
        // limits"): the copy lands in our own memory.
        //
        // SAFETY: `f` was checked by `frame::read`: its payload is committed,
        // contiguous and inside the slot array; the mapping is always initialised;
        // `out` has room for `f.len` bytes (reserved above) and is our own memory.
        unsafe { ptr::copy_nonoverlapping(src, out.as_mut_ptr(), f.len) };
        // SAFETY: the first `f.len` bytes were initialised by the copy above.
        unsafe { out.set_len(f.len) };
    }

    /// Copies the next record into `buf` (cleared first), without blocking;
    /// returns its length.
    ///
    /// # Errors
    ///
    /// `Empty`, or `Closed` once closed (by either side, by the producer's
    /// death seen in a blocking call, or by a corrupt ring) **and** drained.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// let mut tx = image.byte_producer()?;
    /// let mut rx = image.byte_consumer()?;
    /// tx.try_send(b"copy me").unwrap();
    /// let mut buf = Vec::new();
    /// assert_eq!(rx.try_recv_into(&mut buf), Ok(7));
    /// assert_eq!(buf, b"copy me");
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn try_recv_into(&mut self, buf: &mut Vec<u8>) -> Result<usize, TryRecvError> {
        let avail = self.ready()?;
        let f = self.frame_at(0, avail)?;
        self.copy_out(&f, buf);
        // SAFETY: `f.end` bytes are the frame just checked against the committed
        // count and copied out; nothing points into them.
        unsafe { self.raw.release(f.end) };
        Ok(f.len)
    }

    /// Receives a copy of the next record, without blocking.
    ///
    /// # Errors
    ///
    /// As [`try_recv_into`](Self::try_recv_into).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::TryRecvError;
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// let mut tx = image.byte_producer()?;
    /// let mut rx = image.byte_consumer()?;
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(b"x").unwrap();
    /// assert_eq!(rx.try_recv().unwrap(), b"x");
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn try_recv(&mut self) -> Result<Vec<u8>, TryRecvError> {
        let mut v = Vec::new();
        self.try_recv_into(&mut v).map(|_| v)
    }

    /// Receives a copy of the next record, waiting per `strategy` (in
    /// slices that re-check the producer's liveness, as
    /// [`SharedConsumer::recv_with`](crate::SharedConsumer::recv_with)).
    ///
    /// # Errors
    ///
    /// `Closed` once closed (or the producer is dead) and drained; `Timeout`
    /// only under `TimedBlocking`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{RecvTimeoutError, WaitStrategy};
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// let mut rx = image.byte_consumer()?;
    /// image.byte_producer()?.try_send(b"last").unwrap(); // then dropped: closed
    /// assert_eq!(rx.recv_with(WaitStrategy::Yielding).unwrap(), b"last");
    /// assert_eq!(rx.recv_with(WaitStrategy::Yielding), Err(RecvTimeoutError::Closed));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn recv_with(&mut self, strategy: WaitStrategy) -> Result<Vec<u8>, RecvTimeoutError> {
        self.wait_ready(strategy)?;
        // A record is there, and only this side takes records away (a bad
        // frame reports `Closed`).
        self.try_recv().map_err(|_| RecvTimeoutError::Closed)
    }

    /// Waits per `strategy` until a record is there, or the ring is closed
    /// (or the producer died) and drained.
    fn wait_ready(&mut self, strategy: WaitStrategy) -> Result<(), RecvTimeoutError> {
        handle::wait_ready(self, strategy, Self::ready)
    }

    /// Receives a copy of the next record, blocking while the ring is empty.
    ///
    /// # Errors
    ///
    /// [`RecvError`] once closed (or the producer is dead) and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// let mut tx = image.byte_producer()?;
    /// let mut rx = image.byte_consumer()?;
    /// tx.try_send(b"5").unwrap();
    /// assert_eq!(rx.recv().unwrap(), b"5");
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn recv(&mut self) -> Result<Vec<u8>, RecvError> {
        self.recv_with(WaitStrategy::Blocking)
            .map_err(|_| RecvError)
    }

    /// Receives a copy of the next record, blocking at most `timeout`.
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
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// let _tx = image.byte_producer()?;
    /// let mut rx = image.byte_consumer()?;
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Timeout));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<Vec<u8>, RecvTimeoutError> {
        self.recv_with(WaitStrategy::TimedBlocking(timeout))
    }

    /// Hands a copy of every record available now to `f`, then releases
    /// them with one index update; returns the count. If `f` panics, the
    /// records handed so far (the one it panicked on included) count as
    /// received. A bad frame ends the batch (and closes this side).
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// let mut tx = image.byte_producer()?;
    /// let mut rx = image.byte_consumer()?;
    /// tx.try_send(b"ab").unwrap();
    /// tx.try_send(b"cde").unwrap();
    /// let mut total = 0;
    /// assert_eq!(rx.consume_batch(|r| total += r.len()), 2);
    /// assert_eq!(total, 5);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn consume_batch(&mut self, mut f: impl FnMut(&[u8])) -> usize {
        let Ok(avail) = self.common.judge(&self.raw, self.raw.refresh()) else {
            return 0;
        };
        let mut scratch = core::mem::take(&mut self.scratch);
        let mut fin = Finish {
            consumer: self,
            done: 0,
        };
        let mut count = 0;
        while fin.done < avail {
            let Ok(fr) = fin.consumer.frame_at(fin.done, avail) else {
                break;
            };
            fin.consumer.copy_out(&fr, &mut scratch);
            fin.done = fr.end;
            count += 1;
            f(&scratch);
        }
        drop(fin);
        self.scratch = scratch;
        count
    }

    /// Waits per `strategy` until at least one record is there, then
    /// consumes the batch as [`consume_batch`](Self::consume_batch).
    ///
    /// # Errors
    ///
    /// `Closed` once closed and drained; `Timeout` only under `TimedBlocking`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::WaitStrategy;
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// let mut tx = image.byte_producer()?;
    /// let mut rx = image.byte_consumer()?;
    /// tx.try_send(b"x").unwrap();
    /// assert_eq!(rx.consume_batch_with(|_| {}, WaitStrategy::Blocking), Ok(1));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn consume_batch_with(
        &mut self,
        f: impl FnMut(&[u8]),
        strategy: WaitStrategy,
    ) -> Result<usize, RecvTimeoutError> {
        self.wait_ready(strategy)?;
        match self.consume_batch(f) {
            // A record was there: only a bad frame gives nothing.
            0 => Err(RecvTimeoutError::Closed),
            n => Ok(n),
        }
    }

    handle::ring_api! {
        image = "ring_shm::ShmImage::new_bytes", this = "byte_consumer", turbofish = "";
        /// Closes the consumer side (idempotent): the producer's next send gets
        /// `Closed`; records already committed can still be received.
        ///
        /// # Examples
        ///
        /// ```
        /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
        /// let mut tx = image.byte_producer()?;
        /// let mut rx = image.byte_consumer()?;
        /// tx.try_send(b"kept").unwrap();
        /// rx.close();
        /// assert!(tx.try_send(b"no").is_err());
        /// assert_eq!(rx.try_recv().unwrap(), b"kept");
        /// # Ok::<(), ring_shm::ShmError>(())
        /// ```
        close;
        /// True once either side closed (records may remain).
        ///
        /// # Examples
        ///
        /// ```
        /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
        /// let rx = image.byte_consumer()?;
        /// assert!(!rx.is_closed());
        /// drop(image.byte_producer()?);
        /// assert!(rx.is_closed());
        /// # Ok::<(), ring_shm::ShmError>(())
        /// ```
        is_closed;
    }

    /// Records waiting now (walks the checked headers; stops at a bad one).
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// let mut tx = image.byte_producer()?;
    /// let rx = image.byte_consumer()?;
    /// tx.try_send(b"a").unwrap();
    /// tx.try_send(b"").unwrap();
    /// assert_eq!(rx.len(), 2);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn len(&self) -> usize {
        frame::count(&self.raw)
    }

    /// True if no record is waiting now.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// assert!(image.byte_consumer()?.is_empty());
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.raw.len() == 0
    }

    /// Ring bytes in use now (headers and padding included; clamped to
    /// the capacity).
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// let mut tx = image.byte_producer()?;
    /// let mut rx = image.byte_consumer()?;
    /// tx.try_send(b"12345").unwrap();
    /// assert_eq!(rx.bytes_used(), 16);
    /// rx.try_recv().unwrap();
    /// assert_eq!(rx.bytes_used(), 0);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn bytes_used(&self) -> usize {
        self.raw.len()
    }

    /// The first frame that broke the framing rules, if the producer (or
    /// anyone writing the mapping) wrote one; it closed this side.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// assert_eq!(image.byte_consumer()?.frame_corruption(), None);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn frame_corruption(&self) -> Option<FrameCorrupt> {
        self.bad_frame.get()
    }

    handle::peer_api! {
        peer = "producer";
        image = "ring_shm::ShmImage::new_bytes", this = "byte_consumer", other = "byte_producer", turbofish = "";
        alive = is_producer_alive, check = check_producer, pid = producer_pid, parked = is_producer_parked;
    }
}
