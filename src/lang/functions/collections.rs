//! Collection functions: length, concat, flatten, merge, lookup, element, sets, zipmap and
//! friends, returning the same list/tuple/map/object shapes Terraform returns.

use super::{
    FnContext, FnError, FnResult, Function, f, int_arg, not_null, seq_arg, str_arg, str_list_arg,
};
use crate::lang::convert::{convert, unify};
use crate::lang::eval::values_equal;
use crate::lang::number::Number;
use crate::lang::types::Type;
use crate::lang::value::{Attrs, Value};
use unicode_segmentation::UnicodeSegmentation;

fn list(t: Type) -> Type {
    Type::List(Box::new(t))
}

pub(super) fn functions() -> Vec<Function> {
    let d = Type::Dynamic;
    vec![
        f("length", length, 1, Some(1), Type::Number).unknown_ok(),
        f("concat", concat, 0, None, d.clone()),
        f("flatten", flatten, 1, Some(1), d.clone()),
        f("merge", merge, 0, None, d.clone()).unknown_ok(),
        f("lookup", lookup, 2, Some(3), d.clone()),
        f("element", element, 2, Some(2), d.clone()),
        f("index", index, 2, Some(2), Type::Number),
        f("contains", contains, 2, Some(2), Type::Bool),
        f("distinct", distinct, 1, Some(1), d.clone()),
        f("sort", sort, 1, Some(1), list(Type::String)),
        f("reverse", reverse, 1, Some(1), d.clone()),
        f("slice", slice, 3, Some(3), d.clone()),
        f("compact", compact, 1, Some(1), list(Type::String)),
        f("chunklist", chunklist, 2, Some(2), d.clone()),
        f("range", range, 1, Some(3), list(Type::Number)),
        f("keys", keys, 1, Some(1), d.clone()),
        f("values", values, 1, Some(1), d.clone()),
        f("zipmap", zipmap, 2, Some(2), d.clone()),
        f("coalesce", coalesce, 1, None, d.clone()),
        f("coalescelist", coalescelist, 1, None, d.clone()),
        f("one", one, 1, Some(1), d.clone()),
        f("sum", sum, 1, Some(1), Type::Number),
        f(
            "transpose",
            transpose,
            1,
            Some(1),
            Type::Map(Box::new(list(Type::String))),
        ),
        f(
            "setintersection",
            |_, a| set_op(a, SetOp::Intersection),
            1,
            None,
            d.clone(),
        ),
        f(
            "setunion",
            |_, a| set_op(a, SetOp::Union),
            1,
            None,
            d.clone(),
        ),
        f(
            "setsubtract",
            |_, a| set_op(a, SetOp::Subtract),
            2,
            Some(2),
            d.clone(),
        ),
        f("setproduct", setproduct, 1, None, d.clone()),
        f("alltrue", |_, a| all_any(a, true), 1, Some(1), Type::Bool),
        f("anytrue", |_, a| all_any(a, false), 1, Some(1), Type::Bool),
        f("matchkeys", matchkeys, 3, Some(3), d.clone()),
    ]
}

fn length(_: &FnContext, a: &[Value]) -> FnResult {
    let v = not_null(a, 0)?;
    match v {
        Value::Unknown(_) => Ok(Value::Unknown(Type::Number)),
        Value::String(s) => Ok(Value::int(s.graphemes(true).count() as i64)),
        other => match other.length() {
            Some(n) => Ok(Value::number(Number::from_usize(n))),
            None if !other.is_wholly_known() => Ok(Value::Unknown(Type::Number)),
            None => Err(FnError::arg(
                0,
                format!(
                    "argument must be a string, a collection type, or a structural type, not {}",
                    other.ty().friendly()
                ),
            )),
        },
    }
}

fn concat(_: &FnContext, a: &[Value]) -> FnResult {
    let mut items = Vec::new();
    let mut all_lists = !a.is_empty();
    let mut elem: Option<Type> = None;
    for i in 0..a.len() {
        let v = not_null(a, i)?;
        match v {
            Value::List(t, xs) | Value::Set(t, xs) => {
                if elem.as_ref().is_some_and(|e| e != t) {
                    all_lists = false;
                }
                elem.get_or_insert_with(|| t.clone());
                items.extend(xs.iter().cloned());
            }
            Value::Tuple(xs) => {
                all_lists = false;
                items.extend(xs.iter().cloned());
            }
            other => {
                return Err(FnError::arg(
                    i,
                    format!(
                        "all arguments must be lists or tuples; got {}",
                        other.ty().friendly()
                    ),
                ));
            }
        }
    }
    if all_lists {
        return Ok(Value::list(elem.unwrap_or(Type::Dynamic), items));
    }
    Ok(Value::tuple(items))
}

