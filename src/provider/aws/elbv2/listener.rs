//! `aws_lb_listener`: default actions (forward, fixed response, redirect).

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, blocks, opt_n, opt_s, s};
use crate::provider::aws::elbv2::common::*;
use crate::provider::aws::sdk::{err, gone_is_ok};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::{self, Tags};
use crate::provider::schema::{block_list, block_object};
use crate::provider::{AttrSchema, BoxFuture, CreateContext, ProviderResult, ResourceType};
use aws_sdk_elasticloadbalancingv2 as elbv2;
use std::collections::BTreeSet;

fn fixed_response_type() -> Type {
    block_object(&fixed_response_type_fields())
}

fn redirect_type() -> Type {
    block_object(&redirect_type_fields())
}

fn action_type() -> Type {
    block_object(&[
        ("type", Type::String),
        ("order", Type::Number),
        ("target_group_arn", Type::String),
        ("fixed_response", block_list(&fixed_response_type_fields())),
        ("redirect", block_list(&redirect_type_fields())),
    ])
}

fn fixed_response_type_fields() -> Vec<(&'static str, Type)> {
    vec![
        ("content_type", Type::String),
        ("message_body", Type::String),
        ("status_code", Type::String),
    ]
}

fn redirect_type_fields() -> Vec<(&'static str, Type)> {
    vec![
        ("host", Type::String),
        ("path", Type::String),
        ("port", Type::String),
        ("protocol", Type::String),
        ("query", Type::String),
        ("status_code", Type::String),
    ]
}

/// A configured default action as the API takes it.
fn sdk_action(a: &Obj) -> elbv2::types::Action {
    let fixed = a.block("fixed_response").map(|f| {
        elbv2::types::FixedResponseActionConfig::builder()
            .set_content_type(f.str("content_type"))
            .set_message_body(f.str("message_body"))
            .set_status_code(f.str("status_code"))
            .build()
    });
    let redirect = a.block("redirect").map(|r| {
        elbv2::types::RedirectActionConfig::builder()
            .set_host(r.str("host"))
            .set_path(r.str("path"))
            .set_port(r.str("port"))
            .set_protocol(r.str("protocol"))
            .set_query(r.str("query"))
            .set_status_code(r.str("status_code").map(|c| c.as_str().into()))
            .build()
    });
    elbv2::types::Action::builder()
        .set_type(a.str("type").map(|t| t.as_str().into()))
        .set_order(a.i32("order"))
        .set_target_group_arn(a.str("target_group_arn"))
        .set_fixed_response_config(fixed)
        .set_redirect_config(redirect)
        .build()
}

