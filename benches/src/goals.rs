//! The performance goals the project has set itself, checked against a run.
//!
//! Each goal names a scenario and says what must hold in it: ours against
//! the best of some rows (a ratio, >1 means ours is better, taken within
//! each round so that both sides ran in the same machine state), or one
//! row's figure against a bound. A goal is evaluated over every round of
//! every repeat of its scenario (`--repeat N`) except the mixed ones (the
//! machine changed regime during the round, so its rows are not comparable;
//! the tables' "ours x" leaves them out too), and reported with its
//! median and its worst round: a goal that holds only in some rounds shows
//! as "sometimes", and only a goal whose worst round holds is "met".

use std::fmt::Write as _;

use crate::harness::{Better, Kind, Regime, ScenarioResult, median};

/// Which rows ours is compared with.
#[derive(Debug, Clone, Copy)]
pub enum Peers {
    /// Every `Kind::Peer` row of the scenario.
    All,
    /// The rows whose names start with one of these.
    Named(&'static [&'static str]),
}

/// What a goal measures.
#[derive(Debug, Clone, Copy)]
pub enum Measure {
    /// Ours (the row whose name starts with `ours`) against the best of
    /// `peers` in the same round, oriented so that >1 means ours is better;
    /// the goal holds when the ratio is at least `at_least`.
    Ratio {
        /// Our row (name prefix).
        ours: &'static str,
        /// The rows compared with.
        peers: Peers,
        /// The ratio to reach.
        at_least: f64,
    },
    /// "Within noise", judged once per run (repeat): the median of `ours`'
    /// same-round ratios against `base` in that run, held when it is no
    /// worse than the worst same-round ratio of `control` (the base's own
    /// configuration run again as another row) against `base` in the same
    /// run: the spread two identical rows show in a run is its noise. (A
    /// round-by-round test against the control's worst round would fail
    /// half the runs of a change that costs nothing: with both rows drawn
    /// from one distribution, the lowest of all their rounds is as likely
    /// to be ours as the control's.)
    WithinNoise {
        /// The row held to it (name prefix).
        ours: &'static str,
        /// The row it is compared with.
        base: &'static str,
        /// The base's configuration again.
        control: &'static str,
    },
    /// A row's figure (`None`: the main one; `Some(name)`: an extra
    /// figure) at most `bound`.
    AtMost {
        /// The row (name prefix).
        row: &'static str,
        /// The figure.
        figure: Option<&'static str>,
        /// The bound.
        bound: f64,
    },
    /// A row's figure at least `bound`.
    AtLeast {
        /// The row (name prefix).
        row: &'static str,
        /// The figure.
        figure: Option<&'static str>,
        /// The bound.
        bound: f64,
    },
}

/// One goal.
#[derive(Debug, Clone, Copy)]
pub struct Goal {
    /// The issue that set it.
    pub issue: u32,
    /// The goal in words.
    pub what: &'static str,
    /// The scenario it is measured in.
    pub scenario: &'static str,
    /// How.
    pub measure: Measure,
}

const fn goal(issue: u32, what: &'static str, scenario: &'static str, measure: Measure) -> Goal {
    Goal {
        issue,
        what,
        scenario,
        measure,
    }
}

const fn ratio(
    issue: u32,
    what: &'static str,
    scenario: &'static str,
    ours: &'static str,
    peers: Peers,
    at_least: f64,
) -> Goal {
    goal(
        issue,
        what,
        scenario,
        Measure::Ratio {
            ours,
            peers,
            at_least,
        },
    )
}

const fn at_most(
    issue: u32,
    what: &'static str,
    scenario: &'static str,
    row: &'static str,
    figure: Option<&'static str>,
    bound: f64,
) -> Goal {
    goal(
        issue,
        what,
        scenario,
        Measure::AtMost { row, figure, bound },
    )
}

const fn at_least(
    issue: u32,
    what: &'static str,
    scenario: &'static str,
    row: &'static str,
    bound: f64,
) -> Goal {
    let figure = None;
    goal(
        issue,
        what,
        scenario,
        Measure::AtLeast { row, figure, bound },
    )
}

const RTRB_RINGBUF: Peers = Peers::Named(&["rtrb", "ringbuf"]);
const DISRUPTOR: Peers = Peers::Named(&["disruptor"]);
const TOKIO: Peers = Peers::Named(&["tokio"]);
const OTHER_ASYNC: Peers = Peers::Named(&["flume", "kanal", "async-channel"]);
const BBQUEUE: Peers = Peers::Named(&["bbqueue"]);
const CROSSBEAM_VEC: Peers = Peers::Named(&["crossbeam Vec<u8>, 1 producer"]);

