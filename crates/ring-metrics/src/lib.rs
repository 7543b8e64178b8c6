//! # ring-metrics
//!
//! [`Metrics`]: counters for what a ring does, plugged into ring-core's
//! observation seam ([`ring_core::Observer`]) with
//! `Builder::observer(metrics.clone())`. A ring built without an observer
//! (the default `()`) carries no field, branch or atomic for it.
//!
//! Counted: messages and batches sent and received, the largest batch each
//! way, full events, empty polls, reserve spins, waits, wake-ups and time
//! spent waiting, watermark crossings (rings built with
//! `Builder::watermarks(low, high)`), entries a flight recorder evicted and
//! items broadcast subscribers lagged past, and, with
//! [`Metrics::with_latency`], the commit-to-consume latency (min, average,
//! max and a log2 histogram). Every counter in a [`MetricsSnapshot`] is
//! written by some hook. [`Metrics::report`] lays them out on one screen
//! ([`Report`]).
//!
//! ## Latency: sampled, on a cheap clock
//!
//! Measuring every item costs a clock read and a timestamp store per commit
//! and a clock read per consume, plus a cache line the two sides share: 2x to
//! 7x single-item throughput. So latency is **sampled by ring position**: the
//! item at position `pos` is measured when `pos % every == 0`
//! ([`DEFAULT_LATENCY_SAMPLING`], 64, for [`Metrics::with_latency`]; any
//! power of two with [`Metrics::with_latency_sampled`], 1 for every item).
//! Both sides know an item's position, so they agree on the sample without
//! sharing anything, and an item is not chosen by how long it waited. A batch
//! is stamped, and measured, at the sampled positions it holds. Counts are
//! of measured items, reported with the rate next to them
//! ([`MetricsSnapshot::latency_sampling`]), never scaled.
//!
//! The clock is [`Clock::calibrated`]: on x86_64 with an invariant TSC
//! (CPUID says so; asked once) `RDTSC`, calibrated once per process against
//! `std::time::Instant` to nanoseconds; elsewhere `Instant`
//! ([`MetricsSnapshot::latency_clock`] says which).
//!
//! ## Guarantees
//!
//! - **Wait-free hooks, no allocation after creation**: each hook is a few
//!   `Relaxed` atomic loads and stores on the calling side's own cache line
//!   (or `Relaxed` read-modify-writes, see below); latency adds one compare
//!   per commit and per consumed batch, and a clock read and a stamp only
//!   for batches that hold a sampled position.
//! - **No false sharing between the two ends**: producer-side and
//!   consumer-side counters live on separate cache lines
//!   (`crossbeam_utils::CachePadded`); the rare wait counters on a third.
//! - `#![forbid(unsafe_code)]`.
//!
//! ### Why plain loads and stores are enough
//!
//! A [`Metrics`] made with [`new`](Metrics::new) or
//! [`with_latency`](Metrics::with_latency) observes **one ring**: its
//! producer-side counters are written only by the ring's one producer thread
//! (the hooks run on the thread that holds the handle) and its consumer-side
//! counters only by the one consumer thread. With a single writer, `load`,
//! add, `store` loses nothing, and it costs a plain `mov` instead of a locked
//! instruction. Readers ([`snapshot`](Metrics::snapshot)) only load. The wait
//! counters are bumped by both ends (ring-core's `on_wait`/`on_wake` do not
//! say which end waits), so they always use `fetch_add`; they change only
//! around a sleep, where one RMW is noise.
//!
//! To observe **several rings with one `Metrics`** (an MPSC channel whose
//! producers each own a ring, say), make it with [`Metrics::shared`]: every
//! counter then uses `fetch_add` / `fetch_max`, so several writers lose
//! nothing. Using a single-writer `Metrics` from several producer threads is
//! not undefined behaviour (all counters are atomics) but may lose counts.
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | (none) | | The crate has no features; it needs `std` for the clock (its one `unsafe` instruction, `RDTSC`, is `ring_core::tsc::read`). |
//!
//! ## Threading model
//!
//! `Metrics` is `Send + Sync + Clone`; a clone shares the counters (an `Arc`
//! of atomics), so the ring's two handles and any number of readers hold one
//! each. [`MetricsSnapshot`] is plain data.
//!
//! ## Example
//!
//! ```
//! use ring_core::{Config, spsc::Builder};
//! use ring_metrics::Metrics;
//!
//! let cfg = Config::default().with_ring_bits(4);
//! let metrics = Metrics::with_latency(cfg.capacity());
//! let (mut tx, mut rx) = Builder::new(cfg).observer(metrics.clone()).build::<u64>()?;
//! std::thread::scope(|s| {
//!     s.spawn(move || {
//!         for i in 0..1000 {
//!             tx.send(i).unwrap();
//!         }
//!     });
//!     let mut sum = 0;
//!     while let Ok(v) = rx.recv() {
//!         sum += v;
//!     }
//!     assert_eq!(sum, (0..1000).sum());
//! });
//! let snap = metrics.snapshot();
//! assert_eq!(snap.messages_sent, 1000);
//! assert_eq!(snap.messages_received, 1000);
//! assert!(snap.latency_samples + snap.latency_missed >= 1);
//! assert_eq!(snap.latency_sampling, 64); // one item in 64 measured
//! assert!(snap.throughput(snap.uptime) > 0.0);
//! println!("{}", metrics.report()); // a one-screen summary
//! # Ok::<(), ring_core::spsc::BuildError>(())
//! ```
#![forbid(unsafe_code)]

