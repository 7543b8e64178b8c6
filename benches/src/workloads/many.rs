//! Many producers and consumers: the thread crew, MPSC/SPMC/MPMC rows, the
//! idle-ring and pool-allocation shapes, and the NUMA-placed MPSC batch.

use super::*;

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
