//! The apply journal: every finished resource change is appended to `<state>.journal` at once,
//! so a killed apply loses nothing, while the state file itself is rewritten (atomically) only
//! every few seconds and at the end. Loading the state replays a journal left behind.

use super::model::{InstanceState, ResourceState, State};
use crate::diag::Diagnostic;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Entry {
    Upsert {
        lineage: String,
        resource: Box<ResourceState>,
        instance: Box<InstanceState>,
    },
    Remove {
        lineage: String,
        address: String,
    },
    /// About to create this object: if no upsert follows, the object may exist untracked,
    /// tagged with the lineage.
    Intent {
        lineage: String,
        address: String,
    },
}

pub fn journal_path(state: &Path) -> PathBuf {
    let mut p = state.as_os_str().to_owned();
    p.push(".journal");
    PathBuf::from(p)
}

pub struct Journal {
    file: std::fs::File,
    path: PathBuf,
}

impl Journal {
    pub fn open(state: &Path) -> Result<Journal, Diagnostic> {
        let path = journal_path(state);
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = opts.open(&path).map_err(|e| {
            Diagnostic::plain(
                "Failed to open state journal",
                format!("{}: {e}", path.display()),
            )
        })?;
        Ok(Journal { file, path })
    }

    /// Appends one entry with a single write, so a killed process leaves whole lines only.
    pub fn append(&mut self, e: &Entry) -> Result<(), Diagnostic> {
        let mut line = serde_json::to_vec(e)
            .map_err(|e| Diagnostic::plain("Failed to encode journal entry", e.to_string()))?;
        line.push(b'\n');
        self.file.write_all(&line).map_err(|e| {
            Diagnostic::plain(
                "Failed to write state journal",
                format!("{}: {e}", self.path.display()),
            )
        })
    }

    pub fn sync(&mut self) {
        let _ = self.file.sync_data();
    }

    /// After the state file holds everything: start an empty journal.
    pub fn truncate(&mut self) -> Result<(), Diagnostic> {
        self.file
            .set_len(0)
            .map_err(|e| Diagnostic::plain("Failed to reset state journal", e.to_string()))
    }
}

/// The whole entries of a journal's bytes; a torn last line (killed mid-write) is dropped: its
/// change was not finished.
pub fn parse(bytes: &[u8]) -> Vec<Entry> {
    let mut out = Vec::new();
    for line in bytes.split(|b| *b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let Ok(entry) = serde_json::from_slice::<Entry>(line) else {
            break;
        };
        out.push(entry);
    }
    out
}

/// Reads the local journal beside `state_path`: nothing when there is none.
pub fn read_local(state_path: &Path) -> Vec<Entry> {
    std::fs::read(journal_path(state_path))
        .map(|b| parse(&b))
        .unwrap_or_default()
}

impl Entry {
    fn lineage(&self) -> &str {
        match self {
            Entry::Upsert { lineage, .. }
            | Entry::Remove { lineage, .. }
            | Entry::Intent { lineage, .. } => lineage,
        }
    }
}

/// Applies a journal left by an interrupted run to `state`; returns how many entries it had.
/// `origin` names the journal in errors (a path or an S3 object).
pub fn replay(entries: Vec<Entry>, state: &mut State, origin: &str) -> Result<usize, Diagnostic> {
    let mut n = 0;
    for entry in entries {
        let lineage = entry.lineage().to_string();
        // A run killed before its first state write leaves only the journal: adopt its lineage.
        if n == 0 && state.serial == 0 && state.resources.is_empty() {
            state.lineage = lineage.clone();
        }
        if lineage != state.lineage {
            return Err(Diagnostic::plain(
                "State journal belongs to another state",
                format!(
                    "{origin} has lineage {lineage}, the state {}; move it aside to continue.",
                    state.lineage
                ),
            ));
        }
        match entry {
            Entry::Upsert {
                resource, instance, ..
            } => state.upsert(&resource, *instance),
            Entry::Remove { address, .. } => {
                state.remove(&address);
            }
            // Refresh finds the object, if it was created, by its lineage tag.
            Entry::Intent { .. } => {}
        }
        n += 1;
    }
    if n > 0 {
        state.serial += 1;
    }
    Ok(n)
}
