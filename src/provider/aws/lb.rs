//! aws_lb, aws_lb_target_group and aws_lb_listener (ELBv2, with the `aws_alb*` aliases).
//!
//! Refresh by type: load balancers and target groups are listed for the whole region
//! (paginated, 400 a page) with one DescribeTags per 20 ARNs; listeners are listed per load
//! balancer the state knows. Objects
//! tagged with the state's lineage that no prior matched are handed back for adoption. Names are
//! the natural key after a crash: a create that fails because the name is taken adopts the
//! object if it carries this instance's `infra:address` and `infra:lineage` tags.

use super::Aws;
use super::attrs::{Obj, b, blocks, n, opt_n, opt_s, s, set_s};
use super::sdk::{DEPENDENTS_DRAIN, EVENTUAL_CONSISTENCY, err, gone_is_ok, retry_while, wait_for};
use super::tags::{self, Tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::schema::{block_list, block_object};
use crate::provider::{
    AttrSchema, BoxFuture, Configured, CreateContext, ProviderError, ProviderResult, RefreshBatch,
    Refreshed, ResourceType, Schema,
};
use aws_sdk_elasticloadbalancingv2 as elbv2;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// The resource types this file serves.
pub const TYPES: &[&str] = &[
    "aws_lb",
    "aws_alb",
    "aws_lb_target_group",
    "aws_alb_target_group",
    "aws_lb_listener",
    "aws_alb_listener",
];

pub fn register(aws: &Arc<Aws>, c: &mut Configured) {
    let lb: Arc<LoadBalancer> = Arc::new(LoadBalancer::new(aws));
    c.resources.insert("aws_lb", lb.clone());
    c.resources.insert("aws_alb", lb);
    let tg = Arc::new(TargetGroup::new(aws));
    c.resources.insert("aws_lb_target_group", tg.clone());
    c.resources.insert("aws_alb_target_group", tg);
    let listener = Arc::new(Listener::new(aws));
    c.resources.insert("aws_lb_listener", listener.clone());
    c.resources.insert("aws_alb_listener", listener);
}

/// How long a new load balancer may take to become `active`.
const ACTIVE_WAIT: Duration = Duration::from_secs(600);

/// Describe page size (the APIs' maximum).
pub(super) const PAGE_SIZE: i32 = 400;

/// How many ARNs or names one DescribeTags takes.
pub(super) const TAGS_PER_CALL: usize = 20;

pub(super) fn set_of(t: Type) -> Type {
    Type::Set(Box::new(t))
}

pub(super) fn str_set() -> Type {
    set_of(Type::String)
}

/// The name to create with: `name`, else `name_prefix` (or `default_prefix`) and the create's
/// token, at most `max` characters (Terraform's `tf-lb-...` style). The token's end is its
/// counter and sub-second digits: those are kept when the name must be cut.
pub(super) fn name_for_create(
    p: &Obj,
    default_prefix: &str,
    max: usize,
    ctx: &CreateContext,
) -> String {
    p.str("name").unwrap_or_else(|| {
        let prefix = p
            .str("name_prefix")
            .unwrap_or_else(|| default_prefix.to_string());
        let room = max.saturating_sub(prefix.len()).min(ctx.token.len());
        format!("{prefix}{}", &ctx.token[ctx.token.len() - room..])
    })
}

/// The part of an ELBv2 ARN after the resource type's slash (`app/web/50dc...`) or colon
/// (`targetgroup/tg/...`), as CloudWatch dimensions name it.
fn arn_suffix(arn: &str) -> String {
    let resource = arn.rsplit(':').next().unwrap_or(arn);
    match resource.strip_prefix("loadbalancer/") {
        Some(rest) => rest.to_string(),
        None => resource.to_string(),
    }
}

pub(super) fn non_empty(x: Option<&str>) -> Option<&str> {
    x.filter(|v| !v.is_empty())
}

/// Fills the arguments nested blocks leave unset so they compare equal to what a read gives
/// back: an argument with a default takes it (as Terraform's schema defaults do); one the
/// provider computes keeps the prior block's value at the same position, or is unknown.
fn fill_blocks(
    planned: &[Obj],
    prior: &[Obj],
    elem: &Type,
    defaults: &[(&str, Value)],
    computed: &[&str],
) -> Vec<Obj> {
    let Type::Object(fields, _) = elem else {
        return planned.to_vec();
    };
    planned
        .iter()
        .enumerate()
        .map(|(i, block)| {
            let mut out = block.clone();
            for (name, ty) in fields {
                if block.0.get(name).is_some_and(|v| !v.is_null()) {
                    continue;
                }
                if let Some((_, d)) = defaults.iter().find(|(k, _)| k == name) {
                    out.set(name, d.clone());
                } else if computed.contains(&name.as_str()) {
                    let kept = prior.get(i).map(|p| {
                        p.0.get(name)
                            .cloned()
                            .unwrap_or_else(|| Value::Null(ty.clone()))
                    });
                    out.set(name, kept.unwrap_or_else(|| Value::Unknown(ty.clone())));
                }
            }
            out
        })
        .collect()
}

/// Nested blocks as read, null when there are none: what configuration without them gives.
fn optional_blocks(elem: &Type, items: Vec<Obj>) -> Value {
    if items.is_empty() {
        Value::Null(Type::List(Box::new(elem.clone())))
    } else {
        blocks(elem, items)
    }
}

/// A block list attribute of `o` rewritten by `f` when it is set and known; a null one is
/// retyped as a read types it, so that the two compare equal.
fn rewrite_blocks(o: &mut Obj, name: &str, elem: &Type, f: impl FnOnce(&[Obj]) -> Vec<Obj>) {
    if o.get(name).is_some() {
        let items = f(&o.blocks(name));
        o.set(name, blocks(elem, items));
    } else if o.0.get(name).is_none_or(Value::is_null) {
        o.set(name, Value::Null(Type::List(Box::new(elem.clone()))));
    }
}

// ---------------------------------------------------------------------------------------------
// Refresh by type, shared by the four types.

/// An ELB object type read in bulk.
pub(super) trait ElbBulk: Clone + Send + Sync + 'static {
    type Item: Send + Sync + 'static;

    /// The object's id in state: its ARN.
    fn key(item: &Self::Item) -> String;

    /// Every object a refresh of these priors must see.
    fn list(&self, priors: Vec<Obj>) -> BoxFuture<ProviderResult<Vec<Self::Item>>>;

    /// One object by id; `None` when it does not exist.
    fn lookup(&self, key: String) -> BoxFuture<ProviderResult<Option<Self::Item>>>;

    /// The tags of these objects, by id.
    fn tags(&self, keys: Vec<String>) -> BoxFuture<ProviderResult<HashMap<String, Tags>>>;

    /// The resource's value, keeping what only the prior (the configuration) knows.
    fn value(
        &self,
        prior: Option<Obj>,
        item: Self::Item,
        tags: Tags,
    ) -> BoxFuture<ProviderResult<Value>>;
}

