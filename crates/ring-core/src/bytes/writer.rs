//! The producer side of a byte ring: plan, grant, write in place, commit.

use core::fmt;
use core::ops::{Deref, DerefMut};
use core::ptr;
use core::slice;

use super::TrySendError;
use super::frame::{self, Plan};
use crate::seams::Observer;
use crate::spsc;

#[cfg(feature = "std")]
use super::SendTimeoutError;
#[cfg(feature = "std")]
use crate::wait::{self, TimedOut, WaitStrategy};

/// The writing end of one byte ring: an SPSC producer of `u8` slots that
/// only ever publishes whole frames (see [`frame`]). `Send`, not `Sync`,
/// not `Clone` (families clone by registering another ring).
///
/// It owns the SPSC producer, so nothing else writes the ring; the first
/// reserve fills the free bytes with zeros on the producer's thread (after
/// the memory seam's first-use hook), so a [`ByteGrant`] can hand out
/// `&mut [u8]` over initialised memory.
pub struct ByteWriter<O: Observer = ()> {
    ring: spsc::Producer<u8, O>,
    max: usize,
    zeroed: bool,
}

crate::debug_fields! {
    impl<O: Observer> Debug for ByteWriter<O> as "ByteWriter", |this| {
        capacity: this.capacity(),
        max_record: this.max,
    } ..
}

impl<O: Observer> ByteWriter<O> {
    /// Writes byte records into the ring of `ring`, which it owns from now on.
    ///
    /// # Panics
    ///
    /// If the ring holds fewer than [`frame::MIN_CAPACITY`] bytes, or its
    /// positions are not multiples of [`frame::ALIGN`] (a ring built with an
    /// unaligned start position).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, bytes::ByteWriter, spsc};
    /// let (tx, mut rx) = spsc::channel::<u8>(Config::default().with_ring_bits(6));
    /// let mut w = ByteWriter::new(tx);
    /// w.try_send(b"hi").unwrap();
    /// assert_eq!(&*ring_core::bytes::try_recv(&mut rx).unwrap(), b"hi");
    /// ```
    pub fn new(ring: spsc::Producer<u8, O>) -> Self {
        let capacity = ring.capacity();
        assert!(
            capacity >= frame::MIN_CAPACITY,
            "ByteWriter: a byte ring needs at least frame::MIN_CAPACITY (32) bytes"
        );
        assert!(
            ring.raw.tail().is_multiple_of(frame::ALIGN as u64),
            "ByteWriter: byte ring positions must be multiples of frame::ALIGN (8)"
        );
        Self {
            ring,
            max: frame::max_record(capacity),
            zeroed: false,
        }
    }

    /// The largest record length accepted: a record of this length always
    /// fits an empty ring, wherever the write position is (at least a
    /// quarter of the capacity).
    ///
    /// # Examples
    ///
    /// ```
    /// let (w, _rx) = ring_core::bytes::ring(ring_core::Config::default().with_ring_bits(10));
    /// assert_eq!(w.max_record(), 504);
    /// assert!(w.max_record() >= w.capacity() / 4);
    /// ```
    pub fn max_record(&self) -> usize {
        self.max
    }

    /// Bytes in the ring.
    ///
    /// # Examples
    ///
    /// ```
    /// let (w, _rx) = ring_core::bytes::ring(ring_core::Config::default().with_ring_bits(10));
    /// assert_eq!(w.capacity(), 1024);
    /// ```
    pub fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    /// Ring bytes in use now (headers, alignment and padding included).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut w, _rx) = ring_core::bytes::ring(ring_core::Config::default().with_ring_bits(10));
    /// w.try_send(b"abc").unwrap();
    /// assert_eq!(w.bytes_used(), 16); // 8-byte header + 3 bytes padded to 8
    /// ```
    pub fn bytes_used(&self) -> usize {
        self.ring.len()
    }

    /// How full the byte ring is: [`bytes_used`](Self::bytes_used) over
    /// [`capacity`](Self::capacity), in `0.0..=1.0`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut w, _rx) = ring_core::bytes::ring(ring_core::Config::default().with_ring_bits(6));
    /// w.try_send(b"abc").unwrap();
    /// assert_eq!(w.fill(), 0.25); // 16 of 64 bytes
    /// ```
    pub fn fill(&self) -> f64 {
        self.ring.fill()
    }

