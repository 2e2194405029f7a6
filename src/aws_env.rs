//! What the AWS SDK needs from the environment, said once and plainly: when no credentials can
//! be loaded, one short message naming what was tried and how to fix it, instead of the SDK's
//! debug structure repeated for every API call. The provider and the S3 backend both use it.

/// The message for credentials that could not be loaded; `who` names the provider
/// configuration or backend, `error` is the SDK's reason.
pub fn missing_credentials(who: &str, error: &dyn std::fmt::Display) -> String {
    let reason = error.to_string();
    let reason = reason
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("the credential provider was not enabled: ")
        .trim_end_matches(". Attempted:")
        .to_string();
    let profile = std::env::var("AWS_PROFILE")
        .map(|p| format!("profile {p:?}"))
        .unwrap_or_else(|_| "the default profile".into());
    format!(
        "{who}: no AWS credentials ({reason}). Tried, in order: the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), {profile} in ~/.aws/credentials and ~/.aws/config (SSO included), web identity (AWS_WEB_IDENTITY_TOKEN_FILE), the ECS container endpoint, and EC2 instance metadata. To fix: export AWS_PROFILE=NAME (after `aws sso login --profile NAME` for SSO, or when the session expired), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; or set profile, or access_key and secret_key, in the configuration."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_is_one_paragraph_naming_every_source_and_a_fix() {
        let sdk = "the credential provider was not enabled: no credentials found in chain. Attempted:\n  Environment: the credential provider was not enabled: environment variable not set (DispatchFailure(...))";
        let m = missing_credentials("provider[\"registry.terraform.io/hashicorp/aws\"]", &sdk);
        assert!(!m.contains('\n') && !m.contains("DispatchFailure"), "{m}");
        assert!(m.contains("(no credentials found in chain)"), "{m}");
        for source in [
            "environment",
            "SSO",
            "web identity",
            "ECS",
            "instance metadata",
            "AWS_PROFILE=",
        ] {
            assert!(m.contains(source), "{source}: {m}");
        }
    }
}
