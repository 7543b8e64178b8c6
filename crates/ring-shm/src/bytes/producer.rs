//! [`SharedByteProducer`]: the writing end of a shared byte ring.

use super::*;

/// The writing end of a shared byte ring: ring-core's raw producer of `u8`
/// slots with the untrusted-index policy, writing whole frames with
/// ring-core's [`frame`] functions. It copies records in and never hands
/// out a reference into the mapping (a grant is written through
/// [`SharedByteGrant::write`]).
///
/// `Send`, not `Sync`, not `Clone`. Dropping it closes the producer side;
/// the consumer still receives every record committed before.
///
/// # Examples
///
/// ```
/// use ring_core::bytes::TrySendError;
/// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default().with_ring_bits(6))?;
/// let mut tx = image.byte_producer()?;
/// assert_eq!(tx.max_record(), 24);
/// tx.try_send(b"abc").unwrap();
/// assert_eq!(tx.try_send(&[0; 25]), Err(TrySendError::TooLarge { len: 25, max: 24 }));
/// # Ok::<(), ring_shm::ShmError>(())
/// ```
pub struct SharedByteProducer {
    raw: RawProducer<u8, Untrusted>,
    common: Common,
}

// SAFETY: as for `SharedProducer`: the handle owns its side of the ring and keeps
// the region alive; the memory is shared by design. Not `Sync`: the raw side
// caches indices without synchronisation.
unsafe impl Send for SharedByteProducer {}

handle::handle_impls!(impl[] SharedByteProducer, doorbell = producer_doorbell);

impl SharedByteProducer {
    pub(crate) fn claim(site: Site) -> Result<Self, ShmError> {
        let capacity = site.layout.capacity();
        let (common, raw) = Common::claim_producer::<u8>(site)?;
        if !raw.tail().is_multiple_of(frame::ALIGN as u64) {
            // Frames start at multiples of 8: a tail elsewhere is a corrupt file.
            // Refuse without consuming the role, as for impossible indices.
            common.unclaim();
            return Err(ShmError::IndexCorrupt(IndexCorrupt {
                head: raw.tail().wrapping_sub(raw.len() as u64),
                tail: raw.tail(),
                capacity,
            }));
        }
        Ok(SharedByteProducer { raw, common })
    }

    /// The consumer's head, as far as the (clamped) length shows it.
    fn peer_index(&self) -> u64 {
        self.raw.tail().wrapping_sub(self.raw.len() as u64)
    }

