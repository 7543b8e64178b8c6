//! A tokio service fed by a blocking producer thread: a sensor thread sends
//! readings with the blocking `send` (it sleeps on the ring's doorbell while
//! the ring is full), and an async task on a multi-thread runtime receives
//! them with `recv_async` (its waker sits in the same doorbell, so no thread
//! and no timer waits for it), aggregating until the sensor hangs up.
//!
//! Run: `cargo run --release -p ringmpsc --features async --example async_service [READINGS]`

use ringmpsc::prelude::*;

fn main() {
    let readings: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let (mut tx, mut rx) = ringmpsc::mpsc::channel::<u64>(Config::LOW_LATENCY);

    let sensor = std::thread::spawn(move || {
        for i in 0..readings {
            tx.send(i % 1000).expect("the service stopped early");
        }
        // Dropping the producer closes the channel: the task's receive ends.
    });

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a tokio runtime");
    let (count, sum) = rt.block_on(async move {
        tokio::spawn(async move {
            let (mut count, mut sum) = (0u64, 0u64);
            while let Ok(v) = rx.recv_async().await {
                count += 1;
                sum += v;
            }
            (count, sum)
        })
        .await
        .expect("the service task panicked")
    });
    sensor.join().expect("the sensor thread panicked");
    assert_eq!(count, readings);
    println!(
        "service received {count} readings, mean {:.1}",
        sum as f64 / count.max(1) as f64
    );
}
