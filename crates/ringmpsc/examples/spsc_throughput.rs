//! Moves 100 million `u64`s through one SPSC ring between two threads, checks
//! the sum, and prints messages per second and nanoseconds per message, for
//! the one-at-a-time path (`try_send` / `try_recv`) and the batched zero-copy
//! path (`reserve` + `fill_with` / `consume_batch`).
//!
//! Run: `cargo run --release -p ringmpsc --example spsc_throughput [ITEMS]`
//!
//! For side-by-side figures against rtrb, crossbeam and the machine's limits,
//! run `cargo xtask bench` instead: this example is a demo, not a benchmark.

use std::hint::spin_loop;
use std::thread;
use std::time::Instant;

use ringmpsc::prelude::*;

fn main() {
    let items: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000_000);
    let expected = (0..items).fold(0u64, |s, x| s.wrapping_add(x));

    // One item at a time.
    run(
        "try_send / try_recv",
        items,
        expected,
        move |mut tx| {
            for i in 0..items {
                let mut v = i;
                while let Err(e) = tx.try_send(v) {
                    v = e.into_inner();
                    spin_loop();
                }
            }
        },
        |rx| {
            let mut sum = 0u64;
            let mut got = 0u64;
            while got < items {
                match rx.try_recv() {
                    Ok(v) => {
                        sum = sum.wrapping_add(v);
                        got += 1;
                    }
                    Err(_) => spin_loop(),
                }
            }
            sum
        },
    );

    // Batched, zero-copy.
    run(
        "reserve(4096) / consume_batch",
        items,
        expected,
        move |mut tx| {
            let mut next = 0u64;
            while next < items {
                let want = 4096.min((items - next) as usize);
                match tx.reserve_with(want, WaitStrategy::BusySpin) {
                    Ok(r) => {
                        let base = next;
                        next += r.fill_with(|i| base + i as u64) as u64;
                    }
                    Err(e) => panic!("consumer vanished: {e}"),
                }
            }
        },
        |rx| {
            let mut sum = 0u64;
            let mut got = 0u64;
            while got < items {
                got += rx.consume_batch(|&v| sum = sum.wrapping_add(v)) as u64;
            }
            sum
        },
    );
    println!("checksums verified: {items} items each way, sum {expected}");
}

/// One timed run over a fresh default-sized ring: `produce` on its own
/// thread, `consume` (returning the wrapping sum of what it received) on
/// this one; checks the sum against `expected` and prints the rate.
fn run(
    what: &str,
    items: u64,
    expected: u64,
    produce: impl FnOnce(ringmpsc::spsc::Producer<u64>) + Send + 'static,
    consume: impl FnOnce(&mut ringmpsc::spsc::Consumer<u64>) -> u64,
) {
    let (tx, mut rx) = ringmpsc::spsc::channel::<u64>(Config::default());
    let t0 = Instant::now();
    let producer = thread::spawn(move || produce(tx));
    let sum = consume(&mut rx);
    let elapsed = t0.elapsed();
    producer.join().expect("producer thread");
    assert_eq!(
        sum, expected,
        "checksum mismatch: an item was lost, duplicated or corrupted"
    );
    report(what, items, elapsed);
}

fn report(what: &str, items: u64, d: std::time::Duration) {
    let secs = d.as_secs_f64();
    println!(
        "{what:<32} {items} items in {secs:.3} s: {:.1} M msgs/s, {:.2} ns/msg",
        items as f64 / secs / 1e6,
        secs * 1e9 / items as f64
    );
}
