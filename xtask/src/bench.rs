//! `cargo xtask bench`: the side-by-side benchmark suite (docs/benchmarks.md).

use crate::{Outcome, cargo, outcome, run};

/// Runs the suite binary of `ring-benches`, passing every argument through;
/// `--quick` also picks the light `quick` profile instead of fat-LTO `bench`.
pub(crate) fn bench(rest: &[String]) -> Outcome {
    let cargo = cargo();
    let quick = rest.iter().any(|a| a == "--quick");
    let profile = if quick { "quick" } else { "bench" };
    let mut args: Vec<&str> = vec![
        "run",
        "--profile",
        profile,
        "-p",
        "ring-benches",
        "--bin",
        "suite",
        "--",
    ];
    args.extend(rest.iter().map(String::as_str));
    outcome(run(&cargo, &args, &[]))
}
