//! The byte-record family (`ringmpsc::bytes`) against its conformance suite
//! (the test kit's `conformance_bytes!`).
#![allow(clippy::disallowed_types)] // reason: the suite's helpers use std atomics; no protocol runs under loom here

mod bytes {
    ringmpsc_testkit::conformance_bytes!(ringmpsc::bytes);
}
