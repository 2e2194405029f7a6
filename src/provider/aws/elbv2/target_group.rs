//! `aws_lb_target_group`: health checks and stickiness.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::fill_blocks;
use crate::provider::aws::attrs::{Obj, b, blocks, n, opt_n, opt_s, s, set_s};
use crate::provider::aws::elbv2::common::*;
use crate::provider::aws::launch::read_blocks;
use crate::provider::aws::sdk::{
    DEPENDENTS_DRAIN, absent_if_not_found, err, gone_is_ok, retry_while,
};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::{self, Tags};
use crate::provider::schema::block_object;
use crate::provider::{AsyncResourceType, AttrSchema, CreateContext, ProviderResult};
use aws_sdk_elasticloadbalancingv2 as elbv2;

fn health_check_type() -> Type {
    block_object(&[
        ("enabled", Type::Bool),
        ("path", Type::String),
        ("port", Type::String),
        ("protocol", Type::String),
        ("matcher", Type::String),
        ("interval", Type::Number),
        ("timeout", Type::Number),
        ("healthy_threshold", Type::Number),
        ("unhealthy_threshold", Type::Number),
    ])
}

fn stickiness_type() -> Type {
    block_object(&[
        ("enabled", Type::Bool),
        ("type", Type::String),
        ("cookie_duration", Type::Number),
        ("cookie_name", Type::String),
    ])
}

type Item = Described<elbv2::types::TargetGroup>;

/// The `health_check` block, as the target group reports it.
fn health_check_read(d: &Item) -> Value {
    let tg = &d.item;
    let number = |v: Option<i32>| opt_n(v.map(i64::from));
    let mut hc = Obj::default();
    hc.set("enabled", b(tg.health_check_enabled().unwrap_or(true)))
        .set("path", opt_s(tg.health_check_path()))
        .set("port", opt_s(tg.health_check_port()))
        .set(
            "protocol",
            opt_s(tg.health_check_protocol().map(|p| p.as_str())),
        )
        .set("matcher", opt_s(tg.matcher().and_then(|m| m.http_code())))
        .set("interval", number(tg.health_check_interval_seconds()))
        .set("timeout", number(tg.health_check_timeout_seconds()))
        .set("healthy_threshold", number(tg.healthy_threshold_count()))
        .set(
            "unhealthy_threshold",
            number(tg.unhealthy_threshold_count()),
        );
    blocks(&health_check_type(), vec![hc])
}

/// The `stickiness` block, from the group's attributes; none when they name no type.
fn stickiness_read(d: &Item) -> Value {
    let kind = match d.attr("stickiness.type") {
        Some(kind) if !kind.is_empty() => kind,
        _ => return blocks(&stickiness_type(), Vec::new()),
    };
    let duration_key = if kind == "app_cookie" {
        "stickiness.app_cookie.duration_seconds"
    } else {
        "stickiness.lb_cookie.duration_seconds"
    };
    let mut st = Obj::default();
    st.set(
        "enabled",
        b(d.attr_bool("stickiness.enabled").unwrap_or(false)),
    )
    .set("type", s(kind))
    // AWS's default, which moto leaves out.
    .set(
        "cookie_duration",
        n(d.attr_i64(duration_key).unwrap_or(86400)),
    )
    .set(
        "cookie_name",
        opt_s(non_empty(d.attr("stickiness.app_cookie.cookie_name"))),
    );
    blocks(&stickiness_type(), vec![st])
}

