//! Loading a directory's `*.tf` files into a [`Module`]: parsing, then reading each top-level
//! block into the typed model. Problems are collected, not stopped at, so one run reports them
//! all; each names its file, line and column.

use super::model::*;
use crate::diag::Diagnostic;
use crate::lang::typeexpr::parse_constraint;
use crate::lang::types::TypeConstraint;
use crate::syntax::{self, Block, Body, Expr, ExprKind, Span};
use std::path::Path;

/// Reads every `*.tf` file of `dir` (sorted by name, like Terraform) into one module.
pub fn load_module(dir: &Path) -> Result<Module, Vec<Diagnostic>> {
    // Through `sources`: a saved plan's apply sees the module files the plan saw.
    let entries = crate::sources::list(dir).map_err(|e| {
        vec![Diagnostic::plain(
            "Failed to read module directory",
            format!("Could not read {}: {e}.", dir.display()),
        )]
    })?;
    let mut files: Vec<_> = entries
        .into_iter()
        .filter(|(name, kind)| {
            *kind == crate::sources::Kind::File
                && (name.ends_with(".tf") || super::json::is_json(name))
                && !name.starts_with('.')
        })
        .map(|(name, _)| dir.join(name))
        .collect();
    files.sort();
    let mut module = Module {
        dir: dir.to_path_buf(),
        ..Module::default()
    };
    let mut diags = Vec::new();
    // Override files are read last, in name order, each merged into the blocks of the others.
    files.sort_by_key(|p| {
        let name = p.file_name().map(|n| n.to_string_lossy().to_string());
        (
            name.as_deref().is_some_and(super::overrides::is_override),
            p.clone(),
        )
    });
    let mut merged = Body {
        attributes: Vec::new(),
        blocks: Vec::new(),
        span: Span::default(),
    };
    for path in &files {
        let text = match crate::sources::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => {
                    let at = e.utf8_error().valid_up_to();
                    let bytes = e.as_bytes();
                    let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
                    let column = at
                        - bytes[..at]
                            .iter()
                            .rposition(|b| *b == b'\n')
                            .map_or(0, |i| i + 1)
                        + 1;
                    diags.push(Diagnostic::plain(
                        "Invalid file encoding",
                        format!(
                            "{}:{line}:{column}: byte {at} (0x{:02x}) is not valid UTF-8. Configuration files are UTF-8; re-save this one as UTF-8.",
                            path.display(),
                            bytes[at]
                        ),
                    ));
                    continue;
                }
            },
            Err(e) => {
                diags.push(Diagnostic::plain(
                    "Failed to read file",
                    format!("{}: {e}", path.display()),
                ));
                continue;
            }
        };
        let id = syntax::span::add_file(path, &text);
        let is_override = path
            .file_name()
            .is_some_and(|n| super::overrides::is_override(&n.to_string_lossy()));
        let parsed = if path
            .file_name()
            .is_some_and(|n| super::json::is_json(&n.to_string_lossy()))
        {
            super::json::parse_body(id, path, &text)
        } else {
            syntax::parse_body(id, &text)
                .map_err(|e| vec![Diagnostic::error("Invalid syntax", e.message, e.span)])
        };
        match parsed {
            Ok(body) if is_override => super::overrides::apply(&mut merged, body, &mut diags),
            Ok(body) => {
                merged.attributes.extend(body.attributes);
                merged.blocks.extend(body.blocks);
            }
            Err(d) => diags.extend(d),
        }
    }
    read_body(&mut module, merged, &mut diags);
    module.files = files;
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    Ok(module)
}

/// Loads a module from source text (tests, `console` with no directory).
pub fn load_module_from_str(dir: &Path, name: &str, text: &str) -> Result<Module, Vec<Diagnostic>> {
    let mut module = Module {
        dir: dir.to_path_buf(),
        ..Module::default()
    };
    let mut diags = Vec::new();
    let id = syntax::span::add_file(&dir.join(name), text);
    match syntax::parse_body(id, text) {
        Ok(body) => read_body(&mut module, body, &mut diags),
        Err(e) => diags.push(Diagnostic::error("Invalid syntax", e.message, e.span)),
    }
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    Ok(module)
}

