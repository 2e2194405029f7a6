//! `aws_lb_listener_rule` (and `aws_alb_listener_rule`): a listener's rule, its priority,
//! actions (`actions.rs`, as a listener's default actions) and the conditions a request must
//! meet (host, path, header, method, query string, source address). A rule created without a
//! priority takes the next free one, as Terraform's does; before that, a rule of this address
//! and lineage already on the listener (an apply that died after creating it) is adopted.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, blocks_or_null, n, opt_s};
use crate::provider::aws::elbv2::actions;
use crate::provider::aws::elbv2::common::*;
use crate::provider::aws::elbv2::rule_transform;
use crate::provider::aws::launch::{nonempty, opt_set};
use crate::provider::aws::sdk::{err, gone_is_ok};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::{self, Tags};
use crate::provider::schema::block_object;
use crate::provider::{AsyncResourceType, AttrSchema, CreateContext, ProviderResult};
use aws_sdk_elasticloadbalancingv2 as elbv2;
use elbv2::types::{
    HostHeaderConditionConfig, HttpHeaderConditionConfig, HttpRequestMethodConditionConfig,
    PathPatternConditionConfig, QueryStringConditionConfig, QueryStringKeyValuePair, RuleCondition,
    RulePriorityPair, SourceIpConditionConfig,
};

/// The conditions that are a list of values: block name, the API's field name.
const VALUE_CONDITIONS: [(&str, &str); 4] = [
    ("host_header", "host-header"),
    ("http_request_method", "http-request-method"),
    ("path_pattern", "path-pattern"),
    ("source_ip", "source-ip"),
];

/// A value condition's block: its values, and what the kind takes beside them (patterns as
/// regular expressions for hosts and paths; the address type of a source IP).
fn values_ty(name: &str) -> Type {
    match name {
        "host_header" | "path_pattern" => {
            block_object(&[("values", str_set()), ("regex_values", str_set())])
        }
        "source_ip" => block_object(&[("values", str_set()), ("ip_address_type", Type::String)]),
        _ => block_object(&[("values", str_set())]),
    }
}

fn header_ty() -> Type {
    block_object(&[
        ("http_header_name", Type::String),
        ("values", str_set()),
        ("regex_values", str_set()),
    ])
}

fn query_ty() -> Type {
    block_object(&[("key", Type::String), ("value", Type::String)])
}

fn condition_ty() -> Type {
    let list = |t: Type| Type::List(Box::new(t));
    let mut fields: Vec<(&str, Type)> = VALUE_CONDITIONS
        .iter()
        .map(|(name, _)| (*name, list(values_ty(name))))
        .collect();
    fields.push(("http_header", list(header_ty())));
    fields.push(("query_string", set_of(query_ty())));
    block_object(&fields)
}

/// A configured condition as the API takes it.
fn condition_to_sdk(c: &Obj) -> RuleCondition {
    let mut r = RuleCondition::builder();
    if let Some(b) = c.block("host_header") {
        r = r.field("host-header").host_header_config(
            HostHeaderConditionConfig::builder()
                .set_values(nonempty(b.strs("values")))
                .set_regex_values(nonempty(b.strs("regex_values")))
                .build(),
        );
    }
    if let Some(b) = c.block("path_pattern") {
        r = r.field("path-pattern").path_pattern_config(
            PathPatternConditionConfig::builder()
                .set_values(nonempty(b.strs("values")))
                .set_regex_values(nonempty(b.strs("regex_values")))
                .build(),
        );
    }
    if let Some(b) = c.block("http_request_method") {
        r = r.field("http-request-method").http_request_method_config(
            HttpRequestMethodConditionConfig::builder()
                .set_values(Some(b.strs("values")))
                .build(),
        );
    }
    if let Some(b) = c.block("source_ip") {
        r = r.field("source-ip").source_ip_config(
            SourceIpConditionConfig::builder()
                .set_values(nonempty(b.strs("values")))
                .set_ip_address_type(b.str("ip_address_type").map(|t| t.as_str().into()))
                .build(),
        );
    }
    if let Some(h) = c.block("http_header") {
        r = r.field("http-header").http_header_config(
            HttpHeaderConditionConfig::builder()
                .set_http_header_name(h.str("http_header_name"))
                .set_values(nonempty(h.strs("values")))
                .set_regex_values(nonempty(h.strs("regex_values")))
                .build(),
        );
    }
    let pairs: Vec<QueryStringKeyValuePair> = c
        .blocks("query_string")
        .iter()
        .map(|q| {
            QueryStringKeyValuePair::builder()
                .set_key(q.str("key"))
                .set_value(q.str("value"))
                .build()
        })
        .collect();
    if !pairs.is_empty() {
        r = r.field("query-string").query_string_config(
            QueryStringConditionConfig::builder()
                .set_values(Some(pairs))
                .build(),
        );
    }
    r.build()
}

