//! `instance_requirements`: instance types chosen by attributes (vCPUs, memory, generation,
//! accelerators, price protection) instead of by name. The block is the same in a launch
//! template and in an autoscaling group's mixed instances override; the SDK has three shapes
//! of it (EC2's request and response, Auto Scaling's one) with the same accessor and builder
//! names, so one macro reads each and one builds each.

use crate::lang::number::Number;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, blocks, opt_b, opt_n, opt_s};
use crate::provider::schema::block_object;

/// Ranges of whole numbers (`vcpu_count`, `memory_mib`, ...).
const INT_RANGES: [&str; 6] = [
    "accelerator_count",
    "accelerator_total_memory_mib",
    "baseline_ebs_bandwidth_mbps",
    "memory_mib",
    "network_interface_count",
    "vcpu_count",
];
/// Ranges of fractions.
const FLOAT_RANGES: [&str; 3] = [
    "memory_gib_per_vcpu",
    "network_bandwidth_gbps",
    "total_local_storage_gb",
];
const STRING_SETS: [&str; 8] = [
    "accelerator_manufacturers",
    "accelerator_names",
    "accelerator_types",
    "allowed_instance_types",
    "cpu_manufacturers",
    "excluded_instance_types",
    "instance_generations",
    "local_storage_types",
];
const STRINGS: [&str; 3] = ["bare_metal", "burstable_performance", "local_storage"];
const NUMBERS: [&str; 3] = [
    "max_spot_price_as_percentage_of_optimal_on_demand_price",
    "on_demand_max_price_percentage_over_lowest_price",
    "spot_max_price_percentage_over_lowest_price",
];

fn range_ty() -> Type {
    block_object(&[("max", Type::Number), ("min", Type::Number)])
}

/// The block's element type.
pub(crate) fn ty() -> Type {
    let range = Type::List(Box::new(range_ty()));
    let mut fields: Vec<(&str, Type)> = vec![("require_hibernate_support", Type::Bool)];
    fields.extend(INT_RANGES.iter().map(|k| (*k, range.clone())));
    fields.extend(FLOAT_RANGES.iter().map(|k| (*k, range.clone())));
    fields.extend(
        STRING_SETS
            .iter()
            .map(|k| (*k, Type::Set(Box::new(Type::String)))),
    );
    fields.extend(STRINGS.iter().map(|k| (*k, Type::String)));
    fields.extend(NUMBERS.iter().map(|k| (*k, Type::Number)));
    block_object(&fields)
}

fn range(bounds: Option<(Value, Value)>) -> Value {
    match bounds {
        Some((min, max)) => {
            let mut x = Obj::default();
            x.set("min", min).set("max", max);
            blocks(&range_ty(), vec![x])
        }
        None => Value::Null(Type::List(Box::new(range_ty()))),
    }
}

fn int(v: Option<i32>) -> Value {
    opt_n(v.map(i64::from))
}

fn float(v: Option<f64>) -> Value {
    v.map_or(Value::Null(Type::Number), |x| {
        Value::number(Number::from_f64(x))
    })
}

fn strings<'a>(xs: impl Iterator<Item = &'a str>) -> Value {
    let xs: Vec<&str> = xs.collect();
    if xs.is_empty() {
        Value::Null(Type::Set(Box::new(Type::String)))
    } else {
        crate::provider::aws::attrs::set_s(xs)
    }
}

