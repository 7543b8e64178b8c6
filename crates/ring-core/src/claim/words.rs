//! The claim ring's index protocol over its words, wherever they live: the
//! in-process [`Ring`](super::Ring)'s own fields, or a mapping shared with
//! another process (ring-shm's shared flight recorder). The only copy of
//! the claim, give-back, free check, eviction and publication steps; the
//! callers move the items in and out of the slots themselves.
//!
//! With the [`Untrusted`](crate::raw::Untrusted) policy the other side may
//! be a hostile or crashed process: a claim that cannot make progress is
//! reported instead of retried without end, a give-back checks that the
//! slot was not taken back from under the reader, and an eviction that
//! would wait for a reader reports that instead of waiting.

use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::raw::{IndexCorrupt, Policy};
use crate::sync::{AtomicU64, Ordering};

/// How many times a checked claim re-reads a head that its stamp says is
/// stale before it calls the ring corrupt (a live peer moves the head on
/// long before that; only one that writes garbage does not).
const CHECKED_RETRIES: u32 = 1 << 16;

/// A claim ring's words: the shared claim head, the producer's published
/// tail, the eviction count and the per-slot stamps (see the module
/// documentation of [`claim`](super) for what a stamp says).
///
/// # Examples
///
/// ```
/// use ring_core::claim::{ClaimWords, Eviction};
/// use ring_core::raw::Trusted;
/// use ring_core::sync::AtomicU64;
///
/// let (head, tail, evicted) = (AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0));
/// let stamps: Vec<AtomicU64> = (0..2).map(AtomicU64::new).collect();
/// let first = std::ptr::NonNull::new(stamps.as_ptr().cast_mut()).unwrap();
/// // SAFETY: the words outlive `w`, and `first` points to 2 initialised words.
/// let w = unsafe { ClaimWords::<Trusted>::new(&head, &tail, &evicted, first, 2) };
/// assert!(w.is_free(0));
/// w.publish(0, 1); // (the item would be written to slot 0 first)
/// assert_eq!(w.claim(1), Ok((0, 1)));
/// assert!(w.give_back(0));
/// w.publish(1, 1);
/// w.publish(2, 1); // slot 0 again, free since the give-back
/// assert_eq!(w.evict(3), Eviction::Claimed(1)); // full: the oldest is ours to move out
/// ```
pub struct ClaimWords<'a, P: Policy> {
    head: &'a AtomicU64,
    tail: &'a AtomicU64,
    evicted: &'a AtomicU64,
    stamps: NonNull<AtomicU64>,
    mask: usize,
    _policy: PhantomData<P>,
}

impl<P: Policy> Clone for ClaimWords<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: Policy> Copy for ClaimWords<'_, P> {}

crate::debug_fields! {
    impl<P: Policy> Debug for ClaimWords<'_, P> as "ClaimWords", |this| {
        capacity: (this.mask + 1),
    } ..
}

/// What [`ClaimWords::evict`] found at a full producer's slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eviction {
    /// The slot is free (a reader gave it back meanwhile): write normally.
    Free,
    /// The producer claimed this position (the oldest): it must move the
    /// entry out of its slot, then [`count_eviction`](ClaimWords::count_eviction).
    Claimed(u64),
    /// A reader claimed the oldest entry and has not given its slot back
    /// yet: it is moving the entry out (wait and ask again), or, across
    /// processes, it may have stopped or died.
    Busy,
}

impl<'a, P: Policy> ClaimWords<'a, P> {
    /// The words of a ring of `capacity` (a power of two) slots.
    ///
    /// # Safety
    ///
    /// `stamps` points to `capacity` initialised `AtomicU64`s that live as
    /// long as `'a`, and `capacity` is a power of two.
    #[inline(always)]
    pub unsafe fn new(
        head: &'a AtomicU64,
        tail: &'a AtomicU64,
        evicted: &'a AtomicU64,
        stamps: NonNull<AtomicU64>,
        capacity: usize,
    ) -> Self {
        debug_assert!(capacity.is_power_of_two());
        ClaimWords {
            head,
            tail,
            evicted,
            stamps,
            mask: capacity - 1,
            _policy: PhantomData,
        }
    }

    /// Slots in the ring.
    #[inline(always)]
    pub fn capacity(&self) -> usize {
        self.mask + 1
    }

    /// The slot index of position `pos`.
    #[inline(always)]
    pub fn index(&self, pos: u64) -> usize {
        pos as usize & self.mask
    }

