//! `infra fmt`: rewrite `.tf` and `.tfvars` files to the canonical layout, like `terraform fmt`.

use super::Ui;
use crate::diag::Diagnostic;
use clap::Args;
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct FmtArgs {
    /// Files or directories to format; `-` reads standard input and writes standard output.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Check only: list files that are not formatted and exit 3 if there are any.
    #[arg(long)]
    check: bool,
    /// Print the changes as a unified diff.
    #[arg(long)]
    diff: bool,
    /// Also process subdirectories.
    #[arg(long)]
    recursive: bool,
    /// Do not list the files that were changed.
    #[arg(long = "list", default_value_t = true, action = clap::ArgAction::Set)]
    list: bool,
}

fn is_config(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    name.ends_with(".tf") || name.ends_with(".tfvars")
}

fn collect(path: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for e in entries {
        let hidden = e
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if e.is_dir() && recursive && !hidden {
            collect(&e, recursive, out)?;
        } else if e.is_file() && is_config(&e) {
            out.push(e);
        }
    }
    Ok(())
}

pub fn run(ui: &Ui, a: FmtArgs) -> i32 {
    if a.paths.len() == 1 && a.paths[0] == Path::new("-") {
        let mut src = String::new();
        if std::io::stdin().read_to_string(&mut src).is_err() {
            return 1;
        }
        return match crate::fmt::format_source(&src) {
            Ok(f) => {
                print!("{f}");
                if a.check && f != src { 3 } else { 0 }
            }
            Err(e) => {
                ui.print_diagnostics(&[Diagnostic::plain(
                    "Invalid syntax",
                    format!("<stdin>: {e}"),
                )]);
                2
            }
        };
    }
    let mut files = Vec::new();
    for p in &a.paths {
        if let Err(e) = collect(p, a.recursive, &mut files) {
            ui.print_diagnostics(&[Diagnostic::plain(
                "Failed to read path",
                format!("{}: {e}", p.display()),
            )]);
            return 2;
        }
    }
    let mut unformatted = false;
    let mut failed = false;
    for f in files {
        let Ok(src) = std::fs::read_to_string(&f) else {
            ui.print_diagnostics(&[Diagnostic::plain(
                "Failed to read file",
                f.display().to_string(),
            )]);
            failed = true;
            continue;
        };
        let formatted = match crate::fmt::format_source(&src) {
            Ok(x) => x,
            Err(e) => {
                ui.print_diagnostics(&[Diagnostic::plain(
                    "Invalid syntax",
                    format!("{}: {e}", f.display()),
                )]);
                failed = true;
                continue;
            }
        };
        if formatted == src {
            continue;
        }
        unformatted = true;
        if a.list {
            println!("{}", f.display());
        }
        if a.diff {
            let name = f.display().to_string();
            let diff = similar::TextDiff::from_lines(&src, &formatted);
            print!(
                "{}",
                diff.unified_diff()
                    .header(&format!("old/{name}"), &format!("new/{name}"))
            );
        }
        if !a.check
            && let Err(e) = std::fs::write(&f, &formatted)
        {
            ui.print_diagnostics(&[Diagnostic::plain(
                "Failed to write file",
                format!("{}: {e}", f.display()),
            )]);
            failed = true;
        }
    }
    if failed {
        2
    } else if a.check && unformatted {
        3
    } else {
        0
    }
}
