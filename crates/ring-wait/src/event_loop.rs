//! [`EventLoop`]: a thread that feeds every item of a channel to a handler,
//! sleeps per a [`WaitStrategy`] while idle, and drains everything on stop.

use std::any::Any;
use std::fmt;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::thread::JoinHandle;

use ring_core::TryRecvError;
use ring_core::WaitStrategy;
use ring_core::sync::{Arc, AtomicU64, Ordering};
use ring_core::wait::{Closer, RecvEndpoint, wait_until};
use thiserror::Error;

/// Items handled between two stores of the processed count.
const BATCH: u64 = 256;

/// Why an [`EventLoop`] did not run to a clean end.
///
/// # Examples
///
/// ```
/// use ring_core::{Config, WaitStrategy, spsc};
/// use ring_wait::{EventLoop, EventLoopError};
///
/// let (mut tx, rx) = spsc::channel::<&'static str>(Config::default());
/// tx.send("poison").unwrap();
/// let el = EventLoop::spawn(rx, |m: &str| panic!("{m}"), WaitStrategy::Blocking);
/// let err = el.join().unwrap_err();
/// assert!(matches!(err, EventLoopError::HandlerPanicked { processed: 0, .. }));
/// assert_eq!(err.to_string(), "event loop handler panicked after 0 items: poison");
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum EventLoopError {
    /// The handler (or the consumer) panicked. The loop closed the channel
    /// and dropped the consumer, so senders see `Closed`; the items still in
    /// the ring are dropped, never handled.
    #[error("event loop handler panicked after {processed} items: {message}")]
    HandlerPanicked {
        /// Items whose handler call returned before the panic.
        processed: u64,
        /// The panic message (`"<non-string panic payload>"` when it was not a string).
        message: String,
    },
    /// The OS could not start the loop's thread.
    #[error("could not spawn the event loop thread")]
    Spawn(#[source] io::Error),
}

/// A thread that hands every item of a channel to a handler.
///
/// The loop receives in batches (no atomic read-modify-write per item: one
/// plain store of the processed count per batch of up to 256), and when the
/// channel is empty it waits per its [`WaitStrategy`] through ring-core's
/// blocking driver; an idle timeout never ends it (`TimedBlocking(d)` just
/// waits again after `d`). It ends when the channel is closed and drained:
/// by [`stop`](Self::stop), or by the senders closing it. The handler runs on
/// the loop's thread only.
///
/// # Stopping
///
/// [`stop`](Self::stop) closes the channel from the calling thread (through
/// the consumer's [`Closer`]), which wakes the loop wherever it waits (the
/// futex included). The loop then receives everything committed before the
/// close, hands it to the handler, sees `Closed` and exits;
/// [`join`](Self::join) returns the number of items handled. Every item whose
/// send returned `Ok` before `stop` was called is handled; from the close on,
/// sends fail with `Closed` and give the value back.
///
/// Dropping an `EventLoop` without `join` stops and joins it (and ignores
/// its result), so the loop's thread never outlives its handle.
///
/// # Examples
///
/// ```
/// use ring_core::{Config, WaitStrategy, spsc};
/// use ring_wait::EventLoop;
///
/// let (mut tx, rx) = spsc::channel::<u64>(Config::default());
/// let (sum_tx, sum_rx) = std::sync::mpsc::channel();
/// let mut sum = 0;
/// let el = EventLoop::spawn(rx, move |v: u64| {
///     sum += v;
///     if v == 99 {
///         sum_tx.send(sum).unwrap();
///     }
/// }, WaitStrategy::Blocking);
/// for i in 0..100 {
///     tx.send(i).unwrap();
/// }
/// assert_eq!(sum_rx.recv().unwrap(), (0..100).sum::<u64>());
/// el.stop();
/// assert_eq!(el.join().unwrap(), 100);
/// assert!(tx.send(100).is_err()); // stop closed the channel
/// ```
pub struct EventLoop {
    closer: Closer,
    processed: Arc<AtomicU64>,
    thread: Option<JoinHandle<Result<u64, EventLoopError>>>,
}

impl fmt::Debug for EventLoop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventLoop")
            .field("processed", &self.processed())
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl EventLoop {
    /// Starts a thread that passes every item of `consumer` to `handler`,
    /// waiting per `strategy` while the channel is empty.
    ///
    /// # Panics
    ///
    /// If the OS cannot create a thread (as `std::thread::spawn`); use
    /// [`try_spawn`](Self::try_spawn) to get that as an error.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, WaitStrategy, spsc};
    /// use ring_wait::EventLoop;
    ///
    /// let (mut tx, rx) = spsc::channel::<u32>(Config::default());
    /// let el = EventLoop::spawn(rx, |_v: u32| {}, WaitStrategy::Yielding);
    /// tx.send(1).unwrap();
    /// drop(tx); // closing from the sending side also ends the loop, after the drain
    /// assert_eq!(el.join().unwrap(), 1);
    /// ```
    pub fn spawn<C, F>(consumer: C, handler: F, strategy: WaitStrategy) -> EventLoop
    where
        C: RecvEndpoint + Send + 'static,
        C::Item: Send + 'static,
        F: FnMut(C::Item) + Send + 'static,
    {
        match Self::try_spawn(consumer, handler, strategy) {
            Ok(el) => el,
            Err(e) => panic!("failed to spawn the event loop thread: {e}"),
        }
    }

    /// As [`spawn`](Self::spawn), reporting a failure to create the thread.
    ///
    /// # Errors
    ///
    /// [`EventLoopError::Spawn`] with the OS error; the consumer and handler
    /// are dropped (dropping the consumer closes the channel).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, WaitStrategy, spsc};
    /// use ring_wait::EventLoop;
    ///
    /// let (_tx, rx) = spsc::channel::<u32>(Config::default());
    /// let el = EventLoop::try_spawn(rx, |_v: u32| {}, WaitStrategy::Blocking)?;
    /// el.stop();
    /// assert_eq!(el.join()?, 0);
    /// # Ok::<(), ring_wait::EventLoopError>(())
    /// ```
    pub fn try_spawn<C, F>(
        consumer: C,
        handler: F,
        strategy: WaitStrategy,
    ) -> Result<EventLoop, EventLoopError>
    where
        C: RecvEndpoint + Send + 'static,
        C::Item: Send + 'static,
        F: FnMut(C::Item) + Send + 'static,
    {
        let closer = consumer.closer();
        let processed = Arc::new(AtomicU64::new(0));
        let shared = Arc::clone(&processed);
        let thread = std::thread::Builder::new()
            .name("ring-wait-event-loop".into())
            .spawn(move || thread_main(consumer, handler, strategy, &shared))
            .map_err(EventLoopError::Spawn)?;
        Ok(EventLoop {
            closer,
            processed,
            thread: Some(thread),
        })
    }

    /// Closes the channel and wakes the loop, which then handles everything
    /// committed before the close and exits (idempotent; does not wait:
    /// [`join`](Self::join) does).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, WaitStrategy, spsc};
    /// use ring_wait::EventLoop;
    ///
    /// let (mut tx, rx) = spsc::channel::<u32>(Config::default());
    /// for i in 0..10 {
    ///     tx.send(i).unwrap();
    /// }
    /// let el = EventLoop::spawn(rx, |_v: u32| {}, WaitStrategy::Blocking);
    /// el.stop();
    /// el.stop(); // idempotent
    /// assert_eq!(el.join().unwrap(), 10); // all ten were committed before stop
    /// ```
    pub fn stop(&self) {
        self.closer.close();
    }

    /// Items handled so far (updated once per batch, so it may lag the
    /// handler by up to one batch while the loop runs; exact after the loop
    /// ended).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, WaitStrategy, spsc};
    /// use ring_wait::EventLoop;
    ///
    /// let (_tx, rx) = spsc::channel::<u32>(Config::default());
    /// let el = EventLoop::spawn(rx, |_v: u32| {}, WaitStrategy::Blocking);
    /// assert_eq!(el.processed(), 0);
    /// ```
    pub fn processed(&self) -> u64 {
        // ORDERING: Relaxed; a progress counter that orders nothing.
        self.processed.load(Ordering::Relaxed)
    }

    /// True once the loop's thread has ended (then `join` does not block).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, WaitStrategy, spsc};
    /// use ring_wait::EventLoop;
    ///
    /// let (tx, rx) = spsc::channel::<u32>(Config::default());
    /// let el = EventLoop::spawn(rx, |_v: u32| {}, WaitStrategy::Blocking);
    /// drop(tx);
    /// while !el.is_finished() {
    ///     std::thread::yield_now();
    /// }
    /// assert_eq!(el.join().unwrap(), 0);
    /// ```
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Waits for the loop to end and returns the number of items handled.
    ///
    /// Does not stop the loop: call [`stop`](Self::stop) first, or close the
    /// channel from the sending side.
    ///
    /// # Errors
    ///
    /// [`EventLoopError::HandlerPanicked`] if the handler panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, WaitStrategy, spsc};
    /// use ring_wait::{EventLoop, EventLoopError};
    ///
    /// let (mut tx, rx) = spsc::channel::<u32>(Config::default());
    /// let el = EventLoop::spawn(rx, |v: u32| assert!(v < 3, "bad item {v}"), WaitStrategy::Blocking);
    /// for i in 0..5 {
    ///     let _ = tx.send(i); // fails once the dead loop has closed the channel
    /// }
    /// drop(tx);
    /// match el.join() {
    ///     Err(EventLoopError::HandlerPanicked { processed, message }) => {
    ///         assert_eq!(processed, 3);
    ///         assert!(message.contains("bad item 3"));
    ///     }
    ///     other => panic!("unexpected {other:?}"),
    /// }
    /// ```
    pub fn join(mut self) -> Result<u64, EventLoopError> {
        self.join_inner()
    }

    fn join_inner(&mut self) -> Result<u64, EventLoopError> {
        let Some(thread) = self.thread.take() else {
            return Ok(self.processed());
        };
        match thread.join() {
            Ok(r) => r,
            // Only a panic outside the guarded loop (while dropping the
            // consumer, say) gets here.
            Err(payload) => Err(EventLoopError::HandlerPanicked {
                processed: self.processed(),
                message: panic_message(&*payload),
            }),
        }
    }
}

impl Drop for EventLoop {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.stop();
            let _ = self.join_inner();
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
    }
}

