//! aws_security_group (inline ingress/egress), aws_security_group_rule, aws_vpc_security_group_ingress_rule, aws_vpc_security_group_egress_rule and aws_key_pair.

use super::Aws;
use crate::provider::Configured;
use std::sync::Arc;

/// The resource types this file serves.
pub const TYPES: &[&str] = &[];

pub fn register(aws: &Arc<Aws>, c: &mut Configured) {
    let _ = (aws, c);
}
