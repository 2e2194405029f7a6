//! Load balancers against moto: aws_lb, aws_lb_target_group and aws_lb_listener. Each lifecycle is checked through the SDK: create, no-change re-plan, update in
//! place, replace, import and destroy.

mod support;

use support::{Work, runtime, text};

/// A VPC with two subnets in two zones of the test's region, then `rest`.
fn network(region: &str, rest: &str) -> String {
    format!(
        r#"
resource "aws_vpc" "main" {{
  cidr_block = "10.30.0.0/16"
}}

resource "aws_subnet" "a" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.30.1.0/24"
  availability_zone = "{region}a"
}}

resource "aws_subnet" "b" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.30.2.0/24"
  availability_zone = "{region}b"
}}
{rest}"#
    )
}

fn assert_plan(w: &Work, wanted: &str) {
    let out = w.infra(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(wanted),
        "plan should say {wanted:?}:\n{}",
        text(&out.stdout)
    );
}

fn elbv2(w: &Work) -> aws_sdk_elasticloadbalancingv2::Client {
    aws_sdk_elasticloadbalancingv2::Client::new(&w.sdk())
}

fn str_of(v: &serde_json::Value, k: &str) -> String {
    v[k].as_str()
        .unwrap_or_else(|| panic!("{k} in {v}"))
        .to_string()
}

const LB: &str = r#"
resource "aws_lb" "web" {
  name               = "LB_NAME"
  subnets            = [aws_subnet.a.id, aws_subnet.b.id]
  security_groups    = [aws_vpc.main.default_security_group_id]
  idle_timeout       = IDLE

  drop_invalid_header_fields = true
  desync_mitigation_mode     = "strictest"

  tags = {
    Name = "TAG"
  }
}

