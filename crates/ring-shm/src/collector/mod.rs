//! Many producer processes, one consumer: [`Collector`] (items of a
//! [`ShmSafe`] type) and [`ByteCollector`] (byte records), MPSC by ring
//! decomposition across processes.
//!
//! The collector listens on a Unix socket. Each process that
//! [`connect`]s gets a dedicated ring in a fresh sealed memfd (created and
//! consumed by the collector, produced by that process alone) plus the
//! collector's **doorbell file**: a small sealed memfd holding one
//! ring-core doorbell that every ring uses as its consumer doorbell, so
//! the collector sleeps on one futex word for all its producers and wakes
//! on any producer's commit. Both fds travel with [`fd_passing`]; the
//! producer validates both files as [`SharedRing::attach`] does.
//!
//! An acceptor thread serves the socket, so new producers are taken in
//! while the collector is blocked in `recv`, and watches a pidfd of each
//! connected process (taken from the socket's peer credentials, never from
//! anything the producer wrote): when one becomes readable, the process is
//! dead, its ring is closed, the collector receives what it had committed,
//! and then reclaims the ring. See `docs/shm-protocol.md`, "Collector".
//!
//! [`fd_passing`]: crate::fd_passing
//! [`SharedRing::attach`]: crate::SharedRing::attach

use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;
use std::fs::File;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::thread::JoinHandle;

use ring_core::sync::{Arc, AtomicBool, AtomicUsize, FenceMode, Mutex, MutexGuard, Ordering};
use ring_core::wait::{Closer, DoorbellRef};
use ring_core::{Config, RecvError, RecvTimeoutError, TryRecvError, WaitStrategy};

use crate::bell::{self, BellFile};
use crate::error::ShmError;
use crate::handle::{self, RemoteClose, Site, Waiting};
use crate::layout::ShmLayout;
use crate::liveness::DEFAULT_LIVENESS_INTERVAL;
use crate::region::Region;
use crate::ring::RingFile;
use crate::{SharedByteConsumer, SharedByteProducer, SharedConsumer, SharedProducer, ShmSafe};

mod socket;

/// How long [`connect`] waits for the collector's answer.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Permissions of the collector's socket file unless
/// [`bind_with_mode`](CollectorOf::bind_with_mode) says otherwise: the
/// owner only.
pub const DEFAULT_SOCKET_MODE: u32 = 0o600;

mod sealed {
    pub trait Sealed {}
}

/// What a collector's rings hold: [`Items<T>`] or [`Bytes`]. Sealed: it
/// only selects one of the two, the machinery is the same.
///
/// # Examples
///
/// ```
/// fn count<K: ring_shm::collector::CollectKind>(_: &ring_shm::collector::CollectorOf<K>) {}
/// ```
pub trait CollectKind: sealed::Sealed + Sized + 'static {
    /// What a receive returns: `T`, or the record as a `Vec<u8>`.
    type Item;
    /// What `consume_all`'s handler sees: `T`, or `[u8]`.
    type View: ?Sized;
    /// The producer handle [`connect`] or [`connect_bytes`] returns.
    type Producer;
    #[doc(hidden)]
    type Rx: Send + fmt::Debug;
    #[doc(hidden)]
    fn layout(config: Config) -> Result<ShmLayout, ShmError>;
    #[doc(hidden)]
    fn create(config: Config, bell: &BellMap) -> Result<(File, Self::Rx), ShmError>;
    #[doc(hidden)]
    fn attach(fd: OwnedFd, bell: BellMap) -> Result<Self::Producer, ShmError>;
    #[doc(hidden)]
    fn try_take(rx: &mut Self::Rx) -> Result<Self::Item, TryRecvError>;
    #[doc(hidden)]
    fn consume(rx: &mut Self::Rx, f: &mut dyn FnMut(&Self::View)) -> usize;
    #[doc(hidden)]
    fn finished(rx: &Self::Rx) -> bool;
    #[doc(hidden)]
    fn producer_alive(rx: &Self::Rx) -> bool;
    #[doc(hidden)]
    fn close(rx: &mut Self::Rx);
    #[doc(hidden)]
    fn remote_close(rx: &Self::Rx) -> RingCloser;
}

/// A mapped doorbell file (opaque; the collector's machinery).
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct BellMap(Arc<Region>);

/// Closes one ring from any thread (opaque; the collector's machinery).
#[doc(hidden)]
#[derive(Debug)]
pub struct RingCloser(RemoteClose);

