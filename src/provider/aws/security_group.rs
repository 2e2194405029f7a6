//! aws_security_group (inline ingress/egress), aws_security_group_rule, aws_vpc_security_group_ingress_rule, aws_vpc_security_group_egress_rule and aws_key_pair.
//!
//! Security group rules are compared as "atoms": one protocol, port range and source (a CIDR,
//! an IPv6 CIDR, a prefix list or a group) with its description. AWS stores and answers
//! permissions that way whatever grouping the configuration used, so both the in-place update
//! of inline rules (revoke what is no longer wanted, authorize what is missing) and reading
//! them back work on atoms; reading regroups atoms into the configured rules where it can.

use super::Aws;
use super::attrs::{Obj, b, n, opt_n, opt_s, s, set_s};
use super::bulk::{self, Ec2Bulk, filter};
use super::naming;
use super::sdk::{EVENTUAL_CONSISTENCY, delete_when_released, err, gone_is_ok, retry_while};
use super::tags::{self, Tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::schema::block_object;
use crate::provider::{
    AttrSchema, BoxFuture, Configured, CreateContext, ProviderError, ProviderResult, RefreshBatch,
    Refreshed, ResourceType, Schema,
};
use aws_sdk_ec2::types::{
    Filter, IpPermission, IpRange, Ipv6Range, PrefixListId, ResourceType as Kind,
    SecurityGroupRuleRequest, SecurityGroupRuleUpdate, UserIdGroupPair,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The resource types this file serves.
pub const TYPES: &[&str] = &[
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_key_pair",
];

pub fn register(aws: &Arc<Aws>, c: &mut Configured) {
    c.resources
        .insert("aws_security_group", Arc::new(SecurityGroup::new(aws)));
    c.resources
        .insert("aws_security_group_rule", Arc::new(LegacyRule::new(aws)));
    c.resources.insert(
        "aws_vpc_security_group_ingress_rule",
        Arc::new(VpcRule::new(aws, Direction::Ingress)),
    );
    c.resources.insert(
        "aws_vpc_security_group_egress_rule",
        Arc::new(VpcRule::new(aws, Direction::Egress)),
    );
    c.resources
        .insert("aws_key_pair", Arc::new(KeyPair::new(aws)));
}

fn not_found(operation: &str, code: &str, id: &str) -> ProviderError {
    ProviderError::new(operation, format!("{id} not found")).with_code(code)
}

/// A string attribute read from AWS, where AWS says "none" with an empty string or nothing:
/// null, unless the configuration spelled it as an empty string.
fn text_or_prior(prior: Option<&Obj>, key: &str, actual: Option<&str>) -> Value {
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
pub(super) enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    fn parse(s: &str) -> Option<Direction> {
        match s {
            "ingress" => Some(Direction::Ingress),
            "egress" => Some(Direction::Egress),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }

    fn permissions(self, g: &aws_sdk_ec2::types::SecurityGroup) -> &[IpPermission] {
        match self {
            Direction::Ingress => g.ip_permissions(),
            Direction::Egress => g.ip_permissions_egress(),
        }
    }
}

/// Protocols as AWS answers them: names for the common numbers, `-1` for all.
fn normalize_protocol(p: &str) -> String {
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
enum Source {
    Cidr(String),
    Ipv6(String),
    PrefixList(String),
    Group(String),
}

/// One permission of one source, as AWS keeps it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Atom {
    protocol: String,
    from: i64,
    to: i64,
    source: Source,
    description: String,
}

impl Atom {
    fn new(protocol: &str, from: i64, to: i64, source: Source, description: &str) -> Atom {
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
    fn same_permission(&self, other: &Atom) -> bool {
        (&self.protocol, self.from, self.to, &self.source)
            == (&other.protocol, other.from, other.to, &other.source)
    }
}

/// The atoms of permissions as DescribeSecurityGroups answers them.
fn atoms_of(perms: &[IpPermission]) -> BTreeSet<Atom> {
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
fn atom_of_rule(r: &aws_sdk_ec2::types::SecurityGroupRule) -> Option<Atom> {
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
fn permissions(atoms: &[Atom]) -> Vec<IpPermission> {
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
enum Change {
    Revoke(Vec<Atom>),
    Authorize(Vec<Atom>),
}

fn rule_changes(current: &BTreeSet<Atom>, wanted: &BTreeSet<Atom>) -> Vec<Change> {
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

async fn revoke(aws: &Aws, group: &str, dir: Direction, atoms: &[Atom]) -> ProviderResult<()> {
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

async fn authorize_call(
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
async fn authorize(aws: &Aws, group: &str, dir: Direction, atoms: &[Atom]) -> ProviderResult<()> {
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

async fn apply_changes(
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
pub(super) struct Rule {
    from: i64,
    to: i64,
    protocol: String,
    cidr: BTreeSet<String>,
    ipv6: BTreeSet<String>,
    prefix: BTreeSet<String>,
    groups: BTreeSet<String>,
    self_ref: bool,
    description: String,
}

pub(super) fn rule_type() -> Type {
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
    fn from_obj(o: &Obj) -> Rule {
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

    fn value(&self) -> Value {
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
    fn atoms(&self, own: &str) -> BTreeSet<Atom> {
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
fn group_rules(atoms: BTreeSet<Atom>, templates: &[Rule], own: &str) -> Vec<Rule> {
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

pub(super) fn rules_value(rules: &[Rule]) -> Value {
    Value::set(rule_type(), rules.iter().map(Rule::value).collect())
}

pub(super) fn rules_of(o: &Obj, key: &str) -> Vec<Rule> {
    o.blocks(key).iter().map(Rule::from_obj).collect()
}

/// Puts configured rules in the canonical form reads give them, so that a rule written with
/// protocol "6", or without `self`, compares equal to what is read back.
pub(super) fn plan_rules(o: &mut Obj) {
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
pub(super) async fn sync_rules(
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

/// Sets what a group read says: everything but `revoke_rules_on_delete`, which only the
/// configuration knows. The rules regroup into the ones `o` (the prior) has.
pub(super) fn read_group(aws: &Aws, o: &mut Obj, g: &aws_sdk_ec2::types::SecurityGroup) {
    let id = g.group_id().unwrap_or_default();
    let owner = g.owner_id().unwrap_or_default();
    let ingress = group_rules(atoms_of(g.ip_permissions()), &rules_of(o, "ingress"), id);
    let egress = group_rules(
        atoms_of(g.ip_permissions_egress()),
        &rules_of(o, "egress"),
        id,
    );
    let arn = g
        .security_group_arn()
        .map(str::to_string)
        .unwrap_or_else(|| format!("arn:aws:ec2:{}:{owner}:security-group/{id}", aws.region));
    o.set("id", s(id))
        .set("arn", s(arn))
        .set("owner_id", s(owner))
        .set("name", opt_s(g.group_name()))
        .set("description", opt_s(g.description()))
        .set("vpc_id", opt_s(g.vpc_id()))
        .set("ingress", rules_value(&ingress))
        .set("egress", rules_value(&egress));
    tags::set_read(aws, o, &tags::from_ec2(g.tags()));
}

// ---------------------------------------------------------------------------------------------
// aws_security_group

#[derive(Clone)]
pub struct SecurityGroup {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
}

impl SecurityGroup {
    fn new(aws: &Arc<Aws>) -> SecurityGroup {
        let rules = Type::Set(Box::new(rule_type()));
        let mut attrs = vec![
            ("id", AttrSchema::computed(Type::String)),
            ("arn", AttrSchema::computed(Type::String)),
            ("owner_id", AttrSchema::computed(Type::String)),
            (
                "name",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            (
                "name_prefix",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            (
                "description",
                AttrSchema::optional(Type::String)
                    .default(s("Managed by Terraform"))
                    .force_new(),
            ),
            (
                "vpc_id",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            (
                "ingress",
                AttrSchema::optional_computed(rules.clone()).attribute_mode(),
            ),
            (
                "egress",
                AttrSchema::optional_computed(rules).attribute_mode(),
            ),
            (
                "revoke_rules_on_delete",
                AttrSchema::optional(Type::Bool).default(b(false)),
            ),
        ];
        attrs.extend(tags::schema_attrs());
        SecurityGroup {
            aws: aws.clone(),
            schema: Arc::new(Schema::new(attrs)),
        }
    }
}

impl Ec2Bulk for SecurityGroup {
    type Item = aws_sdk_ec2::types::SecurityGroup;
    const ID_FILTER: &'static str = "group-id";
    const DESCRIBE: &'static str = "ec2:DescribeSecurityGroups";
    const NOT_FOUND: &'static str = "InvalidGroup.NotFound";

    fn item_id(item: &Self::Item) -> String {
        item.group_id().unwrap_or_default().to_string()
    }

    fn item_tags(item: &Self::Item) -> Tags {
        tags::from_ec2(item.tags())
    }

    fn describe(&self, filters: Vec<Filter>) -> BoxFuture<ProviderResult<Vec<Self::Item>>> {
        let ec2 = self.aws.ec2.clone();
        Box::pin(async move {
            ec2.describe_security_groups()
                .set_filters(Some(filters))
                .max_results(1000)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(err("ec2:DescribeSecurityGroups"))
        })
    }

    fn value(&self, prior: Option<Obj>, g: Self::Item) -> BoxFuture<ProviderResult<Option<Value>>> {
        let this = self.clone();
        Box::pin(async move {
            let mut o = prior.unwrap_or_default();
            let revoke_on_delete = o.bool("revoke_rules_on_delete").unwrap_or(false);
            read_group(&this.aws, &mut o, &g);
            o.set("revoke_rules_on_delete", b(revoke_on_delete));
            Ok(Some(o.finish(&this.schema)))
        })
    }
}

impl ResourceType for SecurityGroup {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &str {
        &self.aws.address
    }

    fn plan(&self, _prior: Option<&Value>, planned: Value) -> Value {
        let mut o = Obj::of(&tags::plan(&self.aws, planned));
        plan_rules(&mut o);
        o.finish(&self.schema)
    }

    fn create(&self, ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let mut p = Obj::of(&planned);
            let t = tags::for_create(&this.aws, &ctx, &p);
            let name = naming::create_name(&p, "name", "name_prefix", &ctx);
            let out = this
                .aws
                .ec2
                .create_security_group()
                .group_name(&name)
                .description(
                    p.str("description")
                        .unwrap_or_else(|| "Managed by Terraform".into()),
                )
                .set_vpc_id(p.str("vpc_id"))
                .tag_specifications(tags::ec2_spec(Kind::SecurityGroup, &t))
                .send()
                .await
                .map_err(err("ec2:CreateSecurityGroup"))?;
            let id = out.group_id().unwrap_or_default().to_string();
            let g = bulk::described(&this, &id).await?;
            // Unconfigured ingress stays as AWS made it (empty); unconfigured egress loses
            // the allow-all rule AWS adds, as Terraform does.
            if p.get("ingress").is_some() {
                sync_rules(&this.aws, &g, Direction::Ingress, &rules_of(&p, "ingress")).await?;
            }
            sync_rules(&this.aws, &g, Direction::Egress, &rules_of(&p, "egress")).await?;
            p.set("name", s(&name));
            bulk::finished(&this, p, &id).await
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let (before, after) = (Obj::of(&prior), Obj::of(&planned));
            let id = before.id()?;
            let g = bulk::described(&this, &id).await?;
            for dir in [Direction::Ingress, Direction::Egress] {
                if after.get(dir.name()).is_some() {
                    sync_rules(&this.aws, &g, dir, &rules_of(&after, dir.name())).await?;
                }
            }
            tags::update_ec2(&this.aws, &id, &before, &after).await?;
            bulk::finished(&this, after, &id).await
        })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&prior);
            let id = p.id()?;
            if p.bool("revoke_rules_on_delete") == Some(true) {
                // This group's own rules may reference groups that reference it back: with
                // them gone, neither blocks the other's deletion.
                let Some(g) = bulk::by_ids(&this, std::slice::from_ref(&id))
                    .await?
                    .into_iter()
                    .next()
                else {
                    return Ok(());
                };
                for dir in [Direction::Ingress, Direction::Egress] {
                    sync_rules(&this.aws, &g, dir, &[]).await?;
                }
            }
            delete_when_released(|| async {
                this.aws
                    .ec2
                    .delete_security_group()
                    .group_id(&id)
                    .send()
                    .await
                    .map_err(err("ec2:DeleteSecurityGroup"))
            })
            .await
        })
    }

    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>> {
        bulk::read_one(Arc::new(self.clone()), prior)
    }

    fn refresh(&self, batch: RefreshBatch) -> BoxFuture<ProviderResult<Refreshed>> {
        bulk::refresh(Arc::new(self.clone()), batch)
    }

    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>> {
        bulk::import_one(Arc::new(self.clone()), id.to_string())
    }
}

/// The group with this id, or `None` when it is gone.
async fn group(aws: &Aws, id: &str) -> ProviderResult<Option<aws_sdk_ec2::types::SecurityGroup>> {
    let out = aws
        .ec2
        .describe_security_groups()
        .filters(filter("group-id", [id.to_string()]))
        .send()
        .await
        .map_err(err("ec2:DescribeSecurityGroups"))?;
    Ok(out.security_groups().first().cloned())
}

// ---------------------------------------------------------------------------------------------
// aws_security_group_rule

/// `aws_security_group_rule`: one rule of several sources, kept by no id of its own (AWS
/// gives each source its own rule id), so it is found again by its permissions.
#[derive(Clone)]
pub struct LegacyRule {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
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
            o.set(k, super::attrs::list_s(v));
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
    fn new(aws: &Arc<Aws>) -> LegacyRule {
        let list = Type::List(Box::new(Type::String));
        let attrs = vec![
            ("id", AttrSchema::computed(Type::String)),
            ("type", AttrSchema::required(Type::String).force_new()),
            (
                "security_group_id",
                AttrSchema::required(Type::String).force_new(),
            ),
            ("from_port", AttrSchema::required(Type::Number).force_new()),
            ("to_port", AttrSchema::required(Type::Number).force_new()),
            ("protocol", AttrSchema::required(Type::String).force_new()),
            (
                "cidr_blocks",
                AttrSchema::optional(list.clone()).force_new(),
            ),
            (
                "ipv6_cidr_blocks",
                AttrSchema::optional(list.clone()).force_new(),
            ),
            ("prefix_list_ids", AttrSchema::optional(list).force_new()),
            (
                "source_security_group_id",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            (
                "self",
                AttrSchema::optional(Type::Bool)
                    .default(b(false))
                    .force_new(),
            ),
            ("description", AttrSchema::optional(Type::String)),
            ("security_group_rule_id", AttrSchema::computed(Type::String)),
        ];
        LegacyRule {
            aws: aws.clone(),
            schema: Arc::new(Schema::new(attrs)),
        }
    }

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
        let rule_id = self.rule_id(&perms).await?;
        let mut o = p.clone();
        let source_group = if p.bool("self") == Some(true) {
            Value::Null(Type::String)
        } else {
            opt_s(p.str("source_security_group_id"))
        };
        o.set("id", s(perms.id()))
            .set(
                "protocol",
                s(normalize_protocol(&p.str("protocol").unwrap_or_default())),
            )
            .set("self", b(p.bool("self").unwrap_or(false)))
            .set("source_security_group_id", source_group)
            .set(
                "description",
                text_or_prior(
                    Some(p),
                    "description",
                    found.first().map(|a| a.description.as_str()),
                ),
            )
            .set("security_group_rule_id", opt_s(rule_id));
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
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(err("ec2:DescribeSecurityGroupRules"))?;
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
                        "InvalidPermission.NotFound",
                        "the rule",
                    )
                })
            },
        )
        .await
    }
}

impl ResourceType for LegacyRule {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &str {
        &self.aws.address
    }

    fn plan(&self, _prior: Option<&Value>, planned: Value) -> Value {
        let mut o = Obj::of(&planned);
        if let Some(p) = o.str("protocol") {
            o.set("protocol", s(normalize_protocol(&p)));
        }
        Value::object(o.0)
    }

    fn create(&self, _ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            let perms = LegacyPermissions::of(&p)?;
            // A rule that exists already (an apply killed after authorizing) is adopted.
            authorize(&this.aws, &perms.group, perms.dir, &perms.atoms).await?;
            this.current_with_retry(&p).await
        })
    }

    fn update(&self, _prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            // Only the description updates in place.
            let p = Obj::of(&planned);
            let perms = LegacyPermissions::of(&p)?;
            let ip = Some(permissions(&perms.atoms));
            match perms.dir {
                Direction::Ingress => this
                    .aws
                    .ec2
                    .update_security_group_rule_descriptions_ingress()
                    .group_id(&perms.group)
                    .set_ip_permissions(ip)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(err("ec2:UpdateSecurityGroupRuleDescriptionsIngress"))?,
                Direction::Egress => this
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
            this.current_with_retry(&p).await
        })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&prior);
            let perms = LegacyPermissions::of(&p)?;
            // Revoke by what AWS holds: its descriptions may have changed since.
            let Some(g) = group(&this.aws, &perms.group).await? else {
                return Ok(());
            };
            let held: Vec<Atom> = atoms_of(perms.dir.permissions(&g))
                .into_iter()
                .filter(|a| perms.atoms.iter().any(|w| w.same_permission(a)))
                .collect();
            if held.is_empty() {
                return Ok(());
            }
            revoke(&this.aws, &perms.group, perms.dir, &held).await
        })
    }

    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>> {
        let this = self.clone();
        Box::pin(async move { this.current(&Obj::of(&prior)).await })
    }

    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        let id = id.to_string();
        Box::pin(async move {
            let p = parse_legacy_import(&id)?;
            this.current(&p).await?.ok_or_else(|| {
                ProviderError::new("import", format!("no security group rule matches {id}"))
            })
        })
    }
}

// ---------------------------------------------------------------------------------------------
// aws_vpc_security_group_ingress_rule, aws_vpc_security_group_egress_rule

/// The newer rule types: one source each, an AWS rule id and tags of their own.
#[derive(Clone)]
pub struct VpcRule {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
    dir: Direction,
}

/// The arguments that describe the rule itself (all update in place).
const VPC_RULE_ARGS: &[&str] = &[
    "ip_protocol",
    "from_port",
    "to_port",
    "cidr_ipv4",
    "cidr_ipv6",
    "prefix_list_id",
    "referenced_security_group_id",
    "description",
];

impl VpcRule {
    fn new(aws: &Arc<Aws>, dir: Direction) -> VpcRule {
        let mut attrs = vec![
            ("id", AttrSchema::computed(Type::String)),
            ("arn", AttrSchema::computed(Type::String)),
            ("security_group_rule_id", AttrSchema::computed(Type::String)),
            (
                "security_group_id",
                AttrSchema::required(Type::String).force_new(),
            ),
            ("ip_protocol", AttrSchema::required(Type::String)),
            ("from_port", AttrSchema::optional(Type::Number)),
            ("to_port", AttrSchema::optional(Type::Number)),
            ("cidr_ipv4", AttrSchema::optional(Type::String)),
            ("cidr_ipv6", AttrSchema::optional(Type::String)),
            ("prefix_list_id", AttrSchema::optional(Type::String)),
            (
                "referenced_security_group_id",
                AttrSchema::optional(Type::String),
            ),
            ("description", AttrSchema::optional(Type::String)),
        ];
        attrs.extend(tags::schema_attrs());
        VpcRule {
            aws: aws.clone(),
            schema: Arc::new(Schema::new(attrs)),
            dir,
        }
    }

    fn atom(p: &Obj) -> ProviderResult<Atom> {
        let source = if let Some(c) = p.str("cidr_ipv4") {
            Source::Cidr(c)
        } else if let Some(c) = p.str("cidr_ipv6") {
            Source::Ipv6(c)
        } else if let Some(id) = p.str("prefix_list_id") {
            Source::PrefixList(id)
        } else if let Some(g) = p.str("referenced_security_group_id") {
            Source::Group(g)
        } else {
            return Err(ProviderError::new(
                "plan",
                "one of cidr_ipv4, cidr_ipv6, prefix_list_id or referenced_security_group_id must be set",
            ));
        };
        Ok(Atom::new(
            &p.req("ip_protocol")?,
            p.i64("from_port").unwrap_or(-1),
            p.i64("to_port").unwrap_or(-1),
            source,
            &p.str("description").unwrap_or_default(),
        ))
    }

    fn request(p: &Obj) -> ProviderResult<SecurityGroupRuleRequest> {
        let a = Self::atom(p)?;
        let r = SecurityGroupRuleRequest::builder()
            .ip_protocol(&a.protocol)
            .from_port(p.i32("from_port").unwrap_or(-1))
            .to_port(p.i32("to_port").unwrap_or(-1))
            .set_description(p.str("description"));
        Ok(match a.source {
            Source::Cidr(c) => r.cidr_ipv4(c),
            Source::Ipv6(c) => r.cidr_ipv6(c),
            Source::PrefixList(id) => r.prefix_list_id(id),
            Source::Group(g) => r.referenced_group_id(g),
        }
        .build())
    }

    async fn finish(&self, p: Obj, id: &str) -> ProviderResult<Value> {
        let r = bulk::described(self, id).await?;
        self.value(Some(p), r).await?.ok_or_else(|| {
            ProviderError::new(
                "ec2:DescribeSecurityGroupRules",
                format!("{id} is not an {} rule", self.dir.name()),
            )
        })
    }
}

impl Ec2Bulk for VpcRule {
    type Item = aws_sdk_ec2::types::SecurityGroupRule;
    const ID_FILTER: &'static str = "security-group-rule-id";
    const DESCRIBE: &'static str = "ec2:DescribeSecurityGroupRules";
    const NOT_FOUND: &'static str = "InvalidSecurityGroupRuleId.NotFound";

    fn item_id(item: &Self::Item) -> String {
        item.security_group_rule_id()
            .unwrap_or_default()
            .to_string()
    }

    fn item_tags(item: &Self::Item) -> Tags {
        tags::from_ec2(item.tags())
    }

    fn describe(&self, filters: Vec<Filter>) -> BoxFuture<ProviderResult<Vec<Self::Item>>> {
        let ec2 = self.aws.ec2.clone();
        Box::pin(async move {
            ec2.describe_security_group_rules()
                .set_filters(Some(filters))
                .max_results(1000)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(err("ec2:DescribeSecurityGroupRules"))
        })
    }

    fn value(&self, prior: Option<Obj>, r: Self::Item) -> BoxFuture<ProviderResult<Option<Value>>> {
        let this = self.clone();
        Box::pin(async move {
            // Ingress and egress rules share ids and tags: the other direction's are not ours.
            if r.is_egress() != Some(this.dir == Direction::Egress) {
                return Ok(None);
            }
            let id = Self::item_id(&r);
            let protocol = normalize_protocol(r.ip_protocol().unwrap_or("-1"));
            // All protocols have no ports; AWS answers -1.
            let port = |p: Option<i32>| {
                if protocol == "-1" {
                    opt_n(None)
                } else {
                    opt_n(p.map(i64::from))
                }
            };
            let arn = r
                .security_group_rule_arn()
                .map(str::to_string)
                .unwrap_or_else(|| {
                    format!(
                        "arn:aws:ec2:{}:{}:security-group-rule/{id}",
                        this.aws.region,
                        r.group_owner_id().unwrap_or_default()
                    )
                });
            let mut o = prior.clone().unwrap_or_default();
            o.set("id", s(&id))
                .set("security_group_rule_id", s(&id))
                .set("arn", s(arn))
                .set("security_group_id", opt_s(r.group_id()))
                .set("ip_protocol", s(&protocol))
                .set("from_port", port(r.from_port()))
                .set("to_port", port(r.to_port()))
                .set("cidr_ipv4", opt_s(r.cidr_ipv4()))
                .set("cidr_ipv6", opt_s(r.cidr_ipv6()))
                .set("prefix_list_id", opt_s(r.prefix_list_id()))
                .set(
                    "referenced_security_group_id",
                    opt_s(r.referenced_group_info().and_then(|g| g.group_id())),
                )
                .set(
                    "description",
                    text_or_prior(prior.as_ref(), "description", r.description()),
                );
            tags::set_read(&this.aws, &mut o, &Self::item_tags(&r));
            Ok(Some(o.finish(&this.schema)))
        })
    }
}

impl ResourceType for VpcRule {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &str {
        &self.aws.address
    }

    fn plan(&self, _prior: Option<&Value>, planned: Value) -> Value {
        let mut o = Obj::of(&tags::plan(&self.aws, planned));
        if let Some(p) = o.str("ip_protocol") {
            o.set("ip_protocol", s(normalize_protocol(&p)));
        }
        Value::object(o.0)
    }

    fn create(&self, ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            let t = tags::for_create(&this.aws, &ctx, &p);
            let group = p.req("security_group_id")?;
            let perms = Some(permissions(&[Self::atom(&p)?]));
            let spec = tags::ec2_spec(Kind::SecurityGroupRule, &t);
            let created = match this.dir {
                Direction::Ingress => this
                    .aws
                    .ec2
                    .authorize_security_group_ingress()
                    .group_id(&group)
                    .set_ip_permissions(perms)
                    .tag_specifications(spec)
                    .send()
                    .await
                    .map_err(err("ec2:AuthorizeSecurityGroupIngress"))?
                    .security_group_rules()
                    .to_vec(),
                Direction::Egress => this
                    .aws
                    .ec2
                    .authorize_security_group_egress()
                    .group_id(&group)
                    .set_ip_permissions(perms)
                    .tag_specifications(spec)
                    .send()
                    .await
                    .map_err(err("ec2:AuthorizeSecurityGroupEgress"))?
                    .security_group_rules()
                    .to_vec(),
            };
            let id = created
                .first()
                .and_then(|r| r.security_group_rule_id())
                .ok_or_else(|| {
                    ProviderError::new(
                        "ec2:AuthorizeSecurityGroupIngress",
                        "the answer names no security group rule",
                    )
                })?
                .to_string();
            this.finish(p, &id).await
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let (before, after) = (Obj::of(&prior), Obj::of(&planned));
            let id = before.id()?;
            let changed = VPC_RULE_ARGS.iter().any(|k| {
                let (x, y) = (before.get(k), after.get(k));
                !matches!((x, y), (Some(x), Some(y)) if x.raw_equal(y))
                    && (x.is_some() || y.is_some())
            });
            if changed {
                this.aws
                    .ec2
                    .modify_security_group_rules()
                    .group_id(after.req("security_group_id")?)
                    .security_group_rules(
                        SecurityGroupRuleUpdate::builder()
                            .security_group_rule_id(&id)
                            .security_group_rule(Self::request(&after)?)
                            .build(),
                    )
                    .send()
                    .await
                    .map_err(err("ec2:ModifySecurityGroupRules"))?;
            }
            tags::update_ec2(&this.aws, &id, &before, &after).await?;
            this.finish(after, &id).await
        })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&prior);
            let (id, group) = (p.id()?, p.req("security_group_id")?);
            let r = match this.dir {
                Direction::Ingress => this
                    .aws
                    .ec2
                    .revoke_security_group_ingress()
                    .group_id(&group)
                    .security_group_rule_ids(&id)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(err("ec2:RevokeSecurityGroupIngress")),
                Direction::Egress => this
                    .aws
                    .ec2
                    .revoke_security_group_egress()
                    .group_id(&group)
                    .security_group_rule_ids(&id)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(err("ec2:RevokeSecurityGroupEgress")),
            };
            gone_is_ok(r)
        })
    }

    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>> {
        bulk::read_one(Arc::new(self.clone()), prior)
    }

    fn refresh(&self, batch: RefreshBatch) -> BoxFuture<ProviderResult<Refreshed>> {
        bulk::refresh(Arc::new(self.clone()), batch)
    }

    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>> {
        bulk::import_one(Arc::new(self.clone()), id.to_string())
    }
}

