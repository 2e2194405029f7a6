//! Evaluating a loaded configuration: every module instance's variables, locals, resource
//! bodies, module calls and outputs, in dependency order, with values that only apply can know
//! left unknown. `validate`, `eval` and `console` run on this; the planner builds on it.
//!
//! Invariant: an error in one object is reported and its value becomes unknown, so later
//! objects still get checked and one mistake does not hide the next.

pub mod body;
mod builtin_data;
pub mod deps;
mod scope;

use crate::config::tfvars::RawValue;
use crate::config::{Module, ModuleCall, Resource, load_module};
use crate::diag::Diagnostic;
use crate::lang::convert::{apply_defaults, convert};
use crate::lang::types::Type;
use crate::lang::value::{Attrs, Value};
use crate::lang::{Evaluator, MapScope};
use crate::syntax::{self, Span};
use deps::Node;
pub use scope::{Instance, InstanceScope};
use std::collections::{BTreeMap, HashMap};
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
    /// The root instance, for `console`.
    pub root: Option<Instance>,
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

/// Loads modules once per directory, however often they are called.
#[derive(Default)]
struct ModuleCache {
    loaded: HashMap<PathBuf, Arc<Module>>,
}

impl ModuleCache {
    fn get(&mut self, dir: &Path) -> Result<Arc<Module>, Vec<Diagnostic>> {
        let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        if let Some(m) = self.loaded.get(&key) {
            return Ok(m.clone());
        }
        let m = Arc::new(load_module(dir)?);
        self.loaded.insert(key, m.clone());
        Ok(m)
    }
}

/// Evaluates the root module in `dir` and everything it calls.
pub fn evaluate_root(dir: &Path, opts: &Options) -> Evaluated {
    let mut cache = ModuleCache::default();
    match cache.get(dir) {
        Ok(root) => evaluate_loaded(&root, cache, opts),
        Err(d) => Evaluated {
            diagnostics: d,
            ..Evaluated::default()
        },
    }
}

/// Evaluates a root module already loaded (from text, in tests and fuzzing).
pub fn evaluate_module(root: &Module, opts: &Options) -> Evaluated {
    evaluate_loaded(root, ModuleCache::default(), opts)
}

fn evaluate_loaded(root: &Module, cache: ModuleCache, opts: &Options) -> Evaluated {
    let mut out = Evaluated::default();
    let mut ctx = Ctx {
        cache,
        diags: Vec::new(),
        root_dir: root.dir.clone(),
        workspace: opts.workspace.clone(),
        instances: 0,
        depth: 0,
        validate_only: opts.validate_only,
    };
    let inputs = Inputs::Root {
        raw: &opts.root_vars,
        required: opts.require_root_vars,
    };
    let inst = ctx.instance(root, inputs, "");
    for (name, o) in &root.outputs {
        if let Some(v) = inst.outputs.get(name) {
            out.outputs.insert(
                name.clone(),
                OutputValue {
                    value: v.clone(),
                    sensitive: o.sensitive || v.has_marks(),
                },
            );
        }
    }
    out.diagnostics = ctx.diags;
    out.resource_instances = ctx.instances;
    out.root = Some(inst);
    out
}

enum Inputs<'a> {
    Root {
        raw: &'a BTreeMap<String, RawValue>,
        required: bool,
    },
    Child {
        values: BTreeMap<String, Value>,
        call: &'a ModuleCall,
    },
}

struct Ctx {
    cache: ModuleCache,
    diags: Vec<Diagnostic>,
    root_dir: PathBuf,
    workspace: String,
    instances: usize,
    depth: usize,
    validate_only: bool,
}

