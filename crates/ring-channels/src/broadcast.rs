//! Broadcast: one publisher, any number of subscribers, and every subscriber
//! receives every item (market-data and event fan-out), on `ring-core`'s
//! broadcast ring ([`ring_core::broadcast`]).
//!
//! One ring, one write per item, each subscriber at its own cursor; a
//! subscriber reads the item in place and clones it out (`T: Clone`), and
//! the value is dropped once, after every subscriber has read or skipped it
//! (when the publisher reuses its slot, or when the channel goes).
//!
//! - [`Overflow::Block`]: the publisher waits (per its wait strategy) for
//!   the slowest subscriber; nothing is ever lost, and a subscriber is at
//!   most `config.capacity()` items behind.
//! - [`Overflow::Overwrite`]: the publisher never waits; a subscriber more
//!   than a ring behind gets [`TryRecvError::Lagged(n)`](TryRecvError::Lagged)
//!   (exactly `n` items lost) and then the oldest item still retained. The
//!   publisher may spin for the duration of one `T::clone` that a
//!   subscriber is running in the slot it reuses: no value is ever
//!   overwritten while it is being cloned.
//!
//! Subscribers sleep on one doorbell for the ring: a publish reads one
//! waiter word and wakes only if someone sleeps; an idle subscriber costs no
//! CPU. `Publisher::subscribe` starts at the next item published, a
//! subscriber's `clone` at the clone source's position; dropping a
//! subscriber stops it from holding the publisher back at once, and
//! dropping the last one closes the channel.
//!
//! **Lag and the blocking receives**: `try_recv`, `recv`, `recv_timeout`
//! and `recv_with` report each gap as `Lagged(n)`, at once (a blocking
//! receive does not wait after a lag; the next call returns the oldest
//! retained item), as tokio's broadcast does. The iterators (`try_iter`,
//! `iter`, `for x in subscriber`) and the generic endpoint traits (event
//! loops, async adapters) yield items only and skip the gaps; every gap,
//! reported or skipped, is added to [`Subscriber::lagged`], and reported
//! to the observer's `on_lagged(n)`.
//!
//! **Watermarks** (`Builder::watermarks(low, high)`): the fill of a
//! broadcast channel is what the slowest live subscriber has not read (at
//! most the capacity under `Overwrite`), `fill()` on either end. The
//! publisher reports `High`; a subscriber reports `Low` when, after it
//! advances (or finds nothing new, or is dropped), its own lag is at most
//! `low` and the channel is above its high watermark: it then scans the
//! live cursors for the slowest one. So a subscriber that keeps up pays
//! that scan on each receive while a slow one holds the channel above its
//! high watermark, and one compare otherwise (details:
//! [`ring_core::broadcast::ring_with_watermarks`]).
//!
//! # Threading model
//!
//! [`Publisher`] and [`Subscriber`] are `Send` when `T: Send + Sync`
//! (subscribers on several threads clone one value through `&T` at the same
//! time, which needs `T: Sync`), never `Sync`. The publisher is not `Clone`
//! (one per channel); a subscriber is.
//!
//! ```compile_fail
//! use ring_channels::broadcast::{self, Overflow};
//! fn share<T: Sync>(_: &T) {}
//! let (_tx, rx) = broadcast::channel::<u8>(ring_core::Config::default(), Overflow::Block);
//! share(&rx); // clone the subscriber instead
//! ```
//!
//! ```compile_fail
//! use ring_channels::broadcast::{self, Overflow};
//! let (tx, _rx) = broadcast::channel::<u8>(ring_core::Config::default(), Overflow::Block);
//! let second = tx.clone(); // one publisher per channel
//! ```
//!
//! # Examples
//!
//! ```
//! use ring_channels::broadcast::{self, Overflow};
//! use ring_core::Config;
//!
//! let (mut tx, rx) = broadcast::channel::<u64>(Config::LOW_LATENCY, Overflow::Block);
//! let readers: Vec<_> = (0..3)
//!     .map(|_| {
//!         let rx = rx.clone();
//!         std::thread::spawn(move || rx.into_iter().sum::<u64>())
//!     })
//!     .collect();
//! drop(rx);
//! for i in 0..10_000 {
//!     tx.send(i).unwrap();
//! }
//! drop(tx); // closes: every reader drains, then its iterator ends
//! for r in readers {
//!     assert_eq!(r.join().unwrap(), (0..10_000).sum()); // each saw every item
//! }
//! ```

