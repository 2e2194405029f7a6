//! State: the model (Terraform's format version 4), the backends that keep it (a local file
//! with atomic writes, or S3 with conditional writes), locks, the journal, and workspaces.
//! Knows nothing of HCL.

pub mod backend;
pub mod file;
pub mod journal;
pub mod lock;
pub mod model;
pub mod moves;
pub mod store;
pub mod workdir;

pub use file::StateFile;
pub use lock::StateLock;
pub use model::{InstanceState, OutputState, ResourceState, State};
