//! A resource's own `region` (the AWS provider's version 6 "enhanced region support") against
//! moto, which keeps each region apart: objects land where `region` says and nowhere else, a
//! changed region replaces, import takes `id@region`, and an interrupted create in another
//! region is adopted, not made twice.

mod support;

use support::{Work, ec2_client, fresh_region, runtime, text};

/// VPC ids in `region` tagged by infra, by address.
fn vpcs_in(w: &Work, region: &str) -> Vec<(String, String)> {
    let rt = runtime();
    rt.block_on(async {
        let ec2 = ec2_client(&w.endpoint, region).await;
        let out = ec2.describe_vpcs().send().await.unwrap();
        let mut found: Vec<(String, String)> = out
            .vpcs()
            .iter()
            .filter_map(|v| {
                let address = v
                    .tags()
                    .iter()
                    .find(|t| t.key() == Some("infra:address"))?
                    .value()?
                    .to_string();
                Some((address, v.vpc_id()?.to_string()))
            })
            .collect();
        found.sort();
        found
    })
}

fn config(away: &str) -> String {
    format!(
        r#"
provider "aws" {{}}

variable "region" {{
  type    = string
  default = null
}}

resource "aws_vpc" "home" {{
  region     = var.region
  cidr_block = "10.60.0.0/16"
}}

resource "aws_vpc" "away" {{
  region     = "{away}"
  cidr_block = "10.61.0.0/16"
}}

resource "aws_subnet" "away" {{
  region            = aws_vpc.away.region
  vpc_id            = aws_vpc.away.id
  cidr_block        = "10.61.1.0/24"
  availability_zone = "{away}b"
}}

resource "aws_security_group" "away" {{
  region = aws_vpc.away.region
  name   = "away"
  vpc_id = aws_vpc.away.id
}}

data "aws_availability_zones" "away" {{
  region = "{away}"
}}

data "aws_region" "away" {{
  region = "{away}"
}}

data "aws_region" "home" {{}}

output "zones" {{
  value = data.aws_availability_zones.away.names
}}

output "regions" {{
  value = "${{data.aws_region.home.region}} ${{data.aws_region.away.region}}"
}}
"#
    )
}

#[test]
fn objects_live_in_their_own_region_and_move_by_replacement() {
    let away = fresh_region();
    let w = Work::new(&config(away));
    let home = w.region;
    w.ok(&["apply", "-auto-approve"]);

    // Each object is where its region says, and only there.
    let in_home = vpcs_in(&w, home);
    let in_away = vpcs_in(&w, away);
    assert_eq!(
        in_home.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(),
        ["aws_vpc.home"]
    );
    assert_eq!(
        in_away.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(),
        ["aws_vpc.away"]
    );
    assert_eq!(w.attrs("aws_vpc.away")["id"], in_away[0].1.as_str());
    assert_eq!(w.attrs("aws_vpc.away")["region"], away);
    assert_eq!(w.attrs("aws_vpc.home")["region"], home);
    assert_eq!(w.attrs("aws_subnet.away")["region"], away);
    assert_eq!(
        w.attrs("aws_subnet.away")["availability_zone"],
        format!("{away}b")
    );
    let sg = w.attrs("aws_security_group.away");
    let rt = runtime();
    let groups = rt.block_on(async {
        let ec2 = ec2_client(&w.endpoint, away).await;
        ec2.describe_security_groups()
            .group_ids(sg["id"].as_str().unwrap())
            .send()
            .await
            .unwrap()
    });
    assert_eq!(groups.security_groups().len(), 1);

    // Data sources read in their region.
    let outputs = w.ok(&["output", "-json"]);
    let outputs: serde_json::Value = serde_json::from_str(&outputs).unwrap();
    let zones = outputs["zones"]["value"].as_array().unwrap();
    assert!(!zones.is_empty());
    assert!(zones.iter().all(|z| z.as_str().unwrap().starts_with(away)));
    assert_eq!(outputs["regions"]["value"], format!("{home} {away}"));

    w.assert_no_changes();

    // Naming the provider's region is no change; naming another replaces.
    let named_home = config(away).replace("default = null", &format!("default = {home:?}"));
    std::fs::write(w.path().join("main.tf"), &named_home).unwrap();
    w.assert_no_changes();
    let third = fresh_region();
    std::fs::write(
        w.path().join("main.tf"),
        config(away).replace("default = null", &format!("default = {third:?}")),
    )
    .unwrap();
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_vpc.home must be replaced")
            && plan.lines().any(|l| {
                l.trim_start().starts_with("~ region")
                    && l.ends_with(&format!("\"{home}\" -> \"{third}\" # forces replacement"))
            }),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert!(vpcs_in(&w, home).is_empty());
    assert_eq!(vpcs_in(&w, third).len(), 1);
    w.assert_no_changes();

    w.ok(&["destroy", "-auto-approve"]);
    for r in [home, away, third] {
        assert!(vpcs_in(&w, r).is_empty(), "left in {r}");
    }
}

