//! The IAM resources and the policy document data source against moto: create, no-change
//! re-plan (also for policies written differently from IAM's form), update in place, replace,
//! import and destroy, each checked by reading the emulator through the SDK. Moto keeps IAM
//! per account, not per region, so every test names its objects with its own prefix.

mod support;

use support::{Work, runtime, text};

const ACCOUNT: &str = "123456789012";

fn iam(w: &Work) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::new(&w.sdk())
}

/// Runs `plan -detailed-exitcode` and insists on its exit code.
fn plan_exits(w: &Work, code: i32) -> String {
    let out = w.infra(&["plan", "-detailed-exitcode"]);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn decoded(doc: &str) -> serde_json::Value {
    let mut bytes = Vec::new();
    let raw = doc.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' {
            bytes.push(u8::from_str_radix(&doc[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            bytes.push(raw[i]);
            i += 1;
        }
    }
    serde_json::from_slice(&bytes).unwrap()
}

const ROLE: &str = r#"
provider "aws" {
  default_tags {
    tags = { team = "platform" }
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "node" {
  name                  = "lifecycle-node"
  path                  = "PATH"
  description           = "DESCRIPTION"
  max_session_duration  = MAX
  FORCE_DETACH
  assume_role_policy    = POLICY
  tags = {
    Name = "TAG"
  }
}

resource "aws_iam_role" "prefixed" {
  name_prefix        = "lifecycle-"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}
"#;

const JSONENCODED: &str = r#"jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Action    = "sts:AssumeRole"
      Effect    = "Allow"
      Principal = { Service = "SERVICE" }
    }]
  })"#;

/// The same policy as `JSONENCODED` for EC2, with other whitespace, key order and lists.
const HEREDOC: &str = r#"<<EOF
{
  "Statement": [
    {
      "Principal": { "Service": [ "ec2.amazonaws.com" ] },
      "Effect": "Allow",
      "Action": [ "sts:AssumeRole" ]
    }
  ],
  "Version": "2012-10-17"
}
EOF"#;

struct RoleConfig<'a> {
    path: &'a str,
    description: &'a str,
    max: u32,
    tag: &'a str,
    policy: String,
    force_detach: bool,
}

impl RoleConfig<'_> {
    fn render(&self) -> String {
        ROLE.replace("PATH", self.path)
            .replace("DESCRIPTION", self.description)
            .replace("MAX", &self.max.to_string())
            .replace("TAG", self.tag)
            .replace("POLICY", &self.policy)
            .replace(
                "FORCE_DETACH",
                if self.force_detach {
                    "force_detach_policies = true"
                } else {
                    ""
                },
            )
    }
}

fn service_policy(service: &str) -> String {
    JSONENCODED.replace("SERVICE", service)
}