resource "aws_lb_target_group" "app" {
  name        = "app"
  port        = TG_PORT
  protocol    = "HTTP"
  vpc_id      = aws_vpc.main.id
  deregistration_delay = DELAY

  health_check {
    path     = "HC_PATH"
    interval = 15
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = LISTEN_PORT
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}
"#;

struct LbConfig {
    name: &'static str,
    idle: u32,
    tag: &'static str,
    tg_port: u32,
    delay: u32,
    hc_path: &'static str,
    listen_port: u32,
}

const BASE: LbConfig = LbConfig {
    name: "web",
    idle: 60,
    tag: "one",
    tg_port: 80,
    delay: 300,
    hc_path: "/",
    listen_port: 80,
};

fn lb_config(region: &str, c: &LbConfig) -> String {
    network(
        region,
        &LB.replace("LB_NAME", c.name)
            .replace("IDLE", &c.idle.to_string())
            .replace("TAG", c.tag)
            .replace("TG_PORT", &c.tg_port.to_string())
            .replace("DELAY", &c.delay.to_string())
            .replace("HC_PATH", c.hc_path)
            .replace("LISTEN_PORT", &c.listen_port.to_string()),
    )
}

#[test]
fn application_load_balancer_lifecycle() {
    let w = Work::new("");
    w.write(&lb_config(w.region, &BASE));
    w.ok(&["apply", "-auto-approve"]);
    let lb = w.attrs("aws_lb.web");
    let lb_arn = str_of(&lb, "arn");
    assert_eq!(lb["id"], lb["arn"]);
    assert!(str_of(&lb, "arn_suffix").starts_with("app/web/"), "{lb}");
    assert!(!str_of(&lb, "dns_name").is_empty(), "{lb}");
    assert_eq!(lb["vpc_id"], w.attrs("aws_vpc.main")["id"]);
    assert_eq!(lb["internal"], false);
    assert_eq!(lb["load_balancer_type"], "application");
    let tg = w.attrs("aws_lb_target_group.app");
    let tg_arn = str_of(&tg, "arn");
    assert_eq!(tg["health_check"][0]["interval"], 15);
    assert_eq!(tg["health_check"][0]["healthy_threshold"], 3);
    assert_eq!(tg["deregistration_delay"], "300");
    assert_eq!(tg["target_type"], "instance");
    let listener_arn = str_of(&w.attrs("aws_lb_listener.http"), "arn");

    let api = elbv2(&w);
    let rt = runtime();
    let got = rt
        .block_on(
            api.describe_load_balancers()
                .load_balancer_arns(&lb_arn)
                .send(),
        )
        .unwrap();
    let l = &got.load_balancers()[0];
    assert_eq!(l.load_balancer_name(), Some("web"));
    assert_eq!(l.availability_zones().len(), 2);
    assert_eq!(
        l.state().and_then(|s| s.code()).map(|c| c.as_str()),
        Some("active")
    );
    let tags = rt
        .block_on(api.describe_tags().resource_arns(&lb_arn).send())
        .unwrap();
    let tags: std::collections::BTreeMap<_, _> = tags.tag_descriptions()[0]
        .tags()
        .iter()
        .map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string()))
        .collect();
    assert_eq!(tags.get("Name").map(String::as_str), Some("one"));
    assert_eq!(
        tags.get("infra:address").map(String::as_str),
        Some("aws_lb.web")
    );
    let got = rt
        .block_on(
            api.describe_target_groups()
                .target_group_arns(&tg_arn)
                .send(),
        )
        .unwrap();
    assert_eq!(
        got.target_groups()[0].health_check_interval_seconds(),
        Some(15)
    );
    assert_eq!(got.target_groups()[0].healthy_threshold_count(), Some(3));
    let got = rt
        .block_on(api.describe_listeners().listener_arns(&listener_arn).send())
        .unwrap();
    assert_eq!(
        got.listeners()[0].default_actions()[0].target_group_arn(),
        Some(tg_arn.as_str())
    );

    w.assert_no_changes();

    // In place: the load balancer's attribute and tag, the group's health check and
    // deregistration delay, the listener's port.
    w.write(&lb_config(
        w.region,
        &LbConfig {
            idle: 120,
            tag: "two",
            delay: 30,
            hc_path: "/health",
            listen_port: 8080,
            ..BASE
        },
    ));
    assert_plan(&w, "3 to change");
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(w.attrs("aws_lb.web")["arn"], lb_arn.as_str());
    assert_eq!(
        w.attrs("aws_lb_listener.http")["arn"],
        listener_arn.as_str()
    );
    let attrs = rt
        .block_on(
            api.describe_load_balancer_attributes()
                .load_balancer_arn(&lb_arn)
                .send(),
        )
        .unwrap();
    assert!(
        attrs
            .attributes()
            .iter()
            .any(|a| a.key() == Some("idle_timeout.timeout_seconds") && a.value() == Some("120")),
        "{attrs:?}"
    );
    // Application-only settings reach AWS as attributes (and read back clean: the re-plans).
    for (key, value) in [
        ("routing.http.drop_invalid_header_fields.enabled", "true"),
        ("routing.http.desync_mitigation_mode", "strictest"),
    ] {
        assert!(
            attrs
                .attributes()
                .iter()
                .any(|a| a.key() == Some(key) && a.value() == Some(value)),
            "{key}: {attrs:?}"
        );
    }
    let got = rt
        .block_on(
            api.describe_target_groups()
                .target_group_arns(&tg_arn)
                .send(),
        )
        .unwrap();
    assert_eq!(got.target_groups()[0].health_check_path(), Some("/health"));
    let tg_attrs = rt
        .block_on(
            api.describe_target_group_attributes()
                .target_group_arn(&tg_arn)
                .send(),
        )
        .unwrap();
    assert!(
        tg_attrs
            .attributes()
            .iter()
            .any(|a| a.key() == Some("deregistration_delay.timeout_seconds")
                && a.value() == Some("30")),
        "{tg_attrs:?}"
    );
    let got = rt
        .block_on(api.describe_listeners().listener_arns(&listener_arn).send())
        .unwrap();
    assert_eq!(got.listeners()[0].port(), Some(8080));
    w.assert_no_changes();

    // Force-new: the load balancer's name and the group's port replace them; the listener
    // follows its load balancer.
    w.write(&lb_config(
        w.region,
        &LbConfig {
            name: "web2",
            idle: 120,
            tag: "two",
            tg_port: 8080,
            delay: 30,
            hc_path: "/health",
            listen_port: 8080,
        },
    ));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("must be replaced"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    let new_lb = str_of(&w.attrs("aws_lb.web"), "arn");
    let new_tg = str_of(&w.attrs("aws_lb_target_group.app"), "arn");
    assert_ne!(new_lb, lb_arn);
    assert_ne!(new_tg, tg_arn);
    let names: Vec<String> = rt
        .block_on(api.describe_load_balancers().send())
        .unwrap()
        .load_balancers()
        .iter()
        .filter_map(|l| l.load_balancer_name().map(str::to_string))
        .collect();
    assert_eq!(names, vec!["web2".to_string()]);
    let groups = rt.block_on(api.describe_target_groups().send()).unwrap();
    assert_eq!(groups.target_groups().len(), 1, "the old group is gone");
    w.assert_no_changes();

    // Import: forgotten by state, found again by ARN, and nothing to change.
    let listener_arn = str_of(&w.attrs("aws_lb_listener.http"), "arn");
    for (addr, arn) in [
        ("aws_lb.web", &new_lb),
        ("aws_lb_target_group.app", &new_tg),
        ("aws_lb_listener.http", &listener_arn),
    ] {
        w.ok(&["state", "rm", addr]);
        w.ok(&["import", addr, arn]);
        assert_eq!(w.attrs(addr)["id"], arn.as_str());
    }
    w.assert_no_changes();

    w.ok(&["destroy", "-auto-approve"]);
    let left = rt.block_on(api.describe_load_balancers().send()).unwrap();
    assert!(left.load_balancers().is_empty(), "{left:?}");
    let left = rt.block_on(api.describe_target_groups().send()).unwrap();
    assert!(left.target_groups().is_empty(), "{left:?}");
}

