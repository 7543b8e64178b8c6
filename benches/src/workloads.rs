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

/// The wake-up ping-pong where each side is asleep before every message:
/// A waits `gap` (so B has gone through its spin and yield phases into the
/// kernel), stamps and sends; B wakes, records the one-way latency, waits
/// `gap`, stamps and sends back; A wakes and records. The round trip is the
/// sum of the two one-way wake-ups (the gaps excluded). Stamps are
/// nanoseconds since a shared `Instant` (CLOCK_MONOTONIC, consistent across CPUs).
pub fn wake_pingpong(
    n: usize,
    gap: Duration,
    place: Placement,
    (mut a_send, mut a_recv): (impl FnMut(u64) + Send, impl FnMut() -> u64 + Send),
    (mut b_send, mut b_recv): (impl FnMut(u64) + Send, impl FnMut() -> u64 + Send),
) -> RunResult {
    let base = Instant::now();
    let now = move || base.elapsed().as_nanos() as u64;
    let (_, (there, back)) = pair(
        place,
        || {},
        || {
            thread::scope(|s| {
                let b = s.spawn(move || {
                    pin(place.consumer_cpu());
                    let mut there = Vec::with_capacity(n);
                    for _ in 0..n {
                        let sent = a_recv();
                        there.push(now().saturating_sub(sent));
                        thread::sleep(gap);
                        b_send(now());
                    }
                    there
                });
                pin(place.producer_cpu());
                let mut back = Vec::with_capacity(n);
                for _ in 0..n {
                    thread::sleep(gap);
                    a_send(now());
                    let sent = b_recv();
                    back.push(now().saturating_sub(sent));
                }
                (b.join().expect("B side"), back)
            })
        },
    );
    if there.len() != n || back.len() != n {
        return Err("wake ping-pong lost a message".into());
    }
    let mut rtt: Vec<f64> = there
        .iter()
        .zip(&back)
        .map(|(a, b)| (a + b) as f64)
        .collect();
    Ok(latency_sample(&mut rtt))
}

/// [`wake_pingpong`] over two channels made by `side` (A's, then B's).
fn wake_sides<S, R>(
    n: usize,
    gap: Duration,
    place: Placement,
    mut side: impl FnMut() -> Result<(S, R), String>,
) -> RunResult
where
    S: FnMut(u64) + Send,
    R: FnMut() -> u64 + Send,
{
    let a = side()?;
    let b = side()?;
    wake_pingpong(n, gap, place, a, b)
}

/// Wake-up round trip: ours with `Blocking` (futex) on both sides.
pub fn wake_ours(n: usize, gap: Duration, place: Placement) -> RunResult {
    wake_sides(n, gap, place, || {
        let (mut tx, mut rx) = spsc::channel::<u64>(Config::LOW_LATENCY);
        Ok(blocking_ends!(
            "alive",
            tx,
            rx.recv_with(WaitStrategy::Blocking)
        ))
    })
}

/// Wake-up round trip: crossbeam-channel blocking `recv`.
pub fn wake_crossbeam(n: usize, gap: Duration, place: Placement) -> RunResult {
    wake_sides(n, gap, place, || {
        let (tx, rx) = crossbeam_channel::bounded::<u64>(4096);
        Ok(blocking_ends!("alive", tx, rx.recv()))
    })
}

/// Wake-up round trip: `std::sync::mpsc` blocking `recv`.
pub fn wake_std(n: usize, gap: Duration, place: Placement) -> RunResult {
    wake_sides(n, gap, place, || {
        let (tx, rx) = std::sync::mpsc::sync_channel::<u64>(4096);
        Ok(blocking_ends!("alive", tx, rx.recv()))
    })
}

/// CPU used by a consumer blocked for `wait` on an empty channel, as a
/// percentage of one core: ours.
pub fn idle_cpu_ours(wait: Duration) -> RunResult {
    let (_tx, mut rx) = spsc::channel::<u64>(Config::LOW_LATENCY);
    idle_cpu(move || rx.recv_timeout(wait).is_err(), wait)
}

/// Idle CPU: crossbeam-channel `recv_timeout`.
pub fn idle_cpu_crossbeam(wait: Duration) -> RunResult {
    let (_tx, rx) = crossbeam_channel::bounded::<u64>(4096);
    idle_cpu(move || rx.recv_timeout(wait).is_err(), wait)
}

/// Idle CPU: std `recv_timeout`.
pub fn idle_cpu_std(wait: Duration) -> RunResult {
    let (_tx, rx) = std::sync::mpsc::sync_channel::<u64>(4096);
    idle_cpu(move || rx.recv_timeout(wait).is_err(), wait)
}

