//! Patched images of every shared-ring kind (items, flight recorder, byte
//! ring), every role of every kind tried (`ringmpsc_fuzz::shm_patch`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ringmpsc_fuzz::shm_patch(data));
