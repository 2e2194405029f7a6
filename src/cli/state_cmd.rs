//! `infra output`, `infra show`, `infra state ...`, `infra force-unlock`: reading and editing
//! state. Edits take the lock and go through the same atomic write as apply.

use super::Ui;
use super::engine::StateFlags;
use crate::diag::Diagnostic;
use crate::lang::display::render_value;
use crate::plan::run::typed_output;
use crate::state::State;
use crate::state::store::Store;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Args)]
pub struct OutputArgs {
    /// One output to print.
    name: Option<String>,
    /// The configuration directory whose state to read.
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    /// Print as JSON (name → {value, type, sensitive}; just the value with NAME).
    #[arg(long)]
    json: bool,
    /// Print a string output's raw text, without quotes.
    #[arg(long)]
    raw: bool,
    #[arg(long, value_name = "PATH")]
    state: Option<PathBuf>,
}

/// The state of `dir` without a lock; a journal left by a killed apply holds finished work,
/// and reading shows it too.
fn load(dir: &std::path::Path, state: &Option<PathBuf>) -> Result<State, Diagnostic> {
    super::backend::read_state(dir, state.as_deref()).map_err(one)
}

/// The first error of several (the commands here report one).
fn one(mut diags: Vec<Diagnostic>) -> Diagnostic {
    let i = diags.iter().position(Diagnostic::is_error).unwrap_or(0);
    if diags.is_empty() {
        Diagnostic::plain("Failed", "")
    } else {
        diags.swap_remove(i)
    }
}

fn open(
    dir: &std::path::Path,
    flags: &StateFlags,
    operation: &str,
) -> Result<(Store, State), Diagnostic> {
    super::backend::open_store_of_dir(dir, flags, operation).map_err(one)
}

pub fn output(ui: &Ui, a: OutputArgs) -> i32 {
    let state = match load(&a.dir, &a.state) {
        Ok(s) => s,
        Err(d) => {
            ui.print_diagnostics(&[d]);
            return 1;
        }
    };
    match &a.name {
        Some(name) => {
            let Some(o) = state.outputs.get(name) else {
                ui.print_diagnostics(&[Diagnostic::plain(
                    "Output not found",
                    format!("The output {name:?} is not in the state. Has apply run?"),
                )]);
                return 1;
            };
            if a.json {
                println!("{}", o.value);
            } else if a.raw {
                match &o.value {
                    serde_json::Value::String(s) => print!("{s}"),
                    serde_json::Value::Number(_) | serde_json::Value::Bool(_) => {
                        print!("{}", o.value)
                    }
                    _ => {
                        ui.print_diagnostics(&[Diagnostic::plain(
                            "Unsupported value for raw output",
                            "--raw prints only strings, numbers and bools; use --json.",
                        )]);
                        return 1;
                    }
                }
            } else {
                println!("{}", render_value(&typed_output(o), 0));
            }
        }
        None => {
            if a.json {
                let m: serde_json::Map<String, serde_json::Value> = state
                    .outputs
                    .iter()
                    .map(|(k, o)| (k.clone(), serde_json::json!({ "sensitive": o.sensitive, "type": o.ty, "value": o.value })))
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::Value::Object(m)).unwrap_or_default()
                );
            } else {
                for (k, o) in &state.outputs {
                    super::print_output(k, &typed_output(o), o.sensitive);
                }
            }
        }
    }
    0
}

#[derive(Subcommand)]
pub enum StateCommand {
    /// List the instances in state, optionally only those whose address starts with FILTER.
    List {
        filter: Vec<String>,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        #[arg(long, value_name = "PATH")]
        state: Option<PathBuf>,
    },
    /// Show one instance's attributes.
    Show {
        address: String,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        #[arg(long, value_name = "PATH")]
        state: Option<PathBuf>,
    },
    /// Forget instances (the objects themselves are not touched).
    Rm {
        addresses: Vec<String>,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        #[command(flatten)]
        flags: StateFlags,
    },
    /// Rename an instance, or a whole resource, in state.
    Mv {
        source: String,
        destination: String,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        #[command(flatten)]
        flags: StateFlags,
    },
    /// Print the state (with --version-id, an older version kept by S3 bucket versioning).
    Pull {
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        #[arg(long, value_name = "PATH")]
        state: Option<PathBuf>,
        /// An S3 object version of the state (from the bucket's version history).
        #[arg(long, value_name = "ID")]
        version_id: Option<String>,
    },
    /// Replace the state with FILE (same lineage and a serial at least as high, unless --force).
    Push {
        file: PathBuf,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        flags: StateFlags,
    },
}

