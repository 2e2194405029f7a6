//! `aws_autoscaling_group` as a fleet: when a change starts a rollout (Terraform's
//! `instance_refresh` rules), and the Auto Scaling, EC2 and load balancer calls a rollout reads
//! and steers a group with. The batches themselves are `rollout/`'s.

use super::group::{AutoscalingGroup, capacity_timeout, differs};
use crate::lang::value::Value;
use crate::provider::aws::attrs::Obj;
use crate::provider::aws::sdk::{AllPages, err, wait_for};
use crate::provider::fleet::{
    Fleet, LaunchSpec, Member, Preferences, RolloutRequest, Snapshot, Special,
};
use crate::provider::{BoxFuture, ProviderResult};
use aws_sdk_autoscaling::types::LaunchTemplateSpecification;
use std::collections::HashMap;

/// What always starts a rollout when it changes, as in Terraform.
const ALWAYS_TRIGGERS: [&str; 3] = [
    "launch_template",
    "launch_configuration",
    "mixed_instances_policy",
];

fn launch_spec(o: &Obj) -> Option<LaunchSpec> {
    if let Some(lt) = o.block("launch_template") {
        return Some(LaunchSpec::Template {
            id: lt.str("id"),
            name: lt.str("name"),
            version: lt.str("version"),
        });
    }
    // A configuration replaced in the same apply has no name until then: the plan still
    // knows the group launches from one.
    o.0.get("launch_configuration")
        .filter(|v| !v.is_null())
        .map(|v| LaunchSpec::Configuration {
            name: v.as_str().unwrap_or("(known after apply)").to_string(),
        })
}

/// What the API reports a group (or one of its instances) launches from.
fn reported(
    template: Option<&LaunchTemplateSpecification>,
    configuration: Option<&str>,
) -> Option<LaunchSpec> {
    template
        .map(|t| LaunchSpec::Template {
            id: t.launch_template_id().map(str::to_string),
            name: t.launch_template_name().map(str::to_string),
            version: t.version().map(str::to_string),
        })
        .or_else(|| configuration.map(|name| LaunchSpec::Configuration { name: name.into() }))
}

fn version_of(spec: &LaunchSpec) -> Option<&str> {
    match spec {
        LaunchSpec::Template { version, .. } => version.as_deref(),
        LaunchSpec::Configuration { .. } => None,
    }
}

/// Seconds from a preference Terraform types as a string (`instance_warmup = "300"`).
fn seconds(p: &Obj, k: &str) -> Result<Option<u64>, String> {
    match p.str(k) {
        None => Ok(None),
        Some(t) if t.is_empty() => Ok(None),
        Some(t) => t.trim().parse::<u64>().map(Some).map_err(|_| {
            format!("instance_refresh.preferences.{k}: {t:?} is not a number of seconds")
        }),
    }
}

fn special(p: &Obj, k: &str, replace: &str) -> Result<Special, String> {
    match p.str(k).as_deref() {
        None | Some("Ignore") => Ok(Special::Ignore),
        Some("Wait") => Ok(Special::Wait),
        Some(v) if v == replace => Ok(Special::Replace),
        Some(v) => Err(format!(
            "instance_refresh.preferences.{k}: expected one of \"{replace}\", \"Ignore\", \"Wait\"; got {v:?}"
        )),
    }
}

