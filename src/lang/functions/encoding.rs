//! encoding functions.

use super::Function;

pub(super) fn functions() -> Vec<Function> {
    vec![]
}

/// Terraform's `jsonencode` text of a value.
pub(crate) fn json_text(v: &crate::lang::value::Value) -> String {
    v.to_json().to_string()
}
