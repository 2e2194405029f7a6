//! The concurrent walk of the static graph. A node starts as soon as every node it depends on
//! has finished. Variables, locals, outputs and module calls are evaluated on the spot; each
//! resource instance is handed to a [`Hook`], which either answers at once (validate, plan) or
//! returns work to run (apply), at most `parallelism` at a time. A failed resource stops its
//! dependents; independent work goes on.

use super::{Ctx, InstanceKey, Shape, World};
use crate::config::Resource;
use crate::diag::Diagnostic;
use crate::graph::deps::Node;
use crate::graph::{ModuleTree, StaticGraph};
use crate::lang::types::Type;
use crate::lang::value::{Attrs, Value};
use petgraph::Direction;
use petgraph::graph::NodeIndex;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub type Job = Pin<Box<dyn Future<Output = Result<Value, Diagnostic>> + Send + 'static>>;

/// One resource instance the walk reached, with its evaluated configuration.
pub struct InstanceRequest<'a> {
    /// Full address: `module.net.aws_subnet.private[0]`.
    pub address: String,
    /// `module.net.` (empty for the root module).
    pub module_key: &'a str,
    pub resource: &'a Resource,
    pub key: Option<InstanceKey>,
    pub config: Value,
}

/// An `image` block the walk reached, in one module instance, with an evaluator in that
/// instance's scope.
pub struct ImageRequest<'a> {
    /// `image.base`, `module.roles.image.base`.
    pub address: String,
    pub image: &'a crate::config::Image,
    /// The directory of the image's module: provisioner files are relative to it.
    pub module_dir: &'a std::path::Path,
    pub evaluator: crate::lang::Evaluator<'a>,
}

pub enum Outcome {
    /// The instance's value, known now.
    Value(Value),
    /// Work to run; its result becomes the value through [`Hook::finished`].
    Job(Job),
    Failed(Diagnostic),
}

pub trait Hook {
    fn instance(&mut self, req: InstanceRequest) -> Outcome;

    /// A job ended (successfully or not): record it and give the instance's value.
    fn finished(
        &mut self,
        address: &str,
        result: Result<Value, Diagnostic>,
    ) -> Result<Value, Diagnostic> {
        let _ = address;
        result
    }

    /// Whether the instance that just finished was created by this run, so its create-time
    /// provisioners run (apply says yes for its creates; nothing else provisions).
    fn provisions(&mut self, address: &str) -> bool {
        let _ = address;
        false
    }

    /// Runs a created instance's provisioners (evaluated with `self` bound to its value); an
    /// error fails the instance, which stays created (apply marks it tainted).
    fn provision(
        &mut self,
        address: &str,
        provisioners: Vec<super::provisioners::Provisioner>,
    ) -> Result<(), Diagnostic> {
        let _ = (address, provisioners);
        Ok(())
    }

    /// An image: its value (`id`, `ids_by_region`, ...) or the work that finds or bakes it.
    /// Evaluation alone checks the block and leaves the value unknown.
    fn image(&mut self, mut req: ImageRequest) -> Outcome {
        match super::body::eval_body(&mut req.evaluator, &req.image.body) {
            Ok(_) => Outcome::Value(Value::Unknown(Type::Dynamic)),
            Err(d) => Outcome::Failed(d),
        }
    }

    /// A resource whose `count`/`for_each` is unknown: it has no instances to hand over. The
    /// planner refuses this; evaluation alone accepts it.
    fn unknown_expansion(&mut self, resource: &Resource, module_key: &str) -> Option<Diagnostic> {
        let _ = (resource, module_key);
        None
    }
}

/// What `validate`, `eval` and `console` do: managed resources are unknown until apply;
/// provider-free data sources are read at once.
pub struct EvaluateOnly {
    pub root_dir: std::path::PathBuf,
}

impl Hook for EvaluateOnly {
    fn instance(&mut self, req: InstanceRequest) -> Outcome {
        let r = req.resource;
        match super::read_builtin_data(r, &req.config, &self.root_dir) {
            Some(Ok(v)) => Outcome::Value(v),
            Some(Err(d)) => Outcome::Failed(d),
            None => Outcome::Value(Value::Unknown(Type::Dynamic)),
        }
    }
}

