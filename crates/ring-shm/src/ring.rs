//! [`SharedRing`]: create a ring in a sealed memfd, or attach to one.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use nix::fcntl::{FcntlArg, SealFlag, fcntl};
use nix::sys::memfd::{MFdFlags, memfd_create};
use ring_core::sync::Arc;

use crate::error::ShmError;
use crate::handle::Site;
use crate::layout::{self, ID_HEADER_SIZE, ShmLayout};
use crate::region::Region;
use crate::{SharedConsumer, SharedProducer, ShmSafe};

/// A value that tells one ring from another created with the same
/// parameters: std's per-call random hasher keys over the time and pid.
pub(crate) fn generation() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    // (miri's isolation has no wall clock; the random keys suffice there.)
    let t = if cfg!(miri) {
        0
    } else {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    };
    h.write_u128(t);
    h.write_u32(std::process::id());
    h.finish()
}

typed_ring_file! {
    /// A ring of `T` in a memfd mapped shared: created by one process, attached
    /// by another through the fd, one role each.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use ring_shm::SharedRing;
    /// use std::os::fd::AsFd;
    ///
    /// // Process A: create, hand the fd over (see `fd_passing`), produce.
    /// let ring = SharedRing::<u64>::create(ring_core::Config::default())?;
    /// let _fd = ring.as_fd(); // send this with fd_passing::send_fd
    /// let mut tx = ring.into_producer()?;
    /// tx.send(42).unwrap();
    ///
    /// // Process B: attach to the received fd and consume.
    /// # let fd: std::os::fd::OwnedFd = unimplemented!();
    /// let mut rx = SharedRing::<u64>::attach(fd)?.into_consumer()?;
    /// assert_eq!(rx.recv(), Ok(42));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub struct SharedRing<T>, layout = new;
    /// Creates a ring of `config.capacity()` slots of `T` in a new memfd
    /// (close-on-exec, sealing allowed), sized, sealed against shrinking,
    /// growing and further sealing, and mapped shared. Neither role is taken.
    ///
    /// # Errors
    ///
    /// [`ShmError::TooLarge`] if the ring cannot be laid out;
    /// [`ShmError::Io`] if a system call fails.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let ring = ring_shm::SharedRing::<u32>::create(ring_core::Config::LOW_LATENCY)?;
    /// assert_eq!(ring.capacity(), 4096);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn create(config: Config) -> Result<Self, ShmError>;
    /// Attaches to a ring created by [`create`](Self::create) (in this or
    /// another process), given its fd. Checks the seals (shrink and grow
    /// must be set, so the file cannot be truncated under the mapping), the
    /// size, and every field of the identification header against `T`,
    /// against each other and against the file size, then ring-core's header.
    ///
    /// # Errors
    ///
    /// One typed [`ShmError`] per mismatch ([`MissingSeals`](ShmError::MissingSeals),
    /// [`Truncated`](ShmError::Truncated), [`BadMagic`](ShmError::BadMagic),
    /// [`Version`](ShmError::Version), [`ElementSize`](ShmError::ElementSize),
    /// [`ElementAlign`](ShmError::ElementAlign), [`Capacity`](ShmError::Capacity),
    /// [`Layout`](ShmError::Layout), [`SizeMismatch`](ShmError::SizeMismatch),
    /// [`RingHeaderVersion`](ShmError::RingHeaderVersion),
    /// [`RingHeaderCapacity`](ShmError::RingHeaderCapacity)), or
    /// [`ShmError::Io`] if a system call fails.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use ring_shm::SharedRing;
    /// use std::os::fd::AsFd;
    ///
    /// let ring = SharedRing::<u64>::create(ring_core::Config::default())?;
    /// let fd = ring.as_fd().try_clone_to_owned().map_err(|e| ring_shm::ShmError::Io { op: "dup", source: e })?;
    /// let again = SharedRing::<u64>::attach(fd)?;
    /// assert_eq!(again.generation(), ring.generation());
    /// assert!(SharedRing::<u32>::attach(ring.as_fd().try_clone_to_owned().unwrap()).is_err());
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn attach(fd: OwnedFd) -> Result<Self, ShmError>;
}

/// The file and the mapping of a shared ring of either kind, before a role
/// is taken: what [`SharedRing`] and [`SharedByteRing`](crate::SharedByteRing)
/// hold.
#[derive(Debug)]
pub(crate) struct RingFile {
    pub(crate) region: Arc<Region>,
    pub(crate) file: File,
    pub(crate) layout: ShmLayout,
}

impl RingFile {
    /// A new memfd (close-on-exec, sealing allowed) of `layout`'s size,
    /// sealed against shrinking, growing and further sealing, mapped shared,
    /// with both headers written.
    pub(crate) fn create(layout: ShmLayout) -> Result<RingFile, ShmError> {
        let (file, region) = create_sealed(c"ring-shm", layout.total_size())?;
        // SAFETY: a fresh mapping (page aligned) of exactly the layout's size that
        // no one else has seen: the fd has not left `create_sealed`.
        unsafe { layout::init(region.base(), &layout, std::process::id(), generation()) };
        Ok(RingFile {
            region: Arc::new(region),
            file,
            layout,
        })
    }

