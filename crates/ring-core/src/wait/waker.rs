//! The waker slot of a doorbell: task wakers registered by async endpoints,
//! woken by the same committer that wakes futex sleepers and armed notifiers.
//!
//! *Implementor module*: the async adapters (ring-wait's `async` feature)
//! build on it through [`AsyncWait::poll_until`].
//!
//! The protocol (argued in `docs/memory-ordering.md` §9):
//!
//! - a pending future stores its waker in its own [`WakerNode`] (an atomic
//!   waker: register and wake race without a lock), pushes the node onto the
//!   doorbell's [`WakerList`] (a push-only stack that a waker empties as a
//!   whole, so there is no ABA), sets the doorbell's `WAKER` bit with
//!   Release, pays the heavy fence and re-checks its condition;
//! - a committer's hot path is unchanged: the light fence and one load of
//!   the waiter word, which now also tests `WAKER`; only when it is set does
//!   the committer clear it (Acquire: it then sees every node pushed before
//!   the bit was set) and wake every node on the list;
//! - close wakes every node unconditionally, after its `SeqCst` fence.

use core::ptr;
use core::task::{Context, Poll, Waker};

use super::*;
use crate::sync::{Arc, AtomicBool, AtomicPtr, AtomicUsize, UnsafeCell};

// ----------------------------------------------------------- atomic waker ---

/// No registration or wake in progress.
const IDLE: usize = 0;
/// The owner is storing a new waker.
const REGISTERING: usize = 1;
/// A waker is taking the stored waker (or wants to, while registering).
const WAKING: usize = 2;

/// One pending future's waker: the owner registers, any thread wakes.
///
/// An atomic waker (the `futures::task::AtomicWaker` protocol): `state`
/// gives the cell to the registering owner or to one waking thread at a time;
/// a wake that meets a registration in progress leaves `WAKING` set and the
/// owner wakes the waker it just stored.
pub struct WakerNode {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
    /// On a list (set by the pusher, cleared by the waker that took the list).
    queued: AtomicBool,
    /// The next node on the list; written before the push that publishes it.
    next: AtomicPtr<WakerNode>,
}

impl fmt::Debug for WakerNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WakerNode").finish_non_exhaustive()
    }
}

// SAFETY: the cell is accessed only by the thread that moved `state` from IDLE
// to REGISTERING or from IDLE to WAKING (one at a time); `Waker` is Send + Sync.
unsafe impl Send for WakerNode {}
// SAFETY: as above.
unsafe impl Sync for WakerNode {}

impl WakerNode {
    fn new() -> Self {
        Self {
            state: AtomicUsize::new(IDLE),
            waker: UnsafeCell::new(None),
            queued: AtomicBool::new(false),
            next: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Stores `waker` (the waker of the latest poll). Only the node's owner
    /// calls this, so registrations never race each other.
    fn register(&self, waker: &Waker) {
        // ORDERING: Acquire; pairs with the Release that ended the last wake,
        // so the cell is ours to write.
        match self
            .state
            .compare_exchange(IDLE, REGISTERING, Ordering::Acquire, Ordering::Acquire)
        {
            Ok(_) => {
                self.waker.with_mut(|w| {
                    // SAFETY: REGISTERING gives this thread the cell (no waker
                    // touches it until `state` goes back to IDLE).
                    let slot = unsafe { &mut *w };
                    if !slot.as_ref().is_some_and(|old| old.will_wake(waker)) {
                        *slot = Some(waker.clone());
                    }
                });
                // ORDERING: AcqRel; Release publishes the waker to the next
                // waker's Acquire RMW; Acquire (on failure) sees a waking
                // thread's state.
                if let Err(_waking) = self.state.compare_exchange(
                    REGISTERING,
                    IDLE,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    // A wake came while we were registering: it left the
                    // waker to us. Take it, end the wake, and wake it.
                    let w = self.waker.with_mut(|w| {
                        // SAFETY: still REGISTERING (with WAKING): ours.
                        unsafe { (*w).take() }
                    });
                    // ORDERING: Release; the cell is free again for the next
                    // registration or wake (their Acquire).
                    self.state.swap(IDLE, Ordering::AcqRel);
                    if let Some(w) = w {
                        w.wake();
                    }
                }
            }
            // A wake is in progress (a few instructions: take, clear): it may
            // have taken an older waker, so make sure this poll's task runs
            // again; the hint lets the waking thread finish first (under
            // loom it yields, so the model does not spin).
            Err(_) => {
                spin_loop();
                waker.wake_by_ref();
            }
        }
    }

    /// Takes the stored waker, if no registration is in progress (then the
    /// registering owner wakes it instead).
    fn take(&self) -> Option<Waker> {
        // ORDERING: AcqRel; Acquire pairs with the Release of the registration
        // that stored the waker; Release hands our flag to a registering owner.
        match self.state.fetch_or(WAKING, Ordering::AcqRel) {
            IDLE => {
                let w = self.waker.with_mut(|w| {
                    // SAFETY: we moved `state` from IDLE to WAKING: the cell is ours.
                    unsafe { (*w).take() }
                });
                // ORDERING: Release; pairs with the Acquire of the next
                // registration (the cell is free again).
                self.state.fetch_and(!WAKING, Ordering::Release);
                w
            }
            _ => None,
        }
    }

    /// Wakes the stored waker, if any.
    fn wake(&self) {
        if let Some(w) = self.take() {
            w.wake();
        }
    }
}

// ------------------------------------------------------------ waker list ---

/// Lists above this length are compacted when dead nodes dominate.
const COMPACT_LEN: usize = 32;

/// The registered wakers of one doorbell: a push-only stack of
/// [`WakerNode`]s that a waker takes as a whole (one swap), so no node is ever
/// unlinked alone and there is no ABA. Lock-free on both paths.
pub struct WakerList {
    head: AtomicPtr<WakerNode>,
    /// Nodes pushed since the list was last taken (a heuristic).
    len: AtomicUsize,
    /// Nodes released by their owners while still queued (a heuristic).
    dead: AtomicUsize,
}

impl fmt::Debug for WakerList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WakerList").finish_non_exhaustive()
    }
}

