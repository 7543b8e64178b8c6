//! The synchronisation shim: the only module that names atomics, cells, locks,
//! spin hints, the futex and the memory fences directly.
//!
//! Under `--cfg ring_loom` every item here comes from `loom` (or a stand-in
//! built on loom's primitives), so a loom model sees every atomic access,
//! every slot access (through [`SlotTracker`]), every spin and every sleep.
//! Otherwise the items come from `core`, `std` and the OS.
//!
//! This module is `#[doc(hidden)]` and outside semver: sibling crates use it so
//! that their own atomics are visible to loom too, but users should not.
//!
//! Aliases are `pub type`, not `pub use`, so that clippy's `disallowed_types`
//! (clippy.toml) still flags any direct use of the std paths elsewhere.
#![allow(clippy::disallowed_types)] // reason: this shim is the one place allowed to name them

pub use core::sync::atomic::Ordering;

// ---------------------------------------------------------------- atomics ---

/// The aliases and forwarding functions both implementations declare, each
/// from its own sources: `core`, `alloc` and `std`, or `loom`.
macro_rules! shim {
    (
        atomic: $($atomic:ident)::+;
        arc: $($arc:ident)::+;
        mutex: $($mutex:ident)::+;
        fence: $fence:path;
        spin_loop: $spin_loop:path;
        yield_now: $yield_now:path;
    ) => {
        pub type AtomicU8 = $($atomic)::+::AtomicU8;
        pub type AtomicU32 = $($atomic)::+::AtomicU32;
        pub type AtomicU64 = $($atomic)::+::AtomicU64;
        pub type AtomicUsize = $($atomic)::+::AtomicUsize;
        pub type AtomicBool = $($atomic)::+::AtomicBool;
        pub type AtomicPtr<T> = $($atomic)::+::AtomicPtr<T>;
        pub type Arc<T> = $($arc)::+::Arc<T>;
        #[cfg(feature = "std")]
        pub type Mutex<T> = $($mutex)::+::Mutex<T>;
        #[cfg(feature = "std")]
        pub type MutexGuard<'a, T> = $($mutex)::+::MutexGuard<'a, T>;

        /// A memory fence (modelled by loom under `ring_loom`).
        #[inline(always)]
        pub fn fence(order: core::sync::atomic::Ordering) {
            $fence(order);
        }

        /// A spin-loop hint: under loom it yields to the model's scheduler.
        #[inline(always)]
        pub fn spin_loop() {
            $spin_loop();
        }

        /// Gives the rest of the time slice to another thread (under loom,
        /// gives the model's scheduler a chance to run another thread).
        #[cfg(feature = "std")]
        #[inline]
        pub fn yield_now() {
            $yield_now();
        }
    };
}

#[cfg(not(ring_loom))]
mod imp {
    shim! {
        atomic: core::sync::atomic;
        arc: alloc::sync;
        mutex: std::sync;
        fence: core::sync::atomic::fence;
        spin_loop: core::hint::spin_loop;
        yield_now: std::thread::yield_now;
    }

    /// Exponential spin-then-yield backoff.
    pub type Backoff = crossbeam_utils::Backoff;

    /// A small number for the calling thread, handed out round-robin on its
    /// first call (consecutive threads get consecutive numbers): for picking
    /// a per-thread shard of a shared structure. Not an identity: numbers
    /// wrap and are reused.
    #[cfg(feature = "std")]
    #[allow(clippy::disallowed_types)] // reason: a process-wide counter of threads, no protocol for loom to model
    pub fn thread_slot() -> usize {
        use core::cell::Cell;
        static NEXT: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);
        std::thread_local! {
            static SLOT: Cell<usize> = const { Cell::new(usize::MAX) };
        }
        SLOT.with(|s| {
            let mut v = s.get();
            if v == usize::MAX {
                // ORDERING: Relaxed; only distinct values matter, the RMW gives them.
                v = NEXT.fetch_add(1, core::sync::atomic::Ordering::Relaxed) & (usize::MAX >> 1);
                s.set(v);
            }
            v
        })
    }
}

