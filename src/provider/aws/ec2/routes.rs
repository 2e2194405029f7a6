//! Route destinations and the route calls shared by `aws_route_table`, `aws_route` and
//! `aws_default_route_table`.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, blocks, opt_s, s, set_s};
use crate::provider::aws::bulk::filter;
use crate::provider::aws::sdk::{AllPages, err, gone_is_ok};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::{self};
use crate::provider::schema::{block_list, block_object};
use crate::provider::{AttrSchema, ProviderResult};
use aws_sdk_ec2::types::Filter;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

// ---------------------------------------------------------------------------------------------
// Routes: shared by aws_route_table's inline `route` blocks and aws_route.

/// Where a route sends traffic, by Terraform's attribute names.
pub(crate) const TARGETS: &[&str] = &[
    "carrier_gateway_id",
    "core_network_arn",
    "egress_only_gateway_id",
    "gateway_id",
    "local_gateway_id",
    "nat_gateway_id",
    "network_interface_id",
    "transit_gateway_id",
    "vpc_endpoint_id",
    "vpc_peering_connection_id",
    "odb_network_arn",
];

/// Sets a CreateRoute or ReplaceRoute request's target from Terraform's attributes.
macro_rules! with_targets {
    ($req:expr, $o:expr) => {{
        let o: &Obj = $o;
        $req.set_carrier_gateway_id(o.str("carrier_gateway_id"))
            .set_core_network_arn(o.str("core_network_arn"))
            .set_egress_only_internet_gateway_id(o.str("egress_only_gateway_id"))
            .set_gateway_id(o.str("gateway_id"))
            .set_local_gateway_id(o.str("local_gateway_id"))
            .set_nat_gateway_id(o.str("nat_gateway_id"))
            .set_network_interface_id(o.str("network_interface_id"))
            .set_transit_gateway_id(o.str("transit_gateway_id"))
            .set_vpc_endpoint_id(o.str("vpc_endpoint_id"))
            .set_vpc_peering_connection_id(o.str("vpc_peering_connection_id"))
            .set_odb_network_arn(o.str("odb_network_arn"))
            // A route block's deprecated instance target (`aws_route` reads it back beside
            // the instance's interface, and sends the interface).
            .set_instance_id(
                o.str("instance_id")
                    .filter(|_| o.str("network_interface_id").is_none()),
            )
    }};
}

/// Sets a route request's destination.
macro_rules! with_destination {
    ($req:expr, $d:expr) => {{
        let d: &Destination = $d;
        $req.set_destination_cidr_block(d.v4())
            .set_destination_ipv6_cidr_block(d.v6())
            .set_destination_prefix_list_id(d.prefix_list())
    }};
}

/// What identifies a route within its table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Destination {
    V4(String),
    V6(String),
    PrefixList(String),
}

impl Destination {
    /// From attribute names: the route block's (`cidr_block`) or aws_route's
    /// (`destination_cidr_block`).
    pub(crate) fn of(o: &Obj, v4: &str, v6: &str) -> Option<Destination> {
        o.str(v4)
            .map(Destination::V4)
            .or_else(|| o.str(v6).map(Destination::V6))
            .or_else(|| {
                o.str("destination_prefix_list_id")
                    .map(Destination::PrefixList)
            })
    }

    pub(crate) fn of_route(r: &aws_sdk_ec2::types::Route) -> Option<Destination> {
        r.destination_cidr_block()
            .map(|c| Destination::V4(c.into()))
            .or_else(|| {
                r.destination_ipv6_cidr_block()
                    .map(|c| Destination::V6(c.into()))
            })
            .or_else(|| {
                r.destination_prefix_list_id()
                    .map(|p| Destination::PrefixList(p.into()))
            })
    }

    /// Terraform's import syntax after the `_`: a CIDR, an IPv6 CIDR or a prefix list id.
    pub(crate) fn parse(s: &str) -> Destination {
        if s.starts_with("pl-") {
            Destination::PrefixList(s.into())
        } else if s.contains(':') {
            Destination::V6(s.into())
        } else {
            Destination::V4(s.into())
        }
    }

    pub(crate) fn text(&self) -> &str {
        match self {
            Destination::V4(x) | Destination::V6(x) | Destination::PrefixList(x) => x,
        }
    }

    pub(crate) fn v4(&self) -> Option<String> {
        matches!(self, Destination::V4(_)).then(|| self.text().to_string())
    }

    pub(crate) fn v6(&self) -> Option<String> {
        matches!(self, Destination::V6(_)).then(|| self.text().to_string())
    }

    pub(crate) fn prefix_list(&self) -> Option<String> {
        matches!(self, Destination::PrefixList(_)).then(|| self.text().to_string())
    }
}