    #[inline(always)]
    fn stamp(&self, pos: u64) -> &'a AtomicU64 {
        // SAFETY: `index(pos) < capacity`: one of the `capacity` stamp words that
        // live as long as `'a` (contract of `new`).
        unsafe { &*self.stamps.as_ptr().add(self.index(pos)) }
    }

    /// Whether position `pos` is written and not yet claimed or given back
    /// (an Acquire load of its stamp: the slot's contents are visible after
    /// it returns `true`).
    #[inline(always)]
    pub fn is_ready(&self, pos: u64) -> bool {
        // ORDERING: Acquire; pairs with the Release stamp store in `publish`: the
        // slot's write happens-before our read of it.
        self.stamp(pos).load(Ordering::Acquire) == pos.wrapping_add(1)
    }

    /// Whether the producer may write position `pos` (an Acquire load of
    /// its stamp: the previous entry's move-out happened before).
    #[inline(always)]
    pub fn is_free(&self, pos: u64) -> bool {
        // ORDERING: Acquire; pairs with the Release give-back of the slot's
        // previous entry: its read happens-before our overwrite.
        self.stamp(pos).load(Ordering::Acquire) == pos
    }

    /// Claims up to `max` consecutive committed positions from the head:
    /// `(first position, count)`, count 0 when none is ready. Nothing is
    /// published by the claim itself: each position's contents were
    /// acquired through its stamp, and the CAS succeeds only while no one
    /// else has claimed any of them (`head` is a monotonic `u64`: no ABA).
    ///
    /// # Errors
    ///
    /// [`IndexCorrupt`] (only with a checked policy) when the head never
    /// catches up with what its stamp says: a peer that writes garbage.
    #[inline]
    pub fn claim(&self, max: usize) -> Result<(u64, usize), IndexCorrupt> {
        let max = max.min(self.capacity());
        if max == 0 {
            return Ok((0, 0));
        }
        let mut retries = 0u32;
        // ORDERING: Relaxed; the head only picks positions to look at, the stamps
        // (Acquire) carry the data, and the CAS below validates the choice.
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            // ORDERING: Acquire; as in `is_ready`.
            let s = self.stamp(head).load(Ordering::Acquire);
            let lag = s.wrapping_sub(head.wrapping_add(1)) as i64;
            if lag < 0 {
                // Not written yet: empty (seen from here).
                return Ok((head, 0));
            }
            if lag > 0 {
                // Someone claimed `head` already: our head is stale.
                // ORDERING: Relaxed; as above.
                let now = self.head.load(Ordering::Relaxed);
                if P::CHECKED {
                    // Only a head that never catches up is corrupt: a live
                    // peer moving it resets the count.
                    retries = if now == head { retries + 1 } else { 0 };
                    if retries > CHECKED_RETRIES {
                        return Err(self.corrupt(head));
                    }
                }
                head = now;
                continue;
            }
            let mut k = 1;
            while k < max && self.is_ready(head.wrapping_add(k as u64)) {
                k += 1;
            }
            // ORDERING: Relaxed on success and failure (see above).
            match self.head.compare_exchange_weak(
                head,
                head.wrapping_add(k as u64),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok((head, k)),
                Err(h) => head = h,
            }
        }
    }

    fn corrupt(&self, head: u64) -> IndexCorrupt {
        IndexCorrupt {
            head,
            // ORDERING: Relaxed; a value for the report.
            tail: self.tail.load(Ordering::Relaxed),
            capacity: self.capacity(),
        }
    }

    /// Gives the slot of claimed position `pos` back to the producer, after
    /// its entry was moved out. `true` unless (checked policy only) the
    /// producer took the slot back first ([`force_evict`](Self::force_evict)):
    /// then the copy may be torn and must be dropped as lost.
    #[inline(always)]
    pub fn give_back(&self, pos: u64) -> bool {
        let next = pos.wrapping_add(self.capacity() as u64);
        if P::CHECKED {
            // ORDERING: Release on success; pairs with the producer's Acquire
            // stamp load before it rewrites the slot (as the store below).
            // Relaxed on failure: the producer took the slot back; the copy is
            // dropped, nothing after depends on what the producer wrote.
            self.stamp(pos)
                .compare_exchange(
                    pos.wrapping_add(1),
                    next,
                    Ordering::Release,
                    Ordering::Relaxed,
                )
                .is_ok()
        } else {
            // ORDERING: Release; pairs with the Acquire stamp load in the
            // producer's free check: our read of the slot happens-before it is
            // overwritten.
            self.stamp(pos).store(next, Ordering::Release);
            true
        }
    }

    /// Publishes `n` written positions from `first` (the producer's tail):
    /// each stamp, then the tail (a status word: `len` and a ring's
    /// hotness; items travel through the stamps). The caller wakes readers.
    #[inline(always)]
    pub fn publish(&self, first: u64, n: usize) {
        for i in 0..n as u64 {
            let pos = first.wrapping_add(i);
            // ORDERING: Release; pairs with the readers' Acquire stamp loads: the
            // slot write happens-before a claim reads it.
            self.stamp(pos)
                .store(pos.wrapping_add(1), Ordering::Release);
        }
        // ORDERING: Release; the hand-over point to the next producer of this
        // ring (with the claim flag) and a status word.
        self.tail
            .store(first.wrapping_add(n as u64), Ordering::Release);
    }

    /// For a producer whose slot for `tail` is not free: claims the oldest
    /// entry (`tail - capacity`) with the readers' head CAS, so that it is
    /// evicted or received, never both. See [`Eviction`].
    #[inline]
    pub fn evict(&self, tail: u64) -> Eviction {
        let old = tail.wrapping_sub(self.capacity() as u64);
        loop {
            if self.is_free(tail) {
                return Eviction::Free;
            }
            // The stamp reads `old + 1`: `old` is written and not given back.
            // ORDERING: Relaxed; only picks the case, the CAS validates it.
            if self.head.load(Ordering::Relaxed) != old {
                // A reader claimed `old` and has not given it back yet.
                return Eviction::Busy;
            }
            // ORDERING: Relaxed on success and failure, as the readers' claim
            // CAS: the entry was written by this producer side, and while the
            // head equals `old` no reader has claimed it.
            let won = self.head.compare_exchange(
                old,
                old.wrapping_add(1),
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
            if won.is_ok() {
                return Eviction::Claimed(old);
            }
        }
    }

    /// Takes the slot of `tail` back from a reader that claimed its entry
    /// and has not given it back (checked policy: a reader process that died
    /// or stopped): its give-back will then fail, so it drops what it
    /// copied, and the entry counts as evicted (`true`). `false` when the
    /// slot was given back meanwhile (or holds a stamp no honest reader
    /// writes): nothing was taken, nothing counted. Either way the slot is
    /// the producer's to write. Call only after [`evict`](Self::evict) said
    /// [`Eviction::Busy`].
    pub fn force_evict(&self, tail: u64) -> bool {
        debug_assert!(
            P::CHECKED,
            "only a checked (cross-process) producer takes slots back"
        );
        let old = tail.wrapping_sub(self.capacity() as u64);
        // ORDERING: a CAS from "written, claimed, not given back" to "free for
        // `tail`", so that a give-back racing it is seen (failure) rather than
        // overwritten. Relaxed on success: the slot is rewritten next and
        // published by its Release stamp store in `publish`; the reader's
        // give-back CAS (expecting `old + 1`) fails from here on. Acquire on
        // failure: pairs with the reader's Release give-back, whose copy then
        // happens-before our rewrite.
        let taken = self
            .stamp(tail)
            .compare_exchange(
                old.wrapping_add(1),
                tail,
                Ordering::Relaxed,
                Ordering::Acquire,
            )
            .is_ok();
        if taken {
            self.count_eviction();
        }
        taken
    }

    /// Counts one eviction (the producer side only, one at a time).
    #[inline(always)]
    pub fn count_eviction(&self) {
        // ORDERING: Relaxed load: only the producer side writes the count, one
        // producer at a time (handed over with Acquire/Release). Release store;
        // pairs with the Acquire in `evicted`.
        let n = self.evicted.load(Ordering::Relaxed);
        self.evicted.store(n.wrapping_add(1), Ordering::Release);
    }

    /// Entries evicted so far.
    pub fn evicted(&self) -> u64 {
        // ORDERING: Acquire; pairs with the Release store in `count_eviction`.
        self.evicted.load(Ordering::Acquire)
    }

    /// Entries published and not yet claimed (a snapshot, at most the
    /// capacity).
    pub fn len(&self) -> usize {
        // ORDERING: Relaxed; a snapshot for status queries.
        let tail = self.tail.load(Ordering::Relaxed);
        // ORDERING: Relaxed; as above.
        let head = self.head.load(Ordering::Relaxed);
        (tail.saturating_sub(head) as usize).min(self.capacity())
    }

    /// Whether no entry is published and unclaimed (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The producer's published tail (where a new producer continues).
    pub fn tail(&self) -> u64 {
        // ORDERING: Relaxed; callers order it (the producer hand-over).
        self.tail.load(Ordering::Relaxed)
    }

    /// The claim head (a snapshot).
    pub fn head(&self) -> u64 {
        // ORDERING: Relaxed; a snapshot.
        self.head.load(Ordering::Relaxed)
    }
}
