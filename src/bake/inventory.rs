//! The images infra baked in an account, what still uses each one, and the removal of old ones
//! (`infra images`). An image counts as in use when a launch template version that something
//! can still launch from names it (the latest and default versions of every template, and the
//! versions autoscaling groups pin), when an instance that is not terminated runs it, or when
//! the caller says so (the state refers to it, or it is the configuration's current build).

use super::build::{FINGERPRINT_TAG, IMAGE_TAG};
use crate::provider::aws::bulk::filter;
use crate::provider::aws::sdk::{AllPages, err};
use crate::provider::{ProviderError, ProviderResult};
use std::collections::{BTreeMap, BTreeSet};

/// An image with infra's fingerprint tag, owned by the account.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BakedImage {
    pub region: String,
    pub id: String,
    pub name: String,
    /// The image block it was built for (`image.app`).
    pub address: String,
    pub fingerprint: String,
    /// RFC 3339.
    pub build_time: String,
    pub state: String,
    pub snapshots: Vec<String>,
}

/// Image id → what uses it, in words (`launch template web (version 3)`).
pub type Uses = BTreeMap<String, BTreeSet<String>>;

/// The images infra baked in `ec2`'s region, newest first.
pub async fn list(ec2: &aws_sdk_ec2::Client, region: &str) -> ProviderResult<Vec<BakedImage>> {
    let out = ec2
        .describe_images()
        .owners("self")
        .filters(filter("tag-key", [FINGERPRINT_TAG.to_string()]))
        .send()
        .await
        .map_err(err("ec2:DescribeImages"))?;
    let mut images: Vec<BakedImage> = out
        .images()
        .iter()
        .map(|i| {
            let tags = crate::provider::aws::tags::from_ec2(i.tags());
            let tag = |k: &str| tags.get(k).cloned();
            BakedImage {
                region: region.to_string(),
                id: i.image_id().unwrap_or_default().to_string(),
                name: i.name().unwrap_or_default().to_string(),
                address: tag(IMAGE_TAG)
                    .or_else(|| address_from_description(i.description()?))
                    .unwrap_or_else(|| "(unknown)".to_string()),
                fingerprint: tag(FINGERPRINT_TAG).unwrap_or_default(),
                build_time: tag("infra:build-time")
                    .or_else(|| i.creation_date().map(str::to_string))
                    .unwrap_or_default(),
                state: i
                    .state()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                snapshots: i
                    .block_device_mappings()
                    .iter()
                    .filter_map(|m| m.ebs()?.snapshot_id().map(str::to_string))
                    .collect(),
            }
        })
        .collect();
    images.sort_by(|a, b| b.build_time.cmp(&a.build_time).then(a.id.cmp(&b.id)));
    Ok(images)
}

/// Images baked before the `infra:image` tag existed say `infra bake NAME FINGERPRINT`.
fn address_from_description(description: &str) -> Option<String> {
    let name = description.strip_prefix("infra bake ")?.split(' ').next()?;
    Some(format!("image.{name}"))
}

/// The images launch templates can still launch: every template's latest and default version,
/// and the versions autoscaling groups pin by number.
pub async fn launch_template_uses(aws: &crate::provider::aws::Aws) -> ProviderResult<Uses> {
    let mut uses = Uses::new();
    // (template id, version) already read.
    let mut seen: BTreeSet<(String, i64)> = BTreeSet::new();
    let current = aws
        .ec2
        .describe_launch_template_versions()
        .versions("$Latest")
        .versions("$Default")
        .into_paginator()
        .items()
        .send()
        .all("ec2:DescribeLaunchTemplateVersions")
        .await?;
    for v in &current {
        note(&mut uses, &mut seen, v);
    }
    let groups = aws
        .autoscaling
        .describe_auto_scaling_groups()
        .into_paginator()
        .items()
        .send()
        .all("autoscaling:DescribeAutoScalingGroups")
        .await?;
    let mut pinned: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    for g in &groups {
        let specs = g.launch_template().into_iter().chain(
            g.mixed_instances_policy()
                .and_then(|p| p.launch_template()?.launch_template_specification()),
        );
        for s in specs {
            let (Some(id), Some(n)) = (
                s.launch_template_id(),
                s.version().and_then(|v| v.parse::<i64>().ok()),
            ) else {
                continue;
            };
            if !seen.contains(&(id.to_string(), n)) {
                pinned.entry(id.to_string()).or_default().insert(n);
            }
        }
    }
    for (id, versions) in pinned {
        let found = aws
            .ec2
            .describe_launch_template_versions()
            .launch_template_id(&id)
            .set_versions(Some(versions.iter().map(i64::to_string).collect()))
            .send()
            .await
            .map_err(err("ec2:DescribeLaunchTemplateVersions"))?;
        for v in found.launch_template_versions() {
            note(&mut uses, &mut seen, v);
        }
    }
    Ok(uses)
}