/// A route's targets by Terraform's names. AWS reports gateway VPC endpoints as gateway ids;
/// Terraform shows them as `vpc_endpoint_id`.
pub(crate) fn targets_of(r: &aws_sdk_ec2::types::Route) -> Obj {
    let (gateway, endpoint) = match r.gateway_id() {
        Some(g) if g.starts_with("vpce-") => (None, r.gateway_id()),
        g => (g, None),
    };
    let mut o = Obj::default();
    o.set("carrier_gateway_id", opt_s(r.carrier_gateway_id()))
        .set("core_network_arn", opt_s(r.core_network_arn()))
        .set(
            "egress_only_gateway_id",
            opt_s(r.egress_only_internet_gateway_id()),
        )
        .set("gateway_id", opt_s(gateway))
        .set("local_gateway_id", opt_s(r.local_gateway_id()))
        .set("nat_gateway_id", opt_s(r.nat_gateway_id()))
        .set("network_interface_id", opt_s(r.network_interface_id()))
        .set("transit_gateway_id", opt_s(r.transit_gateway_id()))
        .set("vpc_endpoint_id", opt_s(endpoint))
        .set(
            "vpc_peering_connection_id",
            opt_s(r.vpc_peering_connection_id()),
        )
        .set("odb_network_arn", opt_s(r.odb_network_arn()));
    o
}

/// Whether a route sends traffic where `want` says (the targets it sets; an interface AWS
/// adds for an instance target does not count against it).
pub(crate) fn same_targets(want: &Obj, have: &Obj) -> bool {
    TARGETS.iter().all(|k| match want.str(k) {
        Some(v) => have.str(k).as_deref() == Some(v.as_str()),
        None => *k == "network_interface_id" || have.str(k).is_none(),
    })
}

pub(crate) async fn describe_route_tables(
    aws: &Aws,
    filters: Vec<Filter>,
) -> ProviderResult<Vec<aws_sdk_ec2::types::RouteTable>> {
    aws.ec2
        .describe_route_tables()
        .set_filters(Some(filters))
        .max_results(100)
        .into_paginator()
        .items()
        .send()
        .all("ec2:DescribeRouteTables")
        .await
}

/// Route tables by id, in chunks a filter takes; missing ones are absent.
pub(crate) async fn route_tables_by_id(
    aws: &Aws,
    ids: &[String],
) -> ProviderResult<BTreeMap<String, aws_sdk_ec2::types::RouteTable>> {
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(200) {
        for t in describe_route_tables(aws, vec![filter("route-table-id", chunk.to_vec())]).await? {
            out.insert(t.route_table_id().unwrap_or_default().to_string(), t);
        }
    }
    Ok(out)
}

pub(crate) async fn create_route(
    aws: &Aws,
    table: &str,
    dest: &Destination,
    targets: &Obj,
) -> ProviderResult<()> {
    let req = aws.ec2.create_route().route_table_id(table);
    with_targets!(with_destination!(req, dest), targets)
        .send()
        .await
        .map_err(err("ec2:CreateRoute"))?;
    Ok(())
}

pub(crate) async fn replace_route(
    aws: &Aws,
    table: &str,
    dest: &Destination,
    targets: &Obj,
) -> ProviderResult<()> {
    let req = aws.ec2.replace_route().route_table_id(table);
    with_targets!(with_destination!(req, dest), targets)
        .send()
        .await
        .map_err(err("ec2:ReplaceRoute"))?;
    Ok(())
}

pub(crate) async fn delete_route(aws: &Aws, table: &str, dest: &Destination) -> ProviderResult<()> {
    let req = aws.ec2.delete_route().route_table_id(table);
    gone_is_ok(
        with_destination!(req, dest)
            .send()
            .await
            .map_err(err("ec2:DeleteRoute")),
    )
}

/// The attributes of one inline `route` block: its destination, its target, and the
/// deprecated instance target `instance_id`.
pub(crate) fn route_block_attrs() -> Vec<(&'static str, Type)> {
    [
        "cidr_block",
        "ipv6_cidr_block",
        "destination_prefix_list_id",
    ]
    .into_iter()
    .chain(TARGETS.iter().copied())
    .chain(["instance_id"])
    .map(|k| (k, Type::String))
    .collect()
}

pub(crate) fn block_destination(o: &Obj) -> Option<Destination> {
    Destination::of(o, "cidr_block", "ipv6_cidr_block")
}

