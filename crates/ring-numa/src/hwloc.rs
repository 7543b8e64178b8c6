//! The hwloc backend (feature `hwloc`): the system hwloc 2.x library through
//! `hwlocality`.

use crate::NumaError;
use crate::topology::{Backend, Node, Topology};
use hwlocality::errors::RawHwlocError;
use hwlocality::object::distance::DistancesKind;
use hwlocality::object::types::ObjectType;
use hwlocality::topology::builder::BuildFlags;
use std::io;

/// Converts an hwloc error, keeping its `errno` as the source.
fn hwloc_error(e: RawHwlocError) -> NumaError {
    let source = match e.errno {
        Some(errno) => io::Error::from_raw_os_error(errno.0),
        None => io::Error::other("hwloc reported no errno"),
    };
    NumaError::Hwloc { api: e.api, source }
}

impl Topology {
    /// Builds the topology with the hwloc library (feature `hwloc`).
    ///
    /// Disallowed CPUs (outside this process's cgroup) are included, so the
    /// result describes the machine like the sysfs reader does. Memory is
    /// hwloc's per-node total; distances come from the first OS-provided
    /// latency matrix over the NUMA nodes, or 10/20 where hwloc has none
    /// (hwloc reports no matrix on one-node machines).
    ///
    /// # Errors
    ///
    /// [`NumaError::Hwloc`] if the library cannot build a topology;
    /// [`NumaError::Parse`] if it reports a CPU on two nodes.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(not(miri))] { // miri cannot call into C
    /// let t = ring_numa::Topology::from_hwloc()?;
    /// assert_eq!(t.backend(), ring_numa::Backend::Hwloc);
    /// # }
    /// # Ok::<(), ring_numa::NumaError>(())
    /// ```
    pub fn from_hwloc() -> Result<Topology, NumaError> {
        let topo = hwlocality::Topology::builder()
            .with_flags(BuildFlags::INCLUDE_DISALLOWED)
            .map_err(|e| NumaError::Hwloc {
                api: "hwloc_topology_set_flags",
                source: io::Error::other(e.to_string()),
            })?
            .build()
            .map_err(hwloc_error)?;

        let mut nodes: Vec<Node> = Vec::new();
        for obj in topo.objects_with_type(ObjectType::NUMANode) {
            let Some(id) = obj.os_index() else { continue };
            let cpus = obj
                .cpuset()
                .map(|set| set.iter_set().map(usize::from).collect())
                .unwrap_or_default();
            nodes.push(Node::new(id, cpus, obj.total_memory(), Vec::new()));
        }
        if nodes.is_empty() {
            return Err(NumaError::Hwloc {
                api: "hwloc_get_obj_by_type(NUMANODE)",
                source: io::Error::other("hwloc reported no NUMA node"),
            });
        }
        nodes.sort_by_key(Node::id);
        let ids: Vec<usize> = nodes.iter().map(Node::id).collect();

        // The first latency matrix that covers exactly our nodes.
        let matrices = topo
            .distances(Some(DistancesKind::MEANS_LATENCY))
            .map_err(hwloc_error)?;
        for m in &matrices {
            let objs: Option<Vec<usize>> = m
                .objects()
                .map(|o| {
                    o.filter(|o| o.object_type() == ObjectType::NUMANode)
                        .and_then(|o| o.os_index())
                })
                .collect();
            let Some(objs) = objs else { continue };
            let mut sorted = objs.clone();
            sorted.sort_unstable();
            if sorted != ids {
                continue;
            }
            // Position in `nodes` of each matrix row/column.
            let pos: Vec<usize> = objs
                .iter()
                .filter_map(|id| ids.binary_search(id).ok())
                .collect();
            let n = ids.len();
            let mut rows = vec![vec![0u32; n]; n];
            for ((from, to), d) in m.enumerate_distances() {
                rows[pos[from]][pos[to]] = u32::try_from(d).unwrap_or(u32::MAX);
            }
            for (node, row) in nodes.iter_mut().zip(rows) {
                node.set_distances(row);
            }
            break;
        }

        Topology::from_nodes(nodes, Backend::Hwloc).map_err(|cpu| {
            crate::NumaError::parse("hwloc", "cpuset (a CPU on two nodes)", &cpu.to_string())
        })
    }
}
