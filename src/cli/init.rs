//! `infra init`: finds the backend block, merges `-backend-config` (KEY=VALUE pairs and
//! `.tfbackend` files, in order), checks the bucket can be reached, moves the state when the
//! backend changed and `-migrate-state` says so, and records the result in `.infra/`.

use super::Ui;
use super::backend::{Block, block_of, literal_body};
use crate::diag::Diagnostic;
use crate::state::backend::{self, Settings};
use crate::state::store::Store;
use crate::state::workdir::{self, BackendRecord};
use clap::Args;
use serde_json::{Map, Value as Json};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Args)]
pub struct InitArgs {
    /// The root module directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Backend settings not in the block: KEY=VALUE, or a file of `key = value` lines.
    /// Repeatable; later ones win.
    #[arg(long = "backend-config", value_name = "KEY=VALUE|FILE")]
    backend_config: Vec<String>,
    /// Use the backend settings as they are now, ignoring (and keeping) any existing state.
    #[arg(long)]
    reconfigure: bool,
    /// Copy the state of every workspace from the previous backend to the new one.
    #[arg(long)]
    migrate_state: bool,
    /// Like -migrate-state, answering yes to every question (Terraform's spelling).
    #[arg(long)]
    force_copy: bool,
    /// Accepted for Terraform's CLI; infra never asks questions in init.
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set)]
    input: bool,
    /// Take the state locks while migrating.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    lock: bool,
    /// Install the newest module versions the constraints allow, even where the installed ones
    /// still match.
    #[arg(long)]
    upgrade: bool,
    /// Install the modules the configuration calls; -get=false leaves them as they are.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    get: bool,
    /// How long to wait for a state lock while migrating.
    #[arg(long, default_value = "0s", value_parser = super::engine::parse_duration)]
    lock_timeout: Duration,
}

pub fn run(ui: &Ui, a: InitArgs) -> i32 {
    match run_inner(&a) {
        Ok(()) => 0,
        Err(d) => {
            ui.print_diagnostics(&d);
            1
        }
    }
}

/// `-backend-config` values over the block's arguments, in command-line order.
fn partial_config(values: &[String], dir: &Path) -> Result<Map<String, Json>, Diagnostic> {
    let mut out = Map::new();
    for v in values {
        let as_file = {
            let p = PathBuf::from(v);
            if p.is_absolute() { p } else { dir.join(&p) }
        };
        let path = if Path::new(v).is_file() {
            Some(PathBuf::from(v))
        } else if as_file.is_file() {
            Some(as_file)
        } else {
            None
        };
        match (path, v.split_once('=')) {
            (Some(p), _) => {
                let text = std::fs::read_to_string(&p).map_err(|e| {
                    Diagnostic::plain("Invalid -backend-config", format!("{}: {e}", p.display()))
                })?;
                let id = crate::syntax::span::add_file(&p, &text);
                let body = crate::syntax::parse_body(id, &text).map_err(|e| {
                    Diagnostic::error("Invalid -backend-config file", e.message, e.span)
                })?;
                out.extend(literal_body(&body, &p.display().to_string())?);
            }
            (None, Some((k, val))) => {
                let k = k.trim();
                if k.is_empty() {
                    return Err(Diagnostic::plain(
                        "Invalid -backend-config",
                        format!("{v:?} has no name before \"=\"; expected KEY=VALUE or a file."),
                    ));
                }
                out.insert(k.to_string(), Json::String(val.to_string()));
            }
            (None, None) => {
                return Err(Diagnostic::plain(
                    "Invalid -backend-config",
                    format!("{v:?} is neither KEY=VALUE nor a file that exists."),
                ));
            }
        }
    }
    Ok(out)
}

/// `infra get [DIR]`: installs the modules the configuration calls, and nothing else.
#[derive(Args)]
pub struct GetArgs {
    /// The root module directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Install the newest module versions the constraints allow (Terraform's -update).
    #[arg(long)]
    update: bool,
}

pub fn get(ui: &Ui, a: GetArgs) -> i32 {
    match install_modules(&a.dir, a.update) {
        Ok(()) => 0,
        Err(d) => {
            ui.print_diagnostics(&d);
            1
        }
    }
}

/// Installs every module call's source (see `modules::install`), saying what it does.
fn install_modules(dir: &Path, upgrade: bool) -> Result<(), Vec<Diagnostic>> {
    let module = crate::config::load::load_module(dir)?;
    if module.module_calls.is_empty() && !crate::modules::Manifest::path(dir).exists() {
        return Ok(());
    }
    println!("Initializing modules...");
    workdir::ensure(dir).map_err(|d| vec![d])?;
    crate::modules::install(dir, upgrade, &mut |e| match e {
        crate::modules::Event::Downloading { key, what } => {
            println!("Downloading {what} for {key}...")
        }
        crate::modules::Event::Ready { key, dir } => println!("- {key} in {dir}"),
    })?;
    Ok(())
}

