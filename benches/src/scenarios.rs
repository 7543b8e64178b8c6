//! The scenarios of docs/benchmarks.md, sized for `--quick` or a full run.

use std::time::Duration;

use crate::asyncs;
use crate::broadcast as bc;
use crate::bursts;
use crate::collector as col;
use crate::harness::{Better, Contender, Kind, NotBuilt, RunResult, Scenario};
use crate::recorder as rec;
use crate::reference;
use crate::shm::{self, Shape, Transport};
use crate::workloads::{self as w, Placement};

/// The per-message pipe and socket contenders move this many times fewer
/// items than the rings (a system call per item is slow; the rate is what
/// is compared).
const SYSCALL_SHARE: u64 = 20;

/// Sizes for a run.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    /// Items per single-item throughput run.
    pub single_items: u64,
    /// Items per batched throughput run (a multiple of 4,096).
    pub batch_items: u64,
    /// Round trips per ping-pong run.
    pub pingpong: usize,
    /// Round trips per wake-up run.
    pub wake: usize,
    /// Idle gap before each wake-up message.
    pub wake_gap: Duration,
    /// How long the idle-CPU consumer blocks.
    pub idle: Duration,
    /// Rounds per scenario (at least 5 for a full run).
    pub rounds: usize,
}

impl Size {
    /// A smoke run: every scenario small, well under a minute in all.
    pub const QUICK: Size = Size {
        single_items: 200_000,
        batch_items: 4_096 * 256,
        pingpong: 2_000,
        wake: 100,
        wake_gap: Duration::from_micros(200),
        idle: Duration::from_millis(100),
        rounds: 2,
    };
    /// The full run.
    pub const FULL: Size = Size {
        single_items: 5_000_000,
        batch_items: 4_096 * 16_384,
        pingpong: 100_000,
        wake: 2_000,
        wake_gap: Duration::from_micros(100),
        idle: Duration::from_secs(1),
        rounds: 5,
    };
}

