//! Market-data fan-out: one feed thread publishes quotes, three strategy
//! threads each see every quote (`Overflow::Block`: the feed waits for the
//! slowest strategy), and a monitor that may fall behind subscribes with
//! `Overflow::Overwrite` semantics on a second channel, learning exactly how
//! many quotes it missed.
//!
//! Run: `cargo run --release -p ringmpsc --example broadcast [QUOTES]`

use std::thread;
use std::time::{Duration, Instant};

use ringmpsc::broadcast::{self, Overflow, RecvError};
use ringmpsc::prelude::Config;

/// One top-of-book update.
#[derive(Debug, Clone, Copy)]
struct Quote {
    seq: u64,
    instrument: u32,
    bid: f64,
    ask: f64,
}

fn quote(seq: u64) -> Quote {
    let mid = 100.0 + (seq % 1000) as f64 * 0.01;
    Quote {
        seq,
        instrument: (seq % 8) as u32,
        bid: mid - 0.005,
        ask: mid + 0.005,
    }
}

fn main() {
    let quotes: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let config = Config::LOW_LATENCY; // 4,096 slots

    // Every strategy sees every quote, in order.
    let (mut feed, strategies) = broadcast::channel::<Quote>(config, Overflow::Block);
    // A slow monitor must never hold the feed back: it may lose quotes.
    let (mut monitor_feed, mut monitor) = broadcast::channel::<Quote>(config, Overflow::Overwrite);

    let workers: Vec<_> = ["mean-reversion", "momentum", "market-making"]
        .into_iter()
        .map(|name| {
            let mut rx = strategies.clone();
            thread::spawn(move || {
                let (mut seen, mut spread_sum) = (0u64, 0.0f64);
                for q in rx.iter() {
                    assert_eq!(q.seq, seen, "{name}: every quote, in order");
                    seen += 1;
                    spread_sum += q.ask - q.bid;
                }
                (name, seen, spread_sum / seen.max(1) as f64)
            })
        })
        .collect();
    drop(strategies); // the feed waits for the three strategies only

    let watcher = thread::spawn(move || {
        let (mut seen, mut missed) = (0u64, 0u64);
        loop {
            match monitor.recv() {
                Ok(q) => {
                    seen += 1;
                    if q.instrument == 0 && q.seq % 100_000 == 0 {
                        thread::sleep(Duration::from_millis(1)); // a slow consumer
                    }
                }
                Err(RecvError::Lagged(n)) => missed += n,
                Err(RecvError::Closed) => return (seen, missed),
            }
        }
    });

    let start = Instant::now();
    for seq in 0..quotes {
        let q = quote(seq);
        feed.send(q).expect("the strategies are subscribed");
        monitor_feed
            .try_send(q)
            .expect("an Overwrite channel never waits");
    }
    drop(feed); // closes: the strategies drain and stop
    drop(monitor_feed);
    let elapsed = start.elapsed();

    for h in workers {
        let (name, seen, mean_spread) = h.join().unwrap();
        println!("{name:>15}: {seen} quotes, mean spread {mean_spread:.4}");
    }
    let (seen, missed) = watcher.join().unwrap();
    assert_eq!(seen + missed, quotes, "the monitor's gaps are exact");
    println!("        monitor: {seen} quotes seen, {missed} missed (reported as Lagged)");
    println!(
        "{quotes} quotes to 3 strategies in {elapsed:.2?} ({:.1} M quotes/s)",
        quotes as f64 / elapsed.as_secs_f64() / 1e6
    );
}
