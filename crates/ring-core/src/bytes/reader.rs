//! The consumer side of a byte ring: records read in place, released on drop.

use core::fmt;
use core::ops::Deref;
use core::slice;

use super::frame::{self, Frame};
use crate::error::TryRecvError;
use crate::seams::Observer;
use crate::spsc;

/// One record, read in place: derefs to its bytes (contiguous, never split
/// at the wrap point). Dropping it releases the record's room to the
/// producer at once (and wakes a producer waiting for that room). It
/// borrows the consumer mutably, so there is one record at a time.
///
/// ```compile_fail
/// let (mut w, mut rx) = ring_core::bytes::ring(ring_core::Config::default());
/// w.try_send(b"a").unwrap();
/// let r = ring_core::bytes::try_recv(&mut rx).unwrap();
/// rx.close(); // the record still borrows the consumer
/// drop(r);
/// ```
pub struct ByteRecord<'a, O: Observer = ()> {
    rx: &'a mut spsc::Consumer<u8, O>,
    ptr: *const u8,
    len: usize,
    /// Bytes to release (padding, header, payload, alignment).
    end: usize,
    /// Ring position of the record's header.
    pos: u64,
}

impl<O: Observer> fmt::Debug for ByteRecord<'_, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ByteRecord({} bytes)", self.len)
    }
}

impl<O: Observer> Deref for ByteRecord<'_, O> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: the payload of a frame `frame::read` validated: committed,
        // initialised, contiguous bytes inside the slot array, which the producer
        // does not touch until they are released (in `drop`, after this borrow).
        unsafe { slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl<O: Observer> Drop for ByteRecord<'_, O> {
    fn drop(&mut self) {
        // SAFETY: `end` bytes from the head were committed (validated by
        // `frame::read` against the available count) and are finished with (plain
        // bytes: nothing to drop); the slice borrowed from this record is gone.
        unsafe { self.rx.raw.release(self.end) };
        // The observer, and the low watermark (counted in bytes).
        self.rx.consumed(self.pos, 1);
    }
}

impl<'a, O: Observer> ByteRecord<'a, O> {
    fn new(rx: &'a mut spsc::Consumer<u8, O>, f: Frame) -> Self {
        let pos = rx.raw.head().wrapping_add(f.start() as u64);
        let ptr = rx.raw.slots_for_read(f.payload, f.len).cast_const();
        ByteRecord {
            rx,
            ptr,
            len: f.len,
            end: f.end,
            pos,
        }
    }
}

/// A corrupt frame (only possible when something other than a byte
/// writer put bytes into the ring): the ring is closed and everything in it
/// released, so nothing is ever read from it again.
#[cold]
fn discard<O: Observer>(rx: &mut spsc::Consumer<u8, O>) {
    rx.raw.close();
    let n = rx.raw.refresh().unwrap_or(0);
    // SAFETY: `n` bytes were committed (the refresh above); they are plain bytes
    // (nothing to drop) and nothing borrows them.
    unsafe { rx.raw.release(n) };
}

/// Receives the next record of a byte ring in place, without blocking.
///
/// Every frame header is checked before a byte of its payload is read
/// ([`frame::read`]); a ring that holds something other than frames (safe
/// code can put plain bytes into an SPSC `u8` ring) is closed and emptied,
/// and reports `Closed`.
///
/// # Errors
///
/// `Empty`, or `Closed` once closed **and** drained.
///
/// # Examples
///
/// ```
/// use ring_core::{TryRecvError, bytes};
/// let (mut w, mut rx) = bytes::ring(ring_core::Config::default());
/// assert_eq!(bytes::try_recv(&mut rx).unwrap_err(), TryRecvError::Empty);
/// w.try_send(b"one").unwrap();
/// w.try_send(b"").unwrap(); // empty records are records
/// drop(w);
/// assert_eq!(&*bytes::try_recv(&mut rx).unwrap(), b"one");
/// assert!(bytes::try_recv(&mut rx).unwrap().is_empty());
/// assert_eq!(bytes::try_recv(&mut rx).unwrap_err(), TryRecvError::Closed);
/// ```
#[inline]
pub fn try_recv<O: Observer>(
    rx: &mut spsc::Consumer<u8, O>,
) -> Result<ByteRecord<'_, O>, TryRecvError> {
    let avail = rx.ready()?;
    // SAFETY: offset 0, below the committed count `ready` just returned.
    match unsafe { frame::read(&rx.raw, 0, avail) } {
        Ok(f) => Ok(ByteRecord::new(rx, f)),
        Err(_) => {
            discard(rx);
            Err(TryRecvError::Closed)
        }
    }
}

