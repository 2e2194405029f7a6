//! Date and time functions: `timestamp`, `plantimestamp`, `formatdate`, `timeadd` and `timecmp`.
//! Timestamps are RFC 3339 strings parsed the way Go's `time.Parse(time.RFC3339, …)` does (a
//! strict fast path, then Go's lenient layout parser), with cty's stricter re-check for the
//! functions that come from cty (`formatdate`, `timeadd`). Civil dates are computed here from
//! day counts, so no calendar crate is needed.

use super::{FnContext, FnError, FnResult, Function, f, str_arg, str_val};
use crate::lang::number::Number;
use crate::lang::types::Type;
use crate::lang::value::Value;

pub(super) fn functions() -> Vec<Function> {
    let s = Type::String;
    vec![
        f(
            "timestamp",
            |_, _| {
                if super::planning() {
                    Ok(Value::Unknown(Type::String))
                } else {
                    str_val(now())
                }
            },
            0,
            Some(0),
            s.clone(),
        ),
        // The moment the plan was made, the same at plan and at apply (of a saved plan too).
        f(
            "plantimestamp",
            |_, _| str_val(super::plan_timestamp()),
            0,
            Some(0),
            s.clone(),
        ),
        f("formatdate", formatdate, 2, Some(2), s.clone()),
        f("timeadd", timeadd, 2, Some(2), s.clone()),
        f("timecmp", timecmp, 2, Some(2), Type::Number),
    ]
}

/// An instant with the UTC offset it was written in, as Go's `time.Time` keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Time {
    /// Seconds since 1970-01-01T00:00:00Z.
    unix: i64,
    nanos: u32,
    /// Seconds east of UTC.
    offset: i32,
}

/// The local calendar fields of a [`Time`].
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    /// 0 = Sunday, as Go numbers weekdays.
    weekday: u32,
}

impl Time {
    fn civil(&self) -> Civil {
        let local = self.unix + i64::from(self.offset);
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: secs / 3600,
            minute: secs / 60 % 60,
            second: secs % 60,
            // 1970-01-01 was a Thursday.
            weekday: (days + 4).rem_euclid(7) as u32,
        }
    }

    fn add_nanos(self, d: i64) -> Time {
        let total = i128::from(self.unix) * 1_000_000_000 + i128::from(self.nanos) + i128::from(d);
        Time {
            unix: total.div_euclid(1_000_000_000) as i64,
            nanos: total.rem_euclid(1_000_000_000) as u32,
            offset: self.offset,
        }
    }

    /// Go's `Format(time.RFC3339)`: no fraction, "Z" for a zero offset.
    fn rfc3339(&self) -> String {
        let c = self.civil();
        let mut out = go_year(c.year);
        out.push_str(&format!(
            "-{:02}-{:02}T{:02}:{:02}:{:02}",
            c.month, c.day, c.hour, c.minute, c.second
        ));
        out.push_str(&self.zone(true, true));
        out
    }

    /// The offset as Go's `Z07:00` (`z` and `colon` true), `-07:00` or `-0700` print it.
    fn zone(&self, z: bool, colon: bool) -> String {
        if z && self.offset == 0 {
            return "Z".into();
        }
        let minutes = self.offset / 60;
        let sign = if minutes < 0 { '-' } else { '+' };
        let m = minutes.abs();
        let sep = if colon { ":" } else { "" };
        format!("{sign}{:02}{sep}{:02}", m / 60, m % 60)
    }
}

/// Go's four-digit year: zero-padded, with the sign outside the padding.
fn go_year(year: i64) -> String {
    if year < 0 {
        format!("-{:04}", -year)
    } else {
        format!("{year:04}")
    }
}

// ---- civil calendar (Howard Hinnant's days-from-civil algorithms) ----

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in(month: u32, year: i64) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The current UTC time as Terraform's `timestamp()` prints it.
pub(crate) fn now() -> String {
    now_with_millis().0
}

/// The current UTC time to the second, and the milliseconds past it.
fn now_with_millis() -> (String, u32) {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let t = Time {
        unix: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        nanos: 0,
        offset: 0,
    };
    (t.rfc3339(), d.subsec_millis())
}

/// The current UTC time in RFC 3339 with milliseconds, so times taken within one second
/// still sort in order.
pub(crate) fn now_millis() -> String {
    let (seconds, millis) = now_with_millis();
    format!("{}.{millis:03}Z", seconds.trim_end_matches('Z'))
}

// ---- RFC 3339 parsing ----

/// Go's `time.ParseError` fields that the messages are built from.
struct ParseError {
    /// The layout element being matched: "2006", "01", "-", "Z07:00", "" after the layout…
    layout: &'static str,
    /// The rest of the input from where the element failed (or after it, for range errors).
    value: String,
    message: &'static str,
}

impl ParseError {
    fn new(layout: &'static str, value: &[u8], message: &'static str) -> ParseError {
        ParseError {
            layout,
            value: String::from_utf8_lossy(value).into_owned(),
            message,
        }
    }
}

/// Which parser a function uses: cty's (`formatdate`, `timeadd`) re-checks what Go's lenient
/// layout parser lets through and words hour and minute errors its own way; Terraform's own
/// `timecmp` takes whatever `time.Parse` accepts.
#[derive(Clone, Copy, PartialEq)]
enum Strictness {
    Cty,
    Go,
}

fn parse_timestamp(s: &str, mode: Strictness) -> Result<Time, String> {
    let b = s.as_bytes();
    if let Some(t) = parse_fast(b) {
        return Ok(t);
    }
    match parse_layout(b) {
        Err(e) => Err(describe(&e, mode)),
        Ok(t) if mode == Strictness::Go => Ok(t),
        // Anything only the lenient parser accepts is rejected, as in Go's parseStrictRFC3339.
        Ok(_) => Err(strict_failure(b)),
    }
}

fn digit(b: &[u8], i: usize) -> bool {
    b.get(i).is_some_and(u8::is_ascii_digit)
}