/// Brings a table's routes from `before` to `after` (both route blocks).
pub(crate) async fn sync_routes(
    aws: &Aws,
    id: &str,
    before: &[Obj],
    after: &[Obj],
) -> ProviderResult<()> {
    let keyed = |rs: &[Obj]| -> BTreeMap<Destination, Obj> {
        rs.iter()
            .filter_map(|r| Some((block_destination(r)?, r.clone())))
            .collect()
    };
    let (old, new) = (keyed(before), keyed(after));
    for dest in old.keys().filter(|d| !new.contains_key(*d)) {
        delete_route(aws, id, dest).await?;
    }
    for (dest, want) in &new {
        match old.get(dest) {
            None => create_route(aws, id, dest, want).await?,
            Some(had)
                if !same_targets(want, had)
                    || want.str("instance_id") != had.str("instance_id") =>
            {
                replace_route(aws, id, dest, want).await?
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Brings a route table's propagations and inline routes from `before` to `after` (a route
/// table's values: `propagating_vgws` and `route`).
pub(crate) async fn sync_table(
    aws: &Aws,
    id: &str,
    before: &Obj,
    after: &Obj,
) -> ProviderResult<()> {
    let vgws = |o: &Obj| -> BTreeSet<String> { o.strs("propagating_vgws").into_iter().collect() };
    sync_propagation(aws, id, &vgws(before), &vgws(after)).await?;
    sync_routes(aws, id, &before.blocks("route"), &after.blocks("route")).await
}

/// Turns route propagation from the virtual private gateways in `before` to those in `after`.
pub(crate) async fn sync_propagation(
    aws: &Aws,
    id: &str,
    before: &BTreeSet<String>,
    after: &BTreeSet<String>,
) -> ProviderResult<()> {
    for vgw in before.difference(after) {
        gone_is_ok(
            aws.ec2
                .disable_vgw_route_propagation()
                .route_table_id(id)
                .gateway_id(vgw)
                .send()
                .await
                .map_err(err("ec2:DisableVgwRoutePropagation")),
        )?;
    }
    for vgw in after.difference(before) {
        aws.ec2
            .enable_vgw_route_propagation()
            .route_table_id(id)
            .gateway_id(vgw)
            .send()
            .await
            .map_err(err("ec2:EnableVgwRoutePropagation"))?;
    }
    Ok(())
}

/// Routes in the order the prior value lists them (so reading does not reorder the list),
/// new ones after, by destination.
pub(crate) fn in_prior_order(prior: &[Obj], mut current: Vec<(Destination, Obj)>) -> Vec<Obj> {
    let mut out = Vec::with_capacity(current.len());
    for p in prior {
        if let Some(d) = block_destination(p)
            && let Some(i) = current.iter().position(|(c, _)| *c == d)
        {
            out.push(current.remove(i).1);
        }
    }
    current.sort_by(|a, b| a.0.cmp(&b.0));
    out.extend(current.into_iter().map(|(_, o)| o));
    out
}

type Item = aws_sdk_ec2::types::RouteTable;

/// The rows `aws_route_table` and `aws_default_route_table` share; `vpc_id` is theirs to
/// declare (required for one, computed for the other).
pub(crate) fn route_table_rows(vpc_id: AttrSchema) -> Table<Item> {
    use AttrSchema as A;
    static ROUTE: LazyLock<Type> = LazyLock::new(|| block_object(&route_block_attrs()));
    Table::<Item>::new()
        .attr("id", A::computed(Type::String), |t| {
            opt_s(t.route_table_id())
        })
        .attr_in_region("arn", A::computed(Type::String), |t, region| {
            s(format!(
                "arn:aws:ec2:{region}:{}:route-table/{}",
                t.owner_id().unwrap_or_default(),
                t.route_table_id().unwrap_or_default()
            ))
        })
        .attr("owner_id", A::computed(Type::String), |t| {
            opt_s(t.owner_id())
        })
        .attr("vpc_id", vpc_id, |t| opt_s(t.vpc_id()))
        // Unset: whatever routes the table has are left alone; set (even to []): the table
        // holds exactly these.
        .attr_with_prior(
            "route",
            A::optional_computed(block_list(&route_block_attrs())).attribute_mode(),
            |t, prior| {
                let configured = prior.map(|p| p.blocks("route")).unwrap_or_default();
                let routes = in_prior_order(&configured, created_routes(t))
                    .into_iter()
                    .map(|r| by_instance_where_configured(r, &configured))
                    .collect();
                Some(blocks(&ROUTE, routes))
            },
        )
        .attr(
            "propagating_vgws",
            A::optional_computed(Type::Set(Box::new(Type::String))),
            |t| set_s(t.propagating_vgws().iter().filter_map(|v| v.gateway_id())),
        )
        .tagged(|t| tags::from_ec2(t.tags()))
}

/// A route to an instance as its block names it: by `instance_id` where the configuration
/// did (AWS adds the instance's interface, which that block leaves out), else by the interface
/// alone, as the provider has read such routes since `instance_id` was deprecated.
fn by_instance_where_configured(mut route: Obj, configured: &[Obj]) -> Obj {
    let dest = block_destination(&route);
    let by_instance = configured
        .iter()
        .any(|c| block_destination(c) == dest && c.str("instance_id").is_some());
    if by_instance && route.str("instance_id").is_some() {
        route.set("network_interface_id", Value::Null(Type::String));
    } else {
        route.set("instance_id", Value::Null(Type::String));
    }
    route
}

/// The routes someone created: not the local route, not propagated ones.
fn created_routes(t: &Item) -> Vec<(Destination, Obj)> {
    t.routes()
        .iter()
        .filter(|r| r.origin().is_some_and(|o| o.as_str() == "CreateRoute"))
        .filter(|r| r.gateway_id() != Some("local"))
        .filter_map(|r| {
            let dest = Destination::of_route(r)?;
            let mut o = targets_of(r);
            o.set("instance_id", opt_s(r.instance_id()))
                .set("cidr_block", opt_s(dest.v4()))
                .set("ipv6_cidr_block", opt_s(dest.v6()))
                .set("destination_prefix_list_id", opt_s(dest.prefix_list()));
            Some((dest, o))
        })
        .collect()
}
