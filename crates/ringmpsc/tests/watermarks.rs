//! Watermarks on every family: the test kit's exact-levels walk
//! (`check_watermark_levels`) over each family's public ends, impossible
//! watermarks refused by `build`, and the `on_evicted` / `on_lagged` hooks.
#![allow(clippy::disallowed_types)] // reason: the log observer uses std atomics; no protocol runs under loom here

use ringmpsc::primitives::{BuildError, ConfigError, Watermark};
use ringmpsc_testkit::{
    WatermarkEnds, WatermarkLog, check_alternating, check_watermark_levels, scale, small, watchdog,
};

/// 64 slots (bytes for the byte ring: 128), low 16, high 48.
const BITS: u32 = 6;
const CAP: usize = 1 << BITS;
const LOW: usize = 16;
const HIGH: usize = 48;

/// `level`, `fills` and `above` of a [`WatermarkEnds`] over fields `$tx`
/// and `$rx` (the level read from the producer with `$level`).
macro_rules! queries {
    ($tx:tt, $rx:tt, $level:ident) => {
        fn level(&self) -> usize {
            self.$tx.$level()
        }
        fn fills(&self) -> (f64, f64) {
            (self.$tx.fill(), self.$rx.fill())
        }
        fn above(&self) -> (bool, bool) {
            (
                self.$tx.above_high_watermark(),
                self.$rx.above_high_watermark(),
            )
        }
    };
}

/// `build` refuses `low >= high` and `high > capacity` (a typed error, no
/// panic) for the `Builder` in scope, with `bits`-bit rings of `capacity`.
macro_rules! refuses_impossible {
    ($bits:expr, $capacity:expr) => {
        #[test]
        fn impossible_watermarks_are_a_build_error() {
            for (low, high) in [(4, 4), (5, 4), (1, $capacity + 1)] {
                let r = Builder::new(small($bits))
                    .watermarks(low, high)
                    .build::<u8>();
                assert!(
                    matches!(r, Err(BuildError::Config(ConfigError::Watermarks { .. }))),
                    "watermarks({low}, {high})"
                );
            }
        }
    };
}

/// A fresh [`WatermarkLog`] and the ends of `$t` items that `$builder`
/// builds with it as the observer.
macro_rules! logged {
    ($t:ty, $builder:expr) => {{
        let log = WatermarkLog::default();
        let ends = $builder.observer(log.clone()).build::<$t>().unwrap();
        (log, ends)
    }};
}

/// The families whose ends share one shape (`try_send`, `try_recv`,
/// `len`): each walk drives `tx`, with an idle second producer (a ring of
/// its own) where producers clone.
macro_rules! item_family {
    ($name:ident, $family:ident, $second:expr) => {
        mod $name {
            use super::*;
            use ringmpsc::$family::{Builder, Consumer, Producer};

            struct Ends {
                tx: Producer<u64, WatermarkLog>,
                rx: Consumer<u64, WatermarkLog>,
                _idle: Option<Producer<u64, WatermarkLog>>,
            }

            impl WatermarkEnds for Ends {
                fn send_one(&mut self) {
                    self.tx.try_send(7).unwrap();
                }
                fn recv_one(&mut self) {
                    self.rx.try_recv().unwrap();
                }
                queries!(tx, rx, len);
            }

            #[test]
            fn exact_levels() {
                let (log, (tx, rx)) = logged!(u64, Builder::new(small(BITS)).watermarks(LOW, HIGH));
                let second: fn(
                    &Producer<u64, WatermarkLog>,
                ) -> Option<Producer<u64, WatermarkLog>> = $second;
                let idle = second(&tx);
                check_watermark_levels(
                    &mut Ends {
                        tx,
                        rx,
                        _idle: idle,
                    },
                    &log,
                    LOW,
                    HIGH,
                    CAP,
                );
            }

            refuses_impossible!(BITS, CAP);

            #[test]
            fn without_watermarks_nothing_is_reported() {
                let (log, (mut tx, mut rx)) = logged!(u64, Builder::new(small(2)));
                while tx.try_send(1).is_ok() {}
                assert_eq!((tx.fill(), rx.fill()), (1.0, 1.0));
                while rx.try_recv().is_ok() {}
                assert!(!tx.above_high_watermark() && !rx.above_high_watermark());
                assert!(log.marks().is_empty());
            }
        }
    };
}

item_family!(spsc, spsc, |_| None);
item_family!(mpsc, mpsc, |tx| Some(tx.clone()));
item_family!(spmc, spmc, |_| None);
item_family!(mpmc, mpmc, |tx| Some(tx.clone()));

