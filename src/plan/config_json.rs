//! The `configuration` section of Terraform's plan JSON: every module's resources, module
//! calls, variables, outputs and provider configurations with their expressions, each either a
//! `constant_value` (no references; evaluated) or the `references` it makes. Tools such as
//! infracost and checkov read it. Built from the module tree, so `show -json PLAN` builds it
//! from the plan's snapshot.

use crate::config::{Mode, Module};
use crate::graph::ModuleTree;
use crate::lang::value::Attrs;
use crate::lang::{Evaluator, MapScope};
use crate::syntax::ast::Step;
use crate::syntax::{Body, Expr, refs};
use serde_json::{Map, Value as J, json};

pub fn configuration(tree: &ModuleTree) -> J {
    let root = tree.root();
    let mut providers = Map::new();
    for p in &root.providers {
        let key = match &p.alias {
            Some(a) => format!("{}.{a}", p.name),
            None => p.name.clone(),
        };
        let mut entry = json!({
            "name": p.name,
            "full_name": provider_full_name(&p.name),
            "expressions": body_json(&p.body),
        });
        if let Some(a) = &p.alias {
            entry["alias"] = J::String(a.clone());
        }
        providers.insert(key, entry);
    }
    // Providers used without a block of their own appear by name, as Terraform lists them.
    for tm in &tree.modules {
        for r in tm.module.resources.values() {
            let name = r
                .provider
                .as_ref()
                .map_or_else(|| r.provider_name(), |(n, _)| n.clone());
            providers
                .entry(name.clone())
                .or_insert_with(|| json!({ "name": name, "full_name": provider_full_name(&name) }));
        }
    }
    let mut out = json!({ "root_module": module_json(tree, 0) });
    if !providers.is_empty() {
        out["provider_config"] = J::Object(providers);
    }
    out
}

fn provider_full_name(name: &str) -> String {
    if name == "terraform" {
        "terraform.io/builtin/terraform".into()
    } else {
        crate::provider::source_of(name)
    }
}

fn module_json(tree: &ModuleTree, index: usize) -> J {
    let tm = &tree.modules[index];
    let m: &Module = &tm.module;
    let mut out = Map::new();
    let resources: Vec<J> = m
        .resources
        .values()
        .map(|r| {
            let mut j = json!({
                "address": r.address(),
                "mode": if r.mode == Mode::Data { "data" } else { "managed" },
                "type": r.type_name,
                "name": r.name,
                "provider_config_key": match &r.provider {
                    Some((name, Some(alias))) => format!("{name}.{alias}"),
                    Some((name, None)) => name.clone(),
                    None => r.provider_name(),
                },
                "expressions": body_json(&r.body),
                "schema_version": 0,
            });
            if let Some(c) = &r.count {
                j["count_expression"] = expr_json(c);
            }
            if let Some(f) = &r.for_each {
                j["for_each_expression"] = expr_json(f);
            }
            if !r.depends_on.is_empty() {
                j["depends_on"] = r.depends_on.iter().flat_map(references).collect();
            }
            j
        })
        .collect();
    if !resources.is_empty() {
        out.insert("resources".into(), J::Array(resources));
    }
    let mut calls = Map::new();
    for (name, call) in &m.module_calls {
        let mut j = json!({
            "source": call.source,
            "expressions": call
                .inputs
                .iter()
                .map(|(k, e)| (k.clone(), expr_json(e)))
                .collect::<Map<_, _>>(),
        });
        if let Some(&child) = tm.children.get(name) {
            j["module"] = module_json(tree, child);
        }
        if let Some(v) = &call.version {
            j["version_constraint"] = J::String(v.clone());
        }
        if let Some(c) = &call.count {
            j["count_expression"] = expr_json(c);
        }
        if let Some(f) = &call.for_each {
            j["for_each_expression"] = expr_json(f);
        }
        calls.insert(name.clone(), j);
    }
    if !calls.is_empty() {
        out.insert("module_calls".into(), J::Object(calls));
    }
    let variables: Map<String, J> = m
        .variables
        .iter()
        .map(|(k, v)| {
            let mut j = json!({});
            if let Some(d) = v.default.as_ref().and_then(constant) {
                j["default"] = d;
            }
            if let Some(d) = &v.description {
                j["description"] = J::String(d.clone());
            }
            if v.sensitive {
                j["sensitive"] = J::Bool(true);
            }
            (k.clone(), j)
        })
        .collect();
    if !variables.is_empty() {
        out.insert("variables".into(), J::Object(variables));
    }
    let outputs: Map<String, J> = m
        .outputs
        .iter()
        .map(|(k, o)| {
            let mut j = json!({ "expression": expr_json(&o.value) });
            if o.sensitive {
                j["sensitive"] = J::Bool(true);
            }
            if let Some(d) = &o.description {
                j["description"] = J::String(d.clone());
            }
            (k.clone(), j)
        })
        .collect();
    if !outputs.is_empty() {
        out.insert("outputs".into(), J::Object(outputs));
    }
    J::Object(out)
}

