//! Refresh by type: the number of API calls a plan makes does not grow with the number of
//! objects, and the order of deletes is the one AWS requires even though moto would accept
//! any order.

mod support;

use support::{Work, text};

fn calls(stderr: &str, op: &str) -> u64 {
    stderr
        .lines()
        .find_map(|l| {
            let mut parts = l.split_whitespace();
            (parts.next() == Some(op)).then(|| parts.next()?.parse().ok())?
        })
        .unwrap_or(0)
}

#[test]
fn a_plan_reads_each_type_with_one_call() {
    let w = Work::new(
        r#"
resource "aws_vpc" "main" {
  cidr_block = "10.30.0.0/16"
}

resource "aws_subnet" "many" {
  count      = 40
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
}
"#,
    );
    w.ok(&["apply", "-auto-approve"]);
    let out = w.infra(&["plan", "-detailed-exitcode", "--stats"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{}{err}", text(&out.stdout));
    // 40 subnets: one DescribeSubnets (by lineage tag), not forty.
    assert_eq!(calls(&err, "EC2:DescribeSubnets"), 1, "{err}");
    assert_eq!(calls(&err, "EC2:DescribeVpcs"), 1, "{err}");
}

#[test]
fn destroy_deletes_dependents_before_what_they_depend_on() {
    let w = Work::new(
        r#"
resource "aws_vpc" "main" {
  cidr_block = "10.31.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.31.1.0/24"
}

resource "aws_subnet" "b" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.31.2.0/24"
}
"#,
    );
    w.ok(&["apply", "-auto-approve"]);
    let out = w
        .command(&["destroy", "-auto-approve"])
        .env("INFRA_LOG", "infra=debug")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let log = text(&out.stderr);
    let deletes: Vec<&str> = log
        .lines()
        .filter_map(|l| l.split("operation=").nth(1))
        .map(|op| op.split_whitespace().next().unwrap_or(""))
        .filter(|op| op.contains(":Delete"))
        .collect();
    assert_eq!(
        deletes,
        ["EC2:DeleteSubnet", "EC2:DeleteSubnet", "EC2:DeleteVpc"],
        "{log}"
    );
}
