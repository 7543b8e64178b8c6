//! The endpoint API written once (implementor module): what every channel
//! family gets from its small core instead of writing it again.
//!
//! A family implements the non-blocking core (`try_send` / `try_recv`,
//! `is_closed`, `close`, `closer`) and [`Waitable`] (which doorbell each side
//! sleeps on). Two macros then give its handles the rest of the public API:
//!
//! - [`producer_api!`](crate::producer_api) implements
//!   [`SendEndpoint`] and adds the inherent methods `send`, `send_timeout` and
//!   `send_with`;
//! - [`consumer_api!`](crate::consumer_api) implements [`TryRecv`] and
//!   [`RecvEndpoint`] and adds `recv`, `recv_timeout`, `recv_with`,
//!   `try_iter`, `iter`, and `IntoIterator` for the handle and for `&mut`
//!   the handle.
//!
//! The methods they add call the generic functions of this module ([`send`],
//! [`recv`], ...) and the blocking driver [`wait::wait_until`], so every
//! family blocks, times out and wakes the same way. The iterators
//! ([`TryIter`], [`Iter`], [`IntoIter`]) are generic too.
//!
//! [`Waitable`]: crate::wait::Waitable
//! [`SendEndpoint`]: crate::wait::SendEndpoint
//! [`RecvEndpoint`]: crate::wait::RecvEndpoint
//! [`wait::wait_until`]: crate::wait::wait_until
//!
//! # Examples
//!
//! ```
//! use ring_core::{Config, endpoint, spsc};
//! let (mut tx, mut rx) = spsc::channel::<u32>(Config::default());
//! endpoint::send(&mut tx, 1).unwrap(); // what `tx.send(1)` runs
//! drop(tx);
//! assert_eq!(endpoint::recv(&mut rx), Ok(1));
//! assert!(endpoint::recv(&mut rx).is_err()); // closed and drained
//! ```

use crate::error::TryRecvError;
#[cfg(feature = "std")]
use crate::error::{RecvError, RecvTimeoutError, SendError, SendTimeoutError, TrySendError};
#[cfg(feature = "std")]
use crate::wait::{self, RecvEndpoint, SendEndpoint, WaitStrategy};
use core::fmt;
#[cfg(feature = "std")]
use core::time::Duration;

/// Receiving without blocking: the part of a consumer that the
/// non-blocking iterator needs (also without `std`).
pub trait TryRecv {
    /// The item type.
    type Item;
    /// Receives without blocking.
    ///
    /// # Errors
    ///
    /// `Empty`, or `Closed` once closed and drained.
    fn try_recv(&mut self) -> Result<Self::Item, TryRecvError>;
}

/// Sends, blocking while the channel is full ([`WaitStrategy::Blocking`]:
/// spin, yield, then sleep on the doorbell; zero CPU while it waits).
///
/// # Errors
///
/// [`SendError`] with the value once the receiving side is gone or closed.
///
/// # Examples
///
/// ```
/// use ring_core::{Config, endpoint, spsc};
/// let (mut tx, rx) = spsc::channel::<u32>(Config::default());
/// assert_eq!(endpoint::send(&mut tx, 1), Ok(()));
/// drop(rx);
/// assert_eq!(endpoint::send(&mut tx, 2).unwrap_err().into_inner(), 2);
/// ```
#[cfg(feature = "std")]
#[inline]
pub fn send<E: SendEndpoint + ?Sized>(
    ep: &mut E,
    value: E::Item,
) -> Result<(), SendError<E::Item>> {
    match ep.try_send(value) {
        Ok(()) => Ok(()),
        Err(TrySendError::Closed(v)) => Err(SendError(v)),
        Err(TrySendError::Full(v)) => {
            wait::send_with(ep, v, WaitStrategy::Blocking).map_err(|e| SendError(e.into_inner()))
        }
    }
}

/// Sends, blocking at most `timeout` while the channel is full.
///
/// # Errors
///
/// `Timeout(v)` or `Closed(v)`, giving the value back.
///
/// # Examples
///
/// ```
/// use ring_core::{Config, SendTimeoutError, endpoint, spsc};
/// use std::time::Duration;
/// let (mut tx, _rx) = spsc::channel::<u32>(Config::default().with_ring_bits(1));
/// tx.send_slice(&[1, 2]); // full
/// let r = endpoint::send_timeout(&mut tx, 3, Duration::from_millis(1));
/// assert_eq!(r, Err(SendTimeoutError::Timeout(3)));
/// ```
#[cfg(feature = "std")]
pub fn send_timeout<E: SendEndpoint + ?Sized>(
    ep: &mut E,
    value: E::Item,
    timeout: Duration,
) -> Result<(), SendTimeoutError<E::Item>> {
    wait::send_with(ep, value, WaitStrategy::TimedBlocking(timeout))
}

