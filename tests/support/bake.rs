//! What the bake tests share: an AMI moto knows, the images a bake made, and the check that a
//! bake left no temporary object behind.

use super::{Work, runtime};
use aws_sdk_ec2::types::Filter;

/// An AMI moto knows in the test's region (moto validates AMI ids).
pub fn moto_ami(w: &Work) -> String {
    runtime()
        .block_on(w.ec2().describe_images().owners("amazon").send())
        .unwrap()
        .images()
        .iter()
        .find_map(|i| i.image_id().map(str::to_string))
        .expect("moto has Amazon images")
}

fn tag_key(key: &str) -> Filter {
    Filter::builder().name("tag-key").values(key).build()
}

/// Images owned by the test account carrying a fingerprint: (id, fingerprint).
pub fn baked_images(ec2: &aws_sdk_ec2::Client) -> Vec<(String, String)> {
    runtime()
        .block_on(
            ec2.describe_images()
                .owners("self")
                .filters(tag_key("infra:fingerprint"))
                .send(),
        )
        .unwrap()
        .images()
        .iter()
        .map(|i| {
            let fp = i
                .tags()
                .iter()
                .find(|t| t.key() == Some("infra:fingerprint"))
                .and_then(|t| t.value())
                .unwrap_or_default();
            (i.image_id().unwrap().to_string(), fp.to_string())
        })
        .collect()
}

/// Nothing temporary left: no builder that is not terminated, no temporary key pair or
/// security group, no journal entry.
pub fn assert_no_leftovers(w: &Work) {
    let (builders, keys, groups) = temporary_objects(w);
    assert_eq!(builders, 0, "builders left running");
    assert_eq!(keys, 0, "temporary key pairs left");
    assert_eq!(groups, 0, "temporary security groups left");
    assert!(!w.path().join("infra.tfstate.bake.json").exists());
}

/// How many temporary objects exist: (builders not terminated, key pairs, security groups).
pub fn temporary_objects(w: &Work) -> (usize, usize, usize) {
    let ec2 = w.ec2();
    let rt = runtime();
    let temp = || tag_key("infra:bake-temp");
    let builders = rt
        .block_on(ec2.describe_instances().filters(temp()).send())
        .unwrap()
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .filter(|i| i.state().and_then(|s| s.name()).map(|n| n.as_str()) != Some("terminated"))
        .count();
    let keys = rt
        .block_on(ec2.describe_key_pairs().filters(temp()).send())
        .unwrap()
        .key_pairs()
        .len();
    let groups = rt
        .block_on(ec2.describe_security_groups().filters(temp()).send())
        .unwrap()
        .security_groups()
        .len();
    (builders, keys, groups)
}

/// The total of `--stats`.
pub fn api_calls(stderr: &str) -> u64 {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("API calls: "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no API call count in:\n{stderr}"))
}
