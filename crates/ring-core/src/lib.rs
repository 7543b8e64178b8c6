//! # ring-core
//!
//! The foundation of the `ringmpsc` workspace: the lock-free SPSC ring, the
//! one home of every index protocol, waiting (futex sleep with wake-ups only
//! when someone sleeps), and the seams the sibling crates plug into.
//!
//! ## Guarantees
//!
//! - **Wait-free** `try_send`, `try_recv`, `reserve`, `commit`, `readable`,
//!   `advance` and batch consumption: a bounded number of steps, no locks,
//!   no CAS (one release store per commit or advance).
//! - **No allocation after creation**: a ring allocates its memory (header
//!   plus `capacity * size_of::<T>()` bytes) once, when it is built.
//! - **Nothing lost, nothing twice**: every item sent is received or dropped
//!   exactly once, also when a handler or a `T::drop` panics, when a
//!   reservation is dropped uncommitted, and when a handle is dropped with
//!   items inside.
//! - **Wake-ups cost nothing unless someone sleeps**: a commit reads one
//!   waiter word; the sleeping side pays the fence (`membarrier`), see
//!   `docs/memory-ordering.md`.
//! - `Send` handles (when `T: Send`), never `Sync`, never `Clone`.
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `std` | yes | blocking calls (`send`, `recv`, timeouts, `*_with`), the futex and `membarrier`, notifiers, iterators that block. Without it the crate is `no_std` + `alloc` and offers the non-blocking ring. |
//!
//! ## Threading model
//!
//! A [`spsc::Producer`] and a [`spsc::Consumer`] are each one thread's end of
//! the ring. Both are `Send` when `T: Send`, so each can move to its thread.
//! Neither is `Sync`: every method takes `&mut self` or reads a cached index
//! kept in a `Cell`, and sharing a handle between threads would make two
//! writers (or two readers) of one index. Neither is `Clone`, for the same
//! reason: safe code cannot have two writers or two readers on one ring.
//! Multi-producer and multi-consumer families live in `ring-channels`.
//!
//! ## Module map
//!
//! For applications:
//!
//! | module | what |
//! |---|---|
//! | [`spsc`] | the SPSC channel (`channel`, `Builder`, `Producer`, `Consumer`, `Reservation`) |
//! | [`wait`] | `WaitStrategy`, `Waiter`, `Closer`, the endpoint traits |
//! | crate root | `Config`, the error enums, `ChannelStats`, the seams (`RingMemory`, `Heap`, `Observer`, `Notify`) |
//!
//! For implementors of channel families and siblings (each says so at its
//! top; applications use the families built on them):
//!
//! | module | what |
//! |---|---|
//! | [`raw`] | the single-consumer index protocol with trust policies: the only copy of the index arithmetic |
//! | [`claim`] | the multi-consumer claim ring (per-slot stamps) |
//! | [`broadcast`] | the broadcast ring: one publisher, per-subscriber cursors, `Block` or `Overwrite` |
//! | [`claim`] | the multi-consumer claim ring (per-slot stamps), also the flight recorder's overwrite protocol |
//! | [`recorder`] | the entry and error types both flight recorders share |
//! | [`bytes`] | byte records framed in a byte ring: `ByteWriter`, `ByteGrant`, `ByteRecord`, the framing in [`bytes::frame`] |
//! | [`lifecycle`] | the channel lifecycle: closed flag, handle counts, who wakes whom on close |
//! | [`endpoint`] | the endpoint API written once: `producer_api!`, `consumer_api!`, generic iterators |
//! | [`builder`] | the one `Builder` and the `BuildChannel` trait families implement |
//! | [`inbox`] | the lock-free registration hand-off (MPSC) |
//! | [`tsc`] | the CPU's time-stamp counter (`ring-metrics`' cheap clock) |
//! | [`table`] | the grow-only table readable without locks (MPMC) |
//! | doorbells in [`wait`] | `DoorbellRef`, `WakeGroup`, `NotifierSlot`: the futex words sleepers register on |
//!
//! ## Example
//!
//! ```
//! use ring_core::{Config, spsc};
//!
//! let (mut tx, mut rx) = spsc::channel::<u64>(Config::default());
//! let producer = std::thread::spawn(move || {
//!     // Zero-copy batch: reserve, fill, commit.
//!     let mut next = 0u64;
//!     while next < 100_000 {
//!         let r = tx.reserve_with(1024, ring_core::WaitStrategy::Blocking).unwrap();
//!         let want = r.len().min((100_000 - next) as usize);
//!         next += r.fill_from_iter((next..).take(want)) as u64;
//!     }
//! });
//! let mut sum = 0u64;
//! while let Ok(_) = rx.consume_batch_with(|x| sum += x, ring_core::WaitStrategy::Blocking) {}
//! producer.join().unwrap();
//! assert_eq!(sum, (0..100_000u64).sum());
//! ```
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

