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
