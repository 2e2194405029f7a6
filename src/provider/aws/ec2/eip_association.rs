//! `aws_eip_association`: an Elastic IP associated with an instance or a network interface,
//! managed apart from the address. Every argument replaces it.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, opt_s};
use crate::provider::aws::bulk::filter;
use crate::provider::aws::sdk::{EVENTUAL_CONSISTENCY, err, gone_is_ok, retry_while};
use crate::provider::aws::table::Table;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult,
};

type Item = aws_sdk_ec2::types::Address;

/// Every attribute of `aws_eip_association`, read from the address that holds it.
fn table() -> Table<Item> {
    use AttrSchema as A;
    let arg = || A::optional_computed(Type::String).force_new();
    Table::<Item>::new()
        .attr("id", A::computed(Type::String), |a| {
            opt_s(a.association_id())
        })
        .attr("association_id", A::computed(Type::String), |a| {
            opt_s(a.association_id())
        })
        .attr("allocation_id", arg(), |a| opt_s(a.allocation_id()))
        .attr("instance_id", arg(), |a| opt_s(a.instance_id()))
        .attr("network_interface_id", arg(), |a| {
            opt_s(a.network_interface_id())
        })
        .attr("private_ip_address", arg(), |a| {
            opt_s(a.private_ip_address())
        })
        .attr("public_ip", arg(), |a| opt_s(a.public_ip()))
        .declared("allow_reassociation", A::optional(Type::Bool).force_new())
}

crate::provider::aws::table::table_type!(EipAssociation, Item);

impl EipAssociation {
    /// The address that holds this association, if it still does.
    async fn find(&self, association: &str) -> ProviderResult<Option<Item>> {
        let out = self
            .aws
            .ec2
            .describe_addresses()
            .filters(filter("association-id", [association.to_string()]))
            .send()
            .await
            .map_err(err("ec2:DescribeAddresses"))?;
        Ok(out
            .addresses()
            .iter()
            .find(|a| a.association_id() == Some(association))
            .cloned())
    }

    fn value(&self, prior: Option<Obj>, a: &Item) -> Value {
        self.table.read(&self.aws, prior, a).finish(&self.schema)
    }
}

impl AsyncResourceType for EipAssociation {
    crate::provider::aws::bulk::schema_and_address!();

    fn validate(&self, planned: &Value) -> Result<(), String> {
        let o = Obj::of(planned);
        // Unknown counts as set: the plan cannot tell yet.
        let known = |k: &str| o.0.get(k).is_some_and(|v| !v.is_known() || !v.is_null());
        if !known("allocation_id") && !known("public_ip") {
            return Err("one of allocation_id or public_ip is required".into());
        }
        if !known("instance_id") && !known("network_interface_id") {
            return Err("one of instance_id or network_interface_id is required".into());
        }
        Ok(())
    }

    async fn create(&self, _ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        // An instance launched a moment ago may not be visible to the call yet.
        let out = retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || async {
                self.aws
                    .ec2
                    .associate_address()
                    .set_allocation_id(p.str("allocation_id"))
                    .set_public_ip(p.str("public_ip"))
                    .set_instance_id(p.str("instance_id"))
                    .set_network_interface_id(p.str("network_interface_id"))
                    .set_private_ip_address(p.str("private_ip_address"))
                    .set_allow_reassociation(p.bool("allow_reassociation"))
                    .send()
                    .await
                    .map_err(err("ec2:AssociateAddress"))
            },
        )
        .await?;
        let id = out.association_id().unwrap_or_default().to_string();
        let address = self
            .find(&id)
            .await?
            .ok_or_else(|| ProviderError::new("ec2:DescribeAddresses", format!("{id} vanished")))?;
        Ok(self.value(Some(p), &address))
    }

    async fn update(&self, _prior: Value, planned: Value) -> ProviderResult<Value> {
        // Every argument replaces the association.
        Ok(planned)
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let id = Obj::of(&prior).id()?;
        let r = self
            .aws
            .ec2
            .disassociate_address()
            .association_id(&id)
            .send()
            .await
            .map_err(err("ec2:DisassociateAddress"));
        gone_is_ok(r)
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        let p = Obj::of(&prior);
        let found = self.find(&p.id()?).await?;
        Ok(found.map(|a| self.value(Some(p), &a)))
    }

    /// By association id (`eipassoc-...`), as the AWS provider imports it.
    async fn import(&self, id: &str) -> ProviderResult<Value> {
        let found = self
            .find(id)
            .await?
            .ok_or_else(|| ProviderError::new("import", format!("no association {id}")))?;
        Ok(self.value(None, &found))
    }
}
