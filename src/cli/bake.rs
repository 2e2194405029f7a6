//! `infra bake`: build the root module's images that are missing (or all, with --force) and
//! write a Packer-like manifest.

use super::engine::{StateFlags, runtime};
use super::{Ui, VarFlags};
use crate::bake::build::{Baked, Baker};
use crate::bake::journal::Journal;
use crate::config::tfvars;
use crate::diag::Diagnostic;
use crate::lang::value::Value;
use clap::Args;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Set by tests against moto, which runs no user data: see `Baker::emulated_builder`.
const EMULATED_BUILDER_ENV: &str = "INFRA_BAKE_EMULATED_BUILDER";

#[derive(Args, Clone)]
pub struct BakeArgs {
    /// The images to bake (default: every image of the root module).
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// The root module directory.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Build even when an image with the same fingerprint exists.
    #[arg(long)]
    pub force: bool,
    /// Write a JSON manifest of the images (like Packer's) to this file.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Print how many cloud API calls were made, per operation, to standard error.
    #[arg(long)]
    pub stats: bool,
    #[command(flatten)]
    pub vars: VarFlags,
    #[command(flatten)]
    pub state: StateFlags,
}

pub fn run(ui: &Ui, a: BakeArgs, raw: &[String]) -> i32 {
    match bake(&a, raw) {
        Ok(()) => 0,
        Err(d) => {
            ui.print_diagnostics(&d);
            1
        }
    }
}

fn bake(a: &BakeArgs, raw: &[String]) -> Result<(), Vec<Diagnostic>> {
    let root_vars = tfvars::collect(&a.dir, &a.vars.ordered(raw))?;
    let (tree, load_diags) = crate::graph::ModuleTree::load(&a.dir);
    let tree = tree.ok_or(load_diags)?;
    let opts = crate::evaluate::Options {
        root_vars,
        workspace: super::eval::workspace(),
        require_root_vars: true,
        validate_only: false,
    };
    let evaluated = crate::evaluate::evaluate_root(&a.dir, &opts);
    if evaluated.diagnostics.iter().any(Diagnostic::is_error) {
        return Err(evaluated.diagnostics);
    }
    let root = tree.root();
    for n in &a.names {
        if !root.images.contains_key(n) {
            return Err(vec![Diagnostic::plain(
                "No such image",
                format!("The root module declares no image {n:?}."),
            )]);
        }
    }
    let specs = {
        let root_instance = evaluated.world.root().ok_or_else(|| {
            vec![Diagnostic::plain(
                "Failed to evaluate",
                "No root module instance.",
            )]
        })?;
        let scope = crate::evaluate::InstanceScope::new(&evaluated.world, root_instance);
        let mut ev = crate::lang::Evaluator::new(&scope, root.dir.clone());
        root.images
            .values()
            .filter(|i| a.names.is_empty() || a.names.contains(&i.name))
            .map(|i| crate::bake::spec::evaluate(&mut ev, i, &root.dir))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|d| vec![d])?
    };
    let (providers, diags) = crate::evaluate::providers::provider_configs(&tree, &opts);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    let config = providers
        .into_iter()
        .find(|p| p.name == "aws" && p.alias.is_none())
        .map(|p| p.value)
        .unwrap_or_else(|| Value::object(Default::default()));
    let rt = runtime().map_err(|d| vec![d])?;
    let failed =
        |e: crate::provider::ProviderError| vec![Diagnostic::plain("Bake failed", e.to_string())];
    let started = std::time::Instant::now();
    let result = rt.block_on(async {
        let aws = crate::provider::aws::connect(
            "provider[\"registry.terraform.io/hashicorp/aws\"]".into(),
            &config,
            None,
        )
        .await
        .map_err(failed)?;
        let mut regions = BTreeMap::new();
        for r in specs.iter().flat_map(|s| &s.ami_regions) {
            if *r != aws.region && !regions.contains_key(r) {
                let there = crate::provider::aws::connect(aws.address.clone(), &config, Some(r))
                    .await
                    .map_err(failed)?;
                regions.insert(r.clone(), there);
            }
        }
        let baker = Baker {
            aws,
            regions,
            journal: Journal::beside(&a.state.path(&a.dir)),
            force: a.force,
            emulated_builder: std::env::var_os(EMULATED_BUILDER_ENV).is_some(),
            progress: Box::new(|image, line| eprintln!("image.{image}: {line}")),
        };
        baker.recover().await.map_err(failed)?;
        let mut baked = Vec::new();
        for spec in &specs {
            baked.push(baker.bake(spec).await.map_err(failed)?);
        }
        Ok::<_, Vec<Diagnostic>>(baked)
    });
    if a.stats {
        super::engine::print_stats(started.elapsed());
    }
    let baked = result?;
    for b in &baked {
        let ids: Vec<String> = b
            .artifacts
            .iter()
            .map(|(r, id)| format!("{r}:{id}"))
            .collect();
        println!("image.{} = {}", b.name, ids.join(", "));
    }
    if let Some(path) = &a.manifest {
        let bytes = serde_json::to_vec_pretty(&manifest(&baked)).unwrap_or_default();
        crate::state::file::write_atomic(path, &bytes, None).map_err(|e| {
            vec![Diagnostic::plain(
                "Failed to write the manifest",
                format!("{}: {e}", path.display()),
            )]
        })?;
    }
    Ok(())
}

/// Packer's manifest shape: `builds` with `artifact_id` as `region:ami,...`, plus the
/// per-region map and fingerprint infra knows.
fn manifest(baked: &[Baked]) -> serde_json::Value {
    let builds: Vec<serde_json::Value> = baked
        .iter()
        .map(|b| {
            serde_json::json!({
                "name": b.name,
                "builder_type": "amazon-ebs",
                "artifact_id": b.artifacts.iter().map(|(r, id)| format!("{r}:{id}")).collect::<Vec<_>>().join(","),
                "artifacts": b.artifacts,
                "build_time": b.build_time,
                "fingerprint": b.fingerprint,
                "source_ami": b.source_ami,
                "built": b.built,
            })
        })
        .collect();
    serde_json::json!({ "builds": builds })
}
