//! `aws_lb_listener`: a load balancer's port, protocol, TLS policy and certificate, ALPN,
//! default actions (`actions.rs`), and its attributes (idle timeout, routing headers).

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, opt_b, opt_n, opt_s};
use crate::provider::aws::elbv2::actions;
use crate::provider::aws::elbv2::common::*;
use crate::provider::aws::sdk::{AllPages, err, gone_is_ok};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::{self, Tags};
use crate::provider::schema::block_object;
use crate::provider::{AsyncResourceType, AttrSchema, CreateContext, ProviderResult};
use aws_sdk_elasticloadbalancingv2 as elbv2;

type Item = Described<elbv2::types::Listener>;

/// A listener's attributes (ModifyListenerAttributes), each an argument: (argument, attribute
/// key, type). The TCP idle timeout is a network listener's; the rest name the headers an
/// application listener adds to requests (mutual TLS, TLS) and responses.
const SETTINGS: &[(&str, &str, Setting)] = &[
    (
        "tcp_idle_timeout_seconds",
        "tcp.idle_timeout.seconds",
        Setting::Number,
    ),
    (
        "routing_http_response_server_enabled",
        "routing.http.response.server.enabled",
        Setting::Bool,
    ),
    (
        "routing_http_request_x_amzn_mtls_clientcert_header_name",
        "routing.http.request.x_amzn_mtls_clientcert.header_name",
        Setting::Text,
    ),
    (
        "routing_http_request_x_amzn_mtls_clientcert_issuer_header_name",
        "routing.http.request.x_amzn_mtls_clientcert_issuer.header_name",
        Setting::Text,
    ),
    (
        "routing_http_request_x_amzn_mtls_clientcert_leaf_header_name",
        "routing.http.request.x_amzn_mtls_clientcert_leaf.header_name",
        Setting::Text,
    ),
    (
        "routing_http_request_x_amzn_mtls_clientcert_serial_number_header_name",
        "routing.http.request.x_amzn_mtls_clientcert_serial_number.header_name",
        Setting::Text,
    ),
    (
        "routing_http_request_x_amzn_mtls_clientcert_subject_header_name",
        "routing.http.request.x_amzn_mtls_clientcert_subject.header_name",
        Setting::Text,
    ),
    (
        "routing_http_request_x_amzn_mtls_clientcert_validity_header_name",
        "routing.http.request.x_amzn_mtls_clientcert_validity.header_name",
        Setting::Text,
    ),
    (
        "routing_http_request_x_amzn_tls_cipher_suite_header_name",
        "routing.http.request.x_amzn_tls_cipher_suite.header_name",
        Setting::Text,
    ),
    (
        "routing_http_request_x_amzn_tls_version_header_name",
        "routing.http.request.x_amzn_tls_version.header_name",
        Setting::Text,
    ),
    (
        "routing_http_response_access_control_allow_credentials_header_value",
        "routing.http.response.access_control_allow_credentials.header_value",
        Setting::Text,
    ),
    (
        "routing_http_response_access_control_allow_headers_header_value",
        "routing.http.response.access_control_allow_headers.header_value",
        Setting::Text,
    ),
    (
        "routing_http_response_access_control_allow_methods_header_value",
        "routing.http.response.access_control_allow_methods.header_value",
        Setting::Text,
    ),
    (
        "routing_http_response_access_control_allow_origin_header_value",
        "routing.http.response.access_control_allow_origin.header_value",
        Setting::Text,
    ),
    (
        "routing_http_response_access_control_expose_headers_header_value",
        "routing.http.response.access_control_expose_headers.header_value",
        Setting::Text,
    ),
    (
        "routing_http_response_access_control_max_age_header_value",
        "routing.http.response.access_control_max_age.header_value",
        Setting::Text,
    ),
    (
        "routing_http_response_content_security_policy_header_value",
        "routing.http.response.content_security_policy.header_value",
        Setting::Text,
    ),
    (
        "routing_http_response_strict_transport_security_header_value",
        "routing.http.response.strict_transport_security.header_value",
        Setting::Text,
    ),
    (
        "routing_http_response_x_content_type_options_header_value",
        "routing.http.response.x_content_type_options.header_value",
        Setting::Text,
    ),
    (
        "routing_http_response_x_frame_options_header_value",
        "routing.http.response.x_frame_options.header_value",
        Setting::Text,
    ),
];

