//! The shared ring over heap images: protocol, validation and hostile-peer
//! behaviour without system calls, so miri runs all of it.
#![cfg(target_os = "linux")]

use std::time::Duration;

use ring_core::{RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError};
use ring_shm::{ShmError, ShmImage};
use ringmpsc_testkit::small;

const RING: usize = 128; // ring-core header offset
const TAIL: usize = RING; // producer line: tail
const HEAD: usize = RING + 128; // consumer line: head
const CONSUMER_PID: usize = 76;

fn put_u64(image: &ShmImage, offset: usize, v: u64) {
    // SAFETY: the tests use every handle of `image` on this thread only.
    unsafe { image.write_bytes(offset, &v.to_le_bytes()) };
}

#[test]
fn items_flow_in_order_across_wrap_around() {
    let image = ShmImage::new::<[u32; 3]>(small(3)).unwrap();
    let mut tx = image.producer::<[u32; 3]>().unwrap();
    let mut rx = image.consumer::<[u32; 3]>().unwrap();
    let total: u32 = if cfg!(miri) { 200 } else { 20_000 };
    let (mut next_tx, mut next_rx) = (0u32, 0u32);
    let mut buf = Vec::new();
    let mut round = 0;
    while next_rx < total {
        round += 1;
        // Alternate the producer's paths.
        match round % 4 {
            3 => {
                if let Some(r) = tx.reserve(4) {
                    let items: Vec<_> = (next_tx..total.min(next_tx + 4))
                        .map(|i| [i, !i, i ^ 0x5555])
                        .collect();
                    next_tx += r.copy_from_slice(&items) as u32;
                }
            }
            0 => {
                while next_tx < total && tx.try_send([next_tx, !next_tx, next_tx ^ 0x5555]).is_ok()
                {
                    next_tx += 1;
                }
            }
            1 => {
                let items: Vec<_> = (next_tx..total.min(next_tx + 5))
                    .map(|i| [i, !i, i ^ 0x5555])
                    .collect();
                next_tx += tx.send_slice(&items) as u32;
            }
            _ => {
                if let Some(r) = tx.reserve(3) {
                    let end = total.min(next_tx + r.len() as u32);
                    next_tx += r.fill_from_iter((next_tx..end).map(|i| [i, !i, i ^ 0x5555])) as u32;
                }
            }
        }
        // And the consumer's (a different period, so every pair meets).
        let mut check = |v: [u32; 3]| {
            assert_eq!(v, [next_rx, !next_rx, next_rx ^ 0x5555]);
            next_rx += 1;
        };
        match round % 5 {
            4 => {}
            0 => {
                while let Ok(v) = rx.try_recv() {
                    check(v);
                }
            }
            1 => {
                buf.clear();
                rx.recv_many(&mut buf, 3);
                buf.iter().for_each(|&v| check(v));
            }
            2 => {
                let mut out = [[0; 3]; 2];
                let n = rx.recv_slice(&mut out);
                out[..n].iter().for_each(|&v| check(v));
            }
            _ => {
                rx.consume_batch(|&v| check(v));
            }
        }
    }
    assert_eq!(next_tx, total);
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn close_and_roles() {
    let image = ShmImage::new::<u64>(small(2)).unwrap();
    let mut tx = image.producer::<u64>().unwrap();
    let mut rx = image.consumer::<u64>().unwrap();
    assert!(matches!(image.producer::<u64>(), Err(ShmError::RoleTaken)));
    assert!(matches!(image.consumer::<u64>(), Err(ShmError::RoleTaken)));
    tx.send_slice(&[1, 2, 3]);
    tx.close();
    assert_eq!(tx.try_send(4), Err(TrySendError::Closed(4)));
    assert_eq!(rx.recv(), Ok(1));
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(2));
    assert_eq!(rx.recv(), Ok(3));
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(5)),
        Err(RecvTimeoutError::Closed)
    );
    // A dropped role stays taken.
    drop(rx);
    assert!(matches!(image.consumer::<u64>(), Err(ShmError::RoleTaken)));
}

