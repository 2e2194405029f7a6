//! `aws_s3_bucket`: a bucket, named by `bucket`, or made unique from `bucket_prefix`
//! (`terraform-` when neither is set). The name, the prefix and object lock replace it; tags
//! and the deprecated inline parts (`acl`, `versioning`, `server_side_encryption_configuration`,
//! `policy`) change in place, through the same calls as their own resources. Those inline parts
//! are optional and computed: left out, they follow whatever the separate resources put. The
//! older inline parts no resource of infra's holds (`cors_rule`, `website`, `logging`, `grant`,
//! `lifecycle_rule`, `replication_configuration`, ...) are declared in `inline.rs`.
//! `force_destroy` empties the bucket (every object version and delete marker) before
//! deleting it; otherwise AWS refuses to delete a bucket that holds anything.

use super::inline::PARTS;
use super::{encryption, policy, versioning, website};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, b, blocks, opt_s, s};
use crate::provider::aws::iam::common::{read_document, same_policy};
use crate::provider::aws::launch::fit;
use crate::provider::aws::naming::{create_name, read_name_prefix};
use crate::provider::aws::sdk::{EVENTUAL_CONSISTENCY, err, gone_is_ok, retry_while};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::{self, Tags};
use crate::provider::schema::block_object;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult,
};
use aws_sdk_s3::types::{
    BucketCannedAcl, BucketLocationConstraint, CreateBucketConfiguration, Delete, ObjectIdentifier,
    ObjectLockEnabled,
};