use core::time::Duration;
use std::sync::PoisonError;
use std::time::Instant;

use crossbeam_utils::CachePadded;
use ring_core::sync::{Arc, AtomicU64, Mutex, Ordering};
use ring_core::{Observer, Side, Watermark};

mod clock;
mod report;
mod snapshot;

pub use clock::{Clock, ClockSource};
pub use report::Report;
pub use snapshot::MetricsSnapshot;

/// Buckets in the latency histogram: bucket 0 counts 0 ns, bucket `k >= 1`
/// counts latencies in `[2^(k-1), 2^k)` ns (the last also takes anything larger).
pub const HISTOGRAM_BUCKETS: usize = 64;

/// One item in this many is measured by [`Metrics::with_latency`] (see
/// [`Metrics::with_latency_sampled`]).
pub const DEFAULT_LATENCY_SAMPLING: u64 = 64;

/// Bits of a latency stamp that hold clock ticks (with the TSC at 3 GHz
/// they wrap after ~13 hours; with `Instant`, nanoseconds, after ~39 hours;
/// differences are taken modulo this, so only latencies over half of that
/// are misread).
const STAMP_TICK_BITS: u32 = 47;
const STAMP_TICK_MASK: u64 = (1 << STAMP_TICK_BITS) - 1;
const STAMP_LAP_MASK: u64 = 0xFFFF;

/// The histogram bucket of a latency of `ns` nanoseconds.
#[inline]
fn bucket_of(ns: u64) -> usize {
    ((u64::BITS - ns.leading_zeros()) as usize).min(HISTOGRAM_BUCKETS - 1)
}

#[derive(Debug, Default)]
struct ProducerSide {
    messages: AtomicU64,
    batches: AtomicU64,
    largest: AtomicU64,
    full: AtomicU64,
    spins: AtomicU64,
    /// Entries a flight recorder's writer evicted (on the writer's thread).
    evicted: AtomicU64,
}

#[derive(Debug)]
struct ConsumerSide {
    messages: AtomicU64,
    batches: AtomicU64,
    largest: AtomicU64,
    empty: AtomicU64,
    lat_samples: AtomicU64,
    lat_missed: AtomicU64,
    lat_sum: AtomicU64,
    lat_min: AtomicU64,
    lat_max: AtomicU64,
    histogram: [AtomicU64; HISTOGRAM_BUCKETS],
}

/// Counters that change rarely and may be bumped from either end (or from
/// several subscribers at once): always `fetch_add`.
#[derive(Debug, Default)]
struct RareSide {
    waits: AtomicU64,
    wakeups: AtomicU64,
    wait_ns: AtomicU64,
    watermark_high: AtomicU64,
    watermark_low: AtomicU64,
    lagged: AtomicU64,
}

/// Commit timestamps, one per *sampled* ring position: with one item in
/// `2^shift` sampled, position `pos` is sampled when `pos % 2^shift == 0`,
/// and its stamp lives in slot `(pos >> shift) & mask`.
///
/// A stamp is `ticks << 17 | (lap & 0xFFFF) << 1 | 1`, with
/// `lap = (pos >> shift) >> bits`: the consumer uses a stamp only if its lap
/// matches the position it consumed, so a stamp not yet written (the consumer
/// overtook the producer's hook) or already overwritten (the producer lapped
/// the table) is never misread.
#[derive(Debug)]
struct Stamps {
    slots: Box<[AtomicU64]>,
    mask: u64,
    bits: u32,
    /// log2 of the sampling interval.
    shift: u32,
}

impl Stamps {
    /// A table covering `span` ring positions (rounded up to a power of
    /// two) sampling one position in `2^shift`.
    fn new(span: usize, shift: u32) -> Self {
        let cap = span.max(1).checked_next_power_of_two().unwrap_or(1 << 20);
        let entries = (cap >> shift.min(usize::BITS - 1)).max(1);
        Stamps {
            slots: (0..entries).map(|_| AtomicU64::new(0)).collect(),
            mask: entries as u64 - 1,
            bits: entries.trailing_zeros(),
            shift,
        }
    }

    /// The sampling interval minus one (a mask).
    #[inline(always)]
    fn every_mask(&self) -> u64 {
        (1u64 << self.shift) - 1
    }