/// Every scenario that can run now, in report order.
#[rustfmt::skip] // a table: one row per contender
pub fn all(size: Size) -> Vec<Scenario> {
    let two = Placement::TwoCores;
    let s = size;
    // The two-process contenders re-execute this binary as their peer.
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"));
    vec![
        Scenario::new(("spsc-single", "Mmsg/s", Better::Higher), two.describe(), "SPSC, one u64 per try_send/try_recv, both sides spinning", vec![
            Contender::new("ringmpsc spsc", Kind::Ours, move || w::spsc_single_ours(s.single_items, two)),
            Contender::new("rtrb", Kind::Peer, move || w::spsc_single_rtrb(s.single_items, two)),
            Contender::new("ringbuf", Kind::Peer, move || w::spsc_single_ringbuf(s.single_items, two)),
            Contender::new("crossbeam ArrayQueue", Kind::Peer, move || w::spsc_single_arrayqueue(s.single_items, two)),
            Contender::new("crossbeam-channel", Kind::Peer, move || w::spsc_single_crossbeam(s.single_items, two)),
            Contender::new("std sync_channel", Kind::Peer, move || w::spsc_single_std(s.single_items, two)),
            Contender::new("bare Lamport ring (design)", Kind::Reference, move || reference::single_design(s.single_items, two, reference::SingleDesign::Lamport)),
            Contender::new("bare stamped ring (design)", Kind::Reference, move || reference::single_design(s.single_items, two, reference::SingleDesign::Stamped)),
        ]),
        Scenario::new(("spsc-batch", "GB/s", Better::Higher), two.describe(), "SPSC batched: reserve 4,096, fill, commit; consume_batch summing (u64)", vec![
            Contender::new("ringmpsc spsc reserve/consume_batch", Kind::Ours, move || w::spsc_batch_ours(s.batch_items, 4096, two)),
            Contender::new("rtrb write_chunk/read_chunk", Kind::Peer, move || w::spsc_batch_rtrb(s.batch_items, 4096, two)),
            Contender::new("bare two-thread handoff (ceiling)", Kind::Reference, move || reference::bare_handoff(s.batch_items, two)),
            Contender::new("memcpy in L2, one thread (context)", Kind::Reference, move || reference::memcpy_l2(s.batch_items * 8)),
        ]),
        async_scenario("async-1p", 1, s.single_items),
        async_scenario("async-4p", 4, s.single_items),
        Scenario::new(("async-wake", "ns", Better::Lower), "tokio multi-thread runtime, 2 workers, unpinned", "async wake-up round trip: two tasks echo one u64 over two channels, each finding its channel empty before every message (mean)", vec![
            Contender::new("ringmpsc spsc send_async/recv_async", Kind::Ours, move || asyncs::wake_ours(s.wake as u64 * 10)),
            Contender::new("tokio::sync::mpsc", Kind::Peer, move || asyncs::wake_tokio(s.wake as u64 * 10)),
        ]),
        Scenario::new(("pingpong", "ns", Better::Lower), two.describe(), "round trip of one item over two rings, both sides spinning (p50; p99/p99.9/max in the report)", vec![
            Contender::new("ringmpsc spsc", Kind::Ours, move || w::pingpong_ours(s.pingpong, two)),
            Contender::new("rtrb", Kind::Peer, move || w::pingpong_rtrb(s.pingpong, two)),
            Contender::new("crossbeam-channel", Kind::Peer, move || w::pingpong_crossbeam(s.pingpong, two)),
            Contender::new("cache-line ping-pong (floor)", Kind::Reference, move || {
                Ok(reference::latency_sample(&mut reference::cacheline_pingpong(s.pingpong, two)))
            }),
        ]),
        Scenario::new(("wake", "ns", Better::Lower), two.describe(), format!("wake-up round trip, each side asleep before every message ({} us idle gap), p50", s.wake_gap.as_micros()), vec![
            Contender::new("ringmpsc spsc Blocking (futex)", Kind::Ours, move || w::wake_ours(s.wake, s.wake_gap, two)),
            Contender::new("crossbeam-channel recv", Kind::Peer, move || w::wake_crossbeam(s.wake, s.wake_gap, two)),
            Contender::new("std::sync::mpsc recv", Kind::Peer, move || w::wake_std(s.wake, s.wake_gap, two)),
            Contender::new("raw futex wait/wake (floor)", Kind::Reference, move || reference::futex_wake_rtt(s.wake, s.wake_gap, two)),
        ]),
        Scenario::new(("oversub", "Mmsg/s", Better::Higher), Placement::SameCore.describe(), "SPSC blocking send/recv with both threads on ONE CPU (measures the scheduler too)", vec![
            Contender::new("ringmpsc spsc send/recv", Kind::Ours, move || w::spsc_blocking_ours(s.single_items, Placement::SameCore)),
            Contender::new("crossbeam-channel send/recv", Kind::Peer, move || w::spsc_blocking_crossbeam(s.single_items, Placement::SameCore)),
        ]),
        Scenario::new(("idle-cpu", "% of a core", Better::Lower), "unpinned", format!("CPU used by a consumer blocked {} ms on an empty channel", s.idle.as_millis()), vec![
            Contender::new("ringmpsc spsc recv_timeout", Kind::Ours, move || w::idle_cpu_ours(s.idle)),
            Contender::new("ringmpsc broadcast subscriber recv_timeout", Kind::Ours, move || bc::idle_cpu_subscriber(s.idle)),
            Contender::new("crossbeam-channel recv_timeout", Kind::Peer, move || w::idle_cpu_crossbeam(s.idle)),
            Contender::new("std recv_timeout", Kind::Peer, move || w::idle_cpu_std(s.idle)),
        ]),
        Scenario::new(("wake-eventfd", "ns", Better::Lower), two.describe(), format!("wake-up round trip through an eventfd + epoll (ring-wait EventNotifier, armed consumer), {} us idle gap, p50", s.wake_gap.as_micros()), vec![
            Contender::new("ringmpsc spsc + EventNotifier", Kind::Ours, move || w::wake_eventfd_ours(s.wake, s.wake_gap, two)),
            Contender::new("raw eventfd + epoll (floor)", Kind::Reference, move || w::wake_eventfd_raw(s.wake, s.wake_gap, two)),
        ]),
        Scenario::new(("shm", "Mmsg/s", Better::Higher), shm_placement(two), format!("SharedRing across two processes vs the in-process ring vs a pipe vs a Unix socket, u64 items in batches of {}", shm::SHM_BATCH), vec![
            shm_contender("ringmpsc SharedRing (2 processes)", Kind::Ours, &exe, Transport::Ring, Shape::Batch, s.single_items * 4, two),
            Contender::new("ringmpsc in-process ring (2 threads)", Kind::Reference, move || w::shm_inprocess(s.single_items * 4, two)),
            shm_contender("pipe (2 processes)", Kind::Peer, &exe, Transport::Pipe, Shape::Batch, s.single_items * 4, two),
            shm_contender("unix stream socket (2 processes)", Kind::Peer, &exe, Transport::Socket, Shape::Batch, s.single_items * 4, two),
        ]),
        Scenario::new(("shm-single", "Mmsg/s", Better::Higher), shm_placement(two), "one u64 per send/recv call: SharedRing across two processes (try_send/try_recv spinning) vs the in-process ring vs an 8-byte pipe/socket write and read per message", vec![
            shm_contender("ringmpsc SharedRing (2 processes)", Kind::Ours, &exe, Transport::Ring, Shape::Single, s.single_items, two),
            Contender::new("ringmpsc in-process ring (2 threads)", Kind::Reference, move || w::spsc_single_ours(s.single_items, two)),
            shm_contender("pipe (2 processes)", Kind::Peer, &exe, Transport::Pipe, Shape::Single, s.single_items / SYSCALL_SHARE, two),
            shm_contender("unix stream socket (2 processes)", Kind::Peer, &exe, Transport::Socket, Shape::Single, s.single_items / SYSCALL_SHARE, two),
        ]),
        Scenario::new(("shm-rtt", "ns", Better::Lower), shm_placement(two), "round trip of one u64, both sides spinning on rings, blocking reads on pipes and sockets (p50; p99/p99.9/max in the report)", vec![
            shm_contender("ringmpsc SharedRing pair (2 processes)", Kind::Ours, &exe, Transport::Ring, Shape::Echo, (s.pingpong / 4) as u64, two),
            Contender::new("ringmpsc in-process pair (2 threads)", Kind::Reference, move || w::pingpong_ours(s.pingpong / 4, two)),
            shm_contender("pipe pair (2 processes)", Kind::Peer, &exe, Transport::Pipe, Shape::Echo, (s.pingpong / 20) as u64, two),
            shm_contender("unix stream socket (2 processes)", Kind::Peer, &exe, Transport::Socket, Shape::Echo, (s.pingpong / 20) as u64, two),
        ]),
        Scenario::new(("collector", "Mmsg/s", Better::Higher), format!("unpinned; {} producers, one consumer spinning on consume_all", col::PRODUCERS), format!("many producer processes into one shm::Collector vs as many threads into in-process MPSC (batches of 256) vs a Unix datagram socket and a pipe shared by as many processes (one u64 per datagram or write, {SYSCALL_SHARE}x fewer items)"), vec![
            collector_contender("ringmpsc shm::Collector (4 producer processes)", Kind::Ours, &exe, s.single_items, col::collector_processes),
            Contender::new("ringmpsc mpsc (4 producer threads)", Kind::Reference, move || col::mpsc_threads(s.single_items)),
            collector_contender("unix datagram socket (4 producer processes)", Kind::Peer, &exe, s.single_items / SYSCALL_SHARE, col::datagram_processes),
            collector_contender("pipe (4 producer processes, 8-byte writes)", Kind::Peer, &exe, s.single_items / SYSCALL_SHARE, col::pipe_processes),
        ]),
        Scenario::new(("collector-idle-cpu", "% of a core", Better::Lower), "unpinned", format!("CPU used by an idle shm::Collector (every thread of the process, the acceptor included), blocked {} ms in recv_timeout with one producer connected", s.idle.as_millis()), vec![
            Contender::new("ringmpsc shm::Collector recv_timeout", Kind::Ours, move || col::collector_idle_cpu(s.idle)),
        ]),
        pool_scenario("pool-64B", 64, s.single_items / 4),
        pool_scenario("pool-4KiB", 4096, s.single_items / 64),
        pool_scenario("pool-64KiB", 65_536, s.single_items / 1024),
        pool_scenario("pool-1MiB", 1 << 20, (s.single_items / 16_384).max(16)),
        metrics_scenario(s.single_items),
        Scenario::new(("numa", "GB/s", Better::Higher), format!("{}; this machine has one NUMA node, so the goal is no loss", two.describe()), "SPSC batched throughput: ring memory on the heap vs NodeLocal (mbind before first touch)", vec![
            Contender::new("heap (placement off)", Kind::Ours, move || w::spsc_batch_on(s.batch_items, two, ringmpsc::primitives::Heap)),
            Contender::new("NodeLocal::first_sender()", Kind::Ours, move || {
                w::spsc_batch_on(s.batch_items, two, ringmpsc::numa::NodeLocal::first_sender())
            }),
            Contender::new("NodeLocal::on_node(0)", Kind::Ours, move || match ringmpsc::numa::NodeLocal::on_node(0) {
                Ok(m) => w::spsc_batch_on(s.batch_items, two, m),
                Err(e) => Err(e.to_string()),
            }),
            Contender::new("MPSC 2P, heap", Kind::Ours, move || w::mpsc_batch_placed(s.batch_items, 2, false)),
            Contender::new("MPSC 2P, wiring::numa_local_mpsc", Kind::Ours, move || w::mpsc_batch_placed(s.batch_items, 2, true)),
        ]),
        Scenario::new(("pool-alloc", "ns", Better::Lower), "scheduler-placed", "BufferPool alloc + publish + claim + drop, ns per cycle (64-byte slabs): one thread, and two threads sharing the pool", vec![
            Contender::new("1 thread (uncontended)", Kind::Ours, move || w::pool_alloc_free(s.single_items / 4, 1)),
            Contender::new("2 threads (contended free list)", Kind::Ours, move || w::pool_alloc_free(s.single_items / 4, 2)),
        ]),
        mpsc_scenario("mpsc-1p", 1, s.single_items),
        mpsc_scenario("mpsc-2p", 2, s.single_items),
        mpsc_scenario("mpsc-4p", 4, s.single_items),
        mpsc_scenario("mpsc-8p", 8, s.single_items),
        Scenario::new(("mpsc-batch", "GB/s", Better::Higher), "scheduler-placed; 2 and 4 producers plus the consumer exceed 2 CPUs (oversubscribed)", "MPSC batched: producers reserve 4,096 and fill, consumer consume_all summing (u64)", vec![
            Contender::new("ringmpsc mpsc, 1 producer", Kind::Ours, move || w::mpsc_batch_ours(s.batch_items, 1)),
            Contender::new("ringmpsc mpsc, 2 producers", Kind::Ours, move || w::mpsc_batch_ours(s.batch_items, 2)),
            Contender::new("ringmpsc mpsc, 4 producers", Kind::Ours, move || w::mpsc_batch_ours(s.batch_items, 4)),
            Contender::new("bare two-thread handoff (ceiling)", Kind::Reference, move || reference::bare_handoff(s.batch_items, two)),
        ]),
        Scenario::new(("mpsc-idle", "Mmsg/s", Better::Higher), two.describe(), "MPSC: 64 registered producers with 1 active vs 1 producer alone (goal: at least 0.9x, i.e. ours x <= 1.11)", vec![
            Contender::new("1 producer", Kind::Ours, move || w::mpsc_idle_ours(s.single_items, 0)),
            Contender::new("64 registered, 1 active", Kind::Ours, move || w::mpsc_idle_ours(s.single_items, 63)),
        ]),
        Scenario::new(("oversub-mpsc", "Mmsg/s", Better::Higher), "OVERSUBSCRIBED: 5 threads pinned to CPU 0", "MPSC 4 producers + consumer, blocking send/recv, ALL five threads pinned to one CPU", vec![
            Contender::new("ringmpsc mpsc", Kind::Ours, move || w::many(w::Chan::OursMpsc, s.single_items, 4, 1, Some(0))),
            Contender::new("crossbeam-channel", Kind::Peer, move || w::many(w::Chan::Crossbeam, s.single_items, 4, 1, Some(0))),
        ]),
        multi_consumer_scenario("spmc-1c", w::Chan::OursSpmc, 1, 1, s.single_items),
        multi_consumer_scenario("spmc-2c", w::Chan::OursSpmc, 1, 2, s.single_items),
        multi_consumer_scenario("spmc-4c", w::Chan::OursSpmc, 1, 4, s.single_items),
        multi_consumer_scenario("mpmc-2x2", w::Chan::OursMpmc, 2, 2, s.single_items),
        multi_consumer_scenario("mpmc-4x4", w::Chan::OursMpmc, 4, 4, s.single_items),
        broadcast_scenario("broadcast-spin-1s", 1, true, s.single_items),
        broadcast_scenario("broadcast-spin-3s", 3, true, s.single_items),
        broadcast_scenario("broadcast-1s", 1, false, s.single_items),
        broadcast_scenario("broadcast-3s", 3, false, s.single_items),
        burst_scenario("spsc-burst-1", 1, None, s.single_items / 20),
        burst_scenario("spsc-burst-10", 10, None, s.single_items / 4),
        burst_scenario("spsc-burst-100", 100, None, s.single_items),
        burst_scenario("broadcast-burst-1", 1, Some(3), s.single_items / 40),
        burst_scenario("broadcast-burst-10", 10, Some(3), s.single_items / 8),
        burst_scenario("broadcast-burst-100", 100, Some(3), s.single_items / 2),
        Scenario::new(("mpsc-vs-disruptor-2p", "Mmsg/s", Better::Higher), scheduler_placed(3), "MPSC, 2 producers sending u64 one at a time into one consumer; ours blocks (spin, yield, futex) where the disruptor crate busy-spins", vec![
            Contender::new("ringmpsc mpsc send/recv", Kind::Ours, move || bursts::mpsc_ours(s.single_items, 2)),
            Contender::new("disruptor 4 multi producer, BusySpin (spins)", Kind::Peer, move || bursts::disruptor_mpsc(s.single_items, 2)),
        ]),
        Scenario::new(("mpsc-vs-disruptor-4p", "Mmsg/s", Better::Higher), scheduler_placed(5), "MPSC, 4 producers sending u64 one at a time into one consumer; ours blocks (spin, yield, futex) where the disruptor crate busy-spins", vec![
            Contender::new("ringmpsc mpsc send/recv", Kind::Ours, move || bursts::mpsc_ours(s.single_items, 4)),
            Contender::new("disruptor 4 multi producer, BusySpin (spins)", Kind::Peer, move || bursts::disruptor_mpsc(s.single_items, 4)),
        ]),
        recorder_scenario::<u64>("recorder-8B", 1, rec::Reader::KeepingUp, s.single_items),
        recorder_scenario::<u64>("recorder-8B-stalled", 1, rec::Reader::Stalled, s.single_items),
        recorder_scenario::<u64>("recorder-8B-4w", 4, rec::Reader::KeepingUp, s.single_items / 4),
        recorder_scenario::<rec::LogEntry>("recorder-512B", 1, rec::Reader::KeepingUp, s.single_items / 5),
        recorder_scenario::<rec::LogEntry>("recorder-512B-stalled", 1, rec::Reader::Stalled, s.single_items / 5),
        recorder_scenario::<rec::LogEntry>("recorder-512B-4w", 4, rec::Reader::KeepingUp, s.single_items / 20),
        recorder_latency_scenario("recorder-latency-1w", 1, s.single_items / 5),
        recorder_latency_scenario("recorder-latency-4w", 4, s.single_items / 20),
        bytes_scenario("bytes-16", 16, s.single_items / 2),
        bytes_scenario("bytes-64", 64, s.single_items / 2),
        bytes_scenario("bytes-256", 256, s.single_items / 4),
        bytes_scenario("bytes-1500", 1500, s.single_items / 16),
    ]
}