pub fn state(ui: &Ui, cmd: StateCommand) -> i32 {
    match state_inner(cmd) {
        Ok(()) => 0,
        Err(d) => {
            ui.print_diagnostics(&[d]);
            1
        }
    }
}

fn state_inner(cmd: StateCommand) -> Result<(), Diagnostic> {
    match cmd {
        StateCommand::List { filter, dir, state } => {
            let s = load(&dir, &state)?;
            for (addr, _, _) in s.instances() {
                if filter.is_empty()
                    || filter.iter().any(|f| {
                        addr == *f
                            || addr.starts_with(&format!("{f}."))
                            || addr.starts_with(&format!("{f}["))
                    })
                {
                    println!("{addr}");
                }
            }
            Ok(())
        }
        StateCommand::Show {
            address,
            dir,
            state,
        } => {
            let s = load(&dir, &state)?;
            let (r, i) = s.find(&address).ok_or_else(|| {
                Diagnostic::plain(
                    "No instance found",
                    format!("{address} is not in the state."),
                )
            })?;
            println!("# {address}:");
            println!("resource {:?} {:?} {{", r.type_name, r.name);
            let paths = crate::lang::marks::state_paths(&i.sensitive_attributes);
            let shown = crate::lang::marks::apply(
                crate::lang::value::Value::from_json(&i.attributes),
                &paths,
            );
            if let Some(attrs) = shown.attributes() {
                let width = attrs.keys().map(String::len).max().unwrap_or(0);
                for (k, v) in attrs {
                    println!("    {k:<width$} = {}", render_value(v, 2));
                }
            }
            println!("}}");
            Ok(())
        }
        StateCommand::Rm {
            addresses,
            dir,
            flags,
        } => {
            let (mut store, mut s) = open(&dir, &flags, "OperationTypeStateRm")?;
            for a in &addresses {
                let matching: Vec<String> = s
                    .instances()
                    .map(|(x, _, _)| x)
                    .filter(|x| x == a || x.starts_with(&format!("{a}[")))
                    .collect();
                if matching.is_empty() {
                    return Err(Diagnostic::plain(
                        "No instance found",
                        format!("{a} is not in the state; nothing was removed."),
                    ));
                }
                for m in matching {
                    store.remove(&mut s, &m)?;
                    println!("Removed {m}");
                }
            }
            store.persist(&mut s)
        }
        StateCommand::Mv {
            source,
            destination,
            dir,
            flags,
        } => {
            let (mut store, mut s) = open(&dir, &flags, "OperationTypeStateMv")?;
            crate::state::moves::move_address(&mut s, &source, &destination)?;
            store.touch();
            store.persist(&mut s)?;
            println!("Move {source:?} to {destination:?}\nSuccessfully moved 1 object(s).");
            Ok(())
        }
        StateCommand::Pull {
            dir,
            state,
            version_id: Some(version),
        } => {
            let located = super::backend::Located::of_dir(&dir, state.as_deref()).map_err(one)?;
            let s = located
                .backend
                .storage(&located.workspace)?
                .read_version(&version)?
                .ok_or_else(|| {
                    Diagnostic::plain(
                        "No such state version",
                        format!(
                            "{} has no version {version}.",
                            located.settings.describe(&located.workspace)
                        ),
                    )
                })?;
            println!("{}", serde_json::to_string_pretty(&s).unwrap_or_default());
            Ok(())
        }
        StateCommand::Pull {
            dir,
            state,
            version_id: None,
        } => {
            let s = load(&dir, &state)?;
            println!("{}", serde_json::to_string_pretty(&s).unwrap_or_default());
            Ok(())
        }
        StateCommand::Push {
            file,
            dir,
            force,
            flags,
        } => {
            let bytes = std::fs::read(&file).map_err(|e| {
                Diagnostic::plain("Failed to read state", format!("{}: {e}", file.display()))
            })?;
            let new: State = serde_json::from_slice(&bytes).map_err(|e| {
                Diagnostic::plain("Invalid state file", format!("{}: {e}", file.display()))
            })?;
            let (mut store, current) = open(&dir, &flags, "OperationTypeStatePush")?;
            if store.existed && !force {
                if new.lineage != current.lineage {
                    return Err(Diagnostic::plain(
                        "Lineage mismatch",
                        format!(
                            "{} has lineage {}, the current state {}; use --force to replace it anyway.",
                            file.display(),
                            new.lineage,
                            current.lineage
                        ),
                    ));
                }
                if new.serial < current.serial {
                    return Err(Diagnostic::plain(
                        "Serial is older",
                        format!(
                            "{} has serial {}, older than the current {}; use --force to replace it anyway.",
                            file.display(),
                            new.serial,
                            current.serial
                        ),
                    ));
                }
            }
            store.replace(&new)
        }
    }
}