/// The [`SETTINGS`] AWS answers for the listener (a setting it leaves out is null).
fn settings_read(d: &Item) -> Obj {
    let mut o = Obj::default();
    for (arg, key, kind) in SETTINGS {
        let v = d
            .attr(key)
            .and_then(|t| kind.value(t))
            .unwrap_or(Value::Null(kind.ty()));
        o.set(arg, v);
    }
    o
}

/// The settings the configuration sets that differ from `before`'s, as
/// ModifyListenerAttributes takes them.
fn settings_changed(before: &Obj, after: &Obj) -> Vec<elbv2::types::ListenerAttribute> {
    SETTINGS
        .iter()
        .filter_map(|(arg, key, kind)| {
            let want = kind.text(after, arg)?;
            (kind.text(before, arg).as_deref() != Some(want.as_str())).then(|| {
                elbv2::types::ListenerAttribute::builder()
                    .key(*key)
                    .value(want)
                    .build()
            })
        })
        .collect()
}

/// The `mutual_authentication` block: how an HTTPS listener checks client certificates.
fn mutual_authentication_ty() -> Type {
    block_object(&[
        ("mode", Type::String),
        ("trust_store_arn", Type::String),
        ("ignore_client_certificate_expiry", Type::Bool),
        ("advertise_trust_store_ca_names", Type::String),
    ])
}

/// The block as AWS answers it (none when it answers no mutual authentication).
fn mutual_authentication_read(d: &Item, _: &'static str) -> Option<Vec<Obj>> {
    let Some(m) = d.item.mutual_authentication() else {
        return Some(Vec::new());
    };
    let mut o = Obj::default();
    o.set("mode", opt_s(m.mode()))
        .set("trust_store_arn", opt_s(non_empty(m.trust_store_arn())))
        .set(
            "ignore_client_certificate_expiry",
            opt_b(m.ignore_client_certificate_expiry()),
        )
        .set(
            "advertise_trust_store_ca_names",
            opt_s(m.advertise_trust_store_ca_names().map(|a| a.as_str())),
        );
    Some(vec![o])
}

