//! `yamlencode`'s YAML text: a port of the parts of libyaml's emitter (as vendored by
//! go-cty-yaml, which Terraform uses) that Terraform's values reach, so line folding, block
//! scalar hints and indentation come out byte for byte the same.

use super::super::value::Value;

/// libyaml's defaults, which Terraform does not change.
const BEST_INDENT: i64 = 2;
const BEST_WIDTH: usize = 80;
/// Longest key (in bytes) written as a simple `key: value` rather than `? key`.
const MAX_SIMPLE_KEY: usize = 128;

/// Terraform's `yamlencode` text of a known value.
pub fn encode(v: &Value) -> String {
    let mut e = Emitter::new();
    e.node(
        v,
        Context {
            root: true,
            ..Context::default()
        },
    );
    // Document end, then stream end: an open-ended scalar needs an explicit `...`.
    e.write_indent();
    if e.open_ended {
        e.write_indicator("...", true, false, false);
        e.write_indent();
    }
    e.out
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Plain,
    DoubleQuoted,
    Literal,
}

#[derive(Clone, Copy, Default)]
struct Context {
    root: bool,
    mapping: bool,
    simple_key: bool,
}

/// What the emitter learns about a scalar before choosing its style.
struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    block_allowed: bool,
}

struct Emitter {
    out: String,
    /// Characters (not bytes) written on the current line.
    column: usize,
    indent: i64,
    indents: Vec<i64>,
    whitespace: bool,
    indention: bool,
    open_ended: bool,
}

impl Emitter {
    fn new() -> Emitter {
        Emitter {
            out: String::new(),
            column: 0,
            indent: -1,
            indents: Vec::new(),
            whitespace: true,
            indention: true,
            open_ended: false,
        }
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        indicator.chars().for_each(|c| self.put(c));
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
        self.open_ended = false;
    }