/// Every goal, by issue.
#[rustfmt::skip] // a table: one goal per line
pub fn all() -> Vec<Goal> {
    vec![
        // Performance: SPSC, the disruptor crate, mpsc-idle, the pool.
        ratio(20, "SPSC single item >= 1.2x the best of rtrb and ringbuf", "spsc-single", "ringmpsc", RTRB_RINGBUF, 1.2),
        ratio(20, "ping-pong round trip no worse than rtrb", "pingpong", "ringmpsc", Peers::Named(&["rtrb"]), 1.0),
        ratio(20, ">= 1x the disruptor crate at burst 1 (we block, it spins)", "spsc-burst-1", "ringmpsc", DISRUPTOR, 1.0),
        ratio(20, ">= 1x the disruptor crate at burst 100", "spsc-burst-100", "ringmpsc", DISRUPTOR, 1.0),
        ratio(20, "MPSC 64 registered, 1 active >= 0.9x 1 alone", "mpsc-idle", "64 registered", Peers::Named(&["1 producer"]), 0.9),
        ratio(20, "pool: 2 threads at most 3x the uncontended cycle", "pool-alloc", "2 threads", Peers::Named(&["1 thread"]), 1.0 / 3.0),
        // Flight recorder.
        ratio(14, "recorder 8 B >= 2x the best peer, reader keeping up", "recorder-8B", "ringmpsc", Peers::All, 2.0),
        ratio(14, "recorder 8 B >= 2x the best peer, reader stalled", "recorder-8B-stalled", "ringmpsc", Peers::All, 2.0),
        ratio(14, "recorder 512 B >= 2x the best peer, reader keeping up", "recorder-512B", "ringmpsc", Peers::All, 2.0),
        ratio(14, "recorder 512 B >= 2x the best peer, reader stalled", "recorder-512B-stalled", "ringmpsc", Peers::All, 2.0),
        at_least(14, "recorder 512 B > 10 M writes/s, 1 writer", "recorder-512B", "ringmpsc", 10.0),
        at_least(14, "recorder 512 B > 5 M writes/s, 4 writers", "recorder-512B-4w", "ringmpsc", 5.0),
        at_most(14, "recorder overrun < 0.01 %, 512 B, reader keeping up", "recorder-512B", "ringmpsc", Some("lost %"), 0.01),
        at_most(14, "recorder write p50 < 100 ns, 1 writer", "recorder-latency-1w", "ringmpsc", None, 100.0),
        at_most(14, "recorder write p99 < 500 ns, 1 writer", "recorder-latency-1w", "ringmpsc", Some("p99"), 500.0),
        at_most(14, "recorder write p50 < 200 ns, 4 writers", "recorder-latency-4w", "ringmpsc", None, 200.0),
        at_most(14, "recorder write p99 < 2 us, 4 writers", "recorder-latency-4w", "ringmpsc", Some("p99"), 2000.0),
        // Broadcast.
        ratio(15, "broadcast 1 -> 3 spinning >= 1.5x the disruptor crate", "broadcast-spin-3s", "ringmpsc", DISRUPTOR, 1.5),
        ratio(15, "broadcast 1 -> 3 blocking >= 5x tokio broadcast", "broadcast-3s", "ringmpsc", TOKIO, 5.0),
        at_most(15, "an idle subscriber costs no CPU (< 1 % of a core)", "idle-cpu", "ringmpsc broadcast", None, 1.0),
        // Byte records.
        ratio(16, "bytes 16 B >= 2x bbqueue", "bytes-16", "ringmpsc bytes, 1", BBQUEUE, 2.0),
        ratio(16, "bytes 64 B >= 2x bbqueue", "bytes-64", "ringmpsc bytes, 1", BBQUEUE, 2.0),
        ratio(16, "bytes 256 B >= 2x bbqueue", "bytes-256", "ringmpsc bytes, 1", BBQUEUE, 2.0),
        ratio(16, "bytes 1500 B >= 2x bbqueue", "bytes-1500", "ringmpsc bytes, 1", BBQUEUE, 2.0),
        ratio(16, "bytes 16 B >= 3x crossbeam Vec<u8>", "bytes-16", "ringmpsc bytes, 1", CROSSBEAM_VEC, 3.0),
        ratio(16, "bytes 64 B >= 3x crossbeam Vec<u8>", "bytes-64", "ringmpsc bytes, 1", CROSSBEAM_VEC, 3.0),
        ratio(16, "bytes 256 B >= 3x crossbeam Vec<u8>", "bytes-256", "ringmpsc bytes, 1", CROSSBEAM_VEC, 3.0),
        // Async.
        ratio(17, "async 1 -> 1 >= 2x tokio mpsc", "async-1p", "ringmpsc", TOKIO, 2.0),
        ratio(17, "async 1 -> 1 >= 1.5x the best other async channel", "async-1p", "ringmpsc", OTHER_ASYNC, 1.5),
        ratio(17, "async 4 -> 1 >= 2x tokio mpsc", "async-4p", "ringmpsc", TOKIO, 2.0),
        ratio(17, "async 4 -> 1 >= 1.5x the best other async channel", "async-4p", "ringmpsc", OTHER_ASYNC, 1.5),
        ratio(17, "async wake-up round trip within 1.5x tokio mpsc", "async-wake", "ringmpsc", TOKIO, 1.0 / 1.5),
        // Watermarks and metrics.
        Goal { issue: 18, what: "watermarks on within noise of off (Metrics + watermarks vs Metrics)", scenario: "metrics", measure: Measure::WithinNoise { ours: "Metrics + watermarks", base: "Metrics (counters)", control: "control: Metrics (counters) again" } },
        ratio(18, "default sampled latency costs at most 1.25x no metrics", "metrics", "Metrics::with_latency", Peers::Named(&["no observer"]), 1.0 / 1.25),
    ]
}