impl Default for WakerList {
    fn default() -> Self {
        Self::new()
    }
}

impl WakerList {
    /// An empty list.
    pub(crate) fn new() -> Self {
        Self {
            head: AtomicPtr::new(ptr::null_mut()),
            len: AtomicUsize::new(0),
            dead: AtomicUsize::new(0),
        }
    }

    /// Queues `node` unless it is queued already.
    fn push(&self, node: &Arc<WakerNode>) {
        // ORDERING: AcqRel; Acquire pairs with the Release store in `wake_all`
        // (the node's `next` is free to rewrite); Release is not needed for
        // the flag itself (the head CAS publishes the node).
        if node.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let raw = Arc::into_raw(node.clone()).cast_mut();
        // ORDERING: Relaxed; the CAS below (Release) publishes whatever we link to.
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            // ORDERING: Relaxed; published by the Release CAS below.
            node.next.store(head, Ordering::Relaxed);
            // ORDERING: Release on success; pairs with the Acquire swap in
            // `wake_all`, which then sees `next` and the node's waker.
            match self
                .head
                .compare_exchange_weak(head, raw, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => break,
                Err(h) => head = h,
            }
        }
        // ORDERING: Relaxed; a heuristic count.
        let len = self.len.fetch_add(1, Ordering::Relaxed) + 1;
        // ORDERING: Relaxed; a heuristic count.
        if len > COMPACT_LEN && self.dead.load(Ordering::Relaxed) * 2 > len {
            // Mostly cancelled futures: wake the live ones (a spurious wake,
            // they re-register) and free the dead ones.
            self.wake_all();
        }
    }

    /// Takes the whole list and wakes every node on it.
    pub(crate) fn wake_all(&self) {
        // ORDERING: Acquire; pairs with the Release CAS in `push`: every node
        // reached below is fully linked and its waker registered.
        let mut p = self.head.swap(ptr::null_mut(), Ordering::Acquire);
        if p.is_null() {
            return;
        }
        // ORDERING: Relaxed; heuristic counts.
        self.len.store(0, Ordering::Relaxed);
        // ORDERING: Relaxed; heuristic counts.
        self.dead.store(0, Ordering::Relaxed);
        while !p.is_null() {
            // SAFETY: every pointer on the list came from `Arc::into_raw` in
            // `push`, and taking the list moved that reference to us.
            let node = unsafe { Arc::from_raw(p) };
            // ORDERING: Relaxed; written before the Release CAS we acquired.
            p = node.next.load(Ordering::Relaxed);
            // ORDERING: Release; pairs with the AcqRel swap in `push`: our read
            // of `next` above happens before a re-push rewrites it.
            node.queued.store(false, Ordering::Release);
            node.wake();
        }
    }
}