pub(crate) fn idle_cpu(block: impl FnOnce() -> bool + Send, wait: Duration) -> RunResult {
    let (timed_out, cpu) = thread::scope(|s| {
        s.spawn(|| {
            let c0 = thread_cpu_ns();
            let timed_out = block();
            let c1 = thread_cpu_ns();
            (timed_out, c0.zip(c1).map(|(a, b)| b - a))
        })
        .join()
        .expect("idle thread")
    });
    if !timed_out {
        return Err("an empty channel returned an item".into());
    }
    let cpu = cpu.ok_or("no /proc/thread-self/schedstat: cannot measure thread CPU time")?;
    Ok(Sample::of(cpu as f64 / wait.as_nanos() as f64 * 100.0))
}

// ------------------------------------------------------------- wake: eventfd

/// Wake-up round trip through ring-wait's `EventNotifier`: each receiver arms
/// its consumer and sleeps in `epoll_wait` on the ring's eventfd.
pub fn wake_eventfd_ours(n: usize, gap: Duration, place: Placement) -> RunResult {
    use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollTimeout};
    use ringmpsc::wait::EventNotifier;
    fn side(cfg: Config) -> Result<(spsc::Producer<u64>, impl FnMut() -> u64 + Send), String> {
        let (tx, mut rx) = spsc::channel::<u64>(cfg);
        let note = EventNotifier::new().map_err(|e| e.to_string())?;
        let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).map_err(|e| e.to_string())?;
        note.register_epoll(&epoll).map_err(|e| e.to_string())?;
        rx.set_notifier(Some(note.clone()));
        let recv = move || loop {
            if let Ok(v) = rx.try_recv() {
                return v;
            }
            if !rx.arm() {
                let mut ev = [EpollEvent::empty()];
                let _ = epoll.wait(&mut ev, EpollTimeout::NONE);
            }
            rx.disarm();
            note.consume();
        };
        Ok((tx, recv))
    }
    wake_sides(n, gap, place, || {
        let (mut tx, recv) = side(Config::LOW_LATENCY)?;
        Ok((move |v| tx.send(v).expect("alive"), recv))
    })
}

/// The raw floor for the eventfd path: a value in an atomic, an eventfd
/// write to signal, `epoll_wait` + read to sleep; no ring.
pub fn wake_eventfd_raw(n: usize, gap: Duration, place: Placement) -> RunResult {
    use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
    use nix::sys::eventfd::{EfdFlags, EventFd};
    use ringmpsc::primitives::sync::{AtomicU64, Ordering};
    struct Mailbox {
        value: AtomicU64,
        efd: EventFd,
        epoll: Epoll,
    }
    fn mailbox() -> Result<Mailbox, String> {
        let efd = EventFd::from_value_and_flags(0, EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK)
            .map_err(|e| e.to_string())?;
        let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).map_err(|e| e.to_string())?;
        epoll
            .add(&efd, EpollEvent::new(EpollFlags::EPOLLIN, 0))
            .map_err(|e| e.to_string())?;
        Ok(Mailbox {
            value: AtomicU64::new(u64::MAX),
            efd,
            epoll,
        })
    }
    impl Mailbox {
        fn send(&self, v: u64) {
            // ORDERING: Release; pairs with the Acquire swap in `recv`.
            self.value.store(v, Ordering::Release);
            let _ = self.efd.write(1);
        }
        fn recv(&self) -> u64 {
            loop {
                // ORDERING: Acquire; pairs with the Release store in `send`.
                let v = self.value.swap(u64::MAX, Ordering::Acquire);
                if v != u64::MAX {
                    return v;
                }
                let mut ev = [EpollEvent::empty()];
                let _ = self.epoll.wait(&mut ev, EpollTimeout::NONE);
                let _ = self.efd.read();
            }
        }
    }
    let a = mailbox()?;
    let b = mailbox()?;
    let (a, b) = (&a, &b);
    wake_pingpong(
        n,
        gap,
        place,
        (|v| a.send(v), || a.recv()),
        (|v| b.send(v), || b.recv()),
    )
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

// ----------------------------------------------------- many producers/consumers

/// A boxed producer body.
pub type Job = Box<dyn FnOnce() + Send>;
/// A boxed consumer body returning (count, checksum).
pub type Sink = Box<dyn FnOnce() -> (u64, u64) + Send>;

