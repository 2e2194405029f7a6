//! `aws_autoscaling_policy`: how a group scales: simple and step policies (driven by alarms)
//! and target tracking (a metric held at a value). PutScalingPolicy both creates and updates
//! it; its id is its name, an import names the group too (`group/policy`). Predictive scaling
//! is in `predictive.rs`, the metric math both use in `metric_query.rs`.

use super::group_child::GroupChild;
use super::metric_query::{
    Query, dimension_blocks, dimension_ty, dimensions_of, query_blocks, query_ty,
};
use super::predictive;
use crate::lang::number::Number;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, b, opt_n, opt_s, s};
use crate::provider::aws::launch::{read_blocks, read_keyed_set};
use crate::provider::aws::sdk::err;
use crate::provider::aws::table::Table;
use crate::provider::schema::block_object;
use crate::provider::{AttrSchema, ProviderResult};
use aws_sdk_autoscaling::types::{
    CustomizedMetricSpecification, MetricStatistic, MetricType, PredefinedMetricSpecification,
    ScalingPolicy, StepAdjustment, TargetTrackingConfiguration,
};

fn step_ty() -> Type {
    block_object(&[
        ("metric_interval_lower_bound", Type::String),
        ("metric_interval_upper_bound", Type::String),
        ("scaling_adjustment", Type::Number),
    ])
}

fn predefined_ty() -> Type {
    block_object(&[
        ("predefined_metric_type", Type::String),
        ("resource_label", Type::String),
    ])
}

fn customized_ty() -> Type {
    block_object(&[
        ("metric_dimension", Type::List(Box::new(dimension_ty()))),
        ("metric_name", Type::String),
        ("metrics", Type::List(Box::new(query_ty(true)))),
        ("namespace", Type::String),
        ("statistic", Type::String),
        ("unit", Type::String),
        ("period", Type::Number),
    ])
}

fn target_tracking_ty() -> Type {
    block_object(&[
        (
            "customized_metric_specification",
            Type::List(Box::new(customized_ty())),
        ),
        ("disable_scale_in", Type::Bool),
        (
            "predefined_metric_specification",
            Type::List(Box::new(predefined_ty())),
        ),
        ("target_value", Type::Number),
    ])
}

fn f(v: Option<f64>) -> Value {
    v.map_or(Value::Null(Type::Number), |x| {
        Value::number(Number::from_f64(x))
    })
}

fn bound(v: Option<f64>) -> Value {
    opt_s(v.map(|x| format!("{x}")))
}

fn num(v: Option<i32>) -> Value {
    opt_n(v.map(i64::from))
}

fn float(o: &Obj, k: &str) -> Option<f64> {
    o.get(k)?.as_number().map(Number::to_f64)
}

fn one(ty: &Type, item: Option<Obj>) -> Value {
    crate::provider::aws::attrs::blocks_or_null(ty, item.into_iter().collect())
}

/// The `target_tracking_configuration` block of a described policy.
fn tracking_blocks(p: &ScalingPolicy) -> Vec<Obj> {
    let Some(t) = p.target_tracking_configuration() else {
        return Vec::new();
    };
    let predefined = t.predefined_metric_specification().map(|m| {
        let mut x = Obj::default();
        x.set(
            "predefined_metric_type",
            opt_s(m.predefined_metric_type().map(|v| v.as_str())),
        )
        .set("resource_label", opt_s(m.resource_label()));
        x
    });
    let customized = t.customized_metric_specification().map(|m| {
        let mut x = Obj::default();
        x.set("metric_dimension", dimension_blocks(m.dimensions()))
            .set("metrics", query_blocks(m.metrics(), true))
            .set("metric_name", opt_s(m.metric_name()))
            .set("namespace", opt_s(m.namespace()))
            .set("statistic", opt_s(m.statistic().map(|v| v.as_str())))
            .set("unit", opt_s(m.unit()))
            .set("period", opt_n(m.period().map(i64::from)));
        x
    });
    let mut x = Obj::default();
    x.set("target_value", f(t.target_value()))
        .set("disable_scale_in", b(t.disable_scale_in().unwrap_or(false)))
        .set(
            "predefined_metric_specification",
            one(&predefined_ty(), predefined),
        )
        .set(
            "customized_metric_specification",
            one(&customized_ty(), customized),
        );
    vec![x]
}

