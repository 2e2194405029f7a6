//! Load balancer, listener and target group settings that are attributes (Modify*Attributes)
//! against moto: each reaches AWS under its key, reads back, re-plans clean and changes in place.

mod support;

use std::collections::BTreeMap;
use support::{Work, runtime};

/// A VPC of `10.{octet}.0.0/16` with two subnets, in zones a and b: where the balancers go.
fn network(region: &str, octet: u8) -> String {
    format!(
        r#"
resource "aws_vpc" "main" {{
  cidr_block = "10.{octet}.0.0/16"
}}

resource "aws_subnet" "a" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.{octet}.1.0/24"
  availability_zone = "{region}a"
}}

resource "aws_subnet" "b" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.{octet}.2.0/24"
  availability_zone = "{region}b"
}}
"#
    )
}

fn config(region: &str, server_header: bool, idle: u32) -> String {
    let percentage = if server_header { "50" } else { "off" };
    let prefix = if server_header {
        "conns"
    } else {
        "connections"
    };
    let network = network(region, 32);
    format!(
        r#"
{network}
resource "aws_lb" "web" {{
  name               = "attrs-web"
  subnets            = [aws_subnet.a.id, aws_subnet.b.id]
  enable_zonal_shift = true
  connection_logs {{
    bucket  = "attrs-logs"
    prefix  = "{prefix}"
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
            && plan.contains("aws_lb.web will be updated in-place")
            && plan.contains("0 to add, 4 to change, 0 to destroy"),
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
        attributes(&w, "aws_lb.web")["connection_logs.s3.prefix"],
        "conns"
    );
    assert_eq!(
        attributes(&w, "aws_lb_target_group.web")["target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage"],
        "50"
    );
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
}

/// Balancer, listener, rule and target group options with calls of their own (ModifyIpPools,
/// ModifyCapacityReservation, SetSecurityGroups) or carried in the object itself.
fn options_config(region: &str, units: u32, second: bool) -> String {
    let (enforce, mode, regex) = if second {
        ("off", "passthrough", "^/v2/(.*)$")
    } else {
        ("on", "verify", "^/v1/(.*)$")
    };
    let pools = if second {
        ""
    } else {
        "ipam_pools {\n    ipv4_ipam_pool_id = \"ipam-pool-0123456789abcdef0\"\n  }"
    };
    let trust = if second {
        ""
    } else {
        "trust_store_arn = \"arn:aws:elasticloadbalancing:us-east-1:123456789012:truststore/clients/0123456789abcdef\""
    };
    let network = network(region, 33);
    format!(
        r#"
{network}
resource "aws_security_group" "net" {{
  name   = "opts-net"
  vpc_id = aws_vpc.main.id
}}

resource "aws_lb" "web" {{
  name    = "opts-web"
  subnets = [aws_subnet.a.id, aws_subnet.b.id]
  {pools}
  minimum_load_balancer_capacity {{
    capacity_units = {units}
  }}
}}

resource "aws_lb" "net" {{
  name                              = "opts-net"
  load_balancer_type                = "network"
  subnets                           = [aws_subnet.a.id, aws_subnet.b.id]
  security_groups                   = [aws_security_group.net.id]
  enable_prefix_for_ipv6_source_nat = "off"
  enforce_security_group_inbound_rules_on_private_link_traffic = "{enforce}"
}}

resource "aws_lb_target_group" "web" {{
  name                = "opts-web"
  port                = 80
  protocol            = "HTTP"
  vpc_id              = aws_vpc.main.id
  target_control_port = 3000
}}

resource "aws_lb_listener" "https" {{
  load_balancer_arn = aws_lb.web.arn
  port              = 443
  protocol          = "HTTPS"
  certificate_arn   = "arn:aws:iam::123456789012:server-certificate/opts"

  mutual_authentication {{
    mode = "{mode}"
    {trust}
  }}

  default_action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }}
}}

resource "aws_lb_listener_rule" "api" {{
  listener_arn = aws_lb_listener.https.arn
  priority     = 10

  action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }}

  condition {{
    path_pattern {{
      values = ["/v1/*", "/v2/*"]
    }}
  }}

  transform {{
    type = "url-rewrite"
    url_rewrite_config {{
      rewrite {{
        regex   = "{regex}"
        replace = "/$1"
      }}
    }}
  }}
}}
"#
    )
}

