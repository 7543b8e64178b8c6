//! The MPSC channel: one SPSC ring per producer (ring decomposition), one
//! consumer that sleeps on a single doorbell shared by every ring.
//!
//! - A [`Producer`] clone registers a new dedicated ring and hands the ring's
//!   consumer end to the [`Consumer`] through a lock-free inbox
//!   ([`ring_core::inbox`]); a drop closes the ring. The consumer adopts new
//!   rings when it sees the inbox non-empty (one load per receive), keeps
//!   them in a table that only it touches (grow-only, slots of reclaimed
//!   rings reused), receives everything a dropped producer committed, then
//!   frees that ring. Registration never blocks the consumer, and no table
//!   is ever freed under a reader (the consumer is the table's only reader).
//! - Idle rings are polled exponentially less often (1, 2, 4, .. 64 rounds)
//!   by the batch calls, but a call that found nothing in the rings it
//!   polled visits the skipped ones before returning, so skipping never
//!   hides an item: one item on one of 64 idle producers is returned by the
//!   very next receive.
//! - `Closed` is reported only when every producer is gone (or `close` was
//!   called) **and** every ring is empty.
//!
//! # Examples
//!
//! ```
//! use ring_channels::mpsc;
//! use ring_core::Config;
//!
//! let (tx, mut rx) = mpsc::channel::<u64>(Config::LOW_LATENCY);
//! let handles: Vec<_> = (0..4)
//!     .map(|t| {
//!         let mut tx = tx.clone(); // a new ring for this thread
//!         std::thread::spawn(move || {
//!             for i in 0..1000 {
//!                 tx.send(t * 1000 + i).unwrap();
//!             }
//!         })
//!     })
//!     .collect();
//! drop(tx);
//! let mut sum = 0;
//! while let Ok(n) = rx.consume_batch_with(|x| sum += x, ring_core::WaitStrategy::Blocking) {
//!     assert!(n > 0);
//! }
//! for h in handles {
//!     h.join().unwrap();
//! }
//! assert_eq!(sum, (0..4000).sum());
//! ```

use core::cell::Cell;
use core::fmt;
use core::time::Duration;

use ring_core::inbox::{InboxReceiver, InboxSender, inbox};
use ring_core::lifecycle::Lifecycle;
use ring_core::spsc::{self, BuildError, Pair, Reservation};
use ring_core::sync::Arc;
use ring_core::wait::{self, Closer, DoorbellRef, TimedOut, Waitable};
use ring_core::{
    ChannelStats, Config, Heap, Notify, Observer, RecvTimeoutError, RingMemory, SendTimeoutError,
    Side, TryRecvError, TrySendError, WaitStrategy,
};

/// Items the consumer takes from its current ring in a row before it looks
/// at the others again (fairness of single-item receives).
const BURST: usize = 64;
/// Largest skip exponent: an idle ring is polled at least every 64 rounds.
const MAX_SKIP_EXP: u8 = 6;

/// The two ends of an MPSC channel, as returned by [`Builder::build`].
pub type Channel<T, O = ()> = (Producer<T, O>, Consumer<T, O>);

type Factory<T, O> = dyn Fn(O) -> Result<Pair<T, O>, BuildError> + Send + Sync;

/// What producers and the consumer share.
struct Chan<T, O: Observer> {
    /// Closed flag, producer count, and the two doorbells: the consumer's
    /// (every ring's commits ring it) and the producers' (every ring's
    /// consumer side rings it when it frees room), so a close wakes every
    /// sleeper on both sides with two rings.
    life: Lifecycle,
    inbox: InboxSender<spsc::Consumer<T, O>>,
    factory: Box<Factory<T, O>>,
    config: Config,
}

impl<T, O: Observer> Chan<T, O> {
    /// Closes the channel (idempotent) and wakes every sleeper on both sides
    /// and an armed consumer's notifier. The consumer closes each ring when
    /// it next looks (`Consumer::closing`); producers check the flag before
    /// every send.
    fn close(&self) {
        self.life.close();
    }

