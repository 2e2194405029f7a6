//! String functions: format, join/split, regex and replace, case, trimming, substrings.

use super::{
    FnContext, FnError, FnResult, Function, f, int_arg, list_of_strings, str_arg, str_list_arg,
    str_val,
};
use crate::lang::convert::convert;
use crate::lang::number::Number;
use crate::lang::types::Type;
use crate::lang::value::{Attrs, Value};
use unicode_segmentation::UnicodeSegmentation;

pub(super) fn functions() -> Vec<Function> {
    let s = Type::String;
    vec![
        f("format", format, 1, None, s.clone()),
        f(
            "formatlist",
            formatlist,
            1,
            None,
            Type::List(Box::new(Type::String)),
        ),
        f("join", join, 2, None, s.clone()),
        f(
            "split",
            split,
            2,
            Some(2),
            Type::List(Box::new(Type::String)),
        ),
        f("replace", replace, 3, Some(3), s.clone()),
        f("regex", regex_fn, 2, Some(2), Type::Dynamic),
        f("regexall", regexall, 2, Some(2), Type::Dynamic),
        f(
            "lower",
            |_, a| str_val(map_runes(&str_arg(a, 0)?, char::to_lowercase)),
            1,
            Some(1),
            s.clone(),
        ),
        f(
            "upper",
            |_, a| str_val(map_runes(&str_arg(a, 0)?, char::to_uppercase)),
            1,
            Some(1),
            s.clone(),
        ),
        f("title", title, 1, Some(1), s.clone()),
        f("trim", trim, 2, Some(2), s.clone()),
        f(
            "trimprefix",
            |_, a| {
                let (x, p) = (str_arg(a, 0)?, str_arg(a, 1)?);
                str_val(x.strip_prefix(p.as_str()).unwrap_or(&x))
            },
            2,
            Some(2),
            s.clone(),
        ),
        f(
            "trimsuffix",
            |_, a| {
                let (x, p) = (str_arg(a, 0)?, str_arg(a, 1)?);
                str_val(x.strip_suffix(p.as_str()).unwrap_or(&x))
            },
            2,
            Some(2),
            s.clone(),
        ),
        f(
            "trimspace",
            |_, a| str_val(str_arg(a, 0)?.trim()),
            1,
            Some(1),
            s.clone(),
        ),
        f(
            "chomp",
            |_, a| str_val(str_arg(a, 0)?.trim_end_matches(['\n', '\r'])),
            1,
            Some(1),
            s.clone(),
        ),
        f("substr", substr, 3, Some(3), s.clone()),
        f(
            "strrev",
            |_, a| str_val(str_arg(a, 0)?.graphemes(true).rev().collect::<String>()),
            1,
            Some(1),
            s.clone(),
        ),
        f(
            "startswith",
            |_, a| Ok(Value::Bool(str_arg(a, 0)?.starts_with(&str_arg(a, 1)?))),
            2,
            Some(2),
            Type::Bool,
        ),
        f(
            "endswith",
            |_, a| Ok(Value::Bool(str_arg(a, 0)?.ends_with(&str_arg(a, 1)?))),
            2,
            Some(2),
            Type::Bool,
        ),
        f(
            "strcontains",
            |_, a| Ok(Value::Bool(str_arg(a, 0)?.contains(&str_arg(a, 1)?))),
            2,
            Some(2),
            Type::Bool,
        ),
        f("indent", indent, 2, Some(2), s.clone()),
    ]
}

