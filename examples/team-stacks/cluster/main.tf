# The cluster stack: per role an IAM instance profile, a launch template and an autoscaling
# group, and an application load balancer in front of the public agents, all inside the VPC
# the network stack (../network) created. Nothing is copied by hand between the two: the
# network's outputs are read from its state with terraform_remote_state.
#
#   infra init -backend-config=bucket=acme-infra-state -backend-config=region=eu-west-1
#   infra apply -var state_bucket=acme-infra-state

terraform {
  backend "s3" {
    key          = "team-stacks/cluster/terraform.tfstate"
    use_lockfile = true
    encrypt      = true
  }
}

variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "eu-west-1"
}

variable "state_bucket" {
  description = "The bucket holding the network stack's state."
  type        = string
}

variable "state_region" {
  description = "The region of the state bucket (default: the deploy region)."
  type        = string
  default     = null
}

variable "state_use_path_style" {
  description = "Path-style S3 addresses, for S3-compatible stores and emulators."
  type        = bool
  default     = false
}

variable "roles" {
  description = "Cluster roles: instance type, group size, and whether the nodes sit in public subnets behind the load balancer."
  type = map(object({
    instance_type = string
    size          = number
    public        = optional(bool, false)
  }))
  default = {
    master        = { instance_type = "t3.medium", size = 1 }
    public-agent  = { instance_type = "t3.large", size = 1, public = true }
    private-agent = { instance_type = "t3.large", size = 2 }
  }
}

data "terraform_remote_state" "network" {
  backend = "s3"
  config = {
    bucket         = var.state_bucket
    key            = "team-stacks/network/terraform.tfstate"
    region         = coalesce(var.state_region, var.region)
    use_path_style = var.state_use_path_style
  }
}

locals {
  network      = data.terraform_remote_state.network.outputs
  cluster_name = local.network.cluster_name
}

provider "aws" {
  region = var.region

  # The provider is configured before anything is read, so its tags cannot come from the
  # network's outputs; the resources name the cluster themselves.
  default_tags {
    tags = {
      Stack     = "cluster"
      ManagedBy = "infra"
    }
  }
}

data "aws_ami" "node" {
  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["amzn2-ami-hvm-*-x86_64-gp2"]
  }
}

resource "aws_security_group" "lb" {
  name        = "${local.cluster_name}-lb"
  description = "HTTP from anywhere to the load balancer"
  vpc_id      = local.network.vpc_id

  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "node" {
  name        = "${local.cluster_name}-node"
  description = "Cluster nodes: each other, and HTTP from the load balancer"
  vpc_id      = local.network.vpc_id

  ingress {
    from_port = 0
    to_port   = 0
    protocol  = "-1"
    self      = true
  }

  ingress {
    from_port       = 80
    to_port         = 80
    protocol        = "tcp"
    security_groups = [aws_security_group.lb.id]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

data "aws_iam_policy_document" "assume_ec2" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "node" {
  for_each           = var.roles
  name               = "${local.cluster_name}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.assume_ec2.json
}

resource "aws_iam_instance_profile" "node" {
  for_each = var.roles
  name     = "${local.cluster_name}-${each.key}"
  role     = aws_iam_role.node[each.key].name
}

resource "aws_launch_template" "node" {
  for_each               = var.roles
  name                   = "${local.cluster_name}-${each.key}"
  image_id               = data.aws_ami.node.id
  instance_type          = each.value.instance_type
  vpc_security_group_ids = [aws_security_group.node.id]
  update_default_version = true
  user_data = base64encode(<<-EOT
    #cloud-config
    write_files:
      - path: /etc/cluster/role
        content: ${each.key}
  EOT
  )

  iam_instance_profile {
    name = aws_iam_instance_profile.node[each.key].name
  }

  tag_specifications {
    resource_type = "instance"
    tags          = { Name = "${local.cluster_name}-${each.key}", Role = each.key }
  }
}

resource "aws_lb" "public" {
  name               = "${local.cluster_name}-public"
  load_balancer_type = "application"
  security_groups    = [aws_security_group.lb.id]
  subnets            = local.network.public_subnet_ids
}

resource "aws_lb_target_group" "http" {
  name     = "${local.cluster_name}-http"
  port     = 80
  protocol = "HTTP"
  vpc_id   = local.network.vpc_id

  health_check {
    path = "/health"
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.public.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.http.arn
  }
}

resource "aws_autoscaling_group" "node" {
  for_each            = var.roles
  name                = "${local.cluster_name}-${each.key}"
  min_size            = each.value.size
  max_size            = each.value.size
  desired_capacity    = each.value.size
  vpc_zone_identifier = each.value.public ? local.network.public_subnet_ids : local.network.private_subnet_ids
  target_group_arns   = each.value.public ? [aws_lb_target_group.http.arn] : []
  health_check_type   = "EC2"

  launch_template {
    id      = aws_launch_template.node[each.key].id
    version = aws_launch_template.node[each.key].latest_version
  }

  tag {
    key                 = "Role"
    value               = each.key
    propagate_at_launch = true
  }
}

output "vpc_id" {
  value = local.network.vpc_id
}

output "load_balancer_dns" {
  value = aws_lb.public.dns_name
}

output "groups" {
  value = { for k, g in aws_autoscaling_group.node : k => g.arn }
}
