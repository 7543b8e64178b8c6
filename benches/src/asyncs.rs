//! The async scenarios' workloads: `producers` async tasks send `u64`s
//! (together `0..items`, so the checksum is known) to one async consumer task
//! on a tokio multi-thread runtime with two workers; the consumer sums every
//! item and the harness checks count and checksum. Our blocking API on
//! threads is the reference row.

use std::future::Future;
use std::time::{Duration, Instant};

use ringmpsc::prelude::*;

use crate::harness::{RunResult, Sample, mmsgs, verify};
use crate::reference::expected_sum;
use crate::workloads::SINGLE_CAP;

/// Producer `p`'s share of `0..items`: every `producers`-th value from `p`.
fn share(p: usize, producers: usize, items: u64) -> impl Iterator<Item = u64> {
    (p as u64..items).step_by(producers)
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))
}

/// Runs `producers` send tasks and one receive task, times them together
/// and verifies what the receive task summed.
fn run<S, R>(name: &str, items: u64, producers: usize, senders: Vec<S>, recv: R) -> RunResult
where
    S: Future<Output = ()> + Send + 'static,
    R: Future<Output = (u64, u64)> + Send + 'static,
{
    debug_assert_eq!(senders.len(), producers);
    let rt = runtime()?;
    let (d, got) = rt.block_on(async move {
        let t0 = Instant::now();
        let consumer = tokio::spawn(recv);
        for s in senders {
            tokio::spawn(s);
        }
        let got = consumer.await.map_err(|e| format!("{name}: {e}"))?;
        Ok::<(Duration, (u64, u64)), String>((t0.elapsed(), got))
    })?;
    verify(name, got.0, got.1, items, expected_sum(items))?;
    Ok(Sample::of(mmsgs(items, d)))
}

/// The receive task: sums every item `$next` yields until it yields `None`.
macro_rules! summing {
    ($next:expr) => {
        async move {
            let (mut n, mut sum) = (0u64, 0u64);
            while let Some(v) = $next {
                n += 1;
                sum = sum.wrapping_add(v);
            }
            (n, sum)
        }
    };
}

/// One send task per producer: clones `$tx` and sends its share with `$send`.
macro_rules! sending {
    ($tx:ident, $producers:expr, $items:expr, |$t:ident, $v:ident| $send:expr) => {
        (0..$producers)
            .map(|p| {
                #[allow(unused_mut)] // reason: some peers' senders send through `&self`
                let mut $t = $tx.clone();
                async move {
                    for $v in share(p, $producers, $items) {
                        $send.expect("receiver alive");
                    }
                }
            })
            .collect::<Vec<_>>()
    };
}

fn ring_config() -> Config {
    Config::default().with_ring_bits(SINGLE_CAP.trailing_zeros())
}

/// ringmpsc MPSC, `send_async` / `recv_async`.
pub fn ours(items: u64, producers: usize) -> RunResult {
    let (tx, mut rx) = ringmpsc::mpsc::channel::<u64>(ring_config());
    let senders = sending!(tx, producers, items, |tx, v| tx.send_async(v).await);
    drop(tx);
    let recv = summing!(rx.recv_async().await.ok());
    run("ringmpsc async", items, producers, senders, recv)
}

/// ringmpsc MPSC, blocking `send` / `recv` on threads (the reference).
pub fn ours_blocking(items: u64, producers: usize) -> RunResult {
    let (tx, mut rx) = ringmpsc::mpsc::channel::<u64>(ring_config());
    let t0 = Instant::now();
    let threads: Vec<_> = (0..producers)
        .map(|p| {
            let mut tx = tx.clone();
            std::thread::spawn(move || {
                for v in share(p, producers, items) {
                    tx.send(v).expect("receiver alive");
                }
            })
        })
        .collect();
    drop(tx);
    let (mut n, mut sum) = (0u64, 0u64);
    for v in rx.iter() {
        n += 1;
        sum = sum.wrapping_add(v);
    }
    let d = t0.elapsed();
    for t in threads {
        t.join().map_err(|_| "a producer panicked".to_string())?;
    }
    verify("ringmpsc blocking", n, sum, items, expected_sum(items))?;
    Ok(Sample::of(mmsgs(items, d)))
}

