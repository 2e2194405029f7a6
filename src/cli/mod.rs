//! The command line: flags parsed into requests for the library, results printed, exit codes
//! chosen. Data goes to stdout; diagnostics and progress to stderr. Terraform's single-dash
//! spellings (`-var`, `-json`, `-no-color`) are accepted so CI scripts port by renaming the binary.

mod apply;
mod apply_progress;
mod backend;
mod bake;
mod bake_progress;
mod console;
mod docs;
mod engine;
mod eval;
mod fmt;
mod image_context;
mod images;
mod init;
mod plan;
mod render;
mod state_cmd;
mod validate;
mod workspace;

use crate::config::tfvars::VarArg;
use crate::diag::Diagnostic;
use clap::{Args, Parser, Subcommand};
use std::io::IsTerminal;

#[derive(Parser)]
#[command(
    name = "infra",
    version,
    about = "Declarative infrastructure and machine images, in Terraform's language"
)]
struct Cli {
    /// Switch to this directory before doing anything else (Terraform's -chdir).
    #[arg(long, global = true, value_name = "DIR")]
    chdir: Option<std::path::PathBuf>,
    /// Never colour the output (also when NO_COLOR is set or stderr is not a terminal).
    #[arg(long, global = true)]
    no_color: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Prepare the directory: configure the backend (-backend-config), move state between
    /// backends (-migrate-state), record it all in .infra/.
    Init(init::InitArgs),
    /// Install the modules the configuration calls (git, archives, registries) into .infra/modules.
    Get(init::GetArgs),
    /// Print a module's inputs and outputs as Markdown, or keep them current in its README.
    Docs(docs::DocsArgs),
    /// Manage workspaces: several states of one configuration.
    #[command(subcommand)]
    Workspace(workspace::WorkspaceCommand),
    /// Check that the configuration is valid: syntax, references, types, functions.
    Validate(validate::ValidateArgs),
    /// Rewrite configuration files to the canonical format.
    Fmt(fmt::FmtArgs),
    /// Evaluate the configuration and print the root module's outputs, as far as they are
    /// known before apply.
    Eval(eval::EvalArgs),
    /// Evaluate expressions, read one per line from standard input, in the module's scope.
    Console(console::ConsoleArgs),
    /// Show what apply would change; --out saves the plan.
    Plan(plan::PlanArgs),
    /// Make the changes: a saved plan exactly, or a fresh plan after confirmation.
    Apply(apply::ApplyArgs),
    /// Destroy everything the state records.
    Destroy(apply::ApplyArgs),
    /// Print root outputs from the state.
    Output(state_cmd::OutputArgs),
    /// Inspect and edit the state.
    #[command(subcommand)]
    State(state_cmd::StateCommand),
    /// Release a state lock left by a killed process.
    ForceUnlock(state_cmd::ForceUnlockArgs),
    /// Mark an instance for replacement at the next apply.
    Taint(state_cmd::TaintArgs),
    /// Remove the taint mark.
    Untaint(state_cmd::TaintArgs),
    /// Show a saved plan or the state, for people or (--json) in Terraform's format.
    Show(state_cmd::ShowArgs),
    /// Print the dependency graph in DOT.
    Graph(state_cmd::GraphArgs),
    /// Adopt an existing object into state.
    Import(state_cmd::ImportArgs),
    /// Print the user data an instance will boot with, decoded.
    Render(render::RenderArgs),
    /// Build the machine images that are missing: `image` blocks, skipped when unchanged.
    Bake(bake::BakeArgs),
    /// List the images infra baked and what uses them; --keep N deregisters old builds.
    Images(images::ImagesArgs),
}

/// Variable flags shared by every command that evaluates the configuration.
#[derive(Args, Clone, Default)]
pub struct VarFlags {
    /// Set a root variable: NAME=VALUE. Repeatable; later flags win.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// Read root variables from a .tfvars or .tfvars.json file. Repeatable.
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<std::path::PathBuf>,
}

impl VarFlags {
    /// The root module's variables from files, environment and these flags; `None` once their
    /// diagnostics are printed, when they do not parse.
    fn root_vars(
        &self,
        ui: &Ui,
        dir: &std::path::Path,
        raw_args: &[String],
    ) -> Option<std::collections::BTreeMap<String, crate::config::tfvars::RawValue>> {
        crate::config::tfvars::collect(dir, &self.ordered(raw_args))
            .map_err(|d| ui.print_diagnostics(&d))
            .ok()
    }