#[cfg(ring_loom)]
mod imp {
    shim! {
        atomic: loom::sync::atomic;
        arc: loom::sync;
        mutex: loom::sync;
        fence: loom::sync::atomic::fence;
        spin_loop: loom::hint::spin_loop;
        yield_now: loom::thread::yield_now;
    }

    /// The model thread's number (0 for the model's main thread, then in
    /// spawn order): deterministic across the model's executions, as loom
    /// requires.
    #[cfg(feature = "std")]
    pub fn thread_slot() -> usize {
        let id = alloc::format!("{:?}", loom::thread::current().id());
        id.bytes().filter(u8::is_ascii_digit).fold(0usize, |n, d| {
            n.wrapping_mul(10).wrapping_add(usize::from(d - b'0'))
        })
    }

    /// A loom stand-in for `crossbeam_utils::Backoff` with the same API.
    #[derive(Debug, Default)]
    pub struct Backoff {
        step: core::cell::Cell<u32>,
    }

    impl Backoff {
        /// A fresh backoff.
        pub fn new() -> Self {
            Self::default()
        }
        /// Restarts from the first step.
        pub fn reset(&self) {
            self.step.set(0);
        }
        /// One spin step (a model yield).
        pub fn spin(&self) {
            loom::hint::spin_loop();
            self.step.set(self.step.get() + 1);
        }
        /// One snooze step (a model yield).
        pub fn snooze(&self) {
            loom::thread::yield_now();
            self.step.set(self.step.get() + 1);
        }
        /// True once the model has spun "long enough" (kept tiny for loom).
        pub fn is_completed(&self) -> bool {
            self.step.get() > 1
        }
    }
}

pub use imp::*;

/// A compiler-only fence: orders this thread's accesses against each other in
/// the compiled code, emits no instruction. Used by the light side of the
/// asymmetric fence (see [`FenceMode`]).
#[inline(always)]
pub fn compiler_fence(order: Ordering) {
    core::sync::atomic::compiler_fence(order);
}

// ------------------------------------------------------------ UnsafeCell ---

/// `UnsafeCell` with loom's closure API (`with`, `with_mut`), so the same code
/// compiles against loom's access-tracking cell.
#[cfg(not(ring_loom))]
#[derive(Debug, Default)]
#[repr(transparent)]
pub struct UnsafeCell<T: ?Sized>(core::cell::UnsafeCell<T>);

#[cfg(not(ring_loom))]
impl<T> UnsafeCell<T> {
    /// Wraps a value.
    #[inline(always)]
    pub const fn new(value: T) -> Self {
        Self(core::cell::UnsafeCell::new(value))
    }