/// A bucket as read: its name, region, tags and the inline parts.
pub struct Found {
    name: String,
    region: String,
    tags: Tags,
    versioning: versioning::Versioning,
    encryption: Option<Vec<Obj>>,
    policy: Option<String>,
    object_lock: bool,
    /// The inline parts of `inline.rs`, by name, as read.
    inline: Vec<(&'static str, Value)>,
}

fn versioning_type() -> Type {
    block_object(&[("enabled", Type::Bool), ("mfa_delete", Type::Bool)])
}

fn encryption_type() -> Type {
    block_object(&[("rule", Type::List(Box::new(encryption::rule_type())))])
}

/// Every attribute of `aws_s3_bucket`, and how it reads from a bucket found.
fn table() -> Table<Found> {
    use AttrSchema as A;
    let mut t = Table::<Found>::new()
        .attr("id", A::computed(Type::String), |f| s(&f.name))
        .attr(
            "bucket",
            A::optional_computed(Type::String)
                .force_new()
                .conflicts_with(&["bucket_prefix"]),
            |f| s(&f.name),
        )
        .attr_with_prior(
            "bucket_prefix",
            A::optional_computed(Type::String).force_new(),
            |f, prior| read_name_prefix(prior, &f.name).map(|v| rename_prefix(prior, v)),
        )
        .attr("arn", A::computed(Type::String), |f| {
            s(format!(
                "arn:{}:s3:::{}",
                super::partition(&f.region),
                f.name
            ))
        })
        .attr("bucket_domain_name", A::computed(Type::String), |f| {
            s(format!("{}.s3.amazonaws.com", f.name))
        })
        .attr(
            "bucket_regional_domain_name",
            A::computed(Type::String),
            |f| s(format!("{}.s3.{}.amazonaws.com", f.name, f.region)),
        )
        .attr("hosted_zone_id", A::computed(Type::String), |f| {
            opt_s(super::hosted_zone_id(&f.region))
        })
        .attr("region", A::computed(Type::String), |f| s(&f.region))
        // Version 6's name for where the bucket is (`region` being where it is managed).
        .attr("bucket_region", A::computed(Type::String), |f| s(&f.region))
        .declared("force_destroy", A::optional(Type::Bool).default(b(false)))
        // The naming scope (`global`, or `account-regional`), chosen at create: no call reads
        // it back, so it is kept as configured.
        .declared(
            "bucket_namespace",
            A::optional(Type::String).default(s("global")).force_new(),
        )
        .attr(
            "object_lock_enabled",
            A::optional_computed(Type::Bool).force_new(),
            |f| b(f.object_lock),
        )
        // A canned ACL is put, not read back: AWS answers grants, not the canned name.
        .declared("acl", A::optional(Type::String).conflicts_with(&["grant"]))
        .attr_with_prior(
            "versioning",
            A::optional_computed(Type::List(Box::new(versioning_type()))),
            |f, prior| {
                let mut v = Obj::default();
                v.set(
                    "enabled",
                    b(f.versioning.status.as_deref() == Some("Enabled")),
                )
                .set(
                    "mfa_delete",
                    b(f.versioning.mfa_delete.as_deref() == Some("Enabled")),
                );
                Some(in_shape(
                    prior,
                    "versioning",
                    blocks(&versioning_type(), vec![v]),
                ))
            },
        )
        .attr_with_prior(
            "server_side_encryption_configuration",
            A::optional_computed(Type::List(Box::new(encryption_type()))),
            |f, prior| {
                let rules = f.encryption.clone().unwrap_or_default();
                if rules.is_empty() {
                    return Some(Value::Null(Type::List(Box::new(encryption_type()))));
                }
                let mut c = Obj::default();
                c.set("rule", blocks(&encryption::rule_type(), rules));
                let actual = blocks(&encryption_type(), vec![c]);
                Some(in_shape(
                    prior,
                    "server_side_encryption_configuration",
                    actual,
                ))
            },
        )
        .attr_with_prior("policy", A::optional_computed(Type::String), |f, prior| {
            read_document(prior.and_then(|p| p.str("policy")), f.policy.as_deref())
        })
        .declared("website_endpoint", A::computed(Type::String))
        .declared("website_domain", A::computed(Type::String))
        .tagged(|f| f.tags.clone());
    // Read by their own calls (`find`), put into the value in `value`.
    for part in PARTS {
        let schema = A::optional_computed((part.ty)());
        let schema = if part.name == "grant" {
            schema.conflicts_with(&["acl"])
        } else {
            schema
        };
        t = t.declared(part.name, schema);
    }
    t
}

/// An inline part as read, in the configuration's shape (what it left null inside the blocks
/// stays null); taken whole on import, or while the part is left to AWS (unknown).
fn in_shape(prior: Option<&Obj>, name: &str, actual: Value) -> Value {
    match prior.and_then(|p| p.0.get(name)) {
        Some(configured) if configured.is_known() => fit(Some(configured), actual),
        _ => actual,
    }
}

/// `bucket_prefix` keeps its null when the name was given as `bucket` (the generic reader
/// would cut a prefix from any name ending in 26 hex digits).
fn rename_prefix(prior: Option<&crate::provider::aws::attrs::Obj>, v: Value) -> Value {
    match prior {
        Some(p) if p.str("bucket").is_some() && p.str("bucket_prefix").is_none() => {
            Value::Null(Type::String)
        }
        _ => v,
    }
}

crate::provider::aws::table::table_type!(Bucket, Found);

impl Bucket {
    /// The bucket of this name with its parts, if it exists.
    async fn find(&self, name: &str) -> ProviderResult<Option<Found>> {
        let aws = &self.aws;
        let Some(region) = super::bucket_region(aws, name).await? else {
            return Ok(None);
        };
        let object_lock = match aws
            .s3
            .get_object_lock_configuration()
            .bucket(name)
            .send()
            .await
            .map_err(err("s3:GetObjectLockConfiguration"))
        {
            Ok(out) => out
                .object_lock_configuration()
                .and_then(|c| c.object_lock_enabled())
                .is_some_and(|e| *e == ObjectLockEnabled::Enabled),
            Err(e) if e.is_not_found() => false,
            Err(e) => return Err(e),
        };
        let mut inline = Vec::with_capacity(PARTS.len());
        for part in PARTS {
            inline.push((part.name, (part.get)(aws, name).await?));
        }
        Ok(Some(Found {
            name: name.to_string(),
            region,
            tags: super::bucket_tags(aws, name).await?,
            versioning: versioning::get(aws, name).await?,
            encryption: encryption::get_rules(aws, name).await?,
            policy: policy::get(aws, name).await?,
            object_lock,
            inline,
        }))
    }

