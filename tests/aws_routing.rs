//! Gateways, addresses, route tables, routes and associations against moto: create, no-change
//! re-plan, update in place, replace, import and destroy, each checked through the SDK.

mod support;

use aws_sdk_ec2::types::Filter;
use support::{Work, runtime};

fn by(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

fn id(w: &Work, address: &str) -> String {
    w.attrs(address)["id"].as_str().unwrap().to_string()
}

const GATEWAYS: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.30.0.0/16"
}

resource "aws_vpc" "other" {
  cidr_block = "10.31.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.30.1.0/24"
}

resource "aws_subnet" "b" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.30.2.0/24"
}

resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.IGW_VPC.id
  tags = {
    Name = "NAME"
  }
}

resource "aws_eip" "nat" {
  domain = "vpc"
  tags = {
    Name = "NAME"
  }
}

resource "aws_nat_gateway" "nat" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.NAT_SUBNET.id
  depends_on    = [aws_internet_gateway.gw]
}
"#;

fn gateways(igw_vpc: &str, name: &str, nat_subnet: &str) -> String {
    GATEWAYS
        .replace("IGW_VPC", igw_vpc)
        .replace("NAME", name)
        .replace("NAT_SUBNET", nat_subnet)
}

#[test]
fn internet_gateway_eip_and_nat_gateway_lifecycle() {
    let w = Work::new(&gateways("main", "one", "a"));
    w.ok(&["apply", "-auto-approve"]);
    let ec2 = w.ec2();
    let rt = runtime();
    let (vpc, other) = (id(&w, "aws_vpc.main"), id(&w, "aws_vpc.other"));
    let igw = w.attrs("aws_internet_gateway.gw");
    let igw_id = igw["id"].as_str().unwrap().to_string();
    assert!(igw_id.starts_with("igw-"), "{igw}");
    assert_eq!(igw["vpc_id"], vpc.as_str());
    assert!(
        igw["arn"]
            .as_str()
            .unwrap()
            .ends_with(&format!(":internet-gateway/{igw_id}")),
        "{igw}"
    );
    let eip = w.attrs("aws_eip.nat");
    let alloc = eip["id"].as_str().unwrap().to_string();
    assert!(alloc.starts_with("eipalloc-"), "{eip}");
    assert_eq!(eip["allocation_id"], alloc.as_str());
    assert_eq!(eip["domain"], "vpc");
    let public_ip = eip["public_ip"].as_str().unwrap().to_string();
    let nat = w.attrs("aws_nat_gateway.nat");
    let nat_id = nat["id"].as_str().unwrap().to_string();
    assert_eq!(nat["allocation_id"], alloc.as_str());
    assert_eq!(nat["connectivity_type"], "public");
    assert_eq!(nat["public_ip"], public_ip.as_str());
    assert!(
        nat["network_interface_id"]
            .as_str()
            .unwrap()
            .starts_with("eni-")
    );

    // The emulator agrees.
    let g = rt
        .block_on(
            ec2.describe_internet_gateways()
                .internet_gateway_ids(&igw_id)
                .send(),
        )
        .unwrap();
    assert_eq!(
        g.internet_gateways()[0].attachments()[0].vpc_id(),
        Some(vpc.as_str())
    );
    let n = rt
        .block_on(ec2.describe_nat_gateways().nat_gateway_ids(&nat_id).send())
        .unwrap();
    let n = &n.nat_gateways()[0];
    assert_eq!(n.state().map(|s| s.as_str()), Some("available"));
    assert_eq!(n.subnet_id(), Some(id(&w, "aws_subnet.a").as_str()));
    assert_eq!(
        n.nat_gateway_addresses()[0].allocation_id(),
        Some(alloc.as_str())
    );
    let a = rt
        .block_on(ec2.describe_addresses().allocation_ids(&alloc).send())
        .unwrap();
    assert_eq!(a.addresses()[0].public_ip(), Some(public_ip.as_str()));

    w.assert_no_changes();

    // In place: the gateway moves to another VPC; tags change.
    w.write(&gateways("other", "two", "a"));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("0 to add, 2 to change, 0 to destroy"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(id(&w, "aws_internet_gateway.gw"), igw_id);
    let g = rt
        .block_on(
            ec2.describe_internet_gateways()
                .internet_gateway_ids(&igw_id)
                .send(),
        )
        .unwrap();
    let g = &g.internet_gateways()[0];
    assert_eq!(g.attachments().len(), 1);
    assert_eq!(g.attachments()[0].vpc_id(), Some(other.as_str()));
    assert!(
        g.tags()
            .iter()
            .any(|t| t.key() == Some("Name") && t.value() == Some("two"))
    );
    let a = rt
        .block_on(ec2.describe_addresses().allocation_ids(&alloc).send())
        .unwrap();
    assert!(
        a.addresses()[0]
            .tags()
            .iter()
            .any(|t| t.key() == Some("Name") && t.value() == Some("two"))
    );
    w.assert_no_changes();

    // Force-new: another subnet replaces the NAT gateway; the old one is deleted first, so
    // the address it held is free for the new one.
    w.write(&gateways("other", "two", "b"));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_nat_gateway.nat must be replaced"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    let new_nat = id(&w, "aws_nat_gateway.nat");
    assert_ne!(new_nat, nat_id);
    let n = rt
        .block_on(ec2.describe_nat_gateways().nat_gateway_ids(&nat_id).send())
        .unwrap();
    assert!(
        n.nat_gateways()
            .iter()
            .all(|g| g.state().map(|s| s.as_str()) == Some("deleted")),
        "{n:?}"
    );
    let n = rt
        .block_on(ec2.describe_nat_gateways().nat_gateway_ids(&new_nat).send())
        .unwrap();
    assert_eq!(
        n.nat_gateways()[0].subnet_id(),
        Some(id(&w, "aws_subnet.b").as_str())
    );
    w.assert_no_changes();

    // Import: forget all three and adopt them again by id.
    for (addr, id) in [
        ("aws_internet_gateway.gw", &igw_id),
        ("aws_eip.nat", &alloc),
        ("aws_nat_gateway.nat", &new_nat),
    ] {
        w.ok(&["state", "rm", addr]);
        w.ok(&["import", addr, id]);
        assert_eq!(w.attrs(addr)["id"], id.as_str());
    }
    assert_eq!(w.attrs("aws_internet_gateway.gw")["vpc_id"], other.as_str());
    w.assert_no_changes();

    w.ok(&["destroy", "-auto-approve"]);
    let g = rt
        .block_on(
            ec2.describe_internet_gateways()
                .filters(by("internet-gateway-id", &igw_id))
                .send(),
        )
        .unwrap();
    assert!(g.internet_gateways().is_empty(), "{g:?}");
    let a = rt
        .block_on(
            ec2.describe_addresses()
                .filters(by("allocation-id", &alloc))
                .send(),
        )
        .unwrap();
    assert!(a.addresses().is_empty(), "the address is released: {a:?}");
    let n = rt
        .block_on(ec2.describe_nat_gateways().nat_gateway_ids(&new_nat).send())
        .unwrap();
    assert!(
        n.nat_gateways()
            .iter()
            .all(|g| g.state().map(|s| s.as_str()) == Some("deleted"))
    );
}

const ROUTES: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.40.1.0/24"
}

