//! The flight recorder: overwrite-oldest rings with exact loss accounting,
//! for logging, tracing and telemetry (after Linux's printk ring buffer).
//!
//! - A [`Recorder`] never waits for room and never fails for lack of it:
//!   when its ring is full, [`Recorder::record`] evicts the oldest entry the
//!   reader has not taken yet and hands it back (reuse its buffers).
//! - Each recorder owns a ring ([`ring_core::claim`], the claim ring whose
//!   producer may evict, see [`claim::Producer::record`]); a clone is a new
//!   writer with a ring of its own, numbered in order of creation, as in
//!   MPSC. Rings live as long as the channel, so what a dropped writer
//!   recorded stays readable.
//! - A writer's ring is backed by memory when it is made (on the thread
//!   that makes it: `channel`, `build` or `clone`), not page by page during
//!   its first pass: a `record` never waits on a page fault.
//! - The [`Reader`] gets [`Entry`]s: the value, its writer, its position in
//!   that writer's stream (`seq`) and how many of that writer's entries were
//!   evicted since the reader's previous entry from it (`lost_before`).
//!   [`Reader::lost`] is the total evicted so far; each eviction is also
//!   reported to the observer's `on_evicted(1)`.
//! - Watermarks (`Builder::watermarks(low, high)`) are per writer ring:
//!   records raise its fill, an evicting record keeps it full, the reader
//!   lowers it. The reader moves up to 16 entries out of a ring at a time
//!   (they wait in the reader until returned), so a `Low` report's `len`
//!   may be up to 15 below `low`.
//!
//! Every entry ever recorded is received once, evicted once (counted, and
//! handed back by `record`), or dropped once when the last handle goes.
//! Eviction and receipt claim entries through the same CAS on the ring's
//! head, so no entry is both, and no slot is written while the reader moves
//! its entry out (no racy read of a half-written entry is ever made).
//!
//! # Examples
//!
//! ```
//! use ring_channels::recorder;
//! use ring_core::Config;
//!
//! let (mut log, mut reader) = recorder::channel::<u32>(Config::default().with_ring_bits(2));
//! for i in 0..6 {
//!     log.record(i).unwrap(); // never waits: 0 and 1 are evicted
//! }
//! let e = reader.try_recv().unwrap();
//! assert_eq!((e.seq, e.value, e.lost_before), (2, 2, 2));
//! assert_eq!(reader.lost(), 2);
//! drop(log);
//! assert_eq!(reader.iter().map(|e| e.value).collect::<Vec<_>>(), [3, 4, 5]);
//! ```

use core::cell::Cell;
use core::marker::PhantomData;
use std::collections::VecDeque;

use crate::claim_rings::ClaimRings;
use ring_core::claim;
use ring_core::lifecycle::Lifecycle;
use ring_core::spsc::BuildError;
use ring_core::sync::Arc;
use ring_core::wait::Closer;
use ring_core::{Observer, RingMemory, TryRecvError};

/// The entry a reader gets, and the error of a write into a closed
/// recorder (shared with ring-shm's `SharedRecorder`).
pub use ring_core::recorder::{Closed, Entry};

/// Entries the reader moves out of a ring per claim (one CAS and one
/// observer call per batch instead of per entry).
const TAKE_BATCH: usize = 16;

struct Chan<T, O: Observer> {
    rings: ClaimRings<T, O>,
    /// Shared on its own so that a [`Closer`] needs no `T: Send`: closing
    /// the channel is closing its lifecycle (writers check its flag; the
    /// rings' own flags stay unset).
    life: Arc<Lifecycle>,
}

impl<T, O: Observer> core::ops::Deref for Chan<T, O> {
    type Target = ClaimRings<T, O>;
    fn deref(&self) -> &ClaimRings<T, O> {
        &self.rings
    }
}

impl<T, O: Observer> Chan<T, O> {
    fn close(&self) {
        self.life.close();
    }
}