fn thread_main<C, F>(
    mut consumer: C,
    mut handler: F,
    strategy: WaitStrategy,
    processed: &AtomicU64,
) -> Result<u64, EventLoopError>
where
    C: RecvEndpoint,
    F: FnMut(C::Item),
{
    let mut count = 0u64;
    let res = catch_unwind(AssertUnwindSafe(|| {
        run(&mut consumer, &mut handler, strategy, processed, &mut count);
    }));
    // ORDERING: Relaxed; `join` learns the final count from the thread's
    // result (the join synchronises); this store is for `processed()`.
    processed.store(count, Ordering::Relaxed);
    match res {
        Ok(()) => Ok(count),
        Err(payload) => {
            // Senders must not keep filling a ring nobody reads.
            consumer.close();
            Err(EventLoopError::HandlerPanicked {
                processed: count,
                message: panic_message(&*payload),
            })
        }
    }
}

/// The loop: batches of `try_recv` while items come, the blocking driver
/// while none do, until `Closed` (closed and drained).
fn run<C, F>(
    c: &mut C,
    handler: &mut F,
    strategy: WaitStrategy,
    processed: &AtomicU64,
    count: &mut u64,
) where
    C: RecvEndpoint,
    F: FnMut(C::Item),
{
    let mut first: Option<C::Item> = None;
    loop {
        let start = *count;
        let mut closed = false;
        if let Some(v) = first.take() {
            handler(v);
            *count += 1;
        }
        while *count - start < BATCH {
            match c.try_recv() {
                Ok(v) => {
                    handler(v);
                    *count += 1;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Closed) => {
                    closed = true;
                    break;
                }
            }
        }
        if *count != start {
            // ORDERING: Relaxed; a progress counter (one plain store per batch).
            processed.store(*count, Ordering::Relaxed);
        }
        if closed {
            return;
        }
        if *count - start == BATCH {
            continue;
        }
        // Idle: wait for an item or the close (a `stop` closes the channel,
        // which wakes the driver wherever it waits). A timeout is not an end.
        let woken = loop {
            let r = wait_until(c, strategy, |c| match c.try_recv() {
                Ok(v) => Some(Some(v)),
                Err(TryRecvError::Closed) => Some(None),
                Err(TryRecvError::Empty) => None,
            });
            if let Ok(w) = r {
                break w;
            }
        };
        match woken {
            Some(v) => first = Some(v),
            None => return,
        }
    }
}
