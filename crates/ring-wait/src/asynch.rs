//! `Future`, `Stream` and `Sink` adapters for every endpoint (feature `async`).
//!
//! Written once over ring-core's endpoint traits ([`RecvEndpoint`],
//! [`SendEndpoint`]): a family gets them by implementing its core. A pending
//! future registers its task's waker on the endpoint's doorbell (the waker
//! slot beside the futex word and the notifier) and is woken by the commit,
//! the freed room or the close it waits for: no timer, no polling loop, and
//! no atomic read-modify-write while the channel has items or room (a ready
//! poll is the plain non-blocking call). No executor is assumed.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use futures_core::Stream;
use futures_sink::Sink;
use ring_core::endpoint::Reserve;
use ring_core::wait::{AsyncWait, RecvEndpoint, SendEndpoint};
use ring_core::{RecvError, SendError, TryRecvError, TrySendError};

/// The item a consumer endpoint yields.
type Item<E> = <E as ring_core::endpoint::TryRecv>::Item;

/// One receive attempt as the async adapters see it: `Some` ends the wait.
fn try_recv_step<E: RecvEndpoint + ?Sized>(ep: &mut E) -> Option<Result<Item<E>, RecvError>> {
    match ep.try_recv() {
        Ok(v) => Some(Ok(v)),
        Err(TryRecvError::Closed) => Some(Err(RecvError)),
        Err(TryRecvError::Empty) => None,
    }
}

/// One send attempt of the value in `held`: `Some` ends the wait (the value
/// comes back in `Err` once closed), `None` keeps it in `held`.
fn try_send_step<E: SendEndpoint + ?Sized>(
    ep: &mut E,
    held: &mut Option<E::Item>,
) -> Option<Result<(), SendError<E::Item>>> {
    let v = held.take()?;
    match ep.try_send(v) {
        Ok(()) => Some(Ok(())),
        Err(TrySendError::Closed(v)) => Some(Err(SendError(v))),
        Err(TrySendError::Full(v)) => {
            *held = Some(v);
            None
        }
    }
}

// ------------------------------------------------------------- receiving ---

/// Async receiving for every consumer: `recv_async`, `recv_many_async`,
/// `into_stream`. Implemented for every [`RecvEndpoint`].
///
/// # Examples
///
/// ```
/// use ring_wait::AsyncRecvExt;
/// let (mut tx, mut rx) = ring_core::spsc::channel::<u32>(ring_core::Config::default());
/// let t = std::thread::spawn(move || tx.send(7).unwrap());
/// let got = futures_executor_lite(rx.recv_async());
/// assert_eq!(got, Ok(7));
/// t.join().unwrap();
/// # fn futures_executor_lite<F: std::future::Future>(f: F) -> F::Output {
/// #     let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// #     rt.block_on(f)
/// # }
/// ```
pub trait AsyncRecvExt: RecvEndpoint + Sized {
    /// Receives the next item, waiting without a thread while the channel is
    /// empty; `Err(RecvError)` once the channel is closed and drained.
    ///
    /// **Cancel safety**: the future takes nothing until it completes, so
    /// dropping it (a `select!` branch that lost) loses nothing: the item
    /// stays in the channel for the next receive.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_wait::AsyncRecvExt;
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u32>(ring_core::Config::default());
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// tx.try_send(1).unwrap();
    /// drop(tx);
    /// rt.block_on(async {
    ///     assert_eq!(rx.recv_async().await, Ok(1));
    ///     assert!(rx.recv_async().await.is_err()); // closed and drained
    /// });
    /// ```
    fn recv_async(&mut self) -> RecvFuture<'_, Self> {
        RecvFuture {
            ep: self,
            wait: AsyncWait::new(),
        }
    }

    /// Waits for at least one item, then moves up to `max` items into `buf`:
    /// `Ok(n)` with `1..=max` items appended, `Err(RecvError)` once closed and
    /// drained (nothing appended). `max == 0` resolves to `Ok(0)` at once.
    ///
    /// **Cancel safety**: nothing is taken until the future completes, and
    /// it completes in the poll that takes the items: dropping it loses nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_wait::AsyncRecvExt;
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u32>(ring_core::Config::default());
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// for i in 0..5 {
    ///     tx.try_send(i).unwrap();
    /// }
    /// let mut buf = Vec::new();
    /// rt.block_on(async {
    ///     assert_eq!(rx.recv_many_async(&mut buf, 3).await, Ok(3));
    ///     assert_eq!(rx.recv_many_async(&mut buf, 10).await, Ok(2));
    /// });
    /// assert_eq!(buf, [0, 1, 2, 3, 4]);
    /// ```
    fn recv_many_async<'a>(
        &'a mut self,
        buf: &'a mut Vec<Item<Self>>,
        max: usize,
    ) -> RecvManyFuture<'a, Self> {
        RecvManyFuture {
            ep: self,
            buf,
            max,
            wait: AsyncWait::new(),
        }
    }

    /// The consumer as a `Stream` of items, ending once the channel is
    /// closed and drained. Dropping the stream drops the consumer.
    ///
    /// **Cancel safety**: a `poll_next` that returns `Pending` takes nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_core::Stream;
    /// use ring_wait::AsyncRecvExt;
    /// use std::pin::pin;
    /// let (mut tx, rx) = ring_core::spsc::channel::<u32>(ring_core::Config::default());
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// tx.try_send(5).unwrap();
    /// drop(tx);
    /// let mut stream = pin!(rx.into_stream());
    /// let first = rt.block_on(std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)));
    /// assert_eq!(first, Some(5));
    /// let end = rt.block_on(std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)));
    /// assert_eq!(end, None);
    /// ```
    fn into_stream(self) -> RecvStream<Self> {
        RecvStream {
            ep: self,
            wait: AsyncWait::new(),
        }
    }
}

