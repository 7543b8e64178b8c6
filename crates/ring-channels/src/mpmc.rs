//! The MPMC channel: one multi-consumer claim ring ([`ring_core::claim`]) per
//! producer, cloneable consumers that steal from them.
//!
//! - A [`Producer`] clone registers a ring: it takes over the producer side
//!   of a ring whose producer is gone (continuing at its tail, so nothing is
//!   lost or reordered), or appends a new ring to a grow-only segmented
//!   table ([`ring_core::table::GrowTable`]) that consumers read without
//!   locks. Rings are never freed before the channel, so no reader ever
//!   sees one freed under it.
//! - A [`Consumer`] looks at its own shard of rings first, then at the
//!   hottest ring (most items waiting: `tail - head`, exact, it cannot drift
//!   or wrap), then at a random ring (xorshift), and finally at every ring
//!   before it reports `Empty`.
//! - Items are claimed, moved out, then handed to handlers: no `readable`
//!   or `peek` on this family.
//!
//! # Examples
//!
//! ```
//! use ring_core::{Config, WaitStrategy};
//!
//! let (tx, rx) = ring_channels::mpmc::channel::<u64>(Config::LOW_LATENCY);
//! let producers: Vec<_> = (0..2u64)
//!     .map(|t| {
//!         let mut tx = tx.clone();
//!         std::thread::spawn(move || (0..1000).for_each(|i| tx.send(t * 1000 + i).unwrap()))
//!     })
//!     .collect();
//! drop(tx);
//! let consumers: Vec<_> = (0..2)
//!     .map(|_| {
//!         let mut rx = rx.clone();
//!         std::thread::spawn(move || rx.iter().count())
//!     })
//!     .collect();
//! drop(rx);
//! producers.into_iter().for_each(|h| h.join().unwrap());
//! let n: usize = consumers.into_iter().map(|h| h.join().unwrap()).sum();
//! assert_eq!(n, 2000);
//! ```

use core::cell::Cell;
use core::fmt;
use core::marker::PhantomData;

use ring_core::claim;
use ring_core::lifecycle::Lifecycle;
use ring_core::spsc::BuildError;
use ring_core::sync::{Arc, AtomicUsize, Ordering};
use ring_core::{ChannelStats, Observer, RecvTimeoutError, RingMemory, TryRecvError, WaitStrategy};

use crate::TooManyConsumers;
use crate::claim_rings::ClaimRings;
use crate::recv_wait;

struct Chan<T, O: Observer> {
    rings: ClaimRings<T, O>,
    life: Lifecycle,
    next_id: AtomicUsize,
}

impl<T, O: Observer> core::ops::Deref for Chan<T, O> {
    type Target = ClaimRings<T, O>;
    fn deref(&self) -> &ClaimRings<T, O> {
        &self.rings
    }
}

impl<T, O: Observer> Chan<T, O> {
    fn close(&self) {
        self.life.close();
        for ring in self.table.iter() {
            ring.close();
        }
    }

    fn closing(&self) -> bool {
        self.life.closing()
    }

    /// A producer side: a ring whose producer is gone, or a new ring.
    fn register(&self) -> Result<claim::Producer<T, O>, BuildError> {
        if let Some(p) = self.table.iter().find_map(claim::Ring::try_producer) {
            return Ok(p);
        }
        Ok(self.rings.push_new()?.0)
    }
}

