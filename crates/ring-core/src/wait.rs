//! Waiting: the six [`WaitStrategy`] behaviours, the [`Waiter`] that executes
//! one, the doorbell sleep protocol, and the one blocking driver every
//! endpoint uses ([`send_with`], [`recv_with`], [`wait_until`]).
//!
//! A sleeper registers on a [`Doorbell`], pays the
//! heavy side of the fence, re-checks its condition and only then sleeps on
//! the futex; the waker's hot path is a store, a compiler fence and one load
//! of the waiter count. The argument that no wake-up is lost is in
//! `docs/memory-ordering.md`.

use alloc::boxed::Box;
use core::fmt;
use core::time::Duration;
use std::time::Instant;

use crate::Doorbell;
use crate::error::{RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError};
use crate::seams::Notify;
use crate::sync::{FenceMode, Mutex, Ordering, fence, spin_loop, yield_now};

/// How a blocking call waits while the ring is empty (receive) or full (send).
///
/// `send`/`recv` use [`Blocking`](WaitStrategy::Blocking); `send_timeout` and
/// `recv_timeout` use [`TimedBlocking`](WaitStrategy::TimedBlocking). Only
/// `TimedBlocking` ever gives up with a timeout; every strategy returns as
/// soon as the channel is closed.
///
/// # Examples
///
/// ```
/// use ring_core::{Config, WaitStrategy, spsc};
/// use std::time::Duration;
///
/// let (mut tx, mut rx) = spsc::channel::<u32>(Config::LOW_LATENCY);
/// tx.send_with(7, WaitStrategy::Yielding).unwrap();
/// assert_eq!(rx.recv_with(WaitStrategy::BusySpin), Ok(7));
/// let waited = rx.recv_with(WaitStrategy::TimedBlocking(Duration::from_millis(1)));
/// assert_eq!(waited, Err(ring_core::RecvTimeoutError::Timeout));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum WaitStrategy {
    /// Spin with a CPU hint forever: lowest latency, a full core while waiting.
    BusySpin,
    /// Spin briefly, then yield the CPU in a loop.
    Yielding,
    /// Spin, yield, then sleep for the given time between checks.
    Sleeping(Duration),
    /// Spin, yield, then sleep on the futex until woken: zero CPU while idle.
    #[default]
    Blocking,
    /// As `Blocking`, giving up after the given time.
    TimedBlocking(Duration),
    /// Spin `spin` times, yield `yield_` times, then sleep on the futex.
    PhasedBackoff {
        /// Spin steps before yielding.
        spin: u32,
        /// Yield steps before sleeping.
        yield_: u32,
    },
}

/// Spin steps before yielding. Step `k` spins `2^min(k, 6)` pause hints, so
/// the default spin phase is 15 pauses, then up to 16 yields. Measured on the
/// 2-vCPU VMs here (wake scenario, raw futex floor about 6.9 us): spinning
/// right after waking a peer delays that peer's wake-up (64 steps of 8
/// pauses: 23 us; 7 exponential steps: 11 us; 4 steps + 16 yields: 7.0-7.7 us),
/// while yields cost nothing measurable. See docs/benchmarks.md.
#[cfg(not(ring_loom))]
const SPIN_STEPS: u32 = 4;
#[cfg(ring_loom)]
const SPIN_STEPS: u32 = 1;
/// Yield steps before sleeping.
#[cfg(not(ring_loom))]
const YIELD_STEPS: u32 = 16;
#[cfg(ring_loom)]
const YIELD_STEPS: u32 = 0;
/// Largest exponent of a spin step (64 pauses).
const MAX_SPIN_SHIFT: u32 = 6;
/// The sleep of `Blocking` when there is no doorbell to sleep on.
const PARK_SLICE: Duration = Duration::from_micros(100);

/// A blocking wait reached its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedOut;

/// The phase a [`Waiter`] is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Spinning with CPU hints.
    Spin,
    /// Yielding the CPU.
    Yield,
    /// Sleeping for a fixed time between checks.
    Sleep(Duration),
    /// Sleeping on a doorbell until woken (or the deadline).
    Park,
}

