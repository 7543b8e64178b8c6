//! The shared flight recorder over heap images (no system calls, so miri
//! runs it too): exact loss accounting with a fast writer and a slow
//! reader, torn-free entries, kinds that do not mix, roles and close.
#![cfg(target_os = "linux")]

use std::thread;

use ring_core::{Config, TryRecvError};
use ring_shm::{RingKind, ShmError, ShmImage};
use ringmpsc_testkit::{scale, watchdog};

/// An entry with check words: a torn copy fails `check`.
fn entry(i: u64) -> [u64; 4] {
    [
        i,
        !i,
        i.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        i ^ 0xA5A5_A5A5,
    ]
}

fn check(e: &[u64; 4]) -> u64 {
    assert_eq!(*e, entry(e[0]), "a torn or corrupted entry");
    e[0]
}

#[test]
fn a_fast_writer_and_a_slow_reader_account_for_every_entry() {
    watchdog(60, || {
        let n = scale(200_000, 200) as u64;
        let image = ShmImage::recorder::<[u64; 4]>(Config::default().with_ring_bits(4)).unwrap();
        let mut w = image.writer::<[u64; 4]>().unwrap();
        let mut r = image.reader::<[u64; 4]>().unwrap();
        let writer = thread::spawn(move || {
            for i in 0..n {
                w.record(entry(i)).unwrap();
            }
            w.evicted()
        });
        let (mut received, mut gaps, mut last) = (0u64, 0u64, None::<u64>);
        while let Ok(e) = r.recv() {
            let seq = check(&e.value);
            assert_eq!(seq, e.seq);
            assert_eq!(e.writer, 0);
            if let Some(prev) = last {
                assert!(seq > prev, "out of order");
                assert_eq!(e.lost_before, seq - prev - 1, "gap miscounted");
            } else {
                assert_eq!(e.lost_before, seq, "the first entry's gap is its seq");
            }
            last = Some(seq);
            received += 1;
            gaps += e.lost_before;
            if received % 16 == 0 {
                thread::yield_now(); // a slow reader
            }
        }
        let evicted = writer.join().unwrap();
        assert_eq!(last, Some(n - 1), "the last entry is always received");
        assert_eq!(received + evicted, n, "received + evicted == recorded");
        assert_eq!(gaps, evicted);
        assert_eq!(r.lost(), evicted);
    });
}

#[test]
fn the_ring_retains_its_capacity_and_a_late_reader_sees_the_gap() {
    let image = ShmImage::recorder::<u64>(Config::default().with_ring_bits(2)).unwrap();
    let mut w = image.writer::<u64>().unwrap();
    for i in 0..4 {
        w.record(i).unwrap();
    }
    assert_eq!(w.evicted(), 0, "four entries fit");
    for i in 4..10 {
        w.record(i).unwrap();
    }
    assert_eq!(w.evicted(), 6);
    drop(w);
    let mut r = image.reader::<u64>().unwrap();
    assert_eq!(r.lost(), 6, "evictions before the reader attached count");
    let got: Vec<_> = std::iter::from_fn(|| r.try_recv().ok())
        .map(|e| (e.seq, e.value, e.lost_before))
        .collect();
    assert_eq!(got, [(6, 6, 6), (7, 7, 0), (8, 8, 0), (9, 9, 0)]);
    assert_eq!(r.try_recv().map(|e| e.value), Err(TryRecvError::Closed));
}

#[test]
fn kinds_do_not_mix() {
    let ring = ShmImage::new::<u64>(Config::default()).unwrap();
    let rec = ShmImage::recorder::<u64>(Config::default()).unwrap();
    assert!(matches!(
        ring.writer::<u64>(),
        Err(ShmError::Kind { found, expected }) if found == RingKind::Items.word() && expected == RingKind::Recorder.word()
    ));
    assert!(matches!(ring.reader::<u64>(), Err(ShmError::Kind { .. })));
    assert!(matches!(
        rec.producer::<u64>(),
        Err(ShmError::Kind { found, expected }) if found == RingKind::Recorder.word() && expected == RingKind::Items.word()
    ));
    assert!(matches!(rec.consumer::<u64>(), Err(ShmError::Kind { .. })));
    assert!(matches!(
        rec.writer::<u32>(),
        Err(ShmError::ElementSize { .. })
    ));
}

#[test]
fn each_role_once_and_close_from_either_side() {
    let image = ShmImage::recorder::<u64>(Config::default()).unwrap();
    let mut w = image.writer::<u64>().unwrap();
    assert!(matches!(image.writer::<u64>(), Err(ShmError::RoleTaken)));
    w.record(1).unwrap(); // no reader yet: records normally
    let mut r = image.reader::<u64>().unwrap();
    assert!(matches!(image.reader::<u64>(), Err(ShmError::RoleTaken)));
    assert!(!w.is_closed() && !r.is_closed());
    r.close();
    assert!(w.is_closed());
    assert_eq!(w.record(2).unwrap_err().into_inner(), 2);
    assert_eq!(
        r.try_recv().map(|e| e.value),
        Ok(1),
        "recorded entries stay readable"
    );

    let image = ShmImage::recorder::<u64>(Config::default()).unwrap();
    let mut w = image.writer::<u64>().unwrap();
    let mut r = image.reader::<u64>().unwrap();
    w.record(5).unwrap();
    w.close();
    assert!(r.is_closed());
    assert_eq!(r.recv().map(|e| e.value), Ok(5));
    assert!(r.recv().is_err());
}

#[test]
fn a_blocked_reader_wakes_on_record_and_on_the_writers_drop() {
    watchdog(20, || {
        let image = ShmImage::recorder::<u64>(Config::default()).unwrap();
        let mut w = image.writer::<u64>().unwrap();
        let mut r = image.reader::<u64>().unwrap();
        let h = thread::spawn(move || {
            let first = r.recv().map(|e| e.value);
            let end = r.recv().map(|e| e.value);
            (first, end)
        });
        ringmpsc_testkit::let_it_block();
        w.record(3).unwrap();
        ringmpsc_testkit::let_it_block();
        drop(w);
        let (first, end) = h.join().unwrap();
        assert_eq!(first, Ok(3));
        assert!(end.is_err());
    });
}
