//! Plans for people, the way Terraform shows them: a symbol per action, attribute-level diffs,
//! `# forces replacement`, `(known after apply)`, `(sensitive value)`, and the summary line.
//! Colour only when asked for.

use super::model::{Action, Plan, ResourceChange};
use crate::lang::value::Value;

pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

fn symbol(a: Action) -> (&'static str, &'static str) {
    match a {
        Action::Create => ("  +", "32"),
        Action::Update => ("  ~", "33"),
        Action::Delete => ("  -", "31"),
        Action::DeleteThenCreate => ("-/+", "31"),
        Action::CreateThenDelete => ("+/-", "32"),
        Action::Read => (" <=", "36"),
        Action::NoOp => ("   ", "0"),
    }
}

fn headline(c: &ResourceChange) -> String {
    let what = match c.action {
        Action::Create => "will be created".to_string(),
        Action::Update => "will be updated in-place".to_string(),
        Action::Delete if c.reason.as_deref() == Some("orphan") => {
            "will be destroyed\n  # (because it is no longer in the configuration)".to_string()
        }
        Action::Delete => "will be destroyed".to_string(),
        Action::DeleteThenCreate | Action::CreateThenDelete => match c.reason.as_deref() {
            Some("tainted") => "is tainted, so it must be replaced".to_string(),
            Some("requested") => "will be replaced, as requested".to_string(),
            Some("replace_triggered_by") => {
                "will be replaced due to changes in replace_triggered_by".to_string()
            }
            _ => "must be replaced".to_string(),
        },
        Action::Read => "will be read during apply".to_string(),
        Action::NoOp => "is unchanged".to_string(),
    };
    format!("  # {} {what}", c.address)
}

/// A value as Terraform's plan prints it.
pub fn value_text(v: &Value, indent: usize) -> String {
    match v {
        Value::Sensitive(_) => "(sensitive value)".into(),
        Value::Unknown(_) => "(known after apply)".into(),
        other => crate::lang::display::render_value(other, indent),
    }
}

fn attr(v: &Option<Value>, name: &str) -> Option<Value> {
    v.as_ref()
        .and_then(|v| v.unmark().0.attributes().and_then(|a| a.get(name).cloned()))
}

fn resource_block(c: &ResourceChange, style: &Style) -> String {
    let (sym, code) = symbol(c.action);
    let mut out = format!(
        "{}\n{} resource {:?} {:?} {{\n",
        headline(c),
        style.paint(code, sym),
        c.type_name,
        c.name
    );
    let mut names: Vec<String> = Vec::new();
    for v in [&c.before, &c.after].into_iter().flatten() {
        if let Some(attrs) = v.unmark().0.attributes() {
            for k in attrs.keys() {
                if !names.contains(k) {
                    names.push(k.clone());
                }
            }
        }
    }
    names.sort();
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let mut hidden = 0;
    for name in &names {
        let before = attr(&c.before, name);
        let after = attr(&c.after, name);
        let b_null = before.as_ref().is_none_or(Value::is_null);
        let a_null = after.as_ref().is_none_or(Value::is_null);
        let forces = c.replace_paths.contains(name);
        let row = match c.action {
            Action::Create => {
                if a_null {
                    continue;
                }
                (
                    "+".to_string(),
                    value_text(after.as_ref().unwrap_or(&Value::null()), 4),
                    String::new(),
                )
            }
            Action::Delete => {
                if b_null {
                    continue;
                }
                (
                    "-".to_string(),
                    format!(
                        "{} -> null",
                        value_text(before.as_ref().unwrap_or(&Value::null()), 4)
                    ),
                    String::new(),
                )
            }
            _ => {
                let same = match (&before, &after) {
                    (Some(b), Some(a)) => b.is_wholly_known() && a.is_wholly_known() && b == a,
                    (None, None) => true,
                    _ => false,
                };
                if same || (b_null && a_null) {
                    hidden += 1;
                    continue;
                }
                let b = before.unwrap_or_else(Value::null);
                let a = after.unwrap_or_else(Value::null);
                let (sym, text) = if b_null {
                    ("+", value_text(&a, 4))
                } else if a_null {
                    ("-", format!("{} -> null", value_text(&b, 4)))
                } else {
                    (
                        "~",
                        format!("{} -> {}", value_text(&b, 4), value_text(&a, 4)),
                    )
                };
                (
                    sym.to_string(),
                    text,
                    if forces {
                        " # forces replacement".to_string()
                    } else {
                        String::new()
                    },
                )
            }
        };
        rows.push((row.0, name.clone(), format!("{}{}", row.1, row.2)));
    }
    let width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
    for (sym, name, text) in rows {
        let code = match sym.as_str() {
            "+" => "32",
            "-" => "31",
            _ => "33",
        };
        out.push_str(&format!(
            "      {} {name:<width$} = {text}\n",
            style.paint(code, &sym)
        ));
    }
    if hidden > 0 {
        out.push_str(&format!(
            "        # ({hidden} unchanged attribute{} hidden)\n",
            if hidden == 1 { "" } else { "s" }
        ));
    }
    out.push_str("    }\n");
    out
}

