//! A reservation of contiguous free slots: write in place, then commit.

use super::*;
use crate::fill::{Reserved, check_commit};

// --------------------------------------------------------------- Reservation

/// Contiguous free slots reserved for writing. Borrows the producer mutably,
/// so no second reservation or send can happen until it is committed or
/// dropped. Dropping it without committing commits nothing.
///
/// ```compile_fail
/// let (mut tx, _rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
/// let a = tx.reserve(1).unwrap();
/// let b = tx.reserve(1).unwrap(); // nested reservations are impossible
/// drop((a, b));
/// ```
pub struct Reservation<'a, T, O: Observer = ()> {
    pub(super) producer: &'a mut Producer<T, O>,
    pub(super) len: usize,
}

crate::debug_fields! {
    impl<T, O: Observer> Debug for Reservation<'_, T, O> as "Reservation", |this| {
        len: this.len,
    }
}

impl<'a, T, O: Observer> Reservation<'a, T, O> {
    crate::fill::reservation_methods! {
        /// Number of reserved slots.
        ///
        /// # Examples
        ///
        /// ```
        /// let (mut tx, _rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default().with_ring_bits(2));
        /// let r = tx.reserve(8).unwrap();
        /// assert_eq!(r.len(), 4); // never more than the ring's free slots
        /// ```
        len;
        /// Never true: a reservation has at least one slot.
        ///
        /// # Examples
        ///
        /// ```
        /// let (mut tx, _rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
        /// let r = tx.reserve(1).unwrap();
        /// assert!(!r.is_empty());
        /// ```
        is_empty;
        /// Writes items from `iter` into the reserved slots and commits exactly
        /// the slots written; returns that count. If the iterator panics, the
        /// items written before the panic are committed.
        ///
        /// # Examples
        ///
        /// ```
        /// let (mut tx, mut rx) = ring_core::spsc::channel::<String>(ring_core::Config::default());
        /// let n = tx.reserve(8).unwrap().fill_from_iter(["a", "b"].map(String::from));
        /// assert_eq!(n, 2);
        /// assert_eq!(rx.try_recv().as_deref(), Ok("a"));
        /// ```
        fill_from_iter;
        /// Fills every reserved slot with `f(index)` (index 0 is the first slot)
        /// and commits them all; returns the count. A tight index loop over one
        /// contiguous run, so simple closures vectorise. If `f` panics, the slots
        /// filled before are committed.
        ///
        /// # Examples
        ///
        /// ```
        /// let (mut tx, mut rx) = ring_core::spsc::channel::<u64>(ring_core::Config::default());
        /// let n = tx.reserve(4).unwrap().fill_with(|i| 10 * i as u64);
        /// assert_eq!(n, 4);
        /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0, 10, 20, 30]);
        /// ```
        fill_with;
        /// Copies `src` (up to the reservation's length) and commits it; returns
        /// the count.
        ///
        /// # Examples
        ///
        /// ```
        /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
        /// let r = tx.reserve(2).unwrap();
        /// assert_eq!(r.copy_from_slice(&[1, 2, 3]), 2); // at most the reserved length
        /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
        /// ```
        copy_from_slice;
    }

    /// The reserved slots, for writing through (then [`commit`](Self::commit)).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u32>(ring_core::Config::default());
    /// let mut r = tx.reserve(3).unwrap();
    /// for (i, slot) in r.as_mut_slice().iter_mut().enumerate() {
    ///     slot.write(i as u32 * 10);
    /// }
    /// // SAFETY: all three reserved slots were initialised by the loop above.
    /// unsafe { r.commit(3) };
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0, 10, 20]);
    /// ```
    pub fn as_mut_slice(&mut self) -> &mut [MaybeUninit<T>] {
        let p = self
            .producer
            .raw
            .slots_for_write(0, self.len)
            .cast::<MaybeUninit<T>>();
        // SAFETY: `len` free, contiguous slots from the tail, reserved for us and
        // borrowed mutably through `self` (no other access until commit).
        unsafe { slice::from_raw_parts_mut(p, self.len) }
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
    /// use ring_core::{Config, TryRecvError, spsc};
    /// let (mut tx, mut rx) = spsc::channel::<u8>(Config::default());
    /// let mut r = tx.reserve(4).unwrap();
    /// r.as_mut_slice()[0].write(7);
    /// // SAFETY: the first slot was initialised just above; only it is published.
    /// unsafe { r.commit(1) };
    /// assert_eq!(rx.try_recv(), Ok(7));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty)); // the other slots were not
    /// ```
    pub unsafe fn commit(self, n: usize) {
        check_commit(n, self.len);
        if n > 0 {
            let pos = self.producer.raw.tail();
            self.producer.observer.before_commit(pos, n);
            // SAFETY: `n <= len` (asserted above), and `len` reserved slots were
            // free; the first `n` are initialised (this function's contract).
            unsafe { self.producer.raw.publish(n) };
            self.producer.committed(pos, n);
        }
    }
}

// SAFETY: the reservation holds `len` contiguous vacant slots from the tail
// (`reserve` checked the free count) that only it writes until `commit`, which
// publishes the first `n`.
unsafe impl<T, O: Observer> Reserved<T> for Reservation<'_, T, O> {
    fn run(&self) -> (*mut T, usize) {
        (self.producer.raw.slots_for_write(0, self.len), self.len)
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
