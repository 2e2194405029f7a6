//! `aws_default_network_acl`: the VPC's default network ACL, its entries managed.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, n, opt_s, s, set_s};
use crate::provider::aws::bulk::{self, Ec2Bulk, filter};
use crate::provider::aws::ec2::adopted::*;
use crate::provider::aws::sdk::err;
use crate::provider::aws::table::Table;
use crate::provider::aws::tags;
use crate::provider::schema::block_object;
use crate::provider::{AttrSchema, BoxFuture, CreateContext, ProviderResult, ResourceType};
use aws_sdk_ec2::types::{Filter, IcmpTypeCode, NetworkAclEntry, PortRange, RuleAction};
use std::collections::{BTreeMap, BTreeSet};

/// The rule number of the deny-all entry every ACL ends with, which cannot be changed.
const CATCH_ALL_RULE: i32 = 32767;

/// One `ingress` / `egress` entry, in the form state holds: the protocol as AWS's number
/// (`-1` for all), empty strings and zeros for what is not set.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    rule_no: i32,
    protocol: String,
    action: String,
    cidr: String,
    ipv6: String,
    from: i32,
    to: i32,
    icmp_type: i32,
    icmp_code: i32,
}

/// Protocols by AWS's numbers, as Terraform accepts names for the common ones.
fn protocol_number(p: &str) -> String {
    let p = p.trim().to_ascii_lowercase();
    match p.as_str() {
        "all" => "-1".into(),
        "icmp" => "1".into(),
        "tcp" => "6".into(),
        "udp" => "17".into(),
        "icmpv6" => "58".into(),
        _ => p,
    }
}

fn entry_type() -> Type {
    block_object(&[
        ("from_port", Type::Number),
        ("to_port", Type::Number),
        ("rule_no", Type::Number),
        ("action", Type::String),
        ("protocol", Type::String),
        ("cidr_block", Type::String),
        ("ipv6_cidr_block", Type::String),
        ("icmp_type", Type::Number),
        ("icmp_code", Type::Number),
    ])
}

impl Entry {
    fn from_obj(o: &Obj) -> Entry {
        Entry {
            rule_no: o.i32("rule_no").unwrap_or(0),
            protocol: protocol_number(&o.str("protocol").unwrap_or_default()),
            action: o.str("action").unwrap_or_default().to_ascii_lowercase(),
            cidr: o.str("cidr_block").unwrap_or_default(),
            ipv6: o.str("ipv6_cidr_block").unwrap_or_default(),
            from: o.i32("from_port").unwrap_or(0),
            to: o.i32("to_port").unwrap_or(0),
            icmp_type: o.i32("icmp_type").unwrap_or(0),
            icmp_code: o.i32("icmp_code").unwrap_or(0),
        }
    }

