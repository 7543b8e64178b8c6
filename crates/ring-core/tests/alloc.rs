//! A counting global allocator proves the send, receive, reserve and batch
//! paths never allocate once a ring exists.
#![cfg(not(ring_loom))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ring_core::{Config, WaitStrategy, spsc};

struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to `System` unchanged; only counts calls on this thread.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCS.with(|c| c.get())
}

#[test]
fn the_counter_sees_allocations() {
    let before = allocations();
    let pair = spsc::channel::<u64>(Config::default().with_ring_bits(6));
    assert!(
        allocations() > before,
        "creating a ring allocates, so the counter must move"
    );
    drop(pair);
}

#[test]
fn hot_paths_never_allocate() {
    let (mut tx, mut rx) = spsc::channel::<u64>(Config::default().with_ring_bits(6));
    let mut out = [0u64; 16];
    let mut vec_out: Vec<u64> = Vec::with_capacity(4096);
    let mut sum = 0u64;
    let before = allocations();
    for round in 0..1000u64 {
        tx.try_send(round).unwrap();
        tx.send(round).unwrap();
        tx.send_with(round, WaitStrategy::Blocking).unwrap();
        tx.send_slice(&[1, 2, 3]);
        let r = tx.reserve(8).unwrap();
        r.fill_from_iter(0..8);
        let r = tx.reserve(4).unwrap();
        r.copy_from_slice(&[9, 9, 9, 9]);
        sum += rx.try_recv().unwrap();
        sum += rx.recv().unwrap();
        sum += rx.recv_with(WaitStrategy::Yielding).unwrap();
        rx.recv_slice(&mut out);
        vec_out.clear();
        rx.recv_many(&mut vec_out, 4);
        rx.consume_up_to(3, |x| sum += x);
        if let Some(s) = rx.readable() {
            let n = s.len().min(2);
            rx.advance(n);
        }
        rx.skip(1);
        rx.consume_batch(|x| sum += x);
        let _ = rx.peek_many(3);
        rx.consume_count();
    }
    assert_eq!(allocations(), before, "a hot path allocated");
    assert!(sum > 0);
}
