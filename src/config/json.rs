//! Terraform's JSON syntax (`*.tf.json`), read into the same syntax tree as native files so
//! everything after the loader treats both alike. The top-level keys are block types with their
//! labels as nested keys (`{"resource": {"aws_vpc": {"main": {...}}}}`); a body is an object, or
//! an array of objects for several blocks. Strings are templates (`"${var.x}"`), except where
//! Terraform reads them as expressions (`depends_on`, `provider`, a variable's `type`,
//! `lifecycle.ignore_changes`, a module's `providers`, `moved`'s `from` and `to`). Keys named
//! `"//"` in a body are comments. Which keys of a body are nested blocks is known here for the
//! meta-blocks (`lifecycle`, `provisioner`, `dynamic`, a provider's `default_tags`, ...); a
//! resource type's own nested blocks are written as attributes and take their block shape from
//! the type's schema when the configuration is planned (see `instance::json_blocks`).

use crate::diag::Diagnostic;
use crate::syntax::ast::ObjectItem;
use crate::syntax::{Attribute, Block, Body, Expr, ExprKind, Span};

/// Whether a file of this name is in JSON syntax.
pub fn is_json(file_name: &str) -> bool {
    file_name.ends_with(".tf.json")
}

/// Whether a span is in a JSON configuration file.
pub fn in_json(span: Span) -> bool {
    crate::syntax::span::file(span.file)
        .is_some_and(|f| f.path.to_string_lossy().ends_with(".json"))
}

/// A JSON value with the place it was written.
struct J {
    kind: JKind,
    start: usize,
    end: usize,
}

enum JKind {
    Null,
    Bool(bool),
    Number(String),
    /// The text, and whether the file holds it as it is (no escapes), so spans stay exact.
    Str(String, bool),
    Array(Vec<J>),
    /// Keys with their positions, in file order.
    Object(Vec<(String, usize, usize, J)>),
}

struct Reader<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
}

type RResult<T> = Result<T, (String, usize)>;