fn uint(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// Go's `parseRFC3339`: the exact shape `2006-01-02T15:04:05[.frac](Z|±hh:mm)`.
fn parse_fast(b: &[u8]) -> Option<Time> {
    if b.len() < 19 {
        return None;
    }
    let in_range = |s: &[u8], lo: u32, hi: u32| uint(s).filter(|v| (lo..=hi).contains(v));
    let year = in_range(&b[0..4], 0, 9999)?;
    let month = in_range(&b[5..7], 1, 12)?;
    let day = in_range(&b[8..10], 1, days_in(month, i64::from(year)))?;
    let hour = in_range(&b[11..13], 0, 23)?;
    let minute = in_range(&b[14..16], 0, 59)?;
    let second = in_range(&b[17..19], 0, 59)?;
    if !(b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':') {
        return None;
    }
    let mut rest = &b[19..];
    let mut nanos = 0;
    if rest.len() >= 2 && rest[0] == b'.' && digit(rest, 1) {
        let n = 1 + rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        nanos = fraction(&rest[..n]);
        rest = &rest[n..];
    }
    let offset = if rest == b"Z" {
        0
    } else {
        if rest.len() != 6 {
            return None;
        }
        let hh = in_range(&rest[1..3], 0, 23)?;
        let mm = in_range(&rest[4..6], 0, 59)?;
        if !((rest[0] == b'-' || rest[0] == b'+') && rest[3] == b':') {
            return None;
        }
        let off = (hh * 60 + mm) as i32 * 60;
        if rest[0] == b'-' { -off } else { off }
    };
    Some(make_time(
        i64::from(year),
        month,
        day,
        hour * 3600 + minute * 60 + second,
        nanos,
        offset,
    ))
}

/// Nanoseconds from `.ddd…` (or `,ddd…`): Go reads at most nine digits.
fn fraction(frac: &[u8]) -> u32 {
    let digits = &frac[1..frac.len().min(10)];
    let v = uint(digits).unwrap_or(0);
    v * 10u32.pow(9 - digits.len() as u32)
}

fn make_time(year: i64, month: u32, day: u32, secs: u32, nanos: u32, offset: i32) -> Time {
    let local = days_from_civil(year, month, day) * 86_400 + i64::from(secs);
    Time {
        unix: local - i64::from(offset),
        nanos,
        offset,
    }
}

/// Go's `getnum`: one or two leading digits (exactly two when `fixed`).
fn getnum(b: &[u8], fixed: bool) -> Option<(u32, &[u8])> {
    if !digit(b, 0) {
        return None;
    }
    if !digit(b, 1) {
        return (!fixed).then(|| (u32::from(b[0] - b'0'), &b[1..]));
    }
    Some((
        u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0'),
        &b[2..],
    ))
}

/// Go's general layout parser specialised to `2006-01-02T15:04:05Z07:00`, which also accepts a
/// one-digit hour, a comma before the fraction and offsets up to ±24:60.
fn parse_layout(b: &[u8]) -> Result<Time, ParseError> {
    let mut v = b;
    let lit = |v: &[u8], lit: &'static str| -> Result<usize, ParseError> {
        if v.first() == Some(&lit.as_bytes()[0]) {
            Ok(1)
        } else {
            Err(ParseError::new(lit, v, ""))
        }
    };

    if v.len() < 4 || !digit(v, 0) {
        return Err(ParseError::new("2006", v, ""));
    }
    let year = uint(&v[..4]).ok_or_else(|| ParseError::new("2006", v, ""))?;
    v = &v[4..];
    v = &v[lit(v, "-")?..];

    let hold = v;
    let (month, rest) = getnum(v, true).ok_or_else(|| ParseError::new("01", hold, ""))?;
    v = rest;
    if !(1..=12).contains(&month) {
        return Err(ParseError::new("01", v, ": month out of range"));
    }
    v = &v[lit(v, "-")?..];

    let hold = v;
    let (day, rest) = getnum(v, true).ok_or_else(|| ParseError::new("02", hold, ""))?;
    v = rest;
    v = &v[lit(v, "T")?..];

    let hold = v;
    let (hour, rest) = getnum(v, false).ok_or_else(|| ParseError::new("15", hold, ""))?;
    v = rest;
    if hour >= 24 {
        return Err(ParseError::new("15", v, ": hour out of range"));
    }
    v = &v[lit(v, ":")?..];

    let hold = v;
    let (minute, rest) = getnum(v, true).ok_or_else(|| ParseError::new("04", hold, ""))?;
    v = rest;
    if minute >= 60 {
        return Err(ParseError::new("04", v, ": minute out of range"));
    }
    v = &v[lit(v, ":")?..];

    let hold = v;
    let (second, rest) = getnum(v, true).ok_or_else(|| ParseError::new("05", hold, ""))?;
    v = rest;
    if second >= 60 {
        return Err(ParseError::new("05", v, ": second out of range"));
    }
    let mut nanos = 0;
    if v.len() >= 2 && (v[0] == b'.' || v[0] == b',') && digit(v, 1) {
        let n = 1 + v[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        nanos = fraction(&v[..n]);
        v = &v[n..];
    }

    let offset = if v.first() == Some(&b'Z') {
        v = &v[1..];
        0
    } else {
        let hold = v;
        let bad = || ParseError::new("Z07:00", hold, "");
        if v.len() < 6 || v[3] != b':' {
            return Err(bad());
        }
        let (sign, hh, mm) = (v[0], &v[1..3], &v[4..6]);
        v = &v[6..];
        let hh = getnum(hh, true).map(|(n, _)| n);
        let mm = hh.and_then(|_| getnum(mm, true).map(|(n, _)| n));
        // Go checks the range before the syntax error, and allows 24 hours and 60 minutes.
        if hh.is_some_and(|h| h > 24) {
            return Err(ParseError::new(
                "Z07:00",
                v,
                ": time zone offset hour out of range",
            ));
        }
        if mm.is_some_and(|m| m > 60) {
            return Err(ParseError::new(
                "Z07:00",
                v,
                ": time zone offset minute out of range",
            ));
        }
        let (Some(hh), Some(mm)) = (hh, mm) else {
            return Err(bad());
        };
        let off = (hh * 60 + mm) as i32 * 60;
        match sign {
            b'+' => off,
            b'-' => -off,
            _ => return Err(bad()),
        }
    };
    if !v.is_empty() {
        return Err(ParseError::new("", v, ": extra text"));
    }
    let year = i64::from(year);
    if day < 1 || day > days_in(month, year) {
        return Err(ParseError::new("", b"", ": day out of range"));
    }
    Ok(make_time(
        year,
        month,
        day,
        hour * 3600 + minute * 60 + second,
        nanos,
        offset,
    ))
}

const INVALID: &str = "not a valid RFC3339 timestamp";

/// cty's and Terraform's rewording of Go's parse errors in terms of the timestamp's parts.
fn describe(e: &ParseError, mode: Strictness) -> String {
    if e.layout.is_empty() && e.value.is_empty() && !e.message.is_empty() {
        return format!("{INVALID}{}", e.message);
    }
    let what = match e.layout {
        "2006" => "year",
        "01" => "month",
        "02" => "day of month",
        "15" => "hour",
        "04" => "minute",
        "05" => "second",
        "Z07:00" => "UTC offset",
        "T" => return format!("{INVALID}: missing required time introducer 'T'"),
        ":" | "-" if e.value.is_empty() => {
            return format!("{INVALID}: end of string where {:?} is expected", e.layout);
        }
        ":" | "-" => {
            return format!(
                "{INVALID}: found {} where {:?} is expected",
                go_quote(&e.value),
                e.layout
            );
        }
        _ => "timestamp segment",
    };
    if e.value.is_empty() {
        return format!("{INVALID}: end of string before {what}");
    }
    // cty words most hour and minute failures itself. The rule below reproduces what
    // Terraform 1.15 prints for every shape we probed; a two-byte remainder without a colon
    // keeps Go's wording.
    let special = mode == Strictness::Cty
        && matches!(e.layout, "15" | "04")
        && (e.value.len() != 2 || e.value.contains(':'));
    if special && e.layout == "15" && e.value.contains(':') {
        return format!("{INVALID}: hour must be between 0 and 23 inclusive");
    }
    if special {
        return format!("{INVALID}: {what} must have exactly two digits");
    }
    format!("{INVALID}: cannot use {} as {what}", go_quote(&e.value))
}

/// Go's parseStrictRFC3339 checks for input only the lenient layout parser accepts.
fn strict_failure(b: &[u8]) -> String {
    let num2 = |s: &[u8]| (s[0] - b'0') * 10 + (s[1] - b'0');
    let quoted = |s: &[u8]| go_quote(&String::from_utf8_lossy(s));
    if b[12] == b':' {
        return format!("{INVALID}: hour must have exactly two digits");
    }
    if b[19] == b',' {
        return format!("{INVALID}: cannot use \",\" as timestamp segment");
    }
    let n = b.len();
    if b[n - 1] != b'Z' && (num2(&b[n - 5..]) >= 24 || num2(&b[n - 2..]) >= 60) {
        return format!(
            "{INVALID}: cannot use {} as UTC offset",
            quoted(&b[n - 6..])
        );
    }
    format!("{INVALID}: cannot use {} as timestamp segment", quoted(b))
}

/// Go's `%q` for the short strings in these messages.
fn go_quote(s: &str) -> String {
    crate::lang::escape::quoted(s, crate::lang::escape::Style::GoQuote)
}

// ---- durations ----

/// Go's `time.ParseDuration`, in nanoseconds.
pub(crate) fn parse_duration(s: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", time_quote(s));
    let mut rest = s.as_bytes();
    let mut neg = false;
    if let Some(&c) = rest.first()
        && (c == b'-' || c == b'+')
    {
        neg = c == b'-';
        rest = &rest[1..];
    }
    if rest == b"0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    const LIMIT: u64 = 1 << 63;
    let mut total: u64 = 0;
    while !rest.is_empty() {
        if !(rest[0] == b'.' || rest[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let int_len = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        let mut v: u64 = 0;
        for &c in &rest[..int_len] {
            if v > LIMIT / 10 {
                return Err(invalid());
            }
            v = v * 10 + u64::from(c - b'0');
            if v > LIMIT {
                return Err(invalid());
            }
        }
        rest = &rest[int_len..];
        let mut frac: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut frac_len = 0;
        if rest.first() == Some(&b'.') {
            rest = &rest[1..];
            frac_len = rest.iter().take_while(|c| c.is_ascii_digit()).count();
            let mut overflow = false;
            for &c in &rest[..frac_len] {
                // Go stops gaining precision rather than failing on long fractions.
                if overflow || frac > (LIMIT - 1) / 10 {
                    overflow = true;
                    continue;
                }
                frac = frac * 10 + u64::from(c - b'0');
                scale *= 10.0;
            }
            rest = &rest[frac_len..];
        }
        if int_len == 0 && frac_len == 0 {
            return Err(invalid());
        }
        let unit_len = rest
            .iter()
            .take_while(|&&c| !(c == b'.' || c.is_ascii_digit()))
            .count();
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {}", time_quote(s)));
        }
        let unit_bytes = &rest[..unit_len];
        rest = &rest[unit_len..];
        let unit: u64 = match unit_bytes {
            b"ns" => 1,
            // "µs" (micro sign) and "μs" (Greek mu), as UTF-8.
            b"us" | b"\xc2\xb5s" | b"\xce\xbcs" => 1_000,
            b"ms" => 1_000_000,
            b"s" => 1_000_000_000,
            b"m" => 60_000_000_000,
            b"h" => 3_600_000_000_000,
            _ => {
                let u = String::from_utf8_lossy(unit_bytes);
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    time_quote(&u),
                    time_quote(s)
                ));
            }
        };
        if v > LIMIT / unit {
            return Err(invalid());
        }
        v *= unit;
        if frac > 0 {
            // Go computes the fractional part in float64; matching it keeps the rounding.
            v += (frac as f64 * (unit as f64 / scale)) as u64;
            if v > LIMIT {
                return Err(invalid());
            }
        }
        total += v;
        if total > LIMIT {
            return Err(invalid());
        }
    }
    if neg {
        return Ok((total as i128).wrapping_neg() as i64);
    }
    i64::try_from(total).map_err(|_| invalid())
}

