//! # ring-wait
//!
//! Waiting and notification for the `ringmpsc` rings: readiness through an
//! eventfd for consumers that sleep in `epoll`, mio or tokio next to their
//! sockets ([`EventNotifier`]), a consumer thread with a handler that drains
//! on stop ([`EventLoop`]), and the wait primitives ([`WaitStrategy`],
//! [`Waiter`], [`Backoff`]).
//!
//! The blocking driver itself (the six strategies, the futex doorbell, the
//! lost-wake-up-free sleep protocol) lives in ring-core and is shared by every
//! channel family; this crate re-exports its user-facing types.
//!
//! ## Guarantees
//!
//! - **A busy consumer costs no system call.** A ring signals its
//!   [`EventNotifier`] only while the consumer is armed (`consumer.arm()` until
//!   `consumer.disarm()`); outside that window a commit reads one word and
//!   writes nothing.
//! - **No lost wake-up.** An armed consumer is signalled for every commit and
//!   for a close; an item committed between `arm()` returning `false` and the
//!   sleep makes the eventfd readable (loom-checked in `tests/loom.rs`).
//! - **No atomic read-modify-write per item in [`EventLoop`]**: one plain
//!   store of the processed count per batch; [`EventLoop::stop`] closes the
//!   channel and wakes the loop at once, and the loop hands out everything
//!   committed before the close.
//! - **Allocation**: [`EventNotifier::new`] allocates one `Arc` and opens one
//!   eventfd; [`EventLoop::spawn`] allocates once and starts one thread.
//!   Nothing here allocates per item.
//! - No `unsafe` code (`#![forbid(unsafe_code)]`): the eventfd and epoll calls
//!   go through `nix`'s safe wrappers.
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | (none) | | [`EventNotifier`] is Linux-only (eventfd, epoll); [`EventLoop`], [`Backoff`], [`Waiter`] and [`WaitStrategy`] are portable. |
//! | `async` | | [`AsyncRecvExt`] / [`AsyncSendExt`]: `Future`, `Stream` and `Sink` for every endpoint, woken through the doorbell's waker slot; no executor dependency. |
//!
//! ## Threading model
//!
//! - [`EventNotifier`] is `Send + Sync + Clone`: clones share one eventfd
//!   (behind an `Arc`), so the ring's producer thread signals it while the
//!   consumer's thread (or a tokio reactor) waits on it.
//! - [`EventLoop`] is `Send + Sync`: any thread may call
//!   [`stop`](EventLoop::stop) and [`processed`](EventLoop::processed);
//!   [`join`](EventLoop::join) takes it by value. The consumer and the handler
//!   move into the loop's thread (so both must be `Send`) and are only ever
//!   touched there.
//! - [`Backoff`] and [`Waiter`] are `Send` and meant for one thread's loop.
//! - Channel handles keep ring-core's rules: `Send`, never `Sync`.
//!
//! ## Example
//!
//! A consumer that sleeps in epoll until its ring has items:
//!
//! ```
//! use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollTimeout};
//! use ring_core::{Config, TryRecvError, spsc};
//! use ring_wait::EventNotifier;
//!
//! # fn main() -> std::io::Result<()> {
//! let (mut tx, mut rx) = spsc::channel::<u32>(Config::default());
//! let notifier = EventNotifier::new()?;
//! rx.set_notifier(Some(notifier.clone()));
//! let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?;
//! notifier.register_epoll(&epoll)?;
//!
//! let producer = std::thread::spawn(move || {
//!     for i in 1..=10 {
//!         tx.send(i).unwrap();
//!     }
//! });
//! let (mut got, mut events) = (Vec::new(), [EpollEvent::empty(); 8]);
//! loop {
//!     match rx.try_recv() {
//!         Ok(v) => got.push(v),
//!         Err(TryRecvError::Closed) => break,
//!         Err(TryRecvError::Empty) => {
//!             if !rx.arm() {
//!                 // Nothing waiting and armed: the next commit (or the close)
//!                 // makes the eventfd readable.
//!                 epoll.wait(&mut events, EpollTimeout::NONE)?;
//!             }
//!             rx.disarm();
//!             notifier.consume();
//!         }
//!     }
//! }
//! producer.join().unwrap();
//! assert_eq!(got, (1..=10).collect::<Vec<_>>());
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

#[cfg(feature = "async")]
mod asynch;
mod backoff;
mod event_loop;
#[cfg(target_os = "linux")]
mod notifier;

#[cfg(feature = "async")]
pub use asynch::{
    AsyncRecvExt, AsyncSendExt, RecvFuture, RecvManyFuture, RecvStream, ReserveFuture, SendFuture,
    SendSink,
};
pub use backoff::Backoff;
pub use event_loop::{EventLoop, EventLoopError};
#[cfg(target_os = "linux")]
pub use notifier::EventNotifier;

#[doc(inline)]
pub use ring_core::WaitStrategy;
#[doc(inline)]
pub use ring_core::wait::{Closer, Phase, TimedOut, Waiter};
