//! The planner: for each resource instance the walk reaches, compare its configuration with
//! the prior state through the resource type's schema, decide the action, and give the planned
//! value (unknown where only apply can know) to everything that refers to it. Nothing here
//! knows a resource type by name.

use super::model::{Action, PlannedImage, ResourceChange};
use crate::config::{Mode, Resource};
use crate::diag::Diagnostic;
use crate::evaluate::walk::{Hook, ImageRequest, InstanceRequest, Outcome};
use crate::instance::codec;
use crate::instance::{
    changed_attributes, get, prior_value, proposed_new, provider_plan, read_data,
};
use crate::lang::value::Value;
use crate::provider::{Registry, ResourceType};
use crate::state::{InstanceState, ResourceState, State};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

pub struct Planner<'a> {
    pub registry: Registry,
    pub prior: Option<&'a State>,
    /// `--replace` addresses.
    pub replace: HashSet<String>,
    /// Static resource address → resources it depends on.
    pub dependencies: HashMap<String, Vec<String>>,
    pub changes: Vec<ResourceChange>,
    /// Instance addresses the configuration still has.
    pub seen: HashSet<String>,
    /// Static addresses of resources whose instances are not known yet (their state is kept).
    pub unknown_expansions: HashSet<String>,
    pub root_dir: std::path::PathBuf,
    /// Whether images are looked up in the cloud (not for a destroy plan).
    pub look_up_images: bool,
    /// What the image lookups found, filled as they finish.
    pub images: std::sync::Arc<std::sync::Mutex<Vec<PlannedImage>>>,
    /// What data sources read (plan JSON), by instance address.
    pub data: std::collections::BTreeMap<String, serde_json::Value>,
}

/// `data.x.y`, `module.m["k.1"].data.x.y[0]`: a data source instance.
fn is_data_address(address: &str) -> bool {
    crate::addrs::Instance::parse(address).is_some_and(|i| i.mode == crate::addrs::Mode::Data)
}

