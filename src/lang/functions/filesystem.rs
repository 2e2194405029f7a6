//! filesystem functions.

use super::Function;

pub(super) fn functions() -> Vec<Function> {
    vec![]
}
