//! `aws_egress_only_internet_gateway`: outbound-only IPv6 access for a VPC (a `::/0` route
//! names it). Its VPC replaces it; only tags change in place.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, opt_s};
use crate::provider::aws::bulk::{self, Ec2Bulk};
use crate::provider::aws::sdk::{AllPages, delete_when_released, err};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags;
use crate::provider::{AsyncResourceType, AttrSchema, CreateContext, ProviderResult};
use aws_sdk_ec2::types::{Filter, ResourceType as Kind};

type Item = aws_sdk_ec2::types::EgressOnlyInternetGateway;

/// Every attribute of `aws_egress_only_internet_gateway`, and how it reads from a gateway.
fn table() -> Table<Item> {
    use AttrSchema as A;
    Table::<Item>::new()
        .attr("id", A::computed(Type::String), |g| {
            opt_s(g.egress_only_internet_gateway_id())
        })
        .attr("vpc_id", A::required(Type::String).force_new(), |g| {
            opt_s(g.attachments().first().and_then(|a| a.vpc_id()))
        })
        .tagged(|g| tags::from_ec2(g.tags()))
}

crate::provider::aws::table::table_type!(EgressOnlyInternetGateway, Item);

impl Ec2Bulk for EgressOnlyInternetGateway {
    bulk::ec2_object! {
        item Item, id egress_only_internet_gateway_id, filter "egress-only-internet-gateway-id",
        missing "InvalidGatewayID.NotFound", "ec2:DescribeEgressOnlyInternetGateways"
    }

    /// Ids go as the call's id list rather than a filter (the emulator ignores this call's
    /// filters, AWS takes both); the lineage tag filter goes as it is.
    async fn describe(&self, filters: Vec<Filter>) -> ProviderResult<Vec<Self::Item>> {
        let ec2 = &self.aws.ec2;
        let (ids, rest): (Vec<Filter>, Vec<Filter>) = filters
            .into_iter()
            .partition(|f| f.name() == Some(Self::ID_FILTER));
        let ids: Vec<String> = ids.iter().flat_map(|f| f.values().to_vec()).collect();
        ec2.describe_egress_only_internet_gateways()
            .set_egress_only_internet_gateway_ids((!ids.is_empty()).then_some(ids))
            .set_filters((!rest.is_empty()).then_some(rest))
            .into_paginator()
            .items()
            .send()
            .all("ec2:DescribeEgressOnlyInternetGateways")
            .await
    }
}

impl AsyncResourceType for EgressOnlyInternetGateway {
    crate::provider::aws::bulk::ec2_reads!(plan tags);

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let out = self
            .aws
            .ec2
            .create_egress_only_internet_gateway()
            .vpc_id(p.req("vpc_id")?)
            .tag_specifications(tags::ec2_spec(Kind::EgressOnlyInternetGateway, &t))
            .send()
            .await
            .map_err(err("ec2:CreateEgressOnlyInternetGateway"))?;
        let id = out
            .egress_only_internet_gateway()
            .and_then(|g| g.egress_only_internet_gateway_id())
            .unwrap_or_default()
            .to_string();
        bulk::finished(self, p, &id).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let id = before.id()?;
        tags::update_ec2(&self.aws, &id, &before, &after).await?;
        bulk::finished(self, after, &id).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let id = Obj::of(&prior).id()?;
        delete_when_released(|| async {
            self.aws
                .ec2
                .delete_egress_only_internet_gateway()
                .egress_only_internet_gateway_id(&id)
                .send()
                .await
                .map_err(err("ec2:DeleteEgressOnlyInternetGateway"))
        })
        .await
    }
}
