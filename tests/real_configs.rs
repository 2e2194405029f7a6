//! Third-party configurations, unchanged, against moto: each under `fixtures/real/` (with its
//! licence; `fixtures/real/SOURCES.md` names the repository and commit) is planned, applied,
//! planned again with nothing to do, and destroyed to nothing. Where a configuration is a
//! module rather than a root, a small root of this project's calls it as its README does.

mod support;

use std::path::Path;
use support::{Work, copy_dir};

/// A working directory holding the fixture at `fixture/` and `root` (when given) as the
/// root module's main.tf beside it.
fn work_with(fixture: &str, root: Option<&str>) -> Work {
    let w = Work::new("");
    std::fs::remove_file(w.path().join("main.tf")).unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/real")
        .join(fixture);
    let to = w.path().join(fixture);
    std::fs::create_dir_all(&to).unwrap();
    copy_dir(&from, &to);
    if let Some(root) = root {
        std::fs::create_dir_all(w.path().join("root")).unwrap();
        std::fs::write(w.path().join("root/main.tf"), root).unwrap();
    }
    w
}

/// Plan, apply, a clean re-plan and destroy in `dir` (relative to the working directory), with
/// `args` (variables) on each; answers how many resources the apply made.
fn lifecycle(w: &Work, dir: &str, args: &[&str]) -> usize {
    let with = |cmd: &[&str]| {
        let mut all = vec![format!("-chdir={dir}")];
        all.extend(cmd.iter().map(|s| s.to_string()));
        all.extend(args.iter().map(|s| s.to_string()));
        all
    };
    let run = |cmd: &[&str]| {
        let all = with(cmd);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        w.infra(&refs)
    };
    let ok = |cmd: &[&str]| {
        let out = run(cmd);
        assert!(
            out.status.success(),
            "infra {cmd:?} in {dir} failed:\n{}\n{}",
            support::text(&out.stdout),
            support::text(&out.stderr)
        );
        support::text(&out.stdout)
    };
    ok(&["plan"]);
    let applied = ok(&["apply", "-auto-approve"]);
    let made = applied
        .lines()
        .find_map(|l| l.strip_prefix("Apply complete! Resources: "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("apply says how many it added:\n{applied}"));
    support::assert_unchanged(&run(&["plan", "-detailed-exitcode"]));
    let destroyed = ok(&["destroy", "-auto-approve"]);
    assert!(destroyed.contains("Destroy complete!"), "{destroyed}");
    let listed = ok(&["state", "list"]);
    assert!(
        listed.trim().is_empty(),
        "state is empty after destroy:\n{listed}"
    );
    assert!(
        w.tagged_objects().is_empty(),
        "nothing tagged by infra is left: {:?}",
        w.tagged_objects()
    );
    made
}

/// hashicorp/terraform-aws-consul, its root example: two autoscaling groups of Consul
/// servers and clients with their launch configurations, IAM roles and security group rules,
/// on the image its data source finds.
#[test]
fn hashicorp_consul_cluster() {
    let w = work_with("terraform-aws-consul", None);
    let made = lifecycle(&w, "terraform-aws-consul", &[]);
    assert!(
        made >= 40,
        "the cluster has its groups, roles and rules: {made}"
    );
}

/// terraform-aws-modules/terraform-aws-autoscaling, called as its complete example's
/// default group: a launch template and an autoscaling group in the default VPC.
#[test]
fn terraform_aws_modules_autoscaling_group() {
    let root = r#"
data "aws_vpc" "default" {
  default = true
}

data "aws_subnets" "default" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default.id]
  }
}

data "aws_ami" "amazon_linux" {
  most_recent = true
  owners      = ["amazon"]
  name_regex  = "^amzn2-ami-hvm-.*-x86_64-gp2"
}

module "default" {
  source = "../terraform-aws-autoscaling"

  name = "default"

  vpc_zone_identifier = data.aws_subnets.default.ids
  min_size            = 0
  max_size            = 2
  desired_capacity    = 2

  image_id      = data.aws_ami.amazon_linux.id
  instance_type = "t3.micro"

  tags = {
    Example = "default"
  }
}
"#;
    let w = work_with("terraform-aws-autoscaling", Some(root));
    let made = lifecycle(&w, "root", &[]);
    assert_eq!(made, 2, "a launch template and a group");
}
