//! HCL native syntax: source files, spans, the syntax tree and its parser. This room knows
//! nothing of Terraform's blocks or of values; `config/` and `lang/` give the tree its meaning.

pub mod ast;
pub mod parser;
pub mod refs;
pub mod span;

pub use ast::{Attribute, Block, Body, Expr, ExprKind};
pub use parser::{ParseError, parse_body, parse_expression, parse_template};
pub use span::Span;
