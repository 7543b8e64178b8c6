//! The SPSC consumer: receives, batches, zero-copy reads; drops what is left on drop.

use super::*;
use core::cell::Cell;

// ------------------------------------------------------------------ Consumer

/// The receiving end of an SPSC ring. `Send` (when `T: Send`), not `Sync`, not `Clone`.
///
/// Dropping it closes the channel and drops the items still in the ring.
///
/// ```compile_fail
/// fn clone_it<T: Clone>(_: &T) {}
/// let (_tx, rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
/// clone_it(&rx); // one reader per SPSC ring
/// ```
///
/// ```compile_fail
/// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
/// tx.try_send(1).unwrap();
/// let s = rx.readable().unwrap();
/// rx.advance(1);
/// let _ = s[0]; // the slice cannot outlive `advance`
/// ```
pub struct Consumer<T, O: Observer = ()> {
    pub(crate) raw: RawConsumer<T>,
    pub(crate) observer: O,
    pub(crate) marks: Marks,
    /// The estimate under which a consume reads the crossing word: `low +
    /// 1` after each re-read of the producer's tail, 0 once the word was read
    /// (until the next re-read; see `watch_drain`). 0 without watermarks.
    pub(crate) fall_bar: Cell<u64>,
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    // reason: without std it only keeps the ring alive
    pub(super) shared: Arc<Shared<T>>,
}

// SAFETY: the consumer moves `T`s produced on another thread (`T: Send`); it is
// the ring's only consumer wherever it runs. Not `Sync` (cached index in a `Cell`).
unsafe impl<T: Send, O: Observer> Send for Consumer<T, O> {}

crate::debug_fields! {
    impl<T, O: Observer> Debug for Consumer<T, O> as "Consumer", |this| {
        raw: this.raw,
    } ..
}

/// Moves the consumer's head past the items it has finished with, even if a
/// handler or a `T::drop` panics midway.
struct Finish<'a, T, O: Observer> {
    pub(super) consumer: &'a mut Consumer<T, O>,
    pub(super) pos: u64,
    /// Items handed and dropped (or moved out).
    pub(super) done: usize,
    /// The item at `done` is in the handler's hands.
    pub(super) handing: bool,
}

impl<T, O: Observer> Drop for Finish<'_, T, O> {
    fn drop(&mut self) {
        if self.handing {
            // The handler panicked on this item: it counts as received, drop it once.
            let p = self.consumer.raw.slots_for_read(self.done, 1);
            self.done += 1;
            if needs_drop::<T>() {
                // SAFETY: committed, not yet dropped; counted in `done` first so it is
                // never dropped again.
                unsafe { ptr::drop_in_place(p) };
            }
        }
        if self.done > 0 {
            // SAFETY: `done <= n`, within the committed count `ready_all` returned;
            // each counted item was handed to the handler, then dropped in place once
            // if `T` needs it (a drop that panicked included: never retried), and no
            // pointer into those slots is used after this.
            unsafe { self.consumer.raw.release(self.done) };
            self.consumer.consumed(self.pos, self.done);
        }
    }
}

impl<T, O: Observer> Consumer<T, O> {
    /// After a consume of `n` items at `pos`: the observer, then the low
    /// watermark (one compare against a field of this handle; see
    /// `watch_drain`).
    #[inline(always)]
    pub(crate) fn consumed(&self, pos: u64, n: usize) {
        self.observer.on_consume(pos, n);
        self.watch_drain();
    }

    /// The low watermark check: one compare of the estimate (the cached
    /// tail minus the head, never above the true fill) with a field of this
    /// handle, `fall_bar`. The crossing word is read on the consume that
    /// takes the estimate under `low`; the bar then drops to 0 until the next
    /// re-read of the producer's tail (`refreshed`: every receive that has
    /// nothing cached, every batch, every empty poll), which sets it back to
    /// `low + 1`. Between two re-reads the estimate only falls, so nothing
    /// is missed: a fall is seen on the consume that crossed when this
    /// consumer's estimate crossed too, and a rise to `High` is seen after
    /// the next re-read, whose estimate counts the items of the rise. The
    /// exact fill re-reads the tail (a refresh), so the estimate is exact
    /// again.
    #[inline(always)]
    fn watch_drain(&self) {
        if (self.raw.available_cached() as u64) < self.fall_bar.get() {
            self.fall_bar.set(0);
            if self.raw.ring().watermark().settled_high() {
                self.watch_drain_slow();
            }
        }
    }

