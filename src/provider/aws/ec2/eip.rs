//! `aws_eip`: an Elastic IP address, in a VPC or attached to an instance or interface.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, b, opt_s, s};
use crate::provider::aws::bulk::{self, Ec2Bulk};
use crate::provider::aws::sdk::{
    DEPENDENTS_DRAIN, EVENTUAL_CONSISTENCY, err, gone_is_ok, retry_while,
};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags;
use crate::provider::{AsyncResourceType, AttrSchema, CreateContext, ProviderResult};
use aws_sdk_ec2::types::{AddressAttributeName, Filter, ResourceType as Kind};

type Item = aws_sdk_ec2::types::Address;

/// The domain to allocate in: `domain`, else `standard` for the legacy `vpc = false`, else
/// `vpc`.
fn domain_to_allocate(p: &Obj) -> String {
    p.str("domain").unwrap_or_else(|| match p.bool("vpc") {
        Some(false) => "standard".into(),
        _ => "vpc".into(),
    })
}

/// Every attribute of `aws_eip`, and how it reads from a described address.
fn table() -> Table<Item> {
    use AttrSchema as A;
    let id = |a: &Item| opt_s(a.allocation_id());
    Table::<Item>::new()
        .attr("id", A::computed(Type::String), id)
        .attr("allocation_id", A::computed(Type::String), id)
        // Built from the account by `value`.
        .declared("arn", A::computed(Type::String))
        // The reverse DNS record, read by `value` with DescribeAddressesAttribute.
        .declared("ptr_record", A::computed(Type::String))
        .attr("association_id", A::computed(Type::String), |a| {
            opt_s(a.association_id())
        })
        .attr(
            "domain",
            A::optional_computed(Type::String).force_new(),
            |a| opt_s(a.domain().map(|d| d.as_str())),
        )
        // Deprecated (EC2-Classic is gone) and still in real configurations: `vpc = true`
        // means `domain = "vpc"`.
        .attr(
            "vpc",
            A::optional_computed(Type::Bool)
                .force_new()
                .conflicts_with(&["domain"]),
            |a| b(a.domain().is_some_and(|d| d.as_str() == "vpc")),
        )
        .declared("address", A::optional(Type::String).force_new())
        .attr_if_answered(
            "public_ipv4_pool",
            A::optional_computed(Type::String).force_new(),
            |a| a.public_ipv4_pool().map(s),
        )
        .attr_if_answered(
            "network_border_group",
            A::optional_computed(Type::String).force_new(),
            |a| a.network_border_group().map(s),
        )
        .attr_if_answered(
            "customer_owned_ipv4_pool",
            A::optional(Type::String).force_new(),
            |a| a.customer_owned_ipv4_pool().map(s),
        )
        .declared("ipam_pool_id", A::optional(Type::String).force_new())
        .attr("instance", A::optional_computed(Type::String), |a| {
            opt_s(a.instance_id())
        })
        .attr(
            "network_interface",
            A::optional_computed(Type::String),
            |a| opt_s(a.network_interface_id()),
        )
        .declared("associate_with_private_ip", A::optional(Type::String))
        .attr("public_ip", A::computed(Type::String), |a| {
            opt_s(a.public_ip())
        })
        .attr_in_region("public_dns", A::computed(Type::String), |a, region| {
            opt_s(a.public_ip().map(|ip| ec2_dns(region, ip, true)))
        })
        .attr("private_ip", A::computed(Type::String), |a| {
            opt_s(a.private_ip_address())
        })
        .attr_in_region("private_dns", A::computed(Type::String), |a, region| {
            opt_s(a.private_ip_address().map(|ip| ec2_dns(region, ip, false)))
        })
        .attr("carrier_ip", A::computed(Type::String), |a| {
            opt_s(a.carrier_ip())
        })
        .attr("customer_owned_ip", A::computed(Type::String), |a| {
            opt_s(a.customer_owned_ip())
        })
        .tagged(|a| tags::from_ec2(a.tags()))
}

crate::provider::aws::table::table_type!(Eip, Item);

impl Eip {
    /// Associates with the configured instance or network interface, if any.
    async fn associate(&self, id: &str, p: &Obj) -> ProviderResult<()> {
        let (instance, eni) = (p.str("instance"), p.str("network_interface"));
        if instance.is_none() && eni.is_none() {
            return Ok(());
        }
        retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || async {
                self.aws
                    .ec2
                    .associate_address()
                    .allocation_id(id)
                    .set_instance_id(instance.clone())
                    .set_network_interface_id(eni.clone())
                    .set_private_ip_address(p.str("associate_with_private_ip"))
                    .send()
                    .await
                    .map_err(err("ec2:AssociateAddress"))
            },
        )
        .await?;
        Ok(())
    }

    /// The address's reverse DNS (PTR) record, where it has one: one call per address (an
    /// account holds a handful of them: five a region unless raised). Only VPC addresses
    /// have the attribute.
    async fn ptr_record(&self, a: &Item) -> ProviderResult<Option<String>> {
        let (Some(id), Some("vpc")) = (a.allocation_id(), a.domain().map(|d| d.as_str())) else {
            return Ok(None);
        };
        let out = self
            .aws
            .ec2
            .describe_addresses_attribute()
            .allocation_ids(id)
            .attribute(AddressAttributeName::DomainName)
            .send()
            .await
            .map_err(err("ec2:DescribeAddressesAttribute"))?;
        Ok(out
            .addresses()
            .iter()
            .find(|x| x.allocation_id() == Some(id))
            .and_then(|x| x.ptr_record())
            .map(str::to_string))
    }

    async fn disassociate(&self, association_id: &str) -> ProviderResult<()> {
        gone_is_ok(
            self.aws
                .ec2
                .disassociate_address()
                .association_id(association_id)
                .send()
                .await
                .map_err(err("ec2:DisassociateAddress")),
        )
    }
}