#[test]
fn role_lifecycle() {
    let mut cfg = RoleConfig {
        path: "/",
        description: "first",
        max: 3600,
        tag: "one",
        policy: service_policy("ec2.amazonaws.com"),
        force_detach: false,
    };
    let w = Work::new(&cfg.render());
    w.ok(&["apply", "-auto-approve"]);
    let role = w.attrs("aws_iam_role.node");
    assert_eq!(role["id"], "lifecycle-node");
    assert_eq!(
        role["arn"],
        format!("arn:aws:iam::{ACCOUNT}:role/lifecycle-node")
    );
    assert!(!role["unique_id"].as_str().unwrap().is_empty(), "{role}");
    assert!(
        role["create_date"].as_str().unwrap().ends_with('Z'),
        "{role}"
    );
    assert_eq!(role["tags"], serde_json::json!({"Name": "one"}));
    assert_eq!(role["tags_all"]["team"], "platform");
    assert_eq!(role["force_detach_policies"], false);
    let unique_id = role["unique_id"].as_str().unwrap().to_string();
    let prefixed = w.attrs("aws_iam_role.prefixed");
    let generated = prefixed["name"].as_str().unwrap();
    assert!(
        generated.starts_with("lifecycle-") && generated.len() == "lifecycle-".len() + 26,
        "{prefixed}"
    );
    assert_eq!(prefixed["name_prefix"], "lifecycle-");

    let client = iam(&w);
    let rt = runtime();
    let got = rt
        .block_on(client.get_role().role_name("lifecycle-node").send())
        .unwrap();
    let r = got.role().unwrap();
    assert_eq!(r.description(), Some("first"));
    assert_eq!(r.max_session_duration(), Some(3600));
    let tags: std::collections::BTreeMap<_, _> =
        r.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(tags.get("infra:address"), Some(&"aws_iam_role.node"));
    assert_eq!(tags.get("team"), Some(&"platform"));
    assert_eq!(
        decoded(r.assume_role_policy_document().unwrap())["Statement"][0]["Principal"]["Service"],
        "ec2.amazonaws.com"
    );
    let from_data = rt
        .block_on(client.get_role().role_name(generated).send())
        .unwrap();
    assert_eq!(
        decoded(
            from_data
                .role()
                .unwrap()
                .assume_role_policy_document()
                .unwrap()
        ),
        serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}]})
    );

    plan_exits(&w, 0);
    // The same policy written another way is no change.
    cfg.policy = HEREDOC.into();
    w.write(&cfg.render());
    plan_exits(&w, 0);
    // Nor is IAM holding it in another form.
    rt.block_on(
        client
            .update_assume_role_policy()
            .role_name("lifecycle-node")
            .policy_document(
                r#"{"Statement":[{"Action":["sts:AssumeRole"],"Principal":{"Service":"ec2.amazonaws.com"},"Effect":"Allow"}],"Version":"2012-10-17"}"#,
            )
            .send(),
    )
    .unwrap();
    plan_exits(&w, 0);

    // In place: trust policy, description, session length and a tag.
    cfg = RoleConfig {
        description: "second",
        max: 7200,
        tag: "two",
        policy: service_policy("ecs-tasks.amazonaws.com"),
        ..cfg
    };
    w.write(&cfg.render());
    let plan = plan_exits(&w, 2);
    assert!(plan.contains("1 to change, 0 to destroy"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    let role = w.attrs("aws_iam_role.node");
    assert_eq!(role["unique_id"], unique_id.as_str());
    let r = rt
        .block_on(client.get_role().role_name("lifecycle-node").send())
        .unwrap();
    let r = r.role().unwrap();
    assert_eq!(r.description(), Some("second"));
    assert_eq!(r.max_session_duration(), Some(7200));
    assert!(
        r.tags()
            .iter()
            .any(|t| t.key() == "Name" && t.value() == "two")
    );
    assert_eq!(
        decoded(r.assume_role_policy_document().unwrap())["Statement"][0]["Principal"]["Service"],
        "ecs-tasks.amazonaws.com"
    );
    plan_exits(&w, 0);

    // Forgotten by state after a crash: create finds it by its tags and adopts it.
    w.ok(&["state", "rm", "aws_iam_role.node"]);
    let plan = w.ok(&["apply", "-auto-approve"]);
    assert!(plan.contains("1 added"), "{plan}");
    assert_eq!(
        w.attrs("aws_iam_role.node")["unique_id"],
        unique_id.as_str()
    );

    // Import by name.
    w.ok(&["state", "rm", "aws_iam_role.node"]);
    w.ok(&["import", "aws_iam_role.node", "lifecycle-node"]);
    assert_eq!(
        w.attrs("aws_iam_role.node")["unique_id"],
        unique_id.as_str()
    );
    plan_exits(&w, 0);

    // The path replaces the role.
    cfg.path = "/app/";
    cfg.force_detach = true;
    w.write(&cfg.render());
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("must be replaced"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    let role = w.attrs("aws_iam_role.node");
    assert_ne!(role["unique_id"], unique_id.as_str());
    assert_eq!(
        role["arn"],
        format!("arn:aws:iam::{ACCOUNT}:role/app/lifecycle-node")
    );

    // Destroy with force_detach_policies: policies and a profile added outside infra are
    // taken off first (moto, like IAM, refuses to delete a role that has any).
    let managed = rt
        .block_on(
            client
                .create_policy()
                .policy_name("lifecycle-extra")
                .policy_document(
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#,
                )
                .send(),
        )
        .unwrap();
    let managed_arn = managed.policy().unwrap().arn().unwrap().to_string();
    rt.block_on(async {
        client
            .attach_role_policy()
            .role_name("lifecycle-node")
            .policy_arn(&managed_arn)
            .send()
            .await
            .unwrap();
        client
            .put_role_policy()
            .role_name("lifecycle-node")
            .policy_name("extra-inline")
            .policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
            )
            .send()
            .await
            .unwrap();
        client
            .create_instance_profile()
            .instance_profile_name("lifecycle-extra")
            .send()
            .await
            .unwrap();
        client
            .add_role_to_instance_profile()
            .instance_profile_name("lifecycle-extra")
            .role_name("lifecycle-node")
            .send()
            .await
            .unwrap();
    });
    w.ok(&["destroy", "-auto-approve"]);
    for name in ["lifecycle-node", generated] {
        let gone = rt.block_on(client.get_role().role_name(name).send());
        assert!(gone.is_err(), "{name} is deleted: {gone:?}");
    }
    let profile = rt
        .block_on(
            client
                .get_instance_profile()
                .instance_profile_name("lifecycle-extra")
                .send(),
        )
        .unwrap();
    assert!(profile.instance_profile().unwrap().roles().is_empty());
}
