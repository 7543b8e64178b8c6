//! Rounds, regimes, verification and statistics.

use std::time::Duration;

use crate::reference;

/// What a row is, for the reader of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// This workspace.
    Ours,
    /// A peer crate.
    Peer,
    /// A physical reference (no library code): a ceiling or a floor.
    Reference,
}

impl Kind {
    /// Short label.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Ours => "ours",
            Kind::Peer => "peer",
            Kind::Reference => "reference",
        }
    }
}

/// Whether larger figures are better (throughput) or smaller (latency).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Throughput-like.
    Higher,
    /// Latency-like.
    Lower,
}

/// One measurement of one contender in one round.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    /// The scenario's main figure (its unit is the scenario's).
    pub primary: f64,
    /// Secondary figures (e.g. p99, p99.9, max), each with a name.
    pub extra: Vec<(&'static str, f64)>,
}

impl Sample {
    /// A sample with only the main figure.
    pub fn of(primary: f64) -> Self {
        Self {
            primary,
            extra: Vec::new(),
        }
    }
}

/// Result of a run: a sample, or a verification failure (fails the suite).
pub type RunResult = Result<Sample, String>;

/// One row of a scenario: something measured the same way as the others.
pub struct Contender {
    /// Display name.
    pub name: String,
    /// Ours, peer or reference.
    pub kind: Kind,
    /// Runs once and returns its sample; verifies count and checksum.
    pub run: Box<dyn FnMut() -> RunResult>,
}

impl std::fmt::Debug for Contender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contender")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish()
    }
}

impl Contender {
    /// A contender.
    pub fn new(
        name: impl Into<String>,
        kind: Kind,
        run: impl FnMut() -> RunResult + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            kind,
            run: Box::new(run),
        }
    }
}

/// What a scenario is, as its report states it.
#[derive(Debug, Clone)]
pub struct Header {
    /// The id (`spsc-single`, ...).
    pub id: &'static str,
    /// What it measures.
    pub title: String,
    /// Unit of the main figure.
    pub unit: &'static str,
    /// Direction of the main figure.
    pub better: Better,
    /// How threads were placed, stated in the report.
    pub placement: String,
}

/// A goal one row's cost is held to against another's, checked by the run
/// and printed under the scenario's table.
///
/// The cost ratio of `row` against `base` is, in each round, the time per
/// item of `row` over that of `base` (for a throughput, `base / row`; for a
/// latency, `row / base`), so both come from the same round and machine
/// state; the goal takes the median over the rounds that were not mixed
/// (see [`Regime`]) and is met when it is at most `limit` (not met when
/// every round was mixed). The table also shows the rounds' min..max of the ratio,
/// the noise it has to be read against.
#[derive(Debug, Clone)]
pub struct Goal {
    /// What is promised, in words ("sampled latency costs at most 1.25x none").
    pub what: &'static str,
    /// The row held to the goal (a contender's name).
    pub row: &'static str,
    /// The row it is compared with (a contender's name).
    pub base: &'static str,
    /// The largest cost ratio that meets the goal.
    pub limit: f64,
}

/// A checked [`Goal`].
#[derive(Debug, Clone)]
pub struct GoalResult {
    /// The goal.
    pub goal: Goal,
    /// Median over rounds of the same-round cost ratio.
    pub ratio: f64,
    /// Smallest per-round ratio.
    pub min: f64,
    /// Largest per-round ratio.
    pub max: f64,
    /// Rounds it is over.
    pub rounds: usize,
}

impl GoalResult {
    /// True if the median ratio is within the limit (false without rounds).
    pub fn met(&self) -> bool {
        self.ratio <= self.goal.limit
    }
}

/// A scenario of docs/benchmarks.md, ready to run.
#[derive(Debug)]
pub struct Scenario {
    /// Id, title, unit, direction and placement.
    pub head: Header,
    /// The rows; the first `Ours` row is the one ratios are taken against.
    pub contenders: Vec<Contender>,
    /// Goals between rows, checked after the run (most scenarios have none).
    pub goals: Vec<Goal>,
}

