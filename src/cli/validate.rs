//! `infra validate [DIR]`: load and evaluate everything, report every problem, exit 0 or 1.

use super::{Ui, VarFlags};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct ValidateArgs {
    /// The root module directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Print the result as JSON, in the shape of `terraform validate -json`.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    vars: VarFlags,
}

pub fn run(ui: &Ui, a: ValidateArgs, raw: &[String]) -> i32 {
    let Some(mut result) = a.vars.evaluate_root(ui, &a.dir, raw, |o| {
        o.require_root_vars = false;
        o.validate_only = true;
    }) else {
        return 1;
    };
    // Every block against its type's schema: built in, so offline and exact.
    if let (Some(tree), _) = crate::graph::ModuleTree::load(&a.dir)
        && let Ok(rt) = super::engine::runtime()
    {
        let registry = rt.block_on(crate::run::providers::offline(&tree));
        result
            .diagnostics
            .extend(crate::plan::schema_check::check(&tree, &registry));
    }
    let errors = result.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = result.diagnostics.len() - errors;
    if a.json {
        let out = serde_json::json!({
            "format_version": "1.0",
            "valid": errors == 0,
            "error_count": errors,
            "warning_count": warnings,
            "diagnostics": result.diagnostics.iter().map(|d| d.to_json()).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        ui.print_diagnostics(&result.diagnostics);
        if errors == 0 {
            let n = result.resource_instances;
            println!(
                "Success! The configuration is valid ({n} resource instance{} checked).",
                if n == 1 { "" } else { "s" }
            );
        }
    }
    if errors == 0 { 0 } else { 1 }
}
