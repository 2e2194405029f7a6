//! Security groups, their rules in all three forms, and key pairs against moto: create,
//! no-change re-plan, update in place, replace, import and destroy, each checked by reading
//! the emulator through the SDK.

mod support;

use aws_sdk_ec2::types::{Filter, IpPermission, SecurityGroup};
use std::collections::BTreeSet;
use support::{Work, runtime, text};

fn group(w: &Work, id: &str) -> Option<SecurityGroup> {
    let out = runtime()
        .block_on(
            w.ec2()
                .describe_security_groups()
                .filters(Filter::builder().name("group-id").values(id).build())
                .send(),
        )
        .unwrap();
    out.security_groups().first().cloned()
}

/// (protocol, from, to, source) of every permission, one per source.
fn permissions(perms: &[IpPermission]) -> BTreeSet<(String, i32, i32, String)> {
    let mut out = BTreeSet::new();
    for p in perms {
        let key = |src: &str| {
            (
                p.ip_protocol().unwrap_or_default().to_string(),
                p.from_port().unwrap_or(0),
                p.to_port().unwrap_or(0),
                src.to_string(),
            )
        };
        for r in p.ip_ranges() {
            out.insert(key(r.cidr_ip().unwrap()));
        }
        for g in p.user_id_group_pairs() {
            out.insert(key(g.group_id().unwrap()));
        }
    }
    out
}

fn perm(proto: &str, from: i32, to: i32, src: &str) -> (String, i32, i32, String) {
    (proto.into(), from, to, src.into())
}

const GROUPS: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.30.0.0/16"
}

