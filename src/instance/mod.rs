//! One resource instance's values, as plan, apply and bake all need them: its prior object
//! from state (typed by its schema, marks restored), the proposed new object from its
//! configuration and schema, a data source read, its state header, and the codec between values
//! and state JSON. Nothing here decides an action; `plan/` does.

pub mod codec;
pub mod zero_values;

use crate::config::{Mode, Resource};
use crate::diag::Diagnostic;
use crate::evaluate::walk::{InstanceRequest, Outcome};
use crate::lang::convert::convert;
use crate::lang::types::Type;
use crate::lang::value::{Attrs, Value};
use crate::provider::{Registry, ResourceType, Schema};
use crate::state::{InstanceState, ResourceState, State};

pub fn resource_state_header(
    resource: &Resource,
    module_key: &str,
    provider: &dyn ResourceType,
) -> ResourceState {
    ResourceState {
        module: module_key.trim_end_matches('.').to_string(),
        mode: if resource.mode == Mode::Data {
            "data".into()
        } else {
            "managed".into()
        },
        type_name: resource.type_name.clone(),
        name: resource.name.clone(),
        provider: provider.provider_address().to_string(),
        instances: Vec::new(),
    }
}

/// The prior object of an instance, typed by its schema; `None` when there is none.
pub fn prior_value<'s>(
    state: Option<&'s State>,
    address: &str,
    schema: &Schema,
) -> Option<(Value, &'s InstanceState)> {
    let (_, inst) = state?.find(address)?;
    Some((
        codec::from_state(&inst.attributes, &inst.sensitive_attributes, schema),
        inst,
    ))
}

/// An attribute of an object value, or `default` when it has none.
fn attr_or<'v>(v: &'v Value, name: &str, default: &'v Value) -> &'v Value {
    v.unmark()
        .0
        .attributes()
        .and_then(|a| a.get(name))
        .unwrap_or(default)
}

/// An attribute of an object value (null when it has none).
pub fn get(v: &Value, name: &str) -> Value {
    v.unmark()
        .0
        .attributes()
        .and_then(|a| a.get(name).cloned())
        .unwrap_or_else(Value::null)
}

/// A value written in JSON syntax, in the shape the schema gives it: JSON has no block syntax,
/// so a nested block is an object (one block) or an array of objects (several). Where the
/// schema wants a list or set of objects, a lone object becomes a one-element list, at every
/// depth.
pub fn json_blocks(v: Value, ty: &Type) -> Value {
    match (ty, v) {
        (Type::List(inner) | Type::Set(inner), v @ Value::Object(_))
            if matches!(**inner, Type::Object(..)) =>
        {
            Value::tuple(vec![json_blocks(v, inner)])
        }
        (Type::List(inner) | Type::Set(inner), Value::Tuple(items)) => Value::tuple(
            items
                .iter()
                .map(|x| json_blocks(x.clone(), inner))
                .collect(),
        ),
        (Type::Object(attrs, _), Value::Object(o)) => Value::object(
            o.iter()
                .map(|(k, x)| {
                    let x = match attrs.get(k) {
                        Some(t) => json_blocks(x.clone(), t),
                        None => x.clone(),
                    };
                    (k.clone(), x)
                })
                .collect(),
        ),
        (_, v) => v,
    }
}

