//! `infra docs [DIR]`: a module's inputs and outputs as Markdown tables, from its `variable` and
//! `output` blocks (type, default as written, description, sensitivity). `--write FILE` puts
//! them between `<!-- BEGIN_INFRA_DOCS -->` and `<!-- END_INFRA_DOCS -->` in FILE (appended when
//! the markers are missing); `--check FILE` exits 1 when FILE is out of date, so a test or CI
//! keeps a module's README true to its code.

use super::Ui;
use crate::config::Module;
use crate::diag::Diagnostic;
use clap::Args;
use std::path::PathBuf;

const BEGIN: &str = "<!-- BEGIN_INFRA_DOCS -->";
const END: &str = "<!-- END_INFRA_DOCS -->";

#[derive(Args)]
pub struct DocsArgs {
    /// The module directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Write the tables into this file, between the markers.
    #[arg(long, value_name = "FILE", conflicts_with = "check")]
    write: Option<PathBuf>,
    /// Exit 1 when this file's tables differ from the module's.
    #[arg(long, value_name = "FILE")]
    check: Option<PathBuf>,
}

pub fn run(ui: &Ui, a: DocsArgs) -> i32 {
    let module = match crate::config::load::load_module(&a.dir) {
        Ok(m) => m,
        Err(d) => {
            ui.print_diagnostics(&d);
            return 1;
        }
    };
    let tables = tables(&module);
    let Some(file) = a.write.as_ref().or(a.check.as_ref()) else {
        print!("{tables}");
        return 0;
    };
    let current = std::fs::read_to_string(file).unwrap_or_default();
    let updated = splice(&current, &tables);
    if a.check.is_some() {
        if updated == current {
            return 0;
        }
        ui.print_diagnostics(&[Diagnostic::plain(
            "Module documentation out of date",
            format!(
                "{} does not match the variables and outputs of {}: run infra docs {} --write {}.",
                file.display(),
                a.dir.display(),
                a.dir.display(),
                file.display()
            ),
        )]);
        return 1;
    }
    match std::fs::write(file, updated) {
        Ok(()) => 0,
        Err(e) => {
            ui.print_diagnostics(&[Diagnostic::plain(
                "Failed to write documentation",
                format!("{}: {e}", file.display()),
            )]);
            1
        }
    }
}

/// `text` with the marked section replaced by `tables` (appended when there is none).
fn splice(text: &str, tables: &str) -> String {
    let block = format!("{BEGIN}\n{tables}{END}\n");
    match (text.find(BEGIN), text.find(END)) {
        (Some(b), Some(e)) if b < e => {
            let after = &text[e + END.len()..];
            format!(
                "{}{block}{}",
                &text[..b],
                after.strip_prefix('\n').unwrap_or(after)
            )
        }
        _ if text.is_empty() => block,
        _ => format!(
            "{}\n{block}",
            text.trim_end_matches('\n').to_string() + "\n"
        ),
    }
}

/// The text an expression was written as.
fn written(span: crate::syntax::Span) -> String {
    crate::syntax::span::file(span.file)
        .and_then(|f| {
            f.text
                .get(span.start as usize..span.end as usize)
                .map(str::to_string)
        })
        .unwrap_or_default()
}

/// One table cell: one line, pipes escaped.
fn cell(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

fn tables(m: &Module) -> String {
    let mut out = String::from("## Inputs\n\n");
    if m.variables.is_empty() {
        out.push_str("None.\n");
    } else {
        out.push_str("| name | type | default | description |\n|---|---|---|---|\n");
        for v in m.variables.values() {
            let default = match &v.default {
                Some(e) => format!("`{}`", cell(&written(e.span))),
                None => "required".to_string(),
            };
            let mut description = cell(v.description.as_deref().unwrap_or(""));
            if v.sensitive {
                description = format!("(sensitive) {description}").trim_end().to_string();
            }
            out.push_str(&format!(
                "| `{}` | `{}` | {default} | {description} |\n",
                v.name,
                cell(&v.constraint.ty.to_string())
            ));
        }
    }
    out.push_str("\n## Outputs\n\n");
    if m.outputs.is_empty() {
        out.push_str("None.\n");
    } else {
        out.push_str("| name | description |\n|---|---|\n");
        for o in m.outputs.values() {
            let mut description = cell(o.description.as_deref().unwrap_or(""));
            if o.sensitive {
                description = format!("(sensitive) {description}").trim_end().to_string();
            }
            out.push_str(&format!("| `{}` | {description} |\n", o.name));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marked_section_is_replaced_and_the_rest_kept() {
        let text = format!("# m\n\nintro\n\n{BEGIN}\nold\n{END}\n\nafter\n");
        let out = splice(&text, "new\n");
        assert_eq!(
            out,
            format!("# m\n\nintro\n\n{BEGIN}\nnew\n{END}\n\nafter\n")
        );
        assert_eq!(splice(&out, "new\n"), out);
        let appended = splice("# m\n", "t\n");
        assert_eq!(appended, format!("# m\n\n{BEGIN}\nt\n{END}\n"));
    }
}
