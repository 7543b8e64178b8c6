//! [`Report`]: a snapshot laid out for a person to read.

use core::fmt;
use core::time::Duration;

use crate::MetricsSnapshot;

/// A one-screen summary of a [`MetricsSnapshot`], made by
/// [`Metrics::report`](crate::Metrics::report) or
/// [`MetricsSnapshot::report`]; its `Display` prints one line per topic:
///
/// ```text
/// ring metrics over 1.502s
///   sent         1000000 in 999000 batches (avg 1.0, max 4); 0.67 M/s
///   received     1000000 in 12000 batches (avg 83.3, max 512); 0.67 M/s
///   full         310 sends found the ring full; 0 spin steps waiting for room
///   empty        4100 receives found it empty
///   waits        2 sleeps, 2 wake-ups, 1.2ms asleep
///   watermarks   3 high, 3 low crossings
///   lost         0 evicted, 0 lagged
///   latency      23800 measured (1 in 64 items, tsc clock), 0 missed
///                min 110ns  avg 2.4µs  max 1.1ms
///                p50 <= 2.048µs  p90 <= 4.096µs  p99 <= 16.384µs  p99.9 <= 262.144µs
/// ```
///
/// Rates are over the snapshot's `uptime`. The quantiles are upper bounds:
/// the top of the log2 histogram bucket holding them
/// ([`MetricsSnapshot::latency_quantile`]). Latency counts are of measured
/// items, not scaled by the sampling rate printed next to them.
///
/// # Examples
///
/// ```
/// let mut s = ring_metrics::MetricsSnapshot::default();
/// s.messages_sent = 10;
/// s.batches_sent = 4;
/// s.watermark_high = 1;
/// let text = s.report().to_string();
/// assert!(text.contains("sent         10 in 4 batches"), "{text}");
/// assert!(text.contains("watermarks   1 high, 0 low"), "{text}");
/// assert!(text.contains("latency      off"), "{text}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    snapshot: MetricsSnapshot,
}

impl Report {
    /// A report of `snapshot`.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = ring_metrics::Report::new(Default::default());
    /// assert_eq!(r.snapshot().messages_sent, 0);
    /// ```
    pub fn new(snapshot: MetricsSnapshot) -> Self {
        Report { snapshot }
    }

    /// The snapshot this report prints.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = ring_metrics::Metrics::new();
    /// assert_eq!(m.report().snapshot().empty_polls, 0);
    /// ```
    pub fn snapshot(&self) -> &MetricsSnapshot {
        &self.snapshot
    }
}

impl From<MetricsSnapshot> for Report {
    fn from(snapshot: MetricsSnapshot) -> Self {
        Report::new(snapshot)
    }
}

