//! Byte records (docs/benchmarks.md, scenario `bytes`): records of random
//! lengths around a size, written by one or several producers and read by
//! one consumer that sums every byte of every record; the count and the sum
//! are verified. Ours (`ringmpsc::bytes`, in place on both sides) against
//! bbqueue's framed SPSC queue and a crossbeam channel of `Vec<u8>` (an
//! allocation per record).

use std::hint::spin_loop;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use ringmpsc::bytes;
use ringmpsc::primitives::Config;

use crate::harness::{RunResult, Sample, mmsgs, verify};
use crate::workloads::{Placement, pin};

/// The records one producer sends: lengths spread over `size / 2 ..=
/// size * 3 / 2` (deterministic), all cut from one source buffer whose byte
/// `i` is `i as u8`; and what the consumer must sum.
struct Records {
    lens: Vec<usize>,
    src: Vec<u8>,
    sum: u64,
}

impl Records {
    fn new(size: usize, count: u64, seed: u64) -> Records {
        let (lo, hi) = ((size / 2).max(1), size * 3 / 2);
        let mut x = seed | 1;
        let lens: Vec<usize> = (0..count)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                lo + (x % (hi - lo + 1) as u64) as usize
            })
            .collect();
        let src: Vec<u8> = (0..hi).map(|i| i as u8).collect();
        let mut prefix = vec![0u64; hi + 1];
        for i in 0..hi {
            prefix[i + 1] = prefix[i] + u64::from(src[i]);
        }
        let sum = lens.iter().map(|&l| prefix[l]).sum();
        Records { lens, src, sum }
    }

    fn each(&self) -> impl Iterator<Item = &[u8]> {
        self.lens.iter().map(|&l| &self.src[..l])
    }
}

/// The sum of every byte of `r`, eight bytes at a time (the byte-wise
/// loop compiles to one byte per cycle on the baseline x86-64 target, which
/// made every row of these scenarios as slow as the summing and hid the
/// channels' own costs). Each word's bytes are added in four 16-bit lanes;
/// a lane gains at most 2 x 255 per word, so lanes are folded every 64
/// words, long before they could overflow.
fn byte_sum(r: &[u8]) -> u64 {
    const LOW: u64 = 0x00ff_00ff_00ff_00ff;
    let fold = |lanes: u64| {
        (lanes & 0xffff) + ((lanes >> 16) & 0xffff) + ((lanes >> 32) & 0xffff) + (lanes >> 48)
    };
    let words = r.chunks_exact(8);
    let tail: u64 = words.remainder().iter().map(|&b| u64::from(b)).sum();
    let mut total = tail;
    let mut lanes = 0u64;
    for (i, w) in words.enumerate() {
        let x = u64::from_le_bytes(w.try_into().expect("chunks of 8"));
        lanes += (x & LOW) + ((x >> 8) & LOW);
        if i % 64 == 63 {
            total += fold(lanes);
            lanes = 0;
        }
    }
    total + fold(lanes)
}

/// Runs `producers` (each with its records) and the consumer, all started
/// together; the time until the consumer has everything, and what it got.
fn run(
    place: Option<Placement>,
    producers: Vec<Box<dyn FnOnce() + Send + '_>>,
    consumer: impl FnOnce() -> (u64, u64) + Send,
) -> (Duration, (u64, u64)) {
    let start = Barrier::new(producers.len() + 1);
    thread::scope(|s| {
        for p in producers {
            let start = &start;
            s.spawn(move || {
                if let Some(place) = place {
                    pin(place.producer_cpu());
                }
                start.wait();
                p();
            });
        }
        if let Some(place) = place {
            pin(place.consumer_cpu());
        }
        start.wait();
        let t0 = Instant::now();
        let got = consumer();
        (t0.elapsed(), got)
    })
}

/// Checks the records received and reports millions of records a second.
fn result(name: &str, want: (u64, u64), d: Duration, got: (u64, u64)) -> RunResult {
    verify(name, got.0, got.1, want.0, want.1)?;
    Ok(Sample::of(mmsgs(want.0, d)))
}

