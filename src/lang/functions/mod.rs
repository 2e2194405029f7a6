//! Terraform's built-in function library. Each function declares its arity, whether it accepts
//! unknown and sensitive arguments, and its return type; [`call`] applies the common rules
//! (an unknown argument makes an unknown result, a sensitive argument a sensitive result) so the
//! functions themselves only handle known, unmarked values.

mod collections;
mod conversion;
mod datetime;
mod encoding;
mod filesystem;
mod goflate;
mod hashing;
mod network;
mod numeric;
mod strings;
pub mod yaml;

pub(crate) use encoding::go_gzip;

/// The current UTC time in RFC 3339, as `timestamp()` gives it.
static PLANNING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// While a plan is made, the impure functions (`timestamp()`, `uuid()`) are unknown, as in
/// Terraform: their value is decided when apply runs, so a plan never shows a value apply will
/// not use. Process-wide, because a process runs one command.
pub fn set_planning(on: bool) {
    PLANNING.store(on, std::sync::atomic::Ordering::SeqCst);
}

pub(crate) fn planning() -> bool {
    PLANNING.load(std::sync::atomic::Ordering::SeqCst)
}

static PLAN_TIMESTAMP: std::sync::RwLock<Option<String>> = std::sync::RwLock::new(None);

/// The moment the plan was made, as `plantimestamp()` gives it: pinned when a plan starts (the
/// first pin of a process wins, so a plan-and-apply sees one time) and taken from the plan
/// file when a saved plan is applied.
pub fn pin_plan_timestamp(ts: Option<String>) -> String {
    let mut pinned = PLAN_TIMESTAMP.write().unwrap_or_else(|p| p.into_inner());
    if let Some(ts) = ts {
        *pinned = Some(ts);
    }
    pinned.get_or_insert_with(datetime::now).clone()
}

pub(crate) fn plan_timestamp() -> String {
    pin_plan_timestamp(None)
}

pub fn now_rfc3339() -> String {
    datetime::now()
}

/// Go's `time.ParseDuration` (`1h30m`, `-1.5s`, `300ms`), in nanoseconds, with Go's messages.
pub fn parse_go_duration(s: &str) -> Result<i64, String> {
    datetime::parse_duration(s)
}

/// The current UTC time in RFC 3339 with milliseconds.
pub fn now_rfc3339_millis() -> String {
    datetime::now_millis()
}

use super::number::Number;
use super::types::Type;
use super::value::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

pub struct FnContext<'a> {
    pub base_dir: &'a Path,
    pub in_template: bool,
}

#[derive(Debug, Clone)]
pub struct FnError {
    /// Which argument was wrong, when one was.
    pub arg: Option<usize>,
    pub message: String,
}

impl FnError {
    pub fn new(message: impl Into<String>) -> FnError {
        FnError {
            arg: None,
            message: message.into(),
        }
    }

    pub fn arg(arg: usize, message: impl Into<String>) -> FnError {
        FnError {
            arg: Some(arg),
            message: message.into(),
        }
    }
}

pub type FnResult = Result<Value, FnError>;
type Impl = fn(&FnContext, &[Value]) -> FnResult;

pub struct Function {
    pub name: &'static str,
    imp: Impl,
    min: usize,
    /// `None`: variadic.
    max: Option<usize>,
    /// The function handles unknown arguments itself.
    allow_unknown: bool,
    /// The function handles sensitive marks itself.
    allow_marks: bool,
    /// The type of an unknown result.
    ret: Type,
}

/// A function entry: name, implementation, arity and the type of an unknown result.
pub(crate) const fn f(
    name: &'static str,
    imp: Impl,
    min: usize,
    max: Option<usize>,
    ret: Type,
) -> Function {
    Function {
        name,
        imp,
        min,
        max,
        allow_unknown: false,
        allow_marks: false,
        ret,
    }
}

impl Function {
    pub(crate) const fn unknown_ok(mut self) -> Function {
        self.allow_unknown = true;
        self
    }

    pub(crate) const fn marks_ok(mut self) -> Function {
        self.allow_marks = true;
        self
    }
}