#[test]
fn consumer_close_is_seen_by_the_producer() {
    let image = ShmImage::new::<u8>(small(1)).unwrap();
    let mut tx = image.producer::<u8>().unwrap();
    let rx = image.consumer::<u8>().unwrap();
    tx.send_slice(&[1, 2]);
    drop(rx);
    assert!(matches!(
        tx.send_timeout(3, Duration::from_secs(5)),
        Err(SendTimeoutError::Closed(3))
    ));
}

#[test]
fn timeouts_on_empty_and_full() {
    let image = ShmImage::new::<u8>(small(1)).unwrap();
    let mut tx = image.producer::<u8>().unwrap();
    let mut rx = image.consumer::<u8>().unwrap();
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(2)),
        Err(RecvTimeoutError::Timeout)
    );
    tx.send_slice(&[1, 2]);
    assert!(
        tx.send_timeout(3, Duration::from_millis(2))
            .unwrap_err()
            .is_timeout()
    );
    assert!(tx.reserve(1).is_none());
}

#[test]
fn tail_far_ahead_of_head_closes_the_consumer() {
    let image = ShmImage::new::<u64>(small(2)).unwrap();
    let mut rx = image.consumer::<u64>().unwrap();
    put_u64(&image, TAIL, 1 << 40); // the "producer" writes an impossible tail
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    let c = rx.corruption().expect("the violation is recorded");
    assert_eq!((c.head, c.tail, c.capacity), (0, 1 << 40, 4));
    assert_eq!(rx.recv(), Err(ring_core::RecvError));
    let mut out = [0; 4];
    assert_eq!(rx.recv_slice(&mut out), 0);
    assert_eq!(rx.consume_batch(|_| unreachable!()), 0);
}

#[test]
fn head_past_tail_closes_the_producer() {
    let image = ShmImage::new::<u64>(small(2)).unwrap();
    let mut tx = image.producer::<u64>().unwrap();
    tx.send_slice(&[1, 2, 3, 4]);
    put_u64(&image, HEAD, 9); // ahead of tail 4
    assert_eq!(tx.try_send(5), Err(TrySendError::Closed(5)));
    assert!(tx.corruption().is_some());
}

/// A role refused because the ring's indices are impossible.
fn assert_index_corrupt<T: std::fmt::Debug>(role: Result<T, ShmError>) {
    assert!(matches!(role, Err(ShmError::IndexCorrupt(_))), "{role:?}");
}

#[test]
fn corrupt_indices_are_refused_when_a_role_is_taken() {
    let image = ShmImage::new::<u64>(small(2)).unwrap();
    put_u64(&image, TAIL, 100);
    assert_index_corrupt(image.consumer::<u64>());
    let image = ShmImage::new::<u64>(small(2)).unwrap();
    put_u64(&image, HEAD, 1);
    assert_index_corrupt(image.producer::<u64>());
}

#[test]
fn garbage_slots_are_only_garbage_values() {
    let image = ShmImage::new::<f64>(small(3)).unwrap();
    let mut tx = image.producer::<f64>().unwrap();
    let mut rx = image.consumer::<f64>().unwrap();
    tx.send_slice(&[1.0; 8]);
    let slots = image.validate::<f64>().unwrap().slots_offset();
    // SAFETY: handles are used on this thread only.
    unsafe { image.write_bytes(slots, &[0xFF; 64]) }; // NaNs
    let mut n = 0;
    rx.consume_batch(|v| {
        assert!(v.is_nan());
        n += 1;
    });
    assert_eq!(n, 8);
}