    /// True once a commit left the ring's bytes in use at or above the high
    /// watermark (counted in bytes), until a read leaves them at or below
    /// the low one (always false without watermarks).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, bytes::ByteWriter, spsc::Builder};
    /// let (tx, _rx) = Builder::new(Config::default().with_ring_bits(6)).watermarks(8, 32).build::<u8>()?;
    /// let mut w = ByteWriter::new(tx);
    /// w.try_send(b"abc").unwrap(); // 16 bytes
    /// assert!(!w.above_high_watermark());
    /// w.try_send(b"defg").unwrap(); // 32 bytes
    /// assert!(w.above_high_watermark());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn above_high_watermark(&self) -> bool {
        self.ring.above_high_watermark()
    }

    /// True once either side closed (then every reserve fails with `Closed`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (w, rx) = ring_core::bytes::ring(ring_core::Config::default());
    /// drop(rx);
    /// assert!(w.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.ring.is_closed()
    }

    /// Closes the ring from the producer side (idempotent).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut w, _rx) = ring_core::bytes::ring(ring_core::Config::default());
    /// w.close();
    /// assert_eq!(w.try_send(b"x"), Err(ring_core::bytes::TrySendError::Closed));
    /// ```
    pub fn close(&mut self) {
        self.ring.close();
    }

    /// The observer given to the ring's builder.
    ///
    /// # Examples
    ///
    /// ```
    /// let (w, _rx) = ring_core::bytes::ring(ring_core::Config::default());
    /// assert_eq!(w.observer(), &());
    /// ```
    pub fn observer(&self) -> &O {
        &self.ring.observer
    }

    /// Fills the free bytes with zeros, once, before the first grant.
    #[cold]
    fn zero_free(&mut self) {
        self.zeroed = true;
        // Runs the memory seam's first-use hook on this thread, then looks at head.
        let free = self.ring.refresh_slow();
        let first = self.ring.raw.contiguous(free, free);
        let a = self.ring.raw.slots_for_write(0, first);
        // SAFETY: `first <= free` bytes from the tail, contiguous: vacant and ours
        // (free per the refresh above) until we publish them.
        unsafe { ptr::write_bytes(a, 0, first) };
        let b = self.ring.raw.slots_for_write(first, free - first);
        // SAFETY: the wrapped rest of the same free range, from slot 0.
        unsafe { ptr::write_bytes(b, 0, free - first) };
    }

    /// Where a record of `len` bytes goes now, or why it cannot go.
    #[inline]
    fn poll(
        ring: &mut spsc::Producer<u8, O>,
        max: usize,
        len: usize,
    ) -> Result<Plan, TrySendError> {
        if len > max {
            return Err(TrySendError::TooLarge { len, max });
        }
        if ring.raw.is_closed() {
            return Err(TrySendError::Closed);
        }
        // `None` only for a ring `new` refused; such a ring takes nothing.
        let plan =
            frame::plan(ring.raw.tail(), ring.capacity(), len).ok_or(TrySendError::Closed)?;
        if ring.free_for(plan.need()) < plan.need() {
            if ring.raw.is_closed() {
                return Err(TrySendError::Closed);
            }
            // The observer, and the high watermark (counted in bytes).
            ring.full();
            return Err(TrySendError::Full);
        }
        Ok(plan)
    }

    fn grant(&mut self, plan: Plan) -> ByteGrant<'_, O> {
        let ptr = frame::payload(&self.ring.raw, &plan);
        ByteGrant {
            writer: self,
            plan,
            ptr,
        }
    }

    /// Reserves room for a record of exactly `len` bytes, to be written in
    /// place and published with [`ByteGrant::commit`] or
    /// [`ByteGrant::commit_len`]; never blocks.
    ///
    /// # Errors
    ///
    /// `TooLarge` if `len > max_record()` (always, at once), else `Closed`
    /// if either side closed, else `Full` if the ring has no room now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut w, mut rx) = ring_core::bytes::ring(ring_core::Config::default());
    /// let mut g = w.try_reserve(5).unwrap();
    /// g.copy_from_slice(b"hello");
    /// g.commit();
    /// assert_eq!(&*ring_core::bytes::try_recv(&mut rx).unwrap(), b"hello");
    /// ```
    #[inline]
    pub fn try_reserve(&mut self, len: usize) -> Result<ByteGrant<'_, O>, TrySendError> {
        if !self.zeroed {
            self.zero_free();
        }
        let plan = Self::poll(&mut self.ring, self.max, len)?;
        Ok(self.grant(plan))
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
    /// use ring_core::bytes::TrySendError;
    /// let (mut w, _rx) = ring_core::bytes::ring(ring_core::Config::default().with_ring_bits(6));
    /// assert_eq!(w.try_send(&[0; 40]), Err(TrySendError::TooLarge { len: 40, max: 24 }));
    /// w.try_send(&[1; 24]).unwrap();
    /// ```
    #[inline]
    pub fn try_send(&mut self, record: &[u8]) -> Result<(), TrySendError> {
        let mut g = self.try_reserve(record.len())?;
        g.copy_from_slice(record);
        g.commit();
        Ok(())
    }
}

