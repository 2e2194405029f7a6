//! `aws_autoscaling_group` and the legacy `aws_launch_configuration`.

use super::super::Aws;
use super::super::attrs::{Obj, b, list_s, n, opt_n, opt_s, s, set_s};
use super::super::naming::{self, read_name_prefix};
use super::super::sdk::{EVENTUAL_CONSISTENCY, err, retry_while, wait_for};
use super::super::tags::{self, ADDRESS_TAG, LINEAGE_TAG, Tags};
use super::{opt_set, read_blocks, string_set};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::schema::block_object;
use crate::provider::{
    AttrSchema, BoxFuture, CreateContext, ProviderError, ProviderResult, RefreshBatch, Refreshed,
    ResourceType, Schema,
};
use aws_sdk_autoscaling::types::{
    AutoScalingGroup, BlockDeviceMapping, Ebs, Filter, LaunchTemplateSpecification, Tag,
};
use base64::Engine;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// How many names one DescribeAutoScalingGroups call takes.
const NAMES_PER_CALL: usize = 50;

/// How long a delete without `force_delete` waits for the group's instances to terminate.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(600);

/// Whether a group's instances (lifecycle state, health status) satisfy a wanted capacity:
/// only instances in service and healthy count, as AWS routes traffic to no others.
fn enough_in_service<'a>(
    instances: impl IntoIterator<Item = (&'a str, &'a str)>,
    wanted: i64,
) -> bool {
    let ready = instances
        .into_iter()
        .filter(|(state, health)| *state == "InService" && health.eq_ignore_ascii_case("healthy"))
        .count();
    ready as i64 >= wanted
}

/// The SHA-1 Terraform stores for `user_data`: of the decoded bytes when the text is base64,
/// so the configured text and what the API hands back (always base64) hash alike.
pub(super) fn user_data_hash(text: &str) -> String {
    use sha1::Digest;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap_or_else(|_| text.as_bytes().to_vec());
    hex::encode(sha1::Sha1::digest(&bytes))
}

/// Whether a `user_data` value is the SHA-1 state keeps instead of the text.
pub(crate) fn is_user_data_hash(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// User data as the APIs take it: base64, encoding text that is not already.
pub(super) fn user_data_base64(text: &str) -> String {
    if base64::engine::general_purpose::STANDARD
        .decode(text)
        .is_ok()
    {
        text.to_string()
    } else {
        base64::engine::general_purpose::STANDARD.encode(text)
    }
}

/// Checks planned `user_data` (text or base64) as the instance will receive it: EC2's size
/// limit, and the shape of a `#cloud-config` document. A stored hash (unchanged user data) and
/// unknown user data are not checked.
pub(super) fn validate_user_data(planned: &Value, base64_only: bool) -> Result<(), String> {
    let o = Obj::of(planned);
    let Some(text) = o.str("user_data") else {
        return Ok(());
    };
    if is_user_data_hash(&text) {
        return Ok(());
    }
    let bytes = match base64::engine::general_purpose::STANDARD.decode(&text) {
        Ok(b) => b,
        Err(_) if base64_only => {
            return Err("user_data must be base64-encoded; wrap it in base64encode()".into());
        }
        Err(_) => text.into_bytes(),
    };
    crate::cloudinit::check_user_data(&bytes)
}

/// Plans `user_data` against a prior that stores its hash: unchanged text plans as the prior's
/// hash (no change); changed text stays as written, for the create or update that sends it.
pub(super) fn plan_user_data(prior: Option<&Value>, planned: Value) -> Value {
    let mut o = Obj::of(&planned);
    if let (Some(prior), Some(text)) = (prior, o.str("user_data")) {
        let old = Obj::of(prior).str("user_data");
        if old.as_deref() == Some(user_data_hash(&text).as_str()) {
            o.set("user_data", opt_s(old));
        }
    }
    Value::object(o.0)
}

fn differs(before: &Obj, after: &Obj, k: &str) -> bool {
    let (a, b) = (before.0.get(k), after.0.get(k));
    match (a, b) {
        (Some(a), Some(b)) => !(a.is_null() && b.is_null() || a.raw_equal(b)),
        (None, None) => false,
        (Some(v), None) | (None, Some(v)) => !v.is_null(),
    }
}

fn launch_template_ty() -> Type {
    block_object(&[
        ("id", Type::String),
        ("name", Type::String),
        ("version", Type::String),
    ])
}

fn tag_ty() -> Type {
    block_object(&[
        ("key", Type::String),
        ("value", Type::String),
        ("propagate_at_launch", Type::Bool),
    ])
}

fn launch_template_spec(o: &Obj) -> Option<LaunchTemplateSpecification> {
    o.block("launch_template").map(|lt| {
        LaunchTemplateSpecification::builder()
            .set_launch_template_id(lt.str("id"))
            .set_launch_template_name(lt.str("name"))
            .set_version(lt.str("version"))
            .build()
    })
}

/// The `tag` blocks by key: (value, propagate_at_launch).
fn tag_blocks(o: &Obj) -> BTreeMap<String, (String, bool)> {
    o.blocks("tag")
        .into_iter()
        .filter_map(|t| {
            Some((
                t.str("key")?,
                (
                    t.str("value").unwrap_or_default(),
                    t.bool("propagate_at_launch").unwrap_or(false),
                ),
            ))
        })
        .collect()
}

fn group_tag(group: &str, key: &str, value: &str, propagate: bool) -> Tag {
    Tag::builder()
        .resource_id(group)
        .resource_type("auto-scaling-group")
        .key(key)
        .value(value)
        .propagate_at_launch(propagate)
        .build()
}

fn group_tags(g: &AutoScalingGroup) -> Tags {
    g.tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string())))
        .collect()
}

