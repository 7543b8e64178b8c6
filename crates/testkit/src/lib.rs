//! The test kit of the `ringmpsc` workspace (`publish = false`).
//!
//! - **The conformance suite**: one set of behavioural tests that every
//!   channel family passes, written once as macros and instantiated per
//!   family (`crates/ringmpsc/tests/conformance.rs`):
//!   [`conformance_core!`] for every family, plus
//!   [`conformance_single_consumer!`] (zero-copy reads: `readable`,
//!   `advance`, `peek`), [`conformance_clone_producer!`] and
//!   [`conformance_clone_consumer!`] for the families whose handles clone;
//!   the families with their own shapes have their own macros
//!   ([`conformance_recorder!`] for the flight recorder,
//!   [`conformance_broadcast!`] for broadcast, whose every subscriber
//!   receives every item).
//!   [`conformance_bytes!`] for the byte-record family, whose
//!   items are borrowed records (with [`stamped_record`] and
//!   [`check_stamped`] to check each one).
//!   The macros call the families' methods by name, so they check each
//!   family's own public API, exactly as a user calls it.
//! - **Shared helpers** for every crate's tests: [`watchdog`] (a hang
//!   becomes a failure), [`scale`] (smaller loops under miri), [`Counted`]
//!   items that count their drops (and their clones' drops), [`PanicOnDrop`],
//!   [`PanicOnClone`], [`CountingNotify`],
//!   [`CountingHeap`] (a memory seam that counts live regions), and
//!   [`small`] configurations.
//!
//!   [`check_watermark_levels`] walks one ring of any family through its
//!   watermark levels (the family supplies its ends as [`WatermarkEnds`],
//!   reporting to a [`WatermarkLog`]).
//!
//!   [`conformance_async!`] runs the behaviours with async ends (sync to
//!   async, async to sync, async to async), with [`block_on`],
//!   [`poll_once`] and [`CountingWaker`] as the executor and probes.
//!
//! A new family is done when it passes the suite: add one line per macro
//! that applies to it.
//!
//! # Examples
//!
//! ```
//! use ringmpsc_testkit::{counted, Counted};
//! use std::sync::{Arc, atomic::{AtomicUsize, Ordering}};
//! let drops = Arc::new(AtomicUsize::new(0));
//! drop(counted(7, &drops));
//! assert_eq!(drops.load(Ordering::SeqCst), 1);
//! ```
#![allow(clippy::disallowed_types)] // reason: test scaffolding counts with std atomics; no protocol runs under loom here

mod suite;
// Shared by source with ring-core's tests, which take no dependency on the kit.
mod suite_async;
mod suite_broadcast;
mod suite_bytes;
mod suite_recorder;
mod suite_watermarks;
mod watchdog;

pub use suite_bytes::{STAMP_MIN, check_stamped, lengths, stamped_record, xorshift};
pub use suite_watermarks::{
    WatermarkEnds, WatermarkLog, check_alternating, check_watermark_levels,
};

pub use ring_core;

/// The `Sink` and `Stream` traits, for the async suite's expansions.
#[doc(hidden)]
pub mod __sink {
    pub use futures_core::Stream;
    pub use futures_sink::Sink;
}

use core::alloc::Layout;
use core::ptr::NonNull;
use ring_core::{Config, Heap, MemoryError, Notify, RingMemory};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

/// Runs `f` on a thread and fails the test if it does not finish within
/// `secs` seconds (60 times that under miri): a hang becomes a failure with
/// a message instead of a stuck CI job. A panic in `f` is re-raised.
///
/// # Examples
///
/// ```
/// assert_eq!(ringmpsc_testkit::watchdog(10, || 1 + 1), 2);
/// ```
pub fn watchdog<R: Send + 'static>(secs: u64, f: impl FnOnce() -> R + Send + 'static) -> R {
    watchdog::watchdog(secs, f)
}

/// `full` normally, `reduced` under miri.
///
/// # Examples
///
/// ```
/// let n = ringmpsc_testkit::scale(100_000, 100);
/// assert!(n == 100_000 || n == 100);
/// ```
pub fn scale(full: usize, reduced: usize) -> usize {
    if cfg!(miri) { reduced } else { full }
}

