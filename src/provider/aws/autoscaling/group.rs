//! `aws_autoscaling_group`: capacity waits, tags propagated to instances, draining on delete.

use super::group_sync;
use super::group_tags::{group_tag, group_tags, tag_blocks};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::Obj;
use crate::provider::aws::launch::*;
use crate::provider::aws::naming;
use crate::provider::aws::sdk::{AllPages, EVENTUAL_CONSISTENCY, err, retry_while, wait_for};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::{self, ADDRESS_TAG, LINEAGE_TAG};
use crate::provider::schema::block_object;
use crate::provider::{
    AsyncResourceType, CreateContext, ProviderError, ProviderResult, RefreshBatch, Refreshed,
    Schema,
};
use aws_sdk_autoscaling::types::{AutoScalingGroup, Filter, LaunchTemplateSpecification, Tag};
use std::collections::HashMap;
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

/// `wait_for_capacity_timeout` (default 10m; "0" does not wait): how long the group's
/// capacity, in service and in its load balancers, is waited for.
pub(super) fn capacity_timeout(o: &Obj) -> ProviderResult<Duration> {
    let text = o
        .str("wait_for_capacity_timeout")
        .unwrap_or_else(|| "10m".into());
    crate::lang::duration::parse_go(&text).ok_or_else(|| {
        ProviderError::new(
            "plan",
            format!("wait_for_capacity_timeout {text:?} is not a duration"),
        )
    })
}

pub(super) fn differs(before: &Obj, after: &Obj, k: &str) -> bool {
    let (a, b) = (before.0.get(k), after.0.get(k));
    match (a, b) {
        (Some(a), Some(b)) => !(a.is_null() && b.is_null() || a.raw_equal(b)),
        (None, None) => false,
        (Some(v), None) | (None, Some(v)) => !v.is_null(),
    }
}

