//! A bucket's inline `replication_configuration`: the role S3 replicates as and its rules (what
//! to copy, by prefix and tags, to which bucket, with which storage class, key, owner, time and
//! metrics). GetBucketReplication, PutBucketReplication, DeleteBucketReplication.

use super::inline::{built, filter_tags, none_if_absent, sdk_tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::ProviderResult;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, b, blocks_or_null, opt_n, opt_s, s};
use crate::provider::aws::sdk::err;
use crate::provider::schema::block_object;
use aws_sdk_s3::types::{
    AccessControlTranslation, DeleteMarkerReplication, DeleteMarkerReplicationStatus, Destination,
    EncryptionConfiguration, Metrics, MetricsStatus, OwnerOverride, ReplicationConfiguration,
    ReplicationRule, ReplicationRuleAndOperator, ReplicationRuleFilter, ReplicationRuleStatus,
    ReplicationTime, ReplicationTimeStatus, ReplicationTimeValue, SourceSelectionCriteria,
    SseKmsEncryptedObjects, SseKmsEncryptedObjectsStatus, StorageClass,
};

fn list(t: Type) -> Type {
    Type::List(Box::new(t))
}

fn status_minutes_ty() -> Type {
    block_object(&[("status", Type::String), ("minutes", Type::Number)])
}

fn destination_ty() -> Type {
    block_object(&[
        ("bucket", Type::String),
        ("storage_class", Type::String),
        ("replica_kms_key_id", Type::String),
        ("account_id", Type::String),
        (
            "access_control_translation",
            list(block_object(&[("owner", Type::String)])),
        ),
        ("replication_time", list(status_minutes_ty())),
        ("metrics", list(status_minutes_ty())),
    ])
}

fn criteria_ty() -> Type {
    block_object(&[(
        "sse_kms_encrypted_objects",
        list(block_object(&[("enabled", Type::Bool)])),
    )])
}

fn filter_ty() -> Type {
    block_object(&[
        ("prefix", Type::String),
        ("tags", Type::Map(Box::new(Type::String))),
    ])
}

fn rule_ty() -> Type {
    block_object(&[
        ("id", Type::String),
        ("priority", Type::Number),
        ("prefix", Type::String),
        ("status", Type::String),
        ("delete_marker_replication_status", Type::String),
        ("destination", list(destination_ty())),
        ("source_selection_criteria", list(criteria_ty())),
        ("filter", list(filter_ty())),
    ])
}

fn configuration_ty() -> Type {
    block_object(&[
        ("role", Type::String),
        ("rules", Type::Set(Box::new(rule_ty()))),
    ])
}

pub fn ty() -> Type {
    list(configuration_ty())
}

fn one(ty: Type, o: Option<Obj>) -> Value {
    blocks_or_null(&ty, o.into_iter().collect())
}

fn status_minutes(status: &str, minutes: Option<i32>) -> Obj {
    let mut x = Obj::default();
    x.set("status", s(status))
        .set("minutes", opt_n(minutes.map(i64::from)));
    x
}

