//! The language: values (with unknown and sensitive), types and conversions, expression
//! evaluation and the function library. It knows nothing of files on disk beyond what the
//! filesystem functions read, and nothing of AWS.

pub mod convert;
pub mod display;
pub mod duration;
pub mod escape;
pub mod eval;
pub mod functions;
pub mod marks;
pub mod number;
pub mod typeexpr;
pub mod types;
pub mod value;

pub use eval::{Evaluator, MapScope, Scope};
pub use types::Type;
pub use value::Value;
