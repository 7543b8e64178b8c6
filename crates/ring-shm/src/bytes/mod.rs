//! [`SharedByteRing`]: byte records (ring-core's framing, `ring_core::bytes`)
//! in a ring shared between processes.
//!
//! The mapping is laid out as for [`SharedRing`](crate::SharedRing) with
//! `u8` slots and the header's kind word set to [`RingKind::Bytes`], so a
//! byte ring is never attached as a ring of items (or the other way round).
//! The producer writes whole frames (header, payload, padding at the wrap)
//! with ring-core's [`frame`] functions and never hands out a reference into
//! the mapping; the consumer checks every header with [`frame::read`]
//! (known kind, a length within the committed bytes, within the ring and
//! within `max_record`) before it copies a payload out into its own memory.
//! A peer that writes garbage makes this side see garbage records of valid
//! lengths, `Closed`, or a recorded [`frame_corruption`](SharedByteConsumer::frame_corruption);
//! never a read or a write outside the mapping.

use core::cell::Cell;
use core::fmt;
use core::ptr;
use core::time::Duration;
use std::os::fd::OwnedFd;

use ring_core::bytes::frame::{self, FrameCorrupt, Plan};
use ring_core::bytes::{SendError, SendTimeoutError, TrySendError, byte_config};
use ring_core::raw::{IndexCorrupt, RawConsumer, RawProducer, Untrusted};
use ring_core::{Config, RecvError, RecvTimeoutError, TryRecvError, WaitStrategy};

use crate::error::ShmError;
use crate::handle::{self, Common, Site};
use crate::layout::ShmLayout;
use crate::ring::RingFile;

mod consumer;
mod producer;

pub use consumer::SharedByteConsumer;
pub use producer::{SharedByteGrant, SharedByteProducer};

/// A byte ring in a memfd mapped shared: created by one process, attached
/// by another through the fd, one role each (as [`SharedRing`](crate::SharedRing)).
/// It holds `config.capacity()` bytes (at least 32); records of up to
/// [`max_record`](Self::max_record) bytes.
///
/// # Examples
///
/// ```no_run
/// use ring_shm::SharedByteRing;
/// use std::os::fd::AsFd;
///
/// // Process A: create, hand the fd over (see `fd_passing`), produce.
/// let ring = SharedByteRing::create(ring_core::Config::default())?;
/// let _fd = ring.as_fd(); // send this with fd_passing::send_fd
/// let mut tx = ring.into_producer()?;
/// tx.send(b"hello").unwrap();
///
/// // Process B: attach to the received fd and consume copies.
/// # let fd: std::os::fd::OwnedFd = unimplemented!();
/// let mut rx = SharedByteRing::attach(fd)?.into_consumer()?;
/// assert_eq!(rx.recv().unwrap(), b"hello");
/// # Ok::<(), ring_shm::ShmError>(())
/// ```
pub struct SharedByteRing {
    ring: RingFile,
}

impl fmt::Debug for SharedByteRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SharedByteRing").field(&self.ring).finish()
    }
}

/// The layout a byte ring is checked against on attach (any capacity from
/// 32 bytes on: the header says which).
pub(crate) fn expected_layout() -> Result<ShmLayout, ShmError> {
    ShmLayout::bytes(frame::MIN_CAPACITY.trailing_zeros())
}

impl SharedByteRing {
    /// Creates a byte ring of `config.capacity()` bytes (at least 32) in a
    /// new sealed memfd, mapped shared, as [`SharedRing::create`](crate::SharedRing::create)
    /// does. Neither role is taken.
    ///
    /// # Errors
    ///
    /// [`ShmError::TooLarge`] if the ring cannot be laid out;
    /// [`ShmError::Io`] if a system call fails.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let ring = ring_shm::SharedByteRing::create(ring_core::Config::LOW_LATENCY)?;
    /// assert_eq!(ring.capacity(), 4096);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn create(config: Config) -> Result<SharedByteRing, ShmError> {
        let layout = ShmLayout::bytes(byte_config(config).ring_bits())?;
        Ok(SharedByteRing {
            ring: RingFile::create(layout)?,
        })
    }

    /// Attaches to a byte ring made by [`create`](Self::create), given its
    /// fd, with every check of [`SharedRing::attach`](crate::SharedRing::attach);
    /// a ring of items is refused ([`ShmError::Kind`]), and so is a byte ring
    /// of fewer than 32 bytes ([`ShmError::Capacity`]).
    ///
    /// # Errors
    ///
    /// As [`SharedRing::attach`](crate::SharedRing::attach), and
    /// [`ShmError::Kind`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use ring_shm::{SharedByteRing, SharedRing, ShmError};
    /// use std::os::fd::AsFd;
    ///
    /// let ring = SharedByteRing::create(ring_core::Config::default())?;
    /// let fd = || ring.as_fd().try_clone_to_owned().unwrap();
    /// assert_eq!(SharedByteRing::attach(fd())?.generation(), ring.generation());
    /// assert!(matches!(SharedRing::<u8>::attach(fd()), Err(ShmError::Kind { .. })));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn attach(fd: OwnedFd) -> Result<SharedByteRing, ShmError> {
        Ok(SharedByteRing {
            ring: RingFile::attach(fd, expected_layout()?)?,
        })
    }

    /// Takes the producer role (once across all processes, as
    /// [`SharedRing::into_producer`](crate::SharedRing::into_producer)).
    ///
    /// # Errors
    ///
    /// [`ShmError::RoleTaken`]; [`ShmError::IndexCorrupt`] if the ring's
    /// indices are impossible (the role is then given back).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let ring = ring_shm::SharedByteRing::create(ring_core::Config::default())?;
    /// ring.into_producer()?.try_send(b"x").unwrap();
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn into_producer(self) -> Result<SharedByteProducer, ShmError> {
        SharedByteProducer::claim(Site::new(self.ring.region, self.ring.layout, None))
    }

    /// Takes the consumer role (once across all processes).
    ///
    /// # Errors
    ///
    /// As [`into_producer`](Self::into_producer).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let ring = ring_shm::SharedByteRing::create(ring_core::Config::default())?;
    /// assert!(ring.into_consumer()?.try_recv().is_err());
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn into_consumer(self) -> Result<SharedByteConsumer, ShmError> {
        SharedByteConsumer::claim(Site::new(self.ring.region, self.ring.layout, None))
    }

    /// Bytes in the ring.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let ring = ring_shm::SharedByteRing::create(ring_core::Config::default().with_ring_bits(2))?;
    /// assert_eq!(ring.capacity(), 32); // the smallest byte ring
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn capacity(&self) -> usize {
        self.ring.layout.capacity()
    }

    /// The largest record accepted (`capacity / 2 - 8`, at least a quarter
    /// of the ring), as `ring_core::bytes::ByteWriter::max_record`.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let ring = ring_shm::SharedByteRing::create(ring_core::Config::default().with_ring_bits(10))?;
    /// assert_eq!(ring.max_record(), 504);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn max_record(&self) -> usize {
        frame::max_record(self.capacity())
    }
}

crate::ring::ring_file_api!(impl[] SharedByteRing, create = "ring_shm::SharedByteRing::create");