impl Ctx {
    fn instance(&mut self, m: &Module, inputs: Inputs, path: &str) -> Instance {
        let mut inst = Instance::new(m, &self.root_dir, &self.workspace);
        let order = match deps::order(m) {
            Ok(o) => o,
            Err(d) => {
                self.diags.extend(d);
                return inst;
            }
        };
        let is_root = matches!(inputs, Inputs::Root { .. });
        if let Inputs::Child { values, call } = &inputs {
            for name in values.keys() {
                if !m.variables.contains_key(name) {
                    let span = call.inputs.get(name).map_or(call.span, |e| e.span);
                    let hint =
                        crate::diag::did_you_mean(name, m.variables.keys().map(String::as_str))
                            .map(|s| format!(" Did you mean {s:?}?"))
                            .unwrap_or_default();
                    self.diags.push(Diagnostic::error(
                        "Unsupported argument",
                        format!("An argument named {name:?} is not expected here: module {:?} declares no such variable.{hint}", call.name),
                        span,
                    ));
                }
            }
        }
        for node in &order.nodes {
            match node {
                Node::Var(n) => {
                    let v = self.variable(m, &inst, n, &inputs, is_root);
                    inst.vars.insert(n.clone(), v);
                }
                Node::Local(n) => {
                    let l = &m.locals[n];
                    let v = self.eval_in(&inst, &l.expr, None);
                    inst.locals.insert(n.clone(), v);
                }
                Node::Output(n) => {
                    let v = self.output(m, &inst, n, is_root);
                    inst.outputs.insert(n.clone(), v);
                }
                Node::Resource(a) => {
                    let r = &m.resources[a];
                    let v = self.resource(&inst, r);
                    inst.set_resource(r, v);
                }
                Node::Module(n) => {
                    let call = &m.module_calls[n];
                    let v = self.module_call(m, &inst, call, path);
                    inst.modules.insert(n.clone(), v);
                }
                Node::Image(n) => {
                    let img = &m.images[n];
                    let scope = InstanceScope::new(&inst);
                    let mut ev = Evaluator::new(&scope, self.root_dir.clone());
                    if let Err(d) = body::eval_body(&mut ev, &img.body) {
                        self.diags.push(d);
                    }
                    // The image id is known once it is baked.
                    inst.images.insert(n.clone(), Value::Unknown(Type::Dynamic));
                }
            }
        }
        inst
    }

    /// Evaluates an expression, recording an error and yielding unknown on failure.
    fn eval_in(
        &mut self,
        inst: &Instance,
        e: &syntax::Expr,
        overlay: Option<&InstanceScope>,
    ) -> Value {
        let base = InstanceScope::new(inst);
        let scope = overlay.unwrap_or(&base);
        let mut ev = Evaluator::new(scope, self.root_dir.clone());
        match ev.eval(e) {
            Ok(v) => v,
            Err(d) => {
                self.diags.push(d);
                Value::unknown()
            }
        }
    }