    /// The root module in `dir` evaluated offline with these variables (`eval`, `validate`,
    /// `console`), as `adjust` sets the options; `None` once the variables' diagnostics are
    /// printed, when they do not parse.
    fn evaluate_root(
        &self,
        ui: &Ui,
        dir: &std::path::Path,
        raw_args: &[String],
        adjust: impl FnOnce(&mut crate::evaluate::Options),
    ) -> Option<crate::evaluate::Evaluated> {
        let root_vars = self.root_vars(ui, dir, raw_args)?;
        let mut opts =
            crate::evaluate::Options::run(root_vars, crate::state::workdir::workspace(dir));
        adjust(&mut opts);
        Some(crate::evaluate::evaluate_root(dir, &opts))
    }

    /// The flags in command-line order, which decides precedence between -var and -var-file.
    fn ordered(&self, raw_args: &[String]) -> Vec<VarArg> {
        let mut vars = self.vars.iter();
        let mut files = self.var_files.iter();
        let mut out = Vec::new();
        for a in raw_args {
            if a == "--var" || a.starts_with("--var=") {
                out.extend(vars.next().cloned().map(VarArg::Var));
            } else if a == "--var-file" || a.starts_with("--var-file=") {
                out.extend(files.next().cloned().map(VarArg::File));
            }
        }
        out.extend(vars.cloned().map(VarArg::Var));
        out.extend(files.cloned().map(VarArg::File));
        out
    }
}

/// Terraform spells long flags with one dash; clap wants two.
fn normalise_args(args: impl Iterator<Item = String>) -> Vec<String> {
    args.enumerate()
        .map(|(i, a)| {
            let single_dash_long = a.starts_with('-')
                && !a.starts_with("--")
                && a.len() > 2
                && a.as_bytes()[1].is_ascii_alphabetic();
            if i > 0 && single_dash_long {
                format!("-{a}")
            } else {
                a
            }
        })
        .collect()
}

pub struct Ui {
    pub color: bool,
}

impl Ui {
    /// Prints the notices the rooms below left (see [`crate::diag::notify`]).
    pub fn print_notices(&self) {
        self.print_diagnostics(&crate::diag::take_notices());
    }

    pub fn print_diagnostics(&self, diags: &[Diagnostic]) {
        for d in diags {
            eprintln!("{}", d.render(self.color));
        }
    }
}

/// `name = value` as Terraform lists outputs, hiding sensitive ones.
fn print_output(name: &str, value: &crate::lang::value::Value, sensitive: bool) {
    let shown = if sensitive {
        "<sensitive>".to_string()
    } else {
        crate::lang::display::render_value(value, 0)
    };
    println!("{name} = {shown}");
}

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    let args = normalise_args(std::env::args());
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 1 } else { 0 };
        }
    };
    let color =
        !cli.no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal();
    let ui = Ui { color };
    if let Some(dir) = &cli.chdir
        && let Err(e) = std::env::set_current_dir(dir)
    {
        ui.print_diagnostics(&[Diagnostic::plain(
            "Invalid -chdir option",
            format!("Cannot change to {}: {e}.", dir.display()),
        )]);
        return 1;
    }
    let code = match cli.command {
        Command::Init(a) => init::run(&ui, a),
        Command::Get(a) => init::get(&ui, a),
        Command::Docs(a) => docs::run(&ui, a),
        Command::Workspace(c) => workspace::run(&ui, c),
        Command::Validate(a) => validate::run(&ui, a, &args),
        Command::Fmt(a) => fmt::run(&ui, a),
        Command::Eval(a) => eval::run(&ui, a, &args),
        Command::Console(a) => console::run(&ui, a, &args),
        Command::Plan(a) => plan::run(&ui, a, &args),
        Command::Apply(a) => apply::run(&ui, a, &args, false),
        Command::Destroy(a) => apply::run(&ui, a, &args, true),
        Command::Output(a) => state_cmd::output(&ui, a),
        Command::State(c) => state_cmd::state(&ui, c),
        Command::ForceUnlock(a) => state_cmd::force_unlock(&ui, a),
        Command::Taint(a) => state_cmd::taint(&ui, a, true),
        Command::Untaint(a) => state_cmd::taint(&ui, a, false),
        Command::Show(a) => state_cmd::show(&ui, a),
        Command::Graph(a) => state_cmd::graph(&ui, a),
        Command::Import(a) => state_cmd::import(&ui, a),
        Command::Render(a) => render::run(&ui, a, &args),
        Command::Bake(a) => bake::run(&ui, a, &args),
        Command::Images(a) => images::run(&ui, a, &args),
    };
    // What the rooms below had to say where they could not return it (a lock released on
    // the way out failing, a journal that could not be synced).
    ui.print_notices();
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terraform_single_dash_flags_become_long_flags() {
        let got = normalise_args(
            [
                "infra",
                "plan",
                "-var",
                "a=1",
                "-no-color",
                "-json",
                "-",
                "-x",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        assert_eq!(
            got,
            [
                "infra",
                "plan",
                "--var",
                "a=1",
                "--no-color",
                "--json",
                "-",
                "-x"
            ]
        );
    }
}
