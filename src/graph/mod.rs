//! The dependency graph of a whole configuration. Nodes are the objects of every module in the
//! tree (variables, locals, resources, module calls, images, outputs), keyed by module path;
//! edges come from the references each expression holds, `depends_on`, and the module calls
//! that feed a child's variables and expand its instances.
//!
//! Invariant: a reference to `module.x.out` depends on that one output, not on the whole module,
//! so two modules may use each other's outputs as Terraform allows. A cycle is an error that
//! lists every member with the location of the reference that closes it.

pub mod deps;
pub mod tree;

use crate::diag::Diagnostic;
use deps::{Node, node_references, resolve};
use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::HashMap;
pub use tree::{ModuleTree, TreeModule};

use crate::syntax::Span;

/// One object of one module of the tree (not yet expanded into instances).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StaticNode {
    /// Index into [`ModuleTree::modules`].
    pub module: usize,
    pub node: Node,
}

pub struct StaticGraph {
    pub dag: DiGraph<StaticNode, Span>,
    pub index: HashMap<StaticNode, NodeIndex>,
    /// Every node, dependencies first.
    pub order: Vec<NodeIndex>,
}

impl StaticGraph {
    pub fn address(&self, tree: &ModuleTree, i: NodeIndex) -> String {
        let n = &self.dag[i];
        format!("{}{}", tree.modules[n.module].prefix(), n.node.address())
    }
}

fn nodes_of(tree: &ModuleTree, module: usize) -> Vec<(Node, Span)> {
    let m = &tree.modules[module].module;
    let mut out = Vec::new();
    out.extend(
        m.variables
            .iter()
            .map(|(n, v)| (Node::Var(n.clone()), v.span)),
    );
    out.extend(
        m.locals
            .iter()
            .map(|(n, l)| (Node::Local(n.clone()), l.span)),
    );
    out.extend(
        m.resources
            .iter()
            .map(|(a, r)| (Node::Resource(a.clone()), r.span)),
    );
    out.extend(
        m.module_calls
            .iter()
            .map(|(n, c)| (Node::Module(n.clone()), c.span)),
    );
    out.extend(
        m.images
            .iter()
            .map(|(n, i)| (Node::Image(n.clone()), i.span)),
    );
    out.extend(
        m.outputs
            .iter()
            .map(|(n, o)| (Node::Output(n.clone()), o.span)),
    );
    out
}