pub(crate) fn launch_template_ty() -> Type {
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

/// The `instance_maintenance_policy` block; none is AWS's way of clearing it (-1, -1).
fn maintenance_policy(p: &Obj) -> aws_sdk_autoscaling::types::InstanceMaintenancePolicy {
    let m = p.block("instance_maintenance_policy").unwrap_or_default();
    aws_sdk_autoscaling::types::InstanceMaintenancePolicy::builder()
        .min_healthy_percentage(m.i32("min_healthy_percentage").unwrap_or(-1))
        .max_healthy_percentage(m.i32("max_healthy_percentage").unwrap_or(-1))
        .build()
}

/// The `initial_lifecycle_hook` blocks, as CreateAutoScalingGroup takes them.
fn initial_hooks(p: &Obj) -> Vec<aws_sdk_autoscaling::types::LifecycleHookSpecification> {
    p.blocks("initial_lifecycle_hook")
        .iter()
        .map(|h| {
            aws_sdk_autoscaling::types::LifecycleHookSpecification::builder()
                .set_lifecycle_hook_name(h.str("name"))
                .set_lifecycle_transition(h.str("lifecycle_transition"))
                .set_heartbeat_timeout(h.i32("heartbeat_timeout"))
                .set_default_result(h.str("default_result"))
                .set_notification_metadata(h.str("notification_metadata"))
                .set_notification_target_arn(h.str("notification_target_arn"))
                .set_role_arn(h.str("role_arn"))
                .build()
        })
        .collect()
}

#[derive(Clone)]
pub struct AutoscalingGroup {
    pub(super) aws: Arc<Aws>,
    table: Arc<Table<AutoScalingGroup>>,
    schema: Arc<Schema>,
}

impl AutoscalingGroup {
    pub fn new(aws: &Arc<Aws>) -> AutoscalingGroup {
        let table = super::group_table::table();
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
            .all("autoscaling:DescribeAutoScalingGroups")
            .await
    }

    async fn by_name(&self, name: &str) -> ProviderResult<Option<AutoScalingGroup>> {
        Ok(self
            .describe(vec![name.to_string()], Vec::new())
            .await?
            .into_iter()
            .find(|g| g.auto_scaling_group_name() == Some(name)))
    }

    pub(super) async fn described(&self, name: &str) -> ProviderResult<AutoScalingGroup> {
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
        let timeout = capacity_timeout(o)?;
        if timeout.is_zero() {
            return Ok(());
        }
        let wanted = o
            .i64("min_size")
            .unwrap_or(0)
            .max(o.i64("desired_capacity").unwrap_or(0));
        // A minute back: AWS's clock and this machine's may differ a little.
        let since = std::time::SystemTime::now() - Duration::from_secs(60);
        let heed_failures = o.bool("ignore_failed_scaling_activities") != Some(true);
        wait_for(
            &format!("{wanted} instances of {name} in service"),
            timeout,
            || async {
                if heed_failures
                    && let Some(failure) =
                        super::activities::failed_since(&self.aws, name, since).await?
                {
                    return Err(ProviderError::new(
                        "autoscaling:DescribeScalingActivities",
                        format!("{name}: {failure}"),
                    ));
                }
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
        if differs(before, after, "mixed_instances_policy") {
            req = req.set_mixed_instances_policy(super::group_mixed::policy(after));
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
        // The arguments UpdateAutoScalingGroup takes as they are: one line each.
        macro_rules! when_changed {
            ($($key:literal => $set:ident($get:ident)),* $(,)?) => {$(
                if differs(before, after, $key) {
                    req = req.$set(after.$get($key));
                    any = true;
                }
            )*};
        }
        when_changed! {
            "health_check_type" => set_health_check_type(str),
            "health_check_grace_period" => set_health_check_grace_period(i32),
            "default_cooldown" => set_default_cooldown(i32),
            "protect_from_scale_in" => set_new_instances_protected_from_scale_in(bool),
            "max_instance_lifetime" => set_max_instance_lifetime(i32),
            "capacity_rebalance" => set_capacity_rebalance(bool),
            "default_instance_warmup" => set_default_instance_warmup(i32),
            "service_linked_role_arn" => set_service_linked_role_arn(str),
            "placement_group" => set_placement_group(str),
            "desired_capacity_type" => set_desired_capacity_type(str),
            "context" => set_context(str),
        }
        use super::group_options as options;
        if differs(before, after, options::BLOCKS[0]) {
            req = req.set_availability_zone_distribution(options::zone_distribution(after));
            any = true;
        }
        if differs(before, after, options::BLOCKS[1]) {
            req = req.set_capacity_reservation_specification(options::reservations(after));
            any = true;
        }
        if differs(before, after, options::BLOCKS[2]) {
            req = req.set_instance_lifecycle_policy(options::lifecycle_policy(after));
            any = true;
        }
        if differs(before, after, "instance_maintenance_policy") {
            req = req.instance_maintenance_policy(maintenance_policy(after));
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
}

impl AsyncResourceType for AutoscalingGroup {
    crate::provider::aws::bulk::schema_and_address!();
    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
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
        self.aws
            .autoscaling
            .create_auto_scaling_group()
            .auto_scaling_group_name(&name)
            .set_min_size(p.i32("min_size"))
            .set_max_size(p.i32("max_size"))
            .set_desired_capacity(p.i32("desired_capacity"))
            .set_launch_template(launch_template_spec(&p))
            .set_mixed_instances_policy(super::group_mixed::policy(&p))
            .set_launch_configuration_name(p.str("launch_configuration"))
            .set_vpc_zone_identifier((!subnets.is_empty()).then(|| subnets.join(",")))
            .set_availability_zones(nonempty(p.strs("availability_zones")))
            .set_health_check_type(p.str("health_check_type"))
            .set_health_check_grace_period(p.i32("health_check_grace_period"))
            .set_target_group_arns(nonempty(p.strs("target_group_arns")))
            .set_load_balancer_names(nonempty(p.strs("load_balancers")))
            .set_termination_policies(nonempty(p.strs("termination_policies")))
            .set_default_cooldown(p.i32("default_cooldown"))
            .set_new_instances_protected_from_scale_in(p.bool("protect_from_scale_in"))
            .set_max_instance_lifetime(p.i32("max_instance_lifetime"))
            .set_capacity_rebalance(p.bool("capacity_rebalance"))
            .set_default_instance_warmup(p.i32("default_instance_warmup"))
            .set_service_linked_role_arn(p.str("service_linked_role_arn"))
            .set_placement_group(p.str("placement_group"))
            .set_desired_capacity_type(p.str("desired_capacity_type"))
            .set_context(p.str("context"))
            .set_traffic_sources(group_sync::configured_sources(&p))
            .set_lifecycle_hook_specification_list(nonempty(initial_hooks(&p)))
            .set_instance_maintenance_policy(
                p.block("instance_maintenance_policy")
                    .map(|_| maintenance_policy(&p)),
            )
            .set_availability_zone_distribution(super::group_options::zone_distribution(&p))
            .set_capacity_reservation_specification(super::group_options::reservations(&p))
            .set_instance_lifecycle_policy(super::group_options::lifecycle_policy(&p))
            .set_tags(Some(group_tags))
            .send()
            .await
            .map_err(err("autoscaling:CreateAutoScalingGroup"))?;
        self.described(&name).await?;
        group_sync::processes_and_metrics(&self.aws, &name, &Obj::default(), &p).await?;
        group_sync::warm_pool(&self.aws, &name, &Obj::default(), &p).await?;
        self.wait_for_capacity(&name, &p).await?;
        let elb = p.i64("wait_for_elb_capacity").or(p.i64("min_elb_capacity"));
        self.wait_for_elb_capacity(&name, &p, elb).await?;
        self.finish(p, &name).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let name = before.id()?;
        let sizes = self.update_group(&name, &before, &after).await?;
        group_sync::processes_and_metrics(&self.aws, &name, &before, &after).await?;
        group_sync::attachments(&self.aws, &name, &before, &after).await?;
        group_sync::warm_pool(&self.aws, &name, &before, &after).await?;
        if sizes {
            self.wait_for_capacity(&name, &after).await?;
            let elb = after.i64("wait_for_elb_capacity");
            self.wait_for_elb_capacity(&name, &after, elb).await?;
        }
        self.finish(after, &name).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let p = Obj::of(&prior);
        let name = p.id()?;
        let force = p.bool("force_delete").unwrap_or(false);
        let asg = &self.aws.autoscaling;
        // A group with a warm pool goes only after its pool, as in Terraform.
        if p.block("warm_pool").is_some() {
            let deleted = asg
                .delete_warm_pool()
                .auto_scaling_group_name(&name)
                .force_delete(force || p.bool("force_delete_warm_pool") == Some(true))
                .send()
                .await
                .map_err(err("autoscaling:DeleteWarmPool"));
            match deleted {
                Err(e) if !e.is_not_found() => return Err(e),
                _ => {}
            }
        }
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
                    Ok(match self.by_name(&name).await? {
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
            Ok(self.by_name(&name).await?.is_none().then_some(()))
        })
        .await
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        let p = Obj::of(&prior);
        let name = p.id()?;
        Ok(self.by_name(&name).await?.map(|g| self.value(Some(p), &g)))
    }

    /// Every group of the lineage in one filtered, paginated call; groups the state knows
    /// that carry no lineage tag (imported ones) by name.
    async fn refresh(&self, batch: RefreshBatch) -> ProviderResult<Refreshed> {
        let priors: Vec<Obj> = batch.priors.iter().map(Obj::of).collect();
        let mut groups: HashMap<String, AutoScalingGroup> = HashMap::new();
        let mut tagged = Vec::new();
        if !batch.lineage.is_empty() {
            let lineage = Filter::builder()
                .name(format!("tag:{LINEAGE_TAG}"))
                .values(&batch.lineage)
                .build();
            for g in self.describe(Vec::new(), vec![lineage]).await? {
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
            for g in self.describe(chunk.to_vec(), Vec::new()).await? {
                let name = g.auto_scaling_group_name().unwrap_or_default().to_string();
                groups.insert(name, g);
            }
        }
        let current = priors
            .into_iter()
            .map(|p| {
                let g = p.str("id").and_then(|id| groups.remove(&id));
                g.map(|g| self.value(Some(p), &g))
            })
            .collect();
        let found = tagged
            .into_iter()
            .filter_map(|name| {
                let g = groups.remove(&name)?;
                let address = tags::owner(&group_tags(&g), &batch.lineage)?;
                Some((address, self.value(None, &g)))
            })
            .collect();
        Ok(Refreshed { current, found })
    }

    async fn import(&self, id: &str) -> ProviderResult<Value> {
        let g = self.by_name(id).await?.ok_or_else(|| {
            ProviderError::new("import", format!("no auto scaling group named {id}"))
        })?;
        Ok(self.value(None, &g))
    }

    fn fleet(&self) -> Option<&dyn crate::provider::fleet::Fleet> {
        Some(self)
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
