//! The network resources against moto: create, no-change re-plan, update in place, replace,
//! import, drift and destroy, each checked by reading the emulator through the SDK.

mod support;

use support::{Work, runtime, text};

const VPC: &str = r#"
provider "aws" {
  default_tags {
    tags = { team = "platform" }
  }
}

resource "aws_vpc" "main" {
  cidr_block           = "10.10.0.0/16"
  enable_dns_hostnames = HOSTNAMES
  tags = {
    Name = "NAME"
  }
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "SUBNET_CIDR"
  map_public_ip_on_launch = true
}
"#;

fn config(hostnames: bool, name: &str, subnet: &str) -> String {
    VPC.replace("HOSTNAMES", &hostnames.to_string())
        .replace("NAME", name)
        .replace("SUBNET_CIDR", subnet)
}

#[test]
fn vpc_and_subnet_lifecycle() {
    let w = Work::new(&config(false, "one", "10.10.1.0/24"));
    w.ok(&["apply", "-auto-approve"]);
    let vpc = w.attrs("aws_vpc.main");
    let vpc_id = vpc["id"].as_str().unwrap().to_string();
    assert!(vpc_id.starts_with("vpc-"), "{vpc}");
    assert_eq!(vpc["tags_all"]["team"], "platform");
    assert_eq!(vpc["tags"]["Name"], "one");
    assert!(
        vpc["tags"].get("team").is_none(),
        "default tags stay out of tags: {vpc}"
    );
    assert!(
        vpc["main_route_table_id"]
            .as_str()
            .unwrap()
            .starts_with("rtb-")
    );
    assert!(
        vpc["default_security_group_id"]
            .as_str()
            .unwrap()
            .starts_with("sg-")
    );

    // The emulator holds what state says, with infra's own tags.
    let ec2 = w.ec2();
    let rt = runtime();
    let got = rt
        .block_on(ec2.describe_vpcs().vpc_ids(&vpc_id).send())
        .unwrap();
    let v = &got.vpcs()[0];
    assert_eq!(v.cidr_block(), Some("10.10.0.0/16"));
    let tags: std::collections::BTreeMap<_, _> = v
        .tags()
        .iter()
        .map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string()))
        .collect();
    assert_eq!(
        tags.get("infra:address").map(String::as_str),
        Some("aws_vpc.main")
    );
    assert_eq!(tags.get("team").map(String::as_str), Some("platform"));
    let lineage = w.state()["lineage"].as_str().unwrap().to_string();
    assert_eq!(tags.get("infra:lineage"), Some(&lineage));
    let subnet_id = w.attrs("aws_subnet.a")["id"].as_str().unwrap().to_string();
    let s = rt
        .block_on(ec2.describe_subnets().subnet_ids(&subnet_id).send())
        .unwrap();
    assert_eq!(s.subnets()[0].map_public_ip_on_launch(), Some(true));
    assert_eq!(s.subnets()[0].vpc_id(), Some(vpc_id.as_str()));

    // Nothing changed: exit code 0 with --detailed-exitcode.
    w.assert_no_changes();

    // In place: a tag and a VPC attribute.
    w.write(&config(true, "two", "10.10.1.0/24"));
    let out = w.infra(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stdout).contains("1 to change"),
        "{}",
        text(&out.stdout)
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(w.attrs("aws_vpc.main")["id"], vpc_id.as_str());
    let hostnames = rt
        .block_on(
            ec2.describe_vpc_attribute()
                .vpc_id(&vpc_id)
                .attribute(aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames)
                .send(),
        )
        .unwrap();
    assert_eq!(
        hostnames.enable_dns_hostnames().unwrap().value(),
        Some(true)
    );
    let got = rt
        .block_on(ec2.describe_vpcs().vpc_ids(&vpc_id).send())
        .unwrap();
    assert!(
        got.vpcs()[0]
            .tags()
            .iter()
            .any(|t| t.key() == Some("Name") && t.value() == Some("two"))
    );

    // A force-new attribute replaces the subnet.
    w.write(&config(true, "two", "10.10.2.0/24"));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("must be replaced"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    let new_subnet = w.attrs("aws_subnet.a")["id"].as_str().unwrap().to_string();
    assert_ne!(new_subnet, subnet_id);
    let old = rt
        .block_on(
            ec2.describe_subnets()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("subnet-id")
                        .values(&subnet_id)
                        .build(),
                )
                .send(),
        )
        .unwrap();
    assert!(old.subnets().is_empty(), "the replaced subnet is gone");

    // Drift: a tag changed outside infra shows as an update of that attribute.
    rt.block_on(
        ec2.create_tags()
            .resources(&vpc_id)
            .tags(
                aws_sdk_ec2::types::Tag::builder()
                    .key("Name")
                    .value("edited")
                    .build(),
            )
            .send(),
    )
    .unwrap();
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("\"Name\" = \"edited\" -> \"two\"") && plan.contains("1 to change"),
        "{plan}"
    );

    // Deleted outside infra: planned for creation again.
    rt.block_on(ec2.delete_subnet().subnet_id(&new_subnet).send())
        .unwrap();
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("aws_subnet.a will be created"), "{plan}");

    w.ok(&["destroy", "-auto-approve"]);
    let left = rt
        .block_on(
            ec2.describe_vpcs()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("tag-key")
                        .values("infra:address")
                        .build(),
                )
                .send(),
        )
        .unwrap();
    assert!(
        left.vpcs().is_empty(),
        "nothing tagged by infra is left: {left:?}"
    );
}