#[test]
fn import_takes_the_region_after_the_id() {
    let away = fresh_region();
    let w = Work::new(&format!(
        r#"
provider "aws" {{}}

resource "aws_vpc" "imported" {{
  region     = "{away}"
  cidr_block = "10.62.0.0/16"
}}
"#
    ));
    let rt = runtime();
    let id = rt.block_on(async {
        let ec2 = ec2_client(&w.endpoint, away).await;
        let made = ec2
            .create_vpc()
            .cidr_block("10.62.0.0/16")
            .send()
            .await
            .unwrap();
        made.vpc().unwrap().vpc_id().unwrap().to_string()
    });
    // Without the region the provider's is searched, and the error says how to name another.
    let out = w.infra(&["import", "aws_vpc.imported", &id]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("in {}", w.region)) && err.contains("@<region>"),
        "{err}"
    );
    w.ok(&["import", "aws_vpc.imported", &format!("{id}@{away}")]);
    assert_eq!(w.attrs("aws_vpc.imported")["id"], id.as_str());
    assert_eq!(w.attrs("aws_vpc.imported")["region"], away);
    w.assert_no_changes();
}

#[test]
fn an_interrupted_create_in_another_region_is_adopted() {
    let away = fresh_region();
    let w = Work::new(&format!(
        r#"
provider "aws" {{}}

resource "aws_vpc" "home" {{
  cidr_block = "10.63.0.0/16"
}}

resource "aws_vpc" "away" {{
  region     = "{away}"
  cidr_block = "10.64.0.0/16"
  tags = {{
    Name = "away"
  }}
}}
"#
    ));
    w.ok(&["apply", "-auto-approve", "-target=aws_vpc.home"]);
    // What a kill between the create call and its record leaves: the intent in the state and
    // the object, tagged with the address and lineage but without its other tags yet.
    let mut state = w.state();
    let lineage = state["lineage"].as_str().unwrap().to_string();
    state["infra_pending_creates"] =
        serde_json::json!({"aws_vpc.away": "20261204000000000000000001"});
    std::fs::write(
        w.path().join("infra.tfstate"),
        serde_json::to_string_pretty(&state).unwrap(),
    )
    .unwrap();
    let rt = runtime();
    let orphan = rt.block_on(async {
        let ec2 = ec2_client(&w.endpoint, away).await;
        let tag = |k: &str, v: &str| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build();
        let made = ec2
            .create_vpc()
            .cidr_block("10.64.0.0/16")
            .tag_specifications(
                aws_sdk_ec2::types::TagSpecification::builder()
                    .resource_type(aws_sdk_ec2::types::ResourceType::Vpc)
                    .tags(tag("infra:address", "aws_vpc.away"))
                    .tags(tag("infra:lineage", &lineage))
                    .build(),
            )
            .send()
            .await
            .unwrap();
        made.vpc().unwrap().vpc_id().unwrap().to_string()
    });
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(
        vpcs_in(&w, away),
        [("aws_vpc.away".to_string(), orphan.clone())],
        "adopted, not made twice"
    );
    let attrs = w.attrs("aws_vpc.away");
    assert_eq!(attrs["id"], orphan.as_str());
    assert_eq!(attrs["tags"]["Name"], "away");
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
    assert!(vpcs_in(&w, away).is_empty());
}
