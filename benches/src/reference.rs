//! Physical references measured in the same run as the contenders: no
//! library code at all, only what the machine does (docs/benchmarks.md).
//!
//! This is the one module of the bench crate that uses `unsafe`: the bare
//! two-thread handoff shares one buffer between two threads with nothing but
//! a Release/Acquire pair per block, which safe Rust cannot express without a
//! library. Each block carries its SAFETY argument.
#![allow(unsafe_code)] // reason: the bare handoff ceiling is raw shared memory by definition (docs/benchmarks.md)

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use ringmpsc::primitives::sync::{AtomicU64, Futex, Ordering};

use crate::harness::{RunResult, Sample, gbps, median, verify};
use crate::workloads::{Placement, pair, pin, wake_pingpong};

/// A value on its own 128-byte line.
#[repr(align(128))]
struct Line<T>(T);

/// Median cross-core round trip (ns) of a cache-line ping-pong between the
/// two benchmark CPUs: the regime probe (about 2,000 round trips, at most
/// about 0.5 s; a probe that cannot finish reports infinity, i.e. "slow").
pub fn cacheline_rtt_probe() -> f64 {
    let samples = cacheline_pingpong_within(2_000, Placement::TwoCores, Duration::from_millis(500));
    if samples.len() < 100 {
        f64::INFINITY
    } else {
        median(&samples)
    }
}

/// Round trips (ns each) of a ping-pong on two atomics on separate lines:
/// the floor for cross-core round-trip latency.
pub fn cacheline_pingpong(n: usize, place: Placement) -> Vec<f64> {
    cacheline_pingpong_within(n, place, Duration::from_secs(60))
}

/// As [`cacheline_pingpong`], giving up after `budget` (on a machine so
/// loaded that the two pinned threads rarely run at once).
pub fn cacheline_pingpong_within(n: usize, place: Placement, budget: Duration) -> Vec<f64> {
    const STOP: u64 = u64::MAX;
    let ping = Line(AtomicU64::new(0));
    let pong = Line(AtomicU64::new(0));
    let mut out = Vec::with_capacity(n);
    let deadline = Instant::now() + budget;
    thread::scope(|s| {
        s.spawn(|| {
            pin(place.consumer_cpu());
            for i in 1..=n as u64 {
                loop {
                    // ORDERING: Acquire/Release pair with the other side; a bare reference.
                    match ping.0.load(Ordering::Acquire) {
                        STOP => return,
                        v if v == i => break,
                        _ => std::hint::spin_loop(),
                    }
                }
                // ORDERING: Release; pairs with the Acquire load below.
                pong.0.store(i, Ordering::Release);
            }
        });
        s.spawn(|| {
            pin(place.producer_cpu());
            'outer: for i in 1..=n as u64 {
                let t0 = Instant::now();
                // ORDERING: Release; pairs with the Acquire load above.
                ping.0.store(i, Ordering::Release);
                let mut spins = 0u32;
                // ORDERING: Acquire; pairs with the Release store above.
                while pong.0.load(Ordering::Acquire) != i {
                    std::hint::spin_loop();
                    spins = spins.wrapping_add(1);
                    if spins.is_multiple_of(4096) && Instant::now() > deadline {
                        // ORDERING: Release; the other side stops at its next load.
                        ping.0.store(STOP, Ordering::Release);
                        break 'outer;
                    }
                }
                out.push(t0.elapsed().as_nanos() as f64);
            }
        });
    });
    out
}

