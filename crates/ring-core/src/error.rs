//! The channel error enums. Every error that refuses a value gives it back.

use thiserror::Error;

/// The accessors and the `Debug` impl of an error that carries a refused
/// value: `into_inner` gives the value back, and `Debug` prints the variant
/// (or type) name with `..` in place of the value, so no `T: Debug` bound is
/// needed. The `enum` form is for two variants that both carry the value,
/// each with its `is_*` test; the `struct` form for a one-field tuple struct.
macro_rules! refused_value {
    (
        enum $name:ident {
            $(#[$into_doc:meta])*
            into_inner;
            $(#[$a_doc:meta])*
            $a:ident => $is_a:ident;
            $(#[$b_doc:meta])*
            $b:ident => $is_b:ident;
        }
    ) => {
        impl<T> $name<T> {
            $(#[$into_doc])*
            pub fn into_inner(self) -> T {
                match self {
                    $name::$a(v) | $name::$b(v) => v,
                }
            }
            $(#[$a_doc])*
            pub fn $is_a(&self) -> bool {
                matches!(self, $name::$a(_))
            }
            $(#[$b_doc])*
            pub fn $is_b(&self) -> bool {
                matches!(self, $name::$b(_))
            }
        }

        impl<T> core::fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self {
                    $name::$a(_) => f.write_str(concat!(stringify!($a), "(..)")),
                    $name::$b(_) => f.write_str(concat!(stringify!($b), "(..)")),
                }
            }
        }
    };
    (
        struct $name:ident {
            $(#[$into_doc:meta])*
            into_inner;
        }
    ) => {
        impl<T> $name<T> {
            $(#[$into_doc])*
            pub fn into_inner(self) -> T {
                self.0
            }
        }

        impl<T> core::fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(concat!(stringify!($name), "(..)"))
            }
        }
    };
}
#[cfg(feature = "std")] // reason: its one user outside this file, `recorder`, needs `std`
pub(crate) use refused_value;

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

refused_value! {
    enum TrySendError {
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
        into_inner;
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
        Full => is_full;
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
        Closed => is_closed;
    }
}

/// A blocking `send` failed because the channel is closed (the value comes back).
#[derive(Clone, Copy, PartialEq, Eq, Error)]
#[error("sending on a closed channel")]
pub struct SendError<T>(pub T);

refused_value! {
    struct SendError {
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
        into_inner;
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

refused_value! {
    enum SendTimeoutError {
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
        into_inner;
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
        Timeout => is_timeout;
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
        Closed => is_closed;
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
