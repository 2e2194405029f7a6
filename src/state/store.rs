//! The state as a command uses it: locked, loaded with any journal of an interrupted run
//! replayed, changed one instance at a time through the journal, and persisted atomically.

use super::file::StateFile;
use super::journal::{self, Entry, Journal};
use super::lock::StateLock;
use super::model::{InstanceState, ResourceState, State};
use crate::diag::Diagnostic;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub struct Store {
    pub file: StateFile,
    _lock: Option<StateLock>,
    journal: Option<Journal>,
    last_persist: Instant,
    /// Whether the state on disk matches the one in memory.
    dirty: bool,
    /// The serial the state had when it was loaded (a saved plan must match it).
    pub loaded_serial: Option<u64>,
    pub existed: bool,
}

/// How often the state file is rewritten during an apply; the journal covers the time between.
const PERSIST_EVERY: Duration = Duration::from_secs(5);

impl Store {
    /// Locks (unless `lock` is false), loads, and replays a journal left by a killed run.
    pub fn open(
        path: &Path,
        operation: &str,
        lock: bool,
        lock_timeout: Duration,
    ) -> Result<(Store, State), Diagnostic> {
        let lock = if lock {
            Some(StateLock::acquire(path, operation, lock_timeout)?)
        } else {
            None
        };
        let file = StateFile::new(path.to_path_buf());
        let loaded = file.load()?;
        let existed = loaded.is_some();
        let mut state = loaded.unwrap_or_else(|| State::new(uuid::Uuid::new_v4().to_string()));
        let loaded_serial = existed.then_some(state.serial);
        let mut store = Store {
            file,
            _lock: lock,
            journal: None,
            last_persist: Instant::now(),
            dirty: false,
            loaded_serial,
            existed,
        };
        if journal::replay(path, &mut state)? > 0 {
            // Fold the interrupted run's work into the state file before doing anything else.
            store.dirty = true;
            state.compact();
            store.file.save(&state)?;
            store.dirty = false;
            let _ = std::fs::remove_file(journal::journal_path(path));
            store.loaded_serial = Some(state.serial);
            store.existed = true;
        }
        Ok((store, state))
    }

    pub fn path(&self) -> PathBuf {
        self.file.path.clone()
    }

    fn journal(&mut self) -> Result<&mut Journal, Diagnostic> {
        if self.journal.is_none() {
            self.journal = Some(Journal::open(&self.file.path)?);
        }
        Ok(self.journal.as_mut().expect("just opened"))
    }

    /// Records a finished instance change durably and applies it in memory.
    pub fn upsert(
        &mut self,
        state: &mut State,
        resource: &ResourceState,
        instance: InstanceState,
    ) -> Result<(), Diagnostic> {
        let lineage = state.lineage.clone();
        self.journal()?.append(&Entry::Upsert {
            lineage,
            resource: Box::new(resource.clone()),
            instance: Box::new(instance.clone()),
        })?;
        state.upsert(resource, instance);
        self.changed(state)
    }

    /// Records, durably, that the object at `address` is about to be created.
    pub fn intent(&mut self, state: &State, address: &str) -> Result<(), Diagnostic> {
        let lineage = state.lineage.clone();
        let j = self.journal()?;
        j.append(&Entry::Intent {
            lineage,
            address: address.to_string(),
        })?;
        j.sync();
        Ok(())
    }

    pub fn remove(&mut self, state: &mut State, address: &str) -> Result<(), Diagnostic> {
        let lineage = state.lineage.clone();
        self.journal()?.append(&Entry::Remove {
            lineage,
            address: address.to_string(),
        })?;
        state.remove(address);
        self.changed(state)
    }

    fn changed(&mut self, state: &mut State) -> Result<(), Diagnostic> {
        self.dirty = true;
        if self.last_persist.elapsed() >= PERSIST_EVERY {
            self.persist(state)?;
        }
        Ok(())
    }

    /// Writes the state file (serial + 1) and empties the journal.
    pub fn persist(&mut self, state: &mut State) -> Result<(), Diagnostic> {
        if !self.dirty && self.existed {
            return Ok(());
        }
        state.serial += 1;
        state.compact();
        self.file.save(state)?;
        self.existed = true;
        self.dirty = false;
        self.last_persist = Instant::now();
        if let Some(j) = self.journal.as_mut() {
            j.truncate()?;
        }
        Ok(())
    }

    /// Marks the in-memory state as changed in ways the journal does not carry (outputs).
    pub fn touch(&mut self) {
        self.dirty = true;
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(j) = self.journal.as_mut() {
            j.sync();
        }
        // An empty journal means everything reached the state file.
        if !self.dirty {
            let _ = std::fs::remove_file(journal::journal_path(&self.file.path));
        }
    }
}
