//! An async producer feeding a blocking consumer thread: request handlers on
//! a tokio runtime log events with `send_async` (waiting without a thread
//! when the ring is full, woken as soon as the writer thread frees a slot),
//! and a writer thread drains them with the blocking iterator, as a log
//! writer doing file I/O would.
//!
//! Run: `cargo run --release -p ringmpsc --features async --example async_to_blocking [EVENTS]`

use ringmpsc::prelude::*;

fn main() {
    let events: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let handlers = 4;
    let (tx, mut rx) = ringmpsc::mpsc::channel::<(u32, u64)>(Config::LOW_LATENCY);

    let writer = std::thread::spawn(move || {
        let mut per_handler = vec![0u64; handlers];
        for (handler, _event) in rx.iter() {
            per_handler[handler as usize] += 1;
        }
        per_handler
    });

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a tokio runtime");
    rt.block_on(async move {
        let mut tasks = Vec::new();
        for h in 0..handlers {
            // A clone is a new producer with its own ring (MPSC).
            let mut tx = tx.clone();
            tasks.push(tokio::spawn(async move {
                for e in 0..events {
                    tx.send_async((h as u32, e)).await.expect("writer gone");
                }
            }));
        }
        drop(tx);
        for t in tasks {
            t.await.expect("a handler panicked");
        }
    });
    drop(rt); // every producer is gone: the writer's iterator ends
    let per_handler = writer.join().expect("the writer panicked");
    assert!(per_handler.iter().all(|&n| n == events));
    println!("writer logged {per_handler:?} events per handler");
}
