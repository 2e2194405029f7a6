//! The attributes of `aws_autoscaling_group`: one table, and how each reads from a described
//! group (create and update are in `group.rs`).

use super::group::launch_template_ty;
use super::group_mixed as mixed;
use super::group_sync;
use super::group_tags::{legacy_tags, legacy_tags_ty, tag_ty};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::AttrSchema;
use crate::provider::aws::attrs::{Obj, b, list_s, map_s, n, opt_n, opt_s, s, set_s};
use crate::provider::aws::launch::*;
use crate::provider::aws::naming::read_name_prefix;
use crate::provider::aws::table::Table;
use crate::provider::aws::tags;
use crate::provider::schema::{block_list, block_object};
use aws_sdk_autoscaling::types::AutoScalingGroup;

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

/// The keys the configuration gives in the legacy `tags` list: read back there, not as `tag`.
fn legacy_keys(prior: Option<&Obj>) -> Vec<String> {
    prior
        .map(|p| legacy_tags(p).into_iter().map(|(k, _, _)| k).collect())
        .unwrap_or_default()
}

/// The legacy `tags` list: the group's tags whose keys the configuration lists there.
fn legacy_set(g: &AutoScalingGroup, prior: Option<&Obj>) -> Value {
    let keys = legacy_keys(prior);
    let maps: Vec<Value> = g
        .tags()
        .iter()
        .filter(|t| t.key().is_some_and(|k| keys.iter().any(|x| x == k)))
        .map(|t| {
            let mut m = std::collections::BTreeMap::new();
            m.insert("key".to_string(), t.key().unwrap_or_default().to_string());
            m.insert(
                "value".to_string(),
                t.value().unwrap_or_default().to_string(),
            );
            let propagate = t.propagate_at_launch().unwrap_or(false);
            m.insert("propagate_at_launch".to_string(), propagate.to_string());
            map_s(&m)
        })
        .collect();
    if maps.is_empty() {
        Value::Null(legacy_tags_ty())
    } else {
        Value::set(Type::Map(Box::new(Type::String)), maps)
    }
}