    /// The first sampled position in `[pos, pos + n)`, if any.
    #[inline(always)]
    fn first_sampled(&self, pos: u64, n: u64) -> Option<u64> {
        let m = self.every_mask();
        let first = pos.wrapping_add(m) & !m;
        (first.wrapping_sub(pos) < n).then_some(first)
    }

    /// The last sampled position in `[pos, pos + n)`, given that there is one.
    #[inline(always)]
    fn last_sampled(&self, pos: u64, n: u64) -> u64 {
        pos.wrapping_add(n - 1) & !self.every_mask()
    }

    #[inline]
    fn word(&self, pos: u64, ticks: u64) -> u64 {
        let lap = (pos >> self.shift) >> self.bits;
        ((ticks & STAMP_TICK_MASK) << 17) | ((lap & STAMP_LAP_MASK) << 1) | 1
    }

    #[inline]
    fn slot(&self, pos: u64) -> &AtomicU64 {
        &self.slots[((pos >> self.shift) & self.mask) as usize]
    }

    /// Stamps sampled position `pos` with `ticks`.
    #[inline]
    fn stamp(&self, pos: u64, ticks: u64) {
        // ORDERING: Relaxed; the word is self-describing (its lap tag says which
        // position it belongs to), nothing else is read through it.
        self.slot(pos)
            .store(self.word(pos, ticks), Ordering::Relaxed);
    }

    /// The commit time (ticks) of sampled position `pos`, if its stamp is there.
    #[inline]
    fn read(&self, pos: u64) -> Option<u64> {
        // ORDERING: Relaxed; see `stamp`.
        let w = self.slot(pos).load(Ordering::Relaxed);
        let want = self.word(pos, 0);
        (w & ((STAMP_LAP_MASK << 1) | 1) == want).then_some(w >> 17)
    }
}

/// What a latency-measuring `Metrics` needs: the stamp table and its clock.
#[derive(Debug)]
struct Latency {
    stamps: Stamps,
    clock: Clock,
}

#[derive(Debug)]
struct Inner {
    producer: CachePadded<ProducerSide>,
    consumer: CachePadded<ConsumerSide>,
    waits: CachePadded<RareSide>,
    latency: Option<Latency>,
    many_writers: bool,
    origin: Instant,
    /// Nanoseconds from `origin` to the last reset.
    reset_at: AtomicU64,
    /// Counter values at the last reset (subtracted by `snapshot`).
    baseline: Mutex<MetricsSnapshot>,
}

