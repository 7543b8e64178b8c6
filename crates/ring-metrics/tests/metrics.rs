//! Every counter of `Metrics`, driven through a real SPSC ring.

use std::thread;
use std::time::{Duration, Instant};

use ring_core::spsc::{Builder, Consumer, Producer};
use ring_core::{Observer, RecvTimeoutError, SendTimeoutError, WaitStrategy};
use ring_metrics::{HISTOGRAM_BUCKETS, Metrics, MetricsSnapshot};
use ringmpsc_testkit::{small, watchdog};

type Pair = (Producer<u64, Metrics>, Consumer<u64, Metrics>);

fn ring(bits: u32, m: &Metrics) -> Pair {
    Builder::new(small(bits))
        .observer(m.clone())
        .build::<u64>()
        .unwrap()
}

/// Sends `0..n` from another thread through a `ring(3, m)` and receives
/// them here, in order, until the producer is gone.
fn stream_in_order(m: &Metrics, n: u64) {
    let (mut tx, mut rx) = ring(3, m);
    let p = thread::spawn(move || {
        for i in 0..n {
            tx.send(i).unwrap();
        }
    });
    let mut next = 0;
    while let Ok(v) = rx.recv() {
        assert_eq!(v, next);
        next += 1;
    }
    p.join().unwrap();
    assert_eq!(next, n);
}

/// An all-zero snapshot with `s`'s uptime and latency settings.
fn zero_but_uptime(s: &MetricsSnapshot) -> MetricsSnapshot {
    let mut z = MetricsSnapshot::default();
    z.uptime = s.uptime;
    z.latency_sampling = s.latency_sampling;
    z.latency_clock = s.latency_clock;
    z
}

/// Straight to the futex: no spin or yield steps.
const SLEEP_NOW: WaitStrategy = WaitStrategy::PhasedBackoff { spin: 0, yield_: 0 };

#[test]
fn fresh_metrics_are_zero() {
    let s = Metrics::new().snapshot();
    assert_eq!(s, zero_but_uptime(&s));
    assert_eq!(s.latency_min(), None);
    assert_eq!(s.latency_avg(), None);
    assert_eq!(s.latency_max(), None);
    assert_eq!(s.latency_quantile(0.5), None);
}

/// One side's `(messages, batches, largest batch)` are `want`, and its
/// average batch is messages / batches.
fn assert_batches(got: (u64, u64, u64), avg: f64, want: (u64, u64, u64)) {
    assert_eq!(got, want, "(messages, batches, largest batch)");
    assert_eq!(avg, want.0 as f64 / want.1 as f64, "average batch");
}

#[test]
fn send_side_counters() {
    let m = Metrics::new();
    let (mut tx, _rx) = ring(3, &m); // 8 slots
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert_eq!(tx.send_slice(&[3, 4, 5]), 3);
    let r = tx.reserve(2).unwrap();
    assert_eq!(r.copy_from_slice(&[6, 7]), 2);
    let s = m.snapshot();
    let sent = (s.messages_sent, s.batches_sent, s.largest_batch_sent);
    assert_batches(sent, s.avg_batch_sent(), (7, 4, 3));
    assert_eq!(s.full_events, 0);

    // One slot left, then full: every refused send is a full event.
    tx.try_send(8).unwrap();
    assert!(tx.try_send(9).is_err());
    assert_eq!(tx.send_slice(&[9]), 0);
    assert!(tx.reserve(1).is_none());
    let s = m.snapshot();
    assert_eq!(s.messages_sent, 8);
    assert_eq!(s.full_events, 3);
}