impl Planner<'_> {
    /// Whether a `replace_triggered_by` reference names something this plan changes.
    fn triggered(&self, r: &Resource, module_key: &str) -> bool {
        r.lifecycle
            .replace_triggered_by
            .iter()
            .filter_map(|e| e.as_address())
            .any(|target| {
                // `aws_x.y.attr` and `aws_x.y[0]` both name the instance(s) of aws_x.y.
                let full = format!("{module_key}{target}");
                self.changes.iter().any(|c| {
                    let changed = matches!(
                        c.action,
                        Action::Update | Action::DeleteThenCreate | Action::CreateThenDelete
                    );
                    changed
                        && (full == c.address
                            || full.starts_with(&format!("{}.", c.address))
                            || c.address.starts_with(&format!("{full}[")))
                })
            })
    }

    fn static_address(req: &InstanceRequest) -> String {
        format!(
            "{}{}",
            crate::addrs::static_prefix(req.module_key),
            req.resource.address()
        )
    }

    /// Whether a data source depends on a managed resource this plan changes: Terraform then
    /// reads it during apply, after the change, not now (a zone looked up by the name of the
    /// zone this apply creates).
    fn has_pending_dependency(&self, req: &InstanceRequest) -> bool {
        let Some(deps) = self.dependencies.get(&Self::static_address(req)) else {
            return false;
        };
        self.changes.iter().any(|c| {
            !matches!(c.action, Action::NoOp | Action::Read)
                && c.mode == "managed"
                && deps.contains(&static_of_change(c))
        })
    }

    /// A data source read during apply, shown in the plan as Terraform shows it.
    fn plan_read(&mut self, req: &InstanceRequest, after: Value) {
        let r = req.resource;
        let provider = r.provider_config_address();
        let Some(ds) = self.registry.data_at(&r.type_name, &provider) else {
            return;
        };
        self.changes.push(ResourceChange {
            address: req.address.clone(),
            module: req.module_key.trim_end_matches('.').to_string(),
            mode: "data".into(),
            type_name: r.type_name.clone(),
            name: r.name.clone(),
            index: req.key.as_ref().map(crate::evaluate::InstanceKey::to_json),
            provider,
            action: Action::Read,
            before: None,
            after: Some(after),
            replace_paths: Vec::new(),
            reason: None,
            dependencies: Vec::new(),
            create_before_destroy: false,
            layout: crate::plan::render::diff::Layout::of(ds.schema()),
            deposed: None,
        });
    }

    fn plan_managed(
        &mut self,
        req: &InstanceRequest,
        provider: Arc<dyn ResourceType>,
    ) -> Result<Value, Diagnostic> {
        let r = req.resource;
        unsupported_provisioner(r)?;
        let schema = provider.schema();
        let prior = prior_value(self.prior, &req.address, schema);
        let mut planned = proposed_new(
            &req.address,
            r,
            schema,
            &req.config,
            prior.as_ref().map(|p| &p.0),
        )?;
        // ignore_changes: those attributes keep their prior values.
        if let Some((pv, _)) = &prior {
            let ignored: Vec<String> = if r.lifecycle.ignore_all_changes {
                schema.attributes.keys().cloned().collect()
            } else {
                r.lifecycle
                    .ignore_changes
                    .iter()
                    .filter_map(|e| {
                        e.as_traversal()
                            .map(|(root, _)| root)
                            .or_else(|| e.as_literal_string())
                    })
                    .collect()
            };
            if !ignored.is_empty() {
                let mut attrs = planned.unmark().0.attributes().cloned().unwrap_or_default();
                for name in ignored {
                    if attrs.contains_key(&name) {
                        attrs.insert(name.clone(), get(pv, &name));
                    }
                }
                planned = Value::object(attrs);
            }
        }
        let planned = provider_plan(provider.as_ref(), planned, prior.as_ref().map(|p| &p.0));
        if let Err(msg) = provider.validate(&planned) {
            return Err(Diagnostic::error(
                "Invalid resource configuration",
                format!("{}: {msg}", req.address),
                r.span,
            ));
        }
        let static_addr = Self::static_address(req);
        let dependencies = self
            .dependencies
            .get(&static_addr)
            .cloned()
            .unwrap_or_default();
        let (action, before, after, replace_paths, reason) = match &prior {
            None => (Action::Create, None, planned.clone(), Vec::new(), None),
            Some((pv, inst)) => {
                let changed = changed_attributes(schema, pv, &planned);
                let mut forcing: Vec<String> = changed
                    .iter()
                    .filter(|n| schema.attributes[*n].force_new)
                    .cloned()
                    .collect();
                for n in provider.replacing(pv, &planned, &changed) {
                    if !forcing.contains(&n) {
                        forcing.push(n);
                    }
                }
                let reason = if inst.is_tainted() {
                    Some("tainted".to_string())
                } else if self.replace.contains(&req.address) {
                    Some("requested".to_string())
                } else if self.triggered(r, req.module_key) {
                    Some("replace_triggered_by".to_string())
                } else {
                    None
                };
                if reason.is_some() || !forcing.is_empty() {
                    // A new object: what the provider computes is unknown again.
                    let fresh = provider_plan(
                        provider.as_ref(),
                        proposed_new(&req.address, r, schema, &req.config, None)?,
                        None,
                    );
                    let action = if r.lifecycle.create_before_destroy {
                        Action::CreateThenDelete
                    } else {
                        Action::DeleteThenCreate
                    };
                    (action, Some(pv.clone()), fresh, forcing, reason)
                } else if changed.is_empty() {
                    (Action::NoOp, Some(pv.clone()), pv.clone(), Vec::new(), None)
                } else {
                    (
                        Action::Update,
                        Some(pv.clone()),
                        planned.clone(),
                        Vec::new(),
                        None,
                    )
                }
            }
        };
        if r.lifecycle.prevent_destroy && action.is_replace() {
            return Err(Diagnostic::error(
                "Instance cannot be destroyed",
                format!(
                    "Resource {} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed (replaced because {}). To avoid this error and continue with the plan, either disable lifecycle.prevent_destroy or reduce the scope of the plan using the -target flag.",
                    req.address,
                    if replace_paths.is_empty() {
                        reason.clone().unwrap_or_default()
                    } else {
                        replace_paths.join(", ") + " changed"
                    }
                ),
                r.span,
            ));
        }
        self.changes.push(ResourceChange {
            address: req.address.clone(),
            module: req.module_key.trim_end_matches('.').to_string(),
            mode: "managed".into(),
            type_name: r.type_name.clone(),
            name: r.name.clone(),
            index: req.key.as_ref().map(crate::evaluate::InstanceKey::to_json),
            provider: provider.provider_address().to_string(),
            action,
            before,
            after: Some(after.clone()),
            replace_paths,
            reason,
            dependencies,
            create_before_destroy: r.lifecycle.create_before_destroy,
            layout: crate::plan::render::diff::Layout::of(schema),
            deposed: None,
        });
        Ok(after)
    }

    /// Instances in the prior state that the configuration no longer has: planned for deletion.
    pub fn plan_orphans(&mut self) {
        let Some(state) = self.prior else { return };
        let mut orphans = Vec::new();
        for (addr, r, inst) in state.instances() {
            if self.seen.contains(&addr) || r.mode == "data" {
                continue;
            }
            if self
                .unknown_expansions
                .contains(&static_resource_address(r))
            {
                continue;
            }
            orphans.push(delete_change(
                &addr,
                r,
                inst,
                self.registry.get_at(&r.type_name, &r.provider).as_deref(),
                "orphan",
            ));
        }
        // Old objects of create-before-destroy replacements an apply did not finish.
        for (addr, r, inst) in state.deposed() {
            orphans.push(delete_change(
                &addr,
                r,
                inst,
                self.registry.get_at(&r.type_name, &r.provider).as_deref(),
                "deposed",
            ));
        }
        self.changes.extend(orphans);
    }
}

