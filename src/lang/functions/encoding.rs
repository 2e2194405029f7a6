//! Encoding functions: JSON and YAML in both directions, base64 (plain, gzipped, and of text in
//! other character encodings), URL query escaping and CSV decoding.

use super::{FnContext, FnError, FnResult, Function, f, str_arg, str_val};
use crate::lang::number::Number;
use crate::lang::types::Type;
use crate::lang::value::{Attrs, Value};
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;

pub(super) fn functions() -> Vec<Function> {
    let s = Type::String;
    vec![
        f(
            "jsonencode",
            |_, a| str_val(json_text(&a[0])),
            1,
            Some(1),
            s.clone(),
        ),
        f(
            "jsondecode",
            |_, a| json_decode(&str_arg(a, 0)?),
            1,
            Some(1),
            Type::Dynamic,
        ),
        f(
            "yamlencode",
            |_, a| str_val(super::yaml::encode(&a[0])),
            1,
            Some(1),
            s.clone(),
        ),
        f(
            "yamldecode",
            |_, a| yaml_decode(&str_arg(a, 0)?),
            1,
            Some(1),
            Type::Dynamic,
        ),
        f(
            "base64encode",
            |_, a| str_val(base64::engine::general_purpose::STANDARD.encode(str_arg(a, 0)?)),
            1,
            Some(1),
            s.clone(),
        ),
        f("base64decode", base64decode, 1, Some(1), s.clone()),
        f(
            "base64gzip",
            |_, a| {
                str_val(
                    base64::engine::general_purpose::STANDARD
                        .encode(go_gzip(str_arg(a, 0)?.as_bytes())?),
                )
            },
            1,
            Some(1),
            s.clone(),
        ),
        f(
            "urlencode",
            |_, a| str_val(query_escape(&str_arg(a, 0)?)),
            1,
            Some(1),
            s.clone(),
        ),
        f(
            "csvdecode",
            |_, a| csv_decode(&str_arg(a, 0)?),
            1,
            Some(1),
            Type::Dynamic,
        ),
        f("textencodebase64", textencodebase64, 2, Some(2), s.clone()),
        f("textdecodebase64", textdecodebase64, 2, Some(2), s),
    ]
}

// ---- JSON ----

/// Terraform's `jsonencode` text of a value: Go's encoding/json bytes (HTML-safe escapes, keys
/// sorted, numbers with every digit). Also what `format("%v")` prints for collections.
pub(crate) fn json_text(v: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, v);
    out
}

fn write_json(out: &mut String, v: &Value) {
    match v {
        Value::Sensitive(inner) => write_json(out, inner),
        Value::Null(_) | Value::Unknown(_) => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_text()),
        Value::String(s) => write_json_string(out, s),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Value::Map(_, attrs) | Value::Object(attrs) => {
            out.push('{');
            for (i, (k, item)) in attrs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(out, k);
                out.push(':');
                write_json(out, item);
            }
            out.push('}');
        }
    }
}

fn write_json_string(out: &mut String, s: &str) {
    crate::lang::escape::write_quoted(out, s, crate::lang::escape::Style::GoJson)
}

fn json_decode(src: &str) -> FnResult {
    let mut p = JsonParser {
        b: src.as_bytes(),
        pos: 0,
        depth: 0,
    };
    p.skip_ws();
    if p.at_end() {
        return Err(FnError::new("EOF"));
    }
    let v = p.value().map_err(FnError::new)?;
    p.skip_ws();
    // Go's Decoder.More treats a closing bracket as "no more", so `1 }` is accepted.
    if !p.at_end() && !matches!(p.peek(), Some(b']' | b'}')) {
        return Err(FnError::new("extraneous data after JSON object"));
    }
    Ok(v)
}

/// Where the parser is, for Go's wording of "invalid character" errors.
#[derive(Clone, Copy)]
enum TokenCtx {
    ObjectFirstKey,
    ObjectKey,
}

struct JsonParser<'a> {
    b: &'a [u8],
    pos: usize,
    depth: usize,
}

/// Deeper nesting is refused rather than risking the stack (Go's decoder stops at 10000).
const MAX_JSON_DEPTH: usize = 1000;

type JResult<T> = Result<T, String>;

/// Go's quoting of a character in JSON syntax errors.
fn quote_char(c: char) -> String {
    match c {
        '\'' => "'\\''".into(),
        '"' => "'\"'".into(),
        c if c.is_control() => format!("{:?}", c),
        c => format!("'{c}'"),
    }
}

