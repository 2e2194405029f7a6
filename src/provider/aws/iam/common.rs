//! What the IAM types share: tags, generated names, policy documents compared by meaning,
//! refresh one by one (IAM has no filtered describe).

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, opt_s, s};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::Tags;
use crate::provider::{AttrSchema, CreateContext, ProviderError, ProviderResult};

/// A string attribute, null when AWS answers with nothing or an empty string (IAM returns ""
/// for a description that was removed).
pub(crate) fn opt_nonempty(x: Option<&str>) -> Value {
    opt_s(x.filter(|v| !v.is_empty()))
}

pub(crate) fn iam_tags(t: &Tags) -> ProviderResult<Vec<aws_sdk_iam::types::Tag>> {
    t.iter()
        .map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ProviderError::new("iam:Tag", e.to_string()))
        })
        .collect()
}

pub(crate) fn from_iam(t: &[aws_sdk_iam::types::Tag]) -> Tags {
    t.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

pub(crate) fn timestamp(t: &aws_smithy_types::DateTime) -> Value {
    opt_s(t.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
}

/// A name no other call makes, as Terraform generates them: the prefix and a
/// [`unique_suffix`](crate::provider::unique_suffix).
pub(crate) fn unique_name(prefix: &str) -> String {
    format!("{prefix}{}", crate::provider::unique_suffix())
}

/// The `name_prefix` a name was generated from (for an object read without a prior, as on
/// import): what precedes the 26 characters [`unique_name`] appends, if the name ends so.
pub(crate) fn prefix_of_generated(name: &str) -> Option<&str> {
    let split = name.len().checked_sub(26).filter(|&at| at > 0)?;
    let (prefix, suffix) = (name.get(..split)?, name.get(split..)?);
    let (stamp, counter) = suffix.split_at(18);
    (stamp.bytes().all(|c| c.is_ascii_digit())
        && counter
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)))
    .then_some(prefix)
}

/// `name_prefix` as read: the prior's, or the one the name shows it was made from.
pub(crate) fn name_prefix_value(prior: Option<&Obj>, name: &str) -> Value {
    match prior {
        Some(p) => opt_s(p.str("name_prefix")),
        None => opt_s(prefix_of_generated(name)),
    }
}

/// The name to create an object with: the configured one, or one made from `name_prefix`
/// (Terraform's `terraform-` when neither is set) and the create's token, so a create after a
/// crash makes the same name.
pub(crate) fn name_to_create(p: &Obj, ctx: &CreateContext) -> String {
    p.str("name").unwrap_or_else(|| {
        let prefix = p.str("name_prefix").unwrap_or_else(|| "terraform-".into());
        format!("{prefix}{}", ctx.token)
    })
}

/// IAM answers policy documents URL-encoded; decoded as Go's `url.QueryUnescape` does, as
/// Terraform reads them.
pub(crate) fn url_decode(x: &str) -> String {
    pub(crate) fn hex(c: u8) -> Option<u8> {
        (c as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = x.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| Some(hex(*bytes.get(i + 1)?)? << 4 | hex(*bytes.get(i + 2)?)?))
            .flatten();
        match (escaped, bytes[i]) {
            (Some(v), _) => {
                out.push(v);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, c) => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A policy in the form IAM policy semantics cannot tell apart: object keys in order, a
/// one-element list the same as its element, lists as sets, scalars as strings.
pub(crate) fn canonical_policy(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        J::Array(xs) => {
            let mut items: Vec<J> = xs.iter().map(canonical_policy).collect();
            if items.len() == 1 {
                return items.remove(0);
            }
            items.sort_by_key(|x| x.to_string());
            items.dedup();
            J::Array(items)
        }
        J::Object(m) => J::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), canonical_policy(v)))
                .collect(),
        ),
        J::Bool(x) => J::String(x.to_string()),
        J::Number(x) => J::String(x.to_string()),
        other => other.clone(),
    }
}

/// A JSON document read back (a bucket's or a queue's policy): `None`, so the configured text
/// stands, while it means the same as `configured`; otherwise what AWS has (null for none).
pub(crate) fn read_document(configured: Option<String>, now: Option<&str>) -> Option<Value> {
    match (now, configured) {
        (Some(now), Some(c)) if same_policy(&c, now) => None,
        (now, _) => Some(crate::provider::aws::attrs::opt_s(now)),
    }
}

/// Whether two policy documents mean the same: whitespace, key order, list order and
/// one-element lists make no difference. Text that is not JSON compares as text.
pub(crate) fn same_policy(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(x), Ok(y)) => canonical_policy(&x) == canonical_policy(&y),
        _ => a == b,
    }
}

