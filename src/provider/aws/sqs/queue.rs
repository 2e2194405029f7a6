//! `aws_sqs_queue`: a standard or FIFO queue, named by `name` or made unique from
//! `name_prefix` (a FIFO queue's generated name ends in `.fifo`, as AWS requires). Its id is
//! its URL. The name and FIFO-ness replace it; every other attribute changes in place
//! (SetQueueAttributes). CreateQueue is idempotent for the same name and attributes, so a
//! create retried after a crash meets the queue the killed run made.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, b, n, opt_s, s};
use crate::provider::aws::iam::common::read_document;
use crate::provider::aws::naming::read_name_prefix;
use crate::provider::aws::sdk::{EVENTUAL_CONSISTENCY, err, gone_is_ok, retry_while};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::{self, Tags};
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult,
};
use aws_sdk_sqs::types::QueueAttributeName as Q;
use std::collections::HashMap;

/// A queue as read: its URL, attributes and tags.
pub struct Found {
    url: String,
    attrs: HashMap<Q, String>,
    tags: Tags,
}

impl Found {
    fn get(&self, k: Q) -> Option<&str> {
        self.attrs.get(&k).map(String::as_str)
    }

    fn name(&self) -> String {
        self.url.rsplit('/').next().unwrap_or_default().to_string()
    }
}

/// The number arguments and the queue attributes they are sent as.
const NUMBERS: [(&str, &str); 6] = [
    ("delay_seconds", "DelaySeconds"),
    ("max_message_size", "MaximumMessageSize"),
    ("message_retention_seconds", "MessageRetentionPeriod"),
    ("receive_wait_time_seconds", "ReceiveMessageWaitTimeSeconds"),
    ("visibility_timeout_seconds", "VisibilityTimeout"),
    (
        "kms_data_key_reuse_period_seconds",
        "KmsDataKeyReusePeriodSeconds",
    ),
];

/// The string attributes: the argument and SQS's attribute.
const STRINGS: [(&str, &str); 5] = [
    ("kms_master_key_id", "KmsMasterKeyId"),
    ("deduplication_scope", "DeduplicationScope"),
    ("fifo_throughput_limit", "FifoThroughputLimit"),
    ("redrive_policy", "RedrivePolicy"),
    ("redrive_allow_policy", "RedriveAllowPolicy"),
];

fn number_of(f: &Found, attr: &str, default: i64) -> Value {
    n(f.get(Q::from(attr))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default))
}

/// A JSON attribute, keeping the configured text while it means the same.
fn document(f: &Found, attr: Q, prior: Option<&Obj>, key: &str) -> Option<Value> {
    read_document(prior.and_then(|p| p.str(key)), f.get(attr))
}