pub(super) fn bulk_refresh<B: ElbBulk>(
    b: B,
    batch: RefreshBatch,
) -> BoxFuture<ProviderResult<Refreshed>> {
    Box::pin(async move {
        let priors: Vec<Obj> = batch.priors.iter().map(Obj::of).collect();
        let items = b.list(priors.clone()).await?;
        let keys: Vec<String> = items.iter().map(B::key).collect();
        let mut all_tags = b.tags(keys.clone()).await?;
        let mut items: HashMap<String, B::Item> = keys.iter().cloned().zip(items).collect();
        let mut current = Vec::with_capacity(priors.len());
        for p in priors {
            let item = p.str("id").and_then(|id| items.remove(&id));
            current.push(match item {
                Some(item) => {
                    let t = all_tags.remove(&B::key(&item)).unwrap_or_default();
                    Some(b.value(Some(p), item, t).await?)
                }
                None => None,
            });
        }
        let mut found = Vec::new();
        if !batch.lineage.is_empty() {
            for key in keys {
                let Some(t) = all_tags.remove(&key) else {
                    continue;
                };
                if let Some(address) = tags::owner(&t, &batch.lineage)
                    && let Some(item) = items.remove(&key)
                {
                    found.push((address, b.value(None, item, t).await?));
                }
            }
        }
        Ok(Refreshed { current, found })
    })
}

pub(super) fn bulk_read<B: ElbBulk>(
    b: B,
    prior: Value,
) -> BoxFuture<ProviderResult<Option<Value>>> {
    Box::pin(async move {
        let p = Obj::of(&prior);
        let id = p.id()?;
        let Some(item) = b.lookup(id.clone()).await? else {
            return Ok(None);
        };
        let t = b
            .tags(vec![id.clone()])
            .await?
            .remove(&id)
            .unwrap_or_default();
        Ok(Some(b.value(Some(p), item, t).await?))
    })
}

pub(super) fn bulk_import<B: ElbBulk>(b: B, id: String) -> BoxFuture<ProviderResult<Value>> {
    Box::pin(async move {
        let item = b
            .lookup(id.clone())
            .await?
            .ok_or_else(|| ProviderError::new("import", format!("no object with id {id}")))?;
        let t = b
            .tags(vec![id.clone()])
            .await?
            .remove(&id)
            .unwrap_or_default();
        b.value(None, item, t).await
    })
}

/// Looks an object up right after create or update, while AWS may not show it yet.
pub(super) async fn lookup_fresh<B: ElbBulk>(b: &B, key: &str) -> ProviderResult<B::Item> {
    retry_while(
        EVENTUAL_CONSISTENCY,
        |e| e.is_not_found(),
        || async {
            b.lookup(key.to_string()).await?.ok_or_else(|| {
                ProviderError::new("describe", format!("{key} not found")).with_code("NotFound")
            })
        },
    )
    .await
}

/// The value of an object as AWS has it now, after create or update.
pub(super) async fn finish<B: ElbBulk>(b: &B, p: Obj, key: &str) -> ProviderResult<Value> {
    let item = lookup_fresh(b, key).await?;
    let t = b
        .tags(vec![key.to_string()])
        .await?
        .remove(key)
        .unwrap_or_default();
    b.value(Some(p), item, t).await
}

/// Whether an object found by name after a name conflict is this instance's own, created by an
/// apply that died before recording it.
pub(super) fn is_ours(t: &Tags, ctx: &CreateContext) -> bool {
    !ctx.lineage.is_empty() && tags::owner(t, &ctx.lineage).as_deref() == Some(ctx.address.as_str())
}

// ---------------------------------------------------------------------------------------------
// ELBv2 tags.

fn v2_tag_list(t: &Tags) -> Option<Vec<elbv2::types::Tag>> {
    (!t.is_empty()).then(|| {
        t.iter()
            .map(|(k, v)| elbv2::types::Tag::builder().key(k).value(v).build())
            .collect()
    })
}

async fn v2_tags(aws: &Aws, arns: &[String]) -> ProviderResult<HashMap<String, Tags>> {
    let mut out = HashMap::new();
    for chunk in arns.chunks(TAGS_PER_CALL) {
        let r = aws
            .elbv2
            .describe_tags()
            .set_resource_arns(Some(chunk.to_vec()))
            .send()
            .await;
        let got = match r {
            Ok(got) => got,
            // One object of the chunk vanished since it was listed: read the rest one by one.
            Err(e) if chunk.len() > 1 => {
                let e = super::sdk::api_error("elbv2:DescribeTags", e);
                if !e.is_not_found() {
                    return Err(e);
                }
                for arn in chunk {
                    out.extend(Box::pin(v2_tags(aws, std::slice::from_ref(arn))).await?);
                }
                continue;
            }
            Err(e) => {
                let e = super::sdk::api_error("elbv2:DescribeTags", e);
                if e.is_not_found() {
                    continue;
                }
                return Err(e);
            }
        };
        for d in got.tag_descriptions() {
            let t = d
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string())))
                .collect();
            out.insert(d.resource_arn().unwrap_or_default().to_string(), t);
        }
    }
    Ok(out)
}

/// Brings an ELBv2 object's tags from the prior `tags_all` to the planned one.
async fn v2_update_tags(aws: &Aws, arn: &str, before: &Obj, after: &Obj) -> ProviderResult<()> {
    let (set, removed) = tags::diff(
        &before.map("tags_all"),
        &tags::merged(aws, &after.map("tags")),
    );
    if let Some(list) = v2_tag_list(&set) {
        aws.elbv2
            .add_tags()
            .resource_arns(arn)
            .set_tags(Some(list))
            .send()
            .await
            .map_err(err("elbv2:AddTags"))?;
    }
    if !removed.is_empty() {
        aws.elbv2
            .remove_tags()
            .resource_arns(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(err("elbv2:RemoveTags"))?;
    }
    Ok(())
}

/// Attribute key/value pairs as a map.
fn attr_map<'a>(
    pairs: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>,
) -> BTreeMap<String, String> {
    pairs
        .filter_map(|(k, v)| Some((k?.to_string(), v.unwrap_or("").to_string())))
        .collect()
}

fn attr_i64(m: &BTreeMap<String, String>, k: &str) -> Option<i64> {
    m.get(k).and_then(|v| v.parse().ok())
}

fn attr_bool(m: &BTreeMap<String, String>, k: &str) -> Option<bool> {
    m.get(k).and_then(|v| v.parse().ok())
}

// ---------------------------------------------------------------------------------------------
// aws_lb

fn subnet_mapping_type() -> Type {
    block_object(&[
        ("subnet_id", Type::String),
        ("allocation_id", Type::String),
        ("private_ipv4_address", Type::String),
        ("ipv6_address", Type::String),
    ])
}

fn access_logs_type() -> Type {
    block_object(&[
        ("bucket", Type::String),
        ("prefix", Type::String),
        ("enabled", Type::Bool),
    ])
}

#[derive(Clone)]
pub struct LoadBalancer {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
}

