//! Handing a ring's fd to another process over a Unix domain socket
//! (`SCM_RIGHTS`).
//!
//! # Examples
//!
//! ```
//! # #[cfg(not(miri))] { // miri isolates sockets and files
//! use ring_shm::fd_passing::{recv_fd, send_fd};
//! use std::os::fd::AsFd;
//! use std::os::unix::net::UnixStream;
//!
//! let (a, b) = UnixStream::pair()?;
//! let file = std::fs::File::open("/dev/null")?;
//! send_fd(&a, file.as_fd())?;
//! let received = std::fs::File::from(recv_fd(&b)?); // same open file, close-on-exec
//! use std::os::unix::fs::MetadataExt;
//! assert_eq!(received.metadata()?.rdev(), file.metadata()?.rdev());
//! # }
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::sys::socket::{ControlMessage, ControlMessageOwned, MsgFlags, UnixAddr, recvmsg, sendmsg};

/// How many fds a receive makes room for: a peer that sends more than one
/// gets an error, and the extra fds are closed (up to this many; beyond it
/// the kernel truncates and closes them itself).
const FD_ROOM: usize = 8;

fn errno(e: Errno) -> io::Error {
    io::Error::from_raw_os_error(e as i32)
}

/// Sends `fd` over a connected Unix stream socket (one data byte carries the
/// `SCM_RIGHTS` message). The receiver gets a new fd for the same open file.
///
/// # Errors
///
/// The OS error of `sendmsg` (`EPIPE` if the peer is gone: no `SIGPIPE` is
/// raised).
///
/// # Examples
///
/// ```
/// # #[cfg(not(miri))] { // miri isolates sockets and files
/// use std::os::fd::AsFd;
/// let (a, b) = std::os::unix::net::UnixStream::pair()?;
/// ring_shm::fd_passing::send_fd(&a, a.as_fd())?;
/// let _fd = ring_shm::fd_passing::recv_fd(&b)?;
/// # }
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn send_fd(socket: &UnixStream, fd: BorrowedFd<'_>) -> io::Result<()> {
    let fds = [fd.as_raw_fd()];
    let cmsg = [ControlMessage::ScmRights(&fds)];
    let iov = [IoSlice::new(&[0u8])];
    loop {
        match sendmsg::<UnixAddr>(
            socket.as_raw_fd(),
            &iov,
            &cmsg,
            MsgFlags::MSG_NOSIGNAL,
            None,
        ) {
            Ok(1) => return Ok(()),
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "sendmsg sent no data byte",
                ));
            }
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(errno(e)),
        }
    }
}

/// Receives one fd sent with [`send_fd`]; the new fd is close-on-exec
/// (`MSG_CMSG_CLOEXEC`).
///
/// # Errors
///
/// `UnexpectedEof` if the peer closed the socket; `InvalidData` if the
/// message carried no fd, more than one, or its control data was truncated
/// (`MSG_CTRUNC`); otherwise the OS error of `recvmsg`.
///
/// # Examples
///
/// ```
/// # #[cfg(not(miri))] { // miri isolates sockets and files
/// use std::io::Write;
/// let (mut a, b) = std::os::unix::net::UnixStream::pair()?;
/// a.write_all(b"x")?; // a byte without an fd
/// let err = ring_shm::fd_passing::recv_fd(&b).unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
/// # }
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn recv_fd(socket: &UnixStream) -> io::Result<OwnedFd> {
    let mut byte = [0u8; 1];
    let mut space = nix::cmsg_space!([RawFd; FD_ROOM]);
    loop {
        let mut iov = [IoSliceMut::new(&mut byte)];
        let msg = match recvmsg::<UnixAddr>(
            socket.as_raw_fd(),
            &mut iov,
            Some(&mut space),
            MsgFlags::MSG_CMSG_CLOEXEC,
        ) {
            Ok(m) => m,
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(errno(e)),
        };
        let truncated = msg.flags.contains(MsgFlags::MSG_CTRUNC);
        let mut fds: Vec<OwnedFd> = Vec::new();
        if let Ok(cmsgs) = msg.cmsgs() {
            for c in cmsgs {
                if let ControlMessageOwned::ScmRights(raw) = c {
                    for fd in raw {
                        // SAFETY: the kernel just installed this fd in our table for
                        // this message; nothing else owns it.
                        fds.push(unsafe { OwnedFd::from_raw_fd(fd) });
                    }
                }
            }
        }
        if msg.bytes == 0 && fds.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the peer closed the socket before sending an fd",
            ));
        }
        if truncated {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "control data truncated (MSG_CTRUNC): more fds than expected",
            ));
        }
        return match fds.len() {
            1 => Ok(fds.remove(0)),
            0 => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the message carried no fd",
            )),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the message carried more than one fd",
            )),
        };
    }
}

