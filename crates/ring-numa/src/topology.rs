//! The machine's NUMA topology: nodes, their CPUs, memory and distances.

use crate::NumaError;
use crate::sys;
use std::io;
use std::path::{Path, PathBuf};

/// Where Linux describes NUMA nodes.
pub const SYSFS_NODE_ROOT: &str = "/sys/devices/system/node";

/// The ACPI SLIT convention for a node's distance to itself, used where the
/// OS reports no distances.
pub const LOCAL_DISTANCE: u32 = 10;
/// The ACPI SLIT convention for a remote node, used where the OS reports no
/// distances.
pub const REMOTE_DISTANCE: u32 = 20;

/// Which backend built a [`Topology`].
///
/// # Examples
///
/// ```
/// use ring_numa::{Backend, Topology};
///
/// # #[cfg(not(miri))] { // miri cannot read /sys
/// let t = Topology::detect()?;
/// // With the `hwloc` feature and a working library it is `Hwloc`.
/// assert!(matches!(t.backend(), Backend::Hwloc | Backend::Sysfs | Backend::Fallback));
/// # }
/// # Ok::<(), ring_numa::NumaError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// The hwloc library (feature `hwloc`).
    Hwloc,
    /// Linux's `/sys/devices/system/node` tree.
    Sysfs,
    /// No NUMA information: one node holding every CPU (the node directory
    /// is missing, or not Linux).
    Fallback,
}

/// One NUMA node.
///
/// # Examples
///
/// ```
/// # #[cfg(not(miri))] { // miri cannot read /sys
/// let t = ring_numa::Topology::detect()?;
/// for node in t.nodes() {
///     assert_eq!(node.distances().len(), t.nodes().len());
///     assert_eq!(t.distance(node.id(), node.id())?, node.distances()[t.index_of(node.id())?]);
/// }
/// # }
/// # Ok::<(), ring_numa::NumaError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    id: usize,
    cpus: Vec<usize>,
    memory_bytes: u64,
    distances: Vec<u32>,
}

impl Node {
    /// A node; an empty `distances` row is filled in by `Topology::from_nodes`.
    #[cfg_attr(not(feature = "hwloc"), allow(dead_code))] // reason: used by the hwloc backend
    pub(crate) fn new(id: usize, cpus: Vec<usize>, memory_bytes: u64, distances: Vec<u32>) -> Node {
        Node {
            id,
            cpus,
            memory_bytes,
            distances,
        }
    }

    /// Replaces the distance row.
    #[cfg_attr(not(feature = "hwloc"), allow(dead_code))] // reason: used by the hwloc backend
    pub(crate) fn set_distances(&mut self, row: Vec<u32>) {
        self.distances = row;
    }

    /// The OS's id of this node (`N` in `nodeN`; what `mbind` takes).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(not(miri))] { // miri cannot read /sys
    /// let t = ring_numa::Topology::detect()?;
    /// assert!(t.nodes().iter().any(|n| n.id() == t.nodes()[0].id()));
    /// # }
    /// # Ok::<(), ring_numa::NumaError>(())
    /// ```
    pub fn id(&self) -> usize {
        self.id
    }

    /// The CPUs of this node, ascending (empty for a memory-only node).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(not(miri))] { // miri cannot read /sys
    /// let t = ring_numa::Topology::detect()?;
    /// let n = t.node(t.nodes()[0].id()).unwrap();
    /// assert!(n.cpus().windows(2).all(|w| w[0] < w[1]));
    /// # }
    /// # Ok::<(), ring_numa::NumaError>(())
    /// ```
    pub fn cpus(&self) -> &[usize] {
        &self.cpus
    }

    /// The node's memory in bytes (`MemTotal`); 0 when unknown.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(not(miri))] { // miri cannot read /sys
    /// let t = ring_numa::Topology::detect()?;
    /// let total: u64 = t.nodes().iter().map(|n| n.memory_bytes()).sum();
    /// # let _ = total;
    /// # }
    /// # Ok::<(), ring_numa::NumaError>(())
    /// ```
    pub fn memory_bytes(&self) -> u64 {
        self.memory_bytes
    }

