//! The watermark check every family passes, written once: an observer that
//! logs what the rings report ([`WatermarkLog`]), the two ends of a channel
//! as the check drives them ([`WatermarkEnds`], a few lines per family), and
//! the exact-levels walk ([`check_watermark_levels`]).

use ring_core::{Observer, Watermark};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// An observer that logs every watermark crossing reported to it, in order,
/// and counts the entries a flight recorder evicted and the items broadcast
/// subscribers lost (`Lagged`). Clones share one log.
///
/// # Examples
///
/// ```
/// use ringmpsc_testkit::WatermarkLog;
/// use ring_core::{Config, Watermark, spsc::Builder};
/// let log = WatermarkLog::default();
/// let (mut tx, _rx) = Builder::new(Config::default().with_ring_bits(2))
///     .watermarks(1, 2)
///     .observer(log.clone())
///     .build::<u8>()?;
/// tx.send_slice(&[1, 2]);
/// assert_eq!(log.marks(), [Watermark::High { len: 2 }]);
/// # Ok::<(), ring_core::BuildError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct WatermarkLog(Arc<LogInner>);

#[derive(Debug, Default)]
struct LogInner {
    marks: Mutex<Vec<Watermark>>,
    evicted: AtomicU64,
    lagged: AtomicU64,
}

