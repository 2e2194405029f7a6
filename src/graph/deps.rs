//! What one module's objects refer to: which variable, local, resource, module call, image and
//! output each expression names, and the errors for names that are not declared.

use crate::config::{Mode, Module};
use crate::diag::{Diagnostic, did_you_mean};
use crate::syntax::ast::Step;
use crate::syntax::refs::{Reference, references};
use crate::syntax::{Body, Expr};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    Var(String),
    Local(String),
    /// A resource or data source by its module-relative address.
    Resource(String),
    Module(String),
    Image(String),
    Output(String),
}

impl Node {
    pub fn address(&self) -> String {
        match self {
            Node::Var(n) => format!("var.{n}"),
            Node::Local(n) => format!("local.{n}"),
            Node::Resource(a) => a.clone(),
            Node::Module(n) => format!("module.{n}"),
            Node::Image(n) => format!("image.{n}"),
            Node::Output(n) => format!("output.{n}"),
        }
    }
}

/// Maps a reference to the node it names, or explains why it names nothing.
pub fn resolve(m: &Module, r: &Reference) -> Result<Option<Node>, Diagnostic> {
    let attr = |i: usize| r.attr(i).map(str::to_string);
    let undeclared = |kind: &str, name: &str, candidates: Vec<&str>| {
        let hint = did_you_mean(name, candidates)
            .map(|s| format!(" Did you mean {s:?}?"))
            .unwrap_or_default();
        Diagnostic::error(
            format!("Reference to undeclared {kind}"),
            format!("No {kind} named {name:?} is declared in this module.{hint}"),
            r.span,
        )
    };
    let need_attr = |what: &str| {
        Diagnostic::error(
            "Invalid reference",
            format!(
                "The {:?} object cannot be accessed directly. Instead, access one of its attributes: {what}.",
                r.root
            ),
            r.span,
        )
    };
    Ok(Some(match r.root.as_str() {
        "var" => {
            let n = attr(0).ok_or_else(|| need_attr("var.NAME"))?;
            if !m.variables.contains_key(&n) {
                return Err(undeclared(
                    "input variable",
                    &n,
                    m.variables.keys().map(String::as_str).collect(),
                ));
            }
            Node::Var(n)
        }
        "local" => {
            let n = attr(0).ok_or_else(|| need_attr("local.NAME"))?;
            if !m.locals.contains_key(&n) {
                return Err(undeclared(
                    "local value",
                    &n,
                    m.locals.keys().map(String::as_str).collect(),
                ));
            }
            Node::Local(n)
        }
        "module" => {
            let n = attr(0).ok_or_else(|| need_attr("module.NAME"))?;
            if !m.module_calls.contains_key(&n) {
                return Err(undeclared(
                    "module",
                    &n,
                    m.module_calls.keys().map(String::as_str).collect(),
                ));
            }
            Node::Module(n)
        }
        "image" => {
            let n = attr(0).ok_or_else(|| need_attr("image.NAME"))?;
            if !m.images.contains_key(&n) {
                return Err(undeclared(
                    "image",
                    &n,
                    m.images.keys().map(String::as_str).collect(),
                ));
            }
            Node::Image(n)
        }
        "data" => {
            let (Some(t), Some(n)) = (attr(0), attr(1)) else {
                return Err(need_attr("data.TYPE.NAME"));
            };
            let addr = format!("data.{t}.{n}");
            if !m.resources.contains_key(&addr) {
                let candidates: Vec<&str> = m
                    .resources
                    .values()
                    .filter(|r| r.mode == Mode::Data)
                    .map(|r| r.name.as_str())
                    .collect();
                return Err(undeclared("data source", &format!("{t}.{n}"), candidates));
            }
            Node::Resource(addr)
        }
        "count" | "each" | "path" | "terraform" | "self" => return Ok(None),
        root => {
            let Some(n) = attr(0) else {
                // A bare name that is neither a resource type nor a keyword.
                return Ok(None);
            };
            let addr = format!("{root}.{n}");
            if !m.resources.contains_key(&addr) {
                let same_type: Vec<&str> = m
                    .resources
                    .values()
                    .filter(|r| r.mode == Mode::Managed && r.type_name == root)
                    .map(|r| r.name.as_str())
                    .collect();
                let hint = did_you_mean(&n, same_type)
                    .map(|s| format!(" Did you mean {root}.{s}?"))
                    .unwrap_or_default();
                return Err(Diagnostic::error(
                    "Reference to undeclared resource",
                    format!(
                        "A managed resource {root:?} {n:?} has not been declared in this module.{hint}"
                    ),
                    r.span,
                ));
            }
            Node::Resource(addr)
        }
    }))
}

