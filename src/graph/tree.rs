//! The static module tree: the root module and every module it calls, by call path
//! (`module.net.module.subnets`). A module called twice is loaded once and appears at two paths.

use crate::config::load::provider_ref;
use crate::config::{Module, ModuleCall, load_module};
use crate::diag::Diagnostic;
use crate::modules::Manifest;
use crate::modules::manifest::key as manifest_key;
use crate::modules::source::Source;
use crate::modules::version::Constraint;
use crate::sources::normalize;
use crate::syntax::ExprKind;
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
    /// The provider configurations its call passed (`providers = { aws = aws.west }`): the
    /// module's reference (`aws`, `aws.dr`) → the root configuration's address.
    pub providers: BTreeMap<String, String>,
    /// Without a `providers` argument a module inherits its caller's default configurations.
    pub inherits_providers: bool,
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
                providers: BTreeMap::new(),
                inherits_providers: false,
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
                            providers: BTreeMap::new(),
                            inherits_providers: call.providers.is_none(),
                        });
                        tree.modules[i].children.insert(name.clone(), idx);
                        tree.bind_providers(idx, call, diags);
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

    /// The root configuration a provider reference (`aws`, `aws.west`) means in module `i`,
    /// if the module has one by that name.
    pub fn provider_config(&self, i: usize, reference: &str) -> Option<String> {
        let m = &self.modules[i];
        let (name, alias) = match reference.split_once('.') {
            Some((n, a)) => (n, Some(a)),
            None => (reference, None),
        };
        let own = crate::addrs::config_address(&crate::addrs::source_of(name), alias);
        let Some(parent) = m.parent else {
            return Some(own);
        };
        // A module's own provider block (legacy, still in real configurations) comes first.
        if m.module
            .providers
            .iter()
            .any(|p| p.name == name && p.alias.as_deref() == alias)
        {
            return Some(format!("{}{own}", m.prefix()));
        }
        match m.providers.get(reference) {
            Some(address) => Some(address.clone()),
            None if m.inherits_providers && !reference.contains('.') => {
                self.provider_config(parent, reference)
            }
            None => None,
        }
    }

    /// Reads the `providers` argument of the call that loaded module `i`, and points every
    /// resource of the module at the root configuration it gets (the module is copied for
    /// this call when that differs from what its own references would name).
    fn bind_providers(&mut self, i: usize, call: &ModuleCall, diags: &mut Vec<Diagnostic>) {
        let parent = self.modules[i].parent.unwrap_or(0);
        let name = &call.name;
        if let Some(p) = self.modules[i].module.providers.first()
            && (call.count.is_some() || call.for_each.is_some() || !call.depends_on.is_empty())
        {
            diags.push(Diagnostic::error(
                "Module is incompatible with count, for_each, and depends_on",
                format!("Module {name:?} contains provider configuration (provider {:?}); providers cannot be configured within modules using count, for_each or depends_on. Configure it in the root module and pass it with providers = {{ ... }}.", p.name),
                call.span,
            ));
        }
        if let Some(expr) = &call.providers {
            let ExprKind::Object(items) = &expr.kind else {
                diags.push(Diagnostic::error(
                    "Invalid providers argument",
                    format!("Module {name:?}: providers must be a map like {{ aws = aws.west }}."),
                    expr.span,
                ));
                return;
            };
            for item in items {
                let key = provider_ref(&item.key).or_else(|| item.key.as_literal_string());
                let (Some(key), Some(value)) = (key, provider_ref(&item.value)) else {
                    diags.push(Diagnostic::error(
                        "Invalid providers argument",
                        format!("Module {name:?}: each entry passes a configuration by name, like aws.dr = aws.east."),
                        item.value.span,
                    ));
                    continue;
                };
                match self.provider_config(parent, &value) {
                    Some(address) => {
                        self.modules[i].providers.insert(key, address);
                    }
                    None => diags.push(Diagnostic::error(
                        "Provider configuration not present",
                        format!("Module {name:?} is passed provider configuration {value}, which its caller does not have."),
                        item.value.span,
                    )),
                }
            }
        }
        let module = self.modules[i].module.clone();
        let mut missing = Vec::new();
        for (provider, req) in &module.terraform.required_providers {
            for alias in &req.configuration_aliases {
                if self.provider_config(i, alias).is_none() {
                    missing.push(alias.as_str());
                    diags.push(Diagnostic::error(
                        "Missing required provider configuration",
                        format!("Module {name:?} expects provider configuration {alias} (configuration_aliases of {provider}): pass it with providers = {{ {alias} = ... }}."),
                        call.span,
                    ));
                }
            }
        }
        let mut resolved = Vec::new();
        for (addr, r) in &module.resources {
            let reference = r.provider_ref();
            match self.provider_config(i, &reference) {
                Some(address) if address == r.provider_config_address() => {}
                Some(address) => resolved.push((addr.clone(), address)),
                // Said once, for the call, above.
                None if missing.contains(&reference.as_str()) => {}
                None => diags.push(Diagnostic::error(
                    "Provider configuration not present",
                    format!("{addr} in module {name:?} uses provider configuration {reference}, which the module call does not pass: add {reference} = ... to its providers argument (once providers is set, nothing is inherited)."),
                    r.span,
                )),
            }
        }
        if !resolved.is_empty() {
            let mut copy = (*module).clone();
            for (addr, address) in resolved {
                if let Some(r) = copy.resources.get_mut(&addr) {
                    r.provider_config = Some(address);
                }
            }
            self.modules[i].module = Arc::new(copy);
        }
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
        let installed = |r: &&crate::modules::Record| {
            crate::sources::kind(&self.root.join(&r.dir)).ok() == Some(crate::sources::Kind::Dir)
        };
        let Some(record) = record.filter(installed) else {
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
            if !allowed.allows_installed(record.version.as_deref()) {
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
