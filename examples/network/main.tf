# A cluster network across three zones with one NAT gateway per zone.

variable "cluster_name" {
  description = "Name of the cluster; every object's Name tag starts with it."
  type        = string
  default     = "demo"
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
      ManagedBy = "infra"
    }
  }
}

module "network" {
  source             = "../../modules/network"
  name               = var.cluster_name
  cidr_block         = "10.20.0.0/16"
  availability_zones = [for z in ["a", "b", "c"] : "${var.region}${z}"]
  nat_gateway        = "per_zone"
  tags               = { Environment = terraform.workspace }
}

output "vpc_id" {
  value = module.network.vpc_id
}

output "public_cidrs" {
  value = module.network.public_cidrs
}

output "private_cidrs" {
  value = module.network.private_cidrs
}

output "nat_gateways" {
  value = module.network.nat_gateway_count
}
