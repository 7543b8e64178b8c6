//! Byte records: variable-length records framed in one byte ring, written
//! and read in place (implementor module: `ring-channels`' `bytes` family
//! and `ring-shm`'s shared byte ring are built on it).
//!
//! The protocol extends the single-consumer ring ([`crate::raw`]): a byte
//! ring is an SPSC ring of `u8` slots, with the same header, doorbells, wait
//! driver and trust policies, whose positions count bytes. The producer
//! only ever publishes whole frames (an 8-byte header and the payload,
//! 8-byte aligned; a padding frame at the wrap point so a record is never
//! split), so any tail the consumer sees is a frame boundary. The framing
//! arithmetic lives in [`frame`], once.
//!
//! - [`ByteWriter`] owns an SPSC producer of `u8`s and writes records:
//!   [`try_reserve`](ByteWriter::try_reserve) gives a [`ByteGrant`] that
//!   derefs to exactly the record's bytes in the ring; `commit` /
//!   `commit_len` publish it, dropping it publishes nothing.
//! - [`try_recv`] reads the next record from an SPSC consumer of `u8`s in
//!   place as a [`ByteRecord`] (released when dropped, so the producer's room
//!   is exact); [`consume_up_to`] hands a batch to a closure; [`records`]
//!   counts what is waiting.
//! - [`max_record`](ByteWriter::max_record) is `capacity / 2 - 8`: such a
//!   record fits an empty ring wherever the write position is.
//!
//! # Examples
//!
//! ```
//! use ring_core::{Config, bytes};
//!
//! let (mut w, mut rx) = bytes::ring(Config::default().with_ring_bits(12));
//! let t = std::thread::spawn(move || {
//!     for i in 0..1000u32 {
//!         let line = format!("line {i}");
//!         w.send_with(line.as_bytes(), ring_core::WaitStrategy::Blocking).unwrap();
//!     }
//! }); // dropping the writer closes the ring
//! let mut n = 0;
//! loop {
//!     match bytes::try_recv(&mut rx) {
//!         Ok(r) => {
//!             assert_eq!(&*r, format!("line {n}").as_bytes());
//!             n += 1;
//!         }
//!         Err(ring_core::TryRecvError::Empty) => std::thread::yield_now(),
//!         Err(ring_core::TryRecvError::Closed) => break,
//!     }
//! }
//! t.join().unwrap();
//! assert_eq!(n, 1000);
//! ```

mod error;
pub mod frame;
mod reader;
mod writer;

#[cfg(test)]
mod tests;

pub use error::{SendError, SendTimeoutError, TrySendError};
pub use reader::{ByteRecord, consume_up_to, poll_ready, raw_consumer, records, try_recv};
pub use writer::{ByteGrant, ByteWriter};

use crate::config::Config;
use crate::spsc;

/// The configuration a byte ring is built with: `config`, with at least
/// [`frame::MIN_CAPACITY`] bytes.
///
/// # Examples
///
/// ```
/// use ring_core::{Config, bytes::byte_config};
/// assert_eq!(byte_config(Config::default().with_ring_bits(2)).capacity(), 32);
/// assert_eq!(byte_config(Config::default()).capacity(), 65536);
/// ```
pub fn byte_config(config: Config) -> Config {
    let min_bits = frame::MIN_CAPACITY.trailing_zeros();
    if config.ring_bits() < min_bits {
        config.with_ring_bits(min_bits)
    } else {
        config
    }
}

/// One byte ring on the heap: its writer and its SPSC consumer of `u8`s (read
/// it with [`try_recv`] and [`consume_up_to`]). It holds
/// `config.capacity()` bytes, at least [`frame::MIN_CAPACITY`].
///
/// # Panics
///
/// As [`spsc::channel`] (allocation failure aborts).
///
/// # Examples
///
/// ```
/// let (mut w, mut rx) = ring_core::bytes::ring(ring_core::Config::default());
/// w.try_send(b"hello").unwrap();
/// assert_eq!(&*ring_core::bytes::try_recv(&mut rx).unwrap(), b"hello");
/// ```
pub fn ring(config: Config) -> (ByteWriter, spsc::Consumer<u8>) {
    let (tx, rx) = spsc::channel::<u8>(byte_config(config));
    (ByteWriter::new(tx), rx)
}
