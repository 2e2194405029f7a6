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
    // A generated name gives back the prefix it was made from, so name_prefix is no change.
    w.ok(&["state", "rm", "aws_iam_role.prefixed"]);
    w.ok(&["import", "aws_iam_role.prefixed", generated]);
    assert_eq!(
        w.attrs("aws_iam_role.prefixed")["name_prefix"],
        "lifecycle-"
    );
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

const ATTACHED: &str = r#"
resource "aws_iam_role" "app" {
  name = "rpa-app"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Action = "sts:AssumeRole", Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}

resource "aws_iam_role_policy" "inline" {
  name = "rpa-inline"
  role = aws_iam_role.app.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["ACTION"], Resource = "*" }]
  })
}

resource "aws_iam_role_policy" "generated" {
  role   = aws_iam_role.app.id
  policy = <<JSON
{ "Statement": [ { "Resource": "*", "Action": "s3:ListBucket", "Effect": "Allow" } ],
  "Version": "2012-10-17" }
JSON
}

resource "aws_iam_role_policy_attachment" "managed" {
  role       = aws_iam_role.app.name
  policy_arn = "POLICY_ARN"
}
"#;

fn attached_policies(client: &aws_sdk_iam::Client, role: &str) -> Vec<String> {
    runtime()
        .block_on(client.list_attached_role_policies().role_name(role).send())
        .unwrap()
        .attached_policies()
        .iter()
        .map(|p| p.policy_arn().unwrap().to_string())
        .collect()
}

#[test]
fn role_policy_and_attachment_lifecycle() {
    let w = Work::new("");
    let client = iam(&w);
    let rt = runtime();
    let [first, second] = ["rpa-managed-1", "rpa-managed-2"].map(|name| {
        rt.block_on(
            client
                .create_policy()
                .policy_name(name)
                .policy_document(
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}"#,
                )
                .send(),
        )
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_string()
    });
    let config = |action: &str, arn: &str| {
        ATTACHED
            .replace("ACTION", action)
            .replace("POLICY_ARN", arn)
    };
    w.write(&config("s3:GetObject", &first));
    w.ok(&["apply", "-auto-approve"]);
    let inline = w.attrs("aws_iam_role_policy.inline");
    assert_eq!(inline["id"], "rpa-app:rpa-inline");
    let generated = w.attrs("aws_iam_role_policy.generated");
    let generated_name = generated["name"].as_str().unwrap().to_string();
    assert!(generated_name.starts_with("terraform-"), "{generated}");
    assert_eq!(generated["id"], format!("rpa-app:{generated_name}"));
    let attachment = w.attrs("aws_iam_role_policy_attachment.managed");
    assert!(
        attachment["id"].as_str().unwrap().starts_with("rpa-app-"),
        "{attachment}"
    );
    let inline_action = || {
        let got = rt
            .block_on(
                client
                    .get_role_policy()
                    .role_name("rpa-app")
                    .policy_name("rpa-inline")
                    .send(),
            )
            .unwrap();
        decoded(got.policy_document())["Statement"][0]["Action"].clone()
    };
    assert_eq!(inline_action(), serde_json::json!(["s3:GetObject"]));
    assert_eq!(attached_policies(&client, "rpa-app"), vec![first.clone()]);
    plan_exits(&w, 0);

    // In place: the inline policy's document.
    w.write(&config("s3:PutObject", &first));
    let plan = plan_exits(&w, 2);
    assert!(
        plan.contains("0 to add, 1 to change, 0 to destroy"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(inline_action(), serde_json::json!(["s3:PutObject"]));
    plan_exits(&w, 0);

    // Another policy ARN replaces the attachment.
    w.write(&config("s3:PutObject", &second));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("must be replaced"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(attached_policies(&client, "rpa-app"), vec![second.clone()]);

    // Import both by Terraform's ids.
    w.ok(&["state", "rm", "aws_iam_role_policy.inline"]);
    w.ok(&["state", "rm", "aws_iam_role_policy_attachment.managed"]);
    w.ok(&["import", "aws_iam_role_policy.inline", "rpa-app:rpa-inline"]);
    w.ok(&[
        "import",
        "aws_iam_role_policy_attachment.managed",
        &format!("rpa-app/{second}"),
    ]);
    assert_eq!(
        w.attrs("aws_iam_role_policy_attachment.managed")["policy_arn"],
        second.as_str()
    );
    plan_exits(&w, 0);

    // Detached outside infra: planned for creation again.
    rt.block_on(
        client
            .detach_role_policy()
            .role_name("rpa-app")
            .policy_arn(&second)
            .send(),
    )
    .unwrap();
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_iam_role_policy_attachment.managed will be created"),
        "{plan}"
    );

    w.ok(&["destroy", "-auto-approve"]);
    assert!(
        rt.block_on(client.get_role().role_name("rpa-app").send())
            .is_err()
    );
    // The managed policies are not infra's: they stay.
    let policy = rt.block_on(client.get_policy().policy_arn(&second).send());
    assert!(policy.is_ok(), "{policy:?}");
}

const PROFILE: &str = r#"
resource "aws_iam_role" "a" {
  name               = "ip-role-a"
  assume_role_policy = data.aws_iam_policy_document.ec2.json
}

resource "aws_iam_role" "b" {
  name               = "ip-role-b"
  assume_role_policy = data.aws_iam_policy_document.ec2.json
}

data "aws_iam_policy_document" "ec2" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_instance_profile" "node" {
  name = "NAME"
  role = aws_iam_role.ROLE.name
  tags = { Name = "TAG" }
}
"#;

