//! A grow-only table readable without locks: entries are appended (under a
//! lock that only appenders take) into segments that are allocated once and
//! never moved or freed until the table drops, so a reader never sees a
//! table freed under it and never waits for an appender.
//!
//! *Implementor module*: channel families and sibling crates build on it;
//! applications use the families.
//!
//! Segment `k` holds `16 << k` entries; 32 segments cover any table a
//! process can hold. The length is published with `Release` after the entry
//! is written; readers load it with `Acquire`.
//!
//! # Examples
//!
//! ```
//! let t = ring_core::table::GrowTable::<String>::new();
//! assert_eq!(t.push("a".into()), 0);
//! assert_eq!(t.push("b".into()), 1);
//! assert_eq!(t.len(), 2);
//! assert_eq!(t.get(1).map(String::as_str), Some("b"));
//! assert!(t.get(2).is_none());
//! ```

use alloc::boxed::Box;
use core::mem::MaybeUninit;
use core::ptr;

use crate::sync::{AtomicPtr, AtomicUsize, Mutex, Ordering};

const BASE_SHIFT: u32 = 4;
const SEGMENTS: usize = 32;

/// Segment and offset of entry `i`.
#[inline(always)]
fn locate(i: usize) -> (usize, usize) {
    let j = (i >> BASE_SHIFT) + 1;
    let seg = (usize::BITS - 1 - j.leading_zeros()) as usize;
    let first = ((1usize << seg) - 1) << BASE_SHIFT;
    (seg, i - first)
}

#[inline(always)]
fn seg_len(seg: usize) -> usize {
    1usize << (seg as u32 + BASE_SHIFT)
}

/// An append-only table of `E`, shared by reference (`Sync` when `E: Send + Sync`).
pub struct GrowTable<E> {
    segments: [AtomicPtr<MaybeUninit<E>>; SEGMENTS],
    len: AtomicUsize,
    append: Mutex<()>,
}

// SAFETY: the table owns its entries (moving it moves `E`s: `E: Send`).
unsafe impl<E: Send> Send for GrowTable<E> {}
// SAFETY: readers get `&E` from any thread (`E: Sync`); appends move `E`s in
// from any thread (`E: Send`) and are serialised by the lock; published entries
// never change or move.
unsafe impl<E: Send + Sync> Sync for GrowTable<E> {}

crate::debug_fields! {
    impl<E> Debug for GrowTable<E> as "GrowTable", |this| {
        len: this.len(),
    }
}

impl<E> Default for GrowTable<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> GrowTable<E> {
    /// An empty table (allocates nothing until the first push).
    ///
    /// # Examples
    ///
    /// ```
    /// let t = ring_core::table::GrowTable::<u32>::new();
    /// assert!(t.is_empty());
    /// assert_eq!(t.get(0), None);
    /// ```
    pub fn new() -> Self {
        Self {
            segments: core::array::from_fn(|_| AtomicPtr::new(ptr::null_mut())),
            len: AtomicUsize::new(0),
            append: Mutex::new(()),
        }
    }

