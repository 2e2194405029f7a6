//! `aws_s3_object` (and its old name `aws_s3_bucket_object`): one object, its body from
//! `content`, `content_base64` or the file `source` (read when applied). The bucket and key
//! replace it; a new body or new headers put it again in place (a new `version_id` on a
//! versioned bucket), tags alone change through the object's tagging. As in Terraform, a file
//! named by `source` is only noticed to have changed through `etag` or `source_hash`.
//! `override_provider.default_tags` stands for the provider's default tags on this object
//! (S3 keeps at most ten tags on an object).

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, b, map_s, opt_s, s};
use crate::provider::aws::sdk::{err, gone_is_ok};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::{self, Tags};
use crate::provider::schema::block_object;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult,
};
use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ObjectCannedAcl, ServerSideEncryption, StorageClass};
use base64::Engine;
use std::borrow::Cow;

/// An object as read: where it is, its headers and its tags.
pub struct Found {
    bucket: String,
    key: String,
    head: HeadObjectOutput,
    tags: Tags,
}

/// The checksums S3 keeps of the body: new with every put.
const CHECKSUMS: [&str; 5] = [
    "checksum_crc32",
    "checksum_crc32c",
    "checksum_crc64nvme",
    "checksum_sha1",
    "checksum_sha256",
];

/// What a change to puts the body again (and so gives a new etag and version).
const BODY: [&str; 5] = ["content", "content_base64", "source", "source_hash", "etag"];

/// The headers an object is put with, read back from HeadObject.
const HEADERS: [&str; 7] = [
    "cache_control",
    "content_disposition",
    "content_encoding",
    "content_language",
    "website_redirect",
    "acl",
    "metadata",
];

fn table() -> Table<Found> {
    use AttrSchema as A;
    let str_ = || A::optional(Type::String);
    Table::<Found>::new()
        .attr("id", A::computed(Type::String), |f| s(&f.key))
        .attr("bucket", A::required(Type::String).force_new(), |f| {
            s(&f.bucket)
        })
        .attr("key", A::required(Type::String).force_new(), |f| s(&f.key))
        .attr("arn", A::computed(Type::String), |f| {
            s(format!("arn:aws:s3:::{}/{}", f.bucket, f.key))
        })
        .declared(
            "content",
            str_().conflicts_with(&["content_base64", "source"]),
        )
        .declared("content_base64", str_().conflicts_with(&["source"]))
        .declared("source", str_())
        .declared("source_hash", str_())
        .declared("acl", str_())
        .declared("force_destroy", A::optional(Type::Bool).default(b(false)))
        .declared(
            "override_provider",
            A::optional(Type::List(Box::new(override_ty()))),
        )
        .attr("etag", A::optional_computed(Type::String), |f| {
            opt_s(f.head.e_tag().map(|e| e.trim_matches('"')))
        })
        .attr("version_id", A::computed(Type::String), |f| {
            opt_s(f.head.version_id().filter(|v| *v != "null"))
        })
        .attr("content_type", A::optional_computed(Type::String), |f| {
            opt_s(f.head.content_type())
        })
        .attr("cache_control", str_(), |f| opt_s(f.head.cache_control()))
        .attr("content_disposition", str_(), |f| {
            opt_s(f.head.content_disposition())
        })
        .attr("content_encoding", str_(), |f| {
            opt_s(f.head.content_encoding())
        })
        .attr("content_language", str_(), |f| {
            opt_s(f.head.content_language())
        })
        .attr("website_redirect", str_(), |f| {
            opt_s(f.head.website_redirect_location())
        })
        .attr(
            "metadata",
            A::optional(Type::Map(Box::new(Type::String))),
            |f| match f.head.metadata() {
                Some(m) if !m.is_empty() => map_s(&m.clone().into_iter().collect()),
                _ => Value::Null(Type::Map(Box::new(Type::String))),
            },
        )
        .attr("storage_class", A::optional_computed(Type::String), |f| {
            s(f.head
                .storage_class()
                .map_or("STANDARD", StorageClass::as_str))
        })
        .attr(
            "server_side_encryption",
            A::optional_computed(Type::String),
            |f| opt_s(f.head.server_side_encryption().map(|x| x.as_str())),
        )
        .attr("kms_key_id", A::optional_computed(Type::String), |f| {
            opt_s(f.head.ssekms_key_id())
        })
        .attr(
            "bucket_key_enabled",
            A::optional_computed(Type::Bool),
            |f| b(f.head.bucket_key_enabled().unwrap_or(false)),
        )
        // The algorithm a put computes a checksum with (AWS answers the checksums, not it).
        .declared("checksum_algorithm", A::optional(Type::String))
        .attr("checksum_crc32", A::computed(Type::String), |f| {
            opt_s(f.head.checksum_crc32())
        })
        .attr("checksum_crc32c", A::computed(Type::String), |f| {
            opt_s(f.head.checksum_crc32_c())
        })
        .attr("checksum_crc64nvme", A::computed(Type::String), |f| {
            opt_s(f.head.checksum_crc64_nvme())
        })
        .attr("checksum_sha1", A::computed(Type::String), |f| {
            opt_s(f.head.checksum_sha1())
        })
        .attr("checksum_sha256", A::computed(Type::String), |f| {
            opt_s(f.head.checksum_sha256())
        })
        // Object lock (a bucket made with it): a legal hold, and a retention mode and date.
        .attr("object_lock_legal_hold_status", str_(), |f| {
            opt_s(f.head.object_lock_legal_hold_status().map(|x| x.as_str()))
        })
        .attr("object_lock_mode", str_(), |f| {
            opt_s(f.head.object_lock_mode().map(|x| x.as_str()))
        })
        .attr("object_lock_retain_until_date", str_(), |f| {
            opt_s(
                f.head
                    .object_lock_retain_until_date()
                    .and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok()),
            )
        })
        .tagged(|f| f.tags.clone())
}

