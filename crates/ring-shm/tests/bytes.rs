//! The shared byte ring over heap images: records, kind checks and a
//! hostile peer (garbage lengths, lengths past the ring or past what is
//! committed, rewritten records, random bytes), without system calls, so
//! miri runs all of it.
#![cfg(target_os = "linux")]

use ring_core::bytes::{SendTimeoutError, TrySendError};
use ring_core::{RecvTimeoutError, TryRecvError, WaitStrategy};
use ring_shm::{SharedByteConsumer, SharedByteProducer, ShmError, ShmImage};
use ringmpsc_testkit::{check_stamped, lengths, small, stamped_record};

const RING: usize = 128; // ring-core header offset
const TAIL: usize = RING; // producer line: tail
const HEAD: usize = RING + 128; // consumer line: head
const SLOTS: usize = 512; // the byte slots

/// Plays the peer: writes `bytes` at `offset` of the image.
fn poke(image: &ShmImage, offset: usize, bytes: &[u8]) {
    // SAFETY: the tests use every handle of `image` on this thread only.
    unsafe { image.write_bytes(offset, bytes) };
}

/// A frame header: `len`, then the kind word ("REC1" or "PAD1").
fn header(len: u32, kind: &[u8; 4]) -> [u8; 8] {
    let mut h = [0; 8];
    h[..4].copy_from_slice(&len.to_ne_bytes());
    h[4..].copy_from_slice(&u32::from_le_bytes(*kind).to_ne_bytes());
    h
}

const REC: &[u8; 4] = b"1CER";
const PAD: &[u8; 4] = b"1DAP";

/// A fresh byte ring of `2^bits` bytes and both its ends.
fn pair(bits: u32) -> (ShmImage, SharedByteProducer, SharedByteConsumer) {
    let image = ShmImage::new_bytes(small(bits)).unwrap();
    let tx = image.byte_producer().unwrap();
    let rx = image.byte_consumer().unwrap();
    (image, tx, rx)
}

#[test]
fn records_flow_in_order_across_wrap_around() {
    let (_image, mut tx, mut rx) = pair(7);
    let max = tx.max_record();
    assert_eq!(max, 56);
    let mut lens = lengths(3, 16, max);
    let mut buf = Vec::new();
    for seq in 0..ringmpsc_testkit::scale(2000, 100) as u64 {
        let r = stamped_record(1, seq, lens.next().unwrap());
        match seq % 3 {
            0 => tx.try_send(&r).unwrap(),
            1 => tx.send_with(&r, WaitStrategy::BusySpin).unwrap(),
            _ => {
                let mut g = tx.try_reserve((r.len() + 5).min(max)).unwrap();
                assert_eq!(g.write(0, &r), r.len());
                g.commit_len(r.len());
            }
        }
        assert_eq!(rx.len(), 1);
        match seq % 2 {
            0 => assert_eq!(rx.try_recv_into(&mut buf), Ok(r.len())),
            _ => assert_eq!(rx.consume_batch(|x| buf = x.to_vec()), 1),
        }
        assert_eq!(check_stamped(&buf), Some((1, seq)));
    }
    assert_eq!(rx.bytes_used(), 0);
}

#[test]
fn a_max_record_fits_an_empty_ring_at_every_position_and_too_large_is_at_once() {
    let (_image, mut tx, mut rx) = pair(6);
    let max = tx.max_record();
    assert!(max >= tx.capacity() / 4);
    for _ in 0..8 {
        tx.try_send(&vec![7; max]).unwrap();
        assert_eq!(rx.try_recv().unwrap(), vec![7; max]);
        tx.try_send(b"").unwrap();
        assert_eq!(rx.try_recv().unwrap(), b"");
    }
    tx.try_send(&vec![1; max]).unwrap();
    tx.try_send(b"").unwrap();
    let too = TrySendError::TooLarge { len: max + 1, max };
    assert_eq!(tx.try_send(&vec![0; max + 1]), Err(too));
    assert_eq!(
        tx.send_with(&vec![0; max + 1], WaitStrategy::Blocking),
        Err(SendTimeoutError::TooLarge { len: max + 1, max })
    );
}

#[test]
fn kinds_never_mix() {
    let bytes = ShmImage::new_bytes(small(6)).unwrap();
    assert!(matches!(
        bytes.validate::<u8>(),
        Err(ShmError::Kind {
            found: 1,
            expected: 0
        })
    ));
    assert!(matches!(bytes.producer::<u8>(), Err(ShmError::Kind { .. })));
    let items = ShmImage::new::<u8>(small(6)).unwrap();
    assert!(matches!(
        items.validate_bytes(),
        Err(ShmError::Kind {
            found: 0,
            expected: 1
        })
    ));
    assert!(matches!(items.byte_consumer(), Err(ShmError::Kind { .. })));
    // A byte ring of fewer than 32 bytes is not a byte ring.
    let mut tiny = ShmImage::new_bytes(small(6)).unwrap().to_vec().unwrap();
    tiny[20..24].copy_from_slice(&4u32.to_le_bytes()); // ring_bits
    tiny[24..32].copy_from_slice(&16u64.to_le_bytes()); // capacity
    assert!(matches!(
        ShmImage::from_bytes(&tiny).validate_bytes(),
        Err(ShmError::Capacity { ring_bits: 4, .. })
    ));
}

