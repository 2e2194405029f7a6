//! S3: buckets, the per-bucket configuration resources Terraform splits off them (versioning,
//! public access block, default encryption, policy) and objects. What they share sits here:
//! a bucket's tags (S3 replaces the whole set at once), its existence, and the names AWS
//! derives from a bucket's name and region.

pub mod bucket;
pub mod bucket_config;
pub mod cors;
pub mod encryption;
pub mod grants;
pub mod inline;
pub mod lifecycle;
pub mod logging;
pub mod object;
pub mod policy;
pub mod public_access_block;
pub mod replication;
pub mod settings;
pub mod versioning;
pub mod website;

use crate::provider::aws::Aws;
use crate::provider::aws::sdk::err;
use crate::provider::aws::tags::{self, Tags};
use crate::provider::{ProviderError, ProviderResult};
use aws_sdk_s3::types::{Tag, Tagging};

/// The AWS partition of a region (`aws`, `aws-cn`, `aws-us-gov`), for ARNs.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The Route 53 zone of a region's S3 website endpoints (an alias record to a bucket's
/// website names it), from AWS's table of S3 endpoints; `None` for a region not in it.
pub fn hosted_zone_id(region: &str) -> Option<&'static str> {
    Some(match region {
        "us-east-1" => "Z3AQBSTGFYJSTF",
        "us-east-2" => "Z2O1EMRO9K5GLX",
        "us-west-1" => "Z2F56UZL2M1ACD",
        "us-west-2" => "Z3BJ6K6RIION7M",
        "ca-central-1" => "Z1QDHH18159H29",
        "eu-west-1" => "Z1BKCTXD74EZPE",
        "eu-west-2" => "Z3GKZC51ZF0DB4",
        "eu-west-3" => "Z3R1K369G5AVDG",
        "eu-central-1" => "Z21DNDUVLTQW6Q",
        "eu-north-1" => "Z3BAZG2TWCNX0D",
        "eu-south-1" => "Z30OZKI7KPW7MI",
        "ap-south-1" => "Z11RGJOFQNVJUP",
        "ap-northeast-1" => "Z2M4EHUR26P7ZW",
        "ap-northeast-2" => "Z3W03O7B5YMIYP",
        "ap-northeast-3" => "Z2YQB5RD63NC85",
        "ap-southeast-1" => "Z3O0J2DXBE1FTB",
        "ap-southeast-2" => "Z1WCIGYICN2BYD",
        "ap-east-1" => "ZNB98KWMFR0R6",
        "sa-east-1" => "Z7KQH4QJS55SO",
        "af-south-1" => "Z83WF9RJE8B12",
        "me-south-1" => "Z1MPMWCPA7YB62",
        _ => return None,
    })
}

/// Whether the bucket exists (HeadBucket), and the region it is in.
pub async fn bucket_region(aws: &Aws, bucket: &str) -> ProviderResult<Option<String>> {
    match aws
        .s3
        .head_bucket()
        .bucket(bucket)
        .send()
        .await
        .map_err(err("s3:HeadBucket"))
    {
        Ok(out) => Ok(Some(
            out.bucket_region()
                .map(str::to_string)
                .unwrap_or_else(|| aws.region.clone()),
        )),
        Err(e) if e.is_not_found() || e.is("NotFound") => Ok(None),
        Err(e) => Err(e),
    }
}

/// A bucket's tags, infra's own among them (none when it has no tag set).
pub async fn bucket_tags(aws: &Aws, bucket: &str) -> ProviderResult<Tags> {
    match aws
        .s3
        .get_bucket_tagging()
        .bucket(bucket)
        .send()
        .await
        .map_err(err("s3:GetBucketTagging"))
    {
        Ok(out) => Ok(out
            .tag_set()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect()),
        Err(e) if e.is("NoSuchTagSet") || e.is("NoSuchTagSetError") => Ok(Tags::new()),
        Err(e) => Err(e),
    }
}

/// Replaces a bucket's whole tag set with `t` (S3 has no call that changes one tag).
pub async fn put_bucket_tags(aws: &Aws, bucket: &str, t: &Tags) -> ProviderResult<()> {
    if t.is_empty() {
        return aws
            .s3
            .delete_bucket_tagging()
            .bucket(bucket)
            .send()
            .await
            .map(drop)
            .map_err(err("s3:DeleteBucketTagging"));
    }
    aws.s3
        .put_bucket_tagging()
        .bucket(bucket)
        .tagging(tagging(t)?)
        .send()
        .await
        .map(drop)
        .map_err(err("s3:PutBucketTagging"))
}

/// Tags as S3's `Tagging` (a bucket's or an object's).
pub fn tagging(t: &Tags) -> ProviderResult<Tagging> {
    let set = t
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ProviderError::new("s3:Tagging", e.to_string()))?;
    Tagging::builder()
        .set_tag_set(Some(set))
        .build()
        .map_err(|e| ProviderError::new("s3:Tagging", e.to_string()))
}

/// Brings a bucket's tags to the planned `tags_all`, keeping infra's own tags (the set is
/// replaced whole, so they are read first).
pub async fn update_bucket_tags(
    aws: &Aws,
    bucket: &str,
    before: &crate::provider::aws::attrs::Obj,
    after: &crate::provider::aws::attrs::Obj,
) -> ProviderResult<()> {
    if before.map("tags_all") == tags::merged(aws, &after.map("tags")) {
        return Ok(());
    }
    let all = tags::whole_set(aws, bucket_tags(aws, bucket).await?, after);
    put_bucket_tags(aws, bucket, &all).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_and_website_zones_follow_the_region() {
        assert_eq!(partition("eu-west-1"), "aws");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
        assert_eq!(hosted_zone_id("us-east-1"), Some("Z3AQBSTGFYJSTF"));
        assert_eq!(hosted_zone_id("mars-north-1"), None);
    }

    #[test]
    fn tags_become_one_tag_set() {
        let mut t = Tags::new();
        t.insert("Name".into(), "logs".into());
        t.insert("infra:address".into(), "aws_s3_bucket.logs".into());
        let set = tagging(&t).unwrap();
        let keys: Vec<&str> = set.tag_set().iter().map(|t| t.key()).collect();
        assert_eq!(keys, ["Name", "infra:address"]);
    }
}
