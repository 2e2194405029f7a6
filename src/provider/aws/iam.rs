//! aws_iam_role, aws_iam_role_policy, aws_iam_role_policy_attachment, aws_iam_instance_profile and the aws_iam_policy_document data source.
//!
//! IAM names are unique per account, so a name is each object's id and the key a crashed
//! apply's leftovers are found by: `create` meeting `EntityAlreadyExists` adopts the object
//! when it carries this address's and lineage's tags. IAM has no tag filter, so refresh reads
//! each object by name (concurrently, a few at a time).

use super::Aws;
use super::attrs::{Obj, b, crc32, n, opt_s, s};
use super::sdk::{EVENTUAL_CONSISTENCY, err, gone_is_ok, retry_while};
use super::tags::{self, Tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::schema::block_list;
use crate::provider::{
    AttrSchema, BoxFuture, Configured, CreateContext, DataSource, ProviderError, ProviderResult,
    RefreshBatch, Refreshed, ResourceType, Schema,
};
use std::sync::Arc;

/// The resource types this file serves.
pub const TYPES: &[&str] = &[
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_iam_instance_profile",
];

pub fn register(aws: &Arc<Aws>, c: &mut Configured) {
    c.resources.insert("aws_iam_role", Arc::new(Role::new(aws)));
    c.resources
        .insert("aws_iam_role_policy", Arc::new(RolePolicy::new(aws)));
    c.resources.insert(
        "aws_iam_role_policy_attachment",
        Arc::new(RolePolicyAttachment::new(aws)),
    );
    c.resources.insert(
        "aws_iam_instance_profile",
        Arc::new(InstanceProfile::new(aws)),
    );
    c.data
        .insert("aws_iam_policy_document", Arc::new(PolicyDocument::new()));
}

/// A string attribute, null when AWS answers with nothing or an empty string (IAM returns ""
/// for a description that was removed).
fn opt_nonempty(x: Option<&str>) -> Value {
    opt_s(x.filter(|v| !v.is_empty()))
}

fn iam_tags(t: &Tags) -> ProviderResult<Vec<aws_sdk_iam::types::Tag>> {
    t.iter()
        .map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ProviderError::new("iam:Tag", e.to_string()))
        })
        .collect()
}

fn from_iam(t: &[aws_sdk_iam::types::Tag]) -> Tags {
    t.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

fn timestamp(t: &aws_smithy_types::DateTime) -> Value {
    opt_s(t.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
}

/// A name no other call makes, as Terraform generates them: the prefix and a
/// [`unique_suffix`](crate::provider::unique_suffix).
fn unique_name(prefix: &str) -> String {
    format!("{prefix}{}", crate::provider::unique_suffix())
}

/// The `name_prefix` a name was generated from (for an object read without a prior, as on
/// import): what precedes the 26 characters [`unique_name`] appends, if the name ends so.
fn prefix_of_generated(name: &str) -> Option<&str> {
    let split = name.len().checked_sub(26).filter(|&at| at > 0)?;
    let (prefix, suffix) = (name.get(..split)?, name.get(split..)?);
    let (stamp, counter) = suffix.split_at(18);
    (stamp.bytes().all(|c| c.is_ascii_digit())
        && counter
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)))
    .then_some(prefix)
}

/// `name_prefix` as read: the prior's, or the one the name shows it was made from.
fn name_prefix_value(prior: Option<&Obj>, name: &str) -> Value {
    match prior {
        Some(p) => opt_s(p.str("name_prefix")),
        None => opt_s(prefix_of_generated(name)),
    }
}

/// The name to create an object with: the configured one, or one made from `name_prefix`
/// (Terraform's `terraform-` when neither is set) and the create's token, so a create after a
/// crash makes the same name.
fn name_to_create(p: &Obj, ctx: &CreateContext) -> String {
    p.str("name").unwrap_or_else(|| {
        let prefix = p.str("name_prefix").unwrap_or_else(|| "terraform-".into());
        format!("{prefix}{}", ctx.token)
    })
}

/// IAM answers policy documents URL-encoded; decoded as Go's `url.QueryUnescape` does, as
/// Terraform reads them.
fn url_decode(x: &str) -> String {
    fn hex(c: u8) -> Option<u8> {
        (c as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = x.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| Some(hex(*bytes.get(i + 1)?)? << 4 | hex(*bytes.get(i + 2)?)?))
            .flatten();
        match (escaped, bytes[i]) {
            (Some(v), _) => {
                out.push(v);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, c) => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A policy in the form IAM policy semantics cannot tell apart: object keys in order, a
/// one-element list the same as its element, lists as sets, scalars as strings.
fn canonical_policy(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        J::Array(xs) => {
            let mut items: Vec<J> = xs.iter().map(canonical_policy).collect();
            if items.len() == 1 {
                return items.remove(0);
            }
            items.sort_by_key(|x| x.to_string());
            items.dedup();
            J::Array(items)
        }
        J::Object(m) => J::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), canonical_policy(v)))
                .collect(),
        ),
        J::Bool(x) => J::String(x.to_string()),
        J::Number(x) => J::String(x.to_string()),
        other => other.clone(),
    }
}

/// Whether two policy documents mean the same: whitespace, key order, list order and
/// one-element lists make no difference. Text that is not JSON compares as text.
fn same_policy(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(x), Ok(y)) => canonical_policy(&x) == canonical_policy(&y),
        _ => a == b,
    }
}

