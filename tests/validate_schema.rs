//! `infra validate` knows every type's schema (built in: offline, no credentials, instant) and
//! rejects what plan would: an unknown type, a misspelled argument or nested block (also inside
//! nested blocks), a required argument missing, arguments that conflict, a value of the wrong
//! type where it is known. Each error points at the offending token.

mod support;

const BAD: &str = r#"provider "aws" {}

resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_security_group" "g" {
  name   = "x"
  vpc_id = aws_vpc.v.id
  ingress {
    from_port   = 1
    to_port     = 1
    protocol    = "tcp"
    cidr_blokcs = ["0.0.0.0/0"]
  }
  egres {
    from_port = 1
  }
}

resource "aws_vpcc" "w" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "s" {
  cidr_block = "10.0.1.0/24"
}

data "aws_amii" "a" {
  most_recent = true
}

resource "aws_security_group" "c" {
  name        = "c"
  name_prefix = "c-"
}

resource "aws_vpc" "t" {
  cidr_block         = "10.0.0.0/16"
  enable_dns_support = "sometimes"
  tags               = "not-a-map"
}
"#;

/// infra run with no cloud reachable (validate must not need one): its exit code and stderr.
fn infra_offline(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = support::command_in(dir, args)
        // No cloud at all: validate must not need one.
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_ACCESS_KEY_ID", "none")
        .env("AWS_SECRET_ACCESS_KEY", "none")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "eu-west-1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn validate_rejects_unknown_types_arguments_and_blocks_at_their_tokens() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("main.tf"), BAD).unwrap();
    let (code, err) = infra_offline(d.path(), &["validate"]);
    assert_eq!(code, 1, "{err}");
    for (needle, location) in [
        (
            "\"cidr_blokcs\" is not expected here. Did you mean \"cidr_blocks\"?",
            "main.tf:14:5",
        ),
        (
            "blocks of type \"egres\" are not expected here. Did you mean \"egress\"?",
            "main.tf:16:3",
        ),
        (
            "no resource type \"aws_vpcc\". Did you mean \"aws_vpc\"?",
            "main.tf:21:1",
        ),
        (
            "aws_subnet.s: the argument \"vpc_id\" is required",
            "main.tf:25:1",
        ),
        (
            "no data source \"aws_amii\". Did you mean \"aws_ami\"?",
            "main.tf:29:1",
        ),
        (
            "aws_security_group.c: \"name_prefix\": conflicts with name",
            "main.tf:35:3",
        ),
        (
            "aws_vpc.t: inappropriate value for attribute \"enable_dns_support\"",
            "main.tf:40:24",
        ),
        (
            "aws_vpc.t: inappropriate value for attribute \"tags\"",
            "main.tf:41:24",
        ),
    ] {
        let at = err
            .find(needle)
            .unwrap_or_else(|| panic!("{needle}: {err}"));
        // The location is printed just before the message's block.
        let before = &err[..at];
        let last_location = before.rfind("--> ").map(|i| &before[i + 4..]).unwrap_or("");
        assert!(
            last_location.starts_with(&format!("./{location}"))
                || last_location.starts_with(location),
            "{needle} should be at {location}: {err}"
        );
    }
    // The plan refuses the same, before reading anything.
    let (code, plan_err) = infra_offline(d.path(), &["plan"]);
    assert_eq!(code, 1);
    assert!(
        plan_err.contains("cidr_blokcs") && plan_err.contains("egres"),
        "{plan_err}"
    );

    // A correct configuration (nested blocks, dynamic blocks, meta-blocks) passes.
    std::fs::write(
        d.path().join("main.tf"),
        r#"provider "aws" {}
variable "ports" {
  default = [80, 443]
}
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
  lifecycle {
    create_before_destroy = true
  }
}
resource "aws_security_group" "g" {
  name   = "x"
  vpc_id = aws_vpc.v.id
  dynamic "ingress" {
    for_each = var.ports
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
  timeouts {
    create = "5m"
  }
}
"#,
    )
    .unwrap();
    let (code, err) = infra_offline(d.path(), &["validate"]);
    assert_eq!(code, 0, "{err}");
}
