//! Drift as a command: `infra plan -refresh-only` shows what changed outside infra (exit 2
//! with -detailed-exitcode, for a nightly job to alarm on) and changes nothing;
//! `infra apply -refresh-only` records it in the state without touching any object.

mod support;

use support::{Work, runtime, text};

#[test]
fn refresh_only_reports_drift_then_records_it_without_changing_objects() {
    let w = Work::new(
        r#"
provider "aws" {}

resource "aws_vpc" "main" {
  cidr_block = "10.70.0.0/16"
  tags       = { Name = "drift" }
}

resource "aws_security_group" "g" {
  name        = "drift-g"
  description = "drift test"
  vpc_id      = aws_vpc.main.id
}
"#,
    );
    w.ok(&["apply", "-auto-approve"]);
    let clean = w.infra(&["plan", "-refresh-only", "-detailed-exitcode"]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stderr));
    assert!(text(&clean.stdout).contains("still matches"));

    // Someone changes things by hand.
    let vpc = w.attrs("aws_vpc.main")["id"].as_str().unwrap().to_string();
    let sg = w.attrs("aws_security_group.g")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ec2 = w.ec2();
    let rt = runtime();
    rt.block_on(
        ec2.create_tags()
            .resources(&vpc)
            .tags(
                aws_sdk_ec2::types::Tag::builder()
                    .key("Owner")
                    .value("someone")
                    .build(),
            )
            .send(),
    )
    .unwrap();
    rt.block_on(ec2.delete_security_group().group_id(&sg).send())
        .unwrap();
    let serial = w.state()["serial"].clone();

    let out = w.infra(&["plan", "-refresh-only", "-detailed-exitcode"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("Objects have changed outside of infra"),
        "{stdout}"
    );
    assert!(stdout.contains("# aws_vpc.main has changed"), "{stdout}");
    assert!(stdout.contains("Owner"), "{stdout}");
    assert!(
        stdout.contains("# aws_security_group.g has been deleted"),
        "{stdout}"
    );
    assert!(!stdout.contains("will be created"), "{stdout}");
    assert_eq!(w.state()["serial"], serial, "a plan changes no state");

    w.ok(&["apply", "-refresh-only", "-auto-approve"]);
    let state = w.state();
    assert!(
        !state["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["type"] == "aws_security_group"),
        "{state}"
    );
    assert_eq!(w.attrs("aws_vpc.main")["tags"]["Owner"], "someone");
    // The object was not touched: the hand-made tag is still on it.
    let tags = rt
        .block_on(ec2.describe_vpcs().vpc_ids(&vpc).send())
        .unwrap()
        .vpcs()[0]
        .tags()
        .iter()
        .any(|t| t.key() == Some("Owner"));
    assert!(tags);
    let again = w.infra(&["plan", "-refresh-only", "-detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));
    // A normal plan now puts the configuration back.
    let plan = w.infra(&["plan", "-detailed-exitcode"]);
    let stdout = text(&plan.stdout);
    assert_eq!(plan.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("aws_security_group.g will be created"),
        "{stdout}"
    );
}
