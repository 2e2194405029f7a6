//! The state as a command uses it: locked, loaded with any journal of an interrupted run
//! replayed, changed one instance at a time through the journal, and persisted through the
//! backend's conditional write.

use super::backend::Storage;
use super::journal::Entry;
use super::model::{InstanceState, ResourceState, State};
use crate::diag::Diagnostic;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub struct Store {
    storage: Box<dyn Storage>,
    /// A local path beside which side files (the bake journal) are kept: the state file
    /// itself for the local backend, a file under `.infra/` for a remote one.
    pub side_path: PathBuf,
    locked: bool,
    /// The serial the journal's entries build on, once its `Base` entry is written: set
    /// while anything is journalled that the stored state does not hold yet.
    journal_base: Option<u64>,
    last_persist: Instant,
    /// Whether the stored state matches the one in memory.
    dirty: bool,
    /// The serial the state had when it was loaded (a saved plan must match it).
    pub loaded_serial: Option<u64>,
    pub existed: bool,
}

/// How often the state is rewritten during an apply; the journal covers the time between.
const PERSIST_EVERY: Duration = Duration::from_secs(5);

impl Store {
    /// Locks (unless `lock` is false), loads, and replays a journal left by a killed run.
    pub fn open(
        mut storage: Box<dyn Storage>,
        side_path: PathBuf,
        operation: &str,
        lock: bool,
        lock_timeout: Duration,
    ) -> Result<(Store, State), Diagnostic> {
        if lock {
            storage.lock(operation, lock_timeout)?;
        }
        let mut store = Store {
            storage,
            side_path,
            locked: lock,
            journal_base: None,
            last_persist: Instant::now(),
            dirty: false,
            loaded_serial: None,
            existed: false,
        };
        // On error the store drops here, which releases the lock.
        let state = store.load()?;
        Ok((store, state))
    }

    fn load(&mut self) -> Result<State, Diagnostic> {
        let loaded = self.storage.read()?;
        self.existed = loaded.is_some();
        let mut state = loaded.unwrap_or_else(|| State::new(uuid::Uuid::new_v4().to_string()));
        self.loaded_serial = self.existed.then_some(state.serial);
        let entries = self.storage.journal_read()?;
        if !entries.is_empty() {
            let origin = self.storage.journal_location();
            if super::journal::replay(entries, &mut state, &origin)? > 0 {
                // Fold the interrupted run's work into the state before doing anything else.
                state.compact();
                self.storage.write(&state)?;
                self.storage.journal_clear()?;
                self.loaded_serial = Some(state.serial);
                self.existed = true;
            } else if self.locked {
                // Everything in it is in the state already: a journal a killed run could not
                // clear. Only the lock holder may remove it (a live run's journal is never
                // touched by a reader).
                self.storage.journal_clear()?;
            }
        }
        Ok(state)
    }

    /// Reads the state without a lock and without writing anything: a journal left by a
    /// killed run is folded in memory only (what `output`, `show` and `state list` print).
    pub fn read_only(mut storage: Box<dyn Storage>) -> Result<Option<State>, Diagnostic> {
        let loaded = storage.read()?;
        let entries = storage.journal_read()?;
        if loaded.is_none() && entries.is_empty() {
            return Ok(None);
        }
        let stored = loaded.unwrap_or_else(|| State::new(String::new()));
        let origin = storage.journal_location();
        let mut state = stored.clone();
        match super::journal::replay(entries, &mut state, &origin) {
            Ok(_) => {}
            // Reading shows the state as stored; the next write names the stale journal.
            Err(_) => state = stored,
        }
        state.compact();
        Ok(Some(state))
    }

    /// Where the state lives, for messages.
    pub fn location(&self) -> String {
        self.storage.location()
    }

    fn append(&mut self, state: &State, entry: &Entry) -> Result<(), Diagnostic> {
        if self.journal_base.is_none() {
            self.storage.journal_append(&Entry::Base {
                lineage: state.lineage.clone(),
                serial: state.serial,
            })?;
            self.journal_base = Some(state.serial);
        }
        self.storage.journal_append(entry)
    }

    /// Records a finished instance change durably and applies it in memory.
    pub fn upsert(
        &mut self,
        state: &mut State,
        resource: &ResourceState,
        instance: InstanceState,
    ) -> Result<(), Diagnostic> {
        let entry = Entry::Upsert {
            lineage: state.lineage.clone(),
            resource: Box::new(resource.clone()),
            instance: Box::new(instance),
        };
        self.append(state, &entry)?;
        // The instance moves on into the state: no second copy of its attributes.
        if let Entry::Upsert { instance, .. } = entry {
            state.upsert(resource, *instance);
        }
        self.changed(state)
    }

