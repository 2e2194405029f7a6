//! Values written as HCL for people, the way Terraform's console, outputs and plans show them.

use crate::lang::escape;
use crate::lang::value::Value;

/// A string as HCL source writes it: quoted, with template sequences escaped (`$${`), as the
/// console and outputs show strings.
fn quote(s: &str) -> String {
    quoted(s).replace("${", "$${").replace("%{", "%%{")
}

/// A string quoted as Terraform's plan shows it.
pub fn quoted(s: &str) -> String {
    escape::quoted(s, escape::Style::Plan)
}

pub fn render_value(v: &Value, indent: usize) -> String {
    let pad = "  ".repeat(indent + 1);
    let end = "  ".repeat(indent);
    let seq = |items: &[Value]| -> String {
        if items.is_empty() {
            return "[]".into();
        }
        let mut s = String::from("[\n");
        for i in items {
            s.push_str(&format!("{pad}{},\n", render_value(i, indent + 1)));
        }
        s.push_str(&format!("{end}]"));
        s
    };
    let obj = |attrs: &crate::lang::value::Attrs| -> String {
        if attrs.is_empty() {
            return "{}".into();
        }
        let width = attrs
            .keys()
            .map(|k| {
                if crate::syntax::is_identifier(k) {
                    k.len()
                } else {
                    quote(k).len()
                }
            })
            .max()
            .unwrap_or(0);
        let mut s = String::from("{\n");
        for (k, x) in attrs.iter() {
            let key = if crate::syntax::is_identifier(k) {
                k.clone()
            } else {
                quote(k)
            };
            s.push_str(&format!(
                "{pad}{key:<width$} = {}\n",
                render_value(x, indent + 1)
            ));
        }
        s.push_str(&format!("{end}}}"));
        s
    };
    match v {
        Value::Sensitive(_) => "(sensitive value)".into(),
        Value::Unknown(_) => "(known after apply)".into(),
        Value::Null(_) => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_text(),
        Value::String(s) => {
            if s.contains('\n') && s.len() > 1 {
                let body = s.strip_suffix('\n').unwrap_or(s);
                let lines: Vec<String> = body.lines().map(|l| format!("{pad}{l}")).collect();
                format!("<<-EOT\n{}\n{end}EOT", lines.join("\n"))
            } else {
                quote(s)
            }
        }
        Value::Tuple(items) => seq(items),
        Value::List(_, items) => format!("tolist({})", seq(items)),
        Value::Set(_, items) => format!("toset({})", seq(items)),
        Value::Object(attrs) => obj(attrs),
        Value::Map(_, attrs) => format!("tomap({})", obj(attrs)),
    }
}
