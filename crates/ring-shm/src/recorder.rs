//! The flight recorder in shared memory: one writer process that never
//! waits for room, one reader process that learns exactly what it lost,
//! and post-mortem reading of what a dead writer left.
//!
//! The protocol is the in-process recorder's (ring-core's claim ring with
//! eviction, [`ClaimWords`]) under the [`Untrusted`] policy, over ring-core's
//! `RingHeader` (its consumer line is the claim head, its producer line the
//! tail, its cold line the close flags and doorbells), the stamp words and
//! the slots of the mapping (see `docs/shm-protocol.md`, "Flight recorder").
//!
//! What the checked policy adds against a peer process that stops, dies or
//! writes garbage:
//!
//! - The writer never waits on the reader beyond a short budget: a reader
//!   that claimed the oldest entry and has not given its slot back within
//!   [`EVICT_WAIT`] (a stopped or dead process) has the slot taken back
//!   ([`ClaimWords::force_evict`]); the entry counts as evicted.
//! - The reader gives a slot back with a CAS: if the writer took it back
//!   first, the copy it made may be torn, and it is dropped and counted as
//!   lost instead of returned.
//! - A claim that cannot make progress (garbage stamps or head) closes the
//!   reader and is reported by `corruption()`.

use core::fmt;
use core::ptr::{self, NonNull};
use core::time::Duration;
use std::os::fd::{AsFd, BorrowedFd};
use std::time::Instant;

use ring_core::claim::{ClaimWords, Eviction};
use ring_core::raw::{RingRef, Untrusted};
use ring_core::recorder::{Closed, Entry};
use ring_core::sync::{Arc, AtomicU64, Backoff};
use ring_core::wait::DoorbellRef;
use ring_core::{RecvError, RecvTimeoutError, TryRecvError, WaitStrategy};

use crate::ShmSafe;
use crate::error::ShmError;
use crate::handle::{self, Common, Role};
use crate::layout::{RingKind, ShmLayout};
use crate::region::Region;

/// How long a writer waits for a reader that claimed the oldest entry to
/// give its slot back before it takes the slot back (the reader then drops
/// its copy, counted as lost). A reader moves one entry out in well under
/// a microsecond unless it was stopped or died in between.
pub const EVICT_WAIT: Duration = Duration::from_millis(2);

crate::ring::typed_ring_file! {
    /// A flight recorder in a sealed memfd mapped shared: created by one
    /// process, attached by another through the fd; one writer and one reader
    /// (each role taken once). Attaching a [`SharedRing`](crate::SharedRing)'s
    /// file as a recorder, or the other way round, is [`ShmError::Kind`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use ring_shm::SharedRecorder;
    /// use std::os::fd::AsFd;
    ///
    /// let rec = SharedRecorder::<u64>::create(ring_core::Config::default())?;
    /// let fd = rec.as_fd().try_clone_to_owned().expect("dup"); // hand it to the reader process
    /// let mut w = rec.into_writer()?;
    /// for i in 0..10_000u64 {
    ///     w.record(i)?; // never waits: the oldest entries go
    /// }
    /// let mut r = SharedRecorder::<u64>::attach(fd)?.into_reader()?;
    /// let first = r.try_recv().unwrap();
    /// assert_eq!(first.lost_before, first.seq); // everything before it was evicted
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub struct SharedRecorder<T>, layout = recorder;
    /// Creates a recorder retaining `config.capacity()` entries of `T`.
    ///
    /// # Errors
    ///
    /// [`ShmError::TooLarge`] for an impossible size, [`ShmError::Io`] if a
    /// system call fails.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let rec = ring_shm::SharedRecorder::<u32>::create(ring_core::Config::default().with_ring_bits(4))?;
    /// assert_eq!(rec.capacity(), 16);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn create(config: Config) -> Result<Self, ShmError>;
    /// Attaches to a recorder created by another process, validating the
    /// whole header first (magic, version, kind, element size and
    /// alignment, capacity, offsets, file size, seals).
    ///
    /// # Errors
    ///
    /// The [`ShmError`] naming the first check that failed.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use ring_shm::{SharedRecorder, SharedRing, ShmError};
    /// use std::os::fd::AsFd;
    /// let ring = SharedRing::<u64>::create(ring_core::Config::default())?;
    /// let fd = ring.as_fd().try_clone_to_owned().expect("dup");
    /// assert!(matches!(SharedRecorder::<u64>::attach(fd), Err(ShmError::Kind { .. })));
    /// # Ok::<(), ShmError>(())
    /// ```
    pub fn attach(fd: OwnedFd) -> Result<Self, ShmError>;
}

