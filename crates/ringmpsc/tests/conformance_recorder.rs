//! The conformance suite instantiated for the flight recorder (its own
//! macro: writers never wait, and entries carry loss counts).
#![allow(clippy::disallowed_types)] // reason: the suite counts drops with std atomics; no protocol runs under loom here

mod recorder {
    ringmpsc_testkit::conformance_recorder!(ringmpsc::recorder);
}
