//! [`MetricsSnapshot`]: a plain copy of the counters, merged, compared and printed.

use core::fmt;
use core::time::Duration;

use super::{ClockSource, HISTOGRAM_BUCKETS, Report};

/// A plain copy of a [`Metrics`](crate::Metrics)' counters at one moment.
///
/// Latency fields are in nanoseconds and are zero while
/// [`latency_samples`](Self::latency_samples) is zero; the `latency_*()`
/// methods return `None` then.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let mut a = ring_metrics::MetricsSnapshot::default();
/// a.messages_received = 1000;
/// assert_eq!(a.throughput(Duration::from_millis(500)), 2000.0);
/// let mut total = a.clone();
/// total.merge(&a);
/// assert_eq!(total.messages_received, 2000);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MetricsSnapshot {
    /// Items committed by the producer(s).
    pub messages_sent: u64,
    /// Commits (a `try_send` is a batch of one; `send_slice` or a reservation
    /// one batch of its length).
    pub batches_sent: u64,
    /// The largest single commit.
    pub largest_batch_sent: u64,
    /// Sends or reserves that found the ring full.
    pub full_events: u64,
    /// Spin or yield steps of blocking sends waiting for room.
    pub reserve_spins: u64,
    /// Unread entries a flight recorder's writer evicted to make room
    /// ([`Observer::on_evicted`](ring_core::Observer::on_evicted)).
    pub evicted: u64,
    /// Items consumed.
    pub messages_received: u64,
    /// Consume operations (a `try_recv` is a batch of one).
    pub batches_received: u64,
    /// The largest single consume.
    pub largest_batch_received: u64,
    /// Receives that found the ring empty.
    pub empty_polls: u64,
    /// Times a blocking call went to sleep (either end).
    pub waits: u64,
    /// Times a blocking call woke from sleep (either end).
    pub wakeups: u64,
    /// Total time blocking calls spent asleep.
    pub wait_time: Duration,
    /// Times the fill rose to the high watermark (rings built with
    /// `Builder::watermarks`; [`Observer::on_watermark`](ring_core::Observer::on_watermark)).
    pub watermark_high: u64,
    /// Times the fill fell back to the low watermark after a high crossing.
    pub watermark_low: u64,
    /// Items broadcast subscribers lost by falling a ring behind
    /// (`Lagged(n)`; [`Observer::on_lagged`](ring_core::Observer::on_lagged)).
    pub lagged: u64,
    /// One item in how many is measured for latency (a power of two; 1 is
    /// every item, 0 is no latency measurement). The latency counts and the
    /// histogram are **not** scaled by it: they count measured items.
    pub latency_sampling: u64,
    /// The clock latency is measured with (`None` without latency).
    pub latency_clock: Option<ClockSource>,
    /// Latency samples measured ([`Metrics::with_latency`](crate::Metrics::with_latency)): about one item
    /// in [`latency_sampling`](Self::latency_sampling).
    pub latency_samples: u64,
    /// Latency samples whose commit stamp was not there yet (not measured).
    pub latency_missed: u64,
    /// Sum of the measured latencies, in nanoseconds.
    pub latency_sum_ns: u64,
    /// Smallest measured latency, in nanoseconds.
    pub latency_min_ns: u64,
    /// Largest measured latency, in nanoseconds.
    pub latency_max_ns: u64,
    /// Latency histogram: bucket 0 counts 0 ns, bucket `k >= 1` counts
    /// latencies in `[2^(k-1), 2^k)` ns.
    pub latency_histogram: [u64; HISTOGRAM_BUCKETS],
    /// Time since the `Metrics` was made or last reset.
    pub uptime: Duration,
}

