//! Resource schemas: each attribute's type and role (required, optional, computed), whether a
//! change to it replaces the object, whether it is sensitive. The planner is generic over them.

use crate::lang::types::Type;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct AttrSchema {
    pub ty: Type,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    /// A change replaces the object instead of updating it in place.
    pub force_new: bool,
    pub sensitive: bool,
}

impl AttrSchema {
    pub fn required(ty: Type) -> AttrSchema {
        AttrSchema {
            ty,
            required: true,
            optional: false,
            computed: false,
            force_new: false,
            sensitive: false,
        }
    }

    pub fn optional(ty: Type) -> AttrSchema {
        AttrSchema {
            ty,
            required: false,
            optional: true,
            computed: false,
            force_new: false,
            sensitive: false,
        }
    }

    pub fn computed(ty: Type) -> AttrSchema {
        AttrSchema {
            ty,
            required: false,
            optional: false,
            computed: true,
            force_new: false,
            sensitive: false,
        }
    }

    pub fn force_new(mut self) -> AttrSchema {
        self.force_new = true;
        self
    }

    pub fn sensitive(mut self) -> AttrSchema {
        self.sensitive = true;
        self
    }
}

#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub attributes: BTreeMap<String, AttrSchema>,
}

impl Schema {
    pub fn new(attrs: impl IntoIterator<Item = (&'static str, AttrSchema)>) -> Schema {
        Schema {
            attributes: attrs.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        }
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
}