/// The configured block as the API takes it; none configured is mode `off`, which is how a
/// removed block is taken off a listener.
fn mutual_authentication_to_sdk(p: &Obj) -> elbv2::types::MutualAuthenticationAttributes {
    let m = p.block("mutual_authentication").unwrap_or_default();
    elbv2::types::MutualAuthenticationAttributes::builder()
        .mode(m.str("mode").unwrap_or_else(|| "off".into()))
        .set_trust_store_arn(m.str("trust_store_arn"))
        .set_ignore_client_certificate_expiry(m.bool("ignore_client_certificate_expiry"))
        .set_advertise_trust_store_ca_names(
            m.str("advertise_trust_store_ca_names")
                .map(|a| a.as_str().into()),
        )
        .build()
}

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
        .attr("alpn_policy", A::optional(Type::String), |d| {
            opt_s(d.item.alpn_policy().first())
        })
        .blocks_of(
            "mutual_authentication",
            mutual_authentication_ty(),
            mutual_authentication_read,
        )
        .group(
            SETTINGS
                .iter()
                .map(|(arg, _, kind)| (*arg, A::optional_computed(kind.ty()))),
            settings_read,
        )
        .attr_with_prior(
            "default_action",
            A::required(Type::List(Box::new(actions::action_ty()))),
            |d, prior| {
                Some(actions::read_all(
                    d.item.default_actions(),
                    prior,
                    "default_action",
                ))
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
        p.blocks("default_action")
            .iter()
            .map(actions::to_sdk)
            .collect()
    }

    /// Puts the settings that changed (all the configured ones on create).
    async fn put_settings(&self, arn: &str, before: &Obj, after: &Obj) -> ProviderResult<()> {
        let changed = settings_changed(before, after);
        if changed.is_empty() {
            return Ok(());
        }
        self.aws
            .elbv2
            .modify_listener_attributes()
            .listener_arn(arn)
            .set_attributes(Some(changed))
            .send()
            .await
            .map_err(err("elbv2:ModifyListenerAttributes"))?;
        Ok(())
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
            .all("elbv2:DescribeListeners")
            .await;
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
    async fn list(&self, priors: Vec<Obj>) -> ProviderResult<Vec<Self::Item>> {
        per_parent(&priors, "load_balancer_arn", |lb| async move {
            self.on_load_balancer(&lb).await
        })
        .await
    }

    async fn value(&self, prior: Option<Obj>, l: Self::Item, t: Tags) -> ProviderResult<Value> {
        let key = l.listener_arn().map(str::to_string);
        let d = described_with_attributes!(
            self.aws,
            describe_listener_attributes,
            set_listener_arn,
            key,
            "elbv2:DescribeListenerAttributes",
            l,
            t
        );
        Ok(self.table.read(&self.aws, prior, &d).finish(&self.schema))
    }
}

impl AsyncResourceType for Listener {
    crate::provider::aws::elbv2::common::elb_reads!();
    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        let mut o = Obj::of(&tags::plan(&self.aws, planned));
        let prior = prior.map(Obj::of).unwrap_or_default();
        actions::plan(&mut o, "default_action", &prior);
        o.finish(&self.schema)
    }

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let lb_arn = p.req("load_balancer_arn")?;
        let t = tags::for_create(&self.aws, &ctx, &p);
        let r = self
            .aws
            .elbv2
            .create_listener()
            .load_balancer_arn(&lb_arn)
            .set_port(p.i32("port"))
            .set_protocol(p.str("protocol").map(|x| x.as_str().into()))
            .set_ssl_policy(p.str("ssl_policy"))
            .set_certificates(Self::certificates(&p))
            .set_default_actions(Some(Self::actions(&p)))
            .set_alpn_policy(p.str("alpn_policy").map(|a| vec![a]))
            .set_mutual_authentication(
                p.get("mutual_authentication")
                    .map(|_| mutual_authentication_to_sdk(&p)),
            )
            .set_tags(v2_tag_list(&t))
            .send()
            .await
            .map_err(err("elbv2:CreateListener"));
        let arn = match r {
            Ok(out) => out.listeners().first().map(Self::key).unwrap_or_default(),
            // The port is the listener's natural key on its load balancer.
            Err(e) if e.already_exists() => {
                let same_port = self
                    .on_load_balancer(&lb_arn)
                    .await?
                    .into_iter()
                    .find(|l| l.port() == p.i32("port"))
                    .ok_or_else(|| e.clone())?;
                let arn = Self::key(&same_port);
                let existing_tags = v2_tags(&self.aws, std::slice::from_ref(&arn)).await?;
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
        self.put_settings(&arn, &Obj::default(), &p).await?;
        finish(self, p, &arn).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let arn = before.id()?;
        if [
            "port",
            "protocol",
            "ssl_policy",
            "certificate_arn",
            "alpn_policy",
            "default_action",
            "mutual_authentication",
        ]
        .iter()
        .any(|k| before.0.get(*k) != after.0.get(*k))
        {
            self.aws
                .elbv2
                .modify_listener()
                .listener_arn(&arn)
                .set_port(after.i32("port"))
                .set_protocol(after.str("protocol").map(|x| x.as_str().into()))
                .set_ssl_policy(after.str("ssl_policy"))
                .set_certificates(Self::certificates(&after))
                .set_default_actions(Some(Self::actions(&after)))
                .set_alpn_policy(after.str("alpn_policy").map(|a| vec![a]))
                .set_mutual_authentication(
                    (before.get("mutual_authentication").is_some()
                        || after.get("mutual_authentication").is_some())
                    .then(|| mutual_authentication_to_sdk(&after)),
                )
                .send()
                .await
                .map_err(err("elbv2:ModifyListener"))?;
        }
        self.put_settings(&arn, &before, &after).await?;
        v2_update_tags(&self.aws, &arn, &before, &after).await?;
        finish(self, after, &arn).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let arn = Obj::of(&prior).id()?;
        let r = self
            .aws
            .elbv2
            .delete_listener()
            .listener_arn(&arn)
            .send()
            .await
            .map_err(err("elbv2:DeleteListener"));
        gone_is_ok(r)
    }
}