/// The targets registered with a target group, as `id:port`.
fn registered(w: &Work, tg_arn: &str) -> Vec<String> {
    let out = runtime()
        .block_on(
            elbv2(w)
                .describe_target_health()
                .target_group_arn(tg_arn)
                .send(),
        )
        .unwrap();
    let mut got: Vec<String> = out
        .target_health_descriptions()
        .iter()
        .filter_map(|d| d.target())
        .map(|t| format!("{}:{}", t.id().unwrap_or_default(), t.port().unwrap_or(0)))
        .collect();
    got.sort();
    got
}

#[test]
fn target_group_attachment_registers_deregisters_and_notices_drift() {
    let w = Work::new("");
    let (image, _) = w.two_images();
    let config = |port: u16| {
        network(
            w.region,
            &format!(
                r#"
resource "aws_lb_target_group" "app" {{
  name     = "app"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id
}}

resource "aws_instance" "web" {{
  ami           = "{image}"
  instance_type = "t3.micro"
  subnet_id     = aws_subnet.a.id
}}

resource "aws_alb_target_group_attachment" "web" {{
  target_group_arn = aws_lb_target_group.app.arn
  target_id        = aws_instance.web.id
  port             = {port}
}}
"#
            ),
        )
    };
    w.write(&config(8080));
    w.ok(&["apply", "-auto-approve"]);
    let tg_arn = str_of(&w.attrs("aws_lb_target_group.app"), "arn");
    let instance = str_of(&w.attrs("aws_instance.web"), "id");
    let attachment = w.attrs("aws_alb_target_group_attachment.web");
    assert!(
        str_of(&attachment, "id").starts_with(&tg_arn),
        "{attachment}"
    );
    assert_eq!(registered(&w, &tg_arn), vec![format!("{instance}:8080")]);
    w.assert_no_changes();

    // Another port replaces the attachment: the old registration goes, the new one comes.
    w.write(&config(9090));
    assert_plan(&w, "must be replaced");
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(registered(&w, &tg_arn), vec![format!("{instance}:9090")]);
    w.assert_no_changes();

    // Deregistered behind infra's back: the plan registers it again.
    runtime()
        .block_on(
            elbv2(&w)
                .deregister_targets()
                .target_group_arn(&tg_arn)
                .targets(
                    aws_sdk_elasticloadbalancingv2::types::TargetDescription::builder()
                        .id(&instance)
                        .port(9090)
                        .build(),
                )
                .send(),
        )
        .unwrap();
    assert_plan(&w, "will be created");
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(registered(&w, &tg_arn), vec![format!("{instance}:9090")]);

    w.ok(&["state", "rm", "aws_alb_target_group_attachment.web"]);
    let out = w.infra(&["import", "aws_alb_target_group_attachment.web", "x"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("cannot be imported"),
        "{}",
        text(&out.stderr)
    );

    w.ok(&["destroy", "-auto-approve"]);
    let left = runtime()
        .block_on(elbv2(&w).describe_target_groups().send())
        .unwrap();
    assert!(left.target_groups().is_empty(), "{left:?}");
}

/// Listener rules of every action and condition kind; the listener's own default action as
/// weighted forwarding with stickiness.
fn rules_config(region: &str, weight: u32, path: &str) -> String {
    let lb = LB
        .replace("LB_NAME", "rules")
        .replace("IDLE", "60")
        .replace("TAG", "rules")
        .replace("TG_PORT", "80")
        .replace("DELAY", "300")
        .replace("HC_PATH", "/")
        .replace("LISTEN_PORT", "80");
    network(
        region,
        &(lb + &format!(
            r#"
resource "aws_lb_target_group" "canary" {{
  name     = "canary"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id
}}

resource "aws_lb_listener" "weighted" {{
  load_balancer_arn = aws_lb.web.arn
  port              = 8000
  protocol          = "HTTP"

  default_action {{
    type = "forward"
    forward {{
      target_group {{
        arn    = aws_lb_target_group.app.arn
        weight = {main}
      }}
      target_group {{
        arn    = aws_lb_target_group.canary.arn
        weight = {weight}
      }}
      stickiness {{
        enabled  = true
        duration = 600
      }}
    }}
  }}
}}

resource "aws_lb_listener_rule" "static" {{
  listener_arn = aws_lb_listener.http.arn
  priority     = 100

  action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.canary.arn
  }}

  condition {{
    path_pattern {{
      values = ["{path}"]
    }}
  }}

  condition {{
    host_header {{
      values = ["static.example.com"]
    }}
  }}
}}

resource "aws_lb_listener_rule" "health" {{
  listener_arn = aws_lb_listener.http.arn

  action {{
    type = "fixed-response"

    fixed_response {{
      content_type = "text/plain"
      message_body = "HEALTHY"
      status_code  = "200"
    }}
  }}

  condition {{
    query_string {{
      key   = "health"
      value = "check"
    }}
  }}
}}

resource "aws_lb_listener_rule" "guarded" {{
  listener_arn = aws_lb_listener.http.arn

  action {{
    type = "jwt-validation"

    jwt_validation {{
      issuer        = "https://idp.example.com"
      jwks_endpoint = "https://idp.example.com/.well-known/jwks.json"

      additional_claim {{
        format = "space-separated-values"
        name   = "scope"
        values = ["read", "write"]
      }}
    }}
  }}

  action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }}

  condition {{
    path_pattern {{
      regex_values = ["^/api/v[0-9]+/.*"]
    }}
  }}

  condition {{
    http_header {{
      http_header_name = "X-Tenant"
      regex_values     = ["^t-[a-z]+$"]
    }}
  }}

  condition {{
    source_ip {{
      values          = ["10.0.0.0/8"]
      ip_address_type = "ipv4"
    }}
  }}
}}

resource "aws_lb_listener_rule" "redirect" {{
  listener_arn = aws_lb_listener.http.arn

  action {{
    type = "redirect"

    redirect {{
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }}
  }}

  condition {{
    http_header {{
      http_header_name = "X-Forwarded-For"
      values           = ["192.168.1.*"]
    }}
  }}
}}
"#,
            main = 100 - weight
        )),
    )
}