#[derive(Clone)]
pub struct AutoscalingGroup {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
}

impl AutoscalingGroup {
    pub(super) fn new(aws: &Arc<Aws>) -> AutoscalingGroup {
        let attrs = vec![
            ("id", AttrSchema::computed(Type::String)),
            ("arn", AttrSchema::computed(Type::String)),
            (
                "name",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            (
                "name_prefix",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            ("min_size", AttrSchema::required(Type::Number)),
            ("max_size", AttrSchema::required(Type::Number)),
            (
                "desired_capacity",
                AttrSchema::optional_computed(Type::Number),
            ),
            (
                "launch_template",
                AttrSchema::optional(Type::List(Box::new(launch_template_ty())))
                    .conflicts_with(&["launch_configuration"]),
            ),
            (
                "launch_configuration",
                AttrSchema::optional(Type::String).conflicts_with(&["launch_template"]),
            ),
            (
                "vpc_zone_identifier",
                AttrSchema::optional_computed(string_set()),
            ),
            (
                "availability_zones",
                AttrSchema::optional_computed(string_set()),
            ),
            (
                "health_check_type",
                AttrSchema::optional_computed(Type::String),
            ),
            (
                "health_check_grace_period",
                AttrSchema::optional(Type::Number).default(n(300)),
            ),
            (
                "target_group_arns",
                AttrSchema::optional_computed(string_set()),
            ),
            (
                "load_balancers",
                AttrSchema::optional_computed(string_set()),
            ),
            ("tag", AttrSchema::optional(Type::Set(Box::new(tag_ty())))),
            (
                "termination_policies",
                AttrSchema::optional(Type::List(Box::new(Type::String))),
            ),
            (
                "wait_for_capacity_timeout",
                AttrSchema::optional(Type::String).default(s("10m")),
            ),
            (
                "force_delete",
                AttrSchema::optional(Type::Bool).default(b(false)),
            ),
            (
                "default_cooldown",
                AttrSchema::optional_computed(Type::Number),
            ),
        ];
        AutoscalingGroup {
            aws: aws.clone(),
            schema: Arc::new(Schema::new(attrs)),
        }
    }

    /// Groups by name, or (no names) every group matching the filters, every page.
    async fn describe(
        &self,
        names: Vec<String>,
        filters: Vec<Filter>,
    ) -> ProviderResult<Vec<AutoScalingGroup>> {
        self.aws
            .autoscaling
            .describe_auto_scaling_groups()
            .set_auto_scaling_group_names((!names.is_empty()).then_some(names))
            .set_filters((!filters.is_empty()).then_some(filters))
            .max_records(100)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(err("autoscaling:DescribeAutoScalingGroups"))
    }

    async fn by_name(&self, name: &str) -> ProviderResult<Option<AutoScalingGroup>> {
        Ok(self
            .describe(vec![name.to_string()], Vec::new())
            .await?
            .into_iter()
            .find(|g| g.auto_scaling_group_name() == Some(name)))
    }

    async fn described(&self, name: &str) -> ProviderResult<AutoScalingGroup> {
        retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || async {
                self.by_name(name).await?.ok_or_else(|| {
                    ProviderError::new(
                        "autoscaling:DescribeAutoScalingGroups",
                        format!("{name} not found"),
                    )
                    .with_code("AutoScalingGroup.NotFound")
                })
            },
        )
        .await
    }

    fn value(&self, prior: Option<Obj>, g: &AutoScalingGroup) -> Value {
        let mut o = prior.clone().unwrap_or_default();
        let name = g.auto_scaling_group_name().unwrap_or_default();
        let lt: Vec<Obj> = g
            .launch_template()
            .map(|spec| {
                let mut x = Obj::default();
                x.set("id", opt_s(spec.launch_template_id()))
                    // An import cannot know whether the configuration names the template by
                    // id or by name; configurations mostly use the id.
                    .set(
                        "name",
                        if prior.is_some() {
                            opt_s(spec.launch_template_name())
                        } else {
                            Value::Null(Type::String)
                        },
                    )
                    .set("version", opt_s(spec.version()));
                x
            })
            .into_iter()
            .collect();
        let own_tags: Vec<Obj> = g
            .tags()
            .iter()
            .filter(|t| !t.key().is_some_and(tags::is_internal))
            .map(|t| {
                let mut x = Obj::default();
                x.set("key", opt_s(t.key()))
                    .set("value", s(t.value().unwrap_or_default()))
                    .set(
                        "propagate_at_launch",
                        b(t.propagate_at_launch().unwrap_or(false)),
                    );
                x
            })
            .collect();
        let subnets: Vec<String> = g
            .vpc_zone_identifier()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect();
        read_name_prefix(&mut o, name);
        o.set("id", s(name))
            .set("name", s(name))
            .set("arn", opt_s(g.auto_scaling_group_arn()))
            .set("min_size", opt_n(g.min_size().map(i64::from)))
            .set("max_size", opt_n(g.max_size().map(i64::from)))
            .set(
                "desired_capacity",
                opt_n(g.desired_capacity().map(i64::from)),
            )
            .set(
                "launch_template",
                read_blocks(prior.as_ref(), "launch_template", &launch_template_ty(), lt),
            )
            .set("launch_configuration", opt_s(g.launch_configuration_name()))
            .set("vpc_zone_identifier", set_s(subnets))
            .set("availability_zones", set_s(g.availability_zones()))
            .set("health_check_type", opt_s(g.health_check_type()))
            .set(
                "health_check_grace_period",
                opt_n(g.health_check_grace_period().map(i64::from)),
            )
            .set("target_group_arns", set_s(g.target_group_arns()))
            .set("load_balancers", set_s(g.load_balancer_names()))
            .set(
                "tag",
                if own_tags.is_empty() {
                    Value::Null(Type::Set(Box::new(tag_ty())))
                } else {
                    Value::set(
                        tag_ty(),
                        own_tags.into_iter().map(|t| Value::object(t.0)).collect(),
                    )
                },
            )
            .set(
                "default_cooldown",
                opt_n(g.default_cooldown().map(i64::from)),
            );
        // AWS reports `["Default"]` for a group created without policies.
        let policies = g.termination_policies();
        o.set(
            "termination_policies",
            if policies.iter().all(|p| p == "Default") {
                Value::Null(Type::List(Box::new(Type::String)))
            } else {
                list_s(policies)
            },
        );
        // What only the configuration knows; an import takes Terraform's defaults.
        if o.get("wait_for_capacity_timeout").is_none() {
            o.set("wait_for_capacity_timeout", s("10m"));
        }
        if o.get("force_delete").is_none() {
            o.set("force_delete", b(false));
        }
        o.finish(&self.schema)
    }

    /// Waits until the group has the capacity it was asked for in service, for up to
    /// `wait_for_capacity_timeout` ("0" does not wait).
    async fn wait_for_capacity(&self, name: &str, o: &Obj) -> ProviderResult<()> {
        let timeout_text = o
            .str("wait_for_capacity_timeout")
            .unwrap_or_else(|| "10m".into());
        let timeout = crate::lang::duration::parse_go(&timeout_text).ok_or_else(|| {
            ProviderError::new(
                "plan",
                format!("wait_for_capacity_timeout {timeout_text:?} is not a duration"),
            )
        })?;
        if timeout.is_zero() {
            return Ok(());
        }
        let wanted = o
            .i64("min_size")
            .unwrap_or(0)
            .max(o.i64("desired_capacity").unwrap_or(0));
        wait_for(
            &format!("{wanted} instances of {name} in service"),
            timeout,
            || async {
                let g = self.described(name).await?;
                let states = g.instances().iter().map(|i| {
                    (
                        i.lifecycle_state().map(|l| l.as_str()).unwrap_or_default(),
                        i.health_status().unwrap_or_default(),
                    )
                });
                Ok(enough_in_service(states, wanted).then_some(()))
            },
        )
        .await
    }

    async fn finish(&self, p: Obj, name: &str) -> ProviderResult<Value> {
        let g = self.described(name).await?;
        Ok(self.value(Some(p), &g))
    }

    async fn update_group(&self, name: &str, before: &Obj, after: &Obj) -> ProviderResult<bool> {
        let mut req = self
            .aws
            .autoscaling
            .update_auto_scaling_group()
            .auto_scaling_group_name(name);
        let mut any = false;
        let mut sizes = false;
        for k in ["min_size", "max_size", "desired_capacity"] {
            if differs(before, after, k)
                && let Some(v) = after.i32(k)
            {
                req = match k {
                    "min_size" => req.min_size(v),
                    "max_size" => req.max_size(v),
                    _ => req.desired_capacity(v),
                };
                any = true;
                sizes = true;
            }
        }
        if differs(before, after, "launch_template") {
            req = req.set_launch_template(launch_template_spec(after));
            any = true;
        }
        if differs(before, after, "launch_configuration") {
            req = req.set_launch_configuration_name(after.str("launch_configuration"));
            any = true;
        }
        if differs(before, after, "vpc_zone_identifier") {
            req = req.vpc_zone_identifier(after.strs("vpc_zone_identifier").join(","));
            any = true;
        }
        if differs(before, after, "availability_zones") {
            req = req.set_availability_zones(Some(after.strs("availability_zones")));
            any = true;
        }
        if differs(before, after, "health_check_type") {
            req = req.set_health_check_type(after.str("health_check_type"));
            any = true;
        }
        if differs(before, after, "health_check_grace_period") {
            req = req.set_health_check_grace_period(after.i32("health_check_grace_period"));
            any = true;
        }
        if differs(before, after, "default_cooldown") {
            req = req.set_default_cooldown(after.i32("default_cooldown"));
            any = true;
        }
        if differs(before, after, "termination_policies") {
            let policies = after.strs("termination_policies");
            req = req.set_termination_policies(Some(if policies.is_empty() {
                vec!["Default".to_string()]
            } else {
                policies
            }));
            any = true;
        }
        if any {
            req.send()
                .await
                .map_err(err("autoscaling:UpdateAutoScalingGroup"))?;
        }
        Ok(sizes)
    }

    async fn update_attachments(
        &self,
        name: &str,
        before: &Obj,
        after: &Obj,
    ) -> ProviderResult<()> {
        let asg = &self.aws.autoscaling;
        if differs(before, after, "target_group_arns") && after.get("target_group_arns").is_some() {
            let (add, remove) = set_diff(
                &before.strs("target_group_arns"),
                &after.strs("target_group_arns"),
            );
            if !remove.is_empty() {
                asg.detach_load_balancer_target_groups()
                    .auto_scaling_group_name(name)
                    .set_target_group_arns(Some(remove))
                    .send()
                    .await
                    .map_err(err("autoscaling:DetachLoadBalancerTargetGroups"))?;
            }
            if !add.is_empty() {
                asg.attach_load_balancer_target_groups()
                    .auto_scaling_group_name(name)
                    .set_target_group_arns(Some(add))
                    .send()
                    .await
                    .map_err(err("autoscaling:AttachLoadBalancerTargetGroups"))?;
            }
        }
        if differs(before, after, "load_balancers") && after.get("load_balancers").is_some() {
            let (add, remove) = set_diff(
                &before.strs("load_balancers"),
                &after.strs("load_balancers"),
            );
            if !remove.is_empty() {
                asg.detach_load_balancers()
                    .auto_scaling_group_name(name)
                    .set_load_balancer_names(Some(remove))
                    .send()
                    .await
                    .map_err(err("autoscaling:DetachLoadBalancers"))?;
            }
            if !add.is_empty() {
                asg.attach_load_balancers()
                    .auto_scaling_group_name(name)
                    .set_load_balancer_names(Some(add))
                    .send()
                    .await
                    .map_err(err("autoscaling:AttachLoadBalancers"))?;
            }
        }
        let (old, new) = (tag_blocks(before), tag_blocks(after));
        let set: Vec<Tag> = new
            .iter()
            .filter(|(k, v)| old.get(*k) != Some(*v))
            .map(|(k, (v, p))| group_tag(name, k, v, *p))
            .collect();
        let removed: Vec<Tag> = old
            .iter()
            .filter(|(k, _)| !new.contains_key(*k))
            .map(|(k, (v, p))| group_tag(name, k, v, *p))
            .collect();
        if !set.is_empty() {
            asg.create_or_update_tags()
                .set_tags(Some(set))
                .send()
                .await
                .map_err(err("autoscaling:CreateOrUpdateTags"))?;
        }
        if !removed.is_empty() {
            asg.delete_tags()
                .set_tags(Some(removed))
                .send()
                .await
                .map_err(err("autoscaling:DeleteTags"))?;
        }
        Ok(())
    }
}

/// What to add and what to remove to go from `before` to `after`.
fn set_diff(before: &[String], after: &[String]) -> (Vec<String>, Vec<String>) {
    let (b, a): (BTreeSet<&String>, BTreeSet<&String>) =
        (before.iter().collect(), after.iter().collect());
    (
        a.difference(&b).map(|x| (*x).clone()).collect(),
        b.difference(&a).map(|x| (*x).clone()).collect(),
    )
}

impl ResourceType for AutoscalingGroup {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &str {
        &self.aws.address
    }

