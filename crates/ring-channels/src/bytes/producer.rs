//! The byte producer: one dedicated byte ring; a clone registers a new one.

use super::*;

/// A sending end of a byte-record channel: one dedicated byte ring. `Send`,
/// not `Sync`; `Clone` registers a new ring (MPSC by decomposition).
///
/// Dropping it closes its ring: the consumer still receives every record it
/// committed. Dropping the last producer closes the channel.
///
/// ```compile_fail
/// fn share<T: Sync>(_: &T) {}
/// let (tx, _rx) = ring_channels::bytes::channel(ring_core::Config::default());
/// share(&tx); // a handle is one thread's end: clone it instead
/// ```
pub struct ByteProducer<O: Observer = ()> {
    // Dropped first: see `Registration`.
    pub(super) chan: Registration<u8, O>,
    pub(super) ring: ByteWriter<O>,
}

debug_handle!(impl[O: Observer] ByteProducer<O>, "ByteProducer", ring = |p| p.ring);

clone_by_try_clone! {
    /// Registers a new producer with its own byte ring.
    ///
    /// # Panics
    ///
    /// If the memory seam cannot provide the ring (heap exhaustion aborts,
    /// like `Vec`); use [`try_clone`](ByteProducer::try_clone) to handle it.
    impl[O: Observer] ByteProducer<O>, |e| ring_core::builder::build_failed(e)
}

impl<O: Observer> ByteProducer<O> {
    /// Registers a new producer with its own byte ring. A clone of a closed
    /// channel is a producer whose sends return `Closed`.
    ///
    /// # Errors
    ///
    /// [`BuildError`] when the memory seam cannot provide the ring.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = ring_channels::bytes::channel(ring_core::Config::default());
    /// let mut tx2 = tx.try_clone()?;
    /// tx2.try_send(b"two").unwrap();
    /// assert_eq!(rx.producer_count(), 2);
    /// assert_eq!(&*rx.try_recv().unwrap(), b"two");
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn try_clone(&self) -> Result<Self, BuildError> {
        Ok(Self::framed(Chan::register(
            &self.chan,
            self.ring.observer().clone(),
        )?))
    }

    /// The largest record length accepted: at least a quarter of the
    /// capacity (`capacity / 2 - 8`); a record of this length always fits an
    /// empty ring, wherever earlier records left the write position.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = ring_channels::bytes::channel(ring_core::Config::default().with_ring_bits(10));
    /// assert_eq!(tx.max_record(), 504);
    /// assert!(tx.max_record() >= tx.capacity() / 4);
    /// ```
    pub fn max_record(&self) -> usize {
        self.ring.max_record()
    }

