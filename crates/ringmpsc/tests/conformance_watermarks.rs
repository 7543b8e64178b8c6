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

/// A family module `$name` whose `channel` builds with watermarks (0, 1);
/// every other item is the family's own.
macro_rules! watermarked {
    ($name:ident: $($f:ident)::+, $pair:ident<$tx:ident, $rx:ident>) => {
        pub(crate) mod $name {
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

watermarked!(wm_spsc: ringmpsc::spsc, Pair<Producer, Consumer>);
watermarked!(wm_mpsc: ringmpsc::mpsc, Pair<Producer, Consumer>);
watermarked!(wm_spmc: ringmpsc::spmc, Pair<Producer, Consumer>);
watermarked!(wm_mpmc: ringmpsc::mpmc, Pair<Producer, Consumer>);
ringmpsc_testkit::conformance_families!(
    spsc: crate::wm_spsc,
    mpsc: crate::wm_mpsc,
    spmc: crate::wm_spmc,
    mpmc: crate::wm_mpmc,
);

mod recorder {
    watermarked!(fam: ringmpsc::recorder, Pair<Recorder, Reader>);
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
