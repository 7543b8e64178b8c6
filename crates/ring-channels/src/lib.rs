//! # ring-channels
//!
//! The channel families of the `ringmpsc` workspace, built from `ring-core`'s
//! rings in safe code (`#![forbid(unsafe_code)]`: every index protocol and
//! every `unsafe` line lives in `ring-core`).
//!
//! | family | built from | producer | consumer |
//! |---|---|---|---|
//! | [`spsc`] | the core ring itself (re-exported) | not `Clone` | not `Clone` |
//! | [`mpsc`] | one SPSC ring per producer, one shared doorbell | `Clone`: registers a ring | not `Clone` |
//! | [`spmc`] | one multi-consumer claim ring ([`ring_core::claim`]) | not `Clone` | `Clone` (up to `max_consumers`) |
//! | [`mpmc`] | one claim ring per producer, work-stealing consumers | `Clone` | `Clone` (up to `max_consumers`) |
//! | [`broadcast`] | one broadcast ring ([`ring_core::broadcast`]): every subscriber sees every item | not `Clone` | `Clone` (up to `max_consumers`), starts at the source's position |
//! | [`bytes`] | one framed byte ring per producer (variable-length records, in place), one shared doorbell | `Clone`: registers a ring | not `Clone` |
//!
//! ## Guarantees
//!
//! - **Lock-free** sends and receives: MPSC sends are the SPSC ring's
//!   wait-free path (one extra load of the channel's closed flag); SPMC/MPMC
//!   receives claim with one CAS per batch and retry only when another
//!   consumer won.
//! - **Nothing lost, nothing twice**: every item sent is received or dropped
//!   exactly once; multi-consumer families move each claimed item out before
//!   the handler sees it, and never read a slot they have not claimed.
//! - **`Closed` means drained**: a receive reports `Closed` only when the
//!   channel is closed (or every producer is gone) *and* nothing is left.
//! - **Blocking** (`send`, `recv`, `*_timeout`, `*_with`) goes through
//!   `ring-core`'s one driver; an MPSC consumer sleeps on one doorbell for
//!   all its producers, and closing wakes every sleeper.
//! - **Allocation**: a ring is allocated when it is created (a channel, an
//!   MPSC/MPMC producer clone); sends and receives never allocate (except
//!   `recv_many`, which grows the caller's `Vec`, and the first time an MPSC
//!   consumer's ring table grows past `max_producers`).
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | (none) | | everything; `ring-core` is used with its `std` feature (blocking) |
//!
//! ## Threading model
//!
//! Every handle is one thread's end of a channel: `Send` when `T: Send`,
//! never `Sync` (methods take `&mut self` and cache indices). To have more
//! senders (MPSC, MPMC) or more receivers (SPMC, MPMC), clone the handle
//! and move the clone to its thread; the types make two writers on one ring
//! or two readers of one MPSC consumer impossible.
//!
//! ```compile_fail
//! fn share<T: Sync>(_: &T) {}
//! let (_tx, rx) = ring_channels::spmc::channel::<u8>(ring_core::Config::default());
//! share(&rx); // clone the consumer instead
//! ```
//!
//! ## Example
//!
//! ```
//! use ring_channels::{mpmc, mpsc};
//! use ring_core::{Config, WaitStrategy};
//!
//! // MPSC: four producers, one consumer, everything summed.
//! let (tx, mut rx) = mpsc::channel::<u64>(Config::LOW_LATENCY);
//! let producers: Vec<_> = (0..4u64)
//!     .map(|t| {
//!         let mut tx = tx.clone();
//!         std::thread::spawn(move || (0..1000).for_each(|i| tx.send(t * 1000 + i).unwrap()))
//!     })
//!     .collect();
//! drop(tx);
//! let total: u64 = rx.iter().sum();
//! producers.into_iter().for_each(|h| h.join().unwrap());
//! assert_eq!(total, (0..4000).sum());
//!
//! // MPMC: two consumers steal from the producers' rings.
//! let (mut tx, rx) = mpmc::channel::<u64>(Config::LOW_LATENCY);
//! let consumers: Vec<_> = (0..2)
//!     .map(|_| {
//!         let mut rx = rx.clone();
//!         std::thread::spawn(move || {
//!             let mut sum = 0;
//!             while let Ok(_) = rx.consume_batch_with(|x| sum += x, WaitStrategy::Blocking) {}
//!             sum
//!         })
//!     })
//!     .collect();
//! drop(rx);
//! for i in 0..1000 {
//!     tx.send(i).unwrap();
//! }
//! drop(tx);
//! let sum: u64 = consumers.into_iter().map(|h| h.join().unwrap()).sum();
//! assert_eq!(sum, (0..1000).sum());
//! ```
#![forbid(unsafe_code)]

#[macro_use]
mod macros;

/// Implements [`Waitable`](ring_core::wait::Waitable) for a consumer that
/// sleeps on its channel lifecycle's consumer doorbell and reports its waits
/// to an observer: `consumer_waitable!(impl[T, O: Observer] Consumer<T, O>, chan.life, chan.observer);`
/// where `self.chan.life` is the lifecycle and `self.chan.observer` the
/// observer (of type `O`).
macro_rules! consumer_waitable {
    (impl[$($g:tt)*] $ty:ty, $($life:ident).+, $($obs:ident).+) => {
        impl<$($g)*> ring_core::wait::Waitable for $ty {
            fn doorbell(&self) -> ring_core::wait::DoorbellRef<'_> {
                self.$($life).+.consumer_doorbell()
            }
            fn timed(&self) -> bool {
                O::TIMED
            }
            fn on_wait(&self) {
                self.$($obs).+.on_wait(ring_core::Side::Consumer);
            }
            fn on_wake(&self, slept: core::time::Duration) {
                self.$($obs).+.on_wake(ring_core::Side::Consumer, slept);
            }
        }
    };
}

pub mod broadcast;
pub mod bytes;
pub mod claim_producer;
mod claim_rings;
pub mod mpmc;
pub mod mpsc;
pub mod recorder;
mod recv_wait;
pub mod spmc;

/// The SPSC family: `ring-core`'s ring itself, zero overhead.
pub mod spsc {
    #[doc(inline)]
    pub use ring_core::spsc::*;
}

pub use error::TooManyConsumers;

mod error {
    use core::fmt;

    /// A consumer clone was refused: the channel already has
    /// `max_consumers` consumers (SPMC, MPMC).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::Config;
    /// let (_tx, rx) = ring_channels::spmc::channel::<u8>(Config::default().with_max_consumers(1));
    /// assert_eq!(rx.try_clone().unwrap_err().max(), 1);
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct TooManyConsumers {
        pub(crate) max: usize,
    }

    impl TooManyConsumers {
        /// The bound that was reached (`Config::max_consumers`).
        pub fn max(&self) -> usize {
            self.max
        }
    }

    impl fmt::Display for TooManyConsumers {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(
                f,
                "the channel already has max_consumers = {} consumers",
                self.max
            )
        }
    }

    impl core::error::Error for TooManyConsumers {}
}
