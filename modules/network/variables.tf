variable "name" {
  description = "Name of the cluster network; prefixes every object's Name tag."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "The name must be 2 to 31 lower-case letters, digits or dashes, starting with a letter."
  }
}

variable "cidr_block" {
  description = "The VPC's IPv4 range; subnets are carved from it with cidrsubnet."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr_block, 0))
    error_message = "The cidr_block must be an IPv4 CIDR range such as 10.0.0.0/16."
  }
}

variable "availability_zones" {
  description = "Zones to spread subnets across: one public and one private subnet per zone."
  type        = list(string)
}

variable "subnet_newbits" {
  description = "Bits added to the VPC prefix for each subnet (8 turns a /16 into /24 subnets)."
  type        = number
  default     = 8
}

variable "nat_gateway" {
  description = "\"none\", \"single\" (one NAT gateway for all private subnets) or \"per_zone\"."
  type        = string
  default     = "single"

  validation {
    condition     = contains(["none", "single", "per_zone"], var.nat_gateway)
    error_message = "The nat_gateway must be \"none\", \"single\" or \"per_zone\"."
  }
}

variable "tags" {
  description = "Tags added to every object."
  type        = map(string)
  default     = {}
}
