//! Sensitive marks around every provider call. A resource type sees plain values, as a
//! Terraform provider does; what it returns is marked where what went in was marked, where its
//! schema says an attribute is secret, and wherever a secret that went in comes out under
//! another name (`tags_all` copies `tags`). The registry wraps every type and data source it
//! holds, so no path (plan, apply, refresh, import, a data source read) can forget.

use super::{
    BoxFuture, CreateContext, DataSource, ProviderResult, RefreshBatch, Refreshed, ResourceType,
    Schema,
};
use crate::lang::marks::{self, Path};
use crate::lang::value::Value;
use std::sync::Arc;

/// What to put back on a value a provider returns.
struct Marks {
    paths: Vec<Path>,
    secrets: Vec<String>,
}

impl Marks {
    fn of(v: &Value) -> Marks {
        if !v.has_marks() {
            return Marks {
                paths: Vec::new(),
                secrets: Vec::new(),
            };
        }
        let secrets = marks::secret_strings(v);
        crate::redact::register(&secrets);
        Marks {
            paths: marks::paths(v),
            secrets,
        }
    }

    fn put_on(&self, v: Value, schema: &Schema) -> Value {
        let v = marks::mark_secrets(marks::apply(v, &self.paths), &self.secrets);
        let v = mark_schema_sensitive(v, schema);
        if v.has_marks() {
            crate::redact::register(&marks::secret_strings(&v));
        }
        v
    }
}

/// Attributes the schema declares sensitive, marked whatever their value.
fn mark_schema_sensitive(v: Value, schema: &Schema) -> Value {
    if !schema.attributes.values().any(|a| a.sensitive) {
        return v;
    }
    let Some(attrs) = v.unmark().0.attributes() else {
        return v;
    };
    let mut attrs = attrs.clone();
    for (name, a) in &schema.attributes {
        if a.sensitive
            && let Some(x) = attrs.remove(name)
        {
            attrs.insert(name.clone(), x.sensitive());
        }
    }
    Value::object(attrs)
}

fn plain(v: &Value) -> Value {
    v.unmark_deep().0
}

/// A resource type behind the mark boundary.
pub struct Unmarked(pub Arc<dyn ResourceType>);

impl Unmarked {
    pub fn wrap(t: Arc<dyn ResourceType>) -> Arc<dyn ResourceType> {
        Arc::new(Unmarked(t))
    }

    fn after(
        &self,
        marks: Marks,
        fut: BoxFuture<ProviderResult<Value>>,
    ) -> BoxFuture<ProviderResult<Value>> {
        let inner = self.0.clone();
        Box::pin(async move {
            let v = fut.await?;
            Ok(marks.put_on(v, inner.schema()))
        })
    }
}

impl ResourceType for Unmarked {
    fn schema(&self) -> &Schema {
        self.0.schema()
    }

    fn provider_address(&self) -> &str {
        self.0.provider_address()
    }

    fn zero_is_unset(&self) -> bool {
        self.0.zero_is_unset()
    }

    fn replacing(&self, prior: &Value, planned: &Value, changed: &[String]) -> Vec<String> {
        self.0.replacing(&plain(prior), &plain(planned), changed)
    }

    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        let m = Marks::of(&planned);
        let out = self.0.plan(prior.map(plain).as_ref(), plain(&planned));
        m.put_on(out, self.schema())
    }

    fn validate(&self, planned: &Value) -> Result<(), String> {
        self.0.validate(&plain(planned))
    }

    fn create(&self, ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let m = Marks::of(&planned);
        self.after(m, self.0.create(ctx, plain(&planned)))
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let m = Marks::of(&planned);
        self.after(m, self.0.update(plain(&prior), plain(&planned)))
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        self.0.delete(plain(&prior))
    }

    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>> {
        let m = Marks::of(&prior);
        let inner = self.0.clone();
        let fut = self.0.read(plain(&prior));
        Box::pin(async move { Ok(fut.await?.map(|v| m.put_on(v, inner.schema()))) })
    }

    fn refresh(&self, batch: RefreshBatch) -> BoxFuture<ProviderResult<Refreshed>> {
        let marks: Vec<Marks> = batch.priors.iter().map(Marks::of).collect();
        let plain_batch = RefreshBatch {
            lineage: batch.lineage,
            priors: batch.priors.iter().map(plain).collect(),
        };
        let inner = self.0.clone();
        let fut = self.0.refresh(plain_batch);
        Box::pin(async move {
            let r = fut.await?;
            let schema = inner.schema();
            Ok(Refreshed {
                current: r
                    .current
                    .into_iter()
                    .zip(marks)
                    .map(|(v, m)| v.map(|v| m.put_on(v, schema)))
                    .collect(),
                found: r
                    .found
                    .into_iter()
                    .map(|(a, v)| (a, mark_schema_sensitive(v, schema)))
                    .collect(),
            })
        })
    }

    fn fleet(&self) -> Option<&dyn super::fleet::Fleet> {
        self.0.fleet()
    }

    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>> {
        self.after(Marks::of(&Value::null()), self.0.import(id))
    }
}

/// A data source behind the mark boundary: its result is marked where its configuration was.
pub struct UnmarkedData(pub Arc<dyn DataSource>);

impl UnmarkedData {
    pub fn wrap(d: Arc<dyn DataSource>) -> Arc<dyn DataSource> {
        Arc::new(UnmarkedData(d))
    }
}

impl DataSource for UnmarkedData {
    fn schema(&self) -> &Schema {
        self.0.schema()
    }

    fn read(&self, config: Value) -> BoxFuture<ProviderResult<Value>> {
        let m = Marks::of(&config);
        let inner = self.0.clone();
        let fut = self.0.read(plain(&config));
        Box::pin(async move {
            let v = fut.await?;
            // A data source is read once its arguments are known; what it does not answer is
            // null, not the "known after apply" its configuration held for computed attributes
            // (an unknown left there would make every output using it unknown after apply).
            let v = match v.attributes() {
                Some(attrs) if !v.is_wholly_known() => Value::object(
                    attrs
                        .iter()
                        .map(|(k, a)| {
                            let a = match a {
                                Value::Unknown(ty) => Value::Null(ty.clone()),
                                other => other.clone(),
                            };
                            (k.clone(), a)
                        })
                        .collect(),
                ),
                _ => v,
            };
            Ok(m.put_on(v, inner.schema()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::types::Type;
    use crate::provider::{AttrSchema, BoxFuture, DataSource, ProviderResult, Schema};

    /// Answers its configuration as it came, as data sources that start from it do.
    struct Echo(Schema);

    impl DataSource for Echo {
        fn schema(&self) -> &Schema {
            &self.0
        }

        fn read(&self, config: Value) -> BoxFuture<ProviderResult<Value>> {
            Box::pin(async move { Ok(config) })
        }
    }

    #[test]
    fn what_a_data_source_leaves_unanswered_reads_as_null() {
        let schema = Schema::new([
            ("id", AttrSchema::optional_computed(Type::String)),
            ("vpc_id", AttrSchema::optional_computed(Type::String)),
        ]);
        let source = UnmarkedData::wrap(Arc::new(Echo(schema)));
        let config = Value::object(
            [
                ("id".to_string(), Value::string("z-1")),
                ("vpc_id".to_string(), Value::Unknown(Type::String)),
            ]
            .into(),
        );
        let read = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(source.read(config))
            .unwrap();
        let attrs = read.attributes().unwrap();
        assert!(read.is_wholly_known());
        assert!(attrs["vpc_id"].is_null());
        assert_eq!(attrs["id"].as_str(), Some("z-1"));
    }
}