    /// Distances from this node to every node, in the order of
    /// [`Topology::nodes`] (ACPI SLIT units: 10 is local).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(not(miri))] { // miri cannot read /sys
    /// let t = ring_numa::Topology::detect()?;
    /// let n = &t.nodes()[0];
    /// assert_eq!(n.distances().len(), t.nodes().len());
    /// # }
    /// # Ok::<(), ring_numa::NumaError>(())
    /// ```
    pub fn distances(&self) -> &[u32] {
        &self.distances
    }
}

/// The NUMA topology of the machine: nodes with their CPUs, memory and
/// distance matrix.
///
/// Built by [`Topology::detect`] (hwloc when the `hwloc` feature is on and
/// the library works, else sysfs), or explicitly by
/// [`Topology::from_sysfs`] / `Topology::from_hwloc`. A topology is a
/// snapshot: CPU or memory hot-plug after it was built is not seen.
///
/// # Examples
///
/// ```
/// use ring_numa::Topology;
///
/// # #[cfg(not(miri))] { // miri cannot read /sys
/// let t = Topology::detect()?;
/// let cpu = t.cpus().next().unwrap();
/// let node = t.node_of_cpu(cpu)?;
/// assert!(t.node(node).unwrap().cpus().contains(&cpu));
/// if !t.is_numa() {
///     assert_eq!(t.nearest_node(node)?, node); // no other node to go to
/// }
/// # }
/// # Ok::<(), ring_numa::NumaError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Topology {
    /// Sorted by id.
    nodes: Vec<Node>,
    /// (cpu, node id), sorted by cpu.
    cpu_node: Vec<(usize, usize)>,
    backend: Backend,
}

impl Topology {
    /// Detects the machine's topology: with the `hwloc` feature through the
    /// hwloc library when it loads, otherwise (or when it fails) from sysfs;
    /// where neither knows anything, one node holding every CPU.
    ///
    /// # Errors
    ///
    /// [`NumaError::Read`] or [`NumaError::Parse`] when the sysfs tree exists
    /// but cannot be read or makes no sense.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(not(miri))] { // miri cannot read /sys
    /// let t = ring_numa::Topology::detect()?;
    /// assert!(!t.nodes().is_empty());
    /// # }
    /// # Ok::<(), ring_numa::NumaError>(())
    /// ```
    pub fn detect() -> Result<Topology, NumaError> {
        #[cfg(feature = "hwloc")]
        if let Ok(t) = Topology::from_hwloc() {
            return Ok(t);
        }
        Topology::from_sysfs(SYSFS_NODE_ROOT)
    }

