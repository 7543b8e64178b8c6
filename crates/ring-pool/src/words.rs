//! The packed atomic words: a slab's state word (generation and state) and
//! the free list's head word (ABA tag and top index), with their constants.

/// The largest number of slabs a pool can hold: slab indices are 32-bit and
/// one value marks the end of the free list.
pub const MAX_SLABS: usize = NIL as usize;

/// End of the free list.
pub(crate) const NIL: u32 = u32::MAX;

// Slab states (low 2 bits of the state word; the generation is the high 62 bits).
pub(crate) const FREE: u64 = 0;
pub(crate) const WRITING: u64 = 1;
pub(crate) const PUBLISHED: u64 = 2;
pub(crate) const CLAIMED: u64 = 3;
pub(crate) const STATE_MASK: u64 = 3;
pub(crate) const STATE_BITS: u32 = 2;

/// The last generation a slab is published under: freeing it retires the slab,
/// so generations never wrap (a wrap would let a stale handle match again).
pub(crate) const GEN_MAX: u64 = u64::MAX >> STATE_BITS;

#[inline(always)]
pub(crate) fn state_word(generation: u64, state: u64) -> u64 {
    debug_assert!(generation <= GEN_MAX && state <= STATE_MASK);
    (generation << STATE_BITS) | state
}

#[inline(always)]
pub(crate) fn generation_of(word: u64) -> u64 {
    word >> STATE_BITS
}

#[inline(always)]
pub(crate) fn head_word(tag: u32, index: u32) -> u64 {
    (u64::from(tag) << 32) | u64::from(index)
}

#[inline(always)]
pub(crate) fn head_index(word: u64) -> u32 {
    word as u32
}

#[inline(always)]
pub(crate) fn head_tag(word: u64) -> u32 {
    (word >> 32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_pack_and_unpack() {
        let w = state_word(0xDEAD_BEEF, CLAIMED);
        assert_eq!(generation_of(w), 0xDEAD_BEEF);
        assert_eq!(w & STATE_MASK, CLAIMED);
        let w = state_word(GEN_MAX, PUBLISHED);
        assert_eq!(generation_of(w), GEN_MAX);
        assert_eq!(w & STATE_MASK, PUBLISHED);
        let h = head_word(7, NIL);
        assert_eq!((head_tag(h), head_index(h)), (7, NIL));
    }
}