    async fn value(&self, prior: Option<Obj>, name: &str) -> ProviderResult<Option<Value>> {
        let Some(f) = self.find(name).await? else {
            return Ok(None);
        };
        let mut o = self.table.read(&self.aws, prior.clone(), &f);
        for (part, actual) in &f.inline {
            o.set(part, in_shape(prior.as_ref(), part, actual.clone()));
        }
        let hosted = o.get("website").is_some();
        let domain = website::endpoint_domain(&f.region);
        o.set(
            "website_endpoint",
            opt_s(hosted.then(|| format!("{}.{domain}", f.name))),
        )
        .set("website_domain", opt_s(hosted.then_some(domain)));
        Ok(Some(o.finish(&self.schema)))
    }

    /// Reads the bucket just made or changed (S3 may not list it at once).
    async fn read_back(&self, p: Obj, name: &str) -> ProviderResult<Value> {
        let read = || async {
            self.value(Some(p.clone()), name).await?.ok_or_else(|| {
                ProviderError::new("s3:HeadBucket", format!("bucket {name} not there yet"))
                    .with_code("NotFound")
            })
        };
        retry_while(EVENTUAL_CONSISTENCY, |e| e.is_not_found(), read).await
    }

    /// Puts the inline parts that are configured and differ from `before`.
    async fn put_parts(&self, name: &str, before: &Obj, after: &Obj) -> ProviderResult<()> {
        let aws = &self.aws;
        let changed = |k: &str| after.set_and_changed_from(before, k);
        if changed("acl") {
            aws.s3
                .put_bucket_acl()
                .bucket(name)
                .acl(BucketCannedAcl::from(after.req("acl")?.as_str()))
                .send()
                .await
                .map_err(err("s3:PutBucketAcl"))?;
        }
        if changed("versioning") {
            let v = after.block("versioning").unwrap_or_default();
            let enabled = v.bool("enabled").unwrap_or(false);
            let was = versioning::get(aws, name).await?.status;
            // Off on a bucket that never had it is how it already is.
            if enabled || was.is_some() {
                let status = if enabled { "Enabled" } else { "Suspended" };
                let mfa = v
                    .bool("mfa_delete")
                    .map(|m| if m { "Enabled" } else { "Disabled" }.to_string());
                versioning::put(aws, name, status, mfa, None).await?;
            }
        }
        if changed("server_side_encryption_configuration") {
            let rules = after
                .block("server_side_encryption_configuration")
                .map(|c| c.blocks("rule"))
                .unwrap_or_default();
            encryption::put_rules(aws, name, &rules, None).await?;
        }
        if changed("policy") {
            let p = after.req("policy")?;
            let now = before.str("policy");
            if !now.is_some_and(|n| same_policy(&n, &p)) {
                policy::put(aws, name, &p).await?;
            }
        }
        for part in PARTS {
            if changed(part.name) {
                (part.put)(aws, name, after.clone()).await?;
            }
        }
        Ok(())
    }

