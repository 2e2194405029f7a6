//! `infra apply [FILE|DIR]` and `infra destroy`: execute a saved plan exactly, or plan and
//! execute. Without `--auto-approve` a terminal is asked for "yes"; without a terminal the
//! command refuses rather than hang.

use super::apply_progress::ApplyProgress;
use super::engine::{StateFlags, runtime, stop_on_signals};
use super::plan::PlanArgs;
use super::{Ui, VarFlags};
use crate::apply::report::Progress;
use crate::apply::{ApplyRequest, apply};
use crate::config::tfvars::{self, RawValue};
use crate::diag::Diagnostic;
use crate::plan::file::PlanFile;
use crate::plan::render::{Style, render};
use crate::plan::run::{PlanRequest, make_plan};
use clap::Args;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

#[derive(Args, Clone)]
pub struct ApplyArgs {
    /// A saved plan file, or the root module directory.
    #[arg(default_value = ".")]
    pub target_path: PathBuf,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    /// Limit to these addresses and what they depend on.
    #[arg(long, value_name = "ADDR")]
    pub target: Vec<String>,
    /// Replace this instance even if nothing changed.
    #[arg(long, value_name = "ADDR")]
    pub replace: Vec<String>,
    /// Only record in the state what changed outside infra; change no object.
    #[arg(long)]
    pub refresh_only: bool,
    /// Read every object again before planning.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub refresh: bool,
    /// How many operations run at once.
    #[arg(long, default_value_t = 10)]
    pub parallelism: usize,
    /// Print how many cloud API calls were made, per operation, to standard error.
    #[arg(long)]
    pub stats: bool,
    #[command(flatten)]
    pub vars: VarFlags,
    #[command(flatten)]
    pub state: StateFlags,
}