/// Counters for one ring (or, made with [`shared`](Self::shared), several),
/// given to a ring as its observer.
///
/// See the [crate documentation](crate) for what is counted and what it costs.
///
/// # Examples
///
/// ```
/// use ring_core::{Config, spsc::Builder};
/// let metrics = ring_metrics::Metrics::new();
/// let (mut tx, mut rx) = Builder::new(Config::default()).observer(metrics.clone()).build::<u32>()?;
/// tx.try_send(1).unwrap();
/// rx.try_recv().unwrap();
/// assert!(rx.try_recv().is_err());
/// let s = metrics.snapshot();
/// assert_eq!((s.messages_sent, s.messages_received, s.empty_polls), (1, 1, 1));
/// # Ok::<(), ring_core::spsc::BuildError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    fn make(latency: Option<Latency>, many_writers: bool) -> Self {
        Metrics {
            inner: Arc::new(Inner {
                producer: CachePadded::new(ProducerSide::default()),
                consumer: CachePadded::new(ConsumerSide {
                    messages: AtomicU64::new(0),
                    batches: AtomicU64::new(0),
                    largest: AtomicU64::new(0),
                    empty: AtomicU64::new(0),
                    lat_samples: AtomicU64::new(0),
                    lat_missed: AtomicU64::new(0),
                    lat_sum: AtomicU64::new(0),
                    lat_min: AtomicU64::new(u64::MAX),
                    lat_max: AtomicU64::new(0),
                    histogram: core::array::from_fn(|_| AtomicU64::new(0)),
                }),
                waits: CachePadded::new(RareSide::default()),
                latency,
                many_writers,
                origin: Instant::now(),
                reset_at: AtomicU64::new(0),
                baseline: Mutex::new(MetricsSnapshot::default()),
            }),
        }
    }

    /// Counters for one ring (one producer thread, one consumer thread), no
    /// latency measurement.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = ring_metrics::Metrics::new();
    /// assert_eq!(m.snapshot().messages_sent, 0);
    /// assert!(!m.measures_latency());
    /// ```
    pub fn new() -> Self {
        Self::make(None, false)
    }

    /// Counters for one ring plus commit-to-consume latency, **sampled**:
    /// one item in [`DEFAULT_LATENCY_SAMPLING`] (64) is measured. The same as
    /// [`with_latency_sampled(capacity, DEFAULT_LATENCY_SAMPLING)`](Self::with_latency_sampled),
    /// which has the details; `with_latency_sampled(capacity, 1)` measures
    /// every item.
    ///
    /// Until this crate's sampling, `with_latency` stamped every item, which
    /// cost 2x-7x single-item throughput; sampled, it costs about what the
    /// counters alone cost (the `metrics` benchmark scenario measures both).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, spsc::Builder};
    /// let cfg = Config::default().with_ring_bits(8);
    /// let m = ring_metrics::Metrics::with_latency(cfg.capacity());
    /// assert_eq!(m.latency_sampling(), Some(ring_metrics::DEFAULT_LATENCY_SAMPLING));
    /// let (mut tx, mut rx) = Builder::new(cfg).observer(m.clone()).build::<u8>()?;
    /// tx.try_send(1).unwrap(); // position 0: sampled
    /// rx.try_recv().unwrap();
    /// let s = m.snapshot();
    /// assert_eq!(s.latency_samples, 1);
    /// assert!(s.latency_min().unwrap() <= s.latency_max().unwrap());
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn with_latency(capacity: usize) -> Self {
        Self::with_latency_sampled(capacity, DEFAULT_LATENCY_SAMPLING)
    }

    /// Counters for one ring plus commit-to-consume latency of one item in
    /// `every` (rounded up to a power of two; 0 and 1 mean every item).
    ///
    /// `capacity` should be the ring's capacity (it is rounded up to a power
    /// of two): the table keeps one 8-byte timestamp per sampled position of
    /// two laps of the ring (`2 * capacity / every` of them, at least one).
    /// A smaller `capacity` is safe but loses samples.
    ///
    /// **Which items**: the item at ring position `pos` is sampled when
    /// `pos % every == 0`. The producer and the consumer both know an item's
    /// position, so they agree on which items are sampled without sharing
    /// anything. A commit of `[pos, pos + n)` reads the clock once if the
    /// batch holds a sampled position and stamps each sampled position in
    /// it; a consume of `[pos, pos + n)` reads the clock once if the batch
    /// holds one and measures the **first and last** sampled positions in it
    /// (one sample if they are the same), so a large batch costs two table
    /// reads, not one per sampled item. The first is the oldest (the batch's
    /// worst latency), the last the newest. A batch without a sampled
    /// position costs one compare on either side.
    ///
    /// **Counts are not scaled**: [`MetricsSnapshot::latency_samples`] and
    /// the histogram count measured items, about one in `every` (fewer when
    /// batches are large); [`MetricsSnapshot::latency_sampling`] says what
    /// `every` was. Min, average, max and quantiles are of the measured
    /// items, and sampling by position is not biased by latency.
    ///
    /// **Clock**: [`Clock::calibrated`]: the CPU's invariant TSC where
    /// there is one (x86_64), calibrated to nanoseconds once per process (the
    /// first latency-measuring `Metrics` takes about 2 ms to make), else
    /// `std::time::Instant`. [`MetricsSnapshot::latency_clock`] says which.
    ///
    /// A sample whose stamp is not there is counted in
    /// [`MetricsSnapshot::latency_missed`] and not measured. Stamps are
    /// written in `before_commit`, before the consumer can see the items, and
    /// the table spans two laps, so on one SPSC ring with the right
    /// `capacity` none is missed; a smaller table, or a ring shared with
    /// other rings' positions, misses some.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, spsc::Builder};
    /// let cfg = Config::default().with_ring_bits(8);
    /// let m = ring_metrics::Metrics::with_latency_sampled(cfg.capacity(), 4);
    /// let (mut tx, mut rx) = Builder::new(cfg).observer(m.clone()).build::<u8>()?;
    /// for i in 0..8 {
    ///     tx.try_send(i).unwrap(); // positions 0 and 4 are stamped
    /// }
    /// assert_eq!(rx.consume_batch(|_| {}), 8); // measures 0 (first) and 4 (last)
    /// let s = m.snapshot();
    /// assert_eq!((s.latency_samples, s.latency_sampling), (2, 4));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn with_latency_sampled(capacity: usize, every: u64) -> Self {
        let shift = every
            .max(1)
            .checked_next_power_of_two()
            .map_or(63, u64::trailing_zeros);
        let latency = Latency {
            // Two laps of the ring: the consumer's hook runs after its
            // consume freed the slots, so the producer may already be a lap
            // further on; it cannot be two laps further.
            stamps: Stamps::new(capacity.saturating_mul(2), shift),
            clock: Clock::calibrated(),
        };
        Self::make(Some(latency), false)
    }

    /// Counters that several writers may bump at once: for one `Metrics`
    /// observing several rings (every counter uses `fetch_add`/`fetch_max`).
    /// No latency (positions of different rings would collide in one table;
    /// give each ring its own [`with_latency`](Self::with_latency) and
    /// [`merge`](MetricsSnapshot::merge) their snapshots instead).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, spsc::Builder};
    /// let m = ring_metrics::Metrics::shared();
    /// let (mut a, _ra) = Builder::new(Config::default()).observer(m.clone()).build::<u8>()?;
    /// let (mut b, _rb) = Builder::new(Config::default()).observer(m.clone()).build::<u8>()?;
    /// std::thread::scope(|s| {
    ///     s.spawn(move || a.try_send(1).unwrap());
    ///     s.spawn(move || b.try_send(2).unwrap());
    /// });
    /// assert_eq!(m.snapshot().messages_sent, 2);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn shared() -> Self {
        Self::make(None, true)
    }

    /// True if this `Metrics` measures commit-to-consume latency.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(ring_metrics::Metrics::with_latency(64).measures_latency());
    /// ```
    pub fn measures_latency(&self) -> bool {
        self.inner.latency.is_some()
    }

    /// One item in how many is measured (a power of two), or `None` without
    /// latency.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_metrics::Metrics;
    /// assert_eq!(Metrics::with_latency_sampled(64, 100).latency_sampling(), Some(128));
    /// assert_eq!(Metrics::with_latency_sampled(64, 1).latency_sampling(), Some(1));
    /// assert_eq!(Metrics::new().latency_sampling(), None);
    /// ```
    pub fn latency_sampling(&self) -> Option<u64> {
        self.inner.latency.as_ref().map(|l| 1 << l.stamps.shift)
    }

    /// The clock latency is measured with, or `None` without latency.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_metrics::Metrics;
    /// assert!(Metrics::with_latency(64).latency_clock().is_some());
    /// assert_eq!(Metrics::new().latency_clock(), None);
    /// ```
    pub fn latency_clock(&self) -> Option<ClockSource> {
        self.inner.latency.as_ref().map(|l| l.clock.source())
    }

    /// Nanoseconds since this `Metrics` was made (monotonic clock).
    #[inline]
    fn now_ns(&self) -> u64 {
        u64::try_from(self.inner.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Adds `v` to a counter (see the crate docs for why a single writer may
    /// use load and store).
    #[inline(always)]
    fn add(&self, c: &AtomicU64, v: u64) {
        if self.inner.many_writers {
            // ORDERING: Relaxed; a counter, ordered with nothing else.
            c.fetch_add(v, Ordering::Relaxed);
        } else {
            // ORDERING: Relaxed; a counter with one writer (this side's thread), so
            // the load sees its own last store and nothing is lost.
            let old = c.load(Ordering::Relaxed);
            // ORDERING: Relaxed; as above.
            c.store(old.wrapping_add(v), Ordering::Relaxed);
        }
    }

    /// Counts a batch of `n` items on one side: its messages, its batches and
    /// its largest batch.
    #[inline(always)]
    fn count_batch(&self, messages: &AtomicU64, batches: &AtomicU64, largest: &AtomicU64, n: u64) {
        self.add(messages, n);
        self.add(batches, 1);
        self.raise(largest, n);
    }

    /// Raises a maximum to `v`.
    #[inline(always)]
    fn raise(&self, c: &AtomicU64, v: u64) {
        if self.inner.many_writers {
            // ORDERING: Relaxed; a statistic.
            c.fetch_max(v, Ordering::Relaxed);
        } else {
            // ORDERING: Relaxed; one writer, as in `add`.
            if v > c.load(Ordering::Relaxed) {
                // ORDERING: Relaxed; as above.
                c.store(v, Ordering::Relaxed);
            }
        }
    }

    /// Lowers a minimum to `v`.
    #[inline(always)]
    fn lower(&self, c: &AtomicU64, v: u64) {
        if self.inner.many_writers {
            // ORDERING: Relaxed; a statistic.
            c.fetch_min(v, Ordering::Relaxed);
        } else {
            // ORDERING: Relaxed; one writer, as in `add`.
            if v < c.load(Ordering::Relaxed) {
                // ORDERING: Relaxed; as above.
                c.store(v, Ordering::Relaxed);
            }
        }
    }

    /// Records one latency sample for sampled position `pos` consumed at
    /// `now` (ticks of `lat.clock`).
    #[inline]
    fn sample(&self, lat: &Latency, pos: u64, now: u64) {
        let c = &self.inner.consumer;
        let Some(at) = lat.stamps.read(pos) else {
            self.add(&c.lat_missed, 1);
            return;
        };
        let d = (now & STAMP_TICK_MASK).wrapping_sub(at) & STAMP_TICK_MASK;
        // A "negative" difference cannot come from a monotonic clock (or from
        // TSCs in step across cores); read as 0.
        let ticks = if d >> (STAMP_TICK_BITS - 1) != 0 {
            0
        } else {
            d
        };
        let ns = lat.clock.ticks_to_ns(ticks);
        self.add(&c.lat_samples, 1);
        self.add(&c.lat_sum, ns);
        self.lower(&c.lat_min, ns);
        self.raise(&c.lat_max, ns);
        self.add(&c.histogram[bucket_of(ns)], 1);
    }

    /// Stamps the sampled positions of the batch `[pos, pos + n)`, the first
    /// of which is `first`. Out of line: the hot path is the compare.
    #[inline(never)]
    fn stamp_batch(lat: &Latency, first: u64, pos: u64, n: u64) {
        let now = lat.clock.now();
        let step = lat.stamps.every_mask() + 1;
        let mut p = first;
        while p.wrapping_sub(pos) < n {
            lat.stamps.stamp(p, now);
            p = p.wrapping_add(step);
        }
    }

    /// Measures the first and last sampled positions of the consumed batch
    /// `[pos, pos + n)`, the first of which is `first`.
    #[inline(never)]
    fn measure_batch(&self, lat: &Latency, first: u64, pos: u64, n: u64) {
        let now = lat.clock.now();
        self.sample(lat, first, now);
        let last = lat.stamps.last_sampled(pos, n);
        if last != first {
            self.sample(lat, last, now);
        }
    }

    /// The counters since the last [`reset`](Self::reset) (or since creation).
    ///
    /// Each counter is read atomically; the set is not one atomic cut while
    /// the ring runs (a message can show as sent but not yet received).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, spsc::Builder};
    /// let m = ring_metrics::Metrics::new();
    /// let (mut tx, _rx) = Builder::new(Config::default()).observer(m.clone()).build::<u8>()?;
    /// assert_eq!(tx.send_slice(&[1, 2, 3]), 3);
    /// let s = m.snapshot();
    /// assert_eq!((s.messages_sent, s.batches_sent, s.largest_batch_sent), (3, 1, 3));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn snapshot(&self) -> MetricsSnapshot {
        let baseline = self
            .inner
            .baseline
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mut now = self.raw();
        // ORDERING: Relaxed; a timestamp, written under the baseline lock.
        let reset_at = self.inner.reset_at.load(Ordering::Relaxed);
        now.uptime = Duration::from_nanos(self.now_ns().saturating_sub(reset_at));
        now.since(&baseline)
    }

    /// A one-screen summary of the counters since the last reset, for a
    /// person to read: `println!("{}", metrics.report())`. The same as
    /// `self.snapshot().report()`; see [`Report`] for what it shows.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, spsc::Builder};
    /// let cfg = Config::default().with_ring_bits(4);
    /// let m = ring_metrics::Metrics::with_latency(cfg.capacity());
    /// let (mut tx, mut rx) = Builder::new(cfg).observer(m.clone()).watermarks(2, 6).build::<u32>()?;
    /// assert_eq!(tx.send_slice(&[1, 2, 3, 4, 5, 6]), 6); // crosses high
    /// assert_eq!(rx.consume_batch(|_| {}), 6); // crosses low
    /// let text = m.report().to_string();
    /// assert!(text.contains("watermarks   1 high, 1 low"), "{text}");
    /// assert!(text.contains("latency"), "{text}");
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn report(&self) -> Report {
        Report::new(self.snapshot())
    }

    /// Every counter as it stands, never reset.
    fn raw(&self) -> MetricsSnapshot {
        // ORDERING (whole function): Relaxed loads of statistics; no other memory
        // is read through them.
        let r = Ordering::Relaxed;
        let p = &self.inner.producer;
        let c = &self.inner.consumer;
        let w = &self.inner.waits;
        let min = c.lat_min.load(r);
        MetricsSnapshot {
            messages_sent: p.messages.load(r),
            batches_sent: p.batches.load(r),
            largest_batch_sent: p.largest.load(r),
            full_events: p.full.load(r),
            reserve_spins: p.spins.load(r),
            evicted: p.evicted.load(r),
            messages_received: c.messages.load(r),
            batches_received: c.batches.load(r),
            largest_batch_received: c.largest.load(r),
            empty_polls: c.empty.load(r),
            waits: w.waits.load(r),
            wakeups: w.wakeups.load(r),
            wait_time: Duration::from_nanos(w.wait_ns.load(r)),
            watermark_high: w.watermark_high.load(r),
            watermark_low: w.watermark_low.load(r),
            lagged: w.lagged.load(r),
            latency_sampling: self.latency_sampling().unwrap_or(0),
            latency_clock: self.latency_clock(),
            latency_samples: c.lat_samples.load(r),
            latency_missed: c.lat_missed.load(r),
            latency_sum_ns: c.lat_sum.load(r),
            latency_min_ns: if min == u64::MAX { 0 } else { min },
            latency_max_ns: c.lat_max.load(r),
            latency_histogram: core::array::from_fn(|i| c.histogram[i].load(r)),
            uptime: Duration::ZERO,
        }
    }

    /// Starts every counter from zero again (and the uptime).
    ///
    /// Sums are reset by remembering their current values, which
    /// [`snapshot`](Self::snapshot) subtracts, so a reset racing with the
    /// ring's hooks loses nothing that happens after it. The maxima and the
    /// latency minimum restart at once; a hook racing with the reset may
    /// leave in a value measured just before it.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, spsc::Builder};
    /// let m = ring_metrics::Metrics::new();
    /// let (mut tx, _rx) = Builder::new(Config::default()).observer(m.clone()).build::<u8>()?;
    /// tx.try_send(1).unwrap();
    /// m.reset();
    /// assert_eq!(m.snapshot().messages_sent, 0);
    /// tx.try_send(2).unwrap();
    /// assert_eq!(m.snapshot().messages_sent, 1);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn reset(&self) {
        let mut baseline = self
            .inner
            .baseline
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let c = &self.inner.consumer;
        // ORDERING: Relaxed; statistics (see the method docs for racing hooks).
        self.inner.producer.largest.store(0, Ordering::Relaxed);
        // ORDERING: Relaxed; as above.
        c.largest.store(0, Ordering::Relaxed);
        // ORDERING: Relaxed; as above.
        c.lat_min.store(u64::MAX, Ordering::Relaxed);
        // ORDERING: Relaxed; as above.
        c.lat_max.store(0, Ordering::Relaxed);
        *baseline = self.raw();
        // ORDERING: Relaxed; read by `snapshot` under the same lock.
        self.inner.reset_at.store(self.now_ns(), Ordering::Relaxed);
    }
}