    fn of_aws(e: &NetworkAclEntry) -> Entry {
        let ports = e.port_range();
        let icmp = e.icmp_type_code();
        Entry {
            rule_no: e.rule_number().unwrap_or(0),
            protocol: protocol_number(e.protocol().unwrap_or("-1")),
            action: e
                .rule_action()
                .map(|a| a.as_str().to_ascii_lowercase())
                .unwrap_or_default(),
            cidr: e.cidr_block().unwrap_or_default().to_string(),
            ipv6: e.ipv6_cidr_block().unwrap_or_default().to_string(),
            from: ports.and_then(|p| p.from()).unwrap_or(0),
            to: ports.and_then(|p| p.to()).unwrap_or(0),
            icmp_type: icmp.and_then(|i| i.r#type()).unwrap_or(0),
            icmp_code: icmp.and_then(|i| i.code()).unwrap_or(0),
        }
    }

    fn value(&self) -> Value {
        let mut o = Obj::default();
        o.set("rule_no", n(self.rule_no.into()))
            .set("protocol", s(&self.protocol))
            .set("action", s(&self.action))
            .set("cidr_block", s(&self.cidr))
            .set("ipv6_cidr_block", s(&self.ipv6))
            .set("from_port", n(self.from.into()))
            .set("to_port", n(self.to.into()))
            .set("icmp_type", n(self.icmp_type.into()))
            .set("icmp_code", n(self.icmp_code.into()));
        Value::object(o.0)
    }

    /// Ports mean nothing to all protocols (AWS keeps none); ICMP takes a type and code.
    fn port_range(&self) -> Option<PortRange> {
        (self.protocol != "-1").then(|| PortRange::builder().from(self.from).to(self.to).build())
    }

    fn icmp(&self) -> Option<IcmpTypeCode> {
        matches!(self.protocol.as_str(), "1" | "58").then(|| {
            IcmpTypeCode::builder()
                .r#type(self.icmp_type)
                .code(self.icmp_code)
                .build()
        })
    }
}

fn entries_value(entries: &[Entry]) -> Value {
    Value::set(entry_type(), entries.iter().map(Entry::value).collect())
}

/// Sets a CreateNetworkAclEntry or ReplaceNetworkAclEntry request from an entry.
macro_rules! with_entry {
    ($req:expr, $acl:expr, $egress:expr, $e:expr) => {{
        let e: &Entry = $e;
        $req.network_acl_id($acl)
            .egress($egress)
            .rule_number(e.rule_no)
            .protocol(&e.protocol)
            .rule_action(RuleAction::from(e.action.as_str()))
            .set_cidr_block(Some(e.cidr.clone()).filter(|c| !c.is_empty()))
            .set_ipv6_cidr_block(Some(e.ipv6.clone()).filter(|c| !c.is_empty()))
            .set_port_range(e.port_range())
            .set_icmp_type_code(e.icmp())
    }};
}

async fn describe_acls(
    aws: &Aws,
    filters: Vec<Filter>,
    ids: Option<Vec<String>>,
) -> ProviderResult<Vec<Item>> {
    aws.ec2
        .describe_network_acls()
        .set_filters(Some(filters).filter(|f| !f.is_empty()))
        .set_network_acl_ids(ids)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(err("ec2:DescribeNetworkAcls"))
}

type Item = aws_sdk_ec2::types::NetworkAcl;

/// The ACL's entries of one direction, by rule number, without the catch-all.
fn entries_of(a: &Item, egress: bool) -> Value {
    let mut es: Vec<Entry> = a
        .entries()
        .iter()
        .filter(|e| e.egress() == Some(egress) && e.rule_number() != Some(CATCH_ALL_RULE))
        .map(Entry::of_aws)
        .collect();
    es.sort_by_key(|e| e.rule_no);
    entries_value(&es)
}

/// Every attribute of `aws_default_network_acl`, and how it reads from a described ACL.
fn table() -> Table<Item> {
    use AttrSchema as A;
    let entries = || A::optional(Type::Set(Box::new(entry_type())));
    Table::<Item>::new()
        .attr("id", A::computed(Type::String), |a| {
            opt_s(a.network_acl_id())
        })
        .attr_in_region("arn", A::computed(Type::String), |a, region| {
            s(format!(
                "arn:aws:ec2:{region}:{}:network-acl/{}",
                a.owner_id().unwrap_or_default(),
                a.network_acl_id().unwrap_or_default()
            ))
        })
        .attr("owner_id", A::computed(Type::String), |a| {
            opt_s(a.owner_id())
        })
        .attr("vpc_id", A::computed(Type::String), |a| opt_s(a.vpc_id()))
        .attr(
            "default_network_acl_id",
            A::required(Type::String).force_new(),
            |a| opt_s(a.network_acl_id()),
        )
        // Not computed: unset means no entries (and, for subnets, a diff whenever the VPC has
        // subnets on the default ACL, which is why Terraform's documentation suggests
        // `ignore_changes = [subnet_ids]`).
        .attr("ingress", entries(), |a| entries_of(a, false))
        .attr("egress", entries(), |a| entries_of(a, true))
        .attr(
            "subnet_ids",
            A::optional(Type::Set(Box::new(Type::String))),
            |a| set_s(a.associations().iter().filter_map(|x| x.subnet_id())),
        )
        .tagged(|a| tags::from_ec2(a.tags()))
}

crate::provider::aws::table::table_type!(DefaultNetworkAcl, Item);

impl DefaultNetworkAcl {
    /// Brings the ACL's entries (all but the catch-all ones) to the configuration.
    async fn sync_entries(
        &self,
        acl: &aws_sdk_ec2::types::NetworkAcl,
        p: &Obj,
    ) -> ProviderResult<()> {
        let id = acl.network_acl_id().unwrap_or_default();
        for egress in [false, true] {
            let current: BTreeMap<i32, Entry> = acl
                .entries()
                .iter()
                .filter(|e| e.egress() == Some(egress) && e.rule_number() != Some(CATCH_ALL_RULE))
                .map(|e| (e.rule_number().unwrap_or(0), Entry::of_aws(e)))
                .collect();
            let key = if egress { "egress" } else { "ingress" };
            let wanted: BTreeMap<i32, Entry> = p
                .blocks(key)
                .iter()
                .map(|o| {
                    let e = Entry::from_obj(o);
                    (e.rule_no, e)
                })
                .collect();
            for rule in current.keys().filter(|r| !wanted.contains_key(r)) {
                self.aws
                    .ec2
                    .delete_network_acl_entry()
                    .network_acl_id(id)
                    .egress(egress)
                    .rule_number(*rule)
                    .send()
                    .await
                    .map_err(err("ec2:DeleteNetworkAclEntry"))?;
            }
            for (rule, e) in &wanted {
                match current.get(rule) {
                    None => {
                        let req = self.aws.ec2.create_network_acl_entry();
                        with_entry!(req, id, egress, e)
                            .send()
                            .await
                            .map_err(err("ec2:CreateNetworkAclEntry"))?;
                    }
                    Some(had) if had != e => {
                        let req = self.aws.ec2.replace_network_acl_entry();
                        with_entry!(req, id, egress, e)
                            .send()
                            .await
                            .map_err(err("ec2:ReplaceNetworkAclEntry"))?;
                    }
                    Some(_) => {}
                }
            }
        }
        Ok(())
    }