/// Hands every record available now (at most `max`) to `f` in place,
/// releasing each one's room as soon as `f` returns (so a producer waiting
/// for room can go on while the batch runs); returns the count. If `f`
/// panics, the records before and the one it panicked on count as received.
///
/// # Examples
///
/// ```
/// use ring_core::bytes;
/// let (mut w, mut rx) = bytes::ring(ring_core::Config::default());
/// for r in [&b"a"[..], b"bc", b"def"] {
///     w.try_send(r).unwrap();
/// }
/// let mut lens = Vec::new();
/// assert_eq!(bytes::consume_up_to(&mut rx, 2, |r| lens.push(r.len())), 2);
/// assert_eq!(lens, [1, 2]);
/// assert_eq!(bytes::consume_up_to(&mut rx, usize::MAX, |_| {}), 1);
/// ```
pub fn consume_up_to<O: Observer>(
    rx: &mut spsc::Consumer<u8, O>,
    max: usize,
    mut f: impl FnMut(&[u8]),
) -> usize {
    /// Releases the record being handed to `f` if `f` panics.
    struct Release<'a, O: Observer> {
        rx: &'a mut spsc::Consumer<u8, O>,
        handing: usize,
    }
    impl<O: Observer> Drop for Release<'_, O> {
        fn drop(&mut self) {
            if self.handing > 0 {
                // SAFETY: the frame being handed: validated against the committed
                // count, plain bytes (nothing to drop); the handler that borrowed
                // it has unwound.
                unsafe { self.rx.raw.release(self.handing) };
            }
        }
    }
    if max == 0 {
        return 0;
    }
    let Ok(mut avail) = rx.ready_all() else {
        return 0;
    };
    let mut fin = Release { rx, handing: 0 };
    let mut count = 0;
    while count < max && avail > 0 {
        // SAFETY: offset 0 (the head: a frame boundary) below `avail`, the
        // committed count `ready_all` returned minus what was released since.
        let fr = match unsafe { frame::read(&fin.rx.raw, 0, avail) } {
            Ok(fr) => fr,
            Err(_) => {
                discard(fin.rx);
                return count;
            }
        };
        let pos = fin.rx.raw.head().wrapping_add(fr.start() as u64);
        let p = fin.rx.raw.slots_for_read(fr.payload, fr.len);
        // SAFETY: a validated frame's payload: committed, initialised, contiguous,
        // not released before the handler returns (or unwinds).
        let record = unsafe { slice::from_raw_parts(p, fr.len) };
        fin.handing = fr.end;
        f(record);
        let done = core::mem::take(&mut fin.handing);
        // SAFETY: the frame just handed: validated, plain bytes, and the handler's
        // borrow of it has ended.
        unsafe { fin.rx.raw.release(done) };
        fin.rx.consumed(pos, 1);
        avail -= done;
        count += 1;
    }
    count
}

/// Whether a record waits in the byte ring now, as a receive would see it:
/// when none does and the ring is open, the empty path of a receive runs
/// (the observer's `on_empty`, and the low watermark, which reports a
/// crossing a racing call could not; see [`crate::watermark`]). For a
/// consumer that picks a ring before reading it (`ring_channels::bytes`).
///
/// # Examples
///
/// ```
/// use ring_core::bytes;
/// let (mut w, rx) = bytes::ring(ring_core::Config::default());
/// assert!(!bytes::poll_ready(&rx));
/// w.try_send(b"a").unwrap();
/// assert!(bytes::poll_ready(&rx));
/// ```
pub fn poll_ready<O: Observer>(rx: &spsc::Consumer<u8, O>) -> bool {
    rx.ready().is_ok()
}

/// Records waiting in the byte ring now (walks their headers; the
/// consumer's own thread).
///
/// # Examples
///
/// ```
/// use ring_core::bytes;
/// let (mut w, mut rx) = bytes::ring(ring_core::Config::default());
/// w.try_send(b"a").unwrap();
/// w.try_send(b"").unwrap();
/// assert_eq!(bytes::records(&rx), 2);
/// drop(bytes::try_recv(&mut rx));
/// assert_eq!(bytes::records(&rx), 1);
/// ```
pub fn records<O: Observer>(rx: &spsc::Consumer<u8, O>) -> usize {
    frame::count(&rx.raw)
}

/// The raw consumer side of an SPSC consumer of `u8`s, for the functions
/// of [`frame`] that only look (such as [`frame::count`]).
///
/// # Examples
///
/// ```
/// let (_w, rx) = ring_core::bytes::ring(ring_core::Config::default());
/// assert_eq!(ring_core::bytes::raw_consumer(&rx).head(), 0);
/// ```
pub fn raw_consumer<O: Observer>(rx: &spsc::Consumer<u8, O>) -> &crate::raw::RawConsumer<u8> {
    &rx.raw
}