/// The group's own `tag` blocks (not infra's bookkeeping tags, nor those the configuration
/// gives in the legacy `tags` list); null when there are none.
fn tag_set(g: &AutoScalingGroup, prior: Option<&Obj>) -> Value {
    let legacy = legacy_keys(prior);
    let own: Vec<Value> = g
        .tags()
        .iter()
        .filter(|t| !t.key().is_some_and(tags::is_internal))
        .filter(|t| !t.key().is_some_and(|k| legacy.iter().any(|x| x == k)))
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

/// `instance_maintenance_policy { min_healthy_percentage, max_healthy_percentage }`.
fn maintenance_ty() -> Type {
    block_object(&[
        ("min_healthy_percentage", Type::Number),
        ("max_healthy_percentage", Type::Number),
    ])
}

/// `initial_lifecycle_hook { name, lifecycle_transition, ... }`.
pub(crate) fn initial_hook_ty() -> Type {
    block_object(&[
        ("default_result", Type::String),
        ("heartbeat_timeout", Type::Number),
        ("lifecycle_transition", Type::String),
        ("name", Type::String),
        ("notification_metadata", Type::String),
        ("notification_target_arn", Type::String),
        ("role_arn", Type::String),
    ])
}

/// `instance_refresh { strategy, preferences { ... }, triggers }`, Terraform's block.
pub(crate) fn instance_refresh_ty() -> Type {
    let numbers = Type::List(Box::new(Type::Number));
    let alarms = block_list(&[("alarms", Type::List(Box::new(Type::String)))]);
    let preferences = block_list(&[
        ("checkpoint_delay", Type::String),
        ("checkpoint_percentages", numbers),
        ("instance_warmup", Type::String),
        ("min_healthy_percentage", Type::Number),
        ("max_healthy_percentage", Type::Number),
        ("skip_matching", Type::Bool),
        ("auto_rollback", Type::Bool),
        ("alarm_specification", alarms),
        ("scale_in_protected_instances", Type::String),
        ("standby_instances", Type::String),
    ]);
    block_object(&[
        ("strategy", Type::String),
        ("preferences", preferences),
        ("triggers", Type::Set(Box::new(Type::String))),
    ])
}

fn number(v: Option<i32>) -> Value {
    opt_n(v.map(i64::from))
}

/// Every attribute of `aws_autoscaling_group`, and how it reads from a described group.
pub(crate) fn table() -> Table<AutoScalingGroup> {
    use AttrSchema as A;
    // The option blocks sent whole (group_options.rs) first; then the rest.
    super::group_options::rows(Table::<AutoScalingGroup>::new())
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
            "mixed_instances_policy",
            A::optional(Type::List(Box::new(mixed::policy_ty())))
                .conflicts_with(&["launch_configuration", "launch_template"]),
            |g, prior| {
                Some(read_blocks(
                    prior,
                    "mixed_instances_policy",
                    &mixed::policy_ty(),
                    mixed::read(g),
                ))
            },
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
        .attr_with_prior("tag", A::optional(Type::Set(Box::new(tag_ty()))), |g, p| {
            Some(tag_set(g, p))
        })
        .attr_with_prior("tags", A::optional(legacy_tags_ty()), |g, p| {
            Some(legacy_set(g, p))
        })
        .attr_with_prior(
            "termination_policies",
            A::optional(Type::List(Box::new(Type::String))),
            |g, prior| {
                // AWS reports `["Default"]` for a group created without policies: null, unless
                // the configuration says `["Default"]` itself.
                let policies = g.termination_policies();
                let configured = prior.map(|p| p.strs("termination_policies"));
                let only_default = policies.iter().all(|p| p == "Default");
                Some(if only_default && configured.as_deref() != Some(policies) {
                    Value::Null(Type::List(Box::new(Type::String)))
                } else {
                    list_s(policies)
                })
            },
        )
        .attr(
            "protect_from_scale_in",
            A::optional(Type::Bool).default(b(false)),
            |g| b(g.new_instances_protected_from_scale_in().unwrap_or(false)),
        )
        // Sent at create and update; read back where AWS answers them (moto keeps neither
        // these two nor the service-linked role).
        .attr_if_answered(
            "max_instance_lifetime",
            A::optional_computed(Type::Number),
            |g| g.max_instance_lifetime().map(|v| n(v.into())),
        )
        .attr(
            "capacity_rebalance",
            A::optional_computed(Type::Bool),
            |g| b(g.capacity_rebalance().unwrap_or(false)),
        )
        .attr_if_answered("default_instance_warmup", A::optional(Type::Number), |g| {
            g.default_instance_warmup().map(|v| n(v.into()))
        })
        .attr_if_answered(
            "service_linked_role_arn",
            A::optional_computed(Type::String),
            |g| g.service_linked_role_arn().map(s),
        )
        .attr("placement_group", A::optional(Type::String), |g| {
            opt_s(g.placement_group())
        })
        .attr("suspended_processes", A::optional(string_set()), |g| {
            let processes = g.suspended_processes().iter();
            opt_set(
                processes
                    .filter_map(|p| p.process_name())
                    .map(str::to_string)
                    .collect(),
            )
        })
        .attr("enabled_metrics", A::optional(string_set()), |g| {
            let metrics = g.enabled_metrics().iter();
            opt_set(
                metrics
                    .filter_map(|m| m.metric())
                    .map(str::to_string)
                    .collect(),
            )
        })
        .attr(
            "metrics_granularity",
            A::optional(Type::String).default(s("1Minute")),
            |g| {
                let first = g.enabled_metrics().first();
                s(first.and_then(|m| m.granularity()).unwrap_or("1Minute"))
            },
        )
        // What only the configuration knows; an import takes Terraform's defaults.
        .declared(
            "wait_for_capacity_timeout",
            A::optional(Type::String).default(s("10m")),
        )
        .declared("force_delete", A::optional(Type::Bool).default(b(false)))
        // Deletes the warm pool without waiting for its instances (as `force_delete` does).
        .declared(
            "force_delete_warm_pool",
            A::optional(Type::Bool).default(b(false)),
        )
        .declared(
            "ignore_failed_scaling_activities",
            A::optional(Type::Bool).default(b(false)),
        )
        .declared("min_elb_capacity", A::optional(Type::Number))
        .declared("wait_for_elb_capacity", A::optional(Type::Number))
        // moto keeps no maintenance policy: the prior stands where AWS answers none.
        .attr_with_prior(
            "instance_maintenance_policy",
            A::optional(Type::List(Box::new(maintenance_ty()))),
            |g, prior| {
                let p = g.instance_maintenance_policy()?;
                let mut x = Obj::default();
                x.set("min_healthy_percentage", number(p.min_healthy_percentage()))
                    .set("max_healthy_percentage", number(p.max_healthy_percentage()));
                Some(read_blocks(
                    prior,
                    "instance_maintenance_policy",
                    &maintenance_ty(),
                    vec![x],
                ))
            },
        )
        // Sent at create only, as in Terraform (aws_autoscaling_lifecycle_hook manages hooks
        // after that); what only the configuration knows.
        .declared(
            "initial_lifecycle_hook",
            A::optional(Type::Set(Box::new(initial_hook_ty()))),
        )
        // How a change of what the group launches from rolls onto its instances (infra's
        // rollout, `rollout/`); AWS keeps no trace of it between refreshes.
        .declared(
            "instance_refresh",
            A::optional(Type::List(Box::new(instance_refresh_ty()))),
        )
        .attr_with_prior(
            "warm_pool",
            A::optional(Type::List(Box::new(group_sync::warm_pool_ty()))),
            |g, prior| {
                Some(read_blocks(
                    prior,
                    "warm_pool",
                    &group_sync::warm_pool_ty(),
                    group_sync::warm_pool_blocks(g),
                ))
            },
        )
        .attr("warm_pool_size", A::computed(Type::Number), |g| {
            number(g.warm_pool_size())
        })
        .attr("predicted_capacity", A::computed(Type::Number), |g| {
            number(g.predicted_capacity())
        })
        // Sent at create and update; moto keeps none of these three, so they are read back
        // only where AWS answers them.
        .attr_if_answered(
            "traffic_source",
            A::optional_computed(Type::Set(Box::new(group_sync::traffic_source_ty()))),
            group_sync::traffic_sources,
        )
        .attr_if_answered(
            "desired_capacity_type",
            A::optional_computed(Type::String),
            |g| g.desired_capacity_type().map(s),
        )
        .attr_if_answered("context", A::optional(Type::String), |g| g.context().map(s))
        .attr(
            "default_cooldown",
            A::optional_computed(Type::Number),
            |g| number(g.default_cooldown()),
        )
}