    /// Maps the file of `fd` after checking its seals and size, and
    /// validates it as a ring of `expected`'s kind and element.
    pub(crate) fn attach(fd: OwnedFd, expected: ShmLayout) -> Result<RingFile, ShmError> {
        let (file, region) = open_sealed(fd)?;
        let layout = region.validate(expected)?;
        Ok(RingFile {
            region: Arc::new(region),
            file,
            layout,
        })
    }

    pub(crate) fn generation(&self) -> u64 {
        self.region.id().snapshot().generation
    }

    pub(crate) fn creator_pid(&self) -> u32 {
        self.region.id().snapshot().creator_pid
    }
}

impl AsFd for RingFile {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

/// A new memfd named `name` (close-on-exec, sealing allowed) of `len`
/// bytes, sealed against shrinking, growing and further sealing, mapped
/// shared (zeroed). The caller initialises it before the fd leaves.
pub(crate) fn create_sealed(
    name: &core::ffi::CStr,
    len: usize,
) -> Result<(File, Region), ShmError> {
    let fd = memfd_create(name, MFdFlags::MFD_CLOEXEC | MFdFlags::MFD_ALLOW_SEALING)
        .map_err(|e| ShmError::io("memfd_create", e))?;
    let file = File::from(fd);
    file.set_len(len as u64)
        .map_err(|e| ShmError::io("ftruncate", e))?;
    fcntl(
        &file,
        FcntlArg::F_ADD_SEALS(SealFlag::F_SEAL_SHRINK | SealFlag::F_SEAL_GROW | SealFlag::F_SEAL_SEAL),
    )
    .map_err(|e| ShmError::io("fcntl(F_ADD_SEALS)", e))?;
    let region = map(&file, len)?;
    Ok((file, region))
}

/// Maps the file of `fd` (whole) after checking that it is sealed against
/// shrinking and growing (so no access inside the mapping can fault) and
/// holds at least an identification header; the content is not validated.
pub(crate) fn open_sealed(fd: OwnedFd) -> Result<(File, Region), ShmError> {
    let file = File::from(fd);
    let seals = match fcntl(&file, FcntlArg::F_GET_SEALS) {
        Ok(s) => s as u32,
        // Not a memfd/tmpfs file: it cannot carry seals.
        Err(nix::errno::Errno::EINVAL) => 0,
        Err(e) => return Err(ShmError::io("fcntl(F_GET_SEALS)", e)),
    };
    let needed = (SealFlag::F_SEAL_SHRINK | SealFlag::F_SEAL_GROW).bits() as u32;
    if seals & needed != needed {
        return Err(ShmError::MissingSeals { seals });
    }
    let len = file.metadata().map_err(|e| ShmError::io("fstat", e))?.len();
    if len < ID_HEADER_SIZE as u64 {
        return Err(ShmError::Truncated {
            len,
            needed: ID_HEADER_SIZE as u64,
        });
    }
    let map_len = usize::try_from(len).map_err(|_| ShmError::SizeMismatch {
        header: 0,
        file: len,
    })?;
    let region = map(&file, map_len)?;
    Ok((file, region))
}

fn map(file: &File, len: usize) -> Result<Region, ShmError> {
    // memmap2's map_raw (a safe call) maps the fd MAP_SHARED. The mapping is never
    // turned into Rust references to plain data, only accessed through atomics
    // (headers, indices) and copies of `ShmSafe` slots into this process's own
    // memory (volatile per item, one memcpy per contiguous run in the slice calls;
    // docs/shm-protocol.md says what a peer writing them concurrently can do).
    // The file is sealed against shrinking (checked or done by the caller), so
    // no access within `len` can fault with SIGBUS.
    let map = memmap2::MmapOptions::new()
        .len(len)
        .map_raw(file)
        .map_err(|e| ShmError::io("mmap", e))?;
    Region::mapped(map).ok_or_else(|| {
        ShmError::io(
            "mmap",
            io::Error::other("mmap returned a null or misaligned mapping"),
        )
    })
}

impl<T: ShmSafe> SharedRing<T> {
    /// Takes the producer role. Each role can be taken once across all
    /// processes; a role whose holder died stays taken (its claim word keeps
    /// the dead pid): the survivor sees the death (`Closed` / `PeerDead`) and
    /// a new ring must be created.
    ///
    /// # Errors
    ///
    /// [`ShmError::RoleTaken`]; [`ShmError::IndexCorrupt`] if the ring's
    /// indices are impossible (a corrupt or hostile file): the role is then
    /// given back, not consumed.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let ring = ring_shm::SharedRing::<u64>::create(ring_core::Config::default())?;
    /// let mut tx = ring.into_producer()?;
    /// tx.try_send(1).unwrap();
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn into_producer(self) -> Result<SharedProducer<T>, ShmError> {
        SharedProducer::claim(Site::new(self.ring.region, self.ring.layout, None))
    }