impl<E: RecvEndpoint> AsyncRecvExt for E {}

/// The future of [`AsyncRecvExt::recv_async`]. `Send` when the consumer is.
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct RecvFuture<'a, E: RecvEndpoint> {
    ep: &'a mut E,
    wait: AsyncWait,
}

// The future never pins its fields: it only holds a `&mut` and its registration.
impl<E: RecvEndpoint> Unpin for RecvFuture<'_, E> {}

impl<E: RecvEndpoint> Future for RecvFuture<'_, E> {
    type Output = Result<Item<E>, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.wait.poll_until(this.ep, cx, try_recv_step)
    }
}

impl<E: RecvEndpoint> Drop for RecvFuture<'_, E> {
    fn drop(&mut self) {
        self.wait.release(self.ep);
    }
}

/// The future of [`AsyncRecvExt::recv_many_async`]. `Send` when the consumer
/// and its items are.
#[must_use = "futures do nothing unless polled"]
pub struct RecvManyFuture<'a, E: RecvEndpoint> {
    ep: &'a mut E,
    buf: &'a mut Vec<Item<E>>,
    max: usize,
    wait: AsyncWait,
}

impl<E: RecvEndpoint + core::fmt::Debug> core::fmt::Debug for RecvManyFuture<'_, E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RecvManyFuture")
            .field("ep", &self.ep)
            .field("max", &self.max)
            .finish_non_exhaustive()
    }
}

// The future never pins its fields: it holds `&mut`s and its registration.
impl<E: RecvEndpoint> Unpin for RecvManyFuture<'_, E> {}

impl<E: RecvEndpoint> Future for RecvManyFuture<'_, E> {
    type Output = Result<usize, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.max == 0 {
            return Poll::Ready(Ok(0));
        }
        let first = match this.wait.poll_until(this.ep, cx, try_recv_step) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Ready(Ok(v)) => v,
        };
        this.buf.push(first);
        let mut n = 1;
        while n < this.max {
            match this.ep.try_recv() {
                Ok(v) => {
                    this.buf.push(v);
                    n += 1;
                }
                Err(_) => break,
            }
        }
        Poll::Ready(Ok(n))
    }
}

impl<E: RecvEndpoint> Drop for RecvManyFuture<'_, E> {
    fn drop(&mut self) {
        self.wait.release(self.ep);
    }
}

/// The stream of [`AsyncRecvExt::into_stream`]: every item until the channel
/// is closed and drained. [`into_inner`](Self::into_inner) gives the consumer back.
#[must_use = "streams do nothing unless polled"]
#[derive(Debug)]
pub struct RecvStream<E: RecvEndpoint> {
    ep: E,
    wait: AsyncWait,
}

// The stream never pins its fields (it polls the consumer through `&mut`).
impl<E: RecvEndpoint> Unpin for RecvStream<E> {}

impl<E: RecvEndpoint> RecvStream<E> {
    /// The consumer back, for blocking or non-blocking use.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_wait::AsyncRecvExt;
    /// let (mut tx, rx) = ring_core::spsc::channel::<u32>(ring_core::Config::default());
    /// let stream = rx.into_stream();
    /// tx.try_send(3).unwrap();
    /// let mut rx = stream.into_inner();
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// ```
    pub fn into_inner(mut self) -> E {
        self.wait.release(&self.ep);
        let RecvStream { ep, .. } = self;
        ep
    }
}

