variable "cluster_name" {
  description = "The cluster this role belongs to; prefixes every name."
  type        = string
}

variable "role" {
  description = "The role's name (master, public-agent ...); part of every name."
  type        = string
}

variable "vpc_id" {
  description = "The VPC the role's security group lives in."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets the autoscaling group spreads its instances across."
  type        = list(string)
}

variable "image_id" {
  description = "The AMI the instances boot."
  type        = string
}

variable "instance_type" {
  description = "EC2 instance type."
  type        = string
  default     = "t3.medium"
}

variable "size" {
  description = "How many instances the group keeps (min = max = desired)."
  type        = number
  default     = 1
}

variable "template" {
  description = "Path of the cloud-init template (minijinja) that bootstraps a node, relative to the root module."
  type        = string
}

variable "template_vars" {
  description = "Variables for the template; `role` is added."
  type        = any
  default     = {}
}

variable "security_group_ids" {
  description = "More security groups for the instances, beside the role's own."
  type        = list(string)
  default     = []
}

variable "ingress" {
  description = "What may reach the role's instances: rules of from_port, to_port, protocol, and cidr_blocks or security_groups."
  type = list(object({
    from_port       = number
    to_port         = number
    protocol        = string
    cidr_blocks     = optional(list(string), [])
    security_groups = optional(list(string), [])
  }))
  default = []
}

variable "target_group_arns" {
  description = "Application load balancer target groups the group registers its instances with."
  type        = list(string)
  default     = []
}

variable "load_balancers" {
  description = "Classic load balancers (names) the group registers its instances with."
  type        = list(string)
  default     = []
}

variable "associate_public_ip_address" {
  description = "Whether instances get a public address (public subnets only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Added to every object of the role."
  type        = map(string)
  default     = {}
}

variable "health_check_type" {
  description = "\"EC2\", or \"ELB\" to count an instance healthy only when its load balancers say so (during a rollout too)."
  type        = string
  default     = "EC2"
}

variable "rollout" {
  description = "How a new image (or any launch template change) rolls onto the running instances: health-gated batches, rolled back when new instances are unhealthy. null leaves running instances alone."
  type = object({
    min_healthy_percentage = optional(number, 90)
    max_healthy_percentage = optional(number, 100)
    instance_warmup        = optional(number, 60)
    checkpoint_percentages = optional(list(number))
    checkpoint_delay       = optional(number, 3600)
    auto_rollback          = optional(bool, true)
  })
  default = {}
}
