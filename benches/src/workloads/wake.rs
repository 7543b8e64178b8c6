//! Wake-up shapes: each side asleep before every message (futex and
//! eventfd doorbells), and the CPU an idle consumer burns.

use super::*;

/// The wake-up ping-pong where each side is asleep before every message:
/// A waits `gap` (so B has gone through its spin and yield phases into the
/// kernel), stamps and sends; B wakes, records the one-way latency, waits
/// `gap`, stamps and sends back; A wakes and records. The round trip is the
/// sum of the two one-way wake-ups (the gaps excluded). Stamps are
/// nanoseconds since a shared `Instant` (CLOCK_MONOTONIC, consistent across CPUs).
pub fn wake_pingpong(
    n: usize,
    gap: Duration,
    place: Placement,
    (mut a_send, mut a_recv): (impl FnMut(u64) + Send, impl FnMut() -> u64 + Send),
    (mut b_send, mut b_recv): (impl FnMut(u64) + Send, impl FnMut() -> u64 + Send),
) -> RunResult {
    let base = Instant::now();
    let now = move || base.elapsed().as_nanos() as u64;
    let (_, (there, back)) = pair(
        place,
        || {},
        || {
            thread::scope(|s| {
                let b = s.spawn(move || {
                    pin(place.consumer_cpu());
                    let mut there = Vec::with_capacity(n);
                    for _ in 0..n {
                        let sent = a_recv();
                        there.push(now().saturating_sub(sent));
                        thread::sleep(gap);
                        b_send(now());
                    }
                    there
                });
                pin(place.producer_cpu());
                let mut back = Vec::with_capacity(n);
                for _ in 0..n {
                    thread::sleep(gap);
                    a_send(now());
                    let sent = b_recv();
                    back.push(now().saturating_sub(sent));
                }
                (b.join().expect("B side"), back)
            })
        },
    );
    if there.len() != n || back.len() != n {
        return Err("wake ping-pong lost a message".into());
    }
    let mut rtt: Vec<f64> = there
        .iter()
        .zip(&back)
        .map(|(a, b)| (a + b) as f64)
        .collect();
    Ok(latency_sample(&mut rtt))
}

/// [`wake_pingpong`] over two channels made by `side` (A's, then B's).
fn wake_sides<S, R>(
    n: usize,
    gap: Duration,
    place: Placement,
    mut side: impl FnMut() -> Result<(S, R), String>,
) -> RunResult
where
    S: FnMut(u64) + Send,
    R: FnMut() -> u64 + Send,
{
    let a = side()?;
    let b = side()?;
    wake_pingpong(n, gap, place, a, b)
}

/// Wake-up round trip: ours with `Blocking` (futex) on both sides.
pub fn wake_ours(n: usize, gap: Duration, place: Placement) -> RunResult {
    wake_sides(n, gap, place, || {
        let (mut tx, mut rx) = spsc::channel::<u64>(Config::LOW_LATENCY);
        Ok(blocking_ends!(
            "alive",
            tx,
            rx.recv_with(WaitStrategy::Blocking)
        ))
    })
}

/// Wake-up round trip: crossbeam-channel blocking `recv`.
pub fn wake_crossbeam(n: usize, gap: Duration, place: Placement) -> RunResult {
    wake_sides(n, gap, place, || {
        let (tx, rx) = crossbeam_channel::bounded::<u64>(4096);
        Ok(blocking_ends!("alive", tx, rx.recv()))
    })
}

/// Wake-up round trip: `std::sync::mpsc` blocking `recv`.
pub fn wake_std(n: usize, gap: Duration, place: Placement) -> RunResult {
    wake_sides(n, gap, place, || {
        let (tx, rx) = std::sync::mpsc::sync_channel::<u64>(4096);
        Ok(blocking_ends!("alive", tx, rx.recv()))
    })
}

/// CPU used by a consumer blocked for `wait` on an empty channel, as a
/// percentage of one core: ours.
pub fn idle_cpu_ours(wait: Duration) -> RunResult {
    let (_tx, mut rx) = spsc::channel::<u64>(Config::LOW_LATENCY);
    idle_cpu(move || rx.recv_timeout(wait).is_err(), wait)
}

/// Idle CPU: crossbeam-channel `recv_timeout`.
pub fn idle_cpu_crossbeam(wait: Duration) -> RunResult {
    let (_tx, rx) = crossbeam_channel::bounded::<u64>(4096);
    idle_cpu(move || rx.recv_timeout(wait).is_err(), wait)
}

