//! `aws_instance`'s remaining arguments: detailed `monitoring`, `credit_specification`,
//! `volume_tags`, EC2-Classic style `security_groups` (names, in a default VPC), instance-store
//! `ephemeral_block_device`s, `capacity_reservation_specification`, spot
//! `instance_market_options`, the deprecated `cpu_core_count`/`cpu_threads_per_core`,
//! `user_data_replace_on_change`, and the read-only `primary_network_interface_id`,
//! `outpost_arn`, `instance_lifecycle` and `spot_instance_request_id`: their table rows, how
//! they set RunInstances, and the in-place changes.

use crate::lang::types::Type;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, b, opt_s, set_s};
use crate::provider::aws::launch::string_set;
use crate::provider::aws::sdk::err;
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::{self, Tags};
use crate::provider::schema::block_object;
use crate::provider::{AttrSchema, ProviderResult};
use aws_sdk_ec2::operation::run_instances::builders::RunInstancesFluentBuilder;
use aws_sdk_ec2::types::{
    BlockDeviceMapping, CapacityReservationPreference, CapacityReservationSpecification,
    CapacityReservationTarget, CpuOptionsRequest, CreditSpecificationRequest,
    InstanceInterruptionBehavior, InstanceMarketOptionsRequest, MarketType, ResourceType as Kind,
    RunInstancesMonitoringEnabled, SpotInstanceType, SpotMarketOptions,
};

type Item = aws_sdk_ec2::types::Instance;

fn list(ty: Type) -> Type {
    Type::List(Box::new(ty))
}

fn credit_ty() -> Type {
    block_object(&[("cpu_credits", Type::String)])
}

fn ephemeral_ty() -> Type {
    block_object(&[
        ("device_name", Type::String),
        ("virtual_name", Type::String),
        ("no_device", Type::Bool),
    ])
}

fn reservation_ty() -> Type {
    block_object(&[
        ("capacity_reservation_preference", Type::String),
        (
            "capacity_reservation_target",
            list(block_object(&[
                ("capacity_reservation_id", Type::String),
                ("capacity_reservation_resource_group_arn", Type::String),
            ])),
        ),
    ])
}

fn market_ty() -> Type {
    block_object(&[
        ("market_type", Type::String),
        (
            "spot_options",
            list(block_object(&[
                ("instance_interruption_behavior", Type::String),
                ("max_price", Type::String),
                ("spot_instance_type", Type::String),
                ("valid_until", Type::String),
            ])),
        ),
    ])
}

/// The rows of these arguments, added to the instance's table.
pub fn rows(t: Table<Item>) -> Table<Item> {
    use AttrSchema as A;
    t.attr_if_answered("monitoring", A::optional_computed(Type::Bool), |i| {
        let state = i.monitoring()?.state()?.as_str();
        Some(b(matches!(state, "enabled" | "pending")))
    })
    // DescribeInstances does not answer it (DescribeInstanceCreditSpecifications would, one
    // call per instance); the configured value stands.
    .declared("credit_specification", A::optional(list(credit_ty())))
    .declared(
        "volume_tags",
        A::optional(Type::Map(Box::new(Type::String))),
    )
    .attr(
        "security_groups",
        A::optional_computed(string_set()).force_new(),
        |i| set_s(i.security_groups().iter().filter_map(|g| g.group_name())),
    )
    // Instance-store mappings are not in DescribeInstances.
    .declared(
        "ephemeral_block_device",
        A::optional_computed(Type::Set(Box::new(ephemeral_ty()))).force_new(),
    )
    .declared(
        "capacity_reservation_specification",
        A::optional_computed(list(reservation_ty())).force_new(),
    )
    .declared(
        "instance_market_options",
        A::optional_computed(list(market_ty())).force_new(),
    )
    .declared(
        "cpu_core_count",
        A::optional_computed(Type::Number).force_new(),
    )
    .declared(
        "cpu_threads_per_core",
        A::optional_computed(Type::Number).force_new(),
    )
    .declared(
        "user_data_replace_on_change",
        A::optional(Type::Bool).default(b(false)),
    )
    // Lifts termination protection before the instance is destroyed (version 6).
    .declared("force_destroy", A::optional(Type::Bool).default(b(false)))
    .attr(
        "primary_network_interface_id",
        A::computed(Type::String),
        |i| {
            opt_s(
                i.network_interfaces()
                    .iter()
                    .find(|n| n.attachment().and_then(|a| a.device_index()) == Some(0))
                    .and_then(|n| n.network_interface_id()),
            )
        },
    )
    .attr("outpost_arn", A::computed(Type::String), |i| {
        opt_s(i.outpost_arn())
    })
    // Top-level, as the provider's schema has them (its page lists them under the market
    // options they follow from): `spot` or `scheduled`, null for an on-demand instance.
    .attr("instance_lifecycle", A::computed(Type::String), |i| {
        opt_s(i.instance_lifecycle().map(|l| l.as_str()))
    })
    .attr("spot_instance_request_id", A::computed(Type::String), |i| {
        opt_s(i.spot_instance_request_id())
    })
}

