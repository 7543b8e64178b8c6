//! A line-oriented logger: many threads format log lines straight into
//! their byte ring (no allocation per line), one writer thread appends them
//! to a file.
//!
//! Each thread's `ByteProducer` (a clone: its own ring) reserves room for
//! the longest line it allows, formats into the grant with `write!`, and
//! commits exactly the bytes written (`commit_len`); a line that does not
//! fit is truncated rather than split. The writer takes every line waiting
//! in one `consume_batch_with` call, in place, and writes it with a newline
//! to a buffered file; it ends when every producer is gone and everything
//! is written. At the end the file is read back and every line checked.
//!
//! Run: `cargo run --release -p ringmpsc --example byte_logger [threads] [lines per thread] [file]`

use std::error::Error;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::thread;
use std::time::Instant;

use ringmpsc::bytes;
use ringmpsc::primitives::{Config, WaitStrategy};

/// The longest line a thread writes (longer ones are cut here).
const MAX_LINE: usize = 200;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let threads: usize = args.get(1).map_or(Ok(4), |s| s.parse())?;
    let per_thread: u64 = args.get(2).map_or(Ok(100_000), |s| s.parse())?;
    let path: PathBuf = args.get(3).map_or_else(
        || std::env::temp_dir().join(format!("byte_logger-{}.log", std::process::id())),
        Into::into,
    );
    let out_path = path.clone();

    // 64 KiB per thread's ring.
    let (tx, mut rx) = bytes::channel(Config::default().with_ring_bits(16));
    let t0 = Instant::now();
    let loggers: Vec<_> = (0..threads)
        .map(|t| {
            let mut tx = tx.clone();
            thread::spawn(move || {
                for i in 0..per_thread {
                    let mut g = tx
                        .reserve_with(MAX_LINE, WaitStrategy::Blocking)
                        .expect("the writer outlives the loggers");
                    let mut room = &mut g[..];
                    // A full grant only truncates the line: ignore the error.
                    let _ = write!(
                        room,
                        "thread={t} seq={i} msg=\"request served\" took_us={}",
                        (i * 7919) % 1000
                    );
                    let n = MAX_LINE - room.len();
                    g.commit_len(n);
                }
            })
        })
        .collect();
    drop(tx); // the writer ends once every logger is gone

    let writer = thread::spawn(move || -> std::io::Result<(u64, u64)> {
        let mut out = BufWriter::new(File::create(&out_path)?);
        let (mut lines, mut bytes, mut err) = (0u64, 0u64, None);
        while rx
            .consume_batch_with(
                |line| {
                    lines += 1;
                    bytes += line.len() as u64 + 1;
                    if err.is_none() {
                        err = out
                            .write_all(line)
                            .and_then(|()| out.write_all(b"\n"))
                            .err();
                    }
                },
                WaitStrategy::Blocking,
            )
            .is_ok()
        {}
        if let Some(e) = err {
            return Err(e);
        }
        out.flush()?;
        Ok((lines, bytes))
    });

    for h in loggers {
        h.join().map_err(|_| "a logger thread panicked")?;
    }
    let (lines, written) = writer.join().map_err(|_| "the writer panicked")??;
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "{lines} lines ({written} bytes) from {threads} threads in {secs:.3} s: {:.0} lines/s",
        lines as f64 / secs
    );

    // Check the file: every line once, each thread's in order.
    let mut next = vec![0u64; threads];
    for line in BufReader::new(File::open(&path)?).lines() {
        let line = line?;
        let mut f = line.split(' ');
        let t: usize = f
            .next()
            .and_then(|s| s.strip_prefix("thread="))
            .ok_or("bad line")?
            .parse()?;
        let i: u64 = f
            .next()
            .and_then(|s| s.strip_prefix("seq="))
            .ok_or("bad line")?
            .parse()?;
        if next[t] != i {
            return Err(format!("thread {t}: line {i} where {} was due", next[t]).into());
        }
        next[t] += 1;
    }
    if next.iter().any(|&n| n != per_thread) {
        return Err(format!("lines per thread {next:?}, {per_thread} expected").into());
    }
    println!(
        "checked {}: every line once, in order per thread",
        path.display()
    );
    if args.get(3).is_none() {
        std::fs::remove_file(&path)?;
    }
    Ok(())
}
