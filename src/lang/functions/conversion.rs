//! Type conversion functions and the sensitivity functions, which see marks themselves.

use super::{FnContext, FnError, FnResult, Function, f, not_null};
use crate::lang::convert::convert;
use crate::lang::types::Type;
use crate::lang::value::Value;

fn to(a: &[Value], t: Type) -> FnResult {
    let v = &a[0];
    if !v.is_known() {
        return Ok(Value::Unknown(t));
    }
    convert(v, &t).map_err(|e| {
        let what = match &t {
            Type::String => "string",
            Type::Number => "number",
            Type::Bool => "bool",
            Type::List(_) => "list",
            Type::Set(_) => "set",
            _ => "map",
        };
        FnError::arg(
            0,
            format!("cannot convert {} to {what}: {e}", v.ty().friendly()),
        )
    })
}

pub(super) fn functions() -> Vec<Function> {
    let d = Type::Dynamic;
    vec![
        f(
            "tostring",
            |_, a| {
                if !a[0].is_null() && !a[0].ty().is_primitive() && a[0].is_known() {
                    return Err(FnError::arg(
                        0,
                        format!("cannot convert {} to string", a[0].ty().friendly()),
                    ));
                }
                to(a, Type::String)
            },
            1,
            Some(1),
            Type::String,
        )
        .unknown_ok()
        .marks_ok(),
        f(
            "tonumber",
            |_, a| to(a, Type::Number),
            1,
            Some(1),
            Type::Number,
        )
        .unknown_ok()
        .marks_ok(),
        f("tobool", |_, a| to(a, Type::Bool), 1, Some(1), Type::Bool)
            .unknown_ok()
            .marks_ok(),
        f(
            "tolist",
            |_, a| to(a, Type::List(Box::new(Type::Dynamic))),
            1,
            Some(1),
            d.clone(),
        )
        .unknown_ok()
        .marks_ok(),
        f(
            "toset",
            |_, a| to(a, Type::Set(Box::new(Type::Dynamic))),
            1,
            Some(1),
            d.clone(),
        )
        .unknown_ok()
        .marks_ok(),
        f(
            "tomap",
            |_, a| to(a, Type::Map(Box::new(Type::Dynamic))),
            1,
            Some(1),
            d.clone(),
        )
        .unknown_ok()
        .marks_ok(),
        f(
            "sensitive",
            |_, a| Ok(a[0].clone().sensitive()),
            1,
            Some(1),
            d.clone(),
        )
        .unknown_ok()
        .marks_ok(),
        f("nonsensitive", nonsensitive, 1, Some(1), d.clone())
            .unknown_ok()
            .marks_ok(),
        // No value is ephemeral here, so there is nothing to null out; marks pass through.
        f(
            "ephemeralasnull",
            |_, a| Ok(a[0].clone()),
            1,
            Some(1),
            d.clone(),
        )
        .unknown_ok()
        .marks_ok(),
        f(
            "issensitive",
            |_, a| Ok(Value::Bool(a[0].is_marked())),
            1,
            Some(1),
            Type::Bool,
        )
        .unknown_ok()
        .marks_ok(),
    ]
}

fn nonsensitive(_: &FnContext, a: &[Value]) -> FnResult {
    let _ = not_null;
    Ok(a[0].unmark().0.clone())
}

#[cfg(test)]
mod tests {
    use super::super::encoding::test_support::eval_ok;

    #[test]
    fn ephemeralasnull_passes_values_through() {
        for (expr, want) in [
            (r#"ephemeralasnull("x")"#, r#""x""#),
            (r#"ephemeralasnull({ a = [1, null] })"#, r#"{"a":[1,null]}"#),
            ("ephemeralasnull(null)", "null"),
            (r#"issensitive(ephemeralasnull(sensitive("s")))"#, "true"),
        ] {
            assert_eq!(eval_ok(expr), want, "{expr}");
        }
    }
}