fn table() -> Table<Found> {
    use AttrSchema as A;
    Table::<Found>::new()
        .attr("id", A::computed(Type::String), |f| s(&f.url))
        .attr("url", A::computed(Type::String), |f| s(&f.url))
        .attr("arn", A::computed(Type::String), |f| {
            opt_s(f.get(Q::QueueArn))
        })
        .attr(
            "name",
            A::optional_computed(Type::String)
                .force_new()
                .conflicts_with(&["name_prefix"]),
            |f| s(f.name()),
        )
        .attr_with_prior(
            "name_prefix",
            A::optional_computed(Type::String).force_new(),
            |f, prior| {
                let name = f.name();
                let base = name.strip_suffix(".fifo").unwrap_or(&name);
                read_name_prefix(prior, base)
            },
        )
        .attr(
            "fifo_queue",
            A::optional(Type::Bool).default(b(false)).force_new(),
            |f| b(f.get(Q::FifoQueue) == Some("true")),
        )
        .attr(
            "content_based_deduplication",
            A::optional(Type::Bool).default(b(false)),
            |f| b(f.get(Q::ContentBasedDeduplication) == Some("true")),
        )
        .attr_if_answered(
            "sqs_managed_sse_enabled",
            A::optional_computed(Type::Bool),
            |f| f.get(Q::SqsManagedSseEnabled).map(|v| b(v == "true")),
        )
        .attr_with_prior("policy", A::optional_computed(Type::String), |f, prior| {
            document(f, Q::Policy, prior, "policy")
        })
        .attr(
            "delay_seconds",
            A::optional(Type::Number).default(n(0)),
            |f| number_of(f, "DelaySeconds", 0),
        )
        .attr(
            "max_message_size",
            A::optional(Type::Number).default(n(262_144)),
            |f| number_of(f, "MaximumMessageSize", 262_144),
        )
        .attr(
            "message_retention_seconds",
            A::optional(Type::Number).default(n(345_600)),
            |f| number_of(f, "MessageRetentionPeriod", 345_600),
        )
        .attr(
            "receive_wait_time_seconds",
            A::optional(Type::Number).default(n(0)),
            |f| number_of(f, "ReceiveMessageWaitTimeSeconds", 0),
        )
        .attr(
            "visibility_timeout_seconds",
            A::optional(Type::Number).default(n(30)),
            |f| number_of(f, "VisibilityTimeout", 30),
        )
        .attr(
            "kms_data_key_reuse_period_seconds",
            A::optional_computed(Type::Number),
            |f| number_of(f, "KmsDataKeyReusePeriodSeconds", 300),
        )
        .attr("kms_master_key_id", A::optional(Type::String), |f| {
            opt_s(f.get(Q::KmsMasterKeyId))
        })
        .attr_if_answered(
            "deduplication_scope",
            A::optional_computed(Type::String),
            |f| f.get(Q::DeduplicationScope).map(s),
        )
        .attr_if_answered(
            "fifo_throughput_limit",
            A::optional_computed(Type::String),
            |f| f.get(Q::FifoThroughputLimit).map(s),
        )
        .attr_with_prior(
            "redrive_policy",
            A::optional_computed(Type::String),
            |f, prior| document(f, Q::RedrivePolicy, prior, "redrive_policy"),
        )
        .attr_with_prior(
            "redrive_allow_policy",
            A::optional_computed(Type::String),
            |f, prior| document(f, Q::RedriveAllowPolicy, prior, "redrive_allow_policy"),
        )
        .tagged(|f| f.tags.clone())
}

crate::provider::aws::table::table_type!(Queue, Found);

/// The queue attributes to send for the planned arguments that are set (all of them on
/// create; on update only those that differ from `before`).
fn attributes(p: &Obj, before: Option<&Obj>) -> HashMap<Q, String> {
    let changed = |k: &str| before.is_none_or(|b| p.set_and_changed_from(b, k));
    let mut out = HashMap::new();
    for (arg, attr) in NUMBERS {
        if let Some(v) = p.i64(arg).filter(|_| changed(arg)) {
            out.insert(Q::from(attr), v.to_string());
        }
    }
    for (arg, attr) in STRINGS {
        if let Some(v) = p.str(arg).filter(|_| changed(arg)) {
            out.insert(Q::from(attr), v);
        }
    }
    if let Some(v) = p.str("policy").filter(|_| changed("policy")) {
        out.insert(Q::Policy, v);
    }
    for (arg, attr) in [
        ("content_based_deduplication", Q::ContentBasedDeduplication),
        ("sqs_managed_sse_enabled", Q::SqsManagedSseEnabled),
    ] {
        if let Some(v) = p.bool(arg).filter(|_| changed(arg)) {
            out.insert(attr, v.to_string());
        }
    }
    // FifoQueue can only be given at create, and only as true.
    if before.is_none() && p.bool("fifo_queue") == Some(true) {
        out.insert(Q::FifoQueue, "true".into());
    }
    out
}

/// The name to create the queue with: `name`, or `name_prefix` (default `terraform-`) and
/// the create's token, `.fifo` added for a FIFO queue.
fn create_name(p: &Obj, ctx: &CreateContext) -> String {
    let generated = || {
        let prefix = p.str("name_prefix").unwrap_or_else(|| "terraform-".into());
        let base = format!("{prefix}{}", ctx.token);
        if p.bool("fifo_queue") == Some(true) {
            format!("{base}.fifo")
        } else {
            base
        }
    };
    p.str("name").unwrap_or_else(generated)
}

