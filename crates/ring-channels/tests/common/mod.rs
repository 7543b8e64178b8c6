//! Test scaffolding shared by the integration tests (the general helpers
//! come from `ringmpsc_testkit`).
#![allow(dead_code)] // reason: each test file uses a different subset

use std::thread;

/// A bitmap of seen ids that fails on a duplicate.
pub(crate) struct Seen(Vec<u64>);

impl Seen {
    pub(crate) fn new(n: usize) -> Self {
        Seen(vec![0; n.div_ceil(64)])
    }
    pub(crate) fn insert(&mut self, id: u64) {
        let (w, b) = ((id / 64) as usize, id % 64);
        assert!(self.0[w] & (1 << b) == 0, "item {id} received twice");
        self.0[w] |= 1 << b;
    }
    pub(crate) fn merge(&mut self, other: &Seen) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            assert!(*a & *b == 0, "an item was received by two consumers");
            *a |= *b;
        }
    }
    /// Joins consumer threads that each return their own bitmap and merges
    /// them (failing if two consumers received the same item).
    pub(crate) fn join_all(n: usize, hs: Vec<thread::JoinHandle<Seen>>) -> Seen {
        let mut all = Seen::new(n);
        for h in hs {
            all.merge(&h.join().unwrap());
        }
        all
    }
    /// Spawns `consumers` threads, each with its own clone of `rx` and
    /// bitmap of `n` items, calling `step(k, rx, seen)` (consumer `k`) until
    /// it says the channel is done; [`Seen::join_all`] merges what they return.
    pub(crate) fn spawn_consumers<R: Clone + Send + 'static>(
        rx: &R,
        consumers: usize,
        n: usize,
        step: fn(usize, &mut R, &mut Seen) -> bool,
    ) -> Vec<thread::JoinHandle<Seen>> {
        (0..consumers)
            .map(|k| {
                let mut rx = rx.clone();
                thread::spawn(move || {
                    let mut seen = Seen::new(n);
                    while !step(k, &mut rx, &mut seen) {}
                    seen
                })
            })
            .collect()
    }
    pub(crate) fn count(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }
}

/// Sends `v` through `send` from a short-lived clone of `tx`: the clone
/// registers (takes a ring), commits and deregisters.
pub(crate) fn send_from_a_clone<P: Clone>(tx: &P, v: u32, send: impl FnOnce(&mut P, u32)) {
    let mut p = tx.clone();
    send(&mut p, v);
    drop(p);
}

/// xorshift64*: a small deterministic generator for chaos tests.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}
