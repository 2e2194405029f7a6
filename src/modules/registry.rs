//! The module registry protocol (Terraform's `modules.v1`): service discovery at
//! `/.well-known/terraform.json`, the versions of a module, and its download location (the
//! `X-Terraform-Get` header of `.../VERSION/download`). A host's token comes from
//! `TF_TOKEN_<host>` or a `credentials "<host>"` block of the CLI configuration, and is sent to
//! that host only. Registries are reached over HTTPS; a loopback host (`localhost`,
//! `127.0.0.1`) over plain HTTP, for mirrors and tests on the same machine.

use super::fetch::{http_get, resolve_url};
use super::source::RegistryAddress;
use super::version::{Constraint, Version};
use serde_json::Value as J;

/// A registry module resolved: the version chosen and the package address to fetch.
pub struct Resolved {
    pub version: Version,
    pub package: String,
}

pub fn resolve(
    addr: &RegistryAddress,
    constraint: Option<&Constraint>,
) -> Result<Resolved, String> {
    let token = token_for(&addr.host);
    let token = token.as_deref();
    let base = modules_base(&addr.host, token)?;
    let module = format!("{base}{}/{}/{}", addr.namespace, addr.name, addr.system);
    let versions_url = format!("{module}/versions");
    let answer = http_get(&versions_url, token)?;
    let doc: J = serde_json::from_slice(&answer.body)
        .map_err(|e| format!("{versions_url}: not JSON ({e})"))?;
    let versions: Vec<Version> = doc["modules"]
        .as_array()
        .and_then(|m| m.first())
        .and_then(|m| m["versions"].as_array())
        .map(|vs| {
            vs.iter()
                .filter_map(|v| v["version"].as_str().and_then(Version::parse))
                .collect()
        })
        .unwrap_or_default();
    let Some(version) = Constraint::newest(constraint, &versions).cloned() else {
        let listed: Vec<String> = versions.iter().map(ToString::to_string).collect();
        return Err(format!(
            "no version of {addr} matches the constraint (available: {})",
            if listed.is_empty() {
                "none".to_string()
            } else {
                listed.join(", ")
            }
        ));
    };
    let download = format!("{module}/{version}/download");
    let answer = http_get(&download, token)?;
    let location = answer.terraform_get.or_else(|| {
        serde_json::from_slice::<J>(&answer.body)
            .ok()
            .and_then(|j| j["location"].as_str().map(str::to_string))
    });
    let Some(location) = location else {
        return Err(format!(
            "{download}: HTTP {} without an X-Terraform-Get header or a location",
            answer.status
        ));
    };
    Ok(Resolved {
        version,
        package: resolve_url(&download, &location),
    })
}

fn is_loopback(host: &str) -> bool {
    let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
    name == "localhost" || name.starts_with("127.") || name == "[::1]"
}

/// The `modules.v1` base URL the host's discovery document names, with a trailing slash. A
/// `host "<host>" { services = { "modules.v1" = "..." } }` block of the CLI configuration
/// answers instead of the host, as Terraform lets one (a mirror of a public registry).
fn modules_base(host: &str, token: Option<&str>) -> Result<String, String> {
    let scheme = if is_loopback(host) { "http" } else { "https" };
    if let Some(base) = cli_config_service(host, "modules.v1") {
        let mut base = resolve_url(&format!("{scheme}://{host}/"), &base);
        if !base.ends_with('/') {
            base.push('/');
        }
        return Ok(base);
    }
    let discovery = format!("{scheme}://{host}/.well-known/terraform.json");
    let answer = http_get(&discovery, token)
        .map_err(|e| format!("service discovery of {host} failed: {e}"))?;
    let doc: J =
        serde_json::from_slice(&answer.body).map_err(|e| format!("{discovery}: not JSON ({e})"))?;
    let Some(base) = doc["modules.v1"].as_str() else {
        return Err(format!(
            "{host} does not offer a module registry (no modules.v1 in {discovery})"
        ));
    };
    let mut base = resolve_url(&discovery, base);
    if !base.ends_with('/') {
        base.push('/');
    }
    Ok(base)
}

/// The environment variable that holds a host's token: dots become `_`, dashes `__`
/// (`TF_TOKEN_app_terraform_io`), as Terraform reads them.
fn token_variable(host: &str) -> String {
    let mut out = String::from("TF_TOKEN_");
    for c in host.chars() {
        match c {
            '.' => out.push('_'),
            '-' => out.push_str("__"),
            c => out.push(c),
        }
    }
    out
}

fn token_for(host: &str) -> Option<String> {
    std::env::var(token_variable(host))
        .ok()
        .filter(|t| !t.is_empty())
        .or_else(|| cli_config_token(host))
}

/// The CLI configuration (`TF_CLI_CONFIG_FILE`, else `~/.terraformrc`)'s block of this kind
/// for this host, handed to `read`.
fn cli_config_block<T>(
    kind: &str,
    host: &str,
    read: impl Fn(&crate::syntax::ast::Body) -> Option<T>,
) -> Option<T> {
    let path = std::env::var_os("TF_CLI_CONFIG_FILE")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".terraformrc"))
        })?;
    let text = std::fs::read_to_string(&path).ok()?;
    let id = crate::syntax::span::add_file(&path, &text);
    let body = crate::syntax::parse_body(id, &text).ok()?;
    body.blocks
        .iter()
        .filter(|b| b.kind == kind && b.labels.first().map(String::as_str) == Some(host))
        .find_map(|b| read(&b.body))
}

/// A `credentials "<host>" { token = "..." }` block's token.
fn cli_config_token(host: &str) -> Option<String> {
    cli_config_block("credentials", host, |body| {
        body.attributes
            .iter()
            .find(|a| a.name == "token")
            .and_then(|a| a.expr.as_literal_string())
    })
}

/// A `host "<host>" { services = { "<service>" = "<url>" } }` block's URL for a service.
fn cli_config_service(host: &str, service: &str) -> Option<String> {
    cli_config_block("host", host, |body| {
        let services = body.attributes.iter().find(|a| a.name == "services")?;
        let empty = crate::lang::eval::MapScope(crate::lang::value::Attrs::new());
        let value = crate::lang::eval::Evaluator::new(&empty, std::path::PathBuf::new())
            .eval(&services.expr)
            .ok()?;
        value
            .attributes()?
            .get(service)?
            .as_str()
            .map(str::to_string)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_variables_are_named_as_terraform_names_them() {
        assert_eq!(
            token_variable("app.terraform.io"),
            "TF_TOKEN_app_terraform_io"
        );
        assert_eq!(
            token_variable("my-reg.example.com"),
            "TF_TOKEN_my__reg_example_com"
        );
    }

    #[test]
    fn loopback_hosts_are_reached_over_http() {
        assert!(is_loopback("127.0.0.1:8080"));
        assert!(is_loopback("localhost"));
        assert!(!is_loopback("registry.terraform.io"));
    }
}
