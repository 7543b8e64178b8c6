//! Watermark crossings on the SPSC ring through the public API: exact
//! levels on one thread, over every commit and consume path; and two
//! threads racing, checked by a state machine over the reported sequence.
#![allow(clippy::disallowed_types)] // reason: test scaffolding; the protocol is modelled under loom in loom_watermark.rs

use std::sync::{Arc, Barrier, Mutex};
use std::thread;

use ring_core::spsc::{Builder, Consumer, Producer};
use ring_core::{BuildError, Config, ConfigError, Observer, TryRecvError, TrySendError, Watermark};

#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<Watermark>>>);

impl Observer for Log {
    fn on_watermark(&self, mark: Watermark) {
        self.0.lock().unwrap().push(mark);
    }
}

impl Log {
    fn take(&self) -> Vec<Watermark> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

const HIGH: fn(usize) -> Watermark = |len| Watermark::High { len };
const LOW: fn(usize) -> Watermark = |len| Watermark::Low { len };

fn ring(bits: u32, low: usize, high: usize) -> (Producer<u64, Log>, Consumer<u64, Log>, Log) {
    let log = Log::default();
    let (tx, rx) = Builder::new(Config::default().with_ring_bits(bits))
        .observer(log.clone())
        .watermarks(low, high)
        .build::<u64>()
        .unwrap();
    (tx, rx, log)
}

#[test]
fn every_commit_path_reports_high_once_at_the_exact_level() {
    // try_send
    let (mut tx, _rx, log) = ring(3, 2, 6);
    for i in 0..5 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(log.take(), []);
    assert!(!tx.above_high_watermark());
    tx.try_send(5).unwrap();
    assert_eq!(log.take(), [HIGH(6)]);
    tx.try_send(6).unwrap();
    tx.try_send(7).unwrap();
    assert_eq!(tx.try_send(8), Err(TrySendError::Full(8)));
    assert_eq!(log.take(), [], "already high: nothing more");
    assert!(tx.above_high_watermark());

    // send_slice
    let (mut tx, _rx, log) = ring(3, 2, 6);
    assert_eq!(tx.send_slice(&[1, 2, 3, 4, 5]), 5);
    assert_eq!(log.take(), []);
    assert_eq!(tx.send_slice(&[6, 7]), 2);
    assert_eq!(log.take(), [HIGH(7)], "the fill the call left");

    // reserve + fill_from_iter / copy_from_slice
    let (mut tx, _rx, log) = ring(3, 2, 6);
    assert_eq!(tx.reserve(3).unwrap().fill_from_iter(0..3), 3);
    assert_eq!(tx.reserve(3).unwrap().copy_from_slice(&[3, 4, 5]), 3);
    assert_eq!(log.take(), [HIGH(6)]);
}

#[test]
fn every_consume_path_reports_low_once_at_the_exact_level() {
    let fill = |tx: &mut Producer<u64, Log>, log: &Log| {
        tx.send_slice(&[0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(log.take(), [HIGH(8)]);
    };
    // try_recv
    let (mut tx, mut rx, log) = ring(3, 2, 6);
    fill(&mut tx, &log);
    for _ in 0..5 {
        rx.try_recv().unwrap();
    }
    assert_eq!(log.take(), [], "3 left, above low");
    assert!(rx.above_high_watermark());
    rx.try_recv().unwrap();
    assert_eq!(log.take(), [LOW(2)]);
    assert!(!rx.above_high_watermark() && !tx.above_high_watermark());
    rx.try_recv().unwrap();
    rx.try_recv().unwrap();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(log.take(), []);

    // recv_slice
    let (mut tx, mut rx, log) = ring(3, 2, 6);
    fill(&mut tx, &log);
    let mut out = [0; 7];
    assert_eq!(rx.recv_slice(&mut out), 7);
    assert_eq!(log.take(), [LOW(1)]);

    // recv_many
    let (mut tx, mut rx, log) = ring(3, 2, 6);
    fill(&mut tx, &log);
    let mut v = Vec::new();
    assert_eq!(rx.recv_many(&mut v, 5), 5);
    assert_eq!(log.take(), []);
    assert_eq!(rx.recv_many(&mut v, 1), 1);
    assert_eq!(log.take(), [LOW(2)]);

    // consume_batch (the Finish guard's path)
    let (mut tx, mut rx, log) = ring(3, 2, 6);
    fill(&mut tx, &log);
    assert_eq!(rx.consume_up_to(6, |_| {}), 6);
    assert_eq!(log.take(), [LOW(2)]);

    // advance (skip)
    let (mut tx, mut rx, log) = ring(3, 2, 6);
    fill(&mut tx, &log);
    assert!(rx.readable().is_some());
    rx.advance(8);
    assert_eq!(log.take(), [LOW(0)]);
}

#[test]
fn hysteresis_wobble_between_the_marks_reports_nothing() {
    let (mut tx, mut rx, log) = ring(3, 2, 6);
    tx.send_slice(&[0; 6]);
    assert_eq!(log.take(), [HIGH(6)]);
    for _ in 0..10 {
        rx.try_recv().unwrap(); // 5
        rx.try_recv().unwrap(); // 4
        tx.send_slice(&[0, 0]); // 6 again: still high, nothing
    }
    assert_eq!(log.take(), []);
    for _ in 0..4 {
        rx.try_recv().unwrap();
    }
    assert_eq!(log.take(), [LOW(2)]);
    for _ in 0..10 {
        tx.send_slice(&[0, 0, 0]); // 5
        rx.consume_up_to(3, |_| {}); // 2 again: still low, nothing
    }
    assert_eq!(log.take(), []);
}

#[test]
fn impossible_watermarks_are_a_build_error() {
    for (low, high) in [(4, 4), (5, 4), (1, 9)] {
        let r = Builder::new(Config::default().with_ring_bits(3))
            .watermarks(low, high)
            .build::<u64>();
        match r {
            Err(BuildError::Config(ConfigError::Watermarks { .. })) => {}
            other => panic!("({low}, {high}): {:?}", other.map(|_| ())),
        }
    }
    assert!(
        Builder::new(Config::default().with_ring_bits(3))
            .watermarks(0, 8)
            .build::<u64>()
            .is_ok(),
        "high == capacity is allowed"
    );
}

#[test]
fn a_panicking_observer_wedges_nothing() {
    #[derive(Clone)]
    struct Bomb;
    impl Observer for Bomb {
        fn on_watermark(&self, _: Watermark) {
            panic!("observer");
        }
    }
    let (mut tx, mut rx) = Builder::new(Config::default().with_ring_bits(2))
        .observer(Bomb)
        .watermarks(0, 2)
        .build::<String>()
        .unwrap();
    tx.try_send("a".into()).unwrap();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| tx.try_send("b".into())));
    assert!(r.is_err(), "the observer's panic reaches the caller");
    assert!(tx.above_high_watermark(), "the word settled high");
    assert_eq!(rx.try_recv().as_deref(), Ok("a"));
    // The receive that crosses low panics in the report, after it took the
    // item (dropped once during the unwind, as for any observer hook).
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rx.try_recv()));
    assert!(r.is_err());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(
        !rx.above_high_watermark(),
        "the Low report panicked, the word still settled low"
    );
    // And the ring still works in both directions.
    tx.try_send("c".into()).unwrap();
    assert_eq!(rx.try_recv().as_deref(), Ok("c"));
}