/// Connects to an [`FdServer`] (or any Unix stream socket) at `path`.
///
/// # Errors
///
/// The OS error of `connect`.
///
/// # Examples
///
/// ```
/// # #[cfg(not(miri))] { // miri isolates sockets and files
/// let dir = std::env::temp_dir().join(format!("ring-shm-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let server = ring_shm::fd_passing::FdServer::bind(dir.join("c.sock"))?;
/// let _client = ring_shm::fd_passing::connect(server.path())?;
/// let _conn = server.accept()?;
/// # drop(server); std::fs::remove_dir(&dir)?;
/// # }
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
    UnixStream::connect(path)
}

/// A listening Unix socket that hands out connections for fd passing. Its
/// socket file is removed when it is dropped (if it is still the same file).
///
/// # Examples
///
/// ```
/// # #[cfg(not(miri))] { // miri isolates sockets and files
/// use ring_shm::fd_passing::{FdServer, connect, recv_fd, send_fd};
/// use std::os::fd::AsFd;
///
/// let dir = std::env::temp_dir().join(format!("ring-shm-doc-srv-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let server = FdServer::bind(dir.join("ring.sock"))?;
/// let client = connect(server.path())?;
/// let conn = server.accept()?;
/// send_fd(&conn, conn.as_fd())?;
/// let _fd = recv_fd(&client)?;
/// drop(server); // removes ring.sock
/// std::fs::remove_dir(&dir)?;
/// # }
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct FdServer {
    listener: UnixListener,
    path: PathBuf,
    /// (device, inode) of the socket file we created.
    id: (u64, u64),
}

impl FdServer {
    /// Binds and listens at `path`. An existing file there is removed only if
    /// it is a stale socket (a connect is refused: nobody listens); anything
    /// else (a listening socket, a regular file, a directory) is left alone
    /// and the bind fails with `AddrInUse`.
    ///
    /// # Errors
    ///
    /// `AddrInUse` as above, or the OS error of `bind`/`listen`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(not(miri))] { // miri isolates sockets and files
    /// use ring_shm::fd_passing::FdServer;
    /// let dir = std::env::temp_dir().join(format!("ring-shm-doc-bind-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("s.sock");
    /// let a = FdServer::bind(&path)?;
    /// let err = FdServer::bind(&path).unwrap_err(); // someone listens
    /// assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    /// drop(a);
    /// std::fs::remove_dir(&dir)?;
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<FdServer> {
        let path = path.as_ref().to_path_buf();
        let listener = match UnixListener::bind(&path) {
            Ok(l) => l,
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                let meta = std::fs::symlink_metadata(&path)?;
                let stale = meta.file_type().is_socket()
                    && matches!(
                        UnixStream::connect(&path),
                        Err(ref c) if c.kind() == io::ErrorKind::ConnectionRefused
                    );
                if !stale {
                    return Err(io::Error::new(
                        io::ErrorKind::AddrInUse,
                        "the path exists and is not a stale socket",
                    ));
                }
                std::fs::remove_file(&path)?;
                UnixListener::bind(&path)?
            }
            Err(e) => return Err(e),
        };
        let meta = std::fs::symlink_metadata(&path)?;
        Ok(FdServer {
            listener,
            path,
            id: (meta.dev(), meta.ino()),
        })
    }

    /// Waits for the next connection.
    ///
    /// # Errors
    ///
    /// The OS error of `accept`.
    ///
    /// # Examples
    ///
    /// See [`FdServer`].
    pub fn accept(&self) -> io::Result<UnixStream> {
        self.listener.accept().map(|(s, _)| s)
    }

    /// The socket's path.
    ///
    /// # Examples
    ///
    /// See [`FdServer`].
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl AsFd for FdServer {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.listener.as_fd()
    }
}

impl Drop for FdServer {
    fn drop(&mut self) {
        // Remove the socket file only if it is still the one we bound.
        if let Ok(meta) = std::fs::symlink_metadata(&self.path)
            && (meta.dev(), meta.ino()) == self.id
        {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
