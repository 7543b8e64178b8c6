//! A small log daemon: many client processes, one collector.
//!
//! The daemon binds a [`Collector`](ringmpsc::shm::Collector) of fixed-size
//! log records at a Unix socket (mode 0600) and prints every line with the
//! pid of the process that sent it. Each client (`log_client`) gets a ring
//! of its own: a slow or crashed client never holds up the others, and a
//! crashed client's committed lines are still printed before its ring is
//! reclaimed. `--lines N` stops it after N lines (the collector's drop
//! removes the socket file). Ctrl-C kills it without that clean-up: the
//! collector never removes or follows anything at its path, so this
//! program, which knows the path is its own, removes a stale socket (one
//! nobody listens on) before it binds.
//!
//! Run, in two terminals:
//!
//! ```text
//! cargo run -p ringmpsc --example log_daemon -- /tmp/ringmpsc-log.sock
//! cargo run -p ringmpsc --example log_client -- /tmp/ringmpsc-log.sock hello world
//! ```
//!
//! (`log_daemon PATH --lines N` exits after N lines, for scripts.)

#[cfg(target_os = "linux")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    use std::time::Duration;

    use ringmpsc::primitives::{Config, RecvTimeoutError};
    use ringmpsc::shm::Collector;

    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).map_or("/tmp/ringmpsc-log.sock", String::as_str);
    let limit: Option<u64> = match args.get(2).map(String::as_str) {
        Some("--lines") => Some(args.get(3).ok_or("--lines N")?.parse()?),
        _ => None,
    };
    remove_stale_socket(path);
    let mut rx = Collector::<log_record::Record>::bind(path, Config::default().with_ring_bits(10))?;
    eprintln!("log_daemon: listening on {path}");
    let mut printed = 0u64;
    while limit.is_none_or(|n| printed < n) {
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(rec) => {
                let (pid, line) = log_record::decode(&rec);
                println!("[{pid}] {line}");
                printed += 1;
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Closed) => break,
        }
    }
    Ok(()) // dropping `rx` closes every client's ring and removes the socket
}

/// Removes `path` if it is a socket nobody listens on (left by a daemon
/// that was killed); anything else there is left for `bind` to refuse.
#[cfg(target_os = "linux")]
fn remove_stale_socket(path: &str) {
    use std::os::unix::fs::FileTypeExt;
    let is_socket = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket());
    let refused = matches!(
        std::os::unix::net::UnixStream::connect(path),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused
    );
    if is_socket && refused {
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("log_daemon needs Linux (memfd, SCM_RIGHTS, pidfd)");
}

/// The record both programs agree on (the same module in both files).
#[cfg(target_os = "linux")]
mod log_record {
    /// A log line: bytes 0..4 the sender's pid, 4..6 the text's length, then
    /// up to 122 bytes of UTF-8 text (longer lines are cut).
    pub(crate) type Record = [u8; 128];

    /// The pid and the text of a record (a garbage length is clamped).
    pub(crate) fn decode(rec: &Record) -> (u32, String) {
        let pid = u32::from_le_bytes([rec[0], rec[1], rec[2], rec[3]]);
        let len = usize::from(u16::from_le_bytes([rec[4], rec[5]])).min(rec.len() - 6);
        (pid, String::from_utf8_lossy(&rec[6..6 + len]).into_owned())
    }
}
