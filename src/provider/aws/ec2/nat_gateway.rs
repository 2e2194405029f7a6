//! `aws_nat_gateway`: waits for the gateway to be available, and for a deleting one to let go
//! of its Elastic IP.

use super::nat_gateway_regional as regional;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, added_removed, n, opt_s, s, set_s};
use crate::provider::aws::bulk::{self, Ec2Bulk, filter};
use crate::provider::aws::launch::nonempty;
use crate::provider::aws::sdk::{AllPages, err, gone_is_ok, wait_for};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult,
};
use aws_sdk_ec2::types::{Filter, ResourceType as Kind};
use std::time::Duration;

/// Terraform's defaults for waiting on a NAT gateway.
const NAT_GATEWAY_CREATE: Duration = Duration::from_secs(10 * 60);

const NAT_GATEWAY_DELETE: Duration = Duration::from_secs(30 * 60);

type Item = aws_sdk_ec2::types::NatGateway;

/// A zonal gateway's primary address (the first, if none says it is). A regional gateway's
/// addresses are its zones' (`regional_nat_gateway_address`).
fn primary(g: &Item) -> Option<&aws_sdk_ec2::types::NatGatewayAddress> {
    let addresses = zonal_addresses(g);
    addresses
        .iter()
        .find(|a| a.is_primary() == Some(true))
        .or_else(|| addresses.first())
}

/// A zonal gateway's secondary addresses (every address but the primary).
fn secondary(g: &Item) -> impl Iterator<Item = &aws_sdk_ec2::types::NatGatewayAddress> {
    zonal_addresses(g)
        .iter()
        .filter(|a| a.is_primary() != Some(true))
}

fn zonal_addresses(g: &Item) -> &[aws_sdk_ec2::types::NatGatewayAddress] {
    if regional::is_regional(g) {
        &[]
    } else {
        g.nat_gateway_addresses()
    }
}

/// Every attribute of `aws_nat_gateway`, and how it reads from a described gateway.
fn table() -> Table<Item> {
    use AttrSchema as A;
    let t = Table::<Item>::new().attr("id", A::computed(Type::String), |g| {
        opt_s(g.nat_gateway_id())
    });
    regional::rows(t)
        .attr(
            "allocation_id",
            A::optional(Type::String).force_new(),
            |g| opt_s(primary(g).and_then(|a| a.allocation_id())),
        )
        // Required for a zonal gateway (`validate`); a regional one has none.
        .attr("subnet_id", A::optional(Type::String).force_new(), |g| {
            opt_s(g.subnet_id())
        })
        .attr(
            "connectivity_type",
            A::optional(Type::String).default(s("public")).force_new(),
            |g| s(g.connectivity_type().map_or("public", |c| c.as_str())),
        )
        .attr(
            "private_ip",
            A::optional_computed(Type::String).force_new(),
            |g| opt_s(primary(g).and_then(|a| a.private_ip())),
        )
        .attr("public_ip", A::computed(Type::String), |g| {
            opt_s(primary(g).and_then(|a| a.public_ip()))
        })
        .attr("network_interface_id", A::computed(Type::String), |g| {
            opt_s(primary(g).and_then(|a| a.network_interface_id()))
        })
        .attr("association_id", A::computed(Type::String), |g| {
            opt_s(primary(g).and_then(|a| a.association_id()))
        })
        .attr(
            "secondary_allocation_ids",
            A::optional_computed(Type::Set(Box::new(Type::String))),
            |g| set_s(secondary(g).filter_map(|a| a.allocation_id())),
        )
        .attr(
            "secondary_private_ip_addresses",
            A::optional_computed(Type::Set(Box::new(Type::String))),
            |g| set_s(secondary(g).filter_map(|a| a.private_ip())),
        )
        .attr(
            "secondary_private_ip_address_count",
            A::optional_computed(Type::Number),
            |g| n(secondary(g).count() as i64),
        )
        .tagged(|g| tags::from_ec2(g.tags()))
}

crate::provider::aws::table::table_type!(NatGateway, Item);

