//! `data "aws_route53_zone"`: the hosted zone with this id, or this name (and privacy, and
//! VPC for a private one).

use super::{clean_name, clean_zone_id};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, b, list_s, n, s};
use crate::provider::aws::sdk::err;
use crate::provider::{AttrSchema, BoxFuture, DataSource, ProviderError, ProviderResult, Schema};
use aws_sdk_route53::types::HostedZone;
use std::sync::Arc;

pub struct ZoneData {
    aws: Arc<Aws>,
    schema: Schema,
}

impl ZoneData {
    pub fn new(aws: &Arc<Aws>) -> ZoneData {
        let strings = || Type::List(Box::new(Type::String));
        ZoneData {
            aws: aws.clone(),
            schema: Schema::new([
                ("id", AttrSchema::optional_computed(Type::String)),
                ("zone_id", AttrSchema::optional_computed(Type::String)),
                ("name", AttrSchema::optional_computed(Type::String)),
                ("private_zone", AttrSchema::optional(Type::Bool)),
                ("vpc_id", AttrSchema::optional_computed(Type::String)),
                (
                    "tags",
                    AttrSchema::optional_computed(Type::Map(Box::new(Type::String))),
                ),
                ("arn", AttrSchema::computed(Type::String)),
                ("comment", AttrSchema::computed(Type::String)),
                (
                    "enable_accelerated_recovery",
                    AttrSchema::computed(Type::Bool),
                ),
                ("caller_reference", AttrSchema::computed(Type::String)),
                ("name_servers", AttrSchema::computed(strings())),
                ("primary_name_server", AttrSchema::computed(Type::String)),
                (
                    "resource_record_set_count",
                    AttrSchema::computed(Type::Number),
                ),
                (
                    "linked_service_principal",
                    AttrSchema::computed(Type::String),
                ),
                (
                    "linked_service_description",
                    AttrSchema::computed(Type::String),
                ),
            ]),
        }
    }
}

/// Every hosted zone of the account.
async fn all_zones(aws: &Aws) -> ProviderResult<Vec<HostedZone>> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = aws
            .route53
            .list_hosted_zones()
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(err("route53:ListHostedZones"))?;
        out.extend(page.hosted_zones().iter().cloned());
        match page.next_marker() {
            Some(m) if page.is_truncated() => marker = Some(m.to_string()),
            _ => return Ok(out),
        }
    }
}

impl DataSource for ZoneData {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn read(&self, config: Value) -> BoxFuture<ProviderResult<Value>> {
        let aws = self.aws.clone();
        let schema = self.schema.clone();
        Box::pin(async move {
            let cfg = Obj::of(&config);
            let want_id = cfg.str("zone_id").or_else(|| cfg.str("id"));
            let want_name = cfg.str("name").map(|n| clean_name(&n));
            let private = cfg.bool("private_zone").unwrap_or(false);
            let zones = all_zones(&aws).await?;
            let matches: Vec<&HostedZone> = zones
                .iter()
                .filter(|z| {
                    let id = clean_zone_id(z.id());
                    let is_private = z.config().is_some_and(|c| c.private_zone());
                    want_id.as_ref().is_none_or(|w| *w == id)
                        && want_name
                            .as_ref()
                            .is_none_or(|w| *w == clean_name(z.name()))
                        && (want_id.is_some() || is_private == private)
                })
                .collect();
            let zone = match matches[..] {
                [one] => one,
                [] => {
                    return Err(ProviderError::new(
                        "read",
                        "no matching Route 53 hosted zone found; check the name, zone_id and private_zone",
                    ));
                }
                _ => {
                    return Err(ProviderError::new(
                        "read",
                        format!(
                            "{} Route 53 hosted zones matched; use zone_id or private_zone to select one",
                            matches.len()
                        ),
                    ));
                }
            };
            let id = clean_zone_id(zone.id());
            let detail = aws
                .route53
                .get_hosted_zone()
                .id(&id)
                .send()
                .await
                .map_err(err("route53:GetHostedZone"))?;
            let servers: Vec<String> = detail
                .delegation_set()
                .map(|d| d.name_servers().to_vec())
                .unwrap_or_default();
            let mut o = cfg.clone();
            o.set("id", s(&id))
                .set("zone_id", s(&id))
                .set("name", s(clean_name(zone.name())))
                .set(
                    "private_zone",
                    b(zone.config().is_some_and(|c| c.private_zone())),
                )
                .set("arn", s(format!("arn:aws:route53:::hostedzone/{id}")))
                .set(
                    "comment",
                    s(zone.config().and_then(|c| c.comment()).unwrap_or_default()),
                )
                .set("caller_reference", s(zone.caller_reference()))
                .set(
                    "enable_accelerated_recovery",
                    b(detail
                        .hosted_zone()
                        .is_some_and(super::zone::accelerated_recovery)),
                )
                .set(
                    "primary_name_server",
                    s(servers.first().cloned().unwrap_or_default()),
                )
                .set("name_servers", list_s(&servers))
                .set(
                    "resource_record_set_count",
                    n(zone.resource_record_set_count().unwrap_or(0)),
                )
                .set("linked_service_principal", s(""))
                .set("linked_service_description", s(""));
            if o.get("tags").is_none_or(|t| t.is_null() || !t.is_known()) {
                let tags = super::zone::tags_of(&aws, &id).await?;
                o.set("tags", crate::provider::aws::attrs::map_s(&tags));
            }
            Ok(o.finish(&schema))
        })
    }
}
