//! Evaluating a configuration: the static graph of the whole module tree is walked in
//! dependency order, and each node is evaluated for every instance of its module (module
//! calls decide those instances as the walk reaches them). Values only apply can know stay
//! unknown. `validate`, `eval` and `console` run on this; the planner builds on it.
//!
//! Invariant: an error in one object is reported and its value becomes unknown, so later
//! objects still get checked and one mistake does not hide the next.

pub mod body;
mod builtin_data;
pub mod providers;
pub mod provisioners;
mod scope;
mod variables;
pub mod walk;

use crate::config::tfvars::RawValue;
use crate::config::{Module, Resource};
use crate::diag::Diagnostic;
use crate::graph::deps::Node;
use crate::graph::{ModuleTree, StaticNode};
use crate::lang::Evaluator;
use crate::lang::convert::convert;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::syntax;
pub use scope::{CallExpansion, Instance, InstanceScope, Repetition, World};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct OutputValue {
    pub value: Value,
    pub sensitive: bool,
}

#[derive(Default)]
pub struct Evaluated {
    pub outputs: BTreeMap<String, OutputValue>,
    pub diagnostics: Vec<Diagnostic>,
    /// Every module instance's values (the root's for `console`).
    pub world: World,
    /// Resource instances seen, counted across modules (`validate` prints it).
    pub resource_instances: usize,
}

pub struct Options {
    pub root_vars: BTreeMap<String, RawValue>,
    pub workspace: String,
    /// A missing root variable is an error (`eval`); `console` leaves it unknown.
    pub require_root_vars: bool,
    /// Terraform's `validate`: every input variable, module output, `count.index` and `each`
    /// is unknown, so the configuration is checked for every possible input at once.
    pub validate_only: bool,
}

impl Options {
    /// How plan, apply, bake and `eval` evaluate: every root variable must have a value.
    pub fn run(root_vars: BTreeMap<String, RawValue>, workspace: impl Into<String>) -> Options {
        Options {
            root_vars,
            workspace: workspace.into(),
            require_root_vars: true,
            validate_only: false,
        }
    }
}

/// A provider-free data source's value, read now; `None` for data sources a provider reads.
pub fn read_builtin_data(
    r: &Resource,
    config: &Value,
    root_dir: &Path,
) -> Option<crate::diag::DiagResult<Value>> {
    builtin_data::read(r.mode, &r.type_name, &r.name, config, r.span, root_dir)
}

/// Evaluates the root module in `dir` and everything it calls.
pub fn evaluate_root(dir: &Path, opts: &Options) -> Evaluated {
    let (tree, diags) = ModuleTree::load(dir);
    match tree {
        Some(tree) => evaluate_tree(&tree, diags, opts),
        None => Evaluated {
            diagnostics: diags,
            ..Evaluated::default()
        },
    }
}

/// Evaluates a root module already loaded (from text, in tests and fuzzing).
pub fn evaluate_module(root: &Module, opts: &Options) -> Evaluated {
    let (tree, diags) = ModuleTree::from_module(Arc::new(root.clone()));
    evaluate_tree(&tree, diags, opts)
}

fn evaluate_tree(tree: &ModuleTree, diags: Vec<Diagnostic>, opts: &Options) -> Evaluated {
    let mut hook = walk::EvaluateOnly {
        root_dir: tree.root().dir.clone(),
    };
    let walk_opts = walk::WalkOptions {
        parallelism: 1,
        stop: None,
        only: None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread().build();
    match runtime {
        Ok(rt) => rt.block_on(run(tree, diags, opts, &mut hook, &walk_opts)).0,
        Err(e) => Evaluated {
            diagnostics: vec![Diagnostic::plain("Failed to start", e.to_string())],
            ..Evaluated::default()
        },
    }
}

/// Walks the whole configuration with `hook` deciding what each resource instance is.
pub async fn run<H: walk::Hook>(
    tree: &ModuleTree,
    mut diags: Vec<Diagnostic>,
    opts: &Options,
    hook: &mut H,
    walk_opts: &walk::WalkOptions,
) -> (Evaluated, walk::WalkResult) {
    let root = tree.root();
    let graph = match tree.graph() {
        Ok(g) => g,
        Err(d) => {
            diags.extend(d);
            return (
                Evaluated {
                    diagnostics: diags,
                    ..Evaluated::default()
                },
                walk::WalkResult {
                    skipped: 0,
                    interrupted: false,
                },
            );
        }
    };
    let mut world = World {
        by_module: vec![Vec::new(); tree.modules.len()],
        ..World::default()
    };
    world.instances.insert(
        String::new(),
        Instance::new(String::new(), 0, root, &root.dir, &opts.workspace),
    );
    world.by_module[0].push(String::new());
    let mut ctx = Ctx {
        diags,
        root_dir: root.dir.clone(),
        workspace: opts.workspace.clone(),
        instances: 0,
        opts,
    };
    let result = walk::walk(tree, graph, &mut world, &mut ctx, hook, walk_opts).await;
    let mut out = Evaluated::default();
    if let Some(r) = world.root() {
        for (name, o) in &root.outputs {
            if let Some(v) = r.outputs.get(name) {
                out.outputs.insert(
                    name.clone(),
                    OutputValue {
                        value: v.clone(),
                        sensitive: o.sensitive || v.has_marks(),
                    },
                );
            }
        }
    }
    out.diagnostics = ctx.diags;
    out.resource_instances = ctx.instances;
    out.world = world;
    (out, result)
}

pub struct Ctx<'o> {
    diags: Vec<Diagnostic>,
    root_dir: PathBuf,
    workspace: String,
    instances: usize,
    opts: &'o Options,
}