static REGISTRY: LazyLock<HashMap<&'static str, Function>> = LazyLock::new(|| {
    let mut all = Vec::new();
    all.extend(strings::functions());
    all.extend(collections::functions());
    all.extend(numeric::functions());
    all.extend(conversion::functions());
    all.extend(datetime::functions());
    all.extend(encoding::functions());
    all.extend(hashing::functions());
    all.extend(network::functions());
    all.extend(filesystem::functions());
    all.into_iter().map(|f| (f.name, f)).collect()
});

pub fn lookup(name: &str) -> Option<&'static Function> {
    let name = name.strip_prefix("core::").unwrap_or(name);
    REGISTRY.get(name)
}

pub fn names() -> impl Iterator<Item = &'static str> {
    REGISTRY.keys().copied()
}

pub fn call(func: &Function, ctx: &FnContext, args: Vec<Value>) -> FnResult {
    if args.len() < func.min || func.max.is_some_and(|m| args.len() > m) {
        let expected = match func.max {
            Some(m) if m == func.min => format!("exactly {m}"),
            Some(m) => format!("{} to {m}", func.min),
            None => format!("at least {}", func.min),
        };
        return Err(FnError::new(format!(
            "wrong number of arguments: {expected} required, {} given",
            args.len()
        )));
    }
    let mut marked = false;
    let args: Vec<Value> = if func.allow_marks {
        args
    } else {
        args.into_iter()
            .map(|a| {
                let (v, m) = a.unmark_deep();
                marked |= m;
                v
            })
            .collect()
    };
    if !func.allow_unknown && args.iter().any(|a| !a.is_wholly_known()) {
        return Ok(Value::Unknown(func.ret.clone()).mark_if(marked));
    }
    (func.imp)(ctx, &args).map(|v| v.mark_if(marked))
}

// ---- argument helpers shared by the function files ----

pub(crate) fn not_null(args: &[Value], i: usize) -> Result<&Value, FnError> {
    let v = &args[i];
    if v.is_null() {
        return Err(FnError::arg(i, "argument must not be null"));
    }
    Ok(v)
}

pub(crate) fn str_arg(args: &[Value], i: usize) -> Result<String, FnError> {
    let v = not_null(args, i)?;
    match super::convert::convert(v, &Type::String) {
        Ok(Value::String(s)) => Ok(s.to_string()),
        _ => Err(FnError::arg(
            i,
            format!("string required, but have {}", v.ty().friendly()),
        )),
    }
}

pub(crate) fn num_arg(args: &[Value], i: usize) -> Result<Number, FnError> {
    let v = not_null(args, i)?;
    match super::convert::convert(v, &Type::Number) {
        Ok(Value::Number(n)) => Ok((*n).clone()),
        Ok(_) | Err(_) => Err(FnError::arg(
            i,
            format!("number required, but have {}", v.ty().friendly()),
        )),
    }
}

pub(crate) fn int_arg(args: &[Value], i: usize) -> Result<i64, FnError> {
    let n = num_arg(args, i)?;
    n.to_i64()
        .ok_or_else(|| FnError::arg(i, format!("a whole number is required, not {n}")))
}

/// Elements of a list, set or tuple argument.
pub(crate) fn seq_arg(args: &[Value], i: usize) -> Result<Vec<Value>, FnError> {
    let v = not_null(args, i)?;
    v.elements().map(<[Value]>::to_vec).ok_or_else(|| {
        FnError::arg(
            i,
            format!(
                "list, set or tuple required, but have {}",
                v.ty().friendly()
            ),
        )
    })
}

/// A list of strings argument.
pub(crate) fn str_list_arg(args: &[Value], i: usize) -> Result<Vec<String>, FnError> {
    seq_arg(args, i)?
        .iter()
        .enumerate()
        .map(|(j, v)| match super::convert::convert(v, &Type::String) {
            Ok(Value::String(s)) => Ok(s.to_string()),
            _ => Err(FnError::arg(i, format!("element {j}: string required"))),
        })
        .collect()
}

pub(crate) fn str_val(s: impl Into<std::sync::Arc<str>>) -> FnResult {
    Ok(Value::string(s))
}

pub(crate) fn list_of_strings(items: Vec<String>) -> Value {
    Value::list(Type::String, items.into_iter().map(Value::string).collect())
}
