//! The classic load balancer against moto: aws_elb's lifecycle checked through the SDK: create,
//! no-change re-plan, update in place (listener set, health check, attributes, instances, tags),
//! replace on a name change, import by name and destroy.

mod support;

use std::collections::BTreeMap;
use support::{Work, runtime, text};

fn elb(w: &Work) -> aws_sdk_elasticloadbalancing::Client {
    aws_sdk_elasticloadbalancing::Client::new(&w.sdk())
}

const CONFIG: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.40.1.0/24"
  availability_zone = "REGIONa"
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.40.2.0/24"
  availability_zone = "REGIONb"
}

resource "aws_elb" "web" {
  name            = "LB_NAME"
  subnets         = [aws_subnet.a.id, aws_subnet.b.id]
  security_groups = [aws_vpc.main.default_security_group_id]
  idle_timeout    = IDLE
  instances       = [INSTANCES]

  listener {
    instance_port     = BACKEND_PORT
    instance_protocol = "http"
    lb_port           = 80
    lb_protocol       = "HTTP"
  }
EXTRA_LISTENER
  health_check {
    healthy_threshold   = 2
    unhealthy_threshold = 2
    timeout             = 3
    target              = "TARGET"
    interval            = 30
  }

  tags = {
    Name = "TAG"
  }
}
"#;

const TCP_LISTENER: &str = r#"
  listener {
    instance_port     = 8443
    instance_protocol = "tcp"
    lb_port           = 443
    lb_protocol       = "tcp"
  }
"#;

struct Config<'a> {
    name: &'a str,
    idle: u32,
    instances: &'a [&'a str],
    backend_port: u32,
    extra_listener: bool,
    target: &'a str,
    tag: &'a str,
}

fn config(region: &str, c: &Config) -> String {
    let instances: Vec<String> = c.instances.iter().map(|i| format!("{i:?}")).collect();
    CONFIG
        .replace("REGION", region)
        .replace("LB_NAME", c.name)
        .replace("IDLE", &c.idle.to_string())
        .replace("INSTANCES", &instances.join(", "))
        .replace("BACKEND_PORT", &c.backend_port.to_string())
        .replace(
            "EXTRA_LISTENER",
            if c.extra_listener { TCP_LISTENER } else { "" },
        )
        .replace("TARGET", c.target)
        .replace("TAG", c.tag)
}

/// The emulator's view of one load balancer: (lb port, protocol, instance port) per listener,
/// health check target, registered instances, cross-zone, idle timeout, tags.
struct Seen {
    listeners: Vec<(i32, String, i32)>,
    target: String,
    instances: Vec<String>,
    cross_zone: bool,
    idle: i32,
    tags: BTreeMap<String, String>,
}

fn seen(api: &aws_sdk_elasticloadbalancing::Client, name: &str) -> Seen {
    let rt = runtime();
    let got = rt
        .block_on(
            api.describe_load_balancers()
                .load_balancer_names(name)
                .send(),
        )
        .unwrap();
    let lb = &got.load_balancer_descriptions()[0];
    let mut listeners: Vec<(i32, String, i32)> = lb
        .listener_descriptions()
        .iter()
        .filter_map(|d| d.listener())
        .map(|l| {
            (
                l.load_balancer_port(),
                l.protocol().to_string(),
                l.instance_port(),
            )
        })
        .collect();
    listeners.sort();
    let attrs = rt
        .block_on(
            api.describe_load_balancer_attributes()
                .load_balancer_name(name)
                .send(),
        )
        .unwrap();
    let attrs = attrs.load_balancer_attributes().unwrap();
    let tags = rt
        .block_on(api.describe_tags().load_balancer_names(name).send())
        .unwrap();
    Seen {
        listeners,
        target: lb.health_check().unwrap().target().to_string(),
        instances: lb
            .instances()
            .iter()
            .filter_map(|i| i.instance_id().map(str::to_string))
            .collect(),
        cross_zone: attrs.cross_zone_load_balancing().unwrap().enabled(),
        idle: attrs.connection_settings().unwrap().idle_timeout(),
        tags: tags.tag_descriptions()[0]
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().unwrap_or("").to_string()))
            .collect(),
    }
}

fn names(api: &aws_sdk_elasticloadbalancing::Client) -> Vec<String> {
    runtime()
        .block_on(api.describe_load_balancers().send())
        .unwrap()
        .load_balancer_descriptions()
        .iter()
        .filter_map(|l| l.load_balancer_name().map(str::to_string))
        .collect()
}

/// An instance to register, made through the SDK (infra has no aws_instance yet).
fn instance(w: &Work) -> String {
    let ec2 = w.ec2();
    let rt = runtime();
    let images = rt
        .block_on(ec2.describe_images().owners("amazon").send())
        .unwrap();
    let ami = images.images()[0].image_id().unwrap().to_string();
    let run = rt
        .block_on(
            ec2.run_instances()
                .image_id(ami)
                .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
                .min_count(1)
                .max_count(1)
                .send(),
        )
        .unwrap();
    run.instances()[0].instance_id().unwrap().to_string()
}

