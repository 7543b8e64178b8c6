//! Shared scaffolding: fake sysfs trees (the watchdog comes from
//! `ringmpsc_testkit`).
#![allow(dead_code)] // reason: each test file uses a different part

use std::path::{Path, PathBuf};

/// A directory under the system temp dir, removed on drop.
pub(crate) struct TempTree {
    root: PathBuf,
}

impl TempTree {
    /// A fresh, empty directory named after the test (unique per process).
    pub(crate) fn new(name: &str) -> TempTree {
        let root =
            std::env::temp_dir().join(format!("ring-numa-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("create temp dir");
        TempTree { root }
    }

    /// The directory.
    pub(crate) fn path(&self) -> &Path {
        &self.root
    }

    /// Writes `rel` (creating parent directories).
    pub(crate) fn write(&self, rel: &str, content: &str) {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().expect("has parent")).expect("mkdir");
        std::fs::write(p, content).expect("write");
    }

    /// A node directory with the usual three files.
    pub(crate) fn node(&self, id: usize, cpulist: &str, mem_kb: u64, distance: &str) {
        self.write(&format!("node{id}/cpulist"), &format!("{cpulist}\n"));
        self.write(
            &format!("node{id}/meminfo"),
            &format!("Node {id} MemTotal:       {mem_kb} kB\nNode {id} MemFree:        1 kB\n"),
        );
        self.write(&format!("node{id}/distance"), &format!("{distance}\n"));
    }
}

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
