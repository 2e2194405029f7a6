//! `aws_vpc_dhcp_options`: a DHCP options set (what a VPC's instances learn for name
//! resolution and time). Every argument replaces it; deleting it first moves the VPCs that use
//! it back to the default set, as the AWS provider does.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, list_s, opt_s, s};
use crate::provider::aws::bulk::{self, Ec2Bulk, filter};
use crate::provider::aws::sdk::{delete_when_released, err, gone_is_ok};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags;
use crate::provider::{AsyncResourceType, AttrSchema, CreateContext, ProviderResult};
use aws_sdk_ec2::types::{NewDhcpConfiguration, ResourceType as Kind};

type Item = aws_sdk_ec2::types::DhcpOptions;

/// The options, each an attribute and the key AWS files it under.
const OPTIONS: &[(&str, &str, bool)] = &[
    ("domain_name", "domain-name", false),
    ("domain_name_servers", "domain-name-servers", true),
    ("ntp_servers", "ntp-servers", true),
    ("netbios_name_servers", "netbios-name-servers", true),
    ("netbios_node_type", "netbios-node-type", false),
    (
        "ipv6_address_preferred_lease_time",
        "ipv6-address-preferred-lease-time",
        false,
    ),
];

/// The values AWS holds for one option's key.
fn values(d: &Item, key: &str) -> Vec<String> {
    d.dhcp_configurations()
        .iter()
        .filter(|c| c.key() == Some(key))
        .flat_map(|c| c.values())
        .filter_map(|v| v.value().map(str::to_string))
        .collect()
}

/// An option as its attribute reads: a list, or the one value; null when AWS holds none.
fn option(d: &Item, key: &str, list: bool) -> Value {
    let v = values(d, key);
    if !list {
        opt_s(v.into_iter().next())
    } else if v.is_empty() {
        Value::Null(Type::List(Box::new(Type::String)))
    } else {
        list_s(v)
    }
}

/// Every attribute of `aws_vpc_dhcp_options`, and how it reads from a described set.
fn table() -> Table<Item> {
    use AttrSchema as A;
    let string = || A::optional(Type::String).force_new();
    let list = || A::optional(Type::List(Box::new(Type::String))).force_new();
    Table::<Item>::new()
        .attr("id", A::computed(Type::String), |d| {
            opt_s(d.dhcp_options_id())
        })
        // Built from the region and owner by `value`.
        .declared("arn", A::computed(Type::String))
        .declared("owner_id", A::computed(Type::String))
        .attr("domain_name", string(), |d| option(d, "domain-name", false))
        .attr("domain_name_servers", list(), |d| {
            option(d, "domain-name-servers", true)
        })
        .attr("ntp_servers", list(), |d| option(d, "ntp-servers", true))
        .attr("netbios_name_servers", list(), |d| {
            option(d, "netbios-name-servers", true)
        })
        .attr("netbios_node_type", string(), |d| {
            option(d, "netbios-node-type", false)
        })
        .attr("ipv6_address_preferred_lease_time", string(), |d| {
            option(d, "ipv6-address-preferred-lease-time", false)
        })
        .tagged(|d| tags::from_ec2(d.tags()))
}

crate::provider::aws::table::table_type!(DhcpOptions, Item);

impl DhcpOptions {
    /// The VPCs that use this set now.
    async fn users(&self, id: &str) -> ProviderResult<Vec<String>> {
        let out = self
            .aws
            .ec2
            .describe_vpcs()
            .filters(filter("dhcp-options-id", [id.to_string()]))
            .send()
            .await
            .map_err(err("ec2:DescribeVpcs"))?;
        Ok(out
            .vpcs()
            .iter()
            .filter_map(|v| v.vpc_id().map(str::to_string))
            .collect())
    }
}

impl Ec2Bulk for DhcpOptions {
    bulk::ec2_object! {
        item Item, id dhcp_options_id, filter "dhcp-options-id",
        missing "InvalidDhcpOptionID.NotFound", "ec2:DescribeDhcpOptions"
        via describe_dhcp_options pages 1000
    }

    async fn value(&self, prior: Option<Obj>, d: Self::Item) -> ProviderResult<Option<Value>> {
        let mut o = self.table.read(&self.aws, prior, &d);
        let owner = match d.owner_id() {
            Some(owner) => owner.to_string(),
            None => self.aws.account_id().await?,
        };
        let arn = format!(
            "arn:aws:ec2:{}:{owner}:dhcp-options/{}",
            self.aws.region,
            Self::item_id(&d)
        );
        o.set("owner_id", s(owner)).set("arn", s(arn));
        Ok(Some(o.finish(&self.schema)))
    }
}

impl AsyncResourceType for DhcpOptions {
    crate::provider::aws::bulk::ec2_reads!(plan tags);

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let configurations = OPTIONS.iter().filter_map(|(name, key, list)| {
            let values = if *list {
                p.strs(name)
            } else {
                p.str(name).into_iter().collect()
            };
            (!values.is_empty()).then(|| {
                NewDhcpConfiguration::builder()
                    .key(*key)
                    .set_values(Some(values))
                    .build()
            })
        });
        let out = self
            .aws
            .ec2
            .create_dhcp_options()
            .set_dhcp_configurations(Some(configurations.collect()))
            .tag_specifications(tags::ec2_spec(Kind::DhcpOptions, &t))
            .send()
            .await
            .map_err(err("ec2:CreateDhcpOptions"))?;
        let id = out
            .dhcp_options()
            .and_then(|d| d.dhcp_options_id())
            .unwrap_or_default()
            .to_string();
        bulk::finished(self, p, &id).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        // Every option replaces the set: only tags change in place.
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let id = before.id()?;
        tags::update_ec2(&self.aws, &id, &before, &after).await?;
        bulk::finished(self, after, &id).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let id = Obj::of(&prior).id()?;
        // AWS refuses to delete a set in use: move its VPCs to the default set first.
        for vpc in self.users(&id).await? {
            let r = self
                .aws
                .ec2
                .associate_dhcp_options()
                .dhcp_options_id("default")
                .vpc_id(vpc)
                .send()
                .await
                .map_err(err("ec2:AssociateDhcpOptions"));
            gone_is_ok(r)?;
        }
        delete_when_released(|| async {
            self.aws
                .ec2
                .delete_dhcp_options()
                .dhcp_options_id(&id)
                .send()
                .await
                .map_err(err("ec2:DeleteDhcpOptions"))
        })
        .await
    }
}