#[test]
fn classic_load_balancer_lifecycle() {
    let w = Work::new("");
    let api = elb(&w);
    let i1 = instance(&w);
    let base = Config {
        name: "web",
        idle: 60,
        instances: &[&i1],
        backend_port: 8000,
        extra_listener: false,
        target: "HTTP:8000/",
        tag: "one",
    };
    w.write(&config(w.region, &base));
    w.ok(&["apply", "-auto-approve"]);

    let a = w.attrs("aws_elb.web");
    assert_eq!(a["id"], "web");
    assert_eq!(a["name"], "web");
    let arn = a["arn"].as_str().unwrap();
    assert!(
        arn.starts_with(&format!("arn:aws:elasticloadbalancing:{}:", w.region))
            && arn.ends_with(":loadbalancer/web"),
        "{a}"
    );
    assert!(!a["dns_name"].as_str().unwrap_or("").is_empty(), "{a}");
    assert_eq!(a["internal"], false);
    assert_eq!(a["cross_zone_load_balancing"], true);
    assert_eq!(a["connection_draining"], false);
    assert_eq!(a["connection_draining_timeout"], 300);
    // Protocols are stored lowercase whatever the configuration's case.
    assert_eq!(a["listener"][0]["lb_protocol"], "http", "{a}");
    assert_eq!(a["health_check"][0]["target"], "HTTP:8000/");
    assert_eq!(
        a["source_security_group_id"],
        w.attrs("aws_vpc.main")["default_security_group_id"],
        "{a}"
    );
    let s = seen(&api, "web");
    assert_eq!(s.listeners, vec![(80, "HTTP".to_string(), 8000)]);
    assert_eq!(s.target, "HTTP:8000/");
    assert_eq!(s.instances, vec![i1.clone()]);
    assert!(s.cross_zone, "Terraform's default, not the API's");
    assert_eq!(s.idle, 60);
    assert_eq!(s.tags.get("Name").map(String::as_str), Some("one"));
    assert_eq!(
        s.tags.get("infra:address").map(String::as_str),
        Some("aws_elb.web")
    );

    w.assert_no_changes();

    // In place: one listener changes its backend port (removed and added on the same port),
    // another is added; health check, idle timeout, instances and tags change.
    let updated = Config {
        idle: 120,
        instances: &[],
        backend_port: 8001,
        extra_listener: true,
        target: "HTTP:8001/health",
        tag: "two",
        ..base
    };
    w.write(&config(w.region, &updated));
    let out = w.infra(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1 to change, 0 to destroy"),
        "{}",
        text(&out.stdout)
    );
    w.ok(&["apply", "-auto-approve"]);
    let s = seen(&api, "web");
    assert_eq!(
        s.listeners,
        vec![
            (80, "HTTP".to_string(), 8001),
            (443, "TCP".to_string(), 8443)
        ]
    );
    assert_eq!(s.target, "HTTP:8001/health");
    assert!(s.instances.is_empty(), "{:?}", s.instances);
    assert_eq!(s.idle, 120);
    assert_eq!(s.tags.get("Name").map(String::as_str), Some("two"));
    assert_eq!(
        w.attrs("aws_elb.web")["listener"].as_array().unwrap().len(),
        2
    );
    w.assert_no_changes();

    // A new name replaces the load balancer.
    w.write(&config(
        w.region,
        &Config {
            name: "web2",
            ..updated
        },
    ));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("must be replaced"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(w.attrs("aws_elb.web")["id"], "web2");
    assert_eq!(names(&api), vec!["web2".to_string()]);
    assert_eq!(seen(&api, "web2").listeners.len(), 2);
    w.assert_no_changes();

    // Import by name after state forgets it: nothing to change.
    w.ok(&["state", "rm", "aws_elb.web"]);
    w.ok(&["import", "aws_elb.web", "web2"]);
    let a = w.attrs("aws_elb.web");
    assert_eq!(a["id"], "web2");
    assert_eq!(a["idle_timeout"], 120);
    assert_eq!(a["tags"]["Name"], "two");
    w.assert_no_changes();

    w.ok(&["destroy", "-auto-approve"]);
    assert!(names(&api).is_empty());
}

/// A generated name, an internal scheme, zones instead of subnets and non-default attributes;
/// then the attributes change in place.
#[test]
fn classic_load_balancer_by_zone_with_name_prefix() {
    let w = Work::new("");
    let api = elb(&w);
    let tf = |draining: bool, timeout: u32| {
        format!(
            r#"
resource "aws_elb" "internal" {{
  name_prefix                 = "int-"
  availability_zones          = ["{region}a"]
  internal                    = true
  cross_zone_load_balancing   = false
  connection_draining         = {draining}
  connection_draining_timeout = {timeout}

  listener {{
    instance_port     = 80
    instance_protocol = "tcp"
    lb_port           = 80
    lb_protocol       = "tcp"
  }}
}}
"#,
            region = w.region
        )
    };
    w.write(&tf(true, 60));
    w.ok(&["apply", "-auto-approve"]);
    let a = w.attrs("aws_elb.internal");
    let name = a["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("int-") && name.len() == 4 + 26, "{name}");
    assert_eq!(a["id"], name.as_str());
    assert_eq!(a["internal"], true);
    assert_eq!(
        a["availability_zones"],
        serde_json::json!([format!("{}a", w.region)])
    );
    assert_eq!(a["connection_draining"], true);
    assert_eq!(a["connection_draining_timeout"], 60);
    assert_eq!(a["cross_zone_load_balancing"], false);

    let rt = runtime();
    let attrs = || {
        let got = rt
            .block_on(
                api.describe_load_balancer_attributes()
                    .load_balancer_name(&name)
                    .send(),
            )
            .unwrap();
        let a = got.load_balancer_attributes().unwrap();
        let d = a.connection_draining().unwrap();
        (
            a.cross_zone_load_balancing().unwrap().enabled(),
            d.enabled(),
            d.timeout(),
        )
    };
    assert_eq!(attrs(), (false, true, Some(60)));
    let got = rt
        .block_on(
            api.describe_load_balancers()
                .load_balancer_names(&name)
                .send(),
        )
        .unwrap();
    assert_eq!(
        got.load_balancer_descriptions()[0].scheme(),
        Some("internal")
    );
    w.assert_no_changes();

    w.write(&tf(false, 300));
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(
        w.attrs("aws_elb.internal")["name"],
        name.as_str(),
        "updated in place"
    );
    assert_eq!(attrs(), (false, false, Some(300)));
    w.assert_no_changes();

    w.ok(&["destroy", "-auto-approve"]);
    assert!(names(&api).is_empty());
}

/// An apply that died after CreateLoadBalancer left a load balancer tagged with this state's
/// lineage: the next apply takes it over instead of failing on the name. One with the same
/// name that is not this state's is refused.
#[test]
fn classic_load_balancer_left_by_a_crash_is_adopted() {
    let w = Work::new("");
    let api = elb(&w);
    let lb = |name: &str| {
        format!(
            r#"
resource "aws_elb" "{name}" {{
  name               = "{name}"
  availability_zones = ["{region}a"]

  listener {{
    instance_port     = 80
    instance_protocol = "http"
    lb_port           = 80
    lb_protocol       = "http"
  }}
}}
"#,
            region = w.region
        )
    };
    // A first apply gives the state its lineage.
    w.write(&lb("first"));
    w.ok(&["apply", "-auto-approve"]);
    let lineage = w.state()["lineage"].as_str().unwrap().to_string();

    let rt = runtime();
    let create = |name: &str, tags: &[(&str, &str)]| {
        let listener = aws_sdk_elasticloadbalancing::types::Listener::builder()
            .load_balancer_port(80)
            .protocol("HTTP")
            .instance_port(80)
            .instance_protocol("HTTP")
            .build()
            .unwrap();
        let mut req = api
            .create_load_balancer()
            .load_balancer_name(name)
            .availability_zones(format!("{}a", w.region))
            .listeners(listener);
        for (k, v) in tags {
            req = req.tags(
                aws_sdk_elasticloadbalancing::types::Tag::builder()
                    .key(*k)
                    .value(*v)
                    .build()
                    .unwrap(),
            );
        }
        rt.block_on(req.send()).unwrap();
    };
    create(
        "orphan",
        &[
            ("infra:address", "aws_elb.orphan"),
            ("infra:lineage", &lineage),
        ],
    );
    create("stranger", &[]);

    w.write(&format!("{}{}", lb("first"), lb("orphan")));
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(w.attrs("aws_elb.orphan")["id"], "orphan");
    let got = rt
        .block_on(
            api.describe_load_balancer_attributes()
                .load_balancer_name("orphan")
                .send(),
        )
        .unwrap();
    assert!(
        got.load_balancer_attributes()
            .unwrap()
            .cross_zone_load_balancing()
            .unwrap()
            .enabled(),
        "the adopted load balancer is brought to the configuration"
    );
    w.assert_no_changes();

    w.write(&format!(
        "{}{}{}",
        lb("first"),
        lb("orphan"),
        lb("stranger")
    ));
    let out = w.infra(&["apply", "-auto-approve"]);
    assert!(!out.status.success(), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("DuplicateLoadBalancerName"),
        "{}",
        text(&out.stderr)
    );

    w.write(&format!("{}{}", lb("first"), lb("orphan")));
    w.ok(&["destroy", "-auto-approve"]);
    let mut left = names(&api);
    left.sort();
    assert_eq!(
        left,
        vec!["stranger".to_string()],
        "only the stranger is left"
    );
}
