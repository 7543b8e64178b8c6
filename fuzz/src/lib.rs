//! The bodies of the fuzz targets, as plain functions of the input bytes
//! (`fuzz_targets/*.rs` hand them libFuzzer's input; `cargo xtask fuzz`
//! runs each target for a bounded time over the corpus in `corpus/`).
//!
//! All feed bytes a hostile process could have written into a shared
//! mapping to the code that reads them, through `ring_shm::ShmImage` (a heap
//! image laid out exactly as a mapping), and call every operation: nothing
//! may panic, hang, or touch memory outside the image (the sanitizer
//! checks the latter).
#![forbid(unsafe_code)]

use ring_core::TryRecvError;
use ring_shm::{ShmImage, ShmLayout};

/// Offsets of the shared layout (docs/shm-protocol.md).
const TAIL: usize = 128;
const HEAD: usize = 256;
const SLOTS: usize = 512;

/// The byte-record reader over arbitrary ring bytes and indices: the input
/// is `[ring_bits selector, head (8 bytes), tail (8 bytes), slot bytes...]`
/// laid into a fresh byte ring of 32 to 256 bytes; then the consumer's
/// every read path runs until it reports `Empty` or `Closed`.
pub fn byte_frames(data: &[u8]) {
    let Some((&bits, rest)) = data.split_first() else {
        return;
    };
    let bits = 5 + u32::from(bits % 4);
    let Some((head, rest)) = rest.split_first_chunk::<8>() else {
        return;
    };
    let Some((tail, slots)) = rest.split_first_chunk::<8>() else {
        return;
    };
    let config = ring_core::Config::default().with_ring_bits(bits);
    let Ok(mut fresh) = ShmImage::new_bytes(config) else {
        return;
    };
    let Some(mut bytes) = fresh.to_vec() else {
        return;
    };
    let cap = 1usize << bits;
    bytes[HEAD..HEAD + 8].copy_from_slice(head);
    bytes[TAIL..TAIL + 8].copy_from_slice(tail);
    let n = slots.len().min(cap);
    bytes[SLOTS..SLOTS + n].copy_from_slice(&slots[..n]);
    let image = ShmImage::from_bytes(&bytes);
    let Ok(mut rx) = image.byte_consumer() else {
        return;
    };
    let max = cap / 2;
    let _ = (rx.len(), rx.bytes_used(), rx.is_empty());
    let mut buf = Vec::new();
    for round in 0..cap {
        let r = match round % 3 {
            0 => rx
                .try_recv_into(&mut buf)
                .map(|n| assert!(n <= max && n == buf.len())),
            1 => rx.try_recv().map(|v| assert!(v.len() <= max)),
            _ => match rx.consume_batch(|r| assert!(r.len() <= max)) {
                0 => Err(TryRecvError::Empty),
                _ => Ok(()),
            },
        };
        if r == Err(TryRecvError::Closed) {
            break;
        }
    }
    // A producer on the same image sees whatever the consumer left.
    if let Ok(mut tx) = image.byte_producer() {
        let _ = tx.try_send(b"after");
        let _ = tx.try_reserve(3).map(|mut g| {
            g.write(0, b"abc");
            g.commit();
        });
    }
}

/// Shared-ring attach over arbitrary header bytes: the input replaces the
/// first bytes of a valid image (items or bytes, chosen by the first input
/// byte), then the image is validated both ways, and where it passes, both
/// roles are taken and used.
pub fn shm_attach(data: &[u8]) {
    let Some((&sel, patch)) = data.split_first() else {
        return;
    };
    let config = ring_core::Config::default().with_ring_bits(5 + u32::from(sel % 3));
    let fresh = if sel & 0x80 == 0 {
        ShmImage::new::<u64>(config)
    } else {
        ShmImage::new_bytes(config)
    };
    let Ok(mut fresh) = fresh else {
        return;
    };
    let Some(mut bytes) = fresh.to_vec() else {
        return;
    };
    let n = patch.len().min(bytes.len());
    bytes[..n].copy_from_slice(&patch[..n]);
    if sel & 0x40 != 0 {
        bytes.truncate(patch.len() % (bytes.len() + 1));
    }
    let image = ShmImage::from_bytes(&bytes);
    let items: Result<ShmLayout, _> = image.validate::<u64>();
    if items.is_ok()
        && let (Ok(mut tx), Ok(mut rx)) = (image.producer::<u64>(), image.consumer::<u64>())
    {
        let _ = tx.try_send(1);
        let _ = tx.send_slice(&[2, 3]);
        let _ = rx.try_recv();
        let _ = rx.consume_batch(|_| {});
    }
    let image = ShmImage::from_bytes(&bytes);
    if image.validate_bytes().is_ok()
        && let (Ok(mut tx), Ok(mut rx)) = (image.byte_producer(), image.byte_consumer())
    {
        let _ = tx.try_send(b"x");
        let _ = rx.try_recv();
        let _ = rx.consume_batch(|_| {});
        let _ = (rx.len(), tx.bytes_used());
    }
}

/// Patches at chosen offsets of a valid image of any kind, so that the
/// fuzzer reaches the indices, stamps and slots behind a valid header: the
/// input is `[mode, ring_bits selector, (offset: u16 LE, value: u8)...]`.
/// Mode 0 takes the rest of the input as the whole image instead; other
/// modes pick a ring of items, a flight recorder or a byte ring. The image
/// is then taken as every kind, and every role of each kind that validates
/// is used.
pub fn shm_patch(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let image = if mode == 0 {
        ShmImage::from_bytes(rest)
    } else {
        let Some((&bits, patches)) = rest.split_first() else {
            return;
        };
        let config = ring_core::Config::default().with_ring_bits(u32::from(bits % 6) + 1);
        let valid = match mode % 3 {
            1 => ShmImage::new::<u64>(config),
            2 => ShmImage::recorder::<u64>(config),
            _ => ShmImage::new_bytes(config),
        };
        let Ok(mut valid) = valid else {
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
        }
        let _ = rx.corruption();
    }
    if let Ok(mut tx) = image.producer::<u64>() {
        for i in 0..4u64 {
            let _ = tx.try_send(i);
            let _ = tx.send_slice(&[i, i + 1]);
        }
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
    if let Ok(mut rx) = image.byte_consumer() {
        let mut buf = Vec::new();
        for _ in 0..4 {
            let _ = rx.try_recv_into(&mut buf);
            let _ = rx.consume_batch(|r| {
                std::hint::black_box(r);
            });
        }
    }
    if let Ok(mut tx) = image.byte_producer() {
        let _ = tx.try_send(b"patched");
    }
}

/// A collector's doorbell file over arbitrary bytes: the input (after a
/// first byte choosing how) either replaces the first bytes of a valid
/// doorbell image or is the whole image (any length); validation must
/// give a typed answer, accept only a 128-byte file with the right words,
/// and never read outside the image.
pub fn bell_attach(data: &[u8]) {
    let Some((&how, rest)) = data.split_first() else {
        return;
    };
    let image = if how % 2 == 0 {
        let mut fresh = ShmImage::new_bell();
        let Some(mut bytes) = fresh.to_vec() else {
            return;
        };
        let n = rest.len().min(bytes.len());
        bytes[..n].copy_from_slice(&rest[..n]);
        ShmImage::from_bytes(&bytes)
    } else {
        ShmImage::from_bytes(rest)
    };
    if image.validate_bell().is_ok() {
        assert_eq!(image.len(), 128);
        let mut image = image;
        let bytes = image.to_vec().unwrap_or_default();
        assert_eq!(&bytes[..8], b"ringbel\0");
    }
}