/// A goal's outcome over a run.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The goal.
    pub goal: Goal,
    /// Its value in every round it could be measured in.
    pub values: Vec<f64>,
    /// For a `WithinNoise` goal: the lowest of its bars.
    pub noise: Option<f64>,
    /// For a `WithinNoise` goal: each run's bar (the control's worst
    /// same-round ratio in that run, at most 1), one per value.
    pub bars: Vec<f64>,
    /// Why it could not be measured, if it could not.
    pub missing: Option<String>,
}

impl Outcome {
    /// True if value `i` meets the goal.
    fn holds(&self, i: usize) -> bool {
        let v = self.values[i];
        match self.goal.measure {
            Measure::Ratio { at_least, .. } => v >= at_least,
            Measure::WithinNoise { .. } => v >= self.bars.get(i).copied().unwrap_or(1.0),
            Measure::AtMost { bound, .. } => v <= bound,
            Measure::AtLeast { bound, .. } => v >= bound,
        }
    }

    /// The round furthest from meeting the goal.
    pub fn worst(&self) -> f64 {
        let it = self.values.iter().copied();
        match self.goal.measure {
            Measure::AtMost { .. } => it.fold(f64::NEG_INFINITY, f64::max),
            _ => it.fold(f64::INFINITY, f64::min),
        }
    }

    /// Rounds in which the goal held.
    pub fn held(&self) -> usize {
        (0..self.values.len()).filter(|&i| self.holds(i)).count()
    }

    /// `met` (every round), `sometimes`, `not met` or `not run`.
    pub fn status(&self) -> &'static str {
        if self.values.is_empty() {
            "not run"
        } else if self.held() == self.values.len() {
            "met"
        } else if self.held() > 0 {
            "sometimes"
        } else {
            "not met"
        }
    }
}

/// Evaluates every goal against the results of a run (a scenario may
/// appear once per repeat).
pub fn evaluate(goals: &[Goal], results: &[ScenarioResult]) -> Vec<Outcome> {
    goals
        .iter()
        .map(|g| {
            let mut values = Vec::new();
            let mut bars = Vec::new();
            let mut missing = None;
            for r in results.iter().filter(|r| r.head.id == g.scenario) {
                let v = match per_round(g, r) {
                    Ok(v) => v,
                    Err(e) => {
                        missing = Some(e);
                        continue;
                    }
                };
                let Measure::WithinNoise { base, control, .. } = g.measure else {
                    values.extend(v);
                    continue;
                };
                let as_ratio = Goal {
                    measure: Measure::Ratio {
                        ours: control,
                        peers: Peers::Named(&[]),
                        at_least: 0.0,
                    },
                    ..*g
                };
                match ratios(&as_ratio, r, control, &[base]) {
                    Ok(c) if !c.is_empty() && !v.is_empty() => {
                        values.push(median(&v));
                        bars.push(c.iter().copied().fold(1.0, f64::min));
                    }
                    Ok(_) => {}
                    Err(e) => missing = Some(e),
                }
            }
            let noise =
                (!bars.is_empty()).then(|| bars.iter().copied().fold(f64::INFINITY, f64::min));
            if values.is_empty() && missing.is_none() {
                missing = Some(format!("scenario {} not in this run", g.scenario));
            }
            Outcome {
                goal: *g,
                values,
                noise,
                bars,
                missing,
            }
        })
        .collect()
}

