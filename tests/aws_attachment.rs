//! aws_autoscaling_attachment against moto: attaches a group to a target group, re-plans to no
//! changes, shows a detach done outside infra as a re-create, and detaches on destroy.

mod support;

use support::{Work, runtime};

#[test]
fn an_attachment_registers_a_group_with_a_target_group() {
    let w = Work::new(
        r#"
data "aws_ami" "any" {
  most_recent = true
  owners      = ["amazon"]
}

resource "aws_vpc" "v" {
  cidr_block = "10.60.0.0/16"
}

resource "aws_subnet" "s" {
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.60.1.0/24"
}

resource "aws_launch_template" "t" {
  name          = "attach"
  image_id      = data.aws_ami.any.id
  instance_type = "t3.micro"
}

resource "aws_autoscaling_group" "g" {
  name                = "attach"
  min_size            = 1
  max_size            = 1
  vpc_zone_identifier = [aws_subnet.s.id]
  launch_template {
    id      = aws_launch_template.t.id
    version = "$Latest"
  }
  lifecycle {
    ignore_changes = [target_group_arns]
  }
}

resource "aws_lb_target_group" "tg" {
  name     = "attach"
  port     = 80
  protocol = "HTTP"
  vpc_id   = aws_vpc.v.id
}

resource "aws_autoscaling_attachment" "a" {
  autoscaling_group_name = aws_autoscaling_group.g.name
  lb_target_group_arn    = aws_lb_target_group.tg.arn
}

resource "aws_lb_target_group" "legacy" {
  name     = "attach-legacy"
  port     = 81
  protocol = "HTTP"
  vpc_id   = aws_vpc.v.id
}

# The argument's name before AWS provider 5.
resource "aws_autoscaling_attachment" "legacy" {
  autoscaling_group_name = aws_autoscaling_group.g.name
  alb_target_group_arn   = aws_lb_target_group.legacy.arn
}
"#,
    );
    w.ok(&["apply", "-auto-approve"]);
    let tg = w.attrs("aws_lb_target_group.tg")["arn"]
        .as_str()
        .unwrap()
        .to_string();
    let asg = aws_sdk_autoscaling::Client::new(&w.sdk());
    let rt = runtime();
    let legacy = w.attrs("aws_lb_target_group.legacy")["arn"]
        .as_str()
        .unwrap()
        .to_string();
    let attached_to = |rt: &tokio::runtime::Runtime, arn: &String| {
        rt.block_on(
            asg.describe_auto_scaling_groups()
                .auto_scaling_group_names("attach")
                .send(),
        )
        .unwrap()
        .auto_scaling_groups()[0]
            .target_group_arns()
            .contains(arn)
    };
    let attached = |rt: &tokio::runtime::Runtime| attached_to(rt, &tg);
    assert!(attached(&rt));
    assert!(attached_to(&rt, &legacy));
    w.assert_no_changes();
    rt.block_on(
        asg.detach_load_balancer_target_groups()
            .auto_scaling_group_name("attach")
            .target_group_arns(&tg)
            .send(),
    )
    .unwrap();
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_autoscaling_attachment.a will be created"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert!(attached(&rt));
    w.ok(&["destroy", "-auto-approve"]);
    let left = rt
        .block_on(asg.describe_auto_scaling_groups().send())
        .unwrap();
    assert!(left.auto_scaling_groups().is_empty());
}
