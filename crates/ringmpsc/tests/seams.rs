//! The memory and observer seams of every channel family, end to end with the
//! real implementations: ring-numa's `NodeLocal` (wrapped to record what the
//! ring asks of it) and ring-metrics' `Metrics::shared`.
//!
//! For each family: every region the rings allocate is released exactly once
//! when the channel goes, the first-use hook runs once per ring on the thread
//! that first writes it, and the metrics count exactly what went through.
#![allow(clippy::disallowed_types)] // reason: test scaffolding records calls behind a std Mutex; no protocol under loom here

use std::alloc::Layout;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};

use ringmpsc::metrics::Metrics;
use ringmpsc::numa::NodeLocal;
use ringmpsc::primitives::{BuildError, MemoryError, RingMemory};
use ringmpsc::{mpmc, mpsc, prelude::Config, spmc, spsc};

#[derive(Debug, Default)]
struct Log {
    allocated: Vec<usize>,
    released: Vec<usize>,
    first_use: Vec<(usize, ThreadId)>,
}

/// `NodeLocal` on node 0, recording each call (regions named by address).
#[derive(Debug, Clone)]
struct Recording {
    inner: NodeLocal,
    log: Arc<Mutex<Log>>,
    fail: bool,
}

impl Recording {
    fn new() -> Self {
        Recording {
            inner: NodeLocal::on_node(0).expect("every Linux machine has node 0"),
            log: Arc::default(),
            fail: false,
        }
    }

    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap()
    }
}

// SAFETY: every call is forwarded unchanged to `NodeLocal`, whose regions
// satisfy the contract; the recording has no effect on the memory.
unsafe impl RingMemory for Recording {
    fn allocate(&self, layout: Layout) -> Result<NonNull<u8>, MemoryError> {
        if self.fail {
            return Err(MemoryError::OutOfMemory {
                size: layout.size(),
            });
        }
        let p = self.inner.allocate(layout)?;
        self.log().allocated.push(p.as_ptr() as usize);
        Ok(p)
    }

    unsafe fn release(&self, ptr: NonNull<u8>, layout: Layout) {
        self.log().released.push(ptr.as_ptr() as usize);
        // SAFETY: forwarded unchanged from the ring, which passes back a region
        // from `allocate(layout)` on this value (hence on `inner`).
        unsafe { self.inner.release(ptr, layout) }
    }

    fn first_use(&self, ptr: NonNull<u8>, layout: Layout) {
        self.log()
            .first_use
            .push((ptr.as_ptr() as usize, thread::current().id()));
        self.inner.first_use(ptr, layout);
    }
}

/// Every region released exactly once, first use once per ring, and only
/// on the given producer threads.
fn check_regions(mem: &Recording, rings: usize, producers: &[ThreadId]) {
    let log = mem.log();
    let mut allocated = log.allocated.clone();
    let mut released = log.released.clone();
    allocated.sort_unstable();
    released.sort_unstable();
    assert_eq!(allocated.len(), rings, "one region per ring");
    assert_eq!(allocated, released, "each region released exactly once");
    let mut used: Vec<usize> = log.first_use.iter().map(|&(p, _)| p).collect();
    used.sort_unstable();
    assert_eq!(used, allocated, "first use exactly once per ring");
    for (_, t) in &log.first_use {
        assert!(producers.contains(t), "first use on a producer's thread");
    }
}

const N: u64 = 20_000;

#[test]
fn spsc_and_mpsc_report_and_release() {
    let mem = Recording::new();
    let metrics = Metrics::shared();
    let (mut tx, mut rx) = spsc::Builder::new(Config::default().with_ring_bits(6))
        .memory(mem.clone())
        .observer(metrics.clone())
        .build::<u64>()
        .unwrap();
    let t = thread::spawn(move || {
        (0..N).for_each(|i| tx.send(i).unwrap());
        thread::current().id()
    });
    assert_eq!(rx.iter().sum::<u64>(), N * (N - 1) / 2);
    let producer = t.join().unwrap();
    drop(rx);
    check_regions(&mem, 1, &[producer]);
    assert_eq!(metrics.snapshot().messages_sent, N);
    assert_eq!(metrics.snapshot().messages_received, N);

    let mem = Recording::new();
    let metrics = Metrics::shared();
    let (tx, mut rx) = mpsc::Builder::new(Config::default().with_ring_bits(6))
        .memory(mem.clone())
        .observer(metrics.clone())
        .build::<u64>()
        .unwrap();
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let mut tx = tx.clone();
            thread::spawn(move || {
                (0..N).for_each(|i| tx.send(i).unwrap());
                thread::current().id()
            })
        })
        .collect();
    drop(tx); // its ring was never written: no first use for it
    assert_eq!(rx.iter().count() as u64, 3 * N);
    let producers: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    drop(rx);
    let log = mem.log();
    assert_eq!(log.allocated.len(), 4);
    assert_eq!(log.released.len(), 4);
    assert_eq!(log.first_use.len(), 3);
    assert!(log.first_use.iter().all(|(_, t)| producers.contains(t)));
    drop(log);
    assert_eq!(metrics.snapshot().messages_sent, 3 * N);
    assert_eq!(metrics.snapshot().messages_received, 3 * N);
}