/// The instance-store devices to add to the launch's block device mappings.
pub fn ephemeral_mappings(p: &Obj) -> Vec<BlockDeviceMapping> {
    p.blocks("ephemeral_block_device")
        .iter()
        .map(|e| {
            let none = e.bool("no_device") == Some(true);
            BlockDeviceMapping::builder()
                .set_device_name(e.str("device_name"))
                .set_virtual_name(e.str("virtual_name").filter(|_| !none))
                .set_no_device(none.then(String::new))
                .build()
        })
        .collect()
}

/// Sets these arguments on a RunInstances request.
pub fn set(req: RunInstancesFluentBuilder, p: &Obj) -> RunInstancesFluentBuilder {
    let mut req = req
        .set_monitoring(
            p.bool("monitoring")
                .map(|on| RunInstancesMonitoringEnabled::builder().enabled(on).build()),
        )
        .set_credit_specification(p.block("credit_specification").map(|c| {
            CreditSpecificationRequest::builder()
                .set_cpu_credits(c.str("cpu_credits"))
                .build()
        }))
        .set_capacity_reservation_specification(p.block("capacity_reservation_specification").map(
            |c| {
                CapacityReservationSpecification::builder()
                    .set_capacity_reservation_preference(
                        c.str("capacity_reservation_preference")
                            .map(|v| CapacityReservationPreference::from(v.as_str())),
                    )
                    .set_capacity_reservation_target(c.block("capacity_reservation_target").map(
                        |t| {
                            CapacityReservationTarget::builder()
                                .set_capacity_reservation_id(t.str("capacity_reservation_id"))
                                .set_capacity_reservation_resource_group_arn(
                                    t.str("capacity_reservation_resource_group_arn"),
                                )
                                .build()
                        },
                    ))
                    .build()
            },
        ))
        .set_instance_market_options(p.block("instance_market_options").map(|m| {
            let spot = m.block("spot_options").map(|s| {
                SpotMarketOptions::builder()
                    .set_instance_interruption_behavior(
                        s.str("instance_interruption_behavior")
                            .map(|v| InstanceInterruptionBehavior::from(v.as_str())),
                    )
                    .set_max_price(s.str("max_price"))
                    .set_spot_instance_type(
                        s.str("spot_instance_type")
                            .map(|v| SpotInstanceType::from(v.as_str())),
                    )
                    .build()
            });
            InstanceMarketOptionsRequest::builder()
                .set_market_type(m.str("market_type").map(|v| MarketType::from(v.as_str())))
                .set_spot_options(spot)
                .build()
        }));
    let names = p.strs("security_groups");
    if !names.is_empty() {
        req = req.set_security_groups(Some(names));
    }
    // The deprecated pair, where `cpu_options` does not say it.
    if p.block("cpu_options").is_none()
        && (p.get("cpu_core_count").is_some() || p.get("cpu_threads_per_core").is_some())
    {
        req = req.cpu_options(
            CpuOptionsRequest::builder()
                .set_core_count(p.i32("cpu_core_count"))
                .set_threads_per_core(p.i32("cpu_threads_per_core"))
                .build(),
        );
    }
    let volume_tags = p.map("volume_tags");
    if !volume_tags.is_empty() {
        req = req.tag_specifications(tags::ec2_spec(Kind::Volume, &volume_tags));
    }
    req
}