impl<T: ShmSafe> SharedRecorder<T> {
    /// Takes the writer role (once across all processes).
    ///
    /// # Errors
    ///
    /// [`ShmError::RoleTaken`] if a writer already took it.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let rec = ring_shm::SharedRecorder::<u64>::create(ring_core::Config::default())?;
    /// let mut w = rec.into_writer()?;
    /// w.record(1)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_writer(self) -> Result<SharedWriter<T>, ShmError> {
        SharedWriter::claim(self.ring.region, self.ring.layout)
    }

    /// Takes the reader role (once across all processes); a reader may
    /// take it after the writer process died and read what it retained.
    ///
    /// # Errors
    ///
    /// [`ShmError::RoleTaken`] if a reader already took it.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let rec = ring_shm::SharedRecorder::<u64>::create(ring_core::Config::default())?;
    /// let mut r = rec.into_reader()?;
    /// assert!(r.try_recv().is_err());
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn into_reader(self) -> Result<SharedReader<T>, ShmError> {
        SharedReader::claim(self.ring.region, self.ring.layout)
    }

    /// Entries the recorder retains.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let rec = ring_shm::SharedRecorder::<u8>::create(ring_core::Config::default().with_ring_bits(3))?;
    /// assert_eq!(rec.capacity(), 8);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn capacity(&self) -> usize {
        self.ring.layout.capacity()
    }

    /// The validated layout.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let rec = ring_shm::SharedRecorder::<u8>::create(ring_core::Config::default())?;
    /// assert_eq!(rec.layout().kind(), ring_shm::RingKind::Recorder);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn layout(&self) -> ShmLayout {
        self.ring.layout
    }
}

impl<T: ShmSafe> AsFd for SharedRecorder<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.ring.as_fd()
    }
}

/// The parts both sides hold: the role, the ring header and the stamps.
struct Parts<T> {
    common: Common,
    ring: RingRef<T>,
    stamps: NonNull<AtomicU64>,
    slots: NonNull<T>,
}

// SAFETY: a side owns its claimed end of the ring and keeps the mapping
// alive; the memory is shared by design (atomics, volatile copies of `ShmSafe`
// values). Not `Sync` (the raw pointers): each handle's own state (the writer's
// `tail`, the reader's `next`) is unsynchronised.
unsafe impl<T: ShmSafe + Send> Send for Parts<T> {}

impl<T> Drop for Parts<T> {
    fn drop(&mut self) {
        match self.common.role() {
            // The reader drains what is left, then sees the end.
            Role::Producer => self.ring.close_as_producer(),
            // The writer's next `record` is `Closed`.
            Role::Consumer => self.ring.close_as_consumer(),
        }
    }
}

impl<T: ShmSafe> Parts<T> {
    fn claim(region: Arc<Region>, layout: &ShmLayout, role: Role) -> Result<Parts<T>, ShmError> {
        debug_assert_eq!(layout.kind(), RingKind::Recorder);
        let base = region.base();
        // SAFETY: the layout was validated against the region's length, so the
        // stamp words (`stamps_offset` .. + capacity * 8) are inside it, 8-aligned
        // (512 from a base aligned to MAX_ELEM_ALIGN).
        let stamps = unsafe { base.add(layout.stamps_offset()) }.cast::<AtomicU64>();
        // SAFETY: as above for the slots (`slots_offset` .. `total_size`), aligned
        // for `T` by the validated layout.
        let slots = unsafe { base.add(layout.slots_offset()) }.cast::<T>();
        let (common, ring) = Common::claim::<T>(region, layout, role, None)?;
        Ok(Parts {
            common,
            ring,
            stamps,
            slots,
        })
    }

