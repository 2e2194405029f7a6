//! The data sources aws_ami, aws_availability_zones, aws_vpc, aws_subnets, aws_region,
//! aws_caller_identity and aws_ssm_parameter. Each reads its configuration (arguments and
//! `filter { name, values }` blocks) and answers with Terraform's attributes.

use super::Aws;
use super::bulk::filter;
use super::ec2::vpc_data;
use super::tags;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, b, list_s, map_s, opt_s, s};
use crate::provider::aws::sdk::{AllPages, err};
use crate::provider::schema::block_list;
use crate::provider::{
    AttrSchema, BoxFuture, Configured, DataSource, ProviderError, ProviderResult, Schema,
};
use aws_sdk_ec2::types::Filter;
use std::sync::Arc;

/// The resource types this file serves.
pub const TYPES: &[&str] = &[];

/// The data sources served by the generic reader, by name.
const KINDS: [(&str, Kind); 11] = [
    ("aws_ami", Kind::Ami),
    ("aws_availability_zones", Kind::AvailabilityZones),
    ("aws_vpc", Kind::Vpc),
    ("aws_subnet", Kind::Subnet),
    ("aws_subnets", Kind::Subnets),
    ("aws_subnet_ids", Kind::SubnetIds),
    ("aws_region", Kind::Region),
    ("aws_caller_identity", Kind::CallerIdentity),
    ("aws_partition", Kind::Partition),
    ("aws_security_group", Kind::SecurityGroup),
    ("aws_ssm_parameter", Kind::SsmParameter),
];

/// Every AWS data source, served with these clients.
pub fn register(aws: &Arc<Aws>, c: &mut Configured) {
    for name in KINDS.iter().map(|(n, _)| *n).chain(["aws_route53_zone"]) {
        if let Some(d) = one(aws, name) {
            c.data.insert(name, d);
        }
    }
}

/// The data source `name` as served with these clients (another region's, for a data
/// source's own `region`).
pub fn one(aws: &Arc<Aws>, name: &str) -> Option<Arc<dyn crate::provider::DataSource>> {
    if name == "aws_route53_zone" {
        return Some(Arc::new(super::route53::zone_data::ZoneData::new(aws)));
    }
    let (_, kind) = KINDS.iter().find(|(n, _)| *n == name)?;
    Some(Arc::new(Data {
        aws: aws.clone(),
        schema: Arc::new(kind.schema()),
        kind: *kind,
    }))
}

#[derive(Clone, Copy)]
enum Kind {
    Ami,
    AvailabilityZones,
    Vpc,
    Subnet,
    Subnets,
    Region,
    CallerIdentity,
    Partition,
    SecurityGroup,
    SubnetIds,
    SsmParameter,
}

pub(super) fn filter_block() -> AttrSchema {
    AttrSchema::optional(block_list(&[
        ("name", Type::String),
        ("values", Type::List(Box::new(Type::String))),
    ]))
}

fn strings() -> Type {
    Type::List(Box::new(Type::String))
}

fn string_map() -> Type {
    Type::Map(Box::new(Type::String))
}

