//! EC2 Auto Scaling: groups, launch configurations, attachments.

pub mod activities;
pub mod attachment;
pub mod group;
pub mod group_child;
pub mod group_fleet;
pub mod group_mixed;
pub mod group_options;
pub mod group_sync;
pub mod group_table;
pub mod group_tags;
pub mod launch_configuration;
pub mod lifecycle_hook;
pub mod metric_query;
pub mod policy;
pub mod predictive;
pub mod schedule;
