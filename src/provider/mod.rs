//! Providers: the interface every resource type implements (schema, plan hook, create, read,
//! update, delete, import) and the registry that finds a type by name. `builtin/` holds the
//! provider-free resources; cloud providers live beside it. Nothing here knows the graph.

pub mod builtin;
pub mod schema;

use crate::lang::value::Value;
pub use schema::{AttrSchema, Schema};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A failed provider call, with the API operation that failed when there was one.
#[derive(Debug, Clone)]
pub struct ProviderError {
    pub operation: String,
    pub message: String,
}

impl ProviderError {
    pub fn new(operation: impl Into<String>, message: impl Into<String>) -> ProviderError {
        ProviderError {
            operation: operation.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.operation, self.message)
    }
}

pub type ProviderResult<T> = Result<T, ProviderError>;

pub trait ResourceType: Send + Sync {
    fn schema(&self) -> &Schema;

    /// The provider's address as state records it.
    fn provider_address(&self) -> &'static str;

    /// Adjusts the planned new state: the generic planner has put config values and kept
    /// prior computed values; this marks computed attributes that will change as unknown.
    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        let _ = prior;
        planned
    }

    fn create(&self, planned: Value) -> BoxFuture<ProviderResult<Value>>;

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>>;

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>>;

    /// The object as it is now, or `None` if it is gone.
    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>>;

    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>>;
}

/// Every resource type infra knows, by type name.
#[derive(Clone)]
pub struct Registry {
    types: HashMap<&'static str, Arc<dyn ResourceType>>,
}

impl Registry {
    pub fn new() -> Registry {
        let mut types: HashMap<&'static str, Arc<dyn ResourceType>> = HashMap::new();
        types.insert("terraform_data", Arc::new(builtin::TerraformData::new()));
        types.insert("null_resource", Arc::new(builtin::NullResource::new()));
        types.insert("time_sleep", Arc::new(builtin::TimeSleep::new()));
        Registry { types }
    }

    pub fn get(&self, type_name: &str) -> Option<Arc<dyn ResourceType>> {
        self.types.get(type_name).cloned()
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.types.keys().copied()
    }
}

impl Default for Registry {
    fn default() -> Registry {
        Registry::new()
    }
}