/// Records the image `v` launches, and that `v` was read.
fn note(
    uses: &mut Uses,
    seen: &mut BTreeSet<(String, i64)>,
    v: &aws_sdk_ec2::types::LaunchTemplateVersion,
) {
    let (Some(data), Some(id), Some(n)) = (
        v.launch_template_data(),
        v.launch_template_id(),
        v.version_number(),
    ) else {
        return;
    };
    seen.insert((id.to_string(), n));
    if let Some(image) = data.image_id() {
        uses.entry(image.to_string()).or_default().insert(format!(
            "launch template {} (version {n})",
            v.launch_template_name().unwrap_or(id)
        ));
    }
}

/// The instances (not terminated) running any of `images`: image id → how many.
pub async fn instance_uses(ec2: &aws_sdk_ec2::Client, images: &[String]) -> ProviderResult<Uses> {
    let mut uses = Uses::new();
    if images.is_empty() {
        return Ok(uses);
    }
    let reservations = ec2
        .describe_instances()
        .filters(filter("image-id", images.iter().cloned()))
        .filters(filter(
            "instance-state-name",
            ["pending", "running", "stopping", "stopped"].map(String::from),
        ))
        .into_paginator()
        .items()
        .send()
        .all("ec2:DescribeInstances")
        .await?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for i in reservations.iter().flat_map(|r| r.instances()) {
        if let Some(image) = i.image_id() {
            *counts.entry(image.to_string()).or_default() += 1;
        }
    }
    for (image, n) in counts {
        let what = if n == 1 { "instance" } else { "instances" };
        uses.entry(image).or_default().insert(format!("{n} {what}"));
    }
    Ok(uses)
}

/// Puts the uses of `more` into `uses`.
pub fn merge(uses: &mut Uses, more: Uses) {
    for (image, why) in more {
        uses.entry(image).or_default().extend(why);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// One of the newest `keep` builds of its image block in its region.
    Newest,
    InUse,
    Remove,
}

/// What `--keep N` does with each of `images` (newest first within each region and image
/// block): the newest `keep` stay, so do images in use; the rest go.
pub fn verdicts(images: &[BakedImage], uses: &Uses, keep: usize) -> Vec<Verdict> {
    let mut rank: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut order: Vec<usize> = (0..images.len()).collect();
    order.sort_by(|&a, &b| images[b].build_time.cmp(&images[a].build_time));
    let mut out = vec![Verdict::Remove; images.len()];
    for i in order {
        let image = &images[i];
        let n = rank
            .entry((image.region.as_str(), image.address.as_str()))
            .or_default();
        out[i] = if *n < keep {
            Verdict::Newest
        } else if uses.get(&image.id).is_some_and(|u| !u.is_empty()) {
            Verdict::InUse
        } else {
            Verdict::Remove
        };
        *n += 1;
    }
    out
}

/// Deregisters `image` and deletes its snapshots (AWS keeps them, and bills them, otherwise).
pub async fn remove(ec2: &aws_sdk_ec2::Client, image: &BakedImage) -> ProviderResult<()> {
    ec2.deregister_image()
        .image_id(&image.id)
        .send()
        .await
        .map_err(err("ec2:DeregisterImage"))?;
    for snapshot in &image.snapshots {
        match ec2.delete_snapshot().snapshot_id(snapshot).send().await {
            Ok(_) => {}
            Err(e) => {
                let e: ProviderError = err("ec2:DeleteSnapshot")(e);
                if !e.is_not_found() {
                    return Err(e);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(id: &str, address: &str, region: &str, built: &str) -> BakedImage {
        BakedImage {
            region: region.into(),
            id: id.into(),
            name: id.into(),
            address: address.into(),
            fingerprint: String::new(),
            build_time: built.into(),
            state: "available".into(),
            snapshots: Vec::new(),
        }
    }

    #[test]
    fn keeps_the_newest_per_block_and_region_and_whatever_is_in_use() {
        let images = vec![
            image("a1", "image.a", "r1", "2026-01-01"),
            image("a3", "image.a", "r1", "2026-03-01"),
            image("a2", "image.a", "r1", "2026-02-01"),
            image("a0", "image.a", "r1", "2025-12-01"),
            image("b1", "image.b", "r1", "2025-01-01"),
            image("a9", "image.a", "r2", "2025-01-01"),
        ];
        let uses = Uses::from([("a0".to_string(), BTreeSet::from(["2 instances".into()]))]);
        let v = verdicts(&images, &uses, 2);
        use Verdict::*;
        assert_eq!(v, vec![Remove, Newest, Newest, InUse, Newest, Newest]);
        let none = verdicts(&images, &Uses::new(), 0);
        assert!(none.iter().all(|v| *v == Remove));
    }

    #[test]
    fn old_images_name_their_block_in_the_description() {
        assert_eq!(
            address_from_description("infra bake base 9c54").as_deref(),
            Some("image.base")
        );
        assert_eq!(address_from_description("something else"), None);
    }
}