impl JsonParser<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.b.len()
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn current_char(&self) -> char {
        std::str::from_utf8(&self.b[self.pos..])
            .ok()
            .and_then(|s| s.chars().next())
            .unwrap_or('\u{fffd}')
    }

    fn invalid(&self, context: &str) -> String {
        format!(
            "invalid character {}{context}",
            quote_char(self.current_char())
        )
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> JResult<Value> {
        self.skip_ws();
        match self.peek() {
            None => Err("EOF".into()),
            Some(b'{' | b'[') if self.depth >= MAX_JSON_DEPTH => Err("exceeded max depth".into()),
            Some(b'{') => self.nested(Self::object),
            Some(b'[') => self.nested(Self::array),
            Some(b'"') => self.string().map(Value::string),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::null()),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.invalid(" looking for beginning of value")),
        }
    }

    fn nested(&mut self, parse: fn(&mut Self) -> JResult<Value>) -> JResult<Value> {
        self.depth += 1;
        let v = parse(self);
        self.depth -= 1;
        v
    }

    fn literal(&mut self, word: &str, v: Value) -> JResult<Value> {
        for (i, expected) in word.bytes().enumerate().skip(1) {
            match self.b.get(self.pos + i) {
                None => return Err("unexpected EOF".into()),
                Some(&c) if c != expected => {
                    self.pos += i;
                    return Err(self.invalid(&format!(
                        " in literal {word} (expecting '{}')",
                        expected as char
                    )));
                }
                _ => {}
            }
        }
        self.pos += word.len();
        Ok(v)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> JResult<Value> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            None => return Err("unexpected EOF".into()),
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            Some(_) => return Err(self.invalid(" in numeric literal")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.at_end() {
                return Err("unexpected EOF".into());
            }
            if self.digits() == 0 {
                return Err(self.invalid(" after decimal point in numeric literal"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.at_end() {
                return Err("unexpected EOF".into());
            }
            if self.digits() == 0 {
                return Err(self.invalid(" in exponent of numeric literal"));
            }
        }
        let text = std::str::from_utf8(&self.b[start..self.pos]).unwrap_or("0");
        Number::parse(text)
            .map(Value::number)
            .map_err(|_| format!("invalid number {text}"))
    }

    fn hex4(&mut self) -> JResult<u32> {
        let mut v = 0;
        for _ in 0..4 {
            let Some(c) = self.peek() else {
                return Err("unexpected EOF".into());
            };
            let d = (c as char)
                .to_digit(16)
                .ok_or_else(|| self.invalid(" in \\u hexadecimal character escape"))?;
            v = v * 16 + d;
            self.pos += 1;
        }
        Ok(v)
    }

    /// A `\u` escape, joining a surrogate pair; a lone surrogate becomes U+FFFD as in Go.
    fn unicode_escape(&mut self) -> JResult<char> {
        let hi = self.hex4()?;
        if !(0xd800..0xdc00).contains(&hi) {
            return Ok(char::from_u32(hi).unwrap_or('\u{fffd}'));
        }
        let save = self.pos;
        if self.b.get(self.pos..self.pos + 2) == Some(b"\\u") {
            self.pos += 2;
            if let Ok(lo) = self.hex4()
                && (0xdc00..0xe000).contains(&lo)
            {
                return Ok(
                    char::from_u32(0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00))
                        .unwrap_or('\u{fffd}'),
                );
            }
        }
        self.pos = save;
        Ok('\u{fffd}')
    }

    fn string(&mut self) -> JResult<String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err("unexpected EOF".into());
            };
            match c {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return Err("unexpected EOF".into());
                    };
                    self.pos += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e as char),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.unicode_escape()?),
                        _ => {
                            self.pos -= 1;
                            return Err(self.invalid(" in string escape code"));
                        }
                    }
                }
                c if c < 0x20 => return Err(self.invalid(" in string literal")),
                _ => {
                    let ch = self.current_char();
                    out.push(ch);
                    self.pos += ch.len_utf8();
                }
            }
        }
    }

    fn array(&mut self) -> JResult<Value> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::tuple(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                None => return Err("EOF".into()),
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::tuple(items));
                }
                Some(_) => return Err(self.invalid(" after array element")),
            }
        }
    }

    fn object(&mut self) -> JResult<Value> {
        self.pos += 1;
        let mut attrs = Attrs::new();
        let mut ctx = TokenCtx::ObjectFirstKey;
        loop {
            self.skip_ws();
            match self.peek() {
                None => return Err("EOF".into()),
                Some(b'}') if matches!(ctx, TokenCtx::ObjectFirstKey) => {
                    self.pos += 1;
                    return Ok(Value::object(attrs));
                }
                Some(b'"') => {}
                Some(_) if matches!(ctx, TokenCtx::ObjectFirstKey) => return Err(self.invalid("")),
                Some(_) => return Err(self.invalid(" looking for beginning of object key string")),
            }
            let key = self.string()?;
            self.skip_ws();
            match self.peek() {
                None => return Err("EOF".into()),
                Some(b':') => self.pos += 1,
                Some(_) => return Err(self.invalid(" after object key")),
            }
            let v = self.value()?;
            attrs.insert(key, v);
            self.skip_ws();
            match self.peek() {
                None => return Err("EOF".into()),
                Some(b',') => ctx = TokenCtx::ObjectKey,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::object(attrs));
                }
                Some(_) => return Err(self.invalid(" after object key:value pair")),
            }
            self.pos += 1;
        }
    }
}

// ---- YAML ----

fn yaml_decode(src: &str) -> FnResult {
    use serde_saphyr::granit_parser::{Event, Options, Parser};
    // go-cty-yaml reads an empty source as a single line break.
    let src = if src.is_empty() { "\n" } else { src };
    let mut options = Options::default();
    options.emit_anchor_events = true;
    options.emit_unresolved_aliases = true;
    let mut d = YamlDecoder {
        events: Parser::new_from_str_with_options(src, options),
        anchors: HashMap::new(),
        names: HashMap::new(),
        pending: HashSet::new(),
    };
    let (first, span) = d.next()?;
    if !matches!(first, Event::StreamStart) {
        return Err(yaml_error(&span, "missing stream start token"));
    }
    let (doc, span) = d.next()?;
    if !matches!(doc, Event::DocumentStart(..)) {
        return Err(yaml_error(&span, "missing start of document"));
    }
    let v = d.value()?;
    let (end, span) = d.next()?;
    if matches!(end, Event::DocumentStart(..)) {
        return Err(yaml_error(&span, "only a single document is allowed"));
    }
    if !matches!(end, Event::DocumentEnd) {
        return Err(yaml_error(&span, "unexpected extra content after value"));
    }
    let (end, span) = d.next()?;
    if !matches!(end, Event::StreamEnd) {
        return Err(yaml_error(&span, "unexpected extra content after value"));
    }
    Ok(v)
}

type YamlSpan = serde_saphyr::granit_parser::Span;

fn yaml_error(span: &YamlSpan, msg: &str) -> FnError {
    located(span.start.line(), span.start.col(), msg)
}

