//! The collector's socket: created safely at its path, and the acceptor
//! thread that serves it (one ring per connection) and watches every
//! connected producer's pidfd.

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use ring_core::Config;
use ring_core::sync::{Arc, Ordering};

use super::{CollectKind as Kind, Conn, Shared};
use crate::error::ShmError;
use crate::fd_passing::send_fd;
use crate::liveness;

/// The socket file at the collector's path: created without following a
/// planted symlink, with the permissions asked for before anyone can see
/// it, and removed on drop only if it is still the file we created.
#[derive(Debug)]
pub(super) struct SocketPath {
    path: PathBuf,
    /// (device, inode) of the socket file we created.
    id: (u64, u64),
}

impl SocketPath {
    /// Binds a listening socket at `path` with permissions `mode`.
    ///
    /// The socket is bound inside a fresh private directory (mode 0700,
    /// `mkdir` never follows a symlink) next to `path`, given `mode` there,
    /// then hard-linked to `path`: `link` fails if anything exists at `path`
    /// (a file, a socket, a symlink, dangling or not) and never follows it.
    pub(super) fn bind(path: &Path, mode: u32) -> Result<(UnixListener, SocketPath), ShmError> {
        path.file_name().ok_or_else(|| {
            ShmError::io(
                "bind",
                io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"),
            )
        })?;
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        // A short name (a socket path has at most 107 bytes), fresh each try.
        let mut tries = 0;
        let private = loop {
            let private = parent.join(format!(".rs{:08x}", crate::ring::generation() as u32));
            match std::fs::DirBuilder::new().mode(0o700).create(&private) {
                Ok(()) => break private,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && tries < 8 => tries += 1,
                Err(e) => return Err(ShmError::io("mkdir", e)),
            }
        };
        let staged = private.join("s");
        let result = Self::stage(&staged, path, mode);
        // The private directory goes whatever happened.
        let _ = std::fs::remove_file(&staged);
        let _ = std::fs::remove_dir(&private);
        result
    }

    fn stage(staged: &Path, path: &Path, mode: u32) -> Result<(UnixListener, SocketPath), ShmError> {
        let listener = UnixListener::bind(staged).map_err(|e| ShmError::io("bind", e))?;
        // `staged` lies in our own 0700 directory: nobody can have replaced it.
        std::fs::set_permissions(staged, std::fs::Permissions::from_mode(mode))
            .map_err(|e| ShmError::io("chmod", e))?;
        let meta = std::fs::symlink_metadata(staged).map_err(|e| ShmError::io("stat", e))?;
        std::fs::hard_link(staged, path).map_err(|e| ShmError::io("link", e))?;
        Ok((
            listener,
            SocketPath {
                path: path.to_path_buf(),
                id: (meta.dev(), meta.ino()),
            },
        ))
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SocketPath {
    fn drop(&mut self) {
        // Remove the path only if it is still the socket we bound.
        if let Ok(meta) = std::fs::symlink_metadata(&self.path)
            && (meta.dev(), meta.ino()) == self.id
        {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Writes a byte to the acceptor's wake socket (never blocks: a full socket
/// already holds a wake-up).
pub(super) fn wake(s: &UnixStream) {
    let _ = (&*s).write(&[1]);
}

/// The acceptor thread's loop: accepts connections and serves each one a
/// ring, watches the pidfds of connected producers, and stops once the
/// collector is closed.
pub(super) fn run<K: Kind>(
    shared: Arc<Shared<K>>,
    listener: UnixListener,
    wake_rx: UnixStream,
    config: Config,
) {
    let mut watch: Vec<(u64, OwnedFd)> = Vec::new();
    let mut next_id = 0u64;
    let mut wake_buf = [0u8; 64];
    loop {
        let ready: Vec<bool> = {
            let mut fds = vec![
                PollFd::new(listener.as_fd(), PollFlags::POLLIN),
                PollFd::new(wake_rx.as_fd(), PollFlags::POLLIN),
            ];
            fds.extend(
                watch
                    .iter()
                    .map(|(_, fd)| PollFd::new(fd.as_fd(), PollFlags::POLLIN)),
            );
            match poll(&mut fds, PollTimeout::NONE) {
                Ok(_) | Err(Errno::EINTR) => {}
                // Nothing sensible is left to do (EINVAL, ENOMEM): stop accepting.
                Err(_) => return,
            }
            fds.iter()
                .map(|f| f.revents().is_some_and(|r| !r.is_empty()))
                .collect()
        };
        if ready[1] {
            while matches!((&wake_rx).read(&mut wake_buf), Ok(n) if n > 0) {}
        }
        if shared.is_closed() {
            return;
        }
        let mut dead = Vec::new();
        let mut i = 0;
        watch.retain(|(id, _)| {
            let gone = ready.get(2 + i).copied().unwrap_or(false);
            i += 1;
            if gone {
                dead.push(*id);
            }
            !gone
        });
        {
            let mut inbox = shared.lock();
            let reclaimed = core::mem::take(&mut inbox.reclaimed);
            watch.retain(|(id, _)| !reclaimed.contains(id));
            if !dead.is_empty() {
                inbox.dead.extend(dead);
                shared.notify();
            }
        }
        if ready[0] {
            loop {
                let conn = match listener.accept() {
                    Ok((c, _)) => c,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    // WouldBlock (served every pending one), or a connection that
                    // failed before we took it: wait for the next.
                    Err(_) => break,
                };
                let id = next_id;
                next_id += 1;
                if let Some(pidfd) = serve::<K>(&shared, conn, id, config) {
                    watch.push((id, pidfd));
                }
            }
        }
    }
}

/// Serves one connection: a fresh ring (its consumer taken here, sleeping
/// on the collector's doorbell), the doorbell file's and the ring's fds sent
/// to the producer, and the ring handed to the collector. Returns the
/// producer's pidfd for the watch list (`None` without one, or when the
/// connection failed).
fn serve<K: Kind>(shared: &Shared<K>, conn: UnixStream, id: u64, config: Config) -> Option<OwnedFd> {
    // The listener is non-blocking; the connection must not be.
    conn.set_nonblocking(false).ok()?;
    let (pid, pidfd) = liveness::peer_pidfd(&conn);
    let (file, rx) = K::create(config, &super::BellMap(shared.bell.region.clone())).ok()?;
    let sent = send_fd(&conn, shared.bell.as_fd()).and_then(|()| send_fd(&conn, file.as_fd()));
    drop(file);
    let closer = K::remote_close(&rx);
    if sent.is_err() {
        // The producer never gets the ring: close it, so it is reclaimed at once.
        closer.0.close();
    }
    let watched = pidfd.is_some();
    shared.admit(
        Conn {
            id,
            pid,
            rx,
            watched,
        },
        closer,
    );
    if sent.is_err() { None } else { pidfd }
}

impl<K: Kind> Shared<K> {
    fn is_closed(&self) -> bool {
        // ORDERING: Acquire; pairs with the Release store in `close_all`.
        self.closed.load(Ordering::Acquire)
    }
}
