//! The Treiber stack of free slab indices. Its head packs a 32-bit ABA tag
//! with the top index in one word (see `words`); the links live in each
//! slab's metadata (`SlabMeta::next`, in `pool`).

use ring_core::sync::{AtomicU64, AtomicUsize, Ordering, spin_loop};

use crate::pool::SlabMeta;
use crate::words::{NIL, head_index, head_tag, head_word};

/// The free list's head, on its own cache line.
#[derive(Debug)]
pub(crate) struct FreeList {
    /// ABA tag (high 32 bits, bumped by every push and pop) and top index.
    pub(crate) head: AtomicU64,
    /// Free slabs (counted before a push, uncounted after a pop).
    pub(crate) free: AtomicUsize,
}

impl FreeList {
    /// Pops a free slab index (lock-free Treiber pop).
    pub(crate) fn pop(&self, meta: &[SlabMeta]) -> Option<u32> {
        // ORDERING: Acquire; pairs with the Release CAS in `push` (and, through the
        // release sequence of RMWs on `head`, with every earlier push), so the
        // `next` link and the previous owner's slab accesses are visible.
        let mut head = self.head.load(Ordering::Acquire);
        loop {
            let index = head_index(head);
            if index == NIL {
                return None;
            }
            // ORDERING: Relaxed; the push that linked `index` happens-before the
            // Acquire load of `head` above. If `index` was popped and pushed again
            // since, this may read a newer link, but then the tag changed and the
            // CAS below fails.
            let next = meta[index as usize].next.load(Ordering::Relaxed);
            let new = head_word(head_tag(head).wrapping_add(1), next);
            // ORDERING: Acquire on success and failure, as for the load above (a
            // failed CAS hands us a new head whose `next` we read next round).
            match self
                .head
                .compare_exchange_weak(head, new, Ordering::Acquire, Ordering::Acquire)
            {
                Ok(_) => {
                    // ORDERING: Relaxed; a statistic. It never underflows: the matching
                    // increment precedes the push we popped (happens-before).
                    self.free.fetch_sub(1, Ordering::Relaxed);
                    return Some(index);
                }
                Err(actual) => {
                    head = actual;
                    spin_loop();
                }
            }
        }
    }

    /// Pushes slab `index`, which the caller owns and has marked `FREE`.
    pub(crate) fn push(&self, meta: &[SlabMeta], index: u32) {
        // ORDERING: Relaxed; a statistic, counted before the slab can be popped.
        self.free.fetch_add(1, Ordering::Relaxed);
        // ORDERING: Relaxed; we only link to the index we read; the Release CAS
        // below publishes the link.
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            // ORDERING: Relaxed; published by the Release CAS below.
            meta[index as usize]
                .next
                .store(head_index(head), Ordering::Relaxed);
            let new = head_word(head_tag(head).wrapping_add(1), index);
            // ORDERING: Release on success; pairs with the Acquire in `pop`: the
            // link, the `FREE` state and our use of the slab's bytes happen-before
            // the next owner's. Relaxed on failure: we retry with the new head.
            match self
                .head
                .compare_exchange_weak(head, new, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(actual) => {
                    head = actual;
                    spin_loop();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use ring_core::sync::Ordering;

    use crate::BufferPool;
    use crate::words::head_tag;

    #[test]
    fn tag_changes_on_every_operation() {
        let pool = BufferPool::new(8, 2).unwrap();
        // ORDERING: Relaxed; single-threaded test.
        let tag = |p: &BufferPool| {
            let home = ring_core::sync::thread_slot() & (p.shards.len() - 1);
            head_tag(p.shards[home].head.load(Ordering::Relaxed))
        };
        let t0 = tag(&pool);
        let a = pool.alloc().unwrap();
        assert_eq!(tag(&pool), t0.wrapping_add(1));
        drop(a);
        assert_eq!(tag(&pool), t0.wrapping_add(2));
    }
}
