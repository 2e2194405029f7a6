//! `data.aws_iam_policy_document`.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, crc32, s};
use crate::provider::aws::iam::policy_json::*;
use crate::provider::schema::block_list;
use crate::provider::{AttrSchema, BoxFuture, DataSource, ProviderResult, Schema};

pub struct PolicyDocument {
    schema: Schema,
}

impl Default for PolicyDocument {
    fn default() -> PolicyDocument {
        PolicyDocument::new()
    }
}

impl PolicyDocument {
    pub fn new() -> PolicyDocument {
        let strings = Type::Set(Box::new(Type::String));
        let principals = block_list(&[("type", Type::String), ("identifiers", strings.clone())]);
        let statement = block_list(&[
            ("sid", Type::String),
            ("effect", Type::String),
            ("actions", strings.clone()),
            ("not_actions", strings.clone()),
            ("resources", strings.clone()),
            ("not_resources", strings),
            ("principals", principals.clone()),
            ("not_principals", principals),
            (
                "condition",
                block_list(&[
                    ("test", Type::String),
                    ("variable", Type::String),
                    ("values", Type::List(Box::new(Type::String))),
                ]),
            ),
        ]);
        let documents = Type::List(Box::new(Type::String));
        PolicyDocument {
            schema: Schema::new([
                ("id", AttrSchema::computed(Type::String)),
                ("json", AttrSchema::computed(Type::String)),
                ("minified_json", AttrSchema::computed(Type::String)),
                (
                    "version",
                    AttrSchema::optional(Type::String).default(s("2012-10-17")),
                ),
                ("policy_id", AttrSchema::optional(Type::String)),
                (
                    "source_policy_documents",
                    AttrSchema::optional(documents.clone()),
                ),
                ("override_policy_documents", AttrSchema::optional(documents)),
                // Deprecated (Terraform 0.12 era): one document each.
                ("source_json", AttrSchema::optional(Type::String)),
                ("override_json", AttrSchema::optional(Type::String)),
                ("statement", AttrSchema::optional(statement)),
            ]),
        }
    }
}

impl DataSource for PolicyDocument {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn read(&self, config: Value) -> BoxFuture<ProviderResult<Value>> {
        let mut o = Obj::of(&config);
        let result = policy_document(&o).map(|p| {
            let doc = p.doc();
            let json = doc.render(true);
            o.set("id", s(crc32(json.as_bytes()).to_string()))
                .set("minified_json", s(doc.render(false)))
                .set("json", s(json));
            o.finish(&self.schema)
        });
        Box::pin(async move { result })
    }
}
