//! `aws_subnet`: the model of a table-driven type. Its attributes are declared once in
//! [`table`] (schema and how each reads from a described subnet); read, refresh, import and
//! the value after create and update all read through it.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, b, n, opt_n, opt_s};
use crate::provider::aws::bulk::{self, Ec2Bulk};
use crate::provider::aws::sdk::{delete_when_released, err};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags;
use crate::provider::{AsyncResourceType, AttrSchema, CreateContext, ProviderResult};
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType as Kind};

type Item = aws_sdk_ec2::types::Subnet;

/// The IPv6 block associated with the subnet, if any.
fn ipv6(v: &Item) -> Option<&aws_sdk_ec2::types::SubnetIpv6CidrBlockAssociation> {
    v.ipv6_cidr_block_association_set().first()
}

fn dns(v: &Item) -> Option<&aws_sdk_ec2::types::PrivateDnsNameOptionsOnLaunch> {
    v.private_dns_name_options_on_launch()
}

/// Every attribute of `aws_subnet`, and how it reads from a described subnet.
fn table() -> Table<Item> {
    use AttrSchema as A;
    let off = || A::optional(Type::Bool).default(b(false));
    Table::<Item>::new()
        .attr("id", A::computed(Type::String), |v| opt_s(v.subnet_id()))
        .attr("arn", A::computed(Type::String), |v| opt_s(v.subnet_arn()))
        .attr("vpc_id", A::required(Type::String).force_new(), |v| {
            opt_s(v.vpc_id())
        })
        .attr("cidr_block", A::optional(Type::String).force_new(), |v| {
            opt_s(v.cidr_block())
        })
        .attr("ipv6_cidr_block", A::optional_computed(Type::String), |v| {
            opt_s(ipv6(v).and_then(|a| a.ipv6_cidr_block()))
        })
        .attr(
            "ipv6_cidr_block_association_id",
            A::computed(Type::String),
            |v| opt_s(ipv6(v).and_then(|a| a.association_id())),
        )
        .attr(
            "availability_zone",
            A::optional_computed(Type::String).force_new(),
            |v| opt_s(v.availability_zone()),
        )
        .attr(
            "availability_zone_id",
            A::optional_computed(Type::String).force_new(),
            |v| opt_s(v.availability_zone_id()),
        )
        .attr("map_public_ip_on_launch", off(), |v| {
            b(v.map_public_ip_on_launch().unwrap_or(false))
        })
        .attr("assign_ipv6_address_on_creation", off(), |v| {
            b(v.assign_ipv6_address_on_creation().unwrap_or(false))
        })
        .attr("enable_dns64", off(), |v| {
            b(v.enable_dns64().unwrap_or(false))
        })
        .attr("enable_resource_name_dns_a_record_on_launch", off(), |v| {
            b(dns(v)
                .and_then(|d| d.enable_resource_name_dns_a_record())
                .unwrap_or(false))
        })
        .attr(
            "enable_resource_name_dns_aaaa_record_on_launch",
            off(),
            |v| {
                b(dns(v)
                    .and_then(|d| d.enable_resource_name_dns_aaaa_record())
                    .unwrap_or(false))
            },
        )
        .attr(
            "private_dns_hostname_type_on_launch",
            A::optional_computed(Type::String),
            |v| opt_s(dns(v).and_then(|d| d.hostname_type()).map(|t| t.as_str())),
        )
        .attr("ipv6_native", off().force_new(), |v| {
            b(v.ipv6_native().unwrap_or(false))
        })
        .attr(
            "available_ip_address_count",
            A::computed(Type::Number),
            |v| n(v.available_ip_address_count().unwrap_or(0).into()),
        )
        .attr("owner_id", A::computed(Type::String), |v| {
            opt_s(v.owner_id())
        })
        // Addresses from IPAM pools instead of a block (version 6): what only the configuration
        // knows, sent at create.
        .declared("ipv4_ipam_pool_id", A::optional(Type::String).force_new())
        .declared("ipv4_netmask_length", A::optional(Type::Number).force_new())
        .declared("ipv6_ipam_pool_id", A::optional(Type::String).force_new())
        .declared("ipv6_netmask_length", A::optional(Type::Number).force_new())
        // Outposts: a subnet on one, and its customer-owned address pool.
        .attr("outpost_arn", A::optional(Type::String).force_new(), |v| {
            opt_s(v.outpost_arn())
        })
        .attr("customer_owned_ipv4_pool", A::optional(Type::String), |v| {
            opt_s(v.customer_owned_ipv4_pool())
        })
        .attr(
            "map_customer_owned_ip_on_launch",
            A::optional(Type::Bool),
            |v| b(v.map_customer_owned_ip_on_launch().unwrap_or(false)),
        )
        .attr(
            "enable_lni_at_device_index",
            A::optional(Type::Number),
            |v| opt_n(v.enable_lni_at_device_index().map(i64::from)),
        )
        .tagged(|v| tags::from_ec2(v.tags()))
}

