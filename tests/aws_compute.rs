//! The compute resources against moto: launch templates and their versions, auto scaling
//! groups, launch configurations and instances; create, no-change re-plan, update in place,
//! replace, import and destroy, each checked by reading the emulator through the SDK.

mod support;

use support::{Work, runtime, text};

fn asg_client(w: &Work) -> aws_sdk_autoscaling::Client {
    aws_sdk_autoscaling::Client::new(&w.sdk())
}

/// The image every instance test launches: the newest Amazon Linux 2 of moto's catalogue.
const BASE_AMI: &str = r#"data "aws_ami" "base" {
  most_recent = true
  owners      = ["amazon"]
  filter {
    name   = "name"
    values = ["amzn2-ami-hvm-*-x86_64-gp2"]
  }
}"#;

fn group(w: &Work, name: &str) -> Option<aws_sdk_autoscaling::types::AutoScalingGroup> {
    runtime()
        .block_on(
            asg_client(w)
                .describe_auto_scaling_groups()
                .auto_scaling_group_names(name)
                .send(),
        )
        .unwrap()
        .auto_scaling_groups()
        .first()
        .cloned()
}

const NETWORK: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.30.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.30.1.0/24"
}
"#;

const TEMPLATE_AND_GROUP: &str = r#"
resource "aws_launch_template" "node" {
  name_prefix            = "node-"
  description            = "worker nodes"
  image_id               = "IMAGE"
  instance_type          = "TYPE"
  vpc_security_group_ids = [aws_vpc.main.default_security_group_id]
  update_default_version = true

  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 20
      volume_type = "gp3"
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags = {
      Name = "node"
    }
  }

  tags = {
    team = "platform"
  }
}

resource "aws_autoscaling_group" "nodes" {
  name                = "GROUP"
  min_size            = 1
  max_size            = MAX
  desired_capacity    = DESIRED
  vpc_zone_identifier = [aws_subnet.a.id]
  target_group_arns   = TARGETS

  launch_template {
    id      = aws_launch_template.node.id
    version = aws_launch_template.node.latest_version
  }

  tag {
    key                 = "Name"
    value               = "node"
    propagate_at_launch = true
  }
}
"#;

fn template_config(image: &str, ty: &str, group: &str, desired: u32) -> String {
    template_config_with_targets(image, ty, group, desired, &[])
}

fn template_config_with_targets(
    image: &str,
    ty: &str,
    group: &str,
    desired: u32,
    targets: &[&str],
) -> String {
    let targets = format!("{targets:?}");
    NETWORK.to_string()
        + &TEMPLATE_AND_GROUP
            .replace("TARGETS", &targets)
            .replace("IMAGE", image)
            .replace("TYPE", ty)
            .replace("GROUP", group)
            .replace("MAX", &(desired + 1).to_string())
            .replace("DESIRED", &desired.to_string())
}