impl Scenario {
    /// A scenario: `id`, the `unit` of its main figure and the direction
    /// that is `better`, where its threads run, what it measures, its rows.
    pub fn new(
        (id, unit, better): (&'static str, &'static str, Better),
        placement: impl Into<String>,
        title: impl Into<String>,
        contenders: Vec<Contender>,
    ) -> Self {
        Self {
            head: Header {
                id,
                title: title.into(),
                unit,
                better,
                placement: placement.into(),
            },
            contenders,
            goals: Vec::new(),
        }
    }

    /// This scenario, also checking `goal` (see [`Goal`]).
    pub fn with_goal(mut self, goal: Goal) -> Self {
        self.goals.push(goal);
        self
    }
}

/// A scenario whose member crate is not built yet.
#[derive(Debug, Clone)]
pub struct NotBuilt {
    /// The id.
    pub id: &'static str,
    /// What is missing.
    pub why: &'static str,
}

/// The regime a round ran in (docs/benchmarks.md, "Method": regimes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Regime {
    /// Cross-core round trip below the threshold.
    Fast,
    /// Cross-core round trip at or above the threshold.
    Slow,
    /// The probe before and after disagreed: excluded from ratios.
    Mixed,
}

impl Regime {
    /// Label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Regime::Fast => "fast",
            Regime::Slow => "slow",
            Regime::Mixed => "mixed",
        }
    }
}

/// Round trips at or above this are the slow regime.
pub const SLOW_RTT_NS: f64 = 250.0;

fn classify(rtt: f64) -> Regime {
    if rtt < SLOW_RTT_NS {
        Regime::Fast
    } else {
        Regime::Slow
    }
}

/// One round: the regime and every contender's sample.
#[derive(Debug, Clone)]
pub struct Round {
    /// Probed round trip before and after, ns.
    pub rtt_before: f64,
    /// After.
    pub rtt_after: f64,
    /// The regime.
    pub regime: Regime,
    /// Samples in contender order.
    pub samples: Vec<Sample>,
}

/// Summary statistics of one contender.
#[derive(Debug, Clone)]
pub struct RowStats {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: Kind,
    /// Median, min, max of the main figure over all rounds.
    pub median: f64,
    /// Min.
    pub min: f64,
    /// Max.
    pub max: f64,
    /// Medians of the extra figures.
    pub extra: Vec<(&'static str, f64)>,
    /// Per regime: the median of the per-round ratio "ours vs this row"
    /// (>1 means ours is better), and the number of rounds it is over.
    pub ratios: Vec<(Regime, f64, usize)>,
}

/// The outcome of a scenario.
#[derive(Debug, Clone)]
pub struct ScenarioResult {
    /// Id, title, unit, direction and placement.
    pub head: Header,
    /// Rounds.
    pub rounds: Vec<Round>,
    /// Rows.
    pub rows: Vec<RowStats>,
    /// The scenario's goals, checked.
    pub goals: Vec<GoalResult>,
}

/// Median of a slice (NaN if empty).
pub fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        (s[m - 1] + s[m]) / 2.0
    }
}