impl NatGateway {
    /// Secondary addresses changed in place: public ones by allocation, private ones by
    /// address, or by count (the newest go first when it shrinks).
    async fn update_secondary(&self, id: &str, before: &Obj, after: &Obj) -> ProviderResult<()> {
        let ec2 = &self.aws.ec2;
        if after.set_and_changed_from(before, "secondary_allocation_ids") {
            let (add, remove) = added_removed(
                &before.strs("secondary_allocation_ids"),
                &after.strs("secondary_allocation_ids"),
            );
            if !add.is_empty() {
                ec2.associate_nat_gateway_address()
                    .nat_gateway_id(id)
                    .set_allocation_ids(Some(add))
                    .send()
                    .await
                    .map_err(err("ec2:AssociateNatGatewayAddress"))?;
            }
            if !remove.is_empty() {
                let g = self.state(id).await?;
                let associations: Vec<String> = g
                    .iter()
                    .flat_map(secondary)
                    .filter(|a| {
                        a.allocation_id()
                            .is_some_and(|x| remove.iter().any(|r| r == x))
                    })
                    .filter_map(|a| a.association_id().map(str::to_string))
                    .collect();
                ec2.disassociate_nat_gateway_address()
                    .nat_gateway_id(id)
                    .set_association_ids(Some(associations))
                    .send()
                    .await
                    .map_err(err("ec2:DisassociateNatGatewayAddress"))?;
            }
        }
        let (mut add, mut remove) = (Vec::new(), Vec::new());
        if after.set_and_changed_from(before, "secondary_private_ip_addresses") {
            (add, remove) = added_removed(
                &before.strs("secondary_private_ip_addresses"),
                &after.strs("secondary_private_ip_addresses"),
            );
        }
        let count = after
            .set_and_changed_from(before, "secondary_private_ip_address_count")
            .then(|| after.i64("secondary_private_ip_address_count"))
            .flatten();
        if let Some(wanted) = count.filter(|_| add.is_empty() && remove.is_empty()) {
            let have = before.strs("secondary_private_ip_addresses");
            let wanted = usize::try_from(wanted).unwrap_or(0);
            if wanted > have.len() {
                ec2.assign_private_nat_gateway_address()
                    .nat_gateway_id(id)
                    .private_ip_address_count((wanted - have.len()) as i32)
                    .send()
                    .await
                    .map_err(err("ec2:AssignPrivateNatGatewayAddress"))?;
            } else {
                remove = have[wanted..].to_vec();
            }
        }
        if !add.is_empty() {
            ec2.assign_private_nat_gateway_address()
                .nat_gateway_id(id)
                .set_private_ip_addresses(Some(add))
                .send()
                .await
                .map_err(err("ec2:AssignPrivateNatGatewayAddress"))?;
        }
        if !remove.is_empty() {
            ec2.unassign_private_nat_gateway_address()
                .nat_gateway_id(id)
                .set_private_ip_addresses(Some(remove))
                .send()
                .await
                .map_err(err("ec2:UnassignPrivateNatGatewayAddress"))?;
        }
        Ok(())
    }

    /// The gateway's state as DescribeNatGateways says it (`None` once it is not listed).
    async fn state(&self, id: &str) -> ProviderResult<Option<aws_sdk_ec2::types::NatGateway>> {
        bulk::find(self, id).await
    }

    /// Waits until no gateway that is still `deleting` holds `allocation`: a delete a killed
    /// run started (the state still lists the gateway, refresh sees it deleting and plans a
    /// new one) keeps its Elastic IP until AWS finishes, and a create meanwhile fails with
    /// Resource.AlreadyAssociated, on AWS as on moto.
    async fn wait_for_release(&self, allocation: &str) -> ProviderResult<()> {
        wait_for(
            &format!("the NAT gateway being deleted to let go of {allocation}"),
            NAT_GATEWAY_DELETE,
            || async {
                let deleting = self
                    .describe(vec![filter("state", ["deleting".to_string()])])
                    .await?;
                Ok((!holds_allocation(&deleting, allocation)).then_some(()))
            },
        )
        .await
    }

    /// Lets go of the addresses a deleted gateway's interface still holds. AWS does this
    /// itself when the gateway is deleted; moto does not, and a gateway created next with
    /// the same address (a replacement) would fail with Resource.AlreadyAssociated.
    async fn release_addresses(&self, prior: &Obj) -> ProviderResult<()> {
        let Some(eni) = prior.str("network_interface_id") else {
            return Ok(());
        };
        let held = self
            .aws
            .ec2
            .describe_addresses()
            .filters(filter("network-interface-id", [eni]))
            .send()
            .await
            .map_err(err("ec2:DescribeAddresses"))?;
        for assoc in held.addresses().iter().filter_map(|a| a.association_id()) {
            gone_is_ok(
                self.aws
                    .ec2
                    .disassociate_address()
                    .association_id(assoc)
                    .send()
                    .await
                    .map_err(err("ec2:DisassociateAddress")),
            )?;
        }
        Ok(())
    }
}

/// Whether one of `gateways` holds the Elastic IP `allocation`.
fn holds_allocation(gateways: &[aws_sdk_ec2::types::NatGateway], allocation: &str) -> bool {
    gateways.iter().any(|g| {
        g.nat_gateway_addresses()
            .iter()
            .any(|a| a.allocation_id() == Some(allocation))
    })
}

impl Ec2Bulk for NatGateway {
    bulk::ec2_object! {
        item Item, id nat_gateway_id, filter "nat-gateway-id",
        missing "NatGatewayNotFound", "ec2:DescribeNatGateways"
    }

    async fn describe(&self, filters: Vec<Filter>) -> ProviderResult<Vec<Self::Item>> {
        let ec2 = &self.aws.ec2;
        ec2.describe_nat_gateways()
            .set_filter(Some(filters))
            .max_results(1000)
            .into_paginator()
            .items()
            .send()
            .all("ec2:DescribeNatGateways")
            .await
    }