/// The `disruptor` crate's own benchmark shape: bursts of `burst` items
/// into a 128-slot ring, the publisher waiting for every consumer after
/// each; SPSC (`subs` = None: ours `send_slice` + `consume_batch_with`) or
/// broadcast to `subs` subscribers (ours `send` + `recv`). Our consumers
/// block (spin, yield, futex); the disruptor's handlers busy-spin.
#[rustfmt::skip] // a table: one row per contender
fn burst_scenario(id: &'static str, burst: u64, subs: Option<usize>, items: u64) -> Scenario {
    let (what, rows) = match subs {
        None => ("SPSC", vec![
            Contender::new("ringmpsc spsc send_slice / consume_batch_with (Blocking)", Kind::Ours, move || bursts::spsc_ours(items, burst)),
            Contender::new("disruptor 4, 1 handler, BusySpin (spins)", Kind::Peer, move || bursts::disruptor(items, burst, 1)),
        ]),
        Some(n) => ("broadcast to 3 subscribers", vec![
            Contender::new("ringmpsc broadcast (Block) send / recv (Blocking)", Kind::Ours, move || bursts::broadcast_ours(items, burst, n)),
            Contender::new("disruptor 4, 3 handlers, BusySpin (spins)", Kind::Peer, move || bursts::disruptor(items, burst, n)),
        ]),
    };
    Scenario::new(
        (id, "Mmsg/s", Better::Higher),
        scheduler_placed(subs.unwrap_or(1) + 1),
        format!("{what}: bursts of {burst} u64 into a {}-slot ring, the publisher waiting for every consumer after each burst (the disruptor crate's own benchmark; Mmsg/s per consumer)", bursts::BURST_RING),
        rows,
    )
}

