//! The objects AWS makes with every VPC, against moto: aws_default_security_group,
//! aws_default_route_table and aws_default_network_acl adopt them (dropping what the
//! configuration does not say), re-plan to no changes, update in place, and on destroy are only
//! forgotten: the objects stay, as in AWS. Then terraform-aws-modules/terraform-aws-vpc's
//! `examples/simple` (Apache-2.0, a copy of the files it needs under
//! `fixtures/real/terraform-aws-vpc`) plans, applies, re-plans clean and destroys.

mod support;

use aws_sdk_ec2::types::{Filter, IpPermission, NetworkAcl, RouteTable, SecurityGroup};
use std::collections::BTreeSet;
use std::path::Path;
use support::{Work, runtime, text};

fn id_of(w: &Work, address: &str) -> String {
    w.attrs(address)["id"].as_str().unwrap().to_string()
}

fn group(w: &Work, id: &str) -> SecurityGroup {
    let out = runtime()
        .block_on(
            w.ec2()
                .describe_security_groups()
                .filters(Filter::builder().name("group-id").values(id).build())
                .send(),
        )
        .unwrap();
    out.security_groups()
        .first()
        .cloned()
        .expect("group exists")
}

/// (protocol, from, to, CIDR) of every permission.
fn cidr_permissions(perms: &[IpPermission]) -> BTreeSet<(String, i32, i32, String)> {
    let mut out = BTreeSet::new();
    for p in perms {
        for r in p.ip_ranges() {
            out.insert((
                p.ip_protocol().unwrap_or_default().to_string(),
                p.from_port().unwrap_or(0),
                p.to_port().unwrap_or(0),
                r.cidr_ip().unwrap().to_string(),
            ));
        }
    }
    out
}

fn perm(proto: &str, from: i32, to: i32, cidr: &str) -> (String, i32, i32, String) {
    (proto.into(), from, to, cidr.into())
}

const SG_VPC: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.20.0.0/16"
}
"#;