impl Default for MetricsSnapshot {
    fn default() -> Self {
        MetricsSnapshot {
            messages_sent: 0,
            batches_sent: 0,
            largest_batch_sent: 0,
            full_events: 0,
            reserve_spins: 0,
            evicted: 0,
            messages_received: 0,
            batches_received: 0,
            largest_batch_received: 0,
            empty_polls: 0,
            waits: 0,
            wakeups: 0,
            wait_time: Duration::ZERO,
            watermark_high: 0,
            watermark_low: 0,
            lagged: 0,
            latency_sampling: 0,
            latency_clock: None,
            latency_samples: 0,
            latency_missed: 0,
            latency_sum_ns: 0,
            latency_min_ns: 0,
            latency_max_ns: 0,
            latency_histogram: [0; HISTOGRAM_BUCKETS],
            uptime: Duration::ZERO,
        }
    }
}

impl MetricsSnapshot {
    /// Adds `other` into `self`: sums add, maxima take the larger, the latency
    /// minimum the smaller (of those with samples), histograms add bucket by
    /// bucket, `uptime` takes the longer. For the counters of several rings.
    /// `latency_sampling` takes the larger and `latency_clock` is `self`'s if
    /// it has one: merge snapshots sampled alike, or the counts of a densely
    /// sampled ring outweigh the others'.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = ring_metrics::MetricsSnapshot::default();
    /// a.messages_sent = 5;
    /// a.largest_batch_sent = 4;
    /// let mut b = a.clone();
    /// b.largest_batch_sent = 1;
    /// a.merge(&b);
    /// assert_eq!((a.messages_sent, a.largest_batch_sent), (10, 4));
    /// ```
    pub fn merge(&mut self, other: &MetricsSnapshot) {
        let min = match (self.latency_samples, other.latency_samples) {
            (0, _) => other.latency_min_ns,
            (_, 0) => self.latency_min_ns,
            _ => self.latency_min_ns.min(other.latency_min_ns),
        };
        self.messages_sent += other.messages_sent;
        self.batches_sent += other.batches_sent;
        self.largest_batch_sent = self.largest_batch_sent.max(other.largest_batch_sent);
        self.full_events += other.full_events;
        self.reserve_spins += other.reserve_spins;
        self.evicted += other.evicted;
        self.messages_received += other.messages_received;
        self.batches_received += other.batches_received;
        self.largest_batch_received = self
            .largest_batch_received
            .max(other.largest_batch_received);
        self.empty_polls += other.empty_polls;
        self.waits += other.waits;
        self.wakeups += other.wakeups;
        self.wait_time += other.wait_time;
        self.watermark_high += other.watermark_high;
        self.watermark_low += other.watermark_low;
        self.lagged += other.lagged;
        self.latency_sampling = self.latency_sampling.max(other.latency_sampling);
        self.latency_clock = self.latency_clock.or(other.latency_clock);
        self.latency_samples += other.latency_samples;
        self.latency_missed += other.latency_missed;
        self.latency_sum_ns += other.latency_sum_ns;
        self.latency_min_ns = min;
        self.latency_max_ns = self.latency_max_ns.max(other.latency_max_ns);
        for (a, b) in self
            .latency_histogram
            .iter_mut()
            .zip(other.latency_histogram.iter())
        {
            *a += b;
        }
        self.uptime = self.uptime.max(other.uptime);
    }