/// The `metrics` scenario: SPSC single-item throughput with no observer,
/// `Metrics` counters, counters on a ring with watermarks, sampled latency
/// (the default, 1 in 64) and every-item latency. Its goals (watermarks on
/// within noise of off, sampled latency at most 1.25x the cost of no
/// metrics) are in `goals.rs`.
#[rustfmt::skip] // a table: one row per contender
fn metrics_scenario(items: u64) -> Scenario {
    use ringmpsc::metrics::{DEFAULT_LATENCY_SAMPLING, Metrics};
    const NONE: &str = "no observer (`()`: no metrics code)";
    const COUNTERS: &str = "Metrics (counters)";
    // The same configuration again: the spread between it and `COUNTERS` in
    // one run is the noise a "within noise" goal is judged against.
    const CONTROL: &str = "control: Metrics (counters) again";
    const WATERMARKS: &str = "Metrics + watermarks(cap/4, 3cap/4)";
    const SAMPLED: &str = "Metrics::with_latency (1 in 64)";
    const EVERY_ITEM: &str = "with_latency_sampled(cap, 1) (all)";
    const _: () = assert!(DEFAULT_LATENCY_SAMPLING == 64, "the row name says 1 in 64");
    let two = Placement::TwoCores;
    let marks = Some((w::SINGLE_CAP / 4, 3 * w::SINGLE_CAP / 4));
    Scenario::new(("metrics", "Mmsg/s", Better::Higher), two.describe(), "SPSC single-item throughput: no observer vs Metrics (counters, + watermarks, + sampled latency, + every-item latency)", vec![
        Contender::new(NONE, Kind::Ours, move || w::spsc_single_metrics(items, two, None, None)),
        Contender::new(COUNTERS, Kind::Ours, move || w::spsc_single_metrics(items, two, Some(Metrics::new()), None)),
        Contender::new(CONTROL, Kind::Ours, move || w::spsc_single_metrics(items, two, Some(Metrics::new()), None)),
        Contender::new(WATERMARKS, Kind::Ours, move || w::spsc_single_metrics(items, two, Some(Metrics::new()), marks)),
        Contender::new(SAMPLED, Kind::Ours, move || {
            w::spsc_single_metrics(items, two, Some(Metrics::with_latency(w::SINGLE_CAP)), None)
        }),
        Contender::new(EVERY_ITEM, Kind::Ours, move || {
            w::spsc_single_metrics(items, two, Some(Metrics::with_latency_sampled(w::SINGLE_CAP, 1)), None)
        }),
    ])
}

