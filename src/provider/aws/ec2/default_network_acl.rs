//! `aws_default_network_acl`: the VPC's default network ACL, its entries managed.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, opt_s, set_s};
use crate::provider::aws::bulk::{self, Ec2Bulk};
use crate::provider::aws::ec2::acl_entries::*;
use crate::provider::aws::ec2::adopted::*;
use crate::provider::aws::table::Table;
use crate::provider::aws::tags;
use crate::provider::{AsyncResourceType, AttrSchema, CreateContext, ProviderResult};
use aws_sdk_ec2::types::Filter;

type Item = aws_sdk_ec2::types::NetworkAcl;

/// Every attribute of `aws_default_network_acl`, and how it reads from a described ACL.
fn table() -> Table<Item> {
    use AttrSchema as A;
    acl_table(
        A::computed(Type::String),
        |t| {
            t.attr(
                "default_network_acl_id",
                A::required(Type::String).force_new(),
                |a| opt_s(a.network_acl_id()),
            )
        },
        // Not computed: unset means no entries (and, for subnets, a diff whenever the VPC
        // has subnets on the default ACL, which is why Terraform's documentation suggests
        // `ignore_changes = [subnet_ids]`).
        A::optional,
    )
}

crate::provider::aws::table::table_type!(DefaultNetworkAcl, Item);

impl DefaultNetworkAcl {
    async fn converge(&self, id: &str, p: &Obj) -> ProviderResult<()> {
        let acl = bulk::described(self, id).await?;
        sync_entries(&self.aws, &acl, p).await?;
        claim_subnets(&self.aws, &acl, &p.strs("subnet_ids")).await?;
        adopt_tags(&self.aws, id, tags::from_ec2(acl.tags()), p).await
    }
}

impl Ec2Bulk for DefaultNetworkAcl {
    bulk::ec2_object! {
        item Item, id network_acl_id, filter "network-acl-id",
        missing "InvalidNetworkAclID.NotFound", "ec2:DescribeNetworkAcls"
    }

    async fn describe(&self, filters: Vec<Filter>) -> ProviderResult<Vec<Self::Item>> {
        describe_by_filters(&self.aws, filters, Self::ID_FILTER).await
    }
}

impl AsyncResourceType for DefaultNetworkAcl {
    crate::provider::aws::bulk::ec2_reads!();
    fn plan(&self, _prior: Option<&Value>, planned: Value) -> Value {
        // Configured entries take the form reads give them ("tcp" as "6", unset as "" or 0).
        let mut o = Obj::of(&tags::plan(&self.aws, planned));
        for key in ["ingress", "egress"] {
            empty_when_null(&mut o, key, entries_value(&[]));
            if let Some(v) = o.get(key)
                && v.is_wholly_known()
            {
                let es: Vec<Entry> = o.blocks(key).iter().map(Entry::from_obj).collect();
                o.set(key, entries_value(&es));
            }
        }
        empty_when_null(&mut o, "subnet_ids", set_s(Vec::<String>::new()));
        o.finish(&self.schema)
    }

    async fn create(&self, _ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let id = p.req("default_network_acl_id")?;
        self.converge(&id, &p).await?;
        bulk::finished(self, p, &id).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let after = Obj::of(&planned);
        let id = Obj::of(&prior).id()?;
        self.converge(&id, &after).await?;
        bulk::finished(self, after, &id).await
    }

    async fn delete(&self, _prior: Value) -> ProviderResult<()> {
        // The default ACL cannot be deleted; it stays with its entries and subnets.
        Ok(())
    }
}
