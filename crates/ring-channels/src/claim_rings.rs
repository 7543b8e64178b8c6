//! The rings of the families with one claim ring per producer (MPMC, the
//! flight recorder), written once: the grow-only table readers walk without
//! locks, the factory that makes a ring from the builder's seams, and the
//! walks a close and the last reader's drop make over every ring.

use ring_core::builder::Parts;
use ring_core::claim;
use ring_core::spsc::BuildError;
use ring_core::sync::Arc;
use ring_core::table::GrowTable;
use ring_core::wait::WakeGroup;
use ring_core::{Config, Observer, RingMemory};

type Factory<T, O> = dyn Fn() -> Result<Arc<claim::Ring<T, O>>, BuildError> + Send + Sync;

/// Every claim ring of one channel; rings are never freed before the
/// channel, so no reader sees one freed under it.
pub(crate) struct ClaimRings<T, O: Observer> {
    pub(crate) table: GrowTable<Arc<claim::Ring<T, O>>>,
    pub(crate) config: Config,
    pub(crate) observer: O,
    factory: Box<Factory<T, O>>,
    /// Back every new ring's slot pages when it is made
    /// ([`claim::Producer::prefault`]).
    prefault: bool,
}

impl<T, O: Observer> ClaimRings<T, O> {
    /// No ring yet; rings made later wake readers through `group`.
    pub(crate) fn new<M: RingMemory + Clone>(p: Parts<M, O>, group: Arc<WakeGroup>) -> Self {
        let (config, memory, observer) = (p.config, p.memory, p.observer);
        // Per ring: each producer's ring has its own level and crossing word.
        let watermarks = p.watermarks;
        let ring_observer = observer.clone();
        let factory: Box<Factory<T, O>> = Box::new(move || {
            claim::Ring::with_watermarks(
                config.capacity(),
                group.clone(),
                memory.clone(),
                ring_observer.clone(),
                watermarks,
            )
        });
        ClaimRings {
            table: GrowTable::new(),
            config,
            observer,
            factory,
            prefault: false,
        }
    }

    /// Every ring made from now on has its slot pages backed when it is
    /// made, on the making thread (the flight recorder: no page fault in
    /// its first pass).
    pub(crate) fn prefaulted(mut self) -> Self {
        self.prefault = true;
        self
    }

    /// The producer side of a new ring that is not in the table (a handle
    /// that must keep nothing alive in the channel).
    pub(crate) fn make(&self) -> Result<claim::Producer<T, O>, BuildError> {
        let ring = (self.factory)()?;
        let mut p =
            claim::Ring::try_producer(&ring).expect("invariant: a fresh ring has no producer");
        if self.prefault {
            p.prefault();
        }
        Ok(p)
    }

    /// The producer side of a new ring appended to the table, and its index.
    pub(crate) fn push_new(&self) -> Result<(claim::Producer<T, O>, usize), BuildError> {
        let p = self.make()?;
        let i = self.table.push(p.ring().clone());
        Ok((p, i))
    }

    /// Slots per ring.
    pub(crate) fn capacity(&self) -> usize {
        self.config.capacity()
    }

    /// The fullest ring's fill (0.0 without rings).
    pub(crate) fn fill(&self) -> f64 {
        self.table.iter().map(|r| r.fill()).fold(0.0, f64::max)
    }

    /// True if any ring is above its high watermark.
    pub(crate) fn above_high_watermark(&self) -> bool {
        self.table.iter().any(|r| r.above_high_watermark())
    }

    /// Drops what is left in every ring (the last reader's drop).
    pub(crate) fn drop_pending(&self) {
        for ring in self.table.iter() {
            ring.drop_pending();
        }
    }
}