/// A refresh-only plan: what changed outside infra, nothing infra will do about it.
fn render_refresh_only(plan: &Plan, style: &Style) -> String {
    if plan.drift.is_empty() {
        return "\nNo changes. Your infrastructure still matches the state.\n".into();
    }
    let mut out = String::from(
        "\nNote: Objects have changed outside of infra\n\ninfra detected the following changes made outside of infra since the last apply:\n\n",
    );
    for c in &plan.drift {
        let block = resource_block(c, style);
        // The headline says what happened, not what infra will do.
        let verb = if c.action == Action::Delete {
            "has been deleted"
        } else {
            "has changed"
        };
        let mut lines = block.lines();
        lines.next();
        out.push_str(&format!("  # {} {verb}\n", c.address));
        for l in lines {
            out.push_str(l);
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "This is a refresh-only plan, so infra will not take any actions to undo these. If you were expecting these changes then you can apply this plan to record the updated values in the infra state without changing any remote objects.\n\nPlan: {} object(s) changed outside of infra.\n",
        plan.drift.len()
    ));
    out
}

pub fn render(plan: &Plan, style: &Style) -> String {
    if plan.refresh_only {
        return render_refresh_only(plan, style);
    }
    let mut out = String::new();
    let shown: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| !matches!(c.action, Action::NoOp | Action::Read))
        .collect();
    if !plan.has_changes() {
        out.push_str("\nNo changes. Your infrastructure matches the configuration.\n");
        return out;
    }
    if !shown.is_empty() {
        out.push_str("\ninfra will perform the following actions:\n\n");
        let mut sorted = shown.clone();
        sorted.sort_by(|a, b| a.address.cmp(&b.address));
        for c in sorted {
            out.push_str(&resource_block(c, style));
            out.push('\n');
        }
    }
    for i in plan.images.iter().filter(|i| i.bake) {
        match i.fingerprint.is_empty() {
            true => out.push_str(&format!(
                "  # {} will be baked: {} from a source known after apply\n",
                i.address, i.ami_name
            )),
            false => out.push_str(&format!(
                "  # {} will be baked: {} from {} (fingerprint {})\n",
                i.address,
                i.ami_name,
                i.source_ami,
                &i.fingerprint[..12.min(i.fingerprint.len())]
            )),
        }
    }
    if plan.images_to_bake() > 0 {
        out.push('\n');
    }
    for (from, to) in &plan.moved {
        out.push_str(&format!("  # {from} has moved to {to}\n"));
    }
    if !plan.moved.is_empty() {
        out.push('\n');
    }
    let (add, change, destroy) = plan.counts();
    let bake = match plan.images_to_bake() {
        0 => String::new(),
        1 => "1 image to bake, ".to_string(),
        n => format!("{n} images to bake, "),
    };
    out.push_str(&format!(
        "{} {bake}{add} to add, {change} to change, {destroy} to destroy.\n",
        style.paint("1", "Plan:")
    ));
    let outputs: Vec<_> = plan
        .outputs
        .iter()
        .filter(|(_, o)| o.action != Action::NoOp)
        .collect();
    if !outputs.is_empty() {
        out.push_str("\nChanges to Outputs:\n");
        let width = outputs.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
        for (name, o) in outputs {
            let (sym, code) = symbol(o.action);
            let show = |v: &Option<Value>| match v {
                _ if o.sensitive => "(sensitive value)".to_string(),
                Some(v) => value_text(v, 1),
                None => "null".to_string(),
            };
            let text = match o.action {
                Action::Create => show(&o.after),
                Action::Delete => format!("{} -> null", show(&o.before)),
                _ => format!("{} -> {}", show(&o.before), show(&o.after)),
            };
            out.push_str(&format!(
                "  {} {name:<width$} = {text}\n",
                style.paint(code, sym.trim_start())
            ));
        }
    }
    out
}
