//! `infra eval [DIR]`: evaluate the configuration and print the root outputs known before
//! apply. `--json` prints the shape of `terraform output -json`.

use super::{Ui, VarFlags};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct EvalArgs {
    /// The root module directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Print outputs as JSON: name -> {value, type, sensitive}.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    vars: VarFlags,
}

pub fn run(ui: &Ui, a: EvalArgs, raw: &[String]) -> i32 {
    let Some(result) = a.vars.evaluate_root(ui, &a.dir, raw, |_| ()) else {
        return 1;
    };
    ui.print_diagnostics(&result.diagnostics);
    if result.diagnostics.iter().any(|d| d.is_error()) {
        return 1;
    }
    if a.json {
        let mut map = serde_json::Map::new();
        for (name, o) in &result.outputs {
            let (v, _) = o.value.unmark_deep();
            // Terraform leaves null outputs out; unknown ones are not known yet.
            if v.is_null() || !v.is_wholly_known() {
                continue;
            }
            map.insert(name.clone(), serde_json::json!({ "sensitive": o.sensitive, "type": v.ty().to_json(), "value": v.to_json() }));
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::Value::Object(map)).unwrap_or_default()
        );
    } else {
        for (name, o) in &result.outputs {
            if o.value.is_null() {
                continue;
            }
            super::print_output(name, &o.value, o.sensitive);
        }
    }
    0
}
