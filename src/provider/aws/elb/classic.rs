//! `aws_elb`: a classic load balancer.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, added_removed, b, blocks, n, opt_s, s, set_s};
use crate::provider::aws::elb::listeners::*;
use crate::provider::aws::elbv2::common::*;
use crate::provider::aws::sdk::{
    DEPENDENTS_DRAIN, EVENTUAL_CONSISTENCY, err, gone_is_ok, retry_while, wait_for,
};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::{self, Tags};
use crate::provider::schema::block_object;
use crate::provider::{AsyncResourceType, AttrSchema, CreateContext, ProviderResult};
use aws_sdk_elasticloadbalancing as elb;
use std::collections::HashMap;

/// What a classic load balancer reads from: its description, its attributes, and what takes
/// calls of their own (the account for the ARN, the source group's id).
pub struct Classic {
    lb: elb::types::LoadBalancerDescription,
    attributes: Option<elb::types::LoadBalancerAttributes>,
    account: String,
    source_group_id: Option<String>,
}

type Item = Described<Classic>;

fn draining(d: &Item) -> Option<&elb::types::ConnectionDraining> {
    d.item.attributes.as_ref()?.connection_draining()
}

/// The `health_check` block, as the balancer reports it.
fn health_check_read(d: &Item) -> Value {
    let checks = d.item.lb.health_check().map(|hc| {
        let mut o = Obj::default();
        o.set("target", s(hc.target()))
            .set("interval", n(hc.interval().into()))
            .set("timeout", n(hc.timeout().into()))
            .set("healthy_threshold", n(hc.healthy_threshold().into()))
            .set("unhealthy_threshold", n(hc.unhealthy_threshold().into()));
        o
    });
    blocks(&health_check_type(), checks.into_iter().collect())
}

/// Every attribute of `aws_elb`, and how it reads.
fn table() -> Table<Item> {
    use AttrSchema as A;
    let name = |d: &Item| opt_s(d.item.lb.load_balancer_name());
    elb_table()
        .attr("id", A::computed(Type::String), name)
        .attr_in_region("arn", A::computed(Type::String), |d, region| {
            s(format!(
                "arn:aws:elasticloadbalancing:{region}:{}:loadbalancer/{}",
                d.item.account,
                d.item.lb.load_balancer_name().unwrap_or_default()
            ))
        })
        .attr("dns_name", A::computed(Type::String), |d| {
            opt_s(d.item.lb.dns_name())
        })
        .attr("zone_id", A::computed(Type::String), |d| {
            opt_s(d.item.lb.canonical_hosted_zone_name_id())
        })
        .attr("source_security_group", A::computed(Type::String), |d| {
            opt_s(d.item.lb.source_security_group().and_then(|g| {
                let group = g.group_name()?;
                Some(match non_empty(g.owner_alias()) {
                    Some(owner) => format!("{owner}/{group}"),
                    None => group.to_string(),
                })
            }))
        })
        .attr("source_security_group_id", A::computed(Type::String), |d| {
            opt_s(d.item.source_group_id.as_deref())
        })
        .attr("name", A::optional_computed(Type::String).force_new(), name)
        .declared("name_prefix", A::optional(Type::String).force_new())
        .attr(
            "internal",
            A::optional(Type::Bool).default(b(false)).force_new(),
            |d| b(d.item.lb.scheme() == Some("internal")),
        )
        .attr("availability_zones", A::optional_computed(str_set()), |d| {
            set_s(d.item.lb.availability_zones())
        })
        .attr("subnets", A::optional_computed(str_set()), |d| {
            set_s(d.item.lb.subnets())
        })
        .attr("security_groups", A::optional_computed(str_set()), |d| {
            set_s(d.item.lb.security_groups())
        })
        .attr("instances", A::optional_computed(str_set()), |d| {
            set_s(d.item.lb.instances().iter().filter_map(|i| i.instance_id()))
        })
        .attr("listener", A::required(set_of(listener_type())), |d| {
            let described = d.item.lb.listener_descriptions().iter();
            listener_set(
                described
                    .filter_map(|l| l.listener())
                    .map(ListenerSpec::of_sdk),
            )
        })
        .attr(
            "health_check",
            A::optional_computed(Type::List(Box::new(health_check_type()))),
            health_check_read,
        )
        .attr(
            "cross_zone_load_balancing",
            A::optional(Type::Bool).default(b(true)),
            |d| {
                let a = d.item.attributes.as_ref();
                b(a.and_then(|a| a.cross_zone_load_balancing())
                    .is_some_and(|c| c.enabled()))
            },
        )
        .attr(
            "idle_timeout",
            A::optional(Type::Number).default(n(60)),
            |d| {
                let a = d.item.attributes.as_ref();
                let settings = a.and_then(|a| a.connection_settings());
                n(settings.map(|c| c.idle_timeout()).unwrap_or(60).into())
            },
        )
        .attr(
            "connection_draining",
            A::optional(Type::Bool).default(b(false)),
            |d| b(draining(d).is_some_and(|d| d.enabled())),
        )
        .attr(
            "connection_draining_timeout",
            A::optional(Type::Number).default(n(300)),
            |d| n(draining(d).and_then(|d| d.timeout()).unwrap_or(300).into()),
        )
        .attr_with_prior(
            "access_logs",
            A::optional(Type::List(Box::new(access_logs_type()))),
            |d, prior| {
                let log = d.item.attributes.as_ref()?.access_log()?;
                let enabled = log.enabled();
                // Logging off and never configured reads as no block.
                if !enabled && log.s3_bucket_name().is_none() {
                    return Some(Value::Null(Type::List(Box::new(access_logs_type()))));
                }
                let mut o = Obj::default();
                o.set("bucket", opt_s(log.s3_bucket_name()))
                    .set("bucket_prefix", opt_s(log.s3_bucket_prefix()))
                    .set("interval", n(log.emit_interval().unwrap_or(60).into()))
                    .set("enabled", b(enabled));
                Some(crate::provider::aws::launch::read_blocks(
                    prior,
                    "access_logs",
                    &access_logs_type(),
                    vec![o],
                ))
            },
        )
        .attr_if_answered(
            "desync_mitigation_mode",
            A::optional(Type::String).default(s("defensive")),
            |d| {
                let extra = d.item.attributes.as_ref()?.additional_attributes();
                extra
                    .iter()
                    .find(|a| a.key() == Some(DESYNC))
                    .and_then(|a| a.value())
                    .map(s)
            },
        )
}

