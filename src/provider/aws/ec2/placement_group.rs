//! `aws_placement_group`: where EC2 puts a group's instances (`cluster` packs them close,
//! `partition` and `spread` keep them apart). Its id is its name; everything but tags
//! replaces it. Instances and autoscaling groups name it in `placement_group`.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, opt_n, opt_s};
use crate::provider::aws::bulk::{self, Ec2Bulk};
use crate::provider::aws::sdk::{err, gone_is_ok, wait_for};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags;
use crate::provider::{AsyncResourceType, AttrSchema, CreateContext, ProviderResult};
use aws_sdk_ec2::types::{Filter, PlacementStrategy, ResourceType as Kind, SpreadLevel};
use std::time::Duration;

type Item = aws_sdk_ec2::types::PlacementGroup;

/// How long a deleted group may stay listed as `deleting`.
const DELETE_WAIT: Duration = Duration::from_secs(5 * 60);

/// Every attribute of `aws_placement_group`, and how it reads from a described group.
fn table() -> Table<Item> {
    use AttrSchema as A;
    Table::<Item>::new()
        .attr("id", A::computed(Type::String), |g| opt_s(g.group_name()))
        .attr("name", A::required(Type::String).force_new(), |g| {
            opt_s(g.group_name())
        })
        .attr("strategy", A::required(Type::String).force_new(), |g| {
            opt_s(g.strategy().map(|x| x.as_str()))
        })
        .attr(
            "partition_count",
            A::optional_computed(Type::Number).force_new(),
            |g| opt_n(g.partition_count().map(i64::from)),
        )
        .attr(
            "spread_level",
            A::optional_computed(Type::String).force_new(),
            |g| opt_s(g.spread_level().map(|x| x.as_str())),
        )
        .attr("placement_group_id", A::computed(Type::String), |g| {
            opt_s(g.group_id())
        })
        .attr("arn", A::computed(Type::String), |g| opt_s(g.group_arn()))
        .tagged(|g| tags::from_ec2(g.tags()))
}

crate::provider::aws::table::table_type!(PlacementGroup, Item);

impl Ec2Bulk for PlacementGroup {
    bulk::ec2_object! {
        item Item, id group_name, filter "group-name",
        missing "InvalidPlacementGroup.Unknown", "ec2:DescribePlacementGroups"
    }

    /// DescribePlacementGroups has no pages: one call answers every group that matches.
    async fn describe(&self, filters: Vec<Filter>) -> ProviderResult<Vec<Self::Item>> {
        let ec2 = &self.aws.ec2;
        let out = ec2
            .describe_placement_groups()
            .set_filters(Some(filters))
            .send()
            .await
            .map_err(err("ec2:DescribePlacementGroups"))?;
        Ok(out.placement_groups().to_vec())
    }

    async fn value(&self, prior: Option<Obj>, g: Self::Item) -> ProviderResult<Option<Value>> {
        let gone = g
            .state()
            .is_some_and(|st| matches!(st.as_str(), "deleting" | "deleted"));
        let value = (!gone).then(|| self.table.read(&self.aws, prior, &g).finish(&self.schema));
        Ok(value)
    }
}

impl AsyncResourceType for PlacementGroup {
    crate::provider::aws::bulk::ec2_reads!(plan tags);

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let name = p.req("name")?;
        let t = tags::for_create(&self.aws, &ctx, &p);
        let made = self
            .aws
            .ec2
            .create_placement_group()
            .group_name(&name)
            .strategy(PlacementStrategy::from(p.req("strategy")?.as_str()))
            .set_partition_count(p.i32("partition_count"))
            .set_spread_level(p.str("spread_level").map(|x| SpreadLevel::from(x.as_str())))
            .tag_specifications(tags::ec2_spec(Kind::PlacementGroup, &t))
            .send()
            .await
            .map_err(err("ec2:CreatePlacementGroup"));
        match made {
            Ok(_) => {}
            // Made by an apply that died before recording it: adopted when it carries
            // self address and lineage.
            Err(e) if e.already_exists() => {
                let existing = bulk::described(self, &name).await?;
                if !tags::is_ours(&ctx, &tags::from_ec2(existing.tags())) {
                    return Err(e);
                }
            }
            Err(e) => return Err(e),
        }
        bulk::finished(self, p, &name).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let name = before.id()?;
        let id = before.req("placement_group_id")?;
        tags::update_ec2(&self.aws, &id, &before, &after).await?;
        bulk::finished(self, after, &name).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let name = Obj::of(&prior).id()?;
        gone_is_ok(
            self.aws
                .ec2
                .delete_placement_group()
                .group_name(&name)
                .send()
                .await
                .map(drop)
                .map_err(err("ec2:DeletePlacementGroup")),
        )?;
        wait_for(
            &format!("placement group {name} to be deleted"),
            DELETE_WAIT,
            || async {
                let done = match bulk::find(self, &name).await? {
                    None => true,
                    Some(g) => g.state().is_some_and(|st| st.as_str() == "deleted"),
                };
                Ok(done.then_some(()))
            },
        )
        .await
    }
}