impl Drop for WakerList {
    fn drop(&mut self) {
        // Frees the nodes (their owners hold their own references).
        self.wake_all();
    }
}

/// A pending future's registration: its node, created at the first poll that
/// has to wait and reused by later polls. Drop it (or call
/// [`release`](Self::release)) when the future completes or is dropped.
///
/// # Examples
///
/// ```
/// use ring_core::{Config, spsc, wait::{AsyncWait, Waitable}};
/// use std::task::{Context, Poll, Waker};
/// let (mut tx, mut rx) = spsc::channel::<u8>(Config::default());
/// let mut wait = AsyncWait::new();
/// let mut cx = Context::from_waker(Waker::noop());
/// let poll = wait.poll_until(&mut rx, &mut cx, |rx| rx.try_recv().ok());
/// assert_eq!(poll, Poll::Pending); // registered: the next commit wakes us
/// tx.try_send(4).unwrap();
/// assert_eq!(wait.poll_until(&mut rx, &mut cx, |rx| rx.try_recv().ok()), Poll::Ready(4));
/// wait.release(&rx);
/// ```
#[derive(Debug, Default)]
pub struct AsyncWait {
    node: Option<Arc<WakerNode>>,
}

impl AsyncWait {
    /// A registration that has not waited yet (allocates nothing).
    ///
    /// # Examples
    ///
    /// ```
    /// let wait = ring_core::wait::AsyncWait::new();
    /// assert!(!wait.is_registered());
    /// ```
    pub fn new() -> Self {
        Self { node: None }
    }

    /// Whether a poll has registered a waker (diagnostics).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, spsc, wait::AsyncWait};
    /// use std::task::{Context, Waker};
    /// let (_tx, mut rx) = spsc::channel::<u8>(Config::default());
    /// let mut wait = AsyncWait::new();
    /// let _ = wait.poll_until(&mut rx, &mut Context::from_waker(Waker::noop()), |rx| rx.try_recv().ok());
    /// assert!(wait.is_registered());
    /// ```
    pub fn is_registered(&self) -> bool {
        self.node.is_some()
    }

    /// Polls `poll` once; if it is not ready, registers the context's waker
    /// on the endpoint's doorbell, pays the heavy fence and polls again, so a
    /// commit (or close) racing with the registration is never missed. The
    /// async counterpart of [`wait_until`].
    ///
    /// A doorbell without a process-local side (a ring shared with another
    /// process) cannot hold wakers: the task is then woken at once and polls
    /// again (a documented busy poll; in-process rings never do this).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, spsc, wait::AsyncWait};
    /// use std::task::{Context, Poll, Waker};
    /// let (mut tx, mut rx) = spsc::channel::<u8>(Config::default());
    /// tx.try_send(1).unwrap();
    /// let mut wait = AsyncWait::new();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// // Ready at the first poll: nothing registered, no RMW.
    /// assert_eq!(wait.poll_until(&mut rx, &mut cx, |rx| rx.try_recv().ok()), Poll::Ready(1));
    /// assert!(!wait.is_registered());
    /// ```
    pub fn poll_until<E: Waitable + ?Sized, R>(
        &mut self,
        ep: &mut E,
        cx: &mut Context<'_>,
        mut poll: impl FnMut(&mut E) -> Option<R>,
    ) -> Poll<R> {
        if let Some(r) = poll(ep) {
            return Poll::Ready(r);
        }
        // A short spin (exponential steps, 15 pauses in all): a peer that is
        // mid-burst usually publishes within it, sparing both sides the
        // registration (its RMWs and heavy fence) and the wake-up. Fewer
        // polls than the blocking driver's spin phase: polling after every
        // pause here cost a quarter of 1 -> 1 async throughput (the polls
        // take the producer's line from it).
        for step in 0..ASYNC_SPIN_STEPS {
            spin_step(step);
            if let Some(r) = poll(ep) {
                return Poll::Ready(r);
            }
        }
        let bell = ep.doorbell();
        match bell.local {
            Some(local) => {
                let node = self.node.get_or_insert_with(|| Arc::new(WakerNode::new()));
                node.register(cx.waker());
                local.wakers.push(node);
                // ORDERING: Release RMW; pairs with the Acquire `fetch_and` in
                // `Doorbell::ring`: a committer that clears the bit we set sees
                // our node on the list. The heavy fence below orders it before
                // our re-check (the store-buffering pair with the committer's
                // light fence, as a futex sleeper's registration).
                bell.bell
                    .waiters
                    .fetch_or(Doorbell::WAKER, Ordering::Release);
                bell.mode.heavy();
            }
            None => cx.waker().wake_by_ref(),
        }
        match poll(ep) {
            Some(r) => Poll::Ready(r),
            None => Poll::Pending,
        }
    }

