//! The data sources against moto: each answer compared with what the SDK reads directly.

mod support;

use support::{Work, runtime};

#[test]
fn data_sources_read_the_account() {
    let w = Work::new(
        r#"
data "aws_region" "here" {}

data "aws_caller_identity" "me" {}

data "aws_availability_zones" "up" {
  state = "available"
}

data "aws_vpc" "default" {
  default = true
}

data "aws_subnets" "default" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default.id]
  }
  filter {
    name   = "default-for-az"
    values = ["true"]
  }
}

data "aws_ami" "linux" {
  most_recent = true
  owners      = ["amazon"]
  filter {
    name   = "name"
    values = ["amzn2-ami-hvm-*"]
  }
}

data "aws_security_group" "default" {
  name   = "default"
  vpc_id = data.aws_vpc.default.id
}

data "aws_partition" "here" {}

data "aws_ssm_parameter" "token" {
  name = "/cluster/token"
}

resource "aws_subnet" "extra" {
  vpc_id            = data.aws_vpc.default.id
  cidr_block        = cidrsubnet(data.aws_vpc.default.cidr_block, 8, 200)
  availability_zone = data.aws_availability_zones.up.names[0]
}

output "region" { value = data.aws_region.here.name }
output "account" { value = data.aws_caller_identity.me.account_id }
output "zones" { value = data.aws_availability_zones.up.names }
output "vpc" { value = data.aws_vpc.default.id }
output "subnets" { value = data.aws_subnets.default.ids }
output "ami" { value = data.aws_ami.linux.id }
output "ami_name" { value = data.aws_ami.linux.name }
output "image" { value = data.aws_ami.linux }
output "token" {
  value     = data.aws_ssm_parameter.token.value
  sensitive = true
}
output "extra_zone" { value = aws_subnet.extra.availability_zone }
output "default_sg" { value = data.aws_security_group.default.id }
output "partition" { value = "${data.aws_partition.here.partition}/${data.aws_partition.here.dns_suffix}" }
"#,
    );
    let rt = runtime();
    let cfg = w.sdk();
    let ssm = aws_sdk_ssm::Client::new(&cfg);
    rt.block_on(
        ssm.put_parameter()
            .name("/cluster/token")
            .value("s3cret")
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .send(),
    )
    .unwrap();
    w.ok(&["apply", "-auto-approve"]);
    let out: serde_json::Value = serde_json::from_str(&w.ok(&["output", "--json"])).unwrap();
    let v = |k: &str| out[k]["value"].clone();
    assert_eq!(v("region"), w.region);
    let ec2 = w.ec2();
    let zones = rt
        .block_on(ec2.describe_availability_zones().send())
        .unwrap();
    let mut names: Vec<&str> = zones
        .availability_zones()
        .iter()
        .filter_map(|z| z.zone_name())
        .collect();
    names.sort();
    assert_eq!(v("zones"), serde_json::json!(names));
    assert_eq!(v("extra_zone"), names[0]);
    let vpcs = rt
        .block_on(
            ec2.describe_vpcs()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("is-default")
                        .values("true")
                        .build(),
                )
                .send(),
        )
        .unwrap();
    assert_eq!(v("vpc"), vpcs.vpcs()[0].vpc_id().unwrap());
    assert!(!v("subnets").as_array().unwrap().is_empty());
    assert_eq!(v("partition"), "aws/amazonaws.com");
    let sgs = rt
        .block_on(
            ec2.describe_security_groups()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("vpc-id")
                        .values(vpcs.vpcs()[0].vpc_id().unwrap())
                        .build(),
                )
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("group-name")
                        .values("default")
                        .build(),
                )
                .send(),
        )
        .unwrap();
    assert_eq!(
        v("default_sg"),
        sgs.security_groups()[0].group_id().unwrap()
    );
    assert!(v("ami").as_str().unwrap().starts_with("ami-"));
    assert!(
        v("ami_name")
            .as_str()
            .unwrap()
            .starts_with("amzn2-ami-hvm-")
    );
    // Every attribute of the image, as DescribeImages has it.
    let image = v("image");
    let described = rt
        .block_on(
            ec2.describe_images()
                .image_ids(v("ami").as_str().unwrap())
                .send(),
        )
        .unwrap()
        .images()[0]
        .clone();
    let devices = image["block_device_mappings"].as_array().unwrap();
    assert_eq!(devices.len(), described.block_device_mappings().len());
    let root = devices
        .iter()
        .find(|d| d["device_name"] == image["root_device_name"])
        .expect("the root device is among the mappings");
    assert_eq!(image["root_snapshot_id"], root["ebs"]["snapshot_id"]);
    assert!(
        root["ebs"]["volume_size"]
            .as_str()
            .is_some_and(|s| s.parse::<u32>().is_ok()),
        "{root}"
    );
    assert_eq!(
        image["hypervisor"],
        described
            .hypervisor()
            .map(|h| h.as_str())
            .unwrap_or_default()
    );
    assert_eq!(
        image["image_location"],
        described.image_location().unwrap_or_default()
    );
    assert_eq!(
        image["ena_support"],
        described.ena_support().unwrap_or(false)
    );
    assert_eq!(
        image["last_launched_time"],
        described.last_launched_time().unwrap_or_default()
    );
    assert_eq!(v("token"), "s3cret");
    assert_eq!(out["token"]["sensitive"], true);
    assert_eq!(v("account").as_str().unwrap().len(), 12);
    // Data sources do not make a plan show changes by themselves.
    let o = w.infra(&["plan", "-detailed-exitcode"]);
    assert_eq!(o.status.code(), Some(0), "{}", support::text(&o.stdout));
    w.ok(&["destroy", "-auto-approve"]);
}

