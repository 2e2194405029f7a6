//! `aws_network_acl`: a VPC's network ACL, its inline entries and the subnets it holds. An
//! unstated `ingress` / `egress` leaves the entries to `aws_network_acl_rule`; a subnet taken
//! out of `subnet_ids`, or held when the ACL is deleted, goes back to the VPC's default ACL.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::Obj;
use crate::provider::aws::bulk::{self, Ec2Bulk};
use crate::provider::aws::ec2::acl_entries::*;
use crate::provider::aws::sdk::{delete_when_released, err};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags;
use crate::provider::{AsyncResourceType, AttrSchema, CreateContext, ProviderResult};
use aws_sdk_ec2::types::{Filter, ResourceType as Kind};

type Item = aws_sdk_ec2::types::NetworkAcl;

fn subnets_of(a: &Item) -> Vec<String> {
    a.associations()
        .iter()
        .filter_map(|x| x.subnet_id().map(str::to_string))
        .collect()
}

/// Every attribute of `aws_network_acl`, and how it reads from a described ACL.
fn table() -> Table<Item> {
    acl_table(
        AttrSchema::required(Type::String).force_new(),
        |t| t,
        // Unstated entries are left to aws_network_acl_rule; unstated subnets stay where they are.
        AttrSchema::optional_computed,
    )
}

crate::provider::aws::table::table_type!(NetworkAcl, Item);

impl Ec2Bulk for NetworkAcl {
    bulk::ec2_object! {
        item Item, id network_acl_id, filter "network-acl-id",
        missing "InvalidNetworkAclID.NotFound", "ec2:DescribeNetworkAcls"
    }

    async fn describe(&self, filters: Vec<Filter>) -> ProviderResult<Vec<Self::Item>> {
        describe_by_filters(&self.aws, filters, Self::ID_FILTER).await
    }
}

impl AsyncResourceType for NetworkAcl {
    crate::provider::aws::bulk::ec2_reads!();

    fn plan(&self, _prior: Option<&Value>, planned: Value) -> Value {
        // Configured entries take the form reads give them ("tcp" as "6", unset as "" or 0).
        let mut o = Obj::of(&tags::plan(&self.aws, planned));
        for key in ["ingress", "egress"] {
            if let Some(v) = o.get(key)
                && v.is_wholly_known()
                && !v.is_null()
            {
                let es: Vec<Entry> = o.blocks(key).iter().map(Entry::from_obj).collect();
                o.set(key, entries_value(&es));
            }
        }
        o.finish(&self.schema)
    }

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let out = self
            .aws
            .ec2
            .create_network_acl()
            .vpc_id(p.req("vpc_id")?)
            .tag_specifications(tags::ec2_spec(Kind::NetworkAcl, &t))
            .send()
            .await
            .map_err(err("ec2:CreateNetworkAcl"))?;
        let id = out
            .network_acl()
            .and_then(|a| a.network_acl_id())
            .unwrap_or_default()
            .to_string();
        let acl = bulk::described(self, &id).await?;
        sync_entries(&self.aws, &acl, &p).await?;
        claim_subnets(&self.aws, &acl, &p.strs("subnet_ids")).await?;
        bulk::finished(self, p, &id).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let id = before.id()?;
        let acl = bulk::described(self, &id).await?;
        // Only a direction the plan changes is brought to it: an unchanged one may be
        // gaining entries from `aws_network_acl_rule`s in self very apply.
        let mut changed = Obj::default();
        for key in ["ingress", "egress"] {
            if let Some(v) = after.get(key)
                && before.get(key) != Some(v)
            {
                changed.set(key, v.clone());
            }
        }
        sync_entries(&self.aws, &acl, &changed).await?;
        let wanted = after.strs("subnet_ids");
        let dropped: Vec<String> = subnets_of(&acl)
            .into_iter()
            .filter(|s| !wanted.contains(s))
            .collect();
        release_subnets(&self.aws, &after.req("vpc_id")?, &dropped).await?;
        claim_subnets(&self.aws, &acl, &wanted).await?;
        tags::update_ec2(&self.aws, &id, &before, &after).await?;
        bulk::finished(self, after, &id).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let id = Obj::of(&prior).id()?;
        let Some(acl) = bulk::find(self, &id).await? else {
            return Ok(());
        };
        let vpc = acl.vpc_id().unwrap_or_default();
        release_subnets(&self.aws, vpc, &subnets_of(&acl)).await?;
        delete_when_released(|| async {
            self.aws
                .ec2
                .delete_network_acl()
                .network_acl_id(&id)
                .send()
                .await
                .map_err(err("ec2:DeleteNetworkAcl"))
        })
        .await
    }
}
