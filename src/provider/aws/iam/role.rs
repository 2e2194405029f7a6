//! `aws_iam_role`: a role, its inline and managed policies, torn down in the order IAM wants.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, b, n};
use crate::provider::aws::iam::common::*;
use crate::provider::aws::iam::role_exclusive as exclusive;
use crate::provider::aws::sdk::{
    AllPages, EVENTUAL_CONSISTENCY, absent_if_not_found, err, gone_is_ok, retry_while,
};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::{self, Tags};
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult,
};

crate::provider::aws::table::table_type!(Role, Item);

/// One step of tearing a role down, in the order IAM requires: DeleteRole fails with
/// DeleteConflict while the role is in an instance profile or has policies.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RoleTeardown {
    RemoveFromInstanceProfile(String),
    DetachManagedPolicy(String),
    DeleteInlinePolicy(String),
    DeleteRole,
}

/// As Terraform does: the role always leaves its instance profiles; its managed and inline
/// policies go only with `force_detach_policies` (otherwise they are other resources' to
/// remove, and IAM's DeleteConflict says when they were not).
fn role_teardown(
    force_detach_policies: bool,
    instance_profiles: Vec<String>,
    managed_policies: Vec<String>,
    inline_policies: Vec<String>,
) -> Vec<RoleTeardown> {
    let mut steps: Vec<RoleTeardown> = instance_profiles
        .into_iter()
        .map(RoleTeardown::RemoveFromInstanceProfile)
        .collect();
    if force_detach_policies {
        steps.extend(
            managed_policies
                .into_iter()
                .map(RoleTeardown::DetachManagedPolicy),
        );
        steps.extend(
            inline_policies
                .into_iter()
                .map(RoleTeardown::DeleteInlinePolicy),
        );
    }
    steps.push(RoleTeardown::DeleteRole);
    steps
}

type Item = aws_sdk_iam::types::Role;

/// Every attribute of `aws_iam_role`: the named-object rows and the role's own.
fn table() -> Table<Item> {
    use AttrSchema as A;
    named_table::<Item>()
        .attr_with_prior(
            "assume_role_policy",
            A::required(Type::String),
            |r, prior| {
                let configured = prior.and_then(|p| p.str("assume_role_policy"));
                let actual = r.assume_role_policy_document().unwrap_or_default();
                Some(policy_value(configured.as_deref(), actual))
            },
        )
        .attr("description", A::optional(Type::String), |r| {
            opt_nonempty(r.description())
        })
        .attr(
            "max_session_duration",
            A::optional(Type::Number).default(n(3600)),
            |r| n(r.max_session_duration().unwrap_or(3600).into()),
        )
        .declared(
            "force_detach_policies",
            A::optional(Type::Bool).default(b(false)),
        )
        .attr("permissions_boundary", A::optional(Type::String), |r| {
            let boundary = r.permissions_boundary();
            opt_nonempty(boundary.and_then(|p| p.permissions_boundary_arn()))
        })
        // Read with their own calls (`role_exclusive.rs`).
        .declared(
            "inline_policy",
            A::optional_computed(Type::Set(Box::new(exclusive::inline_ty()))),
        )
        .declared(
            "managed_policy_arns",
            A::optional_computed(Type::Set(Box::new(Type::String))),
        )
}

impl Role {
    async fn get(&self, name: &str) -> ProviderResult<aws_sdk_iam::types::Role> {
        let out = self
            .aws
            .iam
            .get_role()
            .role_name(name)
            .send()
            .await
            .map_err(err("iam:GetRole"))?;
        out.role.ok_or_else(|| {
            ProviderError::new("iam:GetRole", format!("no role in the answer for {name}"))
        })
    }

