//! [`ShmError`]: why a shared ring could not be created, attached or used.

use std::io;

use ring_core::raw::IndexCorrupt;
use thiserror::Error;

/// Why a shared ring could not be created, attached, claimed or used.
///
/// Each field of the identification header that [`attach`] checks has its
/// own variant, so a caller (or a log) can tell a stale file from a build
/// mismatch from an attack. OS failures keep the [`io::Error`] as their
/// source.
///
/// [`attach`]: crate::SharedRing::attach
///
/// # Examples
///
/// ```
/// use ring_shm::{ShmError, ShmImage};
///
/// // An image of the wrong element type is rejected with a typed error.
/// let image = ShmImage::new::<u64>(ring_core::Config::default().with_ring_bits(4))?;
/// match image.validate::<u32>() {
///     Err(ShmError::ElementSize { found: 8, expected: 4 }) => {}
///     other => panic!("unexpected: {other:?}"),
/// }
/// # Ok::<(), ShmError>(())
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ShmError {
    /// A system call failed.
    #[error("shared ring: {op} failed")]
    Io {
        /// The operation that failed (`"memfd_create"`, `"mmap"`, ...).
        op: &'static str,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// A ring of this capacity and element size does not fit in memory (or
    /// the element's alignment is larger than a page).
    #[error(
        "a shared ring of 2^{ring_bits} slots of {elem_size} bytes (align {elem_align}) cannot be laid out"
    )]
    TooLarge {
        /// `log2` of the capacity asked for.
        ring_bits: u32,
        /// Size of one element.
        elem_size: usize,
        /// Alignment of one element.
        elem_align: usize,
    },
    /// The file is smaller than the identification header.
    #[error("the file has {len} bytes, fewer than the {needed} of the header")]
    Truncated {
        /// The file's size.
        len: u64,
        /// The smallest size a ring can have.
        needed: u64,
    },
    /// The file does not start with the ring magic: not a ring, or garbage.
    #[error("bad magic {found:#018x}: not a ring-shm file")]
    BadMagic {
        /// The first eight bytes, as a little-endian number.
        found: u64,
    },
    /// The file was written by another layout version of this crate.
    #[error("layout version {found}, this build understands {expected}")]
    Version {
        /// Version in the file.
        found: u32,
        /// Version this build writes and reads.
        expected: u32,
    },
    /// The ring holds another kind of slots than the handle expects: a byte
    /// ring attached as a ring of items, or the other way round
    /// ([`RingKind::word`](crate::RingKind::word) values).
    #[error("ring kind {found}, expected {expected}")]
    Kind {
        /// Kind recorded in the file.
        found: u32,
        /// Kind of the ring being attached.
        expected: u32,
    },
    /// The ring's element size differs from `size_of::<T>()`.
    #[error("element size {found}, expected {expected}")]
    ElementSize {
        /// Size recorded in the file.
        found: u32,
        /// `size_of::<T>()`.
        expected: u32,
    },
    /// The ring's element alignment differs from `align_of::<T>()`.
    #[error("element alignment {found}, expected {expected}")]
    ElementAlign {
        /// Alignment recorded in the file.
        found: u32,
        /// `align_of::<T>()`.
        expected: u32,
    },
    /// The capacity is not a power of two or disagrees with `ring_bits`.
    #[error("capacity {capacity} is not 2^{ring_bits} (or ring_bits is out of range)")]
    Capacity {
        /// Capacity recorded in the file.
        capacity: u64,
        /// `log2` of the capacity recorded in the file.
        ring_bits: u32,
    },
    /// An offset or size in the header disagrees with the layout this build
    /// computes from the element type and the capacity.
    #[error("header field {field} is {found}, the layout needs {expected}")]
    Layout {
        /// Which field.
        field: &'static str,
        /// Value in the file.
        found: u64,
        /// Value the layout needs.
        expected: u64,
    },
    /// The size recorded in the header differs from the file's size.
    #[error("the header says {header} bytes, the file has {file}")]
    SizeMismatch {
        /// Total size recorded in the header.
        header: u64,
        /// Size of the file (`fstat`).
        file: u64,
    },
    /// The file is not sealed against shrinking and growing, so another
    /// process could truncate it under our mapping (`SIGBUS`).
    #[error("the file lacks the shrink/grow seals (seals {seals:#x})")]
    MissingSeals {
        /// The seals found (`F_GET_SEALS`; 0 when the file cannot be sealed).
        seals: u32,
    },
    /// ring-core's header inside the mapping has another layout version.
    #[error("ring header version {found}, expected {expected}")]
    RingHeaderVersion {
        /// Version in the file.
        found: u32,
        /// `ring_core::HEADER_VERSION`.
        expected: u32,
    },
    /// ring-core's header inside the mapping records another capacity.
    #[error("ring header capacity {found}, expected {expected}")]
    RingHeaderCapacity {
        /// Capacity in ring-core's header.
        found: u64,
        /// Capacity in the identification header.
        expected: u64,
    },
    /// The ring's indices are impossible: the peer (or a stale file)
    /// corrupted them.
    #[error(transparent)]
    IndexCorrupt(#[from] IndexCorrupt),
    /// The role (producer or consumer) was already taken, by this or another
    /// process. A role is never given back, even when its holder dies:
    /// create a new ring.
    #[error("the role was already taken")]
    RoleTaken,
    /// The peer process is gone.
    #[error("the peer process is dead")]
    PeerDead,
}

impl ShmError {
    pub(crate) fn io(op: &'static str, source: impl Into<io::Error>) -> Self {
        ShmError::Io {
            op,
            source: source.into(),
        }
    }
}
