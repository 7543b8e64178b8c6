//! A ring consumer inside tokio: `tokio::io::unix::AsyncFd` over the ring's
//! `EventNotifier`, next to a task reading a Unix socket on the same
//! (single-threaded) runtime. The producer is a plain OS thread.
//!
//! Run with `cargo run -p ring-wait --example tokio_asyncfd`.

use std::io::Write;
use std::thread;
use std::time::Duration;

use ring_core::{Config, TryRecvError, spsc};
use ring_wait::EventNotifier;
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

const ITEMS: u64 = 10_000;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let (mut tx, mut rx) = spsc::channel::<u64>(Config::default().with_ring_bits(8));
    let notifier = EventNotifier::new()?;
    rx.set_notifier(Some(notifier.clone()));
    // SAFETY: the notifier owns its eventfd (shared through an `Arc` with the
    // clone the ring holds), so the descriptor stays open and `as_raw_fd`
    // returns the same number for as long as the `AsyncFd` owns this value.
    let ready = unsafe { AsyncFd::register_with_interest(notifier, Interest::READABLE) }
        .map_err(std::io::Error::from)?;

    let producer = thread::spawn(move || {
        for i in 0..ITEMS {
            tx.send(i).expect("the consumer outlives the producer");
            if i % 1_000 == 999 {
                thread::sleep(Duration::from_millis(1));
            }
        }
    });
    let (std_a, mut std_b) = std::os::unix::net::UnixStream::pair()?;
    std_a.set_nonblocking(true)?;
    let sock = tokio::net::UnixStream::from_std(std_a)?;
    let peer = thread::spawn(move || {
        std_b
            .write_all(b"hello from tokio's side")
            .expect("socket write");
    });

    let ring_task = async move {
        let (mut sum, mut count, mut waits) = (0u64, 0u64, 0u32);
        loop {
            match rx.try_recv() {
                Ok(v) => {
                    sum += v;
                    count += 1;
                }
                Err(TryRecvError::Closed) => break,
                Err(TryRecvError::Empty) => {
                    if rx.arm() {
                        // Items or the close arrived meanwhile: no sleep.
                        rx.disarm();
                        continue;
                    }
                    let mut guard = ready.readable().await?;
                    waits += 1;
                    rx.disarm();
                    guard.get_inner().consume();
                    guard.clear_ready();
                }
            }
        }
        Ok::<_, std::io::Error>((count, sum, waits))
    };
    let sock_task = async move {
        let (mut bytes, mut buf) = (Vec::new(), [0u8; 64]);
        loop {
            sock.readable().await?;
            match sock.try_read(&mut buf) {
                Ok(0) => break, // end of file
                Ok(k) => bytes.extend_from_slice(&buf[..k]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
        }
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&bytes).into_owned())
    };
    let (ring, text) = tokio::join!(ring_task, sock_task);
    let ((count, sum, waits), text) = (ring?, text?);
    producer.join().expect("producer");
    peer.join().expect("peer");

    assert_eq!(count, ITEMS);
    assert_eq!(sum, ITEMS * (ITEMS - 1) / 2);
    assert_eq!(text, "hello from tokio's side");
    println!("received {count} items (sum {sum}) after {waits} async waits, and {text:?}");
    Ok(())
}
