//! A bucket's inline settings of one call each: `acceleration_status` (transfer
//! acceleration), `request_payer` (who pays for requests) and `object_lock_configuration`
//! (the default retention of a bucket made with object lock).

use super::inline::{built, none_if_absent};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::ProviderResult;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, blocks_or_null, opt_n, opt_s};
use crate::provider::aws::sdk::err;
use crate::provider::schema::block_object;
use aws_sdk_s3::types::{
    AccelerateConfiguration, BucketAccelerateStatus, DefaultRetention, ObjectLockConfiguration,
    ObjectLockEnabled, ObjectLockRetentionMode, ObjectLockRule, Payer, RequestPaymentConfiguration,
};

pub fn string_ty() -> Type {
    Type::String
}

pub async fn get_acceleration(aws: &Aws, bucket: &str) -> ProviderResult<Value> {
    let out = aws
        .s3
        .get_bucket_accelerate_configuration()
        .bucket(bucket)
        .send()
        .await
        .map_err(err("s3:GetBucketAccelerateConfiguration"))?;
    Ok(opt_s(out.status().map(|s| s.as_str())))
}

pub async fn put_acceleration(aws: &Aws, bucket: &str, p: Obj) -> ProviderResult<()> {
    let status = p.req("acceleration_status")?;
    aws.s3
        .put_bucket_accelerate_configuration()
        .bucket(bucket)
        .accelerate_configuration(
            AccelerateConfiguration::builder()
                .status(BucketAccelerateStatus::from(status.as_str()))
                .build(),
        )
        .send()
        .await
        .map_err(err("s3:PutBucketAccelerateConfiguration"))?;
    Ok(())
}

pub async fn get_request_payer(aws: &Aws, bucket: &str) -> ProviderResult<Value> {
    let out = aws
        .s3
        .get_bucket_request_payment()
        .bucket(bucket)
        .send()
        .await
        .map_err(err("s3:GetBucketRequestPayment"))?;
    Ok(opt_s(out.payer().map(|p| p.as_str())))
}

pub async fn put_request_payer(aws: &Aws, bucket: &str, p: Obj) -> ProviderResult<()> {
    let payer = p.req("request_payer")?;
    let config = built(
        "request_payer",
        RequestPaymentConfiguration::builder()
            .payer(Payer::from(payer.as_str()))
            .build(),
    )?;
    aws.s3
        .put_bucket_request_payment()
        .bucket(bucket)
        .request_payment_configuration(config)
        .send()
        .await
        .map_err(err("s3:PutBucketRequestPayment"))?;
    Ok(())
}

fn retention_ty() -> Type {
    block_object(&[
        ("mode", Type::String),
        ("days", Type::Number),
        ("years", Type::Number),
    ])
}

fn lock_rule_ty() -> Type {
    block_object(&[("default_retention", Type::List(Box::new(retention_ty())))])
}

fn lock_ty() -> Type {
    block_object(&[
        ("object_lock_enabled", Type::String),
        ("rule", Type::List(Box::new(lock_rule_ty()))),
    ])
}

pub fn object_lock_ty() -> Type {
    Type::List(Box::new(lock_ty()))
}

pub async fn get_object_lock(aws: &Aws, bucket: &str) -> ProviderResult<Value> {
    let out = none_if_absent(
        aws.s3
            .get_object_lock_configuration()
            .bucket(bucket)
            .send()
            .await
            .map_err(err("s3:GetObjectLockConfiguration")),
    )?;
    let config = out.and_then(|o| o.object_lock_configuration().cloned());
    let block = config.map(|c| {
        let retention = c.rule().and_then(|r| r.default_retention()).map(|d| {
            let mut x = Obj::default();
            x.set("mode", opt_s(d.mode().map(|m| m.as_str())))
                .set("days", opt_n(d.days().map(i64::from)))
                .set("years", opt_n(d.years().map(i64::from)));
            x
        });
        let rule = retention.map(|r| {
            let mut x = Obj::default();
            x.set(
                "default_retention",
                blocks_or_null(&retention_ty(), vec![r]),
            );
            x
        });
        let mut x = Obj::default();
        x.set(
            "object_lock_enabled",
            opt_s(c.object_lock_enabled().map(|e| e.as_str())),
        )
        .set(
            "rule",
            blocks_or_null(&lock_rule_ty(), rule.into_iter().collect()),
        );
        x
    });
    Ok(blocks_or_null(&lock_ty(), block.into_iter().collect()))
}

pub async fn put_object_lock(aws: &Aws, bucket: &str, p: Obj) -> ProviderResult<()> {
    let Some(c) = p.block("object_lock_configuration") else {
        return Ok(());
    };
    let retention = c
        .block("rule")
        .and_then(|r| r.block("default_retention"))
        .map(|d| {
            DefaultRetention::builder()
                .set_mode(
                    d.str("mode")
                        .map(|m| ObjectLockRetentionMode::from(m.as_str())),
                )
                .set_days(d.i32("days"))
                .set_years(d.i32("years"))
                .build()
        });
    aws.s3
        .put_object_lock_configuration()
        .bucket(bucket)
        .object_lock_configuration(
            ObjectLockConfiguration::builder()
                .set_object_lock_enabled(
                    c.str("object_lock_enabled")
                        .map(|e| ObjectLockEnabled::from(e.as_str())),
                )
                .set_rule(retention.map(|d| ObjectLockRule::builder().default_retention(d).build()))
                .build(),
        )
        .send()
        .await
        .map_err(err("s3:PutObjectLockConfiguration"))?;
    Ok(())
}