/// Broadcast, 1 publisher -> `subs` subscribers: every thread spinning
/// (ours against the `disruptor` crate), or blocking send/recv (ours against
/// tokio's broadcast and one crossbeam channel per subscriber).
#[rustfmt::skip] // a table: one row per contender
fn broadcast_scenario(id: &'static str, subs: usize, spinning: bool, items: u64) -> Scenario {
    let how = if spinning { "every thread spinning" } else { "blocking send/recv" };
    let rows = if spinning {
        vec![
            Contender::new("ringmpsc broadcast (Block), try_send/try_recv", Kind::Ours, move || bc::ours_spinning(items, subs)),
            Contender::new("disruptor 4 (single producer, BusySpin)", Kind::Peer, move || bc::disruptor(items, subs)),
        ]
    } else {
        vec![
            Contender::new("ringmpsc broadcast (Block), send/recv", Kind::Ours, move || bc::ours_blocking(items, subs)),
            Contender::new("tokio::sync::broadcast, blocking_recv", Kind::Peer, move || bc::tokio_blocking(items, subs)),
            Contender::new("crossbeam-channel, one per subscriber", Kind::Peer, move || bc::crossbeam_per_subscriber(items, subs)),
        ]
    };
    Scenario::new(
        (id, "Mmsg/s", Better::Higher),
        scheduler_placed(subs + 1),
        format!("broadcast: 1 publisher -> {subs} subscriber(s), u64 items one at a time, {how} (Mmsg/s per subscriber)"),
        rows,
    )
}

