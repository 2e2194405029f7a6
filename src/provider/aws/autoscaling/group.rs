//! `aws_autoscaling_group`: capacity waits, tags propagated to instances, draining on delete.

use super::group_tags::{group_tag, group_tags, sync_tags, tag_blocks, tag_ty};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, b, list_s, n, opt_n, opt_s, s, set_s};
use crate::provider::aws::launch::*;
use crate::provider::aws::naming::{self, read_name_prefix};
use crate::provider::aws::sdk::{EVENTUAL_CONSISTENCY, err, retry_while, wait_for};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::{self, ADDRESS_TAG, LINEAGE_TAG};
use crate::provider::schema::block_object;
use crate::provider::{
    AttrSchema, BoxFuture, CreateContext, ProviderError, ProviderResult, RefreshBatch, Refreshed,
    ResourceType, Schema,
};
use aws_sdk_autoscaling::types::{AutoScalingGroup, Filter, LaunchTemplateSpecification, Tag};
use std::collections::{BTreeSet, HashMap};
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

fn launch_template_spec(o: &Obj) -> Option<LaunchTemplateSpecification> {
    o.block("launch_template").map(|lt| {
        LaunchTemplateSpecification::builder()
            .set_launch_template_id(lt.str("id"))
            .set_launch_template_name(lt.str("name"))
            .set_version(lt.str("version"))
            .build()
    })
}

/// The `launch_template` block of a group. An import cannot know whether the configuration
/// names the template by id or by name; configurations mostly use the id.
fn launch_template_blocks(g: &AutoScalingGroup, imported: bool) -> Vec<Obj> {
    g.launch_template()
        .map(|spec| {
            let mut x = Obj::default();
            x.set("id", opt_s(spec.launch_template_id()))
                .set(
                    "name",
                    if imported {
                        Value::Null(Type::String)
                    } else {
                        opt_s(spec.launch_template_name())
                    },
                )
                .set("version", opt_s(spec.version()));
            x
        })
        .into_iter()
        .collect()
}

/// The group's own `tag` blocks (not infra's bookkeeping tags); null when there are none.
fn tag_set(g: &AutoScalingGroup) -> Value {
    let own: Vec<Value> = g
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
            Value::object(x.0)
        })
        .collect();
    if own.is_empty() {
        Value::Null(Type::Set(Box::new(tag_ty())))
    } else {
        Value::set(tag_ty(), own)
    }
}

fn number(v: Option<i32>) -> Value {
    opt_n(v.map(i64::from))
}

/// Every attribute of `aws_autoscaling_group`, and how it reads from a described group.
fn table() -> Table<AutoScalingGroup> {
    use AttrSchema as A;
    Table::<AutoScalingGroup>::new()
        .attr("id", A::computed(Type::String), |g| {
            opt_s(g.auto_scaling_group_name())
        })
        .attr("arn", A::computed(Type::String), |g| {
            opt_s(g.auto_scaling_group_arn())
        })
        .attr(
            "name",
            A::optional_computed(Type::String).force_new(),
            |g| opt_s(g.auto_scaling_group_name()),
        )
        .attr_with_prior(
            "name_prefix",
            A::optional_computed(Type::String).force_new(),
            |g, prior| read_name_prefix(prior, g.auto_scaling_group_name().unwrap_or("")),
        )
        .attr("min_size", A::required(Type::Number), |g| {
            number(g.min_size())
        })
        .attr("max_size", A::required(Type::Number), |g| {
            number(g.max_size())
        })
        .attr(
            "desired_capacity",
            A::optional_computed(Type::Number),
            |g| number(g.desired_capacity()),
        )
        .attr_with_prior(
            "launch_template",
            A::optional(Type::List(Box::new(launch_template_ty())))
                .conflicts_with(&["launch_configuration"]),
            |g, prior| {
                let blocks = launch_template_blocks(g, prior.is_none());
                Some(read_blocks(
                    prior,
                    "launch_template",
                    &launch_template_ty(),
                    blocks,
                ))
            },
        )
        .attr(
            "launch_configuration",
            A::optional(Type::String).conflicts_with(&["launch_template"]),
            |g| opt_s(g.launch_configuration_name()),
        )
        .attr(
            "vpc_zone_identifier",
            A::optional_computed(string_set()),
            |g| {
                let subnets = g.vpc_zone_identifier().unwrap_or_default().split(',');
                set_s(subnets.map(str::trim).filter(|x| !x.is_empty()))
            },
        )
        .attr(
            "availability_zones",
            A::optional_computed(string_set()),
            |g| set_s(g.availability_zones()),
        )
        .attr(
            "health_check_type",
            A::optional_computed(Type::String),
            |g| opt_s(g.health_check_type()),
        )
        .attr(
            "health_check_grace_period",
            A::optional(Type::Number).default(n(300)),
            |g| number(g.health_check_grace_period()),
        )
        .attr(
            "target_group_arns",
            A::optional_computed(string_set()),
            |g| set_s(g.target_group_arns()),
        )
        .attr("load_balancers", A::optional_computed(string_set()), |g| {
            set_s(g.load_balancer_names())
        })
        .attr("tag", A::optional(Type::Set(Box::new(tag_ty()))), tag_set)
        .attr(
            "termination_policies",
            A::optional(Type::List(Box::new(Type::String))),
            |g| {
                // AWS reports `["Default"]` for a group created without policies.
                let policies = g.termination_policies();
                if policies.iter().all(|p| p == "Default") {
                    Value::Null(Type::List(Box::new(Type::String)))
                } else {
                    list_s(policies)
                }
            },
        )
        // What only the configuration knows; an import takes Terraform's defaults.
        .declared(
            "wait_for_capacity_timeout",
            A::optional(Type::String).default(s("10m")),
        )
        .declared("force_delete", A::optional(Type::Bool).default(b(false)))
        .attr(
            "default_cooldown",
            A::optional_computed(Type::Number),
            |g| number(g.default_cooldown()),
        )
}

#[derive(Clone)]
pub struct AutoscalingGroup {
    aws: Arc<Aws>,
    table: Arc<Table<AutoScalingGroup>>,
    schema: Arc<Schema>,
}

impl AutoscalingGroup {
    pub fn new(aws: &Arc<Aws>) -> AutoscalingGroup {
        let table = table();
        AutoscalingGroup {
            aws: aws.clone(),
            schema: Arc::new(table.schema()),
            table: Arc::new(table),
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
        self.table.read(&self.aws, prior, g).finish(&self.schema)
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
        sync_tags(&self.aws, name, before, after).await
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
    crate::provider::aws::bulk::schema_and_address!();
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
                .set_availability_zones(nonempty(p.strs("availability_zones")))
                .set_health_check_type(p.str("health_check_type"))
                .set_health_check_grace_period(p.i32("health_check_grace_period"))
                .set_target_group_arns(nonempty(p.strs("target_group_arns")))
                .set_load_balancer_names(nonempty(p.strs("load_balancers")))
                .set_termination_policies(nonempty(p.strs("termination_policies")))
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
}