impl Queue {
    async fn find(&self, url: &str) -> ProviderResult<Option<Found>> {
        let out = self
            .aws
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(Q::All)
            .send()
            .await
            .map_err(err("sqs:GetQueueAttributes"));
        let out = match out {
            Err(e) if e.is_not_found() => return Ok(None),
            r => r?,
        };
        let tags = self
            .aws
            .sqs
            .list_queue_tags()
            .queue_url(url)
            .send()
            .await
            .map_err(err("sqs:ListQueueTags"))?;
        Ok(Some(Found {
            url: url.to_string(),
            attrs: out.attributes().cloned().unwrap_or_default(),
            tags: tags
                .tags()
                .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        }))
    }

    async fn value(&self, prior: Option<Obj>, url: &str) -> ProviderResult<Option<Value>> {
        Ok(self
            .find(url)
            .await?
            .map(|f| self.table.read(&self.aws, prior, &f).finish(&self.schema)))
    }

    async fn read_back(&self, p: Obj, url: &str) -> ProviderResult<Value> {
        let read = || async {
            self.value(Some(p.clone()), url).await?.ok_or_else(|| {
                ProviderError::new("sqs:GetQueueAttributes", format!("{url} not there yet"))
                    .with_code("QueueDoesNotExist")
            })
        };
        retry_while(EVENTUAL_CONSISTENCY, |e| e.is_not_found(), read).await
    }

    async fn update_tags(&self, url: &str, before: &Obj, after: &Obj) -> ProviderResult<()> {
        let set = |t: Tags| {
            crate::provider::aws::sdk::sent!(
                self.aws
                    .sqs
                    .tag_queue()
                    .queue_url(url)
                    .set_tags(Some(t.into_iter().collect())),
                "sqs:TagQueue"
            )
        };
        let remove = |keys: Vec<String>| {
            crate::provider::aws::sdk::sent!(
                self.aws
                    .sqs
                    .untag_queue()
                    .queue_url(url)
                    .set_tag_keys(Some(keys)),
                "sqs:UntagQueue"
            )
        };
        tags::sync(&self.aws, before, after, set, remove).await
    }
}

impl AsyncResourceType for Queue {
    crate::provider::aws::by_id::reads_by_id!(
        value,
        "no queue at {id} (a queue is imported by its URL)"
    );
    crate::provider::aws::bulk::schema_and_address!();
    crate::provider::aws::bulk::plan_tags!();

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let out = self
            .aws
            .sqs
            .create_queue()
            .queue_name(create_name(&p, &ctx))
            .set_attributes(Some(attributes(&p, None)))
            .set_tags(Some(t.into_iter().collect()))
            .send()
            .await
            .map_err(err("sqs:CreateQueue"))?;
        let url = out.queue_url().unwrap_or_default().to_string();
        self.read_back(p, &url).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let url = before.id()?;
        let changed = attributes(&after, Some(&before));
        if !changed.is_empty() {
            self.aws
                .sqs
                .set_queue_attributes()
                .queue_url(&url)
                .set_attributes(Some(changed))
                .send()
                .await
                .map_err(err("sqs:SetQueueAttributes"))?;
        }
        self.update_tags(&url, &before, &after).await?;
        self.read_back(after, &url).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let url = Obj::of(&prior).id()?;
        gone_is_ok(
            self.aws
                .sqs
                .delete_queue()
                .queue_url(&url)
                .send()
                .await
                .map(drop)
                .map_err(err("sqs:DeleteQueue")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_fifo_names_end_in_fifo_and_updates_send_what_changed() {
        let ctx = CreateContext {
            token: "20261203000000000000000001".into(),
            ..CreateContext::default()
        };
        let mut p = Obj::default();
        p.set("name_prefix", s("jobs-")).set("fifo_queue", b(true));
        assert_eq!(
            create_name(&p, &ctx),
            "jobs-20261203000000000000000001.fifo"
        );
        p.set("visibility_timeout_seconds", n(60))
            .set("delay_seconds", n(0));
        let all = attributes(&p, None);
        assert_eq!(all.get(&Q::FifoQueue).map(String::as_str), Some("true"));
        assert_eq!(
            all.get(&Q::VisibilityTimeout).map(String::as_str),
            Some("60")
        );
        let mut after = p.clone();
        after.set("visibility_timeout_seconds", n(90));
        let changed = attributes(&after, Some(&p));
        assert_eq!(changed.len(), 1, "{changed:?}");
        assert_eq!(
            changed.get(&Q::VisibilityTimeout).map(String::as_str),
            Some("90")
        );
    }
}
