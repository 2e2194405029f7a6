//! Diagnostics: what went wrong, where (file, line, column, with the source line and a marker),
//! and what to do next. Every room reports through this type; only `cli/` prints it.

use crate::syntax::span::{self, Span};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub span: Option<Span>,
    /// Further places worth showing (the other end of a duplicate, each member of a cycle).
    pub related: Vec<(Span, String)>,
}

pub type DiagResult<T> = Result<T, Diagnostic>;

static NOTICES: std::sync::Mutex<Vec<Diagnostic>> = std::sync::Mutex::new(Vec::new());

/// Tells the person running the command something from where nothing can be returned (a
/// `Drop`, a lock released along the way). Only `cli/` prints: it takes the notices with
/// [`take_notices`] when it can show them.
pub fn notify(d: Diagnostic) {
    NOTICES.lock().unwrap_or_else(|p| p.into_inner()).push(d);
}

/// The notices not shown yet.
pub fn take_notices() -> Vec<Diagnostic> {
    std::mem::take(&mut *NOTICES.lock().unwrap_or_else(|p| p.into_inner()))
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>, detail: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            span: (!span.is_dummy()).then_some(span),
            related: Vec::new(),
        }
    }

    /// An error with no source location (a missing directory, a bad flag).
    pub fn plain(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            span: None,
            related: Vec::new(),
        }
    }

    /// A warning with no source location.
    pub fn plain_warning(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::plain(summary, detail)
        }
    }

    pub fn warning(
        summary: impl Into<String>,
        detail: impl Into<String>,
        span: Span,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(summary, detail, span)
        }
    }

    pub fn with_related(mut self, span: Span, note: impl Into<String>) -> Diagnostic {
        self.related.push((span, note.into()));
        self
    }

    /// Gives a span to a diagnostic raised without one (e.g. inside a function).
    pub fn or_span(mut self, span: Span) -> Diagnostic {
        if self.span.is_none() && !span.is_dummy() {
            self.span = Some(span);
        }
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:col`, or an empty string.
    pub fn location(&self) -> String {
        self.span.map(span::location).unwrap_or_default()
    }

    /// The human rendering: a header, the location, the source line with a marker, the detail.
    /// Secrets the run has seen are taken out of the summary and detail (an API error may echo
    /// a parameter).
    pub fn render(&self, color: bool) -> String {
        let summary = crate::redact::text(&self.summary);
        let detail = crate::redact::text(&self.detail);
        let (label, code) = match self.severity {
            Severity::Error => ("error", "\x1b[1;31m"),
            Severity::Warning => ("warning", "\x1b[1;33m"),
        };
        let mut out = String::new();
        if color {
            out.push_str(&format!("{code}{label}\x1b[0m\x1b[1m: {summary}\x1b[0m\n"));
        } else {
            out.push_str(&format!("{label}: {summary}\n"));
        }
        if let Some(s) = self.span {
            out.push_str(&snippet(s, "", color));
        }
        for (s, note) in &self.related {
            out.push_str(&snippet(*s, note, color));
        }
        if !detail.is_empty() {
            out.push('\n');
            for line in detail.lines() {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }

    pub fn to_json(&self) -> serde_json::Value {
        let range = self.span.and_then(|s| {
            let f = span::file(s.file)?;
            let (sl, sc) = f.line_col(s.start as usize);
            let (el, ec) = f.line_col(s.end as usize);
            Some(serde_json::json!({
                "filename": f.path.display().to_string(),
                "start": {"line": sl, "column": sc, "byte": s.start},
                "end": {"line": el, "column": ec, "byte": s.end},
            }))
        });
        serde_json::json!({
            "severity": match self.severity { Severity::Error => "error", Severity::Warning => "warning" },
            "summary": crate::redact::text(&self.summary),
            "detail": crate::redact::text(&self.detail),
            "range": range,
        })
    }
}

fn snippet(s: Span, note: &str, color: bool) -> String {
    let Some(f) = span::file(s.file) else {
        return String::new();
    };
    let (line, col) = f.line_col(s.start as usize);
    let (end_line, end_col) = f.line_col(s.end as usize);
    let text = f.line_text(line);
    let width = line.to_string().len();
    let pad = " ".repeat(width);
    let len = if end_line == line {
        end_col.saturating_sub(col).max(1)
    } else {
        text.chars().count().saturating_sub(col - 1).max(1)
    };
    let marker_pad: String = text
        .chars()
        .take(col - 1)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let (blue, reset) = if color {
        ("\x1b[1;34m", "\x1b[0m")
    } else {
        ("", "")
    };
    let mut out = format!("{pad}{blue}-->{reset} {}:{line}:{col}\n", f.path.display());
    out.push_str(&format!("{pad} {blue}|{reset}\n"));
    out.push_str(&format!("{blue}{line}{reset} {blue}|{reset} {text}\n"));
    out.push_str(&format!(
        "{pad} {blue}|{reset} {marker_pad}{}",
        "^".repeat(len)
    ));
    if !note.is_empty() {
        out.push(' ');
        out.push_str(note);
    }
    out.push('\n');
    out
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let loc = self.location();
        if loc.is_empty() {
            write!(f, "{}", self.summary)?;
        } else {
            write!(f, "{loc}: {}", self.summary)?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// The closest candidate by edit distance, for "did you mean" hints.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (levenshtein(name, c), c))
        .filter(|(d, c)| *d <= (name.len().max(c.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names() {
        assert_eq!(
            did_you_mean("lenght", ["length", "lower", "join"]),
            Some("length")
        );
        assert_eq!(did_you_mean("zzzzzz", ["length"]), None);
    }

    #[test]
    fn renders_location_and_marker() {
        let id = span::add_file(std::path::Path::new("main.tf"), "a = 1\nb = foo(2)\n");
        let d = Diagnostic::error(
            "Call to unknown function",
            "There is no function named \"foo\".",
            Span::new(id, 10, 13),
        );
        let r = d.render(false);
        assert!(r.contains("main.tf:2:5"), "{r}");
        assert!(r.contains("b = foo(2)"), "{r}");
        assert!(r.contains("    ^^^"), "{r}");
    }
}