family! {
    /// The flight-recorder family for the one [`Builder`](ring_core::builder::Builder).
    family Recording;
    /// Builds a flight recorder with a memory seam and an observer.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::recorder::Builder;
    /// use ring_core::{Config, Heap};
    /// let (mut log, mut reader) = Builder::new(Config::default()).memory(Heap).build::<u8>()?;
    /// log.record(1).unwrap();
    /// assert_eq!(reader.try_recv().unwrap().value, 1);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    Builder;
    /// The two ends of a flight recorder, as returned by [`Builder::build`].
    Channel = (Recorder, Reader);
    /// Creates a flight recorder whose writers each retain up to
    /// `config.capacity()` entries.
    ///
    /// # Panics
    ///
    /// If the ring's memory cannot be allocated (as `Vec`); use [`try_channel`]
    /// or [`Builder`] for an error instead.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut log, mut reader) = ring_channels::recorder::channel::<u64>(ring_core::Config::default());
    /// log.record(1).unwrap();
    /// assert_eq!(reader.recv().unwrap().value, 1);
    /// ```
    channel;
    /// As [`channel`], reporting a failed allocation as an error.
    ///
    /// # Errors
    ///
    /// [`BuildError`] if the ring's memory cannot be had.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_log, _reader) = ring_channels::recorder::try_channel::<u8>(ring_core::Config::default())?;
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    try_channel;

    build_channel[M: RingMemory + Clone] |p| {
        let life = Arc::new(Lifecycle::new(1));
        // A recorder never waits and always wraps: back each writer's ring
        // when it is made, so that its first pass pays no page faults.
        let rings = ClaimRings::new(p, life.consumer_group().clone()).prefaulted();
        let chan = Arc::new(Chan { rings, life });
        let (inner, writer) = chan.push_new()?;
        let reader = Reader {
            chan: chan.clone(),
            next: Vec::new(),
            start: 0,
            taken: VecDeque::new(),
            _not_sync: PhantomData,
        };
        Ok((
            Recorder {
                inner,
                chan,
                writer,
            },
            reader,
        ))
    }
}

// ------------------------------------------------------------------ Recorder

/// A writer: records into its own ring, never waiting for room. `Send`, not
/// `Sync`; `Clone` makes a new writer with its own ring.
pub struct Recorder<T, O: Observer = ()> {
    inner: claim::Producer<T, O>,
    chan: Arc<Chan<T, O>>,
    writer: usize,
}

debug_handle!(impl[T, O: Observer] Recorder<T, O>, "recorder::Recorder", writer = |r| r.writer);

impl<T, O: Observer> Drop for Recorder<T, O> {
    fn drop(&mut self) {
        // The last writer wakes a sleeping reader (it drains, then sees
        // `Closed`) and an armed notifier.
        self.chan.life.drop_producer();
    }
}

clone_by_try_clone! {
    /// A new writer with a ring of its own (numbered next).
    ///
    /// # Panics
    ///
    /// If the new ring's memory cannot be allocated; see
    /// [`try_clone`](Recorder::try_clone).
    impl[T, O: Observer] Recorder<T, O>, |e| panic!("recorder::Recorder::clone: {e}")
}