    #[inline(always)]
    fn words(&self) -> ClaimWords<'_, Untrusted> {
        // SAFETY: `stamps` points to `capacity` stamp words inside the mapping
        // (validated layout), which `common` keeps alive as long as `self`; every
        // bit pattern is a valid `AtomicU64`.
        unsafe { self.ring.claim_words(&self.common.id().evicted, self.stamps) }
    }

    #[inline(always)]
    fn slot(&self, pos: u64) -> *mut T {
        // SAFETY: `index(pos) < capacity`: inside the slot array (validated layout).
        unsafe { self.slots.as_ptr().add(self.words().index(pos)) }
    }
}

// ------------------------------------------------------------------ writer

/// The writing end of a shared recorder: [`record`](Self::record) never
/// waits for room. `Send`, not `Sync`, not `Clone`.
pub struct SharedWriter<T: ShmSafe> {
    side: Parts<T>,
    tail: u64,
}

impl<T: ShmSafe> fmt::Debug for SharedWriter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedWriter")
            .field("tail", &self.tail)
            .finish_non_exhaustive()
    }
}

impl<T: ShmSafe> SharedWriter<T> {
    fn claim(region: Arc<Region>, layout: ShmLayout) -> Result<Self, ShmError> {
        let side = Parts::claim(region, &layout, Role::Producer)?;
        let tail = side.words().tail();
        Ok(SharedWriter { side, tail })
    }

    /// Records `value`, overwriting the oldest entry when the ring is full
    /// (the evicted entry stays in the other process's memory: it is not
    /// handed back). Never waits for room; waits at most [`EVICT_WAIT`] for
    /// a reader that is moving the oldest entry out right now.
    ///
    /// # Errors
    ///
    /// [`Closed`] with the value once a reader that took its role closed or
    /// was dropped. Before a reader attaches, the writer records normally.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::recorder::<u32>(ring_core::Config::default().with_ring_bits(1))?;
    /// let mut w = image.writer::<u32>()?;
    /// for i in 0..5 {
    ///     w.record(i).unwrap();
    /// }
    /// assert_eq!(w.evicted(), 3);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn record(&mut self, value: T) -> Result<(), Closed<T>> {
        if self.side.ring.consumer_closed() {
            return Err(Closed(value));
        }
        let words = self.side.words();
        let tail = self.tail;
        if !words.is_free(tail) {
            self.make_room(words);
        }
        // SAFETY: the slot of `tail` is inside the slot array and is ours: its
        // stamp said free, or we claimed its entry (or took it back) in
        // `make_room`. Volatile because the peer may read the memory (a reader
        // whose slot we took back drops what it copied).
        unsafe { ptr::write_volatile(self.side.slot(tail), value) };
        words.publish(tail, 1);
        self.tail = tail.wrapping_add(1);
        self.side.ring.wake_consumer_after_publish();
        Ok(())
    }

    /// Frees the slot of the tail in a full ring: evicts the oldest entry,
    /// or waits (at most [`EVICT_WAIT`]) for a reader moving it out, then
    /// takes the slot back from that reader.
    #[cold]
    fn make_room(&self, words: ClaimWords<'_, Untrusted>) {
        let backoff = Backoff::new();
        let mut deadline: Option<Instant> = None;
        loop {
            match words.evict(self.tail) {
                Eviction::Free => return,
                Eviction::Claimed(_) => {
                    // `T: ShmSafe` is `Copy`: nothing to move out or drop.
                    words.count_eviction();
                    return;
                }
                Eviction::Busy => {
                    // An honest reader claims one entry at a time: holding the
                    // oldest, it left the head just past it. Any other head is a
                    // peer's garbage: take the slot back at once.
                    let oldest = self.tail.wrapping_sub(words.capacity() as u64);
                    if words.head() != oldest.wrapping_add(1) {
                        words.force_evict(self.tail);
                        return;
                    }
                    if backoff.is_completed() {
                        let now = Instant::now();
                        match deadline {
                            None => deadline = Some(now + EVICT_WAIT),
                            Some(d) if now >= d => {
                                // Taken back from the reader, or given back
                                // meanwhile: the slot is ours either way.
                                words.force_evict(self.tail);
                                return;
                            }
                            Some(_) => {}
                        }
                    }
                    backoff.snooze();
                }
            }
        }
    }

    /// Entries evicted since the recorder was created.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::recorder::<u8>(ring_core::Config::default())?;
    /// assert_eq!(image.writer::<u8>()?.evicted(), 0);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn evicted(&self) -> u64 {
        self.side.words().evicted()
    }

    /// Closes the writer's side: the reader drains, then sees the end.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::recorder::<u8>(ring_core::Config::default())?;
    /// let mut w = image.writer::<u8>()?;
    /// let mut r = image.reader::<u8>()?;
    /// w.record(1).unwrap();
    /// w.close();
    /// assert_eq!(r.recv().map(|e| e.value), Ok(1));
    /// assert!(r.recv().is_err());
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn close(&mut self) {
        self.side.ring.close_as_producer();
    }

    /// Whether the reader closed (or was dropped).
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::recorder::<u8>(ring_core::Config::default())?;
    /// let w = image.writer::<u8>()?;
    /// drop(image.reader::<u8>()?);
    /// assert!(w.is_closed());
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn is_closed(&self) -> bool {
        self.side.ring.consumer_closed()
    }

    /// Entries the recorder retains.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::recorder::<u8>(ring_core::Config::default().with_ring_bits(2))?;
    /// assert_eq!(image.writer::<u8>()?.capacity(), 4);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn capacity(&self) -> usize {
        self.side.words().capacity()
    }

    /// True unless the reader process is known to be dead (true while no
    /// reader has attached).
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::recorder::<u8>(ring_core::Config::default())?;
    /// assert!(image.writer::<u8>()?.is_reader_alive());
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn is_reader_alive(&self) -> bool {
        self.side.common.peer_alive(self.side.words().head())
    }
}