/// Ours: `producers` byte producers (clones: a ring each) sending with
/// `send` (blocking when full), the consumer reading every record in place
/// with `consume_batch_with`. Each ring holds 64 KiB (bbqueue's buffer
/// here) or 64 of the largest records, whichever is more.
pub fn ours(size: usize, count: u64, producers: usize, place: Option<Placement>) -> RunResult {
    let per = count / producers as u64;
    let sets: Vec<Records> = (0..producers)
        .map(|p| Records::new(size, per, p as u64 + 1))
        .collect();
    let want = (per * producers as u64, sets.iter().map(|r| r.sum).sum());
    let bits = (size * 64)
        .next_power_of_two()
        .max(1 << 16)
        .trailing_zeros();
    let (tx, mut rx) = bytes::channel(Config::default().with_ring_bits(bits));
    let senders: Vec<Box<dyn FnOnce() + Send + '_>> = sets
        .iter()
        .map(|set| {
            let mut tx = tx.clone();
            Box::new(move || {
                for r in set.each() {
                    tx.send(r).expect("the consumer outlives the producers");
                }
            }) as Box<dyn FnOnce() + Send + '_>
        })
        .collect();
    drop(tx);
    let (d, got) = run(place, senders, move || {
        let (mut n, mut sum) = (0u64, 0u64);
        let strategy = ringmpsc::primitives::WaitStrategy::Blocking;
        while rx
            .consume_batch_with(
                |r| {
                    n += 1;
                    sum += byte_sum(r);
                },
                strategy,
            )
            .is_ok()
        {}
        (n, sum)
    });
    result("ringmpsc bytes", want, d, got)
}

/// crossbeam-channel bounded of `Vec<u8>`: a `Vec` allocated and filled per
/// record, `send` / `recv` (blocking).
pub fn crossbeam_vec(
    size: usize,
    count: u64,
    producers: usize,
    place: Option<Placement>,
) -> RunResult {
    let per = count / producers as u64;
    let sets: Vec<Records> = (0..producers)
        .map(|p| Records::new(size, per, p as u64 + 1))
        .collect();
    let want = (per * producers as u64, sets.iter().map(|r| r.sum).sum());
    let (tx, rx) = crossbeam_channel::bounded::<Vec<u8>>(4096);
    let senders: Vec<Box<dyn FnOnce() + Send + '_>> = sets
        .iter()
        .map(|set| {
            let tx = tx.clone();
            Box::new(move || {
                for r in set.each() {
                    tx.send(r.to_vec())
                        .expect("the consumer outlives the producers");
                }
            }) as Box<dyn FnOnce() + Send + '_>
        })
        .collect();
    drop(tx);
    let (d, got) = run(place, senders, move || {
        let (mut n, mut sum) = (0u64, 0u64);
        for r in rx.iter() {
            n += 1;
            sum += byte_sum(&r);
        }
        (n, sum)
    });
    result("crossbeam Vec<u8>", want, d, got)
}

/// Waits a little for the other side of a queue without blocking calls:
/// spin hints first, then yields (a spinning side starves its peer when the
/// two vCPUs share a host CPU, the "slow regime" of docs/benchmarks.md).
fn idle(misses: &mut u32) {
    *misses += 1;
    if *misses < 64 {
        spin_loop();
    } else {
        thread::yield_now();
    }
}

/// bbqueue's framed queue (SPSC only): `grant` + copy + `commit`, `read` +
/// `release`; it has no blocking calls, so both sides spin, then yield.
pub fn bbqueue_framed(size: usize, count: u64, place: Option<Placement>) -> RunResult {
    const N: usize = 1 << 16;
    let set = Records::new(size, count, 1);
    let want = (count, set.sum);
    let bb: Box<bbqueue::BBBuffer<N>> = Box::new(bbqueue::BBBuffer::new());
    let (mut prod, mut cons) = bb
        .try_split_framed()
        .map_err(|e| format!("bbqueue split: {e:?}"))?;
    let set = &set;
    let sender: Box<dyn FnOnce() + Send + '_> = Box::new(move || {
        for r in set.each() {
            let mut misses = 0;
            loop {
                if let Ok(mut g) = prod.grant(r.len()) {
                    g[..r.len()].copy_from_slice(r);
                    g.commit(r.len());
                    break;
                }
                idle(&mut misses);
            }
        }
    });
    let (d, got) = run(place, vec![sender], move || {
        let (mut n, mut sum, mut misses) = (0u64, 0u64, 0);
        while n < count {
            match cons.read() {
                Some(g) => {
                    n += 1;
                    sum += byte_sum(&g);
                    g.release();
                    misses = 0;
                }
                None => idle(&mut misses),
            }
        }
        (n, sum)
    });
    result("bbqueue framed", want, d, got)
}

#[cfg(test)]
mod tests {
    #[test]
    fn byte_sum_adds_every_byte() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 7 + 255) as u8).collect();
        for len in [0, 1, 7, 8, 9, 511, 512, 513, 4096, 5000] {
            let want: u64 = data[..len].iter().map(|&b| u64::from(b)).sum();
            assert_eq!(super::byte_sum(&data[..len]), want, "len {len}");
        }
        let ff = vec![0xffu8; 1 << 16];
        assert_eq!(super::byte_sum(&ff), 255 << 16);
    }
}