    fn node(&mut self, v: &Value, ctx: Context) {
        match v {
            Value::Sensitive(inner) => self.node(inner, ctx),
            Value::Null(_) | Value::Unknown(_) => self.scalar("null", Style::Plain, ctx),
            Value::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain, ctx),
            Value::Number(n) => self.scalar(&n.to_text(), Style::Plain, ctx),
            Value::String(s) => {
                let style = if s.contains('\n') {
                    Style::Literal
                } else {
                    Style::DoubleQuoted
                };
                self.scalar(s, style, ctx)
            }
            Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
                self.sequence(items, ctx)
            }
            Value::Map(_, attrs) | Value::Object(attrs) => self.mapping(attrs, ctx),
        }
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn sequence(&mut self, items: &[Value], ctx: Context) {
        if items.is_empty() {
            return self.empty_flow("[", "]");
        }
        // A sequence that is a mapping's value sits at the key's indentation.
        self.increase_indent(false, ctx.mapping && !self.indention);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(item, Context::default());
        }
        self.pop_indent();
    }

    fn mapping(&mut self, attrs: &crate::lang::value::Attrs, _ctx: Context) {
        if attrs.is_empty() {
            return self.empty_flow("{", "}");
        }
        self.increase_indent(false, false);
        let value_ctx = Context {
            mapping: true,
            ..Context::default()
        };
        for (k, v) in attrs {
            self.write_indent();
            let simple = !analyze(k).multiline && k.len() <= MAX_SIMPLE_KEY;
            let key_style = if k.contains('\n') {
                Style::Literal
            } else {
                Style::DoubleQuoted
            };
            if simple {
                self.scalar(
                    k,
                    key_style,
                    Context {
                        mapping: true,
                        simple_key: true,
                        ..Context::default()
                    },
                );
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.scalar(k, key_style, value_ctx);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.node(v, value_ctx);
        }
        self.pop_indent();
    }

    fn scalar(&mut self, value: &str, requested: Style, ctx: Context) {
        let style = select_style(value, requested, ctx);
        self.increase_indent(true, false);
        match style {
            Style::Plain => self.write_plain(value, ctx.root),
            Style::DoubleQuoted => self.write_double_quoted(value, !ctx.simple_key),
            Style::Literal => self.write_literal(value),
        }
        self.pop_indent();
    }

    /// Plain scalars here are only numbers, booleans and null: no spaces or breaks to fold.
    fn write_plain(&mut self, value: &str, root: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        value.chars().for_each(|c| self.put(c));
        self.whitespace = false;
        self.indention = false;
        if root {
            self.open_ended = true;
        }
    }

    fn write_double_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        // libyaml tests for a byte order mark at the start of the value, not at each character,
        // so a value starting with one has every character escaped.
        let starts_with_bom = value.starts_with('\u{feff}');
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if !is_printable(c) || starts_with_bom || is_break(c) || c == '"' || c == '\\' {
                self.put_escape(c);
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i < chars.len() - 1
                {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
            i += 1;
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn put_escape(&mut self, c: char) {
        self.put('\\');
        let short = match c {
            '\0' => Some('0'),
            '\u{7}' => Some('a'),
            '\u{8}' => Some('b'),
            '\t' => Some('t'),
            '\n' => Some('n'),
            '\u{b}' => Some('v'),
            '\u{c}' => Some('f'),
            '\r' => Some('r'),
            '\u{1b}' => Some('e'),
            '"' => Some('"'),
            '\\' => Some('\\'),
            '\u{85}' => Some('N'),
            '\u{a0}' => Some('_'),
            '\u{2028}' => Some('L'),
            '\u{2029}' => Some('P'),
            _ => None,
        };
        if let Some(s) = short {
            return self.put(s);
        }
        let v = c as u32;
        let (prefix, width) = match v {
            0..=0xff => ('x', 2),
            0x100..=0xffff => ('u', 4),
            _ => ('U', 8),
        };
        self.put(prefix);
        for ch in format!("{v:0width$X}").chars() {
            self.put(ch);
        }
    }

    fn write_literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        self.write_block_hints(value);
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in value.chars() {
            if is_break(c) {
                self.out.push(c);
                self.column = 0;
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }

    fn write_block_hints(&mut self, value: &str) {
        if value.starts_with(|c: char| c == ' ' || is_break(c)) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        self.open_ended = false;
        let mut rev = value.chars().rev();
        let chomp = match (rev.next(), rev.next()) {
            (Some(last), _) if !is_break(last) => Some('-'),
            (None, _) => Some('-'),
            (Some(_), None) => Some('+'),
            (Some(_), Some(prev)) if is_break(prev) => Some('+'),
            _ => None,
        };
        // libyaml marks a `+` scalar open-ended and then writes the indicator, which clears
        // the mark again: no `...` follows.
        if let Some(c) = chomp {
            self.write_indicator(&c.to_string(), false, false, false);
        }
    }
}

fn select_style(value: &str, requested: Style, ctx: Context) -> Style {
    let a = analyze(value);
    let mut style = requested;
    if ctx.simple_key && a.multiline {
        style = Style::DoubleQuoted;
    }
    // Single quotes would be next, but the values that reach here as plain (numbers, booleans,
    // null) are always plain-safe.
    if style == Style::Plain && (!a.block_plain_allowed || (value.is_empty() && ctx.simple_key)) {
        style = Style::DoubleQuoted;
    }
    if style == Style::Literal && (!a.block_allowed || ctx.simple_key) {
        style = Style::DoubleQuoted;
    }
    style
}

fn analyze(value: &str) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            block_allowed: false,
        };
    }
    let chars: Vec<char> = value.chars().collect();
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading, mut trailing_space, mut trailing_break) = (false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    for (i, &c) in chars.iter().enumerate() {
        let last = i + 1 == chars.len();
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            leading |= i == 0;
            trailing_space |= last;
            break_space |= previous_break;
            (previous_space, previous_break) = (true, false);
        } else if is_break(c) {
            line_breaks = true;
            leading |= i == 0;
            trailing_break |= last;
            space_break |= previous_space;
            (previous_space, previous_break) = (false, true);
        } else {
            (previous_space, previous_break) = (false, false);
        }
    }
    let plain_ok = !(leading
        || trailing_space
        || trailing_break
        || break_space
        || space_break
        || special
        || line_breaks);
    Analysis {
        multiline: line_breaks,
        block_plain_allowed: plain_ok,
        block_allowed: !(trailing_space || space_break || special),
    }
}

