//! The launch template's option blocks beside image, type, network and disks: monitoring,
//! placement, CPU credits and options, spot market, capacity reservations, licences, enclaves,
//! hibernation, maintenance, private DNS names, instance requirements, network bandwidth
//! weighting and interfaces on secondary networks. Each is declared once here (its block type,
//! how it reads from a version's data, how it goes into a version request); `launch_template.rs`
//! puts them in its table.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, blocks_or_null, list_s, opt_b, opt_n, opt_s};
use crate::provider::aws::launch::nonempty;
use crate::provider::schema::block_object;
use aws_sdk_ec2::types::builders::RequestLaunchTemplateDataBuilder;
use aws_sdk_ec2::types::{
    AmdSevSnpSpecification, CapacityReservationPreference, CapacityReservationTarget,
    CreditSpecificationRequest, HostnameType, InstanceInterruptionBehavior,
    LaunchTemplateAutoRecoveryState, LaunchTemplateCapacityReservationSpecificationRequest,
    LaunchTemplateCpuOptionsRequest, LaunchTemplateEnclaveOptionsRequest,
    LaunchTemplateHibernationOptionsRequest, LaunchTemplateInstanceMaintenanceOptionsRequest,
    LaunchTemplateInstanceMarketOptionsRequest,
    LaunchTemplateInstanceSecondaryInterfaceSpecificationRequest,
    LaunchTemplateLicenseConfigurationRequest, LaunchTemplateNetworkPerformanceOptionsRequest,
    LaunchTemplatePlacementRequest, LaunchTemplatePrivateDnsNameOptionsRequest,
    LaunchTemplateSpotMarketOptionsRequest, LaunchTemplatesMonitoringRequest, MarketType,
    ResponseLaunchTemplateData,
    SecondaryInterfacePrivateIpAddressSpecificationRequest as SecondaryAddress, SpotInstanceType,
    Tenancy,
};

type Data = ResponseLaunchTemplateData;

/// How a block reads from a version's data.
pub(crate) type Reader = fn(&Data) -> Vec<Obj>;

fn one(o: Option<Obj>) -> Vec<Obj> {
    o.into_iter().collect()
}

fn spot_ty() -> Type {
    block_object(&[
        ("block_duration_minutes", Type::Number),
        ("instance_interruption_behavior", Type::String),
        ("max_price", Type::String),
        ("spot_instance_type", Type::String),
        ("valid_until", Type::String),
    ])
}

fn reservation_target_ty() -> Type {
    block_object(&[
        ("capacity_reservation_id", Type::String),
        ("capacity_reservation_resource_group_arn", Type::String),
    ])
}

