//! What the Elastic Load Balancing v2 types share: describe by page, tags by batch, names
//! generated from a token, and [`ElbBulk`], their refresh by type.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, blocks};
use crate::provider::aws::sdk::{EVENTUAL_CONSISTENCY, retry_while};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::{self, Tags};
use crate::provider::schema::block_object;
use crate::provider::{CreateContext, ProviderError, ProviderResult, RefreshBatch, Refreshed};
use aws_sdk_elasticloadbalancingv2 as elbv2;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// How long a new load balancer may take to become `active`.
pub(crate) const ACTIVE_WAIT: Duration = Duration::from_secs(600);

/// Describe page size (the APIs' maximum).
pub(crate) const PAGE_SIZE: i32 = 400;

/// How many ARNs or names one DescribeTags takes.
pub(crate) const TAGS_PER_CALL: usize = 20;

pub(crate) fn set_of(t: Type) -> Type {
    Type::Set(Box::new(t))
}

pub(crate) fn str_set() -> Type {
    set_of(Type::String)
}

/// The name to create with: `name`, else `name_prefix` (or `default_prefix`) and the create's
/// token, at most `max` characters (Terraform's `tf-lb-...` style). The token's end is its
/// counter and sub-second digits: those are kept when the name must be cut.
pub(crate) fn name_for_create(
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
pub(crate) fn arn_suffix(arn: &str) -> String {
    let resource = arn.rsplit(':').next().unwrap_or(arn);
    match resource.strip_prefix("loadbalancer/") {
        Some(rest) => rest.to_string(),
        None => resource.to_string(),
    }
}

pub(crate) fn non_empty(x: Option<&str>) -> Option<&str> {
    x.filter(|v| !v.is_empty())
}

/// A block list attribute of `o` rewritten by `f` when it is set and known; a null one is
/// retyped as a read types it, so that the two compare equal.
pub(crate) fn rewrite_blocks(
    o: &mut Obj,
    name: &str,
    elem: &Type,
    f: impl FnOnce(&[Obj]) -> Vec<Obj>,
) {
    if o.get(name).is_some() {
        let items = f(&o.blocks(name));
        o.set(name, blocks(elem, items));
    } else if o.0.get(name).is_none_or(Value::is_null) {
        o.set(name, Value::Null(Type::List(Box::new(elem.clone()))));
    }
}

// ---------------------------------------------------------------------------------------------
// Reading through tables.

/// What an ELB object reads from: the object as described, its attributes where the type has
/// them (a call of their own), and its tags (read in batches).
pub(crate) struct Described<T> {
    pub item: T,
    pub attributes: BTreeMap<String, String>,
    pub tags: Tags,
}

impl<T> Described<T> {
    pub fn new(item: T, tags: Tags) -> Described<T> {
        Described {
            item,
            attributes: BTreeMap::new(),
            tags,
        }
    }

    /// With the attributes a Describe...Attributes call answered.
    pub fn with_attributes<'a>(
        mut self,
        pairs: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>,
    ) -> Described<T> {
        self.attributes = attr_map(pairs);
        self
    }

    pub fn attr(&self, k: &str) -> Option<&str> {
        self.attributes.get(k).map(String::as_str)
    }

    pub fn attr_i64(&self, k: &str) -> Option<i64> {
        self.attr(k).and_then(|v| v.parse().ok())
    }

    pub fn attr_bool(&self, k: &str) -> Option<bool> {
        self.attr(k).and_then(|v| v.parse().ok())
    }
}

/// A table over described ELB objects, tagged with the tags read beside them.
/// The type of a setting kept as one attribute (a listener's, a balancer's): its argument's
/// type, how the attribute's text reads as it, and how the argument writes as text.
#[derive(Clone, Copy)]
pub(crate) enum Setting {
    Number,
    Bool,
    Text,
}

impl Setting {
    pub fn ty(self) -> Type {
        match self {
            Setting::Number => Type::Number,
            Setting::Bool => Type::Bool,
            Setting::Text => Type::String,
        }
    }