/// The policy to record: what the prior (the configuration) says when AWS's document means
/// the same, so a policy written with `jsonencode` is no change against IAM's normalised form.
fn policy_value(prior: Option<&str>, actual_encoded: &str) -> Value {
    let actual = url_decode(actual_encoded);
    match prior {
        Some(p) if same_policy(p, &actual) => s(p),
        _ => s(actual),
    }
}

/// Planning a policy attribute: a configured document that means what the prior one does
/// keeps the prior text.
fn plan_policy(prior: Option<&Value>, planned: Value, attr: &str) -> Value {
    let Some(prior) = prior else { return planned };
    let mut o = Obj::of(&planned);
    if let (Some(before), Some(after)) = (Obj::of(prior).str(attr), o.str(attr))
        && before != after
        && same_policy(&before, &after)
    {
        o.set(attr, s(before));
    }
    Value::object(o.0)
}

/// At most this many reads run at once during a refresh.
const REFRESH_CONCURRENCY: usize = 8;

/// Refresh by reading each object on its own, a few at a time: IAM has no tag filter to find
/// them in bulk.
fn refresh_each(
    reads: Vec<BoxFuture<ProviderResult<Option<Value>>>>,
) -> BoxFuture<ProviderResult<Refreshed>> {
    Box::pin(async move {
        let permits = Arc::new(tokio::sync::Semaphore::new(REFRESH_CONCURRENCY));
        let handles: Vec<_> = reads
            .into_iter()
            .map(|read| {
                let permits = permits.clone();
                tokio::spawn(async move {
                    let _permit = permits.acquire_owned().await;
                    read.await
                })
            })
            .collect();
        let mut current = Vec::with_capacity(handles.len());
        for h in handles {
            current.push(
                h.await
                    .map_err(|e| ProviderError::new("refresh", e.to_string()))??,
            );
        }
        Ok(Refreshed {
            current,
            found: Vec::new(),
        })
    })
}

/// A not-found answer as `None`, other errors as they are.
fn absent_if_not_found<T>(r: ProviderResult<T>) -> ProviderResult<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// An `EntityAlreadyExists` object may be this address's own, left by an apply that died
/// before recording it: it is adopted only when tagged with this address and lineage.
fn is_ours(ctx: &CreateContext, actual: &Tags) -> bool {
    !ctx.lineage.is_empty() && tags::owner(actual, &ctx.lineage).as_deref() == Some(&ctx.address)
}

// ---------------------------------------------------------------------------------------------
// aws_iam_role

#[derive(Clone)]
pub struct Role {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
}

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

