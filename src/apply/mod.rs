//! Executing a plan: deletions first in reverse dependency order, then creates and updates as
//! the configuration walk reaches them (concurrently, each as soon as what it depends on is
//! done), then the old objects of create-before-destroy replacements. Every finished change is
//! recorded in state at once. It executes the plan's decisions and makes none of its own.

pub mod consistency;
pub mod provision;
pub mod report;
mod rollouts;

use crate::config::Resource;
use crate::diag::Diagnostic;
use crate::evaluate::walk::{Hook, ImageRequest, InstanceRequest, Job, Outcome, WalkOptions};
use crate::evaluate::{self, Options};
use crate::graph::ModuleTree;
use crate::instance::codec;
use crate::instance::{proposed_new, resource_state_header};
use crate::lang::value::Value;
use crate::plan::model::{Action, Plan, ResourceChange};
use crate::plan::planner::static_of_change;
use crate::provider::Registry;
use crate::state::store::Store;
use crate::state::{InstanceState, OutputState, State};
use report::Progress;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub struct ApplyRequest {
    pub dir: std::path::PathBuf,
    pub root_vars: BTreeMap<String, crate::config::tfvars::RawValue>,
    pub workspace: String,
    pub parallelism: usize,
    pub stop: Arc<AtomicBool>,
}

#[derive(Default, Debug)]
pub struct ApplyOutcome {
    pub diagnostics: Vec<Diagnostic>,
    pub added: usize,
    pub changed: usize,
    pub destroyed: usize,
    pub interrupted: bool,
}

struct PendingRecord {
    header: crate::state::ResourceState,
    key: Option<serde_json::Value>,
    dependencies: Vec<String>,
    create_before_destroy: bool,
    action: Action,
    /// The key the replaced object was deposed under (create-before-destroy): made current
    /// again if its successor cannot be created.
    deposed: Option<String>,
}

struct Applier<'a> {
    plan: &'a Plan,
    by_address: HashMap<&'a str, &'a ResourceChange>,
    registry: Registry,
    state: &'a mut State,
    store: &'a mut Store,
    progress: &'a Progress,
    started: HashMap<String, std::time::Instant>,
    outcome: &'a mut ApplyOutcome,
    /// What to record in state when a job ends, by instance address.
    headers: HashMap<String, PendingRecord>,
    /// The root module's directory: provider-free data sources read their files from it, as
    /// the planner does.
    root_dir: std::path::PathBuf,
    /// Images being baked, with when they started.
    baking: HashMap<String, std::time::Instant>,
    /// Left-overs of killed bakes (the bake journal) are removed once, before the first bake.
    bakes_recovered: Arc<tokio::sync::OnceCell<()>>,
    /// Set by Ctrl-C.
    stop: Arc<AtomicBool>,
    /// Groups whose rollout this run recorded before updating them.
    rollouts_recorded: HashSet<String>,
    /// Instances this run creates: their create-time provisioners run once they exist.
    creating: HashSet<String>,
    /// Created instances as recorded, until their provisioners ran (a failure taints them).
    provisionable: HashMap<String, (crate::state::ResourceState, InstanceState)>,
}

/// Resolves once `flag` is set. The flag is polled: it is set from a signal handler, and a
/// quarter of a second is nothing next to the bake it stops.
async fn stopped(flag: Arc<AtomicBool>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(250));
    while !flag.load(Ordering::SeqCst) {
        tick.tick().await;
    }
}

impl Applier<'_> {
    fn prior(&self, address: &str, r: &Resource) -> Option<Value> {
        let provider = self
            .registry
            .get_at(&r.type_name, &r.provider_config_address())?;
        crate::instance::prior_value(Some(self.state), address, provider.schema()).map(|p| p.0)
    }
}

/// The error when an instance's final value contradicts what its plan already knew.
fn inconsistent(change: &ResourceChange, address: &str, now: &Value) -> Option<Diagnostic> {
    let planned = change.after.as_ref()?;
    let (path, was, is) = consistency::first_difference(planned, now)?;
    Some(consistency::inconsistent(address, &path, &was, &is))
}

