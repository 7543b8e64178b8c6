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
    pub(crate) fn sweep(
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
            if got > 0 {
                self.last_hit = i;
            } else if rx.is_closed() && rx.is_empty() {
                self.reclaim(i);
            }
        }
        total
    }

    /// Takes one item with `take` from the next ring that gives one, starting
    /// after the current ring (the slow path of single-item receives), and
    /// makes that ring the current one, with a new burst. Once nothing can
    /// arrive any more, looks at every ring once more before reporting
    /// `Closed`.
    pub(crate) fn take_one<R>(
        &mut self,
        mut take: impl FnMut(&mut spsc::Consumer<T, O>) -> Option<R>,
    ) -> Result<R, TryRecvError> {
        let mut out = None;
        let mut take_into = |rx: &mut spsc::Consumer<T, O>| match out {
            Some(_) => 0,
            None => {
                out = take(rx);
                usize::from(out.is_some())
            }
        };
        let from = self.cur.get().wrapping_add(1);
        if self.sweep(from, 1, |rx, _| take_into(rx)) > 0 {
            self.cur.set(self.last_hit);
            self.burst = BURST - 1;
        } else {
            self.burst = 0;
            if !self.closing() {
                return Err(TryRecvError::Empty);
            }
            if self.sweep_all(&mut take_into) == 0 {
                return Err(TryRecvError::Closed);
            }
            self.cur.set(self.last_hit);
        }
        out.ok_or(TryRecvError::Empty)
    }

    /// The ring the next single-item receive takes from: the current one
    /// while its burst lasts and it has items, else (as
    /// [`take_one`](Self::take_one)) the next ring that has items, or why
    /// there is none. For families that read a ring their own way (byte
    /// records), whose `ready` probe says whether a ring has something (and
    /// runs the ring's empty path when it has not: the observer's
    /// `on_empty` and the low watermark's re-check, as a receive would).
    pub(crate) fn ready_ring(
        &mut self,
        ready: impl Fn(&spsc::Consumer<T, O>) -> bool,
    ) -> Result<&mut spsc::Consumer<T, O>, TryRecvError> {
        self.adopt();
        let cur = self.cur.get();
        let in_burst = self.burst > 0
            && self
                .rings
                .get(cur)
                .and_then(|s| s.rx.as_ref())
                .is_some_and(|rx| !rx.is_empty());
        if in_burst {
            self.burst -= 1;
        } else {
            self.take_one(|rx| ready(rx).then_some(()))?;
        }
        let cur = self.cur.get();
        self.rings
            .get_mut(cur)
            .and_then(|s| s.rx.as_mut())
            .ok_or(TryRecvError::Empty)
    }

    /// Applies `f` to every ring: the adopted ones in table order, then the
    /// ones registered since the consumer last looked.
    pub(crate) fn for_each_ring(&self, mut f: impl FnMut(&spsc::Consumer<T, O>)) {
        for rx in self.rings.iter().filter_map(|s| s.rx.as_ref()) {
            f(rx);
        }
        self.inbox.peek(f);
    }

    pub(crate) fn next_start(&mut self) -> usize {
        let s = self.start;
        self.start = self.start.wrapping_add(1);
        s
    }

    /// True once the channel can receive nothing new: closed, or every
    /// producer gone. After it returns true (it has adopted every ring
    /// registered), one more look at every ring sees everything ever
    /// committed.
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
