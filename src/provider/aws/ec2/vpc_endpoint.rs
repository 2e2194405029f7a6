//! `aws_vpc_endpoint`: a private path from a VPC to an AWS service: a `Gateway` endpoint (S3,
//! DynamoDB) routes through route tables, an `Interface` one puts network interfaces in
//! subnets. Its VPC, service and type replace it; route tables, subnets, security groups, the
//! policy and private DNS change in place (ModifyVpcEndpoint).

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, b, blocks, opt_s, s};
use crate::provider::aws::bulk::{self, Ec2Bulk};
use crate::provider::aws::iam::common::same_policy;
use crate::provider::aws::launch::{opt_set, string_set};
use crate::provider::aws::sdk::{err, gone_is_ok, wait_for};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags;
use crate::provider::schema::block_object;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult,
};
use aws_sdk_ec2::types::{ResourceType as Kind, VpcEndpointType};
use std::time::Duration;

/// Terraform's defaults for waiting on an endpoint.
const ENDPOINT_WAIT: Duration = Duration::from_secs(10 * 60);

type Item = aws_sdk_ec2::types::VpcEndpoint;

fn dns_options_type() -> Type {
    block_object(&[
        ("dns_record_ip_type", Type::String),
        ("private_dns_only_for_inbound_resolver_endpoint", Type::Bool),
        // Which domains of a resource or service network endpoint get private DNS.
        ("private_dns_preference", Type::String),
        (
            "private_dns_specified_domains",
            Type::Set(Box::new(Type::String)),
        ),
    ])
}

fn subnet_configuration_type() -> Type {
    block_object(&[
        ("ipv4", Type::String),
        ("ipv6", Type::String),
        ("subnet", Type::String),
        ("subnet_id", Type::String),
    ])
}

/// The configured `dns_options`, as the API takes them.
fn dns_options(p: &Obj) -> Option<aws_sdk_ec2::types::DnsOptionsSpecification> {
    p.block("dns_options").map(|d| {
        aws_sdk_ec2::types::DnsOptionsSpecification::builder()
            .set_dns_record_ip_type(
                d.str("dns_record_ip_type")
                    .map(|t| aws_sdk_ec2::types::DnsRecordIpType::from(t.as_str())),
            )
            .set_private_dns_only_for_inbound_resolver_endpoint(
                d.bool("private_dns_only_for_inbound_resolver_endpoint"),
            )
            .set_private_dns_preference(d.str("private_dns_preference"))
            .set_private_dns_specified_domains(
                d.get("private_dns_specified_domains")
                    .map(|_| d.strs("private_dns_specified_domains")),
            )
            .build()
    })
}

/// The configured `subnet_configuration` blocks (fixed addresses per subnet).
fn subnet_configurations(p: &Obj) -> Option<Vec<aws_sdk_ec2::types::SubnetConfiguration>> {
    let c: Vec<_> = p
        .blocks("subnet_configuration")
        .iter()
        .map(|c| {
            aws_sdk_ec2::types::SubnetConfiguration::builder()
                // `subnet_id` in the provider's schema; `subnet` as its pages once said.
                .set_subnet_id(c.str("subnet_id").or_else(|| c.str("subnet")))
                .set_ipv4(c.str("ipv4"))
                .set_ipv6(c.str("ipv6"))
                .build()
        })
        .collect();
    (!c.is_empty()).then_some(c)
}

fn dns_entry_type() -> Type {
    block_object(&[("dns_name", Type::String), ("hosted_zone_id", Type::String)])
}

fn ids(xs: &[String]) -> Value {
    opt_set(xs.to_vec())
}