    fn is_closed(&self) -> bool {
        // A hint for the producer's send path (a close racing a send may let
        // that item in; it is then received or dropped once).
        self.life.is_closed_hint()
    }
}

/// Builds an MPSC channel with a chosen memory seam and observer for its rings.
///
/// The memory seam must be `Clone`: every producer clone builds its ring with it.
///
/// # Examples
///
/// ```
/// use ring_channels::mpsc::Builder;
/// use ring_core::{Config, Heap};
///
/// let (mut tx, mut rx) = Builder::new(Config::LOW_LATENCY).memory(Heap).observer(()).build::<u32>()?;
/// tx.try_send(1).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// # Ok::<(), ring_core::spsc::BuildError>(())
/// ```
pub type Builder<M = Heap, O = ()> = ring_core::builder::Builder<Mpsc, M, O>;

/// The MPSC family for the one [`Builder`](ring_core::builder::Builder).
#[derive(Debug, Default, Clone, Copy)]
pub struct Mpsc;

impl<M: RingMemory + Clone> ring_core::builder::BuildChannel<M> for Mpsc {
    type Channel<T, O: Observer> = Channel<T, O>;

    fn build_channel<T, O: Observer>(
        _: Mpsc,
        config: Config,
        memory: M,
        observer: O,
    ) -> Result<Channel<T, O>, BuildError> {
        let life = Lifecycle::new(1);
        let (consumers, producers) = (life.consumer_group().clone(), life.producer_group().clone());
        let factory: Box<Factory<T, O>> = Box::new(move |observer: O| {
            spsc::Builder::new(config)
                .memory(memory.clone())
                .observer(observer)
                .wake_group(consumers.clone())
                .producer_wake_group(producers.clone())
                .build::<T>()
        });
        let (ring_tx, ring_rx) = factory(observer.clone())?;
        let (itx, irx) = inbox();
        let chan = Arc::new(Chan {
            life,
            inbox: itx,
            factory,
            config,
        });
        let mut consumer = Consumer {
            chan: chan.clone(),
            inbox: irx,
            slots: Vec::with_capacity(config.max_producers()),
            free: Vec::new(),
            cur: Cell::new(0),
            burst: 0,
            start: 0,
            last_hit: 0,
            observer,
            closed_rings: false,
            read_at: Cell::new(0),
        };
        consumer.insert(ring_rx);
        Ok((
            Producer {
                ring: ring_tx,
                chan,
            },
            consumer,
        ))
    }
}

/// Creates an MPSC channel on the global heap; `config.capacity()` slots per
/// producer ring, `config.max_producers()` the initial size of the ring table.
///
/// # Panics
///
/// If `capacity * size_of::<T>()` overflows the address space; allocation
/// failure aborts, like `Vec`.
///
/// # Examples
///
/// ```
/// let (mut tx, mut rx) = ring_channels::mpsc::channel::<&str>(ring_core::Config::default());
/// let mut tx2 = tx.clone();
/// tx.try_send("one").unwrap();
/// tx2.try_send("two").unwrap();
/// let mut got = vec![rx.try_recv().unwrap(), rx.try_recv().unwrap()];
/// got.sort();
/// assert_eq!(got, ["one", "two"]);
/// ```
pub fn channel<T>(config: Config) -> (Producer<T>, Consumer<T>) {
    match Builder::new(config).build() {
        Ok(pair) => pair,
        Err(e) => alloc_failure::<T>(config, e),
    }
}

/// Reports a failed heap ring build the way `Vec` does.
fn alloc_failure<T>(config: Config, e: BuildError) -> ! {
    match (e, spsc::ring_layout::<T>(config.capacity())) {
        (BuildError::Memory(_), Ok((layout, _))) => std::alloc::handle_alloc_error(layout),
        _ => panic!("{e}"),
    }
}

// ------------------------------------------------------------------ Producer

