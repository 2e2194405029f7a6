//! `aws_iam_role_policy`: an inline policy of a role.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, s};
use crate::provider::aws::iam::common::*;
use crate::provider::aws::sdk::{
    EVENTUAL_CONSISTENCY, absent_if_not_found, err, gone_is_ok, retry_while,
};
use crate::provider::aws::table::Table;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult, RefreshBatch,
    Refreshed,
};

type Item = aws_sdk_iam::operation::get_role_policy::GetRolePolicyOutput;

/// Every attribute of `aws_iam_role_policy`, and how it reads from GetRolePolicy's answer.
fn table() -> Table<Item> {
    use AttrSchema as A;
    Table::<Item>::new()
        .attr("id", A::computed(Type::String), |got| {
            s(format!("{}:{}", got.role_name(), got.policy_name()))
        })
        .attr("role", A::required(Type::String).force_new(), |got| {
            s(got.role_name())
        })
        .attr(
            "name",
            A::optional_computed(Type::String).force_new(),
            |got| s(got.policy_name()),
        )
        .declared("name_prefix", A::optional(Type::String).force_new())
        .attr_with_prior("policy", A::required(Type::String), |got, prior| {
            let configured = prior.and_then(|p| p.str("policy"));
            Some(policy_value(configured.as_deref(), got.policy_document()))
        })
}

crate::provider::aws::table::table_type!(RolePolicy, Item);

/// `role:name`, the id Terraform gives an inline policy.
fn split_role_policy_id(id: &str) -> ProviderResult<(String, String)> {
    id.split_once(':')
        .filter(|(r, p)| !r.is_empty() && !p.is_empty())
        .map(|(r, p)| (r.to_string(), p.to_string()))
        .ok_or_else(|| {
            ProviderError::new(
                "import",
                format!("{id:?} is not an inline policy id: expected ROLE:NAME"),
            )
        })
}

impl RolePolicy {
    /// PutRolePolicy creates or overwrites, so a retry after a crash is harmless.
    async fn put(&self, role: &str, name: &str, policy: &str) -> ProviderResult<()> {
        // The role may have been created a moment ago and not be visible yet.
        retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || async {
                self.aws
                    .iam
                    .put_role_policy()
                    .role_name(role)
                    .policy_name(name)
                    .policy_document(policy)
                    .send()
                    .await
                    .map(drop)
                    .map_err(err("iam:PutRolePolicy"))
            },
        )
        .await
    }

    async fn read_named(
        &self,
        prior: Option<&Obj>,
        role: &str,
        name: &str,
    ) -> ProviderResult<Option<Value>> {
        let got = self
            .aws
            .iam
            .get_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .map_err(err("iam:GetRolePolicy"));
        let Some(got) = absent_if_not_found(got)? else {
            return Ok(None);
        };
        let read = self.table.read(&self.aws, prior.cloned(), &got);
        Ok(Some(read.finish(&self.schema)))
    }

    async fn settled(&self, p: &Obj, role: &str, name: &str) -> ProviderResult<Value> {
        retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || async {
                self.read_named(Some(p), role, name).await?.ok_or_else(|| {
                    ProviderError::new("iam:GetRolePolicy", format!("{role}:{name} not found"))
                        .with_code("NoSuchEntity")
                })
            },
        )
        .await
    }
}

impl AsyncResourceType for RolePolicy {
    crate::provider::aws::bulk::schema_and_address!();
    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        plan_policy(prior, planned, "policy")
    }

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let role = p.req("role")?;
        // PutRolePolicy overwrites: after a crash the same name makes self the same policy.
        let name = name_to_create(&p, &ctx);
        self.put(&role, &name, &p.req("policy")?).await?;
        self.settled(&p, &role, &name).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (role, name) = split_role_policy_id(&Obj::of(&prior).id()?)?;
        let after = Obj::of(&planned);
        self.put(&role, &name, &after.req("policy")?).await?;
        self.settled(&after, &role, &name).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let (role, name) = split_role_policy_id(&Obj::of(&prior).id()?)?;
        gone_is_ok(
            self.aws
                .iam
                .delete_role_policy()
                .role_name(role)
                .policy_name(name)
                .send()
                .await
                .map(drop)
                .map_err(err("iam:DeleteRolePolicy")),
        )
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        let p = Obj::of(&prior);
        let (role, name) = split_role_policy_id(&p.id()?)?;
        self.read_named(Some(&p), &role, &name).await
    }

    async fn refresh(&self, batch: RefreshBatch) -> ProviderResult<Refreshed> {
        crate::provider::aws::by_id::refresh_each(self, batch.priors).await
    }

    async fn import(&self, id: &str) -> ProviderResult<Value> {
        let (role, name) = split_role_policy_id(id)?;
        self.read_named(None, &role, &name).await?.ok_or_else(|| {
            ProviderError::new("import", format!("no inline policy {name} on role {role}"))
        })
    }
}