impl LoadBalancer {
    fn new(aws: &Arc<Aws>) -> LoadBalancer {
        let mut attrs = vec![
            ("id", AttrSchema::computed(Type::String)),
            ("arn", AttrSchema::computed(Type::String)),
            ("arn_suffix", AttrSchema::computed(Type::String)),
            ("dns_name", AttrSchema::computed(Type::String)),
            ("zone_id", AttrSchema::computed(Type::String)),
            ("vpc_id", AttrSchema::computed(Type::String)),
            (
                "name",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            (
                "name_prefix",
                AttrSchema::optional(Type::String).force_new(),
            ),
            (
                "internal",
                AttrSchema::optional(Type::Bool)
                    .default(b(false))
                    .force_new(),
            ),
            (
                "load_balancer_type",
                AttrSchema::optional(Type::String)
                    .default(s("application"))
                    .force_new(),
            ),
            ("security_groups", AttrSchema::optional_computed(str_set())),
            ("subnets", AttrSchema::optional_computed(str_set())),
            (
                "subnet_mapping",
                AttrSchema::optional_computed(set_of(subnet_mapping_type())),
            ),
            (
                "idle_timeout",
                AttrSchema::optional(Type::Number).default(n(60)),
            ),
            (
                "enable_deletion_protection",
                AttrSchema::optional(Type::Bool).default(b(false)),
            ),
            (
                "enable_http2",
                AttrSchema::optional(Type::Bool).default(b(true)),
            ),
            // Sent only when configured: AWS's default is 3600 s, and not every emulator knows
            // the attribute.
            ("client_keep_alive", AttrSchema::optional(Type::Number)),
            (
                "ip_address_type",
                AttrSchema::optional_computed(Type::String),
            ),
            (
                "access_logs",
                AttrSchema::optional(Type::List(Box::new(access_logs_type()))),
            ),
        ];
        attrs.extend(tags::schema_attrs());
        LoadBalancer {
            aws: aws.clone(),
            schema: Arc::new(Schema::new(attrs)),
        }
    }

    fn is_application(o: &Obj) -> bool {
        o.str("load_balancer_type")
            .as_deref()
            .unwrap_or("application")
            == "application"
    }

    /// The attributes the configuration sets, as ModifyLoadBalancerAttributes takes them.
    /// Idle timeout and HTTP/2 only exist on application load balancers.
    fn attributes(p: &Obj) -> Vec<elbv2::types::LoadBalancerAttribute> {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(v) = p.bool("enable_deletion_protection") {
            pairs.push(("deletion_protection.enabled", v.to_string()));
        }
        if Self::is_application(p) {
            if let Some(v) = p.i64("idle_timeout") {
                pairs.push(("idle_timeout.timeout_seconds", v.to_string()));
            }
            if let Some(v) = p.bool("enable_http2") {
                pairs.push(("routing.http2.enabled", v.to_string()));
            }
            if let Some(v) = p.i64("client_keep_alive") {
                pairs.push(("client_keep_alive.seconds", v.to_string()));
            }
        }
        match p.block("access_logs") {
            Some(a) => {
                let on = a.bool("enabled").unwrap_or(true);
                pairs.push(("access_logs.s3.enabled", on.to_string()));
                pairs.push(("access_logs.s3.bucket", a.str("bucket").unwrap_or_default()));
                pairs.push(("access_logs.s3.prefix", a.str("prefix").unwrap_or_default()));
            }
            None => pairs.push(("access_logs.s3.enabled", "false".into())),
        }
        pairs
            .into_iter()
            .map(|(k, v)| {
                elbv2::types::LoadBalancerAttribute::builder()
                    .key(k)
                    .value(v)
                    .build()
            })
            .collect()
    }

    async fn modify_attributes(&self, arn: &str, p: &Obj) -> ProviderResult<()> {
        self.aws
            .elbv2
            .modify_load_balancer_attributes()
            .load_balancer_arn(arn)
            .set_attributes(Some(Self::attributes(p)))
            .send()
            .await
            .map_err(err("elbv2:ModifyLoadBalancerAttributes"))?;
        Ok(())
    }

    fn subnet_mappings(p: &Obj) -> Option<Vec<elbv2::types::SubnetMapping>> {
        let m = p.blocks("subnet_mapping");
        (!m.is_empty()).then(|| {
            m.iter()
                .map(|m| {
                    elbv2::types::SubnetMapping::builder()
                        .set_subnet_id(m.str("subnet_id"))
                        .set_allocation_id(m.str("allocation_id"))
                        .set_private_ipv4_address(m.str("private_ipv4_address"))
                        .set_ipv6_address(m.str("ipv6_address"))
                        .build()
                })
                .collect()
        })
    }

    async fn by_name(&self, name: &str) -> ProviderResult<Option<elbv2::types::LoadBalancer>> {
        match self
            .aws
            .elbv2
            .describe_load_balancers()
            .names(name)
            .send()
            .await
        {
            Ok(out) => Ok(out.load_balancers().first().cloned()),
            Err(e) => {
                let e = super::sdk::api_error("elbv2:DescribeLoadBalancers", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    async fn wait_active(&self, arn: &str) -> ProviderResult<()> {
        wait_for(
            &format!("load balancer {arn} to be active"),
            ACTIVE_WAIT,
            || async {
                let lb = lookup_fresh(self, arn).await?;
                let state = lb
                    .state()
                    .and_then(|s| s.code())
                    .map(|c| c.as_str().to_string());
                match state.as_deref() {
                    Some("active") => Ok(Some(())),
                    Some("failed") => Err(ProviderError::new(
                        "elbv2:DescribeLoadBalancers",
                        format!(
                            "{arn} failed to provision: {}",
                            lb.state()
                                .and_then(|s| s.reason())
                                .unwrap_or("no reason given")
                        ),
                    )),
                    _ => Ok(None),
                }
            },
        )
        .await
    }
}

impl ElbBulk for LoadBalancer {
    type Item = elbv2::types::LoadBalancer;

    fn key(item: &Self::Item) -> String {
        item.load_balancer_arn().unwrap_or_default().to_string()
    }

    fn list(&self, _priors: Vec<Obj>) -> BoxFuture<ProviderResult<Vec<Self::Item>>> {
        let aws = self.aws.clone();
        Box::pin(async move {
            aws.elbv2
                .describe_load_balancers()
                .page_size(PAGE_SIZE)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(err("elbv2:DescribeLoadBalancers"))
        })
    }

    fn lookup(&self, key: String) -> BoxFuture<ProviderResult<Option<Self::Item>>> {
        let aws = self.aws.clone();
        Box::pin(async move {
            match aws
                .elbv2
                .describe_load_balancers()
                .load_balancer_arns(&key)
                .send()
                .await
            {
                Ok(out) => Ok(out.load_balancers().first().cloned()),
                Err(e) => {
                    let e = super::sdk::api_error("elbv2:DescribeLoadBalancers", e);
                    if e.is_not_found() { Ok(None) } else { Err(e) }
                }
            }
        })
    }

    fn tags(&self, keys: Vec<String>) -> BoxFuture<ProviderResult<HashMap<String, Tags>>> {
        let aws = self.aws.clone();
        Box::pin(async move { v2_tags(&aws, &keys).await })
    }

    fn value(
        &self,
        prior: Option<Obj>,
        lb: Self::Item,
        t: Tags,
    ) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let arn = Self::key(&lb);
            let attrs = this
                .aws
                .elbv2
                .describe_load_balancer_attributes()
                .load_balancer_arn(&arn)
                .send()
                .await
                .map_err(err("elbv2:DescribeLoadBalancerAttributes"))?;
            let a = attr_map(attrs.attributes().iter().map(|a| (a.key(), a.value())));
            let mut o = prior.clone().unwrap_or_default();
            let kind = lb.r#type().map(|t| t.as_str()).unwrap_or("application");
            let subnets: Vec<&str> = lb
                .availability_zones()
                .iter()
                .filter_map(|z| z.subnet_id())
                .collect();
            let mappings: Vec<Value> = lb
                .availability_zones()
                .iter()
                .map(|z| {
                    let addr = z.load_balancer_addresses().first();
                    let mut m = Obj::default();
                    m.set("subnet_id", opt_s(z.subnet_id()))
                        .set(
                            "allocation_id",
                            opt_s(addr.and_then(|a| non_empty(a.allocation_id()))),
                        )
                        .set(
                            "private_ipv4_address",
                            opt_s(addr.and_then(|a| non_empty(a.private_ipv4_address()))),
                        )
                        .set(
                            "ipv6_address",
                            opt_s(addr.and_then(|a| non_empty(a.ipv6_address()))),
                        );
                    Value::object(m.0)
                })
                .collect();
            o.set("id", s(&arn))
                .set("arn", s(&arn))
                .set("arn_suffix", s(arn_suffix(&arn)))
                .set("dns_name", opt_s(lb.dns_name()))
                .set("zone_id", opt_s(lb.canonical_hosted_zone_id()))
                .set("vpc_id", opt_s(lb.vpc_id()))
                .set("name", opt_s(lb.load_balancer_name()))
                .set(
                    "internal",
                    b(lb.scheme().map(|s| s.as_str()) == Some("internal")),
                )
                .set("load_balancer_type", s(kind))
                .set("security_groups", set_s(lb.security_groups()))
                .set("subnets", set_s(subnets))
                .set(
                    "subnet_mapping",
                    Value::set(subnet_mapping_type(), mappings),
                )
                .set(
                    "ip_address_type",
                    opt_s(lb.ip_address_type().map(|t| t.as_str())),
                )
                .set(
                    "enable_deletion_protection",
                    b(attr_bool(&a, "deletion_protection.enabled").unwrap_or(false)),
                );
            if kind == "application" {
                o.set(
                    "idle_timeout",
                    n(attr_i64(&a, "idle_timeout.timeout_seconds").unwrap_or(60)),
                )
                .set(
                    "enable_http2",
                    b(attr_bool(&a, "routing.http2.enabled").unwrap_or(true)),
                );
                if let Some(v) = attr_i64(&a, "client_keep_alive.seconds") {
                    o.set("client_keep_alive", n(v));
                }
            } else if prior.is_none() {
                // Not attributes of network and gateway load balancers: the schema defaults.
                o.set("idle_timeout", n(60)).set("enable_http2", b(true));
            }
            let logs_on = attr_bool(&a, "access_logs.s3.enabled").unwrap_or(false);
            let had_logs = prior
                .as_ref()
                .is_some_and(|p| p.get("access_logs").is_some());
            if logs_on || had_logs {
                let mut l = Obj::default();
                l.set("enabled", b(logs_on))
                    .set(
                        "bucket",
                        opt_s(non_empty(
                            a.get("access_logs.s3.bucket").map(String::as_str),
                        )),
                    )
                    .set(
                        "prefix",
                        opt_s(non_empty(
                            a.get("access_logs.s3.prefix").map(String::as_str),
                        )),
                    );
                o.set("access_logs", blocks(&access_logs_type(), vec![l]));
            } else {
                o.set(
                    "access_logs",
                    Value::Null(Type::List(Box::new(access_logs_type()))),
                );
            }
            tags::set_read(&this.aws, &mut o, &t);
            Ok(o.finish(&this.schema))
        })
    }
}

impl ResourceType for LoadBalancer {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &str {
        &self.aws.address
    }

    fn plan(&self, _prior: Option<&Value>, planned: Value) -> Value {
        tags::plan(&self.aws, planned)
    }

    fn create(&self, ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            let name = name_for_create(&p, "tf-lb-", 32, &ctx);
            let t = tags::for_create(&this.aws, &ctx, &p);
            let mappings = Self::subnet_mappings(&p);
            let subnets = mappings.is_none().then(|| p.strs("subnets"));
            let security_groups = p.strs("security_groups");
            let scheme = if p.bool("internal") == Some(true) {
                "internal"
            } else {
                "internet-facing"
            };
            let r = this
                .aws
                .elbv2
                .create_load_balancer()
                .name(&name)
                .r#type(
                    p.str("load_balancer_type")
                        .unwrap_or("application".into())
                        .as_str()
                        .into(),
                )
                .scheme(scheme.into())
                .set_subnets(subnets.filter(|s| !s.is_empty()))
                .set_subnet_mappings(mappings)
                .set_security_groups((!security_groups.is_empty()).then_some(security_groups))
                .set_ip_address_type(p.str("ip_address_type").map(|t| t.as_str().into()))
                .set_tags(v2_tag_list(&t))
                .send()
                .await
                .map_err(err("elbv2:CreateLoadBalancer"));
            let arn = match r {
                Ok(out) => out
                    .load_balancers()
                    .first()
                    .map(Self::key)
                    .unwrap_or_default(),
                Err(e) if e.already_exists() => {
                    let existing = this.by_name(&name).await?.ok_or_else(|| e.clone())?;
                    let arn = Self::key(&existing);
                    let existing_tags = v2_tags(&this.aws, std::slice::from_ref(&arn)).await?;
                    if !existing_tags.get(&arn).is_some_and(|t| is_ours(t, &ctx)) {
                        return Err(e);
                    }
                    arn
                }
                Err(e) => return Err(e),
            };
            this.wait_active(&arn).await?;
            this.modify_attributes(&arn, &p).await?;
            finish(&this, p, &arn).await
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let (before, after) = (Obj::of(&prior), Obj::of(&planned));
            let arn = before.id()?;
            let elb = &this.aws.elbv2;
            let changed = |k: &str| before.0.get(k) != after.0.get(k) && after.get(k).is_some();
            if changed("security_groups") {
                elb.set_security_groups()
                    .load_balancer_arn(&arn)
                    .set_security_groups(Some(after.strs("security_groups")))
                    .send()
                    .await
                    .map_err(err("elbv2:SetSecurityGroups"))?;
            }
            if changed("subnet_mapping") {
                elb.set_subnets()
                    .load_balancer_arn(&arn)
                    .set_subnet_mappings(Self::subnet_mappings(&after))
                    .send()
                    .await
                    .map_err(err("elbv2:SetSubnets"))?;
            } else if changed("subnets") {
                elb.set_subnets()
                    .load_balancer_arn(&arn)
                    .set_subnets(Some(after.strs("subnets")))
                    .send()
                    .await
                    .map_err(err("elbv2:SetSubnets"))?;
            }
            if changed("ip_address_type")
                && let Some(t) = after.str("ip_address_type")
            {
                elb.set_ip_address_type()
                    .load_balancer_arn(&arn)
                    .ip_address_type(t.as_str().into())
                    .send()
                    .await
                    .map_err(err("elbv2:SetIpAddressType"))?;
            }
            if [
                "enable_deletion_protection",
                "idle_timeout",
                "enable_http2",
                "client_keep_alive",
                "access_logs",
            ]
            .iter()
            .any(|k| before.0.get(*k) != after.0.get(*k))
            {
                this.modify_attributes(&arn, &after).await?;
            }
            v2_update_tags(&this.aws, &arn, &before, &after).await?;
            finish(&this, after, &arn).await
        })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move {
            let arn = Obj::of(&prior).id()?;
            let r = this
                .aws
                .elbv2
                .delete_load_balancer()
                .load_balancer_arn(&arn)
                .send()
                .await
                .map_err(err("elbv2:DeleteLoadBalancer"));
            gone_is_ok(r)?;
            // Subnets and security groups stay in use until the load balancer is gone.
            wait_for(
                &format!("load balancer {arn} to be deleted"),
                ACTIVE_WAIT,
                || async { Ok(this.lookup(arn.clone()).await?.is_none().then_some(())) },
            )
            .await
        })
    }

    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>> {
        bulk_read(self.clone(), prior)
    }

    fn refresh(&self, batch: RefreshBatch) -> BoxFuture<ProviderResult<Refreshed>> {
        bulk_refresh(self.clone(), batch)
    }

    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>> {
        bulk_import(self.clone(), id.to_string())
    }
}

