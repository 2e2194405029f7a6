//! Baking outside an apply (`infra bake`, `infra images`): walk only the images asked for and
//! what they depend on. Managed resources take their values from the state (nothing is
//! refreshed or changed), data sources are read, and images are found or baked in dependency
//! order, so an image built from another image's id gets it.

use super::build::{Baked, Baker, aws_for_images};
use super::journal::Journal;
use crate::config::Mode as ResourceMode;
use crate::diag::Diagnostic;
use crate::evaluate::walk::{Hook, ImageRequest, InstanceRequest, Outcome, WalkOptions};
use crate::graph::ModuleTree;
use crate::graph::deps::Node;
use crate::lang::value::Value;
use crate::provider::{ProviderResult, Registry};
use crate::state::State;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Where a walk's progress goes: lines while an image builds, one outcome when it is done.
pub trait Report: Send + Sync {
    fn line(&self, address: &str, line: &str);
    fn finish(&self, address: &str, outcome: &str);
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Build what is missing; with `force`, rebuild the images asked for even if found.
    Bake { force: bool },
    /// Only look the images up: what the configuration's images are now, if they exist.
    LookUp,
}

/// One image the walk reached: what was found or built, or why not.
pub struct ImageResult {
    /// `image.app`, `module.roles.image.app`.
    pub address: String,
    pub result: ProviderResult<Baked>,
}

pub struct Request<'a> {
    pub tree: &'a ModuleTree,
    pub prior: Option<&'a State>,
    pub registry: Registry,
    pub options: crate::evaluate::Options,
    /// The images asked for, as `NAME`, `image.NAME` or `module.M.image.NAME`; none for all.
    pub images: Vec<String>,
    pub mode: Mode,
    pub parallel: usize,
    /// The state file: the journal of temporary objects lives beside it.
    pub state_path: PathBuf,
    pub report: Arc<dyn Report>,
}

pub struct Walked {
    pub images: Vec<ImageResult>,
    pub diagnostics: Vec<Diagnostic>,
    /// Every region the walked images go to (`ami_regions`), besides the home region.
    pub regions: std::collections::BTreeSet<String>,
}

/// Walks the images of `req` and what they depend on.
pub async fn run(req: Request<'_>) -> Walked {
    let failed = |diagnostics| Walked {
        images: Vec::new(),
        diagnostics,
        regions: Default::default(),
    };
    let graph = match req.tree.graph() {
        Ok(g) => g,
        Err(d) => return failed(d),
    };
    let all: BTreeMap<String, petgraph::graph::NodeIndex> = graph
        .order
        .iter()
        .filter(|&&i| matches!(graph.dag[i].node, Node::Image(_)))
        .map(|&i| (graph.address(req.tree, i), i))
        .collect();
    let mut chosen = HashSet::new();
    let mut diags = Vec::new();
    for asked in &req.images {
        let address = if asked.contains('.') {
            asked.clone()
        } else {
            format!("image.{asked}")
        };
        if all.contains_key(&address) {
            chosen.insert(address);
        } else {
            // `web` for `module.roles.image.web`: the same image in a module is the likely aim.
            let in_module = all.keys().find(|a| a.ends_with(&format!(".{address}")));
            let hint = in_module
                .map(String::as_str)
                .or_else(|| crate::diag::did_you_mean(&address, all.keys().map(String::as_str)))
                .map(|s| format!(" Did you mean {s}?"))
                .unwrap_or_default();
            diags.push(Diagnostic::plain(
                "No such image",
                format!("The configuration declares no {address}.{hint}"),
            ));
        }
    }
    if !diags.is_empty() {
        return failed(diags);
    }
    if chosen.is_empty() {
        chosen = all.keys().cloned().collect();
    }
    let targets = chosen.iter().map(|a| all[a]);
    let walk_opts = WalkOptions {
        parallelism: req.parallel,
        stop: None,
        only: Some(crate::evaluate::walk::dependency_closure(graph, targets)),
    };
    let results = Arc::new(Mutex::new(Vec::new()));
    let mut hook = BakeWalk {
        registry: req.registry,
        prior: req.prior,
        root_dir: req.tree.root().dir.clone(),
        mode: req.mode,
        chosen,
        journal: req.state_path,
        report: req.report,
        results: results.clone(),
        regions: Default::default(),
    };
    let (evaluated, _) =
        crate::evaluate::run(req.tree, Vec::new(), &req.options, &mut hook, &walk_opts).await;
    let mut images = std::mem::take(&mut *results.lock().unwrap_or_else(|p| p.into_inner()));
    images.sort_by(|a, b| a.address.cmp(&b.address));
    Walked {
        images,
        diagnostics: evaluated.diagnostics,
        regions: hook.regions,
    }
}