/// Reads any of the SDK's three shapes into a block.
macro_rules! read {
    ($r:expr) => {{
        let r = $r;
        let mut x = Obj::default();
        x.set(
            "vcpu_count",
            range(r.v_cpu_count().map(|v| (int(v.min()), int(v.max())))),
        )
        .set(
            "memory_mib",
            range(r.memory_mib().map(|v| (int(v.min()), int(v.max())))),
        )
        .set(
            "accelerator_count",
            range(r.accelerator_count().map(|v| (int(v.min()), int(v.max())))),
        )
        .set(
            "accelerator_total_memory_mib",
            range(
                r.accelerator_total_memory_mib()
                    .map(|v| (int(v.min()), int(v.max()))),
            ),
        )
        .set(
            "baseline_ebs_bandwidth_mbps",
            range(
                r.baseline_ebs_bandwidth_mbps()
                    .map(|v| (int(v.min()), int(v.max()))),
            ),
        )
        .set(
            "network_interface_count",
            range(
                r.network_interface_count()
                    .map(|v| (int(v.min()), int(v.max()))),
            ),
        )
        .set(
            "memory_gib_per_vcpu",
            range(
                r.memory_gib_per_v_cpu()
                    .map(|v| (float(v.min()), float(v.max()))),
            ),
        )
        .set(
            "network_bandwidth_gbps",
            range(
                r.network_bandwidth_gbps()
                    .map(|v| (float(v.min()), float(v.max()))),
            ),
        )
        .set(
            "total_local_storage_gb",
            range(
                r.total_local_storage_gb()
                    .map(|v| (float(v.min()), float(v.max()))),
            ),
        )
        .set(
            "accelerator_manufacturers",
            strings(r.accelerator_manufacturers().iter().map(|v| v.as_str())),
        )
        .set(
            "accelerator_names",
            strings(r.accelerator_names().iter().map(|v| v.as_str())),
        )
        .set(
            "accelerator_types",
            strings(r.accelerator_types().iter().map(|v| v.as_str())),
        )
        .set(
            "allowed_instance_types",
            strings(r.allowed_instance_types().iter().map(String::as_str)),
        )
        .set(
            "cpu_manufacturers",
            strings(r.cpu_manufacturers().iter().map(|v| v.as_str())),
        )
        .set(
            "excluded_instance_types",
            strings(r.excluded_instance_types().iter().map(String::as_str)),
        )
        .set(
            "instance_generations",
            strings(r.instance_generations().iter().map(|v| v.as_str())),
        )
        .set(
            "local_storage_types",
            strings(r.local_storage_types().iter().map(|v| v.as_str())),
        )
        .set("bare_metal", opt_s(r.bare_metal().map(|v| v.as_str())))
        .set(
            "burstable_performance",
            opt_s(r.burstable_performance().map(|v| v.as_str())),
        )
        .set(
            "local_storage",
            opt_s(r.local_storage().map(|v| v.as_str())),
        )
        .set(
            "max_spot_price_as_percentage_of_optimal_on_demand_price",
            int(r.max_spot_price_as_percentage_of_optimal_on_demand_price()),
        )
        .set(
            "on_demand_max_price_percentage_over_lowest_price",
            int(r.on_demand_max_price_percentage_over_lowest_price()),
        )
        .set(
            "spot_max_price_percentage_over_lowest_price",
            int(r.spot_max_price_percentage_over_lowest_price()),
        )
        .set(
            "require_hibernate_support",
            opt_b(r.require_hibernate_support()),
        );
        x
    }};
}

fn f64_of(o: &Obj, k: &str) -> Option<f64> {
    o.get(k)?.as_number().map(Number::to_f64)
}

/// Enum values of a configured set, as the API's type for them.
fn enums<T: for<'a> From<&'a str>>(o: &Obj, k: &str) -> Option<Vec<T>> {
    let xs: Vec<T> = o.strs(k).iter().map(|s| T::from(s.as_str())).collect();
    (!xs.is_empty()).then_some(xs)
}

fn names(o: &Obj, k: &str) -> Option<Vec<String>> {
    let xs = o.strs(k);
    (!xs.is_empty()).then_some(xs)
}

/// Builds one of the SDK's request shapes from a configured block; `$types` is the module of
/// its range types, which are named alike in both services.
macro_rules! build {
    ($o:expr, $builder:expr, $vcpu:ty, $memory:ty, $types:path) => {{
        use $types as t;
        let o = $o;
        let ints = |k: &str| o.block(k).map(|b| (b.i32("min"), b.i32("max")));
        let floats = |k: &str| o.block(k).map(|b| (f64_of(&b, "min"), f64_of(&b, "max")));
        $builder
            .set_v_cpu_count(
                ints("vcpu_count")
                    .map(|(min, max)| <$vcpu>::builder().set_min(min).set_max(max).build()),
            )
            .set_memory_mib(
                ints("memory_mib")
                    .map(|(min, max)| <$memory>::builder().set_min(min).set_max(max).build()),
            )
            .set_accelerator_count(ints("accelerator_count").map(|(min, max)| {
                t::AcceleratorCountRequest::builder()
                    .set_min(min)
                    .set_max(max)
                    .build()
            }))
            .set_accelerator_total_memory_mib(ints("accelerator_total_memory_mib").map(
                |(min, max)| {
                    t::AcceleratorTotalMemoryMiBRequest::builder()
                        .set_min(min)
                        .set_max(max)
                        .build()
                },
            ))
            .set_baseline_ebs_bandwidth_mbps(ints("baseline_ebs_bandwidth_mbps").map(
                |(min, max)| {
                    t::BaselineEbsBandwidthMbpsRequest::builder()
                        .set_min(min)
                        .set_max(max)
                        .build()
                },
            ))
            .set_network_interface_count(ints("network_interface_count").map(|(min, max)| {
                t::NetworkInterfaceCountRequest::builder()
                    .set_min(min)
                    .set_max(max)
                    .build()
            }))
            .set_memory_gib_per_v_cpu(floats("memory_gib_per_vcpu").map(|(min, max)| {
                t::MemoryGiBPerVCpuRequest::builder()
                    .set_min(min)
                    .set_max(max)
                    .build()
            }))
            .set_network_bandwidth_gbps(floats("network_bandwidth_gbps").map(|(min, max)| {
                t::NetworkBandwidthGbpsRequest::builder()
                    .set_min(min)
                    .set_max(max)
                    .build()
            }))
            .set_total_local_storage_gb(floats("total_local_storage_gb").map(|(min, max)| {
                t::TotalLocalStorageGbRequest::builder()
                    .set_min(min)
                    .set_max(max)
                    .build()
            }))
            .set_accelerator_manufacturers(enums(o, "accelerator_manufacturers"))
            .set_accelerator_names(enums(o, "accelerator_names"))
            .set_accelerator_types(enums(o, "accelerator_types"))
            .set_allowed_instance_types(names(o, "allowed_instance_types"))
            .set_cpu_manufacturers(enums(o, "cpu_manufacturers"))
            .set_excluded_instance_types(names(o, "excluded_instance_types"))
            .set_instance_generations(enums(o, "instance_generations"))
            .set_local_storage_types(enums(o, "local_storage_types"))
            .set_bare_metal(o.str("bare_metal").map(|v| t::BareMetal::from(v.as_str())))
            .set_burstable_performance(
                o.str("burstable_performance")
                    .map(|v| t::BurstablePerformance::from(v.as_str())),
            )
            .set_local_storage(
                o.str("local_storage")
                    .map(|v| t::LocalStorage::from(v.as_str())),
            )
            .set_max_spot_price_as_percentage_of_optimal_on_demand_price(
                o.i32("max_spot_price_as_percentage_of_optimal_on_demand_price"),
            )
            .set_on_demand_max_price_percentage_over_lowest_price(
                o.i32("on_demand_max_price_percentage_over_lowest_price"),
            )
            .set_spot_max_price_percentage_over_lowest_price(
                o.i32("spot_max_price_percentage_over_lowest_price"),
            )
            .set_require_hibernate_support(o.bool("require_hibernate_support"))
            .build()
    }};
}

