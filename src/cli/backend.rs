//! From a configuration directory to the store its commands use: the root module's backend
//! block (evaluated: literal values only, as in Terraform), the working directory's record of
//! `infra init`, the selected workspace, and `--state` for the local backend.

use super::engine::StateFlags;
use crate::diag::Diagnostic;
use crate::lang::value::{Attrs, Value};
use crate::lang::{Evaluator, MapScope};
use crate::state::State;
use crate::state::backend::{self, Backend, Settings};
use crate::state::store::Store;
use crate::state::workdir;
use serde_json::{Map, Value as Json};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The backend block of the root module in `dir`, with its arguments evaluated.
pub struct Block {
    pub kind: String,
    pub args: Map<String, Json>,
    pub span: crate::syntax::Span,
}

impl Block {
    /// Which block this is, to notice an edit since `infra init`.
    pub fn hash(&self) -> String {
        let canonical = serde_json::json!({ "type": self.kind, "config": self.args });
        hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
    }
}

/// Evaluates a body of literal arguments (a backend block, a `.tfbackend` file): nested
/// blocks (`assume_role { }`, `endpoints { }`) become objects.
pub fn literal_body(
    body: &crate::syntax::Body,
    what: &str,
) -> Result<Map<String, Json>, Diagnostic> {
    let scope = MapScope(Attrs::new());
    let mut out = Map::new();
    for a in &body.attributes {
        let mut ev = Evaluator::new(&scope, PathBuf::from("."));
        let v: Value = ev.eval(&a.expr).map_err(|d| {
            Diagnostic::error(
                "Variables not allowed",
                format!("{what}: {:?} must be a literal value; variables, locals and resource attributes are not available when the state is located. ({})", a.name, d.detail),
                a.expr.span,
            )
        })?;
        out.insert(a.name.clone(), v.unmark_deep().0.to_json());
    }
    for b in &body.blocks {
        out.insert(b.kind.clone(), Json::Object(literal_body(&b.body, what)?));
    }
    Ok(out)
}

pub fn evaluate_block(b: &crate::config::Backend) -> Result<Block, Diagnostic> {
    Ok(Block {
        kind: b.kind.clone(),
        args: literal_body(&b.body, &format!("backend {:?}", b.kind))?,
        span: b.span,
    })
}

/// The backend block of the root module in `dir`, when there is one.
fn block_of_dir(dir: &Path) -> Result<Option<Block>, Vec<Diagnostic>> {
    if !dir.is_dir() {
        return Ok(None);
    }
    let module = crate::config::load::load_module(dir)?;
    block_of(&module).map_err(|d| vec![d])
}

pub fn block_of(module: &crate::config::Module) -> Result<Option<Block>, Diagnostic> {
    module
        .terraform
        .backend
        .as_ref()
        .map(evaluate_block)
        .transpose()
}

fn init_required(detail: String) -> Diagnostic {
    Diagnostic::plain(
        "Backend initialization required: run infra init",
        format!("{detail} Nothing was changed."),
    )
}

/// The settings commands use in `dir`: those `infra init` recorded for the block as it is
/// now, or the implicit local file when there is no block and no record.
pub fn settings(
    dir: &Path,
    block: Option<&Block>,
    state_flag: Option<&Path>,
) -> Result<Settings, Diagnostic> {
    let record = workdir::read_backend(dir)?;
    let settings = match (block, record) {
        (None, None) => Settings::implicit_local(dir),
        (Some(b), None) => {
            // Fail early with the block's own error (an unsupported type, say) if it has one.
            Settings::resolve(&b.kind, &b.args, dir)
                .map_err(|e| Diagnostic::error("Invalid backend configuration", e, b.span))?;
            return Err(init_required(format!(
                "The configuration has a backend {:?} block, and this directory was not initialized with it.",
                b.kind
            )));
        }
        (Some(b), Some(r)) if r.hash == b.hash() => r.settings,
        (Some(b), Some(r)) => {
            return Err(init_required(format!(
                "The backend {:?} block changed since infra init (it was initialized for {}). Run infra init -migrate-state to move the state, or -reconfigure to use the new settings as they are.",
                b.kind,
                r.settings.describe("default")
            )));
        }
        (None, Some(r)) => {
            return Err(init_required(format!(
                "The backend block was removed since infra init (the state is at {}). Run infra init -migrate-state to bring the state back to a local file, or -reconfigure to start from the local file.",
                r.settings.describe("default")
            )));
        }
    };
    match (settings, state_flag) {
        (Settings::Local(mut l), Some(p)) => {
            l.path = p.to_path_buf();
            Ok(Settings::Local(l))
        }
        (s @ Settings::S3(_), Some(p)) => Err(Diagnostic::plain(
            "Invalid --state",
            format!(
                "--state {} names a local file, and the state is in the {} backend ({}).",
                p.display(),
                s.kind(),
                s.describe("default")
            ),
        )),
        (s, None) => Ok(s),
    }
}