impl Role {
    fn new(aws: &Arc<Aws>) -> Role {
        let mut attrs = vec![
            ("id", AttrSchema::computed(Type::String)),
            ("arn", AttrSchema::computed(Type::String)),
            ("unique_id", AttrSchema::computed(Type::String)),
            ("create_date", AttrSchema::computed(Type::String)),
            (
                "name",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            (
                "name_prefix",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            ("assume_role_policy", AttrSchema::required(Type::String)),
            (
                "path",
                AttrSchema::optional(Type::String)
                    .default(s("/"))
                    .force_new(),
            ),
            ("description", AttrSchema::optional(Type::String)),
            (
                "max_session_duration",
                AttrSchema::optional(Type::Number).default(n(3600)),
            ),
            (
                "force_detach_policies",
                AttrSchema::optional(Type::Bool).default(b(false)),
            ),
            ("permissions_boundary", AttrSchema::optional(Type::String)),
        ];
        attrs.extend(tags::schema_attrs());
        Role {
            aws: aws.clone(),
            schema: Arc::new(Schema::new(attrs)),
        }
    }

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

    fn value(&self, prior: Option<&Obj>, r: &aws_sdk_iam::types::Role) -> Value {
        let mut o = prior.cloned().unwrap_or_default();
        let prior_policy = prior.and_then(|p| p.str("assume_role_policy"));
        o.set("id", s(r.role_name()))
            .set("name", s(r.role_name()))
            .set("name_prefix", name_prefix_value(prior, r.role_name()))
            .set("arn", s(r.arn()))
            .set("unique_id", s(r.role_id()))
            .set("create_date", timestamp(r.create_date()))
            .set("path", s(r.path()))
            .set("description", opt_nonempty(r.description()))
            .set(
                "max_session_duration",
                n(r.max_session_duration().unwrap_or(3600).into()),
            )
            .set(
                "force_detach_policies",
                b(prior
                    .and_then(|p| p.bool("force_detach_policies"))
                    .unwrap_or(false)),
            )
            .set(
                "permissions_boundary",
                opt_nonempty(
                    r.permissions_boundary()
                        .and_then(|p| p.permissions_boundary_arn()),
                ),
            )
            .set(
                "assume_role_policy",
                policy_value(
                    prior_policy.as_deref(),
                    r.assume_role_policy_document().unwrap_or_default(),
                ),
            );
        tags::set_read(&self.aws, &mut o, &from_iam(r.tags()));
        o.finish(&self.schema)
    }

    async fn read_by_name(&self, prior: Option<&Obj>, name: &str) -> ProviderResult<Option<Value>> {
        Ok(absent_if_not_found(self.get(name).await)?.map(|r| self.value(prior, &r)))
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
        let (set, removed) = tags::diff(
            &before.map("tags_all"),
            &tags::merged(&self.aws, &after.map("tags")),
        );
        if !set.is_empty() {
            iam.tag_role()
                .role_name(name)
                .set_tags(Some(iam_tags(&set)?))
                .send()
                .await
                .map_err(err("iam:TagRole"))?;
        }
        if !removed.is_empty() {
            iam.untag_role()
                .role_name(name)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(err("iam:UntagRole"))?;
        }
        Ok(())
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
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(err("iam:ListInstanceProfilesForRole"))?
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
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(err("iam:ListAttachedRolePolicies"))?
                .into_iter()
                .filter_map(|p| p.policy_arn().map(str::to_string))
                .collect();
            inline = iam
                .list_role_policies()
                .role_name(name)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(err("iam:ListRolePolicies"))?;
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

impl ResourceType for Role {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &str {
        &self.aws.address
    }

    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        plan_policy(prior, tags::plan(&self.aws, planned), "assume_role_policy")
    }

    fn create(&self, ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            let name = name_to_create(&p, &ctx);
            let t = tags::for_create(&this.aws, &ctx, &p);
            let made = this
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
                    let existing = this.get(&name).await?;
                    if !is_ours(&ctx, &from_iam(existing.tags())) {
                        return Err(e);
                    }
                    let before = Obj::of(&this.value(None, &existing));
                    this.apply_changes(&name, &before, &p).await?;
                }
                Err(e) => return Err(e),
            }
            let role = this.get_settled(&name).await?;
            Ok(this.value(Some(&p), &role))
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let (before, after) = (Obj::of(&prior), Obj::of(&planned));
            let name = before.id()?;
            this.apply_changes(&name, &before, &after).await?;
            let role = this.get_settled(&name).await?;
            Ok(this.value(Some(&after), &role))
        })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&prior);
            let name = p.id()?;
            let force = p.bool("force_detach_policies").unwrap_or(false);
            let Some(steps) = absent_if_not_found(this.teardown_plan(&name, force).await)? else {
                return Ok(());
            };
            for step in steps {
                this.run_teardown(&name, step).await?;
            }
            Ok(())
        })
    }

    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&prior);
            this.read_by_name(Some(&p), &p.id()?).await
        })
    }

    fn refresh(&self, batch: RefreshBatch) -> BoxFuture<ProviderResult<Refreshed>> {
        refresh_each(batch.priors.into_iter().map(|p| self.read(p)).collect())
    }

    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>> {
        let (this, id) = (self.clone(), id.to_string());
        Box::pin(async move {
            this.read_by_name(None, &id)
                .await?
                .ok_or_else(|| ProviderError::new("import", format!("no IAM role named {id}")))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// aws_iam_role_policy

#[derive(Clone)]
pub struct RolePolicy {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
}

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
    fn new(aws: &Arc<Aws>) -> RolePolicy {
        RolePolicy {
            aws: aws.clone(),
            schema: Arc::new(Schema::new([
                ("id", AttrSchema::computed(Type::String)),
                ("role", AttrSchema::required(Type::String).force_new()),
                (
                    "name",
                    AttrSchema::optional_computed(Type::String).force_new(),
                ),
                (
                    "name_prefix",
                    AttrSchema::optional(Type::String).force_new(),
                ),
                ("policy", AttrSchema::required(Type::String)),
            ])),
        }
    }

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
        let mut o = prior.cloned().unwrap_or_default();
        let prior_policy = prior.and_then(|p| p.str("policy"));
        o.set("id", s(format!("{role}:{name}")))
            .set("role", s(got.role_name()))
            .set("name", s(got.policy_name()))
            .set(
                "name_prefix",
                opt_s(prior.and_then(|p| p.str("name_prefix"))),
            )
            .set(
                "policy",
                policy_value(prior_policy.as_deref(), got.policy_document()),
            );
        Ok(Some(o.finish(&self.schema)))
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

impl ResourceType for RolePolicy {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &str {
        &self.aws.address
    }

    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        plan_policy(prior, planned, "policy")
    }

    fn create(&self, ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            let role = p.req("role")?;
            // PutRolePolicy overwrites: after a crash the same name makes this the same policy.
            let name = name_to_create(&p, &ctx);
            this.put(&role, &name, &p.req("policy")?).await?;
            this.settled(&p, &role, &name).await
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let (role, name) = split_role_policy_id(&Obj::of(&prior).id()?)?;
            let after = Obj::of(&planned);
            this.put(&role, &name, &after.req("policy")?).await?;
            this.settled(&after, &role, &name).await
        })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move {
            let (role, name) = split_role_policy_id(&Obj::of(&prior).id()?)?;
            gone_is_ok(
                this.aws
                    .iam
                    .delete_role_policy()
                    .role_name(role)
                    .policy_name(name)
                    .send()
                    .await
                    .map(drop)
                    .map_err(err("iam:DeleteRolePolicy")),
            )
        })
    }

    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&prior);
            let (role, name) = split_role_policy_id(&p.id()?)?;
            this.read_named(Some(&p), &role, &name).await
        })
    }

    fn refresh(&self, batch: RefreshBatch) -> BoxFuture<ProviderResult<Refreshed>> {
        refresh_each(batch.priors.into_iter().map(|p| self.read(p)).collect())
    }

    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>> {
        let (this, id) = (self.clone(), id.to_string());
        Box::pin(async move {
            let (role, name) = split_role_policy_id(&id)?;
            this.read_named(None, &role, &name).await?.ok_or_else(|| {
                ProviderError::new("import", format!("no inline policy {name} on role {role}"))
            })
        })
    }
}

