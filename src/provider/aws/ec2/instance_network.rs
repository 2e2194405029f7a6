//! An instance's addresses and interfaces at launch: existing interfaces attached by
//! `primary_network_interface` (or the older `network_interface` blocks), or a primary
//! interface the launch makes with the subnet, the security groups, a public address, a fixed
//! `private_ip` and `secondary_private_ips`, and IPv6 addresses by count or by value (the first
//! one primary with `enable_primary_ipv6`); and interfaces on secondary networks
//! (`secondary_network_interface`). All of it is fixed at launch (changes replace), but for
//! turning a primary IPv6 address on. And a Windows instance's password data, when asked for.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::AttrSchema;
use crate::provider::aws::attrs::{
    Obj, b, blocks, fill_blocks, list_s, n, opt_b, opt_n, opt_s, set_s,
};
use crate::provider::aws::launch::{nonempty, read_blocks};
use crate::provider::aws::table::Table;
use crate::provider::schema::block_object;
use aws_sdk_ec2::types::{
    Instance, InstanceIpv6Address, InstanceNetworkInterfaceSpecification,
    InstanceSecondaryInterfacePrivateIpAddressRequest as SecondaryAddress,
    InstanceSecondaryInterfaceSpecificationRequest as SecondarySpec, PrivateIpAddressSpecification,
};

fn interface_ty() -> Type {
    block_object(&[
        ("device_index", Type::Number),
        ("network_interface_id", Type::String),
        ("delete_on_termination", Type::Bool),
        ("network_card_index", Type::Number),
    ])
}

fn primary_ty() -> Type {
    block_object(&[
        ("network_interface_id", Type::String),
        ("delete_on_termination", Type::Bool),
    ])
}

fn secondary_ty() -> Type {
    block_object(&[
        ("delete_on_termination", Type::Bool),
        ("device_index", Type::Number),
        ("interface_type", Type::String),
        ("mac_address", Type::String),
        ("network_card_index", Type::Number),
        ("private_ip_address_count", Type::Number),
        ("private_ip_addresses", Type::List(Box::new(Type::String))),
        ("secondary_interface_id", Type::String),
        ("secondary_network_id", Type::String),
        ("secondary_subnet_id", Type::String),
        ("source_dest_check", Type::Bool),
        ("status", Type::String),
    ])
}

/// The interface at device index 0: the one a launch makes.
fn primary(i: &Instance) -> Option<&aws_sdk_ec2::types::InstanceNetworkInterface> {
    i.network_interfaces()
        .iter()
        .find(|ni| ni.attachment().and_then(|a| a.device_index()) == Some(0))
}

/// The rows of these attributes in the instance's table.
pub fn rows(t: Table<Instance>) -> Table<Instance> {
    use AttrSchema as A;
    t.attr(
        "private_ip",
        A::optional_computed(Type::String).force_new(),
        |i| opt_s(i.private_ip_address()),
    )
    .attr(
        "network_interface",
        A::optional_computed(Type::Set(Box::new(interface_ty()))).force_new(),
        |i| {
            let items: Vec<Value> = i
                .network_interfaces()
                .iter()
                .map(|ni| {
                    let a = ni.attachment();
                    let mut x = Obj::default();
                    x.set(
                        "device_index",
                        n(a.and_then(|a| a.device_index()).unwrap_or(0).into()),
                    )
                    .set("network_interface_id", opt_s(ni.network_interface_id()))
                    .set(
                        "delete_on_termination",
                        b(a.and_then(|a| a.delete_on_termination()).unwrap_or(false)),
                    )
                    .set(
                        "network_card_index",
                        n(a.and_then(|a| a.network_card_index()).unwrap_or(0).into()),
                    );
                    Value::object(x.0)
                })
                .collect();
            Value::set(interface_ty(), items)
        },
    )
    .attr_with_prior(
        "primary_network_interface",
        A::optional_computed(Type::List(Box::new(primary_ty())))
            .force_new()
            .conflicts_with(&["network_interface"]),
        |i, prior| {
            let ni = primary(i)?;
            let mut x = Obj::default();
            x.set("network_interface_id", opt_s(ni.network_interface_id()))
                .set(
                    "delete_on_termination",
                    opt_b(ni.attachment().and_then(|a| a.delete_on_termination())),
                );
            Some(read_blocks(
                prior,
                "primary_network_interface",
                &primary_ty(),
                vec![x],
            ))
        },
    )
    .attr_with_prior(
        "secondary_network_interface",
        A::optional_computed(Type::List(Box::new(secondary_ty()))).force_new(),
        |i, prior| {
            let items = i
                .secondary_interfaces()
                .iter()
                .map(secondary_block)
                .collect();
            Some(read_blocks(
                prior,
                "secondary_network_interface",
                &secondary_ty(),
                items,
            ))
        },
    )
    // Turned on in place (ModifyNetworkInterfaceAttribute); turned off only by a new instance.
    .attr(
        "enable_primary_ipv6",
        A::optional_computed(Type::Bool),
        |i| {
            b(primary(i).is_some_and(|ni| {
                ni.ipv6_addresses()
                    .iter()
                    .any(|a| a.is_primary_ipv6() == Some(true))
            }))
        },
    )
    .attr(
        "secondary_private_ips",
        A::optional_computed(Type::Set(Box::new(Type::String))).force_new(),
        |i| {
            let secondary = primary(i)
                .map(|ni| ni.private_ip_addresses())
                .unwrap_or_default()
                .iter()
                .filter(|a| a.primary() != Some(true))
                .filter_map(|a| a.private_ip_address());
            set_s(secondary)
        },
    )
    // A Windows instance's administrator password, encrypted with its key pair: read by
    // `password_data` when asked for.
    .declared(
        "get_password_data",
        A::optional(Type::Bool).default(b(false)),
    )
    .declared("password_data", A::computed(Type::String).sensitive())
    .attr(
        "ipv6_addresses",
        A::optional_computed(Type::List(Box::new(Type::String))).force_new(),
        |i| {
            let addresses = primary(i)
                .map(|ni| ni.ipv6_addresses())
                .unwrap_or_default()
                .iter()
                .filter_map(|a| a.ipv6_address());
            list_s(addresses)
        },
    )
}