// Rules without a filter carry the (deprecated) rule-level prefix, Terraform 3's form.
#[allow(deprecated)]
fn rule_block(r: &ReplicationRule) -> Value {
    let d = r.destination();
    let destination = d.map(|d| {
        let mut x = Obj::default();
        x.set("bucket", s(d.bucket()))
            .set(
                "storage_class",
                opt_s(d.storage_class().map(|c| c.as_str())),
            )
            .set(
                "replica_kms_key_id",
                opt_s(
                    d.encryption_configuration()
                        .and_then(|e| e.replica_kms_key_id()),
                ),
            )
            .set("account_id", opt_s(d.account()))
            .set(
                "access_control_translation",
                one(
                    block_object(&[("owner", Type::String)]),
                    d.access_control_translation().map(|a| {
                        let mut o = Obj::default();
                        o.set("owner", s(a.owner().as_str()));
                        o
                    }),
                ),
            )
            .set(
                "replication_time",
                one(
                    status_minutes_ty(),
                    d.replication_time().map(|t| {
                        status_minutes(t.status().as_str(), t.time().and_then(|v| v.minutes()))
                    }),
                ),
            )
            .set(
                "metrics",
                one(
                    status_minutes_ty(),
                    d.metrics().map(|m| {
                        status_minutes(
                            m.status().as_str(),
                            m.event_threshold().and_then(|v| v.minutes()),
                        )
                    }),
                ),
            );
        x
    });
    let criteria = r.source_selection_criteria().map(|c| {
        let sse = c.sse_kms_encrypted_objects().map(|e| {
            let mut o = Obj::default();
            o.set(
                "enabled",
                b(*e.status() == SseKmsEncryptedObjectsStatus::Enabled),
            );
            o
        });
        let mut x = Obj::default();
        x.set(
            "sse_kms_encrypted_objects",
            one(block_object(&[("enabled", Type::Bool)]), sse),
        );
        x
    });
    let filter = r.filter().map(|f| {
        let and = f.and();
        let mut x = Obj::default();
        x.set("prefix", opt_s(f.prefix().or(and.and_then(|a| a.prefix()))))
            .set(
                "tags",
                filter_tags(f.tag(), and.map(|a| a.tags()).unwrap_or_default()),
            );
        x
    });
    let mut x = Obj::default();
    x.set("id", opt_s(r.id()))
        .set("priority", opt_n(r.priority().map(i64::from)))
        .set("prefix", opt_s(r.prefix()))
        .set("status", s(r.status().as_str()))
        .set(
            "delete_marker_replication_status",
            opt_s(
                r.delete_marker_replication()
                    .and_then(|d| d.status())
                    .map(|s| s.as_str()),
            ),
        )
        .set("destination", one(destination_ty(), destination))
        .set("source_selection_criteria", one(criteria_ty(), criteria))
        .set("filter", one(filter_ty(), filter));
    Value::object(x.0)
}

pub async fn get(aws: &Aws, bucket: &str) -> ProviderResult<Value> {
    let out = none_if_absent(
        aws.s3
            .get_bucket_replication()
            .bucket(bucket)
            .send()
            .await
            .map_err(err("s3:GetBucketReplication")),
    )?;
    let config = out.and_then(|o| o.replication_configuration().cloned());
    let block = config.map(|c| {
        let mut x = Obj::default();
        x.set("role", s(c.role())).set(
            "rules",
            Value::set(rule_ty(), c.rules().iter().map(rule_block).collect()),
        );
        x
    });
    Ok(one(configuration_ty(), block))
}

fn status_minutes_of(o: &Obj) -> (Option<String>, Option<i32>) {
    (o.str("status"), o.i32("minutes"))
}

fn destination(d: &Obj) -> ProviderResult<Destination> {
    let translation = match d.block("access_control_translation") {
        Some(a) => Some(built(
            "replication_configuration",
            AccessControlTranslation::builder()
                .set_owner(a.str("owner").map(|o| OwnerOverride::from(o.as_str())))
                .build(),
        )?),
        None => None,
    };
    let time = match d.block("replication_time") {
        Some(t) => {
            let (status, minutes) = status_minutes_of(&t);
            Some(built(
                "replication_configuration",
                ReplicationTime::builder()
                    .set_status(status.map(|s| ReplicationTimeStatus::from(s.as_str())))
                    .time(ReplicationTimeValue::builder().set_minutes(minutes).build())
                    .build(),
            )?)
        }
        None => None,
    };
    let metrics = match d.block("metrics") {
        Some(m) => {
            let (status, minutes) = status_minutes_of(&m);
            Some(built(
                "replication_configuration",
                Metrics::builder()
                    .set_status(status.map(|s| MetricsStatus::from(s.as_str())))
                    .set_event_threshold(
                        minutes.map(|m| ReplicationTimeValue::builder().minutes(m).build()),
                    )
                    .build(),
            )?)
        }
        None => None,
    };
    built(
        "replication_configuration",
        Destination::builder()
            .set_bucket(d.str("bucket"))
            .set_account(d.str("account_id"))
            .set_storage_class(
                d.str("storage_class")
                    .map(|c| StorageClass::from(c.as_str())),
            )
            .set_encryption_configuration(d.str("replica_kms_key_id").map(|k| {
                EncryptionConfiguration::builder()
                    .replica_kms_key_id(k)
                    .build()
            }))
            .set_access_control_translation(translation)
            .set_replication_time(time)
            .set_metrics(metrics)
            .build(),
    )
}

