//! Expression evaluation: operators, conditionals, templates, `for` expressions, splats,
//! indexing and function calls, with unknown values and sensitive marks propagating as in
//! Terraform. Names are resolved through a [`Scope`], so this file knows nothing of files,
//! modules or resources.

use super::convert::{convert, unify};
use super::functions::{self, FnContext};
use super::number::Number;
use super::types::Type;
use super::value::{Attrs, Value};
use crate::diag::{DiagResult, Diagnostic};
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, ForExpr, ObjectItem, TemplatePart, UnaryOp};
use crate::syntax::span::Span;
use std::path::PathBuf;

/// Resolves root names (`var`, `local`, `aws_vpc`, `each`, `count`, `path`, `self`, ...).
pub trait Scope {
    /// The value of a root name, or `None` when the name is not declared here.
    fn lookup(&self, name: &str, span: Span) -> Option<DiagResult<Value>>;

    /// A fast path for `root.attr` that avoids building the whole root object; `None` falls
    /// back to [`Scope::lookup`].
    fn lookup_attr(&self, _root: &str, _attr: &str, _span: Span) -> Option<DiagResult<Value>> {
        None
    }

    /// Names a "did you mean" hint may suggest for an unknown root.
    fn root_names(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A scope from a fixed list of names (templatefile variables, console, tests).
pub struct MapScope(pub Attrs);

impl Scope for MapScope {
    fn lookup(&self, name: &str, _span: Span) -> Option<DiagResult<Value>> {
        self.0.get(name).cloned().map(Ok)
    }

    fn root_names(&self) -> Vec<String> {
        self.0.keys().cloned().collect()
    }
}

pub struct Evaluator<'a> {
    scope: &'a dyn Scope,
    /// Names bound by `for` expressions and template `for` directives, innermost last.
    locals: Vec<(String, Value)>,
    /// Directory relative paths in `file()` and friends resolve against.
    pub base_dir: PathBuf,
    /// Set inside `templatefile`, which may not call itself.
    pub in_template: bool,
    splat_item: Vec<Value>,
}

impl<'a> Evaluator<'a> {
    pub fn new(scope: &'a dyn Scope, base_dir: PathBuf) -> Evaluator<'a> {
        Evaluator {
            scope,
            locals: Vec::new(),
            base_dir,
            in_template: false,
            splat_item: Vec::new(),
        }
    }

    /// Binds a name for nested evaluation (a `dynamic` block's iterator).
    pub fn push_local(&mut self, name: &str, value: Value) {
        self.locals.push((name.to_string(), value));
    }

    pub fn pop_local(&mut self) {
        self.locals.pop();
    }

    pub fn eval(&mut self, e: &Expr) -> DiagResult<Value> {
        match &e.kind {
            ExprKind::Number(text) => Number::parse(text).map(Value::number).map_err(|_| {
                Diagnostic::error(
                    "Invalid number literal",
                    format!("{text:?} is not a valid number."),
                    e.span,
                )
            }),
            ExprKind::Bool(b) => Ok(Value::Bool(*b)),
            ExprKind::Null => Ok(Value::null()),
            ExprKind::Template(parts) => {
                if let Some(single) = Expr::as_single_interp(parts) {
                    return self.eval(single);
                }
                self.template(parts)
            }
            ExprKind::Variable(name) => self.variable(name, e.span),
            ExprKind::Tuple(items) => {
                let vals = items
                    .iter()
                    .map(|i| self.eval(i))
                    .collect::<DiagResult<Vec<_>>>()?;
                Ok(Value::tuple(vals))
            }
            ExprKind::Object(items) => self.object(items),
            ExprKind::GetAttr(inner, name) => {
                if let ExprKind::Variable(root) = &inner.kind
                    && !self.locals.iter().any(|(n, _)| n == root)
                    && let Some(r) = self.scope.lookup_attr(root, name, e.span)
                {
                    return r;
                }
                let v = self.eval(inner)?;
                get_attr(&v, name, e.span)
            }
            ExprKind::Index(inner, key) => {
                let v = self.eval(inner)?;
                let k = self.eval(key)?;
                index(&v, &k, e.span)
            }
            ExprKind::Splat { source, each, .. } => self.splat(source, each),
            ExprKind::SplatItem => Ok(self
                .splat_item
                .last()
                .cloned()
                .unwrap_or_else(Value::unknown)),
            ExprKind::Call {
                name,
                name_span,
                args,
                expand_final,
            } => self.call(name, *name_span, args, *expand_final, e.span),
            ExprKind::Unary(op, x) => {
                let v = self.eval(x)?;
                unary(*op, &v, e.span)
            }
            ExprKind::Binary(op, a, b) => {
                let l = self.eval(a)?;
                let r = self.eval(b)?;
                binary(*op, &l, &r, a.span, b.span)
            }
            ExprKind::Conditional(c, a, b) => self.conditional(c, a, b),
            ExprKind::For(f) => self.for_expr(f),
            ExprKind::Paren(x) => self.eval(x),
        }
    }

    fn variable(&mut self, name: &str, span: Span) -> DiagResult<Value> {
        if let Some((_, v)) = self.locals.iter().rev().find(|(n, _)| n == name) {
            return Ok(v.clone());
        }
        match self.scope.lookup(name, span) {
            Some(r) => r.map_err(|d| d.or_span(span)),
            None => {
                let mut names = self.scope.root_names();
                names.extend(self.locals.iter().map(|(n, _)| n.clone()));
                let hint = crate::diag::did_you_mean(name, names.iter().map(String::as_str))
                    .map(|s| format!(" Did you mean {s:?}?"))
                    .unwrap_or_default();
                Err(Diagnostic::error(
                    "Reference to undeclared name",
                    format!("There is no variable or object named {name:?} in this scope.{hint}"),
                    span,
                ))
            }
        }
    }

    fn object(&mut self, items: &[ObjectItem]) -> DiagResult<Value> {
        let mut attrs = Attrs::new();
        let mut marked = false;
        let mut unknown_key = false;
        for item in items {
            let key = if item.key_is_ident {
                match &item.key.kind {
                    ExprKind::Variable(n) => Value::string(n.as_str()),
                    _ => self.eval(&item.key)?,
                }
            } else {
                self.eval(&item.key)?
            };
            let value = self.eval(&item.value)?;
            let (key, key_marked) = key.unmark();
            marked |= key_marked;
            if !key.is_known() {
                unknown_key = true;
                continue;
            }
            if key.is_null() {
                return Err(Diagnostic::error(
                    "Null value as key",
                    "Can't use a null value as a key.",
                    item.key.span,
                ));
            }
            let key = convert(key, &Type::String).map_err(|_| {
                Diagnostic::error(
                    "Incorrect key type",
                    format!(
                        "Can't use this value as a key: string required, but have {}.",
                        key.ty().friendly()
                    ),
                    item.key.span,
                )
            })?;
            // Terraform accepts a repeated key; the last one wins.
            attrs.insert(key.as_str().unwrap_or_default().to_string(), value);
        }
        if unknown_key {
            return Ok(Value::unknown().mark_if(marked));
        }
        Ok(Value::object(attrs).mark_if(marked))
    }

    fn splat(&mut self, source: &Expr, each: &Expr) -> DiagResult<Value> {
        let src = self.eval(source)?;
        let (src, marked) = src.unmark();
        if !src.is_known() {
            return Ok(Value::unknown().mark_if(marked));
        }
        let (items, as_list) = match src {
            Value::Null(_) => return Ok(Value::tuple(Vec::new()).mark_if(marked)),
            Value::List(_, items) | Value::Set(_, items) => (items.to_vec(), true),
            Value::Tuple(items) => (items.to_vec(), false),
            other => {
                // A single value splats as a one-element tuple.
                self.splat_item.push(other.clone());
                let r = self.eval(each);
                self.splat_item.pop();
                return Ok(Value::tuple(vec![r?]).mark_if(marked));
            }
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            self.splat_item.push(item);
            let r = self.eval(each);
            self.splat_item.pop();
            out.push(r?);
        }
        if as_list {
            let types: Vec<Type> = out.iter().map(Value::ty).collect();
            let elem = unify(&types).unwrap_or(Type::Dynamic);
            let out = out
                .iter()
                .map(|v| convert(v, &elem).unwrap_or_else(|_| v.clone()))
                .collect();
            return Ok(Value::list(elem, out).mark_if(marked));
        }
        Ok(Value::tuple(out).mark_if(marked))
    }

    fn conditional(&mut self, c: &Expr, a: &Expr, b: &Expr) -> DiagResult<Value> {
        let cond = self.eval(c)?;
        let (cond, marked) = cond.unmark();
        // Both results are evaluated for their types, but only the chosen one's errors count:
        // `var.create ? aws_x.this[0].id : null` is fine when nothing was created.
        let then_r = self.eval(a);
        let otherwise_r = self.eval(b);
        let chosen_true = match cond {
            Value::Bool(b) => Some(*b),
            _ => None,
        };
        let (then, otherwise) = match (then_r, otherwise_r, chosen_true) {
            (Ok(t), Ok(o), _) => (t, o),
            (Err(e), _, Some(true)) | (_, Err(e), Some(false)) => return Err(e),
            (Ok(t), Err(_), Some(true)) => return Ok(t.mark_if(marked)),
            (Err(_), Ok(o), Some(false)) => return Ok(o.mark_if(marked)),
            (Err(e), _, None) | (_, Err(e), None) => {
                if cond.is_known() {
                    return Err(e);
                }
                return Ok(Value::unknown().mark_if(marked));
            }
        };
        // Both results are converted to one type, as Terraform does.
        let ty = match (then.is_null(), otherwise.is_null()) {
            (true, false) => Some(otherwise.ty()),
            (false, true) => Some(then.ty()),
            _ => unify(&[then.ty(), otherwise.ty()]),
        };
        let ty = ty.ok_or_else(|| {
            Diagnostic::error(
                "Inconsistent conditional result types",
                format!(
                    "The true and false result expressions must have consistent types: the true result is {}, the false result is {}.",
                    then.ty().friendly(),
                    otherwise.ty().friendly()
                ),
                a.span.to(b.span),
            )
        })?;
        if !cond.is_known() {
            return Ok(Value::Unknown(ty).mark_if(marked));
        }
        let cond = match convert(cond, &Type::Bool) {
            Ok(Value::Bool(b)) => b,
            Ok(Value::Null(_)) => {
                return Err(Diagnostic::error(
                    "Null condition",
                    "The condition value is null. Conditions must either be true or false.",
                    c.span,
                ));
            }
            _ => {
                return Err(Diagnostic::error(
                    "Incorrect condition type",
                    format!(
                        "The condition expression must be of type bool, not {}.",
                        cond.ty().friendly()
                    ),
                    c.span,
                ));
            }
        };
        let chosen = if cond { then } else { otherwise };
        let chosen = if ty.has_dynamic() {
            chosen
        } else {
            convert(&chosen, &ty).unwrap_or(chosen)
        };
        Ok(chosen.mark_if(marked))
    }

    fn for_expr(&mut self, f: &ForExpr) -> DiagResult<Value> {
        let coll = self.eval(&f.collection)?;
        let (coll, marked) = coll.unmark();
        let coll = coll.clone();
        if !coll.is_known() {
            return Ok(Value::unknown().mark_if(marked));
        }
        let pairs: Vec<(Value, Value)> = match &coll {
            Value::Null(_) => {
                return Err(Diagnostic::error(
                    "Iteration over null value",
                    "A null value cannot be used as the collection in a 'for' expression.",
                    f.collection.span,
                ));
            }
            other => match other.iteration_pairs() {
                Some(pairs) => pairs,
                None => {
                    return Err(Diagnostic::error(
                        "Iteration over non-iterable value",
                        format!(
                            "A value of type {} cannot be used as the collection in a 'for' expression.",
                            other.ty().friendly()
                        ),
                        f.collection.span,
                    ));
                }
            },
        };
        let mut tuple = Vec::new();
        let mut object: Attrs = Attrs::new();
        let mut groups: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
        let mut any_unknown = false;
        for (k, v) in pairs {
            let n = self.locals.len();
            if let Some(kv) = &f.key_var {
                self.locals.push((kv.clone(), k));
            }
            self.locals.push((f.value_var.clone(), v));
            let r = self.for_item(f, &mut tuple, &mut object, &mut groups, &mut any_unknown);
            self.locals.truncate(n);
            r?;
        }
        if any_unknown {
            return Ok(Value::unknown().mark_if(marked));
        }
        if f.key.is_some() {
            if f.group {
                for (k, vs) in groups {
                    object.insert(k, Value::tuple(vs));
                }
            }
            return Ok(Value::object(object).mark_if(marked));
        }
        Ok(Value::tuple(tuple).mark_if(marked))
    }

    fn for_item(
        &mut self,
        f: &ForExpr,
        tuple: &mut Vec<Value>,
        object: &mut Attrs,
        groups: &mut std::collections::BTreeMap<String, Vec<Value>>,
        any_unknown: &mut bool,
    ) -> DiagResult<()> {
        if let Some(cond) = &f.condition {
            let c = self.eval(cond)?;
            let (c, _) = c.unmark();
            if !c.is_known() {
                *any_unknown = true;
                return Ok(());
            }
            match convert(c, &Type::Bool) {
                Ok(Value::Bool(true)) => {}
                Ok(Value::Bool(false)) => return Ok(()),
                _ => {
                    return Err(Diagnostic::error(
                        "Invalid 'for' condition",
                        format!(
                            "The 'if' clause value must be a bool, not {}.",
                            c.ty().friendly()
                        ),
                        cond.span,
                    ));
                }
            }
        }
        match &f.key {
            None => tuple.push(self.eval(&f.value)?),
            Some(kexpr) => {
                let k = self.eval(kexpr)?;
                let (k, _) = k.unmark();
                if !k.is_known() {
                    *any_unknown = true;
                    return Ok(());
                }
                let key = match convert(k, &Type::String) {
                    Ok(Value::String(s)) => s.to_string(),
                    _ => {
                        return Err(Diagnostic::error(
                            "Invalid object key",
                            format!(
                                "Key expression in 'for' expression must be a string, not {}.",
                                k.ty().friendly()
                            ),
                            kexpr.span,
                        ));
                    }
                };
                let v = self.eval(&f.value)?;
                if f.group {
                    groups.entry(key).or_default().push(v);
                } else if let std::collections::btree_map::Entry::Vacant(slot) =
                    object.entry(key.clone())
                {
                    slot.insert(v);
                } else {
                    return Err(Diagnostic::error(
                        "Duplicate object key",
                        format!(
                            "Two different items produced the key {key:?} in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key."
                        ),
                        kexpr.span,
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn template(&mut self, parts: &[TemplatePart]) -> DiagResult<Value> {
        let mut out = String::new();
        let mut marked = false;
        let mut unknown = false;
        self.template_into(parts, &mut out, &mut marked, &mut unknown)?;
        if unknown {
            return Ok(Value::Unknown(Type::String).mark_if(marked));
        }
        Ok(Value::string(out).mark_if(marked))
    }

    fn template_into(
        &mut self,
        parts: &[TemplatePart],
        out: &mut String,
        marked: &mut bool,
        unknown: &mut bool,
    ) -> DiagResult<()> {
        for part in parts {
            match part {
                TemplatePart::Literal(s) => out.push_str(s),
                TemplatePart::Interp(e) => {
                    let v = self.eval(e)?;
                    let (v, m) = v.unmark();
                    *marked |= m;
                    if !v.is_known() {
                        *unknown = true;
                        continue;
                    }
                    if v.is_null() {
                        return Err(Diagnostic::error(
                            "Invalid template interpolation value",
                            "The expression result is null. Cannot include a null value in a string template.",
                            e.span,
                        ));
                    }
                    match convert(v, &Type::String) {
                        Ok(Value::String(s)) => out.push_str(&s),
                        Ok(Value::Unknown(_)) => *unknown = true,
                        _ => {
                            return Err(Diagnostic::error(
                                "Invalid template interpolation value",
                                format!(
                                    "Cannot include the given value in a string template: string required, but have {}.",
                                    v.ty().friendly()
                                ),
                                e.span,
                            ));
                        }
                    }
                }
                TemplatePart::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    let c = self.eval(cond)?;
                    let (c, m) = c.unmark();
                    *marked |= m;
                    if !c.is_known() {
                        *unknown = true;
                        continue;
                    }
                    match convert(c, &Type::Bool) {
                        Ok(Value::Bool(true)) => self.template_into(then, out, marked, unknown)?,
                        Ok(Value::Bool(false)) => {
                            self.template_into(otherwise, out, marked, unknown)?
                        }
                        _ => {
                            return Err(Diagnostic::error(
                                "Invalid template if condition",
                                format!("The condition must be a bool, not {}.", c.ty().friendly()),
                                cond.span,
                            ));
                        }
                    }
                }
                TemplatePart::For {
                    key_var,
                    value_var,
                    collection,
                    body,
                } => {
                    let c = self.eval(collection)?;
                    let (c, m) = c.unmark();
                    *marked |= m;
                    if !c.is_known() {
                        *unknown = true;
                        continue;
                    }
                    let pairs: Vec<(Value, Value)> = match c {
                        Value::List(_, items) | Value::Tuple(items) => items
                            .iter()
                            .enumerate()
                            .map(|(i, v)| (Value::int(i as i64), v.clone()))
                            .collect(),
                        Value::Set(_, items) => {
                            items.iter().map(|v| (v.clone(), v.clone())).collect()
                        }
                        Value::Map(_, attrs) | Value::Object(attrs) => attrs
                            .iter()
                            .map(|(k, v)| (Value::string(k.as_str()), v.clone()))
                            .collect(),
                        _ => {
                            return Err(Diagnostic::error(
                                "Invalid template for directive",
                                format!(
                                    "A value of type {} cannot be iterated.",
                                    c.ty().friendly()
                                ),
                                collection.span,
                            ));
                        }
                    };
                    for (k, v) in pairs {
                        let n = self.locals.len();
                        if let Some(kv) = key_var {
                            self.locals.push((kv.clone(), k));
                        }
                        self.locals.push((value_var.clone(), v));
                        let r = self.template_into(body, out, marked, unknown);
                        self.locals.truncate(n);
                        r?;
                    }
                }
            }
        }
        Ok(())
    }

    fn call(
        &mut self,
        name: &str,
        name_span: Span,
        args: &[Expr],
        expand_final: bool,
        span: Span,
    ) -> DiagResult<Value> {
        // try and can see errors of their arguments, so they evaluate them themselves.
        match name {
            "try" => return self.call_try(args, span),
            "can" => return self.call_can(args, span),
            _ => {}
        }
        let Some(func) = functions::lookup(name) else {
            let hint = crate::diag::did_you_mean(name, functions::names())
                .map(|s| format!(" Did you mean {s:?}?"))
                .unwrap_or_default();
            return Err(Diagnostic::error(
                "Call to unknown function",
                format!("There is no function named {name:?}.{hint}"),
                name_span,
            ));
        };
        let mut values = Vec::with_capacity(args.len());
        let mut arg_spans = Vec::with_capacity(args.len());
        for (i, a) in args.iter().enumerate() {
            let v = self.eval(a)?;
            if expand_final && i + 1 == args.len() {
                let (inner, m) = v.unmark();
                match inner {
                    Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
                        for item in items.iter() {
                            values.push(item.clone().mark_if(m));
                            arg_spans.push(a.span);
                        }
                    }
                    Value::Unknown(_) => return Ok(Value::unknown()),
                    _ => {
                        return Err(Diagnostic::error(
                            "Invalid expanding argument value",
                            "The expanding argument (indicated by ...) must be of a tuple, list, or set type.",
                            a.span,
                        ));
                    }
                }
            } else {
                values.push(v);
                arg_spans.push(a.span);
            }
        }
        let ctx = FnContext {
            base_dir: &self.base_dir,
            in_template: self.in_template,
        };
        functions::call(func, &ctx, values).map_err(|e| {
            match e.arg.and_then(|i| arg_spans.get(i).map(|s| (i, *s))) {
                // Terraform's two shapes: a bad argument, or a call that failed as a whole.
                Some((i, at)) => Diagnostic::error(
                    "Invalid function argument",
                    format!(
                        "Invalid value for argument {} of {name}(): {}.",
                        i + 1,
                        e.message.trim_end_matches('.')
                    ),
                    at,
                ),
                None => Diagnostic::error(
                    "Error in function call",
                    format!(
                        "Call to function {name:?} failed: {}.",
                        e.message.trim_end_matches('.')
                    ),
                    span,
                ),
            }
        })
    }

    fn call_try(&mut self, args: &[Expr], span: Span) -> DiagResult<Value> {
        if args.is_empty() {
            return Err(Diagnostic::error(
                "Not enough function arguments",
                "try requires at least one argument.",
                span,
            ));
        }
        let mut last = None;
        for a in args {
            match self.eval(a) {
                Ok(v) if !v.is_wholly_known() => return Ok(Value::Unknown(v.ty())),
                Ok(v) => return Ok(v),
                Err(e) => last = Some(e),
            }
        }
        let e = last.unwrap_or_else(|| Diagnostic::plain("try failed", ""));
        Err(Diagnostic::error(
            "Error in function call",
            format!(
                "Call to function \"try\" failed: no expression succeeded:\n- {}",
                e.detail
            ),
            span,
        ))
    }

    fn call_can(&mut self, args: &[Expr], span: Span) -> DiagResult<Value> {
        if args.len() != 1 {
            return Err(Diagnostic::error(
                "Wrong number of function arguments",
                "can takes exactly one argument.",
                span,
            ));
        }
        match self.eval(&args[0]) {
            Ok(v) if !v.is_wholly_known() => Ok(Value::Unknown(Type::Bool)),
            Ok(_) => Ok(Value::Bool(true)),
            Err(_) => Ok(Value::Bool(false)),
        }
    }
}

pub fn get_attr(v: &Value, name: &str, span: Span) -> DiagResult<Value> {
    let (inner, marked) = v.unmark();
    let r = match inner {
        Value::Unknown(Type::Object(attrs, _)) => match attrs.get(name) {
            Some(t) => Value::Unknown(t.clone()),
            None => return Err(no_attr(name, span, attrs.keys())),
        },
        Value::Unknown(t) => Value::Unknown(t.element_type().cloned().unwrap_or(Type::Dynamic)),
        Value::Null(_) => {
            return Err(Diagnostic::error(
                "Attempt to get attribute from null value",
                "This value is null, so it does not have any attributes.",
                span,
            ));
        }
        Value::Object(attrs) => match attrs.get(name) {
            Some(v) => v.clone(),
            None => return Err(no_attr(name, span, attrs.keys())),
        },
        Value::Map(_, attrs) => match attrs.get(name) {
            Some(v) => v.clone(),
            None => {
                return Err(Diagnostic::error(
                    "Missing map element",
                    format!("This map does not have an element with the key {name:?}."),
                    span,
                ));
            }
        },
        other => {
            return Err(Diagnostic::error(
                "Unsupported attribute",
                format!(
                    "Can't access attributes on a value of type {}.",
                    other.ty().friendly()
                ),
                span,
            ));
        }
    };
    Ok(r.mark_if(marked))
}

fn no_attr<'k>(name: &str, span: Span, keys: impl Iterator<Item = &'k String>) -> Diagnostic {
    let keys: Vec<&String> = keys.collect();
    let hint = crate::diag::did_you_mean(name, keys.iter().map(|s| s.as_str()))
        .map(|s| format!(" Did you mean {s:?}?"))
        .unwrap_or_default();
    Diagnostic::error(
        "Unsupported attribute",
        format!("This object does not have an attribute named {name:?}.{hint}"),
        span,
    )
}

pub fn index(v: &Value, k: &Value, span: Span) -> DiagResult<Value> {
    let (inner, m1) = v.unmark();
    let (key, m2) = k.unmark();
    let marked = m1 || m2;
    if inner.is_null() {
        return Err(Diagnostic::error(
            "Attempt to index null value",
            "This value is null, so it does not have any indices.",
            span,
        ));
    }
    if key.is_null() {
        return Err(Diagnostic::error(
            "Invalid index",
            "Can't use a null value as an indexing key.",
            span,
        ));
    }
    if !inner.is_known() || !key.is_known() {
        let et = match inner.ty() {
            Type::List(t) | Type::Map(t) => *t,
            _ => Type::Dynamic,
        };
        return Ok(Value::Unknown(et).mark_if(marked));
    }
    let r = match inner {
        Value::List(_, items) | Value::Tuple(items) => {
            let idx = convert(key, &Type::Number)
                .ok()
                .and_then(|n| n.as_number().and_then(Number::to_i64));
            let Some(i) = idx else {
                return Err(Diagnostic::error(
                    "Invalid index",
                    "The given key does not identify an element in this collection value: a whole number is required.",
                    span,
                ));
            };
            if i < 0 || i as usize >= items.len() {
                return Err(Diagnostic::error(
                    "Invalid index",
                    format!(
                        "The given key does not identify an element in this collection value: the collection has {} elements and the index is {i}.",
                        items.len()
                    ),
                    span,
                ));
            }
            items[i as usize].clone()
        }
        Value::Map(_, attrs) | Value::Object(attrs) => {
            let Ok(Value::String(s)) = convert(key, &Type::String) else {
                return Err(Diagnostic::error(
                    "Invalid index",
                    "The given key does not identify an element in this collection value: a string key is required.",
                    span,
                ));
            };
            match attrs.get(&*s) {
                Some(v) => v.clone(),
                None => {
                    return Err(Diagnostic::error(
                        "Invalid index",
                        format!(
                            "The given key does not identify an element in this collection value: there is no element with the key {s:?}."
                        ),
                        span,
                    ));
                }
            }
        }
        Value::Set(..) => {
            return Err(Diagnostic::error(
                "Invalid index",
                "Elements of a set are identified only by their value and don't have any separate index or key to select with, so it's only possible to perform operations across all elements of the set.",
                span,
            ));
        }
        other => {
            return Err(Diagnostic::error(
                "Invalid index",
                format!(
                    "This value does not have any indices: it is {}.",
                    other.ty().friendly()
                ),
                span,
            ));
        }
    };
    Ok(r.mark_if(marked))
}

fn unary(op: UnaryOp, v: &Value, span: Span) -> DiagResult<Value> {
    let (inner, marked) = v.unmark();
    let want = if op == UnaryOp::Not {
        Type::Bool
    } else {
        Type::Number
    };
    if !inner.is_known() {
        return Ok(Value::Unknown(want).mark_if(marked));
    }
    let converted = convert(inner, &want).ok().filter(|c| !c.is_null());
    let r = match (op, converted) {
        (UnaryOp::Not, Some(Value::Bool(b))) => Value::Bool(!b),
        (UnaryOp::Neg, Some(Value::Number(n))) => Value::number(n.neg()),
        _ => {
            return Err(Diagnostic::error(
                "Invalid operand",
                format!(
                    "Unsuitable value for unary operand: {} required.",
                    want.friendly()
                ),
                span,
            ));
        }
    };
    Ok(r.mark_if(marked))
}

fn operand(v: &Value, want: &Type, op: BinaryOp, span: Span) -> DiagResult<Value> {
    match convert(v, want) {
        Ok(c) if !c.is_null() => Ok(c),
        Ok(_) => Err(Diagnostic::error(
            "Invalid operand",
            format!(
                "Unsuitable value for the {} operator: a {} is required, but the value is null.",
                op.symbol(),
                want.friendly()
            ),
            span,
        )),
        Err(e) => Err(Diagnostic::error(
            "Invalid operand",
            format!(
                "Unsuitable value for the {} operator: {}.",
                op.symbol(),
                e.message
            ),
            span,
        )),
    }
}

pub fn binary(op: BinaryOp, l: &Value, r: &Value, lspan: Span, rspan: Span) -> DiagResult<Value> {
    let (a, m1) = l.unmark();
    let (b, m2) = r.unmark();
    let marked = m1 || m2;
    let result = match op {
        BinaryOp::Eq | BinaryOp::NotEq => {
            // As cty decides it: a known null against a known value is decided even when
            // that value holds unknowns (`local.obj != null` with an attribute known only
            // after apply is true at plan time).
            let decided_by_null = a.is_known() && b.is_known() && (a.is_null() || b.is_null());
            if !decided_by_null && (!a.is_wholly_known() || !b.is_wholly_known()) {
                return Ok(Value::Unknown(Type::Bool).mark_if(marked));
            }
            let eq = if decided_by_null {
                a.is_null() && b.is_null()
            } else {
                values_equal(a, b)
            };
            Value::Bool(if op == BinaryOp::Eq { eq } else { !eq })
        }
        BinaryOp::And | BinaryOp::Or => {
            let want = Type::Bool;
            let x = if a.is_known() {
                Some(operand(a, &want, op, lspan)?)
            } else {
                None
            };
            let y = if b.is_known() {
                Some(operand(b, &want, op, rspan)?)
            } else {
                None
            };
            let xb = x.as_ref().and_then(Value::as_bool);
            let yb = y.as_ref().and_then(Value::as_bool);
            match (op, xb, yb) {
                (BinaryOp::And, Some(false), _) | (BinaryOp::And, _, Some(false)) => {
                    Value::Bool(false)
                }
                (BinaryOp::Or, Some(true), _) | (BinaryOp::Or, _, Some(true)) => Value::Bool(true),
                (_, Some(p), Some(q)) => {
                    Value::Bool(if op == BinaryOp::And { p && q } else { p || q })
                }
                _ => Value::Unknown(Type::Bool),
            }
        }
        _ => {
            let num = Type::Number;
            let result_ty = match op {
                BinaryOp::Lt | BinaryOp::Gt | BinaryOp::LtEq | BinaryOp::GtEq => Type::Bool,
                _ => Type::Number,
            };
            let x = if a.is_known() {
                Some(operand(a, &num, op, lspan)?)
            } else {
                None
            };
            let y = if b.is_known() {
                Some(operand(b, &num, op, rspan)?)
            } else {
                None
            };
            let (Some(x), Some(y)) = (x, y) else {
                return Ok(Value::Unknown(result_ty).mark_if(marked));
            };
            let (x, y) = (
                x.as_number().cloned().unwrap_or_else(Number::zero),
                y.as_number().cloned().unwrap_or_else(Number::zero),
            );
            let span = lspan.to(rspan);
            match op {
                BinaryOp::Add => Value::number(x.add(&y)),
                BinaryOp::Sub => Value::number(x.sub(&y)),
                BinaryOp::Mul => Value::number(x.mul(&y)),
                BinaryOp::Div => match x.div(&y) {
                    Some(n) => Value::number(n),
                    None => {
                        return Err(Diagnostic::error(
                            "Operation failed",
                            "Error during operation: can't divide by zero.",
                            span,
                        ));
                    }
                },
                BinaryOp::Mod => match x.rem(&y) {
                    Some(n) => Value::number(n),
                    None => {
                        return Err(Diagnostic::error(
                            "Operation failed",
                            "Error during operation: can't compute modulo of zero.",
                            span,
                        ));
                    }
                },
                BinaryOp::Lt => Value::Bool(x.cmp_num(&y).is_lt()),
                BinaryOp::Gt => Value::Bool(x.cmp_num(&y).is_gt()),
                BinaryOp::LtEq => Value::Bool(x.cmp_num(&y).is_le()),
                BinaryOp::GtEq => Value::Bool(x.cmp_num(&y).is_ge()),
                _ => unreachable!("handled above"),
            }
        }
    };
    Ok(result.mark_if(marked))
}

/// `==` as Terraform has it: no conversion between types; null equals only null.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    if a.is_null() || b.is_null() {
        return a.is_null() && b.is_null();
    }
    a.raw_equal(b)
}
