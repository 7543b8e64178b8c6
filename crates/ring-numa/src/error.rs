//! The crate's error type.

use std::io;
use std::path::PathBuf;
use thiserror::Error;

/// Why a topology, affinity or placement request failed.
///
/// OS-facing, so `#[non_exhaustive]`; OS errors are kept as the
/// [`source`](std::error::Error::source).
///
/// # Examples
///
/// ```
/// use ring_numa::{NumaError, bind_thread_to_cpu};
///
/// // A CPU id far beyond any machine is a typed error (checked before the
/// // system call), not a panic.
/// let e = bind_thread_to_cpu(1 << 20).unwrap_err();
/// assert!(matches!(e, NumaError::UnknownCpu { cpu } if cpu == 1 << 20));
/// assert_eq!(e.to_string(), "CPU 1048576 is not known to this topology");
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum NumaError {
    /// The CPU is not part of the topology (or beyond the machine's CPU count).
    #[error("CPU {cpu} is not known to this topology")]
    UnknownCpu {
        /// The CPU asked for.
        cpu: usize,
    },
    /// The NUMA node is not part of the topology.
    #[error("NUMA node {node} is not known to this topology")]
    UnknownNode {
        /// The node asked for.
        node: usize,
    },
    /// The node exists but has no CPUs (a memory-only node), so no thread can
    /// be bound to it.
    #[error("NUMA node {node} has no CPUs")]
    NodeWithoutCpus {
        /// The node asked for.
        node: usize,
    },
    /// A topology file could not be read.
    #[error("could not read {}", path.display())]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// A topology file has content this crate does not understand, or the
    /// files contradict each other (a CPU on two nodes, say).
    #[error("malformed {what} in {}: {content:?}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What was expected ("cpulist", "distance", ...).
        what: &'static str,
        /// The offending text (truncated).
        content: String,
    },
    /// A system call failed.
    #[error("{what} failed")]
    Os {
        /// The call (`"sched_setaffinity"`, `"mbind"`, ...).
        what: &'static str,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The hwloc library failed (feature `hwloc`).
    #[error("hwloc: {api} failed")]
    Hwloc {
        /// The hwloc entry point.
        api: &'static str,
        /// The OS error hwloc reported (`errno`), or a description.
        #[source]
        source: io::Error,
    },
    /// The operation does not exist on this platform (affinity outside Linux).
    #[error("{what} is not supported on this platform")]
    Unsupported {
        /// The operation.
        what: &'static str,
    },
}

impl NumaError {
    /// A [`NumaError::Parse`] with the content cut to a readable length.
    pub(crate) fn parse(path: impl Into<PathBuf>, what: &'static str, content: &str) -> Self {
        const MAX: usize = 80;
        let content = match content.char_indices().nth(MAX) {
            Some((cut, _)) => format!("{}...", &content[..cut]),
            None => content.to_owned(),
        };
        NumaError::Parse {
            path: path.into(),
            what,
            content,
        }
    }
}
