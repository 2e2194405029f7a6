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
        /// The deposed object of that key, not the current one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deposed: Option<String>,
    },
    /// The current object at `address` became deposed under `key` (one line, so a crash
    /// never leaves it both current and deposed, or neither).
    Depose {
        lineage: String,
        address: String,
        key: String,
    },
    /// The deposed object `key` at `address` is current again: its successor was never made.
    Restore {
        lineage: String,
        address: String,
        key: String,
    },
    /// About to create this object: if no upsert follows, the object may exist untracked,
    /// tagged with the lineage, its generated names made from `token`.
    Intent {
        lineage: String,
        address: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
    },
    /// The rollout of the group at `address` is at `record` (none: it is over).
    Rollout {
        lineage: String,
        address: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        record: Option<serde_json::Value>,
    },
    /// The serial of the state the entries after it build on. A journal whose base is not
    /// the state's serial was left by a run whose state another run has since replaced (a
    /// lock forced open while it still ran): its entries are not applied blindly.
    Base { lineage: String, serial: u64 },
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
            | Entry::Depose { lineage, .. }
            | Entry::Restore { lineage, .. }
            | Entry::Intent { lineage, .. }
            | Entry::Rollout { lineage, .. }
            | Entry::Base { lineage, .. } => lineage,
        }
    }
}

/// The error for a journal built on another serial than the state's.
pub fn stale(origin: &str, base: u64, serial: u64) -> Diagnostic {
    Diagnostic::plain(
        "State journal is older than the state",
        format!(
            "{origin} was left by a run that started from serial {base}, and the state is now at serial {serial}: another run replaced the state while that one still ran (its lock was forced open). Its entries were not applied, so nothing newer is overwritten. Read it (one JSON change per line), record anything still missing with infra import, then delete it to continue."
        ),
    )
}

/// Applies a journal left by an interrupted run to `state`; returns how many changes it had.
/// `origin` names the journal in errors (a path or an S3 object).
///
/// A journal is a run of segments, each opened by a `Base` naming the serial its changes build
/// on. A segment built on the state's serial is applied. One built on an older serial is
/// either already in the state (its run was killed after writing the state and before
/// clearing the journal: applying it again changes nothing, so it is skipped) or was left by a
/// run whose state another run replaced since (a lock forced open): then it is refused, never
/// applied over the newer state.
pub fn replay(entries: Vec<Entry>, state: &mut State, origin: &str) -> Result<usize, Diagnostic> {
    let fresh = state.serial == 0 && state.resources.is_empty();
    let mut segments: Vec<(Option<u64>, Vec<Entry>)> = vec![(None, Vec::new())];
    for entry in entries {
        match entry {
            Entry::Base { serial, .. } => segments.push((Some(serial), Vec::new())),
            other => segments
                .last_mut()
                .expect("one segment at least")
                .1
                .push(other),
        }
    }
    let mut n = 0;
    for (base, changes) in segments {
        if changes.is_empty() {
            continue;
        }
        if let Some(b) = base
            && !fresh
            && b != state.serial
        {
            let mut probe = state.clone();
            apply_changes(&changes, &mut probe, origin, &mut 0, false)?;
            if probe.resources == state.resources {
                continue;
            }
            return Err(stale(origin, b, state.serial));
        }
        apply_changes(&changes, state, origin, &mut n, fresh)?;
    }
    if n > 0 {
        state.serial += 1;
    }
    Ok(n)
}

