//! The conformance suite again, with watermarks on: every family built with
//! `watermarks(0, 1)`, so every commit into an empty ring crosses `high`
//! and every drain crosses `low`, and the crossing word is exercised on
//! every path the suite takes (the observer-based tests build their own
//! channels without watermarks). Watermarks must change nothing else: SPSC,
//! MPSC, SPMC, MPMC, the flight recorder, broadcast and byte records.
//!
//! Not under miri: the crossing word is safe code over one atomic, and the
//! suite's unsafe paths already run under miri in `conformance.rs`.
#![cfg(not(miri))]
#![allow(clippy::disallowed_types)] // reason: the suite counts drops with std atomics; no protocol runs under loom here

/// A family module whose `channel` builds with watermarks (0, 1); every
/// other item is the family's own.
macro_rules! watermarked {
    ($($f:ident)::+, $pair:ident<$tx:ident, $rx:ident>) => {
        pub(crate) mod fam {
            pub(crate) use $($f)::+::*;
            pub(crate) fn channel<T>(config: ringmpsc::primitives::Config) -> $pair<T> {
                Builder::new(config)
                    .watermarks(0, 1)
                    .build::<T>()
                    .expect("0 < 1 <= capacity")
            }
            pub(crate) type $pair<T> = ($tx<T>, $rx<T>);
        }
    };
}

mod spsc {
    watermarked!(ringmpsc::spsc, Pair<Producer, Consumer>);
    ringmpsc_testkit::conformance_core!(crate::spsc::fam);
    ringmpsc_testkit::conformance_single_consumer!(crate::spsc::fam);
}

mod mpsc {
    watermarked!(ringmpsc::mpsc, Pair<Producer, Consumer>);
    ringmpsc_testkit::conformance_core!(crate::mpsc::fam);
    ringmpsc_testkit::conformance_single_consumer!(crate::mpsc::fam);
    ringmpsc_testkit::conformance_clone_producer!(crate::mpsc::fam, single_consumer);
}

mod spmc {
    watermarked!(ringmpsc::spmc, Pair<Producer, Consumer>);
    ringmpsc_testkit::conformance_core!(crate::spmc::fam);
    ringmpsc_testkit::conformance_clone_consumer!(crate::spmc::fam);
}

mod mpmc {
    watermarked!(ringmpsc::mpmc, Pair<Producer, Consumer>);
    ringmpsc_testkit::conformance_core!(crate::mpmc::fam);
    ringmpsc_testkit::conformance_clone_producer!(crate::mpmc::fam);
    ringmpsc_testkit::conformance_clone_consumer!(crate::mpmc::fam);
}

mod recorder {
    watermarked!(ringmpsc::recorder, Pair<Recorder, Reader>);
    ringmpsc_testkit::conformance_recorder!(crate::recorder::fam);
}

mod broadcast {
    pub(crate) mod fam {
        pub(crate) use ringmpsc::broadcast::*;
        pub(crate) fn channel<T: Clone>(
            config: ringmpsc::primitives::Config,
            overflow: Overflow,
        ) -> Channel<T> {
            Builder::new(config)
                .options(overflow)
                .watermarks(0, 1)
                .build::<T>()
                .expect("0 < 1 <= capacity")
        }
    }
    ringmpsc_testkit::conformance_broadcast!(crate::broadcast::fam);
}

mod bytes {
    pub(crate) mod fam {
        pub(crate) use ringmpsc::bytes::*;
        pub(crate) fn channel(
            config: ringmpsc::primitives::Config,
        ) -> (ByteProducer, ByteConsumer) {
            Builder::new(config)
                .watermarks(0, 1)
                .build::<u8>()
                .expect("0 < 1 <= capacity")
        }
    }
    ringmpsc_testkit::conformance_bytes!(crate::bytes::fam);
}