struct BakeWalk<'a> {
    registry: Registry,
    prior: Option<&'a State>,
    root_dir: PathBuf,
    mode: Mode,
    /// Static addresses of the images asked for (the others walked are their dependencies).
    chosen: HashSet<String>,
    journal: PathBuf,
    report: Arc<dyn Report>,
    results: Arc<Mutex<Vec<ImageResult>>>,
    regions: std::collections::BTreeSet<String>,
}

impl Hook for BakeWalk<'_> {
    fn instance(&mut self, req: InstanceRequest) -> Outcome {
        let r = req.resource;
        if r.mode == ResourceMode::Data {
            return crate::instance::read_data(&self.registry, &req, &self.root_dir, false, false);
        }
        // A managed resource is what the state says it is; one not created yet is unknown.
        let provider_addr = r.provider_config_address();
        let value = self
            .registry
            .get_at(&r.type_name, &provider_addr)
            .and_then(|p| crate::instance::prior_value(self.prior, &req.address, p.schema()))
            .map(|(v, _)| v)
            .unwrap_or_else(Value::unknown);
        Outcome::Value(value)
    }

    fn image(&mut self, mut req: ImageRequest) -> Outcome {
        let spec = match super::spec::from_request(&mut req) {
            Ok(s) => s,
            Err(d) => return Outcome::Failed(d),
        };
        self.regions.extend(spec.ami_regions.iter().cloned());
        if self.mode == Mode::LookUp && spec.source == super::spec::SourceAmi::Pending {
            // Built from an image not baked yet: it cannot exist yet either.
            return Outcome::Value(Value::unknown());
        }
        let span = req.image.span;
        let address = req.address;
        let (aws, config) = match aws_for_images(&self.registry, &address, span) {
            Ok(a) => a,
            Err(d) => return Outcome::Failed(d),
        };
        let mode = self.mode;
        let force = mode == Mode::Bake { force: true } && self.chosen.contains(&spec.address);
        let journal = Journal::beside(&self.journal);
        let (report, results) = (self.report.clone(), self.results.clone());
        Outcome::Job(Box::pin(async move {
            let shown = (report.clone(), address.clone());
            let progress = Box::new(move |_: &str, line: &str| shown.0.line(&shown.1, line));
            let outcome = async {
                let baker =
                    Baker::connect(aws, &config, &spec.ami_regions, journal, force, progress)
                        .await?;
                let home = baker.aws.region.clone();
                let baked = match mode {
                    Mode::Bake { .. } => Some(baker.bake(&spec).await?),
                    Mode::LookUp => baker.lookup(&spec).await?.found,
                };
                Ok((baked, home))
            }
            .await;
            let record = |result| {
                results
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(ImageResult {
                        address: address.clone(),
                        result,
                    })
            };
            match outcome {
                Ok((Some(b), home)) => {
                    let word = if b.built { "built" } else { "up to date" };
                    report.finish(&address, &format!("{word}: {}", b.artifact_list()));
                    let value = b.value(&home);
                    record(Ok(b));
                    Ok(value)
                }
                // Looked up and not found: nothing to record.
                Ok((None, _)) => Ok(Value::unknown()),
                Err(e) => {
                    report.finish(&address, "failed");
                    let d = Diagnostic::error("Bake failed", format!("{address}: {e}"), span);
                    record(Err(e));
                    Err(d)
                }
            }
        }))
    }
}
