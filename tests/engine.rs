//! The engine driven as a user drives it, on provider-free resources: plan, saved plans, apply,
//! no-change re-plans, updates, replacements, destroy, state editing, locks and the errors a
//! user must see.

mod support;

use std::path::Path;
use std::process::Command;
use support::{infra_in as infra, text};

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = infra(dir, args);
    assert!(
        out.status.success(),
        "infra {args:?} failed ({:?}):\n{}\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn workdir(main_tf: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("main.tf"), main_tf).unwrap();
    d
}

fn outputs(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&ok(dir, &["output", "--json"])).unwrap()
}

fn state(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("infra.tfstate")).unwrap()).unwrap()
}

const CONFIG: &str = r#"
variable "name" {
  default = "web"
}

variable "size" {
  default = 1
}

resource "terraform_data" "base" {
  input = "${var.name}-base"
}

resource "terraform_data" "node" {
  count            = 2
  input            = "${terraform_data.base.output}-${count.index}-${var.size}"
  triggers_replace = var.name
}

output "nodes" {
  value = terraform_data.node[*].output
}
"#;

#[test]
fn plan_apply_replan_update_replace_destroy() {
    let d = workdir(CONFIG);
    let p = d.path();

    let out = infra(p, &["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Plan: 3 to add, 0 to change, 0 to destroy."),
        "{}",
        text(&out.stdout)
    );

    ok(p, &["apply", "-auto-approve"]);
    assert_eq!(
        outputs(p)["nodes"]["value"],
        serde_json::json!(["web-base-0-1", "web-base-1-1"])
    );
    let st = state(p);
    assert_eq!(st["resources"].as_array().unwrap().len(), 2);
    assert_eq!(st["version"], 4);

    // Nothing changed: exit 0 with --detailed-exitcode.
    let out = infra(p, &["plan", "-detailed-exitcode"]);
    support::assert_unchanged(&out);
    assert!(text(&out.stdout).contains("No changes."));

    // input changes in place.
    let out = ok(p, &["plan", "-var", "size=2"]);
    assert!(
        out.contains("Plan: 0 to add, 2 to change, 0 to destroy."),
        "{out}"
    );
    assert!(out.contains("~ input"), "{out}");
    let ids_before: Vec<String> = state(p)["resources"][1]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["attributes"]["id"].as_str().unwrap().to_string())
        .collect();
    ok(p, &["apply", "-auto-approve", "-var", "size=2"]);
    let ids_after: Vec<String> = state(p)["resources"][1]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["attributes"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids_before, ids_after,
        "an in-place update keeps the objects"
    );

    // triggers_replace forces replacement.
    let out = ok(p, &["plan", "-var", "name=api", "-var", "size=2"]);
    assert!(out.contains("must be replaced"), "{out}");
    assert!(out.contains("# forces replacement"), "{out}");
    assert!(
        out.contains("Plan: 2 to add, 1 to change, 2 to destroy."),
        "{out}"
    );
    ok(
        p,
        &[
            "apply",
            "-auto-approve",
            "-var",
            "name=api",
            "-var",
            "size=2",
        ],
    );
    assert_eq!(
        outputs(p)["nodes"]["value"],
        serde_json::json!(["api-base-0-2", "api-base-1-2"])
    );
    let ids_replaced: Vec<String> = state(p)["resources"][1]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["attributes"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_ne!(ids_after, ids_replaced, "a replacement makes new objects");

    let out = ok(
        p,
        &[
            "destroy",
            "-auto-approve",
            "-var",
            "name=api",
            "-var",
            "size=2",
        ],
    );
    assert!(
        out.contains("Destroy complete! Resources: 3 destroyed."),
        "{out}"
    );
    assert!(ok(p, &["state", "list"]).trim().is_empty());
}

