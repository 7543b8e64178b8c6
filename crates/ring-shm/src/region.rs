//! The memory a ring lives in: a shared mapping, or (for tests, fuzzing and
//! miri) a private heap buffer laid out the same way ([`ShmImage`]).

use core::fmt;
use core::ptr::NonNull;
use std::alloc;

use ring_core::Config;
use ring_core::sync::Arc;

use crate::error::ShmError;
use crate::handle::Site;
use crate::layout::{self, ID_HEADER_SIZE, IdHeader, MAX_ELEM_ALIGN, ShmLayout};
use crate::{SharedByteConsumer, SharedByteProducer, SharedConsumer, SharedProducer, ShmSafe};

enum Backing {
    Mapped(#[allow(dead_code)] memmap2::MmapRaw), // reason: kept only to unmap on drop
    /// Allocated with this layout (aligned to [`MAX_ELEM_ALIGN`]).
    Heap(alloc::Layout),
}

/// A region of memory holding one ring: base pointer, length, and what to
/// free when the last user is gone.
///
/// Invariant: `base` is aligned to [`MAX_ELEM_ALIGN`] (a page): the layout's
/// offsets are multiples of the element's alignment (at most
/// `MAX_ELEM_ALIGN`), so every slot address is aligned for its type.
pub(crate) struct Region {
    base: NonNull<u8>,
    len: usize,
    backing: Backing,
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Region")
            .field("len", &self.len)
            .field(
                "backing",
                &match self.backing {
                    Backing::Mapped(_) => "shared mapping",
                    Backing::Heap(_) => "heap",
                },
            )
            .finish()
    }
}

// SAFETY: the region's bytes are shared memory by design: every access to them
// goes through atomics (headers) or copies of `ShmSafe` values (slots) ordered
// by the ring protocol; the pointer itself is just an address.
unsafe impl Send for Region {}
// SAFETY: as above.
unsafe impl Sync for Region {}

impl Region {
    /// The region of a mapping; `None` if its base is null or not aligned to
    /// [`MAX_ELEM_ALIGN`] (`mmap` returns page-aligned addresses, and Linux
    /// pages are at least 4096 bytes).
    pub(crate) fn mapped(map: memmap2::MmapRaw) -> Option<Region> {
        let base = NonNull::new(map.as_mut_ptr())?;
        if !base.as_ptr().addr().is_multiple_of(MAX_ELEM_ALIGN) {
            return None;
        }
        Some(Region {
            base,
            len: map.len(),
            backing: Backing::Mapped(map),
        })
    }

    /// A zeroed heap region of `len` bytes, aligned to [`MAX_ELEM_ALIGN`] like
    /// a mapping (so the slots of a type aligned above the headers' 128 bytes
    /// are aligned too); `None` if `len` rounded up to the alignment overflows.
    fn heap(len: usize) -> Option<Region> {
        let layout = alloc::Layout::from_size_align(len.max(1), MAX_ELEM_ALIGN).ok()?;
        // SAFETY: `layout` has a non-zero size.
        let raw = unsafe { alloc::alloc_zeroed(layout) };
        let Some(base) = NonNull::new(raw) else {
            alloc::handle_alloc_error(layout)
        };
        Some(Region {
            base,
            len,
            backing: Backing::Heap(layout),
        })
    }

    pub(crate) fn base(&self) -> NonNull<u8> {
        self.base
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The identification header. Only valid to call once `len >= 128`
    /// (checked by `validate` or guaranteed by `create`).
    pub(crate) fn id(&self) -> &IdHeader {
        assert!(self.len >= ID_HEADER_SIZE, "region shorter than the header");
        // SAFETY: at least 128 bytes (asserted above) at a base aligned to
        // MAX_ELEM_ALIGN >= 128 (the `Region` invariant); all-atomic type, every bit
        // pattern valid; lives as long as `self`.
        unsafe { self.base.cast::<IdHeader>().as_ref() }
    }

    /// Checks the region as a ring of `expected`'s kind and element (any
    /// capacity: the header says it).
    pub(crate) fn validate(&self, expected: ShmLayout) -> Result<ShmLayout, ShmError> {
        // SAFETY: `base` is aligned to MAX_ELEM_ALIGN >= 128 (the `Region` invariant)
        // and valid for `len` bytes while `self` lives.
        unsafe { layout::validate(self.base, self.len, expected) }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        if let Backing::Heap(layout) = self.backing {
            // SAFETY: allocated in `heap` with exactly this layout; the last user is
            // gone.
            unsafe { alloc::dealloc(self.base.as_ptr(), layout) };
        }
    }
}

/// A ring laid out exactly as in a shared mapping, but in this process's
/// heap: for tests, fuzzing and miri (which cannot run the system calls of a
/// real [`SharedRing`](crate::SharedRing)). Like a mapping, an image starts
/// at an address aligned to [`MAX_ELEM_ALIGN`], so the slots of any accepted
/// element type (alignment up to a page) are aligned.
///
/// An image can be given any bytes, validated like a file given to
/// [`attach`](crate::SharedRing::attach), and both of its roles can be taken
/// in this process. Its bytes can be rewritten while handles exist, to play a
/// hostile peer.
///
/// # Examples
///
/// ```
/// use ring_shm::ShmImage;
///
/// let image = ShmImage::new::<u64>(ring_core::Config::default().with_ring_bits(4))?;
/// let mut tx = image.producer::<u64>()?;
/// let mut rx = image.consumer::<u64>()?;
/// tx.try_send(7).unwrap();
/// assert_eq!(rx.try_recv(), Ok(7));
/// # Ok::<(), ring_shm::ShmError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ShmImage {
    region: Arc<Region>,
}

