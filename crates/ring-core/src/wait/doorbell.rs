//! Doorbells: the futex word sleepers register on, the notifier slot, and wake groups (several rings, one doorbell).
//!
//! *Implementor module*: channel families and sibling crates build on it;
//! applications use the families.

use super::*;

// ------------------------------------------------------------- doorbell ---

/// A doorbell as seen by one ring: the word, the fence mode, and whether the
/// futex is process-shared.
#[derive(Clone, Copy)]
pub struct DoorbellRef<'a> {
    pub(super) bell: &'a Doorbell,
    pub(super) mode: FenceMode,
    shared: bool,
    /// The process-local side (notifier, task wakers); `None` for a ring
    /// shared with another process.
    pub(super) local: Option<&'a NotifierSlot>,
}

crate::debug_fields! {
    impl Debug for DoorbellRef<'_> as "DoorbellRef", |this| {
        mode: this.mode,
        shared: this.shared,
        local: this.local.is_some(),
    }
}

impl<'a> DoorbellRef<'a> {
    /// Binds a doorbell to a fence mode and futex kind.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Doorbell, sync::FenceMode, wait::DoorbellRef};
    /// let bell = Doorbell::new();
    /// let r = DoorbellRef::new(&bell, FenceMode::detect(), false);
    /// r.register();
    /// assert_eq!(bell.sleepers(), 1);
    /// r.unregister();
    /// assert_eq!(bell.sleepers(), 0);
    /// ```
    pub fn new(bell: &'a Doorbell, mode: FenceMode, shared: bool) -> Self {
        Self {
            bell,
            mode,
            shared,
            local: None,
        }
    }

    /// The same doorbell with its process-local side: the slot whose task
    /// wakers (and notifier) the committing side wakes with this doorbell.
    /// Async endpoints can wait only on a doorbell that has one.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Doorbell, sync::FenceMode, wait::{DoorbellRef, NotifierSlot}};
    /// let (bell, local) = (Doorbell::new(), NotifierSlot::new());
    /// let r = DoorbellRef::new(&bell, FenceMode::detect(), false).with_local(&local);
    /// assert!(r.has_local());
    /// ```
    pub fn with_local(mut self, local: &'a NotifierSlot) -> Self {
        self.local = Some(local);
        self
    }

    /// Whether task wakers can be registered on this doorbell.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Doorbell, sync::FenceMode, wait::DoorbellRef};
    /// let bell = Doorbell::new();
    /// assert!(!DoorbellRef::new(&bell, FenceMode::detect(), false).has_local());
    /// ```
    pub fn has_local(&self) -> bool {
        self.local.is_some()
    }

    /// Registers this thread as a sleeper, pays the heavy fence and returns
    /// the wake sequence to pass to [`sleep`](Self::sleep). Re-check the
    /// condition after this and before sleeping; always [`unregister`](Self::unregister).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Doorbell, sync::FenceMode, wait::DoorbellRef};
    /// let bell = Doorbell::new();
    /// let r = DoorbellRef::new(&bell, FenceMode::detect(), false);
    /// let seq = r.register();
    /// assert_eq!(bell.sleepers(), 1);
    /// // (re-check the condition here; sleep only if it still fails)
    /// r.ring(); // a waker that sees the registration moves the sequence on
    /// assert_ne!(r.register(), seq);
    /// r.unregister();
    /// r.unregister();
    /// ```
    pub fn register(self) -> u32 {
        // ORDERING: Relaxed; the count is for diagnostics (`sleepers`).
        self.bell.waiters.fetch_add(1, Ordering::Relaxed);
        // ORDERING: Acquire; pairs with the Release increment in `Doorbell::ring`:
        // if we see a wake's new value, we also see what it published, and the
        // waker's clearing of NEED_WAKE (sequenced before its increment) is
        // ordered before our setting it below.
        let seq = self.bell.seq.load(Ordering::Acquire);
        // ORDERING: Relaxed RMW; the heavy fence right after orders it before our
        // re-check (the store-buffering pair with the waker's light fence).
        self.bell
            .waiters
            .fetch_or(Doorbell::NEED_WAKE, Ordering::Relaxed);
        self.mode.heavy();
        seq
    }

    /// Sleeps until a wake-up after `seq` was taken, or `timeout`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Doorbell, sync::FenceMode, wait::DoorbellRef};
    /// let bell = Doorbell::new();
    /// let r = DoorbellRef::new(&bell, FenceMode::detect(), false);
    /// let seq = r.register(); // before the waker starts: its ring must wake us
    /// std::thread::scope(|s| {
    ///     s.spawn(|| r.ring());
    ///     r.sleep(seq, None); // returns once rung (at once if the ring came first)
    /// });
    /// r.unregister();
    /// ```
    pub fn sleep(self, seq: u32, timeout: Option<Duration>) {
        self.bell.seq.wait(seq, timeout, self.shared);
    }