#[test]
fn a_silent_peer_without_pidfd_counts_as_dead() {
    let image = ShmImage::new::<u8>(small(1)).unwrap();
    let mut tx = image.producer::<u8>().unwrap();
    // A consumer "process" that can never be verified through a pidfd
    // (unknown start time) and never beats.
    // SAFETY: handles are used on this thread only.
    unsafe { image.write_bytes(CONSUMER_PID, &(u32::MAX - 1).to_le_bytes()) };
    tx.set_heartbeat_timeout(Duration::from_millis(20));
    tx.set_liveness_interval(Duration::from_millis(5));
    assert!(
        tx.is_consumer_alive(),
        "first sight counts as a sign of life"
    );
    tx.send_slice(&[1, 2]);
    // The ring is full and the consumer silent: the blocking send gives up.
    assert!(matches!(tx.send(3), Err(ring_core::SendError(3))));
    assert!(!tx.is_consumer_alive());
    assert!(matches!(tx.check_consumer(), Err(ShmError::PeerDead)));
}

#[test]
fn validation_errors_on_images() {
    let good = ShmImage::new::<u32>(small(4))
        .unwrap()
        .to_vec()
        .expect("no handle exists");
    let check = |mutate: &dyn Fn(&mut Vec<u8>)| {
        let mut b = good.clone();
        mutate(&mut b);
        ShmImage::from_bytes(&b).validate::<u32>().unwrap_err()
    };
    assert!(matches!(
        check(&|b| b.truncate(100)),
        ShmError::Truncated { len: 100, .. }
    ));
    assert!(matches!(
        check(&|b| b.truncate(560)),
        ShmError::SizeMismatch { .. }
    ));
    assert!(matches!(check(&|b| b[0] = b'R'), ShmError::BadMagic { .. }));
    assert!(matches!(
        check(&|b| b[8] = 1),
        ShmError::Version { found: 1, .. }
    ));
    assert!(matches!(
        check(&|b| b[60] = 1),
        ShmError::Kind {
            found: 1,
            expected: 0
        }
    ));
    assert!(matches!(
        check(&|b| b[12] = 8),
        ShmError::ElementSize {
            found: 8,
            expected: 4
        }
    ));
    assert!(matches!(
        check(&|b| b[16] = 8),
        ShmError::ElementAlign { found: 8, .. }
    ));
    assert!(matches!(
        check(&|b| b[24] = 17),
        ShmError::Capacity { capacity: 17, .. }
    ));
    assert!(matches!(
        check(&|b| b[20] = 5),
        ShmError::Capacity { ring_bits: 5, .. }
    ));
    assert!(matches!(
        check(&|b| b[RING + 260] = 7),
        ShmError::RingHeaderVersion { found: 7, .. }
    ));
    assert!(matches!(
        check(&|b| b[RING + 264] = 3),
        ShmError::RingHeaderCapacity { found: 3, .. }
    ));
    assert!(matches!(
        ShmImage::from_bytes(&good).validate::<u64>(),
        Err(ShmError::ElementSize { .. })
    ));
}

/// A small deterministic fuzz loop (the proptest version is in prop.rs):
/// random bytes anywhere in the headers, then every operation; nothing may
/// crash or touch memory outside the image (miri checks the latter).
#[test]
fn random_header_bytes_never_crash() {
    let mut rnd = ringmpsc_testkit::xorshift(0x9E37_79B9_7F4A_7C15u64);
    let rounds = if cfg!(miri) { 12 } else { 2000 };
    for _ in 0..rounds {
        let image = ShmImage::new::<u16>(small(3)).unwrap();
        let flips = rnd() % 4 + 1;
        for _ in 0..flips {
            let off = (rnd() % 528) as usize;
            let byte = (rnd() & 0xFF) as u8;
            // SAFETY: no handle exists yet.
            unsafe { image.write_bytes(off, &[byte]) };
        }
        let (Ok(mut tx), Ok(mut rx)) = (image.producer::<u16>(), image.consumer::<u16>()) else {
            continue;
        };
        for i in 0..20u16 {
            let _ = tx.try_send(i);
            if i % 5 == 0 {
                put_u64(
                    &image,
                    if rnd().is_multiple_of(2) { TAIL } else { HEAD },
                    rnd() % 64,
                );
            }
            let _ = rx.try_recv();
            let mut out = [0u16; 3];
            let _ = rx.recv_slice(&mut out);
            let _ = tx.send_slice(&[1, 2, 3]);
            let _ = rx.consume_batch(|_| {});
            let _ = (tx.len(), rx.len(), tx.is_full(), rx.is_empty());
        }
    }
}

