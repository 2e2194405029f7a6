//! The resources that each hold one part of a bucket's configuration
//! (`aws_s3_bucket_versioning`, `aws_s3_bucket_public_access_block`,
//! `aws_s3_bucket_server_side_encryption_configuration`, `aws_s3_bucket_policy`): one
//! generic resource over a [`Part`], the three S3 calls that put, get and remove that part.
//! Their id is the bucket's name; the bucket replaces them; everything else is put again in
//! place (each put replaces the whole part).

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, s};
use crate::provider::aws::iam::common::same_policy;
use crate::provider::aws::launch::fit;
use crate::provider::aws::sdk::{EVENTUAL_CONSISTENCY, gone_is_ok, retry_while};
use crate::provider::aws::table::Table;
use crate::provider::schema::is_block_type;
use crate::provider::{
    AsyncResourceType, AttrSchema, BoxFuture, CreateContext, ProviderError, ProviderResult, Schema,
};
use std::sync::Arc;

/// Reads the part: its attributes (beyond `bucket` and `id`), `None` when the bucket has none.
pub type Get = fn(Arc<Aws>, String) -> BoxFuture<ProviderResult<Option<Obj>>>;
/// Puts the part from the planned attributes.
pub type Put = fn(Arc<Aws>, String, Obj) -> BoxFuture<ProviderResult<()>>;
/// Removes the part (what deleting the resource means to the bucket).
pub type Remove = fn(Arc<Aws>, String, Obj) -> BoxFuture<ProviderResult<()>>;

/// One part of a bucket's configuration.
pub struct Part {
    /// The resource type's name, for messages.
    pub type_name: &'static str,
    /// The part's own attributes (`bucket`, `id` and `expected_bucket_owner` are added).
    pub attrs: fn() -> Vec<(&'static str, AttrSchema)>,
    pub get: Get,
    pub put: Put,
    pub remove: Remove,
}

/// A resource type holding one [`Part`] of a bucket.
#[derive(Clone)]
pub struct BucketConfig {
    aws: Arc<Aws>,
    part: &'static Part,
    schema: Arc<Schema>,
}

impl BucketConfig {
    pub fn new(aws: &Arc<Aws>, part: &'static Part) -> BucketConfig {
        // Every attribute is read by the part's own call (see `value`): declared, not read
        // from a described object.
        let mut table = Table::<()>::new()
            .declared("id", AttrSchema::computed(Type::String))
            .declared("bucket", AttrSchema::required(Type::String).force_new())
            .declared(
                "expected_bucket_owner",
                AttrSchema::optional(Type::String).force_new(),
            );
        for (name, schema) in (part.attrs)() {
            table = table.declared(name, schema);
        }
        BucketConfig {
            aws: aws.clone(),
            part,
            schema: Arc::new(table.schema()),
        }
    }

    /// The part as it is now over `prior` (what only the configuration knows stays), or
    /// `None` when the bucket or the part is gone.
    async fn value(&self, prior: Option<Obj>, bucket: &str) -> ProviderResult<Option<Value>> {
        if super::bucket_region(&self.aws, bucket).await?.is_none() {
            return Ok(None);
        }
        let Some(read) = (self.part.get)(self.aws.clone(), bucket.to_string()).await? else {
            return Ok(None);
        };
        let mut o = prior.unwrap_or_default();
        for (k, v) in read.0 {
            // Nested blocks in the configuration's shape: what it left null stays null.
            // A JSON document (a policy) keeps its configured text while it means the same.
            let same_document = |prior: &Value| match (prior.as_str(), v.as_str()) {
                (Some(p), Some(now)) => p != now && same_policy(p, now),
                _ => false,
            };
            let v = match o.0.get(&k) {
                _ if is_block_type(&v.ty()) => fit(o.0.get(&k), v),
                Some(prior) if same_document(prior) => prior.clone(),
                _ => v,
            };
            o.set(&k, v);
        }
        o.set("id", s(bucket)).set("bucket", s(bucket));
        Ok(Some(o.finish(&self.schema)))
    }

    /// Puts the part and reads it back (S3 may answer the old part for a moment).
    async fn put(&self, p: Obj) -> ProviderResult<Value> {
        let bucket = p.req("bucket")?;
        (self.part.put)(self.aws.clone(), bucket.clone(), p.clone()).await?;
        let read = || async {
            self.value(Some(p.clone()), &bucket).await?.ok_or_else(|| {
                ProviderError::new(self.part.type_name, format!("{bucket}: not there yet"))
                    .with_code("NotFound")
            })
        };
        retry_while(EVENTUAL_CONSISTENCY, |e| e.is_not_found(), read).await
    }
}

impl AsyncResourceType for BucketConfig {
    crate::provider::aws::bulk::schema_and_address!();

    async fn create(&self, _ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        self.put(Obj::of(&planned)).await
    }

    async fn update(&self, _prior: Value, planned: Value) -> ProviderResult<Value> {
        self.put(Obj::of(&planned)).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let p = Obj::of(&prior);
        let bucket = p.id()?;
        // `skip_destroy` (a part that declares it) leaves the part on the bucket.
        if p.bool("skip_destroy") == Some(true) {
            return Ok(());
        }
        gone_is_ok((self.part.remove)(self.aws.clone(), bucket, p).await)
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        let p = Obj::of(&prior);
        let bucket = p.id()?;
        self.value(Some(p), &bucket).await
    }

    async fn import(&self, id: &str) -> ProviderResult<Value> {
        // Terraform's id is the bucket, or `bucket,expected_bucket_owner`.
        let (bucket, owner) = match id.split_once(',') {
            Some((b, o)) => (b.to_string(), Some(o.to_string())),
            None => (id.to_string(), None),
        };
        let mut prior = Obj::default();
        if let Some(o) = owner {
            prior.set("expected_bucket_owner", s(o));
        }
        self.value(Some(prior), &bucket).await?.ok_or_else(|| {
            ProviderError::new(
                "import",
                format!("bucket {bucket} has no {}", self.part.type_name),
            )
        })
    }
}
