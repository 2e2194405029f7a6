//! Resources that need no cloud, with Terraform's semantics: `terraform_data` and
//! `null_resource`. They make every engine feature testable without AWS and let the same
//! configuration run through Terraform for comparison.

use super::{AttrSchema, BoxFuture, ProviderResult, ResourceType, Schema};
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

pub struct TerraformData {
    schema: Schema,
}

impl TerraformData {
    pub fn new() -> TerraformData {
        TerraformData {
            schema: Schema::new([
                ("id", AttrSchema::computed(Type::String)),
                ("input", AttrSchema::optional(Type::Dynamic)),
                ("output", AttrSchema::computed(Type::Dynamic)),
                (
                    "triggers_replace",
                    AttrSchema::optional(Type::Dynamic).force_new(),
                ),
            ]),
        }
    }
}

impl Default for TerraformData {
    fn default() -> Self {
        Self::new()
    }
}

impl ResourceType for TerraformData {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &'static str {
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
        } else {
            with(&planned, "output", Value::Unknown(input.ty()))
        }
    }

    fn create(&self, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        Box::pin(async move {
            let v = with(
                &planned,
                "id",
                Value::string(uuid::Uuid::new_v4().to_string()),
            );
            let input = attr(&v, "input");
            Ok(with(&v, "output", input))
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        Box::pin(async move {
            let v = with(&planned, "id", attr(&prior, "id"));
            let input = attr(&v, "input");
            Ok(with(&v, "output", input))
        })
    }

    fn delete(&self, _prior: Value) -> BoxFuture<ProviderResult<()>> {
        Box::pin(async { Ok(()) })
    }

    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>> {
        Box::pin(async move { Ok(Some(prior)) })
    }

    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>> {
        let id = id.to_string();
        Box::pin(async move {
            let attrs: Attrs = [
                ("id".to_string(), Value::string(id)),
                ("input".to_string(), Value::null()),
                ("output".to_string(), Value::null()),
                ("triggers_replace".to_string(), Value::null()),
            ]
            .into();
            Ok(Value::object(attrs))
        })
    }
}

pub struct NullResource {
    schema: Schema,
}

impl NullResource {
    pub fn new() -> NullResource {
        NullResource {
            schema: Schema::new([
                ("id", AttrSchema::computed(Type::String)),
                (
                    "triggers",
                    AttrSchema::optional(Type::Map(Box::new(Type::String))).force_new(),
                ),
            ]),
        }
    }
}

impl Default for NullResource {
    fn default() -> Self {
        Self::new()
    }
}

impl ResourceType for NullResource {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &'static str {
        NULL_PROVIDER
    }

    fn create(&self, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        Box::pin(async move {
            // The null provider's ids are random decimal numbers.
            let n = uuid::Uuid::new_v4().as_u128() % 10u128.pow(19);
            Ok(with(&planned, "id", Value::string(n.to_string())))
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        Box::pin(async move { Ok(with(&planned, "id", attr(&prior, "id"))) })
    }

    fn delete(&self, _prior: Value) -> BoxFuture<ProviderResult<()>> {
        Box::pin(async { Ok(()) })
    }

    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>> {
        Box::pin(async move { Ok(Some(prior)) })
    }

    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>> {
        let id = id.to_string();
        Box::pin(async move {
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
        })
    }
}
