//! Rollouts: replacing a group's instances when what it launches from changes, in batches
//! gated on health, waited for, rolled back on failure, and taken up again after a kill.
//! Driven from infra through the Auto Scaling calls every account (and moto) has, rather than
//! AWS's instance refresh, so what the tests run is what users run (ARCHITECTURE.md says why).
//! `batch.rs` decides each step from one look at the group; `engine.rs` reads, acts and
//! journals; `record.rs` is what the journal keeps. The provider's `Fleet` is the group.

pub mod batch;
pub mod engine;
pub mod record;

pub use engine::{Ended, Env, Journal, Report, run};
pub use record::{Phase, Record};
