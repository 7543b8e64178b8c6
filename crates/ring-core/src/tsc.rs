//! The CPU's time-stamp counter: a cheap clock for sampled timestamps
//! (implementor module; `ring-metrics` calibrates it against the monotonic
//! clock and falls back to `std::time::Instant` where [`invariant`] is false).
//!
//! On x86_64, [`read`] is one `RDTSC` instruction: tens of cycles, no system
//! call, no serialisation (an out-of-order read may land a few instructions
//! early or late, noise next to a cross-core hand-off). [`invariant`] says
//! whether the counter ticks at one constant rate in every power state (CPUID
//! leaf `0x8000_0007`, EDX bit 8), the condition for using it as a clock.
//! Elsewhere (and under miri) [`read`] is `None` and [`invariant`] false.
//!
//! This is the one `unsafe` block behind ring-metrics' clock: ring-metrics
//! forbids `unsafe` (docs/contributing.md §2), so the intrinsic lives here.
//!
//! # Examples
//!
//! ```
//! if let (true, Some(a)) = (ring_core::tsc::invariant(), ring_core::tsc::read()) {
//!     let b = ring_core::tsc::read().unwrap();
//!     assert!(b >= a); // one thread, an invariant counter
//! }
//! ```

/// True if the CPU has an invariant time-stamp counter: it ticks at a
/// constant rate whatever the frequency or sleep state. Asks CPUID each call
/// (a VM exit under a hypervisor: microseconds), so callers cache it.
///
/// # Examples
///
/// ```
/// let tsc = ring_core::tsc::invariant();
/// assert_eq!(tsc, ring_core::tsc::invariant());
/// ```
pub fn invariant() -> bool {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    {
        use core::arch::x86_64::__cpuid;
        // Leaf 0x8000_0000 reports the highest extended leaf; 0x8000_0007
        // ("advanced power management") holds the invariant-TSC bit.
        let highest = __cpuid(0x8000_0000).eax;
        highest >= 0x8000_0007 && __cpuid(0x8000_0007).edx & (1 << 8) != 0
    }
    #[cfg(not(all(target_arch = "x86_64", not(miri))))]
    {
        false
    }
}

/// The time-stamp counter now, in ticks (`None` on a CPU without one). Not
/// a clock by itself: use it only where [`invariant`] is true, with a rate
/// calibrated against a real clock.
///
/// # Examples
///
/// ```
/// let t = ring_core::tsc::read();
/// assert_eq!(t.is_some(), cfg!(target_arch = "x86_64"));
/// ```
#[inline(always)]
pub fn read() -> Option<u64> {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    {
        // SAFETY: RDTSC exists on every x86_64 CPU, reads one register and
        // touches no memory; the intrinsic is `unsafe` only as an intrinsic.
        // (An OS may make it trap, e.g. Linux's PR_SET_TSC: a signal, not UB.)
        Some(unsafe { core::arch::x86_64::_rdtsc() })
    }
    #[cfg(not(all(target_arch = "x86_64", not(miri))))]
    {
        None
    }
}

#[cfg(all(test, not(ring_loom)))]
mod tests {
    #[test]
    fn reads_do_not_go_backwards_on_one_thread() {
        if !super::invariant() {
            return;
        }
        let mut last = super::read().unwrap_or(0);
        for _ in 0..1000 {
            let t = super::read().unwrap_or(0);
            assert!(t >= last);
            last = t;
        }
    }
}