// ---------------------------------------------------------------------------------------------
// aws_iam_role_policy_attachment

#[derive(Clone)]
pub struct RolePolicyAttachment {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
}

impl RolePolicyAttachment {
    fn new(aws: &Arc<Aws>) -> RolePolicyAttachment {
        RolePolicyAttachment {
            aws: aws.clone(),
            schema: Arc::new(Schema::new([
                ("id", AttrSchema::computed(Type::String)),
                ("role", AttrSchema::required(Type::String).force_new()),
                ("policy_arn", AttrSchema::required(Type::String).force_new()),
            ])),
        }
    }

    async fn is_attached(&self, role: &str, policy_arn: &str) -> ProviderResult<bool> {
        let attached = self
            .aws
            .iam
            .list_attached_role_policies()
            .role_name(role)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(err("iam:ListAttachedRolePolicies"));
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
        let mut o = Obj::default();
        o.set("id", s(id))
            .set("role", s(role))
            .set("policy_arn", s(policy_arn));
        Ok(Some(o.finish(&self.schema)))
    }
}

impl ResourceType for RolePolicyAttachment {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &str {
        &self.aws.address
    }

    fn create(&self, _ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            let (role, arn) = (p.req("role")?, p.req("policy_arn")?);
            // Attaching an attached policy succeeds, so a retry after a crash is harmless; the
            // role may not be visible yet right after its creation.
            retry_while(
                EVENTUAL_CONSISTENCY,
                |e| e.is_not_found(),
                || async {
                    this.aws
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
            Ok(o.finish(&this.schema))
        })
    }

    /// Both arguments replace the attachment, so there is never anything to update.
    fn update(&self, _prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        Box::pin(async move { Ok(planned) })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&prior);
            gone_is_ok(
                this.aws
                    .iam
                    .detach_role_policy()
                    .role_name(p.req("role")?)
                    .policy_arn(p.req("policy_arn")?)
                    .send()
                    .await
                    .map(drop)
                    .map_err(err("iam:DetachRolePolicy")),
            )
        })
    }

    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&prior);
            this.read_pair(p.id()?, &p.req("role")?, &p.req("policy_arn")?)
                .await
        })
    }

    fn refresh(&self, batch: RefreshBatch) -> BoxFuture<ProviderResult<Refreshed>> {
        refresh_each(batch.priors.into_iter().map(|p| self.read(p)).collect())
    }

    /// `ROLE/POLICY_ARN`, as Terraform imports an attachment (a role name has no slash).
    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>> {
        let (this, id) = (self.clone(), id.to_string());
        Box::pin(async move {
            let Some((role, arn)) = id
                .split_once('/')
                .filter(|(r, a)| !r.is_empty() && !a.is_empty())
            else {
                return Err(ProviderError::new(
                    "import",
                    format!("{id:?} is not an attachment id: expected ROLE/POLICY_ARN"),
                ));
            };
            this.read_pair(unique_name(&format!("{role}-")), role, arn)
                .await?
                .ok_or_else(|| {
                    ProviderError::new("import", format!("{arn} is not attached to role {role}"))
                })
        })
    }
}

// ---------------------------------------------------------------------------------------------
// aws_iam_instance_profile

#[derive(Clone)]
pub struct InstanceProfile {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
}

