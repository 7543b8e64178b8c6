//! Thread affinity: pinning the calling thread to a CPU or a node, and
//! asking where it runs.
//!
//! Every function acts on the **calling thread** only (never the process).

use crate::{NumaError, Topology, sys};

/// Restricts the calling thread to one CPU (`sched_setaffinity`).
///
/// # Errors
///
/// [`NumaError::UnknownCpu`] if `cpu` is not below the number of CPUs the OS
/// has configured (checked before the system call);
/// [`NumaError::Os`] if the kernel refuses (an offline CPU, or one outside
/// this process's cgroup: `EINVAL`); [`NumaError::Unsupported`] outside Linux.
///
/// # Examples
///
/// ```
/// # #[cfg(not(miri))] { // miri cannot run sched_setaffinity
/// std::thread::spawn(|| {
///     let cpu = ring_numa::allowed_cpus()?[0];
///     ring_numa::bind_thread_to_cpu(cpu)?;
///     assert_eq!(ring_numa::current_cpu(), Some(cpu));
///     Ok::<(), ring_numa::NumaError>(())
/// })
/// .join()
/// .unwrap()?;
/// # }
/// # Ok::<(), ring_numa::NumaError>(())
/// ```
pub fn bind_thread_to_cpu(cpu: usize) -> Result<(), NumaError> {
    if cpu >= sys::configured_cpus() {
        return Err(NumaError::UnknownCpu { cpu });
    }
    set(&[cpu])
}

/// Restricts the calling thread to the given CPUs.
///
/// # Errors
///
/// As [`bind_thread_to_cpu`], for any CPU of the list; an empty list is
/// [`NumaError::UnknownCpu`] with `cpu: usize::MAX`.
///
/// # Examples
///
/// ```
/// # #[cfg(not(miri))] { // miri cannot run sched_setaffinity
/// std::thread::spawn(|| {
///     let allowed = ring_numa::allowed_cpus()?;
///     ring_numa::bind_thread_to_cpus(&allowed)?;
///     assert_eq!(ring_numa::allowed_cpus()?, allowed);
///     Ok::<(), ring_numa::NumaError>(())
/// })
/// .join()
/// .unwrap()?;
/// # }
/// # Ok::<(), ring_numa::NumaError>(())
/// ```
pub fn bind_thread_to_cpus(cpus: &[usize]) -> Result<(), NumaError> {
    let limit = sys::configured_cpus();
    if cpus.is_empty() {
        return Err(NumaError::UnknownCpu { cpu: usize::MAX });
    }
    if let Some(&cpu) = cpus.iter().find(|&&c| c >= limit) {
        return Err(NumaError::UnknownCpu { cpu });
    }
    set(cpus)
}

/// Restricts the calling thread to the CPUs of a node (all of them: the
/// scheduler still balances inside the node), so its first-touch memory and
/// [`NodeLocal::first_sender`](crate::NodeLocal::first_sender) rings land on
/// that node.
///
/// # Errors
///
/// [`NumaError::UnknownNode`] if the topology has no such node,
/// [`NumaError::NodeWithoutCpus`] for a memory-only node (both checked
/// before the system call), otherwise as [`bind_thread_to_cpus`].
///
/// # Examples
///
/// ```
/// use ring_numa::{NumaError, Topology, bind_thread_to_node, current_node};
///
/// # #[cfg(not(miri))] { // miri cannot run sched_setaffinity
/// let topology = Topology::detect()?;
/// let node = topology.nodes()[0].id();
/// std::thread::scope(|s| {
///     s.spawn(|| {
///         bind_thread_to_node(node, &topology)?;
///         assert_eq!(current_node(&topology), Some(node));
///         Ok::<(), NumaError>(())
///     })
///     .join()
///     .unwrap()
/// })?;
/// assert!(matches!(
///     bind_thread_to_node(usize::MAX, &topology),
///     Err(NumaError::UnknownNode { .. })
/// ));
/// # }
/// # Ok::<(), NumaError>(())
/// ```
pub fn bind_thread_to_node(node: usize, topology: &Topology) -> Result<(), NumaError> {
    let n = topology.node(node).ok_or(NumaError::UnknownNode { node })?;
    if n.cpus().is_empty() {
        return Err(NumaError::NodeWithoutCpus { node });
    }
    bind_thread_to_cpus(n.cpus())
}

/// The CPU running the calling thread right now (`sched_getcpu`): the CPU
/// actually running, not the first CPU of the affinity mask. It may change
/// at any moment unless the thread is bound to one CPU. `None` where the OS
/// cannot tell.
///
/// # Examples
///
/// ```
/// # #[cfg(not(miri))] { // miri cannot run sched_getcpu
/// if let Some(cpu) = ring_numa::current_cpu() {
///     assert!(ring_numa::Topology::detect()?.node_of_cpu(cpu).is_ok());
/// }
/// # }
/// # Ok::<(), ring_numa::NumaError>(())
/// ```
pub fn current_cpu() -> Option<usize> {
    sys::current_cpu()
}

/// The node of the CPU running the calling thread right now, according to
/// `topology`; `None` if the CPU is unknown to it or the OS cannot tell.
///
/// # Examples
///
/// ```
/// # #[cfg(not(miri))] { // miri cannot read /sys
/// let t = ring_numa::Topology::detect()?;
/// if let Some(node) = ring_numa::current_node(&t) {
///     assert!(t.node(node).is_some());
/// }
/// # }
/// # Ok::<(), ring_numa::NumaError>(())
/// ```
pub fn current_node(topology: &Topology) -> Option<usize> {
    topology.node_of_cpu(current_cpu()?).ok()
}

/// The CPUs the calling thread may run on now (`sched_getaffinity`),
/// ascending. Pick from these to pin threads in a cgroup-limited container.
///
/// # Errors
///
/// [`NumaError::Os`] if the kernel refuses; [`NumaError::Unsupported`]
/// outside Linux.
///
/// # Examples
///
/// ```
/// # #[cfg(not(miri))] { // miri cannot run sched_getaffinity
/// let cpus = ring_numa::allowed_cpus()?;
/// assert!(!cpus.is_empty());
/// # }
/// # Ok::<(), ring_numa::NumaError>(())
/// ```
pub fn allowed_cpus() -> Result<Vec<usize>, NumaError> {
    sys::get_affinity().map_err(|source| os_error("sched_getaffinity", source))
}

fn set(cpus: &[usize]) -> Result<(), NumaError> {
    sys::set_affinity(cpus).map_err(|source| os_error("sched_setaffinity", source))
}

fn os_error(what: &'static str, source: std::io::Error) -> NumaError {
    if source.kind() == std::io::ErrorKind::Unsupported {
        NumaError::Unsupported { what }
    } else {
        NumaError::Os { what, source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_cpus_fail_before_the_syscall() {
        // These return before any system call, so they run under miri too.
        let big = sys::configured_cpus() + 5;
        assert!(matches!(
            bind_thread_to_cpu(big),
            Err(NumaError::UnknownCpu { cpu }) if cpu == big
        ));
        assert!(matches!(
            bind_thread_to_cpus(&[0, big]),
            Err(NumaError::UnknownCpu { cpu }) if cpu == big
        ));
        assert!(matches!(
            bind_thread_to_cpus(&[]),
            Err(NumaError::UnknownCpu { .. })
        ));
        let t = Topology::fallback();
        assert!(matches!(
            bind_thread_to_node(7, &t),
            Err(NumaError::UnknownNode { node: 7 })
        ));
    }
}
