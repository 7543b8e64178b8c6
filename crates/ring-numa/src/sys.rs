//! The only module that talks to the kernel: `mmap`, `mbind`,
//! `get_mempolicy`, affinity and `getcpu`, plus the pure bit-mask helpers
//! they share.
//!
//! `mbind` and `get_mempolicy` are not wrapped by every libc, so they go
//! through `libc::syscall`. Under miri (which cannot run these system calls)
//! the NUMA calls answer `ENOSYS`, like a kernel built without NUMA support,
//! so the allocation paths around them still run under the interpreter;
//! `mmap`/`munmap` are real there too.

/// `set_mempolicy`/`mbind` modes (`<linux/mempolicy.h>`).
pub(crate) const MPOL_DEFAULT: i32 = 0;
pub(crate) const MPOL_PREFERRED: i32 = 1;
pub(crate) const MPOL_BIND: i32 = 2;
pub(crate) const MPOL_INTERLEAVE: i32 = 3;
pub(crate) const MPOL_LOCAL: i32 = 4;
/// Mode flags a kernel may OR into the mode it reports
/// (`MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING`).
const MPOL_MODE_FLAGS: i32 = (1 << 15) | (1 << 14) | (1 << 13);
/// `mbind` flag: move pages already present to conform to the new policy.
pub(crate) const MPOL_MF_MOVE: u32 = 1 << 1;

/// Bits in one word of a kernel bit mask (`unsigned long`).
const WORD_BITS: usize = libc::c_ulong::BITS as usize;

// ------------------------------------------------------------- bit masks ---

/// A kernel bit mask (`unsigned long[]`) with exactly the bits in `ids` set,
/// at least `min_bits` long.
pub(crate) fn mask_from(ids: &[usize], min_bits: usize) -> Vec<libc::c_ulong> {
    let top = ids.iter().copied().max().map_or(0, |m| m + 1);
    let words = top.max(min_bits).div_ceil(WORD_BITS).max(1);
    let mut mask = vec![0 as libc::c_ulong; words];
    for &id in ids {
        mask[id / WORD_BITS] |= 1 << (id % WORD_BITS);
    }
    mask
}

/// The ids whose bits are set in a kernel bit mask, ascending.
pub(crate) fn ids_from(mask: &[libc::c_ulong]) -> Vec<usize> {
    let mut ids = Vec::new();
    for (w, &word) in mask.iter().enumerate() {
        let mut bits = word;
        while bits != 0 {
            let b = bits.trailing_zeros() as usize;
            ids.push(w * WORD_BITS + b);
            bits &= bits - 1;
        }
    }
    ids
}

/// A memory policy mode as the kernel reports it, without its flag bits.
pub(crate) fn mode_without_flags(mode: i32) -> i32 {
    mode & !MPOL_MODE_FLAGS
}

/// `n` rounded up to a multiple of `to` (a power of two); `None` on overflow.
pub(crate) fn round_up(n: usize, to: usize) -> Option<usize> {
    debug_assert!(to.is_power_of_two());
    Some(n.checked_add(to - 1)? & !(to - 1))
}

// ------------------------------------------------------------- platform ---

/// The OS page size (4096 where it cannot be asked).
pub(crate) fn page_size() -> usize {
    #[cfg(unix)]
    {
        // SAFETY: `sysconf` only reads a system constant.
        let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        if let Ok(p) = usize::try_from(p)
            && p.is_power_of_two()
        {
            return p;
        }
    }
    4096
}

/// The number of CPUs the OS has configured (CPU ids are below it), or the
/// parallelism available to this process where it cannot be asked.
pub(crate) fn configured_cpus() -> usize {
    #[cfg(all(unix, not(miri)))]
    {
        // SAFETY: `sysconf` only reads a system value.
        let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_CONF) };
        if let Ok(n) = usize::try_from(n)
            && n > 0
        {
            return n;
        }
    }
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(all(target_os = "linux", not(miri)))]
mod imp {
    use super::{WORD_BITS, mask_from};
    use std::io;
    use std::ptr::NonNull;

