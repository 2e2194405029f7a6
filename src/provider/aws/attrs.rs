//! Reading planned values and building results: typed getters over an object value, and
//! constructors for the values resources return. Missing and null attributes read as `None`.

use crate::lang::number::Number;
use crate::lang::types::Type;
use crate::lang::value::{Attrs, Value};
use crate::provider::{ProviderError, ProviderResult, Schema};
use std::collections::BTreeMap;

/// An object value being read or built.
#[derive(Debug, Clone, Default)]
pub struct Obj(pub Attrs);

impl Obj {
    pub fn of(v: &Value) -> Obj {
        Obj(v.unmark_deep().0.attributes().cloned().unwrap_or_default())
    }

    pub fn get(&self, k: &str) -> Option<&Value> {
        self.0.get(k).filter(|v| !v.is_null() && v.is_known())
    }

    pub fn str(&self, k: &str) -> Option<String> {
        self.get(k)?
            .as_str()
            .map(str::to_string)
            .filter(|s| !s.is_empty())
    }

    /// A string that must be set: a missing one is an error naming the attribute.
    pub fn req(&self, k: &str) -> ProviderResult<String> {
        self.str(k)
            .ok_or_else(|| ProviderError::new("plan", format!("{k:?} is required")))
    }

    pub fn i64(&self, k: &str) -> Option<i64> {
        self.get(k)?.as_number()?.to_i64()
    }

    pub fn i32(&self, k: &str) -> Option<i32> {
        self.i64(k).and_then(|n| i32::try_from(n).ok())
    }

    pub fn bool(&self, k: &str) -> Option<bool> {
        self.get(k)?.as_bool()
    }

    /// A list or set of strings (empty when unset).
    pub fn strs(&self, k: &str) -> Vec<String> {
        self.get(k)
            .and_then(Value::elements)
            .map(|es| {
                es.iter()
                    .filter_map(|e| e.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A map of strings (empty when unset).
    pub fn map(&self, k: &str) -> BTreeMap<String, String> {
        self.get(k)
            .and_then(Value::attributes)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Nested blocks (a list or set of objects).
    pub fn blocks(&self, k: &str) -> Vec<Obj> {
        self.get(k)
            .and_then(Value::elements)
            .map(|es| es.iter().map(Obj::of).collect())
            .unwrap_or_default()
    }

    /// The first nested block, for blocks that appear at most once.
    pub fn block(&self, k: &str) -> Option<Obj> {
        self.blocks(k).into_iter().next()
    }

    /// Whether `k` is set here and differs from `before`'s: an argument to send in an update
    /// (one left unset stays as AWS has it).
    pub fn set_and_changed_from(&self, before: &Obj, k: &str) -> bool {
        self.get(k).is_some()
            && before.get(k).map(Value::to_json) != self.get(k).map(Value::to_json)
    }

    pub fn set(&mut self, k: &str, v: Value) -> &mut Obj {
        self.0.insert(k.to_string(), v);
        self
    }

    pub fn id(&self) -> ProviderResult<String> {
        self.str("id")
            .ok_or_else(|| ProviderError::new("read", "the object has no id in state"))
    }

    /// The finished object, every schema attribute present and typed.
    pub fn finish(self, schema: &Schema) -> Value {
        schema.complete(self.0)
    }
}

/// Terraform's hashcode of a string, for ids it derives from content (a route's, a policy
/// document's): the CRC-32 (IEEE) of its bytes.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// What is in `after` and not in `before`, and what is in `before` and not in `after`: the
/// calls that bring a set (of ids, names, processes) from one to the other.
pub fn added_removed(before: &[String], after: &[String]) -> (Vec<String>, Vec<String>) {
    let (b, a): (
        std::collections::BTreeSet<&String>,
        std::collections::BTreeSet<&String>,
    ) = (before.iter().collect(), after.iter().collect());
    (
        a.difference(&b).map(|x| x.to_string()).collect(),
        b.difference(&a).map(|x| x.to_string()).collect(),
    )
}

pub fn s(x: impl AsRef<str>) -> Value {
    Value::string(x.as_ref())
}

/// A string, or a null string for `None`.
pub fn opt_s(x: Option<impl AsRef<str>>) -> Value {
    match x {
        Some(v) => s(v),
        None => Value::Null(Type::String),
    }
}

pub fn n(x: i64) -> Value {
    Value::number(Number::from_i64(x))
}

pub fn opt_n(x: Option<i64>) -> Value {
    x.map(n).unwrap_or(Value::Null(Type::Number))
}

/// An optional boolean the API may leave out: null when it does.
pub fn opt_b(x: Option<bool>) -> Value {
    x.map_or(Value::Null(crate::lang::types::Type::Bool), b)
}

pub fn b(x: bool) -> Value {
    Value::Bool(x)
}

pub fn list_s<I: IntoIterator<Item = S>, S: AsRef<str>>(xs: I) -> Value {
    Value::list(Type::String, xs.into_iter().map(s).collect())
}

pub fn set_s<I: IntoIterator<Item = S>, S: AsRef<str>>(xs: I) -> Value {
    Value::set(Type::String, xs.into_iter().map(s).collect())
}

pub fn map_s(m: &BTreeMap<String, String>) -> Value {
    Value::map(
        Type::String,
        m.iter().map(|(k, v)| (k.clone(), s(v))).collect(),
    )
}

/// A list of nested-block objects.
pub fn blocks(elem: &Type, items: Vec<Obj>) -> Value {
    Value::list(
        elem.clone(),
        items.into_iter().map(|o| Value::object(o.0)).collect(),
    )
}

/// Blocks read back, or a null list when there are none: what a configuration without the
/// block gives, so that the two compare equal.
pub fn blocks_or_null(elem: &Type, items: Vec<Obj>) -> Value {
    if items.is_empty() {
        Value::Null(Type::List(Box::new(elem.clone())))
    } else {
        blocks(elem, items)
    }
}

/// Fills the arguments nested blocks leave unset so they compare equal to what a read gives
/// back: an argument with a default takes it (as Terraform's schema defaults do); one the
/// provider computes keeps the prior block's value at the same position, or is unknown.
pub(crate) fn fill_blocks(
    planned: &[Obj],
    prior: &[Obj],
    elem: &Type,
    defaults: &[(&str, Value)],
    computed: &[&str],
) -> Vec<Obj> {
    let Type::Object(fields, _) = elem else {
        return planned.to_vec();
    };
    planned
        .iter()
        .enumerate()
        .map(|(i, block)| {
            let mut out = block.clone();
            for (name, ty) in fields {
                if block.0.get(name).is_some_and(|v| !v.is_null()) {
                    continue;
                }
                if let Some((_, d)) = defaults.iter().find(|(k, _)| k == name) {
                    out.set(name, d.clone());
                } else if computed.contains(&name.as_str()) {
                    let kept = prior.get(i).map(|p| {
                        p.0.get(name)
                            .cloned()
                            .unwrap_or_else(|| Value::Null(ty.clone()))
                    });
                    out.set(name, kept.unwrap_or_else(|| Value::Unknown(ty.clone())));
                }
            }
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::crc32;

    #[test]
    fn crc32_is_ieee() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}