    /// The attribute's text as the argument's value; `None` for a number that is none.
    pub fn value(self, text: &str) -> Option<Value> {
        Some(match self {
            Setting::Number => crate::provider::aws::attrs::n(text.parse().ok()?),
            Setting::Bool => crate::provider::aws::attrs::b(text == "true"),
            Setting::Text => crate::provider::aws::attrs::s(text),
        })
    }

    /// The configured argument as the attribute's text.
    pub fn text(self, o: &Obj, arg: &str) -> Option<String> {
        match self {
            Setting::Number => o.i64(arg).map(|v| v.to_string()),
            Setting::Bool => o.bool(arg).map(|v| v.to_string()),
            Setting::Text => o.str(arg),
        }
    }
}

pub(crate) fn elb_table<T>() -> Table<Described<T>> {
    Table::new().tagged(|d: &Described<T>| d.tags.clone())
}

// ---------------------------------------------------------------------------------------------
// Refresh by type, shared by the four types.

/// An ELB object type read in bulk.
pub(crate) trait ElbBulk: Clone + Send + Sync + 'static {
    type Item: Send + Sync + 'static;

    /// The object's id in state: its ARN.
    fn key(item: &Self::Item) -> String;

    /// Every object a refresh of these priors must see.
    fn list(
        &self,
        priors: Vec<Obj>,
    ) -> impl Future<Output = ProviderResult<Vec<Self::Item>>> + Send;

    /// One object by id; `None` when it does not exist.
    fn lookup(
        &self,
        key: String,
    ) -> impl Future<Output = ProviderResult<Option<Self::Item>>> + Send;

    /// The provider configuration the type reads with.
    fn aws(&self) -> &Arc<Aws>;

    /// The tags of these objects, by id: ELB v2's DescribeTags unless the type says otherwise.
    fn tags(
        &self,
        keys: Vec<String>,
    ) -> impl Future<Output = ProviderResult<HashMap<String, Tags>>> + Send {
        async move { v2_tags(self.aws(), &keys).await }
    }

    /// The resource's value, keeping what only the prior (the configuration) knows.
    fn value(
        &self,
        prior: Option<Obj>,
        item: Self::Item,
        tags: Tags,
    ) -> impl Future<Output = ProviderResult<Value>> + Send;
}

