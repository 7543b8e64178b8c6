//! [`EventNotifier`]: an eventfd that a ring signals while its consumer is
//! armed, so the consumer can sleep in epoll, mio or tokio next to sockets.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use nix::errno::Errno;
use nix::sys::epoll::{Epoll, EpollEvent, EpollFlags};
use nix::sys::eventfd::{EfdFlags, EventFd};
use ring_core::Notify;
use ring_core::sync::Arc;

/// An eventfd (close-on-exec, non-blocking) that implements ring-core's
/// notification seam ([`Notify`]).
///
/// Attach it with `consumer.set_notifier(Some(notifier.clone()))`. The ring
/// then writes the eventfd on commit **only while the consumer is armed**
/// (`consumer.arm()` until `consumer.disarm()`), so a busy consumer costs no
/// system call at all; a close while armed signals it too. Clones share one
/// eventfd: keep one for your event loop, give another to the consumer.
///
/// Signals coalesce: the eventfd holds a counter, [`consume`](Self::consume)
/// reads and resets it.
///
/// # The arm protocol
///
/// 1. drain the ring (`try_recv` until `Empty`; `Closed` ends the loop);
/// 2. `consumer.arm()`: if it returns `true`, items (or a close) arrived
///    meanwhile: `disarm()` and go to 1;
/// 3. sleep in `epoll_wait` (with your other fds);
/// 4. on waking: `disarm()`, [`consume`](Self::consume), go to 1.
///
/// `arm` pays the sleeping side's fence before re-checking the ring, and a
/// commit reads the armed bit after publishing, so an item is never stranded
/// between step 2 and step 3 (the crate's loom model checks this).
///
/// # Examples
///
/// ```
/// use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollTimeout};
/// use ring_core::{Config, TryRecvError, spsc};
/// use ring_wait::EventNotifier;
///
/// # fn main() -> std::io::Result<()> {
/// let (mut tx, mut rx) = spsc::channel::<u64>(Config::default());
/// let notifier = EventNotifier::new()?;
/// rx.set_notifier(Some(notifier.clone()));
/// let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?;
/// notifier.register_epoll(&epoll)?;
///
/// let producer = std::thread::spawn(move || {
///     for i in 0..1000 {
///         tx.send(i).unwrap();
///     }
/// }); // dropping `tx` closes the channel, which wakes an armed consumer
///
/// let (mut sum, mut events) = (0, [EpollEvent::empty(); 4]);
/// 'run: loop {
///     loop {
///         match rx.try_recv() {
///             Ok(v) => sum += v,
///             Err(TryRecvError::Empty) => break,
///             Err(TryRecvError::Closed) => break 'run,
///         }
///     }
///     if !rx.arm() {
///         epoll.wait(&mut events, EpollTimeout::NONE)?;
///     }
///     rx.disarm();
///     notifier.consume();
/// }
/// producer.join().unwrap();
/// assert_eq!(sum, (0..1000).sum::<u64>());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct EventNotifier {
    fd: Arc<EventFd>,
}

