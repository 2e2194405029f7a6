//! `aws_instance`'s launch options beyond the basics: placement (`tenancy`, `placement_group`,
//! `placement_partition_number`, `host_id`, `host_resource_group_arn`), `cpu_options`,
//! `hibernation`, `enclave_options`, `private_dns_name_options`, `maintenance_options`,
//! `ipv6_address_count`, `instance_initiated_shutdown_behavior`, `disable_api_stop` and
//! `launch_template`: their table rows, and how they set a RunInstances request. Each is read
//! back from DescribeInstances where AWS answers it; where it does not (the emulator keeps
//! some as sent and answers none), the configured value stands.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::AttrSchema;
use crate::provider::aws::attrs::{Obj, b, n, opt_b, opt_n, opt_s, s};
use crate::provider::aws::launch::read_blocks;
use crate::provider::aws::table::Table;
use crate::provider::schema::block_object;
use aws_sdk_ec2::operation::run_instances::builders::RunInstancesFluentBuilder;
use aws_sdk_ec2::types::{
    CpuOptionsRequest, EnclaveOptionsRequest, HibernationOptionsRequest,
    InstanceMaintenanceOptionsRequest, LaunchTemplateSpecification, Placement,
    PrivateDnsNameOptionsRequest, ShutdownBehavior, Tenancy,
};

type Item = aws_sdk_ec2::types::Instance;

fn cpu_options_ty() -> Type {
    block_object(&[
        ("core_count", Type::Number),
        ("threads_per_core", Type::Number),
        ("amd_sev_snp", Type::String),
        ("nested_virtualization", Type::String),
    ])
}

fn enclave_options_ty() -> Type {
    block_object(&[("enabled", Type::Bool)])
}

fn private_dns_ty() -> Type {
    block_object(&[
        ("enable_resource_name_dns_aaaa_record", Type::Bool),
        ("enable_resource_name_dns_a_record", Type::Bool),
        ("hostname_type", Type::String),
    ])
}

fn maintenance_ty() -> Type {
    block_object(&[("auto_recovery", Type::String)])
}

fn launch_template_ty() -> Type {
    block_object(&[
        ("id", Type::String),
        ("name", Type::String),
        ("version", Type::String),
    ])
}

fn list(ty: Type) -> Type {
    Type::List(Box::new(ty))
}

/// A block read from the instance when AWS answers it, cut to the configuration's shape;
/// `None` (the configured block stands) when it does not.
fn answered(prior: Option<&Obj>, name: &str, ty: Type, block: Option<Obj>) -> Option<Value> {
    block.map(|o| read_blocks(prior, name, &ty, vec![o]))
}

/// A placement field: read where AWS answers it, else the configured value stands.
fn placement_str(i: &Item, f: fn(&Placement) -> Option<&str>) -> Option<Value> {
    i.placement().and_then(f).filter(|v| !v.is_empty()).map(s)
}

/// The rows of these options, added to the instance's table.
pub fn rows(t: Table<Item>) -> Table<Item> {
    use AttrSchema as A;
    let placed = || A::optional_computed(Type::String).force_new();
    t.attr_if_answered("tenancy", placed(), |i| {
        placement_str(i, |p| p.tenancy().map(|t| t.as_str()))
    })
    .attr_if_answered("placement_group", placed(), |i| {
        placement_str(i, Placement::group_name)
    })
    .attr_if_answered(
        "placement_group_id",
        placed().conflicts_with(&["placement_group"]),
        |i| placement_str(i, Placement::group_id),
    )
    .attr_if_answered("host_id", placed(), |i| {
        placement_str(i, Placement::host_id)
    })
    .attr_if_answered("host_resource_group_arn", placed(), |i| {
        placement_str(i, Placement::host_resource_group_arn)
    })
    .attr_if_answered(
        "placement_partition_number",
        A::optional_computed(Type::Number).force_new(),
        |i| {
            i.placement()
                .and_then(|p| p.partition_number())
                .filter(|n| *n > 0)
                .map(|v| n(v.into()))
        },
    )
    .attr_with_prior(
        "cpu_options",
        A::optional_computed(list(cpu_options_ty())).force_new(),
        |i, prior| {
            let c = i.cpu_options()?;
            let mut o = Obj::default();
            o.set("core_count", opt_n(c.core_count().map(i64::from)))
                .set(
                    "threads_per_core",
                    opt_n(c.threads_per_core().map(i64::from)),
                )
                .set("amd_sev_snp", opt_s(c.amd_sev_snp().map(|v| v.as_str())))
                .set(
                    "nested_virtualization",
                    opt_s(c.nested_virtualization().map(|v| v.as_str())),
                );
            answered(prior, "cpu_options", cpu_options_ty(), Some(o))
        },
    )
    .attr_if_answered(
        "hibernation",
        A::optional_computed(Type::Bool).force_new(),
        |i| i.hibernation_options().and_then(|h| h.configured()).map(b),
    )
    .attr_with_prior(
        "enclave_options",
        A::optional_computed(list(enclave_options_ty())).force_new(),
        |i, prior| {
            let e = i.enclave_options()?;
            let mut o = Obj::default();
            o.set("enabled", b(e.enabled().unwrap_or(false)));
            answered(prior, "enclave_options", enclave_options_ty(), Some(o))
        },
    )
    .attr_with_prior(
        "private_dns_name_options",
        A::optional_computed(list(private_dns_ty())).force_new(),
        |i, prior| {
            let d = i.private_dns_name_options()?;
            let mut o = Obj::default();
            o.set(
                "enable_resource_name_dns_aaaa_record",
                opt_b(d.enable_resource_name_dns_aaaa_record()),
            )
            .set(
                "enable_resource_name_dns_a_record",
                opt_b(d.enable_resource_name_dns_a_record()),
            )
            .set(
                "hostname_type",
                opt_s(d.hostname_type().map(|v| v.as_str())),
            );
            answered(prior, "private_dns_name_options", private_dns_ty(), Some(o))
        },
    )
    .attr_with_prior(
        "maintenance_options",
        A::optional_computed(list(maintenance_ty())).force_new(),
        |i, prior| {
            let m = i.maintenance_options()?;
            let mut o = Obj::default();
            o.set(
                "auto_recovery",
                opt_s(m.auto_recovery().map(|v| v.as_str())),
            );
            answered(prior, "maintenance_options", maintenance_ty(), Some(o))
        },
    )
    .attr_if_answered(
        "ipv6_address_count",
        A::optional_computed(Type::Number).force_new(),
        |i| {
            let count: usize = i
                .network_interfaces()
                .iter()
                .map(|ni| ni.ipv6_addresses().len())
                .sum();
            (count > 0).then(|| n(count as i64))
        },
    )
    // Attributes DescribeInstances does not carry, and the template an instance was launched
    // from (AWS records it only as a tag): kept as configured.
    .declared(
        "instance_initiated_shutdown_behavior",
        A::optional(Type::String).force_new(),
    )
    .declared("disable_api_stop", A::optional(Type::Bool).force_new())
    .declared(
        "launch_template",
        A::optional(list(launch_template_ty())).force_new(),
    )
}