/// A sending end of an MPSC channel: one dedicated SPSC ring. `Send` (when
/// `T: Send`), not `Sync`; `Clone` registers a new ring.
///
/// Dropping it closes its ring: the consumer still receives everything it
/// committed, then reclaims the ring. Dropping the last producer closes the
/// channel.
///
/// ```compile_fail
/// fn share<T: Sync>(_: &T) {}
/// let (tx, _rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
/// share(&tx); // a handle is one thread's end: clone it instead
/// ```
pub struct Producer<T, O: Observer = ()> {
    ring: spsc::Producer<T, O>,
    chan: Arc<Chan<T, O>>,
}

impl<T, O: Observer> fmt::Debug for Producer<T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Producer")
            .field("ring", &self.ring)
            .finish_non_exhaustive()
    }
}

impl<T, O: Observer> Clone for Producer<T, O> {
    /// Registers a new producer with its own ring.
    ///
    /// # Panics
    ///
    /// If the memory seam cannot provide the ring (heap exhaustion aborts,
    /// like `Vec`); use [`try_clone`](Producer::try_clone) to handle it.
    fn clone(&self) -> Self {
        match self.try_clone() {
            Ok(p) => p,
            Err(e) => alloc_failure::<T>(self.chan.config, e),
        }
    }
}

impl<T, O: Observer> Drop for Producer<T, O> {
    fn drop(&mut self) {
        // Publishes our commits and registration to a consumer that sees the
        // count reach zero; the last one wakes the consumer (and its notifier).
        // The ring is closed (by the field's drop) *after* this, and that close
        // rings the consumer's doorbell, so a consumer woken by it sees the new
        // count.
        self.chan.life.drop_producer();
    }
}

impl<T, O: Observer> Producer<T, O> {
    /// Registers a new producer with its own ring.
    ///
    /// A clone of a closed channel is a producer whose sends return `Closed`.
    ///
    /// # Errors
    ///
    /// [`BuildError`] when the memory seam cannot provide the ring.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// let mut tx2 = tx.try_clone()?;
    /// tx2.try_send(2).unwrap();
    /// assert_eq!(rx.producer_count(), 2);
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn try_clone(&self) -> Result<Self, BuildError> {
        let (ring, ring_rx) = (self.chan.factory)(self.ring.observer().clone())?;
        self.chan.life.add_producer();
        let mut p = Producer {
            ring,
            chan: self.chan.clone(),
        };
        if p.chan.life.is_closed() {
            // The consumer is gone or closed: the ring is never registered, so
            // it goes with this producer (no memory kept for the channel's
            // life); its sends get `Closed`.
            drop(ring_rx);
            p.ring.close();
            return Ok(p);
        }
        // Published where the consumer adopts rings (its `closing` swaps the
        // inbox after the flag is set); then the flag is checked after a
        // `SeqCst` fence: either the consumer adopts (and, if closing, closes)
        // this ring, or we see the flag and close it ourselves.
        self.chan.inbox.push(ring_rx);
        if p.chan.life.closed_after_register() {
            p.ring.close();
        }
        Ok(p)
    }

    /// Sends without blocking.
    ///
    /// # Errors
    ///
    /// `Closed(v)` if the channel or this ring is closed (it wins over
    /// `Full`), `Full(v)` if this producer's ring is full.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, TrySendError};
    /// let (mut tx, rx) = ring_channels::mpsc::channel::<u8>(Config::default().with_ring_bits(1));
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    /// drop(rx);
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
    /// ```
    #[inline]
    pub fn try_send(&mut self, value: T) -> Result<(), TrySendError<T>> {
        if self.chan.is_closed() {
            return Err(TrySendError::Closed(value));
        }
        self.ring.try_send(value)
    }

    /// Sends as many of `items` as fit now; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default().with_ring_bits(2));
    /// assert_eq!(tx.send_slice(&[1, 2, 3, 4, 5]), 4);
    /// assert_eq!(rx.consume_count(), 4);
    /// ```
    pub fn send_slice(&mut self, items: &[T]) -> usize
    where
        T: Copy,
    {
        if self.chan.is_closed() {
            return 0;
        }
        self.ring.send_slice(items)
    }