fn read_body(m: &mut Module, body: Body, diags: &mut Vec<Diagnostic>) {
    for attr in &body.attributes {
        diags.push(Diagnostic::error(
            "Unsupported argument",
            format!("An argument named {:?} is not expected at the top level of a configuration file; only blocks belong here.", attr.name),
            attr.name_span,
        ));
    }
    for block in body.blocks {
        let r = match block.kind.as_str() {
            "terraform" => read_terraform(m, &block),
            "provider" => read_provider(m, block),
            "variable" => read_variable(m, &block),
            "locals" => read_locals(m, &block),
            "output" => read_output(m, &block),
            "resource" => read_resource(m, block, Mode::Managed),
            "data" => read_resource(m, block, Mode::Data),
            "module" => read_module_call(m, &block),
            "image" => read_image(m, block),
            "moved" => read_moved(m, &block),
            "import" | "check" | "removed" => Ok(()),
            other => {
                let hint = crate::diag::did_you_mean(
                    other,
                    [
                        "terraform",
                        "provider",
                        "variable",
                        "locals",
                        "output",
                        "resource",
                        "data",
                        "module",
                        "image",
                        "moved",
                    ],
                )
                .map(|s| format!(" Did you mean {s:?}?"))
                .unwrap_or_default();
                Err(vec![Diagnostic::error(
                    "Unsupported block type",
                    format!("Blocks of type {other:?} are not expected here.{hint}"),
                    block.kind_span,
                )])
            }
        };
        if let Err(mut d) = r {
            diags.append(&mut d);
        }
    }
}

type R = Result<(), Vec<Diagnostic>>;

fn labels(block: &Block, names: &[&str]) -> Result<(), Vec<Diagnostic>> {
    if block.labels.len() != names.len() {
        let want = if names.is_empty() {
            "no labels".to_string()
        } else {
            names
                .iter()
                .map(|n| format!("{n:?}"))
                .collect::<Vec<_>>()
                .join(" and ")
        };
        return Err(vec![Diagnostic::error(
            if block.labels.len() < names.len() {
                "Missing name for block"
            } else {
                "Extraneous label for block"
            },
            format!(
                "A {} block expects {want}, but has {} label(s).",
                block.kind,
                block.labels.len()
            ),
            block.header_span(),
        )]);
    }
    for (label, span) in block.labels.iter().zip(&block.label_spans) {
        if !syntax::is_identifier(label) && block.kind != "provider" {
            return Err(vec![Diagnostic::error(
                "Invalid name",
                format!(
                    "{label:?} is not a valid name: a name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes."
                ),
                *span,
            )]);
        }
    }
    Ok(())
}

fn only_args(body: &Body, allowed: &[&str], what: &str) -> Vec<Diagnostic> {
    body.attributes
        .iter()
        .filter(|a| !allowed.contains(&a.name.as_str()))
        .map(|a| {
            let hint = crate::diag::did_you_mean(&a.name, allowed.iter().copied())
                .map(|s| format!(" Did you mean {s:?}?"))
                .unwrap_or_default();
            Diagnostic::error(
                "Unsupported argument",
                format!(
                    "An argument named {:?} is not expected in {what}.{hint}",
                    a.name
                ),
                a.name_span,
            )
        })
        .collect()
}

fn only_blocks(body: &Body, allowed: &[&str], what: &str) -> Vec<Diagnostic> {
    body.blocks
        .iter()
        .filter(|b| !allowed.contains(&b.kind.as_str()))
        .map(|b| {
            Diagnostic::error(
                "Unsupported block type",
                format!("Blocks of type {:?} are not expected in {what}.", b.kind),
                b.kind_span,
            )
        })
        .collect()
}

fn duplicate(kind: &str, name: &str, span: Span, prev: Span) -> Vec<Diagnostic> {
    vec![Diagnostic::error(
        format!("Duplicate {kind} declaration"),
        format!("A {kind} named {name:?} was already declared at {}. Names must be unique within a module.", syntax::span::location(prev)),
        span,
    )
    .with_related(prev, "first declared here")]
}