impl Reader<'_> {
    fn ws(&mut self) {
        while self.pos < self.b.len() && matches!(self.b[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> RResult<J> {
        if depth > 200 {
            return Err(("nesting too deep".into(), self.pos));
        }
        self.ws();
        let start = self.pos;
        let kind = match self.b.get(self.pos) {
            Some(b'{') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.b.get(self.pos) == Some(&b'}') {
                    self.pos += 1;
                } else {
                    loop {
                        self.ws();
                        let ks = self.pos;
                        let JKind::Str(key, _) = self.string()? else {
                            unreachable!()
                        };
                        let ke = self.pos;
                        self.ws();
                        if self.b.get(self.pos) != Some(&b':') {
                            return Err(("expected ':' after an object key".into(), self.pos));
                        }
                        self.pos += 1;
                        let v = self.value(depth + 1)?;
                        items.push((key, ks, ke, v));
                        self.ws();
                        match self.b.get(self.pos) {
                            Some(b',') => self.pos += 1,
                            Some(b'}') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(("expected ',' or '}'".into(), self.pos)),
                        }
                    }
                }
                JKind::Object(items)
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.b.get(self.pos) == Some(&b']') {
                    self.pos += 1;
                } else {
                    loop {
                        items.push(self.value(depth + 1)?);
                        self.ws();
                        match self.b.get(self.pos) {
                            Some(b',') => self.pos += 1,
                            Some(b']') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(("expected ',' or ']'".into(), self.pos)),
                        }
                    }
                }
                JKind::Array(items)
            }
            Some(b'"') => self.string()?,
            Some(b't') if self.b[self.pos..].starts_with(b"true") => {
                self.pos += 4;
                JKind::Bool(true)
            }
            Some(b'f') if self.b[self.pos..].starts_with(b"false") => {
                self.pos += 5;
                JKind::Bool(false)
            }
            Some(b'n') if self.b[self.pos..].starts_with(b"null") => {
                self.pos += 4;
                JKind::Null
            }
            Some(c) if *c == b'-' || c.is_ascii_digit() => {
                while self.pos < self.b.len()
                    && matches!(
                        self.b[self.pos],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.pos += 1;
                }
                JKind::Number(self.text[start..self.pos].to_string())
            }
            _ => return Err(("expected a JSON value".into(), self.pos)),
        };
        Ok(J {
            kind,
            start,
            end: self.pos,
        })
    }

    fn string(&mut self) -> RResult<JKind> {
        if self.b.get(self.pos) != Some(&b'"') {
            return Err(("expected a string".into(), self.pos));
        }
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut exact = true;
        loop {
            let rest = &self.text[self.pos..];
            let Some(c) = rest.chars().next() else {
                return Err(("unterminated string".into(), open));
            };
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(JKind::Str(out, exact));
                }
                '\\' => {
                    exact = false;
                    let esc = rest[1..]
                        .chars()
                        .next()
                        .ok_or(("unterminated string".to_string(), open))?;
                    self.pos += 1 + esc.len_utf8();
                    match esc {
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        '/' => out.push('/'),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        'u' => {
                            let hex = self
                                .text
                                .get(self.pos..self.pos + 4)
                                .ok_or(("bad \\u escape".to_string(), self.pos))?;
                            let mut code = u32::from_str_radix(hex, 16)
                                .map_err(|_| ("bad \\u escape".to_string(), self.pos))?;
                            self.pos += 4;
                            // A surrogate pair spells one character beyond the first plane.
                            if (0xD800..0xDC00).contains(&code)
                                && self.text[self.pos..].starts_with("\\u")
                            {
                                let low = self
                                    .text
                                    .get(self.pos + 2..self.pos + 6)
                                    .and_then(|h| u32::from_str_radix(h, 16).ok());
                                if let Some(low) = low.filter(|l| (0xDC00..0xE000).contains(l)) {
                                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                                    self.pos += 6;
                                }
                            }
                            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                        }
                        _ => return Err((format!("unknown escape \\{esc}"), self.pos)),
                    }
                }
                c if (c as u32) < 0x20 => {
                    return Err(("control character in a string".into(), self.pos));
                }
                c => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }
}

/// The labels each top-level block type takes.
fn label_count(kind: &str) -> Option<usize> {
    Some(match kind {
        "resource" | "data" => 2,
        "module" | "provider" | "variable" | "output" | "check" | "image" => 1,
        "locals" | "terraform" | "moved" | "import" | "removed" => 0,
        _ => return None,
    })
}

/// The nested blocks a block of this kind may hold, with their label counts.
fn nested_blocks(kind: &str) -> &'static [(&'static str, usize)] {
    match kind {
        "resource" | "data" => &[
            ("lifecycle", 0),
            ("provisioner", 1),
            ("connection", 0),
            ("dynamic", 1),
        ],
        "provisioner" => &[("connection", 0)],
        "lifecycle" => &[("precondition", 0), ("postcondition", 0)],
        "variable" => &[("validation", 0)],
        "output" => &[("precondition", 0)],
        "provider" => &[
            ("default_tags", 0),
            ("assume_role", 0),
            ("assume_role_with_web_identity", 0),
            ("endpoints", 0),
            ("ignore_tags", 0),
        ],
        "terraform" => &[("required_providers", 0), ("backend", 1), ("cloud", 0)],
        "dynamic" => &[("content", 0)],
        "check" => &[("data", 2), ("assert", 0)],
        _ => &[],
    }
}

/// Whether Terraform reads this argument's strings as expressions rather than templates.
fn expression_argument(block: &str, name: &str) -> bool {
    matches!(
        (block, name),
        (
            "resource" | "data" | "module" | "output" | "check",
            "depends_on"
        ) | ("resource" | "data", "provider")
            | ("variable", "type")
            | ("lifecycle", "ignore_changes" | "replace_triggered_by")
            | ("module", "providers")
            | ("moved", "from" | "to")
            | ("import", "to")
            | ("removed", "from")
            | ("dynamic", "iterator")
    )
}

struct Converter<'a> {
    file: u32,
    text: &'a str,
    path: std::path::PathBuf,
    diags: Vec<Diagnostic>,
}

