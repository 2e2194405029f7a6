//! Shared pieces of the commands that touch state: where the state file is, the runtime, the
//! lock flags, the Ctrl-C / SIGTERM handler.

use crate::diag::Diagnostic;
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

#[derive(Args, Clone)]
pub struct StateFlags {
    /// The state file of the local backend (default: infra.tfstate in the configuration
    /// directory, or the backend "local" block's path).
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
    /// Take the state lock (Terraform's -lock).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub lock: bool,
    /// How long to wait for the state lock, like 30s or 2m.
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    pub lock_timeout: Duration,
}

/// A flag's duration, as Go (and so Terraform) writes them: `30s`, `2m`, `1h30m`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    crate::lang::duration::parse_go(s).ok_or_else(|| {
        format!("invalid duration {s:?}: expected a number and a unit, like 30s or 2m")
    })
}

pub fn runtime() -> Result<tokio::runtime::Runtime, Diagnostic> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Diagnostic::plain("Failed to start", e.to_string()))
}

/// A flag that Ctrl-C or SIGTERM sets: work in flight finishes, nothing new starts.
pub fn stop_on_signals(rt: &tokio::runtime::Runtime) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    rt.spawn(async move {
        interrupt_signal().await;
        eprintln!(
            "\nInterrupt received: waiting for operations in flight to finish, then saving state..."
        );
        flag.store(true, Ordering::SeqCst);
    });
    stop
}

/// Resolves on Ctrl-C or SIGTERM; never, when the signals cannot be watched.
pub async fn interrupt_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The registry of a run: built-in types plus every provider configuration the configuration
/// (and the state) needs, configured from the root module's provider blocks.
pub fn registry_for(
    rt: &tokio::runtime::Runtime,
    tree: &crate::graph::ModuleTree,
    root_vars: &std::collections::BTreeMap<String, crate::config::tfvars::RawValue>,
    state: Option<&crate::state::State>,
) -> Result<crate::provider::Registry, Vec<Diagnostic>> {
    let opts = crate::evaluate::Options::run(
        root_vars.clone(),
        crate::state::workdir::workspace(&tree.root().dir),
    );
    let (values, diags) = crate::evaluate::providers::provider_configs(tree, &opts);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    rt.block_on(crate::run::providers::configure(tree, values, state))
}

/// `--stats`: the cloud API calls this run made, per operation, and the wall time.
pub fn print_stats(elapsed: std::time::Duration) {
    let calls = crate::provider::aws::sdk::global_calls().snapshot();
    let total: u64 = calls.values().sum();
    eprintln!("API calls: {total} in {:.2} s", elapsed.as_secs_f64());
    for (op, n) in calls {
        eprintln!("  {op:<48} {n}");
    }
}
