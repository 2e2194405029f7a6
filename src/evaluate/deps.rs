//! The dependency order of one module's objects: which variable, local, resource, module call,
//! image and output each expression refers to, sorted with petgraph. A cycle is reported whole,
//! every member with its source location.

use crate::config::{Mode, Module};
use crate::diag::{Diagnostic, did_you_mean};
use crate::syntax::ast::Step;
use crate::syntax::refs::{Reference, references};
use crate::syntax::{Body, Expr, Span};
use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::HashMap;

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
                exprs.extend(c.inputs.values());
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

fn body_references(b: &Body, out: &mut Vec<Reference>) {
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

pub struct Order {
    pub nodes: Vec<Node>,
}

/// Every node of the module in an order where dependencies come first.
pub fn order(m: &Module) -> Result<Order, Vec<Diagnostic>> {
    let mut g: DiGraph<Node, Span> = DiGraph::new();
    let mut idx: HashMap<Node, NodeIndex> = HashMap::new();
    let mut spans: HashMap<Node, Span> = HashMap::new();
    let mut add = |g: &mut DiGraph<Node, Span>, n: Node, span: Span| {
        let i = g.add_node(n.clone());
        idx.insert(n.clone(), i);
        spans.insert(n, span);
    };
    for (n, v) in &m.variables {
        add(&mut g, Node::Var(n.clone()), v.span);
    }
    for (n, l) in &m.locals {
        add(&mut g, Node::Local(n.clone()), l.span);
    }
    for (a, r) in &m.resources {
        add(&mut g, Node::Resource(a.clone()), r.span);
    }
    for (n, c) in &m.module_calls {
        add(&mut g, Node::Module(n.clone()), c.span);
    }
    for (n, i) in &m.images {
        add(&mut g, Node::Image(n.clone()), i.span);
    }
    for (n, o) in &m.outputs {
        add(&mut g, Node::Output(n.clone()), o.span);
    }
    let mut diags = Vec::new();
    let nodes: Vec<Node> = g.node_weights().cloned().collect();
    for node in &nodes {
        for r in node_references(m, node) {
            match resolve(m, &r) {
                // A variable's validation refers to the variable itself; that is no dependency.
                Ok(Some(dep)) if dep == *node => {}
                Ok(Some(dep)) => {
                    if let (Some(&from), Some(&to)) = (idx.get(&dep), idx.get(node)) {
                        g.add_edge(from, to, r.span);
                    }
                }
                Ok(None) => {}
                Err(d) => diags.push(d),
            }
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    match toposort(&g, None) {
        Ok(sorted) => Ok(Order {
            nodes: sorted.into_iter().map(|i| g[i].clone()).collect(),
        }),
        Err(_) => Err(cycles(&g)),
    }
}

fn cycles(g: &DiGraph<Node, Span>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for scc in tarjan_scc(g) {
        let self_loop = scc.len() == 1 && g.contains_edge(scc[0], scc[0]);
        if scc.len() < 2 && !self_loop {
            continue;
        }
        // Walk the component to print the cycle in reference order.
        let mut path = vec![scc[0]];
        let mut cur = scc[0];
        loop {
            let next = g
                .neighbors(cur)
                .find(|n| scc.contains(n) && (!path.contains(n) || *n == scc[0]));
            match next {
                Some(n) if n == scc[0] => break,
                Some(n) => {
                    path.push(n);
                    cur = n;
                }
                None => break,
            }
        }
        let names: Vec<String> = path.iter().map(|i| g[*i].address()).collect();
        let mut d = Diagnostic::plain(
            "Cycle in references",
            format!(
                "These objects refer to each other in a loop, so none can be evaluated first: {} -> {}.",
                names.join(" -> "),
                names[0]
            ),
        );
        for w in path.iter().zip(path.iter().cycle().skip(1)) {
            if let Some(e) = g.find_edge(*w.0, *w.1) {
                d = d.with_related(
                    g[e],
                    format!("{} refers to {}", g[*w.1].address(), g[*w.0].address()),
                );
            }
        }
        if let Some((first, _)) = d.related.first().cloned() {
            d.span = Some(first);
            d.related.remove(0);
            let note = format!(
                "{} refers to {}",
                g[path[1 % path.len()]].address(),
                g[path[0]].address()
            );
            d.summary = format!("Cycle in references: {}", names.join(", "));
            d.detail = format!("{}\nHere {note}.", d.detail);
        }
        out.push(d);
    }
    out
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
