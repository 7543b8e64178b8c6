//! A logger built on the flight recorder: several writer threads record
//! log lines without ever waiting, one reader thread prints them and
//! reports the gaps (`lost_before`) where it fell behind and the writers
//! overwrote the oldest lines.
//!
//! Run: `cargo run --release -p ringmpsc --example flight_recorder [LINES_PER_WRITER]`
//!
//! The writers log in bursts of 512 lines and the reader is deliberately
//! slow (it sleeps every 1,000 lines), so the rings of 256 lines each
//! overflow now and then and the loss accounting shows: every line is
//! printed, or counted as lost, exactly once.

use std::thread;
use std::time::Duration;

use ringmpsc::primitives::Config;
use ringmpsc::recorder;

/// A log line: which thread, which of its lines, a level and a message.
#[derive(Debug)]
struct Line {
    thread: usize,
    n: u64,
    level: &'static str,
    text: String,
}

fn main() {
    let per_writer: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let (log, reader) = recorder::channel::<Line>(Config::default().with_ring_bits(8));

    // Writer 0 is `log` itself; its clones are writers 1 and 2.
    let mut logs = vec![log.clone(), log.clone()];
    logs.insert(0, log);
    let writers: Vec<_> = logs
        .into_iter()
        .enumerate()
        .map(|(t, mut log)| {
            thread::spawn(move || {
                let mut spare: Option<Line> = None;
                for n in 0..per_writer {
                    // Reuse the buffer of an evicted line: no allocation once warm.
                    let mut line = spare.take().unwrap_or(Line {
                        thread: t,
                        n: 0,
                        level: "",
                        text: String::with_capacity(64),
                    });
                    line.thread = t;
                    line.n = n;
                    line.level = if n % 1000 == 0 { "WARN" } else { "INFO" };
                    line.text.clear();
                    line.text.push_str("request handled");
                    if n % 512 == 0 {
                        thread::sleep(Duration::from_millis(1)); // bursts of work
                    }
                    match log.record(line) {
                        Ok(evicted) => spare = evicted,
                        Err(closed) => {
                            eprintln!("writer {t}: the reader is gone ({closed})");
                            return;
                        }
                    }
                }
            })
        })
        .collect();
    let reporter = thread::spawn(move || {
        let (mut printed, mut gaps, mut lost) = (0u64, 0u64, 0u64);
        for entry in reader {
            if entry.lost_before > 0 {
                gaps += 1;
                lost += entry.lost_before;
                if gaps <= 5 {
                    println!(
                        "writer {}: {} lines lost before its line {}",
                        entry.writer, entry.lost_before, entry.seq
                    );
                }
            }
            let line = entry.value;
            if printed < 3 || line.level == "WARN" && printed % 50_000 == 0 {
                println!(
                    "[{}] thread {} #{}: {}",
                    line.level, line.thread, line.n, line.text
                );
            }
            printed += 1;
            if printed % 1000 == 0 {
                thread::sleep(Duration::from_millis(1)); // a slow sink
            }
        }
        (printed, gaps, lost)
    });

    for w in writers {
        w.join().expect("writer");
    }
    let (printed, gaps, lost) = reporter.join().expect("reader");
    let total = 3 * per_writer;
    println!("recorded {total}, printed {printed}, lost {lost} in {gaps} gaps");
    assert_eq!(
        printed + lost,
        total,
        "every line printed or counted as lost"
    );
}