/// go-cty-yaml's positions: the line counted from zero (libyaml's mark, printed as is), the
/// column from one, and none at all on the first line.
fn located(line: usize, col: usize, msg: &str) -> FnError {
    match line.saturating_sub(1) {
        0 => FnError::new(msg),
        line => FnError::new(format!("on line {line}, column {}: {msg}", col + 1)),
    }
}

const YAML_TAG_PREFIX: &str = "tag:yaml.org,2002:";

struct YamlDecoder<'a> {
    events: serde_saphyr::granit_parser::Parser<'a, serde_saphyr::granit_parser::StrInput<'a>>,
    anchors: HashMap<usize, Value>,
    names: HashMap<usize, String>,
    /// Anchors whose collection is still being read: an alias to one would be infinite.
    pending: HashSet<usize>,
}

type YamlEvent<'a> = serde_saphyr::granit_parser::Event<'a>;

impl<'a> YamlDecoder<'a> {
    fn next(&mut self) -> Result<(YamlEvent<'a>, YamlSpan), FnError> {
        loop {
            match self.events.next_event() {
                None => return Err(FnError::new("unexpected end of YAML stream")),
                Some(Err(e)) => {
                    return Err(located(e.marker().line(), e.marker().col(), &e.info()));
                }
                Some(Ok((YamlEvent::Anchor(id, name), _))) => {
                    self.names.insert(id, name.into_owned());
                }
                Some(Ok(ev)) => return Ok(ev),
            }
        }
    }

    fn value(&mut self) -> FnResult {
        let (ev, span) = self.next()?;
        self.value_from(ev, &span)
    }

    fn value_from(&mut self, ev: YamlEvent<'a>, span: &YamlSpan) -> FnResult {
        match ev {
            YamlEvent::Scalar(text, style, anchor, tag) => {
                let tag = tag.map(|t| t.to_string()).unwrap_or_default();
                let v = resolve_scalar(&tag, &text, style).map_err(|m| yaml_error(span, &m))?;
                self.complete(anchor, &v);
                Ok(v)
            }
            YamlEvent::Alias(id) => {
                let name = self.names.get(&id).cloned().unwrap_or_default();
                if self.pending.contains(&id) {
                    return Err(yaml_error(
                        span,
                        &format!("cannot refer to anchor {name:?} from inside its own definition"),
                    ));
                }
                self.anchors.get(&id).cloned().ok_or_else(|| {
                    yaml_error(span, &format!("reference to undefined anchor {name:?}"))
                })
            }
            YamlEvent::UnresolvedAlias(name) => Err(yaml_error(
                span,
                &format!("reference to undefined anchor {name:?}"),
            )),
            YamlEvent::SequenceStart(_, anchor, tag) => {
                check_collection_tag(tag.as_deref(), "seq", "sequence", span)?;
                self.begin(anchor);
                let v = self.sequence()?;
                self.complete(anchor, &v);
                Ok(v)
            }
            YamlEvent::MappingStart(_, anchor, tag) => {
                check_collection_tag(tag.as_deref(), "map", "mapping", span)?;
                self.begin(anchor);
                let v = self.mapping()?;
                self.complete(anchor, &v);
                Ok(v)
            }
            YamlEvent::DocumentStart(..) => {
                Err(yaml_error(span, "only a single document is allowed"))
            }
            YamlEvent::StreamEnd => {
                Err(yaml_error(span, "expecting value but found end of stream"))
            }
            YamlEvent::MappingEnd => {
                Err(yaml_error(span, "expecting value but found end of mapping"))
            }
            YamlEvent::SequenceEnd => Err(yaml_error(
                span,
                "expecting value but found end of sequence",
            )),
            _ => Err(yaml_error(span, "unexpected parser event")),
        }
    }

    fn begin(&mut self, anchor: usize) {
        if anchor != 0 {
            self.pending.insert(anchor);
        }
    }

    fn complete(&mut self, anchor: usize, v: &Value) {
        if anchor != 0 {
            self.pending.remove(&anchor);
            self.anchors.insert(anchor, v.clone());
        }
    }

    fn sequence(&mut self) -> FnResult {
        let mut items = Vec::new();
        loop {
            let (ev, span) = self.next()?;
            if matches!(ev, YamlEvent::SequenceEnd) {
                return Ok(Value::tuple(items));
            }
            items.push(self.value_from(ev, &span)?);
        }
    }

    fn mapping(&mut self) -> FnResult {
        let mut attrs = Attrs::new();
        loop {
            let (ev, span) = self.next()?;
            match ev {
                YamlEvent::MappingEnd => return Ok(Value::object(attrs)),
                YamlEvent::Scalar(ref text, style, _, ref tag) => {
                    let tag = tag.as_ref().map(|t| t.to_string()).unwrap_or_default();
                    if tag.is_empty() && text == "<<" {
                        let v = self.value()?;
                        merge_into(&mut attrs, &v).map_err(|m| yaml_error(&span, &m))?;
                        continue;
                    }
                    let key =
                        resolve_scalar(&tag, text, style).map_err(|m| yaml_error(&span, &m))?;
                    let key = yaml_key_text(&key)
                        .ok_or_else(|| yaml_error(&span, "mapping key cannot be null"))?;
                    attrs.insert(key, self.value()?);
                }
                _ => {
                    return Err(yaml_error(
                        &span,
                        "only strings are allowed as mapping keys",
                    ));
                }
            }
        }
    }
}

fn yaml_key_text(key: &Value) -> Option<String> {
    match key {
        Value::String(s) => Some(s.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_text()),
        _ => None,
    }
}

