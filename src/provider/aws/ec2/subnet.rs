//! `aws_subnet`: one SDK-to-attributes mapping serves read, refresh, import and create.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, b, n, opt_s};
use crate::provider::aws::bulk::{self, Ec2Bulk};
use crate::provider::aws::sdk::{delete_when_released, err};
use crate::provider::aws::tags::{self, Tags};
use crate::provider::{AttrSchema, BoxFuture, CreateContext, ProviderResult, ResourceType, Schema};
use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, ResourceType as Kind};
use std::sync::Arc;

#[derive(Clone)]
pub struct Subnet {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
}

impl Subnet {
    pub fn new(aws: &Arc<Aws>) -> Subnet {
        let mut attrs = vec![
            ("id", AttrSchema::computed(Type::String)),
            ("arn", AttrSchema::computed(Type::String)),
            ("vpc_id", AttrSchema::required(Type::String).force_new()),
            ("cidr_block", AttrSchema::optional(Type::String).force_new()),
            (
                "ipv6_cidr_block",
                AttrSchema::optional_computed(Type::String),
            ),
            (
                "ipv6_cidr_block_association_id",
                AttrSchema::computed(Type::String),
            ),
            (
                "availability_zone",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            (
                "availability_zone_id",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            (
                "map_public_ip_on_launch",
                AttrSchema::optional(Type::Bool).default(b(false)),
            ),
            (
                "assign_ipv6_address_on_creation",
                AttrSchema::optional(Type::Bool).default(b(false)),
            ),
            (
                "enable_dns64",
                AttrSchema::optional(Type::Bool).default(b(false)),
            ),
            (
                "enable_resource_name_dns_a_record_on_launch",
                AttrSchema::optional(Type::Bool).default(b(false)),
            ),
            (
                "enable_resource_name_dns_aaaa_record_on_launch",
                AttrSchema::optional(Type::Bool).default(b(false)),
            ),
            (
                "private_dns_hostname_type_on_launch",
                AttrSchema::optional_computed(Type::String),
            ),
            (
                "ipv6_native",
                AttrSchema::optional(Type::Bool)
                    .default(b(false))
                    .force_new(),
            ),
            (
                "available_ip_address_count",
                AttrSchema::computed(Type::Number),
            ),
            ("owner_id", AttrSchema::computed(Type::String)),
        ];
        attrs.extend(tags::schema_attrs());
        Subnet {
            aws: aws.clone(),
            schema: Arc::new(Schema::new(attrs)),
        }
    }

    async fn set_hostname_type(&self, id: &str, kind: &str) -> ProviderResult<()> {
        self.aws
            .ec2
            .modify_subnet_attribute()
            .subnet_id(id)
            .private_dns_hostname_type_on_launch(kind.into())
            .send()
            .await
            .map_err(err("ec2:ModifySubnetAttribute"))?;
        Ok(())
    }

    async fn set_bool(&self, id: &str, name: &str, on: bool) -> ProviderResult<()> {
        let v = AttributeBooleanValue::builder().value(on).build();
        let req = self.aws.ec2.modify_subnet_attribute().subnet_id(id);
        let req = match name {
            "map_public_ip_on_launch" => req.map_public_ip_on_launch(v),
            "enable_dns64" => req.enable_dns64(v),
            "enable_resource_name_dns_a_record_on_launch" => {
                req.enable_resource_name_dns_a_record_on_launch(v)
            }
            "enable_resource_name_dns_aaaa_record_on_launch" => {
                req.enable_resource_name_dns_aaaa_record_on_launch(v)
            }
            _ => req.assign_ipv6_address_on_creation(v),
        };
        req.send().await.map_err(err("ec2:ModifySubnetAttribute"))?;
        Ok(())
    }
}

/// Subnet settings that are off when created and switched on one by one with
/// ModifySubnetAttribute.
const SUBNET_SWITCHES: [&str; 5] = [
    "map_public_ip_on_launch",
    "assign_ipv6_address_on_creation",
    "enable_dns64",
    "enable_resource_name_dns_a_record_on_launch",
    "enable_resource_name_dns_aaaa_record_on_launch",
];

impl Ec2Bulk for Subnet {
    type Item = aws_sdk_ec2::types::Subnet;
    const ID_FILTER: &'static str = "subnet-id";
    const DESCRIBE: &'static str = "ec2:DescribeSubnets";
    const NOT_FOUND: &'static str = "InvalidSubnetID.NotFound";

    fn item_id(item: &Self::Item) -> String {
        item.subnet_id().unwrap_or_default().to_string()
    }

    fn item_tags(item: &Self::Item) -> Tags {
        tags::from_ec2(item.tags())
    }

    fn describe(&self, filters: Vec<Filter>) -> BoxFuture<ProviderResult<Vec<Self::Item>>> {
        crate::provider::aws::bulk::describe_all!(
            self,
            describe_subnets,
            "ec2:DescribeSubnets",
            filters,
            1000
        )
    }

    fn value(&self, prior: Option<Obj>, v: Self::Item) -> BoxFuture<ProviderResult<Option<Value>>> {
        let this = self.clone();
        Box::pin(async move {
            let mut o = prior.unwrap_or_default();
            let ipv6 = v.ipv6_cidr_block_association_set().first();
            let dns = v.private_dns_name_options_on_launch();
            o.set("id", opt_s(v.subnet_id()))
                .set("arn", opt_s(v.subnet_arn()))
                .set("vpc_id", opt_s(v.vpc_id()))
                .set("cidr_block", opt_s(v.cidr_block()))
                .set(
                    "ipv6_cidr_block",
                    opt_s(ipv6.and_then(|a| a.ipv6_cidr_block())),
                )
                .set(
                    "ipv6_cidr_block_association_id",
                    opt_s(ipv6.and_then(|a| a.association_id())),
                )
                .set("availability_zone", opt_s(v.availability_zone()))
                .set("availability_zone_id", opt_s(v.availability_zone_id()))
                .set(
                    "map_public_ip_on_launch",
                    b(v.map_public_ip_on_launch().unwrap_or(false)),
                )
                .set(
                    "assign_ipv6_address_on_creation",
                    b(v.assign_ipv6_address_on_creation().unwrap_or(false)),
                )
                .set("enable_dns64", b(v.enable_dns64().unwrap_or(false)))
                .set("ipv6_native", b(v.ipv6_native().unwrap_or(false)))
                .set(
                    "enable_resource_name_dns_a_record_on_launch",
                    b(dns
                        .and_then(|d| d.enable_resource_name_dns_a_record())
                        .unwrap_or(false)),
                )
                .set(
                    "enable_resource_name_dns_aaaa_record_on_launch",
                    b(dns
                        .and_then(|d| d.enable_resource_name_dns_aaaa_record())
                        .unwrap_or(false)),
                )
                .set(
                    "private_dns_hostname_type_on_launch",
                    opt_s(dns.and_then(|d| d.hostname_type()).map(|t| t.as_str())),
                )
                .set(
                    "available_ip_address_count",
                    n(v.available_ip_address_count().unwrap_or(0).into()),
                )
                .set("owner_id", opt_s(v.owner_id()));
            tags::set_read(&this.aws, &mut o, &Self::item_tags(&v));
            Ok(Some(o.finish(&this.schema)))
        })
    }
}

impl ResourceType for Subnet {
    crate::provider::aws::bulk::ec2_reads!();
    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        // The free address count moves as instances come and go: never a reason to update.
        let mut v = tags::plan(&self.aws, planned);
        if prior.is_none() {
            let mut o = Obj::of(&v);
            o.set("available_ip_address_count", Value::Unknown(Type::Number));
            v = Value::object(o.0);
        }
        v
    }

    fn create(&self, ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            let t = tags::for_create(&this.aws, &ctx, &p);
            let out = this
                .aws
                .ec2
                .create_subnet()
                .vpc_id(p.req("vpc_id")?)
                .set_cidr_block(p.str("cidr_block"))
                .set_ipv6_cidr_block(p.str("ipv6_cidr_block"))
                .set_availability_zone(p.str("availability_zone"))
                .set_availability_zone_id(p.str("availability_zone_id"))
                .set_ipv6_native(p.bool("ipv6_native").filter(|on| *on))
                .tag_specifications(tags::ec2_spec(Kind::Subnet, &t))
                .send()
                .await
                .map_err(err("ec2:CreateSubnet"))?;
            let id = out
                .subnet()
                .and_then(|s| s.subnet_id())
                .unwrap_or_default()
                .to_string();
            bulk::described(&this, &id).await?;
            for name in SUBNET_SWITCHES {
                if p.bool(name) == Some(true) {
                    this.set_bool(&id, name, true).await?;
                }
            }
            if let Some(t) = p.str("private_dns_hostname_type_on_launch") {
                this.set_hostname_type(&id, &t).await?;
            }
            bulk::finished(&this, p, &id).await
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let (before, after) = (Obj::of(&prior), Obj::of(&planned));
            let id = before.id()?;
            for name in SUBNET_SWITCHES {
                if let Some(want) = after.bool(name)
                    && before.bool(name) != Some(want)
                {
                    this.set_bool(&id, name, want).await?;
                }
            }
            if let Some(t) = after.str("private_dns_hostname_type_on_launch")
                && before.str("private_dns_hostname_type_on_launch") != Some(t.clone())
            {
                this.set_hostname_type(&id, &t).await?;
            }
            tags::update_ec2(&this.aws, &id, &before, &after).await?;
            bulk::finished(&this, after, &id).await
        })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move {
            let id = Obj::of(&prior).id()?;
            delete_when_released(|| async {
                this.aws
                    .ec2
                    .delete_subnet()
                    .subnet_id(&id)
                    .send()
                    .await
                    .map_err(err("ec2:DeleteSubnet"))
            })
            .await
        })
    }
}
