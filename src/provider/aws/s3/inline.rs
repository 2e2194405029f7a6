//! The deprecated parts of `aws_s3_bucket` written inside the bucket that no separate resource
//! of infra's holds (Terraform 3's form, still common): `cors_rule`, `website`, `logging`,
//! `grant`, `lifecycle_rule`, `replication_configuration`, `object_lock_configuration`,
//! `acceleration_status`, `request_payer`. Each is declared once here, as its own call pair:
//! how it reads (its value in the configuration's shape, null when the bucket has none) and
//! how it is put. Like Terraform's they are optional and computed: left out, they follow what
//! the bucket has.

use super::{cors, grants, lifecycle, logging, replication, settings, website};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::Obj;
use crate::provider::{ProviderError, ProviderResult, RefFuture};

/// Reads the part: its value, null when the bucket has none.
pub type Get = for<'a> fn(&'a Aws, &'a str) -> RefFuture<'a, ProviderResult<Value>>;
/// Puts the part from the planned bucket.
pub type Put = for<'a> fn(&'a Aws, &'a str, Obj) -> RefFuture<'a, ProviderResult<()>>;

pub struct Inline {
    pub name: &'static str,
    pub ty: fn() -> Type,
    pub get: Get,
    pub put: Put,
}

/// Every inline part, in the order they are put (logging and grants before the rest: they
/// concern who may write; lifecycle before replication, which needs versioning).
pub const PARTS: &[Inline] = &[
    Inline {
        name: "grant",
        ty: grants::ty,
        get: |aws, bucket| Box::pin(grants::get(aws, bucket)),
        put: |aws, bucket, p| Box::pin(grants::put(aws, bucket, p)),
    },
    Inline {
        name: "logging",
        ty: logging::ty,
        get: |aws, bucket| Box::pin(logging::get(aws, bucket)),
        put: |aws, bucket, p| Box::pin(logging::put(aws, bucket, p)),
    },
    Inline {
        name: "cors_rule",
        ty: cors::ty,
        get: |aws, bucket| Box::pin(cors::get(aws, bucket)),
        put: |aws, bucket, p| Box::pin(cors::put(aws, bucket, p)),
    },
    Inline {
        name: "website",
        ty: website::ty,
        get: |aws, bucket| Box::pin(website::get(aws, bucket)),
        put: |aws, bucket, p| Box::pin(website::put(aws, bucket, p)),
    },
    Inline {
        name: "lifecycle_rule",
        ty: lifecycle::ty,
        get: |aws, bucket| Box::pin(lifecycle::get(aws, bucket)),
        put: |aws, bucket, p| Box::pin(lifecycle::put(aws, bucket, p)),
    },
    Inline {
        name: "replication_configuration",
        ty: replication::ty,
        get: |aws, bucket| Box::pin(replication::get(aws, bucket)),
        put: |aws, bucket, p| Box::pin(replication::put(aws, bucket, p)),
    },
    Inline {
        name: "object_lock_configuration",
        ty: settings::object_lock_ty,
        get: |aws, bucket| Box::pin(settings::get_object_lock(aws, bucket)),
        put: |aws, bucket, p| Box::pin(settings::put_object_lock(aws, bucket, p)),
    },
    Inline {
        name: "acceleration_status",
        ty: settings::string_ty,
        get: |aws, bucket| Box::pin(settings::get_acceleration(aws, bucket)),
        put: |aws, bucket, p| Box::pin(settings::put_acceleration(aws, bucket, p)),
    },
    Inline {
        name: "request_payer",
        ty: settings::string_ty,
        get: |aws, bucket| Box::pin(settings::get_request_payer(aws, bucket)),
        put: |aws, bucket, p| Box::pin(settings::put_request_payer(aws, bucket, p)),
    },
];

/// What a part's read answers when S3 says it has none (`NoSuchCORSConfiguration`, ...): null.
pub fn none_if_absent<T>(r: ProviderResult<T>) -> ProviderResult<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// An SDK shape built from the configuration; a required field missing is the configuration's
/// error, named.
pub fn built<T>(
    part: &str,
    r: Result<T, aws_smithy_types::error::operation::BuildError>,
) -> ProviderResult<T> {
    r.map_err(|e| ProviderError::new(format!("aws_s3_bucket.{part}"), e.to_string()))
}

/// A rule filter's tags (its one `Tag`, or its `And` tags) as the `tags` map, null for none:
/// lifecycle and replication rules filter alike.
pub fn filter_tags<'a>(
    one: Option<&'a aws_sdk_s3::types::Tag>,
    and: impl IntoIterator<Item = &'a aws_sdk_s3::types::Tag>,
) -> Value {
    let tags: std::collections::BTreeMap<String, String> = one
        .into_iter()
        .chain(and)
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    if tags.is_empty() {
        Value::Null(Type::Map(Box::new(Type::String)))
    } else {
        crate::provider::aws::attrs::map_s(&tags)
    }
}

/// The configured `tags` map as S3 tags, for a rule filter.
pub fn sdk_tags(part: &str, o: &Obj) -> ProviderResult<Vec<aws_sdk_s3::types::Tag>> {
    o.map("tags")
        .into_iter()
        .map(|(k, v)| {
            built(
                part,
                aws_sdk_s3::types::Tag::builder().key(k).value(v).build(),
            )
        })
        .collect()
}
