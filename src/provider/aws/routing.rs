//! aws_internet_gateway, aws_eip, aws_nat_gateway, aws_route_table, aws_route and
//! aws_route_table_association.
//!
//! Routes and associations carry no tags, so infra cannot find them again by its
//! `infra:address` tag: their create adopts an identical object that already exists (same
//! route table and destination, same subnet or gateway), so an apply that died between the
//! API call and the state write converges on the next one.

use super::Aws;
use super::attrs::{Obj, blocks, crc32, opt_s, s, set_s};
use super::bulk::{self, Ec2Bulk, filter};
use super::sdk::{
    DEPENDENTS_DRAIN, EVENTUAL_CONSISTENCY, delete_when_released, err, gone_is_ok, retry_while,
    wait_for,
};
use super::tags::{self, Tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::schema::{block_list, block_object};
use crate::provider::{
    AttrSchema, BoxFuture, Configured, CreateContext, ProviderError, ProviderResult, RefreshBatch,
    Refreshed, ResourceType, Schema,
};
use aws_sdk_ec2::types::{Filter, ResourceType as Kind};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

/// The resource types this file serves.
pub const TYPES: &[&str] = &[
    "aws_internet_gateway",
    "aws_eip",
    "aws_nat_gateway",
    "aws_route_table",
    "aws_route",
    "aws_route_table_association",
];

pub fn register(aws: &Arc<Aws>, c: &mut Configured) {
    c.resources
        .insert("aws_internet_gateway", Arc::new(InternetGateway::new(aws)));
    c.resources.insert("aws_eip", Arc::new(Eip::new(aws)));
    c.resources
        .insert("aws_nat_gateway", Arc::new(NatGateway::new(aws)));
    c.resources
        .insert("aws_route_table", Arc::new(RouteTable::new(aws)));
    c.resources.insert("aws_route", Arc::new(Route::new(aws)));
    c.resources.insert(
        "aws_route_table_association",
        Arc::new(RouteTableAssociation::new(aws)),
    );
}

/// Terraform's defaults for waiting on a NAT gateway.
const NAT_GATEWAY_CREATE: Duration = Duration::from_secs(10 * 60);
const NAT_GATEWAY_DELETE: Duration = Duration::from_secs(30 * 60);

fn not_found(operation: &str, id: &str, code: &str) -> ProviderError {
    ProviderError::new(operation, format!("{id} not found")).with_code(code)
}

// ---------------------------------------------------------------------------------------------
// aws_internet_gateway

#[derive(Clone)]
pub struct InternetGateway {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
}

impl InternetGateway {
    fn new(aws: &Arc<Aws>) -> InternetGateway {
        let mut attrs = vec![
            ("id", AttrSchema::computed(Type::String)),
            ("arn", AttrSchema::computed(Type::String)),
            ("owner_id", AttrSchema::computed(Type::String)),
            // Not force-new: a gateway moves between VPCs by detach and attach.
            ("vpc_id", AttrSchema::optional(Type::String)),
        ];
        attrs.extend(tags::schema_attrs());
        InternetGateway {
            aws: aws.clone(),
            schema: Arc::new(Schema::new(attrs)),
        }
    }

    async fn attach(&self, id: &str, vpc: &str) -> ProviderResult<()> {
        // A VPC created a moment ago may not be visible to the attach yet.
        retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || async {
                self.aws
                    .ec2
                    .attach_internet_gateway()
                    .internet_gateway_id(id)
                    .vpc_id(vpc)
                    .send()
                    .await
                    .map_err(err("ec2:AttachInternetGateway"))
            },
        )
        .await?;
        Ok(())
    }

    /// Detaches, waiting while the VPC still has public addresses mapped (AWS refuses with
    /// DependencyViolation until they are released).
    async fn detach(&self, id: &str, vpc: &str) -> ProviderResult<()> {
        let r = retry_while(
            DEPENDENTS_DRAIN,
            |e| e.in_use(),
            || async {
                self.aws
                    .ec2
                    .detach_internet_gateway()
                    .internet_gateway_id(id)
                    .vpc_id(vpc)
                    .send()
                    .await
                    .map_err(err("ec2:DetachInternetGateway"))
            },
        )
        .await;
        match r {
            Err(e) if e.is("Gateway.NotAttached") => Ok(()),
            r => gone_is_ok(r),
        }
    }
}

impl Ec2Bulk for InternetGateway {
    type Item = aws_sdk_ec2::types::InternetGateway;
    const ID_FILTER: &'static str = "internet-gateway-id";
    const DESCRIBE: &'static str = "describe";
    const NOT_FOUND: &'static str = "InvalidInternetGatewayID.NotFound";

    fn item_id(item: &Self::Item) -> String {
        item.internet_gateway_id().unwrap_or_default().to_string()
    }

    fn item_tags(item: &Self::Item) -> Tags {
        tags::from_ec2(item.tags())
    }

    fn describe(&self, filters: Vec<Filter>) -> BoxFuture<ProviderResult<Vec<Self::Item>>> {
        let ec2 = self.aws.ec2.clone();
        Box::pin(async move {
            ec2.describe_internet_gateways()
                .set_filters(Some(filters))
                .max_results(1000)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(err("ec2:DescribeInternetGateways"))
        })
    }

    fn value(&self, prior: Option<Obj>, g: Self::Item) -> BoxFuture<ProviderResult<Option<Value>>> {
        let this = self.clone();
        Box::pin(async move {
            let id = Self::item_id(&g);
            let owner = g.owner_id().unwrap_or_default();
            let vpc = g
                .attachments()
                .iter()
                .find(|a| a.state().is_some_and(|s| s.as_str() != "detached"))
                .and_then(|a| a.vpc_id());
            let mut o = prior.unwrap_or_default();
            o.set("id", s(&id))
                .set(
                    "arn",
                    s(format!(
                        "arn:aws:ec2:{}:{owner}:internet-gateway/{id}",
                        this.aws.region
                    )),
                )
                .set("owner_id", s(owner))
                .set("vpc_id", opt_s(vpc));
            tags::set_read(&this.aws, &mut o, &Self::item_tags(&g));
            Ok(Some(o.finish(&this.schema)))
        })
    }
}