    /// Reserves up to `n` contiguous free slots of this producer's ring for
    /// zero-copy writing; `None` when full, closed or `n == 0`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u32>(ring_core::Config::default());
    /// let r = tx.reserve(3).unwrap();
    /// assert_eq!(r.fill_with(|i| i as u32), 3);
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0, 1, 2]);
    /// ```
    pub fn reserve(&mut self, n: usize) -> Option<Reservation<'_, T, O>> {
        if self.chan.is_closed() {
            return None;
        }
        self.ring.reserve(n)
    }

    /// Reserves up to `n` contiguous slots, waiting per `strategy` until at
    /// least one is free.
    ///
    /// # Errors
    ///
    /// `Closed(())`; `Timeout(())` only under `TimedBlocking`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// let r = tx.reserve_with(2, ring_core::WaitStrategy::Blocking).unwrap();
    /// assert_eq!(r.copy_from_slice(&[7, 8]), 2);
    /// assert_eq!(rx.consume_count(), 2);
    /// ```
    pub fn reserve_with(
        &mut self,
        n: usize,
        strategy: WaitStrategy,
    ) -> Result<Reservation<'_, T, O>, SendTimeoutError<()>> {
        if self.chan.is_closed() {
            return Err(SendTimeoutError::Closed(()));
        }
        self.ring.reserve_with(n, strategy)
    }

    /// Closes the whole channel (idempotent): every producer's next send gets
    /// `Closed`; the consumer receives everything committed, then `Closed`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// let mut tx2 = tx.clone();
    /// tx.try_send(1).unwrap();
    /// tx.close();
    /// assert!(tx2.try_send(2).is_err());
    /// assert_eq!(rx.recv(), Ok(1));
    /// assert!(rx.recv().is_err());
    /// ```
    pub fn close(&mut self) {
        self.chan.close();
        self.ring.close();
    }

    /// True once the channel (or this ring) is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// assert!(!tx.is_closed());
    /// drop(rx); // the last consumer closes the channel
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed() || self.ring.is_closed()
    }

    /// Slots in this producer's ring.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default().with_ring_bits(3));
    /// assert_eq!(tx.capacity(), 8);
    /// ```
    pub fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    /// Items in this producer's ring now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, _rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// let tx2 = tx.clone();
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(tx.len(), 2);
    /// assert_eq!(tx2.len(), 0); // its own ring
    /// ```
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// True if this producer's ring holds no item now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
    /// assert!(tx.is_empty());
    /// tx.try_send(1).unwrap();
    /// assert!(!tx.is_empty());
    /// rx.try_recv().unwrap();
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }

    /// True if this producer's ring is full now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, _rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default().with_ring_bits(1));
    /// tx.try_send(1).unwrap();
    /// assert!(!tx.is_full());
    /// tx.try_send(2).unwrap();
    /// assert!(tx.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.ring.is_full()
    }

    /// Free slots in this producer's ring now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default().with_ring_bits(2));
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.available(), 3);
    /// rx.try_recv().unwrap();
    /// assert_eq!(tx.available(), 4);
    /// ```
    pub fn available(&self) -> usize {
        self.ring.available()
    }

    /// The observer of this producer's ring.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::mpsc::Builder;
    /// #[derive(Clone, Debug, PartialEq)]
    /// struct Tag(&'static str);
    /// impl ring_core::Observer for Tag {}
    ///
    /// let (tx, _rx) = Builder::new(ring_core::Config::default()).observer(Tag("orders")).build::<u8>()?;
    /// assert_eq!(tx.observer(), &Tag("orders"));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn observer(&self) -> &O {
        self.ring.observer()
    }
}

