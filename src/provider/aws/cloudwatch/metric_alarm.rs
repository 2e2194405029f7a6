//! `aws_cloudwatch_metric_alarm`: an alarm on one metric (or a metric math expression of
//! `metric_query` blocks) whose actions are typically an autoscaling policy's ARN. Its name is
//! its id and replaces it; everything else changes in place, as PutMetricAlarm both creates
//! and updates. A plan reads every alarm of the state with one DescribeAlarms call per hundred.

use super::alarm_evaluation as evaluation;
use crate::lang::number::Number;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, b, map_s, opt_n, opt_s, s};
use crate::provider::aws::launch::{opt_set, read_keyed_set, string_set};
use crate::provider::aws::sdk::{AllPages, err, gone_is_ok};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::{self, Tags};
use crate::provider::schema::block_object;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult, RefreshBatch,
    Refreshed,
};
use aws_sdk_cloudwatch::types::{
    ComparisonOperator, Dimension, Metric, MetricAlarm, MetricDataQuery, MetricStat, StandardUnit,
    Statistic, Tag,
};
use std::collections::BTreeMap;

/// An alarm as read, with its tags (asked for separately).
pub struct Found {
    alarm: MetricAlarm,
    tags: Tags,
}

fn metric_type() -> Type {
    block_object(&[
        ("metric_name", Type::String),
        ("namespace", Type::String),
        ("period", Type::Number),
        ("stat", Type::String),
        ("unit", Type::String),
        ("dimensions", Type::Map(Box::new(Type::String))),
    ])
}

fn query_type() -> Type {
    block_object(&[
        ("id", Type::String),
        ("account_id", Type::String),
        ("expression", Type::String),
        ("label", Type::String),
        ("period", Type::Number),
        ("return_data", Type::Bool),
        ("metric", Type::List(Box::new(metric_type()))),
    ])
}

fn float(v: Option<f64>) -> Value {
    v.map_or(Value::Null(Type::Number), |x| {
        Value::number(Number::from_f64(x))
    })
}

fn int(v: Option<i32>) -> Value {
    opt_n(v.map(i64::from))
}

fn dimensions(d: &[Dimension]) -> Value {
    if d.is_empty() {
        return Value::Null(Type::Map(Box::new(Type::String)));
    }
    let m: BTreeMap<String, String> = d
        .iter()
        .map(|d| {
            (
                d.name().unwrap_or_default().to_string(),
                d.value().unwrap_or_default().to_string(),
            )
        })
        .collect();
    map_s(&m)
}

/// The alarm's `metric_query` blocks, each as configured where the configuration has it.
fn queries(a: &MetricAlarm) -> Vec<Obj> {
    a.metrics()
        .iter()
        .map(|q| {
            let metric: Vec<Obj> = q
                .metric_stat()
                .map(|st| {
                    let m = st.metric();
                    let mut o = Obj::default();
                    o.set("metric_name", opt_s(m.and_then(|m| m.metric_name())))
                        .set("namespace", opt_s(m.and_then(|m| m.namespace())))
                        .set(
                            "dimensions",
                            dimensions(m.map(|m| m.dimensions()).unwrap_or_default()),
                        )
                        .set("period", int(st.period()))
                        .set("stat", opt_s(st.stat()))
                        .set("unit", opt_s(st.unit().map(|u| u.as_str())));
                    o
                })
                .into_iter()
                .collect();
            let mut o = Obj::default();
            o.set("id", opt_s(q.id()))
                .set("account_id", opt_s(q.account_id()))
                .set("expression", opt_s(q.expression()))
                .set("label", opt_s(q.label()))
                .set("period", int(q.period()))
                .set("return_data", b(q.return_data().unwrap_or(false)))
                .set(
                    "metric",
                    if metric.is_empty() {
                        Value::Null(Type::List(Box::new(metric_type())))
                    } else {
                        crate::provider::aws::attrs::blocks(&metric_type(), metric)
                    },
                );
            o
        })
        .collect()
}

