//! Tags: `tags` as configured, `tags_all` with the provider's `default_tags` merged in, and the
//! two tags infra puts on every object it creates so it can find them again after a crash:
//! `infra:address` and `infra:lineage`. Those two never show in `tags` or `tags_all`.

use super::Aws;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, map_s};
use crate::provider::aws::sdk::err;
use crate::provider::{AttrSchema, CreateContext, ProviderResult};
use std::collections::BTreeMap;
use std::future::Future;

pub const ADDRESS_TAG: &str = "infra:address";
pub const LINEAGE_TAG: &str = "infra:lineage";

pub type Tags = BTreeMap<String, String>;

/// The `tags` and `tags_all` attributes of every taggable resource's schema.
pub fn schema_attrs() -> [(&'static str, AttrSchema); 2] {
    let map = Type::Map(Box::new(Type::String));
    [
        ("tags", AttrSchema::optional(map.clone())),
        ("tags_all", AttrSchema::computed(map)),
    ]
}

/// Whether a tag key is infra's own bookkeeping.
pub fn is_internal(key: &str) -> bool {
    key.starts_with("infra:")
}

/// `default_tags` overlaid with the resource's `tags`.
pub fn merged(aws: &Aws, tags: &Tags) -> Tags {
    let mut all = aws.default_tags.clone();
    all.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
    all
}

/// Plans `tags_all` from `tags` (known whenever `tags` is).
pub fn plan(aws: &Aws, planned: Value) -> Value {
    let mut o = Obj::of(&planned);
    let tags_v = o.0.get("tags").cloned().unwrap_or_else(Value::null);
    if !tags_v.is_wholly_known() {
        o.set(
            "tags_all",
            Value::Unknown(crate::lang::types::Type::Map(Box::new(
                crate::lang::types::Type::String,
            ))),
        );
    } else {
        let all = merged(aws, &o.map("tags"));
        o.set("tags_all", map_s(&all));
    }
    Value::object(o.0)
}

/// The tags to create an object with: `tags_all` and infra's own.
pub fn for_create(aws: &Aws, ctx: &CreateContext, o: &Obj) -> Tags {
    let mut all = merged(aws, &o.map("tags"));
    if !ctx.address.is_empty() {
        all.insert(ADDRESS_TAG.into(), ctx.address.clone());
    }
    if !ctx.lineage.is_empty() {
        all.insert(LINEAGE_TAG.into(), ctx.lineage.clone());
    }
    all
}

/// Sets `tags` and `tags_all` from the tags an object has now. `tags` is what is left after
/// removing default tags the object carries unchanged, as Terraform shows it.
pub fn set_read(aws: &Aws, o: &mut Obj, actual: &Tags) {
    let all: Tags = actual
        .iter()
        .filter(|(k, _)| !is_internal(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let own: Tags = all
        .iter()
        .filter(|(k, v)| aws.default_tags.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let configured_null = o.get("tags").is_none();
    if own.is_empty() && configured_null {
        o.set(
            "tags",
            Value::Null(crate::lang::types::Type::Map(Box::new(
                crate::lang::types::Type::String,
            ))),
        );
    } else {
        o.set("tags", map_s(&own));
    }
    o.set("tags_all", map_s(&all));
}

/// What to change to go from `before` to `after`: tags to set and keys to remove.
pub fn diff(before: &Tags, after: &Tags) -> (Tags, Vec<String>) {
    let set = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let removed = before
        .keys()
        .filter(|k| !after.contains_key(*k) && !is_internal(k))
        .cloned()
        .collect();
    (set, removed)
}

/// Brings the tags of EC2 `resources` (an instance's volumes) from `was` to `want`: one
/// CreateTags for what is new or changed, one DeleteTags for what went.
pub async fn retag_ec2(
    aws: &Aws,
    resources: Vec<String>,
    was: &Tags,
    want: &Tags,
) -> ProviderResult<()> {
    let (set, removed) = diff(was, want);
    if resources.is_empty() {
        return Ok(());
    }
    if !set.is_empty() {
        aws.ec2
            .create_tags()
            .set_resources(Some(resources.clone()))
            .set_tags(Some(ec2_tags(&set)))
            .send()
            .await
            .map_err(err("ec2:CreateTags"))?;
    }
    if !removed.is_empty() {
        let keys = removed
            .iter()
            .map(|k| aws_sdk_ec2::types::Tag::builder().key(k).build());
        aws.ec2
            .delete_tags()
            .set_resources(Some(resources))
            .set_tags(Some(keys.collect()))
            .send()
            .await
            .map_err(err("ec2:DeleteTags"))?;
    }
    Ok(())
}

pub fn ec2_tags(t: &Tags) -> Vec<aws_sdk_ec2::types::Tag> {
    t.iter()
        .map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build())
        .collect()
}

pub fn from_ec2(t: &[aws_sdk_ec2::types::Tag]) -> Tags {
    t.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string())))
        .collect()
}

