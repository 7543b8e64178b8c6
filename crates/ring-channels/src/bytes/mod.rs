//! Byte records: variable-length records (log lines, packets, serialized
//! messages) framed in byte rings, written and read in place; many
//! producers, one consumer.
//!
//! - Each [`ByteProducer`] writes into its own byte ring of
//!   `config.capacity()` bytes (at least 32): MPSC by decomposition, as
//!   [`mpsc`], whose ring table, registration, adaptive skip and
//!   single doorbell the consumer reuses. A clone registers a new ring.
//! - A record is an 8-byte header plus the payload (8-byte aligned); a
//!   record never wraps (a padding frame fills the end of the ring), so it
//!   is one contiguous `&mut [u8]` to write ([`ByteGrant`]) and one `&[u8]`
//!   to read ([`ByteRecord`]), in place. The framing is `ring-core`'s
//!   ([`ring_core::bytes`]).
//! - [`ByteProducer::max_record`] is `capacity / 2 - 8` (at least a quarter
//!   of the ring): a record of that length always fits an empty ring. A
//!   longer one is `TooLarge` at once.
//! - The producer's room is exact: dropping a [`ByteRecord`] (or a batch
//!   returning) frees its bytes at once and wakes a producer waiting for
//!   them.
//! - Records of one producer arrive in order, each exactly once, byte for
//!   byte; empty records are records.
//!
//! # Examples
//!
//! ```
//! use ring_channels::bytes;
//! use ring_core::Config;
//!
//! let (tx, mut rx) = bytes::channel(Config::default().with_ring_bits(12));
//! let handles: Vec<_> = (0..3)
//!     .map(|t| {
//!         let mut tx = tx.clone(); // a byte ring for this thread
//!         std::thread::spawn(move || {
//!             for i in 0..100 {
//!                 tx.send(format!("thread {t} line {i}").as_bytes()).unwrap();
//!             }
//!         })
//!     })
//!     .collect();
//! drop(tx);
//! let mut lines = 0;
//! while let Ok(record) = rx.recv() {
//!     assert!(record.starts_with(b"thread "));
//!     lines += 1;
//! } // each record is released when it goes out of scope
//! for h in handles {
//!     h.join().unwrap();
//! }
//! assert_eq!(lines, 300);
//! ```

use core::fmt;
use core::time::Duration;

use ring_core::builder::{BuildChannel, Parts};
use ring_core::bytes::{self as framing, ByteWriter};
use ring_core::spsc::BuildError;
use ring_core::wait::{self, Closer, DoorbellRef, Waitable};
use ring_core::{
    Config, Heap, Observer, RecvError, RecvTimeoutError, RingMemory, TryRecvError, WaitStrategy,
};

use crate::mpsc::{self, Chan, Mpsc, Registration};
use crate::recv_wait;

mod consumer;
mod producer;

pub use consumer::ByteConsumer;
pub use producer::ByteProducer;
pub use ring_core::bytes::{ByteGrant, ByteRecord, SendError, SendTimeoutError, TrySendError};

/// The two ends of a byte-record channel, as returned by [`Builder::build`].
pub type Channel<O = ()> = (ByteProducer<O>, ByteConsumer<O>);

/// The byte-record family for the one [`Builder`](ring_core::builder::Builder).
#[derive(Debug, Default, Clone, Copy)]
pub struct Bytes;

/// Builds a byte-record channel with a chosen memory seam and observer for
/// its rings. The type given to `build` is ignored: write `build::<u8>()`.
///
/// The observer counts records: one per commit and one per record consumed.
///
/// # Examples
///
/// ```
/// use ring_channels::bytes::Builder;
/// use ring_core::{Config, Heap};
///
/// let (mut tx, mut rx) = Builder::new(Config::LOW_LATENCY).memory(Heap).build::<u8>()?;
/// tx.try_send(b"hi").unwrap();
/// assert_eq!(&*rx.try_recv().unwrap(), b"hi");
/// # Ok::<(), ring_core::spsc::BuildError>(())
/// ```
pub type Builder<M = Heap, O = ()> = ring_core::builder::Builder<Bytes, M, O>;

impl<M: RingMemory + Clone> BuildChannel<M> for Bytes {
    type Channel<T, O: Observer> = Channel<O>;

    fn build_channel<T, O: Observer>(self, p: Parts<M, O>) -> Result<Channel<O>, BuildError> {
        let p = Parts {
            config: framing::byte_config(p.config),
            ..p
        };
        let (tx, rx) = Mpsc.build_channel::<u8, O>(p)?;
        Ok((ByteProducer::framed(tx), ByteConsumer { inner: rx }))
    }
}

impl<O: Observer> ByteProducer<O> {
    /// A producer of this family's MPSC channel of `u8`s (rings of at least
    /// 32 bytes): its ring is written as framed records from now on.
    fn framed(p: mpsc::Producer<u8, O>) -> Self {
        let mpsc::Producer { chan, ring } = p;
        ByteProducer {
            chan,
            ring: ByteWriter::new(ring),
        }
    }
}

/// Creates a byte-record channel on the global heap: `config.capacity()`
/// bytes per producer ring (at least 32), `config.max_producers()` the
/// initial size of the consumer's ring table.
///
/// # Panics
///
/// As [`mpsc::channel`]: allocation failure aborts, like `Vec`.
///
/// # Examples
///
/// ```
/// let (mut tx, mut rx) = ring_channels::bytes::channel(ring_core::Config::default());
/// tx.try_send(b"hello").unwrap();
/// assert_eq!(&*rx.try_recv().unwrap(), b"hello");
/// ```
pub fn channel(config: Config) -> (ByteProducer, ByteConsumer) {
    ring_core::builder::channel::<Bytes, u8>(config)
}

/// The records available now, copied out, without blocking
/// ([`ByteConsumer::try_iter`]).
pub type TryIter<'a, O = ()> = ring_core::endpoint::TryIter<'a, ByteConsumer<O>>;
/// Every record, copied out, until closed and drained ([`ByteConsumer::iter`]).
pub type Iter<'a, O = ()> = ring_core::endpoint::Iter<'a, ByteConsumer<O>>;
/// Every record, copied out, until closed and drained, owning the consumer.
pub type IntoIter<O = ()> = ring_core::endpoint::IntoIter<ByteConsumer<O>>;

// The iterators (records copied out as `Vec<u8>`: a `ByteRecord` borrows the
// consumer) and the notifier API, written once in ring-core.
ring_core::consumer_iter_api!(impl[O: Observer] ByteConsumer<O> => Vec<u8>);
ring_core::notifier_api!(impl[O: Observer] ByteConsumer<O>, inner.chan.life);
