//! The SPMC channel: one producer, cloneable consumers, each item received
//! by exactly one consumer, on `ring-core`'s multi-consumer claim ring
//! ([`ring_core::claim`]).
//!
//! Consumers claim items with a CAS on the shared head after checking the
//! slots' sequence stamps, move them out, give the slots back, and only then
//! hand them to a handler: no consumer ever reads a slot it has not claimed,
//! and a preempted consumer never stalls the others. There is no
//! `readable`/`peek` on this family (a reference into an unclaimed slot
//! could be overwritten under the reader).
//!
//! # Examples
//!
//! ```
//! use ring_core::{Config, WaitStrategy};
//!
//! let (mut tx, rx) = ring_channels::spmc::channel::<u64>(Config::LOW_LATENCY);
//! let workers: Vec<_> = (0..3)
//!     .map(|_| {
//!         let mut rx = rx.clone();
//!         std::thread::spawn(move || {
//!             let mut n = 0u64;
//!             while let Ok(_) = rx.recv() {
//!                 n += 1;
//!             }
//!             n
//!         })
//!     })
//!     .collect();
//! drop(rx);
//! for i in 0..10_000 {
//!     tx.send(i).unwrap();
//! }
//! drop(tx); // closes: workers drain, then see `Closed`
//! let n: u64 = workers.into_iter().map(|h| h.join().unwrap()).sum();
//! assert_eq!(n, 10_000);
//! ```

use core::cell::Cell;
use core::marker::PhantomData;
use core::time::Duration;

use ring_core::claim;
use ring_core::lifecycle::Lifecycle;
use ring_core::sync::Arc;
use ring_core::wait::{DoorbellRef, Waitable};
use ring_core::{Observer, RecvTimeoutError, RingMemory, Side, TryRecvError, WaitStrategy};

use crate::TooManyConsumers;
use crate::recv_wait;

family! {
    /// The SPMC family for the one [`Builder`](ring_core::builder::Builder).
    family Spmc;
    /// Builds an SPMC channel with a chosen memory seam (where the ring's stamps
    /// and slots live) and observer.
    ///
    /// Several consumers call the observer concurrently: give it one that counts
    /// from several threads (ring-metrics' `Metrics::shared`).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::spmc::Builder;
    /// use ring_core::{Config, Heap};
    ///
    /// let (mut tx, mut rx) = Builder::new(Config::default()).memory(Heap).observer(()).build::<u32>()?;
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    Builder;
    /// The two ends of an SPMC channel, as returned by [`Builder::build`].
    Channel = (Producer, Consumer);
    /// Creates an SPMC channel with `config.capacity()` slots; at most
    /// `config.max_consumers()` consumers at a time.
    ///
    /// # Panics
    ///
    /// If `capacity * size_of::<T>()` overflows the address space.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::spmc::channel::<u8>(ring_core::Config::default());
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    channel;
    /// As [`channel`], reporting a ring that cannot be built.
    ///
    /// # Errors
    ///
    /// [`BuildError::CapacityOverflow`](ring_core::spsc::BuildError::CapacityOverflow)
    /// if the ring's size overflows for `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, _rx) = ring_channels::spmc::try_channel::<u8>(ring_core::Config::default())?;
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    try_channel;

    build_channel[M: RingMemory] |p| {
        let (config, memory, observer) = (p.config, p.memory, p.observer);
        let life = Lifecycle::new(1);
        let ring = claim::Ring::with_watermarks(
            config.capacity(),
            life.consumer_group().clone(),
            memory,
            observer,
            p.watermarks,
        )?;
        let inner =
            claim::Ring::try_producer(&ring).expect("invariant: a fresh ring has no producer");
        let shared = Arc::new(Shared {
            life,
            max: config.max_consumers(),
        });
        Ok((
            Producer {
                inner,
                link: SpmcLink(shared.clone()),
            },
            Consumer {
                ring,
                shared,
                _not_sync: PhantomData,
            },
        ))
    }
}

/// What the handles share besides the ring: the consumer count (the ring's
/// own flag is the closed flag; its doorbells are the lifecycle's consumer
/// group and the ring's producer bell).
#[derive(Debug)]
struct Shared {
    life: Lifecycle,
    max: usize,
}

// ------------------------------------------------------------------ Producer

/// The sending end of an SPMC channel. `Send` (when `T: Send`), not `Sync`,
/// not `Clone`. Dropping it closes the channel (consumers drain, then see
/// `Closed`). The claim-ring producer shared with MPMC
/// ([`crate::claim_producer::Producer`]).
pub type Producer<T, O = ()> = crate::claim_producer::Producer<T, O, SpmcLink>;

/// How an SPMC producer reaches its channel: its one ring, and the consumer
/// count.
#[derive(Debug)]
pub struct SpmcLink(Arc<Shared>);

impl crate::claim_producer::sealed::Sealed for SpmcLink {}