#[cfg(feature = "std")]
impl<O: Observer> ByteWriter<O> {
    /// Reserves room for a record of `len` bytes, waiting per `strategy`
    /// until there is room; `closed` is polled with the ring's own close
    /// flag (a channel's flag: a family whose close does not reach every
    /// ring at once passes it here), and the wait ends as soon as it says
    /// true. The wait sleeps on the ring's producer doorbell, which every
    /// release and close rings.
    ///
    /// # Errors
    ///
    /// `TooLarge` at once; `Closed`; `Timeout` only under `TimedBlocking`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{WaitStrategy, bytes::SendTimeoutError};
    /// let (mut w, _rx) = ring_core::bytes::ring(ring_core::Config::default());
    /// let shut = true; // e.g. the channel's own closed flag
    /// let r = w.reserve_with_check(3, WaitStrategy::Blocking, || shut);
    /// assert_eq!(r.unwrap_err(), SendTimeoutError::Closed);
    /// ```
    pub fn reserve_with_check(
        &mut self,
        len: usize,
        strategy: WaitStrategy,
        closed: impl Fn() -> bool,
    ) -> Result<ByteGrant<'_, O>, SendTimeoutError> {
        let max = self.max;
        if len > max {
            return Err(SendTimeoutError::TooLarge { len, max });
        }
        if !self.zeroed {
            self.zero_free();
        }
        let polled = wait::wait_until(&mut self.ring, strategy, |ring| {
            if closed() {
                return Some(Err(SendTimeoutError::Closed));
            }
            match Self::poll(ring, max, len) {
                Ok(plan) => Some(Ok(plan)),
                Err(TrySendError::Full) => None,
                Err(e) => Some(Err(e.into())),
            }
        });
        match polled {
            // Room only grows while we hold `&mut self`: the plan stays valid.
            Ok(Ok(plan)) => Ok(self.grant(plan)),
            Ok(Err(e)) => Err(e),
            Err(TimedOut) => Err(SendTimeoutError::Timeout),
        }
    }

    /// Reserves room for a record of `len` bytes, waiting per `strategy`
    /// until there is room (a consumer's release wakes it at once).
    ///
    /// # Errors
    ///
    /// `TooLarge` at once; `Closed`; `Timeout` only under `TimedBlocking`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::WaitStrategy;
    /// let (mut w, mut rx) = ring_core::bytes::ring(ring_core::Config::default());
    /// let mut g = w.reserve_with(2, WaitStrategy::Blocking).unwrap();
    /// g.copy_from_slice(b"ok");
    /// g.commit();
    /// assert_eq!(&*ring_core::bytes::try_recv(&mut rx).unwrap(), b"ok");
    /// ```
    pub fn reserve_with(
        &mut self,
        len: usize,
        strategy: WaitStrategy,
    ) -> Result<ByteGrant<'_, O>, SendTimeoutError> {
        self.reserve_with_check(len, strategy, || false)
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
    /// use ring_core::WaitStrategy;
    /// let (mut w, mut rx) = ring_core::bytes::ring(ring_core::Config::default());
    /// w.send_with(b"x", WaitStrategy::Yielding).unwrap();
    /// assert_eq!(&*ring_core::bytes::try_recv(&mut rx).unwrap(), b"x");
    /// ```
    pub fn send_with(
        &mut self,
        record: &[u8],
        strategy: WaitStrategy,
    ) -> Result<(), SendTimeoutError> {
        self.send_with_check(record, strategy, || false)
    }

    /// Copies `record` into the ring, waiting per `strategy` for room, with
    /// the extra close check of [`reserve_with_check`](Self::reserve_with_check).
    ///
    /// # Errors
    ///
    /// As [`reserve_with_check`](Self::reserve_with_check).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{WaitStrategy, bytes::SendTimeoutError};
    /// let (mut w, _rx) = ring_core::bytes::ring(ring_core::Config::default());
    /// let r = w.send_with_check(b"x", WaitStrategy::Blocking, || true);
    /// assert_eq!(r, Err(SendTimeoutError::Closed));
    /// ```
    pub fn send_with_check(
        &mut self,
        record: &[u8],
        strategy: WaitStrategy,
        closed: impl Fn() -> bool,
    ) -> Result<(), SendTimeoutError> {
        let mut g = self.reserve_with_check(record.len(), strategy, closed)?;
        g.copy_from_slice(record);
        g.commit();
        Ok(())
    }
}

