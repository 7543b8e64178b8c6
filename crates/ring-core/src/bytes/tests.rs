//! Unit tests of the byte-record framing (small sizes: they run under miri).

use super::*;
use crate::TryRecvError;
use crate::spsc::Builder;
use alloc::vec;
use alloc::vec::Vec;

fn small(bits: u32) -> Config {
    Config::default().with_ring_bits(bits)
}

/// A byte ring whose positions start at `start`.
fn ring_at(bits: u32, start: u64) -> (ByteWriter, spsc::Consumer<u8>) {
    let (tx, rx) = Builder::new(small(bits))
        .start_position(start)
        .build::<u8>()
        .unwrap();
    (ByteWriter::new(tx), rx)
}

fn record(i: usize, len: usize) -> Vec<u8> {
    (0..len).map(|k| (i * 31 + k) as u8).collect()
}

fn recv(rx: &mut spsc::Consumer<u8>) -> Result<Vec<u8>, TryRecvError> {
    try_recv(rx).map(|r| r.to_vec())
}

#[test]
fn records_round_trip_across_every_wrap_position() {
    for start in [0, u64::MAX - 31] {
        let (mut w, mut rx) = ring_at(6, start);
        let max = w.max_record();
        assert_eq!(max, 24);
        for i in 0..40 {
            let len = (i * 7) % (max + 1);
            let r = record(i, len);
            w.try_send(&r).unwrap();
            assert_eq!(recv(&mut rx).unwrap(), r, "record {i} of {len} bytes");
            assert_eq!(w.bytes_used(), 0);
        }
        assert_eq!(recv(&mut rx), Err(TryRecvError::Empty));
    }
}

#[test]
fn a_max_record_fits_an_empty_ring_wherever_the_write_position_is() {
    for bits in [5, 6, 7] {
        let (mut w, mut rx) = ring(bits);
        let cap = w.capacity();
        assert!(w.max_record() >= cap / 4);
        for _ in 0..cap / frame::ALIGN {
            // Dropped at once: nothing published.
            let _ = w.try_reserve(w.max_record()).expect("fits an empty ring");
            assert_eq!(recv(&mut rx), Err(TryRecvError::Empty));
            w.try_send(&[]).unwrap(); // moves the write position by 8
            assert_eq!(recv(&mut rx).unwrap(), b"");
        }
    }
}

fn ring(bits: u32) -> (ByteWriter, spsc::Consumer<u8>) {
    super::ring(small(bits))
}

#[test]
fn too_large_wins_at_once_over_full_and_closed() {
    let (mut w, rx) = ring(5);
    assert_eq!(w.max_record(), 8);
    let too = TrySendError::TooLarge { len: 9, max: 8 };
    assert_eq!(w.try_send(&[0; 9]).unwrap_err(), too);
    w.try_send(&[1; 8]).unwrap();
    w.try_send(&[2; 8]).unwrap();
    assert_eq!(w.try_send(&[3]).unwrap_err(), TrySendError::Full);
    assert_eq!(w.try_reserve(9).unwrap_err(), too);
    drop(rx);
    assert_eq!(w.try_send(&[3]).unwrap_err(), TrySendError::Closed);
    assert_eq!(w.try_reserve(9).unwrap_err(), too);
}

#[test]
fn a_grant_publishes_what_it_commits_and_nothing_when_dropped() {
    let (mut w, mut rx) = ring(6);
    let mut g = w.try_reserve(10).unwrap();
    assert_eq!(g.len(), 10);
    assert!(g.iter().all(|&b| b == 0), "fresh room reads as zeros");
    g.copy_from_slice(b"0123456789");
    let _ = g; // never committed: nothing is published
    assert_eq!(w.bytes_used(), 0);
    let mut g = w.try_reserve(10).unwrap();
    g[..3].copy_from_slice(b"abc");
    g.commit_len(3);
    let mut g = w.try_reserve(0).unwrap();
    assert!(g.is_empty());
    assert_eq!(&mut g[..], &mut []);
    g.commit();
    assert_eq!(records(&rx), 2);
    assert_eq!(w.bytes_used(), 16 + 8);
    assert_eq!(recv(&mut rx).unwrap(), b"abc");
    assert_eq!(recv(&mut rx).unwrap(), b"");
    assert_eq!(records(&rx), 0);
}

#[test]
#[should_panic(expected = "exceeds the 2 reserved bytes")]
fn commit_len_past_the_grant_panics() {
    let (mut w, _rx) = ring(6);
    w.try_reserve(2).unwrap().commit_len(3);
}

