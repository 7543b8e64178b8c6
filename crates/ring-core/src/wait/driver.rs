//! The endpoint traits and the one blocking driver every family's blocking calls run on.

use super::*;

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
                w.spin();
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