    /// Unwraps the value.
    #[inline(always)]
    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

#[cfg(not(ring_loom))]
impl<T: ?Sized> UnsafeCell<T> {
    /// Runs `f` with a shared raw pointer to the contents.
    #[inline(always)]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Runs `f` with a mutable raw pointer to the contents.
    #[inline(always)]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// loom's access-tracking `UnsafeCell`.
#[cfg(ring_loom)]
pub type UnsafeCell<T> = loom::cell::UnsafeCell<T>;

// ----------------------------------------------------------- SlotTracker ---

/// Lets loom check the causality of accesses to ring slots.
///
/// Ring slots are raw memory (they may live on a NUMA node or in a shared
/// mapping), which loom cannot see. Under `ring_loom` this keeps one loom
/// `UnsafeCell<()>` per slot and touches it on every slot read and write, so a
/// slot read that is not ordered after its write (or a write racing a read) is
/// reported by the model, slice paths included. In normal builds it is a
/// zero-sized no-op.
#[cfg(not(ring_loom))]
#[derive(Debug, Default)]
pub struct SlotTracker;

#[cfg(not(ring_loom))]
impl SlotTracker {
    /// A tracker for `slots` slots.
    #[inline(always)]
    pub fn new(_slots: usize) -> Self {
        SlotTracker
    }
    /// Records a write to slot `index`.
    #[inline(always)]
    pub fn write(&self, _index: usize) {}
    /// Records a read of slot `index`.
    #[inline(always)]
    pub fn read(&self, _index: usize) {}
}

/// Lets loom check the causality of accesses to ring slots (loom build).
#[cfg(ring_loom)]
#[derive(Debug)]
pub struct SlotTracker(alloc::boxed::Box<[loom::cell::UnsafeCell<()>]>);

#[cfg(ring_loom)]
impl SlotTracker {
    /// A tracker for `slots` slots.
    pub fn new(slots: usize) -> Self {
        SlotTracker(
            (0..slots)
                .map(|_| loom::cell::UnsafeCell::new(()))
                .collect(),
        )
    }
    /// Records a write to slot `index`.
    pub fn write(&self, index: usize) {
        self.0[index].with_mut(|_| ());
    }
    /// Records a read of slot `index`.
    pub fn read(&self, index: usize) {
        self.0[index].with(|_| ());
    }
}

// ------------------------------------------------------------------ futex ---

#[cfg(feature = "std")]
pub use futex::Futex;

/// Without `std` nothing sleeps: the futex word is a plain atomic.
#[cfg(not(feature = "std"))]
pub type Futex = AtomicU32;

#[cfg(feature = "std")]
mod futex {
    use super::AtomicU32;
    use core::time::Duration;

    /// A 32-bit word threads can sleep on until it changes (a Linux futex;
    /// a loom stand-in under the model; a short sleep-poll elsewhere).
    ///
    /// `#[repr(C)]` with the word first, so it can live in a shared mapping.
    #[derive(Debug)]
    #[repr(C)]
    pub struct Futex {
        word: AtomicU32,
        #[cfg(ring_loom)]
        lock: loom::sync::Mutex<()>,
        #[cfg(ring_loom)]
        cond: loom::sync::Condvar,
    }

    impl Default for Futex {
        fn default() -> Self {
            Self::new(0)
        }
    }

    impl core::ops::Deref for Futex {
        type Target = AtomicU32;
        #[inline(always)]
        fn deref(&self) -> &AtomicU32 {
            &self.word
        }
    }

    impl Futex {
        /// A futex word holding `value`.
        #[cfg(not(ring_loom))]
        pub const fn new(value: u32) -> Self {
            Self {
                word: AtomicU32::new(value),
            }
        }

        /// A futex word holding `value`.
        #[cfg(ring_loom)]
        pub fn new(value: u32) -> Self {
            Self {
                word: AtomicU32::new(value),
                lock: loom::sync::Mutex::new(()),
                cond: loom::sync::Condvar::new(),
            }
        }

        /// Sleeps while the word equals `expected`, at most `timeout`.
        ///
        /// May return spuriously; callers re-check their condition. `shared`
        /// selects a process-shared futex (for words in a shared mapping).
        pub fn wait(&self, expected: u32, timeout: Option<Duration>, shared: bool) {
            imp_wait(self, expected, timeout, shared);
        }

        /// Wakes every thread sleeping on the word.
        pub fn wake_all(&self, shared: bool) {
            imp_wake(self, shared);
        }
    }

    #[cfg(all(target_os = "linux", not(ring_loom)))]
    fn imp_wait(f: &Futex, expected: u32, timeout: Option<Duration>, shared: bool) {
        let op = if shared {
            libc::FUTEX_WAIT
        } else {
            libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG
        };
        let ts = timeout.map(|d| libc::timespec {
            tv_sec: d.as_secs().min(i64::MAX as u64) as libc::time_t,
            tv_nsec: d.subsec_nanos() as libc::c_long,
        });
        let ts_ptr = ts
            .as_ref()
            .map_or(core::ptr::null(), |t| t as *const libc::timespec);
        // SAFETY: `f.word` is a live, aligned 32-bit atomic for the duration of the
        // call; the kernel only reads it and compares it with `expected`. `ts_ptr` is
        // null or points at a timespec that outlives the call.
        unsafe {
            libc::syscall(libc::SYS_futex, f.word.as_ptr(), op, expected, ts_ptr);
        }
        // EINTR, EAGAIN (value changed) and ETIMEDOUT are all "go and re-check".
    }

