//! `cargo xtask`: the workspace's automation (rust-analyzer style).
//!
//! | command | runs |
//! |---|---|
//! | `test` | `cargo test --workspace` with every feature this machine can build, plus the `no_std` build |
//! | `loom` | the loom models (`--cfg ring_loom`, `LOOM_MAX_PREEMPTIONS=2`) |
//! | `miri` | `cargo +nightly miri test` on the unsafe crates, ring-channels and the conformance suite, stacked then tree borrows |
//! | `tidy` | the layering rule over `cargo metadata`, unsafe hygiene, forbid(unsafe) |
//! | `tsan` | the stress tests under ThreadSanitizer (nightly + rust-src), fence fallback |
//! | `bench` | the side-by-side benchmark suite (see docs/benchmarks.md) |
//! | `ci` | fmt, clippy, tidy, test, doc, deny, loom, miri, tsan, bench --quick, and a summary |
//!
//! Every command is echoed before it runs. A tool that is missing (nightly
//! miri, cargo-deny) is named loudly and reported as skipped, never silent.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

/// Crates that may contain `unsafe` (docs/contributing.md §2); miri runs over these.
const UNSAFE_CRATES: &[&str] = &["ring-core", "ring-pool", "ring-shm", "ring-numa"];
/// Crates whose tests run under miri: the unsafe ones, plus ring-channels
/// (safe itself, but the heaviest user of ring-core's unsafe primitives; its
/// tests shrink their sizes under `cfg(miri)`).
const MIRI_CRATES: &[&str] = &[
    "ring-core",
    "ring-pool",
    "ring-shm",
    "ring-numa",
    "ring-channels",
];
/// Crates that must carry `#![forbid(unsafe_code)]`.
const SAFE_CRATES: &[&str] = &["ring-channels", "ring-metrics", "ring-wait", "ringmpsc"];
/// Members whose siblings may only be reached through the umbrella.
const SIBLINGS: &[&str] = &[
    "ring-wait",
    "ring-pool",
    "ring-shm",
    "ring-numa",
    "ring-channels",
    "ring-metrics",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Passed,
    Failed,
    Missing,
}