#[test]
fn launch_template_versions_and_group_lifecycle() {
    let w = Work::new("");
    let (image, _) = w.two_images();
    w.write(&template_config(&image, "t3.micro", "nodes-a", 2));
    w.ok(&["apply", "-auto-approve"]);
    let rt = runtime();
    let ec2 = w.ec2();

    let lt = w.attrs("aws_launch_template.node");
    let lt_id = lt["id"].as_str().unwrap().to_string();
    assert!(lt_id.starts_with("lt-"), "{lt}");
    assert!(lt["name"].as_str().unwrap().starts_with("node-"), "{lt}");
    assert_eq!(lt["latest_version"], 1);
    assert_eq!(lt["default_version"], 1);
    assert!(lt["arn"].as_str().unwrap().contains(":launch-template/lt-"));
    let versions = rt
        .block_on(
            ec2.describe_launch_template_versions()
                .launch_template_id(&lt_id)
                .versions("$Latest")
                .send(),
        )
        .unwrap();
    let data = versions.launch_template_versions()[0]
        .launch_template_data()
        .unwrap();
    assert_eq!(data.image_id(), Some(image.as_str()));
    assert_eq!(data.instance_type().unwrap().as_str(), "t3.micro");

    let g = group(&w, "nodes-a").expect("the group exists");
    assert_eq!(g.desired_capacity(), Some(2));
    assert_eq!(g.instances().len(), 2);
    let spec = g.launch_template().unwrap();
    assert_eq!(spec.launch_template_id(), Some(lt_id.as_str()));
    assert_eq!(spec.version(), Some("1"));
    let subnet = w.attrs("aws_subnet.a")["id"].as_str().unwrap().to_string();
    assert_eq!(g.vpc_zone_identifier(), Some(subnet.as_str()));
    let lineage = w.state()["lineage"].as_str().unwrap().to_string();
    assert!(
        g.tags()
            .iter()
            .any(|t| t.key() == Some("infra:lineage") && t.value() == Some(lineage.as_str())),
        "infra tags the group: {:?}",
        g.tags()
    );
    let asg = w.attrs("aws_autoscaling_group.nodes");
    assert_eq!(asg["id"], "nodes-a");
    assert_eq!(asg["health_check_grace_period"], 300);
    assert_eq!(asg["wait_for_capacity_timeout"], "10m");
    w.assert_no_changes();

    // New template data: a new version in place, and the group moves to it.
    w.write(&template_config(&image, "t3.small", "nodes-a", 2));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("2 to change") && plan.contains("0 to destroy"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    let lt = w.attrs("aws_launch_template.node");
    assert_eq!(lt["id"], lt_id.as_str());
    assert_eq!(lt["latest_version"], 2);
    assert_eq!(lt["default_version"], 2);
    let templates = rt
        .block_on(
            ec2.describe_launch_templates()
                .launch_template_ids(&lt_id)
                .send(),
        )
        .unwrap();
    assert_eq!(
        templates.launch_templates()[0].default_version_number(),
        Some(2)
    );
    let g = group(&w, "nodes-a").unwrap();
    assert_eq!(g.launch_template().unwrap().version(), Some("2"));
    w.assert_no_changes();

    // A size change updates the group in place.
    w.write(&template_config(&image, "t3.small", "nodes-a", 3));
    w.ok(&["apply", "-auto-approve"]);
    let g = group(&w, "nodes-a").unwrap();
    assert_eq!((g.desired_capacity(), g.max_size()), (Some(3), Some(4)));
    assert_eq!(g.instances().len(), 3);
    assert_eq!(
        w.attrs("aws_autoscaling_group.nodes")["desired_capacity"],
        3
    );

    // Target groups attach and detach in place.
    let elbv2 = aws_sdk_elasticloadbalancingv2::Client::new(&w.sdk());
    let vpc_id = w.attrs("aws_vpc.main")["id"].as_str().unwrap().to_string();
    let tg = rt
        .block_on(
            elbv2
                .create_target_group()
                .name("nodes")
                .protocol(aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::Http)
                .port(80)
                .vpc_id(&vpc_id)
                .send(),
        )
        .unwrap();
    let tg_arn = tg.target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_string();
    w.write(&template_config_with_targets(
        &image,
        "t3.small",
        "nodes-a",
        3,
        &[&tg_arn],
    ));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("1 to change"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(
        group(&w, "nodes-a").unwrap().target_group_arns(),
        std::slice::from_ref(&tg_arn)
    );
    w.assert_no_changes();
    w.write(&template_config(&image, "t3.small", "nodes-a", 3));
    w.ok(&["apply", "-auto-approve"]);
    assert!(group(&w, "nodes-a").unwrap().target_group_arns().is_empty());

    // Import: forget both and adopt them again, with nothing left to change.
    w.ok(&[
        "state",
        "rm",
        "aws_launch_template.node",
        "aws_autoscaling_group.nodes",
    ]);
    w.ok(&["import", "aws_launch_template.node", &lt_id]);
    w.ok(&["import", "aws_autoscaling_group.nodes", "nodes-a"]);
    assert_eq!(w.attrs("aws_autoscaling_group.nodes")["id"], "nodes-a");
    // Only update_default_version, which AWS does not keep, is left: a change of state alone.
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("+ update_default_version = true") && plan.contains("1 to change"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(w.attrs("aws_launch_template.node")["latest_version"], 2);
    w.assert_no_changes();

    // A new name replaces the group.
    w.write(&template_config(&image, "t3.small", "nodes-b", 3));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("must be replaced"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    assert!(group(&w, "nodes-a").is_none(), "the old group is gone");
    assert_eq!(group(&w, "nodes-b").unwrap().instances().len(), 3);

    w.ok(&["destroy", "-auto-approve"]);
    assert!(group(&w, "nodes-b").is_none());
    let left = rt.block_on(ec2.describe_launch_templates().send()).unwrap();
    assert!(
        left.launch_templates()
            .iter()
            .all(|t| t.launch_template_id() != Some(lt_id.as_str())),
        "{left:?}"
    );
}

const CONFIGURATION_AND_GROUP: &str = r##"
resource "aws_launch_configuration" "node" {
  name_prefix   = "node-"
  image_id      = "IMAGE"
  instance_type = "TYPE"
  user_data     = "#!/bin/sh\necho hi\n"

  root_block_device {
    volume_size = 16
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_autoscaling_group" "nodes" {
  name                      = "legacy"
  min_size                  = 1
  max_size                  = 2
  launch_configuration      = aws_launch_configuration.node.name
  vpc_zone_identifier       = [aws_subnet.a.id]
  wait_for_capacity_timeout = "0"
  force_delete              = true
}
"##;

#[test]
fn launch_configuration_is_replaced_never_updated() {
    let w = Work::new("");
    let (image, _) = w.two_images();
    let config = |ty: &str| {
        NETWORK.to_string()
            + &CONFIGURATION_AND_GROUP
                .replace("IMAGE", &image)
                .replace("TYPE", ty)
    };
    w.write(&config("t3.micro"));
    w.ok(&["apply", "-auto-approve"]);
    let lc = w.attrs("aws_launch_configuration.node");
    let name = lc["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("node-"), "{lc}");
    assert_eq!(
        lc["user_data"].as_str().unwrap().len(),
        40,
        "Terraform keeps the SHA-1 of user_data: {lc}"
    );
    let asg = asg_client(&w);
    let rt = runtime();
    let described = |n: &str| {
        rt.block_on(
            asg.describe_launch_configurations()
                .launch_configuration_names(n)
                .send(),
        )
        .unwrap()
        .launch_configurations()
        .to_vec()
    };
    let got = described(&name);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].instance_type(), Some("t3.micro"));
    assert_eq!(
        group(&w, "legacy").unwrap().launch_configuration_name(),
        Some(name.as_str())
    );
    w.assert_no_changes();

    // Any change is a new configuration; the group moves to it in place.
    w.write(&config("t3.small"));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("must be replaced"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    let new_name = w.attrs("aws_launch_configuration.node")["name"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_name, name);
    assert!(described(&name).is_empty(), "the old configuration is gone");
    assert_eq!(described(&new_name)[0].instance_type(), Some("t3.small"));
    assert_eq!(
        group(&w, "legacy").unwrap().launch_configuration_name(),
        Some(new_name.as_str())
    );

    w.ok(&["state", "rm", "aws_launch_configuration.node"]);
    w.ok(&["import", "aws_launch_configuration.node", &new_name]);
    w.assert_no_changes();

    w.ok(&["destroy", "-auto-approve"]);
    assert!(described(&new_name).is_empty());
    assert!(group(&w, "legacy").is_none());
}

const BASTION: &str = r##"
resource "aws_instance" "bastion" {
  ami                    = "IMAGE"
  instance_type          = "TYPE"
  subnet_id              = aws_subnet.a.id
  vpc_security_group_ids = [aws_vpc.main.default_security_group_id]
  user_data              = "#!/bin/sh\necho bastion\n"

  tags = {
    Name = "bastion"
  }
}
"##;

#[test]
fn instance_lifecycle() {
    let w = Work::new("");
    let (image, other_image) = w.two_images();
    let config = |image: &str, ty: &str| {
        NETWORK.to_string() + &BASTION.replace("IMAGE", image).replace("TYPE", ty)
    };
    w.write(&config(&image, "t3.micro"));
    w.ok(&["apply", "-auto-approve"]);
    let ec2 = w.ec2();
    let rt = runtime();
    let describe = |id: &str| {
        rt.block_on(
            ec2.describe_instances()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("instance-id")
                        .values(id)
                        .build(),
                )
                .send(),
        )
        .unwrap()
        .reservations()
        .iter()
        .flat_map(|r| r.instances().to_vec())
        .next()
    };
    let a = w.attrs("aws_instance.bastion");
    let id = a["id"].as_str().unwrap().to_string();
    assert_eq!(a["instance_state"], "running");
    assert!(
        a["private_ip"].as_str().unwrap().starts_with("10.30.1."),
        "{a}"
    );
    assert_eq!(a["user_data"].as_str().unwrap().len(), 40);
    let i = describe(&id).unwrap();
    assert_eq!(i.state().unwrap().name().unwrap().as_str(), "running");
    assert_eq!(i.instance_type().unwrap().as_str(), "t3.micro");
    w.assert_no_changes();

    // The type changes in place (stop, modify, start): same instance.
    w.write(&config(&image, "t3.small"));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("1 to change"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(w.attrs("aws_instance.bastion")["id"], id.as_str());
    let i = describe(&id).unwrap();
    assert_eq!(i.instance_type().unwrap().as_str(), "t3.small");
    assert_eq!(i.state().unwrap().name().unwrap().as_str(), "running");
    w.assert_no_changes();

    w.ok(&["state", "rm", "aws_instance.bastion"]);
    w.ok(&["import", "aws_instance.bastion", &id]);
    w.assert_no_changes();

    // A new image replaces it.
    w.write(&config(&other_image, "t3.small"));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("must be replaced"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    let new_id = w.attrs("aws_instance.bastion")["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_id, id);
    assert_eq!(
        describe(&id)
            .unwrap()
            .state()
            .unwrap()
            .name()
            .unwrap()
            .as_str(),
        "terminated"
    );

    w.ok(&["destroy", "-auto-approve"]);
    assert_eq!(
        describe(&new_id)
            .unwrap()
            .state()
            .unwrap()
            .name()
            .unwrap()
            .as_str(),
        "terminated"
    );
}

const GROUP_SETTINGS: &str = r#"
resource "aws_launch_template" "node" {
  name_prefix   = "node-"
  image_id      = "IMAGE"
  instance_type = "t3.micro"
}

resource "aws_autoscaling_group" "tuned" {
  name                    = "tuned"
  min_size                = 0
  max_size                = 2
  desired_capacity        = 0
  vpc_zone_identifier     = [aws_subnet.a.id]
  protect_from_scale_in   = PROTECT
  max_instance_lifetime   = LIFETIME
  capacity_rebalance      = true
  default_instance_warmup = 60
  termination_policies    = ["Default"]
  suspended_processes     = PROCESSES
  enabled_metrics         = ["GroupDesiredCapacity", "GroupInServiceInstances"]

  launch_template {
    id      = aws_launch_template.node.id
    version = "$Latest"
  }
}
"#;

fn settings_config(image: &str, protect: bool, lifetime: u32) -> String {
    let processes = if protect {
        r#"["AZRebalance"]"#
    } else {
        r#"["ReplaceUnhealthy"]"#
    };
    NETWORK.to_string()
        + &GROUP_SETTINGS
            .replace("PROCESSES", processes)
            .replace("IMAGE", image)
            .replace("PROTECT", &protect.to_string())
            .replace("LIFETIME", &lifetime.to_string())
}

/// Arguments real configurations set on groups (scale-in protection, instance lifetime,
/// capacity rebalancing, warm-up, `termination_policies = ["Default"]`, suspended processes,
/// metrics) reach AWS, read back without a diff, and update in place.
#[test]
fn group_settings_reach_aws_and_read_back_clean() {
    let w = Work::new("");
    let (image, _) = w.two_images();
    w.write(&settings_config(&image, true, 86400));
    w.ok(&["apply", "-auto-approve"]);
    let g = group(&w, "tuned").expect("the group exists");
    assert_eq!(g.new_instances_protected_from_scale_in(), Some(true));
    assert_eq!(g.capacity_rebalance(), Some(true));
    assert_eq!(g.termination_policies(), ["Default"]);
    let processes = |g: &aws_sdk_autoscaling::types::AutoScalingGroup| -> Vec<String> {
        let names = g
            .suspended_processes()
            .iter()
            .filter_map(|p| p.process_name());
        names.map(str::to_string).collect()
    };
    assert_eq!(processes(&g), ["AZRebalance"]);
    let mut metrics: Vec<&str> = g
        .enabled_metrics()
        .iter()
        .filter_map(|m| m.metric())
        .collect();
    metrics.sort();
    assert_eq!(metrics, ["GroupDesiredCapacity", "GroupInServiceInstances"]);
    // moto keeps neither the instance lifetime nor the warm-up (README): they stand as
    // configured, and a change still plans as an update.
    let attrs = w.attrs("aws_autoscaling_group.tuned");
    assert_eq!(
        attrs["termination_policies"],
        serde_json::json!(["Default"])
    );
    assert_eq!(attrs["max_instance_lifetime"], 86400);
    assert_eq!(attrs["default_instance_warmup"], 60);
    assert_eq!(attrs["protect_from_scale_in"], true);
    w.assert_no_changes();

    w.write(&settings_config(&image, false, 172800));
    let plan = w.ok(&["plan", "-no-color"]);
    assert!(plan.contains("~ max_instance_lifetime"), "{plan}");
    assert!(plan.contains("1 to change, 0 to destroy"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    let g = group(&w, "tuned").expect("the group exists");
    assert_eq!(g.new_instances_protected_from_scale_in(), Some(false));
    assert_eq!(processes(&g), ["ReplaceUnhealthy"]);
    let attrs = w.attrs("aws_autoscaling_group.tuned");
    assert_eq!(attrs["max_instance_lifetime"], 172800);
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
    assert!(group(&w, "tuned").is_none());
}

/// An instance's metadata options reach AWS at launch, read back without a diff, and change in
/// place (ModifyInstanceMetadataOptions, no replacement); its DNS names are read.
#[test]
fn instance_metadata_options_dns_names_forwarding_check_and_ebs_optimization() {
    let w = Work::new("");
    let (image, _) = w.two_images();
    let config = |hops: u32| {
        NETWORK.to_string()
            + &format!(
                r#"
resource "aws_instance" "node" {{
  ami               = "{image}"
  instance_type     = "t3.micro"
  subnet_id         = aws_subnet.a.id
  ebs_optimized           = true
  source_dest_check       = {}
  disable_api_termination = {}

  metadata_options {{
    http_tokens                 = "required"
    http_put_response_hop_limit = {hops}
  }}
}}
"#,
                hops == 2,
                hops == 3
            )
    };
    w.write(&config(2));
    w.ok(&["apply", "-auto-approve"]);
    let a = w.attrs("aws_instance.node");
    let id = a["id"].as_str().unwrap().to_string();
    assert!(
        a["private_dns"].as_str().is_some_and(|d| !d.is_empty()),
        "{a}"
    );
    let options = || {
        let out = runtime()
            .block_on(w.ec2().describe_instances().instance_ids(&id).send())
            .unwrap();
        let i = out.reservations()[0].instances()[0].clone();
        let m = i.metadata_options().unwrap().clone();
        (
            m.http_tokens().map(|t| t.as_str().to_string()),
            m.http_put_response_hop_limit(),
            i.source_dest_check(),
            i.ebs_optimized(),
        )
    };
    assert_eq!(
        options(),
        (Some("required".into()), Some(2), Some(true), Some(true))
    );
    w.assert_no_changes();

    w.write(&config(3));
    let plan = w.ok(&["plan", "-no-color"]);
    assert!(plan.contains("1 to change, 0 to destroy"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(
        w.attrs("aws_instance.node")["id"],
        id.as_str(),
        "updated in place"
    );
    // The forwarding check turned off in place (a NAT instance's setting).
    assert_eq!(
        options(),
        (Some("required".into()), Some(3), Some(false), Some(true))
    );
    w.assert_no_changes();
    // Termination protection on: destroy is refused by EC2, named, and nothing is lost.
    let protected = || {
        runtime()
            .block_on(
                w.ec2()
                    .describe_instance_attribute()
                    .instance_id(&id)
                    .attribute(aws_sdk_ec2::types::InstanceAttributeName::DisableApiTermination)
                    .send(),
            )
            .unwrap()
            .disable_api_termination()
            .and_then(|v| v.value())
    };
    assert_eq!(protected(), Some(true));
    let out = w.infra(&["destroy", "-auto-approve"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("ec2:TerminateInstances"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(w.attrs("aws_instance.node")["id"], id.as_str());
    // What the instance needs is kept while it stands (moto would delete the subnet anyway).
    let said = text(&out.stdout) + &text(&out.stderr);
    assert!(!said.contains("aws_subnet.a: Destroying"), "{said}");
    w.assert_no_changes();
    // `force_destroy` (version 6) lifts the protection first: destroy goes through.
    w.write(&config(3).replace(
        "disable_api_termination = true",
        "disable_api_termination = true\n  force_destroy           = true",
    ));
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(w.attrs("aws_instance.node")["force_destroy"], true);
    assert_eq!(protected(), Some(true), "protected until destroyed");
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
    let out = runtime()
        .block_on(w.ec2().describe_instances().instance_ids(&id).send())
        .unwrap();
    let state = out.reservations()[0].instances()[0]
        .state()
        .cloned()
        .unwrap();
    assert_eq!(state.name().map(|n| n.as_str()), Some("terminated"));
}

const TEMPLATE_OPTIONS: &str = r#"
resource "aws_launch_template" "options" {
  name                                 = "options"
  image_id                             = "IMAGE"
  instance_type                        = "t3.micro"
  ebs_optimized                        = "true"
  disable_api_stop                     = false
  disable_api_termination              = true
  instance_initiated_shutdown_behavior = "terminate"

  monitoring {
    enabled = true
  }

  placement {
    availability_zone = "ZONE"
    tenancy           = "default"
  }

  credit_specification {
    cpu_credits = "CREDITS"
  }

  cpu_options {
    core_count       = 1
    threads_per_core = 2
  }

  instance_market_options {
    market_type = "spot"
    spot_options {
      instance_interruption_behavior = "terminate"
      max_price                      = "0.05"
      spot_instance_type             = "one-time"
    }
  }

  capacity_reservation_specification {
    capacity_reservation_preference = "open"
  }

  license_specification {
    license_configuration_arn = "arn:aws:license-manager:ZONE:123456789012:license-configuration:lic-0123456789abcdef0123456789abcdef"
  }

  enclave_options {
    enabled = false
  }

  hibernation_options {
    configured = false
  }

  maintenance_options {
    auto_recovery = "default"
  }

  private_dns_name_options {
    enable_resource_name_dns_a_record = true
    hostname_type                     = "resource-name"
  }

  network_performance_options {
    bandwidth_weighting = "vpc-1"
  }

  secondary_interfaces {
    secondary_subnet_id  = "ss-0a1b2c3d4e5f60718"
    network_card_index   = 1
    private_ip_addresses = ["10.50.0.10", "10.50.0.11"]
  }

  secondary_interfaces {
    secondary_subnet_id      = "ss-0a1b2c3d4e5f60719"
    network_card_index       = 2
    private_ip_address_count = 1
  }

  block_device_mappings {
    device_name = "/dev/xvdb"
    ebs {
      volume_size = 50
      volume_type = "gp3"
      throughput  = 250
      iops        = 4000
      encrypted   = "true"
    }
  }

  block_device_mappings {
    device_name  = "/dev/xvdc"
    virtual_name = "ephemeral0"
  }

  network_interfaces {
    device_index       = 0
    description        = "primary"
    ipv4_address_count = 2
    interface_type     = "interface"
    ena_queue_count    = 4

    connection_tracking_specification {
      tcp_established_timeout = 3600
      udp_timeout             = 60
    }

    ena_srd_specification {
      ena_srd_enabled = true
      ena_srd_udp_specification {
        ena_srd_udp_enabled = true
      }
    }
  }
}
"#;

#[test]
fn launch_template_options_reach_aws_read_back_clean_and_version_on_change() {
    let w = Work::new("");
    let (image, _) = w.two_images();
    let zone = format!("{}a", w.region);
    let config = |credits: &str| {
        TEMPLATE_OPTIONS
            .replace("IMAGE", &image)
            .replace("ZONE", &zone)
            .replace("CREDITS", credits)
    };
    w.write(&config("standard"));
    w.ok(&["apply", "-auto-approve"]);
    w.assert_no_changes();
    let ec2 = w.ec2();
    let version = |v: &str| {
        let out = runtime()
            .block_on(
                ec2.describe_launch_template_versions()
                    .launch_template_name("options")
                    .versions(v)
                    .send(),
            )
            .unwrap();
        out.launch_template_versions()[0]
            .launch_template_data()
            .cloned()
            .unwrap()
    };
    let d = version("1");
    assert_eq!(d.ebs_optimized(), Some(true));
    assert_eq!(d.disable_api_termination(), Some(true));
    assert_eq!(d.monitoring().and_then(|m| m.enabled()), Some(true));
    assert_eq!(
        d.placement().and_then(|p| p.availability_zone()),
        Some(zone.as_str())
    );
    assert_eq!(
        d.credit_specification().and_then(|c| c.cpu_credits()),
        Some("standard")
    );
    assert_eq!(d.cpu_options().and_then(|c| c.core_count()), Some(1));
    let market = d.instance_market_options().unwrap();
    assert_eq!(market.market_type().map(|m| m.as_str()), Some("spot"));
    assert_eq!(
        market.spot_options().and_then(|s| s.max_price()),
        Some("0.05")
    );
    assert_eq!(d.license_specifications().len(), 1);
    let devices = d.block_device_mappings();
    assert_eq!(devices.len(), 2);
    assert_eq!(devices[0].ebs().and_then(|e| e.throughput()), Some(250));
    assert_eq!(devices[1].virtual_name(), Some("ephemeral0"));
    let nic = &d.network_interfaces()[0];
    assert_eq!(nic.description(), Some("primary"));
    assert_eq!(nic.secondary_private_ip_address_count(), Some(2));
    assert_eq!(nic.ena_queue_count(), Some(4));
    let tracking = nic.connection_tracking_specification().unwrap();
    assert_eq!(tracking.tcp_established_timeout(), Some(3600));
    assert_eq!(tracking.udp_timeout(), Some(60));
    assert_eq!(tracking.udp_stream_timeout(), None);
    let ena = nic.ena_srd_specification().unwrap();
    assert_eq!(ena.ena_srd_enabled(), Some(true));
    assert_eq!(
        ena.ena_srd_udp_specification()
            .and_then(|u| u.ena_srd_udp_enabled()),
        Some(true)
    );
    assert_eq!(
        d.private_dns_name_options()
            .and_then(|p| p.hostname_type())
            .map(|h| h.as_str()),
        Some("resource-name")
    );
    assert_eq!(
        d.network_performance_options()
            .and_then(|o| o.bandwidth_weighting())
            .map(|b| b.as_str()),
        Some("vpc-1")
    );
    let secondary = d.secondary_interfaces();
    assert_eq!(secondary.len(), 2);
    assert_eq!(secondary[0].private_ip_addresses().len(), 2);
    assert_eq!(
        secondary[1].secondary_subnet_id(),
        Some("ss-0a1b2c3d4e5f60719")
    );
    assert_eq!(secondary[1].network_card_index(), Some(2));
    // One option changed: a new version with it, and a clean plan after.
    w.write(&config("unlimited"));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("~ cpu_credits = \"standard\" -> \"unlimited\""),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(w.attrs("aws_launch_template.options")["latest_version"], 2);
    assert_eq!(
        version("2")
            .credit_specification()
            .and_then(|c| c.cpu_credits()),
        Some("unlimited")
    );
    w.assert_no_changes();
    // An import reads every option back.
    let id = w.attrs("aws_launch_template.options")["id"]
        .as_str()
        .unwrap()
        .to_string();
    w.ok(&["state", "rm", "aws_launch_template.options"]);
    w.ok(&["import", "aws_launch_template.options", &id]);
    let imported = w.attrs("aws_launch_template.options");
    assert_eq!(imported["monitoring"][0]["enabled"], true);
    assert_eq!(
        imported["instance_market_options"][0]["market_type"],
        "spot"
    );
    assert_eq!(
        imported["secondary_interfaces"][0]["private_ip_addresses"],
        serde_json::json!(["10.50.0.10", "10.50.0.11"])
    );
    w.ok(&["destroy", "-auto-approve"]);
}

#[test]
fn launch_configuration_devices_metadata_and_base64_user_data() {
    let w = Work::new("");
    let (image, _) = w.two_images();
    let config = r##"
resource "aws_launch_configuration" "disks" {
  name             = "disks"
  image_id         = "IMAGE"
  instance_type    = "t3.micro"
  user_data_base64 = base64encode("#!/bin/sh\necho hello\n")

  root_block_device {
    volume_size = 30
    volume_type = "gp3"
    throughput  = 200
  }

  ebs_block_device {
    device_name = "/dev/xvdb"
    volume_size = 100
    volume_type = "gp3"
    encrypted   = true
  }

  ebs_block_device {
    device_name = "/dev/xvdf"
    no_device   = true
  }

  ephemeral_block_device {
    device_name  = "/dev/xvdc"
    virtual_name = "ephemeral0"
  }

  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }
}
"##
    .replace("IMAGE", &image);
    w.write(&config);
    w.ok(&["apply", "-auto-approve"]);
    w.assert_no_changes();
    let asg = asg_client(&w);
    let out = runtime()
        .block_on(
            asg.describe_launch_configurations()
                .launch_configuration_names("disks")
                .send(),
        )
        .unwrap();
    let lc = &out.launch_configurations()[0];
    let devices: Vec<&str> = lc
        .block_device_mappings()
        .iter()
        .filter_map(|m| m.device_name())
        .collect();
    assert!(devices.contains(&"/dev/xvdb"), "{devices:?}");
    assert!(devices.contains(&"/dev/xvdc"), "{devices:?}");
    assert_eq!(
        lc.metadata_options()
            .and_then(|m| m.http_tokens())
            .map(|t| t.as_str()),
        Some("required")
    );
    let attrs = w.attrs("aws_launch_configuration.disks");
    assert_eq!(attrs["user_data"], serde_json::Value::Null);
    assert!(
        attrs["user_data_base64"]
            .as_str()
            .unwrap()
            .starts_with("IyEvYmluL3No")
    );
    // A disk of another size replaces the configuration.
    w.write(&config.replace("volume_size = 100", "volume_size = 200"));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("must be replaced"), "{plan}");
    w.ok(&["destroy", "-auto-approve"]);
}

const DEFAULT_TAGS: &str = r#"
provider "aws" {
  default_tags {
    tags = { team = "platform" }
  }
}
"#;

const DISKS: &str = r#"
resource "aws_instance" "disks" {
  ami               = "IMAGE"
  instance_type     = "t3.micro"
  subnet_id         = aws_subnet.a.id
  get_password_data = true

  root_block_device {
    volume_size = ROOT
    volume_type = "gp3"
    tags = {
      Name = "root-ROOT"
    }
  }

  ebs_block_device {
    device_name = "/dev/sdf"
    volume_size = 10
    volume_type = "gp2"
    tags = {
      Name = "data-ROOT"
    }
  }
}
"#;

#[test]
fn instance_volumes_at_launch_and_the_root_volume_resized_in_place() {
    let w = Work::new("");
    let (image, _) = w.two_images();
    // The provider's default tags go on each volume with the block's own (`tags_all`).
    let config = |root: u32| {
        DEFAULT_TAGS.to_string()
            + NETWORK
            + &DISKS
                .replace("IMAGE", &image)
                .replace("ROOT", &root.to_string())
    };
    w.write(&config(20));
    w.ok(&["apply", "-auto-approve"]);
    w.assert_no_changes();
    let attrs = w.attrs("aws_instance.disks");
    let id = attrs["id"].as_str().unwrap().to_string();
    let ec2 = w.ec2();
    let sizes = || {
        let out = runtime()
            .block_on(
                ec2.describe_volumes()
                    .filters(
                        aws_sdk_ec2::types::Filter::builder()
                            .name("attachment.instance-id")
                            .values(&id)
                            .build(),
                    )
                    .send(),
            )
            .unwrap();
        let mut v: Vec<i32> = out.volumes().iter().filter_map(|v| v.size()).collect();
        v.sort();
        v
    };
    assert_eq!(sizes(), vec![10, 20]);
    let mut tagged = volume_tags(&w, &id);
    tagged.sort();
    assert_eq!(
        tagged,
        [
            ["Name=data-20", "team=platform"],
            ["Name=root-20", "team=platform"]
        ]
    );
    let root = &attrs["root_block_device"][0];
    assert_eq!(root["tags"], serde_json::json!({"Name": "root-20"}));
    assert_eq!(
        root["tags_all"],
        serde_json::json!({"Name": "root-20", "team": "platform"})
    );
    // A bigger root volume is a change in place: the same instance, the volume modified.
    w.write(&config(30));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("~ volume_size = 20 -> 30"), "{plan}");
    assert!(plan.contains("1 to change"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(w.attrs("aws_instance.disks")["id"], id.as_str());
    assert_eq!(sizes(), vec![10, 30]);
    // The root block's tags are the root volume's, changed in place with it.
    let root_tag = || {
        let out = runtime()
            .block_on(
                ec2.describe_volumes()
                    .filters(
                        aws_sdk_ec2::types::Filter::builder()
                            .name("attachment.instance-id")
                            .values(&id)
                            .build(),
                    )
                    .send(),
            )
            .unwrap();
        out.volumes()
            .iter()
            .find(|v| v.size() == Some(30))
            .and_then(|v| v.tags().iter().find(|t| t.key() == Some("Name")))
            .and_then(|t| t.value())
            .map(str::to_string)
    };
    assert_eq!(root_tag().as_deref(), Some("root-30"));
    // So are a data volume's: a tag change keeps the instance (checked above) and its volume.
    let data_tag = runtime()
        .block_on(
            ec2.describe_volumes()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("attachment.instance-id")
                        .values(&id)
                        .build(),
                )
                .send(),
        )
        .unwrap()
        .volumes()
        .iter()
        .find(|v| v.size() == Some(10))
        .and_then(|v| v.tags().iter().find(|t| t.key() == Some("Name")))
        .and_then(|t| t.value())
        .map(str::to_string);
    assert_eq!(data_tag.as_deref(), Some("data-30"));
    // Password data is read (and is sensitive: never in a plan).
    let disks = w.attrs("aws_instance.disks");
    assert!(disks["password_data"].is_string(), "{disks}");
    w.assert_no_changes();
    // An import reads both blocks back whole.
    w.ok(&["state", "rm", "aws_instance.disks"]);
    w.ok(&["import", "aws_instance.disks", &id]);
    let imported = w.attrs("aws_instance.disks");
    assert_eq!(imported["root_block_device"][0]["volume_size"], 30);
    assert_eq!(imported["ebs_block_device"][0]["device_name"], "/dev/sdf");
    assert_eq!(
        imported["root_block_device"][0]["tags"],
        serde_json::json!({"Name": "root-30"})
    );
    assert_eq!(
        imported["ebs_block_device"][0]["tags_all"]["team"],
        "platform"
    );
    // Anything else about a data volume is fixed at launch: a new size replaces the instance.
    w.write(&config(30).replace("volume_size = 10", "volume_size = 12"));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_instance.disks must be replaced"),
        "{plan}"
    );
    w.ok(&["destroy", "-auto-approve"]);
}

#[test]
fn lifecycle_hooks_pause_a_groups_launches_and_change_in_place() {
    let w = Work::new("");
    let (image, _) = w.two_images();
    let hooks = |timeout: u32| {
        template_config(&image, "t3.micro", "hooked", 1).replace(
            "resource \"aws_autoscaling_group\" \"nodes\" {",
            "resource \"aws_autoscaling_group\" \"nodes\" {\n  initial_lifecycle_hook {\n    name                 = \"drain\"\n    lifecycle_transition = \"autoscaling:EC2_INSTANCE_TERMINATING\"\n    heartbeat_timeout    = 120\n  }\n",
        ) + &format!(
            r#"
resource "aws_autoscaling_lifecycle_hook" "boot" {{
  name                   = "boot"
  autoscaling_group_name = aws_autoscaling_group.nodes.name
  lifecycle_transition   = "autoscaling:EC2_INSTANCE_LAUNCHING"
  heartbeat_timeout      = {timeout}
  default_result         = "CONTINUE"
}}
"#
        )
    };
    w.write(&hooks(300));
    w.ok(&["apply", "-auto-approve"]);
    w.assert_no_changes();
    let asg = asg_client(&w);
    let described = || {
        runtime()
            .block_on(
                asg.describe_lifecycle_hooks()
                    .auto_scaling_group_name("hooked")
                    .lifecycle_hook_names("boot")
                    .send(),
            )
            .unwrap()
            .lifecycle_hooks()
            .to_vec()
    };
    let hook = &described()[0];
    assert_eq!(hook.heartbeat_timeout(), Some(300));
    assert_eq!(hook.default_result(), Some("CONTINUE"));
    // A new timeout is PutLifecycleHook again, in place.
    w.write(&hooks(600));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("~ heartbeat_timeout      = 300 -> 600"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(described()[0].heartbeat_timeout(), Some(600));
    w.assert_no_changes();
    w.ok(&["state", "rm", "aws_autoscaling_lifecycle_hook.boot"]);
    w.ok(&[
        "import",
        "aws_autoscaling_lifecycle_hook.boot",
        "hooked/boot",
    ]);
    assert_eq!(
        w.attrs("aws_autoscaling_lifecycle_hook.boot")["lifecycle_transition"],
        "autoscaling:EC2_INSTANCE_LAUNCHING"
    );
    w.ok(&["destroy", "-auto-approve"]);
    assert!(group(&w, "hooked").is_none());
}

#[test]
fn a_groups_legacy_tags_list_sits_beside_its_tag_blocks() {
    let w = Work::new("");
    let (image, _) = w.two_images();
    let config = |team: &str| {
        template_config(&image, "t3.micro", "legacy-tags", 1).replace(
            "  tag {\n    key                 = \"Name\"",
            &format!(
                "  tags = [\n    {{ key = \"team\", value = \"{team}\", propagate_at_launch = true }},\n    {{ key = \"cost\", value = \"ops\", propagate_at_launch = false }},\n  ]\n\n  tag {{\n    key                 = \"Name\""
            ),
        )
    };
    w.write(&config("web"));
    w.ok(&["apply", "-auto-approve"]);
    w.assert_no_changes();
    let tags = || {
        let g = group(&w, "legacy-tags").unwrap();
        let mut t: Vec<(String, String, bool)> = g
            .tags()
            .iter()
            .filter(|t| !t.key().unwrap().starts_with("infra:"))
            .map(|t| {
                (
                    t.key().unwrap().to_string(),
                    t.value().unwrap().to_string(),
                    t.propagate_at_launch().unwrap(),
                )
            })
            .collect();
        t.sort();
        t
    };
    assert_eq!(
        tags(),
        vec![
            ("Name".into(), "node".into(), true),
            ("cost".into(), "ops".into(), false),
            ("team".into(), "web".into(), true),
        ]
    );
    w.write(&config("api"));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("1 to change"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    assert!(tags().contains(&("team".into(), "api".into(), true)));
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
}

#[test]
fn a_group_waits_for_its_target_group_and_keeps_a_maintenance_policy() {
    let w = Work::new("");
    let (image, _) = w.two_images();
    let config = template_config_with_targets(
        &image,
        "t3.micro",
        "elb-wait",
        2,
        &["${aws_lb_target_group.web.arn}"],
    )
    .replace(
        "  tag {\n    key                 = \"Name\"",
        "  health_check_type     = \"ELB\"\n  wait_for_elb_capacity = 2\n\n  instance_maintenance_policy {\n    min_healthy_percentage = 90\n    max_healthy_percentage = 120\n  }\n\n  tag {\n    key                 = \"Name\"",
    ) + r#"
resource "aws_lb_target_group" "web" {
  name     = "elb-wait"
  port     = 80
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id
}
"#;
    w.write(&config);
    let out = w.infra(&["apply", "-auto-approve", "--stats"]);
    let log = text(&out.stderr);
    assert!(out.status.success(), "{log}");
    // The wait read the target group's health.
    assert!(log.contains("DescribeTargetHealth"), "{log}");
    w.assert_no_changes();
    let attrs = w.attrs("aws_autoscaling_group.nodes");
    assert_eq!(attrs["wait_for_elb_capacity"], 2);
    assert_eq!(
        attrs["instance_maintenance_policy"][0]["max_healthy_percentage"],
        120
    );
    w.ok(&["destroy", "-auto-approve"]);
}

#[test]
fn a_schedule_resizes_a_group_on_a_recurrence() {
    let w = Work::new("");
    let (image, _) = w.two_images();
    let config = |desired: u32| {
        template_config(&image, "t3.micro", "scheduled", 1)
            + &format!(
                r#"
resource "aws_autoscaling_schedule" "night" {{
  scheduled_action_name  = "night"
  autoscaling_group_name = aws_autoscaling_group.nodes.name
  min_size               = 0
  max_size               = 2
  desired_capacity       = {desired}
  recurrence             = "0 22 * * *"
  start_time             = "2030-01-01T22:00:00Z"
}}
"#
            )
    };
    w.write(&config(0));
    w.ok(&["apply", "-auto-approve"]);
    w.assert_no_changes();
    let asg = asg_client(&w);
    let described = || {
        runtime()
            .block_on(
                asg.describe_scheduled_actions()
                    .auto_scaling_group_name("scheduled")
                    .send(),
            )
            .unwrap()
            .scheduled_update_group_actions()
            .to_vec()
    };
    let a = &described()[0];
    assert_eq!(a.recurrence(), Some("0 22 * * *"));
    assert_eq!(a.desired_capacity(), Some(0));
    w.write(&config(1));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("~ desired_capacity       = 0 -> 1"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(described()[0].desired_capacity(), Some(1));
    w.assert_no_changes();
    w.ok(&["state", "rm", "aws_autoscaling_schedule.night"]);
    w.ok(&[
        "import",
        "aws_autoscaling_schedule.night",
        "scheduled/night",
    ]);
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
    assert!(group(&w, "scheduled").is_none());
}

#[test]
fn scaling_policies_simple_step_target_tracking_and_predictive() {
    let w = Work::new("");
    let (image, _) = w.two_images();
    let config = |target: u32| {
        template_config(&image, "t3.micro", "scaled", 1)
            + &format!(
                r#"
resource "aws_autoscaling_policy" "up" {{
  name                   = "up"
  autoscaling_group_name = aws_autoscaling_group.nodes.name
  adjustment_type        = "ChangeInCapacity"
  scaling_adjustment     = 1
  cooldown               = 300
}}

resource "aws_autoscaling_policy" "steps" {{
  name                   = "steps"
  autoscaling_group_name = aws_autoscaling_group.nodes.name
  policy_type            = "StepScaling"
  adjustment_type        = "ChangeInCapacity"

  step_adjustment {{
    metric_interval_lower_bound = "0"
    metric_interval_upper_bound = "10"
    scaling_adjustment          = 1
  }}

  step_adjustment {{
    metric_interval_lower_bound = "10"
    scaling_adjustment          = 2
  }}
}}

resource "aws_autoscaling_policy" "cpu" {{
  name                   = "cpu"
  autoscaling_group_name = aws_autoscaling_group.nodes.name
  policy_type            = "TargetTrackingScaling"

  target_tracking_configuration {{
    predefined_metric_specification {{
      predefined_metric_type = "ASGAverageCPUUtilization"
    }}
    target_value = {target}
  }}
}}

resource "aws_autoscaling_policy" "queue" {{
  name                   = "queue"
  autoscaling_group_name = aws_autoscaling_group.nodes.name
  policy_type            = "TargetTrackingScaling"

  target_tracking_configuration {{
    target_value = 100
    customized_metric_specification {{
      metrics {{
        id          = "visible"
        return_data = true
        metric_stat {{
          stat   = "Sum"
          period = 10
          metric {{
            namespace   = "AWS/SQS"
            metric_name = "ApproximateNumberOfMessagesVisible"
            dimensions {{
              name  = "QueueName"
              value = "jobs"
            }}
          }}
        }}
      }}
    }}
  }}
}}

resource "aws_autoscaling_policy" "forecast" {{
  name                   = "forecast"
  autoscaling_group_name = aws_autoscaling_group.nodes.name
  policy_type            = "PredictiveScaling"

  predictive_scaling_configuration {{
    mode                   = "ForecastOnly"
    scheduling_buffer_time = 300
    metric_specification {{
      target_value = {target}
      customized_load_metric_specification {{
        metric_data_queries {{
          id         = "load"
          expression = "SUM(SEARCH('{{AWS/EC2,AutoScalingGroupName}} MetricName=\"CPUUtilization\"', 'Sum', 3600))"
        }}
      }}
      predefined_scaling_metric_specification {{
        predefined_metric_type = "ASGAverageCPUUtilization"
        resource_label         = "scaled"
      }}
    }}
  }}
}}
"#
            )
    };
    w.write(&config(50));
    w.ok(&["apply", "-auto-approve"]);
    w.assert_no_changes();
    let asg = asg_client(&w);
    let policies = || {
        runtime()
            .block_on(
                asg.describe_policies()
                    .auto_scaling_group_name("scaled")
                    .send(),
            )
            .unwrap()
            .scaling_policies()
            .to_vec()
    };
    let find = |name: &str| {
        policies()
            .into_iter()
            .find(|p| p.policy_name() == Some(name))
            .unwrap()
    };
    assert_eq!(find("up").scaling_adjustment(), Some(1));
    assert_eq!(find("steps").step_adjustments().len(), 2);
    let cpu = find("cpu");
    assert_eq!(
        cpu.target_tracking_configuration()
            .and_then(|t| t.target_value()),
        Some(50.0)
    );
    // A high-resolution customized metric: its period reaches AWS.
    let queue = find("queue");
    let queue = queue.target_tracking_configuration().unwrap();
    let metrics = queue.customized_metric_specification().unwrap().metrics();
    assert_eq!(metrics[0].metric_stat().and_then(|m| m.period()), Some(10));
    let forecast = find("forecast");
    let forecast = forecast.predictive_scaling_configuration().unwrap();
    assert_eq!(forecast.scheduling_buffer_time(), Some(300));
    let spec = &forecast.metric_specifications()[0];
    assert_eq!(spec.target_value(), Some(50.0));
    let load = spec.customized_load_metric_specification().unwrap();
    assert_eq!(load.metric_data_queries()[0].id(), Some("load"));
    w.write(&config(70));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("~ target_value = 50 -> 70"), "{plan}");
    assert!(
        plan.contains("aws_autoscaling_policy.forecast will be updated in-place"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(
        find("cpu")
            .target_tracking_configuration()
            .and_then(|t| t.target_value()),
        Some(70.0)
    );
    w.assert_no_changes();
    w.ok(&["state", "rm", "aws_autoscaling_policy.steps"]);
    w.ok(&["import", "aws_autoscaling_policy.steps", "scaled/steps"]);
    w.assert_no_changes();
    w.ok(&["state", "rm", "aws_autoscaling_policy.queue"]);
    w.ok(&["import", "aws_autoscaling_policy.queue", "scaled/queue"]);
    w.assert_no_changes();
    // An imported predictive policy reads its whole configuration back.
    w.ok(&["state", "rm", "aws_autoscaling_policy.forecast"]);
    w.ok(&[
        "import",
        "aws_autoscaling_policy.forecast",
        "scaled/forecast",
    ]);
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
    assert!(group(&w, "scaled").is_none());
}

#[test]
fn an_ebs_volume_attached_grown_in_place_and_detached_on_destroy() {
    let w = Work::new("");
    let (image, _) = w.two_images();
    let config = |size: u32| {
        NETWORK.to_string()
            + &format!(
                r#"
resource "aws_instance" "db" {{
  ami           = "{image}"
  instance_type = "t3.micro"
  subnet_id     = aws_subnet.a.id
}}

resource "aws_ebs_volume" "data" {{
  availability_zone = aws_instance.db.availability_zone
  size              = {size}
  type              = "gp3"
  tags = {{
    Name = "data"
  }}
}}

resource "aws_volume_attachment" "data" {{
  device_name = "/dev/sdh"
  volume_id   = aws_ebs_volume.data.id
  instance_id = aws_instance.db.id
}}
"#
            )
    };
    w.write(&config(20));
    w.ok(&["apply", "-auto-approve"]);
    w.assert_no_changes();
    let volume = w.attrs("aws_ebs_volume.data")["id"]
        .as_str()
        .unwrap()
        .to_string();
    // When EC2 made it, as RFC 3339 (what the provider records).
    let made = w.attrs("aws_ebs_volume.data")["create_time"].clone();
    assert!(
        made.as_str()
            .is_some_and(|t| t.len() >= 20 && t.as_bytes()[10] == b'T' && t.ends_with('Z')),
        "{made}"
    );
    let instance = w.attrs("aws_instance.db")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ec2 = w.ec2();
    let described = || {
        runtime()
            .block_on(ec2.describe_volumes().volume_ids(&volume).send())
            .unwrap()
            .volumes()[0]
            .clone()
    };
    let v = described();
    assert_eq!(v.size(), Some(20));
    assert_eq!(v.attachments()[0].instance_id(), Some(instance.as_str()));
    assert_eq!(v.attachments()[0].device(), Some("/dev/sdh"));
    assert!(
        w.attrs("aws_volume_attachment.data")["id"]
            .as_str()
            .unwrap()
            .starts_with("vai-")
    );
    // Grown in place: the same volume, still attached.
    w.write(&config(40));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.lines()
            .any(|l| l.contains("~ size ") && l.ends_with("= 20 -> 40")),
        "{plan}"
    );
    assert!(
        plan.contains("0 to add, 1 to change, 0 to destroy"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(described().size(), Some(40));
    w.assert_no_changes();
    w.ok(&[
        "state",
        "rm",
        "aws_volume_attachment.data",
        "aws_ebs_volume.data",
    ]);
    w.ok(&["import", "aws_ebs_volume.data", &volume]);
    let id = format!("/dev/sdh:{volume}:{instance}");
    w.ok(&["import", "aws_volume_attachment.data", &id]);
    w.assert_no_changes();
    // Destroy detaches before it deletes.
    w.ok(&["destroy", "-auto-approve"]);
    let gone = runtime().block_on(ec2.describe_volumes().volume_ids(&volume).send());
    assert!(gone.is_err() || gone.unwrap().volumes().is_empty());
}

/// An instance given a public address launches through a network interface spec; its
/// security groups read back as configured (from the interface where the instance itself
/// reports none, as the emulator does), so the re-plan is clean.
#[test]
fn a_public_instance_keeps_its_security_groups() {
    let w = Work::new("");
    let (image, _) = w.two_images();
    w.write(
        &(NETWORK.to_string()
            + &format!(
                r#"
resource "aws_security_group" "node" {{
  name   = "node"
  vpc_id = aws_vpc.main.id
}}

resource "aws_instance" "node" {{
  ami                         = "{image}"
  instance_type               = "t3.micro"
  subnet_id                   = aws_subnet.a.id
  associate_public_ip_address = true
  vpc_security_group_ids      = [aws_security_group.node.id]
}}
"#
            )),
    );
    w.ok(&["apply", "-auto-approve"]);
    let group = w.attrs("aws_security_group.node")["id"].clone();
    assert_eq!(
        w.attrs("aws_instance.node")["vpc_security_group_ids"],
        serde_json::json!([group])
    );
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
}

/// An instance's launch options reach RunInstances, read back without a diff, and a change
/// replaces it: placement, CPU options, enclave, private DNS name and maintenance options,
/// shutdown behaviour and stop protection.
#[test]
fn instance_launch_options_reach_aws_and_read_back_clean() {
    let w = Work::new("");
    let (image, _) = w.two_images();
    let config = |cores: u32| {
        NETWORK.to_string()
            + &format!(
                r#"
resource "aws_instance" "node" {{
  ami                                  = "{image}"
  instance_type                        = "m5.large"
  subnet_id                            = aws_subnet.a.id
  tenancy                              = "default"
  instance_initiated_shutdown_behavior = "stop"
  disable_api_stop                     = false

  cpu_options {{
    core_count            = {cores}
    threads_per_core      = 2
    nested_virtualization = "disabled"
  }}

  enclave_options {{
    enabled = false
  }}

  private_dns_name_options {{
    hostname_type = "ip-name"
  }}

  maintenance_options {{
    auto_recovery = "default"
  }}
}}
"#
            )
    };
    w.write(&config(1));
    w.ok(&["apply", "-auto-approve"]);
    let id = w.attrs("aws_instance.node")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let out = runtime()
        .block_on(w.ec2().describe_instances().instance_ids(&id).send())
        .unwrap();
    let i = &out.reservations()[0].instances()[0];
    assert_eq!(
        i.placement().and_then(|p| p.tenancy()).map(|t| t.as_str()),
        Some("default")
    );
    if let Some(c) = i.cpu_options() {
        assert_eq!(c.core_count(), Some(1), "{c:?}");
    }
    let node = w.attrs("aws_instance.node");
    assert_eq!(node["cpu_options"][0]["core_count"], 1, "{node}");
    assert_eq!(node["tenancy"], "default");
    assert_eq!(node["maintenance_options"][0]["auto_recovery"], "default");
    w.assert_no_changes();

    // CPU options are fixed at launch: a change replaces the instance.
    w.write(&config(2));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_instance.node must be replaced"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_ne!(w.attrs("aws_instance.node")["id"], id.as_str());
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
}

/// `user_data_base64` reaches the instance as given, reads back without a diff, and a change
/// is made in place (stop, modify, start), as `user_data` is.
#[test]
fn instance_user_data_base64_in_place() {
    let w = Work::new("");
    let (image, _) = w.two_images();
    let config = |word: &str| {
        NETWORK.to_string()
            + &format!(
                r##"
resource "aws_instance" "node" {{
  ami              = "{image}"
  instance_type    = "t3.micro"
  subnet_id        = aws_subnet.a.id
  user_data_base64 = base64gzip("#!/bin/sh\necho {word}\n")
}}
"##
            )
    };
    let held = |w: &Work, id: &str| {
        runtime()
            .block_on(
                w.ec2()
                    .describe_instance_attribute()
                    .instance_id(id)
                    .attribute(aws_sdk_ec2::types::InstanceAttributeName::UserData)
                    .send(),
            )
            .unwrap()
            .user_data()
            .and_then(|u| u.value())
            .unwrap_or_default()
            .to_string()
    };
    w.write(&config("one"));
    w.ok(&["apply", "-auto-approve"]);
    let node = w.attrs("aws_instance.node");
    let id = node["id"].as_str().unwrap().to_string();
    assert_eq!(held(&w, &id), node["user_data_base64"].as_str().unwrap());
    assert!(node["user_data"].is_null(), "{node}");
    w.assert_no_changes();

    w.write(&config("two"));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_instance.node will be updated in-place"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    let node = w.attrs("aws_instance.node");
    assert_eq!(node["id"], id.as_str());
    assert_eq!(held(&w, &id), node["user_data_base64"].as_str().unwrap());
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
}

/// The placement groups of this region as `name strategy partitions`, from the emulator.
fn placement_groups(w: &Work) -> Vec<String> {
    let out = runtime()
        .block_on(w.ec2().describe_placement_groups().send())
        .unwrap();
    let mut got: Vec<String> = out
        .placement_groups()
        .iter()
        .map(|g| {
            format!(
                "{} {} {}",
                g.group_name().unwrap_or_default(),
                g.strategy().map_or("", |s| s.as_str()),
                g.partition_count().unwrap_or(0)
            )
        })
        .collect();
    got.sort();
    got
}

#[test]
fn placement_groups_replace_on_strategy_and_tag_in_place() {
    let config = |strategy: &str, team: &str| {
        format!(
            r#"
resource "aws_placement_group" "masters" {{
  name     = "masters"
  strategy = "{strategy}"
  tags = {{
    Team = "{team}"
  }}
}}

resource "aws_placement_group" "agents" {{
  name            = "agents"
  strategy        = "partition"
  partition_count = 3
}}
"#
        )
    };
    let w = Work::new(&config("cluster", "platform"));
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(
        placement_groups(&w),
        ["agents partition 3", "masters cluster 0"]
    );
    let masters = w.attrs("aws_placement_group.masters");
    assert_eq!(masters["id"], "masters");
    assert!(
        masters["placement_group_id"]
            .as_str()
            .unwrap()
            .starts_with("pg-")
    );
    assert_eq!(masters["tags_all"]["Team"], "platform");
    w.assert_no_changes();

    // A tag changes in place; the strategy replaces the group.
    w.write(&config("cluster", "infra"));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_placement_group.masters will be updated in-place"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    w.write(&config("spread", "infra"));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_placement_group.masters must be replaced"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(
        placement_groups(&w),
        ["agents partition 3", "masters spread 0"]
    );
    w.assert_no_changes();

    // Import by name; then gone behind infra's back: the next plan makes it again.
    w.ok(&["state", "rm", "aws_placement_group.agents"]);
    w.ok(&["import", "aws_placement_group.agents", "agents"]);
    w.assert_no_changes();
    runtime()
        .block_on(w.ec2().delete_placement_group().group_name("agents").send())
        .unwrap();
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_placement_group.agents will be created"),
        "{plan}"
    );

    w.ok(&["destroy", "-auto-approve"]);
    assert!(placement_groups(&w).is_empty());
}

/// The tags of an instance's volumes, as `key=value` per volume.
fn volume_tags(w: &Work, instance: &str) -> Vec<Vec<String>> {
    let out = runtime()
        .block_on(
            w.ec2()
                .describe_volumes()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("attachment.instance-id")
                        .values(instance)
                        .build(),
                )
                .send(),
        )
        .unwrap();
    out.volumes()
        .iter()
        .map(|v| {
            let mut t: Vec<String> = v
                .tags()
                .iter()
                .map(|t| format!("{}={}", t.key().unwrap_or(""), t.value().unwrap_or("")))
                .collect();
            t.sort();
            t
        })
        .collect()
}

#[test]
fn instance_monitoring_credits_volume_tags_and_user_data_replacement() {
    let config = |user_data: &str, owner: &str| {
        format!(
            r#"
{BASE_AMI}

resource "aws_instance" "bastion" {{
  ami                         = data.aws_ami.base.id
  instance_type               = "t3.micro"
  monitoring                  = true
  user_data                   = "{user_data}"
  user_data_replace_on_change = true

  credit_specification {{
    cpu_credits = "unlimited"
  }}

  volume_tags = {{
    Owner = "{owner}"
  }}
}}
"#
        )
    };
    let w = Work::new(&config("#!/bin/sh\\necho one", "platform"));
    w.ok(&["apply", "-auto-approve"]);
    let bastion = w.attrs("aws_instance.bastion");
    let id = bastion["id"].as_str().unwrap().to_string();
    assert_eq!(bastion["monitoring"], true);
    assert!(
        bastion["primary_network_interface_id"]
            .as_str()
            .is_some_and(|e| e.starts_with("eni-")),
        "{bastion}"
    );
    assert_eq!(volume_tags(&w, &id), [["Owner=platform"]]);
    w.assert_no_changes();

    // Volume tags change in place, on every volume of the instance.
    w.write(&config("#!/bin/sh\\necho one", "infra"));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_instance.bastion will be updated in-place"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(volume_tags(&w, &id), [["Owner=infra"]]);
    w.assert_no_changes();

    // New user data replaces the instance (user_data_replace_on_change).
    w.write(&config("#!/bin/sh\\necho two", "infra"));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_instance.bastion must be replaced"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    let replaced = w.attrs("aws_instance.bastion")["id"].clone();
    assert_ne!(replaced, id.as_str());
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
}

#[test]
fn a_group_with_a_mixed_instances_policy() {
    let config = |types: &str| {
        format!(
            r#"
{BASE_AMI}

data "aws_availability_zones" "all" {{}}

resource "aws_launch_template" "agents" {{
  name_prefix   = "agents-"
  image_id      = data.aws_ami.base.id
  instance_type = "t3.micro"
}}

resource "aws_autoscaling_group" "agents" {{
  name               = "mixed-agents"
  availability_zones = [data.aws_availability_zones.all.names[0]]
  min_size           = 1
  max_size           = 3

  mixed_instances_policy {{
    instances_distribution {{
      on_demand_base_capacity                  = 1
      on_demand_percentage_above_base_capacity = 50
      spot_allocation_strategy                 = "capacity-optimized"
    }}

    launch_template {{
      launch_template_specification {{
        launch_template_id = aws_launch_template.agents.id
        version            = "$Latest"
      }}

      dynamic "override" {{
        for_each = [{types}]
        content {{
          instance_type     = override.value
          weighted_capacity = "1"
        }}
      }}
    }}
  }}
}}
"#
        )
    };
    let w = Work::new(&config(r#""t3.micro", "t3.small""#));
    w.ok(&["apply", "-auto-approve"]);
    let described = || {
        let out = runtime()
            .block_on(
                aws_sdk_autoscaling::Client::new(&w.sdk())
                    .describe_auto_scaling_groups()
                    .auto_scaling_group_names("mixed-agents")
                    .send(),
            )
            .unwrap();
        out.auto_scaling_groups()[0].clone()
    };
    let g = described();
    let policy = g
        .mixed_instances_policy()
        .expect("the group has the policy");
    let types: Vec<&str> = policy
        .launch_template()
        .unwrap()
        .overrides()
        .iter()
        .filter_map(|o| o.instance_type())
        .collect();
    assert_eq!(types, ["t3.micro", "t3.small"]);
    assert_eq!(
        policy
            .instances_distribution()
            .and_then(|d| d.on_demand_percentage_above_base_capacity()),
        Some(50)
    );
    assert_eq!(
        g.instances().len(),
        1,
        "launched from the policy's template"
    );
    w.assert_no_changes();

    // Another instance type changes the policy in place.
    w.write(&config(r#""t3.micro", "t3.small", "t3.medium""#));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_autoscaling_group.agents will be updated in-place"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    let g = described();
    assert_eq!(
        g.mixed_instances_policy()
            .and_then(|m| m.launch_template())
            .map(|t| t.overrides().len()),
        Some(3)
    );
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
}

#[test]
fn a_group_of_types_chosen_by_requirements_with_a_warm_pool() {
    let config = |warm_pool: &str| {
        format!(
            r#"
{BASE_AMI}

data "aws_availability_zones" "all" {{}}

resource "aws_launch_template" "workers" {{
  name     = "workers"
  image_id = data.aws_ami.base.id

  instance_requirements {{
    vcpu_count {{
      min = 2
      max = 4
    }}
    memory_mib {{
      min = 2048
    }}
    memory_gib_per_vcpu {{
      min = 0.5
      max = 8
    }}
    burstable_performance   = "included"
    cpu_manufacturers       = ["intel", "amd"]
    excluded_instance_types = ["c*"]
  }}

  metadata_options {{
    http_tokens            = "required"
    http_protocol_ipv6     = "disabled"
    instance_metadata_tags = "enabled"
  }}
}}

resource "aws_autoscaling_group" "workers" {{
  name                  = "workers"
  availability_zones    = [data.aws_availability_zones.all.names[0]]
  min_size              = 1
  max_size              = 3
  desired_capacity_type = "units"

  force_delete_warm_pool = true

  launch_template {{
    id      = aws_launch_template.workers.id
    version = "$Latest"
  }}
{warm_pool}
}}
"#
        )
    };
    let pool = |min: u32| {
        format!(
            "\n  warm_pool {{\n    pool_state = \"Stopped\"\n    min_size   = {min}\n    instance_reuse_policy {{\n      reuse_on_scale_in = true\n    }}\n  }}\n"
        )
    };
    let w = Work::new(&config(&pool(1)));
    w.ok(&["apply", "-auto-approve"]);
    let lt_id = w.attrs("aws_launch_template.workers")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let data = runtime()
        .block_on(
            w.ec2()
                .describe_launch_template_versions()
                .launch_template_id(&lt_id)
                .versions("$Latest")
                .send(),
        )
        .unwrap()
        .launch_template_versions()[0]
        .launch_template_data()
        .cloned()
        .unwrap();
    let requirements = data.instance_requirements().unwrap();
    assert_eq!(requirements.v_cpu_count().and_then(|v| v.max()), Some(4));
    assert_eq!(
        requirements.memory_gib_per_v_cpu().and_then(|v| v.min()),
        Some(0.5)
    );
    assert_eq!(requirements.excluded_instance_types(), ["c*"]);
    assert_eq!(
        data.metadata_options()
            .and_then(|m| m.instance_metadata_tags())
            .map(|t| t.as_str()),
        Some("enabled")
    );
    let warm = |w: &Work| {
        group(w, "workers")
            .unwrap()
            .warm_pool_configuration()
            .cloned()
    };
    let pooled = warm(&w).expect("the group has its warm pool");
    assert_eq!(pooled.min_size(), Some(1));
    assert_eq!(
        pooled
            .instance_reuse_policy()
            .and_then(|r| r.reuse_on_scale_in()),
        Some(true)
    );
    assert_eq!(group(&w, "workers").unwrap().instances().len(), 1);
    assert_eq!(
        w.attrs("aws_autoscaling_group.workers")["force_delete_warm_pool"],
        true
    );
    w.assert_no_changes();

    // The pool changes in place, then goes with the block.
    w.write(&config(&pool(2)));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("~ min_size   = 1 -> 2"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(warm(&w).and_then(|p| p.min_size()), Some(2));
    w.write(&config(""));
    w.ok(&["apply", "-auto-approve"]);
    assert!(warm(&w).is_none(), "the warm pool is deleted");
    w.assert_no_changes();

    // Imported, the template reads its requirements back whole.
    w.ok(&["state", "rm", "aws_launch_template.workers"]);
    w.ok(&["import", "aws_launch_template.workers", &lt_id]);
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
    assert!(group(&w, "workers").is_none());
}

/// The instance `resource` is in the state, as EC2 describes it.
fn described_instance(w: &Work, resource: &str) -> aws_sdk_ec2::types::Instance {
    let id = w.attrs(resource)["id"].as_str().unwrap().to_string();
    runtime()
        .block_on(w.ec2().describe_instances().instance_ids(&id).send())
        .unwrap()
        .reservations()[0]
        .instances()[0]
        .clone()
}

/// An instance with a fixed primary address and secondary ones, and one launched on an
/// existing interface; both read back clean, and the first imports whole.
#[test]
fn instance_addresses_and_attached_interfaces() {
    let w = Work::new("");
    let (image, _) = w.two_images();
    w.write(NETWORK);
    w.ok(&["apply", "-auto-approve"]);
    let subnet = w.attrs("aws_subnet.a")["id"].as_str().unwrap().to_string();
    let eni = runtime()
        .block_on(
            w.ec2()
                .create_network_interface()
                .subnet_id(&subnet)
                .private_ip_address("10.30.1.80")
                .send(),
        )
        .unwrap()
        .network_interface()
        .and_then(|n| n.network_interface_id())
        .unwrap()
        .to_string();
    w.write(
        &(NETWORK.to_string()
            + &format!(
                r#"
resource "aws_instance" "fixed" {{
  ami                   = "{image}"
  instance_type         = "t3.micro"
  subnet_id             = aws_subnet.a.id
  private_ip            = "10.30.1.50"
  secondary_private_ips = ["10.30.1.51", "10.30.1.52"]
}}

resource "aws_instance" "attached" {{
  ami           = "{image}"
  instance_type = "t3.micro"

  network_interface {{
    device_index         = 0
    network_interface_id = "{eni}"
  }}
}}
"#
            )),
    );
    w.ok(&["apply", "-auto-approve"]);
    let describe = |resource: &str| described_instance(&w, resource);
    let fixed = describe("aws_instance.fixed");
    assert_eq!(fixed.private_ip_address(), Some("10.30.1.50"));
    let mut secondary: Vec<&str> = fixed.network_interfaces()[0]
        .private_ip_addresses()
        .iter()
        .filter(|a| a.primary() != Some(true))
        .filter_map(|a| a.private_ip_address())
        .collect();
    secondary.sort();
    assert_eq!(secondary, ["10.30.1.51", "10.30.1.52"]);
    let attached = describe("aws_instance.attached");
    assert_eq!(
        attached.network_interfaces()[0].network_interface_id(),
        Some(eni.as_str())
    );
    assert_eq!(attached.private_ip_address(), Some("10.30.1.80"));
    assert_eq!(w.attrs("aws_instance.attached")["private_ip"], "10.30.1.80");
    w.assert_no_changes();

    let id = w.attrs("aws_instance.fixed")["id"]
        .as_str()
        .unwrap()
        .to_string();
    w.ok(&["state", "rm", "aws_instance.fixed"]);
    w.ok(&["import", "aws_instance.fixed", &id]);
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
}

/// A group's option blocks sent whole: its zone distribution, capacity reservations and
/// instance lifecycle policy reach AWS (moto keeps them through the test emulator's patch),
/// read back, and change in place.
#[test]
fn a_groups_zone_distribution_reservations_and_lifecycle_policy() {
    let config = |strategy: &str| {
        format!(
            r#"
{BASE_AMI}

data "aws_availability_zones" "all" {{}}

resource "aws_launch_template" "nodes" {{
  name          = "option-nodes"
  image_id      = data.aws_ami.base.id
  instance_type = "t3.micro"
}}

resource "aws_autoscaling_group" "nodes" {{
  name               = "option-nodes"
  availability_zones = slice(data.aws_availability_zones.all.names, 0, 2)
  min_size           = 0
  max_size           = 2

  launch_template {{
    id      = aws_launch_template.nodes.id
    version = "$Latest"
  }}

  availability_zone_distribution {{
    capacity_distribution_strategy = "{strategy}"
  }}

  capacity_reservation_specification {{
    capacity_reservation_preference = "capacity-reservations-first"
    capacity_reservation_target {{
      capacity_reservation_ids = ["cr-0123456789abcdef0"]
    }}
  }}

  instance_lifecycle_policy {{
    retention_triggers {{
      terminate_hook_abandon = "retain"
    }}
  }}
}}
"#
        )
    };
    let w = Work::new(&config("balanced-only"));
    w.ok(&["apply", "-auto-approve"]);
    let g = group(&w, "option-nodes").expect("the group exists");
    let strategy = |g: &aws_sdk_autoscaling::types::AutoScalingGroup| {
        g.availability_zone_distribution()
            .and_then(|d| d.capacity_distribution_strategy())
            .map(|s| s.as_str().to_string())
    };
    assert_eq!(strategy(&g).as_deref(), Some("balanced-only"));
    let reservations = g.capacity_reservation_specification().unwrap();
    assert_eq!(
        reservations
            .capacity_reservation_preference()
            .map(|p| p.as_str()),
        Some("capacity-reservations-first")
    );
    assert_eq!(
        reservations
            .capacity_reservation_target()
            .unwrap()
            .capacity_reservation_ids(),
        ["cr-0123456789abcdef0"]
    );
    assert_eq!(
        g.instance_lifecycle_policy()
            .and_then(|l| l.retention_triggers())
            .and_then(|t| t.terminate_hook_abandon())
            .map(|a| a.as_str()),
        Some("retain")
    );
    w.assert_no_changes();

    w.write(&config("balanced-best-effort"));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_autoscaling_group.nodes will be updated in-place"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(
        strategy(&group(&w, "option-nodes").unwrap()).as_deref(),
        Some("balanced-best-effort")
    );
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
}

/// The primary IPv6 address (set at launch, or turned on in place; turning it off replaces),
/// an instance on an existing primary interface with an interface on a secondary network
/// (the test emulator keeps those as sent), and a placement group given by id.
#[test]
fn instance_primary_ipv6_interfaces_and_placement_group_id() {
    let w = Work::new("");
    let (image, _) = w.two_images();
    let network = r#"
resource "aws_vpc" "v6" {
  cidr_block                       = "10.40.0.0/16"
  assign_generated_ipv6_cidr_block = true
}

resource "aws_subnet" "v6" {
  vpc_id          = aws_vpc.v6.id
  cidr_block      = "10.40.1.0/24"
  ipv6_cidr_block = cidrsubnet(aws_vpc.v6.ipv6_cidr_block, 8, 1)
}
"#;
    w.write(network);
    w.ok(&["apply", "-auto-approve"]);
    let subnet = w.attrs("aws_subnet.v6")["id"].as_str().unwrap().to_string();
    let eni = runtime()
        .block_on(w.ec2().create_network_interface().subnet_id(&subnet).send())
        .unwrap()
        .network_interface()
        .and_then(|n| n.network_interface_id())
        .unwrap()
        .to_string();
    let config = |later: bool| {
        network.to_string()
            + &format!(
                r#"
resource "aws_placement_group" "spread" {{
  name     = "interfaces-spread"
  strategy = "spread"
}}

resource "aws_instance" "first" {{
  ami                 = "{image}"
  instance_type       = "t3.micro"
  subnet_id           = aws_subnet.v6.id
  ipv6_address_count  = 1
  enable_primary_ipv6 = true
  placement_group_id  = aws_placement_group.spread.placement_group_id
}}

resource "aws_instance" "later" {{
  ami                 = "{image}"
  instance_type       = "t3.micro"
  subnet_id           = aws_subnet.v6.id
  ipv6_address_count  = 1
  enable_primary_ipv6 = {later}
}}

resource "aws_instance" "attached" {{
  ami           = "{image}"
  instance_type = "t3.micro"

  primary_network_interface {{
    network_interface_id = "{eni}"
  }}

  secondary_network_interface {{
    secondary_subnet_id      = "ss-0a1b2c3d4e5f60718"
    network_card_index       = 1
    private_ip_address_count = 2
  }}
}}
"#
            )
    };
    w.write(&config(false));
    w.ok(&["apply", "-auto-approve"]);
    w.assert_no_changes();
    let describe = |resource: &str| described_instance(&w, resource);
    let primary_ipv6 = |resource: &str| {
        describe(resource).network_interfaces()[0]
            .ipv6_addresses()
            .iter()
            .any(|a| a.is_primary_ipv6() == Some(true))
    };
    assert!(primary_ipv6("aws_instance.first"));
    assert!(!primary_ipv6("aws_instance.later"));
    let first = w.attrs("aws_instance.first");
    assert_eq!(
        first["placement_group_id"],
        w.attrs("aws_placement_group.spread")["placement_group_id"]
    );

    let attached = describe("aws_instance.attached");
    assert_eq!(
        attached.network_interfaces()[0].network_interface_id(),
        Some(eni.as_str())
    );
    let secondary = &attached.secondary_interfaces()[0];
    assert_eq!(
        secondary.secondary_subnet_id(),
        Some("ss-0a1b2c3d4e5f60718")
    );
    assert_eq!(secondary.private_ip_addresses().len(), 2);
    let state = w.attrs("aws_instance.attached");
    assert_eq!(
        state["primary_network_interface"][0]["network_interface_id"],
        eni.as_str()
    );
    assert_eq!(
        state["secondary_network_interface"][0]["secondary_interface_id"],
        secondary.secondary_interface_id().unwrap()
    );

    // Turned on in place: the same instance, its first IPv6 address now primary.
    let later = w.attrs("aws_instance.later")["id"].clone();
    w.write(&config(true));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_instance.later will be updated in-place"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(w.attrs("aws_instance.later")["id"], later);
    assert!(primary_ipv6("aws_instance.later"));
    w.assert_no_changes();
    // Off again is a new instance.
    w.write(&config(false));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_instance.later must be replaced"),
        "{plan}"
    );

    let id = state["id"].as_str().unwrap().to_string();
    w.write(&config(true));
    w.ok(&["state", "rm", "aws_instance.attached"]);
    w.ok(&["import", "aws_instance.attached", &id]);
    let imported = w.attrs("aws_instance.attached");
    assert_eq!(
        imported["secondary_network_interface"][0]["secondary_subnet_id"],
        "ss-0a1b2c3d4e5f60718"
    );
    w.ok(&["destroy", "-auto-approve"]);
}
