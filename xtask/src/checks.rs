//! The test runs: `test`, `loom`, `miri` and `tsan`, and the probes for the
//! tools and libraries they need.

use std::process::Command;

use crate::tidy::{UNSAFE_CRATES, Workspace};
use crate::{Outcome, cargo, member_exists, outcome, run, run_in, workspace_root};

/// Crates run under miri besides the unsafe ones ([`UNSAFE_CRATES`]):
/// ring-channels is safe itself, but the heaviest user of ring-core's unsafe
/// primitives; its tests shrink their sizes under `cfg(miri)`.
const MIRI_EXTRA_CRATES: &[&str] = &["ring-channels"];

/// `cargo test --workspace` (every member, xtask and its tidy test included:
/// `--workspace` overrides `default-members`), with ring-numa's hwloc backend
/// where the system library is usable, then the `no_std` build and tests.
pub(crate) fn test() -> Outcome {
    let cargo = cargo();
    let mut args = vec!["test", "--workspace"];
    if member_exists("ring-wait") {
        // The async adapters and their suite (`ringmpsc/async` turns on `ring-wait/async`).
        args.extend(["--features", "ringmpsc/async"]);
    }
    let hwloc = member_exists("ring-numa") && has_hwloc();
    if hwloc {
        args.extend(["--features", "ring-numa/hwloc"]);
    } else if member_exists("ring-numa") {
        eprintln!(
            "\n!!! xtask test: the system hwloc library is not usable (`pkg-config hwloc` fails,"
        );
        eprintln!(
            "!!! or a library its link line names is missing): ring-numa is tested with its sysfs"
        );
        eprintln!(
            "!!! backend ALONE. Install libhwloc-dev, libudev-dev and pkg-config (.ci/run does)."
        );
    }
    let mut ok = run(&cargo, &args, &[]);
    // The non-blocking ring builds for no_std + alloc; its unit tests run without std features.
    ok &= run(
        &cargo,
        &["build", "-p", "ring-core", "--no-default-features"],
        &[],
    );
    ok &= run(
        &cargo,
        &["test", "-p", "ring-core", "--no-default-features", "--lib"],
        &[],
    );
    outcome(ok)
}

/// True when the system hwloc can be linked: `pkg-config hwloc` finds it and
/// every library its static link line names exists (Debian's hwloc.pc names
/// udev, which libhwloc-dev does not pull in).
pub(crate) fn has_hwloc() -> bool {
    let found = Command::new("pkg-config")
        .args(["--exists", "hwloc"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !found {
        return false;
    }
    let libs = Command::new("pkg-config")
        .args(["--static", "--libs-only-l", "hwloc"])
        .output();
    let Ok(libs) = libs else { return false };
    String::from_utf8_lossy(&libs.stdout)
        .split_whitespace()
        .filter_map(|l| l.strip_prefix("-l"))
        .all(|name| {
            // `cc` answers with the bare name when it cannot find a file; glibc's
            // libpthread, for one, is only an archive now.
            ["so", "a"].iter().any(|ext| {
                let file = format!("lib{name}.{ext}");
                let out = Command::new("cc")
                    .arg(format!("-print-file-name={file}"))
                    .output();
                out.map(|o| String::from_utf8_lossy(&o.stdout).trim() != file)
                    .unwrap_or(false)
            })
        })
}

/// Runs every loom model: each crate's `tests/loom.rs` and `tests/loom_*.rs`.
pub(crate) fn loom() -> Outcome {
    let cargo = cargo();
    let mut args: Vec<String> = vec!["test".into(), "--release".into()];
    for (krate, test) in loom_tests() {
        args.extend(["-p".into(), krate]);
        args.extend(["--test".into(), test]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    outcome(run(
        &cargo,
        &args,
        &[
            ("RUSTFLAGS", "--cfg ring_loom"),
            ("LOOM_MAX_PREEMPTIONS", "2"),
            ("CARGO_TARGET_DIR", "target/loom"),
        ],
    ))
}

/// The conformance test targets of the umbrella (`conformance*.rs`).
fn conformance_targets() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir("crates/ringmpsc/tests")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".rs")?;
            stem.starts_with("conformance").then(|| stem.to_string())
        })
        .collect();
    out.sort();
    out
}