/// Every attribute of `aws_lb_target_group`, and how it reads from a described group and its
/// attributes.
fn table() -> Table<Item> {
    use AttrSchema as A;
    let arn = |d: &Item| opt_s(d.item.target_group_arn());
    let t = elb_table()
        .attr("id", A::computed(Type::String), arn)
        .attr("arn", A::computed(Type::String), arn)
        .attr("arn_suffix", A::computed(Type::String), |d| {
            s(arn_suffix(d.item.target_group_arn().unwrap_or_default()))
        })
        .attr(
            "name",
            A::optional_computed(Type::String).force_new(),
            |d| opt_s(d.item.target_group_name()),
        )
        .declared("name_prefix", A::optional(Type::String).force_new())
        .attr("port", A::optional(Type::Number).force_new(), |d| {
            opt_n(d.item.port().map(i64::from))
        })
        .attr("protocol", A::optional(Type::String).force_new(), |d| {
            opt_s(d.item.protocol().map(|p| p.as_str()))
        })
        .attr("vpc_id", A::optional(Type::String).force_new(), |d| {
            opt_s(d.item.vpc_id())
        })
        // The target optimizer's agent port (an application load balancer's instance and IP
        // groups); set at create only.
        .attr(
            "target_control_port",
            A::optional(Type::Number).force_new(),
            |d| opt_n(d.item.target_control_port().map(i64::from)),
        )
        .attr(
            "target_type",
            A::optional(Type::String).default(s("instance")).force_new(),
            |d| {
                s(d.item
                    .target_type()
                    .map(|t| t.as_str())
                    .unwrap_or("instance"))
            },
        )
        // A string in Terraform's schema (it takes "300" and 300 alike).
        .attr(
            "deregistration_delay",
            A::optional(Type::String).default(s("300")),
            |d| {
                s(d.attr("deregistration_delay.timeout_seconds")
                    .unwrap_or("300"))
            },
        )
        .attr("slow_start", A::optional(Type::Number).default(n(0)), |d| {
            n(d.attr_i64("slow_start.duration_seconds").unwrap_or(0))
        })
        .attr(
            "health_check",
            A::optional_computed(Type::List(Box::new(health_check_type()))),
            health_check_read,
        )
        .attr(
            "stickiness",
            A::optional_computed(Type::List(Box::new(stickiness_type()))),
            stickiness_read,
        )
        .attr(
            "ip_address_type",
            A::optional_computed(Type::String).force_new(),
            |d| opt_s(d.item.ip_address_type().map(|t| t.as_str())),
        )
        .attr_if_answered(
            "protocol_version",
            A::optional_computed(Type::String).force_new(),
            |d| d.item.protocol_version().map(s),
        );
    switches(t)
}

/// The group's switches that are attributes of one key each (ModifyTargetGroupAttributes):
/// the argument, the attribute's key, whether it is a boolean. Which apply depends on the
/// group's protocol and target type; each reads back where AWS answers it.
const SWITCHES: [(&str, &str, bool); 11] = [
    (
        "connection_termination",
        "deregistration_delay.connection_termination.enabled",
        true,
    ),
    (
        "lambda_multi_value_headers_enabled",
        "lambda.multi_value_headers.enabled",
        true,
    ),
    (
        "load_balancing_algorithm_type",
        "load_balancing.algorithm.type",
        false,
    ),
    (
        "load_balancing_cross_zone_enabled",
        "load_balancing.cross_zone.enabled",
        false,
    ),
    ("preserve_client_ip", "preserve_client_ip.enabled", false),
    ("proxy_protocol_v2", "proxy_protocol_v2.enabled", true),
    (
        "target_failover.on_deregistration",
        "target_failover.on_deregistration",
        false,
    ),
    (
        "target_failover.on_unhealthy",
        "target_failover.on_unhealthy",
        false,
    ),
    (
        "load_balancing_anomaly_mitigation",
        "load_balancing.algorithm.anomaly_mitigation",
        false,
    ),
    (
        "target_health_state.enable_unhealthy_connection_termination",
        "target_health_state.unhealthy.connection_termination.enabled",
        true,
    ),
    (
        "target_health_state.unhealthy_draining_interval",
        "target_health_state.unhealthy.draining_interval_seconds",
        false,
    ),
];

/// `target_group_health`: how few healthy targets make DNS fail over, and make the balancer
/// route to unhealthy ones; each a count and a percentage (`off` is none).
const GROUP_HEALTH: [&str; 2] = ["dns_failover", "unhealthy_state_routing"];
const GROUP_HEALTH_FIELDS: [&str; 2] = ["count", "percentage"];

/// One part's thresholds.
fn minimum_type() -> Type {
    block_object(&[
        ("minimum_healthy_targets_count", Type::String),
        ("minimum_healthy_targets_percentage", Type::String),
    ])
}

fn group_health_type() -> Type {
    block_object(&[
        (GROUP_HEALTH[0], Type::List(Box::new(minimum_type()))),
        (GROUP_HEALTH[1], Type::List(Box::new(minimum_type()))),
    ])
}

fn group_health_key(part: &str, field: &str) -> String {
    format!("target_group_health.{part}.minimum_healthy_targets.{field}")
}

