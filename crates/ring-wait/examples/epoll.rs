//! One thread sleeping in epoll on two sources at once: a ring (through its
//! `EventNotifier`) and a Unix socket. It exits when the ring is closed and
//! drained and the socket reached end-of-file, and checks what it received.
//!
//! Run with `cargo run -p ring-wait --example epoll`.

use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::thread;
use std::time::Duration;

use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use ring_core::{Config, TryRecvError, spsc};
use ring_wait::EventNotifier;

const RING: u64 = 1;
const SOCKET: u64 = 2;
const ITEMS: u64 = 10_000;

fn main() -> std::io::Result<()> {
    let (mut tx, mut rx) = spsc::channel::<u64>(Config::default().with_ring_bits(8));
    let notifier = EventNotifier::new()?;
    rx.set_notifier(Some(notifier.clone()));
    let (mut sock_writer, mut sock) = UnixStream::pair()?;
    sock.set_nonblocking(true)?;

    let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?;
    notifier.register_epoll_with(&epoll, RING)?;
    epoll.add(&sock, EpollEvent::new(EpollFlags::EPOLLIN, SOCKET))?;

    // A producer that sends in bursts with pauses, so the consumer really
    // goes to sleep between them; dropping `tx` at the end closes the ring.
    let producer = thread::spawn(move || {
        for i in 0..ITEMS {
            tx.send(i).expect("the consumer outlives the producer");
            if i % 1_000 == 999 {
                thread::sleep(Duration::from_millis(1));
            }
        }
    });
    // A peer that writes a few messages on the socket, then closes it.
    let peer = thread::spawn(move || {
        for word in ["hello ", "from ", "the ", "socket"] {
            sock_writer
                .write_all(word.as_bytes())
                .expect("socket write");
            thread::sleep(Duration::from_millis(2));
        }
    });

    let (mut sum, mut count, mut text) = (0u64, 0u64, String::new());
    let (mut ring_open, mut sock_open) = (true, true);
    let (mut sleeps, mut ring_wakes) = (0u32, 0u32);
    let mut events = [EpollEvent::empty(); 8];
    while ring_open || sock_open {
        // 1. Drain the ring.
        while ring_open {
            match rx.try_recv() {
                Ok(v) => {
                    sum += v;
                    count += 1;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Closed) => {
                    ring_open = false;
                    notifier.unregister_epoll(&epoll)?;
                }
            }
        }
        if !ring_open && !sock_open {
            break;
        }
        // 2. Arm: if items (or the close) arrived meanwhile, do not sleep.
        if ring_open && rx.arm() {
            rx.disarm();
            continue;
        }
        // 3. Sleep until the ring or the socket has something.
        let n = epoll.wait(&mut events, EpollTimeout::NONE)?;
        sleeps += 1;
        if ring_open {
            rx.disarm();
        }
        for ev in &events[..n] {
            match ev.data() {
                RING => {
                    ring_wakes += 1;
                    notifier.consume();
                }
                SOCKET => {
                    let mut buf = [0u8; 64];
                    loop {
                        match sock.read(&mut buf) {
                            Ok(0) => {
                                sock_open = false;
                                epoll.delete(&sock)?;
                                break;
                            }
                            Ok(k) => text.push_str(std::str::from_utf8(&buf[..k]).expect("utf-8")),
                            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                            Err(e) => return Err(e),
                        }
                    }
                }
                other => unreachable!("unknown epoll data {other}"),
            }
        }
    }
    producer.join().expect("producer");
    peer.join().expect("peer");

    assert_eq!(count, ITEMS);
    assert_eq!(sum, ITEMS * (ITEMS - 1) / 2);
    assert_eq!(text, "hello from the socket");
    println!(
        "received {count} items (sum {sum}) and {:?} from the socket; slept in epoll {sleeps} times, {ring_wakes} of them woken by the ring",
        text
    );
    Ok(())
}
