//! [`EventLoop`] through the public API: drains on stop, reports a handler
//! panic, never ends on an idle timeout, stops from every wait strategy.
#![allow(clippy::disallowed_types)] // reason: test scaffolding counts with std atomics; no protocol of its own

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::{each_strategy_on_a_ring, every_strategy};
use ring_core::SendError;
use ring_core::spsc::{self, Builder};
use ring_wait::{EventLoop, EventLoopError, WaitStrategy};
use ringmpsc_testkit::{Counted, counted, small, watchdog};

const ALL: [WaitStrategy; 6] =
    every_strategy(Duration::from_micros(50), Duration::from_millis(1), 0, 0);

#[test]
fn stop_drains_everything_committed_before_it() {
    each_strategy_on_a_ring::<u64>(&ALL, 30, 10, |s, mut tx, rx| {
        const N: u64 = 1_000;
        let sum = Arc::new(AtomicU64::new(0));
        let (started_tx, started_rx) = mpsc::channel::<()>();
        let (gate_tx, gate_rx) = mpsc::channel::<()>();
        let s2 = sum.clone();
        let el = EventLoop::spawn(
            rx,
            move |v: u64| {
                if v == 0 {
                    // Hold the loop inside the handler until `stop` has run,
                    // so the rest is still in the ring when it is closed.
                    started_tx.send(()).unwrap();
                    gate_rx.recv().unwrap();
                }
                s2.fetch_add(v, Ordering::Relaxed);
            },
            s,
        );
        for i in 0..N {
            tx.send(i).unwrap();
        }
        started_rx.recv().unwrap();
        el.stop();
        assert_eq!(
            tx.send(N),
            Err(SendError(N)),
            "{s:?}: stop closes the channel"
        );
        gate_tx.send(()).unwrap();
        assert_eq!(el.join().unwrap(), N, "{s:?}: count");
        assert_eq!(
            sum.load(Ordering::Relaxed),
            N * (N - 1) / 2,
            "{s:?}: checksum"
        );
    });
}

#[test]
fn stop_wakes_an_idle_loop_under_every_strategy() {
    each_strategy_on_a_ring::<u32>(&ALL, 30, 4, |s, mut tx, rx| {
        let (seen_tx, seen_rx) = mpsc::channel::<u32>();
        let el = EventLoop::spawn(rx, move |v: u32| seen_tx.send(v).unwrap(), s);
        for i in 0..40 {
            tx.send(i).unwrap();
        }
        for i in 0..40 {
            assert_eq!(seen_rx.recv().unwrap(), i, "{s:?}: FIFO");
        }
        // The count is stored at the end of the batch that handled the item.
        while el.processed() < 40 {
            thread::yield_now();
        }
        assert_eq!(el.processed(), 40);
        assert!(
            !el.is_finished(),
            "{s:?}: an empty ring does not end the loop"
        );
        // The loop is idle now (spinning, yielding or asleep on the futex).
        el.stop();
        assert_eq!(el.join().unwrap(), 40, "{s:?}");
    });
}

#[test]
fn an_idle_timeout_never_ends_the_loop() {
    watchdog(30, || {
        let (mut tx, rx) = spsc::channel::<u32>(small(4));
        let (seen_tx, seen_rx) = mpsc::channel::<u32>();
        let el = EventLoop::spawn(
            rx,
            move |v: u32| seen_tx.send(v).unwrap(),
            WaitStrategy::TimedBlocking(Duration::from_millis(1)),
        );
        // Not synchronisation: lets many 1 ms timeouts pass (a shorter pause
        // only makes the test weaker, never wrong).
        thread::sleep(Duration::from_millis(30));
        assert!(!el.is_finished());
        tx.send(5).unwrap();
        assert_eq!(seen_rx.recv().unwrap(), 5);
        drop(tx); // a close from the sending side ends the loop after the drain
        assert_eq!(el.join().unwrap(), 1);
    });
}

