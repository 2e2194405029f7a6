//! Numeric functions. `pow` and `log` go through float64 as Terraform's do, so their results
//! carry 53 bits of precision.

use super::{FnContext, FnError, FnResult, Function, f, int_arg, num_arg, str_arg};
use crate::lang::number::Number;
use crate::lang::types::Type;
use crate::lang::value::Value;
use num_bigint::BigInt;

pub(super) fn functions() -> Vec<Function> {
    let n = Type::Number;
    vec![
        f("min", |_, a| extreme(a, true), 1, None, n.clone()),
        f("max", |_, a| extreme(a, false), 1, None, n.clone()),
        f(
            "abs",
            |_, a| Ok(Value::number(num_arg(a, 0)?.abs())),
            1,
            Some(1),
            n.clone(),
        ),
        f(
            "ceil",
            |_, a| Ok(Value::number(num_arg(a, 0)?.ceil())),
            1,
            Some(1),
            n.clone(),
        ),
        f(
            "floor",
            |_, a| Ok(Value::number(num_arg(a, 0)?.floor())),
            1,
            Some(1),
            n.clone(),
        ),
        f("signum", signum, 1, Some(1), n.clone()),
        f(
            "pow",
            |_, a| float_result(num_arg(a, 0)?.to_f64().powf(num_arg(a, 1)?.to_f64())),
            2,
            Some(2),
            n.clone(),
        ),
        f("log", log, 2, Some(2), n.clone()),
        f("parseint", parseint, 2, Some(2), n.clone()),
    ]
}

fn float_result(v: f64) -> FnResult {
    if v.is_nan() {
        return Err(FnError::new("the result is not a number"));
    }
    Ok(Value::number(Number::from_f64(v)))
}

fn extreme(a: &[Value], min: bool) -> FnResult {
    let mut best: Option<Number> = None;
    for i in 0..a.len() {
        let n = num_arg(a, i)?;
        best = Some(match best {
            None => n,
            Some(b) => {
                let better = if min {
                    n.cmp_num(&b).is_lt()
                } else {
                    n.cmp_num(&b).is_gt()
                };
                if better { n } else { b }
            }
        });
    }
    Ok(Value::number(best.unwrap_or_else(Number::zero)))
}

fn signum(_: &FnContext, a: &[Value]) -> FnResult {
    let n = num_arg(a, 0)?;
    Ok(Value::int(if n.is_zero() {
        0
    } else if n.is_negative() {
        -1
    } else {
        1
    }))
}

fn log(_: &FnContext, a: &[Value]) -> FnResult {
    let x = num_arg(a, 0)?.to_f64();
    let base = num_arg(a, 1)?.to_f64();
    float_result(x.ln() / base.ln())
}

fn parseint(_: &FnContext, a: &[Value]) -> FnResult {
    let s = str_arg(a, 0)?;
    let base = int_arg(a, 1)?;
    if !(2..=62).contains(&base) {
        return Err(FnError::arg(
            1,
            "base must be a whole number between 2 and 62 inclusive",
        ));
    }
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(&s)),
    };
    let mut acc = BigInt::from(0);
    if digits.is_empty() {
        return Err(FnError::arg(
            0,
            format!("cannot parse {s:?} as a base {base} integer"),
        ));
    }
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => c as i64 - '0' as i64,
            'a'..='z' if base <= 36 => c as i64 - 'a' as i64 + 10,
            'A'..='Z' if base <= 36 => c as i64 - 'A' as i64 + 10,
            'a'..='z' => c as i64 - 'a' as i64 + 10,
            'A'..='Z' => c as i64 - 'A' as i64 + 36,
            _ => 99,
        };
        if d >= base {
            return Err(FnError::arg(
                0,
                format!("cannot parse {s:?} as a base {base} integer"),
            ));
        }
        acc = acc * base + d;
    }
    if neg {
        acc = -acc;
    }
    Ok(Value::number(Number::from_bigint(&acc)))
}
