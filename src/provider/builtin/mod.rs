//! Resources that need no cloud, with Terraform's semantics: `terraform_data`,
//! `null_resource` and `time_sleep` here, the random provider's in `random`, `tls_private_key`
//! in `tls`. They make every engine feature testable without AWS and let the same
//! configuration run through Terraform for comparison.

/// The reading and changing half of a type whose objects live only in state and whose every
/// argument replaces them (the random and TLS providers'): an update keeps the plan, a delete
/// has nothing to do, a read answers the prior.
macro_rules! replaced_only {
    () => {
        async fn update(
            &self,
            _prior: $crate::lang::value::Value,
            planned: $crate::lang::value::Value,
        ) -> $crate::provider::ProviderResult<$crate::lang::value::Value> {
            Ok(planned)
        }

        async fn delete(
            &self,
            _prior: $crate::lang::value::Value,
        ) -> $crate::provider::ProviderResult<()> {
            Ok(())
        }

        async fn read(
            &self,
            prior: $crate::lang::value::Value,
        ) -> $crate::provider::ProviderResult<Option<$crate::lang::value::Value>> {
            Ok(Some(prior))
        }
    };
}
pub(crate) use replaced_only;

/// A built-in type's struct (its schema, made once), `new` and `Default`:
/// `schema_type!(NullResource, Schema::new([..]));`.
macro_rules! schema_type {
    ($(#[$meta:meta])* $name:ident, $schema:expr) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name {
            schema: std::sync::Arc<$crate::provider::Schema>,
        }

        impl $name {
            pub fn new() -> $name {
                $name {
                    schema: std::sync::Arc::new($schema),
                }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }
    };
}
pub(crate) use schema_type;

pub mod random;
pub mod tls;

use super::{AsyncResourceType, AttrSchema, ProviderResult, Schema};
use crate::lang::types::Type;
use crate::lang::value::{Attrs, Value};

const BUILTIN: &str = "provider[\"terraform.io/builtin/terraform\"]";
const NULL_PROVIDER: &str = "provider[\"registry.terraform.io/hashicorp/null\"]";

fn attr(v: &Value, name: &str) -> Value {
    v.attributes()
        .and_then(|a| a.get(name).cloned())
        .unwrap_or_else(Value::null)
}

fn with(v: &Value, name: &str, x: Value) -> Value {
    let mut attrs: Attrs = v.attributes().cloned().unwrap_or_default();
    attrs.insert(name.to_string(), x);
    Value::object(attrs)
}

schema_type!(
    TerraformData,
    Schema::new([
        ("id", AttrSchema::computed(Type::String)),
        ("input", AttrSchema::optional(Type::Dynamic)),
        ("output", AttrSchema::computed(Type::Dynamic)),
        (
            "triggers_replace",
            AttrSchema::optional(Type::Dynamic).force_new(),
        ),
    ])
);

impl AsyncResourceType for TerraformData {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &str {
        BUILTIN
    }

    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        // `output` mirrors `input`, and like Terraform it is known only after apply whenever
        // the input changes.
        let input = attr(&planned, "input");
        let unchanged = prior
            .is_some_and(|p| attr(p, "input").raw_equal(&input) && attr(p, "output").is_known());
        if unchanged {
            planned
        } else if input.is_wholly_known() {
            with(&planned, "output", Value::Unknown(input.ty()))
        } else {
            // An input that holds other unknown outputs would nest their types layer on layer
            // (exponential through a chain); the output's type is decided at apply anyway.
            with(&planned, "output", Value::Unknown(Type::Dynamic))
        }
    }

    async fn create(&self, _ctx: super::CreateContext, planned: Value) -> ProviderResult<Value> {
        let v = with(
            &planned,
            "id",
            Value::string(uuid::Uuid::new_v4().to_string()),
        );
        let input = attr(&v, "input");
        Ok(with(&v, "output", input))
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let v = with(&planned, "id", attr(&prior, "id"));
        let input = attr(&v, "input");
        Ok(with(&v, "output", input))
    }

    async fn delete(&self, _prior: Value) -> ProviderResult<()> {
        Ok(())
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        Ok(Some(prior))
    }

    async fn import(&self, id: &str) -> ProviderResult<Value> {
        let attrs: Attrs = [
            ("id".to_string(), Value::string(id)),
            ("input".to_string(), Value::null()),
            ("output".to_string(), Value::null()),
            ("triggers_replace".to_string(), Value::null()),
        ]
        .into();
        Ok(Value::object(attrs))
    }
}

