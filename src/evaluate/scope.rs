//! The values of every module instance (the world), and the names an expression inside one
//! instance can see: `var`, `local`, resources by type, `data`, `module`, `image`, `path`,
//! `terraform`, and per object `count`, `each`, `self`.

use crate::config::{Mode, Module, Resource};
use crate::diag::{DiagResult, Diagnostic};
use crate::lang::Scope;
use crate::lang::types::Type;
use crate::lang::value::{Attrs, Value};
use crate::syntax::Span;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// How a module call expanded into child instances (their instance keys).
#[derive(Clone, Debug)]
pub enum CallExpansion {
    Single(String),
    Count(Vec<String>),
    ForEach(Vec<(String, String)>),
    /// count or for_each is not known yet.
    Unknown(String),
}

/// This instance's place in its parent call's `count` or `for_each`.
#[derive(Clone, Debug, Default)]
pub enum Repetition {
    #[default]
    None,
    Count(usize),
    Each(String, Value),
    /// Known only after apply (or, in `validate`, deliberately unknown).
    UnknownCount,
    UnknownEach,
}

/// The values of one module instance, filled in as evaluation proceeds.
#[derive(Clone, Default)]
pub struct Instance {
    /// `""` for the root, `module.net[0].` for a child: the prefix of addresses inside it.
    pub key: String,
    /// Index of its module in the module tree.
    pub module: usize,
    pub parent: Option<String>,
    pub repetition: Repetition,
    pub vars: Attrs,
    pub locals: Attrs,
    pub outputs: Attrs,
    /// Managed resources: type → name → value.
    pub managed: BTreeMap<String, Attrs>,
    /// Data sources: type → name → value.
    pub data: BTreeMap<String, Attrs>,
    pub images: Attrs,
    pub calls: BTreeMap<String, CallExpansion>,
    resource_types: BTreeSet<String>,
    path_module: String,
    cwd: String,
    workspace: String,
}

fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy().to_string();
    if s.is_empty() { ".".into() } else { s }
}

/// `child` relative to `base`, with `..` steps where it lies outside (`../../modules/net`), as
/// Terraform gives `path.module` relative to the root module's directory.
fn relative(child: &Path, base: &Path) -> String {
    let c = child.canonicalize().unwrap_or_else(|_| child.to_path_buf());
    let b = base.canonicalize().unwrap_or_else(|_| base.to_path_buf());
    let cs: Vec<_> = c.components().collect();
    let bs: Vec<_> = b.components().collect();
    let common = cs.iter().zip(&bs).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return display_path(child);
    }
    let mut rel = std::path::PathBuf::new();
    for _ in common..bs.len() {
        rel.push("..");
    }
    for part in &cs[common..] {
        rel.push(part);
    }
    display_path(&rel)
}

impl Instance {
    pub fn new(
        key: String,
        module_index: usize,
        m: &Module,
        root_dir: &Path,
        workspace: &str,
    ) -> Instance {
        Instance {
            key,
            module: module_index,
            resource_types: m
                .resources
                .values()
                .filter(|r| r.mode == Mode::Managed)
                .map(|r| r.type_name.clone())
                .collect(),
            // Terraform gives path.module relative to the working directory.
            path_module: relative(&m.dir, root_dir),
            cwd: std::env::current_dir()
                .map(|p| display_path(&p))
                .unwrap_or_else(|_| ".".into()),
            workspace: workspace.to_string(),
            ..Instance::default()
        }
    }

    pub fn set_resource(&mut self, r: &Resource, v: Value) {
        let table = match r.mode {
            Mode::Managed => &mut self.managed,
            Mode::Data => &mut self.data,
        };
        table
            .entry(r.type_name.clone())
            .or_default()
            .insert(r.name.clone(), v);
    }
}

/// Every module instance's values, and which instances each module of the tree has.
#[derive(Default)]
pub struct World {
    pub instances: BTreeMap<String, Instance>,
    /// Per module-tree index: the keys of its instances.
    pub by_module: Vec<Vec<String>>,
}

impl World {
    pub fn root(&self) -> Option<&Instance> {
        self.instances.get("")
    }

    fn outputs_of(&self, key: &str) -> Value {
        match self.instances.get(key) {
            Some(i) => Value::object(i.outputs.clone()),
            None => Value::unknown(),
        }
    }

    /// The value of `module.<call>` as seen from `inst`.
    fn module_value(&self, inst: &Instance, call: &str) -> Value {
        match inst.calls.get(call) {
            Some(CallExpansion::Single(k)) => self.outputs_of(k),
            Some(CallExpansion::Count(ks)) => {
                Value::tuple(ks.iter().map(|k| self.outputs_of(k)).collect())
            }
            Some(CallExpansion::ForEach(ks)) => Value::object(
                ks.iter()
                    .map(|(key, k)| (key.clone(), self.outputs_of(k)))
                    .collect(),
            ),
            Some(CallExpansion::Unknown(_)) | None => Value::unknown(),
        }
    }
}

