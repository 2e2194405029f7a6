//! The static module tree: the root module and every module it calls, by call path
//! (`module.net.module.subnets`). A module called twice is loaded once and appears at two paths.

use crate::config::{Module, ModuleCall, load_module};
use crate::diag::Diagnostic;
use crate::modules::Manifest;
use crate::modules::manifest::key as manifest_key;
use crate::modules::source::Source;
use crate::modules::version::{Constraint, Version};
use crate::sources::normalize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
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
    /// Loads `dir` and, recursively, every module it calls: local ones from their paths, the
    /// others from where `infra init` installed them (its manifest; this never fetches).
    /// Problems are returned beside whatever could be loaded.
    pub fn load(dir: &Path) -> (Option<ModuleTree>, Vec<Diagnostic>) {
        let mut cache: HashMap<PathBuf, Arc<Module>> = HashMap::new();
        let mut diags = Vec::new();
        let root = match load_cached(&mut cache, dir) {
            Ok(m) => m,
            Err(d) => return (None, d),
        };
        let manifest = match Manifest::load(dir) {
            Ok(m) => m,
            Err(e) => return (None, vec![Diagnostic::plain("Invalid module manifest", e)]),
        };
        let installed = Installed {
            root: dir,
            manifest: manifest.as_ref(),
        };
        let tree = ModuleTree::from_root(root, &installed, &mut cache, &mut diags);
        (Some(tree), diags)
    }

    /// A tree from a module already in memory (tests, fuzzing, `console`).
    pub fn from_module(root: Arc<Module>) -> (ModuleTree, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let installed = Installed {
            root: Path::new("."),
            manifest: None,
        };
        let tree = ModuleTree::from_root(root, &installed, &mut HashMap::new(), &mut diags);
        (tree, diags)
    }

    fn from_root(
        root: Arc<Module>,
        installed: &Installed,
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
                if tree.modules[i].path.len() >= MAX_DEPTH {
                    diags.push(Diagnostic::error("Module nesting too deep", format!("Modules call each other more than {MAX_DEPTH} levels deep; is a module calling itself?"), call.span));
                    continue;
                }
                let mut path = tree.modules[i].path.clone();
                path.push(name.clone());
                let dir = match installed.dir_of(&m.dir, &path, call) {
                    Ok(dir) => dir,
                    Err(d) => {
                        diags.push(d);
                        continue;
                    }
                };
                match load_cached(cache, &dir) {
                    Ok(child) => {
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

/// Where the modules that are not local paths were installed.
struct Installed<'a> {
    root: &'a Path,
    manifest: Option<&'a Manifest>,
}

impl Installed<'_> {
    /// The directory of the module a call at `path` loads: a local source's path from its
    /// caller's directory (inside a package, the package's copy), any other source's installed
    /// copy, which must match the call's source and version constraint.
    fn dir_of(
        &self,
        caller_dir: &Path,
        path: &[String],
        call: &ModuleCall,
    ) -> Result<PathBuf, Diagnostic> {
        let err =
            |summary: &str, detail: String| Diagnostic::error(summary, detail, call.source_span);
        let name = &call.name;
        let source = Source::parse(&call.source).map_err(|e| {
            err(
                "Invalid module source address",
                format!("Module {name:?}: {e}"),
            )
        })?;
        if let Source::Local(rel) = &source {
            if call.version.is_some() {
                return Err(err(
                    "Invalid module version",
                    format!(
                        "Module {name:?}: only registry modules take a version argument; a local module is always the one at its path."
                    ),
                ));
            }
            return Ok(normalize(&caller_dir.join(rel)));
        }
        let key = manifest_key(path);
        let record = self.manifest.and_then(|m| m.get(&key));
        let Some(record) = record.filter(|r| self.root.join(&r.dir).is_dir()) else {
            return Err(err(
                "Module not installed",
                format!(
                    "Module {name:?} (source {:?}) is not installed: run infra init to install it.",
                    call.source
                ),
            ));
        };
        if record.source != call.source {
            return Err(err(
                "Module source has changed",
                format!(
                    "Module {name:?} was installed from {:?} and now reads {:?}: run infra init to install it.",
                    record.source, call.source
                ),
            ));
        }
        if let Some(want) = &call.version {
            let allowed = Constraint::parse(want)
                .map_err(|e| err("Invalid module version", format!("Module {name:?}: {e}")))?;
            let have = record.version.as_deref().and_then(Version::parse);
            if !have.as_ref().is_some_and(|v| allowed.allows(v)) {
                return Err(err(
                    "Module version requirements have changed",
                    format!(
                        "Module {name:?} is installed at version {}, which does not match {want:?}: run infra init to install a matching version.",
                        record.version.as_deref().unwrap_or("(none)")
                    ),
                ));
            }
        }
        Ok(self.root.join(&record.dir))
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
