//! Where a command's run is assembled from the rooms: the provider registry of a configuration
//! and its state (`providers.rs`, which evaluates provider blocks and configures each provider),
//! and the data source that reads another stack's state (`remote_state.rs`). It may know every
//! room below it; `provider/` stays a pure interface and its implementations.

pub mod providers;
pub mod remote_state;
