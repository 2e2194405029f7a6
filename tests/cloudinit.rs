//! Every template in `templates/` renders (through `infra`, as a configuration renders it) with
//! each sample variable set in `fixtures/templates/<template>.json`, and the result passes the
//! real `cloud-init schema --config-file` (Debian package `cloud-init`; scripts/test installs
//! it). Plus `cloudinit_config` and `infra_template` as data sources in a plan.

mod support;

use std::path::Path;
use std::process::Command;
use support::infra_in as infra;

fn render(template: &Path, vars: &serde_json::Value) -> String {
    let d = tempfile::tempdir().unwrap();
    let vars_hcl = serde_json::to_string(vars).unwrap();
    std::fs::write(
        d.path().join("main.tf"),
        format!(
            "data \"infra_template\" \"t\" {{\n  source = {:?}\n  vars   = jsondecode({:?})\n}}\n\noutput \"text\" {{\n  value = data.infra_template.t.rendered\n}}\n",
            template.display().to_string(),
            vars_hcl
        ),
    )
    .unwrap();
    let out = infra(d.path(), &["eval", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["text"]["value"].as_str().unwrap().to_string()
}

#[test]
fn every_template_renders_and_passes_cloud_init_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for e in std::fs::read_dir(root.join("templates")).unwrap() {
        let path = e.unwrap().path();
        if path.extension().and_then(|x| x.to_str()) != Some("j2") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let samples = root.join("fixtures/templates").join(format!("{name}.json"));
        let samples: Vec<serde_json::Value> =
            serde_json::from_str(&std::fs::read_to_string(&samples).unwrap_or_else(|_| {
                panic!("{name} needs sample variables in {}", samples.display())
            }))
            .unwrap();
        for vars in &samples {
            let text = render(&path, vars);
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("user-data");
            std::fs::write(&file, &text).unwrap();
            let out = Command::new("cloud-init")
                .args(["schema", "--config-file"])
                .arg(&file)
                .output()
                .expect("cloud-init installed (scripts/test installs the Debian package)");
            assert!(
                out.status.success(),
                "{name} with {vars}: cloud-init schema says:\n{}{}\n---\n{text}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            infra::cloudinit::check_user_data(text.as_bytes()).unwrap();
            checked += 1;
        }
    }
    assert!(checked >= 2, "templates were checked: {checked}");
}

#[test]
fn a_template_missing_a_variable_fails_the_plan_naming_it() {
    let d = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::write(
        d.path().join("main.tf"),
        format!(
            "data \"infra_template\" \"t\" {{\n  source = {:?}\n  vars   = {{ cluster_name = \"x\" }}\n}}\n",
            root.join("templates/cluster-node.yaml.j2").display().to_string()
        ),
    )
    .unwrap();
    let out = infra(d.path(), &["plan"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("data.infra_template.t"), "{err}");
    assert!(err.contains("undefined"), "{err}");
}

#[test]
fn cloudinit_config_renders_and_waits_for_unknown_parts() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("main.tf"),
        r##"
resource "terraform_data" "lb" {
  input = "lb.example.com"
}

data "cloudinit_config" "known" {
  gzip          = false
  base64_encode = false
  part {
    content_type = "text/cloud-config"
    content      = "#cloud-config\nruncmd:\n  - echo hi\n"
    filename     = "init.cfg"
  }
}

data "cloudinit_config" "later" {
  part {
    content_type = "text/cloud-config"
    content      = "#cloud-config\nfinal_message: ${terraform_data.lb.output}\n"
  }
}

output "known" { value = data.cloudinit_config.known.rendered }
output "later" { value = data.cloudinit_config.later.rendered }
"##,
    )
    .unwrap();
    let plan = infra(d.path(), &["plan"]);
    let text = String::from_utf8_lossy(&plan.stdout);
    assert!(
        plan.status.success(),
        "{}",
        String::from_utf8_lossy(&plan.stderr)
    );
    assert!(text.contains("later = (known after apply)"), "{text}");
    let out = infra(d.path(), &["apply", "-auto-approve"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let o = infra(d.path(), &["output", "-json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let known = v["known"]["value"].as_str().unwrap();
    assert!(known.starts_with("Content-Type: multipart/mixed; boundary=\"MIMEBOUNDARY\"\nMIME-Version: 1.0\r\n\r\n--MIMEBOUNDARY\r\n"), "{known}");
    assert!(known.contains("Content-Disposition: attachment; filename=\"init.cfg\""));
    assert!(known.ends_with("\r\n--MIMEBOUNDARY--\r\n"));
    // gzip + base64 by default, byte-deterministic: a re-plan shows no change.
    assert!(v["later"]["value"].as_str().unwrap().starts_with("H4sI"));
    let replan = infra(d.path(), &["plan", "-detailed-exitcode"]);
    assert_eq!(
        replan.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&replan.stdout)
    );
}

#[test]
fn user_data_cloud_would_reject_fails_the_plan_naming_the_resource() {
    let plan = |user_data: &str| {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("main.tf"),
            format!(
                "resource \"aws_launch_template\" \"node\" {{\n  name      = \"node\"\n  image_id  = \"ami-12c6146b\"\n  user_data = {user_data}\n}}\n"
            ),
        )
        .unwrap();
        // No state, so planning needs no API call: the emulator is not even asked.
        let out = Command::new(env!("CARGO_BIN_EXE_infra"))
            .args(["plan"])
            .current_dir(d.path())
            .env("NO_COLOR", "1")
            .env("AWS_REGION", "eu-west-1")
            .env("AWS_ACCESS_KEY_ID", "x")
            .env("AWS_SECRET_ACCESS_KEY", "x")
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = plan(r##"base64encode("#cloud-config\nruncmd: echo hi\n")"##);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("aws_launch_template.node") && err.contains("runcmd"),
        "{err}"
    );
    let (code, err) = plan(
        r##"base64encode("#!/bin/sh\n${join("", [for i in range(1000) : "echo 12345678901234\n"])}")"##,
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("16384") && err.contains("gzip"), "{err}");
    let (code, err) = plan(r##""#cloud-config\n""##);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("base64encode"), "{err}");
    let (code, err) = plan(r##"base64encode("#cloud-config\nruncmd:\n  - echo hi\n")"##);
    assert_eq!(code, Some(0), "{err}");
}