/// A block body's expressions: arguments by name, nested blocks as arrays of bodies (a
/// `dynamic` block by the name of the blocks it makes, with its `content`).
fn body_json(body: &Body) -> J {
    let mut out = Map::new();
    for a in &body.attributes {
        out.insert(a.name.clone(), expr_json(&a.expr));
    }
    for b in &body.blocks {
        let (name, inner) = if b.kind == "dynamic" {
            let Some(label) = b.labels.first() else {
                continue;
            };
            match b.body.blocks.iter().find(|c| c.kind == "content") {
                Some(c) => (label.clone(), &c.body),
                None => continue,
            }
        } else {
            (b.kind.clone(), &b.body)
        };
        let entry = out.entry(name).or_insert_with(|| J::Array(Vec::new()));
        if let J::Array(items) = entry {
            items.push(body_json(inner));
        }
    }
    J::Object(out)
}

/// `{"constant_value": v}` for an expression with no references, else `{"references": [...]}`.
fn expr_json(e: &Expr) -> J {
    let refs = references(e);
    if refs.is_empty() {
        return match constant(e) {
            Some(v) => json!({ "constant_value": v }),
            None => json!({}),
        };
    }
    json!({ "references": refs })
}

fn constant(e: &Expr) -> Option<J> {
    if !refs::references(e).is_empty() {
        return None;
    }
    let scope = MapScope(Attrs::new());
    let mut ev = Evaluator::new(&scope, std::path::PathBuf::from("."));
    let v = ev.eval(e).ok()?;
    v.is_wholly_known().then(|| v.unmark_deep().0.to_json())
}

/// Terraform's reference strings: the traversal as far as it names an object's attribute,
/// then the instance, then the object (`aws_subnet.a[0].id`, `aws_subnet.a[0]`,
/// `aws_subnet.a`; `var.x`; `module.net.ids`, `module.net`).
fn references(e: &Expr) -> Vec<J> {
    let mut out: Vec<String> = Vec::new();
    for r in refs::references(e) {
        let names = match r.root.as_str() {
            "var" | "local" | "path" | "count" | "each" | "terraform" | "self" => {
                if let Some(Step::Attr(a)) = r.steps.first() {
                    push(&mut out, format!("{}.{a}", r.root));
                }
                continue;
            }
            "data" => 2,
            _ => 1,
        };
        let mut steps = r.steps.iter();
        let mut base = r.root.clone();
        for _ in 0..names {
            match steps.next() {
                Some(Step::Attr(a)) => base = format!("{base}.{a}"),
                _ => break,
            }
        }
        let mut chain = vec![base.clone()];
        let mut at = base;
        match steps.next() {
            Some(Step::Index(i)) => {
                at = format!("{at}[{i}]");
                chain.push(at.clone());
                if let Some(Step::Attr(a)) = steps.next() {
                    chain.push(format!("{at}.{a}"));
                }
            }
            Some(Step::Key(k)) => {
                at = format!("{at}[{k:?}]");
                chain.push(at.clone());
                if let Some(Step::Attr(a)) = steps.next() {
                    chain.push(format!("{at}.{a}"));
                }
            }
            Some(Step::Attr(a)) => chain.push(format!("{at}.{a}")),
            None => {}
        }
        for s in chain.into_iter().rev() {
            push(&mut out, s);
        }
    }
    out.into_iter().map(J::String).collect()
}

fn push(out: &mut Vec<String>, s: String) {
    if !out.contains(&s) {
        out.push(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(src: &str) -> Expr {
        let text = format!("x = {src}\n");
        let id = crate::syntax::span::add_file(std::path::Path::new("t.tf"), &text);
        let body = crate::syntax::parse_body(id, &text).unwrap();
        body.attributes[0].expr.clone()
    }

    #[test]
    fn expressions_are_constants_or_references_as_terraform_writes_them() {
        assert_eq!(
            expr_json(&expr("\"t3.micro\"")),
            json!({"constant_value": "t3.micro"})
        );
        assert_eq!(
            expr_json(&expr("[1, 2]")),
            json!({"constant_value": [1, 2]})
        );
        assert_eq!(
            expr_json(&expr("aws_vpc.main.id")),
            json!({"references": ["aws_vpc.main.id", "aws_vpc.main"]})
        );
        assert_eq!(
            expr_json(&expr("\"${var.name}-${data.aws_ami.x.id}\"")),
            json!({"references": ["var.name", "data.aws_ami.x.id", "data.aws_ami.x"]})
        );
        assert_eq!(
            expr_json(&expr("module.net.private_subnet_ids[0]")),
            json!({"references": ["module.net.private_subnet_ids", "module.net"]})
        );
        assert_eq!(
            expr_json(&expr("aws_subnet.a[0].id")),
            json!({"references": ["aws_subnet.a[0].id", "aws_subnet.a[0]", "aws_subnet.a"]})
        );
    }
}
