//! What both shared handles have in common: the region, the role claim, the
//! heartbeat and the watch on the peer.

use core::cell::{Cell, RefCell};
#[cfg(ring_loom)]
use core::ptr::NonNull;
use core::time::Duration;
use std::time::Instant;

use ring_core::RingHeader;
use ring_core::WaitStrategy;
use ring_core::TryRecvError;
use ring_core::raw::{IndexCorrupt, RawConsumer, RawProducer, RingRef, Untrusted, WakeConfig};
use ring_core::sync::{Arc, AtomicU32, AtomicU64, Ordering};
use ring_core::wait::{DoorbellRef, Phase, TimedOut, Waiter};

use crate::error::ShmError;
use crate::layout::{IdHeader, ShmLayout};
use crate::liveness::{self, DEFAULT_LIVENESS_INTERVAL, PeerView, PeerWatch};
use crate::region::Region;

/// Which end a handle is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Producer,
    Consumer,
}

/// The fields of the identification header that belong to one role.
struct RoleFields<'a> {
    pid: &'a AtomicU32,
    start: &'a AtomicU64,
    beat: &'a AtomicU64,
    parked: &'a AtomicU32,
}

impl Role {
    fn fields(self, id: &IdHeader) -> RoleFields<'_> {
        match self {
            Role::Producer => RoleFields {
                pid: &id.producer_pid,
                start: &id.producer_start,
                beat: &id.producer_heartbeat,
                parked: &id.producer_parked,
            },
            Role::Consumer => RoleFields {
                pid: &id.consumer_pid,
                start: &id.consumer_start,
                beat: &id.consumer_heartbeat,
                parked: &id.consumer_parked,
            },
        }
    }

    fn peer(self) -> Role {
        match self {
            Role::Producer => Role::Consumer,
            Role::Consumer => Role::Producer,
        }
    }
}

/// Where a handle claims its side: the ring's mapping, its validated
/// layout and, for a ring of a collector, the doorbell file's mapping.
#[derive(Debug)]
pub(crate) struct Site {
    pub(crate) region: Arc<Region>,
    pub(crate) layout: ShmLayout,
    pub(crate) bell: Option<Arc<Region>>,
}

impl Site {
    /// The site of a ring in `region`, validated as `layout`, with its
    /// consumer doorbell in `bell` (else in the ring's header).
    pub(crate) fn new(region: Arc<Region>, layout: ShmLayout, bell: Option<Arc<Region>>) -> Site {
        Site {
            region,
            layout,
            bell,
        }
    }
}

/// Region, role and liveness state of one handle.
#[derive(Debug)]
pub(crate) struct Common {
    region: Arc<Region>,
    role: Role,
    watch: RefCell<PeerWatch>,
    pub(crate) interval: Duration,
    corrupt: Cell<Option<IndexCorrupt>>,
    /// The doorbell file the ring's consumer doorbell lives in (a collector's
    /// one bell for all its rings), kept mapped as long as this side.
    _bell: Option<Arc<Region>>,
    #[cfg(ring_loom)]
    tracker: NonNull<ring_core::sync::SlotTracker>,
}

