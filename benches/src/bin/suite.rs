//! `cargo xtask bench`: the side-by-side suite.
//!
//! Options: `--quick` (every scenario small), `--scenario NAME` (one, may be
//! repeated), `--repeat N` (the whole selection N times; the goals table
//! then reports each goal's median and worst round over all of them),
//! `--compare OLD.json`, `--list`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use ring_benches::harness::run_scenario;
use ring_benches::scenarios::{self, Size};
use ring_benches::{goals, machine, report};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // The peer process of the shm scenarios (this binary, re-executed).
    if args.first().map(String::as_str) == Some(ring_benches::shm::CHILD_CMD) {
        return ring_benches::shm::child_main(&args[1..]);
    }
    // A producer process of the collector scenario (this binary, re-executed).
    if args.first().map(String::as_str) == Some(ring_benches::collector::CHILD_CMD) {
        return ring_benches::collector::child_main(&args[1..]);
    }
    let quick = args.iter().any(|a| a == "--quick");
    let mut wanted = Vec::new();
    let mut compare = None;
    let mut repeat = 1usize;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--scenario" => wanted.extend(it.next().cloned()),
            "--compare" => compare = it.next().cloned(),
            "--repeat" => match it.next().and_then(|n| n.parse().ok()) {
                Some(n) if n >= 1 => repeat = n,
                _ => {
                    eprintln!("suite: --repeat needs a count of at least 1");
                    return ExitCode::FAILURE;
                }
            },
            "--quick" => {}
            "--list" => {
                for s in scenarios::all(Size::QUICK) {
                    eprintln!("{:<14} {}", s.head.id, s.head.title);
                }
                for n in scenarios::not_built() {
                    eprintln!("{:<14} not built yet ({})", n.id, n.why);
                }
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!(
                    "suite: unknown argument {other}\nusage: cargo xtask bench [--quick] [--scenario NAME]... [--repeat N] [--compare OLD.json] [--list]"
                );
                return ExitCode::FAILURE;
            }
        }
    }
    let size = if quick { Size::QUICK } else { Size::FULL };
    let m = machine::detect();
    eprintln!(
        "ringmpsc side-by-side benchmark ({})",
        if quick {
            "--quick smoke run"
        } else {
            "full run, about 6 minutes"
        }
    );
    eprintln!("machine: {}", m.line());
    if m.cpus < 2 {
        eprintln!("!!! only one CPU: every two-thread scenario is oversubscribed");
    }
    let list = scenarios::all(size);
    if !wanted.is_empty() {
        let known: Vec<&str> = list.iter().map(|s| s.head.id).collect();
        for w in &wanted {
            if !known.contains(&w.as_str()) {
                let nb = scenarios::not_built()
                    .into_iter()
                    .find(|n| n.id == w.as_str());
                match nb {
                    Some(n) => eprintln!("{w}: not built yet ({})", n.why),
                    None => {
                        eprintln!("suite: no scenario {w}; `cargo xtask bench --list` shows them");
                        return ExitCode::FAILURE;
                    }
                }
            }
        }
    }
    let selected = |all: Vec<ring_benches::harness::Scenario>| {
        let mut all = all;
        if !wanted.is_empty() {
            all.retain(|s| wanted.iter().any(|w| w == s.head.id));
        }
        all
    };
    let total: u64 = (selected(list).len() * size.rounds * repeat) as u64;
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>14} [{bar:30}] {pos}/{len} rounds {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let t0 = Instant::now();
    let mut results = Vec::new();
    let mut every = Vec::new();
    for pass in 1..=repeat {
        if repeat > 1 {
            bar.suspend(|| eprintln!("\n=== repeat {pass} of {repeat}"));
        }
        // Each pass gets fresh contenders (their closures run once per round).
        results.clear();
        for sc in selected(scenarios::all(size)) {
            bar.set_prefix(sc.head.id);
            bar.set_message(format!("({} contenders)", sc.contenders.len()));
            // The bar is redrawn only here, between rounds: nothing ticks while one runs.
            match run_scenario(sc, size.rounds, |_| bar.inc(1)) {
                Ok(r) => {
                    bar.suspend(|| print!("{}", report::table(&r)));
                    every.push(r.clone());
                    results.push(r);
                }
                Err(e) => {
                    bar.abandon();
                    eprintln!("\n!!! VERIFICATION FAILED: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    bar.finish_and_clear();
    // A selective run reports the goals of the scenarios it ran.
    let chosen: Vec<goals::Goal> = goals::all()
        .into_iter()
        .filter(|g| wanted.is_empty() || wanted.iter().any(|w| w == g.scenario))
        .collect();
    let outcomes = goals::evaluate(&chosen, &every);
    let goal_table = goals::table(&outcomes);
    println!(
        "\n== goals ({} of {} met in every round; median and worst same-round figure over {repeat} repeat(s))\n{goal_table}",
        outcomes.iter().filter(|o| o.status() == "met").count(),
        outcomes.len()
    );
    let nb = if wanted.is_empty() {
        scenarios::not_built()
    } else {
        Vec::new()
    };
    print!("{}", report::not_built_lines(&nb));

    let dir = PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()))
        .join("bench-report");
    let written = (|| -> Result<(), String> {
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        for r in &results {
            report::plot(r, &dir.join(format!("{}.svg", r.head.id)))?;
        }
        std::fs::write(
            dir.join("report.md"),
            format!(
                "{}\n## Goals\n\nEvery goal of the open issues, over {repeat} repeat(s) of the selection: the median and the worst round's figure (ratios are ours against the best named row in the same round, >1 better); \"met\" only when every round held.\n\n{goal_table}",
                report::markdown(&m, quick, &results, &nb)
            ),
        )
        .map_err(|e| e.to_string())?;
        let mut json = report::to_json(&m, quick, &results, &nb);
        json["goals"] = serde_json::Value::Array(
            outcomes
                .iter()
                .map(|o| {
                    serde_json::json!({
                        "issue": o.goal.issue, "goal": o.goal.what, "scenario": o.goal.scenario,
                        "values": o.values, "worst": (!o.values.is_empty()).then(|| o.worst()),
                        "held": o.held(), "status": o.status(),
                    })
                })
                .collect(),
        );
        std::fs::write(
            dir.join("report.json"),
            serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
        Ok(())
    })();
    if let Some(path) = compare {
        match std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
        {
            Some(old) => print!("{}", report::compare(&old, &results)),
            None => eprintln!("!!! --compare: cannot read {path} as a report.json"),
        }
    }
    match written {
        Ok(()) => eprintln!(
            "\nreport: {} (report.md, report.json, one SVG per scenario)",
            dir.display()
        ),
        Err(e) => eprintln!("\n!!! could not write the report: {e}"),
    }
    eprintln!("done in {:.0} s", t0.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}
