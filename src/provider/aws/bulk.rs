//! Refresh by type for EC2 objects: one filtered, paginated Describe call finds every object of
//! the state's lineage (by the `infra:lineage` tag), and one more, filtered by id, finds the
//! objects that carry no such tag (imported ones) or have vanished. Objects tagged with the
//! lineage that the state does not hold are handed back by the address they are tagged with,
//! so the plan can adopt what a crashed apply created.

use super::Aws;
use super::table::Table;
use super::tags::{self, LINEAGE_TAG};
use crate::lang::value::Value;
use crate::provider::aws::attrs::Obj;
use crate::provider::aws::sdk::{EVENTUAL_CONSISTENCY, retry_while};
use crate::provider::{ProviderError, ProviderResult, RefreshBatch, Refreshed, Schema};
use aws_sdk_ec2::types::Filter;
use std::collections::HashMap;
use std::future::Future;

/// How many values one EC2 filter takes.
const FILTER_VALUES: usize = 200;

/// An EC2 object type that can be described in bulk.
pub trait Ec2Bulk: Send + Sync + 'static {
    type Item: Send + Sync + 'static;

    /// The Describe filter that selects by id (`vpc-id`).
    const ID_FILTER: &'static str;

    /// The operation the error of [`described`] names when the object stays missing
    /// (`ec2:DescribeVpcs`), and its code, AWS's own for a missing object
    /// (`InvalidVpcID.NotFound`).
    const DESCRIBE: &'static str;
    const NOT_FOUND: &'static str;

    fn item_id(item: &Self::Item) -> String;

    /// The type's clients, attribute table (its tags, for adoption, read through it) and
    /// schema.
    fn parts(&self) -> (&Aws, &Table<Self::Item>, &Schema);

    /// All objects matching the filters, every page.
    fn describe(
        &self,
        filters: Vec<Filter>,
    ) -> impl Future<Output = ProviderResult<Vec<Self::Item>>> + Send;

    /// The resource's value from an object described, keeping what only the prior (the
    /// configuration) knows; `None` for an object that is being deleted. Unless the type
    /// says otherwise, what its table reads.
    fn value(
        &self,
        prior: Option<Obj>,
        item: Self::Item,
    ) -> impl Future<Output = ProviderResult<Option<Value>>> + Send {
        let (aws, table, schema) = self.parts();
        std::future::ready(Ok(Some(table.read(aws, prior, &item).finish(schema))))
    }
}

pub fn filter(name: &str, values: impl IntoIterator<Item = String>) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.into_iter().collect()))
        .build()
}

/// Describes the objects with these ids (missing ones are simply absent).
pub async fn by_ids<B: Ec2Bulk>(b: &B, ids: &[String]) -> ProviderResult<Vec<B::Item>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(FILTER_VALUES) {
        out.extend(
            b.describe(vec![filter(B::ID_FILTER, chunk.iter().cloned())])
                .await?,
        );
    }
    Ok(out)
}

/// The object with this id, if it exists.
pub async fn find<B: Ec2Bulk>(b: &B, id: &str) -> ProviderResult<Option<B::Item>> {
    Ok(by_ids(b, &[id.to_string()]).await?.into_iter().next())
}

/// Describes one object by id, waiting out the eventual consistency after a create: AWS may
/// answer NotFound for a while for an object it has just created.
pub async fn described<B: Ec2Bulk>(b: &B, id: &str) -> ProviderResult<B::Item> {
    retry_while(
        EVENTUAL_CONSISTENCY,
        |e| e.is_not_found(),
        || async {
            by_ids(b, &[id.to_string()])
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| {
                    ProviderError::new(B::DESCRIBE, format!("{id} not found"))
                        .with_code(B::NOT_FOUND)
                })
        },
    )
    .await
}

/// The resource's value after a create or update, keeping what only `planned` knows.
pub async fn finished<B: Ec2Bulk>(b: &B, planned: Obj, id: &str) -> ProviderResult<Value> {
    let item = described(b, id).await?;
    b.value(Some(planned), item)
        .await?
        .ok_or_else(|| ProviderError::new(B::DESCRIBE, format!("{id} vanished")))
}

