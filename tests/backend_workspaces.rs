//! Workspaces, moving state between backends, reading older versions, and output lookups
//! between stacks (`terraform_remote_state`), against moto's S3 and on local disk.

mod support;

use support::s3::{STATE_REGION, bucket, runner};
use support::{Work, moto, text};

const STACK: &str = r#"
resource "terraform_data" "a" {
  input = "in-${terraform.workspace}"
}
output "where" {
  value = terraform_data.a.output
}
"#;

#[test]
fn workspaces_keep_separate_states_in_terraforms_s3_layout() {
    let b = bucket(&moto().endpoint());
    let w = runner(&b, "app/terraform.tfstate", "", STACK);
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(w.ok(&["workspace", "show"]).trim(), "default");

    // A mistyped TF_WORKSPACE never plans a second copy of everything.
    let out = w
        .command(&["plan"])
        .env("TF_WORKSPACE", "stagign")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("infra workspace new stagign"),
        "{}",
        text(&out.stderr)
    );

    w.ok(&["workspace", "new", "staging"]);
    assert_eq!(w.ok(&["workspace", "show"]).trim(), "staging");
    let out = w.ok(&["apply", "-auto-approve"]);
    assert!(out.contains("where = \"in-staging\""), "{out}");
    let mut keys = b.keys();
    keys.sort();
    assert_eq!(
        keys,
        [
            "app/terraform.tfstate",
            "env:/staging/app/terraform.tfstate"
        ]
    );
    assert_eq!(
        b.state("env:/staging/app/terraform.tfstate")["outputs"]["where"]["value"],
        "in-staging"
    );
    let list = w.ok(&["workspace", "list"]);
    assert_eq!(list, "  default\n* staging\n");

    // Another runner selects the workspace by TF_WORKSPACE, as CI does.
    let other = runner(&b, "app/terraform.tfstate", "", STACK);
    let out = other
        .command(&["output", "-raw", "where"])
        .env("TF_WORKSPACE", "staging")
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "in-staging");
    let out = other
        .command(&["workspace", "select", "default"])
        .env("TF_WORKSPACE", "staging")
        .output()
        .unwrap();
    assert!(text(&out.stderr).contains("TF_WORKSPACE"));

    // Deleting: not the active one, not a non-empty one without -force.
    let out = w.infra(&["workspace", "delete", "staging"]);
    assert!(
        text(&out.stderr).contains("active workspace"),
        "{}",
        text(&out.stderr)
    );
    w.ok(&["workspace", "select", "default"]);
    let out = w.infra(&["workspace", "delete", "staging"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("-force"),
        "{}",
        text(&out.stderr)
    );
    assert!(b.get("env:/staging/app/terraform.tfstate").is_some());
    let out = w.infra(&["workspace", "delete", "default"]);
    assert_eq!(out.status.code(), Some(1));
    w.ok(&["workspace", "delete", "-force", "staging"]);
    assert_eq!(b.keys(), ["app/terraform.tfstate"]);
    assert_eq!(w.ok(&["workspace", "list"]), "* default\n");
}

#[test]
fn local_workspaces_live_under_terraform_tfstate_d() {
    let w = Work::new(STACK);
    w.ok(&["apply", "-auto-approve"]);
    w.ok(&["workspace", "new", "dev"]);
    w.ok(&["apply", "-auto-approve"]);
    let dev: serde_json::Value = serde_json::from_slice(
        &std::fs::read(w.path().join("terraform.tfstate.d/dev/infra.tfstate")).unwrap(),
    )
    .unwrap();
    assert_eq!(dev["outputs"]["where"]["value"], "in-dev");
    assert_eq!(w.state()["outputs"]["where"]["value"], "in-default");
    assert_eq!(w.ok(&["workspace", "list"]), "  default\n* dev\n");
    w.ok(&["workspace", "select", "default"]);
    w.ok(&["workspace", "delete", "-force", "dev"]);
    assert!(!w.path().join("terraform.tfstate.d/dev").exists());
}

