//! Every implemented AWS type's schema against the provider's: the argument, nested block and
//! attribute names of each type's page (extracted by `scripts/aws-docs-extract.py` into
//! `fixtures/aws-docs/{r,d}/<type>.txt`), every path of the provider's own schema (version
//! 5.100.0, by `scripts/aws-schema-names.py` into `fixtures/aws-docs/schema/`), and the
//! names of version 6 (top-level in `fixtures/aws-docs/v6/`, nested in
//! `fixtures/aws-docs/v6-nested/` by `scripts/aws-v6-nested-names.py`) that infra's schema lacks are listed
//! in `fixtures/aws-docs/MISSING`, the coverage to-do list. The test fails when
//! a name goes missing that the list does not hold (coverage lost) or the list holds one that is
//! no longer missing (keep it true); `INFRA_UPDATE_MISSING=1` rewrites it.

use infra::lang::types::Type;
use infra::provider::Schema;
use std::collections::BTreeSet;
use std::path::Path;

/// The attribute names of a nested block's element type, following lists and sets.
fn block_attributes(ty: &Type) -> Option<BTreeSet<String>> {
    match ty {
        Type::List(inner) | Type::Set(inner) | Type::Map(inner) => block_attributes(inner),
        Type::Object(attrs, _) => Some(attrs.keys().cloned().collect()),
        _ => None,
    }
}

/// The type at a dotted path of blocks (`ebs_block_device`, `ebs.kms_key_id`).
fn type_at(schema: &Schema, path: &str) -> Option<Type> {
    let mut parts = path.split('.');
    let mut ty = schema.attributes.get(parts.next()?)?.ty.clone();
    for part in parts {
        ty = element(&ty)?.get(part)?.clone();
    }
    Some(ty)
}

fn element(ty: &Type) -> Option<&std::collections::BTreeMap<String, Type>> {
    match ty {
        Type::List(inner) | Type::Set(inner) | Type::Map(inner) => element(inner),
        Type::Object(attrs, _) => Some(attrs),
        _ => None,
    }
}

/// Every nested block of the schema with its dotted path (`ebs_block_device`,
/// `target_tracking_configuration.customized_metric_specification`).
fn block_paths(schema: &Schema) -> Vec<(String, Type)> {
    let mut out = Vec::new();
    let mut todo: Vec<(String, Type)> = schema
        .attributes
        .iter()
        .map(|(k, a)| (k.clone(), a.ty.clone()))
        .collect();
    while let Some((path, ty)) = todo.pop() {
        let Some(attrs) = element(&ty) else { continue };
        for (k, t) in attrs {
            todo.push((format!("{path}.{k}"), t.clone()));
        }
        out.push((path, ty));
    }
    out
}

/// Whether a nested name the page documents under its own heading, without its parent (the
/// extractor could not place it: `customized_metric_specification.metric_dimension` for what
/// the schema has under `target_tracking_configuration`), is in a block of that name anywhere.
/// Only paths of blocks are resolved this way; a bare argument name stays top-level.
fn nested_elsewhere(schema: &Schema, kind: &str, name: &str) -> bool {
    let (first, rest) = name.split_once('.').unwrap_or((name, ""));
    if schema.attributes.contains_key(first) || (rest.is_empty() && kind != "block") {
        return false;
    }
    block_paths(schema).iter().any(|(path, ty)| {
        if !path.ends_with(&format!(".{first}")) {
            return false;
        }
        let mut ty = ty.clone();
        for part in rest.split('.').filter(|p| !p.is_empty()) {
            match element(&ty).and_then(|a| a.get(part)) {
                Some(t) => ty = t.clone(),
                None => return false,
            }
        }
        true
    })
}

/// `PLACED`: names the extractor put at another path than the one the page means, each with
/// that path: bare names documented under a nested block's heading (`aws_autoscaling_policy
/// target_value target_tracking_configuration.target_value`), and attributes listed after a
/// block that the schema has at top level. Checked at that path instead.
fn placements(root: &Path) -> std::collections::BTreeMap<(String, String), String> {
    std::fs::read_to_string(root.join("PLACED"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(w.len(), 3, "PLACED lines are `type name path`: {l}");
            ((w[0].to_string(), w[1].to_string()), w[2].to_string())
        })
        .collect()
}