    #[cfg(all(target_os = "linux", not(ring_loom)))]
    fn imp_wake(f: &Futex, shared: bool) {
        let op = if shared {
            libc::FUTEX_WAKE
        } else {
            libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG
        };
        // SAFETY: `f.word` is a live, aligned 32-bit atomic; FUTEX_WAKE reads no memory
        // through the pointer beyond using it as a key.
        unsafe {
            libc::syscall(libc::SYS_futex, f.word.as_ptr(), op, i32::MAX);
        }
    }

    // Portable fallback: no address-based wait primitive, so sleep briefly and
    // let the caller re-check (a bounded, spurious wake-up).
    #[cfg(all(not(target_os = "linux"), not(ring_loom)))]
    fn imp_wait(f: &Futex, expected: u32, timeout: Option<Duration>, _shared: bool) {
        const SLICE: Duration = Duration::from_micros(50);
        if f.word.load(super::Ordering::Acquire) == expected {
            std::thread::sleep(timeout.map_or(SLICE, |t| t.min(SLICE)));
        }
    }

    #[cfg(all(not(target_os = "linux"), not(ring_loom)))]
    fn imp_wake(_f: &Futex, _shared: bool) {}

    // Loom stand-in: a mutex and condvar emulate the futex's atomic
    // check-and-sleep. The waker changes the word before calling wake, and the
    // waiter compares it under the lock, so no wake-up is lost in the stand-in
    // itself; the model checks the protocol around it.
    #[cfg(ring_loom)]
    fn imp_wait(f: &Futex, expected: u32, timeout: Option<Duration>, _shared: bool) {
        if timeout.is_some() {
            // Loom has no clock: a timed wait is a spurious wake-up.
            loom::thread::yield_now();
            return;
        }
        let guard = f.lock.lock().unwrap();
        // ORDERING: SeqCst RMW-free load is not modelled by loom; Acquire suffices
        // here because the waker's change precedes its lock/notify.
        if f.word.load(super::Ordering::Acquire) != expected {
            return;
        }
        drop(f.cond.wait(guard).unwrap());
    }

    #[cfg(ring_loom)]
    fn imp_wake(f: &Futex, _shared: bool) {
        let _guard = f.lock.lock().unwrap();
        f.cond.notify_all();
    }
}

// ------------------------------------------------------------ FenceMode ---

/// How a ring pairs the waker's "publish, then look for sleepers" with the
/// sleeper's "announce, then re-check".
///
/// That pair is a store-buffering pattern: without a full fence on both sides,
/// each side may miss the other's store and a wake-up is lost. The
/// **asymmetric** modes put only a compiler fence on the hot side (commit and
/// advance) and make the sleeping side pay with a `membarrier` system call,
/// which runs a full barrier on every CPU currently running a thread that the
/// command reaches: `MEMBARRIER_CMD_PRIVATE_EXPEDITED` reaches this process
/// only ([`Asymmetric`](FenceMode::Asymmetric), in-process rings);
/// `MEMBARRIER_CMD_GLOBAL_EXPEDITED` reaches every process registered for it
/// ([`AsymmetricGlobal`](FenceMode::AsymmetricGlobal), rings shared between
/// processes). The **symmetric** mode uses a `SeqCst` fence on both sides: it
/// is the fallback where `membarrier` is unavailable, and the mode under loom,
/// miri and ThreadSanitizer. See `docs/memory-ordering.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FenceMode {
    /// Compiler fence on the hot path, private expedited `membarrier` on the
    /// sleeping path: for rings whose every side lives in this process.
    Asymmetric,
    /// Compiler fence on the hot path, global expedited `membarrier` on the
    /// sleeping path: for rings shared between processes. Chosen only once
    /// this process has registered for global expedited barriers, so a
    /// sleeper in any process that issues the global command reaches this
    /// process's committing threads.
    AsymmetricGlobal,
    /// `SeqCst` fence on both paths.
    Symmetric,
}

impl FenceMode {
    /// The best mode this process supports for in-process rings: asymmetric
    /// when `membarrier` private-expedited can be registered (tried once per
    /// process), symmetric otherwise.
    pub fn detect() -> FenceMode {
        if membarrier::available() {
            FenceMode::Asymmetric
        } else {
            FenceMode::Symmetric
        }
    }