/// The expressions a node depends on, as references.
pub fn node_references(m: &Module, node: &Node) -> Vec<Reference> {
    let mut exprs: Vec<&Expr> = Vec::new();
    let mut bodies: Vec<&Body> = Vec::new();
    match node {
        Node::Var(n) => {
            if let Some(v) = m.variables.get(n) {
                for val in &v.validations {
                    exprs.push(&val.condition);
                    exprs.push(&val.error_message);
                }
            }
        }
        Node::Local(n) => exprs.extend(m.locals.get(n).map(|l| &l.expr)),
        Node::Output(n) => {
            if let Some(o) = m.outputs.get(n) {
                exprs.push(&o.value);
                exprs.extend(&o.depends_on);
                for p in &o.preconditions {
                    exprs.push(&p.condition);
                    exprs.push(&p.error_message);
                }
            }
        }
        Node::Resource(a) => {
            if let Some(r) = m.resources.get(a) {
                exprs.extend(r.count.iter());
                exprs.extend(r.for_each.iter());
                exprs.extend(&r.depends_on);
                exprs.extend(&r.lifecycle.replace_triggered_by);
                bodies.push(&r.body);
            }
        }
        Node::Module(n) => {
            if let Some(c) = m.module_calls.get(n) {
                exprs.extend(c.count.iter());
                exprs.extend(c.for_each.iter());
                exprs.extend(&c.depends_on);
            }
        }
        Node::Image(n) => {
            if let Some(i) = m.images.get(n) {
                exprs.extend(&i.depends_on);
                bodies.push(&i.body);
            }
        }
    }
    let mut out: Vec<Reference> = exprs.into_iter().flat_map(references).collect();
    for b in bodies {
        body_references(b, &mut out);
    }
    // `self` inside provisioners refers to the resource itself, not to a dependency.
    out.retain(|r| r.root != "self");
    out
}

pub fn body_references(b: &Body, out: &mut Vec<Reference>) {
    for a in &b.attributes {
        out.extend(references(&a.expr));
    }
    for blk in &b.blocks {
        if blk.kind == "provisioner" || blk.kind == "connection" {
            // They may refer to `self`; other references still order the graph.
            let mut inner = Vec::new();
            body_references(&blk.body, &mut inner);
            out.extend(inner.into_iter().filter(|r| r.root != "self"));
            continue;
        }
        if blk.kind == "dynamic" {
            let iterator = blk
                .body
                .attribute("iterator")
                .and_then(|a| a.expr.as_keyword().map(str::to_string))
                .unwrap_or_else(|| blk.labels.first().cloned().unwrap_or_default());
            let mut inner = Vec::new();
            body_references(&blk.body, &mut inner);
            out.extend(inner.into_iter().filter(|r| r.root != iterator));
            continue;
        }
        body_references(&blk.body, out);
    }
}

/// The `Step` list of a reference as written, for messages.
pub fn steps_text(steps: &[Step]) -> String {
    steps
        .iter()
        .map(|s| match s {
            Step::Attr(a) => format!(".{a}"),
            Step::Index(i) => format!("[{i}]"),
            Step::Key(k) => format!("[{k:?}]"),
        })
        .collect()
}
