//! Unit tests of the claim ring.

use super::*;
use crate::sync::AtomicUsize;
use alloc::string::{String, ToString};
use core::alloc::Layout;

fn ring<T>(cap: usize) -> Arc<Ring<T>> {
    Ring::new(cap, Arc::new(WakeGroup::new())).unwrap()
}

/// Counts first-use hooks, to see `prefault` run the seam's hook once.
#[derive(Clone, Default)]
struct CountFirstUse(Arc<AtomicUsize>);
// SAFETY: every region comes from `Heap` and goes back to it.
unsafe impl RingMemory for CountFirstUse {
    fn allocate(&self, layout: Layout) -> Result<NonNull<u8>, crate::MemoryError> {
        Heap.allocate(layout)
    }
    unsafe fn release(&self, ptr: NonNull<u8>, layout: Layout) {
        // SAFETY: `ptr` came from `Heap.allocate(layout)` above.
        unsafe { Heap.release(ptr, layout) }
    }
    fn first_use(&self, _: NonNull<u8>, _: Layout) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn prefault_backs_a_fresh_ring_once_and_never_a_written_one() {
    let hooks = CountFirstUse::default();
    // Entries of 1 KiB: 16 of them span four pages.
    let r = Ring::<[u64; 128], ()>::with_seams(16, Arc::new(WakeGroup::new()), hooks.clone(), ())
        .unwrap();
    let mut p = Ring::try_producer(&r).unwrap();
    p.prefault();
    assert_eq!(hooks.0.load(Ordering::Relaxed), 1, "the seam's hook ran");
    for i in 0..20u64 {
        let evicted = p.record([i; 128]).unwrap();
        assert_eq!(evicted.map(|e| e[0]), i.checked_sub(16));
    }
    // Written now: a second call must not touch slots a reader may read.
    p.prefault();
    drop(p);
    let mut p = Ring::try_producer(&r).unwrap();
    p.prefault();
    assert_eq!(hooks.0.load(Ordering::Relaxed), 1, "no second hook");
    for i in 4..20u64 {
        // (a touch writes the first byte of slots 0, 4, 8 and 12)
        assert_eq!(r.try_recv().map(|e| (e[0], e[127])), Ok((i, i)));
    }
    p.try_send([1; 128]).unwrap();
    assert_eq!(r.try_recv().map(|e| e[0]), Ok(1));
    assert_eq!(r.evicted(), 4);
}

#[test]
fn the_free_look_ahead_stops_at_a_slot_a_consumer_still_holds() {
    let r = ring::<u32>(4);
    let mut p = Ring::try_producer(&r).unwrap();
    for i in 0..4 {
        p.try_send(i).unwrap();
    }
    let mut seen = alloc::vec::Vec::new();
    // Claims 0 and 1; 0 is given back before the handler runs for it,
    // 1 is held until its own turn.
    let k = r.take_at(2, |pos, v| {
        seen.push((pos, v));
        if pos == 0 {
            // Slot 0 is free (for position 4), slot 1 is not.
            assert_eq!(p.try_send(40), Ok(()));
            assert_eq!(p.try_send(50), Err(TrySendError::Full(50)));
            assert!(p.is_full());
        }
    });
    assert_eq!(k, 2);
    assert_eq!(seen, [(0, 0), (1, 1)], "position 1 was not overwritten");
    assert_eq!(p.try_send(50), Ok(()));
    for want in [2, 3, 40, 50] {
        assert_eq!(r.try_recv(), Ok(want));
    }
    // Many laps, one slot at a time and in runs: the known-free run never
    // lets a write pass an unreturned slot.
    for lap in 0..50u32 {
        for i in 0..3 {
            p.try_send(lap * 10 + i).unwrap();
        }
        assert_eq!(r.try_recv(), Ok(lap * 10));
        p.try_send(lap * 10 + 3).unwrap();
        p.try_send(lap * 10 + 4).unwrap();
        assert!(p.is_full());
        for i in 1..5 {
            assert_eq!(r.try_recv(), Ok(lap * 10 + i));
        }
    }
}

#[test]
fn fifo_full_wrap_and_close() {
    let r = ring::<u32>(4);
    let mut p = Ring::try_producer(&r).unwrap();
    assert!(Ring::try_producer(&r).is_none(), "one producer at a time");
    for round in 0..5u32 {
        for i in 0..4 {
            p.try_send(round * 10 + i).unwrap();
        }
        assert!(p.is_full());
        assert_eq!(p.try_send(99), Err(TrySendError::Full(99)));
        assert_eq!(r.len(), 4);
        for i in 0..4 {
            assert_eq!(r.try_recv(), Ok(round * 10 + i));
        }
        assert_eq!(r.try_recv(), Err(TryRecvError::Empty));
    }
    p.try_send(7).unwrap();
    r.close();
    assert_eq!(p.try_send(8), Err(TrySendError::Closed(8)));
    assert_eq!(r.try_recv(), Ok(7));
    assert_eq!(r.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn batch_paths_and_reservation() {
    let r = ring::<u64>(8);
    let mut p = Ring::try_producer(&r).unwrap();
    assert_eq!(p.send_slice(&[1, 2, 3, 4, 5, 6]), 6);
    let mut out = [0; 4];
    assert_eq!(r.recv_slice(&mut out), 4);
    assert_eq!(out, [1, 2, 3, 4]);
    // tail = 6: a reservation stops at the wrap point.
    let res = p.reserve(8).unwrap();
    assert_eq!(res.len(), 2);
    assert_eq!(res.fill_with(|i| 10 + i as u64), 2);
    assert_eq!(p.send_slice(&[20, 21, 22, 23, 24]), 4); // 4 free after the wrap
    let mut v = Vec::new();
    assert_eq!(r.recv_many(&mut v, 3), 3);
    assert_eq!(v, [5, 6, 10]);
    let mut seen = Vec::new();
    assert_eq!(r.consume_up_to(2, |x| seen.push(*x)), 2);
    assert_eq!(seen, [11, 20]);
    assert_eq!(r.skip(10), 3);
    assert!(r.is_empty());
    let mut res = p.reserve(2).unwrap();
    res.as_mut_slice()[0].write(42);
    // SAFETY: slot 0 written just above.
    unsafe { res.commit(1) };
    assert_eq!(r.try_recv(), Ok(42));
}

#[test]
fn zero_sized_items_and_a_region_layout() {
    let r = ring::<()>(16);
    let mut p = Ring::try_producer(&r).unwrap();
    for _ in 0..3 {
        assert_eq!(p.send_slice(&[(); 16]), 16);
        assert!(p.is_full());
        assert_eq!(r.skip(usize::MAX), 16);
    }
    let (layout, offset) = region_layout::<u32>(4).unwrap();
    assert_eq!((layout.size(), layout.align(), offset), (128, 128, 32));
    assert!(region_layout::<[u8; 1 << 20]>(1 << 60).is_err());
}

#[test]
fn producer_side_is_reusable_and_keeps_the_tail() {
    let r = ring::<u8>(2);
    let mut p = Ring::try_producer(&r).unwrap();
    p.try_send(1).unwrap();
    drop(p);
    let mut p = Ring::try_producer(&r).unwrap();
    p.try_send(2).unwrap();
    assert_eq!(p.try_send(3), Err(TrySendError::Full(3)));
    assert_eq!(r.try_recv(), Ok(1));
    assert_eq!(r.try_recv(), Ok(2));
}

#[derive(Debug)]
struct Counted<'a>(&'a AtomicUsize);
impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn items_drop_exactly_once_including_on_handler_panic() {
    let drops = AtomicUsize::new(0);
    {
        let r = ring::<Counted<'_>>(4);
        let mut p = Ring::try_producer(&r).unwrap();
        for _ in 0..4 {
            p.try_send(Counted(&drops)).unwrap();
        }
        let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            r.consume_up_to(2, |_| panic!("handler"))
        }));
        assert!(res.is_err());
        // Both claimed items were dropped; their slots went back.
        assert_eq!(drops.load(Ordering::Relaxed), 2);
        p.try_send(Counted(&drops)).unwrap();
        p.try_send(Counted(&drops)).unwrap();
        assert_eq!(r.len(), 4);
    } // 4 left in the ring: dropped with it
    assert_eq!(drops.load(Ordering::Relaxed), 6);
}

#[test]
fn concurrent_consumers_take_each_item_once() {
    let r = ring::<String>(8);
    let n = if cfg!(miri) { 200 } else { 20_000 };
    let mut p = Ring::try_producer(&r).unwrap();
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let r = r.clone();
            std::thread::spawn(move || {
                let mut got = Vec::new();
                loop {
                    match r.try_recv() {
                        Ok(v) => got.push(v.parse::<u32>().unwrap()),
                        Err(TryRecvError::Empty) => std::thread::yield_now(),
                        Err(TryRecvError::Closed) => return got,
                    }
                }
            })
        })
        .collect();
    for i in 0..n {
        let mut v = i.to_string();
        loop {
            match p.try_send(v) {
                Ok(()) => break,
                Err(e) => {
                    v = e.into_inner();
                    std::thread::yield_now();
                }
            }
        }
    }
    r.close();
    let mut all: Vec<u32> = consumers
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    all.sort_unstable();
    assert_eq!(all, (0..n).collect::<Vec<_>>());
}
