//! An alarm's evaluation beyond thresholds on metrics: `evaluation_criteria` (a PromQL query
//! whose result vector's entries are the alarm's contributors, with how long one must breach,
//! or stop breaching, to change state), `evaluation_interval` (how often it is evaluated), and
//! `warm_up_configuration` (how long a new alarm waits before it evaluates).

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, blocks_or_null, opt_b, opt_n, opt_s};
use crate::provider::schema::block_object;
use aws_sdk_cloudwatch::operation::put_metric_alarm::builders::PutMetricAlarmFluentBuilder;
use aws_sdk_cloudwatch::types::{
    AlarmPromQlCriteria, EvaluationCriteria, MetricAlarm, WarmUpConfiguration,
};

fn promql_ty() -> Type {
    block_object(&[
        ("query", Type::String),
        ("pending_period", Type::Number),
        ("recovery_period", Type::Number),
    ])
}

pub(super) fn criteria_ty() -> Type {
    block_object(&[("promql_criteria", Type::List(Box::new(promql_ty())))])
}

pub(super) fn warm_up_ty() -> Type {
    block_object(&[
        ("warm_up_period_duration_in_minutes", Type::Number),
        (
            "only_start_evaluating_after_warm_up_period_ends",
            Type::Bool,
        ),
    ])
}

fn int(v: Option<i32>) -> Value {
    opt_n(v.map(i64::from))
}

/// `evaluation_criteria` of a described alarm: null where it has none.
pub(super) fn criteria(a: &MetricAlarm) -> Value {
    let promql = a
        .evaluation_criteria()
        .and_then(|c| c.as_prom_ql_criteria().ok());
    let items = promql
        .map(|q| {
            let mut x = Obj::default();
            x.set("query", opt_s(q.query()))
                .set("pending_period", int(q.pending_period()))
                .set("recovery_period", int(q.recovery_period()));
            let mut c = Obj::default();
            c.set("promql_criteria", blocks_or_null(&promql_ty(), vec![x]));
            c
        })
        .into_iter()
        .collect();
    blocks_or_null(&criteria_ty(), items)
}

/// `warm_up_configuration` of a described alarm: null where it has none.
pub(super) fn warm_up(a: &MetricAlarm) -> Value {
    let items = a
        .warm_up_configuration()
        .map(|w| {
            let mut x = Obj::default();
            x.set(
                "warm_up_period_duration_in_minutes",
                int(w.warm_up_period_duration_in_minutes()),
            )
            .set(
                "only_start_evaluating_after_warm_up_period_ends",
                opt_b(w.only_start_evaluating_after_warm_up_period_ends()),
            );
            x
        })
        .into_iter()
        .collect();
    blocks_or_null(&warm_up_ty(), items)
}

/// Sets the evaluation arguments on a PutMetricAlarm request.
pub(super) fn set(req: PutMetricAlarmFluentBuilder, p: &Obj) -> PutMetricAlarmFluentBuilder {
    let promql = p
        .block("evaluation_criteria")
        .and_then(|c| c.block("promql_criteria"));
    req.set_evaluation_criteria(promql.map(|q| {
        EvaluationCriteria::PromQlCriteria(
            AlarmPromQlCriteria::builder()
                .set_query(q.str("query"))
                .set_pending_period(q.i32("pending_period"))
                .set_recovery_period(q.i32("recovery_period"))
                .build(),
        )
    }))
    .set_evaluation_interval(p.i32("evaluation_interval"))
    .set_warm_up_configuration(p.block("warm_up_configuration").map(|w| {
        WarmUpConfiguration::builder()
            .set_warm_up_period_duration_in_minutes(w.i32("warm_up_period_duration_in_minutes"))
            .set_only_start_evaluating_after_warm_up_period_ends(
                w.bool("only_start_evaluating_after_warm_up_period_ends"),
            )
            .build()
    }))
}

/// What a PromQL alarm takes and a metric alarm needs: the criteria come with an interval and
/// instead of a metric; a metric alarm has its comparison and periods.
pub(super) fn validate(p: &Obj) -> Result<(), String> {
    let promql = p.get("evaluation_criteria").is_some();
    if promql {
        if p.get("evaluation_interval").is_none() {
            return Err("evaluation_criteria needs evaluation_interval".into());
        }
        if p.get("metric_name").is_some() || !p.blocks("metric_query").is_empty() {
            return Err(
                "evaluation_criteria conflicts with metric_name and metric_query: a PromQL \
                 alarm evaluates its query"
                    .into(),
            );
        }
        return Ok(());
    }
    for k in ["comparison_operator", "evaluation_periods"] {
        if p.0.get(k).is_none_or(|v| v.is_known() && v.is_null()) {
            return Err(format!("{k} is required for an alarm on metrics"));
        }
    }
    Ok(())
}