crate::provider::aws::table::table_type!(S3Object, Found);

fn override_ty() -> Type {
    let default_tags = block_object(&[("tags", Type::Map(Box::new(Type::String)))]);
    block_object(&[("default_tags", Type::List(Box::new(default_tags)))])
}

/// The provider as an object configured with `p` sees it: with its
/// `override_provider.default_tags` (none when that block has no tags) in place of the
/// provider's.
fn provider_for<'a>(aws: &'a Aws, p: Option<&Obj>) -> Cow<'a, Aws> {
    let Some(o) = p.and_then(|p| p.block("override_provider")) else {
        return Cow::Borrowed(aws);
    };
    let mut own = aws.clone();
    own.default_tags = o
        .block("default_tags")
        .map(|d| d.map("tags"))
        .unwrap_or_default();
    Cow::Owned(own)
}

/// The body to put: `content`, `content_base64` decoded, or the file `source`.
fn body(p: &Obj) -> ProviderResult<Vec<u8>> {
    if let Some(text) = p.get("content").and_then(Value::as_str) {
        return Ok(text.as_bytes().to_vec());
    }
    if let Some(encoded) = p.str("content_base64") {
        return base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|e| ProviderError::new("s3:PutObject", format!("content_base64: {e}")));
    }
    if let Some(path) = p.str("source") {
        return std::fs::read(&path)
            .map_err(|e| ProviderError::new("s3:PutObject", format!("source {path}: {e}")));
    }
    Ok(Vec::new())
}

/// `bucket/key`, `s3://bucket/key`: Terraform's import ids.
fn parse_id(id: &str) -> Option<(String, String)> {
    let rest = id.strip_prefix("s3://").unwrap_or(id);
    let (bucket, key) = rest.split_once('/')?;
    (!bucket.is_empty() && !key.is_empty()).then(|| (bucket.to_string(), key.to_string()))
}

