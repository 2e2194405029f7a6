//! A recursive-descent parser for HCL native syntax, scanning characters directly because
//! templates switch between string and expression modes mid-token.
//!
//! Invariants: it never panics on any input (fuzzed), nesting is bounded, and every node gets a
//! span. Newlines end attributes and object items but are whitespace inside `()`, `[]`,
//! interpolations and `for` expressions, as in HCL.

use super::ast::*;
use super::span::Span;

#[derive(Debug, Clone)]
pub struct ParseError {
    pub span: Span,
    pub message: String,
}

type PResult<T> = Result<T, ParseError>;

const MAX_DEPTH: usize = 64;

pub fn parse_body(file: u32, src: &str) -> PResult<Body> {
    // In a body, newlines end attributes.
    let mut p = Parser::new(file, src, 0, false);
    if p.b.starts_with(b"\xEF\xBB\xBF") {
        p.pos = 3;
    }
    p.body(false)
}

/// Parses a standalone expression (console input, `-var` values, type constraints).
pub fn parse_expression(file: u32, src: &str) -> PResult<Expr> {
    parse_expression_from(file, src, 0)
}

/// An expression that fills `src` from byte `start` on, where `src` is a prefix of file
/// `file`'s text: spans are the file's own (a JSON string's contents, in place).
pub fn parse_expression_from(file: u32, src: &str, start: usize) -> PResult<Expr> {
    let mut p = Parser::new(file, src, start, true);
    p.ws();
    let e = p.expr()?;
    p.ws();
    if p.pos < p.b.len() {
        return Err(p.error_here("extra characters after the expression"));
    }
    Ok(e)
}

/// Parses a template (the contents of a `templatefile` file).
pub fn parse_template(file: u32, src: &str) -> PResult<Expr> {
    parse_template_from(file, src, 0)
}

/// A template that fills `src` from byte `start` on (see [`parse_expression_from`]).
pub fn parse_template_from(file: u32, src: &str, start: usize) -> PResult<Expr> {
    let mut p = Parser::new(file, src, start, true);
    let parts = p.template_parts(TemplateEnd::Eof, false)?;
    Ok(Expr {
        kind: ExprKind::Template(parts),
        span: Span::new(file, start, src.len()),
    })
}

struct Parser<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    file: u32,
    /// Whether newlines are whitespace in the current nesting (top of the stack).
    nl_skip: Vec<bool>,
    depth: usize,
}

