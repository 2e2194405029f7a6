//! The local backend: the state as a file written like a database writes (see `file`), the
//! journal as an append-only file beside it, the lock as a file created exclusively. Other
//! workspaces live under `<workspace_dir>/<name>/`.

use super::settings::LocalSettings;
use super::{Backend, Storage};
use crate::diag::Diagnostic;
use crate::state::file::StateFile;
use crate::state::journal::{self, Entry, Journal};
use crate::state::lock::{self, StateLock};
use crate::state::model::State;
use std::path::PathBuf;
use std::time::Duration;

pub struct LocalBackend {
    settings: LocalSettings,
}

impl LocalBackend {
    pub fn new(settings: LocalSettings) -> LocalBackend {
        LocalBackend { settings }
    }
}

impl Backend for LocalBackend {
    fn storage(&self, workspace: &str) -> Result<Box<dyn Storage>, Diagnostic> {
        Ok(Box::new(LocalStorage::new(
            self.settings.state_path(workspace),
        )))
    }

    fn workspaces(&self) -> Result<Vec<String>, Diagnostic> {
        let mut names = vec!["default".to_string()];
        let mut others: Vec<String> = std::fs::read_dir(&self.settings.workspace_dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|e| e.path().is_dir())
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .filter(|n| n != "default")
                    .collect()
            })
            .unwrap_or_default();
        others.sort();
        names.extend(others);
        Ok(names)
    }
}

pub struct LocalStorage {
    file: StateFile,
    lock: Option<StateLock>,
    journal: Option<Journal>,
}

impl LocalStorage {
    pub fn new(path: PathBuf) -> LocalStorage {
        LocalStorage {
            file: StateFile::new(path),
            lock: None,
            journal: None,
        }
    }

    fn journal(&mut self) -> Result<&mut Journal, Diagnostic> {
        if self.journal.is_none() {
            if let Some(dir) = self.file.path.parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir).map_err(|e| {
                    Diagnostic::plain("Failed to write state", format!("{}: {e}", dir.display()))
                })?;
            }
            self.journal = Some(Journal::open(&self.file.path)?);
        }
        Ok(self.journal.as_mut().expect("just opened"))
    }
}

impl Storage for LocalStorage {
    fn location(&self) -> String {
        self.file.path.display().to_string()
    }

    fn read(&mut self) -> Result<Option<State>, Diagnostic> {
        self.file.load()
    }

    fn write(&mut self, state: &State) -> Result<(), Diagnostic> {
        if let Some(dir) = self.file.path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                Diagnostic::plain("Failed to write state", format!("{}: {e}", dir.display()))
            })?;
        }
        self.file.save(state)
    }

    fn lock(&mut self, operation: &str, timeout: Duration) -> Result<(), Diagnostic> {
        if let Some(dir) = self.file.path.parent()
            && !dir.as_os_str().is_empty()
            && !dir.exists()
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                Diagnostic::plain("Failed to lock state", format!("{}: {e}", dir.display()))
            })?;
        }
        self.lock = Some(StateLock::acquire(&self.file.path, operation, timeout)?);
        Ok(())
    }

    fn unlock(&mut self) -> Result<(), Diagnostic> {
        self.lock = None;
        Ok(())
    }

    fn force_unlock(&mut self, id: &str) -> Result<(), Diagnostic> {
        lock::force_unlock(&self.file.path, id)
    }

    fn journal_append(&mut self, entry: &Entry) -> Result<(), Diagnostic> {
        self.journal()?.append(entry)
    }

    fn journal_sync(&mut self) -> Result<(), Diagnostic> {
        if let Some(j) = self.journal.as_mut() {
            j.sync();
        }
        Ok(())
    }

    fn journal_location(&self) -> String {
        journal::journal_path(&self.file.path).display().to_string()
    }

    fn journal_read(&mut self) -> Result<Vec<Entry>, Diagnostic> {
        Ok(journal::read_local(&self.file.path))
    }

    fn journal_clear(&mut self) -> Result<(), Diagnostic> {
        match self.journal.as_mut() {
            Some(j) => j.truncate(),
            None => {
                let _ = std::fs::remove_file(journal::journal_path(&self.file.path));
                Ok(())
            }
        }
    }

    fn delete(&mut self) -> Result<(), Diagnostic> {
        for p in [
            self.file.path.clone(),
            self.file.backup_path(),
            journal::journal_path(&self.file.path),
        ] {
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(Diagnostic::plain(
                        "Failed to delete state",
                        format!("{}: {e}", p.display()),
                    ));
                }
            }
        }
        if let Some(dir) = self.file.path.parent() {
            // The workspace's own directory, when it is empty now.
            let _ = std::fs::remove_dir(dir);
        }
        Ok(())
    }
}

impl Drop for LocalStorage {
    fn drop(&mut self) {
        if let Some(j) = self.journal.as_mut() {
            j.sync();
            // An empty journal means everything reached the state file.
            let path = journal::journal_path(&self.file.path);
            if std::fs::metadata(&path).is_ok_and(|m| m.len() == 0) {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}
