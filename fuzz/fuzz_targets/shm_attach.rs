//! Shared-ring attach (items and byte rings) over arbitrary header bytes
//! (`ringmpsc_fuzz::shm_attach`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ringmpsc_fuzz::shm_attach(data));
