//! Evaluating a block body (a resource's arguments and nested blocks) into an object value,
//! expanding `dynamic` blocks. Without a schema, nested blocks become a tuple of objects under
//! their block type's name; provider schemas refine this later.

use crate::diag::{DiagResult, Diagnostic};
use crate::lang::Evaluator;
use crate::lang::value::{Attrs, Value};
use crate::syntax::Body;
use std::collections::BTreeMap;

/// Blocks whose contents belong to the engine, not to the resource's own configuration.
/// `timeouts` is accepted so Terraform files keep working; infra's waits use AWS's own limits.
const META_BLOCKS: [&str; 4] = ["provisioner", "connection", "lifecycle", "timeouts"];

pub fn eval_body(ev: &mut Evaluator, body: &Body) -> DiagResult<Value> {
    let mut attrs = Attrs::new();
    for a in &body.attributes {
        attrs.insert(a.name.clone(), ev.eval(&a.expr)?);
    }
    let mut blocks: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for b in &body.blocks {
        if META_BLOCKS.contains(&b.kind.as_str()) {
            continue;
        }
        if b.kind == "dynamic" {
            let Some(kind) = b.labels.first() else {
                return Err(Diagnostic::error(
                    "Missing name for dynamic block",
                    "A dynamic block needs a label naming the block type it generates: dynamic \"ingress\" { ... }.",
                    b.kind_span,
                ));
            };
            let generated = dynamic_block(ev, kind, &b.body)?;
            blocks.entry(kind.clone()).or_default().extend(generated);
            continue;
        }
        let mut v = eval_body(ev, &b.body)?;
        if !b.labels.is_empty()
            && let Value::Object(o) = &v
        {
            let mut o = (**o).clone();
            o.insert(
                "__labels".into(),
                Value::tuple(b.labels.iter().map(|l| Value::string(l.as_str())).collect()),
            );
            v = Value::object(o);
        }
        blocks.entry(b.kind.clone()).or_default().push(v);
    }
    for (k, vs) in blocks {
        attrs.insert(k, Value::tuple(vs));
    }
    Ok(Value::object(attrs))
}

fn dynamic_block(ev: &mut Evaluator, kind: &str, body: &Body) -> DiagResult<Vec<Value>> {
    let Some(for_each) = body.attribute("for_each") else {
        return Err(Diagnostic::error(
            "Missing required argument",
            "The argument \"for_each\" is required in a dynamic block.",
            body.span,
        ));
    };
    let iterator = match body.attribute("iterator") {
        Some(a) => a.expr.as_keyword().map(str::to_string).ok_or_else(|| {
            Diagnostic::error(
                "Invalid dynamic iterator name",
                "The iterator argument must be a single name, like iterator = rule.",
                a.expr.span,
            )
        })?,
        None => kind.to_string(),
    };
    let Some(content) = body.blocks_of("content").next() else {
        return Err(Diagnostic::error(
            "Missing content block",
            format!(
                "A dynamic {kind:?} block must have a nested block of type \"content\" describing each generated block."
            ),
            body.span,
        ));
    };
    let coll = ev.eval(&for_each.expr)?;
    let (coll, _) = coll.unmark();
    let pairs: Vec<(Value, Value)> = match coll {
        Value::Unknown(_) => {
            // Still check the content for errors, with an unknown iterator.
            ev.push_local(&iterator, Value::unknown());
            let r = eval_body(ev, &content.body);
            ev.pop_local();
            r?;
            return Ok(Vec::new());
        }
        Value::Null(_) => {
            return Err(Diagnostic::error(
                "Invalid dynamic for_each value",
                "Cannot use a null value in for_each.",
                for_each.expr.span,
            ));
        }
        other => match other.iteration_pairs() {
            Some(pairs) => pairs,
            None => {
                return Err(Diagnostic::error(
                    "Invalid dynamic for_each value",
                    format!(
                        "Cannot use a {} value in for_each. An iterable collection is required.",
                        other.ty().friendly()
                    ),
                    for_each.expr.span,
                ));
            }
        },
    };
    let mut out = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        ev.push_local(
            &iterator,
            Value::object([("key".to_string(), k), ("value".to_string(), v)].into()),
        );
        let r = eval_body(ev, &content.body);
        ev.pop_local();
        out.push(r?);
    }
    Ok(out)
}