impl S3Object {
    async fn find(&self, bucket: &str, key: &str) -> ProviderResult<Option<Found>> {
        let head = self
            .aws
            .s3
            .head_object()
            .bucket(bucket)
            .key(key)
            .checksum_mode(aws_sdk_s3::types::ChecksumMode::Enabled)
            .send()
            .await
            .map_err(err("s3:HeadObject"));
        let head = match head {
            Err(e) if e.is_not_found() || e.is("NotFound") => return Ok(None),
            r => r?,
        };
        let tagging = self
            .aws
            .s3
            .get_object_tagging()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(err("s3:GetObjectTagging"))?;
        Ok(Some(Found {
            bucket: bucket.to_string(),
            key: key.to_string(),
            head,
            tags: tagging
                .tag_set()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect(),
        }))
    }

    async fn value(
        &self,
        prior: Option<Obj>,
        bucket: &str,
        key: &str,
    ) -> ProviderResult<Option<Value>> {
        Ok(self.find(bucket, key).await?.map(|f| {
            let aws = provider_for(&self.aws, prior.as_ref());
            self.table.read(&aws, prior, &f).finish(&self.schema)
        }))
    }

    /// Puts the object: its body, headers and tags (`t`, infra's own among them).
    async fn put(&self, p: &Obj, t: &Tags) -> ProviderResult<()> {
        let bucket = p.req("bucket")?;
        let key = p.req("key")?;
        let metadata = p.map("metadata");
        self.aws
            .s3
            .put_object()
            .bucket(&bucket)
            .key(&key)
            .body(ByteStream::from(body(p)?))
            .set_acl(p.str("acl").map(|a| ObjectCannedAcl::from(a.as_str())))
            .set_content_type(p.str("content_type"))
            .set_cache_control(p.str("cache_control"))
            .set_content_disposition(p.str("content_disposition"))
            .set_content_encoding(p.str("content_encoding"))
            .set_content_language(p.str("content_language"))
            .set_website_redirect_location(p.str("website_redirect"))
            .set_metadata((!metadata.is_empty()).then(|| metadata.into_iter().collect()))
            .set_storage_class(
                p.str("storage_class")
                    .map(|c| StorageClass::from(c.as_str())),
            )
            .set_server_side_encryption(
                p.str("server_side_encryption")
                    .map(|c| ServerSideEncryption::from(c.as_str())),
            )
            .set_ssekms_key_id(p.str("kms_key_id"))
            .set_bucket_key_enabled(p.bool("bucket_key_enabled"))
            .set_object_lock_legal_hold_status(
                p.str("object_lock_legal_hold_status")
                    .map(|v| v.as_str().into()),
            )
            .set_object_lock_mode(p.str("object_lock_mode").map(|v| v.as_str().into()))
            .set_object_lock_retain_until_date(retain_until(p))
            .set_tagging((!t.is_empty()).then(|| url_query(t)))
            .set_checksum_algorithm(
                p.str("checksum_algorithm")
                    .map(|a| aws_sdk_s3::types::ChecksumAlgorithm::from(a.as_str())),
            )
            .send()
            .await
            .map_err(err("s3:PutObject"))?;
        Ok(())
    }

    /// A changed legal hold or retention, set on the object as it is (no new version).
    async fn put_lock(&self, before: &Obj, after: &Obj) -> ProviderResult<()> {
        let (bucket, key) = (after.req("bucket")?, after.req("key")?);
        if after.set_and_changed_from(before, "object_lock_legal_hold_status") {
            let status = after.req("object_lock_legal_hold_status")?;
            self.aws
                .s3
                .put_object_legal_hold()
                .bucket(&bucket)
                .key(&key)
                .legal_hold(
                    aws_sdk_s3::types::ObjectLockLegalHold::builder()
                        .status(status.as_str().into())
                        .build(),
                )
                .send()
                .await
                .map_err(err("s3:PutObjectLegalHold"))?;
        }
        if after.set_and_changed_from(before, "object_lock_mode")
            || after.set_and_changed_from(before, "object_lock_retain_until_date")
        {
            self.aws
                .s3
                .put_object_retention()
                .bucket(&bucket)
                .key(&key)
                .retention(
                    aws_sdk_s3::types::ObjectLockRetention::builder()
                        .set_mode(after.str("object_lock_mode").map(|m| m.as_str().into()))
                        .set_retain_until_date(retain_until(after))
                        .build(),
                )
                .send()
                .await
                .map_err(err("s3:PutObjectRetention"))?;
        }
        Ok(())
    }