#[test]
fn an_ambiguous_ami_query_is_an_error_naming_the_data_source() {
    let w = Work::new(
        r#"
data "aws_ami" "any" {
  owners = ["amazon"]
}
"#,
    );
    let out = w.infra(&["plan"]);
    assert_eq!(out.status.code(), Some(1));
    let err = support::text(&out.stderr);
    assert!(err.contains("data.aws_ami.any"), "{err}");
    assert!(err.contains("most_recent"), "{err}");
}

/// An image's UEFI variable store, answered by DescribeImageAttribute alone: the store a UEFI
/// image was registered with, and "" (the plugin SDK's absent string) for one without.
#[test]
fn an_amis_uefi_data_is_read() {
    let w = Work::new("");
    let registered = runtime()
        .block_on(
            w.ec2()
                .register_image()
                .name("uefi-boot")
                .boot_mode(aws_sdk_ec2::types::BootModeValues::Uefi)
                .uefi_data("QUJDRA==")
                .send(),
        )
        .unwrap();
    let id = registered.image_id().unwrap().to_string();
    w.write(&format!(
        r#"
data "aws_ami" "uefi" {{
  filter {{
    name   = "image-id"
    values = ["{id}"]
  }}
}}

data "aws_ami" "legacy" {{
  owners      = ["amazon"]
  most_recent = true
}}

output "uefi" {{ value = data.aws_ami.uefi.uefi_data }}
output "legacy" {{ value = data.aws_ami.legacy.uefi_data }}
"#
    ));
    w.ok(&["apply", "-auto-approve"]);
    let out = w.ok(&["output", "-json"]);
    let out: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(out["uefi"]["value"], "QUJDRA==");
    assert_eq!(out["legacy"]["value"], "");
}

/// `data "aws_subnet"` by id and by its VPC and block; `data "aws_vpc"` with
/// `default = false` (the plugin SDK's "not set") filters nothing.
#[test]
fn a_subnet_found_by_id_or_by_vpc_and_block() {
    let w = Work::new(
        r#"
resource "aws_vpc" "main" {
  cidr_block                       = "10.50.0.0/16"
  enable_dns_hostnames             = true
  assign_generated_ipv6_cidr_block = true
}

resource "aws_subnet" "a" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = "10.50.1.0/24"
  map_public_ip_on_launch = true
  tags = {
    Name = "a"
  }
}

data "aws_subnet" "by_id" {
  id = aws_subnet.a.id
}

data "aws_subnet" "by_block" {
  vpc_id     = aws_vpc.main.id
  cidr_block = aws_subnet.a.cidr_block
}

data "aws_vpc" "any" {
  id      = aws_vpc.main.id
  default = false
}

output "by_id" {
  value = data.aws_subnet.by_id
}

output "by_block" {
  value = data.aws_subnet.by_block.id
}

output "vpc" {
  value = data.aws_vpc.any
}
"#,
    );
    w.ok(&["apply", "-auto-approve"]);
    let outputs: serde_json::Value = serde_json::from_str(&w.ok(&["output", "-json"])).unwrap();
    let subnet = w.attrs("aws_subnet.a");
    let found = &outputs["by_id"]["value"];
    assert_eq!(found["vpc_id"], subnet["vpc_id"]);
    assert_eq!(found["cidr_block"], "10.50.1.0/24");
    assert_eq!(found["availability_zone"], subnet["availability_zone"]);
    assert_eq!(found["map_public_ip_on_launch"], true);
    assert_eq!(found["tags"]["Name"], "a");
    assert_eq!(found["arn"], subnet["arn"]);
    assert_eq!(outputs["by_block"]["value"], subnet["id"]);
    let vpc = &outputs["vpc"]["value"];
    assert_eq!(vpc["id"], subnet["vpc_id"], "{vpc}");
    assert_eq!(vpc["enable_dns_hostnames"], true);
    assert_eq!(vpc["enable_dns_support"], true);
    assert_eq!(vpc["enable_network_address_usage_metrics"], false);
    assert!(
        vpc["association_id"]
            .as_str()
            .is_some_and(|a| a.starts_with("vpc-cidr-assoc-")),
        "{vpc}"
    );
    let associations = vpc["cidr_block_associations"].as_array().unwrap();
    assert_eq!(associations.len(), 1, "{vpc}");
    assert_eq!(associations[0]["association_id"], vpc["association_id"]);
    assert_eq!(associations[0]["cidr_block"], "10.50.0.0/16");
    assert_eq!(associations[0]["state"], "associated");
    let ipv6 = &vpc["ipv6_cidr_block_associations"][0];
    assert_eq!(ipv6["ipv6_cidr_block"], vpc["ipv6_cidr_block"], "{vpc}");
    assert_eq!(ipv6["association_id"], vpc["ipv6_association_id"]);
    assert_eq!(ipv6["ipv6_pool"], "Amazon");
    assert_eq!(ipv6["ip_source"], "amazon");
    assert_eq!(ipv6["ipv6_address_attribute"], "public");
    assert_eq!(ipv6["network_border_group"], w.region);
    // The data source answers every attribute the resource reads, alike.
    for k in [
        "enable_dns64",
        "ipv6_native",
        "private_dns_hostname_type_on_launch",
        "enable_resource_name_dns_a_record_on_launch",
        "owner_id",
    ] {
        assert_eq!(found[k], subnet[k], "{k}");
    }
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
}