impl<T, O: Observer> Waitable for Producer<T, O> {
    fn doorbell(&self) -> DoorbellRef<'_> {
        Waitable::doorbell(&self.ring)
    }
    fn timed(&self) -> bool {
        Waitable::timed(&self.ring)
    }
    fn on_spin(&self) {
        Waitable::on_spin(&self.ring);
    }
    fn on_wait(&self) {
        Waitable::on_wait(&self.ring);
    }
    fn on_wake(&self, slept: Duration) {
        Waitable::on_wake(&self.ring, slept);
    }
}

// ------------------------------------------------------------------ Consumer

/// One ring in the consumer's table.
struct Slot<T, O: Observer> {
    rx: Option<spsc::Consumer<T, O>>,
    /// Skip exponent: the next idle visit skips `1 << exp` rounds.
    exp: u8,
    /// Rounds left to skip.
    countdown: u8,
    /// Skipped during the current batch's first pass.
    skipped: bool,
}

impl<T, O: Observer> Slot<T, O> {
    fn live(rx: spsc::Consumer<T, O>) -> Self {
        Slot {
            rx: Some(rx),
            exp: 0,
            countdown: 0,
            skipped: false,
        }
    }
}

/// The receiving end of an MPSC channel. `Send` (when `T: Send`), not `Sync`,
/// not `Clone`.
///
/// ```compile_fail
/// fn clone_it<T: Clone>(_: &T) {}
/// let (_tx, rx) = ring_channels::mpsc::channel::<u8>(ring_core::Config::default());
/// clone_it(&rx); // one reader per MPSC channel
/// ```
pub struct Consumer<T, O: Observer = ()> {
    chan: Arc<Chan<T, O>>,
    inbox: InboxReceiver<spsc::Consumer<T, O>>,
    slots: Vec<Slot<T, O>>,
    /// Indices of empty slots, reused by the next registrations.
    free: Vec<usize>,
    /// The current ring (single-item receives, `readable`/`advance`).
    cur: Cell<usize>,
    /// Items left to take from `cur` before looking at the others.
    burst: usize,
    /// Where the next batch starts (rotates for fairness).
    start: usize,
    /// The ring the last sweep took items from.
    last_hit: usize,
    observer: O,
    /// Every ring was closed as the consumer would, after `closed` was seen.
    closed_rings: bool,
    /// Address of the first item of the run `readable` returned last (0:
    /// none), so `advance` finds its ring even if `readable` found it among
    /// the rings not adopted yet.
    read_at: Cell<usize>,
}

