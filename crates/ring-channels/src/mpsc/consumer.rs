//! The MPSC consumer: one receiving end over every producer's ring, with one doorbell for all of them.

use super::scheduler::RingEntry;
use super::*;

/// The receiving end of an MPSC channel. `Send` (when `T: Send`), not `Sync`,
/// not `Clone`.
///
/// ```compile_fail
/// fn clone_it<T: Clone>(_: &T) {}
/// let (_tx, rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
/// clone_it(&rx); // one reader per MPSC channel
/// ```
pub struct Consumer<T, O: Observer = ()> {
    pub(crate) chan: Arc<Chan<T, O>>,
    pub(super) inbox: InboxReceiver<spsc::Consumer<T, O>>,
    pub(super) rings: Vec<RingEntry<T, O>>,
    /// Indices of empty entries, reused by the next registrations.
    pub(super) free: Vec<usize>,
    /// The current ring (single-item receives, `readable`/`advance`).
    pub(super) cur: Cell<usize>,
    /// Items left to take from `cur` before looking at the others.
    pub(super) burst: usize,
    /// Where the next batch starts (rotates for fairness).
    pub(super) start: usize,
    /// The ring the last sweep took items from.
    pub(super) last_hit: usize,
    pub(super) observer: O,
    /// Every ring was closed as the consumer would, after `closed` was seen.
    pub(super) closed_rings: bool,
    /// Address of the first item of the run `readable` returned last (0:
    /// none), so `advance` finds its ring even if `readable` found it among
    /// the rings not adopted yet.
    pub(super) read_at: Cell<usize>,
}

debug_handle!(
    impl[T, O: Observer] Consumer<T, O>,
    "mpsc::Consumer",
    rings = |c| c.rings.len() - c.free.len()
);

impl<T, O: Observer> Drop for Consumer<T, O> {
    fn drop(&mut self) {
        // Producers' next sends get `Closed`; every ring is adopted (also the
        // ones registered since we last looked), so the items in them are
        // dropped now, with our ring handles, not when the producers go.
        self.close();
        self.adopt_all();
    }
}

