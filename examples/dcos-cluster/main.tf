# A DC/OS-style cluster: three masters, a public agent behind an application load balancer and
# two private agents, each role an autoscaling group whose nodes configure themselves at boot.
# scripts/demo applies it against a local AWS emulator; with AWS credentials in the environment
# it applies to real AWS the same way.

variable "cluster_name" {
  description = "Name of the cluster."
  type        = string
  default     = "dcos-demo"
}

variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "eu-west-1"
}

variable "private_agents" {
  description = "Number of private agents."
  type        = number
  default     = 2
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      ManagedBy = "infra"
    }
  }
}

data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_ami" "node" {
  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["amzn2-ami-hvm-*-x86_64-gp2"]
  }
}

module "cluster" {
  source             = "../../modules/dcos-cluster"
  cluster_name       = var.cluster_name
  region             = var.region
  availability_zones = slice(data.aws_availability_zones.available.names, 0, min(3, length(data.aws_availability_zones.available.names)))
  cidr_block         = "10.40.0.0/16"
  image_id           = data.aws_ami.node.id
  masters            = 3
  public_agents      = 1
  private_agents     = var.private_agents
}

output "masters_address" {
  value = module.cluster.masters_address
}

output "masters_public_address" {
  value = module.cluster.masters_public_address
}

output "public_agents_address" {
  value = module.cluster.public_agents_address
}

output "autoscaling_groups" {
  value = module.cluster.autoscaling_groups
}