/// Go maps case one rune at a time: no final sigma, and a rune whose mapping would be several
/// runes (ß → SS) stays as it is.
fn map_runes<I: ExactSizeIterator<Item = char>>(s: &str, f: fn(char) -> I) -> String {
    s.chars()
        .map(|c| {
            let mut m = f(c);
            if m.len() == 1 {
                m.next().unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

fn join(_: &FnContext, a: &[Value]) -> FnResult {
    let sep = str_arg(a, 0)?;
    let mut parts = Vec::new();
    for i in 1..a.len() {
        parts.extend(str_list_arg(a, i)?);
    }
    str_val(parts.join(&sep))
}

fn split(_: &FnContext, a: &[Value]) -> FnResult {
    let sep = str_arg(a, 0)?;
    let s = str_arg(a, 1)?;
    let parts: Vec<String> = if sep.is_empty() {
        s.chars().map(String::from).collect()
    } else {
        s.split(sep.as_str()).map(String::from).collect()
    };
    Ok(list_of_strings(parts))
}

fn compile(pattern: &str, arg: usize) -> Result<regex::Regex, FnError> {
    // Terraform's RE2 also spells named groups (?<name>...), which Rust's regex accepts too.
    regex::Regex::new(pattern)
        .map_err(|e| FnError::arg(arg, format!("invalid regular expression pattern: {e}")))
}

fn replace(_: &FnContext, a: &[Value]) -> FnResult {
    let s = str_arg(a, 0)?;
    let search = str_arg(a, 1)?;
    let with = str_arg(a, 2)?;
    if search.len() > 1 && search.starts_with('/') && search.ends_with('/') {
        let re = compile(&search[1..search.len() - 1], 1)?;
        // Go's ReplaceAllString expands $1 and ${name}; Rust's replacement syntax matches.
        return str_val(re.replace_all(&s, with.as_str()).into_owned());
    }
    str_val(s.replace(search.as_str(), &with))
}

/// The value a match produces: a string, a list of captures, or a map of named captures.
fn match_value(re: &regex::Regex, caps: &regex::Captures) -> Value {
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    let group = |i: usize| match caps.get(i) {
        Some(m) => Value::string(m.as_str()),
        None => Value::Null(Type::String),
    };
    if names.is_empty() {
        return Value::string(caps.get(0).map_or("", |m| m.as_str()));
    }
    if names.iter().all(Option::is_some) {
        let attrs: Attrs = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.unwrap_or_default().to_string(), group(i + 1)))
            .collect();
        return Value::object(attrs);
    }
    Value::tuple((1..=names.len()).map(group).collect())
}

fn regex_fn(_: &FnContext, a: &[Value]) -> FnResult {
    let re = compile(&str_arg(a, 0)?, 0)?;
    let s = str_arg(a, 1)?;
    match re.captures(&s) {
        Some(caps) => Ok(match_value(&re, &caps)),
        None => Err(FnError::new(
            "pattern did not match any part of the given string",
        )),
    }
}

fn regexall(_: &FnContext, a: &[Value]) -> FnResult {
    let re = compile(&str_arg(a, 0)?, 0)?;
    let s = str_arg(a, 1)?;
    let matches: Vec<Value> = re.captures_iter(&s).map(|c| match_value(&re, &c)).collect();
    let elem = matches.first().map_or(Type::Dynamic, Value::ty);
    Ok(Value::list(elem, matches))
}

fn title(_: &FnContext, a: &[Value]) -> FnResult {
    // Go's strings.Title: upper-case a letter that follows a non-letter, non-digit.
    let s = str_arg(a, 0)?;
    let mut out = String::with_capacity(s.len());
    let mut prev_sep = true;
    for c in s.chars() {
        if prev_sep {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_sep = !(c.is_alphanumeric() || c == '_' || c == '\'');
    }
    str_val(out)
}

fn trim(_: &FnContext, a: &[Value]) -> FnResult {
    let s = str_arg(a, 0)?;
    let cut: Vec<char> = str_arg(a, 1)?.chars().collect();
    str_val(s.trim_matches(|c| cut.contains(&c)))
}

fn substr(_: &FnContext, a: &[Value]) -> FnResult {
    let s = str_arg(a, 0)?;
    let offset = int_arg(a, 1)?;
    let length = int_arg(a, 2)?;
    let g: Vec<&str> = s.graphemes(true).collect();
    let n = g.len() as i64;
    let start = if offset < 0 { n + offset } else { offset };
    if start < 0 || start > n {
        if offset < 0 && start < 0 {
            return Err(FnError::arg(1, "offset must be within the string"));
        }
        if start > n {
            return Err(FnError::arg(1, "offset is out of range for the string"));
        }
    }
    let end = if length < 0 {
        n
    } else {
        (start + length).min(n)
    };
    str_val(g[start.max(0) as usize..end.max(start) as usize].concat())
}

fn indent(_: &FnContext, a: &[Value]) -> FnResult {
    let n = int_arg(a, 0)?;
    let s = str_arg(a, 1)?;
    let pad = " ".repeat(n.max(0) as usize);
    str_val(s.replace('\n', &format!("\n{pad}")))
}

fn formatlist(ctx: &FnContext, a: &[Value]) -> FnResult {
    let mut n: Option<usize> = None;
    for (i, v) in a.iter().enumerate().skip(1) {
        if let Some(items) = v.elements() {
            match n {
                Some(m) if m != items.len() => {
                    return Err(FnError::arg(
                        i,
                        format!(
                            "argument {i} has length {}, which is inconsistent with argument 1 of length {m}",
                            items.len()
                        ),
                    ));
                }
                _ => n = Some(items.len()),
            }
        }
    }
    let n = n.unwrap_or(1);
    let mut out = Vec::with_capacity(n);
    for j in 0..n {
        let row: Vec<Value> = a
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if i > 0 {
                    v.elements().map_or_else(|| v.clone(), |e| e[j].clone())
                } else {
                    v.clone()
                }
            })
            .collect();
        out.push(format(ctx, &row)?);
    }
    Ok(Value::list(Type::String, out))
}

/// `format`: Go's fmt verbs as Terraform defines them for its own types.
fn format(_: &FnContext, a: &[Value]) -> FnResult {
    let spec = str_arg(a, 0)?;
    let args = &a[1..];
    let mut out = String::new();
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let mut next_arg = 0usize;
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        if chars.get(i) == Some(&'%') {
            out.push('%');
            i += 1;
            continue;
        }
        let mut flags = Flags::default();
        while let Some(&c) = chars.get(i) {
            match c {
                '-' => flags.minus = true,
                '+' => flags.plus = true,
                '#' => flags.sharp = true,
                ' ' => flags.space = true,
                '0' => flags.zero = true,
                _ => break,
            }
            i += 1;
        }
        if chars.get(i) == Some(&'[') {
            let close = chars[i..].iter().position(|&c| c == ']').map(|p| p + i);
            let Some(close) = close else {
                return Err(FnError::arg(0, "unterminated argument index"));
            };
            let n: usize = chars[i + 1..close]
                .iter()
                .collect::<String>()
                .parse()
                .map_err(|_| FnError::arg(0, "invalid argument index"))?;
            if n == 0 {
                return Err(FnError::arg(0, "argument index must be at least 1"));
            }
            next_arg = n - 1;
            i = close + 1;
        }
        let mut width = None;
        let mut wstr = String::new();
        while let Some(&c) = chars.get(i).filter(|c| c.is_ascii_digit()) {
            wstr.push(c);
            i += 1;
        }
        if !wstr.is_empty() {
            width = wstr.parse::<usize>().ok();
        }
        let mut prec = None;
        if chars.get(i) == Some(&'.') {
            i += 1;
            let mut pstr = String::new();
            while let Some(&c) = chars.get(i).filter(|c| c.is_ascii_digit()) {
                pstr.push(c);
                i += 1;
            }
            prec = Some(pstr.parse::<usize>().unwrap_or(0));
        }
        let Some(&verb) = chars.get(i) else {
            return Err(FnError::arg(0, "unterminated format verb at end of string"));
        };
        i += 1;
        let Some(arg) = args.get(next_arg) else {
            return Err(FnError::arg(
                0,
                format!(
                    "not enough arguments for %{verb} at position {}",
                    next_arg + 1
                ),
            ));
        };
        next_arg += 1;
        let body = format_verb(verb, &flags, prec, arg).map_err(|m| FnError::arg(next_arg, m))?;
        out.push_str(&pad(
            &body,
            width,
            &flags,
            matches!(
                verb,
                'd' | 'f' | 'e' | 'E' | 'g' | 'G' | 'x' | 'X' | 'o' | 'b'
            ),
        ));
    }
    if next_arg < args.len() && !spec.contains("%[") {
        return Err(FnError::new(format!(
            "too many arguments; only {next_arg} used by format string"
        )));
    }
    str_val(out)
}

