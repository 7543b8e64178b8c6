//! `attach` over real memfds with bad contents: each a typed error, never a
//! crash (the heap-image versions of these run under miri in image.rs).
#![cfg(target_os = "linux")]

use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};

use nix::fcntl::{FcntlArg, SealFlag, fcntl};
use nix::sys::memfd::{MFdFlags, memfd_create};
use ring_core::{Config, TryRecvError};
use ring_shm::{SharedRing, ShmError, ShmImage};

/// A memfd holding `bytes`, sealed against shrink and grow if `seal`.
fn memfd(bytes: &[u8], seal: bool) -> OwnedFd {
    let fd = memfd_create(
        c"ring-shm-test",
        MFdFlags::MFD_CLOEXEC | MFdFlags::MFD_ALLOW_SEALING,
    )
    .unwrap();
    let mut f = std::fs::File::from(fd);
    f.write_all(bytes).unwrap();
    if seal {
        fcntl(
            &f,
            FcntlArg::F_ADD_SEALS(SealFlag::F_SEAL_SHRINK | SealFlag::F_SEAL_GROW),
        )
        .unwrap();
    }
    f.into()
}

fn good() -> Vec<u8> {
    ShmImage::new::<u64>(Config::default().with_ring_bits(4))
        .unwrap()
        .to_vec()
        .expect("no handle exists")
}

fn attach_with(mutate: impl FnOnce(&mut Vec<u8>)) -> ShmError {
    let mut b = good();
    mutate(&mut b);
    SharedRing::<u64>::attach(memfd(&b, true)).unwrap_err()
}

/// A good file with the little-endian `v` written at byte `at`, attached
/// (attaching checks the header only).
fn attach_patched(at: usize, v: u64) -> SharedRing<u64> {
    let mut b = good();
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
    SharedRing::<u64>::attach(memfd(&b, true)).unwrap()
}

#[test]
#[cfg_attr(miri, ignore = "memfd_create and mmap are system calls")]
fn a_good_file_attaches() {
    let ring = SharedRing::<u64>::attach(memfd(&good(), true)).unwrap();
    assert_eq!(ring.capacity(), 16);
    let mut rx = ring.into_consumer().unwrap();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
#[cfg_attr(miri, ignore = "memfd_create and mmap are system calls")]
fn each_bad_field_is_a_typed_error() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert!(matches!(
        SharedRing::<u64>::attach(memfd(&garbage, true)),
        Err(ShmError::BadMagic { .. })
    ));
    assert!(matches!(
        attach_with(|b| b[3] ^= 1),
        ShmError::BadMagic { .. }
    ));
    assert!(matches!(
        attach_with(|b| b[8] = 9),
        ShmError::Version { found: 9, .. }
    ));
    assert!(matches!(
        attach_with(|b| b[12] = 4),
        ShmError::ElementSize {
            found: 4,
            expected: 8
        }
    ));
    assert!(matches!(
        attach_with(|b| b[16] = 16),
        ShmError::ElementAlign { .. }
    ));
    assert!(matches!(
        attach_with(|b| b[24] = 15),
        ShmError::Capacity { .. }
    ));
    assert!(matches!(
        attach_with(|b| b.truncate(600)),
        ShmError::SizeMismatch {
            header: 640,
            file: 600
        }
    ));
    assert!(matches!(
        attach_with(|b| b.truncate(40)),
        ShmError::Truncated { len: 40, .. }
    ));
    assert!(matches!(
        attach_with(|b| b.clear()),
        ShmError::Truncated { len: 0, .. }
    ));
    assert!(matches!(
        attach_with(|b| b.extend([0; 64])),
        ShmError::SizeMismatch { .. }
    ));
    // A u32 ring is not a u64 ring.
    assert!(matches!(
        SharedRing::<u32>::attach(memfd(&good(), true)),
        Err(ShmError::ElementSize { .. })
    ));
}

#[test]
#[cfg_attr(miri, ignore = "memfd_create and mmap are system calls")]
fn missing_seals_are_refused() {
    match SharedRing::<u64>::attach(memfd(&good(), false)) {
        Err(ShmError::MissingSeals { seals }) => assert_eq!(seals, 0),
        other => panic!("unexpected {other:?}"),
    }
    // A regular file cannot be sealed at all.
    let path = std::env::temp_dir().join(format!("ring-shm-unsealed-{}", std::process::id()));
    std::fs::write(&path, good()).unwrap();
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(
        SharedRing::<u64>::attach(f.into()),
        Err(ShmError::MissingSeals { .. })
    ));
}

#[test]
#[cfg_attr(miri, ignore = "memfd_create and mmap are system calls")]
fn impossible_indices_are_errors() {
    // Tail far ahead of head.
    let ring = attach_patched(128, 1000);
    assert!(matches!(
        ring.into_consumer(),
        Err(ShmError::IndexCorrupt(_))
    ));
    // Head past tail.
    let ring = attach_patched(256, 5);
    assert!(matches!(
        ring.into_producer(),
        Err(ShmError::IndexCorrupt(_))
    ));
}

#[test]
#[cfg_attr(miri, ignore = "memfd_create and mmap are system calls")]
fn a_created_ring_is_sealed_and_shared() {
    let ring = SharedRing::<u64>::create(Config::default().with_ring_bits(4)).unwrap();
    let seals = fcntl(ring.as_fd(), FcntlArg::F_GET_SEALS).unwrap();
    let want = SealFlag::F_SEAL_SHRINK | SealFlag::F_SEAL_GROW | SealFlag::F_SEAL_SEAL;
    assert_eq!(seals & want.bits(), want.bits());
    let fd = ring.as_fd().try_clone_to_owned().unwrap();
    let other = SharedRing::<u64>::attach(fd).unwrap();
    assert_eq!(other.generation(), ring.generation());
    assert_eq!(other.creator_pid(), std::process::id());
    let mut tx = ring.into_producer().unwrap();
    let mut rx = other.into_consumer().unwrap();
    tx.try_send(99).unwrap();
    assert_eq!(rx.try_recv(), Ok(99));
}