/// Zero-copy reservation through any producer that has it (SPSC, MPSC,
/// SPMC, MPMC): what `reserve_with` and the async `reserve_async` are
/// written over. A family implements it by naming its reservation type.
///
/// # Examples
///
/// ```
/// use ring_core::{Config, endpoint::Reserve, spsc};
/// let (mut tx, mut rx) = spsc::channel::<u32>(Config::default().with_ring_bits(1));
/// assert!(tx.has_room());
/// let r = Reserve::reserve_now(&mut tx, 2).unwrap();
/// assert_eq!(r.copy_from_slice(&[1, 2]), 2);
/// assert!(!tx.has_room());
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
#[cfg(feature = "std")]
pub trait Reserve: SendEndpoint {
    /// The family's reservation, borrowing the producer.
    type Reservation<'a>
    where
        Self: 'a;
    /// At least one slot is free (room only grows while the one producer of
    /// a ring holds `&mut self`).
    fn has_room(&self) -> bool;
    /// Up to `n` contiguous free slots; `None` when full or closed (the
    /// family's `reserve`).
    fn reserve_now(&mut self, n: usize) -> Option<Self::Reservation<'_>>;
}

/// Waits per `strategy` until the producer `ep` has room (`full` says it has
/// none) or the channel is closed: what every family's `reserve_with` does
/// before it reserves. Polls `is_closed` on every wake-up, so a close by any
/// route (which rings the producer's doorbell) ends the wait at once.
///
/// # Errors
///
/// `Closed(())` once the channel is closed, `Timeout(())` when a
/// `TimedBlocking` strategy runs out.
///
/// # Examples
///
/// ```
/// use ring_core::{Config, SendTimeoutError, WaitStrategy, endpoint, spsc};
/// use std::time::Duration;
/// let (mut tx, rx) = spsc::channel::<u32>(Config::default().with_ring_bits(1));
/// assert_eq!(endpoint::wait_for_room(&mut tx, WaitStrategy::Blocking, |p| p.is_full()), Ok(()));
/// tx.send_slice(&[1, 2]); // full
/// let brief = WaitStrategy::TimedBlocking(Duration::from_millis(1));
/// assert_eq!(endpoint::wait_for_room(&mut tx, brief, |p| p.is_full()), Err(SendTimeoutError::Timeout(())));
/// drop(rx);
/// assert_eq!(endpoint::wait_for_room(&mut tx, brief, |p| p.is_full()), Err(SendTimeoutError::Closed(())));
/// ```
#[cfg(feature = "std")]
pub fn wait_for_room<E: SendEndpoint + ?Sized>(
    ep: &mut E,
    strategy: WaitStrategy,
    full: impl Fn(&E) -> bool,
) -> Result<(), SendTimeoutError<()>> {
    let res = wait::wait_until(ep, strategy, |p| {
        if p.is_closed() {
            Some(false)
        } else if full(p) {
            None
        } else {
            Some(true)
        }
    });
    match res {
        Ok(true) => Ok(()),
        Ok(false) => Err(SendTimeoutError::Closed(())),
        Err(wait::TimedOut) => Err(SendTimeoutError::Timeout(())),
    }
}

/// Receives, blocking while the channel is empty; every committed item is
/// returned before `Closed` is reported.
///
/// # Errors
///
/// [`RecvError`] once the channel is closed and drained.
///
/// # Examples
///
/// ```
/// use ring_core::{Config, RecvError, endpoint, spsc};
/// let (mut tx, mut rx) = spsc::channel::<u32>(Config::default());
/// tx.try_send(1).unwrap();
/// drop(tx);
/// assert_eq!(endpoint::recv(&mut rx), Ok(1));
/// assert_eq!(endpoint::recv(&mut rx), Err(RecvError));
/// ```
#[cfg(feature = "std")]
#[inline]
pub fn recv<E: RecvEndpoint + ?Sized>(ep: &mut E) -> Result<E::Item, RecvError> {
    match ep.try_recv() {
        Ok(v) => Ok(v),
        Err(TryRecvError::Closed) => Err(RecvError),
        Err(TryRecvError::Empty) => {
            wait::recv_with(ep, WaitStrategy::Blocking).map_err(|_| RecvError)
        }
    }
}

