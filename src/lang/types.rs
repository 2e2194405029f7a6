//! Terraform's type system: primitive, collection and structural types, plus `any` (dynamic),
//! and the type-constraint syntax of `variable` blocks (`list(number)`, `object({...})` with
//! `optional(type, default)`).

use super::value::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    String,
    Number,
    Bool,
    /// `any`: the type is not decided yet (or is any type, in a constraint).
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    /// Attribute types, and (in constraints only) the names of optional attributes.
    Object(BTreeMap<String, Type>, BTreeSet<String>),
}

impl Type {
    pub fn object(attrs: BTreeMap<String, Type>) -> Type {
        Type::Object(attrs, BTreeSet::new())
    }

    /// The same type once constraints' optional-attribute markers are set aside: values of
    /// both are the same values (a schema's block type and a converted value's type).
    pub fn same_shape(&self, other: &Type) -> bool {
        match (self, other) {
            (Type::List(a), Type::List(b))
            | (Type::Set(a), Type::Set(b))
            | (Type::Map(a), Type::Map(b)) => a.same_shape(b),
            (Type::Tuple(a), Type::Tuple(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_shape(y))
            }
            (Type::Object(a, _), Type::Object(b, _)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((k1, t1), (k2, t2))| k1 == k2 && t1.same_shape(t2))
            }
            (a, b) => a == b,
        }
    }

    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::String | Type::Number | Type::Bool)
    }

    pub fn has_dynamic(&self) -> bool {
        match self {
            Type::Dynamic => true,
            Type::List(t) | Type::Set(t) | Type::Map(t) => t.has_dynamic(),
            Type::Tuple(ts) => ts.iter().any(Type::has_dynamic),
            Type::Object(attrs, _) => attrs.values().any(Type::has_dynamic),
            _ => false,
        }
    }

    /// The value type of a constraint: the same shape with optional-attribute marks removed.
    pub fn without_optional(&self) -> Type {
        match self {
            Type::List(t) => Type::List(Box::new(t.without_optional())),
            Type::Set(t) => Type::Set(Box::new(t.without_optional())),
            Type::Map(t) => Type::Map(Box::new(t.without_optional())),
            Type::Tuple(ts) => Type::Tuple(ts.iter().map(Type::without_optional).collect()),
            Type::Object(attrs, _) => Type::object(
                attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), t.without_optional()))
                    .collect(),
            ),
            t => t.clone(),
        }
    }

    pub fn element_type(&self) -> Option<&Type> {
        match self {
            Type::List(t) | Type::Set(t) | Type::Map(t) => Some(t),
            _ => None,
        }
    }

    /// Terraform's friendly name, used in error messages ("list of string").
    pub fn friendly(&self) -> String {
        match self {
            Type::String => "string".into(),
            Type::Number => "number".into(),
            Type::Bool => "bool".into(),
            Type::Dynamic => "dynamic".into(),
            Type::List(t) => format!("list of {}", t.friendly()),
            Type::Set(t) => format!("set of {}", t.friendly()),
            Type::Map(t) => format!("map of {}", t.friendly()),
            Type::Tuple(_) => "tuple".into(),
            Type::Object(..) => "object".into(),
        }
    }

    /// The JSON form Terraform uses in `output -json` and plan files.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Type::String => json!("string"),
            Type::Number => json!("number"),
            Type::Bool => json!("bool"),
            Type::Dynamic => json!("dynamic"),
            Type::List(t) => json!(["list", t.to_json()]),
            Type::Set(t) => json!(["set", t.to_json()]),
            Type::Map(t) => json!(["map", t.to_json()]),
            Type::Tuple(ts) => json!(["tuple", ts.iter().map(Type::to_json).collect::<Vec<_>>()]),
            Type::Object(attrs, optional) => {
                let a: serde_json::Map<String, serde_json::Value> = attrs
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect();
                if optional.is_empty() {
                    json!(["object", a])
                } else {
                    json!(["object", a, optional.iter().collect::<Vec<_>>()])
                }
            }
        }
    }

    pub fn from_json(v: &serde_json::Value) -> Option<Type> {
        use serde_json::Value as J;
        Some(match v {
            J::String(s) => match s.as_str() {
                "string" => Type::String,
                "number" => Type::Number,
                "bool" => Type::Bool,
                "dynamic" => Type::Dynamic,
                _ => return None,
            },
            J::Array(a) => match (a.first()?.as_str()?, a.get(1)?) {
                ("list", t) => Type::List(Box::new(Type::from_json(t)?)),
                ("set", t) => Type::Set(Box::new(Type::from_json(t)?)),
                ("map", t) => Type::Map(Box::new(Type::from_json(t)?)),
                ("tuple", J::Array(ts)) => {
                    Type::Tuple(ts.iter().map(Type::from_json).collect::<Option<_>>()?)
                }
                ("object", J::Object(attrs)) => {
                    let attrs = attrs
                        .iter()
                        .map(|(k, t)| Some((k.clone(), Type::from_json(t)?)))
                        .collect::<Option<_>>()?;
                    let optional = a
                        .get(2)
                        .and_then(|o| o.as_array())
                        .map(|o| {
                            o.iter()
                                .filter_map(|s| s.as_str().map(String::from))
                                .collect()
                        })
                        .unwrap_or_default();
                    Type::Object(attrs, optional)
                }
                _ => return None,
            },
            _ => return None,
        })
    }
}

impl fmt::Display for Type {
    /// The constraint syntax (`list(string)`), used in `infra console` and diagnostics.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::Dynamic => f.write_str("any"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Tuple(ts) => {
                f.write_str("tuple([")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("])")
            }
            Type::Object(attrs, optional) => {
                f.write_str("object({")?;
                for (i, (k, t)) in attrs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if optional.contains(k) {
                        write!(f, "{k}=optional({t})")?;
                    } else {
                        write!(f, "{k}={t}")?;
                    }
                }
                f.write_str("})")
            }
        }
    }
}

/// Default values for `optional(type, default)` attributes, shaped like the type they belong to.
#[derive(Clone, Debug, Default)]
pub struct Defaults {
    /// Defaults for this object's own optional attributes.
    pub attrs: BTreeMap<String, Value>,
    /// Defaults nested under an attribute (for objects) or under `""` (collection elements).
    pub children: BTreeMap<String, Defaults>,
}

impl Defaults {
    pub fn is_empty(&self) -> bool {
        self.attrs.is_empty() && self.children.is_empty()
    }
}

/// A parsed type constraint: the type and any defaults inside it.
#[derive(Clone, Debug)]
pub struct TypeConstraint {
    pub ty: Type,
    pub defaults: Defaults,
}

impl TypeConstraint {
    pub fn any() -> TypeConstraint {
        TypeConstraint {
            ty: Type::Dynamic,
            defaults: Defaults::default(),
        }
    }
}
