//! Route 53 against moto: a hosted zone, the data source that finds it, and record sets
//! (plain and alias) created, changed in place, noticed gone, imported and destroyed, each
//! checked through the SDK.

mod support;

use support::{Work, runtime};

fn route53(w: &Work) -> aws_sdk_route53::Client {
    aws_sdk_route53::Client::new(&w.sdk())
}

/// The zone's record sets as `name type ttl values`, leaving out its own SOA and NS.
fn record_sets(w: &Work, zone: &str) -> Vec<String> {
    let out = runtime()
        .block_on(
            route53(w)
                .list_resource_record_sets()
                .hosted_zone_id(zone)
                .send(),
        )
        .unwrap();
    let mut got: Vec<String> = out
        .resource_record_sets()
        .iter()
        .filter(|r| !matches!(r.r#type().as_str(), "SOA" | "NS"))
        .map(|r| {
            let values: Vec<&str> = r.resource_records().iter().map(|v| v.value()).collect();
            format!(
                "{} {} {} {}",
                r.name(),
                r.r#type().as_str(),
                r.ttl().unwrap_or(0),
                values.join(",")
            )
        })
        .collect();
    got.sort();
    got
}

#[test]
fn a_zone_found_by_name_and_its_records() {
    let config = |ttl: u32, ip: &str| {
        format!(
            r#"
resource "aws_route53_zone" "main" {{
  name          = "cluster-{ttl}.example.org"
  force_destroy = true
  tags = {{
    Team = "platform"
  }}
}}

data "aws_route53_zone" "main" {{
  name         = "${{aws_route53_zone.main.name}}."
  private_zone = false
}}

resource "aws_route53_record" "api" {{
  zone_id = data.aws_route53_zone.main.zone_id
  name    = "api.${{aws_route53_zone.main.name}}"
  type    = "A"
  ttl     = {ttl}
  records = ["{ip}"]
}}

resource "aws_route53_record" "www" {{
  zone_id = aws_route53_zone.main.zone_id
  name    = "www"
  type    = "CNAME"
  ttl     = 60
  records = ["api.${{aws_route53_zone.main.name}}"]
}}
"#
        )
    };
    let w = Work::new(&config(300, "10.0.0.1").replace("cluster-300", "cluster"));
    w.ok(&["apply", "-auto-approve"]);
    let zone = w.attrs("aws_route53_zone.main");
    let zone_id = zone["zone_id"].as_str().unwrap().to_string();
    assert_eq!(zone["name"], "cluster.example.org");
    assert_eq!(zone["comment"], "Managed by Terraform");
    assert!(
        zone["name_servers"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "{zone}"
    );
    assert_eq!(zone["tags_all"]["Team"], "platform");
    let api = w.attrs("aws_route53_record.api");
    assert_eq!(api["fqdn"], "api.cluster.example.org");
    assert_eq!(api["id"], format!("{zone_id}_api.cluster.example.org_A"));
    assert_eq!(
        w.attrs("aws_route53_record.www")["fqdn"],
        "www.cluster.example.org"
    );
    assert_eq!(
        record_sets(&w, &zone_id),
        vec![
            "api.cluster.example.org. A 300 10.0.0.1",
            "www.cluster.example.org. CNAME 60 api.cluster.example.org",
        ]
    );
    w.assert_no_changes();

    // In place: the record's TTL and value (UPSERT).
    w.write(&config(120, "10.0.0.2").replace("cluster-120", "cluster"));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_route53_record.api will be updated in-place"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert!(
        record_sets(&w, &zone_id).contains(&"api.cluster.example.org. A 120 10.0.0.2".to_string())
    );
    w.assert_no_changes();

    // Import by Terraform's id.
    let id = format!("{zone_id}_www.cluster.example.org_CNAME");
    w.ok(&["state", "rm", "aws_route53_record.www"]);
    w.ok(&["import", "aws_route53_record.www", &id]);
    assert_eq!(w.attrs("aws_route53_record.www")["id"], id.as_str());

    // Destroy: the records, then the zone (force_destroy empties what is left).
    w.ok(&["destroy", "-auto-approve"]);
    let left = runtime().block_on(route53(&w).get_hosted_zone().id(&zone_id).send());
    assert!(left.is_err(), "the zone is gone: {left:?}");
}

/// Record sets of one name that share it by routing policy: weighted, failover, geolocation,
/// latency and multivalue answer, each with its set identifier; a weight changed in place;
/// one imported by its id (with the set identifier).
#[test]
fn routing_policies_share_a_name_between_record_sets() {
    let config = |blue: u32| {
        format!(
            r#"
resource "aws_route53_zone" "main" {{
  name          = "routing.example.org"
  force_destroy = true
}}

resource "aws_route53_record" "blue" {{
  zone_id        = aws_route53_zone.main.zone_id
  name           = "app"
  type           = "A"
  ttl            = 60
  records        = ["10.0.0.1"]
  set_identifier = "blue"
  weighted_routing_policy {{
    weight = {blue}
  }}
}}

resource "aws_route53_record" "green" {{
  zone_id        = aws_route53_zone.main.zone_id
  name           = "app"
  type           = "A"
  ttl            = 60
  records        = ["10.0.0.2"]
  set_identifier = "green"
  weighted_routing_policy {{
    weight = {green}
  }}
}}

resource "aws_route53_record" "primary" {{
  zone_id        = aws_route53_zone.main.zone_id
  name           = "db"
  type           = "A"
  ttl            = 60
  records        = ["10.0.1.1"]
  set_identifier = "primary"
  failover_routing_policy {{
    type = "PRIMARY"
  }}
}}

resource "aws_route53_record" "europe" {{
  zone_id        = aws_route53_zone.main.zone_id
  name           = "cdn"
  type           = "A"
  ttl            = 60
  records        = ["10.0.2.1"]
  set_identifier = "europe"
  geolocation_routing_policy {{
    continent = "EU"
  }}
}}

resource "aws_route53_record" "ohio" {{
  zone_id        = aws_route53_zone.main.zone_id
  name           = "api"
  type           = "A"
  ttl            = 60
  records        = ["10.0.3.1"]
  set_identifier = "ohio"
  latency_routing_policy {{
    region = "us-east-2"
  }}
}}

resource "aws_route53_record" "many" {{
  zone_id                          = aws_route53_zone.main.zone_id
  name                             = "many"
  type                             = "A"
  ttl                              = 60
  records                          = ["10.0.4.1"]
  set_identifier                   = "one"
  multivalue_answer_routing_policy = true
}}
"#,
            green = 100 - blue
        )
    };
    let w = Work::new(&config(90));
    w.ok(&["apply", "-auto-approve"]);
    let zone = w.attrs("aws_route53_zone.main")["zone_id"]
        .as_str()
        .unwrap()
        .to_string();
    let sets = || {
        runtime()
            .block_on(
                route53(&w)
                    .list_resource_record_sets()
                    .hosted_zone_id(&zone)
                    .send(),
            )
            .unwrap()
            .resource_record_sets()
            .to_vec()
    };
    let find = |ident: &str| {
        sets()
            .into_iter()
            .find(|r| r.set_identifier() == Some(ident))
            .unwrap_or_else(|| panic!("no record set {ident}"))
    };
    assert_eq!(find("blue").weight(), Some(90));
    assert_eq!(find("green").weight(), Some(10));
    assert_eq!(
        find("primary").failover().map(|f| f.as_str()),
        Some("PRIMARY")
    );
    assert_eq!(
        find("europe")
            .geo_location()
            .and_then(|g| g.continent_code()),
        Some("EU")
    );
    assert_eq!(find("ohio").region().map(|r| r.as_str()), Some("us-east-2"));
    assert_eq!(find("one").multi_value_answer(), Some(true));
    w.assert_no_changes();

    w.write(&config(50));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_route53_record.blue will be updated in-place"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(find("blue").weight(), Some(50));
    w.assert_no_changes();

    let id = w.attrs("aws_route53_record.europe")["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(id.ends_with("_europe"), "{id}");
    w.ok(&["state", "rm", "aws_route53_record.europe"]);
    w.ok(&["import", "aws_route53_record.europe", &id]);
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
}

#[test]
fn geoproximity_records_and_accelerated_recovery_change_in_place() {
    let config = |bias: i32, recovery: bool| {
        format!(
            r#"
resource "aws_route53_zone" "main" {{
  name                        = "geo.example.org"
  enable_accelerated_recovery = {recovery}
}}

data "aws_route53_zone" "main" {{
  zone_id = aws_route53_zone.main.zone_id
}}

output "recovery_seen" {{
  value = data.aws_route53_zone.main.enable_accelerated_recovery
}}

resource "aws_route53_record" "east" {{
  zone_id        = aws_route53_zone.main.zone_id
  name           = "api"
  type           = "A"
  ttl            = 60
  records        = ["10.0.0.1"]
  set_identifier = "east"
  geoproximity_routing_policy {{
    aws_region = "us-east-1"
    bias       = {bias}
  }}
}}

resource "aws_route53_record" "point" {{
  zone_id        = aws_route53_zone.main.zone_id
  name           = "api"
  type           = "A"
  ttl            = 60
  records        = ["10.0.0.2"]
  set_identifier = "point"
  geoproximity_routing_policy {{
    coordinates {{
      latitude  = "49.22"
      longitude = "-74.01"
    }}
  }}
}}
"#
        )
    };
    let w = Work::new("");
    w.write(&config(10, true));
    w.ok(&["apply", "-auto-approve"]);
    let zone = w.attrs("aws_route53_zone.main")["zone_id"]
        .as_str()
        .unwrap()
        .to_string();
    let rt = runtime();
    let client = route53(&w);
    let locations = || {
        let out = rt
            .block_on(
                client
                    .list_resource_record_sets()
                    .hosted_zone_id(&zone)
                    .send(),
            )
            .unwrap();
        let mut got: Vec<String> = out
            .resource_record_sets()
            .iter()
            .filter_map(|r| {
                let g = r.geo_proximity_location()?;
                let at = g
                    .coordinates()
                    .map(|c| format!("{},{}", c.latitude(), c.longitude()));
                Some(format!(
                    "{} {} {} {}",
                    r.set_identifier().unwrap_or_default(),
                    g.aws_region().unwrap_or("-"),
                    at.unwrap_or("-".into()),
                    g.bias().unwrap_or(0)
                ))
            })
            .collect();
        got.sort();
        got
    };
    let status = || {
        let out = rt
            .block_on(client.get_hosted_zone().id(&zone).send())
            .unwrap();
        let features = out.hosted_zone().and_then(|z| z.features().cloned());
        features.and_then(|f| {
            f.accelerated_recovery_status()
                .map(|s| s.as_str().to_string())
        })
    };
    assert_eq!(
        locations(),
        ["east us-east-1 - 10", "point - 49.22,-74.01 0"]
    );
    assert_eq!(status().as_deref(), Some("ENABLED"));
    w.assert_no_changes();
    assert!(w.ok(&["output", "recovery_seen"]).contains("true"));

    // The bias changes in place (UPSERT); recovery is turned off in place.
    w.write(&config(-20, false));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("0 to add, 2 to change, 0 to destroy"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(
        locations(),
        ["east us-east-1 - -20", "point - 49.22,-74.01 0"]
    );
    assert_eq!(status().as_deref(), Some("DISABLED"));
    w.assert_no_changes();

    // Import reads the block back whole.
    let id = w.attrs("aws_route53_record.point")["id"]
        .as_str()
        .unwrap()
        .to_string();
    w.ok(&["state", "rm", "aws_route53_record.point"]);
    w.ok(&["import", "aws_route53_record.point", &id]);
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
}
