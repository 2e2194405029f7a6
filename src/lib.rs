//! `infra`: a declarative infrastructure provisioner and image baker that reads Terraform's
//! dialect of HCL. See ARCHITECTURE.md for the map of the rooms below.

pub mod addrs;
pub mod apply;
pub mod aws_env;
pub mod bake;
pub mod cli;
pub mod cloudinit;
pub mod config;
pub mod diag;
pub mod evaluate;
pub mod fmt;
pub mod graph;
pub mod instance;
pub mod lang;
pub mod modules;
pub mod plan;
pub mod provider;
pub mod redact;
pub mod rollout;
pub mod run;
pub mod sources;
pub mod state;
pub mod syntax;
