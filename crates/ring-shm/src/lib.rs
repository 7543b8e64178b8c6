//! # ring-shm
//!
//! Rings shared between processes: ring-core's SPSC protocol in a sealed
//! `memfd` mapped `MAP_SHARED`, safe against a peer process that dies or
//! writes garbage, plus fd passing over Unix sockets to hand a ring to
//! another process. Linux only; on other targets the crate holds only the
//! [`ShmSafe`] trait.
//!
//! [`SharedByteRing`] does the same for variable-length byte records
//! (ring-core's framing, `ring_core::bytes`): its consumer checks every frame
//! header before it copies a record out.
//!
//! There is no second copy of the ring protocol here: the mapping holds
//! ring-core's [`RingHeader`](ring_core::RingHeader) after an identification
//! header, and the handles are ring-core's raw producer and consumer with the
//! [`Untrusted`](ring_core::raw::Untrusted) index policy.
//!
//! ## Guarantees
//!
//! - **Wait-free** `try_send`, `try_recv`, `send_slice`, `recv_slice`,
//!   `consume_batch` (no locks, no CAS on the hot path). Cross-process
//!   wake-ups use a shared futex; a commit pays only a compiler fence when
//!   its process could register for `MEMBARRIER_CMD_GLOBAL_EXPEDITED` (the
//!   side about to sleep then issues that command), a `SeqCst` fence
//!   otherwise (`docs/memory-ordering.md` §3).
//! - **No allocation** after [`SharedRing::create`]/[`SharedRing::attach`],
//!   except by `recv_many` into the caller's `Vec`.
//! - **A hostile peer cannot cause an access outside the mapping or an
//!   invalid value**: every index read from the mapping is bounds-checked
//!   (a violation closes the ring and is reported by `corruption()`), slot
//!   addresses come from this side's own index and mask, items are `ShmSafe`
//!   (every bit pattern valid) and are copied out into this process's own
//!   memory (volatile reads per item, one memcpy per contiguous run in the
//!   slice calls); no reference into peer-writable memory is ever handed
//!   out. The worst a peer can do is show garbage items, stop, or close the
//!   ring. (A peer writing a slot while this side copies it is a data race
//!   by the letter of the Rust memory model, volatile copy or not: see
//!   "Known limits" in `docs/shm-protocol.md`.)
//! - **A peer that crashes mid-write leaves nothing half-written visible**:
//!   the tail moves (Release) only after the slots are written.
//! - **No endless wait on a dead peer**: blocking calls sleep on the futex in
//!   slices ([`DEFAULT_LIVENESS_INTERVAL`]) and re-check the peer's liveness
//!   (a pidfd, else `/proc`, else heartbeats); a dead producer turns `recv` into `Closed`
//!   after the items it committed are drained, a dead consumer turns `send`
//!   into `Closed`. Liveness is judged once the peer took its role: until
//!   then a blocking call waits for a peer to attach (any holder of the fd
//!   may), which the timed calls bound (`docs/shm-protocol.md`, "Liveness").
//! - Each role is taken once across all processes ([`ShmError::RoleTaken`]).
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | (none) | | everything above; the crate always has `std` |
//!
//! ## Threading model
//!
//! [`SharedProducer`] and [`SharedConsumer`] are `Send` (each is one
//! thread's end, wherever that thread runs), never `Sync` (they cache
//! indices without synchronisation), never `Clone` (one writer and one
//! reader per ring, across processes: the role claim enforces it).
//! [`SharedRing`] is `Send` and `Sync` (it only holds the mapping and the fd
//! until a role is taken). [`fd_passing::FdServer`] is `Send` and `Sync`.
//!
//! ## Example
//!
//! Two processes, the fd handed over with [`fd_passing`] (see
//! `examples/shm_pair.rs` for the full program; a heap [`ShmImage`] stands in
//! where system calls cannot run):
//!
//! ```no_run
//! use ring_shm::{SharedRing, fd_passing};
//! use std::os::fd::AsFd;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let is_server = true;
//! if is_server {
//!     let ring = SharedRing::<u64>::create(ring_core::Config::default())?;
//!     let server = fd_passing::FdServer::bind("/tmp/ring.sock")?;
//!     let conn = server.accept()?;
//!     fd_passing::send_fd(&conn, ring.as_fd())?;
//!     let mut rx = ring.into_consumer()?;
//!     let mut sum = 0u64;
//!     while let Ok(v) = rx.recv() {
//!         sum += v;
//!     }
//!     assert_eq!(sum, (0..1000).sum());
//! } else {
//!     let conn = fd_passing::connect("/tmp/ring.sock")?;
//!     let fd = fd_passing::recv_fd(&conn)?;
//!     let mut tx = SharedRing::<u64>::attach(fd)?.into_producer()?;
//!     for i in 0..1000 {
//!         tx.send(i)?;
//!     }
//! } // dropping `tx` closes the ring: the consumer drains and stops
//! # Ok(())
//! # }
//! ```
//!
//! The same handles over a private heap image (runs anywhere, miri too):
//!
//! ```
//! use ring_shm::ShmImage;
//!
//! let image = ShmImage::new::<[u64; 2]>(ring_core::Config::default().with_ring_bits(8))?;
//! let mut tx = image.producer::<[u64; 2]>()?;
//! let mut rx = image.consumer::<[u64; 2]>()?;
//! for i in 0..100u64 {
//!     tx.try_send([i, !i]).unwrap();
//! }
//! drop(tx);
//! let mut n = 0;
//! while let Ok([a, b]) = rx.recv() {
//!     assert_eq!((a, b), (n, !n));
//!     n += 1;
//! }
//! assert_eq!(n, 100);
//! # Ok::<(), ring_shm::ShmError>(())
//! ```

mod safe;

pub use safe::ShmSafe;

/// Compiles each item only on Linux (the rest of the crate needs its system calls).
macro_rules! linux_only {
    ($($item:item)*) => {
        $(#[cfg(target_os = "linux")] $item)*
    };
}

linux_only! {
    mod bell;
    mod bytes;
    pub mod collector;
    mod consumer;
    mod error;
    pub mod fd_passing;
    mod handle;
    mod layout;
    mod liveness;
    mod producer;
    mod recorder;
    mod region;
    mod ring;
    pub use collector::{ByteCollector, Collector, connect, connect_bytes};
    pub use bytes::{SharedByteConsumer, SharedByteGrant, SharedByteProducer, SharedByteRing};
    pub use consumer::SharedConsumer;
    pub use error::ShmError;
    pub use layout::{ID_HEADER_SIZE, LAYOUT_VERSION, MAGIC, MAX_ELEM_ALIGN, RingKind, ShmLayout};
    pub use liveness::{DEFAULT_HEARTBEAT_TIMEOUT, DEFAULT_LIVENESS_INTERVAL};
    pub use producer::{Reservation, SharedProducer};
    pub use recorder::{EVICT_WAIT, SharedReader, SharedRecorder, SharedWriter};
    pub use ring_core::recorder::{Closed, Entry};
    pub use region::ShmImage;
    pub use ring::SharedRing;
}