impl<T, O: Observer> crate::claim_producer::Link<T, O> for SpmcLink {
    fn close(&self, inner: &mut claim::Producer<T, O>) {
        inner.close();
    }
    fn consumers_gone(&self) -> bool {
        self.0.life.consumer_count() == 0
    }
    fn on_drop(&self, inner: &mut claim::Producer<T, O>) {
        inner.close();
    }
}

// ------------------------------------------------------------------ Consumer

/// A receiving end of an SPMC channel. `Send` (when `T: Send`), not `Sync`;
/// `Clone` adds a consumer (up to `max_consumers`, see [`try_clone`](Consumer::try_clone)).
/// Dropping the last consumer closes the channel.
pub struct Consumer<T, O: Observer = ()> {
    ring: Arc<claim::Ring<T, O>>,
    shared: Arc<Shared>,
    _not_sync: PhantomData<Cell<()>>,
}

debug_handle!(impl[T, O: Observer] Consumer<T, O>, "spmc::Consumer", ring = |c| c.ring);

counted_consumer!(impl[T, O: Observer] Consumer<T, O>, "spmc::Consumer", |c| c.shared.life, c.ring);

impl<T, O: Observer> Consumer<T, O> {
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
    /// let (_tx, rx) = ring_channels::spmc::channel::<u8>(Config::default().with_max_consumers(2));
    /// let rx2 = rx.try_clone().unwrap();
    /// assert!(rx.try_clone().is_err());
    /// drop(rx2);
    /// assert!(rx.try_clone().is_ok());
    /// ```
    pub fn try_clone(&self) -> Result<Self, TooManyConsumers> {
        let max = self.shared.max;
        self.shared
            .life
            .try_add_consumer(max)
            .map_err(|max| TooManyConsumers { max })?;
        Ok(Consumer {
            ring: self.ring.clone(),
            shared: self.shared.clone(),
            _not_sync: PhantomData,
        })
    }

