//! The channel lifecycle, written once for every family (implementor
//! module: channel families use it; applications use the families).
//!
//! A [`Lifecycle`] holds what decides whether a channel is open: the closed
//! flag, the number of live producer and consumer handles, and the two
//! doorbells its handles sleep on. It owns the rules every family shares:
//!
//! - **close** from any side or a [`Closer`](crate::wait::Closer) is
//!   idempotent; the first close wakes every sleeper on both sides and
//!   signals an armed notifier ([`Lifecycle::close`]);
//! - **the last producer's drop** wakes every consumer (they drain, then
//!   see `Closed`) and signals an armed notifier
//!   ([`Lifecycle::drop_producer`]);
//! - **the last consumer's drop** closes the channel; the family then drops
//!   what is still in its rings, at once ([`Lifecycle::drop_consumer`]);
//! - **registration racing close**: a new producer (or ring) is published
//!   first and checks the flag after a `SeqCst` fence
//!   ([`Lifecycle::closed_after_register`]); the closer sets the flag and
//!   fences before it walks the rings, so either the closer sees the new
//!   ring or the registrar sees the flag (store buffering, both fenced).
//!
//! The loom model `lifecycle` in `tests/loom_lifecycle.rs` checks close
//! racing a registration, a sleeping producer and an armed consumer.
//!
//! # Examples
//!
//! ```
//! use ring_core::lifecycle::Lifecycle;
//! let life = Lifecycle::new(1);
//! life.add_producer();                  // a producer clone
//! assert!(!life.drop_producer());       // not the last
//! assert!(!life.is_closed());
//! assert!(life.drop_producer());        // the last one: consumers are woken
//! assert!(life.producers_gone() && life.closing());
//! assert!(life.close());                // the first close
//! assert!(!life.close());               // idempotent
//! ```

use crate::sync::{Arc, AtomicBool, AtomicUsize, Ordering, fence};
use crate::wait::{DoorbellRef, WakeGroup};
use crossbeam_utils::CachePadded;

/// The lifecycle state of one channel: closed flag, handle counts and the
/// doorbells of both sides. Shared by every handle (put it in the channel's
/// `Arc`).
pub struct Lifecycle {
    /// Set once by the first close; never cleared.
    closed: CachePadded<AtomicBool>,
    /// Live producer handles. Only a live producer makes another, so once
    /// it reaches zero it stays zero.
    producers: CachePadded<AtomicUsize>,
    /// Live consumer handles (same rule).
    consumers: AtomicUsize,
    /// Where consumers sleep (with the armed notifier).
    consumer_group: Arc<WakeGroup>,
    /// Where producers sleep while their ring is full, for families whose
    /// rings share one producer doorbell.
    producer_group: Arc<WakeGroup>,
}

crate::debug_fields! {
    impl Debug for Lifecycle as "Lifecycle", |this| {
        closed: this.is_closed(),
        producers: this.producer_count(),
        consumers: this.consumer_count(),
    }
}

impl Lifecycle {
    /// An open channel with one producer and `consumers` consumer handles.
    ///
    /// # Examples
    ///
    /// ```
    /// let life = ring_core::lifecycle::Lifecycle::new(1);
    /// assert_eq!((life.producer_count(), life.consumer_count()), (1, 1));
    /// ```
    pub fn new(consumers: usize) -> Self {
        Self::with_groups(
            consumers,
            Arc::new(WakeGroup::new()),
            Arc::new(WakeGroup::new()),
        )
    }

    /// As [`new`](Self::new), with the doorbells given (for rings built
    /// before the lifecycle, or groups shared with something else).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{lifecycle::Lifecycle, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let group = Arc::new(WakeGroup::new());
    /// let life = Lifecycle::with_groups(1, group.clone(), Arc::new(WakeGroup::new()));
    /// assert!(Arc::ptr_eq(life.consumer_group(), &group));
    /// ```
    pub fn with_groups(
        consumers: usize,
        consumer_group: Arc<WakeGroup>,
        producer_group: Arc<WakeGroup>,
    ) -> Self {
        Self {
            closed: CachePadded::new(AtomicBool::new(false)),
            producers: CachePadded::new(AtomicUsize::new(1)),
            consumers: AtomicUsize::new(consumers),
            consumer_group,
            producer_group,
        }
    }

