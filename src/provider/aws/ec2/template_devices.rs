//! A launch template's network interfaces and block device mappings: their block types, how
//! they read from a version's data and how they go into a version request, every argument the
//! provider documents (connection tracking, ENA Express and secondary interfaces aside).

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, blocks, blocks_or_null, opt_b, opt_n, opt_s};
use crate::provider::aws::launch::{nonempty, opt_set, string_set, tri_bool, tri_s};
use crate::provider::schema::block_object;
use aws_sdk_ec2::types::builders::RequestLaunchTemplateDataBuilder;
use aws_sdk_ec2::types::{
    InstanceIpv6AddressRequest, Ipv4PrefixSpecificationRequest, Ipv6PrefixSpecificationRequest,
    LaunchTemplateBlockDeviceMappingRequest, LaunchTemplateEbsBlockDeviceRequest,
    LaunchTemplateInstanceNetworkInterfaceSpecificationRequest, PrivateIpAddressSpecification,
    ResponseLaunchTemplateData, VolumeType,
};

type Data = ResponseLaunchTemplateData;

pub(crate) fn ebs_ty() -> Type {
    block_object(&[
        ("delete_on_termination", Type::String),
        ("encrypted", Type::String),
        ("iops", Type::Number),
        ("kms_key_id", Type::String),
        ("snapshot_id", Type::String),
        ("throughput", Type::Number),
        ("volume_initialization_rate", Type::Number),
        ("volume_size", Type::Number),
        ("volume_type", Type::String),
    ])
}

pub(crate) fn device_ty() -> Type {
    block_object(&[
        ("device_name", Type::String),
        ("ebs", Type::List(Box::new(ebs_ty()))),
        ("no_device", Type::String),
        ("virtual_name", Type::String),
    ])
}

pub(crate) fn nic_ty() -> Type {
    block_object(&[
        ("associate_carrier_ip_address", Type::String),
        ("associate_public_ip_address", Type::String),
        ("connection_tracking_specification", one_of(tracking_ty())),
        ("ena_srd_specification", one_of(ena_srd_ty())),
        ("ena_queue_count", Type::Number),
        ("delete_on_termination", Type::String),
        ("description", Type::String),
        ("device_index", Type::Number),
        ("interface_type", Type::String),
        ("ipv4_address_count", Type::Number),
        ("ipv4_addresses", string_set()),
        ("ipv4_prefix_count", Type::Number),
        ("ipv4_prefixes", string_set()),
        ("ipv6_address_count", Type::Number),
        ("ipv6_addresses", string_set()),
        ("ipv6_prefix_count", Type::Number),
        ("ipv6_prefixes", string_set()),
        ("network_card_index", Type::Number),
        ("network_interface_id", Type::String),
        ("primary_ipv6", Type::String),
        ("private_ip_address", Type::String),
        ("security_groups", string_set()),
        ("subnet_id", Type::String),
    ])
}

fn one_of(ty: Type) -> Type {
    Type::List(Box::new(ty))
}

/// An interface's connection tracking timeouts (seconds).
fn tracking_ty() -> Type {
    block_object(&[
        ("tcp_established_timeout", Type::Number),
        ("udp_stream_timeout", Type::Number),
        ("udp_timeout", Type::Number),
    ])
}

/// ENA Express on an interface, and for its UDP traffic.
fn ena_srd_udp_ty() -> Type {
    block_object(&[("ena_srd_udp_enabled", Type::Bool)])
}

fn ena_srd_ty() -> Type {
    block_object(&[
        ("ena_srd_enabled", Type::Bool),
        ("ena_srd_udp_specification", one_of(ena_srd_udp_ty())),
    ])
}

fn tracking_read(t: Option<&aws_sdk_ec2::types::ConnectionTrackingSpecification>) -> Value {
    blocks_or_null(
        &tracking_ty(),
        Vec::from_iter(t.map(|t| {
            let mut o = Obj::default();
            o.set("tcp_established_timeout", num(t.tcp_established_timeout()))
                .set("udp_stream_timeout", num(t.udp_stream_timeout()))
                .set("udp_timeout", num(t.udp_timeout()));
            o
        })),
    )
}

fn ena_srd_read(e: Option<&aws_sdk_ec2::types::LaunchTemplateEnaSrdSpecification>) -> Value {
    blocks_or_null(
        &ena_srd_ty(),
        Vec::from_iter(e.map(|e| {
            let udp = e.ena_srd_udp_specification().map(|u| {
                let mut x = Obj::default();
                x.set("ena_srd_udp_enabled", opt_b(u.ena_srd_udp_enabled()));
                x
            });
            let mut o = Obj::default();
            o.set("ena_srd_enabled", opt_b(e.ena_srd_enabled())).set(
                "ena_srd_udp_specification",
                blocks_or_null(&ena_srd_udp_ty(), Vec::from_iter(udp)),
            );
            o
        })),
    )
}

