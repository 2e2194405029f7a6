# An app's process types, each an autoscaling group of its own: `web` behind an application
# load balancer, `worker` in the private subnets. Each type's size is a variable; the app's
# config vars are written into every instance's environment at boot. Changing a count is an
# in-place update of that type's group.

variable "app" {
  description = "The app's name."
  type        = string
  default     = "shop"
}

variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "eu-west-1"
}

variable "processes" {
  description = "Process types: command, count, and the port the load balancer sends traffic to (web only)."
  type = map(object({
    command       = string
    count         = number
    port          = optional(number)
    instance_type = optional(string, "t3.small")
  }))
  default = {
    web    = { command = "/usr/bin/shop serve", count = 2, port = 8080 }
    worker = { command = "/usr/bin/shop work --queue default", count = 1 }
  }
}

variable "instance_warmup" {
  description = "Seconds a new instance must stay healthy before a rollout moves on."
  type        = number
  default     = 60
}

variable "config_vars" {
  description = "The app's configuration, written to /etc/<app>/env on every instance."
  type        = map(string)
  default = {
    DATABASE_URL = "postgres://db.internal:5432/shop"
    LOG_LEVEL    = "info"
  }
  sensitive = true
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      App       = var.app
      ManagedBy = "infra"
    }
  }
}

data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_ami" "app" {
  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["amzn2-ami-hvm-*-x86_64-gp2"]
  }
}

# The image every process type boots from, baked by `infra apply` (or `infra bake`) in one of
# the app's private subnets, and baked again only when a file or command below changes.
image "app" {
  source_ami    = data.aws_ami.app.id
  instance_type = "t3.small"
  subnet_id     = module.network.private_subnet_ids[0]
  communicator  = "user-data"

  provisioner "file" {
    source      = "files/journald.conf"
    destination = "/tmp/journald.conf"
  }
  provisioner "shell" {
    script           = "scripts/install-app.sh"
    environment_vars = ["APP=${var.app}"]
  }

  ami_name = "${var.app}-{{fingerprint}}"
  tags     = { App = var.app }
}

module "network" {
  source             = "../../modules/network"
  name               = var.app
  cidr_block         = "10.50.0.0/16"
  availability_zones = slice(data.aws_availability_zones.available.names, 0, min(2, length(data.aws_availability_zones.available.names)))
  nat_gateway        = "single"
}

resource "aws_security_group" "lb" {
  name        = "${var.app}-lb"
  description = "HTTP to the web processes"
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
    cidr_blocks = ["10.50.0.0/16"]
  }
}

resource "aws_lb" "web" {
  name               = "${var.app}-web"
  load_balancer_type = "application"
  subnets            = module.network.public_subnet_ids
  security_groups    = [aws_security_group.lb.id]
}

resource "aws_lb_target_group" "web" {
  name     = "${var.app}-web"
  port     = var.processes["web"].port
  protocol = "HTTP"
  vpc_id   = module.network.vpc_id

  health_check {
    path = "/health"
  }
}

resource "aws_lb_listener" "web" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}

module "process" {
  source            = "../../modules/role"
  for_each          = var.processes
  cluster_name      = var.app
  role              = each.key
  vpc_id            = module.network.vpc_id
  subnet_ids        = module.network.private_subnet_ids
  image_id          = image.app.id
  instance_type     = each.value.instance_type
  size              = each.value.count
  template          = "${path.module}/../../templates/app-process.yaml.j2"
  target_group_arns = each.value.port != null ? [aws_lb_target_group.web.arn] : []
  # Web processes count as healthy when the load balancer says so; a new image rolls onto
  # each process type in batches that keep 90% serving.
  health_check_type = each.value.port != null ? "ELB" : "EC2"
  rollout           = { instance_warmup = var.instance_warmup }
  template_vars = merge(
    { app = var.app, command = each.value.command, env = var.config_vars },
    each.value.port != null ? { port = each.value.port } : {},
  )
  ingress = each.value.port != null ? [
    { from_port = each.value.port, to_port = each.value.port, protocol = "tcp", security_groups = [aws_security_group.lb.id] },
  ] : []
}

output "url" {
  value = "http://${aws_lb.web.dns_name}/"
}

output "image" {
  value = image.app.id
}

output "groups" {
  value = { for k, p in module.process : k => p.autoscaling_group_name }
}
