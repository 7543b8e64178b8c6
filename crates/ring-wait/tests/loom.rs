//! Loom models of the arm / commit / signal / disarm protocol between a ring
//! and an event-loop consumer, with an abstract notifier that counts signals.
//!
//! The consumer's "sleep" in epoll is modelled as: after `arm()` returned
//! false, wait (yielding to the model) until the signal count moves past what
//! it consumed last. A lost signal leaves that loop spinning forever, which
//! loom reports as a failure; a signal that arrives without the item being
//! visible fails the `try_recv` assertion after it.
//!
//! Run with `RUSTFLAGS="--cfg ring_loom" LOOM_MAX_PREEMPTIONS=2 cargo test
//! --release -p ring-wait --test loom`.
#![cfg(ring_loom)]

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

use ring_core::spsc::{self, Consumer, Producer};
use ring_core::{Config, Notify, TryRecvError};
use ringmpsc_testkit::recv_until_closed;

/// The abstract notifier: counts signals (an eventfd's counter).
struct Signals(Arc<AtomicUsize>);

impl Notify for Signals {
    fn notify(&self) {
        // ORDERING: Release; pairs with the Acquire loads in `sleep`: what the
        // signalling thread did before (its commit) is visible after waking.
        self.0.fetch_add(1, Ordering::Release);
    }
}

/// A one-slot ring whose consumer has the counting notifier attached, and
/// the signal count.
fn ring_with_signals() -> (Producer<u32>, Consumer<u32>, Arc<AtomicUsize>) {
    let (tx, mut rx) = spsc::channel::<u32>(Config::default().with_ring_bits(1));
    let count = Arc::new(AtomicUsize::new(0));
    rx.set_notifier(Some(Signals(count.clone())));
    (tx, rx, count)
}

/// Sends each of `items` (the ring has room for them).
fn send_each(tx: &mut Producer<u32>, items: &[u32]) {
    for &v in items {
        tx.try_send(v).unwrap();
    }
}

/// A producer thread that sends `items` and hands the producer back: the
/// ring stays open, so only the commits can wake the consumer.
fn send_and_keep(
    mut tx: Producer<u32>,
    items: &'static [u32],
) -> thread::JoinHandle<Producer<u32>> {
    thread::spawn(move || {
        send_each(&mut tx, items);
        tx
    })
}

/// A producer thread that sends `items`, then closes the ring (drops the
/// producer).
fn send_and_close(mut tx: Producer<u32>, items: &'static [u32]) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        send_each(&mut tx, items);
        drop(tx);
    })
}

/// Sleeps until the count moves past `consumed` (what the consumer has
/// already read from its eventfd).
fn sleep(count: &AtomicUsize, consumed: usize) {
    // ORDERING: Acquire; pairs with the Release increment in `Signals::notify`.
    while count.load(Ordering::Acquire) == consumed {
        thread::yield_now();
    }
}

/// The consumer's event loop: drain, arm, sleep unless `arm` says items (or a
/// close) are waiting, disarm, consume the signals; until `Closed`.
/// Returns the items in order and how many times it slept.
fn event_loop(rx: &mut Consumer<u32>, count: &AtomicUsize) -> (Vec<u32>, usize) {
    let (mut got, mut sleeps, mut consumed) = (Vec::new(), 0, 0);
    loop {
        match rx.try_recv() {
            Ok(v) => got.push(v),
            Err(TryRecvError::Closed) => return (got, sleeps),
            Err(TryRecvError::Empty) => {
                if !rx.arm() {
                    sleep(count, consumed);
                    sleeps += 1;
                }
                rx.disarm();
                // ORDERING: Acquire; as in `sleep` (the eventfd read).
                consumed = count.load(Ordering::Acquire);
            }
        }
    }
}

/// [`event_loop`] over a [`ring_with_signals`] whose producer thread sends
/// `items` and closes; joins the producer after. What the loop returned.
fn event_loop_over(items: &'static [u32]) -> (Vec<u32>, usize) {
    let (tx, mut rx, count) = ring_with_signals();
    let p = send_and_close(tx, items);
    let out = event_loop(&mut rx, &count);
    p.join().unwrap();
    out
}

