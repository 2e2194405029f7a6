//! `aws_vpc`: a VPC, its DNS switches, and the default objects AWS makes with it.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, b, opt_s, s};
use crate::provider::aws::bulk::{self, Ec2Bulk, filter};
use crate::provider::aws::sdk::{delete_when_released, err};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags;
use crate::provider::{AsyncResourceType, AttrSchema, CreateContext, ProviderResult};
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType as Kind, VpcAttributeName};

type Item = aws_sdk_ec2::types::Vpc;

/// The VPC's associated IPv6 block, if any.
fn ipv6(v: &Item) -> Option<&aws_sdk_ec2::types::VpcIpv6CidrBlockAssociation> {
    v.ipv6_cidr_block_association_set().iter().find(|a| {
        a.ipv6_cidr_block_state()
            .and_then(|s| s.state())
            .is_some_and(|s| s.as_str() == "associated")
    })
}

/// Every attribute of `aws_vpc`, and how it reads from a described VPC. The DNS switches and
/// the default objects take calls of their own: `value` reads them.
fn table() -> Table<Item> {
    use AttrSchema as A;
    Table::<Item>::new()
        .attr("id", A::computed(Type::String), |v| opt_s(v.vpc_id()))
        .attr_in_region("arn", A::computed(Type::String), |v, region| {
            s(format!(
                "arn:aws:ec2:{region}:{}:vpc/{}",
                v.owner_id().unwrap_or_default(),
                v.vpc_id().unwrap_or_default()
            ))
        })
        .attr(
            "cidr_block",
            A::optional_computed(Type::String).force_new(),
            |v| opt_s(v.cidr_block()),
        )
        .attr(
            "instance_tenancy",
            A::optional(Type::String).default(s("default")).force_new(),
            |v| opt_s(v.instance_tenancy().map(|t| t.as_str())),
        )
        // Addresses from an IPAM pool instead of a literal block: sent at create only.
        .declared("ipv4_ipam_pool_id", A::optional(Type::String).force_new())
        .declared("ipv4_netmask_length", A::optional(Type::Number).force_new())
        .declared("ipv6_ipam_pool_id", A::optional(Type::String).force_new())
        .declared("ipv6_netmask_length", A::optional(Type::Number).force_new())
        .declared(
            "ipv6_cidr_block_network_border_group",
            A::optional(Type::String).force_new(),
        )
        .declared(
            "enable_dns_support",
            A::optional(Type::Bool).default(b(true)),
        )
        .declared("enable_dns_hostnames", A::optional_computed(Type::Bool))
        .declared(
            "enable_network_address_usage_metrics",
            A::optional_computed(Type::Bool),
        )
        .attr(
            "assign_generated_ipv6_cidr_block",
            A::optional(Type::Bool).default(b(false)).force_new(),
            |v| b(ipv6(v).is_some()),
        )
        .attr("ipv6_cidr_block", A::computed(Type::String), |v| {
            opt_s(ipv6(v).and_then(|a| a.ipv6_cidr_block()))
        })
        .attr("ipv6_association_id", A::computed(Type::String), |v| {
            opt_s(ipv6(v).and_then(|a| a.association_id()))
        })
        .declared("default_security_group_id", A::computed(Type::String))
        .declared("default_route_table_id", A::computed(Type::String))
        .declared("main_route_table_id", A::computed(Type::String))
        .declared("default_network_acl_id", A::computed(Type::String))
        .attr("dhcp_options_id", A::computed(Type::String), |v| {
            opt_s(v.dhcp_options_id())
        })
        .attr("owner_id", A::computed(Type::String), |v| {
            s(v.owner_id().unwrap_or_default())
        })
        .tagged(|v| tags::from_ec2(v.tags()))
}

crate::provider::aws::table::table_type!(Vpc, Item);