impl<T, O: Observer> Recorder<T, O> {
    /// A new writer with a ring of its own, reporting a failed allocation as
    /// an error. A clone made after the channel closed records nothing
    /// (`Closed`).
    ///
    /// # Errors
    ///
    /// [`BuildError`] if the ring's memory cannot be had.
    ///
    /// # Examples
    ///
    /// ```
    /// let (log, _reader) = ring_channels::recorder::channel::<u8>(ring_core::Config::default());
    /// assert_eq!(log.try_clone()?.writer(), 1);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn try_clone(&self) -> Result<Self, BuildError> {
        let chan = &self.chan;
        chan.life.add_producer();
        let (inner, writer) = match chan.push_new() {
            Ok(p) => p,
            Err(e) => {
                // (never the last: we hold a writer)
                chan.life.drop_producer();
                return Err(e);
            }
        };
        Ok(Recorder {
            inner,
            chan: chan.clone(),
            writer,
        })
    }

    /// Records `value`, never waiting for room: when this writer's ring is
    /// full, its oldest unread entry is evicted (counted in
    /// [`Reader::lost`]) and handed back as `Ok(Some(old))`; `Ok(None)` when
    /// there was room.
    ///
    /// The only wait: if the reader is moving that very entry out at this
    /// instant, `record` waits for the move of one `T` to finish.
    ///
    /// # Errors
    ///
    /// [`Closed`] with the value once the reader is gone or the channel was
    /// closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut log, _reader) = ring_channels::recorder::channel::<String>(
    ///     ring_core::Config::default().with_ring_bits(1),
    /// );
    /// assert_eq!(log.record("a".into()), Ok(None));
    /// assert_eq!(log.record("b".into()), Ok(None));
    /// let mut old = log.record("c".into()).unwrap().unwrap(); // "a", evicted
    /// old.clear(); // reuse its buffer
    /// ```
    #[inline]
    pub fn record(&mut self, value: T) -> Result<Option<T>, Closed<T>> {
        // A hint: a close racing this call may still let one entry in, which
        // the reader's final drain or the next `record` drops (never twice).
        if self.chan.life.is_closed_hint() {
            return Err(self.closed(value));
        }
        match self.inner.record(value) {
            Ok(evicted) => Ok(evicted),
            Err(v) => Err(self.closed(v)),
        }
    }

    #[cold]
    fn closed(&self, v: T) -> Closed<T> {
        // An entry recorded while the reader's final drain ran may be left in
        // the ring: drop it now rather than with the channel (the reader's
        // close, after its count went to zero, is what the Acquire in
        // `is_closed` reads).
        if self.chan.life.is_closed() && self.chan.life.consumer_count() == 0 {
            self.inner.ring().drop_pending();
        }
        Closed(v)
    }

    /// Which writer this is: 0 for the first, clones numbered in order of
    /// creation ([`Entry::writer`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let (log, _reader) = ring_channels::recorder::channel::<u8>(ring_core::Config::default());
    /// assert_eq!(log.writer(), 0);
    /// ```
    pub fn writer(&self) -> usize {
        self.writer
    }

    /// Closes the channel for every writer and the reader (entries already
    /// recorded stay readable). Idempotent.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut log, mut reader) = ring_channels::recorder::channel::<u8>(ring_core::Config::default());
    /// log.record(1).unwrap();
    /// log.close();
    /// assert!(log.record(2).is_err());
    /// assert_eq!(reader.recv().unwrap().value, 1);
    /// assert!(reader.recv().is_err());
    /// ```
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// Whether the channel is closed (or the reader is gone).
    ///
    /// # Examples
    ///
    /// ```
    /// let (log, reader) = ring_channels::recorder::channel::<u8>(ring_core::Config::default());
    /// drop(reader);
    /// assert!(log.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.life.is_closed()
    }

    ring_status! { inner => tx of "recorder", ring "this writer's ring" in slots,
    send "tx.record(1).unwrap()";
    fill above_high_watermark capacity len }

    /// Whether this writer's ring holds no unread entry (a snapshot).
    ///
    /// # Examples
    ///
    /// ```
    /// let (log, _r) = ring_channels::recorder::channel::<u8>(ring_core::Config::default());
    /// assert!(log.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries evicted from this writer's ring so far.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::Config;
    /// let (mut log, _r) = ring_channels::recorder::channel::<u8>(Config::default().with_ring_bits(1));
    /// for i in 0..5 {
    ///     log.record(i).unwrap();
    /// }
    /// assert_eq!(log.evicted(), 3);
    /// ```
    pub fn evicted(&self) -> u64 {
        self.inner.ring().evicted()
    }

    /// The observer this channel reports to.
    ///
    /// # Examples
    ///
    /// ```
    /// let (log, _r) = ring_channels::recorder::channel::<u8>(ring_core::Config::default());
    /// assert_eq!(log.observer(), &());
    /// ```
    pub fn observer(&self) -> &O {
        self.inner.ring().observer()
    }
}

// -------------------------------------------------------------------- Reader

