//! What `infra bake` and `infra images` both start from: the configuration, the state (read;
//! locked when asked), the provider registry and the AWS clients images are made with.

use super::VarFlags;
use super::engine::{StateFlags, runtime};
use crate::bake::graph_walk::{Mode, Report, Request};
use crate::config::tfvars::{self, RawValue};
use crate::diag::Diagnostic;
use crate::graph::ModuleTree;
use crate::lang::value::Value;
use crate::provider::Registry;
use crate::provider::aws::Aws;
use crate::state::State;
use crate::state::store::Store;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct ImageContext {
    pub tree: ModuleTree,
    pub root_vars: BTreeMap<String, RawValue>,
    /// Holds the lock, when taken, until dropped.
    pub store: Store,
    pub state: State,
    pub state_path: PathBuf,
    pub rt: tokio::runtime::Runtime,
    pub registry: Registry,
    /// The default AWS provider's clients and configuration.
    pub aws: Arc<Aws>,
    pub config: Value,
}

/// The module tree in `dir`.
pub fn load_tree(dir: &Path) -> Result<ModuleTree, Vec<Diagnostic>> {
    let (tree, diags) = ModuleTree::load(dir);
    tree.ok_or(diags)
}

pub fn has_images(tree: &ModuleTree) -> bool {
    tree.modules.iter().any(|m| !m.module.images.is_empty())
}

impl ImageContext {
    /// Opens the state of the configuration in `dir` for `operation`, taking the lock if `lock`.
    pub fn open(
        tree: ModuleTree,
        dir: &Path,
        vars: (&VarFlags, &[String]),
        flags: &StateFlags,
        operation: &str,
        lock: bool,
    ) -> Result<ImageContext, Vec<Diagnostic>> {
        let root_vars = tfvars::collect(dir, &vars.0.ordered(vars.1))?;
        let flags = StateFlags {
            lock,
            ..flags.clone()
        };
        let (store, state) =
            super::backend::open_store(dir, tree.root(), &flags, operation).map_err(|d| vec![d])?;
        let state_path = store.side_path.clone();
        let rt = runtime().map_err(|d| vec![d])?;
        let prior = store.existed.then_some(&state);
        let registry = super::engine::registry_for(&rt, &tree, &root_vars, prior)?;
        let (aws, config) = registry
            .aws_at(&crate::bake::build::aws_address())
            .ok_or_else(|| {
                vec![Diagnostic::plain(
                    "No AWS provider",
                    "Images are baked with, and looked up in, the default provider \"aws\" configuration; this configuration has none.",
                )]
            })?;
        Ok(ImageContext {
            tree,
            root_vars,
            store,
            state,
            state_path,
            rt,
            registry,
            aws,
            config,
        })
    }

    /// The state, if there is one yet.
    pub fn prior(&self) -> Option<&State> {
        self.store.existed.then_some(&self.state)
    }

    /// A walk of `images` (none: all) and what they depend on.
    pub fn walk_request(
        &self,
        images: Vec<String>,
        mode: Mode,
        parallel: usize,
        report: Arc<dyn Report>,
    ) -> Request<'_> {
        Request {
            tree: &self.tree,
            prior: self.prior(),
            registry: self.registry.clone(),
            options: crate::evaluate::Options::run(
                self.root_vars.clone(),
                crate::state::workdir::workspace(&self.tree.root().dir),
            ),
            images,
            mode,
            parallel,
            state_path: self.state_path.clone(),
            report,
        }
    }
}