    /// The largest record accepted: a record of this length always fits an
    /// empty ring (`capacity / 2 - 8`).
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default().with_ring_bits(10))?;
    /// assert_eq!(image.byte_producer()?.max_record(), 504);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn max_record(&self) -> usize {
        frame::max_record(self.capacity())
    }

    /// Where a record of `len` bytes goes now, or why it cannot go.
    fn poll(&mut self, len: usize) -> Result<Plan, TrySendError> {
        let max = self.max_record();
        if len > max {
            return Err(TrySendError::TooLarge { len, max });
        }
        if self.raw.is_closed() {
            return Err(TrySendError::Closed);
        }
        // The tail is ours and aligned (checked at the claim): `plan` succeeds.
        let plan = frame::plan(self.raw.tail(), self.capacity(), len).ok_or(TrySendError::Closed)?;
        if self.common.free_for(&mut self.raw, plan.need()) < plan.need() {
            return Err(if self.raw.is_closed() {
                TrySendError::Closed
            } else {
                TrySendError::Full
            });
        }
        Ok(plan)
    }

    /// Reserves room for one record of `len` bytes, without blocking: write
    /// it with [`SharedByteGrant::write`], then commit.
    ///
    /// # Errors
    ///
    /// `TooLarge` at once if `len > max_record()`, else `Closed` (either
    /// side closed, or the ring was found corrupt), else `Full`.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// let mut tx = image.byte_producer()?;
    /// let mut rx = image.byte_consumer()?;
    /// let mut g = tx.try_reserve(8).unwrap();
    /// g.write(0, b"part");
    /// g.commit_len(4);
    /// assert_eq!(rx.try_recv().unwrap(), b"part");
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn try_reserve(&mut self, len: usize) -> Result<SharedByteGrant<'_>, TrySendError> {
        let plan = self.poll(len)?;
        Ok(SharedByteGrant {
            producer: self,
            plan,
        })
    }

    /// Reserves room for one record of `len` bytes, waiting per `strategy`
    /// (in slices that re-check the consumer's liveness, as
    /// [`SharedProducer::send_with`](crate::SharedProducer::send_with)).
    ///
    /// # Errors
    ///
    /// `TooLarge` at once; `Closed` (also once the consumer is dead);
    /// `Timeout` only under `TimedBlocking`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::WaitStrategy;
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// let mut tx = image.byte_producer()?;
    /// let mut g = tx.reserve_with(2, WaitStrategy::Blocking).unwrap();
    /// g.write(0, b"ok");
    /// g.commit();
    /// assert_eq!(tx.bytes_used(), 16);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn reserve_with(
        &mut self,
        len: usize,
        strategy: WaitStrategy,
    ) -> Result<SharedByteGrant<'_>, SendTimeoutError> {
        let polled = handle::wait_until(self, strategy, |p| match p.poll(len) {
            Ok(plan) => Some(Ok(plan)),
            Err(TrySendError::Full) => None,
            Err(e) => Some(Err(SendTimeoutError::from(e))),
        });
        // Room only grows while we hold `&mut self`: the plan stays valid.
        let plan = polled.unwrap_or(Err(SendTimeoutError::Timeout))?;
        Ok(SharedByteGrant {
            producer: self,
            plan,
        })
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
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// let mut tx = image.byte_producer()?;
    /// let mut rx = image.byte_consumer()?;
    /// tx.try_send(b"one").unwrap();
    /// assert_eq!(rx.try_recv().unwrap(), b"one");
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn try_send(&mut self, record: &[u8]) -> Result<(), TrySendError> {
        let mut g = self.try_reserve(record.len())?;
        g.write(0, record);
        g.commit();
        Ok(())
    }

    /// Copies `record` into the ring, waiting per `strategy` for room.
    ///
    /// # Errors
    ///
    /// As [`reserve_with`](Self::reserve_with).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{WaitStrategy, bytes::SendTimeoutError};
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// let mut tx = image.byte_producer()?;
    /// tx.send_with(b"a", WaitStrategy::Yielding).unwrap();
    /// drop(image.byte_consumer()?); // the consumer's drop closes the ring
    /// assert_eq!(tx.send_with(b"b", WaitStrategy::Blocking), Err(SendTimeoutError::Closed));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn send_with(&mut self, record: &[u8], strategy: WaitStrategy) -> Result<(), SendTimeoutError> {
        let mut g = self.reserve_with(record.len(), strategy)?;
        g.write(0, record);
        g.commit();
        Ok(())
    }

    /// Copies `record` into the ring, blocking while it is full.
    ///
    /// # Errors
    ///
    /// `TooLarge` at once, or `Closed`.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// let mut tx = image.byte_producer()?;
    /// tx.send(b"x").unwrap();
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn send(&mut self, record: &[u8]) -> Result<(), SendError> {
        self.send_with(record, WaitStrategy::Blocking)
            .map_err(SendError::from)
    }

    /// Copies `record` into the ring, blocking at most `timeout`.
    ///
    /// # Errors
    ///
    /// `TooLarge` at once; `Timeout` or `Closed`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::bytes::SendTimeoutError;
    /// use std::time::Duration;
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default().with_ring_bits(5))?;
    /// let mut tx = image.byte_producer()?;
    /// let _rx = image.byte_consumer()?;
    /// tx.try_send(&[1; 8]).unwrap();
    /// tx.try_send(&[2; 8]).unwrap(); // 32 bytes: full
    /// assert_eq!(tx.send_timeout(b"x", Duration::from_millis(1)), Err(SendTimeoutError::Timeout));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn send_timeout(&mut self, record: &[u8], timeout: Duration) -> Result<(), SendTimeoutError> {
        self.send_with(record, WaitStrategy::TimedBlocking(timeout))
    }

    handle::ring_api! {
        image = "ring_shm::ShmImage::new_bytes", this = "byte_producer", turbofish = "";
        /// Closes the producer side (idempotent): the consumer receives every
        /// record committed before, then `Closed`.
        ///
        /// # Examples
        ///
        /// ```
        /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
        /// let mut tx = image.byte_producer()?;
        /// tx.close();
        /// assert!(tx.is_closed() && tx.try_send(b"x").is_err());
        /// # Ok::<(), ring_shm::ShmError>(())
        /// ```
        close;
        /// True once either side closed (or the ring was found corrupt).
        ///
        /// # Examples
        ///
        /// ```
        /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
        /// let tx = image.byte_producer()?;
        /// assert!(!tx.is_closed());
        /// drop(image.byte_consumer()?);
        /// assert!(tx.is_closed());
        /// # Ok::<(), ring_shm::ShmError>(())
        /// ```
        is_closed;
    }

    /// Ring bytes in use now (headers, alignment and padding included;
    /// clamped to the capacity).
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// let mut tx = image.byte_producer()?;
    /// tx.try_send(b"abc").unwrap();
    /// assert_eq!(tx.bytes_used(), 16);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn bytes_used(&self) -> usize {
        self.raw.len()
    }

    handle::peer_api! {
        peer = "consumer";
        image = "ring_shm::ShmImage::new_bytes", this = "byte_producer", other = "byte_consumer", turbofish = "";
        alive = is_consumer_alive, check = check_consumer, pid = consumer_pid, parked = is_consumer_parked;
    }
}

