//! Override files (`override.tf`, `*_override.tf`, and their `.tf.json` forms), merged into the module's other files by
//! Terraform's rules before anything reads the blocks: each block of an override file changes
//! the one block of the same type and labels (a provider by name and alias) — its arguments
//! replace those of the same name, its nested blocks replace every nested block of their type
//! (static or `dynamic`), except `lifecycle`, merged argument by argument, and
//! `required_providers`, merged provider by provider. A `locals` block replaces each local by
//! name. An override without a block to change is an error at the override.

use crate::diag::Diagnostic;
use crate::syntax::{Attribute, Block, Body};

/// Whether a file of this name is an override file.
pub fn is_override(file_name: &str) -> bool {
    let stem = file_name
        .strip_suffix(".tf.json")
        .or_else(|| file_name.strip_suffix(".tf"))
        .unwrap_or(file_name);
    stem == "override" || stem.ends_with("_override")
}

/// Merges the blocks of one override file into `base`, the module's other files.
pub fn apply(base: &mut Body, over: Body, diags: &mut Vec<Diagnostic>) {
    for attr in over.attributes {
        diags.push(Diagnostic::error(
            "Unsupported argument",
            format!(
                "An argument named {:?} is not expected at the top level of a configuration file.",
                attr.name
            ),
            attr.name_span,
        ));
    }
    for block in over.blocks {
        match block.kind.as_str() {
            "locals" => override_locals(base, block, diags),
            "terraform" => match base.blocks.iter_mut().find(|b| b.kind == "terraform") {
                Some(target) => merge(target, block, &["required_providers"]),
                None => base.blocks.push(block),
            },
            "moved" | "import" | "check" | "removed" => diags.push(Diagnostic::error(
                "Cannot override block",
                format!(
                    "{} blocks cannot be overridden; put this one in a file that is not an override file.",
                    block.kind
                ),
                block.header_span(),
            )),
            _ => {
                let key = identity(&block);
                match base.blocks.iter_mut().find(|b| identity(b) == key) {
                    Some(target) => merge(target, block, &["lifecycle"]),
                    None => diags.push(Diagnostic::error(
                        "Missing base block to override",
                        format!(
                            "There is no {} block {} in the module's other files for this override to change.",
                            block.kind,
                            block
                                .labels
                                .iter()
                                .map(|l| format!("{l:?}"))
                                .collect::<Vec<_>>()
                                .join(" ")
                        ),
                        block.header_span(),
                    )),
                }
            }
        }
    }
}

/// What an override block is matched by: its type and labels, and a provider's alias.
fn identity(b: &Block) -> (String, Vec<String>, Option<String>) {
    let alias = (b.kind == "provider")
        .then(|| {
            b.body
                .attributes
                .iter()
                .find(|a| a.name == "alias")
                .and_then(|a| a.expr.as_literal_string())
        })
        .flatten();
    (b.kind.clone(), b.labels.clone(), alias)
}

fn replace_attribute(body: &mut Body, attr: Attribute) {
    match body.attributes.iter_mut().find(|a| a.name == attr.name) {
        Some(existing) => *existing = attr,
        None => body.attributes.push(attr),
    }
}

/// The nested block type a block stands for: its own, or a `dynamic` block's label.
fn nested_type(b: &Block) -> &str {
    match (b.kind.as_str(), b.labels.first()) {
        ("dynamic", Some(label)) => label,
        (kind, _) => kind,
    }
}

/// `over` into `target`: arguments by name; nested blocks by type, replaced whole unless
/// their type is one of `merged` (then merged argument by argument).
fn merge(target: &mut Block, over: Block, merged: &[&str]) {
    for attr in over.body.attributes {
        replace_attribute(&mut target.body, attr);
    }
    let mut replaced: Vec<String> = Vec::new();
    for nested in over.body.blocks {
        let kind = nested_type(&nested).to_string();
        if merged.contains(&kind.as_str())
            && let Some(existing) = target.body.blocks.iter_mut().find(|b| b.kind == kind)
        {
            for attr in nested.body.attributes {
                replace_attribute(&mut existing.body, attr);
            }
            continue;
        }
        if !replaced.contains(&kind) {
            target.body.blocks.retain(|b| nested_type(b) != kind);
            replaced.push(kind);
        }
        target.body.blocks.push(nested);
    }
}

fn override_locals(base: &mut Body, block: Block, diags: &mut Vec<Diagnostic>) {
    for attr in block.body.attributes {
        let target = base
            .blocks
            .iter_mut()
            .filter(|b| b.kind == "locals")
            .find(|b| b.body.attributes.iter().any(|a| a.name == attr.name));
        match target {
            Some(b) => replace_attribute(&mut b.body, attr),
            None => diags.push(Diagnostic::error(
                "Missing base local value to override",
                format!(
                    "There is no local value {:?} in the module's other files for this override to change.",
                    attr.name
                ),
                attr.name_span,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> Body {
        let id = crate::syntax::span::add_file(std::path::Path::new("t.tf"), text);
        crate::syntax::parse_body(id, text).unwrap()
    }

    #[test]
    fn override_file_names() {
        assert!(is_override("override.tf"));
        assert!(is_override("dev_override.tf"));
        assert!(!is_override("overrides.tf"));
        assert!(!is_override("main.tf"));
        assert!(is_override("x_override.tf.json"));
    }

    #[test]
    fn arguments_replace_nested_blocks_replace_lifecycle_merges() {
        let mut base = body(
            "resource \"a\" \"b\" {\n  x = 1\n  y = 2\n  ingress { p = 1 }\n  ingress { p = 2 }\n  lifecycle {\n    create_before_destroy = true\n  }\n}\n",
        );
        let over = body(
            "resource \"a\" \"b\" {\n  y = 3\n  ingress { p = 9 }\n  lifecycle {\n    prevent_destroy = true\n  }\n}\n",
        );
        let mut diags = Vec::new();
        apply(&mut base, over, &mut diags);
        assert!(diags.is_empty());
        let b = &base.blocks[0].body;
        let names: Vec<&str> = b.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["x", "y"]);
        assert_eq!(b.blocks.iter().filter(|n| n.kind == "ingress").count(), 1);
        let lifecycle = b.blocks.iter().find(|n| n.kind == "lifecycle").unwrap();
        assert_eq!(lifecycle.body.attributes.len(), 2);
    }

    #[test]
    fn an_override_needs_a_base() {
        let mut base = body("resource \"a\" \"b\" {}\nlocals {\n  l = 1\n}\n");
        let mut diags = Vec::new();
        apply(
            &mut base,
            body("resource \"a\" \"c\" {}\nlocals {\n  m = 2\n}\n"),
            &mut diags,
        );
        let summaries: Vec<&str> = diags.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(
            summaries,
            [
                "Missing base block to override",
                "Missing base local value to override"
            ]
        );
    }
}
