//! `aws_iam_policy`: a managed policy. Its id is its ARN; a new document is a new default
//! version (the oldest non-default one deleted first when IAM's five are used up), and the
//! document reads back as configured while it means the same.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, n, s};
use crate::provider::aws::iam::common::*;
use crate::provider::aws::sdk::{
    EVENTUAL_CONSISTENCY, absent_if_not_found, err, gone_is_ok, retry_while,
};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::{self, Tags};
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult,
};

/// IAM keeps at most this many versions of a policy.
const MAX_VERSIONS: usize = 5;

/// A policy and its default version's document (URL-encoded, as IAM answers it).
pub struct Described {
    policy: aws_sdk_iam::types::Policy,
    document: String,
}

/// Every attribute of `aws_iam_policy`, and how it reads from a described policy.
fn table() -> Table<Described> {
    use AttrSchema as A;
    Table::<Described>::new()
        .attr("id", A::computed(Type::String), |d| {
            opt_nonempty(d.policy.arn())
        })
        .attr("arn", A::computed(Type::String), |d| {
            opt_nonempty(d.policy.arn())
        })
        .attr("policy_id", A::computed(Type::String), |d| {
            opt_nonempty(d.policy.policy_id())
        })
        .attr(
            "name",
            A::optional_computed(Type::String).force_new(),
            |d| opt_nonempty(d.policy.policy_name()),
        )
        .attr_with_prior(
            "name_prefix",
            A::optional_computed(Type::String).force_new(),
            |d, prior| {
                Some(name_prefix_value(
                    prior,
                    d.policy.policy_name().unwrap_or_default(),
                ))
            },
        )
        .attr(
            "path",
            A::optional(Type::String).default(s("/")).force_new(),
            |d| s(d.policy.path().unwrap_or("/")),
        )
        .attr("description", A::optional(Type::String).force_new(), |d| {
            opt_nonempty(d.policy.description())
        })
        .attr_with_prior("policy", A::required(Type::String), |d, prior| {
            let configured = prior.and_then(|p| p.str("policy"));
            Some(policy_value(configured.as_deref(), &d.document))
        })
        .declared(
            "delay_after_policy_creation_in_ms",
            A::optional(Type::Number),
        )
        .attr("attachment_count", A::computed(Type::Number), |d| {
            n(d.policy.attachment_count().unwrap_or(0).into())
        })
        .tagged(|d| from_iam(d.policy.tags()))
}

crate::provider::aws::table::table_type!(Policy, Described);

impl Policy {
    async fn get(&self, arn: &str) -> ProviderResult<Described> {
        let iam = &self.aws.iam;
        let out = iam
            .get_policy()
            .policy_arn(arn)
            .send()
            .await
            .map_err(err("iam:GetPolicy"))?;
        let policy = out.policy.ok_or_else(|| {
            ProviderError::new(
                "iam:GetPolicy",
                format!("no policy in the answer for {arn}"),
            )
        })?;
        let version = iam
            .get_policy_version()
            .policy_arn(arn)
            .version_id(policy.default_version_id().unwrap_or("v1"))
            .send()
            .await
            .map_err(err("iam:GetPolicyVersion"))?;
        let document = version
            .policy_version()
            .and_then(|v| v.document())
            .unwrap_or_default()
            .to_string();
        Ok(Described { policy, document })
    }

    fn value(&self, prior: Option<&Obj>, d: &Described) -> Value {
        self.table
            .read(&self.aws, prior.cloned(), d)
            .finish(&self.schema)
    }

    async fn read_arn(&self, prior: Option<Obj>, arn: &str) -> ProviderResult<Option<Value>> {
        Ok(absent_if_not_found(self.get(arn).await)?.map(|d| self.value(prior.as_ref(), &d)))
    }