#[test]
fn an_armed_consumer_is_signalled_and_then_finds_the_item() {
    loom::model(|| {
        let (tx, mut rx, count) = ring_with_signals();
        let p = send_and_keep(tx, &[7]);
        if !rx.arm() {
            // arm() said "sleep": the commit has not been seen, so it must signal.
            sleep(&count, 0);
        }
        rx.disarm();
        assert_eq!(
            rx.try_recv(),
            Ok(7),
            "woken (or told not to sleep) without the item"
        );
        drop(p.join().unwrap());
    });
}

#[test]
fn an_armed_consumer_is_signalled_by_the_close() {
    loom::model(|| {
        let (tx, mut rx, count) = ring_with_signals();
        let p = send_and_close(tx, &[]);
        if !rx.arm() {
            sleep(&count, 0);
        }
        rx.disarm();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        p.join().unwrap();
    });
}

#[test]
fn commit_then_close_delivers_the_item_before_closed() {
    loom::model(|| {
        let (got, _) = event_loop_over(&[1]);
        assert_eq!(got, [1]);
    });
}

#[test]
fn two_commits_across_rearming_are_both_delivered() {
    loom::model(|| {
        let (got, sleeps) = event_loop_over(&[1, 2]);
        assert_eq!(got, [1, 2]);
        assert!(
            sleeps <= 3,
            "at most one sleep per event (two commits, one close)"
        );
    });
}

#[test]
fn a_consumer_that_never_arms_is_never_signalled() {
    loom::model(|| {
        let (tx, mut rx, count) = ring_with_signals();
        let p = send_and_close(tx, &[1, 2]);
        let got = recv_until_closed(|| rx.try_recv(), thread::yield_now);
        p.join().unwrap();
        assert_eq!(got, [1, 2]);
        // ORDERING: Acquire; after the join every signal would be visible.
        assert_eq!(
            count.load(Ordering::Acquire),
            0,
            "a busy consumer costs no signal"
        );
    });
}

#[test]
fn a_disarm_racing_a_commit_never_loses_the_item() {
    loom::model(|| {
        let (tx, mut rx, count) = ring_with_signals();
        let p = send_and_keep(tx, &[5]);
        // Arm and give up at once (a timeout in the event loop): a late
        // signal is harmless, and the item is received either way.
        let _ = rx.arm();
        rx.disarm();
        let tx = p.join().unwrap();
        assert_eq!(rx.try_recv(), Ok(5));
        // ORDERING: Acquire; after the join every signal would be visible.
        assert!(count.load(Ordering::Acquire) <= 1);
        drop(tx);
    });
}

// The model's teeth: two broken consumers that it must reject (a lost signal
// leaves the sleeper spinning until loom's branch limit).

/// A consumer that waits with `wait_wrongly` for the 7 a producer thread
/// sends (keeping the ring open), then receives it.
fn broken_consumer(wait_wrongly: fn(&mut Consumer<u32>, &AtomicUsize)) {
    loom::model(move || {
        let (tx, mut rx, count) = ring_with_signals();
        let p = send_and_keep(tx, &[7]);
        wait_wrongly(&mut rx, &count);
        assert_eq!(rx.try_recv(), Ok(7));
        drop(p.join().unwrap());
    });
}

#[test]
#[should_panic(expected = "maximum number of branches")]
fn broken_sleeping_without_arming_is_caught() {
    broken_consumer(|rx, count| {
        // Wrong on purpose: look at the ring, then sleep without arming.
        if rx.is_empty() {
            sleep(count, 0);
        }
    });
}

#[test]
#[should_panic(expected = "maximum number of branches")]
fn broken_deciding_to_sleep_before_arming_is_caught() {
    broken_consumer(|rx, count| {
        // Wrong on purpose: decide from a check made before arming, ignoring
        // what `arm` re-checked.
        let empty = rx.is_empty();
        let _ = rx.arm();
        if empty {
            sleep(count, 0);
        }
        rx.disarm();
    });
}
