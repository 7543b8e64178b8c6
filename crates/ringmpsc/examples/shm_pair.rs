//! Two processes sharing one ring.
//!
//! The parent creates the ring, serves its fd on a Unix socket (in a fresh
//! temporary directory) and re-executes this program as the child. The child
//! connects, receives the fd, attaches as the producer and streams N items;
//! the parent consumes them. Both compute a checksum; the child sends its
//! checksum over the socket and the parent compares.
//!
//! Run: `cargo run --release -p ringmpsc --example shm_pair [N]`

#[cfg(target_os = "linux")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    imp::main()
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("shm_pair needs Linux (memfd, SCM_RIGHTS)");
}

#[cfg(target_os = "linux")]
mod imp {
    use std::error::Error;
    use std::io::{Read, Write};
    use std::os::fd::AsFd;
    use std::process::Command;
    use std::time::Instant;

    use ringmpsc::primitives::Config;
    use ringmpsc::shm::SharedRing;
    use ringmpsc::shm::fd_passing::{FdServer, connect, recv_fd, send_fd};

    /// A checksum that depends on the order of the items.
    fn mix(sum: u64, item: u64) -> u64 {
        (sum ^ item).wrapping_mul(0x100_0000_01B3).rotate_left(5)
    }

    pub(crate) fn main() -> Result<(), Box<dyn Error>> {
        let args: Vec<String> = std::env::args().collect();
        if args.get(1).map(String::as_str) == Some("--child") {
            return child(&args[2], args[3].parse()?);
        }
        let n: u64 = args.get(1).map_or(Ok(10_000_000), |s| s.parse())?;

        let ring = SharedRing::<u64>::create(Config::default())?;
        let dir = std::env::temp_dir().join(format!("shm_pair-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let server = FdServer::bind(dir.join("ring.sock"))?;
        let mut child = Command::new(std::env::current_exe()?)
            .arg("--child")
            .arg(server.path())
            .arg(n.to_string())
            .spawn()?;
        let mut conn = server.accept()?;
        send_fd(&conn, ring.as_fd())?;
        drop(server);
        std::fs::remove_dir(&dir)?;

        let mut rx = ring.into_consumer()?;
        let t0 = Instant::now();
        let (mut count, mut sum) = (0u64, 0u64);
        while rx
            .consume_batch_with(
                |&v| {
                    sum = mix(sum, v);
                    count += 1;
                },
                ringmpsc::primitives::WaitStrategy::Blocking,
            )
            .is_ok()
        {}
        let took = t0.elapsed();
        let mut theirs = [0u8; 8];
        conn.read_exact(&mut theirs)?;
        let theirs = u64::from_le_bytes(theirs);
        let status = child.wait()?;
        println!(
            "received {count} items in {took:?} ({:.1} M items/s); checksum {sum:#x}, producer's {theirs:#x}",
            count as f64 / took.as_secs_f64() / 1e6
        );
        if count != n || sum != theirs || !status.success() {
            return Err("checksum or count mismatch".into());
        }
        Ok(())
    }

    fn child(sock: &str, n: u64) -> Result<(), Box<dyn Error>> {
        let mut conn = connect(sock)?;
        let fd = recv_fd(&conn)?;
        let mut tx = SharedRing::<u64>::attach(fd)?.into_producer()?;
        let mut sum = 0u64;
        let mut next = 0u64;
        let mut batch = [0u64; 256];
        while next < n {
            let len = (n - next).min(batch.len() as u64) as usize;
            for (i, b) in batch[..len].iter_mut().enumerate() {
                *b = next + i as u64;
            }
            let mut sent = tx.send_slice(&batch[..len]);
            if sent == 0 {
                tx.send(batch[0])?; // full: block for one
                sent = 1;
            }
            for &v in &batch[..sent] {
                sum = mix(sum, v);
            }
            next += sent as u64;
        }
        tx.close();
        conn.write_all(&sum.to_le_bytes())?;
        Ok(())
    }
}
