//! Values to and from JSON: in state (Terraform's layout, where an attribute of dynamic type is
//! stored as `{"value": ..., "type": ...}` and sensitivity as paths beside it), and in plan files,
//! where a value may also be unknown.

use crate::lang::marks::{self, Step};
use crate::lang::types::Type;
use crate::lang::value::{Attrs, Value};
use crate::provider::Schema;
use serde_json::{Value as J, json};

/// An instance's attributes as state stores them, and the sensitive paths as Terraform writes
/// them (`[{"type":"get_attr","value":"tags"},{"type":"index",...}]`).
pub fn to_state(v: &Value, schema: &Schema) -> (J, Vec<J>) {
    let mut out = serde_json::Map::new();
    let mut sensitive = Vec::new();
    let attrs = v.unmark().0.attributes();
    for (name, a) in &schema.attributes {
        let null;
        let x = match attrs.and_then(|m| m.get(name)) {
            Some(x) => x,
            None => {
                null = Value::Null(a.ty.clone());
                &null
            }
        };
        // Most values carry no mark: they are encoded as they are, without a copy.
        let plain = if a.sensitive || x.has_marks() {
            let x = x.clone().mark_if(a.sensitive);
            for mut path in marks::paths(&x) {
                path.insert(0, Step::Attr(name.clone()));
                sensitive.push(marks::path_to_json(&path));
            }
            std::borrow::Cow::Owned(x.unmark_deep().0)
        } else {
            std::borrow::Cow::Borrowed(x)
        };
        let encoded = if a.ty == Type::Dynamic {
            if plain.is_null() {
                J::Null
            } else {
                json!({ "value": plain.to_json(), "type": plain.ty().to_json() })
            }
        } else {
            plain.to_json()
        };
        out.insert(name.clone(), encoded);
    }
    (J::Object(out), sensitive)
}

/// Attributes read back from state, typed by the schema, marked at the recorded paths and
/// where the schema says an attribute is sensitive.
pub fn from_state(j: &J, sensitive: &[J], schema: &Schema) -> Value {
    let paths = marks::state_paths(sensitive);
    let mut attrs = Attrs::new();
    for (name, a) in &schema.attributes {
        let raw = j.get(name).unwrap_or(&J::Null);
        let v = if a.ty == Type::Dynamic {
            match (raw.get("value"), raw.get("type").and_then(Type::from_json)) {
                (Some(val), Some(t)) => {
                    Value::from_json_typed(val, &t).unwrap_or_else(|| Value::from_json(val))
                }
                _ if raw.is_null() => Value::null(),
                _ => Value::from_json(raw),
            }
        } else {
            Value::from_json_typed(raw, &a.ty).unwrap_or_else(|| Value::from_json(raw))
        };
        attrs.insert(name.clone(), v.mark_if(a.sensitive));
    }
    let v = marks::apply(Value::object(attrs), &paths);
    if !paths.is_empty() {
        crate::redact::register(&marks::secret_strings(&v));
    }
    v
}

/// A value in a plan file: like its JSON, with unknowns and marks spelled out so nothing is lost.
pub fn to_plan_json(v: &Value) -> J {
    match v {
        Value::Unknown(t) => json!({ "__unknown__": t.to_json() }),
        Value::Sensitive(inner) => json!({ "__sensitive__": to_plan_json(inner) }),
        Value::Null(t) => json!({ "__null__": t.to_json() }),
        Value::List(t, items) => {
            json!({ "__list__": t.to_json(), "items": items.iter().map(to_plan_json).collect::<Vec<_>>() })
        }
        Value::Set(t, items) => {
            json!({ "__set__": t.to_json(), "items": items.iter().map(to_plan_json).collect::<Vec<_>>() })
        }
        Value::Map(t, attrs) => {
            json!({ "__map__": t.to_json(), "items": attrs.iter().map(|(k, x)| (k.clone(), to_plan_json(x))).collect::<serde_json::Map<_, _>>() })
        }
        Value::Tuple(items) => J::Array(items.iter().map(to_plan_json).collect()),
        Value::Object(attrs) => {
            json!({ "__object__": attrs.iter().map(|(k, x)| (k.clone(), to_plan_json(x))).collect::<serde_json::Map<_, _>>() })
        }
        other => other.to_json(),
    }
}

pub fn from_plan_json(j: &J) -> Value {
    let ty = |k: &str| j.get(k).and_then(Type::from_json).unwrap_or(Type::Dynamic);
    match j {
        J::Object(o) if o.contains_key("__unknown__") => Value::Unknown(ty("__unknown__")),
        J::Object(o) if o.contains_key("__sensitive__") => {
            from_plan_json(&o["__sensitive__"]).sensitive()
        }
        J::Object(o) if o.contains_key("__null__") => Value::Null(ty("__null__")),
        J::Object(o) if o.contains_key("__list__") => {
            Value::list(ty("__list__"), items(o.get("items")))
        }
        J::Object(o) if o.contains_key("__set__") => {
            Value::set(ty("__set__"), items(o.get("items")))
        }
        J::Object(o) if o.contains_key("__map__") => {
            Value::map(ty("__map__"), attrs(o.get("items")))
        }
        J::Object(o) if o.contains_key("__object__") => Value::object(attrs(o.get("__object__"))),
        J::Array(a) => Value::tuple(a.iter().map(from_plan_json).collect()),
        other => Value::from_json(other),
    }
}

fn items(j: Option<&J>) -> Vec<Value> {
    j.and_then(J::as_array)
        .map(|a| a.iter().map(from_plan_json).collect())
        .unwrap_or_default()
}

fn attrs(j: Option<&J>) -> Attrs {
    j.and_then(J::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), from_plan_json(v)))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_json_round_trips_unknowns_marks_and_types() {
        let v = Value::object(
            [
                ("a".to_string(), Value::Unknown(Type::String)),
                ("b".to_string(), Value::string("x").sensitive()),
                (
                    "c".to_string(),
                    Value::list(Type::Number, vec![Value::int(1)]),
                ),
                ("d".to_string(), Value::Null(Type::Bool)),
                ("e".to_string(), Value::tuple(vec![Value::Bool(true)])),
            ]
            .into(),
        );
        let back = from_plan_json(&to_plan_json(&v));
        assert_eq!(back, v);
        assert_eq!(back.ty(), v.ty());
    }
}
