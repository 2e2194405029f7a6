//! `aws_instance`'s `metadata_options` block: its type, how it reads from a described
//! instance, and how it sets a RunInstances or ModifyInstanceMetadataOptions request.

use crate::lang::types::Type;
use crate::provider::aws::attrs::{Obj, opt_n, opt_s};
use crate::provider::schema::block_object;

type Item = aws_sdk_ec2::types::Instance;

/// The `metadata_options` block: how the instance metadata service answers.
pub fn metadata_options_ty() -> Type {
    block_object(&[
        ("http_endpoint", Type::String),
        ("http_tokens", Type::String),
        ("http_put_response_hop_limit", Type::Number),
        ("http_protocol_ipv6", Type::String),
        ("instance_metadata_tags", Type::String),
    ])
}

pub fn metadata_options_blocks(i: &Item) -> Vec<Obj> {
    let options = i.metadata_options().map(|m| {
        let mut x = Obj::default();
        x.set(
            "http_endpoint",
            opt_s(m.http_endpoint().map(|v| v.as_str())),
        )
        .set("http_tokens", opt_s(m.http_tokens().map(|v| v.as_str())))
        .set(
            "http_put_response_hop_limit",
            opt_n(m.http_put_response_hop_limit().map(i64::from)),
        )
        .set(
            "http_protocol_ipv6",
            opt_s(m.http_protocol_ipv6().map(|v| v.as_str())),
        )
        .set(
            "instance_metadata_tags",
            opt_s(m.instance_metadata_tags().map(|v| v.as_str())),
        );
        x
    });
    options.into_iter().collect()
}

/// Sets a RunInstances or ModifyInstanceMetadataOptions request from a `metadata_options` block.
macro_rules! with_metadata_options {
    ($req:expr, $m:expr) => {{
        let m: &$crate::provider::aws::attrs::Obj = $m;
        $req.set_http_tokens(
            m.str("http_tokens")
                .map(|v| aws_sdk_ec2::types::HttpTokensState::from(v.as_str())),
        )
        .set_http_endpoint(
            m.str("http_endpoint")
                .map(|v| aws_sdk_ec2::types::InstanceMetadataEndpointState::from(v.as_str())),
        )
        .set_http_put_response_hop_limit(m.i32("http_put_response_hop_limit"))
        .set_http_protocol_ipv6(
            m.str("http_protocol_ipv6")
                .map(|v| aws_sdk_ec2::types::InstanceMetadataProtocolState::from(v.as_str())),
        )
        .set_instance_metadata_tags(
            m.str("instance_metadata_tags")
                .map(|v| aws_sdk_ec2::types::InstanceMetadataTagsState::from(v.as_str())),
        )
    }};
}
pub(crate) use with_metadata_options;
