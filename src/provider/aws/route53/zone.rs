//! `aws_route53_zone`: a public or private hosted zone. Its comment changes in place; a
//! name, delegation set or (private) VPC replaces it; `force_destroy` deletes the zone's
//! own records first, as AWS refuses to delete a zone that has any.

use super::{clean_name, clean_zone_id};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, b, list_s, opt_s, s};
use crate::provider::aws::sdk::{err, gone_is_ok, wait_for};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::{self, Tags};
use crate::provider::schema::block_object;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult,
};
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, HostedZoneConfig, Tag, TagResourceType, Vpc, VpcRegion,
};

/// A zone as read: its description, name servers, VPCs and tags.
pub struct Found {
    zone: aws_sdk_route53::types::HostedZone,
    servers: Vec<String>,
    vpcs: Vec<(String, String)>,
    tags: Tags,
}

fn vpc_type() -> Type {
    block_object(&[("vpc_id", Type::String), ("vpc_region", Type::String)])
}

/// Every attribute of `aws_route53_zone`, and how it reads from a zone found.
fn table() -> Table<Found> {
    use AttrSchema as A;
    Table::<Found>::new()
        .attr("id", A::computed(Type::String), |f| {
            s(clean_zone_id(f.zone.id()))
        })
        .attr("zone_id", A::computed(Type::String), |f| {
            s(clean_zone_id(f.zone.id()))
        })
        .attr("arn", A::computed(Type::String), |f| {
            s(format!(
                "arn:aws:route53:::hostedzone/{}",
                clean_zone_id(f.zone.id())
            ))
        })
        .attr("name", A::required(Type::String).force_new(), |f| {
            s(clean_name(f.zone.name()))
        })
        .attr(
            "comment",
            A::optional(Type::String).default(s("Managed by Terraform")),
            |f| {
                s(f.zone
                    .config()
                    .and_then(|c| c.comment())
                    .unwrap_or_default())
            },
        )
        // Failover to another region's copy of the zone's control plane; a status on AWS
        // (ENABLING, ENABLED, ...), on while it is being or has been enabled.
        .attr(
            "enable_accelerated_recovery",
            A::optional_computed(Type::Bool),
            |f| b(accelerated_recovery(&f.zone)),
        )
        .declared("delegation_set_id", A::optional(Type::String).force_new())
        .declared("force_destroy", A::optional(Type::Bool).default(b(false)))
        .attr(
            "vpc",
            A::optional(Type::Set(Box::new(vpc_type()))).force_new(),
            |f| {
                let blocks = f.vpcs.iter().map(|(id, region)| {
                    let mut o = Obj::default();
                    o.set("vpc_id", s(id)).set("vpc_region", s(region));
                    Value::object(o.0)
                });
                if f.vpcs.is_empty() {
                    Value::Null(Type::Set(Box::new(vpc_type())))
                } else {
                    Value::set(vpc_type(), blocks.collect())
                }
            },
        )
        .attr(
            "name_servers",
            A::computed(Type::List(Box::new(Type::String))),
            |f| list_s(&f.servers),
        )
        .attr("primary_name_server", A::computed(Type::String), |f| {
            opt_s(f.servers.first())
        })
        .tagged(|f| f.tags.clone())
}

crate::provider::aws::table::table_type!(Zone, Found);

/// Whether a zone's accelerated recovery is on, or being turned on.
pub fn accelerated_recovery(zone: &aws_sdk_route53::types::HostedZone) -> bool {
    let status = zone
        .features()
        .and_then(|f| f.accelerated_recovery_status());
    status.is_some_and(|s| s.as_str().starts_with("ENABL"))
}

/// A hosted zone's tags.
pub async fn tags_of(aws: &Aws, id: &str) -> ProviderResult<Tags> {
    let out = aws
        .route53
        .list_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(id)
        .send()
        .await
        .map_err(err("route53:ListTagsForResource"))?;
    Ok(out
        .resource_tag_set()
        .map(|t| {
            t.tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                .collect()
        })
        .unwrap_or_default())
}