resource "aws_subnet" "b" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.40.2.0/24"
}

resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.main.id
}

resource "aws_eip" "nat" {
  domain = "vpc"
}

resource "aws_nat_gateway" "nat" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.a.id
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.gw.id
  }
  EXTRA_ROUTE
  tags = {
    Name = "public"
  }
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route_table" "edge" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route" "private_default" {
  route_table_id         = aws_route_table.private.id
  destination_cidr_block = "DEST"
  TARGET
}

resource "aws_route_table_association" "a" {
  subnet_id      = aws_subnet.SUBNET.id
  route_table_id = aws_route_table.TABLE.id
}

resource "aws_route_table_association" "edge" {
  gateway_id     = aws_internet_gateway.gw.id
  route_table_id = aws_route_table.edge.id
}
"#;

const EXTRA_ROUTE: &str = r#"route {
    cidr_block     = "10.99.0.0/16"
    nat_gateway_id = aws_nat_gateway.nat.id
  }"#;

struct Routes<'a> {
    extra: bool,
    dest: &'a str,
    via_nat: bool,
    subnet: &'a str,
    table: &'a str,
}

impl Routes<'_> {
    fn tf(&self) -> String {
        ROUTES
            .replace("EXTRA_ROUTE", if self.extra { EXTRA_ROUTE } else { "" })
            .replace("DEST", self.dest)
            .replace(
                "TARGET",
                if self.via_nat {
                    "nat_gateway_id = aws_nat_gateway.nat.id"
                } else {
                    "gateway_id = aws_internet_gateway.gw.id"
                },
            )
            .replace("SUBNET", self.subnet)
            .replace("TABLE", self.table)
    }
}

