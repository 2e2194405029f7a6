//! The `infra` binary driven as a user drives it: bad configurations and the messages they must
//! produce, variables and their precedence, formatting, the console.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use support::{infra_in as infra, text};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Writes files into a fresh temporary directory.
fn workdir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    for (name, body) in files {
        let p = d.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    d
}

#[test]
fn every_bad_config_fails_with_its_expected_message_and_location() {
    let root = repo().join("fixtures/bad");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 20,
        "expected at least 20 bad configs, found {}",
        dirs.len()
    );
    let mut failures = Vec::new();
    for dir in dirs {
        // A fixture may name the command that must reject it (default: validate).
        let args =
            std::fs::read_to_string(dir.join("args.txt")).unwrap_or_else(|_| "validate .".into());
        let args: Vec<&str> = args.split_whitespace().collect();
        let out = infra(&dir, &args);
        let stderr = text(&out.stderr);
        if out.status.code() != Some(1) {
            failures.push(format!(
                "{}: exit {:?}, stderr:\n{stderr}",
                dir.display(),
                out.status.code()
            ));
            continue;
        }
        let expected = std::fs::read_to_string(dir.join("expected.txt")).unwrap();
        for line in expected.lines().filter(|l| !l.is_empty()) {
            if !stderr.contains(line) {
                failures.push(format!("{}: missing {line:?} in:\n{stderr}", dir.display()));
            }
        }
        assert!(!stderr.contains("panicked"), "{}: panicked", dir.display());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

const VARS_TF: &str = r#"
variable "name" {
  type    = string
  default = "from-default"
}

variable "ports" {
  type    = list(number)
  default = []
}

output "name" {
  value = var.name
}

output "ports" {
  value = var.ports
}
"#;

fn output_json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["eval", ".", "-json"];
    all.extend_from_slice(args);
    let out = infra(dir, &all);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("eval -json prints JSON")
}

#[test]
fn variable_precedence_follows_terraform() {
    let d = workdir(&[("main.tf", VARS_TF)]);
    assert_eq!(output_json(d.path(), &[])["name"]["value"], "from-default");

    std::fs::write(
        d.path().join("terraform.tfvars"),
        "name = \"from-tfvars\"\n",
    )
    .unwrap();
    assert_eq!(output_json(d.path(), &[])["name"]["value"], "from-tfvars");

    std::fs::write(d.path().join("b.auto.tfvars"), "name = \"from-auto\"\n").unwrap();
    assert_eq!(output_json(d.path(), &[])["name"]["value"], "from-auto");

    std::fs::write(
        d.path().join("extra.tfvars.json"),
        r#"{"name": "from-var-file", "ports": [80, 443]}"#,
    )
    .unwrap();
    let v = output_json(d.path(), &["-var-file=extra.tfvars.json"]);
    assert_eq!(v["name"]["value"], "from-var-file");
    assert_eq!(v["ports"]["value"], serde_json::json!([80, 443]));

    // Command-line order decides between -var and -var-file.
    let v = output_json(
        d.path(),
        &["-var-file=extra.tfvars.json", "-var", "name=from-flag"],
    );
    assert_eq!(v["name"]["value"], "from-flag");
    let v = output_json(
        d.path(),
        &["-var", "name=from-flag", "-var-file=extra.tfvars.json"],
    );
    assert_eq!(v["name"]["value"], "from-var-file");

    // A non-string variable given on the command line is parsed as an expression.
    let v = output_json(d.path(), &["-var", "ports=[22]"]);
    assert_eq!(v["ports"]["value"], serde_json::json!([22]));
    assert_eq!(v["ports"]["type"], serde_json::json!(["list", "number"]));
}

#[test]
fn environment_variables_are_the_lowest_precedence_source() {
    let d = workdir(&[("main.tf", VARS_TF)]);
    let run = |extra: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_infra"));
        c.args(["eval", ".", "--json"])
            .current_dir(d.path())
            .env("TF_VAR_name", "from-env");
        for (k, v) in extra {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["name"]["value"].as_str().unwrap().to_string()
    };
    assert_eq!(run(&[]), "from-env");
    std::fs::write(
        d.path().join("terraform.tfvars"),
        "name = \"from-tfvars\"\n",
    )
    .unwrap();
    assert_eq!(run(&[]), "from-tfvars");
}