    /// The producer's tail is being re-read: the next consume under `low`
    /// reads the crossing word again.
    #[inline(always)]
    pub(crate) fn refreshed(&self) {
        self.fall_bar.set(self.marks.fall_bar());
    }

    #[cold]
    #[inline(never)]
    fn watch_drain_slow(&self) {
        let ring = self.raw.ring();
        self.marks.fell(
            self.raw.available_cached(),
            ring.watermark(),
            || {
                self.refreshed();
                self.raw.refresh().unwrap_or(0)
            },
            |w| self.observer.on_watermark(w),
        );
    }

    /// Committed items now (from the cached tail), or why there are none.
    #[inline(always)]
    pub(crate) fn ready(&self) -> Result<usize, TryRecvError> {
        match self.raw.available_cached() {
            0 => self.ready_refresh(),
            n => Ok(n),
        }
    }

    /// [`ready`](Self::ready) with nothing cached: re-reads the tail.
    #[inline(always)]
    fn ready_refresh(&self) -> Result<usize, TryRecvError> {
        self.refreshed();
        match self.raw.refresh().unwrap_or(0) {
            0 => self.ready_slow(),
            n => Ok(n),
        }
    }

    /// Every item committed now (re-reads the tail: one load per batch), or
    /// why there are none. Batch paths use this so a batch takes all there is.
    #[inline(always)]
    pub(crate) fn ready_all(&self) -> Result<usize, TryRecvError> {
        self.refreshed();
        match self.raw.refresh().unwrap_or(0) {
            0 => self.ready_slow(),
            n => Ok(n),
        }
    }

    #[cold]
    #[inline(never)]
    fn ready_slow(&self) -> Result<usize, TryRecvError> {
        if self.raw.is_closed() {
            // The close flag was read with Acquire: this refresh sees every commit
            // made before the close.
            match self.raw.refresh().unwrap_or(0) {
                0 => {
                    self.watch_drain();
                    Err(TryRecvError::Closed)
                }
                n => Ok(n),
            }
        } else {
            self.observer.on_empty();
            // An empty ring is at or below any low watermark: a crossing the
            // last consume could not see yet is reported here.
            self.watch_drain();
            Err(TryRecvError::Empty)
        }
    }

