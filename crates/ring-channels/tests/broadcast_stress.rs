//! Broadcast under load through the public API: one publisher, three
//! subscribers, `[u64; 4]` items whose check words expose a torn value.
//! Under `Block` every subscriber sees every item in order; under
//! `Overwrite` that sequence minus exactly the gaps it was told about.
//! Every value (and every clone) is dropped exactly once.
#![allow(clippy::disallowed_types)] // reason: test scaffolding counts with std atomics; no protocol under loom here

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use ring_channels::broadcast::{self, Overflow, RecvError};
use ring_core::Config;
use ringmpsc_testkit::{Counted, counted, scale, watchdog};

/// An item whose four words are derived from its sequence number; a copy
/// mixing two items (a torn read) fails `check`.
#[derive(Debug, Clone)]
struct Tick {
    words: [u64; 4],
    _drops: Counted,
}

impl Tick {
    fn new(seq: u64, drops: &Arc<AtomicUsize>) -> Self {
        let a = seq.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let b = !seq ^ 0xA5A5_A5A5_5A5A_5A5A;
        let words = [seq, a, b, seq ^ a ^ b.rotate_left(17)];
        Tick {
            words,
            _drops: counted(seq, drops),
        }
    }

    /// The sequence number, after checking every word against it.
    fn check(&self) -> u64 {
        let [seq, a, b, c] = self.words;
        assert_eq!(a, seq.wrapping_mul(0x9E37_79B9_7F4A_7C15), "torn: {self:?}");
        assert_eq!(b, !seq ^ 0xA5A5_A5A5_5A5A_5A5A, "torn: {self:?}");
        assert_eq!(c, seq ^ a ^ b.rotate_left(17), "torn: {self:?}");
        seq
    }
}

/// Receives until `Closed`: every item checked and in order, each gap
/// exactly as reported; (items received, items reported lost).
fn subscriber(mut rx: broadcast::Subscriber<Tick>) -> (u64, u64) {
    let (mut next, mut got, mut lost) = (0u64, 0u64, 0u64);
    loop {
        match rx.recv() {
            Ok(t) => {
                assert_eq!(t.check(), next, "out of order or an unreported gap");
                next += 1;
                got += 1;
            }
            Err(RecvError::Lagged(n)) => {
                next += n;
                lost += n;
            }
            Err(RecvError::Closed) => return (got, lost),
        }
    }
}

fn run(overflow: Overflow) {
    let total = scale(1_000_000, 500) as u64;
    let drops = Arc::new(AtomicUsize::new(0));
    let config = Config::default().with_ring_bits(8);
    let (mut tx, rx) = broadcast::channel::<Tick>(config, overflow);
    let subs: Vec<_> = (0..3)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn(move || subscriber(rx))
        })
        .collect();
    drop(rx);
    for seq in 0..total {
        tx.send(Tick::new(seq, &drops)).unwrap();
    }
    drop(tx);
    let mut received = 0;
    for h in subs {
        let (got, lost) = h.join().unwrap();
        assert_eq!(got + lost, total, "{overflow:?}: items and gaps add up");
        if overflow == Overflow::Block {
            assert_eq!(lost, 0, "nothing is lost under Block");
        }
        received += got;
    }
    // Every handle is gone: each value and each clone received was dropped once.
    assert_eq!(
        drops.load(Ordering::SeqCst) as u64,
        total + received,
        "{overflow:?}: drops"
    );
}

#[test]
fn block_every_subscriber_sees_every_item_in_order() {
    watchdog(300, || run(Overflow::Block));
}

#[test]
fn overwrite_every_subscriber_sees_every_item_minus_counted_gaps() {
    watchdog(300, || run(Overflow::Overwrite));
}
