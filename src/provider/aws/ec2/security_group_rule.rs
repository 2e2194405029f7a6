//! `aws_security_group_rule`: the legacy one-rule type, whose id is made from its content.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, b, n, opt_s, s};
use crate::provider::aws::bulk::filter;
use crate::provider::aws::ec2::sg_rules::*;
use crate::provider::aws::sdk::not_found;
use crate::provider::aws::sdk::{AllPages, EVENTUAL_CONSISTENCY, err, retry_while};
use crate::provider::aws::table::Table;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult,
};

crate::provider::aws::table::table_type!(
    /// `aws_security_group_rule`: one rule of several sources, kept by no id of its own (AWS
    /// gives each source its own rule id), so it is found again by its permissions.
    LegacyRule,
    Present
);

/// A rule found whole in its group: what AWS adds to the configuration's arguments.
pub struct Present {
    id: String,
    description: Option<String>,
    rule_id: Option<String>,
}

/// Every attribute of `aws_security_group_rule`. Most are the configuration's (the rule is
/// found by them); AWS adds the description it keeps and its own rule id.
fn table() -> Table<Present> {
    use AttrSchema as A;
    let list = || Type::List(Box::new(Type::String));
    Table::<Present>::new()
        .attr("id", A::computed(Type::String), |r| s(&r.id))
        .declared("type", A::required(Type::String).force_new())
        .declared("security_group_id", A::required(Type::String).force_new())
        .declared("from_port", A::required(Type::Number).force_new())
        .declared("to_port", A::required(Type::Number).force_new())
        .attr_with_prior(
            "protocol",
            A::required(Type::String).force_new(),
            |_, prior| {
                let configured = prior.and_then(|p| p.str("protocol")).unwrap_or_default();
                Some(s(normalize_protocol(&configured)))
            },
        )
        .declared("cidr_blocks", A::optional(list()).force_new())
        .declared("ipv6_cidr_blocks", A::optional(list()).force_new())
        .declared("prefix_list_ids", A::optional(list()).force_new())
        .attr_with_prior(
            "source_security_group_id",
            A::optional_computed(Type::String).force_new(),
            |_, prior| match prior {
                Some(p) if p.bool("self") != Some(true) => {
                    Some(opt_s(p.str("source_security_group_id")))
                }
                _ => Some(Value::Null(Type::String)),
            },
        )
        .declared(
            "self",
            A::optional(Type::Bool).default(b(false)).force_new(),
        )
        .attr_with_prior("description", A::optional(Type::String), |r, prior| {
            Some(text_or_prior(
                prior,
                "description",
                r.description.as_deref(),
            ))
        })
        .attr("security_group_rule_id", A::computed(Type::String), |r| {
            opt_s(r.rule_id.as_deref())
        })
}

/// What an `aws_security_group_rule` grants: its direction, group and atoms.
struct LegacyPermissions {
    dir: Direction,
    group: String,
    atoms: Vec<Atom>,
}

impl LegacyPermissions {
    fn of(o: &Obj) -> ProviderResult<LegacyPermissions> {
        let kind = o.req("type")?;
        let dir = Direction::parse(&kind).ok_or_else(|| {
            ProviderError::new(
                "plan",
                format!("type must be \"ingress\" or \"egress\", not {kind:?}"),
            )
        })?;
        let group = o.req("security_group_id")?;
        let protocol = o.req("protocol")?;
        let (from, to) = (
            o.i64("from_port").unwrap_or(0),
            o.i64("to_port").unwrap_or(0),
        );
        let description = o.str("description").unwrap_or_default();
        let sources: Vec<Source> = o
            .strs("cidr_blocks")
            .into_iter()
            .map(Source::Cidr)
            .chain(o.strs("ipv6_cidr_blocks").into_iter().map(Source::Ipv6))
            .chain(
                o.strs("prefix_list_ids")
                    .into_iter()
                    .map(Source::PrefixList),
            )
            .chain(o.str("source_security_group_id").map(Source::Group))
            .chain((o.bool("self") == Some(true)).then(|| Source::Group(group.clone())))
            .collect();
        if sources.is_empty() {
            return Err(ProviderError::new(
                "plan",
                "one of cidr_blocks, ipv6_cidr_blocks, prefix_list_ids, source_security_group_id or self must be set",
            ));
        }
        let mut atoms: Vec<Atom> = sources
            .into_iter()
            .map(|src| Atom::new(&protocol, from, to, src, &description))
            .collect();
        atoms.sort();
        atoms.dedup();
        Ok(LegacyPermissions { dir, group, atoms })
    }

