//! The latency clock: the CPU's invariant time-stamp counter, calibrated
//! once per process to nanoseconds, or `std::time::Instant` where there is
//! none.

use core::fmt;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Which counter a [`Clock`] reads.
///
/// # Examples
///
/// ```
/// use ring_metrics::{Clock, ClockSource};
/// assert_eq!(Clock::instant().source(), ClockSource::Instant);
/// assert_eq!(ClockSource::Tsc.to_string(), "tsc");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClockSource {
    /// The CPU's invariant time-stamp counter (x86_64 `RDTSC`, through
    /// `ring_core::tsc`), calibrated once against `Instant`.
    Tsc,
    /// `std::time::Instant`: the OS monotonic clock (a vDSO call on Linux).
    Instant,
}

impl fmt::Display for ClockSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClockSource::Tsc => "tsc",
            ClockSource::Instant => "instant",
        })
    }
}

/// A monotonic tick counter and its rate: what latency stamps are read from.
///
/// [`Clock::calibrated`] is the process's clock: on x86_64 with an invariant
/// TSC (CPUID leaf `0x8000_0007`, EDX bit 8, asked once) it reads the
/// time-stamp counter, whose rate is measured once against `Instant` over
/// about 2 ms the first time it is asked for; elsewhere it reads `Instant`
/// (ticks are then nanoseconds). A tick count means something only to the
/// clock that produced it: convert differences with
/// [`ticks_to_ns`](Self::ticks_to_ns).
///
/// # Examples
///
/// ```
/// let clock = ring_metrics::Clock::calibrated();
/// let t0 = clock.now();
/// std::thread::sleep(std::time::Duration::from_millis(1));
/// let ns = clock.ticks_to_ns(clock.now().wrapping_sub(t0));
/// assert!(ns >= 500_000, "{ns} ns for a 1 ms sleep ({})", clock.source());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    source: ClockSource,
    /// Nanoseconds per tick as a 32.32 fixed-point number.
    ns_per_tick_fp: u64,
    /// Tick 0 of an `Instant` clock.
    origin: Instant,
}

/// The process's clock, calibrated on first use.
static CALIBRATED: OnceLock<Clock> = OnceLock::new();

/// How long the calibration measures the counter against `Instant`.
const CALIBRATION: Duration = Duration::from_millis(2);

/// TSC rates outside this range (ticks per second) are taken as a broken
/// counter, and `Instant` is used instead.
const SANE_HZ: core::ops::RangeInclusive<f64> = 50e6..=50e9;

impl Clock {
    /// The process's clock: the TSC where it is invariant, else `Instant`
    /// (see the type's docs). The first call calibrates (about 2 ms); later
    /// calls copy the result.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = ring_metrics::Clock::calibrated();
    /// let b = ring_metrics::Clock::calibrated();
    /// assert_eq!(a.source(), b.source());
    /// assert_eq!(a.ns_per_tick(), b.ns_per_tick());
    /// ```
    pub fn calibrated() -> Clock {
        *CALIBRATED.get_or_init(calibrate)
    }

    /// A clock that reads `std::time::Instant` (ticks are nanoseconds since
    /// this call), whatever the CPU has.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = ring_metrics::Clock::instant();
    /// assert_eq!(c.ns_per_tick(), 1.0);
    /// assert_eq!(c.ticks_to_ns(1234), 1234);
    /// ```
    pub fn instant() -> Clock {
        Clock {
            source: ClockSource::Instant,
            ns_per_tick_fp: 1 << 32,
            origin: Instant::now(),
        }
    }

    /// Which counter this clock reads.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_metrics::{Clock, ClockSource};
    /// let s = Clock::calibrated().source();
    /// assert!(s == ClockSource::Tsc || s == ClockSource::Instant);
    /// ```
    pub fn source(&self) -> ClockSource {
        self.source
    }

    /// Nanoseconds per tick (1.0 for `Instant`; about `1 / GHz` for a TSC).
    ///
    /// # Examples
    ///
    /// ```
    /// let r = ring_metrics::Clock::calibrated().ns_per_tick();
    /// assert!(r > 0.0 && r <= 20.0);
    /// ```
    pub fn ns_per_tick(&self) -> f64 {
        self.ns_per_tick_fp as f64 / (1u64 << 32) as f64
    }

    /// The counter now, in ticks.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = ring_metrics::Clock::calibrated();
    /// let (a, b) = (c.now(), c.now());
    /// assert!(c.ticks_to_ns(b.wrapping_sub(a)) < 1_000_000_000);
    /// ```
    #[inline(always)]
    pub fn now(&self) -> u64 {
        match self.source {
            ClockSource::Tsc => match ring_core::tsc::read() {
                Some(t) => t,
                None => self.instant_ns(), // unreachable: Tsc is chosen only where it reads
            },
            ClockSource::Instant => self.instant_ns(),
        }
    }