#[derive(Args)]
pub struct ForceUnlockArgs {
    /// The lock ID shown by the failed command.
    id: String,
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    #[arg(long, value_name = "PATH")]
    state: Option<PathBuf>,
}

pub fn force_unlock(ui: &Ui, a: ForceUnlockArgs) -> i32 {
    let unlock = || -> Result<(), Diagnostic> {
        let located = super::backend::Located::of_dir(&a.dir, a.state.as_deref()).map_err(one)?;
        located
            .backend
            .storage(&located.workspace)?
            .force_unlock(&a.id)
    };
    match unlock() {
        Ok(()) => {
            println!("infra state has been successfully unlocked!");
            0
        }
        Err(d) => {
            ui.print_diagnostics(&[d]);
            1
        }
    }
}

#[derive(Args)]
pub struct TaintArgs {
    /// The instance to mark (taint) or unmark (untaint).
    address: String,
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    #[command(flatten)]
    flags: StateFlags,
}

/// `infra taint` / `untaint`: the next plan replaces a tainted instance.
pub fn taint(ui: &Ui, a: TaintArgs, tainted: bool) -> i32 {
    let r = (|| -> Result<(), Diagnostic> {
        let (mut store, mut s) = open(&a.dir, &a.flags, "OperationTypeTaint")?;
        let (res, inst) = s
            .find(&a.address)
            .map(|(r, i)| (r.clone(), i.clone()))
            .ok_or_else(|| {
                Diagnostic::plain(
                    "No instance found",
                    format!("{} is not in the state.", a.address),
                )
            })?;
        if !tainted && !inst.is_tainted() {
            return Err(Diagnostic::plain(
                "Instance not tainted",
                format!("{} is not tainted.", a.address),
            ));
        }
        let inst = crate::state::InstanceState {
            status: tainted.then(|| "tainted".to_string()),
            ..inst
        };
        store.upsert(&mut s, &res, inst)?;
        store.persist(&mut s)
    })();
    match r {
        Ok(()) => {
            println!(
                "Resource instance {} has been marked as {}.",
                a.address,
                if tainted { "tainted" } else { "not tainted" }
            );
            0
        }
        Err(d) => {
            ui.print_diagnostics(&[d]);
            1
        }
    }
}

#[derive(Args)]
pub struct ShowArgs {
    /// A saved plan file; without one, the state.
    file: Option<PathBuf>,
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    /// Terraform's JSON representation of the plan or state.
    #[arg(long)]
    json: bool,
    #[arg(long, value_name = "PATH")]
    state: Option<PathBuf>,
}

pub fn show(ui: &Ui, a: ShowArgs) -> i32 {
    let r = (|| -> Result<(), Diagnostic> {
        match &a.file {
            Some(f) => {
                // Everything comes from the file: the plan, and the state it was made against.
                let file = crate::plan::file::PlanFile::read(f)?;
                let prior = file.prior.clone();
                if a.json {
                    let mut j = crate::plan::json::plan_json(&file.plan, prior.as_ref());
                    // The configuration as the plan saw it: from the snapshot.
                    crate::sources::serve(file.files()?);
                    if let (Some(tree), _) = crate::graph::ModuleTree::load(&file.dir) {
                        j["configuration"] = crate::plan::config_json::configuration(&tree);
                    }
                    println!("{}", serde_json::to_string_pretty(&j).unwrap_or_default());
                } else {
                    print!(
                        "{}",
                        crate::plan::render::render(
                            &file.plan,
                            &crate::plan::render::Style { color: ui.color }
                        )
                    );
                }
            }
            None => {
                let s = load(&a.dir, &a.state)?;
                if a.json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&crate::plan::json::state_json(&s))
                            .unwrap_or_default()
                    );
                } else {
                    for (addr, _, _) in s.instances() {
                        println!("{addr}");
                    }
                }
            }
        }
        Ok(())
    })();
    match r {
        Ok(()) => 0,
        Err(d) => {
            ui.print_diagnostics(&[d]);
            1
        }
    }
}

#[derive(Args)]
pub struct GraphArgs {
    /// The root module directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
}