/// The backend and workspace of `dir`, for a command that reads or changes state.
pub struct Located {
    pub dir: PathBuf,
    pub backend: Box<dyn Backend>,
    pub settings: Settings,
    pub workspace: String,
}

impl Located {
    pub fn find(
        dir: &Path,
        block: Option<&Block>,
        state_flag: Option<&Path>,
    ) -> Result<Located, Diagnostic> {
        let settings = settings(dir, block, state_flag)?;
        let workspace = workdir::workspace(dir);
        if !backend::valid_workspace_name(&workspace) {
            return Err(Diagnostic::plain(
                "Invalid workspace name",
                format!(
                    "{workspace:?} (from TF_WORKSPACE or infra workspace select) is not a valid workspace name."
                ),
            ));
        }
        Located::saved(dir, settings, workspace)
    }

    /// The backend and workspace of `dir`, loading its root module for the backend block.
    pub fn of_dir(dir: &Path, state_flag: Option<&Path>) -> Result<Located, Vec<Diagnostic>> {
        let block = block_of_dir(dir)?;
        Located::find(dir, block.as_ref(), state_flag).map_err(|d| vec![d])
    }

    /// The backend and workspace a saved plan names: its state, whatever the directory's
    /// record says now.
    pub fn saved(dir: &Path, settings: Settings, workspace: String) -> Result<Located, Diagnostic> {
        let backend = backend::open(&settings)?;
        Ok(Located {
            dir: dir.to_path_buf(),
            backend,
            settings,
            workspace,
        })
    }

    /// The state store of the selected workspace, locked for `operation` when `flags` say so.
    /// A workspace other than `default` must exist, so a mistyped TF_WORKSPACE never plans a
    /// second copy of everything.
    pub fn open(&self, flags: &StateFlags, operation: &str) -> Result<(Store, State), Diagnostic> {
        self.require_workspace()?;
        let opened = Store::open(
            self.backend.storage(&self.workspace)?,
            self.side_path(),
            operation,
            flags.lock,
            flags.lock_timeout,
        );
        // Said now, not at the end: an abandoned lock was released on the way in.
        for d in crate::diag::take_notices() {
            eprintln!("{}", d.render(false));
        }
        opened
    }

    /// Where side files of the state (the bake journal) are kept on this machine.
    pub fn side_path(&self) -> PathBuf {
        match &self.settings {
            Settings::Local(l) => l.state_path(&self.workspace),
            Settings::S3(_) => workdir::dir(&self.dir).join(format!("{}.tfstate", self.workspace)),
        }
    }

    /// The state of the selected workspace without a lock, or `None` when there is none.
    pub fn read(&self) -> Result<Option<State>, Diagnostic> {
        Store::read_only(self.backend.storage(&self.workspace)?)
    }

    fn require_workspace(&self) -> Result<(), Diagnostic> {
        if self.workspace == "default" {
            return Ok(());
        }
        let known = self.backend.workspaces()?;
        if known.contains(&self.workspace) {
            Ok(())
        } else {
            Err(Diagnostic::plain(
                "Workspace does not exist",
                format!(
                    "The selected workspace {:?} does not exist in {}. Create it with: infra workspace new {}",
                    self.workspace,
                    self.settings.describe("default"),
                    self.workspace
                ),
            ))
        }
    }
}

/// The backend and workspace of `dir`, for a command whose tree is loaded already.
pub fn locate(
    dir: &Path,
    module: &crate::config::Module,
    flags: &StateFlags,
) -> Result<Located, Diagnostic> {
    let block = block_of(module)?;
    Located::find(dir, block.as_ref(), flags.state.as_deref())
}

/// Opens the store of `dir` for a command whose tree is loaded already.
pub fn open_store(
    dir: &Path,
    module: &crate::config::Module,
    flags: &StateFlags,
    operation: &str,
) -> Result<(Store, State), Diagnostic> {
    locate(dir, module, flags)?.open(flags, operation)
}

/// Reads the state of `dir` without a lock, for commands that only print it.
pub fn read_state(dir: &Path, state_flag: Option<&Path>) -> Result<State, Vec<Diagnostic>> {
    Ok(Located::of_dir(dir, state_flag)?
        .read()
        .map_err(|d| vec![d])?
        .unwrap_or_else(|| State::new(String::new())))
}

/// Opens the store of `dir`, loading the root module for its backend block.
pub fn open_store_of_dir(
    dir: &Path,
    flags: &StateFlags,
    operation: &str,
) -> Result<(Store, State), Vec<Diagnostic>> {
    Located::of_dir(dir, flags.state.as_deref())?
        .open(flags, operation)
        .map_err(|d| vec![d])
}