impl InstanceProfile {
    fn new(aws: &Arc<Aws>) -> InstanceProfile {
        let mut attrs = vec![
            ("id", AttrSchema::computed(Type::String)),
            ("arn", AttrSchema::computed(Type::String)),
            ("unique_id", AttrSchema::computed(Type::String)),
            ("create_date", AttrSchema::computed(Type::String)),
            (
                "name",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            (
                "name_prefix",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            (
                "path",
                AttrSchema::optional(Type::String)
                    .default(s("/"))
                    .force_new(),
            ),
            ("role", AttrSchema::optional(Type::String)),
        ];
        attrs.extend(tags::schema_attrs());
        InstanceProfile {
            aws: aws.clone(),
            schema: Arc::new(Schema::new(attrs)),
        }
    }

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

    fn value(&self, prior: Option<&Obj>, ip: &aws_sdk_iam::types::InstanceProfile) -> Value {
        let mut o = prior.cloned().unwrap_or_default();
        o.set("id", s(ip.instance_profile_name()))
            .set("name", s(ip.instance_profile_name()))
            .set(
                "name_prefix",
                name_prefix_value(prior, ip.instance_profile_name()),
            )
            .set("arn", s(ip.arn()))
            .set("unique_id", s(ip.instance_profile_id()))
            .set("create_date", timestamp(ip.create_date()))
            .set("path", s(ip.path()))
            .set("role", opt_s(ip.roles().first().map(|r| r.role_name())));
        tags::set_read(&self.aws, &mut o, &from_iam(ip.tags()));
        o.finish(&self.schema)
    }

    async fn read_by_name(&self, prior: Option<&Obj>, name: &str) -> ProviderResult<Option<Value>> {
        Ok(absent_if_not_found(self.get(name).await)?.map(|ip| self.value(prior, &ip)))
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
        let (set, removed) = tags::diff(
            &before.map("tags_all"),
            &tags::merged(&self.aws, &after.map("tags")),
        );
        if !set.is_empty() {
            iam.tag_instance_profile()
                .instance_profile_name(name)
                .set_tags(Some(iam_tags(&set)?))
                .send()
                .await
                .map_err(err("iam:TagInstanceProfile"))?;
        }
        if !removed.is_empty() {
            iam.untag_instance_profile()
                .instance_profile_name(name)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(err("iam:UntagInstanceProfile"))?;
        }
        Ok(())
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

impl ResourceType for InstanceProfile {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &str {
        &self.aws.address
    }

    fn plan(&self, _prior: Option<&Value>, planned: Value) -> Value {
        tags::plan(&self.aws, planned)
    }

    fn create(&self, ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            let name = name_to_create(&p, &ctx);
            let t = tags::for_create(&this.aws, &ctx, &p);
            let made = this
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
                        this.add_role(&name, &role).await?;
                    }
                }
                Err(e) if e.already_exists() => {
                    let existing = this.get(&name).await?;
                    if !is_ours(&ctx, &from_iam(existing.tags())) {
                        return Err(e);
                    }
                    let before = Obj::of(&this.value(None, &existing));
                    this.apply_changes(&name, &before, &p).await?;
                }
                Err(e) => return Err(e),
            }
            this.settled(&p, &name).await
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let (before, after) = (Obj::of(&prior), Obj::of(&planned));
            let name = before.id()?;
            this.apply_changes(&name, &before, &after).await?;
            this.settled(&after, &name).await
        })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move {
            let name = Obj::of(&prior).id()?;
            // The roles it holds now, not the one state remembers: IAM refuses to delete a
            // profile that still has any.
            let Some(ip) = absent_if_not_found(this.get(&name).await)? else {
                return Ok(());
            };
            for r in ip.roles() {
                this.remove_role(&name, r.role_name()).await?;
            }
            gone_is_ok(
                this.aws
                    .iam
                    .delete_instance_profile()
                    .instance_profile_name(&name)
                    .send()
                    .await
                    .map(drop)
                    .map_err(err("iam:DeleteInstanceProfile")),
            )
        })
    }

    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&prior);
            this.read_by_name(Some(&p), &p.id()?).await
        })
    }

    fn refresh(&self, batch: RefreshBatch) -> BoxFuture<ProviderResult<Refreshed>> {
        refresh_each(batch.priors.into_iter().map(|p| self.read(p)).collect())
    }

    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>> {
        let (this, id) = (self.clone(), id.to_string());
        Box::pin(async move {
            this.read_by_name(None, &id).await?.ok_or_else(|| {
                ProviderError::new("import", format!("no instance profile named {id}"))
            })
        })
    }
}

// ---------------------------------------------------------------------------------------------
// data "aws_iam_policy_document"

/// A JSON value that keeps its keys in the order given, written the way Terraform's (Go's
/// `encoding/json`) output is.
#[derive(Debug, Clone, PartialEq)]
enum Doc {
    /// Numbers, booleans and null from a source document, as they were written.
    Raw(String),
    Str(String),
    List(Vec<Doc>),
    Fields(Vec<(String, Doc)>),
}

impl Doc {
    fn from_json(v: &serde_json::Value) -> Doc {
        use serde_json::Value as J;
        match v {
            J::String(x) => Doc::Str(x.clone()),
            J::Array(xs) => Doc::List(xs.iter().map(Doc::from_json).collect()),
            J::Object(m) => Doc::Fields(
                m.iter()
                    .map(|(k, v)| (k.clone(), Doc::from_json(v)))
                    .collect(),
            ),
            other => Doc::Raw(other.to_string()),
        }
    }

    /// `json.MarshalIndent(v, "", "  ")` when `pretty`, `json.Marshal(v)` otherwise.
    fn write(&self, out: &mut String, pretty: bool, depth: usize) {
        let newline = |out: &mut String, depth: usize| {
            if pretty {
                out.push('\n');
                out.push_str(&"  ".repeat(depth));
            }
        };
        match self {
            Doc::Raw(x) => out.push_str(x),
            Doc::Str(x) => write_go_string(out, x),
            Doc::List(xs) if xs.is_empty() => out.push_str("[]"),
            Doc::Fields(fs) if fs.is_empty() => out.push_str("{}"),
            Doc::List(xs) => {
                out.push('[');
                for (i, x) in xs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    x.write(out, pretty, depth + 1);
                }
                newline(out, depth);
                out.push(']');
            }
            Doc::Fields(fs) => {
                out.push('{');
                for (i, (k, v)) in fs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    write_go_string(out, k);
                    out.push_str(if pretty { ": " } else { ":" });
                    v.write(out, pretty, depth + 1);
                }
                newline(out, depth);
                out.push('}');
            }
        }
    }

    fn render(&self, pretty: bool) -> String {
        let mut out = String::new();
        self.write(&mut out, pretty, 0);
        out
    }
}

