//! The typed model of one module (all `*.tf` files of a directory): what each block declares,
//! with the expressions left unevaluated and every item carrying its source span.

use crate::lang::types::TypeConstraint;
use crate::syntax::{Body, Expr, Span};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, Default)]
pub struct Module {
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
    pub terraform: TerraformSettings,
    pub providers: Vec<ProviderConfig>,
    pub variables: BTreeMap<String, Variable>,
    pub locals: BTreeMap<String, Local>,
    pub outputs: BTreeMap<String, Output>,
    /// Managed resources and data sources, keyed by their address in the module
    /// (`aws_vpc.main`, `data.aws_ami.base`).
    pub resources: BTreeMap<String, Resource>,
    pub module_calls: BTreeMap<String, ModuleCall>,
    pub images: BTreeMap<String, Image>,
    pub moved: Vec<Moved>,
}

#[derive(Debug, Clone, Default)]
pub struct TerraformSettings {
    pub required_version: Option<String>,
    pub backend: Option<Backend>,
    pub required_providers: BTreeMap<String, ProviderRequirement>,
}

#[derive(Debug, Clone)]
pub struct Backend {
    pub kind: String,
    pub body: Body,
    pub span: Span,
}

#[derive(Debug, Clone, Default)]
pub struct ProviderRequirement {
    pub source: Option<String>,
    pub version: Option<String>,
    /// `configuration_aliases = [aws.west]`: the aliased configurations a module expects its
    /// callers to pass (`aws.west`).
    pub configuration_aliases: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub name: String,
    pub alias: Option<String>,
    pub version: Option<String>,
    /// The provider's own arguments (region, default_tags ...), minus `alias` and `version`.
    pub body: Body,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub constraint: TypeConstraint,
    pub default: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub nullable: bool,
    pub validations: Vec<Validation>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Validation {
    pub condition: Expr,
    pub error_message: Expr,
}

#[derive(Debug, Clone)]
pub struct Local {
    pub name: String,
    pub expr: Expr,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub value: Expr,
    pub description: Option<String>,
    pub sensitive: bool,
    pub depends_on: Vec<Expr>,
    pub preconditions: Vec<Validation>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mode {
    Managed,
    Data,
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Expr>,
    /// `provider = aws.west`: the provider name and alias.
    pub provider: Option<(String, Option<String>)>,
    /// The root module's configuration this resource uses, when the module tree resolved it
    /// through the `providers` arguments of module calls (`provider["..."].west`).
    pub provider_config: Option<String>,
    pub lifecycle: Lifecycle,
    /// The resource's own arguments and nested blocks (meta-arguments removed).
    pub body: Body,
    pub span: Span,
}

impl Resource {
    /// The provider configuration as the module refers to it: `aws`, or `aws.west`.
    pub fn provider_ref(&self) -> String {
        match &self.provider {
            Some((name, Some(alias))) => format!("{name}.{alias}"),
            _ => self.provider_name(),
        }
    }

    /// `aws_vpc.main` or `data.aws_ami.base`.
    pub fn address(&self) -> String {
        match self.mode {
            Mode::Managed => format!("{}.{}", self.type_name, self.name),
            Mode::Data => format!("data.{}.{}", self.type_name, self.name),
        }
    }

    /// The provider this resource belongs to: the type's prefix unless `provider` says otherwise.
    pub fn provider_name(&self) -> String {
        match &self.provider {
            Some((name, _)) => name.clone(),
            None => crate::addrs::provider_name_of(&self.type_name).to_string(),
        }
    }

    /// The address of the provider configuration this resource uses, as state records it:
    /// `provider["registry.terraform.io/hashicorp/aws"]`, with `.west` for `provider = aws.west`;
    /// in a child module, the root configuration its callers passed.
    pub fn provider_config_address(&self) -> String {
        if let Some(resolved) = &self.provider_config {
            return resolved.clone();
        }
        let alias = self.provider.as_ref().and_then(|(_, a)| a.as_deref());
        crate::addrs::config_address(&crate::addrs::source_of(&self.provider_name()), alias)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    pub create_before_destroy: bool,
    pub prevent_destroy: bool,
    /// Attribute paths, or `all`.
    pub ignore_changes: Vec<Expr>,
    pub ignore_all_changes: bool,
    pub replace_triggered_by: Vec<Expr>,
    pub preconditions: Vec<Validation>,
    pub postconditions: Vec<Validation>,
}

#[derive(Debug, Clone)]
pub struct ModuleCall {
    pub name: String,
    pub source: String,
    pub source_span: Span,
    pub version: Option<String>,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Expr>,
    pub providers: Option<Expr>,
    /// Input variables: every remaining argument.
    pub inputs: BTreeMap<String, Expr>,
    pub span: Span,
}

/// An `image` block: a baked machine image. Its arguments are kept as written; `bake/` gives
/// them meaning.
#[derive(Debug, Clone)]
pub struct Image {
    pub name: String,
    pub body: Body,
    pub depends_on: Vec<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Moved {
    pub from: Expr,
    pub to: Expr,
    pub span: Span,
}