// ---------------------------------------------------------------------------------------------
// aws_lb_target_group

fn health_check_type() -> Type {
    block_object(&[
        ("enabled", Type::Bool),
        ("path", Type::String),
        ("port", Type::String),
        ("protocol", Type::String),
        ("matcher", Type::String),
        ("interval", Type::Number),
        ("timeout", Type::Number),
        ("healthy_threshold", Type::Number),
        ("unhealthy_threshold", Type::Number),
    ])
}

fn stickiness_type() -> Type {
    block_object(&[
        ("enabled", Type::Bool),
        ("type", Type::String),
        ("cookie_duration", Type::Number),
        ("cookie_name", Type::String),
    ])
}

#[derive(Clone)]
pub struct TargetGroup {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
}

impl TargetGroup {
    fn new(aws: &Arc<Aws>) -> TargetGroup {
        let mut attrs = vec![
            ("id", AttrSchema::computed(Type::String)),
            ("arn", AttrSchema::computed(Type::String)),
            ("arn_suffix", AttrSchema::computed(Type::String)),
            (
                "name",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            (
                "name_prefix",
                AttrSchema::optional(Type::String).force_new(),
            ),
            ("port", AttrSchema::optional(Type::Number).force_new()),
            ("protocol", AttrSchema::optional(Type::String).force_new()),
            ("vpc_id", AttrSchema::optional(Type::String).force_new()),
            (
                "target_type",
                AttrSchema::optional(Type::String)
                    .default(s("instance"))
                    .force_new(),
            ),
            // A string in Terraform's schema (it takes "300" and 300 alike).
            (
                "deregistration_delay",
                AttrSchema::optional(Type::String).default(s("300")),
            ),
            (
                "slow_start",
                AttrSchema::optional(Type::Number).default(n(0)),
            ),
            (
                "health_check",
                AttrSchema::optional_computed(Type::List(Box::new(health_check_type()))),
            ),
            (
                "stickiness",
                AttrSchema::optional_computed(Type::List(Box::new(stickiness_type()))),
            ),
        ];
        attrs.extend(tags::schema_attrs());
        TargetGroup {
            aws: aws.clone(),
            schema: Arc::new(Schema::new(attrs)),
        }
    }

    fn attributes(p: &Obj) -> Vec<elbv2::types::TargetGroupAttribute> {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        let lambda = p.str("target_type").as_deref() == Some("lambda");
        if !lambda {
            if let Some(d) = p.str("deregistration_delay") {
                pairs.push(("deregistration_delay.timeout_seconds", d));
            }
            if let Some(v) = p.i64("slow_start") {
                pairs.push(("slow_start.duration_seconds", v.to_string()));
            }
        }
        if let Some(st) = p.block("stickiness") {
            let kind = st.str("type").unwrap_or_else(|| "lb_cookie".into());
            pairs.push((
                "stickiness.enabled",
                st.bool("enabled").unwrap_or(true).to_string(),
            ));
            pairs.push(("stickiness.type", kind.clone()));
            match kind.as_str() {
                "lb_cookie" => {
                    if let Some(d) = st.i64("cookie_duration") {
                        pairs.push(("stickiness.lb_cookie.duration_seconds", d.to_string()));
                    }
                }
                "app_cookie" => {
                    if let Some(d) = st.i64("cookie_duration") {
                        pairs.push(("stickiness.app_cookie.duration_seconds", d.to_string()));
                    }
                    if let Some(c) = st.str("cookie_name") {
                        pairs.push(("stickiness.app_cookie.cookie_name", c));
                    }
                }
                _ => {}
            }
        }
        pairs
            .into_iter()
            .map(|(k, v)| {
                elbv2::types::TargetGroupAttribute::builder()
                    .key(k)
                    .value(v)
                    .build()
            })
            .collect()
    }

    async fn modify_attributes(&self, arn: &str, p: &Obj) -> ProviderResult<()> {
        let attributes = Self::attributes(p);
        if attributes.is_empty() {
            return Ok(());
        }
        self.aws
            .elbv2
            .modify_target_group_attributes()
            .target_group_arn(arn)
            .set_attributes(Some(attributes))
            .send()
            .await
            .map_err(err("elbv2:ModifyTargetGroupAttributes"))?;
        Ok(())
    }

    async fn by_name(&self, name: &str) -> ProviderResult<Option<elbv2::types::TargetGroup>> {
        match self
            .aws
            .elbv2
            .describe_target_groups()
            .names(name)
            .send()
            .await
        {
            Ok(out) => Ok(out.target_groups().first().cloned()),
            Err(e) => {
                let e = super::sdk::api_error("elbv2:DescribeTargetGroups", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    /// The matcher, only for health checks that speak HTTP (TCP ones take none).
    fn matcher(hc: &Obj) -> Option<elbv2::types::Matcher> {
        let http = matches!(hc.str("protocol").as_deref(), Some("HTTP" | "HTTPS") | None);
        hc.str("matcher")
            .filter(|_| http)
            .map(|m| elbv2::types::Matcher::builder().http_code(m).build())
    }
}

impl ElbBulk for TargetGroup {
    type Item = elbv2::types::TargetGroup;

    fn key(item: &Self::Item) -> String {
        item.target_group_arn().unwrap_or_default().to_string()
    }

    fn list(&self, _priors: Vec<Obj>) -> BoxFuture<ProviderResult<Vec<Self::Item>>> {
        let aws = self.aws.clone();
        Box::pin(async move {
            aws.elbv2
                .describe_target_groups()
                .page_size(PAGE_SIZE)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(err("elbv2:DescribeTargetGroups"))
        })
    }

    fn lookup(&self, key: String) -> BoxFuture<ProviderResult<Option<Self::Item>>> {
        let aws = self.aws.clone();
        Box::pin(async move {
            match aws
                .elbv2
                .describe_target_groups()
                .target_group_arns(&key)
                .send()
                .await
            {
                Ok(out) => Ok(out.target_groups().first().cloned()),
                Err(e) => {
                    let e = super::sdk::api_error("elbv2:DescribeTargetGroups", e);
                    if e.is_not_found() { Ok(None) } else { Err(e) }
                }
            }
        })
    }

    fn tags(&self, keys: Vec<String>) -> BoxFuture<ProviderResult<HashMap<String, Tags>>> {
        let aws = self.aws.clone();
        Box::pin(async move { v2_tags(&aws, &keys).await })
    }

    fn value(
        &self,
        prior: Option<Obj>,
        tg: Self::Item,
        t: Tags,
    ) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let arn = Self::key(&tg);
            let attrs = this
                .aws
                .elbv2
                .describe_target_group_attributes()
                .target_group_arn(&arn)
                .send()
                .await
                .map_err(err("elbv2:DescribeTargetGroupAttributes"))?;
            let a = attr_map(attrs.attributes().iter().map(|a| (a.key(), a.value())));
            let mut o = prior.unwrap_or_default();
            let mut hc = Obj::default();
            hc.set("enabled", b(tg.health_check_enabled().unwrap_or(true)))
                .set("path", opt_s(tg.health_check_path()))
                .set("port", opt_s(tg.health_check_port()))
                .set(
                    "protocol",
                    opt_s(tg.health_check_protocol().map(|p| p.as_str())),
                )
                .set("matcher", opt_s(tg.matcher().and_then(|m| m.http_code())))
                .set(
                    "interval",
                    opt_n(tg.health_check_interval_seconds().map(i64::from)),
                )
                .set(
                    "timeout",
                    opt_n(tg.health_check_timeout_seconds().map(i64::from)),
                )
                .set(
                    "healthy_threshold",
                    opt_n(tg.healthy_threshold_count().map(i64::from)),
                )
                .set(
                    "unhealthy_threshold",
                    opt_n(tg.unhealthy_threshold_count().map(i64::from)),
                );
            let stickiness = match a.get("stickiness.type") {
                Some(kind) if !kind.is_empty() => {
                    let duration_key = if kind == "app_cookie" {
                        "stickiness.app_cookie.duration_seconds"
                    } else {
                        "stickiness.lb_cookie.duration_seconds"
                    };
                    let mut st = Obj::default();
                    st.set(
                        "enabled",
                        b(attr_bool(&a, "stickiness.enabled").unwrap_or(false)),
                    )
                    .set("type", s(kind))
                    // AWS's default, which moto leaves out.
                    .set(
                        "cookie_duration",
                        n(attr_i64(&a, duration_key).unwrap_or(86400)),
                    )
                    .set(
                        "cookie_name",
                        opt_s(non_empty(
                            a.get("stickiness.app_cookie.cookie_name")
                                .map(String::as_str),
                        )),
                    );
                    vec![st]
                }
                _ => Vec::new(),
            };
            o.set("id", s(&arn))
                .set("arn", s(&arn))
                .set("arn_suffix", s(arn_suffix(&arn)))
                .set("name", opt_s(tg.target_group_name()))
                .set("port", opt_n(tg.port().map(i64::from)))
                .set("protocol", opt_s(tg.protocol().map(|p| p.as_str())))
                .set("vpc_id", opt_s(tg.vpc_id()))
                .set(
                    "target_type",
                    s(tg.target_type().map(|t| t.as_str()).unwrap_or("instance")),
                )
                .set(
                    "deregistration_delay",
                    s(a.get("deregistration_delay.timeout_seconds")
                        .map(String::as_str)
                        .unwrap_or("300")),
                )
                .set(
                    "slow_start",
                    n(attr_i64(&a, "slow_start.duration_seconds").unwrap_or(0)),
                )
                .set("health_check", blocks(&health_check_type(), vec![hc]))
                .set("stickiness", blocks(&stickiness_type(), stickiness));
            tags::set_read(&this.aws, &mut o, &t);
            Ok(o.finish(&this.schema))
        })
    }
}

impl ResourceType for TargetGroup {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &str {
        &self.aws.address
    }

    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        let mut o = Obj::of(&tags::plan(&self.aws, planned));
        let prior = prior.map(Obj::of).unwrap_or_default();
        let (hc, st) = (health_check_type(), stickiness_type());
        rewrite_blocks(&mut o, "health_check", &hc, |planned| {
            fill_blocks(
                planned,
                &prior.blocks("health_check"),
                &hc,
                &[
                    ("enabled", b(true)),
                    ("interval", n(30)),
                    ("port", s("traffic-port")),
                    ("protocol", s("HTTP")),
                    ("healthy_threshold", n(3)),
                    ("unhealthy_threshold", n(3)),
                ],
                &["path", "matcher", "timeout"],
            )
        });
        rewrite_blocks(&mut o, "stickiness", &st, |planned| {
            fill_blocks(
                planned,
                &prior.blocks("stickiness"),
                &st,
                &[("enabled", b(true)), ("cookie_duration", n(86400))],
                &["cookie_name"],
            )
        });
        o.finish(&self.schema)
    }

    fn create(&self, ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            let name = name_for_create(&p, "tf-", 32, &ctx);
            let t = tags::for_create(&this.aws, &ctx, &p);
            let hc = p.block("health_check").unwrap_or_default();
            let r = this
                .aws
                .elbv2
                .create_target_group()
                .name(&name)
                .set_port(p.i32("port"))
                .set_protocol(p.str("protocol").map(|x| x.as_str().into()))
                .set_vpc_id(p.str("vpc_id"))
                .set_target_type(p.str("target_type").map(|x| x.as_str().into()))
                .set_health_check_enabled(hc.bool("enabled"))
                .set_health_check_path(hc.str("path"))
                .set_health_check_port(hc.str("port"))
                .set_health_check_protocol(hc.str("protocol").map(|x| x.as_str().into()))
                .set_health_check_interval_seconds(hc.i32("interval"))
                .set_health_check_timeout_seconds(hc.i32("timeout"))
                .set_healthy_threshold_count(hc.i32("healthy_threshold"))
                .set_unhealthy_threshold_count(hc.i32("unhealthy_threshold"))
                .set_matcher(Self::matcher(&hc))
                .set_tags(v2_tag_list(&t))
                .send()
                .await
                .map_err(err("elbv2:CreateTargetGroup"));
            let arn = match r {
                Ok(out) => out
                    .target_groups()
                    .first()
                    .map(Self::key)
                    .unwrap_or_default(),
                Err(e) if e.already_exists() => {
                    let existing = this.by_name(&name).await?.ok_or_else(|| e.clone())?;
                    let arn = Self::key(&existing);
                    let existing_tags = v2_tags(&this.aws, std::slice::from_ref(&arn)).await?;
                    if !existing_tags.get(&arn).is_some_and(|t| is_ours(t, &ctx)) {
                        return Err(e);
                    }
                    arn
                }
                Err(e) => return Err(e),
            };
            lookup_fresh(&this, &arn).await?;
            this.modify_attributes(&arn, &p).await?;
            finish(&this, p, &arn).await
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let (before, after) = (Obj::of(&prior), Obj::of(&planned));
            let arn = before.id()?;
            if before.0.get("health_check") != after.0.get("health_check")
                && let Some(hc) = after.block("health_check")
            {
                this.aws
                    .elbv2
                    .modify_target_group()
                    .target_group_arn(&arn)
                    .set_health_check_enabled(hc.bool("enabled"))
                    .set_health_check_path(hc.str("path"))
                    .set_health_check_port(hc.str("port"))
                    .set_health_check_protocol(hc.str("protocol").map(|x| x.as_str().into()))
                    .set_health_check_interval_seconds(hc.i32("interval"))
                    .set_health_check_timeout_seconds(hc.i32("timeout"))
                    .set_healthy_threshold_count(hc.i32("healthy_threshold"))
                    .set_unhealthy_threshold_count(hc.i32("unhealthy_threshold"))
                    .set_matcher(Self::matcher(&hc))
                    .send()
                    .await
                    .map_err(err("elbv2:ModifyTargetGroup"))?;
            }
            if ["deregistration_delay", "slow_start", "stickiness"]
                .iter()
                .any(|k| before.0.get(*k) != after.0.get(*k))
            {
                this.modify_attributes(&arn, &after).await?;
            }
            v2_update_tags(&this.aws, &arn, &before, &after).await?;
            finish(&this, after, &arn).await
        })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move {
            let arn = Obj::of(&prior).id()?;
            // A listener or rule still forwarding to the group keeps it in use until the
            // listener (or its load balancer) is deleted.
            let r = retry_while(
                DEPENDENTS_DRAIN,
                |e| e.in_use(),
                || async {
                    this.aws
                        .elbv2
                        .delete_target_group()
                        .target_group_arn(&arn)
                        .send()
                        .await
                        .map_err(err("elbv2:DeleteTargetGroup"))
                },
            )
            .await;
            gone_is_ok(r)
        })
    }

    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>> {
        bulk_read(self.clone(), prior)
    }

    fn refresh(&self, batch: RefreshBatch) -> BoxFuture<ProviderResult<Refreshed>> {
        bulk_refresh(self.clone(), batch)
    }

    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>> {
        bulk_import(self.clone(), id.to_string())
    }
}