#[test]
fn a_padding_frame_fills_the_tail_end() {
    let (mut w, mut rx) = ring(5); // 32 bytes
    w.try_send(b"").unwrap(); // [0, 8)
    w.try_send(&[7; 8]).unwrap(); // [8, 24)
    assert_eq!(recv(&mut rx).unwrap(), b"");
    assert_eq!(w.try_send(&[9; 8]), Err(TrySendError::Full)); // 8 pad + 16 > 16 free
    assert_eq!(recv(&mut rx).unwrap(), [7; 8]);
    w.try_send(&[9; 8]).unwrap(); // pad [24, 32), record [32, 48)
    assert_eq!(w.bytes_used(), 24);
    assert_eq!(records(&rx), 1);
    let r = try_recv(&mut rx).unwrap();
    assert_eq!(&*r, [9; 8]);
    drop(r);
    assert_eq!(w.bytes_used(), 0, "the padding is released with the record");
}

#[test]
#[cfg(feature = "std")] // catch_unwind
fn consume_up_to_releases_once_and_counts_a_panicking_handler() {
    let (mut w, mut rx) = ring(7);
    for i in 0..5u8 {
        w.try_send(&[i; 3]).unwrap();
    }
    let mut seen = Vec::new();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        consume_up_to(&mut rx, usize::MAX, |r| {
            seen.push(r[0]);
            assert!(r[0] != 1, "handler panics on record 1");
        })
    }));
    assert!(r.is_err());
    assert_eq!(seen, [0, 1]);
    assert_eq!(
        records(&rx),
        3,
        "the record it panicked on counts as received"
    );
    assert_eq!(consume_up_to(&mut rx, 2, |_| {}), 2);
    assert_eq!(recv(&mut rx).unwrap(), [4; 3]);
    assert_eq!(consume_up_to(&mut rx, 2, |_| {}), 0);
}

/// Plain bytes put into an SPSC `u8` ring by safe code are never read as a
/// frame past what is committed: the reader reports `Closed` and empties
/// the ring.
#[test]
fn garbage_in_the_ring_is_closed_never_read_out_of_bounds() {
    let cases: Vec<Vec<u8>> = vec![
        vec![1, 2, 3],                              // shorter than a header
        vec![0; 8],                                 // kind 0
        vec![200, 0, 0, 0, 0x31, 0x43, 0x45, 0x52], // "REC1", length past the ring
        vec![16, 0, 0, 0, 0x31, 0x43, 0x45, 0x52],  // length past what is committed
        vec![0, 0, 0, 0, 0x31, 0x44, 0x41, 0x50],   // padding that does not reach the end
    ];
    for bytes in cases {
        let (mut tx, mut rx) = spsc::channel::<u8>(small(6));
        let mut bytes = bytes;
        if cfg!(target_endian = "big") && bytes.len() == 8 {
            bytes[..4].reverse();
            bytes[4..].reverse();
        }
        assert_eq!(tx.send_slice(&bytes), bytes.len());
        assert_eq!(records(&rx), 0);
        assert_eq!(recv(&mut rx), Err(TryRecvError::Closed), "{bytes:?}");
        assert!(tx.is_closed() && rx.is_empty());
        assert_eq!(consume_up_to(&mut rx, 1, |_| unreachable!()), 0);
    }
}

#[test]
fn a_padding_frame_without_a_record_behind_it_is_corrupt() {
    use crate::raw::{RawConsumer, RawProducer};
    let (tx, rx) = Builder::new(small(5))
        .start_position(24)
        .build::<u8>()
        .unwrap();
    // SAFETY: the handles are kept alive (and unused) while these raw sides work on
    // their ring; they are its only producer and consumer meanwhile.
    let mut p = unsafe { RawProducer::<u8>::new(*tx.raw.ring()) };
    // SAFETY: as above.
    let c = unsafe { RawConsumer::<u8>::new(*rx.raw.ring()) };
    assert_eq!(p.refresh(), Ok(32));
    let d = p.slots_for_write(0, 8);
    let mut h = [0; 8];
    h[4..].copy_from_slice(&0x5041_4431u32.to_ne_bytes()); // "PAD1", length 0
    // SAFETY: 8 vacant bytes at the tail (slot 24), written before publishing.
    unsafe { core::ptr::copy_nonoverlapping(h.as_ptr(), d, 8) };
    // SAFETY: 8 bytes, free and initialised just above.
    unsafe { p.publish(8) };
    let avail = c.refresh().unwrap();
    // SAFETY: offset 0 below `avail`, nothing released.
    let e = unsafe { frame::read(&c, 0, avail) }.unwrap_err();
    assert_eq!((e.pos, e.avail, e.kind), (24, 8, 0x5041_4431));
    drop((tx, rx));
}
