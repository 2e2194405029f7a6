//! examples/team-stacks against moto: two stacks, two pipelines, one bucket. The network
//! stack's state is in S3; the cluster stack reads its outputs with terraform_remote_state
//! and builds inside its VPC. Both re-plan clean, and destroy (cluster first) to nothing.

mod support;

use std::path::Path;
use support::s3::{STATE_REGION, bucket};
use support::{Work, moto, text};

#[test]
fn the_cluster_stack_builds_in_the_network_stacks_vpc_through_remote_state() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let b = bucket(&moto().endpoint());
    let w = Work::new("");
    support::copy_dir(
        &root.join("examples/team-stacks"),
        &w.path().join("examples/team-stacks"),
    );
    support::copy_dir(
        &root.join("modules/network"),
        &w.path().join("modules/network"),
    );
    let (net, cluster) = (
        "examples/team-stacks/network",
        "examples/team-stacks/cluster",
    );
    let backend = [
        format!("-backend-config=bucket={}", b.name),
        format!("-backend-config=region={STATE_REGION}"),
        "-backend-config=use_path_style=true".to_string(),
    ];
    let init = |dir: &str| {
        let mut args: Vec<&str> = vec!["init"];
        args.extend(backend.iter().map(String::as_str));
        args.push(dir);
        w.ok(&args);
    };
    let region = format!("-var=region={}", w.region);
    let cluster_vars = [
        region.clone(),
        format!("-var=state_bucket={}", b.name),
        format!("-var=state_region={STATE_REGION}"),
        "-var=state_use_path_style=true".to_string(),
    ];
    let with = |cmd: &[&str], vars: &[String], dir: &str| {
        let mut args: Vec<&str> = cmd.to_vec();
        args.extend(vars.iter().map(String::as_str));
        args.push(dir);
        args.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let run = |args: Vec<String>| {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        w.infra(&a)
    };

    init(net);
    init(cluster);
    // Before the network exists, the cluster's lookup says what is missing.
    let out = run(with(&["plan"], &cluster_vars, cluster));
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("vpc_id") || err.contains("outputs"), "{err}");

    let applied = run(with(
        &["apply", "-auto-approve"],
        std::slice::from_ref(&region),
        net,
    ));
    assert!(applied.status.success(), "{}", text(&applied.stderr));
    let applied = run(with(&["apply", "-auto-approve"], &cluster_vars, cluster));
    assert!(applied.status.success(), "{}", text(&applied.stderr));

    for (vars, dir) in [
        (vec![region.clone()], net),
        (cluster_vars.to_vec(), cluster),
    ] {
        let out = run(with(&["plan", "-detailed-exitcode"], &vars, dir));
        assert_eq!(
            out.status.code(),
            Some(0),
            "{dir}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }
    // Both states are in the bucket, none on disk.
    let mut keys = b.keys();
    keys.sort();
    assert_eq!(
        keys,
        [
            "team-stacks/cluster/terraform.tfstate",
            "team-stacks/network/terraform.tfstate"
        ]
    );
    assert!(!w.path().join(net).join("infra.tfstate").exists());
    let net_vpc =
        b.state("team-stacks/network/terraform.tfstate")["outputs"]["vpc_id"]["value"].clone();
    let cluster_vpc =
        b.state("team-stacks/cluster/terraform.tfstate")["outputs"]["vpc_id"]["value"].clone();
    assert!(net_vpc.as_str().unwrap().starts_with("vpc-"));
    assert_eq!(net_vpc, cluster_vpc);
    let tagged = w.tagged_objects();
    let sg = tagged
        .iter()
        .find(|(a, _)| a.as_str() == "aws_security_group.node")
        .map(|(_, id)| id.clone())
        .expect("the cluster's node group");
    let ec2 = w.ec2();
    let rt = support::runtime();
    let groups = rt
        .block_on(ec2.describe_security_groups().group_ids(&sg).send())
        .unwrap();
    assert_eq!(
        groups.security_groups()[0].vpc_id(),
        net_vpc.as_str(),
        "the cluster built inside the network stack's VPC"
    );

    let out = run(with(&["destroy", "-auto-approve"], &cluster_vars, cluster));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(with(
        &["destroy", "-auto-approve"],
        std::slice::from_ref(&region),
        net,
    ));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(w.tagged_objects().is_empty(), "{:?}", w.tagged_objects());
}