    /// Reads a role that was just created or changed, waiting out IAM's propagation.
    async fn get_settled(&self, name: &str) -> ProviderResult<aws_sdk_iam::types::Role> {
        retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || self.get(name),
        )
        .await
    }

    /// The role's value: its table, and its inline and managed policies (their own calls).
    async fn value(&self, prior: Option<&Obj>, r: &Item) -> ProviderResult<Value> {
        let mut read = self.table.read(&self.aws, prior.cloned(), r);
        exclusive::read(&self.aws, r.role_name(), &mut read, prior.is_none()).await?;
        Ok(read.finish(&self.schema))
    }

    async fn read_by_name(&self, prior: Option<Obj>, name: &str) -> ProviderResult<Option<Value>> {
        match absent_if_not_found(self.get(name).await)? {
            Some(r) => Ok(Some(self.value(prior.as_ref(), &r).await?)),
            None => Ok(None),
        }
    }

    /// Brings the role from `before` to `after`: everything but the name and path, which
    /// replace it.
    async fn apply_changes(&self, name: &str, before: &Obj, after: &Obj) -> ProviderResult<()> {
        let iam = &self.aws.iam;
        let policy = after.req("assume_role_policy")?;
        if !before
            .str("assume_role_policy")
            .is_some_and(|p| same_policy(&p, &policy))
        {
            iam.update_assume_role_policy()
                .role_name(name)
                .policy_document(&policy)
                .send()
                .await
                .map_err(err("iam:UpdateAssumeRolePolicy"))?;
        }
        if before.str("description") != after.str("description")
            || before.i64("max_session_duration") != after.i64("max_session_duration")
        {
            iam.update_role()
                .role_name(name)
                .description(after.str("description").unwrap_or_default())
                .set_max_session_duration(after.i32("max_session_duration"))
                .send()
                .await
                .map_err(err("iam:UpdateRole"))?;
        }
        let boundary = after.str("permissions_boundary");
        if before.str("permissions_boundary") != boundary {
            match boundary {
                Some(arn) => {
                    iam.put_role_permissions_boundary()
                        .role_name(name)
                        .permissions_boundary(arn)
                        .send()
                        .await
                        .map_err(err("iam:PutRolePermissionsBoundary"))?;
                }
                None => {
                    iam.delete_role_permissions_boundary()
                        .role_name(name)
                        .send()
                        .await
                        .map_err(err("iam:DeleteRolePermissionsBoundary"))?;
                }
            }
        }
        let set = |t: Tags| async move {
            let call = iam.tag_role().role_name(name).set_tags(Some(iam_tags(&t)?));
            call.send().await.map(drop).map_err(err("iam:TagRole"))
        };
        let remove = |keys: Vec<String>| {
            crate::provider::aws::sdk::sent!(
                iam.untag_role().role_name(name).set_tag_keys(Some(keys)),
                "iam:UntagRole"
            )
        };
        tags::sync(&self.aws, before, after, set, remove).await
    }

    async fn teardown_plan(
        &self,
        name: &str,
        force_detach: bool,
    ) -> ProviderResult<Vec<RoleTeardown>> {
        let iam = &self.aws.iam;
        let profiles = iam
            .list_instance_profiles_for_role()
            .role_name(name)
            .into_paginator()
            .items()
            .send()
            .all("iam:ListInstanceProfilesForRole")
            .await?
            .into_iter()
            .map(|p| p.instance_profile_name().to_string())
            .collect();
        let (mut managed, mut inline) = (Vec::new(), Vec::new());
        if force_detach {
            managed = iam
                .list_attached_role_policies()
                .role_name(name)
                .into_paginator()
                .items()
                .send()
                .all("iam:ListAttachedRolePolicies")
                .await?
                .into_iter()
                .filter_map(|p| p.policy_arn().map(str::to_string))
                .collect();
            inline = iam
                .list_role_policies()
                .role_name(name)
                .into_paginator()
                .items()
                .send()
                .all("iam:ListRolePolicies")
                .await?;
        }
        Ok(role_teardown(force_detach, profiles, managed, inline))
    }

    async fn run_teardown(&self, name: &str, step: RoleTeardown) -> ProviderResult<()> {
        let iam = &self.aws.iam;
        let r = match step {
            RoleTeardown::RemoveFromInstanceProfile(profile) => iam
                .remove_role_from_instance_profile()
                .instance_profile_name(profile)
                .role_name(name)
                .send()
                .await
                .map(drop)
                .map_err(err("iam:RemoveRoleFromInstanceProfile")),
            RoleTeardown::DetachManagedPolicy(arn) => iam
                .detach_role_policy()
                .role_name(name)
                .policy_arn(arn)
                .send()
                .await
                .map(drop)
                .map_err(err("iam:DetachRolePolicy")),
            RoleTeardown::DeleteInlinePolicy(policy) => iam
                .delete_role_policy()
                .role_name(name)
                .policy_name(policy)
                .send()
                .await
                .map(drop)
                .map_err(err("iam:DeleteRolePolicy")),
            // A policy detached a moment ago may still hold the role for a while.
            RoleTeardown::DeleteRole => {
                retry_while(
                    EVENTUAL_CONSISTENCY,
                    |e| e.in_use(),
                    || async {
                        iam.delete_role()
                            .role_name(name)
                            .send()
                            .await
                            .map(drop)
                            .map_err(err("iam:DeleteRole"))
                    },
                )
                .await
            }
        };
        gone_is_ok(r)
    }
}

