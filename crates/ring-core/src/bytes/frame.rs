//! The framing arithmetic of byte records: the one copy of it, used by the
//! heap byte ring ([`ByteWriter`](super::ByteWriter), [`try_recv`](super::try_recv))
//! and by shared-memory byte rings (implementor module).
//!
//! A byte ring is a single-consumer ring ([`crate::raw`]) of `u8` slots.
//! Positions count bytes and stay multiples of [`ALIGN`]; every frame starts
//! with an 8-byte [`HEADER`] (`len: u32`, `kind: u32`, native byte order):
//!
//! ```text
//! | len | RECORD | payload (len bytes, padded to a multiple of 8) | len | RECORD | ...
//! ... | len | PAD | (to the end of the slot array) || len | RECORD | payload ... (at slot 0)
//! ```
//!
//! A record never wraps: when its frame does not fit before the end of the
//! slot array, a padding frame fills the tail end and the record starts at
//! slot 0; the producer publishes both with one tail store, so the consumer
//! never sees a padding frame alone. The consumer releases a record's bytes
//! (and the padding before it) when it is done with it.
//!
//! [`read`] checks every header it reads against the committed count, the
//! capacity and the contiguity rule before any payload byte is touched, on
//! both trust policies: a garbage header (from a hostile peer, or from safe
//! code that wrote plain bytes into the ring) is a [`FrameCorrupt`] error,
//! never a read outside the committed bytes.

use core::ptr;

use thiserror::Error;

use crate::raw::{Policy, RawConsumer, RawProducer};

/// Bytes of a frame header (`len: u32`, `kind: u32`).
pub const HEADER: usize = 8;
/// Every frame starts at a multiple of this many bytes.
pub const ALIGN: usize = 8;
/// The smallest byte ring: records of up to `MIN_CAPACITY / 4` bytes fit.
pub const MIN_CAPACITY: usize = 32;

/// `kind` of a record frame ("REC1").
const RECORD: u32 = 0x5245_4331;
/// `kind` of a padding frame ("PAD1"): its `len` bytes are skipped.
const PAD: u32 = 0x5041_4431;

/// The largest record length a ring of `capacity` bytes accepts: a record
/// of this length fits an empty ring wherever the write position is (its
/// frame is at most half the ring, so the padding before it is less than
/// the other half). At least `capacity / 4` from [`MIN_CAPACITY`] on.
///
/// # Examples
///
/// ```
/// use ring_core::bytes::frame::max_record;
/// assert_eq!(max_record(32), 8);
/// assert_eq!(max_record(4096), 2040);
/// assert!(max_record(1 << 20) >= (1 << 20) / 4);
/// ```
pub const fn max_record(capacity: usize) -> usize {
    (capacity / 2).saturating_sub(HEADER)
}

/// Ring bytes one record of `len` bytes takes: header plus the payload
/// rounded up to [`ALIGN`].
///
/// # Examples
///
/// ```
/// use ring_core::bytes::frame::footprint;
/// assert_eq!((footprint(0), footprint(1), footprint(8), footprint(9)), (8, 16, 16, 24));
/// ```
pub const fn footprint(len: usize) -> usize {
    HEADER + len.div_ceil(ALIGN) * ALIGN
}

/// Where the producer puts a record: after `pad` bytes of padding (0 when
/// the frame fits before the end of the slot array). Made by [`plan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pad: usize,
    len: usize,
}

impl Plan {
    /// Free bytes the frame needs from the tail (padding included).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::bytes::frame::plan;
    /// assert_eq!(plan(0, 64, 10).unwrap().need(), 24);
    /// assert_eq!(plan(56, 64, 10).unwrap().need(), 8 + 24); // 8 bytes of padding first
    /// ```
    pub fn need(&self) -> usize {
        self.pad + footprint(self.len)
    }