fn flatten(_: &FnContext, a: &[Value]) -> FnResult {
    fn walk(v: &Value, out: &mut Vec<Value>) {
        match v {
            Value::List(_, xs) | Value::Set(_, xs) | Value::Tuple(xs) => {
                xs.iter().for_each(|x| walk(x, out))
            }
            other => out.push(other.clone()),
        }
    }
    let mut out = Vec::new();
    for x in seq_arg(a, 0)? {
        walk(&x, &mut out);
    }
    Ok(Value::tuple(out))
}

/// Unknown values inside the arguments stay where they are, so the result's keys are known
/// when the arguments' are (a `for_each` over it plans); an unknown argument makes it unknown.
fn merge(_: &FnContext, a: &[Value]) -> FnResult {
    if a.iter().any(|v| !v.is_known()) {
        return Ok(Value::unknown());
    }
    let mut attrs = Attrs::new();
    let mut all_maps = true;
    let mut elem: Option<Type> = None;
    for (i, v) in a.iter().enumerate() {
        if v.is_null() {
            continue;
        }
        match v {
            Value::Map(t, xs) => {
                if elem.as_ref().is_some_and(|e| e != t) {
                    all_maps = false;
                }
                elem.get_or_insert_with(|| t.clone());
                attrs.extend(xs.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            Value::Object(xs) => {
                all_maps = false;
                attrs.extend(xs.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            other => {
                return Err(FnError::arg(
                    i,
                    format!(
                        "arguments must be maps or objects, got {}",
                        other.ty().friendly()
                    ),
                ));
            }
        }
    }
    if all_maps && elem.is_some() {
        return Ok(Value::map(elem.unwrap_or(Type::Dynamic), attrs));
    }
    Ok(Value::object(attrs))
}

fn lookup(_: &FnContext, a: &[Value]) -> FnResult {
    let m = not_null(a, 0)?;
    let key = str_arg(a, 1)?;
    let attrs = m
        .attributes()
        .ok_or_else(|| FnError::arg(0, "the first argument must be a map or object"))?;
    let found = attrs.get(&key).cloned();
    match (found, a.get(2)) {
        (Some(v), None) => Ok(v),
        (Some(v), Some(default)) => {
            // The result type is the unification of the element and the default.
            match m {
                Value::Map(t, _) => Ok(convert(&v, t).unwrap_or(v)),
                _ => match unify(&[v.ty(), default.ty()]) {
                    Some(t) if !default.is_null() => Ok(convert(&v, &t).unwrap_or(v)),
                    _ => Ok(v),
                },
            }
        }
        (None, Some(default)) => match m {
            Value::Map(t, _) if *t != Type::Dynamic => {
                convert(default, t).map_err(|e| FnError::arg(2, e.to_string()))
            }
            _ => Ok(default.clone()),
        },
        (None, None) => Err(FnError::arg(
            1,
            format!("the given object has no attribute {key:?}"),
        )),
    }
}

fn element(_: &FnContext, a: &[Value]) -> FnResult {
    let xs = seq_arg(a, 0)?;
    let i = int_arg(a, 1)?;
    if xs.is_empty() {
        return Err(FnError::arg(
            0,
            "cannot use element function with an empty list",
        ));
    }
    if i < 0 {
        return Err(FnError::arg(
            1,
            "cannot use element function with a negative index",
        ));
    }
    Ok(xs[(i as usize) % xs.len()].clone())
}

fn index(_: &FnContext, a: &[Value]) -> FnResult {
    let xs = seq_arg(a, 0)?;
    let needle = &a[1];
    xs.iter()
        .position(|x| {
            values_equal(x, needle) || convert(needle, &x.ty()).is_ok_and(|c| values_equal(x, &c))
        })
        .map(|i| Value::number(Number::from_usize(i)))
        .ok_or_else(|| FnError::arg(1, "item not found"))
}

fn contains(_: &FnContext, a: &[Value]) -> FnResult {
    let xs = seq_arg(a, 0)?;
    let needle = &a[1];
    Ok(Value::Bool(xs.iter().any(|x| {
        values_equal(x, needle) || convert(needle, &x.ty()).is_ok_and(|c| values_equal(x, &c))
    })))
}

/// Converts a list-like argument to a list, as functions that take `list(any)` do.
fn as_list(a: &[Value], i: usize) -> Result<(Type, Vec<Value>), FnError> {
    let v = not_null(a, i)?;
    match convert(v, &list(Type::Dynamic)) {
        Ok(Value::List(t, xs)) => Ok((t, xs.to_vec())),
        Ok(_) => Ok((Type::Dynamic, Vec::new())),
        Err(e) => Err(FnError::arg(i, format!("a list is required: {e}"))),
    }
}

fn distinct(_: &FnContext, a: &[Value]) -> FnResult {
    let (t, xs) = as_list(a, 0)?;
    let mut out: Vec<Value> = Vec::new();
    for x in xs {
        if !out.iter().any(|o| o.raw_equal(&x)) {
            out.push(x);
        }
    }
    Ok(Value::list(t, out))
}

fn sort(_: &FnContext, a: &[Value]) -> FnResult {
    let mut xs = str_list_arg(a, 0)?;
    xs.sort();
    Ok(super::list_of_strings(xs))
}

fn reverse(_: &FnContext, a: &[Value]) -> FnResult {
    let v = not_null(a, 0)?;
    match v {
        Value::List(t, xs) => Ok(Value::list(t.clone(), xs.iter().rev().cloned().collect())),
        Value::Set(t, xs) => Ok(Value::list(t.clone(), xs.iter().rev().cloned().collect())),
        Value::Tuple(xs) => Ok(Value::tuple(xs.iter().rev().cloned().collect())),
        other => Err(FnError::arg(
            0,
            format!(
                "can only reverse a list, set or tuple, not {}",
                other.ty().friendly()
            ),
        )),
    }
}

fn slice(_: &FnContext, a: &[Value]) -> FnResult {
    let v = not_null(a, 0)?;
    let xs = seq_arg(a, 0)?;
    let start = int_arg(a, 1)?;
    let end = int_arg(a, 2)?;
    if start < 0 {
        return Err(FnError::arg(1, "start index must not be less than zero"));
    }
    if end as usize > xs.len() || end < 0 {
        return Err(FnError::arg(
            2,
            "end index must not be greater than the length of the list",
        ));
    }
    if start > end {
        return Err(FnError::arg(
            1,
            "start index must not be greater than end index",
        ));
    }
    let part = xs[start as usize..end as usize].to_vec();
    Ok(match v {
        Value::Tuple(_) => Value::tuple(part),
        Value::List(t, _) | Value::Set(t, _) => Value::list(t.clone(), part),
        _ => Value::tuple(part),
    })
}

fn compact(_: &FnContext, a: &[Value]) -> FnResult {
    let xs = seq_arg(a, 0)?;
    let kept: Vec<Value> = xs
        .into_iter()
        .filter(|x| !x.is_null())
        .map(|x| convert(&x, &Type::String).unwrap_or(x))
        .filter(|x| x.as_str() != Some(""))
        .collect();
    Ok(Value::list(Type::String, kept))
}

fn chunklist(_: &FnContext, a: &[Value]) -> FnResult {
    let (t, xs) = as_list(a, 0)?;
    let size = int_arg(a, 1)?;
    if size < 0 {
        return Err(FnError::arg(1, "the size argument must be positive"));
    }
    let chunks: Vec<Value> = if size == 0 {
        vec![Value::list(t.clone(), xs)]
    } else {
        xs.chunks(size as usize)
            .map(|c| Value::list(t.clone(), c.to_vec()))
            .collect()
    };
    Ok(Value::list(list(t), chunks))
}

fn range(_: &FnContext, a: &[Value]) -> FnResult {
    let nums: Vec<Number> = (0..a.len())
        .map(|i| super::num_arg(a, i))
        .collect::<Result<_, _>>()?;
    let (start, limit, step) = match nums.as_slice() {
        [l] => (Number::from_i64(0), l.clone(), Number::from_i64(1)),
        [s, l] => {
            let step = if l.cmp_num(s).is_lt() { -1 } else { 1 };
            (s.clone(), l.clone(), Number::from_i64(step))
        }
        [s, l, st] => (s.clone(), l.clone(), st.clone()),
        _ => return Err(FnError::new("range takes one to three arguments")),
    };
    if step.is_zero() {
        return Err(FnError::arg(2, "step must not be zero"));
    }
    if step.is_negative() != limit.cmp_num(&start).is_lt() && !limit.cmp_num(&start).is_eq() {
        return Err(FnError::arg(
            2,
            if step.is_negative() {
                "step must be positive when start is less than limit"
            } else {
                "step must be negative when start is greater than limit"
            },
        ));
    }
    let mut out = Vec::new();
    let mut x = start;
    while if step.is_negative() {
        x.cmp_num(&limit).is_gt()
    } else {
        x.cmp_num(&limit).is_lt()
    } {
        if out.len() >= 1024 {
            return Err(FnError::new(
                "more than 1024 values were generated; either decrease the difference between start and end or use a smaller step",
            ));
        }
        out.push(Value::number(x.clone()));
        x = x.add(&step);
    }
    Ok(Value::list(Type::Number, out))
}

fn keys(_: &FnContext, a: &[Value]) -> FnResult {
    let v = not_null(a, 0)?;
    match v {
        Value::Map(_, xs) => Ok(super::list_of_strings(xs.keys().cloned().collect())),
        Value::Object(xs) => Ok(Value::tuple(
            xs.keys().map(|k| Value::string(k.as_str())).collect(),
        )),
        other => Err(FnError::arg(
            0,
            format!(
                "must have map or object type, not {}",
                other.ty().friendly()
            ),
        )),
    }
}

fn values(_: &FnContext, a: &[Value]) -> FnResult {
    let v = not_null(a, 0)?;
    match v {
        Value::Map(t, xs) => Ok(Value::list(t.clone(), xs.values().cloned().collect())),
        Value::Object(xs) => Ok(Value::tuple(xs.values().cloned().collect())),
        other => Err(FnError::arg(
            0,
            format!(
                "must have map or object type, not {}",
                other.ty().friendly()
            ),
        )),
    }
}

fn zipmap(_: &FnContext, a: &[Value]) -> FnResult {
    let ks = str_list_arg(a, 0)?;
    let vs_val = not_null(a, 1)?;
    let vs = seq_arg(a, 1)?;
    if ks.len() != vs.len() {
        return Err(FnError::new(format!(
            "number of keys ({}) does not match number of values ({})",
            ks.len(),
            vs.len()
        )));
    }
    let attrs: Attrs = ks.into_iter().zip(vs).collect();
    Ok(match vs_val {
        Value::List(t, _) => Value::map(t.clone(), attrs),
        _ => Value::object(attrs),
    })
}

fn coalesce(_: &FnContext, a: &[Value]) -> FnResult {
    let types: Vec<Type> = a.iter().filter(|v| !v.is_null()).map(Value::ty).collect();
    let t = unify(&types).ok_or_else(|| FnError::new("all arguments must have the same type"))?;
    for v in a {
        if v.is_null() {
            continue;
        }
        let c = convert(v, &t).map_err(|e| FnError::new(e.to_string()))?;
        if c.as_str() == Some("") {
            continue;
        }
        return Ok(c);
    }
    Err(FnError::new("no non-null, non-empty-string arguments"))
}

fn coalescelist(_: &FnContext, a: &[Value]) -> FnResult {
    for (i, v) in a.iter().enumerate() {
        if v.is_null() {
            continue;
        }
        let n = v
            .elements()
            .ok_or_else(|| FnError::arg(i, "all arguments must be lists or tuples"))?
            .len();
        if n > 0 {
            return Ok(v.clone());
        }
    }
    Err(FnError::new("no non-null arguments"))
}

fn one(_: &FnContext, a: &[Value]) -> FnResult {
    let v = not_null(a, 0)?;
    let xs = seq_arg(a, 0)?;
    match xs.len() {
        0 => Ok(Value::Null(match v {
            Value::List(t, _) | Value::Set(t, _) => t.clone(),
            _ => Type::Dynamic,
        })),
        1 => Ok(xs[0].clone()),
        _ => Err(FnError::arg(
            0,
            "must be a list, set, or tuple value with either zero or one elements",
        )),
    }
}

fn sum(_: &FnContext, a: &[Value]) -> FnResult {
    let xs = seq_arg(a, 0)?;
    if xs.is_empty() {
        return Err(FnError::arg(0, "cannot sum an empty list"));
    }
    let mut total: Option<Number> = None;
    for (i, x) in xs.iter().enumerate() {
        let n = match convert(x, &Type::Number) {
            Ok(Value::Number(n)) => (*n).clone(),
            _ => return Err(FnError::arg(0, format!("element {i}: number required"))),
        };
        total = Some(match total {
            Some(t) => t.add(&n),
            None => n,
        });
    }
    Ok(Value::number(total.unwrap_or_else(Number::zero)))
}

fn transpose(_: &FnContext, a: &[Value]) -> FnResult {
    let m = not_null(a, 0)?;
    let attrs = m
        .attributes()
        .ok_or_else(|| FnError::arg(0, "a map of lists of strings is required"))?;
    let mut out: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (k, v) in attrs.iter() {
        let items = str_list_arg(std::slice::from_ref(v), 0)
            .map_err(|_| FnError::arg(0, "a map of lists of strings is required"))?;
        for item in items {
            out.entry(item).or_default().push(k.clone());
        }
    }
    Ok(Value::map(
        list(Type::String),
        out.into_iter()
            .map(|(k, vs)| (k, super::list_of_strings(vs)))
            .collect(),
    ))
}

enum SetOp {
    Intersection,
    Union,
    Subtract,
}

fn set_op(a: &[Value], op: SetOp) -> FnResult {
    let mut sets: Vec<(Type, Vec<Value>)> = Vec::new();
    for i in 0..a.len() {
        let v = not_null(a, i)?;
        match convert(v, &Type::Set(Box::new(Type::Dynamic))) {
            Ok(Value::Set(t, xs)) => sets.push((t, xs.to_vec())),
            _ => return Err(FnError::arg(i, "a set is required")),
        }
    }
    let types: Vec<Type> = sets.iter().map(|(t, _)| t.clone()).collect();
    let t =
        unify(&types).ok_or_else(|| FnError::new("all sets must have the same element type"))?;
    let conv = |xs: &Vec<Value>| {
        xs.iter()
            .map(|x| convert(x, &t).unwrap_or_else(|_| x.clone()))
            .collect::<Vec<_>>()
    };
    let mut acc = conv(&sets[0].1);
    for (_, xs) in &sets[1..] {
        let other = conv(xs);
        acc = match op {
            SetOp::Union => acc.into_iter().chain(other).collect(),
            SetOp::Intersection => acc
                .into_iter()
                .filter(|x| other.iter().any(|o| o.raw_equal(x)))
                .collect(),
            SetOp::Subtract => acc
                .into_iter()
                .filter(|x| !other.iter().any(|o| o.raw_equal(x)))
                .collect(),
        };
    }
    Ok(Value::set(t, acc))
}

fn setproduct(_: &FnContext, a: &[Value]) -> FnResult {
    let mut all_sets = true;
    let mut seqs = Vec::new();
    for i in 0..a.len() {
        let v = not_null(a, i)?;
        all_sets &= matches!(v, Value::Set(..));
        seqs.push(seq_arg(a, i)?);
    }
    let mut rows: Vec<Vec<Value>> = vec![Vec::new()];
    for seq in &seqs {
        rows = rows
            .into_iter()
            .flat_map(|row| {
                seq.iter().map(move |x| {
                    let mut r = row.clone();
                    r.push(x.clone());
                    r
                })
            })
            .collect();
    }
    if seqs.iter().any(Vec::is_empty) {
        rows.clear();
    }
    let tuples: Vec<Value> = rows.into_iter().map(Value::tuple).collect();
    if all_sets {
        let t = tuples.first().map_or(Type::Dynamic, Value::ty);
        return Ok(Value::set(t, tuples));
    }
    let t = tuples.first().map_or(Type::Dynamic, Value::ty);
    Ok(Value::list(t, tuples))
}

fn all_any(a: &[Value], all: bool) -> FnResult {
    let xs = seq_arg(a, 0)?;
    let mut result = all;
    for (i, x) in xs.iter().enumerate() {
        let b = match convert(x, &Type::Bool) {
            Ok(Value::Bool(b)) => b,
            Ok(Value::Null(_)) => false,
            _ => return Err(FnError::arg(0, format!("element {i}: bool required"))),
        };
        if all && !b {
            result = false;
        }
        if !all && b {
            result = true;
        }
    }
    Ok(Value::Bool(result))
}

fn matchkeys(_: &FnContext, a: &[Value]) -> FnResult {
    let (t, vals) = as_list(a, 0)?;
    let (_, ks) = as_list(a, 1)?;
    let search = seq_arg(a, 2)?;
    if vals.len() != ks.len() {
        return Err(FnError::new("length of keys and values should be equal"));
    }
    let out: Vec<Value> = vals
        .into_iter()
        .zip(ks)
        .filter(|(_, k)| {
            search
                .iter()
                .any(|s| s.raw_equal(k) || convert(s, &k.ty()).is_ok_and(|c| c.raw_equal(k)))
        })
        .map(|(v, _)| v)
        .collect();
    Ok(Value::list(t, out))
}
