//! An instance's addresses and interfaces at launch: existing interfaces attached by
//! `network_interface` blocks, or a primary interface the launch makes with the subnet, the
//! security groups, a public address, a fixed `private_ip` and `secondary_private_ips`, and
//! IPv6 addresses by count or by value. All of it is fixed at launch (changes replace). And
//! a Windows instance's password data, when asked for.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::AttrSchema;
use crate::provider::aws::attrs::{Obj, b, list_s, n, opt_s, set_s};
use crate::provider::aws::table::Table;
use crate::provider::schema::block_object;
use aws_sdk_ec2::types::{
    Instance, InstanceIpv6Address, InstanceNetworkInterfaceSpecification,
    PrivateIpAddressSpecification,
};

fn interface_ty() -> Type {
    block_object(&[
        ("device_index", Type::Number),
        ("network_interface_id", Type::String),
        ("delete_on_termination", Type::Bool),
        ("network_card_index", Type::Number),
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

/// The interfaces a launch asks for, or `None` when it gives subnet, groups and addresses on
/// the request itself: existing interfaces when the configuration names them, else a primary
/// interface when what it asks for (a public address, secondary or IPv6 addresses) can only
/// be asked for on one.
pub fn interfaces(
    p: &Obj,
    groups: Option<Vec<String>>,
) -> Option<Vec<InstanceNetworkInterfaceSpecification>> {
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
            .set_private_ip_addresses((!addresses.is_empty()).then_some(addresses))
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