/// The reading end: takes entries from every writer's ring, oldest first
/// within each writer. `Send`, not `Sync`, not `Clone`.
pub struct Reader<T, O: Observer = ()> {
    chan: Arc<Chan<T, O>>,
    /// Per writer: the `seq` the next entry from it would have with no loss.
    next: Vec<u64>,
    /// Where the next sweep over the writers starts (round robin).
    start: usize,
    /// Entries moved out of a ring in the last batch, not yet returned.
    taken: VecDeque<Entry<T>>,
    _not_sync: PhantomData<Cell<()>>,
}

debug_handle!(
    impl[T, O: Observer] Reader<T, O>,
    "recorder::Reader",
    writers = |r| r.chan.table.len()
);

impl<T, O: Observer> Drop for Reader<T, O> {
    fn drop(&mut self) {
        // The reader closes the channel and drops what is still in the rings
        // now (writers may live on for long).
        // (The last consumer's count closes the lifecycle.)
        if self.chan.life.drop_consumer() {
            self.chan.drop_pending();
        }
    }
}

impl<T, O: Observer> Reader<T, O> {
    /// One entry: the oldest taken but not yet returned, else a batch from
    /// the next writer's ring that has any (round robin over the writers).
    fn take_one(&mut self) -> Option<Entry<T>> {
        if let Some(e) = self.taken.pop_front() {
            return Some(e);
        }
        let t = &self.chan.table;
        let n = t.len();
        let start = self.start;
        for j in 0..n {
            let writer = (start + j) % n;
            let Some(ring) = t.get(writer) else { continue };
            if self.next.len() <= writer {
                self.next.resize(writer + 1, 0);
            }
            let (next, taken) = (&mut self.next[writer], &mut self.taken);
            // A batch is moved out of the ring (each slot given back at once)
            // before any of it reaches the caller, so a writer never waits
            // on what the caller does with an entry (only on the moves, and
            // on the observer's `on_consume`, which runs before them).
            let k = ring.take_at(TAKE_BATCH, |seq, value| {
                let lost_before = seq.saturating_sub(*next);
                *next = seq + 1;
                taken.push_back(Entry {
                    seq,
                    writer,
                    value,
                    lost_before,
                });
            });
            if k > 0 {
                self.start = writer + 1;
                return self.taken.pop_front();
            }
        }
        None
    }