fn tracking_request(
    ni: &Obj,
) -> Option<aws_sdk_ec2::types::ConnectionTrackingSpecificationRequest> {
    let t = ni.block("connection_tracking_specification")?;
    Some(
        aws_sdk_ec2::types::ConnectionTrackingSpecificationRequest::builder()
            .set_tcp_established_timeout(t.i32("tcp_established_timeout"))
            .set_udp_stream_timeout(t.i32("udp_stream_timeout"))
            .set_udp_timeout(t.i32("udp_timeout"))
            .build(),
    )
}

fn ena_srd_request(ni: &Obj) -> Option<aws_sdk_ec2::types::EnaSrdSpecificationRequest> {
    let e = ni.block("ena_srd_specification")?;
    let udp = e.block("ena_srd_udp_specification").map(|u| {
        aws_sdk_ec2::types::EnaSrdUdpSpecificationRequest::builder()
            .set_ena_srd_udp_enabled(u.bool("ena_srd_udp_enabled"))
            .build()
    });
    Some(
        aws_sdk_ec2::types::EnaSrdSpecificationRequest::builder()
            .set_ena_srd_enabled(e.bool("ena_srd_enabled"))
            .set_ena_srd_udp_specification(udp)
            .build(),
    )
}

fn num(v: Option<i32>) -> Value {
    opt_n(v.map(i64::from))
}

/// The `network_interfaces` blocks of a version's data. The primary private address is
/// `private_ip_address`; the others are `ipv4_addresses`.
pub(crate) fn nic_blocks(d: &Data) -> Vec<Obj> {
    d.network_interfaces()
        .iter()
        .map(|ni| {
            let secondary = ni
                .private_ip_addresses()
                .iter()
                .filter(|a| a.primary() != Some(true))
                .filter_map(|a| a.private_ip_address().map(str::to_string))
                .collect();
            let mut x = Obj::default();
            x.set(
                "associate_carrier_ip_address",
                tri_s(ni.associate_carrier_ip_address()),
            )
            .set(
                "associate_public_ip_address",
                tri_s(ni.associate_public_ip_address()),
            )
            .set(
                "connection_tracking_specification",
                tracking_read(ni.connection_tracking_specification()),
            )
            .set(
                "ena_srd_specification",
                ena_srd_read(ni.ena_srd_specification()),
            )
            .set("ena_queue_count", num(ni.ena_queue_count()))
            .set("delete_on_termination", tri_s(ni.delete_on_termination()))
            .set("description", opt_s(ni.description()))
            .set("device_index", num(ni.device_index()))
            .set("interface_type", opt_s(ni.interface_type()))
            .set(
                "ipv4_address_count",
                num(ni.secondary_private_ip_address_count()),
            )
            .set("ipv4_addresses", opt_set(secondary))
            .set("ipv4_prefix_count", num(ni.ipv4_prefix_count()))
            .set(
                "ipv4_prefixes",
                opt_set(
                    ni.ipv4_prefixes()
                        .iter()
                        .filter_map(|p| p.ipv4_prefix().map(str::to_string))
                        .collect(),
                ),
            )
            .set("ipv6_address_count", num(ni.ipv6_address_count()))
            .set(
                "ipv6_addresses",
                opt_set(
                    ni.ipv6_addresses()
                        .iter()
                        .filter_map(|a| a.ipv6_address().map(str::to_string))
                        .collect(),
                ),
            )
            .set("ipv6_prefix_count", num(ni.ipv6_prefix_count()))
            .set(
                "ipv6_prefixes",
                opt_set(
                    ni.ipv6_prefixes()
                        .iter()
                        .filter_map(|p| p.ipv6_prefix().map(str::to_string))
                        .collect(),
                ),
            )
            .set("network_card_index", num(ni.network_card_index()))
            .set("network_interface_id", opt_s(ni.network_interface_id()))
            .set("primary_ipv6", tri_s(ni.primary_ipv6()))
            .set("private_ip_address", opt_s(ni.private_ip_address()))
            .set("security_groups", opt_set(ni.groups().to_vec()))
            .set("subnet_id", opt_s(ni.subnet_id()));
            x
        })
        .collect()
}

/// The `block_device_mappings` blocks of a version's data.
pub(crate) fn device_blocks(d: &Data) -> Vec<Obj> {
    d.block_device_mappings()
        .iter()
        .map(|bd| {
            let ebs: Vec<Obj> = bd
                .ebs()
                .map(|e| {
                    let mut x = Obj::default();
                    x.set("delete_on_termination", tri_s(e.delete_on_termination()))
                        .set("encrypted", tri_s(e.encrypted()))
                        .set("iops", num(e.iops()))
                        .set("kms_key_id", opt_s(e.kms_key_id()))
                        .set("snapshot_id", opt_s(e.snapshot_id()))
                        .set("throughput", num(e.throughput()))
                        .set(
                            "volume_initialization_rate",
                            num(e.volume_initialization_rate()),
                        )
                        .set("volume_size", num(e.volume_size()))
                        .set("volume_type", opt_s(e.volume_type().map(|v| v.as_str())));
                    x
                })
                .into_iter()
                .collect();
            let mut x = Obj::default();
            x.set("device_name", opt_s(bd.device_name()))
                .set(
                    "ebs",
                    if ebs.is_empty() {
                        Value::Null(Type::List(Box::new(ebs_ty())))
                    } else {
                        blocks(&ebs_ty(), ebs)
                    },
                )
                .set("no_device", opt_s(bd.no_device()))
                .set("virtual_name", opt_s(bd.virtual_name()));
            x
        })
        .collect()
}