    async fn value(&self, prior: Option<Obj>, g: Self::Item) -> ProviderResult<Option<Value>> {
        // Deleted gateways stay listed for an hour; failed ones are deleted by AWS.
        let gone = g
            .state()
            .is_some_and(|st| matches!(st.as_str(), "deleting" | "deleted" | "failed"));
        let value = (!gone).then(|| self.table.read(&self.aws, prior, &g).finish(&self.schema));
        Ok(value)
    }
}

impl AsyncResourceType for NatGateway {
    crate::provider::aws::bulk::ec2_reads!(plan tags);

    fn validate(&self, planned: &Value) -> Result<(), String> {
        regional::validate(&Obj::of(planned))
    }

    fn replacing(&self, prior: &Value, planned: &Value, changed: &[String]) -> Vec<String> {
        let into_or_out_of_manual = regional::replaces(&Obj::of(prior), &Obj::of(planned));
        changed
            .iter()
            .filter(|n| n.as_str() == "availability_zone_address" && into_or_out_of_manual)
            .cloned()
            .collect()
    }

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let connectivity = p
            .str("connectivity_type")
            .unwrap_or_else(|| "public".into());
        if let Some(allocation) = p.str("allocation_id") {
            self.wait_for_release(&allocation).await?;
        }
        let out = self
            .aws
            .ec2
            .create_nat_gateway()
            .set_subnet_id(p.str("subnet_id"))
            .set_allocation_id(p.str("allocation_id"))
            .connectivity_type(connectivity.as_str().into())
            .set_private_ip_address(p.str("private_ip"))
            .set_secondary_allocation_ids(nonempty(p.strs("secondary_allocation_ids")))
            .set_secondary_private_ip_addresses(nonempty(p.strs("secondary_private_ip_addresses")))
            .set_secondary_private_ip_address_count(
                p.i32("secondary_private_ip_address_count")
                    .filter(|_| p.strs("secondary_private_ip_addresses").is_empty()),
            )
            .tag_specifications(tags::ec2_spec(Kind::Natgateway, &t));
        let out = regional::set(out, &p)
            .send()
            .await
            .map_err(err("ec2:CreateNatGateway"))?;
        let id = out
            .nat_gateway()
            .and_then(|g| g.nat_gateway_id())
            .unwrap_or_default()
            .to_string();
        let ready = wait_for(
            &format!("NAT gateway {id} to become available"),
            NAT_GATEWAY_CREATE,
            || async {
                let Some(g) = self.state(&id).await? else {
                    return Ok(None);
                };
                match g.state().map(|st| st.as_str()) {
                    Some("available") => Ok(Some(g)),
                    Some("failed") => Err(ProviderError::new(
                        "ec2:CreateNatGateway",
                        format!(
                            "NAT gateway {id} failed: {}",
                            g.failure_message().unwrap_or("no reason given")
                        ),
                    )),
                    _ => Ok(None),
                }
            },
        )
        .await?;
        self.value(Some(p), ready)
            .await?
            .ok_or_else(|| ProviderError::new("ec2:DescribeNatGateways", format!("{id} vanished")))
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let id = before.id()?;
        self.update_secondary(&id, &before, &after).await?;
        if after.set_and_changed_from(&before, "availability_zone_address") {
            let g = self.state(&id).await?.ok_or_else(|| {
                ProviderError::new("ec2:DescribeNatGateways", format!("{id} vanished"))
            })?;
            regional::update(&self.aws, &g, &before, &after).await?;
        }
        tags::update_ec2(&self.aws, &id, &before, &after).await?;
        bulk::finished(self, after, &id).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let id = Obj::of(&prior).id()?;
        gone_is_ok(
            self.aws
                .ec2
                .delete_nat_gateway()
                .nat_gateway_id(&id)
                .send()
                .await
                .map_err(err("ec2:DeleteNatGateway")),
        )?;
        // Its address and subnet are free only once it is deleted.
        wait_for(
            &format!("NAT gateway {id} to be deleted"),
            NAT_GATEWAY_DELETE,
            || async {
                let done = match self.state(&id).await? {
                    None => true,
                    Some(g) => g.state().is_some_and(|st| st.as_str() == "deleted"),
                };
                Ok(done.then_some(()))
            },
        )
        .await?;
        self.release_addresses(&Obj::of(&prior)).await
    }
}

#[cfg(test)]
mod tests {
    use super::holds_allocation;
    use aws_sdk_ec2::types::{NatGateway, NatGatewayAddress};

    fn gateway(allocations: &[&str]) -> NatGateway {
        NatGateway::builder()
            .set_nat_gateway_addresses(Some(
                allocations
                    .iter()
                    .map(|a| NatGatewayAddress::builder().allocation_id(*a).build())
                    .collect(),
            ))
            .build()
    }

    #[test]
    fn a_deleting_gateway_holding_the_address_is_waited_for_and_others_are_not() {
        let deleting = [
            gateway(&["eipalloc-1"]),
            gateway(&["eipalloc-2", "eipalloc-3"]),
        ];
        assert!(holds_allocation(&deleting, "eipalloc-3"));
        assert!(!holds_allocation(&deleting, "eipalloc-9"));
        assert!(!holds_allocation(&[], "eipalloc-1"));
    }
}
