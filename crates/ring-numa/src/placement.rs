//! Node-local ring memory: [`NodeLocal`], ring-core's memory seam on `mmap` +
//! `mbind`, and the `get_mempolicy` readback used to check placement.

use crate::{NumaError, Topology, sys};
use core::alloc::Layout;
use core::ptr::NonNull;
use ring_core::{MemoryError, RingMemory};

/// How strictly memory is tied to its node.
///
/// # Examples
///
/// ```
/// use ring_numa::{NodeLocal, Policy};
///
/// let local = NodeLocal::first_sender().with_policy(Policy::Bind);
/// assert_eq!(local.policy(), Policy::Bind);
/// assert_eq!(NodeLocal::first_sender().policy(), Policy::Preferred);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Policy {
    /// `MPOL_PREFERRED` (the default): pages go to the node while it has free
    /// memory and to other nodes after that. Never fails a page fault.
    #[default]
    Preferred,
    /// `MPOL_BIND`: pages go to the node only. When the node is out of
    /// memory, a page fault in the ring ends in the OOM killer, so use it
    /// only where the node certainly has room.
    Bind,
}

impl Policy {
    fn mode(self) -> i32 {
        match self {
            Policy::Preferred => sys::MPOL_PREFERRED,
            Policy::Bind => sys::MPOL_BIND,
        }
    }
}

/// A memory policy mode as the kernel reports it (see [`memory_policy_of`]).
///
/// # Examples
///
/// ```
/// use ring_numa::{Policy, PolicyMode};
///
/// assert_eq!(PolicyMode::from(Policy::Bind), PolicyMode::Bind);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PolicyMode {
    /// `MPOL_DEFAULT`: the thread's policy (normally first touch).
    Default,
    /// `MPOL_PREFERRED`.
    Preferred,
    /// `MPOL_BIND`.
    Bind,
    /// `MPOL_INTERLEAVE`.
    Interleave,
    /// `MPOL_LOCAL`.
    Local,
    /// A mode this crate does not name (the raw value, flags removed).
    Other(i32),
}

impl From<Policy> for PolicyMode {
    fn from(p: Policy) -> PolicyMode {
        match p {
            Policy::Preferred => PolicyMode::Preferred,
            Policy::Bind => PolicyMode::Bind,
        }
    }
}

impl PolicyMode {
    fn from_raw(mode: i32) -> PolicyMode {
        match sys::mode_without_flags(mode) {
            sys::MPOL_DEFAULT => PolicyMode::Default,
            sys::MPOL_PREFERRED => PolicyMode::Preferred,
            sys::MPOL_BIND => PolicyMode::Bind,
            sys::MPOL_INTERLEAVE => PolicyMode::Interleave,
            sys::MPOL_LOCAL => PolicyMode::Local,
            other => PolicyMode::Other(other),
        }
    }
}

/// The memory policy of a range, as read back with `get_mempolicy`.
///
/// # Examples
///
/// ```
/// # #[cfg(not(miri))] { // miri cannot run get_mempolicy
/// let v = vec![0u64; 4];
/// let p = ring_numa::memory_policy_of(&v[..])?;
/// assert_eq!(p.mode, ring_numa::PolicyMode::Default); // heap memory: no policy of its own
/// # }
/// # Ok::<(), ring_numa::NumaError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemoryPolicy {
    /// The mode.
    pub mode: PolicyMode,
    /// The nodes in the policy's node mask, ascending (empty for `Default`).
    pub nodes: Vec<usize>,
}

/// The memory policy of the mapping that holds `value`
/// (`get_mempolicy(MPOL_F_ADDR)`): what `mbind` set there, if anything.
///
/// # Errors
///
/// [`NumaError::Os`] if the kernel refuses; [`NumaError::Unsupported`]
/// outside Linux or without NUMA support in the kernel.
///
/// # Examples
///
/// ```
/// use ring_core::{Config, spsc::Builder};
/// use ring_numa::{NodeLocal, PolicyMode, memory_policy_of};
///
/// # #[cfg(not(miri))] { // miri cannot run mbind or get_mempolicy
/// let (mut tx, rx) = Builder::new(Config::LOW_LATENCY)
///     .memory(NodeLocal::on_node(0)?)
///     .build::<u64>()?;
/// tx.try_send(7).unwrap();
/// let slots = rx.readable().unwrap(); // the ring's own slot memory
/// let p = memory_policy_of(slots)?;
/// assert_eq!(p.mode, PolicyMode::Preferred);
/// assert_eq!(p.nodes, [0]);
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn memory_policy_of<T: ?Sized>(value: &T) -> Result<MemoryPolicy, NumaError> {
    let addr = core::ptr::from_ref(value).cast::<u8>();
    let (mode, nodes) = sys::mempolicy_of(addr).map_err(|e| os_error("get_mempolicy", e))?;
    let mode = PolicyMode::from_raw(mode);
    Ok(MemoryPolicy {
        nodes: if mode == PolicyMode::Default {
            Vec::new()
        } else {
            nodes
        },
        mode,
    })
}