/// Byte records of random lengths around `size` (`size / 2 ..= 1.5 * size`),
/// the consumer summing every byte: one producer pinned beside the consumer,
/// then 4 producers (scheduler-placed, oversubscribed on 2 CPUs).
fn bytes_scenario(id: &'static str, size: usize, records: u64) -> Scenario {
    use crate::bytes as b;
    let two = Some(Placement::TwoCores);
    Scenario::new(
        (id, "Mrec/s", Better::Higher),
        format!(
            "1 producer: {}; 4 producers: {}",
            Placement::TwoCores.describe(),
            scheduler_placed(5)
        ),
        format!(
            "byte records of {} to {} bytes, every byte summed by the consumer (records per second)",
            size / 2,
            size * 3 / 2
        ),
        vec![
            Contender::new("ringmpsc bytes, 1 producer", Kind::Ours, move || {
                b::ours(size, records, 1, two)
            }),
            Contender::new("bbqueue framed (SPSC)", Kind::Peer, move || {
                b::bbqueue_framed(size, records, two)
            }),
            Contender::new("crossbeam Vec<u8>, 1 producer", Kind::Peer, move || {
                b::crossbeam_vec(size, records, 1, two)
            }),
            Contender::new("ringmpsc bytes, 4 producers", Kind::Ours, move || {
                b::ours(size, records, 4, None)
            }),
            Contender::new("crossbeam Vec<u8>, 4 producers", Kind::Peer, move || {
                b::crossbeam_vec(size, records, 4, None)
            }),
        ],
    )
}

