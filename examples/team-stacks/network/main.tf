# The network stack of a cluster, applied by its own pipeline: a VPC across up to three zones
# with public and private subnets, an internet gateway and one NAT gateway. Its state lives in
# S3; the cluster stack (../cluster) reads its outputs with terraform_remote_state.
#
# The backend block is partial on purpose: each team (and each environment) supplies its
# bucket and region at init, as CI does:
#   infra init -backend-config=bucket=acme-infra-state -backend-config=region=eu-west-1

terraform {
  backend "s3" {
    key          = "team-stacks/network/terraform.tfstate"
    use_lockfile = true
    encrypt      = true
  }
}

variable "cluster_name" {
  description = "Name of the cluster; every object's Name tag starts with it."
  type        = string
  default     = "team"
}

variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "eu-west-1"
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Cluster   = var.cluster_name
      Stack     = "network"
      ManagedBy = "infra"
    }
  }
}

data "aws_availability_zones" "available" {
  state = "available"
}

module "network" {
  source             = "../../../modules/network"
  name               = var.cluster_name
  cidr_block         = "10.50.0.0/16"
  availability_zones = slice(data.aws_availability_zones.available.names, 0, min(3, length(data.aws_availability_zones.available.names)))
  nat_gateway        = "single"
}

output "cluster_name" {
  value = var.cluster_name
}

output "vpc_id" {
  value = module.network.vpc_id
}

output "public_subnet_ids" {
  value = module.network.public_subnet_ids
}

output "private_subnet_ids" {
  value = module.network.private_subnet_ids
}
