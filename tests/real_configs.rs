//! Third-party configurations, unchanged, against moto: each under `fixtures/real/` (with its
//! licence; `fixtures/real/SOURCES.md` names the repository and commit) is planned, applied,
//! planned again with nothing to do, and destroyed to nothing. Where a configuration is a
//! module rather than a root, a small root of this project's calls it as its README does.

mod support;

use std::collections::HashMap;
use std::path::Path;
use support::http::{Routes, Server, pack, serve};
use support::{Work, copy_dir};

/// A module registry on loopback serving fixtures as registry.terraform.io packages
/// (`("cloudposse/label/null", "0.25.0", "terraform-null-label")`), and a CLI configuration
/// whose `host` block sends registry.terraform.io's module service there, as a team's
/// mirror would.
fn registry(packages: &[(&str, &str, &str)]) -> (Server, tempfile::NamedTempFile) {
    let mut routes: Routes = HashMap::new();
    for (source, version, fixture) in packages {
        let stage = tempfile::tempdir().unwrap();
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/real")
                .join(fixture),
            &stage.path().join("modules"),
        );
        let archive = format!("/files/{fixture}-{version}.tar.gz");
        routes.insert(
            format!("/v1/modules/{source}/versions"),
            (
                200,
                vec![("Content-Type".into(), "application/json".into())],
                format!(r#"{{"modules":[{{"versions":[{{"version":"{version}"}}]}}]}}"#)
                    .into_bytes(),
            ),
        );
        routes.insert(
            format!("/v1/modules/{source}/{version}/download"),
            (
                204,
                vec![("X-Terraform-Get".into(), format!("{archive}//modules"))],
                vec![],
            ),
        );
        routes.insert(archive, (200, vec![], pack(stage.path(), "tar.gz")));
    }
    let server = serve(routes, None);
    let cli_config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        cli_config.path(),
        format!(
            "host \"registry.terraform.io\" {{\n  services = {{\n    \"modules.v1\" = \"http://127.0.0.1:{}/v1/modules/\"\n  }}\n}}\n",
            server.port
        ),
    )
    .unwrap();
    (server, cli_config)
}

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

/// Init, plan, apply, a clean re-plan and destroy in `dir` (relative to the working
/// directory), with `args` (variables) on each; answers how many resources the apply made.
fn lifecycle(w: &Work, dir: &str, args: &[&str]) -> usize {
    lifecycle_with(w, dir, args, None)
}

