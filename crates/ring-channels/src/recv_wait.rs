//! The receive side's waits, written once for the MPMC, MPSC, SPMC and byte
//! consumers: the shared driver [`wait::wait_until`] with its deadline
//! turned into [`RecvTimeoutError::Timeout`], and the batch receives' "take
//! what is there, and once closing take the rest, then `Closed`" loop. (The
//! broadcast subscriber waits on its own: its `RecvTimeoutError` has
//! `Lagged`.)

use ring_core::wait::{self, TimedOut, Waitable};
use ring_core::{RecvTimeoutError, WaitStrategy};

/// [`wait::wait_until`] for a receive: polls `poll` per `strategy` until it
/// answers; a `TimedBlocking` deadline that passes first gives `Timeout`.
pub(crate) fn recv_until<C: Waitable + ?Sized, R>(
    c: &mut C,
    strategy: WaitStrategy,
    poll: impl FnMut(&mut C) -> Option<Result<R, RecvTimeoutError>>,
) -> Result<R, RecvTimeoutError> {
    match wait::wait_until(c, strategy, poll) {
        Ok(r) => r,
        Err(TimedOut) => Err(RecvTimeoutError::Timeout),
    }
}

/// A batch receive waiting per `strategy`: `batch(c, false)` until it takes
/// something; once `closing(c)`, a last `batch(c, true)` (the pass that takes
/// what the close left behind), and `Closed` if that took nothing either.
pub(crate) fn batch_until<C: Waitable + ?Sized>(
    c: &mut C,
    strategy: WaitStrategy,
    mut closing: impl FnMut(&mut C) -> bool,
    mut batch: impl FnMut(&mut C, bool) -> usize,
) -> Result<usize, RecvTimeoutError> {
    recv_until(c, strategy, |c| {
        let n = batch(c, false);
        if n > 0 {
            return Some(Ok(n));
        }
        if closing(c) {
            let n = batch(c, true);
            return Some(if n > 0 {
                Ok(n)
            } else {
                Err(RecvTimeoutError::Closed)
            });
        }
        None
    })
}