/// Rings of items of one [`ShmSafe`] type (the kind of [`Collector<T>`]).
///
/// # Examples
///
/// ```
/// let _: Option<ring_shm::collector::CollectorOf<ring_shm::collector::Items<u64>>> = None;
/// ```
#[derive(Debug)]
pub struct Items<T>(PhantomData<fn() -> T>);

/// Rings of byte records (the kind of [`ByteCollector`]).
///
/// # Examples
///
/// ```
/// let _: Option<ring_shm::collector::CollectorOf<ring_shm::collector::Bytes>> = None;
/// ```
#[derive(Debug)]
pub struct Bytes;

impl<T: ShmSafe> sealed::Sealed for Items<T> {}
impl sealed::Sealed for Bytes {}

/// The [`CollectKind`] methods that only forward to the consumer handle
/// (`Rx`), the same for both kinds.
macro_rules! consumer_ops {
    () => {
        fn try_take(rx: &mut Self::Rx) -> Result<Self::Item, TryRecvError> {
            rx.try_recv()
        }
        fn consume(rx: &mut Self::Rx, f: &mut dyn FnMut(&Self::View)) -> usize {
            rx.consume_batch(f)
        }
        fn finished(rx: &Self::Rx) -> bool {
            rx.is_closed() && rx.is_empty()
        }
        fn producer_alive(rx: &Self::Rx) -> bool {
            rx.is_producer_alive()
        }
        fn close(rx: &mut Self::Rx) {
            rx.close();
        }
        fn remote_close(rx: &Self::Rx) -> RingCloser {
            RingCloser(rx.remote_close())
        }
    };
}

impl<T: ShmSafe + Send> CollectKind for Items<T> {
    type Item = T;
    type View = T;
    type Producer = SharedProducer<T>;
    type Rx = SharedConsumer<T>;
    fn layout(config: Config) -> Result<ShmLayout, ShmError> {
        ShmLayout::new::<T>(config.ring_bits())
    }
    fn create(config: Config, bell: &BellMap) -> Result<(File, Self::Rx), ShmError> {
        let file = RingFile::create(Self::layout(config)?)?;
        let rx = SharedConsumer::claim(Site::new(file.region.clone(), file.layout, Some(bell.0.clone())))?;
        Ok((file.file, rx))
    }
    fn attach(fd: OwnedFd, bell: BellMap) -> Result<Self::Producer, ShmError> {
        let file = RingFile::attach(fd, ShmLayout::new::<T>(0)?)?;
        SharedProducer::claim(Site::new(file.region, file.layout, Some(bell.0)))
    }
    consumer_ops!();
}

impl CollectKind for Bytes {
    type Item = Vec<u8>;
    type View = [u8];
    type Producer = SharedByteProducer;
    type Rx = SharedByteConsumer;
    fn layout(config: Config) -> Result<ShmLayout, ShmError> {
        ShmLayout::bytes(ring_core::bytes::byte_config(config).ring_bits())
    }
    fn create(config: Config, bell: &BellMap) -> Result<(File, Self::Rx), ShmError> {
        let file = RingFile::create(Self::layout(config)?)?;
        let rx = SharedByteConsumer::claim(Site::new(file.region.clone(), file.layout, Some(bell.0.clone())))?;
        Ok((file.file, rx))
    }
    fn attach(fd: OwnedFd, bell: BellMap) -> Result<Self::Producer, ShmError> {
        let file = RingFile::attach(fd, crate::bytes::expected_layout()?)?;
        SharedByteProducer::claim(Site::new(file.region, file.layout, Some(bell.0)))
    }
    consumer_ops!();
}

/// One producer's ring, as the collector holds it.
#[derive(Debug)]
struct Conn<K: CollectKind> {
    id: u64,
    /// The producer's pid at connect time (`SO_PEERCRED`; 0 if not visible).
    pid: u32,
    rx: K::Rx,
    /// True when the acceptor watches the producer's pidfd; false: judged
    /// from the ring header (`/proc`, heartbeats) between sleeps.
    watched: bool,
}

/// What the acceptor hands the collector, under the lock.
#[derive(Debug)]
struct Inbox<K: CollectKind> {
    new: Vec<Conn<K>>,
    /// Rings whose producer's pidfd became readable (the process is dead).
    dead: Vec<u64>,
    /// Rings the collector reclaimed (the acceptor drops their pidfds).
    reclaimed: Vec<u64>,
    /// A closer per ring not yet reclaimed, for `close` from any thread.
    closers: Vec<(u64, RingCloser)>,
}