    /// Reads a sysfs node tree: `root/nodeN/{cpulist,meminfo,distance}` and
    /// `root/online`.
    ///
    /// `root` is normally [`SYSFS_NODE_ROOT`]; tests point it at a fake tree.
    /// When `root` does not exist or holds no `nodeN` directory the result is
    /// one node (id 0) with every configured CPU, unknown memory and
    /// [`Backend::Fallback`]. A node without a `cpulist` has no CPUs, one
    /// without `meminfo` unknown memory (0), and a tree without `distance`
    /// files gets 10 (local) and 20 (remote).
    ///
    /// # Errors
    ///
    /// [`NumaError::Read`] when a file exists but cannot be read;
    /// [`NumaError::Parse`] when a file is malformed, a distance row has the
    /// wrong length, or a CPU appears on two nodes.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_numa::{Backend, Topology};
    ///
    /// # #[cfg(not(miri))] { // miri cannot read the file system
    /// let t = Topology::from_sysfs("/no/such/dir")?;
    /// assert_eq!(t.backend(), Backend::Fallback);
    /// assert_eq!(t.nodes().len(), 1);
    /// assert!(!t.is_numa());
    /// # }
    /// # Ok::<(), ring_numa::NumaError>(())
    /// ```
    pub fn from_sysfs(root: impl AsRef<Path>) -> Result<Topology, NumaError> {
        let root = root.as_ref();
        let entries = match std::fs::read_dir(root) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Topology::fallback()),
            Err(source) => {
                return Err(NumaError::Read {
                    path: root.to_owned(),
                    source,
                });
            }
        };
        let mut ids = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| NumaError::Read {
                path: root.to_owned(),
                source,
            })?;
            let name = entry.file_name();
            let Some(id) = name.to_str().and_then(parse_node_dir) else {
                continue;
            };
            if entry.path().is_dir() {
                ids.push(id);
            }
        }
        if let Some(online) = read_optional(&root.join("online"))? {
            let path = root.join("online");
            let online = parse_cpulist(&online)
                .ok_or_else(|| NumaError::parse(&path, "node list", &online))?;
            ids.retain(|id| online.contains(id));
        }
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(Topology::fallback());
        }

        let mut nodes = Vec::with_capacity(ids.len());
        let mut any_distance = false;
        for &id in &ids {
            let dir = root.join(format!("node{id}"));
            let cpus = match read_optional(&dir.join("cpulist"))? {
                Some(s) => parse_cpulist(&s)
                    .ok_or_else(|| NumaError::parse(dir.join("cpulist"), "cpulist", &s))?,
                None => Vec::new(),
            };
            let memory_bytes = match read_optional(&dir.join("meminfo"))? {
                Some(s) => parse_meminfo_total(&s)
                    .ok_or_else(|| NumaError::parse(dir.join("meminfo"), "meminfo", &s))?,
                None => 0,
            };
            let distances = match read_optional(&dir.join("distance"))? {
                Some(s) => {
                    any_distance = true;
                    let row = parse_distances(&s)
                        .ok_or_else(|| NumaError::parse(dir.join("distance"), "distance", &s))?;
                    if row.len() != ids.len() {
                        return Err(NumaError::parse(
                            dir.join("distance"),
                            "distance row (one entry per online node)",
                            &s,
                        ));
                    }
                    row
                }
                None => Vec::new(),
            };
            nodes.push(Node {
                id,
                cpus,
                memory_bytes,
                distances,
            });
        }
        if any_distance && let Some(n) = nodes.iter().find(|n| n.distances.is_empty()) {
            return Err(NumaError::parse(
                root.join(format!("node{}", n.id)).join("distance"),
                "distance (missing for this node but present for others)",
                "",
            ));
        }
        Topology::from_nodes(nodes, Backend::Sysfs).map_err(|cpu| {
            NumaError::parse(
                root.to_owned(),
                "cpulist (a CPU on two nodes)",
                &cpu.to_string(),
            )
        })
    }

    /// One node (id 0) holding every configured CPU, memory unknown.
    pub(crate) fn fallback() -> Topology {
        let cpus: Vec<usize> = (0..sys::configured_cpus()).collect();
        let node = Node {
            id: 0,
            cpus,
            memory_bytes: 0,
            distances: Vec::new(),
        };
        match Topology::from_nodes(vec![node], Backend::Fallback) {
            Ok(t) => t,
            // One node cannot hold a CPU twice: the ids are distinct.
            Err(_) => unreachable!("a single node with distinct CPUs"),
        }
    }

    /// Builds a topology from nodes (any order). Empty distance rows become
    /// 10/20. `Err(cpu)` if a CPU is on two nodes.
    pub(crate) fn from_nodes(mut nodes: Vec<Node>, backend: Backend) -> Result<Topology, usize> {
        nodes.sort_by_key(|n| n.id);
        let count = nodes.len();
        for (i, n) in nodes.iter_mut().enumerate() {
            n.cpus.sort_unstable();
            n.cpus.dedup();
            if n.distances.len() != count {
                n.distances = (0..count)
                    .map(|j| {
                        if i == j {
                            LOCAL_DISTANCE
                        } else {
                            REMOTE_DISTANCE
                        }
                    })
                    .collect();
            }
        }
        let mut cpu_node: Vec<(usize, usize)> = nodes
            .iter()
            .flat_map(|n| n.cpus.iter().map(move |&c| (c, n.id)))
            .collect();
        cpu_node.sort_unstable();
        if let Some(w) = cpu_node.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(w[0].0);
        }
        Ok(Topology {
            nodes,
            cpu_node,
            backend,
        })
    }

    /// Which backend built this topology.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(not(miri))] { // miri cannot read /sys
    /// let t = ring_numa::Topology::from_sysfs(ring_numa::SYSFS_NODE_ROOT)?;
    /// assert_ne!(t.backend(), ring_numa::Backend::Hwloc);
    /// # }
    /// # Ok::<(), ring_numa::NumaError>(())
    /// ```
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Every node, sorted by id.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(not(miri))] { // miri cannot read /sys
    /// let t = ring_numa::Topology::detect()?;
    /// assert!(t.nodes().windows(2).all(|w| w[0].id() < w[1].id()));
    /// # }
    /// # Ok::<(), ring_numa::NumaError>(())
    /// ```
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The node with this id, if it exists.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(not(miri))] { // miri cannot read /sys
    /// let t = ring_numa::Topology::detect()?;
    /// assert!(t.node(usize::MAX).is_none());
    /// # }
    /// # Ok::<(), ring_numa::NumaError>(())
    /// ```
    pub fn node(&self, id: usize) -> Option<&Node> {
        self.index_of(id).ok().map(|i| &self.nodes[i])
    }

    /// The position of node `id` in [`nodes`](Topology::nodes) (and in every
    /// [`Node::distances`] row).
    ///
    /// # Errors
    ///
    /// [`NumaError::UnknownNode`] if there is no such node.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(not(miri))] { // miri cannot read /sys
    /// let t = ring_numa::Topology::detect()?;
    /// assert_eq!(t.index_of(t.nodes()[0].id())?, 0);
    /// # }
    /// # Ok::<(), ring_numa::NumaError>(())
    /// ```
    pub fn index_of(&self, id: usize) -> Result<usize, NumaError> {
        self.nodes
            .binary_search_by_key(&id, |n| n.id)
            .map_err(|_| NumaError::UnknownNode { node: id })
    }

    /// True if the machine has more than one node.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(not(miri))] { // miri cannot read /sys
    /// let t = ring_numa::Topology::detect()?;
    /// assert_eq!(t.is_numa(), t.nodes().len() > 1);
    /// # }
    /// # Ok::<(), ring_numa::NumaError>(())
    /// ```
    pub fn is_numa(&self) -> bool {
        self.nodes.len() > 1
    }

    /// Every CPU of every node, ascending.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(not(miri))] { // miri cannot read /sys
    /// let t = ring_numa::Topology::detect()?;
    /// assert!(t.cpus().count() >= 1);
    /// # }
    /// # Ok::<(), ring_numa::NumaError>(())
    /// ```
    pub fn cpus(&self) -> impl ExactSizeIterator<Item = usize> + '_ {
        self.cpu_node.iter().map(|&(cpu, _)| cpu)
    }

    /// The node that holds `cpu`.
    ///
    /// # Errors
    ///
    /// [`NumaError::UnknownCpu`] if no node lists the CPU.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(not(miri))] { // miri cannot read /sys
    /// let t = ring_numa::Topology::detect()?;
    /// assert!(t.node_of_cpu(0).is_ok() || t.cpus().next() != Some(0));
    /// assert!(t.node_of_cpu(usize::MAX).is_err());
    /// # }
    /// # Ok::<(), ring_numa::NumaError>(())
    /// ```
    pub fn node_of_cpu(&self, cpu: usize) -> Result<usize, NumaError> {
        self.cpu_node
            .binary_search_by_key(&cpu, |&(c, _)| c)
            .map(|i| self.cpu_node[i].1)
            .map_err(|_| NumaError::UnknownCpu { cpu })
    }

    /// The distance from node `from` to node `to` (10 is local).
    ///
    /// # Errors
    ///
    /// [`NumaError::UnknownNode`] if either node does not exist.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(not(miri))] { // miri cannot read /sys
    /// let t = ring_numa::Topology::detect()?;
    /// let n = t.nodes()[0].id();
    /// assert!(t.distance(n, n)? > 0);
    /// # }
    /// # Ok::<(), ring_numa::NumaError>(())
    /// ```
    pub fn distance(&self, from: usize, to: usize) -> Result<u32, NumaError> {
        let f = self.index_of(from)?;
        let t = self.index_of(to)?;
        Ok(self.nodes[f].distances[t])
    }

    /// The closest node other than `from` (smallest distance; the lower id
    /// on a tie), or `from` itself when it is the only node. This is where
    /// memory should go when `from` is full.
    ///
    /// # Errors
    ///
    /// [`NumaError::UnknownNode`] if `from` does not exist.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(not(miri))] { // miri cannot read /sys
    /// let t = ring_numa::Topology::detect()?;
    /// let n = t.nodes()[0].id();
    /// let near = t.nearest_node(n)?;
    /// assert_eq!(near == n, !t.is_numa());
    /// # }
    /// # Ok::<(), ring_numa::NumaError>(())
    /// ```
    pub fn nearest_node(&self, from: usize) -> Result<usize, NumaError> {
        let f = self.index_of(from)?;
        let row = &self.nodes[f].distances;
        Ok(self
            .nodes
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != f)
            .min_by_key(|&(i, n)| (row[i], n.id))
            .map_or(from, |(_, n)| n.id))
    }
}