/// The stateful executor of a [`WaitStrategy`]: call [`wait`](Waiter::wait)
/// in a loop until your condition holds, [`reset`](Waiter::reset) after success.
///
/// # Examples
///
/// ```
/// use ring_core::wait::Waiter;
/// use ring_core::WaitStrategy;
/// use std::time::Duration;
///
/// let mut w = Waiter::new(WaitStrategy::TimedBlocking(Duration::from_millis(2)));
/// let mut polls = 0;
/// while w.wait().is_ok() {
///     polls += 1; // re-check the condition here
/// }
/// assert!(polls > 0);
/// ```
#[derive(Debug, Clone)]
pub struct Waiter {
    strategy: WaitStrategy,
    step: u32,
    deadline: Option<Instant>,
}

impl Waiter {
    /// A waiter at its first step. The deadline of `TimedBlocking` starts now.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{WaitStrategy, wait::{Phase, Waiter}};
    /// let w = Waiter::new(WaitStrategy::BusySpin);
    /// assert_eq!(w.phase(), Phase::Spin);
    /// assert_eq!(w.remaining(), Ok(None)); // only `TimedBlocking` has a deadline
    /// ```
    pub fn new(strategy: WaitStrategy) -> Self {
        let deadline = match strategy {
            WaitStrategy::TimedBlocking(d) => {
                Some(Instant::now().checked_add(d).unwrap_or_else(far_future))
            }
            _ => None,
        };
        Self {
            strategy,
            step: 0,
            deadline,
        }
    }

    /// The strategy being executed.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{WaitStrategy, wait::Waiter};
    /// let w = Waiter::new(WaitStrategy::Yielding);
    /// assert_eq!(w.strategy(), WaitStrategy::Yielding);
    /// ```
    pub fn strategy(&self) -> WaitStrategy {
        self.strategy
    }

    /// Back to the first step; the deadline (if any) restarts now.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{WaitStrategy, wait::{Phase, Waiter}};
    /// let mut w = Waiter::new(WaitStrategy::PhasedBackoff { spin: 1, yield_: 0 });
    /// w.wait().unwrap(); // the one spin step
    /// assert_eq!(w.phase(), Phase::Park);
    /// w.reset();
    /// assert_eq!(w.phase(), Phase::Spin);
    /// ```
    pub fn reset(&mut self) {
        *self = Self::new(self.strategy);
    }

    /// The phase the next step is in.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{WaitStrategy, wait::{Phase, Waiter}};
    /// let mut w = Waiter::new(WaitStrategy::PhasedBackoff { spin: 1, yield_: 1 });
    /// assert_eq!(w.phase(), Phase::Spin);
    /// w.wait().unwrap();
    /// assert_eq!(w.phase(), Phase::Yield);
    /// w.wait().unwrap();
    /// assert_eq!(w.phase(), Phase::Park);
    /// ```
    pub fn phase(&self) -> Phase {
        let (spin, yields) = match self.strategy {
            WaitStrategy::BusySpin => return Phase::Spin,
            WaitStrategy::Yielding => (SPIN_STEPS, u32::MAX),
            WaitStrategy::PhasedBackoff { spin, yield_ } => (spin, yield_),
            _ => (SPIN_STEPS, YIELD_STEPS),
        };
        if self.step < spin {
            Phase::Spin
        } else if self.step - spin < yields {
            Phase::Yield
        } else if let WaitStrategy::Sleeping(d) = self.strategy {
            Phase::Sleep(d)
        } else {
            Phase::Park
        }
    }

    /// Time left before the deadline (`None`: no deadline).
    ///
    /// # Errors
    ///
    /// [`TimedOut`] once the deadline has passed.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{WaitStrategy, wait::{TimedOut, Waiter}};
    /// use std::time::Duration;
    /// let w = Waiter::new(WaitStrategy::TimedBlocking(Duration::from_secs(60)));
    /// assert!(w.remaining().unwrap().unwrap() <= Duration::from_secs(60));
    /// let w = Waiter::new(WaitStrategy::TimedBlocking(Duration::ZERO));
    /// assert_eq!(w.remaining(), Err(TimedOut));
    /// assert_eq!(Waiter::new(WaitStrategy::Blocking).remaining(), Ok(None)); // no deadline
    /// ```
    pub fn remaining(&self) -> Result<Option<Duration>, TimedOut> {
        match self.deadline {
            None => Ok(None),
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => Ok(Some(left)),
                _ => Err(TimedOut),
            },
        }
    }

    /// One step without a doorbell: spin, yield or sleep per the phase (the
    /// park phase sleeps a short slice, as there is nothing to be woken by).
    ///
    /// # Errors
    ///
    /// [`TimedOut`] once a `TimedBlocking` deadline has passed.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{WaitStrategy, wait::{TimedOut, Waiter}};
    /// use std::time::Duration;
    /// let mut w = Waiter::new(WaitStrategy::BusySpin);
    /// assert_eq!(w.wait(), Ok(())); // one spin step
    /// let mut w = Waiter::new(WaitStrategy::TimedBlocking(Duration::ZERO));
    /// assert_eq!(w.wait(), Err(TimedOut)); // the deadline has passed
    /// ```
    pub fn wait(&mut self) -> Result<(), TimedOut> {
        let left = self.remaining()?;
        match self.phase() {
            Phase::Spin => spin_step(self.step),
            Phase::Yield => yield_now(),
            Phase::Sleep(d) => sleep(d),
            Phase::Park => sleep(left.map_or(PARK_SLICE, |l| l.min(PARK_SLICE))),
        }
        self.step = self.step.saturating_add(1);
        Ok(())
    }

    fn advance(&mut self) {
        self.step = self.step.saturating_add(1);
    }
}

