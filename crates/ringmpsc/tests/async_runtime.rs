//! The async adapters on a real runtime (tokio): cancellation under
//! `select!` loses nothing, and a task awaiting an empty channel uses no CPU.
//! (tokio's timers and `/proc` are not for miri.)
#![cfg(all(feature = "async", not(miri)))]

use std::time::{Duration, Instant};

use ringmpsc::prelude::*;
use ringmpsc_testkit::{small, watchdog};

/// `select!` between `recv_async` and a timer, 100,000 items from a blocking
/// producer thread: whenever the timer wins, the dropped receive has taken
/// nothing, so every item arrives exactly once and in order.
#[test]
fn select_with_a_timer_loses_no_item() {
    watchdog(120, || {
        const ITEMS: u64 = 100_000;
        let (mut tx, mut rx) = ringmpsc::mpsc::channel::<u64>(small(4));
        let producer = std::thread::spawn(move || {
            for i in 0..ITEMS {
                tx.send(i).unwrap();
                if i % 64 == 0 {
                    // Let the consumer find the ring empty now and then.
                    std::thread::yield_now();
                }
            }
        });
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .unwrap();
        let (next, cancelled) = rt.block_on(async move {
            tokio::spawn(async move {
                let (mut next, mut cancelled) = (0u64, 0u64);
                loop {
                    tokio::select! {
                        biased;
                        _ = tokio::time::sleep(Duration::from_micros(10)) => cancelled += 1,
                        got = rx.recv_async() => match got {
                            Ok(v) => {
                                assert_eq!(v, next, "an item was lost or repeated");
                                next += 1;
                            }
                            Err(_) => break,
                        },
                    }
                }
                (next, cancelled)
            })
            .await
            .unwrap()
        });
        producer.join().unwrap();
        assert_eq!(next, ITEMS, "every item exactly once");
        eprintln!("{cancelled} receives cancelled by the timer");
    });
}

/// CPU time this thread has used (`/proc/thread-self/schedstat`, first field, ns).
fn thread_cpu() -> Duration {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").expect("schedstat");
    let ns: u64 = s
        .split_whitespace()
        .next()
        .and_then(|f| f.parse().ok())
        .expect("schedstat format");
    Duration::from_nanos(ns)
}

/// A task awaiting an empty channel parks its runtime thread: the thread's
/// CPU time over the wait is a small fraction of the wait (no busy polling,
/// no timer standing in for the wake-up), and the commit still wakes it.
#[test]
fn an_awaiting_consumer_uses_no_cpu() {
    if std::fs::metadata("/proc/thread-self/schedstat").is_err() {
        eprintln!("skipped: no /proc/thread-self/schedstat");
        return;
    }
    watchdog(60, || {
        let (mut tx, mut rx) = ringmpsc::spsc::channel::<u64>(small(4));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let consumer = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            let (cpu0, t0) = (thread_cpu(), Instant::now());
            ready_tx.send(()).unwrap();
            let v = rt.block_on(rx.recv_async());
            (v, thread_cpu() - cpu0, t0.elapsed())
        });
        ready_rx.recv().unwrap();
        // The wait to measure (not synchronisation: the test passes
        // whatever the interleaving, the item always arrives).
        std::thread::sleep(Duration::from_millis(300));
        tx.send(42).unwrap();
        let (v, cpu, wall) = consumer.join().unwrap();
        assert_eq!(v, Ok(42));
        assert!(wall >= Duration::from_millis(300));
        assert!(
            cpu * 10 <= wall,
            "the awaiting consumer used {cpu:?} of CPU over {wall:?}: it polls"
        );
    });
}
