//! aws_iam_role, aws_iam_role_policy, aws_iam_role_policy_attachment, aws_iam_instance_profile and the aws_iam_policy_document data source.

use super::Aws;
use crate::provider::Configured;
use std::sync::Arc;

/// The resource types this file serves.
pub const TYPES: &[&str] = &[];

pub fn register(aws: &Arc<Aws>, c: &mut Configured) {
    let _ = (aws, c);
}
