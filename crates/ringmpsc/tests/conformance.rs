//! The conformance suite (the test kit's macros) instantiated for every
//! channel family. A new family is not done until it passes here.
#![allow(clippy::disallowed_types)] // reason: the suite counts drops with std atomics; no protocol runs under loom here

ringmpsc_testkit::conformance_families!(
    spsc: ringmpsc::spsc,
    mpsc: ringmpsc::mpsc,
    spmc: ringmpsc::spmc,
    mpmc: ringmpsc::mpmc,
);

/// ring-wait's `EventNotifier` (a real eventfd, as epoll, mio and tokio's
/// `AsyncFd` use it) is signalled when an armed consumer's channel closes,
/// by a `Closer` and by the last producer's drop, for every family.
/// (eventfd is a syscall: not under miri.)
#[cfg(not(miri))]
mod event_notifier {
    use ringmpsc::primitives::Config;
    use ringmpsc::wait::EventNotifier;

    macro_rules! signalled_on_close {
        ($name:ident, $f:path) => {
            #[test]
            fn $name() {
                use $f as family;
                for by_closer in [true, false] {
                    let (tx, mut rx) = family::channel::<u64>(Config::default().with_ring_bits(2));
                    let n = EventNotifier::new().expect("eventfd");
                    rx.set_notifier(Some(n.clone()));
                    assert!(!rx.arm(), "nothing waiting: the event loop may sleep");
                    if by_closer {
                        rx.closer().close();
                    } else {
                        drop(tx);
                    }
                    assert!(
                        n.consume() > 0,
                        "the eventfd was not signalled (closer: {by_closer})"
                    );
                    assert!(rx.is_closed());
                }
            }
        };
    }

    signalled_on_close!(spsc, ringmpsc::spsc);
    signalled_on_close!(mpsc, ringmpsc::mpsc);
    signalled_on_close!(spmc, ringmpsc::spmc);
    signalled_on_close!(mpmc, ringmpsc::mpmc);
}