/// The documented names `schema` lacks, as `type name` lines.
fn missing(
    type_name: &str,
    doc: &str,
    schema: &Schema,
    placed: &std::collections::BTreeMap<(String, String), String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for line in doc.lines().filter(|l| !l.starts_with('#')) {
        let mut words = line.split_whitespace();
        let (Some(kind), Some(documented)) = (words.next(), words.next()) else {
            continue;
        };
        let name = placed
            .get(&(type_name.to_string(), documented.to_string()))
            .map_or(documented, String::as_str);
        let present = match name.rsplit_once('.') {
            None => schema.attributes.contains_key(name),
            Some((parent, leaf)) => type_at(schema, parent)
                .and_then(|t| block_attributes(&t))
                .is_some_and(|attrs| attrs.contains(leaf)),
        };
        // A name under a map attribute (`ebs.volume_size` where Terraform keeps `ebs` as a map
        // of strings) is one of its keys: the schema cannot list those.
        let map_key = name.rsplit_once('.').is_some_and(|(parent, _)| {
            type_at(schema, parent).is_some_and(
                |t| matches!(&t, Type::Map(inner) if !matches!(**inner, Type::Object(..))),
            )
        });
        let present = present
            || map_key
            || (kind == "block" && type_at(schema, name).is_some())
            || nested_elsewhere(schema, kind, name);
        if !present {
            let deprecated = if line.ends_with("deprecated") {
                " (deprecated)"
            } else {
                ""
            };
            out.push(format!("{type_name} {kind} {documented}{deprecated}"));
        }
    }
    out
}

#[test]
fn documented_names_missing_from_schemas_are_the_listed_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/aws-docs");
    let registry = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(infra::run::providers::schemas());
    let aws = infra::addrs::config_address(&infra::addrs::source_of("aws"), None);
    let placed = placements(&root);
    let mut found: Vec<String> = Vec::new();
    let mut checked = 0;
    // The pages' names, the provider's own schema (every nested path), and version 6's names.
    for (dir, data) in [
        ("r", false),
        ("d", true),
        ("schema/r", false),
        ("schema/d", true),
        ("v6/r", false),
        ("v6/d", true),
        ("v6-nested/r", false),
        ("v6-nested/d", true),
    ] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let type_name = file.file_stem().unwrap().to_string_lossy().to_string();
            let doc = std::fs::read_to_string(&file).unwrap();
            let schema = if data {
                registry
                    .data_at(&type_name, &aws)
                    .map(|d| d.schema().clone())
            } else {
                registry
                    .get_at(&type_name, &aws)
                    .map(|t| t.schema().clone())
            };
            let schema = schema.unwrap_or_else(|| panic!("infra has no type {type_name}"));
            let label = if data {
                format!("data.{type_name}")
            } else {
                type_name
            };
            found.extend(missing(&label, &doc, &schema, &placed));
            checked += 1;
        }
    }
    assert!(
        checked >= 150,
        "every implemented type has its page: {checked}"
    );
    let listed_path = root.join("MISSING");
    let text = found.join("\n") + "\n";
    if std::env::var_os("INFRA_UPDATE_MISSING").is_some() {
        std::fs::write(&listed_path, &text).unwrap();
    }
    let listed = std::fs::read_to_string(&listed_path).unwrap_or_default();
    let listed: BTreeSet<&str> = listed.lines().filter(|l| !l.is_empty()).collect();
    let now: BTreeSet<&str> = found.iter().map(String::as_str).collect();
    let lost: Vec<&&str> = now.difference(&listed).collect();
    let gained: Vec<&&str> = listed.difference(&now).collect();
    println!(
        "{} documented names missing from {checked} types",
        now.len()
    );
    assert!(
        lost.is_empty(),
        "documented names infra's schemas lack that fixtures/aws-docs/MISSING does not list: {lost:#?}"
    );
    assert!(
        gained.is_empty(),
        "fixtures/aws-docs/MISSING lists names infra now has (INFRA_UPDATE_MISSING=1 rewrites it): {gained:#?}"
    );
}