    /// The counts between `earlier` and `self` (two snapshots of one
    /// `Metrics`): sums and the histogram are differences (saturating at 0),
    /// `uptime` is the interval; the maxima and the latency minimum are
    /// `self`'s, since a running extreme cannot be split; the sampling rate
    /// and clock are `self`'s.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut t0 = ring_metrics::MetricsSnapshot::default();
    /// t0.messages_received = 100;
    /// t0.uptime = Duration::from_secs(1);
    /// let mut t1 = t0.clone();
    /// t1.messages_received = 400;
    /// t1.uptime = Duration::from_secs(2);
    /// let d = t1.since(&t0);
    /// assert_eq!((d.messages_received, d.uptime), (300, Duration::from_secs(1)));
    /// ```
    pub fn since(&self, earlier: &MetricsSnapshot) -> MetricsSnapshot {
        let mut d = self.clone();
        d.messages_sent = d.messages_sent.saturating_sub(earlier.messages_sent);
        d.batches_sent = d.batches_sent.saturating_sub(earlier.batches_sent);
        d.full_events = d.full_events.saturating_sub(earlier.full_events);
        d.reserve_spins = d.reserve_spins.saturating_sub(earlier.reserve_spins);
        d.evicted = d.evicted.saturating_sub(earlier.evicted);
        d.messages_received = d
            .messages_received
            .saturating_sub(earlier.messages_received);
        d.batches_received = d.batches_received.saturating_sub(earlier.batches_received);
        d.empty_polls = d.empty_polls.saturating_sub(earlier.empty_polls);
        d.waits = d.waits.saturating_sub(earlier.waits);
        d.wakeups = d.wakeups.saturating_sub(earlier.wakeups);
        d.wait_time = d.wait_time.saturating_sub(earlier.wait_time);
        d.watermark_high = d.watermark_high.saturating_sub(earlier.watermark_high);
        d.watermark_low = d.watermark_low.saturating_sub(earlier.watermark_low);
        d.lagged = d.lagged.saturating_sub(earlier.lagged);
        d.latency_samples = d.latency_samples.saturating_sub(earlier.latency_samples);
        d.latency_missed = d.latency_missed.saturating_sub(earlier.latency_missed);
        d.latency_sum_ns = d.latency_sum_ns.saturating_sub(earlier.latency_sum_ns);
        for (a, b) in d
            .latency_histogram
            .iter_mut()
            .zip(earlier.latency_histogram.iter())
        {
            *a = a.saturating_sub(*b);
        }
        if d.latency_samples == 0 {
            d.latency_min_ns = 0;
            d.latency_max_ns = 0;
        }
        d.uptime = d.uptime.saturating_sub(earlier.uptime);
        d
    }

    /// A multi-line summary of these counters for a person to read (see
    /// [`Report`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut s = ring_metrics::MetricsSnapshot::default();
    /// s.messages_sent = 3;
    /// assert!(s.report().to_string().contains("sent"));
    /// ```
    pub fn report(&self) -> Report {
        Report::new(self.clone())
    }

    /// Messages received per second over `elapsed` (0 for a zero interval).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut s = ring_metrics::MetricsSnapshot::default();
    /// s.messages_received = 50;
    /// assert_eq!(s.throughput(Duration::from_millis(100)), 500.0);
    /// assert_eq!(s.throughput(Duration::ZERO), 0.0);
    /// ```
    pub fn throughput(&self, elapsed: Duration) -> f64 {
        let secs = elapsed.as_secs_f64();
        if secs > 0.0 {
            self.messages_received as f64 / secs
        } else {
            0.0
        }
    }

    /// Messages received per second between `earlier` and `self` (two
    /// snapshots of one `Metrics`, using their `uptime`s).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut t0 = ring_metrics::MetricsSnapshot::default();
    /// t0.uptime = Duration::from_secs(1);
    /// let mut t1 = t0.clone();
    /// t1.messages_received = 10;
    /// t1.uptime = Duration::from_secs(3);
    /// assert_eq!(t1.rate_since(&t0), 5.0);
    /// ```
    pub fn rate_since(&self, earlier: &MetricsSnapshot) -> f64 {
        let d = self.since(earlier);
        d.throughput(d.uptime)
    }

    /// Average items per commit (0 with no commits).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut s = ring_metrics::MetricsSnapshot::default();
    /// s.messages_sent = 10;
    /// s.batches_sent = 4;
    /// assert_eq!(s.avg_batch_sent(), 2.5);
    /// ```
    pub fn avg_batch_sent(&self) -> f64 {
        ratio(self.messages_sent, self.batches_sent)
    }