/// Checks that `seq` alternates High, Low, ... with each report at its mark.
fn check_sequence(seq: &[Watermark], low: usize, high: usize) {
    for (i, w) in seq.iter().enumerate() {
        match *w {
            Watermark::High { len } => {
                assert!(i % 2 == 0 && len >= high, "report {i}: {w:?} in {seq:?}")
            }
            Watermark::Low { len } => {
                assert!(i % 2 == 1 && len <= low, "report {i}: {w:?} in {seq:?}")
            }
        }
    }
}

/// Rounds in lockstep: each round the producer sends a full ring while the
/// consumer waits for it to fill, then the consumer drains it. Exactly one
/// High and one Low per round, whatever the threads' timing.
#[test]
fn two_threads_in_rounds_report_exactly_one_pair_per_round() {
    let rounds = if cfg!(miri) { 3 } else { 500 };
    let (mut tx, mut rx, log) = ring(4, 3, 12);
    let barrier = Arc::new(Barrier::new(2));
    let b = barrier.clone();
    let p = thread::spawn(move || {
        for r in 0..rounds {
            for i in 0..16 {
                tx.send(r * 16 + i).unwrap();
            }
            b.wait();
        }
    });
    let mut next = 0;
    for _ in 0..rounds {
        while rx.len() < 16 {
            thread::yield_now();
        }
        for _ in 0..16 {
            assert_eq!(rx.recv(), Ok(next));
            next += 1;
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        barrier.wait();
    }
    p.join().unwrap();
    let seq = log.take();
    check_sequence(&seq, 3, 12);
    assert_eq!(
        seq.len(),
        2 * rounds as usize,
        "one High and one Low per round"
    );
}

/// Free-running: the producer sends in bursts, the consumer drains in
/// batches of varying size with pauses, so the fill swings across both
/// marks while both sides race on the crossing word. The reports must
/// alternate at their marks, and after the final drain the word is low.
#[test]
fn two_threads_free_running_never_miss_or_double_a_crossing() {
    let items: u64 = if cfg!(miri) { 300 } else { 200_000 };
    let (mut tx, mut rx, log) = ring(6, 8, 48);
    let p = thread::spawn(move || {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut i = 0;
        while i < items {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let burst = (x % 80).min(items - i);
            for _ in 0..burst {
                tx.send(i).unwrap();
                i += 1;
            }
            if x.is_multiple_of(7) {
                thread::yield_now();
            }
        }
    });
    let mut next = 0;
    let mut y = 0x2545_f491_4f6c_dd1du64;
    while next < items {
        y ^= y << 13;
        y ^= y >> 7;
        y ^= y << 17;
        match y % 4 {
            0 => thread::yield_now(),
            1 => {
                if let Ok(v) = rx.try_recv() {
                    assert_eq!(v, next);
                    next += 1;
                }
            }
            _ => {
                rx.consume_up_to((y % 64) as usize, |&v| {
                    assert_eq!(v, next);
                    next += 1;
                });
            }
        }
    }
    p.join().unwrap();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert!(!rx.above_high_watermark());
    let seq = log.take();
    check_sequence(&seq, 8, 48);
    assert_eq!(seq.len() % 2, 0, "ends low: {:?}", seq.last());
    if !cfg!(miri) {
        assert!(
            seq.len() >= 4,
            "the fill should swing across both marks: {seq:?}"
        );
    }
}

/// A consumer that keeps the ring near empty reads the crossing word once
/// per stretch under `low` (a flag in its handle); a burst that rises to
/// `High` while it is under `low` must still be reported `Low` at the exact
/// consume that takes the fill back to `low`.
#[test]
fn a_burst_while_the_consumer_is_under_low_is_reported_exactly() {
    let (mut tx, mut rx, log) = ring(4, 4, 12);
    tx.try_send(0).unwrap();
    tx.try_send(1).unwrap();
    // The consumer caches both, consumes one: under `low`, the word read.
    assert_eq!(rx.try_recv(), Ok(0));
    // A burst to `high` while the consumer still holds one cached item.
    for i in 2..13 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(log.take(), [HIGH(12)]);
    assert!(rx.above_high_watermark());
    // From the cache: no re-read of the tail, no crossing yet. The re-read
    // sees 11: consumes down to 5 report nothing, the one that leaves 4 (at
    // `low`) reports `Low { len: 4 }`.
    recv_1_to_8_low_at_the_last(&mut rx, &log);
    assert!(!rx.above_high_watermark());
    // And again: near empty, another burst, another exact `Low`.
    for i in 9..13 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    for i in 0..12 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(log.take(), [HIGH(12)]);
    for i in 0..7 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    assert_eq!(log.take(), []);
    assert_eq!(rx.try_recv(), Ok(7));
    assert_eq!(log.take(), [LOW(4)]);
}

/// Receives 1 to 8 from a ring (low 4, high 12) holding 1 to 12 with the
/// high crossing already taken from `log`: the receives that leave 11 down
/// to 5 report nothing, the one that leaves 4 (at `low`) reports
/// `Low { len: 4 }`.
fn recv_1_to_8_low_at_the_last(rx: &mut Consumer<u64, Log>, log: &Log) {
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(log.take(), []);
    for i in 2..8 {
        assert_eq!(rx.try_recv(), Ok(i));
        assert_eq!(log.take(), [], "fill {} is above low", 12 - i);
    }
    assert_eq!(rx.try_recv(), Ok(8));
    assert_eq!(log.take(), [LOW(4)]);
}

/// The consumer reads the word while its cached estimate is under `low`
/// but the ring, re-read, is not (a burst it had not looked at): nothing to
/// report then, and the later consume that really takes the fill to `low`
/// must still report it.
#[test]
fn a_look_that_finds_the_ring_fuller_than_cached_keeps_watching() {
    let (mut tx, mut rx, log) = ring(4, 4, 12);
    for i in 0..6 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(rx.try_recv(), Ok(0)); // caches 6, leaves 5: above low
    for i in 6..13 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(log.take(), [HIGH(12)]);
    // Cached estimate 4 (at low): the word says HIGH, the exact fill is 11.
    recv_1_to_8_low_at_the_last(&mut rx, &log);
}
