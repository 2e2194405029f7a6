//! the data sources aws_ami, aws_availability_zones, aws_vpc, aws_subnets, aws_region, aws_caller_identity and aws_ssm_parameter.

use super::Aws;
use crate::provider::Configured;
use std::sync::Arc;

/// The resource types this file serves.
pub const TYPES: &[&str] = &[];

pub fn register(aws: &Arc<Aws>, c: &mut Configured) {
    let _ = (aws, c);
}