impl Observer for Metrics {
    const TIMED: bool = true;

    #[inline]
    fn before_commit(&self, pos: u64, n: usize) {
        // Stamped before the tail's Release store, so the consumer never sees
        // an item without its stamp.
        if let Some(lat) = &self.inner.latency
            && let Some(first) = lat.stamps.first_sampled(pos, n as u64)
        {
            Self::stamp_batch(lat, first, pos, n as u64);
        }
    }

    #[inline]
    fn on_commit(&self, _pos: u64, n: usize) {
        let p = &self.inner.producer;
        self.count_batch(&p.messages, &p.batches, &p.largest, n as u64);
    }

    #[inline]
    fn on_consume(&self, pos: u64, n: usize) {
        let c = &self.inner.consumer;
        let n64 = n as u64;
        self.count_batch(&c.messages, &c.batches, &c.largest, n64);
        if let Some(lat) = &self.inner.latency
            && let Some(first) = lat.stamps.first_sampled(pos, n64)
        {
            self.measure_batch(lat, first, pos, n64);
        }
    }

    #[inline]
    fn on_full(&self) {
        self.add(&self.inner.producer.full, 1);
    }

    #[inline]
    fn on_empty(&self) {
        self.add(&self.inner.consumer.empty, 1);
    }

    #[inline]
    fn on_reserve_spin(&self) {
        self.add(&self.inner.producer.spins, 1);
    }