impl WatermarkLog {
    /// The crossings reported so far, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Observer, Watermark};
    /// let log = ringmpsc_testkit::WatermarkLog::default();
    /// log.on_watermark(Watermark::Low { len: 1 });
    /// assert_eq!(log.marks(), [Watermark::Low { len: 1 }]);
    /// ```
    pub fn marks(&self) -> Vec<Watermark> {
        self.0
            .marks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Entries reported through `on_evicted` so far.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::Observer;
    /// let log = ringmpsc_testkit::WatermarkLog::default();
    /// log.on_evicted(2);
    /// assert_eq!(log.evicted(), 2);
    /// ```
    pub fn evicted(&self) -> u64 {
        self.0.evicted.load(Ordering::SeqCst)
    }

    /// Items reported through `on_lagged` so far.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::Observer;
    /// let log = ringmpsc_testkit::WatermarkLog::default();
    /// log.on_lagged(3);
    /// assert_eq!(log.lagged(), 3);
    /// ```
    pub fn lagged(&self) -> u64 {
        self.0.lagged.load(Ordering::SeqCst)
    }
}

impl Observer for WatermarkLog {
    fn on_watermark(&self, mark: Watermark) {
        self.0
            .marks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(mark);
    }
    fn on_evicted(&self, n: u64) {
        self.0.evicted.fetch_add(n, Ordering::SeqCst);
    }
    fn on_lagged(&self, n: u64) {
        self.0.lagged.fetch_add(n, Ordering::SeqCst);
    }
}

/// A channel's two ends as [`check_watermark_levels`] drives them: one
/// watched ring (a family with a ring per producer watches one producer's).
///
/// # Examples
///
/// The SPSC ends (the other families are in
/// `crates/ringmpsc/tests/watermarks.rs`):
///
/// ```
/// use ringmpsc_testkit::{WatermarkEnds, WatermarkLog};
/// use ring_core::spsc::{Consumer, Producer};
/// struct Ends(Producer<u8, WatermarkLog>, Consumer<u8, WatermarkLog>);
/// impl WatermarkEnds for Ends {
///     fn send_one(&mut self) { self.0.try_send(0).unwrap() }
///     fn recv_one(&mut self) { self.1.try_recv().unwrap(); }
///     fn level(&self) -> usize { self.0.len() }
///     fn fills(&self) -> (f64, f64) { (self.0.fill(), self.1.fill()) }
///     fn above(&self) -> (bool, bool) { (self.0.above_high_watermark(), self.1.above_high_watermark()) }
/// }
/// assert_eq!(Ends::UNITS, (1, 1));
/// ```
pub trait WatermarkEnds {
    /// What one [`send_one`](Self::send_one) adds to the level, and what
    /// one [`recv_one`](Self::recv_one) takes off it (at most; less only
    /// when the ring holds less).
    const UNITS: (usize, usize) = (1, 1);
    /// Adds one item (or record) to the watched ring.
    fn send_one(&mut self);
    /// One receive that takes from the watched ring.
    fn recv_one(&mut self);
    /// The watched ring's fill now: items (bytes for a byte ring).
    fn level(&self) -> usize;
    /// `fill()` of the producer and of the consumer.
    fn fills(&self) -> (f64, f64);
    /// `above_high_watermark()` of the producer and of the consumer.
    fn above(&self) -> (bool, bool);
}

/// Walks the watched ring of a channel built with `watermarks(low, high)`,
/// reporting to `log`, through its levels, one send or receive at a time:
/// up to `high` (exactly one `High { len: high }`, from the send that
/// reached it), down to `low` (exactly one `Low { len: low }`, from the
/// receive that reached it), then twice up to just below `high` and down to
/// just above `low` (nothing more: hysteresis), then up to `high` again
/// (the second `High`). `fill()` and `above_high_watermark()` are checked on
/// both ends at every step. The units must divide the levels (`high` and
/// `low` are reached exactly).
///
/// # Panics
///
/// On the first deviation (this is a test).
///
/// # Examples
///
/// ```
/// use ringmpsc_testkit::{WatermarkEnds, WatermarkLog, check_watermark_levels};
/// use ring_core::{Config, spsc::{Builder, Consumer, Producer}};
/// struct Ends(Producer<u8, WatermarkLog>, Consumer<u8, WatermarkLog>);
/// impl WatermarkEnds for Ends {
///     fn send_one(&mut self) { self.0.try_send(0).unwrap() }
///     fn recv_one(&mut self) { self.1.try_recv().unwrap(); }
///     fn level(&self) -> usize { self.0.len() }
///     fn fills(&self) -> (f64, f64) { (self.0.fill(), self.1.fill()) }
///     fn above(&self) -> (bool, bool) { (self.0.above_high_watermark(), self.1.above_high_watermark()) }
/// }
/// let log = WatermarkLog::default();
/// let (tx, rx) = Builder::new(Config::default().with_ring_bits(4))
///     .watermarks(4, 12)
///     .observer(log.clone())
///     .build::<u8>()?;
/// check_watermark_levels(&mut Ends(tx, rx), &log, 4, 12, 16);
/// # Ok::<(), ring_core::BuildError>(())
/// ```
pub fn check_watermark_levels<E: WatermarkEnds>(
    ends: &mut E,
    log: &WatermarkLog,
    low: usize,
    high: usize,
    capacity: usize,
) {
    let (send_unit, recv_unit) = E::UNITS;
    let high_at = Watermark::High { len: high };
    let low_at = Watermark::Low { len: low };
    let check = |ends: &E, marks: &[Watermark], above: bool, step: &str| {
        let level = ends.level();
        assert_eq!(log.marks(), marks, "{step}: reports at level {level}");
        assert_eq!(
            ends.above(),
            (above, above),
            "{step}: above_high_watermark() (producer, consumer) at level {level}"
        );
        let fill = level as f64 / capacity as f64;
        assert_eq!(
            ends.fills(),
            (fill, fill),
            "{step}: fill() (producer, consumer) at level {level}"
        );
    };

    check(ends, &[], false, "new");
    while ends.level() < high {
        ends.send_one();
        if ends.level() < high {
            check(ends, &[], false, "rising below high");
        }
    }
    assert_eq!(ends.level(), high, "the send unit must divide `high`");
    check(ends, &[high_at], true, "reached high");

    while ends.level() > low {
        ends.recv_one();
        if ends.level() > low {
            check(ends, &[high_at], true, "falling above low");
        }
    }
    assert_eq!(
        ends.level(),
        low,
        "the receive unit must divide `high - low`"
    );
    check(ends, &[high_at, low_at], false, "reached low");

    for _ in 0..2 {
        while ends.level() + send_unit < high {
            ends.send_one();
            check(ends, &[high_at, low_at], false, "wobbling up");
        }
        while ends.level() > low + recv_unit {
            ends.recv_one();
            check(ends, &[high_at, low_at], false, "wobbling down");
        }
    }

    while ends.level() < high {
        ends.send_one();
    }
    check(
        ends,
        &[high_at, low_at, high_at],
        true,
        "reached high again",
    );
}

/// Checks what `log` holds after any run, racing threads included: reports
/// strictly alternate `High`, `Low`, `High`, ... (each crossing once, with
/// hysteresis), every `High` at `high` or above, every `Low` at `low` or
/// below; returns how many there were.
///
/// # Panics
///
/// On the first report out of order or out of bounds.
///
/// # Examples
///
/// ```
/// use ring_core::{Observer, Watermark};
/// let log = ringmpsc_testkit::WatermarkLog::default();
/// log.on_watermark(Watermark::High { len: 9 });
/// log.on_watermark(Watermark::Low { len: 0 });
/// assert_eq!(ringmpsc_testkit::check_alternating(&log, 2, 8), 2);
/// ```
pub fn check_alternating(log: &WatermarkLog, low: usize, high: usize) -> usize {
    let marks = log.marks();
    for (i, m) in marks.iter().enumerate() {
        match *m {
            Watermark::High { len } => {
                assert!(i % 2 == 0, "report {i}: a High after a High: {marks:?}");
                assert!(len >= high, "report {i}: High at {len} < {high}");
            }
            Watermark::Low { len } => {
                assert!(
                    i % 2 == 1,
                    "report {i}: a Low that follows no High: {marks:?}"
                );
                assert!(len <= low, "report {i}: Low at {len} > {low}");
            }
        }
    }
    marks.len()
}