use core::fmt;
use core::time::Duration;

use ring_core::broadcast as core_ring;
use ring_core::builder::Parts;
use ring_core::lifecycle::Lifecycle;
use ring_core::spsc::BuildError;
use ring_core::sync::Arc;
use ring_core::wait::{self, Closer, DoorbellRef, TimedOut, Waitable};
use ring_core::{Config, Heap, Observer, RingMemory, TrySendError, WaitStrategy};

pub use ring_core::broadcast::{Overflow, RecvError, RecvTimeoutError, TryRecvError};

use crate::TooManyConsumers;

/// Creates a broadcast channel of `config.capacity()` slots, for up to
/// `config.max_consumers()` subscribers at a time, with the given overflow
/// policy; returns the publisher and a first subscriber.
///
/// # Panics
///
/// If `capacity * size_of::<T>()` overflows the address space.
///
/// # Examples
///
/// ```
/// use ring_channels::broadcast::{self, Overflow};
/// let (mut tx, mut rx) = broadcast::channel::<u8>(ring_core::Config::default(), Overflow::Overwrite);
/// tx.try_send(1).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub fn channel<T: Clone>(config: Config, overflow: Overflow) -> Channel<T> {
    Builder::new(config)
        .options(overflow)
        .build()
        .unwrap_or_else(|e| ring_core::builder::build_failed(e))
}

/// The two ends of a broadcast channel, as returned by [`Builder::build`].
pub type Channel<T, O = ()> = (Publisher<T, O>, Subscriber<T, O>);

/// Builds a broadcast channel with a chosen overflow policy (`options`;
/// `Block` by default), memory seam and observer.
///
/// Subscribers call the observer concurrently: give it one that counts
/// from several threads (ring-metrics' `Metrics::shared`).
///
/// # Examples
///
/// ```
/// use ring_channels::broadcast::{Builder, Overflow};
/// use ring_core::{Config, Heap};
///
/// let (mut tx, mut rx) = Builder::new(Config::default())
///     .options(Overflow::Overwrite)
///     .memory(Heap)
///     .build::<u32>()?;
/// assert_eq!(tx.overflow(), Overflow::Overwrite);
/// tx.try_send(1).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// # Ok::<(), ring_core::spsc::BuildError>(())
/// ```
pub type Builder<M = Heap, O = ()> = ring_core::builder::Builder<Broadcast, M, O>;

/// The broadcast family for the one [`Builder`](ring_core::builder::Builder):
/// its option, the overflow policy (`Builder::options(Overflow::..)`).
#[derive(Debug, Default, Clone, Copy)]
pub struct Broadcast {
    overflow: Overflow,
}

impl From<Overflow> for Broadcast {
    fn from(overflow: Overflow) -> Self {
        Broadcast { overflow }
    }
}

impl<M: RingMemory> ring_core::builder::BuildChannel<M> for Broadcast {
    type Channel<T, O: Observer> = Channel<T, O>;

    fn build_channel<T, O: Observer>(self, p: Parts<M, O>) -> Result<Channel<T, O>, BuildError> {
        let (tx, rx) = core_ring::ring_with_watermarks(
            p.config.capacity(),
            p.config.max_consumers(),
            self.overflow,
            p.memory,
            p.observer,
            p.watermarks,
        )?;
        Ok((Publisher { inner: tx }, Subscriber::new(rx)))
    }
}

