//! The test kit's conformance suite for ring-shm's handles: the portable
//! part (`conformance_basic!`) over a producer and a consumer of one shared
//! ring, each taken through its own attach of the memfd, in one process.
//! Real syscalls (memfd, mmap, futex): not under miri.
#![cfg(all(target_os = "linux", not(miri)))]

use std::os::fd::AsFd;

use ring_core::Config;
use ring_shm::{SharedConsumer, SharedProducer, SharedRing};

fn shm_pair(config: Config) -> (SharedProducer<u64>, SharedConsumer<u64>) {
    let a = SharedRing::<u64>::create(config).expect("create");
    let fd = a.as_fd().try_clone_to_owned().expect("dup");
    let b = SharedRing::<u64>::attach(fd).expect("attach");
    (
        a.into_producer().expect("producer role"),
        b.into_consumer().expect("consumer role"),
    )
}

ringmpsc_testkit::conformance_basic!(shm_pair);
