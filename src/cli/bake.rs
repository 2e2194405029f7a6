//! `infra bake`: build the root module's images that are missing (or all, with --force) and
//! write a Packer-like manifest.

use super::bake_progress::BakeProgress;
use super::engine::StateFlags;
use super::image_context::{ImageContext, has_images, load_tree};
use super::{Ui, VarFlags};
use crate::bake::build::{Baked, Baker};
use crate::bake::graph_walk::{self, Mode};
use crate::bake::journal::Journal;
use crate::diag::Diagnostic;
use crate::provider::ProviderError;
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Args, Clone)]
pub struct BakeArgs {
    /// The images to bake, as NAME, image.NAME or module.CALL.image.NAME (default: every
    /// image of the configuration). The images they are built from are baked first if missing.
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
    let tree = load_tree(&a.dir)?;
    if !has_images(&tree) {
        eprintln!("The configuration declares no images: nothing to bake.");
        return Ok(Finish::Done);
    }
    // One bake at a time per state: the journal of temporary objects lives beside it. The
    // state is read for the values of resources the images use (a subnet, say).
    let cx = ImageContext::open(
        tree,
        &a.dir,
        (&a.vars, raw),
        &a.state,
        "OperationTypeBake",
        a.state.lock,
    )?;
    let failed = |e: ProviderError| vec![Diagnostic::plain("Bake failed", e.to_string())];
    let started = std::time::Instant::now();
    let progress = Arc::new(BakeProgress::for_stderr());
    let request = cx.walk_request(
        a.names.clone(),
        Mode::Bake { force: a.force },
        a.parallel,
        progress.clone(),
    );
    let walked = cx.rt.block_on(async {
        let shown = progress.clone();
        let recovery = Baker::connect(
            cx.aws.clone(),
            &cx.config,
            [],
            Journal::beside(&cx.state_path),
            false,
            Box::new(move |image, line| shown.line(&format!("image.{image}"), line)),
        )
        .await
        .map_err(failed)?;
        recovery.recover().await.map_err(failed)?;
        let outcome = tokio::select! {
            w = graph_walk::run(request) => Some(w),
            _ = super::engine::interrupt_signal() => None,
        };
        if outcome.is_none() {
            // The builds were dropped mid-flight: everything they made is in the journal.
            eprintln!("\nInterrupted: removing the temporary objects of the builds under way...");
            recovery.recover().await.map_err(failed)?;
        }
        Ok::<_, Vec<Diagnostic>>(outcome)
    });
    drop(cx.store);
    if a.stats {
        super::engine::print_stats(started.elapsed());
    }
    let Some(walked) = walked? else {
        return Ok(Finish::Interrupted);
    };
    let baked: Vec<(&str, &Baked)> = walked
        .images
        .iter()
        .filter_map(|i| Some((i.address.as_str(), i.result.as_ref().ok()?)))
        .collect();
    for (address, b) in &baked {
        println!("{address} = {}", b.artifact_list());
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
    if walked.diagnostics.iter().any(Diagnostic::is_error) {
        Err(walked.diagnostics)
    } else {
        Ok(Finish::Done)
    }
}

/// Packer's manifest shape: `builds` with `artifact_id` as `region:ami,...`, plus the
/// per-region map and fingerprint infra knows.
fn manifest(baked: &[(&str, &Baked)]) -> serde_json::Value {
    let builds: Vec<serde_json::Value> = baked
        .iter()
        .map(|(address, b)| {
            serde_json::json!({
                "name": b.name,
                "address": address,
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