/// Every attribute of `aws_vpc_endpoint`, and how it reads from a described endpoint.
fn table() -> Table<Item> {
    use AttrSchema as A;
    let id_set = || A::optional_computed(string_set());
    Table::<Item>::new()
        .attr("id", A::computed(Type::String), |e| {
            opt_s(e.vpc_endpoint_id())
        })
        .attr_in_region("arn", A::computed(Type::String), |e, region| {
            s(format!(
                "arn:aws:ec2:{region}:{}:vpc-endpoint/{}",
                e.owner_id().unwrap_or_default(),
                e.vpc_endpoint_id().unwrap_or_default()
            ))
        })
        .attr("vpc_id", A::required(Type::String).force_new(), |e| {
            opt_s(e.vpc_id())
        })
        // A service by name, or (Resource and ServiceNetwork endpoints) by ARN.
        .attr("service_name", A::optional(Type::String).force_new(), |e| {
            opt_s(e.service_name())
        })
        .attr_if_answered(
            "resource_configuration_arn",
            A::optional(Type::String).force_new(),
            |e| e.resource_configuration_arn().map(s),
        )
        .attr_if_answered(
            "service_network_arn",
            A::optional(Type::String).force_new(),
            |e| e.service_network_arn().map(s),
        )
        // A service in another region (cross-region interface endpoints).
        .attr_if_answered(
            "service_region",
            A::optional_computed(Type::String).force_new(),
            |e| e.service_region().map(s),
        )
        .attr(
            "vpc_endpoint_type",
            A::optional(Type::String).default(s("Gateway")).force_new(),
            |e| s(e.vpc_endpoint_type().map_or("Gateway", |t| t.as_str())),
        )
        .declared("auto_accept", A::optional(Type::Bool))
        .attr_with_prior("policy", A::optional_computed(Type::String), |e, prior| {
            let now = e.policy_document()?;
            match prior.and_then(|p| p.str("policy")) {
                Some(p) if same_policy(&p, now) => None,
                _ => Some(s(now)),
            }
        })
        .attr(
            "private_dns_enabled",
            A::optional_computed(Type::Bool),
            |e| b(e.private_dns_enabled().unwrap_or(false)),
        )
        .attr("route_table_ids", id_set(), |e| ids(e.route_table_ids()))
        .attr("subnet_ids", id_set(), |e| ids(e.subnet_ids()))
        .attr("security_group_ids", id_set(), |e| {
            let groups: Vec<String> = e
                .groups()
                .iter()
                .filter_map(|g| g.group_id().map(str::to_string))
                .collect();
            ids(&groups)
        })
        .attr("ip_address_type", A::optional_computed(Type::String), |e| {
            opt_s(e.ip_address_type().map(|t| t.as_str()))
        })
        .attr("network_interface_ids", A::computed(string_set()), |e| {
            crate::provider::aws::attrs::set_s(e.network_interface_ids())
        })
        .attr(
            "dns_entry",
            A::computed(Type::List(Box::new(dns_entry_type()))),
            |e| {
                let entries = e
                    .dns_entries()
                    .iter()
                    .map(|d| {
                        let mut o = Obj::default();
                        o.set("dns_name", opt_s(d.dns_name()))
                            .set("hosted_zone_id", opt_s(d.hosted_zone_id()));
                        o
                    })
                    .collect();
                blocks(&dns_entry_type(), entries)
            },
        )
        .attr_with_prior(
            "dns_options",
            A::optional_computed(Type::List(Box::new(dns_options_type()))),
            |e, prior| {
                let d = e.dns_options()?;
                let mut o = Obj::default();
                o.set(
                    "dns_record_ip_type",
                    opt_s(d.dns_record_ip_type().map(|t| t.as_str())),
                )
                .set(
                    "private_dns_only_for_inbound_resolver_endpoint",
                    crate::provider::aws::attrs::opt_b(
                        d.private_dns_only_for_inbound_resolver_endpoint(),
                    ),
                )
                .set("private_dns_preference", opt_s(d.private_dns_preference()))
                .set(
                    "private_dns_specified_domains",
                    crate::provider::aws::launch::opt_set(
                        d.private_dns_specified_domains().to_vec(),
                    ),
                );
                Some(crate::provider::aws::launch::read_blocks(
                    prior,
                    "dns_options",
                    &dns_options_type(),
                    vec![o],
                ))
            },
        )
        // Sent at create and on change; AWS reports the addresses only on the endpoint's
        // interfaces, so the configuration's blocks stand.
        .declared(
            "subnet_configuration",
            A::optional(Type::Set(Box::new(subnet_configuration_type()))),
        )
        .attr("owner_id", A::computed(Type::String), |e| {
            opt_s(e.owner_id())
        })
        .attr("requester_managed", A::computed(Type::Bool), |e| {
            b(e.requester_managed().unwrap_or(false))
        })
        .attr("state", A::computed(Type::String), |e| {
            opt_s(e.state().map(|x| x.as_str()))
        })
        // The prefix list and its CIDRs are the service's, read with another call; a
        // Gateway endpoint's routes name the prefix list.
        .declared("prefix_list_id", A::computed(Type::String))
        .declared(
            "cidr_blocks",
            A::computed(Type::List(Box::new(Type::String))),
        )
        .tagged(|e| tags::from_ec2(e.tags()))
}

