//! What launch templates, launch configurations, instances and autoscaling groups share:
//! nested block types and reading blocks back in the configuration's shape.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, blocks, opt_s};
use crate::provider::schema::block_object;

pub(crate) fn string_set() -> Type {
    Type::Set(Box::new(Type::String))
}

/// What the API reports, cut to the shape of what was configured: inside nested blocks an
/// argument the configuration left null, or a block it wrote none of, stays so (the API fills
/// in defaults for those, a mixed instances policy's `instances_distribution` say, and they
/// would show as changes), and blocks are matched by position. Without a prior (import) the
/// API's value is taken whole.
pub(crate) fn fit(prior: Option<&Value>, actual: Value) -> Value {
    let Some(prior) = prior else { return actual };
    if prior.is_null() {
        return prior.clone();
    }
    match (prior.unmark().0, &actual) {
        (Value::Object(p), Value::Object(a)) => Value::object(
            a.iter()
                .map(|(k, v)| {
                    let unset = Value::Null(v.ty());
                    let configured = p.get(k).unwrap_or(&unset);
                    let none_written = matches!(configured.unmark().0,
                        Value::List(_, xs) | Value::Set(_, xs) if xs.is_empty())
                        && crate::provider::schema::is_block_type(&v.ty());
                    if none_written {
                        return (k.clone(), configured.clone());
                    }
                    (k.clone(), fit(Some(configured), v.clone()))
                })
                .collect(),
        ),
        (Value::List(_, p), Value::List(ty, a)) if p.len() == a.len() => Value::list(
            ty.clone(),
            p.iter()
                .zip(a.iter())
                .map(|(p, a)| fit(Some(p), a.clone()))
                .collect(),
        ),
        // Blocks of a set: each configured one against the answered one of the same `id`, or
        // else the one at its place (a set of one block, the common case, always pairs).
        (Value::Set(_, p), Value::Set(ty, a)) if p.len() == a.len() => {
            let id = |v: &Value| {
                v.attributes()
                    .and_then(|o| o.get("id"))
                    .and_then(|i| i.as_str().map(str::to_string))
            };
            Value::set(
                ty.clone(),
                p.iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let same = id(p).and_then(|want| {
                            a.iter().find(|x| id(x).as_deref() == Some(want.as_str()))
                        });
                        fit(Some(p), same.unwrap_or(&a[i]).clone())
                    })
                    .collect(),
            )
        }
        // A JSON document (routing rules, a policy) read back in another layout but meaning
        // the same keeps its configured text.
        (Value::String(p), Value::String(a)) if same_json(p, a) => Value::String(p.clone()),
        _ => actual,
    }
}

/// Whether two strings are JSON documents (objects or arrays) of the same value.
fn same_json(a: &str, b: &str) -> bool {
    let doc = |s: &str| {
        let t = s.trim_start();
        (t.starts_with('{') || t.starts_with('['))
            .then(|| serde_json::from_str::<serde_json::Value>(s).ok())
            .flatten()
    };
    a != b && doc(a).is_some_and(|x| doc(b).is_some_and(|y| x == y))
}

/// Nested blocks read from the API, as [`fit`] to the prior's: none is a null list, as an
/// absent block is in configuration.
pub(crate) fn read_blocks(prior: Option<&Obj>, name: &str, elem: &Type, items: Vec<Obj>) -> Value {
    let actual = if items.is_empty() {
        Value::Null(Type::List(Box::new(elem.clone())))
    } else {
        blocks(elem, items)
    };
    fit(
        prior
            .map(|p| p.0.get(name).cloned().unwrap_or_else(Value::null))
            .as_ref(),
        actual,
    )
}

/// Device blocks as a set, each cut to the configured block of the same device.
pub(crate) fn read_device_set(
    prior: Option<&Obj>,
    name: &str,
    elem: &Type,
    items: Vec<Obj>,
) -> Value {
    read_keyed_set(prior, name, elem, items, "device_name")
}

/// Nested blocks as a set, each cut to the configured block with the same `key` (a set has no
/// positions to match by); none is null, as in configuration.
pub(crate) fn read_keyed_set(
    prior: Option<&Obj>,
    name: &str,
    elem: &Type,
    items: Vec<Obj>,
    key: &str,
) -> Value {
    if items.is_empty() {
        return Value::Null(Type::Set(Box::new(elem.clone())));
    }
    let configured: Vec<Obj> = prior.map(|p| p.blocks(name)).unwrap_or_default();
    let values = items
        .into_iter()
        .map(|item| {
            let same = configured
                .iter()
                .find(|c| c.str(key) == item.str(key))
                .map(|c| Value::object(c.0.clone()));
            let actual = blocks(elem, vec![item])
                .elements()
                .and_then(|e| e.first().cloned())
                .unwrap_or_else(Value::null);
            match (prior, same) {
                (Some(_), Some(c)) => fit(Some(&c), actual),
                _ => actual,
            }
        })
        .collect();
    Value::set(elem.clone(), values)
}

/// A set of strings that is null when empty, for optional arguments the API reports as empty.
pub(crate) fn opt_set(xs: Vec<String>) -> Value {
    if xs.is_empty() {
        Value::Null(string_set())
    } else {
        crate::provider::aws::attrs::set_s(xs)
    }
}

/// Terraform's launch template booleans that may be left unset are strings (`"true"`).
pub(crate) fn tri_bool(o: &Obj, k: &str) -> Option<bool> {
    o.str(k).and_then(|v| v.parse().ok())
}

pub(crate) fn tri_s(v: Option<bool>) -> Value {
    opt_s(v.map(|v| v.to_string()))
}

pub(crate) fn nonempty<T>(xs: Vec<T>) -> Option<Vec<T>> {
    (!xs.is_empty()).then_some(xs)
}

pub(crate) fn iam_profile_ty() -> Type {
    block_object(&[("name", Type::String), ("arn", Type::String)])
}

pub(crate) fn metadata_ty() -> Type {
    block_object(&[
        ("http_tokens", Type::String),
        ("http_endpoint", Type::String),
        ("http_put_response_hop_limit", Type::Number),
        ("http_protocol_ipv6", Type::String),
        ("instance_metadata_tags", Type::String),
    ])
}

pub(crate) fn tag_spec_ty() -> Type {
    block_object(&[
        ("resource_type", Type::String),
        ("tags", Type::Map(Box::new(Type::String))),
    ])
}