/// One module instance's share of a resource: a slot per resource instance.
struct Group {
    key: String,
    shape: Shape,
    slots: Vec<(Option<InstanceKey>, Option<Value>)>,
}

/// A finished job: which node, group and slot it fills.
struct Done {
    node: NodeIndex,
    group: usize,
    slot: usize,
    address: String,
    result: Result<Value, Diagnostic>,
}

/// A resource node waiting for its instances.
struct Pending {
    groups: Vec<Group>,
    remaining: usize,
    failed: bool,
}

pub struct WalkOptions {
    pub parallelism: usize,
    /// Set to stop starting new work (Ctrl-C); work in flight finishes.
    pub stop: Option<Arc<AtomicBool>>,
    /// Walk only these nodes (see [`dependency_closure`]); the others are passed over and
    /// their values stay unset, which is safe because nothing walked refers to them.
    pub only: Option<std::collections::HashSet<NodeIndex>>,
}

/// `targets` and every node they depend on, directly or not.
pub fn dependency_closure(
    graph: &StaticGraph,
    targets: impl IntoIterator<Item = NodeIndex>,
) -> std::collections::HashSet<NodeIndex> {
    let mut seen = std::collections::HashSet::new();
    let mut queue: Vec<NodeIndex> = targets.into_iter().collect();
    while let Some(n) = queue.pop() {
        if seen.insert(n) {
            queue.extend(graph.dag.neighbors_directed(n, Direction::Incoming));
        }
    }
    seen
}

pub struct WalkResult {
    /// Nodes not run because something they depend on failed, or because the walk stopped.
    pub skipped: usize,
    pub interrupted: bool,
}

