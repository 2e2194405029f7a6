//! Reading and writing the state file the way a database writes: a temporary file, fsync,
//! rename over the old one, the previous version kept as `.backup`, mode 0600. A write that
//! would replace a state of another lineage, or a newer serial, is refused.

use super::model::State;
use crate::diag::Diagnostic;
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct StateFile {
    pub path: PathBuf,
}

impl StateFile {
    pub fn new(path: PathBuf) -> StateFile {
        StateFile { path }
    }

    pub fn backup_path(&self) -> PathBuf {
        let mut p = self.path.as_os_str().to_owned();
        p.push(".backup");
        PathBuf::from(p)
    }

    /// The state, or `None` when there is no state file yet.
    pub fn load(&self) -> Result<Option<State>, Diagnostic> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Diagnostic::plain(
                    "Failed to read state",
                    format!("{}: {e}", self.path.display()),
                ));
            }
        };
        let state: State = serde_json::from_slice(&bytes).map_err(|e| {
            Diagnostic::plain(
                "Failed to read state",
                format!("{} is not a valid state file: {e}. Nothing was changed; restore it from {} if it was damaged.", self.path.display(), self.backup_path().display()),
            )
        })?;
        if state.version != super::model::FORMAT_VERSION {
            return Err(Diagnostic::plain(
                "Unsupported state version",
                format!(
                    "{} has state format version {}; infra reads version {}.",
                    self.path.display(),
                    state.version,
                    super::model::FORMAT_VERSION
                ),
            ));
        }
        Ok(Some(state))
    }

    /// Writes `state` atomically after checking it may replace what is on disk.
    pub fn save(&self, state: &State) -> Result<(), Diagnostic> {
        if let Some(current) = self.load()? {
            if current.lineage != state.lineage {
                return Err(Diagnostic::plain(
                    "State lineage mismatch",
                    format!(
                        "{} belongs to another deployment (lineage {}, ours {}); refusing to overwrite it.",
                        self.path.display(),
                        current.lineage,
                        state.lineage
                    ),
                ));
            }
            if current.serial > state.serial {
                return Err(Diagnostic::plain(
                    "State serial is newer",
                    format!(
                        "{} has serial {}, newer than ours ({}): someone else changed it. Refusing to overwrite it.",
                        self.path.display(),
                        current.serial,
                        state.serial
                    ),
                ));
            }
        }
        let text = serde_json::to_string_pretty(state)
            .map_err(|e| Diagnostic::plain("Failed to encode state", e.to_string()))?;
        write_atomic(
            &self.path,
            format!("{text}\n").as_bytes(),
            Some(&self.backup_path()),
        )
        .map_err(|e| {
            Diagnostic::plain(
                "Failed to write state",
                format!("{}: {e}", self.path.display()),
            )
        })
    }
}

/// Temp file beside the target, fsync, optional backup of the old file, rename, fsync the
/// directory. A crash at any point leaves either the old or the new file whole.
pub fn write_atomic(path: &Path, bytes: &[u8], backup: Option<&Path>) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    if let Some(b) = backup
        && path.exists()
    {
        std::fs::copy(path, b)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(b, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    std::fs::rename(&tmp, path)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