/// A secondary interface as its block.
fn secondary_block(si: &aws_sdk_ec2::types::InstanceSecondaryInterface) -> Obj {
    let a = si.attachment();
    let addresses: Vec<&str> = si
        .private_ip_addresses()
        .iter()
        .filter_map(|p| p.private_ip_address())
        .collect();
    let mut x = Obj::default();
    x.set(
        "delete_on_termination",
        opt_b(a.and_then(|a| a.delete_on_termination())),
    )
    .set(
        "device_index",
        opt_n(a.and_then(|a| a.device_index()).map(i64::from)),
    )
    .set(
        "interface_type",
        opt_s(si.interface_type().map(|t| t.as_str())),
    )
    .set("mac_address", opt_s(si.mac_address()))
    .set(
        "network_card_index",
        opt_n(a.and_then(|a| a.network_card_index()).map(i64::from)),
    )
    .set("private_ip_address_count", n(addresses.len() as i64))
    .set("private_ip_addresses", list_s(addresses))
    .set("secondary_interface_id", opt_s(si.secondary_interface_id()))
    .set("secondary_network_id", opt_s(si.secondary_network_id()))
    .set("secondary_subnet_id", opt_s(si.secondary_subnet_id()))
    .set("source_dest_check", opt_b(si.source_dest_check()))
    .set("status", opt_s(si.status().map(|s| s.as_str())));
    x
}

/// The interfaces on secondary networks a launch asks for, if any.
pub fn secondary_interfaces(p: &Obj) -> Option<Vec<SecondarySpec>> {
    let blocks = p.blocks("secondary_network_interface");
    (!blocks.is_empty()).then(|| {
        blocks
            .iter()
            .map(|si| {
                let addresses: Vec<SecondaryAddress> = si
                    .strs("private_ip_addresses")
                    .into_iter()
                    .map(|ip| SecondaryAddress::builder().private_ip_address(ip).build())
                    .collect();
                SecondarySpec::builder()
                    .set_delete_on_termination(si.bool("delete_on_termination"))
                    .set_device_index(si.i32("device_index"))
                    .set_interface_type(si.str("interface_type").map(|t| t.as_str().into()))
                    .set_network_card_index(si.i32("network_card_index"))
                    .set_private_ip_address_count(si.i32("private_ip_address_count"))
                    .set_private_ip_addresses(nonempty(addresses))
                    .set_secondary_subnet_id(si.str("secondary_subnet_id"))
                    .build()
            })
            .collect()
    })
}

