//! The names an expression inside a module instance can see: `var`, `local`, resources by
//! type, `data`, `module`, `image`, `path`, `terraform`, and per instance `count`, `each`, `self`.

use crate::config::{Mode, Module, Resource};
use crate::diag::{DiagResult, Diagnostic};
use crate::lang::Scope;
use crate::lang::types::Type;
use crate::lang::value::{Attrs, Value};
use crate::syntax::Span;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The values of one module instance, filled in as evaluation proceeds.
#[derive(Clone, Default)]
pub struct Instance {
    pub vars: Attrs,
    pub locals: Attrs,
    pub outputs: Attrs,
    /// Managed resources: type → name → value.
    pub managed: BTreeMap<String, Attrs>,
    /// Data sources: type → name → value.
    pub data: BTreeMap<String, Attrs>,
    pub modules: Attrs,
    pub images: Attrs,
    resource_types: BTreeSet<String>,
    path_module: String,
    path_root: String,
    cwd: String,
    workspace: String,
}

fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy().to_string();
    if s.is_empty() { ".".into() } else { s }
}

impl Instance {
    pub fn new(m: &Module, root_dir: &Path, workspace: &str) -> Instance {
        // Terraform gives path.module relative to the working directory.
        let module = pathdiff(&m.dir, root_dir);
        Instance {
            resource_types: m
                .resources
                .values()
                .filter(|r| r.mode == Mode::Managed)
                .map(|r| r.type_name.clone())
                .collect(),
            path_module: module,
            path_root: ".".into(),
            cwd: std::env::current_dir()
                .map(|p| display_path(&p))
                .unwrap_or_else(|_| ".".into()),
            workspace: workspace.to_string(),
            ..Instance::default()
        }
    }

    pub fn clone_shallow(&self) -> Instance {
        self.clone()
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

/// `child` relative to `base` when it lies under it, else as given.
fn pathdiff(child: &Path, base: &Path) -> String {
    let c = child.canonicalize().unwrap_or_else(|_| child.to_path_buf());
    let b = base.canonicalize().unwrap_or_else(|_| base.to_path_buf());
    match c.strip_prefix(&b) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".into(),
        Ok(rel) => rel.to_string_lossy().to_string(),
        Err(_) => display_path(child),
    }
}

pub struct InstanceScope<'a> {
    inst: &'a Instance,
    count: Option<Value>,
    each: Option<(Value, Value)>,
    pub self_value: Option<Value>,
}

impl<'a> InstanceScope<'a> {
    pub fn new(inst: &'a Instance) -> InstanceScope<'a> {
        InstanceScope {
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
            "module" => Value::object(i.modules.clone()),
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
                    ("root".to_string(), Value::string(i.path_root.as_str())),
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
            "module" => &i.modules,
            "image" => &i.images,
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
