//! `aws_eip_association`: an Elastic IP associated with an instance or a network interface,
//! managed apart from the address. Every argument replaces it.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, opt_s};
use crate::provider::aws::bulk::filter;
use crate::provider::aws::sdk::{EVENTUAL_CONSISTENCY, err, gone_is_ok, retry_while};
use crate::provider::aws::table::Table;
use crate::provider::{
    AttrSchema, BoxFuture, CreateContext, ProviderError, ProviderResult, ResourceType,
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

impl ResourceType for EipAssociation {
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

    fn create(&self, _ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            // An instance launched a moment ago may not be visible to the call yet.
            let out = retry_while(
                EVENTUAL_CONSISTENCY,
                |e| e.is_not_found(),
                || async {
                    this.aws
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
            let address = this.find(&id).await?.ok_or_else(|| {
                ProviderError::new("ec2:DescribeAddresses", format!("{id} vanished"))
            })?;
            Ok(this.value(Some(p), &address))
        })
    }

    fn update(&self, _prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        // Every argument replaces the association.
        Box::pin(async move { Ok(planned) })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move {
            let id = Obj::of(&prior).id()?;
            let r = this
                .aws
                .ec2
                .disassociate_address()
                .association_id(&id)
                .send()
                .await
                .map_err(err("ec2:DisassociateAddress"));
            gone_is_ok(r)
        })
    }

    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&prior);
            let found = this.find(&p.id()?).await?;
            Ok(found.map(|a| this.value(Some(p), &a)))
        })
    }

    /// By association id (`eipassoc-...`), as the AWS provider imports it.
    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>> {
        let (this, id) = (self.clone(), id.to_string());
        Box::pin(async move {
            let found = this
                .find(&id)
                .await?
                .ok_or_else(|| ProviderError::new("import", format!("no association {id}")))?;
            Ok(this.value(None, &found))
        })
    }
}