/// Checks the configuration's arguments against the schema and merges it with the prior
/// object: configured values win, computed attributes keep their prior value or are unknown.
pub fn proposed_new(
    addr: &str,
    resource: &Resource,
    schema: &Schema,
    config: &Value,
    prior: Option<&Value>,
) -> Result<Value, Diagnostic> {
    let cfg = config.unmark().0.attributes().cloned().unwrap_or_default();
    for (name, given) in &cfg {
        match schema.attributes.get(name) {
            Some(a) if a.computed && !a.optional && !given.is_null() => {
                return Err(Diagnostic::error(
                    "Invalid argument",
                    format!(
                        "{addr}: {name:?} is computed by the provider and cannot be set in configuration."
                    ),
                    resource.span,
                ));
            }
            Some(_) => {}
            // An argument set to null (or a dynamic block that generated nothing) is not set:
            // modules pass through every argument the provider has, null when unused, and
            // infra may not have all of them.
            None if given.is_null() || given.length() == Some(0) => {}
            None => {
                let hint =
                    crate::diag::did_you_mean(name, schema.attributes.keys().map(String::as_str))
                        .map(|s| format!(" Did you mean {s:?}?"))
                        .unwrap_or_default();
                return Err(Diagnostic::error(
                    "Unsupported argument",
                    format!("{addr}: an argument named {name:?} is not expected here.{hint}"),
                    resource
                        .body
                        .attribute(name)
                        .map_or(resource.span, |a| a.name_span),
                ));
            }
        }
    }
    // Conflicts of values known only now (from variables); literal ones validate reported. A
    // dynamic block that makes no blocks is no block at all.
    let no_blocks = |n: &str, v: &Value| {
        schema
            .attributes
            .get(n)
            .is_some_and(|a| crate::provider::schema::is_block_type(&a.ty))
            && v.length() == Some(0)
    };
    let is_set = |n: &str| cfg.get(n).is_some_and(|v| !v.is_null() && !no_blocks(n, v));
    if let Some((a, b)) = schema.conflicts(&is_set).into_iter().next() {
        return Err(Diagnostic::error(
            "Conflicting configuration arguments",
            format!("{addr}: {b:?}: conflicts with {a}"),
            resource
                .body
                .attribute(&b)
                .map_or(resource.span, |x| x.name_span),
        ));
    }
    let json = crate::config::json::in_json(resource.span);
    let mut out = Attrs::new();
    for (name, a) in &schema.attributes {
        let given = match (cfg.get(name), &a.default) {
            (Some(v), Some(d)) if v.is_null() => d.clone(),
            (None, Some(d)) => d.clone(),
            (Some(v), _) if json => json_blocks(v.clone(), &a.ty),
            (Some(v), _) => v.clone(),
            (None, None) => Value::Null(a.ty.clone()),
        };
        let given = convert(&given, &a.ty).map_err(|e| {
            Diagnostic::error(
                "Incorrect attribute value type",
                format!("{addr}: inappropriate value for attribute {name:?}: {e}."),
                resource
                    .body
                    .attribute(name)
                    .map_or(resource.span, |x| x.expr.span),
            )
        })?;
        if a.required && given.is_null() {
            return Err(Diagnostic::error(
                "Missing required argument",
                format!("{addr}: the argument {name:?} is required, but no definition was found."),
                resource.span,
            ));
        }
        let v = if !given.is_null() || !a.computed {
            given
        } else {
            match prior {
                Some(p) => get(p, name),
                None => Value::Unknown(a.ty.clone()),
            }
        };
        out.insert(name.clone(), if a.sensitive { v.sensitive() } else { v });
    }
    Ok(Value::object(out))
}

/// The provider's plan of a proposed new object: the zero-value rule first for types that
/// follow it ([`zero_values`]), then the type's own planning.
pub fn provider_plan(provider: &dyn ResourceType, proposed: Value, prior: Option<&Value>) -> Value {
    let proposed = if provider.zero_is_unset() {
        zero_values::unset_zero_values(provider.schema(), proposed, prior)
    } else {
        proposed
    };
    provider.plan(prior, proposed)
}

/// Attributes whose planned value differs from the prior one (unknown counts as different).
pub fn changed_attributes(schema: &Schema, prior: &Value, planned: &Value) -> Vec<String> {
    schema
        .attributes
        .keys()
        .filter(|name| {
            // Borrowed, not copied: attributes can be large and most compare equal.
            let null = Value::null();
            let (a, b) = (attr_or(prior, name, &null), attr_or(planned, name, &null));
            !(a.is_wholly_known() && b.is_wholly_known() && a.raw_equal(b))
        })
        .cloned()
        .collect()
}

/// A data source's value: provider-free ones are read at once; a provider's is read when its
/// configuration is wholly known (at plan time, or at apply time when `at_apply`), and is
/// unknown until then.
pub fn read_data(
    registry: &Registry,
    req: &InstanceRequest,
    root_dir: &std::path::Path,
    at_apply: bool,
    deferred: bool,
) -> Outcome {
    let r = req.resource;
    if let Some(v) = crate::evaluate::read_builtin_data(r, &req.config, root_dir) {
        return match v {
            Ok(v) => Outcome::Value(v),
            Err(d) => Outcome::Failed(d),
        };
    }
    let addr = r.provider_config_address();
    let Some(ds) = registry.data_at(&r.type_name, &addr) else {
        return Outcome::Failed(Diagnostic::error(
            "Unsupported data source",
            format!(
                "{}: infra has no data source of type {:?}.",
                req.address, r.type_name
            ),
            r.span,
        ));
    };
    let schema = ds.schema();
    let config = match proposed_new(&req.address, r, schema, &req.config, None) {
        Ok(c) => c,
        Err(d) => return Outcome::Failed(d),
    };
    if (deferred || !req.config.is_wholly_known()) && !at_apply {
        return Outcome::Value(Value::Unknown(schema.object_type()));
    }
    let address = req.address.clone();
    let fut = ds.read(config);
    Outcome::Job(Box::pin(async move {
        fut.await.map_err(|e| {
            Diagnostic::plain(
                format!("Failed to read data source {address}"),
                format!("{address}: {e}"),
            )
        })
    }))
}