pub fn build(tree: &ModuleTree) -> Result<StaticGraph, Vec<Diagnostic>> {
    let mut dag: DiGraph<StaticNode, Span> = DiGraph::new();
    let mut index = HashMap::new();
    for module in 0..tree.modules.len() {
        for (node, _) in nodes_of(tree, module) {
            let sn = StaticNode { module, node };
            let i = dag.add_node(sn.clone());
            index.insert(sn, i);
        }
    }
    let mut diags = Vec::new();
    let mut edges: Vec<(NodeIndex, NodeIndex, Span)> = Vec::new();
    for module in 0..tree.modules.len() {
        let tm = &tree.modules[module];
        let m = &tm.module;
        for (node, _) in nodes_of(tree, module) {
            let to = index[&StaticNode {
                module,
                node: node.clone(),
            }];
            for r in node_references(m, &node) {
                // A variable's validation refers to the variable itself; that is no dependency.
                if matches!(resolve(m, &r), Ok(Some(ref dep)) if *dep == node) {
                    continue;
                }
                reference_edges(tree, &index, module, &r, to, &mut edges, &mut diags);
            }
        }
        // A child's variables come from the call's arguments, evaluated in this module; every
        // object of the child waits for the call to decide its instances.
        for (call_name, &child) in &tm.children {
            let call = &m.module_calls[call_name];
            let call_node = index[&StaticNode {
                module,
                node: Node::Module(call_name.clone()),
            }];
            for (node, _) in nodes_of(tree, child) {
                let to = index[&StaticNode {
                    module: child,
                    node: node.clone(),
                }];
                edges.push((call_node, to, call.span));
                let Node::Var(v) = &node else { continue };
                let Some(input) = call.inputs.get(v) else {
                    continue;
                };
                for r in crate::syntax::refs::references(input) {
                    reference_edges(tree, &index, module, &r, to, &mut edges, &mut diags);
                }
            }
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    // Deduplicate first: `update_edge` scans a node's edges, which is quadratic for a variable
    // that ten thousand resources refer to.
    let mut seen = std::collections::HashSet::with_capacity(edges.len());
    for (a, b, s) in edges {
        if seen.insert((a, b)) {
            dag.add_edge(a, b, s);
        }
    }
    match toposort(&dag, None) {
        Ok(order) => Ok(StaticGraph { dag, index, order }),
        Err(_) => Err(cycles(tree, &dag)),
    }
}

/// The edges one reference in `module` adds toward node `to`: from the object it names, or for
/// `module.x.out` from that one output of the child (and from the call, which creates it).
fn reference_edges(
    tree: &ModuleTree,
    index: &HashMap<StaticNode, NodeIndex>,
    module: usize,
    r: &crate::syntax::refs::Reference,
    to: NodeIndex,
    edges: &mut Vec<(NodeIndex, NodeIndex, Span)>,
    diags: &mut Vec<Diagnostic>,
) {
    let tm = &tree.modules[module];
    match resolve(&tm.module, r) {
        Ok(Some(Node::Module(call))) => {
            edges.push((
                index[&StaticNode {
                    module,
                    node: Node::Module(call.clone()),
                }],
                to,
                r.span,
            ));
            let Some(&child) = tm.children.get(&call) else {
                return;
            };
            let outputs = &tree.modules[child].module.outputs;
            let output_node = |o: &str| {
                index[&StaticNode {
                    module: child,
                    node: Node::Output(o.to_string()),
                }]
            };
            match r.attr(1) {
                Some(out) if outputs.contains_key(out) => {
                    edges.push((output_node(out), to, r.span))
                }
                Some(out) => {
                    let hint = crate::diag::did_you_mean(out, outputs.keys().map(String::as_str))
                        .map(|s| format!(" Did you mean {s:?}?"))
                        .unwrap_or_default();
                    diags.push(Diagnostic::error(
                        "Unsupported attribute",
                        format!("This object does not have an attribute named {out:?}: module {call:?} declares no such output.{hint}"),
                        r.span,
                    ));
                }
                None => edges.extend(outputs.keys().map(|o| (output_node(o), to, r.span))),
            }
        }
        Ok(Some(dep)) => {
            if let Some(&from) = index.get(&StaticNode { module, node: dep }) {
                edges.push((from, to, r.span));
            }
        }
        Ok(None) => {}
        Err(d) => diags.push(d),
    }
}

fn cycles(tree: &ModuleTree, g: &DiGraph<StaticNode, Span>) -> Vec<Diagnostic> {
    let addr = |i: NodeIndex| {
        format!(
            "{}{}",
            tree.modules[g[i].module].prefix(),
            g[i].node.address()
        )
    };
    let mut out = Vec::new();
    for scc in tarjan_scc(g) {
        let self_loop = scc.len() == 1 && g.contains_edge(scc[0], scc[0]);
        if scc.len() < 2 && !self_loop {
            continue;
        }
        // Walk the component to print the cycle in reference order.
        let mut path = vec![scc[0]];
        let mut cur = scc[0];
        while let Some(n) = g
            .neighbors(cur)
            .find(|n| scc.contains(n) && (!path.contains(n) || *n == scc[0]))
        {
            if n == scc[0] {
                break;
            }
            path.push(n);
            cur = n;
        }
        let names: Vec<String> = path.iter().map(|i| addr(*i)).collect();
        let mut d = Diagnostic::plain(
            format!("Cycle in references: {}", names.join(", ")),
            format!(
                "These objects refer to each other in a loop, so none can be evaluated first: {} -> {}.",
                names.join(" -> "),
                names[0]
            ),
        );
        for (a, b) in path.iter().zip(path.iter().cycle().skip(1)) {
            if let Some(e) = g.find_edge(*a, *b) {
                let note = format!("{} refers to {}", addr(*b), addr(*a));
                if d.span.is_none() {
                    d.span = Some(g[e]);
                    d.detail = format!("{}\nHere {note}.", d.detail);
                } else {
                    d = d.with_related(g[e], note);
                }
            }
        }
        out.push(d);
    }
    out
}

/// For every resource (by static address, `module.net.aws_vpc.main`), the resources it depends
/// on through any chain of variables, locals, outputs and module calls. State records them, and
/// deletes run in their reverse order.
pub fn resource_dependencies(tree: &ModuleTree, g: &StaticGraph) -> HashMap<String, Vec<String>> {
    let mut out = HashMap::new();
    for ni in g.dag.node_indices() {
        if !matches!(g.dag[ni].node, Node::Resource(_)) {
            continue;
        }
        let mut seen = std::collections::HashSet::new();
        let mut stack: Vec<NodeIndex> = g
            .dag
            .neighbors_directed(ni, petgraph::Direction::Incoming)
            .collect();
        let mut deps = std::collections::BTreeSet::new();
        while let Some(n) = stack.pop() {
            if !seen.insert(n) {
                continue;
            }
            if matches!(g.dag[n].node, Node::Resource(_)) {
                deps.insert(g.address(tree, n));
                // A resource's own dependencies are recorded on it; stop here.
                continue;
            }
            stack.extend(g.dag.neighbors_directed(n, petgraph::Direction::Incoming));
        }
        out.insert(g.address(tree, ni), deps.into_iter().collect());
    }
    out
}