/// Receives, blocking at most `timeout` while the channel is empty.
///
/// # Errors
///
/// `Timeout`, or `Closed` once closed and drained.
///
/// # Examples
///
/// ```
/// use ring_core::{Config, RecvTimeoutError, endpoint, spsc};
/// use std::time::Duration;
/// let (_tx, mut rx) = spsc::channel::<u32>(Config::default());
/// let r = endpoint::recv_timeout(&mut rx, Duration::from_millis(1));
/// assert_eq!(r, Err(RecvTimeoutError::Timeout));
/// ```
#[cfg(feature = "std")]
pub fn recv_timeout<E: RecvEndpoint + ?Sized>(
    ep: &mut E,
    timeout: Duration,
) -> Result<E::Item, RecvTimeoutError> {
    wait::recv_with(ep, WaitStrategy::TimedBlocking(timeout))
}

/// The items available now, without blocking (a consumer's `try_iter`).
pub struct TryIter<'a, C: ?Sized> {
    rx: &'a mut C,
}

impl<'a, C: ?Sized> TryIter<'a, C> {
    /// Iterates over what `rx` holds now.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, endpoint::TryIter, spsc};
    /// let (mut tx, mut rx) = spsc::channel::<u32>(Config::default());
    /// tx.send_slice(&[1, 2]);
    /// assert_eq!(TryIter::new(&mut rx).collect::<Vec<_>>(), [1, 2]);
    /// ```
    pub fn new(rx: &'a mut C) -> Self {
        Self { rx }
    }
}

impl<C: ?Sized> fmt::Debug for TryIter<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TryIter")
    }
}

impl<C: TryRecv + ?Sized> Iterator for TryIter<'_, C> {
    type Item = C::Item;
    fn next(&mut self) -> Option<C::Item> {
        self.rx.try_recv().ok()
    }
}

/// Every item until the channel is closed and drained, blocking while it is
/// empty (a consumer's `iter`, and `for x in &mut consumer`).
#[cfg(feature = "std")]
pub struct Iter<'a, C: ?Sized> {
    rx: &'a mut C,
}

#[cfg(feature = "std")]
impl<'a, C: ?Sized> Iter<'a, C> {
    /// Iterates over `rx` until it is closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, endpoint::Iter, spsc};
    /// let (mut tx, mut rx) = spsc::channel::<u32>(Config::default());
    /// tx.send_slice(&[1, 2]);
    /// drop(tx);
    /// assert_eq!(Iter::new(&mut rx).sum::<u32>(), 3);
    /// ```
    pub fn new(rx: &'a mut C) -> Self {
        Self { rx }
    }
}

#[cfg(feature = "std")]
impl<C: ?Sized> fmt::Debug for Iter<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Iter")
    }
}

#[cfg(feature = "std")]
impl<C: RecvEndpoint + ?Sized> Iterator for Iter<'_, C> {
    type Item = C::Item;
    fn next(&mut self) -> Option<C::Item> {
        recv(self.rx).ok()
    }
}

/// Every item until the channel is closed and drained, owning the consumer
/// (`for x in consumer`).
#[cfg(feature = "std")]
pub struct IntoIter<C> {
    rx: C,
}

#[cfg(feature = "std")]
impl<C> IntoIter<C> {
    /// Iterates over `rx`, which it owns, until it is closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, endpoint::IntoIter, spsc};
    /// let (mut tx, rx) = spsc::channel::<u32>(Config::default());
    /// tx.send_slice(&[1, 2]);
    /// drop(tx);
    /// assert_eq!(IntoIter::new(rx).count(), 2);
    /// ```
    pub fn new(rx: C) -> Self {
        Self { rx }
    }
}

#[cfg(feature = "std")]
impl<C> fmt::Debug for IntoIter<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IntoIter")
    }
}

#[cfg(feature = "std")]
impl<C: RecvEndpoint> Iterator for IntoIter<C> {
    type Item = C::Item;
    fn next(&mut self) -> Option<C::Item> {
        recv(&mut self.rx).ok()
    }
}

/// Implements [`Reserve`] for a producer from its inherent `reserve` and
/// `is_full`: `ring_core::reserve_api!(impl[T, O: Observer] Producer<T, O> => Reservation<T, O>);`
/// (the reservation type is named without its lifetime).
#[cfg(feature = "std")]
#[macro_export]
macro_rules! reserve_api {
    (impl[$($g:tt)*] $ty:ty => $res:ident<$($a:ty),*>) => {
        impl<$($g)*> $crate::endpoint::Reserve for $ty {
            type Reservation<'a>
                = $res<'a, $($a),*>
            where
                Self: 'a;
            fn has_room(&self) -> bool {
                !<$ty>::is_full(self)
            }
            fn reserve_now(&mut self, n: usize) -> ::core::option::Option<$res<'_, $($a),*>> {
                <$ty>::reserve(self, n)
            }
        }
    };
}

