//! `aws_internet_gateway`: attributes on a table; the ARN built from the region.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, opt_s, s};
use crate::provider::aws::bulk::{self, Ec2Bulk};
use crate::provider::aws::sdk::{
    DEPENDENTS_DRAIN, EVENTUAL_CONSISTENCY, delete_when_released, err, gone_is_ok, retry_while,
};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags;
use crate::provider::{AsyncResourceType, AttrSchema, CreateContext, ProviderResult};
use aws_sdk_ec2::types::ResourceType as Kind;

type Item = aws_sdk_ec2::types::InternetGateway;

/// Every attribute of `aws_internet_gateway`, and how it reads from a described gateway.
fn table() -> Table<Item> {
    use AttrSchema as A;
    Table::<Item>::new()
        .attr("id", A::computed(Type::String), |g| {
            opt_s(g.internet_gateway_id())
        })
        // Built from the region by `value`.
        .declared("arn", A::computed(Type::String))
        .attr("owner_id", A::computed(Type::String), |g| {
            opt_s(g.owner_id())
        })
        // Not force-new: a gateway moves between VPCs by detach and attach.
        .attr("vpc_id", A::optional(Type::String), |g| {
            opt_s(
                g.attachments()
                    .iter()
                    .find(|a| a.state().is_some_and(|s| s.as_str() != "detached"))
                    .and_then(|a| a.vpc_id()),
            )
        })
        .tagged(|g| tags::from_ec2(g.tags()))
}

crate::provider::aws::table::table_type!(InternetGateway, Item);

impl InternetGateway {
    async fn attach(&self, id: &str, vpc: &str) -> ProviderResult<()> {
        // A VPC created a moment ago may not be visible to the attach yet.
        retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || async {
                self.aws
                    .ec2
                    .attach_internet_gateway()
                    .internet_gateway_id(id)
                    .vpc_id(vpc)
                    .send()
                    .await
                    .map_err(err("ec2:AttachInternetGateway"))
            },
        )
        .await?;
        Ok(())
    }

    /// Detaches, waiting while the VPC still has public addresses mapped (AWS refuses with
    /// DependencyViolation until they are released).
    async fn detach(&self, id: &str, vpc: &str) -> ProviderResult<()> {
        let r = retry_while(
            DEPENDENTS_DRAIN,
            |e| e.in_use(),
            || async {
                self.aws
                    .ec2
                    .detach_internet_gateway()
                    .internet_gateway_id(id)
                    .vpc_id(vpc)
                    .send()
                    .await
                    .map_err(err("ec2:DetachInternetGateway"))
            },
        )
        .await;
        match r {
            Err(e) if e.is("Gateway.NotAttached") => Ok(()),
            r => gone_is_ok(r),
        }
    }
}

impl Ec2Bulk for InternetGateway {
    bulk::ec2_object! {
        item Item, id internet_gateway_id, filter "internet-gateway-id",
        missing "InvalidInternetGatewayID.NotFound", "ec2:DescribeInternetGateways"
        via describe_internet_gateways pages 1000
    }

    async fn value(&self, prior: Option<Obj>, g: Self::Item) -> ProviderResult<Option<Value>> {
        let mut o = self.table.read(&self.aws, prior, &g);
        let (id, owner) = (Self::item_id(&g), g.owner_id().unwrap_or_default());
        o.set(
            "arn",
            s(format!(
                "arn:aws:ec2:{}:{owner}:internet-gateway/{id}",
                self.aws.region
            )),
        );
        let value = o.finish(&self.schema);
        Ok(Some(value))
    }
}

impl AsyncResourceType for InternetGateway {
    crate::provider::aws::bulk::ec2_reads!(plan tags);

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let out = self
            .aws
            .ec2
            .create_internet_gateway()
            .tag_specifications(tags::ec2_spec(Kind::InternetGateway, &t))
            .send()
            .await
            .map_err(err("ec2:CreateInternetGateway"))?;
        let id = out
            .internet_gateway()
            .and_then(|g| g.internet_gateway_id())
            .unwrap_or_default()
            .to_string();
        bulk::described(self, &id).await?;
        if let Some(vpc) = p.str("vpc_id") {
            self.attach(&id, &vpc).await?;
        }
        bulk::finished(self, p, &id).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let id = before.id()?;
        let (old_vpc, new_vpc) = (before.str("vpc_id"), after.str("vpc_id"));
        if old_vpc != new_vpc {
            if let Some(vpc) = &old_vpc {
                self.detach(&id, vpc).await?;
            }
            if let Some(vpc) = &new_vpc {
                self.attach(&id, vpc).await?;
            }
        }
        tags::update_ec2(&self.aws, &id, &before, &after).await?;
        bulk::finished(self, after, &id).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let id = Obj::of(&prior).id()?;
        // AWS refuses to delete an attached gateway: detach from wherever it is now,
        // which may differ from what state recorded.
        let Some(g) = bulk::find(self, &id).await? else {
            return Ok(());
        };
        for vpc in g.attachments().iter().filter_map(|a| a.vpc_id()) {
            self.detach(&id, vpc).await?;
        }
        delete_when_released(|| async {
            self.aws
                .ec2
                .delete_internet_gateway()
                .internet_gateway_id(&id)
                .send()
                .await
                .map_err(err("ec2:DeleteInternetGateway"))
        })
        .await
    }
}