/// `impl Debug` for a type as a struct named `$name` showing the listed
/// values, each computed from `$this` (the value printed); a `..` after the
/// braces marks the output non-exhaustive. For handles whose fields are rings,
/// raw pointers or closures: their own `Debug` would be noise or would need
/// bounds on the type's parameters.
macro_rules! debug_fields {
    (@finish $d:ident) => {
        $d.finish()
    };
    (@finish $d:ident ..) => {
        $d.finish_non_exhaustive()
    };
    (
        impl $(<$($g:ident $(: $bound:path)?),* $(,)?>)? Debug for $ty:ty as $name:literal, |$this:ident| {
            $($field:ident: $value:expr,)*
        } $($non_exhaustive:tt)?
    ) => {
        impl $(<$($g $(: $bound)?),*>)? core::fmt::Debug for $ty {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                let $this = self;
                let mut d = f.debug_struct($name);
                $(d.field(stringify!($field), &$value);)*
                debug_fields!(@finish d $($non_exhaustive)?)
            }
        }
    };
}
pub(crate) use debug_fields;

/// `impl Waitable` for a handle `$handle<T, O>` of side `$side`, given the
/// doorbell that side sleeps on and the observer whose hooks report its
/// waits, both computed from `$this` (the handle). Only a producer reports
/// spins (`on_reserve_spin`).
///
/// `waitable!(Publisher: Producer, |h| h.ring.life.producer_group().doorbell(), h.ring.observer);`
#[cfg(feature = "std")]
macro_rules! waitable {
    ($handle:ident: $side:ident, |$this:ident| $doorbell:expr, $observer:expr) => {
        impl<T, O: crate::seams::Observer> crate::wait::Waitable for $handle<T, O> {
            fn doorbell(&self) -> crate::wait::DoorbellRef<'_> {
                let $this = self;
                $doorbell
            }
            fn timed(&self) -> bool {
                O::TIMED
            }
            fn on_spin(&self) {
                if crate::seams::Side::$side == crate::seams::Side::Producer {
                    let $this = self;
                    $observer.on_reserve_spin();
                }
            }
            fn on_wait(&self) {
                let $this = self;
                $observer.on_wait(crate::seams::Side::$side);
            }
            fn on_wake(&self, slept: core::time::Duration) {
                let $this = self;
                $observer.on_wake(crate::seams::Side::$side, slept);
            }
        }
    };
}

#[cfg(feature = "std")]
pub mod broadcast;
pub mod builder;
pub mod bytes;
#[cfg(feature = "std")]
pub mod claim;
mod config;
pub mod endpoint;
mod error;
mod fill;
mod header;
pub mod inbox;
#[cfg(feature = "std")]
pub mod lifecycle;
pub mod raw;
#[cfg(feature = "std")]
pub mod recorder;
mod seams;
pub mod spsc;
mod stats;
#[doc(hidden)]
pub mod sync;
#[cfg(feature = "std")]
pub mod table;
pub mod tsc;
#[cfg(feature = "std")]
pub mod wait;
pub mod watermark;

/// The claim ring under its former name.
#[cfg(feature = "std")]
#[doc(hidden)]
pub use claim as mc;
pub use config::{Config, ConfigError, MAX_HANDLES, MAX_RING_BITS};
pub use error::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};
pub use header::{Doorbell, HEADER_VERSION, RingHeader};
pub use seams::{Heap, MemoryError, Notify, Observer, RingMemory, Side, Watermark};
pub use spsc::BuildError;
pub use stats::ChannelStats;
#[cfg(feature = "std")]
pub use wait::WaitStrategy;
pub use watermark::Watermarks;

/// The items most programs need: `use ring_core::prelude::*;`.
pub mod prelude {
    pub use crate::spsc;
    #[cfg(feature = "std")]
    pub use crate::wait::{RecvEndpoint, SendEndpoint, WaitStrategy};
    pub use crate::{
        ChannelStats, Config, ConfigError, RecvError, RecvTimeoutError, SendError,
        SendTimeoutError, TryRecvError, TrySendError,
    };
}
