//! `infra bake`: machine images built from a source image and provisioners, addressed by a
//! fingerprint of their inputs so an unchanged image is never built twice.

pub mod build;
pub mod fingerprint;
pub mod graph_walk;
pub mod inventory;
pub mod journal;
mod provision;
mod shell;
pub mod spec;
mod ssh;
pub mod temporaries;
pub mod user_data;