/// The placement the configuration asks for (`availability_zone` included), if any.
pub fn placement(p: &Obj) -> Option<Placement> {
    let fields = [
        "availability_zone",
        "tenancy",
        "placement_group",
        "placement_group_id",
        "host_id",
        "host_resource_group_arn",
        "placement_partition_number",
    ];
    if fields.iter().all(|k| p.get(k).is_none()) {
        return None;
    }
    Some(
        Placement::builder()
            .set_availability_zone(p.str("availability_zone"))
            .set_tenancy(p.str("tenancy").map(|t| Tenancy::from(t.as_str())))
            .set_group_name(p.str("placement_group"))
            .set_group_id(p.str("placement_group_id"))
            .set_host_id(p.str("host_id"))
            .set_host_resource_group_arn(p.str("host_resource_group_arn"))
            .set_partition_number(p.i32("placement_partition_number"))
            .build(),
    )
}

/// Sets these options on a RunInstances request (`ipv6_address_count` goes on the request or
/// on its primary interface spec, which the instance sets).
pub fn set(req: RunInstancesFluentBuilder, p: &Obj) -> RunInstancesFluentBuilder {
    req.set_placement(placement(p))
        .set_cpu_options(p.block("cpu_options").map(|c| {
            CpuOptionsRequest::builder()
                .set_core_count(c.i32("core_count"))
                .set_threads_per_core(c.i32("threads_per_core"))
                .set_amd_sev_snp(c.str("amd_sev_snp").map(|v| v.as_str().into()))
                .set_nested_virtualization(
                    c.str("nested_virtualization").map(|v| v.as_str().into()),
                )
                .build()
        }))
        .set_hibernation_options(
            p.bool("hibernation")
                .map(|h| HibernationOptionsRequest::builder().configured(h).build()),
        )
        .set_enclave_options(p.block("enclave_options").map(|e| {
            EnclaveOptionsRequest::builder()
                .set_enabled(e.bool("enabled"))
                .build()
        }))
        .set_private_dns_name_options(p.block("private_dns_name_options").map(|d| {
            PrivateDnsNameOptionsRequest::builder()
                .set_enable_resource_name_dns_aaaa_record(
                    d.bool("enable_resource_name_dns_aaaa_record"),
                )
                .set_enable_resource_name_dns_a_record(d.bool("enable_resource_name_dns_a_record"))
                .set_hostname_type(d.str("hostname_type").map(|v| v.as_str().into()))
                .build()
        }))
        .set_maintenance_options(p.block("maintenance_options").map(|m| {
            InstanceMaintenanceOptionsRequest::builder()
                .set_auto_recovery(m.str("auto_recovery").map(|v| v.as_str().into()))
                .build()
        }))
        .set_instance_initiated_shutdown_behavior(
            p.str("instance_initiated_shutdown_behavior")
                .map(|v| ShutdownBehavior::from(v.as_str())),
        )
        .set_disable_api_stop(p.bool("disable_api_stop"))
        .set_launch_template(p.block("launch_template").map(|t| {
            LaunchTemplateSpecification::builder()
                .set_launch_template_id(t.str("id"))
                .set_launch_template_name(t.str("name"))
                .set_version(t.str("version"))
                .build()
        }))
}
