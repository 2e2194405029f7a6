//! `aws_default_route_table`: the VPC's main route table, its routes managed.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, s};
use crate::provider::aws::bulk::{self, Ec2Bulk};
use crate::provider::aws::ec2::adopted::*;
use crate::provider::aws::ec2::routes::*;
use crate::provider::aws::tags::{self, Tags};
use crate::provider::schema::{block_list, block_object};
use crate::provider::{AttrSchema, BoxFuture, CreateContext, ProviderResult, ResourceType, Schema};
use aws_sdk_ec2::types::Filter;
use std::collections::BTreeSet;
use std::sync::Arc;

#[derive(Clone)]
pub struct DefaultRouteTable {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
    route_type: Type,
}

impl DefaultRouteTable {
    pub fn new(aws: &Arc<Aws>) -> DefaultRouteTable {
        let mut attrs = vec![
            ("id", AttrSchema::computed(Type::String)),
            ("arn", AttrSchema::computed(Type::String)),
            ("owner_id", AttrSchema::computed(Type::String)),
            ("vpc_id", AttrSchema::computed(Type::String)),
            (
                "default_route_table_id",
                AttrSchema::required(Type::String).force_new(),
            ),
            // As for aws_route_table: unset leaves the routes alone after the adoption
            // (which removes them all), set (even to []) makes the table hold exactly these.
            (
                "route",
                AttrSchema::optional_computed(block_list(&route_block_attrs())).attribute_mode(),
            ),
            (
                "propagating_vgws",
                AttrSchema::optional_computed(Type::Set(Box::new(Type::String))),
            ),
        ];
        attrs.extend(tags::schema_attrs());
        DefaultRouteTable {
            aws: aws.clone(),
            schema: Arc::new(Schema::new(attrs)),
            route_type: block_object(&route_block_attrs()),
        }
    }
}

fn vgws(o: &Obj) -> BTreeSet<String> {
    o.strs("propagating_vgws").into_iter().collect()
}

impl Ec2Bulk for DefaultRouteTable {
    type Item = aws_sdk_ec2::types::RouteTable;
    const ID_FILTER: &'static str = "route-table-id";
    const DESCRIBE: &'static str = "ec2:DescribeRouteTables";
    const NOT_FOUND: &'static str = "InvalidRouteTableID.NotFound";

    fn item_id(item: &Self::Item) -> String {
        item.route_table_id().unwrap_or_default().to_string()
    }

    fn item_tags(item: &Self::Item) -> Tags {
        tags::from_ec2(item.tags())
    }

    fn describe(&self, filters: Vec<Filter>) -> BoxFuture<ProviderResult<Vec<Self::Item>>> {
        let aws = self.aws.clone();
        Box::pin(async move { describe_route_tables(&aws, filters).await })
    }

    fn value(&self, prior: Option<Obj>, t: Self::Item) -> BoxFuture<ProviderResult<Option<Value>>> {
        let this = self.clone();
        Box::pin(async move {
            let mut o = prior.unwrap_or_default();
            read_table(&this.aws, &this.route_type, &mut o, &t);
            o.set("default_route_table_id", s(Self::item_id(&t)));
            Ok(Some(o.finish(&this.schema)))
        })
    }
}

impl ResourceType for DefaultRouteTable {
    crate::provider::aws::bulk::ec2_reads!();
    fn plan(&self, _prior: Option<&Value>, planned: Value) -> Value {
        tags::plan(&self.aws, planned)
    }

    fn create(&self, _ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            let id = p.req("default_route_table_id")?;
            let t = bulk::described(&this, &id).await?;
            // What the table has now, read as this resource would: every route someone
            // created goes unless configured, every propagation unless configured.
            let mut had = Obj::default();
            read_table(&this.aws, &this.route_type, &mut had, &t);
            sync_propagation(&this.aws, &id, &vgws(&had), &vgws(&p)).await?;
            sync_routes(&this.aws, &id, &had.blocks("route"), &p.blocks("route")).await?;
            adopt_tags(&this.aws, &id, tags::from_ec2(t.tags()), &p).await?;
            bulk::finished(&this, p, &id).await
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let (before, after) = (Obj::of(&prior), Obj::of(&planned));
            let id = before.id()?;
            sync_propagation(&this.aws, &id, &vgws(&before), &vgws(&after)).await?;
            sync_routes(
                &this.aws,
                &id,
                &before.blocks("route"),
                &after.blocks("route"),
            )
            .await?;
            tags::update_ec2(&this.aws, &id, &before, &after).await?;
            bulk::finished(&this, after, &id).await
        })
    }

    fn delete(&self, _prior: Value) -> BoxFuture<ProviderResult<()>> {
        // The main route table cannot be deleted; it stays with its routes.
        Box::pin(async { Ok(()) })
    }
}