/// An element aligned above the 128 bytes the headers need.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C, align(256))]
struct Wide([u64; 32]);

// SAFETY: `#[repr(C)]` over an array of `u64` (256 bytes, the size equals the
// alignment: no padding), every bit pattern valid, no pointers or handles.
unsafe impl ring_shm::ShmSafe for Wide {}

fn wide(i: u64) -> Wide {
    let mut w = [0u64; 32];
    for (k, x) in w.iter_mut().enumerate() {
        *x = i.wrapping_mul(31).wrapping_add(k as u64);
    }
    Wide(w)
}

/// Slots of a type aligned above 128 bytes sit at an address aligned for it
/// (miri's symbolic alignment check, and the debug precondition checks of
/// the volatile and copy accesses natively, see every slot access). Several
/// images, so that natively at least one heap block lands on an address that
/// is 128- but not 256-aligned if images were only 128-aligned.
#[test]
fn slots_of_an_over_aligned_type_are_aligned() {
    let images = if cfg!(miri) { 2 } else { 16 };
    for round in 0..images {
        let image = ShmImage::new::<Wide>(small(2)).unwrap();
        let layout = image.validate::<Wide>().unwrap();
        assert_eq!(layout.slots_offset() % 256, 0);
        let mut tx = image.producer::<Wide>().unwrap();
        let mut rx = image.consumer::<Wide>().unwrap();
        tx.try_send(wide(round)).unwrap();
        assert_eq!(tx.send_slice(&[wide(round + 1), wide(round + 2)]), 2);
        assert_eq!(rx.try_recv(), Ok(wide(round)));
        let mut out = [wide(0); 2];
        assert_eq!(rx.recv_slice(&mut out), 2);
        assert_eq!(out, [wide(round + 1), wide(round + 2)]);
    }
}

/// A role whose claim failed (impossible indices) is not consumed: once the
/// indices are sane again the role can be taken.
#[test]
fn a_failed_claim_gives_the_role_back() {
    let image = ShmImage::new::<u64>(small(2)).unwrap();
    put_u64(&image, TAIL, 100);
    assert_index_corrupt(image.consumer::<u64>());
    put_u64(&image, HEAD, 1);
    assert_index_corrupt(image.producer::<u64>());
    put_u64(&image, TAIL, 3);
    let mut rx = image.consumer::<u64>().expect("the consumer role is free");
    let mut tx = image.producer::<u64>().expect("the producer role is free");
    assert_eq!(rx.producer_pid(), std::process::id());
    assert_eq!(tx.consumer_pid(), std::process::id());
    assert_eq!(rx.len(), 2);
    assert_eq!(rx.skip(2), 2);
    tx.try_send(9).unwrap();
    assert_eq!(rx.try_recv(), Ok(9));
}

