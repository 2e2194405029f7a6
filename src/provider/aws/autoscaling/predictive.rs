//! A scaling policy's `predictive_scaling_configuration`: forecast mode and buffers, and one
//! metric specification of predefined metrics (a load/scaling pair, or each on its own) or
//! customized metric math queries (load, scaling, capacity).

use super::metric_query::{Query, queries_of, query_blocks, query_ty};
use crate::lang::number::Number;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, blocks_or_null, opt_s};
use crate::provider::schema::block_object;
use aws_sdk_autoscaling::types::{
    PredefinedLoadMetricType, PredefinedMetricPairType, PredefinedScalingMetricType,
    PredictiveScalingConfiguration, PredictiveScalingCustomizedCapacityMetric,
    PredictiveScalingCustomizedLoadMetric, PredictiveScalingCustomizedScalingMetric,
    PredictiveScalingMaxCapacityBreachBehavior, PredictiveScalingMetricSpecification,
    PredictiveScalingMode, PredictiveScalingPredefinedLoadMetric,
    PredictiveScalingPredefinedMetricPair, PredictiveScalingPredefinedScalingMetric, ScalingPolicy,
};

const PREDEFINED: [&str; 3] = [
    "predefined_load_metric_specification",
    "predefined_metric_pair_specification",
    "predefined_scaling_metric_specification",
];
const CUSTOMIZED: [&str; 3] = [
    "customized_capacity_metric_specification",
    "customized_load_metric_specification",
    "customized_scaling_metric_specification",
];

fn predefined_ty() -> Type {
    block_object(&[
        ("predefined_metric_type", Type::String),
        ("resource_label", Type::String),
    ])
}

fn customized_ty() -> Type {
    block_object(&[("metric_data_queries", Type::List(Box::new(query_ty(false))))])
}

fn specification_ty() -> Type {
    let mut fields: Vec<(&str, Type)> = vec![("target_value", Type::Number)];
    fields.extend(PREDEFINED.map(|k| (k, Type::List(Box::new(predefined_ty())))));
    fields.extend(CUSTOMIZED.map(|k| (k, Type::List(Box::new(customized_ty())))));
    block_object(&fields)
}

/// The `predictive_scaling_configuration` block's type.
pub(super) fn configuration_ty() -> Type {
    block_object(&[
        ("max_capacity_breach_behavior", Type::String),
        // Strings in the provider's schema, numbers to the API.
        ("max_capacity_buffer", Type::String),
        ("scheduling_buffer_time", Type::String),
        ("mode", Type::String),
        (
            "metric_specification",
            Type::List(Box::new(specification_ty())),
        ),
    ])
}

fn predefined_block(kind: Option<&str>, label: Option<&str>) -> Obj {
    let mut x = Obj::default();
    x.set("predefined_metric_type", opt_s(kind))
        .set("resource_label", opt_s(label));
    x
}

fn customized_block(queries: &[aws_sdk_autoscaling::types::MetricDataQuery]) -> Obj {
    let mut x = Obj::default();
    x.set("metric_data_queries", query_blocks(queries.iter(), false));
    x
}

fn one(ty: &Type, item: Option<Obj>) -> Value {
    blocks_or_null(ty, item.into_iter().collect())
}

/// The block of a described policy (none for other policy types).
pub(super) fn blocks(p: &ScalingPolicy) -> Vec<Obj> {
    // A predictive configuration always has a metric specification; moto answers an empty
    // one for policies of other types.
    let Some(c) = p
        .predictive_scaling_configuration()
        .filter(|c| !c.metric_specifications().is_empty())
    else {
        return Vec::new();
    };
    let specifications: Vec<Obj> = c
        .metric_specifications()
        .iter()
        .map(|m| {
            let mut x = Obj::default();
            x.set(
                "target_value",
                m.target_value().map_or(Value::Null(Type::Number), |v| {
                    Value::number(Number::from_f64(v))
                }),
            )
            .set(
                PREDEFINED[0],
                one(
                    &predefined_ty(),
                    m.predefined_load_metric_specification().map(|s| {
                        predefined_block(
                            s.predefined_metric_type().map(|t| t.as_str()),
                            s.resource_label(),
                        )
                    }),
                ),
            )
            .set(
                PREDEFINED[1],
                one(
                    &predefined_ty(),
                    m.predefined_metric_pair_specification().map(|s| {
                        predefined_block(
                            s.predefined_metric_type().map(|t| t.as_str()),
                            s.resource_label(),
                        )
                    }),
                ),
            )
            .set(
                PREDEFINED[2],
                one(
                    &predefined_ty(),
                    m.predefined_scaling_metric_specification().map(|s| {
                        predefined_block(
                            s.predefined_metric_type().map(|t| t.as_str()),
                            s.resource_label(),
                        )
                    }),
                ),
            )
            .set(
                CUSTOMIZED[0],
                one(
                    &customized_ty(),
                    m.customized_capacity_metric_specification()
                        .map(|s| customized_block(s.metric_data_queries())),
                ),
            )
            .set(
                CUSTOMIZED[1],
                one(
                    &customized_ty(),
                    m.customized_load_metric_specification()
                        .map(|s| customized_block(s.metric_data_queries())),
                ),
            )
            .set(
                CUSTOMIZED[2],
                one(
                    &customized_ty(),
                    m.customized_scaling_metric_specification()
                        .map(|s| customized_block(s.metric_data_queries())),
                ),
            );
            x
        })
        .collect();
    let number = |v: Option<i32>| opt_s(v.map(|n| n.to_string()));
    let mut x = Obj::default();
    x.set(
        "max_capacity_breach_behavior",
        opt_s(c.max_capacity_breach_behavior().map(|v| v.as_str())),
    )
    .set("max_capacity_buffer", number(c.max_capacity_buffer()))
    .set("scheduling_buffer_time", number(c.scheduling_buffer_time()))
    .set("mode", opt_s(c.mode().map(|v| v.as_str())))
    .set(
        "metric_specification",
        blocks_or_null(&specification_ty(), specifications),
    );
    vec![x]
}

