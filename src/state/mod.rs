//! State: the model (Terraform's format version 4), its file (atomic writes, backups, lineage
//! and serial checks) and its lock. Knows nothing of HCL.

pub mod file;
pub mod journal;
pub mod lock;
pub mod model;
pub mod moves;
pub mod store;

pub use file::StateFile;
pub use lock::StateLock;
pub use model::{InstanceState, OutputState, ResourceState, State};