fn far_future() -> Instant {
    // About 30 years: effectively no deadline, without overflowing `Instant`.
    Instant::now() + Duration::from_secs(60 * 60 * 24 * 365 * 30)
}

#[inline]
fn spin_step(step: u32) {
    for _ in 0..1u32 << step.min(MAX_SPIN_SHIFT) {
        spin_loop();
    }
}

fn sleep(d: Duration) {
    #[cfg(not(ring_loom))]
    std::thread::sleep(d);
    #[cfg(ring_loom)]
    {
        let _ = d;
        yield_now();
    }
}

// ------------------------------------------------------------- doorbell ---

/// A doorbell as seen by one ring: the word, the fence mode, and whether the
/// futex is process-shared.
#[derive(Clone, Copy)]
pub struct DoorbellRef<'a> {
    bell: &'a Doorbell,
    mode: FenceMode,
    shared: bool,
}

impl fmt::Debug for DoorbellRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DoorbellRef")
            .field("mode", &self.mode)
            .field("shared", &self.shared)
            .finish()
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
        Self { bell, mode, shared }
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
            self.bell.ring(w, self.shared, None);
        }
    }
}

impl Doorbell {
    /// Wakes sleepers (if `w` has `NEED_WAKE` and this caller is the one that
    /// clears it) and the armed notifier (if `w` has the armed bit). The slow
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
    }
}

/// The consumer's optional notifier, set by `set_notifier`. Read by a
/// committing producer only while the consumer is armed.
#[derive(Default)]
pub struct NotifierSlot(Mutex<Option<Box<dyn Notify>>>);

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
        Self(Mutex::new(None))
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
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = n;
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
        if let Some(n) = &*self.0.lock().unwrap_or_else(|e| e.into_inner()) {
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
        DoorbellRef::new(&self.bell, self.mode, false)
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

    pub(crate) fn parts(&self) -> (&Doorbell, &NotifierSlot) {
        (&self.bell, &self.notifier)
    }
}

// ------------------------------------------------------------- endpoints ---

/// Something a blocking call can wait on: which doorbell to sleep on, plus
/// optional observation hooks. The wait seam of every endpoint.
pub trait Waitable {
    /// The doorbell this endpoint's blocking calls sleep on.
    fn doorbell(&self) -> DoorbellRef<'_>;
    /// True if the hooks want sleep durations measured.
    fn timed(&self) -> bool {
        false
    }
    /// One spin or yield step was taken.
    fn on_spin(&self) {}
    /// About to sleep.
    fn on_wait(&self) {}
    /// Woke after sleeping `slept`.
    fn on_wake(&self, slept: Duration) {
        let _ = slept;
    }
}

/// The sending side of any channel family, as the blocking driver, the event
/// loop and the benchmarks see it.
pub trait SendEndpoint: Waitable {
    /// The item type.
    type Item;
    /// Sends without blocking.
    ///
    /// # Errors
    ///
    /// `Full(v)` or `Closed(v)`, giving the value back.
    fn try_send(&mut self, value: Self::Item) -> Result<(), TrySendError<Self::Item>>;
    /// True once the channel is closed.
    fn is_closed(&self) -> bool;
    /// Closes the channel from the sending side.
    fn close(&mut self);
}