pub struct InstanceScope<'a> {
    world: &'a World,
    inst: &'a Instance,
    count: Option<Value>,
    each: Option<(Value, Value)>,
    pub self_value: Option<Value>,
}

impl<'a> InstanceScope<'a> {
    pub fn new(world: &'a World, inst: &'a Instance) -> InstanceScope<'a> {
        InstanceScope {
            world,
            inst,
            count: None,
            each: None,
            self_value: None,
        }
    }

    pub fn with_count(mut self, i: usize) -> Self {
        self.count = Some(Value::object(
            [("index".to_string(), Value::int(i as i64))].into(),
        ));
        self
    }

    pub fn with_each(mut self, key: String, value: Value) -> Self {
        self.each = Some((Value::string(key), value));
        self
    }

    /// count or for_each whose value is not known yet: their index and key are unknown too.
    pub fn with_unknown_repetition(mut self, is_count: bool) -> Self {
        if is_count {
            self.count = Some(Value::object(
                [("index".to_string(), Value::Unknown(Type::Number))].into(),
            ));
        } else {
            self.each = Some((Value::Unknown(Type::String), Value::unknown()));
        }
        self
    }

    /// The scope of a child module's call arguments: the parent's names, with the child
    /// instance's `count.index` or `each`.
    pub fn with_repetition(self, r: &Repetition) -> Self {
        match r {
            Repetition::None => self,
            Repetition::Count(i) => self.with_count(*i),
            Repetition::Each(k, v) => self.with_each(k.clone(), v.clone()),
            Repetition::UnknownCount => self.with_unknown_repetition(true),
            Repetition::UnknownEach => self.with_unknown_repetition(false),
        }
    }

    pub fn instance(&self) -> &Instance {
        self.inst
    }
}

impl Scope for InstanceScope<'_> {
    fn lookup(&self, name: &str, span: Span) -> Option<DiagResult<Value>> {
        let i = self.inst;
        Some(Ok(match name {
            "var" => Value::object(i.vars.clone()),
            "local" => Value::object(i.locals.clone()),
            "module" => Value::object(
                i.calls
                    .keys()
                    .map(|c| (c.clone(), self.world.module_value(i, c)))
                    .collect(),
            ),
            "image" => Value::object(i.images.clone()),
            "data" => Value::object(
                i.data
                    .iter()
                    .map(|(t, m)| (t.clone(), Value::object(m.clone())))
                    .collect(),
            ),
            "path" => Value::object(
                [
                    ("module".to_string(), Value::string(i.path_module.as_str())),
                    ("root".to_string(), Value::string(".")),
                    ("cwd".to_string(), Value::string(i.cwd.as_str())),
                ]
                .into(),
            ),
            "terraform" => Value::object(
                [("workspace".to_string(), Value::string(i.workspace.as_str()))].into(),
            ),
            "count" => match &self.count {
                Some(c) => c.clone(),
                None => {
                    return Some(Err(Diagnostic::error(
                        "Reference to \"count\" in non-counted context",
                        "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set.",
                        span,
                    )));
                }
            },
            "each" => match &self.each {
                Some((k, v)) => Value::object(
                    [
                        ("key".to_string(), k.clone()),
                        ("value".to_string(), v.clone()),
                    ]
                    .into(),
                ),
                None => {
                    return Some(Err(Diagnostic::error(
                        "Reference to \"each\" in context without for_each",
                        "The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set.",
                        span,
                    )));
                }
            },
            "self" => match &self.self_value {
                Some(v) => v.clone(),
                None => {
                    return Some(Err(Diagnostic::error(
                        "Invalid \"self\" reference",
                        "The \"self\" object is not available in this context. This object can be used only in resource provisioner, connection, and postcondition blocks.",
                        span,
                    )));
                }
            },
            t if i.resource_types.contains(t) => {
                Value::object(i.managed.get(t).cloned().unwrap_or_default())
            }
            _ => return None,
        }))
    }

    fn lookup_attr(&self, root: &str, attr: &str, _span: Span) -> Option<DiagResult<Value>> {
        let i = self.inst;
        let table = match root {
            "var" => &i.vars,
            "local" => &i.locals,
            "image" => &i.images,
            "module" => {
                return i
                    .calls
                    .contains_key(attr)
                    .then(|| Ok(self.world.module_value(i, attr)));
            }
            "data" => return i.data.get(attr).map(|m| Ok(Value::object(m.clone()))),
            t if i.resource_types.contains(t) => i.managed.get(t)?,
            _ => return None,
        };
        table.get(attr).cloned().map(Ok)
    }

    fn root_names(&self) -> Vec<String> {
        let mut names: Vec<String> = [
            "var",
            "local",
            "module",
            "data",
            "path",
            "terraform",
            "image",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        names.extend(self.inst.resource_types.iter().cloned());
        names
    }
}
