//! CloudWatch metric alarms against moto: an alarm on one metric that drives a scaling
//! policy, and one on a metric math expression; created, changed in place, noticed gone,
//! imported and destroyed, each checked through the SDK.

mod support;

use support::{Work, runtime};

fn alarms(w: &Work, prefix: &str) -> Vec<aws_sdk_cloudwatch::types::MetricAlarm> {
    let cw = aws_sdk_cloudwatch::Client::new(&w.sdk());
    let out = runtime()
        .block_on(cw.describe_alarms().alarm_name_prefix(prefix).send())
        .unwrap();
    out.metric_alarms().to_vec()
}

#[test]
fn alarms_on_a_metric_and_on_an_expression() {
    let config = |threshold: u32, team: &str| {
        format!(
            r#"
resource "aws_autoscaling_policy" "scale_up" {{
  name                   = "scale-up"
  autoscaling_group_name = aws_autoscaling_group.nodes.name
  adjustment_type        = "ChangeInCapacity"
  scaling_adjustment     = 1
  cooldown               = 300
}}

resource "aws_launch_template" "nodes" {{
  image_id      = data.aws_ami.base.id
  instance_type = "t3.micro"
}}

data "aws_ami" "base" {{
  most_recent = true
  owners      = ["amazon"]
  filter {{
    name   = "name"
    values = ["amzn2-ami-hvm-*-x86_64-gp2"]
  }}
}}

data "aws_availability_zones" "all" {{}}

resource "aws_autoscaling_group" "nodes" {{
  name               = "alarmed-nodes"
  availability_zones = [data.aws_availability_zones.all.names[0]]
  min_size           = 0
  max_size           = 2
  launch_template {{
    id = aws_launch_template.nodes.id
  }}
}}

resource "aws_cloudwatch_metric_alarm" "cpu_high" {{
  alarm_name          = "nodes-cpu-high"
  alarm_description   = "Scale up when busy"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 2
  metric_name         = "CPUUtilization"
  namespace           = "AWS/EC2"
  period              = 120
  statistic           = "Average"
  threshold           = {threshold}
  alarm_actions       = [aws_autoscaling_policy.scale_up.arn]
  ok_actions          = []
  dimensions = {{
    AutoScalingGroupName = aws_autoscaling_group.nodes.name
  }}
  tags = {{
    Team = "{team}"
  }}
}}

resource "aws_cloudwatch_metric_alarm" "errors" {{
  alarm_name          = "nodes-error-rate"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  threshold           = 5

  metric_query {{
    id          = "rate"
    expression  = "errors / requests * 100"
    label       = "Error rate"
    return_data = true
  }}

  metric_query {{
    id = "errors"
    metric {{
      metric_name = "HTTPCode_Target_5XX_Count"
      namespace   = "AWS/ApplicationELB"
      period      = 60
      stat        = "Sum"
    }}
  }}

  metric_query {{
    id = "requests"
    metric {{
      metric_name = "RequestCount"
      namespace   = "AWS/ApplicationELB"
      period      = 60
      stat        = "Sum"
    }}
  }}
}}
"#
        )
    };
    let w = Work::new(&config(80, "platform"));
    w.ok(&["apply", "-auto-approve"]);
    let found = alarms(&w, "nodes-");
    assert_eq!(found.len(), 2, "{found:?}");
    let high = found
        .iter()
        .find(|a| a.alarm_name() == Some("nodes-cpu-high"))
        .unwrap();
    assert_eq!(high.threshold(), Some(80.0));
    assert_eq!(high.evaluation_periods(), Some(2));
    let policy_arn = w.attrs("aws_autoscaling_policy.scale_up")["arn"].clone();
    assert_eq!(high.alarm_actions(), [policy_arn.as_str().unwrap()]);
    assert_eq!(high.dimensions()[0].value(), Some("alarmed-nodes"));
    let errors = found
        .iter()
        .find(|a| a.alarm_name() == Some("nodes-error-rate"))
        .unwrap();
    assert_eq!(errors.metrics().len(), 3);
    let state = w.attrs("aws_cloudwatch_metric_alarm.cpu_high");
    assert_eq!(state["id"], "nodes-cpu-high");
    assert_eq!(state["tags_all"]["Team"], "platform");
    assert!(
        state["arn"]
            .as_str()
            .unwrap()
            .ends_with(":alarm:nodes-cpu-high"),
        "{state}"
    );
    w.assert_no_changes();

    // The threshold and a tag change in place.
    w.write(&config(90, "infra"));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_cloudwatch_metric_alarm.cpu_high will be updated in-place"),
        "{plan}"
    );
    assert!(!plan.contains("must be replaced"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    let high = alarms(&w, "nodes-cpu-high");
    assert_eq!(high[0].threshold(), Some(90.0));
    let arn = high[0].alarm_arn().unwrap().to_string();
    let cw = aws_sdk_cloudwatch::Client::new(&w.sdk());
    let tags = runtime()
        .block_on(cw.list_tags_for_resource().resource_arn(&arn).send())
        .unwrap();
    assert!(
        tags.tags()
            .iter()
            .any(|t| t.key() == Some("Team") && t.value() == Some("infra")),
        "{tags:?}"
    );
    w.assert_no_changes();

    // Import by name; then gone behind infra's back: the next plan makes it again.
    w.ok(&["state", "rm", "aws_cloudwatch_metric_alarm.errors"]);
    w.ok(&[
        "import",
        "aws_cloudwatch_metric_alarm.errors",
        "nodes-error-rate",
    ]);
    w.assert_no_changes();
    runtime()
        .block_on(cw.delete_alarms().alarm_names("nodes-cpu-high").send())
        .unwrap();
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_cloudwatch_metric_alarm.cpu_high will be created"),
        "{plan}"
    );

    w.ok(&["destroy", "-auto-approve"]);
    assert!(alarms(&w, "nodes-").is_empty(), "every alarm is gone");
}