/// Reads one object by the id in `prior`.
pub async fn read<B: Ec2Bulk>(b: &B, prior: Value) -> ProviderResult<Option<Value>> {
    let p = Obj::of(&prior);
    let id = p.id()?;
    let Some(item) = find(b, &id).await? else {
        return Ok(None);
    };
    b.value(Some(p), item).await
}

/// Imports one object by id.
pub async fn import<B: Ec2Bulk>(b: &B, id: &str) -> ProviderResult<Value> {
    let item = find(b, id).await?.ok_or_else(|| {
        ProviderError::new("import", format!("no object with id {id}")).with_code("NotFound")
    })?;
    b.value(None, item)
        .await?
        .ok_or_else(|| ProviderError::new("import", format!("{id} is being deleted")))
}

/// Refresh by type: see the module documentation.
pub async fn refresh<B: Ec2Bulk>(b: &B, batch: RefreshBatch) -> ProviderResult<Refreshed> {
    let priors: Vec<Obj> = batch.priors.iter().map(Obj::of).collect();
    let mut items: HashMap<String, B::Item> = HashMap::new();
    let mut tagged: Vec<String> = Vec::new();
    if !batch.lineage.is_empty() {
        for item in b
            .describe(vec![filter(
                &format!("tag:{LINEAGE_TAG}"),
                [batch.lineage.clone()],
            )])
            .await?
        {
            let id = B::item_id(&item);
            tagged.push(id.clone());
            items.insert(id, item);
        }
    }
    let missing: Vec<String> = priors
        .iter()
        .filter_map(|p| p.str("id"))
        .filter(|id| !items.contains_key(id))
        .collect();
    if !missing.is_empty() {
        for item in by_ids(b, &missing).await? {
            items.insert(B::item_id(&item), item);
        }
    }
    let mut current = Vec::with_capacity(priors.len());
    for p in priors {
        let item = p.str("id").and_then(|id| items.remove(&id));
        current.push(match item {
            Some(item) => b.value(Some(p), item).await?,
            None => None,
        });
    }
    // What is left and tagged with this lineage: objects the state does not know.
    let mut found = Vec::new();
    for id in tagged {
        if let Some(item) = items.remove(&id)
            && let Some(address) = tags::owner(&b.parts().1.tags_of(&item), &batch.lineage)
            && let Some(v) = b.value(None, item).await?
        {
            found.push((address, v));
        }
    }
    Ok(Refreshed { current, found })
}

/// What every AWS type's `impl AsyncResourceType` says alike: its schema and provider address,
/// from its `schema` and `aws` fields.
macro_rules! schema_and_address {
    () => {
        fn schema(&self) -> &$crate::provider::Schema {
            &self.schema
        }

        fn provider_address(&self) -> &str {
            &self.aws.address
        }

        fn zero_is_unset(&self) -> bool {
            true
        }
    };
}
pub(crate) use schema_and_address;

