//! A bucket's inline `logging` block: where S3 writes its access logs (GetBucketLogging,
//! PutBucketLogging; an empty status turns logging off).

use super::inline::built;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::ProviderResult;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, blocks_or_null, opt_s};
use crate::provider::aws::sdk::err;
use crate::provider::schema::block_object;
use aws_sdk_s3::types::{BucketLoggingStatus, LoggingEnabled};

fn logging_ty() -> Type {
    block_object(&[
        ("target_bucket", Type::String),
        ("target_prefix", Type::String),
    ])
}

pub fn ty() -> Type {
    Type::List(Box::new(logging_ty()))
}

pub async fn get(aws: &Aws, bucket: &str) -> ProviderResult<Value> {
    let out = aws
        .s3
        .get_bucket_logging()
        .bucket(bucket)
        .send()
        .await
        .map_err(err("s3:GetBucketLogging"))?;
    let logging = out.logging_enabled().map(|l| {
        let mut x = Obj::default();
        x.set("target_bucket", opt_s(Some(l.target_bucket())))
            .set("target_prefix", opt_s(Some(l.target_prefix())));
        x
    });
    Ok(blocks_or_null(&logging_ty(), logging.into_iter().collect()))
}

pub async fn put(aws: &Aws, bucket: &str, p: Obj) -> ProviderResult<()> {
    let enabled = match p.block("logging") {
        Some(l) => Some(built(
            "logging",
            LoggingEnabled::builder()
                .set_target_bucket(l.str("target_bucket"))
                .target_prefix(l.str("target_prefix").unwrap_or_default())
                .build(),
        )?),
        None => None,
    };
    aws.s3
        .put_bucket_logging()
        .bucket(bucket)
        .bucket_logging_status(
            BucketLoggingStatus::builder()
                .set_logging_enabled(enabled)
                .build(),
        )
        .send()
        .await
        .map_err(err("s3:PutBucketLogging"))?;
    Ok(())
}