/// The block as AWS answers it, cut to the configured one (AWS answers all four with their
/// defaults); none where it answers none of them.
fn group_health_read(d: &Item, prior: Option<&Obj>) -> Option<Value> {
    let mut o = Obj::default();
    let mut any = false;
    for part in GROUP_HEALTH {
        let mut x = Obj::default();
        for field in GROUP_HEALTH_FIELDS {
            let v = d.attr(&group_health_key(part, field));
            any |= v.is_some();
            x.set(&format!("minimum_healthy_targets_{field}"), opt_s(v));
        }
        o.set(part, blocks(&minimum_type(), vec![x]));
    }
    any.then(|| read_blocks(prior, "target_group_health", &group_health_type(), vec![o]))
}

/// The configured fields of `target_group_health`, as attribute pairs.
fn group_health_pairs(p: &Obj) -> Vec<(String, String)> {
    let Some(h) = p.block("target_group_health") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for part in GROUP_HEALTH {
        let Some(b) = h.block(part) else { continue };
        for field in GROUP_HEALTH_FIELDS {
            if let Some(v) = b.str(&format!("minimum_healthy_targets_{field}")) {
                out.push((group_health_key(part, field), v));
            }
        }
    }
    out
}

fn health_state_type() -> Type {
    block_object(&[
        ("enable_unhealthy_connection_termination", Type::Bool),
        ("unhealthy_draining_interval", Type::Number),
    ])
}

fn failover_type() -> Type {
    block_object(&[
        ("on_deregistration", Type::String),
        ("on_unhealthy", Type::String),
    ])
}

/// A switch read from the group's attributes, typed as its argument.
fn switch(d: &Item, key: &str, boolean: bool) -> Option<Value> {
    let v = d.attr(key)?;
    Some(if boolean { b(v == "true") } else { s(v) })
}

/// The switches' rows (the table takes plain functions: one per switch).
fn switches(t: Table<Item>) -> Table<Item> {
    use AttrSchema as A;
    macro_rules! row {
        ($t:expr, $i:literal, $ty:expr) => {
            $t.attr_if_answered(SWITCHES[$i].0, A::optional_computed($ty), |d| {
                switch(d, SWITCHES[$i].1, SWITCHES[$i].2)
            })
        };
    }
    let t = row!(t, 0, Type::Bool);
    let t = row!(t, 1, Type::Bool);
    let t = row!(t, 2, Type::String);
    let t = row!(t, 3, Type::String);
    let t = row!(t, 4, Type::String);
    let t = row!(t, 5, Type::Bool);
    let t = row!(t, 8, Type::String);
    // A network group's: AWS answers it for those only.
    let t = t.attr_if_answered(
        "target_health_state",
        A::optional_computed(Type::List(Box::new(health_state_type()))),
        |d| {
            let terminate = d.attr_bool(SWITCHES[9].1)?;
            let mut o = Obj::default();
            o.set("enable_unhealthy_connection_termination", b(terminate))
                .set(
                    "unhealthy_draining_interval",
                    opt_n(d.attr_i64(SWITCHES[10].1)),
                );
            Some(blocks(&health_state_type(), vec![o]))
        },
    );
    let t = t.attr_with_prior(
        "target_group_health",
        A::optional_computed(Type::List(Box::new(group_health_type()))),
        group_health_read,
    );
    let t = t.attr(
        "load_balancer_arns",
        A::computed(Type::Set(Box::new(Type::String))),
        |d| set_s(d.item.load_balancer_arns()),
    );
    t.attr_if_answered(
        "target_failover",
        A::optional_computed(Type::List(Box::new(failover_type()))),
        |d| {
            let (on_deregistration, on_unhealthy) = (
                d.attr("target_failover.on_deregistration")?,
                d.attr("target_failover.on_unhealthy")?,
            );
            let mut o = Obj::default();
            o.set("on_deregistration", s(on_deregistration))
                .set("on_unhealthy", s(on_unhealthy));
            Some(blocks(&failover_type(), vec![o]))
        },
    )
}

crate::provider::aws::table::table_type!(TargetGroup, Item);