/// Terraform's go-cty-yaml (1.1) merges only a single mapping, not a sequence of them.
fn merge_into(attrs: &mut Attrs, v: &Value) -> Result<(), String> {
    let src = v
        .attributes()
        .ok_or_else(|| format!("cannot merge {} into mapping", v.ty().friendly()))?;
    attrs.extend(src.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok(())
}

fn check_collection_tag(
    tag: Option<&serde_saphyr::granit_parser::Tag>,
    suffix: &str,
    what: &str,
    span: &YamlSpan,
) -> Result<(), FnError> {
    match tag.map(ToString::to_string) {
        Some(t) if t != format!("{YAML_TAG_PREFIX}{suffix}") => {
            Err(yaml_error(span, &format!("can't interpret {what} as {t}")))
        }
        _ => Ok(()),
    }
}

/// go-cty-yaml's scalar resolution: YAML 1.1 booleans and nulls, YAML 1.2 numbers, timestamps
/// as RFC 3339 strings; quoted scalars are always strings.
fn resolve_scalar(
    tag: &str,
    src: &str,
    style: serde_saphyr::granit_parser::ScalarStyle,
) -> Result<Value, String> {
    use serde_saphyr::granit_parser::ScalarStyle;
    let short = tag.strip_prefix(YAML_TAG_PREFIX);
    let tag_kind = match (tag, short) {
        ("", _) => "",
        (_, Some(s @ ("str" | "bool" | "int" | "float" | "null" | "timestamp" | "binary"))) => s,
        _ => return Err(format!("unsupported tag {tag:?}")),
    };
    let hint = src.bytes().next().map_or(Some('N'), resolve_hint);
    let mut kind = tag_kind;
    if hint.is_some() && kind != "str" && kind != "binary" {
        if matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted) {
            return Ok(Value::string(src));
        }
        if let Some(v) = yaml_word(src) {
            return Ok(v);
        }
        if kind.is_empty() && matches!(src, ".nan" | ".NaN" | ".NAN") {
            return Err("floating point NaN is not supported".into());
        }
        match hint {
            Some('.') => {
                if let Ok(n) = Number::parse(src) {
                    return Ok(Value::number(n));
                }
            }
            Some('D' | 'S') => {
                if (kind.is_empty() || kind == "timestamp")
                    && let Some(t) = yaml_timestamp(src)
                {
                    return Ok(Value::string(t));
                }
                if is_yaml_int(src) {
                    kind = "int";
                } else if is_yaml_float(src) {
                    kind = "float";
                }
            }
            _ => {}
        }
    }
    resolve_tagged(kind, tag, src)
}

fn resolve_tagged(kind: &str, tag: &str, src: &str) -> Result<Value, String> {
    let cannot = || format!("cannot parse {src:?} as {tag}");
    match kind {
        "binary" => {
            base64::engine::general_purpose::STANDARD
                .decode(src)
                .map_err(|_| format!("cannot parse {src:?} as {tag}: not valid base64"))?;
            Ok(Value::string(src))
        }
        "bool" => match yaml_word(src) {
            Some(v @ Value::Bool(_)) => Ok(v),
            _ => Err(cannot()),
        },
        "int" | "float" => {
            let plain = src.replace('_', "");
            parse_yaml_number(&plain)
                .map(Value::number)
                .ok_or_else(cannot)
        }
        "timestamp" => yaml_timestamp(src).map(Value::string).ok_or_else(cannot),
        "null" => Ok(Value::null()),
        _ => Ok(Value::string(src)),
    }
}

fn resolve_hint(b: u8) -> Option<char> {
    match b {
        b'+' | b'-' => Some('S'),
        b'0'..=b'9' => Some('D'),
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => Some('M'),
        b'.' => Some('.'),
        _ => None,
    }
}

fn yaml_word(src: &str) -> Option<Value> {
    Some(match src {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Value::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => Value::null(),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            Value::number(Number::infinity(false))
        }
        "-.inf" | "-.Inf" | "-.INF" => Value::number(Number::infinity(true)),
        _ => return None,
    })
}

fn is_yaml_int(s: &str) -> bool {
    let digits = |t: &str, ok: fn(char) -> bool| !t.is_empty() && t.chars().all(ok);
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    digits(unsigned, |c| c.is_ascii_digit())
        || s.strip_prefix("0o")
            .is_some_and(|t| digits(t, |c| ('0'..='7').contains(&c)))
        || s.strip_prefix("0x")
            .is_some_and(|t| digits(t, |c| c.is_ascii_hexdigit()))
}

fn is_yaml_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => !frac.is_empty() && all_digits(frac),
        Some((int, frac)) => !int.is_empty() && all_digits(int) && all_digits(frac),
        None => !mantissa.is_empty() && all_digits(mantissa),
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exp_ok
}

/// Decimal text, or Go's `strconv.ParseInt(s, 0, 64)` forms (`0x`, `0o`, `0b`, leading-zero
/// octal) for what is not decimal.
fn parse_yaml_number(s: &str) -> Option<Number> {
    if let Ok(n) = Number::parse(s) {
        return Some(n);
    }
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        return None;
    };
    let v = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        let v = i64::try_from(v).ok()?;
        Some(Number::from_i64(-v))
    } else {
        Some(Number::from_u64(v))
    }
}

/// A YAML timestamp in one of the layouts go-cty-yaml accepts, as Go's RFC 3339 text.
fn yaml_timestamp(s: &str) -> Option<String> {
    let re = timestamp_regex();
    let c = re.captures(s)?;
    let num = |i: usize| c.get(i).map_or(Some(0), |m| m.as_str().parse::<u32>().ok());
    let (year, month, day) = (num(1)?, num(2)?, num(3)?);
    let (sep, hour, minute, second) = (c.get(4).map(|m| m.as_str()), num(5)?, num(6)?, num(7)?);
    let zone = c.get(9).map(|m| m.as_str());
    // Space-separated times carry no zone; `T` ones must have one.
    match (sep, zone) {
        (Some(" "), Some(_)) | (Some("T" | "t"), None) => return None,
        _ => {}
    }
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let zone = match zone {
        None | Some("Z") => "Z".to_string(),
        Some(z)
            if z.len() == 6
                && z[1..3].parse::<u32>().ok()? < 24
                && z[4..6].parse::<u32>().ok()? < 60 =>
        {
            if &z[1..] == "00:00" {
                "Z".into()
            } else {
                z.to_string()
            }
        }
        Some(_) => return None,
    };
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{zone}"
    ))
}