/// The receiving side of any channel family.
pub trait RecvEndpoint: Waitable + crate::endpoint::TryRecv {
    /// True once the channel is closed (items may remain).
    fn is_closed(&self) -> bool;
    /// Closes the channel from the receiving side (committed items stay receivable).
    fn close(&mut self);
    /// A handle that closes the channel from any thread (and wakes its sleepers).
    fn closer(&self) -> Closer
    where
        Self::Item: Send + 'static;
}

/// Closes a channel from any thread: for shutdown paths such as an event
/// loop's `stop()` while another thread owns the consumer. Closing is an
/// atomic flag plus wake-ups, so it is safe from anywhere; it is idempotent.
///
/// # Examples
///
/// ```
/// use ring_core::wait::RecvEndpoint;
/// let (_tx, mut rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
/// let closer = rx.closer();
/// let t = std::thread::spawn(move || rx.recv());
/// closer.close();
/// assert!(t.join().unwrap().is_err());
/// ```
pub struct Closer(Box<dyn Fn() + Send + Sync>);

impl fmt::Debug for Closer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Closer")
    }
}

impl Closer {
    /// A closer that runs `close` (which must be idempotent and thread-safe).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::wait::Closer;
    /// use std::sync::{Arc, atomic::{AtomicBool, Ordering}};
    /// let closed = Arc::new(AtomicBool::new(false));
    /// let flag = closed.clone();
    /// let closer = Closer::new(move || flag.store(true, Ordering::Release));
    /// closer.close();
    /// assert!(closed.load(Ordering::Acquire));
    /// ```
    pub fn new(close: impl Fn() + Send + Sync + 'static) -> Self {
        Self(Box::new(close))
    }

    /// Closes the channel and wakes everyone waiting on it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = ring_core::spsc::channel::<u8>(ring_core::Config::default());
    /// let closer = rx.closer();
    /// closer.close();
    /// closer.close(); // idempotent
    /// assert!(tx.is_closed());
    /// assert!(tx.try_send(1).unwrap_err().is_closed());
    /// ```
    pub fn close(&self) {
        (self.0)();
    }
}

/// Waits per `strategy` until `poll` returns `Some`: the one blocking driver.
///
/// `poll` is called first without waiting, then after every step; in the
/// park phase it is called once more after registering on the doorbell and
/// before sleeping, so a commit racing with the sleep is never missed.
///
/// # Errors
///
/// [`TimedOut`] when a `TimedBlocking` deadline passes with `poll` still `None`.
///
/// # Examples
///
/// ```
/// use ring_core::{Config, WaitStrategy, spsc, wait};
/// use std::time::Duration;
/// let (mut tx, mut rx) = spsc::channel::<u8>(Config::default());
/// tx.try_send(3).unwrap();
/// let got = wait::wait_until(&mut rx, WaitStrategy::Blocking, |rx| rx.try_recv().ok());
/// assert_eq!(got, Ok(3)); // ready at the first poll: no wait
/// let brief = WaitStrategy::TimedBlocking(Duration::from_millis(1));
/// assert_eq!(wait::wait_until(&mut rx, brief, |rx| rx.try_recv().ok()), Err(wait::TimedOut));
/// ```
pub fn wait_until<E: Waitable + ?Sized, R>(
    ep: &mut E,
    strategy: WaitStrategy,
    mut poll: impl FnMut(&mut E) -> Option<R>,
) -> Result<R, TimedOut> {
    if let Some(r) = poll(ep) {
        return Ok(r);
    }
    let mut w = Waiter::new(strategy);
    loop {
        let left = w.remaining()?;
        match w.phase() {
            Phase::Spin => {
                ep.on_spin();
                spin_step(w.step);
            }
            Phase::Yield => {
                ep.on_spin();
                yield_now();
            }
            // `Sleeping(d)` sleeps on the doorbell with `d` as its limit, so a
            // close (or an item, or room) ends the sleep at once, as with every
            // other strategy; it then polls every `d` at the latest.
            phase @ (Phase::Sleep(_) | Phase::Park) => {
                let limit = match phase {
                    Phase::Sleep(d) => Some(left.map_or(d, |l| l.min(d))),
                    _ => left,
                };
                let seq = ep.doorbell().register();
                if let Some(r) = poll(ep) {
                    ep.doorbell().unregister();
                    return Ok(r);
                }
                ep.on_wait();
                let t0 = ep.timed().then(Instant::now);
                ep.doorbell().sleep(seq, limit);
                ep.doorbell().unregister();
                if let Some(t0) = t0 {
                    ep.on_wake(t0.elapsed());
                }
            }
        }
        w.advance();
        if let Some(r) = poll(ep) {
            return Ok(r);
        }
    }
}

