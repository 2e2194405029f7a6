//! A resource's `provisioner` blocks, evaluated for one instance once it exists: `self` is its
//! new value, as in Terraform. `when` and `on_failure` are keywords, read from the block, not
//! evaluated.

use super::scope::InstanceScope;
use super::{Ctx, InstanceKey, body};
use crate::config::Resource;
use crate::diag::Diagnostic;
use crate::lang::Evaluator;
use crate::lang::value::Value;
use crate::syntax::Span;

/// One provisioner of an instance just made.
pub struct Provisioner {
    /// `local-exec`, `remote-exec`, `file`.
    pub kind: String,
    /// `when = destroy`: runs before the object is destroyed, not after it is made.
    pub at_destroy: bool,
    /// `on_failure = continue`: a failure is a warning, not an error that taints the object.
    pub continue_on_failure: bool,
    /// Its arguments (`command`, `working_dir`, `interpreter`, `environment`, ...).
    pub config: Result<Value, Diagnostic>,
    pub span: Span,
}

/// The keyword an attribute names (`when = destroy`), if the block has it.
fn keyword(body: &crate::syntax::Body, name: &str) -> Option<String> {
    let a = body.attributes.iter().find(|a| a.name == name)?;
    a.expr
        .as_traversal()
        .map(|(root, _)| root)
        .or_else(|| a.expr.as_literal_string())
}

/// Whether a resource has provisioner blocks (most do not: nothing to evaluate).
pub fn has_provisioners(r: &Resource) -> bool {
    r.body.blocks.iter().any(|b| b.kind == "provisioner")
}

impl Ctx<'_> {
    /// The instance's provisioners, each evaluated in its scope with `self` = `value`.
    pub(super) fn provisioners(
        &self,
        world: &super::scope::World,
        inst: &super::scope::Instance,
        r: &Resource,
        key: Option<&InstanceKey>,
        value: &Value,
    ) -> Vec<Provisioner> {
        let mut scope = InstanceScope::new(world, inst);
        scope = match key {
            Some(InstanceKey::Int(i)) => scope.with_count(*i),
            // each.value is the for_each element, which the instance's value does not hold.
            Some(InstanceKey::Str(k)) => scope.with_each(k.clone(), Value::unknown()),
            None => scope,
        };
        scope.self_value = Some(value.clone());
        r.body
            .blocks
            .iter()
            .filter(|b| b.kind == "provisioner")
            .map(|b| {
                let mut args = b.body.clone();
                args.attributes
                    .retain(|a| a.name != "when" && a.name != "on_failure");
                args.blocks.retain(|c| c.kind != "connection");
                let mut ev = Evaluator::new(&scope, self.root_dir.clone());
                Provisioner {
                    kind: b.labels.first().cloned().unwrap_or_default(),
                    at_destroy: keyword(&b.body, "when").as_deref() == Some("destroy"),
                    continue_on_failure: keyword(&b.body, "on_failure").as_deref()
                        == Some("continue"),
                    config: body::eval_body(&mut ev, &args),
                    span: b.kind_span,
                }
            })
            .collect()
    }
}