/// A described condition as its block. Each kind has a configuration of its own; the legacy
/// `Values` answer the value kinds where no configuration is given.
fn condition_block(c: &RuleCondition) -> Value {
    let field = c.field().unwrap_or_default();
    let list = |ty: Type, o: Option<Obj>| blocks_or_null(&ty, o.into_iter().collect());
    let mut o = Obj::default();
    for (name, api) in VALUE_CONDITIONS {
        // The kind's values, and its regex patterns or address type where it has them.
        let configured = match name {
            "host_header" => c
                .host_header_config()
                .map(|x| (x.values().to_vec(), x.regex_values().to_vec(), None)),
            "path_pattern" => c
                .path_pattern_config()
                .map(|x| (x.values().to_vec(), x.regex_values().to_vec(), None)),
            "http_request_method" => c
                .http_request_method_config()
                .map(|x| (x.values().to_vec(), Vec::new(), None)),
            _ => c.source_ip_config().map(|x| {
                let kind = x.ip_address_type().map(|t| t.as_str().to_string());
                (x.values().to_vec(), Vec::new(), kind)
            }),
        };
        let read = configured
            .or_else(|| (field == api).then(|| (c.values().to_vec(), Vec::new(), None)))
            .map(|(values, regex, kind)| {
                let mut x = Obj::default();
                x.set("values", opt_set(values));
                match name {
                    "host_header" | "path_pattern" => {
                        x.set("regex_values", opt_set(regex));
                    }
                    "source_ip" => {
                        x.set("ip_address_type", opt_s(kind.as_deref()));
                    }
                    _ => {}
                }
                x
            });
        o.set(name, list(values_ty(name), read));
    }
    let header = c.http_header_config().map(|h| {
        let mut x = Obj::default();
        x.set("http_header_name", opt_s(h.http_header_name()))
            .set("values", opt_set(h.values().to_vec()))
            .set("regex_values", opt_set(h.regex_values().to_vec()));
        x
    });
    o.set("http_header", list(header_ty(), header));
    let pairs: Vec<Value> = c
        .query_string_config()
        .map(|q| q.values())
        .unwrap_or_default()
        .iter()
        .map(|p| {
            let mut x = Obj::default();
            x.set("key", opt_s(p.key())).set("value", opt_s(p.value()));
            Value::object(x.0)
        })
        .collect();
    o.set(
        "query_string",
        if pairs.is_empty() {
            Value::Null(set_of(query_ty()))
        } else {
            Value::set(query_ty(), pairs)
        },
    );
    Value::object(o.0)
}

type Item = Described<elbv2::types::Rule>;

/// How often a rule without a priority tries the next free one when another took it.
const PRIORITY_ATTEMPTS: u32 = 20;

/// Every attribute of `aws_lb_listener_rule`, and how it reads from a described rule.
fn table() -> Table<Item> {
    use AttrSchema as A;
    let arn = |d: &Item| opt_s(d.item.rule_arn());
    elb_table()
        .attr("id", A::computed(Type::String), arn)
        .attr("arn", A::computed(Type::String), arn)
        .declared("listener_arn", A::required(Type::String).force_new())
        .attr("priority", A::optional_computed(Type::Number), |d| match d
            .item
            .priority()
            .and_then(|p| p.parse::<i64>().ok())
        {
            Some(p) => n(p),
            None => Value::Null(Type::Number),
        })
        .attr_with_prior(
            "action",
            A::required(Type::List(Box::new(actions::action_ty()))),
            |d, prior| Some(actions::read_all(d.item.actions(), prior, "action")),
        )
        .blocks_of("transform", rule_transform::transform_ty(), |d, _| {
            Some(rule_transform::read(d.item.transforms()))
        })
        .attr("condition", A::required(set_of(condition_ty())), |d| {
            let conditions: Vec<Value> = d.item.conditions().iter().map(condition_block).collect();
            Value::set(condition_ty(), conditions)
        })
}

crate::provider::aws::table::table_type!(ListenerRule, Item);

impl ListenerRule {
    /// The rules of a listener, its default rule left out.
    async fn on_listener(&self, listener: &str) -> ProviderResult<Vec<elbv2::types::Rule>> {
        let mut out = Vec::new();
        let mut marker = None;
        loop {
            let page = self
                .aws
                .elbv2
                .describe_rules()
                .listener_arn(listener)
                .page_size(PAGE_SIZE)
                .set_marker(marker)
                .send()
                .await
                .map_err(err("elbv2:DescribeRules"));
            let page = match page {
                Err(e) if e.is_not_found() => return Ok(Vec::new()),
                other => other?,
            };
            out.extend(
                page.rules()
                    .iter()
                    .filter(|r| r.is_default() != Some(true))
                    .cloned(),
            );
            marker = page.next_marker().map(str::to_string);
            if marker.is_none() {
                return Ok(out);
            }
        }
    }

    fn conditions(p: &Obj) -> Vec<RuleCondition> {
        p.blocks("condition").iter().map(condition_to_sdk).collect()
    }

    fn actions(p: &Obj) -> Vec<elbv2::types::Action> {
        p.blocks("action").iter().map(actions::to_sdk).collect()
    }