#[test]
fn import_adopts_an_existing_vpc() {
    let w = Work::new(
        r#"
resource "aws_vpc" "imported" {
  cidr_block = "10.20.0.0/16"
}
"#,
    );
    let ec2 = w.ec2();
    let rt = runtime();
    let made = rt
        .block_on(ec2.create_vpc().cidr_block("10.20.0.0/16").send())
        .unwrap();
    let id = made.vpc().unwrap().vpc_id().unwrap().to_string();
    w.ok(&["import", "aws_vpc.imported", &id]);
    assert_eq!(w.attrs("aws_vpc.imported")["id"], id.as_str());
    w.assert_no_changes();
}

/// The DHCP options set a VPC uses, as EC2 answers.
fn dhcp_options_of(w: &Work, vpc: &str) -> String {
    let out = runtime()
        .block_on(w.ec2().describe_vpcs().vpc_ids(vpc).send())
        .unwrap();
    out.vpcs()[0]
        .dhcp_options_id()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn dhcp_options_set_and_association() {
    let config = |domain: &str| {
        format!(
            r#"
resource "aws_vpc" "main" {{
  cidr_block = "10.11.0.0/16"
}}

resource "aws_vpc_dhcp_options" "dns" {{
  domain_name         = "{domain}"
  domain_name_servers = ["AmazonProvidedDNS", "10.11.0.2"]
  netbios_node_type   = "2"
  tags = {{
    Name = "dns"
  }}
}}

resource "aws_vpc_dhcp_options_association" "dns" {{
  vpc_id          = aws_vpc.main.id
  dhcp_options_id = aws_vpc_dhcp_options.dns.id
}}
"#
        )
    };
    let w = Work::new(&config("corp.internal"));
    w.ok(&["apply", "-auto-approve"]);
    let set = w.attrs("aws_vpc_dhcp_options.dns");
    let set_id = set["id"].as_str().unwrap().to_string();
    let vpc = w.attrs("aws_vpc.main")["id"].as_str().unwrap().to_string();
    assert!(set_id.starts_with("dopt-"), "{set}");
    assert!(
        set["arn"]
            .as_str()
            .unwrap()
            .ends_with(&format!(":dhcp-options/{set_id}")),
        "{set}"
    );
    assert_eq!(
        set["domain_name_servers"],
        serde_json::json!(["AmazonProvidedDNS", "10.11.0.2"])
    );
    assert_eq!(set["ntp_servers"], serde_json::Value::Null);
    assert_eq!(dhcp_options_of(&w, &vpc), set_id);
    assert_eq!(
        w.tagged_objects().get("aws_vpc_dhcp_options.dns"),
        Some(&set_id),
        "the set carries its crash-recovery tags"
    );
    w.assert_no_changes();

    // Another domain replaces the set; the association follows it in place.
    w.write(&config("corp.example"));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_vpc_dhcp_options.dns must be replaced"),
        "{plan}"
    );
    assert!(
        plan.contains("aws_vpc_dhcp_options_association.dns will be updated in-place"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    let new_set = w.attrs("aws_vpc_dhcp_options.dns")["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_set, set_id);
    assert_eq!(dhcp_options_of(&w, &vpc), new_set);
    let old = runtime().block_on(
        w.ec2()
            .describe_dhcp_options()
            .dhcp_options_ids(&set_id)
            .send(),
    );
    assert!(old.is_err(), "the old set is deleted: {old:?}");
    w.assert_no_changes();

    // The VPC moved back to the default set behind infra's back: the plan associates it again.
    runtime()
        .block_on(
            w.ec2()
                .associate_dhcp_options()
                .dhcp_options_id("default")
                .vpc_id(&vpc)
                .send(),
        )
        .unwrap();
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_vpc_dhcp_options_association.dns will be created"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(dhcp_options_of(&w, &vpc), new_set);

    // Import: the set by id, the association by VPC id.
    for (address, id) in [
        ("aws_vpc_dhcp_options.dns", new_set.as_str()),
        ("aws_vpc_dhcp_options_association.dns", vpc.as_str()),
    ] {
        w.ok(&["state", "rm", address]);
        w.ok(&["import", address, id]);
    }
    w.assert_no_changes();

    w.ok(&["destroy", "-auto-approve"]);
    let left = runtime().block_on(
        w.ec2()
            .describe_dhcp_options()
            .dhcp_options_ids(&new_set)
            .send(),
    );
    assert!(left.is_err(), "the set is deleted: {left:?}");
    assert!(w.tagged_objects().is_empty(), "{:?}", w.tagged_objects());
}

/// The network ACL holding a subnet.
fn acl_of(w: &Work, subnet: &str) -> String {
    let out = runtime()
        .block_on(
            w.ec2()
                .describe_network_acls()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("association.subnet-id")
                        .values(subnet)
                        .build(),
                )
                .send(),
        )
        .unwrap();
    out.network_acls()[0]
        .network_acl_id()
        .unwrap_or_default()
        .to_string()
}

/// An ACL's entries but the catch-all ones, as `direction rule protocol action cidr ports`.
fn acl_entries(w: &Work, acl: &str) -> Vec<String> {
    let out = runtime()
        .block_on(w.ec2().describe_network_acls().network_acl_ids(acl).send())
        .unwrap();
    let mut got: Vec<String> = out.network_acls()[0]
        .entries()
        .iter()
        .filter(|e| e.rule_number() != Some(32767))
        .map(|e| {
            let ports = e
                .port_range()
                .map(|p| format!("{}-{}", p.from().unwrap_or(0), p.to().unwrap_or(0)))
                .unwrap_or_default();
            format!(
                "{} {} {} {} {} {ports}",
                if e.egress() == Some(true) {
                    "out"
                } else {
                    "in"
                },
                e.rule_number().unwrap_or(0),
                e.protocol().unwrap_or_default(),
                e.rule_action().map(|a| a.as_str()).unwrap_or_default(),
                e.cidr_block().unwrap_or_default(),
            )
        })
        .collect();
    got.sort();
    got
}

#[test]
fn network_acls_rules_and_associations() {
    let config = |port: u16, public_subnets: &str| {
        format!(
            r#"
resource "aws_vpc" "main" {{
  cidr_block = "10.12.0.0/16"
}}

resource "aws_subnet" "a" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.12.1.0/24"
}}

resource "aws_subnet" "b" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.12.2.0/24"
}}

resource "aws_network_acl" "public" {{
  vpc_id     = aws_vpc.main.id
  subnet_ids = {public_subnets}
  ingress {{
    rule_no    = 100
    protocol   = "tcp"
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = {port}
    to_port    = {port}
  }}
  egress {{
    rule_no    = 100
    protocol   = "-1"
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
  }}
  tags = {{
    Name = "public"
  }}
}}

resource "aws_network_acl" "private" {{
  vpc_id = aws_vpc.main.id
}}

resource "aws_network_acl_rule" "ssh" {{
  network_acl_id = aws_network_acl.private.id
  rule_number    = 100
  protocol       = "tcp"
  rule_action    = "allow"
  cidr_block     = "10.12.0.0/16"
  from_port      = 22
  to_port        = 22
}}

resource "aws_network_acl_rule" "out" {{
  network_acl_id = aws_network_acl.private.id
  rule_number    = 200
  egress         = true
  protocol       = "-1"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
}}

resource "aws_network_acl_association" "b" {{
  network_acl_id = aws_network_acl.private.id
  subnet_id      = aws_subnet.b.id
}}
"#
        )
    };
    let w = Work::new(&config(443, "[aws_subnet.a.id]"));
    w.ok(&["apply", "-auto-approve"]);
    let id = |a: &str| w.attrs(a)["id"].as_str().unwrap().to_string();
    let (public, private) = (id("aws_network_acl.public"), id("aws_network_acl.private"));
    let (a, b) = (id("aws_subnet.a"), id("aws_subnet.b"));
    let default = w.attrs("aws_vpc.main")["default_network_acl_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(acl_of(&w, &a), public);
    assert_eq!(acl_of(&w, &b), private);
    assert_eq!(
        acl_entries(&w, &public),
        vec![
            "in 100 6 allow 0.0.0.0/0 443-443",
            "out 100 -1 allow 0.0.0.0/0 "
        ]
    );
    assert_eq!(
        acl_entries(&w, &private),
        vec![
            "in 100 6 allow 10.12.0.0/16 22-22",
            "out 200 -1 allow 0.0.0.0/0 "
        ]
    );
    assert!(
        id("aws_network_acl_association.b").starts_with("aclassoc-"),
        "{}",
        w.attrs("aws_network_acl_association.b")
    );
    w.assert_no_changes();

    // In place: an inline entry changes; subnet a goes back to the VPC's default ACL. The
    // private ACL's rules, managed on their own, stay.
    w.write(&config(8443, "[]"));
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(id("aws_network_acl.public"), public);
    assert_eq!(acl_of(&w, &a), default);
    assert_eq!(
        acl_entries(&w, &public),
        vec![
            "in 100 6 allow 0.0.0.0/0 8443-8443",
            "out 100 -1 allow 0.0.0.0/0 "
        ]
    );
    assert_eq!(acl_entries(&w, &private).len(), 2);
    w.assert_no_changes();

    // A rule deleted behind infra's back, and subnet b moved away: both come back.
    let ec2 = w.ec2();
    runtime()
        .block_on(
            ec2.delete_network_acl_entry()
                .network_acl_id(&private)
                .rule_number(100)
                .egress(false)
                .send(),
        )
        .unwrap();
    let assoc = id("aws_network_acl_association.b");
    runtime()
        .block_on(
            ec2.replace_network_acl_association()
                .association_id(&assoc)
                .network_acl_id(&default)
                .send(),
        )
        .unwrap();
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_network_acl_rule.ssh will be created"),
        "{plan}"
    );
    assert!(
        plan.contains("aws_network_acl_association.b will be created"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(acl_of(&w, &b), private);
    assert_eq!(acl_entries(&w, &private).len(), 2);

    // Import each by the AWS provider's id forms.
    let assoc = id("aws_network_acl_association.b");
    for (address, import_id) in [
        ("aws_network_acl.public", public.clone()),
        (
            "aws_network_acl_rule.ssh",
            format!("{private}:100:tcp:false"),
        ),
        ("aws_network_acl_association.b", assoc),
    ] {
        w.ok(&["state", "rm", address]);
        w.ok(&["import", address, &import_id]);
    }
    w.assert_no_changes();

    w.ok(&["destroy", "-auto-approve"]);
    let left = runtime()
        .block_on(ec2.describe_network_acls().send())
        .unwrap();
    let ids: Vec<&str> = left
        .network_acls()
        .iter()
        .filter_map(|a| a.network_acl_id())
        .collect();
    assert!(
        !ids.contains(&public.as_str()) && !ids.contains(&private.as_str()),
        "{ids:?}"
    );
}

/// The VPC's IPv4 blocks as EC2 lists them, with their state.
fn vpc_blocks(w: &Work, vpc: &str) -> Vec<String> {
    let out = runtime()
        .block_on(w.ec2().describe_vpcs().vpc_ids(vpc).send())
        .unwrap();
    let mut got: Vec<String> = out.vpcs()[0]
        .cidr_block_association_set()
        .iter()
        .filter(|a| {
            a.cidr_block_state()
                .and_then(|s| s.state())
                .is_some_and(|s| s.as_str() == "associated")
        })
        .filter_map(|a| a.cidr_block().map(str::to_string))
        .collect();
    got.sort();
    got
}

#[test]
fn a_secondary_ipv4_block_and_a_subnet_in_it() {
    let w = Work::new(
        r#"
resource "aws_vpc" "main" {
  cidr_block = "10.60.0.0/16"
}

resource "aws_vpc_ipv4_cidr_block_association" "second" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.61.0.0/16"
}

resource "aws_subnet" "in_second" {
  vpc_id     = aws_vpc_ipv4_cidr_block_association.second.vpc_id
  cidr_block = "10.61.1.0/24"
}
"#,
    );
    w.ok(&["apply", "-auto-approve"]);
    let vpc = w.attrs("aws_vpc.main")["id"].as_str().unwrap().to_string();
    let assoc = w.attrs("aws_vpc_ipv4_cidr_block_association.second");
    let id = assoc["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("vpc-cidr-assoc-"), "{assoc}");
    assert_eq!(vpc_blocks(&w, &vpc), vec!["10.60.0.0/16", "10.61.0.0/16"]);
    w.assert_no_changes();

    w.ok(&["state", "rm", "aws_vpc_ipv4_cidr_block_association.second"]);
    w.ok(&["import", "aws_vpc_ipv4_cidr_block_association.second", &id]);
    w.assert_no_changes();

    // Disassociated behind infra's back (after the subnet is gone): the plan associates again.
    // `destroy -target` destroys the subnet (and what depends on it), nothing else.
    w.ok(&["destroy", "-auto-approve", "-target=aws_subnet.in_second"]);
    let left = w.ok(&["state", "list"]);
    assert_eq!(
        left.lines().collect::<Vec<_>>(),
        vec!["aws_vpc.main", "aws_vpc_ipv4_cidr_block_association.second"],
        "{left}"
    );
    runtime()
        .block_on(
            w.ec2()
                .disassociate_vpc_cidr_block()
                .association_id(&id)
                .send(),
        )
        .unwrap();
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_vpc_ipv4_cidr_block_association.second will be created"),
        "{plan}"
    );

    w.ok(&["destroy", "-auto-approve"]);
    let left = runtime().block_on(w.ec2().describe_vpcs().vpc_ids(&vpc).send());
    assert!(left.map(|o| o.vpcs().is_empty()).unwrap_or(true));
}

