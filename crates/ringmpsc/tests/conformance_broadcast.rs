//! The broadcast conformance suite (the test kit's `conformance_broadcast!`)
//! instantiated for `ringmpsc::broadcast`: every subscriber sees every item
//! (or exactly counted gaps), close by every route wakes everyone, and every
//! value is dropped exactly once on every path.
#![allow(clippy::disallowed_types)] // reason: the suite counts drops with std atomics; no protocol runs under loom here

ringmpsc_testkit::conformance_broadcast!(ringmpsc::broadcast);