#[test]
fn options_with_calls_of_their_own_reach_aws_and_change_in_place() {
    let w = Work::new("");
    let rt = runtime();
    // The listener's certificate, which the emulator checks on ModifyListener (infra manages
    // no certificates).
    let iam = aws_sdk_iam::Client::new(&w.sdk());
    rt.block_on(
        iam.upload_server_certificate()
            .server_certificate_name("opts")
            .certificate_body("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----")
            .private_key("-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----")
            .send(),
    )
    .unwrap();
    w.write(&options_config(w.region, 100, false));
    w.ok(&["apply", "-auto-approve"]);
    let client = aws_sdk_elasticloadbalancingv2::Client::new(&w.sdk());
    let arn = |address: &str| w.attrs(address)["arn"].as_str().unwrap().to_string();
    let balancer = |address: &str| {
        let out = rt.block_on(
            client
                .describe_load_balancers()
                .load_balancer_arns(arn(address))
                .send(),
        );
        out.unwrap().load_balancers()[0].clone()
    };
    let capacity = || {
        let out = rt.block_on(
            client
                .describe_capacity_reservation()
                .load_balancer_arn(arn("aws_lb.web"))
                .send(),
        );
        out.unwrap()
            .minimum_load_balancer_capacity()
            .and_then(|m| m.capacity_units())
    };
    let mutual = || {
        let out = rt.block_on(
            client
                .describe_listeners()
                .listener_arns(arn("aws_lb_listener.https"))
                .send(),
        );
        out.unwrap().listeners()[0]
            .mutual_authentication()
            .cloned()
            .unwrap()
    };
    let regex = || {
        let out = rt.block_on(
            client
                .describe_rules()
                .rule_arns(arn("aws_lb_listener_rule.api"))
                .send(),
        );
        let rule = out.unwrap().rules()[0].clone();
        let rewrites = rule
            .transforms()
            .first()
            .and_then(|t| t.url_rewrite_config());
        rewrites.and_then(|c| c.rewrites().first()?.regex().map(str::to_string))
    };

    let web = balancer("aws_lb.web");
    assert_eq!(
        web.ipam_pools().and_then(|p| p.ipv4_ipam_pool_id()),
        Some("ipam-pool-0123456789abcdef0")
    );
    assert_eq!(capacity(), Some(100));
    let net = balancer("aws_lb.net");
    assert_eq!(
        net.enforce_security_group_inbound_rules_on_private_link_traffic(),
        Some("on")
    );
    assert_eq!(
        net.enable_prefix_for_ipv6_source_nat().map(|e| e.as_str()),
        Some("off")
    );
    let m = mutual();
    assert_eq!(m.mode(), Some("verify"));
    assert!(
        m.trust_store_arn()
            .unwrap()
            .ends_with(":truststore/clients/0123456789abcdef")
    );
    assert_eq!(regex().as_deref(), Some("^/v1/(.*)$"));
    let tg = rt.block_on(
        client
            .describe_target_groups()
            .target_group_arns(arn("aws_lb_target_group.web"))
            .send(),
    );
    assert_eq!(
        tg.unwrap().target_groups()[0].target_control_port(),
        Some(3000)
    );
    w.assert_no_changes();

    // Each changed in place: a pool removed, capacity raised, enforcement off, another mode,
    // another rewrite.
    w.write(&options_config(w.region, 200, true));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("0 to add, 4 to change, 0 to destroy"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(
        balancer("aws_lb.web")
            .ipam_pools()
            .and_then(|p| p.ipv4_ipam_pool_id()),
        None
    );
    assert_eq!(capacity(), Some(200));
    assert_eq!(
        balancer("aws_lb.net").enforce_security_group_inbound_rules_on_private_link_traffic(),
        Some("off")
    );
    assert_eq!(mutual().mode(), Some("passthrough"));
    assert_eq!(regex().as_deref(), Some("^/v2/(.*)$"));
    w.assert_no_changes();

    // Import reads the options the configuration has.
    let listener = arn("aws_lb_listener.https");
    w.ok(&["state", "rm", "aws_lb_listener.https"]);
    w.ok(&["import", "aws_lb_listener.https", &listener]);
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
}
