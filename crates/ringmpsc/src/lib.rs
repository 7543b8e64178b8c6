//! # ringmpsc
//!
//! Ring-decomposed lock-free channels. This umbrella crate re-exports the
//! member crates under stable paths and wires their seams together:
//!
//! | path | crate | feature | what |
//! |---|---|---|---|
//! | [`primitives`] | `ring-core` | always | the SPSC ring, `Config`, errors, `WaitStrategy`, the seams |
//! | [`spsc`] | `ring-core` | always | the SPSC channel family: the core ring, zero overhead |
//! | [`mpsc`], [`spmc`], [`mpmc`], [`broadcast`], [`recorder`], [`channels`] | `ring-channels` | `channels` | MPSC by ring decomposition, SPMC and MPMC on the claim ring, broadcast (every subscriber sees every item), the flight recorder (overwrite-oldest, exact loss counts) |
//! | [`bytes`] | `ring-channels` | `channels` | variable-length byte records framed in byte rings, read and written in place (MPSC) |
//! | [`wait`] | `ring-wait` | `wait` | `EventNotifier` (eventfd), `EventLoop`, `Waiter`, `Backoff`, `WaitStrategy` |
//! | [`pool`] | `ring-pool` | `pool` | `BufferPool`: zero-copy large messages through any ring |
//! | [`metrics`] | `ring-metrics` | `metrics` | `Metrics`: counters, watermark crossings, sampled commit-to-consume latency, `report()` |
//! | [`shm`] | `ring-shm` | `shm` | `SharedRing`: rings between processes, fd passing (Linux) |
//! | [`numa`] | `ring-numa` | `numa` (`hwloc` for the hwloc backend) | topology, affinity, `NodeLocal` ring memory |
//! | [`prelude`] | | always | the names most programs need |
//!
//! The `async` feature (off by default) adds `AsyncRecvExt` and
//! `AsyncSendExt` to the [`prelude`]: cancel-safe `recv_async`,
//! `recv_many_async`, `into_stream`, `send_async` and `into_sink` for every
//! family, woken through the ring's doorbell, with no executor dependency.
//!
//! Every feature except `hwloc` and `async` is on by default; a user who wants one
//! primitive can depend on that member crate alone and gets the same types.
//!
//! ## Guarantees
//!
//! Wait-free non-blocking operations, no allocation after a ring is created,
//! every item received or dropped exactly once, and blocking that costs the
//! hot path one load unless someone sleeps. See [`primitives`] for details.
//!
//! ## Threading model
//!
//! Every handle is one thread's end of a channel: `Send` when `T: Send`,
//! never `Sync`. SPSC handles are not `Clone`, so safe code cannot have two
//! writers or two readers on one ring.
//!
//! ## Example
//!
//! ```
//! use ringmpsc::prelude::*;
//!
//! let (mut tx, mut rx) = ringmpsc::spsc::channel::<u64>(Config::default());
//! let t = std::thread::spawn(move || {
//!     for i in 1..=1000 {
//!         tx.send(i).unwrap();
//!     }
//! });
//! let mut sum = 0;
//! for x in rx.iter() {
//!     sum += x;
//! }
//! t.join().unwrap();
//! assert_eq!(sum, 500_500);
//! ```
#![forbid(unsafe_code)]

/// The primitives layer (`ring-core`): the SPSC ring, configuration, errors,
/// waiting, and the seams.
#[doc(inline)]
pub use ring_core as primitives;

/// The SPSC channel family: the core ring itself, zero overhead.
pub mod spsc {
    #[doc(inline)]
    pub use ring_core::spsc::*;
}

/// The channel families (`ring-channels`): MPSC, SPMC, MPMC.
#[cfg(feature = "channels")]
#[doc(inline)]
pub use ring_channels as channels;

/// Declares, behind the `channels` feature, one `pub mod` per name, each
/// re-exporting everything in the `ring_channels` module of that name.
macro_rules! channel_families {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[cfg(feature = "channels")]
        pub mod $name {
            #[doc(inline)]
            pub use ring_channels::$name::*;
        }
    )*};
}

channel_families! {
    /// MPSC: one ring per producer, one consumer (`ring-channels`).
    mpsc,
    /// SPMC: one ring, cloneable consumers that claim items (`ring-channels`).
    spmc,
    /// MPMC: per-producer rings, work-stealing consumers (`ring-channels`).
    mpmc,
    /// Broadcast: one publisher, cloneable subscribers, every subscriber sees
    /// every item, `Block` or `Overwrite` with exact lag counts (`ring-channels`).
    broadcast,
    /// The flight recorder: overwrite-oldest rings with exact loss counts
    /// (`ring-channels`).
    recorder,
    /// Byte records: variable-length records framed in one byte ring per
    /// producer, written and read in place (`ring-channels`).
    bytes,
}