fn queries(o: &Obj, field: &str) -> Option<Vec<aws_sdk_autoscaling::types::MetricDataQuery>> {
    o.block(field).map(|c| {
        queries_of(&c, "metric_data_queries")
            .into_iter()
            .map(Query::into_predictive)
            .collect()
    })
}

/// The planned block, as PutScalingPolicy takes it.
pub(super) fn configuration(p: &Obj) -> Option<PredictiveScalingConfiguration> {
    let c = p.block("predictive_scaling_configuration")?;
    let number = |k: &str| c.str(k).and_then(|v| v.trim().parse::<i32>().ok());
    let specification = c.block("metric_specification").map(|m| {
        let label = |k: &str| m.block(k).map(|b| (b.str("predefined_metric_type"), b));
        PredictiveScalingMetricSpecification::builder()
            .set_target_value(
                m.get("target_value")
                    .and_then(Value::as_number)
                    .map(Number::to_f64),
            )
            .set_predefined_load_metric_specification(label(PREDEFINED[0]).map(|(t, b)| {
                PredictiveScalingPredefinedLoadMetric::builder()
                    .set_predefined_metric_type(
                        t.map(|t| PredefinedLoadMetricType::from(t.as_str())),
                    )
                    .set_resource_label(b.str("resource_label"))
                    .build()
            }))
            .set_predefined_metric_pair_specification(label(PREDEFINED[1]).map(|(t, b)| {
                PredictiveScalingPredefinedMetricPair::builder()
                    .set_predefined_metric_type(
                        t.map(|t| PredefinedMetricPairType::from(t.as_str())),
                    )
                    .set_resource_label(b.str("resource_label"))
                    .build()
            }))
            .set_predefined_scaling_metric_specification(label(PREDEFINED[2]).map(|(t, b)| {
                PredictiveScalingPredefinedScalingMetric::builder()
                    .set_predefined_metric_type(
                        t.map(|t| PredefinedScalingMetricType::from(t.as_str())),
                    )
                    .set_resource_label(b.str("resource_label"))
                    .build()
            }))
            .set_customized_capacity_metric_specification(queries(&m, CUSTOMIZED[0]).map(|q| {
                PredictiveScalingCustomizedCapacityMetric::builder()
                    .set_metric_data_queries(Some(q))
                    .build()
            }))
            .set_customized_load_metric_specification(queries(&m, CUSTOMIZED[1]).map(|q| {
                PredictiveScalingCustomizedLoadMetric::builder()
                    .set_metric_data_queries(Some(q))
                    .build()
            }))
            .set_customized_scaling_metric_specification(queries(&m, CUSTOMIZED[2]).map(|q| {
                PredictiveScalingCustomizedScalingMetric::builder()
                    .set_metric_data_queries(Some(q))
                    .build()
            }))
            .build()
    });
    Some(
        PredictiveScalingConfiguration::builder()
            .set_metric_specifications(specification.map(|s| vec![s]))
            .set_mode(
                c.str("mode")
                    .map(|m| PredictiveScalingMode::from(m.as_str())),
            )
            .set_scheduling_buffer_time(number("scheduling_buffer_time"))
            .set_max_capacity_breach_behavior(
                c.str("max_capacity_breach_behavior")
                    .map(|b| PredictiveScalingMaxCapacityBreachBehavior::from(b.as_str())),
            )
            .set_max_capacity_buffer(number("max_capacity_buffer"))
            .build(),
    )
}