    /// Converts a raw `syscall` return value into a `Result`.
    fn check(ret: libc::c_long) -> io::Result<libc::c_long> {
        if ret < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(ret)
        }
    }

    /// `mbind(addr, len, mode, {node}, maxnode, flags)`.
    ///
    /// `maxnode` is the mask length in bits plus one: the kernel reads
    /// `maxnode - 1` bits. `flags` is the sixth argument (the seed library
    /// passed its flag as `maxnode` and its `maxnode` as flags).
    pub(crate) fn mbind(
        addr: NonNull<u8>,
        len: usize,
        mode: i32,
        node: usize,
        flags: u32,
    ) -> io::Result<()> {
        let mask = mask_from(&[node], WORD_BITS);
        let maxnode = (mask.len() * WORD_BITS + 1) as libc::c_ulong;
        // SAFETY: `mask` is valid for `maxnode - 1` bits; the kernel validates
        // the address range and never writes through any pointer here. A
        // policy change never changes memory contents (MPOL_MF_MOVE migrates
        // pages with their contents), so no Rust-visible memory is affected.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_mbind,
                addr.as_ptr(),
                len as libc::c_ulong,
                mode as libc::c_ulong,
                mask.as_ptr(),
                maxnode,
                flags as libc::c_ulong,
            )
        };
        check(ret).map(drop)
    }

    /// `get_mempolicy(&mode, mask, maxnode, addr, MPOL_F_ADDR)`: the policy
    /// of the mapping holding `addr`, as (raw mode, nodes in the mask).
    pub(crate) fn mempolicy_of(addr: *const u8) -> io::Result<(i32, Vec<usize>)> {
        const MPOL_F_ADDR: libc::c_ulong = 1 << 1;
        // The mask must hold at least the kernel's `nr_node_ids` bits; start
        // at 1024 (the largest MAX_NUMNODES of common configs) and grow on EINVAL.
        let mut bits = 1024;
        loop {
            let mut mode: libc::c_int = 0;
            let mut mask = vec![0 as libc::c_ulong; bits / WORD_BITS];
            // SAFETY: `mode` and `mask` are valid for writes of an int and of
            // `bits` bits (the kernel writes at most `maxnode - 1` bits); the
            // kernel validates `addr` (EFAULT if unmapped) and only reads it.
            let ret = unsafe {
                libc::syscall(
                    libc::SYS_get_mempolicy,
                    &raw mut mode,
                    mask.as_mut_ptr(),
                    (bits + 1) as libc::c_ulong,
                    addr,
                    MPOL_F_ADDR,
                )
            };
            match check(ret) {
                Ok(_) => return Ok((mode, super::ids_from(&mask))),
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) && bits < 32 * 1024 => {
                    bits *= 4;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// `get_mempolicy(&node, NULL, 0, addr, MPOL_F_NODE | MPOL_F_ADDR)`: the
    /// node holding the page at `addr` (the kernel faults it in if needed).
    pub(crate) fn node_of_addr(addr: *const u8) -> io::Result<usize> {
        const MPOL_F_NODE: libc::c_ulong = 1;
        const MPOL_F_ADDR: libc::c_ulong = 1 << 1;
        let mut node: libc::c_int = -1;
        // SAFETY: `node` is valid for a write of an int; no mask is passed;
        // the kernel validates `addr` and only reads the page.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_get_mempolicy,
                &raw mut node,
                core::ptr::null_mut::<libc::c_ulong>(),
                0 as libc::c_ulong,
                addr,
                MPOL_F_NODE | MPOL_F_ADDR,
            )
        };
        check(ret)?;
        usize::try_from(node).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
    }

    /// `getcpu`: (CPU, node) the calling thread runs on right now.
    pub(crate) fn getcpu() -> io::Result<(usize, usize)> {
        let mut cpu: libc::c_uint = 0;
        let mut node: libc::c_uint = 0;
        // SAFETY: both pointers are valid for a write of an unsigned int; the
        // third (legacy cache) argument may be null.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_getcpu,
                &raw mut cpu,
                &raw mut node,
                core::ptr::null_mut::<libc::c_void>(),
            )
        };
        check(ret)?;
        Ok((cpu as usize, node as usize))
    }

    /// `sched_getcpu()`: the CPU running the calling thread (vDSO, no syscall
    /// on most systems).
    pub(crate) fn current_cpu() -> Option<usize> {
        // SAFETY: `sched_getcpu` takes no arguments and only reads state.
        let cpu = unsafe { libc::sched_getcpu() };
        usize::try_from(cpu).ok()
    }

    /// `sched_setaffinity(0, ...)`: restricts the calling thread to `cpus`.
    pub(crate) fn set_affinity(cpus: &[usize]) -> io::Result<()> {
        let mask = mask_from(cpus, 1024);
        let bytes = mask.len() * size_of::<libc::c_ulong>();
        // SAFETY: `mask` is valid for reads of `bytes` bytes; thread id 0 is
        // the calling thread; the kernel only reads the mask.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_sched_setaffinity,
                0 as libc::pid_t,
                bytes,
                mask.as_ptr(),
            )
        };
        check(ret).map(drop)
    }

    /// `sched_getaffinity(0, ...)`: the CPUs the calling thread may run on.
    pub(crate) fn get_affinity() -> io::Result<Vec<usize>> {
        let mut bits = super::configured_cpus().max(1024);
        loop {
            let mut mask = vec![0 as libc::c_ulong; bits.div_ceil(WORD_BITS)];
            let bytes = mask.len() * size_of::<libc::c_ulong>();
            // SAFETY: `mask` is valid for writes of `bytes` bytes, and the
            // kernel writes at most that many; thread id 0 is the caller.
            let ret = unsafe {
                libc::syscall(
                    libc::SYS_sched_getaffinity,
                    0 as libc::pid_t,
                    bytes,
                    mask.as_mut_ptr(),
                )
            };
            match check(ret) {
                Ok(written) => {
                    let words = (written as usize).div_ceil(size_of::<libc::c_ulong>());
                    return Ok(super::ids_from(&mask[..words.min(mask.len())]));
                }
                // The kernel's mask is larger than ours.
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) && bits < (1 << 20) => {
                    bits *= 2;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// Stand-ins where the calls do not exist (outside Linux) or cannot run
/// (miri): every call fails with `ENOSYS`, as on a kernel without NUMA.
#[cfg(not(all(target_os = "linux", not(miri))))]
mod imp {
    use std::io;
    use std::ptr::NonNull;

    fn enosys<T>() -> io::Result<T> {
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }

    pub(crate) fn mbind(
        _addr: NonNull<u8>,
        _len: usize,
        _mode: i32,
        _node: usize,
        _flags: u32,
    ) -> io::Result<()> {
        enosys()
    }

    pub(crate) fn mempolicy_of(_addr: *const u8) -> io::Result<(i32, Vec<usize>)> {
        enosys()
    }

    pub(crate) fn node_of_addr(_addr: *const u8) -> io::Result<usize> {
        enosys()
    }

    pub(crate) fn getcpu() -> io::Result<(usize, usize)> {
        enosys()
    }

    pub(crate) fn current_cpu() -> Option<usize> {
        None
    }

    pub(crate) fn set_affinity(_cpus: &[usize]) -> io::Result<()> {
        enosys()
    }

    pub(crate) fn get_affinity() -> io::Result<Vec<usize>> {
        enosys()
    }
}

pub(crate) use imp::{
    current_cpu, get_affinity, getcpu, mbind, mempolicy_of, node_of_addr, set_affinity,
};

// ---------------------------------------------------------------- mmap ---

/// Anonymous private mappings (no `MAP_POPULATE`: pages stay untouched until
/// first written, so a policy set afterwards decides where they land).
#[cfg(unix)]
pub(crate) mod map {
    use std::io;
    use std::ptr::NonNull;

    /// Maps `len` bytes (a multiple of the page size, non-zero) of fresh,
    /// zeroed, untouched memory.
    pub(crate) fn map(len: usize) -> io::Result<NonNull<u8>> {
        // SAFETY: a fresh anonymous private mapping at an address the kernel
        // chooses cannot alias any existing Rust object.
        let p = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        NonNull::new(p.cast::<u8>()).ok_or_else(|| io::Error::from_raw_os_error(libc::ENOMEM))
    }

    /// Unmaps `len` bytes at `ptr`.
    ///
    /// # Safety
    ///
    /// `[ptr, ptr + len)` is (part of) a mapping made by [`map`], page
    /// aligned, and nothing uses it any more.
    pub(crate) unsafe fn unmap(ptr: NonNull<u8>, len: usize) {
        // SAFETY: the caller passes a range of our own mapping that is no
        // longer used. `munmap` fails only for invalid arguments, which the
        // caller's contract rules out; there is nothing to do about it here.
        let _ = unsafe { libc::munmap(ptr.as_ptr().cast(), len) };
    }
}

/// Outside Unix, regions come from the global allocator, page aligned.
#[cfg(not(unix))]
pub(crate) mod map {
    use std::alloc::Layout;
    use std::io;
    use std::ptr::NonNull;

    fn layout(len: usize) -> io::Result<Layout> {
        Layout::from_size_align(len, super::page_size())
            .map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))
    }

    pub(crate) fn map(len: usize) -> io::Result<NonNull<u8>> {
        // SAFETY: `len` is non-zero (caller's contract).
        let p = unsafe { std::alloc::alloc_zeroed(layout(len)?) };
        NonNull::new(p).ok_or_else(|| io::Error::from(io::ErrorKind::OutOfMemory))
    }

    /// # Safety
    ///
    /// `ptr` came from `map(len)` and nothing uses it any more.
    pub(crate) unsafe fn unmap(ptr: NonNull<u8>, len: usize) {
        if let Ok(l) = layout(len) {
            // SAFETY: allocated by `map(len)` with this same layout.
            unsafe { std::alloc::dealloc(ptr.as_ptr(), l) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_round_trip() {
        let ids = [0, 1, 63, 64, 65, 200];
        let m = mask_from(&ids, 0);
        assert_eq!(m.len(), 201usize.div_ceil(WORD_BITS));
        assert_eq!(ids_from(&m), ids);
        assert_eq!(mask_from(&[], 0), vec![0]);
        assert_eq!(mask_from(&[3], 1024).len(), 1024 / WORD_BITS);
        assert_eq!(ids_from(&mask_from(&[3], 1024)), [3]);
    }

    #[test]
    fn mode_flags_are_stripped() {
        assert_eq!(mode_without_flags(MPOL_BIND | (1 << 15)), MPOL_BIND);
        assert_eq!(
            mode_without_flags(MPOL_PREFERRED | (1 << 13)),
            MPOL_PREFERRED
        );
        assert_eq!(mode_without_flags(MPOL_DEFAULT), MPOL_DEFAULT);
    }

    #[test]
    fn rounding() {
        assert_eq!(round_up(0, 4096), Some(0));
        assert_eq!(round_up(1, 4096), Some(4096));
        assert_eq!(round_up(4096, 4096), Some(4096));
        assert_eq!(round_up(4097, 4096), Some(8192));
        assert_eq!(round_up(usize::MAX - 10, 4096), None);
    }

    #[test]
    fn page_size_is_a_power_of_two() {
        assert!(page_size().is_power_of_two());
        assert!(configured_cpus() >= 1);
    }
}