/// The planned interfaces and device mappings into a version request.
pub(crate) fn request(
    mut d: RequestLaunchTemplateDataBuilder,
    p: &Obj,
) -> RequestLaunchTemplateDataBuilder {
    for ni in p.blocks("network_interfaces") {
        let secondary: Vec<PrivateIpAddressSpecification> = ni
            .strs("ipv4_addresses")
            .into_iter()
            .map(|a| {
                PrivateIpAddressSpecification::builder()
                    .private_ip_address(a)
                    .primary(false)
                    .build()
            })
            .collect();
        let ipv6: Vec<InstanceIpv6AddressRequest> = ni
            .strs("ipv6_addresses")
            .into_iter()
            .map(|a| {
                InstanceIpv6AddressRequest::builder()
                    .ipv6_address(a)
                    .build()
            })
            .collect();
        let v4_prefixes: Vec<Ipv4PrefixSpecificationRequest> = ni
            .strs("ipv4_prefixes")
            .into_iter()
            .map(|a| {
                Ipv4PrefixSpecificationRequest::builder()
                    .ipv4_prefix(a)
                    .build()
            })
            .collect();
        let v6_prefixes: Vec<Ipv6PrefixSpecificationRequest> = ni
            .strs("ipv6_prefixes")
            .into_iter()
            .map(|a| {
                Ipv6PrefixSpecificationRequest::builder()
                    .ipv6_prefix(a)
                    .build()
            })
            .collect();
        d = d.network_interfaces(
            LaunchTemplateInstanceNetworkInterfaceSpecificationRequest::builder()
                .set_associate_carrier_ip_address(tri_bool(&ni, "associate_carrier_ip_address"))
                .set_associate_public_ip_address(tri_bool(&ni, "associate_public_ip_address"))
                .set_delete_on_termination(tri_bool(&ni, "delete_on_termination"))
                .set_description(ni.str("description"))
                .set_device_index(ni.i32("device_index"))
                .set_interface_type(ni.str("interface_type"))
                .set_secondary_private_ip_address_count(ni.i32("ipv4_address_count"))
                .set_private_ip_addresses(nonempty(secondary))
                .set_ipv4_prefix_count(ni.i32("ipv4_prefix_count"))
                .set_ipv4_prefixes(nonempty(v4_prefixes))
                .set_ipv6_address_count(ni.i32("ipv6_address_count"))
                .set_ipv6_addresses(nonempty(ipv6))
                .set_ipv6_prefix_count(ni.i32("ipv6_prefix_count"))
                .set_ipv6_prefixes(nonempty(v6_prefixes))
                .set_network_card_index(ni.i32("network_card_index"))
                .set_network_interface_id(ni.str("network_interface_id"))
                .set_primary_ipv6(tri_bool(&ni, "primary_ipv6"))
                .set_private_ip_address(ni.str("private_ip_address"))
                .set_groups(nonempty(ni.strs("security_groups")))
                .set_subnet_id(ni.str("subnet_id"))
                .set_connection_tracking_specification(tracking_request(&ni))
                .set_ena_srd_specification(ena_srd_request(&ni))
                .set_ena_queue_count(ni.i32("ena_queue_count"))
                .build(),
        );
    }
    for bd in p.blocks("block_device_mappings") {
        let ebs = bd.block("ebs").map(|e| {
            LaunchTemplateEbsBlockDeviceRequest::builder()
                .set_delete_on_termination(tri_bool(&e, "delete_on_termination"))
                .set_encrypted(tri_bool(&e, "encrypted"))
                .set_iops(e.i32("iops"))
                .set_kms_key_id(e.str("kms_key_id"))
                .set_snapshot_id(e.str("snapshot_id"))
                .set_throughput(e.i32("throughput"))
                .set_volume_initialization_rate(e.i32("volume_initialization_rate"))
                .set_volume_size(e.i32("volume_size"))
                .set_volume_type(e.str("volume_type").map(|v| VolumeType::from(v.as_str())))
                .build()
        });
        d = d.block_device_mappings(
            LaunchTemplateBlockDeviceMappingRequest::builder()
                .set_device_name(bd.str("device_name"))
                .set_ebs(ebs)
                .set_no_device(bd.str("no_device"))
                .set_virtual_name(bd.str("virtual_name"))
                .build(),
        );
    }
    d
}