    fn create(&self, ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            let name = naming::create_name(&p, "name", "name_prefix", &ctx);
            let mut group_tags: Vec<Tag> = tag_blocks(&p)
                .iter()
                .map(|(k, (v, prop))| group_tag(&name, k, v, *prop))
                .collect();
            // infra's own tags find the group after a crash; instances need not carry them.
            for (k, v) in [(ADDRESS_TAG, &ctx.address), (LINEAGE_TAG, &ctx.lineage)] {
                if !v.is_empty() {
                    group_tags.push(group_tag(&name, k, v, false));
                }
            }
            let subnets = p.strs("vpc_zone_identifier");
            this.aws
                .autoscaling
                .create_auto_scaling_group()
                .auto_scaling_group_name(&name)
                .set_min_size(p.i32("min_size"))
                .set_max_size(p.i32("max_size"))
                .set_desired_capacity(p.i32("desired_capacity"))
                .set_launch_template(launch_template_spec(&p))
                .set_launch_configuration_name(p.str("launch_configuration"))
                .set_vpc_zone_identifier((!subnets.is_empty()).then(|| subnets.join(",")))
                .set_availability_zones(super::nonempty(p.strs("availability_zones")))
                .set_health_check_type(p.str("health_check_type"))
                .set_health_check_grace_period(p.i32("health_check_grace_period"))
                .set_target_group_arns(super::nonempty(p.strs("target_group_arns")))
                .set_load_balancer_names(super::nonempty(p.strs("load_balancers")))
                .set_termination_policies(super::nonempty(p.strs("termination_policies")))
                .set_default_cooldown(p.i32("default_cooldown"))
                .set_tags(Some(group_tags))
                .send()
                .await
                .map_err(err("autoscaling:CreateAutoScalingGroup"))?;
            this.described(&name).await?;
            this.wait_for_capacity(&name, &p).await?;
            this.finish(p, &name).await
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let (before, after) = (Obj::of(&prior), Obj::of(&planned));
            let name = before.id()?;
            let sizes = this.update_group(&name, &before, &after).await?;
            this.update_attachments(&name, &before, &after).await?;
            if sizes {
                this.wait_for_capacity(&name, &after).await?;
            }
            this.finish(after, &name).await
        })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&prior);
            let name = p.id()?;
            let force = p.bool("force_delete").unwrap_or(false);
            let asg = &this.aws.autoscaling;
            if !force {
                // Draining first lets instances terminate through their lifecycle hooks.
                let drained = asg
                    .update_auto_scaling_group()
                    .auto_scaling_group_name(&name)
                    .min_size(0)
                    .max_size(0)
                    .desired_capacity(0)
                    .send()
                    .await
                    .map_err(err("autoscaling:UpdateAutoScalingGroup"));
                match drained {
                    Err(e) if e.is_not_found() => return Ok(()),
                    Err(e) => return Err(e),
                    Ok(_) => {}
                }
                wait_for(
                    &format!("the instances of {name} to terminate"),
                    DRAIN_TIMEOUT,
                    || async {
                        Ok(match this.by_name(&name).await? {
                            Some(g) if !g.instances().is_empty() => None,
                            _ => Some(()),
                        })
                    },
                )
                .await?;
            }
            let r = retry_while(
                DRAIN_TIMEOUT,
                |e| e.in_use(),
                || async {
                    asg.delete_auto_scaling_group()
                        .auto_scaling_group_name(&name)
                        .force_delete(force)
                        .send()
                        .await
                        .map_err(err("autoscaling:DeleteAutoScalingGroup"))
                },
            )
            .await;
            match r {
                Err(e) if !e.is_not_found() => return Err(e),
                _ => {}
            }
            wait_for(&format!("{name} to be deleted"), DRAIN_TIMEOUT, || async {
                Ok(this.by_name(&name).await?.is_none().then_some(()))
            })
            .await
        })
    }

    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&prior);
            let name = p.id()?;
            Ok(this.by_name(&name).await?.map(|g| this.value(Some(p), &g)))
        })
    }

    /// Every group of the lineage in one filtered, paginated call; groups the state knows
    /// that carry no lineage tag (imported ones) by name.
    fn refresh(&self, batch: RefreshBatch) -> BoxFuture<ProviderResult<Refreshed>> {
        let this = self.clone();
        Box::pin(async move {
            let priors: Vec<Obj> = batch.priors.iter().map(Obj::of).collect();
            let mut groups: HashMap<String, AutoScalingGroup> = HashMap::new();
            let mut tagged = Vec::new();
            if !batch.lineage.is_empty() {
                let lineage = Filter::builder()
                    .name(format!("tag:{LINEAGE_TAG}"))
                    .values(&batch.lineage)
                    .build();
                for g in this.describe(Vec::new(), vec![lineage]).await? {
                    let name = g.auto_scaling_group_name().unwrap_or_default().to_string();
                    tagged.push(name.clone());
                    groups.insert(name, g);
                }
            }
            let missing: Vec<String> = priors
                .iter()
                .filter_map(|p| p.str("id"))
                .filter(|id| !groups.contains_key(id))
                .collect();
            for chunk in missing.chunks(NAMES_PER_CALL) {
                for g in this.describe(chunk.to_vec(), Vec::new()).await? {
                    let name = g.auto_scaling_group_name().unwrap_or_default().to_string();
                    groups.insert(name, g);
                }
            }
            let current = priors
                .into_iter()
                .map(|p| {
                    let g = p.str("id").and_then(|id| groups.remove(&id));
                    g.map(|g| this.value(Some(p), &g))
                })
                .collect();
            let found = tagged
                .into_iter()
                .filter_map(|name| {
                    let g = groups.remove(&name)?;
                    let address = tags::owner(&group_tags(&g), &batch.lineage)?;
                    Some((address, this.value(None, &g)))
                })
                .collect();
            Ok(Refreshed { current, found })
        })
    }

    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        let id = id.to_string();
        Box::pin(async move {
            let g = this.by_name(&id).await?.ok_or_else(|| {
                ProviderError::new("import", format!("no auto scaling group named {id}"))
            })?;
            Ok(this.value(None, &g))
        })
    }
}