impl<T, O: Observer> Consumer<T, O> {
    /// Receives without blocking.
    ///
    /// # Errors
    ///
    /// `Empty`, or `Closed` only when every producer is gone (or the channel
    /// was closed) **and** every ring is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::TryRecvError;
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    #[inline]
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.adopt();
        if self.burst > 0
            && let Some(rx) = self
                .rings
                .get_mut(self.cur.get())
                .and_then(|s| s.rx.as_mut())
            && let Ok(v) = rx.try_recv()
        {
            self.burst -= 1;
            return Ok(v);
        }
        self.try_recv_slow()
    }

    #[cold]
    #[inline(never)]
    fn try_recv_slow(&mut self) -> Result<T, TryRecvError> {
        self.take_one(|rx| rx.try_recv().ok())
    }

    /// Copies up to `out.len()` items out of the rings without blocking;
    /// returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// let mut out = [0; 8];
    /// assert_eq!(rx.recv_slice(&mut out), 3);
    /// assert_eq!(&out[..3], &[1, 2, 3]);
    /// ```
    pub fn recv_slice(&mut self, out: &mut [T]) -> usize
    where
        T: Copy,
    {
        let mut filled = 0;
        let from = self.next_start();
        self.sweep(from, out.len(), |rx, _| {
            let k = rx.recv_slice(&mut out[filled..]);
            filled += k;
            k
        })
    }

    /// Moves up to `max` items into `out` without blocking; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<String>(ring_core::Config::default());
    /// tx.try_send("a".into()).unwrap();
    /// let mut v = Vec::new();
    /// assert_eq!(rx.recv_many(&mut v, 10), 1);
    /// assert_eq!(v, ["a"]);
    /// ```
    pub fn recv_many(&mut self, out: &mut Vec<T>, max: usize) -> usize {
        let from = self.next_start();
        self.sweep(from, max, |rx, room| rx.recv_many(out, room))
    }

    /// Hands every item available now, from every ring, to `f`; returns the
    /// count. The MPSC name of `consume_batch`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u64>(ring_core::Config::default());
    /// let mut tx2 = tx.clone();
    /// tx.send_slice(&[1, 2]);
    /// tx2.send_slice(&[3]);
    /// let mut sum = 0;
    /// assert_eq!(rx.consume_all(|x| sum += x), 3);
    /// assert_eq!(sum, 6);
    /// ```
    pub fn consume_all(&mut self, f: impl FnMut(&T)) -> usize {
        self.consume_all_up_to(usize::MAX, f)
    }

    /// As [`consume_all`](Self::consume_all), at most `max` items (counted
    /// across all rings); the ring it starts from rotates from call to call.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u64>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// assert_eq!(rx.consume_all_up_to(2, |_| {}), 2);
    /// assert_eq!(rx.consume_all_up_to(2, |_| {}), 1);
    /// ```
    pub fn consume_all_up_to(&mut self, max: usize, mut f: impl FnMut(&T)) -> usize {
        let from = self.next_start();
        self.sweep(from, max, |rx, room| rx.consume_up_to(room, &mut f))
    }

    /// Alias of [`consume_all`](Self::consume_all) (the name other families use).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2]);
    /// assert_eq!(rx.consume_batch(|_| {}), 2);
    /// ```
    pub fn consume_batch(&mut self, f: impl FnMut(&T)) -> usize {
        self.consume_all(f)
    }

    /// Alias of [`consume_all_up_to`](Self::consume_all_up_to).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2]);
    /// assert_eq!(rx.consume_up_to(1, |_| {}), 1);
    /// ```
    pub fn consume_up_to(&mut self, max: usize, f: impl FnMut(&T)) -> usize {
        self.consume_all_up_to(max, f)
    }

    /// Waits per `strategy` until at least one item is available, then
    /// consumes everything available; returns the count (never 0).
    ///
    /// # Errors
    ///
    /// `Closed` once closed and drained; `Timeout` only under `TimedBlocking`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2]);
    /// drop(tx);
    /// assert_eq!(rx.consume_batch_with(|_| {}, ring_core::WaitStrategy::Blocking), Ok(2));
    /// assert!(rx.consume_batch_with(|_| {}, ring_core::WaitStrategy::Blocking).is_err());
    /// ```
    pub fn consume_batch_with(
        &mut self,
        mut f: impl FnMut(&T),
        strategy: WaitStrategy,
    ) -> Result<usize, RecvTimeoutError> {
        recv_wait::batch_until(
            self,
            strategy,
            |c| c.closing(),
            |c, last| {
                if last {
                    c.drain_all(&mut f)
                } else {
                    c.consume_all(&mut f)
                }
            },
        )
    }

    /// Drops up to `n` items without looking at them; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// assert_eq!(rx.skip(2), 2);
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// ```
    pub fn skip(&mut self, n: usize) -> usize {
        let from = self.next_start();
        self.sweep(from, n, |rx, room| rx.skip(room))
    }

    /// Drops every item available now; returns the count (count-only consume).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// assert_eq!(rx.consume_count(), 3);
    /// ```
    pub fn consume_count(&mut self) -> usize {
        self.skip(usize::MAX)
    }

    /// Hands every item available now in every ring to `f`, ignoring the
    /// adaptive skip (for shutdown, after the producers joined); returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2]);
    /// drop(tx);
    /// assert_eq!(rx.drain_all(|_| {}), 2);
    /// assert!(rx.is_fully_drained());
    /// ```
    pub fn drain_all(&mut self, mut f: impl FnMut(&T)) -> usize {
        self.sweep_all(|rx| rx.consume_batch(&mut f))
    }

    /// The contiguous committed run at the head of the current ring (or of
    /// the next ring that has items), for zero-copy reading; pass what you
    /// used to [`advance`](Self::advance). Rings registered since the last
    /// `&mut self` call are looked at from the next one.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(b"hi");
    /// let n = rx.readable().map_or(0, |s| s.len());
    /// assert_eq!(rx.readable(), Some(&b"hi"[..]));
    /// rx.advance(n);
    /// assert!(rx.readable().is_none());
    /// ```
    pub fn readable(&self) -> Option<&[T]> {
        let n = self.rings.len();
        let c = self.cur.get();
        let adopted = (0..n).find_map(|k| {
            let i = (c + k) % n;
            let run = self.rings[i].rx.as_ref().and_then(|rx| rx.readable())?;
            self.cur.set(i);
            Some(run)
        });
        // Rings registered since we last looked are not adopted yet (that needs
        // `&mut self`): look at them where they wait; `advance` adopts first.
        let run = adopted.or_else(|| self.inbox.pending().find_map(|rx| rx.readable()));
        self.read_at.set(run.map_or(0, |r| r.as_ptr() as usize));
        run
    }

    /// Consumes `n` items from the head of the ring [`readable`](Self::readable)
    /// returned, dropping them.
    ///
    /// # Panics
    ///
    /// If fewer than `n` items are committed in that ring.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(b"abc");
    /// assert_eq!(rx.readable(), Some(&b"abc"[..]));
    /// rx.advance(2);
    /// assert_eq!(rx.readable(), Some(&b"c"[..]));
    /// ```
    pub fn advance(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        let at = self.read_at.get();
        let on_run = |s: &RingEntry<T, O>| {
            s.rx.as_ref()
                .and_then(|rx| rx.readable())
                .is_some_and(|r| r.as_ptr() as usize == at)
        };
        if !self.rings.get(self.cur.get()).is_some_and(on_run) {
            // `readable` found the run in a ring not adopted yet.
            self.adopt_all();
            if let Some(i) = self.rings.iter().position(on_run) {
                self.cur.set(i);
            }
        }
        let rx = self
            .rings
            .get_mut(self.cur.get())
            .and_then(|s| s.rx.as_mut());
        match rx {
            Some(rx) => rx.advance(n),
            None => panic!("mpsc::Consumer::advance({n}) without a readable ring"),
        }
    }

    /// The next item of the current ring (or of the next ring that has one),
    /// without consuming it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// tx.try_send(4).unwrap();
    /// assert_eq!(rx.peek(), Some(&4));
    /// ```
    pub fn peek(&self) -> Option<&T> {
        self.readable().and_then(|s| s.first())
    }

    /// Up to `n` items from the current ring's contiguous run, without consuming them.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// assert_eq!(rx.peek_many(2), &[1, 2]);
    /// ```
    pub fn peek_many(&self, n: usize) -> &[T] {
        match self.readable() {
            Some(s) => &s[..n.min(s.len())],
            None => &[],
        }
    }

    /// Closes the channel from the consumer side (idempotent): producers'
    /// next sends get `Closed`; nothing committed is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// tx.try_send(1).unwrap();
    /// rx.close();
    /// assert!(tx.try_send(2).is_err());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(rx.try_recv().is_err());
    /// ```
    pub fn close(&mut self) {
        self.chan.close();
        self.closing();
    }

    closer! {
        /// A handle that closes the channel from any thread and wakes the consumer.
        ///
        /// # Examples
        ///
        /// ```
        /// let (_tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
        /// let closer = rx.closer();
        /// let t = std::thread::spawn(move || rx.recv());
        /// closer.close();
        /// assert!(t.join().unwrap().is_err());
        /// ```
        chan
    }

    /// True once the channel is closed or every producer is gone (items may remain).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// tx.try_send(1).unwrap();
    /// assert!(!rx.is_closed());
    /// drop(tx); // every producer is gone
    /// assert!(rx.is_closed());
    /// assert_eq!(rx.len(), 1); // closed, but the item is still there
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.life.closing()
    }

    /// Items waiting now, in all rings (including rings not yet adopted).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// let mut tx2 = tx.clone();
    /// tx.try_send(1).unwrap();
    /// tx2.try_send(2).unwrap();
    /// assert_eq!(rx.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        let mut n = 0;
        self.for_each_ring(|rx| n += rx.len());
        n
    }

    /// True if no ring holds an item now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// assert!(rx.is_empty());
    /// let mut tx2 = tx.clone(); // a ring the consumer has not adopted yet
    /// tx2.try_send(1).unwrap();
    /// assert!(!rx.is_empty());
    /// rx.try_recv().unwrap();
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        let mut empty = true;
        self.for_each_ring(|rx| empty &= rx.is_empty());
        empty
    }

    /// How full the fullest producer ring is (its `len / capacity`, in
    /// `0.0..=1.0`): watermarks and fill are per producer ring.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default().with_ring_bits(2));
    /// let mut tx2 = tx.clone();
    /// tx.send_slice(&[1]);
    /// tx2.send_slice(&[1, 2, 3]);
    /// assert_eq!(rx.fill(), 0.75);
    /// ```
    pub fn fill(&self) -> f64 {
        let mut fill = 0.0f64;
        self.for_each_ring(|rx| fill = fill.max(rx.fill()));
        fill
    }

    /// True if any producer ring is above its high watermark (see
    /// [`Producer::above_high_watermark`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::mpsc::Builder;
    /// use ring_core::Config;
    /// let (mut tx, mut rx) = Builder::new(Config::default().with_ring_bits(2)).watermarks(0, 2).build::<u8>()?;
    /// tx.send_slice(&[1, 2]);
    /// assert!(rx.above_high_watermark());
    /// assert_eq!(rx.skip(2), 2);
    /// assert!(!rx.above_high_watermark());
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn above_high_watermark(&self) -> bool {
        let mut above = false;
        self.for_each_ring(|rx| above |= rx.above_high_watermark());
        above
    }

    /// Slots per ring.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default().with_ring_bits(3));
    /// assert_eq!(rx.capacity(), 8);
    /// ```
    pub fn capacity(&self) -> usize {
        self.chan.config.capacity()
    }

    /// Sum of the items waiting in every ring (same as [`len`](Self::len)).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// let mut tx2 = tx.clone();
    /// tx.send_slice(&[1, 2]);
    /// tx2.try_send(3).unwrap();
    /// assert_eq!(rx.total_pending(), 3);
    /// ```
    pub fn total_pending(&self) -> usize {
        self.len()
    }

    /// Producers registered now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// let tx2 = tx.clone();
    /// assert_eq!(rx.producer_count(), 2);
    /// drop((tx, tx2));
    /// assert_eq!(rx.producer_count(), 0);
    /// ```
    pub fn producer_count(&self) -> usize {
        self.chan.life.producer_count()
    }

    /// True when the channel is closed (or every producer gone) and every ring is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// tx.try_send(1).unwrap();
    /// drop(tx);
    /// assert!(!rx.is_fully_drained()); // closed, but an item remains
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(rx.is_fully_drained());
    /// ```
    pub fn is_fully_drained(&self) -> bool {
        self.is_closed() && self.is_empty()
    }

    /// The adopted ring with the most items waiting: `(table index, pending)`;
    /// `None` when every ring is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2]);
    /// assert_eq!(rx.hottest_ring(), Some((0, 2)));
    /// ```
    pub fn hottest_ring(&self) -> Option<(usize, usize)> {
        self.rings
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.rx.as_ref().map(|rx| (i, rx.len())))
            .filter(|&(_, n)| n > 0)
            .max_by_key(|&(_, n)| n)
    }

    /// Forgets what the adaptive skip learnt: every ring is polled on the next batch.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// let mut tx2 = tx.clone();
    /// for _ in 0..8 {
    ///     assert_eq!(rx.consume_count(), 0); // idle rings get polled less and less often
    /// }
    /// rx.reset_adaptive_skip(); // the next batch polls every ring
    /// tx2.try_send(1).unwrap();
    /// assert_eq!(rx.consume_count(), 1);
    /// ```
    pub fn reset_adaptive_skip(&mut self) {
        for s in &mut self.rings {
            s.exp = 0;
            s.countdown = 0;
        }
    }

    /// A point-in-time view: pending per live ring (table order, then rings
    /// not yet adopted), totals, producer count, capacity, closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::LOW_LATENCY);
    /// tx.send_slice(&[1, 2, 3]);
    /// let s = rx.snapshot();
    /// assert_eq!(s.total_pending, 3);
    /// assert_eq!(s.producer_count, 1);
    /// assert_eq!(s.capacity_per_ring, 4096);
    /// ```
    pub fn snapshot(&self) -> ChannelStats {
        let mut pending: Vec<usize> = self
            .rings
            .iter()
            .filter_map(|s| s.rx.as_ref())
            .map(|rx| rx.len())
            .collect();
        let at = pending.len();
        self.inbox.peek(|rx| pending.insert(at, rx.len()));
        ChannelStats::from_rings(
            pending,
            self.producer_count(),
            self.capacity(),
            self.is_closed(),
        )
    }

    /// Attaches a notifier (`None` detaches) that commits on any ring signal
    /// while the consumer is [armed](Self::arm).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// struct Count(Arc<AtomicUsize>);
    /// impl ring_core::Notify for Count {
    ///     fn notify(&self) {
    ///         self.0.fetch_add(1, Ordering::SeqCst);
    ///     }
    /// }
    ///
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// let calls = Arc::new(AtomicUsize::new(0));
    /// rx.set_notifier(Some(Count(calls.clone())));
    /// assert!(!rx.arm()); // nothing waiting: the event loop may sleep
    /// tx.try_send(1).unwrap(); // a commit while armed signals the notifier
    /// assert_eq!(calls.load(Ordering::SeqCst), 1);
    /// ```
    /// Announces "I am about to sleep in my event loop"; returns `true` if
    /// items (or a close) are already waiting, in which case do not sleep.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// assert!(!rx.arm()); // nothing waiting: safe to sleep
    /// tx.try_send(1).unwrap();
    /// assert!(rx.arm()); // an item waits: do not sleep
    /// rx.disarm();
    /// ```
    /// Stops commits from signalling the notifier.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use std::sync::atomic::{AtomicUsize, Ordering};
    /// #
    /// # struct Count(Arc<AtomicUsize>);
    /// # impl ring_core::Notify for Count {
    /// #     fn notify(&self) {
    /// #         self.0.fetch_add(1, Ordering::SeqCst);
    /// #     }
    /// # }
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// let calls = Arc::new(AtomicUsize::new(0));
    /// rx.set_notifier(Some(Count(calls.clone()))); // counts its signals, as in `set_notifier`
    /// assert!(!rx.arm());
    /// rx.disarm();
    /// tx.try_send(1).unwrap();
    /// assert_eq!(calls.load(Ordering::SeqCst), 0); // disarmed: the commit did not signal
    /// ```
    /// The observer given to the builder.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::mpsc::Builder;
    /// #[derive(Clone, Debug, PartialEq)]
    /// struct Tag(&'static str);
    /// impl ring_core::Observer for Tag {}
    ///
    /// let (_tx, rx) = Builder::new(ring_core::Config::default()).observer(Tag("orders")).build::<u8>()?;
    /// assert_eq!(rx.observer(), &Tag("orders"));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn observer(&self) -> &O {
        &self.observer
    }
}

consumer_waitable!(impl[T, O: Observer] Consumer<T, O>, chan.life, observer);