impl Zone {
    /// The zone with this id, if it exists.
    async fn find(&self, id: &str) -> ProviderResult<Option<Found>> {
        let out = self.aws.route53.get_hosted_zone().id(id).send().await;
        let out = match out.map_err(err("route53:GetHostedZone")) {
            Err(e) if e.is_not_found() => return Ok(None),
            r => r?,
        };
        let Some(zone) = out.hosted_zone().cloned() else {
            return Ok(None);
        };
        Ok(Some(Found {
            zone,
            servers: out
                .delegation_set()
                .map(|d| d.name_servers().to_vec())
                .unwrap_or_default(),
            vpcs: out
                .vpcs()
                .iter()
                .map(|v| {
                    (
                        v.vpc_id().unwrap_or_default().to_string(),
                        v.vpc_region()
                            .map(|r| r.as_str().to_string())
                            .unwrap_or_default(),
                    )
                })
                .collect(),
            tags: tags_of(&self.aws, id).await?,
        }))
    }

    /// Turns accelerated recovery on or off and waits until AWS says it is.
    async fn put_accelerated_recovery(&self, id: &str, on: bool) -> ProviderResult<()> {
        self.aws
            .route53
            .update_hosted_zone_features()
            .hosted_zone_id(id)
            .enable_accelerated_recovery(on)
            .send()
            .await
            .map_err(err("route53:UpdateHostedZoneFeatures"))?;
        let want = if on { "ENABLED" } else { "DISABLED" };
        wait_for(
            &format!("accelerated recovery of {id} to be {want}"),
            std::time::Duration::from_secs(30 * 60),
            || async {
                let out = self.aws.route53.get_hosted_zone().id(id).send().await;
                let out = out.map_err(err("route53:GetHostedZone"))?;
                let status = out
                    .hosted_zone()
                    .and_then(|z| z.features())
                    .and_then(|f| f.accelerated_recovery_status())
                    .map(|s| s.as_str().to_string());
                match status.as_deref() {
                    Some(s) if s == want => Ok(Some(())),
                    Some(s) if s.ends_with("FAILED") => Err(ProviderError::new(
                        "route53:GetHostedZone",
                        format!("accelerated recovery of {id}: {s}"),
                    )),
                    // An emulator that keeps no status has nothing to wait for.
                    None => Ok(Some(())),
                    _ => Ok(None),
                }
            },
        )
        .await
    }

    async fn value(&self, prior: Option<Obj>, id: &str) -> ProviderResult<Option<Value>> {
        Ok(self
            .find(id)
            .await?
            .map(|f| self.table.read(&self.aws, prior, &f).finish(&self.schema)))
    }

    async fn update_tags(&self, id: &str, before: &Obj, after: &Obj) -> ProviderResult<()> {
        let set = |t: Tags| {
            crate::provider::aws::sdk::sent!(
                self.aws
                    .route53
                    .change_tags_for_resource()
                    .resource_type(TagResourceType::Hostedzone)
                    .resource_id(id)
                    .set_add_tags(Some(
                        t.iter()
                            .map(|(k, v)| Tag::builder().key(k).value(v).build())
                            .collect(),
                    )),
                "route53:ChangeTagsForResource"
            )
        };
        let remove = |keys: Vec<String>| {
            crate::provider::aws::sdk::sent!(
                self.aws
                    .route53
                    .change_tags_for_resource()
                    .resource_type(TagResourceType::Hostedzone)
                    .resource_id(id)
                    .set_remove_tag_keys(Some(keys)),
                "route53:ChangeTagsForResource"
            )
        };
        tags::sync(&self.aws, before, after, set, remove).await
    }

