//! What a group's named children (lifecycle hooks, scheduled actions, scaling policies) share:
//! one Put call creates and changes them, they are found by group and name, deleted by name
//! (a missing group or child is already gone: Auto Scaling answers ValidationError for a
//! group that is not there), and imported as `GROUP/NAME`. Each type says its calls
//! ([`GroupChild`]); its `AsyncResourceType` methods are the blanket impl here.

use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::Obj;
use crate::provider::aws::table::Table;
use crate::provider::{AsyncResourceType, CreateContext, ProviderError, ProviderResult, Schema};
use std::future::Future;
use std::sync::Arc;

/// An answer about a group or child that is not there.
pub(super) fn missing(e: &ProviderError) -> bool {
    e.is_not_found() || e.is("ValidationError")
}

/// A Describe's answer, or none when the group is gone.
pub(super) fn found<T>(r: ProviderResult<T>) -> ProviderResult<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if missing(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

pub(super) trait GroupChild: Clone + Send + Sync + 'static {
    type Item: Send + Sync + 'static;
    /// What it is called in messages: "lifecycle hook".
    const WHAT: &'static str;
    /// The attribute that names it.
    const NAME: &'static str;

    fn parts(&self) -> (&Arc<Aws>, &Table<Self::Item>, &Schema);

    fn find(
        &self,
        group: String,
        name: String,
    ) -> impl Future<Output = ProviderResult<Option<Self::Item>>> + Send;

    /// The Put call for the planned arguments.
    fn put_call(&self, planned: Obj) -> impl Future<Output = ProviderResult<()>> + Send;

    /// The Delete call.
    fn delete_call(
        &self,
        group: String,
        name: String,
    ) -> impl Future<Output = ProviderResult<()>> + Send;
}

/// A child's `parts` and `find`: one Describe call filtered by group and name, its answer's
/// list searched for the name (AWS may answer more than was asked for).
macro_rules! found_by_name {
    ($item:ty, $describe:ident($names:ident, $op:literal) answer $list:ident, named $name_of:ident) => {
        fn parts(
            &self,
        ) -> (
            &std::sync::Arc<$crate::provider::aws::Aws>,
            &$crate::provider::aws::table::Table<$item>,
            &$crate::provider::Schema,
        ) {
            (&self.aws, &self.table, &self.schema)
        }

        async fn find(
            &self,
            group: String,
            name: String,
        ) -> $crate::provider::ProviderResult<Option<$item>> {
            let out = self
                .aws
                .autoscaling
                .$describe()
                .auto_scaling_group_name(group)
                .$names(&name)
                .send()
                .await
                .map_err($crate::provider::aws::sdk::err($op));
            Ok(super::group_child::found(out)?.and_then(|o| {
                o.$list()
                    .iter()
                    .find(|x| x.$name_of() == Some(name.as_str()))
                    .cloned()
            }))
        }
    };
}
pub(super) use found_by_name;

fn key<C: GroupChild>(o: &Obj) -> ProviderResult<(String, String)> {
    Ok((o.req("autoscaling_group_name")?, o.req(C::NAME)?))
}

fn value<C: GroupChild>(c: &C, prior: Option<Obj>, item: &C::Item) -> Value {
    let (aws, table, schema) = c.parts();
    table.read(aws, prior, item).finish(schema)
}

/// Create and update: the Put call, then the child read back.
async fn put<C: GroupChild>(c: &C, planned: Value) -> ProviderResult<Value> {
    let p = Obj::of(&planned);
    let (group, name) = key::<C>(&p)?;
    c.put_call(p.clone()).await?;
    let item = c.find(group.clone(), name.clone()).await?.ok_or_else(|| {
        ProviderError::new(
            "autoscaling",
            format!("{} {name} of {group} not found after it was put", C::WHAT),
        )
    })?;
    Ok(value(c, Some(p), &item))
}

impl<C: GroupChild> AsyncResourceType for C {
    fn schema(&self) -> &Schema {
        self.parts().2
    }

    fn provider_address(&self) -> &str {
        &self.parts().0.address
    }

    fn zero_is_unset(&self) -> bool {
        true
    }

    async fn create(&self, _ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        put(self, planned).await
    }

    async fn update(&self, _prior: Value, planned: Value) -> ProviderResult<Value> {
        put(self, planned).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let (group, name) = key::<C>(&Obj::of(&prior))?;
        found(self.delete_call(group, name).await).map(drop)
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        let o = Obj::of(&prior);
        let (group, name) = key::<C>(&o)?;
        Ok(self
            .find(group, name)
            .await?
            .map(|i| value(self, Some(o), &i)))
    }

    async fn import(&self, id: &str) -> ProviderResult<Value> {
        let Some((group, name)) = id.split_once('/') else {
            return Err(ProviderError::new(
                "import",
                format!("expected GROUP/NAME for a {}, got {id:?}", C::WHAT),
            ));
        };
        let item = self
            .find(group.to_string(), name.to_string())
            .await?
            .ok_or_else(|| {
                ProviderError::new("import", format!("no {} {name} in group {group}", C::WHAT))
            })?;
        Ok(value(self, None, &item))
    }
}