family! {
    /// The MPMC family for the one [`Builder`](ring_core::builder::Builder).
    family Mpmc;
    /// Builds an MPMC channel with a chosen memory seam and observer for its rings.
    ///
    /// The memory seam must be `Clone`: every producer clone that needs a new
    /// ring builds it with a clone. Several consumers call the observer
    /// concurrently, and every ring reports to a clone of it: give it one that
    /// counts from several threads (ring-metrics' `Metrics::shared`).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::mpmc::Builder;
    /// use ring_core::{Config, Heap};
    ///
    /// let (mut tx, mut rx) = Builder::new(Config::default()).memory(Heap).observer(()).build::<u32>()?;
    /// let mut tx2 = tx.try_clone()?;
    /// tx.try_send(1).unwrap();
    /// tx2.try_send(2).unwrap();
    /// assert_eq!(rx.consume_count(), 2);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    Builder;
    /// The two ends of an MPMC channel, as returned by [`Builder::build`].
    Channel = (Producer, Consumer);
    /// Creates an MPMC channel: `config.capacity()` slots per producer ring, at
    /// most `config.max_consumers()` consumers at a time.
    ///
    /// # Panics
    ///
    /// If `capacity * size_of::<T>()` overflows the address space.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpmc::channel::<u8>(ring_core::Config::default());
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    channel;
    /// As [`channel`], reporting a ring that cannot be built.
    ///
    /// # Errors
    ///
    /// [`BuildError::CapacityOverflow`] if the ring's size overflows for `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, _rx) = ring_channels::mpmc::try_channel::<u8>(ring_core::Config::default())?;
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    try_channel;

    build_channel[M: RingMemory + Clone] |p| {
        let life = Lifecycle::new(1);
        let rings = ClaimRings::new(p, life.consumer_group().clone());
        let chan = Arc::new(Chan {
            rings,
            life,
            next_id: AtomicUsize::new(1),
        });
        let inner = chan.register()?;
        Ok((
            Producer {
                inner,
                link: MpmcLink(chan.clone()),
            },
            Consumer::new(chan, 0),
        ))
    }
}

// ------------------------------------------------------------------ Producer

/// A sending end of an MPMC channel: one ring of its own. `Send` (when
/// `T: Send`), not `Sync`; `Clone` registers another ring. Dropping the last
/// producer closes the channel (consumers drain, then see `Closed`). The
/// claim-ring producer shared with SPMC ([`crate::claim_producer::Producer`]).
pub type Producer<T, O = ()> = crate::claim_producer::Producer<T, O, MpmcLink<T, O>>;

/// How an MPMC producer reaches its channel: the ring table and the
/// lifecycle.
pub struct MpmcLink<T, O: Observer>(Arc<Chan<T, O>>);

impl<T, O: Observer> fmt::Debug for MpmcLink<T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MpmcLink")
    }
}

impl<T, O: Observer> crate::claim_producer::sealed::Sealed for MpmcLink<T, O> {}

impl<T, O: Observer> crate::claim_producer::Link<T, O> for MpmcLink<T, O> {
    fn close(&self, _: &mut claim::Producer<T, O>) {
        self.0.close();
    }
    fn consumers_gone(&self) -> bool {
        self.0.life.consumer_count() == 0
    }
    fn on_drop(&self, _: &mut claim::Producer<T, O>) {
        // The last producer wakes every sleeping consumer and an armed
        // notifier (they drain, then see `Closed`). The ring's producer side
        // is given back for reuse when `inner` drops.
        self.0.life.drop_producer();
    }
}

clone_by_try_clone! {
    /// Registers another producer.
    ///
    /// # Panics
    ///
    /// Only if a new ring cannot be built, which the first one already was
    /// (allocation failure aborts, like `Vec`).
    impl[T, O: Observer] Producer<T, O>, |e| panic!("mpmc::Producer::clone: {e}")
}

impl<T, O: Observer> Producer<T, O> {
    /// Registers another producer (reusing a ring whose producer is gone, or
    /// a new one). A clone of a closed channel gets `Closed` on every send.
    ///
    /// # Errors
    ///
    /// [`BuildError`] if a new ring cannot be built.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = ring_channels::mpmc::channel::<u8>(ring_core::Config::default());
    /// let tx2 = tx.try_clone()?;
    /// assert_eq!(rx.producer_count(), 2);
    /// # drop(tx2);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn try_clone(&self) -> Result<Self, BuildError> {
        if self.link.0.life.is_closed() {
            // Closed (the consumers may be gone): a ring of its own that is never
            // registered goes with this producer, so nothing is kept for the
            // channel's life; its sends get `Closed`.
            let mut inner = self.link.0.make()?;
            inner.close();
            self.link.0.life.add_producer();
            return Ok(Producer {
                inner,
                link: MpmcLink(self.link.0.clone()),
            });
        }
        self.link.0.life.add_producer();
        let mut inner = match self.link.0.register() {
            Ok(p) => p,
            Err(e) => {
                // (never the last: we hold a producer)
                self.link.0.life.drop_producer();
                return Err(e);
            }
        };
        // Registered (in the table, or a ring taken over from it) before the
        // check: either the closer's walk sees our ring, or we see the flag.
        if self.link.0.life.closed_after_register() {
            inner.close();
        }
        Ok(Producer {
            inner,
            link: MpmcLink(self.link.0.clone()),
        })
    }
}