    #[inline]
    fn on_wait(&self, _side: Side) {
        // ORDERING: Relaxed; a counter. An RMW: both ends of a ring may wait.
        self.inner.waits.waits.fetch_add(1, Ordering::Relaxed);
    }

    #[inline]
    fn on_wake(&self, _side: Side, slept: Duration) {
        let w = &self.inner.waits;
        // ORDERING: Relaxed; a counter (both ends may wake, hence the RMW).
        w.wakeups.fetch_add(1, Ordering::Relaxed);
        let ns = u64::try_from(slept.as_nanos()).unwrap_or(u64::MAX);
        // ORDERING: Relaxed; as above.
        w.wait_ns.fetch_add(ns, Ordering::Relaxed);
    }

    #[inline]
    fn on_watermark(&self, mark: Watermark) {
        let w = &self.inner.waits;
        let c = if mark.is_high() {
            &w.watermark_high
        } else {
            &w.watermark_low
        };
        // ORDERING: Relaxed; a counter. An RMW: `High` is reported on the
        // producer's thread, `Low` on a consumer's, and a multi-consumer ring
        // has several; crossings are rare.
        c.fetch_add(1, Ordering::Relaxed);
    }

    #[inline]
    fn on_evicted(&self, n: u64) {
        // On the recorder's writer thread: a producer-side counter.
        self.add(&self.inner.producer.evicted, n);
    }

