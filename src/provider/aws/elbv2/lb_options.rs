//! `aws_lb` options that each have calls of their own, beside CreateLoadBalancer and the
//! attributes: the IPAM pool addresses come from (ModifyIpPools), a minimum capacity reserved
//! ahead of traffic (Modify/DescribeCapacityReservation), and whether a network load
//! balancer's security groups apply to PrivateLink traffic (SetSecurityGroups).

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::ProviderResult;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, n, s};
use crate::provider::aws::elbv2::common::Described;
use crate::provider::aws::sdk::err;
use crate::provider::schema::block_object;
use aws_sdk_elasticloadbalancingv2 as elbv2;

type Item = Described<elbv2::types::LoadBalancer>;

/// Where a read capacity reservation is kept among the balancer's attributes: a key AWS never
/// uses, so the table reads it as it reads an attribute.
pub(crate) const CAPACITY_UNITS: &str = "infra.minimum_load_balancer_capacity.capacity_units";

pub(crate) fn ipam_pools_ty() -> Type {
    block_object(&[("ipv4_ipam_pool_id", Type::String)])
}

pub(crate) fn capacity_ty() -> Type {
    block_object(&[("capacity_units", Type::Number)])
}

/// The `ipam_pools` block as AWS answers it.
pub(crate) fn ipam_pools_read(d: &Item, _: &'static str) -> Option<Vec<Obj>> {
    let pools = d.item.ipam_pools().and_then(|p| p.ipv4_ipam_pool_id());
    Some(
        pools
            .map(|id| {
                let mut o = Obj::default();
                o.set("ipv4_ipam_pool_id", s(id));
                vec![o]
            })
            .unwrap_or_default(),
    )
}

/// The configured pools as CreateLoadBalancer and ModifyIpPools take them.
pub(crate) fn ipam_pools_to_sdk(p: &Obj) -> Option<elbv2::types::IpamPools> {
    let block = p.block("ipam_pools")?;
    Some(
        elbv2::types::IpamPools::builder()
            .set_ipv4_ipam_pool_id(block.str("ipv4_ipam_pool_id"))
            .build(),
    )
}

/// The `minimum_load_balancer_capacity` block, from the reservation [`capacity_reservation`]
/// put among the attributes; `None` (the prior stands) when it was not read.
pub(crate) fn capacity_read(d: &Item, _: &'static str) -> Option<Vec<Obj>> {
    let units = d.attr(CAPACITY_UNITS)?;
    Some(
        units
            .parse::<i64>()
            .ok()
            .map(|u| {
                let mut o = Obj::default();
                o.set("capacity_units", n(u));
                vec![o]
            })
            .unwrap_or_default(),
    )
}

/// Whether a read needs the balancer's capacity reservation (a call of its own): when the
/// configuration has the block, and on import. Balancers without it cost no call on refresh.
pub(crate) fn needs_capacity(prior: Option<&Obj>, lb: &elbv2::types::LoadBalancer) -> bool {
    let kind = lb.r#type().map(|t| t.as_str()).unwrap_or("application");
    let reservable = kind == "application" || kind == "network";
    reservable && prior.is_none_or(|p| p.get("minimum_load_balancer_capacity").is_some())
}

/// The minimum capacity reserved for a balancer, as text for [`CAPACITY_UNITS`] (empty when
/// none is reserved).
pub(crate) async fn capacity_reservation(aws: &Aws, arn: &str) -> ProviderResult<String> {
    let out = aws
        .elbv2
        .describe_capacity_reservation()
        .load_balancer_arn(arn)
        .send()
        .await
        .map_err(err("elbv2:DescribeCapacityReservation"))?;
    let units = out
        .minimum_load_balancer_capacity()
        .and_then(|m| m.capacity_units());
    Ok(units.map(|u| u.to_string()).unwrap_or_default())
}

/// Puts the options that changed from `before` (nothing, on create) to `after`.
pub(crate) async fn put(aws: &Aws, arn: &str, before: &Obj, after: &Obj) -> ProviderResult<()> {
    let changed = |k: &str| before.get(k).map(Value::to_json) != after.get(k).map(Value::to_json);
    if changed("ipam_pools") && !before.0.is_empty() {
        let pools = ipam_pools_to_sdk(after);
        let remove = pools
            .is_none()
            .then(|| vec![elbv2::types::RemoveIpamPoolEnum::Ipv4]);
        aws.elbv2
            .modify_ip_pools()
            .load_balancer_arn(arn)
            .set_ipam_pools(pools)
            .set_remove_ipam_pools(remove)
            .send()
            .await
            .map_err(err("elbv2:ModifyIpPools"))?;
    }
    if changed("minimum_load_balancer_capacity") {
        let units = after
            .block("minimum_load_balancer_capacity")
            .and_then(|b| b.i32("capacity_units"));
        let capacity = units.map(|u| {
            elbv2::types::MinimumLoadBalancerCapacity::builder()
                .capacity_units(u)
                .build()
        });
        aws.elbv2
            .modify_capacity_reservation()
            .load_balancer_arn(arn)
            .set_minimum_load_balancer_capacity(capacity)
            .set_reset_capacity_reservation(units.is_none().then_some(true))
            .send()
            .await
            .map_err(err("elbv2:ModifyCapacityReservation"))?;
    }
    let enforce = "enforce_security_group_inbound_rules_on_private_link_traffic";
    if (changed("security_groups") && !before.0.is_empty())
        || (changed(enforce) && after.get(enforce).is_some())
    {
        aws.elbv2
            .set_security_groups()
            .load_balancer_arn(arn)
            .set_security_groups(Some(after.strs("security_groups")))
            .set_enforce_security_group_inbound_rules_on_private_link_traffic(
                after.str(enforce).map(|e| e.as_str().into()),
            )
            .send()
            .await
            .map_err(err("elbv2:SetSecurityGroups"))?;
    }
    Ok(())
}
