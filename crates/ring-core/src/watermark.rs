//! Watermarks: seeing backpressure before it bites (implementor module;
//! applications call `Builder::watermarks(low, high)` and read
//! [`Observer::on_watermark`](crate::Observer::on_watermark), `fill()` and
//! `above_high_watermark()` on their handles).
//!
//! A ring built with watermarks `low < high` keeps one crossing word
//! ([`WatermarkState`], in its shared header) with four states:
//!
//! ```text
//! LOW --(a commit leaves fill >= high)--> RISING --(High reported)--> HIGH
//! HIGH --(a consume leaves fill <= low)--> FALLING --(Low reported)--> LOW
//! ```
//!
//! Each transition out of `LOW` or `HIGH` is one compare-and-swap, so each
//! crossing is reported exactly once however the two sides race, and the
//! report runs on the thread whose call crossed, before that call returns.
//! The reports strictly alternate `High`, `Low`, `High`, ...: a side only
//! starts a transition from a settled state, and the Acquire CAS that starts
//! it synchronises with the Release store that settled the previous one, so
//! one report happens-before the next. An observer that panics in
//! `on_watermark` still settles the word (a drop guard): nothing wedges.
//!
//! The fast path is one compare per commit or consume against a threshold
//! held in the handle, on the fill the side already knows without touching
//! the other side's line: a producer's estimate is never below the true fill
//! (its copy of the head is older), a consumer's never above it (its copy of
//! the tail is older). So a producer below `high` and a consumer above `low`
//! do nothing more; only then is the crossing word loaded, and only a
//! possible crossing loads the other side's index. Without watermarks the
//! thresholds are sentinels the compare never passes.
//!
//! A crossing the racing side could not see yet (a consumer drains while the
//! producer is reporting `High`) is reported by that side's next call on the
//! ring: its next receive, including the one that finds the ring empty (and
//! every blocking receive polls before it sleeps), or for a producer its
//! next send, including one that finds the ring full. See
//! `docs/memory-ordering.md` §10.
//!
//! # Examples
//!
//! ```
//! use ring_core::{Config, Watermark, watermark::{Marks, WatermarkState}, Watermarks};
//! let state = WatermarkState::new();
//! let marks = Marks::new(Some(Watermarks::new(1, 3).unwrap()));
//! let mut seen = Vec::new();
//! marks.rose(3, &state, || 3, |w| seen.push(w));
//! marks.rose(4, &state, || 4, |w| seen.push(w)); // already high: nothing
//! assert!(state.is_high());
//! marks.fell(1, &state, || 1, |w| seen.push(w));
//! assert_eq!(seen, [Watermark::High { len: 3 }, Watermark::Low { len: 1 }]);
//! ```

use crate::config::ConfigError;
use crate::seams::Watermark;
use crate::sync::{AtomicU32, Ordering};

/// A validated pair of watermarks: `low < high`, both counted in items (in
/// bytes for a byte ring). A ring also needs `high <= capacity`
/// ([`fits`](Self::fits), checked when the channel is built).
///
/// # Examples
///
/// ```
/// use ring_core::{ConfigError, Watermarks};
/// let w = Watermarks::new(16, 48)?;
/// assert_eq!((w.low(), w.high()), (16, 48));
/// assert!(w.fits(64).is_ok());
/// assert!(matches!(w.fits(32), Err(ConfigError::Watermarks { .. })));
/// assert!(Watermarks::new(8, 8).is_err());
/// # Ok::<(), ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Watermarks {
    low: usize,
    high: usize,
}

impl Watermarks {
    /// Watermarks `low < high`.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Watermarks`] unless `low < high`.
    pub const fn new(low: usize, high: usize) -> Result<Self, ConfigError> {
        if low < high {
            Ok(Self { low, high })
        } else {
            Err(ConfigError::Watermarks {
                low,
                high,
                capacity: None,
            })
        }
    }

    /// These watermarks, if `high` is within a ring of `capacity`.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Watermarks`] if `high > capacity`.
    pub const fn fits(self, capacity: usize) -> Result<Self, ConfigError> {
        if self.high <= capacity {
            Ok(self)
        } else {
            Err(ConfigError::Watermarks {
                low: self.low,
                high: self.high,
                capacity: Some(capacity),
            })
        }
    }

    /// The low watermark.
    pub const fn low(self) -> usize {
        self.low
    }

    /// The high watermark.
    pub const fn high(self) -> usize {
        self.high
    }
}

/// Settled: the fill is (or was last seen) below `high`, or fell to `low`.
const LOW: u32 = 0;
/// A `High` report is running.
const RISING: u32 = 1;
/// Settled: the fill rose to `high` and has not fallen to `low` since.
const HIGH: u32 = 2;
/// A `Low` report is running.
const FALLING: u32 = 3;

/// The crossing word of one ring, shared by its two sides (it lives in the
/// ring's header; zero, the initial state, is "low").
///
/// # Examples
///
/// ```
/// let s = ring_core::watermark::WatermarkState::new();
/// assert!(!s.is_high());
/// ```
#[derive(Debug, Default)]
#[repr(transparent)]
pub struct WatermarkState(AtomicU32);