/// The routes someone created in a table, by destination: (gateway, NAT gateway).
fn routes_of(
    ec2: &aws_sdk_ec2::Client,
    table: &str,
) -> std::collections::BTreeMap<String, (Option<String>, Option<String>)> {
    let t = runtime()
        .block_on(ec2.describe_route_tables().route_table_ids(table).send())
        .unwrap();
    t.route_tables()[0]
        .routes()
        .iter()
        .filter(|r| r.gateway_id() != Some("local"))
        .map(|r| {
            (
                r.destination_cidr_block().unwrap().to_string(),
                (
                    r.gateway_id().map(str::to_string),
                    r.nat_gateway_id().map(str::to_string),
                ),
            )
        })
        .collect()
}

/// The subnets and gateways associated with a table.
fn associated(ec2: &aws_sdk_ec2::Client, table: &str) -> Vec<String> {
    let t = runtime()
        .block_on(ec2.describe_route_tables().route_table_ids(table).send())
        .unwrap();
    t.route_tables()[0]
        .associations()
        .iter()
        .filter_map(|a| a.subnet_id().or(a.gateway_id()).map(str::to_string))
        .collect()
}

#[test]
fn route_tables_routes_and_associations_lifecycle() {
    let mut cfg = Routes {
        extra: false,
        dest: "0.0.0.0/0",
        via_nat: false,
        subnet: "a",
        table: "public",
    };
    let w = Work::new(&cfg.tf());
    w.ok(&["apply", "-auto-approve"]);
    let ec2 = w.ec2();
    let (igw, nat) = (
        id(&w, "aws_internet_gateway.gw"),
        id(&w, "aws_nat_gateway.nat"),
    );
    let (subnet_a, subnet_b) = (id(&w, "aws_subnet.a"), id(&w, "aws_subnet.b"));
    let (public, private, edge) = (
        id(&w, "aws_route_table.public"),
        id(&w, "aws_route_table.private"),
        id(&w, "aws_route_table.edge"),
    );
    let table = w.attrs("aws_route_table.public");
    assert_eq!(table["route"].as_array().unwrap().len(), 1, "{table}");
    assert_eq!(table["route"][0]["gateway_id"], igw.as_str());
    assert!(
        table["owner_id"].is_string() && table["arn"].is_string(),
        "{table}"
    );
    let route = w.attrs("aws_route.private_default");
    // Terraform's id: the table and the CRC-32 of the destination.
    assert_eq!(route["id"], format!("r-{private}1080289494").as_str());
    assert_eq!(route["origin"], "CreateRoute");
    assert_eq!(
        routes_of(&ec2, &public).get("0.0.0.0/0"),
        Some(&(Some(igw.clone()), None))
    );
    assert_eq!(
        routes_of(&ec2, &private).get("0.0.0.0/0"),
        Some(&(Some(igw.clone()), None))
    );
    assert_eq!(associated(&ec2, &public), vec![subnet_a.clone()]);
    assert_eq!(associated(&ec2, &edge), vec![igw.clone()]);
    let assoc = id(&w, "aws_route_table_association.a");
    assert!(assoc.starts_with("rtbassoc-"), "{assoc}");

    w.assert_no_changes();

    // In place: an inline route added, the route's target and the association's table changed.
    cfg.extra = true;
    cfg.via_nat = true;
    cfg.table = "private";
    w.write(&cfg.tf());
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("0 to add, 3 to change, 0 to destroy"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(
        routes_of(&ec2, &public).get("10.99.0.0/16"),
        Some(&(None, Some(nat.clone())))
    );
    assert_eq!(
        routes_of(&ec2, &private).get("0.0.0.0/0"),
        Some(&(None, Some(nat.clone())))
    );
    assert!(associated(&ec2, &public).is_empty());
    assert_eq!(associated(&ec2, &private), vec![subnet_a.clone()]);
    let moved = id(&w, "aws_route_table_association.a");
    assert_ne!(moved, assoc, "moving an association gives it a new id");
    w.assert_no_changes();

    // Force-new: another destination replaces the route, another subnet the association.
    cfg.dest = "10.60.0.0/16";
    cfg.subnet = "b";
    w.write(&cfg.tf());
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_route.private_default must be replaced")
            && plan.contains("aws_route_table_association.a must be replaced"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    let routes = routes_of(&ec2, &private);
    assert!(!routes.contains_key("0.0.0.0/0"), "{routes:?}");
    assert_eq!(routes.get("10.60.0.0/16"), Some(&(None, Some(nat.clone()))));
    assert_eq!(associated(&ec2, &private), vec![subnet_b.clone()]);
    w.assert_no_changes();

    // Untagged objects forgotten by state (as after a crash before the state write): the next
    // apply adopts them instead of failing or duplicating.
    let (route_id, assoc_id) = (
        id(&w, "aws_route.private_default"),
        id(&w, "aws_route_table_association.a"),
    );
    w.ok(&["state", "rm", "aws_route.private_default"]);
    w.ok(&["state", "rm", "aws_route_table_association.a"]);
    let out = w.ok(&["apply", "-auto-approve"]);
    assert!(out.contains("2 added"), "{out}");
    assert_eq!(id(&w, "aws_route.private_default"), route_id);
    assert_eq!(id(&w, "aws_route_table_association.a"), assoc_id);
    assert_eq!(associated(&ec2, &private), vec![subnet_b.clone()]);
    w.assert_no_changes();

    // Import by Terraform's ids.
    for (addr, import_id) in [
        ("aws_route_table.public", public.clone()),
        (
            "aws_route.private_default",
            format!("{private}_10.60.0.0/16"),
        ),
        (
            "aws_route_table_association.a",
            format!("{subnet_b}/{private}"),
        ),
        ("aws_route_table_association.edge", format!("{igw}/{edge}")),
    ] {
        w.ok(&["state", "rm", addr]);
        w.ok(&["import", addr, &import_id]);
    }
    assert_eq!(id(&w, "aws_route.private_default"), route_id);
    assert_eq!(id(&w, "aws_route_table_association.a"), assoc_id);
    assert_eq!(
        w.attrs("aws_route_table.public")["route"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    w.assert_no_changes();

    // An inline route removed from configuration is removed from the table.
    cfg.extra = false;
    w.write(&cfg.tf());
    w.ok(&["apply", "-auto-approve"]);
    let routes = routes_of(&ec2, &public);
    assert!(!routes.contains_key("10.99.0.0/16"), "{routes:?}");
    assert!(routes.contains_key("0.0.0.0/0"), "{routes:?}");
    w.assert_no_changes();

    w.ok(&["destroy", "-auto-approve"]);
    let left = runtime()
        .block_on(
            ec2.describe_route_tables()
                .filters(
                    Filter::builder()
                        .name("route-table-id")
                        .values(&public)
                        .values(&private)
                        .values(&edge)
                        .build(),
                )
                .send(),
        )
        .unwrap();
    assert!(left.route_tables().is_empty(), "{left:?}");
}

const ADDRESS: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.50.0.0/16"
}

resource "aws_vpc" "other" {
  cidr_block = "10.51.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.50.1.0/24"
}

resource "aws_eip" "x" {
  domain  = "vpc"
  address = "ADDRESS"
  INTERFACE
}

resource "aws_route_table" "t" {
  vpc_id = aws_vpc.TABLE_VPC.id
}
"#;

fn address(ip: &str, eni: Option<&str>, table_vpc: &str) -> String {
    ADDRESS
        .replace("ADDRESS", ip)
        .replace(
            "INTERFACE",
            &eni.map(|e| format!("network_interface = \"{e}\""))
                .unwrap_or_default(),
        )
        .replace("TABLE_VPC", table_vpc)
}

#[test]
fn eip_association_and_replacements() {
    let w = Work::new(&address("198.51.100.7", None, "main"));
    w.ok(&["apply", "-auto-approve"]);
    let ec2 = w.ec2();
    let rt = runtime();
    let alloc = id(&w, "aws_eip.x");
    assert_eq!(w.attrs("aws_eip.x")["public_ip"], "198.51.100.7");
    assert!(w.attrs("aws_eip.x")["ptr_record"].is_null());
    let table = id(&w, "aws_route_table.t");
    w.assert_no_changes();

    // A reverse DNS record set outside infra (as `aws_eip_domain_name` does) reads back.
    rt.block_on(
        ec2.modify_address_attribute()
            .allocation_id(&alloc)
            .domain_name("bastion.example.com")
            .send(),
    )
    .unwrap();
    w.ok(&["apply", "-refresh-only", "-auto-approve"]);
    assert_eq!(w.attrs("aws_eip.x")["ptr_record"], "bastion.example.com");

    // In place: associate the address with an interface, then move it to another.
    let subnet = id(&w, "aws_subnet.a");
    let new_eni = || {
        rt.block_on(ec2.create_network_interface().subnet_id(&subnet).send())
            .unwrap()
            .network_interface()
            .unwrap()
            .network_interface_id()
            .unwrap()
            .to_string()
    };
    let (eni1, eni2) = (new_eni(), new_eni());
    let held_by = |alloc: &str| {
        rt.block_on(ec2.describe_addresses().allocation_ids(alloc).send())
            .unwrap()
            .addresses()[0]
            .network_interface_id()
            .map(str::to_string)
    };
    for target in [&eni1, &eni2] {
        w.write(&address("198.51.100.7", Some(target), "main"));
        let plan = w.ok(&["plan"]);
        assert!(
            plan.contains("0 to add, 1 to change, 0 to destroy"),
            "{plan}"
        );
        w.ok(&["apply", "-auto-approve"]);
        assert_eq!(id(&w, "aws_eip.x"), alloc);
        assert_eq!(held_by(&alloc).as_deref(), Some(target.as_str()));
        let eip = w.attrs("aws_eip.x");
        assert!(
            eip["association_id"]
                .as_str()
                .unwrap()
                .starts_with("eipassoc-"),
            "{eip}"
        );
        assert!(eip["private_ip"].is_string(), "{eip}");
        w.assert_no_changes();
    }

    // Force-new: another address replaces the EIP (released, not just forgotten); another
    // VPC replaces the route table.
    w.write(&address("198.51.100.8", Some(&eni2), "other"));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_eip.x must be replaced")
            && plan.contains("aws_route_table.t must be replaced"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    let new_alloc = id(&w, "aws_eip.x");
    assert_ne!(new_alloc, alloc);
    assert_eq!(held_by(&new_alloc).as_deref(), Some(eni2.as_str()));
    let old = rt
        .block_on(
            ec2.describe_addresses()
                .filters(by("allocation-id", &alloc))
                .send(),
        )
        .unwrap();
    assert!(old.addresses().is_empty(), "{old:?}");
    let new_table = id(&w, "aws_route_table.t");
    assert_ne!(new_table, table);
    let tables = rt
        .block_on(
            ec2.describe_route_tables()
                .filters(by("route-table-id", &table))
                .send(),
        )
        .unwrap();
    assert!(tables.route_tables().is_empty(), "{tables:?}");
    assert_eq!(
        w.attrs("aws_route_table.t")["vpc_id"],
        id(&w, "aws_vpc.other").as_str()
    );
    w.assert_no_changes();

    // Destroy lets go of the interface before releasing the address.
    w.ok(&["destroy", "-auto-approve"]);
    let left = rt
        .block_on(
            ec2.describe_addresses()
                .filters(by("allocation-id", &new_alloc))
                .send(),
        )
        .unwrap();
    assert!(left.addresses().is_empty(), "{left:?}");
}

/// The legacy `vpc = true` (AWS provider versions before 5, still in many configurations)
/// allocates a VPC address, reads back as both `vpc` and `domain`, and plans clean.
#[test]
fn eip_with_the_legacy_vpc_argument() {
    let w = Work::new("resource \"aws_eip\" \"legacy\" {\n  vpc = true\n}\n");
    w.ok(&["apply", "-auto-approve"]);
    let attrs = w.attrs("aws_eip.legacy");
    assert_eq!(attrs["vpc"], true);
    assert_eq!(attrs["domain"], "vpc");
    let alloc = id(&w, "aws_eip.legacy");
    let found = runtime()
        .block_on(w.ec2().describe_addresses().allocation_ids(&alloc).send())
        .unwrap();
    assert_eq!(
        found.addresses()[0].domain().map(|d| d.as_str()),
        Some("vpc")
    );
    w.assert_no_changes();
}

/// The IPv6 routes of a table: destination → egress-only or internet gateway.
fn ipv6_routes_of(ec2: &aws_sdk_ec2::Client, table: &str) -> Vec<(String, String)> {
    let t = runtime()
        .block_on(ec2.describe_route_tables().route_table_ids(table).send())
        .unwrap();
    let mut got: Vec<(String, String)> = t.route_tables()[0]
        .routes()
        .iter()
        .filter(|r| r.gateway_id() != Some("local"))
        .filter_map(|r| {
            let target = r.egress_only_internet_gateway_id().or(r.gateway_id())?;
            Some((
                r.destination_ipv6_cidr_block()?.to_string(),
                target.to_string(),
            ))
        })
        .collect();
    got.sort();
    got
}

/// IPv6 end to end: a VPC with an Amazon-provided block, a subnet carved from it, an
/// egress-only gateway and `::/0` routes both as a route table's inline route and as
/// `aws_route`.
#[test]
fn ipv6_network_with_an_egress_only_gateway() {
    let config = |name: &str| {
        format!(
            r#"
resource "aws_vpc" "v6" {{
  cidr_block                       = "10.40.0.0/16"
  assign_generated_ipv6_cidr_block = true
}}

resource "aws_subnet" "private" {{
  vpc_id                          = aws_vpc.v6.id
  cidr_block                      = "10.40.1.0/24"
  ipv6_cidr_block                 = cidrsubnet(aws_vpc.v6.ipv6_cidr_block, 8, 1)
  assign_ipv6_address_on_creation = true
}}

resource "aws_egress_only_internet_gateway" "out" {{
  vpc_id = aws_vpc.v6.id
  tags = {{
    Name = "{name}"
  }}
}}

resource "aws_route_table" "private" {{
  vpc_id = aws_vpc.v6.id
  route {{
    ipv6_cidr_block        = "::/0"
    egress_only_gateway_id = aws_egress_only_internet_gateway.out.id
  }}
}}

resource "aws_route_table" "other" {{
  vpc_id = aws_vpc.v6.id
}}

resource "aws_route" "v6" {{
  route_table_id              = aws_route_table.other.id
  destination_ipv6_cidr_block = "::/0"
  egress_only_gateway_id      = aws_egress_only_internet_gateway.out.id
}}

resource "aws_route_table_association" "private" {{
  subnet_id      = aws_subnet.private.id
  route_table_id = aws_route_table.private.id
}}
"#
        )
    };
    let w = Work::new(&config("one"));
    w.ok(&["apply", "-auto-approve"]);
    let ec2 = w.ec2();
    let vpc = w.attrs("aws_vpc.v6");
    let block = vpc["ipv6_cidr_block"].as_str().unwrap().to_string();
    assert!(block.ends_with("/56"), "{vpc}");
    let subnet = w.attrs("aws_subnet.private");
    assert!(
        subnet["ipv6_cidr_block"].as_str().unwrap().ends_with("/64"),
        "{subnet}"
    );
    let gateway = id(&w, "aws_egress_only_internet_gateway.out");
    assert!(gateway.starts_with("eigw-"), "{gateway}");
    let got = runtime()
        .block_on(
            ec2.describe_egress_only_internet_gateways()
                .egress_only_internet_gateway_ids(&gateway)
                .send(),
        )
        .unwrap();
    let g = &got.egress_only_internet_gateways()[0];
    assert_eq!(
        g.attachments()[0].vpc_id(),
        vpc["id"].as_str(),
        "attached to the VPC"
    );
    for table in ["aws_route_table.private", "aws_route_table.other"] {
        assert_eq!(
            ipv6_routes_of(&ec2, &id(&w, table)),
            vec![("::/0".to_string(), gateway.clone())],
            "{table}"
        );
    }
    w.assert_no_changes();

    // A tag changes in place; the gateway stays.
    w.write(&config("two"));
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(id(&w, "aws_egress_only_internet_gateway.out"), gateway);
    assert_eq!(
        w.attrs("aws_egress_only_internet_gateway.out")["tags"]["Name"],
        "two"
    );
    w.assert_no_changes();

    // Import by id.
    w.ok(&["state", "rm", "aws_egress_only_internet_gateway.out"]);
    w.ok(&["import", "aws_egress_only_internet_gateway.out", &gateway]);
    w.assert_no_changes();

    w.ok(&["destroy", "-auto-approve"]);
    let left = runtime()
        .block_on(ec2.describe_egress_only_internet_gateways().send())
        .unwrap();
    assert!(
        left.egress_only_internet_gateways()
            .iter()
            .all(|g| g.egress_only_internet_gateway_id() != Some(gateway.as_str())),
        "{left:?}"
    );
}

/// A regional NAT gateway in manual mode (each zone's Elastic IPs given; the test emulator
/// models regional gateways, which moto lacks): created with the VPC, a zone's addresses
/// changed in place, a zone added, imported; one in auto mode beside it; and the mode's
/// arguments checked at plan.
#[test]
fn a_regional_nat_gateway_with_its_zones_addresses() {
    let config = |zones: &str| {
        format!(
            r#"
data "aws_availability_zones" "all" {{}}

resource "aws_vpc" "main" {{
  cidr_block = "10.60.0.0/16"
}}

resource "aws_eip" "nat" {{
  count  = 3
  domain = "vpc"
}}

resource "aws_nat_gateway" "manual" {{
  availability_mode = "regional"
  vpc_id            = aws_vpc.main.id
  {zones}
}}

resource "aws_nat_gateway" "auto" {{
  availability_mode = "regional"
  vpc_id            = aws_vpc.main.id
}}
"#
        )
    };
    let zone = |index: usize, eips: &str| {
        format!(
            r#"
  availability_zone_address {{
    availability_zone = data.aws_availability_zones.all.names[{index}]
    allocation_ids    = [{eips}]
  }}"#
        )
    };
    let w = Work::new(&config(&zone(0, "aws_eip.nat[0].id")));
    w.ok(&["apply", "-auto-approve"]);
    w.assert_no_changes();
    let manual = w.attrs("aws_nat_gateway.manual");
    assert_eq!(manual["availability_mode"], "regional");
    assert_eq!(manual["regional_nat_gateway_auto_mode"], "disabled");
    assert!(manual["subnet_id"].is_null(), "{manual}");
    assert!(manual["allocation_id"].is_null(), "{manual}");
    assert!(
        manual["route_table_id"]
            .as_str()
            .unwrap()
            .starts_with("rtb-")
    );
    let auto = w.attrs("aws_nat_gateway.auto");
    assert_eq!(auto["regional_nat_gateway_auto_mode"], "enabled");
    assert_eq!(auto["auto_provision_zones"], "enabled");
    let gateway_id = id(&w, "aws_nat_gateway.manual");
    let gateways = |w: &Work| {
        runtime()
            .block_on(
                w.ec2()
                    .describe_nat_gateways()
                    .nat_gateway_ids(&gateway_id)
                    .send(),
            )
            .unwrap()
            .nat_gateways()
            .to_vec()
    };
    let allocations = |w: &Work| -> Vec<(String, String)> {
        let mut a: Vec<(String, String)> = gateways(w)[0]
            .nat_gateway_addresses()
            .iter()
            .map(|a| {
                (
                    a.availability_zone().unwrap_or_default().to_string(),
                    a.allocation_id().unwrap_or_default().to_string(),
                )
            })
            .collect();
        a.sort();
        a
    };
    let eip = |i: usize| id(&w, &format!("aws_eip.nat[{i}]"));
    let zones: Vec<String> = runtime()
        .block_on(w.ec2().describe_availability_zones().send())
        .unwrap()
        .availability_zones()
        .iter()
        .filter_map(|z| z.zone_name().map(str::to_string))
        .collect();
    assert_eq!(allocations(&w), [(zones[0].clone(), eip(0))]);

    // A second address in the first zone and a second zone: in place, the same gateway.
    w.write(&config(
        &(zone(0, "aws_eip.nat[0].id, aws_eip.nat[1].id") + &zone(1, "aws_eip.nat[2].id")),
    ));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_nat_gateway.manual will be updated in-place"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(id(&w, "aws_nat_gateway.manual"), gateway_id);
    let mut want = vec![
        (zones[0].clone(), eip(0)),
        (zones[0].clone(), eip(1)),
        (zones[1].clone(), eip(2)),
    ];
    want.sort();
    assert_eq!(allocations(&w), want);
    w.assert_no_changes();
    // And one address let go.
    w.write(&config(
        &(zone(0, "aws_eip.nat[1].id") + &zone(1, "aws_eip.nat[2].id")),
    ));
    w.ok(&["apply", "-auto-approve"]);
    let mut want = vec![(zones[0].clone(), eip(1)), (zones[1].clone(), eip(2))];
    want.sort();
    assert_eq!(allocations(&w), want);
    w.assert_no_changes();

    // Manual mode to auto mode is a new gateway.
    w.write(&config(""));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_nat_gateway.manual must be replaced"),
        "{plan}"
    );

    // Import reads the zones back.
    w.write(&config(
        &(zone(0, "aws_eip.nat[1].id") + &zone(1, "aws_eip.nat[2].id")),
    ));
    w.ok(&["state", "rm", "aws_nat_gateway.manual"]);
    w.ok(&["import", "aws_nat_gateway.manual", &gateway_id]);
    let imported = w.attrs("aws_nat_gateway.manual");
    assert_eq!(
        imported["availability_zone_address"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(imported["vpc_id"], id(&w, "aws_vpc.main"));

    // A regional gateway with a subnet, or a zonal one without, is refused at plan.
    w.write(
        &(config("")
            + r#"
resource "aws_nat_gateway" "lost" {
  connectivity_type = "private"
}
"#),
    );
    let out = w.infra(&["plan"]);
    assert_eq!(out.status.code(), Some(1));
    let err = support::text(&out.stderr);
    assert!(
        err.contains("aws_nat_gateway.lost") && err.contains("needs subnet_id"),
        "{err}"
    );
    w.write(&config(
        &(zone(0, "aws_eip.nat[1].id") + &zone(1, "aws_eip.nat[2].id")),
    ));
    w.ok(&["destroy", "-auto-approve"]);
    assert!(
        gateways(&w)
            .iter()
            .all(|g| g.state().is_some_and(|s| s.as_str() == "deleted"))
    );
}