/// Runs producers and consumers released together at a barrier; returns the
/// time from the release to the last consumer's end, and the summed counts
/// and checksums. `pin_to` pins every thread to one CPU (oversubscription
/// runs); otherwise the scheduler places them.
pub fn crew(
    producers: Vec<Job>,
    consumers: Vec<Sink>,
    pin_to: Option<usize>,
) -> (Duration, (u64, u64)) {
    let start = Barrier::new(producers.len() + consumers.len());
    let start = &start;
    thread::scope(|s| {
        for p in producers {
            s.spawn(move || {
                if let Some(c) = pin_to {
                    pin(c);
                }
                start.wait();
                p();
            });
        }
        let handles: Vec<_> = consumers
            .into_iter()
            .map(|c| {
                s.spawn(move || {
                    if let Some(cpu) = pin_to {
                        pin(cpu);
                    }
                    start.wait();
                    let t0 = Instant::now();
                    let r = c();
                    (t0, Instant::now(), r)
                })
            })
            .collect();
        let results: Vec<_> = handles
            .into_iter()
            .map(|h| h.join().expect("consumer thread panicked"))
            .collect();
        let t0 = results.iter().map(|r| r.0).min().expect("a consumer");
        let t1 = results.iter().map(|r| r.1).max().expect("a consumer");
        let total = results
            .iter()
            .fold((0u64, 0u64), |a, r| (a.0 + r.2.0, a.1.wrapping_add(r.2.1)));
        (t1 - t0, total)
    })
}

/// The values producer `p` of `producers` sends when `items` are sent in all:
/// disjoint ranges whose union is `0..items`, so the checksum is `expected_sum(items)`.
pub fn share(items: u64, producers: usize, p: usize) -> std::ops::Range<u64> {
    let per = items / producers as u64;
    let lo = per * p as u64;
    let hi = if p + 1 == producers { items } else { lo + per };
    lo..hi
}

/// `first` and clones of it, `n` in all (at least `first`).
pub(crate) fn clones<T: Clone>(first: T, n: usize) -> Vec<T> {
    let mut all = vec![first];
    while all.len() < n {
        let c = all[0].clone();
        all.push(c);
    }
    all
}

/// One job per producer handle in `txs`, each sending its [`share`] of
/// `0..items` with `send`.
fn send_jobs<S: Send + 'static>(
    jobs: &mut Vec<Job>,
    txs: Vec<S>,
    items: u64,
    send: impl Fn(&mut S, u64) + Copy + Send + 'static,
) {
    let producers = txs.len();
    for (p, mut tx) in txs.into_iter().enumerate() {
        jobs.push(Box::new(move || {
            for v in share(items, producers, p) {
                send(&mut tx, v);
            }
        }));
    }
}

/// One sink per consumer handle in `rxs`, each summing what `recv` returns
/// until it returns `None` (every producer gone).
fn recv_sinks<R: Send + 'static>(
    sinks: &mut Vec<Sink>,
    rxs: Vec<R>,
    recv: impl Fn(&mut R) -> Option<u64> + Copy + Send + 'static,
) {
    for mut rx in rxs {
        sinks.push(Box::new(move || {
            let (mut n, mut sum) = (0u64, 0u64);
            while let Some(v) = recv(&mut rx) {
                n += 1;
                sum = sum.wrapping_add(v);
            }
            (n, sum)
        }));
    }
}

/// Which channel a multi-thread workload runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chan {
    /// ringmpsc MPSC (one ring per producer).
    OursMpsc,
    /// ringmpsc SPMC (claim ring).
    OursSpmc,
    /// ringmpsc MPMC (claim rings + stealing).
    OursMpmc,
    /// crossbeam-channel bounded.
    Crossbeam,
    /// flume bounded.
    Flume,
    /// kanal bounded.
    Kanal,
    /// std::sync::mpsc::sync_channel (single consumer only).
    Std,
}

/// `producers` x `consumers` threads moving `items` u64s with blocking
/// `send`/`recv`; every consumer sums what it gets; Mmsg/s.
pub fn many(
    chan: Chan,
    items: u64,
    producers: usize,
    consumers: usize,
    pin_to: Option<usize>,
) -> RunResult {
    let cap = SINGLE_CAP;
    let cfg = Config::default()
        .with_ring_bits(cap.trailing_zeros())
        .with_max_consumers(consumers.max(1));
    let mut jobs: Vec<Job> = Vec::new();
    let mut sinks: Vec<Sink> = Vec::new();
    // Every channel's blocking `send` and `recv` (a closed channel ends a
    // sink), with its producer and consumer handles.
    macro_rules! wire {
        ($txs:expr, $rxs:expr) => {{
            send_jobs(&mut jobs, $txs, items, |tx, v| {
                tx.send(v).expect("receiver alive")
            });
            recv_sinks(&mut sinks, $rxs, |rx| rx.recv().ok());
        }};
    }
    match chan {
        Chan::OursMpsc => {
            assert_eq!(consumers, 1);
            let (tx, rx) = ringmpsc::mpsc::channel::<u64>(cfg);
            wire!(clones(tx, producers), vec![rx])
        }
        Chan::OursSpmc => {
            assert_eq!(producers, 1);
            let (tx, rx) = ringmpsc::spmc::channel::<u64>(cfg);
            wire!(vec![tx], clones(rx, consumers))
        }
        Chan::OursMpmc => {
            let (tx, rx) = ringmpsc::mpmc::channel::<u64>(cfg);
            wire!(clones(tx, producers), clones(rx, consumers))
        }
        Chan::Crossbeam => {
            let (tx, rx) = crossbeam_channel::bounded::<u64>(cap);
            wire!(clones(tx, producers), clones(rx, consumers))
        }
        Chan::Flume => {
            let (tx, rx) = flume::bounded::<u64>(cap);
            wire!(clones(tx, producers), clones(rx, consumers))
        }
        Chan::Kanal => {
            let (tx, rx) = kanal::bounded::<u64>(cap);
            wire!(clones(tx, producers), clones(rx, consumers))
        }
        Chan::Std => {
            assert_eq!(consumers, 1);
            let (tx, rx) = std::sync::mpsc::sync_channel::<u64>(cap);
            wire!(clones(tx, producers), vec![rx])
        }
    }
    let (d, got) = crew(jobs, sinks, pin_to);
    single(
        &format!("{chan:?} {producers}P x {consumers}C"),
        items,
        d,
        got,
    )
}

