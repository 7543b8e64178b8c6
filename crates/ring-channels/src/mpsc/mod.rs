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
use core::time::Duration;

use ring_core::inbox::{InboxReceiver, InboxSender, inbox};
use ring_core::lifecycle::Lifecycle;
use ring_core::spsc::{self, BuildError, Reservation};
use ring_core::sync::Arc;
use ring_core::wait::{DoorbellRef, Waitable};

use crate::recv_wait;
use ring_core::{
    ChannelStats, Config, Observer, RecvTimeoutError, RingMemory, SendTimeoutError, TryRecvError,
    TrySendError, WaitStrategy,
};

mod consumer;
mod producer;
mod scheduler;

pub use consumer::Consumer;
pub use producer::Producer;

/// Items the consumer takes from its current ring in a row before it looks
/// at the others again (fairness of single-item receives).
const BURST: usize = 64;
/// Largest skip exponent: an idle ring is polled at least every 64 rounds.
const MAX_SKIP_EXP: u8 = 6;

family! {
    /// The MPSC family for the one [`Builder`](ring_core::builder::Builder).
    family Mpsc;
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
    Builder;
    /// The two ends of an MPSC channel, as returned by [`Builder::build`].
    Channel = (Producer, Consumer);
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
    channel;

    build_channel[M: RingMemory + Clone] |p| {
        let (config, memory, observer) = (p.config, p.memory, p.observer);
        // Per ring: every producer's SPSC ring reports its own crossings (the
        // first ring, built below, checks `high <= capacity` for `build`).
        let watermarks = p.watermarks;
        let life = Lifecycle::new(1);
        let (consumers, producers) = (life.consumer_group().clone(), life.producer_group().clone());
        let factory: Box<Factory<T, O>> = Box::new(move |observer: O| {
            let ring = spsc::Builder::new(config)
                .memory(memory.clone())
                .observer(observer)
                .wake_group(consumers.clone())
                .producer_wake_group(producers.clone());
            match watermarks {
                Some(w) => ring.watermarks(w.low(), w.high()),
                None => ring,
            }
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
            rings: Vec::with_capacity(config.max_producers()),
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
                chan: Registration(chan),
                ring: ring_tx,
            },
            consumer,
        ))
    }
}

type Factory<T, O> = dyn Fn(O) -> Result<spsc::Channel<T, O>, BuildError> + Send + Sync;

/// What producers and the consumer share.
pub(crate) struct Chan<T, O: Observer> {
    /// Closed flag, producer count, and the two doorbells: the consumer's
    /// (every ring's commits ring it) and the producers' (every ring's
    /// consumer side rings it when it frees room), so a close wakes every
    /// sleeper on both sides with two rings.
    pub(crate) life: Lifecycle,
    inbox: InboxSender<spsc::Consumer<T, O>>,
    factory: Box<Factory<T, O>>,
    config: Config,
}

impl<T, O: Observer> Chan<T, O> {
    /// Closes the channel (idempotent) and wakes every sleeper on both sides
    /// and an armed consumer's notifier. The consumer closes each ring when
    /// it next looks (`Consumer::closing`); producers check the flag before
    /// every send.
    pub(crate) fn close(&self) {
        self.life.close();
    }

    pub(crate) fn is_closed(&self) -> bool {
        // A hint for the producer's send path (a close racing a send may let
        // that item in; it is then received or dropped once).
        self.life.is_closed_hint()
    }

    /// Registers a new producer: builds its ring with the channel's factory,
    /// counts it, and hands the ring's consumer end to the consumer; returns
    /// the producer (its ring and its hold on the channel). The
    /// ring of a channel that is closed is never registered (it goes with
    /// the producer, no memory kept for the channel's life) and is closed, so
    /// its sends get `Closed`. (An associated function: loom's `Arc` cannot
    /// be a method receiver.)
    pub(crate) fn register(chan: &Arc<Self>, observer: O) -> Result<Producer<T, O>, BuildError> {
        let (ring, ring_rx) = (chan.factory)(observer)?;
        chan.life.add_producer();
        let mut p = Producer {
            chan: Registration(chan.clone()),
            ring,
        };
        if chan.life.is_closed() {
            drop(ring_rx);
            p.ring.close();
            return Ok(p);
        }
        // Published where the consumer adopts rings (its `closing` swaps the
        // inbox after the flag is set); then the flag is checked after a
        // `SeqCst` fence: either the consumer adopts (and, if closing, closes)
        // this ring, or we see the flag and close it ourselves.
        chan.inbox.push(ring_rx);
        if chan.life.closed_after_register() {
            p.ring.close();
        }
        Ok(p)
    }
}

/// A producer's hold on its channel: counted in the lifecycle while it
/// lives. A producer handle keeps it as its first field, so that its drop
/// (which publishes the producer's commits to a consumer that sees the
/// count reach zero, and wakes the consumer for the last one) runs before
/// the ring's drop closes the ring, whose close rings the consumer's
/// doorbell: a consumer woken by it sees the new count.
pub(crate) struct Registration<T, O: Observer>(Arc<Chan<T, O>>);

impl<T, O: Observer> core::ops::Deref for Registration<T, O> {
    type Target = Arc<Chan<T, O>>;
    fn deref(&self) -> &Arc<Chan<T, O>> {
        &self.0
    }
}

impl<T, O: Observer> Drop for Registration<T, O> {
    fn drop(&mut self) {
        self.0.life.drop_producer();
    }
}

// The blocking API, `SendEndpoint`/`RecvEndpoint` and the iterators, written
// once in ring-core (`ring_core::endpoint`) for every family.
ring_core::producer_api!(impl[T, O: Observer] Producer<T, O> => T);
ring_core::reserve_api!(impl[T, O: Observer] Producer<T, O> => Reservation<T, O>);
ring_core::consumer_api!(impl[T, O: Observer] Consumer<T, O> => T);
ring_core::notifier_api!(impl[T, O: Observer] Consumer<T, O>, chan.life);

/// The items available now, without blocking ([`Consumer::try_iter`]).
pub type TryIter<'a, T, O = ()> = ring_core::endpoint::TryIter<'a, Consumer<T, O>>;
/// Every item until closed and drained ([`Consumer::iter`]).
pub type Iter<'a, T, O = ()> = ring_core::endpoint::Iter<'a, Consumer<T, O>>;
/// Every item until closed and drained, owning the consumer.
pub type IntoIter<T, O = ()> = ring_core::endpoint::IntoIter<Consumer<T, O>>;