/// Methods a family handle takes unchanged from its ring-core handle
/// (`self.inner`), which documents each with an example: the ring's state,
/// which every handle has, and the methods listed.
macro_rules! from_core {
    ($core:literal; $(fn $name:ident(&self) -> $ret:ty;)*) => {
        from_core! {
            @each $core;
            fn is_closed(&self) -> bool;
            fn len(&self) -> usize;
            fn is_empty(&self) -> bool;
            fn capacity(&self) -> usize;
            fn overflow(&self) -> Overflow;
            fn observer(&self) -> &O;
            fn fill(&self) -> f64;
            fn above_high_watermark(&self) -> bool;
            $(fn $name(&self) -> $ret;)*
        }
    };
    (@each $core:literal; $(fn $name:ident(&self) -> $ret:ty;)*) => {
        forward! {
            inner => $(
                #[doc = concat!(
                    "As [`ring_core::broadcast::", $core, "::", stringify!($name), "`]."
                )]
                #[inline]
                fn $name(&self) -> $ret;
            )*
        }
    };
}

/// A family handle sleeps where its ring-core handle does, with the same
/// observer hooks.
macro_rules! waitable_from_core {
    ($handle:ident) => {
        impl<T, O: Observer> Waitable for $handle<T, O> {
            fn doorbell(&self) -> DoorbellRef<'_> {
                self.inner.doorbell()
            }
            fn timed(&self) -> bool {
                self.inner.timed()
            }
            fn on_spin(&self) {
                self.inner.on_spin();
            }
            fn on_wait(&self) {
                self.inner.on_wait();
            }
            fn on_wake(&self, slept: Duration) {
                self.inner.on_wake(slept);
            }
        }
    };
}

// ----------------------------------------------------------------- Publisher

/// The publishing end of a broadcast channel. `Send` (when `T: Send +
/// Sync`), not `Sync`, not `Clone`. Dropping it closes the channel
/// (subscribers read what is left, then see `Closed`).
pub struct Publisher<T, O: Observer = ()> {
    inner: core_ring::Publisher<T, O>,
}

impl<T, O: Observer> fmt::Debug for Publisher<T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl<T, O: Observer> Publisher<T, O> {
    /// Publishes `value` to every subscriber without blocking (as
    /// [`ring_core::broadcast::Publisher::try_send`]).
    ///
    /// # Errors
    ///
    /// `Closed(v)` once closed (it wins); `Full(v)` under `Block` while the
    /// slowest subscriber is a ring behind (never under `Overwrite`).
    #[inline]
    pub fn try_send(&mut self, value: T) -> Result<(), TrySendError<T>> {
        self.inner.try_send(value)
    }

    /// A new subscriber that receives every item published from now on.
    ///
    /// # Panics
    ///
    /// If the channel already has `max_consumers` subscribers (a bound
    /// fixed in the [`Config`]); use [`try_subscribe`](Self::try_subscribe)
    /// when the count comes from outside.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::broadcast::{self, Overflow};
    /// let (mut tx, _rx) = broadcast::channel::<u8>(ring_core::Config::default(), Overflow::Block);
    /// tx.try_send(1).unwrap();
    /// let mut late = tx.subscribe();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(late.try_recv(), Ok(2));
    /// ```
    pub fn subscribe(&self) -> Subscriber<T, O> {
        self.try_subscribe()
            .unwrap_or_else(|e| panic!("broadcast::Publisher::subscribe: {e}"))
    }

    /// As [`subscribe`](Self::subscribe), unless the channel already has
    /// `max_consumers` subscribers.
    ///
    /// # Errors
    ///
    /// [`TooManyConsumers`] at the bound.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::broadcast::{self, Overflow};
    /// let config = ring_core::Config::default().with_max_consumers(1);
    /// let (tx, rx) = broadcast::channel::<u8>(config, Overflow::Block);
    /// assert_eq!(tx.try_subscribe().unwrap_err().max(), 1);
    /// drop(rx);
    /// assert!(tx.try_subscribe().is_ok());
    /// ```
    pub fn try_subscribe(&self) -> Result<Subscriber<T, O>, TooManyConsumers> {
        self.inner
            .subscribe()
            .map(Subscriber::new)
            .map_err(|max| TooManyConsumers { max })
    }

    /// Closes the channel (as [`ring_core::broadcast::Publisher::close`]).
    pub fn close(&mut self) {
        self.inner.close();
    }