    /// The record's length.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ring_core::bytes::frame::plan(0, 64, 10).unwrap().len(), 10);
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for an empty record (a header alone).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(ring_core::bytes::frame::plan(0, 64, 0).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Offset of the payload from the tail.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::bytes::frame::plan;
    /// assert_eq!(plan(0, 64, 10).unwrap().payload(), 8);
    /// assert_eq!(plan(56, 64, 10).unwrap().payload(), 16); // after the padding, at slot 0
    /// ```
    pub fn payload(&self) -> usize {
        self.pad + HEADER
    }
}

/// Plans a record of `len` bytes at `tail` in a ring of `capacity` bytes:
/// in place if its frame fits before the end of the slot array, else after
/// a padding frame that fills the tail end. `None` if the record can never
/// be written there: `len > max_record(capacity)`, a capacity below
/// [`MIN_CAPACITY`] (or not a power of two), or a tail that is not a
/// multiple of [`ALIGN`].
///
/// # Examples
///
/// ```
/// use ring_core::bytes::frame::{max_record, plan};
/// let p = plan(40, 64, 16).unwrap(); // frame of 24 bytes fits in the last 24
/// assert_eq!(p.need(), 24);
/// let p = plan(48, 64, 16).unwrap(); // 16 bytes left: pad them, start at slot 0
/// assert_eq!(p.need(), 16 + 24);
/// assert!(plan(4, 64, 0).is_none()); // misaligned tail
/// assert!(plan(0, 64, max_record(64) + 1).is_none());
/// ```
pub fn plan(tail: u64, capacity: usize, len: usize) -> Option<Plan> {
    if capacity < MIN_CAPACITY
        || !capacity.is_power_of_two()
        || !tail.is_multiple_of(ALIGN as u64)
        || len > max_record(capacity)
    {
        return None;
    }
    let to_end = capacity - (tail as usize & (capacity - 1));
    let pad = if footprint(len) <= to_end { 0 } else { to_end };
    Some(Plan { pad, len })
}

/// Pointer to the payload bytes of `plan` (valid for writes of
/// `plan.len()` bytes while the plan's room is reserved); records the
/// writes for loom.
///
/// # Examples
///
/// ```
/// use ring_core::bytes::frame;
/// fn payload_ptr(raw: &ring_core::raw::RawProducer<u8>) -> *mut u8 {
///     let plan = frame::plan(raw.tail(), raw.ring().capacity(), 3).unwrap();
///     frame::payload(raw, &plan)
/// }
/// ```
pub fn payload<P: Policy>(raw: &RawProducer<u8, P>, plan: &Plan) -> *mut u8 {
    raw.slots_for_write(plan.payload(), plan.len)
}

fn encode(len: usize, kind: u32) -> [u8; HEADER] {
    let mut h = [0; HEADER];
    h[..4].copy_from_slice(&(len as u32).to_ne_bytes());
    h[4..].copy_from_slice(&kind.to_ne_bytes());
    h
}

/// Writes the frame headers of `plan` for a record of `n` bytes (the
/// padding frame first, if any) and publishes the frame with one tail
/// store, waking the consumer if it sleeps.
///
/// # Panics
///
/// If `n > plan.len()` (before anything is written).
///
/// # Safety
///
/// - `plan` was made by [`plan`] for this producer's current tail and
///   capacity, and `plan.need() <=` [`RawProducer::free_cached`] (the
///   room is vacant and only this producer writes it);
/// - the `n` payload bytes (from [`payload`]) were written, or the slot
///   memory was initialised when the ring was made (every byte of a byte
///   ring must be initialised memory: the consumer reads them as `u8`).
pub unsafe fn publish<P: Policy>(raw: &mut RawProducer<u8, P>, plan: Plan, n: usize) {
    assert!(
        n <= plan.len,
        "commit_len({n}) exceeds the {} reserved bytes",
        plan.len
    );
    debug_assert!(plan.need() <= raw.free_cached());
    if plan.pad > 0 {
        let p = raw.slots_for_write(0, HEADER).cast::<[u8; HEADER]>();
        // SAFETY: the padding frame's header: 8 vacant bytes at the tail, inside
        // the slot array (the tail is aligned and `pad >= 8` bytes remain before
        // the end), ours per the room reserved (caller); `[u8; 8]` has alignment 1.
        unsafe { p.write(encode(plan.pad - HEADER, PAD)) };
    }
    let p = raw.slots_for_write(plan.pad, HEADER).cast::<[u8; HEADER]>();
    // SAFETY: the record's header: 8 vacant bytes at `pad` past the tail,
    // contiguous (the frame fits before the end of the slot array: `plan`),
    // inside the reserved room (caller); alignment 1.
    unsafe { p.write(encode(n, RECORD)) };
    // SAFETY: `pad + footprint(n) <= plan.need() <= free_cached` (caller); every
    // byte published is initialised: headers written above, payload written or
    // initialised at creation, and the alignment padding after it is ring memory
    // that was initialised likewise (caller).
    unsafe { raw.publish(plan.pad + footprint(n)) };
}

/// A record found by [`read`]: offsets from the consumer's head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// Offset of the first payload byte.
    pub payload: usize,
    /// Payload length.
    pub len: usize,
    /// Offset just past the frame (padding before it included): release
    /// this many bytes (from the offset the frame was read at) when done.
    pub end: usize,
}

impl Frame {
    /// Offset of the record's header (after the padding frame, if any).
    ///
    /// # Examples
    ///
    /// ```
    /// let f = ring_core::bytes::frame::Frame { payload: 24, len: 3, end: 32 };
    /// assert_eq!(f.start(), 16); // a header of 8, 3 bytes padded to 8
    /// ```
    pub fn start(&self) -> usize {
        self.payload - HEADER
    }
}

