//! The value type every expression evaluates to: Terraform's values (typed null, primitives,
//! collections, structural types), a typed **unknown** for values known only after apply, and a
//! **sensitive** mark that wraps any value and travels with it through operators and functions.
//!
//! Collections share their storage (`Arc`) so that passing a large object around is cheap.

use super::number::Number;
use super::types::Type;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

pub type Attrs = BTreeMap<String, Value>;

#[derive(Clone, Debug)]
pub enum Value {
    Null(Type),
    Unknown(Type),
    Bool(bool),
    Number(Arc<Number>),
    String(Arc<str>),
    List(Type, Arc<Vec<Value>>),
    /// Elements are unique and kept in Terraform's set order.
    Set(Type, Arc<Vec<Value>>),
    Map(Type, Arc<Attrs>),
    Tuple(Arc<Vec<Value>>),
    Object(Arc<Attrs>),
    Sensitive(Arc<Value>),
}

impl Value {
    pub fn null() -> Value {
        Value::Null(Type::Dynamic)
    }

    pub fn unknown() -> Value {
        Value::Unknown(Type::Dynamic)
    }

    /// A string value, in Unicode normal form C as every Terraform string is (so `"e\u0301"`
    /// and `"é"` are the same value, and hash and compress the same).
    pub fn string(s: impl Into<Arc<str>>) -> Value {
        let s: Arc<str> = s.into();
        match unicode_normalization::is_nfc_quick(s.chars()) {
            unicode_normalization::IsNormalized::Yes => Value::String(s),
            _ => {
                use unicode_normalization::UnicodeNormalization;
                Value::String(s.nfc().collect::<String>().into())
            }
        }
    }

    pub fn number(n: Number) -> Value {
        Value::Number(Arc::new(n))
    }

