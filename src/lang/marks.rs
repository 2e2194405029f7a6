//! Sensitive marks as paths. Providers see plain values and return plain values, so the engine
//! takes the marks off before a provider call and puts them back, at the same places, on what
//! comes back: Terraform's `UnmarkDeepWithPaths` / `MarkWithPaths`. The same paths are what
//! state records as `sensitive_attributes`, in Terraform's JSON shape.
//!
//! As in Terraform, a set cannot hold marked elements: a mark anywhere inside a set marks the
//! whole set (its elements have no stable address).

use super::number::Number;
use super::value::{Attrs, Value};
use serde_json::{Value as J, json};

/// One step from a value into a part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// An object's attribute.
    Attr(String),
    /// A map's element.
    Key(String),
    /// A list's or tuple's element.
    Index(usize),
}

pub type Path = Vec<Step>;

/// Every place a mark sits in `v`, outermost first; below a mark nothing more is listed.
pub fn paths(v: &Value) -> Vec<Path> {
    let mut out = Vec::new();
    collect(v, &mut Vec::new(), &mut out);
    out
}

fn collect(v: &Value, at: &mut Path, out: &mut Vec<Path>) {
    match v {
        Value::Sensitive(_) => out.push(at.clone()),
        Value::Set(..) if v.has_marks() => out.push(at.clone()),
        Value::List(_, items) | Value::Tuple(items) => {
            for (i, x) in items.iter().enumerate() {
                at.push(Step::Index(i));
                collect(x, at, out);
                at.pop();
            }
        }
        Value::Object(attrs) => walk_attrs(attrs, Step::Attr, at, out),
        Value::Map(_, attrs) => walk_attrs(attrs, Step::Key, at, out),
        _ => {}
    }
}

fn walk_attrs(attrs: &Attrs, step: fn(String) -> Step, at: &mut Path, out: &mut Vec<Path>) {
    for (k, x) in attrs.iter() {
        at.push(step(k.clone()));
        collect(x, at, out);
        at.pop();
    }
}

/// `v` with a mark at each path that exists in it. A path into a set marks the set; a path
/// through a value that is unknown or null marks that value (its parts are not known yet);
/// a path that leads nowhere (an attribute the value lacks) is ignored.
pub fn apply(v: Value, paths: &[Path]) -> Value {
    paths.iter().fold(v, |v, p| mark_at(v, p))
}

fn mark_at(v: Value, path: &[Step]) -> Value {
    let Some((step, rest)) = path.split_first() else {
        return v.sensitive();
    };
    match (v, step) {
        (Value::Sensitive(inner), _) => Value::Sensitive(inner),
        (v @ (Value::Set(..) | Value::Unknown(_)), _) => v.sensitive(),
        (v @ Value::Null(_), _) => v,
        (Value::Object(attrs), Step::Attr(k) | Step::Key(k)) if attrs.contains_key(k) => {
            let mut attrs = (*attrs).clone();
            let x = attrs.remove(k).unwrap_or_else(Value::null);
            attrs.insert(k.clone(), mark_at(x, rest));
            Value::object(attrs)
        }
        (Value::Map(t, attrs), Step::Key(k) | Step::Attr(k)) if attrs.contains_key(k) => {
            let mut attrs = (*attrs).clone();
            let x = attrs.remove(k).unwrap_or_else(Value::null);
            attrs.insert(k.clone(), mark_at(x, rest));
            Value::map(t, attrs)
        }
        (Value::List(t, items), Step::Index(i)) if *i < items.len() => {
            Value::list(t, replace_item(&items, *i, rest))
        }
        (Value::Tuple(items), Step::Index(i)) if *i < items.len() => {
            Value::tuple(replace_item(&items, *i, rest))
        }
        (v, _) => v,
    }
}

fn replace_item(items: &[Value], i: usize, rest: &[Step]) -> Vec<Value> {
    let mut items = items.to_vec();
    let x = std::mem::replace(&mut items[i], Value::null());
    items[i] = mark_at(x, rest);
    items
}