    /// The group consumers sleep on (and whose notifier an armed consumer
    /// waits for).
    ///
    /// # Examples
    ///
    /// ```
    /// let life = ring_core::lifecycle::Lifecycle::new(1);
    /// let seq = life.consumer_group().doorbell().register();
    /// life.close(); // wakes it
    /// assert_ne!(life.consumer_group().doorbell().register(), seq);
    /// ```
    pub fn consumer_group(&self) -> &Arc<WakeGroup> {
        &self.consumer_group
    }

    /// The group producers sleep on while their ring is full (families whose
    /// rings share one producer doorbell).
    ///
    /// # Examples
    ///
    /// ```
    /// let life = ring_core::lifecycle::Lifecycle::new(1);
    /// let seq = life.producer_group().doorbell().register();
    /// life.close(); // wakes it
    /// assert_ne!(life.producer_group().doorbell().register(), seq);
    /// ```
    pub fn producer_group(&self) -> &Arc<WakeGroup> {
        &self.producer_group
    }

    /// Replaces the consumers' notifier (an eventfd, a waker): it is
    /// signalled on commit while a consumer is armed, and by every close.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Notify, lifecycle::Lifecycle};
    /// use std::sync::{Arc, atomic::{AtomicUsize, Ordering}};
    /// struct Count(Arc<AtomicUsize>);
    /// impl Notify for Count {
    ///     fn notify(&self) {
    ///         self.0.fetch_add(1, Ordering::Relaxed);
    ///     }
    /// }
    /// let (life, hits) = (Lifecycle::new(1), Arc::new(AtomicUsize::new(0)));
    /// life.set_notifier(Some(Count(hits.clone())));
    /// assert!(!life.arm(|| false)); // nothing waiting: the event loop may sleep
    /// life.close();
    /// assert_eq!(hits.load(Ordering::Relaxed), 1); // the close signalled it
    /// ```
    pub fn set_notifier<N: crate::Notify>(&self, notifier: Option<N>) {
        self.consumer_group.set_notifier(
            notifier.map(|n| alloc::boxed::Box::new(n) as alloc::boxed::Box<dyn crate::Notify>),
        );
    }

    /// Arms the consumers' notifier; returns `ready()` evaluated after the
    /// heavy fence (true: something is already waiting, do not sleep). A
    /// closed or drained channel is ready.
    ///
    /// # Examples
    ///
    /// ```
    /// let life = ring_core::lifecycle::Lifecycle::new(1);
    /// assert!(!life.arm(|| false));
    /// life.close();
    /// assert!(life.arm(|| false)); // closed: ready
    /// life.disarm();
    /// ```
    pub fn arm(&self, ready: impl FnOnce() -> bool) -> bool {
        self.consumer_group.arm(|| ready() || self.closing())
    }

    /// Disarms the consumers' notifier.
    ///
    /// # Examples
    ///
    /// ```
    /// let life = ring_core::lifecycle::Lifecycle::new(1);
    /// life.arm(|| false);
    /// life.disarm();
    /// ```
    pub fn disarm(&self) {
        self.consumer_group.disarm();
    }

