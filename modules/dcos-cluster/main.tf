locals {
  tags     = merge(var.tags, { Cluster = var.cluster_name })
  template = "${path.module}/../../templates/cluster-node.yaml.j2"
  # What every node's cloud-init writes to /etc/chef/client-config.json.
  node_config = {
    cluster_name    = var.cluster_name
    region          = var.region
    masters_address = aws_elb.masters_internal.dns_name
    master_count    = var.masters
  }
}

module "network" {
  source             = "../network"
  name               = var.cluster_name
  cidr_block         = var.cidr_block
  availability_zones = var.availability_zones
  nat_gateway        = "single"
  tags               = local.tags
}

# --- load balancers ----------------------------------------------------------------------

resource "aws_security_group" "masters_lb" {
  name        = "${var.cluster_name}-masters-lb"
  description = "The masters' load balancers"
  vpc_id      = module.network.vpc_id
  tags        = local.tags

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = var.admin_cidr_blocks
  }

  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = [var.cidr_block]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = [var.cidr_block]
  }
}

# Discovery: agents find the masters through this internal load balancer.
resource "aws_elb" "masters_internal" {
  name            = "${var.cluster_name}-masters-int"
  internal        = true
  subnets         = module.network.private_subnet_ids
  security_groups = [aws_security_group.masters_lb.id]
  tags            = local.tags

  listener {
    lb_port           = 80
    lb_protocol       = "http"
    instance_port     = 80
    instance_protocol = "http"
  }

  health_check {
    target              = "HTTP:80/"
    interval            = 30
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

# Administrators reach the masters' UI and API through this one.
resource "aws_elb" "masters_public" {
  name            = "${var.cluster_name}-masters"
  subnets         = module.network.public_subnet_ids
  security_groups = [aws_security_group.masters_lb.id]
  tags            = local.tags

  listener {
    lb_port           = 443
    lb_protocol       = "tcp"
    instance_port     = 443
    instance_protocol = "tcp"
  }
}

resource "aws_security_group" "public_lb" {
  name        = "${var.cluster_name}-public-lb"
  description = "HTTP to the public agents"
  vpc_id      = module.network.vpc_id
  tags        = local.tags

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
    cidr_blocks = [var.cidr_block]
  }
}

resource "aws_lb" "public_agents" {
  name               = "${var.cluster_name}-public"
  load_balancer_type = "application"
  subnets            = module.network.public_subnet_ids
  security_groups    = [aws_security_group.public_lb.id]
  tags               = local.tags
}

resource "aws_lb_target_group" "public_agents" {
  name     = "${var.cluster_name}-public"
  port     = 80
  protocol = "HTTP"
  vpc_id   = module.network.vpc_id
  tags     = local.tags

  health_check {
    path = "/"
  }
}

resource "aws_lb_listener" "public_agents" {
  load_balancer_arn = aws_lb.public_agents.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.public_agents.arn
  }
}

# --- roles -------------------------------------------------------------------------------

module "masters" {
  source         = "../role"
  cluster_name   = var.cluster_name
  role           = "master"
  vpc_id         = module.network.vpc_id
  subnet_ids     = module.network.private_subnet_ids
  image_id       = var.image_id
  instance_type  = var.instance_types.master
  size           = var.masters
  template       = local.template
  template_vars  = local.node_config
  load_balancers = [aws_elb.masters_internal.name, aws_elb.masters_public.name]
  tags           = local.tags
  ingress = [
    { from_port = 80, to_port = 80, protocol = "tcp", security_groups = [aws_security_group.masters_lb.id] },
    { from_port = 443, to_port = 443, protocol = "tcp", security_groups = [aws_security_group.masters_lb.id] },
    { from_port = 0, to_port = 0, protocol = "-1", cidr_blocks = [var.cidr_block] },
  ]
}

module "public_agents" {
  source                      = "../role"
  cluster_name                = var.cluster_name
  role                        = "public-agent"
  vpc_id                      = module.network.vpc_id
  subnet_ids                  = module.network.public_subnet_ids
  image_id                    = var.image_id
  instance_type               = var.instance_types.public_agent
  size                        = var.public_agents
  template                    = local.template
  template_vars               = local.node_config
  target_group_arns           = [aws_lb_target_group.public_agents.arn]
  associate_public_ip_address = true
  tags                        = local.tags
  ingress = [
    { from_port = 80, to_port = 80, protocol = "tcp", security_groups = [aws_security_group.public_lb.id] },
    { from_port = 0, to_port = 0, protocol = "-1", cidr_blocks = [var.cidr_block] },
  ]
}

module "private_agents" {
  source        = "../role"
  cluster_name  = var.cluster_name
  role          = "private-agent"
  vpc_id        = module.network.vpc_id
  subnet_ids    = module.network.private_subnet_ids
  image_id      = var.image_id
  instance_type = var.instance_types.private_agent
  size          = var.private_agents
  template      = local.template
  template_vars = local.node_config
  tags          = local.tags
  ingress = [
    { from_port = 0, to_port = 0, protocol = "-1", cidr_blocks = [var.cidr_block] },
  ]
}
