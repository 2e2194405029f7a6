//! `aws_s3_bucket_server_side_encryption_configuration`: a bucket's default encryption, and
//! the calls the bucket's own (deprecated) `server_side_encryption_configuration` block makes
//! with the same `rule` blocks. Deleting the resource removes the configuration (AWS then
//! encrypts new objects with its own default, SSE-S3).

use super::bucket_config::Part;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, b, blocks, opt_s, set_s};
use crate::provider::aws::sdk::err;
use crate::provider::schema::block_object;
use crate::provider::{AttrSchema, ProviderError, ProviderResult};
use aws_sdk_s3::types::{
    BlockedEncryptionTypes, EncryptionType, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
};

fn default_type() -> Type {
    block_object(&[
        ("sse_algorithm", Type::String),
        ("kms_master_key_id", Type::String),
    ])
}

/// The element type of `rule` blocks.
pub fn rule_type() -> Type {
    block_object(&[
        (
            "apply_server_side_encryption_by_default",
            Type::List(Box::new(default_type())),
        ),
        ("bucket_key_enabled", Type::Bool),
        // Encryption types uploads may not use (`SSE-C`), or `NONE`.
        (
            "blocked_encryption_types",
            Type::Set(Box::new(Type::String)),
        ),
    ])
}

/// The bucket's encryption rules, `None` when it has no configuration.
pub async fn get_rules(aws: &Aws, bucket: &str) -> ProviderResult<Option<Vec<Obj>>> {
    let out = aws
        .s3
        .get_bucket_encryption()
        .bucket(bucket)
        .send()
        .await
        .map_err(err("s3:GetBucketEncryption"));
    let out = match out {
        Err(e) if e.is_not_found() => return Ok(None),
        r => r?,
    };
    let rules = out
        .server_side_encryption_configuration()
        .map(|c| c.rules())
        .unwrap_or_default();
    Ok(Some(
        rules
            .iter()
            .map(|r| {
                let by_default: Vec<Obj> = r
                    .apply_server_side_encryption_by_default()
                    .map(|d| {
                        let mut x = Obj::default();
                        x.set("sse_algorithm", opt_s(Some(d.sse_algorithm().as_str())))
                            .set("kms_master_key_id", opt_s(d.kms_master_key_id()));
                        x
                    })
                    .into_iter()
                    .collect();
                let mut o = Obj::default();
                o.set(
                    "apply_server_side_encryption_by_default",
                    blocks(&default_type(), by_default),
                )
                .set(
                    "bucket_key_enabled",
                    b(r.bucket_key_enabled().unwrap_or(false)),
                )
                .set(
                    "blocked_encryption_types",
                    match r.blocked_encryption_types() {
                        Some(t) => set_s(t.encryption_type().iter().map(|e| e.as_str())),
                        None => Value::Null(Type::Set(Box::new(Type::String))),
                    },
                );
                o
            })
            .collect(),
    ))
}

/// Puts the bucket's encryption rules (the whole configuration).
pub async fn put_rules(
    aws: &Aws,
    bucket: &str,
    rules: &[Obj],
    owner: Option<String>,
) -> ProviderResult<()> {
    let mut built = Vec::new();
    for r in rules {
        let by_default = match r.block("apply_server_side_encryption_by_default") {
            Some(d) => Some(
                ServerSideEncryptionByDefault::builder()
                    .sse_algorithm(ServerSideEncryption::from(d.req("sse_algorithm")?.as_str()))
                    .set_kms_master_key_id(d.str("kms_master_key_id"))
                    .build()
                    .map_err(|e| ProviderError::new("s3:PutBucketEncryption", e.to_string()))?,
            ),
            None => None,
        };
        built.push(
            ServerSideEncryptionRule::builder()
                .set_apply_server_side_encryption_by_default(by_default)
                .set_bucket_key_enabled(r.bool("bucket_key_enabled"))
                .set_blocked_encryption_types(r.get("blocked_encryption_types").map(|_| {
                    BlockedEncryptionTypes::builder()
                        .set_encryption_type(Some(
                            r.strs("blocked_encryption_types")
                                .iter()
                                .map(|t| EncryptionType::from(t.as_str()))
                                .collect(),
                        ))
                        .build()
                }))
                .build(),
        );
    }
    let config = ServerSideEncryptionConfiguration::builder()
        .set_rules(Some(built))
        .build()
        .map_err(|e| ProviderError::new("s3:PutBucketEncryption", e.to_string()))?;
    aws.s3
        .put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(config)
        .set_expected_bucket_owner(owner)
        .send()
        .await
        .map(drop)
        .map_err(err("s3:PutBucketEncryption"))
}

fn attrs() -> Vec<(&'static str, AttrSchema)> {
    vec![(
        "rule",
        AttrSchema::required(Type::List(Box::new(rule_type()))),
    )]
}

pub static PART: Part = Part {
    type_name: "aws_s3_bucket_server_side_encryption_configuration",
    attrs,
    get: |aws, bucket| {
        Box::pin(async move {
            Ok(get_rules(&aws, &bucket).await?.map(|rules| {
                let mut o = Obj::default();
                o.set("rule", blocks(&rule_type(), rules));
                o
            }))
        })
    },
    put: |aws, bucket, p| {
        Box::pin(async move {
            put_rules(
                &aws,
                &bucket,
                &p.blocks("rule"),
                p.str("expected_bucket_owner"),
            )
            .await
        })
    },
    remove: |aws, bucket, _p| {
        Box::pin(async move {
            aws.s3
                .delete_bucket_encryption()
                .bucket(&bucket)
                .send()
                .await
                .map(drop)
                .map_err(err("s3:DeleteBucketEncryption"))
        })
    },
};
