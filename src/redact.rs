//! The last line of defence for secrets in text: every sensitive string the run has seen is
//! registered here, and free text that leaves the process without going through a value's
//! marks (log lines, API error messages, progress lines) has them replaced by
//! `(sensitive value)`. Values themselves are hidden by their marks; this catches what the
//! cloud echoes back and what the SDK logs.
//!
//! Process-wide because logging is: the tracing writer (in `main.rs`) has no other way to learn the run's
//! secrets. Strings shorter than [`MIN_REDACTED`] are not redacted from free text (a sensitive
//! `true` or `80` would blank out every line that mentions them); values still hide them.

use std::borrow::Cow;
use std::sync::RwLock;

/// Shortest secret replaced in free text.
pub const MIN_REDACTED: usize = 4;

pub const REPLACEMENT: &str = "(sensitive value)";

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Remembers secrets for redaction (longest first, so a secret that contains another is
/// replaced whole).
pub fn register(secrets: &[String]) {
    let fresh: Vec<&String> = {
        let known = SECRETS.read().unwrap_or_else(|p| p.into_inner());
        secrets
            .iter()
            .filter(|s| s.len() >= MIN_REDACTED && !known.contains(s))
            .collect()
    };
    if fresh.is_empty() {
        return;
    }
    let mut known = SECRETS.write().unwrap_or_else(|p| p.into_inner());
    for s in fresh {
        if !known.contains(s) {
            known.push(s.clone());
        }
    }
    known.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// `text` with every registered secret replaced.
pub fn text(text: &str) -> Cow<'_, str> {
    let known = SECRETS.read().unwrap_or_else(|p| p.into_inner());
    if !known.iter().any(|s| text.contains(s.as_str())) {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_string();
    for s in known.iter() {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), REPLACEMENT);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_are_replaced_and_short_ones_left() {
        register(&[
            "redact-me-please".to_string(),
            "redact-me".to_string(),
            "on".to_string(),
        ]);
        assert_eq!(
            text("a redact-me-please b redact-me c on"),
            "a (sensitive value) b (sensitive value) c on"
        );
        assert!(matches!(text("nothing here"), Cow::Borrowed(_)));
    }
}
