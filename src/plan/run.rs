//! Making a plan: refresh the prior state, walk the configuration with the planner, add the
//! deletions of objects the configuration no longer has, compare outputs, and apply `-target`.

use super::model::{Action, OutputChange, PLAN_FORMAT, Plan, RefreshedObject, ResourceChange};
use super::planner::{Planner, delete_change, static_of_change};
use crate::config::tfvars::RawValue;
use crate::diag::Diagnostic;
use crate::evaluate::walk::WalkOptions;
use crate::evaluate::{self, Options};
use crate::graph::{self, ModuleTree};
use crate::instance::codec::{self, to_plan_json};
use crate::lang::value::Value;
use crate::provider::Registry;
use crate::state::State;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

pub struct PlanRequest {
    pub dir: PathBuf,
    pub root_vars: BTreeMap<String, RawValue>,
    pub workspace: String,
    pub destroy: bool,
    pub refresh: bool,
    /// Only read the objects and report what changed outside infra (`-refresh-only`).
    pub refresh_only: bool,
    pub replace: Vec<String>,
    pub targets: Vec<String>,
    pub parallelism: usize,
}

pub struct PlanOutcome {
    pub plan: Option<Plan>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Plans `tree` (loaded by the caller, who may walk it again to apply; `diags` are the
/// problems found while loading it).
pub async fn make_plan(
    req: &PlanRequest,
    tree: &ModuleTree,
    mut diags: Vec<Diagnostic>,
    prior: Option<&State>,
    registry: &Registry,
) -> PlanOutcome {
    // Every block against its schema first, each error at its token.
    let schema_errors = super::schema_check::check(tree, registry);
    if !schema_errors.is_empty() {
        diags.extend(schema_errors);
        return PlanOutcome {
            plan: None,
            diagnostics: diags,
        };
    }
    let before_refresh = prior;
    // Copied only if moved blocks or refresh change it: a no-change plan of a large state
    // works on the state as loaded.
    let mut prior: Option<std::borrow::Cow<State>> = prior.map(std::borrow::Cow::Borrowed);
    let mut moves = Vec::new();
    if let Some(state) = prior.as_mut().filter(|_| has_moved_blocks(tree)) {
        match apply_moved_blocks(tree, state.to_mut()) {
            Ok(m) => moves = m,
            Err(d) => diags.extend(d),
        }
    }
    let mut refreshed = Vec::new();
    let mut vanished = Vec::new();
    if req.refresh
        && let Some(state) = prior.as_mut()
    {
        let r = refresh(state, registry, Some(tree)).await;
        diags.extend(r.diagnostics);
        refreshed = r.refreshed;
        vanished = r.vanished;
    }
    let timestamp = crate::lang::functions::pin_plan_timestamp(None);
    let base_plan = |changes, outputs, variables| Plan {
        format_version: PLAN_FORMAT,
        infra_version: env!("CARGO_PKG_VERSION").to_string(),
        lineage: prior.as_ref().map(|s| s.lineage.clone()),
        prior_serial: prior.as_ref().map(|s| s.serial),
        destroy: req.destroy,
        variables,
        changes,
        outputs,
        targets: req.targets.clone(),
        moved: Vec::new(),
        refreshed: refreshed.clone(),
        vanished: vanished.clone(),
        images: Vec::new(),
        data: BTreeMap::new(),
        refresh_only: false,
        drift: Vec::new(),
        timestamp: Some(timestamp.clone()),
        rollouts: Vec::new(),
    };
    if req.refresh_only {
        let mut plan = base_plan(Vec::new(), BTreeMap::new(), BTreeMap::new());
        plan.refresh_only = true;
        plan.drift = drift(before_refresh, &refreshed, &vanished, registry);
        return PlanOutcome {
            plan: Some(plan),
            diagnostics: diags,
        };
    }
    let dependencies = match tree.graph() {
        Ok(g) => graph::resource_dependencies(tree, g),
        Err(d) => {
            diags.extend(d);
            return PlanOutcome {
                plan: None,
                diagnostics: diags,
            };
        }
    };
    let mut planner = Planner {
        registry: registry.clone(),
        prior: prior.as_deref(),
        replace: req.replace.iter().cloned().collect(),
        dependencies,
        changes: Vec::new(),
        seen: HashSet::new(),
        unknown_expansions: HashSet::new(),
        root_dir: req.dir.clone(),
        // A destroy plan leaves images alone: nothing to look up.
        look_up_images: !req.destroy,
        images: Default::default(),
        data: BTreeMap::new(),
    };
    let opts = Options::run(req.root_vars.clone(), &req.workspace);
    let walk_opts = WalkOptions {
        parallelism: req.parallelism,
        stop: None,
        only: None,
    };
    // timestamp() and uuid() are decided at apply, as in Terraform.
    crate::lang::functions::set_planning(true);
    let (evaluated, _) = evaluate::run(tree, diags, &opts, &mut planner, &walk_opts).await;
    crate::lang::functions::set_planning(false);
    let mut diags = evaluated.diagnostics;
    if diags.iter().any(Diagnostic::is_error) {
        return PlanOutcome {
            plan: None,
            diagnostics: diags,
        };
    }
    let variables: BTreeMap<String, serde_json::Value> = evaluated
        .world
        .root()
        .map(|r| {
            r.vars
                .iter()
                .map(|(k, v)| (k.clone(), to_plan_json(v)))
                .collect()
        })
        .unwrap_or_default();
    if req.destroy {
        let mut changes = destroy_changes(prior.as_deref(), registry, &planner.dependencies);
        if !req.targets.is_empty() {
            changes = targeted_changes(changes, &req.targets, Reach::Dependents);
        }
        diags.extend(prevented_destroys(tree, prior.as_deref()));
        let outputs = prior
            .as_ref()
            .map(|s| {
                s.outputs
                    .iter()
                    .map(|(k, o)| {
                        (
                            k.clone(),
                            OutputChange {
                                action: Action::Delete,
                                before: Some(typed_output(o)),
                                after: None,
                                sensitive: o.sensitive,
                            },
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        return PlanOutcome {
            plan: Some(base_plan(changes, outputs, variables)),
            diagnostics: diags,
        };
    }
    planner.plan_orphans();
    let mut changes = planner.changes;
    for r in &req.replace {
        if !changes.iter().any(|c| &c.address == r) {
            diags.push(Diagnostic::plain(
                "Invalid -replace address",
                format!("{r} is not an instance in the configuration."),
            ));
        }
    }
    if !req.targets.is_empty() {
        changes = targeted_changes(changes, &req.targets, Reach::Dependencies);
    }
    let outputs = output_changes(prior.as_deref(), &evaluated.outputs);
    let mut plan = base_plan(changes, outputs, variables);
    plan.moved = moves;
    match super::rollouts::planned(&plan.changes, prior.as_deref(), registry) {
        Ok(r) => plan.rollouts = r,
        Err(d) => {
            diags.extend(d);
            return PlanOutcome {
                plan: None,
                diagnostics: diags,
            };
        }
    }
    plan.data = std::mem::take(&mut planner.data);
    plan.images = std::mem::take(&mut *planner.images.lock().unwrap_or_else(|p| p.into_inner()));
    plan.images.sort_by(|a, b| a.address.cmp(&b.address));
    PlanOutcome {
        plan: Some(plan),
        diagnostics: diags,
    }
}

/// What refresh found changed outside infra, as changes from the state to the cloud: an update
/// for an object that drifted, a delete for one that is gone. Objects adopted by their tags are
/// not drift (they are the journal's work), and neither is an object read back the same.
fn drift(
    prior: Option<&State>,
    refreshed: &[crate::plan::model::RefreshedObject],
    vanished: &[String],
    registry: &Registry,
) -> Vec<ResourceChange> {
    let Some(prior) = prior else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut change = |r: &crate::state::ResourceState,
                      address: String,
                      index: Option<serde_json::Value>,
                      action: Action,
                      after: Option<Value>| {
        let Some(provider) = registry.get_at(&r.type_name, &provider_key(&r.provider)) else {
            return;
        };
        let Some((before, _)) =
            crate::instance::prior_value(Some(prior), &address, provider.schema())
        else {
            return;
        };
        if after.as_ref().is_some_and(|a| {
            crate::lang::eval::values_equal(&a.unmark_deep().0, &before.unmark_deep().0)
        }) {
            return;
        }
        out.push(ResourceChange {
            address,
            module: r.module.clone(),
            mode: r.mode.clone(),
            type_name: r.type_name.clone(),
            name: r.name.clone(),
            index,
            provider: r.provider.clone(),
            action,
            before: Some(before),
            after,
            replace_paths: Vec::new(),
            reason: Some("drift".into()),
            dependencies: Vec::new(),
            create_before_destroy: false,
            layout: crate::plan::render::diff::Layout::of(provider.schema()),
            deposed: None,
        });
    };
    for o in refreshed.iter().filter(|o| !o.adopted) {
        let address = format!(
            "{}{}",
            o.resource.address(),
            crate::state::model::key_suffix(&o.instance.index_key)
        );
        let Some(provider) =
            registry.get_at(&o.resource.type_name, &provider_key(&o.resource.provider))
        else {
            continue;
        };
        let after = codec::from_state(
            &o.instance.attributes,
            &o.instance.sensitive_attributes,
            provider.schema(),
        );
        change(
            &o.resource,
            address,
            o.instance.index_key.clone(),
            Action::Update,
            Some(after),
        );
    }
    for a in vanished {
        if let Some((r, i)) = prior.find(a) {
            let r = r.clone();
            change(&r, a.clone(), i.index_key.clone(), Action::Delete, None);
        }
    }
    out.sort_by(|a, b| a.address.cmp(&b.address));
    out
}

/// The registry key of a state's provider address (`module.x.provider["..."]` → `provider["..."]`).
pub(crate) fn provider_key(p: &str) -> String {
    p.rsplit_once("provider[")
        .map_or(p.to_string(), |(_, rest)| format!("provider[{rest}"))
}

/// Renames state addresses as the configuration's `moved` blocks say, so renamed resources
/// keep their objects. Returns the (from, to) pairs that applied.
fn has_moved_blocks(tree: &ModuleTree) -> bool {
    tree.modules.iter().any(|tm| !tm.module.moved.is_empty())
}

fn apply_moved_blocks(
    tree: &ModuleTree,
    state: &mut State,
) -> Result<Vec<(String, String)>, Vec<Diagnostic>> {
    let mut applied = Vec::new();
    let mut diags = Vec::new();
    for tm in &tree.modules {
        let prefix = tm.prefix();
        for mv in &tm.module.moved {
            let (Some(from), Some(to)) = (mv.from.as_address(), mv.to.as_address()) else {
                diags.push(Diagnostic::error(
                    "Invalid moved block",
                    "from and to must be resource, instance or module addresses like aws_vpc.a or module.net.",
                    mv.span,
                ));
                continue;
            };
            let (from, to) = (format!("{prefix}{from}"), format!("{prefix}{to}"));
            let under = |a: &str, p: &str| {
                a == p || a.starts_with(&format!("{p}[")) || a.starts_with(&format!("{p}."))
            };
            let present = state.instances().any(|(a, _, _)| under(&a, &from));
            let target_taken = state.instances().any(|(a, _, _)| under(&a, &to));
            if !present || target_taken {
                // Already moved, or never created: nothing to do, as in Terraform.
                continue;
            }
            let result = if is_module_address(&from) {
                crate::state::moves::move_module(state, &from, &to)
            } else {
                crate::state::moves::move_address(state, &from, &to)
            };
            match result {
                Ok(()) => applied.push((from, to)),
                Err(d) => diags.push(d.or_span(mv.span)),
            }
        }
    }
    if diags.is_empty() {
        Ok(applied)
    } else {
        Err(diags)
    }
}

/// `module.a` or `module.a[0].module.b` (no resource part).
pub fn is_module_address(a: &str) -> bool {
    crate::addrs::ModuleInstance::parse(a).is_some_and(|m| !m.0.is_empty())
}

/// An instance in state being refreshed: its address, resource and instance.
type Member = (
    String,
    crate::state::ResourceState,
    crate::state::InstanceState,
);

/// Reads every object in state again, so the plan starts from what exists: an object deleted
/// outside infra disappears from the prior state and will be created again, one changed
/// outside shows its drift. Objects are read by type (one batch per type and provider
/// configuration, all batches at once); each batch also reports objects tagged with this
/// state's lineage that the state does not hold, which a crashed apply created: they are
/// adopted under the address they are tagged with.
pub async fn refresh(
    state: &mut std::borrow::Cow<'_, State>,
    registry: &Registry,
    tree: Option<&ModuleTree>,
) -> Refresh {
    use std::collections::BTreeMap;
    let mut diags = Vec::new();
    // (type, provider address) → instances in state.
    let mut groups: BTreeMap<(String, String), Vec<Member>> = BTreeMap::new();
    // Deposed objects are read too: they are this state's (tagged with its lineage and their
    // address) and must not be taken for an interrupted apply's unrecorded objects. What they
    // read is not recorded; they are destroyed as they are.
    for (addr, r, inst) in state.instances().chain(state.deposed()) {
        // Built-in types keep their objects in state only: reading them again reads the state.
        if r.mode != "managed" || registry.is_builtin(&r.type_name) {
            continue;
        }
        groups
            .entry((r.type_name.clone(), r.provider.clone()))
            .or_default()
            .push((addr, r.clone(), inst.clone()));
    }
    // Types the configuration has but the state does not: still asked, for adoption.
    if let Some(tree) = tree {
        for tm in &tree.modules {
            for r in tm.module.resources.values() {
                if r.mode == crate::config::Mode::Managed {
                    let addr = r.provider_config_address();
                    if registry.is_configured(&addr) {
                        groups.entry((r.type_name.clone(), addr)).or_default();
                    }
                }
            }
        }
    }
    let mut tasks = tokio::task::JoinSet::new();
    for ((type_name, provider_addr), members) in groups {
        let Some(provider) = registry.get_at(&type_name, &provider_addr) else {
            continue;
        };
        let priors = members
            .iter()
            .map(|(_, _, inst)| {
                crate::instance::codec::from_state(
                    &inst.attributes,
                    &inst.sensitive_attributes,
                    provider.schema(),
                )
            })
            .collect();
        let batch = crate::provider::RefreshBatch {
            lineage: state.lineage.clone(),
            priors,
        };
        let fut = provider.refresh(batch);
        tasks.spawn(async move { (type_name, provider_addr, provider, members, fut.await) });
    }
    let mut updates = Vec::new();
    let mut gone = Vec::new();
    let mut adopted = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let Ok((type_name, provider_addr, provider, members, result)) = done else {
            diags.push(Diagnostic::plain(
                "Failed to refresh",
                "a refresh task panicked",
            ));
            continue;
        };
        let refreshed = match result {
            Ok(r) => r,
            Err(e) => {
                diags.push(Diagnostic::plain(
                    "Failed to refresh",
                    format!("{type_name} ({provider_addr}): {e}"),
                ));
                continue;
            }
        };
        for ((addr, r, inst), now) in members.into_iter().zip(refreshed.current) {
            if inst.deposed.is_some() {
                continue;
            }
            match now {
                Some(now) => {
                    let (attrs, sensitive) =
                        crate::instance::codec::to_state(&now, provider.schema());
                    if attrs != inst.attributes {
                        updates.push((
                            r,
                            crate::state::InstanceState {
                                attributes: attrs,
                                sensitive_attributes: sensitive,
                                ..inst
                            },
                        ));
                    }
                }
                None => gone.push(addr),
            }
        }
        for (address, value) in refreshed.found {
            adopted.push((
                address,
                type_name.clone(),
                provider_addr.clone(),
                provider.clone(),
                value,
            ));
        }
    }
    let mut out = Refresh::default();
    for (r, i) in updates {
        state.to_mut().upsert(&r, i.clone());
        out.refreshed.push(RefreshedObject {
            resource: r,
            instance: i,
            adopted: false,
        });
    }
    for a in gone {
        state.to_mut().remove(&a);
        out.vanished.push(a);
    }
    for (address, type_name, provider_addr, provider, value) in adopted {
        if state.find(&address).is_some() {
            continue;
        }
        let Some((module, mode, t, name, key)) = crate::state::moves::parse(&address) else {
            continue;
        };
        if t != type_name || mode != "managed" {
            continue;
        }
        let (attributes, sensitive_attributes) =
            crate::instance::codec::to_state(&value, provider.schema());
        let header = crate::state::ResourceState {
            module,
            mode,
            type_name: t,
            name,
            provider: provider_addr,
            instances: Vec::new(),
        };
        let inst = crate::state::InstanceState {
            index_key: key,
            status: None,
            schema_version: 0,
            attributes,
            sensitive_attributes,
            dependencies: Vec::new(),
            create_before_destroy: false,
            deposed: None,
        };
        tracing::info!(%address, "adopting an object created by an interrupted apply");
        diags.push(Diagnostic::warning(
            "Adopted an untracked object",
            format!(
                "{address}: found an object tagged with this state's lineage that the state did not record (an apply was interrupted after creating it); it is now tracked."
            ),
            crate::syntax::Span::default(),
        ));
        state.to_mut().upsert(&header, inst.clone());
        out.refreshed.push(RefreshedObject {
            resource: header,
            instance: inst,
            adopted: true,
        });
    }
    out.diagnostics = diags;
    out
}

/// What refresh changed in the prior state, for the plan to carry to apply.
#[derive(Default)]
pub struct Refresh {
    pub diagnostics: Vec<Diagnostic>,
    pub refreshed: Vec<RefreshedObject>,
    pub vanished: Vec<String>,
}

/// Terraform refuses a destroy plan that would destroy an instance whose configuration says
/// `lifecycle { prevent_destroy = true }`: one error per such resource, at its block.
fn prevented_destroys(tree: &ModuleTree, prior: Option<&State>) -> Vec<Diagnostic> {
    let Some(state) = prior else {
        return Vec::new();
    };
    let protected: Vec<(String, &crate::config::Resource)> = tree
        .modules
        .iter()
        .flat_map(|tm| {
            let prefix = tm.prefix();
            tm.module
                .resources
                .values()
                .filter(|r| r.lifecycle.prevent_destroy)
                .map(move |r| (format!("{prefix}{}", r.address()), r))
        })
        .collect();
    if protected.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for r in state.resources.iter().filter(|r| r.mode == "managed") {
        if r.instances.is_empty() {
            continue;
        }
        let at = super::planner::static_resource_address(r);
        if let Some((addr, config)) = protected.iter().find(|(a, _)| *a == at) {
            out.push(Diagnostic::error(
                "Instance cannot be destroyed",
                format!("Resource {addr} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed. To avoid this error and continue with the plan, either disable lifecycle.prevent_destroy or reduce the scope of the plan using the -target flag."),
                config.span,
            ));
        }
    }
    out
}

/// Every managed instance of the state, deleted. Each waits for what depends on it, as the
/// state records it and as the configuration says: an instance recorded without its
/// dependencies (imported, say) still goes before what it references.
fn destroy_changes(
    prior: Option<&State>,
    registry: &Registry,
    configured: &HashMap<String, Vec<String>>,
) -> Vec<super::model::ResourceChange> {
    let Some(state) = prior else {
        return Vec::new();
    };
    state
        .instances()
        .filter(|(_, r, _)| r.mode == "managed")
        .map(|(addr, r, inst)| {
            let mut change = delete_change(
                &addr,
                r,
                inst,
                registry.get(&r.type_name).as_deref(),
                "destroy",
            );
            for d in configured
                .get(&static_of_change(&change))
                .into_iter()
                .flatten()
            {
                if !change.dependencies.contains(d) {
                    change.dependencies.push(d.clone());
                }
            }
            change
        })
        .collect()
}

/// Whether an instance address is a target or under one (`aws_subnet.a` covers
/// `aws_subnet.a[0]`; `module.net` covers what is in it).
fn targeted(addr: &str, t: &str) -> bool {
    addr == t || addr.starts_with(&format!("{t}[")) || addr.starts_with(&format!("{t}."))
}

/// Which way `-target` reaches from a targeted instance.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// What it depends on: a targeted plan or apply needs it (Terraform's rule).
    Dependencies,
    /// What depends on it: a targeted destroy takes it along, as it cannot outlive the target.
    Dependents,
}

/// The targeted instances and, transitively, those `reach` links them to; nothing else.
fn targeted_changes(
    changes: Vec<super::model::ResourceChange>,
    targets: &[String],
    reach: Reach,
) -> Vec<super::model::ResourceChange> {
    let mut keep: HashSet<String> = changes
        .iter()
        .filter(|c| targets.iter().any(|t| targeted(&c.address, t)))
        .map(|c| c.address.clone())
        .collect();
    loop {
        let kept = changes.iter().filter(|c| keep.contains(&c.address));
        // Static addresses (`aws_subnet.a`, as dependencies name them) on the kept side.
        let linked: HashSet<String> = match reach {
            Reach::Dependencies => kept.flat_map(|c| c.dependencies.iter().cloned()).collect(),
            Reach::Dependents => kept.map(super::planner::static_of_change).collect(),
        };
        let more: Vec<String> = changes
            .iter()
            .filter(|c| !keep.contains(&c.address))
            .filter(|c| match reach {
                Reach::Dependencies => linked.contains(&super::planner::static_of_change(c)),
                Reach::Dependents => c.dependencies.iter().any(|d| linked.contains(d)),
            })
            .map(|c| c.address.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        keep.extend(more);
    }
    changes
        .into_iter()
        .filter(|c| keep.contains(&c.address))
        .collect()
}

/// An output recorded in state, with the type recorded beside it.
pub fn typed_output(o: &crate::state::OutputState) -> Value {
    crate::lang::types::Type::from_json(&o.ty)
        .and_then(|t| Value::from_json_typed(&o.value, &t))
        .unwrap_or_else(|| Value::from_json(&o.value))
}

fn output_changes(
    prior: Option<&State>,
    outputs: &BTreeMap<String, evaluate::OutputValue>,
) -> BTreeMap<String, OutputChange> {
    let mut out = BTreeMap::new();
    for (name, o) in outputs {
        let before = prior.and_then(|s| s.outputs.get(name)).map(typed_output);
        let after = o.value.clone();
        let action = match &before {
            None if after.is_null() => continue,
            None => Action::Create,
            Some(b)
                if after.is_wholly_known()
                    && crate::lang::eval::values_equal(
                        &b.unmark_deep().0,
                        &after.unmark_deep().0,
                    ) =>
            {
                Action::NoOp
            }
            Some(_) => Action::Update,
        };
        out.insert(
            name.clone(),
            OutputChange {
                action,
                before,
                after: Some(after),
                sensitive: o.sensitive,
            },
        );
    }
    if let Some(s) = prior {
        for (name, o) in &s.outputs {
            if !outputs.contains_key(name) {
                out.insert(
                    name.clone(),
                    OutputChange {
                        action: Action::Delete,
                        before: Some(typed_output(o)),
                        after: None,
                        sensitive: o.sensitive,
                    },
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An instance the state records without its dependencies (an import writes none) is
    /// deleted before what the configuration says it references, not beside it.
    #[test]
    fn a_destroy_orders_by_the_configuration_where_the_state_records_nothing() {
        let state: State = serde_json::from_value(serde_json::json!({
            "version": 4, "serial": 1, "lineage": "l",
            "resources": [
                {"mode": "managed", "type": "aws_route53_zone", "name": "main",
                 "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                 "instances": [{"attributes": {"id": "Z1"}}]},
                {"mode": "managed", "type": "aws_route53_record", "name": "east",
                 "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                 "instances": [{"attributes": {"id": "Z1_a"},
                                "dependencies": ["aws_route53_zone.main"]}]},
                {"mode": "managed", "type": "aws_route53_record", "name": "point",
                 "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                 "instances": [{"attributes": {"id": "Z1_b"}}]}
            ]
        }))
        .unwrap();
        let zone = vec!["aws_route53_zone.main".to_string()];
        let configured: HashMap<String, Vec<String>> = [
            ("aws_route53_record.east".to_string(), zone.clone()),
            ("aws_route53_record.point".to_string(), zone.clone()),
        ]
        .into_iter()
        .collect();
        let changes = destroy_changes(Some(&state), &Registry::new(), &configured);
        let deps = |name: &str| {
            changes
                .iter()
                .find(|c| c.name == name)
                .map(|c| c.dependencies.clone())
                .unwrap()
        };
        assert_eq!(deps("point"), zone);
        assert_eq!(deps("east"), zone, "recorded ones are not doubled");
        assert!(deps("main").is_empty());
        // Without a configuration only the state speaks.
        let bare = destroy_changes(Some(&state), &Registry::new(), &HashMap::new());
        let point = bare.iter().find(|c| c.name == "point").unwrap();
        assert!(point.dependencies.is_empty());
    }
}