impl ResourceType for InternetGateway {
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
            let out = this
                .aws
                .ec2
                .create_internet_gateway()
                .tag_specifications(tags::ec2_spec(Kind::InternetGateway, &t))
                .send()
                .await
                .map_err(err("ec2:CreateInternetGateway"))?;
            let id = out
                .internet_gateway()
                .and_then(|g| g.internet_gateway_id())
                .unwrap_or_default()
                .to_string();
            bulk::described(&this, &id).await?;
            if let Some(vpc) = p.str("vpc_id") {
                this.attach(&id, &vpc).await?;
            }
            bulk::finished(&this, p, &id).await
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let (before, after) = (Obj::of(&prior), Obj::of(&planned));
            let id = before.id()?;
            let (old_vpc, new_vpc) = (before.str("vpc_id"), after.str("vpc_id"));
            if old_vpc != new_vpc {
                if let Some(vpc) = &old_vpc {
                    this.detach(&id, vpc).await?;
                }
                if let Some(vpc) = &new_vpc {
                    this.attach(&id, vpc).await?;
                }
            }
            tags::update_ec2(&this.aws, &id, &before, &after).await?;
            bulk::finished(&this, after, &id).await
        })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move {
            let id = Obj::of(&prior).id()?;
            // AWS refuses to delete an attached gateway: detach from wherever it is now,
            // which may differ from what state recorded.
            let Some(g) = bulk::by_ids(&this, std::slice::from_ref(&id))
                .await?
                .into_iter()
                .next()
            else {
                return Ok(());
            };
            for vpc in g.attachments().iter().filter_map(|a| a.vpc_id()) {
                this.detach(&id, vpc).await?;
            }
            delete_when_released(|| async {
                this.aws
                    .ec2
                    .delete_internet_gateway()
                    .internet_gateway_id(&id)
                    .send()
                    .await
                    .map_err(err("ec2:DeleteInternetGateway"))
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

// ---------------------------------------------------------------------------------------------
// aws_eip

#[derive(Clone)]
pub struct Eip {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
}

impl Eip {
    fn new(aws: &Arc<Aws>) -> Eip {
        let mut attrs = vec![
            ("id", AttrSchema::computed(Type::String)),
            ("arn", AttrSchema::computed(Type::String)),
            ("allocation_id", AttrSchema::computed(Type::String)),
            ("association_id", AttrSchema::computed(Type::String)),
            (
                "domain",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            ("address", AttrSchema::optional(Type::String).force_new()),
            (
                "public_ipv4_pool",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            (
                "network_border_group",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            (
                "customer_owned_ipv4_pool",
                AttrSchema::optional(Type::String).force_new(),
            ),
            (
                "ipam_pool_id",
                AttrSchema::optional(Type::String).force_new(),
            ),
            ("instance", AttrSchema::optional_computed(Type::String)),
            (
                "network_interface",
                AttrSchema::optional_computed(Type::String),
            ),
            (
                "associate_with_private_ip",
                AttrSchema::optional(Type::String),
            ),
            ("public_ip", AttrSchema::computed(Type::String)),
            ("public_dns", AttrSchema::computed(Type::String)),
            ("private_ip", AttrSchema::computed(Type::String)),
            ("private_dns", AttrSchema::computed(Type::String)),
            ("carrier_ip", AttrSchema::computed(Type::String)),
            ("customer_owned_ip", AttrSchema::computed(Type::String)),
        ];
        attrs.extend(tags::schema_attrs());
        Eip {
            aws: aws.clone(),
            schema: Arc::new(Schema::new(attrs)),
        }
    }

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
    type Item = aws_sdk_ec2::types::Address;
    const ID_FILTER: &'static str = "allocation-id";
    const DESCRIBE: &'static str = "describe";
    const NOT_FOUND: &'static str = "InvalidAllocationID.NotFound";

    fn item_id(item: &Self::Item) -> String {
        item.allocation_id().unwrap_or_default().to_string()
    }

    fn item_tags(item: &Self::Item) -> Tags {
        tags::from_ec2(item.tags())
    }

    fn describe(&self, filters: Vec<Filter>) -> BoxFuture<ProviderResult<Vec<Self::Item>>> {
        let ec2 = self.aws.ec2.clone();
        Box::pin(async move {
            // DescribeAddresses is not paginated: one answer holds every address.
            Ok(ec2
                .describe_addresses()
                .set_filters(Some(filters))
                .send()
                .await
                .map_err(err("ec2:DescribeAddresses"))?
                .addresses()
                .to_vec())
        })
    }

    fn value(&self, prior: Option<Obj>, a: Self::Item) -> BoxFuture<ProviderResult<Option<Value>>> {
        let this = self.clone();
        Box::pin(async move {
            let id = Self::item_id(&a);
            let region = &this.aws.region;
            let account = this.aws.account_id().await?;
            let mut o = prior.unwrap_or_default();
            o.set("id", s(&id))
                .set("allocation_id", s(&id))
                .set(
                    "arn",
                    s(format!("arn:aws:ec2:{region}:{account}:elastic-ip/{id}")),
                )
                .set("association_id", opt_s(a.association_id()))
                .set("domain", opt_s(a.domain().map(|d| d.as_str())))
                .set("public_ip", opt_s(a.public_ip()))
                .set(
                    "public_dns",
                    opt_s(a.public_ip().map(|ip| ec2_dns(region, ip, true))),
                )
                .set("private_ip", opt_s(a.private_ip_address()))
                .set(
                    "private_dns",
                    opt_s(a.private_ip_address().map(|ip| ec2_dns(region, ip, false))),
                )
                .set("instance", opt_s(a.instance_id()))
                .set("network_interface", opt_s(a.network_interface_id()))
                .set("carrier_ip", opt_s(a.carrier_ip()))
                .set("customer_owned_ip", opt_s(a.customer_owned_ip()));
            // Optional+computed: keep what the configuration said when AWS does not say.
            for (k, v) in [
                ("public_ipv4_pool", a.public_ipv4_pool()),
                ("network_border_group", a.network_border_group()),
                ("customer_owned_ipv4_pool", a.customer_owned_ipv4_pool()),
            ] {
                if let Some(v) = v {
                    o.set(k, s(v));
                }
            }
            tags::set_read(&this.aws, &mut o, &Self::item_tags(&a));
            Ok(Some(o.finish(&this.schema)))
        })
    }
}

impl ResourceType for Eip {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &str {
        &self.aws.address
    }

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

    fn create(&self, ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            let t = tags::for_create(&this.aws, &ctx, &p);
            let out = this
                .aws
                .ec2
                .allocate_address()
                .domain(p.str("domain").as_deref().unwrap_or("vpc").into())
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
            bulk::described(&this, &id).await?;
            this.associate(&id, &p).await?;
            bulk::finished(&this, p, &id).await
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let (before, after) = (Obj::of(&prior), Obj::of(&planned));
            let id = before.id()?;
            let moved = ["instance", "network_interface", "associate_with_private_ip"]
                .iter()
                .any(|k| before.str(k) != after.str(k));
            if moved {
                if let Some(assoc) = before.str("association_id") {
                    this.disassociate(&assoc).await?;
                }
                this.associate(&id, &after).await?;
            }
            tags::update_ec2(&this.aws, &id, &before, &after).await?;
            bulk::finished(&this, after, &id).await
        })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move {
            let id = Obj::of(&prior).id()?;
            let Some(a) = bulk::by_ids(&this, std::slice::from_ref(&id))
                .await?
                .into_iter()
                .next()
            else {
                return Ok(());
            };
            // An address infra associated with an instance or interface is let go first. One
            // a NAT gateway holds cannot be disassociated (AWS answers AuthFailure for the
            // service's interface): it frees up when the gateway is deleted, which the release
            // below waits for.
            if let Some(assoc) = a.association_id() {
                match this.disassociate(assoc).await {
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
                        this.aws
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
// aws_nat_gateway

#[derive(Clone)]
pub struct NatGateway {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
}

impl NatGateway {
    fn new(aws: &Arc<Aws>) -> NatGateway {
        let mut attrs = vec![
            ("id", AttrSchema::computed(Type::String)),
            (
                "allocation_id",
                AttrSchema::optional(Type::String).force_new(),
            ),
            ("subnet_id", AttrSchema::required(Type::String).force_new()),
            (
                "connectivity_type",
                AttrSchema::optional(Type::String)
                    .default(s("public"))
                    .force_new(),
            ),
            (
                "private_ip",
                AttrSchema::optional_computed(Type::String).force_new(),
            ),
            ("public_ip", AttrSchema::computed(Type::String)),
            ("network_interface_id", AttrSchema::computed(Type::String)),
            ("association_id", AttrSchema::computed(Type::String)),
        ];
        attrs.extend(tags::schema_attrs());
        NatGateway {
            aws: aws.clone(),
            schema: Arc::new(Schema::new(attrs)),
        }
    }

    /// The gateway's state as DescribeNatGateways says it (`None` once it is not listed).
    async fn state(&self, id: &str) -> ProviderResult<Option<aws_sdk_ec2::types::NatGateway>> {
        Ok(bulk::by_ids(self, &[id.to_string()])
            .await?
            .into_iter()
            .next())
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
    type Item = aws_sdk_ec2::types::NatGateway;
    const ID_FILTER: &'static str = "nat-gateway-id";
    const DESCRIBE: &'static str = "describe";
    const NOT_FOUND: &'static str = "NatGatewayNotFound";

    fn item_id(item: &Self::Item) -> String {
        item.nat_gateway_id().unwrap_or_default().to_string()
    }

    fn item_tags(item: &Self::Item) -> Tags {
        tags::from_ec2(item.tags())
    }

    fn describe(&self, filters: Vec<Filter>) -> BoxFuture<ProviderResult<Vec<Self::Item>>> {
        let ec2 = self.aws.ec2.clone();
        Box::pin(async move {
            ec2.describe_nat_gateways()
                .set_filter(Some(filters))
                .max_results(1000)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(err("ec2:DescribeNatGateways"))
        })
    }

    fn value(&self, prior: Option<Obj>, g: Self::Item) -> BoxFuture<ProviderResult<Option<Value>>> {
        let this = self.clone();
        Box::pin(async move {
            // Deleted gateways stay listed for an hour; failed ones are deleted by AWS.
            if g.state()
                .is_some_and(|st| matches!(st.as_str(), "deleting" | "deleted" | "failed"))
            {
                return Ok(None);
            }
            let primary = g
                .nat_gateway_addresses()
                .iter()
                .find(|a| a.is_primary() == Some(true))
                .or_else(|| g.nat_gateway_addresses().first());
            let mut o = prior.unwrap_or_default();
            o.set("id", s(Self::item_id(&g)))
                .set("subnet_id", opt_s(g.subnet_id()))
                .set(
                    "connectivity_type",
                    s(g.connectivity_type().map_or("public", |c| c.as_str())),
                )
                .set(
                    "allocation_id",
                    opt_s(primary.and_then(|a| a.allocation_id())),
                )
                .set("public_ip", opt_s(primary.and_then(|a| a.public_ip())))
                .set("private_ip", opt_s(primary.and_then(|a| a.private_ip())))
                .set(
                    "network_interface_id",
                    opt_s(primary.and_then(|a| a.network_interface_id())),
                )
                .set(
                    "association_id",
                    opt_s(primary.and_then(|a| a.association_id())),
                );
            tags::set_read(&this.aws, &mut o, &Self::item_tags(&g));
            Ok(Some(o.finish(&this.schema)))
        })
    }
}

impl ResourceType for NatGateway {
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
            let connectivity = p
                .str("connectivity_type")
                .unwrap_or_else(|| "public".into());
            if let Some(allocation) = p.str("allocation_id") {
                this.wait_for_release(&allocation).await?;
            }
            let out = this
                .aws
                .ec2
                .create_nat_gateway()
                .subnet_id(p.req("subnet_id")?)
                .set_allocation_id(p.str("allocation_id"))
                .connectivity_type(connectivity.as_str().into())
                .set_private_ip_address(p.str("private_ip"))
                .tag_specifications(tags::ec2_spec(Kind::Natgateway, &t))
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
                    let Some(g) = this.state(&id).await? else {
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
            this.value(Some(p), ready).await?.ok_or_else(|| {
                ProviderError::new("ec2:DescribeNatGateways", format!("{id} vanished"))
            })
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let (before, after) = (Obj::of(&prior), Obj::of(&planned));
            let id = before.id()?;
            tags::update_ec2(&this.aws, &id, &before, &after).await?;
            bulk::finished(&this, after, &id).await
        })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move {
            let id = Obj::of(&prior).id()?;
            gone_is_ok(
                this.aws
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
                    let done = match this.state(&id).await? {
                        None => true,
                        Some(g) => g.state().is_some_and(|st| st.as_str() == "deleted"),
                    };
                    Ok(done.then_some(()))
                },
            )
            .await?;
            this.release_addresses(&Obj::of(&prior)).await
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
// Routes: shared by aws_route_table's inline `route` blocks and aws_route.

/// Where a route sends traffic, by Terraform's attribute names.
const TARGETS: &[&str] = &[
    "carrier_gateway_id",
    "core_network_arn",
    "egress_only_gateway_id",
    "gateway_id",
    "local_gateway_id",
    "nat_gateway_id",
    "network_interface_id",
    "transit_gateway_id",
    "vpc_endpoint_id",
    "vpc_peering_connection_id",
];

/// Sets a CreateRoute or ReplaceRoute request's target from Terraform's attributes.
macro_rules! with_targets {
    ($req:expr, $o:expr) => {{
        let o: &Obj = $o;
        $req.set_carrier_gateway_id(o.str("carrier_gateway_id"))
            .set_core_network_arn(o.str("core_network_arn"))
            .set_egress_only_internet_gateway_id(o.str("egress_only_gateway_id"))
            .set_gateway_id(o.str("gateway_id"))
            .set_local_gateway_id(o.str("local_gateway_id"))
            .set_nat_gateway_id(o.str("nat_gateway_id"))
            .set_network_interface_id(o.str("network_interface_id"))
            .set_transit_gateway_id(o.str("transit_gateway_id"))
            .set_vpc_endpoint_id(o.str("vpc_endpoint_id"))
            .set_vpc_peering_connection_id(o.str("vpc_peering_connection_id"))
    }};
}

/// Sets a route request's destination.
macro_rules! with_destination {
    ($req:expr, $d:expr) => {{
        let d: &Destination = $d;
        $req.set_destination_cidr_block(d.v4())
            .set_destination_ipv6_cidr_block(d.v6())
            .set_destination_prefix_list_id(d.prefix_list())
    }};
}

/// What identifies a route within its table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Destination {
    V4(String),
    V6(String),
    PrefixList(String),
}

impl Destination {
    /// From attribute names: the route block's (`cidr_block`) or aws_route's
    /// (`destination_cidr_block`).
    fn of(o: &Obj, v4: &str, v6: &str) -> Option<Destination> {
        o.str(v4)
            .map(Destination::V4)
            .or_else(|| o.str(v6).map(Destination::V6))
            .or_else(|| {
                o.str("destination_prefix_list_id")
                    .map(Destination::PrefixList)
            })
    }

    fn of_route(r: &aws_sdk_ec2::types::Route) -> Option<Destination> {
        r.destination_cidr_block()
            .map(|c| Destination::V4(c.into()))
            .or_else(|| {
                r.destination_ipv6_cidr_block()
                    .map(|c| Destination::V6(c.into()))
            })
            .or_else(|| {
                r.destination_prefix_list_id()
                    .map(|p| Destination::PrefixList(p.into()))
            })
    }

    /// Terraform's import syntax after the `_`: a CIDR, an IPv6 CIDR or a prefix list id.
    fn parse(s: &str) -> Destination {
        if s.starts_with("pl-") {
            Destination::PrefixList(s.into())
        } else if s.contains(':') {
            Destination::V6(s.into())
        } else {
            Destination::V4(s.into())
        }
    }

    fn text(&self) -> &str {
        match self {
            Destination::V4(x) | Destination::V6(x) | Destination::PrefixList(x) => x,
        }
    }

    fn v4(&self) -> Option<String> {
        matches!(self, Destination::V4(_)).then(|| self.text().to_string())
    }

    fn v6(&self) -> Option<String> {
        matches!(self, Destination::V6(_)).then(|| self.text().to_string())
    }

    fn prefix_list(&self) -> Option<String> {
        matches!(self, Destination::PrefixList(_)).then(|| self.text().to_string())
    }
}

/// A route's targets by Terraform's names. AWS reports gateway VPC endpoints as gateway ids;
/// Terraform shows them as `vpc_endpoint_id`.
fn targets_of(r: &aws_sdk_ec2::types::Route) -> Obj {
    let (gateway, endpoint) = match r.gateway_id() {
        Some(g) if g.starts_with("vpce-") => (None, r.gateway_id()),
        g => (g, None),
    };
    let mut o = Obj::default();
    o.set("carrier_gateway_id", opt_s(r.carrier_gateway_id()))
        .set("core_network_arn", opt_s(r.core_network_arn()))
        .set(
            "egress_only_gateway_id",
            opt_s(r.egress_only_internet_gateway_id()),
        )
        .set("gateway_id", opt_s(gateway))
        .set("local_gateway_id", opt_s(r.local_gateway_id()))
        .set("nat_gateway_id", opt_s(r.nat_gateway_id()))
        .set("network_interface_id", opt_s(r.network_interface_id()))
        .set("transit_gateway_id", opt_s(r.transit_gateway_id()))
        .set("vpc_endpoint_id", opt_s(endpoint))
        .set(
            "vpc_peering_connection_id",
            opt_s(r.vpc_peering_connection_id()),
        );
    o
}

/// Whether a route sends traffic where `want` says (the targets it sets; an interface AWS
/// adds for an instance target does not count against it).
fn same_targets(want: &Obj, have: &Obj) -> bool {
    TARGETS.iter().all(|k| match want.str(k) {
        Some(v) => have.str(k).as_deref() == Some(v.as_str()),
        None => *k == "network_interface_id" || have.str(k).is_none(),
    })
}

pub(super) async fn describe_route_tables(
    aws: &Aws,
    filters: Vec<Filter>,
) -> ProviderResult<Vec<aws_sdk_ec2::types::RouteTable>> {
    aws.ec2
        .describe_route_tables()
        .set_filters(Some(filters))
        .max_results(100)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(err("ec2:DescribeRouteTables"))
}

/// Route tables by id, in chunks a filter takes; missing ones are absent.
async fn route_tables_by_id(
    aws: &Aws,
    ids: &[String],
) -> ProviderResult<BTreeMap<String, aws_sdk_ec2::types::RouteTable>> {
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(200) {
        for t in describe_route_tables(aws, vec![filter("route-table-id", chunk.to_vec())]).await? {
            out.insert(t.route_table_id().unwrap_or_default().to_string(), t);
        }
    }
    Ok(out)
}

async fn create_route(
    aws: &Aws,
    table: &str,
    dest: &Destination,
    targets: &Obj,
) -> ProviderResult<()> {
    let req = aws.ec2.create_route().route_table_id(table);
    with_targets!(with_destination!(req, dest), targets)
        .send()
        .await
        .map_err(err("ec2:CreateRoute"))?;
    Ok(())
}

async fn replace_route(
    aws: &Aws,
    table: &str,
    dest: &Destination,
    targets: &Obj,
) -> ProviderResult<()> {
    let req = aws.ec2.replace_route().route_table_id(table);
    with_targets!(with_destination!(req, dest), targets)
        .send()
        .await
        .map_err(err("ec2:ReplaceRoute"))?;
    Ok(())
}

async fn delete_route(aws: &Aws, table: &str, dest: &Destination) -> ProviderResult<()> {
    let req = aws.ec2.delete_route().route_table_id(table);
    gone_is_ok(
        with_destination!(req, dest)
            .send()
            .await
            .map_err(err("ec2:DeleteRoute")),
    )
}

// ---------------------------------------------------------------------------------------------
// aws_route_table

/// The attributes of one inline `route` block.
const ROUTE_BLOCK: &[&str] = &[
    "cidr_block",
    "ipv6_cidr_block",
    "destination_prefix_list_id",
    "carrier_gateway_id",
    "core_network_arn",
    "egress_only_gateway_id",
    "gateway_id",
    "local_gateway_id",
    "nat_gateway_id",
    "network_interface_id",
    "transit_gateway_id",
    "vpc_endpoint_id",
    "vpc_peering_connection_id",
];

pub(super) fn route_block_attrs() -> Vec<(&'static str, Type)> {
    ROUTE_BLOCK.iter().map(|k| (*k, Type::String)).collect()
}

fn block_destination(o: &Obj) -> Option<Destination> {
    Destination::of(o, "cidr_block", "ipv6_cidr_block")
}

#[derive(Clone)]
pub struct RouteTable {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
    route_type: Type,
}

impl RouteTable {
    fn new(aws: &Arc<Aws>) -> RouteTable {
        let mut attrs = vec![
            ("id", AttrSchema::computed(Type::String)),
            ("arn", AttrSchema::computed(Type::String)),
            ("owner_id", AttrSchema::computed(Type::String)),
            ("vpc_id", AttrSchema::required(Type::String).force_new()),
            // Unset: whatever routes the table has are left alone; set (even to []): the
            // table holds exactly these.
            (
                "route",
                AttrSchema::optional_computed(block_list(&route_block_attrs())).attribute_mode(),
            ),
            (
                "propagating_vgws",
                AttrSchema::optional_computed(Type::Set(Box::new(Type::String))),
            ),
        ];
        attrs.extend(tags::schema_attrs());
        RouteTable {
            aws: aws.clone(),
            schema: Arc::new(Schema::new(attrs)),
            route_type: block_object(&route_block_attrs()),
        }
    }
}

/// Brings a table's routes from `before` to `after` (both route blocks).
pub(super) async fn sync_routes(
    aws: &Aws,
    id: &str,
    before: &[Obj],
    after: &[Obj],
) -> ProviderResult<()> {
    let keyed = |rs: &[Obj]| -> BTreeMap<Destination, Obj> {
        rs.iter()
            .filter_map(|r| Some((block_destination(r)?, r.clone())))
            .collect()
    };
    let (old, new) = (keyed(before), keyed(after));
    for dest in old.keys().filter(|d| !new.contains_key(*d)) {
        delete_route(aws, id, dest).await?;
    }
    for (dest, want) in &new {
        match old.get(dest) {
            None => create_route(aws, id, dest, want).await?,
            Some(had) if !same_targets(want, had) => replace_route(aws, id, dest, want).await?,
            Some(_) => {}
        }
    }
    Ok(())
}

/// Turns route propagation from the virtual private gateways in `before` to those in `after`.
pub(super) async fn sync_propagation(
    aws: &Aws,
    id: &str,
    before: &BTreeSet<String>,
    after: &BTreeSet<String>,
) -> ProviderResult<()> {
    for vgw in before.difference(after) {
        gone_is_ok(
            aws.ec2
                .disable_vgw_route_propagation()
                .route_table_id(id)
                .gateway_id(vgw)
                .send()
                .await
                .map_err(err("ec2:DisableVgwRoutePropagation")),
        )?;
    }
    for vgw in after.difference(before) {
        aws.ec2
            .enable_vgw_route_propagation()
            .route_table_id(id)
            .gateway_id(vgw)
            .send()
            .await
            .map_err(err("ec2:EnableVgwRoutePropagation"))?;
    }
    Ok(())
}

/// Routes in the order the prior value lists them (so reading does not reorder the list),
/// new ones after, by destination.
fn in_prior_order(prior: &[Obj], mut current: Vec<(Destination, Obj)>) -> Vec<Obj> {
    let mut out = Vec::with_capacity(current.len());
    for p in prior {
        if let Some(d) = block_destination(p)
            && let Some(i) = current.iter().position(|(c, _)| *c == d)
        {
            out.push(current.remove(i).1);
        }
    }
    current.sort_by(|a, b| a.0.cmp(&b.0));
    out.extend(current.into_iter().map(|(_, o)| o));
    out
}

impl Ec2Bulk for RouteTable {
    type Item = aws_sdk_ec2::types::RouteTable;
    const ID_FILTER: &'static str = "route-table-id";
    const DESCRIBE: &'static str = "describe";
    const NOT_FOUND: &'static str = "InvalidRouteTableID.NotFound";

    fn item_id(item: &Self::Item) -> String {
        item.route_table_id().unwrap_or_default().to_string()
    }

    fn item_tags(item: &Self::Item) -> Tags {
        tags::from_ec2(item.tags())
    }

    fn describe(&self, filters: Vec<Filter>) -> BoxFuture<ProviderResult<Vec<Self::Item>>> {
        let aws = self.aws.clone();
        Box::pin(async move { describe_route_tables(&aws, filters).await })
    }

    fn value(&self, prior: Option<Obj>, t: Self::Item) -> BoxFuture<ProviderResult<Option<Value>>> {
        let this = self.clone();
        Box::pin(async move {
            let mut o = prior.unwrap_or_default();
            read_table(&this.aws, &this.route_type, &mut o, &t);
            Ok(Some(o.finish(&this.schema)))
        })
    }
}

/// Sets what a route table read says (the routes in the order `o`, the prior, lists them).
pub(super) fn read_table(
    aws: &Aws,
    route_type: &Type,
    o: &mut Obj,
    t: &aws_sdk_ec2::types::RouteTable,
) {
    let id = t.route_table_id().unwrap_or_default();
    let owner = t.owner_id().unwrap_or_default();
    // Only routes someone created count: not the local route, not propagated ones.
    let current: Vec<(Destination, Obj)> = t
        .routes()
        .iter()
        .filter(|r| r.origin().is_some_and(|o| o.as_str() == "CreateRoute"))
        .filter(|r| r.gateway_id() != Some("local"))
        .filter_map(|r| {
            let dest = Destination::of_route(r)?;
            let mut o = targets_of(r);
            o.set("cidr_block", opt_s(dest.v4()))
                .set("ipv6_cidr_block", opt_s(dest.v6()))
                .set("destination_prefix_list_id", opt_s(dest.prefix_list()));
            Some((dest, o))
        })
        .collect();
    let routes = in_prior_order(&o.blocks("route"), current);
    o.set("id", s(id))
        .set(
            "arn",
            s(format!(
                "arn:aws:ec2:{}:{owner}:route-table/{id}",
                aws.region
            )),
        )
        .set("owner_id", s(owner))
        .set("vpc_id", opt_s(t.vpc_id()))
        .set("route", blocks(route_type, routes))
        .set(
            "propagating_vgws",
            set_s(t.propagating_vgws().iter().filter_map(|v| v.gateway_id())),
        );
    tags::set_read(aws, o, &tags::from_ec2(t.tags()));
}

impl ResourceType for RouteTable {
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
            let out = this
                .aws
                .ec2
                .create_route_table()
                .vpc_id(p.req("vpc_id")?)
                .tag_specifications(tags::ec2_spec(Kind::RouteTable, &t))
                .send()
                .await
                .map_err(err("ec2:CreateRouteTable"))?;
            let id = out
                .route_table()
                .and_then(|t| t.route_table_id())
                .unwrap_or_default()
                .to_string();
            bulk::described(&this, &id).await?;
            let vgws: BTreeSet<String> = p.strs("propagating_vgws").into_iter().collect();
            sync_propagation(&this.aws, &id, &BTreeSet::new(), &vgws).await?;
            sync_routes(&this.aws, &id, &[], &p.blocks("route")).await?;
            bulk::finished(&this, p, &id).await
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let (before, after) = (Obj::of(&prior), Obj::of(&planned));
            let id = before.id()?;
            let vgws =
                |o: &Obj| -> BTreeSet<String> { o.strs("propagating_vgws").into_iter().collect() };
            sync_propagation(&this.aws, &id, &vgws(&before), &vgws(&after)).await?;
            sync_routes(
                &this.aws,
                &id,
                &before.blocks("route"),
                &after.blocks("route"),
            )
            .await?;
            tags::update_ec2(&this.aws, &id, &before, &after).await?;
            bulk::finished(&this, after, &id).await
        })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move {
            let id = Obj::of(&prior).id()?;
            let Some(t) = bulk::by_ids(&this, std::slice::from_ref(&id))
                .await?
                .into_iter()
                .next()
            else {
                return Ok(());
            };
            // A table with subnets or gateways associated cannot be deleted; as Terraform
            // does, let them go (they fall back to the main table).
            for a in t.associations().iter().filter(|a| a.main() != Some(true)) {
                if let Some(assoc) = a.route_table_association_id() {
                    disassociate(&this.aws, assoc).await?;
                }
            }
            delete_when_released(|| async {
                this.aws
                    .ec2
                    .delete_route_table()
                    .route_table_id(&id)
                    .send()
                    .await
                    .map_err(err("ec2:DeleteRouteTable"))
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

// ---------------------------------------------------------------------------------------------
// aws_route

#[derive(Clone)]
pub struct Route {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
}

/// The id Terraform gives a route: `r-<table id><hashcode of the destination>`.
fn route_id(table: &str, dest: &Destination) -> String {
    format!("r-{table}{}", crc32(dest.text().as_bytes()))
}

fn route_destination(o: &Obj) -> Option<Destination> {
    Destination::of(o, "destination_cidr_block", "destination_ipv6_cidr_block")
}

impl Route {
    fn new(aws: &Arc<Aws>) -> Route {
        let mut attrs = vec![
            ("id", AttrSchema::computed(Type::String)),
            (
                "route_table_id",
                AttrSchema::required(Type::String).force_new(),
            ),
            (
                "destination_cidr_block",
                AttrSchema::optional(Type::String).force_new(),
            ),
            (
                "destination_ipv6_cidr_block",
                AttrSchema::optional(Type::String).force_new(),
            ),
            (
                "destination_prefix_list_id",
                AttrSchema::optional(Type::String).force_new(),
            ),
            ("instance_id", AttrSchema::computed(Type::String)),
            ("instance_owner_id", AttrSchema::computed(Type::String)),
            ("origin", AttrSchema::computed(Type::String)),
            ("state", AttrSchema::computed(Type::String)),
        ];
        for t in TARGETS {
            // An instance target shows its interface: computed when not configured.
            attrs.push(if *t == "network_interface_id" {
                (*t, AttrSchema::optional_computed(Type::String))
            } else {
                (*t, AttrSchema::optional(Type::String))
            });
        }
        Route {
            aws: aws.clone(),
            schema: Arc::new(Schema::new(attrs)),
        }
    }

    fn value(
        &self,
        prior: Option<Obj>,
        table: &str,
        r: &aws_sdk_ec2::types::Route,
    ) -> Option<Value> {
        let dest = Destination::of_route(r)?;
        let mut o = prior.unwrap_or_default();
        for (k, v) in targets_of(r).0 {
            o.set(&k, v);
        }
        o.set("id", s(route_id(table, &dest)))
            .set("route_table_id", s(table))
            .set("destination_cidr_block", opt_s(dest.v4()))
            .set("destination_ipv6_cidr_block", opt_s(dest.v6()))
            .set("destination_prefix_list_id", opt_s(dest.prefix_list()))
            .set("instance_id", opt_s(r.instance_id()))
            .set("instance_owner_id", opt_s(r.instance_owner_id()))
            .set("origin", opt_s(r.origin().map(|x| x.as_str())))
            .set("state", opt_s(r.state().map(|x| x.as_str())));
        Some(o.finish(&self.schema))
    }

    /// The route to `dest` in `table` as it is now, if both exist.
    async fn find(
        &self,
        table: &str,
        dest: &Destination,
    ) -> ProviderResult<Option<aws_sdk_ec2::types::Route>> {
        let tables = route_tables_by_id(&self.aws, &[table.to_string()]).await?;
        Ok(tables.get(table).and_then(|t| {
            t.routes()
                .iter()
                .find(|r| Destination::of_route(r).as_ref() == Some(dest))
                .cloned()
        }))
    }

    /// Reads back a route just written, waiting for it to become visible.
    async fn read_back(&self, p: Obj, table: &str, dest: &Destination) -> ProviderResult<Value> {
        let r = retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || async {
                self.find(table, dest).await?.ok_or_else(|| {
                    not_found(
                        "ec2:DescribeRouteTables",
                        dest.text(),
                        "InvalidRoute.NotFound",
                    )
                })
            },
        )
        .await?;
        self.value(Some(p), table, &r).ok_or_else(|| {
            ProviderError::new("ec2:DescribeRouteTables", "route has no destination")
        })
    }
}

fn route_parts(o: &Obj) -> ProviderResult<(String, Destination)> {
    let table = o.req("route_table_id")?;
    let dest = route_destination(o).ok_or_else(|| {
        ProviderError::new(
            "plan",
            "one of destination_cidr_block, destination_ipv6_cidr_block or destination_prefix_list_id is required",
        )
    })?;
    Ok((table, dest))
}

impl ResourceType for Route {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &str {
        &self.aws.address
    }

    fn create(&self, _ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            let (table, dest) = route_parts(&p)?;
            let created = retry_while(
                EVENTUAL_CONSISTENCY,
                |e| e.is_not_found(),
                || create_route(&this.aws, &table, &dest, &p),
            )
            .await;
            match created {
                // Adopt the route an earlier, interrupted apply made; refuse someone else's.
                Err(e) if e.already_exists() => {
                    let existing = this.find(&table, &dest).await?;
                    if !existing.is_some_and(|r| same_targets(&p, &targets_of(&r))) {
                        return Err(e);
                    }
                }
                r => r?,
            }
            this.read_back(p, &table, &dest).await
        })
    }

    fn update(&self, _prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            let (table, dest) = route_parts(&p)?;
            replace_route(&this.aws, &table, &dest, &p).await?;
            this.read_back(p, &table, &dest).await
        })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move {
            let (table, dest) = route_parts(&Obj::of(&prior))?;
            delete_route(&this.aws, &table, &dest).await
        })
    }

    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&prior);
            let (table, dest) = route_parts(&p)?;
            Ok(this
                .find(&table, &dest)
                .await?
                .and_then(|r| this.value(Some(p), &table, &r)))
        })
    }

    /// One DescribeRouteTables for all the routes of the batch.
    fn refresh(&self, batch: RefreshBatch) -> BoxFuture<ProviderResult<Refreshed>> {
        let this = self.clone();
        Box::pin(async move {
            let priors: Vec<Obj> = batch.priors.iter().map(Obj::of).collect();
            let parts: Vec<(String, Destination)> =
                priors.iter().map(route_parts).collect::<Result<_, _>>()?;
            let ids: BTreeSet<String> = parts.iter().map(|(t, _)| t.clone()).collect();
            let ids: Vec<String> = ids.into_iter().collect();
            let tables = route_tables_by_id(&this.aws, &ids).await?;
            let current = priors
                .into_iter()
                .zip(parts)
                .map(|(p, (table, dest))| {
                    let r = tables
                        .get(&table)?
                        .routes()
                        .iter()
                        .find(|r| Destination::of_route(r).as_ref() == Some(&dest))?;
                    this.value(Some(p), &table, r)
                })
                .collect();
            Ok(Refreshed {
                current,
                found: Vec::new(),
            })
        })
    }

    /// `<route table id>_<destination>`, as Terraform imports routes.
    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        let id = id.to_string();
        Box::pin(async move {
            let (table, dest) = id.split_once('_').ok_or_else(|| {
                ProviderError::new(
                    "import",
                    format!("{id:?}: expected ROUTETABLEID_DESTINATION (rtb-1234_10.0.0.0/16)"),
                )
            })?;
            let dest = Destination::parse(dest);
            let r = this.find(table, &dest).await?.ok_or_else(|| {
                ProviderError::new("import", format!("no route to {} in {table}", dest.text()))
            })?;
            this.value(None, table, &r)
                .ok_or_else(|| ProviderError::new("import", "route has no destination"))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// aws_route_table_association

#[derive(Clone)]
pub struct RouteTableAssociation {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
}

async fn disassociate(aws: &Aws, association_id: &str) -> ProviderResult<()> {
    gone_is_ok(
        aws.ec2
            .disassociate_route_table()
            .association_id(association_id)
            .send()
            .await
            .map_err(err("ec2:DisassociateRouteTable")),
    )
}

fn is_live(a: &aws_sdk_ec2::types::RouteTableAssociation) -> bool {
    !a.association_state()
        .and_then(|st| st.state())
        .is_some_and(|st| matches!(st.as_str(), "disassociated" | "disassociating" | "failed"))
}

impl RouteTableAssociation {
    fn new(aws: &Arc<Aws>) -> RouteTableAssociation {
        RouteTableAssociation {
            aws: aws.clone(),
            schema: Arc::new(Schema::new([
                ("id", AttrSchema::computed(Type::String)),
                ("subnet_id", AttrSchema::optional(Type::String).force_new()),
                ("gateway_id", AttrSchema::optional(Type::String).force_new()),
                // Not force-new: an association moves to another table in place.
                ("route_table_id", AttrSchema::required(Type::String)),
            ])),
        }
    }

    fn value(&self, a: &aws_sdk_ec2::types::RouteTableAssociation) -> Value {
        let mut o = Obj::default();
        o.set("id", opt_s(a.route_table_association_id()))
            .set("subnet_id", opt_s(a.subnet_id()))
            .set("gateway_id", opt_s(a.gateway_id()))
            .set("route_table_id", opt_s(a.route_table_id()));
        o.finish(&self.schema)
    }

    /// Associations by id, one DescribeRouteTables per chunk of ids.
    async fn by_ids(
        &self,
        ids: &[String],
    ) -> ProviderResult<BTreeMap<String, aws_sdk_ec2::types::RouteTableAssociation>> {
        let mut out = BTreeMap::new();
        for chunk in ids.chunks(200) {
            let tables = describe_route_tables(
                &self.aws,
                vec![filter(
                    "association.route-table-association-id",
                    chunk.to_vec(),
                )],
            )
            .await?;
            for a in tables.iter().flat_map(|t| t.associations()) {
                if let Some(id) = a.route_table_association_id()
                    && chunk.iter().any(|c| c == id)
                    && is_live(a)
                {
                    out.insert(id.to_string(), a.clone());
                }
            }
        }
        Ok(out)
    }

    /// The live association of `table` with a subnet or gateway.
    async fn find(
        &self,
        table: &str,
        target: &str,
    ) -> ProviderResult<Option<aws_sdk_ec2::types::RouteTableAssociation>> {
        let tables = route_tables_by_id(&self.aws, &[table.to_string()]).await?;
        Ok(tables.get(table).and_then(|t| {
            t.associations()
                .iter()
                .find(|a| {
                    is_live(a) && (a.subnet_id() == Some(target) || a.gateway_id() == Some(target))
                })
                .cloned()
        }))
    }

    async fn read_back(&self, id: &str) -> ProviderResult<Value> {
        retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || async {
                self.by_ids(&[id.to_string()])
                    .await?
                    .remove(id)
                    .map(|a| self.value(&a))
                    .ok_or_else(|| {
                        not_found(
                            "ec2:DescribeRouteTables",
                            id,
                            "InvalidAssociationID.NotFound",
                        )
                    })
            },
        )
        .await
    }
}

impl ResourceType for RouteTableAssociation {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &str {
        &self.aws.address
    }

    fn create(&self, _ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let p = Obj::of(&planned);
            let table = p.req("route_table_id")?;
            let (subnet, gateway) = (p.str("subnet_id"), p.str("gateway_id"));
            let target = match (&subnet, &gateway) {
                (Some(t), None) | (None, Some(t)) => t.clone(),
                _ => {
                    return Err(ProviderError::new(
                        "plan",
                        "exactly one of subnet_id and gateway_id must be set",
                    ));
                }
            };
            // Adopt the association an interrupted apply made.
            if let Some(a) = this.find(&table, &target).await? {
                return Ok(this.value(&a));
            }
            let out = retry_while(
                EVENTUAL_CONSISTENCY,
                |e| e.is_not_found(),
                || async {
                    this.aws
                        .ec2
                        .associate_route_table()
                        .route_table_id(&table)
                        .set_subnet_id(subnet.clone())
                        .set_gateway_id(gateway.clone())
                        .send()
                        .await
                        .map_err(err("ec2:AssociateRouteTable"))
                },
            )
            .await?;
            this.read_back(out.association_id().unwrap_or_default())
                .await
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        Box::pin(async move {
            let id = Obj::of(&prior).id()?;
            let table = Obj::of(&planned).req("route_table_id")?;
            let out = this
                .aws
                .ec2
                .replace_route_table_association()
                .association_id(&id)
                .route_table_id(&table)
                .send()
                .await
                .map_err(err("ec2:ReplaceRouteTableAssociation"))?;
            // The association gets a new id.
            this.read_back(out.new_association_id().unwrap_or_default())
                .await
        })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let this = self.clone();
        Box::pin(async move { disassociate(&this.aws, &Obj::of(&prior).id()?).await })
    }

    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>> {
        let this = self.clone();
        Box::pin(async move {
            let id = Obj::of(&prior).id()?;
            Ok(this
                .by_ids(std::slice::from_ref(&id))
                .await?
                .remove(&id)
                .map(|a| this.value(&a)))
        })
    }

    /// One DescribeRouteTables for all the associations of the batch.
    fn refresh(&self, batch: RefreshBatch) -> BoxFuture<ProviderResult<Refreshed>> {
        let this = self.clone();
        Box::pin(async move {
            let ids: Vec<Option<String>> =
                batch.priors.iter().map(|p| Obj::of(p).str("id")).collect();
            let mut found = this
                .by_ids(&ids.iter().flatten().cloned().collect::<Vec<_>>())
                .await?;
            let current = ids
                .into_iter()
                .map(|id| found.remove(&id?).map(|a| this.value(&a)))
                .collect();
            Ok(Refreshed {
                current,
                found: Vec::new(),
            })
        })
    }

    /// `<subnet or gateway id>/<route table id>`, as Terraform imports associations.
    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>> {
        let this = self.clone();
        let id = id.to_string();
        Box::pin(async move {
            let (target, table) = id.split_once('/').ok_or_else(|| {
                ProviderError::new(
                    "import",
                    format!("{id:?}: expected SUBNETID/ROUTETABLEID or GATEWAYID/ROUTETABLEID"),
                )
            })?;
            let a = this.find(table, target).await?.ok_or_else(|| {
                ProviderError::new("import", format!("{target} is not associated with {table}"))
            })?;
            Ok(this.value(&a))
        })
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
