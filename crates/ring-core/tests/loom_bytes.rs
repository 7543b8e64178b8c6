//! Loom models of the byte-record framing on the single-consumer ring.
//!
//! Run with `cargo xtask loom` (`RUSTFLAGS="--cfg ring_loom"`). Every byte a
//! frame writes or reads is a tracked slot, so a header or payload read that
//! is not ordered after its write (or a write racing a read of the previous
//! lap) is reported; the padding frame at the wrap point is written and
//! released with its record.
#![cfg(ring_loom)]

use loom::thread;

use ring_core::bytes::{self, ByteWriter, SendTimeoutError, TrySendError};
use ring_core::spsc::{self, Builder};
use ring_core::{Config, TryRecvError, WaitStrategy};

/// Go straight to the futex: the interesting interleavings are around the sleep.
const SLEEP: WaitStrategy = WaitStrategy::PhasedBackoff { spin: 0, yield_: 0 };

/// A 32-byte ring (records of up to 8 bytes) whose positions start at `start`.
fn ring(start: u64) -> (ByteWriter, spsc::Consumer<u8>) {
    let (tx, rx) = Builder::new(Config::default().with_ring_bits(5))
        .start_position(start)
        .build::<u8>()
        .unwrap();
    (ByteWriter::new(tx), rx)
}

/// Receives records until `n` arrived, yielding while the ring is empty.
fn recv_n(rx: &mut spsc::Consumer<u8>, n: usize) -> Vec<Vec<u8>> {
    let mut got = Vec::new();
    while got.len() < n {
        match bytes::try_recv(rx) {
            Ok(r) => got.push(r.to_vec()),
            Err(TryRecvError::Empty) => thread::yield_now(),
            Err(TryRecvError::Closed) => panic!("closed before all records arrived"),
        }
    }
    got
}

/// Three records through a 32-byte ring: the third does not fit before the
/// end of the slot array, so a padding frame goes first, published with it.
fn wrap_padding(start: u64) {
    loom::model(move || {
        let (mut w, mut rx) = ring(start);
        let records: [&[u8]; 3] = [b"", &[1; 8], &[2; 8]];
        let p = thread::spawn(move || {
            for r in records {
                loop {
                    match w.try_send(r) {
                        Ok(()) => break,
                        Err(TrySendError::Full) => thread::yield_now(),
                        Err(e) => panic!("{e}"),
                    }
                }
            }
        });
        assert_eq!(recv_n(&mut rx, 3), records);
        p.join().unwrap();
    });
}

#[test]
fn publish_and_consume_with_a_wrap_padding_record() {
    wrap_padding(0);
}

/// Positions cross `u64::MAX`, and the second record already needs padding.
#[test]
fn publish_and_consume_with_padding_across_u64_max() {
    wrap_padding(u64::MAX - 15);
}

/// A producer asleep for room (its record needs padding plus a frame: 24
/// bytes of 32, with 24 in use) is woken by the consumer's releases.
#[test]
fn a_producer_blocked_for_room_is_woken_by_a_consume() {
    loom::model(|| {
        let (mut w, mut rx) = ring(0);
        w.try_send(b"").unwrap();
        w.try_send(&[1; 8]).unwrap();
        let p = thread::spawn(move || {
            let r = w.send_with(&[2; 8], SLEEP);
            (r, w)
        });
        assert_eq!(recv_n(&mut rx, 2), [&b""[..], &[1; 8]]);
        let (r, w) = p.join().unwrap();
        assert_eq!(r, Ok(()));
        assert_eq!(recv_n(&mut rx, 1), [[2; 8]]);
        drop(w);
    });
}

/// A producer asleep for room is woken by the consumer's drop: `Closed`.
#[test]
fn a_producer_blocked_for_room_is_woken_by_the_consumers_drop() {
    loom::model(|| {
        let (mut w, rx) = ring(0);
        w.try_send(&[1; 8]).unwrap();
        w.try_send(&[2; 8]).unwrap();
        let p = thread::spawn(move || w.send_with(b"x", SLEEP));
        drop(rx);
        assert_eq!(p.join().unwrap(), Err(SendTimeoutError::Closed));
    });
}