/// Asserts that every impossible `Config` is refused with its typed
/// error: ring bits of 0 and of 200, no producers, no consumers. For the
/// conformance suites.
#[doc(hidden)]
pub fn assert_impossible_configs_refused() {
    use ring_core::ConfigError;
    macro_rules! refused {
        ($try_with:ident($value:expr), $error:ident) => {
            assert!(
                matches!(
                    Config::default().$try_with($value),
                    Err(ConfigError::$error { .. })
                ),
                "{}({}) must be refused",
                stringify!($try_with),
                $value
            )
        };
    }
    refused!(try_with_ring_bits(0), RingBits);
    refused!(try_with_ring_bits(200), RingBits);
    refused!(try_with_max_producers(0), MaxProducers);
    refused!(try_with_max_consumers(0), MaxConsumers);
}

/// A small configuration: `1 << bits` slots per ring.
///
/// # Examples
///
/// ```
/// assert_eq!(ringmpsc_testkit::small(2).capacity(), 4);
/// ```
pub fn small(bits: u32) -> Config {
    Config::default().with_ring_bits(bits)
}

/// Gives a thread that is about to block a moment to reach its sleep, so a
/// test exercises the sleeping path more often than not. Never used for
/// correctness: every test passes whether the thread slept or not.
///
/// # Examples
///
/// ```
/// ringmpsc_testkit::let_it_block();
/// ```
pub fn let_it_block() {
    thread::sleep(Duration::from_millis(if cfg!(miri) { 1 } else { 20 }));
}

/// Receives with `try_recv` until it reports `Closed`, calling `idle`
/// whenever the channel is empty (`thread::yield_now`, std's or loom's);
/// what was received, in order.
///
/// # Examples
///
/// ```
/// use ringmpsc_testkit::{recv_until_closed, small};
/// let (mut tx, mut rx) = ringmpsc_testkit::ring_core::spsc::channel::<u8>(small(1));
/// tx.try_send(1).unwrap();
/// drop(tx);
/// assert_eq!(recv_until_closed(|| rx.try_recv(), std::thread::yield_now), [1]);
/// ```
pub fn recv_until_closed<T>(
    mut try_recv: impl FnMut() -> Result<T, ring_core::TryRecvError>,
    mut idle: impl FnMut(),
) -> Vec<T> {
    let mut got = Vec::new();
    loop {
        match try_recv() {
            Ok(v) => got.push(v),
            Err(ring_core::TryRecvError::Empty) => idle(),
            Err(ring_core::TryRecvError::Closed) => return got,
        }
    }
}

/// An item that counts its drops. A clone has the same id and counts into
/// the same counter (a broadcast subscriber receives clones).
#[derive(Debug, Clone)]
pub struct Counted {
    /// The item's identity.
    pub id: u64,
    /// Incremented by `drop`.
    pub drops: Arc<AtomicUsize>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// A [`Counted`] item with `id` counting into `drops`.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, atomic::AtomicUsize};
/// let drops = Arc::new(AtomicUsize::new(0));
/// assert_eq!(ringmpsc_testkit::counted(3, &drops).id, 3);
/// ```
pub fn counted(id: u64, drops: &Arc<AtomicUsize>) -> Counted {
    Counted {
        id,
        drops: drops.clone(),
    }
}

/// An item that counts its drop and then panics in `drop` if told to.
#[derive(Debug)]
pub struct PanicOnDrop {
    /// Counts the drop (before the panic).
    pub item: Counted,
    /// Whether `drop` panics.
    pub panics: bool,
}

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if self.panics && !thread::panicking() {
            panic!("PanicOnDrop: a T::drop that panics (item {})", self.item.id);
        }
    }
}

/// Five [`PanicOnDrop`] items with ids 0 to 4 counting into `drops`; item 1
/// panics in its drop (what every "a panicking drop stops no other drop"
/// test puts into a channel).
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, atomic::AtomicUsize};
/// let drops = Arc::new(AtomicUsize::new(0));
/// let items: Vec<_> = ringmpsc_testkit::five_with_a_panicking_drop(&drops).collect();
/// assert_eq!(items.iter().filter(|x| x.panics).count(), 1);
/// std::mem::forget(items);
/// ```
pub fn five_with_a_panicking_drop(
    drops: &Arc<AtomicUsize>,
) -> impl Iterator<Item = PanicOnDrop> + '_ {
    (0..5).map(|i| PanicOnDrop {
        item: counted(i, drops),
        panics: i == 1,
    })
}

/// Offers item 9 (counting into `drops`) to a closed channel through
/// `refuse`, which returns the item the refusal hands back: it must be that
/// very item, and it is dropped here.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, atomic::{AtomicUsize, Ordering}};
/// let drops = Arc::new(AtomicUsize::new(0));
/// ringmpsc_testkit::assert_handed_back(&drops, |item| item);
/// assert_eq!(drops.load(Ordering::SeqCst), 1);
/// ```
pub fn assert_handed_back(drops: &Arc<AtomicUsize>, refuse: impl FnOnce(Counted) -> Counted) {
    let v = refuse(counted(9, drops));
    assert_eq!(v.id, 9, "the refused item is handed back");
    drop(v);
}