    /// Receives without blocking.
    ///
    /// # Errors
    ///
    /// `Empty`, or `Closed` only when closed and nothing is left.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::TryRecvError;
    /// let (mut tx, mut rx) = ring_channels::spmc::channel::<u8>(ring_core::Config::default());
    /// tx.try_send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    #[inline]
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.ring.try_recv()
    }

    /// Claims and copies up to `out.len()` items without blocking; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::spmc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2]);
    /// let mut out = [0; 4];
    /// assert_eq!(rx.recv_slice(&mut out), 2);
    /// ```
    pub fn recv_slice(&mut self, out: &mut [T]) -> usize
    where
        T: Copy,
    {
        self.ring.recv_slice(out)
    }

    /// Claims and moves up to `max` items into `out`; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::spmc::channel::<String>(ring_core::Config::default());
    /// tx.try_send("x".into()).unwrap();
    /// let mut v = Vec::new();
    /// assert_eq!(rx.recv_many(&mut v, 8), 1);
    /// ```
    pub fn recv_many(&mut self, out: &mut Vec<T>, max: usize) -> usize {
        self.ring.recv_many(out, max)
    }

    /// Claims every item available now (one CAS), moves each out and hands it
    /// to `f`; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::spmc::channel::<u64>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// let mut sum = 0;
    /// assert_eq!(rx.consume_batch(|x| sum += x), 3);
    /// assert_eq!(sum, 6);
    /// ```
    pub fn consume_batch(&mut self, f: impl FnMut(&T)) -> usize {
        self.ring.consume_up_to(usize::MAX, f)
    }

    /// As [`consume_batch`](Self::consume_batch), at most `max` items.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::spmc::channel::<u64>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// assert_eq!(rx.consume_up_to(2, |_| {}), 2);
    /// ```
    pub fn consume_up_to(&mut self, max: usize, f: impl FnMut(&T)) -> usize {
        self.ring.consume_up_to(max, f)
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
    /// let (mut tx, mut rx) = ring_channels::spmc::channel::<u8>(ring_core::Config::default());
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
        recv_wait::recv_until(self, strategy, |c| {
            let n = c.ring.consume_up_to(usize::MAX, &mut f);
            if n > 0 {
                return Some(Ok(n));
            }
            match c.ring.ready() {
                Err(TryRecvError::Closed) => Some(Err(RecvTimeoutError::Closed)),
                _ => None,
            }
        })
    }

    /// Claims and drops up to `n` items; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::spmc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// assert_eq!(rx.skip(2), 2);
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// ```
    pub fn skip(&mut self, n: usize) -> usize {
        self.ring.skip(n)
    }

    /// Claims and drops every item available now; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::spmc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2, 3]);
    /// assert_eq!(rx.consume_count(), 3);
    /// assert!(rx.is_empty());
    /// ```
    pub fn consume_count(&mut self) -> usize {
        self.ring.skip(usize::MAX)
    }

    /// Claims up to `out.len()` items into `out` (the seed's name for
    /// `recv_slice`); returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::spmc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2]);
    /// let mut out = [0; 2];
    /// assert_eq!(rx.steal(&mut out), 2);
    /// ```
    pub fn steal(&mut self, out: &mut [T]) -> usize
    where
        T: Copy,
    {
        self.ring.recv_slice(out)
    }

    /// Claims a batch and hands each item to `f` after moving it out (the
    /// seed's name for `consume_batch`); returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::spmc::channel::<u8>(ring_core::Config::default());
    /// tx.send_slice(&[1, 2]);
    /// assert_eq!(rx.steal_batch(|_| {}), 2);
    /// ```
    pub fn steal_batch(&mut self, f: impl FnMut(&T)) -> usize {
        self.ring.consume_up_to(usize::MAX, f)
    }

    /// Closes the channel from the consumer side (idempotent): the producer's
    /// next send gets `Closed`; committed items stay receivable.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = ring_channels::spmc::channel::<u8>(ring_core::Config::default());
    /// tx.try_send(1).unwrap();
    /// rx.close();
    /// assert!(tx.try_send(2).is_err());
    /// assert_eq!(rx.try_recv(), Ok(1)); // committed items stay receivable
    /// assert!(rx.try_recv().is_err());
    /// ```
    pub fn close(&mut self) {
        self.ring.close();
    }

    closer! {
        /// A handle that closes the channel from any thread and wakes every sleeper.
        ///
        /// # Examples
        ///
        /// ```
        /// let (_tx, mut rx) = ring_channels::spmc::channel::<u8>(ring_core::Config::default());
        /// let closer = rx.closer();
        /// std::thread::spawn(move || closer.close());
        /// assert!(rx.recv().is_err()); // woken by the close, nothing left
        /// ```
        ring
    }

    forward! { ring =>
        /// True once the channel is closed (items may remain).
        ///
        /// # Examples
        ///
        /// ```
        /// let (mut tx, rx) = ring_channels::spmc::channel::<u8>(ring_core::Config::default());
        /// tx.try_send(1).unwrap();
        /// assert!(!rx.is_closed());
        /// drop(tx);
        /// assert!(rx.is_closed());
        /// assert_eq!(rx.len(), 1); // closed, but the item is still there
        /// ```
        fn is_closed(&self) -> bool;
    }

    ring_status! { ring => rx of "spmc", ring "the ring" in slots, send "tx.try_send(1).unwrap()";
    len is_empty fill above_high_watermark capacity }

    /// Consumers now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = ring_channels::spmc::channel::<u8>(ring_core::Config::default());
    /// let rx2 = rx.clone();
    /// assert_eq!(rx.consumer_count(), 2);
    /// drop(rx2);
    /// assert_eq!(rx.consumer_count(), 1);
    /// ```
    pub fn consumer_count(&self) -> usize {
        self.shared.life.consumer_count()
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
    /// let (mut tx, mut rx) = ring_channels::spmc::channel::<u8>(ring_core::Config::default());
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
    /// let (mut tx, rx) = ring_channels::spmc::channel::<u8>(ring_core::Config::default());
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
    /// let (mut tx, mut rx) = ring_channels::spmc::channel::<u8>(ring_core::Config::default());
    /// let calls = Arc::new(AtomicUsize::new(0));
    /// rx.set_notifier(Some(Count(calls.clone()))); // counts its signals, as in `set_notifier`
    /// assert!(!rx.arm());
    /// rx.disarm();
    /// tx.try_send(1).unwrap();
    /// assert_eq!(calls.load(Ordering::SeqCst), 0); // disarmed: the commit did not signal
    /// ```
    /// The channel's observer.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_channels::spmc::Builder;
    /// #[derive(Clone, Debug, PartialEq)]
    /// struct Tag(&'static str);
    /// impl ring_core::Observer for Tag {}
    ///
    /// let (_tx, rx) = Builder::new(ring_core::Config::default()).observer(Tag("orders")).build::<u8>()?;
    /// assert_eq!(rx.observer(), &Tag("orders"));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn observer(&self) -> &O {
        self.ring.observer()
    }
}

impl<T, O: Observer> Waitable for Consumer<T, O> {
    fn doorbell(&self) -> DoorbellRef<'_> {
        self.ring.consumer_doorbell()
    }
    fn timed(&self) -> bool {
        O::TIMED
    }
    fn on_wait(&self) {
        self.ring.observer().on_wait(Side::Consumer);
    }
    fn on_wake(&self, slept: Duration) {
        self.ring.observer().on_wake(Side::Consumer, slept);
    }
}

// The blocking API, `SendEndpoint`/`RecvEndpoint` and the iterators, written
// once in ring-core (`ring_core::endpoint`) for every family.
ring_core::consumer_api!(impl[T, O: Observer] Consumer<T, O> => T);
ring_core::notifier_api!(impl[T, O: Observer] Consumer<T, O>, shared.life);

/// The items available now, without blocking ([`Consumer::try_iter`]).
pub type TryIter<'a, T, O = ()> = ring_core::endpoint::TryIter<'a, Consumer<T, O>>;
/// Every item until closed and drained ([`Consumer::iter`]).
pub type Iter<'a, T, O = ()> = ring_core::endpoint::Iter<'a, Consumer<T, O>>;
/// Every item until closed and drained, owning the consumer.
pub type IntoIter<T, O = ()> = ring_core::endpoint::IntoIter<Consumer<T, O>>;
