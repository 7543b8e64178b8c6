//! The topology readers: a simulated multi-node machine (a fake sysfs tree),
//! the fallback, malformed input, and both backends on this machine.
#![cfg(not(miri))] // every test here reads files (miri isolation)

mod common;

use common::TempTree;
use ring_numa::{Backend, NumaError, Topology};

/// Four nodes: two with CPUs in odd lists, one small, one memory-only.
fn four_nodes(t: &TempTree) {
    t.write("online", "0-3\n");
    t.write("possible", "0-7\n");
    t.write("has_cpu", "0-2\n");
    t.node(0, "0-3,8,10-11", 1_000, "10 21 12 31");
    t.node(1, "4-7", 2_000, "21 10 20 13");
    t.node(2, "9", 3_000, "12 20 10 25");
    t.node(3, "", 4_000, "31 13 25 10");
    t.write("node0/cpu0/online", "1\n"); // noise the reader must skip
    t.write("power/async", "disabled\n");
}

#[test]
fn four_node_machine() {
    let t = TempTree::new("four");
    four_nodes(&t);
    let topo = Topology::from_sysfs(t.path()).unwrap();
    assert_eq!(topo.backend(), Backend::Sysfs);
    assert!(topo.is_numa());
    let ids: Vec<usize> = topo.nodes().iter().map(|n| n.id()).collect();
    assert_eq!(ids, [0, 1, 2, 3]);

    // cpulist parsing, "0-3,8,10-11".
    assert_eq!(topo.node(0).unwrap().cpus(), [0, 1, 2, 3, 8, 10, 11]);
    assert_eq!(topo.node(1).unwrap().cpus(), [4, 5, 6, 7]);
    assert!(topo.node(3).unwrap().cpus().is_empty());
    assert_eq!(
        topo.cpus().collect::<Vec<_>>(),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    );
    assert_eq!(topo.node(2).unwrap().memory_bytes(), 3_000 * 1024);

    // node_of_cpu, including the CPUs after the ranges and a hole.
    for (cpu, node) in [
        (0, 0),
        (3, 0),
        (4, 1),
        (7, 1),
        (8, 0),
        (9, 2),
        (10, 0),
        (11, 0),
    ] {
        assert_eq!(topo.node_of_cpu(cpu).unwrap(), node, "cpu {cpu}");
    }
    assert!(matches!(
        topo.node_of_cpu(12),
        Err(NumaError::UnknownCpu { cpu: 12 })
    ));

    // nearest_node follows the distance matrix, not the ids.
    assert_eq!(topo.nearest_node(0).unwrap(), 2);
    assert_eq!(topo.nearest_node(1).unwrap(), 3);
    assert_eq!(topo.nearest_node(2).unwrap(), 0);
    assert_eq!(topo.nearest_node(3).unwrap(), 1);
    assert!(matches!(
        topo.nearest_node(4),
        Err(NumaError::UnknownNode { node: 4 })
    ));
    assert_eq!(topo.distance(3, 0).unwrap(), 31);
    assert_eq!(topo.node(1).unwrap().distances(), [21, 10, 20, 13]);
}

#[test]
fn sparse_node_ids_and_offline_nodes() {
    let t = TempTree::new("sparse");
    t.write("online", "0,2\n");
    t.node(0, "0-1", 10, "10 30");
    t.node(2, "2-3", 10, "30 10");
    t.node(5, "4", 10, "10"); // present but offline: ignored
    let topo = Topology::from_sysfs(t.path()).unwrap();
    assert_eq!(
        topo.nodes().iter().map(|n| n.id()).collect::<Vec<_>>(),
        [0, 2]
    );
    assert_eq!(topo.index_of(2).unwrap(), 1);
    assert_eq!(topo.nearest_node(0).unwrap(), 2);
    assert_eq!(topo.node_of_cpu(3).unwrap(), 2);
    assert!(topo.node_of_cpu(4).is_err());
    assert!(topo.node(1).is_none());
}

