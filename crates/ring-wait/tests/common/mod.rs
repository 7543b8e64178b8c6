//! Test scaffolding shared by ring-wait's integration tests (the general
//! helpers come from `ringmpsc_testkit`).
#![allow(dead_code)] // reason: each test file uses a different subset

use std::time::Duration;

use ring_core::spsc::{self, Consumer, Producer};
use ring_wait::WaitStrategy;
use ringmpsc_testkit::{small, watchdog};

/// Every wait strategy once: `sleep` for `Sleeping`, `timeout` for
/// `TimedBlocking`, `spin` and `yield_` steps for `PhasedBackoff`.
pub(crate) const fn every_strategy(
    sleep: Duration,
    timeout: Duration,
    spin: u32,
    yield_: u32,
) -> [WaitStrategy; 6] {
    [
        WaitStrategy::BusySpin,
        WaitStrategy::Yielding,
        WaitStrategy::Sleeping(sleep),
        WaitStrategy::Blocking,
        WaitStrategy::TimedBlocking(timeout),
        WaitStrategy::PhasedBackoff { spin, yield_ },
    ]
}

/// For each of `strategies`: a fresh SPSC channel of `small(bits)` handed
/// to `body` with the strategy, under a watchdog of `secs`.
pub(crate) fn each_strategy_on_a_ring<T: Send + 'static>(
    strategies: &[WaitStrategy],
    secs: u64,
    bits: u32,
    body: fn(WaitStrategy, Producer<T>, Consumer<T>),
) {
    for &s in strategies {
        watchdog(secs, move || {
            let (tx, rx) = spsc::channel::<T>(small(bits));
            body(s, tx, rx);
        });
    }
}
