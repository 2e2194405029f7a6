//! Input variables: where a value comes from (root: flags, files, environment; child: the
//! module call's argument), its default, type conversion, optional-attribute defaults,
//! nullability, sensitivity and validation rules.

use super::{Ctx, Instance, InstanceScope, World};
use crate::config::Variable;
use crate::config::tfvars::RawValue;
use crate::diag::Diagnostic;
use crate::graph::ModuleTree;
use crate::lang::convert::{apply_defaults, convert};
use crate::lang::value::{Attrs, Value};
use crate::lang::{Evaluator, MapScope};
use crate::syntax::{self, Span};
use std::path::Path;

impl Ctx<'_> {
    pub(super) fn variable(
        &mut self,
        tree: &ModuleTree,
        world: &World,
        inst: &Instance,
        name: &str,
    ) -> Value {
        let tm = &tree.modules[inst.module];
        let var = &tm.module.variables[name];
        let default_ok = self.check_default(var);
        let is_root = inst.module == 0;
        // The call that feeds a child module, and the parent instance it is evaluated in.
        let call = tm
            .parent
            .and_then(|p| tree.modules[p].module.module_calls.get(tm.path.last()?));
        let parent = inst.parent.as_ref().and_then(|k| world.instances.get(k));
        let unknown =
            || Value::Unknown(var.constraint.ty.without_optional()).mark_if(var.sensitive);
        if self.opts.validate_only {
            if let Some(call) = call {
                if var.default.is_none() && !call.inputs.contains_key(name) {
                    self.diags.push(Diagnostic::error(
                        "Missing required argument",
                        format!("The argument {name:?} is required by module {:?}, but no definition was found.", call.name),
                        call.span,
                    ));
                }
                // The argument is still checked, though its value is not used.
                if let (Some(e), Some(p)) = (call.inputs.get(name), parent) {
                    let scope = InstanceScope::new(world, p).with_repetition(&inst.repetition);
                    let _ = self.eval_in(&scope, e);
                }
            }
            return unknown();
        }
        let given: Option<(Value, Span)> = if is_root {
            match self.root_value(var) {
                Ok(v) => v,
                Err(()) => return unknown(),
            }
        } else {
            match (call.and_then(|c| c.inputs.get(name)), parent) {
                (Some(e), Some(p)) => {
                    let scope = InstanceScope::new(world, p).with_repetition(&inst.repetition);
                    Some((self.eval_in(&scope, e), e.span))
                }
                _ => None,
            }
        };
        // A null argument overrides the default of a nullable variable (Terraform's rule);
        // a non-nullable one takes its default instead, and is an error without one.
        let given = given.filter(|(v, _)| !(v.is_null() && !var.nullable && var.default.is_some()));
        let (value, span) = match given {
            Some(g) => g,
            None => match &var.default {
                Some(d) => match self.constant(d) {
                    Some(v) => (v, d.span),
                    None => return unknown(),
                },
                None => {
                    if !is_root || self.opts.require_root_vars {
                        let (summary, span) = match call {
                            Some(c) => ("Missing required argument", c.span),
                            None => ("No value for required variable", var.span),
                        };
                        self.diags.push(Diagnostic::error(
                            summary,
                            format!(
                                "The input variable {name:?} is not set, and has no default value. Use a -var or -var-file command line argument{} to provide a value for this variable.",
                                if is_root { "" } else { " (or an argument in the module block)" }
                            ),
                            span,
                        ));
                    }
                    return unknown();
                }
            },
        };
        if value.is_null() && !var.nullable {
            self.diags.push(Diagnostic::error(
                "Required variable not set",
                format!(
                    "Unsuitable value for var.{name}: required variable may not be set to null."
                ),
                span,
            ));
            return unknown();
        }
        let converted = match convert(&value, &var.constraint.ty) {
            Ok(v) => apply_defaults(v, &var.constraint.ty, &var.constraint.defaults),
            // A default that does not fit its type was reported already.
            Err(_) if !default_ok && var.default.as_ref().is_some_and(|d| d.span == span) => {
                return unknown();
            }
            Err(e) => {
                self.diags.push(Diagnostic::error(
                    "Invalid value for input variable",
                    format!(
                        "The given value is not suitable for var.{name} declared at {}: {e}.",
                        syntax::span::location(var.span)
                    ),
                    span,
                ));
                return unknown();
            }
        };
        let converted = converted.mark_if(var.sensitive);
        self.check_validations(world, inst, name, &converted, var);
        converted
    }

    /// The value given for a root variable, if any. `Err` means a problem was reported.
    fn root_value(&mut self, var: &Variable) -> Result<Option<(Value, Span)>, ()> {
        let name = &var.name;
        Ok(match self.opts.root_vars.get(name) {
            None => None,
            Some(RawValue::Expr(e)) => Some((self.constant(e).ok_or(())?, e.span)),
            Some(RawValue::Json(j)) => Some((Value::from_json(j), var.span)),
            Some(RawValue::Value(v)) => Some((v.clone(), var.span)),
            // A primitive or untyped variable takes the text as it is, as Terraform does; collections
            // and structures parse it as an expression.
            Some(RawValue::Text { text, .. })
                if var.constraint.ty.is_primitive()
                    || var.constraint.ty == crate::lang::types::Type::Dynamic =>
            {
                Some((Value::string(text.as_str()), var.span))
            }
            Some(RawValue::Text { text, origin }) => {
                let id =
                    syntax::span::add_file(Path::new(&format!("<value for var.{name}>")), text);
                match syntax::parse_expression(id, text) {
                    Ok(e) => Some((self.constant(&e).ok_or(())?, var.span)),
                    Err(e) => {
                        self.diags.push(Diagnostic::error(
                            "Invalid value for input variable",
                            format!(
                                "The value given by {origin} is not a valid expression: {}",
                                e.message
                            ),
                            e.span,
                        ));
                        return Err(());
                    }
                }
            }
        })
    }

    /// An expression that may not refer to anything (defaults, `.tfvars` values).
    fn constant(&mut self, e: &syntax::Expr) -> Option<Value> {
        let empty = MapScope(Attrs::new());
        match Evaluator::new(&empty, self.root_dir.clone()).eval(e) {
            Ok(v) => Some(v),
            Err(d) => {
                self.diags.push(d);
                None
            }
        }
    }

    /// A default must itself satisfy the variable's type, whatever value is given later.
    fn check_default(&mut self, var: &Variable) -> bool {
        let Some(d) = &var.default else { return true };
        let Some(v) = self.constant(d) else {
            return false;
        };
        if let Err(e) = convert(&v, &var.constraint.ty) {
            self.diags.push(Diagnostic::error(
                "Invalid default value for variable",
                format!(
                    "This default value is not compatible with the variable's type constraint: {e}."
                ),
                d.span,
            ));
            return false;
        }
        true
    }

    fn check_validations(
        &mut self,
        world: &World,
        inst: &Instance,
        name: &str,
        value: &Value,
        var: &Variable,
    ) {
        if var.validations.is_empty() {
            return;
        }
        let mut with_self = inst.clone();
        with_self.vars.insert(name.to_string(), value.clone());
        let scope = InstanceScope::new(world, &with_self);
        for rule in &var.validations {
            let ok = self.eval_in(&scope, &rule.condition);
            let (ok, _) = ok.unmark();
            if ok.as_bool() == Some(false) {
                let msg = self.eval_in(&scope, &rule.error_message);
                let msg = msg
                    .unmark()
                    .0
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| "(invalid error message)".into());
                self.diags.push(Diagnostic::error(
                    "Invalid value for variable",
                    format!("{msg}\n\nThis was checked by the validation rule of var.{name}."),
                    rule.condition.span,
                ));
            } else if ok.is_known() && ok.as_bool().is_none() && !ok.is_null() {
                self.diags.push(Diagnostic::error(
                    "Invalid validation result",
                    "The condition must be a bool.",
                    rule.condition.span,
                ));
            }
        }
    }
}