pub(super) async fn walk<H: Hook>(
    tree: &ModuleTree,
    graph: &StaticGraph,
    world: &mut World,
    ctx: &mut Ctx<'_>,
    hook: &mut H,
    opts: &WalkOptions,
) -> WalkResult {
    let n = graph.dag.node_count();
    let mut sched = Schedule::new(graph);
    let mut pending: HashMap<NodeIndex, Pending> = HashMap::new();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(opts.parallelism.max(1)));
    let mut jobs: tokio::task::JoinSet<Done> = tokio::task::JoinSet::new();
    let mut interrupted = false;
    loop {
        let stopping = opts.stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst));
        if stopping {
            interrupted = true;
        }
        while let Some(ni) = (!stopping).then(|| sched.ready.pop_front()).flatten() {
            let sn = graph.dag[ni].clone();
            if sched.failed[ni.index()] {
                sched.finish(graph, ni, true);
                continue;
            }
            if opts.only.as_ref().is_some_and(|only| !only.contains(&ni)) {
                sched.finish(graph, ni, false);
                continue;
            }
            if let Node::Image(name) = &sn.node {
                let p = start_image(tree, &sn, name, ni, world, ctx, hook, &semaphore, &mut jobs);
                if p.remaining == 0 {
                    complete_image(world, name, &p);
                    sched.finish(graph, ni, p.failed);
                } else {
                    pending.insert(ni, p);
                }
                continue;
            }
            let Node::Resource(addr) = &sn.node else {
                for key in world.by_module[sn.module].clone() {
                    ctx.eval_node(tree, world, &sn, &key);
                }
                sched.finish(graph, ni, false);
                continue;
            };
            let r = &tree.modules[sn.module].module.resources[addr];
            let mut p = Pending {
                groups: Vec::new(),
                remaining: 0,
                failed: false,
            };
            for key in world.by_module[sn.module].clone() {
                let Some(inst) = world.instances.get(&key) else {
                    continue;
                };
                let (shape, configs) = ctx.resource_configs(world, inst, r);
                if shape == Shape::Unknown
                    && let Some(d) = hook.unknown_expansion(r, &key)
                {
                    ctx.diags.push(d);
                    p.failed = true;
                }
                let gi = p.groups.len();
                let mut slots = Vec::with_capacity(configs.len());
                for (si, (ikey, config)) in configs.into_iter().enumerate() {
                    let address = format!(
                        "{key}{addr}{}",
                        ikey.as_ref().map(InstanceKey::suffix).unwrap_or_default()
                    );
                    let req = InstanceRequest {
                        address: address.clone(),
                        module_key: &key,
                        resource: r,
                        key: ikey.clone(),
                        config,
                    };
                    match hook.instance(req) {
                        Outcome::Value(v) => slots.push((ikey, Some(v))),
                        Outcome::Failed(d) => {
                            ctx.diags.push(d);
                            p.failed = true;
                            slots.push((ikey, Some(Value::Unknown(Type::Dynamic))));
                        }
                        Outcome::Job(job) => {
                            slots.push((ikey, None));
                            p.remaining += 1;
                            let sem = semaphore.clone();
                            jobs.spawn(async move {
                                let _permit = sem.acquire_owned().await;
                                Done {
                                    node: ni,
                                    group: gi,
                                    slot: si,
                                    address,
                                    result: job.await,
                                }
                            });
                        }
                    }
                }
                p.groups.push(Group { key, shape, slots });
            }
            if p.remaining == 0 {
                complete_resource(world, r, &p);
                let f = p.failed;
                sched.finish(graph, ni, f);
            } else {
                pending.insert(ni, p);
            }
        }
        let Some(joined) = jobs.join_next().await else {
            break;
        };
        let Ok(Done {
            node: ni,
            group: gi,
            slot: si,
            address,
            result,
        }) = joined
        else {
            continue;
        };
        let value = match hook.finished(&address, result) {
            Ok(v) => v,
            Err(d) => {
                ctx.diags.push(d);
                if let Some(p) = pending.get_mut(&ni) {
                    p.failed = true;
                }
                Value::Unknown(Type::Dynamic)
            }
        };
        let Some(p) = pending.get_mut(&ni) else {
            continue;
        };
        if let Node::Resource(addr) = &graph.dag[ni].node
            && hook.provisions(&address)
        {
            let r = &tree.modules[graph.dag[ni].module].module.resources[addr];
            let group = &p.groups[gi];
            if let Some(inst) = world.instances.get(&group.key)
                && super::provisioners::has_provisioners(r)
            {
                let list = ctx.provisioners(world, inst, r, group.slots[si].0.as_ref(), &value);
                if let Err(d) = hook.provision(&address, list) {
                    ctx.diags.push(d);
                    p.failed = true;
                }
            }
        }
        p.groups[gi].slots[si].1 = Some(value);
        p.remaining -= 1;
        if p.remaining == 0
            && let Some(p) = pending.remove(&ni)
        {
            let sn = &graph.dag[ni];
            match &sn.node {
                Node::Resource(addr) => {
                    complete_resource(world, &tree.modules[sn.module].module.resources[addr], &p)
                }
                Node::Image(name) => complete_image(world, name, &p),
                _ => {}
            }
            sched.finish(graph, ni, p.failed);
        }
    }
    let skipped = (0..n)
        .filter(|&i| {
            !sched.done[i]
                || (sched.failed[i]
                    && !matches!(graph.dag[NodeIndex::new(i)].node, Node::Resource(_)))
        })
        .count();
    WalkResult {
        skipped,
        interrupted,
    }
}

