//! A sensitive value never reaches a person's screen or a CI log: a `sensitive = true`
//! variable flowing into AWS resource arguments (a description, a tag, a nested rule, user
//! data) stays hidden in plan, show, show -json's masks, state show, debug logs, API error
//! messages and drift, and state records where it sits as Terraform does.

mod support;

use support::{Work, runtime, text};

const SECRET: &str = "hunter2-4a7f-secret";

fn config() -> String {
    format!(
        r##"
provider "aws" {{}}

variable "secret" {{
  type      = string
  sensitive = true
  default   = "{SECRET}"
}}

resource "aws_vpc" "v" {{
  cidr_block = "10.80.0.0/16"
}}

resource "aws_security_group" "sg" {{
  name        = "sensitive-sg"
  vpc_id      = aws_vpc.v.id
  description = "for ${{var.secret}}"
  tags        = {{ Secret = var.secret, Plain = "shown-tag" }}

  ingress {{
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
    description = var.secret
  }}
}}

resource "aws_launch_template" "lt" {{
  name          = "sensitive-lt"
  image_id      = "ami-12c6146b"
  instance_type = "t3.micro"
  user_data     = base64encode("#cloud-config\nruncmd: [echo ${{var.secret}}]\n")
}}
"##
    )
}

fn assert_hidden(what: &str, out: &str) {
    assert!(!out.contains(SECRET), "{what} shows the secret:\n{out}");
}

#[test]
fn a_sensitive_variable_stays_hidden_in_every_output() {
    let w = Work::new(&config());
    let plan = w.ok(&["plan", "--out", "p.plan"]);
    assert_hidden("plan", &plan);
    assert!(
        plan.contains("description            = (sensitive value)"),
        "{plan}"
    );
    assert!(
        plan.contains("user_data       = (sensitive value)"),
        "{plan}"
    );
    // Only the sensitive element of a map is hidden.
    assert!(plan.contains("\"shown-tag\""), "{plan}");

    let shown = w.ok(&["show", "p.plan"]);
    assert_hidden("show PLAN", &shown);

    let json: serde_json::Value =
        serde_json::from_str(&w.ok(&["show", "-json", "p.plan"])).unwrap();
    let sg = json["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "aws_security_group.sg")
        .unwrap();
    let masks = &sg["change"]["after_sensitive"];
    assert_eq!(masks["description"], true, "{masks}");
    assert_eq!(masks["ingress"], true, "{masks}");
    assert_eq!(masks["tags"]["Secret"], true, "{masks}");
    assert_eq!(masks["tags_all"]["Secret"], true, "{masks}");
    assert!(masks["tags"].get("Plain").is_none(), "{masks}");

    let apply = w.infra(&["apply", "-auto-approve", "p.plan"]);
    assert!(apply.status.success(), "{}", text(&apply.stderr));
    assert_hidden("apply", &(text(&apply.stdout) + &text(&apply.stderr)));

    // State says where the secret sits, as Terraform writes it.
    let state = w.state();
    let sg_state = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "aws_security_group")
        .unwrap();
    let paths = &sg_state["instances"][0]["sensitive_attributes"];
    let tag_path = serde_json::json!([
        {"type": "get_attr", "value": "tags"},
        {"type": "index", "value": {"value": "Secret", "type": "string"}}
    ]);
    assert!(paths.as_array().unwrap().contains(&tag_path), "{paths}");

    let state_show = w.ok(&["state", "show", "aws_security_group.sg"]);
    assert_hidden("state show", &state_show);
    assert!(state_show.contains("shown-tag"), "{state_show}");

    // A plan after a restart reads the marks back from state; the debug log (SDK request and
    // response bodies included) is redacted.
    let logged = w
        .command(&["plan"])
        .env("INFRA_LOG", "trace")
        .output()
        .unwrap();
    assert!(logged.status.success(), "{}", text(&logged.stderr));
    let log = text(&logged.stderr);
    assert!(
        log.contains("DescribeSecurityGroups"),
        "no debug log:\n{log}"
    );
    assert_hidden("debug log", &log);
    assert!(
        text(&logged.stdout).contains("No changes"),
        "{}",
        text(&logged.stdout)
    );
}

#[test]
fn an_api_error_that_echoes_a_secret_is_redacted() {
    // A subnet outside its VPC's range: the API names the CIDR it refuses.
    let w = Work::new(
        r#"
provider "aws" {}

variable "cidr" {
  type      = string
  sensitive = true
  default   = "10.199.77.0/24"
}

resource "aws_vpc" "v" {
  cidr_block = "10.81.0.0/16"
}

resource "aws_subnet" "s" {
  vpc_id     = aws_vpc.v.id
  cidr_block = var.cidr
}
"#,
    );
    let out = w.infra(&["apply", "-auto-approve"]);
    let all = text(&out.stdout) + &text(&out.stderr);
    assert!(!out.status.success(), "{all}");
    assert!(all.contains("aws_subnet.s"), "{all}");
    assert!(all.contains("(sensitive value)"), "{all}");
    assert!(!all.contains("10.199.77.0/24"), "{all}");
}

#[test]
fn drift_under_a_sensitive_path_stays_hidden() {
    let w = Work::new(&config());
    w.ok(&["apply", "-auto-approve"]);
    let sg = w.attrs("aws_security_group.sg")["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Someone rotates the tag's value by hand: the new value is under the same sensitive path.
    let rotated = "rotated-by-hand-9c1d";
    runtime()
        .block_on(
            w.ec2()
                .create_tags()
                .resources(&sg)
                .tags(
                    aws_sdk_ec2::types::Tag::builder()
                        .key("Secret")
                        .value(rotated)
                        .build(),
                )
                .send(),
        )
        .unwrap();
    let out = w.infra(&["plan", "-refresh-only", "-detailed-exitcode"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("aws_security_group.sg has changed"),
        "{stdout}"
    );
    assert!(!stdout.contains(rotated), "{stdout}");
    assert_hidden("refresh-only plan", &stdout);
    let plan = w.infra(&["plan"]);
    let all = text(&plan.stdout) + &text(&plan.stderr);
    assert!(!all.contains(rotated), "{all}");
    assert_hidden("plan after drift", &all);
}