    #[inline]
    fn on_lagged(&self, n: u64) {
        // ORDERING: Relaxed; a counter. An RMW: the subscribers of a broadcast
        // ring share one observer and may lag at the same time.
        self.inner.waits.lagged.fetch_add(n, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_log2() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(1), 1);
        assert_eq!(bucket_of(2), 2);
        assert_eq!(bucket_of(3), 2);
        assert_eq!(bucket_of(4), 3);
        assert_eq!(bucket_of(1023), 10);
        assert_eq!(bucket_of(1024), 11);
        assert_eq!(bucket_of(u64::MAX), HISTOGRAM_BUCKETS - 1);
    }

    #[test]
    fn stamps_match_only_their_lap() {
        let s = Stamps::new(4, 0);
        assert_eq!(s.read(1), None, "never written");
        s.stamp(1, 500);
        assert_eq!(s.read(1), Some(500));
        assert_eq!(s.read(5), None, "same slot, next lap");
        s.stamp(5, 700);
        assert_eq!(s.read(1), None, "overwritten by the next lap");
        assert_eq!(s.read(5), Some(700));
        // Capacity rounds up to a power of two.
        assert_eq!(Stamps::new(5, 0).slots.len(), 8);
        assert_eq!(Stamps::new(0, 0).slots.len(), 1);
    }

