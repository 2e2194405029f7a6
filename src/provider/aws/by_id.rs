//! Reading a type whose objects one method of its own reads by id
//! (`fn value(&self, prior: Option<Obj>, id: &str) -> ProviderResult<Option<Value>>`, `None`
//! when the object is gone): `read` passes the prior's id, `import` the given one, and where no
//! call finds the objects of a lineage in bulk, `refresh` reads each object on its own.

use crate::lang::value::Value;
use crate::provider::{AsyncResourceType, ProviderError, ProviderResult, Refreshed};
use std::sync::Arc;

/// `read` and `import` through `$read` (`reads_by_id!(value, "no alarm named {id}")`: the
/// error of an import of a missing id); with `refresh each`, also `refresh` through
/// [`refresh_each`].
macro_rules! reads_by_id {
    ($read:ident, $what:literal $(, refresh $each:ident)?) => {
        async fn read(
            &self,
            prior: $crate::lang::value::Value,
        ) -> $crate::provider::ProviderResult<Option<$crate::lang::value::Value>> {
            let p = $crate::provider::aws::attrs::Obj::of(&prior);
            let id = p.id()?;
            self.$read(Some(p), &id).await
        }

        async fn import(
            &self,
            id: &str,
        ) -> $crate::provider::ProviderResult<$crate::lang::value::Value> {
            self.$read(None, id).await?.ok_or_else(|| {
                $crate::provider::ProviderError::new("import", format!($what, id = id))
                    .with_code("NotFound")
            })
        }

        $(
            $crate::provider::aws::by_id::reads_by_id!(@refresh $each);
        )?
    };
    (@refresh each) => {
        async fn refresh(
            &self,
            batch: $crate::provider::RefreshBatch,
        ) -> $crate::provider::ProviderResult<$crate::provider::Refreshed> {
            $crate::provider::aws::by_id::refresh_each(self, batch.priors).await
        }
    };
}
pub(crate) use reads_by_id;

/// At most this many reads run at once during a refresh.
pub(crate) const REFRESH_CONCURRENCY: usize = 8;

/// Refresh by reading each object on its own, a few at a time: for types (IAM's) that have no
/// tag filter to find them in bulk.
pub(crate) async fn refresh_each<T: AsyncResourceType>(
    this: &T,
    priors: Vec<Value>,
) -> ProviderResult<Refreshed> {
    let permits = Arc::new(tokio::sync::Semaphore::new(REFRESH_CONCURRENCY));
    let handles: Vec<_> = priors
        .into_iter()
        .map(|prior| {
            let (this, permits) = (this.clone(), permits.clone());
            tokio::spawn(async move {
                let _permit = permits.acquire_owned().await;
                this.read(prior).await
            })
        })
        .collect();
    let mut current = Vec::with_capacity(handles.len());
    for h in handles {
        current.push(
            h.await
                .map_err(|e| ProviderError::new("refresh", e.to_string()))??,
        );
    }
    Ok(Refreshed {
        current,
        found: Vec::new(),
    })
}