/// The preferences of an `instance_refresh` block, Terraform's and AWS's defaults filled in
/// (the warmup defaults to the group's health check grace period, as AWS's does).
pub(crate) fn preferences(refresh: &Obj, grace_period: u64) -> Result<Preferences, String> {
    let mut out = Preferences {
        instance_warmup: grace_period,
        ..Preferences::default()
    };
    let Some(p) = refresh.block("preferences") else {
        return Ok(out);
    };
    if let Some(v) = p.i64("min_healthy_percentage") {
        if !(0..=100).contains(&v) {
            return Err(format!(
                "instance_refresh.preferences.min_healthy_percentage must be between 0 and 100, got {v}"
            ));
        }
        out.min_healthy_percentage = v as u32;
    }
    if let Some(v) = p.i64("max_healthy_percentage") {
        if !(100..=200).contains(&v) {
            return Err(format!(
                "instance_refresh.preferences.max_healthy_percentage must be between 100 and 200, got {v}"
            ));
        }
        out.max_healthy_percentage = v as u32;
    }
    if out.max_healthy_percentage > 100
        && out.max_healthy_percentage - out.min_healthy_percentage > 100
    {
        return Err(
            "instance_refresh.preferences: max_healthy_percentage may exceed min_healthy_percentage by at most 100".into(),
        );
    }
    if let Some(v) = seconds(&p, "instance_warmup")? {
        out.instance_warmup = v;
    }
    if let Some(v) = seconds(&p, "checkpoint_delay")? {
        out.checkpoint_delay = v;
    }
    let checkpoints: Vec<i64> = p
        .get("checkpoint_percentages")
        .and_then(|v| v.elements())
        .map(|l| l.iter().filter_map(|x| x.as_number()?.to_i64()).collect())
        .unwrap_or_default();
    if checkpoints.windows(2).any(|w| w[0] >= w[1])
        || checkpoints.iter().any(|c| !(1..=100).contains(c))
    {
        return Err(format!(
            "instance_refresh.preferences.checkpoint_percentages must be ascending, unique and between 1 and 100, got {checkpoints:?}"
        ));
    }
    out.checkpoint_percentages = checkpoints.into_iter().map(|c| c as u32).collect();
    out.skip_matching = p.bool("skip_matching").unwrap_or(false);
    out.auto_rollback = p.bool("auto_rollback").unwrap_or(false);
    out.protected_instances = special(&p, "scale_in_protected_instances", "Refresh")?;
    out.standby_instances = special(&p, "standby_instances", "Terminate")?;
    Ok(out)
}

impl AutoscalingGroup {
    async fn images(&self, ids: Vec<String>) -> ProviderResult<HashMap<String, String>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let reservations = self
            .aws
            .ec2
            .describe_instances()
            .set_instance_ids(Some(ids))
            .into_paginator()
            .items()
            .send()
            .all("ec2:DescribeInstances")
            .await?;
        Ok(reservations
            .iter()
            .flat_map(|r| r.instances())
            .filter_map(|i| Some((i.instance_id()?.to_string(), i.image_id()?.to_string())))
            .collect())
    }

    /// Instances some target group or classic load balancer of the group does not report
    /// healthy (`InService`).
    async fn unhealthy_in_balancers(
        &self,
        target_groups: &[String],
        balancers: &[String],
        ids: &[String],
    ) -> ProviderResult<Vec<String>> {
        let mut bad = Vec::new();
        for tg in target_groups {
            let health = self
                .aws
                .elbv2
                .describe_target_health()
                .target_group_arn(tg)
                .send()
                .await
                .map_err(err("elasticloadbalancing:DescribeTargetHealth"))?;
            let healthy: Vec<&str> = health
                .target_health_descriptions()
                .iter()
                .filter(|d| {
                    d.target_health()
                        .and_then(|h| h.state())
                        .is_some_and(|s| s.as_str() == "healthy")
                })
                .filter_map(|d| d.target().and_then(|t| t.id()))
                .collect();
            bad.extend(
                ids.iter()
                    .filter(|i| !healthy.contains(&i.as_str()))
                    .cloned(),
            );
        }
        for lb in balancers {
            let health = self
                .aws
                .elb
                .describe_instance_health()
                .load_balancer_name(lb)
                .send()
                .await
                .map_err(err("elasticloadbalancing:DescribeInstanceHealth"))?;
            let healthy: Vec<&str> = health
                .instance_states()
                .iter()
                .filter(|s| s.state() == Some("InService"))
                .filter_map(|s| s.instance_id())
                .collect::<Vec<&str>>();
            bad.extend(
                ids.iter()
                    .filter(|i| !healthy.contains(&i.as_str()))
                    .cloned(),
            );
        }
        Ok(bad)
    }
}

