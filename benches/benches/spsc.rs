//! Criterion: SPSC throughput side by side (issue: ring-core performance).
#![allow(missing_docs)] // reason: criterion_group! generates an undocumented public fn
//!
//! Single-item u64 (with blocking support compiled in) against rtrb and
//! crossbeam-channel; batched (reserve 4K, fill, commit; consume_batch
//! summing) against rtrb chunks and the bare two-thread handoff. The same
//! workloads as `cargo xtask bench` (spsc-single, spsc-batch), which is where
//! the alternating, regime-checked comparison is reported.

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ring_benches::harness::RunResult;
use ring_benches::reference;
use ring_benches::workloads::{self as w, Placement};

const ITEMS: u64 = 1 << 20;

/// Criterion's `iter_custom` wants a duration for `iters` runs; our
/// workloads report throughput, so convert back through the item count.
fn time_of(items: u64, per_second: f64) -> Duration {
    Duration::from_secs_f64(items as f64 / per_second)
}

fn run(r: RunResult) -> f64 {
    match r {
        Ok(s) => s.primary,
        Err(e) => panic!("verification failed: {e}"),
    }
}

fn single(c: &mut Criterion) {
    let mut g = c.benchmark_group("spsc-single");
    g.throughput(Throughput::Elements(ITEMS)).sample_size(10);
    let p = Placement::TwoCores;
    g.bench_function("ringmpsc", |b| {
        b.iter_custom(|it| {
            (0..it)
                .map(|_| time_of(ITEMS, run(w::spsc_single_ours(ITEMS, p)) * 1e6))
                .sum()
        })
    });
    g.bench_function("rtrb", |b| {
        b.iter_custom(|it| {
            (0..it)
                .map(|_| time_of(ITEMS, run(w::spsc_single_rtrb(ITEMS, p)) * 1e6))
                .sum()
        })
    });
    g.bench_function("crossbeam-channel", |b| {
        b.iter_custom(|it| {
            (0..it)
                .map(|_| time_of(ITEMS, run(w::spsc_single_crossbeam(ITEMS, p)) * 1e6))
                .sum()
        })
    });
    g.finish();
}

fn batch(c: &mut Criterion) {
    let items = 4096 * 1024;
    let mut g = c.benchmark_group("spsc-batch");
    g.throughput(Throughput::Bytes(items * 8)).sample_size(10);
    let p = Placement::TwoCores;
    let t = |gbps: f64| time_of(items * 8, gbps * 1e9);
    g.bench_function("ringmpsc reserve/consume_batch", |b| {
        b.iter_custom(|it| {
            (0..it)
                .map(|_| t(run(w::spsc_batch_ours(items, 4096, p))))
                .sum()
        })
    });
    g.bench_function("rtrb chunks", |b| {
        b.iter_custom(|it| {
            (0..it)
                .map(|_| t(run(w::spsc_batch_rtrb(items, 4096, p))))
                .sum()
        })
    });
    g.bench_function("bare handoff", |b| {
        b.iter_custom(|it| {
            (0..it)
                .map(|_| t(run(reference::bare_handoff(items, p))))
                .sum()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = single, batch
}
criterion_main!(benches);