/// The `time` package's own quoting: non-ASCII and control bytes as `\xNN`.
fn time_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for &b in s.as_bytes() {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            b if !(0x20..0x80).contains(&b) => out.push_str(&format!("\\x{b:02x}")),
            b => out.push(b as char),
        }
    }
    out.push('"');
    out
}

// ---- the functions ----

fn timeadd(_: &FnContext, a: &[Value]) -> FnResult {
    let ts = str_arg(a, 0)?;
    let dur = str_arg(a, 1)?;
    // cty reports both failures against the call, not an argument.
    let t = parse_timestamp(&ts, Strictness::Cty).map_err(FnError::new)?;
    let d = parse_duration(&dur).map_err(FnError::new)?;
    str_val(t.add_nanos(d).rfc3339())
}

fn timecmp(_: &FnContext, a: &[Value]) -> FnResult {
    let ta = str_arg(a, 0)?;
    let tb = str_arg(a, 1)?;
    let x = parse_timestamp(&ta, Strictness::Go).map_err(|e| FnError::arg(0, e))?;
    let y = parse_timestamp(&tb, Strictness::Go).map_err(|e| FnError::arg(1, e))?;
    let ord = (x.unix, x.nanos).cmp(&(y.unix, y.nanos));
    Ok(Value::number(Number::from_i64(ord as i64)))
}