/// The state the collector, its closers and its acceptor thread share.
#[derive(Debug)]
struct Shared<K: CollectKind> {
    inbox: Mutex<Inbox<K>>,
    /// Set (Release) when the inbox has news for the collector.
    news: AtomicBool,
    closed: AtomicBool,
    /// Rings handed to the collector and not yet reclaimed.
    count: AtomicUsize,
    bell: BellFile,
    mode: FenceMode,
    /// Write end of the acceptor's wake socket.
    wake: UnixStream,
}

impl<K: CollectKind> Shared<K> {
    fn lock(&self) -> MutexGuard<'_, Inbox<K>> {
        // A panic while holding the lock leaves the inbox consistent (pushes only).
        self.inbox.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn doorbell(&self) -> DoorbellRef<'_> {
        // SAFETY: the bell region was created with BELL_FILE_SIZE bytes and an
        // initialised doorbell, lives as long as `self`, and is only accessed
        // through the doorbell's atomics.
        let bell = unsafe { bell::doorbell_ptr(&self.bell.region).as_ref() };
        DoorbellRef::new(bell, self.mode, true)
    }

    /// Tells the collector the inbox has news and wakes it.
    fn notify(&self) {
        // ORDERING: Release; pairs with the Acquire swap in `absorb`: the inbox
        // changes (under the lock anyway) come before the flag.
        self.news.store(true, Ordering::Release);
        self.doorbell().ring();
    }

    /// Hands a new ring to the collector (closing it at once if the
    /// collector is closed already).
    fn admit(&self, conn: Conn<K>, closer: RingCloser) {
        let mut inbox = self.lock();
        // Under the lock: `close_all` sets the flag under it too, so this ring is
        // either closed here or among the closers `close_all` runs.
        if self.closed.load(Ordering::Relaxed) {
            closer.0.close();
        }
        inbox.closers.push((conn.id, closer));
        inbox.new.push(conn);
        // ORDERING: Relaxed; a count for `producer_count`, ordered by nothing.
        self.count.fetch_add(1, Ordering::Relaxed);
        self.notify();
    }

    /// Closes every ring (producers' next send is `Closed`, blocked ones
    /// wake) and stops the acceptor.
    fn close_all(&self) {
        let inbox = self.lock();
        // ORDERING: Release; pairs with the Acquire load in the acceptor's
        // `is_closed` and in the receives (they then see the rings closed).
        self.closed.store(true, Ordering::Release);
        for (_, c) in &inbox.closers {
            c.0.close();
        }
        drop(inbox);
        socket::wake(&self.wake);
        self.notify();
    }
}

/// The one collector type, over the kind of its rings; use it as
/// [`Collector<T>`] or [`ByteCollector`].
///
/// `Send`, not `Sync`, not `Clone` (one consumer thread); its
/// [`closer`](Self::closer) is `Send + Sync`. Dropping it closes every ring
/// (as [`close`](Self::close)), stops the acceptor thread, unmaps every
/// ring and removes the socket file if it is still the one it bound.
///
/// # Examples
///
/// ```no_run
/// use ring_shm::{Collector, connect};
///
/// let path = std::env::temp_dir().join("collector-doc.sock");
/// let mut rx = Collector::<u64>::bind(&path, ring_core::Config::default())?;
/// // In another process:
/// let mut tx = connect::<u64>(&path)?;
/// tx.send(7).unwrap();
/// assert_eq!(rx.recv(), Ok(7));
/// # Ok::<(), ring_shm::ShmError>(())
/// ```
///
/// ```compile_fail
/// fn share<T: Sync>(_: &T) {}
/// let rx = ring_shm::Collector::<u8>::bind("/tmp/c.sock", ring_core::Config::default()).unwrap();
/// share(&rx); // one consumer thread's end
/// ```
pub struct CollectorOf<K: CollectKind> {
    rings: Vec<Conn<K>>,
    shared: Arc<Shared<K>>,
    acceptor: Option<JoinHandle<()>>,
    path: socket::SocketPath,
    /// Where the next receive starts looking (rotates for fairness).
    next: usize,
    interval: Duration,
}