/// A constant string argument (`description`, `source`).
fn literal_string(body: &Body, name: &str) -> Result<Option<String>, Vec<Diagnostic>> {
    match body.attribute(name) {
        None => Ok(None),
        Some(a) => match a.expr.as_literal_string() {
            Some(s) => Ok(Some(s)),
            None => Err(vec![Diagnostic::error(
                "Invalid value",
                format!(
                    "The {name:?} argument must be a literal string; it cannot refer to other values."
                ),
                a.expr.span,
            )]),
        },
    }
}

/// A constant bool argument (`sensitive`, `nullable`, `prevent_destroy`).
fn literal_bool(body: &Body, name: &str, default: bool) -> Result<bool, Vec<Diagnostic>> {
    match body.attribute(name) {
        None => Ok(default),
        Some(a) => match &a.expr.kind {
            ExprKind::Bool(b) => Ok(*b),
            ExprKind::Template(_) => match a.expr.as_literal_string().as_deref() {
                Some("true") => Ok(true),
                Some("false") => Ok(false),
                _ => Err(vec![Diagnostic::error(
                    "Invalid value",
                    format!("The {name:?} argument must be true or false."),
                    a.expr.span,
                )]),
            },
            _ => Err(vec![Diagnostic::error(
                "Invalid value",
                format!("The {name:?} argument must be the literal true or false."),
                a.expr.span,
            )]),
        },
    }
}

/// `depends_on = [a.b, module.c]`: a list of plain references.
fn expr_list(body: &Body, name: &str) -> Result<Vec<Expr>, Vec<Diagnostic>> {
    match body.attribute(name) {
        None => Ok(Vec::new()),
        Some(a) => match &a.expr.kind {
            ExprKind::Tuple(items) => Ok(items.clone()),
            _ => Err(vec![Diagnostic::error(
                "Invalid value",
                format!("The {name:?} argument must be a list of references."),
                a.expr.span,
            )]),
        },
    }
}