#[derive(Default)]
struct Flags {
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
}

fn pad(body: &str, width: Option<usize>, flags: &Flags, numeric: bool) -> String {
    let Some(w) = width else {
        return body.to_string();
    };
    let len = body.chars().count();
    if len >= w {
        return body.to_string();
    }
    let fill = w - len;
    if flags.minus {
        format!("{body}{}", " ".repeat(fill))
    } else if flags.zero && numeric {
        let (sign, digits) = match body.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", body),
        };
        format!("{sign}{}{digits}", "0".repeat(fill))
    } else {
        format!("{}{body}", " ".repeat(fill))
    }
}

fn format_verb(
    verb: char,
    flags: &Flags,
    prec: Option<usize>,
    arg: &Value,
) -> Result<String, String> {
    if arg.is_null() {
        if verb == 'v' {
            return Ok("null".into());
        }
        return Err("null value cannot be formatted".into());
    }
    let want_num = || -> Result<Number, String> {
        match convert(arg, &Type::Number) {
            Ok(Value::Number(n)) => Ok((*n).clone()),
            _ => Err(format!("%{verb} requires a number")),
        }
    };
    let sign = |s: String, neg: bool| -> String {
        if neg {
            s
        } else if flags.plus {
            format!("+{s}")
        } else if flags.space {
            format!(" {s}")
        } else {
            s
        }
    };
    Ok(match verb {
        'v' => match arg {
            Value::String(s) => s.to_string(),
            Value::Number(n) => sign(go_g(n, None, false), n.is_negative()),
            Value::Bool(b) => b.to_string(),
            other => {
                if flags.sharp {
                    other.to_json().to_string()
                } else {
                    super::encoding::json_text(other)
                }
            }
        },
        't' => match convert(arg, &Type::Bool) {
            Ok(Value::Bool(b)) => b.to_string(),
            _ => return Err("%t requires a bool".into()),
        },
        's' => match convert(arg, &Type::String) {
            Ok(Value::String(s)) => match prec {
                Some(p) => s.chars().take(p).collect(),
                None => s.to_string(),
            },
            _ => {
                return Err(format!(
                    "unsupported value for %s: string required, but have {}",
                    arg.ty().friendly()
                ));
            }
        },
        'q' => match convert(arg, &Type::String) {
            Ok(Value::String(s)) => {
                crate::lang::escape::quoted(&s, crate::lang::escape::Style::GoQuote)
            }
            _ => return Err("%q requires a string".into()),
        },
        'd' | 'b' | 'o' | 'x' | 'X' => {
            if (verb == 'x' || verb == 'X')
                && let Value::String(s) = arg
                && Number::parse(s).is_err()
            {
                let h: String = s.bytes().map(|b| format!("{b:02x}")).collect();
                return Ok(if verb == 'X' { h.to_uppercase() } else { h });
            }
            let n = want_num()?;
            let Some(i) = n.to_bigint() else {
                return Err(format!("%{verb} requires a whole number"));
            };
            let neg = i.sign() == num_bigint::Sign::Minus;
            let mag = i.magnitude();
            let digits = match verb {
                'd' => mag.to_str_radix(10),
                'b' => mag.to_str_radix(2),
                'o' => mag.to_str_radix(8),
                'x' => mag.to_str_radix(16),
                _ => mag.to_str_radix(16).to_uppercase(),
            };
            sign(if neg { format!("-{digits}") } else { digits }, neg)
        }
        'f' | 'F' => {
            let n = want_num()?;
            sign(fixed(&n, prec.unwrap_or(6)), n.is_negative())
        }
        'e' | 'E' => {
            let n = want_num()?;
            let s = sci(&n, prec.unwrap_or(6));
            sign(
                if verb == 'E' { s.to_uppercase() } else { s },
                n.is_negative(),
            )
        }
        'g' | 'G' => {
            let n = want_num()?;
            let s = go_g(&n, prec, false);
            sign(
                if verb == 'G' { s.to_uppercase() } else { s },
                n.is_negative(),
            )
        }
        other => return Err(format!("unsupported format verb %{other}")),
    })
}