// ---------------------------------------------------------------------------------------------
// aws_lb_listener

fn fixed_response_type() -> Type {
    block_object(&fixed_response_type_fields())
}

fn redirect_type() -> Type {
    block_object(&redirect_type_fields())
}

fn action_type() -> Type {
    block_object(&[
        ("type", Type::String),
        ("order", Type::Number),
        ("target_group_arn", Type::String),
        ("fixed_response", block_list(&fixed_response_type_fields())),
        ("redirect", block_list(&redirect_type_fields())),
    ])
}

fn fixed_response_type_fields() -> Vec<(&'static str, Type)> {
    vec![
        ("content_type", Type::String),
        ("message_body", Type::String),
        ("status_code", Type::String),
    ]
}

fn redirect_type_fields() -> Vec<(&'static str, Type)> {
    vec![
        ("host", Type::String),
        ("path", Type::String),
        ("port", Type::String),
        ("protocol", Type::String),
        ("query", Type::String),
        ("status_code", Type::String),
    ]
}

/// A configured default action as the API takes it.
fn sdk_action(a: &Obj) -> elbv2::types::Action {
    let fixed = a.block("fixed_response").map(|f| {
        elbv2::types::FixedResponseActionConfig::builder()
            .set_content_type(f.str("content_type"))
            .set_message_body(f.str("message_body"))
            .set_status_code(f.str("status_code"))
            .build()
    });
    let redirect = a.block("redirect").map(|r| {
        elbv2::types::RedirectActionConfig::builder()
            .set_host(r.str("host"))
            .set_path(r.str("path"))
            .set_port(r.str("port"))
            .set_protocol(r.str("protocol"))
            .set_query(r.str("query"))
            .set_status_code(r.str("status_code").map(|c| c.as_str().into()))
            .build()
    });
    elbv2::types::Action::builder()
        .set_type(a.str("type").map(|t| t.as_str().into()))
        .set_order(a.i32("order"))
        .set_target_group_arn(a.str("target_group_arn"))
        .set_fixed_response_config(fixed)
        .set_redirect_config(redirect)
        .build()
}