    /// Undoes [`register`](Self::register).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Doorbell, sync::FenceMode, wait::DoorbellRef};
    /// let bell = Doorbell::new();
    /// let r = DoorbellRef::new(&bell, FenceMode::detect(), false);
    /// let _seq = r.register();
    /// r.unregister();
    /// assert_eq!(bell.sleepers(), 0);
    /// ```
    pub fn unregister(self) {
        // ORDERING: Relaxed; a stale non-zero count only costs a waker one
        // unnecessary wake call.
        self.bell.waiters.fetch_sub(1, Ordering::Relaxed);
    }

    /// Wakes every sleeper (for wakers outside the ring protocol, e.g. a
    /// channel's deregistration). Pays a full fence.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Doorbell, sync::FenceMode, wait::DoorbellRef};
    /// let bell = Doorbell::new();
    /// let r = DoorbellRef::new(&bell, FenceMode::detect(), false);
    /// let seq = r.register();
    /// r.ring(); // one sleeper registered: one wake-up
    /// assert_eq!(r.register(), seq.wrapping_add(1));
    /// r.unregister();
    /// r.unregister();
    /// ```
    pub fn ring(self) {
        // ORDERING: SeqCst fence: the caller's prior stores are ordered before
        // the waiter-count load (pairs with the sleeper's heavy fence).
        fence(Ordering::SeqCst);
        // ORDERING: Relaxed after the fence above.
        let w = self.bell.waiters.load(Ordering::Relaxed);
        if w & Doorbell::WAKE_BITS != 0 {
            self.bell.ring(w, self.shared, self.local);
        }
    }
}

impl Doorbell {
    /// Wakes sleepers (if `w` has `NEED_WAKE` and this caller is the one that
    /// clears it), registered task wakers (likewise with `WAKER`) and the
    /// armed notifier (if `w` has the armed bit). The slow
    /// part of a commit: only runs when `w & WAKE_BITS != 0`.
    #[cold]
    #[inline(never)]
    pub(crate) fn ring(&self, w: u32, shared: bool, notifier: Option<&NotifierSlot>) {
        // ORDERING: Relaxed RMW; the Release increment of `seq` below orders it
        // before any sleeper that reads the new sequence and sets NEED_WAKE again.
        if w & Self::NEED_WAKE != 0
            && self.waiters.fetch_and(!Self::NEED_WAKE, Ordering::Relaxed) & Self::NEED_WAKE != 0
        {
            // ORDERING: Release; pairs with the Acquire load in `register`.
            self.seq.fetch_add(1, Ordering::Release);
            self.seq.wake_all(shared);
        }
        // ORDERING: Acquire RMW; pairs with the Release `fetch_or` of a
        // registering task (`AsyncWait::poll_until`): clearing the bit it set
        // makes its queued node visible to the list swap below.
        if w & Self::WAKER != 0
            && let Some(n) = notifier
            && self.waiters.fetch_and(!Self::WAKER, Ordering::Acquire) & Self::WAKER != 0
        {
            n.wakers.wake_all();
        }
        if w & Self::ARMED != 0
            && let Some(n) = notifier
        {
            n.notify();
        }
    }

    /// Wakes everyone unconditionally (close).
    #[cold]
    pub(crate) fn ring_always(&self, shared: bool, notifier: Option<&NotifierSlot>) {
        // ORDERING: Release; pairs with the Acquire load in `register`.
        self.seq.fetch_add(1, Ordering::Release);
        self.seq.wake_all(shared);
        // ORDERING: Relaxed; the caller's SeqCst fence orders the close flag
        // before this load (pairs with the heavy fence in `arm`).
        if self.waiters.load(Ordering::Relaxed) & Self::ARMED != 0
            && let Some(n) = notifier
        {
            n.notify();
        }
        if let Some(n) = notifier {
            // ORDERING: Relaxed RMW; close owes every task a wake-up, so the
            // list is taken whatever the bit says (the swap in `wake_all` is
            // Acquire, and the caller's SeqCst fence orders the close flag
            // before it: a task whose push the swap misses sees the flag in
            // its re-check).
            self.waiters.fetch_and(!Self::WAKER, Ordering::Relaxed);
            n.wakers.wake_all();
        }
    }
}

/// The process-local side of a doorbell: the consumer's optional notifier
/// (set by `set_notifier`, read by a committing producer only while the
/// consumer is armed) and the task wakers of async endpoints waiting on the
/// doorbell (woken by the committer that sees the `WAKER` bit, all of them
/// on close). Never placed in shared memory.
#[derive(Default)]
pub struct NotifierSlot {
    notifier: Mutex<Option<Box<dyn Notify>>>,
    pub(super) wakers: WakerList,
}

