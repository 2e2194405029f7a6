//! `infra console [DIR]`: evaluate expressions read from standard input, one per line, in the
//! root module's scope, printing each result as Terraform's console does.

use super::{Ui, VarFlags};
use crate::diag::Diagnostic;
use crate::evaluate::{Instance, InstanceScope};
use crate::lang::Evaluator;
use crate::lang::display::render_value;
use crate::syntax;
use clap::Args;
use std::io::BufRead;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct ConsoleArgs {
    /// The root module directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    #[command(flatten)]
    vars: VarFlags,
}

pub fn run(ui: &Ui, a: ConsoleArgs, raw: &[String]) -> i32 {
    let Some(result) = a
        .vars
        .evaluate_root(ui, &a.dir, raw, |o| o.require_root_vars = false)
    else {
        return 1;
    };
    let errors: Vec<Diagnostic> = result
        .diagnostics
        .into_iter()
        .filter(|d| d.is_error())
        .collect();
    if !errors.is_empty() {
        ui.print_diagnostics(&errors);
        return 1;
    }
    let fallback = Instance::default();
    let root = result.world.root().unwrap_or(&fallback);
    let scope = InstanceScope::new(&result.world, root);
    let mut status = 0;
    for (n, line) in std::io::stdin().lock().lines().enumerate() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let id = syntax::span::add_file(Path::new(&format!("<console input {}>", n + 1)), &line);
        let expr = match syntax::parse_expression(id, &line) {
            Ok(e) => e,
            Err(e) => {
                ui.print_diagnostics(&[Diagnostic::error("Invalid expression", e.message, e.span)]);
                status = 1;
                continue;
            }
        };
        let mut ev = Evaluator::new(&scope, std::env::current_dir().unwrap_or_default());
        match ev.eval(&expr) {
            Ok(v) => println!("{}", render_value(&v, 0)),
            Err(d) => {
                ui.print_diagnostics(&[d]);
                status = 1;
            }
        }
    }
    status
}