#[test]
fn two_nodes_without_distance_files_get_defaults() {
    let t = TempTree::new("nodist");
    t.write("node0/cpulist", "0\n");
    t.write("node1/cpulist", "1\n");
    let topo = Topology::from_sysfs(t.path()).unwrap();
    assert!(topo.is_numa());
    assert_eq!(topo.node(0).unwrap().distances(), [10, 20]);
    assert_eq!(topo.node(1).unwrap().memory_bytes(), 0);
    assert_eq!(topo.nearest_node(1).unwrap(), 0);
}

#[test]
fn missing_tree_falls_back_to_one_uniform_node() {
    let t = TempTree::new("empty");
    for root in [t.path().join("does-not-exist"), t.path().to_owned()] {
        let topo = Topology::from_sysfs(&root).unwrap();
        assert_eq!(topo.backend(), Backend::Fallback);
        assert!(!topo.is_numa());
        assert_eq!(topo.nodes().len(), 1);
        let node = &topo.nodes()[0];
        assert_eq!(node.id(), 0);
        assert_eq!(node.distances(), [10]);
        assert!(!node.cpus().is_empty());
        assert_eq!(topo.node_of_cpu(0).unwrap(), 0);
        assert_eq!(topo.nearest_node(0).unwrap(), 0);
    }
}

/// A named way to break a tree.
type Case = (&'static str, fn(&TempTree));

#[test]
fn malformed_files_are_typed_errors() {
    let cases: [Case; 5] = [
        ("badcpulist", |t| t.node(0, "0-x", 1, "10")),
        ("reversed", |t| t.node(0, "3-1", 1, "10")),
        ("shortrow", |t| {
            t.node(0, "0", 1, "10");
            t.node(1, "1", 1, "10");
        }),
        ("twice", |t| {
            t.node(0, "0-1", 1, "10 20");
            t.node(1, "1-2", 1, "20 10");
        }),
        ("badmem", |t| {
            t.node(0, "0", 1, "10");
            t.write("node0/meminfo", "Node 0 MemTotal: lots\n");
        }),
    ];
    for (name, build) in cases {
        let t = TempTree::new(name);
        build(&t);
        match Topology::from_sysfs(t.path()) {
            Err(NumaError::Parse { path, .. }) => {
                assert!(path.starts_with(t.path()), "{name}: {}", path.display())
            }
            other => panic!("{name}: expected a parse error, got {other:?}"),
        }
    }
}

#[test]
fn this_machine_via_sysfs_is_consistent() {
    let topo = Topology::from_sysfs(ring_numa::SYSFS_NODE_ROOT).unwrap();
    assert!(!topo.nodes().is_empty());
    let n = topo.nodes().len();
    for node in topo.nodes() {
        assert_eq!(node.distances().len(), n);
        assert_eq!(topo.distance(node.id(), node.id()).unwrap(), 10);
        for &cpu in node.cpus() {
            assert_eq!(topo.node_of_cpu(cpu).unwrap(), node.id());
        }
    }
    // Every CPU this process may use belongs to some node.
    for cpu in ring_numa::allowed_cpus().unwrap() {
        assert!(topo.node_of_cpu(cpu).is_ok(), "cpu {cpu}");
    }
}

#[test]
fn detect_uses_the_best_backend() {
    let topo = Topology::detect().unwrap();
    if cfg!(feature = "hwloc") {
        assert_eq!(topo.backend(), Backend::Hwloc);
    } else {
        assert_ne!(topo.backend(), Backend::Hwloc);
    }
}

/// hwloc and sysfs describe this machine identically: ids, CPUs, memory and
/// distances.
#[cfg(feature = "hwloc")]
#[test]
fn hwloc_and_sysfs_agree() {
    let hw = Topology::from_hwloc().unwrap();
    let fs = Topology::from_sysfs(ring_numa::SYSFS_NODE_ROOT).unwrap();
    assert_eq!(hw.backend(), Backend::Hwloc);
    assert_eq!(hw.nodes(), fs.nodes());
    assert_eq!(hw.is_numa(), fs.is_numa());
    assert_eq!(hw.cpus().collect::<Vec<_>>(), fs.cpus().collect::<Vec<_>>());
}
