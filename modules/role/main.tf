locals {
  name = "${var.cluster_name}-${var.role}"
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = local.name
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

resource "aws_iam_instance_profile" "this" {
  name = local.name
  role = aws_iam_role.this.name
  tags = var.tags
}

resource "aws_security_group" "this" {
  name        = local.name
  description = "${var.role} nodes of ${var.cluster_name}"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = local.name })

  # Nodes of a role talk to each other freely.
  ingress {
    from_port = 0
    to_port   = 0
    protocol  = "-1"
    self      = true
  }

  dynamic "ingress" {
    for_each = var.ingress
    content {
      from_port       = ingress.value.from_port
      to_port         = ingress.value.to_port
      protocol        = ingress.value.protocol
      cidr_blocks     = ingress.value.cidr_blocks
      security_groups = ingress.value.security_groups
    }
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# The node's cloud-init, rendered when every value it needs is known (load balancer names are
# known only after apply; so is the user data, and the plan says so).
data "infra_template" "user_data" {
  source = var.template
  vars   = merge(var.template_vars, { role = var.role })
}

resource "aws_launch_template" "this" {
  name                   = local.name
  image_id               = var.image_id
  instance_type          = var.instance_type
  update_default_version = true
  user_data              = base64encode(data.infra_template.user_data.rendered)
  tags                   = var.tags

  iam_instance_profile {
    name = aws_iam_instance_profile.this.name
  }

  network_interfaces {
    associate_public_ip_address = var.associate_public_ip_address
    security_groups             = concat([aws_security_group.this.id], var.security_group_ids)
    delete_on_termination       = true
  }

  metadata_options {
    http_tokens = "required"
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(var.tags, { Name = local.name, Role = var.role })
  }
}

resource "aws_autoscaling_group" "this" {
  name                = local.name
  min_size            = var.size
  max_size            = var.size
  desired_capacity    = var.size
  vpc_zone_identifier = var.subnet_ids
  target_group_arns   = var.target_group_arns
  load_balancers      = var.load_balancers
  health_check_type   = var.health_check_type

  launch_template {
    id      = aws_launch_template.this.id
    version = aws_launch_template.this.latest_version
  }

  # A new launch template version replaces the instances in batches, and apply waits for them.
  dynamic "instance_refresh" {
    for_each = var.rollout == null ? [] : [var.rollout]
    content {
      strategy = "Rolling"
      preferences {
        min_healthy_percentage = instance_refresh.value.min_healthy_percentage
        max_healthy_percentage = instance_refresh.value.max_healthy_percentage
        instance_warmup        = tostring(instance_refresh.value.instance_warmup)
        checkpoint_percentages = instance_refresh.value.checkpoint_percentages
        checkpoint_delay       = tostring(instance_refresh.value.checkpoint_delay)
        auto_rollback          = instance_refresh.value.auto_rollback
      }
    }
  }

  tag {
    key                 = "Role"
    value               = var.role
    propagate_at_launch = true
  }
}
