//! Data sources that need no provider and are read while evaluating: the retired
//! `template_file` (rendered with `templatefile` semantics), so old configurations keep working;
//! Terraform's `cloudinit_config` (and its retired name `template_cloudinit_config`); and
//! `infra_template`, a minijinja template from `templates/` rendered with values from the graph.

use crate::config::Mode;
use crate::diag::{DiagResult, Diagnostic};
use crate::lang::types::Type;
use crate::lang::value::{Attrs, Value};
use crate::lang::{Evaluator, MapScope};
use crate::syntax::{self, Span};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The value of a provider-free data source from its evaluated configuration, or `None` for
/// data sources a provider must read.
pub fn read(
    mode: Mode,
    type_name: &str,
    name: &str,
    config: &Value,
    span: Span,
    base_dir: &Path,
) -> Option<DiagResult<Value>> {
    if mode != Mode::Data {
        return None;
    }
    let read = match type_name {
        "template_file" => template_file,
        "cloudinit_config" | "template_cloudinit_config" => cloudinit_config,
        "infra_template" => infra_template,
        _ => return None,
    };
    if !config.is_wholly_known() {
        // Read at apply, when what it is made of is known; `(known after apply)` until then.
        return Some(Ok(Value::Unknown(Type::Dynamic)));
    }
    Some(read(name, config, span, base_dir).map_err(|d| {
        let mut d = d;
        if !d.detail.contains(&format!("data.{type_name}.{name}")) {
            d.detail = format!("data.{type_name}.{name}: {}", d.detail);
        }
        d
    }))
}

fn attr(config: &Value, name: &str) -> Value {
    config
        .unmark()
        .0
        .attributes()
        .and_then(|a| a.get(name).cloned())
        .unwrap_or_else(Value::null)
}

fn bool_attr(config: &Value, name: &str, default: bool) -> bool {
    attr(config, name).unmark().0.as_bool().unwrap_or(default)
}

fn str_attr(v: &Value, name: &str) -> Option<String> {
    attr(v, name)
        .unmark()
        .0
        .as_str()
        .map(str::to_string)
        .filter(|s| !s.is_empty())
}

/// Terraform's `cloudinit_config`: `part` blocks joined as multipart MIME, gzipped and
/// base64-encoded by default.
fn cloudinit_config(
    _name: &str,
    config: &Value,
    span: Span,
    _base_dir: &Path,
) -> DiagResult<Value> {
    let gzip = bool_attr(config, "gzip", true);
    let base64_encode = bool_attr(config, "base64_encode", true);
    let boundary = str_attr(config, "boundary").unwrap_or_else(|| "MIMEBOUNDARY".into());
    let part_values = attr(config, "part");
    let parts: Vec<crate::cloudinit::Part> = part_values
        .unmark()
        .0
        .elements()
        .unwrap_or_default()
        .iter()
        .map(|p| crate::cloudinit::Part {
            content_type: str_attr(p, "content_type").unwrap_or_else(|| "text/plain".into()),
            content: str_attr(p, "content").unwrap_or_default(),
            filename: str_attr(p, "filename"),
            merge_type: str_attr(p, "merge_type"),
        })
        .collect();
    if parts.is_empty() {
        return Err(Diagnostic::error(
            "Missing required block",
            "at least one \"part\" block is required.",
            span,
        ));
    }
    let rendered = crate::cloudinit::render_config(gzip, base64_encode, &boundary, &parts)
        .map_err(|e| Diagnostic::error("Invalid cloudinit_config", e, span))?;
    let mut crc = flate2::Crc::new();
    crc.update(rendered.as_bytes());
    let out: Attrs = [
        ("id".to_string(), Value::string(crc.sum().to_string())),
        ("gzip".to_string(), Value::Bool(gzip)),
        ("base64_encode".to_string(), Value::Bool(base64_encode)),
        ("boundary".to_string(), Value::string(boundary)),
        ("part".to_string(), part_values),
        ("rendered".to_string(), Value::string(rendered)),
    ]
    .into();
    Ok(Value::object(out))
}

/// A minijinja template file rendered with `vars`; the path is relative to the root module.
fn infra_template(_name: &str, config: &Value, span: Span, base_dir: &Path) -> DiagResult<Value> {
    let Some(source) = str_attr(config, "source") else {
        return Err(Diagnostic::error(
            "Missing required argument",
            "the \"source\" argument (the template file) is required.",
            span,
        ));
    };
    let vars = attr(config, "vars");
    let vars_json = if vars.is_null() {
        serde_json::json!({})
    } else {
        vars.unmark_deep().0.to_json()
    };
    let path = base_dir.join(&source);
    let rendered = crate::cloudinit::render_template(&path, &vars_json)
        .map_err(|e| Diagnostic::error("Template rendering failed", e, span))?;
    let id = hex::encode(Sha256::digest(rendered.as_bytes()));
    let sensitive = vars.has_marks();
    let out: Attrs = [
        ("id".to_string(), Value::string(id)),
        ("source".to_string(), Value::string(source)),
        ("vars".to_string(), vars),
        (
            "rendered".to_string(),
            Value::string(rendered).mark_if(sensitive),
        ),
    ]
    .into();
    Ok(Value::object(out))
}

fn template_file(name: &str, config: &Value, span: Span, base_dir: &Path) -> DiagResult<Value> {
    let attrs = config.attributes().cloned().unwrap_or_default();
    let template = attrs
        .get("template")
        .cloned()
        .unwrap_or(Value::Null(Type::String));
    let vars = attrs
        .get("vars")
        .cloned()
        .unwrap_or_else(|| Value::object(Attrs::new()));
    let Some(text) = template.unmark().0.as_str().map(str::to_string) else {
        return Err(Diagnostic::error(
            "Missing required argument",
            format!(
                "data.template_file.{name}: the \"template\" argument is required and must be a string."
            ),
            span,
        ));
    };
    let vars_attrs = vars.unmark().0.attributes().cloned().unwrap_or_default();
    let file = syntax::span::add_file(Path::new(&format!("<data.template_file.{name}>")), &text);
    let expr = syntax::parse_template(file, &text)
        .map_err(|e| Diagnostic::error("Invalid template", e.message, e.span))?;
    let scope = MapScope(vars_attrs.clone());
    let mut ev = Evaluator::new(&scope, base_dir.to_path_buf());
    ev.in_template = true;
    let rendered = ev.eval(&expr)?;
    let rendered = crate::lang::convert::convert(&rendered, &Type::String).map_err(|e| {
        Diagnostic::error(
            "Invalid template result",
            format!("data.template_file.{name}: {e}"),
            span,
        )
    })?;
    let text_out = rendered.unmark().0.as_str().unwrap_or_default().to_string();
    let id = hex::encode(Sha256::digest(text_out.as_bytes()));
    let string_vars: Attrs = vars_attrs
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                crate::lang::convert::convert(v, &Type::String).unwrap_or_else(|_| v.clone()),
            )
        })
        .collect();
    let out: Attrs = [
        ("id".to_string(), Value::string(id)),
        ("rendered".to_string(), rendered),
        ("template".to_string(), template),
        ("vars".to_string(), Value::map(Type::String, string_vars)),
    ]
    .into();
    Ok(Value::object(out))
}
