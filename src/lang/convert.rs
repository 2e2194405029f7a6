//! Type conversion and unification as Terraform does them: the automatic conversions between
//! primitives, tuples to lists and sets, objects to maps, object attribute checks, and finding a
//! common element type for `list(any)` and friends.

use super::number::Number;
use super::types::{Defaults, Type};
use super::value::{Attrs, Value};
use std::collections::BTreeMap;

/// Why a conversion failed, with the path to the offending part (`[0].name`).
#[derive(Debug, Clone, PartialEq)]
pub struct ConvertError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for ConvertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path.trim_start_matches('.'), self.message)
        }
    }
}

fn err(message: impl Into<String>) -> ConvertError {
    ConvertError {
        path: String::new(),
        message: message.into(),
    }
}

fn at(path: String, e: ConvertError) -> ConvertError {
    ConvertError {
        path: format!("{path}{}", e.path),
        message: e.message,
    }
}

fn index_path(i: usize) -> String {
    format!("[{i}]")
}

fn key_path(k: &str) -> String {
    if k.chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        && !k.is_empty()
    {
        format!(".{k}")
    } else {
        format!("[{k:?}]")
    }
}

/// Converts `v` to type `target`, keeping sensitive marks.
pub fn convert(v: &Value, target: &Type) -> Result<Value, ConvertError> {
    if let Value::Sensitive(inner) = v {
        return convert(inner, target).map(Value::sensitive);
    }
    if *target == Type::Dynamic {
        return Ok(v.clone());
    }
    match v {
        Value::Null(_) => return Ok(Value::Null(target.without_optional())),
        Value::Unknown(t) => {
            return if can_convert_type(t, target) {
                Ok(Value::Unknown(target.without_optional()))
            } else {
                Err(err(format!("{} required", required_name(target))))
            };
        }
        _ => {}
    }
    if v.ty() == *target {
        return Ok(v.clone());
    }
    match target {
        Type::String => match v {
            Value::Number(n) => Ok(Value::string(n.to_text())),
            Value::Bool(b) => Ok(Value::string(if *b { "true" } else { "false" })),
            _ => Err(err("string required")),
        },
        Type::Number => match v {
            Value::String(s) => Number::parse(s)
                .map(Value::number)
                .map_err(|_| err(format!("a number is required, not {s:?}"))),
            _ => Err(err("number required")),
        },
        Type::Bool => match v {
            Value::String(s) => match &**s {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(err(format!("a bool is required, not {s:?}"))),
            },
            _ => Err(err("bool required")),
        },
        Type::List(elem) | Type::Set(elem) => {
            let items = v
                .elements()
                .ok_or_else(|| err(format!("{} required", required_name(target))))?;
            let elem = if elem.has_dynamic() {
                unify_values(items, elem)?
            } else {
                (**elem).clone()
            };
            let converted = items
                .iter()
                .enumerate()
                .map(|(i, x)| convert(x, &elem).map_err(|e| at(index_path(i), e)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if matches!(target, Type::Set(_)) {
                Value::set(elem, converted)
            } else {
                Value::list(elem, converted)
            })
        }
        Type::Map(elem) => {
            let attrs = v.attributes().ok_or_else(|| err("map required"))?;
            let items: Vec<Value> = attrs.values().cloned().collect();
            let elem = if elem.has_dynamic() {
                unify_values(&items, elem)?
            } else {
                (**elem).clone()
            };
            let converted = attrs
                .iter()
                .map(|(k, x)| {
                    Ok((
                        k.clone(),
                        convert(x, &elem).map_err(|e| at(key_path(k), e))?,
                    ))
                })
                .collect::<Result<Attrs, ConvertError>>()?;
            Ok(Value::map(elem, converted))
        }
        Type::Tuple(types) => {
            let items = v.elements().ok_or_else(|| err("tuple required"))?;
            if items.len() != types.len() {
                return Err(err(format!("tuple required with {} elements", types.len())));
            }
            let converted = items
                .iter()
                .zip(types)
                .enumerate()
                .map(|(i, (x, t))| convert(x, t).map_err(|e| at(index_path(i), e)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::tuple(converted))
        }
        Type::Object(attr_types, optional) => {
            let attrs = v.attributes().ok_or_else(|| err("object required"))?;
            let mut out = Attrs::new();
            for (name, t) in attr_types {
                match attrs.get(name) {
                    Some(x) => {
                        out.insert(
                            name.clone(),
                            convert(x, t).map_err(|e| at(key_path(name), e))?,
                        );
                    }
                    None if optional.contains(name) => {
                        out.insert(name.clone(), Value::Null(t.without_optional()));
                    }
                    None => return Err(err(format!("attribute {name:?} is required"))),
                }
            }
            Ok(Value::object(out))
        }
        Type::Dynamic => Ok(v.clone()),
    }
}

fn required_name(t: &Type) -> &'static str {
    match t {
        Type::String => "string",
        Type::Number => "number",
        Type::Bool => "bool",
        Type::List(_) => "list",
        Type::Set(_) => "set",
        Type::Map(_) => "map",
        Type::Tuple(_) => "tuple",
        Type::Object(..) => "object",
        Type::Dynamic => "value",
    }
}

/// Whether values of type `from` could convert to `to` (used for unknown values).
pub fn can_convert_type(from: &Type, to: &Type) -> bool {
    match (from, to) {
        (_, Type::Dynamic) | (Type::Dynamic, _) => true,
        (a, b) if a == b => true,
        (a, b) if a.is_primitive() && b.is_primitive() => !matches!(
            (a, b),
            (Type::Number, Type::Bool) | (Type::Bool, Type::Number)
        ),
        (Type::List(a) | Type::Set(a), Type::List(b) | Type::Set(b)) => can_convert_type(a, b),
        (Type::Tuple(ts), Type::List(b) | Type::Set(b)) => {
            ts.iter().all(|t| can_convert_type(t, b))
        }
        (Type::Map(a), Type::Map(b)) => can_convert_type(a, b),
        (Type::Object(attrs, _), Type::Map(b)) => attrs.values().all(|t| can_convert_type(t, b)),
        (Type::Object(..) | Type::Map(_), Type::Object(..)) => true,
        (Type::Tuple(_) | Type::List(_), Type::Tuple(_)) => true,
        _ => false,
    }
}

/// The common type of some values, given the element constraint (which holds `any` somewhere).
fn unify_values(items: &[Value], constraint: &Type) -> Result<Type, ConvertError> {
    if *constraint != Type::Dynamic {
        // e.g. list(list(any)): each element converts to the inner constraint first.
        let converted: Vec<Type> = items
            .iter()
            .map(|x| convert(x, constraint).map(|c| c.ty()))
            .collect::<Result<_, _>>()?;
        return unify(&converted).ok_or_else(|| err("all elements must have the same type"));
    }
    let types: Vec<Type> = items.iter().map(Value::ty).collect();
    unify(&types).ok_or_else(|| err("all elements must have the same type"))
}

/// Terraform's unification: the one type all of `types` convert to, when there is one.
pub fn unify(types: &[Type]) -> Option<Type> {
    let known: Vec<&Type> = types.iter().filter(|t| **t != Type::Dynamic).collect();
    let Some(first) = known.first() else {
        return Some(Type::Dynamic);
    };
    if known.iter().all(|t| t == first) {
        return Some((*first).clone());
    }
    if known.iter().all(|t| t.is_primitive()) {
        if known.iter().any(|t| **t == Type::String) {
            return Some(Type::String);
        }
        return None;
    }
    if known.iter().all(|t| matches!(t, Type::Object(..))) {
        let keys: Vec<Vec<&String>> = known
            .iter()
            .map(|t| match t {
                Type::Object(a, _) => a.keys().collect(),
                _ => unreachable!(),
            })
            .collect();
        if keys.iter().all(|k| *k == keys[0]) {
            let mut attrs = BTreeMap::new();
            for k in &keys[0] {
                let ts: Vec<Type> = known
                    .iter()
                    .map(|t| match t {
                        Type::Object(a, _) => a[*k].clone(),
                        _ => unreachable!(),
                    })
                    .collect();
                attrs.insert((*k).clone(), unify(&ts)?);
            }
            return Some(Type::object(attrs));
        }
        // Different attribute names: the common type is a map, as in cty.
    }
    if known
        .iter()
        .all(|t| matches!(t, Type::Object(..) | Type::Map(_)))
    {
        let elems: Vec<Type> = known
            .iter()
            .flat_map(|t| match t {
                Type::Object(a, _) => a.values().cloned().collect::<Vec<_>>(),
                Type::Map(e) => vec![(**e).clone()],
                _ => unreachable!(),
            })
            .collect();
        return Some(Type::Map(Box::new(unify(&elems)?)));
    }
    if known.iter().all(|t| matches!(t, Type::Tuple(_))) {
        let lens: Vec<usize> = known
            .iter()
            .map(|t| match t {
                Type::Tuple(ts) => ts.len(),
                _ => unreachable!(),
            })
            .collect();
        if lens.iter().all(|l| *l == lens[0]) {
            let mut out = Vec::with_capacity(lens[0]);
            for i in 0..lens[0] {
                let ts: Vec<Type> = known
                    .iter()
                    .map(|t| match t {
                        Type::Tuple(ts) => ts[i].clone(),
                        _ => unreachable!(),
                    })
                    .collect();
                out.push(unify(&ts)?);
            }
            return Some(Type::Tuple(out));
        }
        // Tuples of different lengths unify as a list, below.
    }
    // A set among tuples: the tuples convert to it (cty prefers the collection type).
    if known
        .iter()
        .all(|t| matches!(t, Type::Tuple(_) | Type::Set(_)))
        && known.iter().any(|t| matches!(t, Type::Set(_)))
    {
        let elems: Vec<Type> = known
            .iter()
            .flat_map(|t| match t {
                Type::Tuple(ts) => ts.clone(),
                Type::Set(e) => vec![(**e).clone()],
                _ => unreachable!(),
            })
            .collect();
        return Some(Type::Set(Box::new(unify(&elems)?)));
    }
    if known
        .iter()
        .all(|t| matches!(t, Type::Tuple(_) | Type::List(_)))
    {
        let elems: Vec<Type> = known
            .iter()
            .flat_map(|t| match t {
                Type::Tuple(ts) => ts.clone(),
                Type::List(e) => vec![(**e).clone()],
                _ => unreachable!(),
            })
            .collect();
        return Some(Type::List(Box::new(unify(&elems)?)));
    }
    if known
        .iter()
        .all(|t| matches!(t, Type::List(_) | Type::Set(_)))
    {
        let elems: Vec<Type> = known
            .iter()
            .filter_map(|t| t.element_type().cloned())
            .collect();
        return Some(Type::List(Box::new(unify(&elems)?)));
    }
    None
}

/// Fills `optional(type, default)` attributes that are null with their defaults.
pub fn apply_defaults(v: Value, ty: &Type, defaults: &Defaults) -> Value {
    if defaults.is_empty() || v.is_null() || !v.is_known() {
        return v;
    }
    if let Value::Sensitive(inner) = &v {
        return apply_defaults((**inner).clone(), ty, defaults).sensitive();
    }
    match (&v, ty) {
        (Value::Object(attrs), Type::Object(types, _)) => {
            let mut out = (**attrs).clone();
            for (k, x) in out.iter_mut() {
                let t = types.get(k).cloned().unwrap_or(Type::Dynamic);
                if x.is_null()
                    && let Some(d) = defaults.attrs.get(k)
                {
                    *x = convert(d, &t).unwrap_or_else(|_| d.clone());
                }
                if let Some(child) = defaults.children.get(k) {
                    *x = apply_defaults(x.clone(), &t, child);
                }
            }
            Value::object(out)
        }
        (Value::List(et, items), Type::List(t)) | (Value::Set(et, items), Type::Set(t)) => {
            let child = defaults.children.get("").cloned().unwrap_or_default();
            let items: Vec<Value> = items
                .iter()
                .map(|x| apply_defaults(x.clone(), t, &child))
                .collect();
            let et = items.first().map(Value::ty).unwrap_or_else(|| et.clone());
            if matches!(v, Value::Set(..)) {
                Value::set(et, items)
            } else {
                Value::list(et, items)
            }
        }
        (Value::Map(et, attrs), Type::Map(t)) => {
            let child = defaults.children.get("").cloned().unwrap_or_default();
            let attrs: Attrs = attrs
                .iter()
                .map(|(k, x)| (k.clone(), apply_defaults(x.clone(), t, &child)))
                .collect();
            let et = attrs
                .values()
                .next()
                .map(Value::ty)
                .unwrap_or_else(|| et.clone());
            Value::map(et, attrs)
        }
        (Value::Tuple(items), Type::Tuple(ts)) => Value::tuple(
            items
                .iter()
                .zip(ts)
                .enumerate()
                .map(|(i, (x, t))| {
                    let child = defaults
                        .children
                        .get(&i.to_string())
                        .cloned()
                        .unwrap_or_default();
                    apply_defaults(x.clone(), t, &child)
                })
                .collect(),
        ),
        _ => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuple_of_mixed_primitives_becomes_list_of_string() {
        let v = Value::tuple(vec![Value::int(1), Value::string("a"), Value::Bool(true)]);
        let out = convert(&v, &Type::List(Box::new(Type::Dynamic))).unwrap();
        assert_eq!(out.ty(), Type::List(Box::new(Type::String)));
        assert_eq!(out.elements().unwrap()[0].as_str(), Some("1"));
    }

    #[test]
    fn missing_required_attribute_is_named() {
        let v = Value::object(Attrs::new());
        let t = Type::object([("name".to_string(), Type::String)].into());
        let e = convert(&v, &t).unwrap_err();
        assert!(e.message.contains("\"name\" is required"), "{e}");
    }

    #[test]
    fn bad_number_string_fails_with_path() {
        let v = Value::tuple(vec![Value::string("x")]);
        let e = convert(&v, &Type::List(Box::new(Type::Number))).unwrap_err();
        assert_eq!(e.path, "[0]");
    }
}