#[test]
fn missing_required_root_variable_is_an_error_for_eval_but_unknown_for_validate() {
    let d = workdir(&[(
        "main.tf",
        "variable \"region\" {}\noutput \"r\" {\n  value = var.region\n}\n",
    )]);
    let out = infra(d.path(), &["eval", "."]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("No value for required variable"),
        "{}",
        text(&out.stderr)
    );
    let out = infra(d.path(), &["validate", "."]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn modules_with_count_and_for_each_expand_and_pass_outputs() {
    let d = workdir(&[
        (
            "main.tf",
            r#"
module "zone" {
  source   = "./zone"
  for_each = { a = 1, b = 2 }
  name     = "zone-${each.key}"
  index    = each.value
}

module "counted" {
  source = "./zone"
  count  = 3
  name   = "n${count.index}"
  index  = count.index
}

output "zones" {
  value = { for k, m in module.zone : k => m.label }
}

output "counted" {
  value = module.counted[*].label
}

output "path_in_module" {
  value = module.counted[0].where
}
"#,
        ),
        (
            "zone/main.tf",
            r#"
variable "name" {
  type = string
}

variable "index" {
  type = number
}

output "label" {
  value = "${var.name}/${var.index * 10}"
}

output "where" {
  value = path.module
}
"#,
        ),
    ]);
    let v = output_json(d.path(), &[]);
    assert_eq!(
        v["zones"]["value"],
        serde_json::json!({"a": "zone-a/10", "b": "zone-b/20"})
    );
    assert_eq!(
        v["counted"]["value"],
        serde_json::json!(["n0/0", "n1/10", "n2/20"])
    );
    assert_eq!(v["path_in_module"]["value"], "zone");
}

#[test]
fn resources_are_unknown_before_apply_but_their_count_is_known() {
    let d = workdir(&[(
        "main.tf",
        r#"
resource "aws_subnet" "private" {
  count      = 3
  cidr_block = cidrsubnet("10.0.0.0/16", 8, count.index)
}

output "subnet_count" {
  value = length(aws_subnet.private)
}

output "first_id" {
  value = aws_subnet.private[0].id
}
"#,
    )]);
    let out = infra(d.path(), &["eval", "."]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("subnet_count = 3"), "{stdout}");
    assert!(
        stdout.contains("first_id = (known after apply)"),
        "{stdout}"
    );
}

#[test]
fn resource_bodies_are_checked_even_under_count_zero() {
    let d = workdir(&[(
        "main.tf",
        "resource \"unsupported_thing\" \"x\" {\n  count = 0\n  name  = upper(var.missing)\n}\n",
    )]);
    let out = infra(d.path(), &["validate", "."]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("Reference to undeclared input variable"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn console_evaluates_lines_in_the_module_scope() {
    let d = workdir(&[("main.tf", "locals {\n  azs = [\"a\", \"b\"]\n}\n")]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_infra"))
        .args(["console", "."])
        .current_dir(d.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"length(local.azs)\nupper(local.azs[1])\n1/0\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(stdout, "2\n\"B\"\n");
    assert!(text(&out.stderr).contains("divide by zero"));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn fmt_check_reports_and_fmt_rewrites() {
    let d = workdir(&[(
        "main.tf",
        "resource \"a\" \"b\" {\nx=1\nlonger   =  \"${var.v}\"\n}\n",
    )]);
    let out = infra(d.path(), &["fmt", "-check", "."]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(text(&out.stdout).trim(), "./main.tf");
    let out = infra(d.path(), &["fmt", "."]);
    assert!(out.status.success());
    let formatted = std::fs::read_to_string(d.path().join("main.tf")).unwrap();
    assert_eq!(
        formatted,
        "resource \"a\" \"b\" {\n  x      = 1\n  longer = var.v\n}\n"
    );
    let out = infra(d.path(), &["fmt", "--check", "."]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn validate_json_has_terraforms_shape() {
    let d = workdir(&[("main.tf", "output \"x\" {\n  value = nope(1)\n}\n")]);
    let out = infra(d.path(), &["validate", "-json", "."]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["error_count"], 1);
    assert_eq!(v["diagnostics"][0]["range"]["start"]["line"], 2);
    assert_eq!(v["diagnostics"][0]["range"]["start"]["column"], 11);
}

#[test]
fn retired_template_file_data_source_renders_like_templatefile() {
    let d = workdir(&[
        (
            "init.tpl",
            "#!/bin/bash\necho ${greeting}, %{ for n in split(\",\", names) }${upper(n)} %{ endfor }\n",
        ),
        (
            "main.tf",
            r#"
data "template_file" "init" {
  template = file("${path.module}/init.tpl")
  vars = {
    greeting = "hello"
    names    = "a,b"
  }
}

data "template_file" "inline" {
  template = "port $${port}"
  vars     = { port = 8080 }
}

output "rendered" {
  value = data.template_file.init.rendered
}

output "inline" {
  value = data.template_file.inline.rendered
}
"#,
        ),
    ]);
    let v = output_json(d.path(), &[]);
    assert_eq!(v["rendered"]["value"], "#!/bin/bash\necho hello, A B \n");
    assert_eq!(v["inline"]["value"], "port 8080");
}

#[test]
fn modules_may_use_each_others_outputs_when_the_outputs_do_not_loop() {
    // The shape of terraform-aws-alb's complete example: the load balancer module reads the
    // function's ARN while the function module reads the load balancer's target group.
    let d = workdir(&[
        (
            "main.tf",
            r#"
module "lb" {
  source    = "./box"
  input     = "arn-of-${module.fn.plain}"
}

module "fn" {
  source = "./box"
  input  = "tg-for-${module.lb.plain}"
}

output "lb" {
  value = module.lb.derived
}

output "fn" {
  value = module.fn.derived
}
"#,
        ),
        (
            "box/main.tf",
            r#"
variable "input" {
  type = string
}

output "plain" {
  value = "constant"
}

output "derived" {
  value = upper(var.input)
}
"#,
        ),
    ]);
    let v = output_json(d.path(), &[]);
    assert_eq!(v["lb"]["value"], "ARN-OF-CONSTANT");
    assert_eq!(v["fn"]["value"], "TG-FOR-CONSTANT");
    let out = infra(d.path(), &["validate", "."]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn a_real_cycle_across_modules_names_every_member() {
    let d = workdir(&[
        (
            "main.tf",
            "module \"a\" {\n  source = \"./m\"\n  in     = module.b.out\n}\n\nmodule \"b\" {\n  source = \"./m\"\n  in     = module.a.out\n}\n",
        ),
        (
            "m/main.tf",
            "variable \"in\" {}\n\noutput \"out\" {\n  value = var.in\n}\n",
        ),
    ]);
    let out = infra(d.path(), &["validate", "."]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("Cycle in references"), "{stderr}");
    for member in [
        "module.a.var.in",
        "module.a.output.out",
        "module.b.var.in",
        "module.b.output.out",
    ] {
        assert!(stderr.contains(member), "{member} missing from:\n{stderr}");
    }
    assert!(stderr.contains("main.tf:3:"), "{stderr}");
}

#[test]
fn every_example_and_module_in_the_repository_validates() {
    let root = repo();
    let mut dirs = Vec::new();
    for parent in ["examples", "modules"] {
        for e in std::fs::read_dir(root.join(parent)).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            }
        }
    }
    assert!(dirs.len() >= 3, "{dirs:?}");
    for d in dirs {
        // Consumes the library from a git tag: validated after init in tests/modules.rs.
        if d.ends_with("module-by-tag") {
            let out = infra(&d, &["fmt", "-check", "."]);
            assert!(out.status.success(), "{}", text(&out.stdout));
            continue;
        }
        let out = infra(&d, &["validate", "."]);
        assert!(
            out.status.success(),
            "{}: {}",
            d.display(),
            text(&out.stderr)
        );
        let out = infra(&d, &["fmt", "-check", "."]);
        assert!(
            out.status.success(),
            "{} is not formatted: {}",
            d.display(),
            text(&out.stdout)
        );
    }
}

#[test]
fn override_files_merge_by_terraforms_rules() {
    let d = workdir(&[
        (
            "main.tf",
            r#"variable "size" {
  type    = number
  default = 1
}
locals {
  env  = "dev"
  zone = "a"
}
resource "terraform_data" "node" {
  input = { size = var.size, env = local.env }
  lifecycle {
    create_before_destroy = true
  }
}
output "node" { value = { size = var.size, env = local.env } }
output "zone" { value = local.zone }
"#,
        ),
        (
            "override.tf",
            "variable \"size\" {\n  default = 3\n}\nlocals {\n  env = \"prod\"\n}\n",
        ),
        // Read after override.tf: the last word on `zone`.
        (
            "zz_override.tf",
            "locals {\n  zone = \"c\"\n}\nresource \"terraform_data\" \"node\" {\n  lifecycle {\n    prevent_destroy = true\n  }\n}\n",
        ),
    ]);
    let out = infra(d.path(), &["eval", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["node"]["value"],
        serde_json::json!({"size": 3, "env": "prod"})
    );
    assert_eq!(json["zone"]["value"], "c");
    // The lifecycle was merged, not replaced: both settings hold.
    let out = infra(d.path(), &["apply", "-auto-approve"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = infra(d.path(), &["destroy", "-auto-approve"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("Instance cannot be destroyed"),
        "{}",
        text(&out.stderr)
    );
    let state = std::fs::read_to_string(d.path().join("infra.tfstate")).unwrap();
    assert!(
        state.contains("\"node\""),
        "the refused destroy changed the state"
    );

    // An override with nothing to change is an error at the override.
    std::fs::write(
        d.path().join("extra_override.tf"),
        "\n\nresource \"terraform_data\" \"other\" {\n  input = 1\n}\n",
    )
    .unwrap();
    let out = infra(d.path(), &["validate"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("Missing base block to override"), "{err}");
    assert!(err.contains("extra_override.tf:3:1"), "{err}");
}
