//! The byte layout of a shared ring and its validation (pure logic over a
//! pointer and a length, so miri runs it over heap buffers).
//!
//! ```text
//! offset 0            identification header (IdHeader, 128 bytes; its `kind`
//!                     says what the slots hold: items or byte records)
//! offset 128          ring-core's RingHeader (384 bytes: producer line,
//!                     consumer line, cold line with close flags and doorbells)
//! offset 512          (flight recorders only) capacity stamp words (u64)
//! offset slots_offset capacity * size_of::<T>() bytes of slots
//!                     (slots_offset = the end of the above rounded up to
//!                     align_of::<T>())
//! ```
//!
//! See `docs/shm-protocol.md` for every field.

use core::mem::{align_of, size_of};
use core::ptr::NonNull;

use ring_core::sync::{AtomicU32, AtomicU64, Ordering};
use ring_core::{HEADER_VERSION, MAX_RING_BITS, RingHeader};

use crate::error::ShmError;

/// `b"ringshm\0"` as a little-endian `u64`: the first eight bytes of a ring.
pub const MAGIC: u64 = u64::from_le_bytes(*b"ringshm\0");

/// Version of the layout described here; bumped on any change to its bytes
/// (2: the `kind` word, so a byte ring is never attached as a ring of items
/// or the other way round).
pub const LAYOUT_VERSION: u32 = 2;

/// What a shared ring's slots hold (the `kind` word of the identification
/// header, checked by every attach).
///
/// # Examples
///
/// ```
/// use ring_shm::{RingKind, ShmLayout};
/// assert_eq!(ShmLayout::new::<u64>(4)?.kind(), RingKind::Items);
/// assert_eq!(ShmLayout::bytes(6)?.kind(), RingKind::Bytes);
/// # Ok::<(), ring_shm::ShmError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RingKind {
    /// Items of one `ShmSafe` type, one per slot ([`SharedRing`](crate::SharedRing)).
    Items,
    /// Byte records framed in `u8` slots ([`SharedByteRing`](crate::SharedByteRing)).
    Bytes,
    /// A flight recorder's entries of one `ShmSafe` type, with a stamp word
    /// per slot before the slots ([`SharedRecorder`](crate::SharedRecorder)).
    Recorder,
}

impl RingKind {
    /// The value of the header's `kind` word.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ring_shm::RingKind::Bytes.word(), 1);
    /// ```
    pub const fn word(self) -> u32 {
        match self {
            RingKind::Items => 0,
            RingKind::Bytes => 1,
            RingKind::Recorder => 2,
        }
    }
}

/// Size (and alignment) of the identification header: 128 bytes (larger
/// only in loom model builds, whose atomics are larger).
pub const ID_HEADER_SIZE: usize = size_of::<IdHeader>();

/// The largest element alignment a ring accepts (the mapping is only page
/// aligned).
pub const MAX_ELEM_ALIGN: usize = 4096;

