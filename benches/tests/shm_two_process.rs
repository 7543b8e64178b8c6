//! The two-process contenders of the shm scenarios, run small against the
//! built `suite` binary (which dispatches the child role): every transport
//! and shape completes and verifies, and a peer that is not a suite child
//! fails the run instead of hanging it.

use std::path::Path;

use ring_benches::shm::{Shape, Transport, two_process};
use ring_benches::workloads::Placement;

const SUITE: &str = env!("CARGO_BIN_EXE_suite");

#[test]
fn every_transport_and_shape_verifies() {
    for t in [Transport::Ring, Transport::Pipe, Transport::Socket] {
        for (shape, items) in [
            (Shape::Batch, 50_000),
            (Shape::Single, 5_000),
            (Shape::Echo, 200),
        ] {
            let s = two_process(Path::new(SUITE), t, shape, items, Placement::TwoCores)
                .unwrap_or_else(|e| panic!("{t:?} {shape:?}: {e}"));
            assert!(
                s.primary.is_finite() && s.primary > 0.0,
                "{t:?} {shape:?}: {}",
                s.primary
            );
            if shape == Shape::Echo {
                assert_eq!(s.extra.len(), 3, "p99, p99.9, max");
            }
        }
    }
}

#[test]
fn a_peer_that_never_answers_fails_the_run() {
    // `true` ignores its arguments and exits: no connection, no `ready`.
    for t in [Transport::Ring, Transport::Pipe, Transport::Socket] {
        let r = two_process(
            Path::new("/bin/true"),
            t,
            Shape::Batch,
            1_000,
            Placement::TwoCores,
        );
        assert!(r.is_err(), "{t:?} accepted a dead peer");
    }
}

#[test]
fn the_child_rejects_bad_arguments() {
    let out = std::process::Command::new(SUITE)
        .args([
            ring_benches::shm::CHILD_CMD,
            "carrier-pigeon",
            "batch",
            "0",
            "1",
        ])
        .output()
        .expect("run the suite");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("error usage"));
}
