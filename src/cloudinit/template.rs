//! Rendering a minijinja template with values from the configuration. Strict: an undefined
//! variable is an error naming it (a node that boots with an empty cluster name is worse than a
//! plan that fails). No auto-escaping: YAML and JSON templates would otherwise get their values
//! JSON-encoded twice. `trim_blocks` and `lstrip_blocks` keep `{% if %}` lines out of the YAML.

use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior, Value};
use std::path::Path;

/// Renders the template file at `path` with `vars` (a JSON object).
pub fn render_template(path: &Path, vars: &serde_json::Value) -> Result<String, String> {
    let source = crate::sources::read_to_string(path)
        .map_err(|e| format!("cannot read template {}: {e}", path.display()))?;
    render_source(&path.display().to_string(), &source, vars)
}

/// Renders template text; `name` is what errors call it.
pub fn render_source(name: &str, source: &str, vars: &serde_json::Value) -> Result<String, String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .map_err(|e| describe(&e))?,
    );
    env.set_debug(true);
    env.add_filter("to_json", to_json);
    env.add_filter("to_yaml", to_yaml);
    env.add_filter("b64encode", b64encode);
    env.add_filter("quote", quote);
    env.add_template(name, source).map_err(|e| describe(&e))?;
    let t = env.get_template(name).map_err(|e| describe(&e))?;
    t.render(from_json(vars)).map_err(|e| describe(&e))
}

/// A template value from JSON, built by hand: serde_json's arbitrary-precision numbers would
/// otherwise arrive as a private wrapper object instead of numbers.
fn from_json(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::from(()),
        serde_json::Value::Bool(b) => Value::from(*b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::from(i),
            (None, Some(u)) => Value::from(u),
            _ => Value::from(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(a) => Value::from(a.iter().map(from_json).collect::<Vec<_>>()),
        serde_json::Value::Object(o) => Value::from(
            o.iter()
                .map(|(k, v)| (k.clone(), from_json(v)))
                .collect::<std::collections::BTreeMap<_, _>>(),
        ),
    }
}

/// The error with its line, and the chain of causes (an undefined name, a bad filter argument).
fn describe(e: &Error) -> String {
    let mut s = match e.line() {
        Some(line) => format!(
            "{} line {line}: {}",
            e.name().unwrap_or("template"),
            e.kind()
        ),
        None => e.kind().to_string(),
    };
    if let Some(d) = e.detail() {
        s.push_str(": ");
        s.push_str(d);
    }
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        s.push_str(&format!(" ({inner})"));
        source = inner.source();
    }
    s
}

fn to_json(v: Value) -> Result<String, Error> {
    serde_json::to_string(&v).map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))
}

/// YAML as Terraform's `yamlencode` writes it, so a value reads back the same in cloud-init.
fn to_yaml(v: Value) -> Result<String, Error> {
    let j = serde_json::to_value(&v)
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
    Ok(crate::lang::functions::yaml::encode(
        &crate::lang::value::Value::from_json(&j),
    ))
}

fn b64encode(s: String) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s.as_bytes())
}

/// A double-quoted scalar, valid in YAML and JSON whatever the string holds.
fn quote(v: Value) -> Result<String, Error> {
    let s = match v.as_str() {
        Some(s) => s.to_string(),
        None => v.to_string(),
    };
    serde_json::to_string(&s).map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::render_source;
    use serde_json::json;

    #[test]
    fn renders_with_filters_and_no_escaping() {
        let out = render_source(
            "t.yaml.j2",
            "#cloud-config\nname: {{ name | quote }}\nmeta: {{ meta | to_json }}\n{% if on %}\nflag: true\n{% endif %}\nenc: {{ 'a<b' | b64encode }}\n",
            &json!({"name": "a \"b\"", "meta": {"k": [1, 2]}, "on": true}),
        )
        .unwrap();
        assert_eq!(
            out,
            "#cloud-config\nname: \"a \\\"b\\\"\"\nmeta: {\"k\":[1,2]}\nflag: true\nenc: YTxi\n"
        );
    }

    #[test]
    fn an_undefined_variable_is_an_error_naming_it_and_the_line() {
        let err = render_source(
            "t.j2",
            "a: 1\nb: {{ cluster_nmae }}\n",
            &json!({"cluster_name": "x"}),
        )
        .unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("undefined"), "{err}");
    }

    #[test]
    fn to_yaml_writes_terraform_yamlencode() {
        let out =
            render_source("t.j2", "{{ v | to_yaml }}", &json!({"v": {"b": [1, "x"]}})).unwrap();
        assert_eq!(out, "\"b\":\n- 1\n- \"x\"\n");
    }
}
