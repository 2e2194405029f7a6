//! `aws_vpc_dhcp_options_association`: which DHCP options set a VPC uses. Another set is
//! associated in place; deleting it moves the VPC back to the default set.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, s};
use crate::provider::aws::sdk::{err, gone_is_ok};
use crate::provider::aws::table::Table;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult, Schema,
};
use std::sync::Arc;

/// Every attribute of the association: the configuration's, and an id made from them.
fn table() -> Table<()> {
    use AttrSchema as A;
    Table::new()
        .declared("id", A::computed(Type::String))
        .declared("vpc_id", A::required(Type::String).force_new())
        .declared("dhcp_options_id", A::required(Type::String))
}

#[derive(Clone)]
pub struct DhcpOptionsAssociation {
    aws: Arc<crate::provider::aws::Aws>,
    schema: Arc<Schema>,
}

impl DhcpOptionsAssociation {
    pub fn new(aws: &Arc<crate::provider::aws::Aws>) -> DhcpOptionsAssociation {
        DhcpOptionsAssociation {
            aws: aws.clone(),
            schema: Arc::new(table().schema()),
        }
    }

    async fn associate(&self, options: &str, vpc: &str) -> ProviderResult<()> {
        self.aws
            .ec2
            .associate_dhcp_options()
            .dhcp_options_id(options)
            .vpc_id(vpc)
            .send()
            .await
            .map_err(err("ec2:AssociateDhcpOptions"))?;
        Ok(())
    }

    /// The set the VPC uses now (`default` for AWS's own), `None` when the VPC is gone.
    async fn in_use(&self, vpc: &str) -> ProviderResult<Option<String>> {
        let out = self
            .aws
            .ec2
            .describe_vpcs()
            .vpc_ids(vpc)
            .send()
            .await
            .map_err(err("ec2:DescribeVpcs"));
        let out = match out {
            Err(e) if e.is_not_found() => return Ok(None),
            r => r?,
        };
        Ok(out
            .vpcs()
            .first()
            .map(|v| v.dhcp_options_id().unwrap_or("default").to_string()))
    }

    /// Associates the planned set with the VPC.
    async fn put(&self, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let (vpc, options) = (p.req("vpc_id")?, p.req("dhcp_options_id")?);
        self.associate(&options, &vpc).await?;
        Ok(self.value(&options, &vpc))
    }

    fn value(&self, options: &str, vpc: &str) -> Value {
        let mut o = Obj::default();
        o.set("id", s(format!("{options}-{vpc}")))
            .set("vpc_id", s(vpc))
            .set("dhcp_options_id", s(options));
        o.finish(&self.schema)
    }
}

impl AsyncResourceType for DhcpOptionsAssociation {
    crate::provider::aws::bulk::schema_and_address!();

    async fn create(&self, _ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        self.put(planned).await
    }

    /// Another set is associated in place, the same call as the first.
    async fn update(&self, _prior: Value, planned: Value) -> ProviderResult<Value> {
        self.put(planned).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let vpc = Obj::of(&prior).req("vpc_id")?;
        gone_is_ok(self.associate("default", &vpc).await)
    }

    /// Gone when the VPC is, or uses another set now (the plan associates it again).
    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        let p = Obj::of(&prior);
        let (vpc, options) = (p.req("vpc_id")?, p.req("dhcp_options_id")?);
        let now = self.in_use(&vpc).await?;
        Ok((now.as_deref() == Some(options.as_str())).then_some(prior))
    }

    /// By VPC id, as the AWS provider imports it.
    async fn import(&self, id: &str) -> ProviderResult<Value> {
        let vpc = id.to_string();
        match self.in_use(&vpc).await? {
            Some(options) if options != "default" => Ok(self.value(&options, &vpc)),
            _ => Err(ProviderError::new(
                "import",
                format!("{vpc} uses no DHCP options set of its own (or does not exist)"),
            )),
        }
    }
}
