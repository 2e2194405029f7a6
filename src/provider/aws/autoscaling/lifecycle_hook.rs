//! `aws_autoscaling_lifecycle_hook`: a pause a group's launches or terminations wait in until
//! something completes the action or the heartbeat times out. PutLifecycleHook both creates and
//! updates it; its id is its name, an import names the group too (`group/hook`).

use super::group_child::GroupChild;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, opt_n, opt_s};
use crate::provider::aws::sdk::err;
use crate::provider::aws::table::Table;
use crate::provider::{AttrSchema, ProviderResult};
use aws_sdk_autoscaling::types::LifecycleHook as Hook;

/// An optional argument AWS answers only when it was set: kept null when the configuration
/// leaves it null (moto answers made-up ARNs for hooks that have none).
fn when_configured(prior: Option<&Obj>, name: &str, answered: Option<&str>) -> Option<Value> {
    let unset = prior.is_some_and(|p| p.get(name).is_none());
    Some(if unset {
        Value::Null(Type::String)
    } else {
        opt_s(answered)
    })
}

/// Every attribute of `aws_autoscaling_lifecycle_hook`, and how it reads from a described hook.
fn table() -> Table<Hook> {
    use AttrSchema as A;
    Table::<Hook>::new()
        .attr("id", A::computed(Type::String), |h| {
            opt_s(h.lifecycle_hook_name())
        })
        .attr("name", A::required(Type::String).force_new(), |h| {
            opt_s(h.lifecycle_hook_name())
        })
        .attr(
            "autoscaling_group_name",
            A::required(Type::String).force_new(),
            |h| opt_s(h.auto_scaling_group_name()),
        )
        .attr("lifecycle_transition", A::required(Type::String), |h| {
            opt_s(h.lifecycle_transition())
        })
        .attr(
            "heartbeat_timeout",
            A::optional_computed(Type::Number),
            |h| opt_n(h.heartbeat_timeout().map(i64::from)),
        )
        .attr("default_result", A::optional_computed(Type::String), |h| {
            opt_s(h.default_result())
        })
        .attr_with_prior(
            "notification_metadata",
            A::optional(Type::String),
            |h, p| when_configured(p, "notification_metadata", h.notification_metadata()),
        )
        .attr_with_prior(
            "notification_target_arn",
            A::optional(Type::String),
            |h, p| when_configured(p, "notification_target_arn", h.notification_target_arn()),
        )
        .attr_with_prior("role_arn", A::optional(Type::String), |h, p| {
            when_configured(p, "role_arn", h.role_arn())
        })
}

crate::provider::aws::table::table_type!(LifecycleHook, Hook);

impl GroupChild for LifecycleHook {
    type Item = Hook;
    const WHAT: &'static str = "lifecycle hook";
    const NAME: &'static str = "name";

    super::group_child::found_by_name!(Hook, describe_lifecycle_hooks(lifecycle_hook_names, "autoscaling:DescribeLifecycleHooks") answer lifecycle_hooks, named lifecycle_hook_name);

    async fn put_call(&self, p: Obj) -> ProviderResult<()> {
        self.aws
            .autoscaling
            .put_lifecycle_hook()
            .auto_scaling_group_name(p.req("autoscaling_group_name")?)
            .lifecycle_hook_name(p.req("name")?)
            .set_lifecycle_transition(p.str("lifecycle_transition"))
            .set_heartbeat_timeout(p.i32("heartbeat_timeout"))
            .set_default_result(p.str("default_result"))
            .set_notification_metadata(p.str("notification_metadata"))
            .set_notification_target_arn(p.str("notification_target_arn"))
            .set_role_arn(p.str("role_arn"))
            .send()
            .await
            .map_err(err("autoscaling:PutLifecycleHook"))?;
        Ok(())
    }

    async fn delete_call(&self, group: String, name: String) -> ProviderResult<()> {
        self.aws
            .autoscaling
            .delete_lifecycle_hook()
            .auto_scaling_group_name(group)
            .lifecycle_hook_name(name)
            .send()
            .await
            .map_err(err("autoscaling:DeleteLifecycleHook"))?;
        Ok(())
    }
}