    /// Receives one entry without blocking.
    ///
    /// # Errors
    ///
    /// `Empty`, or `Closed` once the channel is closed (or every writer is
    /// gone) and nothing is left.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::TryRecvError;
    /// let (mut log, mut reader) = ring_channels::recorder::channel::<u8>(ring_core::Config::default());
    /// assert_eq!(reader.try_recv(), Err(TryRecvError::Empty));
    /// log.record(5).unwrap();
    /// assert_eq!(reader.try_recv().map(|e| e.value), Ok(5));
    /// drop(log);
    /// assert_eq!(reader.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<Entry<T>, TryRecvError> {
        if let Some(e) = self.take_one() {
            return Ok(e);
        }
        if !self.chan.life.closing() {
            return Err(TryRecvError::Empty);
        }
        // Nothing new can arrive, and the Acquire in `closing` made every
        // commit visible: one more look decides.
        self.take_one().ok_or(TryRecvError::Closed)
    }

    /// Entries evicted so far, over all writers (including entries evicted
    /// before this reader looked at that writer).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::Config;
    /// let (mut log, reader) = ring_channels::recorder::channel::<u8>(Config::default().with_ring_bits(1));
    /// for i in 0..3 {
    ///     log.record(i).unwrap();
    /// }
    /// assert_eq!(reader.lost(), 1);
    /// ```
    pub fn lost(&self) -> u64 {
        self.chan.table.iter().map(|r| r.evicted()).sum()
    }

    /// Closes the channel: every writer's next `record` is `Closed`;
    /// entries already recorded stay readable. Idempotent.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut log, mut reader) = ring_channels::recorder::channel::<u8>(ring_core::Config::default());
    /// reader.close();
    /// assert!(log.record(1).is_err());
    /// ```
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// A handle that closes this channel from any thread (waking a reader
    /// blocked in `recv`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (_log, mut reader) = ring_channels::recorder::channel::<u8>(ring_core::Config::default());
    /// let closer = reader.closer();
    /// std::thread::spawn(move || closer.close());
    /// assert!(reader.recv().is_err());
    /// ```
    pub fn closer(&self) -> Closer {
        let life = self.chan.life.clone();
        Closer::new(move || {
            life.close();
        })
    }

    /// Whether the channel is closed or every writer is gone (entries may
    /// still be waiting).
    ///
    /// # Examples
    ///
    /// ```
    /// let (log, reader) = ring_channels::recorder::channel::<u8>(ring_core::Config::default());
    /// drop(log);
    /// assert!(reader.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.life.closing()
    }

    /// Unread entries over all writers (a snapshot).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut log, reader) = ring_channels::recorder::channel::<u8>(ring_core::Config::default());
    /// log.record(1).unwrap();
    /// assert_eq!(reader.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.taken.len() + self.chan.table.iter().map(|r| r.len()).sum::<usize>()
    }

    /// Whether no entry is waiting (a snapshot).
    ///
    /// # Examples
    ///
    /// ```
    /// let (_log, reader) = ring_channels::recorder::channel::<u8>(ring_core::Config::default());
    /// assert!(reader.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.taken.is_empty() && self.chan.table.iter().all(|r| r.is_empty())
    }

    ring_status! { chan.rings => rx of "recorder", rings "writer" in slots,
    send "tx.record(1).unwrap()";
    fill above_high_watermark capacity }

    /// Writers alive now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (log, reader) = ring_channels::recorder::channel::<u8>(ring_core::Config::default());
    /// let _second = log.clone();
    /// assert_eq!(reader.writer_count(), 2);
    /// ```
    pub fn writer_count(&self) -> usize {
        self.chan.life.producer_count()
    }

    /// The observer this channel reports to.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_log, reader) = ring_channels::recorder::channel::<u8>(ring_core::Config::default());
    /// assert_eq!(reader.observer(), &());
    /// ```
    pub fn observer(&self) -> &O {
        &self.chan.observer
    }
}

consumer_waitable!(impl[T, O: Observer] Reader<T, O>, chan.life, chan.observer);

// The blocking receives and the iterators, written once in ring-core.
ring_core::consumer_api!(impl[T: 'static, O: Observer] Reader<T, O> => Entry<T>);
ring_core::notifier_api!(impl[T, O: Observer] Reader<T, O>, chan.life);

/// The entries available now (`Reader::try_iter`).
pub type TryIter<'a, T, O = ()> = ring_core::endpoint::TryIter<'a, Reader<T, O>>;
/// Every entry until closed and drained (`Reader::iter`).
pub type Iter<'a, T, O = ()> = ring_core::endpoint::Iter<'a, Reader<T, O>>;
/// Every entry until closed and drained, owning the reader.
pub type IntoIter<T, O = ()> = ring_core::endpoint::IntoIter<Reader<T, O>>;

#[cfg(test)]
mod tests {
    use super::*;
    use ring_core::Config;

    #[test]
    fn gaps_are_counted_per_writer_and_in_total() {
        let (mut a, mut r) = channel::<u32>(Config::default().with_ring_bits(1));
        let mut b = a.clone();
        for i in 0..5 {
            a.record(i).unwrap();
        }
        b.record(100).unwrap();
        let mut got: Vec<_> = r.try_iter().collect();
        got.sort_by_key(|e| (e.writer, e.seq));
        let seen: Vec<_> = got
            .iter()
            .map(|e| (e.writer, e.seq, e.value, e.lost_before))
            .collect();
        assert_eq!(seen, [(0, 3, 3, 3), (0, 4, 4, 0), (1, 0, 100, 0)]);
        assert_eq!(r.lost(), 3);
        a.record(5).unwrap();
        let e = r.try_recv().unwrap();
        assert_eq!((e.seq, e.lost_before), (5, 0));
    }
}
