//! `aws_vpc_ipv4_cidr_block_association`: a secondary IPv4 block of a VPC (a cluster that
//! outgrows its first block). Every argument replaces it; deleting it waits while subnets
//! still use the block.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, opt_s, s};
use crate::provider::aws::bulk::filter;
use crate::provider::aws::sdk::{DEPENDENTS_DRAIN, delete_when_released, err, wait_for};
use crate::provider::aws::table::Table;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult,
};
use aws_sdk_ec2::types::VpcCidrBlockStateCode;

/// An association found: its VPC and the association as the VPC lists it.
pub struct Found {
    vpc: String,
    association: aws_sdk_ec2::types::VpcCidrBlockAssociation,
}

/// Every attribute of `aws_vpc_ipv4_cidr_block_association`, read from the VPC that holds it.
fn table() -> Table<Found> {
    use AttrSchema as A;
    Table::<Found>::new()
        .attr("id", A::computed(Type::String), |f| {
            opt_s(f.association.association_id())
        })
        .attr("vpc_id", A::required(Type::String).force_new(), |f| {
            s(&f.vpc)
        })
        .attr(
            "cidr_block",
            A::optional_computed(Type::String).force_new(),
            |f| opt_s(f.association.cidr_block()),
        )
        .declared("ipv4_ipam_pool_id", A::optional(Type::String).force_new())
        .declared("ipv4_netmask_length", A::optional(Type::Number).force_new())
}

crate::provider::aws::table::table_type!(VpcCidrAssociation, Found);

fn state(f: &Found) -> Option<&VpcCidrBlockStateCode> {
    f.association.cidr_block_state().and_then(|s| s.state())
}

impl VpcCidrAssociation {
    /// The association with this id, whatever its state; `None` once AWS forgets it.
    async fn find(&self, id: &str) -> ProviderResult<Option<Found>> {
        let out = self
            .aws
            .ec2
            .describe_vpcs()
            .filters(filter(
                "cidr-block-association.association-id",
                [id.to_string()],
            ))
            .send()
            .await
            .map_err(err("ec2:DescribeVpcs"))?;
        Ok(out.vpcs().iter().find_map(|v| {
            v.cidr_block_association_set()
                .iter()
                .find(|a| a.association_id() == Some(id))
                .map(|a| Found {
                    vpc: v.vpc_id().unwrap_or_default().to_string(),
                    association: a.clone(),
                })
        }))
    }

    /// The association while it is (or is becoming) part of its VPC.
    async fn live(&self, id: &str) -> ProviderResult<Option<Found>> {
        Ok(self.find(id).await?.filter(|f| {
            !matches!(
                state(f),
                Some(VpcCidrBlockStateCode::Disassociated | VpcCidrBlockStateCode::Failed)
            )
        }))
    }

    fn value(&self, prior: Option<Obj>, f: &Found) -> Value {
        self.table.read(&self.aws, prior, f).finish(&self.schema)
    }
}

impl AsyncResourceType for VpcCidrAssociation {
    crate::provider::aws::bulk::schema_and_address!();

    async fn create(&self, _ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let out = self
            .aws
            .ec2
            .associate_vpc_cidr_block()
            .vpc_id(p.req("vpc_id")?)
            .set_cidr_block(p.str("cidr_block"))
            .set_ipv4_ipam_pool_id(p.str("ipv4_ipam_pool_id"))
            .set_ipv4_netmask_length(p.i32("ipv4_netmask_length"))
            .send()
            .await
            .map_err(err("ec2:AssociateVpcCidrBlock"))?;
        let id = out
            .cidr_block_association()
            .and_then(|a| a.association_id())
            .unwrap_or_default()
            .to_string();
        let found = wait_for(&format!("{id} associated"), DEPENDENTS_DRAIN, || async {
            let f = self.find(&id).await?;
            match f.as_ref().and_then(state) {
                Some(VpcCidrBlockStateCode::Failed) => Err(ProviderError::new(
                    "ec2:AssociateVpcCidrBlock",
                    format!(
                        "{id} failed: {}",
                        f.as_ref()
                            .and_then(|f| f.association.cidr_block_state())
                            .and_then(|s| s.status_message())
                            .unwrap_or("no reason given")
                    ),
                )),
                Some(VpcCidrBlockStateCode::Associated) => Ok(f),
                _ => Ok(None),
            }
        })
        .await?;
        Ok(self.value(Some(p), &found))
    }

    async fn update(&self, _prior: Value, planned: Value) -> ProviderResult<Value> {
        // Every argument replaces the association.
        Ok(planned)
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let id = Obj::of(&prior).id()?;
        // AWS refuses while subnets use the block (DependencyViolation): wait them out.
        delete_when_released(|| async {
            self.aws
                .ec2
                .disassociate_vpc_cidr_block()
                .association_id(&id)
                .send()
                .await
                .map_err(err("ec2:DisassociateVpcCidrBlock"))
        })
        .await
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        let p = Obj::of(&prior);
        let found = self.live(&p.id()?).await?;
        Ok(found.map(|f| self.value(Some(p), &f)))
    }

    /// By association id (`vpc-cidr-assoc-...`), as the AWS provider imports it.
    async fn import(&self, id: &str) -> ProviderResult<Value> {
        let found = self
            .live(id)
            .await?
            .ok_or_else(|| ProviderError::new("import", format!("no association {id}")))?;
        Ok(self.value(None, &found))
    }
}