/// A frame header that breaks the framing rules: its length or kind is
/// impossible for the committed bytes, or the position is misaligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error(
    "corrupt byte record at position {pos}: kind {kind:#x}, length {len}, {avail} bytes committed, capacity {capacity}"
)]
pub struct FrameCorrupt {
    /// The ring position of the header.
    pub pos: u64,
    /// The `kind` word read (0 when the header was not read).
    pub kind: u32,
    /// The `len` word read.
    pub len: u32,
    /// Committed bytes from the consumer's head.
    pub avail: usize,
    /// The ring's capacity.
    pub capacity: usize,
}

fn read_header<P: Policy>(raw: &RawConsumer<u8, P>, offset: usize) -> (u32, u32) {
    let p = raw.slots_for_read(offset, HEADER).cast::<[u8; HEADER]>();
    // SAFETY: `read`'s callers checked `offset + HEADER <=` the committed count,
    // the position is aligned, so the 8 bytes are contiguous inside the slot
    // array (capacity a multiple of 8) and initialised (committed). Volatile: in a
    // shared mapping the peer may rewrite them; the copy is all that is used.
    let h = unsafe { ptr::read_volatile(p) };
    let len = u32::from_ne_bytes([h[0], h[1], h[2], h[3]]);
    let kind = u32::from_ne_bytes([h[4], h[5], h[6], h[7]]);
    (len, kind)
}

/// Reads the frame at `offset` bytes past the head (skipping a padding
/// frame there) and checks it: aligned, a known kind, a padding frame that
/// ends exactly at the end of the slot array and is followed by a record, a
/// record whose frame lies within the `avail` committed bytes and does not
/// cross the end of the slot array, and a length within
/// [`max_record`]. Nothing past the checked bytes is read.
///
/// # Errors
///
/// [`FrameCorrupt`] when a rule is broken.
///
/// # Safety
///
/// `offset` is a multiple of [`ALIGN`] below `avail`, and `avail` does not
/// exceed the committed count this consumer last obtained
/// ([`RawConsumer::available`] / [`refresh`](RawConsumer::refresh)) minus
/// nothing released since: every byte below `avail` is committed and stays
/// put until released.
///
/// # Examples
///
/// ```
/// use ring_core::bytes::frame;
/// fn next(raw: &ring_core::raw::RawConsumer<u8>) -> Option<frame::Frame> {
///     let avail = raw.refresh().ok().filter(|&n| n > 0)?;
///     // SAFETY: offset 0 below `avail`, which the refresh just returned.
///     unsafe { frame::read(raw, 0, avail) }.ok()
/// }
/// ```
pub unsafe fn read<P: Policy>(
    raw: &RawConsumer<u8, P>,
    offset: usize,
    avail: usize,
) -> Result<Frame, FrameCorrupt> {
    let capacity = raw.ring().capacity();
    let pos = raw.head().wrapping_add(offset as u64);
    let corrupt = |(len, kind): (u32, u32)| FrameCorrupt {
        pos,
        kind,
        len,
        avail,
        capacity,
    };
    if capacity < MIN_CAPACITY || !pos.is_multiple_of(ALIGN as u64) || offset + HEADER > avail {
        return Err(corrupt((0, 0)));
    }
    let to_end = capacity - (pos as usize & (capacity - 1));
    let mut start = offset;
    let mut room = to_end;
    let mut h = read_header(raw, offset);
    if h.1 == PAD {
        if h.0 as usize != to_end - HEADER || offset + to_end + HEADER > avail {
            return Err(corrupt(h));
        }
        start = offset + to_end;
        room = capacity;
        h = read_header(raw, start);
    }
    let len = h.0 as usize;
    if h.1 != RECORD
        || len > max_record(capacity)
        || footprint(len) > room
        || start + footprint(len) > avail
    {
        return Err(corrupt(h));
    }
    Ok(Frame {
        payload: start + HEADER,
        len,
        end: start + footprint(len),
    })
}

/// Records committed now (walks their headers from the consumer's head;
/// stops at the first frame [`read`] refuses). For status queries on the
/// consumer's own thread.
///
/// # Examples
///
/// ```
/// use ring_core::bytes::{self, frame};
/// let (mut w, rx) = bytes::ring(ring_core::Config::default());
/// w.try_send(b"a").unwrap();
/// w.try_send(b"").unwrap();
/// assert_eq!(frame::count(ring_core::bytes::raw_consumer(&rx)), 2);
/// ```
pub fn count<P: Policy>(raw: &RawConsumer<u8, P>) -> usize {
    let avail = raw.refresh().unwrap_or(0);
    let (mut at, mut n) = (0, 0);
    while at < avail {
        // SAFETY: `at` is a frame boundary below `avail`, the committed count the
        // refresh above returned; nothing is released meanwhile (`&` of the only
        // consumer, on its thread).
        match unsafe { read(raw, at, avail) } {
            Ok(f) => {
                at = f.end;
                n += 1;
            }
            Err(_) => break,
        }
    }
    n
}
