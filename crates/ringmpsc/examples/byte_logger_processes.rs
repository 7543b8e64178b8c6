//! The line-oriented logger of `byte_logger.rs`, across processes: several
//! client processes format variable-length log lines straight into their
//! own shared byte ring, one collector process appends every line to a
//! file.
//!
//! The parent binds a [`ByteCollector`](ringmpsc::shm::ByteCollector) at a
//! Unix socket in a fresh temporary directory and re-executes this program
//! as the clients. Each client connects (`connect_bytes`: a memfd byte ring
//! of its own, handed over the socket), reserves room for its longest line
//! in place, writes the formatted line into the grant and commits exactly
//! the bytes written (`commit_len`). The collector copies each record out, validating every
//! length it reads from the clients' memory, and writes it with a newline.
//! At the end the file is read back and every line checked: each client's
//! lines, all of them, in that client's order.
//!
//! Run: `cargo run --release -p ringmpsc --example byte_logger_processes [clients] [lines per client]`

#[cfg(target_os = "linux")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    imp::main()
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("byte_logger_processes needs Linux (memfd, SCM_RIGHTS, pidfd)");
}

#[cfg(target_os = "linux")]
mod imp {
    use std::collections::HashMap;
    use std::error::Error;
    use std::fs::File;
    use std::io::{BufRead, BufReader, BufWriter, Write};
    use std::process::Command;
    use std::time::Instant;

    use ringmpsc::primitives::{Config, WaitStrategy};
    use ringmpsc::shm::{ByteCollector, connect_bytes};

    /// The longest line a client writes (a line is cut, never split).
    const MAX_LINE: usize = 160;

    pub(crate) fn main() -> Result<(), Box<dyn Error>> {
        let args: Vec<String> = std::env::args().collect();
        if args.get(1).map(String::as_str) == Some("--client") {
            return client(&args[2], args[3].parse()?, args[4].parse()?);
        }
        let clients: usize = args.get(1).map_or(Ok(3), |s| s.parse())?;
        let lines: u64 = args.get(2).map_or(Ok(100_000), |s| s.parse())?;

        let dir = std::env::temp_dir().join(format!("byte_logger-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let sock = dir.join("log.sock");
        let out_path = dir.join("log.txt");
        // 64 KiB of byte ring per client.
        let mut collector = ByteCollector::bind(&sock, Config::default().with_ring_bits(16))?;
        let mut children = Vec::new();
        for id in 0..clients {
            children.push(
                Command::new(std::env::current_exe()?)
                    .arg("--client")
                    .arg(&sock)
                    .arg(id.to_string())
                    .arg(lines.to_string())
                    .spawn()?,
            );
        }

        let t0 = Instant::now();
        let mut out = BufWriter::new(File::create(&out_path)?);
        let (want, mut got, mut bytes) = (clients as u64 * lines, 0u64, 0usize);
        while got < want {
            // Blocks (spin, yield, then sleep on the shared doorbell) while no
            // client has written; each record is copied out and checked.
            let rec = collector
                .recv_with(WaitStrategy::Blocking)
                .map_err(|e| format!("collector: {e}"))?;
            out.write_all(&rec)?;
            out.write_all(b"\n")?;
            bytes += rec.len();
            got += 1;
        }
        out.flush()?;
        let took = t0.elapsed();
        for mut c in children {
            if !c.wait()?.success() {
                return Err("a client failed".into());
            }
        }
        drop(collector); // removes the socket
        println!(
            "{got} lines ({bytes} bytes) from {clients} processes in {took:?}: {:.2} M lines/s",
            got as f64 / took.as_secs_f64() / 1e6
        );

        // Every client's lines, all of them, in order.
        let mut next: HashMap<u64, u64> = HashMap::new();
        for line in BufReader::new(File::open(&out_path)?).lines() {
            let line = line?;
            let mut f = line.split(' ');
            let (id, n): (u64, u64) = match (f.next(), f.next()) {
                (Some(id), Some(n)) => (id.trim_start_matches('c').parse()?, n.parse()?),
                _ => return Err(format!("malformed line {line:?}").into()),
            };
            let expect = next.entry(id).or_insert(0);
            if n != *expect {
                return Err(format!("client {id}: line {n} where {expect} was due").into());
            }
            *expect += 1;
        }
        if next.len() != clients || next.values().any(|&n| n != lines) {
            return Err(format!("missing lines: {next:?}").into());
        }
        std::fs::remove_file(&out_path)?;
        std::fs::remove_dir(&dir)?;
        println!("checked: every line of every client, in order");
        Ok(())
    }

    fn client(sock: &str, id: u64, lines: u64) -> Result<(), Box<dyn Error>> {
        let mut tx = connect_bytes(sock)?;
        for n in 0..lines {
            // Room for the longest line; blocks while the ring is full.
            let mut grant = tx
                .reserve_with(MAX_LINE, WaitStrategy::Blocking)
                .map_err(|e| format!("reserve: {e}"))?;
            let mut line = [0u8; MAX_LINE];
            let mut w = &mut line[..];
            // Lengths vary from line to line: variable-length records.
            write!(
                w,
                "c{id} {n} level={} msg=",
                ["INFO", "WARN", "DEBUG"][(n % 3) as usize]
            )?;
            let pad = (n as usize * 7) % 64;
            for _ in 0..pad {
                write!(w, "x")?;
            }
            let len = MAX_LINE - w.len();
            grant.write(0, &line[..len]);
            grant.commit_len(len);
        }
        Ok(()) // dropping the producer closes its ring; the collector drains it
    }
}
