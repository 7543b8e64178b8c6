//! The producer of the claim-ring families (SPMC, MPMC), written once: one
//! `claim::Producer` plus a [`Link`] to its channel, which says what a close,
//! a drop and "every consumer is gone" mean for that family. `spmc::Producer`
//! and `mpmc::Producer` are this type with their link.

use core::time::Duration;

use ring_core::claim::{self, Reservation};
use ring_core::wait::{DoorbellRef, Waitable};
use ring_core::{Observer, SendTimeoutError, Side, TrySendError, WaitStrategy};

/// How a claim-ring producer reaches its channel. Implemented by the SPMC
/// and MPMC families only (sealed).
pub trait Link<T, O: Observer>: sealed::Sealed {
    /// Closes the channel from this producer.
    fn close(&self, inner: &mut claim::Producer<T, O>);
    /// True once every consumer handle is gone.
    fn consumers_gone(&self) -> bool;
    /// This producer handle goes.
    fn on_drop(&self, inner: &mut claim::Producer<T, O>);
}

pub(crate) mod sealed {
    /// Only this crate's families implement [`Link`](super::Link).
    pub trait Sealed {}
}

/// A sending end of a claim-ring channel (see `spmc::Producer` and
/// `mpmc::Producer`). `Send` (when `T: Send`), not `Sync`.
pub struct Producer<T, O: Observer, L: Link<T, O>> {
    pub(crate) inner: claim::Producer<T, O>,
    pub(crate) link: L,
}

debug_handle!(
    impl[T, O: Observer, L: Link<T, O>] Producer<T, O, L>,
    "Producer",
    inner = |p| p.inner
);

impl<T, O: Observer, L: Link<T, O>> Drop for Producer<T, O, L> {
    fn drop(&mut self) {
        self.link.on_drop(&mut self.inner);
    }
}

impl<T, O: Observer, L: Link<T, O>> Producer<T, O, L> {
    /// Sends without blocking.
    ///
    /// # Errors
    ///
    /// `Closed(v)` (wins over `Full`) or `Full(v)`; the value comes back.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, TrySendError};
    /// let (mut tx, _rx) = ring_channels::spmc::channel::<u8>(Config::default().with_ring_bits(1));
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    /// ```
    #[inline]
    pub fn try_send(&mut self, value: T) -> Result<(), TrySendError<T>> {
        match self.inner.try_send(value) {
            Err(TrySendError::Closed(v)) => Err(self.closed(v)),
            r => r,
        }
    }

    /// The cold path of a send that found the channel closed. If every
    /// consumer is gone, an item a send of ours committed while the last one
    /// was draining is dropped now (not when the producer goes).
    #[cold]
    fn closed(&self, v: T) -> TrySendError<T> {
        // `is_closed` on the ring is an Acquire load of its flag, which the
        // last consumer set (Release) after its count went to zero: so when the
        // flag was set that way, `consumers_gone` sees the zero.
        if self.inner.ring().is_closed() && self.link.consumers_gone() {
            self.inner.ring().drop_pending();
        }
        TrySendError::Closed(v)
    }

    /// Sends as many of `items` as fit now; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::spmc::channel::<u8>(ring_core::Config::default().with_ring_bits(2));
    /// assert_eq!(tx.send_slice(&[1, 2, 3, 4, 5]), 4);
    /// assert_eq!(rx.consume_count(), 4);
    /// ```
    pub fn send_slice(&mut self, items: &[T]) -> usize
    where
        T: Copy,
    {
        self.inner.send_slice(items)
    }

    /// Reserves up to `n` contiguous free slots; `None` when full, closed or `n == 0`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::spmc::channel::<u32>(ring_core::Config::default());
    /// assert_eq!(tx.reserve(2).unwrap().fill_from_iter([5, 6]), 2);
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// ```
    pub fn reserve(&mut self, n: usize) -> Option<Reservation<'_, T, O>> {
        self.inner.reserve(n)
    }

    reserve_with!("spmc", |p| p.inner.is_full());

    /// Closes the channel (idempotent): consumers drain, then see `Closed`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::spmc::channel::<u8>(ring_core::Config::default());
    /// tx.try_send(1).unwrap();
    /// tx.close();
    /// assert!(tx.try_send(2).is_err());
    /// assert_eq!(rx.try_recv(), Ok(1)); // consumers drain, then see `Closed`
    /// assert!(rx.try_recv().is_err());
    /// ```
    pub fn close(&mut self) {
        self.link.close(&mut self.inner);
    }

    forward! { inner =>
        /// True once the channel is closed (by either side or every consumer dropping).
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, rx) = ring_channels::spmc::channel::<u8>(ring_core::Config::default());
        /// assert!(!tx.is_closed());
        /// drop(rx); // the last consumer closes the channel
        /// assert!(tx.is_closed());
        /// ```
        fn is_closed(&self) -> bool;
    }

    ring_status! { inner => tx of "spmc", ring "this producer's ring" in slots,
    send "tx.try_send(1).unwrap()";
    fill above_high_watermark capacity len is_empty is_full available }

    /// The channel's observer.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::spmc::Builder;
    /// #[derive(Clone, Debug, PartialEq)]
    /// struct Tag(&'static str);
    /// impl ring_core::Observer for Tag {}
    ///
    /// let (tx, _rx) = Builder::new(ring_core::Config::default()).observer(Tag("orders")).build::<u8>()?;
    /// assert_eq!(tx.observer(), &Tag("orders"));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn observer(&self) -> &O {
        self.inner.ring().observer()
    }
}

impl<T, O: Observer, L: Link<T, O>> Waitable for Producer<T, O, L> {
    fn doorbell(&self) -> DoorbellRef<'_> {
        self.inner.ring().producer_doorbell()
    }
    fn timed(&self) -> bool {
        O::TIMED
    }
    fn on_spin(&self) {
        self.inner.ring().observer().on_reserve_spin();
    }
    fn on_wait(&self) {
        self.inner.ring().observer().on_wait(Side::Producer);
    }
    fn on_wake(&self, slept: Duration) {
        self.inner.ring().observer().on_wake(Side::Producer, slept);
    }
}

// The blocking API and `SendEndpoint`, written once in ring-core.
ring_core::producer_api!(impl[T, O: Observer, L: Link<T, O>] Producer<T, O, L> => T);
ring_core::reserve_api!(impl[T, O: Observer, L: Link<T, O>] Producer<T, O, L> => Reservation<T, O>);
