//! `aws_iam_policy_attachment`: a managed policy attached to sets of roles, users and groups,
//! exclusively, as the AWS provider manages it: the state holds every entity the policy is
//! attached to, so an attachment made elsewhere shows as a change that removes it.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, s, set_s};
use crate::provider::aws::sdk::{EVENTUAL_CONSISTENCY, err, gone_is_ok, retry_while};
use crate::provider::aws::table::Table;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult,
};
use std::collections::BTreeSet;

/// The entities a policy is attached to, by kind.
#[derive(Default)]
pub struct Entities {
    name: String,
    policy_arn: String,
    roles: BTreeSet<String>,
    users: BTreeSet<String>,
    groups: BTreeSet<String>,
}

/// Every attribute of `aws_iam_policy_attachment`.
fn table() -> Table<Entities> {
    use AttrSchema as A;
    let names = || A::optional(Type::Set(Box::new(Type::String)));
    Table::new()
        .attr("id", A::computed(Type::String), |e: &Entities| s(&e.name))
        .attr(
            "name",
            A::required(Type::String).force_new(),
            |e| s(&e.name),
        )
        .attr("policy_arn", A::required(Type::String).force_new(), |e| {
            s(&e.policy_arn)
        })
        .attr("roles", names(), |e| set_s(&e.roles))
        .attr("users", names(), |e| set_s(&e.users))
        .attr("groups", names(), |e| set_s(&e.groups))
}

crate::provider::aws::table::table_type!(PolicyAttachment, Entities);

/// The three kinds of entity, as the attribute names them.
const KINDS: [&str; 3] = ["roles", "users", "groups"];

impl PolicyAttachment {
    /// Every entity the policy is attached to now; `None` when the policy is gone.
    async fn entities(&self, name: &str, policy_arn: &str) -> ProviderResult<Option<Entities>> {
        let pages = self
            .aws
            .iam
            .list_entities_for_policy()
            .policy_arn(policy_arn)
            .into_paginator()
            .send()
            .collect::<Vec<_>>()
            .await;
        let mut e = Entities {
            name: name.to_string(),
            policy_arn: policy_arn.to_string(),
            ..Entities::default()
        };
        for page in pages {
            let page = match page.map_err(err("iam:ListEntitiesForPolicy")) {
                Err(x) if x.is_not_found() => return Ok(None),
                r => r?,
            };
            e.roles.extend(
                page.policy_roles()
                    .iter()
                    .filter_map(|r| r.role_name())
                    .map(str::to_string),
            );
            e.users.extend(
                page.policy_users()
                    .iter()
                    .filter_map(|u| u.user_name())
                    .map(str::to_string),
            );
            e.groups.extend(
                page.policy_groups()
                    .iter()
                    .filter_map(|g| g.group_name())
                    .map(str::to_string),
            );
        }
        Ok(Some(e))
    }

    async fn attach(&self, kind: &str, entity: &str, policy: &str) -> ProviderResult<()> {
        // A role made a moment ago may not be visible to the call yet.
        retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || async {
                let iam = &self.aws.iam;
                match kind {
                    "roles" => iam
                        .attach_role_policy()
                        .role_name(entity)
                        .policy_arn(policy)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(err("iam:AttachRolePolicy")),
                    "users" => iam
                        .attach_user_policy()
                        .user_name(entity)
                        .policy_arn(policy)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(err("iam:AttachUserPolicy")),
                    _ => iam
                        .attach_group_policy()
                        .group_name(entity)
                        .policy_arn(policy)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(err("iam:AttachGroupPolicy")),
                }
            },
        )
        .await
    }

    async fn detach(&self, kind: &str, entity: &str, policy: &str) -> ProviderResult<()> {
        let iam = &self.aws.iam;
        let r = match kind {
            "roles" => iam
                .detach_role_policy()
                .role_name(entity)
                .policy_arn(policy)
                .send()
                .await
                .map(|_| ())
                .map_err(err("iam:DetachRolePolicy")),
            "users" => iam
                .detach_user_policy()
                .user_name(entity)
                .policy_arn(policy)
                .send()
                .await
                .map(|_| ())
                .map_err(err("iam:DetachUserPolicy")),
            _ => iam
                .detach_group_policy()
                .group_name(entity)
                .policy_arn(policy)
                .send()
                .await
                .map(|_| ())
                .map_err(err("iam:DetachGroupPolicy")),
        };
        gone_is_ok(r)
    }

    /// Attaches to what `after` lists and `before` does not, detaches the reverse.
    async fn converge(&self, before: &Obj, after: &Obj) -> ProviderResult<()> {
        let policy = after.req("policy_arn")?;
        for kind in KINDS {
            let (had, want): (BTreeSet<String>, BTreeSet<String>) = (
                before.strs(kind).into_iter().collect(),
                after.strs(kind).into_iter().collect(),
            );
            for gone in had.difference(&want) {
                self.detach(kind, gone, &policy).await?;
            }
            for new in want.difference(&had) {
                self.attach(kind, new, &policy).await?;
            }
        }
        Ok(())
    }

    async fn value(&self, prior: Obj) -> ProviderResult<Option<Value>> {
        let (name, policy) = (prior.req("name")?, prior.req("policy_arn")?);
        let Some(e) = self.entities(&name, &policy).await? else {
            return Ok(None);
        };
        if e.roles.is_empty() && e.users.is_empty() && e.groups.is_empty() {
            return Ok(None);
        }
        Ok(Some(
            self.table
                .read(&self.aws, Some(prior), &e)
                .finish(&self.schema),
        ))
    }
}

impl AsyncResourceType for PolicyAttachment {
    crate::provider::aws::bulk::schema_and_address!();

    fn validate(&self, planned: &Value) -> Result<(), String> {
        let o = Obj::of(planned);
        let any = KINDS.iter().any(|k| {
            // Unknown counts as set: the plan cannot tell yet.
            o.0.get(*k)
                .is_some_and(|v| !v.is_known() || v.length().unwrap_or(0) > 0)
        });
        if any {
            Ok(())
        } else {
            Err("at least one of roles, users or groups is required".into())
        }
    }

    async fn create(&self, _ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        self.converge(&Obj::default(), &p).await?;
        let name = p.req("name")?;
        self.value(p).await?.ok_or_else(|| {
            ProviderError::new("iam:ListEntitiesForPolicy", format!("{name} vanished"))
        })
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        self.converge(&before, &after).await?;
        let name = after.req("name")?;
        self.value(after).await?.ok_or_else(|| {
            ProviderError::new("iam:ListEntitiesForPolicy", format!("{name} vanished"))
        })
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let p = Obj::of(&prior);
        self.converge(&p, &{
            let mut none = Obj::default();
            none.set("policy_arn", s(p.req("policy_arn")?));
            none
        })
        .await
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        self.value(Obj::of(&prior)).await
    }

    async fn import(&self, id: &str) -> ProviderResult<Value> {
        crate::provider::aws::sdk::not_importable(
            "aws_iam_policy_attachment",
            id,
            "declare it and apply",
        )
    }
}
