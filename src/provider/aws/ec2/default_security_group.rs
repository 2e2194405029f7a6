//! `aws_default_security_group`: the VPC's default group, its rules managed.

use crate::lang::value::Value;
use crate::provider::aws::attrs::Obj;
use crate::provider::aws::bulk::{self, Ec2Bulk, filter};
use crate::provider::aws::ec2::adopted::*;
use crate::provider::aws::ec2::sg_rules::*;
use crate::provider::aws::sdk::err;
use crate::provider::aws::tags;
use crate::provider::{AsyncResourceType, CreateContext, ProviderError, ProviderResult};

crate::provider::aws::table::table_type!(
    DefaultSecurityGroup,
    Group,
    group_table(GroupKind::Default)
);

impl DefaultSecurityGroup {
    /// The group named `default` of the VPC (of the region's default VPC without one).
    async fn find(&self, vpc: Option<String>) -> ProviderResult<String> {
        let vpc = match vpc {
            Some(v) => v,
            None => self
                .aws
                .ec2
                .describe_vpcs()
                .filters(filter("is-default", ["true".to_string()]))
                .send()
                .await
                .map_err(err("ec2:DescribeVpcs"))?
                .vpcs()
                .first()
                .and_then(|v| v.vpc_id())
                .map(str::to_string)
                .ok_or_else(|| {
                    ProviderError::new("ec2:DescribeVpcs", "no vpc_id and no default VPC")
                })?,
        };
        let groups = self
            .describe(vec![
                filter("vpc-id", [vpc.clone()]),
                filter("group-name", ["default".to_string()]),
            ])
            .await?;
        groups
            .first()
            .and_then(|g| g.group_id())
            .map(str::to_string)
            .ok_or_else(|| {
                ProviderError::new(
                    "ec2:DescribeSecurityGroups",
                    format!("VPC {vpc} has no default security group"),
                )
                .with_code("InvalidGroup.NotFound")
            })
    }

    /// Brings the group's rules and tags to the configuration.
    async fn converge(&self, id: &str, p: &Obj) -> ProviderResult<()> {
        let g = bulk::described(self, id).await?;
        for dir in [Direction::Ingress, Direction::Egress] {
            sync_rules(&self.aws, &g, dir, &rules_of(p, dir.name())).await?;
        }
        adopt_tags(&self.aws, id, tags::from_ec2(g.tags()), p).await
    }
}

impl Ec2Bulk for DefaultSecurityGroup {
    bulk::ec2_object! {
        item Group, id group_id, filter "group-id",
        missing "InvalidGroup.NotFound", "ec2:DescribeSecurityGroups"
        via describe_security_groups pages 1000
    }
}

impl AsyncResourceType for DefaultSecurityGroup {
    crate::provider::aws::bulk::ec2_reads!();
    fn plan(&self, _prior: Option<&Value>, planned: Value) -> Value {
        let mut o = Obj::of(&tags::plan(&self.aws, planned));
        for key in ["ingress", "egress"] {
            empty_when_null(&mut o, key, rules_value(&[]));
        }
        plan_rules(&mut o);
        o.finish(&self.schema)
    }

    async fn create(&self, _ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let id = self.find(p.str("vpc_id")).await?;
        self.converge(&id, &p).await?;
        bulk::finished(self, p, &id).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let after = Obj::of(&planned);
        let id = Obj::of(&prior).id()?;
        self.converge(&id, &after).await?;
        bulk::finished(self, after, &id).await
    }

    async fn delete(&self, _prior: Value) -> ProviderResult<()> {
        // The group and its rules stay as they are.
        Ok(())
    }
}
