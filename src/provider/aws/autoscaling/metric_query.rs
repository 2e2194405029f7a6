//! Metric math queries, the one shape scaling policies share: a target tracking policy's
//! customized `metrics` and each of a predictive policy's `metric_data_queries`. The two SDK
//! types differ only in name, so both convert through [`Query`].

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, blocks_or_null, opt_b, opt_n, opt_s};
use crate::provider::schema::block_object;
use aws_sdk_autoscaling::types::{
    Metric, MetricDataQuery, MetricDimension, MetricStat, TargetTrackingMetricDataQuery,
    TargetTrackingMetricStat,
};

pub(super) fn dimension_ty() -> Type {
    block_object(&[("name", Type::String), ("value", Type::String)])
}

fn metric_ty() -> Type {
    block_object(&[
        ("dimensions", Type::List(Box::new(dimension_ty()))),
        ("metric_name", Type::String),
        ("namespace", Type::String),
    ])
}

/// A `metric_stat` block; a target tracking policy's also has `period` (seconds).
fn stat_ty(tracking: bool) -> Type {
    let mut fields = vec![
        ("metric", Type::List(Box::new(metric_ty()))),
        ("stat", Type::String),
        ("unit", Type::String),
    ];
    if tracking {
        fields.push(("period", Type::Number));
    }
    block_object(&fields)
}

/// One query block: `id`, `expression`, `label`, `metric_stat`, `return_data`; `tracking`
/// for a target tracking policy's (see [`stat_ty`]).
pub(super) fn query_ty(tracking: bool) -> Type {
    block_object(&[
        ("expression", Type::String),
        ("id", Type::String),
        ("label", Type::String),
        ("metric_stat", Type::List(Box::new(stat_ty(tracking)))),
        ("return_data", Type::Bool),
    ])
}

/// Dimension blocks of a described metric.
pub(super) fn dimension_blocks(dimensions: &[MetricDimension]) -> Value {
    let items = dimensions
        .iter()
        .map(|d| {
            let mut x = Obj::default();
            x.set("name", opt_s(d.name()))
                .set("value", opt_s(d.value()));
            x
        })
        .collect();
    blocks_or_null(&dimension_ty(), items)
}

/// Configured dimension blocks, as the API takes them (`None` for none).
pub(super) fn dimensions_of(o: &Obj, name: &str) -> Option<Vec<MetricDimension>> {
    let ds: Vec<MetricDimension> = o
        .blocks(name)
        .iter()
        .map(|d| {
            MetricDimension::builder()
                .set_name(d.str("name"))
                .set_value(d.str("value"))
                .build()
        })
        .collect();
    (!ds.is_empty()).then_some(ds)
}

/// A query as both SDK types hold it.
#[derive(Default)]
pub(super) struct Query {
    id: Option<String>,
    expression: Option<String>,
    label: Option<String>,
    return_data: Option<bool>,
    stat: Option<(Option<Metric>, Option<String>, Option<String>)>,
    /// The metric stat's period (target tracking's shape alone has one).
    period: Option<i32>,
}

/// Reads either SDK shape: their accessors are named alike, but for the period only target
/// tracking's stat has.
macro_rules! query_from {
    ($sdk:ty, $period:expr) => {
        impl From<&$sdk> for Query {
            fn from(q: &$sdk) -> Query {
                Query {
                    id: q.id().map(str::to_string),
                    expression: q.expression().map(str::to_string),
                    label: q.label().map(str::to_string),
                    return_data: q.return_data(),
                    stat: q.metric_stat().map(|s| {
                        (
                            s.metric().cloned(),
                            s.stat().map(str::to_string),
                            s.unit().map(str::to_string),
                        )
                    }),
                    period: $period(q),
                }
            }
        }
    };
}
query_from!(
    TargetTrackingMetricDataQuery,
    |q: &TargetTrackingMetricDataQuery| q.metric_stat().and_then(|s| s.period())
);
query_from!(MetricDataQuery, |_: &MetricDataQuery| None);

impl Query {
    /// The query as a configuration block; `tracking` for a target tracking policy's.
    pub(super) fn to_block(&self, tracking: bool) -> Obj {
        let stat = self.stat.as_ref().map(|(metric, stat, unit)| {
            let metric = metric.as_ref().map(|m| {
                let mut x = Obj::default();
                x.set("dimensions", dimension_blocks(m.dimensions()))
                    .set("metric_name", opt_s(m.metric_name()))
                    .set("namespace", opt_s(m.namespace()));
                x
            });
            let mut x = Obj::default();
            x.set(
                "metric",
                blocks_or_null(&metric_ty(), metric.into_iter().collect()),
            )
            .set("stat", opt_s(stat.as_deref()))
            .set("unit", opt_s(unit.as_deref()));
            if tracking {
                x.set("period", opt_n(self.period.map(i64::from)));
            }
            x
        });
        let mut x = Obj::default();
        x.set("id", opt_s(self.id.as_deref()))
            .set("expression", opt_s(self.expression.as_deref()))
            .set("label", opt_s(self.label.as_deref()))
            .set("return_data", opt_b(self.return_data))
            .set(
                "metric_stat",
                blocks_or_null(&stat_ty(tracking), stat.into_iter().collect()),
            );
        x
    }

    /// A configured query block.
    pub(super) fn of_block(o: &Obj) -> Query {
        Query {
            id: o.str("id"),
            expression: o.str("expression"),
            label: o.str("label"),
            return_data: o.bool("return_data"),
            stat: o.block("metric_stat").map(|s| {
                let metric = s.block("metric").map(|m| {
                    Metric::builder()
                        .set_namespace(m.str("namespace"))
                        .set_metric_name(m.str("metric_name"))
                        .set_dimensions(dimensions_of(&m, "dimensions"))
                        .build()
                });
                (metric, s.str("stat"), s.str("unit"))
            }),
            period: o.block("metric_stat").and_then(|s| s.i32("period")),
        }
    }

    pub(super) fn into_target_tracking(self) -> TargetTrackingMetricDataQuery {
        let period = self.period;
        let stat = self.stat.map(|(metric, stat, unit)| {
            TargetTrackingMetricStat::builder()
                .set_metric(metric)
                .set_stat(stat)
                .set_unit(unit)
                .set_period(period)
                .build()
        });
        TargetTrackingMetricDataQuery::builder()
            .set_id(self.id)
            .set_expression(self.expression)
            .set_label(self.label)
            .set_return_data(self.return_data)
            .set_metric_stat(stat)
            .build()
    }

    pub(super) fn into_predictive(self) -> MetricDataQuery {
        let stat = self.stat.map(|(metric, stat, unit)| {
            MetricStat::builder()
                .set_metric(metric)
                .set_stat(stat)
                .set_unit(unit)
                .build()
        });
        MetricDataQuery::builder()
            .set_id(self.id)
            .set_expression(self.expression)
            .set_label(self.label)
            .set_return_data(self.return_data)
            .set_metric_stat(stat)
            .build()
    }
}

/// The `field` blocks of a configured block, as queries.
pub(super) fn queries_of(o: &Obj, field: &str) -> Vec<Query> {
    o.blocks(field).iter().map(Query::of_block).collect()
}

/// Described queries as a block list; `tracking` for a target tracking policy's.
pub(super) fn query_blocks<'a, Q: 'a>(
    items: impl IntoIterator<Item = &'a Q>,
    tracking: bool,
) -> Value
where
    Query: From<&'a Q>,
{
    let objs = items
        .into_iter()
        .map(|q| Query::from(q).to_block(tracking))
        .collect();
    blocks_or_null(&query_ty(tracking), objs)
}
