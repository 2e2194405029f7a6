//! A group's option blocks sent whole with CreateAutoScalingGroup and
//! UpdateAutoScalingGroup: `availability_zone_distribution`, `capacity_reservation_specification`
//! and (version 6) `instance_lifecycle_policy`. Each reads back where AWS answers it; where it
//! answers none (moto keeps none of them) the configuration's stands.

use crate::lang::types::Type;
use crate::provider::AttrSchema;
use crate::provider::aws::attrs::{Obj, blocks_or_null, list_s, opt_s};
use crate::provider::aws::launch::read_blocks;
use crate::provider::aws::table::Table;
use crate::provider::schema::block_object;
use aws_sdk_autoscaling::types::{
    AutoScalingGroup, AvailabilityZoneDistribution, CapacityDistributionStrategy,
    CapacityReservationPreference, CapacityReservationSpecification, CapacityReservationTarget,
    InstanceLifecyclePolicy, RetentionAction, RetentionTriggers,
};

/// The blocks' names, for the update to compare.
pub(super) const BLOCKS: [&str; 3] = [
    "availability_zone_distribution",
    "capacity_reservation_specification",
    "instance_lifecycle_policy",
];

fn list_of(ty: Type) -> Type {
    Type::List(Box::new(ty))
}

fn distribution_ty() -> Type {
    block_object(&[("capacity_distribution_strategy", Type::String)])
}

fn target_ty() -> Type {
    let strings = || list_of(Type::String);
    block_object(&[
        ("capacity_reservation_ids", strings()),
        ("capacity_reservation_resource_group_arns", strings()),
    ])
}

fn reservation_ty() -> Type {
    block_object(&[
        ("capacity_reservation_preference", Type::String),
        ("capacity_reservation_target", list_of(target_ty())),
    ])
}

fn triggers_ty() -> Type {
    block_object(&[("terminate_hook_abandon", Type::String)])
}

fn lifecycle_ty() -> Type {
    block_object(&[("retention_triggers", list_of(triggers_ty()))])
}

pub(super) fn zone_distribution(p: &Obj) -> Option<AvailabilityZoneDistribution> {
    let d = p.block("availability_zone_distribution")?;
    Some(
        AvailabilityZoneDistribution::builder()
            .set_capacity_distribution_strategy(
                d.str("capacity_distribution_strategy")
                    .map(|s| CapacityDistributionStrategy::from(s.as_str())),
            )
            .build(),
    )
}

pub(super) fn reservations(p: &Obj) -> Option<CapacityReservationSpecification> {
    let r = p.block("capacity_reservation_specification")?;
    let target = r.block("capacity_reservation_target").map(|t| {
        let nonempty = |v: Vec<String>| (!v.is_empty()).then_some(v);
        CapacityReservationTarget::builder()
            .set_capacity_reservation_ids(nonempty(t.strs("capacity_reservation_ids")))
            .set_capacity_reservation_resource_group_arns(nonempty(
                t.strs("capacity_reservation_resource_group_arns"),
            ))
            .build()
    });
    Some(
        CapacityReservationSpecification::builder()
            .set_capacity_reservation_preference(
                r.str("capacity_reservation_preference")
                    .map(|s| CapacityReservationPreference::from(s.as_str())),
            )
            .set_capacity_reservation_target(target)
            .build(),
    )
}

pub(super) fn lifecycle_policy(p: &Obj) -> Option<InstanceLifecyclePolicy> {
    let l = p.block("instance_lifecycle_policy")?;
    let triggers = l.block("retention_triggers").map(|t| {
        RetentionTriggers::builder()
            .set_terminate_hook_abandon(
                t.str("terminate_hook_abandon")
                    .map(|s| RetentionAction::from(s.as_str())),
            )
            .build()
    });
    Some(
        InstanceLifecyclePolicy::builder()
            .set_retention_triggers(triggers)
            .build(),
    )
}

/// The blocks' table rows.
pub(super) fn rows(t: Table<AutoScalingGroup>) -> Table<AutoScalingGroup> {
    use AttrSchema as A;
    t.attr_with_prior(
        BLOCKS[0],
        A::optional_computed(list_of(distribution_ty())),
        |g, prior| {
            let d = g.availability_zone_distribution()?;
            let mut o = Obj::default();
            o.set(
                "capacity_distribution_strategy",
                opt_s(d.capacity_distribution_strategy().map(|s| s.as_str())),
            );
            Some(read_blocks(prior, BLOCKS[0], &distribution_ty(), vec![o]))
        },
    )
    .attr_with_prior(
        BLOCKS[1],
        A::optional_computed(list_of(reservation_ty())),
        |g, prior| {
            let r = g.capacity_reservation_specification()?;
            let mut o = Obj::default();
            o.set(
                "capacity_reservation_preference",
                opt_s(r.capacity_reservation_preference().map(|s| s.as_str())),
            );
            let targets = r.capacity_reservation_target().map(|t| {
                let mut x = Obj::default();
                x.set(
                    "capacity_reservation_ids",
                    list_s(t.capacity_reservation_ids()),
                )
                .set(
                    "capacity_reservation_resource_group_arns",
                    list_s(t.capacity_reservation_resource_group_arns()),
                );
                x
            });
            o.set(
                "capacity_reservation_target",
                blocks_or_null(&target_ty(), Vec::from_iter(targets)),
            );
            Some(read_blocks(prior, BLOCKS[1], &reservation_ty(), vec![o]))
        },
    )
    .attr_with_prior(
        BLOCKS[2],
        A::optional(list_of(lifecycle_ty())),
        |g, prior| {
            let l = g.instance_lifecycle_policy()?;
            let triggers = l.retention_triggers().map(|t| {
                let mut x = Obj::default();
                x.set(
                    "terminate_hook_abandon",
                    opt_s(t.terminate_hook_abandon().map(|a| a.as_str())),
                );
                x
            });
            let mut o = Obj::default();
            o.set(
                "retention_triggers",
                blocks_or_null(&triggers_ty(), Vec::from_iter(triggers)),
            );
            Some(read_blocks(prior, BLOCKS[2], &lifecycle_ty(), vec![o]))
        },
    )
}