fn read_terraform(m: &mut Module, block: &Block) -> R {
    labels(block, &[])?;
    let mut errs = only_args(
        &block.body,
        &["required_version", "experiments", "language"],
        "a terraform block",
    );
    if let Some(v) = literal_string(&block.body, "required_version")? {
        m.terraform.required_version = Some(v);
    }
    for b in &block.body.blocks {
        match b.kind.as_str() {
            "backend" | "cloud" => {
                m.terraform.backend = Some(Backend {
                    kind: b.labels.first().cloned().unwrap_or_else(|| b.kind.clone()),
                    body: b.body.clone(),
                    span: b.header_span(),
                });
            }
            "required_providers" => {
                for a in &b.body.attributes {
                    let req = match &a.expr.kind {
                        // Terraform 0.12 shorthand: aws = "~> 3.0" is a version constraint.
                        ExprKind::Template(_) => ProviderRequirement {
                            source: None,
                            version: a.expr.as_literal_string(),
                            configuration_aliases: Vec::new(),
                        },
                        ExprKind::Object(items) => {
                            let mut req = ProviderRequirement::default();
                            for item in items {
                                let key = match &item.key.kind {
                                    ExprKind::Variable(k) => Some(k.clone()),
                                    _ => item.key.as_literal_string(),
                                };
                                match key.as_deref() {
                                    Some("source") => req.source = item.value.as_literal_string(),
                                    Some("version") => req.version = item.value.as_literal_string(),
                                    Some("configuration_aliases") => {
                                        req.configuration_aliases = provider_refs(&item.value)
                                    }
                                    _ => {}
                                }
                            }
                            req
                        }
                        _ => {
                            errs.push(Diagnostic::error(
                                "Invalid required_providers entry",
                                "Expected an object with source and version, or a version string.",
                                a.expr.span,
                            ));
                            continue;
                        }
                    };
                    m.terraform.required_providers.insert(a.name.clone(), req);
                }
            }
            "provider_meta" => {}
            other => errs.push(Diagnostic::error(
                "Unsupported block type",
                format!("Blocks of type {other:?} are not expected in a terraform block."),
                b.kind_span,
            )),
        }
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

fn read_provider(m: &mut Module, mut block: Block) -> R {
    labels(&block, &["name"])?;
    let alias = literal_string(&block.body, "alias")?;
    let version = literal_string(&block.body, "version")?;
    let name = block.labels[0].clone();
    if let Some(prev) = m
        .providers
        .iter()
        .find(|p| p.name == name && p.alias == alias)
    {
        let what = match &alias {
            Some(a) => format!("{name}.{a}"),
            None => name.clone(),
        };
        return Err(duplicate(
            "provider configuration",
            &what,
            block.header_span(),
            prev.span,
        ));
    }
    let span = block.header_span();
    block
        .body
        .attributes
        .retain(|a| a.name != "alias" && a.name != "version");
    m.providers.push(ProviderConfig {
        name,
        alias,
        version,
        body: block.body,
        span,
    });
    Ok(())
}

fn read_variable(m: &mut Module, block: &Block) -> R {
    labels(block, &["name"])?;
    let name = block.labels[0].clone();
    let span = block.header_span();
    if let Some(prev) = m.variables.get(&name) {
        return Err(duplicate("variable", &name, span, prev.span));
    }
    if [
        "source",
        "version",
        "providers",
        "count",
        "for_each",
        "lifecycle",
        "depends_on",
        "locals",
    ]
    .contains(&name.as_str())
    {
        return Err(vec![Diagnostic::error(
            "Invalid variable name",
            format!(
                "The variable name {name:?} is reserved due to its special meaning inside module blocks."
            ),
            block.label_spans[0],
        )]);
    }
    let body = &block.body;
    let mut errs = only_args(
        body,
        &[
            "type",
            "default",
            "description",
            "sensitive",
            "nullable",
            "ephemeral",
        ],
        "a variable block",
    );
    errs.extend(only_blocks(body, &["validation"], "a variable block"));
    let constraint = match body.attribute("type") {
        Some(a) => match parse_constraint(&a.expr) {
            Ok(c) => c,
            Err(d) => {
                errs.push(d);
                TypeConstraint::any()
            }
        },
        None => TypeConstraint::any(),
    };
    let mut validations = Vec::new();
    for v in body.blocks_of("validation") {
        match (
            v.body.attribute("condition"),
            v.body.attribute("error_message"),
        ) {
            (Some(c), Some(e)) => validations.push(Validation {
                condition: c.expr.clone(),
                error_message: e.expr.clone(),
            }),
            _ => errs.push(Diagnostic::error(
                "Missing required argument",
                "A validation block needs both \"condition\" and \"error_message\".",
                v.kind_span,
            )),
        }
    }
    let description = literal_string(body, "description")?;
    let sensitive = literal_bool(body, "sensitive", false)?;
    let nullable = literal_bool(body, "nullable", true)?;
    if !errs.is_empty() {
        return Err(errs);
    }
    m.variables.insert(
        name.clone(),
        Variable {
            name,
            constraint,
            default: body.attribute("default").map(|a| a.expr.clone()),
            description,
            sensitive,
            nullable,
            validations,
            span,
        },
    );
    Ok(())
}

fn read_locals(m: &mut Module, block: &Block) -> R {
    labels(block, &[])?;
    let mut errs = only_blocks(&block.body, &[], "a locals block");
    for a in &block.body.attributes {
        if let Some(prev) = m.locals.get(&a.name) {
            errs.extend(duplicate("local value", &a.name, a.name_span, prev.span));
            continue;
        }
        m.locals.insert(
            a.name.clone(),
            Local {
                name: a.name.clone(),
                expr: a.expr.clone(),
                span: a.name_span,
            },
        );
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

fn conditions(body: &Body, kind: &str) -> Result<Vec<Validation>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    for b in body.blocks_of(kind) {
        match (
            b.body.attribute("condition"),
            b.body.attribute("error_message"),
        ) {
            (Some(c), Some(e)) => out.push(Validation {
                condition: c.expr.clone(),
                error_message: e.expr.clone(),
            }),
            _ => {
                return Err(vec![Diagnostic::error(
                    "Missing required argument",
                    format!("A {kind} block needs both \"condition\" and \"error_message\"."),
                    b.kind_span,
                )]);
            }
        }
    }
    Ok(out)
}

fn read_output(m: &mut Module, block: &Block) -> R {
    labels(block, &["name"])?;
    let name = block.labels[0].clone();
    let span = block.header_span();
    if let Some(prev) = m.outputs.get(&name) {
        return Err(duplicate("output", &name, span, prev.span));
    }
    let body = &block.body;
    let mut errs = only_args(
        body,
        &[
            "value",
            "description",
            "sensitive",
            "depends_on",
            "ephemeral",
        ],
        "an output block",
    );
    errs.extend(only_blocks(body, &["precondition"], "an output block"));
    let Some(value) = body.attribute("value") else {
        errs.push(Diagnostic::error(
            "Missing required argument",
            "The argument \"value\" is required, but no definition was found.",
            span,
        ));
        return Err(errs);
    };
    if !errs.is_empty() {
        return Err(errs);
    }
    m.outputs.insert(
        name.clone(),
        Output {
            name,
            value: value.expr.clone(),
            description: literal_string(body, "description")?,
            sensitive: literal_bool(body, "sensitive", false)?,
            depends_on: expr_list(body, "depends_on")?,
            preconditions: conditions(body, "precondition")?,
            span,
        },
    );
    Ok(())
}

/// Legacy resource types that map to their successors; references keep the written name.
pub fn successor_type(mode: Mode, t: &str) -> &str {
    match (mode, t) {
        (Mode::Data, "template_cloudinit_config") => "cloudinit_config",
        (Mode::Data, "aws_subnet_ids") => "aws_subnets",
        _ => t,
    }
}

fn read_resource(m: &mut Module, mut block: Block, mode: Mode) -> R {
    labels(&block, &["type", "name"])?;
    let type_name = block.labels[0].clone();
    let name = block.labels[1].clone();
    let span = block.header_span();
    let body = &mut block.body;
    let mut errs = Vec::new();
    if let (Some(c), Some(f)) = (body.attribute("count"), body.attribute("for_each")) {
        // At the second of the two, as Terraform points.
        let second = if c.name_span.start > f.name_span.start {
            c
        } else {
            f
        };
        errs.push(Diagnostic::error("Invalid combination of \"count\" and \"for_each\"", "The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one should be used.", second.name_span));
    }
    let mut lifecycle = Lifecycle::default();
    for lc in body.blocks_of("lifecycle") {
        errs.extend(only_args(
            &lc.body,
            &[
                "create_before_destroy",
                "prevent_destroy",
                "ignore_changes",
                "replace_triggered_by",
            ],
            "a lifecycle block",
        ));
        lifecycle.create_before_destroy = literal_bool(&lc.body, "create_before_destroy", false)?;
        lifecycle.prevent_destroy = literal_bool(&lc.body, "prevent_destroy", false)?;
        if let Some(a) = lc.body.attribute("ignore_changes") {
            match &a.expr.kind {
                ExprKind::Variable(v) if v == "all" => lifecycle.ignore_all_changes = true,
                ExprKind::Template(_) if a.expr.as_literal_string().as_deref() == Some("all") => {
                    lifecycle.ignore_all_changes = true
                }
                ExprKind::Tuple(items) => lifecycle.ignore_changes = items.clone(),
                _ => errs.push(Diagnostic::error(
                    "Invalid ignore_changes",
                    "ignore_changes must be a list of attribute names, or all.",
                    a.expr.span,
                )),
            }
        }
        lifecycle.replace_triggered_by = expr_list(&lc.body, "replace_triggered_by")?;
        lifecycle.preconditions = conditions(&lc.body, "precondition")?;
        lifecycle.postconditions = conditions(&lc.body, "postcondition")?;
    }
    let provider = match body.attribute("provider") {
        None => None,
        Some(a) => match a.expr.as_traversal() {
            Some((p, steps)) if steps.len() <= 1 => {
                let alias = steps.first().and_then(|s| match s {
                    syntax::ast::Step::Attr(a) => Some(a.clone()),
                    _ => None,
                });
                Some((p, alias))
            }
            _ => {
                errs.push(Diagnostic::error("Invalid provider reference", "The provider argument must be a provider name, optionally with an alias: aws or aws.west.", a.expr.span));
                None
            }
        },
    };
    let depends_on = expr_list(body, "depends_on")?;
    let count = body.attribute("count").map(|a| a.expr.clone());
    let for_each = body.attribute("for_each").map(|a| a.expr.clone());
    body.attributes
        .retain(|a| !["count", "for_each", "provider", "depends_on"].contains(&a.name.as_str()));
    body.blocks.retain(|b| b.kind != "lifecycle");
    let r = Resource {
        mode,
        type_name,
        name,
        count,
        for_each,
        depends_on,
        provider,
        provider_config: None,
        lifecycle,
        body: block.body,
        span,
    };
    let addr = r.address();
    if let Some(prev) = m.resources.get(&addr) {
        errs.extend(duplicate(
            if mode == Mode::Data {
                "data source"
            } else {
                "resource"
            },
            &addr,
            span,
            prev.span,
        ));
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    m.resources.insert(addr, r);
    Ok(())
}

fn read_module_call(m: &mut Module, block: &Block) -> R {
    labels(block, &["name"])?;
    let name = block.labels[0].clone();
    let span = block.header_span();
    if let Some(prev) = m.module_calls.get(&name) {
        return Err(duplicate("module call", &name, span, prev.span));
    }
    let body = &block.body;
    let Some(source_attr) = body.attribute("source") else {
        return Err(vec![Diagnostic::error(
            "Missing required argument",
            "The argument \"source\" is required, but no definition was found.",
            span,
        )]);
    };
    let source = literal_string(body, "source")?.unwrap_or_default();
    let mut errs = only_blocks(body, &[], "a module block");
    if let (Some(c), Some(f)) = (body.attribute("count"), body.attribute("for_each")) {
        let second = if c.name_span.start > f.name_span.start {
            c
        } else {
            f
        };
        errs.push(Diagnostic::error(
            "Invalid combination of \"count\" and \"for_each\"",
            "The \"count\" and \"for_each\" meta-arguments are mutually-exclusive.",
            second.name_span,
        ));
    }
    let meta = [
        "source",
        "version",
        "count",
        "for_each",
        "depends_on",
        "providers",
    ];
    let inputs = body
        .attributes
        .iter()
        .filter(|a| !meta.contains(&a.name.as_str()))
        .map(|a| (a.name.clone(), a.expr.clone()))
        .collect();
    if !errs.is_empty() {
        return Err(errs);
    }
    m.module_calls.insert(
        name.clone(),
        ModuleCall {
            name,
            source,
            source_span: source_attr.expr.span,
            version: literal_string(body, "version")?,
            count: body.attribute("count").map(|a| a.expr.clone()),
            for_each: body.attribute("for_each").map(|a| a.expr.clone()),
            depends_on: expr_list(body, "depends_on")?,
            providers: body.attribute("providers").map(|a| a.expr.clone()),
            inputs,
            span,
        },
    );
    Ok(())
}

fn read_image(m: &mut Module, mut block: Block) -> R {
    labels(&block, &["name"])?;
    let name = block.labels[0].clone();
    let span = block.header_span();
    if let Some(prev) = m.images.get(&name) {
        return Err(duplicate("image", &name, span, prev.span));
    }
    let depends_on = expr_list(&block.body, "depends_on")?;
    block.body.attributes.retain(|a| a.name != "depends_on");
    m.images.insert(
        name.clone(),
        Image {
            name,
            body: block.body,
            depends_on,
            span,
        },
    );
    Ok(())
}

fn read_moved(m: &mut Module, block: &Block) -> R {
    labels(block, &[])?;
    match (block.body.attribute("from"), block.body.attribute("to")) {
        (Some(f), Some(t)) => {
            m.moved.push(Moved {
                from: f.expr.clone(),
                to: t.expr.clone(),
                span: block.kind_span,
            });
            Ok(())
        }
        _ => Err(vec![Diagnostic::error(
            "Missing required argument",
            "A moved block needs both \"from\" and \"to\".",
            block.kind_span,
        )]),
    }
}

/// `[aws.west, aws.dr]` as `aws.west`, `aws.dr`: provider configuration references.
fn provider_refs(e: &Expr) -> Vec<String> {
    match &e.kind {
        ExprKind::Tuple(items) => items.iter().filter_map(provider_ref).collect(),
        _ => Vec::new(),
    }
}

/// `aws` or `aws.west` written as a traversal.
pub fn provider_ref(e: &Expr) -> Option<String> {
    let (root, steps) = e.as_traversal()?;
    match steps.as_slice() {
        [] => Some(root),
        [crate::syntax::ast::Step::Attr(alias)] => Some(format!("{root}.{alias}")),
        _ => None,
    }
}
