//! The test kit's `watchdog`, as source: ring-core's tests take
//! no dependency on the test kit (it would unify features and break their
//! `no_std` run) and include this file by path instead.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Runs `f` on a thread and fails the test if it does not finish within
/// `secs` seconds (60 times that under miri): a hang becomes a failure with
/// a message instead of a stuck CI job. A panic in `f` is re-raised.
pub(crate) fn watchdog<R: Send + 'static>(secs: u64, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (done_tx, done_rx) = mpsc::channel();
    let h = thread::spawn(move || {
        let r = f();
        let _ = done_tx.send(());
        r
    });
    let limit = if cfg!(miri) { secs * 60 } else { secs };
    match done_rx.recv_timeout(Duration::from_secs(limit)) {
        Ok(()) => h.join().expect("test body panicked"),
        Err(mpsc::RecvTimeoutError::Disconnected) => match h.join() {
            Ok(r) => r,
            Err(p) => std::panic::resume_unwind(p),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("watchdog: test body did not finish within {limit}s (hang)")
        }
    }
}
