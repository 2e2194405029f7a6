# A cluster on AWS: a network across three zones (public and private subnets, internet gateway,
# NAT, routes), security groups, and per cluster role an IAM instance profile, a launch template
# and an autoscaling group, with an application load balancer in front of the public agents.

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

variable "roles" {
  description = "Cluster roles: instance type, group size, and whether the nodes sit in public subnets behind the load balancer."
  type = map(object({
    instance_type = string
    size          = number
    public        = optional(bool, false)
  }))
  default = {
    master        = { instance_type = "t3.medium", size = 1 }
    public-agent  = { instance_type = "t3.large", size = 2, public = true }
    private-agent = { instance_type = "t3.large", size = 3 }
  }
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

module "network" {
  source             = "../../modules/network"
  name               = var.cluster_name
  cidr_block         = "10.30.0.0/16"
  availability_zones = slice(data.aws_availability_zones.available.names, 0, min(3, length(data.aws_availability_zones.available.names)))
  nat_gateway        = "single"
}

resource "aws_security_group" "lb" {
  name        = "${var.cluster_name}-lb"
  description = "HTTP from anywhere to the load balancer"
  vpc_id      = module.network.vpc_id

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
  name        = "${var.cluster_name}-node"
  description = "Cluster nodes: each other, and HTTP from the load balancer"
  vpc_id      = module.network.vpc_id

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
  name               = "${var.cluster_name}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.assume_ec2.json
}

resource "aws_iam_instance_profile" "node" {
  for_each = var.roles
  name     = "${var.cluster_name}-${each.key}"
  role     = aws_iam_role.node[each.key].name
}

resource "aws_launch_template" "node" {
  for_each               = var.roles
  name                   = "${var.cluster_name}-${each.key}"
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

  metadata_options {
    http_tokens = "required"
  }

  tag_specifications {
    resource_type = "instance"
    tags          = { Name = "${var.cluster_name}-${each.key}", Role = each.key }
  }
}

resource "aws_lb" "public" {
  name               = "${var.cluster_name}-public"
  load_balancer_type = "application"
  security_groups    = [aws_security_group.lb.id]
  subnets            = module.network.public_subnet_ids
}

resource "aws_lb_target_group" "http" {
  name     = "${var.cluster_name}-http"
  port     = 80
  protocol = "HTTP"
  vpc_id   = module.network.vpc_id

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
  name                = "${var.cluster_name}-${each.key}"
  min_size            = each.value.size
  max_size            = each.value.size
  desired_capacity    = each.value.size
  vpc_zone_identifier = each.value.public ? module.network.public_subnet_ids : module.network.private_subnet_ids
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
  value = module.network.vpc_id
}

output "load_balancer_dns" {
  value = aws_lb.public.dns_name
}

output "groups" {
  value = { for k, g in aws_autoscaling_group.node : k => g.arn }
}