/// A tag specification for an EC2 create call.
pub fn ec2_spec(
    kind: aws_sdk_ec2::types::ResourceType,
    t: &Tags,
) -> aws_sdk_ec2::types::TagSpecification {
    aws_sdk_ec2::types::TagSpecification::builder()
        .resource_type(kind)
        .set_tags(Some(ec2_tags(t)))
        .build()
}

/// Brings an object's tags from the prior `tags_all` to the planned tags with the provider's
/// defaults: `set` adds or changes tags, `remove` deletes them by key, each called only when
/// it has something to do. Every tagged type updates its tags through this, with its service's
/// two calls.
pub async fn sync<S, SetDone, R, RemoveDone>(
    aws: &Aws,
    before: &Obj,
    after: &Obj,
    set: S,
    remove: R,
) -> ProviderResult<()>
where
    S: FnOnce(Tags) -> SetDone,
    SetDone: Future<Output = ProviderResult<()>>,
    R: FnOnce(Vec<String>) -> RemoveDone,
    RemoveDone: Future<Output = ProviderResult<()>>,
{
    let (changed, removed) = diff(&before.map("tags_all"), &merged(aws, &after.map("tags")));
    if !changed.is_empty() {
        set(changed).await?;
    }
    if !removed.is_empty() {
        remove(removed).await?;
    }
    Ok(())
}

/// Brings an EC2 object's tags from `before` to the planned `tags_all`.
pub async fn update_ec2(aws: &Aws, id: &str, before: &Obj, after: &Obj) -> ProviderResult<()> {
    let set = |t: Tags| {
        crate::provider::aws::sdk::sent!(
            aws.ec2
                .create_tags()
                .resources(id)
                .set_tags(Some(ec2_tags(&t))),
            "ec2:CreateTags"
        )
    };
    let remove = |keys: Vec<String>| {
        let keys = keys
            .iter()
            .map(|k| aws_sdk_ec2::types::Tag::builder().key(k).build());
        crate::provider::aws::sdk::sent!(
            aws.ec2
                .delete_tags()
                .resources(id)
                .set_tags(Some(keys.collect())),
            "ec2:DeleteTags"
        )
    };
    sync(aws, before, after, set, remove).await
}

/// Whether an object found under the name a create wanted is this address's own, left by an
/// apply that died before recording it: tagged with this address and lineage.
pub fn is_ours(ctx: &CreateContext, actual: &Tags) -> bool {
    !ctx.lineage.is_empty() && owner(actual, &ctx.lineage).as_deref() == Some(&ctx.address)
}

/// A whole tag set for services that replace every tag at once (S3): infra's own tags as the
/// object has them (`current`) and the planned `tags_all`.
pub fn whole_set(aws: &Aws, current: Tags, after: &Obj) -> Tags {
    let mut all: Tags = current
        .into_iter()
        .filter(|(k, _)| is_internal(k))
        .collect();
    all.extend(merged(aws, &after.map("tags")));
    all
}

/// The address an object is tagged with, if it belongs to `lineage`.
pub fn owner(t: &Tags, lineage: &str) -> Option<String> {
    (t.get(LINEAGE_TAG).map(String::as_str) == Some(lineage))
        .then(|| t.get(ADDRESS_TAG).cloned())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_object_is_ours_only_with_this_address_and_lineage() {
        let ctx = CreateContext {
            address: "aws_s3_bucket.logs".into(),
            lineage: "L1".into(),
            ..CreateContext::default()
        };
        let tagged = |address: &str, lineage: &str| -> Tags {
            [(ADDRESS_TAG, address), (LINEAGE_TAG, lineage)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(is_ours(&ctx, &tagged("aws_s3_bucket.logs", "L1")));
        assert!(!is_ours(&ctx, &tagged("aws_s3_bucket.other", "L1")));
        assert!(!is_ours(&ctx, &tagged("aws_s3_bucket.logs", "L2")));
        assert!(!is_ours(&ctx, &Tags::new()));
        let no_lineage = CreateContext {
            lineage: String::new(),
            ..ctx
        };
        assert!(!is_ours(&no_lineage, &tagged("aws_s3_bucket.logs", "")));
    }
}