impl<E: RecvEndpoint> Stream for RecvStream<E> {
    type Item = Item<E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.wait
            .poll_until(&mut this.ep, cx, try_recv_step)
            .map(Result::ok)
    }
}

// ---------------------------------------------------------------- sending ---

/// Async sending for every producer: `send_async`, `into_sink`.
/// Implemented for every [`SendEndpoint`].
///
/// # Examples
///
/// ```
/// use ring_wait::AsyncSendExt;
/// let (mut tx, mut rx) = ring_core::spsc::channel::<u32>(ring_core::Config::default());
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(tx.send_async(9)).unwrap();
/// assert_eq!(rx.try_recv(), Ok(9));
/// ```
pub trait AsyncSendExt: SendEndpoint + Sized {
    /// Sends `value`, waiting without a thread while the channel is full;
    /// `Err(SendError(value))` once the channel is closed.
    ///
    /// **Cancel safety**: the future owns `value` until it is sent; dropping
    /// the future before it completes drops that value and nothing else
    /// (nothing already in the channel is affected).
    ///
    /// # Errors
    ///
    /// The future resolves to `Err(SendError(value))` once the channel is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::SendError;
    /// use ring_wait::AsyncSendExt;
    /// let (mut tx, rx) = ring_core::spsc::channel::<u32>(ring_core::Config::default());
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// drop(rx);
    /// assert_eq!(rt.block_on(tx.send_async(1)), Err(SendError(1)));
    /// ```
    fn send_async(&mut self, value: Self::Item) -> SendFuture<'_, Self> {
        SendFuture {
            ep: self,
            value: Some(value),
            wait: AsyncWait::new(),
        }
    }

    /// Reserves up to `n` contiguous slots (at least one; fewer at the wrap
    /// point), waiting without a thread while the ring is full; resolves to
    /// `None` once the channel is closed. Write and commit through the
    /// family's `Reservation` as after `reserve`.
    ///
    /// **Cancel safety**: nothing is reserved until the future completes, so
    /// dropping it loses nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_wait::AsyncSendExt;
    /// let (mut tx, mut rx) = ring_core::spsc::channel::<u32>(ring_core::Config::default());
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let r = tx.reserve_async(2).await.unwrap();
    ///     assert_eq!(r.copy_from_slice(&[1, 2]), 2);
    /// });
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// drop(rx);
    /// assert!(rt.block_on(tx.reserve_async(1)).is_none()); // closed
    /// ```
    fn reserve_async(&mut self, n: usize) -> ReserveFuture<'_, Self>
    where
        Self: Reserve,
    {
        ReserveFuture {
            ep: Some(self),
            n,
            wait: AsyncWait::new(),
        }
    }

    /// The producer as a `Sink` with room for one buffered item:
    /// `start_send` holds the item, `poll_ready`/`poll_flush` send it (waiting
    /// for room), `poll_close` flushes and then closes the channel from the
    /// sending side. An item refused because the channel closed comes back
    /// in `Err(SendError(item))`.
    ///
    /// **Cancel safety**: an item given to `start_send` stays in the sink
    /// until a flush sends it; dropping the sink drops it (and the producer).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_sink::Sink;
    /// use ring_wait::AsyncSendExt;
    /// use std::{future::poll_fn, pin::pin};
    /// let (tx, mut rx) = ring_core::spsc::channel::<u32>(ring_core::Config::default());
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let mut sink = pin!(tx.into_sink());
    /// rt.block_on(async {
    ///     poll_fn(|cx| sink.as_mut().poll_ready(cx)).await.unwrap();
    ///     sink.as_mut().start_send(4).unwrap();
    ///     poll_fn(|cx| sink.as_mut().poll_close(cx)).await.unwrap();
    /// });
    /// assert_eq!(rx.try_recv(), Ok(4));
    /// assert_eq!(rx.try_recv(), Err(ring_core::TryRecvError::Closed));
    /// ```
    fn into_sink(self) -> SendSink<Self> {
        SendSink {
            ep: self,
            held: None,
            wait: AsyncWait::new(),
        }
    }
}

impl<E: SendEndpoint> AsyncSendExt for E {}

/// The future of [`AsyncSendExt::send_async`]. `Send` when the producer and
/// the item are; never needs the item to be `Unpin`.
#[must_use = "futures do nothing unless polled"]
pub struct SendFuture<'a, E: SendEndpoint> {
    ep: &'a mut E,
    value: Option<E::Item>,
    wait: AsyncWait,
}

impl<E: SendEndpoint + core::fmt::Debug> core::fmt::Debug for SendFuture<'_, E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SendFuture")
            .field("ep", &self.ep)
            .field("pending", &self.value.is_some())
            .finish_non_exhaustive()
    }
}

