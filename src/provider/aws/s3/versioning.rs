//! `aws_s3_bucket_versioning`, and the versioning calls the bucket's own (deprecated)
//! `versioning` block makes too. `Disabled` is a status only a bucket that never had
//! versioning has: configuring it puts nothing, and deleting the resource suspends versioning
//! (AWS cannot turn it off again).

use super::bucket_config::Part;
use crate::lang::types::Type;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, blocks, opt_s, s};
use crate::provider::aws::sdk::err;
use crate::provider::schema::block_object;
use crate::provider::{AttrSchema, ProviderResult};
use aws_sdk_s3::types::{BucketVersioningStatus, MfaDelete, VersioningConfiguration};

/// A bucket's versioning as S3 answers it: status (`None` when never enabled) and MFA delete.
pub struct Versioning {
    pub status: Option<String>,
    pub mfa_delete: Option<String>,
}

pub async fn get(aws: &Aws, bucket: &str) -> ProviderResult<Versioning> {
    let out = aws
        .s3
        .get_bucket_versioning()
        .bucket(bucket)
        .send()
        .await
        .map_err(err("s3:GetBucketVersioning"))?;
    Ok(Versioning {
        status: out.status().map(|x| x.as_str().to_string()),
        mfa_delete: out.mfa_delete().map(|x| x.as_str().to_string()),
    })
}

/// Sets the status (`Enabled` or `Suspended`), with MFA delete when given (`mfa` is the
/// device's serial and code, which AWS requires to change MFA delete).
pub async fn put(
    aws: &Aws,
    bucket: &str,
    status: &str,
    mfa_delete: Option<String>,
    mfa: Option<String>,
) -> ProviderResult<()> {
    let config = VersioningConfiguration::builder()
        .status(BucketVersioningStatus::from(status))
        .set_mfa_delete(mfa_delete.as_deref().map(MfaDelete::from))
        .build();
    aws.s3
        .put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(config)
        .set_mfa(mfa)
        .send()
        .await
        .map(drop)
        .map_err(err("s3:PutBucketVersioning"))
}

fn configuration_type() -> Type {
    block_object(&[("status", Type::String), ("mfa_delete", Type::String)])
}

fn attrs() -> Vec<(&'static str, AttrSchema)> {
    vec![
        (
            "versioning_configuration",
            AttrSchema::required(Type::List(Box::new(configuration_type()))),
        ),
        ("mfa", AttrSchema::optional(Type::String)),
    ]
}

pub static PART: Part = Part {
    type_name: "aws_s3_bucket_versioning",
    attrs,
    get: |aws, bucket| {
        Box::pin(async move {
            let v = get(&aws, &bucket).await?;
            let mut c = Obj::default();
            c.set("status", s(v.status.as_deref().unwrap_or("Disabled")))
                .set("mfa_delete", opt_s(v.mfa_delete));
            let mut o = Obj::default();
            o.set(
                "versioning_configuration",
                blocks(&configuration_type(), vec![c]),
            );
            Ok(Some(o))
        })
    },
    put: |aws, bucket, p| {
        Box::pin(async move {
            let c = p.block("versioning_configuration").unwrap_or_default();
            let status = c.str("status").unwrap_or_else(|| "Enabled".into());
            if status == "Disabled" {
                // What a bucket that never had versioning reads as: nothing to put.
                return match get(&aws, &bucket).await?.status {
                    None => Ok(()),
                    Some(now) => Err(crate::provider::ProviderError::new(
                        "s3:PutBucketVersioning",
                        format!(
                            "bucket {bucket}: versioning is {now}; it cannot be Disabled again \
                             (use Suspended)"
                        ),
                    )),
                };
            }
            put(&aws, &bucket, &status, c.str("mfa_delete"), p.str("mfa")).await
        })
    },
    remove: |aws, bucket, p| {
        Box::pin(async move {
            if get(&aws, &bucket).await?.status.is_none() {
                return Ok(());
            }
            put(&aws, &bucket, "Suspended", None, p.str("mfa")).await
        })
    },
};
