//! The types both flight recorders share, the in-process one
//! (`ring_channels::recorder`) and the one in shared memory
//! (`ring_shm::SharedRecorder`): the entries a reader gets and the error of
//! a write into a closed recorder. The overwrite protocol itself is the
//! claim ring's ([`claim::Producer::record`](crate::claim::Producer::record),
//! [`claim::ClaimWords`](crate::claim::ClaimWords)).

use core::fmt;

/// `record` after the reader is gone or the channel was closed: the value
/// comes back.
///
/// # Examples
///
/// ```
/// use ring_core::recorder::Closed;
/// let c = Closed(7);
/// assert_eq!(c.into_inner(), 7);
/// assert_eq!(c.to_string(), "recording into a closed channel");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Closed<T>(pub T);

crate::error::refused_value! {
    struct Closed {
        /// The value that was not recorded.
        ///
        /// # Examples
        ///
        /// ```
        /// assert_eq!(ring_core::recorder::Closed(3).into_inner(), 3);
        /// ```
        into_inner;
    }
}

impl<T> fmt::Display for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("recording into a closed channel")
    }
}

impl<T> core::error::Error for Closed<T> {}

/// One received entry.
///
/// # Examples
///
/// ```
/// use ring_core::recorder::Entry;
/// // The 4th entry of writer 0, after 2 of its entries were evicted unread.
/// let e = Entry { seq: 3, writer: 0, value: "line", lost_before: 2 };
/// assert_eq!(e.seq - e.lost_before, 1); // the previous entry received was seq 0
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Entry<T> {
    /// The position in its writer's stream, counting from 0: consecutive
    /// entries of one writer differ by 1 unless entries were evicted in
    /// between.
    pub seq: u64,
    /// Which writer: 0 for the first, clones numbered in order of creation.
    pub writer: usize,
    /// The recorded value.
    pub value: T,
    /// How many entries of this writer were evicted between the previous
    /// entry the reader got from it (or the start) and this one.
    pub lost_before: u64,
}
