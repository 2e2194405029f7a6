//! `aws_route53_record`: one record set of a hosted zone, plain (`ttl` and `records`) or an
//! alias, with a routing policy where it is one of a set (weighted, latency, geolocation,
//! geoproximity, failover, multivalue answer, CIDR). Its values change in place (UPSERT); its
//! zone, name, type or set identifier replace it. Its id is Terraform's: `ZONE_NAME_TYPE[_SETIDENTIFIER]`.

use super::{clean_name, fqdn};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, b, n, opt_b, opt_n, opt_s, s, set_s};
use crate::provider::aws::sdk::{err, gone_is_ok};
use crate::provider::aws::table::Table;
use crate::provider::schema::block_object;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult,
};
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, CidrRoutingConfig, Coordinates, GeoLocation,
    GeoProximityLocation, ResourceRecord, ResourceRecordSet, ResourceRecordSetFailover,
    ResourceRecordSetRegion, RrType,
};

/// A record set found, with the zone it is in.
pub struct Found {
    zone: String,
    set: ResourceRecordSet,
}

/// One routing policy block's type, from its fields.
fn policy(fields: &[(&str, Type)]) -> Type {
    Type::List(Box::new(block_object(fields)))
}

/// A routing policy block read: one block of `fields`, or a null list when the set has none.
fn policy_block(fields: &[(&str, Type)], values: Option<Vec<Value>>) -> Value {
    let elem = block_object(fields);
    match values {
        Some(vs) => {
            let mut o = Obj::default();
            for ((k, _), v) in fields.iter().zip(vs) {
                o.set(k, v);
            }
            Value::list(elem, vec![Value::object(o.0)])
        }
        None => Value::Null(Type::List(Box::new(elem))),
    }
}

const WEIGHTED: &[(&str, Type)] = &[("weight", Type::Number)];
const LATENCY: &[(&str, Type)] = &[("region", Type::String)];
const FAILOVER: &[(&str, Type)] = &[("type", Type::String)];
const GEOLOCATION: &[(&str, Type)] = &[
    ("continent", Type::String),
    ("country", Type::String),
    ("subdivision", Type::String),
];
const CIDR: &[(&str, Type)] = &[
    ("collection_id", Type::String),
    ("location_name", Type::String),
];

fn coordinates_type() -> Type {
    block_object(&[("latitude", Type::String), ("longitude", Type::String)])
}

/// `geoproximity_routing_policy`: a region, Local Zone group or coordinates, and a bias.
fn geoproximity_type() -> Type {
    block_object(&[
        ("aws_region", Type::String),
        ("bias", Type::Number),
        ("local_zone_group", Type::String),
        ("coordinates", Type::Set(Box::new(coordinates_type()))),
    ])
}

fn geoproximity_read(f: &Found) -> Value {
    let Some(g) = f.set.geo_proximity_location() else {
        return Value::Null(Type::List(Box::new(geoproximity_type())));
    };
    let coordinates = g.coordinates().map(|c| {
        let mut o = Obj::default();
        o.set("latitude", s(c.latitude()))
            .set("longitude", s(c.longitude()));
        Value::object(o.0)
    });
    let mut o = Obj::default();
    o.set("aws_region", opt_s(g.aws_region()))
        .set("bias", opt_n(g.bias().map(i64::from)))
        .set("local_zone_group", opt_s(g.local_zone_group()))
        .set(
            "coordinates",
            match coordinates {
                Some(c) => Value::set(coordinates_type(), vec![c]),
                None => Value::Null(Type::Set(Box::new(coordinates_type()))),
            },
        );
    Value::list(geoproximity_type(), vec![Value::object(o.0)])
}

fn geoproximity_to_sdk(g: &Obj) -> ProviderResult<GeoProximityLocation> {
    let coordinates = g
        .block("coordinates")
        .map(|c| {
            Coordinates::builder()
                .latitude(c.str("latitude").unwrap_or_default())
                .longitude(c.str("longitude").unwrap_or_default())
                .build()
        })
        .transpose()
        .map_err(|e| ProviderError::new("plan", e.to_string()))?;
    Ok(GeoProximityLocation::builder()
        .set_aws_region(g.str("aws_region"))
        .set_local_zone_group(g.str("local_zone_group"))
        .set_bias(g.i32("bias"))
        .set_coordinates(coordinates)
        .build())
}

fn alias_type() -> Type {
    block_object(&[
        ("name", Type::String),
        ("zone_id", Type::String),
        ("evaluate_target_health", Type::Bool),
    ])
}

