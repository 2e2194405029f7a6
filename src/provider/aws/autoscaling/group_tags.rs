//! An autoscaling group's `tag` blocks: each with its own `propagate_at_launch`, set and
//! deleted through the group's own tag calls (not EC2's).

use crate::lang::types::Type;
use crate::provider::ProviderResult;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::Obj;
use crate::provider::aws::sdk::err;
use crate::provider::aws::tags::Tags;
use crate::provider::schema::block_object;
use aws_sdk_autoscaling::types::{AutoScalingGroup, Tag};
use std::collections::BTreeMap;

pub(super) fn tag_ty() -> Type {
    block_object(&[
        ("key", Type::String),
        ("value", Type::String),
        ("propagate_at_launch", Type::Bool),
    ])
}

/// The group's tags by key: (value, propagate_at_launch), from its `tag` blocks and the
/// legacy `tags` list of maps (`propagate_at_launch = "true"`), which configurations written
/// for AWS provider versions before 5 still carry.
pub(super) fn tag_blocks(o: &Obj) -> BTreeMap<String, (String, bool)> {
    let legacy = legacy_tags(o).into_iter().map(|(k, v, p)| (k, (v, p)));
    o.blocks("tag")
        .into_iter()
        .filter_map(|t| {
            Some((
                t.str("key")?,
                (
                    t.str("value").unwrap_or_default(),
                    t.bool("propagate_at_launch").unwrap_or(false),
                ),
            ))
        })
        .chain(legacy)
        .collect()
}

/// The legacy `tags` entries: (key, value, propagate_at_launch).
pub(super) fn legacy_tags(o: &Obj) -> Vec<(String, String, bool)> {
    o.get("tags")
        .and_then(|v| v.elements())
        .unwrap_or_default()
        .iter()
        .filter_map(|m| {
            let m = Obj::of(m);
            let flag = m.str("propagate_at_launch");
            Some((
                m.str("key")?,
                m.str("value").unwrap_or_default(),
                flag.as_deref() == Some("true") || flag.as_deref() == Some("1"),
            ))
        })
        .collect()
}

/// The type of the legacy `tags` argument.
pub(super) fn legacy_tags_ty() -> Type {
    Type::Set(Box::new(Type::Map(Box::new(Type::String))))
}

pub(super) fn group_tag(group: &str, key: &str, value: &str, propagate: bool) -> Tag {
    Tag::builder()
        .resource_id(group)
        .resource_type("auto-scaling-group")
        .key(key)
        .value(value)
        .propagate_at_launch(propagate)
        .build()
}

pub(super) fn group_tags(g: &AutoScalingGroup) -> Tags {
    g.tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string())))
        .collect()
}

/// Puts the group's `tag` blocks in place: changed and new ones set, removed ones deleted.
pub(super) async fn sync_tags(
    aws: &Aws,
    name: &str,
    before: &Obj,
    after: &Obj,
) -> ProviderResult<()> {
    let asg = &aws.autoscaling;
    let (old, new) = (tag_blocks(before), tag_blocks(after));
    let set: Vec<Tag> = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, (v, p))| group_tag(name, k, v, *p))
        .collect();
    let removed: Vec<Tag> = old
        .iter()
        .filter(|(k, _)| !new.contains_key(*k))
        .map(|(k, (v, p))| group_tag(name, k, v, *p))
        .collect();
    if !set.is_empty() {
        asg.create_or_update_tags()
            .set_tags(Some(set))
            .send()
            .await
            .map_err(err("autoscaling:CreateOrUpdateTags"))?;
    }
    if !removed.is_empty() {
        asg.delete_tags()
            .set_tags(Some(removed))
            .send()
            .await
            .map_err(err("autoscaling:DeleteTags"))?;
    }
    Ok(())
}