fn rule_filter(f: &Obj) -> ProviderResult<ReplicationRuleFilter> {
    let prefix = f.str("prefix");
    let mut tags = sdk_tags("replication_configuration", f)?;
    Ok(match (prefix, tags.len()) {
        (p, 0) => ReplicationRuleFilter::builder()
            .prefix(p.unwrap_or_default())
            .build(),
        (None, 1) => ReplicationRuleFilter::builder().tag(tags.remove(0)).build(),
        (p, _) => ReplicationRuleFilter::builder()
            .and(
                ReplicationRuleAndOperator::builder()
                    .set_prefix(p)
                    .set_tags(Some(tags))
                    .build(),
            )
            .build(),
    })
}

#[allow(deprecated)]
fn rule(r: &Obj) -> ProviderResult<ReplicationRule> {
    let criteria = match r.block("source_selection_criteria") {
        Some(c) => {
            let sse = match c.block("sse_kms_encrypted_objects") {
                Some(e) => {
                    let on = e.bool("enabled").unwrap_or(false);
                    Some(built(
                        "replication_configuration",
                        SseKmsEncryptedObjects::builder()
                            .status(if on {
                                SseKmsEncryptedObjectsStatus::Enabled
                            } else {
                                SseKmsEncryptedObjectsStatus::Disabled
                            })
                            .build(),
                    )?)
                }
                None => None,
            };
            Some(
                SourceSelectionCriteria::builder()
                    .set_sse_kms_encrypted_objects(sse)
                    .build(),
            )
        }
        None => None,
    };
    let filter = match r.block("filter") {
        Some(f) => Some(rule_filter(&f)?),
        None => None,
    };
    // With a filter, S3 requires the delete marker setting (Terraform sends Disabled).
    let markers = r.str("delete_marker_replication_status").or_else(|| {
        filter
            .is_some()
            .then(|| DeleteMarkerReplicationStatus::Disabled.as_str().to_string())
    });
    let destination = match r.block("destination") {
        Some(d) => Some(destination(&d)?),
        None => None,
    };
    built(
        "replication_configuration",
        ReplicationRule::builder()
            .set_id(r.str("id"))
            .set_priority(r.i32("priority"))
            .set_prefix(if filter.is_none() {
                r.str("prefix")
            } else {
                None
            })
            .set_filter(filter)
            .set_status(
                r.str("status")
                    .map(|s| ReplicationRuleStatus::from(s.as_str())),
            )
            .set_destination(destination)
            .set_source_selection_criteria(criteria)
            .set_delete_marker_replication(markers.map(|m| {
                DeleteMarkerReplication::builder()
                    .status(DeleteMarkerReplicationStatus::from(m.as_str()))
                    .build()
            }))
            .build(),
    )
}

pub async fn put(aws: &Aws, bucket: &str, p: Obj) -> ProviderResult<()> {
    let Some(c) = p.block("replication_configuration") else {
        aws.s3
            .delete_bucket_replication()
            .bucket(bucket)
            .send()
            .await
            .map_err(err("s3:DeleteBucketReplication"))?;
        return Ok(());
    };
    let rules = c
        .blocks("rules")
        .iter()
        .map(rule)
        .collect::<ProviderResult<Vec<_>>>()?;
    let config = built(
        "replication_configuration",
        ReplicationConfiguration::builder()
            .set_role(c.str("role"))
            .set_rules(Some(rules))
            .build(),
    )?;
    aws.s3
        .put_bucket_replication()
        .bucket(bucket)
        .replication_configuration(config)
        .send()
        .await
        .map_err(err("s3:PutBucketReplication"))?;
    Ok(())
}
