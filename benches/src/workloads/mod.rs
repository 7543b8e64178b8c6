//! The measured workloads: one function per contender and shape, shared by the
//! suite (`cargo xtask bench`) and the criterion benches. Each shape has one
//! generic driver (`spin_transfer`, `blocking_transfer`, `batch_transfer`,
//! `spin_pingpong`, `wake_pingpong`, `many`, ...); a contender only adapts its
//! channel's API to it, with closures monomorphised into the timed loops.
//! Every consumer sums what it receives and every workload verifies the count
//! and the checksum.

use std::hint::spin_loop;
use std::ops::Range;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use ringmpsc::primitives::{Config, WaitStrategy};
use ringmpsc::spsc;

use crate::harness::{RunResult, Sample, mmsgs, verify};
use crate::reference::{expected_sum, latency_sample, thread_cpu_ns};

/// Where the two threads of a workload run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Producer on CPU 0, consumer on CPU 1.
    TwoCores,
    /// Both on CPU 0 (oversubscribed: measures the scheduler too).
    SameCore,
}

impl Placement {
    /// The producer's CPU.
    pub fn producer_cpu(self) -> usize {
        0
    }
    /// The consumer's CPU.
    pub fn consumer_cpu(self) -> usize {
        match self {
            Placement::TwoCores if cpus() > 1 => 1,
            _ => 0,
        }
    }
    /// A description for reports.
    pub fn describe(self) -> String {
        match self {
            Placement::TwoCores if cpus() > 1 => "pinned: producer CPU 0, consumer CPU 1".into(),
            Placement::TwoCores => "one CPU only: both threads on CPU 0 (oversubscribed)".into(),
            Placement::SameCore => "OVERSUBSCRIBED: both threads pinned to CPU 0".into(),
        }
    }
}

/// CPUs this process may use.
pub fn cpus() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
}

/// Pins the calling thread to `cpu` (ignored if the CPU does not exist).
pub fn pin(cpu: usize) {
    if let Some(ids) = core_affinity::get_core_ids()
        && let Some(id) = ids.into_iter().find(|c| c.id == cpu)
    {
        core_affinity::set_for_current(id);
    }
}

/// Runs a producer and a consumer on their CPUs, releasing both at a barrier;
/// returns the time from the consumer's release to its end (measured on the
/// consumer's own thread, so a late-scheduled harness thread cannot skew it)
/// and the consumer's result.
pub fn pair<R: Send>(
    place: Placement,
    producer: impl FnOnce() + Send,
    consumer: impl FnOnce() -> R + Send,
) -> (Duration, R) {
    let start = Barrier::new(2);
    thread::scope(|s| {
        s.spawn(|| {
            pin(place.producer_cpu());
            start.wait();
            producer();
        });
        let c = s.spawn(|| {
            pin(place.consumer_cpu());
            start.wait();
            let t0 = Instant::now();
            let r = consumer();
            (t0.elapsed(), r)
        });
        c.join().expect("consumer thread panicked")
    })
}

/// Ring capacity (slots) used by every single-item contender.
pub const SINGLE_CAP: usize = 8192;

fn single(name: &str, items: u64, d: Duration, got: (u64, u64)) -> RunResult {
    verify(name, got.0, got.1, items, expected_sum(items))?;
    Ok(Sample::of(mmsgs(items, d)))
}

/// [`single`] for the batched shapes: the same check, GB/s of u64 payload.
fn batched(name: &str, items: u64, d: Duration, got: (u64, u64)) -> RunResult {
    verify(name, got.0, got.1, items, expected_sum(items))?;
    Ok(Sample::of(crate::harness::gbps(items * 8, d)))
}

/// Spins until `send` takes `v` (it gives the value back while full).
#[inline(always)]
fn spin_send<T>(send: &mut impl FnMut(T) -> Result<(), T>, mut v: T) {
    while let Err(back) = send(v) {
        v = back;
        spin_loop();
    }
}

/// Spins until `recv` returns a value.
#[inline(always)]
fn spin_recv<T>(recv: &mut impl FnMut() -> Option<T>) -> T {
    loop {
        if let Some(v) = recv() {
            return v;
        }
        spin_loop();
    }
}

