//! A collector's doorbell file over arbitrary bytes
//! (`ringmpsc_fuzz::bell_attach`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ringmpsc_fuzz::bell_attach(data));