    /// The object's whole new tag set: its infra tags as it has them, and the planned ones.
    async fn whole_tags(&self, p: &Obj) -> ProviderResult<Tags> {
        let (bucket, key) = (p.req("bucket")?, p.req("key")?);
        let current = self.find(&bucket, &key).await?.map(|f| f.tags);
        let aws = provider_for(&self.aws, Some(p));
        Ok(tags::whole_set(&aws, current.unwrap_or_default(), p))
    }

    async fn put_tags(&self, p: &Obj, before: &Obj) -> ProviderResult<()> {
        if before.map("tags_all") == tags::merged(&provider_for(&self.aws, Some(p)), &p.map("tags"))
        {
            return Ok(());
        }
        let (bucket, key) = (p.req("bucket")?, p.req("key")?);
        let all = self.whole_tags(p).await?;
        self.aws
            .s3
            .put_object_tagging()
            .bucket(&bucket)
            .key(&key)
            .tagging(super::tagging(&all)?)
            .send()
            .await
            .map(drop)
            .map_err(err("s3:PutObjectTagging"))
    }

    async fn read_back(&self, p: Obj) -> ProviderResult<Value> {
        let (bucket, key) = (p.req("bucket")?, p.req("key")?);
        self.value(Some(p), &bucket, &key).await?.ok_or_else(|| {
            ProviderError::new("s3:HeadObject", format!("{bucket}/{key} vanished"))
                .with_code("NotFound")
        })
    }

    /// Deletes every version of the key (one call on a bucket without versioning).
    async fn delete_all(&self, bucket: &str, key: &str) -> ProviderResult<()> {
        let out = self
            .aws
            .s3
            .list_object_versions()
            .bucket(bucket)
            .prefix(key)
            .send()
            .await
            .map_err(err("s3:ListObjectVersions"))?;
        let mut versions: Vec<Option<String>> = out
            .versions()
            .iter()
            .filter(|v| v.key() == Some(key))
            .map(|v| v.version_id().map(str::to_string))
            .chain(
                out.delete_markers()
                    .iter()
                    .filter(|m| m.key() == Some(key))
                    .map(|m| m.version_id().map(str::to_string)),
            )
            .filter(|v| v.as_deref() != Some("null"))
            .collect();
        if versions.is_empty() {
            versions.push(None);
        }
        for version in versions {
            self.aws
                .s3
                .delete_object()
                .bucket(bucket)
                .key(key)
                .set_version_id(version)
                .send()
                .await
                .map_err(err("s3:DeleteObject"))?;
        }
        Ok(())
    }
}

/// The configured retention date (RFC 3339), as S3 takes it.
fn retain_until(p: &Obj) -> Option<aws_smithy_types::DateTime> {
    p.str("object_lock_retain_until_date").and_then(|d| {
        aws_smithy_types::DateTime::from_str(&d, aws_smithy_types::date_time::Format::DateTime).ok()
    })
}

/// Whether going from `before` to `after` puts the object again: anything but its tags
/// changed (an unknown value counts as changed).
fn puts_again(before: &Obj, after: &Obj) -> bool {
    const FIXED: [&str; 5] = [
        "content_type",
        "storage_class",
        "server_side_encryption",
        "kms_key_id",
        "checksum_algorithm",
    ];
    BODY.iter()
        .chain(HEADERS.iter())
        .chain(FIXED.iter())
        .any(|k| match (before.0.get(*k), after.0.get(*k)) {
            (_, Some(v)) if !v.is_wholly_known() => true,
            (x, y) => x.map(Value::to_json) != y.map(Value::to_json),
        })
}