/// The bare two-thread handoff: a 65,536-slot `u64` buffer, 4,096-item
/// blocks, one Release/Acquire pair per block, both sides looping over
/// contiguous slices, the consumer summing every item. The ceiling for
/// batched throughput across two cores. Returns GB/s.
pub fn bare_handoff(items: u64, place: Placement) -> RunResult {
    const SLOTS: usize = 65_536;
    const BLOCK: usize = 4_096;
    assert!(items.is_multiple_of(BLOCK as u64));
    struct Shared {
        buf: *mut u64,
    }
    // SAFETY: the pointer is used by two threads that, by the block protocol
    // below, never touch the same block at the same time.
    unsafe impl Sync for Shared {}
    let mut buf = vec![0u64; SLOTS];
    let shared = Shared {
        buf: buf.as_mut_ptr(),
    };
    let tail = Line(AtomicU64::new(0));
    let head = Line(AtomicU64::new(0));
    let (shared, tail, head) = (&shared, &tail, &head);
    let (d, (count, sum)) = pair(
        place,
        move || {
            let mut next = 0u64;
            while next < items {
                // ORDERING: Acquire; pairs with the consumer's Release of head.
                while next - head.0.load(Ordering::Acquire) >= SLOTS as u64 {
                    std::hint::spin_loop();
                }
                let at = (next as usize) % SLOTS;
                // SAFETY: the block [at, at+BLOCK) is free: the consumer released it
                // (head checked above) and will not read it until tail covers it.
                let block = unsafe { std::slice::from_raw_parts_mut(shared.buf.add(at), BLOCK) };
                for (i, slot) in block.iter_mut().enumerate() {
                    *slot = next + i as u64;
                }
                next += BLOCK as u64;
                // ORDERING: Release; publishes the block to the consumer's Acquire.
                tail.0.store(next, Ordering::Release);
            }
        },
        move || {
            let (mut pos, mut sum) = (0u64, 0u64);
            while pos < items {
                // ORDERING: Acquire; pairs with the producer's Release of tail.
                while tail.0.load(Ordering::Acquire) == pos {
                    std::hint::spin_loop();
                }
                let at = (pos as usize) % SLOTS;
                // SAFETY: the block was published (tail > pos) and the producer
                // will not rewrite it until head passes it.
                let block = unsafe { std::slice::from_raw_parts(shared.buf.add(at), BLOCK) };
                sum = sum.wrapping_add(block.iter().fold(0u64, |a, &x| a.wrapping_add(x)));
                pos += BLOCK as u64;
                // ORDERING: Release; hands the block back to the producer's Acquire.
                head.0.store(pos, Ordering::Release);
            }
            (pos, sum)
        },
    );
    drop(buf);
    verify("bare handoff", count, sum, items, expected_sum(items))?;
    Ok(Sample::of(gbps(items * 8, d)))
}

/// Sum of `0..n` (wrapping), the checksum every transfer of `0..n` must produce.
pub fn expected_sum(n: u64) -> u64 {
    let n = n as u128;
    ((n * n.saturating_sub(1) / 2) % (1u128 << 64)) as u64
}

/// Single-thread memcpy inside L2 (1 MiB), GB/s: context, not a ceiling.
pub fn memcpy_l2(bytes_total: u64) -> RunResult {
    const LEN: usize = 1 << 17; // 128 Ki u64 = 1 MiB
    let src: Vec<u64> = (0..LEN as u64).collect();
    let mut dst = vec![0u64; LEN];
    let reps = (bytes_total / (LEN as u64 * 8)).max(1);
    dst.copy_from_slice(&src); // warm up: fault in the pages, fill the caches
    let t0 = Instant::now();
    for _ in 0..reps {
        dst.copy_from_slice(black_box(&src));
        black_box(&mut dst);
    }
    let d = t0.elapsed();
    if dst[LEN - 1] != LEN as u64 - 1 {
        return Err("memcpy produced the wrong bytes".into());
    }
    Ok(Sample::of(gbps(reps * LEN as u64 * 8, d)))
}

/// The raw futex floor for the wake scenario: the same one-way-legs
/// ping-pong as the channels, each message a futex word store and wake, each
/// receive a futex wait. Returns p50 ns with p99, p99.9, max.
pub fn futex_wake_rtt(n: usize, gap: Duration, place: Placement) -> RunResult {
    /// A one-slot mailbox: the value and a futex sequence word.
    struct Mailbox {
        seq: Futex,
        value: AtomicU64,
    }
    impl Mailbox {
        fn send(&self, v: u64) {
            // ORDERING: Relaxed value, published by the Release increment below.
            self.value.store(v, Ordering::Relaxed);
            // ORDERING: Release; pairs with the Acquire load in `recv`.
            self.seq.fetch_add(1, Ordering::Release);
            self.seq.wake_all(false);
        }
        fn recv(&self, seen: &mut u32) -> u64 {
            loop {
                // ORDERING: Acquire; pairs with the Release increment in `send`.
                let s = self.seq.load(Ordering::Acquire);
                if s != *seen {
                    *seen = s;
                    // ORDERING: Relaxed; ordered by the Acquire above.
                    return self.value.load(Ordering::Relaxed);
                }
                self.seq.wait(s, None, false);
            }
        }
    }
    let a = Line(Mailbox {
        seq: Futex::new(0),
        value: AtomicU64::new(0),
    });
    let b = Line(Mailbox {
        seq: Futex::new(0),
        value: AtomicU64::new(0),
    });
    let (a, b) = (&a.0, &b.0);
    let (mut sa, mut sb) = (0u32, 0u32);
    wake_pingpong(
        n,
        gap,
        place,
        (|v| a.send(v), move || a.recv(&mut sa)),
        (|v| b.send(v), move || b.recv(&mut sb)),
    )
}