/// A path as Terraform's state writes it: `[{"type":"get_attr","value":"tags"},
/// {"type":"index","value":{"value":"Secret","type":"string"}}]`.
pub fn path_to_json(path: &[Step]) -> J {
    J::Array(
        path.iter()
            .map(|s| match s {
                Step::Attr(name) => json!({ "type": "get_attr", "value": name }),
                Step::Key(k) => {
                    json!({ "type": "index", "value": { "value": k, "type": "string" } })
                }
                Step::Index(i) => {
                    json!({ "type": "index", "value": { "value": i, "type": "number" } })
                }
            })
            .collect(),
    )
}

/// A path read from state; `None` for a shape this version does not know.
pub fn path_from_json(j: &J) -> Option<Path> {
    j.as_array()?
        .iter()
        .map(|s| match s.get("type")?.as_str()? {
            "get_attr" => Some(Step::Attr(s.get("value")?.as_str()?.to_string())),
            "index" => {
                let key = s.get("value")?;
                match key.get("type")?.as_str()? {
                    "string" => Some(Step::Key(key.get("value")?.as_str()?.to_string())),
                    "number" => {
                        let n = Number::parse(&key.get("value")?.to_string()).ok()?;
                        Some(Step::Index(usize::try_from(n.to_i64()?).ok()?))
                    }
                    _ => None,
                }
            }
            _ => None,
        })
        .collect()
}

/// The paths of a state instance's `sensitive_attributes`. A path of a shape this version does
/// not read marks its whole attribute: not understood never means shown.
pub fn state_paths(sensitive: &[J]) -> Vec<Path> {
    sensitive
        .iter()
        .filter_map(|p| {
            path_from_json(p).or_else(|| {
                let first = p.get(0)?.get("value")?.as_str()?;
                Some(vec![Step::Attr(first.to_string())])
            })
        })
        .collect()
}

/// The text of every string under a mark in `v` (what must never be printed).
pub fn secret_strings(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    gather(v, false, &mut out);
    out
}

fn gather(v: &Value, marked: bool, out: &mut Vec<String>) {
    match v {
        Value::Sensitive(inner) => gather(inner, true, out),
        Value::String(s) if marked => out.push(s.to_string()),
        Value::Number(n) if marked => out.push(n.to_text()),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            items.iter().for_each(|x| gather(x, marked, out));
        }
        Value::Map(_, attrs) | Value::Object(attrs) => {
            attrs.values().for_each(|x| gather(x, marked, out));
        }
        _ => {}
    }
}

/// Shortest secret that is also looked for inside longer strings: a shorter one would mark
/// every string that happens to contain it ("on", "10").
pub const MIN_EMBEDDED_SECRET: usize = 6;

/// `v` with every string that equals a secret, or holds one of at least
/// [`MIN_EMBEDDED_SECRET`] characters, marked. Providers derive values from their inputs
/// (`tags_all` from `tags`, an ARN from a name): a secret that went in is caught where it
/// comes out, under whatever attribute the provider put it.
pub fn mark_secrets(v: Value, secrets: &[String]) -> Value {
    if secrets.is_empty() {
        return v;
    }
    let holds = |s: &str| {
        secrets
            .iter()
            .any(|x| s == x || (x.len() >= MIN_EMBEDDED_SECRET && s.contains(x.as_str())))
    };
    mark_matching(v, &holds)
}

fn mark_matching(v: Value, holds: &dyn Fn(&str) -> bool) -> Value {
    match v {
        Value::String(ref s) if holds(s) => v.sensitive(),
        Value::List(t, items) => Value::list(t, mark_all(&items, holds)),
        Value::Tuple(items) => Value::tuple(mark_all(&items, holds)),
        Value::Set(t, items) => {
            let marked = mark_all(&items, holds);
            if marked.iter().any(Value::has_marks) {
                Value::Set(t, items).sensitive()
            } else {
                Value::Set(t, items)
            }
        }
        Value::Object(attrs) => Value::object(mark_attrs(&attrs, holds)),
        Value::Map(t, attrs) => Value::map(t, mark_attrs(&attrs, holds)),
        other => other,
    }
}