/// Decimal digits of `n` rounded half-to-even at `frac` fractional digits.
fn fixed(n: &Number, frac: usize) -> String {
    n.to_fixed(frac)
}

/// `%e` with `prec` digits after the point.
fn sci(n: &Number, prec: usize) -> String {
    if n.is_zero() {
        return format!("{}e+00", fixed(n, prec));
    }
    let text = n.abs().to_text();
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let lead = digits.find(|c| c != '0').unwrap_or(0);
    let int_len = text.find('.').unwrap_or(text.len()) as i64;
    let mut exp = int_len - 1 - lead as i64;
    let m = n.abs().mul(&pow10_num(-exp));
    let mut mant = fixed(&m, prec);
    if mant.starts_with("10") {
        exp += 1;
        mant = fixed(&n.abs().mul(&pow10_num(-exp)), prec);
    }
    let sign = if n.is_negative() { "-" } else { "" };
    let esign = if exp < 0 { '-' } else { '+' };
    format!("{sign}{mant}e{esign}{:02}", exp.abs())
}

fn pow10_num(e: i64) -> Number {
    Number::parse(&format!("1e{e}")).unwrap_or_else(|_| Number::from_i64(1))
}

/// `%g`/`%v`: shortest representation, exponent form for large or small magnitudes.
fn go_g(n: &Number, prec: Option<usize>, _upper: bool) -> String {
    if let Some(p) = prec {
        let s = sci(n, p.max(1) - 1);
        let exp: i64 = s
            .rsplit('e')
            .next()
            .and_then(|e| e.parse().ok())
            .unwrap_or(0);
        if exp < -4 || exp >= p.max(1) as i64 {
            return strip_mantissa_zeros(&s);
        }
        let f = fixed(n, (p.max(1) as i64 - 1 - exp).max(0) as usize);
        return if f.contains('.') {
            f.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            f
        };
    }
    let text = n.to_text();
    let neg = text.starts_with('-');
    let body = text.trim_start_matches('-');
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    let lead = digits.find(|c| c != '0').unwrap_or(0);
    let sig = digits[lead..].trim_end_matches('0');
    let int_len = body.find('.').unwrap_or(body.len()) as i64;
    let exp = int_len - 1 - lead as i64;
    // Go's shortest %g switches to exponent form when the exponent is below -4 or at least 6.
    if !(-4..6).contains(&exp) {
        let mut m = sig.to_string();
        if m.len() > 1 {
            m.insert(1, '.');
        }
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{}{m}e{esign}{:02}", if neg { "-" } else { "" }, exp.abs());
    }
    text
}

fn strip_mantissa_zeros(s: &str) -> String {
    let (m, e) = s.split_once('e').unwrap_or((s, ""));
    let m = if m.contains('.') {
        m.trim_end_matches('0').trim_end_matches('.')
    } else {
        m
    };
    format!("{m}e{e}")
}