impl Common {
    /// Takes `role` in `region` (validated as `layout`) and binds ring-core's
    /// protocol to it; with `bell` (a validated doorbell file), the ring's
    /// consumer doorbell is the one in that file instead of the header's.
    ///
    /// # Errors
    ///
    /// [`ShmError::RoleTaken`] if the role's claim word is not 0.
    pub(crate) fn claim<T>(
        region: Arc<Region>,
        layout: &ShmLayout,
        role: Role,
        bell: Option<Arc<Region>>,
    ) -> Result<(Common, RingRef<T>), ShmError> {
        let f = role.fields(region.id());
        // ORDERING: AcqRel CAS: exactly one claimant across all processes wins the
        // word (RMWs on one location are totally ordered); Acquire makes the
        // creator's initialisation (published by the fd hand-over anyway) visible.
        if f.pid
            .compare_exchange(0, std::process::id(), Ordering::AcqRel, Ordering::Relaxed)
            .is_err()
        {
            return Err(ShmError::RoleTaken);
        }
        // ORDERING: Release; pairs with the Acquire load in `peer_view`: a watcher
        // that sees this start time also sees the pid stored by the CAS above.
        f.start.store(liveness::own_start_time(), Ordering::Release);
        // ORDERING: Relaxed; a heartbeat orders nothing, only its change matters.
        f.beat.store(liveness::now_ns(), Ordering::Relaxed);

        let base = region.base();
        // SAFETY: `validate` checked that the region is `layout.total_size()` bytes,
        // so `ring_offset` and `slots_offset` are inside it.
        let header = unsafe { base.add(layout.ring_offset()) }.cast::<RingHeader>();
        // SAFETY: as above.
        let slots = unsafe { base.add(layout.slots_offset()) }.cast::<T>();
        #[cfg(ring_loom)]
        let tracker = NonNull::from(Box::leak(Box::new(ring_core::sync::SlotTracker::new(
            layout.capacity(),
        ))));
        // Why the call below is sound: the header at `ring_offset` was initialised by
        // the creator (and every bit pattern of it is a valid RingHeader of atomics);
        // `slots` holds `capacity` aligned slots of `T` (the validated layout puts
        // them at a multiple of `align_of::<T>()` <= MAX_ELEM_ALIGN, and the region's
        // base is aligned to MAX_ELEM_ALIGN, a `Region` invariant); `capacity` is a validated power of two; `Common` keeps the region
        // alive as long as the side built from this RingRef; the claim above makes
        // this the only side of its kind (a hostile peer can only corrupt indices,
        // which the Untrusted policy checks). `cross_process` picks this process's own
        // fence mode (global expedited membarrier if it could register, else SeqCst
        // fences) and a process-shared futex: docs/memory-ordering.md §3.
        // A doorbell file was validated (`bell::validate`) and `Common` keeps its
        // mapping alive as long as the ring's side (`_bell`).
        let consumer_bell = bell.as_deref().map(crate::bell::doorbell_ptr);
        // SAFETY: as argued just above.
        let ring = unsafe {
            RingRef::new(
                header,
                slots,
                layout.capacity(),
                consumer_bell,
                WakeConfig::cross_process(),
                #[cfg(ring_loom)]
                tracker,
            )
        };
        Ok((
            Common {
                region,
                role,
                watch: RefCell::new(PeerWatch::new()),
                interval: DEFAULT_LIVENESS_INTERVAL,
                corrupt: Cell::new(None),
                _bell: bell,
                #[cfg(ring_loom)]
                tracker,
            },
            ring,
        ))
    }

    /// Takes the producer role at `site` and binds ring-core's raw producer
    /// to it (the untrusted-index policy).
    ///
    /// # Errors
    ///
    /// [`ShmError::RoleTaken`]; [`ShmError::IndexCorrupt`] if the ring's
    /// indices are impossible (the role is then given back).
    pub(crate) fn claim_producer<T>(
        site: Site,
    ) -> Result<(Common, RawProducer<T, Untrusted>), ShmError> {
        Self::claim_side(
            site,
            Role::Producer,
            |ring| {
                // SAFETY: the producer claim word was just won: this is the ring's only
                // producer for as long as the handle lives (a role is never given back).
                unsafe { RawProducer::<T, Untrusted>::new(ring) }
            },
            RawProducer::refresh,
        )
    }

    /// Takes the consumer role (as [`claim_producer`](Self::claim_producer)).
    ///
    /// # Errors
    ///
    /// As [`claim_producer`](Self::claim_producer).
    pub(crate) fn claim_consumer<T>(
        site: Site,
    ) -> Result<(Common, RawConsumer<T, Untrusted>), ShmError> {
        Self::claim_side(
            site,
            Role::Consumer,
            |ring| {
                // SAFETY: the consumer claim word was just won: this is the ring's only
                // consumer for as long as the handle lives.
                unsafe { RawConsumer::<T, Untrusted>::new(ring) }
            },
            |raw| raw.refresh(),
        )
    }

