//! [`Backoff`]: exponential spin-then-yield for hand-written retry loops.

use ring_core::sync;

/// Exponential backoff for a retry loop: spin a little, then yield, and tell
/// the caller when it is time to block instead.
///
/// A thin wrapper over `crossbeam_utils::Backoff` (through ring-core's loom
/// shim, so under `--cfg ring_loom` every step is a model yield). It holds no
/// OS resource and never sleeps: when [`is_completed`](Backoff::is_completed)
/// turns true, switch to a real wait (a [`Waiter`](crate::Waiter) with
/// [`WaitStrategy::Blocking`](crate::WaitStrategy::Blocking), or an
/// [`EventNotifier`](crate::EventNotifier) in an event loop).
///
/// `Send`, not `Sync` (its step counter is a `Cell`): one per retry loop.
///
/// ```compile_fail
/// fn share<T: Sync>(_: &T) {}
/// share(&ring_wait::Backoff::new()); // one backoff per thread's loop
/// ```
///
/// # Examples
///
/// ```
/// use ring_core::{Config, TrySendError, spsc};
/// use ring_wait::Backoff;
///
/// let (mut tx, mut rx) = spsc::channel::<u32>(Config::default().with_ring_bits(1));
/// tx.try_send(1).unwrap();
/// tx.try_send(2).unwrap();
/// let backoff = Backoff::new();
/// let mut v = 3;
/// loop {
///     match tx.try_send(v) {
///         Ok(()) => break,
///         Err(TrySendError::Full(back)) => {
///             v = back;
///             // Somebody else would drain; here we do it ourselves.
///             if backoff.is_completed() { rx.try_recv().unwrap(); } else { backoff.snooze(); }
///         }
///         Err(TrySendError::Closed(_)) => unreachable!(),
///     }
/// }
/// ```
#[derive(Debug, Default)]
pub struct Backoff(sync::Backoff);

impl Backoff {
    /// A backoff at its first step.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = ring_wait::Backoff::new();
    /// assert!(!b.is_completed());
    /// ```
    #[inline]
    pub fn new() -> Self {
        Self(sync::Backoff::new())
    }

    /// Back to the first step (after the awaited condition held).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = ring_wait::Backoff::new();
    /// while !b.is_completed() {
    ///     b.snooze();
    /// }
    /// b.reset();
    /// assert!(!b.is_completed());
    /// ```
    #[inline]
    pub fn reset(&self) {
        self.0.reset();
    }

    /// Backs off in a lock-free loop that another thread's progress ends
    /// soon (a CAS retry): spins with CPU hints, doubling each step up to a cap.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = ring_wait::Backoff::new();
    /// b.spin(); // a few pause instructions; never yields or sleeps
    /// ```
    #[inline]
    pub fn spin(&self) {
        self.0.spin();
    }

    /// Backs off while waiting for another thread (a full or empty ring):
    /// spins at first, then yields the CPU.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = ring_wait::Backoff::new();
    /// for _ in 0..4 {
    ///     b.snooze();
    /// }
    /// ```
    #[inline]
    pub fn snooze(&self) {
        self.0.snooze();
    }

    /// True once backing off has gone on long enough that the caller should
    /// block (sleep on a futex or an eventfd) instead.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = ring_wait::Backoff::new();
    /// let mut steps = 0;
    /// while !b.is_completed() {
    ///     b.snooze();
    ///     steps += 1;
    /// }
    /// assert!(steps > 0);
    /// ```
    #[inline]
    pub fn is_completed(&self) -> bool {
        self.0.is_completed()
    }
}
