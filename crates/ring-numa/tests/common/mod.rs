//! Shared scaffolding: fake sysfs trees and a watchdog.
#![allow(dead_code)] // reason: each test file uses a different part

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

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

/// Runs `f` on a new thread and fails the test if it does not finish in
/// `secs` seconds.
pub(crate) fn watchdog<R: Send + 'static>(secs: u64, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (done_tx, done_rx) = mpsc::channel();
    let h = thread::spawn(move || {
        let r = f();
        let _ = done_tx.send(());
        r
    });
    match done_rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(()) => h.join().expect("test body panicked"),
        Err(mpsc::RecvTimeoutError::Disconnected) => match h.join() {
            Ok(r) => r,
            Err(p) => std::panic::resume_unwind(p),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("watchdog: test body did not finish within {secs}s (hang)")
        }
    }
}
