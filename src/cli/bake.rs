//! `infra bake`: build the root module's images that are missing (or all, with --force) and
//! write a Packer-like manifest.

use super::bake_progress::BakeProgress;
use super::engine::{StateFlags, runtime};
use super::{Ui, VarFlags};
use crate::bake::build::{Baked, Baker};
use crate::bake::journal::Journal;
use crate::bake::spec::ImageSpec;
use crate::config::tfvars;
use crate::diag::Diagnostic;
use crate::lang::value::Value;
use crate::provider::{ProviderError, ProviderResult};
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;

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
    /// How many images to build at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub parallel: usize,
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

/// The exit status of a bake stopped by Ctrl-C or SIGTERM (128 + SIGINT), as shells report it.
const INTERRUPTED: i32 = 130;

pub fn run(ui: &Ui, a: BakeArgs, raw: &[String]) -> i32 {
    match bake(&a, raw) {
        Ok(Finish::Done) => 0,
        Ok(Finish::Interrupted) => INTERRUPTED,
        Err(d) => {
            ui.print_diagnostics(&d);
            1
        }
    }
}

enum Finish {
    Done,
    Interrupted,
}

fn bake(a: &BakeArgs, raw: &[String]) -> Result<Finish, Vec<Diagnostic>> {
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
    // One bake at a time per state: the journal of temporary objects lives beside it.
    let state_path = a.state.path(&a.dir);
    let _lock = if a.state.lock {
        Some(
            crate::state::lock::StateLock::acquire(
                &state_path,
                "OperationTypeBake",
                a.state.lock_timeout,
            )
            .map_err(|d| vec![d])?,
        )
    } else {
        None
    };
    let rt = runtime().map_err(|d| vec![d])?;
    let failed =
        |e: crate::provider::ProviderError| vec![Diagnostic::plain("Bake failed", e.to_string())];
    let started = std::time::Instant::now();
    let progress = Arc::new(BakeProgress::for_stderr());
    let result = rt.block_on(async {
        let aws = crate::provider::aws::connect(crate::bake::build::aws_address(), &config, None)
            .await
            .map_err(failed)?;
        let shown = progress.clone();
        let baker = Arc::new(
            Baker::connect(
                aws,
                &config,
                specs.iter().flat_map(|s| &s.ami_regions),
                Journal::beside(&state_path),
                a.force,
                Box::new(move |image, line| shown.line(image, line)),
            )
            .await
            .map_err(failed)?,
        );
        baker.recover().await.map_err(failed)?;
        let all = bake_all(baker.clone(), specs.clone(), a.parallel, progress.clone());
        let outcome = tokio::select! {
            r = all => Some(r),
            _ = super::engine::interrupt_signal() => None,
        };
        match outcome {
            Some(r) => Ok(Some(r)),
            None => {
                // The builds were dropped mid-flight: everything they made is in the journal.
                eprintln!(
                    "\nInterrupted: removing the temporary objects of the builds under way..."
                );
                baker.recover().await.map_err(failed)?;
                Ok::<_, Vec<Diagnostic>>(None)
            }
        }
    });
    if a.stats {
        super::engine::print_stats(started.elapsed());
    }
    let Some(results) = result? else {
        return Ok(Finish::Interrupted);
    };
    let mut baked = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(b) => baked.push(b),
            Err(e) => errors.push(Diagnostic::plain("Bake failed", e.to_string())),
        }
    }
    for b in &baked {
        println!("image.{} = {}", b.name, artifact_list(b));
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
    if errors.is_empty() {
        Ok(Finish::Done)
    } else {
        Err(errors)
    }
}

/// Bakes `specs`, at most `parallel` at a time; one failing build does not stop the others.
/// Results come in the order of `specs`.
async fn bake_all(
    baker: Arc<Baker>,
    specs: Vec<ImageSpec>,
    parallel: usize,
    progress: Arc<BakeProgress>,
) -> Vec<ProviderResult<Baked>> {
    let permits = Arc::new(tokio::sync::Semaphore::new(parallel.max(1)));
    let mut jobs = tokio::task::JoinSet::new();
    for (i, spec) in specs.into_iter().enumerate() {
        let (baker, permits, progress) = (baker.clone(), permits.clone(), progress.clone());
        jobs.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let r = baker.bake(&spec).await;
            let outcome = match &r {
                Ok(b) if b.built => format!("built {}", artifact_list(b)),
                Ok(b) => format!("up to date: {}", artifact_list(b)),
                Err(_) => "failed".to_string(),
            };
            progress.finish(&spec.name, &outcome);
            (i, r)
        });
    }
    let mut results: Vec<(usize, ProviderResult<Baked>)> = Vec::new();
    while let Some(joined) = jobs.join_next().await {
        match joined {
            Ok(r) => results.push(r),
            Err(e) => results.push((
                usize::MAX,
                Err(ProviderError::new("bake", format!("a build stopped: {e}"))),
            )),
        }
    }
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

fn artifact_list(b: &Baked) -> String {
    b.artifacts
        .iter()
        .map(|(r, id)| format!("{r}:{id}"))
        .collect::<Vec<_>>()
        .join(", ")
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
