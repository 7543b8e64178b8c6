//! Test scaffolding shared by the integration tests.
#![allow(dead_code)] // reason: each test file uses a different subset
#![allow(clippy::disallowed_types)] // reason: scaffolding counts with std atomics; no protocol under loom here

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Runs `f` on a thread and fails the test if it does not finish in time:
/// a hang becomes a failure with a message instead of a stuck CI job.
pub(crate) fn watchdog<R: Send + 'static>(secs: u64, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (done_tx, done_rx) = mpsc::channel();
    let h = thread::spawn(move || {
        let r = f();
        let _ = done_tx.send(());
        r
    });
    let limit = if cfg!(miri) { secs * 60 } else { secs };
    match done_rx.recv_timeout(Duration::from_secs(limit)) {
        Ok(()) => h.join().expect("test body panicked"),
        Err(mpsc::RecvTimeoutError::Disconnected) => match h.join() {
            Ok(r) => r,
            Err(p) => std::panic::resume_unwind(p),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("watchdog: test body did not finish within {limit}s (hang)")
        }
    }
}

/// `full` normally, `reduced` under miri.
pub(crate) fn scale(full: usize, reduced: usize) -> usize {
    if cfg!(miri) { reduced } else { full }
}

/// An item that counts its drops.
#[derive(Debug)]
pub(crate) struct Counted {
    pub(crate) id: u64,
    pub(crate) drops: Arc<AtomicUsize>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

pub(crate) fn counted(id: u64, drops: &Arc<AtomicUsize>) -> Counted {
    Counted {
        id,
        drops: drops.clone(),
    }
}

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
    pub(crate) fn count(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }
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
