//! Plans for people, the way Terraform shows them: a symbol per action, attribute-level diffs,
//! `# forces replacement`, `(known after apply)`, `(sensitive value)`, and the summary line.
//! Colour only when asked for.

pub mod diff;

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
    match &c.deposed {
        Some(k) => format!("  # {} (deposed object {k}) {what}", c.address),
        None => format!("  # {} {what}", c.address),
    }
}

fn resource_block(c: &ResourceChange, style: &Style) -> String {
    let (sym, code) = symbol(c.action);
    let d = diff::resource(
        c.before.as_ref(),
        c.after.as_ref(),
        &c.layout,
        &c.replace_paths,
    );
    format!(
        "{}\n{} resource {:?} {:?} {}\n",
        headline(c),
        style.paint(code, sym),
        c.type_name,
        c.name,
        d.render(
            0,
            diff::Opts {
                color: style.color,
                no_null_suffix: false,
                show_unchanged: false,
            }
        )
    )
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
    if !plan.rollouts.is_empty() {
        out.push_str("infra will roll these groups onto what they launch from:\n\n");
        for r in &plan.rollouts {
            out.push_str(&format!(
                "  {} {}\n",
                style.paint("33", "~"),
                crate::plan::rollouts::describe(r)
            ));
        }
        out.push('\n');
    }
    let (add, change, destroy) = plan.counts();
    let bake = match plan.images_to_bake() {
        0 => String::new(),
        1 => "1 image to bake, ".to_string(),
        n => format!("{n} images to bake, "),
    };
    let roll = match plan.rollouts.len() {
        0 => String::new(),
        1 => "1 group to roll, ".to_string(),
        n => format!("{n} groups to roll, "),
    };
    out.push_str(&format!(
        "{} {bake}{roll}{add} to add, {change} to change, {destroy} to destroy.\n",
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
            let mark = |v: &Option<Value>| v.clone().map(|v| v.mark_if(o.sensitive));
            let (before, after) = (mark(&o.before), mark(&o.after));
            let d = diff::value(before.as_ref(), after.as_ref());
            let text = d.render(
                0,
                diff::Opts {
                    color: style.color,
                    no_null_suffix: false,
                    show_unchanged: false,
                },
            );
            out.push_str(&format!(
                "  {} {name:<width$} = {text}\n",
                style.paint(code, sym.trim_start())
            ));
        }
    }
    out
}
