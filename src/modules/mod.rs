//! The module installer: module call sources (local paths, git, HTTP archives, registry
//! modules) read as Terraform reads them, installed by `infra init` into `.infra/modules/`,
//! and recorded in a manifest the loader reads. Nothing here evaluates a configuration.

pub mod fetch;
pub mod install;
pub mod manifest;
pub mod registry;
pub mod source;
pub mod version;

pub use install::{Event, install};
pub use manifest::{Manifest, Record};
pub use source::Source;