    /// Items that can be sent now without waiting: the capacity minus
    /// [`len`](Self::len) under `Block`, the capacity under `Overwrite`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::broadcast::{self, Overflow};
    /// let config = ring_core::Config::default().with_ring_bits(2);
    /// let (mut tx, _rx) = broadcast::channel::<u8>(config, Overflow::Block);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.available(), 3);
    /// ```
    pub fn available(&self) -> usize {
        match self.inner.overflow() {
            Overflow::Block => self.capacity() - self.len(),
            Overflow::Overwrite => self.capacity(),
        }
    }

    from_core! {
        "Publisher";
        fn is_full(&self) -> bool;
        fn subscriber_count(&self) -> usize;
    }
}

waitable_from_core!(Publisher);

// `send`, `send_timeout`, `send_with` and `SendEndpoint`, written once in
// ring-core (`ring_core::endpoint`) for every family.
ring_core::producer_api!(impl[T, O: Observer] Publisher<T, O> => T);

// ---------------------------------------------------------------- Subscriber

/// A subscribing end of a broadcast channel. `Send` (when `T: Send +
/// Sync`), not `Sync`; `Clone` adds a subscriber at this one's position (up
/// to `max_consumers`, see [`try_clone`](Subscriber::try_clone)). Dropping
/// the last subscriber closes the channel.
pub struct Subscriber<T, O: Observer = ()> {
    inner: core_ring::Subscriber<T, O>,
    /// The channel's lifecycle (for the notifier API).
    life: Arc<Lifecycle>,
    /// Items lost to lag so far.
    lagged: u64,
}

impl<T, O: Observer> fmt::Debug for Subscriber<T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl<T, O: Observer> Clone for Subscriber<T, O> {
    /// Adds a subscriber that starts at this one's position.
    ///
    /// # Panics
    ///
    /// If the channel already has `max_consumers` subscribers; use
    /// [`try_clone`](Subscriber::try_clone) when the count comes from outside.
    fn clone(&self) -> Self {
        self.try_clone()
            .unwrap_or_else(|e| panic!("broadcast::Subscriber::clone: {e}"))
    }
}

impl<T, O: Observer> Subscriber<T, O> {
    fn new(inner: core_ring::Subscriber<T, O>) -> Self {
        Subscriber {
            life: inner.lifecycle().clone(),
            inner,
            lagged: 0,
        }
    }

    /// Adds a subscriber that starts at this one's position (it receives
    /// what this one has not received yet), unless the channel already has
    /// `max_consumers` subscribers.
    ///
    /// # Errors
    ///
    /// [`TooManyConsumers`] at the bound.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::broadcast::{self, Overflow};
    /// let config = ring_core::Config::default().with_max_consumers(2);
    /// let (mut tx, mut rx) = broadcast::channel::<u8>(config, Overflow::Block);
    /// tx.try_send(1).unwrap();
    /// let mut rx2 = rx.try_clone().unwrap();
    /// assert!(rx.try_clone().is_err());
    /// assert_eq!((rx.try_recv(), rx2.try_recv()), (Ok(1), Ok(1)));
    /// ```
    pub fn try_clone(&self) -> Result<Self, TooManyConsumers> {
        self.inner
            .try_clone()
            .map(Subscriber::new)
            .map_err(|max| TooManyConsumers { max })
    }

    /// Receives the next item (a clone) without blocking (as
    /// [`ring_core::broadcast::Subscriber::try_recv`]); a lag is also added
    /// to [`lagged`](Self::lagged).
    ///
    /// # Errors
    ///
    /// `Empty`; `Closed` once closed and read to the end; `Lagged(n)`
    /// (`Overwrite` only): `n` items were lost, the next receive returns the
    /// oldest retained one.
    #[inline]
    pub fn try_recv(&mut self) -> Result<T, TryRecvError>
    where
        T: Clone,
    {
        let r = self.inner.try_recv();
        if let Err(TryRecvError::Lagged(n)) = r {
            self.lagged += n;
        }
        r
    }