/// What the consumer does with one hostile frame written at slot 0 (with
/// `committed` bytes published).
fn consume_hostile(frame: &[u8], committed: u64) -> (Result<Vec<u8>, TryRecvError>, ShmImage) {
    let image = ShmImage::new_bytes(small(6)).unwrap();
    let mut rx = image.byte_consumer().unwrap();
    poke(&image, SLOTS, frame);
    poke(&image, TAIL, &committed.to_le_bytes());
    let r = rx.try_recv();
    if r.is_err() {
        assert!(rx.is_closed(), "a bad frame closes the consumer side");
        assert!(rx.frame_corruption().is_some() || r == Err(TryRecvError::Closed));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "and stays closed");
        assert_eq!(rx.consume_batch(|_| unreachable!()), 0);
        assert_eq!(
            rx.recv_with(WaitStrategy::Blocking),
            Err(RecvTimeoutError::Closed)
        );
    }
    (r, image)
}

#[test]
fn garbage_lengths_are_closed_never_read_out_of_bounds() {
    let cases: [(&[u8], u64, &str); 7] = [
        (&header(1 << 30, REC), 64, "a length past the ring"),
        (&header(24, REC), 16, "a length past what is committed"),
        (&header(u32::MAX, REC), 64, "the largest length"),
        (&header(25, REC), 64, "a length past max_record"),
        (&header(0, b"junk"), 8, "an unknown kind"),
        (&header(8, PAD), 64, "padding that does not reach the end"),
        (&[0; 8], 8, "zeroes"),
    ];
    for (frame, committed, what) in cases {
        let (r, _image) = consume_hostile(frame, committed);
        assert_eq!(r, Err(TryRecvError::Closed), "{what}");
    }
    // Padding that reaches the end with no record behind it (the head is
    // the consumer's own: it takes it from the header at the claim).
    let image = ShmImage::new_bytes(small(6)).unwrap();
    poke(&image, HEAD, &56u64.to_le_bytes());
    poke(&image, TAIL, &64u64.to_le_bytes());
    poke(&image, SLOTS + 56, &header(0, PAD));
    let mut rx = image.byte_consumer().unwrap();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(rx.frame_corruption().map(|c| c.pos), Some(56));
}

#[test]
fn a_misaligned_tail_is_refused_at_the_claim() {
    let image = ShmImage::new_bytes(small(6)).unwrap();
    poke(&image, TAIL, &3u64.to_le_bytes());
    poke(&image, HEAD, &3u64.to_le_bytes());
    assert!(matches!(
        image.byte_producer(),
        Err(ShmError::IndexCorrupt(_))
    ));
    // The role was not consumed: a repaired ring can still be claimed.
    poke(&image, TAIL, &0u64.to_le_bytes());
    poke(&image, HEAD, &0u64.to_le_bytes());
    assert!(image.byte_producer().is_ok());
}

/// A record rewritten by the peer after it was published (and before or
/// while it is copied) is received as a garbage record of a checked length,
/// or closes the ring: never a read outside it.
#[test]
fn a_rewritten_record_is_garbage_of_a_checked_length_or_closed() {
    let (image, mut tx, mut rx) = pair(6);
    tx.try_send(b"honest payload!!").unwrap(); // 16 bytes at slot 8
    poke(&image, SLOTS + 8, &[0xEE; 16]); // payload rewritten: garbage, same length
    assert_eq!(rx.try_recv().unwrap(), [0xEE; 16]);
    tx.try_send(b"second").unwrap(); // header at slot 24
    poke(&image, SLOTS + 24, &header(40, REC)); // length rewritten past the committed bytes
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    let c = rx.frame_corruption().expect("recorded");
    assert_eq!((c.pos, c.len), (24, 40));
    assert_eq!(tx.try_send(b"x"), Err(TrySendError::Closed));
}

/// Random bytes anywhere in the headers and the slots, then every
/// operation; nothing may crash or touch memory outside the image (miri
/// checks the latter).
#[test]
fn random_bytes_never_crash() {
    let mut rnd = ringmpsc_testkit::xorshift(0x2545_F491_4F6C_DD1Du64);
    let rounds = if cfg!(miri) { 12 } else { 2000 };
    let size = ShmImage::new_bytes(small(6)).unwrap().len();
    for round in 0..rounds {
        let image = ShmImage::new_bytes(small(6)).unwrap();
        let (Ok(mut tx), Ok(mut rx)) = (image.byte_producer(), image.byte_consumer()) else {
            continue;
        };
        let mut buf = Vec::new();
        for i in 0..16usize {
            let _ = tx.try_send(&vec![i as u8; (round + i) % 30]);
            let off = if rnd().is_multiple_of(2) {
                SLOTS + (rnd() % 64) as usize
            } else {
                (rnd() as usize) % size
            };
            poke(
                &image,
                off,
                &rnd().to_ne_bytes()[..(rnd() % 8 + 1) as usize],
            );
            if let Ok(n) = rx.try_recv_into(&mut buf) {
                assert!(n <= rx.capacity() / 2, "a length the checks let through");
            }
            let _ = rx.consume_batch(|r| assert!(r.len() <= 24));
            let _ = (rx.len(), rx.bytes_used(), tx.bytes_used(), rx.is_empty());
            let _ = tx.try_reserve(8).map(|mut g| {
                g.write(0, b"abc");
                g.commit_len(3);
            });
        }
    }
}

#[test]
fn close_and_liveness_as_shared_rings() {
    let (image, mut tx, mut rx) = pair(6);
    assert!(matches!(image.byte_producer(), Err(ShmError::RoleTaken)));
    assert!(tx.is_consumer_alive() && rx.is_producer_alive());
    assert_eq!(rx.producer_pid(), std::process::id());
    tx.try_send(b"kept").unwrap();
    rx.close();
    assert_eq!(tx.try_send(b"refused"), Err(TrySendError::Closed));
    assert_eq!(
        tx.reserve_with(1, WaitStrategy::Blocking).unwrap_err(),
        SendTimeoutError::Closed
    );
    assert_eq!(rx.recv().unwrap(), b"kept");
    assert!(rx.recv().is_err());
    assert_eq!(rx.frame_corruption(), None);
}