    /// Records, durably, that the object at `address` is about to be created. A state that
    /// does not exist yet is written first, so the lineage the object is tagged with is on
    /// record before the object is: a successor finds it whatever happens next.
    /// `token` is what the object's generated names are made from: kept in the state until the
    /// object is recorded, so a create after a crash makes the same names.
    pub fn intent(
        &mut self,
        state: &mut State,
        address: &str,
        token: &str,
    ) -> Result<(), Diagnostic> {
        if !self.existed {
            self.dirty = true;
            self.persist(state)?;
        }
        state
            .pending_creates
            .insert(address.to_string(), token.to_string());
        self.append(
            state,
            &Entry::Intent {
                lineage: state.lineage.clone(),
                address: address.to_string(),
                token: Some(token.to_string()),
            },
        )?;
        self.storage.journal_commit_intent()
    }

    /// Records, durably, where the rollout of the group at `address` is (`None`: it is over):
    /// durable before the group is touched, so a kill leaves the next run the record.
    pub fn rollout(
        &mut self,
        state: &mut State,
        address: &str,
        record: Option<serde_json::Value>,
    ) -> Result<(), Diagnostic> {
        let entry = Entry::Rollout {
            lineage: state.lineage.clone(),
            address: address.to_string(),
            record,
        };
        self.record(state, entry)?;
        self.storage.journal_commit_intent()
    }

    pub fn remove(&mut self, state: &mut State, address: &str) -> Result<(), Diagnostic> {
        self.record(
            state,
            Entry::Remove {
                lineage: state.lineage.clone(),
                address: address.to_string(),
                deposed: None,
            },
        )
    }

    /// Makes the current object at `address` deposed, before its successor is created;
    /// returns the key it is deposed under (none when there is no current object).
    pub fn depose(
        &mut self,
        state: &mut State,
        address: &str,
    ) -> Result<Option<String>, Diagnostic> {
        if state.find(address).is_none() {
            return Ok(None);
        }
        // Terraform's deposed keys: eight hex digits.
        let key = format!("{:08x}", uuid::Uuid::new_v4().as_u128() as u32);
        let entry = Entry::Depose {
            lineage: state.lineage.clone(),
            address: address.to_string(),
            key: key.clone(),
        };
        self.record(state, entry)?;
        Ok(Some(key))
    }

    /// Makes a deposed object current again (its successor could not be created).
    pub fn restore_deposed(
        &mut self,
        state: &mut State,
        address: &str,
        key: &str,
    ) -> Result<(), Diagnostic> {
        let entry = Entry::Restore {
            lineage: state.lineage.clone(),
            address: address.to_string(),
            key: key.to_string(),
        };
        self.record(state, entry)
    }

    /// Forgets a deposed object that was destroyed.
    pub fn remove_deposed(
        &mut self,
        state: &mut State,
        address: &str,
        key: &str,
    ) -> Result<(), Diagnostic> {
        let entry = Entry::Remove {
            lineage: state.lineage.clone(),
            address: address.to_string(),
            deposed: Some(key.to_string()),
        };
        self.record(state, entry)
    }

    /// Journals a change, then makes it in memory, as replay would.
    fn record(&mut self, state: &mut State, entry: Entry) -> Result<(), Diagnostic> {
        self.append(state, &entry)?;
        super::journal::apply_entry(&entry, state);
        self.changed(state)
    }

    fn changed(&mut self, state: &mut State) -> Result<(), Diagnostic> {
        self.dirty = true;
        if self.last_persist.elapsed() >= PERSIST_EVERY {
            self.persist(state)?;
        }
        Ok(())
    }

    /// Writes the state (serial + 1) and empties the journal.
    pub fn persist(&mut self, state: &mut State) -> Result<(), Diagnostic> {
        if !self.dirty && self.existed {
            return Ok(());
        }
        state.serial += 1;
        state.compact();
        self.storage.write(state)?;
        self.existed = true;
        self.dirty = false;
        self.last_persist = Instant::now();
        if self.journal_base.take().is_some() {
            self.storage.journal_clear()?;
        }
        Ok(())
    }

    /// Replaces the stored state with `state` as it is (`state push`), over the version read.
    pub fn replace(&mut self, state: &State) -> Result<(), Diagnostic> {
        self.storage.write(state)?;
        self.existed = true;
        self.dirty = false;
        Ok(())
    }

    /// Marks the in-memory state as changed in ways the journal does not carry (outputs).
    pub fn touch(&mut self) {
        self.dirty = true;
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if self.journal_base.is_some() {
            // Whatever the state does not hold yet must be durable in the journal.
            if let Err(d) = self.storage.journal_sync() {
                crate::diag::notify(d);
            }
        }
        if self.locked
            && let Err(d) = self.storage.unlock()
        {
            crate::diag::notify(d);
        }
    }
}
