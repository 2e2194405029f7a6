//! `aws_iam_role`'s `inline_policy` blocks and `managed_policy_arns`. Left out, they read what
//! the role has (other resources may attach policies to it). Configured, they are the role's
//! policies exactly: when they change (or drift), the listed ones are put and attached and any
//! other inline policy is deleted and managed policy detached, as in the AWS provider.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::ProviderResult;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, s, set_s};
use crate::provider::aws::iam::common::{policy_value, same_policy};
use crate::provider::aws::launch::read_keyed_set;
use crate::provider::aws::sdk::{AllPages, err};
use crate::provider::schema::block_object;
use std::collections::BTreeSet;

/// The element type of `inline_policy`.
pub fn inline_ty() -> Type {
    block_object(&[("name", Type::String), ("policy", Type::String)])
}

async fn inline_names(aws: &Aws, role: &str) -> ProviderResult<Vec<String>> {
    let pages = aws
        .iam
        .list_role_policies()
        .role_name(role)
        .into_paginator()
        .send()
        .all("iam:ListRolePolicies")
        .await?;
    Ok(pages
        .iter()
        .flat_map(|p| p.policy_names().to_vec())
        .collect())
}

async fn attached(aws: &Aws, role: &str) -> ProviderResult<Vec<String>> {
    let pages = aws
        .iam
        .list_attached_role_policies()
        .role_name(role)
        .into_paginator()
        .send()
        .all("iam:ListAttachedRolePolicies")
        .await?;
    Ok(pages
        .iter()
        .flat_map(|p| p.attached_policies().to_vec())
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect())
}

/// Sets both attributes on `o` (over the prior in it) from what the role has now.
pub async fn read(aws: &Aws, role: &str, o: &mut Obj, imported: bool) -> ProviderResult<()> {
    let configured: Vec<Obj> = o.blocks("inline_policy");
    let mut inline = Vec::new();
    for name in inline_names(aws, role).await? {
        let out = aws
            .iam
            .get_role_policy()
            .role_name(role)
            .policy_name(&name)
            .send()
            .await
            .map_err(err("iam:GetRolePolicy"))?;
        let prior_text = configured
            .iter()
            .find(|c| c.str("name").as_deref() == Some(name.as_str()))
            .and_then(|c| c.str("policy"));
        let mut block = Obj::default();
        block.set("name", s(&name)).set(
            "policy",
            policy_value(prior_text.as_deref(), out.policy_document()),
        );
        inline.push(block);
    }
    let prior = (!imported).then_some(&*o);
    let inline = read_keyed_set(prior, "inline_policy", &inline_ty(), inline, "name");
    o.set("inline_policy", inline);
    o.set("managed_policy_arns", set_s(attached(aws, role).await?));
    Ok(())
}

/// Brings the role's policies to `after`'s where the configuration says them and they changed.
pub async fn apply(aws: &Aws, role: &str, before: &Obj, after: &Obj) -> ProviderResult<()> {
    let changed = |k: &str| {
        after.get(k).is_some()
            && before.get(k).map(Value::to_json) != after.get(k).map(Value::to_json)
    };
    if changed("inline_policy") {
        // A block without a name (`inline_policy {}`) means "no inline policies".
        let wanted: Vec<Obj> = after
            .blocks("inline_policy")
            .into_iter()
            .filter(|b| b.str("name").is_some())
            .collect();
        let was: Vec<Obj> = before.blocks("inline_policy");
        for w in &wanted {
            let (name, policy) = (w.req("name")?, w.req("policy")?);
            let same = was.iter().any(|b| {
                b.str("name").as_deref() == Some(name.as_str())
                    && b.str("policy").is_some_and(|p| same_policy(&p, &policy))
            });
            if !same {
                aws.iam
                    .put_role_policy()
                    .role_name(role)
                    .policy_name(&name)
                    .policy_document(&policy)
                    .send()
                    .await
                    .map_err(err("iam:PutRolePolicy"))?;
            }
        }
        let keep: BTreeSet<String> = wanted.iter().filter_map(|w| w.str("name")).collect();
        for name in inline_names(aws, role).await? {
            if !keep.contains(&name) {
                aws.iam
                    .delete_role_policy()
                    .role_name(role)
                    .policy_name(&name)
                    .send()
                    .await
                    .map_err(err("iam:DeleteRolePolicy"))?;
            }
        }
    }
    if changed("managed_policy_arns") {
        let wanted: BTreeSet<String> = after.strs("managed_policy_arns").into_iter().collect();
        let now: BTreeSet<String> = attached(aws, role).await?.into_iter().collect();
        for arn in wanted.difference(&now) {
            aws.iam
                .attach_role_policy()
                .role_name(role)
                .policy_arn(arn)
                .send()
                .await
                .map_err(err("iam:AttachRolePolicy"))?;
        }
        for arn in now.difference(&wanted) {
            aws.iam
                .detach_role_policy()
                .role_name(role)
                .policy_arn(arn)
                .send()
                .await
                .map_err(err("iam:DetachRolePolicy"))?;
        }
    }
    Ok(())
}
