//! [`ResourceType`] written with `async fn`s. The engine holds types as `dyn ResourceType`,
//! whose calls return boxed `'static` futures, so each call needs its own copy of the type.
//! A type that implements [`AsyncResourceType`] instead gets that copy from the blanket impl
//! below (types are a few `Arc`s and a string), and its methods borrow `self` like any other
//! method: no `let this = self.clone(); Box::pin(async move { ... })` in every one of them.

use super::{CreateContext, ProviderResult, RefreshBatch, Refreshed, ResourceType, Schema, fleet};
use crate::lang::value::Value;
use std::future::Future;

/// The methods of [`ResourceType`], with the same meaning (see there), and their defaults.
pub trait AsyncResourceType: Clone + Send + Sync + 'static {
    fn schema(&self) -> &Schema;

    fn provider_address(&self) -> &str;

    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        let _ = prior;
        planned
    }

    fn validate(&self, planned: &Value) -> Result<(), String> {
        let _ = planned;
        Ok(())
    }

    fn create(
        &self,
        ctx: CreateContext,
        planned: Value,
    ) -> impl Future<Output = ProviderResult<Value>> + Send;

    fn update(
        &self,
        prior: Value,
        planned: Value,
    ) -> impl Future<Output = ProviderResult<Value>> + Send;

    fn delete(&self, prior: Value) -> impl Future<Output = ProviderResult<()>> + Send;

    fn read(&self, prior: Value) -> impl Future<Output = ProviderResult<Option<Value>>> + Send;

    fn refresh(
        &self,
        batch: RefreshBatch,
    ) -> impl Future<Output = ProviderResult<Refreshed>> + Send {
        async move {
            let mut current = Vec::with_capacity(batch.priors.len());
            for prior in batch.priors {
                current.push(self.read(prior).await?);
            }
            Ok(Refreshed {
                current,
                found: Vec::new(),
            })
        }
    }

    fn import(&self, id: &str) -> impl Future<Output = ProviderResult<Value>> + Send;

    fn zero_is_unset(&self) -> bool {
        false
    }

    fn replacing(&self, prior: &Value, planned: &Value, changed: &[String]) -> Vec<String> {
        let _ = (prior, planned, changed);
        Vec::new()
    }

    fn fleet(&self) -> Option<&dyn fleet::Fleet> {
        None
    }
}

impl<T: AsyncResourceType> ResourceType for T {
    fn schema(&self) -> &Schema {
        AsyncResourceType::schema(self)
    }

    fn provider_address(&self) -> &str {
        AsyncResourceType::provider_address(self)
    }

    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        AsyncResourceType::plan(self, prior, planned)
    }

    fn validate(&self, planned: &Value) -> Result<(), String> {
        AsyncResourceType::validate(self, planned)
    }

    fn create(
        &self,
        ctx: CreateContext,
        planned: Value,
    ) -> super::BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move { AsyncResourceType::create(&this, ctx, planned).await })
    }

    fn update(&self, prior: Value, planned: Value) -> super::BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move { AsyncResourceType::update(&this, prior, planned).await })
    }

    fn delete(&self, prior: Value) -> super::BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move { AsyncResourceType::delete(&this, prior).await })
    }

    fn read(&self, prior: Value) -> super::BoxFuture<ProviderResult<Option<Value>>> {
        let this = self.clone();
        Box::pin(async move { AsyncResourceType::read(&this, prior).await })
    }

    fn refresh(&self, batch: RefreshBatch) -> super::BoxFuture<ProviderResult<Refreshed>> {
        let this = self.clone();
        Box::pin(async move { AsyncResourceType::refresh(&this, batch).await })
    }

    fn import(&self, id: &str) -> super::BoxFuture<ProviderResult<Value>> {
        let (this, id) = (self.clone(), id.to_string());
        Box::pin(async move { AsyncResourceType::import(&this, &id).await })
    }

    fn zero_is_unset(&self) -> bool {
        AsyncResourceType::zero_is_unset(self)
    }

    fn replacing(&self, prior: &Value, planned: &Value, changed: &[String]) -> Vec<String> {
        AsyncResourceType::replacing(self, prior, planned, changed)
    }

    fn fleet(&self) -> Option<&dyn fleet::Fleet> {
        AsyncResourceType::fleet(self)
    }
}
