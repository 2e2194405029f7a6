//! `aws_autoscaling_group`'s `mixed_instances_policy`: a group launched from one launch
//! template with instance type overrides, part on demand and part spot. Its type, how it
//! reads from a described group and how it is sent. An override names an instance type or
//! gives `instance_requirements` (`../instance_requirements.rs`).

use crate::lang::types::Type;
use crate::provider::aws::attrs::{Obj, blocks_or_null, opt_n, opt_s};
use crate::provider::aws::instance_requirements as requirements;
use crate::provider::schema::block_object;
use aws_sdk_autoscaling::types::{
    AutoScalingGroup, InstancesDistribution, LaunchTemplate, LaunchTemplateOverrides,
    LaunchTemplateSpecification, MixedInstancesPolicy,
};

fn list(ty: Type) -> Type {
    Type::List(Box::new(ty))
}

fn specification_ty() -> Type {
    block_object(&[
        ("launch_template_id", Type::String),
        ("launch_template_name", Type::String),
        ("version", Type::String),
    ])
}

fn distribution_ty() -> Type {
    block_object(&[
        ("on_demand_allocation_strategy", Type::String),
        ("on_demand_base_capacity", Type::Number),
        ("on_demand_percentage_above_base_capacity", Type::Number),
        ("spot_allocation_strategy", Type::String),
        ("spot_instance_pools", Type::Number),
        ("spot_max_price", Type::String),
    ])
}

fn override_ty() -> Type {
    block_object(&[
        ("instance_type", Type::String),
        ("instance_requirements", list(requirements::ty())),
        ("weighted_capacity", Type::String),
        ("launch_template_specification", list(specification_ty())),
    ])
}

/// The element type of `mixed_instances_policy`.
pub fn policy_ty() -> Type {
    block_object(&[
        ("instances_distribution", list(distribution_ty())),
        (
            "launch_template",
            list(block_object(&[
                ("launch_template_specification", list(specification_ty())),
                ("override", list(override_ty())),
            ])),
        ),
    ])
}

fn read_specification(s: Option<&LaunchTemplateSpecification>) -> Vec<Obj> {
    s.map(|s| {
        let mut o = Obj::default();
        o.set("launch_template_id", opt_s(s.launch_template_id()))
            .set("launch_template_name", opt_s(s.launch_template_name()))
            .set("version", opt_s(s.version()));
        o
    })
    .into_iter()
    .collect()
}

/// The group's policy as blocks (none when it has none).
pub fn read(g: &AutoScalingGroup) -> Vec<Obj> {
    let Some(m) = g.mixed_instances_policy() else {
        return Vec::new();
    };
    let distribution: Vec<Obj> = m
        .instances_distribution()
        .map(|d| {
            let mut o = Obj::default();
            o.set(
                "on_demand_allocation_strategy",
                opt_s(d.on_demand_allocation_strategy()),
            )
            .set(
                "on_demand_base_capacity",
                opt_n(d.on_demand_base_capacity().map(i64::from)),
            )
            .set(
                "on_demand_percentage_above_base_capacity",
                opt_n(d.on_demand_percentage_above_base_capacity().map(i64::from)),
            )
            .set(
                "spot_allocation_strategy",
                opt_s(d.spot_allocation_strategy()),
            )
            .set(
                "spot_instance_pools",
                opt_n(d.spot_instance_pools().map(i64::from)),
            )
            .set("spot_max_price", opt_s(d.spot_max_price()));
            o
        })
        .into_iter()
        .collect();
    let template: Vec<Obj> = m
        .launch_template()
        .map(|t| {
            let overrides: Vec<Obj> = t
                .overrides()
                .iter()
                .map(|x| {
                    let mut o = Obj::default();
                    o.set("instance_type", opt_s(x.instance_type()))
                        .set(
                            "instance_requirements",
                            blocks_or_null(
                                &requirements::ty(),
                                x.instance_requirements()
                                    .map(requirements::from_autoscaling)
                                    .into_iter()
                                    .collect(),
                            ),
                        )
                        .set("weighted_capacity", opt_s(x.weighted_capacity()))
                        .set(
                            "launch_template_specification",
                            blocks_or_null(
                                &specification_ty(),
                                read_specification(x.launch_template_specification()),
                            ),
                        );
                    o
                })
                .collect();
            let mut o = Obj::default();
            o.set(
                "launch_template_specification",
                blocks_or_null(
                    &specification_ty(),
                    read_specification(t.launch_template_specification()),
                ),
            )
            .set("override", blocks_or_null(&override_ty(), overrides));
            o
        })
        .into_iter()
        .collect();
    let mut o = Obj::default();
    o.set(
        "instances_distribution",
        blocks_or_null(&distribution_ty(), distribution),
    )
    .set(
        "launch_template",
        blocks_or_null(
            &block_object(&[
                ("launch_template_specification", list(specification_ty())),
                ("override", list(override_ty())),
            ]),
            template,
        ),
    );
    vec![o]
}