    /// Terraform's `sgrule-<hash>` id: a hash of everything that makes the rule but its
    /// description, stable across runs.
    fn id(&self) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(format!("{}|{}", self.group, self.dir.name()));
        for a in &self.atoms {
            h.update(format!(
                "|{}|{}|{}|{:?}",
                a.protocol, a.from, a.to, a.source
            ));
        }
        let d = h.finalize();
        format!("sgrule-{}", u32::from_be_bytes([d[0], d[1], d[2], d[3]]))
    }
}

/// Reads an import id of Terraform's form, `sg-1234_ingress_tcp_80_80_10.0.0.0/8[_source...]`
/// where a source is a CIDR, an IPv6 CIDR, a prefix list, a group id or `self`, into the
/// arguments of the rule.
fn parse_legacy_import(id: &str) -> ProviderResult<Obj> {
    let bad = || {
        ProviderError::new(
            "import",
            format!(
                "{id:?} is not GROUP_TYPE_PROTOCOL_FROMPORT_TOPORT_SOURCE[_SOURCE...] (sg-1234_ingress_tcp_80_80_10.0.0.0/8)"
            ),
        )
    };
    let parts: Vec<&str> = id.split('_').collect();
    if parts.len() < 6 || Direction::parse(parts[1]).is_none() {
        return Err(bad());
    }
    let from: i64 = parts[3].parse().map_err(|_| bad())?;
    let to: i64 = parts[4].parse().map_err(|_| bad())?;
    let (mut cidr, mut ipv6, mut prefix) = (Vec::new(), Vec::new(), Vec::new());
    let mut o = Obj::default();
    for src in &parts[5..] {
        if *src == "self" {
            o.set("self", b(true));
        } else if src.starts_with("sg-") || src.contains("/sg-") {
            o.set("source_security_group_id", s(src));
        } else if src.starts_with("pl-") {
            prefix.push(*src);
        } else if src.contains(':') {
            ipv6.push(*src);
        } else {
            cidr.push(*src);
        }
    }
    for (k, v) in [
        ("cidr_blocks", cidr),
        ("ipv6_cidr_blocks", ipv6),
        ("prefix_list_ids", prefix),
    ] {
        if !v.is_empty() {
            o.set(k, crate::provider::aws::attrs::list_s(v));
        }
    }
    o.set("security_group_id", s(parts[0]))
        .set("type", s(parts[1]))
        .set("protocol", s(parts[2]))
        .set("from_port", n(from))
        .set("to_port", n(to));
    Ok(o)
}

impl LegacyRule {
    /// The rule as AWS has it now: `None` unless every one of its permissions is there.
    async fn current(&self, p: &Obj) -> ProviderResult<Option<Value>> {
        let perms = LegacyPermissions::of(p)?;
        let Some(g) = group(&self.aws, &perms.group).await? else {
            return Ok(None);
        };
        let actual = atoms_of(perms.dir.permissions(&g));
        let mut found = Vec::new();
        for want in &perms.atoms {
            match actual.iter().find(|a| a.same_permission(want)) {
                Some(a) => found.push(a),
                None => return Ok(None),
            }
        }
        let present = Present {
            id: perms.id(),
            description: found.first().map(|a| a.description.clone()),
            rule_id: self.rule_id(&perms).await?,
        };
        let o = self
            .table
            .read_attributes(&self.aws.region, Some(p.clone()), &present);
        Ok(Some(o.finish(&self.schema)))
    }

    /// The AWS rule id of the rule's first permission.
    async fn rule_id(&self, perms: &LegacyPermissions) -> ProviderResult<Option<String>> {
        let rules = self
            .aws
            .ec2
            .describe_security_group_rules()
            .filters(filter("group-id", [perms.group.clone()]))
            .into_paginator()
            .items()
            .send()
            .all("ec2:DescribeSecurityGroupRules")
            .await?;
        let egress = perms.dir == Direction::Egress;
        Ok(rules
            .iter()
            .filter(|r| r.is_egress() == Some(egress))
            .find(|r| {
                atom_of_rule(r).is_some_and(|a| perms.atoms.iter().any(|w| w.same_permission(&a)))
            })
            .and_then(|r| r.security_group_rule_id())
            .map(str::to_string))
    }

    async fn current_with_retry(&self, p: &Obj) -> ProviderResult<Value> {
        retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || async {
                self.current(p).await?.ok_or_else(|| {
                    not_found(
                        "ec2:DescribeSecurityGroups",
                        "the rule",
                        "InvalidPermission.NotFound",
                    )
                })
            },
        )
        .await
    }
}

