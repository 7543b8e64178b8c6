//! A lock-free registration hand-off: any thread [`push`](InboxSender::push)es
//! a value, the one [`InboxReceiver`] takes everything pushed so far with a
//! single swap.
//!
//! *Implementor module*: channel families and sibling crates build on it;
//! applications use the families.
//!
//! It is a Treiber stack with no individual pop: the receiver only ever
//! swaps the whole list out, so there is no ABA problem and no node is freed
//! while another thread can still read it. The MPSC channel uses it to hand
//! a new producer's ring to the consumer without a lock and without touching
//! the consumer's hot path (which checks [`InboxReceiver::is_empty`], one
//! load of a line written only at registration).
//!
//! # Examples
//!
//! ```
//! let (tx, mut rx) = ring_core::inbox::inbox::<u32>();
//! let tx2 = tx.clone();
//! std::thread::spawn(move || tx2.push(2)).join().unwrap();
//! tx.push(3);
//! let mut got: Vec<u32> = rx.take_all().collect();
//! got.sort();
//! assert_eq!(got, [2, 3]);
//! assert!(rx.is_empty());
//! ```

use alloc::boxed::Box;
use core::fmt;
use core::marker::PhantomData;
use core::ptr;

use crate::sync::{Arc, AtomicPtr, Ordering};

struct Node<T> {
    value: T,
    next: *mut Node<T>,
}

struct Inner<T> {
    head: AtomicPtr<Node<T>>,
}

// SAFETY: the inbox moves `T`s from pushing threads to the receiver's thread
// (`T: Send`); nodes are reachable only through the atomic head until a swap
// hands a whole list to exactly one owner.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above; all shared access is through the atomic head.
unsafe impl<T: Send> Sync for Inner<T> {}

impl<T> Inner<T> {
    fn take(&self) -> *mut Node<T> {
        // ORDERING: AcqRel swap. Acquire pairs with the Release (AcqRel) CAS in
        // `push`: every node's contents happen-before we read them. Release
        // makes our prior stores (e.g. a channel's closed flag) visible to a
        // pusher whose CAS reads from this swap (see `InboxSender::push`).
        self.head.swap(ptr::null_mut(), Ordering::AcqRel)
    }
}

impl<T> Drop for Inner<T> {
    fn drop(&mut self) {
        drop(Taken::<T> {
            next: self.take(),
            _not_sync: PhantomData,
        });
    }
}

/// Creates an inbox: a cloneable sender and the one receiver.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = ring_core::inbox::inbox::<u8>();
/// tx.push(1);
/// tx.clone().push(2); // any number of senders
/// assert_eq!(rx.take_all().collect::<Vec<_>>(), [1, 2]);
/// ```
pub fn inbox<T>() -> (InboxSender<T>, InboxReceiver<T>) {
    let inner = Arc::new(Inner {
        head: AtomicPtr::new(ptr::null_mut()),
    });
    (
        InboxSender {
            inner: inner.clone(),
        },
        InboxReceiver {
            inner,
            _not_sync: PhantomData,
        },
    )
}

/// The pushing side of an inbox: `Clone`, `Send` and `Sync` (when `T: Send`).
pub struct InboxSender<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for InboxSender<T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<T> fmt::Debug for InboxSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InboxSender")
    }
}

impl<T> InboxSender<T> {
    /// Pushes a value (lock-free; allocates one node).
    ///
    /// The CAS that publishes the node is an `AcqRel` read-modify-write on
    /// the same word the receiver swaps: if the receiver took the list (and
    /// so cannot have seen this value) before this push, everything the
    /// receiver did before that swap is visible after `push` returns. A
    /// channel uses this to make "closed" and "registered" race-free.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = ring_core::inbox::inbox::<&str>();
    /// tx.push("ring");
    /// assert_eq!(rx.take_all().next(), Some("ring"));
    /// ```
    pub fn push(&self, value: T) {
        let node = Box::into_raw(Box::new(Node {
            value,
            next: ptr::null_mut(),
        }));
        // ORDERING: Relaxed; only a first guess for the CAS below.
        let mut head = self.inner.head.load(Ordering::Relaxed);
        loop {
            // SAFETY: `node` is ours (not yet published), from `Box::into_raw` above.
            unsafe { (*node).next = head };
            // ORDERING: AcqRel on success: Release publishes the node's contents to
            // the receiver's Acquire swap; Acquire makes a swap this CAS reads from
            // (and what preceded it) visible to the caller. Relaxed on failure: we
            // only retry with the fresh head.
            match self.inner.head.compare_exchange_weak(
                head,
                node,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(h) => head = h,
            }
        }
    }
}

/// The receiving side of an inbox: one owner, `Send` (when `T: Send`), not
/// `Sync`, not `Clone`.
pub struct InboxReceiver<T> {
    inner: Arc<Inner<T>>,
    /// Not `Sync`: `peek` walks nodes that only this side may free.
    _not_sync: PhantomData<core::cell::Cell<()>>,
}

impl<T> fmt::Debug for InboxReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InboxReceiver")
    }
}

