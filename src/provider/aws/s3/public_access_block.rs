//! `aws_s3_bucket_public_access_block`: the four switches that keep a bucket from being made
//! public, put together (each defaults to false, as in the AWS provider).

use super::bucket_config::Part;
use crate::lang::types::Type;
use crate::provider::aws::attrs::{Obj, b};
use crate::provider::aws::sdk::err;
use crate::provider::{AttrSchema, ProviderResult};
use aws_sdk_s3::types::PublicAccessBlockConfiguration;

const SWITCHES: [&str; 4] = [
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
];

fn attrs() -> Vec<(&'static str, AttrSchema)> {
    let mut attrs: Vec<_> = SWITCHES
        .iter()
        .map(|k| (*k, AttrSchema::optional(Type::Bool).default(b(false))))
        .collect();
    // Left in place when the resource goes (what only the configuration knows).
    attrs.push((
        "skip_destroy",
        AttrSchema::optional(Type::Bool).default(b(false)),
    ));
    attrs
}

pub static PART: Part = Part {
    type_name: "aws_s3_bucket_public_access_block",
    attrs,
    get: |aws, bucket| {
        Box::pin(async move {
            let out = aws
                .s3
                .get_public_access_block()
                .bucket(&bucket)
                .send()
                .await
                .map_err(err("s3:GetPublicAccessBlock"));
            let out = match out {
                Err(e) if e.is_not_found() => return Ok(None),
                r => r?,
            };
            let c = out.public_access_block_configuration();
            let on = |f: fn(&PublicAccessBlockConfiguration) -> Option<bool>| {
                b(c.and_then(f).unwrap_or(false))
            };
            let mut o = Obj::default();
            o.set("block_public_acls", on(|c| c.block_public_acls()))
                .set("block_public_policy", on(|c| c.block_public_policy()))
                .set("ignore_public_acls", on(|c| c.ignore_public_acls()))
                .set(
                    "restrict_public_buckets",
                    on(|c| c.restrict_public_buckets()),
                );
            Ok(Some(o))
        })
    },
    put: |aws, bucket, p| {
        Box::pin(async move {
            let on = |k: &str| p.bool(k).unwrap_or(false);
            let config = PublicAccessBlockConfiguration::builder()
                .block_public_acls(on("block_public_acls"))
                .block_public_policy(on("block_public_policy"))
                .ignore_public_acls(on("ignore_public_acls"))
                .restrict_public_buckets(on("restrict_public_buckets"))
                .build();
            aws.s3
                .put_public_access_block()
                .bucket(&bucket)
                .public_access_block_configuration(config)
                .set_expected_bucket_owner(p.str("expected_bucket_owner"))
                .send()
                .await
                .map(drop)
                .map_err(err("s3:PutPublicAccessBlock"))
        })
    },
    remove: |aws, bucket, _p| Box::pin(async move { delete(&aws, &bucket).await }),
};

async fn delete(aws: &crate::provider::aws::Aws, bucket: &str) -> ProviderResult<()> {
    aws.s3
        .delete_public_access_block()
        .bucket(bucket)
        .send()
        .await
        .map(drop)
        .map_err(err("s3:DeletePublicAccessBlock"))
}