/// Whether a user data change replaces the instance rather than changing it in place.
pub fn user_data_replaces(planned: &Obj) -> bool {
    planned.bool("user_data_replace_on_change") == Some(true)
}

/// The in-place changes: monitoring, CPU credits and the tags of the instance's volumes.
pub async fn update(aws: &Aws, id: &str, before: &Obj, after: &Obj) -> ProviderResult<()> {
    if let Some(on) = after.bool("monitoring")
        && before.bool("monitoring") != Some(on)
    {
        if on {
            aws.ec2
                .monitor_instances()
                .instance_ids(id)
                .send()
                .await
                .map_err(err("ec2:MonitorInstances"))?;
        } else {
            aws.ec2
                .unmonitor_instances()
                .instance_ids(id)
                .send()
                .await
                .map_err(err("ec2:UnmonitorInstances"))?;
        }
    }
    let credits = |o: &Obj| {
        o.block("credit_specification")
            .and_then(|c| c.str("cpu_credits"))
    };
    if let Some(c) = credits(after)
        && credits(before).as_ref() != Some(&c)
    {
        aws.ec2
            .modify_instance_credit_specification()
            .instance_credit_specifications(
                aws_sdk_ec2::types::InstanceCreditSpecificationRequest::builder()
                    .instance_id(id)
                    .cpu_credits(c)
                    .build(),
            )
            .send()
            .await
            .map_err(err("ec2:ModifyInstanceCreditSpecification"))?;
    }
    let (was, now): (Tags, Tags) = (before.map("volume_tags"), after.map("volume_tags"));
    if was != now {
        let described = aws
            .ec2
            .describe_instances()
            .instance_ids(id)
            .send()
            .await
            .map_err(err("ec2:DescribeInstances"))?;
        let volumes: Vec<String> = described
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .flat_map(|i| i.block_device_mappings())
            .filter_map(|m| m.ebs().and_then(|e| e.volume_id()).map(str::to_string))
            .collect();
        tags::retag_ec2(aws, volumes, &was, &now).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::value::Value;
    use crate::provider::aws::attrs::s;

    #[test]
    fn ephemeral_devices_map_to_instance_store_or_no_device() {
        let mut store = Obj::default();
        store
            .set("device_name", s("/dev/sdb"))
            .set("virtual_name", s("ephemeral0"));
        let mut suppressed = Obj::default();
        suppressed
            .set("device_name", s("/dev/sdc"))
            .set("virtual_name", s("ephemeral1"))
            .set("no_device", b(true));
        let mut p = Obj::default();
        p.set(
            "ephemeral_block_device",
            Value::set(
                ephemeral_ty(),
                vec![Value::object(store.0), Value::object(suppressed.0)],
            ),
        );
        let m = ephemeral_mappings(&p);
        assert_eq!(m.len(), 2);
        let b0 = m
            .iter()
            .find(|d| d.device_name() == Some("/dev/sdb"))
            .unwrap();
        assert_eq!(b0.virtual_name(), Some("ephemeral0"));
        assert_eq!(b0.no_device(), None);
        let c = m
            .iter()
            .find(|d| d.device_name() == Some("/dev/sdc"))
            .unwrap();
        assert_eq!(c.virtual_name(), None);
        assert_eq!(c.no_device(), Some(""));
    }
}