impl Kind {
    fn schema(self) -> Schema {
        let id = ("id", AttrSchema::optional_computed(Type::String));
        match self {
            Kind::Ami => super::ec2::ami_data::schema(id, filter_block()),
            Kind::AvailabilityZones => Schema::new([
                id,
                ("state", AttrSchema::optional(Type::String)),
                ("all_availability_zones", AttrSchema::optional(Type::Bool)),
                ("exclude_names", AttrSchema::optional(strings())),
                ("exclude_zone_ids", AttrSchema::optional(strings())),
                ("filter", filter_block()),
                ("names", AttrSchema::computed(strings())),
                ("zone_ids", AttrSchema::computed(strings())),
                ("group_names", AttrSchema::computed(strings())),
            ]),
            Kind::Vpc => Schema::new([
                id,
                ("default", AttrSchema::optional_computed(Type::Bool)),
                ("cidr_block", AttrSchema::optional_computed(Type::String)),
                ("state", AttrSchema::optional_computed(Type::String)),
                ("tags", AttrSchema::optional_computed(string_map())),
                ("filter", filter_block()),
                ("arn", AttrSchema::computed(Type::String)),
                ("main_route_table_id", AttrSchema::computed(Type::String)),
                ("owner_id", AttrSchema::computed(Type::String)),
                ("instance_tenancy", AttrSchema::computed(Type::String)),
                ("dhcp_options_id", AttrSchema::computed(Type::String)),
                ("association_id", AttrSchema::computed(Type::String)),
                ("ipv6_association_id", AttrSchema::computed(Type::String)),
                ("ipv6_cidr_block", AttrSchema::computed(Type::String)),
                ("enable_dns_support", AttrSchema::computed(Type::Bool)),
                ("enable_dns_hostnames", AttrSchema::computed(Type::Bool)),
                (
                    "enable_network_address_usage_metrics",
                    AttrSchema::computed(Type::Bool),
                ),
                (
                    "cidr_block_associations",
                    AttrSchema::computed(Type::List(Box::new(vpc_data::association_type(
                        "cidr_block",
                    )))),
                ),
                (
                    "ipv6_cidr_block_associations",
                    AttrSchema::computed(Type::List(Box::new(vpc_data::association_type(
                        "ipv6_cidr_block",
                    )))),
                ),
            ]),
            Kind::Subnet => Schema::new([
                id,
                ("vpc_id", AttrSchema::optional_computed(Type::String)),
                ("cidr_block", AttrSchema::optional_computed(Type::String)),
                (
                    "ipv6_cidr_block",
                    AttrSchema::optional_computed(Type::String),
                ),
                (
                    "availability_zone",
                    AttrSchema::optional_computed(Type::String),
                ),
                (
                    "availability_zone_id",
                    AttrSchema::optional_computed(Type::String),
                ),
                ("default_for_az", AttrSchema::optional_computed(Type::Bool)),
                ("state", AttrSchema::optional_computed(Type::String)),
                ("tags", AttrSchema::optional_computed(string_map())),
                ("filter", filter_block()),
                ("arn", AttrSchema::computed(Type::String)),
                ("owner_id", AttrSchema::computed(Type::String)),
                (
                    "available_ip_address_count",
                    AttrSchema::computed(Type::Number),
                ),
                ("map_public_ip_on_launch", AttrSchema::computed(Type::Bool)),
                (
                    "assign_ipv6_address_on_creation",
                    AttrSchema::computed(Type::Bool),
                ),
                (
                    "ipv6_cidr_block_association_id",
                    AttrSchema::computed(Type::String),
                ),
                ("enable_dns64", AttrSchema::computed(Type::Bool)),
                (
                    "enable_resource_name_dns_a_record_on_launch",
                    AttrSchema::computed(Type::Bool),
                ),
                (
                    "enable_resource_name_dns_aaaa_record_on_launch",
                    AttrSchema::computed(Type::Bool),
                ),
                (
                    "private_dns_hostname_type_on_launch",
                    AttrSchema::computed(Type::String),
                ),
                ("ipv6_native", AttrSchema::computed(Type::Bool)),
                ("outpost_arn", AttrSchema::computed(Type::String)),
                (
                    "customer_owned_ipv4_pool",
                    AttrSchema::computed(Type::String),
                ),
                (
                    "map_customer_owned_ip_on_launch",
                    AttrSchema::computed(Type::Bool),
                ),
                (
                    "enable_lni_at_device_index",
                    AttrSchema::computed(Type::Number),
                ),
            ]),
            Kind::Subnets => Schema::new([
                id,
                ("tags", AttrSchema::optional(string_map())),
                ("filter", filter_block()),
                ("ids", AttrSchema::computed(strings())),
            ]),
            // The retired predecessor of aws_subnets, still in many configurations.
            Kind::SubnetIds => Schema::new([
                id,
                ("vpc_id", AttrSchema::required(Type::String)),
                ("tags", AttrSchema::optional(string_map())),
                ("filter", filter_block()),
                (
                    "ids",
                    AttrSchema::computed(Type::Set(Box::new(Type::String))),
                ),
            ]),
            Kind::Region => Schema::new([
                id,
                ("name", AttrSchema::optional_computed(Type::String)),
                ("region", AttrSchema::optional_computed(Type::String)),
                ("endpoint", AttrSchema::computed(Type::String)),
                ("description", AttrSchema::computed(Type::String)),
            ]),
            Kind::SecurityGroup => Schema::new([
                id,
                ("name", AttrSchema::optional_computed(Type::String)),
                ("vpc_id", AttrSchema::optional_computed(Type::String)),
                ("tags", AttrSchema::optional_computed(string_map())),
                ("filter", filter_block()),
                ("arn", AttrSchema::computed(Type::String)),
                ("description", AttrSchema::computed(Type::String)),
            ]),
            Kind::Partition => Schema::new([
                id,
                ("partition", AttrSchema::computed(Type::String)),
                ("dns_suffix", AttrSchema::computed(Type::String)),
                ("reverse_dns_prefix", AttrSchema::computed(Type::String)),
            ]),
            Kind::CallerIdentity => Schema::new([
                id,
                ("account_id", AttrSchema::computed(Type::String)),
                ("arn", AttrSchema::computed(Type::String)),
                ("user_id", AttrSchema::computed(Type::String)),
            ]),
            Kind::SsmParameter => Schema::new([
                id,
                ("name", AttrSchema::required(Type::String)),
                (
                    "with_decryption",
                    AttrSchema::optional(Type::Bool).default(b(true)),
                ),
                ("value", AttrSchema::computed(Type::String).sensitive()),
                ("insecure_value", AttrSchema::computed(Type::String)),
                ("type", AttrSchema::computed(Type::String)),
                ("version", AttrSchema::computed(Type::Number)),
                ("arn", AttrSchema::computed(Type::String)),
            ]),
        }
    }
}