/// Every attribute of `aws_cloudwatch_metric_alarm`, and how it reads from an alarm.
fn table() -> Table<Found> {
    use AttrSchema as A;
    let actions = || A::optional(string_set());
    Table::<Found>::new()
        .attr("id", A::computed(Type::String), |f| {
            opt_s(f.alarm.alarm_name())
        })
        .attr("arn", A::computed(Type::String), |f| {
            opt_s(f.alarm.alarm_arn())
        })
        .attr("alarm_name", A::required(Type::String).force_new(), |f| {
            opt_s(f.alarm.alarm_name())
        })
        .attr("alarm_description", A::optional(Type::String), |f| {
            opt_s(f.alarm.alarm_description())
        })
        // Required unless the alarm evaluates a PromQL query (`validate`).
        .attr("comparison_operator", A::optional(Type::String), |f| {
            opt_s(f.alarm.comparison_operator().map(|c| c.as_str()))
        })
        .attr("evaluation_periods", A::optional(Type::Number), |f| {
            int(f.alarm.evaluation_periods())
        })
        .attr(
            "evaluation_criteria",
            A::optional(Type::List(Box::new(evaluation::criteria_ty()))),
            |f| evaluation::criteria(&f.alarm),
        )
        .attr("evaluation_interval", A::optional(Type::Number), |f| {
            int(f.alarm.evaluation_interval())
        })
        .attr(
            "warm_up_configuration",
            A::optional(Type::List(Box::new(evaluation::warm_up_ty()))),
            |f| evaluation::warm_up(&f.alarm),
        )
        .attr("datapoints_to_alarm", A::optional(Type::Number), |f| {
            int(f.alarm.datapoints_to_alarm())
        })
        .attr("metric_name", A::optional(Type::String), |f| {
            opt_s(f.alarm.metric_name())
        })
        .attr("namespace", A::optional(Type::String), |f| {
            opt_s(f.alarm.namespace())
        })
        .attr("period", A::optional(Type::Number), |f| {
            int(f.alarm.period())
        })
        .attr("statistic", A::optional(Type::String), |f| {
            opt_s(f.alarm.statistic().map(|x| x.as_str()))
        })
        .attr("extended_statistic", A::optional(Type::String), |f| {
            opt_s(f.alarm.extended_statistic())
        })
        .attr("threshold", A::optional(Type::Number), |f| {
            float(f.alarm.threshold())
        })
        .attr("threshold_metric_id", A::optional(Type::String), |f| {
            opt_s(f.alarm.threshold_metric_id())
        })
        .attr("unit", A::optional(Type::String), |f| {
            opt_s(f.alarm.unit().map(|u| u.as_str()))
        })
        .attr(
            "dimensions",
            A::optional(Type::Map(Box::new(Type::String))),
            |f| dimensions(f.alarm.dimensions()),
        )
        .attr(
            "actions_enabled",
            A::optional(Type::Bool).default(b(true)),
            |f| b(f.alarm.actions_enabled().unwrap_or(true)),
        )
        .attr("alarm_actions", actions(), |f| {
            opt_set(f.alarm.alarm_actions().to_vec())
        })
        .attr("ok_actions", actions(), |f| {
            opt_set(f.alarm.ok_actions().to_vec())
        })
        .attr("insufficient_data_actions", actions(), |f| {
            opt_set(f.alarm.insufficient_data_actions().to_vec())
        })
        .attr(
            "treat_missing_data",
            A::optional(Type::String).default(s("missing")),
            |f| s(f.alarm.treat_missing_data().unwrap_or("missing")),
        )
        .attr_if_answered(
            "evaluate_low_sample_count_percentiles",
            A::optional_computed(Type::String),
            |f| f.alarm.evaluate_low_sample_count_percentile().map(s),
        )
        .attr_with_prior(
            "metric_query",
            A::optional(Type::Set(Box::new(query_type()))),
            |f, prior| {
                Some(read_keyed_set(
                    prior,
                    "metric_query",
                    &query_type(),
                    queries(&f.alarm),
                    "id",
                ))
            },
        )
        .tagged(|f| f.tags.clone())
}

crate::provider::aws::table::table_type!(MetricAlarmType, Found);

