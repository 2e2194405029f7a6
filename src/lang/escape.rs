//! Strings quoted the ways Terraform's output needs: as its plan shows them, as Go's `%q`
//! writes them (function messages, `format("%q")`), and as Go's `encoding/json` writes them
//! (`jsonencode`, the AWS provider's policy documents). One match, so the styles differ only
//! where Go and Terraform differ.

use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Terraform's plan: quotes, backslashes and line breaks escaped; a plan is not source, so
    /// `${` stays as it is.
    Plan,
    /// Go's `%q`: its short escapes, `\xNN` for the other control characters.
    GoQuote,
    /// Go's `encoding/json`: `\uNNNN` for control characters, and for the characters that
    /// are unsafe inside HTML and JavaScript.
    GoJson,
}

/// `s` in double quotes, escaped in `style`.
pub fn quoted(s: &str, style: Style) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_quoted(&mut out, s, style);
    out
}

/// Appends `s` in double quotes, escaped in `style`.
pub fn write_quoted(out: &mut String, s: &str, style: Style) {
    use Style::*;
    out.push('"');
    for c in s.chars() {
        let short = match (c, style) {
            ('"', _) => "\\\"",
            ('\\', _) => "\\\\",
            ('\n', _) => "\\n",
            ('\r', _) => "\\r",
            ('\t', _) => "\\t",
            ('\u{7}', GoQuote) => "\\a",
            ('\u{8}', GoQuote | GoJson) => "\\b",
            ('\u{c}', GoQuote | GoJson) => "\\f",
            ('\u{b}', GoQuote) => "\\v",
            (c, GoQuote) if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
                continue;
            }
            ('<' | '>' | '&' | '\u{2028}' | '\u{2029}', GoJson) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
                continue;
            }
            (c, GoJson) if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
                continue;
            }
            (c, _) => {
                out.push(c);
                continue;
            }
        };
        out.push_str(short);
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_style_escapes_as_its_model_does() {
        let s = "a\"b\\c\nd\u{7}e\u{8}f<g>&${h}\u{1}";
        assert_eq!(
            quoted(s, Style::Plan),
            "\"a\\\"b\\\\c\\nd\u{7}e\u{8}f<g>&${h}\u{1}\""
        );
        assert_eq!(
            quoted(s, Style::GoQuote),
            "\"a\\\"b\\\\c\\nd\\ae\\bf<g>&${h}\\x01\""
        );
        assert_eq!(
            quoted(s, Style::GoJson),
            "\"a\\\"b\\\\c\\nd\\u0007e\\bf\\u003cg\\u003e\\u0026${h}\\u0001\""
        );
    }
}