/// The same with a CLI configuration (a registry mirror).
fn lifecycle_with(w: &Work, dir: &str, args: &[&str], cli_config: Option<&Path>) -> usize {
    let with = |cmd: &[&str]| {
        let mut all = vec![format!("-chdir={dir}")];
        all.extend(cmd.iter().map(|s| s.to_string()));
        all.extend(args.iter().map(|s| s.to_string()));
        all
    };
    let run = |cmd: &[&str]| {
        let all = with(cmd);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let mut c = w.command(&refs);
        if let Some(path) = cli_config {
            c.env("TF_CLI_CONFIG_FILE", path);
        }
        c.output().expect("infra runs")
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
    let init = w.command(&[&format!("-chdir={dir}"), "init"]);
    let mut init = init;
    if let Some(path) = cli_config {
        init.env("TF_CLI_CONFIG_FILE", path);
    }
    let out = init.output().expect("infra runs");
    assert!(
        out.status.success(),
        "infra init in {dir} failed:\n{}",
        support::text(&out.stderr)
    );
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
    let listed = support::text(
        &w.ok(&[&format!("-chdir={dir}"), "state", "list"])
            .into_bytes(),
    );
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

/// What the module examples below call their modules with: the default VPC's subnets and
/// Amazon Linux 2.
const DEFAULT_VPC_AND_IMAGE: &str = r#"
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
"#;

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
/// default group (a launch template and an autoscaling group in the default VPC) and again
/// with the example's scaling policies.
#[test]
fn terraform_aws_modules_autoscaling_group() {
    let root = DEFAULT_VPC_AND_IMAGE.to_string()
        + r#"
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

# The complete example's scaling policies (all but the one on its load balancer) and its
# metric math policy: target tracking, predictive, step, and customized metrics.
module "scaling" {
  source = "../terraform-aws-autoscaling"

  name = "scaling"

  vpc_zone_identifier = data.aws_subnets.default.ids
  min_size            = 0
  max_size            = 1
  desired_capacity    = 1

  image_id      = data.aws_ami.amazon_linux.id
  instance_type = "t3.micro"

  scaling_policies = {
    avg-cpu-policy-greater-than-50 = {
      policy_type               = "TargetTrackingScaling"
      estimated_instance_warmup = 1200
      target_tracking_configuration = {
        predefined_metric_specification = {
          predefined_metric_type = "ASGAverageCPUUtilization"
        }
        target_value = 50.0
      }
    },
    predictive-scaling = {
      policy_type = "PredictiveScaling"
      predictive_scaling_configuration = {
        mode                         = "ForecastAndScale"
        scheduling_buffer_time       = 10
        max_capacity_breach_behavior = "IncreaseMaxCapacity"
        max_capacity_buffer          = 10
        metric_specification = {
          target_value = 32
          predefined_scaling_metric_specification = {
            predefined_metric_type = "ASGAverageCPUUtilization"
            resource_label         = "testLabel"
          }
          predefined_load_metric_specification = {
            predefined_metric_type = "ASGTotalCPUUtilization"
            resource_label         = "testLabel"
          }
        }
      }
    }
    scale-out = {
      name                      = "scale-out"
      adjustment_type           = "ExactCapacity"
      policy_type               = "StepScaling"
      estimated_instance_warmup = 120
      step_adjustment = [
        {
          scaling_adjustment          = 1
          metric_interval_lower_bound = 0
          metric_interval_upper_bound = 10
        },
        {
          scaling_adjustment          = 2
          metric_interval_lower_bound = 10
        }
      ]
    }
    metric_math = {
      policy_type               = "TargetTrackingScaling"
      estimated_instance_warmup = 120
      target_tracking_configuration = {
        customized_metric_specification = {
          metrics = [
            {
              label = "Get the queue size (the number of messages waiting to be processed)"
              id    = "m1"
              metric_stat = {
                metric = {
                  namespace   = "AWS/SQS"
                  metric_name = "ApproximateNumberOfMessagesVisible"
                  dimensions = [
                    {
                      name  = "QueueName"
                      value = "my-queue"
                    }
                  ]
                }
                stat = "Sum"
              }
              return_data = false
            },
            {
              label = "Get the group size (the number of InService instances)"
              id    = "m2"
              metric_stat = {
                metric = {
                  namespace   = "AWS/AutoScaling"
                  metric_name = "GroupInServiceInstances"
                  dimensions = [
                    {
                      name  = "AutoScalingGroupName"
                      value = "scaling"
                    }
                  ]
                }
                stat = "Average"
              }
              return_data = true
            },
            {
              label       = "Calculate the backlog per instance"
              id          = "e1"
              expression  = "m1 / m2"
              return_data = false
            }
          ]
        }
        target_value = 100
      }
    }
  }
}
"#;
    let w = work_with("terraform-aws-autoscaling", Some(&root));
    let made = lifecycle(&w, "root", &[]);
    assert_eq!(
        made,
        2 + 2 + 4,
        "two launch templates, two groups and four scaling policies"
    );
}

/// terraform-aws-modules/terraform-aws-autoscaling's complete example's warm pool group (without
/// its capacity reservation) and its group that picks instance types by requirements (vCPUs,
/// memory, generation) in both its launch template and its mixed instances override.
#[test]
fn terraform_aws_modules_autoscaling_warm_pool_and_instance_requirements() {
    let root = DEFAULT_VPC_AND_IMAGE.to_string()
        + r#"
module "warm_pool" {
  source = "../terraform-aws-autoscaling"

  name = "warm-pool"

  vpc_zone_identifier = slice(data.aws_subnets.default.ids, 0, 1)
  min_size            = 0
  max_size            = 1
  desired_capacity    = 1

  image_id      = data.aws_ami.amazon_linux.id
  instance_type = "t3.micro"

  warm_pool = {
    pool_state                  = "Stopped"
    min_size                    = 1
    max_group_prepared_capacity = 2

    instance_reuse_policy = {
      reuse_on_scale_in = true
    }
  }
}

module "instance_requirements" {
  source = "../terraform-aws-autoscaling"

  name = "instance-requirements"

  vpc_zone_identifier   = data.aws_subnets.default.ids
  min_size              = 0
  max_size              = 5
  desired_capacity      = 1
  desired_capacity_type = "vcpu"

  update_default_version = true
  image_id               = data.aws_ami.amazon_linux.id

  use_mixed_instances_policy = true
  mixed_instances_policy = {
    launch_template = {
      override = [
        {
          instance_requirements = {
            cpu_manufacturers                                       = ["amd"]
            local_storage_types                                     = ["ssd"]
            max_spot_price_as_percentage_of_optimal_on_demand_price = 60
            memory_gib_per_vcpu = {
              min = 2
              max = 4
            }
            memory_mib = {
              min = 2048
            },
            vcpu_count = {
              min = 2
              max = 4
            }
          }
        }
      ]
    }
  }
  instance_requirements = {

    accelerator_manufacturers = []
    accelerator_names         = []
    accelerator_types         = []

    baseline_ebs_bandwidth_mbps = {
      min = 400
      max = 1600
    }

    burstable_performance = "excluded"
    cpu_manufacturers     = ["amazon-web-services", "amd", "intel"]
    excluded_instance_types = ["t*"]
    instance_generations    = ["current"]
    local_storage_types     = ["ssd", "hdd"]

    max_spot_price_as_percentage_of_optimal_on_demand_price = 45

    memory_gib_per_vcpu = {
      min = 4
      max = 16
    }

    memory_mib = {
      min = 24
      max = 128
    }

    network_interface_count = {
      min = 1
      max = 16
    }

    vcpu_count = {
      min = 2
      max = 96
    }
  }
}
"#;
    let w = work_with("terraform-aws-autoscaling", Some(&root));
    let made = lifecycle(&w, "root", &[]);
    assert_eq!(made, 4, "two launch templates and two groups");
}

/// cloudposse/terraform-aws-ec2-autoscale-group, called as its complete example's group (in
/// the default VPC), with its label module (cloudposse/label/null 0.25.0) from the registry: a
/// launch template with a network interface and block devices, a group tagged from the labels,
/// and its scale-up and scale-down policies driven by two CPU alarms.
#[test]
fn cloudposse_ec2_autoscale_group_with_its_registry_label_module() {
    let root = DEFAULT_VPC_AND_IMAGE.to_string()
        + r##"
module "autoscale_group" {
  source = "../terraform-aws-ec2-autoscale-group"

  namespace = "eg"
  stage     = "test"
  name      = "ec2-autoscale-group"

  image_id                      = data.aws_ami.amazon_linux.id
  instance_type                 = "t2.small"
  subnet_ids                    = data.aws_subnets.default.ids
  health_check_type             = "EC2"
  min_size                      = 2
  max_size                      = 3
  wait_for_capacity_timeout     = "10m"
  associate_public_ip_address   = true
  user_data_base64              = base64encode("#!/bin/bash\necho hello\n")
  metadata_http_tokens_required = true

  tags = {
    Tier              = "1"
    KubernetesCluster = "us-east-1.testing.cloudposse.co"
  }

  block_device_mappings = [
    {
      device_name  = "/dev/sdb"
      no_device    = null
      virtual_name = null
      ebs = {
        delete_on_termination = true
        encrypted             = true
        volume_size           = 8
        volume_type           = "gp2"
        iops                  = null
        throughput            = null
        kms_key_id            = null
        snapshot_id           = null
      }
    }
  ]
}
"##;
    let (server, cli_config) =
        registry(&[("cloudposse/label/null", "0.25.0", "terraform-null-label")]);
    let w = work_with("terraform-aws-ec2-autoscale-group", Some(&root));
    let made = lifecycle_with(&w, "root", &[], Some(cli_config.path()));
    assert_eq!(
        made, 6,
        "a launch template, a group, two scaling policies and their two alarms"
    );
    assert!(
        server
            .seen
            .lock()
            .unwrap()
            .iter()
            .any(|(path, _)| path == "/v1/modules/cloudposse/label/null/versions"),
        "the label module came from the registry mirror"
    );
}

/// The default VPC's subnets in this test's region (moto makes new ids at every start).
fn default_subnets(w: &Work) -> Vec<String> {
    let out = support::runtime()
        .block_on(
            w.ec2()
                .describe_subnets()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("default-for-az")
                        .values("true")
                        .build(),
                )
                .send(),
        )
        .unwrap();
    let mut ids: Vec<String> = out
        .subnets()
        .iter()
        .filter_map(|s| s.subnet_id().map(str::to_string))
        .collect();
    ids.sort();
    ids
}

/// scholzj/terraform-aws-kubernetes, its root with the variables its README lists: a kubeadm
/// master instance with an Elastic IP association and a DNS record in an existing public
/// zone, worker nodes from a launch configuration and group, IAM policies attached to roles,
/// cloud-init user data, and its kubeadm token module (scholzj/kubeadm-token/random) from the
/// registry.
#[test]
fn scholzj_kubernetes_cluster_with_dns_and_an_elastic_ip() {
    let (server, cli_config) = registry(&[(
        "scholzj/kubeadm-token/random",
        "1.2.0",
        "terraform-random-kubeadm-token",
    )]);
    let w = work_with("terraform-aws-kubernetes", None);
    // The zone the cluster's record goes in exists before, as its README asks.
    let route53 = aws_sdk_route53::Client::new(&w.sdk());
    let zone = format!("{}.example.com", w.region);
    let created = support::runtime()
        .block_on(
            route53
                .create_hosted_zone()
                .name(&zone)
                .caller_reference(&zone)
                .send(),
        )
        .unwrap();
    let zone_id = created.hosted_zone().unwrap().id().to_string();
    std::fs::write(
        w.path().join("terraform-aws-kubernetes/cluster.pub"),
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBz1m3oGtq2SbmnFvaN5Wc2oVmXPd6iTJ6OlsK2Rhs7c test\n",
    )
    .unwrap();
    let subnets = default_subnets(&w);
    assert!(subnets.len() >= 2, "{subnets:?}");
    let tfvars = format!(
        r#"
aws_region           = "{region}"
cluster_name         = "aws-kubernetes"
master_instance_type = "t2.medium"
worker_instance_type = "t2.medium"
ssh_public_key       = "cluster.pub"
ssh_access_cidr      = ["0.0.0.0/0"]
api_access_cidr      = ["0.0.0.0/0"]
min_worker_count     = 2
max_worker_count     = 4
hosted_zone          = "{zone}"
hosted_zone_private  = false
master_subnet_id     = "{master}"
worker_subnet_ids    = {workers:?}
tags                 = {{ Application = "AWS-Kubernetes" }}
tags2                = [{{ key = "Application", value = "AWS-Kubernetes", propagate_at_launch = true }}]
addons               = []
"#,
        region = w.region,
        master = subnets[0],
        workers = subnets,
    );
    std::fs::write(
        w.path().join("terraform-aws-kubernetes/test.tfvars"),
        tfvars,
    )
    .unwrap();
    let made = lifecycle_with(
        &w,
        "terraform-aws-kubernetes",
        &["-var-file=test.tfvars"],
        Some(cli_config.path()),
    );
    assert!(
        made >= 18,
        "instances, groups, roles, rules and the record: {made}"
    );
    let records = support::runtime()
        .block_on(
            route53
                .list_resource_record_sets()
                .hosted_zone_id(&zone_id)
                .send(),
        )
        .unwrap();
    assert!(
        records
            .resource_record_sets()
            .iter()
            .all(|r| matches!(r.r#type().as_str(), "SOA" | "NS")),
        "the cluster's record is gone with it: {records:?}"
    );
    assert!(
        server
            .seen
            .lock()
            .unwrap()
            .iter()
            .any(|(path, _)| path.starts_with("/v1/modules/scholzj/kubeadm-token/random/")),
        "the token module came from the registry mirror"
    );
}

/// kubernetes-sigs/kubespray's `contrib/terraform/aws`, with its own terraform.tfvars and the
/// credentials file its README has users write: a VPC with public and private subnets and NAT
/// gateways, a bastion, masters and workers, a network load balancer with target group
/// attachments, IAM, and a `local-exec` provisioner that writes the Ansible inventory.
#[test]
fn kubespray_aws_cluster_and_its_inventory() {
    let w = work_with("kubespray-aws", None);
    std::fs::write(
        w.path().join("kubespray-aws/credentials.tfvars"),
        format!(
            r#"
AWS_ACCESS_KEY_ID     = "testing"
AWS_SECRET_ACCESS_KEY = "testing"
AWS_SSH_KEY_NAME      = "kubespray"
AWS_DEFAULT_REGION    = "{}"
inventory_file        = "./hosts"
"#,
            w.region
        ),
    )
    .unwrap();
    let made = lifecycle(&w, "kubespray-aws", &["-var-file=credentials.tfvars"]);
    assert_eq!(made, 42, "the cluster's resources");
    let inventory = std::fs::read_to_string(w.path().join("kubespray-aws/hosts"))
        .expect("the local-exec provisioner wrote the inventory");
    assert!(inventory.contains("[kube_control_plane]"), "{inventory}");
    assert!(inventory.contains("ansible_host="), "{inventory}");
}
