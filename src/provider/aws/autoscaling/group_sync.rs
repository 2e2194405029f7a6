//! The parts of an `aws_autoscaling_group` that have calls of their own rather than arguments
//! of Create/UpdateAutoScalingGroup: attached target groups, load balancers and traffic
//! sources, suspended processes, collected metrics, the warm pool. Each goes from `before`
//! (nothing, for a new group) to `after`.

use super::group::differs;
use super::group_tags::sync_tags;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::ProviderResult;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, added_removed, blocks, opt_b, opt_n, opt_s};
use crate::provider::aws::sdk::err;
use crate::provider::schema::block_object;
use aws_sdk_autoscaling::types::{
    AutoScalingGroup, InstanceReusePolicy, TrafficSourceIdentifier, WarmPoolState,
};

/// `traffic_source { identifier, type }`.
pub(super) fn traffic_source_ty() -> Type {
    block_object(&[("identifier", Type::String), ("type", Type::String)])
}

/// The group's traffic sources, when AWS reports any (moto keeps none: the prior stands).
pub(super) fn traffic_sources(g: &AutoScalingGroup) -> Option<Value> {
    let items: Vec<Value> = g
        .traffic_sources()
        .iter()
        .map(|t| {
            let mut x = Obj::default();
            x.set("identifier", opt_s(t.identifier()))
                .set("type", opt_s(t.r#type()));
            Value::object(x.0)
        })
        .collect();
    (!items.is_empty()).then(|| Value::set(traffic_source_ty(), items))
}

fn source_keys(o: &Obj) -> Vec<String> {
    o.blocks("traffic_source")
        .iter()
        .map(|t| {
            format!(
                "{}\n{}",
                t.str("identifier").unwrap_or_default(),
                t.str("type").unwrap_or_default()
            )
        })
        .collect()
}

/// Traffic sources as the API takes them, from `identifier\ntype` keys.
pub(super) fn source_identifiers(keys: Vec<String>) -> Vec<TrafficSourceIdentifier> {
    keys.into_iter()
        .map(|k| {
            let (identifier, kind) = k.split_once('\n').unwrap_or((&k, ""));
            TrafficSourceIdentifier::builder()
                .identifier(identifier)
                .set_type((!kind.is_empty()).then(|| kind.to_string()))
                .build()
        })
        .collect()
}

/// The configured traffic sources, for CreateAutoScalingGroup.
pub(super) fn configured_sources(p: &Obj) -> Option<Vec<TrafficSourceIdentifier>> {
    let keys = source_keys(p);
    (!keys.is_empty()).then(|| source_identifiers(keys))
}

/// Target groups, classic load balancers and traffic sources attached and detached to match
/// `after`; then the tags.
pub(super) async fn attachments(
    aws: &Aws,
    name: &str,
    before: &Obj,
    after: &Obj,
) -> ProviderResult<()> {
    let asg = &aws.autoscaling;
    // One attachment kind: what changed of `$keys`, detached then attached by the named calls.
    macro_rules! swap {
        ($arg:literal, $keys:expr, $detach:ident, $attach:ident, $set:ident, $as_api:expr,
         $calls:literal) => {
            if differs(before, after, $arg) && after.get($arg).is_some() {
                let (add, remove) = added_removed(&$keys(before), &$keys(after));
                if !remove.is_empty() {
                    asg.$detach()
                        .auto_scaling_group_name(name)
                        .$set(Some($as_api(remove)))
                        .send()
                        .await
                        .map_err(err(concat!("autoscaling:Detach", $calls)))?;
                }
                if !add.is_empty() {
                    asg.$attach()
                        .auto_scaling_group_name(name)
                        .$set(Some($as_api(add)))
                        .send()
                        .await
                        .map_err(err(concat!("autoscaling:Attach", $calls)))?;
                }
            }
        };
    }
    let same = |v: Vec<String>| v;
    swap!(
        "target_group_arns",
        |o: &Obj| o.strs("target_group_arns"),
        detach_load_balancer_target_groups,
        attach_load_balancer_target_groups,
        set_target_group_arns,
        same,
        "LoadBalancerTargetGroups"
    );
    swap!(
        "load_balancers",
        |o: &Obj| o.strs("load_balancers"),
        detach_load_balancers,
        attach_load_balancers,
        set_load_balancer_names,
        same,
        "LoadBalancers"
    );
    swap!(
        "traffic_source",
        source_keys,
        detach_traffic_sources,
        attach_traffic_sources,
        set_traffic_sources,
        source_identifiers,
        "TrafficSources"
    );
    sync_tags(aws, name, before, after).await
}

/// Suspended processes and collected metrics.
pub(super) async fn processes_and_metrics(
    aws: &Aws,
    name: &str,
    before: &Obj,
    after: &Obj,
) -> ProviderResult<()> {
    let asg = &aws.autoscaling;
    let (suspend, resume) = added_removed(
        &before.strs("suspended_processes"),
        &after.strs("suspended_processes"),
    );
    if !resume.is_empty() {
        let call = asg.resume_processes().auto_scaling_group_name(name);
        let call = call.set_scaling_processes(Some(resume));
        call.send()
            .await
            .map_err(err("autoscaling:ResumeProcesses"))?;
    }
    if !suspend.is_empty() {
        let call = asg.suspend_processes().auto_scaling_group_name(name);
        let call = call.set_scaling_processes(Some(suspend));
        call.send()
            .await
            .map_err(err("autoscaling:SuspendProcesses"))?;
    }
    let (enable, disable) = added_removed(
        &before.strs("enabled_metrics"),
        &after.strs("enabled_metrics"),
    );
    if !disable.is_empty() {
        let call = asg
            .disable_metrics_collection()
            .auto_scaling_group_name(name);
        let call = call.set_metrics(Some(disable));
        call.send()
            .await
            .map_err(err("autoscaling:DisableMetricsCollection"))?;
    }
    // A new granularity applies to every metric collected: all of them again.
    let granularity = after.str("metrics_granularity").unwrap_or("1Minute".into());
    let regranulated = before
        .str("metrics_granularity")
        .is_some_and(|g| g != granularity);
    let enable = if regranulated {
        after.strs("enabled_metrics")
    } else {
        enable
    };
    if !enable.is_empty() {
        let call = asg
            .enable_metrics_collection()
            .auto_scaling_group_name(name);
        let call = call.granularity(granularity).set_metrics(Some(enable));
        call.send()
            .await
            .map_err(err("autoscaling:EnableMetricsCollection"))?;
    }
    Ok(())
}

fn reuse_ty() -> Type {
    block_object(&[("reuse_on_scale_in", Type::Bool)])
}

/// `warm_pool { pool_state, min_size, max_group_prepared_capacity, instance_reuse_policy }`.
pub(super) fn warm_pool_ty() -> Type {
    block_object(&[
        ("instance_reuse_policy", Type::List(Box::new(reuse_ty()))),
        ("max_group_prepared_capacity", Type::Number),
        ("min_size", Type::Number),
        ("pool_state", Type::String),
    ])
}

/// The warm pool of a described group.
pub(super) fn warm_pool_blocks(g: &AutoScalingGroup) -> Vec<Obj> {
    let Some(w) = g.warm_pool_configuration() else {
        return Vec::new();
    };
    let reuse = w.instance_reuse_policy().map(|r| {
        let mut x = Obj::default();
        x.set("reuse_on_scale_in", opt_b(r.reuse_on_scale_in()));
        blocks(&reuse_ty(), vec![x])
    });
    let mut x = Obj::default();
    x.set(
        "instance_reuse_policy",
        reuse.unwrap_or(Value::Null(Type::List(Box::new(reuse_ty())))),
    )
    .set(
        "max_group_prepared_capacity",
        opt_n(w.max_group_prepared_capacity().map(i64::from)),
    )
    .set("min_size", opt_n(w.min_size().map(i64::from)))
    .set("pool_state", opt_s(w.pool_state().map(|s| s.as_str())));
    vec![x]
}

/// Puts the configured warm pool (PutWarmPool creates and changes it) or deletes the one the
/// configuration no longer has.
pub(super) async fn warm_pool(
    aws: &Aws,
    name: &str,
    before: &Obj,
    after: &Obj,
) -> ProviderResult<()> {
    if !differs(before, after, "warm_pool") {
        return Ok(());
    }
    let asg = &aws.autoscaling;
    match after.block("warm_pool") {
        Some(w) => {
            asg.put_warm_pool()
                .auto_scaling_group_name(name)
                .set_max_group_prepared_capacity(w.i32("max_group_prepared_capacity"))
                .set_min_size(w.i32("min_size"))
                .set_pool_state(w.str("pool_state").map(|s| WarmPoolState::from(s.as_str())))
                .set_instance_reuse_policy(w.block("instance_reuse_policy").map(|r| {
                    InstanceReusePolicy::builder()
                        .set_reuse_on_scale_in(r.bool("reuse_on_scale_in"))
                        .build()
                }))
                .send()
                .await
                .map_err(err("autoscaling:PutWarmPool"))?;
        }
        None if before.block("warm_pool").is_some() => {
            asg.delete_warm_pool()
                .auto_scaling_group_name(name)
                .force_delete(
                    after.bool("force_delete") == Some(true)
                        || after.bool("force_delete_warm_pool") == Some(true),
                )
                .send()
                .await
                .map_err(err("autoscaling:DeleteWarmPool"))?;
        }
        None => {}
    }
    Ok(())
}
