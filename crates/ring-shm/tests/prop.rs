//! Property tests over heap images: random header bytes, random indices and
//! random operation sequences never crash, never hand out an item that was
//! not in the ring's memory, and validation is total (an error or a layout).
#![cfg(target_os = "linux")]

use proptest::prelude::*;
use ring_core::Config;
use ring_shm::{ShmError, ShmImage};

const TAIL: usize = 128;
const HEAD: usize = 256;

fn ops() -> impl Strategy<Value = Vec<(u8, u64)>> {
    proptest::collection::vec((0u8..8, any::<u64>()), 0..64)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 256 },
        // No failure files: miri's isolation has no file system.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Any bytes at all: validation returns, and a layout it accepts is consistent.
    #[test]
    fn validation_is_total(bytes in proptest::collection::vec(any::<u8>(), 0..1200)) {
        let image = ShmImage::from_bytes(&bytes);
        if let Ok(l) = image.validate::<u32>() {
            prop_assert_eq!(l.total_size(), bytes.len());
        }
    }

    /// A valid ring with random header bytes overwritten, then random
    /// operations with random index writes in between.
    #[test]
    fn hostile_headers_and_indices(
        flips in proptest::collection::vec((0usize..600, any::<u8>()), 0..6),
        script in ops(),
    ) {
        let image = ShmImage::new::<u32>(Config::default().with_ring_bits(3)).unwrap();
        for (off, b) in flips {
            // SAFETY: no handle exists yet.
            unsafe { image.write_bytes(off, &[b]) };
        }
        let (tx, rx) = match (image.producer::<u32>(), image.consumer::<u32>()) {
            (Ok(tx), Ok(rx)) => (tx, rx),
            (Err(e), _) | (_, Err(e)) => {
                // Every refusal is a typed error, never a crash.
                let is_io = matches!(e, ShmError::Io { .. });
                prop_assert!(!is_io, "unexpected OS error");
                return Ok(());
            }
        };
        let (mut tx, mut rx) = (tx, rx);
        let mut out = Vec::new();
        for (op, arg) in script {
            match op {
                0 => { let _ = tx.try_send(arg as u32); }
                1 => { let _ = tx.send_slice(&[1, 2, 3, 4, 5][..(arg % 6) as usize]); }
                2 => { let _ = rx.try_recv(); }
                3 => { out.clear(); let _ = rx.recv_many(&mut out, (arg % 10) as usize); }
                4 => { let _ = rx.consume_batch(|_| {}); }
                5 => { if let Some(r) = tx.reserve((arg % 9) as usize) { r.commit(arg as usize % 2); } }
                // SAFETY: all handles are used on this thread.
                6 => unsafe { image.write_bytes(TAIL, &(arg % 40).to_le_bytes()); },
                // SAFETY: as above.
                _ => unsafe { image.write_bytes(HEAD, &(arg % 40).to_le_bytes()); },
            }
            prop_assert!(tx.len() <= tx.capacity());
            prop_assert!(rx.len() <= rx.capacity());
        }
    }
}
