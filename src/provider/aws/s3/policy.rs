//! `aws_s3_bucket_policy`, and the calls the bucket's own (deprecated) `policy` argument
//! makes. A policy reads back in AWS's formatting; [`BucketConfig`](super::bucket_config)
//! keeps the configured text while it means the same.

use super::bucket_config::Part;
use crate::lang::types::Type;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, s};
use crate::provider::aws::sdk::err;
use crate::provider::{AttrSchema, ProviderResult};

/// The bucket's policy document, `None` when it has none.
pub async fn get(aws: &Aws, bucket: &str) -> ProviderResult<Option<String>> {
    match aws
        .s3
        .get_bucket_policy()
        .bucket(bucket)
        .send()
        .await
        .map_err(err("s3:GetBucketPolicy"))
    {
        Ok(out) => Ok(out.policy().map(str::to_string)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn put(aws: &Aws, bucket: &str, policy: &str) -> ProviderResult<()> {
    aws.s3
        .put_bucket_policy()
        .bucket(bucket)
        .policy(policy)
        .send()
        .await
        .map(drop)
        .map_err(err("s3:PutBucketPolicy"))
}

pub async fn delete(aws: &Aws, bucket: &str) -> ProviderResult<()> {
    aws.s3
        .delete_bucket_policy()
        .bucket(bucket)
        .send()
        .await
        .map(drop)
        .map_err(err("s3:DeleteBucketPolicy"))
}

fn attrs() -> Vec<(&'static str, AttrSchema)> {
    vec![("policy", AttrSchema::required(Type::String))]
}

pub static PART: Part = Part {
    type_name: "aws_s3_bucket_policy",
    attrs,
    get: |aws, bucket| {
        Box::pin(async move {
            Ok(get(&aws, &bucket).await?.map(|p| {
                let mut o = Obj::default();
                o.set("policy", s(p));
                o
            }))
        })
    },
    put: |aws, bucket, p| Box::pin(async move { put(&aws, &bucket, &p.req("policy")?).await }),
    remove: |aws, bucket, _p| Box::pin(async move { delete(&aws, &bucket).await }),
};