fn root_device_ty() -> Type {
    block_object(&[
        ("volume_size", Type::Number),
        ("volume_type", Type::String),
        ("delete_on_termination", Type::Bool),
        ("encrypted", Type::Bool),
        ("iops", Type::Number),
    ])
}

#[derive(Clone)]
pub struct LaunchConfiguration {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
}

impl LaunchConfiguration {
    pub(super) fn new(aws: &Arc<Aws>) -> LaunchConfiguration {
        // A launch configuration cannot change: every argument replaces it.
        let attrs = vec![
            ("id", AttrSchema::computed(Type::String)),
            ("arn", AttrSchema::computed(Type::String)),
            (
                "name",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            (
                "name_prefix",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            ("image_id", AttrSchema::required(Type::String).force_new()),
            (
                "instance_type",
                AttrSchema::required(Type::String).force_new(),
            ),
            (
                "iam_instance_profile",
                AttrSchema::optional(Type::String).force_new(),
            ),
            (
                "security_groups",
                AttrSchema::optional(string_set()).force_new(),
            ),
            ("user_data", AttrSchema::optional(Type::String).force_new()),
            (
                "associate_public_ip_address",
                AttrSchema::optional_computed(Type::Bool).force_new(),
            ),
            (
                "key_name",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            (
                "root_block_device",
                AttrSchema::optional(Type::List(Box::new(root_device_ty()))).force_new(),
            ),
            (
                "ebs_optimized",
                AttrSchema::optional_computed(Type::Bool).force_new(),
            ),
            (
                "enable_monitoring",
                AttrSchema::optional(Type::Bool)
                    .default(b(true))
                    .force_new(),
            ),
            (
                "placement_tenancy",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            ("spot_price", AttrSchema::optional(Type::String).force_new()),
        ];
        LaunchConfiguration {
            aws: aws.clone(),
            schema: Arc::new(Schema::new(attrs)),
        }
    }

    async fn delete_by_name(&self, name: &str) -> ProviderResult<()> {
        self.aws
            .autoscaling
            .delete_launch_configuration()
            .launch_configuration_name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(err("autoscaling:DeleteLaunchConfiguration"))
    }

    async fn by_name(
        &self,
        name: &str,
    ) -> ProviderResult<Option<aws_sdk_autoscaling::types::LaunchConfiguration>> {
        let out = self
            .aws
            .autoscaling
            .describe_launch_configurations()
            .launch_configuration_names(name)
            .send()
            .await
            .map_err(err("autoscaling:DescribeLaunchConfigurations"))?;
        Ok(out
            .launch_configurations()
            .iter()
            .find(|c| c.launch_configuration_name() == Some(name))
            .cloned())
    }

    /// The device name of an image's root volume, where `root_block_device` goes.
    async fn root_device_name(&self, image_id: &str) -> ProviderResult<Option<String>> {
        let out = self
            .aws
            .ec2
            .describe_images()
            .image_ids(image_id)
            .send()
            .await
            .map_err(err("ec2:DescribeImages"))?;
        Ok(out
            .images()
            .first()
            .and_then(|i| i.root_device_name())
            .map(str::to_string))
    }

    async fn value(
        &self,
        prior: Option<Obj>,
        c: &aws_sdk_autoscaling::types::LaunchConfiguration,
    ) -> ProviderResult<Value> {
        let mut o = prior.clone().unwrap_or_default();
        let name = c.launch_configuration_name().unwrap_or_default();
        let root = match (c.block_device_mappings().is_empty(), c.image_id()) {
            (false, Some(image)) => self.root_device_name(image).await?,
            _ => None,
        };
        let root_blocks: Vec<Obj> = c
            .block_device_mappings()
            .iter()
            .filter(|m| root.is_some() && m.device_name() == root.as_deref())
            .filter_map(|m| m.ebs())
            .map(|e| {
                let mut x = Obj::default();
                x.set("volume_size", opt_n(e.volume_size().map(i64::from)))
                    .set("volume_type", opt_s(e.volume_type()))
                    .set(
                        "delete_on_termination",
                        e.delete_on_termination()
                            .map(b)
                            .unwrap_or(Value::Null(Type::Bool)),
                    )
                    .set(
                        "encrypted",
                        e.encrypted().map(b).unwrap_or(Value::Null(Type::Bool)),
                    )
                    .set("iops", opt_n(e.iops().map(i64::from)));
                x
            })
            .collect();
        read_name_prefix(&mut o, name);
        o.set("id", s(name))
            .set("name", s(name))
            .set("arn", opt_s(c.launch_configuration_arn()))
            .set("image_id", opt_s(c.image_id()))
            .set("instance_type", opt_s(c.instance_type()))
            .set("iam_instance_profile", opt_s(c.iam_instance_profile()))
            .set("security_groups", opt_set(c.security_groups().to_vec()))
            .set(
                "user_data",
                opt_s(c.user_data().filter(|u| !u.is_empty()).map(user_data_hash)),
            )
            .set(
                "associate_public_ip_address",
                b(c.associate_public_ip_address().unwrap_or(false)),
            )
            .set("key_name", opt_s(c.key_name()))
            .set("ebs_optimized", b(c.ebs_optimized().unwrap_or(false)))
            .set(
                "enable_monitoring",
                b(c.instance_monitoring()
                    .and_then(|m| m.enabled())
                    .unwrap_or(true)),
            )
            .set("placement_tenancy", opt_s(c.placement_tenancy()))
            .set("spot_price", opt_s(c.spot_price()))
            .set(
                "root_block_device",
                read_blocks(
                    prior.as_ref(),
                    "root_block_device",
                    &root_device_ty(),
                    root_blocks,
                ),
            );
        Ok(o.finish(&self.schema))
    }
}

impl ResourceType for LaunchConfiguration {
    fn validate(&self, planned: &Value) -> Result<(), String> {
        validate_user_data(planned, false)
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &str {
        &self.aws.address
    }

    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        plan_user_data(prior, planned)
    }

    fn create(&self, ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            let name = naming::create_name(&p, "name", "name_prefix", &ctx);
            let generated = p.str("name").is_none();
            let image = p.req("image_id")?;
            let mut mappings = Vec::new();
            if let Some(r) = p.block("root_block_device") {
                let device = this.root_device_name(&image).await?.ok_or_else(|| {
                    ProviderError::new(
                        "ec2:DescribeImages",
                        format!("image {image} has no root device"),
                    )
                })?;
                mappings.push(
                    BlockDeviceMapping::builder()
                        .device_name(device)
                        .ebs(
                            Ebs::builder()
                                .set_volume_size(r.i32("volume_size"))
                                .set_volume_type(r.str("volume_type"))
                                .set_delete_on_termination(r.bool("delete_on_termination"))
                                .set_encrypted(r.bool("encrypted"))
                                .set_iops(r.i32("iops"))
                                .build(),
                        )
                        .build(),
                );
            }
            let request = this
                .aws
                .autoscaling
                .create_launch_configuration()
                .launch_configuration_name(&name)
                .image_id(&image)
                .set_instance_type(p.str("instance_type"))
                .set_iam_instance_profile(p.str("iam_instance_profile"))
                .set_security_groups(super::nonempty(p.strs("security_groups")))
                .set_user_data(p.str("user_data").map(|u| user_data_base64(&u)))
                .set_associate_public_ip_address(p.bool("associate_public_ip_address"))
                .set_key_name(p.str("key_name"))
                .set_block_device_mappings(super::nonempty(mappings))
                .set_ebs_optimized(p.bool("ebs_optimized"))
                .instance_monitoring(
                    aws_sdk_autoscaling::types::InstanceMonitoring::builder()
                        .enabled(p.bool("enable_monitoring").unwrap_or(true))
                        .build(),
                )
                .set_placement_tenancy(p.str("placement_tenancy"))
                .set_spot_price(p.str("spot_price"));
            let made = request
                .clone()
                .send()
                .await
                .map_err(err("autoscaling:CreateLaunchConfiguration"));
            match made {
                // A generated name is made from this create's token: the configuration by
                // that name is one an apply killed before recording it made. Launch
                // configurations cannot change, and nothing uses an unrecorded one: make it
                // again from this configuration.
                Err(e) if generated && e.already_exists() => {
                    this.delete_by_name(&name).await?;
                    request
                        .send()
                        .await
                        .map_err(err("autoscaling:CreateLaunchConfiguration"))?;
                }
                other => {
                    other?;
                }
            }
            let c = retry_while(
                EVENTUAL_CONSISTENCY,
                |e| e.is_not_found(),
                || async {
                    this.by_name(&name).await?.ok_or_else(|| {
                        ProviderError::new(
                            "autoscaling:DescribeLaunchConfigurations",
                            format!("{name} not found"),
                        )
                        .with_code("LaunchConfiguration.NotFound")
                    })
                },
            )
            .await?;
            this.value(Some(p), &c).await
        })
    }

    fn update(&self, _prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        // Every argument forces a new object, so an update only ever carries state-only
        // changes; there is nothing to send.
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            let name = p.id()?;
            match this.by_name(&name).await? {
                Some(c) => this.value(Some(p), &c).await,
                None => Err(ProviderError::new(
                    "autoscaling:DescribeLaunchConfigurations",
                    format!("{name} vanished"),
                )),
            }
        })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move {
            let name = Obj::of(&prior).id()?;
            // A group that was just deleted may still hold the configuration for a moment.
            let r = retry_while(
                EVENTUAL_CONSISTENCY,
                |e| e.in_use(),
                || this.delete_by_name(&name),
            )
            .await;
            match r {
                Err(e) if !e.is_not_found() => Err(e),
                _ => Ok(()),
            }
        })
    }

    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&prior);
            let name = p.id()?;
            match this.by_name(&name).await? {
                Some(c) => Ok(Some(this.value(Some(p), &c).await?)),
                None => Ok(None),
            }
        })
    }

    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        let id = id.to_string();
        Box::pin(async move {
            let c = this.by_name(&id).await?.ok_or_else(|| {
                ProviderError::new("import", format!("no launch configuration named {id}"))
            })?;
            this.value(None, &c).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_healthy_instances_in_service_count() {
        let ready = [("InService", "Healthy"), ("InService", "HEALTHY")];
        assert!(enough_in_service(ready, 2));
        assert!(!enough_in_service(ready, 3));
        let mixed = [
            ("InService", "Healthy"),
            ("Pending", "Healthy"),
            ("InService", "Unhealthy"),
            ("Terminating", "Healthy"),
        ];
        assert!(enough_in_service(mixed, 1));
        assert!(!enough_in_service(mixed, 2));
        assert!(enough_in_service([], 0));
        assert!(!enough_in_service([], 1));
    }

    #[test]
    fn user_data_hashes_alike_as_text_and_base64() {
        let text = "#!/bin/sh\necho hi\n";
        let encoded = base64::engine::general_purpose::STANDARD.encode(text);
        assert_eq!(user_data_hash(text), user_data_hash(&encoded));
        assert_eq!(user_data_hash(text).len(), 40);
        assert_eq!(user_data_base64(text), encoded);
        assert_eq!(user_data_base64(&encoded), encoded);
    }

    #[test]
    fn unchanged_user_data_plans_as_the_stored_hash() {
        let text = "#!/bin/sh\necho hi\n";
        let mut prior = Obj::default();
        prior.set("user_data", s(user_data_hash(text)));
        let prior = Value::object(prior.0);
        let mut planned = Obj::default();
        planned.set("user_data", s(text));
        let same = plan_user_data(Some(&prior), Value::object(planned.0.clone()));
        assert_eq!(Obj::of(&same).str("user_data"), Some(user_data_hash(text)));
        planned.set("user_data", s("echo other"));
        let changed = plan_user_data(Some(&prior), Value::object(planned.0));
        assert_eq!(
            Obj::of(&changed).str("user_data").as_deref(),
            Some("echo other")
        );
    }
}