/// The policy to record: what the prior (the configuration) says when AWS's document means
/// the same, so a policy written with `jsonencode` is no change against IAM's normalised form.
pub(crate) fn policy_value(prior: Option<&str>, actual_encoded: &str) -> Value {
    let actual = url_decode(actual_encoded);
    match prior {
        Some(p) if same_policy(p, &actual) => s(p),
        _ => s(actual),
    }
}

/// Planning a policy attribute: a configured document that means what the prior one does
/// keeps the prior text.
pub(crate) fn plan_policy(prior: Option<&Value>, planned: Value, attr: &str) -> Value {
    let Some(prior) = prior else { return planned };
    let mut o = Obj::of(&planned);
    if let (Some(before), Some(after)) = (Obj::of(prior).str(attr), o.str(attr))
        && before != after
        && same_policy(&before, &after)
    {
        o.set(attr, s(before));
    }
    Value::object(o.0)
}

/// What IAM's named objects (roles, instance profiles) answer alike.
pub(crate) trait Named {
    fn name(&self) -> &str;
    fn arn(&self) -> &str;
    fn unique_id(&self) -> &str;
    fn created(&self) -> &aws_smithy_types::DateTime;
    fn path(&self) -> &str;
    fn tag_list(&self) -> &[aws_sdk_iam::types::Tag];
}

macro_rules! named {
    ($ty:ty, $name:ident, $id:ident) => {
        impl Named for $ty {
            fn name(&self) -> &str {
                self.$name()
            }
            fn arn(&self) -> &str {
                self.arn()
            }
            fn unique_id(&self) -> &str {
                self.$id()
            }
            fn created(&self) -> &aws_smithy_types::DateTime {
                self.create_date()
            }
            fn path(&self) -> &str {
                self.path()
            }
            fn tag_list(&self) -> &[aws_sdk_iam::types::Tag] {
                self.tags()
            }
        }
    };
}
named!(aws_sdk_iam::types::Role, role_name, role_id);
named!(
    aws_sdk_iam::types::InstanceProfile,
    instance_profile_name,
    instance_profile_id
);

/// The rows every named IAM object has: its name (given, or generated from `name_prefix`),
/// ARN, unique id, creation date, path and tags.
pub(crate) fn named_table<T: Named>() -> Table<T> {
    use AttrSchema as A;
    Table::<T>::new()
        .attr("id", A::computed(Type::String), |x| s(x.name()))
        .attr("arn", A::computed(Type::String), |x| s(x.arn()))
        .attr("unique_id", A::computed(Type::String), |x| s(x.unique_id()))
        .attr("create_date", A::computed(Type::String), |x| {
            timestamp(x.created())
        })
        .attr(
            "name",
            A::optional_computed(Type::String).force_new(),
            |x| s(x.name()),
        )
        .attr_with_prior(
            "name_prefix",
            A::optional_computed(Type::String).force_new(),
            |x, prior| Some(name_prefix_value(prior, x.name())),
        )
        .attr(
            "path",
            A::optional(Type::String).default(s("/")).force_new(),
            |x| s(x.path()),
        )
        .tagged(|x| from_iam(x.tag_list()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_compare_by_meaning() {
        let a = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ec2.amazonaws.com"}}]}"#;
        let b = "{\n  \"Statement\": [ { \"Principal\": {\"Service\": [\"ec2.amazonaws.com\"]},\n  \"Action\": [\"sts:AssumeRole\"], \"Effect\": \"Allow\" } ],\n  \"Version\": \"2012-10-17\" }";
        assert!(same_policy(a, b));
        assert!(same_policy(
            r#"{"Action":["b","a"]}"#,
            r#"{"Action":["a","b"]}"#
        ));
        assert!(!same_policy(a, &a.replace("ec2", "ecs-tasks")));
        assert!(!same_policy(a, &a.replace("Allow", "Deny")));
    }

    #[test]
    fn url_decoding_matches_go_query_unescape() {
        assert_eq!(
            url_decode("%7B%22a%22%3A%20%22b+c%22%7D"),
            r#"{"a": "b c"}"#
        );
        assert_eq!(url_decode("100%"), "100%");
        assert_eq!(url_decode("%zz%E2%82%AC"), "%zz€");
    }

    #[test]
    fn unique_names_are_prefixed_and_distinct() {
        let (a, b) = (unique_name("terraform-"), unique_name("terraform-"));
        assert_ne!(a, b);
        assert_eq!(a.len(), "terraform-".len() + 26, "{a}");
        assert!(a.starts_with("terraform-20"), "{a}");
        assert_eq!(prefix_of_generated(&a), Some("terraform-"));
        assert_eq!(prefix_of_generated("lifecycle-node"), None);
        assert_eq!(prefix_of_generated("00000000000000000000000000"), None);
    }
}