/// Gives a producer handle the blocking half of the public API: implements
/// [`SendEndpoint`](crate::wait::SendEndpoint) over its inherent `try_send`,
/// `is_closed` and `close`, and adds the inherent methods `send`,
/// `send_timeout` and `send_with`. The handle implements
/// [`Waitable`](crate::wait::Waitable) itself (which doorbell it sleeps on).
///
/// `ring_core::producer_api!(impl[T, O: Observer] Producer<T, O> => T);`
#[macro_export]
macro_rules! producer_api {
    (impl[$($g:tt)*] $ty:ty => $item:ty) => {
        impl<$($g)*> $crate::wait::SendEndpoint for $ty {
            type Item = $item;
            #[inline]
            fn try_send(&mut self, value: $item) -> ::core::result::Result<(), $crate::TrySendError<$item>> {
                <$ty>::try_send(self, value)
            }
            fn is_closed(&self) -> bool {
                <$ty>::is_closed(self)
            }
            fn close(&mut self) {
                <$ty>::close(self)
            }
        }

        impl<$($g)*> $ty {
            /// Sends, blocking while the ring is full (`WaitStrategy::Blocking`:
            /// spin, yield, then sleep; zero CPU while waiting). Written once
            /// for every family: `ring_core::endpoint::send`, which has an
            /// example.
            ///
            /// # Errors
            ///
            /// `SendError(v)` with the value once the channel is closed.
            #[inline]
            pub fn send(&mut self, value: $item) -> ::core::result::Result<(), $crate::SendError<$item>> {
                $crate::endpoint::send(self, value)
            }

            /// Sends, blocking at most `timeout` while the ring is full
            /// (`ring_core::endpoint::send_timeout`).
            ///
            /// # Errors
            ///
            /// `Timeout(v)` or `Closed(v)`, giving the value back.
            pub fn send_timeout(
                &mut self,
                value: $item,
                timeout: ::core::time::Duration,
            ) -> ::core::result::Result<(), $crate::SendTimeoutError<$item>> {
                $crate::endpoint::send_timeout(self, value, timeout)
            }

            /// Sends, waiting per `strategy` while the ring is full (the shared
            /// driver, `ring_core::wait::send_with`); `Timeout` only under
            /// `TimedBlocking`.
            ///
            /// # Errors
            ///
            /// `Timeout(v)` or `Closed(v)`, giving the value back.
            pub fn send_with(
                &mut self,
                value: $item,
                strategy: $crate::WaitStrategy,
            ) -> ::core::result::Result<(), $crate::SendTimeoutError<$item>> {
                $crate::wait::send_with(self, value, strategy)
            }
        }
    };
}

/// Gives a consumer handle the blocking half of the public API: implements
/// [`TryRecv`] and [`RecvEndpoint`](crate::wait::RecvEndpoint) over its
/// inherent `try_recv`, `is_closed`, `close` and `closer`, adds the inherent
/// methods `recv`, `recv_timeout`, `recv_with`, `try_iter` and `iter`, and
/// implements `IntoIterator` for the handle and for `&mut` the handle.
///
/// `ring_core::consumer_api!(impl[T, O: Observer] Consumer<T, O> => T);`
#[macro_export]
macro_rules! consumer_api {
    (impl[$($g:tt)*] $ty:ty => $item:ty) => {
        impl<$($g)*> $crate::endpoint::TryRecv for $ty {
            type Item = $item;
            #[inline]
            fn try_recv(&mut self) -> ::core::result::Result<$item, $crate::TryRecvError> {
                <$ty>::try_recv(self)
            }
        }

        impl<$($g)*> $crate::wait::RecvEndpoint for $ty {
            fn is_closed(&self) -> bool {
                <$ty>::is_closed(self)
            }
            fn close(&mut self) {
                <$ty>::close(self)
            }
            fn closer(&self) -> $crate::wait::Closer
            where
                Self::Item: Send + 'static,
            {
                <$ty>::closer(self)
            }
        }

        impl<$($g)*> $ty {
            /// Receives, blocking while empty; every committed item is returned
            /// before `Closed` (`ring_core::endpoint::recv`, which has an
            /// example).
            ///
            /// # Errors
            ///
            /// `RecvError` once the channel is closed and drained.
            #[inline]
            pub fn recv(&mut self) -> ::core::result::Result<$item, $crate::RecvError> {
                $crate::endpoint::recv(self)
            }

            /// Receives, blocking at most `timeout`
            /// (`ring_core::endpoint::recv_timeout`).
            ///
            /// # Errors
            ///
            /// `Timeout`, or `Closed` once closed and drained.
            pub fn recv_timeout(
                &mut self,
                timeout: ::core::time::Duration,
            ) -> ::core::result::Result<$item, $crate::RecvTimeoutError> {
                $crate::endpoint::recv_timeout(self, timeout)
            }

            /// Receives, waiting per `strategy` (the shared driver,
            /// `ring_core::wait::recv_with`); `Timeout` only under
            /// `TimedBlocking`.
            ///
            /// # Errors
            ///
            /// `Timeout`, or `Closed` once closed and drained.
            pub fn recv_with(
                &mut self,
                strategy: $crate::WaitStrategy,
            ) -> ::core::result::Result<$item, $crate::RecvTimeoutError> {
                $crate::wait::recv_with(self, strategy)
            }

        }

        $crate::consumer_iter_api!(impl[$($g)*] $ty => $item);
    };
}

