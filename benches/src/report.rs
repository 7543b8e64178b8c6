//! Terminal tables, the Markdown + SVG report, JSON of every figure, and the
//! comparison with an earlier run.

use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;
use serde_json::{Value, json};

use crate::harness::{Better, Kind, NotBuilt, Regime, ScenarioResult};
use crate::machine::Machine;

fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        "-".into()
    } else if v.abs() >= 1000.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn ratio_of(r: &crate::harness::RowStats, regime: Regime) -> String {
    r.ratios
        .iter()
        .find(|x| x.0 == regime)
        .map_or("-".into(), |x| format!("{:.2} ({})", x.1, x.2))
}

fn regimes(s: &ScenarioResult) -> (usize, usize, usize, f64, f64) {
    let count = |g| s.rounds.iter().filter(|r| r.regime == g).count();
    let probes: Vec<f64> = s
        .rounds
        .iter()
        .flat_map(|r| [r.rtt_before, r.rtt_after])
        .collect();
    let lo = probes.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = probes.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (
        count(Regime::Fast),
        count(Regime::Slow),
        count(Regime::Mixed),
        lo,
        hi,
    )
}

/// The table of one scenario, as printed on the terminal and in the report.
pub fn table(s: &ScenarioResult) -> String {
    let mut o = String::new();
    let dir = match s.head.better {
        Better::Higher => "higher is better",
        Better::Lower => "lower is better",
    };
    let (f, sl, m, lo, hi) = regimes(s);
    let _ = writeln!(o, "\n== {}: {}", s.head.id, s.head.title);
    let _ = writeln!(o, "   unit: {} ({dir}); {}", s.head.unit, s.head.placement);
    let _ = writeln!(
        o,
        "   {} rounds, alternating order (regime by cache-line round trip, {:.0}..{:.0} ns: fast {f}, slow {sl}, mixed {m})",
        s.rounds.len(),
        lo,
        hi
    );
    let extra_names: Vec<&str> = s
        .rows
        .first()
        .map(|r| r.extra.iter().map(|e| e.0).collect())
        .unwrap_or_default();
    let mut head = format!(
        "   {:<38} {:<9} {:>9} {:>9} {:>9}",
        "contender", "kind", "median", "min", "max"
    );
    for e in &extra_names {
        let _ = write!(head, " {e:>9}");
    }
    let _ = write!(head, " {:>14} {:>14}", "ours x (fast)", "ours x (slow)");
    let _ = writeln!(o, "{head}");
    for r in &s.rows {
        let mut line = format!(
            "   {:<38} {:<9} {:>9} {:>9} {:>9}",
            r.name,
            r.kind.label(),
            fmt_num(r.median),
            fmt_num(r.min),
            fmt_num(r.max)
        );
        for e in &r.extra {
            let _ = write!(line, " {:>9}", fmt_num(e.1));
        }
        let _ = write!(
            line,
            " {:>14} {:>14}",
            ratio_of(r, Regime::Fast),
            ratio_of(r, Regime::Slow)
        );
        let _ = writeln!(o, "{line}");
    }
    let _ = writeln!(
        o,
        "   ours x = median over rounds of the same-round ratio, >1 means ringmpsc is better (count of rounds in brackets)"
    );
    for g in &s.goals {
        let _ = writeln!(
            o,
            "   goal: {}: cost {:.2}x (rounds {:.2}..{:.2}, {}), limit {:.2}x -> {}",
            g.goal.what,
            g.ratio,
            g.min,
            g.max,
            g.rounds,
            g.goal.limit,
            if g.met() { "met" } else { "MISSED" }
        );
    }
    if !s.goals.is_empty() {
        let _ = writeln!(
            o,
            "   cost = time per item of the row over that of the row it is held against, same round, median over rounds"
        );
    }
    o
}

/// Lines for scenarios that cannot run yet.
pub fn not_built_lines(nb: &[NotBuilt]) -> String {
    let mut o = String::new();
    for n in nb {
        let _ = writeln!(o, "== {}: not built yet ({})", n.id, n.why);
    }
    o
}

