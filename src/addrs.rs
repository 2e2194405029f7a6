//! Addresses of providers as Terraform writes them, shared by the configuration (a resource's
//! `provider` meta-argument), the registry and the state. A leaf: it knows no other room.

/// A provider configuration's address as state records it:
/// `provider["registry.terraform.io/hashicorp/aws"]`, `...aws"].west` with an alias.
pub fn config_address(source: &str, alias: Option<&str>) -> String {
    match alias {
        Some(a) => format!("provider[\"{source}\"].{a}"),
        None => format!("provider[\"{source}\"]"),
    }
}

/// The registry source of a provider by its local name (`aws` → `registry.terraform.io/hashicorp/aws`).
pub fn source_of(name: &str) -> String {
    format!("registry.terraform.io/hashicorp/{name}")
}

/// The provider a type belongs to by its name's prefix: `aws_vpc` → `aws`.
pub fn provider_name_of(type_name: &str) -> &str {
    type_name.split('_').next().unwrap_or(type_name)
}
