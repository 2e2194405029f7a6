//! Resource schemas: each attribute's type and role (required, optional, computed), whether a
//! change to it replaces the object, whether it is sensitive. The planner is generic over them.

use crate::lang::convert::convert;
use crate::lang::types::Type;
use crate::lang::value::{Attrs, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The type of a nested block's object whose arguments are all optional: missing ones read as
/// null, as a provider's block schema makes them.
pub fn block_object(attrs: &[(&str, Type)]) -> Type {
    let names: BTreeSet<String> = attrs.iter().map(|(k, _)| k.to_string()).collect();
    Type::Object(
        attrs
            .iter()
            .map(|(k, t)| (k.to_string(), t.clone()))
            .collect(),
        names,
    )
}

/// A repeated nested block (`ingress { ... }`): a list of its objects.
pub fn block_list(attrs: &[(&str, Type)]) -> Type {
    Type::List(Box::new(block_object(attrs)))
}

#[derive(Debug, Clone)]
pub struct AttrSchema {
    pub ty: Type,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    /// A change replaces the object instead of updating it in place.
    pub force_new: bool,
    pub sensitive: bool,
    /// The value an unset optional argument takes (`enable_dns_support = true`).
    pub default: Option<Value>,
    /// A list of objects written with block syntax but shown as an attribute
    /// (`ingress = [{...}]`), as the AWS provider declares some (`ConfigMode: Attr`).
    pub attribute_mode: bool,
    /// Arguments that may not be set together with this one (Terraform's `ConflictsWith`).
    pub conflicts_with: Vec<String>,
}

impl AttrSchema {
    /// An attribute of this type that is nothing yet: each constructor says what it is.
    fn of(ty: Type) -> AttrSchema {
        AttrSchema {
            ty,
            required: false,
            optional: false,
            computed: false,
            force_new: false,
            sensitive: false,
            default: None,
            attribute_mode: false,
            conflicts_with: Vec::new(),
        }
    }

    pub fn required(ty: Type) -> AttrSchema {
        AttrSchema {
            required: true,
            ..AttrSchema::of(ty)
        }
    }

    pub fn optional(ty: Type) -> AttrSchema {
        AttrSchema {
            optional: true,
            ..AttrSchema::of(ty)
        }
    }

    pub fn computed(ty: Type) -> AttrSchema {
        AttrSchema {
            computed: true,
            ..AttrSchema::of(ty)
        }
    }

    /// Optional in configuration; the provider decides it when it is not set.
    pub fn optional_computed(ty: Type) -> AttrSchema {
        AttrSchema {
            computed: true,
            ..AttrSchema::optional(ty)
        }
    }

    pub fn force_new(mut self) -> AttrSchema {
        self.force_new = true;
        self
    }

    pub fn default(mut self, v: Value) -> AttrSchema {
        self.default = Some(v);
        self
    }

    pub fn sensitive(mut self) -> AttrSchema {
        self.sensitive = true;
        self
    }

    /// May not be set together with any of `others`.
    pub fn conflicts_with(mut self, others: &[&str]) -> AttrSchema {
        self.conflicts_with
            .extend(others.iter().map(|o| o.to_string()));
        self
    }

    /// Shown as an attribute although written as blocks (see `attribute_mode`).
    pub fn attribute_mode(mut self) -> AttrSchema {
        self.attribute_mode = true;
        self
    }
}

/// Whether values of this type are nested blocks: a list or set of objects whose arguments are
/// all optional, which is what [`block_list`] and [`block_object`] make.
pub fn is_block_type(ty: &Type) -> bool {
    match ty {
        Type::List(e) | Type::Set(e) => {
            matches!(&**e, Type::Object(attrs, optional) if !attrs.is_empty() && attrs.len() == optional.len())
        }
        _ => false,
    }
}

#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub attributes: BTreeMap<String, AttrSchema>,
}

impl Schema {
    /// A schema of these attributes. A name and its generated-name prefix (`name` and
    /// `name_prefix`, `key_name` and `key_name_prefix`) conflict wherever both exist, as every
    /// AWS type declares.
    pub fn new(attrs: impl IntoIterator<Item = (&'static str, AttrSchema)>) -> Schema {
        let mut attributes: BTreeMap<String, AttrSchema> =
            attrs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        for (name, prefix) in [("name", "name_prefix"), ("key_name", "key_name_prefix")] {
            if attributes.contains_key(name) && attributes.contains_key(prefix) {
                for (a, b) in [(name, prefix), (prefix, name)] {
                    if let Some(x) = attributes.get_mut(a)
                        && !x.conflicts_with.iter().any(|c| c == b)
                    {
                        x.conflicts_with.push(b.to_string());
                    }
                }
            }
        }
        Schema { attributes }
    }

    /// The pairs of set arguments the schema says may not be set together, each pair once,
    /// in the order given (`set` says whether an argument is set).
    pub fn conflicts(&self, set: &dyn Fn(&str) -> bool) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for (name, a) in &self.attributes {
            if !set(name) {
                continue;
            }
            for other in &a.conflicts_with {
                let seen = out
                    .iter()
                    .any(|(x, y)| (x == other && y == name) || (x == name && y == other));
                if set(other) && !seen {
                    out.push((name.clone(), other.clone()));
                }
            }
        }
        out
    }

    /// The attributes written and shown as nested blocks (`health_check { ... }`).
    pub fn nested_blocks(&self) -> Vec<String> {
        self.attributes
            .iter()
            .filter(|(_, a)| !a.attribute_mode && is_block_type(&a.ty))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The object type of a whole instance.
    pub fn object_type(&self) -> Type {
        Type::object(
            self.attributes
                .iter()
                .map(|(k, a)| (k.clone(), a.ty.clone()))
                .collect(),
        )
    }

    /// An object with every attribute of the schema, converted to its type; missing ones are
    /// null. What a resource returns after create, update and read.
    pub fn complete(&self, mut attrs: Attrs) -> Value {
        let mut out = Attrs::new();
        for (name, a) in &self.attributes {
            let v = attrs.remove(name).unwrap_or(Value::Null(a.ty.clone()));
            let v = convert(&v, &a.ty).unwrap_or(v);
            out.insert(name.clone(), v);
        }
        Value::object(out)
    }
}