    /// Receives without blocking.
    ///
    /// # Errors
    ///
    /// `Empty`, or `Closed` only when closed **and** nothing is left.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, TryRecvError, spsc};
    /// let (mut tx, mut rx) = spsc::channel::<u8>(Config::default());
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1)); // committed before close: still delivered
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    #[inline]
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.ready()?;
        let pos = self.raw.head();
        // SAFETY: at least one committed item is at the head; it is moved out
        // once and released right after.
        let value = unsafe { self.raw.read(0) };
        // SAFETY: the one item released was committed (`ready`) and was moved
        // out by the `read` just above.
        unsafe { self.raw.release(1) };
        self.consumed(pos, 1);
        Ok(value)
    }

    /// Copies up to `out.len()` items out without blocking; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// let mut out = [0; 2];
    /// assert_eq!(rx.recv_slice(&mut out), 2);
    /// assert_eq!(out, [1, 2]);
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn recv_slice(&mut self, out: &mut [T]) -> usize
    where
        T: Copy,
    {
        let Ok(avail) = self.ready_all() else {
            return 0;
        };
        let n = avail.min(out.len());
        let first = self.raw.contiguous(n);
        let pos = self.raw.head();
        // SAFETY: `n` committed items from the head, in a first contiguous run
        // of `first` and a second run from slot 0; `T: Copy`, so copying is moving.
        unsafe {
            ptr::copy_nonoverlapping(self.raw.slots_for_read(0, first), out.as_mut_ptr(), first);
        }
        // SAFETY: as above, the wrapped part.
        unsafe {
            ptr::copy_nonoverlapping(
                self.raw.slots_for_read(first, n - first),
                out.as_mut_ptr().add(first),
                n - first,
            );
        }
        // SAFETY: `n <= avail`, the committed count `ready_all` just returned;
        // all `n` items were copied out above (`T: Copy`, so that moves them).
        unsafe { self.raw.release(n) };
        self.consumed(pos, n);
        n
    }

    /// Moves up to `max` items into `out` without blocking; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<String>(ring_core::Config::default());
    /// tx.try_send("a".into()).unwrap();
    /// tx.try_send("b".into()).unwrap();
    /// let mut out = Vec::new();
    /// assert_eq!(rx.recv_many(&mut out, 10), 2);
    /// assert_eq!(out, ["a", "b"]);
    /// ```
    pub fn recv_many(&mut self, out: &mut Vec<T>, max: usize) -> usize {
        let Ok(avail) = self.ready_all() else {
            return 0;
        };
        let n = avail.min(max);
        out.reserve(n);
        let first = self.raw.contiguous(n);
        let pos = self.raw.head();
        let len = out.len();
        // SAFETY: `out` has room for `n` more (reserved above); the `n` committed
        // items are moved (bitwise) out of the ring and never read there again,
        // as `release` below passes them.
        unsafe {
            let dst = out.as_mut_ptr().add(len);
            ptr::copy_nonoverlapping(self.raw.slots_for_read(0, first), dst, first);
            ptr::copy_nonoverlapping(
                self.raw.slots_for_read(first, n - first),
                dst.add(first),
                n - first,
            );
        }
        // SAFETY: the `n` elements after `len` were initialised just above.
        unsafe { out.set_len(len + n) };
        // SAFETY: `n <= avail`, the committed count `ready_all` just returned;
        // the `n` items were moved (bitwise) into `out` above.
        unsafe { self.raw.release(n) };
        self.consumed(pos, n);
        n
    }

    /// Hands every item available now to `f`, then releases them with one
    /// index update; returns the count.
    ///
    /// If `f` panics, the items before and the item it panicked on count as
    /// received (each dropped exactly once); the rest stay in the ring.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u64>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// let mut sum = 0;
    /// assert_eq!(rx.consume_batch(|x| sum += x), 3);
    /// assert_eq!(sum, 6);
    /// ```
    #[inline]
    pub fn consume_batch(&mut self, f: impl FnMut(&T)) -> usize {
        self.consume_up_to(usize::MAX, f)
    }

    /// As [`consume_batch`](Self::consume_batch), at most `max` items.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// let mut seen = Vec::new();
    /// assert_eq!(rx.consume_up_to(2, |x| seen.push(*x)), 2);
    /// assert_eq!(seen, [1, 2]);
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// ```
    #[inline]
    pub fn consume_up_to(&mut self, max: usize, mut f: impl FnMut(&T)) -> usize {
        let Ok(avail) = self.ready_all() else {
            return 0;
        };
        let n = avail.min(max);
        let first = self.raw.contiguous(n);
        let pos = self.raw.head();
        let mut fin = Finish {
            consumer: self,
            pos,
            done: 0,
            handing: false,
        };
        for (start, len) in [(0, first), (first, n - first)] {
            let run = fin.consumer.raw.slots_for_read(start, len);
            for i in 0..len {
                // SAFETY: within the run of committed items; not yet dropped.
                let item = unsafe { run.add(i) };
                fin.handing = true;
                // SAFETY: committed and initialised; shared only with `f` here.
                f(unsafe { &*item });
                fin.handing = false;
                fin.done += 1;
                if needs_drop::<T>() {
                    // SAFETY: handed once, counted in `done` before dropping, so a
                    // panicking drop is never repeated.
                    unsafe { ptr::drop_in_place(item) };
                }
            }
        }
        let done = fin.done;
        drop(fin);
        done
    }

    /// Drops up to `n` items without looking at them; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3, 4]);
    /// assert_eq!(rx.skip(2), 2);
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// assert_eq!(rx.skip(10), 1); // only what is there
    /// ```
    pub fn skip(&mut self, n: usize) -> usize {
        let Ok(avail) = self.ready_all() else {
            return 0;
        };
        let n = avail.min(n);
        if !needs_drop::<T>() {
            let pos = self.raw.head();
            // SAFETY: `n <= avail`, the committed count `ready_all` just returned;
            // `T` has no drop glue, so releasing the items unread drops them.
            unsafe { self.raw.release(n) };
            self.consumed(pos, n);
            return n;
        }
        self.consume_up_to(n, |_| {})
    }

    /// Drops every item available now; returns the count (count-only consume).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<String>(ring_core::Config::default());
    /// tx.try_send("a".into()).unwrap();
    /// tx.try_send("b".into()).unwrap();
    /// assert_eq!(rx.consume_count(), 2); // both dropped
    /// assert!(rx.is_empty());
    /// ```
    pub fn consume_count(&mut self) -> usize {
        self.skip(usize::MAX)
    }

    /// The contiguous run of committed items at the head, for zero-copy
    /// reading; `None` when empty. Pass what you used to [`advance`](Self::advance).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(b"hey");
    /// let n = rx.readable().map(|s| s.len()).unwrap_or(0);
    /// assert_eq!(rx.readable(), Some(&b"hey"[..]));
    /// rx.advance(n);
    /// assert!(rx.readable().is_none());
    /// ```
    pub fn readable(&self) -> Option<&[T]> {
        self.refreshed();
        let avail = self.raw.refresh().unwrap_or(0);
        if avail == 0 {
            return None;
        }
        let first = self.raw.contiguous(avail);
        // SAFETY: `first` committed, initialised, contiguous items; the producer
        // cannot overwrite them until `advance` (which needs `&mut self`, so this
        // borrow must end first).
        Some(unsafe { slice::from_raw_parts(self.raw.slots_for_read(0, first), first) })
    }

    /// Consumes `n` items from the head, dropping them.
    ///
    /// # Panics
    ///
    /// If fewer than `n` items are committed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(b"abc");
    /// assert_eq!(rx.readable(), Some(&b"abc"[..]));
    /// rx.advance(2);
    /// assert_eq!(rx.readable(), Some(&b"c"[..]));
    /// ```
    pub fn advance(&mut self, n: usize) {
        let avail = match self.raw.available_cached() {
            a if a >= n => a,
            _ => {
                self.refreshed();
                self.raw.refresh().unwrap_or(0)
            }
        };
        assert!(
            n <= avail,
            "Consumer::advance({n}) passes the {avail} committed items"
        );
        if n > 0 {
            self.skip(n);
        }
    }

    /// The next item, without consuming it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// assert_eq!(rx.peek(), None);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.peek(), Some(&1));
    /// assert_eq!(rx.len(), 1); // still there
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn peek(&self) -> Option<&T> {
        self.readable().and_then(|s| s.first())
    }

    /// Up to `n` items from the head's contiguous run, without consuming them.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// assert_eq!(rx.peek_many(2), [1, 2]);
    /// assert_eq!(rx.peek_many(10), [1, 2, 3]);
    /// assert_eq!(rx.len(), 3); // nothing consumed
    /// ```
    pub fn peek_many(&self, n: usize) -> &[T] {
        match self.readable() {
            Some(s) => &s[..n.min(s.len())],
            None => &[],
        }
    }

    /// Closes the channel from the consumer side (idempotent): the producer's
    /// next send gets `Closed`; nothing committed is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, TryRecvError, spsc};
    /// let (mut tx, mut rx) = spsc::channel::<u8>(Config::default());
    /// tx.try_send(1).unwrap();
    /// rx.close();
    /// assert!(tx.try_send(2).unwrap_err().is_closed());
    /// assert_eq!(rx.try_recv(), Ok(1)); // nothing committed is lost
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn close(&mut self) {
        self.raw.close();
    }

    /// True once either side closed (items may remain).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// tx.try_send(1).unwrap();
    /// assert!(!rx.is_closed());
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// assert_eq!(rx.try_recv(), Ok(1)); // closed, but the item remains
    /// ```
    pub fn is_closed(&self) -> bool {
        self.raw.is_closed()
    }

    /// True if nothing is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// assert!(rx.is_empty());
    /// tx.try_send(1).unwrap();
    /// assert!(!rx.is_empty());
    /// rx.try_recv().unwrap();
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        if self.raw.available_cached() != 0 {
            return false;
        }
        self.refreshed();
        self.raw.refresh().unwrap_or(0) == 0
    }
}