    /// Entries published so far.
    ///
    /// # Examples
    ///
    /// ```
    /// let t = ring_core::table::GrowTable::new();
    /// t.push('a');
    /// t.push('b');
    /// assert_eq!(t.len(), 2);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        // ORDERING: Acquire; pairs with the Release store in `push`: entries below
        // the length (and their segment pointers) are initialised and visible.
        self.len.load(Ordering::Acquire)
    }

    /// True if no entry was pushed.
    ///
    /// # Examples
    ///
    /// ```
    /// let t = ring_core::table::GrowTable::new();
    /// assert!(t.is_empty());
    /// t.push(1);
    /// assert!(!t.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends `entry` and returns its index. Takes the appenders' lock (never
    /// taken by readers); may allocate a new segment.
    ///
    /// # Panics
    ///
    /// If the table would exceed `16 * (2^32 - 1)` entries.
    ///
    /// # Examples
    ///
    /// ```
    /// let t = ring_core::table::GrowTable::new();
    /// let (a, b) = std::thread::scope(|s| {
    ///     let a = s.spawn(|| t.push("a"));
    ///     let b = s.spawn(|| t.push("b"));
    ///     (a.join().unwrap(), b.join().unwrap())
    /// });
    /// assert_eq!(a + b, 1); // indices 0 and 1, in either order
    /// assert_eq!((t.get(a), t.get(b)), (Some(&"a"), Some(&"b")));
    /// ```
    pub fn push(&self, entry: E) -> usize {
        let _guard = self.append.lock().unwrap_or_else(|e| e.into_inner());
        // ORDERING: Relaxed; appenders are serialised by the lock, which orders
        // this load after the previous append's store.
        let i = self.len.load(Ordering::Relaxed);
        let (seg, off) = locate(i);
        assert!(seg < SEGMENTS, "GrowTable is full");
        // ORDERING: Relaxed; only appenders store segment pointers (under the lock).
        let mut base = self.segments[seg].load(Ordering::Relaxed);
        if base.is_null() {
            let boxed: Box<[MaybeUninit<E>]> = Box::new_uninit_slice(seg_len(seg));
            base = Box::into_raw(boxed).cast::<MaybeUninit<E>>();
            // ORDERING: Release; readers reach the pointer only below a length they
            // loaded with Acquire (published after this store), so Relaxed would do;
            // Release keeps the pointer's publication self-evident.
            self.segments[seg].store(base, Ordering::Release);
        }
        // SAFETY: `off < seg_len(seg)` (from `locate`), the entry is not yet
        // published (index >= len), and appenders are serialised by the lock.
        unsafe { (*base.add(off)).write(entry) };
        // ORDERING: Release; pairs with the Acquire load in `len`/`get`: the entry
        // write above happens-before any reader that sees the new length.
        self.len.store(i + 1, Ordering::Release);
        i
    }

    /// The entry at `index`, if published.
    ///
    /// # Examples
    ///
    /// ```
    /// let t = ring_core::table::GrowTable::new();
    /// let i = t.push(10);
    /// assert_eq!(t.get(i), Some(&10));
    /// assert_eq!(t.get(i + 1), None); // not pushed yet
    /// ```
    #[inline]
    pub fn get(&self, index: usize) -> Option<&E> {
        if index >= self.len() {
            return None;
        }
        let (seg, off) = locate(index);
        // ORDERING: Acquire; the pointer was stored before the length we loaded
        // (Acquire) was published; Acquire here is belt and braces at no cost on x86.
        let base = self.segments[seg].load(Ordering::Acquire);
        // SAFETY: `index < len`: its segment exists and the entry was initialised
        // before the length was published; entries never move or change, and are
        // dropped only with the table (which `&self` keeps alive).
        Some(unsafe { (*base.add(off)).assume_init_ref() })
    }

    /// Iterates over the published entries (those below the length seen at the start).
    ///
    /// # Examples
    ///
    /// ```
    /// let t = ring_core::table::GrowTable::new();
    /// for i in 0..20 {
    ///     t.push(i); // crosses from the first 16-entry segment into the next
    /// }
    /// assert!(t.iter().copied().eq(0..20));
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &E> + '_ {
        let n = self.len();
        (0..n).filter_map(move |i| self.get(i))
    }
}

impl<E> Drop for GrowTable<E> {
    fn drop(&mut self) {
        // ORDERING: Relaxed; exclusive access in drop.
        let n = self.len.load(Ordering::Relaxed);
        for i in 0..n {
            let (seg, off) = locate(i);
            // ORDERING: Relaxed; exclusive access.
            let base = self.segments[seg].load(Ordering::Relaxed);
            // SAFETY: `i < len`: initialised, dropped once here.
            unsafe { (*base.add(off)).assume_init_drop() };
        }
        for (seg, p) in self.segments.iter().enumerate() {
            // ORDERING: Relaxed; exclusive access.
            let base = p.load(Ordering::Relaxed);
            if !base.is_null() {
                // SAFETY: allocated in `push` as a boxed slice of `seg_len(seg)`;
                // its entries were dropped above (MaybeUninit drops nothing).
                drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(base, seg_len(seg))) });
            }
        }
    }
}

#[cfg(all(test, not(ring_loom)))]
mod tests {
    use super::*;
    use alloc::string::{String, ToString};
    use alloc::vec::Vec;

    #[test]
    fn locate_covers_every_index_once() {
        assert_eq!(locate(0), (0, 0));
        assert_eq!(locate(15), (0, 15));
        assert_eq!(locate(16), (1, 0));
        assert_eq!(locate(47), (1, 31));
        assert_eq!(locate(48), (2, 0));
        let mut expect = (0, 0);
        for i in 0..5000 {
            assert_eq!(locate(i), expect, "index {i}");
            expect.1 += 1;
            if expect.1 == seg_len(expect.0) {
                expect = (expect.0 + 1, 0);
            }
        }
    }

    #[test]
    fn grows_across_segments_and_drops_entries() {
        let t = GrowTable::new();
        let n = if cfg!(miri) { 100 } else { 1000 };
        for i in 0..n {
            assert_eq!(t.push(i.to_string()), i);
        }
        assert_eq!(t.len(), n);
        for i in 0..n {
            assert_eq!(t.get(i).unwrap(), &i.to_string());
        }
        assert_eq!(t.iter().count(), n);
    }

    #[test]
    fn readers_see_complete_entries_while_appending() {
        let t = crate::sync::Arc::new(GrowTable::<String>::new());
        let n = if cfg!(miri) { 60 } else { 3000 };
        let w = {
            let t = t.clone();
            std::thread::spawn(move || {
                for i in 0..n {
                    t.push(i.to_string());
                }
            })
        };
        let mut seen = 0;
        while seen < n {
            let len = t.len();
            for i in seen..len {
                assert_eq!(t.get(i).unwrap(), &i.to_string());
            }
            seen = len;
        }
        w.join().unwrap();
        let all: Vec<_> = t.iter().collect();
        assert_eq!(all.len(), n);
    }
}