// ------------------------------------------------------------------ Consumer

/// A receiving end of an MPMC channel: a work-stealing consumer. `Send`
/// (when `T: Send`), not `Sync`; `Clone` adds a consumer (up to
/// `max_consumers`, see [`try_clone`](Consumer::try_clone)). Dropping the last
/// consumer closes the channel.
pub struct Consumer<T, O: Observer = ()> {
    chan: Arc<Chan<T, O>>,
    id: usize,
    rng: u64,
    start: usize,
    _not_sync: PhantomData<Cell<()>>,
}

debug_handle!(impl[T, O: Observer] Consumer<T, O>, "mpmc::Consumer", id = |c| c.id);

counted_consumer!(impl[T, O: Observer] Consumer<T, O>, "mpmc::Consumer", |c| c.chan.life, c.chan);

impl<T, O: Observer> Consumer<T, O> {
    fn new(chan: Arc<Chan<T, O>>, id: usize) -> Self {
        // splitmix64 of the id: distinct, non-zero xorshift seeds.
        let mut z = (id as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Consumer {
            chan,
            id,
            rng: z | 1,
            start: id,
            _not_sync: PhantomData,
        }
    }

    fn next_rand(&mut self) -> u64 {
        // xorshift64
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }

    /// Adds a consumer, unless the channel already has `max_consumers`.
    ///
    /// # Errors
    ///
    /// [`TooManyConsumers`] at the bound.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::Config;
    /// let (_tx, rx) = ring_channels::mpmc::channel::<u8>(Config::default().with_max_consumers(2));
    /// let _rx2 = rx.try_clone().unwrap();
    /// assert!(rx.try_clone().is_err());
    /// ```
    pub fn try_clone(&self) -> Result<Self, TooManyConsumers> {
        let max = self.chan.config.max_consumers();
        self.chan
            .life
            .try_add_consumer(max)
            .map_err(|max| TooManyConsumers { max })?;
        // ORDERING: Relaxed; a unique id, orders nothing.
        let id = self.chan.next_id.fetch_add(1, Ordering::Relaxed);
        Ok(Consumer::new(self.chan.clone(), id))
    }

    /// Applies `op` to rings in stealing order until one gives something:
    /// this consumer's shard, the hottest ring, a random ring, then every
    /// ring. Returns what that `op` returned (0: every ring gave nothing).
    fn steal_with(&mut self, mut op: impl FnMut(&claim::Ring<T, O>) -> usize) -> usize {
        let r = self.next_rand() as usize;
        let t = &self.chan.table;
        let n = t.len();
        if n == 0 {
            return 0;
        }
        let shards = self.chan.life.consumer_count().clamp(1, n);
        // 1. The local shard.
        let mut i = self.id % shards;
        while i < n {
            if let Some(ring) = t.get(i) {
                let k = op(ring);
                if k > 0 {
                    return k;
                }
            }
            i += shards;
        }
        // 2. The hottest ring.
        let hottest = t
            .iter()
            .enumerate()
            .map(|(i, ring)| (i, ring.len()))
            .filter(|&(_, len)| len > 0)
            .max_by_key(|&(_, len)| len);
        if let Some((i, _)) = hottest
            && let Some(ring) = t.get(i)
        {
            let k = op(ring);
            if k > 0 {
                return k;
            }
        }
        // 3. A random ring, 4. then every ring from there.
        for j in 0..=n {
            if let Some(ring) = t.get((r + j) % n) {
                let k = op(ring);
                if k > 0 {
                    return k;
                }
            }
        }
        0
    }

    /// Applies `op(ring, room)` to every ring from a rotating start until
    /// `max` items were taken; returns the total.
    fn sweep(
        &mut self,
        max: usize,
        mut op: impl FnMut(&claim::Ring<T, O>, usize) -> usize,
    ) -> usize {
        let t = &self.chan.table;
        let n = t.len();
        let start = self.start;
        self.start = self.start.wrapping_add(1);
        let mut total = 0;
        for j in 0..n {
            if total >= max {
                break;
            }
            if let Some(ring) = t.get((start + j) % n) {
                total += op(ring, max - total);
            }
        }
        total
    }

    /// Receives without blocking (stealing order: shard, hottest, random, all).
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
    /// let (mut tx, mut rx) = ring_channels::mpmc::channel::<u8>(ring_core::Config::default());
    /// tx.try_send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut out = None;
        if self.steal_with(|r| r.take(1, |v| out = Some(v))) > 0 {
            return out.ok_or(TryRecvError::Empty);
        }
        if !self.chan.closing() {
            return Err(TryRecvError::Empty);
        }
        // Nothing new can arrive, and the Acquire in `closing` made every
        // commit visible: one more look at every ring decides.
        if self.sweep(1, |r, _| r.take(1, |v| out = Some(v))) > 0 {
            return out.ok_or(TryRecvError::Empty);
        }
        Err(TryRecvError::Closed)
    }