    /// Deletes every record set but the zone's own SOA and apex NS.
    async fn empty(&self, id: &str, name: &str) -> ProviderResult<()> {
        let sets = super::record::all_record_sets(&self.aws, id).await?;
        let apex = format!("{}.", clean_name(name));
        let changes: Vec<Change> = sets
            .into_iter()
            .filter(|r| {
                let t = r.r#type().as_str();
                !(r.name() == apex && (t == "SOA" || t == "NS"))
            })
            .map(|r| {
                Change::builder()
                    .action(ChangeAction::Delete)
                    .resource_record_set(r)
                    .build()
                    .expect("action and record set are set")
            })
            .collect();
        if changes.is_empty() {
            return Ok(());
        }
        let batch = ChangeBatch::builder()
            .set_changes(Some(changes))
            .build()
            .map_err(|e| ProviderError::new("route53:ChangeResourceRecordSets", e.to_string()))?;
        self.aws
            .route53
            .change_resource_record_sets()
            .hosted_zone_id(id)
            .change_batch(batch)
            .send()
            .await
            .map_err(err("route53:ChangeResourceRecordSets"))?;
        Ok(())
    }
}

impl AsyncResourceType for Zone {
    crate::provider::aws::bulk::schema_and_address!();
    crate::provider::aws::bulk::plan_tags!();

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let vpc = p.blocks("vpc").into_iter().next();
        let config = HostedZoneConfig::builder()
            .set_comment(p.str("comment"))
            .private_zone(vpc.is_some())
            .build();
        let out = self
            .aws
            .route53
            .create_hosted_zone()
            .name(p.req("name")?)
            // The create token: a retried create is the same request to AWS.
            .caller_reference(format!("infra-{}", ctx.token))
            .hosted_zone_config(config)
            .set_delegation_set_id(p.str("delegation_set_id"))
            .set_vpc(vpc.map(|v| {
                Vpc::builder()
                    .set_vpc_id(v.str("vpc_id"))
                    .vpc_region(VpcRegion::from(
                        v.str("vpc_region")
                            .unwrap_or_else(|| self.aws.region.clone())
                            .as_str(),
                    ))
                    .build()
            }))
            .send()
            .await
            .map_err(err("route53:CreateHostedZone"))?;
        let id = clean_zone_id(out.hosted_zone().map(|z| z.id()).unwrap_or_default());
        let t = tags::for_create(&self.aws, &ctx, &p);
        let mut none = Obj::default();
        none.set("tags_all", Value::Null(Type::Map(Box::new(Type::String))));
        let mut with = p.clone();
        with.set("tags", crate::provider::aws::attrs::map_s(&t));
        self.update_tags(&id, &none, &with).await?;
        if p.bool("enable_accelerated_recovery") == Some(true) {
            self.put_accelerated_recovery(&id, true).await?;
        }
        self.value(Some(p), &id)
            .await?
            .ok_or_else(|| ProviderError::new("route53:GetHostedZone", format!("{id} vanished")))
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let id = before.id()?;
        if before.str("comment") != after.str("comment") {
            self.aws
                .route53
                .update_hosted_zone_comment()
                .id(&id)
                .comment(after.str("comment").unwrap_or_default())
                .send()
                .await
                .map_err(err("route53:UpdateHostedZoneComment"))?;
        }
        let recovery = after.bool("enable_accelerated_recovery");
        if let Some(on) =
            recovery.filter(|on| before.bool("enable_accelerated_recovery") != Some(*on))
        {
            self.put_accelerated_recovery(&id, on).await?;
        }
        self.update_tags(&id, &before, &after).await?;
        self.value(Some(after), &id)
            .await?
            .ok_or_else(|| ProviderError::new("route53:GetHostedZone", format!("{id} vanished")))
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let p = Obj::of(&prior);
        let id = p.id()?;
        if p.bool("force_destroy") == Some(true) {
            gone_is_ok(self.empty(&id, &p.req("name")?).await)?;
        }
        let r = self
            .aws
            .route53
            .delete_hosted_zone()
            .id(&id)
            .send()
            .await
            .map_err(err("route53:DeleteHostedZone"));
        gone_is_ok(r)
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        let p = Obj::of(&prior);
        let id = p.id()?;
        self.value(Some(p), &id).await
    }

    async fn import(&self, id: &str) -> ProviderResult<Value> {
        let id = clean_zone_id(id);
        self.value(None, &id)
            .await?
            .ok_or_else(|| ProviderError::new("import", format!("no hosted zone {id}")))
    }
}
