//! Backends: where a workspace's state lives, behind one interface. A backend reads the state
//! with its version, writes it only over the version it read, locks it, keeps the apply journal
//! beside it, and lists and deletes workspaces. `local` keeps files; `s3` keeps objects in a
//! bucket, in Terraform's layout, so Terraform and infra share one.

pub mod blocking;
pub mod local;
pub mod s3;
pub mod settings;

use super::journal::Entry;
use super::model::State;
use crate::diag::Diagnostic;
pub use settings::{LocalSettings, S3Settings, Settings};
use std::time::Duration;

/// One workspace's state in one backend.
pub trait Storage: Send {
    /// Where the state lives, for messages: a path, or `s3://bucket/key`.
    fn location(&self) -> String;

    /// The state, or `None` when there is none yet. Remembers the version read, so the next
    /// `write` replaces exactly it.
    fn read(&mut self) -> Result<Option<State>, Diagnostic>;

    /// Writes the state over the version last read or written (or only where none exists when
    /// none was read); anything else there is never overwritten.
    fn write(&mut self, state: &State) -> Result<(), Diagnostic>;

    /// Takes the lock for `operation`, retrying until `timeout`; held until `unlock`.
    fn lock(&mut self, operation: &str, timeout: Duration) -> Result<(), Diagnostic>;

    /// Releases the lock this storage holds, if it still holds it.
    fn unlock(&mut self) -> Result<(), Diagnostic>;

    /// Releases a lock left by someone else, when its ID is `id`.
    fn force_unlock(&mut self, id: &str) -> Result<(), Diagnostic>;

    /// Adds a finished change (or an intent) to the journal kept beside the state.
    fn journal_append(&mut self, entry: &Entry) -> Result<(), Diagnostic>;

    /// Makes every appended entry durable now.
    fn journal_sync(&mut self) -> Result<(), Diagnostic>;

    /// Makes an intent durable before its object is created, as far as this backend does: a
    /// local journal is synced at once; a remote one is uploaded with the next batch (within
    /// a second), since objects are tagged with the lineage and found by it anyway.
    fn journal_commit_intent(&mut self) -> Result<(), Diagnostic> {
        self.journal_sync()
    }

    /// Where the journal lives, for messages.
    fn journal_location(&self) -> String;

    /// The journal a killed run left, oldest first.
    fn journal_read(&mut self) -> Result<Vec<Entry>, Diagnostic>;

    /// Empties the journal once the state holds all of it.
    fn journal_clear(&mut self) -> Result<(), Diagnostic>;

    /// Removes the state itself (deleting a workspace).
    fn delete(&mut self) -> Result<(), Diagnostic>;

    /// One stored version of the state, where the backend keeps versions (S3 with bucket
    /// versioning).
    fn read_version(&mut self, version: &str) -> Result<Option<State>, Diagnostic> {
        let _ = version;
        Err(Diagnostic::plain(
            "No state versions",
            format!(
                "{} is a local file; only the s3 backend (with bucket versioning) keeps older versions. The previous local state is in its .backup file.",
                self.location()
            ),
        ))
    }
}

/// A backend: a storage per workspace.
pub trait Backend: Send + Sync {
    fn storage(&self, workspace: &str) -> Result<Box<dyn Storage>, Diagnostic>;

    /// Every workspace with a state, `default` always first.
    fn workspaces(&self) -> Result<Vec<String>, Diagnostic>;
}

/// The backend the settings describe; S3 connects its clients here.
pub fn open(settings: &Settings) -> Result<Box<dyn Backend>, Diagnostic> {
    match settings {
        Settings::Local(l) => Ok(Box::new(local::LocalBackend::new(l.clone()))),
        Settings::S3(s) => Ok(Box::new(s3::S3Backend::connect(s.clone())?)),
    }
}

/// Whether `name` is a valid workspace name (Terraform's rule: a URL path segment).
pub fn valid_workspace_name(name: &str) -> bool {
    !name.is_empty()
        && !name.contains('/')
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.~".contains(c))
}