/// A JSON string as Go writes it: HTML-sensitive characters and the JavaScript line
/// separators escaped too.
fn write_go_string(out: &mut String, x: &str) {
    out.push('"');
    for c in x.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Principal identifiers or condition values: one string, or several.
#[derive(Debug, Clone)]
enum Strings {
    One(String),
    Many(Vec<String>),
}

impl Strings {
    /// From configuration: one value stays a string; several are sorted in reverse, as
    /// Terraform orders them. `&{...}` becomes the policy variable `${...}`, which HCL would
    /// otherwise interpolate.
    fn configured(values: Vec<String>) -> Option<Strings> {
        let mut values: Vec<String> = values.into_iter().map(|v| v.replace("&{", "${")).collect();
        match values.len() {
            0 => None,
            1 => values.pop().map(Strings::One),
            _ => {
                values.sort_by(|a, b| b.cmp(a));
                Some(Strings::Many(values))
            }
        }
    }

    fn from_json(v: &serde_json::Value) -> Option<Strings> {
        match v {
            serde_json::Value::String(x) => Some(Strings::One(x.clone())),
            serde_json::Value::Array(xs) => Some(Strings::Many(
                xs.iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                    .collect(),
            )),
            _ => None,
        }
    }

    fn into_vec(self) -> Vec<String> {
        match self {
            Strings::One(x) => vec![x],
            Strings::Many(xs) => xs,
        }
    }

    fn doc(self) -> Doc {
        match self {
            Strings::One(x) => Doc::Str(x),
            Strings::Many(xs) => Doc::List(xs.into_iter().map(Doc::Str).collect()),
        }
    }
}

/// `Principal`: `"*"` for the single principal `*`/`*`; otherwise identifiers by type, types
/// in order, each principal's identifier list in reverse order, principals of one type joined.
fn principal_doc(principals: Vec<(String, Strings)>) -> Option<Doc> {
    if let [(kind, ids)] = principals.as_slice()
        && kind == "*"
        && ids.clone().into_vec() == ["*"]
    {
        return Some(Doc::Str("*".into()));
    }
    let mut by_type: std::collections::BTreeMap<String, Strings> = Default::default();
    for (kind, ids) in principals {
        let ids = match ids {
            Strings::Many(mut xs) => {
                xs.sort_by(|a, b| b.cmp(a));
                Strings::Many(xs)
            }
            one => one,
        };
        let joined = match by_type.remove(&kind) {
            None => ids,
            Some(before) => {
                let mut all = before.into_vec();
                all.extend(ids.into_vec());
                Strings::Many(all)
            }
        };
        by_type.insert(kind, joined);
    }
    (!by_type.is_empty())
        .then(|| Doc::Fields(by_type.into_iter().map(|(k, ids)| (k, ids.doc())).collect()))
}

/// `Condition`: values by variable by test, both in order; a list of values joins the values
/// already there for that test and variable, a single value replaces them (as Terraform does).
fn condition_doc(conditions: Vec<(String, String, Strings)>) -> Option<Doc> {
    type ByVariable = std::collections::BTreeMap<String, Strings>;
    let mut by_test: std::collections::BTreeMap<String, ByVariable> = Default::default();
    for (test, variable, values) in conditions {
        let vars = by_test.entry(test).or_default();
        let joined = match (vars.remove(&variable), values) {
            (Some(before), Strings::Many(xs)) => {
                let mut all = before.into_vec();
                all.extend(xs);
                Strings::Many(all)
            }
            (_, values) => values,
        };
        vars.insert(variable, joined);
    }
    (!by_test.is_empty()).then(|| {
        Doc::Fields(
            by_test
                .into_iter()
                .map(|(test, vars)| {
                    (
                        test,
                        Doc::Fields(vars.into_iter().map(|(v, xs)| (v, xs.doc())).collect()),
                    )
                })
                .collect(),
        )
    })
}

/// One statement: its Sid (what merging matches on) and its elements in Terraform's order.
#[derive(Debug, Clone)]
struct Statement {
    sid: String,
    fields: Vec<(String, Doc)>,
}

/// The elements of a statement in the order Terraform writes them.
const STATEMENT_ELEMENTS: [&str; 9] = [
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
];

impl Statement {
    fn new(mut elements: Vec<(&'static str, Option<Doc>)>) -> Statement {
        elements.sort_by_key(|(k, _)| STATEMENT_ELEMENTS.iter().position(|e| e == k));
        let sid = elements
            .iter()
            .find_map(|(k, v)| match (k, v) {
                (&"Sid", Some(Doc::Str(x))) => Some(x.clone()),
                _ => None,
            })
            .unwrap_or_default();
        Statement {
            sid,
            fields: elements
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
                .filter(|(_, v)| *v != Doc::Str(String::new()))
                .collect(),
        }
    }

    fn configured(o: &Obj) -> Statement {
        let strings = |k: &str| Strings::configured(o.strs(k)).map(Strings::doc);
        let principals = |k: &str| {
            principal_doc(
                o.blocks(k)
                    .iter()
                    .filter_map(|p| {
                        Some((p.str("type")?, Strings::configured(p.strs("identifiers"))?))
                    })
                    .collect(),
            )
        };
        let conditions = condition_doc(
            o.blocks("condition")
                .iter()
                .filter_map(|c| {
                    Some((
                        c.str("test")?,
                        c.str("variable")?,
                        Strings::configured(c.strs("values"))?,
                    ))
                })
                .collect(),
        );
        Statement::new(vec![
            ("Sid", o.str("sid").map(Doc::Str)),
            (
                "Effect",
                Some(Doc::Str(o.str("effect").unwrap_or_else(|| "Allow".into()))),
            ),
            ("Action", strings("actions")),
            ("NotAction", strings("not_actions")),
            ("Resource", strings("resources")),
            ("NotResource", strings("not_resources")),
            ("Principal", principals("principals")),
            ("NotPrincipal", principals("not_principals")),
            ("Condition", conditions),
        ])
    }

    /// A statement of a source or override document, re-written as Terraform re-writes it:
    /// elements in its order, principals and conditions normalised, actions and resources as
    /// they were.
    fn parsed(v: &serde_json::Value) -> ProviderResult<Statement> {
        let m = v.as_object().ok_or_else(|| {
            ProviderError::new("read", format!("a policy statement is not an object: {v}"))
        })?;
        let principal = |k: &str| -> Option<Doc> {
            match m.get(k)? {
                serde_json::Value::Object(by_type) => principal_doc(
                    by_type
                        .iter()
                        .filter_map(|(t, ids)| Some((t.clone(), Strings::from_json(ids)?)))
                        .collect(),
                ),
                other => Some(Doc::from_json(other)),
            }
        };
        let conditions = m.get("Condition").and_then(|c| {
            let tests = c.as_object()?;
            condition_doc(
                tests
                    .iter()
                    .filter_map(|(test, vars)| Some((test, vars.as_object()?)))
                    .flat_map(|(test, vars)| {
                        vars.iter().filter_map(move |(var, values)| {
                            Some((test.clone(), var.clone(), Strings::from_json(values)?))
                        })
                    })
                    .collect(),
            )
        });
        let plain = |k: &str| m.get(k).map(Doc::from_json);
        Ok(Statement::new(vec![
            ("Sid", plain("Sid")),
            ("Effect", plain("Effect")),
            ("Action", plain("Action")),
            ("NotAction", plain("NotAction")),
            ("Resource", plain("Resource")),
            ("NotResource", plain("NotResource")),
            ("Principal", principal("Principal")),
            ("NotPrincipal", principal("NotPrincipal")),
            ("Condition", conditions),
        ]))
    }
}

/// A policy document being assembled from sources, the configuration and overrides.
#[derive(Debug, Default)]
struct Policy {
    version: String,
    id: String,
    statements: Vec<Statement>,
}

impl Policy {
    fn parse(text: &str, what: &str) -> ProviderResult<Policy> {
        let v: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| ProviderError::new("read", format!("{what} is not JSON: {e}")))?;
        let statements = match v.get("Statement") {
            Some(serde_json::Value::Array(xs)) => {
                xs.iter().map(Statement::parsed).collect::<Result<_, _>>()?
            }
            Some(one @ serde_json::Value::Object(_)) => vec![Statement::parsed(one)?],
            _ => Vec::new(),
        };
        let text_of = |k: &str| {
            v.get(k)
                .and_then(|x| x.as_str())
                .unwrap_or_default()
                .to_string()
        };
        Ok(Policy {
            version: text_of("Version"),
            id: text_of("Id"),
            statements,
        })
    }

    /// Terraform's merge: a later document's Id wins, its Version wins when greater, and its
    /// statements replace those with the same Sid in place; the rest are appended.
    fn merge(&mut self, later: Policy) {
        if !later.id.is_empty() {
            self.id = later.id;
        }
        if later.version > self.version {
            self.version = later.version;
        }
        for st in later.statements {
            let same = (!st.sid.is_empty())
                .then(|| self.statements.iter_mut().find(|s| s.sid == st.sid))
                .flatten();
            match same {
                Some(existing) => *existing = st,
                None => self.statements.push(st),
            }
        }
    }

    fn doc(&self) -> Doc {
        let mut fields = Vec::new();
        if !self.version.is_empty() {
            fields.push(("Version".to_string(), Doc::Str(self.version.clone())));
        }
        if !self.id.is_empty() {
            fields.push(("Id".to_string(), Doc::Str(self.id.clone())));
        }
        let statements = if self.statements.is_empty() {
            Doc::Raw("null".into())
        } else {
            Doc::List(
                self.statements
                    .iter()
                    .map(|s| Doc::Fields(s.fields.clone()))
                    .collect(),
            )
        };
        fields.push(("Statement".to_string(), statements));
        Doc::Fields(fields)
    }
}

/// Sids must not repeat within one group of statements.
fn check_unique_sids<'a>(
    statements: impl IntoIterator<Item = &'a Statement>,
    what: &str,
) -> ProviderResult<()> {
    let mut seen = std::collections::BTreeSet::new();
    for st in statements {
        if !st.sid.is_empty() && !seen.insert(st.sid.clone()) {
            return Err(ProviderError::new(
                "read",
                format!(
                    "duplicate Sid ({}) in {what}: remove the Sid or make Sids unique",
                    st.sid
                ),
            ));
        }
    }
    Ok(())
}