/// Many producer processes, one consumer, items of `T`: see
/// [`CollectorOf`] for every method.
///
/// # Examples
///
/// ```no_run
/// let mut rx = ring_shm::Collector::<[u64; 2]>::bind("/tmp/c.sock", ring_core::Config::default())?;
/// let _ = rx.try_recv(); // Err(Empty): no producer yet
/// # Ok::<(), ring_shm::ShmError>(())
/// ```
pub type Collector<T> = CollectorOf<Items<T>>;

/// Many producer processes, one consumer, byte records (each received as
/// a `Vec<u8>`): see [`CollectorOf`] for every method.
///
/// # Examples
///
/// ```no_run
/// let mut rx = ring_shm::ByteCollector::bind("/tmp/b.sock", ring_core::Config::default())?;
/// let mut tx = ring_shm::connect_bytes("/tmp/b.sock")?;
/// tx.send(b"hello").unwrap();
/// assert_eq!(rx.recv().unwrap(), b"hello");
/// # Ok::<(), ring_shm::ShmError>(())
/// ```
pub type ByteCollector = CollectorOf<Bytes>;

impl<K: CollectKind> fmt::Debug for CollectorOf<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Collector")
            .field("path", &self.path.path())
            .field("rings", &self.rings.len())
            .finish()
    }
}

/// Connects to the collector at `path` and returns the producer of a ring
/// of its own (validated as [`SharedRing::attach`](crate::SharedRing::attach)
/// validates, and so is the collector's doorbell file).
///
/// # Errors
///
/// [`ShmError::Io`] if the socket cannot be reached or the collector does
/// not answer within [`CONNECT_TIMEOUT`]; a validation error if the
/// collector's files are not what a collector of `T` sends (e.g.
/// [`ShmError::ElementSize`] for a collector of another type).
///
/// # Examples
///
/// ```no_run
/// let mut tx = ring_shm::connect::<u64>("/tmp/c.sock")?;
/// tx.send(1).unwrap();
/// # Ok::<(), ring_shm::ShmError>(())
/// ```
pub fn connect<T: ShmSafe + Send>(path: impl AsRef<Path>) -> Result<SharedProducer<T>, ShmError> {
    handshake::<Items<T>>(path.as_ref())
}

/// Connects to the [`ByteCollector`] at `path` and returns the producer of
/// a byte ring of its own (as [`connect`]).
///
/// # Errors
///
/// As [`connect`] ([`ShmError::Kind`] for a collector of items).
///
/// # Examples
///
/// ```no_run
/// let mut tx = ring_shm::connect_bytes("/tmp/b.sock")?;
/// tx.send(b"a line").unwrap();
/// # Ok::<(), ring_shm::ShmError>(())
/// ```
pub fn connect_bytes(path: impl AsRef<Path>) -> Result<SharedByteProducer, ShmError> {
    handshake::<Bytes>(path.as_ref())
}

/// The producer's side of the handshake: connect, receive the doorbell
/// file and the ring, validate both, take the producer role.
fn handshake<K: CollectKind>(path: &Path) -> Result<K::Producer, ShmError> {
    let conn = UnixStream::connect(path).map_err(|e| ShmError::io("connect", e))?;
    conn.set_read_timeout(Some(CONNECT_TIMEOUT))
        .map_err(|e| ShmError::io("setsockopt", e))?;
    let bell_fd = crate::fd_passing::recv_fd(&conn).map_err(|e| ShmError::io("recv_fd", e))?;
    let ring_fd = crate::fd_passing::recv_fd(&conn).map_err(|e| ShmError::io("recv_fd", e))?;
    let bell = BellFile::attach(bell_fd)?;
    K::attach(ring_fd, BellMap(bell))
}

