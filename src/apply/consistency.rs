//! What the plan showed is what apply does: when apply computes an instance's final value (now
//! that values unknown at plan time are known), every value the plan already knew must come
//! out the same. Otherwise the change stops before any API call, naming the attribute, the
//! planned and the actual value (Terraform's "Provider produced inconsistent final plan").

use crate::diag::Diagnostic;
use crate::lang::value::Value;

/// The first path where `now` differs from what `planned` knew, with both values.
pub fn first_difference(planned: &Value, now: &Value) -> Option<(String, Value, Value)> {
    diff(planned, now, &mut String::new())
}

fn diff(planned: &Value, now: &Value, path: &mut String) -> Option<(String, Value, Value)> {
    let (p, p_sensitive) = planned.unmark();
    let (n, n_sensitive) = now.unmark();
    if matches!(p, Value::Unknown(_)) {
        return None;
    }
    let differ = |path: &str| {
        let show = |v: &Value, s: bool| if s { v.clone().sensitive() } else { v.clone() };
        Some((
            if path.is_empty() {
                "(the whole value)".to_string()
            } else {
                path.to_string()
            },
            show(p, p_sensitive),
            show(n, n_sensitive || p_sensitive),
        ))
    };
    match (p, n) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, pv) in a.iter() {
                let nv = b.get(k).cloned().unwrap_or_else(Value::null);
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                let found = diff(pv, &nv, path);
                path.truncate(len);
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        (Value::Map(_, a), Value::Map(_, b)) => {
            if a.len() != b.len() {
                return differ(path);
            }
            for (k, pv) in a.iter() {
                let Some(nv) = b.get(k) else {
                    return differ(path);
                };
                let len = path.len();
                path.push_str(&format!("[{k:?}]"));
                let found = diff(pv, nv, path);
                path.truncate(len);
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        (Value::List(_, a), Value::List(_, b)) | (Value::Tuple(a), Value::Tuple(b)) => {
            if a.len() != b.len() {
                return differ(path);
            }
            for (i, (pv, nv)) in a.iter().zip(b.iter()).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let found = diff(pv, nv, path);
                path.truncate(len);
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        // A set with unknown members can only be checked once it is wholly known.
        (Value::Set(..), _) if !p.is_wholly_known() => None,
        _ if crate::lang::eval::values_equal(p, n) => None,
        _ => differ(path),
    }
}

/// The error for an instance whose final value contradicts its plan.
pub fn inconsistent(address: &str, path: &str, planned: &Value, now: &Value) -> Diagnostic {
    let show = |v: &Value| {
        if v.unmark().1 {
            "(sensitive value)".to_string()
        } else {
            crate::lang::display::render_value(v, 0)
        }
    };
    Diagnostic::plain(
        "Inconsistent final plan",
        format!(
            "{address}: {path} was planned as {} and is now {}. The plan promised the first; nothing was changed for {address}. Run infra plan again and review the new plan.",
            show(planned),
            show(now)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::types::Type;
    use crate::lang::value::Attrs;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<Attrs>(),
        )
    }

    #[test]
    fn unknowns_may_become_anything_and_knowns_must_stay() {
        let planned = obj(&[
            ("ami", Value::string("ami-1")),
            ("subnet", Value::Unknown(Type::String)),
            ("tags", obj(&[("Name", Value::string("web"))])),
        ]);
        let same = obj(&[
            ("ami", Value::string("ami-1")),
            ("subnet", Value::string("subnet-9")),
            ("tags", obj(&[("Name", Value::string("web"))])),
        ]);
        assert!(first_difference(&planned, &same).is_none());
        let changed = obj(&[
            ("ami", Value::string("ami-2")),
            ("subnet", Value::string("subnet-9")),
            ("tags", obj(&[("Name", Value::string("web"))])),
        ]);
        let (path, was, now) = first_difference(&planned, &changed).unwrap();
        assert_eq!(path, "ami");
        assert_eq!(was.as_str(), Some("ami-1"));
        assert_eq!(now.as_str(), Some("ami-2"));
        let nested = obj(&[
            ("ami", Value::string("ami-1")),
            ("subnet", Value::string("s")),
            ("tags", obj(&[("Name", Value::string("api"))])),
        ]);
        assert_eq!(first_difference(&planned, &nested).unwrap().0, "tags.Name");
    }

    #[test]
    fn a_sensitive_value_is_never_shown_in_the_error() {
        let planned = obj(&[("password", Value::string("old-secret").sensitive())]);
        let now = obj(&[("password", Value::string("new-secret").sensitive())]);
        let (path, was, is) = first_difference(&planned, &now).unwrap();
        let d = inconsistent("aws_db.x", &path, &was, &is);
        assert!(!d.detail.contains("secret"), "{}", d.detail);
        assert!(d.detail.contains("(sensitive value)") && d.detail.contains("password"));
    }
}
