//! The conformance suite with async ends (`AsyncRecvExt`, `AsyncSendExt`),
//! instantiated for every channel family: sync→async, async→sync and
//! async→async transfers, wake-ups by commit, freed room and every close
//! route, the waker of the latest poll, and cancellation.
#![cfg(feature = "async")]
#![allow(clippy::disallowed_types)] // reason: the suite counts drops with std atomics; no protocol runs under loom here

ringmpsc_testkit::conformance_async_families!(
    use ringmpsc::prelude::*;
    spsc: ringmpsc::spsc,
    mpsc: ringmpsc::mpsc,
    spmc: ringmpsc::spmc,
    mpmc: ringmpsc::mpmc,
);

/// The families with their own item shapes receive asynchronously too:
/// the recorder's `Entry`, broadcast's every-subscriber items, and byte
/// records (copied out as `Vec<u8>`).
mod own_shapes {
    use ringmpsc::prelude::*;
    use ringmpsc_testkit::{CountingWaker, block_on, poll_once, scale, small, watchdog};
    use std::task::Poll;

    #[test]
    fn recorder_reader_receives_async_until_close() {
        watchdog(30, || {
            let (mut w, mut r) = ringmpsc::recorder::channel::<u64>(small(8));
            let n = scale(200, 20) as u64;
            let t = std::thread::spawn(move || {
                for i in 0..n {
                    w.record(i).unwrap();
                }
            });
            let got = block_on(async {
                let mut got = Vec::new();
                while let Ok(e) = r.recv_async().await {
                    got.push(e.value);
                }
                got
            });
            t.join().unwrap();
            assert_eq!(got, (0..n).collect::<Vec<_>>());
        });
    }

    #[test]
    fn broadcast_every_subscriber_async_and_publisher_async() {
        watchdog(30, || {
            let (mut p, a) =
                ringmpsc::broadcast::channel::<u64>(small(2), ringmpsc::broadcast::Overflow::Block);
            let b = a.clone();
            let n = scale(1_000, 30) as u64;
            let sub = |mut s: ringmpsc::broadcast::Subscriber<u64>| {
                std::thread::spawn(move || {
                    block_on(async move {
                        let mut got = Vec::new();
                        while let Ok(v) = s.recv_async().await {
                            got.push(v);
                        }
                        got
                    })
                })
            };
            let (ta, tb) = (sub(a), sub(b));
            block_on(async {
                for i in 0..n {
                    p.send_async(i).await.unwrap();
                }
            });
            drop(p);
            let all: Vec<u64> = (0..n).collect();
            assert_eq!(ta.join().unwrap(), all);
            assert_eq!(tb.join().unwrap(), all);
        });
    }

    #[test]
    fn byte_consumer_receives_records_async_and_close_wakes_it() {
        watchdog(30, || {
            let (mut tx, mut rx) = ringmpsc::bytes::channel(small(8));
            let n = scale(500, 20);
            let t = std::thread::spawn(move || {
                for i in 0..n {
                    tx.send(&i.to_le_bytes()[..i % 8]).unwrap();
                }
            });
            let got = block_on(async {
                let mut got = Vec::new();
                while let Ok(rec) = rx.recv_async().await {
                    got.push(rec);
                }
                got
            });
            t.join().unwrap();
            assert_eq!(got.len(), n);
            for (i, rec) in got.iter().enumerate() {
                assert_eq!(rec[..], i.to_le_bytes()[..i % 8]);
            }
            let (_tx, mut rx) = ringmpsc::bytes::channel(small(8));
            let closer = rx.closer();
            let (c, w) = CountingWaker::new();
            let mut recv = rx.recv_async();
            assert!(poll_once(&mut recv, &w).is_pending());
            closer.close();
            assert!(
                c.wakes() >= 1,
                "Closer did not wake the pending byte receive"
            );
            assert!(matches!(poll_once(&mut recv, &w), Poll::Ready(Err(_))));
        });
    }
}
