//! A regional NAT gateway (`availability_mode = "regional"`): one gateway for a VPC across
//! its zones, made with the VPC instead of a subnet. In auto mode (no
//! `availability_zone_address` blocks) AWS picks the zones and their addresses; in manual
//! mode each block names a zone and the Elastic IPs it uses, and a change to a zone's
//! addresses is made in place (AssociateNatGatewayAddress, DisassociateNatGatewayAddress).
//! Switching between the modes makes a new gateway. What AWS answers of either mode is read
//! into `regional_nat_gateway_address`.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::AttrSchema;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, added_removed, opt_s, s, set_s};
use crate::provider::aws::launch::{fit, nonempty};
use crate::provider::aws::sdk::err;
use crate::provider::aws::table::Table;
use crate::provider::schema::block_object;
use crate::provider::{ProviderError, ProviderResult};
use aws_sdk_ec2::operation::create_nat_gateway::builders::CreateNatGatewayFluentBuilder;
use aws_sdk_ec2::types::{AvailabilityMode, AvailabilityZoneAddress, NatGatewayAddress};
use std::collections::BTreeMap;

type Item = aws_sdk_ec2::types::NatGateway;

const ZONES: &str = "availability_zone_address";

/// Whether AWS describes `g` as a regional gateway.
pub fn is_regional(g: &Item) -> bool {
    g.availability_mode()
        .is_some_and(|m| *m == AvailabilityMode::Regional)
}

fn regional(o: &Obj) -> bool {
    o.str("availability_mode").as_deref() == Some("regional")
}

fn zone_ty() -> Type {
    block_object(&[
        ("allocation_ids", Type::Set(Box::new(Type::String))),
        ("availability_zone", Type::String),
        ("availability_zone_id", Type::String),
    ])
}

fn address_ty() -> Type {
    block_object(&[
        ("allocation_id", Type::String),
        ("association_id", Type::String),
        ("availability_zone", Type::String),
        ("availability_zone_id", Type::String),
        ("network_interface_id", Type::String),
        ("public_ip", Type::String),
        ("status", Type::String),
    ])
}

fn address_block(a: &NatGatewayAddress) -> Value {
    let mut x = Obj::default();
    x.set("allocation_id", opt_s(a.allocation_id()))
        .set("association_id", opt_s(a.association_id()))
        .set("availability_zone", opt_s(a.availability_zone()))
        .set("availability_zone_id", opt_s(a.availability_zone_id()))
        .set("network_interface_id", opt_s(a.network_interface_id()))
        .set("public_ip", opt_s(a.public_ip()))
        .set("status", opt_s(a.status().map(|v| v.as_str())));
    Value::object(x.0)
}

/// A manual-mode gateway's zones as blocks, each cut to the configured block of the same zone
/// (by name or by id); none (auto mode, or a zonal gateway) is null, as unconfigured.
fn zone_blocks(g: &Item, prior: Option<&Obj>) -> Value {
    let manual = g
        .auto_provision_zones()
        .is_some_and(|z| z.as_str() == "disabled");
    let mut zones: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
    for a in g.nat_gateway_addresses().iter().filter(|_| manual) {
        let zone = (
            a.availability_zone().unwrap_or_default().to_string(),
            a.availability_zone_id().unwrap_or_default().to_string(),
        );
        zones.entry(zone).or_default().extend(a.allocation_id());
    }
    if zones.is_empty() {
        return Value::Null(Type::Set(Box::new(zone_ty())));
    }
    let configured = prior.map(|p| p.blocks(ZONES)).unwrap_or_default();
    let items = zones
        .into_iter()
        .map(|((zone, zone_id), allocations)| {
            let mut x = Obj::default();
            x.set("allocation_ids", set_s(allocations))
                .set("availability_zone", s(&zone))
                .set("availability_zone_id", s(&zone_id));
            let actual = Value::object(x.0);
            let same = configured.iter().find(|c| {
                c.str("availability_zone").as_deref() == Some(zone.as_str())
                    || c.str("availability_zone_id").as_deref() == Some(zone_id.as_str())
            });
            match (prior, same) {
                (Some(_), Some(c)) => fit(Some(&Value::object(c.0.clone())), actual),
                _ => actual,
            }
        })
        .collect();
    Value::set(zone_ty(), items)
}

/// The rows of the regional gateway's attributes, added to the gateway's table.
pub fn rows(t: Table<Item>) -> Table<Item> {
    use AttrSchema as A;
    let text = || A::computed(Type::String);
    t.attr(
        "availability_mode",
        A::optional(Type::String).default(s("zonal")).force_new(),
        |g| s(g.availability_mode().map_or("zonal", |m| m.as_str())),
    )
    .attr(
        "vpc_id",
        A::optional_computed(Type::String).force_new(),
        |g| opt_s(g.vpc_id()),
    )
    // Changed in place within a mode; into or out of manual mode replaces (`replaces`).
    .attr_with_prior(
        ZONES,
        A::optional(Type::Set(Box::new(zone_ty()))).conflicts_with(&["subnet_id"]),
        |g, prior| Some(zone_blocks(g, prior)),
    )
    .attr("auto_provision_zones", text(), |g| {
        opt_s(g.auto_provision_zones().map(|v| v.as_str()))
    })
    .attr("auto_scaling_ips", text(), |g| {
        opt_s(g.auto_scaling_ips().map(|v| v.as_str()))
    })
    // Whether AWS manages the zones and their addresses: a regional gateway's auto mode.
    .attr("regional_nat_gateway_auto_mode", text(), |g| {
        opt_s(
            is_regional(g).then(|| match g.auto_provision_zones().map(|v| v.as_str()) {
                Some("enabled") => "enabled",
                _ => "disabled",
            }),
        )
    })
    .attr("route_table_id", text(), |g| opt_s(g.route_table_id()))
    .attr(
        "regional_nat_gateway_address",
        A::computed(Type::Set(Box::new(address_ty()))),
        |g| {
            if !is_regional(g) {
                return Value::Null(Type::Set(Box::new(address_ty())));
            }
            let items = g
                .nat_gateway_addresses()
                .iter()
                .map(address_block)
                .collect();
            Value::set(address_ty(), items)
        },
    )
}