// ------------------------------------------------------------------ reader

/// The reading end of a shared recorder: copies entries out and numbers
/// the gaps. `Send`, not `Sync`, not `Clone`.
pub struct SharedReader<T: ShmSafe> {
    side: Parts<T>,
    /// The `seq` the next entry would have with no loss.
    next: u64,
    /// The writer process was seen dead: drained means closed.
    writer_gone: bool,
}

impl<T: ShmSafe> fmt::Debug for SharedReader<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedReader")
            .field("next", &self.next)
            .field("writer_gone", &self.writer_gone)
            .finish_non_exhaustive()
    }
}

impl<T: ShmSafe> SharedReader<T> {
    fn claim(region: Arc<Region>, layout: ShmLayout) -> Result<Self, ShmError> {
        let side = Parts::claim(region, &layout, Role::Consumer)?;
        Ok(SharedReader {
            side,
            next: 0,
            writer_gone: false,
        })
    }

    /// One entry, or `None` when none is ready.
    fn take(&mut self) -> Result<Option<Entry<T>>, TryRecvError> {
        let words = self.side.words();
        // Bounded: a writer that keeps taking slots back from under us (or a
        // garbage header) gets `Empty` now and again, never a hang.
        for _ in 0..=words.capacity() {
            let pos = match words.claim(1) {
                Ok((_, 0)) => return Ok(None),
                Ok((pos, _)) => pos,
                Err(e) => {
                    self.side.common.poison(e);
                    self.side.ring.close_as_consumer();
                    return Err(TryRecvError::Closed);
                }
            };
            // SAFETY: the slot is inside the slot array and the mapping is
            // always initialised memory; `T: ShmSafe` makes every bit pattern a
            // valid value; volatile because the peer may write the memory. Our
            // claim makes an honest writer leave the slot alone until we give it
            // back (or take it back after `EVICT_WAIT`, which `give_back` tells).
            let value = unsafe { ptr::read_volatile(self.side.slot(pos)) };
            if words.give_back(pos) {
                let lost_before = pos.saturating_sub(self.next);
                self.next = pos.wrapping_add(1);
                return Ok(Some(Entry {
                    seq: pos,
                    writer: 0,
                    value,
                    lost_before,
                }));
            }
            // The writer took the slot back while we copied: the copy may be
            // torn, and the entry counts as evicted (it counted it).
        }
        Ok(None)
    }