/// Room for one record, reserved in the ring: derefs mutably to exactly the
/// record's `len` bytes (contiguous, in place). [`commit`](Self::commit)
/// publishes the record, [`commit_len`](Self::commit_len) a shorter one;
/// dropping the grant publishes nothing. It borrows the writer mutably, so
/// there is one grant at a time.
///
/// ```compile_fail
/// let (mut w, _rx) = ring_core::bytes::ring(ring_core::Config::default());
/// let a = w.try_reserve(1).unwrap();
/// let b = w.try_reserve(1).unwrap(); // one grant at a time
/// drop((a, b));
/// ```
pub struct ByteGrant<'a, O: Observer = ()> {
    writer: &'a mut ByteWriter<O>,
    plan: Plan,
    ptr: *mut u8,
}

impl<O: Observer> fmt::Debug for ByteGrant<'_, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ByteGrant({} bytes)", self.plan.len())
    }
}

impl<O: Observer> Deref for ByteGrant<'_, O> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: `ptr` addresses the record's `len` payload bytes: reserved for this
        // grant (vacant, contiguous, inside the slot array: `frame::plan`), owned by
        // the producer until published, and initialised (zeroed by the writer's
        // first reserve, or written since); `&self` keeps them borrowed.
        unsafe { slice::from_raw_parts(self.ptr, self.plan.len()) }
    }
}

impl<O: Observer> DerefMut for ByteGrant<'_, O> {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `deref`; `&mut self` makes the borrow exclusive.
        unsafe { slice::from_raw_parts_mut(self.ptr, self.plan.len()) }
    }
}

impl<O: Observer> ByteGrant<'_, O> {
    /// Publishes the whole record (all `len` bytes).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut w, mut rx) = ring_core::bytes::ring(ring_core::Config::default());
    /// let mut g = w.try_reserve(3).unwrap();
    /// g.copy_from_slice(b"abc");
    /// g.commit();
    /// assert_eq!(&*ring_core::bytes::try_recv(&mut rx).unwrap(), b"abc");
    /// ```
    pub fn commit(self) {
        let n = self.plan.len();
        self.commit_len(n);
    }

    /// Publishes the first `n` bytes as the record (the rest of the room is
    /// given back).
    ///
    /// # Panics
    ///
    /// If `n` exceeds the reserved length (nothing is published).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut w, mut rx) = ring_core::bytes::ring(ring_core::Config::default());
    /// let mut g = w.try_reserve(64).unwrap();
    /// let n = {
    ///     use std::io::Write;
    ///     let mut buf = &mut g[..];
    ///     write!(buf, "id={}", 42).unwrap();
    ///     64 - buf.len()
    /// };
    /// g.commit_len(n);
    /// assert_eq!(&*ring_core::bytes::try_recv(&mut rx).unwrap(), b"id=42");
    /// ```
    pub fn commit_len(self, n: usize) {
        let ring = &mut self.writer.ring;
        let pos = ring
            .raw
            .tail()
            .wrapping_add((self.plan.payload() - frame::HEADER) as u64);
        ring.observer.before_commit(pos, 1);
        // SAFETY: the plan was made by `poll` for this tail and capacity, with
        // `need() <=` the free count, and nothing was published since (the grant
        // borrows the writer); `publish` asserts `n <= len`; every byte of the ring is
        // initialised (zeroed at the first reserve, written since).
        unsafe { frame::publish(&mut ring.raw, self.plan, n) };
        // The observer, and the high watermark (counted in bytes).
        ring.committed(pos, 1);
    }
}