#[test]
fn a_handler_panic_is_reported_and_every_item_dropped_once() {
    watchdog(30, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let (mut tx, rx) = spsc::channel::<Counted>(small(5));
        for id in 0..20 {
            tx.send(counted(id, &drops)).map_err(|_| "send").unwrap();
        }
        let el = EventLoop::spawn(
            rx,
            |c: Counted| {
                if c.id == 7 {
                    panic!("handler refuses item {}", c.id);
                }
            },
            WaitStrategy::Blocking,
        );
        match el.join() {
            Err(EventLoopError::HandlerPanicked { processed, message }) => {
                assert_eq!(processed, 7);
                assert_eq!(message, "handler refuses item 7");
            }
            other => panic!("expected a handler panic, got {other:?}"),
        }
        // The dead loop closed the channel: senders learn at once.
        let back = tx.send(counted(99, &drops));
        assert!(back.is_err());
        drop(back);
        drop(tx);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            21,
            "every item dropped exactly once"
        );
    });
}

#[test]
fn a_str_and_a_non_string_panic_payload_are_reported() {
    let (_tx, rx) = spsc::channel::<u8>(small(2));
    let (mut tx2, rx2) = spsc::channel::<u8>(small(2));
    drop(rx);
    let el = EventLoop::spawn(
        rx2,
        |_v: u8| std::panic::panic_any(42u32),
        WaitStrategy::Blocking,
    );
    tx2.send(1).unwrap();
    match el.join() {
        Err(EventLoopError::HandlerPanicked {
            processed: 0,
            message,
        }) => {
            assert_eq!(message, "<non-string panic payload>");
        }
        other => panic!("unexpected {other:?}"),
    }
    let err = EventLoopError::HandlerPanicked {
        processed: 3,
        message: "boom".into(),
    };
    assert_eq!(
        err.to_string(),
        "event loop handler panicked after 3 items: boom"
    );
}

#[test]
fn dropping_the_handle_stops_and_joins() {
    watchdog(30, || {
        let (mut tx, rx) = spsc::channel::<u32>(small(4));
        let count = Arc::new(AtomicUsize::new(0));
        let c2 = count.clone();
        let el = EventLoop::spawn(
            rx,
            move |_v: u32| {
                c2.fetch_add(1, Ordering::SeqCst);
            },
            WaitStrategy::Blocking,
        );
        for i in 0..10 {
            tx.send(i).unwrap();
        }
        drop(el);
        // Joined: the handler has seen everything committed before the drop.
        assert_eq!(count.load(Ordering::SeqCst), 10);
        assert!(tx.send(1).is_err());
    });
}

#[test]
fn works_with_an_observed_consumer_and_large_batches() {
    watchdog(60, || {
        #[derive(Clone, Default)]
        struct Nothing;
        impl ring_core::Observer for Nothing {}
        const N: u64 = 100_000;
        let (mut tx, rx) = Builder::new(small(8))
            .observer(Nothing)
            .build::<u64>()
            .unwrap();
        let sum = Arc::new(AtomicU64::new(0));
        let s2 = sum.clone();
        let mut local = 0;
        let el = EventLoop::spawn(
            rx,
            move |v: u64| {
                local += v;
                if v == N - 1 {
                    s2.store(local, Ordering::SeqCst);
                }
            },
            WaitStrategy::Blocking,
        );
        for i in 0..N {
            tx.send(i).unwrap();
        }
        drop(tx);
        assert_eq!(el.join().unwrap(), N);
        assert_eq!(sum.load(Ordering::SeqCst), N * (N - 1) / 2);
    });
}

#[test]
fn handles_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<EventLoop>();
    send_sync::<EventLoopError>();
    send_sync::<ring_wait::EventNotifier>();
    fn send<T: Send>() {}
    send::<ring_wait::Backoff>();
    send::<ring_wait::Waiter>();
}
