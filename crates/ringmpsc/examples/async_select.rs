//! `select!` over a channel and a timer: a task receives work items and,
//! when none arrives for a while, does housekeeping. `recv_async` is cancel
//! safe: when the timer wins, the dropped receive has taken nothing, so
//! every item is still received exactly once.
//!
//! Run: `cargo run --release -p ringmpsc --features async --example async_select [ITEMS]`

use std::time::Duration;

use ringmpsc::prelude::*;

fn main() {
    let items: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let (mut tx, mut rx) = ringmpsc::spsc::channel::<u64>(Config::LOW_LATENCY);

    let producer = std::thread::spawn(move || {
        for i in 0..items {
            if i % 1000 == 999 {
                // A quiet spell: the consumer's timer fires meanwhile.
                std::thread::sleep(Duration::from_millis(5));
            }
            tx.send(i).expect("consumer gone");
        }
    });

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    let (received, ticks) = rt.block_on(async move {
        let (mut next, mut ticks) = (0u64, 0u64);
        loop {
            tokio::select! {
                got = rx.recv_async() => match got {
                    Ok(v) => {
                        assert_eq!(v, next, "an item was lost or repeated");
                        next += 1;
                    }
                    Err(_) => break, // closed and drained
                },
                _ = tokio::time::sleep(Duration::from_millis(1)) => ticks += 1,
            }
        }
        (next, ticks)
    });
    producer.join().expect("the producer panicked");
    assert_eq!(received, items);
    println!("received {received} items in order; {ticks} housekeeping ticks");
}