/// How many items `items` yields, and their sum.
fn count_and_sum(items: impl Iterator<Item = u64>) -> (u64, u64) {
    items.fold((0, 0), |(n, s), v| (n + 1, s + v))
}

/// Two consumer threads, each on its own clone of `rx`, each returning
/// `count` of its clone.
fn spawn_two_consumers<C: Clone + Send + 'static>(
    rx: &C,
    count: fn(C) -> (u64, u64),
) -> Vec<thread::JoinHandle<(u64, u64)>> {
    (0..2)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn(move || count(rx))
        })
        .collect()
}

/// Joins consumer threads that each return `count_and_sum` of what they
/// received; the totals.
fn join_counts(consumers: Vec<thread::JoinHandle<(u64, u64)>>) -> (u64, u64) {
    consumers
        .into_iter()
        .map(|h| h.join().unwrap())
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

#[test]
fn spmc_builder_places_observes_and_releases() {
    let mem = Recording::new();
    let metrics = Metrics::shared();
    let (mut tx, rx) = spmc::Builder::new(Config::default().with_ring_bits(6))
        .memory(mem.clone())
        .observer(metrics.clone())
        .build::<u64>()
        .unwrap();
    assert!(mem.log().first_use.is_empty(), "no first use before a send");
    let consumers = spawn_two_consumers(&rx, |mut rx| count_and_sum(rx.iter()));
    drop(rx);
    let producer = thread::spawn(move || {
        (0..N).for_each(|i| tx.send(i).unwrap());
        thread::current().id()
    })
    .join()
    .unwrap();
    let (n, sum) = join_counts(consumers);
    assert_eq!((n, sum), (N, N * (N - 1) / 2));
    check_regions(&mem, 1, &[producer]);
    let snap = metrics.snapshot();
    assert_eq!(snap.messages_sent, N);
    assert_eq!(snap.messages_received, N);
    assert!(snap.batches_received >= 1);
}

#[test]
fn mpmc_builder_places_observes_and_releases() {
    let mem = Recording::new();
    let metrics = Metrics::shared();
    let (tx, rx) = mpmc::Builder::new(Config::default().with_ring_bits(6))
        .memory(mem.clone())
        .observer(metrics.clone())
        .build::<u64>()
        .unwrap();
    let producers: Vec<_> = (0..3u64)
        .map(|p| {
            let mut tx = tx.clone();
            thread::spawn(move || {
                (0..N).for_each(|i| tx.send(p * N + i).unwrap());
                thread::current().id()
            })
        })
        .collect();
    let consumers = spawn_two_consumers(&rx, |mut rx| count_and_sum(rx.iter()));
    drop(rx);
    // `tx` never sends: its ring is allocated but never first-used.
    let producer_ids: Vec<_> = producers.into_iter().map(|h| h.join().unwrap()).collect();
    drop(tx);
    let (n, sum) = join_counts(consumers);
    assert_eq!((n, sum), (3 * N, (0..3 * N).sum::<u64>()));
    let log = mem.log();
    let mut allocated = log.allocated.clone();
    let mut released = log.released.clone();
    allocated.sort_unstable();
    released.sort_unstable();
    assert_eq!(allocated.len(), 4, "the first ring plus one per clone");
    assert_eq!(allocated, released, "each region released exactly once");
    assert_eq!(log.first_use.len(), 3, "only the rings that were written");
    assert!(log.first_use.iter().all(|(_, t)| producer_ids.contains(t)));
    drop(log);
    let snap = metrics.snapshot();
    assert_eq!(snap.messages_sent, 3 * N);
    assert_eq!(snap.messages_received, 3 * N);
}

#[test]
fn a_failing_memory_seam_is_a_build_error_for_every_family() {
    let mut mem = Recording::new();
    mem.fail = true;
    let cfg = Config::default();
    // Each family's builder, given the failing seam, reports a memory error.
    macro_rules! is_memory_error {
        ($family:ident) => {
            matches!(
                $family::Builder::new(cfg)
                    .memory(mem.clone())
                    .build::<u8>()
                    .unwrap_err(),
                BuildError::Memory(_)
            )
        };
    }
    assert!(is_memory_error!(spsc));
    assert!(is_memory_error!(mpsc));
    assert!(is_memory_error!(spmc));
    assert!(is_memory_error!(mpmc));
    assert!(mem.log().allocated.is_empty());
}

#[test]
fn multi_consumer_wait_hooks_are_counted() {
    let metrics = Metrics::shared();
    let (mut tx, mut rx) = spmc::Builder::new(Config::default())
        .observer(metrics.clone())
        .build::<u32>()
        .unwrap();
    let t = thread::spawn(move || rx.recv());
    // Let the consumer go to sleep on the empty ring, then wake it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while metrics.snapshot().waits == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the consumer never reported a wait"
        );
        thread::sleep(std::time::Duration::from_millis(1));
    }
    tx.send(5).unwrap();
    assert_eq!(t.join().unwrap(), Ok(5));
    let snap = metrics.snapshot();
    assert!(snap.waits >= 1 && snap.wakeups >= 1, "{snap:?}");
}