#[test]
fn instance_profile_lifecycle() {
    let config = |name: &str, role: &str, tag: &str| {
        PROFILE
            .replace("NAME", name)
            .replace("ROLE", role)
            .replace("TAG", tag)
    };
    let w = Work::new(&config("ip-node", "a", "one"));
    w.ok(&["apply", "-auto-approve"]);
    let profile = w.attrs("aws_iam_instance_profile.node");
    assert_eq!(profile["id"], "ip-node");
    assert_eq!(
        profile["arn"],
        format!("arn:aws:iam::{ACCOUNT}:instance-profile/ip-node")
    );
    assert_eq!(profile["path"], "/");
    assert_eq!(profile["role"], "ip-role-a");
    let unique_id = profile["unique_id"].as_str().unwrap().to_string();
    assert!(!unique_id.is_empty());

    let client = iam(&w);
    let rt = runtime();
    let get = || {
        rt.block_on(
            client
                .get_instance_profile()
                .instance_profile_name("ip-node")
                .send(),
        )
        .ok()
    };
    let got = get().unwrap();
    let ip = got.instance_profile().unwrap();
    let roles: Vec<_> = ip.roles().iter().map(|r| r.role_name()).collect();
    assert_eq!(roles, ["ip-role-a"]);
    assert!(
        ip.tags()
            .iter()
            .any(|t| t.key() == "infra:address" && t.value() == "aws_iam_instance_profile.node")
    );
    plan_exits(&w, 0);

    // In place: another role and tag.
    w.write(&config("ip-node", "b", "two"));
    let plan = plan_exits(&w, 2);
    assert!(
        plan.contains("0 to add, 1 to change, 0 to destroy"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(
        w.attrs("aws_iam_instance_profile.node")["unique_id"],
        unique_id.as_str()
    );
    let got = get().unwrap();
    let ip = got.instance_profile().unwrap();
    let roles: Vec<_> = ip.roles().iter().map(|r| r.role_name()).collect();
    assert_eq!(roles, ["ip-role-b"]);
    assert!(
        ip.tags()
            .iter()
            .any(|t| t.key() == "Name" && t.value() == "two")
    );
    plan_exits(&w, 0);

    // Import by name.
    w.ok(&["state", "rm", "aws_iam_instance_profile.node"]);
    w.ok(&["import", "aws_iam_instance_profile.node", "ip-node"]);
    plan_exits(&w, 0);

    // A new name replaces it.
    w.write(&config("ip-node2", "b", "two"));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("must be replaced"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    assert!(get().is_none(), "the old profile is deleted");
    assert_eq!(w.attrs("aws_iam_instance_profile.node")["id"], "ip-node2");

    // Destroy: the profile lets go of its role, then both go.
    w.ok(&["destroy", "-auto-approve"]);
    let left = rt.block_on(client.list_instance_profiles().send()).unwrap();
    assert!(
        left.instance_profiles()
            .iter()
            .all(|p| !p.instance_profile_name().starts_with("ip-")),
        "{left:?}"
    );
    for role in ["ip-role-a", "ip-role-b"] {
        assert!(
            rt.block_on(client.get_role().role_name(role).send())
                .is_err()
        );
    }
}

const DOCUMENTS: &str = r#"
data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "s3" {
  statement {
    sid       = "List"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListAllMyBuckets"]
    resources = ["arn:aws:s3:::bucket"]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["home/", "home/&{aws:username}/"]
    }
  }
  statement {
    effect        = "Deny"
    not_actions   = ["iam:*"]
    not_resources = ["arn:aws:s3:::bucket/public/*", "arn:aws:s3:::bucket"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
  statement {
    actions = ["kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"]
    }
    principals {
      type        = "Service"
      identifiers = ["logs.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "merged" {
  source_policy_documents = [jsonencode({
    Version   = "2012-10-17"
    Statement = [
      { Sid = "Keep", Effect = "Allow", Action = ["ec2:Describe*", "ec2:Get*"], Resource = "*" },
      { Sid = "Mine", Effect = "Allow", Action = "s3:*", Resource = "*" },
    ]
  })]
  statement {
    sid       = "Mine"
    effect    = "Deny"
    actions   = ["s3:DeleteBucket"]
    resources = ["*"]
  }
  override_policy_documents = [jsonencode({
    Statement = [{ Sid = "Keep", Effect = "Allow", Action = "ec2:DescribeInstances", Resource = "*" }]
  })]
}

output "assume" { value = data.aws_iam_policy_document.assume.json }
output "assume_min" { value = data.aws_iam_policy_document.assume.minified_json }
output "assume_id" { value = data.aws_iam_policy_document.assume.id }
output "s3" { value = data.aws_iam_policy_document.s3.json }
output "merged" { value = data.aws_iam_policy_document.merged.minified_json }
"#;

/// Each expected document is what Terraform's AWS provider writes for the configuration
/// above: Version first, elements in its order, single values as strings, lists sorted in
/// reverse, `&{...}` as `${...}`, the principal `*`/`*` as `"*"`, two-space indentation.
#[test]
fn policy_document_matches_terraform() {
    let w = Work::new(DOCUMENTS);
    w.ok(&["apply", "-auto-approve"]);
    let outputs = w.state()["outputs"].clone();
    let output = |name: &str| outputs[name]["value"].as_str().unwrap().to_string();

    let assume = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "sts:AssumeRole",
      "Principal": {
        "Service": "ec2.amazonaws.com"
      }
    }
  ]
}"#;
    assert_eq!(output("assume"), assume);
    assert_eq!(
        output("assume_min"),
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ec2.amazonaws.com"}}]}"#
    );
    // The CRC-32 of the JSON, as Terraform's id.
    let id: u64 = output("assume_id").parse().unwrap();
    assert!(id > 0 && id <= u64::from(u32::MAX));

    let s3 = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "List",
      "Effect": "Allow",
      "Action": [
        "s3:ListBucket",
        "s3:ListAllMyBuckets",
        "s3:GetBucketLocation"
      ],
      "Resource": "arn:aws:s3:::bucket",
      "Condition": {
        "StringLike": {
          "s3:prefix": [
            "home/${aws:username}/",
            "home/"
          ]
        }
      }
    },
    {
      "Effect": "Deny",
      "NotAction": "iam:*",
      "NotResource": [
        "arn:aws:s3:::bucket/public/*",
        "arn:aws:s3:::bucket"
      ],
      "Principal": "*"
    },
    {
      "Effect": "Allow",
      "Action": "kms:Decrypt",
      "Resource": "*",
      "Principal": {
        "AWS": [
          "arn:aws:iam::222222222222:root",
          "arn:aws:iam::111111111111:root"
        ],
        "Service": "logs.amazonaws.com"
      }
    }
  ]
}"#;
    assert_eq!(output("s3"), s3);

    assert_eq!(
        output("merged"),
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"Keep","Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*"},{"Sid":"Mine","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#
    );

    // Read again at every plan, to the same text: no change.
    plan_exits(&w, 0);
}