/// The endpoints of a VPC as `type service route-tables subnets groups`, from the emulator.
fn endpoints(w: &Work, vpc: &str) -> Vec<String> {
    let ec2 = w.ec2();
    let out = runtime()
        .block_on(
            ec2.describe_vpc_endpoints()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("vpc-id")
                        .values(vpc)
                        .build(),
                )
                .send(),
        )
        .unwrap();
    let mut got: Vec<String> = out
        .vpc_endpoints()
        .iter()
        .filter(|e| e.state().is_some_and(|s| s.as_str() != "deleted"))
        .map(|e| {
            let mut tables = e.route_table_ids().to_vec();
            tables.sort();
            let groups: Vec<&str> = e.groups().iter().filter_map(|g| g.group_id()).collect();
            format!(
                "{} {} {} {} {}",
                e.vpc_endpoint_type().map_or("", |t| t.as_str()),
                e.service_name().unwrap_or_default(),
                tables.len(),
                e.subnet_ids().len(),
                groups.len()
            )
        })
        .collect();
    got.sort();
    got
}

#[test]
fn vpc_endpoints_gateway_and_interface() {
    let config = |tables: &str, policy_action: &str| {
        format!(
            r#"
data "aws_region" "current" {{}}

resource "aws_vpc" "main" {{
  cidr_block = "10.20.0.0/16"
}}

resource "aws_route_table" "private" {{
  count  = 2
  vpc_id = aws_vpc.main.id
}}

resource "aws_subnet" "private" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.20.1.0/24"
}}

resource "aws_security_group" "endpoints" {{
  vpc_id = aws_vpc.main.id
}}

resource "aws_vpc_endpoint" "s3" {{
  vpc_id          = aws_vpc.main.id
  service_name    = "com.amazonaws.${{data.aws_region.current.name}}.s3"
  route_table_ids = {tables}
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = "*", Action = "{policy_action}", Resource = "*" }}]
  }})
  tags = {{
    Name = "s3"
  }}
}}