/// Where the two sides of an shm scenario run.
fn shm_placement(place: Placement) -> String {
    format!(
        "{}; parent process = producer (echo: the timing side), child process = consumer (echo: the echoing side), \
         the child pinned through its command line; the in-process reference is two threads",
        place.describe()
    )
}

/// A many-process contender of the collector scenario: `run(exe, items)`.
fn collector_contender(
    name: &str,
    kind: Kind,
    exe: &Result<std::path::PathBuf, String>,
    items: u64,
    run: fn(&std::path::Path, u64) -> RunResult,
) -> Contender {
    let exe = exe.clone();
    Contender::new(name, kind, move || run(exe.as_ref()?, items))
}

/// A two-process contender of the shm scenarios (see [`shm::two_process`]).
fn shm_contender(
    name: &str,
    kind: Kind,
    exe: &Result<std::path::PathBuf, String>,
    transport: Transport,
    shape: Shape,
    items: u64,
    place: Placement,
) -> Contender {
    let exe = exe.clone();
    Contender::new(name, kind, move || {
        shm::two_process(exe.as_ref()?, transport, shape, items, place)
    })
}

/// Where the threads of a many-thread scenario run: scheduler-placed, and
/// stated as oversubscribed when there are more threads than CPUs.
fn scheduler_placed(threads: usize) -> String {
    if threads > w::cpus() {
        format!(
            "scheduler-placed; {threads} threads on {} CPUs: OVERSUBSCRIBED (measures the scheduler too)",
            w::cpus()
        )
    } else {
        "scheduler-placed".into()
    }
}

/// A row of the many-thread scenarios: `chan` with `(items, producers,
/// consumers)`, blocking send/recv, scheduler-placed.
fn many_row(
    name: impl Into<String>,
    kind: Kind,
    chan: w::Chan,
    (items, producers, consumers): (u64, usize, usize),
) -> Contender {
    Contender::new(name, kind, move || {
        w::many(chan, items, producers, consumers, None)
    })
}

/// MPSC single items: `producers` producers, one consumer, blocking send/recv.
fn mpsc_scenario(id: &'static str, producers: usize, items: u64) -> Scenario {
    let shape = (items, producers, 1);
    Scenario::new(
        (id, "Mmsg/s", Better::Higher),
        scheduler_placed(producers + 1),
        format!("MPSC, {producers} producer(s) x single u64 send, one consumer recv (blocking)"),
        vec![
            many_row("ringmpsc mpsc", Kind::Ours, w::Chan::OursMpsc, shape),
            many_row("crossbeam-channel", Kind::Peer, w::Chan::Crossbeam, shape),
            many_row("flume", Kind::Peer, w::Chan::Flume, shape),
            many_row("kanal", Kind::Peer, w::Chan::Kanal, shape),
            many_row("std sync_channel", Kind::Peer, w::Chan::Std, shape),
        ],
    )
}

/// SPMC / MPMC: `producers` x `consumers`, blocking send/recv.
fn multi_consumer_scenario(
    id: &'static str,
    ours: w::Chan,
    producers: usize,
    consumers: usize,
    items: u64,
) -> Scenario {
    let family = if ours == w::Chan::OursSpmc {
        "spmc"
    } else {
        "mpmc"
    };
    let shape = (items, producers, consumers);
    Scenario::new(
        (id, "Mmsg/s", Better::Higher),
        scheduler_placed(producers + consumers),
        format!(
            "{}: {producers} producer(s) x {consumers} consumer(s), single u64 items (blocking)",
            family.to_uppercase()
        ),
        vec![
            many_row(format!("ringmpsc {family}"), Kind::Ours, ours, shape),
            many_row("crossbeam-channel", Kind::Peer, w::Chan::Crossbeam, shape),
            many_row("flume", Kind::Peer, w::Chan::Flume, shape),
        ],
    )
}