crate::provider::aws::table::table_type!(VpcEndpoint, Item);

impl Ec2Bulk for VpcEndpoint {
    bulk::ec2_object! {
        item Item, id vpc_endpoint_id, filter "vpc-endpoint-id",
        missing "InvalidVpcEndpointId.NotFound", "ec2:DescribeVpcEndpoints"
        via describe_vpc_endpoints pages 1000
    }

    async fn value(&self, prior: Option<Obj>, e: Self::Item) -> ProviderResult<Option<Value>> {
        let gone = e.state().is_some_and(|st| {
            matches!(
                st.as_str().to_ascii_lowercase().as_str(),
                "deleting" | "deleted" | "failed" | "rejected"
            )
        });
        let value = (!gone).then(|| self.table.read(&self.aws, prior, &e).finish(&self.schema));
        Ok(value)
    }
}

/// What to add and remove to go from `before`'s set to `after`'s (`None` when `after` leaves it
/// to AWS).
fn set_change(before: &Obj, after: &Obj, k: &str) -> (Vec<String>, Vec<String>) {
    if after.get(k).is_none() {
        return (Vec::new(), Vec::new());
    }
    crate::provider::aws::attrs::added_removed(&before.strs(k), &after.strs(k))
}

impl VpcEndpoint {
    /// Waits for the endpoint to leave `pending`.
    async fn settled(&self, id: &str) -> ProviderResult<()> {
        wait_for(
            &format!("VPC endpoint {id} to become available"),
            ENDPOINT_WAIT,
            || async {
                let Some(e) = bulk::find(self, id).await? else {
                    return Ok(None);
                };
                match e.state().map(|st| st.as_str().to_ascii_lowercase()) {
                    Some(st) if st == "failed" || st == "rejected" => Err(ProviderError::new(
                        "ec2:CreateVpcEndpoint",
                        format!("VPC endpoint {id} is {st}"),
                    )),
                    Some(st) if st == "pending" => Ok(None),
                    _ => Ok(Some(())),
                }
            },
        )
        .await
    }
}

