//! `aws_network_acl_association`: one subnet moved to a network ACL. Deleting it gives the
//! subnet back to its VPC's default ACL (a subnet always has one).

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, s};
use crate::provider::aws::bulk::filter;
use crate::provider::aws::ec2::acl_entries::*;
use crate::provider::aws::table::Table;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult, Schema,
};
use aws_sdk_ec2::types::NetworkAcl;
use std::sync::Arc;

/// Every attribute of the association: the configuration's, and AWS's association id.
fn table() -> Table<()> {
    use AttrSchema as A;
    Table::new()
        .declared("id", A::computed(Type::String))
        .declared("network_acl_id", A::required(Type::String).force_new())
        .declared("subnet_id", A::required(Type::String).force_new())
}

#[derive(Clone)]
pub struct NetworkAclAssociation {
    aws: Arc<crate::provider::aws::Aws>,
    schema: Arc<Schema>,
}

impl NetworkAclAssociation {
    pub fn new(aws: &Arc<crate::provider::aws::Aws>) -> NetworkAclAssociation {
        NetworkAclAssociation {
            aws: aws.clone(),
            schema: Arc::new(table().schema()),
        }
    }

    /// The ACL that holds a subnet now, found by one association filter.
    async fn holder(&self, name: &str, value: &str) -> ProviderResult<Option<NetworkAcl>> {
        let found = describe_acls(&self.aws, vec![filter(name, [value.to_string()])], None).await?;
        Ok(found.into_iter().next())
    }

    /// The association's value from the ACL holding the subnet.
    fn value(&self, acl: &NetworkAcl, subnet: &str) -> Option<Value> {
        let a = acl
            .associations()
            .iter()
            .find(|a| a.subnet_id() == Some(subnet))?;
        let mut o = Obj::default();
        o.set("id", s(a.network_acl_association_id().unwrap_or_default()))
            .set(
                "network_acl_id",
                s(acl.network_acl_id().unwrap_or_default()),
            )
            .set("subnet_id", s(subnet));
        Some(o.finish(&self.schema))
    }
}

impl AsyncResourceType for NetworkAclAssociation {
    crate::provider::aws::bulk::schema_and_address!();

    async fn create(&self, _ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let (acl_id, subnet) = (p.req("network_acl_id")?, p.req("subnet_id")?);
        let acls = describe_acls(&self.aws, vec![], Some(vec![acl_id.clone()])).await?;
        let acl = acls.first().ok_or_else(|| {
            ProviderError::new("ec2:DescribeNetworkAcls", format!("{acl_id} not found"))
        })?;
        let claimed = claim_subnets(&self.aws, acl, std::slice::from_ref(&subnet)).await?;
        let id = claimed.get(&subnet).ok_or_else(|| {
            ProviderError::new(
                "ec2:ReplaceNetworkAclAssociation",
                format!("{subnet} is on no network ACL to move from"),
            )
        })?;
        let mut o = p;
        o.set("id", s(id));
        Ok(o.finish(&self.schema))
    }

    async fn update(&self, _prior: Value, planned: Value) -> ProviderResult<Value> {
        // Every argument replaces the association.
        Ok(planned)
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let p = Obj::of(&prior);
        let (acl_id, subnet) = (p.req("network_acl_id")?, p.req("subnet_id")?);
        // Only while the subnet is still on self ACL: another may have claimed it since.
        match self.holder("association.subnet-id", &subnet).await? {
            Some(acl) if acl.network_acl_id() == Some(acl_id.as_str()) => {
                let vpc = acl.vpc_id().unwrap_or_default().to_string();
                release_subnets(&self.aws, &vpc, &[subnet]).await
            }
            _ => Ok(()),
        }
    }

    /// Gone when the subnet is, or sits on another ACL now (the plan moves it back).
    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        let p = Obj::of(&prior);
        let (acl_id, subnet) = (p.req("network_acl_id")?, p.req("subnet_id")?);
        Ok(self
            .holder("association.subnet-id", &subnet)
            .await?
            .filter(|acl| acl.network_acl_id() == Some(acl_id.as_str()))
            .and_then(|acl| self.value(&acl, &subnet)))
    }

    /// By association id (`aclassoc-...`), as the AWS provider imports it.
    async fn import(&self, id: &str) -> ProviderResult<Value> {
        let acl = self
            .holder("association.association-id", id)
            .await?
            .ok_or_else(|| ProviderError::new("import", format!("no association {id}")))?;
        let subnet = acl
            .associations()
            .iter()
            .find(|a| a.network_acl_association_id() == Some(id))
            .and_then(|a| a.subnet_id())
            .unwrap_or_default()
            .to_string();
        self.value(&acl, &subnet)
            .ok_or_else(|| ProviderError::new("import", format!("no association {id}")))
    }
}
