//! The side-by-side benchmark suite of the ringmpsc workspace
//! (`cargo xtask bench`) and the workloads the criterion benches share.
//!
//! Method (docs/benchmarks.md): every figure comes from one process run, contenders
//! alternate A/B/A/B over at least five rounds, the consumer touches every
//! item and the received count and checksum are verified, the cross-core
//! round trip is probed before and after each round, and ratios are computed
//! only between figures of the same round (so of the same regime).
#![deny(unsafe_code)] // one module (`reference`) allows it, for the bare-handoff ceiling

pub mod asyncs;
pub mod broadcast;
pub mod bursts;
pub mod bytes;
pub mod collector;
pub mod goals;
pub mod harness;
pub mod machine;
pub mod recorder;
pub mod reference;
pub mod report;
pub mod scenarios;
pub mod shm;
pub mod workloads;
