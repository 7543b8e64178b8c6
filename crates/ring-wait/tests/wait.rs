//! The wait primitives and the eventfd notifier through the public API:
//! every strategy through ring-core's blocking driver, notifier writes only
//! while armed, and an epoll consumer woken by commit and by close.
#![allow(clippy::disallowed_types)] // reason: test scaffolding counts with std atomics; the protocol's loom model is tests/loom.rs

mod common;

use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::{each_strategy_on_a_ring, every_strategy};
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use ring_core::spsc::{self, Builder};
use ring_core::{Notify, Observer, RecvTimeoutError, TryRecvError};
use ring_wait::{Backoff, EventNotifier, Phase, WaitStrategy, Waiter};
use ringmpsc_testkit::{CountingNotify, small, watchdog};

const ALL: [WaitStrategy; 6] =
    every_strategy(Duration::from_micros(20), Duration::from_secs(30), 4, 2);

/// Strategies whose last phase sleeps on the ring's futex doorbell.
const PARKING: [WaitStrategy; 3] = [
    WaitStrategy::Blocking,
    WaitStrategy::TimedBlocking(Duration::from_secs(30)),
    WaitStrategy::PhasedBackoff { spin: 0, yield_: 0 },
];

#[test]
fn every_strategy_transfers_in_order_and_sees_the_close() {
    each_strategy_on_a_ring::<u64>(&ALL, 60, 4, |s, mut tx, mut rx| {
        let n: u64 = 5_000;
        let p = thread::spawn(move || {
            for i in 0..n {
                tx.send_with(i, s).unwrap();
            }
        });
        let mut sum = 0;
        for i in 0..n {
            let v = rx.recv_with(s).unwrap();
            assert_eq!(v, i, "{s:?}: FIFO");
            sum += v;
        }
        p.join().unwrap();
        assert_eq!(sum, n * (n - 1) / 2, "{s:?}: checksum");
        assert_eq!(rx.recv_with(s), Err(RecvTimeoutError::Closed), "{s:?}");
    });
}

#[test]
fn every_strategy_through_a_waiter_loop() {
    each_strategy_on_a_ring::<u64>(&ALL, 60, 3, |s, mut tx, mut rx| {
        let n: u64 = 2_000;
        let p = thread::spawn(move || {
            let mut w = Waiter::new(s);
            for i in 0..n {
                let mut v = i;
                loop {
                    match tx.try_send(v) {
                        Ok(()) => break,
                        Err(e) => {
                            v = e.into_inner();
                            w.wait().expect("30 s is far away");
                        }
                    }
                }
                w.reset();
            }
        });
        let mut w = Waiter::new(s);
        assert_eq!(w.strategy(), s);
        let mut sum = 0;
        let mut got = 0;
        loop {
            match rx.try_recv() {
                Ok(v) => {
                    assert_eq!(v, got);
                    sum += v;
                    got += 1;
                    w.reset();
                }
                Err(TryRecvError::Empty) => w.wait().expect("30 s is far away"),
                Err(TryRecvError::Closed) => break,
            }
        }
        p.join().unwrap();
        assert_eq!((got, sum), (n, n * (n - 1) / 2), "{s:?}");
    });
}

#[test]
fn waiter_phases_follow_the_strategy() {
    let mut w = Waiter::new(WaitStrategy::PhasedBackoff { spin: 2, yield_: 1 });
    let mut phases = Vec::new();
    for _ in 0..4 {
        phases.push(w.phase());
        w.wait().unwrap();
    }
    assert_eq!(
        phases,
        [Phase::Spin, Phase::Spin, Phase::Yield, Phase::Park]
    );
    w.reset();
    assert_eq!(w.phase(), Phase::Spin);
    let mut w = Waiter::new(WaitStrategy::BusySpin);
    for _ in 0..1_000 {
        w.wait().unwrap();
    }
    assert_eq!(
        w.phase(),
        Phase::Spin,
        "BusySpin never leaves the spin phase"
    );
}

#[test]
fn only_timed_blocking_times_out_and_not_before_its_deadline() {
    watchdog(30, || {
        let d = Duration::from_millis(20);
        let (_tx, mut rx) = spsc::channel::<u8>(small(2));
        let t0 = Instant::now();
        assert_eq!(
            rx.recv_with(WaitStrategy::TimedBlocking(d)),
            Err(RecvTimeoutError::Timeout)
        );
        assert!(t0.elapsed() >= d, "timed out early: {:?}", t0.elapsed());
        let t0 = Instant::now();
        let mut w = Waiter::new(WaitStrategy::TimedBlocking(d));
        while w.wait().is_ok() {}
        assert!(t0.elapsed() >= d);
        assert!(w.remaining().is_err());
    });
}

