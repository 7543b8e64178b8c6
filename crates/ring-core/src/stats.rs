//! [`ChannelStats`]: a plain snapshot any channel can report without
//! depending on `ring-metrics`.

use alloc::vec::Vec;

/// A point-in-time view of a channel's rings.
///
/// Filled by `snapshot()` on channel consumers; a plain struct so that
/// channels report without depending on `ring-metrics`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChannelStats {
    /// Items waiting in each ring (one entry per ring, in table order).
    pub pending_per_ring: Vec<usize>,
    /// Sum of `pending_per_ring`.
    pub total_pending: usize,
    /// Registered producers.
    pub producer_count: usize,
    /// Slots per ring.
    pub capacity_per_ring: usize,
    /// Whether the channel is closed.
    pub closed: bool,
}

impl ChannelStats {
    /// Builds stats from per-ring pending counts.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = ring_core::ChannelStats::from_rings(vec![2, 0, 3], 3, 8, false);
    /// assert_eq!(s.total_pending, 5);
    /// assert_eq!(s.pending_per_ring, [2, 0, 3]);
    /// assert_eq!((s.producer_count, s.capacity_per_ring, s.closed), (3, 8, false));
    /// ```
    pub fn from_rings(
        pending_per_ring: Vec<usize>,
        producer_count: usize,
        capacity_per_ring: usize,
        closed: bool,
    ) -> Self {
        let total_pending = pending_per_ring.iter().sum();
        Self {
            pending_per_ring,
            total_pending,
            producer_count,
            capacity_per_ring,
            closed,
        }
    }
}