    pub fn int(i: i64) -> Value {
        Value::number(Number::from_i64(i))
    }

    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(Arc::new(items))
    }

    pub fn object(attrs: Attrs) -> Value {
        Value::Object(Arc::new(attrs))
    }

    pub fn list(elem: Type, items: Vec<Value>) -> Value {
        Value::List(elem, Arc::new(items))
    }

    pub fn map(elem: Type, items: Attrs) -> Value {
        Value::Map(elem, Arc::new(items))
    }

    /// A set: duplicates removed, elements put in Terraform's order. A set holding an unknown
    /// element is unknown as a whole (its size is not known).
    pub fn set(elem: Type, items: Vec<Value>) -> Value {
        if items.iter().any(|v| !v.is_wholly_known()) {
            return Value::Unknown(Type::Set(Box::new(elem)));
        }
        let mut items = items;
        items.sort_by(set_order);
        items.dedup_by(|a, b| a.raw_equal(b));
        Value::Set(elem, Arc::new(items))
    }

    pub fn sensitive(self) -> Value {
        match self {
            Value::Sensitive(_) => self,
            v => Value::Sensitive(Arc::new(v)),
        }
    }

    pub fn mark_if(self, sensitive: bool) -> Value {
        if sensitive { self.sensitive() } else { self }
    }

    /// The type of this value (the wrapped value's, for a sensitive one).
    /// The (key, element) pairs a `for` expression or a `dynamic` block iterates: index and
    /// element of a list or tuple, the element twice for a set, name and value of a map or
    /// object; `None` for null and for a value that is no collection.
    pub fn iteration_pairs(&self) -> Option<Vec<(Value, Value)>> {
        match self {
            Value::List(_, items) | Value::Tuple(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (Value::int(i as i64), v.clone()))
                    .collect(),
            ),
            Value::Set(_, items) => Some(items.iter().map(|v| (v.clone(), v.clone())).collect()),
            Value::Map(_, attrs) | Value::Object(attrs) => Some(
                attrs
                    .iter()
                    .map(|(k, v)| (Value::string(k.as_str()), v.clone()))
                    .collect(),
            ),
            _ => None,
        }
    }

    pub fn ty(&self) -> Type {
        match self {
            Value::Null(t) | Value::Unknown(t) => t.clone(),
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::List(t, _) => Type::List(Box::new(t.clone())),
            Value::Set(t, _) => Type::Set(Box::new(t.clone())),
            Value::Map(t, _) => Type::Map(Box::new(t.clone())),
            Value::Tuple(items) => Type::Tuple(items.iter().map(Value::ty).collect()),
            Value::Object(attrs) => {
                Type::object(attrs.iter().map(|(k, v)| (k.clone(), v.ty())).collect())
            }
            Value::Sensitive(v) => v.ty(),
        }
    }

    pub fn is_null(&self) -> bool {
        match self {
            Value::Null(_) => true,
            Value::Sensitive(v) => v.is_null(),
            _ => false,
        }
    }

    pub fn is_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::Sensitive(v) => v.is_known(),
            _ => true,
        }
    }

    /// No unknown anywhere inside.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::Sensitive(v) => v.is_wholly_known(),
            Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
                items.iter().all(Value::is_wholly_known)
            }
            Value::Map(_, attrs) | Value::Object(attrs) => {
                attrs.values().all(Value::is_wholly_known)
            }
            _ => true,
        }
    }

    pub fn is_marked(&self) -> bool {
        matches!(self, Value::Sensitive(_))
    }

    /// A sensitive mark anywhere inside.
    pub fn has_marks(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
                items.iter().any(Value::has_marks)
            }
            Value::Map(_, attrs) | Value::Object(attrs) => attrs.values().any(Value::has_marks),
            _ => false,
        }
    }

    /// Removes the outer mark only.
    pub fn unmark(&self) -> (&Value, bool) {
        match self {
            Value::Sensitive(v) => (v.unmark().0, true),
            v => (v, false),
        }
    }

    /// Removes every mark, saying whether there were any.
    pub fn unmark_deep(&self) -> (Value, bool) {
        if !self.has_marks() {
            return (self.clone(), false);
        }
        let v = match self {
            Value::Sensitive(v) => return (v.unmark_deep().0, true),
            Value::List(t, items) => Value::list(t.clone(), strip_all(items)),
            Value::Set(t, items) => Value::set(t.clone(), strip_all(items)),
            Value::Tuple(items) => Value::tuple(strip_all(items)),
            Value::Map(t, attrs) => Value::map(t.clone(), strip_attrs(attrs)),
            Value::Object(attrs) => Value::object(strip_attrs(attrs)),
            other => other.clone(),
        };
        (v, true)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Elements of a list, set or tuple.
    pub fn elements(&self) -> Option<&[Value]> {
        match self {
            Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// Attributes of a map or object.
    pub fn attributes(&self) -> Option<&Attrs> {
        match self {
            Value::Map(_, attrs) | Value::Object(attrs) => Some(attrs),
            _ => None,
        }
    }

    /// Length of a collection or structural value.
    pub fn length(&self) -> Option<usize> {
        self.elements()
            .map(<[Value]>::len)
            .or_else(|| self.attributes().map(BTreeMap::len))
    }

    /// Structural equality of two known values, ignoring marks; numbers compare by value. A
    /// schema's optional-attribute markers in one value's type do not make it another type.
    pub fn raw_equal(&self, other: &Value) -> bool {
        let (a, _) = self.unmark();
        let (b, _) = other.unmark();
        match (a, b) {
            (Value::Null(_), Value::Null(_)) => true,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::Number(x), Value::Number(y)) => x == y,
            (Value::String(x), Value::String(y)) => x == y,
            (Value::List(_, x), Value::List(_, y))
            | (Value::Set(_, x), Value::Set(_, y))
            | (Value::Tuple(x), Value::Tuple(y)) => {
                x.len() == y.len()
                    && same_type(a, b)
                    && x.iter().zip(y.iter()).all(|(p, q)| p.raw_equal(q))
            }
            (Value::Map(_, x), Value::Map(_, y)) | (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len()
                    && same_type(a, b)
                    && x.iter()
                        .zip(y.iter())
                        .all(|((k1, v1), (k2, v2))| k1 == k2 && v1.raw_equal(v2))
            }
            (Value::Unknown(t1), Value::Unknown(t2)) => t1 == t2,
            _ => false,
        }
    }

    /// Terraform's JSON encoding of a known value (numbers keep every digit).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null(_) | Value::Unknown(_) => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => number_to_json(n),
            Value::String(s) => J::String(s.to_string()),
            Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
                J::Array(items.iter().map(Value::to_json).collect())
            }
            Value::Map(_, attrs) | Value::Object(attrs) => J::Object(
                attrs
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
            Value::Sensitive(v) => v.to_json(),
        }
    }

    /// Reads JSON as Terraform's `jsondecode` does: objects become objects, arrays tuples.
    pub fn from_json(j: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match j {
            J::Null => Value::null(),
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => {
                Value::number(Number::parse(&n.to_string()).unwrap_or_else(|_| Number::zero()))
            }
            J::String(s) => Value::string(s.as_str()),
            J::Array(a) => Value::tuple(a.iter().map(Value::from_json).collect()),
            J::Object(o) => Value::object(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Reads JSON into a value of a known type (state files, plan files, `-var-file` JSON).
    pub fn from_json_typed(j: &serde_json::Value, ty: &Type) -> Option<Value> {
        use serde_json::Value as J;
        if j.is_null() {
            return Some(Value::Null(ty.clone()));
        }
        Some(match (ty, j) {
            (Type::Dynamic, _) => Value::from_json(j),
            (Type::String, J::String(s)) => Value::string(s.as_str()),
            (Type::Number, J::Number(n)) => Value::number(Number::parse(&n.to_string()).ok()?),
            (Type::Bool, J::Bool(b)) => Value::Bool(*b),
            (Type::List(t), J::Array(a)) => Value::list(
                (**t).clone(),
                a.iter()
                    .map(|v| Value::from_json_typed(v, t))
                    .collect::<Option<_>>()?,
            ),
            (Type::Set(t), J::Array(a)) => Value::set(
                (**t).clone(),
                a.iter()
                    .map(|v| Value::from_json_typed(v, t))
                    .collect::<Option<_>>()?,
            ),
            (Type::Tuple(ts), J::Array(a)) if ts.len() == a.len() => Value::tuple(
                a.iter()
                    .zip(ts)
                    .map(|(v, t)| Value::from_json_typed(v, t))
                    .collect::<Option<_>>()?,
            ),
            (Type::Map(t), J::Object(o)) => Value::map(
                (**t).clone(),
                o.iter()
                    .map(|(k, v)| Some((k.clone(), Value::from_json_typed(v, t)?)))
                    .collect::<Option<_>>()?,
            ),
            (Type::Object(attrs, _), J::Object(o)) => Value::object(
                attrs
                    .iter()
                    .map(|(k, t)| {
                        let v = o.get(k).map_or(Some(Value::Null(t.clone())), |v| {
                            Value::from_json_typed(v, t)
                        })?;
                        Some((k.clone(), v))
                    })
                    .collect::<Option<_>>()?,
            ),
            _ => return None,
        })
    }
}

pub fn number_to_json(n: &Number) -> serde_json::Value {
    let text = n.to_text();
    serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
}

fn strip_all(items: &[Value]) -> Vec<Value> {
    items.iter().map(|v| v.unmark_deep().0).collect()
}

fn strip_attrs(attrs: &Attrs) -> Attrs {
    attrs
        .iter()
        .map(|(k, v)| (k.clone(), v.unmark_deep().0))
        .collect()
}

/// Terraform's set order: strings lexically, numbers numerically, false before true; other
/// element types in a stable order of their JSON text.
pub fn set_order(a: &Value, b: &Value) -> Ordering {
    match (a.unmark().0, b.unmark().0) {
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => x.cmp_num(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Null(_), Value::Null(_)) => Ordering::Equal,
        (Value::Null(_), _) => Ordering::Greater,
        (_, Value::Null(_)) => Ordering::Less,
        (x, y) => x.to_json().to_string().cmp(&y.to_json().to_string()),
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        self.is_marked() == other.is_marked() && self.raw_equal(other)
    }
}

/// Whether two collection values have the same type, optional-attribute markers aside (the
/// exact comparison first: it is the common case and cheaper).
fn same_type(a: &Value, b: &Value) -> bool {
    let (ta, tb) = (a.ty(), b.ty());
    ta == tb || ta.same_shape(&tb)
}