/// The DNS names AWS gives an address, as Terraform computes them.
fn ec2_dns(region: &str, ip: &str, public: bool) -> String {
    let dashed = ip.replace('.', "-");
    match (public, region) {
        (true, "us-east-1") => format!("ec2-{dashed}.compute-1.amazonaws.com"),
        (true, _) => format!("ec2-{dashed}.{region}.compute.amazonaws.com"),
        (false, "us-east-1") => format!("ip-{dashed}.ec2.internal"),
        (false, _) => format!("ip-{dashed}.{region}.compute.internal"),
    }
}

impl Ec2Bulk for Eip {
    bulk::ec2_object! {
        item Item, id allocation_id, filter "allocation-id",
        missing "InvalidAllocationID.NotFound", "ec2:DescribeAddresses"
    }

    async fn describe(&self, filters: Vec<Filter>) -> ProviderResult<Vec<Self::Item>> {
        let ec2 = &self.aws.ec2;
        // DescribeAddresses is not paginated: one answer holds every address.
        Ok(ec2
            .describe_addresses()
            .set_filters(Some(filters))
            .send()
            .await
            .map_err(err("ec2:DescribeAddresses"))?
            .addresses()
            .to_vec())
    }

    async fn value(&self, prior: Option<Obj>, a: Self::Item) -> ProviderResult<Option<Value>> {
        let account = self.aws.account_id().await?;
        let ptr = self.ptr_record(&a).await?;
        let mut o = self.table.read(&self.aws, prior, &a);
        o.set("ptr_record", opt_s(ptr.as_deref()));
        o.set(
            "arn",
            s(format!(
                "arn:aws:ec2:{}:{account}:elastic-ip/{}",
                self.aws.region,
                Self::item_id(&a)
            )),
        );
        Ok(Some(o.finish(&self.schema)))
    }
}

impl AsyncResourceType for Eip {
    crate::provider::aws::bulk::ec2_reads!();
    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        let v = tags::plan(&self.aws, planned);
        // Moving the association changes what the address is associated through.
        let (Some(prior), mut o) = (prior.map(Obj::of), Obj::of(&v)) else {
            return v;
        };
        let moved = ["instance", "network_interface", "associate_with_private_ip"]
            .iter()
            .any(|k| o.0.get(*k).is_some_and(|x| !x.is_known()) || o.str(k) != prior.str(k));
        if moved {
            for k in ["association_id", "private_ip", "private_dns"] {
                o.set(k, Value::Unknown(Type::String));
            }
        }
        Value::object(o.0)
    }

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let out = self
            .aws
            .ec2
            .allocate_address()
            .domain(domain_to_allocate(&p).as_str().into())
            .set_address(p.str("address"))
            .set_public_ipv4_pool(p.str("public_ipv4_pool"))
            .set_network_border_group(p.str("network_border_group"))
            .set_customer_owned_ipv4_pool(p.str("customer_owned_ipv4_pool"))
            .set_ipam_pool_id(p.str("ipam_pool_id"))
            .tag_specifications(tags::ec2_spec(Kind::ElasticIp, &t))
            .send()
            .await
            .map_err(err("ec2:AllocateAddress"))?;
        let id = out.allocation_id().unwrap_or_default().to_string();
        bulk::described(self, &id).await?;
        self.associate(&id, &p).await?;
        bulk::finished(self, p, &id).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let id = before.id()?;
        let moved = ["instance", "network_interface", "associate_with_private_ip"]
            .iter()
            .any(|k| before.str(k) != after.str(k));
        if moved {
            if let Some(assoc) = before.str("association_id") {
                self.disassociate(&assoc).await?;
            }
            self.associate(&id, &after).await?;
        }
        tags::update_ec2(&self.aws, &id, &before, &after).await?;
        bulk::finished(self, after, &id).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let id = Obj::of(&prior).id()?;
        let Some(a) = bulk::find(self, &id).await? else {
            return Ok(());
        };
        // An address infra associated with an instance or interface is let go first. One
        // a NAT gateway holds cannot be disassociated (AWS answers AuthFailure for the
        // service's interface): it frees up when the gateway is deleted, which the release
        // below waits for.
        if let Some(assoc) = a.association_id() {
            match self.disassociate(assoc).await {
                Err(e) if e.in_use() || e.is("AuthFailure") => {
                    tracing::debug!(error = %e, "address held by a service; waiting for it");
                }
                r => r?,
            }
        }
        gone_is_ok(
            retry_while(
                DEPENDENTS_DRAIN,
                |e| e.in_use(),
                || async {
                    self.aws
                        .ec2
                        .release_address()
                        .allocation_id(&id)
                        .send()
                        .await
                        .map_err(err("ec2:ReleaseAddress"))
                },
            )
            .await,
        )
    }
}