/// The interfaces a launch asks for, or `None` when it gives subnet, groups and addresses on
/// the request itself: existing interfaces when the configuration names them, else a primary
/// interface when what it asks for (a public address, secondary or IPv6 addresses) can only
/// be asked for on one.
pub fn interfaces(
    p: &Obj,
    groups: Option<Vec<String>>,
) -> Option<Vec<InstanceNetworkInterfaceSpecification>> {
    if let Some(ni) = p.block("primary_network_interface") {
        return Some(vec![
            InstanceNetworkInterfaceSpecification::builder()
                .device_index(0)
                .set_network_interface_id(ni.str("network_interface_id"))
                .set_delete_on_termination(ni.bool("delete_on_termination"))
                .build(),
        ]);
    }
    let attached = p.blocks("network_interface");
    if !attached.is_empty() {
        return Some(
            attached
                .iter()
                .map(|ni| {
                    InstanceNetworkInterfaceSpecification::builder()
                        .set_device_index(ni.i32("device_index"))
                        .set_network_interface_id(ni.str("network_interface_id"))
                        .set_delete_on_termination(ni.bool("delete_on_termination"))
                        .set_network_card_index(ni.i32("network_card_index"))
                        .build()
                })
                .collect(),
        );
    }
    let secondary = p.strs("secondary_private_ips");
    let ipv6 = p.strs("ipv6_addresses");
    let public = p.bool("associate_public_ip_address");
    if public.is_none() && secondary.is_empty() && ipv6.is_empty() {
        return None;
    }
    let mut addresses: Vec<PrivateIpAddressSpecification> = p
        .str("private_ip")
        .map(|ip| {
            PrivateIpAddressSpecification::builder()
                .primary(true)
                .private_ip_address(ip)
                .build()
        })
        .into_iter()
        .collect();
    addresses.extend(secondary.into_iter().map(|ip| {
        PrivateIpAddressSpecification::builder()
            .primary(false)
            .private_ip_address(ip)
            .build()
    }));
    let ipv6: Vec<InstanceIpv6Address> = ipv6
        .into_iter()
        .map(|a| InstanceIpv6Address::builder().ipv6_address(a).build())
        .collect();
    Some(vec![
        InstanceNetworkInterfaceSpecification::builder()
            .device_index(0)
            .set_associate_public_ip_address(public)
            .set_subnet_id(p.str("subnet_id"))
            .set_groups(groups)
            .set_ipv6_address_count(p.i32("ipv6_address_count"))
            .set_ipv6_addresses((!ipv6.is_empty()).then_some(ipv6))
            .set_primary_ipv6(p.bool("enable_primary_ipv6"))
            .set_private_ip_addresses(nonempty(addresses))
            .build(),
    ])
}

/// Sets `password_data`: GetPasswordData's answer where `get_password_data` is on (empty until
/// Windows has made the password), null otherwise.
pub async fn password_data(
    aws: &crate::provider::aws::Aws,
    id: &str,
    o: &mut Obj,
) -> crate::provider::ProviderResult<()> {
    if o.bool("get_password_data") != Some(true) {
        o.set("password_data", Value::Null(Type::String));
        return Ok(());
    }
    let out = aws
        .ec2
        .get_password_data()
        .instance_id(id)
        .send()
        .await
        .map_err(crate::provider::aws::sdk::err("ec2:GetPasswordData"))?;
    o.set(
        "password_data",
        crate::provider::aws::attrs::s(out.password_data().unwrap_or_default().trim()),
    );
    Ok(())
}

/// Whether a change of `enable_primary_ipv6` needs a new instance: a primary IPv6 address can
/// be turned on in place, never off.
pub fn primary_ipv6_replaces(planned: &Obj) -> bool {
    planned.bool("enable_primary_ipv6") == Some(false)
}

/// Turns a primary IPv6 address on, on the instance's primary interface, where the change asks.
pub async fn update(
    aws: &crate::provider::aws::Aws,
    before: &Obj,
    after: &Obj,
) -> crate::provider::ProviderResult<()> {
    if after.bool("enable_primary_ipv6") != Some(true)
        || before.bool("enable_primary_ipv6") == Some(true)
    {
        return Ok(());
    }
    aws.ec2
        .modify_network_interface_attribute()
        .set_network_interface_id(before.str("primary_network_interface_id"))
        .enable_primary_ipv6(true)
        .send()
        .await
        .map_err(crate::provider::aws::sdk::err(
            "ec2:ModifyNetworkInterfaceAttribute",
        ))?;
    Ok(())
}

/// Plans what the interface blocks leave unset: what AWS assigns or defaults (ids, addresses,
/// status, deletion on termination) keeps the prior block's value, or is unknown until the
/// launch, so that the read after it compares equal.
pub fn plan(prior: Option<&Obj>, planned: &mut Obj) {
    let secondary_computed = [
        "delete_on_termination",
        "device_index",
        "interface_type",
        "mac_address",
        "private_ip_address_count",
        "private_ip_addresses",
        "secondary_interface_id",
        "secondary_network_id",
        "source_dest_check",
        "status",
    ];
    let kinds: [(&str, Type, &[&str]); 2] = [
        (
            "primary_network_interface",
            primary_ty(),
            &["delete_on_termination"],
        ),
        (
            "secondary_network_interface",
            secondary_ty(),
            &secondary_computed,
        ),
    ];
    for (k, ty, computed) in kinds {
        if planned.get(k).is_none_or(|v| !v.is_wholly_known()) {
            continue;
        }
        let before = prior.map(|p| p.blocks(k)).unwrap_or_default();
        let filled = fill_blocks(&planned.blocks(k), &before, &ty, &[], computed);
        planned.set(k, blocks(&ty, filled));
    }
}
