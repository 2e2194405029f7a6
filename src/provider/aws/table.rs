//! Attribute tables: each type declares its attributes once, in one table, with their schema
//! (type, required/optional/computed, force-new, default, sensitive) and how each reads from
//! the SDK's shape of the object. The schema, reading (after create and update, in read,
//! refresh by type and import) and tagging all come from the table; create and update stay
//! hand-written, since the SDK's builders differ per call.
//!
//! Tagging is a declared capability, as `@Tags` is in the AWS provider: a tagged table has
//! `tags` and `tags_all`, planned and read back by `tags.rs` the same way for every type.

use super::Aws;
use super::attrs::Obj;
use super::tags::{self, Tags};
use crate::lang::value::Value;
use crate::provider::{AttrSchema, Schema};

/// One attribute: its name, its schema, and how it reads from a described object of type `T`
/// (`None`: see [`Table::declared`]).
pub struct Attr<T> {
    pub name: &'static str,
    pub schema: AttrSchema,
    pub read: Option<fn(&T) -> Value>,
}

/// A type's attributes over the SDK's object type `T`.
pub struct Table<T> {
    attrs: Vec<Attr<T>>,
    tags: Option<fn(&T) -> Tags>,
}

impl<T> Default for Table<T> {
    fn default() -> Table<T> {
        Table {
            attrs: Vec::new(),
            tags: None,
        }
    }
}

impl<T> Table<T> {
    pub fn new() -> Table<T> {
        Table::default()
    }

    /// An attribute the described object answers.
    pub fn attr(mut self, name: &'static str, schema: AttrSchema, read: fn(&T) -> Value) -> Self {
        self.attrs.push(Attr {
            name,
            schema,
            read: Some(read),
        });
        self
    }

    /// An attribute the described object does not answer: what only the configuration knows
    /// (kept from the prior), or what the type reads itself with more than the object (an ARN
    /// built from the region, an attribute with its own Describe call).
    pub fn declared(mut self, name: &'static str, schema: AttrSchema) -> Self {
        self.attrs.push(Attr {
            name,
            schema,
            read: None,
        });
        self
    }

    /// The type is tagged: `tags` and `tags_all`, the object's tags read by `read`.
    pub fn tagged(mut self, read: fn(&T) -> Tags) -> Self {
        self.tags = Some(read);
        self
    }

    /// The type's schema.
    pub fn schema(&self) -> Schema {
        let mut attrs: Vec<(&'static str, AttrSchema)> = self
            .attrs
            .iter()
            .map(|a| (a.name, a.schema.clone()))
            .collect();
        if self.tags.is_some() {
            attrs.extend(tags::schema_attrs());
        }
        Schema::new(attrs)
    }

    /// The attributes the table reads, over the prior's, without tags.
    pub fn read_attributes(&self, prior: Option<Obj>, item: &T) -> Obj {
        let mut o = prior.unwrap_or_default();
        for a in &self.attrs {
            if let Some(read) = a.read {
                o.set(a.name, read(item));
            }
        }
        o
    }

    /// The attributes of a described object over the prior's (what only the configuration
    /// knows is kept from it).
    pub fn read(&self, aws: &Aws, prior: Option<Obj>, item: &T) -> Obj {
        let mut o = self.read_attributes(prior, item);
        if let Some(read_tags) = self.tags {
            tags::set_read(aws, &mut o, &read_tags(item));
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::types::Type;
    use crate::provider::aws::attrs::{b, s};

    struct Thing {
        id: &'static str,
        on: bool,
    }

    fn table() -> Table<Thing> {
        Table::<Thing>::new()
            .attr("id", AttrSchema::computed(Type::String), |t| s(t.id))
            .attr("on", AttrSchema::optional(Type::Bool), |t| b(t.on))
            .declared("note", AttrSchema::optional(Type::String))
    }

    #[test]
    fn the_schema_and_the_reading_come_from_one_table() {
        let t = table();
        let schema = t.schema();
        assert_eq!(
            schema.attributes.keys().collect::<Vec<_>>(),
            ["id", "note", "on"]
        );
        assert!(schema.attributes["id"].computed);
        assert!(!schema.attributes.contains_key("tags"));
        let tagged = table().tagged(|_| Tags::new()).schema();
        assert!(tagged.attributes.contains_key("tags"));
        assert!(tagged.attributes["tags_all"].computed);
    }

    #[test]
    fn reading_keeps_what_only_the_configuration_knows() {
        let mut prior = Obj::default();
        prior.set("note", s("mine")).set("on", b(false));
        let o = table().read_attributes(
            Some(prior),
            &Thing {
                id: "x-1",
                on: true,
            },
        );
        assert_eq!(o.str("id").as_deref(), Some("x-1"));
        assert_eq!(o.bool("on"), Some(true));
        assert_eq!(o.str("note").as_deref(), Some("mine"));
        let fresh = table().read_attributes(
            None,
            &Thing {
                id: "x-2",
                on: false,
            },
        );
        assert_eq!(fresh.bool("on"), Some(false));
        assert_eq!(fresh.str("note"), None);
    }
}