/// Gives a consumer handle that implements [`TryRecv`] and
/// [`RecvEndpoint`](crate::wait::RecvEndpoint) the iterators: the inherent
/// methods `try_iter` and `iter`, and `IntoIterator` for the handle and for
/// `&mut` the handle. Part of [`consumer_api!`](crate::consumer_api); used
/// alone by a handle whose inherent `try_recv` returns something else than
/// the iterators' items (the byte records' borrowed `ByteRecord`).
///
/// `ring_core::consumer_iter_api!(impl[O: Observer] ByteConsumer<O> => Vec<u8>);`
#[macro_export]
macro_rules! consumer_iter_api {
    (impl[$($g:tt)*] $ty:ty => $item:ty) => {
        impl<$($g)*> $ty {
            /// The items available now, without blocking
            /// (`ring_core::endpoint::TryIter`).
            pub fn try_iter(&mut self) -> $crate::endpoint::TryIter<'_, Self> {
                $crate::endpoint::TryIter::new(self)
            }

            /// Every item until the channel is closed and drained, blocking
            /// while it is empty (`ring_core::endpoint::Iter`).
            pub fn iter(&mut self) -> $crate::endpoint::Iter<'_, Self> {
                $crate::endpoint::Iter::new(self)
            }
        }

        impl<$($g)*> ::core::iter::IntoIterator for $ty {
            type Item = $item;
            type IntoIter = $crate::endpoint::IntoIter<Self>;
            fn into_iter(self) -> Self::IntoIter {
                $crate::endpoint::IntoIter::new(self)
            }
        }

        impl<'a, $($g)*> ::core::iter::IntoIterator for &'a mut $ty {
            type Item = $item;
            type IntoIter = $crate::endpoint::Iter<'a, $ty>;
            fn into_iter(self) -> Self::IntoIter {
                $crate::endpoint::Iter::new(self)
            }
        }
    };
}

/// Gives a consumer of a multi-ring family the notifier API over its
/// channel's [`Lifecycle`](crate::lifecycle::Lifecycle): `set_notifier`,
/// `arm` and `disarm`, for event loops (epoll, mio, tokio's `AsyncFd`).
///
/// `ring_core::notifier_api!(impl[T, O: Observer] Consumer<T, O>, chan.life);`
/// where `self.chan.life` is the lifecycle.
#[macro_export]
macro_rules! notifier_api {
    (impl[$($g:tt)*] $ty:ty, $($life:ident).+) => {
        impl<$($g)*> $ty {
            /// Attaches (or with `None` detaches) a notifier, signalled on commit
            /// while this consumer is armed and by every close (as
            /// `ring_core::lifecycle::Lifecycle::set_notifier`, which has an
            /// example).
            pub fn set_notifier<N: $crate::Notify>(&mut self, notifier: ::core::option::Option<N>) {
                self.$($life).+.set_notifier(notifier);
            }

            /// Announces "about to sleep in my event loop": returns `true` if
            /// items (or a close) are already waiting, in which case do not
            /// sleep; otherwise the next commit or close signals the notifier.
            pub fn arm(&self) -> bool {
                self.$($life).+.arm(|| !self.is_empty() || self.is_closed())
            }

            /// Ends an [`arm`](Self::arm) after waking (a late signal is only
            /// spurious readiness).
            pub fn disarm(&self) {
                self.$($life).+.disarm();
            }
        }
    };
}