/// A default action as `default_action` shows it.
fn action_value(a: &elbv2::types::Action) -> Obj {
    let fixed: Vec<Obj> = a
        .fixed_response_config()
        .map(|f| {
            let mut o = Obj::default();
            o.set("content_type", opt_s(f.content_type()))
                .set("message_body", opt_s(non_empty(f.message_body())))
                .set("status_code", opt_s(f.status_code()));
            o
        })
        .into_iter()
        .collect();
    let redirect: Vec<Obj> = a
        .redirect_config()
        .map(|r| {
            let mut o = Obj::default();
            o.set("host", opt_s(r.host()))
                .set("path", opt_s(r.path()))
                .set("port", opt_s(r.port()))
                .set("protocol", opt_s(r.protocol()))
                .set("query", opt_s(r.query()))
                .set("status_code", opt_s(r.status_code().map(|c| c.as_str())));
            o
        })
        .into_iter()
        .collect();
    let mut o = Obj::default();
    o.set("type", opt_s(a.r#type().map(|t| t.as_str())))
        .set("order", opt_n(a.order().map(i64::from)))
        .set("target_group_arn", opt_s(non_empty(a.target_group_arn())))
        .set(
            "fixed_response",
            optional_blocks(&fixed_response_type(), fixed),
        )
        .set("redirect", optional_blocks(&redirect_type(), redirect));
    o
}

#[derive(Clone)]
pub struct Listener {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
}

impl Listener {
    fn new(aws: &Arc<Aws>) -> Listener {
        let mut attrs = vec![
            ("id", AttrSchema::computed(Type::String)),
            ("arn", AttrSchema::computed(Type::String)),
            (
                "load_balancer_arn",
                AttrSchema::required(Type::String).force_new(),
            ),
            ("port", AttrSchema::optional(Type::Number)),
            ("protocol", AttrSchema::optional_computed(Type::String)),
            ("ssl_policy", AttrSchema::optional_computed(Type::String)),
            ("certificate_arn", AttrSchema::optional(Type::String)),
            (
                "default_action",
                AttrSchema::required(Type::List(Box::new(action_type()))),
            ),
        ];
        attrs.extend(tags::schema_attrs());
        Listener {
            aws: aws.clone(),
            schema: Arc::new(Schema::new(attrs)),
        }
    }

    fn certificates(p: &Obj) -> Option<Vec<elbv2::types::Certificate>> {
        p.str("certificate_arn").map(|c| {
            vec![
                elbv2::types::Certificate::builder()
                    .certificate_arn(c)
                    .build(),
            ]
        })
    }

    fn actions(p: &Obj) -> Vec<elbv2::types::Action> {
        p.blocks("default_action").iter().map(sdk_action).collect()
    }

    async fn on_load_balancer(&self, lb_arn: &str) -> ProviderResult<Vec<elbv2::types::Listener>> {
        let r = self
            .aws
            .elbv2
            .describe_listeners()
            .load_balancer_arn(lb_arn)
            .page_size(PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(err("elbv2:DescribeListeners"));
        match r {
            Err(e) if e.is_not_found() => Ok(Vec::new()),
            other => other,
        }
    }
}

impl ElbBulk for Listener {
    type Item = elbv2::types::Listener;

    fn key(item: &Self::Item) -> String {
        item.listener_arn().unwrap_or_default().to_string()
    }

    /// Listeners can only be listed per load balancer: those of the priors' load balancers.
    fn list(&self, priors: Vec<Obj>) -> BoxFuture<ProviderResult<Vec<Self::Item>>> {
        let this = self.clone();
        Box::pin(async move {
            let lbs: BTreeSet<String> = priors
                .iter()
                .filter_map(|p| p.str("load_balancer_arn"))
                .collect();
            let mut out = Vec::new();
            for lb in lbs {
                out.extend(this.on_load_balancer(&lb).await?);
            }
            Ok(out)
        })
    }

    fn lookup(&self, key: String) -> BoxFuture<ProviderResult<Option<Self::Item>>> {
        let aws = self.aws.clone();
        Box::pin(async move {
            match aws
                .elbv2
                .describe_listeners()
                .listener_arns(&key)
                .send()
                .await
            {
                Ok(out) => Ok(out.listeners().first().cloned()),
                Err(e) => {
                    let e = super::sdk::api_error("elbv2:DescribeListeners", e);
                    if e.is_not_found() { Ok(None) } else { Err(e) }
                }
            }
        })
    }

    fn tags(&self, keys: Vec<String>) -> BoxFuture<ProviderResult<HashMap<String, Tags>>> {
        let aws = self.aws.clone();
        Box::pin(async move { v2_tags(&aws, &keys).await })
    }

    fn value(
        &self,
        prior: Option<Obj>,
        l: Self::Item,
        t: Tags,
    ) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let arn = Self::key(&l);
            let mut o = prior.unwrap_or_default();
            let mut actions: Vec<&elbv2::types::Action> = l.default_actions().iter().collect();
            actions.sort_by_key(|a| a.order().unwrap_or(i32::MAX));
            o.set("id", s(&arn))
                .set("arn", s(&arn))
                .set("load_balancer_arn", opt_s(l.load_balancer_arn()))
                .set("port", opt_n(l.port().map(i64::from)))
                .set("protocol", opt_s(l.protocol().map(|p| p.as_str())))
                .set("ssl_policy", opt_s(non_empty(l.ssl_policy())))
                .set(
                    "certificate_arn",
                    opt_s(l.certificates().first().and_then(|c| c.certificate_arn())),
                )
                .set(
                    "default_action",
                    blocks(
                        &action_type(),
                        actions.into_iter().map(action_value).collect(),
                    ),
                );
            tags::set_read(&this.aws, &mut o, &t);
            Ok(o.finish(&this.schema))
        })
    }
}

