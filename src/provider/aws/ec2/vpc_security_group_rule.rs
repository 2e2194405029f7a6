//! `aws_vpc_security_group_ingress_rule` and `aws_vpc_security_group_egress_rule`: one rule
//! each, with AWS's own rule id.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, opt_n, opt_s, s};
use crate::provider::aws::bulk::{self, Ec2Bulk};
use crate::provider::aws::ec2::sg_rules::*;
use crate::provider::aws::sdk::{err, gone_is_ok};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult, Schema,
};
use aws_sdk_ec2::types::{
    Filter, ResourceType as Kind, SecurityGroupRuleRequest, SecurityGroupRuleUpdate,
};
use std::sync::Arc;

type Item = aws_sdk_ec2::types::SecurityGroupRule;

/// A port as Terraform reads it: all protocols have none (AWS answers -1).
fn port(r: &Item, port: Option<i32>) -> Value {
    if normalize_protocol(r.ip_protocol().unwrap_or("-1")) == "-1" {
        opt_n(None)
    } else {
        opt_n(port.map(i64::from))
    }
}

/// Every attribute of the two rule types, and how each reads from a described rule.
fn table() -> Table<Item> {
    use AttrSchema as A;
    Table::<Item>::new()
        .attr("id", A::computed(Type::String), |r| {
            opt_s(r.security_group_rule_id())
        })
        .attr("security_group_rule_id", A::computed(Type::String), |r| {
            opt_s(r.security_group_rule_id())
        })
        .attr_in_region("arn", A::computed(Type::String), |r, region| {
            s(r.security_group_rule_arn()
                .map(str::to_string)
                .unwrap_or_else(|| {
                    format!(
                        "arn:aws:ec2:{region}:{}:security-group-rule/{}",
                        r.group_owner_id().unwrap_or_default(),
                        r.security_group_rule_id().unwrap_or_default()
                    )
                }))
        })
        .attr(
            "security_group_id",
            A::required(Type::String).force_new(),
            |r| opt_s(r.group_id()),
        )
        .attr("ip_protocol", A::required(Type::String), |r| {
            s(normalize_protocol(r.ip_protocol().unwrap_or("-1")))
        })
        .attr("from_port", A::optional(Type::Number), |r| {
            port(r, r.from_port())
        })
        .attr("to_port", A::optional(Type::Number), |r| {
            port(r, r.to_port())
        })
        .attr("cidr_ipv4", A::optional(Type::String), |r| {
            opt_s(r.cidr_ipv4())
        })
        .attr("cidr_ipv6", A::optional(Type::String), |r| {
            opt_s(r.cidr_ipv6())
        })
        .attr("prefix_list_id", A::optional(Type::String), |r| {
            opt_s(r.prefix_list_id())
        })
        .attr(
            "referenced_security_group_id",
            A::optional(Type::String),
            |r| opt_s(r.referenced_group_info().and_then(|g| g.group_id())),
        )
        .attr_with_prior("description", A::optional(Type::String), |r, prior| {
            Some(text_or_prior(prior, "description", r.description()))
        })
        .tagged(|r| tags::from_ec2(r.tags()))
}

/// The newer rule types: one source each, an AWS rule id and tags of their own.
#[derive(Clone)]
pub struct VpcRule {
    aws: Arc<Aws>,
    table: Arc<Table<Item>>,
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
    pub fn new(aws: &Arc<Aws>, dir: Direction) -> VpcRule {
        let table = table();
        VpcRule {
            aws: aws.clone(),
            schema: Arc::new(table.schema()),
            table: Arc::new(table),
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
    type Item = Item;
    const ID_FILTER: &'static str = "security-group-rule-id";
    const DESCRIBE: &'static str = "ec2:DescribeSecurityGroupRules";
    const NOT_FOUND: &'static str = "InvalidSecurityGroupRuleId.NotFound";

    fn item_id(item: &Self::Item) -> String {
        item.security_group_rule_id()
            .unwrap_or_default()
            .to_string()
    }

    fn parts(&self) -> (&crate::provider::aws::Aws, &Table<Item>, &Schema) {
        (&self.aws, &self.table, &self.schema)
    }

    async fn describe(&self, filters: Vec<Filter>) -> ProviderResult<Vec<Self::Item>> {
        crate::provider::aws::bulk::describe_all!(
            self,
            describe_security_group_rules,
            "ec2:DescribeSecurityGroupRules",
            filters,
            1000
        )
    }

    async fn value(&self, prior: Option<Obj>, r: Item) -> ProviderResult<Option<Value>> {
        // Ingress and egress rules share ids and tags: the other direction's are not ours.
        if r.is_egress() != Some(self.dir == Direction::Egress) {
            return Ok(None);
        }
        Ok(Some(
            self.table.read(&self.aws, prior, &r).finish(&self.schema),
        ))
    }
}

impl AsyncResourceType for VpcRule {
    crate::provider::aws::bulk::ec2_reads!();
    fn plan(&self, _prior: Option<&Value>, planned: Value) -> Value {
        let mut o = Obj::of(&tags::plan(&self.aws, planned));
        if let Some(p) = o.str("ip_protocol") {
            o.set("ip_protocol", s(normalize_protocol(&p)));
        }
        Value::object(o.0)
    }

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let group = p.req("security_group_id")?;
        let perms = Some(permissions(&[Self::atom(&p)?]));
        let spec = tags::ec2_spec(Kind::SecurityGroupRule, &t);
        let created = match self.dir {
            Direction::Ingress => self
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
            Direction::Egress => self
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
        self.finish(p, &id).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let id = before.id()?;
        let changed = VPC_RULE_ARGS.iter().any(|k| {
            let (x, y) = (before.get(k), after.get(k));
            !matches!((x, y), (Some(x), Some(y)) if x.raw_equal(y)) && (x.is_some() || y.is_some())
        });
        if changed {
            self.aws
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
        tags::update_ec2(&self.aws, &id, &before, &after).await?;
        self.finish(after, &id).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let p = Obj::of(&prior);
        let (id, group) = (p.id()?, p.req("security_group_id")?);
        let r = match self.dir {
            Direction::Ingress => self
                .aws
                .ec2
                .revoke_security_group_ingress()
                .group_id(&group)
                .security_group_rule_ids(&id)
                .send()
                .await
                .map(|_| ())
                .map_err(err("ec2:RevokeSecurityGroupIngress")),
            Direction::Egress => self
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
    }
}
