//! The byte records' error enums. The record being sent is the caller's
//! `&[u8]` (or a grant not yet written), so nothing needs to come back.
//!
//! Each enum has its own variants first, then the two every send shares:
//! `Closed` and `TooLarge { len, max }` (a record longer than the ring's
//! `max_record()`: reported at once, never a wait). `TooLarge` is about the
//! record itself and wins over everything; then `Closed` wins over `Full`.

use thiserror::Error;

/// Declares a byte-send error enum: the given variants, then `Closed` and
/// `TooLarge { len, max }`.
macro_rules! send_error {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
        pub enum $name {
            $($(#[$vm])* $v,)*
            /// The receiving side is gone or the channel was closed.
            #[error("sending on a closed channel")]
            Closed,
            /// The record is longer than the ring's `max_record()`: it can never
            /// be sent (reported at once).
            #[error("a record of {len} bytes is longer than the largest accepted, {max} bytes")]
            TooLarge {
                /// The record's length.
                len: usize,
                /// The largest length accepted.
                max: usize,
            },
        }

        impl $name {
            /// True for `Closed`.
            pub fn is_closed(&self) -> bool {
                matches!(self, $name::Closed)
            }

            /// True for `TooLarge`.
            pub fn is_too_large(&self) -> bool {
                matches!(self, $name::TooLarge { .. })
            }
        }
    };
}

send_error! {
    /// Why `try_send` / `try_reserve` refused a record.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::bytes::TrySendError;
    /// let (mut w, _rx) = ring_core::bytes::ring(ring_core::Config::default().with_ring_bits(5));
    /// assert_eq!(w.try_send(&[0; 9]), Err(TrySendError::TooLarge { len: 9, max: 8 }));
    /// w.try_send(&[0; 8]).unwrap();
    /// w.try_send(&[0; 8]).unwrap();
    /// assert_eq!(w.try_send(&[0; 8]), Err(TrySendError::Full));
    /// assert!(w.try_send(&[0; 9]).unwrap_err().is_too_large());
    /// drop(_rx);
    /// assert!(w.try_send(&[0; 8]).unwrap_err().is_closed());
    /// ```
    TrySendError {
        /// The ring has no room for the record now.
        #[error("no room for the record in the byte ring")]
        Full,
    }
}

send_error! {
    /// Why a blocking `send_timeout` / `send_with` / `reserve_with` refused a
    /// record.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{WaitStrategy, bytes::SendTimeoutError};
    /// use std::time::Duration;
    /// let (mut w, _rx) = ring_core::bytes::ring(ring_core::Config::default().with_ring_bits(5));
    /// w.try_send(&[0; 8]).unwrap();
    /// w.try_send(&[0; 8]).unwrap();
    /// let brief = WaitStrategy::TimedBlocking(Duration::from_millis(1));
    /// assert_eq!(w.send_with(&[0; 8], brief), Err(SendTimeoutError::Timeout));
    /// assert!(w.send_with(&[0; 9], brief).unwrap_err().is_too_large());
    /// drop(_rx);
    /// assert!(w.send_with(&[0; 8], brief).unwrap_err().is_closed());
    /// ```
    SendTimeoutError {
        /// No room appeared before the deadline (only under `TimedBlocking`).
        #[error("timed out waiting for room in the byte ring")]
        Timeout,
    }
}

send_error! {
    /// Why a blocking `send` refused a record.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::bytes::{SendError, SendTimeoutError};
    /// let e = SendError::from(SendTimeoutError::Closed);
    /// assert!(e.is_closed() && !e.is_too_large());
    /// ```
    SendError {}
}

impl From<SendTimeoutError> for SendError {
    /// The error of a wait without a deadline (`Blocking`): `Timeout` cannot
    /// happen there and is reported as `Closed` if it is ever passed in.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::bytes::{SendError, SendTimeoutError};
    /// let e = SendTimeoutError::TooLarge { len: 9, max: 8 };
    /// assert_eq!(SendError::from(e), SendError::TooLarge { len: 9, max: 8 });
    /// ```
    fn from(e: SendTimeoutError) -> Self {
        match e {
            SendTimeoutError::TooLarge { len, max } => SendError::TooLarge { len, max },
            SendTimeoutError::Closed | SendTimeoutError::Timeout => SendError::Closed,
        }
    }
}

impl From<TrySendError> for SendTimeoutError {
    /// A refusal that ends a wait: `Closed` and `TooLarge` as they are; `Full`
    /// (which a wait never ends on) as `Timeout`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::bytes::{SendTimeoutError, TrySendError};
    /// assert_eq!(SendTimeoutError::from(TrySendError::Closed), SendTimeoutError::Closed);
    /// ```
    fn from(e: TrySendError) -> Self {
        match e {
            TrySendError::TooLarge { len, max } => SendTimeoutError::TooLarge { len, max },
            TrySendError::Closed => SendTimeoutError::Closed,
            TrySendError::Full => SendTimeoutError::Timeout,
        }
    }
}