impl AsyncResourceType for VpcEndpoint {
    crate::provider::aws::bulk::ec2_reads!(plan tags);

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let kind = p
            .str("vpc_endpoint_type")
            .unwrap_or_else(|| "Gateway".into());
        let list = |k: &str| Some(p.strs(k)).filter(|x| !x.is_empty());
        let out = self
            .aws
            .ec2
            .create_vpc_endpoint()
            .vpc_id(p.req("vpc_id")?)
            .set_service_name(p.str("service_name"))
            .set_resource_configuration_arn(p.str("resource_configuration_arn"))
            .set_service_network_arn(p.str("service_network_arn"))
            .set_service_region(p.str("service_region"))
            .vpc_endpoint_type(VpcEndpointType::from(kind.as_str()))
            .set_policy_document(p.str("policy"))
            .set_private_dns_enabled(p.bool("private_dns_enabled"))
            .set_route_table_ids(list("route_table_ids"))
            .set_subnet_ids(list("subnet_ids"))
            .set_security_group_ids(list("security_group_ids"))
            .set_ip_address_type(
                p.str("ip_address_type")
                    .map(|x| aws_sdk_ec2::types::IpAddressType::from(x.as_str())),
            )
            .set_dns_options(dns_options(&p))
            .set_subnet_configurations(subnet_configurations(&p))
            // A retried create after a crash makes the same endpoint, not a second one.
            .client_token(&ctx.token)
            .tag_specifications(tags::ec2_spec(Kind::VpcEndpoint, &t))
            .send()
            .await
            .map_err(err("ec2:CreateVpcEndpoint"))?;
        let id = out
            .vpc_endpoint()
            .and_then(|e| e.vpc_endpoint_id())
            .unwrap_or_default()
            .to_string();
        self.settled(&id).await?;
        bulk::finished(self, p, &id).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let id = before.id()?;
        let (add_rt, remove_rt) = set_change(&before, &after, "route_table_ids");
        let (add_subnet, remove_subnet) = set_change(&before, &after, "subnet_ids");
        let (add_sg, remove_sg) = set_change(&before, &after, "security_group_ids");
        let policy = after
            .str("policy")
            .filter(|p| !before.str("policy").is_some_and(|b| same_policy(&b, p)));
        let dns = after
            .set_and_changed_from(&before, "private_dns_enabled")
            .then(|| after.bool("private_dns_enabled"))
            .flatten();
        let some = |v: Vec<String>| (!v.is_empty()).then_some(v);
        let dns_options = after
            .set_and_changed_from(&before, "dns_options")
            .then(|| dns_options(&after))
            .flatten();
        let subnets = after
            .set_and_changed_from(&before, "subnet_configuration")
            .then(|| subnet_configurations(&after))
            .flatten();
        let anything = policy.is_some()
            || dns.is_some()
            || dns_options.is_some()
            || subnets.is_some()
            || [
                &add_rt,
                &remove_rt,
                &add_subnet,
                &remove_subnet,
                &add_sg,
                &remove_sg,
            ]
            .iter()
            .any(|v| !v.is_empty());
        if anything {
            self.aws
                .ec2
                .modify_vpc_endpoint()
                .vpc_endpoint_id(&id)
                .set_add_route_table_ids(some(add_rt))
                .set_remove_route_table_ids(some(remove_rt))
                .set_add_subnet_ids(some(add_subnet))
                .set_remove_subnet_ids(some(remove_subnet))
                .set_add_security_group_ids(some(add_sg))
                .set_remove_security_group_ids(some(remove_sg))
                .set_policy_document(policy)
                .set_private_dns_enabled(dns)
                .set_dns_options(dns_options)
                .set_subnet_configurations(subnets)
                .send()
                .await
                .map_err(err("ec2:ModifyVpcEndpoint"))?;
            self.settled(&id).await?;
        }
        tags::update_ec2(&self.aws, &id, &before, &after).await?;
        bulk::finished(self, after, &id).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let id = Obj::of(&prior).id()?;
        let out = self
            .aws
            .ec2
            .delete_vpc_endpoints()
            .vpc_endpoint_ids(&id)
            .send()
            .await
            .map_err(err("ec2:DeleteVpcEndpoints"));
        let out = match out {
            Err(e) => return gone_is_ok::<()>(Err(e)),
            Ok(out) => out,
        };
        if let Some(u) = out.unsuccessful().first() {
            let e = u.error();
            let code = e.and_then(|e| e.code()).unwrap_or_default();
            let failed = ProviderError::new(
                "ec2:DeleteVpcEndpoints",
                format!(
                    "{id}: {code}: {}",
                    e.and_then(|e| e.message()).unwrap_or_default()
                ),
            )
            .with_code(code);
            return gone_is_ok::<()>(Err(failed));
        }
        // Its interfaces and routes are gone only once it is deleted.
        wait_for(
            &format!("VPC endpoint {id} to be deleted"),
            ENDPOINT_WAIT,
            || async {
                let done = match bulk::find(self, &id).await? {
                    None => true,
                    Some(e) => e
                        .state()
                        .is_some_and(|st| st.as_str().eq_ignore_ascii_case("deleted")),
                };
                Ok(done.then_some(()))
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::aws::attrs::set_s;

    #[test]
    fn set_changes_add_and_remove_only_the_difference() {
        let mut before = Obj::default();
        before.set("route_table_ids", set_s(["rtb-1", "rtb-2"]));
        let mut after = Obj::default();
        after.set("route_table_ids", set_s(["rtb-2", "rtb-3"]));
        assert_eq!(
            set_change(&before, &after, "route_table_ids"),
            (vec!["rtb-3".to_string()], vec!["rtb-1".to_string()])
        );
        // Left to AWS (not configured): nothing to send.
        assert_eq!(
            set_change(&before, &Obj::default(), "route_table_ids"),
            (vec![], vec![])
        );
    }
}