impl Vpc {
    async fn set_attribute(
        &self,
        id: &str,
        name: VpcAttributeName,
        on: bool,
    ) -> ProviderResult<()> {
        let v = AttributeBooleanValue::builder().value(on).build();
        let req = self.aws.ec2.modify_vpc_attribute().vpc_id(id);
        let req = match name {
            VpcAttributeName::EnableDnsHostnames => req.enable_dns_hostnames(v),
            VpcAttributeName::EnableNetworkAddressUsageMetrics => {
                req.enable_network_address_usage_metrics(v)
            }
            _ => req.enable_dns_support(v),
        };
        req.send().await.map_err(err("ec2:ModifyVpcAttribute"))?;
        Ok(())
    }

    async fn attribute(&self, id: &str, name: VpcAttributeName) -> ProviderResult<bool> {
        attribute(&self.aws, id, name).await
    }

    /// The objects every VPC comes with: main route table, default security group and
    /// network ACL. They never change, so a prior that knows them keeps them.
    async fn defaults(&self, id: &str, prior: Option<&Obj>) -> ProviderResult<[Option<String>; 3]> {
        if let Some(p) = prior
            && let (Some(rt), Some(sg), Some(acl)) = (
                p.str("main_route_table_id"),
                p.str("default_security_group_id"),
                p.str("default_network_acl_id"),
            )
        {
            return Ok([Some(rt), Some(sg), Some(acl)]);
        }
        let ec2 = &self.aws.ec2;
        let vpc = || filter("vpc-id", [id.to_string()]);
        let rt = ec2
            .describe_route_tables()
            .filters(vpc())
            .filters(filter("association.main", ["true".to_string()]))
            .send()
            .await
            .map_err(err("ec2:DescribeRouteTables"))?;
        let sg = ec2
            .describe_security_groups()
            .filters(vpc())
            .filters(filter("group-name", ["default".to_string()]))
            .send()
            .await
            .map_err(err("ec2:DescribeSecurityGroups"))?;
        let acl = ec2
            .describe_network_acls()
            .filters(vpc())
            .filters(filter("default", ["true".to_string()]))
            .send()
            .await
            .map_err(err("ec2:DescribeNetworkAcls"))?;
        Ok([
            rt.route_tables()
                .first()
                .and_then(|t| t.route_table_id())
                .map(str::to_string),
            sg.security_groups()
                .first()
                .and_then(|g| g.group_id())
                .map(str::to_string),
            acl.network_acls()
                .first()
                .and_then(|a| a.network_acl_id())
                .map(str::to_string),
        ])
    }
}

impl Ec2Bulk for Vpc {
    bulk::ec2_object! {
        item Item, id vpc_id, filter "vpc-id",
        missing "InvalidVpcID.NotFound", "ec2:DescribeVpcs" via describe_vpcs pages 1000
    }

    async fn value(&self, prior: Option<Obj>, v: Self::Item) -> ProviderResult<Option<Value>> {
        let id = Self::item_id(&v);
        let [rt, sg, acl] = self.defaults(&id, prior.as_ref()).await?;
        // Read only when configured: one call per VPC saved on every refresh otherwise.
        let usage_metrics = match prior
            .as_ref()
            .and_then(|p| p.bool("enable_network_address_usage_metrics"))
        {
            Some(_) => {
                self.attribute(&id, VpcAttributeName::EnableNetworkAddressUsageMetrics)
                    .await?
            }
            None => false,
        };
        let dns_support = self
            .attribute(&id, VpcAttributeName::EnableDnsSupport)
            .await?;
        let dns_hostnames = self
            .attribute(&id, VpcAttributeName::EnableDnsHostnames)
            .await?;
        let mut o = self.table.read(&self.aws, prior, &v);
        o.set("enable_dns_support", b(dns_support))
            .set("enable_dns_hostnames", b(dns_hostnames))
            .set("enable_network_address_usage_metrics", b(usage_metrics))
            .set("main_route_table_id", opt_s(rt.clone()))
            .set("default_route_table_id", opt_s(rt))
            .set("default_security_group_id", opt_s(sg))
            .set("default_network_acl_id", opt_s(acl));
        Ok(Some(o.finish(&self.schema)))
    }
}