fn specification(o: &Obj) -> LaunchTemplateSpecification {
    LaunchTemplateSpecification::builder()
        .set_launch_template_id(o.str("launch_template_id"))
        .set_launch_template_name(o.str("launch_template_name"))
        .set_version(o.str("version"))
        .build()
}

/// The planned policy as CreateAutoScalingGroup and UpdateAutoScalingGroup take it.
pub fn policy(p: &Obj) -> Option<MixedInstancesPolicy> {
    let m = p.block("mixed_instances_policy")?;
    let distribution = m.block("instances_distribution").map(|d| {
        InstancesDistribution::builder()
            .set_on_demand_allocation_strategy(d.str("on_demand_allocation_strategy"))
            .set_on_demand_base_capacity(d.i32("on_demand_base_capacity"))
            .set_on_demand_percentage_above_base_capacity(
                d.i32("on_demand_percentage_above_base_capacity"),
            )
            .set_spot_allocation_strategy(d.str("spot_allocation_strategy"))
            .set_spot_instance_pools(d.i32("spot_instance_pools"))
            .set_spot_max_price(d.str("spot_max_price"))
            .build()
    });
    let template = m.block("launch_template").map(|t| {
        let overrides: Vec<LaunchTemplateOverrides> = t
            .blocks("override")
            .iter()
            .map(|x| {
                LaunchTemplateOverrides::builder()
                    .set_instance_type(x.str("instance_type"))
                    .set_instance_requirements(
                        x.block("instance_requirements")
                            .map(|r| requirements::to_autoscaling(&r)),
                    )
                    .set_weighted_capacity(x.str("weighted_capacity"))
                    .set_launch_template_specification(
                        x.block("launch_template_specification")
                            .map(|s| specification(&s)),
                    )
                    .build()
            })
            .collect();
        LaunchTemplate::builder()
            .set_launch_template_specification(
                t.block("launch_template_specification")
                    .map(|s| specification(&s)),
            )
            .set_overrides((!overrides.is_empty()).then_some(overrides))
            .build()
    });
    Some(
        MixedInstancesPolicy::builder()
            .set_instances_distribution(distribution)
            .set_launch_template(template)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::value::Value;
    use crate::provider::aws::attrs::{blocks, s};

    #[test]
    fn a_planned_policy_round_trips_through_the_sdk_shape() {
        let mut spec = Obj::default();
        spec.set("launch_template_id", s("lt-1"))
            .set("version", s("$Latest"));
        let mut over = Obj::default();
        over.set("instance_type", s("t3.large"))
            .set("weighted_capacity", s("2"));
        let mut template = Obj::default();
        template
            .set(
                "launch_template_specification",
                blocks(&specification_ty(), vec![spec]),
            )
            .set("override", blocks(&override_ty(), vec![over]));
        let mut dist = Obj::default();
        dist.set("on_demand_base_capacity", crate::provider::aws::attrs::n(1))
            .set("spot_allocation_strategy", s("capacity-optimized"));
        let mut m = Obj::default();
        m.set(
            "launch_template",
            Value::list(
                block_object(&[
                    ("launch_template_specification", list(specification_ty())),
                    ("override", list(override_ty())),
                ]),
                vec![Value::object(template.0)],
            ),
        )
        .set(
            "instances_distribution",
            blocks(&distribution_ty(), vec![dist]),
        );
        let mut p = Obj::default();
        p.set("mixed_instances_policy", blocks(&policy_ty(), vec![m]));
        let sent = policy(&p).unwrap();
        let g = AutoScalingGroup::builder()
            .mixed_instances_policy(sent)
            .build();
        let read = read(&g);
        let t = read[0].block("launch_template").unwrap();
        assert_eq!(
            t.block("launch_template_specification")
                .and_then(|x| x.str("launch_template_id"))
                .as_deref(),
            Some("lt-1")
        );
        assert_eq!(
            t.block("override")
                .and_then(|x| x.str("weighted_capacity"))
                .as_deref(),
            Some("2")
        );
        let d = read[0].block("instances_distribution").unwrap();
        assert_eq!(d.i64("on_demand_base_capacity"), Some(1));
        assert_eq!(
            d.str("spot_allocation_strategy").as_deref(),
            Some("capacity-optimized")
        );
    }
}