    /// The best mode this process supports for a side of a ring shared with
    /// other processes: [`AsymmetricGlobal`](FenceMode::AsymmetricGlobal) when
    /// this process has registered for `MEMBARRIER_CMD_GLOBAL_EXPEDITED`
    /// (tried once per process), [`Symmetric`](FenceMode::Symmetric)
    /// otherwise (kernels before 4.16, a seccomp filter, loom, miri,
    /// `--cfg ring_symmetric_fence`).
    ///
    /// Each side decides for itself: a side's light fence is sound whatever
    /// the peer chose, as long as the peer, when it sleeps, issues the global
    /// command, which it does in this mode. A peer whose process could not
    /// register sleeps with a `SeqCst` fence instead; against a side in this
    /// mode that pair can miss a wake-up, which shared rings bound by sleeping
    /// in slices (docs/memory-ordering.md §3).
    pub fn detect_cross_process() -> FenceMode {
        if membarrier::global_available() {
            FenceMode::AsymmetricGlobal
        } else {
            FenceMode::Symmetric
        }
    }

    /// The hot side's fence (after publishing, before looking for sleepers).
    #[inline(always)]
    pub fn light(self) {
        match self {
            FenceMode::Asymmetric | FenceMode::AsymmetricGlobal => compiler_fence(Ordering::SeqCst),
            FenceMode::Symmetric => fence(Ordering::SeqCst),
        }
    }

