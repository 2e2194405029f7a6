//! A bucket's inline `lifecycle_rule` blocks: per prefix and tags, when objects move to
//! cheaper storage and when they (and their old versions, and unfinished uploads) expire.
//! GetBucketLifecycleConfiguration, PutBucketLifecycleConfiguration, DeleteBucketLifecycle.

use super::inline::{built, filter_tags, none_if_absent, sdk_tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::ProviderResult;
use crate::provider::aws::Aws;
#[cfg(test)]
use crate::provider::aws::attrs::s;
use crate::provider::aws::attrs::{Obj, b, blocks_or_null, opt_b, opt_n, opt_s};
use crate::provider::aws::sdk::err;
use crate::provider::schema::block_object;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, ExpirationStatus,
    LifecycleExpiration, LifecycleRule, LifecycleRuleAndOperator, LifecycleRuleFilter,
    NoncurrentVersionExpiration, NoncurrentVersionTransition, Transition, TransitionStorageClass,
};

fn expiration_ty() -> Type {
    block_object(&[
        ("date", Type::String),
        ("days", Type::Number),
        ("expired_object_delete_marker", Type::Bool),
    ])
}

fn transition_ty() -> Type {
    block_object(&[
        ("date", Type::String),
        ("days", Type::Number),
        ("storage_class", Type::String),
    ])
}

fn noncurrent_expiration_ty() -> Type {
    block_object(&[("days", Type::Number)])
}

fn noncurrent_transition_ty() -> Type {
    block_object(&[("days", Type::Number), ("storage_class", Type::String)])
}

fn rule_ty() -> Type {
    let list = |t: Type| Type::List(Box::new(t));
    let set = |t: Type| Type::Set(Box::new(t));
    block_object(&[
        ("id", Type::String),
        ("prefix", Type::String),
        ("tags", Type::Map(Box::new(Type::String))),
        ("enabled", Type::Bool),
        ("abort_incomplete_multipart_upload_days", Type::Number),
        ("expiration", list(expiration_ty())),
        ("transition", set(transition_ty())),
        (
            "noncurrent_version_expiration",
            list(noncurrent_expiration_ty()),
        ),
        (
            "noncurrent_version_transition",
            set(noncurrent_transition_ty()),
        ),
    ])
}

pub fn ty() -> Type {
    Type::List(Box::new(rule_ty()))
}

/// A date as the configuration writes it (`2030-01-01`) from S3's timestamp.
fn day(d: &aws_smithy_types::DateTime) -> String {
    d.fmt(aws_smithy_types::date_time::Format::DateTime)
        .map(|t| t.chars().take(10).collect())
        .unwrap_or_default()
}

fn date_of(text: &str) -> Option<aws_smithy_types::DateTime> {
    let full = if text.len() == 10 {
        format!("{text}T00:00:00Z")
    } else {
        text.to_string()
    };
    aws_smithy_types::DateTime::from_str(&full, aws_smithy_types::date_time::Format::DateTime).ok()
}

// A rule-level prefix is how rules made before filters existed say it (deprecated, still read).
#[allow(deprecated)]
fn rule_block(r: &LifecycleRule) -> Obj {
    let filter = r.filter();
    let and = filter.and_then(|f| f.and());
    let prefix = filter
        .and_then(|f| f.prefix())
        .or(and.and_then(|a| a.prefix()))
        .or(r.prefix())
        .filter(|p| !p.is_empty());
    let tags = filter_tags(
        filter.and_then(|f| f.tag()),
        and.map(|a| a.tags()).unwrap_or_default(),
    );
    let expiration = r.expiration().map(|e| {
        let mut x = Obj::default();
        x.set("date", opt_s(e.date().map(day)))
            .set("days", opt_n(e.days().map(i64::from)))
            .set(
                "expired_object_delete_marker",
                opt_b(e.expired_object_delete_marker()),
            );
        x
    });
    let transitions: Vec<Value> = r
        .transitions()
        .iter()
        .map(|t| {
            let mut x = Obj::default();
            x.set("date", opt_s(t.date().map(day)))
                .set("days", opt_n(t.days().map(i64::from)))
                .set(
                    "storage_class",
                    opt_s(t.storage_class().map(|c| c.as_str())),
                );
            Value::object(x.0)
        })
        .collect();
    let noncurrent_expiration = r.noncurrent_version_expiration().map(|e| {
        let mut x = Obj::default();
        x.set("days", opt_n(e.noncurrent_days().map(i64::from)));
        x
    });
    let noncurrent_transitions: Vec<Value> = r
        .noncurrent_version_transitions()
        .iter()
        .map(|t| {
            let mut x = Obj::default();
            x.set("days", opt_n(t.noncurrent_days().map(i64::from)))
                .set(
                    "storage_class",
                    opt_s(t.storage_class().map(|c| c.as_str())),
                );
            Value::object(x.0)
        })
        .collect();
    let set_or_null = |ty: Type, items: Vec<Value>| {
        if items.is_empty() {
            Value::Null(Type::Set(Box::new(ty)))
        } else {
            Value::set(ty, items)
        }
    };
    let mut x = Obj::default();
    x.set("id", opt_s(r.id()))
        .set("prefix", opt_s(prefix))
        .set("tags", tags)
        .set("enabled", b(*r.status() == ExpirationStatus::Enabled))
        .set(
            "abort_incomplete_multipart_upload_days",
            opt_n(
                r.abort_incomplete_multipart_upload()
                    .and_then(|a| a.days_after_initiation())
                    .map(i64::from),
            ),
        )
        .set(
            "expiration",
            blocks_or_null(&expiration_ty(), expiration.into_iter().collect()),
        )
        .set("transition", set_or_null(transition_ty(), transitions))
        .set(
            "noncurrent_version_expiration",
            blocks_or_null(
                &noncurrent_expiration_ty(),
                noncurrent_expiration.into_iter().collect(),
            ),
        )
        .set(
            "noncurrent_version_transition",
            set_or_null(noncurrent_transition_ty(), noncurrent_transitions),
        );
    x
}