/// A default action as `default_action` shows it.
fn action_value(a: &elbv2::types::Action) -> Obj {
    let fixed: Vec<Obj> = a
        .fixed_response_config()
        .map(|f| {
            let mut o = Obj::default();
            o.set("content_type", opt_s(f.content_type()))
                .set("message_body", opt_s(non_empty(f.message_body())))
                .set("status_code", opt_s(f.status_code()));
            o
        })
        .into_iter()
        .collect();
    let redirect: Vec<Obj> = a
        .redirect_config()
        .map(|r| {
            let mut o = Obj::default();
            o.set("host", opt_s(r.host()))
                .set("path", opt_s(r.path()))
                .set("port", opt_s(r.port()))
                .set("protocol", opt_s(r.protocol()))
                .set("query", opt_s(r.query()))
                .set("status_code", opt_s(r.status_code().map(|c| c.as_str())));
            o
        })
        .into_iter()
        .collect();
    let mut o = Obj::default();
    o.set("type", opt_s(a.r#type().map(|t| t.as_str())))
        .set("order", opt_n(a.order().map(i64::from)))
        .set("target_group_arn", opt_s(non_empty(a.target_group_arn())))
        .set(
            "fixed_response",
            optional_blocks(&fixed_response_type(), fixed),
        )
        .set("redirect", optional_blocks(&redirect_type(), redirect));
    o
}

type Item = Described<elbv2::types::Listener>;

/// Every attribute of `aws_lb_listener`, and how it reads from a described listener.
fn table() -> Table<Item> {
    use AttrSchema as A;
    let arn = |d: &Item| opt_s(d.item.listener_arn());
    elb_table()
        .attr("id", A::computed(Type::String), arn)
        .attr("arn", A::computed(Type::String), arn)
        .attr(
            "load_balancer_arn",
            A::required(Type::String).force_new(),
            |d| opt_s(d.item.load_balancer_arn()),
        )
        .attr("port", A::optional(Type::Number), |d| {
            opt_n(d.item.port().map(i64::from))
        })
        .attr("protocol", A::optional_computed(Type::String), |d| {
            opt_s(d.item.protocol().map(|p| p.as_str()))
        })
        .attr("ssl_policy", A::optional_computed(Type::String), |d| {
            opt_s(non_empty(d.item.ssl_policy()))
        })
        .attr("certificate_arn", A::optional(Type::String), |d| {
            let first = d.item.certificates().first();
            opt_s(first.and_then(|c| c.certificate_arn()))
        })
        .attr(
            "default_action",
            A::required(Type::List(Box::new(action_type()))),
            |d| {
                let mut actions: Vec<&elbv2::types::Action> =
                    d.item.default_actions().iter().collect();
                actions.sort_by_key(|a| a.order().unwrap_or(i32::MAX));
                blocks(
                    &action_type(),
                    actions.into_iter().map(action_value).collect(),
                )
            },
        )
}

crate::provider::aws::table::table_type!(Listener, Item);

impl Listener {
    fn certificates(p: &Obj) -> Option<Vec<elbv2::types::Certificate>> {
        p.str("certificate_arn").map(|c| {
            vec![
                elbv2::types::Certificate::builder()
                    .certificate_arn(c)
                    .build(),
            ]
        })
    }

    fn actions(p: &Obj) -> Vec<elbv2::types::Action> {
        p.blocks("default_action").iter().map(sdk_action).collect()
    }

    async fn on_load_balancer(&self, lb_arn: &str) -> ProviderResult<Vec<elbv2::types::Listener>> {
        let r = self
            .aws
            .elbv2
            .describe_listeners()
            .load_balancer_arn(lb_arn)
            .page_size(PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(err("elbv2:DescribeListeners"));
        match r {
            Err(e) if e.is_not_found() => Ok(Vec::new()),
            other => other,
        }
    }
}

impl ElbBulk for Listener {
    elb_object! {
        item elbv2::types::Listener, key listener_arn,
        elbv2.describe_listeners("elbv2:DescribeListeners") by listener_arns answer listeners
    }

    /// Listeners can only be listed per load balancer: those of the priors' load balancers.
    fn list(&self, priors: Vec<Obj>) -> BoxFuture<ProviderResult<Vec<Self::Item>>> {
        let this = self.clone();
        Box::pin(async move {
            let lbs: BTreeSet<String> = priors
                .iter()
                .filter_map(|p| p.str("load_balancer_arn"))
                .collect();
            let mut out = Vec::new();
            for lb in lbs {
                out.extend(this.on_load_balancer(&lb).await?);
            }
            Ok(out)
        })
    }

    fn value(
        &self,
        prior: Option<Obj>,
        l: Self::Item,
        t: Tags,
    ) -> BoxFuture<ProviderResult<Value>> {
        let d = Described::new(l, t);
        let value = self.table.read(&self.aws, prior, &d).finish(&self.schema);
        Box::pin(std::future::ready(Ok(value)))
    }
}

impl ResourceType for Listener {
    crate::provider::aws::elbv2::common::elb_reads!();
    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        let mut o = Obj::of(&tags::plan(&self.aws, planned));
        let prior = prior.map(Obj::of).unwrap_or_default();
        let prior_actions = prior.blocks("default_action");
        let (action, fixed, redirect) = (action_type(), fixed_response_type(), redirect_type());
        rewrite_blocks(&mut o, "default_action", &action, |planned| {
            let filled = fill_blocks(planned, &prior_actions, &action, &[], &["order"]);
            filled
                .into_iter()
                .enumerate()
                .map(|(i, mut a)| {
                    let before = prior_actions.get(i).cloned().unwrap_or_default();
                    rewrite_blocks(&mut a, "fixed_response", &fixed, |f| {
                        fill_blocks(
                            f,
                            &before.blocks("fixed_response"),
                            &fixed,
                            &[],
                            &["status_code"],
                        )
                    });
                    rewrite_blocks(&mut a, "redirect", &redirect, |r| {
                        fill_blocks(
                            r,
                            &before.blocks("redirect"),
                            &redirect,
                            &[
                                ("host", s("#{host}")),
                                ("path", s("/#{path}")),
                                ("port", s("#{port}")),
                                ("protocol", s("#{protocol}")),
                                ("query", s("#{query}")),
                            ],
                            &[],
                        )
                    });
                    a
                })
                .collect()
        });
        o.finish(&self.schema)
    }

    fn create(&self, ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            let lb_arn = p.req("load_balancer_arn")?;
            let t = tags::for_create(&this.aws, &ctx, &p);
            let r = this
                .aws
                .elbv2
                .create_listener()
                .load_balancer_arn(&lb_arn)
                .set_port(p.i32("port"))
                .set_protocol(p.str("protocol").map(|x| x.as_str().into()))
                .set_ssl_policy(p.str("ssl_policy"))
                .set_certificates(Self::certificates(&p))
                .set_default_actions(Some(Self::actions(&p)))
                .set_tags(v2_tag_list(&t))
                .send()
                .await
                .map_err(err("elbv2:CreateListener"));
            let arn = match r {
                Ok(out) => out.listeners().first().map(Self::key).unwrap_or_default(),
                // The port is the listener's natural key on its load balancer.
                Err(e) if e.already_exists() => {
                    let same_port = this
                        .on_load_balancer(&lb_arn)
                        .await?
                        .into_iter()
                        .find(|l| l.port() == p.i32("port"))
                        .ok_or_else(|| e.clone())?;
                    let arn = Self::key(&same_port);
                    let existing_tags = v2_tags(&this.aws, std::slice::from_ref(&arn)).await?;
                    if !existing_tags
                        .get(&arn)
                        .is_some_and(|t| tags::is_ours(&ctx, t))
                    {
                        return Err(e);
                    }
                    arn
                }
                Err(e) => return Err(e),
            };
            finish(&this, p, &arn).await
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let (before, after) = (Obj::of(&prior), Obj::of(&planned));
            let arn = before.id()?;
            if [
                "port",
                "protocol",
                "ssl_policy",
                "certificate_arn",
                "default_action",
            ]
            .iter()
            .any(|k| before.0.get(*k) != after.0.get(*k))
            {
                this.aws
                    .elbv2
                    .modify_listener()
                    .listener_arn(&arn)
                    .set_port(after.i32("port"))
                    .set_protocol(after.str("protocol").map(|x| x.as_str().into()))
                    .set_ssl_policy(after.str("ssl_policy"))
                    .set_certificates(Self::certificates(&after))
                    .set_default_actions(Some(Self::actions(&after)))
                    .send()
                    .await
                    .map_err(err("elbv2:ModifyListener"))?;
            }
            v2_update_tags(&this.aws, &arn, &before, &after).await?;
            finish(&this, after, &arn).await
        })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move {
            let arn = Obj::of(&prior).id()?;
            let r = this
                .aws
                .elbv2
                .delete_listener()
                .listener_arn(&arn)
                .send()
                .await
                .map_err(err("elbv2:DeleteListener"));
            gone_is_ok(r)
        })
    }
}