impl WatermarkState {
    /// A word in the low state.
    pub fn new() -> Self {
        Self(AtomicU32::new(LOW))
    }

    /// True from the moment a producer starts reporting `High` until a
    /// consumer starts reporting `Low`: the fill rose to the high watermark
    /// and has not fallen to the low one since.
    pub fn is_high(&self) -> bool {
        // ORDERING: Relaxed; a status query, orders nothing. Any word a peer
        // process wrote outside the four states reads as not high.
        matches!(self.0.load(Ordering::Relaxed), RISING | HIGH)
    }

    /// True if the word is settled low: a commit that may have crossed
    /// `high` has something to report (the fast path's one load).
    #[inline(always)]
    pub fn settled_low(&self) -> bool {
        self.is(LOW)
    }

    /// True if the word is settled high: a consume that may have crossed
    /// `low` has something to report (the fast path's one load).
    #[inline(always)]
    pub fn settled_high(&self) -> bool {
        self.is(HIGH)
    }

    /// True if the word is settled in `state` (a Relaxed load: the fast
    /// path's one load, ordering nothing).
    #[inline(always)]
    fn is(&self, state: u32) -> bool {
        // ORDERING: Relaxed; a hint, the CAS that starts a transition is the
        // check that counts.
        self.0.load(Ordering::Relaxed) == state
    }

    /// Moves `from` -> `busy`, runs `report`, then settles in `to` (also
    /// when `report` panics). False if another call started first.
    #[cold]
    #[inline(never)]
    fn transition(&self, from: u32, busy: u32, to: u32, report: impl FnOnce()) -> bool {
        struct Settle<'a>(&'a AtomicU32, u32);
        impl Drop for Settle<'_> {
            fn drop(&mut self) {
                // ORDERING: Release; the report above happens-before the CAS
                // (Acquire) that starts the next transition, so reports
                // arrive in crossing order.
                self.0.store(self.1, Ordering::Release);
            }
        }
        // ORDERING: Acquire on success, pairs with the Release store that
        // settled the previous transition; Relaxed on failure, nothing to order.
        if self
            .0
            .compare_exchange(from, busy, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return false;
        }
        let _settle = Settle(&self.0, to);
        report();
        true
    }
}

/// One handle's copy of its ring's watermarks, as the thresholds its fast
/// path compares against (sentinels that never pass when off).
///
/// # Examples
///
/// ```
/// use ring_core::{Watermarks, watermark::Marks};
/// assert!(!Marks::OFF.is_on());
/// assert!(Marks::new(Some(Watermarks::new(0, 1).unwrap())).is_on());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marks {
    /// Fill at or above which a commit may have crossed (`u64::MAX`: off).
    high: u64,
    /// Fill below which a consume may have crossed: `low + 1` (0: off).
    low_excl: u64,
}

impl Default for Marks {
    fn default() -> Self {
        Self::OFF
    }
}

impl Marks {
    /// No watermarks: the compares never pass.
    pub const OFF: Marks = Marks {
        high: u64::MAX,
        low_excl: 0,
    };

    /// The marks of a ring of `capacity` with `watermarks` (off without).
    ///
    /// # Errors
    ///
    /// [`ConfigError::Watermarks`] if the high watermark exceeds `capacity`.
    pub(crate) fn for_ring(
        watermarks: Option<Watermarks>,
        capacity: usize,
    ) -> Result<Marks, ConfigError> {
        Ok(Marks::new(
            watermarks.map(|w| w.fits(capacity)).transpose()?,
        ))
    }

    /// The thresholds of `marks` (or [`OFF`](Self::OFF)).
    pub const fn new(marks: Option<Watermarks>) -> Self {
        match marks {
            Some(w) => Marks {
                high: w.high as u64,
                low_excl: w.low as u64 + 1,
            },
            None => Self::OFF,
        }
    }

    /// True if watermarks are configured.
    pub const fn is_on(&self) -> bool {
        self.high != u64::MAX
    }

    /// The watermarks these thresholds came from.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Watermarks, watermark::Marks};
    /// let w = Watermarks::new(2, 5).unwrap();
    /// assert_eq!(Marks::new(Some(w)).watermarks(), Some(w));
    /// assert_eq!(Marks::OFF.watermarks(), None);
    /// ```
    pub const fn watermarks(&self) -> Option<Watermarks> {
        if self.is_on() {
            Some(Watermarks {
                low: (self.low_excl - 1) as usize,
                high: self.high as usize,
            })
        } else {
            None
        }
    }

    /// The fast path of [`rose`](Self::rose): true if a call that left the
    /// fill at `estimate` (never below the truth) may have crossed `high`.
    /// One compare against a field of the handle; a handle calls its cold
    /// path (which calls `rose`) only when this is true, so that the hot
    /// path holds nothing else (no closure, no copy of the ring's pointers).
    #[inline(always)]
    pub fn may_rise(&self, estimate: usize) -> bool {
        estimate as u64 >= self.high
    }

    /// The fast path of [`fell`](Self::fell): true if a call that left the
    /// fill at `estimate` (never above the truth) may have crossed `low`.
    #[inline(always)]
    pub fn may_fall(&self, estimate: usize) -> bool {
        (estimate as u64) < self.low_excl
    }

