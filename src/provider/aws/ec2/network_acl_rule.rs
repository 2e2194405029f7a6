//! `aws_network_acl_rule`: one entry of a network ACL, managed on its own. Every argument
//! replaces it.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, b, crc32, n, opt_s, s};
use crate::provider::aws::ec2::acl_entries::*;
use crate::provider::aws::sdk::gone_is_ok;
use crate::provider::aws::table::Table;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult,
};

/// An entry as found: its ACL, direction and content.
struct Found {
    acl: String,
    egress: bool,
    entry: Entry,
}

/// The id the AWS provider gives a rule: a hash of what identifies it.
fn rule_id(acl: &str, rule: i32, egress: bool) -> String {
    format!(
        "nacl-{}",
        crc32(format!("{acl}-{rule}-{egress}-").as_bytes())
    )
}

/// A number that means something only to some protocols (ports to TCP and UDP, type and
/// code to ICMP): read where it does; elsewhere what the configuration said stands (a
/// `from_port = 0` with protocol `-1` is common), and an import leaves it null.
fn stated(prior: Option<&Obj>, meaningful: bool, v: i32) -> Option<Value> {
    match (meaningful, prior) {
        (true, _) => Some(n(v.into())),
        (false, Some(_)) => None,
        (false, None) => Some(Value::Null(Type::Number)),
    }
}

fn has_ports(e: &Entry) -> bool {
    !matches!(e.protocol.as_str(), "-1" | "1" | "58")
}

fn is_icmp(e: &Entry) -> bool {
    matches!(e.protocol.as_str(), "1" | "58")
}

fn non_empty(v: &str) -> Value {
    opt_s(Some(v).filter(|v| !v.is_empty()))
}

/// Every attribute of `aws_network_acl_rule`, and how it reads from the entry found.
fn table() -> Table<Found> {
    use AttrSchema as A;
    let string = || A::optional(Type::String).force_new();
    let number = || A::optional(Type::Number).force_new();
    Table::<Found>::new()
        .attr("id", A::computed(Type::String), |f| {
            s(rule_id(&f.acl, f.entry.rule_no, f.egress))
        })
        .attr(
            "network_acl_id",
            A::required(Type::String).force_new(),
            |f| s(&f.acl),
        )
        .attr("rule_number", A::required(Type::Number).force_new(), |f| {
            n(f.entry.rule_no.into())
        })
        .attr(
            "egress",
            A::optional(Type::Bool).force_new().default(b(false)),
            |f| b(f.egress),
        )
        .attr("protocol", A::required(Type::String).force_new(), |f| {
            s(&f.entry.protocol)
        })
        .attr("rule_action", A::required(Type::String).force_new(), |f| {
            s(&f.entry.action)
        })
        .attr("cidr_block", string(), |f| non_empty(&f.entry.cidr))
        .attr("ipv6_cidr_block", string(), |f| non_empty(&f.entry.ipv6))
        .attr_with_prior("from_port", number(), |f, p| {
            stated(p, has_ports(&f.entry), f.entry.from)
        })
        .attr_with_prior("to_port", number(), |f, p| {
            stated(p, has_ports(&f.entry), f.entry.to)
        })
        .attr_with_prior("icmp_type", number(), |f, p| {
            stated(p, is_icmp(&f.entry), f.entry.icmp_type)
        })
        .attr_with_prior("icmp_code", number(), |f, p| {
            stated(p, is_icmp(&f.entry), f.entry.icmp_code)
        })
}

/// The entry a configuration (or state) describes, as AWS would hold it.
fn entry_of(o: &Obj) -> ProviderResult<(String, bool, Entry)> {
    let mut e = Obj::default();
    for (from, to) in [
        ("rule_number", "rule_no"),
        ("protocol", "protocol"),
        ("rule_action", "action"),
        ("cidr_block", "cidr_block"),
        ("ipv6_cidr_block", "ipv6_cidr_block"),
        ("from_port", "from_port"),
        ("to_port", "to_port"),
        ("icmp_type", "icmp_type"),
        ("icmp_code", "icmp_code"),
    ] {
        if let Some(v) = o.get(from) {
            e.set(to, v.clone());
        }
    }
    let egress = o.bool("egress").unwrap_or(false);
    Ok((o.req("network_acl_id")?, egress, Entry::from_obj(&e)))
}