/// Every option block: name, block type, reader; built once, since every read and plan of a
/// template goes through them.
pub(crate) fn option_blocks() -> &'static [(&'static str, Type, Reader)] {
    static BLOCKS: std::sync::LazyLock<Vec<(&'static str, Type, Reader)>> =
        std::sync::LazyLock::new(declared_blocks);
    &BLOCKS
}

fn declared_blocks() -> Vec<(&'static str, Type, Reader)> {
    vec![
        // Elastic GPUs and Elastic Inference are retired services; configurations still carry
        // the blocks, and AWS still takes them.
        (
            "elastic_gpu_specifications",
            block_object(&[("type", Type::String)]),
            |d| {
                d.elastic_gpu_specifications()
                    .iter()
                    .map(|g| {
                        let mut x = Obj::default();
                        x.set("type", opt_s(g.r#type()));
                        x
                    })
                    .collect()
            },
        ),
        (
            "elastic_inference_accelerator",
            block_object(&[("type", Type::String)]),
            |d| {
                one(d.elastic_inference_accelerators().first().map(|a| {
                    let mut x = Obj::default();
                    x.set("type", opt_s(a.r#type()));
                    x
                }))
            },
        ),
        (
            "instance_requirements",
            crate::provider::aws::instance_requirements::ty(),
            |d| {
                one(d
                    .instance_requirements()
                    .map(crate::provider::aws::instance_requirements::from_ec2))
            },
        ),
        (
            "monitoring",
            block_object(&[("enabled", Type::Bool)]),
            |d| {
                one(d.monitoring().map(|m| {
                    let mut x = Obj::default();
                    x.set("enabled", opt_b(m.enabled()));
                    x
                }))
            },
        ),
        (
            "placement",
            block_object(&[
                ("affinity", Type::String),
                ("availability_zone", Type::String),
                ("group_id", Type::String),
                ("group_name", Type::String),
                ("host_id", Type::String),
                ("host_resource_group_arn", Type::String),
                ("partition_number", Type::Number),
                ("spread_domain", Type::String),
                ("tenancy", Type::String),
            ]),
            |d| {
                one(d.placement().map(|p| {
                    let mut x = Obj::default();
                    x.set("affinity", opt_s(p.affinity()))
                        .set("availability_zone", opt_s(p.availability_zone()))
                        .set("group_id", opt_s(p.group_id()))
                        .set("group_name", opt_s(p.group_name()))
                        .set("host_id", opt_s(p.host_id()))
                        .set(
                            "host_resource_group_arn",
                            opt_s(p.host_resource_group_arn()),
                        )
                        .set(
                            "partition_number",
                            opt_n(p.partition_number().map(i64::from)),
                        )
                        .set("spread_domain", opt_s(p.spread_domain()))
                        .set("tenancy", opt_s(p.tenancy().map(|t| t.as_str())));
                    x
                }))
            },
        ),
        (
            "credit_specification",
            block_object(&[("cpu_credits", Type::String)]),
            |d| {
                one(d.credit_specification().map(|c| {
                    let mut x = Obj::default();
                    x.set("cpu_credits", opt_s(c.cpu_credits()));
                    x
                }))
            },
        ),
        (
            "network_performance_options",
            block_object(&[("bandwidth_weighting", Type::String)]),
            |d| {
                one(d.network_performance_options().map(|o| {
                    let mut x = Obj::default();
                    x.set(
                        "bandwidth_weighting",
                        opt_s(o.bandwidth_weighting().map(|v| v.as_str())),
                    );
                    x
                }))
            },
        ),
        (
            "secondary_interfaces",
            block_object(&[
                ("delete_on_termination", Type::Bool),
                ("device_index", Type::Number),
                ("interface_type", Type::String),
                ("network_card_index", Type::Number),
                ("private_ip_address_count", Type::Number),
                ("private_ip_addresses", Type::List(Box::new(Type::String))),
                ("secondary_subnet_id", Type::String),
            ]),
            |d| {
                d.secondary_interfaces()
                    .iter()
                    .map(|i| {
                        let addresses: Vec<&str> = i
                            .private_ip_addresses()
                            .iter()
                            .filter_map(|a| a.private_ip_address())
                            .collect();
                        let addresses = if addresses.is_empty() {
                            Value::Null(Type::List(Box::new(Type::String)))
                        } else {
                            list_s(addresses)
                        };
                        let mut x = Obj::default();
                        x.set("delete_on_termination", opt_b(i.delete_on_termination()))
                            .set("device_index", opt_n(i.device_index().map(i64::from)))
                            .set(
                                "interface_type",
                                opt_s(i.interface_type().map(|v| v.as_str())),
                            )
                            .set(
                                "network_card_index",
                                opt_n(i.network_card_index().map(i64::from)),
                            )
                            .set(
                                "private_ip_address_count",
                                opt_n(i.private_ip_address_count().map(i64::from)),
                            )
                            .set("private_ip_addresses", addresses)
                            .set("secondary_subnet_id", opt_s(i.secondary_subnet_id()));
                        x
                    })
                    .collect()
            },
        ),
        (
            "cpu_options",
            block_object(&[
                ("amd_sev_snp", Type::String),
                ("core_count", Type::Number),
                ("nested_virtualization", Type::String),
                ("threads_per_core", Type::Number),
            ]),
            |d| {
                one(d.cpu_options().map(|c| {
                    let mut x = Obj::default();
                    x.set("amd_sev_snp", opt_s(c.amd_sev_snp().map(|v| v.as_str())))
                        .set("core_count", opt_n(c.core_count().map(i64::from)))
                        .set(
                            "nested_virtualization",
                            opt_s(c.nested_virtualization().map(|v| v.as_str())),
                        )
                        .set(
                            "threads_per_core",
                            opt_n(c.threads_per_core().map(i64::from)),
                        );
                    x
                }))
            },
        ),
        (
            "instance_market_options",
            block_object(&[
                ("market_type", Type::String),
                ("spot_options", Type::List(Box::new(spot_ty()))),
            ]),
            |d| {
                one(d.instance_market_options().map(|m| {
                    let spot: Vec<Obj> = m
                        .spot_options()
                        .map(|s| {
                            let mut x = Obj::default();
                            x.set(
                                "block_duration_minutes",
                                opt_n(s.block_duration_minutes().map(i64::from)),
                            )
                            .set(
                                "instance_interruption_behavior",
                                opt_s(s.instance_interruption_behavior().map(|v| v.as_str())),
                            )
                            .set("max_price", opt_s(s.max_price()))
                            .set(
                                "spot_instance_type",
                                opt_s(s.spot_instance_type().map(|v| v.as_str())),
                            )
                            .set(
                                "valid_until",
                                opt_s(s.valid_until().and_then(|t| {
                                    t.fmt(aws_smithy_types::date_time::Format::DateTime).ok()
                                })),
                            );
                            x
                        })
                        .into_iter()
                        .collect();
                    let mut x = Obj::default();
                    x.set("market_type", opt_s(m.market_type().map(|v| v.as_str())))
                        .set("spot_options", blocks_or_null(&spot_ty(), spot));
                    x
                }))
            },
        ),
        (
            "capacity_reservation_specification",
            block_object(&[
                ("capacity_reservation_preference", Type::String),
                (
                    "capacity_reservation_target",
                    Type::List(Box::new(reservation_target_ty())),
                ),
            ]),
            |d| {
                one(d.capacity_reservation_specification().map(|c| {
                    let target: Vec<Obj> = c
                        .capacity_reservation_target()
                        .map(|t| {
                            let mut x = Obj::default();
                            x.set(
                                "capacity_reservation_id",
                                opt_s(t.capacity_reservation_id()),
                            )
                            .set(
                                "capacity_reservation_resource_group_arn",
                                opt_s(t.capacity_reservation_resource_group_arn()),
                            );
                            x
                        })
                        .into_iter()
                        .collect();
                    let mut x = Obj::default();
                    x.set(
                        "capacity_reservation_preference",
                        opt_s(c.capacity_reservation_preference().map(|v| v.as_str())),
                    )
                    .set(
                        "capacity_reservation_target",
                        blocks_or_null(&reservation_target_ty(), target),
                    );
                    x
                }))
            },
        ),
        (
            "license_specification",
            block_object(&[("license_configuration_arn", Type::String)]),
            |d| {
                d.license_specifications()
                    .iter()
                    .map(|l| {
                        let mut x = Obj::default();
                        x.set(
                            "license_configuration_arn",
                            opt_s(l.license_configuration_arn()),
                        );
                        x
                    })
                    .collect()
            },
        ),
        (
            "enclave_options",
            block_object(&[("enabled", Type::Bool)]),
            |d| {
                one(d.enclave_options().map(|e| {
                    let mut x = Obj::default();
                    x.set("enabled", opt_b(e.enabled()));
                    x
                }))
            },
        ),
        (
            "hibernation_options",
            block_object(&[("configured", Type::Bool)]),
            |d| {
                one(d.hibernation_options().map(|h| {
                    let mut x = Obj::default();
                    x.set("configured", opt_b(h.configured()));
                    x
                }))
            },
        ),
        (
            "maintenance_options",
            block_object(&[("auto_recovery", Type::String)]),
            |d| {
                one(d.maintenance_options().map(|m| {
                    let mut x = Obj::default();
                    x.set(
                        "auto_recovery",
                        opt_s(m.auto_recovery().map(|v| v.as_str())),
                    );
                    x
                }))
            },
        ),
        (
            "private_dns_name_options",
            block_object(&[
                ("enable_resource_name_dns_aaaa_record", Type::Bool),
                ("enable_resource_name_dns_a_record", Type::Bool),
                ("hostname_type", Type::String),
            ]),
            |d| {
                one(d.private_dns_name_options().map(|p| {
                    let mut x = Obj::default();
                    x.set(
                        "enable_resource_name_dns_aaaa_record",
                        opt_b(p.enable_resource_name_dns_aaaa_record()),
                    )
                    .set(
                        "enable_resource_name_dns_a_record",
                        opt_b(p.enable_resource_name_dns_a_record()),
                    )
                    .set(
                        "hostname_type",
                        opt_s(p.hostname_type().map(|v| v.as_str())),
                    );
                    x
                }))
            },
        ),
    ]
}

/// The option block `name` of a version's data.
pub(crate) fn read(name: &str, d: &Data) -> Vec<Obj> {
    option_blocks()
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, _, read)| read(d))
        .unwrap_or_default()
}

/// The names of the option blocks: a change to any is a new version.
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    option_blocks().iter().map(|(n, _, _)| *n)
}

/// The option blocks of the planned arguments into a version request.
pub(crate) fn request(
    mut d: RequestLaunchTemplateDataBuilder,
    p: &Obj,
) -> RequestLaunchTemplateDataBuilder {
    if let Some(r) = p.block("instance_requirements") {
        d = d.instance_requirements(crate::provider::aws::instance_requirements::to_ec2(&r));
    }
    // Retired services: sent as configured, for AWS to answer (the SDK marks the calls
    // deprecated; configurations still carry the blocks).
    #[allow(deprecated)]
    for g in p.blocks("elastic_gpu_specifications") {
        if let Some(kind) = g.str("type") {
            d = d.elastic_gpu_specifications(
                aws_sdk_ec2::types::ElasticGpuSpecification::builder()
                    .r#type(kind)
                    .build(),
            );
        }
    }
    if let Some(kind) = p
        .block("elastic_inference_accelerator")
        .and_then(|a| a.str("type"))
    {
        #[allow(deprecated)]
        let with = d.elastic_inference_accelerators(
            aws_sdk_ec2::types::LaunchTemplateElasticInferenceAccelerator::builder()
                .r#type(kind)
                .build(),
        );
        d = with;
    }
    if let Some(m) = p.block("monitoring") {
        d = d.monitoring(
            LaunchTemplatesMonitoringRequest::builder()
                .set_enabled(m.bool("enabled"))
                .build(),
        );
    }
    if let Some(x) = p.block("placement") {
        d = d.placement(
            LaunchTemplatePlacementRequest::builder()
                .set_affinity(x.str("affinity"))
                .set_availability_zone(x.str("availability_zone"))
                .set_group_id(x.str("group_id"))
                .set_group_name(x.str("group_name"))
                .set_host_id(x.str("host_id"))
                .set_host_resource_group_arn(x.str("host_resource_group_arn"))
                .set_partition_number(x.i32("partition_number"))
                .set_spread_domain(x.str("spread_domain"))
                .set_tenancy(x.str("tenancy").map(|t| Tenancy::from(t.as_str())))
                .build(),
        );
    }
    if let Some(c) = p.block("credit_specification") {
        d = d.credit_specification(
            CreditSpecificationRequest::builder()
                .set_cpu_credits(c.str("cpu_credits"))
                .build(),
        );
    }
    if let Some(c) = p.block("cpu_options") {
        d = d.cpu_options(
            LaunchTemplateCpuOptionsRequest::builder()
                .set_amd_sev_snp(
                    c.str("amd_sev_snp")
                        .map(|v| AmdSevSnpSpecification::from(v.as_str())),
                )
                .set_core_count(c.i32("core_count"))
                .set_threads_per_core(c.i32("threads_per_core"))
                .set_nested_virtualization(c.str("nested_virtualization").map(|v| {
                    aws_sdk_ec2::types::NestedVirtualizationSpecification::from(v.as_str())
                }))
                .build(),
        );
    }
    if let Some(o) = p.block("network_performance_options") {
        d = d.network_performance_options(
            LaunchTemplateNetworkPerformanceOptionsRequest::builder()
                .set_bandwidth_weighting(o.str("bandwidth_weighting").map(|v| v.as_str().into()))
                .build(),
        );
    }
    for i in p.blocks("secondary_interfaces") {
        let addresses: Vec<SecondaryAddress> = i
            .strs("private_ip_addresses")
            .into_iter()
            .map(|ip| SecondaryAddress::builder().private_ip_address(ip).build())
            .collect();
        d = d.secondary_interfaces(
            LaunchTemplateInstanceSecondaryInterfaceSpecificationRequest::builder()
                .set_delete_on_termination(i.bool("delete_on_termination"))
                .set_device_index(i.i32("device_index"))
                .set_interface_type(i.str("interface_type").map(|v| v.as_str().into()))
                .set_network_card_index(i.i32("network_card_index"))
                .set_private_ip_address_count(i.i32("private_ip_address_count"))
                .set_private_ip_addresses(nonempty(addresses))
                .set_secondary_subnet_id(i.str("secondary_subnet_id"))
                .build(),
        );
    }
    if let Some(m) = p.block("instance_market_options") {
        let spot = m.block("spot_options").map(|s| {
            LaunchTemplateSpotMarketOptionsRequest::builder()
                .set_block_duration_minutes(s.i32("block_duration_minutes"))
                .set_instance_interruption_behavior(
                    s.str("instance_interruption_behavior")
                        .map(|v| InstanceInterruptionBehavior::from(v.as_str())),
                )
                .set_max_price(s.str("max_price"))
                .set_spot_instance_type(
                    s.str("spot_instance_type")
                        .map(|v| SpotInstanceType::from(v.as_str())),
                )
                .set_valid_until(s.str("valid_until").and_then(|t| {
                    aws_smithy_types::DateTime::from_str(
                        &t,
                        aws_smithy_types::date_time::Format::DateTime,
                    )
                    .ok()
                }))
                .build()
        });
        d = d.instance_market_options(
            LaunchTemplateInstanceMarketOptionsRequest::builder()
                .set_market_type(m.str("market_type").map(|v| MarketType::from(v.as_str())))
                .set_spot_options(spot)
                .build(),
        );
    }
    if let Some(c) = p.block("capacity_reservation_specification") {
        let target = c.block("capacity_reservation_target").map(|t| {
            CapacityReservationTarget::builder()
                .set_capacity_reservation_id(t.str("capacity_reservation_id"))
                .set_capacity_reservation_resource_group_arn(
                    t.str("capacity_reservation_resource_group_arn"),
                )
                .build()
        });
        d = d.capacity_reservation_specification(
            LaunchTemplateCapacityReservationSpecificationRequest::builder()
                .set_capacity_reservation_preference(
                    c.str("capacity_reservation_preference")
                        .map(|v| CapacityReservationPreference::from(v.as_str())),
                )
                .set_capacity_reservation_target(target)
                .build(),
        );
    }
    for l in p.blocks("license_specification") {
        d = d.license_specifications(
            LaunchTemplateLicenseConfigurationRequest::builder()
                .set_license_configuration_arn(l.str("license_configuration_arn"))
                .build(),
        );
    }
    if let Some(e) = p.block("enclave_options") {
        d = d.enclave_options(
            LaunchTemplateEnclaveOptionsRequest::builder()
                .set_enabled(e.bool("enabled"))
                .build(),
        );
    }
    if let Some(h) = p.block("hibernation_options") {
        d = d.hibernation_options(
            LaunchTemplateHibernationOptionsRequest::builder()
                .set_configured(h.bool("configured"))
                .build(),
        );
    }
    if let Some(m) = p.block("maintenance_options") {
        d = d.maintenance_options(
            LaunchTemplateInstanceMaintenanceOptionsRequest::builder()
                .set_auto_recovery(
                    m.str("auto_recovery")
                        .map(|v| LaunchTemplateAutoRecoveryState::from(v.as_str())),
                )
                .build(),
        );
    }
    if let Some(x) = p.block("private_dns_name_options") {
        d = d.private_dns_name_options(
            LaunchTemplatePrivateDnsNameOptionsRequest::builder()
                .set_enable_resource_name_dns_aaaa_record(
                    x.bool("enable_resource_name_dns_aaaa_record"),
                )
                .set_enable_resource_name_dns_a_record(x.bool("enable_resource_name_dns_a_record"))
                .set_hostname_type(
                    x.str("hostname_type")
                        .map(|v| HostnameType::from(v.as_str())),
                )
                .build(),
        );
    }
    d
}