const MANAGED: &str = r#"
resource "aws_iam_policy" "logs" {
  name        = "mp-logs"
  path        = "/infra/"
  description = "write logs"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:PutLogEvents", "logs:CreateLogStream"]
      Resource = "RESOURCE"
    }]
  })
  tags = {
    team = "platform"
  }
}

resource "aws_iam_role" "node" {
  name               = "mp-node"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}

resource "aws_iam_role_policy_attachment" "logs" {
  role       = aws_iam_role.node.name
  policy_arn = aws_iam_policy.logs.arn
}
"#;

#[test]
fn managed_policy_versions_attachment_and_import() {
    let w = Work::new("");
    let config = |resource: &str| MANAGED.replace("RESOURCE", resource);
    w.write(&config("*"));
    w.ok(&["apply", "-auto-approve"]);
    plan_exits(&w, 0);
    let arn = format!("arn:aws:iam::{ACCOUNT}:policy/infra/mp-logs");
    let attrs = w.attrs("aws_iam_policy.logs");
    assert_eq!(attrs["arn"], arn.as_str());
    assert_eq!(attrs["id"], arn.as_str());
    let client = iam(&w);
    let rt = runtime();
    let default_version = || {
        let p = rt
            .block_on(client.get_policy().policy_arn(&arn).send())
            .unwrap();
        let v = p
            .policy()
            .unwrap()
            .default_version_id()
            .unwrap()
            .to_string();
        let doc = rt
            .block_on(
                client
                    .get_policy_version()
                    .policy_arn(&arn)
                    .version_id(&v)
                    .send(),
            )
            .unwrap();
        (
            v,
            decoded(doc.policy_version().unwrap().document().unwrap()),
        )
    };
    assert_eq!(default_version().0, "v1");
    assert_eq!(attached_policies(&client, "mp-node"), vec![arn.clone()]);
    // Six new documents: each a new default version, the oldest dropped at IAM's five.
    for i in 1..=6 {
        let resource = format!("arn:aws:logs:*:*:log-group:app-{i}");
        w.write(&config(&resource));
        let plan = plan_exits(&w, 2);
        assert!(plan.contains("1 to change"), "{plan}");
        w.ok(&["apply", "-auto-approve"]);
        let (version, doc) = default_version();
        assert_eq!(version, format!("v{}", i + 1));
        assert_eq!(doc["Statement"][0]["Resource"], resource.as_str());
        plan_exits(&w, 0);
    }
    // With a delay (version 6), the new version is made, then made default.
    let resource = "arn:aws:logs:*:*:log-group:delayed";
    w.write(&config(resource).replace(
        "description = \"write logs\"",
        "description = \"write logs\"\n  delay_after_policy_creation_in_ms = 20",
    ));
    w.ok(&["apply", "-auto-approve"]);
    let (version, doc) = default_version();
    assert_eq!(version, "v8");
    assert_eq!(doc["Statement"][0]["Resource"], resource);
    plan_exits(&w, 0);
    // Only the configuration knows the delay (an import would not): dropped again here.
    w.write(&config(resource));
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(
        default_version().0,
        "v8",
        "no new version for the delay alone"
    );
    let versions = rt
        .block_on(client.list_policy_versions().policy_arn(&arn).send())
        .unwrap();
    assert_eq!(versions.versions().len(), 5);
    w.ok(&["state", "rm", "aws_iam_policy.logs"]);
    w.ok(&["import", "aws_iam_policy.logs", &arn]);
    assert_eq!(w.attrs("aws_iam_policy.logs")["path"], "/infra/");
    plan_exits(&w, 0);
    w.ok(&["destroy", "-auto-approve"]);
    let gone = rt.block_on(client.get_policy().policy_arn(&arn).send());
    assert!(gone.is_err(), "{gone:?}");
}