/// The additional attribute `desync_mitigation_mode` is.
const DESYNC: &str = "elb.http.desyncmitigationmode";

/// `access_logs { bucket, bucket_prefix, interval, enabled }`.
fn access_logs_type() -> Type {
    block_object(&[
        ("bucket", Type::String),
        ("bucket_prefix", Type::String),
        ("interval", Type::Number),
        ("enabled", Type::Bool),
    ])
}

crate::provider::aws::table::table_type!(ClassicLoadBalancer, Item);

impl ClassicLoadBalancer {
    /// Cross-zone balancing, idle timeout and connection draining, as configured (or their
    /// defaults): set after every create, since the API's own defaults differ from Terraform's.
    async fn modify_attributes(&self, name: &str, p: &Obj) -> ProviderResult<()> {
        let settings = built(
            "elb:ConnectionSettings",
            elb::types::ConnectionSettings::builder()
                .idle_timeout(p.i32("idle_timeout").unwrap_or(60))
                .build(),
        )?;
        let attributes = elb::types::LoadBalancerAttributes::builder()
            .cross_zone_load_balancing(
                elb::types::CrossZoneLoadBalancing::builder()
                    .enabled(p.bool("cross_zone_load_balancing").unwrap_or(true))
                    .build(),
            )
            .connection_draining(
                elb::types::ConnectionDraining::builder()
                    .enabled(p.bool("connection_draining").unwrap_or(false))
                    .timeout(p.i32("connection_draining_timeout").unwrap_or(300))
                    .build(),
            )
            .connection_settings(settings)
            .set_access_log(match p.block("access_logs") {
                Some(l) => Some(
                    elb::types::AccessLog::builder()
                        .enabled(l.bool("enabled").unwrap_or(true))
                        .set_s3_bucket_name(l.str("bucket"))
                        .set_s3_bucket_prefix(l.str("bucket_prefix"))
                        .emit_interval(l.i32("interval").unwrap_or(60))
                        .build(),
                ),
                // No block: logging off (AWS keeps the last setting otherwise).
                None => Some(elb::types::AccessLog::builder().enabled(false).build()),
            })
            .additional_attributes(
                elb::types::AdditionalAttribute::builder()
                    .key(DESYNC)
                    .value(
                        p.str("desync_mitigation_mode")
                            .unwrap_or("defensive".into()),
                    )
                    .build(),
            )
            .build();
        self.aws
            .elb
            .modify_load_balancer_attributes()
            .load_balancer_name(name)
            .load_balancer_attributes(attributes)
            .send()
            .await
            .map_err(err("elb:ModifyLoadBalancerAttributes"))?;
        Ok(())
    }

