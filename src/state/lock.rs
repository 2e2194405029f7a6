//! The state lock's information in Terraform's shape (ID, Operation, Info, Who, Version, Created,
//! Path), so Terraform and infra read each other's locks, and the local backend's lock: a file
//! created exclusively beside the state. A second `infra apply` waits (up to `--lock-timeout`)
//! or fails with the holder's details, and `infra force-unlock ID` clears a lock left by a
//! killed process.

use crate::diag::Diagnostic;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LockInfo {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Operation")]
    pub operation: String,
    #[serde(rename = "Info", default)]
    pub info: String,
    #[serde(rename = "Who")]
    pub who: String,
    #[serde(rename = "Version")]
    pub version: String,
    #[serde(rename = "Created")]
    pub created: String,
    #[serde(rename = "Path")]
    pub path: String,
    /// The holder's process and host: a lock whose process is gone from this host was left
    /// by a crash and is released by the next run.
    #[serde(rename = "Pid", default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    #[serde(rename = "Host", default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}

/// Whether a lock was taken by a process of this host that no longer runs.
fn is_abandoned(h: &LockInfo) -> bool {
    match (&h.host, h.pid) {
        (Some(host), Some(pid)) => {
            *host == hostname()
                && pid != std::process::id()
                && !Path::new(&format!("/proc/{pid}")).exists()
                && Path::new("/proc/self").exists()
        }
        _ => false,
    }
}

impl LockInfo {
    /// A new lock's information; `local` adds the process and host, which only the local
    /// backend uses (to release a lock whose process died on this host).
    pub fn new(operation: &str, path: String, local: bool) -> LockInfo {
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            info: String::new(),
            who: who(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            created: crate::lang::functions::now_rfc3339(),
            path,
            pid: local.then(std::process::id),
            host: local.then(hostname),
        }
    }
}

/// The error for a lock someone else holds: who, what, since when, and the exact command
/// that releases it.
pub fn held_error(holder: Option<&LockInfo>, location: &str) -> Diagnostic {
    let detail = match holder {
        Some(h) => format!(
            "The state is locked by another operation.\n\nLock Info:\n  ID:        {}\n  Path:      {}\n  Operation: {}\n  Who:       {}\n  Version:   {}\n  Created:   {}\n  Info:      {}\n\nWait for it to finish, or if it was killed, release the lock with: infra force-unlock {}",
            h.id, h.path, h.operation, h.who, h.version, h.created, h.info, h.id
        ),
        None => {
            format!("The state at {location} is locked, and the lock's information cannot be read.")
        }
    };
    Diagnostic::plain("Error acquiring the state lock", detail)
}

pub struct StateLock {
    path: PathBuf,
    pub info: LockInfo,
}

pub fn lock_path(state: &Path) -> PathBuf {
    let mut p = state.as_os_str().to_owned();
    p.push(".lock.info");
    PathBuf::from(p)
}

fn who() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    format!("{user}@{}", hostname())
}

impl StateLock {
    /// Takes the lock, retrying until `timeout` passes.
    pub fn acquire(
        state: &Path,
        operation: &str,
        timeout: Duration,
    ) -> Result<StateLock, Diagnostic> {
        let path = lock_path(state);
        let info = LockInfo::new(operation, state.display().to_string(), true);
        let start = Instant::now();
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    let body = serde_json::to_vec_pretty(&info).unwrap_or_default();
                    f.write_all(&body).and_then(|_| f.sync_all()).map_err(|e| {
                        Diagnostic::plain(
                            "Failed to lock state",
                            format!("{}: {e}", path.display()),
                        )
                    })?;
                    return Ok(StateLock { path, info });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if let Some(h) = read_lock(state)
                        && is_abandoned(&h)
                    {
                        // Its process died (killed, crashed) without releasing it: as with
                        // an OS file lock, the lock died with it.
                        crate::diag::notify(Diagnostic::plain_warning(
                            "Released an abandoned state lock",
                            format!(
                                "Released the state lock {} left by process {} ({}), which no longer runs.",
                                h.id,
                                h.pid.unwrap_or_default(),
                                h.operation
                            ),
                        ));
                        let _ = std::fs::remove_file(&path);
                        continue;
                    }
                    if start.elapsed() >= timeout {
                        let holder = read_lock(state);
                        return Err(held_error(holder.as_ref(), &path.display().to_string()));
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => {
                    return Err(Diagnostic::plain(
                        "Failed to lock state",
                        format!("{}: {e}", path.display()),
                    ));
                }
            }
        }
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

pub fn read_lock(state: &Path) -> Option<LockInfo> {
    let bytes = std::fs::read(lock_path(state)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Removes a lock whose ID matches; a different ID is refused so the wrong lock is never broken.
pub fn force_unlock(state: &Path, id: &str) -> Result<(), Diagnostic> {
    match read_lock(state) {
        None => Err(Diagnostic::plain(
            "No lock to release",
            format!("{} is not locked.", state.display()),
        )),
        Some(h) if h.id != id => Err(Diagnostic::plain(
            "Lock ID does not match",
            format!("The state is locked with ID {}, not {id}.", h.id),
        )),
        Some(_) => std::fs::remove_file(lock_path(state))
            .map_err(|e| Diagnostic::plain("Failed to release lock", e.to_string())),
    }
}
