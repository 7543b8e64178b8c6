//! The conformance suite again, with watermarks on: every family built with
//! `watermarks(0, 1)`, so every commit into an empty ring crosses `high`
//! and every drain crosses `low`, and the crossing word is exercised on
//! every path the suite takes (the observer-based tests build their own
//! channels without watermarks). Watermarks must change nothing else.
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
    ringmpsc_testkit::conformance_core!(self::fam);
    ringmpsc_testkit::conformance_single_consumer!(self::fam);
}