ring_queries!(Consumer, "rx");

#[cfg(feature = "std")]
impl<T, O: Observer> Consumer<T, O> {
    /// Waits per `strategy` until at least one item is available, then
    /// consumes the batch; returns the count.
    ///
    /// # Errors
    ///
    /// `Closed` once closed and drained; `Timeout` only under `TimedBlocking`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, RecvTimeoutError, WaitStrategy, spsc};
    /// let (mut tx, mut rx) = spsc::channel::<u64>(Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// drop(tx);
    /// let mut sum = 0;
    /// assert_eq!(rx.consume_batch_with(|x| sum += x, WaitStrategy::Blocking), Ok(3));
    /// assert_eq!(sum, 6);
    /// assert_eq!(rx.consume_batch_with(|x| sum += x, WaitStrategy::Blocking), Err(RecvTimeoutError::Closed));
    /// ```
    pub fn consume_batch_with(
        &mut self,
        f: impl FnMut(&T),
        strategy: WaitStrategy,
    ) -> Result<usize, RecvTimeoutError> {
        let res = wait::wait_until(self, strategy, |c| match c.ready() {
            Ok(_) => Some(Ok(())),
            Err(TryRecvError::Closed) => Some(Err(RecvTimeoutError::Closed)),
            Err(TryRecvError::Empty) => None,
        });
        match res {
            Ok(Ok(())) => Ok(self.consume_batch(f)),
            Ok(Err(e)) => Err(e),
            Err(TimedOut) => Err(RecvTimeoutError::Timeout),
        }
    }

