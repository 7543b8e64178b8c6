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

mod doorbell;
mod driver;
mod waker;

pub use doorbell::{DoorbellRef, NotifierSlot, WakeGroup};
pub use driver::{Closer, RecvEndpoint, SendEndpoint, Waitable, recv_with, send_with, wait_until};
pub use waker::{AsyncWait, WakerList, WakerNode};

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

/// Spin steps before yielding, for the default strategies: one pause hint
/// each, so a hand-over is seen one pause after it happens. (Until
/// 2026-12-08 step `k` spun `2^k` pauses, 1 + 2 + 4 + 8 in four steps: as
/// long a spin, but a poll only every 8 pauses at its end. With a poll
/// after each pause the disruptor crate's burst-1 shape went from 0.70-0.96x
/// its spinning handler to 0.97-1.14x and burst 10 from 0.77x to 1.0x,
/// alternating the two builds on the 2-vCPU VM; the `wake` round trip
/// (7.6-9.8 us p50 both ways) and blocking MPSC, SPMC and broadcast
/// throughput did not move. The async poll keeps the exponential steps, see
/// `ASYNC_SPIN_STEPS`.) Measured on the same VMs
/// earlier (wake scenario, raw futex floor about 6.9 us): spinning longer
/// right after waking a peer delays that peer's wake-up (64 steps of 8
/// pauses: 23 us; 7 exponential steps: 11 us; 4 steps + 16 yields: 7.0-7.7
/// us), while yields cost nothing measurable. See docs/benchmarks.md.
/// `BusySpin` and `PhasedBackoff` keep the exponential steps (`2^min(k, 6)`
/// pauses).
#[cfg(not(ring_loom))]
const SPIN_STEPS: u32 = 16;
#[cfg(ring_loom)]
const SPIN_STEPS: u32 = 1;
/// Spin steps of an async poll before it registers its waker: step `k`
/// spins `2^k` pauses (1 + 2 + 4 + 8).
#[cfg(not(ring_loom))]
const ASYNC_SPIN_STEPS: u32 = 4;
#[cfg(ring_loom)]
const ASYNC_SPIN_STEPS: u32 = 1;
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
            Phase::Spin => self.spin(),
            Phase::Yield => yield_now(),
            Phase::Sleep(d) => sleep(d),
            Phase::Park => sleep(left.map_or(PARK_SLICE, |l| l.min(PARK_SLICE))),
        }
        self.step = self.step.saturating_add(1);
        Ok(())
    }

    /// One spin step: a single pause for the default strategies (a poll
    /// after every pause), `2^min(step, 6)` pauses for `BusySpin` and
    /// `PhasedBackoff`.
    #[inline]
    pub(crate) fn spin(&self) {
        match self.strategy {
            WaitStrategy::BusySpin | WaitStrategy::PhasedBackoff { .. } => spin_step(self.step),
            _ => spin_loop(),
        }
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
