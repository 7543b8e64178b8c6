//! # ringmpsc
//!
//! Ring-decomposed lock-free channels. This umbrella crate re-exports the
//! member crates under stable paths and wires their seams together:
//!
//! | path | crate | what |
//! |---|---|---|
//! | [`primitives`] | `ring-core` | the SPSC ring, `Config`, errors, `WaitStrategy`, the seams |
//! | [`spsc`] | `ring-core` | the SPSC channel family |
//! | [`prelude`] | | the names most programs need |
//!
//! The other members (`wait`, `pool`, `shm`, `numa`, `channels` with `mpsc`,
//! `spmc`, `mpmc`, and `metrics`) are re-exported here as they land.
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

/// The names most programs need: `use ringmpsc::prelude::*;`.
pub mod prelude {
    #[doc(inline)]
    pub use ring_core::prelude::*;
}