fn formatdate(_: &FnContext, a: &[Value]) -> FnResult {
    let spec = str_arg(a, 0)?;
    let ts = str_arg(a, 1)?;
    let t = parse_timestamp(&ts, Strictness::Cty).map_err(|e| FnError::arg(1, e))?;
    let c = t.civil();
    let mut out: Vec<u8> = Vec::new();
    for tok in format_tokens(spec.as_bytes()) {
        let verb_err = |detail: &str| {
            let tok = String::from_utf8_lossy(tok);
            FnError::arg(0, format!("invalid date format verb {tok:?}{detail}"))
        };
        let n = tok.len();
        let piece = match tok[0] {
            b'\'' => {
                if n == 1 || tok[n - 1] != b'\'' {
                    return Err(FnError::arg(0, "unterminated literal '"));
                }
                if n == 2 {
                    out.push(b'\'');
                } else {
                    let raw = &tok[1..n - 1];
                    let mut i = 0;
                    while i < raw.len() {
                        out.push(raw[i]);
                        // A doubled quote inside a literal stands for one quote.
                        i += if raw[i] == b'\'' { 2 } else { 1 };
                    }
                }
                continue;
            }
            c0 if !c0.is_ascii_alphabetic() => {
                out.extend_from_slice(tok);
                continue;
            }
            b'Y' => match n {
                2 => format!("{:02}", c.year % 100),
                4 => format!("{:04}", c.year),
                _ => return Err(verb_err(": year must either be \"YY\" or \"YYYY\"")),
            },
            b'M' => match n {
                1 => c.month.to_string(),
                2 => format!("{:02}", c.month),
                3 => MONTHS[c.month as usize - 1][..3].to_string(),
                4 => MONTHS[c.month as usize - 1].to_string(),
                _ => {
                    return Err(verb_err(
                        ": month must be \"M\", \"MM\", \"MMM\", or \"MMMM\"",
                    ));
                }
            },
            b'D' => match n {
                1 => c.day.to_string(),
                2 => format!("{:02}", c.day),
                _ => return Err(verb_err(": day of month must either be \"D\" or \"DD\"")),
            },
            b'E' => match n {
                3 => DAYS[c.weekday as usize][..3].to_string(),
                4 => DAYS[c.weekday as usize].to_string(),
                _ => {
                    return Err(verb_err(": day of week must either be \"EEE\" or \"EEEE\""));
                }
            },
            b'h' => match n {
                1 => c.hour.to_string(),
                2 => format!("{:02}", c.hour),
                _ => return Err(verb_err(": 24-hour must either be \"h\" or \"hh\"")),
            },
            b'H' => {
                let h = match c.hour % 12 {
                    0 => 12,
                    h => h,
                };
                match n {
                    1 => h.to_string(),
                    2 => format!("{h:02}"),
                    _ => return Err(verb_err(": 12-hour must either be \"H\" or \"HH\"")),
                }
            }
            v @ (b'A' | b'a') => {
                if n != 2 {
                    let v = v as char;
                    return Err(verb_err(&format!(": must be \"{v}{v}\"")));
                }
                match (c.hour < 12, v == b'A') {
                    (true, true) => "AM",
                    (true, false) => "am",
                    (false, true) => "PM",
                    (false, false) => "pm",
                }
                .to_string()
            }
            b'm' => match n {
                1 => c.minute.to_string(),
                2 => format!("{:02}", c.minute),
                _ => return Err(verb_err(": minute must either be \"m\" or \"mm\"")),
            },
            b's' => match n {
                1 => c.second.to_string(),
                2 => format!("{:02}", c.second),
                _ => return Err(verb_err(": second must either be \"s\" or \"ss\"")),
            },
            b'Z' => match n {
                1 => t.zone(true, true),
                3 if t.offset == 0 => "UTC".to_string(),
                3 | 4 => t.zone(false, false),
                5 => t.zone(false, true),
                _ => return Err(verb_err(": timezone must be Z, ZZZZ, or ZZZZZ")),
            },
            _ => return Err(verb_err("")),
        };
        out.extend_from_slice(piece.as_bytes());
    }
    // Tokens split only at ASCII bytes, so the UTF-8 of the spec survives intact.
    str_val(String::from_utf8_lossy(&out).into_owned())
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// cty's `splitDateFormat` with the whole spec available: a quoted literal (which may hold
/// doubled quotes, or run unterminated to the end), a run of one repeated letter, or other text.
fn format_tokens(spec: &[u8]) -> Vec<&[u8]> {
    let mut toks = Vec::new();
    let mut rest = spec;
    while !rest.is_empty() {
        let n = if rest[0] == b'\'' {
            if rest.get(1) == Some(&b'\'') {
                2
            } else {
                let mut i = 1;
                loop {
                    match rest.get(i) {
                        None => break rest.len(),
                        Some(b'\'') if rest.get(i + 1) == Some(&b'\'') => i += 2,
                        Some(b'\'') => break i + 1,
                        Some(_) => i += 1,
                    }
                }
            }
        } else if rest[0].is_ascii_alphabetic() {
            1 + rest[1..].iter().take_while(|&&c| c == rest[0]).count()
        } else {
            1 + rest[1..]
                .iter()
                .take_while(|&&c| c != b'\'' && !c.is_ascii_alphabetic())
                .count()
        };
        toks.push(&rest[..n]);
        rest = &rest[n..];
    }
    toks
}

#[cfg(test)]
mod tests {
    use super::super::encoding::test_support::{eval_err, eval_ok};

    /// Each expression with the `jsonencode` text of Terraform 1.15's result.
    #[test]
    fn results_match_terraform() {
        let cases = [
            (
                r#"formatdate("YYYY-MM-DD hh:mm:ss ZZZZZ", "2024-02-29T13:05:09+05:30")"#,
                r#""2024-02-29 13:05:09 +05:30""#,
            ),
            (
                r#"formatdate("YY M D h m s", "2009-03-04T05:06:07Z")"#,
                r#""09 3 4 5 6 7""#,
            ),
            (
                r#"formatdate("MMMM MMM EEEE EEE", "2024-09-15T00:00:00Z")"#,
                r#""September Sep Sunday Sun""#,
            ),
            (
                r#"formatdate("H HH AA aa", "2024-01-01T00:30:00Z")"#,
                r#""12 12 AM am""#,
            ),
            (
                r#"formatdate("H HH AA aa", "2024-01-01T12:30:00Z")"#,
                r#""12 12 PM pm""#,
            ),
            (
                r#"formatdate("H HH AA aa", "2024-01-01T23:59:59Z")"#,
                r#""11 11 PM pm""#,
            ),
            (
                r#"formatdate("Z ZZZ ZZZZ ZZZZZ", "2024-01-01T00:00:00Z")"#,
                r#""Z UTC +0000 +00:00""#,
            ),
            (
                r#"formatdate("Z ZZZ ZZZZ ZZZZZ", "2024-01-01T00:00:00-08:00")"#,
                r#""-08:00 -0800 -0800 -08:00""#,
            ),
            (
                r#"formatdate("Z ZZZ ZZZZ ZZZZZ", "2024-01-01T00:00:00+00:00")"#,
                r#""Z UTC +0000 +00:00""#,
            ),
            (
                r#"formatdate("Z ZZZ ZZZZ ZZZZZ", "2024-01-01T00:00:00-00:00")"#,
                r#""Z UTC +0000 +00:00""#,
            ),
            (
                r#"formatdate("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01-08:00")"#,
                r#""02 Jan 2018 23:12 -0800""#,
            ),
            (
                r#"formatdate("EEEE, DD-MMM-YY hh:mm:ss ZZZ", "2018-01-02T23:12:01Z")"#,
                r#""Tuesday, 02-Jan-18 23:12:01 UTC""#,
            ),
            (
                r#"formatdate("EEE, DD MMM YYYY hh:mm:ss Z", "2018-01-02T23:12:01Z")"#,
                r#""Tue, 02 Jan 2018 23:12:01 Z""#,
            ),
            (
                r#"formatdate("MMM DD, YYYY", "2018-01-02T23:12:01Z")"#,
                r#""Jan 02, 2018""#,
            ),
            (
                r#"formatdate("HH:mmaa", "2018-01-02T23:12:01Z")"#,
                r#""11:12pm""#,
            ),
            (
                r#"formatdate("h'h'mm", "2018-01-02T23:12:01Z")"#,
                r#""23h12""#,
            ),
            (
                r#"formatdate("hh 'o''clock'", "2018-01-02T23:12:01Z")"#,
                r#""23 o'clock""#,
            ),
            (
                r#"formatdate("'abc' YYYY", "2018-01-02T23:12:01Z")"#,
                r#""abc 2018""#,
            ),
            (
                r#"formatdate("YYYY 'abc'", "2018-01-02T23:12:01Z")"#,
                r#""2018 abc""#,
            ),
            (
                r#"formatdate("YYYY 'abc''", "2018-01-02T23:12:01Z")"#,
                r#""2018 abc'""#,
            ),
            (
                r#"formatdate("'' YYYY ''", "2018-01-02T23:12:01Z")"#,
                r#""' 2018 '""#,
            ),
            (
                r#"formatdate("YYYY ''", "2018-01-02T23:12:01Z")"#,
                r#""2018 '""#,
            ),
            (
                r#"formatdate("é—YYYY…", "2018-01-02T23:12:01Z")"#,
                r#""é—2018…""#,
            ),
            (r#"formatdate("", "2018-01-02T23:12:01Z")"#, r#""""#),
            (
                r#"formatdate("YYYY-MM-DD", "2024-12-31T23:59:59.999999999-01:00")"#,
                r#""2024-12-31""#,
            ),
            (
                r#"formatdate("YYYY-MM-DD hh:mm:ss", "0000-01-01T00:00:00Z")"#,
                r#""0000-01-01 00:00:00""#,
            ),
            (
                r#"formatdate("EEEE", "0001-01-01T00:00:00Z")"#,
                r#""Monday""#,
            ),
            (
                r#"formatdate("EEEE", "1970-01-01T00:00:00Z")"#,
                r#""Thursday""#,
            ),
            (
                r#"formatdate("EEEE YYYY", "9999-12-31T23:59:59Z")"#,
                r#""Friday 9999""#,
            ),
            (
                r#"formatdate("Z", "2024-01-01T00:00:00+23:59")"#,
                r#""+23:59""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00+05:30", "1h")"#,
                r#""2024-01-01T01:00:00+05:30""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "-10s")"#,
                r#""2023-12-31T23:59:50Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "1.5h")"#,
                r#""2024-01-01T01:30:00Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "300ms")"#,
                r#""2024-01-01T00:00:00Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:59.8Z", "300ms")"#,
                r#""2024-01-01T00:01:00Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "2h45m10.5s")"#,
                r#""2024-01-01T02:45:10Z""#,
            ),
            (
                r#"timeadd("2024-02-28T23:00:00Z", "1h")"#,
                r#""2024-02-29T00:00:00Z""#,
            ),
            (
                r#"timeadd("2023-02-28T23:00:00Z", "1h")"#,
                r#""2023-03-01T00:00:00Z""#,
            ),
            (
                r#"timeadd("2024-12-31T23:59:59Z", "1s")"#,
                r#""2025-01-01T00:00:00Z""#,
            ),
            (
                r#"timeadd("2024-03-01T00:00:00Z", "-1ns")"#,
                r#""2024-02-29T23:59:59Z""#,
            ),
            (
                r#"timeadd("2024-03-01T00:00:00-08:00", "-24h")"#,
                r#""2024-02-29T00:00:00-08:00""#,
            ),
            (
                r#"timeadd("2024-01-31T20:00:00-05:00", "5h")"#,
                r#""2024-02-01T01:00:00-05:00""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00.5Z", "500000us")"#,
                r#""2024-01-01T00:00:01Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "1µs")"#,
                r#""2024-01-01T00:00:00Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "1000000000ns")"#,
                r#""2024-01-01T00:00:01Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "+1m")"#,
                r#""2024-01-01T00:01:00Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "0")"#,
                r#""2024-01-01T00:00:00Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "-0")"#,
                r#""2024-01-01T00:00:00Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "8760h")"#,
                r#""2024-12-31T00:00:00Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "2562047h")"#,
                r#""2316-04-11T23:00:00Z""#,
            ),
            (
                r#"timeadd("0000-01-01T00:00:00Z", "-1h")"#,
                r#""-0001-12-31T23:00:00Z""#,
            ),
            (
                r#"timeadd("9999-12-31T23:00:00Z", "1h")"#,
                r#""10000-01-01T00:00:00Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", ".5h")"#,
                r#""2024-01-01T00:30:00Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "1.h")"#,
                r#""2024-01-01T01:00:00Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "0.333333333333h")"#,
                r#""2024-01-01T00:19:59Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00+00:00", "1h")"#,
                r#""2024-01-01T01:00:00Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00-00:30", "30m")"#,
                r#""2024-01-01T00:30:00-00:30""#,
            ),
            (
                r#"timecmp("2024-01-01T00:00:00Z", "2024-01-01T05:30:00+05:30")"#,
                r#"0"#,
            ),
            (
                r#"timecmp("2024-01-01T00:00:00Z", "2024-01-01T00:00:00.000000001Z")"#,
                r#"-1"#,
            ),
            (
                r#"timecmp("2024-01-01T00:00:01Z", "2024-01-01T00:00:00.999999999Z")"#,
                r#"1"#,
            ),
            (
                r#"timecmp("2024-01-01T00:00:00-08:00", "2024-01-01T00:00:00+08:00")"#,
                r#"1"#,
            ),
            (
                r#"timecmp("2017-11-22T01:00:00+01:00", "2017-11-22T00:00:00Z")"#,
                r#"0"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T00:00:00.1234567891Z")"#,
                r#""2024""#,
            ),
            (
                r#"timecmp("2024-01-01T0:00:00Z", "2024-01-01T00:00:00Z")"#,
                r#"0"#,
            ),
            (
                r#"timecmp("2024-01-01T1:00:00,5Z", "2024-01-01T00:00:00Z")"#,
                r#"1"#,
            ),
            (
                r#"timecmp("2024-01-01T01:00:00,5Z", "2024-01-01T00:00:00Z")"#,
                r#"1"#,
            ),
            (
                r#"timecmp("2024-01-01T01:00:00+24:00", "2024-01-01T00:00:00Z")"#,
                r#"-1"#,
            ),
            (
                r#"timecmp("2024-01-01T01:00:00+24:60", "2024-01-01T00:00:00Z")"#,
                r#"-1"#,
            ),
            (
                r#"timecmp("2024-01-01T01:00:00+24:59", "2024-01-01T00:00:00Z")"#,
                r#"-1"#,
            ),
            (
                r#"timecmp("0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z")"#,
                r#"-1"#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "1μs")"#,
                r#""2024-01-01T00:00:00Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "-2562047h47m16.854775808s")"#,
                r#""1731-09-22T00:12:43Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "2562047h47m16.854775807s")"#,
                r#""2316-04-11T23:47:16Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "1.0000000001s")"#,
                r#""2024-01-01T00:00:01Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "0.9999999999s")"#,
                r#""2024-01-01T00:00:00Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "00001h")"#,
                r#""2024-01-01T01:00:00Z""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "1h1h1h")"#,
                r#""2024-01-01T03:00:00Z""#,
            ),
            (r#"formatdate("YYYY", "2024-01-01T01:59:00Z")"#, r#""2024""#),
        ];
        for (expr, want) in cases {
            assert_eq!(eval_ok(expr), want, "{expr}");
        }
    }

    /// Each failing expression with the end of Terraform 1.15's message.
    #[test]
    fn errors_match_terraform() {
        let cases = [
            (
                r#"formatdate("YYYY 'a''b' x", "2018-01-02T23:12:01Z")"#,
                r#"invalid date format verb "x""#,
            ),
            (
                r#"formatdate("YYYY-MM-DD", "2024-01-01T00:00:00,5Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "," as timestamp segment"#,
            ),
            (
                r#"formatdate("hh:mm", "2024-01-01T1:02:03Z")"#,
                r#"not a valid RFC3339 timestamp: hour must have exactly two digits"#,
            ),
            (
                r#"formatdate("ZZZZZ", "2024-01-01T00:00:00+24:00")"#,
                r#"not a valid RFC3339 timestamp: cannot use "+24:00" as UTC offset"#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "1h-30m")"#,
                r#"time: unknown unit "h-" in duration "1h-30m""#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T1:02:03Z")"#,
                r#"not a valid RFC3339 timestamp: hour must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T01:2:03Z")"#,
                r#"not a valid RFC3339 timestamp: minute must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T01:02:3Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "3Z" as second"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T24:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: hour must be between 0 and 23 inclusive"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T25:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: hour must be between 0 and 23 inclusive"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T23:60:00Z")"#,
                r#"not a valid RFC3339 timestamp: minute must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T23:59:60Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "Z" as second"#,
            ),
            (
                r#"formatdate("YYYY", "2024-13-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "-01T00:00:00Z" as month"#,
            ),
            (
                r#"formatdate("YYYY", "2024-00-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "-01T00:00:00Z" as month"#,
            ),
            (
                r#"formatdate("YYYY", "2024-1-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "1-01T00:00:00Z" as month"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-1T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "1T00:00:00Z" as day of month"#,
            ),
            (
                r#"formatdate("YYYY", "2023-02-29T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: day out of range"#,
            ),
            (
                r#"formatdate("YYYY", "2024-04-31T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: day out of range"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-00T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: day out of range"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-32T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: day out of range"#,
            ),
            (
                r#"formatdate("YYYY", "24-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "24-01-01T00:00:00Z" as year"#,
            ),
            (
                r#"formatdate("YYYY", "20240101T000000Z")"#,
                r#"not a valid RFC3339 timestamp: found "0101T000000Z" where "-" is expected"#,
            ),
            (
                r#"formatdate("YYYY", "2024/01/01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: found "/01/01T00:00:00Z" where "-" is expected"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01 00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: missing required time introducer 'T'"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01t00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: missing required time introducer 'T'"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T00:00:00z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "z" as UTC offset"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T00:00:00")"#,
                r#"not a valid RFC3339 timestamp: end of string before UTC offset"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T00:00")"#,
                r#"not a valid RFC3339 timestamp: end of string where ":" is expected"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01")"#,
                r#"not a valid RFC3339 timestamp: missing required time introducer 'T'"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T")"#,
                r#"not a valid RFC3339 timestamp: end of string before hour"#,
            ),
            (
                r#"formatdate("YYYY", "")"#,
                r#"not a valid RFC3339 timestamp: end of string before year"#,
            ),
            (
                r#"formatdate("YYYY", "2024")"#,
                r#"not a valid RFC3339 timestamp: end of string where "-" is expected"#,
            ),
            (
                r#"formatdate("YYYY", "2024-")"#,
                r#"not a valid RFC3339 timestamp: end of string before month"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01")"#,
                r#"not a valid RFC3339 timestamp: end of string where "-" is expected"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T00:00:00+0530")"#,
                r#"not a valid RFC3339 timestamp: cannot use "+0530" as UTC offset"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T00:00:00+05")"#,
                r#"not a valid RFC3339 timestamp: cannot use "+05" as UTC offset"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T00:00:00+05:60")"#,
                r#"not a valid RFC3339 timestamp: cannot use "+05:60" as UTC offset"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T00:00:00+25:00")"#,
                r#"not a valid RFC3339 timestamp: end of string before UTC offset"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T00:00:00Zjunk")"#,
                r#"not a valid RFC3339 timestamp: cannot use "junk" as timestamp segment"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T00:00:00.Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use ".Z" as UTC offset"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T00:00:00 Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use " Z" as UTC offset"#,
            ),
            (
                r#"formatdate("YYYY", "+2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "+2024-01-01T00:00:00Z" as year"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T00:00:00+05:30:00")"#,
                r#"not a valid RFC3339 timestamp: cannot use ":00" as timestamp segment"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T00:00:00.5")"#,
                r#"not a valid RFC3339 timestamp: end of string before UTC offset"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T00:00:00+5:30")"#,
                r#"not a valid RFC3339 timestamp: cannot use "+5:30" as UTC offset"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T00:00:00UTC")"#,
                r#"not a valid RFC3339 timestamp: cannot use "UTC" as UTC offset"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T0a:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: found "a:00:00Z" where ":" is expected"#,
            ),
            (
                r#"formatdate("YYYY", "2024-0a-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "0a-01T00:00:00Z" as month"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T00:00:00-24:00")"#,
                r#"not a valid RFC3339 timestamp: cannot use "-24:00" as UTC offset"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T00:00:00+23:60")"#,
                r#"not a valid RFC3339 timestamp: cannot use "+23:60" as UTC offset"#,
            ),
            (
                r#"timecmp("2024-01-01T01:60:00Z", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use ":00Z" as minute"#,
            ),
            (
                r#"timecmp("2024-01-01T01:99:00Z", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use ":00Z" as minute"#,
            ),
            (
                r#"timecmp("2024-01-01T01:0a:00Z", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "0a:00Z" as minute"#,
            ),
            (
                r#"timecmp("2024-01-01Ta1:00:00Z", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "a1:00:00Z" as hour"#,
            ),
            (
                r#"timecmp("2024-01-01T1a:00:00Z", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: found "a:00:00Z" where ":" is expected"#,
            ),
            (
                r#"timecmp("2024-01-01T001:00:00Z", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: found "1:00:00Z" where ":" is expected"#,
            ),
            (
                r#"timecmp("2024-01-01T01:002:00Z", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: found "2:00Z" where ":" is expected"#,
            ),
            (
                r#"timecmp("2024-01-01T01:02Z", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: found "Z" where ":" is expected"#,
            ),
            (
                r#"timecmp("2024-01-01T01Z", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: found "Z" where ":" is expected"#,
            ),
            (
                r#"timecmp("2024-01-01T1:0:00Z", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "0:00Z" as minute"#,
            ),
            (
                r#"timecmp("2024-01-01T99:00:00Z", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use ":00:00Z" as hour"#,
            ),
            (
                r#"timecmp("2024-01-01T1:00", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: end of string where ":" is expected"#,
            ),
            (
                r#"timecmp("2024-01-01T-1:00:00Z", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "-1:00:00Z" as hour"#,
            ),
            (
                r#"timecmp("2024-01-01T01:-1:00Z", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "-1:00Z" as minute"#,
            ),
            (
                r#"timecmp("2024-13-01T1:00:00Z", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "-01T1:00:00Z" as month"#,
            ),
            (
                r#"timecmp("2024-01-01T24:60:00Z", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use ":60:00Z" as hour"#,
            ),
            (
                r#"timecmp("2024-01-01T01::00Z", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use ":00Z" as minute"#,
            ),
            (
                r#"timecmp("2024-01-01T:00:00Z", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use ":00:00Z" as hour"#,
            ),
            (
                r#"timecmp("2024-01-01T01:", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: end of string before minute"#,
            ),
            (
                r#"timecmp("2024-01-01T01:0", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "0" as minute"#,
            ),
            (
                r#"timecmp("2024-01-01T01:00:", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: end of string before second"#,
            ),
            (
                r#"timecmp("2024-01-01T00:00:00Z", "2024-01-01T1:00:00,5+25:00")"#,
                r#"not a valid RFC3339 timestamp: end of string before UTC offset"#,
            ),
            (
                r#"timecmp("2024-02-30T1:00:00Z", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: day out of range"#,
            ),
            (
                r#"timecmp("2024-01-01T01:00:00,Z", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use ",Z" as UTC offset"#,
            ),
            (
                r#"timecmp("2024-01-01T01:00:00+00:61", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: end of string before UTC offset"#,
            ),
            (
                r#"timecmp("2024-01-01T01:00:00+2a:00", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "+2a:00" as UTC offset"#,
            ),
            (
                r#"timecmp("2024-01-01T01:00:00-05-00", "2024-01-01T00:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "-05-00" as UTC offset"#,
            ),
            (
                r#"timecmp("2024-01-01T00:00:00Z", "x")"#,
                r#"not a valid RFC3339 timestamp: cannot use "x" as year"#,
            ),
            (
                r#"timeadd("x", "1h")"#,
                r#"not a valid RFC3339 timestamp: cannot use "x" as year"#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "")"#,
                r#"time: invalid duration """#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "1")"#,
                r#"time: missing unit in duration "1""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "1d")"#,
                r#"time: unknown unit "d" in duration "1d""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "h")"#,
                r#"time: invalid duration "h""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "-")"#,
                r#"time: invalid duration "-""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", ".h")"#,
                r#"time: invalid duration ".h""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "1 h")"#,
                r#"time: unknown unit " h" in duration "1 h""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "9999999999999999999h")"#,
                r#"time: invalid duration "9999999999999999999h""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "2562048h")"#,
                r#"time: invalid duration "2562048h""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "1é")"#,
                r#"time: unknown unit "\xc3\xa9" in duration "1\xc3\xa9""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "1\"s")"#,
                r#"time: unknown unit "\"s" in duration "1\"s""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "2562047h47m16.854775808s")"#,
                r#"time: invalid duration "2562047h47m16.854775808s""#,
            ),
            (
                r#"timeadd("2024-01-01T00:00:00Z", "1\u0001s")"#,
                r#"time: unknown unit "\x01s" in duration "1\x01s""#,
            ),
            (
                r#"formatdate("YYY", "2024-01-01T00:00:00Z")"#,
                r#"invalid date format verb "YYY": year must either be "YY" or "YYYY""#,
            ),
            (
                r#"formatdate("YYYYY", "2024-01-01T00:00:00Z")"#,
                r#"invalid date format verb "YYYYY": year must either be "YY" or "YYYY""#,
            ),
            (
                r#"formatdate("MMMMM", "2024-01-01T00:00:00Z")"#,
                r#"invalid date format verb "MMMMM": month must be "M", "MM", "MMM", or "MMMM""#,
            ),
            (
                r#"formatdate("DDD", "2024-01-01T00:00:00Z")"#,
                r#"invalid date format verb "DDD": day of month must either be "D" or "DD""#,
            ),
            (
                r#"formatdate("EE", "2024-01-01T00:00:00Z")"#,
                r#"invalid date format verb "EE": day of week must either be "EEE" or "EEEE""#,
            ),
            (
                r#"formatdate("E", "2024-01-01T00:00:00Z")"#,
                r#"invalid date format verb "E": day of week must either be "EEE" or "EEEE""#,
            ),
            (
                r#"formatdate("hhh", "2024-01-01T00:00:00Z")"#,
                r#"invalid date format verb "hhh": 24-hour must either be "h" or "hh""#,
            ),
            (
                r#"formatdate("HHH", "2024-01-01T00:00:00Z")"#,
                r#"invalid date format verb "HHH": 12-hour must either be "H" or "HH""#,
            ),
            (
                r#"formatdate("A", "2024-01-01T00:00:00Z")"#,
                r#"invalid date format verb "A": must be "AA""#,
            ),
            (
                r#"formatdate("aaa", "2024-01-01T00:00:00Z")"#,
                r#"invalid date format verb "aaa": must be "aa""#,
            ),
            (
                r#"formatdate("mmm", "2024-01-01T00:00:00Z")"#,
                r#"invalid date format verb "mmm": minute must either be "m" or "mm""#,
            ),
            (
                r#"formatdate("sss", "2024-01-01T00:00:00Z")"#,
                r#"invalid date format verb "sss": second must either be "s" or "ss""#,
            ),
            (
                r#"formatdate("ZZ", "2024-01-01T00:00:00Z")"#,
                r#"invalid date format verb "ZZ": timezone must be Z, ZZZZ, or ZZZZZ"#,
            ),
            (
                r#"formatdate("ZZZZZZ", "2024-01-01T00:00:00Z")"#,
                r#"invalid date format verb "ZZZZZZ": timezone must be Z, ZZZZ, or ZZZZZ"#,
            ),
            (
                r#"formatdate("y", "2024-01-01T00:00:00Z")"#,
                r#"invalid date format verb "y""#,
            ),
            (
                r#"formatdate("'abc", "2024-01-01T00:00:00Z")"#,
                r#"unterminated literal '"#,
            ),
            (
                r#"formatdate("'", "2024-01-01T00:00:00Z")"#,
                r#"unterminated literal '"#,
            ),
            (
                r#"formatdate("YYYY '", "2024-01-01T00:00:00Z")"#,
                r#"unterminated literal '"#,
            ),
            (
                r#"formatdate("XX", "bad")"#,
                r#"not a valid RFC3339 timestamp: cannot use "bad" as year"#,
            ),
            (
                r#"formatdate(null, "2024-01-01T00:00:00Z")"#,
                r#"argument must not be null"#,
            ),
            (r#"timeadd(null, "1h")"#, r#"argument must not be null"#),
            (
                r#"formatdate("YYYY", "2024-01-01T01:60:00Z")"#,
                r#"not a valid RFC3339 timestamp: minute must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T01:99:00Z")"#,
                r#"not a valid RFC3339 timestamp: minute must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T01:0a:00Z")"#,
                r#"not a valid RFC3339 timestamp: minute must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01Ta1:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: hour must be between 0 and 23 inclusive"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T1a:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: found "a:00:00Z" where ":" is expected"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T001:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: found "1:00:00Z" where ":" is expected"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T01:002:00Z")"#,
                r#"not a valid RFC3339 timestamp: found "2:00Z" where ":" is expected"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T01:02Z")"#,
                r#"not a valid RFC3339 timestamp: found "Z" where ":" is expected"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T01Z")"#,
                r#"not a valid RFC3339 timestamp: found "Z" where ":" is expected"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T1:0:00Z")"#,
                r#"not a valid RFC3339 timestamp: minute must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T99:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: hour must be between 0 and 23 inclusive"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T1:00")"#,
                r#"not a valid RFC3339 timestamp: end of string where ":" is expected"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T-1:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: hour must be between 0 and 23 inclusive"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T01:-1:00Z")"#,
                r#"not a valid RFC3339 timestamp: minute must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-13-01T1:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "-01T1:00:00Z" as month"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T24:60:00Z")"#,
                r#"not a valid RFC3339 timestamp: hour must be between 0 and 23 inclusive"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T0:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: hour must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T01::00Z")"#,
                r#"not a valid RFC3339 timestamp: minute must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: hour must be between 0 and 23 inclusive"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T01:")"#,
                r#"not a valid RFC3339 timestamp: end of string before minute"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T01:0")"#,
                r#"not a valid RFC3339 timestamp: minute must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T01:00:")"#,
                r#"not a valid RFC3339 timestamp: end of string before second"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T1:60:00Z")"#,
                r#"not a valid RFC3339 timestamp: minute must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T24:60:00Z")"#,
                r#"not a valid RFC3339 timestamp: hour must be between 0 and 23 inclusive"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T24:0:00Z")"#,
                r#"not a valid RFC3339 timestamp: hour must be between 0 and 23 inclusive"#,
            ),
            (
                r#"formatdate("YYYY", "2024-13-01T1:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "-01T1:00:00Z" as month"#,
            ),
            (
                r#"formatdate("YYYY", "2024-02-30T1:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: day out of range"#,
            ),
            (
                r#"formatdate("YYYY", "2024-02-30T24:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: hour must be between 0 and 23 inclusive"#,
            ),
            (
                r#"formatdate("YYYY", "x024-01-01T1:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use "x024-01-01T1:00:00Z" as year"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T1:0")"#,
                r#"not a valid RFC3339 timestamp: minute must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T1")"#,
                r#"not a valid RFC3339 timestamp: end of string where ":" is expected"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T12")"#,
                r#"not a valid RFC3339 timestamp: end of string where ":" is expected"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T12:")"#,
                r#"not a valid RFC3339 timestamp: end of string before minute"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T12:3")"#,
                r#"not a valid RFC3339 timestamp: minute must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T12:34")"#,
                r#"not a valid RFC3339 timestamp: end of string where ":" is expected"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01Tab:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: hour must be between 0 and 23 inclusive"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T1:00:00+24:00")"#,
                r#"not a valid RFC3339 timestamp: hour must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T01:00:00,5+24:00")"#,
                r#"not a valid RFC3339 timestamp: cannot use "," as timestamp segment"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T01:02:03.Z")"#,
                r#"not a valid RFC3339 timestamp: cannot use ".Z" as UTC offset"#,
            ),
            (
                r#"timeadd("2024-01-01T1:00:00Z", "1h")"#,
                r#"not a valid RFC3339 timestamp: hour must have exactly two digits"#,
            ),
            (
                r#"timeadd("2024-01-01T01:00:00,5Z", "1h")"#,
                r#"not a valid RFC3339 timestamp: cannot use "," as timestamp segment"#,
            ),
            (
                r#"timeadd("2024-01-01T23:60:00Z", "1h")"#,
                r#"not a valid RFC3339 timestamp: minute must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01Ta")"#,
                r#"not a valid RFC3339 timestamp: hour must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T01:a")"#,
                r#"not a valid RFC3339 timestamp: minute must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T9a")"#,
                r#"not a valid RFC3339 timestamp: found "a" where ":" is expected"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T\u00e9")"#,
                r#"not a valid RFC3339 timestamp: cannot use "é" as hour"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T00:00:00Z\u0001")"#,
                r#"not a valid RFC3339 timestamp: cannot use "\x01" as timestamp segment"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01Tab")"#,
                r#"not a valid RFC3339 timestamp: cannot use "ab" as hour"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01Ta1")"#,
                r#"not a valid RFC3339 timestamp: cannot use "a1" as hour"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T99")"#,
                r#"not a valid RFC3339 timestamp: end of string before hour"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T99:")"#,
                r#"not a valid RFC3339 timestamp: hour must be between 0 and 23 inclusive"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T:0")"#,
                r#"not a valid RFC3339 timestamp: hour must be between 0 and 23 inclusive"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T-1")"#,
                r#"not a valid RFC3339 timestamp: cannot use "-1" as hour"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01Tabc")"#,
                r#"not a valid RFC3339 timestamp: hour must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T24")"#,
                r#"not a valid RFC3339 timestamp: end of string before hour"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T\u00e9\u00e9")"#,
                r#"not a valid RFC3339 timestamp: hour must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T\u00e9:00:00Z")"#,
                r#"not a valid RFC3339 timestamp: hour must be between 0 and 23 inclusive"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01Ta\u00e9")"#,
                r#"not a valid RFC3339 timestamp: hour must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T25x")"#,
                r#"not a valid RFC3339 timestamp: hour must have exactly two digits"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T1\u00e9")"#,
                r#"not a valid RFC3339 timestamp: found "é" where ":" is expected"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T00:\u00e9")"#,
                r#"not a valid RFC3339 timestamp: cannot use "é" as minute"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T00:ab")"#,
                r#"not a valid RFC3339 timestamp: cannot use "ab" as minute"#,
            ),
            (
                r#"formatdate("YYYY", "2024-01-01T00:60")"#,
                r#"not a valid RFC3339 timestamp: end of string before minute"#,
            ),
        ];
        for (expr, want) in cases {
            let got = eval_err(expr);
            assert!(got.ends_with(want), "{expr}: {got}");
        }
    }

    #[test]
    fn timestamp_is_rfc3339_utc_seconds() {
        let got = eval_ok("timestamp()");
        let re = regex::Regex::new(r#"^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"$"#);
        assert!(re.is_ok_and(|re| re.is_match(&got)), "{got}");
        assert_eq!(
            eval_ok("timecmp(plantimestamp(), \"2024-01-01T00:00:00Z\")"),
            "1"
        );
    }

    #[test]
    fn civil_days_round_trip() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = super::civil_from_days(days);
            assert_eq!(super::days_from_civil(y, m, d), days);
        }
        assert_eq!(super::days_from_civil(1970, 1, 1), 0);
        assert_eq!(super::civil_from_days(19_782), (2024, 2, 29));
    }
}