/// The node that holds the page of `value` (`get_mempolicy(MPOL_F_NODE |
/// MPOL_F_ADDR)`): where the memory physically is now.
///
/// # Errors
///
/// As [`memory_policy_of`].
///
/// # Examples
///
/// ```
/// # #[cfg(not(miri))] { // miri cannot run get_mempolicy
/// let x = Box::new(5u64);
/// let node = ring_numa::node_of_memory(&*x)?;
/// assert!(ring_numa::Topology::detect()?.node(node).is_some());
/// # }
/// # Ok::<(), ring_numa::NumaError>(())
/// ```
pub fn node_of_memory<T: ?Sized>(value: &T) -> Result<usize, NumaError> {
    let addr = core::ptr::from_ref(value).cast::<u8>();
    sys::node_of_addr(addr).map_err(|e| os_error("get_mempolicy", e))
}

fn os_error(what: &'static str, source: std::io::Error) -> NumaError {
    if source.kind() == std::io::ErrorKind::Unsupported
        || source.raw_os_error() == Some(libc::ENOSYS)
    {
        NumaError::Unsupported { what }
    } else {
        NumaError::Os { what, source }
    }
}

/// Where a [`NodeLocal`] puts its memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// A given node, bound at `allocate`.
    Node(usize),
    /// The node of the thread that first sends, bound in `first_use`.
    FirstSender,
}

/// Ring memory on a NUMA node: ring-core's memory seam ([`RingMemory`]) on
/// anonymous `mmap` memory bound with `mbind`.
///
/// - [`NodeLocal::on_node`] / [`NodeLocal::for_cpu`]: the region is bound to
///   the node right after `mmap`, before anything touches it (the ring's
///   header, written at creation, lands there too).
/// - [`NodeLocal::first_sender`]: the region is left unbound at creation;
///   ring-core calls [`RingMemory::first_use`] on the producer's thread just
///   before its first write into the slots, and there the whole region is
///   bound to that thread's current node with `MPOL_MF_MOVE`, which also
///   migrates the one page already touched (the header, written by
///   whichever thread built the ring). This is what an MPSC channel wants:
///   a producer's ring is usually registered (by `clone`) on another thread
///   than the one that sends through it.
///
/// Regions are whole pages (`MAP_PRIVATE | MAP_ANONYMOUS`, no
/// `MAP_POPULATE`: slot pages are untouched until the producer writes them,
/// so they are allocated on the bound node). Alignments larger than a page
/// are honoured by over-mapping and trimming.
///
/// On a one-node machine (per the topology the value was built with, or
/// always for `first_sender`) placement cannot fail the ring: the `mbind` is
/// still made, so the policy reads back as asked, but a refusal (a kernel
/// without NUMA, a seccomp filter) is ignored. On a NUMA machine a refused
/// `mbind` for an explicit node fails the build with [`MemoryError::Os`].
/// A refused `mbind` in `first_use` (first-sender mode) cannot be reported
/// and leaves the default first-touch placement, which is the same node for
/// the slots the producer touches.
///
/// # Examples
///
/// ```
/// use ring_core::{Config, spsc::Builder};
/// use ring_numa::NodeLocal;
///
/// # #[cfg(not(miri))] { // miri cannot read /sys
/// let (mut tx, mut rx) = Builder::new(Config::LOW_LATENCY)
///     .memory(NodeLocal::on_node(0)?)
///     .build::<u64>()?;
/// tx.try_send(1).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct NodeLocal {
    target: Target,
    policy: Policy,
    /// A NUMA machine: an `mbind` refused for an explicit node is an error.
    strict: bool,
}

