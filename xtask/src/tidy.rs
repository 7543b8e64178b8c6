//! `cargo xtask tidy`: the layering rule (docs/contributing.md §1) over
//! `cargo metadata`, unsafe hygiene and `#![forbid(unsafe_code)]` (§2), and
//! atomics only through ring-core's loom shim. The same check runs as the
//! `#[test]` `tests::workspace_is_tidy`, so `cargo test` catches it too.
//!
//! What comes from `cargo metadata` rather than from a list here:
//! - the *library crates*: the workspace members whose manifest lives under
//!   `crates/` (not `benches/` or `xtask/`);
//! - the *siblings*: library crates named `ring-*` other than [`CORE`]; they
//!   depend on ring-core and outside crates only;
//! - the *test scaffolding*: library crates with `publish = false` (the test
//!   kit), which may use std atomics as counters and need not forbid unsafe;
//! - the *safe crates*, which must `#![forbid(unsafe_code)]`: every published
//!   library crate not in [`UNSAFE_CRATES`].

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Outcome, cargo, workspace_root};

/// Crates that may contain `unsafe` (docs/contributing.md §2): a decision, so
/// a list; tidy checks that each names a library crate. miri and tsan run
/// over these.
pub(crate) const UNSAFE_CRATES: &[&str] = &["ring-core", "ring-pool", "ring-shm", "ring-numa"];
/// The crate every sibling depends on; it depends on no workspace crate.
const CORE: &str = "ring-core";
/// The umbrella, where siblings meet; no sibling depends on it.
const UMBRELLA: &str = "ringmpsc";
/// The directory holding the library crates.
const LIBRARY_DIR: &str = "crates";

/// A workspace member, as `cargo metadata` describes it.
#[derive(Debug)]
pub(crate) struct Member {
    pub(crate) name: String,
    /// The directory of its manifest, relative to the workspace root.
    dir: PathBuf,
    published: bool,
    /// (dependency name, is a dev-dependency).
    deps: Vec<(String, bool)>,
}

impl Member {
    fn is_library(&self) -> bool {
        self.dir.starts_with(LIBRARY_DIR)
    }
}

/// The workspace members, read from `cargo metadata --no-deps`.
#[derive(Debug)]
pub(crate) struct Workspace {
    members: Vec<Member>,
}

impl Workspace {
    /// Runs `cargo metadata` on the workspace at `root`.
    pub(crate) fn load(root: &Path) -> Result<Self, String> {
        let out = Command::new(cargo())
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .current_dir(root)
            .output()
            .map_err(|e| format!("cargo metadata failed: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "cargo metadata failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let meta: serde_json::Value = serde_json::from_slice(&out.stdout)
            .map_err(|e| format!("cargo metadata failed: unreadable output: {e}"))?;
        Self::from_metadata(&meta)
    }

    fn from_metadata(meta: &serde_json::Value) -> Result<Self, String> {
        let root = PathBuf::from(meta["workspace_root"].as_str().unwrap_or(""));
        let ids: Vec<&str> = meta["workspace_members"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str())
            .collect();
        let mut members = Vec::new();
        for p in meta["packages"].as_array().into_iter().flatten() {
            if !ids.contains(&p["id"].as_str().unwrap_or("")) {
                continue;
            }
            let manifest = PathBuf::from(p["manifest_path"].as_str().unwrap_or(""));
            let dir = manifest
                .parent()
                .and_then(|d| d.strip_prefix(&root).ok())
                .ok_or_else(|| {
                    format!(
                        "cargo metadata: {} is outside the workspace",
                        manifest.display()
                    )
                })?
                .to_path_buf();
            let deps = p["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|d| {
                    let name = d["name"].as_str().unwrap_or("").to_string();
                    (name, d["kind"].as_str() == Some("dev"))
                })
                .collect();
            members.push(Member {
                name: p["name"].as_str().unwrap_or("").to_string(),
                dir,
                // `publish = false` reads as an empty list of registries.
                published: p["publish"].as_array().is_none_or(|r| !r.is_empty()),
                deps,
            });
        }
        if members.is_empty() {
            return Err("cargo metadata failed: no workspace members".into());
        }
        Ok(Workspace { members })
    }

    fn member(&self, name: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.name == name)
    }