crate::provider::aws::table::table_type!(NetworkAclRule, Found);

impl NetworkAclRule {
    /// The entry with this rule number and direction, if the ACL (still) has it.
    async fn find(&self, acl: &str, rule: i32, egress: bool) -> ProviderResult<Option<Found>> {
        let acls = describe_by_filters(
            &self.aws,
            vec![crate::provider::aws::bulk::filter(
                "network-acl-id",
                [acl.to_string()],
            )],
            "network-acl-id",
        )
        .await?;
        let entry = acls
            .iter()
            .flat_map(|a| a.entries())
            .find(|e| e.rule_number() == Some(rule) && e.egress() == Some(egress))
            .map(Entry::of_aws);
        Ok(entry.map(|entry| Found {
            acl: acl.to_string(),
            egress,
            entry,
        }))
    }

    fn value(&self, prior: Option<Obj>, f: &Found) -> Value {
        self.table.read(&self.aws, prior, f).finish(&self.schema)
    }
}

impl AsyncResourceType for NetworkAclRule {
    crate::provider::aws::bulk::schema_and_address!();

    fn plan(&self, _prior: Option<&Value>, planned: Value) -> Value {
        // A protocol by name is held as AWS's number ("tcp" as "6"), as reads answer it.
        let mut o = Obj::of(&planned);
        if let Some(p) = o.str("protocol") {
            o.set("protocol", s(protocol_number(&p)));
        }
        if let Some(a) = o.str("rule_action") {
            o.set("rule_action", s(a.to_ascii_lowercase()));
        }
        o.finish(&self.schema)
    }

    async fn create(&self, _ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let (acl, egress, entry) = entry_of(&p)?;
        create_entry(&self.aws, &acl, egress, &entry).await?;
        let found = self
            .find(&acl, entry.rule_no, egress)
            .await?
            .ok_or_else(|| {
                ProviderError::new(
                    "ec2:DescribeNetworkAcls",
                    format!("rule {} of {acl} vanished", entry.rule_no),
                )
            })?;
        Ok(self.value(Some(p), &found))
    }

    async fn update(&self, _prior: Value, planned: Value) -> ProviderResult<Value> {
        // Every argument replaces the rule.
        Ok(planned)
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let (acl, egress, entry) = entry_of(&Obj::of(&prior))?;
        gone_is_ok(delete_entry(&self.aws, &acl, egress, entry.rule_no).await)
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        let p = Obj::of(&prior);
        let (acl, egress, entry) = entry_of(&p)?;
        let found = match self.find(&acl, entry.rule_no, egress).await {
            Err(e) if e.is_not_found() => return Ok(None),
            r => r?,
        };
        Ok(found.map(|f| self.value(Some(p), &f)))
    }

    /// `ACL_ID:RULE_NUMBER:PROTOCOL:EGRESS`, as the AWS provider imports it.
    async fn import(&self, id: &str) -> ProviderResult<Value> {
        let bad = || {
            ProviderError::new(
                "import",
                format!("{id:?}: expected NETWORK_ACL_ID:RULE_NUMBER:PROTOCOL:EGRESS"),
            )
        };
        let parts: Vec<&str> = id.split(':').collect();
        let [acl, rule, _protocol, egress] = parts[..] else {
            return Err(bad());
        };
        let rule: i32 = rule.parse().map_err(|_| bad())?;
        let egress: bool = egress.parse().map_err(|_| bad())?;
        let found = self.find(acl, rule, egress).await?.ok_or_else(|| {
            ProviderError::new(
                "import",
                format!("{acl} has no rule {rule} (egress {egress})"),
            )
        })?;
        Ok(self.value(None, &found))
    }
}