impl NodeLocal {
    /// Memory on node `node`, checked against the detected topology.
    ///
    /// # Errors
    ///
    /// [`NumaError::UnknownNode`] if the machine has no such node; topology
    /// errors from [`Topology::detect`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(not(miri))] { // miri cannot read /sys
    /// let local = ring_numa::NodeLocal::on_node(0)?;
    /// assert_eq!(local.node(), Some(0));
    /// assert!(ring_numa::NodeLocal::on_node(100_000).is_err());
    /// # }
    /// # Ok::<(), ring_numa::NumaError>(())
    /// ```
    pub fn on_node(node: usize) -> Result<NodeLocal, NumaError> {
        NodeLocal::on_node_in(&Topology::detect()?, node)
    }

    /// Memory on node `node`, checked against `topology` (no detection).
    ///
    /// # Errors
    ///
    /// [`NumaError::UnknownNode`] if `topology` has no such node.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(not(miri))] { // miri cannot read /sys
    /// let t = ring_numa::Topology::detect()?;
    /// let local = ring_numa::NodeLocal::on_node_in(&t, t.nodes()[0].id())?;
    /// # let _ = local;
    /// # }
    /// # Ok::<(), ring_numa::NumaError>(())
    /// ```
    pub fn on_node_in(topology: &Topology, node: usize) -> Result<NodeLocal, NumaError> {
        topology.index_of(node)?;
        Ok(NodeLocal {
            target: Target::Node(node),
            policy: Policy::default(),
            strict: topology.is_numa(),
        })
    }

    /// Memory on the node of `cpu` (the seed's `allocForCpu`), checked against
    /// the detected topology.
    ///
    /// # Errors
    ///
    /// [`NumaError::UnknownCpu`] if no node has the CPU; topology errors from
    /// [`Topology::detect`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(not(miri))] { // miri cannot read /sys
    /// let t = ring_numa::Topology::detect()?;
    /// let cpu = t.cpus().next().unwrap();
    /// let local = ring_numa::NodeLocal::for_cpu(cpu)?;
    /// assert_eq!(local.node(), Some(t.node_of_cpu(cpu)?));
    /// # }
    /// # Ok::<(), ring_numa::NumaError>(())
    /// ```
    #[doc(alias = "alloc_for_cpu")]
    pub fn for_cpu(cpu: usize) -> Result<NodeLocal, NumaError> {
        NodeLocal::for_cpu_in(&Topology::detect()?, cpu)
    }

    /// Memory on the node of `cpu` according to `topology`.
    ///
    /// # Errors
    ///
    /// [`NumaError::UnknownCpu`] if no node of `topology` has the CPU.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(not(miri))] { // miri cannot read /sys
    /// let t = ring_numa::Topology::detect()?;
    /// assert!(ring_numa::NodeLocal::for_cpu_in(&t, usize::MAX).is_err());
    /// # }
    /// # Ok::<(), ring_numa::NumaError>(())
    /// ```
    pub fn for_cpu_in(topology: &Topology, cpu: usize) -> Result<NodeLocal, NumaError> {
        let node = topology.node_of_cpu(cpu)?;
        NodeLocal::on_node_in(topology, node)
    }

    /// Memory on the node of the thread that first sends through the ring
    /// (bound in [`RingMemory::first_use`], on the producer's thread). Needs
    /// no topology and never fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, spsc::Builder};
    ///
    /// let (mut tx, mut rx) = Builder::new(Config::LOW_LATENCY)
    ///     .memory(ring_numa::NodeLocal::first_sender())
    ///     .build::<u64>()?;
    /// std::thread::spawn(move || tx.try_send(9).unwrap()) // binds here
    ///     .join()
    ///     .unwrap();
    /// assert_eq!(rx.try_recv(), Ok(9));
    /// # Ok::<(), ring_core::BuildError>(())
    /// ```
    pub fn first_sender() -> NodeLocal {
        NodeLocal {
            target: Target::FirstSender,
            policy: Policy::default(),
            strict: false,
        }
    }

    /// The same placement with another [`Policy`] (default `Preferred`).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_numa::{NodeLocal, Policy};
    /// assert_eq!(NodeLocal::first_sender().with_policy(Policy::Bind).policy(), Policy::Bind);
    /// ```
    pub fn with_policy(mut self, policy: Policy) -> NodeLocal {
        self.policy = policy;
        self
    }