impl EventNotifier {
    /// A new eventfd with counter 0, `EFD_CLOEXEC | EFD_NONBLOCK`.
    ///
    /// # Errors
    ///
    /// The OS error of `eventfd(2)` (e.g. `EMFILE` when out of descriptors).
    ///
    /// # Examples
    ///
    /// ```
    /// let n = ring_wait::EventNotifier::new()?;
    /// assert_eq!(n.consume(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new() -> io::Result<Self> {
        let fd = EventFd::from_value_and_flags(0, EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK)?;
        Ok(Self { fd: Arc::new(fd) })
    }

    /// Adds one to the counter, making the eventfd readable (what a commit
    /// does while the consumer is armed). Never blocks.
    ///
    /// A counter already at its maximum (`u64::MAX - 1`, after some 10^19
    /// signals nobody consumed) makes the write fail with `EAGAIN`; the fd is
    /// readable then anyway, so the signal is not lost and the error is ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// let n = ring_wait::EventNotifier::new()?;
    /// n.signal();
    /// n.signal();
    /// assert_eq!(n.consume(), 2); // signals coalesce
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[inline]
    pub fn signal(&self) {
        loop {
            match self.fd.write(1) {
                Err(Errno::EINTR) => continue,
                // Ok, or EAGAIN (saturated counter: already readable). An eventfd
                // write has no other failure for an 8-byte buffer.
                _ => return,
            }
        }
    }

    /// Reads and resets the counter: the number of signals since the last
    /// `consume`, or 0 when none is pending. Never blocks.
    ///
    /// # Examples
    ///
    /// ```
    /// let n = ring_wait::EventNotifier::new()?;
    /// assert_eq!(n.consume(), 0);
    /// n.signal();
    /// assert_eq!(n.consume(), 1);
    /// assert_eq!(n.consume(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[inline]
    pub fn consume(&self) -> u64 {
        loop {
            match self.fd.read() {
                Ok(n) => return n,
                Err(Errno::EINTR) => continue,
                // EAGAIN: counter is zero. An eventfd read has no other failure
                // for an 8-byte buffer.
                Err(_) => return 0,
            }
        }
    }

    /// The `data` word [`register_epoll`](Self::register_epoll) stores in the
    /// epoll event: the eventfd's descriptor number.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::fd::AsRawFd;
    /// let n = ring_wait::EventNotifier::new()?;
    /// assert_eq!(n.epoll_data(), n.as_raw_fd() as u64);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn epoll_data(&self) -> u64 {
        // A live descriptor number is non-negative, so it fits a u64 losslessly.
        u64::from(self.fd.as_raw_fd().unsigned_abs())
    }

    /// Adds the eventfd to `epoll`, edge-triggered for input
    /// (`EPOLLIN | EPOLLET`), with [`epoll_data`](Self::epoll_data) as its
    /// data word.
    ///
    /// Edge-triggered: every signal after a reported event is a new event, so
    /// forgetting [`consume`](Self::consume) never turns the loop into a busy
    /// loop (consuming still keeps the counter small).
    ///
    /// # Errors
    ///
    /// The OS error of `epoll_ctl(EPOLL_CTL_ADD)` (`EEXIST` if already registered).
    ///
    /// # Examples
    ///
    /// ```
    /// use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent};
    /// let n = ring_wait::EventNotifier::new()?;
    /// let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?;
    /// n.register_epoll(&epoll)?;
    /// n.signal();
    /// let mut events = [EpollEvent::empty()];
    /// assert_eq!(epoll.wait(&mut events, 0u16)?, 1);
    /// assert_eq!(events[0].data(), n.epoll_data());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn register_epoll(&self, epoll: &Epoll) -> io::Result<()> {
        self.register_epoll_with(epoll, self.epoll_data())
    }

    /// As [`register_epoll`](Self::register_epoll) with your own `data` word
    /// (a token, an index into your table).
    ///
    /// # Errors
    ///
    /// The OS error of `epoll_ctl(EPOLL_CTL_ADD)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent};
    /// let n = ring_wait::EventNotifier::new()?;
    /// let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?;
    /// n.register_epoll_with(&epoll, 42)?;
    /// n.signal();
    /// let mut events = [EpollEvent::empty()];
    /// epoll.wait(&mut events, 0u16)?;
    /// assert_eq!(events[0].data(), 42);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn register_epoll_with(&self, epoll: &Epoll, data: u64) -> io::Result<()> {
        let event = EpollEvent::new(EpollFlags::EPOLLIN | EpollFlags::EPOLLET, data);
        epoll.add(self.fd.as_fd(), event)?;
        Ok(())
    }

    /// Removes the eventfd from `epoll`.
    ///
    /// # Errors
    ///
    /// The OS error of `epoll_ctl(EPOLL_CTL_DEL)` (`ENOENT` if not registered).
    ///
    /// # Examples
    ///
    /// ```
    /// use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent};
    /// let n = ring_wait::EventNotifier::new()?;
    /// let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?;
    /// n.register_epoll(&epoll)?;
    /// n.unregister_epoll(&epoll)?;
    /// n.signal();
    /// let mut events = [EpollEvent::empty()];
    /// assert_eq!(epoll.wait(&mut events, 0u16)?, 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn unregister_epoll(&self, epoll: &Epoll) -> io::Result<()> {
        epoll.delete(self.fd.as_fd())?;
        Ok(())
    }
}

impl AsFd for EventNotifier {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for EventNotifier {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl Notify for EventNotifier {
    #[inline]
    fn notify(&self) {
        self.signal();
    }
}