/// A described subnet's attributes as the table reads them: `data "aws_subnet"` answers the
/// same names as the resource.
pub(crate) fn attributes(region: &str, v: &Item) -> Obj {
    table().read_attributes(region, None, v)
}

crate::provider::aws::table::table_type!(Subnet, Item);

impl Subnet {
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

    /// The Outposts settings, sent together as AWS takes them.
    async fn set_outpost_options(&self, id: &str, p: &Obj) -> ProviderResult<()> {
        let pool = p.str("customer_owned_ipv4_pool");
        let map = p.bool("map_customer_owned_ip_on_launch");
        let lni = p.i32("enable_lni_at_device_index");
        if pool.is_some() || map.is_some() {
            self.aws
                .ec2
                .modify_subnet_attribute()
                .subnet_id(id)
                .set_customer_owned_ipv4_pool(pool)
                .set_map_customer_owned_ip_on_launch(
                    map.map(|on| AttributeBooleanValue::builder().value(on).build()),
                )
                .send()
                .await
                .map_err(err("ec2:ModifySubnetAttribute"))?;
        }
        if let Some(index) = lni {
            self.aws
                .ec2
                .modify_subnet_attribute()
                .subnet_id(id)
                .enable_lni_at_device_index(index)
                .send()
                .await
                .map_err(err("ec2:ModifySubnetAttribute"))?;
        }
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
    bulk::ec2_object! {
        item Item, id subnet_id, filter "subnet-id",
        missing "InvalidSubnetID.NotFound", "ec2:DescribeSubnets" via describe_subnets pages 1000
    }

    async fn value(&self, prior: Option<Obj>, v: Self::Item) -> ProviderResult<Option<Value>> {
        let o = self.table.read(&self.aws, prior, &v);
        let value = o.finish(&self.schema);
        Ok(Some(value))
    }
}

impl AsyncResourceType for Subnet {
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

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let out = self
            .aws
            .ec2
            .create_subnet()
            .vpc_id(p.req("vpc_id")?)
            .set_cidr_block(p.str("cidr_block"))
            .set_ipv6_cidr_block(p.str("ipv6_cidr_block"))
            .set_availability_zone(p.str("availability_zone"))
            .set_availability_zone_id(p.str("availability_zone_id"))
            .set_ipv6_native(p.bool("ipv6_native").filter(|on| *on))
            .set_outpost_arn(p.str("outpost_arn"))
            .set_ipv4_ipam_pool_id(p.str("ipv4_ipam_pool_id"))
            .set_ipv4_netmask_length(p.i32("ipv4_netmask_length"))
            .set_ipv6_ipam_pool_id(p.str("ipv6_ipam_pool_id"))
            .set_ipv6_netmask_length(p.i32("ipv6_netmask_length"))
            .tag_specifications(tags::ec2_spec(Kind::Subnet, &t))
            .send()
            .await
            .map_err(err("ec2:CreateSubnet"))?;
        let id = out
            .subnet()
            .and_then(|s| s.subnet_id())
            .unwrap_or_default()
            .to_string();
        bulk::described(self, &id).await?;
        for name in SUBNET_SWITCHES {
            if p.bool(name) == Some(true) {
                self.set_bool(&id, name, true).await?;
            }
        }
        if let Some(t) = p.str("private_dns_hostname_type_on_launch") {
            self.set_hostname_type(&id, &t).await?;
        }
        self.set_outpost_options(&id, &p).await?;
        bulk::finished(self, p, &id).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let id = before.id()?;
        for name in SUBNET_SWITCHES {
            if let Some(want) = after.bool(name)
                && before.bool(name) != Some(want)
            {
                self.set_bool(&id, name, want).await?;
            }
        }
        if let Some(t) = after.str("private_dns_hostname_type_on_launch")
            && before.str("private_dns_hostname_type_on_launch") != Some(t.clone())
        {
            self.set_hostname_type(&id, &t).await?;
        }
        let outposts = [
            "customer_owned_ipv4_pool",
            "map_customer_owned_ip_on_launch",
            "enable_lni_at_device_index",
        ];
        if outposts
            .iter()
            .any(|k| after.set_and_changed_from(&before, k))
        {
            self.set_outpost_options(&id, &after).await?;
        }
        tags::update_ec2(&self.aws, &id, &before, &after).await?;
        bulk::finished(self, after, &id).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let id = Obj::of(&prior).id()?;
        delete_when_released(|| async {
            self.aws
                .ec2
                .delete_subnet()
                .subnet_id(&id)
                .send()
                .await
                .map_err(err("ec2:DeleteSubnet"))
        })
        .await
    }
}
