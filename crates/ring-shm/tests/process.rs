//! Two real processes: each test re-executes this test binary as the peer
//! (`--exact <test> --nocapture`, with an environment variable saying so) and
//! hands it the ring's fd through `fd_passing` over a Unix socket.
#![cfg(target_os = "linux")]
#![cfg(not(miri))] // processes, memfd and sockets are system calls

use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::thread;
use std::time::{Duration, Instant};

use ring_core::{Config, RecvError, RecvTimeoutError};
use ring_shm::fd_passing::{FdServer, connect, recv_fd, send_fd};
use ring_shm::{SharedByteRing, SharedConsumer, SharedProducer, SharedRing, ShmSafe};
use ringmpsc_testkit::{check_stamped, lengths, stamped_record, watchdog, xorshift};

const ROLE_ENV: &str = "RING_SHM_TEST_CHILD";
const SOCK_ENV: &str = "RING_SHM_TEST_SOCK";

fn is_child() -> bool {
    std::env::var_os(ROLE_ENV).is_some()
}

/// Parent side: serves `ring`'s fd to a re-executed copy of this test.
/// Returns the child and the connection (for a little signalling).
fn spawn_peer(test: &str, ring: &impl AsFd) -> (Child, UnixStream) {
    let dir: PathBuf = std::env::temp_dir().join(format!("ring-shm-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let server = FdServer::bind(dir.join("s")).unwrap();
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(ROLE_ENV, "1")
        .env(SOCK_ENV, server.path())
        .spawn()
        .unwrap();
    let conn = server.accept().unwrap();
    send_fd(&conn, ring.as_fd()).unwrap();
    drop(server);
    std::fs::remove_dir(&dir).unwrap();
    (child, conn)
}

/// Child side: the fd of the ring served by the parent.
fn fd_from_parent() -> (OwnedFd, UnixStream) {
    let conn = connect(std::env::var_os(SOCK_ENV).unwrap()).unwrap();
    let fd = recv_fd(&conn).unwrap();
    (fd, conn)
}

/// Child side: the ring served by the parent.
fn attach_to_parent<T: ShmSafe>() -> (SharedRing<T>, UnixStream) {
    let (fd, conn) = fd_from_parent();
    (SharedRing::attach(fd).unwrap(), conn)
}

/// Child side: the producer of the ring served by the parent.
fn producer_from_parent<T: ShmSafe>() -> (SharedProducer<T>, UnixStream) {
    let (ring, conn) = attach_to_parent::<T>();
    (ring.into_producer().unwrap(), conn)
}

/// Child side: the consumer of the ring served by the parent.
fn consumer_from_parent<T: ShmSafe>() -> (SharedConsumer<T>, UnixStream) {
    let (ring, conn) = attach_to_parent::<T>();
    (ring.into_consumer().unwrap(), conn)
}

/// Parent side: a ring of `2^bits` slots served to a re-executed copy of
/// `test`; the ring, the child and the connection.
fn serve<T: ShmSafe>(test: &str, bits: u32) -> (SharedRing<T>, Child, UnixStream) {
    let ring = SharedRing::<T>::create(Config::default().with_ring_bits(bits)).unwrap();
    let (child, conn) = spawn_peer(test, &ring);
    (ring, child, conn)
}

/// Parent side: [`serve`], keeping the consumer.
fn serve_consumer<T: ShmSafe>(test: &str, bits: u32) -> (SharedConsumer<T>, Child, UnixStream) {
    let (ring, child, conn) = serve(test, bits);
    (ring.into_consumer().unwrap(), child, conn)
}

/// Parent side: [`serve`], keeping the producer.
fn serve_producer<T: ShmSafe>(test: &str, bits: u32) -> (SharedProducer<T>, Child, UnixStream) {
    let (ring, child, conn) = serve(test, bits);
    (ring.into_producer().unwrap(), child, conn)
}

fn signal(conn: &mut UnixStream) {
    conn.write_all(&[1]).unwrap();
}

fn await_signal(conn: &mut UnixStream) {
    let mut b = [0u8];
    conn.read_exact(&mut b).unwrap();
}

/// Parent side: tells the peer it may go and checks that it exits cleanly.
fn release(conn: &mut UnixStream, child: Child) {
    signal(conn);
    assert_exit_ok(child);
}

fn assert_exit_ok(mut child: Child) {
    let status = child.wait().unwrap();
    assert!(status.success(), "peer process failed: {status}");
}

#[test]
fn million_items_in_order() {
    const N: u64 = 1_000_000;
    if is_child() {
        let (mut tx, _conn) = producer_from_parent::<u64>();
        let mut next = 0u64;
        let mut batch = [0u64; 64];
        while next < N {
            if next.is_multiple_of(3) {
                tx.send(next).unwrap();
                next += 1;
            } else {
                let n = (N - next).min(64) as usize;
                for (i, b) in batch[..n].iter_mut().enumerate() {
                    *b = next + i as u64;
                }
                let sent = tx.send_slice(&batch[..n]);
                if sent == 0 {
                    // Full: block for one item instead of spinning.
                    tx.send(next).unwrap();
                    next += 1;
                } else {
                    next += sent as u64;
                }
            }
        }
        return; // dropping `tx` closes the ring
    }
    watchdog(120, || {
        let (mut rx, child, _conn) = serve_consumer::<u64>("million_items_in_order", 12);
        let mut expect = 0u64;
        while let Ok(v) = rx.recv() {
            assert_eq!(v, expect);
            expect += 1;
            rx.consume_batch(|&v| {
                assert_eq!(v, expect);
                expect += 1;
            });
        }
        assert_eq!(expect, N);
        assert_exit_ok(child);
    });
}

/// Round trips between two processes where both sides park on the futex
/// before every message (no spin or yield phase), so every message races a
/// sleeper's registration against a commit: the store-buffering pair of
/// docs/memory-ordering.md §3, with each process's own fence mode (a compiler
/// fence on commits and the global expedited membarrier before sleeping, where
/// the kernel has it). The liveness slice is 20 s, so a single lost wake-up
/// would stall the run for 20 s instead of 50 ms: the run must stay far below.
#[test]
fn parked_ping_pong_between_processes_loses_no_wake_up() {
    const N: u32 = if cfg!(debug_assertions) {
        2_000
    } else {
        20_000
    };
    const SLICE: Duration = Duration::from_secs(20);
    let park = ring_core::WaitStrategy::PhasedBackoff { spin: 0, yield_: 0 };
    if is_child() {
        let (there, conn) = attach_to_parent::<u32>();
        let back = SharedRing::<u32>::attach(recv_fd(&conn).unwrap()).unwrap();
        let mut rx = there.into_consumer().unwrap();
        let mut tx = back.into_producer().unwrap();
        rx.set_liveness_interval(SLICE);
        tx.set_liveness_interval(SLICE);
        for i in 0..N {
            assert_eq!(rx.recv_with(park), Ok(i));
            tx.send_with(i, park).unwrap();
        }
        return;
    }
    watchdog(120, move || {
        let cfg = Config::default().with_ring_bits(1);
        let there = SharedRing::<u32>::create(cfg).unwrap();
        let back = SharedRing::<u32>::create(cfg).unwrap();
        let (child, conn) = spawn_peer(
            "parked_ping_pong_between_processes_loses_no_wake_up",
            &there,
        );
        send_fd(&conn, back.as_fd()).unwrap();
        let mut tx = there.into_producer().unwrap();
        let mut rx = back.into_consumer().unwrap();
        tx.set_liveness_interval(SLICE);
        rx.set_liveness_interval(SLICE);
        let t0 = Instant::now();
        for i in 0..N {
            tx.send_with(i, park).unwrap();
            assert_eq!(rx.recv_with(park), Ok(i));
        }
        let took = t0.elapsed();
        assert!(
            took < SLICE / 2,
            "{N} parked round trips took {took:?}: a wake-up was lost and a slice ran out"
        );
        assert_exit_ok(child);
    });
}

#[test]
fn blocking_recv_is_woken_by_the_other_process() {
    if is_child() {
        let (mut tx, mut conn) = producer_from_parent::<u32>();
        // Wait until the consumer is parked on the futex, then wake it.
        while !tx.is_consumer_parked() {
            thread::yield_now();
        }
        tx.send(42).unwrap();
        // Stay alive until the parent has received (a dead producer would
        // also end its wait, which is not what this test is about).
        await_signal(&mut conn);
        return;
    }
    watchdog(60, || {
        let (mut rx, child, mut conn) =
            serve_consumer::<u32>("blocking_recv_is_woken_by_the_other_process", 4);
        // Liveness slices far longer than the watchdog: only a futex wake
        // from the other process can end this wait in time.
        rx.set_liveness_interval(Duration::from_secs(600));
        let t0 = Instant::now();
        assert_eq!(rx.recv(), Ok(42));
        assert!(t0.elapsed() < Duration::from_secs(600));
        release(&mut conn, child);
    });
}

#[test]
fn producer_close_is_seen_by_the_consumer_process() {
    if is_child() {
        let (mut tx, mut conn) = producer_from_parent::<u16>();
        assert_eq!(tx.send_slice(&[1, 2, 3]), 3);
        tx.close();
        await_signal(&mut conn); // alive until the parent saw the close
        return;
    }
    watchdog(60, || {
        let (mut rx, child, mut conn) =
            serve_consumer::<u16>("producer_close_is_seen_by_the_consumer_process", 4);
        assert_eq!((rx.recv(), rx.recv(), rx.recv()), (Ok(1), Ok(2), Ok(3)));
        assert_eq!(rx.recv(), Err(RecvError));
        assert!(rx.is_producer_alive(), "closed, not dead");
        release(&mut conn, child);
    });
}

#[test]
fn consumer_close_is_seen_by_the_producer_process() {
    if is_child() {
        let (mut rx, mut conn) = consumer_from_parent::<u64>();
        for i in 0..3 {
            assert_eq!(rx.recv(), Ok(i));
        }
        rx.close();
        await_signal(&mut conn);
        return;
    }
    watchdog(60, || {
        let (mut tx, child, mut conn) =
            serve_producer::<u64>("consumer_close_is_seen_by_the_producer_process", 2);
        let mut i = 0;
        // Blocks once the ring is full, until the consumer's close wakes it.
        while tx.send(i).is_ok() {
            i += 1;
        }
        assert!(i >= 3);
        assert!(tx.is_consumer_alive(), "closed, not dead");
        release(&mut conn, child);
    });
}

/// An item whose four words check each other: a torn or garbage item shows.
fn item(i: u64) -> [u64; 4] {
    [
        i,
        !i,
        i.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        i ^ 0xA5A5_A5A5_A5A5_A5A5,
    ]
}

#[test]
fn killed_producer_ends_a_blocked_receive() {
    if is_child() {
        let (mut tx, _conn) = producer_from_parent::<[u64; 4]>();
        let mut i = 0u64;
        // Stream until killed.
        while tx.send(item(i)).is_ok() {
            i += 1;
        }
        panic!("the parent never closes: the child must be killed mid-stream");
    }
    watchdog(60, || {
        let (mut rx, mut child, _conn) =
            serve_consumer::<[u64; 4]>("killed_producer_ends_a_blocked_receive", 10);
        let mut next = 0u64;
        while next < 50_000 {
            assert_eq!(rx.recv(), Ok(item(next)));
            next += 1;
        }
        child.kill().unwrap(); // SIGKILL, mid-stream
        let killed = Instant::now();
        // Drain what was committed before the death, then `Closed`.
        loop {
            match rx.recv_timeout(Duration::from_secs(30)) {
                Ok(v) => {
                    assert_eq!(v, item(next), "whole and in order");
                    next += 1;
                }
                Err(e) => {
                    assert_eq!(e, RecvTimeoutError::Closed);
                    break;
                }
            }
        }
        let took = killed.elapsed();
        eprintln!(
            "producer death seen {took:?} after SIGKILL ({} items in all, pidfd: {})",
            next,
            rx.uses_pidfd()
        );
        // Within the liveness window (heartbeat timeout 1 s without a pidfd,
        // one 50 ms slice with it), with a wide margin for a loaded machine.
        assert!(took < Duration::from_secs(20));
        assert!(!rx.is_producer_alive());
        assert!(matches!(
            rx.check_producer(),
            Err(ring_shm::ShmError::PeerDead)
        ));
        let status = child.wait().unwrap();
        assert!(!status.success());
    });
}

#[test]
fn killed_consumer_ends_a_blocked_send() {
    if is_child() {
        let (_rx, mut conn) = consumer_from_parent::<u8>();
        signal(&mut conn); // attached; now wait to be killed
        await_signal(&mut conn);
        panic!("the parent kills this process");
    }
    watchdog(60, || {
        let (mut tx, mut child, mut conn) =
            serve_producer::<u8>("killed_consumer_ends_a_blocked_send", 1);
        await_signal(&mut conn);
        assert_eq!(tx.send_slice(&[1, 2]), 2);
        child.kill().unwrap();
        assert!(tx.send(3).is_err(), "a dead consumer closes the ring");
        assert!(!tx.is_consumer_alive());
        let _ = child.wait();
    });
}

#[test]
fn roles_are_claimed_once_across_processes() {
    if is_child() {
        let (ring, mut conn) = attach_to_parent::<u8>();
        assert!(matches!(
            ring.into_producer(),
            Err(ring_shm::ShmError::RoleTaken)
        ));
        signal(&mut conn);
        return;
    }
    watchdog(60, || {
        let ring = SharedRing::<u8>::create(Config::default().with_ring_bits(1)).unwrap();
        let fd = ring.as_fd().try_clone_to_owned().unwrap();
        let _tx = SharedRing::<u8>::attach(fd)
            .unwrap()
            .into_producer()
            .unwrap();
        let (child, mut conn) = spawn_peer("roles_are_claimed_once_across_processes", &ring);
        await_signal(&mut conn);
        assert_exit_ok(child);
    });
}

/// A would-be producer that attaches and exits without taking its role. No
/// liveness verdict ends the consumer's wait: there is no producer to judge
/// (any holder of the fd may still take the role), so a blocking receive
/// waits as the caller asked, a timed one times out, and a producer that
/// attaches later is received from (docs/shm-protocol.md, "Before the peer
/// takes its role").
#[test]
fn a_peer_dying_before_taking_its_role_leaves_the_role_open() {
    if is_child() {
        let (_ring, _conn) = attach_to_parent::<u32>();
        return; // exits holding no role
    }
    watchdog(60, || {
        let ring = SharedRing::<u32>::create(Config::default().with_ring_bits(2)).unwrap();
        let fd = ring.as_fd().try_clone_to_owned().unwrap();
        let (child, _conn) = spawn_peer(
            "a_peer_dying_before_taking_its_role_leaves_the_role_open",
            &ring,
        );
        assert_exit_ok(child); // the would-be producer is gone
        let mut rx = ring.into_consumer().unwrap();
        rx.set_heartbeat_timeout(Duration::ZERO);
        rx.set_liveness_interval(Duration::from_millis(1));
        assert_eq!(
            rx.recv_timeout(Duration::from_millis(20)),
            Err(RecvTimeoutError::Timeout)
        );
        assert_eq!(rx.producer_pid(), 0);
        assert!(rx.is_producer_alive(), "no producer to be dead");
        let mut tx = SharedRing::<u32>::attach(fd)
            .unwrap()
            .into_producer()
            .unwrap();
        tx.send(7).unwrap();
        assert_eq!(rx.recv(), Ok(7));
    });
}

/// The flight recorder's post-mortem read: a writer process records as
/// fast as it can and is SIGKILLed mid-burst; the reader then takes its
/// role and reads what was retained: every entry whole (check words), in
/// order, each gap counted exactly (`lost_before`), the first gap equal to
/// the first `seq`, and the end reported once the writer is seen dead.
#[test]
fn recorder_read_after_the_writer_was_killed_mid_burst() {
    let entry = |i: u64| {
        [
            i,
            !i,
            i.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            i ^ 0xA5A5_A5A5,
        ]
    };
    if is_child() {
        let (fd, mut conn) = fd_from_parent();
        let mut w = ring_shm::SharedRecorder::<[u64; 4]>::attach(fd)
            .unwrap()
            .into_writer()
            .unwrap();
        let mut i = 0u64;
        loop {
            w.record(entry(i)).unwrap();
            i += 1;
            if i == 100_000 {
                signal(&mut conn); // well past a wrap: kill me any time now
            }
        }
    }
    watchdog(60, move || {
        let rec = ring_shm::SharedRecorder::<[u64; 4]>::create(Config::default().with_ring_bits(8))
            .unwrap();
        let (mut child, mut conn) =
            spawn_peer("recorder_read_after_the_writer_was_killed_mid_burst", &rec);
        await_signal(&mut conn);
        child.kill().unwrap(); // SIGKILL, mid-burst
        child.wait().unwrap();
        let mut r = rec.into_reader().unwrap();
        r.set_liveness_interval(Duration::from_millis(10));
        let (mut got, mut gaps, mut last) = (0u64, 0u64, None::<u64>);
        while let Ok(e) = r.recv() {
            assert_eq!(e.value, entry(e.value[0]), "a torn entry");
            assert_eq!(e.seq, e.value[0]);
            match last {
                None => assert_eq!(e.lost_before, e.seq),
                Some(p) => assert_eq!(e.lost_before, e.seq - p - 1),
            }
            last = Some(e.seq);
            gaps += e.lost_before;
            got += 1;
        }
        assert!(!r.is_writer_alive());
        assert!(
            got > 0 && got <= 256,
            "retained at most the capacity: {got}"
        );
        let last = last.unwrap();
        assert!(
            last >= 99_999,
            "entries 0..100_000 were recorded before the kill: last {last}"
        );
        assert_eq!(
            got + gaps,
            last + 1,
            "every entry up to the last is received or counted lost"
        );
        // A writer killed between its eviction's head CAS and the count leaves
        // the count one short of the gaps (docs/shm-protocol.md).
        assert!(
            r.lost() + 1 >= gaps && r.lost() <= gaps,
            "lost {} vs gaps {gaps}",
            r.lost()
        );
    });
}

/// Byte records between two processes: the child sends stamped records of
/// random lengths (copying forms and grants), the parent checks each one.
#[test]
fn byte_records_cross_processes_in_order() {
    const N: u64 = 200_000;
    if is_child() {
        let (fd, _conn) = fd_from_parent();
        let mut tx = SharedByteRing::attach(fd).unwrap().into_producer().unwrap();
        let mut lens = lengths(9, 16, 300);
        for seq in 0..N {
            let r = stamped_record(0, seq, lens.next().unwrap());
            if seq.is_multiple_of(2) {
                tx.send(&r).unwrap();
            } else {
                let mut g = tx
                    .reserve_with(r.len(), ring_core::WaitStrategy::Blocking)
                    .unwrap();
                g.write(0, &r);
                g.commit();
            }
        }
        return; // dropping `tx` closes the ring
    }
    watchdog(120, || {
        let ring = SharedByteRing::create(Config::default().with_ring_bits(12)).unwrap();
        let (child, _conn) = spawn_peer("byte_records_cross_processes_in_order", &ring);
        let mut rx = ring.into_consumer().unwrap();
        let mut next = 0u64;
        let mut check = |r: &[u8]| {
            assert_eq!(check_stamped(r), Some((0, next)), "record {next}");
            next += 1;
        };
        while let Ok(r) = rx.recv() {
            check(&r);
            rx.consume_batch(&mut check);
        }
        assert_eq!(next, N);
        assert_eq!(rx.frame_corruption(), None);
        assert_exit_ok(child);
    });
}

/// Offsets in the mapping (docs/shm-protocol.md): the producer's tail, the
/// consumer's head, the close flags, the byte slots.
const TAIL: usize = 128;
const HEAD: usize = 256;
const CLOSED: usize = 384;
const SLOTS: usize = 512;

/// A hostile producer process: it writes frames and the tail itself, and
/// keeps rewriting records it has published (headers and payloads) while
/// the consumer may be copying them. The consumer must never read outside
/// the ring or crash: it receives records of checked lengths (garbage or
/// not) until it finds a bad frame, which closes it.
#[test]
fn a_peer_rewriting_records_while_they_are_copied_never_breaks_the_consumer() {
    if is_child() {
        return hostile_byte_producer();
    }
    watchdog(120, || {
        let ring = SharedByteRing::create(Config::default().with_ring_bits(12)).unwrap();
        let max = ring.max_record();
        let (child, _conn) = spawn_peer(
            "a_peer_rewriting_records_while_they_are_copied_never_breaks_the_consumer",
            &ring,
        );
        let mut rx = ring.into_consumer().unwrap();
        let (mut got, mut intact) = (0u64, 0u64);
        let mut buf = Vec::new();
        loop {
            match rx.try_recv_into(&mut buf) {
                Ok(n) => {
                    assert!(n <= max && n == buf.len());
                    got += 1;
                    intact += u64::from(check_stamped(&buf).is_some());
                }
                Err(ring_core::TryRecvError::Empty) => std::thread::yield_now(),
                Err(ring_core::TryRecvError::Closed) => break,
            }
        }
        assert!(got > 0 && intact > 0, "{got} records, {intact} intact");
        drop(rx); // closes the consumer side: the child stops
        assert_exit_ok(child);
    });
}

/// The child of the test above: a producer that writes frames and the tail
/// of the byte ring itself, through its own mapping, and rewrites what it
/// published.
fn hostile_byte_producer() {
    use ring_core::sync::{AtomicU32, AtomicU64, Ordering};
    const CAP: u64 = 4096;
    let (fd, _conn) = fd_from_parent();
    let file = std::fs::File::from(fd);
    let map = memmap2::MmapOptions::new().map_raw(&file).unwrap();
    let base = map.as_mut_ptr();
    let at = |offset: usize| base.wrapping_add(offset);
    // SAFETY: the mapping has the ring's size (more than SLOTS + CAP bytes);
    // the tail is an 8-byte aligned atomic of the layout, shared with the
    // parent only through atomics, and lives as long as `map`.
    let tail = unsafe { AtomicU64::from_ptr(at(TAIL).cast()) };
    // SAFETY: as for the tail: the head.
    let head = unsafe { AtomicU64::from_ptr(at(HEAD).cast()) };
    // SAFETY: as for the tail: the 4-byte close flags.
    let closed = unsafe { AtomicU32::from_ptr(at(CLOSED).cast()) };
    let write = |pos: u64, bytes: &[u8]| {
        for (i, b) in bytes.iter().enumerate() {
            let at = SLOTS + ((pos as usize + i) % CAP as usize);
            // SAFETY: inside the slot array of the mapping; only this thread of
            // this process writes it (the parent only reads), volatile because
            // the parent reads it concurrently.
            unsafe { base.wrapping_add(at).write_volatile(*b) };
        }
    };
    let mut rnd = xorshift(77);
    let mut t = 0u64;
    for seq in 0..50_000u64 {
        // ORDERING: Relaxed; this test's own flag word, read to stop early.
        if closed.load(Ordering::Relaxed) != 0 {
            break;
        }
        // ORDERING: Acquire; pairs with the consumer's Release of head.
        while t - head.load(Ordering::Acquire) > CAP - 64 {
            std::thread::yield_now();
        }
        let mut h = [0u8; 8];
        h[..4].copy_from_slice(&24u32.to_ne_bytes());
        h[4..].copy_from_slice(&0x5245_4331u32.to_ne_bytes());
        write(t, &h);
        write(t + 8, &stamped_record(2, seq, 24));
        t += 32;
        // ORDERING: Release; pairs with the consumer's Acquire of tail.
        tail.store(t, Ordering::Release);
        // Rewrite a published record: its payload, and after a while its header.
        // ORDERING: Relaxed; any recent head will do for picking a victim.
        let h0 = head.load(Ordering::Relaxed);
        let victim = h0 + (rnd() % ((t - h0) / 32).max(1)) * 32;
        let r = rnd().to_ne_bytes();
        if seq > 20_000 && seq.is_multiple_of(97) {
            write(victim, &r); // a garbage header
        } else {
            write(victim + 8 + rnd() % 24, &r[..1]);
        }
    }
    // ORDERING: Release; the producer-closed bit, as a producer's close.
    closed.fetch_or(1, Ordering::Release);
}