/// Every attribute of `aws_autoscaling_policy`, and how it reads from a described policy.
fn table() -> Table<ScalingPolicy> {
    use AttrSchema as A;
    Table::<ScalingPolicy>::new()
        .attr("id", A::computed(Type::String), |p| opt_s(p.policy_name()))
        .attr("arn", A::computed(Type::String), |p| opt_s(p.policy_arn()))
        .attr("name", A::required(Type::String).force_new(), |p| {
            opt_s(p.policy_name())
        })
        .attr(
            "autoscaling_group_name",
            A::required(Type::String).force_new(),
            |p| opt_s(p.auto_scaling_group_name()),
        )
        .attr(
            "policy_type",
            A::optional(Type::String).default(s("SimpleScaling")),
            |p| s(p.policy_type().unwrap_or("SimpleScaling")),
        )
        .attr("adjustment_type", A::optional(Type::String), |p| {
            opt_s(p.adjustment_type())
        })
        .attr("scaling_adjustment", A::optional(Type::Number), |p| {
            num(p.scaling_adjustment())
        })
        .attr("cooldown", A::optional(Type::Number), |p| num(p.cooldown()))
        .attr("min_adjustment_magnitude", A::optional(Type::Number), |p| {
            num(p.min_adjustment_magnitude())
        })
        .attr(
            "estimated_instance_warmup",
            A::optional(Type::Number),
            |p| num(p.estimated_instance_warmup()),
        )
        .attr_with_prior(
            "metric_aggregation_type",
            A::optional_computed(Type::String),
            |p, _| p.metric_aggregation_type().map(s),
        )
        .attr("enabled", A::optional(Type::Bool).default(b(true)), |p| {
            b(p.enabled().unwrap_or(true))
        })
        .attr_with_prior(
            "step_adjustment",
            A::optional(Type::Set(Box::new(step_ty()))),
            |p, prior| {
                let steps: Vec<Obj> = p
                    .step_adjustments()
                    .iter()
                    .map(|a| {
                        let mut x = Obj::default();
                        x.set(
                            "metric_interval_lower_bound",
                            bound(a.metric_interval_lower_bound()),
                        )
                        .set(
                            "metric_interval_upper_bound",
                            bound(a.metric_interval_upper_bound()),
                        )
                        .set("scaling_adjustment", num(a.scaling_adjustment()));
                        x
                    })
                    .collect();
                // Steps are matched by their lower bound, as devices are by name.
                Some(read_keyed_set(
                    prior,
                    "step_adjustment",
                    &step_ty(),
                    steps,
                    "metric_interval_lower_bound",
                ))
            },
        )
        .attr_with_prior(
            "target_tracking_configuration",
            A::optional(Type::List(Box::new(target_tracking_ty()))),
            |p, prior| {
                Some(read_blocks(
                    prior,
                    "target_tracking_configuration",
                    &target_tracking_ty(),
                    tracking_blocks(p),
                ))
            },
        )
        .attr_with_prior(
            "predictive_scaling_configuration",
            A::optional(Type::List(Box::new(predictive::configuration_ty()))),
            |p, prior| {
                Some(read_blocks(
                    prior,
                    "predictive_scaling_configuration",
                    &predictive::configuration_ty(),
                    predictive::blocks(p),
                ))
            },
        )
}

/// The planned `target_tracking_configuration`, as PutScalingPolicy takes it.
fn tracking(o: &Obj) -> Option<TargetTrackingConfiguration> {
    let t = o.block("target_tracking_configuration")?;
    let predefined = t.block("predefined_metric_specification").map(|m| {
        PredefinedMetricSpecification::builder()
            .set_predefined_metric_type(
                m.str("predefined_metric_type")
                    .map(|v| MetricType::from(v.as_str())),
            )
            .set_resource_label(m.str("resource_label"))
            .build()
    });
    let customized = t.block("customized_metric_specification").map(|m| {
        let metrics: Vec<_> = super::metric_query::queries_of(&m, "metrics")
            .into_iter()
            .map(Query::into_target_tracking)
            .collect();
        CustomizedMetricSpecification::builder()
            .set_metric_name(m.str("metric_name"))
            .set_namespace(m.str("namespace"))
            .set_statistic(
                m.str("statistic")
                    .map(|v| MetricStatistic::from(v.as_str())),
            )
            .set_unit(m.str("unit"))
            .set_period(m.i32("period"))
            .set_dimensions(dimensions_of(&m, "metric_dimension"))
            .set_metrics((!metrics.is_empty()).then_some(metrics))
            .build()
    });
    Some(
        TargetTrackingConfiguration::builder()
            .set_target_value(float(&t, "target_value"))
            .set_disable_scale_in(t.bool("disable_scale_in"))
            .set_predefined_metric_specification(predefined)
            .set_customized_metric_specification(customized)
            .build(),
    )
}

crate::provider::aws::table::table_type!(Policy, ScalingPolicy);

impl GroupChild for Policy {
    type Item = ScalingPolicy;
    const WHAT: &'static str = "scaling policy";
    const NAME: &'static str = "name";

    super::group_child::found_by_name!(ScalingPolicy, describe_policies(policy_names, "autoscaling:DescribePolicies") answer scaling_policies, named policy_name);

    async fn put_call(&self, p: Obj) -> ProviderResult<()> {
        let steps: Vec<StepAdjustment> = p
            .blocks("step_adjustment")
            .iter()
            .map(|a| {
                let parse = |k: &str| a.str(k).and_then(|v| v.parse::<f64>().ok());
                StepAdjustment::builder()
                    .set_metric_interval_lower_bound(parse("metric_interval_lower_bound"))
                    .set_metric_interval_upper_bound(parse("metric_interval_upper_bound"))
                    .set_scaling_adjustment(a.i32("scaling_adjustment"))
                    .build()
            })
            .collect();
        self.aws
            .autoscaling
            .put_scaling_policy()
            .auto_scaling_group_name(p.req("autoscaling_group_name")?)
            .policy_name(p.req("name")?)
            .set_policy_type(p.str("policy_type"))
            .set_adjustment_type(p.str("adjustment_type"))
            .set_scaling_adjustment(p.i32("scaling_adjustment"))
            .set_cooldown(p.i32("cooldown"))
            .set_min_adjustment_magnitude(p.i32("min_adjustment_magnitude"))
            .set_estimated_instance_warmup(p.i32("estimated_instance_warmup"))
            .set_metric_aggregation_type(p.str("metric_aggregation_type"))
            .set_enabled(p.bool("enabled"))
            .set_step_adjustments((!steps.is_empty()).then_some(steps))
            .set_target_tracking_configuration(tracking(&p))
            .set_predictive_scaling_configuration(predictive::configuration(&p))
            .send()
            .await
            .map_err(err("autoscaling:PutScalingPolicy"))?;
        Ok(())
    }

    async fn delete_call(&self, group: String, name: String) -> ProviderResult<()> {
        self.aws
            .autoscaling
            .delete_policy()
            .auto_scaling_group_name(group)
            .policy_name(name)
            .send()
            .await
            .map_err(err("autoscaling:DeletePolicy"))?;
        Ok(())
    }
}