/// Refuses a gateway AWS would: a zonal one needs a subnet; a regional one a VPC, and neither
/// a subnet nor a single allocation (its zones' addresses stand for it).
pub fn validate(o: &Obj) -> Result<(), String> {
    // Unknown counts as given: the plan cannot tell yet.
    let given = |k: &str| o.0.get(k).is_some_and(|v| !v.is_known() || !v.is_null());
    if o.0.get("availability_mode").is_some_and(|v| !v.is_known()) {
        return Ok(());
    }
    if !regional(o) {
        if !given("subnet_id") {
            return Err("a zonal NAT gateway needs subnet_id".into());
        }
        if given(ZONES) {
            return Err("availability_zone_address is for a regional NAT gateway only".into());
        }
        return Ok(());
    }
    if !given("vpc_id") {
        return Err("a regional NAT gateway needs vpc_id".into());
    }
    if given("subnet_id") || given("allocation_id") {
        return Err(
            "a regional NAT gateway takes no subnet_id or allocation_id: give each \
                    zone's addresses in availability_zone_address blocks"
                .into(),
        );
    }
    Ok(())
}

/// Whether a change of the zones needs a new gateway: into or out of manual mode.
pub fn replaces(prior: &Obj, planned: &Obj) -> bool {
    prior.blocks(ZONES).is_empty() != planned.blocks(ZONES).is_empty()
}

/// Sets the regional arguments on a CreateNatGateway request, for a regional gateway.
pub fn set(req: CreateNatGatewayFluentBuilder, p: &Obj) -> CreateNatGatewayFluentBuilder {
    if !regional(p) {
        return req;
    }
    let zones: Vec<AvailabilityZoneAddress> = p
        .blocks(ZONES)
        .iter()
        .map(|z| {
            AvailabilityZoneAddress::builder()
                .set_availability_zone(z.str("availability_zone"))
                .set_availability_zone_id(z.str("availability_zone_id"))
                .set_allocation_ids(Some(z.strs("allocation_ids")))
                .build()
        })
        .collect();
    req.availability_mode(AvailabilityMode::Regional)
        .set_vpc_id(p.str("vpc_id"))
        .set_availability_zone_addresses(nonempty(zones))
}

/// A zone's key: its name, else its id, as configured.
fn zone_key(z: &Obj) -> (Option<String>, Option<String>) {
    match z.str("availability_zone") {
        Some(name) => (Some(name), None),
        None => (None, z.str("availability_zone_id")),
    }
}

/// Changes the zones' addresses in place: new allocations associated in their zone, dropped
/// ones disassociated (by the association AWS answers for them, `g` being the gateway now).
pub async fn update(aws: &Aws, g: &Item, before: &Obj, after: &Obj) -> ProviderResult<()> {
    let id = g.nat_gateway_id().unwrap_or_default();
    let zones = |o: &Obj| -> BTreeMap<(Option<String>, Option<String>), Vec<String>> {
        o.blocks(ZONES)
            .iter()
            .map(|z| (zone_key(z), z.strs("allocation_ids")))
            .collect()
    };
    let (was, now) = (zones(before), zones(after));
    let mut dropped = Vec::new();
    let keys: std::collections::BTreeSet<_> = was.keys().chain(now.keys()).collect();
    for key in keys {
        let (add, remove) = added_removed(
            was.get(key).map(Vec::as_slice).unwrap_or_default(),
            now.get(key).map(Vec::as_slice).unwrap_or_default(),
        );
        dropped.extend(remove);
        if add.is_empty() || !now.contains_key(key) {
            continue;
        }
        aws.ec2
            .associate_nat_gateway_address()
            .nat_gateway_id(id)
            .set_allocation_ids(Some(add))
            .set_availability_zone(key.0.clone())
            .set_availability_zone_id(key.1.clone())
            .send()
            .await
            .map_err(err("ec2:AssociateNatGatewayAddress"))?;
    }
    dropped.sort();
    dropped.dedup();
    if dropped.is_empty() {
        return Ok(());
    }
    let associations: Vec<String> = g
        .nat_gateway_addresses()
        .iter()
        .filter(|a| {
            a.allocation_id()
                .is_some_and(|x| dropped.iter().any(|d| d == x))
        })
        .filter_map(|a| a.association_id().map(str::to_string))
        .collect();
    if associations.len() != dropped.len() {
        return Err(ProviderError::new(
            "ec2:DisassociateNatGatewayAddress",
            format!(
                "NAT gateway {id} does not hold all of {}",
                dropped.join(", ")
            ),
        ));
    }
    aws.ec2
        .disassociate_nat_gateway_address()
        .nat_gateway_id(id)
        .set_association_ids(Some(associations))
        .send()
        .await
        .map_err(err("ec2:DisassociateNatGatewayAddress"))?;
    Ok(())
}