/// The ARN of what a create made (`made`: the object its answer names), or, when the name was
/// taken by an object this address and lineage own (an apply that died before recording it
/// made it), that object's, found by `by_name`.
pub(crate) async fn created_or_ours<B: ElbBulk>(
    b: &B,
    ctx: &CreateContext,
    made: ProviderResult<Option<B::Item>>,
    by_name: impl std::future::Future<Output = ProviderResult<Option<B::Item>>>,
) -> ProviderResult<String> {
    match made {
        Ok(item) => Ok(item.as_ref().map(B::key).unwrap_or_default()),
        Err(e) if e.already_exists() => {
            let existing = by_name.await?.ok_or_else(|| e.clone())?;
            let arn = B::key(&existing);
            let found = b.tags(vec![arn.clone()]).await?;
            match found.get(&arn).is_some_and(|t| tags::is_ours(ctx, t)) {
                true => Ok(arn),
                false => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

pub(crate) async fn refresh<B: ElbBulk>(b: &B, batch: RefreshBatch) -> ProviderResult<Refreshed> {
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
}

/// An object's value with its tags, which ELB answers by another call.
async fn tagged_value<B: ElbBulk>(
    b: &B,
    prior: Option<Obj>,
    key: &str,
    item: B::Item,
) -> ProviderResult<Value> {
    let t = b
        .tags(vec![key.to_string()])
        .await?
        .remove(key)
        .unwrap_or_default();
    b.value(prior, item, t).await
}

pub(crate) async fn read<B: ElbBulk>(b: &B, prior: Value) -> ProviderResult<Option<Value>> {
    let p = Obj::of(&prior);
    let id = p.id()?;
    let Some(item) = b.lookup(id.clone()).await? else {
        return Ok(None);
    };
    Ok(Some(tagged_value(b, Some(p), &id, item).await?))
}

pub(crate) async fn import<B: ElbBulk>(b: &B, id: &str) -> ProviderResult<Value> {
    let item = b.lookup(id.to_string()).await?.ok_or_else(|| {
        ProviderError::new("import", format!("no object with id {id}")).with_code("NotFound")
    })?;
    tagged_value(b, None, id, item).await
}

/// Looks an object up right after create or update, while AWS may not show it yet.
pub(crate) async fn lookup_fresh<B: ElbBulk>(b: &B, key: &str) -> ProviderResult<B::Item> {
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
pub(crate) async fn finish<B: ElbBulk>(b: &B, p: Obj, key: &str) -> ProviderResult<Value> {
    let item = lookup_fresh(b, key).await?;
    tagged_value(b, Some(p), key, item).await
}

// ---------------------------------------------------------------------------------------------
// ELBv2 tags.

pub(crate) fn v2_tag_list(t: &Tags) -> Option<Vec<elbv2::types::Tag>> {
    (!t.is_empty()).then(|| {
        t.iter()
            .map(|(k, v)| elbv2::types::Tag::builder().key(k).value(v).build())
            .collect()
    })
}

pub(crate) async fn v2_tags(aws: &Aws, arns: &[String]) -> ProviderResult<HashMap<String, Tags>> {
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
                let e = crate::provider::aws::sdk::api_error("elbv2:DescribeTags", e);
                if !e.is_not_found() {
                    return Err(e);
                }
                for arn in chunk {
                    out.extend(Box::pin(v2_tags(aws, std::slice::from_ref(arn))).await?);
                }
                continue;
            }
            Err(e) => {
                let e = crate::provider::aws::sdk::api_error("elbv2:DescribeTags", e);
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
pub(crate) async fn v2_update_tags(
    aws: &Aws,
    arn: &str,
    before: &Obj,
    after: &Obj,
) -> ProviderResult<()> {
    let set = |t: Tags| {
        crate::provider::aws::sdk::sent!(
            aws.elbv2
                .add_tags()
                .resource_arns(arn)
                .set_tags(v2_tag_list(&t)),
            "elbv2:AddTags"
        )
    };
    let remove = |keys: Vec<String>| {
        crate::provider::aws::sdk::sent!(
            aws.elbv2
                .remove_tags()
                .resource_arns(arn)
                .set_tag_keys(Some(keys)),
            "elbv2:RemoveTags"
        )
    };
    tags::sync(aws, before, after, set, remove).await
}

/// Attribute key/value pairs as a map.
pub(crate) fn attr_map<'a>(
    pairs: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>,
) -> BTreeMap<String, String> {
    pairs
        .filter_map(|(k, v)| Some((k?.to_string(), v.unwrap_or("").to_string())))
        .collect()
}

pub(crate) fn subnet_mapping_type() -> Type {
    block_object(&[
        ("subnet_id", Type::String),
        ("allocation_id", Type::String),
        ("private_ipv4_address", Type::String),
        ("ipv6_address", Type::String),
        // The Outpost of a zone that is one (computed).
        ("outpost_id", Type::String),
    ])
}

pub(crate) fn access_logs_type() -> Type {
    block_object(&[
        ("bucket", Type::String),
        ("prefix", Type::String),
        ("enabled", Type::Bool),
    ])
}

/// Every object of the parents the priors name in `parent` (a listener's load balancer, a
/// rule's listener): for types AWS lists only per parent.
pub(crate) async fn per_parent<T, F, Fut>(
    priors: &[Obj],
    parent: &str,
    list: F,
) -> ProviderResult<Vec<T>>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = ProviderResult<Vec<T>>>,
{
    let parents: std::collections::BTreeSet<String> =
        priors.iter().filter_map(|p| p.str(parent)).collect();
    let mut out = Vec::new();
    for p in parents {
        out.extend(list(p).await?);
    }
    Ok(out)
}

/// The body of an async [`ElbBulk::list`] for a type listed by one paginated Describe call:
/// `describe_pages!(self, elbv2, describe_target_groups, "elbv2:DescribeTargetGroups")`.
macro_rules! describe_pages {
    ($self:ident, $client:ident, $op:ident, $name:literal) => {{
        use $crate::provider::aws::sdk::AllPages as _;
        $self
            .aws
            .$client
            .$op()
            .page_size($crate::provider::aws::elbv2::common::PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .all($name)
            .await
    }};
}
pub(crate) use describe_pages;

/// What an `impl ElbBulk` declares about its object: its SDK type, the getter of its key (ARN
/// or name), and the Describe call on `client` that looks one up by key (`by` the builder's
/// setter, `answer` the output's list); `listed` lists every object by pages for refresh too,
/// else the type writes `list` by hand:
///
/// `elb_object! { item elbv2::types::TargetGroup, key target_group_arn,
/// elbv2.describe_target_groups("elbv2:DescribeTargetGroups") by target_group_arns answer
/// target_groups, listed }`
macro_rules! elb_object {
    (item $item:ty, key $key:ident, $client:ident.$op:ident($name:literal) by $by:ident
        answer $answer:ident $(, $listed:ident)?) => {
        type Item = $item;

        fn key(item: &Self::Item) -> String {
            item.$key().unwrap_or_default().to_string()
        }

        fn aws(&self) -> &std::sync::Arc<$crate::provider::aws::Aws> {
            &self.aws
        }

        async fn lookup(
            &self,
            key: String,
        ) -> $crate::provider::ProviderResult<Option<Self::Item>> {
            let answer = self.aws.$client.$op().$by(&key).send().await;
            Ok($crate::provider::aws::sdk::absent_if_not_found(
                answer.map_err($crate::provider::aws::sdk::err($name)),
            )?
            .and_then(|out| out.$answer().first().cloned()))
        }

        $crate::provider::aws::elbv2::common::elb_object!(@list $($listed)? $client $op $name);
    };
    (@list listed $client:ident $op:ident $name:literal) => {
        async fn list(
            &self,
            _priors: Vec<$crate::provider::aws::attrs::Obj>,
        ) -> $crate::provider::ProviderResult<Vec<Self::Item>> {
            $crate::provider::aws::elbv2::common::describe_pages!(self, $client, $op, $name)
        }
    };
    (@list $client:ident $op:ident $name:literal) => {};
}
pub(crate) use elb_object;

/// An ELBv2 object's `Described`, with the attributes its Describe...Attributes call answers
/// (`described_with_attributes!(aws, describe_target_group_attributes, set_target_group_arn,
/// arn, "elbv2:DescribeTargetGroupAttributes", item, tags)`), from inside an async block.
macro_rules! described_with_attributes {
    ($aws:expr, $op:ident, $set:ident, $key:expr, $name:literal, $item:expr, $tags:expr) => {{
        let answer = $aws
            .elbv2
            .$op()
            .$set($key)
            .send()
            .await
            .map_err($crate::provider::aws::sdk::err($name))?;
        $crate::provider::aws::elbv2::common::Described::new($item, $tags)
            .with_attributes(answer.attributes().iter().map(|a| (a.key(), a.value())))
    }};
}
pub(crate) use described_with_attributes;

/// The reading half of `AsyncResourceType` for a type found through [`ElbBulk`]: read one, refresh
/// by type, import by ARN (plus the schema and provider address).
macro_rules! elb_reads {
    ($(plan $tags:ident)?) => {
        $crate::provider::aws::bulk::reads_through!(
            $crate::provider::aws::elbv2::common $(, plan $tags)?
        );
    };
}
pub(crate) use elb_reads;
