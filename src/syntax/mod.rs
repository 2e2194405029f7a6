//! HCL native syntax: source files, spans, the syntax tree and its parser. This room knows
//! nothing of Terraform's blocks or of values; `config/` and `lang/` give the tree its meaning.

pub mod ast;
pub mod parser;
pub mod refs;
pub mod span;

pub use ast::{Attribute, Block, Body, Expr, ExprKind};
pub use parser::{ParseError, parse_body, parse_expression, parse_template};
pub use span::Span;

/// Whether `s` is an HCL identifier: a letter or underscore, then letters, digits,
/// underscores and dashes.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}