// The future never pins its fields: the value is moved, never pinned.
impl<E: SendEndpoint> Unpin for SendFuture<'_, E> {}

impl<E: SendEndpoint> Future for SendFuture<'_, E> {
    type Output = Result<(), SendError<E::Item>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.value.is_none() {
            // Polled after completion: the `Future` contract allows anything
            // but a hang; report success of the send that already happened.
            return Poll::Ready(Ok(()));
        }
        let held = &mut this.value;
        this.wait
            .poll_until(this.ep, cx, |ep| try_send_step(ep, held))
    }
}

impl<E: SendEndpoint> Drop for SendFuture<'_, E> {
    fn drop(&mut self) {
        self.wait.release(self.ep);
    }
}

/// The future of [`AsyncSendExt::reserve_async`]. `Send` when the producer is.
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct ReserveFuture<'a, E: Reserve> {
    /// Taken when the future completes: the reservation borrows it.
    ep: Option<&'a mut E>,
    n: usize,
    wait: AsyncWait,
}

// The future never pins its fields: it holds a `&mut` and its registration.
impl<E: Reserve> Unpin for ReserveFuture<'_, E> {}

impl<'a, E: Reserve> Future for ReserveFuture<'a, E> {
    type Output = Option<E::Reservation<'a>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(ep) = this.ep.as_deref_mut() else {
            return Poll::Ready(None); // polled after completion
        };
        let room = this.wait.poll_until(ep, cx, |p| {
            if p.is_closed() {
                Some(false)
            } else {
                p.has_room().then_some(true)
            }
        });
        match room {
            Poll::Pending => Poll::Pending,
            Poll::Ready(room) => {
                let Some(ep) = this.ep.take() else {
                    return Poll::Ready(None);
                };
                this.wait.release(ep);
                // Room only grows while we hold `&mut`; `None` here is a close.
                Poll::Ready(if room {
                    ep.reserve_now(this.n.max(1))
                } else {
                    None
                })
            }
        }
    }
}

impl<E: Reserve> Drop for ReserveFuture<'_, E> {
    fn drop(&mut self) {
        if let Some(ep) = self.ep.as_deref() {
            self.wait.release(ep);
        }
    }
}

/// The sink of [`AsyncSendExt::into_sink`]. [`into_inner`](Self::into_inner)
/// gives the producer back.
#[must_use = "sinks do nothing unless polled"]
pub struct SendSink<E: SendEndpoint> {
    ep: E,
    held: Option<E::Item>,
    wait: AsyncWait,
}

impl<E: SendEndpoint + core::fmt::Debug> core::fmt::Debug for SendSink<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SendSink")
            .field("ep", &self.ep)
            .field("pending", &self.held.is_some())
            .finish_non_exhaustive()
    }
}

// The sink never pins its fields: the buffered item is moved, never pinned.
impl<E: SendEndpoint> Unpin for SendSink<E> {}

impl<E: SendEndpoint> SendSink<E> {
    /// The producer back, and the buffered item that no flush has sent yet.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_sink::Sink;
    /// use ring_wait::AsyncSendExt;
    /// use std::pin::Pin;
    /// let (tx, _rx) = ring_core::spsc::channel::<u32>(ring_core::Config::default());
    /// let mut sink = tx.into_sink();
    /// Pin::new(&mut sink).start_send(1).unwrap();
    /// let (_tx, unsent) = sink.into_inner();
    /// assert_eq!(unsent, Some(1));
    /// ```
    pub fn into_inner(mut self) -> (E, Option<E::Item>) {
        self.wait.release(&self.ep);
        let SendSink { ep, held, .. } = self;
        (ep, held)
    }

    fn poll_flush_held(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError<E::Item>>> {
        if self.held.is_none() {
            return Poll::Ready(Ok(()));
        }
        let held = &mut self.held;
        self.wait
            .poll_until(&mut self.ep, cx, |ep| try_send_step(ep, held))
    }
}

impl<E: SendEndpoint> Sink<E::Item> for SendSink<E> {
    type Error = SendError<E::Item>;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().poll_flush_held(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: E::Item) -> Result<(), Self::Error> {
        let this = self.get_mut();
        match this.held.take() {
            // `poll_ready` was not called (or not to completion): keep the
            // contract's "one item" and hand the new one back.
            Some(old) => {
                this.held = Some(old);
                Err(SendError(item))
            }
            None => {
                this.held = Some(item);
                Ok(())
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().poll_flush_held(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let this = self.get_mut();
        match this.poll_flush_held(cx) {
            Poll::Ready(Ok(())) => {
                this.ep.close();
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}