/// `to_vec` never copies memory a live handle may be writing: it refuses
/// while a handle (or a clone of the image) exists, on this thread or another,
/// and once they are gone it sees what they wrote. (Before, it copied the
/// region while a producer on another thread wrote a slot: a data race miri
/// reports.)
#[test]
fn to_vec_only_copies_an_image_no_one_else_can_write() {
    let mut image = ShmImage::new::<u64>(small(2)).unwrap();
    let slots = image.validate::<u64>().unwrap().slots_offset();
    let mut tx = image.producer::<u64>().unwrap();
    assert_eq!(image.to_vec(), None, "a live producer");
    let rx = image.consumer::<u64>().unwrap();
    let t = std::thread::spawn(move || {
        for i in 0..4u64 {
            tx.try_send(0x0101_0101 * (i + 1)).unwrap();
        }
    });
    assert_eq!(image.to_vec(), None, "a producer writing on another thread");
    t.join().unwrap();
    assert_eq!(image.to_vec(), None, "a live consumer");
    drop(rx);
    let clone = image.clone();
    assert_eq!(image.to_vec(), None, "a clone could take a role");
    drop(clone);
    let bytes = image.to_vec().expect("no handle, no clone");
    assert_eq!(bytes.len(), image.len());
    assert_eq!(&bytes[..8], b"ringshm\0");
    let slot = |i: usize| u64::from_le_bytes(bytes[slots + 8 * i..][..8].try_into().unwrap());
    assert_eq!(
        [slot(0), slot(1), slot(2), slot(3)],
        [0x0101_0101, 0x0202_0202, 0x0303_0303, 0x0404_0404]
    );
}
/// No producer ever took its role: a blocking receive waits (the caller
/// asked for it; any process holding the fd may still attach), it is never
/// turned into `Closed` by a liveness verdict about nobody, and a producer
/// that attaches later is received from.
#[test]
fn a_receive_before_any_producer_waits_for_one() {
    let image = ShmImage::new::<u32>(small(2)).unwrap();
    let mut rx = image.consumer::<u32>().unwrap();
    rx.set_heartbeat_timeout(Duration::ZERO);
    rx.set_liveness_interval(Duration::from_millis(1));
    assert_eq!(rx.producer_pid(), 0);
    for _ in 0..3 {
        assert_eq!(
            rx.recv_timeout(Duration::from_millis(5)),
            Err(RecvTimeoutError::Timeout)
        );
        assert!(rx.is_producer_alive(), "nobody to be dead yet");
        assert!(!rx.is_closed());
    }
    let mut tx = image.producer::<u32>().unwrap();
    tx.try_send(4).unwrap();
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(4));
}

/// A collector's doorbell file: the fresh image validates; each word and
/// the size have their typed error; garbage of any length is refused.
#[test]
fn doorbell_file_validation() {
    let good = ShmImage::new_bell();
    good.validate_bell().unwrap();
    let mut copy = good.clone();
    drop(good);
    let bytes = copy.to_vec().unwrap();
    let patched = |offset: usize, b: &[u8]| {
        let image = ShmImage::from_bytes(&bytes);
        // SAFETY: no handle of `image` exists.
        unsafe { image.write_bytes(offset, b) };
        image.validate_bell()
    };
    assert!(matches!(patched(0, b"x"), Err(ShmError::BadMagic { .. })));
    assert!(matches!(
        patched(8, &[2]),
        Err(ShmError::Version { found: 2, .. })
    ));
    assert!(matches!(
        patched(13, &[1]),
        Err(ShmError::Layout { field: "size", .. })
    ));
    // The doorbell's own words are the producers' to write: still valid.
    assert!(patched(16, &[0xFF; 8]).is_ok());
    let mut longer = bytes.clone();
    longer.extend_from_slice(&[0; 8]);
    assert!(matches!(
        ShmImage::from_bytes(&longer).validate_bell(),
        Err(ShmError::SizeMismatch { .. })
    ));
    assert!(matches!(
        ShmImage::from_bytes(&bytes[..100]).validate_bell(),
        Err(ShmError::Truncated { .. })
    ));
    assert!(ShmImage::from_bytes(&[0xA5; 128]).validate_bell().is_err());
    // A ring is not a doorbell file, and a doorbell file is not a ring.
    assert!(
        ShmImage::new::<u64>(small(2))
            .unwrap()
            .validate_bell()
            .is_err()
    );
    assert!(ShmImage::from_bytes(&bytes).validate::<u64>().is_err());
}
