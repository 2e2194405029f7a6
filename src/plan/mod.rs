//! Planning: diffing what the configuration asks for against the prior state into actions
//! (create, update, replace, delete, read, no-op), the plan file, and rendering for people and
//! for tools. It decides; `apply/` executes.

pub mod config_json;
pub mod file;
pub mod json;
pub mod model;
pub mod planner;
pub mod render;
pub mod rollouts;
pub mod run;
pub mod schema_check;

pub use model::{Action, OutputChange, Plan, ResourceChange};