    /// The consumers' doorbell.
    ///
    /// # Examples
    ///
    /// ```
    /// let life = ring_core::lifecycle::Lifecycle::new(1);
    /// let seq = life.consumer_doorbell().register();
    /// life.close();
    /// assert_ne!(life.consumer_doorbell().register(), seq);
    /// ```
    pub fn consumer_doorbell(&self) -> DoorbellRef<'_> {
        self.consumer_group.doorbell()
    }

    /// True once closed (by any route). Acquire: every commit made before the
    /// close is visible to a consumer that then looks at its rings.
    ///
    /// # Examples
    ///
    /// ```
    /// let life = ring_core::lifecycle::Lifecycle::new(1);
    /// life.close();
    /// assert!(life.is_closed());
    /// ```
    #[inline]
    pub fn is_closed(&self) -> bool {
        // ORDERING: Acquire; pairs with the Release half of the swap in `close`.
        self.closed.load(Ordering::Acquire)
    }

    /// The hot-path check of the closed flag: `Relaxed`, for producers that
    /// only need to stop sending eventually (a send racing a close may get
    /// in; it is then received or dropped exactly once).
    ///
    /// # Examples
    ///
    /// ```
    /// let life = ring_core::lifecycle::Lifecycle::new(1);
    /// assert!(!life.is_closed_hint());
    /// ```
    #[inline(always)]
    pub fn is_closed_hint(&self) -> bool {
        // ORDERING: Relaxed; a hint (see above). Paths that must see the close
        // in order use `is_closed` or `closed_after_register`.
        self.closed.load(Ordering::Relaxed)
    }

    /// Closes the channel. Returns true for the first close, which wakes
    /// every sleeper on both doorbells and signals an armed consumer's
    /// notifier; later calls do nothing. After it returns, the caller
    /// closes whatever rings it can reach (a registration that the caller
    /// does not see checks the flag itself: see
    /// [`closed_after_register`](Self::closed_after_register)).
    ///
    /// # Examples
    ///
    /// ```
    /// let life = ring_core::lifecycle::Lifecycle::new(1);
    /// assert!(life.close());
    /// assert!(!life.close());
    /// ```
    pub fn close(&self) -> bool {
        // ORDERING: AcqRel swap: Release publishes everything the closer did
        // before (its commits) to whoever reads the flag with Acquire.
        if self.closed.swap(true, Ordering::AcqRel) {
            return false;
        }
        // ORDERING: SeqCst fence (close is rare). It orders the flag before (a)
        // the caller's walk of the rings, the partner of the fence in
        // `closed_after_register`, and (b) the bells' waiter loads, the partner
        // of a sleeper's heavy fence between its registration and re-check.
        fence(Ordering::SeqCst);
        self.consumer_group.wake_all();
        self.producer_group.wake_all();
        true
    }

    /// Called by a registrar after it published a new producer's ring where
    /// a closer walks (a table, an inbox): true if the channel was closed, in
    /// which case the registrar closes the new ring itself.
    ///
    /// # Examples
    ///
    /// ```
    /// let life = ring_core::lifecycle::Lifecycle::new(1);
    /// assert!(!life.closed_after_register());
    /// life.close();
    /// assert!(life.closed_after_register());
    /// ```
    pub fn closed_after_register(&self) -> bool {
        // ORDERING: SeqCst fence: the registrar's publication (before the call)
        // and this load form a store-buffering pair with `close`'s swap and the
        // closer's walk, fenced there: one of the two sees the other.
        fence(Ordering::SeqCst);
        // ORDERING: Relaxed after the fence above.
        self.closed.load(Ordering::Relaxed)
    }

    /// Counts one more producer handle. The caller holds a live producer (the
    /// one being cloned), so the count cannot be zero here.
    ///
    /// # Examples
    ///
    /// ```
    /// let life = ring_core::lifecycle::Lifecycle::new(1);
    /// life.add_producer();
    /// assert_eq!(life.producer_count(), 2);
    /// ```
    pub fn add_producer(&self) {
        // ORDERING: Relaxed; as `Arc::clone` (the caller holds a reference).
        self.producers.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a producer handle gone. Returns true for the last one, after
    /// waking every consumer (they drain and then see `Closed`) and
    /// signalling an armed consumer's notifier.
    ///
    /// # Examples
    ///
    /// ```
    /// let life = ring_core::lifecycle::Lifecycle::new(1);
    /// assert!(life.drop_producer());
    /// assert!(life.producers_gone());
    /// ```
    pub fn drop_producer(&self) -> bool {
        // ORDERING: AcqRel; Release publishes the producer's commits (and its
        // registrations) to a consumer that reads zero with Acquire in
        // `producers_gone`; every change is an RMW, so all of them are in one
        // release sequence.
        if self.producers.fetch_sub(1, Ordering::AcqRel) != 1 {
            return false;
        }
        // ORDERING: SeqCst fence: orders the zero count before the consumer
        // bell's waiter load (pairs with a sleeper's heavy fence).
        fence(Ordering::SeqCst);
        self.consumer_group.wake_all();
        true
    }

    /// Live producer handles now.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ring_core::lifecycle::Lifecycle::new(1).producer_count(), 1);
    /// ```
    pub fn producer_count(&self) -> usize {
        // ORDERING: Relaxed; a snapshot for queries.
        self.producers.load(Ordering::Relaxed)
    }

    /// True once every producer handle is gone. Acquire: their commits are
    /// visible to a consumer that then looks at its rings.
    ///
    /// # Examples
    ///
    /// ```
    /// let life = ring_core::lifecycle::Lifecycle::new(1);
    /// assert!(!life.producers_gone());
    /// life.drop_producer();
    /// assert!(life.producers_gone());
    /// ```
    pub fn producers_gone(&self) -> bool {
        // ORDERING: Acquire; pairs with the AcqRel decrements in `drop_producer`.
        self.producers.load(Ordering::Acquire) == 0
    }

    /// True once no more items can arrive: closed, or every producer gone.
    /// Whoever sees it drains the rings once more, then reports `Closed`.
    ///
    /// # Examples
    ///
    /// ```
    /// let life = ring_core::lifecycle::Lifecycle::new(1);
    /// assert!(!life.closing());
    /// life.close();
    /// assert!(life.closing());
    /// ```
    pub fn closing(&self) -> bool {
        self.is_closed() || self.producers_gone()
    }

    /// Counts one more consumer handle unless there are `max` already.
    ///
    /// # Errors
    ///
    /// `Err(max)` at the bound.
    ///
    /// # Examples
    ///
    /// ```
    /// let life = ring_core::lifecycle::Lifecycle::new(1);
    /// assert_eq!(life.try_add_consumer(2), Ok(()));
    /// assert_eq!(life.try_add_consumer(2), Err(2));
    /// ```
    pub fn try_add_consumer(&self, max: usize) -> Result<(), usize> {
        // ORDERING: Relaxed; a counter (the caller holds a consumer, so it cannot
        // reach zero meanwhile); the CAS only enforces the bound.
        self.consumers
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < max).then_some(n + 1)
            })
            .map(drop)
            .map_err(|_| max)
    }

    /// Counts a consumer handle gone. Returns true for the last one, after
    /// closing the channel (producers' next send gets `Closed`, blocked ones
    /// wake); the caller then drops what is still in the rings, exactly once.
    ///
    /// # Examples
    ///
    /// ```
    /// let life = ring_core::lifecycle::Lifecycle::new(2);
    /// assert!(!life.drop_consumer());
    /// assert!(!life.is_closed());
    /// assert!(life.drop_consumer()); // the last: closes
    /// assert!(life.is_closed());
    /// ```
    pub fn drop_consumer(&self) -> bool {
        // ORDERING: AcqRel; the last consumer's drain must come after every other
        // consumer's claims (Release by each decrement, Acquire by the last).
        if self.consumers.fetch_sub(1, Ordering::AcqRel) != 1 {
            return false;
        }
        self.close();
        true
    }

    /// Live consumer handles now.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ring_core::lifecycle::Lifecycle::new(3).consumer_count(), 3);
    /// ```
    pub fn consumer_count(&self) -> usize {
        // ORDERING: Relaxed; a snapshot for queries. A caller that acts on zero
        // (a producer dropping what a racing send left) first loads, with
        // Acquire, a flag the last consumer set with Release after its
        // decrement (the ring's closed flag), so it sees the zero.
        self.consumers.load(Ordering::Relaxed)
    }
}