    /// Receives one entry without blocking.
    ///
    /// # Errors
    ///
    /// `Empty`, or `Closed` once the writer closed, was dropped or was seen
    /// dead (by a blocking call or [`is_writer_alive`](Self::is_writer_alive))
    /// and nothing is left, or the header was found corrupt
    /// ([`corruption`](Self::corruption)).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::TryRecvError;
    /// let image = ring_shm::ShmImage::recorder::<u32>(ring_core::Config::default())?;
    /// let mut w = image.writer::<u32>()?;
    /// let mut r = image.reader::<u32>()?;
    /// assert_eq!(r.try_recv().map(|e| e.value), Err(TryRecvError::Empty));
    /// w.record(5).unwrap();
    /// let e = r.try_recv().unwrap();
    /// assert_eq!((e.seq, e.value, e.lost_before, e.writer), (0, 5, 0, 0));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn try_recv(&mut self) -> Result<Entry<T>, TryRecvError> {
        if let Some(e) = self.take()? {
            return Ok(e);
        }
        if !(self.writer_gone || self.side.ring.producer_closed()) {
            return Err(TryRecvError::Empty);
        }
        // The close was read with Acquire (or the writer is dead): this look
        // sees everything it published.
        self.take()?.ok_or(TryRecvError::Closed)
    }

    /// Receives, blocking while empty (zero CPU while it sleeps); wakes to
    /// re-check the writer's liveness every
    /// [`DEFAULT_LIVENESS_INTERVAL`](crate::DEFAULT_LIVENESS_INTERVAL).
    ///
    /// # Errors
    ///
    /// [`RecvError`] once the writer is gone (closed, dropped or dead) and
    /// everything retained was received.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::recorder::<u32>(ring_core::Config::default())?;
    /// let mut w = image.writer::<u32>()?;
    /// let mut r = image.reader::<u32>()?;
    /// w.record(7).unwrap();
    /// drop(w);
    /// assert_eq!(r.recv().map(|e| e.value), Ok(7));
    /// assert!(r.recv().is_err());
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn recv(&mut self) -> Result<Entry<T>, RecvError> {
        self.recv_with(WaitStrategy::Blocking)
            .map_err(|_| RecvError)
    }

    /// Receives, blocking at most `timeout`.
    ///
    /// # Errors
    ///
    /// `Timeout`, or `Closed` as [`recv`](Self::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::RecvTimeoutError;
    /// use std::time::Duration;
    /// let image = ring_shm::ShmImage::recorder::<u32>(ring_core::Config::default())?;
    /// let _w = image.writer::<u32>()?;
    /// let mut r = image.reader::<u32>()?;
    /// assert_eq!(r.recv_timeout(Duration::from_millis(1)).map(|e| e.value), Err(RecvTimeoutError::Timeout));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<Entry<T>, RecvTimeoutError> {
        self.recv_with(WaitStrategy::TimedBlocking(timeout))
    }

    /// Receives, waiting per `strategy`.
    ///
    /// # Errors
    ///
    /// `Timeout` (only under `TimedBlocking`), or `Closed` as
    /// [`recv`](Self::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::WaitStrategy;
    /// let image = ring_shm::ShmImage::recorder::<u32>(ring_core::Config::default())?;
    /// let mut w = image.writer::<u32>()?;
    /// let mut r = image.reader::<u32>()?;
    /// w.record(1).unwrap();
    /// assert_eq!(r.recv_with(WaitStrategy::BusySpin).map(|e| e.value), Ok(1));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn recv_with(&mut self, strategy: WaitStrategy) -> Result<Entry<T>, RecvTimeoutError> {
        let r = handle::wait_until(self, strategy, |r| match r.try_recv() {
            Ok(e) => Some(Ok(e)),
            Err(TryRecvError::Closed) => Some(Err(RecvTimeoutError::Closed)),
            Err(TryRecvError::Empty) => None,
        });
        match r {
            Ok(r) => r,
            Err(ring_core::wait::TimedOut) => Err(RecvTimeoutError::Timeout),
        }
    }

    /// Entries evicted since the recorder was created (also those evicted
    /// before this reader attached).
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::recorder::<u8>(ring_core::Config::default().with_ring_bits(1))?;
    /// let mut w = image.writer::<u8>()?;
    /// for i in 0..3 {
    ///     w.record(i).unwrap();
    /// }
    /// assert_eq!(image.reader::<u8>()?.lost(), 1);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn lost(&self) -> u64 {
        self.side.words().evicted()
    }

    /// True unless the writer process is known to be dead: a pidfd of it
    /// became readable, `/proc` lost it, or (without either) it gave no sign
    /// of life for the heartbeat timeout. True while no writer has attached.
    /// Seeing it dead also ends blocking receives once drained.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::recorder::<u8>(ring_core::Config::default())?;
    /// let mut r = image.reader::<u8>()?;
    /// assert!(r.is_writer_alive()); // no writer yet
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn is_writer_alive(&mut self) -> bool {
        let alive = self
            .side
            .common
            .peer_alive(self.side.words().tail());
        if !alive {
            self.writer_gone = true;
        }
        alive
    }

    /// How often blocking receives wake to re-check the writer's liveness
    /// (default [`DEFAULT_LIVENESS_INTERVAL`](crate::DEFAULT_LIVENESS_INTERVAL);
    /// at least 1 ms).
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::recorder::<u8>(ring_core::Config::default())?;
    /// image.reader::<u8>()?.set_liveness_interval(std::time::Duration::from_millis(10));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn set_liveness_interval(&mut self, interval: Duration) {
        self.side.common.set_interval(interval);
    }

    /// How long a writer judged by heartbeats (neither a pidfd nor `/proc`
    /// available) may stay silent before it is taken for dead.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::recorder::<u8>(ring_core::Config::default())?;
    /// image.reader::<u8>()?.set_heartbeat_timeout(std::time::Duration::from_secs(5));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn set_heartbeat_timeout(&mut self, timeout: Duration) {
        self.side.common.set_heartbeat_timeout(timeout);
    }

    /// Closes the reader's side: the writer's next `record` is `Closed`;
    /// what was recorded stays readable.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::recorder::<u8>(ring_core::Config::default())?;
    /// let mut w = image.writer::<u8>()?;
    /// let mut r = image.reader::<u8>()?;
    /// r.close();
    /// assert!(w.record(1).is_err());
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn close(&mut self) {
        self.side.ring.close_as_consumer();
    }

    /// Whether the writer closed, was dropped or was seen dead (entries may
    /// still be waiting).
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::recorder::<u8>(ring_core::Config::default())?;
    /// let r = image.reader::<u8>()?;
    /// drop(image.writer::<u8>()?);
    /// assert!(r.is_closed());
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn is_closed(&self) -> bool {
        self.writer_gone || self.side.ring.producer_closed()
    }

    /// Unread entries (a snapshot).
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::recorder::<u8>(ring_core::Config::default())?;
    /// let mut w = image.writer::<u8>()?;
    /// w.record(1).unwrap();
    /// assert_eq!(image.reader::<u8>()?.len(), 1);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.side.words().len()
    }

    /// Whether no entry is waiting (a snapshot).
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::recorder::<u8>(ring_core::Config::default())?;
    /// assert!(image.reader::<u8>()?.is_empty());
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The index violation that closed this reader, if the header was found
    /// corrupt.
    ///
    /// # Examples
    ///
    /// ```
    /// let image = ring_shm::ShmImage::recorder::<u8>(ring_core::Config::default())?;
    /// assert_eq!(image.reader::<u8>()?.corruption(), None);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn corruption(&self) -> Option<ring_core::raw::IndexCorrupt> {
        self.side.common.corruption()
    }
}

impl<T: ShmSafe> handle::Side for SharedReader<T> {
    fn common(&self) -> &Common {
        &self.side.common
    }
    fn doorbell(&self) -> DoorbellRef<'_> {
        self.side.ring.consumer_doorbell()
    }
    fn peer_progress(&self) -> u64 {
        self.side.words().tail()
    }
    fn peer_died(&mut self) {
        // The next poll drains what the dead writer published, then ends.
        self.writer_gone = true;
    }
}

/// The writer of a recorder in `region` (validated as a recorder of `T`).
pub(crate) fn writer<T: ShmSafe>(region: Arc<Region>) -> Result<SharedWriter<T>, ShmError> {
    let layout = region.validate(ShmLayout::recorder::<T>(0)?)?;
    SharedWriter::claim(region, layout)
}

/// The reader of a recorder in `region` (validated as a recorder of `T`).
pub(crate) fn reader<T: ShmSafe>(region: Arc<Region>) -> Result<SharedReader<T>, ShmError> {
    let layout = region.validate(ShmLayout::recorder::<T>(0)?)?;
    SharedReader::claim(region, layout)
}