impl fmt::Debug for NotifierSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NotifierSlot")
    }
}

impl NotifierSlot {
    /// An empty slot.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Notify, wait::NotifierSlot};
    /// use std::sync::{Arc, atomic::{AtomicUsize, Ordering}};
    /// struct Count(Arc<AtomicUsize>);
    /// impl Notify for Count {
    ///     fn notify(&self) {
    ///         self.0.fetch_add(1, Ordering::Relaxed);
    ///     }
    /// }
    ///
    /// let hits = Arc::new(AtomicUsize::new(0));
    /// let slot = NotifierSlot::new();
    /// slot.notify(); // empty: nothing to signal
    /// slot.set(Some(Box::new(Count(hits.clone()))));
    /// slot.notify();
    /// assert_eq!(hits.load(Ordering::Relaxed), 1);
    /// ```
    pub fn new() -> Self {
        Self {
            notifier: Mutex::new(None),
            wakers: WakerList::new(),
        }
    }

    /// Replaces the notifier (`None` detaches).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Notify, wait::NotifierSlot};
    /// use std::sync::{Arc, atomic::{AtomicUsize, Ordering}};
    /// struct Count(Arc<AtomicUsize>);
    /// impl Notify for Count {
    ///     fn notify(&self) {
    ///         self.0.fetch_add(1, Ordering::Relaxed);
    ///     }
    /// }
    ///
    /// let hits = Arc::new(AtomicUsize::new(0));
    /// let slot = NotifierSlot::new();
    /// slot.set(Some(Box::new(Count(hits.clone()))));
    /// slot.notify();
    /// slot.set(None); // detached
    /// slot.notify();
    /// assert_eq!(hits.load(Ordering::Relaxed), 1);
    /// ```
    pub fn set(&self, n: Option<Box<dyn Notify>>) {
        *self.notifier.lock().unwrap_or_else(|e| e.into_inner()) = n;
    }

    /// Signals the notifier, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Notify, wait::NotifierSlot};
    /// use std::sync::{Arc, atomic::{AtomicUsize, Ordering}};
    /// struct Count(Arc<AtomicUsize>);
    /// impl Notify for Count {
    ///     fn notify(&self) {
    ///         self.0.fetch_add(1, Ordering::Relaxed);
    ///     }
    /// }
    ///
    /// let hits = Arc::new(AtomicUsize::new(0));
    /// let slot = NotifierSlot::new();
    /// slot.set(Some(Box::new(Count(hits.clone()))));
    /// slot.notify();
    /// slot.notify();
    /// assert_eq!(hits.load(Ordering::Relaxed), 2);
    /// ```
    pub fn notify(&self) {
        if let Some(n) = &*self.notifier.lock().unwrap_or_else(|e| e.into_inner()) {
            n.notify();
        }
    }
}

/// A doorbell and notifier shared by several rings, so one consumer sleeps on
/// one word for all of them (the MPSC consumer, for one).
///
/// Give it to each ring with [`spsc::Builder::wake_group`](crate::spsc::Builder::wake_group).
#[derive(Debug)]
pub struct WakeGroup {
    bell: Doorbell,
    notifier: NotifierSlot,
    mode: FenceMode,
}

impl Default for WakeGroup {
    fn default() -> Self {
        Self::new()
    }
}

impl WakeGroup {
    /// A group with no sleepers and no notifier.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let group = Arc::new(WakeGroup::new());
    /// let a = Ring::<u8>::new(4, group.clone())?;
    /// let b = Ring::<u8>::new(4, group.clone())?;
    /// assert!(Arc::ptr_eq(a.group(), b.group())); // one doorbell for both rings
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn new() -> Self {
        Self {
            bell: Doorbell::new(),
            notifier: NotifierSlot::new(),
            mode: FenceMode::detect(),
        }
    }