mod recorder {
    use super::*;
    use ringmpsc::recorder::{Builder, Reader, Recorder};

    struct Ends(Recorder<u64, WatermarkLog>, Reader<u64, WatermarkLog>);

    impl WatermarkEnds for Ends {
        /// The reader moves up to 16 entries out of a ring at a time.
        const UNITS: (usize, usize) = (1, 16);
        fn send_one(&mut self) {
            assert_eq!(self.0.record(7), Ok(None));
        }
        fn recv_one(&mut self) {
            // Entries already moved out come first: receive until the ring
            // itself gives some.
            let before = self.level();
            while self.level() == before {
                self.1.try_recv().unwrap();
            }
        }
        queries!(0, 1, len);
    }

    #[test]
    fn exact_levels() {
        let (log, (w, r)) = logged!(u64, Builder::new(small(BITS)).watermarks(LOW, HIGH));
        check_watermark_levels(&mut Ends(w, r), &log, LOW, HIGH, CAP);
        assert_eq!(log.evicted(), 0);
    }

    #[test]
    fn evictions_keep_it_full_and_are_reported() {
        let (log, (mut w, mut r)) = logged!(u64, Builder::new(small(2)).watermarks(1, 3));
        for i in 0..10 {
            w.record(i).unwrap();
        }
        assert_eq!(log.evicted(), 6);
        assert_eq!(log.evicted(), w.evicted());
        assert_eq!(log.marks(), [Watermark::High { len: 3 }]);
        assert_eq!((w.fill(), r.fill()), (1.0, 1.0));
        while r.try_recv().is_ok() {}
        assert_eq!(
            log.marks(),
            [Watermark::High { len: 3 }, Watermark::Low { len: 0 }]
        );
    }

    refuses_impossible!(BITS, CAP);
}

mod broadcast {
    use super::*;
    use ringmpsc::broadcast::{Builder, Overflow, Publisher, Subscriber, TryRecvError};

    struct Ends(Publisher<u64, WatermarkLog>, Subscriber<u64, WatermarkLog>);

    impl WatermarkEnds for Ends {
        fn send_one(&mut self) {
            self.0.try_send(7).unwrap();
        }
        fn recv_one(&mut self) {
            self.1.try_recv().unwrap();
        }
        queries!(0, 1, len);
    }

    #[test]
    fn exact_levels() {
        for overflow in [Overflow::Block, Overflow::Overwrite] {
            let (log, (tx, rx)) = logged!(
                u64,
                Builder::new(small(BITS))
                    .options(overflow)
                    .watermarks(LOW, HIGH)
            );
            check_watermark_levels(&mut Ends(tx, rx), &log, LOW, HIGH, CAP);
        }
    }

    #[test]
    fn the_slowest_subscriber_sets_the_level() {
        let (log, (mut tx, mut fast)) = logged!(u64, Builder::new(small(3)).watermarks(2, 6));
        let mut slow = fast.try_clone().unwrap();
        for i in 0..6 {
            tx.try_send(i).unwrap();
        }
        assert_eq!(log.marks(), [Watermark::High { len: 6 }]);
        while fast.try_recv().is_ok() {}
        // The fast one is caught up, but the slow one still has 6 to read.
        assert!(fast.above_high_watermark() && tx.above_high_watermark());
        assert_eq!(fast.fill(), 0.75);
        for _ in 0..4 {
            slow.try_recv().unwrap();
        }
        assert_eq!(
            log.marks(),
            [Watermark::High { len: 6 }, Watermark::Low { len: 2 }]
        );
        // A slow subscriber leaving lowers the level too.
        tx.try_send(6).unwrap();
        tx.try_send(7).unwrap();
        tx.try_send(8).unwrap();
        tx.try_send(9).unwrap(); // slow: 6 behind
        assert_eq!(log.marks().len(), 3);
        while fast.try_recv().is_ok() {}
        drop(slow);
        assert_eq!(log.marks()[3], Watermark::Low { len: 0 });
        assert!(!tx.above_high_watermark());
    }

    #[test]
    fn lags_are_reported() {
        let (log, (mut tx, mut rx)) =
            logged!(u64, Builder::new(small(2)).options(Overflow::Overwrite));
        for i in 0..7 {
            tx.try_send(i).unwrap();
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(3)));
        assert_eq!(log.lagged(), 3);
        assert_eq!(rx.lagged(), 3);
    }

    refuses_impossible!(BITS, CAP);
}

mod bytes {
    use super::*;
    use ringmpsc::bytes::{Builder, ByteConsumer, ByteProducer};