    /// The policy `mbind` will set.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ring_numa::NodeLocal::first_sender().policy(), ring_numa::Policy::Preferred);
    /// ```
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The explicit node, or `None` in first-sender mode.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ring_numa::NodeLocal::first_sender().node(), None);
    /// ```
    pub fn node(&self) -> Option<usize> {
        match self.target {
            Target::Node(n) => Some(n),
            Target::FirstSender => None,
        }
    }
}

/// The mapped length for a layout: whole pages; `None` on overflow.
fn region_len(layout: Layout, page: usize) -> Option<usize> {
    sys::round_up(layout.size(), page)
}

/// `MemoryError::Os` from an OS error.
fn memory_os(what: &'static str, e: &std::io::Error) -> MemoryError {
    MemoryError::Os {
        what,
        errno: e.raw_os_error().unwrap_or(libc::ENOSYS),
    }
}

// SAFETY: `allocate` returns a fresh private anonymous mapping of at least
// `layout.size()` bytes (whole pages), aligned to `layout.align()` (pages are
// aligned to the page size; larger alignments are cut out of a larger
// mapping), used by nothing else until `release` unmaps exactly that range.
// `first_use` only calls `mbind`, which changes the policy and may migrate
// pages with their contents: the bytes the ring sees never change.
unsafe impl RingMemory for NodeLocal {
    fn allocate(&self, layout: Layout) -> Result<NonNull<u8>, MemoryError> {
        if layout.size() == 0 {
            return Err(MemoryError::Invalid("a ring region cannot be empty"));
        }
        let page = sys::page_size();
        let oom = MemoryError::OutOfMemory {
            size: layout.size(),
        };
        let len = region_len(layout, page).ok_or(oom)?;
        let extra = layout.align().saturating_sub(page);
        let map_len = len.checked_add(extra).ok_or(oom)?;
        let base = sys::map::map(map_len).map_err(|e| {
            if e.raw_os_error() == Some(libc::ENOMEM) || e.kind() == std::io::ErrorKind::OutOfMemory
            {
                oom
            } else {
                memory_os("mmap", &e)
            }
        })?;
        let region = if extra == 0 {
            base
        } else {
            let lead =
                sys::round_up(base.addr().get(), layout.align()).ok_or(oom)? - base.addr().get();
            // SAFETY: `lead <= extra`, so `base + lead` is inside the mapping.
            let aligned = unsafe { base.add(lead) };
            let trail = extra - lead;
            if lead > 0 {
                // SAFETY: `[base, base + lead)` is the leading, page-aligned part
                // of our fresh mapping, unused.
                unsafe { sys::map::unmap(base, lead) };
            }
            if trail > 0 {
                // SAFETY: `aligned + len` is inside the mapping (`lead + len +
                // trail == map_len`), page aligned.
                let tail = unsafe { aligned.add(len) };
                // SAFETY: `[aligned + len, base + map_len)` is the trailing,
                // page-aligned part of our fresh mapping, unused.
                unsafe { sys::map::unmap(tail, trail) };
            }
            aligned
        };
        if let Target::Node(node) = self.target {
            // Bound before anything touches the region: the header and every
            // slot page are first faulted in under this policy. `flags = 0`:
            // nothing to move yet.
            if let Err(e) = sys::mbind(region, len, self.policy.mode(), node, 0)
                && self.strict
            {
                // SAFETY: the region is the whole (trimmed) mapping, unused.
                unsafe { sys::map::unmap(region, len) };
                return Err(memory_os("mbind", &e));
            }
        }
        Ok(region)
    }

    unsafe fn release(&self, ptr: NonNull<u8>, layout: Layout) {
        let Some(len) = region_len(layout, sys::page_size()) else {
            return; // `allocate` refused such a layout, so no region exists.
        };
        // SAFETY: the caller passes back a region from `allocate(layout)`, which
        // is exactly `len` bytes of our own mapping, no longer used.
        unsafe { sys::map::unmap(ptr, len) };
    }