fn timestamp_regex() -> &'static regex::Regex {
    static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:([Tt ])([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$")
            .unwrap_or_else(|_| unreachable!("constant pattern"))
    });
    &RE
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// ---- base64 ----

/// Go's `base64.StdEncoding` when decoding: padding required, stray bits after the last
/// symbol tolerated.
const GO_STD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// Go's decoder skips line breaks anywhere in the input.
fn go_base64_decode(s: &str) -> Result<Vec<u8>, usize> {
    let cleaned: String = s.chars().filter(|c| *c != '\n' && *c != '\r').collect();
    GO_STD.decode(&cleaned).map_err(|e| match e {
        base64::DecodeError::InvalidByte(i, _) | base64::DecodeError::InvalidLastSymbol(i, _) => i,
        _ => cleaned.len(),
    })
}

fn base64decode(_: &FnContext, a: &[Value]) -> FnResult {
    let s = str_arg(a, 0)?;
    let bytes = go_base64_decode(&s)
        .map_err(|_| FnError::new(format!("failed to decode base64 data {s:?}")))?;
    String::from_utf8(bytes)
        .map(Value::string)
        .map_err(|_| FnError::new("the result of decoding the provided string is not valid UTF-8"))
}

/// Go's `compress/gzip` output as Terraform produces it: a header with no name and zero mtime,
/// then the data as Go's level 6 deflater writes it on `Write`, `Flush` and `Close` (see
/// [`super::goflate`]), then the CRC-32 and length trailer.
pub(crate) fn go_gzip(data: &[u8]) -> Result<Vec<u8>, FnError> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend_from_slice(&super::goflate::deflate_go(data));
    let mut crc = flate2::Crc::new();
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    Ok(out)
}

// ---- URL and CSV ----

/// Go's `url.QueryEscape`.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

fn csv_decode(src: &str) -> FnResult {
    let mut reader = CsvReader::new(src);
    let headers = match reader.record()? {
        Some(h) => h,
        None => return Err(FnError::new("missing header line")),
    };
    let mut seen = HashSet::new();
    for h in &headers {
        if !seen.insert(h.as_str()) {
            return Err(FnError::new(format!("duplicate column name {h:?}")));
        }
    }
    reader.fields = Some(headers.len());
    let mut rows = Vec::new();
    while let Some(cols) = reader.record()? {
        let attrs: Attrs = headers
            .iter()
            .cloned()
            .zip(cols.into_iter().map(Value::string))
            .collect();
        rows.push(Value::object(attrs));
    }
    let row_ty = Type::object(
        headers
            .iter()
            .map(|h| (h.clone(), Type::String))
            .collect::<BTreeMap<_, _>>(),
    );
    Ok(Value::list(row_ty, rows))
}

/// Go's `encoding/csv` reader with its defaults: comma-separated, RFC 4180 quoting, blank
/// lines skipped, `\r\n` read as `\n`, every record as long as the first.
struct CsvReader<'a> {
    lines: std::iter::Peekable<std::str::SplitInclusive<'a, char>>,
    line_no: usize,
    fields: Option<usize>,
}

impl<'a> CsvReader<'a> {
    fn new(src: &'a str) -> CsvReader<'a> {
        CsvReader {
            lines: src.split_inclusive('\n').peekable(),
            line_no: 0,
            fields: None,
        }
    }

    /// The next line with its ending normalised to `\n` (added at the end of the input too).
    fn line(&mut self) -> Option<String> {
        let raw = self.lines.next()?;
        self.line_no += 1;
        let body = raw.strip_suffix('\n').unwrap_or(raw);
        let body = body.strip_suffix('\r').unwrap_or(body);
        Some(format!("{body}\n"))
    }

    fn error(&self, line: usize, msg: &str) -> FnError {
        FnError::new(format!("CSV parse error on line {line}: {msg}"))
    }

    fn record(&mut self) -> Result<Option<Vec<String>>, FnError> {
        let mut line = loop {
            match self.line() {
                None => return Ok(None),
                Some(l) if l == "\n" => continue,
                Some(l) => break l,
            }
        };
        let start_line = self.line_no;
        let mut fields = Vec::new();
        loop {
            if let Some(rest) = line.strip_prefix('"') {
                let (field, after) = self.quoted_field(rest.to_string())?;
                fields.push(field);
                match after {
                    Some(next) => line = next,
                    None => break,
                }
            } else {
                let end = line.find(',');
                let field = &line[..end.unwrap_or(line.len() - 1)];
                if field.contains('"') {
                    return Err(self.error(self.line_no, "bare \" in non-quoted-field"));
                }
                fields.push(field.to_string());
                match end {
                    Some(i) => line = line[i + 1..].to_string(),
                    None => break,
                }
            }
        }
        if let Some(n) = self.fields
            && fields.len() != n
        {
            return Err(self.error(start_line, "wrong number of fields"));
        }
        Ok(Some(fields))
    }

    /// A quoted field's text and what follows its closing quote and comma (`None` at the end
    /// of the record).
    fn quoted_field(&mut self, mut line: String) -> Result<(String, Option<String>), FnError> {
        let mut field = String::new();
        loop {
            if let Some(i) = line.find('"') {
                field.push_str(&line[..i]);
                let rest = &line[i + 1..];
                if let Some(r) = rest.strip_prefix('"') {
                    field.push('"');
                    line = r.to_string();
                } else if let Some(r) = rest.strip_prefix(',') {
                    return Ok((field, Some(r.to_string())));
                } else if rest == "\n" {
                    return Ok((field, None));
                } else {
                    return Err(
                        self.error(self.line_no, "extraneous or missing \" in quoted-field")
                    );
                }
            } else {
                field.push_str(&line);
                line = match self.line() {
                    Some(l) => l,
                    None => {
                        return Err(
                            self.error(self.line_no, "extraneous or missing \" in quoted-field")
                        );
                    }
                };
            }
        }
    }
}

// ---- text encodings ----

#[derive(Clone, Copy, PartialEq)]
enum TextEncoding {
    Utf8,
    /// Big-endian by default, following a byte order mark when decoding; writes one.
    Utf16Bom,
    Utf16Le,
    Utf16Be,
    Latin1,
    Windows1252,
    Ascii,
}

impl TextEncoding {
    fn lookup(name: &str) -> Option<TextEncoding> {
        let n = name.to_ascii_lowercase();
        Some(match n.as_str() {
            "utf-8" | "csutf8" => TextEncoding::Utf8,
            "utf-16" | "csutf16" => TextEncoding::Utf16Bom,
            "utf-16le" | "csutf16le" => TextEncoding::Utf16Le,
            "utf-16be" | "csutf16be" => TextEncoding::Utf16Be,
            "iso-8859-1" | "iso_8859-1:1987" | "iso-ir-100" | "iso_8859-1" | "latin1" | "l1"
            | "ibm819" | "cp819" | "csisolatin1" => TextEncoding::Latin1,
            "windows-1252" | "cswindows1252" => TextEncoding::Windows1252,
            "us-ascii" | "iso-ir-6" | "ansi_x3.4-1968" | "ansi_x3.4-1986" | "iso_646.irv:1991"
            | "iso646-us" | "us" | "ibm367" | "cp367" | "csascii" => TextEncoding::Ascii,
            _ => return None,
        })
    }

