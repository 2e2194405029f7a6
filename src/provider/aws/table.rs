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
use super::launch::read_blocks;
use super::tags::{self, Tags};
use crate::lang::types::Type;
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
    /// From the object and what is known so far (the prior, with the attributes read before
    /// this one; `None` on import): lists AWS answers in its own order that keep the
    /// configuration's, nested blocks cut to the configuration's shape. `None` keeps the prior.
    WithPrior(fn(&T, Option<&Obj>) -> Option<Value>),
    /// Nested blocks of this element type, read from the object by a reader told the
    /// attribute's name (one reader serves many blocks), cut to the configuration's shape as
    /// [`read_blocks`] does. `None` keeps the prior.
    Blocks(Type, fn(&T, &'static str) -> Option<Vec<Obj>>),
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
    groups: Vec<Group<T>>,
    tags: Option<fn(&T) -> Tags>,
}

/// Attributes one reader answers together (a route's targets: one of ten is set).
struct Group<T> {
    names: Vec<&'static str>,
    read: fn(&T) -> Obj,
}

impl<T> Default for Table<T> {
    fn default() -> Table<T> {
        Table {
            attrs: Vec::new(),
            groups: Vec::new(),
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

    /// An attribute read from the object and what is known so far (see [`Reader::WithPrior`]).
    pub fn attr_with_prior(
        self,
        name: &'static str,
        schema: AttrSchema,
        read: fn(&T, Option<&Obj>) -> Option<Value>,
    ) -> Self {
        self.with(name, schema, Reader::WithPrior(read))
    }

    /// An optional argument of nested blocks of type `elem` (see [`Reader::Blocks`]).
    pub fn blocks_of(
        self,
        name: &'static str,
        elem: Type,
        read: fn(&T, &'static str) -> Option<Vec<Obj>>,
    ) -> Self {
        let schema = AttrSchema::optional(Type::List(Box::new(elem.clone())));
        self.with(name, schema, Reader::Blocks(elem, read))
    }

    fn with(mut self, name: &'static str, schema: AttrSchema, read: Reader<T>) -> Self {
        self.attrs.push(Attr { name, schema, read });
        self
    }

    /// An attribute the described object does not answer: what only the configuration knows
    /// (kept from the prior; its default when the prior has none), or what the type reads itself with more than the object (an ARN
    /// built from the region, an attribute with its own Describe call).
    pub fn declared(self, name: &'static str, schema: AttrSchema) -> Self {
        self.with(name, schema, Reader::Declared)
    }

    /// Attributes one reader answers together; a name its object leaves out reads as null.
    pub fn group(
        mut self,
        attrs: impl IntoIterator<Item = (&'static str, AttrSchema)>,
        read: fn(&T) -> Obj,
    ) -> Self {
        let mut names = Vec::new();
        for (name, schema) in attrs {
            names.push(name);
            self = self.declared(name, schema);
        }
        self.groups.push(Group { names, read });
        self
    }

    /// The type is tagged: `tags` and `tags_all`, the object's tags read by `read`.
    pub fn tagged(mut self, read: fn(&T) -> Tags) -> Self {
        self.tags = Some(read);
        self
    }

    /// The object's tags, as the table's tagging reads them (none for an untagged type).
    pub fn tags_of(&self, item: &T) -> Tags {
        self.tags.map(|read| read(item)).unwrap_or_default()
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
        let imported = prior.is_none();
        let mut o = prior.unwrap_or_default();
        for a in &self.attrs {
            let v = match &a.read {
                Reader::Plain(read) => read(item),
                Reader::InRegion(read) => read(item, region),
                Reader::WithPrior(read) => match read(item, (!imported).then_some(&o)) {
                    Some(v) => v,
                    None => continue,
                },
                Reader::Blocks(elem, read) => match read(item, a.name) {
                    Some(items) => read_blocks((!imported).then_some(&o), a.name, elem, items),
                    None => continue,
                },
                Reader::IfAnswered(read) => match read(item) {
                    Some(v) => v,
                    None => continue,
                },
                Reader::Declared => match &a.schema.default {
                    // Known only to the configuration, and not in the prior (an import):
                    // what the configuration would have said by default.
                    Some(default) if o.get(a.name).is_none() => default.clone(),
                    _ => continue,
                },
            };
            o.set(a.name, v);
        }
        for g in &self.groups {
            let mut read = (g.read)(item);
            for name in &g.names {
                let v = read.0.remove(*name).unwrap_or_else(Value::null);
                o.set(name, v);
            }
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

/// The struct of a type read through its attribute table, and its `new`: the provider's
/// clients, the file's `table()` (or the table expression given third) and the schema made
/// from it. `table_type!(Vpc, Item);` is what every such type would otherwise write alike;
/// its own methods go in another `impl`.
macro_rules! table_type {
    ($(#[$meta:meta])* $name:ident, $item:ty) => {
        $crate::provider::aws::table::table_type!($(#[$meta])* $name, $item, table());
    };
    ($(#[$meta:meta])* $name:ident, $item:ty, $table:expr) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name {
            aws: std::sync::Arc<$crate::provider::aws::Aws>,
            table: std::sync::Arc<$crate::provider::aws::table::Table<$item>>,
            schema: std::sync::Arc<$crate::provider::Schema>,
        }

        impl $name {
            pub fn new(aws: &std::sync::Arc<$crate::provider::aws::Aws>) -> $name {
                let table = $table;
                $name {
                    aws: aws.clone(),
                    schema: std::sync::Arc::new(table.schema()),
                    table: std::sync::Arc::new(table),
                }
            }
        }
    };
}
pub(crate) use table_type;

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
            .declared("keep", AttrSchema::optional(Type::Bool).default(b(false)))
            .attr_with_prior("order", AttrSchema::optional(Type::String), |t, prior| {
                // The prior's spelling when it names the same thing; AWS's otherwise.
                match prior.and_then(|p| p.str("order")) {
                    Some(p) if p.eq_ignore_ascii_case(t.id) => None,
                    _ => Some(s(t.id)),
                }
            })
    }

    #[test]
    fn the_schema_and_the_reading_come_from_one_table() {
        let t = table();
        let schema = t.schema();
        assert_eq!(
            schema.attributes.keys().collect::<Vec<_>>(),
            ["dns", "id", "keep", "note", "on", "order", "pool"]
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

    #[test]
    fn an_import_takes_declared_defaults_and_reads_without_a_prior() {
        let thing = Thing {
            id: "X-3",
            on: true,
            pool: None,
        };
        let imported = table().read_attributes("eu-west-1", None, &thing);
        assert_eq!(imported.bool("keep"), Some(false));
        assert_eq!(imported.str("order").as_deref(), Some("X-3"));
        let mut prior = Obj::default();
        prior.set("keep", b(true)).set("order", s("x-3"));
        let read = table().read_attributes("eu-west-1", Some(prior), &thing);
        assert_eq!(read.bool("keep"), Some(true));
        assert_eq!(read.str("order").as_deref(), Some("x-3"));
    }
}