    fn first_use(&self, ptr: NonNull<u8>, layout: Layout) {
        if self.target != Target::FirstSender {
            return;
        }
        let Some(len) = region_len(layout, sys::page_size()) else {
            return;
        };
        // The node of the CPU running the producer now. A thread that may
        // migrate between nodes should be bound first (`bind_thread_to_node`).
        let Ok((_, node)) = sys::getcpu() else {
            return;
        };
        // Bind the whole region, moving the pages already touched (the
        // header page, written when the ring was built, maybe on another
        // node). Errors cannot be reported from here; the fallback is the
        // default first-touch placement.
        let _ = sys::mbind(ptr, len, self.policy.mode(), node, sys::MPOL_MF_MOVE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill_and_check(p: NonNull<u8>, len: usize) {
        // SAFETY: `allocate` gave `len` writable bytes at `p`, ours alone.
        let bytes = unsafe { core::slice::from_raw_parts_mut(p.as_ptr(), len) };
        assert!(bytes.iter().all(|&b| b == 0), "fresh mappings are zeroed");
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = i as u8;
        }
        assert!(bytes.iter().enumerate().all(|(i, &b)| b == i as u8));
    }

    #[test]
    fn page_sized_regions() {
        let m = NodeLocal::first_sender();
        let page = sys::page_size();
        for (size, align) in [(1, 1), (384, 128), (page, 128), (3 * page + 5, 64)] {
            let layout = Layout::from_size_align(size, align).unwrap();
            let p = m.allocate(layout).unwrap();
            assert_eq!(p.addr().get() % page, 0);
            fill_and_check(p, size);
            m.first_use(p, layout);
            // SAFETY: from `allocate(layout)` on `m`, no longer used.
            unsafe { m.release(p, layout) };
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "miri cannot unmap part of a mapping (the trim)")]
    fn over_aligned_regions_are_trimmed() {
        let m = NodeLocal::first_sender();
        let page = sys::page_size();
        for align in [2 * page, 16 * page] {
            let layout = Layout::from_size_align(page + 1, align).unwrap();
            let p = m.allocate(layout).unwrap();
            assert_eq!(p.addr().get() % align, 0);
            fill_and_check(p, layout.size());
            // SAFETY: from `allocate(layout)` on `m`, no longer used.
            unsafe { m.release(p, layout) };
        }
    }

    #[test]
    fn empty_and_overflowing_layouts_are_refused() {
        let m = NodeLocal::first_sender();
        let empty = Layout::from_size_align(0, 1).unwrap();
        assert!(matches!(m.allocate(empty), Err(MemoryError::Invalid(_))));
        if !cfg!(miri) {
            // Miri would try to back the mapping and stop with "resource
            // exhaustion"; the kernel refuses it with ENOMEM.
            let huge = Layout::from_size_align(isize::MAX as usize - 10, 1).unwrap();
            assert!(matches!(
                m.allocate(huge),
                Err(MemoryError::OutOfMemory { .. })
            ));
        }
    }

    #[test]
    fn a_ring_on_node_local_memory_works() {
        // Under miri the NUMA calls answer ENOSYS: this checks the mapping
        // and the seam contract with ring-core; placement has its own tests.
        use ring_core::{Config, spsc::Builder};
        let n = if cfg!(miri) { 50 } else { 10_000 };
        let (mut tx, mut rx) = Builder::new(Config::default().with_ring_bits(4))
            .memory(NodeLocal::first_sender())
            .build::<u64>()
            .unwrap();
        let mut sum = 0;
        for i in 0..n {
            tx.try_send(i).unwrap();
            sum += rx.try_recv().unwrap();
        }
        assert_eq!(sum, (0..n).sum());
        let one_node = Topology::fallback();
        let (mut tx, mut rx) = Builder::new(Config::default().with_ring_bits(4))
            .memory(NodeLocal::on_node_in(&one_node, 0).unwrap())
            .build::<String>()
            .unwrap();
        tx.try_send("x".to_owned()).unwrap();
        tx.try_send("y".to_owned()).unwrap();
        assert_eq!(rx.try_recv().unwrap(), "x");
        drop(rx); // drops "y" in the ring, then unmaps
    }

    #[test]
    fn policy_modes_map() {
        assert_eq!(PolicyMode::from_raw(sys::MPOL_BIND), PolicyMode::Bind);
        assert_eq!(
            PolicyMode::from_raw(sys::MPOL_PREFERRED | (1 << 15)),
            PolicyMode::Preferred
        );
        assert_eq!(PolicyMode::from_raw(sys::MPOL_DEFAULT), PolicyMode::Default);
        assert_eq!(PolicyMode::from_raw(sys::MPOL_LOCAL), PolicyMode::Local);
        assert_eq!(
            PolicyMode::from_raw(sys::MPOL_INTERLEAVE),
            PolicyMode::Interleave
        );
        assert_eq!(PolicyMode::from_raw(5), PolicyMode::Other(5));
        assert_eq!(PolicyMode::from(Policy::Preferred), PolicyMode::Preferred);
    }
}