#[test]
fn listener_rules_and_weighted_forwarding() {
    let w = Work::new("");
    w.write(&rules_config(w.region, 20, "/static/*"));
    w.ok(&["apply", "-auto-approve"]);
    let client = elbv2(&w);
    let rt = runtime();
    let listener = str_of(&w.attrs("aws_lb_listener.http"), "arn");
    let rules = || {
        rt.block_on(client.describe_rules().listener_arn(&listener).send())
            .unwrap()
            .rules()
            .iter()
            .filter(|r| r.is_default() != Some(true))
            .cloned()
            .collect::<Vec<_>>()
    };
    let found = rules();
    assert_eq!(found.len(), 4, "{found:?}");
    let priorities: Vec<&str> = found.iter().filter_map(|r| r.priority()).collect();
    assert!(priorities.contains(&"100"), "{priorities:?}");
    // Rules without a priority take the next free ones, each its own though created at once.
    let mut taken: Vec<i64> = ["static", "health", "redirect", "guarded"]
        .iter()
        .map(|name| {
            w.attrs(&format!("aws_lb_listener_rule.{name}"))["priority"]
                .as_i64()
                .unwrap()
        })
        .collect();
    taken.sort();
    taken.dedup();
    assert_eq!(taken.len(), 4, "{taken:?}");
    // A bearer token validated before forwarding, on regex conditions.
    let guarded = str_of(&w.attrs("aws_lb_listener_rule.guarded"), "arn");
    let rule = found
        .iter()
        .find(|r| r.rule_arn() == Some(guarded.as_str()))
        .unwrap();
    let jwt = rule.actions()[0].jwt_validation_config().unwrap();
    assert_eq!(jwt.issuer(), Some("https://idp.example.com"));
    assert_eq!(jwt.additional_claims()[0].values(), ["read", "write"]);
    let regex: Vec<&str> = rule
        .conditions()
        .iter()
        .filter_map(|c| c.path_pattern_config())
        .flat_map(|p| p.regex_values())
        .map(String::as_str)
        .collect();
    assert_eq!(regex, ["^/api/v[0-9]+/.*"]);
    let weighted = str_of(&w.attrs("aws_lb_listener.weighted"), "arn");
    let forward = rt
        .block_on(client.describe_listeners().listener_arns(&weighted).send())
        .unwrap()
        .listeners()[0]
        .default_actions()[0]
        .forward_config()
        .cloned()
        .unwrap();
    let mut weights: Vec<i32> = forward
        .target_groups()
        .iter()
        .filter_map(|g| g.weight())
        .collect();
    weights.sort();
    assert_eq!(weights, [20, 80]);
    w.assert_no_changes();

    // New weights and a new path change the listener and the rule in place.
    w.write(&rules_config(w.region, 50, "/assets/*"));
    assert_plan(&w, "aws_lb_listener_rule.static will be updated in-place");
    w.ok(&["apply", "-auto-approve"]);
    let statics = rules();
    let rule = statics
        .iter()
        .find(|r| r.priority() == Some("100"))
        .unwrap();
    let paths = rule
        .conditions()
        .iter()
        .find_map(|c| c.path_pattern_config())
        .map(|p| p.values().to_vec());
    assert_eq!(paths, Some(vec!["/assets/*".to_string()]));
    w.assert_no_changes();

    // Deleted behind infra's back, a rule is planned again; imported, it reads back whole.
    let health = str_of(&w.attrs("aws_lb_listener_rule.health"), "arn");
    rt.block_on(client.delete_rule().rule_arn(&health).send())
        .unwrap();
    assert_plan(&w, "aws_lb_listener_rule.health will be created");
    w.ok(&["apply", "-auto-approve"]);
    let redirect = str_of(&w.attrs("aws_lb_listener_rule.redirect"), "arn");
    w.ok(&["state", "rm", "aws_lb_listener_rule.redirect"]);
    w.ok(&["import", "aws_lb_listener_rule.redirect", &redirect]);
    w.ok(&["state", "rm", "aws_lb_listener_rule.guarded"]);
    w.ok(&["import", "aws_lb_listener_rule.guarded", &guarded]);
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
    assert!(
        rt.block_on(client.describe_rules().rule_arns(&redirect).send())
            .is_err(),
        "the rule is gone"
    );
}