/// Tags as the `x-amz-tagging` header's URL query (`k1=v1&k2=v2`).
fn url_query(t: &Tags) -> String {
    let enc = |x: &str| {
        x.bytes()
            .map(|c| match c {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (c as char).to_string()
                }
                _ => format!("%{c:02X}"),
            })
            .collect::<String>()
    };
    t.iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl AsyncResourceType for S3Object {
    crate::provider::aws::bulk::schema_and_address!();

    /// A new body or new headers give a new etag (unless configured) and version.
    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        let aws = provider_for(&self.aws, Some(&Obj::of(&planned)));
        let planned = tags::plan(&aws, planned);
        let Some(prior) = prior else { return planned };
        let (before, mut after) = (Obj::of(prior), Obj::of(&planned));
        if !puts_again(&before, &after) {
            return planned;
        }
        if before.0.get("etag").map(Value::to_json) == after.0.get("etag").map(Value::to_json) {
            after.set("etag", Value::Unknown(Type::String));
        }
        after.set("version_id", Value::Unknown(Type::String));
        for sum in CHECKSUMS {
            after.set(sum, Value::Unknown(Type::String));
        }
        Value::object(after.0)
    }

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let t = tags::for_create(&provider_for(&self.aws, Some(&p)), &ctx, &p);
        // PutObject replaces: a retry after a crash puts the same object again.
        self.put(&p, &t).await?;
        self.read_back(p).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        if puts_again(&before, &after) {
            let t = self.whole_tags(&after).await?;
            self.put(&after, &t).await?;
        } else {
            self.put_tags(&after, &before).await?;
            self.put_lock(&before, &after).await?;
        }
        self.read_back(after).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let p = Obj::of(&prior);
        gone_is_ok(self.delete_all(&p.req("bucket")?, &p.req("key")?).await)
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        let p = Obj::of(&prior);
        let (bucket, key) = (p.req("bucket")?, p.req("key")?);
        self.value(Some(p), &bucket, &key).await
    }

    async fn import(&self, id: &str) -> ProviderResult<Value> {
        let (bucket, key) = parse_id(id).ok_or_else(|| {
            ProviderError::new(
                "import",
                format!("{id:?}: an object is imported as bucket/key (or s3://bucket/key)"),
            )
        })?;
        self.value(None, &bucket, &key)
            .await?
            .ok_or_else(|| ProviderError::new("import", format!("no object {bucket}/{key}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids_and_tag_headers() {
        assert_eq!(
            parse_id("s3://logs/a/b.txt"),
            Some(("logs".into(), "a/b.txt".into()))
        );
        assert_eq!(parse_id("logs/k"), Some(("logs".into(), "k".into())));
        assert_eq!(parse_id("logs"), None);
        let mut t = Tags::new();
        t.insert("infra:address".into(), "aws_s3_object.x[\"a b\"]".into());
        t.insert("Team".into(), "p&q".into());
        assert_eq!(
            url_query(&t),
            "Team=p%26q&infra%3Aaddress=aws_s3_object.x%5B%22a%20b%22%5D"
        );
    }

    #[test]
    fn a_body_comes_from_content_base64_or_a_file() {
        let mut p = Obj::default();
        p.set("content_base64", s("aGVsbG8="));
        assert_eq!(body(&p).unwrap(), b"hello");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("boot.sh");
        std::fs::write(&file, "#!/bin/sh\n").unwrap();
        let mut p = Obj::default();
        p.set("source", s(file.to_str().unwrap()));
        assert_eq!(body(&p).unwrap(), b"#!/bin/sh\n");
        p.set("source", s("/nonexistent/boot.sh"));
        let e = body(&p).unwrap_err().to_string();
        assert!(e.contains("/nonexistent/boot.sh"), "{e}");
    }
}
