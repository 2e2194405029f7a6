//! Provider configurations, evaluated before the walk: refresh reads every object in state
//! before any resource is planned, so the clients must exist first. A `provider` block may
//! therefore refer to input variables, locals and `path`/`terraform` values, and to nothing
//! that is only known once resources are planned.

use super::{Ctx, Instance, InstanceScope, Options, World, body};
use crate::diag::Diagnostic;
use crate::graph::ModuleTree;
use crate::graph::deps::{Node, body_references, resolve};
use crate::lang::Evaluator;
use crate::lang::value::Value;
use crate::syntax::Span;
use petgraph::Direction;
use petgraph::graph::NodeIndex;
use std::collections::HashSet;

/// One evaluated `provider` block.
#[derive(Debug, Clone)]
pub struct ProviderValue {
    pub name: String,
    pub alias: Option<String>,
    /// The module the block is in, as an address prefix (`module.net.`; empty for the root).
    pub module: String,
    pub value: Value,
    pub span: Span,
}

/// Evaluates every provider block: the root module's, and those of child modules (a legacy
/// form Terraform still accepts in a module called without count, for_each or depends_on).
pub fn provider_configs(
    tree: &ModuleTree,
    opts: &Options,
) -> (Vec<ProviderValue>, Vec<Diagnostic>) {
    let (mut out, mut diags) = root_provider_configs(tree, opts);
    let (child, child_diags) = child_provider_configs(tree, opts);
    out.extend(child);
    diags.extend(child_diags);
    (out, diags)
}

/// A child module's provider blocks may use its variables, which come from its call's
/// arguments: the configuration is evaluated once (resources unknown, as in `eval`) and each
/// block is evaluated in its module's instance. Only configurations that have such blocks pay.
fn child_provider_configs(
    tree: &ModuleTree,
    opts: &Options,
) -> (Vec<ProviderValue>, Vec<Diagnostic>) {
    let with_blocks: Vec<usize> = (1..tree.modules.len())
        .filter(|&i| !tree.modules[i].module.providers.is_empty())
        .collect();
    if with_blocks.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let evaluated = super::evaluate_tree(tree, Vec::new(), opts);
    let mut diags: Vec<Diagnostic> = evaluated
        .diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    let world = &evaluated.world;
    let mut out = Vec::new();
    for i in with_blocks {
        let tm = &tree.modules[i];
        for key in world.by_module.get(i).into_iter().flatten() {
            let Some(inst) = world.instances.get(key) else {
                continue;
            };
            let scope = InstanceScope::new(world, inst);
            for p in &tm.module.providers {
                let mut ev = Evaluator::new(&scope, tm.module.dir.clone());
                match body::eval_body(&mut ev, &p.body) {
                    Ok(v) if !v.is_wholly_known() => diags.push(Diagnostic::error(
                        "Provider configuration not known",
                        format!(
                            "The configuration of provider {:?} in {} depends on values that are not known before apply.",
                            p.name,
                            tm.prefix().trim_end_matches('.')
                        ),
                        p.span,
                    )),
                    Ok(v) => out.push(ProviderValue {
                        name: p.name.clone(),
                        alias: p.alias.clone(),
                        module: tm.prefix(),
                        value: v.unmark_deep().0,
                        span: p.span,
                    }),
                    Err(d) => diags.push(d),
                }
            }
        }
    }
    (out, diags)
}

/// Evaluates the root module's provider blocks.
fn root_provider_configs(
    tree: &ModuleTree,
    opts: &Options,
) -> (Vec<ProviderValue>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let root = tree.root();
    if root.providers.is_empty() {
        return (Vec::new(), diags);
    }
    let graph = match tree.graph() {
        Ok(g) => g,
        Err(d) => {
            diags.extend(d);
            return (Vec::new(), diags);
        }
    };
    // The root variables and locals the blocks need, found through the graph.
    let mut needed: HashSet<NodeIndex> = HashSet::new();
    let mut stack: Vec<NodeIndex> = Vec::new();
    for p in &root.providers {
        let mut refs = Vec::new();
        body_references(&p.body, &mut refs);
        for r in refs {
            match resolve(root, &r) {
                Ok(Some(node @ (Node::Var(_) | Node::Local(_)))) => {
                    if let Some(&i) = graph
                        .index
                        .get(&crate::graph::StaticNode { module: 0, node })
                    {
                        stack.push(i);
                    }
                }
                Ok(Some(other)) => diags.push(not_before_walk(&p.name, &other.address(), r.span)),
                Ok(None) => {}
                Err(d) => diags.push(d),
            }
        }
    }
    while let Some(i) = stack.pop() {
        if !needed.insert(i) {
            continue;
        }
        for dep in graph.dag.neighbors_directed(i, Direction::Incoming) {
            let n = &graph.dag[dep];
            match &n.node {
                Node::Var(_) | Node::Local(_) if n.module == 0 => stack.push(dep),
                other => {
                    let via = graph.address(tree, i);
                    diags.push(not_before_walk(
                        &format!("(through {via})"),
                        &other.address(),
                        graph
                            .dag
                            .edges_connecting(dep, i)
                            .next()
                            .map_or(root.providers[0].span, |e| *e.weight()),
                    ));
                }
            }
        }
    }
    if diags.iter().any(Diagnostic::is_error) {
        return (Vec::new(), diags);
    }
    let mut world = World {
        by_module: vec![Vec::new(); tree.modules.len()],
        ..World::default()
    };
    let mut inst = Instance::new(String::new(), 0, root, &root.dir, &opts.workspace);
    let mut ctx = Ctx {
        diags: Vec::new(),
        root_dir: root.dir.clone(),
        workspace: opts.workspace.clone(),
        instances: 0,
        opts,
    };
    for &i in &graph.order {
        if !needed.contains(&i) {
            continue;
        }
        match &graph.dag[i].node {
            Node::Var(n) => {
                let v = ctx.variable(tree, &world, &inst, n);
                inst.vars.insert(n.clone(), v);
            }
            Node::Local(n) => {
                let v = ctx.eval_in(&InstanceScope::new(&world, &inst), &root.locals[n].expr);
                inst.locals.insert(n.clone(), v);
            }
            _ => {}
        }
    }
    world.instances.insert(String::new(), inst);
    let mut out = Vec::new();
    let Some(inst) = world.instances.get("") else {
        return (out, diags);
    };
    let scope = InstanceScope::new(&world, inst);
    for p in &root.providers {
        let mut ev = Evaluator::new(&scope, root.dir.clone());
        match body::eval_body(&mut ev, &p.body) {
            Ok(v) if !v.is_wholly_known() => ctx.diags.push(Diagnostic::error(
                "Provider configuration not known",
                format!(
                    "The configuration of provider {:?} depends on values that are not known before apply.",
                    p.name
                ),
                p.span,
            )),
            Ok(v) => out.push(ProviderValue {
                name: p.name.clone(),
                alias: p.alias.clone(),
                module: String::new(),
                value: v.unmark_deep().0,
                span: p.span,
            }),
            Err(d) => ctx.diags.push(d),
        }
    }
    diags.extend(ctx.diags);
    (out, diags)
}

fn not_before_walk(provider: &str, what: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        "Provider configuration depends on a resource",
        format!(
            "Provider {provider} refers to {what}. infra configures providers before planning, so a provider block may refer only to input variables, locals built from them, and path/terraform values."
        ),
        span,
    )
}
