//! Security group rules as AWS stores them: atoms (one protocol, port range and source each),
//! regrouped into the rules a configuration wrote; shared by `aws_security_group`, the rule types
//! and `aws_default_security_group`.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, b, n, opt_s, s, set_s};
use crate::provider::aws::bulk::filter;
use crate::provider::aws::sdk::{err, gone_is_ok};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::{self};
use crate::provider::schema::block_object;
use crate::provider::{AttrSchema, ProviderResult};
use aws_sdk_ec2::types::{IpPermission, IpRange, Ipv6Range, PrefixListId, UserIdGroupPair};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) type Group = aws_sdk_ec2::types::SecurityGroup;

/// A string attribute read from AWS, where AWS says "none" with an empty string or nothing:
/// null, unless the configuration spelled it as an empty string.
pub(crate) fn text_or_prior(prior: Option<&Obj>, key: &str, actual: Option<&str>) -> Value {
    match actual.filter(|d| !d.is_empty()) {
        Some(d) => s(d),
        None => match prior.and_then(|p| p.0.get(key)) {
            Some(v) if v.as_str() == Some("") => s(""),
            _ => Value::Null(Type::String),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Rules as atoms

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub(crate) fn parse(s: &str) -> Option<Direction> {
        match s {
            "ingress" => Some(Direction::Ingress),
            "egress" => Some(Direction::Egress),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }

    pub(crate) fn permissions(self, g: &aws_sdk_ec2::types::SecurityGroup) -> &[IpPermission] {
        match self {
            Direction::Ingress => g.ip_permissions(),
            Direction::Egress => g.ip_permissions_egress(),
        }
    }
}

/// Protocols as AWS answers them: names for the common numbers, `-1` for all.
pub(crate) fn normalize_protocol(p: &str) -> String {
    let p = p.trim().to_ascii_lowercase();
    match p.as_str() {
        "all" | "-1" => "-1".into(),
        "1" => "icmp".into(),
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "58" => "icmpv6".into(),
        _ => p,
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Source {
    Cidr(String),
    Ipv6(String),
    PrefixList(String),
    Group(String),
}

/// One permission of one source, as AWS keeps it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Atom {
    pub(crate) protocol: String,
    pub(crate) from: i64,
    pub(crate) to: i64,
    pub(crate) source: Source,
    pub(crate) description: String,
}

impl Atom {
    pub fn new(protocol: &str, from: i64, to: i64, source: Source, description: &str) -> Atom {
        let protocol = normalize_protocol(protocol);
        // Ports mean nothing for all protocols; AWS drops them.
        let (from, to) = if protocol == "-1" { (0, 0) } else { (from, to) };
        Atom {
            protocol,
            from,
            to,
            source,
            description: description.to_string(),
        }
    }

    /// The same permission, whatever its description.
    pub(crate) fn same_permission(&self, other: &Atom) -> bool {
        (&self.protocol, self.from, self.to, &self.source)
            == (&other.protocol, other.from, other.to, &other.source)
    }
}

/// The atoms of permissions as DescribeSecurityGroups answers them.
pub(crate) fn atoms_of(perms: &[IpPermission]) -> BTreeSet<Atom> {
    let mut out = BTreeSet::new();
    for p in perms {
        let proto = p.ip_protocol().unwrap_or("-1");
        let from = p.from_port().unwrap_or(0).into();
        let to = p.to_port().unwrap_or(0).into();
        let mut add = |source, d: Option<&str>| {
            out.insert(Atom::new(proto, from, to, source, d.unwrap_or("")));
        };
        for r in p.ip_ranges() {
            add(
                Source::Cidr(r.cidr_ip().unwrap_or_default().into()),
                r.description(),
            );
        }
        for r in p.ipv6_ranges() {
            add(
                Source::Ipv6(r.cidr_ipv6().unwrap_or_default().into()),
                r.description(),
            );
        }
        for r in p.prefix_list_ids() {
            add(
                Source::PrefixList(r.prefix_list_id().unwrap_or_default().into()),
                r.description(),
            );
        }
        for r in p.user_id_group_pairs() {
            add(
                Source::Group(r.group_id().unwrap_or_default().into()),
                r.description(),
            );
        }
    }
    out
}

/// The atom of one rule as DescribeSecurityGroupRules answers it.
pub(crate) fn atom_of_rule(r: &aws_sdk_ec2::types::SecurityGroupRule) -> Option<Atom> {
    let source = if let Some(c) = r.cidr_ipv4() {
        Source::Cidr(c.into())
    } else if let Some(c) = r.cidr_ipv6() {
        Source::Ipv6(c.into())
    } else if let Some(p) = r.prefix_list_id() {
        Source::PrefixList(p.into())
    } else {
        Source::Group(r.referenced_group_info()?.group_id()?.into())
    };
    Some(Atom::new(
        r.ip_protocol().unwrap_or("-1"),
        r.from_port().unwrap_or(-1).into(),
        r.to_port().unwrap_or(-1).into(),
        source,
        r.description().unwrap_or(""),
    ))
}

/// IpPermissions for atoms, one per protocol and port range.
pub(crate) fn permissions(atoms: &[Atom]) -> Vec<IpPermission> {
    let mut by_range: BTreeMap<(&str, i64, i64), Vec<&Atom>> = BTreeMap::new();
    for a in atoms {
        by_range
            .entry((a.protocol.as_str(), a.from, a.to))
            .or_default()
            .push(a);
    }
    by_range
        .into_iter()
        .map(|((protocol, from, to), atoms)| {
            let mut p = IpPermission::builder().ip_protocol(protocol);
            if protocol != "-1" {
                p = p.from_port(from as i32).to_port(to as i32);
            }
            for a in atoms {
                let d = Some(a.description.clone()).filter(|d| !d.is_empty());
                p = match &a.source {
                    Source::Cidr(c) => {
                        p.ip_ranges(IpRange::builder().cidr_ip(c).set_description(d).build())
                    }
                    Source::Ipv6(c) => {
                        p.ipv6_ranges(Ipv6Range::builder().cidr_ipv6(c).set_description(d).build())
                    }
                    Source::PrefixList(id) => p.prefix_list_ids(
                        PrefixListId::builder()
                            .prefix_list_id(id)
                            .set_description(d)
                            .build(),
                    ),
                    Source::Group(g) => p.user_id_group_pairs(
                        UserIdGroupPair::builder()
                            .group_id(g)
                            .set_description(d)
                            .build(),
                    ),
                };
            }
            p.build()
        })
        .collect()
}

/// What to do to go from the atoms a group has to the ones wanted, in the order to do it:
/// revoking first, so a rule whose description changed is free to be authorized again.
#[derive(Debug, PartialEq)]
pub(crate) enum Change {
    Revoke(Vec<Atom>),
    Authorize(Vec<Atom>),
}

pub(crate) fn rule_changes(current: &BTreeSet<Atom>, wanted: &BTreeSet<Atom>) -> Vec<Change> {
    let revoke: Vec<Atom> = current.difference(wanted).cloned().collect();
    let authorize: Vec<Atom> = wanted.difference(current).cloned().collect();
    let mut out = Vec::new();
    if !revoke.is_empty() {
        out.push(Change::Revoke(revoke));
    }
    if !authorize.is_empty() {
        out.push(Change::Authorize(authorize));
    }
    out
}

pub(crate) async fn revoke(
    aws: &Aws,
    group: &str,
    dir: Direction,
    atoms: &[Atom],
) -> ProviderResult<()> {
    let perms = Some(permissions(atoms));
    let r = match dir {
        Direction::Ingress => aws
            .ec2
            .revoke_security_group_ingress()
            .group_id(group)
            .set_ip_permissions(perms)
            .send()
            .await
            .map(|_| ())
            .map_err(err("ec2:RevokeSecurityGroupIngress")),
        Direction::Egress => aws
            .ec2
            .revoke_security_group_egress()
            .group_id(group)
            .set_ip_permissions(perms)
            .send()
            .await
            .map(|_| ())
            .map_err(err("ec2:RevokeSecurityGroupEgress")),
    };
    gone_is_ok(r)
}

pub(crate) async fn authorize_call(
    aws: &Aws,
    group: &str,
    dir: Direction,
    atoms: &[Atom],
) -> ProviderResult<()> {
    let perms = Some(permissions(atoms));
    match dir {
        Direction::Ingress => aws
            .ec2
            .authorize_security_group_ingress()
            .group_id(group)
            .set_ip_permissions(perms)
            .send()
            .await
            .map(|_| ())
            .map_err(err("ec2:AuthorizeSecurityGroupIngress")),
        Direction::Egress => aws
            .ec2
            .authorize_security_group_egress()
            .group_id(group)
            .set_ip_permissions(perms)
            .send()
            .await
            .map(|_| ())
            .map_err(err("ec2:AuthorizeSecurityGroupEgress")),
    }
}

/// Authorizes atoms, adopting those that exist already: a call that fails as a duplicate
/// authorizes nothing, so it is made again atom by atom.
pub(crate) async fn authorize(
    aws: &Aws,
    group: &str,
    dir: Direction,
    atoms: &[Atom],
) -> ProviderResult<()> {
    match authorize_call(aws, group, dir, atoms).await {
        Err(e) if e.already_exists() => {
            for a in atoms {
                match authorize_call(aws, group, dir, std::slice::from_ref(a)).await {
                    Err(e) if !e.already_exists() => return Err(e),
                    _ => {}
                }
            }
            Ok(())
        }
        other => other,
    }
}

pub(crate) async fn apply_changes(
    aws: &Aws,
    group: &str,
    dir: Direction,
    changes: Vec<Change>,
) -> ProviderResult<()> {
    for c in changes {
        match c {
            Change::Revoke(atoms) => revoke(aws, group, dir, &atoms).await?,
            Change::Authorize(atoms) => authorize(aws, group, dir, &atoms).await?,
        }
    }
    Ok(())
}

/// One inline `ingress`/`egress` rule, in the canonical form state holds: protocol as AWS
/// names it, empty collections rather than null, `self = false`, `description = ""`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Rule {
    pub(crate) from: i64,
    pub(crate) to: i64,
    pub(crate) protocol: String,
    pub(crate) cidr: BTreeSet<String>,
    pub(crate) ipv6: BTreeSet<String>,
    pub(crate) prefix: BTreeSet<String>,
    pub(crate) groups: BTreeSet<String>,
    pub(crate) self_ref: bool,
    pub(crate) description: String,
}

pub(crate) fn rule_type() -> Type {
    let strings = Type::Set(Box::new(Type::String));
    block_object(&[
        ("from_port", Type::Number),
        ("to_port", Type::Number),
        ("protocol", Type::String),
        ("cidr_blocks", strings.clone()),
        ("ipv6_cidr_blocks", strings.clone()),
        ("prefix_list_ids", strings.clone()),
        ("security_groups", strings),
        ("self", Type::Bool),
        ("description", Type::String),
    ])
}

impl Rule {
    pub(crate) fn from_obj(o: &Obj) -> Rule {
        let set = |k| o.strs(k).into_iter().collect::<BTreeSet<_>>();
        Rule {
            from: o.i64("from_port").unwrap_or(0),
            to: o.i64("to_port").unwrap_or(0),
            protocol: normalize_protocol(&o.str("protocol").unwrap_or_default()),
            cidr: set("cidr_blocks"),
            ipv6: set("ipv6_cidr_blocks"),
            prefix: set("prefix_list_ids"),
            groups: set("security_groups"),
            self_ref: o.bool("self").unwrap_or(false),
            description: o.str("description").unwrap_or_default(),
        }
    }

    pub(crate) fn value(&self) -> Value {
        let mut o = Obj::default();
        o.set("from_port", n(self.from))
            .set("to_port", n(self.to))
            .set("protocol", s(&self.protocol))
            .set("cidr_blocks", set_s(&self.cidr))
            .set("ipv6_cidr_blocks", set_s(&self.ipv6))
            .set("prefix_list_ids", set_s(&self.prefix))
            .set("security_groups", set_s(&self.groups))
            .set("self", b(self.self_ref))
            .set("description", s(&self.description));
        Value::object(o.0)
    }

    /// `own` is the group the rule belongs to, which `self` refers to.
    pub(crate) fn atoms(&self, own: &str) -> BTreeSet<Atom> {
        let sources = self
            .cidr
            .iter()
            .map(|c| Source::Cidr(c.clone()))
            .chain(self.ipv6.iter().map(|c| Source::Ipv6(c.clone())))
            .chain(self.prefix.iter().map(|p| Source::PrefixList(p.clone())))
            .chain(self.groups.iter().map(|g| Source::Group(g.clone())))
            .chain(self.self_ref.then(|| Source::Group(own.to_string())));
        sources
            .map(|src| Atom::new(&self.protocol, self.from, self.to, src, &self.description))
            .collect()
    }
}

/// Regroups atoms into rules: first into the rules of `templates` (what the configuration
/// said) whose atoms are all there, then the rest one rule per protocol, port range and
/// description, as Terraform reads them.
pub(crate) fn group_rules(atoms: BTreeSet<Atom>, templates: &[Rule], own: &str) -> Vec<Rule> {
    let mut pool = atoms;
    let mut out = Vec::new();
    for t in templates {
        let want = t.atoms(own);
        if !want.is_empty() && want.is_subset(&pool) && !out.contains(t) {
            pool.retain(|a| !want.contains(a));
            out.push(t.clone());
        }
    }
    let mut fresh: BTreeMap<(String, i64, i64, String), Rule> = BTreeMap::new();
    for a in pool {
        let key = (a.protocol.clone(), a.from, a.to, a.description.clone());
        let r = fresh.entry(key).or_insert_with(|| Rule {
            from: a.from,
            to: a.to,
            protocol: a.protocol.clone(),
            description: a.description.clone(),
            ..Rule::default()
        });
        match a.source {
            Source::Cidr(c) => {
                r.cidr.insert(c);
            }
            Source::Ipv6(c) => {
                r.ipv6.insert(c);
            }
            Source::PrefixList(p) => {
                r.prefix.insert(p);
            }
            Source::Group(g) if g == own => r.self_ref = true,
            Source::Group(g) => {
                r.groups.insert(g);
            }
        }
    }
    out.extend(fresh.into_values());
    out
}

pub(crate) fn rules_value(rules: &[Rule]) -> Value {
    Value::set(rule_type(), rules.iter().map(Rule::value).collect())
}

pub(crate) fn rules_of(o: &Obj, key: &str) -> Vec<Rule> {
    o.blocks(key).iter().map(Rule::from_obj).collect()
}

/// Puts configured rules in the canonical form reads give them, so that a rule written with
/// protocol "6", or without `self`, compares equal to what is read back.
pub(crate) fn plan_rules(o: &mut Obj) {
    for key in ["ingress", "egress"] {
        if let Some(v) = o.get(key)
            && v.is_wholly_known()
        {
            let rules = rules_of(o, key);
            o.set(key, rules_value(&rules));
        }
    }
}

/// Brings a group's rules of one direction to `wanted`.
pub(crate) async fn sync_rules(
    aws: &Aws,
    g: &aws_sdk_ec2::types::SecurityGroup,
    dir: Direction,
    wanted: &[Rule],
) -> ProviderResult<()> {
    let id = g.group_id().unwrap_or_default();
    let wanted: BTreeSet<Atom> = wanted.iter().flat_map(|r| r.atoms(id)).collect();
    let changes = rule_changes(&atoms_of(dir.permissions(g)), &wanted);
    apply_changes(aws, id, dir, changes).await
}

/// A group's rules of one direction, regrouped into the ones the prior (the configuration) has.
fn rules_read(g: &Group, prior: Option<&Obj>, dir: Direction) -> Value {
    let own = g.group_id().unwrap_or_default();
    let configured = prior.map(|p| rules_of(p, dir.name())).unwrap_or_default();
    rules_value(&group_rules(atoms_of(dir.permissions(g)), &configured, own))
}

/// Which group a table describes: one the configuration creates, or a VPC's default group,
/// whose name and description AWS fixed and whose unset rules mean "none".
pub(crate) enum GroupKind {
    Created,
    Default,
}

/// The attributes of `aws_security_group` and `aws_default_security_group`. The rules
/// regroup into the ones the prior has.
pub(crate) fn group_table(kind: GroupKind) -> Table<Group> {
    use AttrSchema as A;
    let created = matches!(kind, GroupKind::Created);
    let rules = Type::Set(Box::new(rule_type()));
    let (rules, name, description) = if created {
        (
            A::optional_computed(rules),
            A::optional_computed(Type::String).force_new(),
            A::optional(Type::String)
                .default(s("Managed by Terraform"))
                .force_new(),
        )
    } else {
        (
            A::optional(rules),
            A::computed(Type::String),
            A::computed(Type::String),
        )
    };
    Table::<Group>::new()
        .attr("id", A::computed(Type::String), |g| opt_s(g.group_id()))
        .attr_in_region("arn", A::computed(Type::String), |g, region| {
            s(g.security_group_arn()
                .map(str::to_string)
                .unwrap_or_else(|| {
                    format!(
                        "arn:aws:ec2:{region}:{}:security-group/{}",
                        g.owner_id().unwrap_or_default(),
                        g.group_id().unwrap_or_default()
                    )
                }))
        })
        .attr("owner_id", A::computed(Type::String), |g| {
            opt_s(g.owner_id())
        })
        .attr("name", name.clone(), |g| opt_s(g.group_name()))
        .declared("name_prefix", name)
        .attr("description", description, |g| opt_s(g.description()))
        .attr(
            "vpc_id",
            A::optional_computed(Type::String).force_new(),
            |g| opt_s(g.vpc_id()),
        )
        .attr_with_prior("ingress", rules.clone().attribute_mode(), |g, prior| {
            Some(rules_read(g, prior, Direction::Ingress))
        })
        .attr_with_prior("egress", rules.attribute_mode(), |g, prior| {
            Some(rules_read(g, prior, Direction::Egress))
        })
        .declared(
            "revoke_rules_on_delete",
            A::optional(Type::Bool).default(b(false)),
        )
        .tagged(|g| tags::from_ec2(g.tags()))
}

/// The group with this id, or `None` when it is gone.
pub(crate) async fn group(
    aws: &Aws,
    id: &str,
) -> ProviderResult<Option<aws_sdk_ec2::types::SecurityGroup>> {
    let out = aws
        .ec2
        .describe_security_groups()
        .filters(filter("group-id", [id.to_string()]))
        .send()
        .await
        .map_err(err("ec2:DescribeSecurityGroups"))?;
    Ok(out.security_groups().first().cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(c: &str, description: &str) -> Atom {
        Atom::new("tcp", 443, 443, Source::Cidr(c.into()), description)
    }

    #[test]
    fn protocols_take_the_names_aws_answers_with() {
        assert_eq!(normalize_protocol("6"), "tcp");
        assert_eq!(normalize_protocol("ALL"), "-1");
        assert_eq!(normalize_protocol("-1"), "-1");
        assert_eq!(normalize_protocol("icmp"), "icmp");
        assert_eq!(normalize_protocol("50"), "50");
    }

    #[test]
    fn all_protocols_ignore_ports() {
        let a = Atom::new("all", 0, 65535, Source::Cidr("0.0.0.0/0".into()), "");
        let b = Atom::new("-1", 0, 0, Source::Cidr("0.0.0.0/0".into()), "");
        assert_eq!(a, b);
    }

    #[test]
    fn changes_revoke_before_they_authorize() {
        let current = BTreeSet::from([cidr("10.0.0.0/8", "old"), cidr("10.1.0.0/16", "")]);
        let wanted = BTreeSet::from([cidr("10.0.0.0/8", "new"), cidr("10.1.0.0/16", "")]);
        assert_eq!(
            rule_changes(&current, &wanted),
            vec![
                Change::Revoke(vec![cidr("10.0.0.0/8", "old")]),
                Change::Authorize(vec![cidr("10.0.0.0/8", "new")]),
            ]
        );
        assert!(rule_changes(&wanted, &wanted).is_empty());
    }

    #[test]
    fn removing_every_rule_only_revokes() {
        let current = BTreeSet::from([cidr("10.0.0.0/8", "")]);
        assert_eq!(
            rule_changes(&current, &BTreeSet::new()),
            vec![Change::Revoke(vec![cidr("10.0.0.0/8", "")])]
        );
    }

    #[test]
    fn permissions_group_atoms_by_port_range() {
        let atoms = [
            cidr("10.0.0.0/8", ""),
            cidr("10.1.0.0/16", "x"),
            Atom::new("tcp", 22, 22, Source::Group("sg-1".into()), ""),
        ];
        let perms = permissions(&atoms);
        assert_eq!(perms.len(), 2);
        let https = perms.iter().find(|p| p.from_port() == Some(443)).unwrap();
        assert_eq!(https.ip_ranges().len(), 2);
        assert_eq!(atoms_of(&perms), atoms.into_iter().collect());
    }

    #[test]
    fn atoms_regroup_into_the_configured_rules_first() {
        // Two configured rules on the same port: one by CIDR, one by group.
        let by_cidr = Rule {
            from: 443,
            to: 443,
            protocol: "tcp".into(),
            cidr: BTreeSet::from(["10.0.0.0/8".to_string()]),
            ..Rule::default()
        };
        let by_group = Rule {
            groups: BTreeSet::from(["sg-other".to_string()]),
            cidr: BTreeSet::new(),
            ..by_cidr.clone()
        };
        let templates = [by_cidr.clone(), by_group.clone()];
        let atoms: BTreeSet<Atom> = templates.iter().flat_map(|r| r.atoms("sg-me")).collect();
        let read = group_rules(atoms.clone(), &templates, "sg-me");
        assert_eq!(read, vec![by_cidr, by_group]);
        // Without templates (an import) they read as one rule per port range.
        let fresh = group_rules(atoms, &[], "sg-me");
        assert_eq!(fresh.len(), 1);
        assert_eq!(fresh[0].cidr.len(), 1);
        assert_eq!(fresh[0].groups.len(), 1);
    }

    #[test]
    fn the_own_group_reads_as_self() {
        let atoms = BTreeSet::from([Atom::new("tcp", 22, 22, Source::Group("sg-me".into()), "")]);
        let read = group_rules(atoms, &[], "sg-me");
        assert!(read[0].self_ref && read[0].groups.is_empty());
    }

    #[test]
    fn a_template_missing_an_atom_does_not_match() {
        let configured = Rule {
            from: 443,
            to: 443,
            protocol: "tcp".into(),
            cidr: BTreeSet::from(["10.0.0.0/8".to_string(), "10.1.0.0/16".to_string()]),
            ..Rule::default()
        };
        let read = group_rules(
            BTreeSet::from([cidr("10.0.0.0/8", "")]),
            &[configured],
            "sg",
        );
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].cidr, BTreeSet::from(["10.0.0.0/8".to_string()]));
    }
}
