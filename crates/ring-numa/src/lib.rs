//! # ring-numa
//!
//! NUMA for the `ringmpsc` workspace: the machine's topology, thread
//! affinity, and [`NodeLocal`], ring-core's memory seam that puts a ring's
//! memory on a NUMA node.
//!
//! - [`Topology::detect`]: nodes with their CPUs, memory and distance
//!   matrix; [`Topology::node_of_cpu`], [`Topology::nearest_node`],
//!   [`Topology::is_numa`]. Built by hwloc (feature `hwloc`) or from Linux's
//!   `/sys/devices/system/node` ([`Topology::from_sysfs`]).
//! - Affinity: [`bind_thread_to_cpu`], [`bind_thread_to_node`],
//!   [`current_cpu`], [`current_node`], [`allowed_cpus`].
//! - Placement: [`NodeLocal::on_node`], [`NodeLocal::for_cpu`] and
//!   [`NodeLocal::first_sender`], plugged into any ring builder with
//!   `.memory(..)`; [`memory_policy_of`] and [`node_of_memory`] read the
//!   placement back.
//!
//! ## Guarantees
//!
//! - **Bound before first touch.** `NodeLocal` maps fresh anonymous memory
//!   (`MAP_PRIVATE | MAP_ANONYMOUS`, no `MAP_POPULATE`) and calls `mbind`
//!   before anything writes to it, so every page is first allocated on the
//!   node. In first-sender mode the `mbind` happens on the producer's thread
//!   just before its first write into the slots, with `MPOL_MF_MOVE` so the
//!   header page (written when the ring was built) moves too.
//! - **One node is a no-op, never an error.** On a machine with one node
//!   every call succeeds: the `mbind` is still made (the policy reads back as
//!   asked) but a refusal is ignored; [`Topology::nearest_node`] returns the
//!   node itself.
//! - **Bad input is a typed error**, checked before any system call: an
//!   unknown CPU is [`NumaError::UnknownCpu`], an unknown node
//!   [`NumaError::UnknownNode`].
//! - **Placement costs nothing on the hot path**: memory is mapped and bound
//!   when a ring is built (plus one `getcpu` and one `mbind` on the first
//!   send in first-sender mode); sending and receiving never call into this
//!   crate.
//! - Linux only in substance: elsewhere the topology is one node, affinity
//!   calls return [`NumaError::Unsupported`] and `NodeLocal` is plain
//!   page-aligned memory.
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `hwloc` | no | `Topology::from_hwloc` through the system hwloc 2.x library (`hwlocality`; needs `libhwloc-dev` and `pkg-config` at build time), and [`Topology::detect`] tries it first. Without it the sysfs reader is the only backend. |
//!
//! ## Example
//!
//! Pin a producer to a node and let its ring follow it:
//!
//! ```
//! use ring_core::{Config, spsc::Builder};
//! use ring_numa::{NodeLocal, PolicyMode, Topology, bind_thread_to_node, memory_policy_of};
//!
//! # #[cfg(not(miri))] { // miri cannot read /sys or run mbind
//! let topology = Topology::detect()?;
//! let node = topology.nodes()[0].id(); // on a real machine: one producer per node
//! let (mut tx, rx) = Builder::new(Config::default())
//!     .memory(NodeLocal::first_sender())
//!     .build::<u64>()?;
//! std::thread::scope(|s| {
//!     s.spawn(|| {
//!         bind_thread_to_node(node, &topology)?;
//!         for i in 0..1000 {
//!             tx.try_send(i).unwrap(); // the first send binds the ring to `node`
//!         }
//!         Ok::<(), ring_numa::NumaError>(())
//!     })
//!     .join()
//!     .unwrap()
//! })?;
//! let slots = rx.readable().unwrap();
//! assert_eq!(slots.len(), 1000);
//! let policy = memory_policy_of(slots)?;
//! assert_eq!((policy.mode, policy.nodes), (PolicyMode::Preferred, vec![node]));
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Threading model
//!
//! [`Topology`], [`Node`] and [`NodeLocal`] are plain data: `Send` and `Sync`,
//! `Clone`. A `Topology` is a snapshot; share one by reference (or in an
//! `Arc`) rather than detecting again. The affinity functions act on the
//! **calling thread** only, so pin a thread from inside it (a spawned
//! thread's closure); [`current_cpu`] is a moment's answer unless the thread
//! is bound to one CPU. A `NodeLocal` moves into the ring it builds (one
//! value per ring); ring-core calls its `first_use` once, on the producer's
//! thread.

mod affinity;
mod error;
#[cfg(feature = "hwloc")]
mod hwloc;
mod placement;
mod sys;
mod topology;

pub use affinity::{
    allowed_cpus, bind_thread_to_cpu, bind_thread_to_cpus, bind_thread_to_node, current_cpu,
    current_node,
};
pub use error::NumaError;
pub use placement::{
    MemoryPolicy, NodeLocal, Policy, PolicyMode, memory_policy_of, node_of_memory,
};
pub use topology::{Backend, LOCAL_DISTANCE, Node, REMOTE_DISTANCE, SYSFS_NODE_ROOT, Topology};