pub async fn get(aws: &Aws, bucket: &str) -> ProviderResult<Value> {
    let out = none_if_absent(
        aws.s3
            .get_bucket_lifecycle_configuration()
            .bucket(bucket)
            .send()
            .await
            .map_err(err("s3:GetBucketLifecycleConfiguration")),
    )?;
    let rules: Vec<Obj> = out
        .map(|o| o.rules().iter().map(rule_block).collect())
        .unwrap_or_default();
    Ok(blocks_or_null(&rule_ty(), rules))
}

/// A configured rule's filter: its prefix, its one tag, or both (and more tags) under And.
fn filter(r: &Obj) -> ProviderResult<LifecycleRuleFilter> {
    let prefix = r.str("prefix").unwrap_or_default();
    let mut tags = sdk_tags("lifecycle_rule", r)?;
    Ok(match tags.len() {
        0 => LifecycleRuleFilter::builder().prefix(prefix).build(),
        1 if prefix.is_empty() => LifecycleRuleFilter::builder().tag(tags.remove(0)).build(),
        _ => LifecycleRuleFilter::builder()
            .and(
                LifecycleRuleAndOperator::builder()
                    .prefix(prefix)
                    .set_tags(Some(tags))
                    .build(),
            )
            .build(),
    })
}

fn rule(r: &Obj) -> ProviderResult<LifecycleRule> {
    let expiration = r.block("expiration").map(|e| {
        LifecycleExpiration::builder()
            .set_date(e.str("date").as_deref().and_then(date_of))
            .set_days(e.i32("days"))
            .set_expired_object_delete_marker(e.bool("expired_object_delete_marker"))
            .build()
    });
    let transitions: Vec<Transition> = r
        .blocks("transition")
        .iter()
        .map(|t| {
            Transition::builder()
                .set_date(t.str("date").as_deref().and_then(date_of))
                .set_days(t.i32("days"))
                .set_storage_class(
                    t.str("storage_class")
                        .map(|c| TransitionStorageClass::from(c.as_str())),
                )
                .build()
        })
        .collect();
    let noncurrent: Vec<NoncurrentVersionTransition> = r
        .blocks("noncurrent_version_transition")
        .iter()
        .map(|t| {
            NoncurrentVersionTransition::builder()
                .set_noncurrent_days(t.i32("days"))
                .set_storage_class(
                    t.str("storage_class")
                        .map(|c| TransitionStorageClass::from(c.as_str())),
                )
                .build()
        })
        .collect();
    let status = if r.bool("enabled").unwrap_or(false) {
        ExpirationStatus::Enabled
    } else {
        ExpirationStatus::Disabled
    };
    built(
        "lifecycle_rule",
        LifecycleRule::builder()
            .set_id(r.str("id"))
            .filter(filter(r)?)
            .status(status)
            .set_expiration(expiration)
            .set_transitions((!transitions.is_empty()).then_some(transitions))
            .set_noncurrent_version_transitions((!noncurrent.is_empty()).then_some(noncurrent))
            .set_noncurrent_version_expiration(r.block("noncurrent_version_expiration").map(|e| {
                NoncurrentVersionExpiration::builder()
                    .set_noncurrent_days(e.i32("days"))
                    .build()
            }))
            .set_abort_incomplete_multipart_upload(
                r.i32("abort_incomplete_multipart_upload_days").map(|d| {
                    AbortIncompleteMultipartUpload::builder()
                        .days_after_initiation(d)
                        .build()
                }),
            )
            .build(),
    )
}

pub async fn put(aws: &Aws, bucket: &str, p: Obj) -> ProviderResult<()> {
    let rules = p.blocks("lifecycle_rule");
    if rules.is_empty() {
        aws.s3
            .delete_bucket_lifecycle()
            .bucket(bucket)
            .send()
            .await
            .map_err(err("s3:DeleteBucketLifecycle"))?;
        return Ok(());
    }
    let sdk = rules.iter().map(rule).collect::<ProviderResult<Vec<_>>>()?;
    let config = built(
        "lifecycle_rule",
        BucketLifecycleConfiguration::builder()
            .set_rules(Some(sdk))
            .build(),
    )?;
    aws.s3
        .put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(config)
        .send()
        .await
        .map_err(err("s3:PutBucketLifecycleConfiguration"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_round_trips_through_s3s_shape() {
        let mut e = Obj::default();
        e.set("days", Value::int(90));
        let mut r = Obj::default();
        r.set("id", s("logs"))
            .set("prefix", s("logs/"))
            .set("enabled", b(true))
            .set(
                "expiration",
                crate::provider::aws::attrs::blocks(&expiration_ty(), vec![e]),
            );
        let back = rule_block(&rule(&r).unwrap());
        assert_eq!(back.str("prefix").as_deref(), Some("logs/"));
        assert_eq!(back.bool("enabled"), Some(true));
        assert_eq!(
            back.block("expiration").and_then(|e| e.i64("days")),
            Some(90)
        );
        assert_eq!(
            date_of("2030-01-01").map(|d| day(&d)).as_deref(),
            Some("2030-01-01")
        );
    }
}
