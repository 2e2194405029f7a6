//! Where root variable values come from, gathered with Terraform's precedence (later wins):
//! `TF_VAR_name` environment variables, `terraform.tfvars`, `terraform.tfvars.json`,
//! `*.auto.tfvars(.json)` in name order, then `-var` and `-var-file` in command-line order.

use crate::diag::Diagnostic;
use crate::syntax::{self, Expr};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One `-var` or `-var-file` flag, in the order given.
#[derive(Debug, Clone)]
pub enum VarArg {
    Var(String),
    File(PathBuf),
}

/// A value before it meets the variable's type.
#[derive(Debug, Clone)]
pub enum RawValue {
    /// From a `.tfvars` file or a non-string `-var`: an expression to evaluate.
    Expr(Expr),
    /// From the environment or `-var`: literal text, parsed only if the type is not a string.
    Text {
        text: String,
        origin: String,
    },
    Json(serde_json::Value),
    /// Already a value (from a saved plan).
    Value(crate::lang::value::Value),
}

pub fn collect(dir: &Path, args: &[VarArg]) -> Result<BTreeMap<String, RawValue>, Vec<Diagnostic>> {
    let mut out = BTreeMap::new();
    let mut diags = Vec::new();
    let mut env: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("TF_VAR_"))
        .collect();
    env.sort();
    for (k, v) in env {
        let name = k.trim_start_matches("TF_VAR_").to_string();
        out.insert(
            name,
            RawValue::Text {
                text: v,
                origin: format!("environment variable {k}"),
            },
        );
    }
    let mut files = Vec::new();
    for name in ["terraform.tfvars", "terraform.tfvars.json"] {
        let p = dir.join(name);
        if p.is_file() {
            files.push(p);
        }
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        let mut auto: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                let n = p
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json")
            })
            .collect();
        auto.sort();
        files.extend(auto);
    }
    for f in files {
        read_file(&f, &mut out, &mut diags);
    }
    for a in args {
        match a {
            VarArg::File(p) => read_file(p, &mut out, &mut diags),
            VarArg::Var(s) => match s.split_once('=') {
                Some((k, v)) if !k.is_empty() => {
                    out.insert(k.trim().to_string(), RawValue::Text { text: v.to_string(), origin: format!("-var {k}") });
                }
                _ => diags.push(Diagnostic::plain(
                    "Invalid -var option",
                    format!("The given -var option {s:?} is not correctly specified. It must be a variable name and value separated by an equals sign, like -var=\"key=value\"."),
                )),
            },
        }
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

fn read_file(path: &Path, out: &mut BTreeMap<String, RawValue>, diags: &mut Vec<Diagnostic>) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            diags.push(Diagnostic::plain(
                "Failed to read variables file",
                format!(
                    "Given variables file {} does not exist or cannot be read: {e}.",
                    path.display()
                ),
            ));
            return;
        }
    };
    if path.extension().is_some_and(|e| e == "json") {
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Object(map)) => {
                for (k, v) in map {
                    out.insert(k, RawValue::Json(v));
                }
            }
            Ok(_) => diags.push(Diagnostic::plain(
                "Invalid variables file",
                format!(
                    "{}: the root of a JSON variables file must be an object.",
                    path.display()
                ),
            )),
            Err(e) => diags.push(Diagnostic::plain(
                "Invalid variables file",
                format!("{}: {e}", path.display()),
            )),
        }
        return;
    }
    let id = syntax::span::add_file(path, &text);
    match syntax::parse_body(id, &text) {
        Ok(body) => {
            for b in &body.blocks {
                diags.push(Diagnostic::error("Unexpected block", "Blocks are not allowed in a variables file: it holds only name = value assignments.", b.kind_span));
            }
            for a in body.attributes {
                out.insert(a.name, RawValue::Expr(a.expr));
            }
        }
        Err(e) => diags.push(Diagnostic::error("Invalid syntax", e.message, e.span)),
    }
}
