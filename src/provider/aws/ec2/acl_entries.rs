//! What the network ACL types share: an ACL's entries in the form state holds them, bringing
//! an ACL's entries to a configuration, and moving subnets between ACLs (a subnet always has
//! exactly one, its VPC's default one unless another claims it).

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::AttrSchema;
use crate::provider::ProviderResult;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, n, opt_s, s, set_s};
use crate::provider::aws::bulk::filter;
use crate::provider::aws::sdk::{AllPages, err};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags;
use crate::provider::schema::block_object;
use aws_sdk_ec2::types::{
    Filter, IcmpTypeCode, NetworkAcl, NetworkAclEntry, PortRange, RuleAction,
};
use std::collections::BTreeMap;

/// The rule number of the deny-all entry every ACL ends with, which cannot be changed.
pub const CATCH_ALL_RULE: i32 = 32767;

/// One `ingress` / `egress` entry, in the form state holds: the protocol as AWS's number
/// (`-1` for all), empty strings and zeros for what is not set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub rule_no: i32,
    pub protocol: String,
    pub action: String,
    pub cidr: String,
    pub ipv6: String,
    pub from: i32,
    pub to: i32,
    pub icmp_type: i32,
    pub icmp_code: i32,
}

/// Protocols by AWS's numbers, as Terraform accepts names for the common ones.
pub fn protocol_number(p: &str) -> String {
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

pub fn entry_type() -> Type {
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
    pub fn from_obj(o: &Obj) -> Entry {
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

    pub fn of_aws(e: &NetworkAclEntry) -> Entry {
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

    pub fn value(&self) -> Value {
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

pub fn entries_value(entries: &[Entry]) -> Value {
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

pub async fn describe_acls(
    aws: &Aws,
    filters: Vec<Filter>,
    ids: Option<Vec<String>>,
) -> ProviderResult<Vec<NetworkAcl>> {
    aws.ec2
        .describe_network_acls()
        .set_filters(Some(filters).filter(|f| !f.is_empty()))
        .set_network_acl_ids(ids)
        .into_paginator()
        .items()
        .send()
        .all("ec2:DescribeNetworkAcls")
        .await
}

/// The ACL's entries of one direction, by rule number, without the catch-all.
pub fn entries_of(a: &NetworkAcl, egress: bool) -> Value {
    let mut es: Vec<Entry> = a
        .entries()
        .iter()
        .filter(|e| e.egress() == Some(egress) && e.rule_number() != Some(CATCH_ALL_RULE))
        .map(Entry::of_aws)
        .collect();
    es.sort_by_key(|e| e.rule_no);
    entries_value(&es)
}

/// The rows both ACL types read alike: id, ARN, owner and VPC (`vpc`: its schema), then, after
/// what the type adds in `between`, the entries of each direction and the subnets (`sets`:
/// their schema, optional for the default ACL, optional and computed for another) and tags.
pub fn acl_table(
    vpc: AttrSchema,
    between: impl FnOnce(Table<NetworkAcl>) -> Table<NetworkAcl>,
    sets: fn(Type) -> AttrSchema,
) -> Table<NetworkAcl> {
    let head = Table::<NetworkAcl>::new()
        .attr("id", AttrSchema::computed(Type::String), |a| {
            opt_s(a.network_acl_id())
        })
        .attr_in_region("arn", AttrSchema::computed(Type::String), |a, region| {
            s(format!(
                "arn:aws:ec2:{region}:{}:network-acl/{}",
                a.owner_id().unwrap_or_default(),
                a.network_acl_id().unwrap_or_default()
            ))
        })
        .attr("owner_id", AttrSchema::computed(Type::String), |a| {
            opt_s(a.owner_id())
        })
        .attr("vpc_id", vpc, |a| opt_s(a.vpc_id()));
    between(head)
        .attr("ingress", sets(Type::Set(Box::new(entry_type()))), |a| {
            entries_of(a, false)
        })
        .attr("egress", sets(Type::Set(Box::new(entry_type()))), |a| {
            entries_of(a, true)
        })
        .attr("subnet_ids", sets(Type::Set(Box::new(Type::String))), |a| {
            set_s(a.associations().iter().filter_map(|x| x.subnet_id()))
        })
        .tagged(|a| tags::from_ec2(a.tags()))
}

/// Describes ACLs by filters. The emulator has no `network-acl-id` filter, so ids go as the
/// NetworkAclIds parameter, which selects the same but fails as a whole when one id is
/// missing: then each id is asked alone, and the missing ones are left out.
pub async fn describe_by_filters(
    aws: &Aws,
    filters: Vec<Filter>,
    id_filter: &str,
) -> ProviderResult<Vec<NetworkAcl>> {
    let (by_id, rest): (Vec<Filter>, Vec<Filter>) = filters
        .into_iter()
        .partition(|f| f.name() == Some(id_filter));
    let ids: Vec<String> = by_id.iter().flat_map(|f| f.values()).cloned().collect();
    if ids.is_empty() {
        return describe_acls(aws, rest, None).await;
    }
    match describe_acls(aws, rest.clone(), Some(ids.clone())).await {
        Err(e) if e.is_not_found() => {
            let mut out = Vec::new();
            for id in ids {
                match describe_acls(aws, rest.clone(), Some(vec![id])).await {
                    Ok(found) => out.extend(found),
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(out)
        }
        other => other,
    }
}

/// Brings the ACL's entries (all but the catch-all ones) of each direction the configuration
/// states (a known `ingress` / `egress`) to it; a direction left unstated is not managed here.
pub async fn sync_entries(aws: &Aws, acl: &NetworkAcl, p: &Obj) -> ProviderResult<()> {
    let id = acl.network_acl_id().unwrap_or_default();
    for egress in [false, true] {
        let key = if egress { "egress" } else { "ingress" };
        if p.get(key)
            .is_none_or(|v| v.is_null() || !v.is_wholly_known())
        {
            continue;
        }
        let current: BTreeMap<i32, Entry> = acl
            .entries()
            .iter()
            .filter(|e| e.egress() == Some(egress) && e.rule_number() != Some(CATCH_ALL_RULE))
            .map(|e| (e.rule_number().unwrap_or(0), Entry::of_aws(e)))
            .collect();
        let wanted: BTreeMap<i32, Entry> = p
            .blocks(key)
            .iter()
            .map(|o| {
                let e = Entry::from_obj(o);
                (e.rule_no, e)
            })
            .collect();
        for rule in current.keys().filter(|r| !wanted.contains_key(r)) {
            delete_entry(aws, id, egress, *rule).await?;
        }
        for (rule, e) in &wanted {
            match current.get(rule) {
                None => create_entry(aws, id, egress, e).await?,
                Some(had) if had != e => {
                    let req = aws.ec2.replace_network_acl_entry();
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

pub async fn create_entry(aws: &Aws, acl: &str, egress: bool, e: &Entry) -> ProviderResult<()> {
    let req = aws.ec2.create_network_acl_entry();
    with_entry!(req, acl, egress, e)
        .send()
        .await
        .map_err(err("ec2:CreateNetworkAclEntry"))?;
    Ok(())
}

pub async fn delete_entry(aws: &Aws, acl: &str, egress: bool, rule: i32) -> ProviderResult<()> {
    aws.ec2
        .delete_network_acl_entry()
        .network_acl_id(acl)
        .egress(egress)
        .rule_number(rule)
        .send()
        .await
        .map_err(err("ec2:DeleteNetworkAclEntry"))?;
    Ok(())
}

/// Moves these subnets to the ACL (those on it already stay), each by replacing the
/// association that holds it now; answers the new association ids by subnet.
pub async fn claim_subnets(
    aws: &Aws,
    acl: &NetworkAcl,
    subnets: &[String],
) -> ProviderResult<BTreeMap<String, String>> {
    let id = acl.network_acl_id().unwrap_or_default();
    let mut claimed = BTreeMap::new();
    for a in acl.associations() {
        if let (Some(subnet), Some(assoc)) = (a.subnet_id(), a.network_acl_association_id())
            && subnets.iter().any(|s| s == subnet)
        {
            claimed.insert(subnet.to_string(), assoc.to_string());
        }
    }
    let add: Vec<String> = subnets
        .iter()
        .filter(|s| !claimed.contains_key(*s))
        .cloned()
        .collect();
    if add.is_empty() {
        return Ok(claimed);
    }
    let holders = describe_acls(
        aws,
        vec![filter("association.subnet-id", add.iter().cloned())],
        None,
    )
    .await?;
    for a in holders.iter().flat_map(|h| h.associations()) {
        if let (Some(subnet), Some(assoc)) = (a.subnet_id(), a.network_acl_association_id())
            && add.iter().any(|s| s == subnet)
        {
            let out = aws
                .ec2
                .replace_network_acl_association()
                .association_id(assoc)
                .network_acl_id(id)
                .send()
                .await
                .map_err(err("ec2:ReplaceNetworkAclAssociation"));
            // A subnet deleted meanwhile takes its association with it.
            let out = match out {
                Err(e) if e.is_not_found() => continue,
                r => r?,
            };
            claimed.insert(
                subnet.to_string(),
                out.new_association_id().unwrap_or_default().to_string(),
            );
        }
    }
    Ok(claimed)
}

/// The VPC's default ACL.
pub async fn default_acl(aws: &Aws, vpc: &str) -> ProviderResult<Option<NetworkAcl>> {
    let found = describe_acls(
        aws,
        vec![
            filter("vpc-id", [vpc.to_string()]),
            filter("default", ["true".to_string()]),
        ],
        None,
    )
    .await?;
    Ok(found.into_iter().next())
}

/// Gives subnets back to their VPC's default ACL (a subnet cannot be without one).
pub async fn release_subnets(aws: &Aws, vpc: &str, subnets: &[String]) -> ProviderResult<()> {
    if subnets.is_empty() {
        return Ok(());
    }
    if let Some(default) = default_acl(aws, vpc).await? {
        claim_subnets(aws, &default, subnets).await?;
    }
    Ok(())
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
