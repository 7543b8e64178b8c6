//! Filling reserved slots, written once for every reservation type (the
//! SPSC ring's and the claim ring's): write values one by one into a
//! reserved run, then publish exactly the slots written, also when the
//! source of the values panics.

/// Writes `next(i)` into slot `i` of the reserved run at `base`, for `i`
/// from 0 until `len` or until `next` returns `None`, then calls
/// `publish(n)` with the number `n` of slots written, and returns `n`. If
/// `next` panics, `publish` still runs (during the unwind) for the slots
/// written before the panic: nothing written is lost, nothing unwritten is
/// published.
///
/// # Safety
///
/// `base` points to `len` reserved, vacant, contiguous slots of `T` that
/// only this call writes, and `publish(n)` publishes the first `n` of them
/// (`n <= len`) and nothing else.
pub(crate) unsafe fn fill<T>(
    base: *mut T,
    len: usize,
    mut next: impl FnMut(usize) -> Option<T>,
    publish: impl FnOnce(usize),
) -> usize {
    struct Published<F: FnOnce(usize)> {
        written: usize,
        publish: Option<F>,
    }
    impl<F: FnOnce(usize)> Drop for Published<F> {
        fn drop(&mut self) {
            if let Some(publish) = self.publish.take() {
                publish(self.written);
            }
        }
    }
    let mut guard = Published {
        written: 0,
        publish: Some(publish),
    };
    while guard.written < len {
        let Some(value) = next(guard.written) else {
            break;
        };
        // SAFETY: `written < len`: one of the reserved, vacant slots only this
        // call writes (this function's contract); counted only after the write.
        unsafe { base.add(guard.written).write(value) };
        guard.written += 1;
    }
    guard.written
}

/// Copies `src` (as much of it as fits in `len`) into the reserved run at
/// `base` with one `memcpy`, then calls `publish(n)` with the count `n`
/// copied, and returns `n`.
///
/// # Safety
///
/// As for [`fill`]: `base` points to `len` reserved, vacant, contiguous slots
/// of `T` that only this call writes, and `publish(n)` publishes the first
/// `n` of them and nothing else.
pub(crate) unsafe fn copy<T: Copy>(
    base: *mut T,
    len: usize,
    src: &[T],
    publish: impl FnOnce(usize),
) -> usize {
    let n = src.len().min(len);
    // SAFETY: `n <= len` reserved, vacant, contiguous slots (the contract);
    // `src` is a shared borrow of other memory, so the ranges do not overlap.
    unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), base, n) };
    publish(n);
    n
}

/// A reservation that [`fill`] and [`copy`] write into (the SPSC ring's and
/// the claim ring's): its reserved run and its commit. The provided methods
/// are the bodies of the reservations' public `fill_from_iter`, `fill_with`
/// and `copy_from_slice`.
///
/// # Safety
///
/// The provided methods write through the pointer `run` returns: an
/// implementation promises that `run` gives `len` reserved, vacant,
/// contiguous slots that only this reservation writes until it publishes
/// them, and that `publish(n)` publishes exactly the first `n` of them.
pub(crate) unsafe trait Reserved<T>: Sized {
    /// The reserved run: its first slot and its length (`len` reserved,
    /// vacant, contiguous slots that only this reservation writes).
    fn run(&self) -> (*mut T, usize);

    /// Publishes the first `n` slots of the run (the reservation's `commit`).
    ///
    /// # Safety
    ///
    /// The first `n` slots of the run are initialised.
    unsafe fn publish(self, n: usize);

    /// Fills the run with `next(i)` until it is full or `next` gives `None`,
    /// and publishes what was written; returns the count.
    fn fill_run(self, next: impl FnMut(usize) -> Option<T>) -> usize {
        let (base, len) = self.run();
        let publish = |n| {
            // SAFETY: `fill` passes the number of slots it wrote, each
            // initialised, and calls this once.
            unsafe { self.publish(n) }
        };
        // SAFETY: `base` is this reservation's `len` reserved, vacant,
        // contiguous slots, and `publish(n)` publishes the first `n` of them.
        unsafe { fill(base, len, next, publish) }
    }

    /// Copies `src` (up to the run's length) and publishes it; returns the count.
    fn copy_run(self, src: &[T]) -> usize
    where
        T: Copy,
    {
        let (base, len) = self.run();
        let publish = |n| {
            // SAFETY: `copy` passes the number of slots it copied into, each
            // initialised, and calls this once.
            unsafe { self.publish(n) }
        };
        // SAFETY: as in `fill_run`.
        unsafe { copy(base, len, src, publish) }
    }
}

/// A reservation's `commit(n)` check: `n` is at most its `len` reserved slots.
///
/// # Panics
///
/// If `n` exceeds `len`.
#[track_caller]
pub(crate) fn check_commit(n: usize, len: usize) {
    assert!(
        n <= len,
        "Reservation::commit({n}) exceeds the {len} reserved slots"
    );
}

/// The public methods every reservation type shares, each with the docs the
/// caller gives: `len`, `is_empty` and, through [`Reserved`],
/// `fill_from_iter`, `fill_with` and `copy_from_slice`. Expands inside the
/// type's inherent `impl`, whose item type is `T` and whose `len` field
/// counts the reserved slots.
macro_rules! reservation_methods {
    (
        $(#[$len_doc:meta])*
        len;
        $(#[$is_empty_doc:meta])*
        is_empty;
        $(#[$fill_from_iter_doc:meta])*
        fill_from_iter;
        $(#[$fill_with_doc:meta])*
        fill_with;
        $(#[$copy_from_slice_doc:meta])*
        copy_from_slice;
    ) => {
        $(#[$len_doc])*
        pub fn len(&self) -> usize {
            self.len
        }

        $(#[$is_empty_doc])*
        pub fn is_empty(&self) -> bool {
            self.len == 0
        }

        $(#[$fill_from_iter_doc])*
        pub fn fill_from_iter<I: IntoIterator<Item = T>>(self, iter: I) -> usize {
            let mut iter = iter.into_iter();
            self.fill_run(|_| iter.next())
        }

        $(#[$fill_with_doc])*
        pub fn fill_with(self, mut f: impl FnMut(usize) -> T) -> usize {
            self.fill_run(|i| Some(f(i)))
        }

        $(#[$copy_from_slice_doc])*
        pub fn copy_from_slice(self, src: &[T]) -> usize
        where
            T: Copy,
        {
            self.copy_run(src)
        }
    };
}
pub(crate) use reservation_methods;