/// Idle CPU: std `recv_timeout`.
pub fn idle_cpu_std(wait: Duration) -> RunResult {
    let (_tx, rx) = std::sync::mpsc::sync_channel::<u64>(4096);
    idle_cpu(move || rx.recv_timeout(wait).is_err(), wait)
}

pub(crate) fn idle_cpu(block: impl FnOnce() -> bool + Send, wait: Duration) -> RunResult {
    let (timed_out, cpu) = thread::scope(|s| {
        s.spawn(|| {
            let c0 = thread_cpu_ns();
            let timed_out = block();
            let c1 = thread_cpu_ns();
            (timed_out, c0.zip(c1).map(|(a, b)| b - a))
        })
        .join()
        .expect("idle thread")
    });
    if !timed_out {
        return Err("an empty channel returned an item".into());
    }
    let cpu = cpu.ok_or("no /proc/thread-self/schedstat: cannot measure thread CPU time")?;
    Ok(Sample::of(cpu as f64 / wait.as_nanos() as f64 * 100.0))
}

// ------------------------------------------------------------- wake: eventfd

/// Wake-up round trip through ring-wait's `EventNotifier`: each receiver arms
/// its consumer and sleeps in `epoll_wait` on the ring's eventfd.
pub fn wake_eventfd_ours(n: usize, gap: Duration, place: Placement) -> RunResult {
    use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollTimeout};
    use ringmpsc::wait::EventNotifier;
    fn side(cfg: Config) -> Result<(spsc::Producer<u64>, impl FnMut() -> u64 + Send), String> {
        let (tx, mut rx) = spsc::channel::<u64>(cfg);
        let note = EventNotifier::new().map_err(|e| e.to_string())?;
        let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).map_err(|e| e.to_string())?;
        note.register_epoll(&epoll).map_err(|e| e.to_string())?;
        rx.set_notifier(Some(note.clone()));
        let recv = move || loop {
            if let Ok(v) = rx.try_recv() {
                return v;
            }
            if !rx.arm() {
                let mut ev = [EpollEvent::empty()];
                let _ = epoll.wait(&mut ev, EpollTimeout::NONE);
            }
            rx.disarm();
            note.consume();
        };
        Ok((tx, recv))
    }
    wake_sides(n, gap, place, || {
        let (mut tx, recv) = side(Config::LOW_LATENCY)?;
        Ok((move |v| tx.send(v).expect("alive"), recv))
    })
}

/// The raw floor for the eventfd path: a value in an atomic, an eventfd
/// write to signal, `epoll_wait` + read to sleep; no ring.
pub fn wake_eventfd_raw(n: usize, gap: Duration, place: Placement) -> RunResult {
    use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
    use nix::sys::eventfd::{EfdFlags, EventFd};
    use ringmpsc::primitives::sync::{AtomicU64, Ordering};
    struct Mailbox {
        value: AtomicU64,
        efd: EventFd,
        epoll: Epoll,
    }
    fn mailbox() -> Result<Mailbox, String> {
        let efd = EventFd::from_value_and_flags(0, EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK)
            .map_err(|e| e.to_string())?;
        let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).map_err(|e| e.to_string())?;
        epoll
            .add(&efd, EpollEvent::new(EpollFlags::EPOLLIN, 0))
            .map_err(|e| e.to_string())?;
        Ok(Mailbox {
            value: AtomicU64::new(u64::MAX),
            efd,
            epoll,
        })
    }
    impl Mailbox {
        fn send(&self, v: u64) {
            // ORDERING: Release; pairs with the Acquire swap in `recv`.
            self.value.store(v, Ordering::Release);
            let _ = self.efd.write(1);
        }
        fn recv(&self) -> u64 {
            loop {
                // ORDERING: Acquire; pairs with the Release store in `send`.
                let v = self.value.swap(u64::MAX, Ordering::Acquire);
                if v != u64::MAX {
                    return v;
                }
                let mut ev = [EpollEvent::empty()];
                let _ = self.epoll.wait(&mut ev, EpollTimeout::NONE);
                let _ = self.efd.read();
            }
        }
    }
    let a = mailbox()?;
    let b = mailbox()?;
    let (a, b) = (&a, &b);
    wake_pingpong(
        n,
        gap,
        place,
        (|v| a.send(v), || a.recv()),
        (|v| b.send(v), || b.recv()),
    )
}