fn mark_all(items: &[Value], holds: &dyn Fn(&str) -> bool) -> Vec<Value> {
    items
        .iter()
        .map(|x| mark_matching(x.clone(), holds))
        .collect()
}

fn mark_attrs(attrs: &Attrs, holds: &dyn Fn(&str) -> bool) -> Attrs {
    attrs
        .iter()
        .map(|(k, x)| (k.clone(), mark_matching(x.clone(), holds)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::types::Type;

    fn obj(pairs: Vec<(&str, Value)>) -> Value {
        Value::object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    fn tags(secret: Value) -> Value {
        Value::map(
            Type::String,
            [
                ("Plain".to_string(), Value::string("p")),
                ("Secret".to_string(), secret),
            ]
            .into_iter()
            .collect(),
        )
    }

    #[test]
    fn paths_round_trip_through_a_plain_value() {
        let marked = obj(vec![
            ("tags", tags(Value::string("s3cr3t!").sensitive())),
            (
                "list",
                Value::list(
                    Type::String,
                    vec![Value::string("a"), Value::string("b").sensitive()],
                ),
            ),
            (
                "set",
                Value::set(
                    Type::String,
                    vec![Value::string("q"), Value::string("s").sensitive()],
                ),
            ),
            ("plain", Value::string("x")),
        ]);
        let p = paths(&marked);
        assert_eq!(p.len(), 3, "{p:?}");
        let (plain, had) = marked.unmark_deep();
        assert!(had && !plain.has_marks());
        let back = apply(plain, &p);
        assert_eq!(paths(&back), p);
        let text = crate::lang::display::render_value(&back, 0);
        assert!(!text.contains("s3cr3t!"), "{text}");
        assert!(text.contains("\"p\""), "{text}");
    }

    #[test]
    fn paths_are_written_as_terraform_writes_them() {
        let p = vec![Step::Attr("tags".into()), Step::Key("Secret".into())];
        let j = path_to_json(&p);
        assert_eq!(
            j,
            json!([{"type":"get_attr","value":"tags"},{"type":"index","value":{"value":"Secret","type":"string"}}])
        );
        assert_eq!(path_from_json(&j), Some(p));
        let l = vec![Step::Attr("l".into()), Step::Index(1)];
        assert_eq!(path_from_json(&path_to_json(&l)), Some(l));
        assert_eq!(path_from_json(&json!([{"type":"weird"}])), None);
    }

    #[test]
    fn a_path_through_an_unknown_marks_the_unknown_and_a_missing_one_is_ignored() {
        let v = obj(vec![("a", Value::Unknown(Type::Dynamic))]);
        let out = apply(
            v,
            &[
                vec![Step::Attr("a".into()), Step::Attr("b".into())],
                vec![Step::Attr("gone".into())],
            ],
        );
        assert!(out.attributes().unwrap()["a"].is_marked());
        assert!(!out.attributes().unwrap().contains_key("gone"));
    }

    #[test]
    fn secrets_are_found_where_a_provider_copied_them() {
        let v = obj(vec![
            ("tags_all", tags(Value::string("hunter2-secret"))),
            (
                "arn",
                Value::string("arn:aws:iam::1:role/hunter2-secret-role"),
            ),
            ("short", Value::string("on")),
        ]);
        let out = mark_secrets(v, &["hunter2-secret".to_string(), "on".to_string()]);
        let a = out.attributes().unwrap();
        assert!(a["tags_all"].attributes().unwrap()["Secret"].is_marked());
        assert!(!a["tags_all"].attributes().unwrap()["Plain"].is_marked());
        assert!(a["arn"].is_marked());
        // A two-letter secret is matched whole, never inside other strings.
        assert!(a["short"].is_marked());
        assert_eq!(
            secret_strings(&out),
            vec![
                "arn:aws:iam::1:role/hunter2-secret-role".to_string(),
                "on".to_string(),
                "hunter2-secret".to_string()
            ]
        );
    }
}
