# A team consuming the module library by release tag instead of copying it: `infra init`
# clones the tag once into .infra/modules/; plan and apply read that copy and never fetch.
# Moving to a new release is a change of `ref` and another `infra init`.

provider "aws" {
  region = var.region
}

variable "region" {
  type    = string
  default = "us-east-2"
}

module "network" {
  source = "git::https://git.example.com/platform/infra.git//modules/network?ref=modules-v1.0.0"

  name               = "payments"
  cidr_block         = "10.40.0.0/16"
  availability_zones = ["${var.region}a", "${var.region}b"]
  nat_gateway        = "none"
}

output "vpc_id" {
  value = module.network.vpc_id
}

output "private_subnet_ids" {
  value = module.network.private_subnet_ids
}