    /// Drops the registration: the stored waker is dropped and the node is
    /// counted as dead, so the doorbell's list is compacted if cancelled
    /// futures pile up on an idle channel.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, spsc, wait::AsyncWait};
    /// use std::task::{Context, Waker};
    /// let (_tx, mut rx) = spsc::channel::<u8>(Config::default());
    /// let mut wait = AsyncWait::new();
    /// let _ = wait.poll_until(&mut rx, &mut Context::from_waker(Waker::noop()), |rx| rx.try_recv().ok());
    /// wait.release(&rx); // the future was cancelled
    /// assert!(!wait.is_registered());
    /// ```
    pub fn release<E: Waitable + ?Sized>(&mut self, ep: &E) {
        if let Some(node) = self.node.take() {
            drop(node.take());
            // ORDERING: Relaxed; only decides whether to count a heuristic.
            if node.queued.load(Ordering::Relaxed)
                && let Some(local) = ep.doorbell().local
            {
                // ORDERING: Relaxed; a heuristic count.
                local.wakers.dead.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

impl Drop for AsyncWait {
    fn drop(&mut self) {
        if let Some(node) = self.node.take() {
            drop(node.take());
        }
    }
}

#[cfg(all(test, not(ring_loom)))]
mod tests {
    use super::*;
    use crate::sync::AtomicUsize;
    use core::task::Waker;

    /// Counts wake-ups.
    struct Count(AtomicUsize);

    impl alloc::task::Wake for Count {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            // ORDERING: Relaxed; a test counter read after the wakes on this thread.
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The shim's `Arc` is std's outside loom, which `Waker::from` takes.
    fn counting() -> (Arc<Count>, Waker) {
        let c = Arc::new(Count(AtomicUsize::new(0)));
        (c.clone(), Waker::from(c))
    }

    fn wakes(c: &Count) -> usize {
        // ORDERING: Relaxed; single-threaded test.
        c.0.load(Ordering::Relaxed)
    }

    fn queued(list: &WakerList) -> usize {
        let mut n = 0;
        // ORDERING: Relaxed; single-threaded test walking its own list.
        let mut p = list.head.load(Ordering::Relaxed);
        while !p.is_null() {
            n += 1;
            // SAFETY: a queued node, kept alive by the list's reference.
            p = unsafe { &*p }.next.load(Ordering::Relaxed);
        }
        n
    }

    #[test]
    fn a_node_is_queued_once_and_woken_through_its_latest_waker() {
        let list = WakerList::new();
        let node = Arc::new(WakerNode::new());
        let (old, w_old) = counting();
        let (new, w_new) = counting();
        node.register(&w_old);
        list.push(&node);
        node.register(&w_new);
        list.push(&node);
        assert_eq!(queued(&list), 1);
        list.wake_all();
        assert_eq!((wakes(&old), wakes(&new)), (0, 1));
        assert_eq!(queued(&list), 0);
        list.wake_all(); // empty: nothing to wake
        assert_eq!(wakes(&new), 1);
    }

    #[test]
    fn cancelled_registrations_do_not_pile_up() {
        let list = WakerList::new();
        let (live_count, live_w) = counting();
        let live = Arc::new(WakerNode::new());
        live.register(&live_w);
        list.push(&live);
        for _ in 0..1000 {
            let node = Arc::new(WakerNode::new());
            node.register(Waker::noop());
            list.push(&node);
            drop(node.take());
            // ORDERING: Relaxed; as `AsyncWait::release`.
            list.dead.fetch_add(1, Ordering::Relaxed);
        }
        assert!(
            queued(&list) <= 2 * COMPACT_LEN + 2,
            "{} queued",
            queued(&list)
        );
        // Compaction woke the live task (spuriously): it re-registers.
        assert!(wakes(&live_count) >= 1);
    }
}