/// MPSC batched: each producer reserves up to 4,096 slots and fills them,
/// the consumer uses `consume_all` summing. GB/s.
pub fn mpsc_batch_ours(items: u64, producers: usize) -> RunResult {
    mpsc_batch_placed(items, producers, false)
}

/// MPSC with `idle` extra registered producers that never send, and one
/// active producer; blocking send/recv. Mmsg/s.
pub fn mpsc_idle_ours(items: u64, idle: usize) -> RunResult {
    let (mut tx, mut rx) = ringmpsc::mpsc::channel::<u64>(
        Config::default().with_ring_bits(SINGLE_CAP.trailing_zeros()),
    );
    let idlers: Vec<_> = (0..idle).map(|_| tx.clone()).collect();
    // Let the consumer adopt every ring before the clock starts.
    let _ = rx.try_recv();
    let ends = blocking_ends!("receiver alive", "producer alive", tx, rx.recv());
    let r = blocking_transfer("mpsc idle", items, Placement::TwoCores, ends);
    drop(idlers);
    r
}

/// Cost of one `alloc` + `publish` + `claim` + drop cycle of a `BufferPool`
/// (64-byte slabs), ns per cycle, on `threads` threads sharing one pool.
pub fn pool_alloc_free(cycles: u64, threads: usize) -> RunResult {
    use ringmpsc::pool::BufferPool;
    let pool =
        ringmpsc::primitives::sync::Arc::new(BufferPool::new(64, 64).map_err(|e| e.to_string())?);
    let sinks: Vec<Sink> = (0..threads)
        .map(|_| {
            let pool = pool.clone();
            Box::new(move || {
                let mut sum = 0u64;
                for i in 0..cycles {
                    let mut slab = spin_recv(&mut || pool.alloc());
                    slab[0] = i as u8;
                    let h = slab.publish(1);
                    let got = pool.claim(h).expect("fresh handle");
                    sum = sum.wrapping_add(got[0] as u64);
                }
                (cycles, sum)
            }) as Sink
        })
        .collect();
    let (d, (n, sum)) = crew(Vec::new(), sinks, None);
    let want: u64 = (0..cycles).map(|i| (i as u8) as u64).sum::<u64>() * threads as u64;
    verify("pool alloc/free", n, sum, cycles * threads as u64, want)?;
    if pool.available() != pool.capacity() {
        return Err("a slab leaked".into());
    }
    // Per-thread cycle time: wall time over the cycles one thread did.
    Ok(Sample::of(d.as_nanos() as f64 / cycles as f64))
}

/// MPSC batched through the umbrella's default wiring: rings placed on the
/// node of their first sender, or on the heap. GB/s.
pub fn mpsc_batch_placed(items: u64, producers: usize, numa_local: bool) -> RunResult {
    let cfg = Config::default().with_ring_bits(16);
    let (tx, mut rx) = if numa_local {
        ringmpsc::wiring::numa_local_mpsc::<u64>(cfg).map_err(|e| e.to_string())?
    } else {
        ringmpsc::mpsc::channel::<u64>(cfg)
    };
    let jobs: Vec<Job> = clones(tx, producers)
        .into_iter()
        .enumerate()
        .map(|(p, mut tx)| {
            Box::new(move || {
                fill_blocks(
                    share(items, producers, p),
                    4096,
                    |base, want| tx.reserve(want).map(|r| r.fill_with(|i| base + i as u64)),
                    thread::yield_now,
                );
            }) as Job
        })
        .collect();
    let sink: Sink = Box::new(move || {
        drain_count(
            items,
            |sum| rx.consume_all(|&x| *sum = sum.wrapping_add(x)),
            thread::yield_now,
        )
    });
    let (d, got) = crew(jobs, vec![sink], None);
    batched("placed mpsc batch", items, d, got)
}
