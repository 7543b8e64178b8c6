//! The flight recorder under load: fast writers, a slow and sleepy reader,
//! `[u64; 4]` entries with check words. Exact accounting per writer:
//! received + evicted (handed back by `record`) == recorded, every gap the
//! reader sees equals the evictions between two of its entries, no entry
//! is torn, duplicated or both received and evicted.

#![allow(clippy::disallowed_types)] // reason: the test observer flags with std atomics; no protocol runs under loom here

use std::collections::HashMap;
use std::thread;
use std::time::Duration;

use ring_channels::recorder;
use ring_core::Config;
use ringmpsc_testkit::{scale, watchdog};

fn entry(writer: u64, i: u64) -> [u64; 4] {
    [
        writer,
        i,
        !i,
        i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ writer,
    ]
}

#[test]
fn fast_writers_and_a_sleepy_reader_account_for_every_entry() {
    watchdog(120, || {
        let per_writer = scale(200_000, 150) as u64;
        let (first, mut reader) =
            recorder::channel::<[u64; 4]>(Config::default().with_ring_bits(6));
        let mut handles = Vec::new();
        let mut w = Some(first);
        for t in 0..2u64 {
            let mut log = if t == 1 {
                w.take().unwrap()
            } else {
                w.as_ref().unwrap().clone()
            };
            handles.push(thread::spawn(move || {
                let mut evicted = Vec::new();
                for i in 0..per_writer {
                    if let Some(old) = log.record(entry(log.writer() as u64, i)).unwrap() {
                        assert_eq!(old, entry(old[0], old[1]), "a torn evicted entry");
                        evicted.push(old[1]);
                    }
                }
                (log.writer(), evicted)
            }));
        }
        // writer -> (received seqs, sum of gaps)
        let mut seen: HashMap<usize, (Vec<u64>, u64)> = HashMap::new();
        let mut n = 0u64;
        while let Ok(e) = reader.recv() {
            assert_eq!(
                e.value,
                entry(e.writer as u64, e.seq),
                "a torn or misnumbered entry"
            );
            let (seqs, gaps) = seen.entry(e.writer).or_default();
            let expected = seqs.last().map_or(0, |s| s + 1);
            assert_eq!(e.lost_before, e.seq - expected, "gap miscounted");
            seqs.push(e.seq);
            *gaps += e.lost_before;
            n += 1;
            if n.is_multiple_of(512) {
                thread::sleep(Duration::from_micros(200)); // a sleepy reader
            }
        }
        let mut total_evicted = 0;
        for h in handles {
            let (writer, mut evicted) = h.join().unwrap();
            let (seqs, gaps) = seen.remove(&writer).unwrap_or_default();
            assert_eq!(
                gaps,
                evicted.len() as u64,
                "writer {writer}: gaps != evictions"
            );
            // Received and evicted are disjoint and cover every seq exactly once.
            evicted.extend(&seqs);
            evicted.sort_unstable();
            assert_eq!(
                evicted,
                (0..per_writer).collect::<Vec<_>>(),
                "writer {writer}"
            );
            total_evicted += gaps;
        }
        assert_eq!(reader.lost(), total_evicted);
    });
}

/// An observer whose `before_commit` panics once, when armed.
#[derive(Debug, Clone, Default)]
struct PanicBeforeCommit(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl ring_core::Observer for PanicBeforeCommit {
    fn before_commit(&self, _pos: u64, _n: usize) {
        if self.0.swap(false, std::sync::atomic::Ordering::SeqCst) {
            panic!("PanicBeforeCommit");
        }
    }
}

/// A writer whose observer panics in `before_commit` right after an
/// eviction still publishes what it wrote: the next records neither hang
/// (on the position it evicted) nor lose the entry. Found in review.
#[test]
fn a_panicking_before_commit_after_an_eviction_wedges_nothing() {
    watchdog(20, || {
        let obs = PanicBeforeCommit::default();
        let (mut log, mut reader) = recorder::Builder::new(Config::default().with_ring_bits(1))
            .observer(obs.clone())
            .build::<u64>()
            .unwrap();
        log.record(0).unwrap();
        log.record(1).unwrap();
        obs.0.store(true, std::sync::atomic::Ordering::SeqCst);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| log.record(2)));
        assert!(r.is_err(), "the hook's panic reaches the caller");
        assert_eq!(
            log.record(3).unwrap(),
            Some(1),
            "no hang, the next oldest goes"
        );
        let got: Vec<u64> = reader.try_iter().map(|e| e.value).collect();
        assert_eq!(
            got,
            [2, 3],
            "the entry written before the panic was published"
        );
    });
}
