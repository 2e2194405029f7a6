//! `data "terraform_remote_state"`: the root outputs of another configuration's state, read
//! from its backend (`s3` or `local`, with Terraform's `config` arguments) without a lock, so
//! one stack looks up what another created. Each output keeps its type; sensitive outputs stay
//! sensitive; `defaults` fill in outputs the state does not have.

use crate::lang::types::Type;
use crate::lang::value::{Attrs, Value};
use crate::provider::schema::{AttrSchema, Schema};
use crate::provider::{BoxFuture, DataSource, ProviderError, ProviderResult};
use crate::state::backend::{self, Settings};
use crate::state::store::Store;
use std::path::PathBuf;

pub struct RemoteState {
    schema: Schema,
    /// The root module's directory: relative local paths in `config` resolve against it.
    root_dir: PathBuf,
}

impl RemoteState {
    pub fn new(root_dir: PathBuf) -> RemoteState {
        RemoteState {
            schema: Schema::new([
                ("backend", AttrSchema::required(Type::String)),
                ("config", AttrSchema::optional(Type::Dynamic)),
                ("workspace", AttrSchema::optional(Type::String)),
                ("defaults", AttrSchema::optional(Type::Dynamic)),
                ("outputs", AttrSchema::computed(Type::Dynamic)),
            ]),
            root_dir,
        }
    }
}

fn fail(message: String) -> ProviderError {
    ProviderError::new("terraform_remote_state", message)
}

/// The outputs of the state `settings` point at, as one object value.
fn read_outputs(settings: &Settings, workspace: &str) -> Result<Option<Attrs>, String> {
    let backend = backend::open(settings).map_err(|d| d.detail)?;
    let storage = backend.storage(workspace).map_err(|d| d.detail)?;
    let Some(state) =
        Store::read_only(storage).map_err(|d| format!("{}: {}", d.summary, d.detail))?
    else {
        return Ok(None);
    };
    let mut outputs = Attrs::new();
    for (name, o) in &state.outputs {
        let typed = Type::from_json(&o.ty)
            .and_then(|t| Value::from_json_typed(&o.value, &t))
            .unwrap_or_else(|| Value::from_json(&o.value));
        outputs.insert(
            name.clone(),
            if o.sensitive {
                typed.sensitive()
            } else {
                typed
            },
        );
    }
    Ok(Some(outputs))
}

impl DataSource for RemoteState {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn read(&self, config: Value) -> BoxFuture<ProviderResult<Value>> {
        let root_dir = self.root_dir.clone();
        Box::pin(async move {
            let (plain, _) = config.unmark_deep();
            let attrs = plain.attributes().cloned().unwrap_or_default();
            let get = |k: &str| attrs.get(k).cloned().unwrap_or_else(Value::null);
            let kind = get("backend")
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| fail("backend must be a string".into()))?;
            let workspace = get("workspace")
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| "default".into());
            let args = match get("config").to_json() {
                serde_json::Value::Object(m) => m,
                serde_json::Value::Null => serde_json::Map::new(),
                _ => return Err(fail("config must be an object of backend arguments".into())),
            };
            let settings = Settings::resolve(&kind, &args, &root_dir).map_err(fail)?;
            // The SDK calls block; keep them off the walk's worker threads.
            let found = tokio::task::spawn_blocking(move || read_outputs(&settings, &workspace))
                .await
                .map_err(|e| fail(e.to_string()))?
                .map_err(fail)?;
            let mut outputs = found.unwrap_or_default();
            if let Some(defaults) = get("defaults").attributes() {
                for (k, v) in defaults {
                    outputs.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            let mut out = attrs.clone();
            out.insert("outputs".into(), Value::object(outputs));
            if out.get("workspace").is_none_or(Value::is_null) {
                out.insert("workspace".into(), Value::string("default"));
            }
            Ok(Value::object(out))
        })
    }
}
