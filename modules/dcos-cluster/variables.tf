variable "cluster_name" {
  description = "Name of the cluster: prefixes every object's name; 2–20 lower-case letters, digits, dashes."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,19}$", var.cluster_name))
    error_message = "cluster_name must be 2–20 lower-case letters, digits and dashes, starting with a letter."
  }
}

variable "region" {
  description = "The AWS region (written into each node's configuration)."
  type        = string
}

variable "availability_zones" {
  description = "Zones to spread the cluster across (one public and one private subnet each)."
  type        = list(string)
}

variable "cidr_block" {
  description = "The cluster VPC's range."
  type        = string
  default     = "10.0.0.0/16"
}

variable "image_id" {
  description = "The AMI every node boots."
  type        = string
}

variable "masters" {
  description = "Number of masters: 1, 3 or 5."
  type        = number
  default     = 3

  validation {
    condition     = contains([1, 3, 5], var.masters)
    error_message = "masters must be 1, 3 or 5 (a quorum needs an odd number)."
  }
}

variable "public_agents" {
  description = "Number of public agents (behind the application load balancer)."
  type        = number
  default     = 1
}

variable "private_agents" {
  description = "Number of private agents."
  type        = number
  default     = 2
}

variable "instance_types" {
  description = "Instance type per role."
  type = object({
    master        = optional(string, "t3.large")
    public_agent  = optional(string, "t3.large")
    private_agent = optional(string, "t3.xlarge")
  })
  default = {}
}

variable "admin_cidr_blocks" {
  description = "Who may reach the masters' public load balancer."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "tags" {
  description = "Added to every object."
  type        = map(string)
  default     = {}
}