/// Counts the consumer's trips into the futex sleep.
#[derive(Clone, Default)]
struct SleepCount(Arc<AtomicUsize>);

impl Observer for SleepCount {
    const TIMED: bool = false;
    fn on_wait(&self, _side: ring_core::Side) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl SleepCount {
    /// Yields until the consumer has gone to sleep `n` times in all.
    fn until(&self, n: usize) {
        while self.0.load(Ordering::SeqCst) < n {
            thread::yield_now();
        }
    }
}

#[test]
fn a_consumer_asleep_on_the_futex_is_woken_by_commit_and_by_close() {
    for s in PARKING {
        watchdog(30, move || {
            let sleeps = SleepCount::default();
            let (mut tx, mut rx) = Builder::new(small(2))
                .observer(sleeps.clone())
                .build::<u32>()
                .unwrap();
            let c = thread::spawn(move || (rx.recv_with(s), rx.recv_with(s)));
            // `on_wait` runs after the consumer registered and re-checked: from
            // here on it is in (or entering) the futex sleep.
            sleeps.until(1);
            tx.try_send(7).unwrap();
            sleeps.until(2);
            drop(tx);
            assert_eq!(
                c.join().unwrap(),
                (Ok(7), Err(RecvTimeoutError::Closed)),
                "{s:?}"
            );
        });
    }
}

#[test]
fn backoff_completes_and_resets() {
    let b = Backoff::new();
    let mut steps = 0;
    while !b.is_completed() {
        if steps % 2 == 0 {
            b.spin();
        } else {
            b.snooze();
        }
        steps += 1;
        assert!(steps < 10_000, "backoff never completes");
    }
    b.reset();
    assert!(!b.is_completed());
    assert!(!Backoff::default().is_completed());
}

// ------------------------------------------------------------- notifier ---

/// An [`EventNotifier`] that counts the ring's writes to it.
#[derive(Clone)]
struct Counting {
    inner: EventNotifier,
    writes: CountingNotify,
}

impl Notify for Counting {
    fn notify(&self) {
        self.writes.notify();
        self.inner.notify();
    }
}

fn counting() -> Counting {
    Counting {
        inner: EventNotifier::new().unwrap(),
        writes: CountingNotify::default(),
    }
}

#[test]
fn the_ring_writes_the_eventfd_only_while_the_consumer_is_armed() {
    let n = counting();
    let writes = || n.writes.count();
    let (mut tx, mut rx) = spsc::channel::<u32>(small(6));
    rx.set_notifier(Some(n.clone()));

    // Busy consumer: never armed, no write at all.
    for i in 0..20 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(tx.send_slice(&[1, 2, 3]), 3);
    assert_eq!(rx.consume_count(), 23);
    assert_eq!(writes(), 0);
    assert_eq!(n.inner.consume(), 0, "the eventfd was never written");

    // Armed on an empty ring: every commit signals.
    assert!(!rx.arm(), "nothing waiting");
    tx.try_send(1).unwrap();
    assert_eq!(writes(), 1);
    tx.try_send(2).unwrap();
    assert_eq!(writes(), 2);
    assert_eq!(n.inner.consume(), 2);

    // Disarmed again: silence.
    rx.disarm();
    for i in 0..10 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(writes(), 2);
    assert_eq!(n.inner.consume(), 0);

    // Arming with items waiting says so (do not sleep).
    assert!(rx.arm());
    rx.disarm();
    assert_eq!(rx.consume_count(), 12);

    // Detached: armed, but nobody to signal.
    rx.set_notifier(None::<Counting>);
    assert!(!rx.arm());
    tx.try_send(3).unwrap();
    assert_eq!(writes(), 2);
    rx.disarm();
    assert_eq!(rx.try_recv(), Ok(3));

    // A close while armed signals; arming a closed channel returns true.
    rx.set_notifier(Some(n.clone()));
    assert!(!rx.arm());
    drop(tx);
    assert_eq!(writes(), 3, "close signals the armed consumer");
    rx.disarm();
    assert!(rx.arm(), "closed: do not sleep");
    rx.disarm();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn notifier_basics() {
    let n = EventNotifier::new().unwrap();
    assert_eq!(n.consume(), 0);
    for _ in 0..5 {
        n.signal();
    }
    let m = n.clone();
    assert_eq!(m.consume(), 5, "clones share the eventfd");
    assert_eq!(n.consume(), 0);
    // /proc/self/fdinfo shows the open flags in octal, O_CLOEXEC included.
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", n.as_raw_fd())).unwrap();
    let flags = info
        .lines()
        .find_map(|l| l.strip_prefix("flags:"))
        .map(|f| u32::from_str_radix(f.trim(), 8).unwrap())
        .unwrap();
    const O_NONBLOCK: u32 = 0o4000;
    const O_CLOEXEC: u32 = 0o2000000;
    assert_ne!(flags & O_CLOEXEC, 0, "close-on-exec: {info}");
    assert_ne!(flags & O_NONBLOCK, 0, "non-blocking: {info}");
    assert!(info.contains("eventfd-count"), "an eventfd: {info}");

    let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).unwrap();
    n.register_epoll(&epoll).unwrap();
    assert!(n.register_epoll(&epoll).is_err(), "EEXIST");
    let mut ev = [EpollEvent::empty(); 2];
    assert_eq!(epoll.wait(&mut ev, EpollTimeout::ZERO).unwrap(), 0);
    n.signal();
    assert_eq!(epoll.wait(&mut ev, EpollTimeout::ZERO).unwrap(), 1);
    assert_eq!(ev[0].data(), n.epoll_data());
    assert!(ev[0].events().contains(EpollFlags::EPOLLIN));
    // Edge-triggered: reported once per signal, even without consume.
    assert_eq!(epoll.wait(&mut ev, EpollTimeout::ZERO).unwrap(), 0);
    n.signal();
    assert_eq!(epoll.wait(&mut ev, EpollTimeout::ZERO).unwrap(), 1);
    n.unregister_epoll(&epoll).unwrap();
    assert!(n.unregister_epoll(&epoll).is_err(), "ENOENT");
    n.signal();
    assert_eq!(epoll.wait(&mut ev, EpollTimeout::ZERO).unwrap(), 0);
    assert_eq!(n.consume(), 3);
}

#[test]
fn an_epoll_consumer_is_woken_by_each_commit_and_by_the_close() {
    watchdog(30, || {
        const ITEMS: u32 = 200;
        let n = counting();
        let writes = n.writes.clone();
        let (mut tx, mut rx) = spsc::channel::<u32>(small(4));
        rx.set_notifier(Some(n.clone()));
        let (armed_tx, armed_rx) = mpsc::channel::<()>();
        let consumer = thread::spawn(move || {
            let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).unwrap();
            n.inner.register_epoll_with(&epoll, 77).unwrap();
            let mut ev = [EpollEvent::empty(); 4];
            let (mut got, mut wakes) = (Vec::new(), 0);
            loop {
                match rx.try_recv() {
                    Ok(v) => got.push(v),
                    Err(TryRecvError::Closed) => break,
                    Err(TryRecvError::Empty) => {
                        // The main thread sends only after hearing "armed", so
                        // nothing is waiting here: arm must say "sleep".
                        assert!(!rx.arm(), "nothing is waiting yet");
                        armed_tx.send(()).unwrap();
                        let k = epoll.wait(&mut ev, EpollTimeout::NONE).unwrap();
                        assert_eq!((k, ev[0].data()), (1, 77));
                        wakes += 1;
                        rx.disarm();
                        assert_eq!(
                            n.inner.consume(),
                            1,
                            "one commit (or the close), one signal"
                        );
                    }
                }
            }
            (got, wakes)
        });
        for i in 0..ITEMS {
            armed_rx.recv().unwrap();
            tx.try_send(i).unwrap();
        }
        armed_rx.recv().unwrap();
        drop(tx); // the close must wake the sleeping consumer too
        let (got, wakes) = consumer.join().unwrap();
        assert_eq!(got, (0..ITEMS).collect::<Vec<_>>());
        assert_eq!(
            wakes,
            ITEMS + 1,
            "one wake-up per commit plus one for the close"
        );
        assert_eq!(writes.count(), ITEMS as usize + 1);
    });
}