impl AutoscalingGroup {
    /// Waits, for up to `wait_for_capacity_timeout`, until `wanted` instances are healthy in
    /// every load balancer and target group of the group (`min_elb_capacity` at create,
    /// `wait_for_elb_capacity` at create and update).
    pub(super) async fn wait_for_elb_capacity(
        &self,
        name: &str,
        o: &Obj,
        wanted: Option<i64>,
    ) -> ProviderResult<()> {
        let Some(wanted) = wanted.filter(|w| *w > 0) else {
            return Ok(());
        };
        let timeout = capacity_timeout(o)?;
        if timeout.is_zero() {
            return Ok(());
        }
        wait_for(
            &format!("{wanted} instances of {name} in service in its load balancers"),
            timeout,
            || async {
                let snap = self.snapshot(name, true, false).await?;
                let serving = snap.members.iter().filter(|m| m.serving()).count() as i64;
                Ok((serving >= wanted).then_some(()))
            },
        )
        .await
    }
}

impl Fleet for AutoscalingGroup {
    fn rollout(&self, prior: &Value, planned: &Value) -> Result<Option<RolloutRequest>, String> {
        let (before, after) = (Obj::of(prior), Obj::of(planned));
        let Some(refresh) = after.block("instance_refresh") else {
            return Ok(None);
        };
        match refresh.str("strategy").as_deref() {
            Some("Rolling") | None => {}
            Some(other) => {
                return Err(format!(
                    "instance_refresh.strategy: the only strategy is \"Rolling\", got {other:?}"
                ));
            }
        }
        let grace = after.i64("health_check_grace_period").unwrap_or(300).max(0) as u64;
        let preferences = preferences(&refresh, grace)?;
        let (Some(from), Some(to)) = (launch_spec(&before), launch_spec(&after)) else {
            return Ok(None);
        };
        if preferences.auto_rollback {
            if !matches!(to, LaunchSpec::Template { .. }) {
                return Err(
                    "instance_refresh.preferences.auto_rollback needs a launch_template: a launch configuration cannot be rolled back to".into(),
                );
            }
            // AWS refuses it too: a rollback must name the version it goes back to (one known
            // only after apply is a number).
            let unnamed = |o: &Obj| {
                let version = o
                    .block("launch_template")
                    .and_then(|lt| lt.0.get("version").cloned());
                match version {
                    Some(v) if !v.is_wholly_known() => false,
                    Some(v) => matches!(v.as_str(), None | Some("$Latest" | "$Default")),
                    None => true,
                }
            };
            if unnamed(&before) || unnamed(&after) {
                return Err(
                    "instance_refresh.preferences.auto_rollback needs launch_template.version to name a version (aws_launch_template.x.latest_version), not $Latest or $Default".into(),
                );
            }
        }
        let triggered = ALWAYS_TRIGGERS.iter().any(|k| differs(&before, &after, k))
            || refresh
                .strs("triggers")
                .iter()
                .any(|k| differs(&before, &after, k));
        // As in Terraform: a group that always launches the latest version is not refreshed.
        if !triggered || version_of(&to) == Some("$Latest") {
            return Ok(None);
        }
        let instances = before.i64("desired_capacity").unwrap_or(0);
        if instances == 0 {
            return Ok(None);
        }
        Ok(Some(RolloutRequest {
            group: before.id().map_err(|e| e.to_string())?,
            from,
            to,
            preferences,
            balancer_health: after.str("health_check_type").as_deref() == Some("ELB"),
            instances,
        }))
    }