    async fn configure_health_check(&self, name: &str, hc: &Obj) -> ProviderResult<()> {
        let check = built(
            "elb:HealthCheck",
            elb::types::HealthCheck::builder()
                .set_target(hc.str("target"))
                .set_interval(hc.i32("interval"))
                .set_timeout(hc.i32("timeout"))
                .set_healthy_threshold(hc.i32("healthy_threshold"))
                .set_unhealthy_threshold(hc.i32("unhealthy_threshold"))
                .build(),
        )?;
        self.aws
            .elb
            .configure_health_check()
            .load_balancer_name(name)
            .health_check(check)
            .send()
            .await
            .map_err(err("elb:ConfigureHealthCheck"))?;
        Ok(())
    }

    fn instances(ids: &[String]) -> Vec<elb::types::Instance> {
        ids.iter()
            .map(|id| elb::types::Instance::builder().instance_id(id).build())
            .collect()
    }

    async fn register(&self, name: &str, ids: &[String]) -> ProviderResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        self.aws
            .elb
            .register_instances_with_load_balancer()
            .load_balancer_name(name)
            .set_instances(Some(Self::instances(ids)))
            .send()
            .await
            .map_err(err("elb:RegisterInstancesWithLoadBalancer"))?;
        Ok(())
    }

    async fn deregister(&self, name: &str, ids: &[String]) -> ProviderResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        self.aws
            .elb
            .deregister_instances_from_load_balancer()
            .load_balancer_name(name)
            .set_instances(Some(Self::instances(ids)))
            .send()
            .await
            .map_err(err("elb:DeregisterInstancesFromLoadBalancer"))?;
        Ok(())
    }

    /// Adds listeners. A certificate uploaded to IAM moments ago may not be visible to ELB yet,
    /// so CertificateNotFound is retried for a while, as Terraform does.
    async fn create_listeners(
        &self,
        name: &str,
        listeners: Vec<elb::types::Listener>,
    ) -> ProviderResult<()> {
        retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is("CertificateNotFound"),
            || async {
                self.aws
                    .elb
                    .create_load_balancer_listeners()
                    .load_balancer_name(name)
                    .set_listeners(Some(listeners.clone()))
                    .send()
                    .await
                    .map_err(err("elb:CreateLoadBalancerListeners"))
            },
        )
        .await?;
        Ok(())
    }

    /// Brings the listener set from `before` to `after`: the removed ones go first, since a
    /// changed listener keeps its port and a port takes one listener.
    async fn update_listeners(&self, name: &str, before: &Obj, after: &Obj) -> ProviderResult<()> {
        let (old, new) = (listener_specs(before), listener_specs(after));
        let removed: Vec<i32> = old.difference(&new).map(|l| l.lb_port).collect();
        let added = new
            .difference(&old)
            .map(ListenerSpec::sdk)
            .collect::<ProviderResult<Vec<_>>>()?;
        if !removed.is_empty() {
            self.aws
                .elb
                .delete_load_balancer_listeners()
                .load_balancer_name(name)
                .set_load_balancer_ports(Some(removed))
                .send()
                .await
                .map_err(err("elb:DeleteLoadBalancerListeners"))?;
        }
        if !added.is_empty() {
            self.create_listeners(name, added).await?;
        }
        Ok(())
    }

    async fn update_tags(&self, name: &str, before: &Obj, after: &Obj) -> ProviderResult<()> {
        let elb = &self.aws.elb;
        let set = |t: Tags| {
            crate::provider::aws::sdk::sent!(
                elb.add_tags()
                    .load_balancer_names(name)
                    .set_tags(tag_list(&t)),
                "elb:AddTags"
            )
        };
        let remove = |keys: Vec<String>| {
            let keys = keys
                .iter()
                .map(|k| elb::types::TagKeyOnly::builder().key(k).build());
            crate::provider::aws::sdk::sent!(
                elb.remove_tags()
                    .load_balancer_names(name)
                    .set_tags(Some(keys.collect())),
                "elb:RemoveTags"
            )
        };
        tags::sync(&self.aws, before, after, set, remove).await
    }

    /// The id of the source security group, which the API names but does not identify.
    async fn source_group_id(
        &self,
        lb: &elb::types::LoadBalancerDescription,
    ) -> ProviderResult<Option<String>> {
        let (Some(group), Some(vpc)) = (lb.source_security_group(), lb.vpc_id()) else {
            return Ok(None);
        };
        let Some(group_name) = group.group_name() else {
            return Ok(None);
        };
        let filter = |k: &str, v: &str| {
            aws_sdk_ec2::types::Filter::builder()
                .name(k)
                .values(v)
                .build()
        };
        let mut req = self
            .aws
            .ec2
            .describe_security_groups()
            .filters(filter("group-name", group_name))
            .filters(filter("vpc-id", vpc));
        if let Some(owner) = non_empty(group.owner_alias()) {
            req = req.filters(filter("owner-id", owner));
        }
        let got = req
            .send()
            .await
            .map_err(err("ec2:DescribeSecurityGroups"))?;
        Ok(got
            .security_groups()
            .first()
            .and_then(|g| g.group_id())
            .map(str::to_string))
    }

    /// Waits until the network interfaces AWS made for the load balancer are gone: until then
    /// its subnets and security groups are still in use.
    async fn wait_interfaces_gone(&self, name: &str) -> ProviderResult<()> {
        let description = format!("ELB {name}");
        wait_for(
            &format!("the network interfaces of load balancer {name} to be released"),
            DEPENDENTS_DRAIN,
            || async {
                let got = self
                    .aws
                    .ec2
                    .describe_network_interfaces()
                    .filters(
                        aws_sdk_ec2::types::Filter::builder()
                            .name("description")
                            .values(&description)
                            .build(),
                    )
                    .send()
                    .await
                    .map_err(err("ec2:DescribeNetworkInterfaces"))?;
                Ok(got.network_interfaces().is_empty().then_some(()))
            },
        )
        .await
    }
}