impl<T> InboxReceiver<T> {
    /// True if nothing was pushed since the last [`take_all`](Self::take_all)
    /// (one `Relaxed` load: a hint for the hot path; take to synchronise).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = ring_core::inbox::inbox::<u8>();
    /// assert!(rx.is_empty());
    /// tx.push(1);
    /// assert!(!rx.is_empty());
    /// rx.take_all();
    /// assert!(rx.is_empty());
    /// ```
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        // ORDERING: Relaxed; a hint only. Whoever acts on a non-empty inbox
        // synchronises through the Acquire swap in `take_all`.
        self.inner.head.load(Ordering::Relaxed).is_null()
    }

    /// Takes every value pushed so far, oldest first.
    ///
    /// Values the returned iterator does not yield are dropped with it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = ring_core::inbox::inbox::<u8>();
    /// for v in [1, 2, 3] {
    ///     tx.push(v);
    /// }
    /// assert_eq!(rx.take_all().collect::<Vec<_>>(), [1, 2, 3]); // oldest first
    /// assert_eq!(rx.take_all().next(), None); // everything was taken
    /// ```
    pub fn take_all(&mut self) -> Taken<T> {
        let mut list = self.inner.take();
        // Reverse the stack into push order.
        let mut rev: *mut Node<T> = ptr::null_mut();
        while !list.is_null() {
            // SAFETY: the swap gave us sole ownership of every node in the list.
            let next = unsafe { (*list).next };
            // SAFETY: as above.
            unsafe { (*list).next = rev };
            rev = list;
            list = next;
        }
        Taken {
            next: rev,
            _not_sync: PhantomData,
        }
    }

    /// Calls `f` on every value pushed but not yet taken, newest first,
    /// without taking them.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = ring_core::inbox::inbox::<u32>();
    /// tx.push(1);
    /// tx.push(2);
    /// let mut sum = 0;
    /// rx.peek(|v| sum += v);
    /// assert_eq!(sum, 3);
    /// ```
    pub fn peek(&self, f: impl FnMut(&T)) {
        self.pending().for_each(f);
    }

    /// Every value pushed but not yet taken, newest first, by reference,
    /// without taking them. The references live as long as the borrow of
    /// the receiver: only [`take_all`](Self::take_all) (which needs `&mut
    /// self`) unlinks nodes.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = ring_core::inbox::inbox::<u32>();
    /// tx.push(1);
    /// tx.push(2);
    /// assert_eq!(rx.pending().copied().collect::<Vec<_>>(), [2, 1]); // newest first
    /// ```
    pub fn pending(&self) -> Pending<'_, T> {
        Pending {
            // ORDERING: Acquire; pairs with the Release CAS in `push`: the nodes'
            // contents are visible.
            next: self.inner.head.load(Ordering::Acquire),
            _rx: PhantomData,
        }
    }
}

/// The values pushed but not yet taken, newest first, by reference (see
/// [`InboxReceiver::pending`]).
pub struct Pending<'a, T> {
    next: *mut Node<T>,
    _rx: PhantomData<&'a InboxReceiver<T>>,
}

impl<T> fmt::Debug for Pending<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pending")
    }
}

impl<'a, T> Iterator for Pending<'a, T> {
    type Item = &'a T;
    fn next(&mut self) -> Option<&'a T> {
        if self.next.is_null() {
            return None;
        }
        // SAFETY: nodes are freed only by `take_all` (which needs `&mut` on the
        // receiver, excluded for `'a` by the borrow this iterator holds) or by
        // `Inner::drop` (the receiver holds an `Arc`). Pushers only prepend:
        // nodes behind the head never change after publication.
        let node: &'a Node<T> = unsafe { &*self.next };
        self.next = node.next;
        Some(&node.value)
    }
}

/// The values taken by [`InboxReceiver::take_all`], oldest first.
pub struct Taken<T> {
    next: *mut Node<T>,
    _not_sync: PhantomData<core::cell::Cell<()>>,
}

// SAFETY: `Taken` owns its nodes exclusively; moving it moves `T`s (`T: Send`).
unsafe impl<T: Send> Send for Taken<T> {}

impl<T> fmt::Debug for Taken<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Taken")
    }
}

impl<T> Iterator for Taken<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        if self.next.is_null() {
            return None;
        }
        // SAFETY: owned node from `Box::into_raw` in `push`, unlinked here once.
        let node = unsafe { Box::from_raw(self.next) };
        self.next = node.next;
        Some(node.value)
    }
}

impl<T> Drop for Taken<T> {
    fn drop(&mut self) {
        // Drop what was not yielded (if a value's drop panics, the nodes after
        // it leak: never a double drop).
        for v in self.by_ref() {
            drop(v);
        }
    }
}

#[cfg(all(test, feature = "std", not(ring_loom)))]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn fifo_and_drop_of_untaken() {
        let (tx, mut rx) = inbox::<alloc::string::String>();
        assert!(rx.is_empty());
        for i in 0..5 {
            tx.push(alloc::format!("{i}"));
        }
        assert!(!rx.is_empty());
        let mut n = 0;
        rx.peek(|_| n += 1);
        assert_eq!(n, 5);
        let mut t = rx.take_all();
        assert_eq!(t.next().as_deref(), Some("0"));
        assert_eq!(t.next().as_deref(), Some("1"));
        drop(t); // 2, 3, 4 dropped here
        assert!(rx.is_empty());
        tx.push("x".into());
        drop(rx); // dropped with the inner
        tx.push("y".into());
    }

    #[test]
    fn concurrent_pushes_are_all_taken_once() {
        let (tx, mut rx) = inbox::<u32>();
        let per = if cfg!(miri) { 20 } else { 2000 };
        let hs: Vec<_> = (0..3u32)
            .map(|t| {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    for i in 0..per {
                        tx.push(t * 100_000 + i);
                    }
                })
            })
            .collect();
        let mut got = Vec::new();
        while got.len() < 3 * per as usize {
            got.extend(rx.take_all());
        }
        for h in hs {
            h.join().unwrap();
        }
        got.extend(rx.take_all());
        got.sort_unstable();
        got.dedup();
        assert_eq!(got.len(), 3 * per as usize);
    }
}