/// Wrapping sum of `sum` and every element of `xs`.
#[inline(always)]
fn add_all<T: Copy + Into<u64>>(sum: u64, xs: &[T]) -> u64 {
    xs.iter().fold(sum, |s, &x| s.wrapping_add(x.into()))
}

/// Sends `range` in blocks of at most `block`: `fill(base, want)` writes
/// `base..base + k` for some `k` in `1..=want` and returns `Some(k)`, or
/// returns `None` when there is no room (then `idle`).
#[inline(always)]
fn fill_blocks(
    range: Range<u64>,
    block: usize,
    mut fill: impl FnMut(u64, usize) -> Option<usize>,
    idle: impl Fn(),
) {
    let mut next = range.start;
    while next < range.end {
        let want = block.min((range.end - next) as usize);
        match fill(next, want) {
            Some(k) => next += k as u64,
            None => idle(),
        }
    }
}

/// Receives until `items` have arrived: `drain(&mut sum)` adds what it takes
/// to `sum` and returns how many it took (0: nothing there, then `idle`).
/// Returns the count and the checksum.
#[inline(always)]
fn drain_count(
    items: u64,
    mut drain: impl FnMut(&mut u64) -> usize,
    idle: impl Fn(),
) -> (u64, u64) {
    let (mut n, mut sum) = (0u64, 0u64);
    while n < items {
        let k = drain(&mut sum);
        if k == 0 {
            idle();
        }
        n += k as u64;
    }
    (n, sum)
}

/// A one-at-a-time transfer through any SPSC-shaped channel, both sides
/// spinning: `send` gives the value back when full, `recv` returns `None`
/// when empty. The driver of every single-item contender.
pub fn spin_transfer(
    name: &str,
    items: u64,
    place: Placement,
    (mut send, mut recv): (
        impl FnMut(u64) -> Result<(), u64> + Send,
        impl FnMut() -> Option<u64> + Send,
    ),
) -> RunResult {
    let (d, got) = pair(
        place,
        move || {
            for i in 0..items {
                spin_send(&mut send, i);
            }
        },
        move || {
            let (mut n, mut sum) = (0u64, 0u64);
            while n < items {
                match recv() {
                    Some(v) => {
                        n += 1;
                        sum = sum.wrapping_add(v);
                    }
                    None => spin_loop(),
                }
            }
            (n, sum)
        },
    );
    single(name, items, d, got)
}

/// The `try_send` / `try_recv` pair of ours and of crossbeam-channel (their
/// full error gives the value back with `into_inner`).
macro_rules! try_ends {
    ($tx:ident, $rx:ident) => {
        (
            move |v| $tx.try_send(v).map_err(|e| e.into_inner()),
            move || $rx.try_recv().ok(),
        )
    };
}

/// rtrb's `push` / `pop` pair.
macro_rules! rtrb_ends {
    ($tx:ident, $rx:ident) => {
        (
            move |v| $tx.push(v).map_err(|rtrb::PushError::Full(v)| v),
            move || $rx.pop().ok(),
        )
    };
}

/// A blocking `send` / receive pair (`$rx.$recv...` is the blocking receive
/// call), each `expect`ing its peer alive.
macro_rules! blocking_ends {
    ($alive:literal, $tx:ident, $rx:ident . $($recv:tt)+) => {
        blocking_ends!($alive, $alive, $tx, $rx.$($recv)+)
    };
    ($tx_alive:literal, $rx_alive:literal, $tx:ident, $rx:ident . $($recv:tt)+) => {
        (
            move |v| $tx.send(v).expect($tx_alive),
            move || $rx.$($recv)+.expect($rx_alive),
        )
    };
}

/// Ours: `try_send` / `try_recv`, both spinning.
pub fn spsc_single_ours(items: u64, place: Placement) -> RunResult {
    spsc_single_observed(items, place, ())
}

/// rtrb `push` / `pop`.
pub fn spsc_single_rtrb(items: u64, place: Placement) -> RunResult {
    let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(SINGLE_CAP);
    spin_transfer("rtrb", items, place, rtrb_ends!(tx, rx))
}

/// crossbeam-channel bounded: `try_send` / `try_recv`, spinning.
pub fn spsc_single_crossbeam(items: u64, place: Placement) -> RunResult {
    let (tx, rx) = crossbeam_channel::bounded::<u64>(SINGLE_CAP);
    spin_transfer("crossbeam-channel", items, place, try_ends!(tx, rx))
}