    /// `ticks` (a difference of two [`now`](Self::now) readings) in
    /// nanoseconds, saturating.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = ring_metrics::Clock::instant();
    /// assert_eq!(c.ticks_to_ns(0), 0);
    /// assert_eq!(c.ticks_to_ns(u64::MAX), u64::MAX);
    /// ```
    #[inline]
    pub fn ticks_to_ns(&self, ticks: u64) -> u64 {
        let ns = (u128::from(ticks) * u128::from(self.ns_per_tick_fp)) >> 32;
        u64::try_from(ns).unwrap_or(u64::MAX)
    }

    #[inline]
    fn instant_ns(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// One `Instant` reading and the TSC at (nearly) the same moment: the
/// narrowest of a few TSC brackets around an `Instant::now()`.
fn paired() -> Option<(Instant, u64)> {
    let mut best: Option<(u64, Instant, u64)> = None;
    for _ in 0..5 {
        let a = ring_core::tsc::read()?;
        let i = Instant::now();
        let b = ring_core::tsc::read()?;
        let width = b.wrapping_sub(a);
        if best.is_none_or(|(w, _, _)| width < w) {
            best = Some((width, i, a.wrapping_add(width / 2)));
        }
    }
    best.map(|(_, i, t)| (i, t))
}

/// Measures the TSC's rate against `Instant`, or settles for `Instant`.
fn calibrate() -> Clock {
    calibrate_tsc().unwrap_or_else(Clock::instant)
}

fn calibrate_tsc() -> Option<Clock> {
    if !ring_core::tsc::invariant() {
        return None;
    }
    let (i0, t0) = paired()?;
    std::thread::sleep(CALIBRATION);
    let (i1, t1) = paired()?;
    let ns = i1.duration_since(i0).as_nanos();
    let ticks = u128::from(t1.checked_sub(t0)?);
    if ticks == 0 || ns == 0 {
        return None;
    }
    let hz = ticks as f64 * 1e9 / ns as f64;
    if !SANE_HZ.contains(&hz) {
        return None;
    }
    let fp = u64::try_from((ns << 32) / ticks).ok()?;
    Some(Clock {
        source: ClockSource::Tsc,
        ns_per_tick_fp: fp,
        origin: i0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measures_a_sleep(clock: Clock) {
        let outer = Instant::now();
        let t0 = clock.now();
        std::thread::sleep(Duration::from_millis(1));
        let t1 = clock.now();
        let outer = outer.elapsed();
        let ns = clock.ticks_to_ns(t1.wrapping_sub(t0));
        // Lower bound from the sleep, upper bound from Instant around it
        // (with slack for a calibration error); never a tight window.
        assert!(
            ns >= 500_000,
            "{ns} ns for a 1 ms sleep ({})",
            clock.source()
        );
        let ceiling = (outer.as_nanos() as u64).saturating_mul(3) / 2 + 1_000_000;
        assert!(
            ns <= ceiling.max(50_000_000),
            "{ns} ns, Instant saw {outer:?}"
        );
    }

    #[test]
    fn the_calibrated_clock_measures_a_sleep() {
        let c = Clock::calibrated();
        assert!(c.ns_per_tick() > 0.0);
        measures_a_sleep(c);
        if ring_core::tsc::invariant() && ring_core::tsc::read().is_some() {
            assert_eq!(c.source(), ClockSource::Tsc, "an invariant TSC is used");
            // 50 MHz ..= 50 GHz.
            assert!((0.02..=20.0).contains(&c.ns_per_tick()));
        }
    }

    #[test]
    fn the_instant_clock_measures_a_sleep() {
        measures_a_sleep(Clock::instant());
    }

    #[test]
    fn readings_do_not_go_backwards_on_one_thread() {
        let c = Clock::calibrated();
        let mut last = c.now();
        for _ in 0..10_000 {
            let t = c.now();
            assert!(t >= last);
            last = t;
        }
    }

    #[test]
    fn conversion_is_fixed_point() {
        let c = Clock {
            source: ClockSource::Tsc,
            ns_per_tick_fp: 1 << 31, // 0.5 ns per tick (2 GHz)
            origin: Instant::now(),
        };
        assert_eq!(c.ticks_to_ns(2_000), 1_000);
        assert_eq!(c.ns_per_tick(), 0.5);
    }
}