/// An alarm on a PromQL query (its criteria, evaluation interval and warm-up reach AWS over
/// the SDK's CBOR protocol, which the test emulator translates for moto; nothing evaluates
/// PromQL), changed in place and imported; an alarm on metrics without its comparison is
/// refused at plan.
#[test]
fn a_promql_alarm_with_a_warm_up() {
    let config = |pending: u32| {
        format!(
            r#"
resource "aws_cloudwatch_metric_alarm" "promql" {{
  alarm_name          = "promql-cpu-high"
  evaluation_interval = 30

  evaluation_criteria {{
    promql_criteria {{
      query          = "avg(cpu_usage) > 80"
      pending_period = {pending}
    }}
  }}

  warm_up_configuration {{
    warm_up_period_duration_in_minutes = 15
  }}
}}
"#
        )
    };
    let w = Work::new(&config(300));
    w.ok(&["apply", "-auto-approve"]);
    let read = || alarms(&w, "promql-").remove(0);
    let alarm = read();
    let criteria = alarm
        .evaluation_criteria()
        .and_then(|c| c.as_prom_ql_criteria().ok())
        .unwrap();
    assert_eq!(criteria.query(), Some("avg(cpu_usage) > 80"));
    assert_eq!(criteria.pending_period(), Some(300));
    assert_eq!(alarm.evaluation_interval(), Some(30));
    assert_eq!(
        alarm
            .warm_up_configuration()
            .and_then(|c| c.warm_up_period_duration_in_minutes()),
        Some(15)
    );
    w.assert_no_changes();

    w.write(&config(600));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("~ pending_period = 300 -> 600"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    let criteria = read()
        .evaluation_criteria()
        .and_then(|c| c.as_prom_ql_criteria().ok())
        .cloned()
        .unwrap();
    assert_eq!(criteria.pending_period(), Some(600));
    w.assert_no_changes();

    w.ok(&["state", "rm", "aws_cloudwatch_metric_alarm.promql"]);
    w.ok(&[
        "import",
        "aws_cloudwatch_metric_alarm.promql",
        "promql-cpu-high",
    ]);
    let imported = w.attrs("aws_cloudwatch_metric_alarm.promql");
    assert_eq!(
        imported["evaluation_criteria"][0]["promql_criteria"][0]["query"],
        "avg(cpu_usage) > 80"
    );
    w.assert_no_changes();

    w.write(
        &(config(600)
            + r#"
resource "aws_cloudwatch_metric_alarm" "bare" {
  alarm_name  = "bare"
  metric_name = "CPUUtilization"
  namespace   = "AWS/EC2"
  period      = 60
  statistic   = "Average"
  threshold   = 80
}
"#),
    );
    let out = w.infra(&["plan"]);
    assert_eq!(out.status.code(), Some(1));
    let err = support::text(&out.stderr);
    assert!(
        err.contains("aws_cloudwatch_metric_alarm.bare")
            && err.contains("comparison_operator is required"),
        "{err}"
    );
    w.write(&config(600));
    w.ok(&["destroy", "-auto-approve"]);
    assert!(alarms(&w, "promql-").is_empty());
}