/// The flight recorder: `writers` x `items` writes of `P`, the reader per
/// `reader`, against the other overwrite-oldest queues and our refusing
/// MPSC.
fn recorder_scenario<P: rec::Payload>(
    id: &'static str,
    writers: usize,
    reader: rec::Reader,
    items: u64,
) -> Scenario {
    let how = match reader {
        rec::Reader::KeepingUp => "reader keeping up",
        rec::Reader::Stalled => "reader stalled",
    };
    let row = |name: &str, kind, f: fn(u64, usize, rec::Reader) -> RunResult| {
        Contender::new(name, kind, move || f(items, writers, reader))
    };
    Scenario::new(
        (id, "Mwrites/s", Better::Higher),
        scheduler_placed(writers + 1),
        format!(
            "flight recorder: {writers} writer(s) x {items} writes of {} B that never wait, {how}, {} entries retained per writer (extra: lost %)",
            P::SIZE,
            rec::RETAIN
        ),
        vec![
            row("ringmpsc recorder record", Kind::Ours, rec::ours::<P>),
            row(
                "crossbeam ArrayQueue force_push",
                Kind::Peer,
                rec::arrayqueue::<P>,
            ),
            row(
                "ringbuf push_overwrite + Mutex",
                Kind::Peer,
                rec::ringbuf_mutex::<P>,
            ),
            row(
                "tokio broadcast, 1 receiver",
                Kind::Peer,
                rec::tokio_broadcast::<P>,
            ),
            row(
                "ringmpsc mpsc try_send (refuses when full)",
                Kind::Reference,
                rec::mpsc_try_send::<P>,
            ),
        ],
    )
}

/// Per-write latency of the recorder with 512-byte entries.
fn recorder_latency_scenario(id: &'static str, writers: usize, items: u64) -> Scenario {
    Scenario::new(
        (id, "ns", Better::Lower),
        scheduler_placed(writers + 1),
        format!(
            "flight recorder: latency of one record() of a 512 B entry, {writers} writer(s) x {items}, reader keeping up (p50; p99/p99.9/max in the report; includes the clock read, ~20 ns)"
        ),
        vec![Contender::new(
            "ringmpsc recorder record",
            Kind::Ours,
            move || rec::ours_latency(items, writers),
        )],
    )
}

/// Large messages: copying `size` bytes through a byte ring vs passing a
/// `BufferPool` handle (the crossover is where the pool row wins).
fn pool_scenario(id: &'static str, size: usize, messages: u64) -> Scenario {
    let two = Placement::TwoCores;
    Scenario::new(
        (id, "GB/s", Better::Higher),
        two.describe(),
        format!(
            "{size}-byte messages: BufferPool handles through a ring vs copying the bytes through a byte ring"
        ),
        vec![
            Contender::new("pool handles (zero-copy)", Kind::Ours, move || {
                w::pool_handles(messages, size, two)
            }),
            Contender::new("copy through the ring", Kind::Reference, move || {
                w::pool_copy(messages, size, two)
            }),
        ],
    )
}

/// Async throughput: `producers` tasks to one consumer task, u64 items, on
/// a tokio multi-thread runtime (2 workers); our blocking API on threads as
/// the reference.
fn async_scenario(id: &'static str, producers: usize, items: u64) -> Scenario {
    let row = |name: &str, kind, f: fn(u64, usize) -> RunResult| {
        Contender::new(name, kind, move || f(items, producers))
    };
    Scenario::new(
        (id, "Mmsg/s", Better::Higher),
        "tokio multi-thread runtime, 2 workers, unpinned",
        format!(
            "async: {producers} producer task(s) -> 1 consumer task, u64 items, bounded {} slots",
            w::SINGLE_CAP
        ),
        vec![
            row(
                "ringmpsc mpsc send_async/recv_async",
                Kind::Ours,
                asyncs::ours,
            ),
            row("tokio::sync::mpsc", Kind::Peer, asyncs::tokio_mpsc),
            row("flume (async)", Kind::Peer, asyncs::flume_async),
            row("kanal (async)", Kind::Peer, asyncs::kanal_async),
            row("async-channel", Kind::Peer, asyncs::async_channel),
            row(
                "ringmpsc mpsc send/recv on threads (blocking)",
                Kind::Reference,
                asyncs::ours_blocking,
            ),
        ],
    )
}

/// Scenarios of docs/benchmarks.md whose member crate has not landed yet.
pub fn not_built() -> Vec<NotBuilt> {
    Vec::new()
}
