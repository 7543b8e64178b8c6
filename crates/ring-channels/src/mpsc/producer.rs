//! The MPSC producer: one dedicated SPSC ring; a clone registers a new one.

use super::*;

// ------------------------------------------------------------------ Producer

/// A sending end of an MPSC channel: one dedicated SPSC ring. `Send` (when
/// `T: Send`), not `Sync`; `Clone` registers a new ring.
///
/// Dropping it closes its ring: the consumer still receives everything it
/// committed, then reclaims the ring. Dropping the last producer closes the
/// channel.
///
/// ```compile_fail
/// fn share<T: Sync>(_: &T) {}
/// let (tx, _rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
/// share(&tx); // a handle is one thread's end: clone it instead
/// ```
pub struct Producer<T, O: Observer = ()> {
    // Dropped first: see `Registration`.
    pub(crate) chan: Registration<T, O>,
    pub(crate) ring: spsc::Producer<T, O>,
}

debug_handle!(impl[T, O: Observer] Producer<T, O>, "mpsc::Producer", ring = |p| p.ring);

clone_by_try_clone! {
    /// Registers a new producer with its own ring.
    ///
    /// # Panics
    ///
    /// If the memory seam cannot provide the ring (heap exhaustion aborts,
    /// like `Vec`); use [`try_clone`](Producer::try_clone) to handle it.
    impl[T, O: Observer] Producer<T, O>, |e| ring_core::builder::build_failed(e)
}

impl<T, O: Observer> Producer<T, O> {
    /// Registers a new producer with its own ring.
    ///
    /// A clone of a closed channel is a producer whose sends return `Closed`.
    ///
    /// # Errors
    ///
    /// [`BuildError`] when the memory seam cannot provide the ring.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// let mut tx2 = tx.try_clone()?;
    /// tx2.try_send(2).unwrap();
    /// assert_eq!(rx.producer_count(), 2);
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn try_clone(&self) -> Result<Self, BuildError> {
        Chan::register(&self.chan, self.ring.observer().clone())
    }

    /// Sends without blocking.
    ///
    /// # Errors
    ///
    /// `Closed(v)` if the channel or this ring is closed (it wins over
    /// `Full`), `Full(v)` if this producer's ring is full.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, TrySendError};
    /// let (mut tx, rx) = ring_channels::mpsc::channel::<u8>(Config::default().with_ring_bits(1));
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    /// drop(rx);
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
    /// ```
    #[inline]
    pub fn try_send(&mut self, value: T) -> Result<(), TrySendError<T>> {
        if self.chan.is_closed() {
            return Err(TrySendError::Closed(value));
        }
        self.ring.try_send(value)
    }

    /// Sends as many of `items` as fit now; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default().with_ring_bits(2));
    /// assert_eq!(tx.send_slice(&[1, 2, 3, 4, 5]), 4);
    /// assert_eq!(rx.consume_count(), 4);
    /// ```
    pub fn send_slice(&mut self, items: &[T]) -> usize
    where
        T: Copy,
    {
        if self.chan.is_closed() {
            return 0;
        }
        self.ring.send_slice(items)
    }

    /// Reserves up to `n` contiguous free slots of this producer's ring for
    /// zero-copy writing; `None` when full, closed or `n == 0`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u32>(ring_core::Config::default());
    /// let r = tx.reserve(3).unwrap();
    /// assert_eq!(r.fill_with(|i| i as u32), 3);
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0, 1, 2]);
    /// ```
    pub fn reserve(&mut self, n: usize) -> Option<Reservation<'_, T, O>> {
        if self.chan.is_closed() {
            return None;
        }
        self.ring.reserve(n)
    }

    // Waits on this producer's doorbell (the channel's shared producer
    // bell) and re-checks the channel's closed flag on every wake-up, so a
    // `Closer` or another producer's close ends it at once.
    reserve_with!("mpsc", |p| p.ring.is_full());

    /// Closes the whole channel (idempotent): every producer's next send gets
    /// `Closed`; the consumer receives everything committed, then `Closed`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// let mut tx2 = tx.clone();
    /// tx.try_send(1).unwrap();
    /// tx.close();
    /// assert!(tx2.try_send(2).is_err());
    /// assert_eq!(rx.recv(), Ok(1));
    /// assert!(rx.recv().is_err());
    /// ```
    pub fn close(&mut self) {
        self.chan.close();
        self.ring.close();
    }

    /// True once the channel (or this ring) is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// assert!(!tx.is_closed());
    /// drop(rx); // the last consumer closes the channel
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed() || self.ring.is_closed()
    }

    ring_status! { ring => tx of "mpsc", ring "this producer's ring" in slots,
    send "tx.try_send(1).unwrap()";
    fill above_high_watermark capacity len is_empty is_full available observer }
}

impl<T, O: Observer> Waitable for Producer<T, O> {
    fn doorbell(&self) -> DoorbellRef<'_> {
        Waitable::doorbell(&self.ring)
    }
    fn timed(&self) -> bool {
        Waitable::timed(&self.ring)
    }
    fn on_spin(&self) {
        Waitable::on_spin(&self.ring);
    }
    fn on_wait(&self) {
        Waitable::on_wait(&self.ring);
    }
    fn on_wake(&self, slept: Duration) {
        Waitable::on_wake(&self.ring, slept);
    }
}