    /// A handle that closes the channel (as this consumer would) from any
    /// thread and wakes whoever waits on it.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, RecvError, spsc};
    /// let (tx, mut rx) = spsc::channel::<u8>(Config::default());
    /// let closer = rx.closer();
    /// let t = std::thread::spawn(move || rx.recv()); // blocks: nothing is ever sent
    /// closer.close(); // from this thread: wakes the blocked `recv`
    /// assert_eq!(t.join().unwrap(), Err(RecvError));
    /// assert!(tx.is_closed());
    /// ```
    pub fn closer(&self) -> Closer
    where
        T: Send + 'static,
    {
        let shared = self.shared.clone();
        Closer::new(move || shared.ring.close_as_consumer())
    }

    /// Attaches a notifier (`None` detaches) that commits signal while the
    /// consumer is [armed](Self::arm). With a shared wake group, the group's.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, Notify, spsc};
    /// use std::sync::{Arc, atomic::{AtomicUsize, Ordering}};
    /// struct Count(Arc<AtomicUsize>);
    /// impl Notify for Count {
    ///     fn notify(&self) {
    ///         self.0.fetch_add(1, Ordering::Relaxed);
    ///     }
    /// }
    ///
    /// let (mut tx, mut rx) = spsc::channel::<u8>(Config::default());
    /// let hits = Arc::new(AtomicUsize::new(0));
    /// rx.set_notifier(Some(Count(hits.clone())));
    /// assert!(!rx.arm()); // nothing waiting: the event loop may sleep
    /// tx.try_send(1).unwrap();
    /// assert_eq!(hits.load(Ordering::Relaxed), 1);
    /// ```
    pub fn set_notifier<N: Notify>(&mut self, notifier: Option<N>) {
        self.shared
            .notifier_slot()
            .set(notifier.map(|n| Box::new(n) as Box<dyn Notify>));
    }

    /// Announces "I am about to sleep in my event loop": commits signal the
    /// notifier until [`disarm`](Self::disarm). Returns `true` if items (or a
    /// close) are already waiting, in which case do not sleep.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// assert!(!rx.arm()); // empty: safe to sleep
    /// tx.try_send(1).unwrap();
    /// assert!(rx.arm()); // an item is waiting: do not sleep
    /// rx.disarm();
    /// ```
    pub fn arm(&self) -> bool {
        self.raw.arm()
    }

    /// Stops commits from signalling the notifier (call after waking).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, Notify, spsc};
    /// use std::sync::{Arc, atomic::{AtomicUsize, Ordering}};
    /// struct Count(Arc<AtomicUsize>);
    /// impl Notify for Count {
    ///     fn notify(&self) {
    ///         self.0.fetch_add(1, Ordering::Relaxed);
    ///     }
    /// }
    ///
    /// let (mut tx, mut rx) = spsc::channel::<u8>(Config::default());
    /// let hits = Arc::new(AtomicUsize::new(0));
    /// rx.set_notifier(Some(Count(hits.clone())));
    /// rx.arm();
    /// tx.try_send(1).unwrap(); // armed: signals
    /// rx.disarm();
    /// tx.try_send(2).unwrap(); // disarmed: silent
    /// assert_eq!(hits.load(Ordering::Relaxed), 1);
    /// ```
    pub fn disarm(&self) {
        self.raw.disarm();
    }
}

#[cfg(feature = "std")]
waitable!(Consumer: Consumer, |h| h.raw.ring().consumer_doorbell(), h.observer);

impl<T, O: Observer> Drop for Consumer<T, O> {
    fn drop(&mut self) {
        self.raw.close();
        // Drop what is committed now; anything committed later is dropped with
        // the ring's memory when the producer goes too.
        self.consume_count();
    }
}