    /// Takes `role` at `site`, binds a raw side to the ring with `bind` and
    /// checks the ring's indices with `refresh`: impossible indices refuse
    /// the claim, but do not consume the role.
    fn claim_side<T, S>(
        site: Site,
        role: Role,
        bind: impl FnOnce(RingRef<T>) -> S,
        refresh: impl FnOnce(&mut S) -> Result<usize, IndexCorrupt>,
    ) -> Result<(Common, S), ShmError> {
        let (common, ring) = Common::claim::<T>(site.region, &site.layout, role, site.bell)?;
        let mut raw = bind(ring);
        if let Err(e) = refresh(&mut raw) {
            common.unclaim();
            return Err(e.into());
        }
        Ok((common, raw))
    }

    /// Free slots of the producer `raw`, refreshing the cached head when
    /// fewer than `want` are known; 0 once closed or corrupt (an index
    /// violation is recorded and closes the ring).
    #[inline]
    pub(crate) fn free_for<T>(&self, raw: &mut RawProducer<T, Untrusted>, want: usize) -> usize {
        let free = raw.free_cached();
        if free >= want {
            return free;
        }
        match raw.refresh() {
            // Room freed by a consumer that closes is no room.
            Ok(free) if !raw.is_closed() => free,
            Ok(_) => 0,
            Err(e) => {
                self.poison(e);
                raw.close();
                0
            }
        }
    }

    /// The committed count `found` (from the consumer `raw`'s `available`
    /// or `refresh`), or why there is none: `Empty`, or `Closed` once closed
    /// and drained, or once the indices are found corrupt (recorded; the
    /// ring is closed).
    #[inline]
    pub(crate) fn judge<T>(
        &self,
        raw: &RawConsumer<T, Untrusted>,
        found: Result<usize, IndexCorrupt>,
    ) -> Result<usize, TryRecvError> {
        let corrupt = |e| {
            self.poison(e);
            raw.close();
            TryRecvError::Closed
        };
        match found {
            Ok(0) if raw.is_closed() => {
                // Read with Acquire: this refresh sees every commit made before the close.
                match raw.refresh() {
                    Ok(0) => Err(TryRecvError::Closed),
                    Ok(n) => Ok(n),
                    Err(e) => Err(corrupt(e)),
                }
            }
            Ok(0) => Err(TryRecvError::Empty),
            Ok(n) => Ok(n),
            Err(e) => Err(corrupt(e)),
        }
    }

    pub(crate) fn id(&self) -> &IdHeader {
        self.region.id()
    }

    /// Which end this side is.
    pub(crate) fn role(&self) -> Role {
        self.role
    }

    /// Gives the role back after a claim that failed past the CAS (the ring's
    /// indices were impossible): clears this side's start time and heartbeat,
    /// then frees the claim word if it still holds our pid, so a failed claim
    /// consumes nothing.
    pub(crate) fn unclaim(&self) {
        let f = self.own();
        // ORDERING: Relaxed; published by the Release CAS below.
        f.start.store(0, Ordering::Relaxed);
        // ORDERING: Relaxed; a heartbeat orders nothing.
        f.beat.store(0, Ordering::Relaxed);
        // ORDERING: Release; pairs with the AcqRel CAS in `claim` of the next
        // claimant: once it wins the word it sees the fields cleared here, so its
        // own start time cannot be overwritten by our reset. If a hostile peer
        // rewrote the word meanwhile, we leave it alone.
        let _ = f
            .pid
            .compare_exchange(std::process::id(), 0, Ordering::Release, Ordering::Relaxed);
    }

    /// Refreshes this side's heartbeat.
    pub(crate) fn beat(&self) {
        // ORDERING: Relaxed; a heartbeat orders nothing, only its change matters.
        self.own().beat.store(liveness::now_ns(), Ordering::Relaxed);
    }

    pub(crate) fn set_parked(&self, parked: bool) {
        // ORDERING: Relaxed; a diagnostic flag, orders nothing.
        self.own().parked.store(parked as u32, Ordering::Relaxed);
    }

