//! The static module tree: the root module and every local module it calls, by call path
//! (`module.net.module.subnets`). A module called twice is loaded once and appears at two paths.

use crate::config::{Module, load_module};
use crate::diag::Diagnostic;
use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

pub struct TreeModule {
    pub module: Arc<Module>,
    /// Call names from the root: `["net", "subnets"]`.
    pub path: Vec<String>,
    pub parent: Option<usize>,
    /// Call name → index of the child in [`ModuleTree::modules`].
    pub children: BTreeMap<String, usize>,
}

impl TreeModule {
    /// `module.net.module.subnets.` (empty for the root), the prefix of addresses inside it.
    pub fn prefix(&self) -> String {
        self.path.iter().map(|c| format!("module.{c}.")).collect()
    }
}

pub struct ModuleTree {
    /// Index 0 is the root module.
    pub modules: Vec<TreeModule>,
    /// The dependency graph, built once however many walks use it.
    graph: std::sync::OnceLock<Result<super::StaticGraph, Vec<Diagnostic>>>,
}

const MAX_DEPTH: usize = 32;

impl ModuleTree {
    /// Loads `dir` and, recursively, every module it calls with a local source. Problems are
    /// returned beside whatever could be loaded.
    pub fn load(dir: &Path) -> (Option<ModuleTree>, Vec<Diagnostic>) {
        let mut cache: HashMap<PathBuf, Arc<Module>> = HashMap::new();
        let mut diags = Vec::new();
        let root = match load_cached(&mut cache, dir) {
            Ok(m) => m,
            Err(d) => return (None, d),
        };
        let tree = ModuleTree::from_root(root, &mut cache, &mut diags);
        (Some(tree), diags)
    }

    /// A tree from a module already in memory (tests, fuzzing, `console`).
    pub fn from_module(root: Arc<Module>) -> (ModuleTree, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let tree = ModuleTree::from_root(root, &mut HashMap::new(), &mut diags);
        (tree, diags)
    }

    fn from_root(
        root: Arc<Module>,
        cache: &mut HashMap<PathBuf, Arc<Module>>,
        diags: &mut Vec<Diagnostic>,
    ) -> ModuleTree {
        let mut tree = ModuleTree {
            modules: vec![TreeModule {
                module: root,
                path: Vec::new(),
                parent: None,
                children: BTreeMap::new(),
            }],
            graph: std::sync::OnceLock::new(),
        };
        let mut i = 0;
        while i < tree.modules.len() {
            let m = tree.modules[i].module.clone();
            for (name, call) in &m.module_calls {
                let src = &call.source;
                if !(src.starts_with("./") || src.starts_with("../")) {
                    diags.push(Diagnostic::error(
                        "Unsupported module source",
                        format!("Module {name:?} has source {src:?}. infra loads local modules only (paths starting with ./ or ../); copy a registry or git module into the repository and point source at it."),
                        call.source_span,
                    ));
                    continue;
                }
                if tree.modules[i].path.len() >= MAX_DEPTH {
                    diags.push(Diagnostic::error("Module nesting too deep", format!("Modules call each other more than {MAX_DEPTH} levels deep; is a module calling itself?"), call.span));
                    continue;
                }
                let dir = normalize(&m.dir.join(src));
                match load_cached(cache, &dir) {
                    Ok(child) => {
                        let mut path = tree.modules[i].path.clone();
                        path.push(name.clone());
                        let idx = tree.modules.len();
                        tree.modules.push(TreeModule {
                            module: child,
                            path,
                            parent: Some(i),
                            children: BTreeMap::new(),
                        });
                        tree.modules[i].children.insert(name.clone(), idx);
                    }
                    Err(d) => {
                        if d.iter().all(|x| x.span.is_none()) {
                            diags.push(Diagnostic::error(
                                "Failed to load module",
                                format!("Module {name:?}: could not read {}.", dir.display()),
                                call.source_span,
                            ));
                        } else {
                            diags.extend(d);
                        }
                    }
                }
            }
            i += 1;
        }
        tree
    }

    pub fn graph(&self) -> Result<&super::StaticGraph, Vec<Diagnostic>> {
        self.graph
            .get_or_init(|| super::build(self))
            .as_ref()
            .map_err(Clone::clone)
    }

    pub fn root(&self) -> &Module {
        &self.modules[0].module
    }
}

fn load_cached(
    cache: &mut HashMap<PathBuf, Arc<Module>>,
    dir: &Path,
) -> Result<Arc<Module>, Vec<Diagnostic>> {
    let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    if let Some(m) = cache.get(&key) {
        return Ok(m.clone());
    }
    let m = Arc::new(load_module(dir)?);
    cache.insert(key, m.clone());
    Ok(m)
}

/// `a/b/../c` → `a/c`, so diagnostics show the path a person would write.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}