    fn snapshot(
        &self,
        group: &str,
        balancers: bool,
        images: bool,
    ) -> BoxFuture<ProviderResult<Snapshot>> {
        let this = self.clone();
        let group = group.to_string();
        Box::pin(async move {
            let g = this.described(&group).await?;
            let ids: Vec<String> = g
                .instances()
                .iter()
                .filter_map(|i| i.instance_id().map(str::to_string))
                .collect();
            let images = match images {
                true => this.images(ids.clone()).await?,
                false => HashMap::new(),
            };
            let unhealthy = if balancers {
                this.unhealthy_in_balancers(g.target_group_arns(), g.load_balancer_names(), &ids)
                    .await?
            } else {
                Vec::new()
            };
            let members = g
                .instances()
                .iter()
                .map(|i| {
                    let id = i.instance_id().unwrap_or_default().to_string();
                    let health = i.health_status().unwrap_or_default();
                    let launch = reported(i.launch_template(), i.launch_configuration_name());
                    Member {
                        lifecycle: i
                            .lifecycle_state()
                            .map(|l| l.as_str().to_string())
                            .unwrap_or_default(),
                        healthy: health.eq_ignore_ascii_case("healthy"),
                        unhealthy: health.eq_ignore_ascii_case("unhealthy"),
                        balancers_healthy: !unhealthy.contains(&id),
                        protected: i.protected_from_scale_in().unwrap_or(false),
                        launch,
                        image: images.get(&id).cloned(),
                        id,
                    }
                })
                .collect();
            let launching = reported(g.launch_template(), g.launch_configuration_name());
            Ok(Snapshot {
                desired: g.desired_capacity().unwrap_or(0).into(),
                max_size: g.max_size().unwrap_or(0).into(),
                launching,
                members,
            })
        })
    }

    fn image_of(&self, spec: LaunchSpec) -> BoxFuture<ProviderResult<Option<String>>> {
        let aws = self.aws.clone();
        Box::pin(async move {
            match spec {
                LaunchSpec::Template { id, name, version } => {
                    let out = aws
                        .ec2
                        .describe_launch_template_versions()
                        .set_launch_template_id(id)
                        .set_launch_template_name(name)
                        .versions(version.unwrap_or_else(|| "$Default".into()))
                        .send()
                        .await
                        .map_err(err("ec2:DescribeLaunchTemplateVersions"))?;
                    Ok(out
                        .launch_template_versions()
                        .first()
                        .and_then(|v| v.launch_template_data())
                        .and_then(|d| d.image_id())
                        .map(str::to_string))
                }
                LaunchSpec::Configuration { name } => {
                    let out = aws
                        .autoscaling
                        .describe_launch_configurations()
                        .launch_configuration_names(name)
                        .send()
                        .await
                        .map_err(err("autoscaling:DescribeLaunchConfigurations"))?;
                    Ok(out
                        .launch_configurations()
                        .first()
                        .and_then(|c| c.image_id())
                        .map(str::to_string))
                }
            }
        })
    }

    fn set_launch(&self, group: &str, spec: LaunchSpec) -> BoxFuture<ProviderResult<()>> {
        let aws = self.aws.clone();
        let group = group.to_string();
        Box::pin(async move {
            let mut req = aws
                .autoscaling
                .update_auto_scaling_group()
                .auto_scaling_group_name(group);
            req = match spec {
                LaunchSpec::Template { id, name, version } => req.launch_template(
                    LaunchTemplateSpecification::builder()
                        .set_launch_template_id(id)
                        .set_launch_template_name(name)
                        .set_version(version)
                        .build(),
                ),
                LaunchSpec::Configuration { name } => req.launch_configuration_name(name),
            };
            req.send()
                .await
                .map_err(err("autoscaling:UpdateAutoScalingGroup"))?;
            Ok(())
        })
    }

    fn set_desired(&self, group: &str, desired: i64) -> BoxFuture<ProviderResult<()>> {
        let aws = self.aws.clone();
        let group = group.to_string();
        Box::pin(async move {
            aws.autoscaling
                .set_desired_capacity()
                .auto_scaling_group_name(group)
                .desired_capacity(desired as i32)
                .honor_cooldown(false)
                .send()
                .await
                .map_err(err("autoscaling:SetDesiredCapacity"))?;
            Ok(())
        })
    }

    fn terminate(
        &self,
        group: &str,
        instance: &str,
        decrement: bool,
    ) -> BoxFuture<ProviderResult<()>> {
        let _ = group;
        let aws = self.aws.clone();
        let instance = instance.to_string();
        Box::pin(async move {
            aws.autoscaling
                .terminate_instance_in_auto_scaling_group()
                .instance_id(instance)
                .should_decrement_desired_capacity(decrement)
                .send()
                .await
                .map_err(err("autoscaling:TerminateInstanceInAutoScalingGroup"))?;
            Ok(())
        })
    }
}