impl ResourceType for Listener {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &str {
        &self.aws.address
    }

    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        let mut o = Obj::of(&tags::plan(&self.aws, planned));
        let prior = prior.map(Obj::of).unwrap_or_default();
        let prior_actions = prior.blocks("default_action");
        let (action, fixed, redirect) = (action_type(), fixed_response_type(), redirect_type());
        rewrite_blocks(&mut o, "default_action", &action, |planned| {
            let filled = fill_blocks(planned, &prior_actions, &action, &[], &["order"]);
            filled
                .into_iter()
                .enumerate()
                .map(|(i, mut a)| {
                    let before = prior_actions.get(i).cloned().unwrap_or_default();
                    rewrite_blocks(&mut a, "fixed_response", &fixed, |f| {
                        fill_blocks(
                            f,
                            &before.blocks("fixed_response"),
                            &fixed,
                            &[],
                            &["status_code"],
                        )
                    });
                    rewrite_blocks(&mut a, "redirect", &redirect, |r| {
                        fill_blocks(
                            r,
                            &before.blocks("redirect"),
                            &redirect,
                            &[
                                ("host", s("#{host}")),
                                ("path", s("/#{path}")),
                                ("port", s("#{port}")),
                                ("protocol", s("#{protocol}")),
                                ("query", s("#{query}")),
                            ],
                            &[],
                        )
                    });
                    a
                })
                .collect()
        });
        o.finish(&self.schema)
    }

    fn create(&self, ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            let lb_arn = p.req("load_balancer_arn")?;
            let t = tags::for_create(&this.aws, &ctx, &p);
            let r = this
                .aws
                .elbv2
                .create_listener()
                .load_balancer_arn(&lb_arn)
                .set_port(p.i32("port"))
                .set_protocol(p.str("protocol").map(|x| x.as_str().into()))
                .set_ssl_policy(p.str("ssl_policy"))
                .set_certificates(Self::certificates(&p))
                .set_default_actions(Some(Self::actions(&p)))
                .set_tags(v2_tag_list(&t))
                .send()
                .await
                .map_err(err("elbv2:CreateListener"));
            let arn = match r {
                Ok(out) => out.listeners().first().map(Self::key).unwrap_or_default(),
                // The port is the listener's natural key on its load balancer.
                Err(e) if e.already_exists() => {
                    let same_port = this
                        .on_load_balancer(&lb_arn)
                        .await?
                        .into_iter()
                        .find(|l| l.port() == p.i32("port"))
                        .ok_or_else(|| e.clone())?;
                    let arn = Self::key(&same_port);
                    let existing_tags = v2_tags(&this.aws, std::slice::from_ref(&arn)).await?;
                    if !existing_tags.get(&arn).is_some_and(|t| is_ours(t, &ctx)) {
                        return Err(e);
                    }
                    arn
                }
                Err(e) => return Err(e),
            };
            finish(&this, p, &arn).await
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let (before, after) = (Obj::of(&prior), Obj::of(&planned));
            let arn = before.id()?;
            if [
                "port",
                "protocol",
                "ssl_policy",
                "certificate_arn",
                "default_action",
            ]
            .iter()
            .any(|k| before.0.get(*k) != after.0.get(*k))
            {
                this.aws
                    .elbv2
                    .modify_listener()
                    .listener_arn(&arn)
                    .set_port(after.i32("port"))
                    .set_protocol(after.str("protocol").map(|x| x.as_str().into()))
                    .set_ssl_policy(after.str("ssl_policy"))
                    .set_certificates(Self::certificates(&after))
                    .set_default_actions(Some(Self::actions(&after)))
                    .send()
                    .await
                    .map_err(err("elbv2:ModifyListener"))?;
            }
            v2_update_tags(&this.aws, &arn, &before, &after).await?;
            finish(&this, after, &arn).await
        })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move {
            let arn = Obj::of(&prior).id()?;
            let r = this
                .aws
                .elbv2
                .delete_listener()
                .listener_arn(&arn)
                .send()
                .await
                .map_err(err("elbv2:DeleteListener"));
            gone_is_ok(r)
        })
    }

    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>> {
        bulk_read(self.clone(), prior)
    }

    fn refresh(&self, batch: RefreshBatch) -> BoxFuture<ProviderResult<Refreshed>> {
        bulk_refresh(self.clone(), batch)
    }

    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>> {
        bulk_import(self.clone(), id.to_string())
    }
}
