//! `aws_route_table`: routes written inline (attribute mode, as Terraform shows them) and
//! virtual gateway propagation.

use super::route_table_association::disassociate;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::Obj;
use crate::provider::aws::bulk::{self, Ec2Bulk};
use crate::provider::aws::ec2::routes::*;
use crate::provider::aws::sdk::{delete_when_released, err};
use crate::provider::aws::tags;
use crate::provider::{AsyncResourceType, AttrSchema, CreateContext, ProviderResult};
use aws_sdk_ec2::types::ResourceType as Kind;

type Item = aws_sdk_ec2::types::RouteTable;

crate::provider::aws::table::table_type!(
    RouteTable,
    Item,
    route_table_rows(AttrSchema::required(Type::String).force_new())
);

impl Ec2Bulk for RouteTable {
    bulk::ec2_object! {
        item Item, id route_table_id, filter "route-table-id",
        missing "InvalidRouteTableID.NotFound", "ec2:DescribeRouteTables"
        with describe_route_tables
    }
}

impl AsyncResourceType for RouteTable {
    crate::provider::aws::bulk::ec2_reads!(plan tags);

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let out = self
            .aws
            .ec2
            .create_route_table()
            .vpc_id(p.req("vpc_id")?)
            .tag_specifications(tags::ec2_spec(Kind::RouteTable, &t))
            .send()
            .await
            .map_err(err("ec2:CreateRouteTable"))?;
        let id = out
            .route_table()
            .and_then(|t| t.route_table_id())
            .unwrap_or_default()
            .to_string();
        bulk::described(self, &id).await?;
        sync_table(&self.aws, &id, &Obj::default(), &p).await?;
        bulk::finished(self, p, &id).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let id = before.id()?;
        sync_table(&self.aws, &id, &before, &after).await?;
        tags::update_ec2(&self.aws, &id, &before, &after).await?;
        bulk::finished(self, after, &id).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let id = Obj::of(&prior).id()?;
        let Some(t) = bulk::find(self, &id).await? else {
            return Ok(());
        };
        // A table with subnets or gateways associated cannot be deleted; as Terraform
        // does, let them go (they fall back to the main table).
        for a in t.associations().iter().filter(|a| a.main() != Some(true)) {
            if let Some(assoc) = a.route_table_association_id() {
                disassociate(&self.aws, assoc).await?;
            }
        }
        delete_when_released(|| async {
            self.aws
                .ec2
                .delete_route_table()
                .route_table_id(&id)
                .send()
                .await
                .map_err(err("ec2:DeleteRouteTable"))
        })
        .await
    }
}
