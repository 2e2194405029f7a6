//! Missing AWS credentials are one short message, said once, naming what was tried and how to
//! fix it: not the SDK's debug structure once per data source.

mod support;

fn without_credentials(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = support::command_in(dir, args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        // No instance metadata on a test machine: the chain must not wait for it.
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
fn missing_credentials_are_reported_once_with_what_was_tried() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("main.tf"),
        r#"provider "aws" {}
data "aws_ami" "a" {
  most_recent = true
  owners      = ["amazon"]
}
data "aws_availability_zones" "z" {}
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
"#,
    )
    .unwrap();
    let (code, err) = without_credentials(d.path(), &["plan"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.matches("no AWS credentials").count(), 1, "{err}");
    assert!(
        !err.contains("DispatchFailure") && !err.contains("ProviderChainError"),
        "{err}"
    );
    for needle in [
        "AWS_ACCESS_KEY_ID",
        "SSO",
        "instance metadata",
        "AWS_PROFILE=",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }

    // The state backend says the same, naming the bucket and key.
    std::fs::write(
        d.path().join("backend.tf"),
        "terraform {\n  backend \"s3\" {\n    bucket = \"b\"\n    key = \"k/terraform.tfstate\"\n    region = \"eu-west-1\"\n  }\n}\n",
    )
    .unwrap();
    let (code, err) = without_credentials(d.path(), &["init"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("s3://b/k/terraform.tfstate: no AWS credentials"),
        "{err}"
    );
    assert_eq!(err.matches("no AWS credentials").count(), 1, "{err}");
}