    /// A new default version with `document`, room made first; with a `delay` (ms), made
    /// default only that long after it exists (version 6's
    /// `delay_after_policy_creation_in_ms`, for what reads the policy as it propagates).
    async fn new_version(
        &self,
        arn: &str,
        document: &str,
        delay: Option<i64>,
    ) -> ProviderResult<()> {
        let iam = &self.aws.iam;
        let versions = iam
            .list_policy_versions()
            .policy_arn(arn)
            .send()
            .await
            .map_err(err("iam:ListPolicyVersions"))?;
        let mut old: Vec<_> = versions
            .versions()
            .iter()
            .filter(|v| !v.is_default_version())
            .collect();
        if versions.versions().len() >= MAX_VERSIONS {
            old.sort_by_key(|v| v.create_date().map(|d| d.as_nanos()));
            if let Some(v) = old.first().and_then(|v| v.version_id()) {
                iam.delete_policy_version()
                    .policy_arn(arn)
                    .version_id(v)
                    .send()
                    .await
                    .map_err(err("iam:DeletePolicyVersion"))?;
            }
        }
        let made = iam
            .create_policy_version()
            .policy_arn(arn)
            .policy_document(document)
            .set_as_default(delay.is_none())
            .send()
            .await
            .map_err(err("iam:CreatePolicyVersion"))?;
        if let Some(ms) = delay {
            tokio::time::sleep(std::time::Duration::from_millis(ms.max(0) as u64)).await;
            let version = made.policy_version().and_then(|v| v.version_id());
            iam.set_default_policy_version()
                .policy_arn(arn)
                .set_version_id(version.map(str::to_string))
                .send()
                .await
                .map_err(err("iam:SetDefaultPolicyVersion"))?;
        }
        Ok(())
    }

    async fn apply_changes(&self, arn: &str, before: &Obj, after: &Obj) -> ProviderResult<()> {
        let document = after.req("policy")?;
        if !before
            .str("policy")
            .is_some_and(|p| same_policy(&p, &document))
        {
            let delay = after.i64("delay_after_policy_creation_in_ms");
            self.new_version(arn, &document, delay).await?;
        }
        let iam = &self.aws.iam;
        let set = |t: Tags| async move {
            let call = iam
                .tag_policy()
                .policy_arn(arn)
                .set_tags(Some(iam_tags(&t)?));
            call.send().await.map(drop).map_err(err("iam:TagPolicy"))
        };
        let remove = |keys: Vec<String>| {
            crate::provider::aws::sdk::sent!(
                iam.untag_policy().policy_arn(arn).set_tag_keys(Some(keys)),
                "iam:UntagPolicy"
            )
        };
        tags::sync(&self.aws, before, after, set, remove).await
    }
}

impl AsyncResourceType for Policy {
    crate::provider::aws::bulk::schema_and_address!();

    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        let planned = tags::plan(&self.aws, planned);
        plan_policy(prior, planned, "policy")
    }

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let name = name_to_create(&p, &ctx);
        let path = p.str("path").unwrap_or_else(|| "/".into());
        let t = tags::for_create(&self.aws, &ctx, &p);
        let made = self
            .aws
            .iam
            .create_policy()
            .policy_name(&name)
            .path(&path)
            .policy_document(p.req("policy")?)
            .set_description(p.str("description"))
            .set_tags(Some(iam_tags(&t)?))
            .send()
            .await
            .map_err(err("iam:CreatePolicy"));
        let arn = match made {
            Ok(out) => out
                .policy()
                .and_then(|x| x.arn())
                .unwrap_or_default()
                .to_string(),
            // Made by an apply that died before recording it: adopted when it carries
            // self address and lineage.
            Err(e) if e.already_exists() => {
                let account = self.aws.account_id().await?;
                let arn = format!("arn:aws:iam::{account}:policy{path}{name}");
                let existing = self.get(&arn).await?;
                if !tags::is_ours(&ctx, &from_iam(existing.policy.tags())) {
                    return Err(e);
                }
                let before = Obj::of(&self.value(None, &existing));
                self.apply_changes(&arn, &before, &p).await?;
                arn
            }
            Err(e) => return Err(e),
        };
        let d = retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || self.get(&arn),
        )
        .await?;
        Ok(self.value(Some(&p), &d))
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let arn = before.id()?;
        self.apply_changes(&arn, &before, &after).await?;
        let d = self.get(&arn).await?;
        Ok(self.value(Some(&after), &d))
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let arn = Obj::of(&prior).id()?;
        let iam = &self.aws.iam;
        // IAM deletes a policy only once its other versions are gone.
        let versions = iam.list_policy_versions().policy_arn(&arn).send().await;
        let Some(versions) = absent_if_not_found(versions.map_err(err("iam:ListPolicyVersions")))?
        else {
            return Ok(());
        };
        for v in versions.versions() {
            if let (false, Some(id)) = (v.is_default_version(), v.version_id()) {
                iam.delete_policy_version()
                    .policy_arn(&arn)
                    .version_id(id)
                    .send()
                    .await
                    .map_err(err("iam:DeletePolicyVersion"))?;
            }
        }
        let r = iam.delete_policy().policy_arn(&arn).send().await;
        gone_is_ok(r.map(drop).map_err(err("iam:DeletePolicy")))
    }

    crate::provider::aws::by_id::reads_by_id!(read_arn, "no IAM policy {id}", refresh each);
}
