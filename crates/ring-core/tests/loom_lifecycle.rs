//! Loom model of the channel lifecycle (`ring_core::lifecycle`), the one
//! every family uses: a close racing a producer's registration, a producer
//! sleeping on the producer doorbell and a consumer armed for its notifier.
//!
//! Run with `RUSTFLAGS="--cfg ring_loom" LOOM_MAX_PREEMPTIONS=2 cargo test
//! --release -p ring-core --test loom_lifecycle`.
#![cfg(ring_loom)]

use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::thread;

use ring_core::Notify;
use ring_core::WaitStrategy;
use ring_core::lifecycle::Lifecycle;
use ring_core::wait::{self, DoorbellRef, TimedOut, Waitable};

/// Go straight to the futex: the interesting interleavings are around the sleep.
const SLEEP: WaitStrategy = WaitStrategy::PhasedBackoff { spin: 0, yield_: 0 };

struct Count(Arc<AtomicUsize>);
impl Notify for Count {
    fn notify(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A producer blocked "on a full ring": it sleeps on the producer group's
/// doorbell until the channel is closed.
struct BlockedProducer(Arc<Lifecycle>);
impl Waitable for BlockedProducer {
    fn doorbell(&self) -> DoorbellRef<'_> {
        self.0.producer_group().doorbell()
    }
}

/// Close races (a) a registration that publishes a ring (a flag standing for
/// the table entry) and then checks the closed flag, (b) a producer asleep on
/// the producer doorbell and (c) a consumer armed for its notifier. Either
/// the closer's walk sees the new ring or the registrar sees the flag; the
/// sleeper always wakes (loom reports a deadlock otherwise); an armed
/// consumer that decided to sleep is signalled.
#[test]
fn close_races_register_sleeper_and_armed_consumer() {
    loom::model(|| {
        let life = Arc::new(Lifecycle::new(1));
        let hits = Arc::new(AtomicUsize::new(0));
        life.set_notifier(Some(Count(hits.clone())));
        let ring_published = Arc::new(AtomicBool::new(false));
        let ring_closed = Arc::new(AtomicBool::new(false));

        // The registrar: publish, then check.
        let (l, p, c) = (life.clone(), ring_published.clone(), ring_closed.clone());
        let registrar = thread::spawn(move || {
            l.add_producer();
            p.store(true, Ordering::SeqCst);
            if l.closed_after_register() {
                c.store(true, Ordering::SeqCst);
            }
        });

        // The sleeper: waits until closed.
        let l = life.clone();
        let sleeper = thread::spawn(move || {
            let mut ep = BlockedProducer(l);
            let r: Result<(), TimedOut> =
                wait::wait_until(&mut ep, SLEEP, |ep| ep.0.is_closed().then_some(()));
            r.unwrap();
        });

        // The armed consumer, on its own thread, decides whether to sleep in
        // its event loop.
        let l = life.clone();
        let consumer = thread::spawn(move || l.arm(|| false));

        // The closer (this thread): close, then walk the "table".
        life.close();
        if ring_published.load(Ordering::SeqCst) {
            ring_closed.store(true, Ordering::SeqCst);
        }

        registrar.join().unwrap();
        sleeper.join().unwrap();
        let ready = consumer.join().unwrap();
        assert!(
            ring_closed.load(Ordering::SeqCst),
            "a ring registered during the close stayed open"
        );
        assert!(
            ready || hits.load(Ordering::SeqCst) > 0,
            "an armed consumer that went to sleep was never signalled"
        );
    });
}

/// The last producer's drop wakes a consumer asleep on the consumer doorbell.
#[test]
fn last_producer_drop_wakes_the_consumer() {
    loom::model(|| {
        struct Consumer(Arc<Lifecycle>);
        impl Waitable for Consumer {
            fn doorbell(&self) -> DoorbellRef<'_> {
                self.0.consumer_doorbell()
            }
        }
        let life = Arc::new(Lifecycle::new(1));
        life.add_producer();
        let l = life.clone();
        let c = thread::spawn(move || {
            let mut ep = Consumer(l);
            wait::wait_until(&mut ep, SLEEP, |ep| ep.0.closing().then_some(())).unwrap();
        });
        let l = life.clone();
        let p = thread::spawn(move || {
            l.drop_producer();
        });
        life.drop_producer();
        p.join().unwrap();
        c.join().unwrap();
    });
}