resource "aws_vpc_endpoint" "ec2" {{
  vpc_id              = aws_vpc.main.id
  service_name        = "com.amazonaws.${{data.aws_region.current.name}}.ec2"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = [aws_subnet.private.id]
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = false
  service_region      = data.aws_region.current.region

  subnet_configuration {{
    subnet_id = aws_subnet.private.id
    ipv4      = "10.20.1.10"
  }}

  dns_options {{
    dns_record_ip_type            = "ipv4"
    private_dns_preference        = "VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS"
    private_dns_specified_domains = ["internal.example.com"]
  }}
}}
"#
        )
    };
    let w = Work::new(&config("[aws_route_table.private[0].id]", "s3:GetObject"));
    w.ok(&["apply", "-auto-approve"]);
    let vpc = w.attrs("aws_vpc.main")["id"].as_str().unwrap().to_string();
    let s3_service = format!("com.amazonaws.{}.s3", w.region);
    let ec2_service = format!("com.amazonaws.{}.ec2", w.region);
    assert_eq!(
        endpoints(&w, &vpc),
        vec![
            format!("Gateway {s3_service} 1 0 0"),
            format!("Interface {ec2_service} 0 1 1"),
        ]
    );
    let gateway = w.attrs("aws_vpc_endpoint.s3");
    assert_eq!(gateway["vpc_endpoint_type"], "Gateway");
    assert_eq!(gateway["state"], "available");
    assert!(
        gateway["arn"]
            .as_str()
            .unwrap()
            .contains(":vpc-endpoint/vpce-")
    );
    let interface = w.attrs("aws_vpc_endpoint.ec2");
    assert_eq!(interface["service_region"], w.region);
    assert_eq!(
        interface["subnet_configuration"][0]["subnet_id"],
        w.attrs("aws_subnet.private")["id"]
    );
    assert_eq!(
        interface["network_interface_ids"].as_array().map(Vec::len),
        Some(1),
        "{interface}"
    );
    let described = runtime()
        .block_on(
            w.ec2()
                .describe_vpc_endpoints()
                .vpc_endpoint_ids(interface["id"].as_str().unwrap())
                .send(),
        )
        .unwrap();
    let dns = described.vpc_endpoints()[0].dns_options().unwrap();
    assert_eq!(
        dns.private_dns_preference(),
        Some("VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS")
    );
    assert_eq!(
        dns.private_dns_specified_domains(),
        ["internal.example.com"]
    );
    w.assert_no_changes();

    // Route tables and the policy change in place (ModifyVpcEndpoint).
    w.write(&config("aws_route_table.private[*].id", "s3:*"));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_vpc_endpoint.s3 will be updated in-place"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert!(endpoints(&w, &vpc).contains(&format!("Gateway {s3_service} 2 0 0")));
    let id = w.attrs("aws_vpc_endpoint.s3")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let policy = runtime()
        .block_on(
            w.ec2()
                .describe_vpc_endpoints()
                .vpc_endpoint_ids(&id)
                .send(),
        )
        .unwrap();
    assert!(
        policy.vpc_endpoints()[0]
            .policy_document()
            .unwrap()
            .contains("s3:*")
    );
    w.assert_no_changes();

    // Import by id; then gone behind infra's back: the next plan makes it again.
    w.ok(&["state", "rm", "aws_vpc_endpoint.s3"]);
    w.ok(&["import", "aws_vpc_endpoint.s3", &id]);
    w.assert_no_changes();
    runtime()
        .block_on(w.ec2().delete_vpc_endpoints().vpc_endpoint_ids(&id).send())
        .unwrap();
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_vpc_endpoint.s3 will be created"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert!(endpoints(&w, &vpc).contains(&format!("Gateway {s3_service} 2 0 0")));

    w.ok(&["destroy", "-auto-approve"]);
    let left = runtime()
        .block_on(
            w.ec2()
                .describe_vpcs()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("vpc-id")
                        .values(&vpc)
                        .build(),
                )
                .send(),
        )
        .unwrap();
    assert!(left.vpcs().is_empty(), "the VPC and its endpoints are gone");
}