    fn libraries(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| m.is_library())
    }

    fn is_sibling(&self, name: &str) -> bool {
        name.starts_with("ring-")
            && name != CORE
            && self.member(name).is_some_and(Member::is_library)
    }

    /// Published library crates outside [`UNSAFE_CRATES`], in metadata order.
    pub(crate) fn safe_crates(&self) -> impl Iterator<Item = &Member> {
        self.libraries()
            .filter(|m| m.published && !UNSAFE_CRATES.contains(&m.name.as_str()))
    }
}

/// The command: prints the problems, or one line saying it is clean.
pub(crate) fn tidy() -> Outcome {
    let root = workspace_root();
    let ws = match Workspace::load(&root) {
        Ok(ws) => ws,
        Err(e) => {
            eprintln!("xtask tidy: {e}");
            return Outcome::Failed;
        }
    };
    let problems = check(&root, &ws);
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

/// Every problem in the workspace at `root`, one line each.
pub(crate) fn check(root: &Path, ws: &Workspace) -> Vec<String> {
    let mut problems = Vec::new();
    for name in UNSAFE_CRATES.iter().chain([&CORE, &UMBRELLA]) {
        if !ws.member(name).is_some_and(Member::is_library) {
            problems.push(format!(
                "xtask names {name}, which is not a crate under {LIBRARY_DIR}/"
            ));
        }
    }
    layering(ws, &mut problems);
    for m in ws.safe_crates() {
        let lib = m.dir.join("src/lib.rs");
        let text = std::fs::read_to_string(root.join(&lib)).unwrap_or_default();
        if !text.contains("#![forbid(unsafe_code)]") {
            problems.push(format!("{} lacks #![forbid(unsafe_code)]", lib.display()));
        }
    }
    for m in ws.libraries() {
        let rules = Rules {
            safe_only: m.published && !UNSAFE_CRATES.contains(&m.name.as_str()),
            scaffolding: !m.published,
        };
        for file in rust_files(root, &m.dir) {
            let text = std::fs::read_to_string(root.join(&file)).unwrap_or_default();
            check_source(&file, &text, rules, &mut problems);
        }
    }
    problems
}

/// ring-core depends on no workspace crate; a sibling on ring-core alone.
fn layering(ws: &Workspace, problems: &mut Vec<String>) {
    for m in ws.libraries() {
        let name = m.name.as_str();
        let normal = m
            .deps
            .iter()
            .filter(|(_, dev)| !dev)
            .map(|(d, _)| d.as_str());
        for dep in normal {
            let in_workspace = ws.member(dep).is_some();
            if name == CORE && in_workspace {
                problems.push(format!("ring-core depends on workspace crate {dep}"));
            } else if ws.is_sibling(name) && (ws.is_sibling(dep) || dep == UMBRELLA) {
                problems.push(format!(
                    "{name} depends on sibling {dep}: siblings meet only through ring-core seams"
                ));
            } else if ws.is_sibling(name) && in_workspace && dep != CORE {
                problems.push(format!(
                    "{name} depends on workspace crate {dep}: siblings depend on ring-core alone"
                ));
            }
        }
    }
}

/// What one crate's sources are held to.
#[derive(Clone, Copy)]
struct Rules {
    /// No `unsafe` outside tests and examples.
    safe_only: bool,
    /// Test scaffolding: std atomics allowed (counters, not protocols).
    scaffolding: bool,
}

/// Unsafe hygiene and shim use in one file; `file` is root-relative.
fn check_source(file: &Path, text: &str, rules: Rules, problems: &mut Vec<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let path = file.to_string_lossy();
    let library_code = !path.contains("/tests/") && !path.contains("/examples/");
    for (i, line) in lines.iter().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let is_block = code.contains("unsafe {") || code.contains("unsafe impl");
        if is_block {
            if rules.safe_only && library_code {
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
        if names_atomic && !rules.scaffolding && !file.ends_with("sync.rs") && library_code {
            problems.push(format!(
                "{}:{}: atomics must come from ring_core::sync (loom shim)",
                file.display(),
                i + 1
            ));
        }
    }
}

/// The `.rs` files under `root/dir`, as root-relative paths, sorted; `target`
/// directories are skipped.
fn rust_files(root: &Path, dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(root.join(dir)) {
        for e in rd.flatten() {
            let rel = dir.join(e.file_name());
            let p = e.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n == "target") {
                    continue;
                }
                out.extend(rust_files(root, &rel));
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check `cargo xtask tidy` runs, over this workspace.
    #[test]
    fn workspace_is_tidy() {
        let root = workspace_root();
        let ws = Workspace::load(&root).expect("cargo metadata");
        let problems = check(&root, &ws);
        assert!(
            problems.is_empty(),
            "tidy found {} problem(s):\n{}",
            problems.len(),
            problems.join("\n")
        );
    }

    #[test]
    fn metadata_classifies_the_members() {
        let ws = Workspace::load(&workspace_root()).expect("cargo metadata");
        assert!(ws.is_sibling("ring-channels"));
        assert!(!ws.is_sibling(CORE));
        // Under benches/, not crates/: not a library crate.
        assert!(!ws.is_sibling("ring-benches"));
        let safe: Vec<&str> = ws.safe_crates().map(|m| m.name.as_str()).collect();
        assert!(safe.contains(&UMBRELLA), "{safe:?}");
        assert!(!safe.contains(&CORE), "{safe:?}");
        assert!(!safe.iter().any(|s| s.ends_with("testkit")), "{safe:?}");
    }

    fn problems_in(path: &str, text: &str, rules: Rules) -> Vec<String> {
        let mut problems = Vec::new();
        check_source(Path::new(path), text, rules, &mut problems);
        problems
    }

    /// `text` as the library file `crates/a/src/x.rs` has exactly one
    /// problem: `message` on line `line`.
    fn assert_one_problem(text: &str, rules: Rules, line: usize, message: &str) {
        let want = format!("crates/a/src/x.rs:{line}: {message}");
        assert_eq!(problems_in("crates/a/src/x.rs", text, rules), [want]);
    }

    const LIB: Rules = Rules {
        safe_only: false,
        scaffolding: false,
    };

    #[test]
    fn unsafe_needs_a_safety_comment() {
        let bare = "fn f() {\n    unsafe { g() }\n}\n";
        assert_one_problem(bare, LIB, 2, "unsafe without a // SAFETY: comment");
        let commented = "fn f() {\n    // SAFETY: g has no preconditions.\n    unsafe { g() }\n}\n";
        assert!(problems_in("crates/a/src/x.rs", commented, LIB).is_empty());
    }

    #[test]
    fn safe_crates_have_no_unsafe_outside_tests() {
        let rules = Rules {
            safe_only: true,
            ..LIB
        };
        let text = "// SAFETY: fine.\nunsafe impl Send for T {}\n";
        assert_one_problem(text, rules, 2, "unsafe in a safe-only crate");
        assert!(problems_in("crates/a/tests/x.rs", text, rules).is_empty());
    }

    #[test]
    fn atomics_come_from_the_shim() {
        let text = "use std::sync::atomic::AtomicUsize;\n";
        assert_one_problem(
            text,
            LIB,
            1,
            "atomics must come from ring_core::sync (loom shim)",
        );
        assert!(problems_in("crates/a/src/sync.rs", text, LIB).is_empty());
        assert!(problems_in("crates/a/tests/x.rs", text, LIB).is_empty());
        let kit = Rules {
            scaffolding: true,
            ..LIB
        };
        assert!(problems_in("crates/kit/src/lib.rs", text, kit).is_empty());
    }
}
