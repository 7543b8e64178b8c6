//! `cargo xtask ci`: every check in one run, as the table [`STEPS`], then a
//! summary. A step whose tool is missing is reported as skipped and does not
//! fail the run; any failed step does.

use std::process::Command;
use std::time::Instant;

use crate::checks::{self, has_hwloc};
use crate::{Outcome, bench, cargo, member_exists, outcome, run, tidy};

/// One CI step: its name in the banner and the summary, and what it runs,
/// answering its outcome and a note for the summary (empty for none).
struct Step {
    name: &'static str,
    run: fn() -> (Outcome, String),
}

/// The steps, in the order they run.
const STEPS: &[Step] = &[
    step("fmt", fmt),
    step("clippy", clippy),
    step("tidy", || (tidy::tidy(), String::new())),
    step("test", test),
    step("doc", doc),
    step("deny", deny),
    step("loom", || (checks::loom(), String::new())),
    step("miri", miri),
    step("tsan", tsan),
    step("fuzz", fuzz),
    step("bench --quick", bench_quick),
];

const fn step(name: &'static str, run: fn() -> (Outcome, String)) -> Step {
    Step { name, run }
}

/// A step that ran.
struct Record {
    name: &'static str,
    outcome: Outcome,
    secs: f64,
    note: String,
}

/// Runs every step, prints the summary; true when none failed.
pub(crate) fn ci() -> bool {
    let mut records = Vec::with_capacity(STEPS.len());
    for step in STEPS {
        eprintln!(
            "\n==================== xtask ci: {} ====================",
            step.name
        );
        let t = Instant::now();
        let (outcome, note) = (step.run)();
        records.push(Record {
            name: step.name,
            outcome,
            secs: t.elapsed().as_secs_f64(),
            note,
        });
    }
    summary(&records)
}

fn summary(records: &[Record]) -> bool {
    eprintln!("\n==================== xtask ci: summary ====================");
    let mut failed = 0;
    for s in records {
        let label = match s.outcome {
            Outcome::Passed => "passed",
            Outcome::Failed => {
                failed += 1;
                "FAILED"
            }
            Outcome::Missing => "SKIPPED (tool missing)",
        };
        eprintln!(
            "  {:<16} {:<24} {:>7.1}s  {}",
            s.name, label, s.secs, s.note
        );
    }
    let count = |o: Outcome| records.iter().filter(|s| s.outcome == o).count();
    let passed = count(Outcome::Passed);
    let skipped = count(Outcome::Missing);
    // The plain closing line CI reads.
    println!("xtask: {passed} passed, {failed} failed, {skipped} skipped");
    failed == 0
}

fn fmt() -> (Outcome, String) {
    let ok = run(&cargo(), &["fmt", "--all", "--", "--check"], &[]);
    (outcome(ok), String::new())
}

fn clippy() -> (Outcome, String) {
    let cargo = cargo();
    let mut args = vec!["clippy", "--workspace", "--all-targets"];
    if member_exists("ring-numa") && has_hwloc() {
        args.extend(["--features", "ring-numa/hwloc"]);
    }
    args.extend(["--", "-D", "warnings"]);
    let mut ok = run(&cargo, &args, &[]);
    ok &= run(
        &cargo,
        &[
            "clippy",
            "-p",
            "ring-core",
            "--no-default-features",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    );
    (outcome(ok), String::new())
}

fn test() -> (Outcome, String) {
    let note = if member_exists("ring-numa") && !has_hwloc() {
        "hwloc missing: sysfs backend only".into()
    } else {
        String::new()
    };
    (checks::test(), note)
}

fn doc() -> (Outcome, String) {
    let ok = run(
        &cargo(),
        &["doc", "--workspace", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    );
    (outcome(ok), String::new())
}

fn has_cargo_deny() -> bool {
    Command::new(cargo())
        .args(["deny", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn deny() -> (Outcome, String) {
    if has_cargo_deny() {
        let ok = run(
            &cargo(),
            &["deny", "check", "licenses", "bans", "sources"],
            &[],
        );
        (outcome(ok), String::new())
    } else {
        eprintln!(
            "\n!!! xtask ci: cargo-deny is MISSING: `cargo install --locked cargo-deny` (.ci/run does this)."
        );
        (Outcome::Missing, "cargo-deny not installed".into())
    }
}

/// A step's outcome, noting `missing` when its tool was.
fn noting(o: Outcome, missing: &str) -> (Outcome, String) {
    let note = if o == Outcome::Missing {
        missing.into()
    } else {
        String::new()
    };
    (o, note)
}

fn miri() -> (Outcome, String) {
    noting(checks::miri(true), "nightly miri not installed")
}

fn tsan() -> (Outcome, String) {
    noting(checks::tsan(), "nightly rust-src not installed")
}

fn fuzz() -> (Outcome, String) {
    noting(checks::fuzz(60), "cargo-fuzz or nightly not installed")
}

fn bench_quick() -> (Outcome, String) {
    (
        bench::bench(&["--quick".into()]),
        "smoke run; never gates on numbers".into(),
    )
}