/// crossbeam-queue `ArrayQueue`: `push` / `pop`, spinning.
pub fn spsc_single_arrayqueue(items: u64, place: Placement) -> RunResult {
    let q = crossbeam_queue::ArrayQueue::<u64>::new(SINGLE_CAP);
    let q = &q;
    spin_transfer(
        "ArrayQueue",
        items,
        place,
        (move |v| q.push(v), move || q.pop()),
    )
}

/// ringbuf `HeapRb`: `try_push` / `try_pop`, spinning.
pub fn spsc_single_ringbuf(items: u64, place: Placement) -> RunResult {
    use ringbuf::traits::{Consumer as _, Producer as _, Split as _};
    let (mut tx, mut rx) = ringbuf::HeapRb::<u64>::new(SINGLE_CAP).split();
    let ends = (move |v| tx.try_push(v), move || rx.try_pop());
    spin_transfer("ringbuf", items, place, ends)
}

/// `std::sync::mpsc::sync_channel`: `try_send` / `try_recv`, spinning.
pub fn spsc_single_std(items: u64, place: Placement) -> RunResult {
    use std::sync::mpsc::TrySendError;
    let (tx, rx) = std::sync::mpsc::sync_channel::<u64>(SINGLE_CAP);
    spin_transfer(
        "std sync_channel",
        items,
        place,
        (
            move |v| {
                tx.try_send(v)
                    .map_err(|(TrySendError::Full(v) | TrySendError::Disconnected(v))| v)
            },
            move || rx.try_recv().ok(),
        ),
    )
}

/// A one-at-a-time transfer with blocking `send` / `recv`.
pub fn blocking_transfer(
    name: &str,
    items: u64,
    place: Placement,
    (mut send, mut recv): (impl FnMut(u64) + Send, impl FnMut() -> u64 + Send),
) -> RunResult {
    let (d, got) = pair(
        place,
        move || {
            for i in 0..items {
                send(i);
            }
        },
        move || {
            let (mut n, mut sum) = (0u64, 0u64);
            while n < items {
                sum = sum.wrapping_add(recv());
                n += 1;
            }
            (n, sum)
        },
    );
    single(name, items, d, got)
}

/// Blocking `send` / `recv` (for the oversubscribed scenario): ours.
pub fn spsc_blocking_ours(items: u64, place: Placement) -> RunResult {
    let (mut tx, mut rx) =
        spsc::channel::<u64>(Config::default().with_ring_bits(SINGLE_CAP.trailing_zeros()));
    let ends = blocking_ends!("receiver alive", "sender alive", tx, rx.recv());
    blocking_transfer("ringmpsc spsc (blocking)", items, place, ends)
}

/// Blocking `send` / `recv`: crossbeam-channel bounded.
pub fn spsc_blocking_crossbeam(items: u64, place: Placement) -> RunResult {
    let (tx, rx) = crossbeam_channel::bounded::<u64>(SINGLE_CAP);
    let ends = blocking_ends!("receiver alive", "sender alive", tx, rx.recv());
    blocking_transfer("crossbeam-channel (blocking)", items, place, ends)
}

/// Batches through reserve/fill and drain calls, both sides spinning:
/// `fill` and `drain` as in [`fill_blocks`] and [`drain_count`]. GB/s.
fn batch_transfer(
    name: &str,
    items: u64,
    block: usize,
    place: Placement,
    fill: impl FnMut(u64, usize) -> Option<usize> + Send,
    drain: impl FnMut(&mut u64) -> usize + Send,
) -> RunResult {
    let (d, got) = pair(
        place,
        move || fill_blocks(0..items, block, fill, spin_loop),
        move || drain_count(items, drain, spin_loop),
    );
    batched(name, items, d, got)
}

/// Ours, batched: `reserve(want)` + `fill_with`, `consume_batch` summing.
macro_rules! ours_batches {
    ($name:expr, $items:expr, $block:expr, $place:expr, $tx:ident, $rx:ident) => {
        batch_transfer(
            $name,
            $items,
            $block,
            $place,
            move |base, want| $tx.reserve(want).map(|r| r.fill_with(|i| base + i as u64)),
            move |sum| $rx.consume_batch(|&x| *sum = sum.wrapping_add(x)),
        )
    };
}

