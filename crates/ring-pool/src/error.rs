//! [`PoolError`], and `classify`, which names the error a failed claim CAS
//! stands for.

use thiserror::Error;

use crate::words::{CLAIMED, FREE, STATE_MASK, generation_of};

/// Why a pool could not be made, or a handle could not be claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PoolError {
    /// `slab_size` was 0.
    #[error("a buffer pool needs a slab size of at least 1 byte")]
    ZeroSlabSize,
    /// `slab_count` was 0.
    #[error("a buffer pool needs at least one slab")]
    ZeroSlabCount,
    /// More slabs than the 32-bit slab index can name ([`MAX_SLABS`](crate::MAX_SLABS)).
    #[error("{requested} slabs requested; a pool holds at most {max}")]
    TooManySlabs {
        /// Slabs requested.
        requested: usize,
        /// The most a pool can hold.
        max: usize,
    },
    /// `slab_size * slab_count` does not fit in an allocation (`isize::MAX` bytes).
    #[error("{slab_count} slabs of {slab_size} bytes overflow the address space")]
    TooLarge {
        /// Bytes per slab requested.
        slab_size: usize,
        /// Slabs requested.
        slab_count: usize,
    },
    /// The global allocator had no memory for the pool's slabs or for their
    /// metadata (about 24 bytes a slab).
    #[error("out of memory allocating {bytes} bytes for a buffer pool")]
    OutOfMemory {
        /// Bytes requested.
        bytes: usize,
    },
    /// The handle was made by another pool.
    #[error("the handle belongs to another pool")]
    ForeignHandle,
    /// The handle names no slab this pool published: an index out of range or
    /// a generation this pool never published (a forged handle).
    #[error("the handle names no published slab of this pool")]
    InvalidHandle,
    /// The handle's slab was claimed and returned since (the handle is a
    /// duplicate or was kept too long).
    #[error("the handle is stale: its slab was claimed and freed since")]
    StaleHandle,
    /// The handle's slab is claimed right now (the handle is a duplicate).
    #[error("the handle's slab is already claimed")]
    AlreadyClaimed,
}

/// Why a claim CAS failed, from the state word it found. Generations never
/// wrap, so an older one is stale and a newer one forged.
pub(crate) fn classify(actual: u64, generation: u64) -> PoolError {
    let current = generation_of(actual);
    if current == generation {
        match actual & STATE_MASK {
            CLAIMED => PoolError::AlreadyClaimed,
            FREE => PoolError::StaleHandle,
            // WRITING under this generation: never published, so forged.
            _ => PoolError::InvalidHandle,
        }
    } else if current > generation {
        PoolError::StaleHandle
    } else {
        PoolError::InvalidHandle
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::{GEN_MAX, PUBLISHED, WRITING, state_word};

    #[test]
    fn classify_covers_every_case() {
        assert_eq!(
            classify(state_word(5, CLAIMED), 5),
            PoolError::AlreadyClaimed
        );
        assert_eq!(classify(state_word(5, FREE), 5), PoolError::StaleHandle);
        assert_eq!(
            classify(state_word(5, WRITING), 5),
            PoolError::InvalidHandle
        );
        assert_eq!(classify(state_word(6, WRITING), 5), PoolError::StaleHandle);
        assert_eq!(
            classify(state_word(4, PUBLISHED), 5),
            PoolError::InvalidHandle
        );
        // Generations do not wrap: past 32 bits they keep counting.
        let past = u64::from(u32::MAX) + 1;
        assert_eq!(
            classify(state_word(past, PUBLISHED), u64::from(u32::MAX)),
            PoolError::StaleHandle
        );
        assert_eq!(
            classify(state_word(1, PUBLISHED), past + 1),
            PoolError::InvalidHandle
        );
        assert_eq!(
            classify(state_word(GEN_MAX, FREE), 1),
            PoolError::StaleHandle
        );
    }
}
