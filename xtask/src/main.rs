//! `cargo xtask`: the workspace's automation (rust-analyzer style).
//!
//! | command | runs | module |
//! |---|---|---|
//! | `test` | `cargo test --workspace` with every feature this machine can build, plus the `no_std` build | `checks` |
//! | `loom` | the loom models (`--cfg ring_loom`, `LOOM_MAX_PREEMPTIONS=2`) | `checks` |
//! | `miri` | `cargo +nightly miri test` on the unsafe crates, ring-channels and the conformance suite, stacked then tree borrows | `checks` |
//! | `tidy` | the layering rule over `cargo metadata`, unsafe hygiene, forbid(unsafe), loom-shim use (also a `#[test]`) | `tidy` |
//! | `tsan` | the stress tests under ThreadSanitizer (nightly + rust-src), fence fallback | `checks` |
//! | `fuzz` | every fuzz target (`fuzz/`, cargo-fuzz on nightly; installs cargo-fuzz if missing) for 60 s each, or `--seconds N` | `checks` |
//! | `bench` | the side-by-side benchmark suite (see docs/benchmarks.md) | `bench` |
//! | `ci` | fmt, clippy, tidy, test, doc, deny, loom, miri, tsan, fuzz, bench --quick, and a summary | `ci` |
//!
//! Every command is echoed before it runs. A tool that is missing (nightly
//! miri, cargo-deny) is named loudly and reported as skipped, never silent.

mod bench;
mod checks;
mod ci;
mod tidy;

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// How a command or a CI step ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Outcome {
    Passed,
    Failed,
    /// A tool it needs is not installed; reported loudly as skipped.
    Missing,
}

const USAGE: &str = "usage: cargo xtask <test|ci|loom|miri [--quick]|tidy|tsan|fuzz [--seconds N]|bench [--quick] [--scenario NAME] [--repeat N] [--compare OLD.json]>";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let root = workspace_root();
    env::set_current_dir(&root).expect("cd to the workspace root");
    let cmd = args.first().map(String::as_str).unwrap_or("help");
    let rest = &args[args.len().min(1)..];
    let quick = rest.iter().any(|a| a == "--quick");
    let ok = match cmd {
        "test" => checks::test() == Outcome::Passed,
        "loom" => checks::loom() == Outcome::Passed,
        "miri" => checks::miri(quick) != Outcome::Failed,
        "tidy" => tidy::tidy() == Outcome::Passed,
        "tsan" => checks::tsan() != Outcome::Failed,
        "fuzz" => {
            let seconds = rest
                .iter()
                .position(|a| a == "--seconds")
                .and_then(|i| rest.get(i + 1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(checks::CI_FUZZ_SECONDS);
            checks::fuzz(seconds) != Outcome::Failed
        }
        "bench" => bench::bench(rest) == Outcome::Passed,
        "ci" => ci::ci(),
        _ => {
            eprintln!("{USAGE}");
            return if cmd == "help" {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            };
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The workspace root: xtask's parent directory.
pub(crate) fn workspace_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// The cargo that started us (`$CARGO`), else `cargo` from `PATH`.
pub(crate) fn cargo() -> String {
    env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs a command, echoing it first; true on success.
pub(crate) fn run(program: &str, args: &[&str], envs: &[(&str, &str)]) -> bool {
    run_in(".", program, args, envs)
}

/// A command line as echoed before it runs: `K=V ... program args ...`.
pub(crate) fn shown(program: &str, args: &[&str], envs: &[(&str, &str)]) -> String {
    let words: Vec<String> = envs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .chain([program.to_string()])
        .chain(args.iter().map(|s| s.to_string()))
        .collect();
    words.join(" ")
}

/// [`run`] in the directory `dir` (relative to the workspace root).
pub(crate) fn run_in(dir: &str, program: &str, args: &[&str], envs: &[(&str, &str)]) -> bool {
    let place = if dir == "." {
        String::new()
    } else {
        format!("(in {dir}) ")
    };
    eprintln!("\n$ {place}{}", shown(program, args, envs));
    let mut c = Command::new(program);
    c.args(args).current_dir(dir);
    for (k, v) in envs {
        c.env(k, v);
    }
    match c.status() {
        Ok(s) => s.success(),
        Err(e) => {
            eprintln!("xtask: could not start {program}: {e}");
            false
        }
    }
}

pub(crate) fn outcome(ok: bool) -> Outcome {
    if ok { Outcome::Passed } else { Outcome::Failed }
}

/// True when `crates/<name>` is a crate of this tree (run from the root).
pub(crate) fn member_exists(name: &str) -> bool {
    Path::new("crates").join(name).join("Cargo.toml").exists()
}
