//! Every resource and data source block checked against its type's schema before anything is
//! evaluated: an unknown type (with a suggestion), an argument or nested block the schema does
//! not have (also inside nested blocks), a required argument missing, an argument only the
//! provider sets. Each error points at the offending token. `infra validate` runs it offline
//! (the schemas are built in), and so does every plan.
//!
//! What cannot be told without values is left to the plan, which has them: an argument infra
//! lacks counts as not set when its value is null (modules pass every argument of a resource,
//! null when unused, also inside `dynamic` blocks), so only one set to a value that is never
//! null (a literal, a template, a collection) is reported here; a `dynamic` block may generate
//! nothing; a resource with `count` or `for_each` may have no instances.

use crate::config::{Mode, Resource};
use crate::diag::{Diagnostic, did_you_mean};
use crate::graph::ModuleTree;
use crate::lang::types::Type;
use crate::provider::Registry;
use crate::provider::schema::Schema;
use crate::syntax::{Body, Expr, ExprKind};
use std::collections::BTreeMap;

/// Blocks every resource may have whatever its type (Terraform's meta-blocks).
const META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection", "timeouts"];

/// Data sources infra reads itself (no provider schema to check arguments against).
const BUILTIN_DATA: &[&str] = &[
    "template_file",
    "cloudinit_config",
    "template_cloudinit_config",
    "infra_template",
];

pub fn check(tree: &ModuleTree, registry: &Registry) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for tm in &tree.modules {
        for r in tm.module.resources.values() {
            check_resource(r, registry, &mut diags);
        }
    }
    diags
}

fn check_resource(r: &Resource, registry: &Registry, diags: &mut Vec<Diagnostic>) {
    let addr = r.address();
    if r.mode == Mode::Data && BUILTIN_DATA.contains(&r.type_name.as_str()) {
        return;
    }
    // The schema is the type's whatever provider configuration serves it.
    let provider = r.provider_config_address();
    let default = crate::provider::config_address(
        &crate::provider::source_of(crate::provider::provider_name_of(&r.type_name)),
        None,
    );
    let managed = (r.mode == Mode::Managed).then(|| {
        registry
            .get_at(&r.type_name, &provider)
            .or_else(|| registry.get(&r.type_name))
    });
    let data = (r.mode == Mode::Data).then(|| {
        registry
            .data_at(&r.type_name, &provider)
            .or_else(|| registry.data_at(&r.type_name, &default))
    });
    let schema: &Schema = match (&managed, &data) {
        (Some(Some(t)), _) => t.schema(),
        (_, Some(Some(d))) => d.schema(),
        // `count = 0` (or a condition) keeps types infra lacks out of a plan: the plan decides.
        _ if r.count.is_some() || r.for_each.is_some() => return,
        _ => {
            let names: Vec<&str> = match r.mode {
                Mode::Managed => registry.names().collect(),
                Mode::Data => crate::provider::aws::DATA_TYPES
                    .iter()
                    .chain(BUILTIN_DATA)
                    .copied()
                    .chain(["terraform_remote_state"])
                    .collect(),
            };
            let hint = did_you_mean(&r.type_name, names)
                .map(|s| format!(" Did you mean {s:?}?"))
                .unwrap_or_default();
            let what = if r.mode == Mode::Data {
                "data source"
            } else {
                "resource type"
            };
            diags.push(Diagnostic::error(
                format!("Unsupported {what}"),
                format!("{addr}: infra has no {what} {:?}.{hint}", r.type_name),
                r.span,
            ));
            return;
        }
    };
    let attrs: BTreeMap<String, Type> = schema
        .attributes
        .iter()
        .map(|(k, a)| (k.clone(), a.ty.clone()))
        .collect();
    check_body(&addr, &r.body, &attrs, diags);
    // A literal block is set; a dynamic one may make no blocks, which the plan checks once
    // its `for_each` is known.
    let is_set = |name: &str| {
        r.body.attribute(name).is_some_and(|a| never_null(&a.expr))
            || r.body
                .blocks
                .iter()
                .any(|b| b.kind != "dynamic" && block_name(b) == Some(name))
    };
    for (a, b) in schema.conflicts(&is_set) {
        // Reported at whichever of the two comes second in the file.
        let at = |n: &str| {
            r.body
                .attribute(n)
                .map(|x| x.name_span)
                .or_else(|| {
                    r.body
                        .blocks
                        .iter()
                        .find(|x| block_name(x) == Some(n))
                        .map(|x| x.kind_span)
                })
                .unwrap_or(r.span)
        };
        let (first, second) = if at(&a).start <= at(&b).start {
            (a, b)
        } else {
            (b, a)
        };
        diags.push(Diagnostic::error(
            "Conflicting configuration arguments",
            format!("{addr}: {second:?}: conflicts with {first}"),
            at(&second),
        ));
    }
    for (name, a) in &schema.attributes {
        let set = r.body.attribute(name).is_some()
            || r.body
                .blocks
                .iter()
                .any(|b| block_name(b) == Some(name.as_str()));
        if a.required && !set {
            diags.push(Diagnostic::error(
                "Missing required argument",
                format!("{addr}: the argument {name:?} is required, but no definition was found."),
                r.span,
            ));
        }
        if a.computed
            && !a.optional
            && !a.required
            && let Some(at) = r.body.attribute(name).filter(|at| never_null(&at.expr))
        {
            diags.push(Diagnostic::error(
                "Invalid argument",
                format!(
                    "{addr}: {name:?} is computed by the provider and cannot be set in configuration."
                ),
                at.name_span,
            ));
        }
    }
}