schema_type!(
    NullResource,
    Schema::new([
        ("id", AttrSchema::computed(Type::String)),
        (
            "triggers",
            AttrSchema::optional(Type::Map(Box::new(Type::String))).force_new(),
        ),
    ])
);

impl AsyncResourceType for NullResource {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &str {
        NULL_PROVIDER
    }

    async fn create(&self, _ctx: super::CreateContext, planned: Value) -> ProviderResult<Value> {
        // The null provider's ids are random decimal numbers.
        let n = uuid::Uuid::new_v4().as_u128() % 10u128.pow(19);
        Ok(with(&planned, "id", Value::string(n.to_string())))
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        Ok(with(&planned, "id", attr(&prior, "id")))
    }

    async fn delete(&self, _prior: Value) -> ProviderResult<()> {
        Ok(())
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        Ok(Some(prior))
    }

    async fn import(&self, id: &str) -> ProviderResult<Value> {
        Ok(Value::object(
            [
                ("id".to_string(), Value::string(id)),
                (
                    "triggers".to_string(),
                    Value::Null(Type::Map(Box::new(Type::String))),
                ),
            ]
            .into(),
        ))
    }
}

schema_type!(
    /// `time_sleep` (hashicorp/time): waits on create and on destroy. Useful to order work, and
    /// to give tests an apply that takes time.
    TimeSleep,
    Schema::new([
            ("id", AttrSchema::computed(Type::String)),
            (
                "create_duration",
                AttrSchema::optional(Type::String).force_new(),
            ),
            (
                "destroy_duration",
                AttrSchema::optional(Type::String).force_new(),
            ),
            (
                "triggers",
                AttrSchema::optional(Type::Map(Box::new(Type::String))).force_new(),
            ),
        ])
);

/// Go duration text ("30s", "1m30s", "250ms") as a Duration.
fn go_duration(v: &Value) -> Result<std::time::Duration, super::ProviderError> {
    let Some(s) = v.unmark().0.as_str().map(str::to_string) else {
        return Ok(std::time::Duration::ZERO);
    };
    let mut total = 0f64;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let mut unit = c.to_string();
        while let Some(&n) = chars.peek() {
            if n.is_ascii_alphabetic() {
                unit.push(n);
                chars.next();
            } else {
                break;
            }
        }
        let n: f64 = num.parse().map_err(|_| {
            super::ProviderError::new("ParseDuration", format!("invalid duration {s:?}"))
        })?;
        num.clear();
        total += n * match unit.as_str() {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => {
                return Err(super::ProviderError::new(
                    "ParseDuration",
                    format!("unknown unit {unit:?} in duration {s:?}"),
                ));
            }
        };
    }
    if !num.is_empty() {
        return Err(super::ProviderError::new(
            "ParseDuration",
            format!("missing unit in duration {s:?}"),
        ));
    }
    Ok(std::time::Duration::from_secs_f64(total))
}

impl AsyncResourceType for TimeSleep {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &str {
        "provider[\"registry.terraform.io/hashicorp/time\"]"
    }

    async fn create(&self, _ctx: super::CreateContext, planned: Value) -> ProviderResult<Value> {
        tokio::time::sleep(go_duration(&attr(&planned, "create_duration"))?).await;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        Ok(with(&planned, "id", Value::string(now.to_string())))
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        Ok(with(&planned, "id", attr(&prior, "id")))
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        tokio::time::sleep(go_duration(&attr(&prior, "destroy_duration"))?).await;
        Ok(())
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        Ok(Some(prior))
    }

    async fn import(&self, id: &str) -> ProviderResult<Value> {
        let attrs: Attrs = [
            ("id".to_string(), Value::string(id)),
            ("create_duration".to_string(), Value::Null(Type::String)),
            ("destroy_duration".to_string(), Value::Null(Type::String)),
            (
                "triggers".to_string(),
                Value::Null(Type::Map(Box::new(Type::String))),
            ),
        ]
        .into();
        Ok(Value::object(attrs))
    }
}
