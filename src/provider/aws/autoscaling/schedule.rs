//! `aws_autoscaling_schedule`: a scheduled change of a group's sizes, once or on a cron
//! recurrence. PutScheduledUpdateGroupAction both creates and updates it; its id is its name,
//! an import names the group too (`group/action`).

use super::group_child::GroupChild;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, opt_n, opt_s};
use crate::provider::aws::sdk::err;
use crate::provider::aws::table::Table;
use crate::provider::{AttrSchema, ProviderError, ProviderResult};
use aws_sdk_autoscaling::types::ScheduledUpdateGroupAction as Action;
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;

/// A time as RFC 3339, kept as configured while it is the same instant.
fn time(prior: Option<&Obj>, name: &str, t: Option<&DateTime>) -> Option<Value> {
    let actual = t.and_then(|t| t.fmt(Format::DateTime).ok());
    let configured = prior.and_then(|p| p.str(name));
    let same = match (&configured, t) {
        (Some(c), Some(t)) => DateTime::from_str(c, Format::DateTime).is_ok_and(|c| &c == t),
        _ => false,
    };
    Some(opt_s(if same { configured } else { actual }))
}

fn parse_time(o: &Obj, name: &str) -> ProviderResult<Option<DateTime>> {
    o.str(name)
        .map(|t| {
            DateTime::from_str(&t, Format::DateTime).map_err(|_| {
                ProviderError::new(
                    "plan",
                    format!("{name}: {t:?} is not an RFC 3339 time such as 2026-12-24T09:00:00Z"),
                )
            })
        })
        .transpose()
}

/// Every attribute of `aws_autoscaling_schedule`, and how it reads from a described action.
fn table() -> Table<Action> {
    use AttrSchema as A;
    Table::<Action>::new()
        .attr("id", A::computed(Type::String), |a| {
            opt_s(a.scheduled_action_name())
        })
        .attr("arn", A::computed(Type::String), |a| {
            opt_s(a.scheduled_action_arn())
        })
        .attr(
            "scheduled_action_name",
            A::required(Type::String).force_new(),
            |a| opt_s(a.scheduled_action_name()),
        )
        .attr(
            "autoscaling_group_name",
            A::required(Type::String).force_new(),
            |a| opt_s(a.auto_scaling_group_name()),
        )
        .attr("min_size", A::optional_computed(Type::Number), |a| {
            opt_n(a.min_size().map(i64::from))
        })
        .attr("max_size", A::optional_computed(Type::Number), |a| {
            opt_n(a.max_size().map(i64::from))
        })
        .attr(
            "desired_capacity",
            A::optional_computed(Type::Number),
            |a| opt_n(a.desired_capacity().map(i64::from)),
        )
        .attr_with_prior("start_time", A::optional_computed(Type::String), |a, p| {
            time(p, "start_time", a.start_time())
        })
        .attr_with_prior("end_time", A::optional_computed(Type::String), |a, p| {
            time(p, "end_time", a.end_time())
        })
        .attr("recurrence", A::optional_computed(Type::String), |a| {
            opt_s(a.recurrence())
        })
        .attr_if_answered("time_zone", A::optional_computed(Type::String), |a| {
            a.time_zone().map(crate::provider::aws::attrs::s)
        })
}

crate::provider::aws::table::table_type!(Schedule, Action);

impl GroupChild for Schedule {
    type Item = Action;
    const WHAT: &'static str = "scheduled action";
    const NAME: &'static str = "scheduled_action_name";

    super::group_child::found_by_name!(Action, describe_scheduled_actions(scheduled_action_names, "autoscaling:DescribeScheduledActions") answer scheduled_update_group_actions, named scheduled_action_name);

    async fn put_call(&self, p: Obj) -> ProviderResult<()> {
        self.aws
            .autoscaling
            .put_scheduled_update_group_action()
            .auto_scaling_group_name(p.req("autoscaling_group_name")?)
            .scheduled_action_name(p.req("scheduled_action_name")?)
            .set_min_size(p.i32("min_size"))
            .set_max_size(p.i32("max_size"))
            .set_desired_capacity(p.i32("desired_capacity"))
            .set_start_time(parse_time(&p, "start_time")?)
            .set_end_time(parse_time(&p, "end_time")?)
            .set_recurrence(p.str("recurrence"))
            .set_time_zone(p.str("time_zone"))
            .send()
            .await
            .map_err(err("autoscaling:PutScheduledUpdateGroupAction"))?;
        Ok(())
    }

    async fn delete_call(&self, group: String, name: String) -> ProviderResult<()> {
        self.aws
            .autoscaling
            .delete_scheduled_action()
            .auto_scaling_group_name(group)
            .scheduled_action_name(name)
            .send()
            .await
            .map_err(err("autoscaling:DeleteScheduledAction"))?;
        Ok(())
    }
}
