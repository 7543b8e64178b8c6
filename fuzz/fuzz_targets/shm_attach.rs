//! Attaching to a shared ring whose bytes a hostile or broken peer wrote:
//! validation, taking each role, and every receive and send path over
//! whatever header, indices and slots the input holds. Nothing may panic,
//! read outside the image, or loop without end.
//!
//! Input: byte 0 picks the mode. Mode 0: the rest is the whole image.
//! Otherwise a valid image of `2^(byte 1 % 6 + 1)` `u64` slots is built (a
//! `SharedRing`'s for odd modes, a `SharedRecorder`'s for even ones) and
//! the rest is a list of (offset: u16 little endian, value: u8) patches to
//! it, so that the fuzzer reaches the indices, stamps and slots behind a
//! valid header. Every image is tried as both kinds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ring_core::Config;
use ring_shm::ShmImage;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let image = if mode == 0 {
        ShmImage::from_bytes(rest)
    } else {
        let Some((&bits, patches)) = rest.split_first() else {
            return;
        };
        let Ok(mut valid) =
            ShmImage::new::<u64>(Config::default().with_ring_bits(u32::from(bits % 6) + 1))
        else {
            return;
        };
        let Some(mut bytes) = valid.to_vec() else {
            return;
        };
        for p in patches.chunks_exact(3) {
            let at = usize::from(u16::from_le_bytes([p[0], p[1]]));
            if let Some(b) = bytes.get_mut(at) {
                *b = p[2];
            }
        }
        ShmImage::from_bytes(&bytes)
    };
    if let Ok(mut rx) = image.consumer::<u64>() {
        let mut out = [0u64; 8];
        for _ in 0..4 {
            let _ = rx.try_recv();
            let _ = rx.recv_slice(&mut out);
            let _ = rx.consume_batch(|v| {
                std::hint::black_box(v);
            });
            let _ = rx.len();
        }
        let _ = rx.corruption();
    }
    if let Ok(mut r) = image.reader::<u64>() {
        for _ in 0..8 {
            if let Ok(e) = r.try_recv() {
                std::hint::black_box((e.seq, e.value, e.lost_before));
            }
            let _ = (r.len(), r.lost(), r.is_closed());
        }
        let _ = r.corruption();
    }
    if let Ok(mut w) = image.writer::<u64>() {
        for i in 0..8u64 {
            let _ = w.record(i);
        }
        let _ = w.evicted();
    }
    if let Ok(mut tx) = image.producer::<u64>() {
        for i in 0..4u64 {
            let _ = tx.try_send(i);
            let _ = tx.send_slice(&[i, i + 1]);
            let _ = tx.len();
        }
    }
});