/// Reads a `.tf.json` file's text (registered as `file`) into a body of blocks.
pub fn parse_body(file: u32, path: &std::path::Path, text: &str) -> Result<Body, Vec<Diagnostic>> {
    let mut r = Reader {
        text,
        b: text.as_bytes(),
        pos: 0,
    };
    let span = |at: usize| Span::new(file, at, (at + 1).min(text.len()).max(at));
    let root = r.value(0).and_then(|v| {
        r.ws();
        if r.pos < r.b.len() {
            Err(("extra characters after the JSON value".into(), r.pos))
        } else {
            Ok(v)
        }
    });
    let root =
        root.map_err(|(msg, at)| vec![Diagnostic::error("Invalid JSON syntax", msg, span(at))])?;
    let mut c = Converter {
        file,
        text,
        path: path.to_path_buf(),
        diags: Vec::new(),
    };
    let mut body = Body {
        attributes: Vec::new(),
        blocks: Vec::new(),
        span: Span::new(file, root.start, root.end),
    };
    match root.kind {
        JKind::Object(items) => {
            for (key, ks, ke, v) in items {
                if key == "//" {
                    continue;
                }
                match label_count(&key) {
                    Some(n) => c.blocks(
                        &mut body.blocks,
                        &key,
                        Span::new(file, ks, ke),
                        n,
                        Vec::new(),
                        Vec::new(),
                        v,
                    ),
                    None => c.diags.push(Diagnostic::error(
                        "Unsupported block type",
                        format!("Blocks of type {key:?} are not expected here."),
                        Span::new(file, ks, ke),
                    )),
                }
            }
        }
        _ => c.diags.push(Diagnostic::error(
            "Invalid JSON configuration",
            "The top level of a JSON configuration file must be an object of block types.",
            span(root.start),
        )),
    }
    if c.diags.iter().any(Diagnostic::is_error) {
        return Err(c.diags);
    }
    Ok(body)
}

impl Converter<'_> {
    fn span(&self, j: &J) -> Span {
        Span::new(self.file, j.start, j.end)
    }

    /// Blocks of `kind`: `remaining` more labels as nested object keys, then one body per
    /// object (an array holds several).
    #[allow(clippy::too_many_arguments)]
    fn blocks(
        &mut self,
        out: &mut Vec<Block>,
        kind: &str,
        kind_span: Span,
        remaining: usize,
        labels: Vec<String>,
        label_spans: Vec<Span>,
        v: J,
    ) {
        if remaining > 0 {
            let JKind::Object(items) = v.kind else {
                self.diags.push(Diagnostic::error(
                    "Invalid JSON block",
                    format!("A {kind} block takes {remaining} more label(s) here, as object keys."),
                    Span::new(self.file, v.start, v.end),
                ));
                return;
            };
            for (key, ks, ke, inner) in items {
                let mut l = labels.clone();
                l.push(key);
                let mut s = label_spans.clone();
                s.push(Span::new(self.file, ks, ke));
                self.blocks(out, kind, kind_span, remaining - 1, l, s, inner);
            }
            return;
        }
        let bodies = match v.kind {
            JKind::Array(items) => items,
            _ => vec![v],
        };
        for b in bodies {
            let body = self.body(kind, b);
            out.push(Block {
                kind: kind.to_string(),
                kind_span,
                labels: labels.clone(),
                label_spans: label_spans.clone(),
                body,
            });
        }
    }

    fn body(&mut self, kind: &str, v: J) -> Body {
        let span = self.span(&v);
        let mut body = Body {
            attributes: Vec::new(),
            blocks: Vec::new(),
            span,
        };
        let JKind::Object(items) = v.kind else {
            self.diags.push(Diagnostic::error(
                "Invalid JSON block",
                format!("The body of a {kind} block must be an object."),
                span,
            ));
            return body;
        };
        for (key, ks, ke, value) in items {
            if key == "//" {
                continue;
            }
            let key_span = Span::new(self.file, ks, ke);
            if let Some((_, labels)) = nested_blocks(kind).iter().find(|(n, _)| *n == key) {
                self.blocks(
                    &mut body.blocks,
                    &key,
                    key_span,
                    *labels,
                    Vec::new(),
                    Vec::new(),
                    value,
                );
                continue;
            }
            let expr = if expression_argument(kind, &key) {
                self.expression(value)
            } else {
                self.template_value(value)
            };
            body.attributes.push(Attribute {
                name: key,
                name_span: key_span,
                expr,
            });
        }
        body
    }

    /// A JSON value whose strings are templates.
    fn template_value(&mut self, v: J) -> Expr {
        self.convert(v, false)
    }

    /// A JSON value whose strings are expressions.
    fn expression(&mut self, v: J) -> Expr {
        self.convert(v, true)
    }

    fn convert(&mut self, v: J, strings_are_expressions: bool) -> Expr {
        let span = self.span(&v);
        let kind = match v.kind {
            JKind::Null => ExprKind::Null,
            JKind::Bool(b) => ExprKind::Bool(b),
            JKind::Number(n) => ExprKind::Number(n),
            JKind::Str(s, exact) => {
                return self.string(&s, exact, v.start, v.end, strings_are_expressions);
            }
            JKind::Array(items) => ExprKind::Tuple(
                items
                    .into_iter()
                    .map(|i| self.convert(i, strings_are_expressions))
                    .collect(),
            ),
            JKind::Object(items) => ExprKind::Object(
                items
                    .into_iter()
                    .map(|(k, ks, ke, value)| ObjectItem {
                        key: literal(k, Span::new(self.file, ks, ke)),
                        key_is_ident: false,
                        value: self.convert(value, strings_are_expressions),
                    })
                    .collect(),
            ),
        };
        Expr { kind, span }
    }

    /// A string as a template or expression, parsed in place when the file holds it as it is
    /// (spans point into the file), else from its unescaped text.
    fn string(&mut self, s: &str, exact: bool, start: usize, end: usize, expression: bool) -> Expr {
        let parsed = if exact {
            let (from, to) = (start + 1, end - 1);
            if expression {
                crate::syntax::parser::parse_expression_from(self.file, &self.text[..to], from)
            } else {
                crate::syntax::parser::parse_template_from(self.file, &self.text[..to], from)
            }
        } else {
            let (line, _) = crate::syntax::span::file(self.file)
                .map(|f| f.line_col(start))
                .unwrap_or((0, 0));
            let name = self.path.with_file_name(format!(
                "{} (string on line {line})",
                self.path
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default()
            ));
            let id = crate::syntax::span::add_file(&name, s);
            if expression {
                crate::syntax::parse_expression(id, s)
            } else {
                crate::syntax::parse_template(id, s)
            }
        };
        parsed.unwrap_or_else(|e| {
            self.diags
                .push(Diagnostic::error("Invalid expression", e.message, e.span));
            Expr {
                kind: ExprKind::Null,
                span: Span::new(self.file, start, end),
            }
        })
    }
}