impl<'a> Parser<'a> {
    /// A parser of `src` (file `file`'s text, or a prefix of it) from byte `start` on, where
    /// newlines are whitespace or not at the top level.
    fn new(file: u32, src: &'a str, start: usize, nl_skip: bool) -> Parser<'a> {
        Parser {
            src,
            b: src.as_bytes(),
            pos: start,
            file,
            nl_skip: vec![nl_skip],
            depth: 0,
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum TemplateEnd {
    Quote,
    Eof,
    /// A heredoc: ends before the line holding the marker.
    Heredoc {
        end: usize,
    },
}

/// A flat template token, before strip markers are applied and directives nested.
enum Tok {
    Lit(String),
    Interp(Expr, bool, bool),
    If(Expr, bool, bool, Span),
    Else(bool, bool, Span),
    EndIf(bool, bool, Span),
    For(Option<String>, String, Expr, bool, bool, Span),
    EndFor(bool, bool, Span),
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c >= 0x80
}

/// The end of the file inside a block; `block` moves it to the block's opening.
const UNCLOSED: &str = "unclosed block: expected '}'";

impl<'a> Parser<'a> {
    fn span(&self, start: usize) -> Span {
        Span::new(self.file, start, self.pos)
    }

    fn error_at(&self, start: usize, end: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            span: Span::new(self.file, start, end.max(start)),
            message: message.into(),
        }
    }

    fn error_here(&self, message: impl Into<String>) -> ParseError {
        let end = (self.pos + 1).min(self.b.len());
        let mut e = self.error_at(self.pos, end, message);
        if end > self.pos && !self.src.is_char_boundary(end) {
            e.span.end = self.pos as u32;
        }
        e
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<u8> {
        self.b.get(self.pos + n).copied()
    }

    fn starts(&self, s: &str) -> bool {
        self.b[self.pos.min(self.b.len())..].starts_with(s.as_bytes())
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_here("expression is nested too deeply"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Skips spaces and comments, and newlines when the current nesting allows.
    fn ws(&mut self) {
        let skip_nl = *self.nl_skip.last().unwrap_or(&false);
        self.trivia(skip_nl);
    }

    fn trivia(&mut self, skip_nl: bool) {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\n' if skip_nl => self.pos += 1,
                b'#' => self.line_comment(),
                b'/' if self.peek_at(1) == Some(b'/') => self.line_comment(),
                b'/' if self.peek_at(1) == Some(b'*') => {
                    match self.src[self.pos + 2..].find("*/") {
                        Some(i) => self.pos += i + 4,
                        None => self.pos = self.b.len(),
                    }
                }
                _ => break,
            }
        }
    }

    fn line_comment(&mut self) {
        while let Some(c) = self.peek() {
            if c == b'\n' {
                break;
            }
            self.pos += 1;
        }
    }

    fn ident(&mut self) -> Option<(String, Span)> {
        let start = self.pos;
        if !self.peek().is_some_and(is_ident_start) {
            return None;
        }
        while self.peek().is_some_and(is_ident_char) {
            self.pos += 1;
        }
        // Stay on a char boundary if a multi-byte character was cut.
        while !self.src.is_char_boundary(self.pos) {
            self.pos += 1;
        }
        Some((self.src[start..self.pos].to_string(), self.span(start)))
    }

    fn expect(&mut self, c: u8, what: &str) -> PResult<()> {
        self.ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error_here(format!("expected {what}")))
        }
    }

    // ---- bodies ----

    fn body(&mut self, in_block: bool) -> PResult<Body> {
        let start = self.pos;
        let mut body = Body::default();
        loop {
            self.trivia(true);
            match self.peek() {
                None if in_block => return Err(self.error_here(UNCLOSED)),
                None => break,
                Some(b'}') if in_block => {
                    self.pos += 1;
                    break;
                }
                _ => {}
            }
            let Some((name, name_span)) = self.ident() else {
                return Err(self.error_here("expected an attribute name or a block type"));
            };
            self.trivia(false);
            if self.peek() == Some(b'=') && self.peek_at(1) != Some(b'=') {
                self.pos += 1;
                self.nl_skip.push(false);
                self.trivia(false);
                let expr = self.expr();
                self.nl_skip.pop();
                let expr = expr?;
                if let Some(prev) = body.attributes.iter().find(|a| a.name == name) {
                    let (l, _) = super::span::file(self.file)
                        .map_or((0, 0), |f| f.line_col(prev.name_span.start as usize));
                    return Err(ParseError {
                        span: name_span,
                        message: format!(
                            "duplicate argument {name:?}: it was already set on line {l}"
                        ),
                    });
                }
                body.attributes.push(Attribute {
                    name,
                    name_span,
                    expr,
                });
                self.end_of_item(in_block)?;
            } else {
                let block = self.block(name, name_span)?;
                body.blocks.push(block);
                self.end_of_item(in_block)?;
            }
        }
        body.span = self.span(start);
        Ok(body)
    }

    fn end_of_item(&mut self, in_block: bool) -> PResult<()> {
        self.trivia(false);
        match self.peek() {
            None | Some(b'\n') => Ok(()),
            Some(b'}') if in_block => Ok(()),
            _ => Err(self.error_here("expected a newline after the argument or block")),
        }
    }

    fn block(&mut self, kind: String, kind_span: Span) -> PResult<Block> {
        let mut labels = Vec::new();
        let mut label_spans = Vec::new();
        loop {
            self.trivia(false);
            match self.peek() {
                Some(b'"') => {
                    let start = self.pos;
                    self.pos += 1;
                    let parts = self.template_parts(TemplateEnd::Quote, false)?;
                    let e = Expr {
                        kind: ExprKind::Template(parts),
                        span: self.span(start),
                    };
                    let Some(label) = e.as_literal_string() else {
                        return Err(self.error_at(
                            start,
                            self.pos,
                            "block labels cannot contain interpolations",
                        ));
                    };
                    labels.push(label);
                    label_spans.push(e.span);
                }
                Some(b'{') => {
                    self.pos += 1;
                    break;
                }
                Some(c) if is_ident_start(c) => {
                    let (l, s) = self.ident().unwrap_or_default();
                    labels.push(l);
                    label_spans.push(s);
                }
                _ => {
                    return Err(self.error_here(format!(
                        "expected '=' for an argument or '{{' to open a {kind:?} block"
                    )));
                }
            }
        }
        self.nl_skip.push(false);
        let body = self.body(true).map_err(|e| {
            // Reported at the block that was left open (the innermost one), not at the end of
            // the file, where nothing can be fixed.
            if e.message == UNCLOSED {
                self.error_at(
                    kind_span.start as usize,
                    self.pos.min(kind_span.end as usize),
                    format!("unclosed block: this {kind:?} block has no closing '}}' before the end of the file"),
                )
            } else {
                e
            }
        });
        self.nl_skip.pop();
        Ok(Block {
            kind,
            kind_span,
            labels,
            label_spans,
            body: body?,
        })
    }

    // ---- expressions ----

    fn expr(&mut self) -> PResult<Expr> {
        self.enter()?;
        let r = self.conditional();
        self.leave();
        r
    }

    fn conditional(&mut self) -> PResult<Expr> {
        let cond = self.binary(0)?;
        self.ws();
        if self.peek() == Some(b'?') {
            self.pos += 1;
            self.ws();
            let then = self.expr()?;
            self.expect(b':', "':' in the conditional expression")?;
            self.ws();
            let otherwise = self.expr()?;
            let span = cond.span.to(otherwise.span);
            return Ok(Expr {
                kind: ExprKind::Conditional(Box::new(cond), Box::new(then), Box::new(otherwise)),
                span,
            });
        }
        Ok(cond)
    }

    fn binary_op(&self, level: usize) -> Option<(BinaryOp, usize)> {
        let two = |s: &str| self.starts(s);
        let c = self.peek()?;
        let op = match level {
            0 if two("||") => (BinaryOp::Or, 2),
            1 if two("&&") => (BinaryOp::And, 2),
            2 if two("==") => (BinaryOp::Eq, 2),
            2 if two("!=") => (BinaryOp::NotEq, 2),
            3 if two("<=") => (BinaryOp::LtEq, 2),
            3 if two(">=") => (BinaryOp::GtEq, 2),
            3 if c == b'<' && !two("<<") => (BinaryOp::Lt, 1),
            3 if c == b'>' => (BinaryOp::Gt, 1),
            4 if c == b'+' => (BinaryOp::Add, 1),
            4 if c == b'-' => (BinaryOp::Sub, 1),
            5 if c == b'*' => (BinaryOp::Mul, 1),
            5 if c == b'/' && !two("//") && !two("/*") => (BinaryOp::Div, 1),
            5 if c == b'%' => (BinaryOp::Mod, 1),
            _ => return None,
        };
        Some(op)
    }

    fn binary(&mut self, level: usize) -> PResult<Expr> {
        if level > 5 {
            return self.unary();
        }
        let mut lhs = self.binary(level + 1)?;
        loop {
            self.ws();
            let Some((op, len)) = self.binary_op(level) else {
                break;
            };
            self.pos += len;
            self.ws();
            self.enter()?;
            let rhs = self.binary(level + 1);
            self.leave();
            let rhs = rhs?;
            let span = lhs.span.to(rhs.span);
            lhs = Expr {
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                span,
            };
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> PResult<Expr> {
        let start = self.pos;
        let op = match self.peek() {
            Some(b'!') => UnaryOp::Not,
            Some(b'-') => UnaryOp::Neg,
            _ => return self.postfix(),
        };
        self.pos += 1;
        self.ws();
        self.enter()?;
        let operand = self.unary();
        self.leave();
        let operand = operand?;
        Ok(Expr {
            kind: ExprKind::Unary(op, Box::new(operand)),
            span: self.span(start),
        })
    }

    fn postfix(&mut self) -> PResult<Expr> {
        let term = self.term()?;
        self.traversal(term, TraversalMode::Any)
    }

    /// Applies `.attr`, `[index]`, `.0`, `.*` and `[*]` to `e`.
    fn traversal(&mut self, mut e: Expr, mode: TraversalMode) -> PResult<Expr> {
        loop {
            let save = self.pos;
            self.ws();
            if self.starts("...") {
                self.pos = save;
                return Ok(e);
            }
            match self.peek() {
                Some(b'.') if self.peek_at(1) == Some(b'*') => {
                    if mode != TraversalMode::Any {
                        self.pos = save;
                        return Ok(e);
                    }
                    self.pos += 2;
                    let start_each = self.pos;
                    let item = Expr {
                        kind: ExprKind::SplatItem,
                        span: self.span(start_each),
                    };
                    let each = self.traversal(item, TraversalMode::AttrOnly)?;
                    let span = e.span.to(self.span(start_each));
                    e = Expr {
                        kind: ExprKind::Splat {
                            source: Box::new(e),
                            each: Box::new(each),
                            full: false,
                        },
                        span,
                    };
                }
                Some(b'.') if self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) => {
                    self.pos += 1;
                    let start = self.pos;
                    while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                        self.pos += 1;
                    }
                    let idx = Expr {
                        kind: ExprKind::Number(self.src[start..self.pos].to_string()),
                        span: self.span(start),
                    };
                    let span = e.span.to(idx.span);
                    e = Expr {
                        kind: ExprKind::Index(Box::new(e), Box::new(idx)),
                        span,
                    };
                }
                Some(b'.') => {
                    self.pos += 1;
                    self.ws();
                    let Some((name, nspan)) = self.ident() else {
                        return Err(self.error_here("expected an attribute name after '.'"));
                    };
                    let span = e.span.to(nspan);
                    e = Expr {
                        kind: ExprKind::GetAttr(Box::new(e), name),
                        span,
                    };
                }
                Some(b'[') => {
                    if mode == TraversalMode::AttrOnly {
                        self.pos = save;
                        return Ok(e);
                    }
                    self.pos += 1;
                    self.nl_skip.push(true);
                    self.ws();
                    if self.peek() == Some(b'*') {
                        let mut look = self.pos + 1;
                        while matches!(self.b.get(look), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                            look += 1;
                        }
                        if self.b.get(look) == Some(&b']') {
                            self.pos = look + 1;
                            self.nl_skip.pop();
                            if mode == TraversalMode::FullSplatEach {
                                // A nested splat: it applies to what the outer splat produced.
                                self.pos = save;
                                return Ok(e);
                            }
                            let start_each = self.pos;
                            let item = Expr {
                                kind: ExprKind::SplatItem,
                                span: self.span(start_each),
                            };
                            let each = self.traversal(item, TraversalMode::FullSplatEach)?;
                            let span = e.span.to(self.span(start_each));
                            e = Expr {
                                kind: ExprKind::Splat {
                                    source: Box::new(e),
                                    each: Box::new(each),
                                    full: true,
                                },
                                span,
                            };
                            continue;
                        }
                    }
                    let idx = self.expr();
                    let close = self.expect(b']', "']' to close the index");
                    self.nl_skip.pop();
                    let idx = idx?;
                    close?;
                    let span = e.span.to(self.span(self.pos));
                    e = Expr {
                        kind: ExprKind::Index(Box::new(e), Box::new(idx)),
                        span,
                    };
                }
                _ => {
                    self.pos = save;
                    return Ok(e);
                }
            }
        }
    }

    fn term(&mut self) -> PResult<Expr> {
        self.ws();
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Err(self.error_here("expected an expression, found the end of the input"));
        };
        match c {
            b'0'..=b'9' => self.number(),
            b'"' => {
                self.pos += 1;
                let parts = self.template_parts(TemplateEnd::Quote, false)?;
                Ok(Expr {
                    kind: ExprKind::Template(parts),
                    span: self.span(start),
                })
            }
            b'<' if self.starts("<<") => self.heredoc(),
            b'[' => self.tuple_or_for(),
            b'{' => self.object_or_for(),
            b'(' => {
                self.pos += 1;
                self.nl_skip.push(true);
                self.ws();
                let inner = self.expr();
                let close = self.expect(b')', "')' to close the parentheses");
                self.nl_skip.pop();
                let inner = inner?;
                close?;
                Ok(Expr {
                    kind: ExprKind::Paren(Box::new(inner)),
                    span: self.span(start),
                })
            }
            c if is_ident_start(c) => {
                let (mut name, name_span) = self.ident().unwrap_or_default();
                // provider::NAME::function
                while self.starts("::") {
                    self.pos += 2;
                    let Some((part, _)) = self.ident() else {
                        return Err(self.error_here("expected a name after '::'"));
                    };
                    name = format!("{name}::{part}");
                }
                let name_span = name_span.to(self.span(start));
                let save = self.pos;
                self.trivia(false);
                if self.peek() == Some(b'(') {
                    self.pos += 1;
                    return self.call(name, name_span, start);
                }
                self.pos = save;
                Ok(match name.as_str() {
                    "true" => Expr {
                        kind: ExprKind::Bool(true),
                        span: name_span,
                    },
                    "false" => Expr {
                        kind: ExprKind::Bool(false),
                        span: name_span,
                    },
                    "null" => Expr {
                        kind: ExprKind::Null,
                        span: name_span,
                    },
                    _ => Expr {
                        kind: ExprKind::Variable(name),
                        span: name_span,
                    },
                })
            }
            _ => Err(self.error_here(format!(
                "expected an expression, found {:?}",
                self.src[self.pos..].chars().next().unwrap_or(' ')
            ))),
        }
    }

    fn number(&mut self) -> PResult<Expr> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.peek() == Some(b'.') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            let save = self.pos;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
            } else {
                self.pos = save;
            }
        }
        Ok(Expr {
            kind: ExprKind::Number(self.src[start..self.pos].to_string()),
            span: self.span(start),
        })
    }

    fn call(&mut self, name: String, name_span: Span, start: usize) -> PResult<Expr> {
        self.nl_skip.push(true);
        let r = self.call_args();
        self.nl_skip.pop();
        let (args, expand_final) = r?;
        Ok(Expr {
            kind: ExprKind::Call {
                name,
                name_span,
                args,
                expand_final,
            },
            span: self.span(start),
        })
    }

    fn call_args(&mut self) -> PResult<(Vec<Expr>, bool)> {
        let mut args = Vec::new();
        let mut expand_final = false;
        loop {
            self.ws();
            if self.peek() == Some(b')') {
                self.pos += 1;
                return Ok((args, expand_final));
            }
            if expand_final {
                return Err(self.error_here("the '...' expansion must be on the last argument"));
            }
            args.push(self.expr()?);
            self.ws();
            if self.starts("...") {
                self.pos += 3;
                expand_final = true;
                self.ws();
            }
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b')') => {}
                _ => return Err(self.error_here("expected ',' or ')' in the function call")),
            }
        }
    }

    fn keyword_follows(&self, kw: &str) -> bool {
        self.starts(kw)
            && !self
                .b
                .get(self.pos + kw.len())
                .copied()
                .is_some_and(is_ident_char)
    }

    fn tuple_or_for(&mut self) -> PResult<Expr> {
        let start = self.pos;
        self.pos += 1;
        self.nl_skip.push(true);
        let r = self.tuple_body(start);
        self.nl_skip.pop();
        r
    }

    fn tuple_body(&mut self, start: usize) -> PResult<Expr> {
        self.ws();
        if self.keyword_follows("for") {
            let f = self.for_expr(false)?;
            self.expect(b']', "']' to close the for expression")?;
            return Ok(Expr {
                kind: ExprKind::For(Box::new(f)),
                span: self.span(start),
            });
        }
        let mut items = Vec::new();
        loop {
            self.ws();
            if self.peek() == Some(b']') {
                self.pos += 1;
                break;
            }
            items.push(self.expr()?);
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {}
                _ => return Err(self.error_here("expected ',' or ']' in the list")),
            }
        }
        Ok(Expr {
            kind: ExprKind::Tuple(items),
            span: self.span(start),
        })
    }

    fn object_or_for(&mut self) -> PResult<Expr> {
        let start = self.pos;
        self.pos += 1;
        self.nl_skip.push(true);
        self.ws();
        if self.keyword_follows("for") {
            let r = self.for_expr(true).and_then(|f| {
                self.expect(b'}', "'}' to close the for expression")?;
                Ok(f)
            });
            self.nl_skip.pop();
            return Ok(Expr {
                kind: ExprKind::For(Box::new(r?)),
                span: self.span(start),
            });
        }
        self.nl_skip.pop();
        self.nl_skip.push(false);
        let r = self.object_items();
        self.nl_skip.pop();
        Ok(Expr {
            kind: ExprKind::Object(r?),
            span: self.span(start),
        })
    }

    fn object_items(&mut self) -> PResult<Vec<ObjectItem>> {
        let mut items = Vec::new();
        loop {
            self.trivia(true);
            if self.peek() == Some(b'}') {
                self.pos += 1;
                return Ok(items);
            }
            let key_start = self.pos;
            let (key, key_is_ident) = match self.peek() {
                Some(c) if is_ident_start(c) => {
                    let save = self.pos;
                    let (name, span) = self.ident().unwrap_or_default();
                    self.trivia(false);
                    if matches!(self.peek(), Some(b'=') | Some(b':')) && !self.starts("==") {
                        (
                            Expr {
                                kind: ExprKind::Variable(name),
                                span,
                            },
                            true,
                        )
                    } else {
                        self.pos = save;
                        (self.key_expr()?, false)
                    }
                }
                None => return Err(self.error_here("unclosed object: expected '}'")),
                _ => (self.key_expr()?, false),
            };
            self.trivia(false);
            match self.peek() {
                Some(b'=') | Some(b':') => self.pos += 1,
                _ => {
                    return Err(self.error_at(
                        key_start,
                        self.pos,
                        "expected '=' or ':' after the object key",
                    ));
                }
            }
            self.trivia(false);
            let value = self.expr()?;
            items.push(ObjectItem {
                key,
                key_is_ident,
                value,
            });
            self.trivia(false);
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'\n') | Some(b'}') => {}
                _ => {
                    return Err(
                        self.error_here("expected ',', a newline or '}' after the object item")
                    );
                }
            }
        }
    }

    fn key_expr(&mut self) -> PResult<Expr> {
        // A key is an expression up to '=' or ':'; parse without conditionals so ':' stays ours.
        self.enter()?;
        let r = self.binary(0);
        self.leave();
        r
    }

    /// What follows `for` in a for expression or a for directive (`what`):
    /// `[KEY ,] VALUE in COLLECTION`.
    fn for_head(&mut self, what: &str) -> PResult<(Option<String>, String, Expr)> {
        self.ws();
        let Some((first, _)) = self.ident() else {
            return Err(self.error_here("expected an iterator name after 'for'"));
        };
        self.ws();
        let (key_var, value_var) = if self.peek() == Some(b',') {
            self.pos += 1;
            self.ws();
            let Some((second, _)) = self.ident() else {
                return Err(self.error_here("expected a second iterator name"));
            };
            (Some(first), second)
        } else {
            (None, first)
        };
        self.ws();
        if !self.keyword_follows("in") {
            return Err(self.error_here(format!("expected 'in' in the {what}")));
        }
        self.pos += 2;
        self.ws();
        Ok((key_var, value_var, self.expr()?))
    }

    fn for_expr(&mut self, object: bool) -> PResult<ForExpr> {
        self.pos += 3;
        let (key_var, value_var, collection) = self.for_head("for expression")?;
        self.expect(b':', "':' after the for expression's collection")?;
        self.ws();
        let (key, value, group) = if object {
            let key = self.expr()?;
            self.ws();
            if !self.starts("=>") {
                return Err(self.error_here("expected '=>' in the object for expression"));
            }
            self.pos += 2;
            self.ws();
            let value = self.expr()?;
            self.ws();
            let group = if self.starts("...") {
                self.pos += 3;
                true
            } else {
                false
            };
            (Some(key), value, group)
        } else {
            (None, self.expr()?, false)
        };
        self.ws();
        let condition = if self.keyword_follows("if") {
            self.pos += 2;
            self.ws();
            Some(self.expr()?)
        } else {
            None
        };
        Ok(ForExpr {
            key_var,
            value_var,
            collection,
            key,
            value,
            condition,
            group,
        })
    }

    // ---- templates ----

    fn heredoc(&mut self) -> PResult<Expr> {
        let start = self.pos;
        self.pos += 2;
        let indent = if self.peek() == Some(b'-') {
            self.pos += 1;
            true
        } else {
            false
        };
        let Some((marker, _)) = self.ident() else {
            return Err(self.error_here("expected a heredoc marker such as EOT after '<<'"));
        };
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r')) {
            self.pos += 1;
        }
        if self.peek() != Some(b'\n') {
            return Err(self.error_here("expected a newline after the heredoc marker"));
        }
        self.pos += 1;
        let content_start = self.pos;
        // Find the closing marker line.
        let mut line_start = content_start;
        let (content_end, after) = loop {
            if line_start >= self.b.len() {
                return Err(self.error_at(
                    start,
                    self.pos,
                    format!("unterminated heredoc: no line with {marker:?}"),
                ));
            }
            let line_end = self.src[line_start..]
                .find('\n')
                .map_or(self.b.len(), |i| line_start + i);
            if self.src[line_start..line_end].trim() == marker {
                break (line_start, line_end);
            }
            line_start = line_end + 1;
        };
        self.pos = content_start;
        self.nl_skip.push(true);
        let parts = self.template_parts(TemplateEnd::Heredoc { end: content_end }, indent);
        self.nl_skip.pop();
        let parts = parts?;
        self.pos = after;
        Ok(Expr {
            kind: ExprKind::Template(parts),
            span: self.span(start),
        })
    }

    fn template_parts(&mut self, end: TemplateEnd, flush: bool) -> PResult<Vec<TemplatePart>> {
        let toks = self.template_tokens(end)?;
        let mut toks = apply_strip_markers(toks);
        if flush {
            flush_heredoc(&mut toks);
        }
        toks.retain(|t| !matches!(t, Tok::Lit(s) if s.is_empty()));
        let mut iter = toks.into_iter().peekable();
        let parts = build_template(&mut iter, None)?;
        if let Some(t) = iter.next() {
            let span = match t {
                Tok::Else(_, _, s) | Tok::EndIf(_, _, s) | Tok::EndFor(_, _, s) => s,
                _ => self.span(self.pos),
            };
            return Err(ParseError {
                span,
                message: "this directive has no opening %{if} or %{for}".into(),
            });
        }
        Ok(parts)
    }

    /// Literal tokens end at each raw newline (which they include), as HCL's scanner makes
    /// them: strip markers and heredoc flushing work on these per-line tokens.
    fn template_tokens(&mut self, end: TemplateEnd) -> PResult<Vec<Tok>> {
        let mut toks = Vec::new();
        let mut lit = String::new();
        let open = self.pos;
        let limit = match end {
            TemplateEnd::Heredoc { end } => end,
            _ => self.b.len(),
        };
        loop {
            if self.pos >= limit {
                if end == TemplateEnd::Quote {
                    return Err(self.error_at(
                        open - 1,
                        self.pos,
                        "unterminated string: expected '\"'",
                    ));
                }
                break;
            }
            let c = self.b[self.pos];
            match c {
                b'"' if end == TemplateEnd::Quote => {
                    self.pos += 1;
                    break;
                }
                b'\n' if end == TemplateEnd::Quote => {
                    return Err(self.error_at(
                        open - 1,
                        self.pos,
                        "unterminated string: a quoted string cannot span lines (use a heredoc)",
                    ));
                }
                b'\\' if end == TemplateEnd::Quote => {
                    self.escape(&mut lit)?;
                }
                b'$' | b'%' if self.starts("$${") || self.starts("%%{") => {
                    lit.push(c as char);
                    lit.push('{');
                    self.pos += 3;
                }
                b'$' if self.peek_at(1) == Some(b'{') => {
                    if !lit.is_empty() {
                        toks.push(Tok::Lit(std::mem::take(&mut lit)));
                    }
                    let tstart = self.pos;
                    self.pos += 2;
                    let strip_l = self.strip_marker();
                    self.nl_skip.push(true);
                    self.ws();
                    let e = self.expr();
                    self.ws();
                    let strip_r = self.closing_strip_marker();
                    let close = self.expect(b'}', "'}' to close the interpolation");
                    self.nl_skip.pop();
                    let e = e.map_err(|mut err| {
                        if err.span.start as usize >= limit && end == TemplateEnd::Quote {
                            err.span = Span::new(self.file, tstart, tstart + 2);
                            err.message = "unclosed interpolation: expected '}'".into();
                        }
                        err
                    })?;
                    close?;
                    toks.push(Tok::Interp(e, strip_l, strip_r));
                }
                b'%' if self.peek_at(1) == Some(b'{') => {
                    if !lit.is_empty() {
                        toks.push(Tok::Lit(std::mem::take(&mut lit)));
                    }
                    toks.push(self.directive()?);
                }
                _ => {
                    let ch = self.src[self.pos..].chars().next().unwrap_or('\u{fffd}');
                    lit.push(ch);
                    self.pos += ch.len_utf8();
                    if ch == '\n' {
                        toks.push(Tok::Lit(std::mem::take(&mut lit)));
                    }
                }
            }
        }
        if !lit.is_empty() {
            toks.push(Tok::Lit(lit));
        }
        Ok(toks)
    }

    fn strip_marker(&mut self) -> bool {
        if self.peek() == Some(b'~') {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn closing_strip_marker(&mut self) -> bool {
        self.ws();
        if self.peek() == Some(b'~') && self.peek_at(1) == Some(b'}') {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn directive(&mut self) -> PResult<Tok> {
        let start = self.pos;
        self.pos += 2;
        let strip_l = self.strip_marker();
        self.nl_skip.push(true);
        let r = self.directive_body(start, strip_l);
        self.nl_skip.pop();
        r
    }

    fn directive_body(&mut self, start: usize, strip_l: bool) -> PResult<Tok> {
        self.ws();
        let Some((kw, _)) = self.ident() else {
            return Err(self
                .error_here("expected if, else, endif, for or endfor in the template directive"));
        };
        let tok = match kw.as_str() {
            "if" => {
                self.ws();
                let cond = self.expr()?;
                let strip_r = self.closing_strip_marker();
                self.expect(b'}', "'}' to close the directive")?;
                Tok::If(cond, strip_l, strip_r, self.span(start))
            }
            "else" | "endif" | "endfor" => {
                let strip_r = self.closing_strip_marker();
                self.expect(b'}', "'}' to close the directive")?;
                let span = self.span(start);
                match kw.as_str() {
                    "else" => Tok::Else(strip_l, strip_r, span),
                    "endif" => Tok::EndIf(strip_l, strip_r, span),
                    _ => Tok::EndFor(strip_l, strip_r, span),
                }
            }
            "for" => {
                let (k, v, coll) = self.for_head("for directive")?;
                let strip_r = self.closing_strip_marker();
                self.expect(b'}', "'}' to close the directive")?;
                Tok::For(k, v, coll, strip_l, strip_r, self.span(start))
            }
            other => {
                return Err(self.error_at(
                    start,
                    self.pos,
                    format!("unknown template directive {other:?}"),
                ));
            }
        };
        Ok(tok)
    }

    fn escape(&mut self, lit: &mut String) -> PResult<()> {
        let start = self.pos;
        self.pos += 1;
        let Some(c) = self.peek() else {
            return Err(self.error_at(start, self.pos, "unterminated escape sequence"));
        };
        self.pos += 1;
        match c {
            b'n' => lit.push('\n'),
            b'r' => lit.push('\r'),
            b't' => lit.push('\t'),
            b'"' => lit.push('"'),
            b'\\' => lit.push('\\'),
            b'u' | b'U' => {
                let n = if c == b'u' { 4 } else { 8 };
                let hex = self.src.get(self.pos..self.pos + n).unwrap_or("");
                let ch = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
                match ch {
                    Some(ch) if hex.len() == n => {
                        lit.push(ch);
                        self.pos += n;
                    }
                    _ => {
                        return Err(self.error_at(
                            start,
                            self.pos,
                            format!(
                                "invalid \\{} escape: expected {n} hex digits of a valid character",
                                c as char
                            ),
                        ));
                    }
                }
            }
            _ => {
                return Err(self.error_at(start, self.pos, format!(
                    "invalid escape sequence \\{}: use \\n, \\r, \\t, \\\", \\\\, \\uNNNN or \\UNNNNNNNN",
                    self.src[start + 1..].chars().next().unwrap_or(' ')
                )));
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy, PartialEq)]
enum TraversalMode {
    Any,
    /// Inside a legacy `.*` splat: only attribute steps continue it.
    AttrOnly,
    /// Inside a `[*]` splat: attribute and index steps continue it.
    FullSplatEach,
}

fn strip_flags(t: &Tok) -> (bool, bool) {
    match t {
        Tok::Lit(_) => (false, false),
        Tok::Interp(_, l, r) | Tok::If(_, l, r, _) | Tok::Else(l, r, _) | Tok::EndIf(l, r, _) => {
            (*l, *r)
        }
        Tok::For(_, _, _, l, r, _) | Tok::EndFor(l, r, _) => (*l, *r),
    }
}

/// `~` trims whitespace (newlines included) from the literal on that side of the marker.
fn apply_strip_markers(mut toks: Vec<Tok>) -> Vec<Tok> {
    for i in 0..toks.len() {
        let (l, r) = strip_flags(&toks[i]);
        if l && i > 0
            && let Tok::Lit(s) = &mut toks[i - 1]
        {
            let t = s.trim_end().len();
            s.truncate(t);
        }
        if r && i + 1 < toks.len()
            && let Tok::Lit(s) = &mut toks[i + 1]
        {
            *s = s.trim_start().to_string();
        }
    }
    toks.into_iter()
        .filter(|t| !matches!(t, Tok::Lit(s) if s.is_empty()))
        .collect()
}

/// `<<-` heredocs: find the smallest indentation among lines that start with literal text
/// (blank lines aside; a line starting with an interpolation counts as zero) and remove it
/// from those lines. It runs after strip markers, on static text only, as HCL does it.
fn flush_heredoc(toks: &mut [Tok]) {
    let mut min = usize::MAX;
    let mut adjust = Vec::new();
    let mut newline = true;
    for (i, t) in toks.iter().enumerate() {
        if newline {
            newline = false;
            let spaces = match t {
                Tok::Lit(s) => {
                    let trimmed = s.trim_start();
                    if trimmed.is_empty() && s.ends_with('\n') {
                        usize::MAX
                    } else {
                        adjust.push(i);
                        unicode_segmentation::UnicodeSegmentation::graphemes(
                            &s[..s.len() - trimmed.len()],
                            true,
                        )
                        .count()
                    }
                }
                _ => 0,
            };
            min = min.min(spaces);
        }
        if let Tok::Lit(s) = t {
            newline = s.ends_with('\n');
        }
    }
    if min == 0 || min == usize::MAX {
        return;
    }
    for i in adjust {
        if let Tok::Lit(s) = &mut toks[i] {
            let cut: usize = unicode_segmentation::UnicodeSegmentation::graphemes(s.as_str(), true)
                .take(min)
                .map(str::len)
                .sum();
            s.drain(..cut);
        }
    }
}

#[derive(PartialEq)]
enum Closer {
    If,
    For,
}

fn build_template(
    iter: &mut std::iter::Peekable<std::vec::IntoIter<Tok>>,
    closer: Option<Closer>,
) -> PResult<Vec<TemplatePart>> {
    let mut parts = Vec::new();
    while let Some(tok) = iter.peek() {
        match tok {
            Tok::Else(..) | Tok::EndIf(..) if closer == Some(Closer::If) => return Ok(parts),
            Tok::EndFor(..) if closer == Some(Closer::For) => return Ok(parts),
            Tok::Else(..) | Tok::EndIf(..) | Tok::EndFor(..) => return Ok(parts),
            _ => {}
        }
        match iter.next() {
            Some(Tok::Lit(s)) => parts.push(TemplatePart::Literal(s)),
            Some(Tok::Interp(e, ..)) => parts.push(TemplatePart::Interp(e)),
            Some(Tok::If(cond, _, _, span)) => {
                let then = build_template(iter, Some(Closer::If))?;
                let mut otherwise = Vec::new();
                if matches!(iter.peek(), Some(Tok::Else(..))) {
                    iter.next();
                    otherwise = build_template(iter, Some(Closer::If))?;
                }
                match iter.next() {
                    Some(Tok::EndIf(..)) => {}
                    _ => {
                        return Err(ParseError {
                            span,
                            message: "this %{if} has no matching %{endif}".into(),
                        });
                    }
                }
                parts.push(TemplatePart::If {
                    cond,
                    then,
                    otherwise,
                });
            }
            Some(Tok::For(key_var, value_var, collection, _, _, span)) => {
                let body = build_template(iter, Some(Closer::For))?;
                match iter.next() {
                    Some(Tok::EndFor(..)) => {}
                    _ => {
                        return Err(ParseError {
                            span,
                            message: "this %{for} has no matching %{endfor}".into(),
                        });
                    }
                }
                parts.push(TemplatePart::For {
                    key_var,
                    value_var,
                    collection,
                    body,
                });
            }
            _ => unreachable!("closers are handled above"),
        }
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(src: &str) -> Body {
        parse_body(0, src).unwrap_or_else(|e| panic!("{}: {}", e.message, src))
    }

    #[test]
    fn parses_blocks_and_attributes() {
        let b = body(
            "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n  tags = { Name = \"x\" }\n}\n",
        );
        assert_eq!(b.blocks.len(), 1);
        assert_eq!(b.blocks[0].labels, vec!["aws_vpc", "main"]);
        assert!(b.blocks[0].body.attribute("tags").is_some());
    }

    #[test]
    fn single_line_block() {
        let b = body("variable \"x\" { default = 1 }\n");
        assert!(b.blocks[0].body.attribute("default").is_some());
    }

    #[test]
    fn duplicate_argument_is_an_error() {
        let e = parse_body(0, "a = 1\na = 2\n").unwrap_err();
        assert!(e.message.contains("duplicate argument"), "{}", e.message);
    }

    #[test]
    fn object_allows_duplicate_keys_and_newline_separators() {
        let e = parse_expression(0, "{\n a = 1\n a = 2, b = 3\n}").unwrap();
        match e.kind {
            ExprKind::Object(items) => assert_eq!(items.len(), 3),
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn legacy_splat_stops_at_index() {
        let e = parse_expression(0, "a.*.id[0]").unwrap();
        assert!(matches!(e.kind, ExprKind::Index(..)), "{:?}", e.kind);
        let e = parse_expression(0, "a[*].id[0]").unwrap();
        assert!(matches!(e.kind, ExprKind::Splat { .. }), "{:?}", e.kind);
    }

    #[test]
    fn strip_markers_trim_whitespace() {
        let e = parse_expression(0, "\"a  ${~ x ~}  b\"").unwrap();
        let ExprKind::Template(parts) = e.kind else {
            panic!()
        };
        assert!(matches!(&parts[0], TemplatePart::Literal(s) if s == "a"));
        assert!(matches!(&parts[2], TemplatePart::Literal(s) if s == "b"));
    }

    #[test]
    fn heredoc_flush_skips_lines_joined_by_strip_markers() {
        // As in HCL: `~}` removes the newline token, so the next line no longer starts a line
        // and keeps its indentation, while lines that do start with literal text lose four.
        let b =
            body("x = <<-EOT\n    %{ for a in b ~}\n    ${a}\n    %{ endfor ~}\n    done\n  EOT\n");
        let ExprKind::Template(parts) = &b.attributes[0].expr.kind else {
            panic!()
        };
        assert!(
            matches!(parts.last(), Some(TemplatePart::Literal(s)) if s == "    done\n"),
            "{parts:?}"
        );
        let b = body("x = <<-EOT\n    a\n\n      b\n  EOT\n");
        let ExprKind::Template(parts) = &b.attributes[0].expr.kind else {
            panic!()
        };
        let text: String = parts
            .iter()
            .map(|p| match p {
                TemplatePart::Literal(s) => s.as_str(),
                _ => "",
            })
            .collect();
        assert_eq!(text, "a\n\n  b\n");
    }

    #[test]
    fn unterminated_things_are_errors_not_panics() {
        for src in [
            "x = \"abc",
            "x = [1, 2",
            "x = {",
            "resource \"a\" {",
            "x = <<EOT\nabc",
            "x = \"${",
            "x = (",
            "x = a.",
            "x = \"\\u12\"",
        ] {
            assert!(parse_body(0, src).is_err(), "{src}");
        }
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let src = format!("x = {}1{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse_body(0, &src).is_err());
    }
}
