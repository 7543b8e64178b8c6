//! The channel error enums. Every error that refuses a value gives it back.

use core::fmt;
use thiserror::Error;

/// Why `try_send` refused a value (the value comes back).
///
/// `Closed` wins when both hold.
#[derive(Clone, Copy, PartialEq, Eq, Error)]
pub enum TrySendError<T> {
    /// The ring is full.
    #[error("sending on a full channel")]
    Full(T),
    /// The receiving side is gone or the channel was closed.
    #[error("sending on a closed channel")]
    Closed(T),
}

impl<T> TrySendError<T> {
    /// Takes the refused value back.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_core::spsc::channel::<String>(ring_core::Config::default());
    /// drop(rx);
    /// let err = tx.try_send("kept".to_string()).unwrap_err();
    /// assert_eq!(err.into_inner(), "kept"); // the refused value comes back
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(v) | TrySendError::Closed(v) => v,
        }
    }
    /// True for `Full`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, _rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default().with_ring_bits(1));
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// let err = tx.try_send(3).unwrap_err();
    /// assert!(err.is_full() && !err.is_closed());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, TrySendError::Full(_))
    }
    /// True for `Closed`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// drop(rx);
    /// let err = tx.try_send(1).unwrap_err();
    /// assert!(err.is_closed() && !err.is_full());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, TrySendError::Closed(_))
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

/// A blocking `send` failed because the channel is closed (the value comes back).
#[derive(Clone, Copy, PartialEq, Eq, Error)]
#[error("sending on a closed channel")]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// Takes the refused value back.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_core::spsc::channel::<String>(ring_core::Config::default());
    /// drop(rx);
    /// let err = tx.send("kept".to_string()).unwrap_err(); // closed: returns at once
    /// assert_eq!(err.into_inner(), "kept");
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

/// Why `send_timeout` / `send_with` refused a value (the value comes back).
#[derive(Clone, Copy, PartialEq, Eq, Error)]
pub enum SendTimeoutError<T> {
    /// No room appeared before the deadline.
    #[error("timed out waiting for room in the channel")]
    Timeout(T),
    /// The receiving side is gone or the channel was closed.
    #[error("sending on a closed channel")]
    Closed(T),
}

impl<T> SendTimeoutError<T> {
    /// Takes the refused value back.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let (mut tx, _rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default().with_ring_bits(1));
    /// tx.send_slice(&[1, 2]); // full
    /// let err = tx.send_timeout(3, Duration::from_millis(1)).unwrap_err();
    /// assert_eq!(err.into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SendTimeoutError::Timeout(v) | SendTimeoutError::Closed(v) => v,
        }
    }
    /// True for `Timeout`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let (mut tx, _rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default().with_ring_bits(1));
    /// tx.send_slice(&[1, 2]); // full, and nobody makes room
    /// let err = tx.send_timeout(3, Duration::from_millis(1)).unwrap_err();
    /// assert!(err.is_timeout() && !err.is_closed());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, SendTimeoutError::Timeout(_))
    }
    /// True for `Closed`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let (mut tx, rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// drop(rx);
    /// let err = tx.send_timeout(1, Duration::from_millis(1)).unwrap_err();
    /// assert!(err.is_closed() && !err.is_timeout());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, SendTimeoutError::Closed(_))
    }
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("Timeout(..)"),
            SendTimeoutError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

/// Why `try_recv` returned nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum TryRecvError {
    /// Nothing is waiting now.
    #[error("receiving on an empty channel")]
    Empty,
    /// The channel is closed and nothing is left.
    #[error("receiving on a closed and empty channel")]
    Closed,
}

/// A blocking `recv` found the channel closed and empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[error("receiving on a closed and empty channel")]
pub struct RecvError;

/// Why `recv_timeout` / `recv_with` returned nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum RecvTimeoutError {
    /// Nothing arrived before the deadline.
    #[error("timed out waiting on an empty channel")]
    Timeout,
    /// The channel is closed and nothing is left.
    #[error("receiving on a closed and empty channel")]
    Closed,
}

impl From<RecvError> for RecvTimeoutError {
    fn from(_: RecvError) -> Self {
        RecvTimeoutError::Closed
    }
}

impl<T> From<SendError<T>> for SendTimeoutError<T> {
    fn from(e: SendError<T>) -> Self {
        SendTimeoutError::Closed(e.0)
    }
}