struct Data {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
    kind: Kind,
}

/// `filter { name, values }` blocks, plus `tags` as `tag:KEY` filters.
fn filters(cfg: &Obj) -> Vec<Filter> {
    let mut out: Vec<Filter> = cfg
        .blocks("filter")
        .iter()
        .filter_map(|f| Some(filter(&f.str("name")?, f.strs("values"))))
        .collect();
    for (k, v) in cfg.map("tags") {
        out.push(filter(&format!("tag:{k}"), [v]));
    }
    out
}

pub(super) fn none_found(what: &str) -> ProviderError {
    ProviderError::new(
        "read",
        format!("no matching {what} found; check the filters"),
    )
}

impl DataSource for Data {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn read(&self, config: Value) -> BoxFuture<ProviderResult<Value>> {
        let aws = self.aws.clone();
        let schema = self.schema.clone();
        let kind = self.kind;
        Box::pin(async move {
            let cfg = Obj::of(&config);
            let mut o = cfg.clone();
            match kind {
                Kind::Ami => super::ec2::ami_data::read(&aws, &cfg, filters(&cfg), &mut o).await?,
                Kind::AvailabilityZones => zones(&aws, &cfg, &mut o).await?,
                Kind::Vpc => super::ec2::vpc_data::read(&aws, &cfg, filters(&cfg), &mut o).await?,
                Kind::Subnet => subnet(&aws, &cfg, &mut o).await?,
                Kind::Subnets | Kind::SubnetIds => {
                    let mut fs = filters(&cfg);
                    if let Some(vpc) = cfg.str("vpc_id") {
                        fs.push(filter("vpc-id", [vpc.clone()]));
                        o.set("id", s(&vpc));
                    }
                    let found = aws
                        .ec2
                        .describe_subnets()
                        .set_filters(Some(fs))
                        .into_paginator()
                        .items()
                        .send()
                        .all("ec2:DescribeSubnets")
                        .await?;
                    // Sorted: the API's order varies, and a list that reorders is a change.
                    let mut ids: Vec<&str> = found.iter().filter_map(|s| s.subnet_id()).collect();
                    ids.sort_unstable();
                    if matches!(kind, Kind::SubnetIds) {
                        o.set("ids", crate::provider::aws::attrs::set_s(ids));
                    } else {
                        o.set("ids", list_s(ids)).set("id", s(&aws.region));
                    }
                }
                Kind::Region => {
                    if let Some(want) = cfg.str("name").or_else(|| cfg.str("region"))
                        && want != aws.region
                    {
                        return Err(ProviderError::new(
                            "read",
                            format!(
                                "region {want:?} is not this provider's region ({})",
                                aws.region
                            ),
                        ));
                    }
                    o.set("id", s(&aws.region))
                        .set("name", s(&aws.region))
                        .set("region", s(&aws.region))
                        .set("endpoint", s(format!("ec2.{}.amazonaws.com", aws.region)))
                        .set("description", s(&aws.region));
                }
                Kind::SecurityGroup => security_group(&aws, &cfg, &mut o).await?,
                Kind::Partition => {
                    let (partition, suffix) = partition_of(&aws.region);
                    let reverse: Vec<&str> = suffix.split('.').rev().collect();
                    o.set("id", s(partition))
                        .set("partition", s(partition))
                        .set("dns_suffix", s(suffix))
                        .set("reverse_dns_prefix", s(reverse.join(".")));
                }
                Kind::CallerIdentity => {
                    let me = aws
                        .sts
                        .get_caller_identity()
                        .send()
                        .await
                        .map_err(err("sts:GetCallerIdentity"))?;
                    o.set("id", opt_s(me.account()))
                        .set("account_id", opt_s(me.account()))
                        .set("arn", opt_s(me.arn()))
                        .set("user_id", opt_s(me.user_id()));
                }
                Kind::SsmParameter => {
                    let name = cfg.req("name")?;
                    let out = aws
                        .ssm
                        .get_parameter()
                        .name(&name)
                        .with_decryption(cfg.bool("with_decryption").unwrap_or(true))
                        .send()
                        .await
                        .map_err(err("ssm:GetParameter"))?;
                    let p = out
                        .parameter()
                        .ok_or_else(|| ProviderError::new("ssm:GetParameter", "empty answer"))?;
                    let secure = p.r#type().is_some_and(|t| t.as_str() == "SecureString");
                    o.set("id", s(&name))
                        .set("value", opt_s(p.value()).sensitive())
                        .set(
                            "insecure_value",
                            if secure {
                                Value::Null(Type::String)
                            } else {
                                opt_s(p.value())
                            },
                        )
                        .set("type", opt_s(p.r#type().map(|t| t.as_str())))
                        .set("version", crate::provider::aws::attrs::n(p.version()))
                        .set("arn", opt_s(p.arn()));
                }
            }
            Ok(o.finish(&schema))
        })
    }
}

async fn security_group(aws: &Aws, cfg: &Obj, o: &mut Obj) -> ProviderResult<()> {
    let mut fs = filters(cfg);
    for (arg, name) in [
        ("id", "group-id"),
        ("name", "group-name"),
        ("vpc_id", "vpc-id"),
    ] {
        if let Some(v) = cfg.str(arg) {
            fs.push(filter(name, [v]));
        }
    }
    let out = aws
        .ec2
        .describe_security_groups()
        .set_filters(Some(fs))
        .send()
        .await
        .map_err(err("ec2:DescribeSecurityGroups"))?;
    let groups = out.security_groups();
    if groups.len() > 1 {
        return Err(ProviderError::new(
            "read",
            format!(
                "{} security groups matched; add vpc_id or filters so exactly one does",
                groups.len()
            ),
        ));
    }
    let g = groups.first().ok_or_else(|| none_found("security group"))?;
    let id = g.group_id().unwrap_or_default();
    o.set("id", s(id))
        .set("name", opt_s(g.group_name()))
        .set("vpc_id", opt_s(g.vpc_id()))
        .set("description", opt_s(g.description()))
        .set(
            "arn",
            s(format!(
                "arn:aws:ec2:{}:{}:security-group/{id}",
                aws.region,
                g.owner_id().unwrap_or_default()
            )),
        )
        .set("tags", map_s(&tags::from_ec2(g.tags())));
    Ok(())
}

/// The AWS partition of a region and its DNS suffix.
fn partition_of(region: &str) -> (&'static str, &'static str) {
    if region.starts_with("cn-") {
        ("aws-cn", "amazonaws.com.cn")
    } else if region.starts_with("us-gov-") {
        ("aws-us-gov", "amazonaws.com")
    } else if region.starts_with("us-iso-") {
        ("aws-iso", "c2s.ic.gov")
    } else if region.starts_with("us-isob-") {
        ("aws-iso-b", "sc2s.sgov.gov")
    } else {
        ("aws", "amazonaws.com")
    }
}

async fn zones(aws: &Aws, cfg: &Obj, o: &mut Obj) -> ProviderResult<()> {
    let mut fs = filters(cfg);
    if let Some(state) = cfg.str("state") {
        fs.push(filter("state", [state]));
    }
    let out = aws
        .ec2
        .describe_availability_zones()
        .set_filters((!fs.is_empty()).then_some(fs))
        .set_all_availability_zones(cfg.bool("all_availability_zones"))
        .send()
        .await
        .map_err(err("ec2:DescribeAvailabilityZones"))?;
    let (ex_names, ex_ids) = (cfg.strs("exclude_names"), cfg.strs("exclude_zone_ids"));
    let mut zs: Vec<_> = out
        .availability_zones()
        .iter()
        .filter(|z| {
            !z.zone_name()
                .is_some_and(|n| ex_names.iter().any(|x| x == n))
                && !z.zone_id().is_some_and(|n| ex_ids.iter().any(|x| x == n))
        })
        .collect();
    zs.sort_by(|a, b| a.zone_name().cmp(&b.zone_name()));
    o.set("id", s(&aws.region))
        .set("names", list_s(zs.iter().filter_map(|z| z.zone_name())))
        .set("zone_ids", list_s(zs.iter().filter_map(|z| z.zone_id())))
        .set(
            "group_names",
            list_s(zs.iter().filter_map(|z| z.group_name())),
        );
    Ok(())
}

/// `data "aws_subnet"`: the one subnet the arguments and filters select.
async fn subnet(aws: &Aws, cfg: &Obj, o: &mut Obj) -> ProviderResult<()> {
    let mut fs = filters(cfg);
    for (arg, name) in [
        ("id", "subnet-id"),
        ("vpc_id", "vpc-id"),
        ("cidr_block", "cidr-block"),
        (
            "ipv6_cidr_block",
            "ipv6-cidr-block-association.ipv6-cidr-block",
        ),
        ("availability_zone", "availability-zone"),
        ("availability_zone_id", "availability-zone-id"),
        ("state", "state"),
    ] {
        if let Some(v) = cfg.str(arg).filter(|v| !v.is_empty()) {
            fs.push(filter(name, [v]));
        }
    }
    if cfg.bool("default_for_az") == Some(true) {
        fs.push(filter("default-for-az", ["true".to_string()]));
    }
    let out = aws
        .ec2
        .describe_subnets()
        .set_filters(Some(fs))
        .send()
        .await
        .map_err(err("ec2:DescribeSubnets"))?;
    let found = out.subnets();
    if found.len() > 1 {
        return Err(ProviderError::new(
            "read",
            format!(
                "{} subnets matched; use additional constraints to reduce matches to a single subnet",
                found.len()
            ),
        ));
    }
    let n = found.first().ok_or_else(|| none_found("subnet"))?;
    // The resource's table reads every attribute the two share.
    for (k, v) in super::ec2::subnet::attributes(&aws.region, n).0 {
        o.set(&k, v);
    }
    o.set("default_for_az", b(n.default_for_az().unwrap_or(false)))
        .set("state", opt_s(n.state().map(|s| s.as_str())))
        .set("tags", map_s(&tags::from_ec2(n.tags())));
    Ok(())
}
