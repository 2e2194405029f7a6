//! Finding the references an expression holds (`var.x`, `aws_vpc.main.id`, `module.net.ids`),
//! so the graph can order evaluation without evaluating anything.

use super::ast::{Expr, ExprKind, Step, TemplatePart};
use super::span::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub root: String,
    pub steps: Vec<Step>,
    pub span: Span,
}

impl Reference {
    pub fn attr(&self, i: usize) -> Option<&str> {
        match self.steps.get(i) {
            Some(Step::Attr(a)) => Some(a),
            _ => None,
        }
    }
}

/// All references in `expr`, skipping names bound by `for` expressions inside it.
pub fn references(expr: &Expr) -> Vec<Reference> {
    let mut out = Vec::new();
    walk(expr, &mut Vec::new(), &mut out);
    out
}

fn walk(e: &Expr, bound: &mut Vec<String>, out: &mut Vec<Reference>) {
    if let Some((root, steps)) = traversal_prefix(e)
        && !bound.contains(&root)
    {
        out.push(Reference {
            root,
            steps,
            span: e.span,
        });
    }
    match &e.kind {
        ExprKind::Number(_) | ExprKind::Bool(_) | ExprKind::Null | ExprKind::SplatItem => {}
        ExprKind::Variable(_) => {}
        ExprKind::Template(parts) => walk_parts(parts, bound, out),
        ExprKind::Tuple(items) => items.iter().for_each(|i| walk(i, bound, out)),
        ExprKind::Object(items) => {
            for item in items {
                if !item.key_is_ident {
                    walk(&item.key, bound, out);
                }
                walk(&item.value, bound, out);
            }
        }
        ExprKind::GetAttr(inner, _) => {
            if traversal_prefix(e).is_none() {
                walk(inner, bound, out);
            }
        }
        ExprKind::Index(inner, key) => {
            if traversal_prefix(e).is_none() {
                walk(inner, bound, out);
            }
            walk(key, bound, out);
        }
        ExprKind::Splat { source, each, .. } => {
            walk(source, bound, out);
            walk(each, bound, out);
        }
        ExprKind::Call { args, .. } => args.iter().for_each(|a| walk(a, bound, out)),
        ExprKind::Unary(_, x) | ExprKind::Paren(x) => walk(x, bound, out),
        ExprKind::Binary(_, a, b) => {
            walk(a, bound, out);
            walk(b, bound, out);
        }
        ExprKind::Conditional(c, a, b) => {
            walk(c, bound, out);
            walk(a, bound, out);
            walk(b, bound, out);
        }
        ExprKind::For(f) => {
            walk(&f.collection, bound, out);
            let n = bound.len();
            bound.extend(f.key_var.iter().cloned());
            bound.push(f.value_var.clone());
            if let Some(k) = &f.key {
                walk(k, bound, out);
            }
            walk(&f.value, bound, out);
            if let Some(c) = &f.condition {
                walk(c, bound, out);
            }
            bound.truncate(n);
        }
    }
}

fn walk_parts(parts: &[TemplatePart], bound: &mut Vec<String>, out: &mut Vec<Reference>) {
    for p in parts {
        match p {
            TemplatePart::Literal(_) => {}
            TemplatePart::Interp(e) => walk(e, bound, out),
            TemplatePart::If {
                cond,
                then,
                otherwise,
            } => {
                walk(cond, bound, out);
                walk_parts(then, bound, out);
                walk_parts(otherwise, bound, out);
            }
            TemplatePart::For {
                key_var,
                value_var,
                collection,
                body,
            } => {
                walk(collection, bound, out);
                let n = bound.len();
                bound.extend(key_var.iter().cloned());
                bound.push(value_var.clone());
                walk_parts(body, bound, out);
                bound.truncate(n);
            }
        }
    }
}

/// The longest static traversal at the head of `e`: a root name then attribute and literal
/// index steps. Only the outermost node of such a chain reports it.
fn traversal_prefix(e: &Expr) -> Option<(String, Vec<Step>)> {
    match &e.kind {
        ExprKind::Variable(_) | ExprKind::GetAttr(..) => e.as_traversal(),
        ExprKind::Index(inner, key) => {
            if matches!(key.kind, ExprKind::Number(_)) || key.as_literal_string().is_some() {
                e.as_traversal()
            } else {
                inner.as_traversal()
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_expression;

    fn roots(src: &str) -> Vec<String> {
        let e = parse_expression(0, src).unwrap();
        references(&e)
            .into_iter()
            .map(|r| {
                let mut s = r.root.clone();
                for st in r.steps {
                    match st {
                        Step::Attr(a) => s.push_str(&format!(".{a}")),
                        Step::Index(i) => s.push_str(&format!("[{i}]")),
                        Step::Key(k) => s.push_str(&format!("[{k:?}]")),
                    }
                }
                s
            })
            .collect()
    }

    #[test]
    fn finds_resource_and_variable_references() {
        assert_eq!(roots("aws_vpc.main.id"), vec!["aws_vpc.main.id"]);
        assert_eq!(
            roots("\"${var.a}-${local.b[0]}\""),
            vec!["var.a", "local.b[0]"]
        );
        assert_eq!(roots("x[var.i].y"), vec!["x", "var.i"]);
    }

    #[test]
    fn skips_for_iterators() {
        assert_eq!(
            roots("[for s in var.subnets : s.id if s.public]"),
            vec!["var.subnets"]
        );
        assert_eq!(
            roots("{ for k, v in local.m : k => v.name }"),
            vec!["local.m"]
        );
    }
}