/// Batched: reserve `block`, fill, commit; `consume_batch` summing. GB/s.
pub fn spsc_batch_ours(items: u64, block: usize, place: Placement) -> RunResult {
    let (mut tx, mut rx) = spsc::channel::<u64>(Config::default().with_ring_bits(16));
    ours_batches!("ringmpsc spsc batch", items, block, place, tx, rx)
}

/// Batched rtrb: `write_chunk_uninit` + `fill_from_iter`, `read_chunk` summing. GB/s.
pub fn spsc_batch_rtrb(items: u64, block: usize, place: Placement) -> RunResult {
    let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(65_536);
    batch_transfer(
        "rtrb batch",
        items,
        block,
        place,
        move |base, want| {
            let want = want.min(tx.slots());
            if want == 0 {
                return None;
            }
            let chunk = tx.write_chunk_uninit(want).ok()?;
            Some(chunk.fill_from_iter((0..want as u64).map(|i| base + i)))
        },
        move |sum| {
            let k = rx.slots();
            if k == 0 {
                return 0;
            }
            let Ok(chunk) = rx.read_chunk(k) else {
                return 0;
            };
            let (a, b) = chunk.as_slices();
            *sum = add_all(add_all(*sum, a), b);
            chunk.commit_all();
            k
        },
    )
}

/// Round trips (ns) of one item over two channels, both sides spinning: A
/// sends on its first channel and waits on its second, B echoes. `side`
/// makes one channel's `(send, recv)` pair (called for A, then for B).
pub fn spin_pingpong<S, R>(
    n: usize,
    place: Placement,
    mut side: impl FnMut() -> (S, R),
) -> RunResult
where
    S: FnMut(u64) -> Result<(), u64> + Send,
    R: FnMut() -> Option<u64> + Send,
{
    let (mut a_send, mut a_recv) = side();
    let (mut b_send, mut b_recv) = side();
    let mut lat = Vec::with_capacity(n);
    let (_, ok) = pair(
        place,
        move || {
            for _ in 0..n {
                let v = spin_recv(&mut a_recv);
                spin_send(&mut b_send, v);
            }
        },
        || {
            for i in 0..n as u64 {
                let t0 = Instant::now();
                spin_send(&mut a_send, i);
                let v = spin_recv(&mut b_recv);
                lat.push(t0.elapsed().as_nanos() as f64);
                if v != i {
                    return false;
                }
            }
            true
        },
    );
    if !ok {
        return Err("ping-pong returned the wrong value".into());
    }
    Ok(latency_sample(&mut lat))
}

/// Round trip of one item over two rings, both sides spinning: ours.
pub fn pingpong_ours(n: usize, place: Placement) -> RunResult {
    spin_pingpong(n, place, || {
        let (mut tx, mut rx) = spsc::channel::<u64>(Config::LOW_LATENCY);
        try_ends!(tx, rx)
    })
}

/// Round trip over two rtrb rings.
pub fn pingpong_rtrb(n: usize, place: Placement) -> RunResult {
    spin_pingpong(n, place, || {
        let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(4096);
        rtrb_ends!(tx, rx)
    })
}

/// Round trip over two crossbeam channels, spinning on `try_recv`.
pub fn pingpong_crossbeam(n: usize, place: Placement) -> RunResult {
    spin_pingpong(n, place, || {
        let (tx, rx) = crossbeam_channel::bounded::<u64>(4096);
        try_ends!(tx, rx)
    })
}

// --------------------------------------------------------------------- shm

/// Sends all of `s` through `send` (which takes a prefix of what it is given
/// and returns its length), spinning while it takes nothing.
#[inline(always)]
fn send_all<T>(send: &mut impl FnMut(&[T]) -> usize, s: &[T]) {
    let mut sent = 0;
    while sent < s.len() {
        let m = send(&s[sent..]);
        if m == 0 {
            spin_loop();
        }
        sent += m;
    }
}

/// Receives `total` elements through `recv` into `buf`, spinning while there
/// are none; returns their count and wrapping sum.
#[inline(always)]
fn recv_all<T: Copy + Into<u64>>(
    total: u64,
    buf: &mut [T],
    mut recv: impl FnMut(&mut [T]) -> usize,
) -> (u64, u64) {
    drain_count(
        total,
        |sum| {
            let k = recv(buf);
            *sum = add_all(*sum, &buf[..k]);
            k
        },
        spin_loop,
    )
}