/// Blocking send through any [`SendEndpoint`].
///
/// # Errors
///
/// `Closed(v)` once the channel is closed; `Timeout(v)` only under `TimedBlocking`.
///
/// # Examples
///
/// ```
/// use ring_core::{Config, SendTimeoutError, WaitStrategy, spsc, wait};
/// let (mut tx, mut rx) = spsc::channel::<u8>(Config::default());
/// assert_eq!(wait::send_with(&mut tx, 1, WaitStrategy::Yielding), Ok(()));
/// assert_eq!(rx.try_recv(), Ok(1));
/// drop(rx);
/// assert_eq!(wait::send_with(&mut tx, 2, WaitStrategy::Blocking), Err(SendTimeoutError::Closed(2)));
/// ```
pub fn send_with<E: SendEndpoint + ?Sized>(
    ep: &mut E,
    value: E::Item,
    strategy: WaitStrategy,
) -> Result<(), SendTimeoutError<E::Item>> {
    let mut held = Some(value);
    let res = wait_until(ep, strategy, |ep| {
        let v = held
            .take()
            .expect("invariant: the value is held between attempts");
        match ep.try_send(v) {
            Ok(()) => Some(Ok(())),
            Err(TrySendError::Closed(v)) => Some(Err(v)),
            Err(TrySendError::Full(v)) => {
                held = Some(v);
                None
            }
        }
    });
    match res {
        Ok(Ok(())) => Ok(()),
        Ok(Err(v)) => Err(SendTimeoutError::Closed(v)),
        Err(TimedOut) => Err(SendTimeoutError::Timeout(
            held.take()
                .expect("invariant: a timed-out send holds its value"),
        )),
    }
}

/// Blocking receive through any [`RecvEndpoint`].
///
/// # Errors
///
/// `Closed` once closed and drained; `Timeout` only under `TimedBlocking`.
///
/// # Examples
///
/// ```
/// use ring_core::{Config, RecvTimeoutError, WaitStrategy, spsc, wait};
/// let (mut tx, mut rx) = spsc::channel::<u8>(Config::default());
/// tx.try_send(1).unwrap();
/// assert_eq!(wait::recv_with(&mut rx, WaitStrategy::BusySpin), Ok(1));
/// drop(tx);
/// assert_eq!(wait::recv_with(&mut rx, WaitStrategy::Blocking), Err(RecvTimeoutError::Closed));
/// ```
pub fn recv_with<E: RecvEndpoint + ?Sized>(
    ep: &mut E,
    strategy: WaitStrategy,
) -> Result<E::Item, RecvTimeoutError> {
    let res = wait_until(ep, strategy, |ep| match ep.try_recv() {
        Ok(v) => Some(Ok(v)),
        Err(TryRecvError::Closed) => Some(Err(RecvTimeoutError::Closed)),
        Err(TryRecvError::Empty) => None,
    });
    match res {
        Ok(r) => r,
        Err(TimedOut) => Err(RecvTimeoutError::Timeout),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_follow_the_strategy() {
        let mut w = Waiter::new(WaitStrategy::PhasedBackoff { spin: 1, yield_: 1 });
        assert_eq!(w.phase(), Phase::Spin);
        w.advance();
        assert_eq!(w.phase(), Phase::Yield);
        w.advance();
        assert_eq!(w.phase(), Phase::Park);
        let mut w = Waiter::new(WaitStrategy::Sleeping(Duration::from_micros(1)));
        for _ in 0..(SPIN_STEPS + YIELD_STEPS) {
            w.advance();
        }
        assert_eq!(w.phase(), Phase::Sleep(Duration::from_micros(1)));
        let mut w = Waiter::new(WaitStrategy::BusySpin);
        for _ in 0..1000 {
            w.advance();
        }
        assert_eq!(w.phase(), Phase::Spin);
    }

    #[test]
    fn only_timed_blocking_times_out() {
        let w = Waiter::new(WaitStrategy::TimedBlocking(Duration::ZERO));
        assert_eq!(w.remaining(), Err(TimedOut));
        let w = Waiter::new(WaitStrategy::Blocking);
        assert_eq!(w.remaining(), Ok(None));
        // A huge timeout does not overflow.
        let w = Waiter::new(WaitStrategy::TimedBlocking(Duration::MAX));
        assert!(w.remaining().unwrap().is_some());
    }
}