/// Reads a whole file; `Ok(None)` if it does not exist.
fn read_optional(path: &Path) -> Result<Option<String>, NumaError> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(NumaError::Read {
            path: PathBuf::from(path),
            source,
        }),
    }
}

/// `"node12"` -> 12.
fn parse_node_dir(name: &str) -> Option<usize> {
    let digits = name.strip_prefix("node")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Parses the kernel's list format (`"0-3,8,10-11"`, possibly empty, with a
/// trailing newline) into ascending, distinct ids. `None` if malformed.
pub(crate) fn parse_cpulist(s: &str) -> Option<Vec<usize>> {
    let s = s.trim();
    let mut out = Vec::new();
    if s.is_empty() {
        return Some(out);
    }
    for part in s.split(',') {
        let part = part.trim();
        let (lo, hi) = match part.split_once('-') {
            Some((a, b)) => (parse_id(a)?, parse_id(b)?),
            None => {
                let v = parse_id(part)?;
                (v, v)
            }
        };
        if lo > hi || hi - lo > (1 << 20) {
            return None;
        }
        out.extend(lo..=hi);
    }
    out.sort_unstable();
    out.dedup();
    Some(out)
}

/// A plain decimal id (no sign, no spaces).
fn parse_id(s: &str) -> Option<usize> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The `MemTotal` line of a node's `meminfo` (`"Node 0 MemTotal:  5728472 kB"`)
/// in bytes. `None` if there is no such line or it is malformed.
pub(crate) fn parse_meminfo_total(s: &str) -> Option<u64> {
    let line = s.lines().find(|l| l.contains("MemTotal:"))?;
    let (_, rest) = line.split_once("MemTotal:")?;
    let mut words = rest.split_whitespace();
    let value: u64 = words.next()?.parse().ok()?;
    let scale = match words.next() {
        Some("kB") | Some("KB") => 1024,
        None => 1,
        Some(_) => return None,
    };
    value.checked_mul(scale)
}

/// A `distance` row (`"10 21 31"`). `None` if empty or malformed.
pub(crate) fn parse_distances(s: &str) -> Option<Vec<u32>> {
    let row: Option<Vec<u32>> = s.split_whitespace().map(|w| w.parse().ok()).collect();
    row.filter(|r| !r.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpulists() {
        assert_eq!(
            parse_cpulist("0-3,8,10-11\n"),
            Some(vec![0, 1, 2, 3, 8, 10, 11])
        );
        assert_eq!(parse_cpulist(""), Some(vec![]));
        assert_eq!(parse_cpulist("\n"), Some(vec![]));
        assert_eq!(parse_cpulist("5"), Some(vec![5]));
        assert_eq!(parse_cpulist("3,1-2,2"), Some(vec![1, 2, 3]));
        for bad in ["a", "1-", "-1", "3-1", "1,,2", "1 2", "0-99999999", "+1"] {
            assert_eq!(parse_cpulist(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn meminfo() {
        let s = "Node 0 MemTotal:        5728472 kB\nNode 0 MemFree:  1 kB\n";
        assert_eq!(parse_meminfo_total(s), Some(5_728_472 * 1024));
        assert_eq!(parse_meminfo_total("Node 0 MemFree: 1 kB"), None);
        assert_eq!(parse_meminfo_total("Node 0 MemTotal: x kB"), None);
        assert_eq!(parse_meminfo_total("Node 0 MemTotal: 1 MB"), None);
    }

    #[test]
    fn distances() {
        assert_eq!(parse_distances("10 21\n"), Some(vec![10, 21]));
        assert_eq!(parse_distances(""), None);
        assert_eq!(parse_distances("10 x"), None);
    }

    #[test]
    fn node_dirs() {
        assert_eq!(parse_node_dir("node0"), Some(0));
        assert_eq!(parse_node_dir("node17"), Some(17));
        for bad in ["node", "nodes", "node-1", "online", "node1a"] {
            assert_eq!(parse_node_dir(bad), None, "{bad}");
        }
    }

    fn node(id: usize, cpus: &[usize], distances: &[u32]) -> Node {
        Node {
            id,
            cpus: cpus.to_vec(),
            memory_bytes: 0,
            distances: distances.to_vec(),
        }
    }

    #[test]
    fn lookups_on_built_topology() {
        let t = Topology::from_nodes(
            vec![
                node(2, &[4, 5], &[30, 20, 10]),
                node(0, &[1, 0], &[10, 12, 30]),
                node(1, &[], &[12, 10, 20]),
            ],
            Backend::Sysfs,
        )
        .unwrap();
        assert!(t.is_numa());
        assert_eq!(
            t.nodes().iter().map(Node::id).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        assert_eq!(t.cpus().collect::<Vec<_>>(), [0, 1, 4, 5]);
        assert_eq!(t.node(0).unwrap().cpus(), [0, 1]);
        assert_eq!(t.node_of_cpu(5).unwrap(), 2);
        assert!(matches!(
            t.node_of_cpu(2),
            Err(NumaError::UnknownCpu { cpu: 2 })
        ));
        assert_eq!(t.nearest_node(0).unwrap(), 1);
        assert_eq!(t.nearest_node(2).unwrap(), 1);
        assert_eq!(t.nearest_node(1).unwrap(), 0);
        assert_eq!(t.distance(2, 0).unwrap(), 30);
        assert!(matches!(
            t.nearest_node(3),
            Err(NumaError::UnknownNode { node: 3 })
        ));
    }

    #[test]
    fn ties_go_to_the_lower_id_and_defaults_fill_missing_rows() {
        let t = Topology::from_nodes(
            vec![node(0, &[0], &[]), node(1, &[1], &[]), node(2, &[2], &[])],
            Backend::Hwloc,
        )
        .unwrap();
        assert_eq!(t.node(1).unwrap().distances(), [20, 10, 20]);
        assert_eq!(t.nearest_node(1).unwrap(), 0);
        assert_eq!(t.nearest_node(0).unwrap(), 1);
    }

    #[test]
    fn a_cpu_on_two_nodes_is_rejected() {
        let r = Topology::from_nodes(
            vec![node(0, &[0, 1], &[]), node(1, &[1], &[])],
            Backend::Sysfs,
        );
        assert_eq!(r.err(), Some(1));
    }

    #[test]
    fn fallback_is_one_uniform_node() {
        let t = Topology::fallback();
        assert_eq!(t.backend(), Backend::Fallback);
        assert!(!t.is_numa());
        assert_eq!(t.nodes()[0].distances(), [LOCAL_DISTANCE]);
        assert_eq!(t.nearest_node(0).unwrap(), 0);
        assert_eq!(t.cpus().count(), sys::configured_cpus());
    }
}