impl AsyncResourceType for Vpc {
    crate::provider::aws::bulk::ec2_reads!(plan tags);

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let out = self
            .aws
            .ec2
            .create_vpc()
            .set_cidr_block(p.str("cidr_block"))
            .set_instance_tenancy(p.str("instance_tenancy").map(|t| t.as_str().into()))
            .set_amazon_provided_ipv6_cidr_block(p.bool("assign_generated_ipv6_cidr_block"))
            .set_ipv4_ipam_pool_id(p.str("ipv4_ipam_pool_id"))
            .set_ipv4_netmask_length(p.i32("ipv4_netmask_length"))
            .set_ipv6_ipam_pool_id(p.str("ipv6_ipam_pool_id"))
            .set_ipv6_netmask_length(p.i32("ipv6_netmask_length"))
            .set_ipv6_cidr_block_network_border_group(p.str("ipv6_cidr_block_network_border_group"))
            .tag_specifications(tags::ec2_spec(Kind::Vpc, &t))
            .send()
            .await
            .map_err(err("ec2:CreateVpc"))?;
        let id = out
            .vpc()
            .and_then(|v| v.vpc_id())
            .unwrap_or_default()
            .to_string();
        bulk::described(self, &id).await?;
        if p.bool("enable_dns_hostnames") == Some(true) {
            self.set_attribute(&id, VpcAttributeName::EnableDnsHostnames, true)
                .await?;
        }
        if p.bool("enable_dns_support") == Some(false) {
            self.set_attribute(&id, VpcAttributeName::EnableDnsSupport, false)
                .await?;
        }
        if p.bool("enable_network_address_usage_metrics") == Some(true) {
            self.set_attribute(
                &id,
                VpcAttributeName::EnableNetworkAddressUsageMetrics,
                true,
            )
            .await?;
        }
        bulk::finished(self, p, &id).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let id = before.id()?;
        for (name, attr) in [
            ("enable_dns_support", VpcAttributeName::EnableDnsSupport),
            ("enable_dns_hostnames", VpcAttributeName::EnableDnsHostnames),
            (
                "enable_network_address_usage_metrics",
                VpcAttributeName::EnableNetworkAddressUsageMetrics,
            ),
        ] {
            if let Some(want) = after.bool(name)
                && before.bool(name) != Some(want)
            {
                self.set_attribute(&id, attr, want).await?;
            }
        }
        tags::update_ec2(&self.aws, &id, &before, &after).await?;
        bulk::finished(self, after, &id).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let id = Obj::of(&prior).id()?;
        delete_when_released(|| async {
            self.aws
                .ec2
                .delete_vpc()
                .vpc_id(&id)
                .send()
                .await
                .map_err(err("ec2:DeleteVpc"))
        })
        .await
    }
}

/// One of a VPC's switches (DNS support and host names, address usage metrics), as
/// DescribeVpcAttribute answers it: the resource and `data "aws_vpc"` read them alike.
pub(crate) async fn attribute(
    aws: &crate::provider::aws::Aws,
    id: &str,
    name: VpcAttributeName,
) -> ProviderResult<bool> {
    let out = aws
        .ec2
        .describe_vpc_attribute()
        .vpc_id(id)
        .attribute(name.clone())
        .send()
        .await
        .map_err(err("ec2:DescribeVpcAttribute"))?;
    let v = match name {
        VpcAttributeName::EnableDnsHostnames => out.enable_dns_hostnames(),
        VpcAttributeName::EnableNetworkAddressUsageMetrics => {
            out.enable_network_address_usage_metrics()
        }
        _ => out.enable_dns_support(),
    };
    Ok(v.and_then(|a| a.value()).unwrap_or(false))
}
