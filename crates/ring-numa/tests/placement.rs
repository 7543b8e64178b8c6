//! Placement: rings on `NodeLocal` memory, with the policy read back from the
//! kernel (`get_mempolicy`) for the ring's own slot memory.
#![cfg(not(miri))] // mbind / get_mempolicy / sysfs

mod common;

use common::TempTree;
use ring_core::{BuildError, Config, MemoryError, spsc::Builder};
use ring_numa::{
    NodeLocal, NumaError, Policy, PolicyMode, Topology, bind_thread_to_node, memory_policy_of,
    node_of_memory,
};
use ringmpsc_testkit::watchdog;

/// 4096 `u64` slots: 32 KiB, several pages.
const CFG: Config = Config::LOW_LATENCY;

/// Fills a ring built on `memory` and checks the first and last slot pages.
fn check_ring(memory: NodeLocal, mode: PolicyMode, node: usize) {
    let (mut tx, rx) = Builder::new(CFG).memory(memory).build::<u64>().unwrap();
    let n = CFG.capacity();
    for i in 0..n as u64 {
        tx.try_send(i).unwrap();
    }
    let slots = rx.readable().unwrap();
    assert_eq!(slots.len(), n);
    assert_eq!(slots.iter().sum::<u64>(), (0..n as u64).sum());
    for item in [&slots[0], &slots[n / 2], &slots[n - 1]] {
        let p = memory_policy_of(item).unwrap();
        assert_eq!((p.mode, p.nodes), (mode, vec![node]));
        assert_eq!(node_of_memory(item).unwrap(), node);
    }
}

#[test]
fn heap_memory_has_no_policy_control() {
    // The control: without NodeLocal the slots read back as Default, so the
    // checks below can tell placement from no placement.
    let (mut tx, rx) = Builder::new(CFG).build::<u64>().unwrap();
    tx.try_send(1).unwrap();
    let p = memory_policy_of(rx.readable().unwrap()).unwrap();
    assert_eq!(p.mode, PolicyMode::Default);
    assert!(p.nodes.is_empty());
}

#[test]
fn on_node_preferred_and_bind() {
    let node = Topology::detect().unwrap().nodes()[0].id();
    check_ring(
        NodeLocal::on_node(node).unwrap(),
        PolicyMode::Preferred,
        node,
    );
    check_ring(
        NodeLocal::on_node(node).unwrap().with_policy(Policy::Bind),
        PolicyMode::Bind,
        node,
    );
}

#[test]
fn for_cpu_places_on_that_cpus_node() {
    let topo = Topology::detect().unwrap();
    for cpu in topo.cpus() {
        let local = NodeLocal::for_cpu(cpu).unwrap();
        let node = topo.node_of_cpu(cpu).unwrap();
        assert_eq!(local.node(), Some(node));
        check_ring(local, PolicyMode::Preferred, node);
    }
}

#[test]
fn first_sender_binds_to_the_sending_threads_node() {
    let topo = Topology::detect().unwrap();
    let allowed = ring_numa::allowed_cpus().unwrap();
    watchdog(30, move || {
        for node in topo.nodes() {
            if !node.cpus().iter().any(|c| allowed.contains(c)) {
                continue;
            }
            let id = node.id();
            // Built here (the header page is touched on this thread) ...
            let (mut tx, rx) = Builder::new(CFG)
                .memory(NodeLocal::first_sender().with_policy(Policy::Bind))
                .build::<u64>()
                .unwrap();
            let t = topo.clone();
            // ... first sent through on a thread pinned to `id`.
            std::thread::spawn(move || {
                bind_thread_to_node(id, &t).unwrap();
                for i in 0..CFG.capacity() as u64 {
                    tx.try_send(i).unwrap();
                }
            })
            .join()
            .unwrap();
            let slots = rx.readable().unwrap();
            for item in [&slots[0], &slots[slots.len() - 1]] {
                let p = memory_policy_of(item).unwrap();
                assert_eq!((p.mode, p.nodes), (PolicyMode::Bind, vec![id]));
                assert_eq!(node_of_memory(item).unwrap(), id);
            }
        }
    });
}

#[test]
fn unknown_nodes_and_cpus_are_typed_errors() {
    assert!(matches!(
        NodeLocal::on_node(1 << 20),
        Err(NumaError::UnknownNode { node }) if node == 1 << 20
    ));
    assert!(matches!(
        NodeLocal::for_cpu(1 << 20),
        Err(NumaError::UnknownCpu { cpu }) if cpu == 1 << 20
    ));
}

#[test]
fn one_node_machines_never_fail() {
    // A one-node topology whose node id the kernel does not know: the mbind
    // is refused (EINVAL), and on one node that is ignored.
    let t = TempTree::new("onenode");
    t.node(61, "0", 1, "10");
    let topo = Topology::from_sysfs(t.path()).unwrap();
    assert!(!topo.is_numa());
    let real = Topology::detect().unwrap();
    if real.node(61).is_some() {
        return; // a machine with a node 61 binds for real
    }
    let (mut tx, mut rx) = Builder::new(CFG)
        .memory(NodeLocal::on_node_in(&topo, 61).unwrap())
        .build::<u64>()
        .unwrap();
    tx.try_send(5).unwrap();
    assert_eq!(rx.try_recv(), Ok(5));
}

#[test]
fn on_a_numa_machine_a_refused_bind_fails_the_build() {
    let real = Topology::detect().unwrap();
    if real.node(62).is_some() || real.node(63).is_some() {
        return;
    }
    let t = TempTree::new("refused");
    t.node(62, "0", 1, "10 20");
    t.node(63, "1", 1, "20 10");
    let topo = Topology::from_sysfs(t.path()).unwrap();
    assert!(topo.is_numa());
    let r = Builder::new(CFG)
        .memory(NodeLocal::on_node_in(&topo, 63).unwrap())
        .build::<u64>();
    match r {
        Err(BuildError::Memory(MemoryError::Os { what, errno })) => {
            assert_eq!(what, "mbind");
            assert_eq!(errno, libc::EINVAL);
        }
        other => panic!("expected an mbind error, got {other:?}"),
    }
}

#[test]
fn over_aligned_items_get_aligned_rings() {
    #[repr(align(16384))]
    #[derive(Debug, PartialEq)]
    struct Big(u64);
    let node = Topology::detect().unwrap().nodes()[0].id();
    let (mut tx, mut rx) = Builder::new(Config::default().with_ring_bits(2))
        .memory(NodeLocal::on_node(node).unwrap())
        .build::<Big>()
        .unwrap();
    for i in 0..3 {
        tx.try_send(Big(i)).unwrap();
    }
    let first = rx.peek().unwrap();
    assert_eq!(core::ptr::from_ref(first).addr() % 16384, 0);
    assert_eq!(memory_policy_of(first).unwrap().nodes, [node]);
    for i in 0..3 {
        assert_eq!(rx.try_recv(), Ok(Big(i)));
    }
}