/// Runs `rounds` alternating rounds of a scenario; `progress` is called
/// between rounds only (never while one runs).
///
/// # Errors
///
/// The first verification failure, with the contender's name.
pub fn run_scenario(
    mut sc: Scenario,
    rounds: usize,
    mut progress: impl FnMut(usize),
) -> Result<ScenarioResult, String> {
    let n = sc.contenders.len();
    let mut out = Vec::with_capacity(rounds);
    for r in 0..rounds {
        let rtt_before = reference::cacheline_rtt_probe();
        let mut samples = vec![Sample::default(); n];
        // Alternate the order: A B C, then B C A, ... so no row always runs first.
        for k in 0..n {
            let i = (k + r) % n;
            let c = &mut sc.contenders[i];
            samples[i] = (c.run)().map_err(|e| format!("{} / {}: {e}", sc.head.id, c.name))?;
        }
        let rtt_after = reference::cacheline_rtt_probe();
        let (a, b) = (classify(rtt_before), classify(rtt_after));
        let regime = if a == b { a } else { Regime::Mixed };
        out.push(Round {
            rtt_before,
            rtt_after,
            regime,
            samples,
        });
        progress(r + 1);
    }
    let ours = sc
        .contenders
        .iter()
        .position(|c| c.kind == Kind::Ours)
        .unwrap_or(0);
    let rows = sc
        .contenders
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let vals: Vec<f64> = out.iter().map(|r| r.samples[i].primary).collect();
            let names: Vec<&'static str> = out
                .first()
                .map(|r| r.samples[i].extra.iter().map(|e| e.0).collect())
                .unwrap_or_default();
            let extra = names
                .iter()
                .enumerate()
                .map(|(k, name)| {
                    (
                        *name,
                        median(
                            &out.iter()
                                .filter_map(|r| r.samples[i].extra.get(k).map(|e| e.1))
                                .collect::<Vec<_>>(),
                        ),
                    )
                })
                .collect();
            let mut ratios = Vec::new();
            for regime in [Regime::Fast, Regime::Slow] {
                let per_round: Vec<f64> = out
                    .iter()
                    .filter(|r| r.regime == regime)
                    .map(|r| {
                        let (o, x) = (r.samples[ours].primary, r.samples[i].primary);
                        match sc.head.better {
                            Better::Higher => o / x,
                            Better::Lower => x / o,
                        }
                    })
                    .collect();
                if !per_round.is_empty() {
                    ratios.push((regime, median(&per_round), per_round.len()));
                }
            }
            RowStats {
                name: c.name.clone(),
                kind: c.kind,
                median: median(&vals),
                min: vals.iter().copied().fold(f64::INFINITY, f64::min),
                max: vals.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                extra,
                ratios,
            }
        })
        .collect();
    let goals = sc
        .goals
        .iter()
        .map(|g| check_goal(g, &sc.contenders, &out, sc.head.better))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e}", sc.head.id))?;
    Ok(ScenarioResult {
        head: sc.head,
        rounds: out,
        rows,
        goals,
    })
}

/// The same-round cost ratios of `goal.row` against `goal.base`.
fn check_goal(
    goal: &Goal,
    contenders: &[Contender],
    rounds: &[Round],
    better: Better,
) -> Result<GoalResult, String> {
    let index = |name: &str| {
        contenders
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| format!("goal {:?} names no row {name:?}", goal.what))
    };
    let (row, base) = (index(goal.row)?, index(goal.base)?);
    // Rounds whose probes disagreed (the machine changed state mid-round)
    // are left out, as they are from the "ours x" ratios.
    let per_round: Vec<f64> = rounds
        .iter()
        .filter(|r| r.regime != Regime::Mixed)
        .map(|r| {
            let (x, b) = (r.samples[row].primary, r.samples[base].primary);
            match better {
                Better::Higher => b / x,
                Better::Lower => x / b,
            }
        })
        .collect();
    Ok(GoalResult {
        goal: goal.clone(),
        ratio: median(&per_round),
        min: per_round.iter().copied().fold(f64::INFINITY, f64::min),
        max: per_round.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        rounds: per_round.len(),
    })
}

/// Checks a received count and checksum against what was sent.
///
/// # Errors
///
/// A message naming both when they differ.
pub fn verify(
    what: &str,
    got_count: u64,
    got_sum: u64,
    want_count: u64,
    want_sum: u64,
) -> Result<(), String> {
    if got_count != want_count || got_sum != want_sum {
        return Err(format!(
            "{what}: received {got_count} items with checksum {got_sum}, sent {want_count} with checksum {want_sum}"
        ));
    }
    Ok(())
}

/// Items per second as millions.
pub fn mmsgs(items: u64, d: Duration) -> f64 {
    items as f64 / d.as_secs_f64() / 1e6
}

/// Bytes per second as GB/s.
pub fn gbps(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / 1e9
}