/// What an `impl Ec2Bulk` declares about its object: its SDK type, the getter of its id, the
/// Describe filter by id, AWS's code for a missing one and the Describe operation's name; with
/// `via op` (and `pages N`) the paginated Describe call itself, with `with f` a function
/// `f(&Aws, filters)` that describes, else the type writes `describe` by hand:
///
/// `ec2_object! { item Item, id vpc_id, filter "vpc-id", missing "InvalidVpcID.NotFound",
/// "ec2:DescribeVpcs" via describe_vpcs pages 1000 }`
macro_rules! ec2_object {
    (item $item:ty, id $id:ident, filter $filter:literal, missing $nf:literal, $describe:literal
        $(via $op:ident $(pages $page:literal)?)? $(with $func:path)?) => {
        type Item = $item;
        const ID_FILTER: &'static str = $filter;
        const DESCRIBE: &'static str = $describe;
        const NOT_FOUND: &'static str = $nf;

        fn item_id(item: &Self::Item) -> String {
            item.$id().unwrap_or_default().to_string()
        }

        fn parts(
            &self,
        ) -> (
            &$crate::provider::aws::Aws,
            &$crate::provider::aws::table::Table<Self::Item>,
            &$crate::provider::Schema,
        ) {
            (&self.aws, &self.table, &self.schema)
        }

        $(
            async fn describe(
                &self,
                filters: Vec<aws_sdk_ec2::types::Filter>,
            ) -> $crate::provider::ProviderResult<Vec<Self::Item>> {
                $crate::provider::aws::bulk::describe_all!(self, $op, $describe, filters $(, $page)?)
            }
        )?

        $(
            async fn describe(
                &self,
                filters: Vec<aws_sdk_ec2::types::Filter>,
            ) -> $crate::provider::ProviderResult<Vec<Self::Item>> {
                $func(&self.aws, filters).await
            }
        )?
    };
}
pub(crate) use ec2_object;

/// The `plan` of a type whose only planning is its tags (`tags_all` from the provider's
/// `default_tags`).
macro_rules! plan_tags {
    () => {
        fn plan(
            &self,
            _prior: Option<&$crate::lang::value::Value>,
            planned: $crate::lang::value::Value,
        ) -> $crate::lang::value::Value {
            $crate::provider::aws::tags::plan(&self.aws, planned)
        }
    };
}
pub(crate) use plan_tags;

/// The reading half of `AsyncResourceType` through a finder module's `read`, `refresh` and
/// `import` functions (plus [`schema_and_address`]), with `plan tags` a [`plan_tags`] plan too:
/// `ec2_reads!` and `elb_reads!` are this over [`Ec2Bulk`]'s and `ElbBulk`'s modules.
macro_rules! reads_through {
    ($($m:tt)::+, plan tags) => {
        $crate::provider::aws::bulk::reads_through!($($m)::+);
        $crate::provider::aws::bulk::plan_tags!();
    };
    ($($m:tt)::+) => {
        $crate::provider::aws::bulk::schema_and_address!();

        async fn read(
            &self,
            prior: $crate::lang::value::Value,
        ) -> $crate::provider::ProviderResult<Option<$crate::lang::value::Value>> {
            $($m)::+::read(self, prior).await
        }

        async fn refresh(
            &self,
            batch: $crate::provider::RefreshBatch,
        ) -> $crate::provider::ProviderResult<$crate::provider::Refreshed> {
            $($m)::+::refresh(self, batch).await
        }

        async fn import(
            &self,
            id: &str,
        ) -> $crate::provider::ProviderResult<$crate::lang::value::Value> {
            $($m)::+::import(self, id).await
        }
    };
}
pub(crate) use reads_through;

/// The reading half of `AsyncResourceType` for a type found through [`Ec2Bulk`]: read one, refresh
/// by type, import by id (plus [`schema_and_address`]). The type writes only plan, create,
/// update and delete; `ec2_reads!(plan tags)` writes a [`plan_tags`] plan too.
macro_rules! ec2_reads {
    ($(plan $tags:ident)?) => {
        $crate::provider::aws::bulk::reads_through!($crate::provider::aws::bulk $(, plan $tags)?);
    };
}
pub(crate) use ec2_reads;

/// The body of an async [`Ec2Bulk::describe`]: every page of one EC2 Describe call with these filters
/// (`describe_all!(self, describe_vpcs, "ec2:DescribeVpcs", filters, 1000)`; the page size is
/// left out for the calls that take none).
macro_rules! describe_all {
    ($self:ident, $op:ident, $name:literal, $filters:ident $(, $page:literal)?) => {{
        use $crate::provider::aws::sdk::AllPages as _;
        $self
            .aws
            .ec2
            .$op()
            .set_filters(Some($filters))
            $(.max_results($page))?
            .into_paginator()
            .items()
            .send()
            .all($name)
            .await
    }};
}
pub(crate) use describe_all;
