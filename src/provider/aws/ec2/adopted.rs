//! What the default-object types share: they adopt an object AWS made with the VPC instead
//! of creating one, and give it back (untouched) on destroy.

use crate::lang::value::Value;
use crate::provider::ProviderResult;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, map_s};
use crate::provider::aws::tags::{self, Tags};

/// Brings an adopted object's tags to the configured ones (and `default_tags`), from the tags
/// it has now rather than from a prior the state does not have yet.
pub(crate) async fn adopt_tags(
    aws: &Aws,
    id: &str,
    actual: Tags,
    planned: &Obj,
) -> ProviderResult<()> {
    let mut had = Obj::default();
    had.set("tags_all", map_s(&actual));
    tags::update_ec2(aws, id, &had, planned).await
}

/// Sets a null set-of-blocks argument to the empty set: an unset `ingress` means "no rules",
/// which is what a read of an object without rules gives.
pub(crate) fn empty_when_null(o: &mut Obj, key: &str, empty: Value) {
    if o.0.get(key).is_none_or(Value::is_null) {
        o.set(key, empty);
    }
}