/// Re-exports, each behind its feature, a sibling crate under a short name.
macro_rules! sibling_crates {
    ($($(#[$doc:meta])* $feature:literal => $krate:ident as $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[cfg(feature = $feature)]
        #[doc(inline)]
        pub use $krate as $name;
    )*};
}

sibling_crates! {
    /// Waiting and readiness (`ring-wait`): eventfd notifier, event loop, backoff.
    "wait" => ring_wait as wait,
    /// Zero-copy large messages (`ring-pool`).
    "pool" => ring_pool as pool,
    /// Counters and latency (`ring-metrics`).
    "metrics" => ring_metrics as metrics,
    /// Rings shared between processes (`ring-shm`, Linux).
    "shm" => ring_shm as shm,
    /// Topology, affinity and placement (`ring-numa`).
    "numa" => ring_numa as numa,
}

/// Default wiring of the seams: ready-made channels that join sibling crates
/// (which, by the layering rule, never depend on each other).
#[cfg(all(feature = "channels", feature = "numa"))]
pub mod wiring {
    use ring_core::{BuildError, Config};

    /// An MPSC channel whose every producer ring is placed on the NUMA node of
    /// the thread that first sends through it (`NodeLocal::first_sender()`:
    /// bound with `mbind` on that thread before the slots are touched; a
    /// clone made on one thread and moved to another is placed where it is
    /// used). On a machine with one node the placement is a no-op.
    ///
    /// # Errors
    ///
    /// As [`mpsc::Builder::build`](crate::mpsc::Builder::build).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ringmpsc::wiring::numa_local_mpsc::<u64>(ringmpsc::prelude::Config::default())?;
    /// let mut tx2 = tx.clone(); // a second ring, placed where tx2 first sends
    /// let t = std::thread::spawn(move || tx2.send(2).unwrap());
    /// tx.send(1).unwrap();
    /// t.join().unwrap();
    /// drop(tx);
    /// let mut got: Vec<u64> = rx.iter().collect();
    /// got.sort();
    /// assert_eq!(got, [1, 2]);
    /// # Ok::<(), ringmpsc::primitives::BuildError>(())
    /// ```
    pub fn numa_local_mpsc<T>(config: Config) -> Result<crate::mpsc::Channel<T>, BuildError> {
        crate::mpsc::Builder::new(config)
            .memory(crate::numa::NodeLocal::first_sender())
            .build()
    }

    /// As [`numa_local_mpsc`], with a [`Metrics`](crate::metrics::Metrics)
    /// observing every ring of the channel (use `Metrics::shared()` when
    /// several producers report into one `Metrics`).
    ///
    /// # Errors
    ///
    /// As [`mpsc::Builder::build`](crate::mpsc::Builder::build).
    ///
    /// # Examples
    ///
    /// ```
    /// use ringmpsc::metrics::Metrics;
    /// let metrics = Metrics::shared();
    /// let (mut tx, mut rx) = ringmpsc::wiring::numa_local_mpsc_with_metrics::<u64>(Default::default(), metrics.clone())?;
    /// tx.send(7).unwrap();
    /// assert_eq!(rx.recv(), Ok(7));
    /// assert_eq!(metrics.snapshot().messages_sent, 1);
    /// # Ok::<(), ringmpsc::primitives::BuildError>(())
    /// ```
    #[cfg(feature = "metrics")]
    pub fn numa_local_mpsc_with_metrics<T>(
        config: Config,
        metrics: crate::metrics::Metrics,
    ) -> Result<crate::mpsc::Channel<T, crate::metrics::Metrics>, BuildError> {
        crate::mpsc::Builder::new(config)
            .memory(crate::numa::NodeLocal::first_sender())
            .observer(metrics)
            .build()
    }
}

/// The names most programs need: `use ringmpsc::prelude::*;`.
pub mod prelude {
    #[doc(inline)]
    pub use ring_core::prelude::*;
    /// `recv_async`, `recv_many_async`, `into_stream` for every consumer (feature `async`).
    #[cfg(feature = "async")]
    #[doc(inline)]
    pub use ring_wait::AsyncRecvExt;
    /// `send_async`, `into_sink` for every producer (feature `async`).
    #[cfg(feature = "async")]
    #[doc(inline)]
    pub use ring_wait::AsyncSendExt;
}
