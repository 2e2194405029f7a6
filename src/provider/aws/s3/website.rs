//! A bucket's inline `website` block: index and error documents, a redirect of every request
//! (`host` or `protocol://host`), and routing rules as the JSON array S3's console shows
//! (`[{"Condition": {"KeyPrefixEquals": "docs/"}, "Redirect": {...}}]`).

use super::inline::{built, none_if_absent};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, blocks_or_null, opt_s};
use crate::provider::aws::sdk::err;
use crate::provider::schema::block_object;
use crate::provider::{ProviderError, ProviderResult};
use aws_sdk_s3::types::{
    Condition, ErrorDocument, IndexDocument, Protocol, Redirect, RedirectAllRequestsTo,
    RoutingRule, WebsiteConfiguration,
};
use serde_json::{Map, Value as Json, json};

fn website_ty() -> Type {
    block_object(&[
        ("index_document", Type::String),
        ("error_document", Type::String),
        ("redirect_all_requests_to", Type::String),
        ("routing_rules", Type::String),
    ])
}

pub fn ty() -> Type {
    Type::List(Box::new(website_ty()))
}

/// Routing rules as JSON, each field under S3's own name, absent ones left out.
fn rules_json(rules: &[RoutingRule]) -> String {
    let object = |pairs: Vec<(&str, Option<&str>)>| {
        let m: Map<String, Json> = pairs
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), json!(v))))
            .collect();
        Json::Object(m)
    };
    let items: Vec<Json> = rules
        .iter()
        .map(|r| {
            let mut m = Map::new();
            if let Some(c) = r.condition() {
                m.insert(
                    "Condition".into(),
                    object(vec![
                        (
                            "HttpErrorCodeReturnedEquals",
                            c.http_error_code_returned_equals(),
                        ),
                        ("KeyPrefixEquals", c.key_prefix_equals()),
                    ]),
                );
            }
            if let Some(d) = r.redirect() {
                m.insert(
                    "Redirect".into(),
                    object(vec![
                        ("HostName", d.host_name()),
                        ("HttpRedirectCode", d.http_redirect_code()),
                        ("Protocol", d.protocol().map(|p| p.as_str())),
                        ("ReplaceKeyPrefixWith", d.replace_key_prefix_with()),
                        ("ReplaceKeyWith", d.replace_key_with()),
                    ]),
                );
            }
            Json::Object(m)
        })
        .collect();
    Json::Array(items).to_string()
}

/// Configured routing rules (the JSON above) as S3 takes them.
fn rules_of(text: &str) -> ProviderResult<Vec<RoutingRule>> {
    let bad = |m: String| ProviderError::new("aws_s3_bucket.website", m);
    let parsed: Json =
        serde_json::from_str(text).map_err(|e| bad(format!("routing_rules is not JSON: {e}")))?;
    let Json::Array(items) = parsed else {
        return Err(bad("routing_rules must be a JSON array of rules".into()));
    };
    let field = |v: &Json, k: &str| v.get(k).and_then(Json::as_str).map(str::to_string);
    let mut out = Vec::new();
    for item in &items {
        let condition = item.get("Condition").map(|c| {
            Condition::builder()
                .set_http_error_code_returned_equals(field(c, "HttpErrorCodeReturnedEquals"))
                .set_key_prefix_equals(field(c, "KeyPrefixEquals"))
                .build()
        });
        let redirect = item.get("Redirect").map(|d| {
            Redirect::builder()
                .set_host_name(field(d, "HostName"))
                .set_http_redirect_code(field(d, "HttpRedirectCode"))
                .set_protocol(field(d, "Protocol").map(|p| Protocol::from(p.as_str())))
                .set_replace_key_prefix_with(field(d, "ReplaceKeyPrefixWith"))
                .set_replace_key_with(field(d, "ReplaceKeyWith"))
                .build()
        });
        out.push(
            RoutingRule::builder()
                .set_condition(condition)
                .set_redirect(redirect)
                .build(),
        );
    }
    Ok(out)
}

