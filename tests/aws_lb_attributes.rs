//! Load balancer, listener and target group settings that are attributes (Modify*Attributes)
//! against moto: each reaches AWS under its key, reads back, re-plans clean and changes in place.

mod support;

use std::collections::BTreeMap;
use support::{Work, runtime};

fn config(region: &str, server_header: bool, idle: u32) -> String {
    let percentage = if server_header { "50" } else { "off" };
    format!(
        r#"
resource "aws_vpc" "main" {{
  cidr_block = "10.32.0.0/16"
}}

resource "aws_subnet" "a" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.32.1.0/24"
  availability_zone = "{region}a"
}}

resource "aws_subnet" "b" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.32.2.0/24"
  availability_zone = "{region}b"
}}

resource "aws_lb" "web" {{
  name               = "attrs-web"
  subnets            = [aws_subnet.a.id, aws_subnet.b.id]
  enable_zonal_shift = true
  connection_logs {{
    bucket  = "attrs-logs"
    prefix  = "connections"
    enabled = true
  }}
}}

resource "aws_lb" "net" {{
  name                             = "attrs-net"
  load_balancer_type               = "network"
  subnets                          = [aws_subnet.a.id, aws_subnet.b.id]
  dns_record_client_routing_policy = "availability_zone_affinity"
}}

resource "aws_lb_target_group" "web" {{
  name                              = "attrs-web"
  port                              = 80
  protocol                          = "HTTP"
  vpc_id                            = aws_vpc.main.id
  load_balancing_algorithm_type     = "weighted_random"
  load_balancing_anomaly_mitigation = "on"

  target_group_health {{
    dns_failover {{
      minimum_healthy_targets_count = "2"
    }}
    unhealthy_state_routing {{
      minimum_healthy_targets_percentage = "{percentage}"
    }}
  }}
}}

resource "aws_lb_target_group" "tcp" {{
  name     = "attrs-tcp"
  port     = 6443
  protocol = "TCP"
  vpc_id   = aws_vpc.main.id
  target_health_state {{
    enable_unhealthy_connection_termination = false
    unhealthy_draining_interval             = 60
  }}
}}

resource "aws_lb_listener" "web" {{
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"

  routing_http_response_server_enabled                             = {server_header}
  routing_http_response_x_frame_options_header_value               = "DENY"
  routing_http_response_access_control_allow_origin_header_value   = "https://example.com"

  default_action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }}
}}

resource "aws_lb_listener" "net" {{
  load_balancer_arn        = aws_lb.net.arn
  port                     = 6443
  protocol                 = "TCP"
  tcp_idle_timeout_seconds = {idle}

  default_action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.tcp.arn
  }}
}}
"#
    )
}

/// An object's attributes as AWS answers them, by key.
fn attributes(w: &Work, address: &str) -> BTreeMap<String, String> {
    let arn = w.attrs(address)["arn"].as_str().unwrap().to_string();
    let client = aws_sdk_elasticloadbalancingv2::Client::new(&w.sdk());
    let pairs: Vec<(String, String)> = runtime().block_on(async {
        let pairs = |k: Option<&str>, v: Option<&str>| {
            (
                k.unwrap_or_default().to_string(),
                v.unwrap_or_default().to_string(),
            )
        };
        if address.starts_with("aws_lb_listener.") {
            let out = client
                .describe_listener_attributes()
                .listener_arn(arn)
                .send()
                .await
                .unwrap();
            let attrs = out.attributes().iter();
            attrs.map(|a| pairs(a.key(), a.value())).collect()
        } else if address.starts_with("aws_lb_target_group.") {
            let out = client
                .describe_target_group_attributes()
                .target_group_arn(arn)
                .send()
                .await
                .unwrap();
            let attrs = out.attributes().iter();
            attrs.map(|a| pairs(a.key(), a.value())).collect()
        } else {
            let out = client
                .describe_load_balancer_attributes()
                .load_balancer_arn(arn)
                .send()
                .await
                .unwrap();
            let attrs = out.attributes().iter();
            attrs.map(|a| pairs(a.key(), a.value())).collect()
        }
    });
    pairs.into_iter().collect()
}

#[test]
fn settings_reach_aws_as_attributes_and_change_in_place() {
    let w = Work::new("");
    w.write(&config(w.region, false, 600));
    w.ok(&["apply", "-auto-approve"]);

    let web = attributes(&w, "aws_lb.web");
    assert_eq!(web["zonal_shift.config.enabled"], "true");
    assert_eq!(web["connection_logs.s3.enabled"], "true");
    assert_eq!(web["connection_logs.s3.bucket"], "attrs-logs");
    assert_eq!(web["connection_logs.s3.prefix"], "connections");
    let net = attributes(&w, "aws_lb.net");
    assert_eq!(
        net["dns_record.client_routing_policy"],
        "availability_zone_affinity"
    );
    assert!(
        !net.contains_key("connection_logs.s3.enabled"),
        "an application load balancer's logs are not sent to a network one: {net:?}"
    );

    let tg = attributes(&w, "aws_lb_target_group.web");
    assert_eq!(tg["load_balancing.algorithm.anomaly_mitigation"], "on");
    assert_eq!(
        tg["target_group_health.dns_failover.minimum_healthy_targets.count"],
        "2"
    );
    assert_eq!(
        tg["target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage"],
        "off"
    );
    let tcp = attributes(&w, "aws_lb_target_group.tcp");
    assert_eq!(
        tcp["target_health_state.unhealthy.connection_termination.enabled"],
        "false"
    );
    assert_eq!(
        tcp["target_health_state.unhealthy.draining_interval_seconds"],
        "60"
    );
    // The balancers forwarding to a group: known once the listener exists, so read again.
    w.ok(&["apply", "-refresh-only", "-auto-approve"]);
    let web_arn = w.attrs("aws_lb.web")["arn"].clone();
    assert_eq!(
        w.attrs("aws_lb_target_group.web")["load_balancer_arns"],
        serde_json::json!([web_arn])
    );

    let listener = attributes(&w, "aws_lb_listener.web");
    assert_eq!(listener["routing.http.response.server.enabled"], "false");
    assert_eq!(
        listener["routing.http.response.x_frame_options.header_value"],
        "DENY"
    );
    assert_eq!(
        listener["routing.http.response.access_control_allow_origin.header_value"],
        "https://example.com"
    );
    assert_eq!(
        attributes(&w, "aws_lb_listener.net")["tcp.idle_timeout.seconds"],
        "600"
    );
    let state = w.attrs("aws_lb_listener.web");
    assert_eq!(state["routing_http_response_server_enabled"], false);
    assert_eq!(
        state["routing_http_response_x_frame_options_header_value"],
        "DENY"
    );
    assert_eq!(
        w.attrs("aws_lb_listener.net")["tcp_idle_timeout_seconds"],
        600
    );
    w.assert_no_changes();

    // Changed in place: only the settings that changed are sent.
    w.write(&config(w.region, true, 300));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_lb_listener.web will be updated in-place")
            && plan.contains("aws_lb_listener.net will be updated in-place")
            && plan.contains("aws_lb_target_group.web will be updated in-place")
            && plan.contains("0 to add, 3 to change, 0 to destroy"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(
        attributes(&w, "aws_lb_listener.web")["routing.http.response.server.enabled"],
        "true"
    );
    assert_eq!(
        attributes(&w, "aws_lb_listener.net")["tcp.idle_timeout.seconds"],
        "300"
    );
    assert_eq!(
        attributes(&w, "aws_lb_target_group.web")["target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage"],
        "50"
    );
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
}
