//! `data "aws_vpc"`: the one VPC that an id, a block, `default`, a state and filters select,
//! with its DNS switches (DescribeVpcAttribute), its main route table, and its IPv4 and IPv6
//! block associations.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, b, map_s, opt_s, s};
use crate::provider::aws::bulk::filter;
use crate::provider::aws::data::none_found;
use crate::provider::aws::sdk::err;
use crate::provider::aws::tags;
use crate::provider::{ProviderError, ProviderResult};
use aws_sdk_ec2::types::Filter;

/// An IPv6 block's association has where the block came from beside its id and state.
const IPV6_DETAILS: [&str; 4] = [
    "ip_source",
    "ipv6_address_attribute",
    "ipv6_pool",
    "network_border_group",
];

/// One of a VPC's CIDR block associations: its id, its block (`cidr` names the attribute),
/// and its state. The element of `cidr_block_associations` (`cidr` is `cidr_block`) or of
/// `ipv6_cidr_block_associations` (`ipv6_cidr_block`, with the IPv6 details).
pub(crate) fn association_type(cidr: &str) -> Type {
    let details = if cidr == "ipv6_cidr_block" {
        &IPV6_DETAILS[..]
    } else {
        &[]
    };
    Type::object(
        ["association_id", cidr, "state"]
            .iter()
            .chain(details)
            .map(|k| (k.to_string(), Type::String))
            .collect(),
    )
}

fn association(cidr: &str, id: Option<&str>, block: Option<&str>, state: Option<&str>) -> Value {
    let mut a = Obj::default();
    a.set("association_id", opt_s(id))
        .set(cidr, opt_s(block))
        .set("state", opt_s(state));
    Value::object(a.0)
}

/// Reads the one VPC the configuration and `fs` (its `filter` blocks) select into `o`.
pub(crate) async fn read(
    aws: &Aws,
    cfg: &Obj,
    mut fs: Vec<Filter>,
    o: &mut Obj,
) -> ProviderResult<()> {
    if let Some(id) = cfg.str("id") {
        fs.push(filter("vpc-id", [id]));
    }
    if let Some(c) = cfg.str("cidr_block") {
        fs.push(filter("cidr", [c]));
    }
    // `default = false` is the plugin SDK's zero value, which means "not set": any VPC.
    if cfg.bool("default") == Some(true) {
        fs.push(filter("is-default", ["true".to_string()]));
    }
    if let Some(st) = cfg.str("state") {
        fs.push(filter("state", [st]));
    }
    let out = aws
        .ec2
        .describe_vpcs()
        .set_filters(Some(fs))
        .send()
        .await
        .map_err(err("ec2:DescribeVpcs"))?;
    let vpcs = out.vpcs();
    if vpcs.len() > 1 {
        return Err(ProviderError::new(
            "read",
            format!(
                "{} VPCs matched; use additional constraints to reduce matches to a single VPC",
                vpcs.len()
            ),
        ));
    }
    let v = vpcs.first().ok_or_else(|| none_found("VPC"))?;
    let id = v.vpc_id().unwrap_or_default();
    let owner = v.owner_id().unwrap_or_default();
    let main = aws
        .ec2
        .describe_route_tables()
        .filters(filter("vpc-id", [id.to_string()]))
        .filters(filter("association.main", ["true".to_string()]))
        .send()
        .await
        .map_err(err("ec2:DescribeRouteTables"))?;
    use aws_sdk_ec2::types::VpcAttributeName as Switch;
    let switch = |name| super::vpc::attribute(aws, id, name);
    let primary = v
        .cidr_block_association_set()
        .iter()
        .find(|a| a.cidr_block() == v.cidr_block());
    let ipv6 = v.ipv6_cidr_block_association_set().first();
    o.set(
        "enable_dns_support",
        b(switch(Switch::EnableDnsSupport).await?),
    )
    .set(
        "enable_dns_hostnames",
        b(switch(Switch::EnableDnsHostnames).await?),
    )
    .set(
        "enable_network_address_usage_metrics",
        b(switch(Switch::EnableNetworkAddressUsageMetrics).await?),
    )
    .set(
        "association_id",
        opt_s(primary.and_then(|a| a.association_id())),
    )
    .set(
        "ipv6_association_id",
        opt_s(ipv6.and_then(|a| a.association_id())),
    )
    .set(
        "ipv6_cidr_block",
        opt_s(ipv6.and_then(|a| a.ipv6_cidr_block())),
    )
    .set(
        "cidr_block_associations",
        Value::list(
            association_type("cidr_block"),
            v.cidr_block_association_set()
                .iter()
                .map(|a| {
                    let state = a.cidr_block_state().and_then(|s| s.state());
                    let state = state.map(|s| s.as_str());
                    association("cidr_block", a.association_id(), a.cidr_block(), state)
                })
                .collect(),
        ),
    )
    .set(
        "ipv6_cidr_block_associations",
        Value::list(
            association_type("ipv6_cidr_block"),
            v.ipv6_cidr_block_association_set()
                .iter()
                .map(|a| {
                    let state = a.ipv6_cidr_block_state().and_then(|s| s.state());
                    let state = state.map(|s| s.as_str());
                    let mut x = Obj::of(&association(
                        "ipv6_cidr_block",
                        a.association_id(),
                        a.ipv6_cidr_block(),
                        state,
                    ));
                    x.set("ip_source", opt_s(a.ip_source().map(|v| v.as_str())))
                        .set(
                            "ipv6_address_attribute",
                            opt_s(a.ipv6_address_attribute().map(|v| v.as_str())),
                        )
                        .set("ipv6_pool", opt_s(a.ipv6_pool()))
                        .set("network_border_group", opt_s(a.network_border_group()));
                    Value::object(x.0)
                })
                .collect(),
        ),
    );
    o.set("id", s(id))
        .set(
            "arn",
            s(format!("arn:aws:ec2:{}:{owner}:vpc/{id}", aws.region)),
        )
        .set("cidr_block", opt_s(v.cidr_block()))
        .set("default", b(v.is_default().unwrap_or(false)))
        .set("state", opt_s(v.state().map(|s| s.as_str())))
        .set("owner_id", s(owner))
        .set(
            "instance_tenancy",
            opt_s(v.instance_tenancy().map(|t| t.as_str())),
        )
        .set("dhcp_options_id", opt_s(v.dhcp_options_id()))
        .set(
            "main_route_table_id",
            opt_s(main.route_tables().first().and_then(|t| t.route_table_id())),
        )
        .set("tags", map_s(&tags::from_ec2(v.tags())));
    Ok(())
}