/// The static address of a resource (`module.net.aws_vpc.main`) from its module instance
/// (`module.net[0]`, empty for the root), mode and names.
fn static_address(module: &str, mode: &str, type_name: &str, name: &str) -> String {
    let prefix = if module.is_empty() {
        String::new()
    } else {
        crate::addrs::static_prefix(&format!("{module}."))
    };
    let data = if mode == "data" { "data." } else { "" };
    format!("{prefix}{data}{type_name}.{name}")
}

/// The static address of a state entry.
pub fn static_resource_address(r: &ResourceState) -> String {
    static_address(&r.module, &r.mode, &r.type_name, &r.name)
}

/// The static address of the resource a change belongs to.
/// infra runs create-time `local-exec` provisioners; others are refused at plan time rather
/// than skipped at apply.
fn unsupported_provisioner(r: &Resource) -> Result<(), Diagnostic> {
    for b in r.body.blocks.iter().filter(|b| b.kind == "provisioner") {
        let kind = b.labels.first().map(String::as_str).unwrap_or_default();
        let at_destroy = b
            .body
            .attribute("when")
            .and_then(|a| a.expr.as_traversal().map(|(root, _)| root))
            .is_some_and(|w| w == "destroy");
        let why = if kind != "local-exec" {
            format!("infra runs local-exec provisioners only, not {kind:?}")
        } else if at_destroy {
            "infra does not run destroy-time provisioners (when = destroy) yet".to_string()
        } else {
            continue;
        };
        return Err(Diagnostic::error(
            "Unsupported provisioner",
            format!("{}: {why}.", r.address()),
            b.kind_span,
        ));
    }
    Ok(())
}

pub fn static_of_change(c: &ResourceChange) -> String {
    static_address(&c.module, &c.mode, &c.type_name, &c.name)
}

/// A change that deletes an instance recorded in state.
pub fn delete_change(
    addr: &str,
    r: &ResourceState,
    inst: &InstanceState,
    provider: Option<&dyn ResourceType>,
    reason: &str,
) -> ResourceChange {
    let before = provider
        .map(|p| codec::from_state(&inst.attributes, &inst.sensitive_attributes, p.schema()))
        .unwrap_or_else(|| Value::from_json(&inst.attributes));
    ResourceChange {
        address: addr.to_string(),
        module: r.module.clone(),
        mode: r.mode.clone(),
        type_name: r.type_name.clone(),
        name: r.name.clone(),
        index: inst.index_key.clone(),
        provider: r.provider.clone(),
        action: Action::Delete,
        before: Some(before),
        after: None,
        replace_paths: Vec::new(),
        reason: Some(reason.to_string()),
        dependencies: inst.dependencies.clone(),
        create_before_destroy: inst.create_before_destroy,
        layout: provider
            .map(|p| crate::plan::render::diff::Layout::of(p.schema()))
            .unwrap_or_default(),
        deposed: inst.deposed.clone(),
    }
}