/// Room for one record in a shared byte ring, reserved by
/// [`SharedByteProducer::try_reserve`] or
/// [`reserve_with`](SharedByteProducer::reserve_with). Written with
/// [`write`](Self::write) (the mapping is never lent out as a slice);
/// [`commit`](Self::commit) publishes the record (bytes not written are
/// whatever the ring held there), [`commit_len`](Self::commit_len) a shorter
/// one, and dropping it publishes nothing.
pub struct SharedByteGrant<'a> {
    producer: &'a mut SharedByteProducer,
    plan: Plan,
}

impl fmt::Debug for SharedByteGrant<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedByteGrant({} bytes)", self.plan.len())
    }
}

impl SharedByteGrant<'_> {
    /// The reserved length.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// let mut tx = image.byte_producer()?;
    /// assert_eq!(tx.try_reserve(5).unwrap().len(), 5);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.plan.len()
    }

    /// True for an empty record.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// let mut tx = image.byte_producer()?;
    /// assert!(tx.try_reserve(0).unwrap().is_empty());
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.plan.is_empty()
    }

    /// Copies `bytes` into the record from `offset` (clipped at the reserved
    /// length); returns how many were copied.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// let mut tx = image.byte_producer()?;
    /// let mut g = tx.try_reserve(4).unwrap();
    /// assert_eq!(g.write(2, b"xyz"), 2);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn write(&mut self, offset: usize, bytes: &[u8]) -> usize {
        let n = bytes.len().min(self.plan.len().saturating_sub(offset));
        if n > 0 {
            let dst = frame::payload(&self.producer.raw, &self.plan);
            // SAFETY: `offset + n <= len`: inside the record's reserved payload, which
            // is vacant, contiguous and inside the slot array (`frame::plan`), ours
            // until published; `bytes` is our own memory. A hostile consumer writing
            // it meanwhile only spoils the record it then receives.
            unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), dst.add(offset), n) };
        }
        n
    }

    /// Publishes the record (all reserved bytes), as
    /// [`ByteGrant::commit`](ring_core::bytes::ByteGrant::commit).
    pub fn commit(self) {
        let n = self.plan.len();
        self.commit_len(n);
    }

    /// Publishes the first `n` bytes as the record.
    ///
    /// # Panics
    ///
    /// If `n` exceeds the reserved length (nothing is published).
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// let mut tx = image.byte_producer()?;
    /// let mut rx = image.byte_consumer()?;
    /// let mut g = tx.try_reserve(10).unwrap();
    /// let n = g.write(0, b"short");
    /// g.commit_len(n);
    /// assert_eq!(rx.try_recv().unwrap(), b"short");
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn commit_len(self, n: usize) {
        // SAFETY: the plan was made by `poll` for this tail and capacity with
        // `need() <=` the free count, and nothing was published since (the grant
        // borrows the producer); `publish` asserts `n <= len`; the mapping is always initialised
        // memory (a memfd, or a zeroed image).
        unsafe { frame::publish(&mut self.producer.raw, self.plan, n) };
    }
}