impl ElbBulk for ClassicLoadBalancer {
    elb_object! {
        item elb::types::LoadBalancerDescription, key load_balancer_name,
        elb.describe_load_balancers("elb:DescribeLoadBalancers") by load_balancer_names answer
        load_balancer_descriptions, listed
    }

    async fn tags(&self, keys: Vec<String>) -> ProviderResult<HashMap<String, Tags>> {
        describe_tags(&self.aws, &keys).await
    }

    async fn value(&self, prior: Option<Obj>, lb: Self::Item, t: Tags) -> ProviderResult<Value> {
        let got = self
            .aws
            .elb
            .describe_load_balancer_attributes()
            .set_load_balancer_name(lb.load_balancer_name().map(str::to_string))
            .send()
            .await
            .map_err(err("elb:DescribeLoadBalancerAttributes"))?;
        let classic = Classic {
            attributes: got.load_balancer_attributes().cloned(),
            account: self.aws.account_id().await?,
            source_group_id: self.source_group_id(&lb).await?,
            lb,
        };
        let d = Described::new(classic, t);
        Ok(self.table.read(&self.aws, prior, &d).finish(&self.schema))
    }
}

impl AsyncResourceType for ClassicLoadBalancer {
    crate::provider::aws::elbv2::common::elb_reads!();
    /// Listener protocols are planned lowercase, as a read gives them, so that `"HTTP"` and
    /// `"http"` in configuration are the same listener.
    fn plan(&self, _prior: Option<&Value>, planned: Value) -> Value {
        let mut o = Obj::of(&tags::plan(&self.aws, planned));
        if o.0.get("listener").is_some_and(Value::is_wholly_known) && o.get("listener").is_some() {
            let specs = listener_specs(&o);
            o.set("listener", listener_set(specs));
        }
        o.finish(&self.schema)
    }

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let name = name_for_create(&p, "tf-lb-", 32, &ctx);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let listeners = listener_specs(&p)
            .iter()
            .map(ListenerSpec::sdk)
            .collect::<ProviderResult<Vec<_>>>()?;
        let (zones, subnets, groups) = (
            p.strs("availability_zones"),
            p.strs("subnets"),
            p.strs("security_groups"),
        );
        let scheme = (p.bool("internal") == Some(true)).then_some("internal");
        // A certificate uploaded to IAM moments ago may not be visible to ELB yet.
        let r = retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is("CertificateNotFound"),
            || async {
                self.aws
                    .elb
                    .create_load_balancer()
                    .load_balancer_name(&name)
                    .set_listeners(Some(listeners.clone()))
                    .set_availability_zones((!zones.is_empty()).then(|| zones.clone()))
                    .set_subnets((!subnets.is_empty()).then(|| subnets.clone()))
                    .set_security_groups((!groups.is_empty()).then(|| groups.clone()))
                    .set_scheme(scheme.map(str::to_string))
                    .set_tags(tag_list(&t))
                    .send()
                    .await
                    .map_err(err("elb:CreateLoadBalancer"))
            },
        )
        .await;
        match r {
            Ok(_) => {}
            Err(e) if e.already_exists() => {
                let existing = describe_tags(&self.aws, std::slice::from_ref(&name)).await?;
                if !existing.get(&name).is_some_and(|t| tags::is_ours(&ctx, t)) {
                    return Err(e);
                }
            }
            Err(e) => return Err(e),
        }
        lookup_fresh(self, &name).await?;
        self.modify_attributes(&name, &p).await?;
        if let Some(hc) = p.block("health_check") {
            self.configure_health_check(&name, &hc).await?;
        }
        self.register(&name, &p.strs("instances")).await?;
        finish(self, p, &name).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let name = before.id()?;
        let api = &self.aws.elb;
        let changed = |k: &str| before.0.get(k) != after.0.get(k) && after.get(k).is_some();
        if changed("listener") {
            self.update_listeners(&name, &before, &after).await?;
        }
        if changed("security_groups") {
            api.apply_security_groups_to_load_balancer()
                .load_balancer_name(&name)
                .set_security_groups(Some(after.strs("security_groups")))
                .send()
                .await
                .map_err(err("elb:ApplySecurityGroupsToLoadBalancer"))?;
        }
        if changed("availability_zones") {
            let (added, removed) = added_removed(
                &before.strs("availability_zones"),
                &after.strs("availability_zones"),
            );
            if !added.is_empty() {
                api.enable_availability_zones_for_load_balancer()
                    .load_balancer_name(&name)
                    .set_availability_zones(Some(added))
                    .send()
                    .await
                    .map_err(err("elb:EnableAvailabilityZonesForLoadBalancer"))?;
            }
            if !removed.is_empty() {
                api.disable_availability_zones_for_load_balancer()
                    .load_balancer_name(&name)
                    .set_availability_zones(Some(removed))
                    .send()
                    .await
                    .map_err(err("elb:DisableAvailabilityZonesForLoadBalancer"))?;
            }
        }
        if changed("subnets") {
            let (added, removed) = added_removed(&before.strs("subnets"), &after.strs("subnets"));
            // Detached first: a load balancer takes one subnet per zone, so a subnet is
            // replaced by one in the same zone only once the old one is gone.
            if !removed.is_empty() {
                api.detach_load_balancer_from_subnets()
                    .load_balancer_name(&name)
                    .set_subnets(Some(removed))
                    .send()
                    .await
                    .map_err(err("elb:DetachLoadBalancerFromSubnets"))?;
            }
            if !added.is_empty() {
                api.attach_load_balancer_to_subnets()
                    .load_balancer_name(&name)
                    .set_subnets(Some(added))
                    .send()
                    .await
                    .map_err(err("elb:AttachLoadBalancerToSubnets"))?;
            }
        }
        if changed("instances") {
            let (added, removed) =
                added_removed(&before.strs("instances"), &after.strs("instances"));
            self.register(&name, &added).await?;
            self.deregister(&name, &removed).await?;
        }
        if [
            "cross_zone_load_balancing",
            "idle_timeout",
            "connection_draining",
            "connection_draining_timeout",
            "access_logs",
            "desync_mitigation_mode",
        ]
        .iter()
        .any(|k| before.0.get(*k) != after.0.get(*k))
        {
            self.modify_attributes(&name, &after).await?;
        }
        if changed("health_check")
            && let Some(hc) = after.block("health_check")
        {
            self.configure_health_check(&name, &hc).await?;
        }
        self.update_tags(&name, &before, &after).await?;
        finish(self, after, &name).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let name = Obj::of(&prior).id()?;
        let r = self
            .aws
            .elb
            .delete_load_balancer()
            .load_balancer_name(&name)
            .send()
            .await
            .map_err(err("elb:DeleteLoadBalancer"));
        gone_is_ok(r)?;
        self.wait_interfaces_gone(&name).await
    }
}