    /// Receives, blocking while there is nothing new; a lag is reported at
    /// once.
    ///
    /// # Errors
    ///
    /// `Closed` once closed and read to the end; `Lagged(n)` as in
    /// [`try_recv`](Self::try_recv).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::broadcast::{self, Overflow, RecvError};
    /// let (mut tx, mut rx) = broadcast::channel::<u8>(ring_core::Config::default(), Overflow::Block);
    /// std::thread::spawn(move || tx.send(7).unwrap());
    /// assert_eq!(rx.recv(), Ok(7));
    /// assert_eq!(rx.recv(), Err(RecvError::Closed)); // the publisher is gone
    /// ```
    pub fn recv(&mut self) -> Result<T, RecvError>
    where
        T: Clone,
    {
        match self.recv_with(WaitStrategy::Blocking) {
            Ok(v) => Ok(v),
            Err(RecvTimeoutError::Lagged(n)) => Err(RecvError::Lagged(n)),
            // `Blocking` has no deadline: only `Closed` is left.
            Err(_) => Err(RecvError::Closed),
        }
    }

    /// Receives, blocking at most `timeout` while there is nothing new.
    ///
    /// # Errors
    ///
    /// `Timeout`, `Closed`, or `Lagged(n)` as in [`try_recv`](Self::try_recv).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::broadcast::{self, Overflow, RecvTimeoutError};
    /// use std::time::Duration;
    /// let (_tx, mut rx) = broadcast::channel::<u8>(ring_core::Config::default(), Overflow::Block);
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Timeout));
    /// ```
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<T, RecvTimeoutError>
    where
        T: Clone,
    {
        self.recv_with(WaitStrategy::TimedBlocking(timeout))
    }

    /// Receives, waiting per `strategy` (the shared driver,
    /// [`ring_core::wait::wait_until`]) while there is nothing new; `Timeout`
    /// only under `TimedBlocking`. Written here rather than taken from
    /// `consumer_api!`: the shared receive reports `Empty`/`Closed` only, and
    /// a broadcast subscriber must also report `Lagged(n)`.
    ///
    /// # Errors
    ///
    /// `Timeout`, `Closed`, or `Lagged(n)` as in [`try_recv`](Self::try_recv).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::broadcast::{self, Overflow, RecvTimeoutError};
    /// use ring_core::WaitStrategy;
    /// let config = ring_core::Config::default().with_ring_bits(1);
    /// let (mut tx, mut rx) = broadcast::channel::<u8>(config, Overflow::Overwrite);
    /// for i in 0..3 {
    ///     tx.try_send(i).unwrap();
    /// }
    /// assert_eq!(rx.recv_with(WaitStrategy::Yielding), Err(RecvTimeoutError::Lagged(1)));
    /// assert_eq!(rx.recv_with(WaitStrategy::Yielding), Ok(1));
    /// ```
    pub fn recv_with(&mut self, strategy: WaitStrategy) -> Result<T, RecvTimeoutError>
    where
        T: Clone,
    {
        let res = wait::wait_until(self, strategy, |s| match s.try_recv() {
            Ok(v) => Some(Ok(v)),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Closed) => Some(Err(RecvTimeoutError::Closed)),
            Err(TryRecvError::Lagged(n)) => Some(Err(RecvTimeoutError::Lagged(n))),
        });
        match res {
            Ok(r) => r,
            Err(TimedOut) => Err(RecvTimeoutError::Timeout),
        }
    }

    /// The items available now, without blocking; gaps are skipped (and
    /// counted in [`lagged`](Self::lagged)).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::broadcast::{self, Overflow};
    /// let config = ring_core::Config::default().with_ring_bits(1);
    /// let (mut tx, mut rx) = broadcast::channel::<u8>(config, Overflow::Overwrite);
    /// for i in 0..5 {
    ///     tx.try_send(i).unwrap();
    /// }
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [3, 4]);
    /// assert_eq!(rx.lagged(), 3);
    /// ```
    pub fn try_iter(&mut self) -> TryIter<'_, T, O>
    where
        T: Clone,
    {
        ring_core::endpoint::TryIter::new(self)
    }

    /// Every item until the channel is closed and read to the end, blocking
    /// while there is nothing new; gaps are skipped (and counted in
    /// [`lagged`](Self::lagged)).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::broadcast::{self, Overflow};
    /// let (mut tx, mut rx) = broadcast::channel::<u8>(ring_core::Config::default(), Overflow::Block);
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.iter().collect::<Vec<_>>(), [1, 2]);
    /// ```
    pub fn iter(&mut self) -> Iter<'_, T, O>
    where
        T: Clone,
    {
        ring_core::endpoint::Iter::new(self)
    }

    /// Items this subscriber lost to lag so far (`Overwrite`): the sum of
    /// every `Lagged(n)`, reported or skipped by an iterator.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::broadcast::{self, Overflow};
    /// let config = ring_core::Config::default().with_ring_bits(1);
    /// let (mut tx, mut rx) = broadcast::channel::<u8>(config, Overflow::Overwrite);
    /// for i in 0..4 {
    ///     tx.try_send(i).unwrap();
    /// }
    /// assert!(rx.try_recv().is_err()); // Lagged(2)
    /// assert_eq!(rx.lagged(), 2);
    /// ```
    pub fn lagged(&self) -> u64 {
        self.lagged
    }

    /// Closes the channel for everyone (as
    /// [`ring_core::broadcast::Subscriber::close`]).
    pub fn close(&mut self) {
        self.inner.close();
    }

    /// Live subscribers now.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::broadcast::{self, Overflow};
    /// let (_tx, rx) = broadcast::channel::<u8>(ring_core::Config::default(), Overflow::Block);
    /// let rx2 = rx.clone();
    /// assert_eq!(rx.subscriber_count(), 2);
    /// drop(rx2);
    /// assert_eq!(rx.subscriber_count(), 1);
    /// ```
    pub fn subscriber_count(&self) -> usize {
        self.life.consumer_count()
    }

    from_core! {
        "Subscriber";
        fn closer(&self) -> Closer;
    }
}