/// JSON of every figure, with the machine.
pub fn to_json(
    machine: &Machine,
    quick: bool,
    results: &[ScenarioResult],
    nb: &[NotBuilt],
) -> Value {
    json!({
        "machine": {
            "cpu": machine.cpu, "cpus": machine.cpus, "threads_per_core": machine.threads_per_core,
            "hypervisor": machine.hypervisor, "kernel": machine.kernel, "date": machine.date,
        },
        "quick": quick,
        "scenarios": results.iter().map(|s| json!({
            "id": s.head.id, "title": s.head.title, "unit": s.head.unit,
            "better": match s.head.better { Better::Higher => "higher", Better::Lower => "lower" },
            "placement": s.head.placement,
            "rounds": s.rounds.iter().map(|r| json!({
                "rtt_before_ns": r.rtt_before, "rtt_after_ns": r.rtt_after, "regime": r.regime.label(),
                "samples": s.rows.iter().zip(&r.samples).map(|(row, x)| json!({
                    "contender": row.name, "value": x.primary,
                    "extra": x.extra.iter().map(|e| (e.0.to_string(), json!(e.1))).collect::<serde_json::Map<_,_>>(),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "rows": s.rows.iter().map(|r| json!({
                "contender": r.name, "kind": r.kind.label(), "median": r.median, "min": r.min, "max": r.max,
                "extra": r.extra.iter().map(|e| (e.0.to_string(), json!(e.1))).collect::<serde_json::Map<_,_>>(),
                "ours_ratio": r.ratios.iter().map(|x| (x.0.label().to_string(), json!({"median": x.1, "rounds": x.2}))).collect::<serde_json::Map<_,_>>(),
            })).collect::<Vec<_>>(),
            "goals": s.goals.iter().map(|g| json!({
                "what": g.goal.what, "row": g.goal.row, "base": g.goal.base, "limit": g.goal.limit,
                "cost_ratio": g.ratio, "min": g.min, "max": g.max, "rounds": g.rounds, "met": g.met(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "not_built": nb.iter().map(|n| json!({"id": n.id, "why": n.why})).collect::<Vec<_>>(),
    })
}

/// A horizontal bar chart (median, with a min..max whisker) of one scenario.
///
/// # Errors
///
/// The plotting error, as text.
pub fn plot(s: &ScenarioResult, path: &Path) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Debug| format!("plot {}: {e:?}", s.head.id);
    let n = s.rows.len();
    let h = 70 + 42 * n as u32;
    let root = SVGBackend::new(path, (960, h)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let max = s
        .rows
        .iter()
        .map(|r| r.max)
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.6;
    let dir = if s.head.better == Better::Higher {
        "higher is better"
    } else {
        "lower is better"
    };
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{}: {} ({dir})", s.head.id, s.head.unit),
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(8)
        .build_cartesian_2d(0f64..max, 0f64..n as f64)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .x_desc(s.head.unit)
        .draw()
        .map_err(|e| err(&e))?;
    for (i, r) in s.rows.iter().enumerate() {
        let y = (n - 1 - i) as f64;
        let color = match r.kind {
            Kind::Ours => RGBColor(31, 119, 180),
            Kind::Peer => RGBColor(160, 160, 160),
            Kind::Reference => RGBColor(44, 160, 44),
        };
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, y + 0.18), (r.median, y + 0.82)],
                color.filled(),
            )))
            .map_err(|e| err(&e))?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(r.min, y + 0.5), (r.max, y + 0.5)],
                BLACK.stroke_width(2),
            )))
            .map_err(|e| err(&e))?;
        let label = format!("{}  {} {}", r.name, fmt_num(r.median), s.head.unit);
        chart
            .draw_series(std::iter::once(Text::new(
                label,
                (r.max.max(r.median) + max * 0.01, y + 0.62),
                ("sans-serif", 13),
            )))
            .map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// The Markdown report: machine, method, every table and its plot.
pub fn markdown(
    machine: &Machine,
    quick: bool,
    results: &[ScenarioResult],
    nb: &[NotBuilt],
) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# ringmpsc benchmark report\n");
    let _ = writeln!(o, "- machine: {}", machine.line());
    let _ = writeln!(
        o,
        "- mode: {}",
        if quick {
            "--quick (smoke run: sizes too small for conclusions)"
        } else {
            "full"
        }
    );
    let _ = writeln!(
        o,
        "- method: contenders alternate within each round; the consumer sums every item and count and checksum are verified; \
         the cross-core round trip is probed before and after each round and ratios are taken only within a round \
         (rounds whose probes disagree are `mixed` and excluded from ratios). Regime threshold: {:.0} ns.\n",
        crate::harness::SLOW_RTT_NS
    );
    for s in results {
        let _ = writeln!(
            o,
            "## {}\n\n```text{}```\n\n![{}]({}.svg)\n",
            s.head.id,
            table(s),
            s.head.id,
            s.head.id
        );
    }
    if !nb.is_empty() {
        let _ = writeln!(o, "## Not built yet\n");
        for n in nb {
            let _ = writeln!(o, "- `{}`: {}", n.id, n.why);
        }
    }
    o
}

/// Change per figure against an earlier JSON report.
pub fn compare(old: &Value, results: &[ScenarioResult]) -> String {
    let mut o = String::from("\n== change against the earlier run (median; + is an improvement)\n");
    for s in results {
        let Some(old_s) = old["scenarios"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["id"] == s.head.id))
        else {
            let _ = writeln!(o, "   {}: not in the earlier run", s.head.id);
            continue;
        };
        for r in &s.rows {
            let prev = old_s["rows"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["contender"] == r.name.as_str()))
                .and_then(|x| x["median"].as_f64());
            match prev {
                Some(p) if p > 0.0 => {
                    let change = match s.head.better {
                        Better::Higher => r.median / p - 1.0,
                        Better::Lower => p / r.median - 1.0,
                    };
                    let _ = writeln!(
                        o,
                        "   {:<12} {:<38} {:>9} -> {:>9} {}  {:+.1}%",
                        s.head.id,
                        r.name,
                        fmt_num(p),
                        fmt_num(r.median),
                        s.head.unit,
                        change * 100.0
                    );
                }
                _ => {
                    let _ = writeln!(o, "   {:<12} {:<38} new", s.head.id, r.name);
                }
            }
        }
    }
    o
}