#[test]
fn default_security_group_is_adopted_updated_and_forgotten() {
    let w = Work::new(&format!(
        r#"{SG_VPC}
resource "aws_default_security_group" "d" {{
  vpc_id = aws_vpc.main.id
  ingress {{
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["10.0.0.0/8"]
  }}
  tags = {{ Name = "adopted" }}
}}
"#
    ));
    w.ok(&["apply", "-auto-approve"]);
    let id = id_of(&w, "aws_default_security_group.d");
    assert_eq!(
        w.attrs("aws_vpc.main")["default_security_group_id"],
        id.as_str()
    );
    let g = group(&w, &id);
    assert_eq!(g.group_name(), Some("default"));
    // AWS's own rules (ingress from the group itself, egress to anywhere) are gone.
    assert_eq!(g.ip_permissions().len(), 1);
    assert_eq!(
        cidr_permissions(g.ip_permissions()),
        BTreeSet::from([perm("tcp", 443, 443, "10.0.0.0/8")])
    );
    assert!(g.ip_permissions_egress().is_empty());
    assert!(
        g.tags()
            .iter()
            .any(|t| t.key() == Some("Name") && t.value() == Some("adopted"))
    );
    w.assert_no_changes();

    w.write(&format!(
        r#"{SG_VPC}
resource "aws_default_security_group" "d" {{
  vpc_id = aws_vpc.main.id
  ingress {{
    protocol    = "tcp"
    from_port   = 22
    to_port     = 22
    cidr_blocks = ["10.1.0.0/16"]
  }}
  egress {{
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}
"#
    ));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("0 to add, 1 to change, 0 to destroy"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(id_of(&w, "aws_default_security_group.d"), id);
    let g = group(&w, &id);
    assert_eq!(
        cidr_permissions(g.ip_permissions()),
        BTreeSet::from([perm("tcp", 22, 22, "10.1.0.0/16")])
    );
    assert_eq!(
        cidr_permissions(g.ip_permissions_egress()),
        BTreeSet::from([perm("-1", 0, 0, "0.0.0.0/0")])
    );
    w.assert_no_changes();

    // Removed from the configuration: forgotten, the group keeps its rules.
    w.write(SG_VPC);
    w.ok(&["apply", "-auto-approve"]);
    let g = group(&w, &id);
    assert_eq!(
        cidr_permissions(g.ip_permissions()),
        BTreeSet::from([perm("tcp", 22, 22, "10.1.0.0/16")])
    );
    assert!(
        !w.ok(&["state", "list"])
            .contains("aws_default_security_group")
    );
    w.ok(&["destroy", "-auto-approve"]);
}

fn route_table(w: &Work, id: &str) -> RouteTable {
    let out = runtime()
        .block_on(w.ec2().describe_route_tables().route_table_ids(id).send())
        .unwrap();
    out.route_tables().first().cloned().expect("table exists")
}

/// (destination, gateway) of every route but the local one.
fn routes(t: &RouteTable) -> BTreeSet<(String, String)> {
    t.routes()
        .iter()
        .filter(|r| r.gateway_id() != Some("local"))
        .map(|r| {
            (
                r.destination_cidr_block().unwrap_or_default().to_string(),
                r.gateway_id().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

const RT_VPC: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.21.0.0/16"
}

resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.main.id
}
"#;

#[test]
fn default_route_table_is_adopted_updated_and_forgotten() {
    let w = Work::new(RT_VPC);
    w.ok(&["apply", "-auto-approve"]);
    let table = w.attrs("aws_vpc.main")["default_route_table_id"]
        .as_str()
        .unwrap()
        .to_string();
    let gw = id_of(&w, "aws_internet_gateway.gw");
    // A route made outside the configuration, which the adoption removes.
    runtime()
        .block_on(
            w.ec2()
                .create_route()
                .route_table_id(&table)
                .destination_cidr_block("10.50.0.0/16")
                .gateway_id(&gw)
                .send(),
        )
        .unwrap();
    let with_route = |cidr: &str| {
        format!(
            r#"{RT_VPC}
resource "aws_default_route_table" "d" {{
  default_route_table_id = aws_vpc.main.default_route_table_id
  route {{
    cidr_block = "{cidr}"
    gateway_id = aws_internet_gateway.gw.id
  }}
  tags = {{ Name = "main" }}
}}
"#
        )
    };
    w.write(&with_route("0.0.0.0/0"));
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(id_of(&w, "aws_default_route_table.d"), table);
    assert_eq!(
        w.attrs("aws_default_route_table.d")["vpc_id"],
        w.attrs("aws_vpc.main")["id"]
    );
    assert_eq!(
        routes(&route_table(&w, &table)),
        BTreeSet::from([("0.0.0.0/0".to_string(), gw.clone())])
    );
    w.assert_no_changes();

    w.write(&with_route("10.99.0.0/16"));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("0 to add, 1 to change, 0 to destroy"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(
        routes(&route_table(&w, &table)),
        BTreeSet::from([("10.99.0.0/16".to_string(), gw.clone())])
    );
    w.assert_no_changes();

    // Removed from the configuration: forgotten, the table keeps its routes.
    w.write(RT_VPC);
    w.ok(&["apply", "-auto-approve"]);
    let t = route_table(&w, &table);
    assert!(t.associations().iter().any(|a| a.main() == Some(true)));
    assert_eq!(
        routes(&t),
        BTreeSet::from([("10.99.0.0/16".to_string(), gw)])
    );
    w.ok(&["destroy", "-auto-approve"]);
}

/// The NAT instance pattern of Terraform 0.x configurations: a route block naming the instance
/// by the deprecated `instance_id`, in the default table and in a table of its own.
#[test]
fn route_blocks_send_traffic_to_an_instance_by_its_id() {
    let config = |nat: &str| {
        format!(
            r#"{RT_VPC}
data "aws_ami" "base" {{
  most_recent = true
  owners      = ["amazon"]
  filter {{
    name   = "name"
    values = ["amzn2-ami-hvm-*-x86_64-gp2"]
  }}
}}

resource "aws_subnet" "public" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.21.1.0/24"
}}

resource "aws_instance" "nat" {{
  count             = 2
  ami               = data.aws_ami.base.id
  instance_type     = "t3.micro"
  subnet_id         = aws_subnet.public.id
  source_dest_check = false
}}

resource "aws_default_route_table" "d" {{
  default_route_table_id = aws_vpc.main.default_route_table_id
  route {{
    cidr_block  = "0.0.0.0/0"
    instance_id = aws_instance.nat[{nat}].id
  }}
}}

resource "aws_route_table" "private" {{
  vpc_id = aws_vpc.main.id
  route {{
    cidr_block  = "0.0.0.0/0"
    instance_id = aws_instance.nat[{nat}].id
  }}
  route {{
    cidr_block = "10.30.0.0/16"
    gateway_id = aws_internet_gateway.gw.id
  }}
}}
"#
        )
    };
    let to_instance = |w: &Work, table: &str| -> String {
        let t = route_table(w, table);
        let r = t
            .routes()
            .iter()
            .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
            .expect("a default route");
        r.instance_id().unwrap_or_default().to_string()
    };
    let w = Work::new(&config("0"));
    w.ok(&["apply", "-auto-approve"]);
    let tables = [
        id_of(&w, "aws_default_route_table.d"),
        id_of(&w, "aws_route_table.private"),
    ];
    let nat = |i: usize| id_of(&w, &format!("aws_instance.nat[{i}]"));
    // (AWS answers the instance's interface beside it; moto answers the instance alone.)
    for t in &tables {
        assert_eq!(to_instance(&w, t), nat(0));
    }
    let route = &w.attrs("aws_route_table.private")["route"];
    let by_instance = route
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["cidr_block"] == "0.0.0.0/0")
        .unwrap();
    assert_eq!(by_instance["instance_id"], nat(0).as_str());
    assert!(by_instance["network_interface_id"].is_null());
    w.assert_no_changes();

    // Another instance: the route is replaced in place, in both tables.
    w.write(&config("1"));
    w.ok(&["apply", "-auto-approve"]);
    for t in &tables {
        assert_eq!(to_instance(&w, t), nat(1));
    }
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
}

fn acl(w: &Work, id: &str) -> NetworkAcl {
    // moto has no `network-acl-id` filter.
    let out = runtime()
        .block_on(w.ec2().describe_network_acls().network_acl_ids(id).send())
        .unwrap();
    out.network_acls().first().cloned().expect("ACL exists")
}

/// (egress, rule number, protocol, action, CIDR, from port) of every entry but the catch-alls.
fn entries(a: &NetworkAcl) -> BTreeSet<(bool, i32, String, String, String, i32)> {
    a.entries()
        .iter()
        .filter(|e| e.rule_number() != Some(32767))
        .map(|e| {
            (
                e.egress().unwrap(),
                e.rule_number().unwrap(),
                e.protocol().unwrap_or_default().to_string(),
                e.rule_action().unwrap().as_str().to_string(),
                e.cidr_block().unwrap_or_default().to_string(),
                e.port_range().and_then(|p| p.from()).unwrap_or(0),
            )
        })
        .collect()
}

fn entry(
    egress: bool,
    rule: i32,
    proto: &str,
    action: &str,
    cidr: &str,
    from: i32,
) -> (bool, i32, String, String, String, i32) {
    (egress, rule, proto.into(), action.into(), cidr.into(), from)
}

const ACL_VPC: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.22.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.22.1.0/24"
}
"#;

#[test]
fn default_network_acl_is_adopted_updated_and_forgotten() {
    let config = |ingress: &str| {
        format!(
            r#"{ACL_VPC}
resource "aws_default_network_acl" "d" {{
  default_network_acl_id = aws_vpc.main.default_network_acl_id
  subnet_ids             = [aws_subnet.a.id]
  {ingress}
  egress {{
    protocol   = "-1"
    rule_no    = 100
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
  }}
  tags = {{ Name = "default" }}
}}
"#
        )
    };
    let https = r#"ingress {
    protocol   = "tcp"
    rule_no    = 200
    action     = "allow"
    cidr_block = "10.0.0.0/8"
    from_port  = 443
    to_port    = 443
  }"#;
    let w = Work::new(&config(https));
    w.ok(&["apply", "-auto-approve"]);
    let id = id_of(&w, "aws_default_network_acl.d");
    assert_eq!(
        w.attrs("aws_vpc.main")["default_network_acl_id"],
        id.as_str()
    );
    // AWS's own allow-all ingress entry (rule 100) is gone.
    assert_eq!(
        entries(&acl(&w, &id)),
        BTreeSet::from([
            entry(false, 200, "6", "allow", "10.0.0.0/8", 443),
            entry(true, 100, "-1", "allow", "0.0.0.0/0", 0),
        ])
    );
    assert_eq!(
        w.attrs("aws_default_network_acl.d")["subnet_ids"],
        serde_json::json!([id_of(&w, "aws_subnet.a")])
    );
    w.assert_no_changes();

    let http_and_dns = r#"ingress {
    protocol   = "tcp"
    rule_no    = 200
    action     = "allow"
    cidr_block = "10.0.0.0/8"
    from_port  = 80
    to_port    = 80
  }
  ingress {
    protocol   = "udp"
    rule_no    = 300
    action     = "deny"
    cidr_block = "0.0.0.0/0"
    from_port  = 53
    to_port    = 53
  }"#;
    w.write(&config(http_and_dns));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("0 to add, 1 to change, 0 to destroy"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    let after = entries(&acl(&w, &id));
    assert_eq!(
        after,
        BTreeSet::from([
            entry(false, 200, "6", "allow", "10.0.0.0/8", 80),
            entry(false, 300, "17", "deny", "0.0.0.0/0", 53),
            entry(true, 100, "-1", "allow", "0.0.0.0/0", 0),
        ])
    );
    w.assert_no_changes();

    // Removed from the configuration: forgotten, the ACL keeps its entries and subnet.
    w.write(ACL_VPC);
    w.ok(&["apply", "-auto-approve"]);
    let a = acl(&w, &id);
    assert_eq!(a.is_default(), Some(true));
    assert_eq!(entries(&a), after);
    assert_eq!(a.associations().len(), 1);
    w.ok(&["destroy", "-auto-approve"]);
}

#[test]
fn the_vpc_module_simple_example_applies_and_destroys() {
    let w = Work::new("");
    std::fs::remove_file(w.path().join("main.tf")).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/real/terraform-aws-vpc");
    support::copy_dir(&fixture, w.path());
    // The example names its region; this test's own keeps it apart from the other tests.
    let example = w.path().join("examples/simple/main.tf");
    let main = std::fs::read_to_string(&example).unwrap();
    assert!(main.contains(r#"region = "eu-west-1""#));
    std::fs::write(
        &example,
        main.replace(
            r#"region = "eu-west-1""#,
            &format!(r#"region = "{}""#, w.region),
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["-chdir=examples/simple"];
        all.extend_from_slice(args);
        w.infra(&all)
    };
    let ok = |args: &[&str]| {
        let out = run(args);
        assert!(
            out.status.success(),
            "infra {args:?} failed:\n{}\n{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    };
    let plan = ok(&["plan"]);
    assert!(plan.contains("module.vpc.aws_default_security_group.this[0]"));
    ok(&["apply", "-auto-approve"]);
    let out = run(&["plan", "-detailed-exitcode"]);
    support::assert_unchanged(&out);
    let vpc = ok(&["output", "-raw", "vpc_id"]);
    let destroyed = ok(&["destroy", "-auto-approve"]);
    assert!(destroyed.contains("Destroy complete!"), "{destroyed}");
    let left = runtime()
        .block_on(w.ec2().describe_vpcs().vpc_ids(vpc.trim()).send())
        .map(|o| o.vpcs().len())
        .unwrap_or(0);
    assert_eq!(left, 0, "the VPC is gone");
}