/// p50 as the main figure; p99, p99.9 and max as extras.
pub fn latency_sample(ns: &mut [f64]) -> Sample {
    ns.sort_by(f64::total_cmp);
    let q = |p: f64| ns[((ns.len() as f64 - 1.0) * p).round() as usize];
    Sample {
        primary: q(0.5),
        extra: vec![("p99", q(0.99)), ("p99.9", q(0.999)), ("max", q(1.0))],
    }
}

/// Nanoseconds of CPU this thread has used (from /proc/thread-self/schedstat).
pub fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// The two single-item designs the SPSC protocol is measured against, bare
/// (u64 items, no close flag, no wake-ups, no observer): what the protocol
/// costs on this machine before anything of ours is added.
///
/// - `Lamport`: a slot array plus a tail word the producer stores after
///   every item and a head word the consumer stores after every item, each
///   side caching the other's word until it shows no room (no items). The
///   design of our SPSC ring, rtrb and ringbuf.
/// - `Stamped`: every slot carries a stamp next to its value (one 16-byte
///   pair, four to a cache line); the producer writes the value and then
///   stores the stamp `pos + 1`, the consumer polls the stamp of the slot
///   it reads next, so data and "it is there" travel in one line. The
///   consumer still publishes a head word, which the producer caches as in
///   `Lamport`. No tail word at all (FastForward, Giacomoni et al. 2008,
///   with the free check of B-Queue). Its slots are not contiguous `u64`s,
///   so it cannot hand out slices (`reserve`, `readable`, `peek_many`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SingleDesign {
    /// Tail and head words, slots contiguous.
    Lamport,
    /// A stamp in every slot, head word only.
    Stamped,
}

/// One u64 per operation through a bare ring of `design` with
/// [`SINGLE_CAP`](crate::workloads::SINGLE_CAP) slots, both sides spinning
/// (the driver of every `spsc-single` contender). Safe code: the values are
/// `AtomicU64`s stored and loaded `Relaxed`, which compiles to plain moves.
pub fn single_design(items: u64, place: Placement, design: SingleDesign) -> RunResult {
    use crate::workloads::{SINGLE_CAP, spin_transfer};
    const CAP: u64 = SINGLE_CAP as u64;
    const MASK: usize = SINGLE_CAP - 1;
    #[repr(C, align(16))]
    struct Slot {
        stamp: AtomicU64,
        value: AtomicU64,
    }
    let slots: Vec<Slot> = (0..SINGLE_CAP)
        .map(|_| Slot {
            stamp: AtomicU64::new(0),
            value: AtomicU64::new(0),
        })
        .collect();
    let (tail, head) = (Line(AtomicU64::new(0)), Line(AtomicU64::new(0)));
    let (slots, tail, head) = (&slots[..], &tail, &head);
    let (mut t, mut limit) = (0u64, 0u64);
    let (mut h, mut seen) = (0u64, 0u64);
    let send = move |v: u64| {
        if t == limit {
            // ORDERING: Acquire; pairs with the consumer's Release of head: its
            // loads of the slots below head happen-before we overwrite them.
            limit = head.0.load(Ordering::Acquire) + CAP;
            if t == limit {
                return Err(v);
            }
        }
        let slot = &slots[t as usize & MASK];
        // ORDERING: Relaxed; published by the Release store that follows.
        slot.value.store(v, Ordering::Relaxed);
        t += 1;
        match design {
            // ORDERING: Release; the value store above happens-before the
            // consumer's Acquire load that sees this stamp (or tail).
            SingleDesign::Stamped => slot.stamp.store(t, Ordering::Release),
            // ORDERING: Release; as above.
            SingleDesign::Lamport => tail.0.store(t, Ordering::Release),
        }
        Ok(())
    };
    let recv = move || {
        let slot = &slots[h as usize & MASK];
        let ready = match design {
            // ORDERING: Acquire; pairs with the producer's Release of the stamp.
            SingleDesign::Stamped => slot.stamp.load(Ordering::Acquire) == h + 1,
            SingleDesign::Lamport => {
                if h == seen {
                    // ORDERING: Acquire; pairs with the producer's Release of tail.
                    seen = tail.0.load(Ordering::Acquire);
                }
                h != seen
            }
        };
        if !ready {
            return None;
        }
        // ORDERING: Relaxed; ordered by the Acquire load above.
        let v = slot.value.load(Ordering::Relaxed);
        h += 1;
        // ORDERING: Release; our load of the slot happens-before the producer
        // overwrites it (its Acquire load of head).
        head.0.store(h, Ordering::Release);
        Some(v)
    };
    let name = match design {
        SingleDesign::Lamport => "bare Lamport ring",
        SingleDesign::Stamped => "bare stamped ring",
    };
    spin_transfer(name, items, place, (send, recv))
}