    /// Takes the consumer role (once across all processes; see
    /// [`into_producer`](Self::into_producer)).
    ///
    /// # Errors
    ///
    /// As [`into_producer`](Self::into_producer).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let ring = ring_shm::SharedRing::<u64>::create(ring_core::Config::default())?;
    /// let mut rx = ring.into_consumer()?;
    /// assert!(rx.try_recv().is_err());
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn into_consumer(self) -> Result<SharedConsumer<T>, ShmError> {
        SharedConsumer::claim(Site::new(self.ring.region, self.ring.layout, None))
    }

    /// Slots in the ring.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let ring = ring_shm::SharedRing::<u8>::create(ring_core::Config::default().with_ring_bits(3))?;
    /// assert_eq!(ring.capacity(), 8);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn capacity(&self) -> usize {
        self.ring.layout.capacity()
    }
}

ring_file_api!(impl[T: ShmSafe] SharedRing<T>, create = "ring_shm::SharedRing::<u8>::create");

/// A shared ring of `T` before a role is taken, over a [`RingFile`]: the
/// struct (a field `ring` and a marker for `T`), its `Debug` (the file and
/// layout), and `create` and `attach`, the one skeleton of both: the file is
/// made or validated with the kind's layout (`ShmLayout::$layout::<T>`, with
/// the config's `ring_bits` to create, 0 for the layout expected on attach)
/// and wrapped. Written once for [`SharedRing`] and
/// [`SharedRecorder`](crate::SharedRecorder); the invocation spells the two
/// signatures (as the macro defines them) and their docs pass through.
macro_rules! typed_ring_file {
    (
        $(#[$doc:meta])*
        pub struct $name:ident<T>, layout = $layout:ident;
        $(#[$create_doc:meta])*
        pub fn create(config: Config) -> Result<Self, ShmError>;
        $(#[$attach_doc:meta])*
        pub fn attach(fd: OwnedFd) -> Result<Self, ShmError>;
    ) => {
        $(#[$doc])*
        pub struct $name<T: $crate::ShmSafe> {
            ring: $crate::ring::RingFile,
            _marker: ::core::marker::PhantomData<fn() -> T>,
        }

        impl<T: $crate::ShmSafe> ::core::fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.ring).finish()
            }
        }

        impl<T: $crate::ShmSafe> $name<T> {
            $(#[$create_doc])*
            pub fn create(config: ::ring_core::Config) -> Result<$name<T>, $crate::ShmError> {
                let layout = $crate::ShmLayout::$layout::<T>(config.ring_bits())?;
                $crate::ring::RingFile::create(layout).map(Self::from_file)
            }

            $(#[$attach_doc])*
            pub fn attach(fd: ::std::os::fd::OwnedFd) -> Result<$name<T>, $crate::ShmError> {
                let expected = $crate::ShmLayout::$layout::<T>(0)?;
                $crate::ring::RingFile::attach(fd, expected).map(Self::from_file)
            }

            fn from_file(ring: $crate::ring::RingFile) -> Self {
                $name {
                    ring,
                    _marker: ::core::marker::PhantomData,
                }
            }
        }
    };
}
pub(crate) use typed_ring_file;

/// The methods of a shared ring before a role is taken that come from its
/// [`RingFile`] (a field `ring`), written once for [`SharedRing`] and
/// [`SharedByteRing`](crate::SharedByteRing): `layout`, `generation`,
/// `creator_pid`, and `AsFd`. `create` is the path of the type's
/// constructor (taking a `Config`), for the examples.
macro_rules! ring_file_api {
    (impl[$($g:tt)*] $ty:ty, create = $create:literal) => {
        impl<$($g)*> $ty {
            /// The ring's byte layout.
            ///
            /// # Examples
            ///
            /// ```no_run
            #[doc = concat!("let ring = ", $create, "(ring_core::Config::default().with_ring_bits(6))?;")]
            /// assert_eq!(ring.layout().total_size(), 512 + 64);
            /// # Ok::<(), ring_shm::ShmError>(())
            /// ```
            pub fn layout(&self) -> $crate::ShmLayout {
                self.ring.layout
            }

            /// The creator's generation value (tells rings apart).
            ///
            /// # Examples
            ///
            /// ```no_run
            #[doc = concat!("let a = ", $create, "(ring_core::Config::default())?;")]
            #[doc = concat!("let b = ", $create, "(ring_core::Config::default())?;")]
            /// assert_ne!(a.generation(), b.generation());
            /// # Ok::<(), ring_shm::ShmError>(())
            /// ```
            pub fn generation(&self) -> u64 {
                self.ring.generation()
            }

            /// The pid of the process that created the ring.
            ///
            /// # Examples
            ///
            /// ```no_run
            #[doc = concat!("let ring = ", $create, "(ring_core::Config::default())?;")]
            /// assert_eq!(ring.creator_pid(), std::process::id());
            /// # Ok::<(), ring_shm::ShmError>(())
            /// ```
            pub fn creator_pid(&self) -> u32 {
                self.ring.creator_pid()
            }
        }

        impl<$($g)*> ::std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> ::std::os::fd::BorrowedFd<'_> {
                ::std::os::fd::AsFd::as_fd(&self.ring)
            }
        }
    };
}
pub(crate) use ring_file_api;