    /// This side's fields of the identification header.
    fn own(&self) -> RoleFields<'_> {
        self.role.fields(self.id())
    }

    /// The peer's fields of the identification header.
    fn peer(&self) -> RoleFields<'_> {
        self.role.peer().fields(self.id())
    }

    /// True while the peer is parked in a blocking wait (diagnostic).
    pub(crate) fn peer_parked(&self) -> bool {
        // ORDERING: Relaxed; a diagnostic flag.
        self.peer().parked.load(Ordering::Relaxed) != 0
    }

    /// The peer's pid (0 while its role is not taken).
    pub(crate) fn peer_pid(&self) -> u32 {
        // ORDERING: Relaxed; informational.
        self.peer().pid.load(Ordering::Relaxed)
    }

    /// Judges the peer; `progress` is the peer's index as this side sees it.
    pub(crate) fn peer_alive(&self, progress: u64) -> bool {
        let f = self.peer();
        let v = PeerView {
            // ORDERING: Acquire; pairs with the Release store of the start time.
            start: f.start.load(Ordering::Acquire),
            // ORDERING: Relaxed; the start time's Acquire above orders this load
            // after it, and a pid read without a start time only selects heartbeats.
            pid: f.pid.load(Ordering::Relaxed),
            // ORDERING: Relaxed; only a change matters.
            beat: f.beat.load(Ordering::Relaxed),
            progress,
        };
        self.watch.borrow_mut().alive(v)
    }

    pub(crate) fn begin_wait(&self) {
        self.watch.borrow_mut().begin_wait();
    }

    pub(crate) fn set_heartbeat_timeout(&self, timeout: Duration) {
        self.watch.borrow_mut().timeout = timeout;
    }

    /// Sets how often blocking calls wake to re-check the peer (at least 1 ms).
    pub(crate) fn set_interval(&mut self, interval: Duration) {
        self.interval = interval.max(Duration::from_millis(1));
    }

    /// `Ok` unless the peer is judged dead (see `peer_alive`).
    pub(crate) fn check_peer(&self, progress: u64) -> Result<(), ShmError> {
        if self.peer_alive(progress) {
            Ok(())
        } else {
            Err(ShmError::PeerDead)
        }
    }

    pub(crate) fn uses_pidfd(&self) -> bool {
        self.watch.borrow().has_pidfd()
    }

    /// Records an index violation (the first one is kept).
    pub(crate) fn poison(&self, e: IndexCorrupt) {
        if self.corrupt.get().is_none() {
            self.corrupt.set(Some(e));
        }
    }

    pub(crate) fn corruption(&self) -> Option<IndexCorrupt> {
        self.corrupt.get()
    }
}

impl Common {
    /// A handle that closes `ring` (this side's ring) as its consumer from
    /// any thread, keeping the mappings it touches alive.
    pub(crate) fn remote_close<T: 'static>(&self, ring: RingRef<T>) -> RemoteClose {
        let keep = HeaderCloser {
            _region: self.region.clone(),
            _bell: self._bell.clone(),
            ring,
        };
        RemoteClose(Box::new(move || keep.close()))
    }
}

/// What a [`RemoteClose`] holds: the ring and the mappings it lives in.
struct HeaderCloser<T> {
    _region: Arc<Region>,
    _bell: Option<Arc<Region>>,
    ring: RingRef<T>,
}

impl<T> HeaderCloser<T> {
    fn close(&self) {
        self.ring.close_as_consumer();
    }
}

// SAFETY: the closer only calls `RingRef::close_as_consumer`, which touches the
// header's atomics and futex words (safe from any thread: ring-core documents it),
// and the two `Arc`s keep the ring's mapping and its doorbell's mapping alive as
// long as the closer (the contract of `RingRef::new` that `claim` relied on).
unsafe impl<T> Send for HeaderCloser<T> {}
// SAFETY: as above; nothing is accessed through `&self` but atomics.
unsafe impl<T> Sync for HeaderCloser<T> {}

/// Closes one ring's consumer side from any thread (a collector's closer).
pub(crate) struct RemoteClose(Box<dyn Fn() + Send + Sync>);

impl RemoteClose {
    pub(crate) fn close(&self) {
        (self.0)();
    }
}

