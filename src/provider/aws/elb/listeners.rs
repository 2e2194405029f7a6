//! Classic load balancer listeners and tags.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, n, opt_s, s};
use crate::provider::aws::elbv2::common::*;
use crate::provider::aws::tags::Tags;
use crate::provider::schema::block_object;
use crate::provider::{ProviderError, ProviderResult};
use aws_sdk_elasticloadbalancing as elb;
use std::collections::{BTreeSet, HashMap};

pub(crate) fn listener_type() -> Type {
    block_object(&[
        ("instance_port", Type::Number),
        ("instance_protocol", Type::String),
        ("lb_port", Type::Number),
        ("lb_protocol", Type::String),
        ("ssl_certificate_id", Type::String),
    ])
}

pub(crate) fn health_check_type() -> Type {
    block_object(&[
        ("healthy_threshold", Type::Number),
        ("unhealthy_threshold", Type::Number),
        ("target", Type::String),
        ("interval", Type::Number),
        ("timeout", Type::Number),
    ])
}

/// Turns an SDK builder's missing-field error into a provider error.
pub(crate) fn built<T>(
    op: &str,
    r: Result<T, aws_smithy_types::error::operation::BuildError>,
) -> ProviderResult<T> {
    r.map_err(|e| ProviderError::new(op, e.to_string()))
}

/// One listener as the set compares it: protocols lowercase, as Terraform stores them (AWS
/// answers in uppercase and takes either).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ListenerSpec {
    pub(crate) lb_port: i32,
    pub(crate) lb_protocol: String,
    pub(crate) instance_port: i32,
    pub(crate) instance_protocol: String,
    pub(crate) ssl_certificate_id: Option<String>,
}

impl ListenerSpec {
    pub(crate) fn of_block(l: &Obj) -> ListenerSpec {
        let lb_protocol = l.str("lb_protocol").unwrap_or_default().to_lowercase();
        ListenerSpec {
            lb_port: l.i32("lb_port").unwrap_or_default(),
            instance_port: l.i32("instance_port").unwrap_or_default(),
            instance_protocol: l
                .str("instance_protocol")
                .map(|p| p.to_lowercase())
                .unwrap_or_else(|| lb_protocol.clone()),
            lb_protocol,
            ssl_certificate_id: l.str("ssl_certificate_id"),
        }
    }

    pub(crate) fn of_sdk(l: &elb::types::Listener) -> ListenerSpec {
        let lb_protocol = l.protocol().to_lowercase();
        ListenerSpec {
            lb_port: l.load_balancer_port(),
            instance_port: l.instance_port(),
            instance_protocol: l
                .instance_protocol()
                .map(str::to_lowercase)
                .unwrap_or_else(|| lb_protocol.clone()),
            lb_protocol,
            ssl_certificate_id: non_empty(l.ssl_certificate_id()).map(str::to_string),
        }
    }

    pub(crate) fn sdk(&self) -> ProviderResult<elb::types::Listener> {
        built(
            "elb:Listener",
            elb::types::Listener::builder()
                .load_balancer_port(self.lb_port)
                .protocol(&self.lb_protocol)
                .instance_port(self.instance_port)
                .instance_protocol(&self.instance_protocol)
                .set_ssl_certificate_id(self.ssl_certificate_id.clone())
                .build(),
        )
    }

    pub(crate) fn value(&self) -> Value {
        let mut o = Obj::default();
        o.set("lb_port", n(self.lb_port.into()))
            .set("lb_protocol", s(&self.lb_protocol))
            .set("instance_port", n(self.instance_port.into()))
            .set("instance_protocol", s(&self.instance_protocol))
            .set(
                "ssl_certificate_id",
                opt_s(self.ssl_certificate_id.as_deref()),
            );
        Value::object(o.0)
    }
}

pub(crate) fn listener_specs(o: &Obj) -> BTreeSet<ListenerSpec> {
    o.blocks("listener")
        .iter()
        .map(ListenerSpec::of_block)
        .collect()
}

pub(crate) fn listener_set(specs: impl IntoIterator<Item = ListenerSpec>) -> Value {
    Value::set(
        listener_type(),
        specs.into_iter().map(|l| l.value()).collect(),
    )
}

pub(crate) fn tag_list(t: &Tags) -> Option<Vec<elb::types::Tag>> {
    (!t.is_empty()).then(|| {
        t.iter()
            .filter_map(|(k, v)| elb::types::Tag::builder().key(k).value(v).build().ok())
            .collect()
    })
}

pub(crate) async fn describe_tags(
    aws: &Aws,
    names: &[String],
) -> ProviderResult<HashMap<String, Tags>> {
    let mut out = HashMap::new();
    for chunk in names.chunks(TAGS_PER_CALL) {
        let got = match aws
            .elb
            .describe_tags()
            .set_load_balancer_names(Some(chunk.to_vec()))
            .send()
            .await
        {
            Ok(got) => got,
            Err(e) => {
                let e = crate::provider::aws::sdk::api_error("elb:DescribeTags", e);
                if !e.is_not_found() {
                    return Err(e);
                }
                // One load balancer of the chunk vanished since it was listed: read the rest
                // one by one.
                if chunk.len() > 1 {
                    for name in chunk {
                        out.extend(Box::pin(describe_tags(aws, std::slice::from_ref(name))).await?);
                    }
                }
                continue;
            }
        };
        for d in got.tag_descriptions() {
            let t = d
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().unwrap_or("").to_string()))
                .collect();
            out.insert(d.load_balancer_name().unwrap_or_default().to_string(), t);
        }
    }
    Ok(out)
}
