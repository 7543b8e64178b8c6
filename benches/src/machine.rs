//! What the report says about the machine a run was taken on.

use std::process::Command;

/// The machine, as the report states it.
#[derive(Debug, Clone)]
pub struct Machine {
    /// CPU model name.
    pub cpu: String,
    /// Logical CPUs available.
    pub cpus: usize,
    /// Threads per core (from lscpu), if known.
    pub threads_per_core: String,
    /// Kernel release.
    pub kernel: String,
    /// Hypervisor, if any (from lscpu).
    pub hypervisor: String,
    /// UTC date and time of the run.
    pub date: String,
}

fn lscpu_field(out: &str, key: &str) -> Option<String> {
    out.lines().find_map(|l| {
        l.strip_prefix(key)
            .map(|v| v.trim_start_matches(':').trim().to_string())
    })
}

/// Reads the machine description.
pub fn detect() -> Machine {
    let lscpu = Command::new("lscpu")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let cpu = lscpu_field(&lscpu, "Model name").unwrap_or_else(|| "unknown CPU".into());
    let threads_per_core = lscpu_field(&lscpu, "Thread(s) per core").unwrap_or_else(|| "?".into());
    let hypervisor = lscpu_field(&lscpu, "Hypervisor vendor").unwrap_or_else(|| "none".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    Machine {
        cpu,
        cpus: crate::workloads::cpus(),
        threads_per_core,
        kernel,
        hypervisor,
        date,
    }
}

impl Machine {
    /// One line for tables and reports.
    pub fn line(&self) -> String {
        format!(
            "{} | {} CPUs, {} thread(s) per core | hypervisor: {} | kernel {} | {}",
            self.cpu, self.cpus, self.threads_per_core, self.hypervisor, self.kernel, self.date
        )
    }
}
