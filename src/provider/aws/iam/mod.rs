//! IAM: roles, their policies, managed policies, instance profiles, and the policy document data source.

pub mod common;
pub mod instance_profile;
pub mod policy;
pub mod policy_attachment;
pub mod policy_document;
pub mod policy_json;
pub mod role;
pub mod role_exclusive;
pub mod role_policy;
pub mod role_policy_attachment;