struct Step {
    name: String,
    outcome: Outcome,
    secs: f64,
    note: String,
}

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let root = workspace_root();
    env::set_current_dir(&root).expect("cd to the workspace root");
    let cmd = args.first().map(String::as_str).unwrap_or("help");
    let rest = &args[args.len().min(1)..];
    let quick = rest.iter().any(|a| a == "--quick");
    let ok = match cmd {
        "test" => test() == Outcome::Passed,
        "loom" => loom() == Outcome::Passed,
        "miri" => miri(quick) != Outcome::Failed,
        "tidy" => tidy() == Outcome::Passed,
        "tsan" => tsan() != Outcome::Failed,
        "bench" => bench(rest) == Outcome::Passed,
        "ci" => ci(),
        _ => {
            eprintln!(
                "usage: cargo xtask <test|ci|loom|miri [--quick]|tidy|tsan|bench [--quick] [--scenario NAME] [--compare OLD.json]>"
            );
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

fn workspace_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn cargo() -> String {
    env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs a command, echoing it first; true on success.
fn run(program: &str, args: &[&str], envs: &[(&str, &str)]) -> bool {
    let shown: Vec<String> = envs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .chain([program.to_string()])
        .chain(args.iter().map(|s| s.to_string()))
        .collect();
    eprintln!("\n$ {}", shown.join(" "));
    let mut c = Command::new(program);
    c.args(args);
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

fn outcome(ok: bool) -> Outcome {
    if ok { Outcome::Passed } else { Outcome::Failed }
}

/// True when the system hwloc can be linked: `pkg-config hwloc` finds it and
/// every library its static link line names exists (Debian's hwloc.pc names
/// udev, which libhwloc-dev does not pull in).
fn has_hwloc() -> bool {
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

fn member_exists(name: &str) -> bool {
    Path::new("crates").join(name).join("Cargo.toml").exists()
}

fn test() -> Outcome {
    let cargo = cargo();
    let mut args = vec!["test", "--workspace"];
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

/// Runs every loom model: each crate's `tests/loom.rs` and `tests/loom_*.rs`.
fn loom() -> Outcome {
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

fn miri(quick: bool) -> Outcome {
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
    let crates: Vec<&str> = MIRI_CRATES
        .iter()
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
    ok &= run(
        "cargo",
        &args,
        &[("MIRIFLAGS", base), ("CARGO_TARGET_DIR", "target/miri")],
    );
    let tree = format!("{base} -Zmiri-tree-borrows");
    ok &= run(
        "cargo",
        &args,
        &[("MIRIFLAGS", &tree), ("CARGO_TARGET_DIR", "target/miri")],
    );
    // The conformance suite (every family, through the umbrella), under both
    // borrow models: about 20 s each.
    let conformance = [
        "+nightly",
        "miri",
        "test",
        "-p",
        "ringmpsc",
        "--test",
        "conformance",
    ];
    for flags in [base, tree.as_str()] {
        ok &= run(
            "cargo",
            &conformance,
            &[("MIRIFLAGS", flags), ("CARGO_TARGET_DIR", "target/miri")],
        );
    }
    outcome(ok)
}

fn tsan() -> Outcome {
    if !nightly_has("rust-src") {
        eprintln!(
            "\n!!! xtask tsan: SKIPPED: nightly rust-src is missing (rustup component add --toolchain nightly rust-src)."
        );
        return Outcome::Missing;
    }
    let target = "x86_64-unknown-linux-gnu";
    let mut args = vec![
        "+nightly",
        "test",
        "-Zbuild-std",
        "--target",
        target,
        "--release",
    ];
    for c in UNSAFE_CRATES
        .iter()
        .chain(SAFE_CRATES)
        .filter(|c| member_exists(c))
    {
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

fn bench(rest: &[String]) -> Outcome {
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

/// The layering rule, unsafe hygiene and forbid(unsafe), checked by reading
/// `cargo metadata` and the sources.
fn tidy() -> Outcome {
    let mut problems = Vec::new();
    let out = Command::new(cargo())
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output();
    let meta: serde_json::Value = match out
        .ok()
        .and_then(|o| serde_json::from_slice(&o.stdout).ok())
    {
        Some(v) => v,
        None => {
            eprintln!("xtask tidy: cargo metadata failed");
            return Outcome::Failed;
        }
    };
    let packages = meta["packages"].as_array().cloned().unwrap_or_default();
    for p in &packages {
        let name = p["name"].as_str().unwrap_or("");
        if !name.starts_with("ring-") {
            continue;
        }
        for d in p["dependencies"].as_array().into_iter().flatten() {
            let dep = d["name"].as_str().unwrap_or("");
            let kind = d["kind"].as_str().unwrap_or("normal");
            if kind == "dev" {
                continue;
            }
            if name == "ring-core" && (SIBLINGS.contains(&dep) || dep == "ringmpsc") {
                problems.push(format!("ring-core depends on workspace crate {dep}"));
            } else if SIBLINGS.contains(&name) && (SIBLINGS.contains(&dep) || dep == "ringmpsc") {
                problems.push(format!(
                    "{name} depends on sibling {dep}: siblings meet only through ring-core seams"
                ));
            }
        }
    }
    for krate in SAFE_CRATES.iter().filter(|c| member_exists(c)) {
        let lib = Path::new("crates").join(krate).join("src/lib.rs");
        let text = std::fs::read_to_string(&lib).unwrap_or_default();
        if !text.contains("#![forbid(unsafe_code)]") {
            problems.push(format!("{} lacks #![forbid(unsafe_code)]", lib.display()));
        }
    }
    for file in rust_files(Path::new("crates")) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let krate = file
            .components()
            .nth(1)
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        for (i, line) in lines.iter().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let is_block = code.contains("unsafe {") || code.contains("unsafe impl");
            if is_block {
                let path = file.to_string_lossy();
                let library_code = !path.contains("/tests/") && !path.contains("/examples/");
                if SAFE_CRATES.contains(&krate.as_str()) && library_code {
                    problems.push(format!(
                        "{}:{}: unsafe in a safe-only crate",
                        file.display(),
                        i + 1
                    ));
                }
                let window = &lines[i.saturating_sub(6)..=i];
                if !window.iter().any(|w| w.contains("SAFETY:")) {
                    problems.push(format!(
                        "{}:{}: unsafe without a // SAFETY: comment",
                        file.display(),
                        i + 1
                    ));
                }
            }
            // A reasoned `#[allow(clippy::disallowed_types)]` just above (a
            // process-wide static, which loom cannot have) is an accepted exception.
            let reasoned_allow = lines[i.saturating_sub(4)..=i]
                .iter()
                .any(|w| w.contains("allow(clippy::disallowed_types)") && w.contains("reason"));
            let names_atomic = !reasoned_allow
                && (code.contains("std::sync::atomic") || code.contains("core::sync::atomic"));
            // The test kit is test scaffolding (counters, not protocols), like tests/.
            if names_atomic
                && krate != "testkit"
                && !file.ends_with("sync.rs")
                && !file.to_string_lossy().contains("/tests/")
                && !file.to_string_lossy().contains("/examples/")
            {
                problems.push(format!(
                    "{}:{}: atomics must come from ring_core::sync (loom shim)",
                    file.display(),
                    i + 1
                ));
            }
        }
    }
    if problems.is_empty() {
        eprintln!("xtask tidy: layering, unsafe hygiene and shim use are clean");
        Outcome::Passed
    } else {
        for p in &problems {
            eprintln!("tidy: {p}");
        }
        Outcome::Failed
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n == "target") {
                    continue;
                }
                out.extend(rust_files(&p));
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn has_cargo_deny() -> bool {
    Command::new(cargo())
        .args(["deny", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn ci() -> bool {
    let cargo = cargo();
    let mut steps: Vec<Step> = Vec::new();
    let mut step = |name: &str, f: &mut dyn FnMut() -> (Outcome, String)| {
        eprintln!("\n==================== xtask ci: {name} ====================");
        let t = Instant::now();
        let (outcome, note) = f();
        steps.push(Step {
            name: name.into(),
            outcome,
            secs: t.elapsed().as_secs_f64(),
            note,
        });
    };
    step("fmt", &mut || {
        (
            outcome(run(&cargo, &["fmt", "--all", "--", "--check"], &[])),
            String::new(),
        )
    });
    step("clippy", &mut || {
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
    });
    step("tidy", &mut || (tidy(), String::new()));
    step("test", &mut || {
        let note = if member_exists("ring-numa") && !has_hwloc() {
            "hwloc missing: sysfs backend only".into()
        } else {
            String::new()
        };
        (test(), note)
    });
    step("doc", &mut || {
        (
            outcome(run(
                &cargo,
                &["doc", "--workspace", "--no-deps"],
                &[("RUSTDOCFLAGS", "-D warnings")],
            )),
            String::new(),
        )
    });
    step("deny", &mut || {
        if has_cargo_deny() {
            (
                outcome(run(
                    &cargo,
                    &["deny", "check", "licenses", "bans", "sources"],
                    &[],
                )),
                String::new(),
            )
        } else {
            eprintln!(
                "\n!!! xtask ci: cargo-deny is MISSING: `cargo install --locked cargo-deny` (.ci/run does this)."
            );
            (Outcome::Missing, "cargo-deny not installed".into())
        }
    });
    step("loom", &mut || (loom(), String::new()));
    step("miri", &mut || {
        let o = miri(true);
        (
            o,
            if o == Outcome::Missing {
                "nightly miri not installed".into()
            } else {
                String::new()
            },
        )
    });
    step("tsan", &mut || {
        let o = tsan();
        (
            o,
            if o == Outcome::Missing {
                "nightly rust-src not installed".into()
            } else {
                String::new()
            },
        )
    });
    step("bench --quick", &mut || {
        (
            bench(&["--quick".into()]),
            "smoke run; never gates on numbers".into(),
        )
    });

    eprintln!("\n==================== xtask ci: summary ====================");
    let mut failed = 0;
    for s in &steps {
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
    let passed = steps
        .iter()
        .filter(|s| s.outcome == Outcome::Passed)
        .count();
    let skipped = steps
        .iter()
        .filter(|s| s.outcome == Outcome::Missing)
        .count();
    // The plain closing line CI reads.
    println!("xtask: {passed} passed, {failed} failed, {skipped} skipped");
    failed == 0
}