/// The planned `metric_query` blocks, as PutMetricAlarm takes them.
fn planned_queries(p: &Obj) -> Vec<MetricDataQuery> {
    p.blocks("metric_query")
        .iter()
        .map(|q| {
            let stat = q.block("metric").map(|m| {
                let metric = Metric::builder()
                    .set_metric_name(m.str("metric_name"))
                    .set_namespace(m.str("namespace"))
                    .set_dimensions(Some(planned_dimensions(&m)))
                    .build();
                MetricStat::builder()
                    .metric(metric)
                    .set_period(m.i32("period"))
                    .set_stat(m.str("stat"))
                    .set_unit(m.str("unit").map(|u| StandardUnit::from(u.as_str())))
                    .build()
            });
            MetricDataQuery::builder()
                .set_id(q.str("id"))
                .set_account_id(q.str("account_id"))
                .set_expression(q.str("expression"))
                .set_label(q.str("label"))
                .set_period(q.i32("period"))
                .set_return_data(q.bool("return_data"))
                .set_metric_stat(stat)
                .build()
        })
        .collect()
}

fn planned_dimensions(o: &Obj) -> Vec<Dimension> {
    o.map("dimensions")
        .into_iter()
        .map(|(k, v)| Dimension::builder().name(k).value(v).build())
        .collect()
}

impl MetricAlarmType {
    /// The alarms of these names (missing ones are absent), a hundred per call.
    async fn find_all(&self, names: &[String]) -> ProviderResult<Vec<Found>> {
        let mut out = Vec::new();
        for chunk in names.chunks(100) {
            let alarms: Vec<MetricAlarm> = self
                .aws
                .cloudwatch
                .describe_alarms()
                .set_alarm_names(Some(chunk.to_vec()))
                .into_paginator()
                .send()
                .all("cloudwatch:DescribeAlarms")
                .await?
                .into_iter()
                .flat_map(|page| page.metric_alarms().to_vec())
                .collect();
            for alarm in alarms {
                let tags = self.tags(alarm.alarm_arn().unwrap_or_default()).await?;
                out.push(Found { alarm, tags });
            }
        }
        Ok(out)
    }

    async fn tags(&self, arn: &str) -> ProviderResult<Tags> {
        let out = self
            .aws
            .cloudwatch
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(err("cloudwatch:ListTagsForResource"))?;
        Ok(out
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
            .collect())
    }

    async fn value(&self, prior: Option<Obj>, name: &str) -> ProviderResult<Option<Value>> {
        Ok(self
            .find_all(&[name.to_string()])
            .await?
            .into_iter()
            .next()
            .map(|f| self.table.read(&self.aws, prior, &f).finish(&self.schema)))
    }

    /// PutMetricAlarm with every planned argument (`t`: the tags, on create only).
    async fn put(&self, p: &Obj, t: Option<&Tags>) -> ProviderResult<()> {
        let strs = |k: &str| Some(p.strs(k));
        let queries = planned_queries(p);
        let dims = planned_dimensions(p);
        let req = self
            .aws
            .cloudwatch
            .put_metric_alarm()
            .alarm_name(p.req("alarm_name")?)
            .set_alarm_description(p.str("alarm_description"))
            .set_comparison_operator(
                p.str("comparison_operator")
                    .map(|c| ComparisonOperator::from(c.as_str())),
            )
            .set_evaluation_periods(p.i32("evaluation_periods"))
            .set_datapoints_to_alarm(p.i32("datapoints_to_alarm"))
            .set_metric_name(p.str("metric_name"))
            .set_namespace(p.str("namespace"))
            .set_period(p.i32("period"))
            .set_statistic(p.str("statistic").map(|x| Statistic::from(x.as_str())))
            .set_extended_statistic(p.str("extended_statistic"))
            .set_threshold(
                p.get("threshold")
                    .and_then(Value::as_number)
                    .map(Number::to_f64),
            )
            .set_threshold_metric_id(p.str("threshold_metric_id"))
            .set_unit(p.str("unit").map(|u| StandardUnit::from(u.as_str())))
            .set_dimensions((!dims.is_empty()).then_some(dims))
            .set_actions_enabled(p.bool("actions_enabled"))
            .set_alarm_actions(strs("alarm_actions"))
            .set_ok_actions(strs("ok_actions"))
            .set_insufficient_data_actions(strs("insufficient_data_actions"))
            .set_treat_missing_data(p.str("treat_missing_data"))
            .set_evaluate_low_sample_count_percentile(
                p.str("evaluate_low_sample_count_percentiles"),
            )
            .set_metrics((!queries.is_empty()).then_some(queries))
            .set_tags(t.map(|t| {
                t.iter()
                    .map(|(k, v)| Tag::builder().key(k).value(v).build())
                    .collect()
            }));
        evaluation::set(req, p)
            .send()
            .await
            .map(drop)
            .map_err(err("cloudwatch:PutMetricAlarm"))
    }