/// Hands an image node to the hook for every instance of its module: one slot each.
#[allow(clippy::too_many_arguments)]
fn start_image<H: Hook>(
    tree: &ModuleTree,
    sn: &crate::graph::StaticNode,
    name: &str,
    ni: NodeIndex,
    world: &World,
    ctx: &mut Ctx<'_>,
    hook: &mut H,
    semaphore: &Arc<tokio::sync::Semaphore>,
    jobs: &mut tokio::task::JoinSet<Done>,
) -> Pending {
    let module = &tree.modules[sn.module].module;
    let image = &module.images[name];
    let mut p = Pending {
        groups: Vec::new(),
        remaining: 0,
        failed: false,
    };
    for key in &world.by_module[sn.module] {
        let Some(inst) = world.instances.get(key) else {
            continue;
        };
        let address = format!("{key}image.{name}");
        let scope = super::InstanceScope::new(world, inst);
        let req = ImageRequest {
            address: address.clone(),
            image,
            module_dir: &module.dir,
            evaluator: crate::lang::Evaluator::new(&scope, ctx.root_dir.clone()),
        };
        let slot = match hook.image(req) {
            Outcome::Value(v) => Some(v),
            Outcome::Failed(d) => {
                ctx.diags.push(d);
                p.failed = true;
                Some(Value::Unknown(Type::Dynamic))
            }
            Outcome::Job(job) => {
                p.remaining += 1;
                let (sem, group) = (semaphore.clone(), p.groups.len());
                jobs.spawn(async move {
                    let _permit = sem.acquire_owned().await;
                    Done {
                        node: ni,
                        group,
                        slot: 0,
                        address,
                        result: job.await,
                    }
                });
                None
            }
        };
        p.groups.push(Group {
            key: key.clone(),
            shape: Shape::Single,
            slots: vec![(None, slot)],
        });
    }
    p
}

fn complete_image(world: &mut World, name: &str, p: &Pending) {
    for g in &p.groups {
        let value = g
            .slots
            .first()
            .and_then(|(_, v)| v.clone())
            .unwrap_or(Value::Unknown(Type::Dynamic));
        if let Some(inst) = world.instances.get_mut(&g.key) {
            inst.images.insert(name.to_string(), value);
        }
    }
}

/// Which nodes are ready, done or failed; releasing a node readies what waited only for it.
struct Schedule {
    indegree: Vec<usize>,
    ready: VecDeque<NodeIndex>,
    failed: Vec<bool>,
    done: Vec<bool>,
}

impl Schedule {
    fn new(graph: &StaticGraph) -> Schedule {
        let n = graph.dag.node_count();
        let indegree: Vec<usize> = (0..n)
            .map(|i| {
                graph
                    .dag
                    .neighbors_directed(NodeIndex::new(i), Direction::Incoming)
                    .count()
            })
            .collect();
        let ready = graph
            .order
            .iter()
            .copied()
            .filter(|i| indegree[i.index()] == 0)
            .collect();
        Schedule {
            indegree,
            ready,
            failed: vec![false; n],
            done: vec![false; n],
        }
    }

    /// Marks a node done and releases the nodes that waited for it; a failure spreads to them.
    fn finish(&mut self, graph: &StaticGraph, ni: NodeIndex, node_failed: bool) {
        self.done[ni.index()] = true;
        for dep in graph.dag.neighbors_directed(ni, Direction::Outgoing) {
            if node_failed {
                self.failed[dep.index()] = true;
            }
            self.indegree[dep.index()] -= 1;
            if self.indegree[dep.index()] == 0 {
                self.ready.push_back(dep);
            }
        }
    }
}

/// Puts a resource's instance values into each module instance, shaped as references see them.
fn complete_resource(world: &mut World, r: &Resource, p: &Pending) {
    for Group { key, shape, slots } in &p.groups {
        let value_of = |v: &Option<Value>| v.clone().unwrap_or(Value::Unknown(Type::Dynamic));
        let value = match shape {
            Shape::Single => slots
                .first()
                .map(|(_, v)| value_of(v))
                .unwrap_or_else(|| Value::Unknown(Type::Dynamic)),
            Shape::Count => Value::tuple(slots.iter().map(|(_, v)| value_of(v)).collect()),
            Shape::ForEach => {
                let attrs: Attrs = slots
                    .iter()
                    .map(|(k, v)| {
                        let name = match k {
                            Some(InstanceKey::Str(s)) => s.clone(),
                            Some(InstanceKey::Int(i)) => i.to_string(),
                            None => String::new(),
                        };
                        (name, value_of(v))
                    })
                    .collect();
                Value::object(attrs)
            }
            Shape::Unknown => Value::Unknown(Type::Dynamic),
        };
        if let Some(inst) = world.instances.get_mut(key) {
            inst.set_resource(r, value);
        }
    }
}