impl<K: CollectKind> CollectorOf<K> {
    /// Binds the collector's socket at `path` (permissions
    /// [`DEFAULT_SOCKET_MODE`], 0600) and starts taking in producers; each
    /// gets a ring of `config.capacity()` slots (bytes, for a
    /// [`ByteCollector`]).
    ///
    /// The path must not exist: a file, a socket or a symlink there (even a
    /// dangling one) is an error, and nothing at the path is followed or
    /// removed.
    ///
    /// # Errors
    ///
    /// [`ShmError::Io`] (`AlreadyExists` from `link` when the path exists);
    /// [`ShmError::TooLarge`] if a ring of `config` cannot be laid out.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let rx = ring_shm::Collector::<u32>::bind("/tmp/c.sock", ring_core::Config::LOW_LATENCY)?;
    /// assert_eq!(rx.producer_count(), 0);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn bind(path: impl AsRef<Path>, config: Config) -> Result<Self, ShmError> {
        Self::bind_with_mode(path, config, DEFAULT_SOCKET_MODE)
    }

    /// As [`bind`](Self::bind), with the socket file's permissions `mode`
    /// (e.g. `0o660` to let a group connect).
    ///
    /// # Errors
    ///
    /// As [`bind`](Self::bind).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let rx = ring_shm::ByteCollector::bind_with_mode("/tmp/b.sock", ring_core::Config::default(), 0o660)?;
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn bind_with_mode(path: impl AsRef<Path>, config: Config, mode: u32) -> Result<Self, ShmError> {
        // Fail early, before anything exists, if the rings cannot be laid out.
        K::layout(config)?;
        let bell = BellFile::create()?;
        let (wake_tx, wake_rx) = UnixStream::pair().map_err(|e| ShmError::io("socketpair", e))?;
        for s in [&wake_tx, &wake_rx] {
            s.set_nonblocking(true)
                .map_err(|e| ShmError::io("fcntl(O_NONBLOCK)", e))?;
        }
        let (listener, path) = socket::SocketPath::bind(path.as_ref(), mode)?;
        listener
            .set_nonblocking(true)
            .map_err(|e| ShmError::io("fcntl(O_NONBLOCK)", e))?;
        let shared = Arc::new(Shared {
            inbox: Mutex::new(Inbox {
                new: Vec::new(),
                dead: Vec::new(),
                reclaimed: Vec::new(),
                closers: Vec::new(),
            }),
            news: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            count: AtomicUsize::new(0),
            bell,
            mode: FenceMode::detect_cross_process(),
            wake: wake_tx,
        });
        let s = shared.clone();
        let acceptor = std::thread::Builder::new()
            .name("ring-shm-collector".into())
            .spawn(move || socket::run(s, listener, wake_rx, config))
            .map_err(|e| ShmError::io("spawn", e))?;
        Ok(CollectorOf {
            rings: Vec::new(),
            shared,
            acceptor: Some(acceptor),
            path,
            next: 0,
            interval: DEFAULT_LIVENESS_INTERVAL,
        })
    }

    /// The socket's path.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let rx = ring_shm::Collector::<u8>::bind("/tmp/c.sock", ring_core::Config::default())?;
    /// assert_eq!(rx.path(), std::path::Path::new("/tmp/c.sock"));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn path(&self) -> &Path {
        self.path.path()
    }

    /// Takes in what the acceptor handed over: new rings, and the deaths
    /// of producers (their rings are closed: what they committed is still
    /// received, then the ring reports `Closed` and is reclaimed).
    fn absorb(&mut self) {
        // ORDERING: Relaxed; only decides whether to look (no RMW on the receive
        // path while nothing is new); the swap below orders what is taken.
        if !self.shared.news.load(Ordering::Relaxed) {
            return;
        }
        // ORDERING: Acquire; pairs with the Release store in `notify`.
        if !self.shared.news.swap(false, Ordering::Acquire) {
            return;
        }
        let mut inbox = self.shared.lock();
        self.rings.append(&mut inbox.new);
        let dead = core::mem::take(&mut inbox.dead);
        drop(inbox);
        for c in self.rings.iter_mut().filter(|c| dead.contains(&c.id)) {
            K::close(&mut c.rx);
        }
    }

    /// Drops the ring at `i`: its producer is gone (or it was closed) and
    /// everything it committed was received.
    fn reclaim(&mut self, i: usize) {
        let conn = self.rings.remove(i);
        let mut inbox = self.shared.lock();
        inbox.closers.retain(|(id, _)| *id != conn.id);
        inbox.reclaimed.push(conn.id);
        drop(inbox);
        drop(conn);
        // ORDERING: Relaxed; a count, ordered by nothing.
        self.shared.count.fetch_sub(1, Ordering::Relaxed);
        socket::wake(&self.shared.wake);
        if self.next > i {
            self.next -= 1;
        }
    }

    /// One pass over every ring from the rotating start: the first item
    /// found, `Some(Err(Closed))` once closed with nothing left, `None`
    /// when empty for now. Reclaims the rings found finished.
    fn poll(&mut self) -> Option<Result<K::Item, TryRecvError>> {
        self.absorb();
        let n = self.rings.len();
        let mut k = 0;
        while k < n.min(self.rings.len()) {
            let i = (self.next + k) % self.rings.len();
            match K::try_take(&mut self.rings[i].rx) {
                Ok(v) => {
                    self.next = i + 1;
                    return Some(Ok(v));
                }
                Err(TryRecvError::Empty) => k += 1,
                Err(TryRecvError::Closed) => self.reclaim(i),
            }
        }
        self.closed_and_drained()
            .then_some(Err(TryRecvError::Closed))
    }

    /// Closed, every ring reclaimed, and nothing left in the inbox.
    fn closed_and_drained(&mut self) -> bool {
        // ORDERING: Acquire; pairs with the Release store in `close_all`.
        if !self.shared.closed.load(Ordering::Acquire) || !self.rings.is_empty() {
            return false;
        }
        self.absorb();
        self.rings.is_empty()
    }

    /// Receives one item without blocking, from any producer (the rings
    /// are visited in turn, starting after the one the last item came
    /// from).
    ///
    /// # Errors
    ///
    /// `Empty` (also while no producer has connected yet), or `Closed` once
    /// [`close`](Self::close)d and everything committed was received.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use ring_core::TryRecvError;
    /// let mut rx = ring_shm::Collector::<u64>::bind("/tmp/c.sock", ring_core::Config::default())?;
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// rx.close();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn try_recv(&mut self) -> Result<K::Item, TryRecvError> {
        self.poll().unwrap_or(Err(TryRecvError::Empty))
    }

    /// Receives, waiting per `strategy`: parks on the one doorbell of all
    /// rings (no CPU while idle), in slices of the liveness interval.
    /// Producers that connect meanwhile are taken in.
    ///
    /// # Errors
    ///
    /// `Closed` once closed and drained; `Timeout` only under `TimedBlocking`.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use ring_core::{RecvTimeoutError, WaitStrategy};
    /// let mut rx = ring_shm::Collector::<u64>::bind("/tmp/c.sock", ring_core::Config::default())?;
    /// let r = rx.recv_with(WaitStrategy::TimedBlocking(std::time::Duration::from_millis(5)));
    /// assert_eq!(r, Err(RecvTimeoutError::Timeout));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn recv_with(&mut self, strategy: WaitStrategy) -> Result<K::Item, RecvTimeoutError> {
        match handle::wait_until(self, strategy, Self::poll) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(_)) => Err(RecvTimeoutError::Closed),
            Err(_) => Err(RecvTimeoutError::Timeout),
        }
    }

    /// Receives, blocking until an item arrives or the collector is closed
    /// and drained (a collector no producer has connected to waits).
    ///
    /// # Errors
    ///
    /// [`RecvError`] once closed and drained.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let mut rx = ring_shm::Collector::<u64>::bind("/tmp/c.sock", ring_core::Config::default())?;
    /// while let Ok(v) = rx.recv() {
    ///     println!("{v}");
    /// }
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn recv(&mut self) -> Result<K::Item, RecvError> {
        self.recv_with(WaitStrategy::Blocking)
            .map_err(|_| RecvError)
    }

    /// Receives, blocking at most `timeout`.
    ///
    /// # Errors
    ///
    /// `Timeout` or `Closed`.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// let mut rx = ring_shm::Collector::<u64>::bind("/tmp/c.sock", ring_core::Config::default())?;
    /// assert!(rx.recv_timeout(Duration::from_millis(1)).is_err());
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<K::Item, RecvTimeoutError> {
        self.recv_with(WaitStrategy::TimedBlocking(timeout))
    }

    /// Hands a copy of every item available now, from every ring, to `f`;
    /// returns the count. Never blocks.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let mut rx = ring_shm::Collector::<u64>::bind("/tmp/c.sock", ring_core::Config::default())?;
    /// let mut sum = 0;
    /// rx.consume_all(|v| sum += v);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn consume_all(&mut self, mut f: impl FnMut(&K::View)) -> usize {
        self.absorb();
        let mut total = 0;
        let mut i = 0;
        while i < self.rings.len() {
            let n = K::consume(&mut self.rings[i].rx, &mut f);
            total += n;
            if n == 0 && K::finished(&self.rings[i].rx) {
                self.reclaim(i);
            } else {
                i += 1;
            }
        }
        total
    }

    /// An iterator over the items available now (never blocks).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let mut rx = ring_shm::Collector::<u64>::bind("/tmp/c.sock", ring_core::Config::default())?;
    /// let now: Vec<u64> = rx.try_iter().collect();
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn try_iter(&mut self) -> impl Iterator<Item = K::Item> + '_ {
        core::iter::from_fn(move || self.try_recv().ok())
    }

    /// Producers connected now whose ring is not reclaimed yet (a dead or
    /// gone producer counts until everything it committed was received).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let rx = ring_shm::Collector::<u64>::bind("/tmp/c.sock", ring_core::Config::default())?;
    /// assert_eq!(rx.producer_count(), 0);
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn producer_count(&self) -> usize {
        // ORDERING: Relaxed; a snapshot.
        self.shared.count.load(Ordering::Relaxed)
    }

    /// The pids of the producers whose rings are held now, as the kernel
    /// reported them at connect time (0 where not visible).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let mut rx = ring_shm::Collector::<u64>::bind("/tmp/c.sock", ring_core::Config::default())?;
    /// assert!(rx.producer_pids().is_empty());
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn producer_pids(&mut self) -> Vec<u32> {
        self.absorb();
        self.rings.iter().map(|c| c.pid).collect()
    }

    /// Closes the collector (idempotent): every connected producer's next
    /// send is `Closed`, producers blocked on a full ring wake, no new
    /// producer is taken in; what was committed before is still received,
    /// then the receives report `Closed`.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let mut rx = ring_shm::Collector::<u64>::bind("/tmp/c.sock", ring_core::Config::default())?;
    /// rx.close();
    /// assert!(rx.is_closed());
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn close(&mut self) {
        self.shared.close_all();
    }

    /// True once closed (items may remain).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let rx = ring_shm::Collector::<u64>::bind("/tmp/c.sock", ring_core::Config::default())?;
    /// assert!(!rx.is_closed());
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn is_closed(&self) -> bool {
        // ORDERING: Acquire; pairs with the Release store in `close_all`.
        self.shared.closed.load(Ordering::Acquire)
    }

    /// A handle that closes the collector from any thread (as
    /// [`close`](Self::close)) and wakes it.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let mut rx = ring_shm::Collector::<u64>::bind("/tmp/c.sock", ring_core::Config::default())?;
    /// let closer = rx.closer();
    /// std::thread::spawn(move || closer.close());
    /// assert!(rx.recv().is_err()); // woken by the close
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn closer(&self) -> Closer {
        let shared = self.shared.clone();
        Closer::new(move || shared.close_all())
    }

    /// How often a blocked receive wakes to judge producers that have no
    /// pidfd (default [`DEFAULT_LIVENESS_INTERVAL`], at least 1 ms).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let mut rx = ring_shm::Collector::<u64>::bind("/tmp/c.sock", ring_core::Config::default())?;
    /// rx.set_liveness_interval(std::time::Duration::from_millis(200));
    /// # Ok::<(), ring_shm::ShmError>(())
    /// ```
    pub fn set_liveness_interval(&mut self, interval: Duration) {
        self.interval = interval.max(Duration::from_millis(1));
    }
}

/// The longest sleep of a collector whose producers are all watched by
/// pidfd (half the default heartbeat timeout).
const WATCHED_SLICE: Duration = Duration::from_millis(500);

impl<K: CollectKind> Waiting for CollectorOf<K> {
    fn bell(&self) -> DoorbellRef<'_> {
        self.shared.doorbell()
    }
    fn interval(&self) -> Duration {
        // With every producer watched by the acceptor's pidfds, slices only
        // keep this side's heartbeat fresh: sleep longer (well inside the
        // heartbeat timeout) so that an idle collector costs almost nothing.
        if self.rings.iter().all(|c| c.watched) {
            self.interval.max(WATCHED_SLICE)
        } else {
            self.interval
        }
    }
    fn tick(&mut self) {
        // Producers with a pidfd are judged by the acceptor; the others from
        // their ring's header (`/proc`, heartbeats).
        for c in self.rings.iter_mut().filter(|c| !c.watched) {
            if !K::producer_alive(&c.rx) {
                K::close(&mut c.rx);
            }
        }
    }
}

impl<K: CollectKind> Drop for CollectorOf<K> {
    fn drop(&mut self) {
        self.shared.close_all();
        if let Some(t) = self.acceptor.take() {
            let _ = t.join();
        }
    }
}
