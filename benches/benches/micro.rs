//! Criterion: single-thread micro-operations for regression tracking.
#![allow(missing_docs)] // reason: criterion_group! generates an undocumented public fn

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ringmpsc::primitives::Config;
use ringmpsc::spsc;

fn micro(c: &mut Criterion) {
    let mut g = c.benchmark_group("micro");
    let (mut tx, mut rx) = spsc::channel::<u64>(Config::default().with_ring_bits(12));
    g.throughput(Throughput::Elements(1));
    g.bench_function("try_send+try_recv", |b| {
        b.iter(|| {
            tx.try_send(black_box(7)).expect("room");
            black_box(rx.try_recv().expect("item"))
        })
    });
    g.throughput(Throughput::Elements(1024));
    g.bench_function("reserve(1024)+fill_with+consume_batch", |b| {
        b.iter(|| {
            let n = tx.reserve(1024).map_or(0, |r| r.fill_with(|i| i as u64));
            let mut sum = 0u64;
            rx.consume_batch(|x| sum = sum.wrapping_add(*x));
            black_box((n, sum))
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = micro
}
criterion_main!(benches);