/// The document a data source configuration describes.
fn policy_document(config: &Obj) -> ProviderResult<Policy> {
    let mut merged = Policy::default();
    let sources = config
        .strs("source_policy_documents")
        .iter()
        .enumerate()
        .map(|(i, text)| Policy::parse(text, &format!("source_policy_documents[{i}]")))
        .collect::<ProviderResult<Vec<_>>>()?;
    check_unique_sids(
        sources.iter().flat_map(|p| &p.statements),
        "source_policy_documents",
    )?;
    for source in sources {
        merged.merge(source);
    }
    let own = Policy {
        version: config.str("version").unwrap_or_else(|| "2012-10-17".into()),
        id: config.str("policy_id").unwrap_or_default(),
        statements: config
            .blocks("statement")
            .iter()
            .map(Statement::configured)
            .collect(),
    };
    check_unique_sids(&own.statements, "statement")?;
    merged.merge(own);
    for (i, text) in config.strs("override_policy_documents").iter().enumerate() {
        merged.merge(Policy::parse(
            text,
            &format!("override_policy_documents[{i}]"),
        )?);
    }
    Ok(merged)
}

pub struct PolicyDocument {
    schema: Schema,
}

impl PolicyDocument {
    fn new() -> PolicyDocument {
        let strings = Type::Set(Box::new(Type::String));
        let principals = block_list(&[("type", Type::String), ("identifiers", strings.clone())]);
        let statement = block_list(&[
            ("sid", Type::String),
            ("effect", Type::String),
            ("actions", strings.clone()),
            ("not_actions", strings.clone()),
            ("resources", strings.clone()),
            ("not_resources", strings),
            ("principals", principals.clone()),
            ("not_principals", principals),
            (
                "condition",
                block_list(&[
                    ("test", Type::String),
                    ("variable", Type::String),
                    ("values", Type::List(Box::new(Type::String))),
                ]),
            ),
        ]);
        let documents = Type::List(Box::new(Type::String));
        PolicyDocument {
            schema: Schema::new([
                ("id", AttrSchema::computed(Type::String)),
                ("json", AttrSchema::computed(Type::String)),
                ("minified_json", AttrSchema::computed(Type::String)),
                (
                    "version",
                    AttrSchema::optional(Type::String).default(s("2012-10-17")),
                ),
                ("policy_id", AttrSchema::optional(Type::String)),
                (
                    "source_policy_documents",
                    AttrSchema::optional(documents.clone()),
                ),
                ("override_policy_documents", AttrSchema::optional(documents)),
                ("statement", AttrSchema::optional(statement)),
            ]),
        }
    }
}

