//! Canonical formatting, as `terraform fmt` does it: two-space indentation by bracket nesting,
//! one space around operators and after commas, `=` aligned across consecutive assignments.
//! It works on tokens, not on the syntax tree, so comments and string contents stay exactly as
//! written; only the whitespace between tokens changes.

mod lexer;

use lexer::{Tok, TokKind};

/// Formats a file's text. Files that do not tokenise (an unterminated string, say) are
/// returned unchanged with the error, so `fmt` never damages a file.
pub fn format_source(src: &str) -> Result<String, String> {
    let toks = unwrap_interpolation_only(lexer::tokenize(src)?);
    let lines = split_lines(&toks);
    let mut out_lines: Vec<(usize, Vec<String>, Option<String>)> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    for line in &lines {
        if line.is_empty() {
            out_lines.push((0, Vec::new(), None));
            continue;
        }
        let mut net: i64 = 0;
        for t in line.iter() {
            if t.is_opener() {
                net += 1;
            } else if t.is_closer() {
                net -= 1;
            }
        }
        // hclwrite's rule: a line that opens brackets adds one level whatever their number; a
        // line that closes pops as many as it closes, before its own indentation is taken.
        let indent = if net > 0 {
            let at = stack.len();
            stack.push(net as usize);
            at
        } else {
            let mut closing = (-net) as usize;
            while closing > 0 {
                let Some(top) = stack.last_mut() else { break };
                if closing >= *top {
                    closing -= *top;
                    stack.pop();
                } else {
                    *top -= closing;
                    closing = 0;
                }
            }
            stack.len()
        };
        let (mut words, raw_tail) = render_line(line);
        // A value that opens a multi-line bracket stands outside the alignment, as in Terraform.
        if net > 0 && words.len() == 2 {
            words = vec![format!("{} {}", words[0], words[1])];
        }
        out_lines.push((indent, words, raw_tail));
    }
    align_and_join(out_lines)
}

/// `x = "${var.x}"` becomes `x = var.x`, as `terraform fmt` does for a value that is only an
/// interpolation; strings inside larger expressions, or with strip markers, stay as written.
fn unwrap_interpolation_only(toks: Vec<Tok>) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
    for (i, t) in toks.iter().enumerate() {
        let after_equals = out
            .last()
            .is_some_and(|p| p.kind == TokKind::Punct && p.text == "=");
        let ends_line = toks
            .get(i + 1)
            .is_none_or(|n| matches!(n.kind, TokKind::Newline | TokKind::Comment));
        if after_equals
            && ends_line
            && let Some(inner) = single_interpolation(t).and_then(|s| lexer::tokenize(s).ok())
            && !inner.is_empty()
            && inner
                .iter()
                .all(|x| !matches!(x.kind, TokKind::Newline | TokKind::Comment))
        {
            out.extend(inner);
            continue;
        }
        out.push(t.clone());
    }
    out
}

fn single_interpolation(t: &Tok) -> Option<&str> {
    if t.kind != TokKind::Str || !t.text.starts_with("\"${") || t.text.starts_with("\"${~") {
        return None;
    }
    let b = t.text.as_bytes();
    let end = lexer::scan_template_expr(b, 3).ok()?;
    // The interpolation must close right before the final quote, without a strip marker.
    if end + 1 != b.len() || b[end - 2] == b'~' {
        return None;
    }
    Some(&t.text[3..end - 1])
}

/// Lines of tokens; a heredoc ends its line (its body follows verbatim).
fn split_lines(toks: &[Tok]) -> Vec<Vec<&Tok>> {
    let mut lines = vec![Vec::new()];
    for t in toks {
        match t.kind {
            TokKind::Newline => lines.push(Vec::new()),
            _ => {
                if let Some(l) = lines.last_mut() {
                    l.push(t);
                }
                // The heredoc's body and end marker took the rest of this line.
                if t.kind == TokKind::Heredoc {
                    lines.push(Vec::new());
                }
            }
        }
    }
    // Blank lines, and whether the file ends with a newline, are kept as written.
    lines
}

/// The line's tokens with the spaces they need before them, as words (`"key"`, `"= value"`)
/// split at the first `=` so the caller can align it; a heredoc body is the raw tail.
fn render_line(line: &[&Tok]) -> (Vec<String>, Option<String>) {
    let mut text = String::new();
    let mut tail = None;
    let mut split_at = None;
    for (i, t) in line.iter().enumerate() {
        if i > 0 && needs_space(line[i - 1], t, line.get(i.wrapping_sub(2)).copied()) {
            text.push(' ');
        }
        if i == 1 && t.text == "=" && matches!(line[0].kind, TokKind::Ident | TokKind::Str) {
            split_at = Some(text.len());
        }
        match t.kind {
            TokKind::Heredoc => {
                // `<<EOT` stays on this line; the body and end marker follow as written.
                let (head, body) = t.text.split_once('\n').unwrap_or((&t.text, ""));
                text.push_str(head);
                let mut body = body.to_string();
                if !body.ends_with('\n') {
                    body.push('\n');
                }
                tail = Some(body);
            }
            _ => text.push_str(&t.text),
        }
    }
    match split_at {
        Some(at) => {
            let (key, rest) = text.split_at(at);
            (
                vec![key.trim_end().to_string(), rest.trim_start().to_string()],
                tail,
            )
        }
        None => (vec![text], tail),
    }
}

