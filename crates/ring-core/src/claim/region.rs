//! A stamped ring's memory: the region from the memory seam, its stamp
//! words and where the slots start (the claim ring and the broadcast ring).

use alloc::boxed::Box;
use core::alloc::Layout;
use core::mem::MaybeUninit;
use core::ptr::{self, NonNull};

use crate::seams::RingMemory;
use crate::spsc::BuildError;
use crate::sync::{AtomicBool, AtomicU64, Ordering};

/// A stamped ring's region from its memory seam: `capacity` stamp words,
/// then the slots (see [`region_layout`]). Released (after the ring dropped
/// its items) when the ring goes. Shared by the claim ring and the
/// broadcast ring.
pub(crate) struct Region {
    pub(crate) ptr: NonNull<u8>,
    pub(crate) layout: Layout,
    /// Stamp words at the start of the region.
    stamps: usize,
    /// The memory seam's first-use hook has run (or is running).
    first_used: AtomicBool,
    memory: Box<dyn RingMemory>,
}

/// A region with its stamp words initialised, and where the slots start.
pub(crate) struct Stamped<T> {
    pub(crate) region: Region,
    pub(crate) stamps: NonNull<AtomicU64>,
    pub(crate) slots: NonNull<MaybeUninit<T>>,
}

impl Region {
    /// Allocates the region of a ring of `capacity` slots of `T` from
    /// `memory` and initialises stamp `i` to `stamp(i)`.
    pub(crate) fn stamped<T, M: RingMemory>(
        capacity: usize,
        memory: M,
        stamp: impl Fn(usize) -> u64,
    ) -> Result<Stamped<T>, BuildError> {
        let (layout, offset) = region_layout::<T>(capacity)?;
        let base = memory.allocate(layout)?;
        let stamps = base.cast::<AtomicU64>();
        for i in 0..capacity {
            // SAFETY: the region holds `capacity` stamp words from its start
            // (`region_layout`), aligned for `AtomicU64` (the region is aligned
            // to 128), and no one else sees it yet.
            unsafe { stamps.as_ptr().add(i).write(AtomicU64::new(stamp(i))) };
        }
        // SAFETY: `offset` is inside the region (`region_layout`) and aligned for
        // `T` (`Layout::extend`), so the slot pointer is in bounds and non-null.
        let slots = unsafe { base.add(offset) }.cast::<MaybeUninit<T>>();
        let region = Region {
            ptr: base,
            layout,
            stamps: capacity,
            first_used: AtomicBool::new(false),
            memory: Box::new(memory),
        };
        Ok(Stamped {
            region,
            stamps,
            slots,
        })
    }

    /// True until the memory seam's first-use hook has run.
    pub(crate) fn fresh(&self) -> bool {
        // ORDERING: Relaxed; only the ring's one writer at a time (a claim
        // producer, handed over with Acquire/Release, or the broadcast
        // publisher) touches the flag.
        !self.first_used.load(Ordering::Relaxed)
    }

    /// Runs the memory seam's first-use hook, once per region, on the
    /// calling thread (the writer's, before its first slot write).
    #[cold]
    #[inline(never)]
    pub(crate) fn first_use(&self) {
        // ORDERING: Relaxed; see `fresh`.
        if !self.first_used.swap(true, Ordering::Relaxed) {
            self.memory.first_use(self.ptr, self.layout);
        }
    }
}

impl Region {
    /// Writes one byte in every page from byte `from` of the region to its
    /// end (the slots), so that those pages are backed now, on this thread,
    /// rather than at their first write.
    ///
    /// # Safety
    ///
    /// `from` is inside the region, and no other thread reads or writes any
    /// byte from `from` on while this runs (no slot has been written yet).
    pub(crate) unsafe fn touch(&self, from: usize) {
        /// The smallest page size of the platforms we run on: touching more
        /// often than a larger page needs costs a few stores, no more.
        const PAGE: usize = 4096;
        let mut at = from;
        while at < self.layout.size() {
            // SAFETY: `at` is inside the region (checked by the loop), which is
            // valid for writes (the memory seam's contract), and no one else
            // touches these bytes now (the caller's contract). Volatile: a plain
            // store to bytes nobody reads could be left out.
            unsafe { self.ptr.as_ptr().add(at).write_volatile(0) };
            at += PAGE;
        }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: the first `stamps` words were initialised as `AtomicU64`s in
        // `Region::stamped` and nothing uses them any more (the ring is being
        // dropped); dropping them is a no-op outside loom.
        unsafe {
            ptr::drop_in_place(ptr::slice_from_raw_parts_mut(
                self.ptr.as_ptr().cast::<AtomicU64>(),
                self.stamps,
            ));
        }
        // SAFETY: the region came from `allocate(layout)` on this same memory and
        // is no longer used.
        unsafe { self.memory.release(self.ptr, self.layout) };
    }
}

/// The byte layout of a multi-consumer ring's region: `capacity` stamp words,
/// then `capacity` slots of `T` (at the returned offset), aligned to 128 bytes.
///
/// # Errors
///
/// [`BuildError::CapacityOverflow`] if the size overflows.
///
/// # Examples
///
/// ```
/// let (layout, offset) = ring_core::claim::region_layout::<u32>(8)?;
/// assert_eq!(offset, 8 * size_of::<u64>()); // the 8 stamp words come first
/// assert_eq!(layout.align(), 128);
/// assert!(layout.size() >= offset + 8 * size_of::<u32>());
/// # Ok::<(), ring_core::spsc::BuildError>(())
/// ```
pub fn region_layout<T>(capacity: usize) -> Result<(Layout, usize), BuildError> {
    let overflow = BuildError::CapacityOverflow {
        capacity,
        elem_size: size_of::<T>(),
    };
    let stamps = Layout::array::<AtomicU64>(capacity).map_err(|_| overflow)?;
    let slots = Layout::array::<T>(capacity).map_err(|_| overflow)?;
    let (layout, offset) = stamps.extend(slots).map_err(|_| overflow)?;
    let layout = layout.align_to(128).map_err(|_| overflow)?.pad_to_align();
    Ok((layout, offset))
}