/// `infra graph`: the dependency graph in DOT, for `dot -Tsvg`.
pub fn graph(ui: &Ui, a: GraphArgs) -> i32 {
    let (tree, mut diags) = crate::graph::ModuleTree::load(&a.dir);
    let Some(tree) = tree else {
        ui.print_diagnostics(&diags);
        return 1;
    };
    let g = match crate::graph::build(&tree) {
        Ok(g) => g,
        Err(d) => {
            diags.extend(d);
            ui.print_diagnostics(&diags);
            return 1;
        }
    };
    println!("digraph {{\n  compound = \"true\"\n  newrank = \"true\"\n  rankdir = \"RL\"");
    for ni in g.dag.node_indices() {
        let shape = if matches!(g.dag[ni].node, crate::graph::deps::Node::Resource(_)) {
            "box"
        } else {
            "note"
        };
        println!(
            "  {:?} [label = {:?}, shape = \"{shape}\"]",
            g.address(&tree, ni),
            g.address(&tree, ni)
        );
    }
    for e in g.dag.edge_indices() {
        if let Some((a, b)) = g.dag.edge_endpoints(e) {
            // Arrows point from a dependent to what it depends on, as in Terraform's graph.
            println!("  {:?} -> {:?}", g.address(&tree, b), g.address(&tree, a));
        }
    }
    println!("}}");
    0
}

#[derive(Args)]
pub struct ImportArgs {
    /// The address in the configuration to import into.
    address: String,
    /// The provider's id of the existing object.
    id: String,
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    #[command(flatten)]
    flags: StateFlags,
}

/// `infra import ADDR ID`: adopt an existing object into state under an address the
/// configuration declares.
pub fn import(ui: &Ui, a: ImportArgs) -> i32 {
    let r = (|| -> Result<(), Diagnostic> {
        let (tree, diags) = crate::graph::ModuleTree::load(&a.dir);
        let tree = tree.ok_or_else(|| {
            diags
                .first()
                .cloned()
                .unwrap_or_else(|| Diagnostic::plain("Failed to load", ""))
        })?;
        let (module_key, local, key) = split_instance_address(&a.address).ok_or_else(|| {
            Diagnostic::plain(
                "Invalid address",
                format!("{:?} is not a resource instance address.", a.address),
            )
        })?;
        let tm = tree
            .modules
            .iter()
            .find(|m| m.prefix() == crate::addrs::static_prefix(&module_key))
            .ok_or_else(|| {
                Diagnostic::plain("Module not found", format!("No module at {module_key}."))
            })?;
        let res = tm.module.resources.get(&local).ok_or_else(|| {
            Diagnostic::plain("Resource not in configuration", format!("{} is not declared in the configuration; write its resource block first, then import.", a.address))
        })?;
        let rt = super::engine::runtime()?;
        let root_vars = crate::config::tfvars::collect(&a.dir, &[]).map_err(|d| {
            d.into_iter()
                .next()
                .unwrap_or_else(|| Diagnostic::plain("Invalid variables", ""))
        })?;
        let registry = super::engine::registry_for(&rt, &tree, &root_vars, None).map_err(|d| {
            d.into_iter()
                .next()
                .unwrap_or_else(|| Diagnostic::plain("Invalid provider configuration", ""))
        })?;
        let provider = registry
            .get_at(&res.type_name, &res.provider_config_address())
            .ok_or_else(|| Diagnostic::plain("Unsupported resource type", res.type_name.clone()))?;
        let value = rt
            .block_on(provider.import(&a.id))
            .map_err(|e| Diagnostic::plain("Import failed", format!("{}: {e}", a.address)))?;
        let (mut store, mut s) = open(&a.dir, &a.flags, "OperationTypeImport")?;
        if s.find(&a.address).is_some() {
            return Err(Diagnostic::plain(
                "Resource already managed",
                format!(
                    "{} is already in the state; remove it first with infra state rm.",
                    a.address
                ),
            ));
        }
        let header = crate::instance::resource_state_header(res, &module_key, provider.as_ref());
        let (attributes, sensitive) = crate::instance::codec::to_state(&value, provider.schema());
        let inst = crate::state::InstanceState {
            index_key: key,
            status: None,
            schema_version: 0,
            attributes,
            sensitive_attributes: sensitive,
            dependencies: Vec::new(),
            create_before_destroy: res.lifecycle.create_before_destroy,
            deposed: None,
        };
        store.upsert(&mut s, &header, inst)?;
        store.persist(&mut s)
    })();
    match r {
        Ok(()) => {
            println!(
                "{}: Import prepared!\n\nImport successful! The imported object is now managed by infra.",
                a.address
            );
            0
        }
        Err(d) => {
            ui.print_diagnostics(&[d]);
            1
        }
    }
}

/// `module.a.aws_x.y["k"]` → (`module.a.`, `aws_x.y`, key).
fn split_instance_address(addr: &str) -> Option<(String, String, Option<serde_json::Value>)> {
    let (module, mode, type_name, name, key) = crate::state::moves::parse(addr)?;
    let module_key = if module.is_empty() {
        module
    } else {
        format!("{module}.")
    };
    let local = if mode == "data" {
        format!("data.{type_name}.{name}")
    } else {
        format!("{type_name}.{name}")
    };
    Some((module_key, local, key))
}
