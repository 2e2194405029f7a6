//! `aws_security_group` with inline `ingress` and `egress` rules.

use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, s};
use crate::provider::aws::bulk::{self, Ec2Bulk};
use crate::provider::aws::ec2::sg_rules::*;
use crate::provider::aws::naming;
use crate::provider::aws::sdk::{delete_when_released, err};
use crate::provider::aws::tags;
use crate::provider::{AsyncResourceType, CreateContext, ProviderResult};
use aws_sdk_ec2::types::ResourceType as Kind;

crate::provider::aws::table::table_type!(SecurityGroup, Group, group_table(GroupKind::Created));

impl Ec2Bulk for SecurityGroup {
    bulk::ec2_object! {
        item Group, id group_id, filter "group-id",
        missing "InvalidGroup.NotFound", "ec2:DescribeSecurityGroups"
        via describe_security_groups pages 1000
    }
}

impl AsyncResourceType for SecurityGroup {
    crate::provider::aws::bulk::ec2_reads!();
    fn plan(&self, _prior: Option<&Value>, planned: Value) -> Value {
        let mut o = Obj::of(&tags::plan(&self.aws, planned));
        plan_rules(&mut o);
        o.finish(&self.schema)
    }

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let mut p = Obj::of(&planned);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let name = naming::create_name(&p, "name", "name_prefix", &ctx);
        let out = self
            .aws
            .ec2
            .create_security_group()
            .group_name(&name)
            .description(
                p.str("description")
                    .unwrap_or_else(|| "Managed by Terraform".into()),
            )
            .set_vpc_id(p.str("vpc_id"))
            .tag_specifications(tags::ec2_spec(Kind::SecurityGroup, &t))
            .send()
            .await
            .map_err(err("ec2:CreateSecurityGroup"))?;
        let id = out.group_id().unwrap_or_default().to_string();
        let g = bulk::described(self, &id).await?;
        // Unconfigured ingress stays as AWS made it (empty); unconfigured egress loses
        // the allow-all rule AWS adds, as Terraform does.
        if p.get("ingress").is_some() {
            sync_rules(&self.aws, &g, Direction::Ingress, &rules_of(&p, "ingress")).await?;
        }
        sync_rules(&self.aws, &g, Direction::Egress, &rules_of(&p, "egress")).await?;
        p.set("name", s(&name));
        bulk::finished(self, p, &id).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let id = before.id()?;
        let g = bulk::described(self, &id).await?;
        for dir in [Direction::Ingress, Direction::Egress] {
            if after.get(dir.name()).is_some() {
                sync_rules(&self.aws, &g, dir, &rules_of(&after, dir.name())).await?;
            }
        }
        tags::update_ec2(&self.aws, &id, &before, &after).await?;
        bulk::finished(self, after, &id).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let p = Obj::of(&prior);
        let id = p.id()?;
        if p.bool("revoke_rules_on_delete") == Some(true) {
            // This group's own rules may reference groups that reference it back: with
            // them gone, neither blocks the other's deletion.
            let Some(g) = bulk::find(self, &id).await? else {
                return Ok(());
            };
            for dir in [Direction::Ingress, Direction::Egress] {
                sync_rules(&self.aws, &g, dir, &[]).await?;
            }
        }
        delete_when_released(|| async {
            self.aws
                .ec2
                .delete_security_group()
                .group_id(&id)
                .send()
                .await
                .map_err(err("ec2:DeleteSecurityGroup"))
        })
        .await
    }
}