impl Hook for Applier<'_> {
    /// An image the plan found takes the plan's value; one it did not is baked now, from
    /// inputs that must still have the fingerprint the plan showed.
    fn image(&mut self, mut req: ImageRequest) -> Outcome {
        let Some(planned) = self.plan.images.iter().find(|i| i.address == req.address) else {
            return Outcome::Value(Value::unknown());
        };
        if !planned.bake {
            return Outcome::Value(planned.value.clone().unwrap_or_else(Value::unknown));
        }
        let spec = match crate::bake::spec::from_request(&mut req) {
            Ok(s) => s,
            Err(d) => return Outcome::Failed(d),
        };
        let span = req.image.span;
        let address = req.address;
        let (aws, config) = match crate::bake::build::aws_for_images(&self.registry, &address, span)
        {
            Ok(a) => a,
            Err(d) => return Outcome::Failed(d),
        };
        let expected = planned.fingerprint.clone();
        let journal = crate::bake::journal::Journal::beside(&self.store.side_path);
        let recovered = self.bakes_recovered.clone();
        let (progress, stop) = (self.progress.clone(), self.stop.clone());
        self.progress.start(&address, "Baking");
        self.baking
            .insert(address.clone(), std::time::Instant::now());
        Outcome::Job(Box::pin(async move {
            let failed = |e: crate::provider::ProviderError| {
                Diagnostic::error("Bake failed", format!("{address}: {e}"), span)
            };
            let shown = address.clone();
            let baker = crate::bake::build::Baker::connect(
                aws,
                &config,
                &spec.ami_regions,
                journal,
                false,
                Box::new(move |_, line| progress.step(&shown, "Baking", line)),
            )
            .await
            .map_err(failed)?;
            recovered
                .get_or_try_init(|| baker.recover())
                .await
                .map_err(failed)?;
            let found = baker.lookup(&spec).await.map_err(failed)?;
            // An empty fingerprint: the source was known only now (another image, say).
            if !expected.is_empty() && found.fingerprint != expected {
                return Err(Diagnostic::error(
                    "Image changed since the plan",
                    format!(
                        "{address}: its inputs have fingerprint {} now, {} when planned. Run infra plan again.",
                        &found.fingerprint[..12],
                        &expected[..12.min(expected.len())]
                    ),
                    span,
                ));
            }
            let home = baker.aws.region.clone();
            // Ctrl-C stops a bake at once (it may run for many minutes) and removes its
            // temporary objects; other work in flight finishes as usual.
            let baked = baker
                .bake_until(&spec, found, stopped(stop))
                .await
                .map_err(failed)?;
            Ok(baked.value(&home))
        }))
    }

    fn instance(&mut self, req: InstanceRequest) -> Outcome {
        let r = req.resource;
        if r.mode == crate::config::Mode::Data {
            // What the plan read is what apply uses; only what it could not read is read now.
            if let Some(read) = self.plan.data.get(req.address.as_str()) {
                return Outcome::Value(codec::from_plan_json(read));
            }
            return crate::instance::read_data(&self.registry, &req, &self.root_dir, true, false);
        }
        let Some(change) = self.by_address.get(req.address.as_str()).copied() else {
            // Outside a -target plan, or planned as no change: the object stays as it is.
            return match self.prior(&req.address, r) {
                Some(v) => Outcome::Value(v),
                None if !self.plan.targets.is_empty() => Outcome::Value(Value::unknown()),
                None => Outcome::Failed(Diagnostic::error(
                    "Configuration changed since the plan",
                    format!(
                        "{} is in the configuration but not in the plan. Run infra plan again.",
                        req.address
                    ),
                    r.span,
                )),
            };
        };
        let provider_addr = r.provider_config_address();
        let Some(provider) = self.registry.get_at(&r.type_name, &provider_addr) else {
            return Outcome::Failed(Diagnostic::error(
                "Unsupported resource type",
                format!("{}: no resource type {:?}.", req.address, r.type_name),
                r.span,
            ));
        };
        let prior = self.prior(&req.address, r);
        let mut deposed = None;
        let job: Job = match change.action {
            Action::NoOp | Action::Read | Action::Delete => {
                return Outcome::Value(
                    prior.unwrap_or_else(|| change.after.clone().unwrap_or_else(Value::unknown)),
                );
            }
            Action::Create | Action::DeleteThenCreate | Action::CreateThenDelete => {
                self.creating.insert(req.address.clone());
                // Values unknown at plan time are known now: propose again from the config.
                let planned =
                    match proposed_new(&req.address, r, provider.schema(), &req.config, None) {
                        Ok(p) => crate::instance::provider_plan(provider.as_ref(), p, None),
                        Err(d) => return Outcome::Failed(d),
                    };
                if let Some(d) = inconsistent(change, &req.address, &planned) {
                    return Outcome::Failed(d);
                }
                // Recorded before the call: if the process dies before the object is in
                // state, the next plan finds it by its tags under this lineage, and the next
                // create makes the same generated names from the same token (an interrupted
                // create's token is reused).
                let resumed = self.state.pending_creates.get(&req.address).cloned();
                let token = resumed
                    .clone()
                    .unwrap_or_else(crate::provider::unique_suffix);
                if !self.registry.is_builtin(&r.type_name)
                    && let Err(d) = self.store.intent(self.state, &req.address, &token)
                {
                    return Outcome::Failed(d);
                }
                // The object being replaced is deposed before its successor exists, so a
                // crash in between leaves it on record for the next apply to destroy.
                if change.action == Action::CreateThenDelete {
                    match self.store.depose(self.state, &req.address) {
                        Ok(key) => deposed = key,
                        Err(d) => return Outcome::Failed(d),
                    }
                }
                self.progress.start(&req.address, "Creating");
                let p = provider.clone();
                let addr = req.address.clone();
                let ctx = crate::provider::CreateContext {
                    address: req.address.clone(),
                    lineage: self.state.lineage.clone(),
                    token,
                    resumed: resumed.is_some(),
                };
                Box::pin(async move {
                    p.create(ctx, planned).await.map_err(|e| {
                        Diagnostic::plain(
                            format!("Failed to create {addr}"),
                            format!("{addr}: {e}"),
                        )
                    })
                })
            }
            Action::Update => {
                let Some(prior) = prior else {
                    return Outcome::Failed(Diagnostic::plain(
                        "Object vanished",
                        format!(
                            "{} is no longer in state; run infra plan again.",
                            req.address
                        ),
                    ));
                };
                let planned = match proposed_new(
                    &req.address,
                    r,
                    provider.schema(),
                    &req.config,
                    Some(&prior),
                ) {
                    Ok(p) => crate::instance::provider_plan(provider.as_ref(), p, Some(&prior)),
                    Err(d) => return Outcome::Failed(d),
                };
                if let Some(d) = inconsistent(change, &req.address, &planned) {
                    return Outcome::Failed(d);
                }
                if self.plan.rollouts.iter().any(|x| {
                    x.address == req.address && x.kind == crate::plan::model::RolloutKind::Start
                }) {
                    match rollouts::record_start(
                        self.store,
                        self.state,
                        &req.address,
                        r,
                        provider.as_ref(),
                        (&prior, &planned),
                    ) {
                        Ok(true) => {
                            self.rollouts_recorded.insert(req.address.clone());
                        }
                        Ok(false) => {}
                        Err(d) => return Outcome::Failed(d),
                    }
                }
                self.progress.start(&req.address, "Modifying");
                let p = provider.clone();
                let addr = req.address.clone();
                Box::pin(async move {
                    p.update(prior, planned).await.map_err(|e| {
                        Diagnostic::plain(
                            format!("Failed to update {addr}"),
                            format!("{addr}: {e}"),
                        )
                    })
                })
            }
        };
        self.started
            .insert(req.address.clone(), std::time::Instant::now());
        self.headers.insert(
            req.address.clone(),
            PendingRecord {
                header: resource_state_header(r, req.module_key, provider.as_ref()),
                key: req.key.as_ref().map(evaluate::InstanceKey::to_json),
                dependencies: change.dependencies.clone(),
                create_before_destroy: r.lifecycle.create_before_destroy,
                action: change.action,
                deposed,
            },
        );
        Outcome::Job(job)
    }

    fn provisions(&mut self, address: &str) -> bool {
        self.provisionable.contains_key(address)
    }

    fn provision(
        &mut self,
        address: &str,
        provisioners: Vec<crate::evaluate::provisioners::Provisioner>,
    ) -> Result<(), Diagnostic> {
        let Some((header, mut inst)) = self.provisionable.remove(address) else {
            return Ok(());
        };
        for p in provisioners.into_iter().filter(|p| !p.at_destroy) {
            let ran = p
                .config
                .map_err(|d| d.detail)
                .and_then(|c| provision::LocalExec::from_config(&c))
                .and_then(|e| e.run(address, self.progress));
            match ran {
                Ok(()) => {}
                Err(why) if p.continue_on_failure => {
                    self.progress
                        .event(address, &format!("Warning: {why} (on_failure = continue)"));
                }
                Err(why) => {
                    // Created but not provisioned: replaced at the next apply, as in Terraform.
                    inst.status = Some("tainted".to_string());
                    self.store.upsert(self.state, &header, inst)?;
                    return Err(Diagnostic::plain(
                        "Provisioner failed",
                        format!(
                            "{address}: {why}. The object was created and is now tainted: the next apply replaces it."
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn finished(
        &mut self,
        address: &str,
        result: Result<Value, Diagnostic>,
    ) -> Result<Value, Diagnostic> {
        if let Some(started) = self.baking.remove(address) {
            match &result {
                Ok(v) => {
                    let id = v
                        .attributes()
                        .and_then(|a| a.get("id"))
                        .and_then(|i| i.as_str().map(str::to_string));
                    self.progress
                        .done(address, "Bake complete", started.elapsed(), id.as_deref());
                }
                Err(d) => self.progress.failed(address, &d.detail),
            }
            return result;
        }
        let elapsed = self
            .started
            .remove(address)
            .map(|t| t.elapsed())
            .unwrap_or_default();
        let Some(PendingRecord {
            header,
            key,
            dependencies: deps,
            create_before_destroy: cbd,
            action,
            deposed,
        }) = self.headers.remove(address)
        else {
            return result;
        };
        let value = match result {
            Ok(v) => v,
            Err(d) => {
                self.progress.failed(address, &d.detail);
                // The group was not changed: no rollout to take up.
                if self.rollouts_recorded.remove(address)
                    && let Err(e) = self.store.rollout(self.state, address, None)
                {
                    return Err(e);
                }
                // No successor: the replaced object stays the current one, as in Terraform.
                if let Some(k) = deposed
                    && let Err(e) = self.store.restore_deposed(self.state, address, &k)
                {
                    return Err(e);
                }
                return Err(d);
            }
        };
        let provider = self
            .registry
            .get_at(&header.type_name, &header.provider)
            .ok_or_else(|| {
                Diagnostic::plain("Unsupported resource type", header.type_name.clone())
            })?;
        let (attributes, sensitive) = codec::to_state(&value, provider.schema());
        let inst = InstanceState {
            index_key: key,
            status: None,
            schema_version: 0,
            attributes,
            sensitive_attributes: sensitive,
            dependencies: deps,
            create_before_destroy: cbd,
            deposed: None,
        };
        if self.creating.remove(address) {
            self.provisionable
                .insert(address.to_string(), (header.clone(), inst.clone()));
        }
        self.store.upsert(self.state, &header, inst)?;
        let id = value
            .unmark()
            .0
            .attributes()
            .and_then(|a| a.get("id"))
            .and_then(|v| v.unmark().0.as_str().map(str::to_string));
        match action {
            Action::Update => {
                self.outcome.changed += 1;
                self.progress
                    .done(address, "Modifications complete", elapsed, id.as_deref());
            }
            _ => {
                self.outcome.added += 1;
                self.progress
                    .done(address, "Creation complete", elapsed, id.as_deref());
            }
        }
        Ok(value)
    }
}

/// Deletes `changes`' prior objects, each only after every object depending on it is gone.
/// What every deletion phase shares.
struct Env<'a> {
    registry: &'a Registry,
    progress: &'a Progress,
    parallelism: usize,
    stop: &'a AtomicBool,
}

/// How a change's object is named to people: a deposed one says so.
fn shown_address(c: &ResourceChange) -> String {
    match &c.deposed {
        Some(k) => format!("{} (deposed object {k})", c.address),
        None => c.address.clone(),
    }
}

async fn delete_phase(
    changes: &[&ResourceChange],
    env: &Env<'_>,
    state: &mut State,
    store: &mut Store,
    outcome: &mut ApplyOutcome,
) {
    let Env {
        registry,
        progress,
        parallelism,
        stop,
    } = *env;
    let mut remaining: Vec<&ResourceChange> = changes.to_vec();
    #[allow(clippy::type_complexity)]
    let mut running: tokio::task::JoinSet<(
        String,
        (String, Option<String>),
        std::time::Duration,
        Result<(), Diagnostic>,
    )> = tokio::task::JoinSet::new();
    // (address, deposed key) of the deletions under way.
    let mut in_flight: HashSet<(String, Option<String>)> = HashSet::new();
    // What the deletions that failed depend on: never deleted in this run (a subnet stays
    // while the instance in it could not be terminated), as Terraform skips them.
    let mut failed_dependencies: Vec<String> = Vec::new();
    loop {
        if !stop.load(Ordering::SeqCst) {
            // Ready: no other pending deletion depends on this one's resource.
            let pending_statics: Vec<(String, Vec<String>)> = remaining
                .iter()
                .map(|c| (c.address.clone(), c.dependencies.clone()))
                .collect();
            let mut next = Vec::new();
            remaining.retain(|c| {
                if in_flight.len() + next.len() >= parallelism.max(1) {
                    return true;
                }
                let mine = static_of_change(c);
                let blocked = failed_dependencies.contains(&mine)
                    || pending_statics
                        .iter()
                        .any(|(addr, deps)| addr != &c.address && deps.contains(&mine))
                    || in_flight.iter().any(|(address, deposed)| {
                        changes.iter().any(|o| {
                            &o.address == address
                                && &o.deposed == deposed
                                && o.dependencies.contains(&mine)
                        })
                    });
                if blocked {
                    true
                } else {
                    next.push(*c);
                    false
                }
            });
            for c in next {
                let Some(provider) = registry.get_at(&c.type_name, &c.provider) else {
                    outcome.diagnostics.push(Diagnostic::plain(
                        "Unsupported resource type",
                        format!("{}: cannot delete a {:?}.", c.address, c.type_name),
                    ));
                    continue;
                };
                let prior = c.before.clone().unwrap_or_else(Value::null);
                let shown = shown_address(c);
                progress.start(&shown, "Destroying");
                let target = (c.address.clone(), c.deposed.clone());
                in_flight.insert(target.clone());
                running.spawn(async move {
                    let t = std::time::Instant::now();
                    let r = provider.delete(prior).await.map_err(|e| {
                        Diagnostic::plain(
                            format!("Failed to destroy {shown}"),
                            format!("{shown}: {e}"),
                        )
                    });
                    (shown, target, t.elapsed(), r)
                });
            }
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let Ok((addr, target, elapsed, result)) = joined else {
            continue;
        };
        in_flight.remove(&target);
        let (address, deposed) = target;
        match result {
            Ok(()) => {
                let recorded = match &deposed {
                    Some(key) => store.remove_deposed(state, &address, key),
                    None => store.remove(state, &address),
                };
                if let Err(d) = recorded {
                    outcome.diagnostics.push(d);
                }
                outcome.destroyed += 1;
                progress.done(&addr, "Destruction complete", elapsed, None);
            }
            Err(d) => {
                progress.failed(&addr, &d.detail);
                outcome.diagnostics.push(d);
                if let Some(c) = changes
                    .iter()
                    .find(|c| c.address == address && c.deposed == deposed)
                {
                    failed_dependencies.extend(c.dependencies.iter().cloned());
                }
            }
        }
    }
    if stop.load(Ordering::SeqCst) && !remaining.is_empty() {
        outcome.interrupted = true;
    }
}

pub async fn apply(
    plan: &Plan,
    req: &ApplyRequest,
    tree: &ModuleTree,
    state: &mut State,
    store: &mut Store,
    registry: &Registry,
    progress: &Progress,
) -> ApplyOutcome {
    let mut outcome = ApplyOutcome::default();
    // 0. Renames from `moved` blocks, so planned changes find their objects.
    for (from, to) in &plan.moved {
        let r = if crate::plan::run::is_module_address(from) {
            crate::state::moves::move_module(state, from, to)
        } else {
            crate::state::moves::move_address(state, from, to)
        };
        match r {
            Ok(()) => store.touch(),
            Err(d) => outcome.diagnostics.push(d),
        }
    }
    // What refresh read: drift, objects adopted by their tags, objects gone.
    for r in &plan.refreshed {
        let address = format!(
            "{}{}",
            r.resource.address(),
            crate::state::model::key_suffix(&r.instance.index_key)
        );
        if r.adopted && state.find(&address).is_some() {
            continue;
        }
        if let Err(d) = store.upsert(state, &r.resource, r.instance.clone()) {
            outcome.diagnostics.push(d);
        }
    }
    for a in &plan.vanished {
        if state.find(a).is_some()
            && let Err(d) = store.remove(state, a)
        {
            outcome.diagnostics.push(d);
        }
    }
    // 1. Deletions, and the old halves of delete-then-create replacements. A deposed object
    // whose address gets a new object waits for it (step 3), as create-before-destroy means.
    let created: HashSet<&str> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::Create | Action::CreateThenDelete))
        .map(|c| c.address.as_str())
        .collect();
    let deletes: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::Delete | Action::DeleteThenCreate))
        .filter(|c| c.deposed.is_none() || !created.contains(c.address.as_str()))
        .collect();
    let env = Env {
        registry,
        progress,
        parallelism: req.parallelism,
        stop: &req.stop,
    };
    delete_phase(&deletes, &env, state, store, &mut outcome).await;
    // A refresh-only plan changes no object: recording what refresh read is all of it.
    if plan.refresh_only {
        if let Err(d) = store.persist(state) {
            outcome.diagnostics.push(d);
        }
        return outcome;
    }
    if !outcome.diagnostics.is_empty() || req.stop.load(Ordering::SeqCst) || plan.destroy {
        finish_outputs(plan, state, store, &mut outcome, None);
        outcome.interrupted |= req.stop.load(Ordering::SeqCst);
        return outcome;
    }
    // 2. Creates and updates, in dependency order, with the configuration evaluated again.
    let diags = Vec::new();
    let opts = Options::run(req.root_vars.clone(), &req.workspace);
    let walk_opts = WalkOptions {
        parallelism: req.parallelism,
        stop: Some(req.stop.clone()),
        only: None,
    };
    let by_address = plan
        .changes
        .iter()
        .filter(|c| c.deposed.is_none())
        .map(|c| (c.address.as_str(), c))
        .collect();
    let (evaluated, walk) = {
        let mut applier = Applier {
            plan,
            by_address,
            registry: registry.clone(),
            state,
            store,
            progress,
            started: HashMap::new(),
            outcome: &mut outcome,
            headers: HashMap::new(),
            root_dir: tree.root().dir.clone(),
            baking: HashMap::new(),
            bakes_recovered: Arc::default(),
            stop: req.stop.clone(),
            rollouts_recorded: HashSet::new(),
            creating: HashSet::new(),
            provisionable: HashMap::new(),
        };
        evaluate::run(tree, diags, &opts, &mut applier, &walk_opts).await
    };
    outcome.diagnostics.extend(evaluated.diagnostics);
    outcome.interrupted |= walk.interrupted;
    // 2b. Rollouts: the groups are updated; their instances are replaced now.
    if !outcome.interrupted && !plan.rollouts.is_empty() {
        rollouts::run_all(
            plan,
            registry,
            state,
            store,
            progress,
            &req.stop,
            &mut outcome,
        )
        .await;
    }
    // 3. The old objects of create-before-destroy replacements, deposed in the state since
    // before their successors were created.
    if outcome.diagnostics.is_empty() && !outcome.interrupted {
        let olds: Vec<ResourceChange> = state
            .deposed()
            .filter(|(addr, _, _)| created.contains(addr.as_str()))
            .map(|(addr, r, inst)| {
                crate::plan::planner::delete_change(
                    &addr,
                    r,
                    inst,
                    registry.get_at(&r.type_name, &r.provider).as_deref(),
                    "deposed",
                )
            })
            .collect();
        let refs: Vec<&ResourceChange> = olds.iter().collect();
        delete_phase(&refs, &env, state, store, &mut outcome).await;
    }
    finish_outputs(plan, state, store, &mut outcome, Some(&evaluated.outputs));
    outcome
}

fn finish_outputs(
    plan: &Plan,
    state: &mut State,
    store: &mut Store,
    outcome: &mut ApplyOutcome,
    outputs: Option<&BTreeMap<String, evaluate::OutputValue>>,
) {
    let mut new_outputs = BTreeMap::new();
    if let Some(outputs) = outputs {
        for (name, o) in outputs {
            let (v, _) = o.value.unmark_deep();
            if v.is_null() || !v.is_wholly_known() {
                continue;
            }
            new_outputs.insert(
                name.clone(),
                OutputState {
                    value: v.to_json(),
                    ty: v.ty().to_json(),
                    sensitive: o.sensitive,
                },
            );
        }
    } else if !plan.destroy {
        new_outputs = state.outputs.clone();
    }
    if state.outputs != new_outputs {
        state.outputs = new_outputs;
        store.touch();
    }
    if let Err(d) = store.persist(state) {
        outcome.diagnostics.push(d);
    }
}