/// A role's inline policy names, sorted.
fn inline_policies(client: &aws_sdk_iam::Client, role: &str) -> Vec<String> {
    let out = runtime()
        .block_on(client.list_role_policies().role_name(role).send())
        .unwrap();
    let mut names = out.policy_names().to_vec();
    names.sort();
    names
}

#[test]
fn a_role_that_declares_its_policies_keeps_exactly_those() {
    let config = r#"
data "aws_iam_policy_document" "ec2" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_policy" "read" {
  name   = "excl-read"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }] })
}

resource "aws_iam_role" "node" {
  name               = "excl-node"
  assume_role_policy = data.aws_iam_policy_document.ec2.json

  inline_policy {
    name   = "logs"
    policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "logs:PutLogEvents", Resource = "*" }] })
  }

  managed_policy_arns = [aws_iam_policy.read.arn]
}
"#;
    let w = Work::new(config);
    w.ok(&["apply", "-auto-approve"]);
    let client = iam(&w);
    let read_arn = format!("arn:aws:iam::{ACCOUNT}:policy/excl-read");
    assert_eq!(inline_policies(&client, "excl-node"), ["logs"]);
    assert_eq!(
        attached_policies(&client, "excl-node"),
        std::slice::from_ref(&read_arn)
    );
    plan_exits(&w, 0);

    // Policies added behind infra's back are drift the next apply removes.
    runtime()
        .block_on(
            client
                .put_role_policy()
                .role_name("excl-node")
                .policy_name("extra")
                .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}"#)
                .send(),
        )
        .unwrap();
    let stray = runtime()
        .block_on(
            client
                .create_policy()
                .policy_name("excl-stray")
                .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}"#)
                .send(),
        )
        .unwrap();
    let stray_arn = stray.policy().unwrap().arn().unwrap().to_string();
    runtime()
        .block_on(
            client
                .attach_role_policy()
                .role_name("excl-node")
                .policy_arn(&stray_arn)
                .send(),
        )
        .unwrap();
    let plan = plan_exits(&w, 2);
    assert!(
        plan.contains("aws_iam_role.node will be updated in-place"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(inline_policies(&client, "excl-node"), ["logs"]);
    assert_eq!(attached_policies(&client, "excl-node"), [read_arn]);
    plan_exits(&w, 0);

    // The role's own policies go with it.
    w.ok(&["destroy", "-auto-approve"]);
    assert!(
        runtime()
            .block_on(client.get_role().role_name("excl-node").send())
            .is_err()
    );
}