/// What one entry does to the state (replay, and the store as it records).
pub fn apply_entry(entry: &Entry, state: &mut State) {
    match entry {
        Entry::Upsert {
            resource, instance, ..
        } => state.upsert(resource, (**instance).clone()),
        Entry::Remove {
            address,
            deposed: None,
            ..
        } => {
            state.remove(address);
        }
        Entry::Remove {
            address,
            deposed: Some(key),
            ..
        } => {
            state.remove_deposed(address, key);
        }
        Entry::Depose { address, key, .. } => {
            state.depose(address, key);
        }
        Entry::Restore { address, key, .. } => {
            state.restore_deposed(address, key);
        }
        // Refresh finds the object, if it was created, by its lineage tag; the next create
        // of the address makes the same generated names from the token.
        Entry::Intent {
            address,
            token: Some(token),
            ..
        } => {
            state.pending_creates.insert(address.clone(), token.clone());
        }
        Entry::Rollout {
            address,
            record: Some(r),
            ..
        } => {
            state.rollouts.insert(address.clone(), r.clone());
        }
        Entry::Rollout {
            address,
            record: None,
            ..
        } => {
            state.rollouts.remove(address);
        }
        Entry::Intent { .. } | Entry::Base { .. } => {}
    }
}

fn apply_changes(
    changes: &[Entry],
    state: &mut State,
    origin: &str,
    n: &mut usize,
    fresh: bool,
) -> Result<(), Diagnostic> {
    for entry in changes {
        let lineage = entry.lineage().to_string();
        // A run killed before its first state write leaves only the journal: adopt its lineage.
        if *n == 0 && fresh {
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
        apply_entry(entry, state);
        *n += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upsert(lineage: &str, name: &str) -> Entry {
        Entry::Upsert {
            lineage: lineage.into(),
            resource: Box::new(ResourceState {
                module: String::new(),
                mode: "managed".into(),
                type_name: "terraform_data".into(),
                name: name.into(),
                provider: "provider[\"terraform.io/builtin/terraform\"]".into(),
                instances: vec![],
            }),
            instance: Box::new(InstanceState {
                index_key: None,
                status: None,
                schema_version: 0,
                attributes: serde_json::json!({"id": name}),
                sensitive_attributes: vec![],
                dependencies: vec![],
                create_before_destroy: false,
                deposed: None,
            }),
        }
    }

    #[test]
    fn a_journal_built_on_the_states_serial_replays_and_a_torn_line_is_dropped() {
        let mut state = State::new("L".into());
        state.serial = 3;
        state.upsert(
            match &upsert("L", "old") {
                Entry::Upsert { resource, .. } => resource,
                _ => unreachable!(),
            },
            match upsert("L", "old") {
                Entry::Upsert { instance, .. } => *instance,
                _ => unreachable!(),
            },
        );
        let mut bytes = Vec::new();
        for e in [
            Entry::Base {
                lineage: "L".into(),
                serial: 3,
            },
            upsert("L", "new"),
        ] {
            bytes.extend(serde_json::to_vec(&e).unwrap());
            bytes.push(b'\n');
        }
        bytes.extend(b"{\"op\":\"upsert\",\"lin");
        let entries = parse(&bytes);
        assert_eq!(entries.len(), 2);
        assert_eq!(replay(entries, &mut state, "j").unwrap(), 1);
        assert_eq!(state.serial, 4);
        assert!(state.find("terraform_data.new").is_some());
    }

    #[test]
    fn a_journal_already_in_the_state_is_skipped_not_refused() {
        // The run wrote serial 4 with its change, then was killed before clearing its journal.
        let mut state = State::new("L".into());
        state.serial = 4;
        let (resource, instance) = match upsert("L", "done") {
            Entry::Upsert {
                resource, instance, ..
            } => (resource, instance),
            _ => unreachable!(),
        };
        state.upsert(&resource, *instance);
        let entries = vec![
            Entry::Base {
                lineage: "L".into(),
                serial: 3,
            },
            upsert("L", "done"),
        ];
        assert_eq!(replay(entries, &mut state, "j").unwrap(), 0);
        assert_eq!(state.serial, 4);
    }

    #[test]
    fn a_journal_built_on_an_older_serial_is_refused_and_changes_nothing() {
        let mut state = State::new("L".into());
        state.serial = 7;
        state.upsert(
            match &upsert("L", "kept") {
                Entry::Upsert { resource, .. } => resource,
                _ => unreachable!(),
            },
            match upsert("L", "kept") {
                Entry::Upsert { instance, .. } => *instance,
                _ => unreachable!(),
            },
        );
        let before = serde_json::to_value(&state).unwrap();
        let entries = vec![
            Entry::Base {
                lineage: "L".into(),
                serial: 5,
            },
            upsert("L", "stale"),
        ];
        let err = replay(entries, &mut state, "s3://b/k.journal/x").unwrap_err();
        assert!(
            err.detail.contains("serial 5") && err.detail.contains("serial 7"),
            "{}",
            err.detail
        );
        assert!(err.detail.contains("s3://b/k.journal/x"));
        assert_eq!(serde_json::to_value(&state).unwrap(), before);
    }

    fn with_id(e: Entry, id: &str) -> Entry {
        match e {
            Entry::Upsert {
                lineage,
                resource,
                mut instance,
            } => {
                instance.attributes = serde_json::json!({ "id": id });
                Entry::Upsert {
                    lineage,
                    resource,
                    instance,
                }
            }
            other => other,
        }
    }

    #[test]
    fn a_replacement_deposes_first_and_a_crash_anywhere_leaves_both_objects_on_record() {
        let step = |entries: Vec<Entry>| {
            let mut state = State::new("L".into());
            replay(entries, &mut state, "j").unwrap();
            let current = state
                .find("terraform_data.x")
                .map(|(_, i)| i.attributes["id"].clone());
            let deposed: Vec<_> = state
                .deposed()
                .map(|(_, _, i)| i.attributes["id"].clone())
                .collect();
            (current, deposed, state)
        };
        let depose = Entry::Depose {
            lineage: "L".into(),
            address: "terraform_data.x".into(),
            key: "0badf00d".into(),
        };
        let intent = Entry::Intent {
            lineage: "L".into(),
            address: "terraform_data.x".into(),
            token: Some("T1".into()),
        };
        let old = with_id(upsert("L", "x"), "old");
        // Killed after deposing, before the successor is recorded: the old object is on
        // record as deposed, and the token of the create under way is kept.
        let (current, deposed, state) = step(vec![old.clone(), depose.clone(), intent.clone()]);
        assert_eq!(current, None);
        assert_eq!(deposed, vec![serde_json::json!("old")]);
        assert_eq!(
            state
                .pending_creates
                .get("terraform_data.x")
                .map(String::as_str),
            Some("T1")
        );
        assert!(
            state.instances().next().is_none(),
            "a deposed object is not current"
        );
        // The successor recorded: both, and the token is no longer pending.
        let new = with_id(upsert("L", "x"), "new");
        let (current, deposed, state) = step(vec![
            old.clone(),
            depose.clone(),
            intent.clone(),
            new.clone(),
        ]);
        assert_eq!(current, Some(serde_json::json!("new")));
        assert_eq!(deposed, vec![serde_json::json!("old")]);
        assert!(state.pending_creates.is_empty());
        // The old one destroyed: only the successor.
        let removed = Entry::Remove {
            lineage: "L".into(),
            address: "terraform_data.x".into(),
            deposed: Some("0badf00d".into()),
        };
        let (current, deposed, _) = step(vec![
            old.clone(),
            depose.clone(),
            intent.clone(),
            new,
            removed,
        ]);
        assert_eq!(current, Some(serde_json::json!("new")));
        assert!(deposed.is_empty());
        // The successor could not be made: the old object is current again.
        let restore = Entry::Restore {
            lineage: "L".into(),
            address: "terraform_data.x".into(),
            key: "0badf00d".into(),
        };
        let (current, deposed, _) = step(vec![old, depose, intent, restore]);
        assert_eq!(current, Some(serde_json::json!("old")));
        assert!(deposed.is_empty());
    }
}