/// A target group's attribute switches reach AWS and read back; one changes in place.
#[test]
fn target_group_switches() {
    let config = |algorithm: &str| {
        format!(
            r#"
resource "aws_vpc" "main" {{
  cidr_block = "10.31.0.0/16"
}}

resource "aws_lb_target_group" "web" {{
  name                              = "switches-web"
  port                              = 80
  protocol                          = "HTTP"
  protocol_version                  = "HTTP2"
  vpc_id                            = aws_vpc.main.id
  load_balancing_algorithm_type     = "{algorithm}"
  load_balancing_cross_zone_enabled = "true"
}}

resource "aws_lb_target_group" "tcp" {{
  name                   = "switches-tcp"
  port                   = 6443
  protocol               = "TCP"
  vpc_id                 = aws_vpc.main.id
  ip_address_type        = "ipv4"
  proxy_protocol_v2      = true
  connection_termination = true
  preserve_client_ip     = "false"
}}
"#
        )
    };
    let w = Work::new(&config("round_robin"));
    w.ok(&["apply", "-auto-approve"]);
    let client = elbv2(&w);
    let rt = runtime();
    let attributes = |resource: &str| {
        let arn = str_of(&w.attrs(resource), "arn");
        rt.block_on(
            client
                .describe_target_group_attributes()
                .target_group_arn(arn)
                .send(),
        )
        .unwrap()
        .attributes()
        .iter()
        .map(|a| {
            (
                a.key().unwrap_or_default().to_string(),
                a.value().unwrap_or_default().to_string(),
            )
        })
        .collect::<std::collections::BTreeMap<_, _>>()
    };
    let tcp = attributes("aws_lb_target_group.tcp");
    assert_eq!(tcp["proxy_protocol_v2.enabled"], "true");
    assert_eq!(
        tcp["deregistration_delay.connection_termination.enabled"],
        "true"
    );
    assert_eq!(tcp["preserve_client_ip.enabled"], "false");
    let web = attributes("aws_lb_target_group.web");
    assert_eq!(web["load_balancing.cross_zone.enabled"], "true");
    assert_eq!(
        w.attrs("aws_lb_target_group.web")["protocol_version"],
        "HTTP2"
    );
    w.assert_no_changes();

    w.write(&config("least_outstanding_requests"));
    assert_plan(&w, "aws_lb_target_group.web will be updated in-place");
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(
        attributes("aws_lb_target_group.web")["load_balancing.algorithm.type"],
        "least_outstanding_requests"
    );
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
}
