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

/// How an attribute reads from a described object of type `T`.
pub enum Reader<T> {
    /// From the object alone.
    Plain(fn(&T) -> Value),
    /// From the object and the provider's region (`public_dns` names the region).
    InRegion(fn(&T, &str) -> Value),
    /// From the object when it answers; otherwise the prior value stands (an optional and
    /// computed argument AWS leaves out of some answers).
    IfAnswered(fn(&T) -> Option<Value>),
    /// Not from the object: see [`Table::declared`].
    Declared,
}

/// One attribute: its name, its schema, and how it reads.
pub struct Attr<T> {
    pub name: &'static str,
    pub schema: AttrSchema,
    pub read: Reader<T>,
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
    pub fn attr(self, name: &'static str, schema: AttrSchema, read: fn(&T) -> Value) -> Self {
        self.with(name, schema, Reader::Plain(read))
    }

    /// An attribute read from the object and the provider's region.
    pub fn attr_in_region(
        self,
        name: &'static str,
        schema: AttrSchema,
        read: fn(&T, &str) -> Value,
    ) -> Self {
        self.with(name, schema, Reader::InRegion(read))
    }

    /// An attribute the object answers only sometimes: when it does not, the prior value
    /// (what the configuration said) stands.
    pub fn attr_if_answered(
        self,
        name: &'static str,
        schema: AttrSchema,
        read: fn(&T) -> Option<Value>,
    ) -> Self {
        self.with(name, schema, Reader::IfAnswered(read))
    }

    fn with(mut self, name: &'static str, schema: AttrSchema, read: Reader<T>) -> Self {
        self.attrs.push(Attr { name, schema, read });
        self
    }

    /// An attribute the described object does not answer: what only the configuration knows
    /// (kept from the prior), or what the type reads itself with more than the object (an ARN
    /// built from the region, an attribute with its own Describe call).
    pub fn declared(self, name: &'static str, schema: AttrSchema) -> Self {
        self.with(name, schema, Reader::Declared)
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
    pub fn read_attributes(&self, region: &str, prior: Option<Obj>, item: &T) -> Obj {
        let mut o = prior.unwrap_or_default();
        for a in &self.attrs {
            let v = match &a.read {
                Reader::Plain(read) => read(item),
                Reader::InRegion(read) => read(item, region),
                Reader::IfAnswered(read) => match read(item) {
                    Some(v) => v,
                    None => continue,
                },
                Reader::Declared => continue,
            };
            o.set(a.name, v);
        }
        o
    }

    /// The attributes of a described object over the prior's (what only the configuration
    /// knows is kept from it).
    pub fn read(&self, aws: &Aws, prior: Option<Obj>, item: &T) -> Obj {
        let mut o = self.read_attributes(&aws.region, prior, item);
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
        pool: Option<&'static str>,
    }

    fn table() -> Table<Thing> {
        Table::<Thing>::new()
            .attr("id", AttrSchema::computed(Type::String), |t| s(t.id))
            .attr("on", AttrSchema::optional(Type::Bool), |t| b(t.on))
            .attr_in_region("dns", AttrSchema::computed(Type::String), |t, r| {
                s(format!("{}.{r}", t.id))
            })
            .attr_if_answered("pool", AttrSchema::optional_computed(Type::String), |t| {
                t.pool.map(s)
            })
            .declared("note", AttrSchema::optional(Type::String))
    }

    #[test]
    fn the_schema_and_the_reading_come_from_one_table() {
        let t = table();
        let schema = t.schema();
        assert_eq!(
            schema.attributes.keys().collect::<Vec<_>>(),
            ["dns", "id", "note", "on", "pool"]
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
        prior
            .set("note", s("mine"))
            .set("on", b(false))
            .set("pool", s("configured"));
        let thing = Thing {
            id: "x-1",
            on: true,
            pool: None,
        };
        let o = table().read_attributes("eu-west-1", Some(prior), &thing);
        assert_eq!(o.str("id").as_deref(), Some("x-1"));
        assert_eq!(o.bool("on"), Some(true));
        assert_eq!(o.str("dns").as_deref(), Some("x-1.eu-west-1"));
        assert_eq!(o.str("note").as_deref(), Some("mine"));
        assert_eq!(o.str("pool").as_deref(), Some("configured"));
        let answered = Thing {
            id: "x-2",
            on: false,
            pool: Some("amazon"),
        };
        let fresh = table().read_attributes("us-east-1", None, &answered);
        assert_eq!(fresh.bool("on"), Some(false));
        assert_eq!(fresh.str("note"), None);
        assert_eq!(fresh.str("pool").as_deref(), Some("amazon"));
    }
}