    /// The estimate under which [`may_fall`](Self::may_fall) is true
    /// (`low + 1`; 0 without watermarks): for a consumer that keeps its own
    /// copy and lowers it to 0 once it has looked (the SPSC consumer).
    #[inline(always)]
    pub fn fall_bar(&self) -> u64 {
        self.low_excl
    }

    /// After a call that added items (a commit, or a send that found the
    /// ring full): `estimate` is the fill as the producer knows it without
    /// reading the consumer's index (never below the true fill), `exact`
    /// reads the fill now. Reports `High` through `report` if this call
    /// crossed.
    #[inline(always)]
    pub fn rose(
        &self,
        estimate: usize,
        state: &WatermarkState,
        exact: impl FnOnce() -> usize,
        report: impl FnOnce(Watermark),
    ) {
        if self.may_rise(estimate) && state.is(LOW) {
            self.rise(state, exact, report);
        }
    }

    #[cold]
    #[inline(never)]
    fn rise(
        &self,
        state: &WatermarkState,
        exact: impl FnOnce() -> usize,
        report: impl FnOnce(Watermark),
    ) {
        let len = exact();
        if len as u64 >= self.high {
            state.transition(LOW, RISING, HIGH, || report(Watermark::High { len }));
        }
    }

    /// After a call that removed items (a consume, or a receive that found
    /// the ring empty): `estimate` is the fill as the consumer knows it
    /// without reading the producer's index (never above the true fill),
    /// `exact` reads the fill now. Reports `Low` through `report` if this
    /// call crossed.
    #[inline(always)]
    pub fn fell(
        &self,
        estimate: usize,
        state: &WatermarkState,
        exact: impl FnOnce() -> usize,
        report: impl FnOnce(Watermark),
    ) {
        if self.may_fall(estimate) && state.is(HIGH) {
            self.fall(state, exact, report);
        }
    }

    #[cold]
    #[inline(never)]
    fn fall(
        &self,
        state: &WatermarkState,
        exact: impl FnOnce() -> usize,
        report: impl FnOnce(Watermark),
    ) {
        let len = exact();
        if (len as u64) < self.low_excl {
            state.transition(HIGH, FALLING, LOW, || report(Watermark::Low { len }));
        }
    }
}

/// `len / capacity` as a fraction in `0.0..=1.0` (0.0 for a zero capacity).
///
/// # Examples
///
/// ```
/// assert_eq!(ring_core::watermark::fill(16, 64), 0.25);
/// assert_eq!(ring_core::watermark::fill(80, 64), 1.0);
/// ```
pub fn fill(len: usize, capacity: usize) -> f64 {
    if capacity == 0 {
        return 0.0;
    }
    (len as f64 / capacity as f64).clamp(0.0, 1.0)
}

#[cfg(all(test, not(ring_loom)))]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn marks(low: usize, high: usize) -> Marks {
        Marks::new(Some(Watermarks::new(low, high).unwrap()))
    }

    #[test]
    fn crossings_alternate_with_hysteresis() {
        let (m, s) = (marks(2, 6), WatermarkState::new());
        let mut seen = Vec::new();
        for len in [1, 5, 6, 7, 5, 3, 2, 1, 5, 6, 2] {
            m.rose(len, &s, || len, |w| seen.push(w));
            m.fell(len, &s, || len, |w| seen.push(w));
        }
        assert_eq!(
            seen,
            [
                Watermark::High { len: 6 },
                Watermark::Low { len: 2 },
                Watermark::High { len: 6 },
                Watermark::Low { len: 2 },
            ]
        );
    }

    #[test]
    fn off_never_reports() {
        let s = WatermarkState::new();
        Marks::OFF.rose(1 << 40, &s, || 1 << 40, |_| panic!("off")); // any real fill
        Marks::OFF.fell(0, &s, || 0, |_| panic!("off"));
        assert!(!s.is_high());
    }

    #[test]
    fn a_stale_estimate_is_checked_against_the_exact_fill() {
        let (m, s) = (marks(1, 4), WatermarkState::new());
        // The producer's estimate says 4, but the consumer already took two.
        m.rose(4, &s, || 2, |_| panic!("not crossed"));
        assert!(!s.is_high());
    }

    #[test]
    #[cfg(feature = "std")]
    fn a_panicking_report_settles_the_word() {
        let (m, s) = (marks(1, 4), WatermarkState::new());
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            m.rose(4, &s, || 4, |_| panic!("observer"));
        }));
        assert!(r.is_err());
        assert!(s.is_high(), "settled in HIGH despite the panic");
        let mut seen = Vec::new();
        m.fell(0, &s, || 0, |w| seen.push(w));
        assert_eq!(seen, [Watermark::Low { len: 0 }]);
    }

    #[test]
    fn validation() {
        assert!(Watermarks::new(3, 2).is_err());
        assert!(Watermarks::new(0, 1).unwrap().fits(1).is_ok());
        assert!(Watermarks::new(0, 2).unwrap().fits(1).is_err());
    }
}