impl<T, O: Observer> fmt::Debug for Consumer<T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Consumer")
            .field("rings", &(self.slots.len() - self.free.len()))
            .finish_non_exhaustive()
    }
}

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
    fn insert(&mut self, rx: spsc::Consumer<T, O>) {
        match self.free.pop() {
            Some(i) => self.slots[i] = Slot::live(rx),
            None => self.slots.push(Slot::live(rx)),
        }
    }

    /// Adopts rings registered since the last look (one load when none).
    #[inline(always)]
    fn adopt(&mut self) {
        if !self.inbox.is_empty() {
            self.adopt_all();
        }
    }

    #[cold]
    #[inline(never)]
    fn adopt_all(&mut self) {
        let closing = self.closed_rings;
        for mut rx in self.inbox.take_all() {
            if closing {
                rx.close();
            }
            self.insert(rx);
        }
    }

    /// Drops the ring in slot `i` (closed and drained) and frees the slot.
    fn reclaim(&mut self, i: usize) {
        self.slots[i].rx = None;
        self.free.push(i);
        if self.cur.get() == i {
            self.burst = 0;
        }
    }

    /// The ring in slot `i` gave nothing: reclaim it if closed and drained,
    /// otherwise skip it for longer.
    fn idle(&mut self, i: usize) {
        let slot = &mut self.slots[i];
        let Some(rx) = &slot.rx else { return };
        if rx.is_closed() && rx.is_empty() {
            self.reclaim(i);
        } else {
            slot.countdown = 1 << slot.exp;
            slot.exp = (slot.exp + 1).min(MAX_SKIP_EXP);
        }
    }

    /// Visits the rings from slot `from`, applying `op(ring, room)` to each
    /// ring not being skipped until `max` items were taken; if the rings
    /// visited gave nothing, visits the skipped ones too. Returns the count.
    fn sweep(
        &mut self,
        from: usize,
        max: usize,
        mut op: impl FnMut(&mut spsc::Consumer<T, O>, usize) -> usize,
    ) -> usize {
        self.adopt();
        let n = self.slots.len();
        if n == 0 || max == 0 {
            return 0;
        }
        let mut total = 0;
        let mut any_skipped = false;
        let mut i = from % n;
        for _ in 0..n {
            if total >= max {
                break;
            }
            let slot = &mut self.slots[i];
            if let Some(rx) = slot.rx.as_mut() {
                if slot.countdown > 0 {
                    slot.countdown -= 1;
                    slot.skipped = true;
                    any_skipped = true;
                } else {
                    slot.skipped = false;
                    let got = op(rx, max - total);
                    if got > 0 {
                        total += got;
                        slot.exp = 0;
                        self.last_hit = i;
                    } else {
                        self.idle(i);
                    }
                }
            }
            i += 1;
            if i == n {
                i = 0;
            }
        }
        if total == 0 && any_skipped {
            // Every ring that was not skipped was visited and gave nothing:
            // never report "nothing" while a skipped ring holds an item.
            for i in 0..n {
                let slot = &mut self.slots[i];
                if !slot.skipped {
                    continue;
                }
                slot.skipped = false;
                let Some(rx) = slot.rx.as_mut() else { continue };
                let got = op(rx, max - total);
                if got > 0 {
                    total += got;
                    slot.exp = 0;
                    slot.countdown = 0;
                    self.last_hit = i;
                    if total >= max {
                        break;
                    }
                } else if rx.is_closed() && rx.is_empty() {
                    self.reclaim(i);
                }
            }
        }
        total
    }

    /// Applies `op` to every ring, no skipping; returns the total.
    fn sweep_all(&mut self, mut op: impl FnMut(&mut spsc::Consumer<T, O>) -> usize) -> usize {
        self.adopt();
        let mut total = 0;
        for i in 0..self.slots.len() {
            let Some(rx) = self.slots[i].rx.as_mut() else {
                continue;
            };
            let got = op(rx);
            total += got;
            if got == 0 && rx.is_closed() && rx.is_empty() {
                self.reclaim(i);
            }
        }
        total
    }

    fn next_start(&mut self) -> usize {
        let s = self.start;
        self.start = self.start.wrapping_add(1);
        s
    }

    /// True once the channel can receive nothing new: closed, or every
    /// producer gone. After it returns true, one more look at every ring
    /// (with [`finish`](Self::finish)) sees everything ever committed.
    fn closing(&mut self) -> bool {
        // Both loads are Acquire: every commit and registration made before the
        // close (or before the last producer went) happens-before what follows.
        let closed = self.chan.life.is_closed();
        let gone = self.chan.life.producers_gone();
        if !(closed || gone) {
            return false;
        }
        // Adopt even when the inbox looks empty: the swap is the Acquire that
        // pairs with a registration's push.
        self.adopt_all();
        if closed && !self.closed_rings {
            self.closed_rings = true;
            for rx in self.slots.iter_mut().filter_map(|s| s.rx.as_mut()) {
                rx.close();
            }
        }
        true
    }

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
                .slots
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
        let mut out = None;
        let from = self.cur.get().wrapping_add(1);
        let take_one = |rx: &mut spsc::Consumer<T, O>, out: &mut Option<T>| match rx.try_recv() {
            Ok(v) => {
                *out = Some(v);
                1
            }
            Err(_) => 0,
        };
        if self.sweep(from, 1, |rx, _| take_one(rx, &mut out)) > 0 {
            self.cur.set(self.last_hit);
            self.burst = BURST - 1;
            return out.ok_or(TryRecvError::Empty);
        }
        self.burst = 0;
        if !self.closing() {
            return Err(TryRecvError::Empty);
        }
        if self.sweep_all(|rx| {
            if out.is_none() {
                take_one(rx, &mut out)
            } else {
                0
            }
        }) > 0
        {
            return out.ok_or(TryRecvError::Empty);
        }
        Err(TryRecvError::Closed)
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
        let res = wait::wait_until(self, strategy, |c| {
            let n = c.consume_all(&mut f);
            if n > 0 {
                return Some(Ok(n));
            }
            if c.closing() {
                let n = c.drain_all(&mut f);
                return Some(if n > 0 {
                    Ok(n)
                } else {
                    Err(RecvTimeoutError::Closed)
                });
            }
            None
        });
        match res {
            Ok(r) => r,
            Err(TimedOut) => Err(RecvTimeoutError::Timeout),
        }
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
        let n = self.slots.len();
        let c = self.cur.get();
        let adopted = (0..n).find_map(|k| {
            let i = (c + k) % n;
            let run = self.slots[i].rx.as_ref().and_then(|rx| rx.readable())?;
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
        let on_run = |s: &Slot<T, O>| {
            s.rx.as_ref()
                .and_then(|rx| rx.readable())
                .is_some_and(|r| r.as_ptr() as usize == at)
        };
        if !self.slots.get(self.cur.get()).is_some_and(on_run) {
            // `readable` found the run in a ring not adopted yet.
            self.adopt_all();
            if let Some(i) = self.slots.iter().position(on_run) {
                self.cur.set(i);
            }
        }
        let rx = self
            .slots
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
    pub fn closer(&self) -> Closer
    where
        T: Send + 'static,
    {
        let chan = self.chan.clone();
        Closer::new(move || chan.close())
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
        let mut n: usize = self
            .slots
            .iter()
            .filter_map(|s| s.rx.as_ref())
            .map(|rx| rx.len())
            .sum();
        self.inbox.peek(|rx| n += rx.len());
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
        let mut empty = self
            .slots
            .iter()
            .filter_map(|s| s.rx.as_ref())
            .all(|rx| rx.is_empty());
        self.inbox.peek(|rx| empty &= rx.is_empty());
        empty
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
        self.slots
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
        for s in &mut self.slots {
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
            .slots
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
    pub fn set_notifier<N: Notify>(&mut self, notifier: Option<N>) {
        self.chan
            .life
            .consumer_group()
            .set_notifier(notifier.map(|n| Box::new(n) as Box<dyn Notify>));
    }

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
    pub fn arm(&self) -> bool {
        self.chan
            .life
            .consumer_group()
            .arm(|| !self.is_empty() || self.is_closed())
    }

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
    pub fn disarm(&self) {
        self.chan.life.consumer_group().disarm();
    }

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

impl<T, O: Observer> Waitable for Consumer<T, O> {
    fn doorbell(&self) -> DoorbellRef<'_> {
        self.chan.life.consumer_doorbell()
    }
    fn timed(&self) -> bool {
        O::TIMED
    }
    fn on_wait(&self) {
        self.observer.on_wait(Side::Consumer);
    }
    fn on_wake(&self, slept: Duration) {
        self.observer.on_wake(Side::Consumer, slept);
    }
}

// The blocking API, `SendEndpoint`/`RecvEndpoint` and the iterators, written
// once in ring-core (`ring_core::endpoint`) for every family.
ring_core::producer_api!(impl[T, O: Observer] Producer<T, O> => T);
ring_core::consumer_api!(impl[T, O: Observer] Consumer<T, O> => T);

/// The items available now, without blocking ([`Consumer::try_iter`]).
pub type TryIter<'a, T, O = ()> = ring_core::endpoint::TryIter<'a, Consumer<T, O>>;
/// Every item until closed and drained ([`Consumer::iter`]).
pub type Iter<'a, T, O = ()> = ring_core::endpoint::Iter<'a, Consumer<T, O>>;
/// Every item until closed and drained, owning the consumer.
pub type IntoIter<T, O = ()> = ring_core::endpoint::IntoIter<Consumer<T, O>>;