impl core::fmt::Debug for RemoteClose {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RemoteClose")
    }
}

#[cfg(ring_loom)]
impl Drop for Common {
    fn drop(&mut self) {
        // SAFETY: leaked in `claim`, used only by the side that owns `self`.
        drop(unsafe { Box::from_raw(self.tracker.as_ptr()) });
    }
}

/// A handle the blocking driver can wait with.
pub(crate) trait Side {
    fn common(&self) -> &Common;
    /// The doorbell this side sleeps on.
    fn doorbell(&self) -> DoorbellRef<'_>;
    /// The peer's index, as a sign of its progress.
    fn peer_progress(&self) -> u64;
    /// The peer is dead: close this side, so polls drain and then report `Closed`.
    fn peer_died(&mut self);
}

/// The methods both shared item handles (a struct with fields `raw`,
/// ring-core's raw side, and `common`, a [`Common`], implementing [`Side`])
/// have in common, written once with their docs: their ring state and (with
/// [`peer_api!`]) their watch on the peer. `side` and `peer` name the two
/// ends in the docs, the four idents name the peer-named methods, and the
/// doc comments given before `close` and `is_closed` (whose meaning differs
/// by side) become theirs.
macro_rules! shared_api {
    (
        side = $side:literal, peer = $peer:literal;
        alive = $alive:ident, check = $check:ident, pid = $pid:ident, parked = $parked:ident;
        $(#[$close:meta])* close;
        $(#[$closed:meta])* is_closed;
    ) => {
        $crate::handle::ring_api! {
            image = "ring_shm::ShmImage::new::<u8>", this = $side, turbofish = "::<u8>";
            $(#[$close])* close;
            $(#[$closed])* is_closed;
        }
        $crate::handle::peer_api! {
            peer = $peer;
            image = "ring_shm::ShmImage::new::<u8>", this = $side, other = $peer, turbofish = "::<u8>";
            alive = $alive, check = $check, pid = $pid, parked = $parked;
        }

        /// Items in the ring now (clamped to the capacity).
        ///
        /// # Examples
        ///
        /// ```
        /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default())?;
        /// let mut tx = image.producer::<u8>()?;
        /// let rx = image.consumer::<u8>()?;
        /// tx.send_slice(&[1, 2]);
        /// assert_eq!((tx.len(), rx.len()), (2, 2));
        /// # Ok::<(), ring_shm::ShmError>(())
        /// ```
        pub fn len(&self) -> usize {
            self.raw.len()
        }

        /// True if no item is in the ring now.
        ///
        /// # Examples
        ///
        /// ```
        /// let image = ring_shm::ShmImage::new::<u8>(ring_core::Config::default())?;
        #[doc = concat!("assert!(image.", $side, "::<u8>()?.is_empty());")]
        /// # Ok::<(), ring_shm::ShmError>(())
        /// ```
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }
    };
}
pub(crate) use shared_api;

/// The ring state every shared handle (items and byte records) offers,
/// written once: `close` and `is_closed` (with the doc comments given, whose
/// meaning differs by side) and `capacity`. `image`, `this` and `turbofish`
/// are as for [`peer_api!`].
macro_rules! ring_api {
    (
        image = $image:literal, this = $this:literal, turbofish = $tf:literal;
        $(#[$close:meta])* close;
        $(#[$closed:meta])* is_closed;
    ) => {
        $(#[$close])*
        pub fn close(&mut self) {
            self.raw.close();
        }

        $(#[$closed])*
        pub fn is_closed(&self) -> bool {
            self.raw.is_closed()
        }

        /// Slots (bytes, for a byte ring) in the ring.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let image = ", $image, "(ring_core::Config::default().with_ring_bits(5))?;")]
        #[doc = concat!("assert_eq!(image.", $this, $tf, "()?.capacity(), 32);")]
        /// # Ok::<(), ring_shm::ShmError>(())
        /// ```
        pub fn capacity(&self) -> usize {
            self.raw.ring().capacity()
        }
    };
}
pub(crate) use ring_api;

/// The watch on the peer, written once with its docs for every shared
/// handle (items and byte records): `peer` names the other end in the
/// docs; `image` is the path of the function that makes a fresh image of
/// this handle's ring from a `Config`, `this` and `other` the `ShmImage`
/// methods that take this side's and the peer's role, with `turbofish`
/// after their names (the examples call them); the four idents name the
/// peer-named methods.
macro_rules! peer_api {
    (
        peer = $peer:literal;
        image = $image:literal, this = $this:literal, other = $other:literal, turbofish = $tf:literal;
        alive = $alive:ident, check = $check:ident, pid = $pid:ident, parked = $parked:ident;
    ) => {
        #[doc = concat!(" True unless the ", $peer, " process is known to be dead: a pidfd of it")]
        /// has become readable; or, without a pidfd, `/proc` shows its pid gone,
        /// reused or a zombie (when `/proc` showed the claimant itself at first
        /// sight); or else (another PID namespace, no `/proc`) it showed no sign
        #[doc = concat!(" of life for the heartbeat timeout. True while no ", $peer, " has attached.")]
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let image = ", $image, "(ring_core::Config::default())?;")]
        #[doc = concat!("let this = image.", $this, $tf, "()?;")]
        #[doc = concat!("assert!(this.", stringify!($alive), "()); // no ", $peer, " yet")]
        #[doc = concat!("let _peer = image.", $other, $tf, "()?; // this process: alive")]
        #[doc = concat!("assert!(this.", stringify!($alive), "());")]
        /// # Ok::<(), ring_shm::ShmError>(())
        /// ```
        pub fn $alive(&self) -> bool {
            self.common.peer_alive(self.peer_index())
        }

        #[doc = concat!(" `Ok` unless the ", $peer, " is dead ([`", stringify!($alive), "`](Self::", stringify!($alive), ")).")]
        ///
        /// # Errors
        ///
        /// [`ShmError::PeerDead`](crate::ShmError::PeerDead).
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let image = ", $image, "(ring_core::Config::default())?;")]
        #[doc = concat!("image.", $this, $tf, "()?.", stringify!($check), "()?;")]
        /// # Ok::<(), ring_shm::ShmError>(())
        /// ```
        pub fn $check(&self) -> Result<(), $crate::ShmError> {
            self.common.check_peer(self.peer_index())
        }

        #[doc = concat!(" The ", $peer, "'s pid, 0 while no ", $peer, " has attached.")]
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let image = ", $image, "(ring_core::Config::default())?;")]
        #[doc = concat!("let this = image.", $this, $tf, "()?;")]
        #[doc = concat!("assert_eq!(this.", stringify!($pid), "(), 0);")]
        #[doc = concat!("let _peer = image.", $other, $tf, "()?;")]
        #[doc = concat!("assert_eq!(this.", stringify!($pid), "(), std::process::id());")]
        /// # Ok::<(), ring_shm::ShmError>(())
        /// ```
        pub fn $pid(&self) -> u32 {
            self.common.peer_pid()
        }

        #[doc = concat!(" True while the ", $peer, " is parked in a blocking wait (a diagnostic,")]
        #[doc = concat!(" e.g. for a test that wants to wake a sleeping ", $peer, ").")]
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let image = ", $image, "(ring_core::Config::default())?;")]
        #[doc = concat!("assert!(!image.", $this, $tf, "()?.", stringify!($parked), "());")]
        /// # Ok::<(), ring_shm::ShmError>(())
        /// ```
        pub fn $parked(&self) -> bool {
            self.common.peer_parked()
        }

        #[doc = concat!(" True once the ", $peer, "'s liveness is known through a verified pidfd")]
        /// (immune to PID reuse); false while heartbeats are used.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let image = ", $image, "(ring_core::Config::default())?;")]
        #[doc = concat!("assert!(!image.", $this, $tf, "()?.uses_pidfd()); // no ", $peer, " seen yet")]
        /// # Ok::<(), ring_shm::ShmError>(())
        /// ```
        pub fn uses_pidfd(&self) -> bool {
            self.common.uses_pidfd()
        }

        /// Refreshes this side's heartbeat. Blocking calls do it on their own,
        /// once per liveness interval; call it when idle outside them for longer
        /// than the peer's heartbeat timeout if the peer may watch this process
        /// by heartbeats (it cannot see it through a pidfd or `/proc`: another
        /// PID namespace, no `/proc`).
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let image = ", $image, "(ring_core::Config::default())?;")]
        #[doc = concat!("image.", $this, $tf, "()?.heartbeat();")]
        /// # Ok::<(), ring_shm::ShmError>(())
        /// ```
        pub fn heartbeat(&self) {
            self.common.beat();
        }

        #[doc = concat!(" How often blocking calls wake to re-check the ", $peer, "'s liveness")]
        /// (default [`DEFAULT_LIVENESS_INTERVAL`](crate::DEFAULT_LIVENESS_INTERVAL),
        /// at least 1 ms).
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let image = ", $image, "(ring_core::Config::default())?;")]
        #[doc = concat!("image.", $this, $tf, "()?.set_liveness_interval(std::time::Duration::from_millis(10));")]
        /// # Ok::<(), ring_shm::ShmError>(())
        /// ```
        pub fn set_liveness_interval(&mut self, interval: ::core::time::Duration) {
            self.common.set_interval(interval);
        }

        #[doc = concat!(" How long a ", $peer, " judged by heartbeats (neither a pidfd nor `/proc`")]
        /// can watch it) may show no sign of life before it counts as dead
        /// (default [`DEFAULT_HEARTBEAT_TIMEOUT`](crate::DEFAULT_HEARTBEAT_TIMEOUT)).
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let image = ", $image, "(ring_core::Config::default())?;")]
        #[doc = concat!("image.", $this, $tf, "()?.set_heartbeat_timeout(std::time::Duration::from_secs(5));")]
        /// # Ok::<(), ring_shm::ShmError>(())
        /// ```
        pub fn set_heartbeat_timeout(&mut self, timeout: ::core::time::Duration) {
            self.common.set_heartbeat_timeout(timeout);
        }

        #[doc = concat!(" The index violation that closed this side, if the ", $peer, " (or")]
        /// anyone writing the mapping) corrupted the ring's indices.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let image = ", $image, "(ring_core::Config::default())?;")]
        #[doc = concat!("assert_eq!(image.", $this, $tf, "()?.corruption(), None);")]
        /// # Ok::<(), ring_shm::ShmError>(())
        /// ```
        pub fn corruption(&self) -> Option<::ring_core::raw::IndexCorrupt> {
            self.common.corruption()
        }
    };
}


pub(crate) use peer_api;

/// `Debug` (the raw side and the common state), `Drop` (closes this side)
/// and [`Side`] for a shared handle, written once for both: `doorbell` names
/// the ring's doorbell method for this side, and the handle has an inherent
/// `peer_index(&self) -> u64` (the peer's index as this side sees it).
macro_rules! handle_impls {
    (impl[$($g:tt)*] $ty:ty, doorbell = $doorbell:ident) => {
        impl<$($g)*> ::core::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("raw", &self.raw)
                    .field("common", &self.common)
                    .finish()
            }
        }

        impl<$($g)*> Drop for $ty {
            fn drop(&mut self) {
                self.raw.close();
            }
        }

        impl<$($g)*> $crate::handle::Side for $ty {
            fn common(&self) -> &$crate::handle::Common {
                &self.common
            }
            fn doorbell(&self) -> ::ring_core::wait::DoorbellRef<'_> {
                self.raw.ring().$doorbell()
            }
            fn peer_progress(&self) -> u64 {
                self.peer_index()
            }
            fn peer_died(&mut self) {
                // Closing our side makes the next poll report the end (a consumer
                // first drains what the dead producer committed).
                self.raw.close();
            }
        }
    };
}
pub(crate) use handle_impls;

/// What [`wait_until`] needs of whoever waits: the doorbell to sleep on, how
/// long one sleep may last, and what to do between sleeps. Every shared
/// handle ([`Side`]) has it; so has a collector, which sleeps on the one
/// doorbell of all its rings and judges its producers by their pidfds.
pub(crate) trait Waiting {
    /// The doorbell to sleep on.
    fn bell(&self) -> DoorbellRef<'_>;
    /// The longest single sleep (the liveness interval).
    fn interval(&self) -> Duration;
    /// A blocking wait starts.
    fn begin_wait(&self) {}
    /// This side parks (`true`) or wakes (`false`).
    fn set_parked(&self, _parked: bool) {}
    /// Between sleeps, at most once per interval: signs of life and the
    /// judgement of peers (a dead one closes its ring, so the next poll
    /// reports the end).
    fn tick(&mut self);
}

impl<S: Side> Waiting for S {
    fn bell(&self) -> DoorbellRef<'_> {
        self.doorbell()
    }
    fn interval(&self) -> Duration {
        self.common().interval
    }
    fn begin_wait(&self) {
        self.common().begin_wait();
    }
    fn set_parked(&self, parked: bool) {
        self.common().set_parked(parked);
    }
    fn tick(&mut self) {
        self.common().beat();
        if !self.common().peer_alive(self.peer_progress()) {
            self.peer_died();
        }
    }
}

/// Waits per `strategy` until `ready` finds something to receive, or the
/// ring is closed (or the peer died) and drained: the wait of every shared
/// consumer's blocking receive.
pub(crate) fn wait_ready<S: Side>(
    s: &mut S,
    strategy: WaitStrategy,
    ready: impl Fn(&S) -> Result<usize, TryRecvError>,
) -> Result<(), ring_core::RecvTimeoutError> {
    use ring_core::RecvTimeoutError;
    let polled = wait_until(s, strategy, |c| match ready(c) {
        Ok(_) => Some(Ok(())),
        Err(TryRecvError::Closed) => Some(Err(RecvTimeoutError::Closed)),
        Err(TryRecvError::Empty) => None,
    });
    polled.unwrap_or(Err(RecvTimeoutError::Timeout))
}

/// Checks liveness only every this many spin or yield steps.
const CHECK_EVERY_STEPS: u32 = 16;

/// Waits per `strategy` until `poll` returns `Some`, like ring-core's
/// `wait_until`, but parks in slices of the liveness interval and calls
/// [`Waiting::tick`] between them (at most once per interval), which may
/// close this side when a peer died (so `poll` then reports the end).
///
/// Not `ring_core::wait::wait_until`: that one parks without a limit under
/// `Blocking` and has no hook that may close this side, so a dead peer would
/// mean an endless wait.
pub(crate) fn wait_until<S: Waiting, R>(
    s: &mut S,
    strategy: WaitStrategy,
    mut poll: impl FnMut(&mut S) -> Option<R>,
) -> Result<R, TimedOut> {
    if let Some(r) = poll(s) {
        return Ok(r);
    }
    s.begin_wait();
    let interval = s.interval();
    let mut w = Waiter::new(strategy);
    let mut next_check = Instant::now();
    let mut steps: u32 = 0;
    loop {
        let left = w.remaining()?;
        let phase = w.phase();
        match phase {
            Phase::Park => {
                s.set_parked(true);
                let seq = s.bell().register();
                if let Some(r) = poll(s) {
                    s.bell().unregister();
                    s.set_parked(false);
                    return Ok(r);
                }
                let slice = left.map_or(interval, |l| l.min(interval));
                s.bell().sleep(seq, Some(slice));
                s.bell().unregister();
                s.set_parked(false);
            }
            Phase::Sleep(d) => {
                let d = d.min(interval);
                std::thread::sleep(left.map_or(d, |l| l.min(d)));
            }
            Phase::Spin | Phase::Yield => w.wait()?,
        }
        if let Some(r) = poll(s) {
            return Ok(r);
        }
        steps = steps.wrapping_add(1);
        if matches!(phase, Phase::Park | Phase::Sleep(_)) || steps.is_multiple_of(CHECK_EVERY_STEPS)
        {
            let now = Instant::now();
            if now >= next_check {
                next_check = now + interval;
                s.tick();
                if let Some(r) = poll(s) {
                    return Ok(r);
                }
            }
        }
    }
}
