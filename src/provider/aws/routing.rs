//! aws_internet_gateway, aws_eip, aws_nat_gateway, aws_route_table, aws_route and aws_route_table_association.

use super::Aws;
use crate::provider::Configured;
use std::sync::Arc;

/// The resource types this file serves.
pub const TYPES: &[&str] = &[];

pub fn register(aws: &Arc<Aws>, c: &mut Configured) {
    let _ = (aws, c);
}