/// Millions per second of `count` over `over`, for the report.
fn mega_rate(count: u64, over: Duration) -> f64 {
    let secs = over.as_secs_f64();
    if secs > 0.0 {
        count as f64 / secs / 1e6
    } else {
        0.0
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.snapshot;
        writeln!(f, "ring metrics over {:?}", s.uptime)?;
        writeln!(
            f,
            "  sent         {} in {} batches (avg {:.1}, max {}); {:.2} M/s",
            s.messages_sent,
            s.batches_sent,
            s.avg_batch_sent(),
            s.largest_batch_sent,
            mega_rate(s.messages_sent, s.uptime)
        )?;
        writeln!(
            f,
            "  received     {} in {} batches (avg {:.1}, max {}); {:.2} M/s",
            s.messages_received,
            s.batches_received,
            s.avg_batch_received(),
            s.largest_batch_received,
            mega_rate(s.messages_received, s.uptime)
        )?;
        writeln!(
            f,
            "  full         {} sends found the ring full; {} spin steps waiting for room",
            s.full_events, s.reserve_spins
        )?;
        writeln!(
            f,
            "  empty        {} receives found it empty",
            s.empty_polls
        )?;
        writeln!(
            f,
            "  waits        {} sleeps, {} wake-ups, {:?} asleep",
            s.waits, s.wakeups, s.wait_time
        )?;
        writeln!(
            f,
            "  watermarks   {} high, {} low crossings",
            s.watermark_high, s.watermark_low
        )?;
        writeln!(
            f,
            "  lost         {} evicted, {} lagged",
            s.evicted, s.lagged
        )?;
        if s.latency_sampling == 0 && s.latency_samples == 0 {
            return writeln!(f, "  latency      off (Metrics::with_latency measures it)");
        }
        let clock = s
            .latency_clock
            .map_or_else(|| "unknown".to_string(), |c| c.to_string());
        writeln!(
            f,
            "  latency      {} measured (1 in {} items, {clock} clock), {} missed",
            s.latency_samples, s.latency_sampling, s.latency_missed
        )?;
        let (Some(min), Some(avg), Some(max)) = (s.latency_min(), s.latency_avg(), s.latency_max())
        else {
            return writeln!(f, "               no samples yet");
        };
        writeln!(f, "               min {min:?}  avg {avg:?}  max {max:?}")?;
        write!(f, "              ")?;
        for (label, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999)] {
            if let Some(d) = s.latency_quantile(q) {
                let gap = if label == "p50" { " " } else { "  " };
                write!(f, "{gap}{label} <= {d:?}")?;
            }
        }
        writeln!(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `report` fits on one screen and holds every line of `wants`.
    fn assert_one_screen_with(report: &str, wants: impl IntoIterator<Item = &'static str>) {
        for want in wants {
            assert!(report.contains(want), "{want:?} missing from\n{report}");
        }
        assert!(report.lines().count() <= 24, "one screen");
    }

    #[test]
    fn a_report_names_every_topic() {
        let mut s = MetricsSnapshot {
            messages_sent: 1_000,
            batches_sent: 500,
            largest_batch_sent: 4,
            messages_received: 1_000,
            batches_received: 10,
            largest_batch_received: 200,
            full_events: 7,
            empty_polls: 9,
            waits: 2,
            wakeups: 2,
            wait_time: Duration::from_micros(1500),
            watermark_high: 3,
            watermark_low: 2,
            evicted: 11,
            lagged: 13,
            uptime: Duration::from_millis(1),
            ..MetricsSnapshot::default()
        };
        let off = Report::new(s.clone()).to_string();
        let wants = [
            "ring metrics over 1ms",
            "sent         1000 in 500 batches (avg 2.0, max 4); 1.00 M/s",
            "received     1000 in 10 batches (avg 100.0, max 200)",
            "full         7 sends",
            "empty        9 receives",
            "waits        2 sleeps, 2 wake-ups, 1.5ms asleep",
            "watermarks   3 high, 2 low crossings",
            "lost         11 evicted, 13 lagged",
            "latency      off",
        ];
        assert_one_screen_with(&off, wants);

        s.latency_sampling = 64;
        s.latency_clock = Some(crate::ClockSource::Tsc);
        s.latency_samples = 4;
        s.latency_missed = 1;
        s.latency_sum_ns = 4_000;
        s.latency_min_ns = 300;
        s.latency_max_ns = 2_000;
        s.latency_histogram[9] = 2; // [256, 512) ns
        s.latency_histogram[11] = 2; // [1024, 2048) ns
        let on = s.report().to_string();
        let wants = [
            "latency      4 measured (1 in 64 items, tsc clock), 1 missed",
            "min 300ns  avg 1µs  max 2µs",
            "p50 <= 512ns",
            "p90 <= 2.048µs",
            "p99.9 <= 2.048µs",
        ];
        assert_one_screen_with(&on, wants);
        assert!(
            on.lines().all(|l| !l.ends_with(' ')),
            "no trailing blanks:\n{on}"
        );
    }

    #[test]
    fn a_report_without_samples_says_so() {
        let s = MetricsSnapshot {
            latency_sampling: 64,
            ..MetricsSnapshot::default()
        };
        assert!(s.report().to_string().contains("no samples yet"));
    }
}