waitable_from_core!(Subscriber);

/// The adapter to the generic endpoint layer (iterators, the blocking
/// driver's users, event loops, async adapters): its receive reports
/// `Empty`/`Closed` only, so a lag is skipped here (and counted in
/// [`Subscriber::lagged`]). This is the one place broadcast departs from
/// `consumer_api!`, whose methods carry the shared error types.
impl<T: Clone, O: Observer> ring_core::endpoint::TryRecv for Subscriber<T, O> {
    type Item = T;
    #[inline]
    fn try_recv(&mut self) -> Result<T, ring_core::TryRecvError> {
        loop {
            match Subscriber::try_recv(self) {
                Ok(v) => return Ok(v),
                Err(TryRecvError::Lagged(_)) => continue,
                Err(TryRecvError::Empty) => return Err(ring_core::TryRecvError::Empty),
                Err(TryRecvError::Closed) => return Err(ring_core::TryRecvError::Closed),
            }
        }
    }
}

impl<T: Clone, O: Observer> ring_core::wait::RecvEndpoint for Subscriber<T, O> {
    fn is_closed(&self) -> bool {
        Subscriber::is_closed(self)
    }
    fn close(&mut self) {
        Subscriber::close(self);
    }
    fn closer(&self) -> Closer
    where
        T: Send + 'static,
    {
        Subscriber::closer(self)
    }
}

impl<T: Clone, O: Observer> IntoIterator for Subscriber<T, O> {
    type Item = T;
    type IntoIter = IntoIter<T, O>;
    fn into_iter(self) -> Self::IntoIter {
        ring_core::endpoint::IntoIter::new(self)
    }
}

impl<'a, T: Clone, O: Observer> IntoIterator for &'a mut Subscriber<T, O> {
    type Item = T;
    type IntoIter = Iter<'a, T, O>;
    fn into_iter(self) -> Self::IntoIter {
        ring_core::endpoint::Iter::new(self)
    }
}

ring_core::notifier_api!(impl[T, O: Observer] Subscriber<T, O>, life);

/// The items available now, without blocking ([`Subscriber::try_iter`]).
pub type TryIter<'a, T, O = ()> = ring_core::endpoint::TryIter<'a, Subscriber<T, O>>;
/// Every item until closed and read to the end ([`Subscriber::iter`]).
pub type Iter<'a, T, O = ()> = ring_core::endpoint::Iter<'a, Subscriber<T, O>>;
/// Every item until closed and read to the end, owning the subscriber.
pub type IntoIter<T, O = ()> = ring_core::endpoint::IntoIter<Subscriber<T, O>>;
