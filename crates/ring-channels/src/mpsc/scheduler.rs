//! The consumer's ring-set scheduler: adopting registered rings, the adaptive skip of idle rings (never hiding an item from a receive), the rotating start, reclaiming closed and drained rings, and the close sweep.

use super::*;

// ------------------------------------------------------------------ Consumer

/// One ring in the consumer's table.
pub(super) struct RingEntry<T, O: Observer> {
    pub(super) rx: Option<spsc::Consumer<T, O>>,
    /// Skip exponent: the next idle visit skips `1 << exp` rounds.
    pub(super) exp: u8,
    /// Rounds left to skip.
    pub(super) countdown: u8,
    /// Skipped during the current batch's first pass.
    pub(super) skipped: bool,
}

impl<T, O: Observer> RingEntry<T, O> {
    pub(super) fn live(rx: spsc::Consumer<T, O>) -> Self {
        RingEntry {
            rx: Some(rx),
            exp: 0,
            countdown: 0,
            skipped: false,
        }
    }
}

impl<T, O: Observer> Consumer<T, O> {
    pub(super) fn insert(&mut self, rx: spsc::Consumer<T, O>) {
        match self.free.pop() {
            Some(i) => self.rings[i] = RingEntry::live(rx),
            None => self.rings.push(RingEntry::live(rx)),
        }
    }

    /// Adopts rings registered since the last look (one load when none).
    #[inline(always)]
    pub(super) fn adopt(&mut self) {
        if !self.inbox.is_empty() {
            self.adopt_all();
        }
    }

    #[cold]
    #[inline(never)]
    pub(super) fn adopt_all(&mut self) {
        let closing = self.closed_rings;
        for mut rx in self.inbox.take_all() {
            if closing {
                rx.close();
            }
            self.insert(rx);
        }
    }

    /// Drops the ring in entry `i` (closed and drained) and frees the entry.
    pub(super) fn reclaim(&mut self, i: usize) {
        self.rings[i].rx = None;
        self.free.push(i);
        if self.cur.get() == i {
            self.burst = 0;
        }
    }

    /// The ring in entry `i` gave nothing: reclaim it if closed and drained,
    /// otherwise skip it for longer.
    pub(super) fn idle(&mut self, i: usize) {
        let slot = &mut self.rings[i];
        let Some(rx) = &slot.rx else { return };
        if rx.is_closed() && rx.is_empty() {
            self.reclaim(i);
        } else {
            slot.countdown = 1 << slot.exp;
            slot.exp = (slot.exp + 1).min(MAX_SKIP_EXP);
        }
    }

    /// Visits the rings from slot `from`, applying `op(ring, room)` to each
    /// ring not being skipped until `max` items were taken; if the rings
    /// visited gave nothing, visits the skipped ones too. Returns the count.
    pub(super) fn sweep(
        &mut self,
        from: usize,
        max: usize,
        mut op: impl FnMut(&mut spsc::Consumer<T, O>, usize) -> usize,
    ) -> usize {
        self.adopt();
        let n = self.rings.len();
        if n == 0 || max == 0 {
            return 0;
        }
        let mut total = 0;
        let mut any_skipped = false;
        let mut i = from % n;
        for _ in 0..n {
            if total >= max {
                break;
            }
            let slot = &mut self.rings[i];
            if let Some(rx) = slot.rx.as_mut() {
                if slot.countdown > 0 {
                    slot.countdown -= 1;
                    slot.skipped = true;
                    any_skipped = true;
                } else {
                    slot.skipped = false;
                    let got = op(rx, max - total);
                    if got > 0 {
                        total += got;
                        slot.exp = 0;
                        self.last_hit = i;
                    } else {
                        self.idle(i);
                    }
                }
            }
            i += 1;
            if i == n {
                i = 0;
            }
        }
        if total == 0 && any_skipped {
            // Every ring that was not skipped was visited and gave nothing:
            // never report "nothing" while a skipped ring holds an item.
            for i in 0..n {
                let slot = &mut self.rings[i];
                if !slot.skipped {
                    continue;
                }
                slot.skipped = false;
                let Some(rx) = slot.rx.as_mut() else { continue };
                let got = op(rx, max - total);
                if got > 0 {
                    total += got;
                    slot.exp = 0;
                    slot.countdown = 0;
                    self.last_hit = i;
                    if total >= max {
                        break;
                    }
                } else if rx.is_closed() && rx.is_empty() {
                    self.reclaim(i);
                }
            }
        }
        total
    }

    /// Applies `op` to every ring, no skipping; returns the total.
    pub(super) fn sweep_all(
        &mut self,
        mut op: impl FnMut(&mut spsc::Consumer<T, O>) -> usize,
    ) -> usize {
        self.adopt();
        let mut total = 0;
        for i in 0..self.rings.len() {
            let Some(rx) = self.rings[i].rx.as_mut() else {
                continue;
            };
            let got = op(rx);
            total += got;
            if got == 0 && rx.is_closed() && rx.is_empty() {
                self.reclaim(i);
            }
        }
        total
    }

    pub(super) fn next_start(&mut self) -> usize {
        let s = self.start;
        self.start = self.start.wrapping_add(1);
        s
    }

    /// True once the channel can receive nothing new: closed, or every
    /// producer gone. After it returns true, one more look at every ring
    /// (with [`finish`](Self::finish)) sees everything ever committed.
    pub(super) fn closing(&mut self) -> bool {
        // Both loads are Acquire: every commit and registration made before the
        // close (or before the last producer went) happens-before what follows.
        let closed = self.chan.life.is_closed();
        let gone = self.chan.life.producers_gone();
        if !(closed || gone) {
            return false;
        }
        // Adopt even when the inbox looks empty: the swap is the Acquire that
        // pairs with a registration's push.
        self.adopt_all();
        if closed && !self.closed_rings {
            self.closed_rings = true;
            for rx in self.rings.iter_mut().filter_map(|s| s.rx.as_mut()) {
                rx.close();
            }
        }
        true
    }
}
