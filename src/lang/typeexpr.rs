//! Type constraint expressions as written in `variable` blocks: `list(object({ a = string,
//! b = optional(number, 1) }))`. They are expressions syntactically but are read, not evaluated,
//! except for the default values of `optional`.

use super::eval::{Evaluator, MapScope};
use super::types::{Defaults, Type, TypeConstraint};
use super::value::Attrs;
use crate::diag::{DiagResult, Diagnostic};
use crate::syntax::ast::{Expr, ExprKind};
use std::collections::{BTreeMap, BTreeSet};

pub fn parse_constraint(e: &Expr) -> DiagResult<TypeConstraint> {
    let mut defaults = Defaults::default();
    // Terraform 0.11's bare `list` and `map`, which Terraform still reads as a whole
    // constraint (not nested in another): collections of any element type.
    let ty = match &e.kind {
        ExprKind::Variable(name) if name == "list" => Type::List(Box::new(Type::Dynamic)),
        ExprKind::Variable(name) if name == "map" => Type::Map(Box::new(Type::Dynamic)),
        _ => parse(e, &mut defaults, false)?,
    };
    Ok(TypeConstraint { ty, defaults })
}

fn bad(e: &Expr, detail: impl Into<String>) -> Diagnostic {
    Diagnostic::error("Invalid type specification", detail, e.span)
}

fn parse(e: &Expr, defaults: &mut Defaults, in_object: bool) -> DiagResult<Type> {
    match &e.kind {
        ExprKind::Variable(name) => match name.as_str() {
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            "any" => Ok(Type::Dynamic),
            "list" | "set" | "map" => Err(bad(
                e,
                format!(
                    "The {name} type constructor requires one argument specifying the element type: {name}(string)."
                ),
            )),
            other => Err(bad(
                e,
                format!("The keyword {other:?} is not a valid type specification."),
            )),
        },
        ExprKind::Template(_) => match e.as_literal_string().as_deref() {
            // Terraform 0.11 quoted type names are still read by some old configs.
            Some("string") => Ok(Type::String),
            Some("list") => Ok(Type::List(Box::new(Type::Dynamic))),
            Some("map") => Ok(Type::Map(Box::new(Type::Dynamic))),
            _ => Err(bad(
                e,
                "A type specification is a keyword such as string, not a quoted string.",
            )),
        },
        ExprKind::Call { name, args, .. } => {
            fn one<'x>(e: &Expr, name: &str, args: &'x [Expr]) -> DiagResult<&'x Expr> {
                match args {
                    [a] => Ok(a),
                    _ => Err(bad(
                        e,
                        format!("The {name} type constructor requires exactly one argument."),
                    )),
                }
            }
            match name.as_str() {
                "list" | "set" | "map" => {
                    let mut child = Defaults::default();
                    let inner = parse(one(e, name, args)?, &mut child, false)?;
                    if !child.is_empty() {
                        defaults.children.insert(String::new(), child);
                    }
                    Ok(match name.as_str() {
                        "list" => Type::List(Box::new(inner)),
                        "set" => Type::Set(Box::new(inner)),
                        _ => Type::Map(Box::new(inner)),
                    })
                }
                "tuple" => {
                    let a = one(e, name, args)?;
                    let ExprKind::Tuple(items) = &a.kind else {
                        return Err(bad(
                            a,
                            "The tuple type constructor requires a list of element types: tuple([string, number]).",
                        ));
                    };
                    let mut types = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        let mut child = Defaults::default();
                        types.push(parse(item, &mut child, false)?);
                        if !child.is_empty() {
                            defaults.children.insert(i.to_string(), child);
                        }
                    }
                    Ok(Type::Tuple(types))
                }
                "object" => {
                    let a = one(e, name, args)?;
                    let ExprKind::Object(items) = &a.kind else {
                        return Err(bad(
                            a,
                            "The object type constructor requires an object of attribute types: object({ name = string }).",
                        ));
                    };
                    let mut attrs = BTreeMap::new();
                    let mut optional = BTreeSet::new();
                    for item in items {
                        let key = match &item.key.kind {
                            ExprKind::Variable(k) if item.key_is_ident => k.clone(),
                            _ => item.key.as_literal_string().ok_or_else(|| {
                                bad(
                                    &item.key,
                                    "Object type attribute names must be literal names.",
                                )
                            })?,
                        };
                        let mut child = Defaults::default();
                        let (t, is_opt) = match &item.value.kind {
                            ExprKind::Call { name, args, .. } if name == "optional" => {
                                if args.is_empty() || args.len() > 2 {
                                    return Err(bad(
                                        &item.value,
                                        "optional() takes a type and, optionally, a default value.",
                                    ));
                                }
                                let t = parse(&args[0], &mut child, true)?;
                                if let Some(d) = args.get(1) {
                                    let v = Evaluator::new(
                                        &MapScope(Attrs::new()),
                                        std::path::PathBuf::from("."),
                                    )
                                    .eval(d)?;
                                    let v = super::convert::convert(&v, &t).map_err(|err| {
                                        Diagnostic::error(
                                            "Invalid default value for optional attribute",
                                            err.to_string(),
                                            d.span,
                                        )
                                    })?;
                                    defaults.attrs.insert(key.clone(), v);
                                }
                                (t, true)
                            }
                            _ => (parse(&item.value, &mut child, true)?, false),
                        };
                        if !child.is_empty() {
                            defaults.children.insert(key.clone(), child);
                        }
                        if is_opt {
                            optional.insert(key.clone());
                        }
                        attrs.insert(key, t);
                    }
                    Ok(Type::Object(attrs, optional))
                }
                "optional" if !in_object => Err(bad(
                    e,
                    "Keyword \"optional\" is valid only as a modifier for object type attributes.",
                )),
                "optional" => Err(bad(
                    e,
                    "optional() must be the whole type of an object attribute.",
                )),
                other => Err(bad(
                    e,
                    format!("Keyword {other:?} is not a valid type constructor."),
                )),
            }
        }
        _ => Err(bad(
            e,
            "A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_expression;

    fn ty(src: &str) -> TypeConstraint {
        parse_constraint(&parse_expression(0, src).unwrap()).unwrap()
    }

    #[test]
    fn nested_constraints_with_optional_defaults() {
        let c = ty("list(object({ name = string, port = optional(number, 80) }))");
        assert_eq!(
            c.ty.to_string(),
            "list(object({name=string, port=optional(number)}))"
        );
        let child = &c.defaults.children[""];
        assert_eq!(child.attrs["port"].as_number().unwrap().to_text(), "80");
    }

    #[test]
    fn rejects_unknown_keywords() {
        let e = parse_constraint(&parse_expression(0, "strng").unwrap()).unwrap_err();
        assert!(e.detail.contains("strng"));
    }
}
