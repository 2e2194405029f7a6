//! Data sources that need no provider and are read while evaluating: the retired
//! `template_file` (rendered with `templatefile` semantics), so old configurations keep working.

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
    if mode != Mode::Data || type_name != "template_file" {
        return None;
    }
    Some(template_file(name, config, span, base_dir))
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
    if !template.is_wholly_known() || !vars.is_wholly_known() {
        return Ok(Value::Unknown(Type::Dynamic));
    }
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