/// (crate, test target) for every loom test file.
fn loom_tests() -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Ok(dir) = std::fs::read_dir("crates") {
        for e in dir.flatten() {
            let krate = e.file_name().to_string_lossy().into_owned();
            if let Ok(tests) = std::fs::read_dir(e.path().join("tests")) {
                for t in tests.flatten() {
                    let name = t.file_name().to_string_lossy().into_owned();
                    if let Some(stem) = name.strip_suffix(".rs")
                        && (stem == "loom" || stem.starts_with("loom_"))
                    {
                        out.push((krate.clone(), stem.to_string()));
                    }
                }
            }
        }
    }
    out.sort();
    out
}

fn nightly_has(component: &str) -> bool {
    match Command::new("rustup")
        .args(["+nightly", "component", "list", "--installed"])
        .output()
    {
        Ok(o) => String::from_utf8_lossy(&o.stdout)
            .lines()
            .any(|l| l.starts_with(component)),
        Err(_) => false,
    }
}

/// The unsafe crates and ring-channels under miri, then the conformance
/// suite: stacked borrows and tree borrows as two lanes running at once.
/// `quick` leaves out doc tests.
pub(crate) fn miri(quick: bool) -> Outcome {
    if !nightly_has("miri") {
        eprintln!(
            "\n!!! xtask miri: SKIPPED: the nightly toolchain with the miri component is missing."
        );
        eprintln!(
            "!!! Install it with: rustup toolchain install nightly --component miri rust-src"
        );
        return Outcome::Missing;
    }
    let mut ok = true;
    let crates: Vec<&str> = UNSAFE_CRATES
        .iter()
        .chain(MIRI_EXTRA_CRATES)
        .copied()
        .filter(|c| member_exists(c))
        .collect();
    let mut args = vec!["+nightly", "miri", "test", "--no-fail-fast"];
    for c in &crates {
        args.extend(["-p", c]);
    }
    if quick {
        // The short CI pass: unit and integration tests, not doc tests.
        args.extend(["--lib", "--tests"]);
    }
    let base = "-Zmiri-strict-provenance -Zmiri-symbolic-alignment-check";
    let tree = format!("{base} -Zmiri-tree-borrows");
    // The conformance suite (every family, through the umbrella: every
    // `tests/conformance*.rs` of ringmpsc). `async` adds the suite with
    // async ends (`conformance_async.rs`).
    let mut conformance = vec![
        "+nightly",
        "miri",
        "test",
        "-p",
        "ringmpsc",
        "--features",
        "async",
    ];
    let targets = conformance_targets();
    for t in &targets {
        conformance.extend(["--test", t.as_str()]);
    }
    // One lane per borrow model, both at once (miri interprets on one core;
    // each lane has its own target directory so neither waits on the
    // other's build lock); each lane's output is printed when it ends.
    let lanes = [
        ("stacked borrows", base, "target/miri"),
        ("tree borrows", tree.as_str(), "target/miri-tree"),
    ];
    let results: Vec<(bool, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = lanes
            .iter()
            .map(|&(name, flags, dir)| {
                let (args, conformance) = (&args, &conformance);
                s.spawn(move || {
                    let env = [("MIRIFLAGS", flags), ("CARGO_TARGET_DIR", dir)];
                    let (a, out_a) = run_captured("cargo", args, &env);
                    let (b, out_b) = run_captured("cargo", conformance, &env);
                    (a && b, format!("==== miri, {name} ====\n{out_a}{out_b}"))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a miri lane panicked"))
            .collect()
    });
    for (lane_ok, out) in results {
        eprintln!("{out}");
        ok &= lane_ok;
    }
    outcome(ok)
}

/// The tests of every shipped library crate (the unsafe ones, then the safe
/// ones as `cargo metadata` lists them) under ThreadSanitizer, with the
/// symmetric fence fallback.
pub(crate) fn tsan() -> Outcome {
    if !nightly_has("rust-src") {
        eprintln!(
            "\n!!! xtask tsan: SKIPPED: nightly rust-src is missing (rustup component add --toolchain nightly rust-src)."
        );
        return Outcome::Missing;
    }
    let ws = match Workspace::load(&workspace_root()) {
        Ok(ws) => ws,
        Err(e) => {
            eprintln!("xtask tsan: {e}");
            return Outcome::Failed;
        }
    };
    let target = "x86_64-unknown-linux-gnu";
    let mut args = vec![
        "+nightly",
        "test",
        "-Zbuild-std",
        "--target",
        target,
        "--release",
    ];
    let unsafe_crates = UNSAFE_CRATES.iter().copied().filter(|c| member_exists(c));
    let safe_crates = ws.safe_crates().map(|m| m.name.as_str());
    for c in unsafe_crates.chain(safe_crates) {
        args.extend(["-p", c]);
    }
    args.extend(["--tests"]);
    outcome(run(
        "cargo",
        &args,
        &[
            ("RUSTFLAGS", "-Zsanitizer=thread --cfg ring_symmetric_fence"),
            ("RUSTDOCFLAGS", "-Zsanitizer=thread"),
            // Tests of allocation failure ask for impossible sizes: the
            // sanitizer's allocator must return null, as the system's does.
            ("TSAN_OPTIONS", "allocator_may_return_null=1"),
            ("CARGO_TARGET_DIR", "target/tsan"),
        ],
    ))
}

/// Seconds each fuzz target runs in `cargo xtask ci` (`cargo xtask fuzz
/// --seconds N` for longer runs).
pub(crate) const CI_FUZZ_SECONDS: u64 = 60;

/// Every fuzz target (the `[[bin]]`s of `fuzz/Cargo.toml`), each run for
/// `seconds` with cargo-fuzz (nightly, libFuzzer, AddressSanitizer) over its
/// corpus in `fuzz/corpus/<target>` (new inputs are added to it; a crash
/// is saved under `fuzz/artifacts/` and fails the step).
pub(crate) fn fuzz(seconds: u64) -> Outcome {
    if !has_cargo_fuzz() {
        eprintln!(
            "\n!!! xtask fuzz: cargo-fuzz is missing; installing it (cargo install --locked cargo-fuzz)"
        );
        let installed = run(&cargo(), &["install", "--locked", "cargo-fuzz"], &[]);
        if !installed || !has_cargo_fuzz() {
            eprintln!("!!! xtask fuzz: SKIPPED: cargo-fuzz could not be installed.");
            return Outcome::Missing;
        }
    }
    if !nightly_has("rust-src") && !nightly_has("rustc") {
        eprintln!(
            "\n!!! xtask fuzz: SKIPPED: the nightly toolchain is missing (rustup toolchain install nightly)."
        );
        return Outcome::Missing;
    }
    let targets = fuzz_targets();
    if targets.is_empty() {
        eprintln!("xtask fuzz: no targets in fuzz/Cargo.toml");
        return Outcome::Failed;
    }
    let max_time = format!("-max_total_time={seconds}");
    let mut ok = true;
    for t in &targets {
        let corpus = format!("corpus/{t}");
        let _ = std::fs::create_dir_all(format!("fuzz/{corpus}"));
        ok &= run_in(
            "fuzz",
            "cargo",
            &[
                "+nightly",
                "fuzz",
                "run",
                t,
                &corpus,
                "--",
                &max_time,
                "-rss_limit_mb=2048",
            ],
            &[],
        );
    }
    outcome(ok)
}

fn has_cargo_fuzz() -> bool {
    Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The fuzz targets: the `[[bin]]` names of `fuzz/Cargo.toml`.
fn fuzz_targets() -> Vec<String> {
    let Ok(toml) = std::fs::read_to_string("fuzz/Cargo.toml") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut in_bin = false;
    for line in toml.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if in_bin && let Some(v) = line.strip_prefix("name = ") {
            out.push(v.trim_matches('"').to_string());
        }
    }
    out
}

/// Runs a command with its output captured (echoed first, like [`run`]);
/// success and the output (stdout then stderr).
fn run_captured(program: &str, args: &[&str], envs: &[(&str, &str)]) -> (bool, String) {
    let mut c = Command::new(program);
    c.args(args);
    for (k, v) in envs {
        c.env(k, v);
    }
    let head = format!("\n$ {}\n", crate::shown(program, args, envs));
    match c.output() {
        Ok(o) => (
            o.status.success(),
            format!(
                "{head}{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
        ),
        Err(e) => (
            false,
            format!("{head}xtask: could not start {program}: {e}\n"),
        ),
    }
}