resource "aws_security_group" "web" {
  name                   = "NAME"
  vpc_id                 = aws_vpc.main.id
  revoke_rules_on_delete = true
  tags = {
    Role = "web"
  }

  ingress {
    description = "https"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [CIDRS]
  }

  ingress {
    from_port = 22
    to_port   = 22
    protocol  = "6"
    self      = true
  }

  ingress {
    from_port       = 8080
    to_port         = 8080
    protocol        = "tcp"
    security_groups = [aws_security_group.bare.id]
  }

  egress {
    from_port       = 0
    to_port         = 0
    protocol        = "-1"
    cidr_blocks     = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "bare" {
  name_prefix = "bare-"
  vpc_id      = aws_vpc.main.id
}
"#;

fn groups(name: &str, cidrs: &str) -> String {
    GROUPS.replace("NAME", name).replace("CIDRS", cidrs)
}

#[test]
fn security_group_inline_rules_lifecycle() {
    let w = Work::new(&groups("web", r#""10.0.0.0/8", "192.168.0.0/16""#));
    w.ok(&["apply", "-auto-approve"]);
    let web = w.attrs("aws_security_group.web");
    let id = web["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("sg-"), "{web}");
    assert_eq!(web["description"], "Managed by Terraform");
    assert!(web["arn"].as_str().unwrap().contains(&id), "{web}");
    assert!(!web["owner_id"].as_str().unwrap().is_empty(), "{web}");
    let ingress = web["ingress"].as_array().unwrap();
    assert_eq!(ingress.len(), 3, "two CIDRs read back as one rule: {web}");
    let https = ingress.iter().find(|r| r["from_port"] == 443).unwrap();
    assert_eq!(https["cidr_blocks"].as_array().unwrap().len(), 2);
    assert_eq!(https["description"], "https");
    let ssh = ingress.iter().find(|r| r["from_port"] == 22).unwrap();
    assert_eq!(ssh["self"], true);
    assert_eq!(ssh["protocol"], "tcp", "protocol numbers read as names");

    // The emulator has exactly these permissions.
    let bare_id = w.attrs("aws_security_group.bare")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let g = group(&w, &id).unwrap();
    assert_eq!(g.group_name(), Some("web"));
    assert_eq!(
        permissions(g.ip_permissions()),
        BTreeSet::from([
            perm("tcp", 443, 443, "10.0.0.0/8"),
            perm("tcp", 443, 443, "192.168.0.0/16"),
            perm("tcp", 22, 22, &id),
            perm("tcp", 8080, 8080, &bare_id),
        ])
    );
    assert_eq!(
        permissions(g.ip_permissions_egress()),
        BTreeSet::from([perm("-1", 0, 0, "0.0.0.0/0")])
    );
    // A group without egress configured loses the allow-all rule AWS gives it.
    let bare = w.attrs("aws_security_group.bare");
    assert!(
        bare["name"].as_str().unwrap().starts_with("bare-"),
        "{bare}"
    );
    let b = group(&w, bare["id"].as_str().unwrap()).unwrap();
    assert!(b.ip_permissions_egress().is_empty(), "{b:?}");
    assert_eq!(bare["egress"], serde_json::json!([]));

    w.assert_no_changes();
    // The same rules in another order are the same set.
    w.write(&groups("web", r#""192.168.0.0/16", "10.0.0.0/8""#));
    w.assert_no_changes();

    // In place: one CIDR out, another in; the group keeps its id.
    w.write(&groups("web", r#""10.0.0.0/8", "172.16.0.0/12""#));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("1 to change"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(w.attrs("aws_security_group.web")["id"], id.as_str());
    let g = group(&w, &id).unwrap();
    assert_eq!(
        permissions(g.ip_permissions()),
        BTreeSet::from([
            perm("tcp", 443, 443, "10.0.0.0/8"),
            perm("tcp", 443, 443, "172.16.0.0/12"),
            perm("tcp", 22, 22, &id),
            perm("tcp", 8080, 8080, &bare_id),
        ])
    );
    w.assert_no_changes();

    // Drift: a rule added outside infra shows as a change and is revoked.
    runtime()
        .block_on(
            w.ec2()
                .authorize_security_group_ingress()
                .group_id(&id)
                .ip_permissions(
                    IpPermission::builder()
                        .ip_protocol("udp")
                        .from_port(53)
                        .to_port(53)
                        .ip_ranges(
                            aws_sdk_ec2::types::IpRange::builder()
                                .cidr_ip("10.9.0.0/16")
                                .build(),
                        )
                        .build(),
                )
                .send(),
        )
        .unwrap();
    let out = w.infra(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    w.ok(&["apply", "-auto-approve"]);
    let g = group(&w, &id).unwrap();
    assert!(
        !permissions(g.ip_permissions()).contains(&perm("udp", 53, 53, "10.9.0.0/16")),
        "{g:?}"
    );

    // Import: forget the group, then adopt it by id.
    w.ok(&["state", "rm", "aws_security_group.web"]);
    w.ok(&["import", "aws_security_group.web", &id]);
    let imported = w.attrs("aws_security_group.web");
    assert_eq!(imported["name"], "web");
    assert_eq!(imported["ingress"].as_array().unwrap().len(), 3);
    assert_eq!(imported["egress"].as_array().unwrap().len(), 1);
    // As in Terraform, AWS does not know revoke_rules_on_delete: only it differs.
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("revoke_rules_on_delete = false -> true")
            && plan.contains("(8 unchanged attributes hidden)"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    w.assert_no_changes();

    // The name is force-new.
    w.write(&groups("web2", r#""10.0.0.0/8", "172.16.0.0/12""#));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("must be replaced"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    let new_id = w.attrs("aws_security_group.web")["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_id, id);
    assert!(group(&w, &id).is_none(), "the replaced group is gone");
    assert_eq!(group(&w, &new_id).unwrap().group_name(), Some("web2"));

    w.ok(&["destroy", "-auto-approve"]);
    assert!(group(&w, &new_id).is_none());
    assert!(group(&w, bare["id"].as_str().unwrap()).is_none());
}

const LEGACY: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
}

resource "aws_security_group" "app" {
  name   = "app"
  vpc_id = aws_vpc.main.id
}

resource "aws_security_group" "lb" {
  name   = "lb"
  vpc_id = aws_vpc.main.id
}

resource "aws_security_group_rule" "https" {
  type              = "ingress"
  security_group_id = aws_security_group.app.id
  from_port         = 443
  to_port           = TO_PORT
  protocol          = "tcp"
  cidr_blocks       = ["10.0.0.0/8", "192.168.0.0/16"]
  description       = "DESCRIPTION"
}

resource "aws_security_group_rule" "from_lb" {
  type                     = "ingress"
  security_group_id        = aws_security_group.app.id
  from_port                = 8080
  to_port                  = 8080
  protocol                 = "tcp"
  source_security_group_id = aws_security_group.lb.id
}
"#;

fn legacy(to_port: u16, description: &str) -> String {
    LEGACY
        .replace("TO_PORT", &to_port.to_string())
        .replace("DESCRIPTION", description)
}

#[test]
fn security_group_rule_lifecycle() {
    let w = Work::new(&legacy(443, "tls"));
    w.ok(&["apply", "-auto-approve"]);
    let app = w.attrs("aws_security_group.app")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let lb = w.attrs("aws_security_group.lb")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let https = w.attrs("aws_security_group_rule.https");
    let rule_id = https["id"].as_str().unwrap().to_string();
    assert!(rule_id.starts_with("sgrule-"), "{https}");
    assert!(
        https["security_group_rule_id"]
            .as_str()
            .unwrap()
            .starts_with("sgr-"),
        "{https}"
    );
    let from_lb = w.attrs("aws_security_group_rule.from_lb");
    assert_eq!(from_lb["source_security_group_id"], lb.as_str());
    let g = group(&w, &app).unwrap();
    assert_eq!(
        permissions(g.ip_permissions()),
        BTreeSet::from([
            perm("tcp", 443, 443, "10.0.0.0/8"),
            perm("tcp", 443, 443, "192.168.0.0/16"),
            perm("tcp", 8080, 8080, &lb),
        ])
    );
    w.assert_no_changes();

    // An apply that died after authorizing: the next one adopts the rule already there.
    w.ok(&["state", "rm", "aws_security_group_rule.https"]);
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(
        w.attrs("aws_security_group_rule.https")["id"],
        rule_id.as_str()
    );
    w.assert_no_changes();

    // The description updates in place.
    w.write(&legacy(443, "tls termination"));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("1 to change"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    let g = group(&w, &app).unwrap();
    let descriptions: Vec<_> = g
        .ip_permissions()
        .iter()
        .flat_map(|p| p.ip_ranges())
        .map(|r| r.description().unwrap_or_default().to_string())
        .collect();
    assert_eq!(descriptions, ["tls termination", "tls termination"]);
    w.assert_no_changes();

    // Ports are force-new: the old permissions go, the new ones come.
    w.write(&legacy(444, "tls termination"));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("must be replaced"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    let g = group(&w, &app).unwrap();
    assert_eq!(
        permissions(g.ip_permissions()),
        BTreeSet::from([
            perm("tcp", 443, 444, "10.0.0.0/8"),
            perm("tcp", 443, 444, "192.168.0.0/16"),
            perm("tcp", 8080, 8080, &lb),
        ])
    );
    assert_ne!(
        w.attrs("aws_security_group_rule.https")["id"],
        rule_id.as_str()
    );

    // Import by Terraform's id form.
    w.ok(&["state", "rm", "aws_security_group_rule.from_lb"]);
    let import_id = format!("{app}_ingress_tcp_8080_8080_{lb}");
    w.ok(&["import", "aws_security_group_rule.from_lb", &import_id]);
    assert_eq!(
        w.attrs("aws_security_group_rule.from_lb")["source_security_group_id"],
        lb.as_str()
    );
    w.assert_no_changes();

    w.ok(&["destroy", "-auto-approve"]);
    assert!(group(&w, &app).is_none());
}

const VPC_RULES: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.50.0.0/16"
}

resource "aws_security_group" "db" {
  name   = "db"
  vpc_id = aws_vpc.main.id
}

resource "aws_security_group" "other" {
  name   = "other"
  vpc_id = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "pg" {
  security_group_id = aws_security_group.GROUP.id
  cidr_ipv4         = "CIDR"
  from_port         = 5432
  to_port           = 5432
  ip_protocol       = "tcp"
  description       = "postgres"
  tags = {
    Name = "TAG"
  }
}

resource "aws_vpc_security_group_egress_rule" "all" {
  security_group_id            = aws_security_group.db.id
  referenced_security_group_id = aws_security_group.other.id
  ip_protocol                  = "-1"
}
"#;

fn vpc_rules(group: &str, cidr: &str, tag: &str) -> String {
    VPC_RULES
        .replace("GROUP", group)
        .replace("CIDR", cidr)
        .replace("TAG", tag)
}

fn rule(w: &Work, id: &str) -> Option<aws_sdk_ec2::types::SecurityGroupRule> {
    let out = runtime()
        .block_on(
            w.ec2()
                .describe_security_group_rules()
                .filters(
                    Filter::builder()
                        .name("security-group-rule-id")
                        .values(id)
                        .build(),
                )
                .send(),
        )
        .unwrap();
    out.security_group_rules().first().cloned()
}

#[test]
fn vpc_security_group_rules_lifecycle() {
    let w = Work::new(&vpc_rules("db", "10.0.0.0/16", "one"));
    w.ok(&["apply", "-auto-approve"]);
    let db = w.attrs("aws_security_group.db")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = w.attrs("aws_security_group.other")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let pg = w.attrs("aws_vpc_security_group_ingress_rule.pg");
    let id = pg["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("sgr-"), "{pg}");
    assert_eq!(pg["security_group_rule_id"], id.as_str());
    assert!(pg["arn"].as_str().unwrap().ends_with(&id), "{pg}");
    let r = rule(&w, &id).unwrap();
    assert_eq!(r.is_egress(), Some(false));
    assert_eq!(r.cidr_ipv4(), Some("10.0.0.0/16"));
    assert_eq!(r.from_port(), Some(5432));
    assert!(
        r.tags()
            .iter()
            .any(|t| t.key() == Some("Name") && t.value() == Some("one")),
        "{r:?}"
    );
    let all = w.attrs("aws_vpc_security_group_egress_rule.all");
    assert!(all["from_port"].is_null(), "{all}");
    let e = rule(&w, all["id"].as_str().unwrap()).unwrap();
    assert_eq!(e.is_egress(), Some(true));
    assert_eq!(
        e.referenced_group_info().and_then(|g| g.group_id()),
        Some(other.as_str())
    );
    w.assert_no_changes();

    // In place: the CIDR and a tag; the rule keeps its id.
    w.write(&vpc_rules("db", "10.1.0.0/16", "two"));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("1 to change"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(
        w.attrs("aws_vpc_security_group_ingress_rule.pg")["id"],
        id.as_str()
    );
    let r = rule(&w, &id).unwrap();
    assert_eq!(r.cidr_ipv4(), Some("10.1.0.0/16"));
    assert!(
        r.tags()
            .iter()
            .any(|t| t.key() == Some("Name") && t.value() == Some("two")),
        "{r:?}"
    );
    w.assert_no_changes();

    // Import by rule id.
    w.ok(&["state", "rm", "aws_vpc_security_group_ingress_rule.pg"]);
    w.ok(&["import", "aws_vpc_security_group_ingress_rule.pg", &id]);
    assert_eq!(
        w.attrs("aws_vpc_security_group_ingress_rule.pg")["cidr_ipv4"],
        "10.1.0.0/16"
    );
    w.assert_no_changes();

    // Moving the rule to another group replaces it.
    w.write(&vpc_rules("other", "10.1.0.0/16", "two"));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("must be replaced"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    let moved = w.attrs("aws_vpc_security_group_ingress_rule.pg");
    assert_ne!(moved["id"], id.as_str());
    assert!(rule(&w, &id).is_none(), "the old rule is revoked");
    assert_eq!(
        rule(&w, moved["id"].as_str().unwrap()).unwrap().group_id(),
        Some(other.as_str())
    );

    w.ok(&["destroy", "-auto-approve"]);
    assert!(group(&w, &db).is_none());
    assert!(group(&w, &other).is_none());
}

const PUBLIC_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHhnjsuRF+c0iSYTOm+58HompujtnMMZixyyjw/cJq8/";

const KEYS: &str = r#"
resource "aws_key_pair" "deployer" {
  key_name   = "NAME"
  public_key = "KEY"
  tags = {
    Team = "TEAM"
  }
}

resource "aws_key_pair" "prefixed" {
  key_name_prefix = "ci-"
  public_key      = "KEY"
}
"#;

fn keys(name: &str, team: &str) -> String {
    KEYS.replace("NAME", name)
        .replace("TEAM", team)
        .replace("KEY", PUBLIC_KEY)
}

fn key_pair(w: &Work, name: &str) -> Option<aws_sdk_ec2::types::KeyPairInfo> {
    let out = runtime()
        .block_on(
            w.ec2()
                .describe_key_pairs()
                .filters(Filter::builder().name("key-name").values(name).build())
                .send(),
        )
        .unwrap();
    out.key_pairs().first().cloned()
}

#[test]
fn key_pair_lifecycle() {
    let w = Work::new(&keys("deployer", "one"));
    w.ok(&["apply", "-auto-approve"]);
    let k = w.attrs("aws_key_pair.deployer");
    assert_eq!(k["id"], "deployer");
    assert!(
        k["key_pair_id"].as_str().unwrap().starts_with("key-"),
        "{k}"
    );
    assert!(!k["fingerprint"].as_str().unwrap().is_empty(), "{k}");
    assert!(
        k["arn"].as_str().unwrap().ends_with(":key-pair/deployer"),
        "{k}"
    );
    let prefixed = w.attrs("aws_key_pair.prefixed");
    let prefixed_name = prefixed["key_name"].as_str().unwrap().to_string();
    assert!(prefixed_name.starts_with("ci-"), "{prefixed}");
    assert!(key_pair(&w, &prefixed_name).is_some());
    let got = key_pair(&w, "deployer").unwrap();
    assert!(
        got.tags()
            .iter()
            .any(|t| t.key() == Some("Team") && t.value() == Some("one"))
    );
    w.assert_no_changes();

    // Tags update in place.
    w.write(&keys("deployer", "two"));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("1 to change"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    let got = key_pair(&w, "deployer").unwrap();
    assert!(
        got.tags()
            .iter()
            .any(|t| t.key() == Some("Team") && t.value() == Some("two")),
        "{got:?}"
    );
    w.assert_no_changes();

    // Import by name.
    w.ok(&["state", "rm", "aws_key_pair.deployer"]);
    w.ok(&["import", "aws_key_pair.deployer", "deployer"]);
    assert_eq!(w.attrs("aws_key_pair.deployer")["tags"]["Team"], "two");
    w.assert_no_changes();

    // The name is force-new.
    w.write(&keys("deployer2", "two"));
    let plan = w.ok(&["plan"]);
    assert!(plan.contains("must be replaced"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    assert!(key_pair(&w, "deployer").is_none());
    assert!(key_pair(&w, "deployer2").is_some());

    w.ok(&["destroy", "-auto-approve"]);
    assert!(key_pair(&w, "deployer2").is_none());
    assert!(key_pair(&w, &prefixed_name).is_none());
}