    /// Reserves room for one record of exactly `len` bytes in this
    /// producer's ring, without blocking: write it in place through the
    /// [`ByteGrant`], then `commit` (or `commit_len`); dropping the grant
    /// publishes nothing.
    ///
    /// # Errors
    ///
    /// `TooLarge { len, max }` if `len > max_record()` (always, at once),
    /// else `Closed` if the channel or this ring is closed, else `Full`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// let (mut tx, mut rx) = ring_channels::bytes::channel(ring_core::Config::default());
    /// let mut g = tx.try_reserve(32).unwrap();
    /// let mut room = &mut g[..];
    /// write!(room, "temp={:.1}", 21.5).unwrap();
    /// let n = 32 - room.len();
    /// g.commit_len(n);
    /// assert_eq!(&*rx.try_recv().unwrap(), b"temp=21.5");
    /// ```
    #[inline]
    pub fn try_reserve(&mut self, len: usize) -> Result<ByteGrant<'_, O>, TrySendError> {
        self.check(len)?;
        self.ring.try_reserve(len)
    }

    /// `TooLarge` (always first), then the channel's close (a close by the
    /// consumer reaches this ring's flag only when the consumer next looks).
    #[inline]
    fn check(&self, len: usize) -> Result<(), TrySendError> {
        let max = self.ring.max_record();
        if len > max {
            Err(TrySendError::TooLarge { len, max })
        } else if self.chan.is_closed() {
            Err(TrySendError::Closed)
        } else {
            Ok(())
        }
    }

    /// Reserves room for one record of `len` bytes, waiting per `strategy`
    /// while the ring is full. A close by any route (the consumer, another
    /// producer, a `Closer`) ends the wait at once.
    ///
    /// # Errors
    ///
    /// `TooLarge` at once; `Closed`; `Timeout` only under `TimedBlocking`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::WaitStrategy;
    /// let (mut tx, mut rx) = ring_channels::bytes::channel(ring_core::Config::default());
    /// let mut g = tx.reserve_with(3, WaitStrategy::Blocking).unwrap();
    /// g.copy_from_slice(b"abc");
    /// g.commit();
    /// assert_eq!(&*rx.try_recv().unwrap(), b"abc");
    /// ```
    pub fn reserve_with(
        &mut self,
        len: usize,
        strategy: WaitStrategy,
    ) -> Result<ByteGrant<'_, O>, SendTimeoutError> {
        let chan = &self.chan;
        self.ring
            .reserve_with_check(len, strategy, || chan.is_closed())
    }

    /// Copies `record` into the ring as one record, without blocking.
    ///
    /// # Errors
    ///
    /// As [`try_reserve`](Self::try_reserve).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::bytes::TrySendError;
    /// let (mut tx, rx) = ring_channels::bytes::channel(ring_core::Config::default().with_ring_bits(5));
    /// assert_eq!(tx.try_send(&[0; 9]), Err(TrySendError::TooLarge { len: 9, max: 8 }));
    /// tx.try_send(b"").unwrap(); // empty records are records
    /// drop(rx);
    /// assert_eq!(tx.try_send(b"x"), Err(TrySendError::Closed));
    /// ```
    #[inline]
    pub fn try_send(&mut self, record: &[u8]) -> Result<(), TrySendError> {
        self.check(record.len())?;
        self.ring.try_send(record)
    }

    /// Copies `record` into the ring, waiting per `strategy` while it is full.
    ///
    /// # Errors
    ///
    /// As [`reserve_with`](Self::reserve_with).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::bytes::SendTimeoutError;
    /// use ring_core::WaitStrategy;
    /// let (mut tx, rx) = ring_channels::bytes::channel(ring_core::Config::default());
    /// tx.send_with(b"a", WaitStrategy::Yielding).unwrap();
    /// drop(rx);
    /// assert_eq!(tx.send_with(b"b", WaitStrategy::Blocking), Err(SendTimeoutError::Closed));
    /// ```
    pub fn send_with(
        &mut self,
        record: &[u8],
        strategy: WaitStrategy,
    ) -> Result<(), SendTimeoutError> {
        let chan = &self.chan;
        self.ring
            .send_with_check(record, strategy, || chan.is_closed())
    }

    /// Copies `record` into the ring, blocking while it is full
    /// (`WaitStrategy::Blocking`: spin, yield, then sleep on the doorbell).
    ///
    /// # Errors
    ///
    /// `TooLarge` at once, or `Closed` once the channel is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::bytes::SendError;
    /// let (mut tx, mut rx) = ring_channels::bytes::channel(ring_core::Config::default().with_ring_bits(6));
    /// tx.send(b"ok").unwrap();
    /// assert_eq!(tx.send(&[0; 64]), Err(SendError::TooLarge { len: 64, max: 24 }));
    /// assert_eq!(&*rx.recv().unwrap(), b"ok");
    /// ```
    pub fn send(&mut self, record: &[u8]) -> Result<(), SendError> {
        self.send_with(record, WaitStrategy::Blocking)
            .map_err(SendError::from)
    }

    /// Copies `record` into the ring, blocking at most `timeout` while it is full.
    ///
    /// # Errors
    ///
    /// `TooLarge` at once; `Timeout` or `Closed`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::bytes::SendTimeoutError;
    /// use std::time::Duration;
    /// let (mut tx, _rx) = ring_channels::bytes::channel(ring_core::Config::default().with_ring_bits(5));
    /// tx.try_send(&[1; 8]).unwrap();
    /// tx.try_send(&[2; 8]).unwrap(); // 32 bytes: full
    /// let r = tx.send_timeout(b"x", Duration::from_millis(1));
    /// assert_eq!(r, Err(SendTimeoutError::Timeout));
    /// ```
    pub fn send_timeout(
        &mut self,
        record: &[u8],
        timeout: Duration,
    ) -> Result<(), SendTimeoutError> {
        self.send_with(record, WaitStrategy::TimedBlocking(timeout))
    }

    ring_status! { ring => tx of "bytes", ring "this producer's ring" in bytes,
    send "tx.try_send(b\"abc\").unwrap()";
    fill above_high_watermark capacity observer }

    forward! { ring =>
        /// Bytes of this producer's ring in use now (headers and padding included).
        ///
        /// # Examples
        ///
        /// ```
        /// let (mut tx, _rx) = ring_channels::bytes::channel(ring_core::Config::default());
        /// tx.try_send(b"abc").unwrap();
        /// assert_eq!(tx.bytes_used(), 16); // 8-byte header, 3 bytes padded to 8
        /// ```
        fn bytes_used(&self) -> usize;
    }

    /// As [`mpsc::Producer::close`]: closes the whole channel (idempotent);
    /// the consumer receives everything committed, then `Closed`.
    pub fn close(&mut self) {
        self.chan.close();
        self.ring.close();
    }

    /// As [`mpsc::Producer::is_closed`]: true once the channel (or this
    /// ring) is closed.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed() || self.ring.is_closed()
    }
}