    /// Deletes every object version and delete marker, a thousand at a time.
    async fn empty(&self, name: &str) -> ProviderResult<()> {
        // What the last pass found: a pass that finds the same again deleted nothing, and
        // another would not either.
        let mut last: Vec<(String, Option<String>)> = Vec::new();
        loop {
            let out = self
                .aws
                .s3
                .list_object_versions()
                .bucket(name)
                .send()
                .await
                .map_err(err("s3:ListObjectVersions"))?;
            let versions = out
                .versions()
                .iter()
                .map(|v| (v.key(), v.version_id()))
                .chain(
                    out.delete_markers()
                        .iter()
                        .map(|m| (m.key(), m.version_id())),
                );
            // A version made before versioning was on has the id "null", which is how S3
            // takes it back too (without an id, S3 would add a delete marker instead).
            let found: Vec<(String, Option<String>)> = versions
                .map(|(key, version)| {
                    (
                        key.unwrap_or_default().to_string(),
                        version.map(str::to_string),
                    )
                })
                .collect();
            if found.is_empty() {
                return Ok(());
            }
            if found == last {
                return Err(ProviderError::new(
                    "s3:DeleteObjects",
                    format!(
                        "bucket {name}: {} object versions remain after deleting them (first: {})",
                        found.len(),
                        found[0].0
                    ),
                ));
            }
            let objects = found
                .iter()
                .filter_map(|(key, version)| {
                    ObjectIdentifier::builder()
                        .key(key)
                        .set_version_id(version.clone())
                        .build()
                        .ok()
                })
                .collect::<Vec<_>>();
            last = found;
            let batch = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .map_err(|e| ProviderError::new("s3:DeleteObjects", e.to_string()))?;
            let done = self
                .aws
                .s3
                .delete_objects()
                .bucket(name)
                .delete(batch)
                .send()
                .await
                .map_err(err("s3:DeleteObjects"))?;
            if let Some(e) = done.errors().first() {
                return Err(ProviderError::new(
                    "s3:DeleteObjects",
                    format!(
                        "bucket {name}: {}: {}",
                        e.key().unwrap_or_default(),
                        e.message().unwrap_or_default()
                    ),
                ));
            }
        }
    }
}

impl AsyncResourceType for Bucket {
    crate::provider::aws::by_id::reads_by_id!(value, "no bucket {id}");
    crate::provider::aws::bulk::schema_and_address!();
    crate::provider::aws::bulk::plan_tags!();

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let name = create_name(&p, "bucket", "bucket_prefix", &ctx);
        let location = (self.aws.region != "us-east-1").then(|| {
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(self.aws.region.as_str()))
                .build()
        });
        let made = self
            .aws
            .s3
            .create_bucket()
            .bucket(&name)
            .set_create_bucket_configuration(location)
            .set_object_lock_enabled_for_bucket(p.bool("object_lock_enabled"))
            // `global` is AWS's default: sent only when another scope is asked for.
            .set_bucket_namespace(
                p.str("bucket_namespace")
                    .filter(|n| n != "global")
                    .map(|n| n.as_str().into()),
            )
            .send()
            .await
            .map_err(err("s3:CreateBucket"));
        let t = tags::for_create(&self.aws, &ctx, &p);
        match made {
            Ok(_) => {}
            // Made by an apply that died before recording it: its name came from self
            // create's token, or it carries self address and lineage.
            Err(e) if e.is("BucketAlreadyOwnedByYou") => {
                let generated = p.str("bucket").is_none();
                let actual = super::bucket_tags(&self.aws, &name).await?;
                if !generated && !tags::is_ours(&ctx, &actual) {
                    return Err(ProviderError::new(
                        "s3:CreateBucket",
                        format!(
                            "bucket {name} exists already in self account and infra did not \
                             make it: import it (infra import <address> {name})"
                        ),
                    )
                    .with_code("BucketAlreadyOwnedByYou"));
                }
            }
            Err(e) => return Err(e),
        }
        super::put_bucket_tags(&self.aws, &name, &t).await?;
        self.put_parts(&name, &Obj::default(), &p).await?;
        self.read_back(p, &name).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let name = before.id()?;
        super::update_bucket_tags(&self.aws, &name, &before, &after).await?;
        self.put_parts(&name, &before, &after).await?;
        self.read_back(after, &name).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let p = Obj::of(&prior);
        let name = p.id()?;
        if p.bool("force_destroy") == Some(true) {
            gone_is_ok(self.empty(&name).await)?;
        }
        let r = self
            .aws
            .s3
            .delete_bucket()
            .bucket(&name)
            .send()
            .await
            .map_err(err("s3:DeleteBucket"));
        match r {
            Err(e) if e.is("BucketNotEmpty") => Err(ProviderError::new(
                "s3:DeleteBucket",
                format!(
                    "bucket {name} is not empty: delete its objects, or set \
                     force_destroy = true and apply before destroying"
                ),
            )
            .with_code("BucketNotEmpty")),
            r => gone_is_ok(r),
        }
    }
}