#[test]
fn migrate_state_moves_local_to_s3_and_back_and_never_overwrites_another_lineage() {
    let b = bucket(&moto().endpoint());
    let w = Work::new(STACK);
    w.ok(&["apply", "-auto-approve"]);
    let lineage = w.state()["lineage"].clone();
    let serial = w.state()["serial"].clone();

    // A backend block added: init refuses to leave the local state behind silently.
    w.write(&format!(
        "{}\n{STACK}",
        b.backend_block("moved/terraform.tfstate", "")
    ));
    let out = w.infra(&["init"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("-migrate-state") && err.contains("infra.tfstate"),
        "{err}"
    );
    assert!(b.keys().is_empty());

    w.ok(&["init", "-migrate-state"]);
    let moved = b.state("moved/terraform.tfstate");
    assert_eq!(moved["lineage"], lineage);
    assert_eq!(moved["serial"], serial);
    let plan = w.infra(&["plan", "-detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan.stderr));

    // Another key holding a different deployment is never overwritten.
    let other = runner(&b, "other/terraform.tfstate", "", STACK);
    other.ok(&["apply", "-auto-approve"]);
    let other_state = b.state("other/terraform.tfstate");
    w.write(&format!(
        "{}\n{STACK}",
        b.backend_block("other/terraform.tfstate", "")
    ));
    let out = w.infra(&["init", "-migrate-state"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("lineage"), "{err}");
    assert_eq!(b.state("other/terraform.tfstate"), other_state);

    // And back to a local file.
    w.write(STACK);
    std::fs::remove_file(w.path().join("infra.tfstate")).unwrap();
    w.ok(&["init", "-migrate-state"]);
    assert_eq!(w.state()["lineage"], lineage);
    let plan = w.infra(&["plan", "-detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan.stderr));
}

#[test]
fn partial_configuration_comes_from_backend_config_pairs_and_files() {
    let b = bucket(&moto().endpoint());
    let w = Work::new(&format!(
        "terraform {{\n  backend \"s3\" {{\n    key = \"partial/terraform.tfstate\"\n  }}\n}}\n{STACK}"
    ));
    std::fs::write(
        w.path().join("ci.s3.tfbackend"),
        format!(
            "bucket = \"{}\"\nuse_lockfile = true\nuse_path_style = true\n",
            b.name
        ),
    )
    .unwrap();
    let out = w.infra(&["init"]);
    assert!(text(&out.stderr).contains("\"bucket\" argument is required"));
    w.ok(&[
        "init",
        "-backend-config=ci.s3.tfbackend",
        &format!("-backend-config=region={STATE_REGION}"),
    ]);
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(b.keys(), ["partial/terraform.tfstate"]);
}

#[test]
fn state_pull_reads_an_older_version_from_a_versioned_bucket() {
    let b = bucket(&moto().endpoint());
    let w = runner(
        &b,
        "versions/terraform.tfstate",
        "",
        "variable \"n\" {\n  type    = number\n  default = 1\n}\nresource \"terraform_data\" \"a\" {\n  input = var.n\n}\n",
    );
    w.ok(&["apply", "-auto-approve", "-var", "n=1"]);
    w.ok(&["apply", "-auto-approve", "-var", "n=2"]);
    let versions = b.versions("versions/terraform.tfstate");
    assert!(versions.len() >= 2, "{versions:?}");
    let oldest = versions.last().unwrap();
    let old: serde_json::Value =
        serde_json::from_str(&w.ok(&["state", "pull", "--version-id", oldest])).unwrap();
    assert_eq!(
        old["resources"][0]["instances"][0]["attributes"]["input"]["value"],
        1
    );
    let now: serde_json::Value = serde_json::from_str(&w.ok(&["state", "pull"])).unwrap();
    assert_eq!(
        now["resources"][0]["instances"][0]["attributes"]["input"]["value"],
        2
    );
    // Restoring it is a push of that version (same lineage, forced past the newer serial).
    let file = w.path().join("old.tfstate");
    std::fs::write(&file, serde_json::to_vec(&old).unwrap()).unwrap();
    w.ok(&["state", "push", "--force", "old.tfstate"]);
    let plan = w.infra(&["plan", "-detailed-exitcode", "-var", "n=1"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan.stderr));
}

#[test]
fn remote_state_outputs_keep_their_types_and_sensitivity() {
    let b = bucket(&moto().endpoint());
    let network = runner(
        &b,
        "net/terraform.tfstate",
        "",
        r#"
output "vpc" {
  value = { id = "vpc-123", cidrs = ["10.0.0.0/24", "10.0.1.0/24"], zones = 2 }
}
output "db_password" {
  value     = "hunter2-very-secret"
  sensitive = true
}
"#,
    );
    network.ok(&["apply", "-auto-approve"]);
    // The same stack in a staging workspace, with other values.
    network.ok(&["workspace", "new", "staging"]);
    let staging_tf = std::fs::read_to_string(network.path().join("main.tf"))
        .unwrap()
        .replace("zones = 2", "zones = 5");
    network.write(&staging_tf);
    network.ok(&["apply", "-auto-approve"]);
    // The consumer reads it with no lock.
    let cluster = Work::new(&format!(
        r#"
data "terraform_remote_state" "net" {{
  backend = "s3"
  config = {{
    bucket         = "{bucket}"
    key            = "net/terraform.tfstate"
    region         = "{STATE_REGION}"
    use_path_style = true
  }}
  defaults = {{
    extra = "fallback"
  }}
}}
resource "terraform_data" "uses" {{
  input = {{
    first_cidr = data.terraform_remote_state.net.outputs.vpc.cidrs[0]
    zones_plus = data.terraform_remote_state.net.outputs.vpc.zones + 1
    extra      = data.terraform_remote_state.net.outputs.extra
  }}
}}
resource "terraform_data" "secret" {{
  input = data.terraform_remote_state.net.outputs.db_password
}}
output "zones_plus" {{
  value = terraform_data.uses.input.zones_plus
}}
data "terraform_remote_state" "staging" {{
  backend   = "s3"
  workspace = "staging"
  config = {{
    bucket         = "{bucket}"
    key            = "net/terraform.tfstate"
    region         = "{STATE_REGION}"
    use_path_style = true
  }}
}}
output "staging_zones" {{
  value = data.terraform_remote_state.staging.outputs.vpc.zones
}}
output "leak" {{
  value = data.terraform_remote_state.net.outputs.db_password
}}
"#,
        bucket = b.name
    ));
    // An output that would print a sensitive value without saying so is refused.
    let out = cluster.infra(&["plan"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("sensitive"), "{err}");
    let tf = std::fs::read_to_string(cluster.path().join("main.tf"))
        .unwrap()
        .replace(
            "value = data.terraform_remote_state.net.outputs.db_password\n}",
            "value     = data.terraform_remote_state.net.outputs.db_password\n  sensitive = true\n}",
        );
    cluster.write(&tf);
    let out = cluster.infra(&["apply", "-auto-approve"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stdout.contains("hunter2") && !stderr.contains("hunter2"),
        "{stdout}{stderr}"
    );
    assert!(stdout.contains("zones_plus = 3"), "{stdout}");
    assert!(stdout.contains("staging_zones = 5"), "{stdout}");
    let attrs = cluster.attrs("terraform_data.uses");
    assert_eq!(attrs["input"]["value"]["first_cidr"], "10.0.0.0/24");
    assert_eq!(attrs["input"]["value"]["extra"], "fallback");
    // Reading took no lock, and wrote nothing to the producer's bucket.
    let mut keys = b.keys();
    keys.sort();
    assert_eq!(
        keys,
        [
            "env:/staging/net/terraform.tfstate",
            "net/terraform.tfstate"
        ]
    );
    let plan = cluster.infra(&["plan", "-detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan.stderr));

    // A local producer, by a path relative to the consumer's configuration.
    let producer = Work::new("output \"id\" {\n  value = \"vpc-local\"\n}\n");
    producer.ok(&["apply", "-auto-approve"]);
    let name = producer
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    let local = Work::new(&format!(
        r#"
data "terraform_remote_state" "near" {{
  backend = "local"
  config = {{
    path = "../{name}/infra.tfstate"
  }}
}}
output "id" {{
  value = data.terraform_remote_state.near.outputs.id
}}
"#
    ));
    let out = local.infra(&["apply", "-auto-approve"]);
    assert!(
        text(&out.stdout).contains("id = \"vpc-local\""),
        "{}",
        text(&out.stderr)
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}
