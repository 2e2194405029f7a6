//! A bucket's inline `grant` blocks: its access control list, one block per grantee (a
//! canonical user by `id`, or a group by `uri`) with the set of its permissions, as Terraform
//! groups them. Put whole with PutBucketAcl, keeping the bucket's owner.

use super::inline::built;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::ProviderResult;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, opt_s, s, set_s};
use crate::provider::aws::sdk::err;
use crate::provider::schema::block_object;
use aws_sdk_s3::types::{AccessControlPolicy, Grant, Grantee, Permission, Type as GranteeType};
use std::collections::BTreeMap;

fn grant_ty() -> Type {
    block_object(&[
        ("id", Type::String),
        ("type", Type::String),
        ("uri", Type::String),
        ("permissions", Type::Set(Box::new(Type::String))),
    ])
}

pub fn ty() -> Type {
    Type::Set(Box::new(grant_ty()))
}

pub async fn get(aws: &Aws, bucket: &str) -> ProviderResult<Value> {
    let out = aws
        .s3
        .get_bucket_acl()
        .bucket(bucket)
        .send()
        .await
        .map_err(err("s3:GetBucketAcl"))?;
    // One block per grantee: (type, id, uri) -> permissions.
    let mut by_grantee: BTreeMap<(String, Option<String>, Option<String>), Vec<String>> =
        BTreeMap::new();
    for g in out.grants() {
        let Some(who) = g.grantee() else { continue };
        let key = (
            who.r#type().as_str().to_string(),
            who.id().map(str::to_string),
            who.uri().map(str::to_string),
        );
        by_grantee
            .entry(key)
            .or_default()
            .extend(g.permission().map(|p| p.as_str().to_string()));
    }
    let items: Vec<Value> = by_grantee
        .into_iter()
        .map(|((kind, id, uri), permissions)| {
            let mut x = Obj::default();
            x.set("type", s(kind))
                .set("id", opt_s(id))
                .set("uri", opt_s(uri))
                .set("permissions", set_s(permissions));
            Value::object(x.0)
        })
        .collect();
    Ok(if items.is_empty() {
        Value::Null(ty())
    } else {
        Value::set(grant_ty(), items)
    })
}

pub async fn put(aws: &Aws, bucket: &str, p: Obj) -> ProviderResult<()> {
    let owner = aws
        .s3
        .get_bucket_acl()
        .bucket(bucket)
        .send()
        .await
        .map_err(err("s3:GetBucketAcl"))?
        .owner()
        .cloned();
    let mut grants = Vec::new();
    for g in p.blocks("grant") {
        let grantee = built(
            "grant",
            Grantee::builder()
                .set_type(g.str("type").map(|t| GranteeType::from(t.as_str())))
                .set_id(g.str("id"))
                .set_uri(g.str("uri"))
                .build(),
        )?;
        for permission in g.strs("permissions") {
            grants.push(
                Grant::builder()
                    .grantee(grantee.clone())
                    .permission(Permission::from(permission.as_str()))
                    .build(),
            );
        }
    }
    aws.s3
        .put_bucket_acl()
        .bucket(bucket)
        .access_control_policy(
            AccessControlPolicy::builder()
                .set_grants(Some(grants))
                .set_owner(owner)
                .build(),
        )
        .send()
        .await
        .map_err(err("s3:PutBucketAcl"))?;
    Ok(())
}