impl Hook for Planner<'_> {
    /// A data source read while planning is recorded, so apply uses what the plan showed.
    fn finished(
        &mut self,
        address: &str,
        result: Result<Value, Diagnostic>,
    ) -> Result<Value, Diagnostic> {
        if let Ok(v) = &result
            && is_data_address(address)
            && v.is_wholly_known()
        {
            self.data
                .insert(address.to_string(), crate::instance::codec::to_plan_json(v));
        }
        result
    }

    /// Looks the image up by its fingerprint: found in every region it goes to, its ids are
    /// known now; otherwise apply bakes it and its ids are known after apply.
    fn image(&mut self, mut req: ImageRequest) -> Outcome {
        let spec = match crate::bake::spec::from_request(&mut req) {
            Ok(s) => s,
            Err(d) => return Outcome::Failed(d),
        };
        if !self.look_up_images {
            return Outcome::Value(Value::unknown());
        }
        if spec.source == crate::bake::spec::SourceAmi::Pending {
            // Built from something apply makes first: nothing to look up, and the fingerprint
            // is known only once the source is.
            self.images
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(PlannedImage {
                    address: req.address,
                    fingerprint: String::new(),
                    source_ami: String::new(),
                    ami_name: spec.ami_name.clone(),
                    bake: true,
                    artifacts: Default::default(),
                    value: None,
                });
            return Outcome::Value(Value::unknown());
        }
        let span = req.image.span;
        let address = req.address;
        let (aws, config) = match crate::bake::build::aws_for_images(&self.registry, &address, span)
        {
            Ok(a) => a,
            Err(d) => return Outcome::Failed(d),
        };
        let planned = self.images.clone();
        Outcome::Job(Box::pin(async move {
            let failed = |e: crate::provider::ProviderError| {
                Diagnostic::error(
                    "Failed to look up the image",
                    format!("{address}: {e}"),
                    span,
                )
            };
            let baker = crate::bake::build::Baker::lookup_only(aws, &config, &spec.ami_regions)
                .await
                .map_err(failed)?;
            let found = baker.lookup(&spec).await.map_err(failed)?;
            let home = baker.aws.region.clone();
            let complete = found
                .found
                .as_ref()
                .filter(|b| b.missing_regions(&spec).is_empty());
            let known = complete.map(|b| b.value(&home));
            let value = known.clone().unwrap_or_else(Value::unknown);
            let entry = PlannedImage {
                value: known,
                address,
                ami_name: spec.ami_name_for(&found.fingerprint),
                fingerprint: found.fingerprint,
                source_ami: found.source_ami,
                bake: complete.is_none(),
                artifacts: found.found.map(|b| b.artifacts).unwrap_or_default(),
            };
            planned
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(entry);
            Ok(value)
        }))
    }

    fn instance(&mut self, req: InstanceRequest) -> Outcome {
        self.seen.insert(req.address.clone());
        let r = req.resource;
        if r.mode == Mode::Data {
            let deferred = self.has_pending_dependency(&req);
            let out = read_data(&self.registry, &req, &self.root_dir, false, deferred);
            if let Outcome::Value(v) = &out
                && !v.is_wholly_known()
            {
                self.plan_read(&req, v.clone());
            }
            return out;
        }
        let provider_addr = r.provider_config_address();
        let Some(provider) = self.registry.get_at(&r.type_name, &provider_addr) else {
            let names: BTreeSet<&str> = self.registry.names().collect();
            let hint = crate::diag::did_you_mean(&r.type_name, names)
                .map(|s| format!(" Did you mean {s:?}?"))
                .unwrap_or_default();
            return Outcome::Failed(Diagnostic::error(
                "Unsupported resource type",
                format!(
                    "{}: infra has no resource type {:?}.{hint}",
                    req.address, r.type_name
                ),
                r.span,
            ));
        };
        match self.plan_managed(&req, provider) {
            Ok(v) => Outcome::Value(v),
            Err(d) => Outcome::Failed(d),
        }
    }

    fn unknown_expansion(&mut self, resource: &Resource, module_key: &str) -> Option<Diagnostic> {
        self.unknown_expansions.insert(format!(
            "{}{}",
            crate::addrs::static_prefix(module_key),
            resource.address()
        ));
        let what = if resource.count.is_some() {
            "count"
        } else {
            "for_each"
        };
        Some(Diagnostic::error(
            format!("Invalid {what} argument"),
            format!(
                "{module_key}{}: the {what:?} value depends on resource attributes that cannot be determined until apply, so infra cannot predict how many instances will be created. Apply the resources it depends on first with -target, or make {what} depend on known values only.",
                resource.address()
            ),
            resource.span,
        ))
    }
}

#[cfg(test)]
mod address_tests {
    use super::is_data_address;

    #[test]
    fn data_addresses_are_told_apart_from_modules_named_data() {
        assert!(is_data_address("data.aws_ami.node"));
        assert!(is_data_address("module.net.data.aws_vpc.x"));
        assert!(is_data_address("module.a[\"k.data.x\"].data.aws_ami.y[0]"));
        assert!(!is_data_address("module.data.aws_vpc.x"));
        assert!(!is_data_address("image.base"));
        assert!(!is_data_address("module.m[\"data.x\"].image.web"));
    }
}