    /// Claims and copies up to `out.len()` items from all rings; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpmc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2]);
    /// let mut out = [0; 4];
    /// assert_eq!(rx.recv_slice(&mut out), 2);
    /// ```
    pub fn recv_slice(&mut self, out: &mut [T]) -> usize
    where
        T: Copy,
    {
        let mut filled = 0;
        self.sweep(out.len(), |r, _| {
            let k = r.recv_slice(&mut out[filled..]);
            filled += k;
            k
        })
    }

    /// Claims and moves up to `max` items into `out`; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpmc::channel::<String>(ring_core::Config::default());
    /// tx.try_send("x".into()).unwrap();
    /// let mut v = Vec::new();
    /// assert_eq!(rx.recv_many(&mut v, 8), 1);
    /// ```
    pub fn recv_many(&mut self, out: &mut Vec<T>, max: usize) -> usize {
        self.sweep(max, |r, room| r.recv_many(out, room))
    }

    /// Claims every item available now in every ring and hands each to `f`
    /// after moving it out; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpmc::channel::<u64>(ring_core::Config::default());
    /// let mut tx2 = tx.clone();
    /// tx.send_slice(&[1, 2]);
    /// tx2.send_slice(&[3]);
    /// let mut sum = 0;
    /// assert_eq!(rx.consume_batch(|x| sum += x), 3);
    /// assert_eq!(sum, 6);
    /// ```
    pub fn consume_batch(&mut self, f: impl FnMut(&T)) -> usize {
        self.consume_up_to(usize::MAX, f)
    }

    /// As [`consume_batch`](Self::consume_batch), at most `max` items.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpmc::channel::<u64>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// assert_eq!(rx.consume_up_to(2, |_| {}), 2);
    /// ```
    pub fn consume_up_to(&mut self, max: usize, mut f: impl FnMut(&T)) -> usize {
        self.sweep(max, |r, room| r.consume_up_to(room, &mut f))
    }

