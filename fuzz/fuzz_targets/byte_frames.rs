//! The byte-record reader of a shared byte ring over arbitrary ring bytes
//! and indices (`ringmpsc_fuzz::byte_frames`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ringmpsc_fuzz::byte_frames(data));