/// The identification header, [`IdHeader`] (every field an atomic), and
/// the copy of its constant fields, [`IdSnapshot`] with
/// [`IdHeader::snapshot`], from one list of the fields: the constant ones
/// (`name: Atomic => plain`, in the snapshot), then the others, in layout
/// order.
macro_rules! id_header {
    (
        $(#[$doc:meta])*
        constant {
            $($(#[$cdoc:meta])* $c:ident: $catomic:ty => $cplain:ty,)*
        }
        other {
            $($(#[$odoc:meta])* $o:ident: $oatomic:ty,)*
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug)]
        #[repr(C, align(128))]
        pub(crate) struct IdHeader {
            $($(#[$cdoc])* pub(crate) $c: $catomic,)*
            $($(#[$odoc])* pub(crate) $o: $oatomic,)*
        }

        /// A copy of the identification header's constant fields, taken with one
        /// atomic load each.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) struct IdSnapshot {
            $(pub(crate) $c: $cplain,)*
        }

        impl IdHeader {
            pub(crate) fn snapshot(&self) -> IdSnapshot {
                // ORDERING: Relaxed throughout: constant fields written before the file
                // was shared (the fd passing or fork orders them); a peer that rewrites
                // them later only produces a value we validate like any other.
                IdSnapshot {
                    $($c: self.$c.load(Ordering::Relaxed),)*
                }
            }
        }
    };
}

id_header! {
    /// The identification header at offset 0 of the mapping.
    ///
    /// Every field is an atomic: the peer may write any of them at any time, and
    /// an atomic load never races with it. Constant fields are written once by
    /// the creator before the file is shared and only read afterwards.
    constant {
        magic: AtomicU64 => u64,
        layout_version: AtomicU32 => u32,
        elem_size: AtomicU32 => u32,
        elem_align: AtomicU32 => u32,
        ring_bits: AtomicU32 => u32,
        capacity: AtomicU64 => u64,
        total_size: AtomicU64 => u64,
        ring_offset: AtomicU64 => u64,
        slots_offset: AtomicU64 => u64,
        creator_pid: AtomicU32 => u32,
        /// [`RingKind::word`]: what the slots hold.
        kind: AtomicU32 => u32,
        generation: AtomicU64 => u64,
    }
    other {
        /// Producer claim word: 0 free, otherwise the claimant's pid.
        producer_pid: AtomicU32,
        /// Consumer claim word: 0 free, otherwise the claimant's pid.
        consumer_pid: AtomicU32,
        /// The producer's start time (clock ticks after boot, `/proc/pid/stat`
        /// field 22), 0 if unknown: lets a watcher verify a pidfd.
        producer_start: AtomicU64,
        /// The consumer's start time, as above.
        consumer_start: AtomicU64,
        /// `CLOCK_MONOTONIC` nanoseconds of the producer's last sign of life.
        producer_heartbeat: AtomicU64,
        /// `CLOCK_MONOTONIC` nanoseconds of the consumer's last sign of life.
        consumer_heartbeat: AtomicU64,
        /// Non-zero while the producer is parked in a blocking wait (diagnostic).
        producer_parked: AtomicU32,
        /// Non-zero while the consumer is parked in a blocking wait (diagnostic).
        consumer_parked: AtomicU32,
        /// Flight recorders: entries evicted since the file was created
        /// (written by the writer only; 0 for other kinds).
        evicted: AtomicU64,
    }
}

#[cfg(not(ring_loom))]
const _: () = {
    assert!(ID_HEADER_SIZE == 128);
    assert!(align_of::<IdHeader>() == 128);
    assert!(core::mem::offset_of!(IdHeader, kind) == 60);
    assert!(core::mem::offset_of!(IdHeader, generation) == 64);
    assert!(core::mem::offset_of!(IdHeader, producer_pid) == 72);
    assert!(core::mem::offset_of!(IdHeader, producer_heartbeat) == 96);
    assert!(core::mem::offset_of!(IdHeader, consumer_parked) == 116);
    assert!(size_of::<RingHeader>() == 384);
    assert!(align_of::<RingHeader>() <= ID_HEADER_SIZE);
};

/// Where everything lives in a shared ring's mapping, computed from the
/// element type and the capacity (never read from the file: the file's
/// values are only compared with these).
///
/// # Examples
///
/// ```
/// use ring_shm::ShmLayout;
///
/// let l = ShmLayout::new::<u64>(10)?;
/// assert_eq!(l.capacity(), 1024);
/// assert_eq!(l.ring_offset(), 128);
/// assert_eq!(l.slots_offset(), 512);
/// assert_eq!(l.total_size(), 512 + 1024 * 8);
/// # Ok::<(), ring_shm::ShmError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShmLayout {
    kind: RingKind,
    ring_bits: u32,
    capacity: usize,
    elem_size: usize,
    elem_align: usize,
    ring_offset: usize,
    stamps_offset: usize,
    slots_offset: usize,
    total_size: usize,
}

fn round_up(x: usize, align: usize) -> Option<usize> {
    debug_assert!(align.is_power_of_two());
    Some(x.checked_add(align - 1)? & !(align - 1))
}

impl ShmLayout {
    /// The layout of a ring of `2^ring_bits` slots of `T`.
    ///
    /// # Errors
    ///
    /// [`ShmError::TooLarge`] if `ring_bits` exceeds
    /// [`ring_core::MAX_RING_BITS`], the size overflows, or `T`'s alignment
    /// exceeds a page ([`MAX_ELEM_ALIGN`]).
    pub fn new<T>(ring_bits: u32) -> Result<ShmLayout, ShmError> {
        Self::compute(RingKind::Items, ring_bits, size_of::<T>(), align_of::<T>())
    }

    /// The layout of a byte ring of `2^ring_bits` bytes (slots of `u8`,
    /// [`RingKind::Bytes`]).
    ///
    /// # Errors
    ///
    /// [`ShmError::TooLarge`] if `ring_bits` exceeds
    /// [`ring_core::MAX_RING_BITS`].
    pub fn bytes(ring_bits: u32) -> Result<ShmLayout, ShmError> {
        Self::compute(RingKind::Bytes, ring_bits, 1, 1)
    }
    /// The layout of a shared flight recorder of `2^ring_bits` entries of
    /// `T`: the stamp words come between the ring header and the slots.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    ///
    /// # Examples
    ///
    /// ```
    /// let l = ring_shm::ShmLayout::recorder::<u64>(4)?;
    /// assert_eq!(l.kind(), ring_shm::RingKind::Recorder);
    /// assert_eq!(l.stamps_offset(), 512);
    /// assert_eq!(l.slots_offset(), 512 + 16 * 8);
    /// assert_eq!(l.total_size(), 512 + 16 * 8 + 16 * 8);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn recorder<T>(ring_bits: u32) -> Result<ShmLayout, ShmError> {
        Self::compute(RingKind::Recorder, ring_bits, size_of::<T>(), align_of::<T>())
    }


    pub(crate) fn compute(
        kind: RingKind,
        ring_bits: u32,
        elem_size: usize,
        elem_align: usize,
    ) -> Result<ShmLayout, ShmError> {
        let too_large = ShmError::TooLarge {
            ring_bits,
            elem_size,
            elem_align,
        };
        if ring_bits > MAX_RING_BITS || elem_align > MAX_ELEM_ALIGN || !elem_align.is_power_of_two()
        {
            return Err(too_large);
        }
        let capacity = 1usize << ring_bits;
        let ring_offset = ID_HEADER_SIZE;
        let stamps_offset = ring_offset + size_of::<RingHeader>();
        let after_header = match kind {
            RingKind::Recorder => capacity
                .checked_mul(size_of::<AtomicU64>())
                .and_then(|b| b.checked_add(stamps_offset)),
            RingKind::Items | RingKind::Bytes => Some(stamps_offset),
        };
        let slots_offset = after_header
            .and_then(|a| round_up(a, elem_align.max(align_of::<RingHeader>())))
            .ok_or(ShmError::TooLarge {
                ring_bits,
                elem_size,
                elem_align,
            })?;
        let total_size = capacity
            .checked_mul(elem_size)
            .and_then(|b| b.checked_add(slots_offset))
            .filter(|&t| t <= isize::MAX as usize && (t as u64) <= i64::MAX as u64)
            .ok_or(too_large)?;
        Ok(ShmLayout {
            kind,
            ring_bits,
            capacity,
            elem_size,
            elem_align,
            ring_offset,
            stamps_offset,
            slots_offset,
            total_size,
        })
    }

    /// What the slots hold.
    pub fn kind(&self) -> RingKind {
        self.kind
    }

    /// Byte offset of the stamp words of a flight recorder (for other kinds,
    /// where they would start: the end of the ring header).
    pub fn stamps_offset(&self) -> usize {
        self.stamps_offset
    }

    /// `log2` of the capacity.
    pub fn ring_bits(&self) -> u32 {
        self.ring_bits
    }

    /// Slots in the ring.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Size of one element.
    pub fn elem_size(&self) -> usize {
        self.elem_size
    }

    /// Alignment of one element.
    pub fn elem_align(&self) -> usize {
        self.elem_align
    }

    /// Byte offset of ring-core's `RingHeader` (128).
    pub fn ring_offset(&self) -> usize {
        self.ring_offset
    }

    /// Byte offset of the first slot.
    pub fn slots_offset(&self) -> usize {
        self.slots_offset
    }

    /// Size of the whole file and mapping in bytes.
    pub fn total_size(&self) -> usize {
        self.total_size
    }
}

impl IdHeader {
    /// A header describing `layout` for `T`, with no role taken.
    pub(crate) fn new(layout: &ShmLayout, creator_pid: u32, generation: u64) -> IdHeader {
        IdHeader {
            magic: AtomicU64::new(MAGIC),
            layout_version: AtomicU32::new(LAYOUT_VERSION),
            elem_size: AtomicU32::new(layout.elem_size as u32),
            elem_align: AtomicU32::new(layout.elem_align as u32),
            ring_bits: AtomicU32::new(layout.ring_bits),
            capacity: AtomicU64::new(layout.capacity as u64),
            total_size: AtomicU64::new(layout.total_size as u64),
            ring_offset: AtomicU64::new(layout.ring_offset as u64),
            slots_offset: AtomicU64::new(layout.slots_offset as u64),
            creator_pid: AtomicU32::new(creator_pid),
            kind: AtomicU32::new(layout.kind.word()),
            generation: AtomicU64::new(generation),
            producer_pid: AtomicU32::new(0),
            consumer_pid: AtomicU32::new(0),
            producer_start: AtomicU64::new(0),
            consumer_start: AtomicU64::new(0),
            producer_heartbeat: AtomicU64::new(0),
            consumer_heartbeat: AtomicU64::new(0),
            producer_parked: AtomicU32::new(0),
            consumer_parked: AtomicU32::new(0),
            evicted: AtomicU64::new(0),
        }
    }
}

/// Writes both headers of a fresh ring at `base`.
///
/// # Safety
///
/// `base` is aligned to 128 and valid for writes of `layout.total_size()`
/// bytes, and no other thread or process uses the memory yet.
pub(crate) unsafe fn init(
    base: NonNull<u8>,
    layout: &ShmLayout,
    creator_pid: u32,
    generation: u64,
) {
    let id = base.cast::<IdHeader>();
    // SAFETY: `base` is aligned and valid for the header's 128 bytes (caller);
    // nobody else sees the memory yet.
    unsafe { id.write(IdHeader::new(layout, creator_pid, generation)) };
    // SAFETY: `ring_offset` (128) + 384 <= `slots_offset` <= total size, inside
    // the region the caller gave.
    let ring = unsafe { base.add(layout.ring_offset) }.cast::<RingHeader>();
    // SAFETY: as above; 128 is a multiple of RingHeader's alignment.
    unsafe { ring.write(RingHeader::new(layout.capacity as u64, 0)) };
    if layout.kind == RingKind::Recorder {
        // SAFETY: `stamps_offset` + `capacity` words end at or before
        // `slots_offset`, inside the region; 512 is 8-aligned.
        let stamps = unsafe { base.add(layout.stamps_offset) }.cast::<AtomicU64>();
        for i in 0..layout.capacity {
            // SAFETY: word `i < capacity` of the stamp array above; no one else
            // sees the memory yet. Stamp `i` says "free for position `i`".
            unsafe { stamps.add(i).write(AtomicU64::new(i as u64)) };
        }
    }
}

/// Checks a region of `len` bytes at `base` that claims to be a ring of `T`:
/// every identification field against `T`, against each other and against
/// `len`, then ring-core's header against them.
///
/// # Errors
///
/// The first mismatch found, as its [`ShmError`] variant.
///
/// # Safety
///
/// `base` is aligned to 128 and valid for reads of `len` bytes for the
/// duration of the call (the content may be anything and may change
/// concurrently through atomic writes of a peer).
pub(crate) unsafe fn validate(
    base: NonNull<u8>,
    len: usize,
    expected: ShmLayout,
) -> Result<ShmLayout, ShmError> {
    if len < ID_HEADER_SIZE {
        return Err(ShmError::Truncated {
            len: len as u64,
            needed: ID_HEADER_SIZE as u64,
        });
    }
    // SAFETY: `len >= 128`, `base` is aligned (caller); every bit pattern is a
    // valid `IdHeader` (all atomics), and it is only accessed through atomics.
    let id = unsafe { base.cast::<IdHeader>().as_ref() };
    let s = id.snapshot();
    check_snapshot(&s, len as u64, expected).and_then(|layout| {
        // SAFETY: `check_snapshot` verified that `len` == the layout's total
        // size, so the ring header lies inside the region, and it is aligned
        // (128 from an aligned base).
        let ring = unsafe { base.add(layout.ring_offset).cast::<RingHeader>().as_ref() };
        check_ring_header(ring, &layout).map(|()| layout)
    })
}

/// The pure part of [`validate`]: a snapshot against what the caller expects
/// (the kind and element of `expected`; its capacity is ignored: the file
/// says it) and the file size.
pub(crate) fn check_snapshot(
    s: &IdSnapshot,
    file_len: u64,
    expected: ShmLayout,
) -> Result<ShmLayout, ShmError> {
    let (elem_size, elem_align) = (expected.elem_size, expected.elem_align);
    if s.magic != MAGIC {
        return Err(ShmError::BadMagic { found: s.magic });
    }
    if s.layout_version != LAYOUT_VERSION {
        return Err(ShmError::Version {
            found: s.layout_version,
            expected: LAYOUT_VERSION,
        });
    }
    if s.kind != expected.kind.word() {
        return Err(ShmError::Kind {
            found: s.kind,
            expected: expected.kind.word(),
        });
    }
    if s.elem_size as usize != elem_size || elem_size > u32::MAX as usize {
        return Err(ShmError::ElementSize {
            found: s.elem_size,
            expected: elem_size as u32,
        });
    }
    if s.elem_align as usize != elem_align {
        return Err(ShmError::ElementAlign {
            found: s.elem_align,
            expected: elem_align as u32,
        });
    }
    // A byte ring holds at least ring-core's smallest framing ring.
    let min_bits = match expected.kind {
        RingKind::Items | RingKind::Recorder => 0,
        RingKind::Bytes => ring_core::bytes::frame::MIN_CAPACITY.trailing_zeros(),
    };
    if s.ring_bits > MAX_RING_BITS || s.ring_bits < min_bits || s.capacity != 1u64 << s.ring_bits {
        return Err(ShmError::Capacity {
            capacity: s.capacity,
            ring_bits: s.ring_bits,
        });
    }
    let layout = ShmLayout::compute(expected.kind, s.ring_bits, elem_size, elem_align)?;
    let fields = [
        ("ring_offset", s.ring_offset, layout.ring_offset),
        ("slots_offset", s.slots_offset, layout.slots_offset),
        ("total_size", s.total_size, layout.total_size),
    ];
    for (field, found, expected) in fields {
        if found != expected as u64 {
            return Err(ShmError::Layout {
                field,
                found,
                expected: expected as u64,
            });
        }
    }
    if s.total_size != file_len {
        return Err(ShmError::SizeMismatch {
            header: s.total_size,
            file: file_len,
        });
    }
    Ok(layout)
}

fn check_ring_header(ring: &RingHeader, layout: &ShmLayout) -> Result<(), ShmError> {
    if ring.version() != HEADER_VERSION {
        return Err(ShmError::RingHeaderVersion {
            found: ring.version(),
            expected: HEADER_VERSION,
        });
    }
    if ring.capacity() != layout.capacity as u64 {
        return Err(ShmError::RingHeaderCapacity {
            found: ring.capacity(),
            expected: layout.capacity as u64,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_of_common_types() {
        let l = ShmLayout::new::<u8>(0).unwrap();
        assert_eq!(
            (l.capacity(), l.slots_offset(), l.total_size()),
            (1, 512, 513)
        );
        let l = ShmLayout::new::<[u64; 4]>(16).unwrap();
        assert_eq!(l.total_size(), 512 + 65536 * 32);
        #[derive(Clone, Copy)]
        #[repr(C, align(1024))]
        struct Big([u8; 1024]);
        let l = ShmLayout::new::<Big>(1).unwrap();
        assert_eq!(l.slots_offset(), 1024);
        assert_eq!(l.total_size(), 1024 + 2048);
    }

    #[test]
    fn impossible_layouts_are_errors() {
        assert!(matches!(
            ShmLayout::new::<u64>(MAX_RING_BITS + 1),
            Err(ShmError::TooLarge { .. })
        ));
        #[derive(Clone, Copy)]
        #[repr(C, align(8192))]
        struct Huge(u8);
        assert!(matches!(
            ShmLayout::new::<Huge>(1),
            Err(ShmError::TooLarge {
                elem_align: 8192,
                ..
            })
        ));
        if usize::BITS == 64 {
            assert!(matches!(
                ShmLayout::compute(RingKind::Items, 32, usize::MAX / 2, 1),
                Err(ShmError::TooLarge { .. })
            ));
        }
    }

    fn good() -> IdSnapshot {
        let l = ShmLayout::new::<u32>(4).unwrap();
        let h = IdHeader::new(&l, 1, 2);
        h.snapshot()
    }

    type Mutate = fn(&mut IdSnapshot);
    type Case = (Mutate, fn(&ShmError) -> bool);

    fn u32_ring() -> ShmLayout {
        ShmLayout::new::<u32>(4).unwrap()
    }

    #[test]
    fn each_field_has_its_error() {
        let len = good().total_size;
        assert!(check_snapshot(&good(), len, u32_ring()).is_ok());
        let cases: [Case; 7] = [
            (|s| s.magic ^= 1, |e| matches!(e, ShmError::BadMagic { .. })),
            (
                |s| s.kind = RingKind::Bytes.word(),
                |e| matches!(e, ShmError::Kind { found: 1, expected: 0 }),
            ),
            (
                |s| s.layout_version = 9,
                |e| matches!(e, ShmError::Version { found: 9, .. }),
            ),
            (
                |s| s.elem_size = 8,
                |e| {
                    matches!(
                        e,
                        ShmError::ElementSize {
                            found: 8,
                            expected: 4
                        }
                    )
                },
            ),
            (
                |s| s.elem_align = 2,
                |e| matches!(e, ShmError::ElementAlign { found: 2, .. }),
            ),
            (
                |s| s.capacity = 15,
                |e| matches!(e, ShmError::Capacity { capacity: 15, .. }),
            ),
            (
                |s| s.ring_bits = 99,
                |e| matches!(e, ShmError::Capacity { ring_bits: 99, .. }),
            ),
        ];
        let error_after = |mutate: Mutate| {
            let mut s = good();
            mutate(&mut s);
            check_snapshot(&s, len, u32_ring()).unwrap_err()
        };
        for (i, (mutate, expect)) in cases.iter().enumerate() {
            let e = error_after(*mutate);
            assert!(expect(&e), "case {i}: {e:?}");
        }
        // An offset or size off from the computed layout names its field.
        let offsets: [(&str, Mutate); 3] = [
            ("ring_offset", |s| s.ring_offset = 0),
            ("slots_offset", |s| s.slots_offset = 4096),
            ("total_size", |s| s.total_size += 1),
        ];
        for (name, mutate) in offsets {
            let e = error_after(mutate);
            assert!(
                matches!(e, ShmError::Layout { field, .. } if field == name),
                "{name}: {e:?}"
            );
        }
        assert!(matches!(
            check_snapshot(&good(), len - 1, u32_ring()),
            Err(ShmError::SizeMismatch { .. })
        ));
    }
}
