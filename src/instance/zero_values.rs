//! The legacy plugin SDK's rule, which the AWS provider's types follow: an empty string or an
//! empty collection in the configuration means the same as leaving the argument out. Modules
//! pass `""` and `[]` for "not set" everywhere (`enabled_metrics = var.enabled_metrics`, default
//! `[]`; `name = var.asg_name`, default `""`); without this rule each would be a change at every
//! plan, or a replacement.

use crate::lang::value::{Attrs, Value};
use crate::provider::Schema;

/// A known empty string or empty collection.
fn is_zero(v: &Value) -> bool {
    let (v, _) = v.unmark();
    v.as_str() == Some("") || (v.is_known() && !v.is_null() && v.length() == Some(0))
}

/// Whether two values differ only where one has null and the other an empty string or an
/// empty collection, at any depth (a block's `security_groups = []` against null).
pub fn legacy_equal(a: &Value, b: &Value) -> bool {
    if a.raw_equal(b) {
        return true;
    }
    let ((a, _), (b, _)) = (a.unmark(), b.unmark());
    // The SDK keeps no null for a primitive either: `false` and `0` read back for an argument
    // left out (a bucket's `bucket_key_enabled` after an import) are no change.
    let zero_or_null = |v: &Value| {
        v.is_null()
            || is_zero(v)
            || v.as_bool() == Some(false)
            || v.as_number().is_some_and(|n| n.is_zero())
    };
    if zero_or_null(a) && zero_or_null(b) {
        return true;
    }
    match (a, b) {
        (Value::Object(_) | Value::Map(..), Value::Object(_) | Value::Map(..)) => {
            let (x, y) = (a.attributes().unwrap(), b.attributes().unwrap());
            let null = Value::null();
            x.keys()
                .chain(y.keys())
                .all(|k| legacy_equal(x.get(k).unwrap_or(&null), y.get(k).unwrap_or(&null)))
        }
        _ => match (a.elements(), b.elements()) {
            (Some(x), Some(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| legacy_equal(p, q))
            }
            _ => false,
        },
    }
}

/// The proposed new object with the rule applied to its top-level arguments. On create, an
/// unset-by-zero argument is null (unknown when the provider computes it, so a name is
/// generated); on update, a computed argument given `""` keeps its prior value, and any
/// argument that differs from the prior only by zero values takes the prior's, so no change
/// is planned. Required arguments are taken as written on create, and attribute-mode blocks
/// (where `ingress = []` means "no rules") always.
pub fn unset_zero_values(schema: &Schema, planned: Value, prior: Option<&Value>) -> Value {
    let Some(attrs) = planned.unmark().0.attributes() else {
        return planned;
    };
    let mut out: Attrs = attrs.clone();
    for (name, a) in &schema.attributes {
        let Some(v) = attrs.get(name) else { continue };
        if a.attribute_mode || !v.is_wholly_known() {
            continue;
        }
        let before = prior.map(|p| super::get(p, name));
        let replacement = match before {
            None if is_zero(v) && !a.required => Some(if a.computed {
                Value::Unknown(a.ty.clone())
            } else {
                Value::Null(a.ty.clone())
            }),
            // An empty string given to a computed argument is "not set" (a group's generated
            // name stays); an empty list is a value: `target_group_arns = []` detaches them
            // all, as with the AWS provider.
            Some(pv) if a.computed && v.unmark().0.as_str() == Some("") => Some(pv),
            Some(pv) if !v.raw_equal(&pv) && legacy_equal(v, &pv) => Some(pv),
            _ => None,
        };
        if let Some(r) = replacement {
            out.insert(name.clone(), r.mark_if(a.sensitive));
        }
    }
    Value::object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::types::Type;
    use crate::provider::AttrSchema;

    fn strings(xs: &[&str]) -> Value {
        Value::list(Type::String, xs.iter().map(|x| Value::string(*x)).collect())
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn schema() -> Schema {
        let list = || Type::List(Box::new(Type::String));
        Schema::new([
            ("name", AttrSchema::optional_computed(Type::String)),
            ("key_name", AttrSchema::optional(Type::String)),
            ("metrics", AttrSchema::optional(list())),
            ("zone", AttrSchema::required(Type::String)),
        ])
    }

    #[test]
    fn zero_values_are_unset_on_create() {
        let planned = obj(&[
            ("name", Value::string("")),
            ("key_name", Value::string("")),
            ("metrics", strings(&[])),
            ("zone", Value::string("")),
        ]);
        let got = unset_zero_values(&schema(), planned, None);
        let a = got.attributes().unwrap();
        assert!(
            !a["name"].is_known(),
            "a computed name is generated: {got:?}"
        );
        assert!(a["key_name"].is_null() && a["metrics"].is_null(), "{got:?}");
        assert_eq!(a["zone"].as_str(), Some(""), "a required argument stays");
    }

    #[test]
    fn zero_values_keep_the_prior_on_update_but_real_changes_stay() {
        let prior = obj(&[
            ("name", Value::string("terraform-20261203")),
            ("key_name", Value::Null(Type::String)),
            ("metrics", strings(&["GroupMinSize"])),
            ("zone", Value::string("a")),
        ]);
        let planned = obj(&[
            ("name", Value::string("")),
            ("key_name", Value::string("")),
            ("metrics", strings(&[])),
            ("zone", Value::string("a")),
        ]);
        let got = unset_zero_values(&schema(), planned, Some(&prior));
        let a = got.attributes().unwrap();
        assert_eq!(a["name"].as_str(), Some("terraform-20261203"));
        assert!(a["key_name"].is_null());
        assert_eq!(
            a["metrics"].length(),
            Some(0),
            "emptying a list that had members is a change"
        );
    }

    #[test]
    fn an_empty_list_empties_a_computed_list_that_had_members() {
        let schema = Schema::new([(
            "target_group_arns",
            AttrSchema::optional_computed(Type::Set(Box::new(Type::String))),
        )]);
        let prior = obj(&[("target_group_arns", strings(&["arn:tg"]))]);
        let planned = obj(&[("target_group_arns", strings(&[]))]);
        let got = unset_zero_values(&schema, planned, Some(&prior));
        assert_eq!(
            got.attributes().unwrap()["target_group_arns"].length(),
            Some(0)
        );
    }

    #[test]
    fn nested_zero_values_equal_null() {
        let a = Value::list(
            Type::Dynamic,
            vec![obj(&[
                ("security_groups", strings(&[])),
                ("index", Value::int(0)),
            ])],
        );
        let b = Value::list(
            Type::Dynamic,
            vec![obj(&[
                (
                    "security_groups",
                    Value::Null(Type::List(Box::new(Type::String))),
                ),
                ("index", Value::int(0)),
            ])],
        );
        assert!(legacy_equal(&a, &b));
        let c = Value::list(
            Type::Dynamic,
            vec![obj(&[
                ("security_groups", strings(&["sg-1"])),
                ("index", Value::int(0)),
            ])],
        );
        assert!(!legacy_equal(&a, &c));
        assert!(!legacy_equal(&Value::string("x"), &Value::string("")));
        assert!(legacy_equal(&Value::Bool(false), &Value::Null(Type::Bool)));
        assert!(legacy_equal(&Value::int(0), &Value::Null(Type::Number)));
        assert!(!legacy_equal(&Value::Bool(true), &Value::Null(Type::Bool)));
        assert!(!legacy_equal(&Value::int(1), &Value::Null(Type::Number)));
    }
}