/// Whether an expression's value can never be null, whatever the variables: literals,
/// templates, collections, operators. References, calls and conditionals may be null.
fn never_null(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Number(_)
        | ExprKind::Bool(_)
        | ExprKind::Template(_)
        | ExprKind::Tuple(_)
        | ExprKind::Object(_)
        | ExprKind::For(_)
        | ExprKind::Unary(..)
        | ExprKind::Binary(..) => true,
        ExprKind::Paren(inner) => never_null(inner),
        _ => false,
    }
}

/// Why a value that needs nothing but itself (a literal, a collection of literals, a call of
/// a pure function on them) cannot be of type `ty`; `None` when it can, or when it needs
/// variables, resources or files to be known.
fn wrong_type(e: &Expr, ty: &Type) -> Option<String> {
    if !crate::syntax::refs::references(e).is_empty() {
        return None;
    }
    let scope = crate::lang::MapScope(Default::default());
    let v = crate::lang::Evaluator::new(&scope, std::path::PathBuf::new())
        .eval(e)
        .ok()?;
    if !v.is_wholly_known() {
        return None;
    }
    let v = if crate::config::json::in_json(e.span) {
        crate::instance::json_blocks(v, ty)
    } else {
        v
    };
    crate::lang::convert::convert(&v, ty)
        .err()
        .map(|e| e.to_string())
}

/// The name a nested block sets: its kind, or a `dynamic` block's label.
fn block_name(b: &crate::syntax::ast::Block) -> Option<&str> {
    if b.kind == "dynamic" {
        b.labels.first().map(String::as_str)
    } else {
        Some(b.kind.as_str())
    }
}

/// The attributes of a nested block's objects, when the type says what they are.
fn block_attrs(ty: &Type) -> Option<&BTreeMap<String, Type>> {
    match ty {
        Type::Object(attrs, _) => Some(attrs),
        Type::List(t) | Type::Set(t) => block_attrs(t),
        _ => None,
    }
}

fn check_body(
    addr: &str,
    body: &Body,
    attrs: &BTreeMap<String, Type>,
    diags: &mut Vec<Diagnostic>,
) {
    let names = || attrs.keys().map(String::as_str);
    for a in &body.attributes {
        if let Some(ty) = attrs.get(&a.name)
            && let Some(e) = wrong_type(&a.expr, ty)
        {
            diags.push(Diagnostic::error(
                "Incorrect attribute value type",
                format!(
                    "{addr}: inappropriate value for attribute {:?}: {e}.",
                    a.name
                ),
                a.expr.span,
            ));
        }
        if !attrs.contains_key(&a.name) && never_null(&a.expr) {
            let hint = did_you_mean(&a.name, names())
                .map(|s| format!(" Did you mean {s:?}?"))
                .unwrap_or_default();
            diags.push(Diagnostic::error(
                "Unsupported argument",
                format!(
                    "{addr}: an argument named {:?} is not expected here.{hint}",
                    a.name
                ),
                a.name_span,
            ));
        }
    }
    for b in &body.blocks {
        if META_BLOCKS.contains(&b.kind.as_str()) {
            continue;
        }
        let Some(name) = block_name(b) else { continue };
        let Some(ty) = attrs.get(name) else {
            if b.kind == "dynamic" {
                continue;
            }
            let hint = did_you_mean(name, names())
                .map(|s| format!(" Did you mean {s:?}?"))
                .unwrap_or_default();
            diags.push(Diagnostic::error(
                "Unsupported block type",
                format!("{addr}: blocks of type {name:?} are not expected here.{hint}"),
                b.kind_span,
            ));
            continue;
        };
        let Some(inner) = block_attrs(ty) else {
            continue;
        };
        let content = if b.kind == "dynamic" {
            match b.body.blocks.iter().find(|c| c.kind == "content") {
                Some(c) => &c.body,
                None => continue,
            }
        } else {
            &b.body
        };
        check_body(&format!("{addr}.{name}"), content, inner, diags);
    }
}