fn confirm(what: &str) -> Result<(), Diagnostic> {
    if !std::io::stdin().is_terminal() {
        return Err(Diagnostic::plain(
            "No confirmation possible",
            format!(
                "{what} needs approval, and standard input is not a terminal. Re-run with --auto-approve (or apply a saved plan)."
            ),
        ));
    }
    eprint!(
        "\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    );
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    if line.trim() == "yes" {
        Ok(())
    } else {
        Err(Diagnostic::plain("Cancelled", format!("{what} cancelled.")))
    }
}

pub fn run(ui: &Ui, a: ApplyArgs, raw: &[String], destroy: bool) -> i32 {
    match run_inner(ui, a, raw, destroy) {
        Ok(code) => code,
        Err(d) => {
            ui.print_diagnostics(&d);
            1
        }
    }
}

fn run_inner(ui: &Ui, a: ApplyArgs, raw: &[String], destroy: bool) -> Result<i32, Vec<Diagnostic>> {
    let rt = runtime().map_err(|d| vec![d])?;
    let started = std::time::Instant::now();
    let stats = a.stats;
    let result = run_with(ui, a, raw, destroy, &rt);
    if stats {
        super::engine::print_stats(started.elapsed());
    }
    result
}

fn run_with(
    ui: &Ui,
    a: ApplyArgs,
    raw: &[String],
    destroy: bool,
    rt: &tokio::runtime::Runtime,
) -> Result<i32, Vec<Diagnostic>> {
    let saved = a.target_path.is_file();
    let mut saved_state = None;
    let (dir, plan, root_vars) = if saved {
        let file = PlanFile::read(&a.target_path).map_err(|d| vec![d])?;
        if destroy {
            return Err(vec![Diagnostic::plain(
                "Invalid destroy target",
                "infra destroy takes a configuration directory; to apply a saved destroy plan, use infra apply FILE.",
            )]);
        }
        // Evaluate what the plan evaluated, whatever the working tree holds now, at the plan's
        // moment.
        crate::sources::serve(file.files().map_err(|d| vec![d])?);
        crate::lang::functions::pin_plan_timestamp(file.plan.timestamp.clone());
        saved_state = Some((file.backend.clone(), file.workspace.clone()));
        let vars = file
            .plan
            .variables
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    RawValue::Value(crate::instance::codec::from_plan_json(v)),
                )
            })
            .collect();
        (file.dir, Some(file.plan), vars)
    } else {
        let vars = tfvars::collect(&a.target_path, &a.vars.ordered(raw))?;
        (a.target_path.clone(), None, vars)
    };
    // Loaded once: planning and applying walk the same tree.
    let (tree, load_diags) = crate::graph::ModuleTree::load(&dir);
    let Some(tree) = tree else {
        return Err(load_diags);
    };
    if load_diags.iter().any(Diagnostic::is_error) {
        return Err(load_diags);
    }
    let operation = if destroy {
        "OperationTypeDestroy"
    } else {
        "OperationTypeApply"
    };
    let located = match saved_state {
        Some((settings, workspace)) => super::backend::Located::saved(&dir, settings, workspace),
        None => super::backend::locate(&dir, tree.root(), &a.state),
    }
    .map_err(|d| vec![d])?;
    let (mut store, mut state) = located.open(&a.state, operation).map_err(|d| vec![d])?;
    let registry =
        super::engine::registry_for(rt, &tree, &root_vars, store.existed.then_some(&state))?;
    let plan = match plan {
        Some(p) => {
            // A saved plan is only valid against the state it was made from.
            let current = store.loaded_serial;
            let same_lineage = p.lineage.is_none()
                || !store.existed
                || p.lineage.as_deref() == Some(state.lineage.as_str());
            if p.prior_serial != current || !same_lineage {
                return Err(vec![Diagnostic::plain(
                    "Saved plan is stale",
                    format!(
                        "The state changed since this plan was made (plan made against serial {}, state is now at serial {}). Run infra plan again.",
                        p.prior_serial.map_or("none".into(), |s| s.to_string()),
                        current.map_or("none".into(), |s| s.to_string())
                    ),
                )]);
            }
            p
        }
        None => {
            let args = PlanArgs {
                dir: dir.clone(),
                out: None,
                detailed_exitcode: false,
                refresh: a.refresh,
                target: a.target.clone(),
                replace: a.replace.clone(),
                destroy,
                refresh_only: a.refresh_only,
                parallelism: a.parallelism,
                json: false,
                stats: false,
                vars: VarFlags::default(),
                state: a.state.clone(),
            };
            let req = PlanRequest {
                dir: args.dir.clone(),
                root_vars: root_vars.clone(),
                workspace: located.workspace.clone(),
                destroy,
                refresh: args.refresh || args.refresh_only,
                refresh_only: args.refresh_only,
                replace: args.replace,
                targets: args.target,
                parallelism: args.parallelism,
            };
            let prior = store.existed.then_some(&state);
            let outcome = rt.block_on(make_plan(&req, &tree, load_diags.clone(), prior, &registry));
            ui.print_diagnostics(&outcome.diagnostics);
            let plan = outcome.plan.ok_or_else(Vec::new)?;
            if outcome.diagnostics.iter().any(Diagnostic::is_error) {
                return Err(Vec::new());
            }
            print!("{}", render(&plan, &Style { color: ui.color }));
            if plan.has_changes() && !a.auto_approve {
                confirm(if destroy { "Destroy" } else { "Apply" }).map_err(|d| vec![d])?;
            }
            plan
        }
    };
    let stop = stop_on_signals(rt);
    let req = ApplyRequest {
        workspace: located.workspace.clone(),
        dir,
        root_vars,
        parallelism: a.parallelism,
        stop,
    };
    let total = plan
        .changes
        .iter()
        .filter(|c| {
            !matches!(
                c.action,
                crate::plan::Action::NoOp | crate::plan::Action::Read
            )
        })
        .count()
        + plan.images_to_bake();
    let progress = Progress::new(std::sync::Arc::new(ApplyProgress::for_stderr(total)));
    let outcome = rt.block_on(apply(
        &plan, &req, &tree, &mut state, &mut store, &registry, &progress,
    ));
    progress.finish();
    ui.print_diagnostics(&outcome.diagnostics);
    drop(store);
    if outcome.interrupted {
        eprintln!(
            "Apply interrupted: {} added, {} changed, {} destroyed; the state records all of it.",
            outcome.added, outcome.changed, outcome.destroyed
        );
        return Ok(1);
    }
    let verb = if destroy { "Destroy" } else { "Apply" };
    if outcome.diagnostics.iter().any(Diagnostic::is_error) {
        eprintln!(
            "{verb} failed: {} added, {} changed, {} destroyed before the error; the state records all of it.",
            outcome.added, outcome.changed, outcome.destroyed
        );
        return Ok(1);
    }
    if destroy {
        println!(
            "\nDestroy complete! Resources: {} destroyed.",
            outcome.destroyed
        );
    } else {
        println!(
            "\nApply complete! Resources: {} added, {} changed, {} destroyed.",
            outcome.added, outcome.changed, outcome.destroyed
        );
        if !state.outputs.is_empty() {
            println!("\nOutputs:\n");
            for (name, o) in &state.outputs {
                super::print_output(name, &crate::plan::run::typed_output(o), o.sensitive);
            }
        }
    }
    Ok(0)
}