    /// Waits per `strategy` until this consumer claims at least one item,
    /// then hands the batch to `f`; returns the count (never 0).
    ///
    /// # Errors
    ///
    /// `Closed` once closed and drained; `Timeout` only under `TimedBlocking`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpmc::channel::<u8>(ring_core::Config::default());
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
            |c| c.chan.closing(),
            |c, _| c.consume_batch(&mut f),
        )
    }

    /// Claims and drops up to `n` items; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpmc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// assert_eq!(rx.skip(2), 2);
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// ```
    pub fn skip(&mut self, n: usize) -> usize {
        self.sweep(n, |r, room| r.skip(room))
    }

    /// Claims and drops every item available now; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpmc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// assert_eq!(rx.consume_count(), 3);
    /// assert!(rx.is_empty());
    /// ```
    pub fn consume_count(&mut self) -> usize {
        self.skip(usize::MAX)
    }

    /// Steals up to `out.len()` items from one ring (shard, hottest, random,
    /// then any); returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpmc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2]);
    /// let mut out = [0; 4];
    /// assert_eq!(rx.steal(&mut out), 2);
    /// assert_eq!(&out[..2], &[1, 2]);
    /// ```
    pub fn steal(&mut self, out: &mut [T]) -> usize
    where
        T: Copy,
    {
        self.steal_with(|r| r.recv_slice(out))
    }

    /// Steals a batch from one ring (shard, hottest, random, then any) and
    /// hands each item to `f` after moving it out; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpmc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2]);
    /// let mut sum = 0;
    /// assert_eq!(rx.steal_batch(|x| sum += x), 2);
    /// assert_eq!(sum, 3);
    /// ```
    pub fn steal_batch(&mut self, mut f: impl FnMut(&T)) -> usize {
        self.steal_with(|r| r.consume_up_to(usize::MAX, &mut f))
    }

    /// Closes the channel (idempotent): producers' next sends get `Closed`;
    /// committed items stay receivable.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpmc::channel::<u8>(ring_core::Config::default());
    /// tx.try_send(1).unwrap();
    /// rx.close();
    /// assert!(tx.try_send(2).is_err());
    /// assert_eq!(rx.try_recv(), Ok(1)); // committed items stay receivable
    /// assert!(rx.try_recv().is_err());
    /// ```
    pub fn close(&mut self) {
        self.chan.close();
    }

    closer! {
        /// A handle that closes the channel from any thread and wakes every sleeper.
        ///
        /// # Examples
        ///
        /// ```
        /// let (_tx, mut rx) = ring_channels::mpmc::channel::<u8>(ring_core::Config::default());
        /// let closer = rx.closer();
        /// std::thread::spawn(move || closer.close());
        /// assert!(rx.recv().is_err()); // woken by the close, nothing left
        /// ```
        chan
    }

    /// True once the channel is closed or every producer is gone (items may remain).
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_channels::mpmc::channel::<u8>(ring_core::Config::default());
    /// tx.try_send(1).unwrap();
    /// assert!(!rx.is_closed());
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// assert_eq!(rx.len(), 1); // closed, but the item is still there
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.closing()
    }

    /// Items waiting now, in all rings.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_channels::mpmc::channel::<u8>(ring_core::Config::default());
    /// let mut tx2 = tx.clone();
    /// tx.send_slice(&[1, 2]);
    /// tx2.try_send(3).unwrap();
    /// assert_eq!(rx.len(), 3);
    /// ```
    pub fn len(&self) -> usize {
        self.chan.table.iter().map(|r| r.len()).sum()
    }

    /// True if no ring holds an item now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::mpmc::channel::<u8>(ring_core::Config::default());
    /// assert!(rx.is_empty());
    /// tx.try_send(1).unwrap();
    /// assert!(!rx.is_empty());
    /// rx.try_recv().unwrap();
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.chan.table.iter().all(|r| r.is_empty())
    }

    ring_status! { chan.rings => rx of "mpmc", rings "producer" in slots,
    send "tx.try_send(1).unwrap()";
    fill above_high_watermark capacity }

    forward! { chan.life =>
        /// Producers registered now.
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, rx) = ring_channels::mpmc::channel::<u8>(ring_core::Config::default());
        /// let tx2 = tx.clone();
        /// assert_eq!(rx.producer_count(), 2);
        /// drop((tx, tx2));
        /// assert_eq!(rx.producer_count(), 0);
        /// ```
        fn producer_count(&self) -> usize;
        /// Consumers now.
        ///
        /// # Examples
        ///
        /// ```
        /// let (_tx, rx) = ring_channels::mpmc::channel::<u8>(ring_core::Config::default());
        /// let rx2 = rx.clone();
        /// assert_eq!(rx.consumer_count(), 2);
        /// drop(rx2);
        /// assert_eq!(rx.consumer_count(), 1);
        /// ```
        fn consumer_count(&self) -> usize;
    }

    /// A point-in-time view: pending per ring (table order), totals,
    /// producer count, capacity, closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_channels::mpmc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2]);
    /// assert_eq!(rx.snapshot().total_pending, 2);
    /// ```
    pub fn snapshot(&self) -> ChannelStats {
        ChannelStats::from_rings(
            self.chan.table.iter().map(|r| r.len()).collect(),
            self.producer_count(),
            self.capacity(),
            self.is_closed(),
        )
    }

    /// Attaches a notifier (`None` detaches), signalled on commit while a
    /// consumer is [armed](Self::arm).
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
    /// let (mut tx, mut rx) = ring_channels::mpmc::channel::<u8>(ring_core::Config::default());
    /// let calls = Arc::new(AtomicUsize::new(0));
    /// rx.set_notifier(Some(Count(calls.clone())));
    /// assert!(!rx.arm()); // nothing waiting: the event loop may sleep
    /// tx.try_send(1).unwrap(); // a commit while armed signals the notifier
    /// assert_eq!(calls.load(Ordering::SeqCst), 1);
    /// ```
    /// Arms the notifier; returns `true` if items (or a close) are already waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_channels::mpmc::channel::<u8>(ring_core::Config::default());
    /// assert!(!rx.arm()); // nothing waiting: safe to sleep
    /// tx.try_send(1).unwrap();
    /// assert!(rx.arm()); // an item waits: do not sleep
    /// rx.disarm();
    /// ```
    /// Disarms the notifier.
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
    /// let (mut tx, mut rx) = ring_channels::mpmc::channel::<u8>(ring_core::Config::default());
    /// let calls = Arc::new(AtomicUsize::new(0));
    /// rx.set_notifier(Some(Count(calls.clone()))); // counts its signals, as in `set_notifier`
    /// assert!(!rx.arm());
    /// rx.disarm();
    /// tx.try_send(1).unwrap();
    /// assert_eq!(calls.load(Ordering::SeqCst), 0); // disarmed: the commit did not signal
    /// ```
    /// The channel's observer (every ring reports to a clone of it).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::mpmc::Builder;
    /// #[derive(Clone, Debug, PartialEq)]
    /// struct Tag(&'static str);
    /// impl ring_core::Observer for Tag {}
    ///
    /// let (_tx, rx) = Builder::new(ring_core::Config::default()).observer(Tag("orders")).build::<u8>()?;
    /// assert_eq!(rx.observer(), &Tag("orders"));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn observer(&self) -> &O {
        &self.chan.observer
    }
}

consumer_waitable!(impl[T, O: Observer] Consumer<T, O>, chan.life, chan.observer);

// The blocking API, `SendEndpoint`/`RecvEndpoint` and the iterators, written
// once in ring-core (`ring_core::endpoint`) for every family.
ring_core::consumer_api!(impl[T, O: Observer] Consumer<T, O> => T);
ring_core::notifier_api!(impl[T, O: Observer] Consumer<T, O>, chan.life);

/// The items available now, without blocking ([`Consumer::try_iter`]).
pub type TryIter<'a, T, O = ()> = ring_core::endpoint::TryIter<'a, Consumer<T, O>>;
/// Every item until closed and drained ([`Consumer::iter`]).
pub type Iter<'a, T, O = ()> = ring_core::endpoint::Iter<'a, Consumer<T, O>>;
/// Every item until closed and drained, owning the consumer.
pub type IntoIter<T, O = ()> = ring_core::endpoint::IntoIter<Consumer<T, O>>;