    /// Average items per consume (0 with no consumes).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut s = ring_metrics::MetricsSnapshot::default();
    /// s.messages_received = 9;
    /// s.batches_received = 3;
    /// assert_eq!(s.avg_batch_received(), 3.0);
    /// ```
    pub fn avg_batch_received(&self) -> f64 {
        ratio(self.messages_received, self.batches_received)
    }

    /// Smallest measured latency.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut s = ring_metrics::MetricsSnapshot::default();
    /// assert_eq!(s.latency_min(), None);
    /// s.latency_samples = 1;
    /// s.latency_min_ns = 250;
    /// assert_eq!(s.latency_min(), Some(std::time::Duration::from_nanos(250)));
    /// ```
    pub fn latency_min(&self) -> Option<Duration> {
        (self.latency_samples > 0).then(|| Duration::from_nanos(self.latency_min_ns))
    }

    /// Average measured latency.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut s = ring_metrics::MetricsSnapshot::default();
    /// s.latency_samples = 2;
    /// s.latency_sum_ns = 300;
    /// assert_eq!(s.latency_avg(), Some(std::time::Duration::from_nanos(150)));
    /// ```
    pub fn latency_avg(&self) -> Option<Duration> {
        (self.latency_samples > 0)
            .then(|| Duration::from_nanos(self.latency_sum_ns / self.latency_samples))
    }

    /// Largest measured latency.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut s = ring_metrics::MetricsSnapshot::default();
    /// s.latency_samples = 1;
    /// s.latency_max_ns = 900;
    /// assert_eq!(s.latency_max(), Some(std::time::Duration::from_nanos(900)));
    /// ```
    pub fn latency_max(&self) -> Option<Duration> {
        (self.latency_samples > 0).then(|| Duration::from_nanos(self.latency_max_ns))
    }

    /// An upper bound of the `q`-quantile latency (`q` in `0.0..=1.0`) from
    /// the histogram: the top of the bucket holding it. `None` with no samples.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut s = ring_metrics::MetricsSnapshot::default();
    /// s.latency_samples = 4;
    /// s.latency_histogram[10] = 3; // [512, 1024) ns
    /// s.latency_histogram[20] = 1; // [2^19, 2^20) ns
    /// assert_eq!(s.latency_quantile(0.5), Some(std::time::Duration::from_nanos(1024)));
    /// assert_eq!(s.latency_quantile(1.0), Some(std::time::Duration::from_nanos(1 << 20)));
    /// ```
    pub fn latency_quantile(&self, q: f64) -> Option<Duration> {
        let total: u64 = self.latency_histogram.iter().sum();
        if total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (k, &count) in self.latency_histogram.iter().enumerate() {
            seen += count;
            if seen >= rank {
                let top = if k == 0 { 0 } else { 1u64 << k.min(63) };
                return Some(Duration::from_nanos(top));
            }
        }
        None
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

impl fmt::Display for MetricsSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sent {} in {} batches (max {}), received {} in {} batches (max {}), \
             full {}, empty {}, spins {}, waits {} / wake-ups {} ({:?} asleep), \
             watermark high {} / low {}, evicted {}, lagged {}",
            self.messages_sent,
            self.batches_sent,
            self.largest_batch_sent,
            self.messages_received,
            self.batches_received,
            self.largest_batch_received,
            self.full_events,
            self.empty_polls,
            self.reserve_spins,
            self.waits,
            self.wakeups,
            self.wait_time,
            self.watermark_high,
            self.watermark_low,
            self.evicted,
            self.lagged,
        )?;
        if let (Some(min), Some(avg), Some(max)) =
            (self.latency_min(), self.latency_avg(), self.latency_max())
        {
            write!(
                f,
                ", latency (1 in {}) min {min:?} avg {avg:?} max {max:?}",
                self.latency_sampling
            )?;
        }
        Ok(())
    }
}