    fn variable(
        &mut self,
        m: &Module,
        inst: &Instance,
        name: &str,
        inputs: &Inputs,
        is_root: bool,
    ) -> Value {
        let var = &m.variables[name];
        let default_ok = self.check_default(var);
        if self.validate_only {
            if let Inputs::Child { values, call } = inputs
                && var.default.is_none()
                && !values.contains_key(name)
            {
                self.diags.push(Diagnostic::error(
                        "Missing required argument",
                        format!("The argument {name:?} is required by module {:?}, but no definition was found.", call.name),
                        call.span,
                    ));
            }
            let _ = default_ok;
            return Value::Unknown(var.constraint.ty.without_optional()).mark_if(var.sensitive);
        }
        let given: Option<(Value, Span)> = match inputs {
            Inputs::Root { raw, .. } => {
                match raw.get(name) {
                    None => None,
                    Some(RawValue::Expr(e)) => {
                        let empty = MapScope(Attrs::new());
                        let mut ev = Evaluator::new(&empty, self.root_dir.clone());
                        match ev.eval(e) {
                            Ok(v) => Some((v, e.span)),
                            Err(d) => {
                                self.diags.push(d);
                                return Value::Unknown(var.constraint.ty.clone());
                            }
                        }
                    }
                    Some(RawValue::Json(j)) => Some((Value::from_json(j), var.span)),
                    Some(RawValue::Text { text, origin }) => {
                        if var.constraint.ty.is_primitive() {
                            Some((Value::string(text.as_str()), var.span))
                        } else {
                            let id = syntax::span::add_file(
                                Path::new(&format!("<value for var.{name}>")),
                                text,
                            );
                            match syntax::parse_expression(id, text) {
                                Ok(e) => match Evaluator::new(
                                    &MapScope(Attrs::new()),
                                    self.root_dir.clone(),
                                )
                                .eval(&e)
                                {
                                    Ok(v) => Some((v, var.span)),
                                    Err(d) => {
                                        self.diags.push(d);
                                        return Value::unknown();
                                    }
                                },
                                Err(e) => {
                                    self.diags.push(Diagnostic::error(
                                    "Invalid value for input variable",
                                    format!("The value given by {origin} is not a valid expression: {}", e.message),
                                    e.span,
                                ));
                                    return Value::unknown();
                                }
                            }
                        }
                    }
                }
            }
            Inputs::Child { values, call } => values.get(name).map(|v| {
                (
                    v.clone(),
                    call.inputs.get(name).map_or(call.span, |e| e.span),
                )
            }),
        };
        let given = given.filter(|(v, _)| !(v.is_null() && var.nullable && var.default.is_some()));
        let (value, span) = match given {
            Some(g) => g,
            None => match &var.default {
                Some(d) => {
                    let empty = MapScope(Attrs::new());
                    let mut ev = Evaluator::new(&empty, self.root_dir.clone());
                    match ev.eval(d) {
                        Ok(v) => (v, d.span),
                        Err(e) => {
                            self.diags.push(e);
                            return Value::unknown();
                        }
                    }
                }
                None => {
                    let required = match inputs {
                        Inputs::Root { required, .. } => *required,
                        Inputs::Child { .. } => true,
                    };
                    if required {
                        let (summary, span) = match inputs {
                            Inputs::Child { call, .. } => ("Missing required argument", call.span),
                            _ => ("No value for required variable", var.span),
                        };
                        self.diags.push(Diagnostic::error(
                            summary,
                            format!("The input variable {name:?} is not set, and has no default value. Use a -var or -var-file command line argument{} to provide a value for this variable.", if is_root { "" } else { " (or an argument in the module block)" }),
                            span,
                        ));
                    }
                    return Value::Unknown(var.constraint.ty.clone()).mark_if(var.sensitive);
                }
            },
        };
        if value.is_null() && !var.nullable {
            self.diags.push(Diagnostic::error(
                "Required variable not set",
                format!(
                    "Unsuitable value for var.{name}: required variable may not be set to null."
                ),
                span,
            ));
            return Value::unknown();
        }
        let converted = match convert(&value, &var.constraint.ty) {
            Ok(v) => apply_defaults(v, &var.constraint.ty, &var.constraint.defaults),
            Err(_) if !default_ok && var.default.as_ref().is_some_and(|d| d.span == span) => {
                return Value::Unknown(var.constraint.ty.without_optional());
            }
            Err(e) => {
                self.diags.push(Diagnostic::error(
                    "Invalid value for input variable",
                    format!(
                        "The given value is not suitable for var.{name} declared at {}: {e}.",
                        syntax::span::location(var.span)
                    ),
                    span,
                ));
                return Value::Unknown(var.constraint.ty.clone());
            }
        };
        let converted = converted.mark_if(var.sensitive);
        self.check_validations(inst, name, &converted, &var.validations);
        converted
    }

    /// A default must itself satisfy the variable's type, whatever value is given later.
    fn check_default(&mut self, var: &crate::config::Variable) -> bool {
        let Some(d) = &var.default else { return true };
        let empty = MapScope(Attrs::new());
        let mut ev = Evaluator::new(&empty, self.root_dir.clone());
        let v = match ev.eval(d) {
            Ok(v) => v,
            Err(e) => {
                self.diags.push(e);
                return false;
            }
        };
        if let Err(e) = convert(&v, &var.constraint.ty) {
            self.diags.push(Diagnostic::error(
                "Invalid default value for variable",
                format!(
                    "This default value is not compatible with the variable's type constraint: {e}."
                ),
                d.span,
            ));
            return false;
        }
        true
    }

