//! The bake journal: a JSON file beside the state file listing the builds under way. An entry
//! is written before a build creates anything and removed once its temporary objects are
//! gone, so the objects of a killed bake (all tagged with the build's id) are found and
//! removed by the next run.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The value of every temporary object's `infra:bake-temp` tag.
    pub bake_id: String,
    pub region: String,
    pub image: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Contents {
    pending: Vec<Entry>,
}

pub struct Journal {
    path: PathBuf,
    /// Builds run concurrently: each change is a read-modify-write of the file.
    changing: std::sync::Mutex<()>,
}

impl Journal {
    /// The journal that goes with the state file `state`.
    pub fn beside(state: &Path) -> Journal {
        let mut name = state.file_name().unwrap_or_default().to_os_string();
        name.push(".bake.json");
        Journal {
            path: state.with_file_name(name),
            changing: std::sync::Mutex::new(()),
        }
    }

    pub fn pending(&self) -> std::io::Result<Vec<Entry>> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice::<Contents>(&bytes)
                .map(|c| c.pending)
                .map_err(|e| std::io::Error::other(format!("{}: {e}", self.path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    pub fn add(&self, entry: &Entry) -> std::io::Result<()> {
        let _one_at_a_time = self.changing.lock().unwrap_or_else(|p| p.into_inner());
        let mut pending = self.pending()?;
        pending.push(entry.clone());
        self.write(pending)
    }

    pub fn remove(&self, bake_id: &str) -> std::io::Result<()> {
        let _one_at_a_time = self.changing.lock().unwrap_or_else(|p| p.into_inner());
        let mut pending = self.pending()?;
        pending.retain(|e| e.bake_id != bake_id);
        self.write(pending)
    }

    fn write(&self, pending: Vec<Entry>) -> std::io::Result<()> {
        if pending.is_empty() {
            return match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        let bytes =
            serde_json::to_vec_pretty(&Contents { pending }).map_err(std::io::Error::other)?;
        crate::state::file::write_atomic(&self.path, &bytes, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_come_and_go_and_an_empty_journal_leaves_no_file() {
        let d = tempfile::tempdir().unwrap();
        let j = Journal::beside(&d.path().join("infra.tfstate"));
        assert!(j.pending().unwrap().is_empty());
        let e = Entry {
            bake_id: "b1".into(),
            region: "eu-west-1".into(),
            image: "base".into(),
        };
        j.add(&e).unwrap();
        assert!(d.path().join("infra.tfstate.bake.json").exists());
        assert_eq!(j.pending().unwrap(), vec![e]);
        j.remove("b1").unwrap();
        assert!(!d.path().join("infra.tfstate.bake.json").exists());
    }
}