#[test]
fn saved_plan_applies_exactly_and_a_stale_one_is_refused() {
    let d = workdir(CONFIG);
    let p = d.path();
    ok(p, &["plan", "-out", "first.plan"]);
    ok(p, &["plan", "-out", "second.plan"]);
    let out = ok(p, &["apply", "first.plan"]);
    assert!(out.contains("Apply complete! Resources: 3 added"), "{out}");
    let out = infra(p, &["apply", "second.plan"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("Saved plan is stale"),
        "{}",
        text(&out.stderr)
    );
    // The stale plan changed nothing.
    assert_eq!(
        state(p)["resources"][1]["instances"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn apply_without_approval_and_without_a_terminal_refuses() {
    let d = workdir(CONFIG);
    let out = Command::new(env!("CARGO_BIN_EXE_infra"))
        .args(["apply"])
        .current_dir(d.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--auto-approve"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !d.path().join("infra.tfstate").exists()
            || state(d.path())["resources"].as_array().unwrap().is_empty()
    );
}

#[test]
fn removed_resources_are_destroyed_and_prevent_destroy_stops_the_plan() {
    let d = workdir(CONFIG);
    let p = d.path();
    ok(p, &["apply", "-auto-approve"]);
    std::fs::write(
        p.join("main.tf"),
        CONFIG.replace("count            = 2", "count            = 1"),
    )
    .unwrap();
    let out = ok(p, &["plan"]);
    assert!(
        out.contains("terraform_data.node[1] will be destroyed"),
        "{out}"
    );
    assert!(out.contains("no longer in the configuration"), "{out}");

    let guarded = CONFIG.replace(
        "  triggers_replace = var.name\n",
        "  triggers_replace = var.name\n  lifecycle {\n    prevent_destroy = true\n  }\n",
    );
    std::fs::write(p.join("main.tf"), guarded).unwrap();
    let out = infra(p, &["plan", "-var", "name=other"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("Instance cannot be destroyed"), "{err}");
    assert!(err.contains("terraform_data.node[0]"), "{err}");
}

#[test]
fn state_mv_and_rm_edit_only_the_state() {
    let d = workdir(CONFIG);
    let p = d.path();
    ok(p, &["apply", "-auto-approve"]);
    ok(
        p,
        &["state", "mv", "terraform_data.base", "terraform_data.root"],
    );
    let list = ok(p, &["state", "list"]);
    assert!(
        list.contains("terraform_data.root") && !list.contains("terraform_data.base"),
        "{list}"
    );
    // The configuration still says `base`: the moved object is an orphan, base is new.
    let out = ok(p, &["plan"]);
    assert!(
        out.contains("terraform_data.root will be destroyed"),
        "{out}"
    );
    assert!(out.contains("terraform_data.base will be created"), "{out}");
    ok(p, &["state", "rm", "terraform_data.node"]);
    let list = ok(p, &["state", "list"]);
    assert_eq!(list.trim(), "terraform_data.root");
    let out = infra(p, &["state", "rm", "terraform_data.nothing"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_held_lock_blocks_and_force_unlock_releases_it() {
    let d = workdir(CONFIG);
    let p = d.path();
    let info = serde_json::json!({"ID": "1b2c", "Operation": "OperationTypeApply", "Who": "someone@elsewhere", "Version": "0", "Created": "2026-01-01T00:00:00Z", "Path": "infra.tfstate"});
    std::fs::write(p.join("infra.tfstate.lock.info"), info.to_string()).unwrap();
    let out = infra(p, &["apply", "-auto-approve", "-lock-timeout=300ms"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("Error acquiring the state lock")
            && err.contains("someone@elsewhere")
            && err.contains("1b2c"),
        "{err}"
    );
    let out = infra(p, &["force-unlock", "wrong-id"]);
    assert_eq!(out.status.code(), Some(1));
    ok(p, &["force-unlock", "1b2c"]);
    ok(p, &["apply", "-auto-approve"]);
    assert!(
        !p.join("infra.tfstate.lock.info").exists(),
        "the lock is released after apply"
    );
}

#[test]
fn a_cycle_is_reported_with_every_member() {
    let d = workdir(
        "resource \"terraform_data\" \"a\" {\n  input = terraform_data.b.output\n}\n\nresource \"terraform_data\" \"b\" {\n  input = terraform_data.a.output\n}\n",
    );
    let out = infra(d.path(), &["plan"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("Cycle in references"), "{err}");
    assert!(
        err.contains("terraform_data.a") && err.contains("terraform_data.b"),
        "{err}"
    );
    assert!(
        err.contains("main.tf:2:11") || err.contains("main.tf:6:11"),
        "{err}"
    );
}

#[test]
fn plan_json_has_terraforms_shape() {
    let d = workdir(CONFIG);
    let out = ok(d.path(), &["plan", "-json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["format_version"], "1.2");
    let changes = v["resource_changes"].as_array().unwrap();
    assert_eq!(changes.len(), 3);
    let node0 = changes
        .iter()
        .find(|c| c["address"] == "terraform_data.node[0]")
        .unwrap();
    assert_eq!(node0["change"]["actions"], serde_json::json!(["create"]));
    assert_eq!(node0["index"], 0);
    assert_eq!(node0["change"]["after_unknown"]["output"], true);
    assert_eq!(node0["change"]["after"]["triggers_replace"], "web");
    assert!(
        v["planned_values"]["root_module"]["resources"]
            .as_array()
            .unwrap()
            .len()
            == 3
    );
}

#[test]
fn unsupported_resource_type_names_the_address_unless_count_is_zero() {
    let d = workdir("resource \"aws_nothing\" \"x\" {\n  name = \"a\"\n}\n");
    let out = infra(d.path(), &["plan"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("aws_nothing.x"),
        "{}",
        text(&out.stderr)
    );
    let d = workdir("resource \"aws_nothing\" \"x\" {\n  count = 0\n  name  = \"a\"\n}\n");
    ok(d.path(), &["plan"]);
}

#[test]
fn moved_blocks_rename_without_replacing() {
    let d = workdir(CONFIG);
    let p = d.path();
    ok(p, &["apply", "-auto-approve"]);
    let id = state(p)["resources"][0]["instances"][0]["attributes"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let renamed = CONFIG
        .replace("\"terraform_data\" \"base\"", "\"terraform_data\" \"root\"")
        .replace("terraform_data.base.output", "terraform_data.root.output")
        + "\nmoved {\n  from = terraform_data.base\n  to   = terraform_data.root\n}\n";
    std::fs::write(p.join("main.tf"), renamed).unwrap();
    let out = ok(p, &["plan"]);
    assert!(
        out.contains("terraform_data.base has moved to terraform_data.root"),
        "{out}"
    );
    assert!(
        out.contains("Plan: 0 to add, 0 to change, 0 to destroy."),
        "{out}"
    );
    ok(p, &["apply", "-auto-approve"]);
    let list = ok(p, &["state", "list"]);
    assert!(
        list.contains("terraform_data.root") && !list.contains("terraform_data.base"),
        "{list}"
    );
    let st = state(p);
    let root = st["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "root")
        .unwrap();
    assert_eq!(
        root["instances"][0]["attributes"]["id"],
        id.as_str(),
        "the object was kept"
    );
    let out = infra(p, &["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn taint_replace_flag_and_replace_triggered_by_force_replacement() {
    let config = format!(
        "{CONFIG}\nresource \"terraform_data\" \"follower\" {{\n  input = \"f\"\n  lifecycle {{\n    replace_triggered_by = [terraform_data.base]\n  }}\n}}\n"
    );
    let d = workdir(&config);
    let p = d.path();
    ok(p, &["apply", "-auto-approve"]);
    ok(p, &["taint", "terraform_data.node[1]"]);
    let out = ok(p, &["plan"]);
    assert!(
        out.contains("terraform_data.node[1] is tainted, so it must be replaced"),
        "{out}"
    );
    assert!(
        out.contains("Plan: 1 to add, 0 to change, 1 to destroy."),
        "{out}"
    );
    ok(p, &["untaint", "terraform_data.node[1]"]);
    let out = infra(p, &["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));

    let out = ok(p, &["plan", "-replace", "terraform_data.node[0]"]);
    assert!(
        out.contains("terraform_data.node[0] will be replaced, as requested"),
        "{out}"
    );

    // Changing base's input updates it in place, which triggers the follower's replacement.
    let out = ok(
        p,
        &[
            "plan",
            "-var",
            "size=1",
            "-var",
            "name=web",
            "-replace",
            "terraform_data.base",
        ],
    );
    assert!(
        out.contains(
            "terraform_data.follower will be replaced due to changes in replace_triggered_by"
        ),
        "{out}"
    );
}

#[test]
fn target_limits_the_plan_to_an_address_and_its_dependencies() {
    let d = workdir(&format!(
        "{CONFIG}\nresource \"terraform_data\" \"other\" {{\n  input = 1\n}}\n"
    ));
    let out = ok(d.path(), &["plan", "-target", "terraform_data.node[0]"]);
    assert!(
        out.contains("terraform_data.node[0] will be created"),
        "{out}"
    );
    assert!(out.contains("terraform_data.base will be created"), "{out}");
    assert!(!out.contains("terraform_data.other"), "{out}");
    assert!(!out.contains("terraform_data.node[1]"), "{out}");
}

/// `destroy -target` destroys the target and what depends on it, and nothing else.
#[test]
fn destroy_target_takes_the_target_and_its_dependents_only() {
    let d = workdir(
        r#"
resource "terraform_data" "base" {
  input = "b"
}

resource "terraform_data" "on_base" {
  input = terraform_data.base.output
}

resource "terraform_data" "other" {
  input = 1
}
"#,
    );
    let p = d.path();
    ok(p, &["apply", "-auto-approve"]);
    let out = ok(
        p,
        &["destroy", "-auto-approve", "-target", "terraform_data.base"],
    );
    assert!(out.contains("Resources: 2 destroyed"), "{out}");
    assert_eq!(ok(p, &["state", "list"]).trim(), "terraform_data.other");
}

#[test]
fn import_adopts_an_object_and_show_and_graph_print() {
    let d = workdir("resource \"terraform_data\" \"imported\" {\n}\n");
    let p = d.path();
    ok(p, &["import", "terraform_data.imported", "existing-id"]);
    let list = ok(p, &["state", "list"]);
    assert_eq!(list.trim(), "terraform_data.imported");
    assert_eq!(
        state(p)["resources"][0]["instances"][0]["attributes"]["id"],
        "existing-id"
    );
    let out = infra(p, &["import", "terraform_data.missing", "x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("not declared in the configuration"),
        "{}",
        text(&out.stderr)
    );

    let dot = ok(p, &["graph"]);
    assert!(
        dot.starts_with("digraph {") && dot.contains("\"terraform_data.imported\""),
        "{dot}"
    );
    let shown: serde_json::Value = serde_json::from_str(&ok(p, &["show", "-json"])).unwrap();
    assert_eq!(
        shown["values"]["root_module"]["resources"][0]["address"],
        "terraform_data.imported"
    );

    std::fs::write(p.join("main.tf"), CONFIG).unwrap();
    ok(p, &["plan", "-out", "x.plan"]);
    let plan: serde_json::Value =
        serde_json::from_str(&ok(p, &["show", "-json", "x.plan"])).unwrap();
    assert_eq!(plan["format_version"], "1.2");
    let actions: Vec<String> = plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["address"].as_str().unwrap(),
                c["change"]["actions"]
            )
        })
        .collect();
    assert!(
        actions.contains(&"terraform_data.imported [\"delete\"]".to_string()),
        "{actions:?}"
    );
    assert_eq!(
        plan["prior_state"]["values"]["root_module"]["resources"][0]["address"],
        "terraform_data.imported"
    );
}

#[test]
fn apply_reads_template_files_from_the_module_directory_like_plan_does() {
    // Regression: apply resolved files inside a template_file against the process's directory,
    // plan against the module's; run from the parent directory, apply failed where plan passed.
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("stack");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("note.txt"), "from the module").unwrap();
    std::fs::write(
        dir.join("main.tf"),
        "data \"template_file\" \"t\" {\n  template = \"$${file(\\\"note.txt\\\")}\"\n}\n\nresource \"terraform_data\" \"r\" {\n  input = data.template_file.t.rendered\n}\n\noutput \"o\" {\n  value = terraform_data.r.output\n}\n",
    )
    .unwrap();
    ok(parent.path(), &["plan", "stack"]);
    ok(parent.path(), &["apply", "-auto-approve", "stack"]);
    let out = ok(parent.path(), &["output", "-raw", "-dir", "stack", "o"]);
    assert_eq!(out, "from the module");
}

#[test]
fn state_mv_keeps_module_instance_keys_apart_from_the_resource_key() {
    let d = workdir(CONFIG);
    let p = d.path();
    ok(p, &["apply", "-auto-approve"]);
    ok(
        p,
        &[
            "state",
            "mv",
            "terraform_data.node[1]",
            "module.m[0].terraform_data.node[1]",
        ],
    );
    let list = ok(p, &["state", "list"]);
    assert!(
        list.contains("module.m[0].terraform_data.node[1]"),
        "{list}"
    );
}

#[test]
fn an_argument_set_to_null_is_not_set_even_when_infra_lacks_it() {
    // Modules pass every argument the provider has, null when unused.
    let d = workdir(
        "resource \"terraform_data\" \"x\" {\n  input        = 1\n  not_in_infra = null\n}\n",
    );
    ok(d.path(), &["plan"]);
    let d =
        workdir("resource \"terraform_data\" \"x\" {\n  input        = 1\n  not_in_infra = 2\n}\n");
    let out = infra(d.path(), &["plan"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("\"not_in_infra\" is not expected"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn random_resources_choose_once_and_replace_when_keepers_change() {
    let cfg = |k: &str| {
        format!(
            "resource \"random_string\" \"s\" {{\n  length  = 16\n  special = false\n  keepers = {{ k = \"{k}\" }}\n}}\n\nresource \"random_id\" \"i\" {{\n  byte_length = 8\n  prefix      = \"n-\"\n}}\n\nresource \"random_integer\" \"p\" {{\n  min = 1000\n  max = 1010\n}}\n\noutput \"s\" {{ value = random_string.s.result }}\noutput \"i\" {{ value = random_id.i.hex }}\noutput \"p\" {{ value = random_integer.p.result }}\n\nresource \"random_pet\" \"name\" {{\n  length = 3\n  prefix = \"web\"\n}}\n\noutput \"pet\" {{ value = random_pet.name.id }}\n"
        )
    };
    let d = workdir(&cfg("a"));
    ok(d.path(), &["apply", "-auto-approve"]);
    let first = outputs(d.path());
    let s = first["s"]["value"].as_str().unwrap().to_string();
    assert_eq!(s.len(), 16);
    assert!(s.chars().all(|c| c.is_ascii_alphanumeric()), "{s}");
    let i = first["i"]["value"].as_str().unwrap();
    assert!(i.starts_with("n-") && i.len() == 2 + 16, "{i}");
    let p = first["p"]["value"].as_i64().unwrap();
    assert!((1000..=1010).contains(&p));
    // A pet name: the prefix, an adverb, an adjective and an animal.
    let pet = first["pet"]["value"].as_str().unwrap();
    let words: Vec<&str> = pet.split('-').collect();
    assert_eq!(words.len(), 4, "{pet}");
    assert_eq!(words[0], "web");
    assert!(
        words
            .iter()
            .all(|w| w.chars().all(|c| c.is_ascii_lowercase())),
        "{pet}"
    );
    let out = infra(d.path(), &["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    std::fs::write(d.path().join("main.tf"), cfg("b")).unwrap();
    let plan = ok(d.path(), &["plan"]);
    assert!(plan.contains("random_string.s must be replaced"), "{plan}");
    ok(d.path(), &["apply", "-auto-approve"]);
    let second = outputs(d.path());
    assert_ne!(second["s"]["value"], first["s"]["value"]);
    assert_eq!(second["i"]["value"], first["i"]["value"]);
    assert_eq!(second["pet"]["value"], first["pet"]["value"]);
}