    /// The shared doorbell.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let group = Arc::new(WakeGroup::new());
    /// let ring = Ring::<u8>::new(4, group.clone())?;
    /// let seq = group.doorbell().register(); // a consumer of the group's rings will sleep
    /// Ring::try_producer(&ring).unwrap().try_send(1).unwrap();
    /// assert_ne!(group.doorbell().register(), seq); // the commit rang the group's doorbell
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn doorbell(&self) -> DoorbellRef<'_> {
        DoorbellRef::new(&self.bell, self.mode, false).with_local(&self.notifier)
    }

    /// Replaces the group's notifier.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Notify, claim::Ring, wait::WakeGroup};
    /// use std::sync::{Arc, atomic::{AtomicUsize, Ordering}};
    /// struct Count(Arc<AtomicUsize>);
    /// impl Notify for Count {
    ///     fn notify(&self) {
    ///         self.0.fetch_add(1, Ordering::Relaxed);
    ///     }
    /// }
    ///
    /// let (group, hits) = (Arc::new(WakeGroup::new()), Arc::new(AtomicUsize::new(0)));
    /// let ring = Ring::<u8>::new(4, group.clone())?;
    /// group.set_notifier(Some(Box::new(Count(hits.clone()))));
    /// group.arm(|| false);
    /// Ring::try_producer(&ring).unwrap().try_send(1).unwrap();
    /// assert_eq!(hits.load(Ordering::Relaxed), 1);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn set_notifier(&self, n: Option<Box<dyn Notify>>) {
        self.notifier.set(n);
    }

    /// Arms the notifier; returns `ready()` evaluated after the heavy fence
    /// (true: items are already waiting, do not sleep).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{claim::Ring, wait::WakeGroup};
    /// use std::sync::Arc;
    /// let group = Arc::new(WakeGroup::new());
    /// let ring = Ring::<u8>::new(4, group.clone())?;
    /// assert!(!group.arm(|| !ring.is_empty())); // nothing waiting: safe to sleep
    /// Ring::try_producer(&ring).unwrap().try_send(1).unwrap();
    /// assert!(group.arm(|| !ring.is_empty())); // an item is waiting: do not sleep
    /// group.disarm();
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn arm(&self, ready: impl FnOnce() -> bool) -> bool {
        // ORDERING: Relaxed RMW ordered by the heavy fence (as a sleeper's registration).
        self.bell
            .waiters
            .fetch_or(Doorbell::ARMED, Ordering::Relaxed);
        self.mode.heavy();
        ready()
    }

    /// Disarms the notifier.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Notify, claim::Ring, wait::WakeGroup};
    /// use std::sync::{Arc, atomic::{AtomicUsize, Ordering}};
    /// struct Count(Arc<AtomicUsize>);
    /// impl Notify for Count {
    ///     fn notify(&self) {
    ///         self.0.fetch_add(1, Ordering::Relaxed);
    ///     }
    /// }
    ///
    /// let (group, hits) = (Arc::new(WakeGroup::new()), Arc::new(AtomicUsize::new(0)));
    /// let ring = Ring::<u8>::new(4, group.clone())?;
    /// let mut tx = Ring::try_producer(&ring).unwrap();
    /// group.set_notifier(Some(Box::new(Count(hits.clone()))));
    /// group.arm(|| false);
    /// tx.try_send(1).unwrap(); // armed: signals
    /// group.disarm();
    /// tx.try_send(2).unwrap(); // disarmed: silent
    /// assert_eq!(hits.load(Ordering::Relaxed), 1);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn disarm(&self) {
        // ORDERING: Relaxed; a late signal after disarm is only spurious readiness.
        self.bell
            .waiters
            .fetch_and(!Doorbell::ARMED, Ordering::Relaxed);
    }

    /// Wakes every sleeper on the group's doorbell and signals its notifier
    /// if a consumer is armed: what a close owes the group. Unconditional
    /// (a futex wake even with no sleeper), so only for rare events.
    ///
    /// The caller orders the state change the sleepers must see (a closed
    /// flag) before this with a `SeqCst` fence; [`Lifecycle`] does.
    ///
    /// [`Lifecycle`]: crate::lifecycle::Lifecycle
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::wait::WakeGroup;
    /// let group = WakeGroup::new();
    /// let seq = group.doorbell().register(); // a sleeper announces itself
    /// group.wake_all();
    /// assert_ne!(group.doorbell().register(), seq); // its sleep would return at once
    /// ```
    pub fn wake_all(&self) {
        self.bell.ring_always(false, Some(&self.notifier));
    }

    /// The committing side's wake-up, after it published (a commit, or
    /// room freed): the light fence, one load of the waiter word, and a
    /// wake-up (of sleepers, of the armed notifier) only if someone waits.
    #[inline(always)]
    pub(crate) fn wake_waiting(&self) {
        self.mode.light();
        // ORDERING: Relaxed after the light fence: the store-buffering pair with a
        // sleeper's heavy fence (docs/memory-ordering.md §3), as in the SPSC ring.
        let w = self.bell.waiters.load(Ordering::Relaxed);
        if w & Doorbell::WAKE_BITS != 0 {
            self.bell.ring(w, false, Some(&self.notifier));
        }
    }

    pub(crate) fn parts(&self) -> (&Doorbell, &NotifierSlot) {
        (&self.bell, &self.notifier)
    }
}
