//! [`Handle`]: the 16-byte token naming one publication of one slab, and its
//! word encoding.

/// A published slab, as a small `Copy` token to send through a ring.
///
/// 16 bytes, 4-byte aligned: the pool's id, the slab index and the slab's
/// 64-bit generation (as two 32-bit halves). The published length stays in
/// the pool. Copying a handle does not copy the right to read:
/// [`BufferPool::claim`](crate::BufferPool::claim) succeeds once per publication.
///
/// # Examples
///
/// ```
/// let pool = ring_pool::BufferPool::new(64, 4)?;
/// let mut slab = pool.alloc().unwrap();
/// slab[0] = 7;
/// let handle = slab.publish(1);
/// let copy = handle; // `Copy`, 16 bytes
/// assert_eq!(pool.claim(handle)?[0], 7);
/// assert!(pool.claim(copy).is_err()); // duplicates are errors
/// # Ok::<(), ring_pool::PoolError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Handle {
    pub(crate) pool: u32,
    pub(crate) index: u32,
    /// Low 32 bits of the generation.
    generation_lo: u32,
    /// High 32 bits of the generation.
    generation_hi: u32,
}

impl Handle {
    /// A handle for slab `index` of pool `pool`, published under `generation`.
    pub(crate) const fn new(pool: u32, index: u32, generation: u64) -> Handle {
        Handle {
            pool,
            index,
            generation_lo: generation as u32,
            generation_hi: (generation >> 32) as u32,
        }
    }

    /// The generation the slab was published under.
    pub(crate) const fn generation(self) -> u64 {
        ((self.generation_hi as u64) << 32) | self.generation_lo as u64
    }

    /// The handle as four words (pool id, slab index, low and high halves of
    /// the generation), for rings whose element type must be plain integers (a
    /// shared mapping, say).
    ///
    /// Before the generation was widened to 64 bits (so that it cannot wrap)
    /// this returned three words; the fourth, the generation's high half, is
    /// new, and the first three keep their meaning.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_pool::{BufferPool, Handle};
    /// let pool = BufferPool::new(64, 1)?;
    /// let handle = pool.alloc().unwrap().publish(0);
    /// let words = handle.to_words();
    /// assert_eq!(Handle::from_words(words), handle);
    /// # Ok::<(), ring_pool::PoolError>(())
    /// ```
    pub const fn to_words(self) -> [u32; 4] {
        [
            self.pool,
            self.index,
            self.generation_lo,
            self.generation_hi,
        ]
    }

    /// Rebuilds a handle from [`to_words`](Self::to_words). Any four words
    /// are accepted: a forged handle is caught by
    /// [`BufferPool::claim`](crate::BufferPool::claim).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_pool::{BufferPool, Handle, PoolError};
    /// let pool = BufferPool::new(64, 1)?;
    /// let forged = Handle::from_words([0, 0, 0, 0]);
    /// assert!(pool.claim(forged).is_err());
    /// # Ok::<(), PoolError>(())
    /// ```
    pub const fn from_words(words: [u32; 4]) -> Handle {
        Handle {
            pool: words[0],
            index: words[1],
            generation_lo: words[2],
            generation_hi: words[3],
        }
    }

    /// The index of the slab this handle names (for diagnostics).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = ring_pool::BufferPool::new(64, 1)?;
    /// assert_eq!(pool.alloc().unwrap().publish(0).index(), 0);
    /// # Ok::<(), ring_pool::PoolError>(())
    /// ```
    pub const fn index(self) -> usize {
        self.index as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_survives_the_words() {
        let g = 0x1234_5678_9ABC_DEF0;
        assert_eq!(Handle::new(1, 2, g).generation(), g);
        assert_eq!(
            Handle::from_words(Handle::new(1, 2, g).to_words()).generation(),
            g
        );
    }
}
