//! The doorbell file of a collector: one small sealed memfd holding one
//! ring-core [`Doorbell`], mapped by the collector and by every producer
//! connected to it, so that every producer's commit rings the one word the
//! collector sleeps on.
//!
//! ```text
//! offset 0   magic: u64 (b"ringbel\0")
//! offset 8   version: u32
//! offset 12  size: u32 (the file's size, 128)
//! offset 16  Doorbell (seq: u32 futex word, waiters: u32)
//! offset 24  reserved (zero) to offset 128
//! ```
//!
//! The file is validated by each producer before it uses the doorbell (seals,
//! size, magic, version): a wrong file is an error, never an access outside
//! the mapping. Any producer can write the doorbell's words (it must, to ring
//! it); a hostile one can only cost the collector wake-ups, which its sleeps
//! in slices of the liveness interval bound (`docs/shm-protocol.md`).

use core::mem::{offset_of, size_of};
use core::ptr::NonNull;
use std::fs::File;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use ring_core::Doorbell;
use ring_core::sync::{Arc, AtomicU32, AtomicU64, Ordering};

use crate::error::ShmError;
use crate::region::Region;
use crate::ring::{create_sealed, open_sealed};

/// `b"ringbel\0"` as a little-endian `u64`: the first eight bytes of a
/// doorbell file.
pub(crate) const BELL_MAGIC: u64 = u64::from_le_bytes(*b"ringbel\0");

/// Version of the doorbell file's layout.
pub(crate) const BELL_VERSION: u32 = 1;

/// The header of a doorbell file; every field is an atomic (any producer may
/// write any byte of it).
#[derive(Debug)]
#[repr(C, align(128))]
struct BellHeader {
    magic: AtomicU64,
    version: AtomicU32,
    size: AtomicU32,
    doorbell: Doorbell,
    /// Zero; explicit so the header has no padding bytes (a write of the
    /// header then leaves no byte of the file uninitialised).
    reserved: [AtomicU64; 13],
}

/// Size of a doorbell file (128 bytes outside loom builds).
pub(crate) const BELL_FILE_SIZE: usize = size_of::<BellHeader>();

#[cfg(not(ring_loom))]
const _: () = {
    assert!(BELL_FILE_SIZE == 128);
    assert!(offset_of!(BellHeader, doorbell) == 16);
    assert!(offset_of!(BellHeader, reserved) == 24);
};

/// The doorbell inside a validated doorbell region.
pub(crate) fn doorbell_ptr(region: &Region) -> NonNull<Doorbell> {
    debug_assert!(region.len() >= BELL_FILE_SIZE);
    // SAFETY: the region holds at least BELL_FILE_SIZE bytes (it was created with
    // that size or validated to have it), so the field offset stays inside it.
    unsafe { region.base().add(offset_of!(BellHeader, doorbell)) }.cast()
}

/// Checks a region that claims to be a doorbell file: its size, then the
/// magic, version and size words.
///
/// # Errors
///
/// [`ShmError::Truncated`] or [`ShmError::SizeMismatch`] for a region of
/// another size, [`ShmError::BadMagic`], [`ShmError::Version`], or
/// [`ShmError::Layout`] (`size` word).
pub(crate) fn validate(region: &Region) -> Result<(), ShmError> {
    let len = region.len();
    if len < BELL_FILE_SIZE {
        return Err(ShmError::Truncated {
            len: len as u64,
            needed: BELL_FILE_SIZE as u64,
        });
    }
    // SAFETY: at least BELL_FILE_SIZE bytes (checked above) at a base aligned to a
    // page (the `Region` invariant); an all-atomic type, every bit pattern valid,
    // only read through atomics; lives as long as `region`.
    let h = unsafe { region.base().cast::<BellHeader>().as_ref() };
    // ORDERING: Relaxed throughout: constants written before the fd was handed
    // over (the fd passing orders them); a rewritten value is only validated.
    let (magic, version, size) = (
        h.magic.load(Ordering::Relaxed),
        h.version.load(Ordering::Relaxed),
        h.size.load(Ordering::Relaxed),
    );
    check(magic, version, size, len as u64)
}

/// The pure part of [`validate`].
fn check(magic: u64, version: u32, size: u32, file_len: u64) -> Result<(), ShmError> {
    if magic != BELL_MAGIC {
        return Err(ShmError::BadMagic { found: magic });
    }
    if version != BELL_VERSION {
        return Err(ShmError::Version {
            found: version,
            expected: BELL_VERSION,
        });
    }
    if u64::from(size) != BELL_FILE_SIZE as u64 {
        return Err(ShmError::Layout {
            field: "size",
            found: size.into(),
            expected: BELL_FILE_SIZE as u64,
        });
    }
    if file_len != BELL_FILE_SIZE as u64 {
        return Err(ShmError::SizeMismatch {
            header: size.into(),
            file: file_len,
        });
    }
    Ok(())
}

/// Writes a fresh doorbell file's header at `base`.
///
/// # Safety
///
/// `base` is aligned to 128 and valid for writes of [`BELL_FILE_SIZE`]
/// bytes, and no one else uses the memory yet.
pub(crate) unsafe fn init(base: NonNull<u8>) {
    let header = BellHeader {
        magic: AtomicU64::new(BELL_MAGIC),
        version: AtomicU32::new(BELL_VERSION),
        size: AtomicU32::new(BELL_FILE_SIZE as u32),
        doorbell: Doorbell::new(),
        reserved: core::array::from_fn(|_| AtomicU64::new(0)),
    };
    // SAFETY: aligned and valid for the header's size, unshared (caller).
    unsafe { base.cast::<BellHeader>().write(header) };
}

/// A collector's doorbell file: the memfd (handed to each producer) and its
/// mapping.
#[derive(Debug)]
pub(crate) struct BellFile {
    pub(crate) region: Arc<Region>,
    file: File,
}

impl BellFile {
    /// A new sealed doorbell file, mapped and initialised.
    pub(crate) fn create() -> Result<BellFile, ShmError> {
        let (file, region) = create_sealed(c"ring-shm-bell", BELL_FILE_SIZE)?;
        // SAFETY: a fresh page-aligned mapping of BELL_FILE_SIZE bytes; the fd has
        // not left this process.
        unsafe { init(region.base()) };
        Ok(BellFile {
            region: Arc::new(region),
            file,
        })
    }

    /// Maps and validates a doorbell file received from a collector.
    pub(crate) fn attach(fd: OwnedFd) -> Result<Arc<Region>, ShmError> {
        let (_file, region) = open_sealed(fd)?;
        validate(&region)?;
        Ok(Arc::new(region))
    }
}

impl AsFd for BellFile {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_word_has_its_error() {
        let n = BELL_FILE_SIZE as u64;
        let size = BELL_FILE_SIZE as u32;
        assert!(check(BELL_MAGIC, BELL_VERSION, size, n).is_ok());
        assert!(matches!(
            check(BELL_MAGIC ^ 1, BELL_VERSION, size, n),
            Err(ShmError::BadMagic { .. })
        ));
        assert!(matches!(
            check(BELL_MAGIC, 7, size, n),
            Err(ShmError::Version { found: 7, .. })
        ));
        assert!(matches!(
            check(BELL_MAGIC, BELL_VERSION, 4096, n),
            Err(ShmError::Layout { field: "size", .. })
        ));
        assert!(matches!(
            check(BELL_MAGIC, BELL_VERSION, size, 4096),
            Err(ShmError::SizeMismatch { .. })
        ));
    }
}