/// Every attribute of `aws_route53_record`, and how it reads from a record set found.
fn table() -> Table<Found> {
    use AttrSchema as A;
    Table::<Found>::new()
        .attr("id", A::computed(Type::String), |f| s(record_id(f)))
        .attr("zone_id", A::required(Type::String).force_new(), |f| {
            s(&f.zone)
        })
        // The name as configured stands (it may or may not carry the zone's); `fqdn` is the
        // full one.
        .declared("name", A::required(Type::String).force_new())
        .attr("fqdn", A::computed(Type::String), |f| {
            s(clean_name(f.set.name()))
        })
        .attr("type", A::required(Type::String).force_new(), |f| {
            s(f.set.r#type().as_str())
        })
        .attr("ttl", A::optional(Type::Number), |f| match f.set.ttl() {
            Some(t) => n(t),
            None => Value::Null(Type::Number),
        })
        .attr(
            "records",
            A::optional(Type::Set(Box::new(Type::String))),
            |f| {
                let values: Vec<&str> =
                    f.set.resource_records().iter().map(|r| r.value()).collect();
                if values.is_empty() {
                    Value::Null(Type::Set(Box::new(Type::String)))
                } else {
                    set_s(values)
                }
            },
        )
        .attr(
            "set_identifier",
            A::optional(Type::String).force_new(),
            |f| crate::provider::aws::attrs::opt_s(f.set.set_identifier()),
        )
        .attr(
            "alias",
            A::optional(Type::List(Box::new(alias_type()))),
            |f| match f.set.alias_target() {
                Some(a) => {
                    let mut o = Obj::default();
                    o.set("name", s(clean_name(a.dns_name())))
                        .set("zone_id", s(a.hosted_zone_id()))
                        .set("evaluate_target_health", b(a.evaluate_target_health()));
                    Value::list(alias_type(), vec![Value::object(o.0)])
                }
                None => Value::list(alias_type(), vec![]),
            },
        )
        .attr(
            "weighted_routing_policy",
            A::optional(policy(WEIGHTED)),
            |f| policy_block(WEIGHTED, f.set.weight().map(|w| vec![n(w)])),
        )
        .attr(
            "latency_routing_policy",
            A::optional(policy(LATENCY)),
            |f| policy_block(LATENCY, f.set.region().map(|r| vec![s(r.as_str())])),
        )
        .attr(
            "failover_routing_policy",
            A::optional(policy(FAILOVER)),
            |f| policy_block(FAILOVER, f.set.failover().map(|t| vec![s(t.as_str())])),
        )
        .attr(
            "geolocation_routing_policy",
            A::optional(policy(GEOLOCATION)),
            |f| {
                policy_block(
                    GEOLOCATION,
                    f.set.geo_location().map(|g| {
                        vec![
                            opt_s(g.continent_code()),
                            opt_s(g.country_code()),
                            opt_s(g.subdivision_code()),
                        ]
                    }),
                )
            },
        )
        .attr(
            "geoproximity_routing_policy",
            A::optional(Type::List(Box::new(geoproximity_type()))),
            geoproximity_read,
        )
        .attr("cidr_routing_policy", A::optional(policy(CIDR)), |f| {
            policy_block(
                CIDR,
                f.set
                    .cidr_routing_config()
                    .map(|c| vec![s(c.collection_id()), s(c.location_name())]),
            )
        })
        .attr(
            "multivalue_answer_routing_policy",
            A::optional(Type::Bool),
            |f| opt_b(f.set.multi_value_answer()),
        )
        .declared("allow_overwrite", A::optional(Type::Bool))
        .declared("health_check_id", A::optional(Type::String))
}

fn record_id(f: &Found) -> String {
    let mut id = format!(
        "{}_{}_{}",
        f.zone,
        clean_name(f.set.name()),
        f.set.r#type().as_str()
    );
    if let Some(set) = f.set.set_identifier() {
        id.push('_');
        id.push_str(set);
    }
    id
}

crate::provider::aws::table::table_type!(Record, Found);

/// Every record set of a zone.
pub async fn all_record_sets(aws: &Aws, zone: &str) -> ProviderResult<Vec<ResourceRecordSet>> {
    let mut out = Vec::new();
    let (mut name, mut kind, mut ident): (Option<String>, Option<RrType>, Option<String>) =
        (None, None, None);
    loop {
        let page = aws
            .route53
            .list_resource_record_sets()
            .hosted_zone_id(zone)
            .set_start_record_name(name.clone())
            .set_start_record_type(kind.clone())
            .set_start_record_identifier(ident.clone())
            .send()
            .await
            .map_err(err("route53:ListResourceRecordSets"))?;
        out.extend(page.resource_record_sets().iter().cloned());
        if !page.is_truncated() {
            return Ok(out);
        }
        name = page.next_record_name().map(str::to_string);
        kind = page.next_record_type().cloned();
        ident = page.next_record_identifier().map(str::to_string);
    }
}

/// The record set a configuration (or state) describes, as AWS takes it.
fn record_set(o: &Obj, zone_name: &str) -> ProviderResult<ResourceRecordSet> {
    let alias = o.blocks("alias").into_iter().next();
    let records: Vec<ResourceRecord> = o
        .strs("records")
        .into_iter()
        .map(|v| ResourceRecord::builder().value(v).build())
        .collect::<Result<_, _>>()
        .map_err(|e| ProviderError::new("plan", e.to_string()))?;
    ResourceRecordSet::builder()
        .name(fqdn(&o.req("name")?, zone_name))
        .r#type(RrType::from(o.req("type")?.as_str()))
        .set_ttl(if alias.is_some() { None } else { o.i64("ttl") })
        .set_resource_records((!records.is_empty()).then_some(records))
        .set_set_identifier(o.str("set_identifier"))
        .set_health_check_id(o.str("health_check_id"))
        .set_weight(
            o.block("weighted_routing_policy")
                .and_then(|w| w.i64("weight")),
        )
        .set_region(
            o.block("latency_routing_policy")
                .and_then(|l| l.str("region"))
                .map(|r| ResourceRecordSetRegion::from(r.as_str())),
        )
        .set_failover(
            o.block("failover_routing_policy")
                .and_then(|f| f.str("type"))
                .map(|t| ResourceRecordSetFailover::from(t.as_str())),
        )
        .set_geo_location(o.block("geolocation_routing_policy").map(|g| {
            GeoLocation::builder()
                .set_continent_code(g.str("continent"))
                .set_country_code(g.str("country"))
                .set_subdivision_code(g.str("subdivision"))
                .build()
        }))
        .set_geo_proximity_location(
            o.block("geoproximity_routing_policy")
                .map(|g| geoproximity_to_sdk(&g))
                .transpose()?,
        )
        .set_multi_value_answer(o.bool("multivalue_answer_routing_policy"))
        .set_cidr_routing_config(
            o.block("cidr_routing_policy")
                .map(|c| {
                    CidrRoutingConfig::builder()
                        .collection_id(c.str("collection_id").unwrap_or_default())
                        .location_name(c.str("location_name").unwrap_or_default())
                        .build()
                })
                .transpose()
                .map_err(|e| ProviderError::new("plan", e.to_string()))?,
        )
        .set_alias_target(
            alias
                .map(|a| {
                    AliasTarget::builder()
                        .dns_name(a.str("name").unwrap_or_default())
                        .hosted_zone_id(a.str("zone_id").unwrap_or_default())
                        .evaluate_target_health(a.bool("evaluate_target_health").unwrap_or(false))
                        .build()
                })
                .transpose()
                .map_err(|e| ProviderError::new("plan", e.to_string()))?,
        )
        .build()
        .map_err(|e| ProviderError::new("plan", e.to_string()))
}

impl Record {
    async fn zone_name(&self, zone: &str) -> ProviderResult<String> {
        let out = self
            .aws
            .route53
            .get_hosted_zone()
            .id(zone)
            .send()
            .await
            .map_err(err("route53:GetHostedZone"))?;
        Ok(clean_name(
            out.hosted_zone().map(|z| z.name()).unwrap_or_default(),
        ))
    }

    async fn change(
        &self,
        zone: &str,
        action: ChangeAction,
        set: ResourceRecordSet,
    ) -> ProviderResult<()> {
        let change = Change::builder()
            .action(action)
            .resource_record_set(set)
            .build()
            .map_err(|e| ProviderError::new("plan", e.to_string()))?;
        let batch = ChangeBatch::builder()
            .changes(change)
            .build()
            .map_err(|e| ProviderError::new("plan", e.to_string()))?;
        self.aws
            .route53
            .change_resource_record_sets()
            .hosted_zone_id(zone)
            .change_batch(batch)
            .send()
            .await
            .map_err(err("route53:ChangeResourceRecordSets"))?;
        Ok(())
    }

    /// The record set with this name, type and set identifier, if the zone has it.
    async fn find(
        &self,
        zone: &str,
        name: &str,
        kind: &str,
        ident: Option<&str>,
    ) -> ProviderResult<Option<Found>> {
        let zone_name = match self.zone_name(zone).await {
            Err(e) if e.is_not_found() => return Ok(None),
            r => r?,
        };
        let full = format!("{}.", fqdn(name, &zone_name));
        let out = self
            .aws
            .route53
            .list_resource_record_sets()
            .hosted_zone_id(zone)
            .start_record_name(&full)
            .start_record_type(RrType::from(kind))
            .set_start_record_identifier(ident.map(str::to_string))
            .send()
            .await
            .map_err(err("route53:ListResourceRecordSets"))?;
        let set = out.resource_record_sets().iter().find(|r| {
            clean_name(r.name()) == clean_name(&full)
                && r.r#type().as_str() == kind
                && r.set_identifier() == ident
        });
        Ok(set.map(|set| Found {
            zone: zone.to_string(),
            set: set.clone(),
        }))
    }

    async fn value(&self, prior: Obj) -> ProviderResult<Option<Value>> {
        let (zone, name, kind) = (
            prior.req("zone_id")?,
            prior.req("name")?,
            prior.req("type")?,
        );
        let ident = prior.str("set_identifier");
        let found = self.find(&zone, &name, &kind, ident.as_deref()).await?;
        Ok(found.map(|f| {
            self.table
                .read(&self.aws, Some(prior), &f)
                .finish(&self.schema)
        }))
    }

    async fn put(&self, p: Obj, action: ChangeAction) -> ProviderResult<Value> {
        let zone = p.req("zone_id")?;
        let zone_name = self.zone_name(&zone).await?;
        self.change(&zone, action, record_set(&p, &zone_name)?)
            .await?;
        let name = p.req("name")?;
        self.value(p).await?.ok_or_else(|| {
            ProviderError::new("route53:ListResourceRecordSets", format!("{name} vanished"))
        })
    }
}

impl AsyncResourceType for Record {
    crate::provider::aws::bulk::schema_and_address!();

    /// A name given without the zone (`app`) and one given whole (`app.example.org`, as an
    /// import reads it) are the same record: the prior's spelling stands.
    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        let (Some(prior), Some(mut o)) = (prior.map(Obj::of), planned.attributes().cloned()) else {
            return planned;
        };
        let name = Obj(o.clone()).str("name");
        let (Some(name), Some(fqdn), Some(before)) =
            (name, prior.str("fqdn"), prior.get("name").cloned())
        else {
            return planned;
        };
        let name = name.trim_end_matches('.').to_lowercase();
        let fqdn = fqdn.trim_end_matches('.').to_lowercase();
        if fqdn == name || fqdn.starts_with(&format!("{name}.")) {
            o.insert("name".into(), before);
            return Value::object(o);
        }
        planned
    }

    fn validate(&self, planned: &Value) -> Result<(), String> {
        let o = Obj::of(planned);
        let alias = o.get("alias").is_some_and(|v| v.length().unwrap_or(0) > 0);
        let records = o.get("records").is_some_and(|v| !v.is_null());
        if alias && (records || o.get("ttl").is_some_and(|v| !v.is_null())) {
            return Err("alias conflicts with ttl and records".into());
        }
        Ok(())
    }

    async fn create(&self, _ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        // CREATE refuses a record set that exists; allow_overwrite takes it over.
        let action = if p.bool("allow_overwrite") == Some(true) {
            ChangeAction::Upsert
        } else {
            ChangeAction::Create
        };
        self.put(p, action).await
    }

    async fn update(&self, _prior: Value, planned: Value) -> ProviderResult<Value> {
        self.put(Obj::of(&planned), ChangeAction::Upsert).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let p = Obj::of(&prior);
        let (zone, name, kind) = (p.req("zone_id")?, p.req("name")?, p.req("type")?);
        // DELETE must name the record set exactly as it is now.
        let Some(found) = self
            .find(&zone, &name, &kind, p.str("set_identifier").as_deref())
            .await?
        else {
            return Ok(());
        };
        gone_is_ok(self.change(&zone, ChangeAction::Delete, found.set).await)
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        self.value(Obj::of(&prior)).await
    }

    /// `ZONEID_NAME_TYPE[_SETIDENTIFIER]`, as the AWS provider imports it.
    async fn import(&self, id: &str) -> ProviderResult<Value> {
        let parts: Vec<&str> = id.splitn(4, '_').collect();
        let (zone, name, kind, ident) = match parts[..] {
            [z, n, t] => (z, n, t, None),
            [z, n, t, i] => (z, n, t, Some(i)),
            _ => {
                return Err(ProviderError::new(
                    "import",
                    format!("{id:?}: expected ZONEID_NAME_TYPE or ZONEID_NAME_TYPE_SETIDENTIFIER"),
                ));
            }
        };
        let found = self
            .find(zone, name, kind, ident)
            .await?
            .ok_or_else(|| ProviderError::new("import", format!("no record set {id}")))?;
        let mut o = self.table.read(&self.aws, None, &found);
        o.set("name", s(clean_name(found.set.name())));
        Ok(o.finish(&self.schema))
    }
}