    /// The sleeping side's fence (after announcing, before re-checking).
    #[inline]
    pub fn heavy(self) {
        match self {
            FenceMode::Asymmetric => membarrier::barrier(),
            FenceMode::AsymmetricGlobal => membarrier::global_barrier(),
            FenceMode::Symmetric => fence(Ordering::SeqCst),
        }
    }
}

/// `#[cfg(...)]` on the first item and `#[cfg(not(...))]` on the second:
/// the condition is written once, so the two cannot drift apart.
macro_rules! cfg_either {
    (#[cfg($cond:meta)] $yes:item else $no:item) => {
        #[cfg($cond)]
        $yes
        #[cfg(not($cond))]
        $no
    };
}

// `membarrier(2)` where it can be used; elsewhere a stand-in with the same
// functions that reports it unavailable and fences symmetrically.
cfg_either! {
    #[cfg(all(
        target_os = "linux",
        feature = "std",
        not(ring_loom),
        not(miri),
        not(ring_symmetric_fence)
    ))]
    mod membarrier {
        use core::sync::atomic::{AtomicU8, Ordering};

        const UNKNOWN: u8 = 0;
        const YES: u8 = 1;
        const NO: u8 = 2;
        // A process-wide fact, so a process-wide static (never under loom).
        static STATE: AtomicU8 = AtomicU8::new(UNKNOWN);

        // The same three states for the global expedited registration.
        static GLOBAL_STATE: AtomicU8 = AtomicU8::new(UNKNOWN);

        const CMD_QUERY: libc::c_int = 0;
        const CMD_GLOBAL_EXPEDITED: libc::c_int = 1 << 1;
        const CMD_REGISTER_GLOBAL_EXPEDITED: libc::c_int = 1 << 2;
        const CMD_PRIVATE_EXPEDITED: libc::c_int = 1 << 3;
        const CMD_REGISTER_PRIVATE_EXPEDITED: libc::c_int = 1 << 4;

        fn call(cmd: libc::c_int) -> libc::c_long {
            // SAFETY: membarrier takes no pointers; an unknown command fails with EINVAL.
            unsafe {
                libc::syscall(
                    libc::SYS_membarrier,
                    cmd,
                    0 as libc::c_uint,
                    0 as libc::c_int,
                )
            }
        }

        /// Whether `cmd` is supported and this process registered for it with
        /// `register`, both tried once (on the first call with `state`) and the
        /// answer cached in `state`.
        fn register_once(state: &AtomicU8, cmd: libc::c_int, register: libc::c_int) -> bool {
            // ORDERING: Relaxed; the cached answer carries no data. Registration is
            // a syscall, so it is complete before any thread can observe YES and use
            // the ring that was created after it.
            match state.load(Ordering::Relaxed) {
                YES => return true,
                NO => return false,
                _ => {}
            }
            let supported = call(CMD_QUERY);
            let ok = supported >= 0 && (supported & cmd as libc::c_long) != 0 && call(register) == 0;
            // ORDERING: Relaxed; see above (racing registrations are idempotent).
            state.store(if ok { YES } else { NO }, Ordering::Relaxed);
            ok
        }

        pub(super) fn available() -> bool {
            register_once(
                &STATE,
                CMD_PRIVATE_EXPEDITED,
                CMD_REGISTER_PRIVATE_EXPEDITED,
            )
        }

        /// Issues the expedited barrier `cmd`, which this process registered for.
        #[inline]
        fn expedited(cmd: libc::c_int) {
            if call(cmd) != 0 {
                // Only reachable after a successful registration, when the command
                // cannot fail short of a kernel bug (or a seccomp filter installed
                // after registration); stay as correct as a fence can make us.
                core::sync::atomic::fence(Ordering::SeqCst);
            }
        }

        pub(super) fn barrier() {
            expedited(CMD_PRIVATE_EXPEDITED);
        }

        /// Registers this process for global expedited barriers (once): from then
        /// on, a `MEMBARRIER_CMD_GLOBAL_EXPEDITED` issued by any process runs a full
        /// barrier on every CPU running one of our threads. True if registered and
        /// the command is supported (so this process can also issue it).
        pub(super) fn global_available() -> bool {
            register_once(
                &GLOBAL_STATE,
                CMD_GLOBAL_EXPEDITED,
                CMD_REGISTER_GLOBAL_EXPEDITED,
            )
        }

        /// A full barrier on every CPU running a thread of a process registered
        /// for global expedited barriers (and on this one).
        pub(super) fn global_barrier() {
            expedited(CMD_GLOBAL_EXPEDITED);
        }
    }
    else
    mod membarrier {
        pub(super) fn available() -> bool {
            false
        }
        pub(super) fn barrier() {
            super::fence(super::Ordering::SeqCst);
        }
        pub(super) fn global_available() -> bool {
            false
        }
        pub(super) fn global_barrier() {
            super::fence(super::Ordering::SeqCst);
        }
    }
}

#[cfg(all(test, feature = "std", not(ring_loom)))]
mod tests {
    use super::FenceMode;

    #[test]
    fn cross_process_mode_is_decided_once_and_its_fences_run() {
        let m = FenceMode::detect_cross_process();
        assert_eq!(
            m,
            FenceMode::detect_cross_process(),
            "a cached, process-wide fact"
        );
        // The private command never reaches another process.
        assert_ne!(m, FenceMode::Asymmetric);
        if cfg!(miri) || cfg!(ring_symmetric_fence) {
            assert_eq!(m, FenceMode::Symmetric);
        }
        m.light();
        m.heavy();
    }
}