    /// Moves the configured subnets that are on another ACL to this one. Subnets left out
    /// stay: a subnet always has an ACL, and the default one is where they fall back to.
    async fn associate(&self, acl: &aws_sdk_ec2::types::NetworkAcl, p: &Obj) -> ProviderResult<()> {
        let id = acl.network_acl_id().unwrap_or_default();
        let have: BTreeSet<&str> = acl
            .associations()
            .iter()
            .filter_map(|a| a.subnet_id())
            .collect();
        let add: Vec<String> = p
            .strs("subnet_ids")
            .into_iter()
            .filter(|s| !have.contains(s.as_str()))
            .collect();
        if add.is_empty() {
            return Ok(());
        }
        let holders = self
            .describe(vec![filter("association.subnet-id", add.iter().cloned())])
            .await?;
        for a in holders.iter().flat_map(|h| h.associations()) {
            if let (Some(subnet), Some(assoc)) = (a.subnet_id(), a.network_acl_association_id())
                && add.iter().any(|s| s == subnet)
            {
                self.aws
                    .ec2
                    .replace_network_acl_association()
                    .association_id(assoc)
                    .network_acl_id(id)
                    .send()
                    .await
                    .map_err(err("ec2:ReplaceNetworkAclAssociation"))?;
            }
        }
        Ok(())
    }

    async fn converge(&self, id: &str, p: &Obj) -> ProviderResult<()> {
        let acl = bulk::described(self, id).await?;
        self.sync_entries(&acl, p).await?;
        self.associate(&acl, p).await?;
        adopt_tags(&self.aws, id, tags::from_ec2(acl.tags()), p).await
    }
}

impl Ec2Bulk for DefaultNetworkAcl {
    bulk::ec2_object! {
        item Item, id network_acl_id, filter "network-acl-id",
        missing "InvalidNetworkAclID.NotFound", "ec2:DescribeNetworkAcls"
    }