/// An object key: always a literal string in JSON.
fn literal(s: String, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Template(vec![crate::syntax::ast::TemplatePart::Literal(s)]),
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Body, Vec<Diagnostic>> {
        let path = std::path::Path::new("t.tf.json");
        let id = crate::syntax::span::add_file(path, text);
        parse_body(id, path, text)
    }

    #[test]
    fn blocks_labels_and_meta_blocks() {
        let b = parse(
            r#"{
  "//": "a comment",
  "resource": {"aws_vpc": {"main": {"cidr_block": "${var.cidr}", "lifecycle": {"ignore_changes": ["tags"]}}}},
  "provider": {"aws": [{"region": "us-east-1"}, {"alias": "west", "region": "us-west-2"}]},
  "variable": {"cidr": {"type": "string", "default": "10.0.0.0/16"}}
}"#,
        )
        .unwrap();
        let kinds: Vec<(&str, Vec<String>)> = b
            .blocks
            .iter()
            .map(|x| (x.kind.as_str(), x.labels.clone()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("resource", vec!["aws_vpc".to_string(), "main".to_string()]),
                ("provider", vec!["aws".to_string()]),
                ("provider", vec!["aws".to_string()]),
                ("variable", vec!["cidr".to_string()]),
            ]
        );
        let vpc = &b.blocks[0].body;
        assert_eq!(vpc.blocks[0].kind, "lifecycle");
        let ignore = &vpc.blocks[0].body.attributes[0].expr;
        let ExprKind::Tuple(items) = &ignore.kind else {
            panic!()
        };
        assert_eq!(items[0].as_traversal().unwrap().0, "tags");
        // The template's span is the string's place in the file.
        let cidr = &vpc.attributes[0];
        assert!(cidr.expr.span.start > 0);
    }

    #[test]
    fn bad_json_is_an_error_with_a_place() {
        let err = parse("{\"resource\": {\"a\": }").unwrap_err();
        assert_eq!(err[0].summary, "Invalid JSON syntax");
        assert!(err[0].span.is_some());
        let err = parse("{\"nonsense\": {}}").unwrap_err();
        assert_eq!(err[0].summary, "Unsupported block type");
    }
}
