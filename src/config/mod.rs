//! Configuration: loading `.tf` files and local modules into a typed model with source spans.
//! It knows nothing of AWS or state; expressions stay unevaluated until `evaluate/` runs them.

pub mod json;
pub mod load;
pub mod model;
pub mod overrides;
pub mod tfvars;

pub use load::{load_module, load_module_from_str};
pub use model::*;