    /// A rule of this address and lineage already on the listener, and the priority a new one
    /// takes when the configuration gives none (one past the highest).
    async fn adopted_or_next(
        &self,
        ctx: &CreateContext,
        listener: &str,
    ) -> ProviderResult<(Option<String>, i32)> {
        let rules = self.on_listener(listener).await?;
        let arns: Vec<String> = rules.iter().map(Self::key).collect();
        let owned = v2_tags(&self.aws, &arns).await?;
        let adopted = arns
            .into_iter()
            .find(|a| owned.get(a).is_some_and(|t| tags::is_ours(ctx, t)));
        let highest = rules
            .iter()
            .filter_map(|r| r.priority().and_then(|p| p.parse::<i32>().ok()))
            .max()
            .unwrap_or(0);
        Ok((adopted, highest + 1))
    }
}

impl ElbBulk for ListenerRule {
    elb_object! {
        item elbv2::types::Rule, key rule_arn,
        elbv2.describe_rules("elbv2:DescribeRules") by rule_arns answer rules
    }

    /// Rules can only be listed per listener: those of the priors' listeners.
    async fn list(&self, priors: Vec<Obj>) -> ProviderResult<Vec<Self::Item>> {
        per_parent(&priors, "listener_arn", |l| async move {
            self.on_listener(&l).await
        })
        .await
    }

    async fn value(&self, prior: Option<Obj>, r: Self::Item, t: Tags) -> ProviderResult<Value> {
        let mut o = self
            .table
            .read(&self.aws, prior.clone(), &Described::new(r.clone(), t));
        // DescribeRules does not name a rule's listener: its ARN holds it
        // (`...:listener-rule/app/lb/x/listener-id/rule-id`).
        if prior.as_ref().and_then(|p| p.str("listener_arn")).is_none() {
            let listener = Self::key(&r)
                .replacen(":listener-rule/", ":listener/", 1)
                .rsplit_once('/')
                .map(|(l, _)| l.to_string());
            o.set("listener_arn", opt_s(listener));
        }
        Ok(o.finish(&self.schema))
    }
}

impl AsyncResourceType for ListenerRule {
    crate::provider::aws::elbv2::common::elb_reads!();

    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        let mut o = Obj::of(&tags::plan(&self.aws, planned));
        let prior = prior.map(Obj::of).unwrap_or_default();
        actions::plan(&mut o, "action", &prior);
        o.finish(&self.schema)
    }

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let listener = p.req("listener_arn")?;
        let t = tags::for_create(&self.aws, &ctx, &p);
        // Rules of one listener created at once without priorities pick the same next
        // one: the loser looks again, as Terraform's provider does.
        let mut attempts = 0;
        loop {
            let (adopted, next) = self.adopted_or_next(&ctx, &listener).await?;
            if let Some(arn) = adopted {
                return finish(self, p, &arn).await;
            }
            let out = self
                .aws
                .elbv2
                .create_rule()
                .listener_arn(&listener)
                .priority(p.i32("priority").unwrap_or(next))
                .set_actions(Some(Self::actions(&p)))
                .set_conditions(Some(Self::conditions(&p)))
                .set_transforms(Some(rule_transform::to_sdk(&p)).filter(|t| !t.is_empty()))
                .set_tags(v2_tag_list(&t))
                .send()
                .await
                .map_err(err("elbv2:CreateRule"));
            match out {
                Err(e)
                    if p.get("priority").is_none()
                        && e.code.as_deref() == Some("PriorityInUse")
                        && attempts < PRIORITY_ATTEMPTS =>
                {
                    attempts += 1;
                }
                Err(e) => return Err(e),
                Ok(out) => {
                    let arn = out.rules().first().map(Self::key).unwrap_or_default();
                    return finish(self, p, &arn).await;
                }
            }
        }
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let arn = before.id()?;
        let elb = &self.aws.elbv2;
        if after.set_and_changed_from(&before, "priority")
            && let Some(priority) = after.i32("priority")
        {
            elb.set_rule_priorities()
                .rule_priorities(
                    RulePriorityPair::builder()
                        .rule_arn(&arn)
                        .priority(priority)
                        .build(),
                )
                .send()
                .await
                .map_err(err("elbv2:SetRulePriorities"))?;
        }
        if ["action", "condition", "transform"]
            .iter()
            .any(|k| before.0.get(*k) != after.0.get(*k))
        {
            let transforms = rule_transform::to_sdk(&after);
            let removed = transforms.is_empty() && before.get("transform").is_some();
            elb.modify_rule()
                .rule_arn(&arn)
                .set_actions(Some(Self::actions(&after)))
                .set_conditions(Some(Self::conditions(&after)))
                .set_transforms(Some(transforms).filter(|t| !t.is_empty()))
                .set_reset_transforms(removed.then_some(true))
                .send()
                .await
                .map_err(err("elbv2:ModifyRule"))?;
        }
        v2_update_tags(&self.aws, &arn, &before, &after).await?;
        finish(self, after, &arn).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let arn = Obj::of(&prior).id()?;
        let r = self
            .aws
            .elbv2
            .delete_rule()
            .rule_arn(&arn)
            .send()
            .await
            .map_err(err("elbv2:DeleteRule"));
        gone_is_ok(r)
    }
}