pub async fn get(aws: &Aws, bucket: &str) -> ProviderResult<Value> {
    let out = none_if_absent(
        aws.s3
            .get_bucket_website()
            .bucket(bucket)
            .send()
            .await
            .map_err(err("s3:GetBucketWebsite")),
    )?;
    let site = out.map(|w| {
        let redirect = w.redirect_all_requests_to().map(|r| match r.protocol() {
            Some(p) => format!("{}://{}", p.as_str(), r.host_name()),
            None => r.host_name().to_string(),
        });
        let rules = (!w.routing_rules().is_empty()).then(|| rules_json(w.routing_rules()));
        let mut x = Obj::default();
        x.set(
            "index_document",
            opt_s(w.index_document().map(|d| d.suffix())),
        )
        .set("error_document", opt_s(w.error_document().map(|d| d.key())))
        .set("redirect_all_requests_to", opt_s(redirect))
        .set("routing_rules", opt_s(rules));
        x
    });
    Ok(blocks_or_null(&website_ty(), site.into_iter().collect()))
}

pub async fn put(aws: &Aws, bucket: &str, p: Obj) -> ProviderResult<()> {
    let Some(w) = p.block("website") else {
        aws.s3
            .delete_bucket_website()
            .bucket(bucket)
            .send()
            .await
            .map_err(err("s3:DeleteBucketWebsite"))?;
        return Ok(());
    };
    let index = match w.str("index_document") {
        Some(s) => Some(built(
            "website",
            IndexDocument::builder().suffix(s).build(),
        )?),
        None => None,
    };
    let error = match w.str("error_document") {
        Some(k) => Some(built("website", ErrorDocument::builder().key(k).build())?),
        None => None,
    };
    let redirect = match w.str("redirect_all_requests_to") {
        Some(target) => {
            let (protocol, host) = match target.split_once("://") {
                Some((p, h)) => (Some(Protocol::from(p)), h.to_string()),
                None => (None, target.clone()),
            };
            Some(built(
                "website",
                RedirectAllRequestsTo::builder()
                    .host_name(host)
                    .set_protocol(protocol)
                    .build(),
            )?)
        }
        None => None,
    };
    let rules = match w.str("routing_rules") {
        Some(text) => Some(rules_of(&text)?),
        None => None,
    };
    aws.s3
        .put_bucket_website()
        .bucket(bucket)
        .website_configuration(
            WebsiteConfiguration::builder()
                .set_index_document(index)
                .set_error_document(error)
                .set_redirect_all_requests_to(redirect)
                .set_routing_rules(rules)
                .build(),
        )
        .send()
        .await
        .map_err(err("s3:PutBucketWebsite"))?;
    Ok(())
}

/// The website's endpoint and domain in a region, as Terraform computes them: regions
/// launched before 2019 use a dash (`s3-website-us-east-1`), later ones a dot.
pub fn endpoint_domain(region: &str) -> String {
    const DASHED: [&str; 9] = [
        "us-east-1",
        "us-west-1",
        "us-west-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
        "sa-east-1",
        "eu-west-1",
        "us-gov-west-1",
    ];
    if DASHED.contains(&region) {
        format!("s3-website-{region}.amazonaws.com")
    } else {
        format!("s3-website.{region}.amazonaws.com")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_rules_round_trip_through_s3s_shape() {
        let text = r#"[{"Condition":{"KeyPrefixEquals":"docs/"},"Redirect":{"ReplaceKeyPrefixWith":"documents/"}}]"#;
        let rules = rules_of(text).unwrap();
        let back: Json = serde_json::from_str(&rules_json(&rules)).unwrap();
        assert_eq!(back, serde_json::from_str::<Json>(text).unwrap());
        assert!(rules_of("{}").is_err());
    }

    #[test]
    fn endpoints_follow_the_regions_naming() {
        assert_eq!(
            endpoint_domain("us-east-1"),
            "s3-website-us-east-1.amazonaws.com"
        );
        assert_eq!(
            endpoint_domain("eu-central-1"),
            "s3-website.eu-central-1.amazonaws.com"
        );
    }
}
