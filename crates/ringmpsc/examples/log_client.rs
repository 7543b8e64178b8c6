//! A client of `log_daemon`: connects to its socket and sends each
//! argument (or each line of stdin) as a fixed-size log record.
//!
//! Run (with `log_daemon` listening on the same path):
//!
//! ```text
//! cargo run -p ringmpsc --example log_client -- /tmp/ringmpsc-log.sock hello world
//! printf 'a\nb\n' | cargo run -p ringmpsc --example log_client -- /tmp/ringmpsc-log.sock
//! ```

#[cfg(target_os = "linux")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    use std::io::BufRead;

    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).map_or("/tmp/ringmpsc-log.sock", String::as_str);
    let mut tx = ringmpsc::shm::connect::<log_record::Record>(path)?;
    let mut send = |line: &str| {
        tx.send(log_record::encode(std::process::id(), line))
            .map_err(|_| "the daemon closed")
    };
    if args.len() > 2 {
        for word in &args[2..] {
            send(word)?;
        }
    } else {
        for line in std::io::stdin().lock().lines() {
            send(&line?)?;
        }
    }
    Ok(()) // dropping `tx` closes the ring: the daemon prints what is left, then reclaims it
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("log_client needs Linux (memfd, SCM_RIGHTS)");
}

/// The record both programs agree on (the same module in both files).
#[cfg(target_os = "linux")]
mod log_record {
    /// A log line: bytes 0..4 the sender's pid, 4..6 the text's length, then
    /// up to 122 bytes of UTF-8 text (longer lines are cut).
    pub(crate) type Record = [u8; 128];

    /// A record of `line` from `pid` (cut at 122 bytes).
    pub(crate) fn encode(pid: u32, line: &str) -> Record {
        let mut rec = [0u8; 128];
        let text = &line.as_bytes()[..line.len().min(rec.len() - 6)];
        rec[..4].copy_from_slice(&pid.to_le_bytes());
        rec[4..6].copy_from_slice(&(text.len() as u16).to_le_bytes());
        rec[6..6 + text.len()].copy_from_slice(text);
        rec
    }
}
