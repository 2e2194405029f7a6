//! `aws_default_route_table`: the VPC's main route table, its routes managed.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, opt_s};
use crate::provider::aws::bulk::{self, Ec2Bulk};
use crate::provider::aws::ec2::adopted::*;
use crate::provider::aws::ec2::routes::*;
use crate::provider::aws::table::Table;
use crate::provider::aws::tags;
use crate::provider::{AsyncResourceType, AttrSchema, CreateContext, ProviderResult};

type Item = aws_sdk_ec2::types::RouteTable;

/// The rows of `aws_route_table`, but for the table's VPC. As for `aws_route_table`: unset
/// `route` leaves the routes alone after the adoption (which removes them all), set (even to
/// []) makes the table hold exactly these.
fn table() -> Table<Item> {
    route_table_rows(AttrSchema::computed(Type::String)).attr(
        "default_route_table_id",
        AttrSchema::required(Type::String).force_new(),
        |t| opt_s(t.route_table_id()),
    )
}

crate::provider::aws::table::table_type!(DefaultRouteTable, Item);

impl Ec2Bulk for DefaultRouteTable {
    bulk::ec2_object! {
        item Item, id route_table_id, filter "route-table-id",
        missing "InvalidRouteTableID.NotFound", "ec2:DescribeRouteTables"
        with describe_route_tables
    }
}

impl AsyncResourceType for DefaultRouteTable {
    crate::provider::aws::bulk::ec2_reads!(plan tags);

    async fn create(&self, _ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let id = p.req("default_route_table_id")?;
        let t = bulk::described(self, &id).await?;
        // What the table has now, read as self resource would: every route someone
        // created goes unless configured, every propagation unless configured.
        let had = self.table.read_attributes(&self.aws.region, None, &t);
        sync_table(&self.aws, &id, &had, &p).await?;
        adopt_tags(&self.aws, &id, tags::from_ec2(t.tags()), &p).await?;
        bulk::finished(self, p, &id).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let id = before.id()?;
        sync_table(&self.aws, &id, &before, &after).await?;
        tags::update_ec2(&self.aws, &id, &before, &after).await?;
        bulk::finished(self, after, &id).await
    }

    async fn delete(&self, _prior: Value) -> ProviderResult<()> {
        // The main route table cannot be deleted; it stays with its routes.
        Ok(())
    }
}