// ---------------------------------------------------------------------------------------------
// aws_key_pair

#[derive(Clone)]
pub struct KeyPair {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
}

impl KeyPair {
    fn new(aws: &Arc<Aws>) -> KeyPair {
        let mut attrs = vec![
            ("id", AttrSchema::computed(Type::String)),
            ("arn", AttrSchema::computed(Type::String)),
            (
                "key_name",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            (
                "key_name_prefix",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            ("public_key", AttrSchema::required(Type::String).force_new()),
            ("fingerprint", AttrSchema::computed(Type::String)),
            ("key_pair_id", AttrSchema::computed(Type::String)),
            ("key_type", AttrSchema::computed(Type::String)),
        ];
        attrs.extend(tags::schema_attrs());
        KeyPair {
            aws: aws.clone(),
            schema: Arc::new(Schema::new(attrs)),
        }
    }
}

impl Ec2Bulk for KeyPair {
    type Item = aws_sdk_ec2::types::KeyPairInfo;
    const ID_FILTER: &'static str = "key-name";
    const DESCRIBE: &'static str = "ec2:DescribeKeyPairs";
    const NOT_FOUND: &'static str = "InvalidKeyPair.NotFound";

    fn item_id(item: &Self::Item) -> String {
        item.key_name().unwrap_or_default().to_string()
    }

    fn item_tags(item: &Self::Item) -> Tags {
        tags::from_ec2(item.tags())
    }

    fn describe(&self, filters: Vec<Filter>) -> BoxFuture<ProviderResult<Vec<Self::Item>>> {
        let ec2 = self.aws.ec2.clone();
        Box::pin(async move {
            // The public key comes along so that an import knows it.
            let out = ec2
                .describe_key_pairs()
                .set_filters(Some(filters))
                .include_public_key(true)
                .send()
                .await
                .map_err(err("ec2:DescribeKeyPairs"))?;
            Ok(out.key_pairs().to_vec())
        })
    }

    fn value(&self, prior: Option<Obj>, k: Self::Item) -> BoxFuture<ProviderResult<Option<Value>>> {
        let this = self.clone();
        Box::pin(async move {
            let name = Self::item_id(&k);
            let mut o = prior.unwrap_or_default();
            let arn = match o.str("arn") {
                Some(a) => a,
                None => format!(
                    "arn:aws:ec2:{}:{}:key-pair/{name}",
                    this.aws.region,
                    this.aws.account_id().await?
                ),
            };
            // AWS may answer the key reformatted (without its comment): what was configured
            // stands.
            if o.str("public_key").is_none() {
                o.set("public_key", opt_s(k.public_key().map(str::trim)));
            }
            o.set("id", s(&name))
                .set("key_name", s(&name))
                .set("arn", s(arn))
                .set("fingerprint", opt_s(k.key_fingerprint()))
                .set("key_pair_id", opt_s(k.key_pair_id()))
                .set("key_type", opt_s(k.key_type().map(|t| t.as_str())));
            tags::set_read(&this.aws, &mut o, &Self::item_tags(&k));
            Ok(Some(o.finish(&this.schema)))
        })
    }
}

impl ResourceType for KeyPair {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &str {
        &self.aws.address
    }

    fn plan(&self, _prior: Option<&Value>, planned: Value) -> Value {
        tags::plan(&self.aws, planned)
    }

    fn create(&self, ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            let t = tags::for_create(&this.aws, &ctx, &p);
            let name = naming::create_name(&p, "key_name", "key_name_prefix", &ctx);
            this.aws
                .ec2
                .import_key_pair()
                .key_name(&name)
                .public_key_material(aws_smithy_types::Blob::new(p.req("public_key")?))
                .tag_specifications(tags::ec2_spec(Kind::KeyPair, &t))
                .send()
                .await
                .map_err(err("ec2:ImportKeyPair"))?;
            bulk::finished(&this, p, &name).await
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            // Only tags update in place; they go on the key pair id.
            let (before, after) = (Obj::of(&prior), Obj::of(&planned));
            let name = before.id()?;
            let key_id = before.req("key_pair_id")?;
            tags::update_ec2(&this.aws, &key_id, &before, &after).await?;
            bulk::finished(&this, after, &name).await
        })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move {
            let name = Obj::of(&prior).id()?;
            let r = this
                .aws
                .ec2
                .delete_key_pair()
                .key_name(&name)
                .send()
                .await
                .map_err(err("ec2:DeleteKeyPair"));
            gone_is_ok(r)
        })
    }

    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>> {
        bulk::read_one(Arc::new(self.clone()), prior)
    }

    fn refresh(&self, batch: RefreshBatch) -> BoxFuture<ProviderResult<Refreshed>> {
        bulk::refresh(Arc::new(self.clone()), batch)
    }

    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>> {
        bulk::import_one(Arc::new(self.clone()), id.to_string())
    }
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
            super::super::attrs::list_s(["10.1.0.0/16", "10.0.0.0/8"]),
        )
        .set("description", s("changed"));
        assert_eq!(LegacyPermissions::of(&o).unwrap().id(), a);
        assert!(a.starts_with("sgrule-"));
        o.set("to_port", n(81));
        assert_ne!(LegacyPermissions::of(&o).unwrap().id(), a);
    }
}
