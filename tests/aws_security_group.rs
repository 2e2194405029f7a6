//! Security groups, their rules in all three forms, and key pairs against moto: create,
//! no-change re-plan, update in place, replace, import and destroy, each checked by reading
//! the emulator through the SDK.

mod support;

use aws_sdk_ec2::types::{Filter, IpPermission, SecurityGroup};
use std::collections::BTreeSet;
use support::{Work, runtime, text};

fn assert_no_changes(w: &Work) {
    let out = w.infra(&["plan", "-detailed-exitcode"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

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
    assert_eq!(ingress.len(), 2, "two CIDRs read back as one rule: {web}");
    let https = ingress.iter().find(|r| r["from_port"] == 443).unwrap();
    assert_eq!(https["cidr_blocks"].as_array().unwrap().len(), 2);
    assert_eq!(https["description"], "https");
    let ssh = ingress.iter().find(|r| r["from_port"] == 22).unwrap();
    assert_eq!(ssh["self"], true);
    assert_eq!(ssh["protocol"], "tcp", "protocol numbers read as names");

    // The emulator has exactly these permissions.
    let g = group(&w, &id).unwrap();
    assert_eq!(g.group_name(), Some("web"));
    assert_eq!(
        permissions(g.ip_permissions()),
        BTreeSet::from([
            perm("tcp", 443, 443, "10.0.0.0/8"),
            perm("tcp", 443, 443, "192.168.0.0/16"),
            perm("tcp", 22, 22, &id),
        ])
    );
    assert_eq!(
        permissions(g.ip_permissions_egress()),
        BTreeSet::from([perm("-1", 0, 0, "0.0.0.0/0")])
    );
    // A group without egress configured loses the allow-all rule AWS gives it.
    let bare = w.attrs("aws_security_group.bare");
    assert!(bare["name"].as_str().unwrap().starts_with("bare-"), "{bare}");
    let b = group(&w, bare["id"].as_str().unwrap()).unwrap();
    assert!(b.ip_permissions_egress().is_empty(), "{b:?}");
    assert_eq!(bare["egress"], serde_json::json!([]));

    assert_no_changes(&w);
    // The same rules in another order are the same set.
    w.write(&groups("web", r#""192.168.0.0/16", "10.0.0.0/8""#));
    assert_no_changes(&w);

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
        ])
    );
    assert_no_changes(&w);

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
    assert_eq!(imported["ingress"].as_array().unwrap().len(), 2);
    assert_eq!(imported["egress"].as_array().unwrap().len(), 1);

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
