//! `aws_iam_instance_profile`: the role an instance runs as.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, opt_s};
use crate::provider::aws::iam::common::*;
use crate::provider::aws::sdk::{
    EVENTUAL_CONSISTENCY, absent_if_not_found, err, gone_is_ok, retry_while,
};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::{self, Tags};
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult,
};

type Item = aws_sdk_iam::types::InstanceProfile;

/// Every attribute of `aws_iam_instance_profile`: the named-object rows and its role.
fn table() -> Table<Item> {
    named_table::<Item>().attr("role", AttrSchema::optional(Type::String), |ip| {
        opt_s(ip.roles().first().map(|r| r.role_name()))
    })
}

crate::provider::aws::table::table_type!(InstanceProfile, Item);

impl InstanceProfile {
    async fn get(&self, name: &str) -> ProviderResult<aws_sdk_iam::types::InstanceProfile> {
        self.aws
            .iam
            .get_instance_profile()
            .instance_profile_name(name)
            .send()
            .await
            .map_err(err("iam:GetInstanceProfile"))?
            .instance_profile
            .ok_or_else(|| {
                ProviderError::new(
                    "iam:GetInstanceProfile",
                    format!("no instance profile in the answer for {name}"),
                )
            })
    }

    fn value(&self, prior: Option<&Obj>, ip: &Item) -> Value {
        let read = self.table.read(&self.aws, prior.cloned(), ip);
        read.finish(&self.schema)
    }

    async fn read_by_name(&self, prior: Option<Obj>, name: &str) -> ProviderResult<Option<Value>> {
        Ok(absent_if_not_found(self.get(name).await)?.map(|ip| self.value(prior.as_ref(), &ip)))
    }

    async fn add_role(&self, name: &str, role: &str) -> ProviderResult<()> {
        // Both the profile and the role may be too new for IAM to see yet.
        retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || async {
                self.aws
                    .iam
                    .add_role_to_instance_profile()
                    .instance_profile_name(name)
                    .role_name(role)
                    .send()
                    .await
                    .map(drop)
                    .map_err(err("iam:AddRoleToInstanceProfile"))
            },
        )
        .await
    }

    async fn remove_role(&self, name: &str, role: &str) -> ProviderResult<()> {
        gone_is_ok(
            self.aws
                .iam
                .remove_role_from_instance_profile()
                .instance_profile_name(name)
                .role_name(role)
                .send()
                .await
                .map(drop)
                .map_err(err("iam:RemoveRoleFromInstanceProfile")),
        )
    }

    async fn apply_changes(&self, name: &str, before: &Obj, after: &Obj) -> ProviderResult<()> {
        let (old_role, new_role) = (before.str("role"), after.str("role"));
        if old_role != new_role {
            if let Some(r) = &old_role {
                self.remove_role(name, r).await?;
            }
            if let Some(r) = &new_role {
                self.add_role(name, r).await?;
            }
        }
        let iam = &self.aws.iam;
        let set = |t: Tags| async move {
            let call = iam
                .tag_instance_profile()
                .instance_profile_name(name)
                .set_tags(Some(iam_tags(&t)?));
            call.send()
                .await
                .map(drop)
                .map_err(err("iam:TagInstanceProfile"))
        };
        let remove = |keys: Vec<String>| {
            crate::provider::aws::sdk::sent!(
                iam.untag_instance_profile()
                    .instance_profile_name(name)
                    .set_tag_keys(Some(keys)),
                "iam:UntagInstanceProfile"
            )
        };
        tags::sync(&self.aws, before, after, set, remove).await
    }

    async fn settled(&self, p: &Obj, name: &str) -> ProviderResult<Value> {
        let ip = retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || self.get(name),
        )
        .await?;
        Ok(self.value(Some(p), &ip))
    }
}

impl AsyncResourceType for InstanceProfile {
    crate::provider::aws::bulk::schema_and_address!();
    crate::provider::aws::bulk::plan_tags!();

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let name = name_to_create(&p, &ctx);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let made = self
            .aws
            .iam
            .create_instance_profile()
            .instance_profile_name(&name)
            .path(p.str("path").unwrap_or_else(|| "/".into()))
            .set_tags(Some(iam_tags(&t)?))
            .send()
            .await
            .map_err(err("iam:CreateInstanceProfile"));
        match made {
            Ok(_) => {
                if let Some(role) = p.str("role") {
                    self.add_role(&name, &role).await?;
                }
            }
            Err(e) if e.already_exists() => {
                let existing = self.get(&name).await?;
                if !tags::is_ours(&ctx, &from_iam(existing.tags())) {
                    return Err(e);
                }
                let before = Obj::of(&self.value(None, &existing));
                self.apply_changes(&name, &before, &p).await?;
            }
            Err(e) => return Err(e),
        }
        self.settled(&p, &name).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let name = before.id()?;
        self.apply_changes(&name, &before, &after).await?;
        self.settled(&after, &name).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let name = Obj::of(&prior).id()?;
        // The roles it holds now, not the one state remembers: IAM refuses to delete a
        // profile that still has any.
        let Some(ip) = absent_if_not_found(self.get(&name).await)? else {
            return Ok(());
        };
        for r in ip.roles() {
            self.remove_role(&name, r.role_name()).await?;
        }
        gone_is_ok(
            self.aws
                .iam
                .delete_instance_profile()
                .instance_profile_name(&name)
                .send()
                .await
                .map(drop)
                .map_err(err("iam:DeleteInstanceProfile")),
        )
    }

    crate::provider::aws::by_id::reads_by_id!(read_by_name, "no instance profile named {id}", refresh each);
}