/// The row of `r` whose name starts with `prefix`.
fn find(r: &ScenarioResult, prefix: &str) -> Result<usize, String> {
    r.rows
        .iter()
        .position(|row| row.name.starts_with(prefix))
        .ok_or_else(|| format!("{}: no row {prefix:?}", r.head.id))
}

/// Same-round ratios of row `ours` against the best of `names` (all peer
/// rows when empty and the goal says `Peers::All`).
fn ratios(g: &Goal, r: &ScenarioResult, ours: &str, names: &[&str]) -> Result<Vec<f64>, String> {
    let o = find(r, ours)?;
    let idx: Vec<usize> = match g.measure {
        Measure::Ratio {
            peers: Peers::All, ..
        } => (0..r.rows.len())
            .filter(|&i| r.rows[i].kind == Kind::Peer)
            .collect(),
        _ => names.iter().map(|n| find(r, n)).collect::<Result<_, _>>()?,
    };
    if idx.is_empty() {
        return Err(format!("{}: no rows to compare with", r.head.id));
    }
    Ok(r.rounds
        .iter()
        .filter(|round| round.regime != Regime::Mixed)
        .map(|round| {
            let ours = round.samples[o].primary;
            let best = idx.iter().map(|&i| round.samples[i].primary);
            match r.head.better {
                Better::Higher => ours / best.fold(f64::NEG_INFINITY, f64::max),
                Better::Lower => best.fold(f64::INFINITY, f64::min) / ours,
            }
        })
        .collect())
}

/// The goal's value in each round of one scenario result.
fn per_round(g: &Goal, r: &ScenarioResult) -> Result<Vec<f64>, String> {
    match g.measure {
        Measure::Ratio { ours, peers, .. } => {
            let names: &[&str] = match peers {
                Peers::All => &[],
                Peers::Named(n) => n,
            };
            ratios(g, r, ours, names)
        }
        Measure::WithinNoise { ours, base, .. } => ratios(g, r, ours, &[base]),
        Measure::AtMost { row, figure, .. } | Measure::AtLeast { row, figure, .. } => {
            let i = find(r, row)?;
            r.rounds
                .iter()
                .filter(|round| round.regime != Regime::Mixed)
                .map(|round| {
                    let s = &round.samples[i];
                    match figure {
                        None => Ok(s.primary),
                        Some(name) => s
                            .extra
                            .iter()
                            .find(|e| e.0 == name)
                            .map(|e| e.1)
                            .ok_or_else(|| format!("{}: no figure {name:?}", r.head.id)),
                    }
                })
                .collect()
        }
    }
}

/// The goal in words with its threshold.
fn target(g: &Goal) -> String {
    match g.measure {
        Measure::Ratio { at_least, .. } => format!(">= {at_least:.2}x"),
        Measure::WithinNoise { control, .. } => format!(">= worst of {control:?} (noise)"),
        Measure::AtMost { bound, .. } => format!("<= {bound}"),
        Measure::AtLeast { bound, .. } => format!(">= {bound}"),
    }
}

