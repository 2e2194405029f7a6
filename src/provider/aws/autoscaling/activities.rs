//! A group's scaling activities, read while waiting for its capacity: a launch AWS gave up on
//! (a bad instance type, a missing profile, a quota) fails the wait at once with AWS's reason
//! instead of at the timeout, unless `ignore_failed_scaling_activities` says to wait on.

use crate::provider::ProviderResult;
use crate::provider::aws::Aws;
use crate::provider::aws::sdk::err;
use aws_sdk_autoscaling::types::{Activity, ScalingActivityStatusCode};
use std::time::SystemTime;

/// The first activity that failed at or after `since`, as "description: reason".
fn first_failure(activities: &[Activity], since: SystemTime) -> Option<String> {
    let since_secs = since
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    activities
        .iter()
        .filter(|a| a.status_code() == Some(&ScalingActivityStatusCode::Failed))
        .filter(|a| a.start_time().is_some_and(|t| t.secs() >= since_secs))
        .map(|a| {
            format!(
                "{}: {}",
                a.description().unwrap_or("scaling activity"),
                a.status_message().unwrap_or("failed")
            )
        })
        .next()
}

/// The first scaling activity of the group that failed since the wait began.
pub async fn failed_since(
    aws: &Aws,
    group: &str,
    since: SystemTime,
) -> ProviderResult<Option<String>> {
    let out = aws
        .autoscaling
        .describe_scaling_activities()
        .auto_scaling_group_name(group)
        .send()
        .await
        .map_err(err("autoscaling:DescribeScalingActivities"))?;
    Ok(first_failure(out.activities(), since))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_types::DateTime;
    use std::time::Duration;

    fn activity(status: ScalingActivityStatusCode, at: i64, message: &str) -> Activity {
        Activity::builder()
            .activity_id("a")
            .auto_scaling_group_name("g")
            .cause("c")
            .description("Launching a new EC2 instance")
            .status_code(status)
            .status_message(message)
            .start_time(DateTime::from_secs(at))
            .build()
    }

    #[test]
    fn only_failures_since_the_wait_began_count() {
        let since = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let old = activity(ScalingActivityStatusCode::Failed, 900, "an earlier apply's");
        let ok = activity(ScalingActivityStatusCode::Successful, 1_010, "");
        assert_eq!(first_failure(&[old.clone(), ok.clone()], since), None);
        let bad = activity(
            ScalingActivityStatusCode::Failed,
            1_020,
            "The instance type t9.huge is not supported",
        );
        assert_eq!(
            first_failure(&[old, ok, bad], since).as_deref(),
            Some("Launching a new EC2 instance: The instance type t9.huge is not supported")
        );
    }
}
