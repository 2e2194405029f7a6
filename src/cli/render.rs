//! `infra render ADDR`: the user data an instance of a launch template, launch configuration or
//! instance will boot with, decoded (base64, then gzip) so a person can read it. It comes from a
//! fresh plan of the configuration; when the plan cannot know it yet (it depends on values known
//! only after apply), the state's copy is shown if the state has one, and the command says so.

use super::engine::{StateFlags, registry_for, runtime};
use super::{Ui, VarFlags};
use crate::config::tfvars;
use crate::diag::Diagnostic;
use crate::plan::run::{PlanRequest, make_plan};
use base64::Engine;
use clap::Args;
use std::io::Read;
use std::path::PathBuf;

#[derive(Args, Clone)]
pub struct RenderArgs {
    /// The instance address: aws_launch_template.node, module.cluster.module.masters.aws_launch_template.this ...
    pub address: String,
    /// The root module directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub vars: VarFlags,
    #[command(flatten)]
    pub state: StateFlags,
}

pub fn run(ui: &Ui, a: RenderArgs, raw: &[String]) -> i32 {
    match render(&a, raw) {
        Ok(text) => {
            print!("{text}");
            if !text.ends_with('\n') {
                println!();
            }
            0
        }
        Err(d) => {
            ui.print_diagnostics(&d);
            1
        }
    }
}

fn render(a: &RenderArgs, raw: &[String]) -> Result<String, Vec<Diagnostic>> {
    let root_vars = tfvars::collect(&a.dir, &a.vars.ordered(raw))?;
    let rt = runtime().map_err(|d| vec![d])?;
    let (tree, load_diags) = crate::graph::ModuleTree::load(&a.dir);
    let tree = tree.ok_or_else(|| load_diags.clone())?;
    let (store, state) =
        super::backend::open_store(&a.dir, tree.root(), &a.state, "OperationTypePlan")
            .map_err(|d| vec![d])?;
    let prior = store.existed.then_some(&state);
    let registry = registry_for(&rt, &tree, &root_vars, prior)?;
    let req = PlanRequest {
        dir: a.dir.clone(),
        root_vars,
        workspace: crate::state::workdir::workspace(&a.dir),
        destroy: false,
        refresh_only: false,
        refresh: false,
        replace: Vec::new(),
        targets: Vec::new(),
        parallelism: 10,
    };
    let outcome = rt.block_on(make_plan(&req, &tree, load_diags, prior, &registry));
    let errors: Vec<Diagnostic> = outcome
        .diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    let plan = outcome.plan.filter(|_| errors.is_empty()).ok_or(errors)?;
    let change = plan
        .changes
        .iter()
        .find(|c| c.address == a.address)
        .ok_or_else(|| {
            vec![Diagnostic::plain(
                "No such instance",
                format!(
                    "{} is not a resource instance of the configuration.",
                    a.address
                ),
            )]
        })?;
    let planned = change.after.as_ref().and_then(|v| {
        v.unmark_deep()
            .0
            .attributes()
            .and_then(|o| o.get("user_data").cloned())
    });
    let Some(planned) = planned else {
        return Err(vec![Diagnostic::plain(
            "No user data",
            format!("{} has no user_data attribute.", a.address),
        )]);
    };
    if let Some(text) = planned.as_str() {
        return decode(&a.address, text).map_err(|d| vec![d]);
    }
    if planned.is_known() {
        return Err(vec![Diagnostic::plain(
            "No user data",
            format!("{} has no user data.", a.address),
        )]);
    }
    // Known only after apply: show what the object has now, if the state knows.
    let stored = state.find(&a.address).and_then(|(_, inst)| {
        inst.attributes
            .get("user_data")
            .and_then(|v| v.as_str())
            .map(str::to_string)
    });
    match stored {
        Some(text) => {
            eprintln!(
                "{}: the planned user data is known only after apply; this is the user data the object has now (from state).",
                a.address
            );
            decode(&a.address, &text).map_err(|d| vec![d])
        }
        None => Err(vec![Diagnostic::plain(
            "User data known only after apply",
            format!(
                "{}: the user data depends on values known only after apply, and the state has none yet. Apply first, or render with those values set.",
                a.address
            ),
        )]),
    }
}

/// base64 (if it is), then gzip (if it is), then text.
fn decode(address: &str, text: &str) -> Result<String, Diagnostic> {
    if crate::provider::aws::user_data::is_user_data_hash(text) {
        return Err(Diagnostic::plain(
            "Only a hash is stored",
            format!(
                "{address}: state keeps only the SHA-1 of this user data, as Terraform does; change nothing and render from the configuration, or read it from the instance."
            ),
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap_or_else(|_| text.as_bytes().to_vec());
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .map_err(|e| Diagnostic::plain("Invalid gzip user data", format!("{address}: {e}")))?;
        out
    } else {
        bytes
    };
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