impl Ctx<'_> {
    fn eval_node(&mut self, tree: &ModuleTree, world: &mut World, sn: &StaticNode, key: &str) {
        let m = &tree.modules[sn.module].module;
        let value = {
            let Some(inst) = world.instances.get(key) else {
                return;
            };
            match &sn.node {
                Node::Var(n) => Some(self.variable(tree, world, inst, n)),
                Node::Local(n) => {
                    Some(self.eval_in(&InstanceScope::new(world, inst), &m.locals[n].expr))
                }
                Node::Output(n) => Some(self.output(m, world, inst, n, sn.module == 0)),
                // The walker evaluates resources: their instances may be work to wait for.
                Node::Resource(_) => None,
                // The walk hands images to its hook.
                Node::Image(_) => None,
                Node::Module(_) => None,
            }
        };
        match &sn.node {
            Node::Module(call) => return self.module_call(tree, world, sn.module, key, call),
            Node::Resource(_) | Node::Image(_) => return,
            _ => {}
        }
        let (Some(v), Some(inst)) = (value, world.instances.get_mut(key)) else {
            return;
        };
        match &sn.node {
            Node::Var(n) => {
                inst.vars.insert(n.clone(), v);
            }
            Node::Local(n) => {
                inst.locals.insert(n.clone(), v);
            }
            Node::Output(n) => {
                inst.outputs.insert(n.clone(), v);
            }
            Node::Resource(_) | Node::Image(_) | Node::Module(_) => {}
        }
    }

    /// Evaluates an expression, recording an error and yielding unknown on failure.
    fn eval_in(&mut self, scope: &InstanceScope, e: &syntax::Expr) -> Value {
        let mut ev = Evaluator::new(scope, self.root_dir.clone());
        match ev.eval(e) {
            Ok(v) => v,
            Err(d) => {
                self.diags.push(d);
                Value::unknown()
            }
        }
    }

    fn output(
        &mut self,
        m: &Module,
        world: &World,
        inst: &Instance,
        name: &str,
        is_root: bool,
    ) -> Value {
        let o = &m.outputs[name];
        let scope = InstanceScope::new(world, inst);
        for p in &o.preconditions {
            let ok = self.eval_in(&scope, &p.condition);
            if ok.unmark().0.as_bool() == Some(false) {
                let msg = self.eval_in(&scope, &p.error_message);
                self.diags.push(Diagnostic::error(
                    "Module output value precondition failed",
                    msg.unmark().0.as_str().unwrap_or("").to_string(),
                    p.condition.span,
                ));
            }
        }
        let v = self.eval_in(&scope, &o.value);
        if is_root && !o.sensitive && v.has_marks() {
            self.diags.push(Diagnostic::error(
                "Output refers to sensitive values",
                format!("To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, Terraform requires that any root module output containing sensitive data be explicitly marked as sensitive, to confirm your intent.\n\nIf you do intend to export this data, annotate the output value as sensitive by adding the following argument:\n    sensitive = true\n(output {name:?})"),
                o.value.span,
            ));
        }
        if o.sensitive { v.sensitive() } else { v }
    }

    /// A resource's instances for one module instance: their keys and evaluated configuration
    /// (unknown where the body had errors, which are reported).
    fn resource_configs(
        &mut self,
        world: &World,
        inst: &Instance,
        r: &Resource,
    ) -> (Shape, Vec<(Option<InstanceKey>, Value)>) {
        let base = InstanceScope::new(world, inst);
        let expansion = self.expansion(&base, r.count.as_ref(), r.for_each.as_ref());
        let config = |ctx: &mut Self, scope: &InstanceScope| -> Value {
            let mut ev = Evaluator::new(scope, ctx.root_dir.clone());
            match body::eval_body(&mut ev, &r.body) {
                Ok(c) => c,
                Err(d) => {
                    ctx.diags.push(d);
                    Value::Unknown(Type::Dynamic)
                }
            }
        };
        match expansion {
            Expansion::Single => {
                self.instances += 1;
                (Shape::Single, vec![(None, config(self, &base))])
            }
            Expansion::Count(n) => {
                self.instances += n;
                let items = (0..n)
                    .map(|i| {
                        (
                            Some(InstanceKey::Int(i)),
                            config(self, &InstanceScope::new(world, inst).with_count(i)),
                        )
                    })
                    .collect();
                (Shape::Count, items)
            }
            Expansion::ForEach(pairs) => {
                self.instances += pairs.len();
                let items = pairs
                    .into_iter()
                    .map(|(k, v)| {
                        let c = config(
                            self,
                            &InstanceScope::new(world, inst).with_each(k.clone(), v),
                        );
                        (Some(InstanceKey::Str(k)), c)
                    })
                    .collect();
                (Shape::ForEach, items)
            }
            Expansion::Unknown => {
                let scope =
                    InstanceScope::new(world, inst).with_unknown_repetition(r.count.is_some());
                let _ = config(self, &scope);
                (Shape::Unknown, Vec::new())
            }
        }
    }

    fn expansion(
        &mut self,
        scope: &InstanceScope,
        count: Option<&syntax::Expr>,
        for_each: Option<&syntax::Expr>,
    ) -> Expansion {
        let e = self.checked_expansion(scope, count, for_each);
        if self.opts.validate_only && (count.is_some() || for_each.is_some()) {
            return Expansion::Unknown;
        }
        e
    }

    fn checked_expansion(
        &mut self,
        scope: &InstanceScope,
        count: Option<&syntax::Expr>,
        for_each: Option<&syntax::Expr>,
    ) -> Expansion {
        if let Some(c) = count {
            let v = self.eval_in(scope, c);
            let (v, marked) = v.unmark();
            if marked {
                self.diags.push(Diagnostic::error("Invalid count argument", "Sensitive values, or values derived from sensitive values, cannot be used as count arguments.", c.span));
                return Expansion::Unknown;
            }
            if !v.is_known() {
                return Expansion::Unknown;
            }
            return match convert(v, &Type::Number)
                .ok()
                .and_then(|n| n.as_number().and_then(|n| n.to_i64()))
            {
                Some(n) if n >= 0 => Expansion::Count(n as usize),
                Some(_) => {
                    self.diags.push(Diagnostic::error("Invalid count argument", "The given \"count\" argument value is unsuitable: must be greater than or equal to zero.", c.span));
                    Expansion::Unknown
                }
                None => {
                    self.diags.push(Diagnostic::error("Invalid count argument", "The given \"count\" argument value is unsuitable: a whole number is required.", c.span));
                    Expansion::Unknown
                }
            };
        }
        let Some(fe) = for_each else {
            return Expansion::Single;
        };
        let v = self.eval_in(scope, fe);
        let (v, marked) = v.unmark();
        if marked {
            self.diags.push(Diagnostic::error("Invalid for_each argument", "Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments.", fe.span));
            return Expansion::Unknown;
        }
        // Only the keys must be known: a map of objects still being created is fine, as in
        // Terraform. (A set holding an unknown element is unknown as a whole.)
        if !v.is_known() {
            return Expansion::Unknown;
        }
        match v {
            Value::Map(_, attrs) | Value::Object(attrs) => {
                Expansion::ForEach(attrs.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            }
            Value::Set(_, items) => {
                let mut pairs = Vec::new();
                for item in items.iter() {
                    match item.as_str() {
                        Some(s) => pairs.push((s.to_string(), item.clone())),
                        None => {
                            self.diags.push(Diagnostic::error("Invalid for_each set argument", "The given \"for_each\" argument value is unsuitable: \"for_each\" supports sets of strings, but you have provided a set containing a non-string value.", fe.span));
                            return Expansion::Unknown;
                        }
                    }
                }
                Expansion::ForEach(pairs)
            }
            Value::Null(_) => {
                self.diags.push(Diagnostic::error("Invalid for_each argument", "The given \"for_each\" argument value is null. A map, or set of strings is allowed.", fe.span));
                Expansion::Unknown
            }
            other => {
                self.diags.push(Diagnostic::error(
                    "Invalid for_each argument",
                    format!("The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type {}. Use toset() for a list of strings.", other.ty().friendly()),
                    fe.span,
                ));
                Expansion::Unknown
            }
        }
    }

    /// Decides a call's child instances for the parent instance `key` and creates them.
    fn module_call(
        &mut self,
        tree: &ModuleTree,
        world: &mut World,
        module: usize,
        key: &str,
        call_name: &str,
    ) {
        let tm = &tree.modules[module];
        let call = &tm.module.module_calls[call_name];
        let Some(&child) = tm.children.get(call_name) else {
            // The module could not be loaded (reported already): its outputs stay unknown.
            if let Some(parent) = world.instances.get_mut(key) {
                parent
                    .calls
                    .insert(call_name.to_string(), CallExpansion::Unknown(String::new()));
            }
            return;
        };
        let child_module = &tree.modules[child].module;
        for (name, e) in &call.inputs {
            if !child_module.variables.contains_key(name) {
                let hint = crate::diag::did_you_mean(
                    name,
                    child_module.variables.keys().map(String::as_str),
                )
                .map(|s| format!(" Did you mean {s:?}?"))
                .unwrap_or_default();
                self.diags.push(Diagnostic::error(
                    "Unsupported argument",
                    format!("An argument named {name:?} is not expected here: module {call_name:?} declares no such variable.{hint}"),
                    e.span,
                ));
            }
        }
        let expansion = {
            let Some(inst) = world.instances.get(key) else {
                return;
            };
            let scope = InstanceScope::new(world, inst);
            self.expansion(&scope, call.count.as_ref(), call.for_each.as_ref())
        };
        let base = format!("{key}module.{call_name}");
        let (children, record): (Vec<(String, Repetition)>, CallExpansion) = match expansion {
            Expansion::Single => (
                vec![(format!("{base}."), Repetition::None)],
                CallExpansion::Single(format!("{base}.")),
            ),
            Expansion::Count(n) => {
                let ks: Vec<String> = (0..n).map(|i| format!("{base}[{i}].")).collect();
                (
                    ks.iter()
                        .enumerate()
                        .map(|(i, k)| (k.clone(), Repetition::Count(i)))
                        .collect(),
                    CallExpansion::Count(ks),
                )
            }
            Expansion::ForEach(pairs) => {
                let ks: Vec<(String, String)> = pairs
                    .iter()
                    .map(|(k, _)| (k.clone(), format!("{base}[{k:?}].")))
                    .collect();
                let children = pairs
                    .into_iter()
                    .zip(&ks)
                    .map(|((k, v), (_, ck))| (ck.clone(), Repetition::Each(k, v)))
                    .collect();
                (children, CallExpansion::ForEach(ks))
            }
            Expansion::Unknown => {
                // One stand-in instance keeps the child's configuration checked.
                let k = format!("{base}[*].");
                let rep = if call.count.is_some() {
                    Repetition::UnknownCount
                } else {
                    Repetition::UnknownEach
                };
                (vec![(k.clone(), rep)], CallExpansion::Unknown(k))
            }
        };
        for (ck, rep) in children {
            let mut inst = Instance::new(
                ck.clone(),
                child,
                child_module,
                &self.root_dir,
                &self.workspace,
            );
            inst.parent = Some(key.to_string());
            inst.repetition = rep;
            world.instances.insert(ck.clone(), inst);
            world.by_module[child].push(ck);
        }
        if let Some(parent) = world.instances.get_mut(key) {
            parent.calls.insert(call_name.to_string(), record);
        }
    }
}

/// How a resource's instances are addressed: alone, by number, by key, or not known yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Single,
    Count,
    ForEach,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstanceKey {
    Int(usize),
    Str(String),
}

impl InstanceKey {
    /// `[0]` or `["a"]`.
    pub fn suffix(&self) -> String {
        match self {
            InstanceKey::Int(i) => format!("[{i}]"),
            InstanceKey::Str(s) => format!("[{}]", serde_json::Value::String(s.clone())),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            InstanceKey::Int(i) => serde_json::json!(i),
            InstanceKey::Str(s) => serde_json::json!(s),
        }
    }

    pub fn from_json(v: &serde_json::Value) -> Option<InstanceKey> {
        match v {
            serde_json::Value::Number(n) => n.as_u64().map(|i| InstanceKey::Int(i as usize)),
            serde_json::Value::String(s) => Some(InstanceKey::Str(s.clone())),
            _ => None,
        }
    }
}

enum Expansion {
    Single,
    Count(usize),
    ForEach(Vec<(String, Value)>),
    /// count or for_each is not known yet.
    Unknown,
}
