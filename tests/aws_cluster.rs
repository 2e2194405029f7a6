//! The whole example cluster against moto: network (VPC, three public and three private
//! subnets, internet gateway, NAT, routes), security groups, three roles (instance profile,
//! launch template, autoscaling group each) and an application load balancer. It applies,
//! re-plans to no changes, and destroys to an account with nothing of infra's left.

mod support;

use std::path::Path;
use support::{Work, runtime};

#[test]
fn the_example_cluster_applies_replans_clean_and_destroys_to_nothing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let w = Work::new("");
    support::copy_dir(
        &root.join("examples/aws-cluster"),
        &w.path().join("examples/aws-cluster"),
    );
    support::copy_dir(
        &root.join("modules/network"),
        &w.path().join("modules/network"),
    );
    let dir = "examples/aws-cluster";
    let region = w.region;
    let var = format!("-var=region={region}");
    w.ok(&["apply", "-auto-approve", &var, dir]);

    let out = w.infra(&["plan", "-detailed-exitcode", &var, dir]);
    support::assert_unchanged(&out);

    let rt = runtime();
    let cfg = w.sdk();
    let ec2 = w.ec2();
    let asg = aws_sdk_autoscaling::Client::new(&cfg);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&cfg);
    let tagged = w.tagged_objects();
    let count = |prefix: &str| tagged.keys().filter(|a| a.starts_with(prefix)).count();
    assert_eq!(count("module.network.aws_vpc."), 1);
    assert_eq!(count("module.network.aws_subnet.public"), 3);
    assert_eq!(count("module.network.aws_subnet.private"), 3);
    assert_eq!(count("module.network.aws_nat_gateway."), 1);
    assert_eq!(count("aws_security_group."), 2);
    assert_eq!(count("aws_launch_template."), 3);
    let groups = rt
        .block_on(asg.describe_auto_scaling_groups().send())
        .unwrap();
    let mut sizes: Vec<(String, usize)> = groups
        .auto_scaling_groups()
        .iter()
        .map(|g| {
            (
                g.auto_scaling_group_name().unwrap().to_string(),
                g.instances().len(),
            )
        })
        .collect();
    sizes.sort();
    assert_eq!(
        sizes,
        [
            ("demo-master".to_string(), 1),
            ("demo-private-agent".to_string(), 3),
            ("demo-public-agent".to_string(), 2)
        ]
    );
    let lbs = rt.block_on(elb.describe_load_balancers().send()).unwrap();
    assert_eq!(lbs.load_balancers().len(), 1);
    let _ = ec2;

    w.ok(&["destroy", "-auto-approve", &var, dir]);
    assert!(w.tagged_objects().is_empty(), "{:?}", w.tagged_objects());
    let groups = rt
        .block_on(asg.describe_auto_scaling_groups().send())
        .unwrap();
    assert!(groups.auto_scaling_groups().is_empty());
    let lbs = rt.block_on(elb.describe_load_balancers().send()).unwrap();
    assert!(lbs.load_balancers().is_empty());
    let iam = aws_sdk_iam::Client::new(&cfg);
    let roles = rt.block_on(iam.list_roles().send()).unwrap();
    assert!(
        !roles
            .roles()
            .iter()
            .any(|r| r.role_name().starts_with("demo-")),
        "roles left"
    );
}