    async fn update_tags(&self, arn: &str, before: &Obj, after: &Obj) -> ProviderResult<()> {
        let set = |t: Tags| {
            crate::provider::aws::sdk::sent!(
                self.aws
                    .cloudwatch
                    .tag_resource()
                    .resource_arn(arn)
                    .set_tags(Some(
                        t.iter()
                            .map(|(k, v)| Tag::builder().key(k).value(v).build())
                            .collect(),
                    )),
                "cloudwatch:TagResource"
            )
        };
        let remove = |keys: Vec<String>| {
            crate::provider::aws::sdk::sent!(
                self.aws
                    .cloudwatch
                    .untag_resource()
                    .resource_arn(arn)
                    .set_tag_keys(Some(keys)),
                "cloudwatch:UntagResource"
            )
        };
        tags::sync(&self.aws, before, after, set, remove).await
    }

    async fn read_back(&self, p: Obj) -> ProviderResult<Value> {
        let name = p.req("alarm_name")?;
        self.value(Some(p), &name).await?.ok_or_else(|| {
            ProviderError::new(
                "cloudwatch:DescribeAlarms",
                format!("alarm {name} vanished"),
            )
            .with_code("ResourceNotFound")
        })
    }
}

impl AsyncResourceType for MetricAlarmType {
    crate::provider::aws::by_id::reads_by_id!(value, "no alarm named {id}");
    crate::provider::aws::bulk::schema_and_address!();
    crate::provider::aws::bulk::plan_tags!();

    fn validate(&self, planned: &Value) -> Result<(), String> {
        let p = Obj::of(planned);
        let single = p.get("metric_name").is_some();
        let math = !p.blocks("metric_query").is_empty();
        if single && math {
            return Err(
                "metric_name conflicts with metric_query: an alarm watches one metric \
                        or a metric math expression"
                    .into(),
            );
        }
        evaluation::validate(&p)
    }

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let t = tags::for_create(&self.aws, &ctx, &p);
        // PutMetricAlarm is keyed by name: a create retried after a crash puts the same
        // alarm again rather than making a second one.
        self.put(&p, Some(&t)).await?;
        self.read_back(p).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        self.put(&after, None).await?;
        let arn = before.req("arn")?;
        self.update_tags(&arn, &before, &after).await?;
        self.read_back(after).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let name = Obj::of(&prior).id()?;
        gone_is_ok(
            self.aws
                .cloudwatch
                .delete_alarms()
                .alarm_names(name)
                .send()
                .await
                .map(drop)
                .map_err(err("cloudwatch:DeleteAlarms")),
        )
    }

    /// Every alarm of the batch with one DescribeAlarms call per hundred names.
    async fn refresh(&self, batch: RefreshBatch) -> ProviderResult<Refreshed> {
        let priors: Vec<Obj> = batch.priors.iter().map(Obj::of).collect();
        let names: Vec<String> = priors.iter().filter_map(|p| p.str("id")).collect();
        let mut found: BTreeMap<String, Found> = self
            .find_all(&names)
            .await?
            .into_iter()
            .map(|f| (f.alarm.alarm_name().unwrap_or_default().to_string(), f))
            .collect();
        let current = priors
            .into_iter()
            .map(|p| {
                let f = found.remove(&p.str("id").unwrap_or_default())?;
                Some(self.table.read(&self.aws, Some(p), &f).finish(&self.schema))
            })
            .collect();
        Ok(Refreshed {
            current,
            found: Vec::new(),
        })
    }
}