/// The goals as a Markdown table (also readable on a terminal): issue,
/// goal, scenario, target, median, worst round, rounds held, status.
pub fn table(outcomes: &[Outcome]) -> String {
    let mut s = String::from(
        "| issue | goal | scenario | target | median | worst | held | status |\n|---|---|---|---|---|---|---|---|\n",
    );
    for o in outcomes {
        let g = &o.goal;
        let (med, worst) = if o.values.is_empty() {
            ("-".to_string(), "-".to_string())
        } else {
            (
                format!("{:.3}", median(&o.values)),
                format!("{:.3}", o.worst()),
            )
        };
        let status = match (&o.missing, o.values.is_empty()) {
            (Some(why), true) => format!("not run ({why})"),
            _ => o.status().to_string(),
        };
        let bar = match o.noise {
            Some(n) => {
                format!(">= each run's control worst (lowest {n:.3}); figures: per-run medians")
            }
            None => target(g),
        };
        let _ = writeln!(
            s,
            "| #{} | {} | {} | {} | {} | {} | {}/{} | {} |",
            g.issue,
            g.what,
            g.scenario,
            bar,
            med,
            worst,
            o.held(),
            o.values.len(),
            status
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::{Header, Round, RowStats, Sample};

    fn result(
        id: &'static str,
        better: Better,
        rows: &[(&str, Kind)],
        rounds: &[&[f64]],
    ) -> ScenarioResult {
        ScenarioResult {
            head: Header {
                id,
                title: String::new(),
                unit: "x",
                better,
                placement: String::new(),
            },
            rounds: rounds
                .iter()
                .map(|v| Round {
                    rtt_before: 0.0,
                    rtt_after: 0.0,
                    regime: Regime::Fast,
                    samples: v.iter().map(|&x| Sample::of(x)).collect(),
                })
                .collect(),
            rows: rows
                .iter()
                .map(|(n, k)| RowStats {
                    name: n.to_string(),
                    kind: *k,
                    median: 0.0,
                    min: 0.0,
                    max: 0.0,
                    extra: Vec::new(),
                    ratios: Vec::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn ratios_are_same_round_against_the_best_peer() {
        let rows = [("ours", Kind::Ours), ("a", Kind::Peer), ("b", Kind::Peer)];
        let r = result(
            "s",
            Better::Higher,
            &rows,
            &[&[12.0, 10.0, 6.0], &[9.0, 5.0, 10.0]],
        );
        let g = ratio(1, "g", "s", "ours", Peers::All, 1.1);
        let o = &evaluate(&[g], &[r])[0];
        assert_eq!(o.values, [1.2, 0.9]);
        assert_eq!((o.held(), o.status()), (1, "sometimes"));
        assert_eq!(o.worst(), 0.9);
    }

    #[test]
    fn within_noise_is_judged_against_the_control_row() {
        let rows = [
            ("base", Kind::Ours),
            ("on", Kind::Ours),
            ("control", Kind::Ours),
        ];
        // Run 1: the control lost 8 % in its worst round; the row's median
        // (0.93, 0.95, 0.90 -> 0.93) is within that noise. Run 2: the control
        // lost 2 % at worst, the row's median lost 10 %: not within noise.
        let run = |rounds: &[&[f64]]| result("s", Better::Higher, &rows, rounds);
        let r1 = run(&[
            &[100.0, 93.0, 92.0],
            &[100.0, 95.0, 104.0],
            &[100.0, 90.0, 99.0],
        ]);
        let r2 = run(&[
            &[100.0, 90.0, 98.0],
            &[100.0, 89.0, 101.0],
            &[100.0, 99.0, 100.0],
        ]);
        let g = Goal {
            issue: 1,
            what: "w",
            scenario: "s",
            measure: Measure::WithinNoise {
                ours: "on",
                base: "base",
                control: "control",
            },
        };
        let o = &evaluate(&[g], &[r1, r2])[0];
        assert_eq!(o.values, [0.93, 0.90]);
        assert_eq!(o.bars, [0.92, 0.98]);
        assert_eq!(o.noise, Some(0.92));
        assert_eq!((o.held(), o.status()), (1, "sometimes"));
    }

    #[test]
    fn lower_is_better_inverts_and_bounds_apply() {
        let rows = [("ours", Kind::Ours), ("peer", Kind::Peer)];
        let r = result("s", Better::Lower, &rows, &[&[50.0, 100.0]]);
        let g = ratio(1, "g", "s", "ours", Peers::Named(&["peer"]), 1.5);
        let b = at_most(1, "b", "s", "ours", None, 60.0);
        let out = evaluate(&[g, b], &[r.clone(), r]);
        assert_eq!(out[0].values, [2.0, 2.0], "two repeats, two rounds");
        assert_eq!(out[0].status(), "met");
        assert_eq!(out[1].status(), "met");
        let missing = evaluate(&[ratio(1, "m", "absent", "x", Peers::All, 1.0)], &[]);
        assert_eq!(missing[0].status(), "not run");
        assert!(table(&missing).contains("not run"));
    }
}