impl AsyncResourceType for Role {
    crate::provider::aws::bulk::schema_and_address!();
    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        plan_policy(prior, tags::plan(&self.aws, planned), "assume_role_policy")
    }

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let name = name_to_create(&p, &ctx);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let made = self
            .aws
            .iam
            .create_role()
            .role_name(&name)
            .path(p.str("path").unwrap_or_else(|| "/".into()))
            .assume_role_policy_document(p.req("assume_role_policy")?)
            .set_description(p.str("description"))
            .set_max_session_duration(p.i32("max_session_duration"))
            .set_permissions_boundary(p.str("permissions_boundary"))
            .set_tags(Some(iam_tags(&t)?))
            .send()
            .await
            .map_err(err("iam:CreateRole"));
        match made {
            Ok(_) => {}
            Err(e) if e.already_exists() => {
                let existing = self.get(&name).await?;
                if !tags::is_ours(&ctx, &from_iam(existing.tags())) {
                    return Err(e);
                }
                let before = Obj::of(&self.value(None, &existing).await?);
                self.apply_changes(&name, &before, &p).await?;
            }
            Err(e) => return Err(e),
        }
        exclusive::apply(&self.aws, &name, &Obj::default(), &p).await?;
        let role = self.get_settled(&name).await?;
        self.value(Some(&p), &role).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let name = before.id()?;
        self.apply_changes(&name, &before, &after).await?;
        exclusive::apply(&self.aws, &name, &before, &after).await?;
        let role = self.get_settled(&name).await?;
        self.value(Some(&after), &role).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let p = Obj::of(&prior);
        let name = p.id()?;
        // Policies the role itself declares go with it, as with the AWS provider.
        let force = p.bool("force_detach_policies").unwrap_or(false)
            || !p.blocks("inline_policy").is_empty()
            || !p.strs("managed_policy_arns").is_empty();
        let Some(steps) = absent_if_not_found(self.teardown_plan(&name, force).await)? else {
            return Ok(());
        };
        for step in steps {
            self.run_teardown(&name, step).await?;
        }
        Ok(())
    }

    crate::provider::aws::by_id::reads_by_id!(read_by_name, "no IAM role named {id}", refresh each);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teardown_leaves_profiles_then_policies_then_deletes() {
        let steps = role_teardown(
            true,
            vec!["profile".into()],
            vec!["arn:aws:iam::1:policy/p".into()],
            vec!["inline".into()],
        );
        assert_eq!(
            steps,
            [
                RoleTeardown::RemoveFromInstanceProfile("profile".into()),
                RoleTeardown::DetachManagedPolicy("arn:aws:iam::1:policy/p".into()),
                RoleTeardown::DeleteInlinePolicy("inline".into()),
                RoleTeardown::DeleteRole,
            ]
        );
    }

    #[test]
    fn teardown_without_force_detach_keeps_policies_alone() {
        let steps = role_teardown(
            false,
            vec!["profile".into()],
            vec!["arn:aws:iam::1:policy/p".into()],
            vec!["inline".into()],
        );
        assert_eq!(
            steps,
            [
                RoleTeardown::RemoveFromInstanceProfile("profile".into()),
                RoleTeardown::DeleteRole,
            ]
        );
    }
}