impl DataSource for PolicyDocument {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn read(&self, config: Value) -> BoxFuture<ProviderResult<Value>> {
        let mut o = Obj::of(&config);
        let result = policy_document(&o).map(|p| {
            let doc = p.doc();
            let json = doc.render(true);
            o.set("id", s(crc32(json.as_bytes()).to_string()))
                .set("minified_json", s(doc.render(false)))
                .set("json", s(json));
            o.finish(&self.schema)
        });
        Box::pin(async move { result })
    }
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

    #[test]
    fn policies_compare_by_meaning() {
        let a = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ec2.amazonaws.com"}}]}"#;
        let b = "{\n  \"Statement\": [ { \"Principal\": {\"Service\": [\"ec2.amazonaws.com\"]},\n  \"Action\": [\"sts:AssumeRole\"], \"Effect\": \"Allow\" } ],\n  \"Version\": \"2012-10-17\" }";
        assert!(same_policy(a, b));
        assert!(same_policy(
            r#"{"Action":["b","a"]}"#,
            r#"{"Action":["a","b"]}"#
        ));
        assert!(!same_policy(a, &a.replace("ec2", "ecs-tasks")));
        assert!(!same_policy(a, &a.replace("Allow", "Deny")));
    }

    #[test]
    fn url_decoding_matches_go_query_unescape() {
        assert_eq!(
            url_decode("%7B%22a%22%3A%20%22b+c%22%7D"),
            r#"{"a": "b c"}"#
        );
        assert_eq!(url_decode("100%"), "100%");
        assert_eq!(url_decode("%zz%E2%82%AC"), "%zz€");
    }

    #[test]
    fn unique_names_are_prefixed_and_distinct() {
        let (a, b) = (unique_name("terraform-"), unique_name("terraform-"));
        assert_ne!(a, b);
        assert_eq!(a.len(), "terraform-".len() + 26, "{a}");
        assert!(a.starts_with("terraform-20"), "{a}");
        assert_eq!(prefix_of_generated(&a), Some("terraform-"));
        assert_eq!(prefix_of_generated("lifecycle-node"), None);
        assert_eq!(prefix_of_generated("00000000000000000000000000"), None);
    }

    #[test]
    fn go_strings_escape_html_characters() {
        let mut out = String::new();
        write_go_string(&mut out, "a<b>&\"\\\n");
        assert_eq!(out, r#""a\u003cb\u003e\u0026\"\\\n""#);
    }

    #[test]
    fn merge_replaces_statements_by_sid_in_place() {
        let source = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"a:*"},{"Sid":"B","Effect":"Allow","Action":"b:*"}]}"#,
            "source",
        )
        .unwrap();
        let over = Policy::parse(
            r#"{"Statement":[{"Sid":"A","Effect":"Deny","Action":"a:*"},{"Effect":"Allow","Action":"c:*"}]}"#,
            "override",
        )
        .unwrap();
        let mut merged = Policy::default();
        merged.merge(source);
        merged.merge(over);
        assert_eq!(
            merged.doc().render(false),
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Deny","Action":"a:*"},{"Sid":"B","Effect":"Allow","Action":"b:*"},{"Effect":"Allow","Action":"c:*"}]}"#
        );
    }
}