    /// The IANA name Terraform's messages use.
    fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf16Bom => "UTF-16",
            TextEncoding::Utf16Le => "UTF-16LE",
            TextEncoding::Utf16Be => "UTF-16BE",
            TextEncoding::Latin1 => "ISO_8859-1:1987",
            TextEncoding::Windows1252 => "windows-1252",
            TextEncoding::Ascii => "US-ASCII",
        }
    }

    fn encode(self, s: &str) -> Option<Vec<u8>> {
        match self {
            TextEncoding::Utf8 => Some(s.as_bytes().to_vec()),
            TextEncoding::Utf16Bom => {
                let mut out = vec![0xfe, 0xff];
                out.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
                Some(out)
            }
            TextEncoding::Utf16Le => Some(s.encode_utf16().flat_map(u16::to_le_bytes).collect()),
            TextEncoding::Utf16Be => Some(s.encode_utf16().flat_map(u16::to_be_bytes).collect()),
            TextEncoding::Latin1 => s.chars().map(|c| u8::try_from(c as u32).ok()).collect(),
            TextEncoding::Ascii => s
                .chars()
                .map(|c| if c.is_ascii() { Some(c as u8) } else { None })
                .collect(),
            TextEncoding::Windows1252 => s.chars().map(to_windows1252).collect(),
        }
    }

    fn decode(self, b: &[u8]) -> Option<String> {
        match self {
            TextEncoding::Utf8 => String::from_utf8(b.to_vec()).ok(),
            TextEncoding::Utf16Bom => match b {
                [0xff, 0xfe, rest @ ..] => decode_utf16(rest, u16::from_le_bytes),
                [0xfe, 0xff, rest @ ..] => decode_utf16(rest, u16::from_be_bytes),
                _ => decode_utf16(b, u16::from_be_bytes),
            },
            TextEncoding::Utf16Le => decode_utf16(b, u16::from_le_bytes),
            TextEncoding::Utf16Be => decode_utf16(b, u16::from_be_bytes),
            TextEncoding::Latin1 => Some(b.iter().map(|&c| c as char).collect()),
            TextEncoding::Ascii => b
                .iter()
                .map(|&c| if c.is_ascii() { Some(c as char) } else { None })
                .collect(),
            TextEncoding::Windows1252 => Some(b.iter().map(|&c| from_windows1252(c)).collect()),
        }
    }
}

fn decode_utf16(b: &[u8], unit: fn([u8; 2]) -> u16) -> Option<String> {
    if !b.len().is_multiple_of(2) {
        return None;
    }
    let units = b.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    Some(
        char::decode_utf16(units)
            .map(|r| r.unwrap_or('\u{fffd}'))
            .collect(),
    )
}

/// Windows-1252's characters at 0x80..=0x9F (0 where the code page leaves a hole).
const CP1252_HIGH: [u16; 32] = [
    0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039,
    0x0152, 0, 0x017d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc,
    0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
];

fn to_windows1252(c: char) -> Option<u8> {
    let v = c as u32;
    if v < 0x80 || (0xa0..=0xff).contains(&v) {
        return u8::try_from(v).ok();
    }
    CP1252_HIGH
        .iter()
        .position(|&h| h != 0 && u32::from(h) == v)
        .and_then(|i| u8::try_from(0x80 + i).ok())
}

fn from_windows1252(b: u8) -> char {
    match b {
        0x80..=0x9f => match CP1252_HIGH[usize::from(b - 0x80)] {
            0 => b as char,
            h => char::from_u32(u32::from(h)).unwrap_or('\u{fffd}'),
        },
        _ => b as char,
    }
}

