//! Affinity: bind, then check where the thread really runs. Every binding
//! happens in a spawned thread so the test harness's threads keep theirs.
#![cfg(not(miri))] // sched_setaffinity / sched_getcpu / sysfs

mod common;

use common::TempTree;
use ring_numa::{
    NumaError, Topology, allowed_cpus, bind_thread_to_cpu, bind_thread_to_node, current_cpu,
    current_node,
};
use ringmpsc_testkit::watchdog;

#[test]
fn bind_then_current_cpu_is_that_cpu() {
    let before = allowed_cpus().unwrap();
    assert!(!before.is_empty());
    let cpus = before.clone();
    watchdog(30, move || {
        // Last CPU first: a `current_cpu` that returned the first CPU of the
        // mask (the seed's mistake) would fail here on any 2+ CPU machine.
        for &cpu in cpus.iter().rev() {
            std::thread::spawn(move || {
                bind_thread_to_cpu(cpu).unwrap();
                assert_eq!(allowed_cpus().unwrap(), [cpu]);
                for _ in 0..100 {
                    assert_eq!(current_cpu(), Some(cpu));
                    std::thread::yield_now();
                }
            })
            .join()
            .unwrap();
        }
    });
    assert_eq!(allowed_cpus().unwrap(), before);
}

#[test]
fn the_calling_thread_only_is_bound() {
    let mine = allowed_cpus().unwrap();
    let cpu = *mine.last().unwrap();
    std::thread::spawn(move || bind_thread_to_cpu(cpu).unwrap())
        .join()
        .unwrap();
    assert_eq!(allowed_cpus().unwrap(), mine);
}

#[test]
fn bind_to_each_node() {
    let topo = Topology::detect().unwrap();
    let allowed = allowed_cpus().unwrap();
    watchdog(30, move || {
        for node in topo.nodes() {
            // Only nodes this process may run on (a cgroup may exclude some).
            if !node.cpus().iter().any(|c| allowed.contains(c)) {
                continue;
            }
            let (id, topo) = (node.id(), topo.clone());
            std::thread::spawn(move || {
                bind_thread_to_node(id, &topo).unwrap();
                let now = allowed_cpus().unwrap();
                assert!(!now.is_empty());
                assert!(
                    now.iter()
                        .all(|c| topo.node(id).unwrap().cpus().contains(c))
                );
                assert_eq!(current_node(&topo), Some(id));
            })
            .join()
            .unwrap();
        }
    });
}

#[test]
fn unknown_cpus_and_nodes_are_typed_errors() {
    let topo = Topology::detect().unwrap();
    std::thread::spawn(move || {
        let before = allowed_cpus().unwrap();
        assert!(matches!(
            bind_thread_to_cpu(1 << 20),
            Err(NumaError::UnknownCpu { cpu }) if cpu == 1 << 20
        ));
        assert!(matches!(
            bind_thread_to_node(1 << 20, &topo),
            Err(NumaError::UnknownNode { node }) if node == 1 << 20
        ));
        // Nothing changed.
        assert_eq!(allowed_cpus().unwrap(), before);
    })
    .join()
    .unwrap();
}

#[test]
fn memory_only_nodes_cannot_take_threads() {
    let t = TempTree::new("memonly");
    t.node(0, "0", 1, "10 20");
    t.node(1, "", 1, "20 10");
    let topo = Topology::from_sysfs(t.path()).unwrap();
    assert!(matches!(
        bind_thread_to_node(1, &topo),
        Err(NumaError::NodeWithoutCpus { node: 1 })
    ));
}

#[test]
fn current_node_agrees_with_the_topology() {
    let topo = Topology::detect().unwrap();
    let cpu = current_cpu().expect("sched_getcpu works on Linux");
    assert!(topo.node_of_cpu(cpu).is_ok());
    assert!(current_node(&topo).is_some());
}