    /// 128 bytes; each record below takes 16 (an 8-byte header and 8 bytes).
    const BYTES: usize = 128;

    struct Ends(ByteProducer<WatermarkLog>, ByteConsumer<WatermarkLog>);

    impl WatermarkEnds for Ends {
        const UNITS: (usize, usize) = (16, 16);
        fn send_one(&mut self) {
            self.0.try_send(b"8 bytes!").unwrap();
        }
        fn recv_one(&mut self) {
            assert_eq!(self.1.try_recv().unwrap().len(), 8);
        }
        queries!(0, 1, bytes_used);
    }

    #[test]
    fn exact_levels_in_bytes() {
        let (log, (tx, rx)) = logged!(u8, Builder::new(small(7)).watermarks(32, 96));
        assert_eq!(tx.capacity(), BYTES);
        check_watermark_levels(&mut Ends(tx, rx), &log, 32, 96, BYTES);
    }

    refuses_impossible!(7, BYTES);
}

/// Racing consumers (and a producer) on one ring: every crossing is
/// reported once, reports alternate, and the last receive (or drop) on the
/// drained ring leaves it below its high watermark (an even count).
mod racing {
    use super::*;
    use std::thread;

    /// Bursts of 13 items (the high watermark is 12), each drained before
    /// the next: the two consumers race for most `Low` reports.
    fn bursts() -> usize {
        scale(500, 20)
    }

    /// Runs `consume` on two threads and `produce` on this one, then checks
    /// the log.
    fn race<C: Send + 'static>(
        log: &WatermarkLog,
        consumers: [C; 2],
        consume: fn(C),
        produce: impl FnOnce(),
    ) {
        let handles = consumers.map(|c| thread::spawn(move || consume(c)));
        produce();
        for h in handles {
            h.join().unwrap();
        }
        let n = check_alternating(log, 4, 12);
        assert_eq!(n % 2, 0, "drained, yet above high: {:?}", log.marks());
    }

    /// `$builder`'s channel of `u64` on `small(4)`, watermarks 4 and 12,
    /// reporting to `$log`: the producer and two consumers to race.
    macro_rules! racing_ends {
        ($builder:ident, $log:expr) => {{
            let (tx, rx) = $builder::new(small(4))
                .watermarks(4, 12)
                .observer($log.clone())
                .build::<u64>()
                .unwrap();
            let rx2 = rx.clone();
            (tx, [rx, rx2])
        }};
    }

    /// Yields until `is_empty` holds: the consumers drained the burst.
    fn until_drained(is_empty: impl Fn() -> bool) {
        while !is_empty() {
            thread::yield_now();
        }
    }

    macro_rules! claim_family {
        ($family:ident) => {
            #[test]
            fn $family() {
                watchdog(60, || {
                    use ringmpsc::primitives::TryRecvError;
                    use ringmpsc::$family::Builder;
                    let log = WatermarkLog::default();
                    let (mut tx, rxs) = racing_ends!(Builder, log);
                    let consume = |mut rx: ringmpsc::$family::Consumer<u64, WatermarkLog>| loop {
                        match rx.try_recv() {
                            Ok(_) => {}
                            Err(TryRecvError::Empty) => thread::yield_now(),
                            Err(TryRecvError::Closed) => return,
                        }
                    };
                    race(&log, rxs, consume, move || {
                        for _ in 0..bursts() {
                            let mut sent = 0;
                            while sent < 13 {
                                sent += tx.send_slice(&[1; 13][sent..]);
                            }
                            until_drained(|| tx.is_empty());
                        }
                    });
                })
            }
        };
    }

    claim_family!(spmc);
    claim_family!(mpmc);

    #[test]
    fn broadcast() {
        watchdog(60, || {
            use ringmpsc::broadcast::{Builder, Subscriber, TryRecvError};
            let log = WatermarkLog::default();
            let (mut tx, rxs) = racing_ends!(Builder, log);
            let consume = |mut rx: Subscriber<u64, WatermarkLog>| loop {
                match rx.try_recv() {
                    Ok(_) => {}
                    Err(TryRecvError::Empty) => thread::yield_now(),
                    Err(TryRecvError::Lagged(_)) => unreachable!("Block never lags"),
                    Err(TryRecvError::Closed) => return,
                }
            };
            race(&log, rxs, consume, move || {
                for _ in 0..bursts() {
                    for i in 0..13 {
                        while tx.try_send(i).is_err() {
                            thread::yield_now();
                        }
                    }
                    until_drained(|| tx.is_empty());
                }
            });
        })
    }
}
