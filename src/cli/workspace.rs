//! `infra workspace list|show|new|select|delete`: several states of one configuration, with
//! Terraform's semantics (`default` always exists and cannot be deleted; `TF_WORKSPACE`
//! overrides the selection; a workspace with resources is deleted only with -force).

use super::Ui;
use super::backend::Located;
use super::engine::parse_duration;
use crate::diag::Diagnostic;
use crate::state::State;
use crate::state::backend::valid_workspace_name;
use crate::state::store::Store;
use crate::state::workdir;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Subcommand)]
pub enum WorkspaceCommand {
    /// List the workspaces; the selected one is marked with *.
    List(DirArg),
    /// Print the selected workspace's name.
    Show(DirArg),
    /// Create a workspace and select it.
    New {
        name: String,
        #[command(flatten)]
        dir: DirArg,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Select a workspace.
    Select {
        name: String,
        #[command(flatten)]
        dir: DirArg,
        /// Create the workspace when it does not exist.
        #[arg(long)]
        or_create: bool,
    },
    /// Delete a workspace's state (the objects it manages are not touched).
    Delete {
        name: String,
        #[command(flatten)]
        dir: DirArg,
        /// Delete even when the state still manages resources.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        lock: LockArgs,
    },
}

#[derive(Args)]
pub struct DirArg {
    /// The configuration directory.
    #[arg(long = "dir", default_value = ".")]
    dir: PathBuf,
}

#[derive(Args)]
pub struct LockArgs {
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    lock: bool,
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    lock_timeout: Duration,
}

pub fn run(ui: &Ui, cmd: WorkspaceCommand) -> i32 {
    match run_inner(cmd) {
        Ok(()) => 0,
        Err(d) => {
            ui.print_diagnostics(&d);
            1
        }
    }
}

fn check_name(name: &str) -> Result<(), Diagnostic> {
    if valid_workspace_name(name) {
        Ok(())
    } else {
        Err(Diagnostic::plain(
            "Invalid workspace name",
            format!(
                "{name:?} is not a valid workspace name: use letters, digits, and - _ . ~ only."
            ),
        ))
    }
}

fn not_overridden() -> Result<(), Diagnostic> {
    match std::env::var("TF_WORKSPACE") {
        Ok(w) if !w.is_empty() => Err(Diagnostic::plain(
            "Workspace overridden",
            format!(
                "The selected workspace is currently overridden by the TF_WORKSPACE environment variable ({w:?}); unset it to select another."
            ),
        )),
        _ => Ok(()),
    }
}

fn create(located: &Located, name: &str, lock: &LockArgs) -> Result<(), Diagnostic> {
    let mut storage = located.backend.storage(name)?;
    if lock.lock {
        storage.lock("OperationTypeWorkspaceNew", lock.lock_timeout)?;
    }
    // Written at once, so the workspace exists for every runner that lists the backend.
    let result = storage.write(&State::new(uuid::Uuid::new_v4().to_string()));
    if lock.lock {
        storage.unlock()?;
    }
    result
}

fn run_inner(cmd: WorkspaceCommand) -> Result<(), Vec<Diagnostic>> {
    let one = |d: Diagnostic| vec![d];
    match cmd {
        WorkspaceCommand::List(d) => {
            let located = Located::of_dir(&d.dir, None)?;
            for ws in located.backend.workspaces().map_err(one)? {
                let mark = if ws == located.workspace { "*" } else { " " };
                println!("{mark} {ws}");
            }
        }
        WorkspaceCommand::Show(d) => println!("{}", workdir::workspace(&d.dir)),
        WorkspaceCommand::New { name, dir, lock } => {
            check_name(&name).map_err(one)?;
            not_overridden().map_err(one)?;
            let located = Located::of_dir(&dir.dir, None)?;
            if located.backend.workspaces().map_err(one)?.contains(&name) {
                return Err(one(Diagnostic::plain(
                    "Workspace already exists",
                    format!("Workspace {name:?} already exists."),
                )));
            }
            create(&located, &name, &lock).map_err(one)?;
            workdir::select_workspace(&dir.dir, &name).map_err(one)?;
            println!(
                "Created and switched to workspace {name:?}!\n\nYou're now on a new, empty workspace; its state is at {}.",
                located.settings.describe(&name)
            );
        }
        WorkspaceCommand::Select {
            name,
            dir,
            or_create,
        } => {
            check_name(&name).map_err(one)?;
            not_overridden().map_err(one)?;
            let located = Located::of_dir(&dir.dir, None)?;
            if !located.backend.workspaces().map_err(one)?.contains(&name) {
                if !or_create {
                    return Err(one(Diagnostic::plain(
                        "Workspace does not exist",
                        format!(
                            "Workspace {name:?} doesn't exist. Create it with: infra workspace new {name}"
                        ),
                    )));
                }
                create(
                    &located,
                    &name,
                    &LockArgs {
                        lock: true,
                        lock_timeout: Duration::ZERO,
                    },
                )
                .map_err(one)?;
            }
            workdir::select_workspace(&dir.dir, &name).map_err(one)?;
            println!("Switched to workspace {name:?}.");
        }
        WorkspaceCommand::Delete {
            name,
            dir,
            force,
            lock,
        } => {
            check_name(&name).map_err(one)?;
            if name == "default" {
                return Err(one(Diagnostic::plain(
                    "Cannot delete the default workspace",
                    "The default workspace always exists.",
                )));
            }
            let located = Located::of_dir(&dir.dir, None)?;
            if located.workspace == name {
                return Err(one(Diagnostic::plain(
                    "Workspace is active",
                    format!(
                        "Workspace {name:?} is your active workspace; select another one first."
                    ),
                )));
            }
            if !located.backend.workspaces().map_err(one)?.contains(&name) {
                return Err(one(Diagnostic::plain(
                    "Workspace does not exist",
                    format!("Workspace {name:?} doesn't exist."),
                )));
            }
            let (store, state) = Store::open(
                located.backend.storage(&name).map_err(one)?,
                PathBuf::new(),
                "OperationTypeWorkspaceDelete",
                lock.lock,
                lock.lock_timeout,
            )
            .map_err(one)?;
            let managed = state.instances().count();
            if managed > 0 && !force {
                return Err(one(Diagnostic::plain(
                    "Workspace is not empty",
                    format!(
                        "Workspace {name:?} still manages {managed} resource instance(s). Destroy them first (infra destroy in that workspace), or delete with -force to forget them: the objects stay in the cloud, untracked."
                    ),
                )));
            }
            drop(store);
            let mut storage = located.backend.storage(&name).map_err(one)?;
            storage.delete().map_err(one)?;
            if managed > 0 {
                eprintln!(
                    "Warning: {managed} resource instance(s) of workspace {name:?} are no longer tracked by any state."
                );
            }
            println!("Deleted workspace {name:?}!");
        }
    }
    Ok(())
}
