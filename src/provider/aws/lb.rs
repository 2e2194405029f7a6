//! aws_lb, aws_lb_target_group, aws_lb_listener and the classic aws_elb.

use super::Aws;
use crate::provider::Configured;
use std::sync::Arc;

/// The resource types this file serves.
pub const TYPES: &[&str] = &[];

pub fn register(aws: &Arc<Aws>, c: &mut Configured) {
    let _ = (aws, c);
}
