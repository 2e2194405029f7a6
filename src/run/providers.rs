//! Building the registry of a run: every provider configuration the configuration declares or
//! needs (a resource of a provider with no block gets the provider's empty default
//! configuration, as in Terraform), plus those that only the state still names, so orphaned
//! objects can be deleted.

use crate::diag::Diagnostic;
use crate::evaluate::providers::ProviderValue;
use crate::graph::ModuleTree;
use crate::lang::value::{Attrs, Value};
use crate::provider::{Registry, aws, config_address, provider_name_of, source_of};
use crate::state::State;
use std::collections::BTreeMap;

/// Providers whose types are built in and need no configuration.
const BUILTIN: &[&str] = &[
    "terraform",
    "null",
    "time",
    "template",
    "random",
    "cloudinit",
];

pub async fn configure(
    tree: &ModuleTree,
    values: Vec<ProviderValue>,
    state: Option<&State>,
) -> Result<Registry, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    // address → (configuration, where it was declared)
    let mut wanted: BTreeMap<String, (Value, Option<crate::syntax::Span>)> = BTreeMap::new();
    for p in values {
        if BUILTIN.contains(&p.name.as_str()) {
            continue;
        }
        if !aws::is_known_provider(&p.name) {
            diags.push(Diagnostic::error(
                "Unsupported provider",
                format!(
                    "infra has no provider {:?}; it speaks to AWS (provider \"aws\").",
                    p.name
                ),
                p.span,
            ));
            continue;
        }
        // A child module's own block: `module.net.provider["..."]`, as Terraform writes it.
        let addr = format!(
            "{}{}",
            p.module,
            config_address(&source_of(&p.name), p.alias.as_deref())
        );
        wanted.insert(addr, (p.value, Some(p.span)));
    }
    let empty = || (Value::object(Attrs::new()), None);
    // Images bake with the default AWS configuration.
    if tree.modules.iter().any(|tm| !tm.module.images.is_empty()) {
        wanted
            .entry(config_address(&source_of("aws"), None))
            .or_insert_with(empty);
    }
    for tm in &tree.modules {
        for r in tm.module.resources.values() {
            let name = r.provider_name();
            // A type infra does not have is the planner's error, naming the resource.
            if BUILTIN.contains(&name.as_str())
                || !aws::is_known_provider(&name)
                || !aws::serves(r.mode == crate::config::Mode::Data, &r.type_name)
            {
                continue;
            }
            let addr = r.provider_config_address();
            let aliased = r.provider.as_ref().is_some_and(|(_, a)| a.is_some());
            if aliased && !wanted.contains_key(&addr) {
                diags.push(Diagnostic::error(
                    "Provider configuration not present",
                    format!(
                        "{} refers to provider {addr}, which the root module does not declare.",
                        r.address()
                    ),
                    r.span,
                ));
                continue;
            }
            wanted.entry(addr).or_insert_with(empty);
        }
    }
    if let Some(s) = state {
        for r in &s.resources {
            let name = provider_name_of(&r.type_name);
            if aws::is_known_provider(name) && r.provider.contains(aws::SOURCE) {
                let addr = r
                    .provider
                    .rsplit_once("provider[")
                    .map_or(r.provider.clone(), |(_, rest)| format!("provider[{rest}"));
                wanted.entry(addr).or_insert_with(empty);
            }
        }
    }
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    let mut registry = builtin_registry(tree);
    for (addr, (value, span)) in wanted {
        match aws::configure(addr.clone(), &value).await {
            Ok(c) => registry.add_configured(addr, c),
            Err(e) => {
                let message = format!("{e}");
                diags.push(match span {
                    Some(s) => Diagnostic::error("Invalid provider configuration", message, s),
                    None => Diagnostic::plain("Invalid provider configuration", message),
                });
            }
        }
    }
    if diags.iter().any(Diagnostic::is_error) {
        Err(diags)
    } else {
        Ok(registry)
    }
}

/// The registry of the built-in types and data sources (no provider configuration yet).
fn builtin_registry(tree: &ModuleTree) -> Registry {
    let mut registry = Registry::new();
    registry.add_builtin_data(
        "terraform_remote_state",
        std::sync::Arc::new(super::remote_state::RemoteState::new(
            tree.root().dir.clone(),
        )),
    );
    registry
}

/// A registry with every type's schema and no cloud behind it: `infra validate` checks the
/// configuration against it offline (the AWS clients are built but never called).
pub async fn offline(tree: &ModuleTree) -> Registry {
    offline_with(builtin_registry(tree)).await
}

/// The same with no configuration at all: every type infra has, for tools that list schemas
/// (the documentation check).
pub async fn schemas() -> Registry {
    offline_with(Registry::new()).await
}

async fn offline_with(mut registry: Registry) -> Registry {
    let address = config_address(&source_of("aws"), None);
    let config = Value::object(
        [
            ("region", Value::string("us-east-1")),
            ("access_key", Value::string("offline")),
            ("secret_key", Value::string("offline")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect::<Attrs>(),
    );
    if let Ok(c) = aws::configure(address.clone(), &config).await {
        registry.add_configured(address, c);
    }
    registry
}