/// A launch template version's requirements.
pub(crate) fn from_ec2(r: &aws_sdk_ec2::types::InstanceRequirements) -> Obj {
    read!(r)
}

/// A mixed instances override's requirements.
pub(crate) fn from_autoscaling(r: &aws_sdk_autoscaling::types::InstanceRequirements) -> Obj {
    read!(r)
}

/// The configured block as a launch template version takes it.
pub(crate) fn to_ec2(o: &Obj) -> aws_sdk_ec2::types::InstanceRequirementsRequest {
    build!(
        o,
        aws_sdk_ec2::types::InstanceRequirementsRequest::builder(),
        aws_sdk_ec2::types::VCpuCountRangeRequest,
        aws_sdk_ec2::types::MemoryMiBRequest,
        aws_sdk_ec2::types
    )
}

/// The configured block as a mixed instances override takes it.
pub(crate) fn to_autoscaling(o: &Obj) -> aws_sdk_autoscaling::types::InstanceRequirements {
    build!(
        o,
        aws_sdk_autoscaling::types::InstanceRequirements::builder(),
        aws_sdk_autoscaling::types::VCpuCountRequest,
        aws_sdk_autoscaling::types::MemoryMiBRequest,
        aws_sdk_autoscaling::types
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::aws::attrs::{n, set_s};

    fn configured() -> Obj {
        let range = |min: Value, max: Value| {
            let mut x = Obj::default();
            x.set("min", min).set("max", max);
            blocks(&range_ty(), vec![x])
        };
        let mut o = Obj::default();
        o.set("vcpu_count", range(n(2), n(4)))
            .set("memory_mib", range(n(2048), Value::Null(Type::Number)))
            .set(
                "memory_gib_per_vcpu",
                range(
                    Value::number(Number::from_f64(0.5)),
                    Value::number(Number::from_f64(4.0)),
                ),
            )
            .set("cpu_manufacturers", set_s(["amd", "intel"]))
            .set("excluded_instance_types", set_s(["t*"]))
            .set("burstable_performance", Value::string("excluded"))
            .set(
                "max_spot_price_as_percentage_of_optimal_on_demand_price",
                n(60),
            );
        o
    }

    #[test]
    fn a_block_round_trips_through_both_services_shapes() {
        let o = configured();
        let asg = from_autoscaling(&to_autoscaling(&o));
        let want = |x: &Obj, k: &str| x.get(k).cloned().unwrap_or_else(Value::null);
        for k in [
            "vcpu_count",
            "memory_mib",
            "memory_gib_per_vcpu",
            "cpu_manufacturers",
            "excluded_instance_types",
            "burstable_performance",
            "max_spot_price_as_percentage_of_optimal_on_demand_price",
        ] {
            assert!(
                want(&asg, k).raw_equal(&want(&o, k)),
                "{k}: {:?}",
                want(&asg, k)
            );
        }
        let ec2 = to_ec2(&o);
        assert_eq!(ec2.v_cpu_count().and_then(|v| v.max()), Some(4));
        assert_eq!(ec2.memory_mib().and_then(|v| v.max()), None);
        assert_eq!(ec2.memory_gib_per_v_cpu().and_then(|v| v.min()), Some(0.5));
        assert_eq!(ec2.cpu_manufacturers().len(), 2);
        assert!(want(&asg, "bare_metal").is_null());
    }
}
