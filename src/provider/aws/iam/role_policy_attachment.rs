//! `aws_iam_role_policy_attachment`: a managed policy attached to a role.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, s};
use crate::provider::aws::iam::common::*;
use crate::provider::aws::sdk::{
    AllPages, EVENTUAL_CONSISTENCY, absent_if_not_found, err, gone_is_ok, retry_while,
};
use crate::provider::aws::table::Table;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult, RefreshBatch,
    Refreshed,
};

/// An attachment found: the policy is attached to the role.
pub struct Attached {
    id: String,
    role: String,
    policy_arn: String,
}

/// Every attribute of `aws_iam_role_policy_attachment`.
fn table() -> Table<Attached> {
    use AttrSchema as A;
    Table::new()
        .attr("id", A::computed(Type::String), |a: &Attached| s(&a.id))
        .attr(
            "role",
            A::required(Type::String).force_new(),
            |a| s(&a.role),
        )
        .attr("policy_arn", A::required(Type::String).force_new(), |a| {
            s(&a.policy_arn)
        })
}

crate::provider::aws::table::table_type!(RolePolicyAttachment, Attached);

impl RolePolicyAttachment {
    async fn is_attached(&self, role: &str, policy_arn: &str) -> ProviderResult<bool> {
        let attached = self
            .aws
            .iam
            .list_attached_role_policies()
            .role_name(role)
            .into_paginator()
            .items()
            .send()
            .all("iam:ListAttachedRolePolicies")
            .await;
        Ok(absent_if_not_found(attached)?
            .unwrap_or_default()
            .iter()
            .any(|p| p.policy_arn() == Some(policy_arn)))
    }

    async fn read_pair(
        &self,
        id: String,
        role: &str,
        policy_arn: &str,
    ) -> ProviderResult<Option<Value>> {
        if !self.is_attached(role, policy_arn).await? {
            return Ok(None);
        }
        let found = Attached {
            id,
            role: role.to_string(),
            policy_arn: policy_arn.to_string(),
        };
        let read = self.table.read_attributes(&self.aws.region, None, &found);
        Ok(Some(read.finish(&self.schema)))
    }
}

impl AsyncResourceType for RolePolicyAttachment {
    crate::provider::aws::bulk::schema_and_address!();
    async fn create(&self, _ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let (role, arn) = (p.req("role")?, p.req("policy_arn")?);
        // Attaching an attached policy succeeds, so a retry after a crash is harmless; the
        // role may not be visible yet right after its creation.
        retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || async {
                self.aws
                    .iam
                    .attach_role_policy()
                    .role_name(&role)
                    .policy_arn(&arn)
                    .send()
                    .await
                    .map(drop)
                    .map_err(err("iam:AttachRolePolicy"))
            },
        )
        .await?;
        let mut o = Obj::default();
        o.set("id", s(unique_name(&format!("{role}-"))))
            .set("role", s(role))
            .set("policy_arn", s(arn));
        Ok(o.finish(&self.schema))
    }

    /// Both arguments replace the attachment, so there is never anything to update.
    async fn update(&self, _prior: Value, planned: Value) -> ProviderResult<Value> {
        Ok(planned)
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let p = Obj::of(&prior);
        gone_is_ok(
            self.aws
                .iam
                .detach_role_policy()
                .role_name(p.req("role")?)
                .policy_arn(p.req("policy_arn")?)
                .send()
                .await
                .map(drop)
                .map_err(err("iam:DetachRolePolicy")),
        )
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        let p = Obj::of(&prior);
        self.read_pair(p.id()?, &p.req("role")?, &p.req("policy_arn")?)
            .await
    }

    async fn refresh(&self, batch: RefreshBatch) -> ProviderResult<Refreshed> {
        crate::provider::aws::by_id::refresh_each(self, batch.priors).await
    }

    /// `ROLE/POLICY_ARN`, as Terraform imports an attachment (a role name has no slash).
    async fn import(&self, id: &str) -> ProviderResult<Value> {
        let Some((role, arn)) = id
            .split_once('/')
            .filter(|(r, a)| !r.is_empty() && !a.is_empty())
        else {
            return Err(ProviderError::new(
                "import",
                format!("{id:?} is not an attachment id: expected ROLE/POLICY_ARN"),
            ));
        };
        self.read_pair(unique_name(&format!("{role}-")), role, arn)
            .await?
            .ok_or_else(|| {
                ProviderError::new("import", format!("{arn} is not attached to role {role}"))
            })
    }
}