    #[test]
    fn sampled_stamps_keep_one_slot_per_sampled_position() {
        let s = Stamps::new(64, 3); // one in 8: 8 slots
        assert_eq!(s.slots.len(), 8);
        s.stamp(8, 100);
        assert_eq!(s.read(8), Some(100));
        assert_eq!(s.read(8 + 64), None, "same slot, next lap");
        s.stamp(8 + 64, 200);
        assert_eq!(s.read(8), None);
        assert_eq!(s.read(8 + 64), Some(200));
        // More sampling than capacity: one slot.
        assert_eq!(Stamps::new(4, 6).slots.len(), 1);
    }

    #[test]
    fn sampled_positions_of_a_batch() {
        let s = Stamps::new(64, 2); // one in 4
        assert_eq!(s.first_sampled(0, 1), Some(0));
        assert_eq!(s.first_sampled(1, 1), None);
        assert_eq!(s.first_sampled(1, 3), None, "1, 2, 3");
        assert_eq!(s.first_sampled(1, 4), Some(4));
        assert_eq!(s.first_sampled(5, 0), None, "an empty batch");
        assert_eq!(s.last_sampled(1, 12), 12, "positions 1..=12");
        assert_eq!(s.last_sampled(4, 4), 4);
        // Every item.
        let all = Stamps::new(8, 0);
        assert_eq!(all.first_sampled(7, 1), Some(7));
        assert_eq!(all.last_sampled(7, 3), 9);
        // Near the end of the position space nothing overflows.
        assert_eq!(s.first_sampled(u64::MAX - 1, 2), None);
    }

    #[test]
    fn producer_and_consumer_agree_on_batches_of_any_shape() {
        // Commits and consumes split the same positions differently; every
        // sampled position the consumer measures was stamped.
        let m = Metrics::with_latency_sampled(64, 4);
        let commits = [1usize, 3, 5, 2, 7, 4, 9];
        let mut pos = 0u64;
        for n in commits {
            m.before_commit(pos, n);
            m.on_commit(pos, n);
            pos += n as u64;
        }
        let mut at = 0u64;
        for n in [2usize, 6, 1, 11, 3, 8] {
            m.on_consume(at, n);
            at += n as u64;
        }
        assert_eq!(at, pos);
        let s = m.snapshot();
        assert_eq!(s.latency_missed, 0);
        // Consumes [0,2) [2,8) [8,9) [9,20) [20,23) [23,31): sampled
        // positions 0 | 4 | 8 | 12, 16 | 20 | 24, 28.
        assert_eq!(s.latency_samples, 8);
        assert_eq!(s.latency_histogram.iter().sum::<u64>(), 8);
        assert_eq!(s.latency_sampling, 4);
    }

    #[test]
    fn every_counter_survives_merge_since_and_reset() {
        let m = Metrics::new();
        m.on_watermark(Watermark::High { len: 6 });
        m.on_watermark(Watermark::Low { len: 2 });
        m.on_watermark(Watermark::High { len: 7 });
        m.on_evicted(5);
        m.on_lagged(9);
        let s = m.snapshot();
        assert_eq!(
            (s.watermark_high, s.watermark_low, s.evicted, s.lagged),
            (2, 1, 5, 9)
        );
        let mut total = s.clone();
        total.merge(&s);
        assert_eq!(
            (
                total.watermark_high,
                total.watermark_low,
                total.evicted,
                total.lagged
            ),
            (4, 2, 10, 18)
        );
        let d = total.since(&s);
        assert_eq!(
            (d.watermark_high, d.watermark_low, d.evicted, d.lagged),
            (2, 1, 5, 9)
        );
        m.reset();
        let s = m.snapshot();
        assert_eq!(
            (s.watermark_high, s.watermark_low, s.evicted, s.lagged),
            (0, 0, 0, 0)
        );
        m.on_lagged(1);
        assert_eq!(m.snapshot().lagged, 1);
    }
}