/// `tokio::sync::mpsc` bounded.
pub fn tokio_mpsc(items: u64, producers: usize) -> RunResult {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<u64>(SINGLE_CAP);
    let senders = sending!(tx, producers, items, |tx, v| tx.send(v).await);
    drop(tx);
    run(
        "tokio mpsc",
        items,
        producers,
        senders,
        summing!(rx.recv().await),
    )
}

/// `flume` bounded, async API.
pub fn flume_async(items: u64, producers: usize) -> RunResult {
    let (tx, rx) = flume::bounded::<u64>(SINGLE_CAP);
    let senders = sending!(tx, producers, items, |tx, v| tx.send_async(v).await);
    drop(tx);
    let recv = summing!(rx.recv_async().await.ok());
    run("flume async", items, producers, senders, recv)
}

/// `kanal` bounded, async API.
pub fn kanal_async(items: u64, producers: usize) -> RunResult {
    let (tx, rx) = kanal::bounded_async::<u64>(SINGLE_CAP);
    let senders = sending!(tx, producers, items, |tx, v| tx.send(v).await);
    drop(tx);
    run(
        "kanal async",
        items,
        producers,
        senders,
        summing!(rx.recv().await.ok()),
    )
}

/// `async-channel` bounded.
pub fn async_channel(items: u64, producers: usize) -> RunResult {
    let (tx, rx) = async_channel::bounded::<u64>(SINGLE_CAP);
    let senders = sending!(tx, producers, items, |tx, v| tx.send(v).await);
    drop(tx);
    let recv = summing!(rx.recv().await.ok());
    run("async-channel", items, producers, senders, recv)
}

/// Async wake-up round trip: task A sends `i` and awaits the echo, task B
/// awaits each item and echoes it, `rounds` times; both tasks find their
/// channel empty before every message, so every message is a wake-up.
/// Mean ns per round trip. `$pair()` makes one channel (sender, receiver);
/// `$send` / `$recv` are the async calls.
macro_rules! echo_rtt {
    ($name:expr, $rounds:expr, $pair:expr, |$t:ident, $v:ident| $send:expr, |$r:ident| $recv:expr) => {{
        let rounds: u64 = $rounds;
        let (mut a_tx, mut b_rx) = $pair;
        let (mut b_tx, mut a_rx) = $pair;
        let rt = runtime()?;
        let d = rt.block_on(async move {
            let echo = tokio::spawn(async move {
                let ($t, $r) = (&mut b_tx, &mut b_rx);
                while let Some($v) = $recv {
                    $send.expect("echo peer alive");
                }
            });
            let t0 = Instant::now();
            let ($t, $r) = (&mut a_tx, &mut a_rx);
            for $v in 0..rounds {
                $send.expect("echo task alive");
                let back = $recv.expect("echo task alive");
                debug_assert_eq!(back, $v);
            }
            let d = t0.elapsed();
            drop(a_tx);
            echo.await.map_err(|e| format!("{}: {e}", $name))?;
            Ok::<Duration, String>(d)
        })?;
        Ok(Sample::of(d.as_nanos() as f64 / rounds as f64))
    }};
}

/// Async round trip through two ringmpsc SPSC channels.
pub fn wake_ours(rounds: u64) -> RunResult {
    echo_rtt!(
        "ringmpsc async rtt",
        rounds,
        ringmpsc::spsc::channel::<u64>(ring_config()),
        |t, v| t.send_async(v).await,
        |r| r.recv_async().await.ok()
    )
}

/// Async round trip through two `tokio::sync::mpsc` channels.
pub fn wake_tokio(rounds: u64) -> RunResult {
    echo_rtt!(
        "tokio mpsc rtt",
        rounds,
        tokio::sync::mpsc::channel::<u64>(SINGLE_CAP),
        |t, v| t.send(v).await,
        |r| r.recv().await
    )
}