/// The "a panicking drop in the ring stops no other drop" check: for each
/// drop order, a fresh `channel()` gets [`five_with_a_panicking_drop`]
/// through `send` (true if taken), then both ends are dropped; the panic
/// must reach the dropping thread and every item be dropped once.
pub fn check_a_panicking_drop_stops_no_other<P, C>(
    channel: impl Fn() -> (P, C),
    send: impl Fn(&mut P, PanicOnDrop) -> bool,
) {
    for producer_first in [false, true] {
        let d = Arc::new(AtomicUsize::new(0));
        let (mut tx, rx) = channel();
        for item in five_with_a_panicking_drop(&d) {
            assert!(send(&mut tx, item));
        }
        assert!(
            drop_both_catching(tx, rx, producer_first),
            "the panic reaches the dropping thread"
        );
        assert_eq!(
            d.load(Ordering::SeqCst),
            5,
            "every item dropped once (producer first: {producer_first})"
        );
    }
}

/// Drops `a` and `b`, `a` first if `a_first`, catching a panic from either
/// drop; true if one panicked.
///
/// # Examples
///
/// ```
/// assert!(!ringmpsc_testkit::drop_both_catching(1, "two", true));
/// ```
pub fn drop_both_catching<A, B>(a: A, b: B, a_first: bool) -> bool {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        if a_first {
            drop(a);
            drop(b);
        } else {
            drop(b);
            drop(a);
        }
    }))
    .is_err()
}

/// An item whose `clone` panics once when told to (before it makes
/// anything, so the drop count sees only real values).
#[derive(Debug)]
pub struct PanicOnClone {
    /// The item; a clone counts its drop too.
    pub item: Counted,
    /// Set: the next `clone` (of any item sharing the flag) panics and
    /// clears it.
    pub panic_next: Arc<AtomicBool>,
}

impl Clone for PanicOnClone {
    fn clone(&self) -> Self {
        if self.panic_next.swap(false, Ordering::SeqCst) {
            panic!(
                "PanicOnClone: a T::clone that panics (item {})",
                self.item.id
            );
        }
        PanicOnClone {
            item: self.item.clone(),
            panic_next: self.panic_next.clone(),
        }
    }
}

/// A notifier that counts its signals (the seam `EventNotifier` implements).
#[derive(Debug, Clone, Default)]
pub struct CountingNotify(pub Arc<AtomicUsize>);