impl AsyncResourceType for LegacyRule {
    crate::provider::aws::bulk::schema_and_address!();
    fn plan(&self, _prior: Option<&Value>, planned: Value) -> Value {
        let mut o = Obj::of(&planned);
        if let Some(p) = o.str("protocol") {
            o.set("protocol", s(normalize_protocol(&p)));
        }
        Value::object(o.0)
    }

    async fn create(&self, _ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let perms = LegacyPermissions::of(&p)?;
        // A rule that exists already (an apply killed after authorizing) is adopted.
        authorize(&self.aws, &perms.group, perms.dir, &perms.atoms).await?;
        self.current_with_retry(&p).await
    }

    async fn update(&self, _prior: Value, planned: Value) -> ProviderResult<Value> {
        // Only the description updates in place.
        let p = Obj::of(&planned);
        let perms = LegacyPermissions::of(&p)?;
        let ip = Some(permissions(&perms.atoms));
        match perms.dir {
            Direction::Ingress => self
                .aws
                .ec2
                .update_security_group_rule_descriptions_ingress()
                .group_id(&perms.group)
                .set_ip_permissions(ip)
                .send()
                .await
                .map(|_| ())
                .map_err(err("ec2:UpdateSecurityGroupRuleDescriptionsIngress"))?,
            Direction::Egress => self
                .aws
                .ec2
                .update_security_group_rule_descriptions_egress()
                .group_id(&perms.group)
                .set_ip_permissions(ip)
                .send()
                .await
                .map(|_| ())
                .map_err(err("ec2:UpdateSecurityGroupRuleDescriptionsEgress"))?,
        }
        self.current_with_retry(&p).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let p = Obj::of(&prior);
        let perms = LegacyPermissions::of(&p)?;
        // Revoke by what AWS holds: its descriptions may have changed since.
        let Some(g) = group(&self.aws, &perms.group).await? else {
            return Ok(());
        };
        let held: Vec<Atom> = atoms_of(perms.dir.permissions(&g))
            .into_iter()
            .filter(|a| perms.atoms.iter().any(|w| w.same_permission(a)))
            .collect();
        if held.is_empty() {
            return Ok(());
        }
        revoke(&self.aws, &perms.group, perms.dir, &held).await
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        self.current(&Obj::of(&prior)).await
    }

    async fn import(&self, id: &str) -> ProviderResult<Value> {
        let p = parse_legacy_import(id)?;
        self.current(&p).await?.ok_or_else(|| {
            ProviderError::new("import", format!("no security group rule matches {id}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids_name_the_rule() {
        let o = parse_legacy_import("sg-1_ingress_tcp_80_81_10.0.0.0/8_::/0_pl-9_self").unwrap();
        assert_eq!(o.str("security_group_id").as_deref(), Some("sg-1"));
        assert_eq!(o.str("type").as_deref(), Some("ingress"));
        assert_eq!(o.i64("to_port"), Some(81));
        assert_eq!(o.strs("cidr_blocks"), ["10.0.0.0/8"]);
        assert_eq!(o.strs("ipv6_cidr_blocks"), ["::/0"]);
        assert_eq!(o.strs("prefix_list_ids"), ["pl-9"]);
        assert_eq!(o.bool("self"), Some(true));
        let o = parse_legacy_import("sg-1_egress_-1_0_0_sg-2").unwrap();
        assert_eq!(o.str("source_security_group_id").as_deref(), Some("sg-2"));
        assert!(parse_legacy_import("sg-1_sideways_tcp_80_80_10.0.0.0/8").is_err());
        assert!(parse_legacy_import("sg-1_ingress_tcp_80").is_err());
    }

    #[test]
    fn legacy_rule_ids_ignore_order_and_description() {
        let mut o = parse_legacy_import("sg-1_ingress_tcp_80_80_10.0.0.0/8_10.1.0.0/16").unwrap();
        let a = LegacyPermissions::of(&o).unwrap().id();
        o.set(
            "cidr_blocks",
            crate::provider::aws::attrs::list_s(["10.1.0.0/16", "10.0.0.0/8"]),
        )
        .set("description", s("changed"));
        assert_eq!(LegacyPermissions::of(&o).unwrap().id(), a);
        assert!(a.starts_with("sgrule-"));
        o.set("to_port", n(81));
        assert_ne!(LegacyPermissions::of(&o).unwrap().id(), a);
    }
}
