//! Elastic Load Balancing v2: application and network load balancers, target groups,
//! listeners and their rules.

pub mod actions;
pub mod common;
pub mod lb;
pub mod lb_options;
pub mod listener;
pub mod listener_rule;
pub mod rule_transform;
pub mod target_group;
pub mod target_group_attachment;