impl ShmImage {
    /// A fresh ring of `T` with `config`'s capacity, initialised as
    /// [`SharedRing::create`](crate::SharedRing::create) does.
    ///
    /// # Errors
    ///
    /// [`ShmError::TooLarge`] if the ring cannot be laid out or allocated.
    pub fn new<T: ShmSafe>(config: Config) -> Result<ShmImage, ShmError> {
        Self::with_layout(ShmLayout::new::<T>(config.ring_bits())?)
    }

    /// A flight recorder's image of `config.capacity()` entries of `T`
    /// (see [`SharedRecorder`](crate::SharedRecorder)), on the heap; take
    /// its roles with [`writer`](Self::writer) and [`reader`](Self::reader).
    ///
    /// # Errors
    ///
    /// [`ShmError::TooLarge`] for an impossible size.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::recorder::<u64>(ring_core::Config::default())?;
    /// let mut w = image.writer::<u64>()?;
    /// w.record(1).unwrap();
    /// assert_eq!(image.reader::<u64>()?.try_recv().map(|e| e.value), Ok(1));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn recorder<T: ShmSafe>(config: Config) -> Result<ShmImage, ShmError> {
        Self::with_layout(ShmLayout::recorder::<T>(config.ring_bits())?)
    }

    /// A fresh byte ring of `config.capacity()` bytes (at least 32),
    /// initialised as [`SharedByteRing::create`](crate::SharedByteRing::create)
    /// does; take its roles with [`byte_producer`](Self::byte_producer) and
    /// [`byte_consumer`](Self::byte_consumer).
    ///
    /// # Errors
    ///
    /// [`ShmError::TooLarge`] if the ring cannot be laid out or allocated.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default().with_ring_bits(2))?;
    /// assert_eq!(image.validate_bytes()?.capacity(), 32);
    /// assert!(image.validate::<u8>().is_err()); // not a ring of items
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn new_bytes(config: Config) -> Result<ShmImage, ShmError> {
        Self::with_layout(ShmLayout::bytes(
            ring_core::bytes::byte_config(config).ring_bits(),
        )?)
    }

    fn with_layout(layout: ShmLayout) -> Result<ShmImage, ShmError> {
        let region = Region::heap(layout.total_size()).ok_or(ShmError::TooLarge {
            ring_bits: layout.ring_bits(),
            elem_size: layout.elem_size(),
            elem_align: layout.elem_align(),
        })?;
        // SAFETY: a fresh, zeroed heap region of the layout's total size, aligned to
        // MAX_ELEM_ALIGN (so to 128 and to the element's alignment); no one else
        // sees it yet.
        unsafe {
            layout::init(
                region.base(),
                &layout,
                std::process::id(),
                crate::ring::generation(),
            )
        };
        Ok(ShmImage {
            region: Arc::new(region),
        })
    }

    /// An image holding a copy of `bytes` (any content, any length), at an
    /// address aligned like a mapping.
    ///
    /// # Panics
    ///
    /// If `bytes.len()` rounded up to [`MAX_ELEM_ALIGN`] does not fit in an
    /// `isize` (no real slice is that long).
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::from_bytes(&[0xAB; 600]);
    /// assert!(matches!(image.validate::<u64>(), Err(ring_shm::ShmError::BadMagic { .. })));
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> ShmImage {
        let Some(region) = Region::heap(bytes.len()) else {
            panic!(
                "ShmImage::from_bytes: {} bytes cannot be allocated",
                bytes.len()
            )
        };
        // SAFETY: the fresh region has at least `bytes.len()` writable bytes and
        // cannot overlap `bytes`.
        unsafe {
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), region.base().as_ptr(), bytes.len())
        };
        ShmImage {
            region: Arc::new(region),
        }
    }

    /// Size of the image in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ring_shm::ShmImage::from_bytes(&[0; 10]).len(), 10);
    /// ```
    pub fn len(&self) -> usize {
        self.region.len()
    }

    /// True if the image has no bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(ring_shm::ShmImage::from_bytes(&[]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of the image's bytes, or `None` while any handle taken from
    /// it, or any clone of the image, is alive.
    ///
    /// A handle may write the region at any time from any thread, so a copy
    /// racing it would be a data race; `&mut self` and the uniqueness check
    /// (the image holds the only reference to its memory) make sure nothing
    /// else can touch the bytes during the copy, and that every write made
    /// through a handle dropped on another thread is seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default().with_ring_bits(2))?;
    /// assert_eq!(&image.to_vec().unwrap()[..8], b"ringshm\0");
    /// let tx = image.producer::<u8>()?;
    /// assert_eq!(image.to_vec(), None); // a live handle may be writing
    /// drop(tx);
    /// assert!(image.to_vec().is_some());
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn to_vec(&mut self) -> Option<Vec<u8>> {
        let region = Arc::get_mut(&mut self.region)?;
        let mut v = vec![0u8; region.len()];
        // SAFETY: the region holds `len` initialised bytes (zeroed or copied at
        // creation) and `v` has room for them. No race: `get_mut` succeeded, so this
        // image holds the only `Arc` of the region (no handle, no clone) and none can
        // be made while `self` is borrowed mutably; its Acquire check orders every
        // write through a handle or clone dropped on another thread before this copy.
        unsafe { core::ptr::copy_nonoverlapping(region.base().as_ptr(), v.as_mut_ptr(), v.len()) };
        Some(v)
    }

    /// Overwrites bytes from `offset` (clipped at the end of the image);
    /// returns how many were written. Plays a peer that writes anything.
    ///
    /// # Safety
    ///
    /// No handle of this image is in use on another thread during the call
    /// (the write is a plain copy, not atomic).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_shm::{ShmError, ShmImage};
    /// let image = ShmImage::new::<u64>(ring_core::Config::default().with_ring_bits(4))?;
    /// // SAFETY: no handle exists.
    /// unsafe { image.write_bytes(0, b"garbage!") };
    /// assert!(matches!(image.validate::<u64>(), Err(ShmError::BadMagic { .. })));
    /// # Ok::<(), ShmError>(())
    /// ```
    pub unsafe fn write_bytes(&self, offset: usize, bytes: &[u8]) -> usize {
        let n = bytes.len().min(self.len().saturating_sub(offset));
        if n > 0 {
            // SAFETY: `offset + n <= len`; no concurrent access (caller).
            unsafe {
                core::ptr::copy_nonoverlapping(
                    bytes.as_ptr(),
                    self.region.base().as_ptr().add(offset),
                    n,
                )
            };
        }
        n
    }

    /// Validates the image as a ring of `T`, as
    /// [`attach`](crate::SharedRing::attach) does (minus the file checks:
    /// the image's length plays the file size).
    ///
    /// # Errors
    ///
    /// The first mismatch, as its [`ShmError`] variant.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new::<u16>(ring_core::Config::default().with_ring_bits(3))?;
    /// assert_eq!(image.validate::<u16>()?.capacity(), 8);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn validate<T: ShmSafe>(&self) -> Result<ShmLayout, ShmError> {
        self.region.validate(ShmLayout::new::<T>(0)?)
    }

    /// A fresh collector doorbell file's image (as a [`Collector`] makes and
    /// every producer maps), on the heap: validate it with
    /// [`validate_bell`](Self::validate_bell).
    ///
    /// [`Collector`]: crate::Collector
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new_bell();
    /// assert_eq!(image.len(), 128);
    /// image.validate_bell()?;
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn new_bell() -> ShmImage {
        let Some(region) = Region::heap(crate::bell::BELL_FILE_SIZE) else {
            panic!("ShmImage::new_bell: a {}-byte allocation failed", crate::bell::BELL_FILE_SIZE)
        };
        // SAFETY: a fresh heap region of BELL_FILE_SIZE bytes aligned to
        // MAX_ELEM_ALIGN (so to 128); no one else sees it yet.
        unsafe { crate::bell::init(region.base()) };
        ShmImage {
            region: Arc::new(region),
        }
    }

    /// Validates the image as a collector's doorbell file, as a producer
    /// does before it rings the doorbell (minus the file checks: the image's
    /// length plays the file size).
    ///
    /// # Errors
    ///
    /// [`ShmError::Truncated`] or [`ShmError::SizeMismatch`] for another
    /// size, [`ShmError::BadMagic`], [`ShmError::Version`], or
    /// [`ShmError::Layout`] for a wrong size word.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new::<u64>(ring_core::Config::default())?;
    /// assert!(image.validate_bell().is_err()); // a ring, not a doorbell file
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn validate_bell(&self) -> Result<(), ShmError> {
        crate::bell::validate(&self.region)
    }

    /// Validates the image as a byte ring, as
    /// [`SharedByteRing::attach`](crate::SharedByteRing::attach) does (minus
    /// the file checks).
    ///
    /// # Errors
    ///
    /// The first mismatch, as its [`ShmError`] variant.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default())?;
    /// assert!(matches!(image.validate_bytes(), Err(ring_shm::ShmError::Kind { .. })));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn validate_bytes(&self) -> Result<ShmLayout, ShmError> {
        self.region.validate(crate::bytes::expected_layout()?)
    }

    /// Validates the image as a byte ring and takes its producer role.
    ///
    /// # Errors
    ///
    /// As [`producer`](Self::producer).
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// image.byte_producer()?.try_send(b"x").unwrap();
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn byte_producer(&self) -> Result<SharedByteProducer, ShmError> {
        SharedByteProducer::claim(Site::new(self.region.clone(), self.validate_bytes()?, None))
    }

    /// Validates the image as a byte ring and takes its consumer role.
    ///
    /// # Errors
    ///
    /// As [`producer`](Self::producer).
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new_bytes(ring_core::Config::default())?;
    /// assert!(image.byte_consumer()?.try_recv().is_err());
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn byte_consumer(&self) -> Result<SharedByteConsumer, ShmError> {
        SharedByteConsumer::claim(Site::new(self.region.clone(), self.validate_bytes()?, None))
    }

    /// Validates the image and takes its producer role.
    ///
    /// # Errors
    ///
    /// A validation error, [`ShmError::RoleTaken`], or
    /// [`ShmError::IndexCorrupt`] if the indices are impossible. A failed
    /// call leaves the role free.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default().with_ring_bits(2))?;
    /// let _tx = image.producer::<u8>()?;
    /// assert!(matches!(image.producer::<u8>(), Err(ring_shm::ShmError::RoleTaken)));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn producer<T: ShmSafe>(&self) -> Result<SharedProducer<T>, ShmError> {
        let layout = self.validate::<T>()?;
        SharedProducer::claim(Site::new(self.region.clone(), layout, None))
    }

    /// Validates the image and takes its consumer role.
    ///
    /// # Errors
    ///
    /// As [`producer`](Self::producer).
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default().with_ring_bits(2))?;
    /// let mut rx = image.consumer::<u8>()?;
    /// assert_eq!(rx.try_recv(), Err(ring_core::TryRecvError::Empty));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn consumer<T: ShmSafe>(&self) -> Result<SharedConsumer<T>, ShmError> {
        let layout = self.validate::<T>()?;
        SharedConsumer::claim(Site::new(self.region.clone(), layout, None))
    }
    /// Validates the image as a flight recorder of `T` and takes its writer
    /// role.
    ///
    /// # Errors
    ///
    /// As [`SharedRecorder::attach`](crate::SharedRecorder::attach) and
    /// [`into_writer`](crate::SharedRecorder::into_writer).
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::recorder::<u8>(ring_core::Config::default())?;
    /// let _w = image.writer::<u8>()?;
    /// assert!(image.writer::<u8>().is_err()); // the role is taken
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn writer<T: ShmSafe>(&self) -> Result<crate::SharedWriter<T>, ShmError> {
        crate::recorder::writer(self.region.clone())
    }

    /// Validates the image as a flight recorder of `T` and takes its reader
    /// role.
    ///
    /// # Errors
    ///
    /// As [`writer`](Self::writer).
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default())?;
    /// assert!(matches!(image.reader::<u8>(), Err(ring_shm::ShmError::Kind { .. })));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn reader<T: ShmSafe>(&self) -> Result<crate::SharedReader<T>, ShmError> {
        crate::recorder::reader(self.region.clone())
    }

}