fn value_end(t: &Tok) -> bool {
    matches!(
        t.kind,
        TokKind::Ident | TokKind::Number | TokKind::Str | TokKind::Heredoc
    ) || matches!(t.text.as_str(), ")" | "]" | "}")
}

fn needs_space(prev: &Tok, next: &Tok, before_prev: Option<&Tok>) -> bool {
    let p = prev.text.as_str();
    let n = next.text.as_str();
    if next.kind == TokKind::Comment || p == "," {
        return true;
    }
    if matches!(n, "," | ")" | "]" | "..." | "." | "::") || matches!(p, "(" | "[" | "." | "::") {
        return false;
    }
    if p == "{" && n == "}" {
        return false;
    }
    let keyword =
        |t: &Tok| t.kind == TokKind::Ident && matches!(t.text.as_str(), "if" | "in" | "for");
    // Unary minus and not bind to their operand.
    if p == "!" || (p == "-" && !before_prev.is_some_and(|t| value_end(t) && !keyword(t))) {
        return false;
    }
    if n == "(" {
        return prev.kind != TokKind::Ident || keyword(prev);
    }
    if n == "[" {
        return !value_end(prev) || keyword(prev);
    }
    if n == "*" && p == "[" {
        return false;
    }
    true
}

/// Aligns `=` across runs of consecutive assignment lines at the same indentation.
fn align_and_join(lines: Vec<(usize, Vec<String>, Option<String>)>) -> Result<String, String> {
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        let (indent, words, _) = &lines[i];
        if words.len() == 2 {
            let mut j = i;
            while j < lines.len()
                && lines[j].1.len() == 2
                && lines[j].0 == *indent
                && (j == i || lines[j - 1].2.is_none())
            {
                j += 1;
            }
            let width = lines[i..j]
                .iter()
                .map(|l| l.1[0].chars().count())
                .max()
                .unwrap_or(0);
            for (ind, w, tail) in &lines[i..j] {
                let pad = width - w[0].chars().count();
                out.push_str(&format!(
                    "{}{}{} {}\n",
                    "  ".repeat(*ind),
                    w[0],
                    " ".repeat(pad),
                    w[1]
                ));
                if let Some(t) = tail {
                    out.push_str(t);
                }
            }
            i = j;
            continue;
        }
        let text = words.join(" ");
        if text.is_empty() {
            out.push('\n');
        } else {
            out.push_str(&format!("{}{}\n", "  ".repeat(*indent), text));
        }
        if let Some(t) = &lines[i].2 {
            out.push_str(t);
        }
        i += 1;
    }
    // Every line was written with a newline; the last line of the file has none of its own.
    out.pop();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::format_source;

    fn f(s: &str) -> String {
        format_source(s).unwrap()
    }

    #[test]
    fn indents_and_aligns() {
        let src =
            "resource \"a\" \"b\" {\nx=1\nlonger_name   =  \"v\"\n\ntags={\nName=\"n\"\n}\n}\n";
        assert_eq!(
            f(src),
            "resource \"a\" \"b\" {\n  x           = 1\n  longer_name = \"v\"\n\n  tags = {\n    Name = \"n\"\n  }\n}\n"
        );
    }

    #[test]
    fn spacing_of_operators_calls_and_indexes() {
        assert_eq!(f("a = f( x,y )[0] + -1\n"), "a = f(x, y)[0] + -1\n");
        assert_eq!(
            f("a = [for s in var.x: s.id if !s.skip]\n"),
            "a = [for s in var.x : s.id if !s.skip]\n"
        );
        assert_eq!(f("a = var.list[*].id\n"), "a = var.list[*].id\n");
        assert_eq!(f("a = {}\n"), "a = {}\n");
    }

    #[test]
    fn keeps_comments_strings_and_heredocs() {
        let src =
            "# top\nx = \"a  ${ b }  c\" // trailing\ny = <<-EOT\n    keep   this\n  EOT\nz=2\n";
        assert_eq!(
            f(src),
            "# top\nx = \"a  ${ b }  c\" // trailing\ny = <<-EOT\n    keep   this\n  EOT\nz = 2\n"
        );
    }

    #[test]
    fn idempotent() {
        let src = "locals {\n  a = merge(var.tags, {\n    Name = \"x\"\n  })\n  b = [\n    1,\n    2,\n  ]\n}\n";
        assert_eq!(f(src), src);
        assert_eq!(f(&f(src)), src);
    }
}
