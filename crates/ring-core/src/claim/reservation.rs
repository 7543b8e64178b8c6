//! A reservation of contiguous free slots of the claim ring: write in place, then commit.

use super::*;
use crate::fill::{Reserved, check_commit};

/// Contiguous free slots reserved for writing; borrows the producer mutably.
/// Dropping it without committing commits nothing.
pub struct Reservation<'a, T, O: Observer = ()> {
    pub(super) producer: &'a mut Producer<T, O>,
    pub(super) len: usize,
}

crate::debug_fields! {
    impl<T, O: Observer> Debug for Reservation<'_, T, O> as "claim::Reservation", |this| {
        len: this.len,
    }
}

impl<T, O: Observer> Reservation<'_, T, O> {
    crate::fill::reservation_methods! {
        /// Number of reserved slots.
        ///
        /// # Examples
        ///
        /// ```
        /// use ring_core::{claim::Ring, wait::WakeGroup};
        /// use std::sync::Arc;
        /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
        /// let mut tx = Ring::try_producer(&ring).unwrap();
        /// assert_eq!(tx.reserve(8).unwrap().len(), 4); // never more than the free slots
        /// # Ok::<(), ring_core::spsc::BuildError>(())
        /// ```
        len;
        /// Never true: a reservation has at least one slot.
        ///
        /// # Examples
        ///
        /// ```
        /// use ring_core::{claim::Ring, wait::WakeGroup};
        /// use std::sync::Arc;
        /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
        /// let mut tx = Ring::try_producer(&ring).unwrap();
        /// assert!(!tx.reserve(1).unwrap().is_empty());
        /// # Ok::<(), ring_core::spsc::BuildError>(())
        /// ```
        is_empty;
        /// Writes items from `iter` and commits exactly the slots written;
        /// returns that count (a panicking iterator commits what was written).
        ///
        /// # Examples
        ///
        /// ```
        /// use ring_core::{claim::Ring, wait::WakeGroup};
        /// use std::sync::Arc;
        /// let ring = Ring::<String>::new(4, Arc::new(WakeGroup::new()))?;
        /// let mut tx = Ring::try_producer(&ring).unwrap();
        /// let n = tx.reserve(4).unwrap().fill_from_iter(["a", "b"].map(String::from));
        /// assert_eq!(n, 2); // the iterator ran dry: two slots committed
        /// assert_eq!(ring.try_recv().as_deref(), Ok("a"));
        /// assert_eq!(ring.len(), 1);
        /// # Ok::<(), ring_core::spsc::BuildError>(())
        /// ```
        fill_from_iter;
        /// Fills every reserved slot with `f(index)` and commits them; returns the count.
        ///
        /// # Examples
        ///
        /// ```
        /// use ring_core::{claim::Ring, wait::WakeGroup};
        /// use std::sync::Arc;
        /// let ring = Ring::<u64>::new(4, Arc::new(WakeGroup::new()))?;
        /// let mut tx = Ring::try_producer(&ring).unwrap();
        /// assert_eq!(tx.reserve(3).unwrap().fill_with(|i| 10 * i as u64), 3);
        /// let mut got = Vec::new();
        /// ring.recv_many(&mut got, 10);
        /// assert_eq!(got, [0, 10, 20]);
        /// # Ok::<(), ring_core::spsc::BuildError>(())
        /// ```
        fill_with;
        /// Copies `src` (up to the reservation's length) and commits it; returns the count.
        ///
        /// # Examples
        ///
        /// ```
        /// use ring_core::{claim::Ring, wait::WakeGroup};
        /// use std::sync::Arc;
        /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
        /// let mut tx = Ring::try_producer(&ring).unwrap();
        /// assert_eq!(tx.reserve(2).unwrap().copy_from_slice(&[1, 2, 3]), 2); // at most the reserved length
        /// assert_eq!(ring.len(), 2);
        /// # Ok::<(), ring_core::spsc::BuildError>(())
        /// ```
        copy_from_slice;
    }

    fn base(&self) -> *mut MaybeUninit<T> {
        self.producer.ring.slot(self.producer.tail)
    }

    /// The reserved slots, for writing through (then [`commit`](Self::commit)).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u32>::new(4, Arc::new(WakeGroup::new()))?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// let mut r = tx.reserve(2).unwrap();
    /// r.as_mut_slice()[0].write(10);
    /// r.as_mut_slice()[1].write(20);
    /// // SAFETY: both reserved slots were initialised just above.
    /// unsafe { r.commit(2) };
    /// assert_eq!((ring.try_recv(), ring.try_recv()), (Ok(10), Ok(20)));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn as_mut_slice(&mut self) -> &mut [MaybeUninit<T>] {
        // SAFETY: `len` free (stamp == pos, checked in `reserve`), contiguous slots
        // from the tail; no consumer touches them until they are published, and
        // the producer is borrowed mutably through `self`.
        unsafe { slice::from_raw_parts_mut(self.base(), self.len) }
    }

    /// Publishes the first `n` slots.
    ///
    /// # Safety
    ///
    /// The first `n` slots of [`as_mut_slice`](Self::as_mut_slice) are initialised.
    ///
    /// # Panics
    ///
    /// If `n` exceeds [`len`](Self::len).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{TryRecvError, claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let ring = Ring::<u8>::new(4, Arc::new(WakeGroup::new()))?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// let mut r = tx.reserve(4).unwrap();
    /// r.as_mut_slice()[0].write(7);
    /// // SAFETY: the first slot was initialised just above; only it is published.
    /// unsafe { r.commit(1) };
    /// assert_eq!(ring.try_recv(), Ok(7));
    /// assert_eq!(ring.try_recv(), Err(TryRecvError::Empty)); // the other slots were not
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub unsafe fn commit(self, n: usize) {
        check_commit(n, self.len);
        if n > 0 {
            self.producer.publish(n);
        }
    }
}

// SAFETY: the reservation holds `len` contiguous slots that `reserve` saw free
// (each stamp read with Acquire) and only it writes until `commit`, which
// publishes the first `n`.
unsafe impl<T, O: Observer> Reserved<T> for Reservation<'_, T, O> {
    fn run(&self) -> (*mut T, usize) {
        (self.base().cast::<T>(), self.len)
    }

    /// The reservation's `commit(n)`.
    ///
    /// # Safety
    ///
    /// As [`Reserved::publish`]: the first `n` slots of the run are
    /// initialised.
    unsafe fn publish(self, n: usize) {
        // SAFETY: the first `n` slots are initialised (this method's contract,
        // which is `commit`'s).
        unsafe { self.commit(n) }
    }
}
