//! `aws_vpc_security_group_ingress_rule` and `aws_vpc_security_group_egress_rule`: one rule
//! each, with AWS's own rule id.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, opt_n, opt_s, s};
use crate::provider::aws::bulk::{self, Ec2Bulk};
use crate::provider::aws::ec2::sg_rules::*;
use crate::provider::aws::sdk::{err, gone_is_ok};
use crate::provider::aws::tags::{self, Tags};
use crate::provider::{
    AttrSchema, BoxFuture, CreateContext, ProviderError, ProviderResult, ResourceType, Schema,
};
use aws_sdk_ec2::types::{
    Filter, ResourceType as Kind, SecurityGroupRuleRequest, SecurityGroupRuleUpdate,
};
use std::sync::Arc;

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
    pub fn new(aws: &Arc<Aws>, dir: Direction) -> VpcRule {
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
        crate::provider::aws::bulk::describe_all!(
            self,
            describe_security_group_rules,
            "ec2:DescribeSecurityGroupRules",
            filters,
            1000
        )
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
    crate::provider::aws::bulk::ec2_reads!();
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
}