/// libyaml's printable set, for UTF-8 input: tab and most C0/C1 controls are not, nor are
/// characters outside the Basic Multilingual Plane.
fn is_printable(c: char) -> bool {
    match c as u32 {
        0x0a | 0x20..=0x7e => true,
        0xa0..=0xd7ff => true,
        0xe000..=0xfffd => c != '\u{feff}',
        _ => false,
    }
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::super::encoding::test_support::eval_ok;

    /// `yamlencode` results as Terraform 1.15 printed them.
    #[test]
    fn yamlencode_matches_terraform() {
        let cases = [
            (
                "yamlencode({ name = \"web\", ports = [80, 443], empty = [], nothing = null, nested = { b = \"two\", a = 1.5 } })",
                "\"empty\": []\n\"name\": \"web\"\n\"nested\":\n  \"a\": 1.5\n  \"b\": \"two\"\n\"nothing\": null\n\"ports\":\n- 80\n- 443\n",
            ),
            (
                "yamlencode({ a = \"line1\\nline2\", b = \"ends with two\\n\\n\", c = \"  leading spaces\\nx\" })",
                "\"a\": |-\n  line1\n  line2\n\"b\": |+\n  ends with two\n\n\"c\": |2-\n    leading spaces\n  x\n",
            ),
            (
                "yamlencode([[1, 2], [], [[3]], { k = [] }])",
                "- - 1\n  - 2\n- []\n- - - 3\n- \"k\": []\n",
            ),
            (
                "yamlencode([{ name = \"a\", value = 1 }])",
                "- \"name\": \"a\"\n  \"value\": 1\n",
            ),
            ("yamlencode(1)", "1\n...\n"),
            ("yamlencode(\"a\\n\\n\")", "|+\n  a\n\n"),
            ("yamlencode({})", "{}\n"),
            ("yamlencode({\"a\\nb\"=\"c\"})", "? |-\n  a\n  b\n: \"c\"\n"),
            (
                "yamlencode([\"tab\\there\", \"emoji😀x\", \"\\ufeffab\", \"trail \\nx\", \"x\\r\\ny\"])",
                "- \"tab\\there\"\n- \"emoji\\U0001F600x\"\n- \"\\uFEFF\\x61\\x62\"\n- \"trail \\nx\"\n- \"x\\r\\ny\"\n",
            ),
            (
                "yamlencode([\"\\n\", \"\\na\", \" a\\nb\\n\"])",
                "- |2+\n\n- |2-\n\n  a\n- |2\n   a\n  b\n",
            ),
            (
                "yamlencode({a={b=[{c=[]}]}})",
                "\"a\":\n  \"b\":\n  - \"c\": []\n",
            ),
            (
                "yamlencode(join(\"  \", [for i in range(40): \"ab\"]))",
                "\"ab  ab  ab  ab  ab  ab  ab  ab  ab  ab  ab  ab  ab  ab  ab  ab  ab  ab  ab  ab  ab\n  \\ ab  ab  ab  ab  ab  ab  ab  ab  ab  ab  ab  ab  ab  ab  ab  ab  ab  ab  ab\"\n",
            ),
            (
                "yamlencode({ u = \"héllo ✓\", long = join(\" \", [for i in range(30) : \"word${i}\"]) })",
                "\"long\": \"word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11\n  word12 word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23\n  word24 word25 word26 word27 word28 word29\"\n\"u\": \"héllo ✓\"\n",
            ),
        ];
        for (expr, want) in cases {
            let got: String = serde_json::from_str(&eval_ok(expr)).unwrap_or_default();
            assert_eq!(got, want, "{expr}");
        }
    }
}
