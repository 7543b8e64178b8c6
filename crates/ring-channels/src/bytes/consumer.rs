//! The byte consumer: every producer's byte ring, one doorbell, records read
//! in place.

use super::*;

/// The receiving end of a byte-record channel. `Send`, not `Sync`, not
/// `Clone`.
///
/// It is the MPSC consumer of [`crate::mpsc`] over byte rings: the
/// same ring table, adaptive skip, rotating start and single doorbell, with
/// each ring read as framed records.
///
/// ```compile_fail
/// fn clone_it<T: Clone>(_: &T) {}
/// let (_tx, rx) = ring_channels::bytes::channel(ring_core::Config::default());
/// clone_it(&rx); // one reader per channel
/// ```
pub struct ByteConsumer<O: Observer = ()> {
    pub(super) inner: mpsc::Consumer<u8, O>,
}

impl<O: Observer> fmt::Debug for ByteConsumer<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteConsumer")
            .field("inner", &self.inner)
            .finish()
    }
}

impl<O: Observer> ByteConsumer<O> {
    /// Receives the next record in place, without blocking: a
    /// [`ByteRecord`] that derefs to the record's bytes in the ring and
    /// releases them when dropped.
    ///
    /// # Errors
    ///
    /// `Empty`, or `Closed` only when every producer is gone (or the channel
    /// was closed) **and** every ring is drained.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::TryRecvError;
    /// let (mut tx, mut rx) = ring_channels::bytes::channel(ring_core::Config::default());
    /// assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Empty);
    /// tx.try_send(b"abc").unwrap();
    /// drop(tx);
    /// let r = rx.try_recv().unwrap();
    /// assert_eq!(&*r, b"abc");
    /// drop(r); // releases the record's room
    /// assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Closed);
    /// ```
    #[inline]
    pub fn try_recv(&mut self) -> Result<ByteRecord<'_, O>, TryRecvError> {
        let rx = self.inner.ready_ring(framing::poll_ready)?;
        // The ring has committed bytes, hence a whole record (producers
        // publish whole frames); a ring-level error here would be a ring that
        // is not a byte ring, which this channel never builds.
        framing::try_recv(rx).map_err(|_| TryRecvError::Empty)
    }

    /// Waits per `strategy` until a record is there (or the channel is closed
    /// and drained).
    fn wait_ready(&mut self, strategy: WaitStrategy) -> Result<(), RecvTimeoutError> {
        recv_wait::recv_until(&mut self.inner, strategy, |c| {
            match c.ready_ring(framing::poll_ready) {
                Ok(_) => Some(Ok(())),
                Err(TryRecvError::Closed) => Some(Err(RecvTimeoutError::Closed)),
                Err(TryRecvError::Empty) => None,
            }
        })
    }

    /// Receives the next record in place, waiting per `strategy` while the
    /// channel is empty; `Timeout` only under `TimedBlocking`.
    ///
    /// # Errors
    ///
    /// `Timeout`, or `Closed` once closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{RecvTimeoutError, WaitStrategy};
    /// let (mut tx, mut rx) = ring_channels::bytes::channel(ring_core::Config::default());
    /// tx.try_send(b"x").unwrap();
    /// drop(tx);
    /// assert_eq!(&*rx.recv_with(WaitStrategy::Yielding).unwrap(), b"x");
    /// assert_eq!(rx.recv_with(WaitStrategy::Blocking).unwrap_err(), RecvTimeoutError::Closed);
    /// ```
    pub fn recv_with(
        &mut self,
        strategy: WaitStrategy,
    ) -> Result<ByteRecord<'_, O>, RecvTimeoutError> {
        self.wait_ready(strategy)?;
        // A record is there, and only this consumer takes records away.
        self.try_recv().map_err(|_| RecvTimeoutError::Closed)
    }

    /// Receives the next record in place, blocking while the channel is
    /// empty; every committed record is returned before `Closed`.
    ///
    /// # Errors
    ///
    /// [`RecvError`] once the channel is closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::bytes::channel(ring_core::Config::default());
    /// let t = std::thread::spawn(move || tx.send(b"ping").unwrap());
    /// assert_eq!(&*rx.recv().unwrap(), b"ping");
    /// t.join().unwrap();
    /// assert!(rx.recv().is_err()); // the producer is gone
    /// ```
    pub fn recv(&mut self) -> Result<ByteRecord<'_, O>, RecvError> {
        self.recv_with(WaitStrategy::Blocking)
            .map_err(|_| RecvError)
    }

    /// Receives the next record in place, blocking at most `timeout`.
    ///
    /// # Errors
    ///
    /// `Timeout`, or `Closed` once closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::RecvTimeoutError;
    /// use std::time::Duration;
    /// let (_tx, mut rx) = ring_channels::bytes::channel(ring_core::Config::default());
    /// let r = rx.recv_timeout(Duration::from_millis(1));
    /// assert_eq!(r.unwrap_err(), RecvTimeoutError::Timeout);
    /// ```
    pub fn recv_timeout(
        &mut self,
        timeout: Duration,
    ) -> Result<ByteRecord<'_, O>, RecvTimeoutError> {
        self.recv_with(WaitStrategy::TimedBlocking(timeout))
    }

    /// Copies the next record into `buf` (cleared first), without blocking;
    /// returns its length.
    ///
    /// # Errors
    ///
    /// As [`try_recv`](Self::try_recv) (`buf` is left as it was).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::bytes::channel(ring_core::Config::default());
    /// tx.try_send(b"copy me").unwrap();
    /// let mut buf = b"old".to_vec();
    /// assert_eq!(rx.try_recv_into(&mut buf), Ok(7));
    /// assert_eq!(buf, b"copy me");
    /// ```
    pub fn try_recv_into(&mut self, buf: &mut Vec<u8>) -> Result<usize, TryRecvError> {
        let r = self.try_recv()?;
        buf.clear();
        buf.extend_from_slice(&r);
        Ok(r.len())
    }

    /// Hands every record available now, from every ring, to `f` in place,
    /// releasing each record's room as soon as `f` returns; returns the
    /// count. If `f` panics, the records before and the one it panicked on
    /// count as received.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::bytes::channel(ring_core::Config::default());
    /// let mut tx2 = tx.clone();
    /// tx.try_send(b"ab").unwrap();
    /// tx2.try_send(b"cde").unwrap();
    /// let mut total = 0;
    /// assert_eq!(rx.consume_batch(|r| total += r.len()), 2);
    /// assert_eq!(total, 5);
    /// ```
    pub fn consume_batch(&mut self, f: impl FnMut(&[u8])) -> usize {
        self.consume_up_to(usize::MAX, f)
    }

    /// As [`consume_batch`](Self::consume_batch), at most `max` records
    /// (counted across all rings); the ring it starts from rotates.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::bytes::channel(ring_core::Config::default());
    /// for r in [&b"a"[..], b"b", b"c"] {
    ///     tx.try_send(r).unwrap();
    /// }
    /// assert_eq!(rx.consume_up_to(2, |_| {}), 2);
    /// assert_eq!(rx.consume_up_to(2, |r| assert_eq!(r, b"c")), 1);
    /// ```
    pub fn consume_up_to(&mut self, max: usize, mut f: impl FnMut(&[u8])) -> usize {
        let from = self.inner.next_start();
        self.inner.sweep(from, max, |rx, room| {
            framing::consume_up_to(rx, room, &mut f)
        })
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
    /// let (mut tx, mut rx) = ring_channels::bytes::channel(ring_core::Config::default());
    /// tx.try_send(b"a").unwrap();
    /// drop(tx);
    /// assert_eq!(rx.consume_batch_with(|_| {}, WaitStrategy::Blocking), Ok(1));
    /// assert!(rx.consume_batch_with(|_| {}, WaitStrategy::Blocking).is_err());
    /// ```
    pub fn consume_batch_with(
        &mut self,
        mut f: impl FnMut(&[u8]),
        strategy: WaitStrategy,
    ) -> Result<usize, RecvTimeoutError> {
        loop {
            self.wait_ready(strategy)?;
            // The batch may skip the ring `wait_ready` found (adaptive skip);
            // a record is still there for the next look.
            match self.consume_batch(&mut f) {
                0 => {}
                n => return Ok(n),
            }
        }
    }

    /// Closes the channel from the consumer side (idempotent): producers'
    /// next sends get `Closed`; nothing committed is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::bytes::channel(ring_core::Config::default());
    /// tx.try_send(b"kept").unwrap();
    /// rx.close();
    /// assert!(tx.try_send(b"refused").is_err());
    /// assert_eq!(&*rx.try_recv().unwrap(), b"kept");
    /// assert!(rx.try_recv().is_err());
    /// ```
    pub fn close(&mut self) {
        self.inner.close();
    }

    forward! { inner =>
        /// A handle that closes the channel from any thread and wakes every
        /// blocked call on both sides.
        ///
        /// # Examples
        ///
        /// ```
        /// let (_tx, mut rx) = ring_channels::bytes::channel(ring_core::Config::default());
        /// let closer = rx.closer();
        /// let t = std::thread::spawn(move || rx.recv().is_err());
        /// closer.close();
        /// assert!(t.join().unwrap());
        /// ```
        fn closer(&self) -> Closer;
        /// True once the channel is closed or every producer is gone (records
        /// may remain).
        ///
        /// # Examples
        ///
        /// ```
        /// let (mut tx, rx) = ring_channels::bytes::channel(ring_core::Config::default());
        /// tx.try_send(b"a").unwrap();
        /// drop(tx);
        /// assert!(rx.is_closed());
        /// assert_eq!(rx.len(), 1); // closed, but the record is still there
        /// ```
        fn is_closed(&self) -> bool;
    }

    /// Records waiting now, in every ring (walks the headers).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_channels::bytes::channel(ring_core::Config::default());
    /// let mut tx2 = tx.clone();
    /// tx.try_send(b"a").unwrap();
    /// tx.try_send(b"").unwrap();
    /// tx2.try_send(b"bc").unwrap();
    /// assert_eq!(rx.len(), 3);
    /// ```
    pub fn len(&self) -> usize {
        let mut n = 0;
        self.inner.for_each_ring(|rx| n += framing::records(rx));
        n
    }

    /// True if no ring holds a record now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::bytes::channel(ring_core::Config::default());
    /// assert!(rx.is_empty());
    /// tx.try_send(b"").unwrap();
    /// assert!(!rx.is_empty());
    /// drop(rx.try_recv());
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Ring bytes in use now, in every ring: at least the payload bytes
    /// waiting (headers, alignment and padding count too), at most the
    /// capacity of the rings, 0 once everything is consumed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::bytes::channel(ring_core::Config::default());
    /// tx.try_send(b"12345").unwrap();
    /// assert_eq!(rx.bytes_used(), 16);
    /// assert_eq!(rx.consume_batch(|_| {}), 1);
    /// assert_eq!(rx.bytes_used(), 0);
    /// ```
    pub fn bytes_used(&self) -> usize {
        self.inner.len()
    }

    ring_status! { inner => rx of "bytes", rings "producer" in bytes,
    send "tx.try_send(b\"abc\").unwrap()";
    fill above_high_watermark capacity observer }

    forward! { inner =>
        /// Producers registered now.
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, rx) = ring_channels::bytes::channel(ring_core::Config::default());
        /// let tx2 = tx.clone();
        /// assert_eq!(rx.producer_count(), 2);
        /// drop((tx, tx2));
        /// assert_eq!(rx.producer_count(), 0);
        /// ```
        fn producer_count(&self) -> usize;
    }
}

/// The generic iterators and endpoints see a record copied out.
impl<O: Observer> ring_core::endpoint::TryRecv for ByteConsumer<O> {
    type Item = Vec<u8>;
    fn try_recv(&mut self) -> Result<Vec<u8>, TryRecvError> {
        ByteConsumer::try_recv(self).map(|r| r.to_vec())
    }
}

impl<O: Observer> Waitable for ByteConsumer<O> {
    fn doorbell(&self) -> DoorbellRef<'_> {
        self.inner.doorbell()
    }
    fn timed(&self) -> bool {
        O::TIMED
    }
}

impl<O: Observer> wait::RecvEndpoint for ByteConsumer<O> {
    fn is_closed(&self) -> bool {
        ByteConsumer::is_closed(self)
    }
    fn close(&mut self) {
        ByteConsumer::close(self);
    }
    fn closer(&self) -> Closer {
        ByteConsumer::closer(self)
    }
}