fn encoding_arg(a: &[Value], i: usize) -> Result<TextEncoding, FnError> {
    let name = str_arg(a, i)?;
    TextEncoding::lookup(&name).ok_or_else(|| {
        FnError::arg(
            i,
            format!(
                "{name:?} is not a supported IANA encoding name or alias in this Terraform version"
            ),
        )
    })
}

fn textencodebase64(_: &FnContext, a: &[Value]) -> FnResult {
    let s = str_arg(a, 0)?;
    let enc = encoding_arg(a, 1)?;
    let bytes = enc.encode(&s).ok_or_else(|| {
        FnError::arg(
            0,
            format!(
                "the given string contains characters that cannot be represented in {}",
                enc.name()
            ),
        )
    })?;
    str_val(base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn textdecodebase64(_: &FnContext, a: &[Value]) -> FnResult {
    let s = str_arg(a, 0)?;
    let enc = encoding_arg(a, 1)?;
    let bytes = go_base64_decode(&s).map_err(|at| {
        FnError::arg(
            0,
            format!("the given value is has an invalid base64 symbol at offset {at}"),
        )
    })?;
    let text = enc.decode(&bytes).ok_or_else(|| {
        FnError::arg(
            0,
            format!(
                "the given string contains symbols that are not defined for {}",
                enc.name()
            ),
        )
    })?;
    str_val(text)
}

#[cfg(test)]
pub(super) mod test_support {
    use crate::lang::eval::{Evaluator, MapScope};
    use crate::lang::value::Attrs;
    use std::path::Path;

    /// Evaluates `src` with the function library, relative to `dir`.
    pub(crate) fn eval_in(dir: &Path, src: &str) -> Result<String, String> {
        let id = crate::syntax::span::add_file(Path::new("test.tf"), src);
        let expr = crate::syntax::parse_expression(id, src).map_err(|e| e.message)?;
        let scope = MapScope(Attrs::new());
        let mut ev = Evaluator::new(&scope, dir.to_path_buf());
        ev.eval(&expr)
            .map(|v| super::json_text(&v))
            // Diagnostics end the function's message with a full stop; compare without it.
            .map_err(|d| d.detail.trim_end_matches('.').to_string())
    }

    /// The value's JSON text (Terraform's `jsonencode`), panicking on an error.
    pub(crate) fn eval_ok(src: &str) -> String {
        eval_in(Path::new("."), src).unwrap_or_else(|e| panic!("{src}: {e}"))
    }

    pub(crate) fn eval_err(src: &str) -> String {
        match eval_in(Path::new("."), src) {
            Ok(v) => panic!("{src}: expected an error, got {v}"),
            Err(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{eval_err, eval_ok};

    /// Each expression with the `jsonencode` text of Terraform 1.15's result.
    fn check(cases: &[(&str, &str)]) {
        for (expr, want) in cases {
            assert_eq!(eval_ok(expr), *want, "{expr}");
        }
    }

    #[test]
    fn jsonencode_matches_go() {
        check(&[
            (
                r#"jsonencode({ html = "<script>alert('x') && y</script>" })"#,
                r#""{\"html\":\"\\u003cscript\\u003ealert('x') \\u0026\\u0026 y\\u003c/script\\u003e\"}""#,
            ),
            (
                r#"jsonencode({ zeta = 1, alpha = 2, Beta = 3, "_x" = 4, "10" = 5, "9" = 6 })"#,
                r#""{\"10\":5,\"9\":6,\"Beta\":3,\"_x\":4,\"alpha\":2,\"zeta\":1}""#,
            ),
            (
                r#"jsonencode("héllo ✓ \u2028 \t\n")"#,
                r#""\"héllo ✓ \\u2028 \\t\\n\"""#,
            ),
            (
                r#"jsonencode([1e3, 9007199254740993, 1.5, -0.25])"#,
                r#""[1000,9007199254740993,1.5,-0.25]""#,
            ),
            (
                r#"jsonencode({ a = null, b = true, c = [] })"#,
                r#""{\"a\":null,\"b\":true,\"c\":[]}""#,
            ),
            (
                r#"jsonencode({ set = toset(["b", "a"]), map = tomap({ z = 1, y = 2 }) })"#,
                r#""{\"map\":{\"y\":2,\"z\":1},\"set\":[\"a\",\"b\"]}""#,
            ),
            (
                r#"jsonencode("\u0001\u007f")"#,
                "\"\\\"\\\\u0001\u{7f}\\\"\"",
            ),
            ("jsonencode(null)", r#""null""#),
        ]);
    }

    #[test]
    fn jsondecode_is_exact_and_reports_like_go() {
        check(&[
            (
                r#"jsondecode("[9007199254740993, 1e2, 0.1]")"#,
                "[9007199254740993,100,0.1]",
            ),
            (
                r#"jsondecode("{\"b\":[1,{\"c\":null}],\"a\":\"x\",\"n\":1.50}")"#,
                r#"{"a":"x","b":[1,{"c":null}],"n":1.5}"#,
            ),
            (r#"jsondecode("\"\\ud83d\\ude00\"")"#, "\"😀\""),
            (r#"jsondecode("{\"a\":1,\"a\":2}")"#, r#"{"a":2}"#),
            (r#"jsondecode("1 }")"#, "1"),
        ]);
        let errors = [
            (r#"jsondecode("")"#, "EOF"),
            (r#"jsondecode("[1,2")"#, "EOF"),
            (r#"jsondecode("nul")"#, "unexpected EOF"),
            (r#"jsondecode("01")"#, "extraneous data after JSON object"),
            (
                r#"jsondecode("[1,]")"#,
                "invalid character ']' looking for beginning of value",
            ),
            (r#"jsondecode("{bad")"#, "invalid character 'b'"),
            (
                r#"jsondecode("{\"a\":1,}")"#,
                "invalid character '}' looking for beginning of object key string",
            ),
            (
                r#"jsondecode("[tru]")"#,
                "invalid character ']' in literal true (expecting 'e')",
            ),
            (
                r#"jsondecode("\"a\tb\"")"#,
                r"invalid character '\t' in string literal",
            ),
        ];
        for (expr, want) in errors {
            assert!(eval_err(expr).ends_with(want), "{expr}: {}", eval_err(expr));
        }
    }

    #[test]
    fn yamldecode_resolves_like_go_cty_yaml() {
        check(&[
            (
                r#"yamldecode("a: 1\nb: [x, y]\nc:\n  d: true\n  e: null\nf: '2'\n")"#,
                r#"{"a":1,"b":["x",true],"c":{"d":true,"e":null},"f":"2"}"#,
            ),
            (
                r#"yamldecode("base: &b\n  x: 1\nderived:\n  <<: *b\n  y: 2\n")"#,
                r#"{"base":{"x":1},"derived":{"true":2,"x":1}}"#,
            ),
            (
                r#"yamldecode("a: on\nd: No\ne: 0o10\nf: 010\ng: 0x1F\nh: 1_000\nk: 2001-12-14\nl: ~\np: 0b101\nq: 1:30\nr: -.5\nu: oN\nw: 1.5e+3")"#,
                r#"{"a":true,"d":false,"e":8,"f":10,"g":31,"h":"1_000","k":"2001-12-14T00:00:00Z","l":null,"p":"0b101","q":"1:30","r":-0.5,"u":"oN","w":1500}"#,
            ),
        ]);
        assert!(
            eval_err(r#"yamldecode("a: 1\n---\nb: 2")"#)
                .ends_with("on line 1, column 1: unexpected extra content after value")
        );
        assert!(
            eval_err(r#"yamldecode("")"#)
                .ends_with("on line 1, column 1: missing start of document")
        );
        assert!(
            eval_err(r#"yamldecode("a: &x [1, *x]")"#)
                .ends_with("cannot refer to anchor \"x\" from inside its own definition")
        );
        assert!(
            eval_err(r#"yamldecode("m: &m {a: 1}\no:\n  <<: [*m]\n")"#)
                .ends_with("cannot merge tuple into mapping")
        );
    }

    #[test]
    fn base64_and_text_encodings() {
        check(&[
            (
                r#"base64encode("Hello, World! ✓")"#,
                r#""SGVsbG8sIFdvcmxkISDinJM=""#,
            ),
            (
                r#"base64decode("SGVsbG8\nsIFdvcmxkIQ==")"#,
                r#""Hello, World!""#,
            ),
            (r#"base64decode("SGl=")"#, r#""Hi""#),
            (r#"textencodebase64("Hi✓", "UTF-16LE")"#, r#""SABpABMn""#),
            (r#"textencodebase64("Hé✓", "UTF-16")"#, r#""/v8ASADpJxM=""#),
            (r#"textencodebase64("Hé", "windows-1252")"#, r#""SOk=""#),
            (r#"textdecodebase64("SABpABMn", "UTF-16LE")"#, r#""Hi✓""#),
            (r#"textdecodebase64("6Q==", "ISO-8859-1")"#, r#""é""#),
        ]);
        assert!(
            eval_err(r#"base64decode("SGk")"#).ends_with(r#"failed to decode base64 data "SGk""#)
        );
        assert!(eval_err(r#"base64decode("/w==")"#).ends_with("not valid UTF-8"));
        assert!(
            eval_err(r#"textencodebase64("H✓", "ISO-8859-1")"#)
                .ends_with("cannot be represented in ISO_8859-1:1987")
        );
        assert!(
            eval_err(r#"textencodebase64("x", "UTF8")"#)
                .contains("is not a supported IANA encoding name")
        );
    }

    #[test]
    fn base64gzip_header_and_trailer_match_go() {
        check(&[
            (
                r#"base64gzip("")"#,
                r#""H4sIAAAAAAAA/wAAAP//AQAA//8AAAAAAAAAAA==""#,
            ),
            (
                r#"base64gzip("a")"#,
                r#""H4sIAAAAAAAA/0oEAAAA//8BAAD//0O+t+gBAAAA""#,
            ),
        ]);
    }

    #[test]
    fn urlencode_and_csvdecode() {
        check(&[
            (
                r#"urlencode("a b&c=d/é?x~y*z")"#,
                r#""a+b%26c%3Dd%2F%C3%A9%3Fx~y%2Az""#,
            ),
            (
                r#"csvdecode("name,port\nweb,80\n\"db, primary\",5432\n")"#,
                r#"[{"name":"web","port":"80"},{"name":"db, primary","port":"5432"}]"#,
            ),
            (
                r#"csvdecode("a,b\r\n\"x\"\"y\",2\r\n")"#,
                r#"[{"a":"x\"y","b":"2"}]"#,
            ),
            (r#"csvdecode("a\n\n1\n")"#, r#"[{"a":"1"}]"#),
            (r#"csvdecode("a,b\n")"#, "[]"),
        ]);
        assert!(
            eval_err(r#"csvdecode("a,b\n1,2,3\n")"#)
                .ends_with("CSV parse error on line 2: wrong number of fields")
        );
        assert!(
            eval_err(r#"csvdecode("a,\"b\n1,2\n")"#)
                .ends_with("CSV parse error on line 2: extraneous or missing \" in quoted-field")
        );
        assert!(
            eval_err(r#"csvdecode("a,b\nx\"y,2\n")"#)
                .ends_with("CSV parse error on line 2: bare \" in non-quoted-field")
        );
        assert!(eval_err(r#"csvdecode("")"#).ends_with("missing header line"));
        assert!(eval_err(r#"csvdecode("a,a\n1,2\n")"#).ends_with("duplicate column name \"a\""));
    }
}