/// A transfer in batches of [`SHM_BATCH`](crate::shm::SHM_BATCH) through
/// slice send/receive calls, two threads.
fn slice_transfer(
    name: &str,
    items: u64,
    place: Placement,
    mut send_slice: impl FnMut(&[u64]) -> usize + Send,
    recv_slice: impl FnMut(&mut [u64]) -> usize + Send,
) -> RunResult {
    use crate::shm::SHM_BATCH;
    let (d, got) = pair(
        place,
        move || {
            let mut buf = [0u64; SHM_BATCH];
            let mut next = 0u64;
            while next < items {
                let k = SHM_BATCH.min((items - next) as usize);
                for (i, b) in buf[..k].iter_mut().enumerate() {
                    *b = next + i as u64;
                }
                send_all(&mut send_slice, &buf[..k]);
                next += k as u64;
            }
        },
        move || recv_all(items, &mut [0u64; SHM_BATCH], recv_slice),
    );
    single(name, items, d, got)
}

/// The in-process ring (two threads) with the batches of the `shm` scenario
/// (`send_slice` / `recv_slice`): the reference for the two-process
/// contenders in [`crate::shm`].
pub fn shm_inprocess(items: u64, place: Placement) -> RunResult {
    let (mut tx, mut rx) = spsc::channel::<u64>(Config::default().with_ring_bits(14));
    slice_transfer(
        "in-process ring",
        items,
        place,
        move |s| tx.send_slice(s),
        move |s| rx.recv_slice(s),
    )
}

// -------------------------------------------------------------------- pool

/// A message of `size` bytes (`0, 1, 2, ...` wrapping) and its byte sum.
fn message(size: usize) -> (Vec<u8>, u64) {
    let src: Vec<u8> = (0..size).map(|i| i as u8).collect();
    let per_msg = add_all(0, &src);
    (src, per_msg)
}

/// Verifies `messages` messages of `size` bytes each summing to `per_msg`;
/// GB/s of payload.
fn payload(
    name: &str,
    (messages, size, per_msg): (u64, usize, u64),
    d: Duration,
    got: (u64, u64),
) -> RunResult {
    verify(name, got.0, got.1, messages, per_msg.wrapping_mul(messages))?;
    Ok(Sample::of(crate::harness::gbps(messages * size as u64, d)))
}

/// Messages of `size` bytes copied through a byte ring (`send_slice` /
/// `recv_slice`), the consumer summing every byte; GB/s of payload.
pub fn pool_copy(messages: u64, size: usize, place: Placement) -> RunResult {
    let cfg = Config::default()
        .with_ring_bits((size * 4).next_power_of_two().max(1 << 12).trailing_zeros());
    let (mut tx, mut rx) = spsc::channel::<u8>(cfg);
    let (src, per_msg) = message(size);
    let (d, got) = pair(
        place,
        move || {
            let mut send = |s: &[u8]| tx.send_slice(s);
            for _ in 0..messages {
                send_all(&mut send, &src);
            }
        },
        move || {
            let mut buf = vec![0u8; size.min(1 << 16)];
            let (n, sum) = recv_all(messages * size as u64, &mut buf, |b| rx.recv_slice(b));
            (n / size as u64, sum)
        },
    );
    payload("ring copy", (messages, size, per_msg), d, got)
}

/// Messages of `size` bytes written into `BufferPool` slabs, their handles
/// sent through a ring; the consumer claims and sums every byte. GB/s.
pub fn pool_handles(messages: u64, size: usize, place: Placement) -> RunResult {
    use ringmpsc::pool::{BufferPool, Handle};
    let pool = BufferPool::new(size, 64).map_err(|e| e.to_string())?;
    let pool = &pool;
    let (mut tx, mut rx) = spsc::channel::<Handle>(Config::default().with_ring_bits(5));
    let (src, per_msg) = message(size);
    let (d, got) = pair(
        place,
        move || {
            let mut send = |h| tx.try_send(h).map_err(|e| e.into_inner());
            for _ in 0..messages {
                let mut slab = spin_recv(&mut || pool.alloc());
                slab[..size].copy_from_slice(&src);
                spin_send(&mut send, slab.publish(size));
            }
        },
        move || {
            let (mut n, mut sum) = (0u64, 0u64);
            while n < messages {
                match rx.try_recv() {
                    Ok(h) => {
                        let slab = pool.claim(h).expect("fresh handle");
                        sum = add_all(sum, &slab);
                        n += 1;
                    }
                    Err(_) => spin_loop(),
                }
            }
            (n, sum)
        },
    );
    payload("pool handles", (messages, size, per_msg), d, got)
}