/// Sets a CreateTargetGroup or ModifyTargetGroup request's health check from the
/// `health_check` block: the two builders are different types with the same setters.
macro_rules! with_health_check {
    ($req:expr, $hc:expr) => {{
        let hc: &Obj = $hc;
        $req.set_health_check_enabled(hc.bool("enabled"))
            .set_health_check_path(hc.str("path"))
            .set_health_check_port(hc.str("port"))
            .set_health_check_protocol(hc.str("protocol").map(|x| x.as_str().into()))
            .set_health_check_interval_seconds(hc.i32("interval"))
            .set_health_check_timeout_seconds(hc.i32("timeout"))
            .set_healthy_threshold_count(hc.i32("healthy_threshold"))
            .set_unhealthy_threshold_count(hc.i32("unhealthy_threshold"))
            .set_matcher(TargetGroup::matcher(hc))
    }};
}

impl TargetGroup {
    fn attributes(p: &Obj) -> Vec<elbv2::types::TargetGroupAttribute> {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        let lambda = p.str("target_type").as_deref() == Some("lambda");
        if !lambda {
            if let Some(d) = p.str("deregistration_delay") {
                pairs.push(("deregistration_delay.timeout_seconds", d));
            }
            if let Some(v) = p.i64("slow_start") {
                pairs.push(("slow_start.duration_seconds", v.to_string()));
            }
        }
        if let Some(st) = p.block("stickiness") {
            let kind = st.str("type").unwrap_or_else(|| "lb_cookie".into());
            pairs.push((
                "stickiness.enabled",
                st.bool("enabled").unwrap_or(true).to_string(),
            ));
            pairs.push(("stickiness.type", kind.clone()));
            match kind.as_str() {
                "lb_cookie" => {
                    if let Some(d) = st.i64("cookie_duration") {
                        pairs.push(("stickiness.lb_cookie.duration_seconds", d.to_string()));
                    }
                }
                "app_cookie" => {
                    if let Some(d) = st.i64("cookie_duration") {
                        pairs.push(("stickiness.app_cookie.duration_seconds", d.to_string()));
                    }
                    if let Some(c) = st.str("cookie_name") {
                        pairs.push(("stickiness.app_cookie.cookie_name", c));
                    }
                }
                _ => {}
            }
        }
        for (name, key, boolean) in SWITCHES {
            let value = match name.split_once('.') {
                Some((block, field)) if boolean => p
                    .block(block)
                    .and_then(|b| b.bool(field))
                    .map(|v| v.to_string()),
                Some((block, field)) => p
                    .block(block)
                    .and_then(|b| b.str(field).or_else(|| b.i64(field).map(|v| v.to_string()))),
                None if boolean => p.bool(name).map(|v| v.to_string()),
                None => p.str(name),
            };
            if let Some(v) = value {
                pairs.push((key, v));
            }
        }
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .chain(group_health_pairs(p))
            .map(|(k, v)| {
                elbv2::types::TargetGroupAttribute::builder()
                    .key(k)
                    .value(v)
                    .build()
            })
            .collect()
    }

    async fn modify_attributes(&self, arn: &str, p: &Obj) -> ProviderResult<()> {
        let attributes = Self::attributes(p);
        if attributes.is_empty() {
            return Ok(());
        }
        self.aws
            .elbv2
            .modify_target_group_attributes()
            .target_group_arn(arn)
            .set_attributes(Some(attributes))
            .send()
            .await
            .map_err(err("elbv2:ModifyTargetGroupAttributes"))?;
        Ok(())
    }

    async fn by_name(&self, name: &str) -> ProviderResult<Option<elbv2::types::TargetGroup>> {
        let answer = self
            .aws
            .elbv2
            .describe_target_groups()
            .names(name)
            .send()
            .await;
        Ok(
            absent_if_not_found(answer.map_err(err("elbv2:DescribeTargetGroups")))?
                .and_then(|out| out.target_groups().first().cloned()),
        )
    }

    /// The matcher, only for health checks that speak HTTP (TCP ones take none).
    fn matcher(hc: &Obj) -> Option<elbv2::types::Matcher> {
        let http = matches!(hc.str("protocol").as_deref(), Some("HTTP" | "HTTPS") | None);
        hc.str("matcher")
            .filter(|_| http)
            .map(|m| elbv2::types::Matcher::builder().http_code(m).build())
    }
}

impl ElbBulk for TargetGroup {
    elb_object! {
        item elbv2::types::TargetGroup, key target_group_arn,
        elbv2.describe_target_groups("elbv2:DescribeTargetGroups") by target_group_arns answer target_groups, listed
    }

