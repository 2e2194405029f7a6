//! `infra plan`: show what apply would do; `--out` saves it for `infra apply FILE`.

use super::engine::{StateFlags, runtime};
use super::{Ui, VarFlags};
use crate::plan::file::PlanFile;
use crate::plan::render::{Style, render};
use crate::plan::run::{PlanRequest, make_plan};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Clone)]
pub struct PlanArgs {
    /// The root module directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Save the plan to this file for `infra apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 0 with no changes, 2 with changes, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Read every object again before planning (Terraform's -refresh).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub refresh: bool,
    /// Limit the plan to these addresses and what they depend on.
    #[arg(long, value_name = "ADDR")]
    pub target: Vec<String>,
    /// Plan to replace this instance even if nothing changed.
    #[arg(long, value_name = "ADDR")]
    pub replace: Vec<String>,
    /// Plan to destroy everything in state.
    #[arg(long)]
    pub destroy: bool,
    /// Only read the objects: show what changed outside infra (exit 2 with
    /// --detailed-exitcode when something did); applying it records that in the state.
    #[arg(long, conflicts_with = "destroy")]
    pub refresh_only: bool,
    /// How many operations run at once.
    #[arg(long, default_value_t = 10)]
    pub parallelism: usize,
    /// Print the plan as JSON (Terraform's plan representation).
    #[arg(long)]
    pub json: bool,
    /// Print how many cloud API calls were made, per operation, to standard error.
    #[arg(long)]
    pub stats: bool,
    #[command(flatten)]
    pub vars: VarFlags,
    #[command(flatten)]
    pub state: StateFlags,
}

pub fn run(ui: &Ui, a: PlanArgs, raw: &[String]) -> i32 {
    let Some(root_vars) = a.vars.root_vars(ui, &a.dir, raw) else {
        return 1;
    };
    let rt = match runtime() {
        Ok(r) => r,
        Err(d) => {
            ui.print_diagnostics(&[d]);
            return 1;
        }
    };
    // A saved plan carries every file it read.
    if a.out.is_some() {
        crate::sources::record();
    }
    let (tree, load_diags) = crate::graph::ModuleTree::load(&a.dir);
    let Some(tree) = tree else {
        ui.print_diagnostics(&load_diags);
        return 1;
    };
    // A configuration that does not load (a module not installed, a provider not passed)
    // stops before the state is opened or a provider configured.
    if load_diags.iter().any(crate::diag::Diagnostic::is_error) {
        ui.print_diagnostics(&load_diags);
        return 1;
    }
    let located = match super::backend::locate(&a.dir, tree.root(), &a.state) {
        Ok(l) => l,
        Err(d) => {
            ui.print_diagnostics(&[d]);
            return 1;
        }
    };
    let (store, state) = match located.open(&a.state, "OperationTypePlan") {
        Ok(x) => x,
        Err(d) => {
            ui.print_diagnostics(&[d]);
            return 1;
        }
    };
    let prior = store.existed.then_some(&state);
    let req = PlanRequest {
        dir: a.dir.clone(),
        root_vars,
        workspace: crate::state::workdir::workspace(&a.dir),
        destroy: a.destroy,
        refresh: a.refresh || a.refresh_only,
        refresh_only: a.refresh_only,
        replace: a.replace.clone(),
        targets: a.target.clone(),
        parallelism: a.parallelism,
    };
    let registry = match super::engine::registry_for(&rt, &tree, &req.root_vars, prior) {
        Ok(r) => r,
        Err(d) => {
            ui.print_diagnostics(&d);
            return 1;
        }
    };
    let started = std::time::Instant::now();
    let outcome = rt.block_on(make_plan(&req, &tree, load_diags, prior, &registry));
    drop(store);
    if a.stats {
        super::engine::print_stats(started.elapsed());
    }
    ui.print_diagnostics(&outcome.diagnostics);
    let Some(plan) = outcome.plan else { return 1 };
    if outcome.diagnostics.iter().any(|d| d.is_error()) {
        return 1;
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&{
                let mut j = crate::plan::json::plan_json(&plan, prior);
                j["configuration"] = crate::plan::config_json::configuration(&tree);
                j
            })
            .unwrap_or_default()
        );
    } else {
        print!("{}", render(&plan, &Style { color: ui.color }));
    }
    if let Some(out) = &a.out {
        let file = PlanFile::new(
            a.dir.clone(),
            plan.clone(),
            located.settings.clone(),
            located.workspace.clone(),
            prior.cloned(),
            crate::sources::take_recorded(),
        );
        if let Err(e) = crate::state::file::write_atomic(out, &file.to_bytes(), None) {
            ui.print_diagnostics(&[crate::diag::Diagnostic::plain(
                "Failed to write plan",
                format!("{}: {e}", out.display()),
            )]);
            return 1;
        }
        if !a.json {
            println!(
                "\nSaved the plan to: {}\n\nTo perform exactly these actions, run:\n    infra apply {}",
                out.display(),
                out.display()
            );
        }
    }
    if a.detailed_exitcode && plan.has_changes() {
        2
    } else {
        0
    }
}