    fn check_validations(
        &mut self,
        inst: &Instance,
        name: &str,
        value: &Value,
        rules: &[crate::config::Validation],
    ) {
        let mut with_self = inst.clone_shallow();
        with_self.vars.insert(name.to_string(), value.clone());
        for rule in rules {
            let ok = self.eval_in(&with_self, &rule.condition, None);
            let (ok, _) = ok.unmark();
            if ok.as_bool() == Some(false) {
                let msg = self.eval_in(&with_self, &rule.error_message, None);
                let msg = msg
                    .unmark()
                    .0
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| "(invalid error message)".into());
                self.diags.push(Diagnostic::error(
                    "Invalid value for variable",
                    format!("{msg}\n\nThis was checked by the validation rule of var.{name}."),
                    rule.condition.span,
                ));
            } else if ok.is_known() && ok.as_bool().is_none() && !ok.is_null() {
                self.diags.push(Diagnostic::error(
                    "Invalid validation result",
                    "The condition must be a bool.",
                    rule.condition.span,
                ));
            }
        }
    }

    fn output(&mut self, m: &Module, inst: &Instance, name: &str, is_root: bool) -> Value {
        let o = &m.outputs[name];
        for p in &o.preconditions {
            let ok = self.eval_in(inst, &p.condition, None);
            if ok.unmark().0.as_bool() == Some(false) {
                let msg = self.eval_in(inst, &p.error_message, None);
                self.diags.push(Diagnostic::error(
                    "Module output value precondition failed",
                    msg.unmark().0.as_str().unwrap_or("").to_string(),
                    p.condition.span,
                ));
            }
        }
        let v = self.eval_in(inst, &o.value, None);
        if is_root && !o.sensitive && v.has_marks() {
            self.diags.push(Diagnostic::error(
                "Output refers to sensitive values",
                format!("To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, Terraform requires that any root module output containing sensitive data be explicitly marked as sensitive, to confirm your intent.\n\nIf you do intend to export this data, annotate the output value as sensitive by adding the following argument:\n    sensitive = true\n(output {name:?})"),
                o.value.span,
            ));
        }
        if o.sensitive { v.sensitive() } else { v }
    }

    /// A resource's value as the rest of the configuration sees it before apply: its instances,
    /// each unknown. Its body is still evaluated per instance so mistakes surface now.
    fn resource(&mut self, inst: &Instance, r: &Resource) -> Value {
        let expansion = self.expansion(inst, r.count.as_ref(), r.for_each.as_ref());
        // Evaluates the body for one instance: errors are reported now, and a provider-free
        // data source is read at once; anything else is known only after apply.
        let instance_value = |ctx: &mut Ctx, scope: &InstanceScope| -> Value {
            let mut ev = Evaluator::new(scope, ctx.root_dir.clone());
            let config = match body::eval_body(&mut ev, &r.body) {
                Ok(c) => c,
                Err(d) => {
                    ctx.diags.push(d);
                    return Value::Unknown(Type::Dynamic);
                }
            };
            match builtin_data::read(
                r.mode,
                &r.type_name,
                &r.name,
                &config,
                r.span,
                &ctx.root_dir,
            ) {
                Some(Ok(v)) => v,
                Some(Err(d)) => {
                    ctx.diags.push(d);
                    Value::Unknown(Type::Dynamic)
                }
                None => Value::Unknown(Type::Dynamic),
            }
        };
        match expansion {
            Expansion::Single => {
                self.instances += 1;
                instance_value(self, &InstanceScope::new(inst))
            }
            Expansion::Count(n) => {
                self.instances += n;
                let items = (0..n)
                    .map(|i| instance_value(self, &InstanceScope::new(inst).with_count(i)))
                    .collect();
                Value::tuple(items)
            }
            Expansion::ForEach(pairs) => {
                self.instances += pairs.len();
                let mut attrs = Attrs::new();
                for (k, v) in pairs {
                    let val =
                        instance_value(self, &InstanceScope::new(inst).with_each(k.clone(), v));
                    attrs.insert(k, val);
                }
                Value::object(attrs)
            }
            Expansion::Unknown => {
                let scope = InstanceScope::new(inst).with_unknown_repetition(r.count.is_some());
                let _ = instance_value(self, &scope);
                Value::Unknown(Type::Dynamic)
            }
        }
    }

    fn expansion(
        &mut self,
        inst: &Instance,
        count: Option<&syntax::Expr>,
        for_each: Option<&syntax::Expr>,
    ) -> Expansion {
        let e = self.checked_expansion(inst, count, for_each);
        if self.validate_only && (count.is_some() || for_each.is_some()) {
            return Expansion::Unknown;
        }
        e
    }

    fn checked_expansion(
        &mut self,
        inst: &Instance,
        count: Option<&syntax::Expr>,
        for_each: Option<&syntax::Expr>,
    ) -> Expansion {
        if let Some(c) = count {
            let v = self.eval_in(inst, c, None);
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
        if let Some(fe) = for_each {
            let v = self.eval_in(inst, fe, None);
            let (v, marked) = v.unmark();
            if marked {
                self.diags.push(Diagnostic::error("Invalid for_each argument", "Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments.", fe.span));
                return Expansion::Unknown;
            }
            if !v.is_wholly_known() {
                return Expansion::Unknown;
            }
            return match v {
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
            };
        }
        Expansion::Single
    }

    fn module_call(&mut self, m: &Module, inst: &Instance, call: &ModuleCall, path: &str) -> Value {
        let src = &call.source;
        if !(src.starts_with("./") || src.starts_with("../")) {
            self.diags.push(Diagnostic::error(
                "Unsupported module source",
                format!("Module {:?} has source {src:?}. infra loads local modules only (paths starting with ./ or ../); copy a registry or git module into the repository and point source at it.", call.name),
                call.source_span,
            ));
            return Value::unknown();
        }
        if self.depth > 32 {
            self.diags.push(Diagnostic::error(
                "Module nesting too deep",
                "Modules call each other more than 32 levels deep; is a module calling itself?",
                call.span,
            ));
            return Value::unknown();
        }
        let dir = normalize(&m.dir.join(src));
        let child = match self.cache.get(&dir) {
            Ok(c) => c,
            Err(mut d) => {
                if d.iter().all(|x| x.span.is_none()) {
                    d = vec![Diagnostic::error(
                        "Failed to load module",
                        format!("Module {:?}: could not read {}.", call.name, dir.display()),
                        call.source_span,
                    )];
                }
                self.diags.extend(d);
                return Value::unknown();
            }
        };
        let expansion = self.expansion(inst, call.count.as_ref(), call.for_each.as_ref());
        let run = |ctx: &mut Ctx, scope: &InstanceScope, key: String| -> Value {
            let mut values = BTreeMap::new();
            for (name, e) in &call.inputs {
                values.insert(name.clone(), ctx.eval_in(inst, e, Some(scope)));
            }
            ctx.depth += 1;
            let child_inst = ctx.instance(
                &child,
                Inputs::Child { values, call },
                &format!("{path}module.{}{key}.", call.name),
            );
            ctx.depth -= 1;
            let outputs: Attrs = child
                .outputs
                .iter()
                .map(|(n, o)| {
                    let v = child_inst
                        .outputs
                        .get(n)
                        .cloned()
                        .unwrap_or_else(Value::unknown);
                    (n.clone(), if o.sensitive { v.sensitive() } else { v })
                })
                .collect();
            Value::object(outputs)
        };
        if self.validate_only {
            let scope = InstanceScope::new(inst).with_unknown_repetition(call.count.is_some());
            let scope = if call.count.is_none() && call.for_each.is_none() {
                InstanceScope::new(inst)
            } else {
                scope
            };
            let _ = run(self, &scope, String::new());
            return Value::unknown();
        }
        match expansion {
            Expansion::Single => run(self, &InstanceScope::new(inst), String::new()),
            Expansion::Count(n) => {
                let items = (0..n)
                    .map(|i| {
                        run(
                            self,
                            &InstanceScope::new(inst).with_count(i),
                            format!("[{i}]"),
                        )
                    })
                    .collect();
                Value::tuple(items)
            }
            Expansion::ForEach(pairs) => {
                let mut attrs = Attrs::new();
                for (k, v) in pairs {
                    let val = run(
                        self,
                        &InstanceScope::new(inst).with_each(k.clone(), v),
                        format!("[{k:?}]"),
                    );
                    attrs.insert(k, val);
                }
                Value::object(attrs)
            }
            Expansion::Unknown => {
                let _ = run(
                    self,
                    &InstanceScope::new(inst).with_unknown_repetition(call.count.is_some()),
                    "[*]".into(),
                );
                Value::unknown()
            }
        }
    }
}

/// `a/b/../c` → `a/c`, so diagnostics show the path a person would write.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir
                if out.file_name().is_some() && !out.ends_with("..") =>
            {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

enum Expansion {
    Single,
    Count(usize),
    ForEach(Vec<(String, Value)>),
    /// count or for_each is not known yet.
    Unknown,
}