    async fn value(&self, prior: Option<Obj>, tg: Self::Item, t: Tags) -> ProviderResult<Value> {
        let key = tg.target_group_arn().map(str::to_string);
        let d = described_with_attributes!(
            self.aws,
            describe_target_group_attributes,
            set_target_group_arn,
            key,
            "elbv2:DescribeTargetGroupAttributes",
            tg,
            t
        );
        Ok(self.table.read(&self.aws, prior, &d).finish(&self.schema))
    }
}

impl AsyncResourceType for TargetGroup {
    crate::provider::aws::elbv2::common::elb_reads!();
    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        let mut o = Obj::of(&tags::plan(&self.aws, planned));
        let prior = prior.map(Obj::of).unwrap_or_default();
        let (hc, st) = (health_check_type(), stickiness_type());
        rewrite_blocks(&mut o, "health_check", &hc, |planned| {
            fill_blocks(
                planned,
                &prior.blocks("health_check"),
                &hc,
                &[
                    ("enabled", b(true)),
                    ("interval", n(30)),
                    ("port", s("traffic-port")),
                    ("protocol", s("HTTP")),
                    ("healthy_threshold", n(3)),
                    ("unhealthy_threshold", n(3)),
                ],
                &["path", "matcher", "timeout"],
            )
        });
        rewrite_blocks(&mut o, "stickiness", &st, |planned| {
            fill_blocks(
                planned,
                &prior.blocks("stickiness"),
                &st,
                &[("enabled", b(true)), ("cookie_duration", n(86400))],
                &["cookie_name"],
            )
        });
        o.finish(&self.schema)
    }

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let name = name_for_create(&p, "tf-", 32, &ctx);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let hc = p.block("health_check").unwrap_or_default();
        let request = self
            .aws
            .elbv2
            .create_target_group()
            .name(&name)
            .set_port(p.i32("port"))
            .set_protocol(p.str("protocol").map(|x| x.as_str().into()))
            .set_vpc_id(p.str("vpc_id"))
            .set_target_type(p.str("target_type").map(|x| x.as_str().into()))
            .set_target_control_port(p.i32("target_control_port"))
            .set_ip_address_type(p.str("ip_address_type").map(|x| x.as_str().into()))
            .set_protocol_version(p.str("protocol_version"));
        let r = with_health_check!(request, &hc)
            .set_tags(v2_tag_list(&t))
            .send()
            .await
            .map_err(err("elbv2:CreateTargetGroup"));
        let made = r.map(|out| out.target_groups().first().cloned());
        let arn = created_or_ours(self, &ctx, made, self.by_name(&name)).await?;
        lookup_fresh(self, &arn).await?;
        self.modify_attributes(&arn, &p).await?;
        finish(self, p, &arn).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let arn = before.id()?;
        if before.0.get("health_check") != after.0.get("health_check")
            && let Some(hc) = after.block("health_check")
        {
            let request = self.aws.elbv2.modify_target_group().target_group_arn(&arn);
            with_health_check!(request, &hc)
                .send()
                .await
                .map_err(err("elbv2:ModifyTargetGroup"))?;
        }
        let mut switched = SWITCHES
            .iter()
            .map(|(name, _, _)| name.split('.').next().unwrap_or(name));
        if [
            "deregistration_delay",
            "slow_start",
            "stickiness",
            "target_group_health",
        ]
        .iter()
        .any(|k| before.0.get(*k) != after.0.get(*k))
            || switched.any(|k| after.set_and_changed_from(&before, k))
        {
            self.modify_attributes(&arn, &after).await?;
        }
        v2_update_tags(&self.aws, &arn, &before, &after).await?;
        finish(self, after, &arn).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let arn = Obj::of(&prior).id()?;
        // A listener or rule still forwarding to the group keeps it in use until the
        // listener (or its load balancer) is deleted.
        let r = retry_while(
            DEPENDENTS_DRAIN,
            |e| e.in_use(),
            || async {
                self.aws
                    .elbv2
                    .delete_target_group()
                    .target_group_arn(&arn)
                    .send()
                    .await
                    .map_err(err("elbv2:DeleteTargetGroup"))
            },
        )
        .await;
        gone_is_ok(r)
    }
}