fn run_inner(a: &InitArgs) -> Result<(), Vec<Diagnostic>> {
    let dir = &a.dir;
    if a.get {
        install_modules(dir, a.upgrade)?;
    }
    let module = crate::config::load::load_module(dir)?;
    let block: Option<Block> = block_of(&module).map_err(|d| vec![d])?;
    let partial = partial_config(&a.backend_config, dir).map_err(|d| vec![d])?;
    let new = match &block {
        Some(b) => {
            let mut args = b.args.clone();
            args.extend(partial);
            Settings::resolve(&b.kind, &args, dir).map_err(|e| {
                vec![Diagnostic::error(
                    "Invalid backend configuration",
                    e,
                    b.span,
                )]
            })?
        }
        None if !partial.is_empty() => {
            return Err(vec![Diagnostic::plain(
                "Invalid -backend-config",
                "-backend-config needs a backend block in the configuration (for example terraform { backend \"s3\" {} }) to merge into.",
            )]);
        }
        None => Settings::implicit_local(dir),
    };
    let new_backend: Box<dyn backend::Backend> = match &new {
        // Connected once: checked (credentials, bucket, lock table), then used.
        Settings::S3(s) => {
            let b = backend::s3::S3Backend::connect(s.clone()).map_err(|d| vec![d])?;
            if let Some(arn) = b.check().map_err(|d| vec![d])? {
                println!("Using the credentials of {arn}.");
            }
            Box::new(b)
        }
        Settings::Local(_) => backend::open(&new).map_err(|d| vec![d])?,
    };
    let old = match workdir::read_backend(dir).map_err(|d| vec![d])? {
        Some(r) => r.settings,
        None => Settings::implicit_local(dir),
    };
    if old != new && !a.reconfigure {
        let old_backend = backend::open(&old).map_err(|d| vec![d])?;
        let with_state = workspaces_with_state(old_backend.as_ref()).map_err(|d| vec![d])?;
        if !with_state.is_empty() {
            if !(a.migrate_state || a.force_copy) {
                return Err(vec![Diagnostic::plain(
                    "Backend configuration changed",
                    format!(
                        "The state is at {} ({} workspace(s): {}), and the configuration now points at {}. Run infra init -migrate-state to copy it there, or infra init -reconfigure to use the new backend as it is (the old state stays where it is). Nothing was changed.",
                        old.describe("default"),
                        with_state.len(),
                        with_state.join(", "),
                        new.describe("default")
                    ),
                )]);
            }
            for ws in &with_state {
                migrate(
                    old_backend.as_ref(),
                    new_backend.as_ref(),
                    ws,
                    &old,
                    &new,
                    a,
                )
                .map_err(|d| vec![d])?;
            }
        }
    }
    match &block {
        Some(b) => workdir::write_backend(
            dir,
            &BackendRecord {
                version: 1,
                hash: b.hash(),
                settings: new.clone(),
            },
        ),
        None => workdir::forget_backend(dir),
    }
    .map_err(|d| vec![d])?;
    match &new {
        Settings::S3(s) => {
            println!(
                "Successfully configured the backend \"s3\": the state is at {}.",
                new.describe("default")
            );
            if !s.use_lockfile && s.dynamodb_table.is_none() {
                eprintln!(
                    "Warning: state locking is off. Set use_lockfile = true (or dynamodb_table) in the backend block, so two runs never change the state at once."
                );
            }
        }
        Settings::Local(_) => println!(
            "Successfully configured the backend \"local\": the state is at {}.",
            new.describe("default")
        ),
    }
    println!("infra has been successfully initialized!");
    Ok(())
}

/// The workspaces of a backend that hold a state.
fn workspaces_with_state(b: &dyn backend::Backend) -> Result<Vec<String>, Diagnostic> {
    let mut out = Vec::new();
    for ws in b.workspaces()? {
        if Store::read_only(b.storage(&ws)?)?.is_some() {
            out.push(ws);
        }
    }
    Ok(out)
}

/// Copies one workspace's state, under both locks, never over a state of another lineage.
fn migrate(
    from: &dyn backend::Backend,
    to: &dyn backend::Backend,
    workspace: &str,
    old: &Settings,
    new: &Settings,
    a: &InitArgs,
) -> Result<(), Diagnostic> {
    let (_from_store, source) = Store::open(
        from.storage(workspace)?,
        PathBuf::new(),
        "OperationTypeMigrate",
        a.lock,
        a.lock_timeout,
    )?;
    let mut dest = to.storage(workspace)?;
    if a.lock {
        dest.lock("OperationTypeMigrate", a.lock_timeout)?;
    }
    let result = (|| match dest.read()? {
        Some(existing) if existing.lineage != source.lineage && !existing.lineage.is_empty() => {
            Err(Diagnostic::plain(
                "State lineage mismatch",
                format!(
                    "{} already holds a state of another deployment (lineage {}, the one being moved {}). infra will not overwrite it; move or delete it first.",
                    new.describe(workspace),
                    existing.lineage,
                    source.lineage
                ),
            ))
        }
        Some(existing) if existing.serial >= source.serial => {
            println!(
                "Workspace {workspace:?}: {} already holds this state (serial {}).",
                new.describe(workspace),
                existing.serial
            );
            Ok(())
        }
        _ => {
            dest.write(&source)?;
            println!(
                "Workspace {workspace:?}: copied the state (serial {}, {} resources) from {} to {}.",
                source.serial,
                source.resources.len(),
                old.describe(workspace),
                new.describe(workspace)
            );
            Ok(())
        }
    })();
    if a.lock {
        dest.unlock()?;
    }
    result
}