#[test]
fn receive_side_counters() {
    let m = Metrics::new();
    let (mut tx, mut rx) = ring(4, &m);
    assert!(rx.try_recv().is_err());
    assert_eq!(rx.consume_batch(|_| {}), 0);
    assert_eq!(m.snapshot().empty_polls, 2);

    assert_eq!(tx.send_slice(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 10);
    assert_eq!(rx.try_recv(), Ok(1));
    let mut out = [0; 3];
    assert_eq!(rx.recv_slice(&mut out), 3);
    let mut sum = 0;
    assert_eq!(rx.consume_batch(|x| sum += x), 6);
    assert_eq!(sum, 5 + 6 + 7 + 8 + 9 + 10);
    let s = m.snapshot();
    let received = (
        s.messages_received,
        s.batches_received,
        s.largest_batch_received,
    );
    assert_batches(received, s.avg_batch_received(), (10, 3, 6));
    assert_eq!(s.empty_polls, 2);
    // Without `with_latency` nothing is measured.
    assert_eq!((s.latency_samples, s.latency_missed), (0, 0));
}

#[test]
fn reserve_spins_on_a_timed_out_send() {
    watchdog(30, || {
        let m = Metrics::new();
        let (mut tx, _rx) = ring(1, &m);
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        let r = tx.send_with(3, WaitStrategy::TimedBlocking(Duration::from_millis(50)));
        assert_eq!(r, Err(SendTimeoutError::Timeout(3)));
        let s = m.snapshot();
        assert!(s.reserve_spins > 0, "spin/yield steps before parking: {s}");
        assert!(s.full_events > 0);
        assert_eq!(s.wakeups, s.waits, "every sleep ends with a wake-up");
        assert_eq!(s.messages_sent, 2);
    });
}

/// Waits (without sleeping) until the thread on the other side announced
/// its sleep.
fn until_a_sleep_is_announced(m: &Metrics) {
    while m.snapshot().waits == 0 {
        thread::yield_now();
    }
}

/// At least one sleep (a spurious futex wake-up can add another), each
/// ended by a wake-up, and time spent waiting.
fn assert_slept_and_woken(s: &MetricsSnapshot) {
    assert!(s.waits >= 1, "{s}");
    assert_eq!(s.wakeups, s.waits, "every sleep ends with a wake-up");
    assert!(s.wait_time > Duration::ZERO);
}

#[test]
fn blocking_send_sleeps_and_is_woken() {
    watchdog(30, || {
        let m = Metrics::new();
        let (mut tx, mut rx) = ring(1, &m);
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        let producer = thread::spawn(move || tx.send_with(3, SLEEP_NOW));
        until_a_sleep_is_announced(&m); // by the producer
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(producer.join().unwrap(), Ok(()));
        let s = m.snapshot();
        assert_slept_and_woken(&s);
        assert_eq!(s.reserve_spins, 0, "SLEEP_NOW takes no spin steps");
        assert_eq!(s.messages_sent, 3);
    });
}

#[test]
fn blocking_recv_sleeps_and_is_woken() {
    watchdog(30, || {
        let m = Metrics::new();
        let (mut tx, mut rx) = ring(4, &m);
        let consumer = thread::spawn(move || rx.recv_with(SLEEP_NOW));
        until_a_sleep_is_announced(&m); // by the consumer
        tx.try_send(42).unwrap();
        assert_eq!(consumer.join().unwrap(), Ok(42));
        let s = m.snapshot();
        assert_slept_and_woken(&s);
        assert_eq!((s.messages_sent, s.messages_received), (1, 1));
    });
}

#[test]
fn blocking_recv_timeout_counts_empty_polls() {
    watchdog(30, || {
        let m = Metrics::new();
        let (_tx, mut rx) = ring(4, &m);
        let t0 = Instant::now();
        let wait = Duration::from_millis(10);
        assert_eq!(
            rx.recv_with(WaitStrategy::TimedBlocking(wait)),
            Err(RecvTimeoutError::Timeout)
        );
        assert!(t0.elapsed() >= wait);
        let s = m.snapshot();
        assert!(s.empty_polls > 1, "every attempt polls: {s}");
        assert_eq!(s.wakeups, s.waits, "every sleep ends with a wake-up");
        assert_eq!(
            s.reserve_spins, 0,
            "spins are counted on the send side only"
        );
    });
}

#[test]
fn latency_is_measured_with_lower_bounds() {
    let m = Metrics::with_latency_sampled(16, 1); // every item
    assert!(m.measures_latency());
    let (mut tx, mut rx) = ring(4, &m);
    tx.try_send(1).unwrap();
    // A delay (not synchronisation): the item waits at least this long.
    let delay = Duration::from_millis(2);
    thread::sleep(delay);
    assert_eq!(rx.try_recv(), Ok(1));
    let s = m.snapshot();
    assert_eq!(s.latency_samples, 1);
    assert_eq!(s.latency_missed, 0);
    assert!(s.latency_min().unwrap() >= delay);
    assert_eq!(s.latency_min(), s.latency_max());
    assert_eq!(s.latency_min(), s.latency_avg());
    let bucket = s.latency_histogram.iter().position(|&c| c == 1).unwrap();
    assert!(bucket >= 21, "2 ms is at least 2^21 ns: bucket {bucket}");
    assert_eq!(s.latency_histogram.iter().sum::<u64>(), 1);
    assert!(s.latency_quantile(1.0).unwrap() >= delay);

    // A batch is sampled at its first and last item.
    assert_eq!(tx.send_slice(&[1, 2, 3, 4, 5]), 5);
    assert_eq!(rx.consume_batch(|_| {}), 5);
    let s = m.snapshot();
    assert_eq!(s.latency_samples, 3);
    assert_eq!(s.latency_histogram.iter().sum::<u64>(), 3);
    assert!(s.latency_min_ns <= s.latency_avg().unwrap().as_nanos() as u64);
    assert!(s.latency_avg().unwrap() <= s.latency_max().unwrap());
    assert!(s.latency_max().unwrap() >= delay);
}

#[test]
fn latency_across_wrap_around_and_threads() {
    watchdog(60, || {
        let n: u64 = if cfg!(miri) { 200 } else { 50_000 };
        let cfg = small(3);
        let m = Metrics::with_latency_sampled(cfg.capacity(), 1); // every item
        stream_in_order(&m, n);
        let s = m.snapshot();
        assert_eq!(s.messages_received, n);
        // Every consume produced one or two samples, none missed: stamps are
        // written before the commit and the table spans two laps.
        assert_eq!(s.latency_missed, 0);
        let taken = s.latency_samples;
        assert!(taken >= s.batches_received && taken <= 2 * s.batches_received);
        assert_eq!(s.latency_histogram.iter().sum::<u64>(), s.latency_samples);
        if s.latency_samples > 0 {
            assert!(s.latency_min_ns <= s.latency_max_ns);
        }
    });
}

#[test]
fn missed_latency_samples_are_counted_not_measured() {
    let m = Metrics::with_latency_sampled(4, 1); // a table of 2 * 4 stamps
    // A consume whose commit stamp was never written.
    m.on_consume(1000, 1);
    // A stamp from an earlier lap of the same table slot.
    m.before_commit(0, 1);
    m.on_commit(0, 1);
    m.on_consume(8, 1);
    let s = m.snapshot();
    assert_eq!(s.latency_missed, 2);
    assert_eq!(s.latency_samples, 0);
    assert_eq!(s.latency_min(), None);
}

#[test]
fn shared_metrics_lose_nothing_with_many_writers() {
    let per_thread: u64 = if cfg!(miri) { 100 } else { 100_000 };
    let m = Metrics::shared();
    thread::scope(|s| {
        for t in 0..2 {
            let m = m.clone();
            s.spawn(move || {
                for i in 0..per_thread {
                    m.on_commit(i, 1 + t);
                    m.on_full();
                }
            });
        }
    });
    let s = m.snapshot();
    assert_eq!(s.batches_sent, 2 * per_thread);
    assert_eq!(s.messages_sent, 3 * per_thread);
    assert_eq!(s.full_events, 2 * per_thread);
    assert_eq!(s.largest_batch_sent, 2);
}

#[test]
fn reset_starts_from_zero() {
    let m = Metrics::with_latency_sampled(8, 1);
    let (mut tx, mut rx) = ring(3, &m);
    tx.send_slice(&[1, 2, 3]);
    rx.consume_batch(|_| {});
    assert!(rx.try_recv().is_err());
    let before = m.snapshot();
    assert_eq!(before.messages_received, 3);
    m.reset();
    let s = m.snapshot();
    assert_eq!(s, zero_but_uptime(&s));
    assert!(s.uptime <= before.uptime + Duration::from_secs(60));
    tx.try_send(4).unwrap();
    rx.try_recv().unwrap();
    let s = m.snapshot();
    assert_eq!(
        (s.messages_sent, s.messages_received, s.batches_sent),
        (1, 1, 1)
    );
    assert_eq!((s.largest_batch_sent, s.largest_batch_received), (1, 1));
    assert_eq!(s.latency_samples, 1);
}

#[test]
fn merge_of_two_rings() {
    let a = Metrics::with_latency(8);
    let b = Metrics::with_latency(8);
    let (mut ta, mut ra) = ring(3, &a);
    let (mut tb, mut rb) = ring(3, &b);
    ta.send_slice(&[1, 2, 3, 4]);
    ra.consume_batch(|_| {});
    tb.try_send(1).unwrap();
    rb.try_recv().unwrap();
    assert!(rb.try_recv().is_err());
    let (sa, sb) = (a.snapshot(), b.snapshot());
    let mut total = sa.clone();
    total.merge(&sb);
    assert_eq!(total.messages_sent, 5);
    assert_eq!(total.messages_received, 5);
    assert_eq!(total.batches_sent, 2);
    assert_eq!(total.largest_batch_sent, 4);
    assert_eq!(total.empty_polls, 1);
    assert_eq!(
        total.latency_samples,
        sa.latency_samples + sb.latency_samples
    );
    assert_eq!(
        total.latency_min_ns,
        sa.latency_min_ns.min(sb.latency_min_ns)
    );
    assert_eq!(
        total.latency_max_ns,
        sa.latency_max_ns.max(sb.latency_max_ns)
    );
    assert_eq!(total.uptime, sa.uptime.max(sb.uptime));
    // Merging into an empty snapshot keeps the other's minimum.
    let mut empty = MetricsSnapshot::default();
    empty.merge(&sb);
    assert_eq!(empty.latency_min_ns, sb.latency_min_ns);
    assert_eq!(empty.latency_histogram.len(), HISTOGRAM_BUCKETS);
}

#[test]
fn throughput_over_an_interval() {
    let m = Metrics::new();
    let (mut tx, mut rx) = ring(6, &m);
    let t0 = m.snapshot();
    assert_eq!(tx.send_slice(&[7; 40]), 40);
    assert_eq!(rx.consume_count(), 40);
    thread::sleep(Duration::from_millis(1)); // a non-zero interval
    let t1 = m.snapshot();
    let d = t1.since(&t0);
    assert_eq!(d.messages_received, 40);
    assert!(d.uptime >= Duration::from_millis(1));
    let rate = t1.rate_since(&t0);
    assert!(rate > 0.0);
    // Upper bound from the lower bound on the interval.
    assert!(rate <= 40.0 / 0.001);
    assert_eq!(t1.throughput(Duration::from_secs(2)), 20.0);
}

#[test]
fn clones_share_counters_and_display_works() {
    let m = Metrics::new();
    let c = m.clone();
    c.on_empty();
    assert_eq!(m.snapshot().empty_polls, 1);
    let text = m.snapshot().to_string();
    assert!(text.contains("empty 1"), "{text}");
    fn send_sync<T: Send + Sync + Clone>() {}
    send_sync::<Metrics>();
}

#[test]
fn default_sampling_measures_one_item_in_64_across_threads() {
    watchdog(60, || {
        let n: u64 = if cfg!(miri) { 200 } else { 50_000 };
        let cfg = small(3); // 8 slots: no batch holds two sampled positions
        let m = Metrics::with_latency(cfg.capacity());
        assert_eq!(
            m.latency_sampling(),
            Some(ring_metrics::DEFAULT_LATENCY_SAMPLING)
        );
        stream_in_order(&m, n);
        let s = m.snapshot();
        assert_eq!(s.messages_received, n);
        // Positions 0, 64, 128, ... below n: each measured once, never missed
        // (stamps are written before the commit is visible).
        assert_eq!(s.latency_samples, n.div_ceil(64));
        assert_eq!(s.latency_missed, 0);
        assert_eq!(s.latency_histogram.iter().sum::<u64>(), s.latency_samples);
        assert_eq!(s.latency_sampling, 64);
        assert!(s.latency_clock.is_some());
        assert!(s.latency_min_ns <= s.latency_max_ns);
    });
}

#[test]
fn a_sampled_batch_is_measured_at_its_sampled_positions() {
    let m = Metrics::with_latency_sampled(64, 8);
    let (mut tx, mut rx) = ring(6, &m);
    let v: Vec<u64> = (0..40).collect();
    assert_eq!(tx.send_slice(&v[..20]), 20); // stamps 0, 8, 16
    assert_eq!(tx.send_slice(&v[20..]), 20); // stamps 24, 32
    let mut out = [0; 5];
    assert_eq!(rx.recv_slice(&mut out), 5); // [0, 5): measures 0
    assert_eq!(rx.recv_slice(&mut out), 5); // [5, 10): measures 8
    assert_eq!(rx.recv_slice(&mut out), 5); // [10, 15): nothing sampled
    assert_eq!(m.snapshot().latency_samples, 2);
    assert_eq!(rx.consume_batch(|_| {}), 25); // [15, 40): measures 16 and 32
    let s = m.snapshot();
    assert_eq!((s.latency_samples, s.latency_missed), (4, 0));
}

#[test]
fn watermark_crossings_are_counted_through_a_ring() {
    let m = Metrics::new();
    let (mut tx, mut rx) = Builder::new(small(3))
        .observer(m.clone())
        .watermarks(2, 6)
        .build::<u64>()
        .unwrap();
    for round in 1..=3 {
        assert_eq!(tx.send_slice(&[1, 2, 3, 4, 5, 6]), 6); // fill 6: high
        assert_eq!(tx.send_slice(&[7]), 1); // still high: no second report
        for _ in 0..5 {
            rx.try_recv().unwrap(); // 2 left: low
        }
        rx.try_recv().unwrap();
        rx.try_recv().unwrap();
        let s = m.snapshot();
        assert_eq!((s.watermark_high, s.watermark_low), (round, round), "{s}");
    }
    let text = m.report().to_string();
    assert!(
        text.contains("watermarks   3 high, 3 low crossings"),
        "{text}"
    );
}

#[test]
fn report_is_a_readable_summary() {
    let cfg = small(4);
    let m = Metrics::with_latency_sampled(cfg.capacity(), 2);
    let (mut tx, mut rx) = ring(4, &m);
    assert_eq!(tx.send_slice(&[1, 2, 3, 4]), 4);
    assert_eq!(rx.consume_batch(|_| {}), 4);
    assert!(rx.try_recv().is_err());
    let text = m.report().to_string();
    for want in [
        "sent         4 in 1 batches (avg 4.0, max 4)",
        "received     4 in 1 batches (avg 4.0, max 4)",
        "empty        1 receives found it empty",
        "latency      2 measured (1 in 2 items,",
        "min ",
        "p50 <= ",
        "p99.9 <= ",
    ] {
        assert!(text.contains(want), "{want:?} missing from\n{text}");
    }
    assert!(text.lines().count() <= 24, "one screen:\n{text}");
    assert_eq!(m.report().snapshot().messages_sent, 4);
}