// ----------------------------------------------------------------- metrics

/// SPSC single-item throughput with an observer (`()` is no observer).
pub fn spsc_single_observed<O: ringmpsc::primitives::Observer>(
    items: u64,
    place: Placement,
    observer: O,
) -> RunResult {
    let (mut tx, mut rx) =
        spsc::Builder::new(Config::default().with_ring_bits(SINGLE_CAP.trailing_zeros()))
            .observer(observer)
            .build::<u64>()
            .map_err(|e| e.to_string())?;
    spin_transfer("ringmpsc spsc", items, place, try_ends!(tx, rx))
}

/// The extra figures of the `metrics` scenario, in its column order:
/// watermark crossings (high + low) and latency samples of one run.
pub const METRICS_EXTRA: [&str; 2] = ["crossings", "lat.samp"];

/// [`spsc_single_observed`] with a [`Metrics`](ringmpsc::metrics::Metrics)
/// (`None`: no observer at all), the ring built with `watermarks`
/// (`Some((low, high))`) or without. The sample carries [`METRICS_EXTRA`]
/// (zeros without metrics), so every row of the scenario has the same columns.
pub fn spsc_single_metrics(
    items: u64,
    place: Placement,
    metrics: Option<ringmpsc::metrics::Metrics>,
    watermarks: Option<(usize, usize)>,
) -> RunResult {
    let cfg = Config::default().with_ring_bits(SINGLE_CAP.trailing_zeros());
    let mut sample = match &metrics {
        None => {
            let mut b = spsc::Builder::new(cfg);
            if let Some((low, high)) = watermarks {
                b = b.watermarks(low, high);
            }
            let (mut tx, mut rx) = b.build::<u64>().map_err(|e| e.to_string())?;
            spin_transfer("ringmpsc spsc", items, place, try_ends!(tx, rx))?
        }
        Some(m) => {
            let mut b = spsc::Builder::new(cfg).observer(m.clone());
            if let Some((low, high)) = watermarks {
                b = b.watermarks(low, high);
            }
            let (mut tx, mut rx) = b.build::<u64>().map_err(|e| e.to_string())?;
            spin_transfer("ringmpsc spsc + Metrics", items, place, try_ends!(tx, rx))?
        }
    };
    let s = metrics.map(|m| m.snapshot()).unwrap_or_default();
    if metrics_counted_wrong(&s, items) {
        return Err(format!(
            "Metrics counted {} sent / {} received of {items}",
            s.messages_sent, s.messages_received
        ));
    }
    sample.extra = vec![
        (
            METRICS_EXTRA[0],
            (s.watermark_high + s.watermark_low) as f64,
        ),
        (METRICS_EXTRA[1], s.latency_samples as f64),
    ];
    Ok(sample)
}

/// True if a snapshot with any counts disagrees with the `items` moved.
fn metrics_counted_wrong(s: &ringmpsc::metrics::MetricsSnapshot, items: u64) -> bool {
    s.messages_sent != 0 && (s.messages_sent != items || s.messages_received != items)
}

// -------------------------------------------------------------------- numa

/// Batched SPSC throughput with the ring's memory from `memory`.
pub fn spsc_batch_on<M: ringmpsc::primitives::RingMemory>(
    items: u64,
    place: Placement,
    memory: M,
) -> RunResult {
    let (mut tx, mut rx) = spsc::Builder::new(Config::default().with_ring_bits(16))
        .memory(memory)
        .build::<u64>()
        .map_err(|e| e.to_string())?;
    // Warm-up lap: fault in every page of the ring (on this thread) so both
    // memory sources are measured in steady state, not their page faults.
    for _ in 0..2 {
        while let Some(r) = tx.reserve(4096) {
            r.fill_with(|i| i as u64);
        }
        rx.consume_count();
    }
    ours_batches!("placed spsc batch", items, 4096, place, tx, rx)
}

mod many;
mod wake;

pub use many::*;
pub use wake::*;
