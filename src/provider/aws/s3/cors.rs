//! A bucket's inline `cors_rule` blocks: GetBucketCors, PutBucketCors (DeleteBucketCors when
//! the configuration gives none).

use super::inline::{built, none_if_absent};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::ProviderResult;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, blocks_or_null, list_s, opt_n};
use crate::provider::aws::sdk::err;
use crate::provider::schema::block_object;
use aws_sdk_s3::types::{CorsConfiguration, CorsRule};

fn strings() -> Type {
    Type::List(Box::new(Type::String))
}

fn rule_ty() -> Type {
    block_object(&[
        ("allowed_headers", strings()),
        ("allowed_methods", strings()),
        ("allowed_origins", strings()),
        ("expose_headers", strings()),
        ("max_age_seconds", Type::Number),
    ])
}

pub fn ty() -> Type {
    Type::List(Box::new(rule_ty()))
}

pub async fn get(aws: &Aws, bucket: &str) -> ProviderResult<Value> {
    let out = none_if_absent(
        aws.s3
            .get_bucket_cors()
            .bucket(bucket)
            .send()
            .await
            .map_err(err("s3:GetBucketCors")),
    )?;
    let rules: Vec<Obj> = out
        .map(|o| o.cors_rules().to_vec())
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let mut x = Obj::default();
            let list = |xs: &[String]| {
                if xs.is_empty() {
                    Value::Null(strings())
                } else {
                    list_s(xs)
                }
            };
            x.set("allowed_headers", list(r.allowed_headers()))
                .set("allowed_methods", list(r.allowed_methods()))
                .set("allowed_origins", list(r.allowed_origins()))
                .set("expose_headers", list(r.expose_headers()))
                .set("max_age_seconds", opt_n(r.max_age_seconds().map(i64::from)));
            x
        })
        .collect();
    Ok(blocks_or_null(&rule_ty(), rules))
}

pub async fn put(aws: &Aws, bucket: &str, p: Obj) -> ProviderResult<()> {
    let rules = p.blocks("cors_rule");
    if rules.is_empty() {
        aws.s3
            .delete_bucket_cors()
            .bucket(bucket)
            .send()
            .await
            .map_err(err("s3:DeleteBucketCors"))?;
        return Ok(());
    }
    let mut sdk = Vec::new();
    for r in rules {
        let nonempty = |k: &str| {
            let xs = r.strs(k);
            (!xs.is_empty()).then_some(xs)
        };
        sdk.push(built(
            "cors_rule",
            CorsRule::builder()
                .set_allowed_headers(nonempty("allowed_headers"))
                .set_allowed_methods(Some(r.strs("allowed_methods")))
                .set_allowed_origins(Some(r.strs("allowed_origins")))
                .set_expose_headers(nonempty("expose_headers"))
                .set_max_age_seconds(r.i32("max_age_seconds"))
                .build(),
        )?);
    }
    let config = built(
        "cors_rule",
        CorsConfiguration::builder()
            .set_cors_rules(Some(sdk))
            .build(),
    )?;
    aws.s3
        .put_bucket_cors()
        .bucket(bucket)
        .cors_configuration(config)
        .send()
        .await
        .map_err(err("s3:PutBucketCors"))?;
    Ok(())
}