    fn describe(&self, filters: Vec<Filter>) -> BoxFuture<ProviderResult<Vec<Self::Item>>> {
        let aws = self.aws.clone();
        Box::pin(async move {
            // moto has no `network-acl-id` filter; the NetworkAclIds parameter selects the
            // same, but fails as a whole when one of the ids is missing: then each id is
            // asked alone, and the missing ones are left out.
            let (by_id, rest): (Vec<Filter>, Vec<Filter>) = filters
                .into_iter()
                .partition(|f| f.name() == Some(Self::ID_FILTER));
            let ids: Vec<String> = by_id.iter().flat_map(|f| f.values()).cloned().collect();
            if ids.is_empty() {
                return describe_acls(&aws, rest, None).await;
            }
            match describe_acls(&aws, rest.clone(), Some(ids.clone())).await {
                Err(e) if e.is_not_found() => {
                    let mut out = Vec::new();
                    for id in ids {
                        match describe_acls(&aws, rest.clone(), Some(vec![id])).await {
                            Ok(found) => out.extend(found),
                            Err(e) if e.is_not_found() => {}
                            Err(e) => return Err(e),
                        }
                    }
                    Ok(out)
                }
                other => other,
            }
        })
    }

    fn value(&self, prior: Option<Obj>, a: Item) -> BoxFuture<ProviderResult<Option<Value>>> {
        bulk::ready(self.table.read(&self.aws, prior, &a).finish(&self.schema))
    }
}

impl ResourceType for DefaultNetworkAcl {
    crate::provider::aws::bulk::ec2_reads!();
    fn plan(&self, _prior: Option<&Value>, planned: Value) -> Value {
        // Configured entries take the form reads give them ("tcp" as "6", unset as "" or 0).
        let mut o = Obj::of(&tags::plan(&self.aws, planned));
        for key in ["ingress", "egress"] {
            empty_when_null(&mut o, key, entries_value(&[]));
            if let Some(v) = o.get(key)
                && v.is_wholly_known()
            {
                let es: Vec<Entry> = o.blocks(key).iter().map(Entry::from_obj).collect();
                o.set(key, entries_value(&es));
            }
        }
        empty_when_null(&mut o, "subnet_ids", set_s(Vec::<String>::new()));
        o.finish(&self.schema)
    }

    fn create(&self, _ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            let id = p.req("default_network_acl_id")?;
            this.converge(&id, &p).await?;
            bulk::finished(&this, p, &id).await
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let after = Obj::of(&planned);
            let id = Obj::of(&prior).id()?;
            this.converge(&id, &after).await?;
            bulk::finished(&this, after, &id).await
        })
    }

    fn delete(&self, _prior: Value) -> BoxFuture<ProviderResult<()>> {
        // The default ACL cannot be deleted; it stays with its entries and subnets.
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acl_protocols_are_numbers() {
        assert_eq!(protocol_number("TCP"), "6");
        assert_eq!(protocol_number("all"), "-1");
        assert_eq!(protocol_number("-1"), "-1");
        assert_eq!(protocol_number("50"), "50");
    }

    #[test]
    fn unset_entry_fields_read_as_aws_answers_them() {
        let mut o = Obj::default();
        o.set("rule_no", n(100))
            .set("protocol", s("tcp"))
            .set("action", s("ALLOW"))
            .set("cidr_block", s("0.0.0.0/0"))
            .set("from_port", n(443))
            .set("to_port", n(443));
        let e = Entry::from_obj(&o);
        assert_eq!((e.protocol.as_str(), e.action.as_str()), ("6", "allow"));
        assert_eq!((e.ipv6.as_str(), e.icmp_type), ("", 0));
        assert!(e.icmp().is_none() && e.port_range().is_some());
    }
}
