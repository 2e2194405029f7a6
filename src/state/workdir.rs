//! The working directory's record, `.infra/` beside the configuration (Terraform keeps the
//! same in `.terraform/`): the backend settings `infra init` resolved, with the hash of the
//! backend block they came from, and the selected workspace. The directory ignores itself in
//! git, and its files are 0600: backend settings may hold credentials.

use super::backend::Settings;
use crate::diag::Diagnostic;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const DIR: &str = ".infra";
const BACKEND_FILE: &str = "backend.json";
const ENVIRONMENT_FILE: &str = "environment";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackendRecord {
    pub version: u32,
    /// SHA-256 of the backend block (type and arguments as written), to notice edits.
    pub hash: String,
    /// The block merged with -backend-config, resolved.
    pub settings: Settings,
}

pub fn dir(config_dir: &Path) -> PathBuf {
    config_dir.join(DIR)
}

/// Creates `.infra/`, ignored by git (it holds credentials and installed modules).
pub fn ensure(config_dir: &Path) -> Result<(), Diagnostic> {
    let d = dir(config_dir);
    let fail = |e: std::io::Error| {
        Diagnostic::plain(
            "Failed to write the working directory record",
            format!("{}: {e}", d.display()),
        )
    };
    std::fs::create_dir_all(&d).map_err(fail)?;
    let ignore = d.join(".gitignore");
    if !ignore.exists() {
        std::fs::write(
            &ignore,
            "# infra's working directory record: never commit it.\n*\n",
        )
        .map_err(fail)?;
    }
    Ok(())
}

fn write(config_dir: &Path, name: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
    ensure(config_dir)?;
    let path = dir(config_dir).join(name);
    super::file::write_atomic(&path, bytes, None).map_err(|e| {
        Diagnostic::plain(
            "Failed to write the working directory record",
            format!("{}: {e}", path.display()),
        )
    })
}

pub fn read_backend(config_dir: &Path) -> Result<Option<BackendRecord>, Diagnostic> {
    let path = dir(config_dir).join(BACKEND_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            Diagnostic::plain(
                "Invalid working directory record",
                format!(
                    "{} cannot be read ({e}); run infra init -reconfigure.",
                    path.display()
                ),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Diagnostic::plain(
            "Failed to read the working directory record",
            format!("{}: {e}", path.display()),
        )),
    }
}

pub fn write_backend(config_dir: &Path, record: &BackendRecord) -> Result<(), Diagnostic> {
    let bytes = serde_json::to_vec_pretty(record).unwrap_or_default();
    write(config_dir, BACKEND_FILE, &bytes)
}

pub fn forget_backend(config_dir: &Path) -> Result<(), Diagnostic> {
    match std::fs::remove_file(dir(config_dir).join(BACKEND_FILE)) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Diagnostic::plain(
            "Failed to write the working directory record",
            e.to_string(),
        )),
    }
}

/// The workspace commands use: `TF_WORKSPACE`, else the one `workspace select` chose, else
/// `default`.
pub fn workspace(config_dir: &Path) -> String {
    if let Ok(w) = std::env::var("TF_WORKSPACE")
        && !w.is_empty()
    {
        return w;
    }
    selected_workspace(config_dir).unwrap_or_else(|| "default".into())
}

/// The workspace `workspace select` recorded, if any.
pub fn selected_workspace(config_dir: &Path) -> Option<String> {
    std::fs::read_to_string(dir(config_dir).join(ENVIRONMENT_FILE))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

pub fn select_workspace(config_dir: &Path, name: &str) -> Result<(), Diagnostic> {
    write(config_dir, ENVIRONMENT_FILE, format!("{name}\n").as_bytes())
}