impl CountingNotify {
    /// Signals so far.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::Notify;
    /// let n = ringmpsc_testkit::CountingNotify::default();
    /// n.notify();
    /// assert_eq!(n.count(), 1);
    /// ```
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Notify for CountingNotify {
    fn notify(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// An observer whose `on_consume` hook panics once (the first time it is
/// called after [`arm`](PanicOnce::arm)).
#[derive(Debug, Clone, Default)]
pub struct PanicOnce(Arc<AtomicBool>);

impl PanicOnce {
    /// The next `on_consume` panics.
    ///
    /// # Examples
    ///
    /// ```
    /// let o = ringmpsc_testkit::PanicOnce::default();
    /// o.arm();
    /// ```
    pub fn arm(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// [`arm`](PanicOnce::arm)s the hook and runs `f` (a receive that
    /// reaches it), catching the panic.
    ///
    /// # Examples
    ///
    /// ```
    /// let o = ringmpsc_testkit::PanicOnce::default();
    /// assert_eq!(o.arm_and_catch(|| 1).ok(), Some(1));
    /// ```
    pub fn arm_and_catch<R>(&self, f: impl FnOnce() -> R) -> std::thread::Result<R> {
        self.arm();
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
    }
}

impl ring_core::Observer for PanicOnce {
    fn on_consume(&self, _pos: u64, _n: usize) {
        if self.0.swap(false, Ordering::SeqCst) {
            panic!("PanicOnce: an observer hook that panics");
        }
    }
}

/// The global heap, counting the ring regions it holds (a memory seam).
#[derive(Debug, Clone, Default)]
pub struct CountingHeap(pub Arc<AtomicIsize>);

impl CountingHeap {
    /// Regions allocated and not yet released.
    ///
    /// # Examples
    ///
    /// ```
    /// let h = ringmpsc_testkit::CountingHeap::default();
    /// assert_eq!(h.live(), 0);
    /// ```
    pub fn live(&self) -> isize {
        self.0.load(Ordering::SeqCst)
    }
}

// SAFETY: every call is forwarded to `Heap`, which upholds the contract; the
// counter only observes.
unsafe impl RingMemory for CountingHeap {
    fn allocate(&self, layout: Layout) -> Result<NonNull<u8>, MemoryError> {
        let p = Heap.allocate(layout)?;
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(p)
    }

    unsafe fn release(&self, ptr: NonNull<u8>, layout: Layout) {
        self.0.fetch_sub(1, Ordering::SeqCst);
        // SAFETY: the caller passes back a pointer from `allocate(layout)`,
        // which came from `Heap.allocate(layout)`.
        unsafe { Heap.release(ptr, layout) }
    }
}

/// Builds a channel with `build` on a [`CountingHeap`], drops its consumer,
/// then three times makes a producer from the one left with `send_refused`
/// (which clones it, sends, and returns true if the send was refused), and
/// checks that those late producers kept no ring memory.
///
/// # Panics
///
/// If a send was not refused or a region was kept.
///
/// # Examples
///
/// ```
/// use ringmpsc_testkit::{late_producers_keep_no_memory, ring_core::spsc::Builder, small};
/// // SPSC producers do not clone: the "late" producer is the one left.
/// late_producers_keep_no_memory(
///     |heap| Builder::new(small(2)).memory(heap).build::<u8>().unwrap(),
///     |tx| tx.is_closed(),
/// );
/// ```
pub fn late_producers_keep_no_memory<P, C>(
    build: impl FnOnce(CountingHeap) -> (P, C),
    mut send_refused: impl FnMut(&P) -> bool,
) {
    let heap = CountingHeap::default();
    let (tx, rx) = build(heap.clone());
    let base = heap.live();
    drop(rx);
    for _ in 0..3 {
        assert!(
            send_refused(&tx),
            "a producer made after the consumer went could send"
        );
    }
    assert!(
        heap.live() <= base,
        "{} regions live, {base} before",
        heap.live()
    );
}

// ------------------------------------------------------------------ async ---

/// A waker that counts its wake-ups and unparks the thread that made it:
/// the executor of [`block_on`], and a probe for "was this future woken?".
#[derive(Debug)]
pub struct CountingWaker {
    wakes: AtomicUsize,
    thread: thread::Thread,
}

impl std::task::Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        self.thread.unpark();
    }
}

impl CountingWaker {
    /// A counter at zero that unparks the calling thread, and its `Waker`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (count, waker) = ringmpsc_testkit::CountingWaker::new();
    /// waker.wake_by_ref();
    /// assert_eq!(count.wakes(), 1);
    /// ```
    pub fn new() -> (Arc<Self>, std::task::Waker) {
        let w = Arc::new(Self {
            wakes: AtomicUsize::new(0),
            thread: thread::current(),
        });
        (w.clone(), std::task::Waker::from(w))
    }

    /// Wake-ups so far.
    ///
    /// # Examples
    ///
    /// ```
    /// let (count, _waker) = ringmpsc_testkit::CountingWaker::new();
    /// assert_eq!(count.wakes(), 0);
    /// ```
    pub fn wakes(&self) -> usize {
        self.wakes.load(Ordering::SeqCst)
    }
}

/// Polls `fut` once with `waker`.
///
/// # Examples
///
/// ```
/// use std::task::Poll;
/// let (_c, w) = ringmpsc_testkit::CountingWaker::new();
/// assert_eq!(ringmpsc_testkit::poll_once(&mut std::future::ready(3), &w), Poll::Ready(3));
/// ```
pub fn poll_once<F: core::future::Future + Unpin>(
    fut: &mut F,
    waker: &std::task::Waker,
) -> std::task::Poll<F::Output> {
    core::pin::Pin::new(fut).poll(&mut std::task::Context::from_waker(waker))
}

/// Runs a future to completion on this thread, parking between polls (a
/// minimal executor with no timer: a future that is never woken hangs, which
/// [`watchdog`] turns into a failure).
///
/// # Examples
///
/// ```
/// assert_eq!(ringmpsc_testkit::block_on(async { 1 + 1 }), 2);
/// ```
pub fn block_on<F: core::future::Future>(fut: F) -> F::Output {
    let mut fut = core::pin::pin!(fut);
    let (count, waker) = CountingWaker::new();
    let mut cx = std::task::Context::from_waker(&waker);
    let mut seen = 0;
    loop {
        if let std::task::Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        while count.wakes() == seen {
            thread::park();
        }
        seen = count.wakes();
    }
}
