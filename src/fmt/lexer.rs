//! Tokens for the formatter: strings and heredocs are single opaque tokens (their insides are
//! never reformatted), comments are kept, newlines are tokens.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokKind {
    Ident,
    Number,
    Str,
    /// From `<<` through the end-marker line and its newline.
    Heredoc,
    Comment,
    Punct,
    Newline,
}

#[derive(Debug, Clone)]
pub struct Tok {
    pub kind: TokKind,
    pub text: String,
}

impl Tok {
    pub fn is_opener(&self) -> bool {
        self.kind == TokKind::Punct && matches!(self.text.as_str(), "{" | "[" | "(")
    }

    pub fn is_closer(&self) -> bool {
        self.kind == TokKind::Punct && matches!(self.text.as_str(), "}" | "]" | ")")
    }
}

const PUNCT2: [&str; 8] = ["==", "!=", "<=", ">=", "&&", "||", "=>", "::"];

pub fn tokenize(src: &str) -> Result<Vec<Tok>, String> {
    let b = src.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    let push = |toks: &mut Vec<Tok>, kind, text: &str| {
        toks.push(Tok {
            kind,
            text: text.to_string(),
        })
    };
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\n' => {
                push(&mut toks, TokKind::Newline, "\n");
                i += 1;
            }
            b'#' => {
                let end = src[i..].find('\n').map_or(b.len(), |e| i + e);
                push(&mut toks, TokKind::Comment, src[i..end].trim_end());
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = src[i..].find('\n').map_or(b.len(), |e| i + e);
                push(&mut toks, TokKind::Comment, src[i..end].trim_end());
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = src[i + 2..]
                    .find("*/")
                    .map(|e| i + 2 + e + 2)
                    .ok_or("unterminated block comment")?;
                push(&mut toks, TokKind::Comment, &src[i..end]);
                i = end;
            }
            b'"' => {
                let end = scan_string(b, i)?;
                push(&mut toks, TokKind::Str, &src[i..end]);
                i = end;
            }
            b'<' if b.get(i + 1) == Some(&b'<')
                && b.get(i + 2)
                    .is_some_and(|c| *c == b'-' || c.is_ascii_alphabetic()) =>
            {
                let end = scan_heredoc(src, i)?;
                push(&mut toks, TokKind::Heredoc, &src[i..end]);
                i = end;
            }
            b'0'..=b'9' => {
                let start = i;
                while i < b.len()
                    && (b[i].is_ascii_digit()
                        || b[i] == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
                {
                    i += 1;
                }
                if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
                    let save = i;
                    i += 1;
                    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
                        i += 1;
                    }
                    if i < b.len() && b[i].is_ascii_digit() {
                        while i < b.len() && b[i].is_ascii_digit() {
                            i += 1;
                        }
                    } else {
                        i = save;
                    }
                }
                push(&mut toks, TokKind::Number, &src[start..i]);
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                let start = i;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric()
                        || b[i] == b'_'
                        || b[i] == b'-'
                        || b[i] >= 0x80)
                {
                    i += 1;
                }
                while !src.is_char_boundary(i) {
                    i += 1;
                }
                push(&mut toks, TokKind::Ident, &src[start..i]);
            }
            _ => {
                if src[i..].starts_with("...") {
                    push(&mut toks, TokKind::Punct, "...");
                    i += 3;
                } else if let Some(p) = PUNCT2.iter().find(|p| src[i..].starts_with(**p)) {
                    push(&mut toks, TokKind::Punct, p);
                    i += 2;
                } else {
                    let ch = src[i..].chars().next().unwrap_or(' ');
                    push(&mut toks, TokKind::Punct, &ch.to_string());
                    i += ch.len_utf8();
                }
            }
        }
    }
    Ok(toks)
}

/// The end (exclusive) of the quoted string starting at `start`, skipping nested templates.
fn scan_string(b: &[u8], start: usize) -> Result<usize, String> {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Ok(i + 1),
            b'\n' => return Err("unterminated string".into()),
            b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
                if i > 0 && b[i - 1] == b[i] {
                    i += 2;
                    continue;
                }
                i = scan_template_expr(b, i + 2)?;
            }
            _ => i += 1,
        }
    }
    Err("unterminated string".into())
}

/// Skips an interpolation's expression to just past its closing brace.
pub(super) fn scan_template_expr(b: &[u8], mut i: usize) -> Result<usize, String> {
    let mut depth = 0;
    while i < b.len() {
        match b[i] {
            b'"' => i = scan_string(b, i)?,
            b'{' => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Ok(i + 1),
            b'}' => {
                depth -= 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    Err("unterminated interpolation".into())
}

fn scan_heredoc(src: &str, start: usize) -> Result<usize, String> {
    let rest = &src[start + 2..];
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let marker: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let line_end = src[start..]
        .find('\n')
        .map(|e| start + e + 1)
        .ok_or("unterminated heredoc")?;
    let mut pos = line_end;
    while pos <= src.len() {
        let end = src[pos..].find('\n').map_or(src.len(), |e| pos + e);
        if src[pos..end].trim() == marker {
            return Ok(if end < src.len() { end + 1 } else { end });
        }
        if end >= src.len() {
            break;
        }
        pos = end + 1;
    }
    Err(format!("unterminated heredoc {marker}"))
}
