//! `aws_lb` (and `aws_alb`): an application or network load balancer.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, b, blocks, n, opt_s, s, set_s};
use crate::provider::aws::elbv2::common::*;
use crate::provider::aws::elbv2::lb_options;
use crate::provider::aws::sdk::{absent_if_not_found, err, gone_is_ok, wait_for};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::{self, Tags};
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult,
};
use aws_sdk_elasticloadbalancingv2 as elbv2;

type Item = Described<elbv2::types::LoadBalancer>;

fn is_application_lb(d: &Item) -> bool {
    d.item.r#type().map(|t| t.as_str()).unwrap_or("application") == "application"
}

/// The `subnet_mapping` set: one mapping per zone the balancer is in.
fn subnet_mappings_read(d: &Item) -> Value {
    let mappings = d.item.availability_zones().iter().map(|z| {
        let addr = z.load_balancer_addresses().first();
        let mut m = Obj::default();
        m.set("subnet_id", opt_s(z.subnet_id()))
            .set(
                "allocation_id",
                opt_s(addr.and_then(|a| non_empty(a.allocation_id()))),
            )
            .set(
                "private_ipv4_address",
                opt_s(addr.and_then(|a| non_empty(a.private_ipv4_address()))),
            )
            .set(
                "ipv6_address",
                opt_s(addr.and_then(|a| non_empty(a.ipv6_address()))),
            )
            .set("outpost_id", opt_s(non_empty(z.outpost_id())));
        Value::object(m.0)
    });
    Value::set(subnet_mapping_type(), mappings.collect())
}

/// The logs a balancer writes to S3, each a block of the same shape over attributes
/// `<block>.s3.{enabled,bucket,prefix}`: access logs (every kind), and an application load
/// balancer's connection and health check logs.
const LOGS: [&str; 3] = ["access_logs", "connection_logs", "health_check_logs"];

/// A logs block: read when logging is on or the configuration has the block.
fn logs_read(block: &str, d: &Item, prior: Option<&Obj>) -> Option<Value> {
    let key = |k: &str| format!("{block}.s3.{k}");
    let on = d.attr_bool(&key("enabled")).unwrap_or(false);
    let configured = prior.is_some_and(|p| p.get(block).is_some());
    if !(on || configured) {
        return Some(Value::Null(Type::List(Box::new(access_logs_type()))));
    }
    let mut l = Obj::default();
    l.set("enabled", b(on))
        .set("bucket", opt_s(non_empty(d.attr(&key("bucket")))))
        .set("prefix", opt_s(non_empty(d.attr(&key("prefix")))));
    Some(blocks(&access_logs_type(), vec![l]))
}

/// Settings some kinds of balancer have, each one attribute: (argument, key, type); read where
/// AWS answers them, sent where configured.
const SOME_KINDS: [(&str, &str, Setting); 3] = [
    (
        "enable_zonal_shift",
        "zonal_shift.config.enabled",
        Setting::Bool,
    ),
    (
        "dns_record_client_routing_policy",
        "dns_record.client_routing_policy",
        Setting::Text,
    ),
    (
        "secondary_ips_auto_assigned_per_subnet",
        "secondary_ips.auto_assigned.per_subnet",
        Setting::Number,
    ),
];

fn some_kinds_read(d: &Item, i: usize) -> Option<Value> {
    let (_, key, kind) = SOME_KINDS[i];
    kind.value(d.attr(key)?)
}

/// An attribute only application load balancers have: read from theirs; for the others the
/// prior stands, or on import the schema default.
fn application_only(d: &Item, prior: Option<&Obj>, read: Value, default: Value) -> Option<Value> {
    if is_application_lb(d) {
        Some(read)
    } else if prior.is_none() {
        Some(default)
    } else {
        None
    }
}

/// Settings only application load balancers have, each one load balancer attribute:
/// (argument, attribute key, default). A `"true"`/`"false"` default makes a bool argument.
const ALB_SETTINGS: &[(&str, &str, &str)] = &[
    (
        "drop_invalid_header_fields",
        "routing.http.drop_invalid_header_fields.enabled",
        "false",
    ),
    (
        "preserve_host_header",
        "routing.http.preserve_host_header.enabled",
        "false",
    ),
    (
        "enable_tls_version_and_cipher_suite_headers",
        "routing.http.x_amzn_tls_version_and_cipher_suite.enabled",
        "false",
    ),
    (
        "enable_xff_client_port",
        "routing.http.xff_client_port.enabled",
        "false",
    ),
    ("enable_waf_fail_open", "waf.fail_open.enabled", "false"),
    (
        "desync_mitigation_mode",
        "routing.http.desync_mitigation_mode",
        "defensive",
    ),
    (
        "xff_header_processing_mode",
        "routing.http.xff_header_processing.mode",
        "append",
    ),
];

/// An attribute's text as its argument's value: a bool where the default is one.
fn setting_value(default: &str, text: &str) -> Value {
    match default {
        "true" | "false" => b(text == "true"),
        _ => s(text),
    }
}

/// The [`ALB_SETTINGS`] as read: an application load balancer's attributes (AWS's defaults
/// where it leaves one out), the defaults for the other kinds.
fn alb_settings_read(d: &Item) -> Obj {
    let mut o = Obj::default();
    for (arg, key, default) in ALB_SETTINGS {
        let text = match d.attr(key) {
            Some(v) if is_application_lb(d) => v,
            _ => default,
        };
        o.set(arg, setting_value(default, text));
    }
    o
}

/// Every attribute of `aws_lb`, and how it reads from a described balancer and its
/// attributes.
fn table() -> Table<Item> {
    use AttrSchema as A;
    let arn = |d: &Item| opt_s(d.item.load_balancer_arn());
    elb_table()
        .attr("id", A::computed(Type::String), arn)
        .attr("arn", A::computed(Type::String), arn)
        .attr("arn_suffix", A::computed(Type::String), |d| {
            s(arn_suffix(d.item.load_balancer_arn().unwrap_or_default()))
        })
        .attr("dns_name", A::computed(Type::String), |d| {
            opt_s(d.item.dns_name())
        })
        .attr("zone_id", A::computed(Type::String), |d| {
            opt_s(d.item.canonical_hosted_zone_id())
        })
        .attr("vpc_id", A::computed(Type::String), |d| {
            opt_s(d.item.vpc_id())
        })
        .attr(
            "name",
            A::optional_computed(Type::String).force_new(),
            |d| opt_s(d.item.load_balancer_name()),
        )
        .declared("name_prefix", A::optional(Type::String).force_new())
        .attr(
            "internal",
            A::optional(Type::Bool).default(b(false)).force_new(),
            |d| b(d.item.scheme().map(|s| s.as_str()) == Some("internal")),
        )
        .attr(
            "load_balancer_type",
            A::optional(Type::String)
                .default(s("application"))
                .force_new(),
            |d| s(d.item.r#type().map(|t| t.as_str()).unwrap_or("application")),
        )
        .attr("security_groups", A::optional_computed(str_set()), |d| {
            set_s(d.item.security_groups())
        })
        .attr("subnets", A::optional_computed(str_set()), |d| {
            set_s(
                d.item
                    .availability_zones()
                    .iter()
                    .filter_map(|z| z.subnet_id()),
            )
        })
        .attr(
            "subnet_mapping",
            A::optional_computed(set_of(subnet_mapping_type())),
            subnet_mappings_read,
        )
        .attr_with_prior(
            "idle_timeout",
            A::optional(Type::Number).default(n(60)),
            |d, prior| {
                let read = n(d.attr_i64("idle_timeout.timeout_seconds").unwrap_or(60));
                application_only(d, prior, read, n(60))
            },
        )
        .attr(
            "enable_deletion_protection",
            A::optional(Type::Bool).default(b(false)),
            |d| b(d.attr_bool("deletion_protection.enabled").unwrap_or(false)),
        )
        .attr_with_prior(
            "enable_http2",
            A::optional(Type::Bool).default(b(true)),
            |d, prior| {
                let read = b(d.attr_bool("routing.http2.enabled").unwrap_or(true));
                application_only(d, prior, read, b(true))
            },
        )
        // Sent only when configured: AWS's default is 3600 s, and not every emulator knows the
        // attribute.
        .attr_if_answered("client_keep_alive", A::optional(Type::Number), |d| {
            let seconds = d.attr_i64("client_keep_alive.seconds");
            seconds.filter(|_| is_application_lb(d)).map(n)
        })
        .attr("ip_address_type", A::optional_computed(Type::String), |d| {
            opt_s(d.item.ip_address_type().map(|t| t.as_str()))
        })
        .attr(
            "customer_owned_ipv4_pool",
            A::optional(Type::String).force_new(),
            |d| opt_s(d.item.customer_owned_ipv4_pool()),
        )
        .attr_with_prior(
            "access_logs",
            A::optional(Type::List(Box::new(access_logs_type()))),
            |d, prior| logs_read(LOGS[0], d, prior),
        )
        .attr_with_prior(
            "connection_logs",
            A::optional(Type::List(Box::new(access_logs_type()))),
            |d, prior| logs_read(LOGS[1], d, prior),
        )
        .attr_with_prior(
            "health_check_logs",
            A::optional(Type::List(Box::new(access_logs_type()))),
            |d, prior| logs_read(LOGS[2], d, prior),
        )
        .attr_if_answered(
            "enable_zonal_shift",
            A::optional_computed(Type::Bool),
            |d| some_kinds_read(d, 0),
        )
        .attr_if_answered(
            "dns_record_client_routing_policy",
            A::optional_computed(Type::String),
            |d| some_kinds_read(d, 1),
        )
        .attr_if_answered(
            "secondary_ips_auto_assigned_per_subnet",
            A::optional_computed(Type::Number),
            |d| some_kinds_read(d, 2),
        )
        .blocks_of(
            "ipam_pools",
            lb_options::ipam_pools_ty(),
            lb_options::ipam_pools_read,
        )
        .blocks_of(
            "minimum_load_balancer_capacity",
            lb_options::capacity_ty(),
            lb_options::capacity_read,
        )
        .attr_if_answered(
            "enforce_security_group_inbound_rules_on_private_link_traffic",
            A::optional_computed(Type::String),
            |d| {
                let e = d
                    .item
                    .enforce_security_group_inbound_rules_on_private_link_traffic();
                e.map(s)
            },
        )
        .attr_if_answered(
            "enable_prefix_for_ipv6_source_nat",
            A::optional_computed(Type::String),
            |d| {
                let e = d.item.enable_prefix_for_ipv6_source_nat();
                e.map(|e| s(e.as_str()))
            },
        )
        // Always on for application load balancers; sent only for the other kinds.
        .attr(
            "enable_cross_zone_load_balancing",
            A::optional_computed(Type::Bool),
            |d| {
                let on = d.attr_bool("load_balancing.cross_zone.enabled");
                b(is_application_lb(d) || on.unwrap_or(false))
            },
        )
        .group(
            ALB_SETTINGS.iter().map(|(arg, _, default)| {
                let default = setting_value(default, default);
                (*arg, A::optional(default.ty()).default(default))
            }),
            alb_settings_read,
        )
}

crate::provider::aws::table::table_type!(LoadBalancer, Item);

impl LoadBalancer {
    fn is_application(o: &Obj) -> bool {
        o.str("load_balancer_type")
            .as_deref()
            .unwrap_or("application")
            == "application"
    }

    /// The attributes the configuration sets, as ModifyLoadBalancerAttributes takes them.
    /// Idle timeout and HTTP/2 only exist on application load balancers.
    fn attributes(p: &Obj) -> Vec<elbv2::types::LoadBalancerAttribute> {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(v) = p.bool("enable_deletion_protection") {
            pairs.push(("deletion_protection.enabled", v.to_string()));
        }
        if Self::is_application(p) {
            if let Some(v) = p.i64("idle_timeout") {
                pairs.push(("idle_timeout.timeout_seconds", v.to_string()));
            }
            if let Some(v) = p.bool("enable_http2") {
                pairs.push(("routing.http2.enabled", v.to_string()));
            }
            if let Some(v) = p.i64("client_keep_alive") {
                pairs.push(("client_keep_alive.seconds", v.to_string()));
            }
            for (arg, key, _) in ALB_SETTINGS {
                if let Some(v) = p.bool(arg).map(|v| v.to_string()).or_else(|| p.str(arg)) {
                    pairs.push((key, v));
                }
            }
        } else if let Some(v) = p.bool("enable_cross_zone_load_balancing") {
            pairs.push(("load_balancing.cross_zone.enabled", v.to_string()));
        }
        let mut keyed: Vec<(String, String)> = Vec::new();
        for (i, block) in LOGS.iter().enumerate() {
            let key = |k: &str| format!("{block}.s3.{k}");
            match p.block(block) {
                Some(a) => {
                    let on = a.bool("enabled").unwrap_or(true);
                    keyed.push((key("enabled"), on.to_string()));
                    keyed.push((key("bucket"), a.str("bucket").unwrap_or_default()));
                    keyed.push((key("prefix"), a.str("prefix").unwrap_or_default()));
                }
                // Connection and health check logs are an application load balancer's.
                None if i == 0 || Self::is_application(p) => {
                    keyed.push((key("enabled"), "false".into()))
                }
                None => {}
            }
        }
        for (arg, key, kind) in SOME_KINDS {
            if let Some(v) = kind.text(p, arg) {
                pairs.push((key, v));
            }
        }
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .chain(keyed)
            .map(|(k, v)| {
                elbv2::types::LoadBalancerAttribute::builder()
                    .key(k)
                    .value(v)
                    .build()
            })
            .collect()
    }

    async fn modify_attributes(&self, arn: &str, p: &Obj) -> ProviderResult<()> {
        self.aws
            .elbv2
            .modify_load_balancer_attributes()
            .load_balancer_arn(arn)
            .set_attributes(Some(Self::attributes(p)))
            .send()
            .await
            .map_err(err("elbv2:ModifyLoadBalancerAttributes"))?;
        Ok(())
    }

    fn subnet_mappings(p: &Obj) -> Option<Vec<elbv2::types::SubnetMapping>> {
        let m = p.blocks("subnet_mapping");
        (!m.is_empty()).then(|| {
            m.iter()
                .map(|m| {
                    elbv2::types::SubnetMapping::builder()
                        .set_subnet_id(m.str("subnet_id"))
                        .set_allocation_id(m.str("allocation_id"))
                        .set_private_ipv4_address(m.str("private_ipv4_address"))
                        .set_ipv6_address(m.str("ipv6_address"))
                        .build()
                })
                .collect()
        })
    }

    async fn by_name(&self, name: &str) -> ProviderResult<Option<elbv2::types::LoadBalancer>> {
        let answer = self
            .aws
            .elbv2
            .describe_load_balancers()
            .names(name)
            .send()
            .await;
        Ok(
            absent_if_not_found(answer.map_err(err("elbv2:DescribeLoadBalancers")))?
                .and_then(|out| out.load_balancers().first().cloned()),
        )
    }

    async fn wait_active(&self, arn: &str) -> ProviderResult<()> {
        wait_for(
            &format!("load balancer {arn} to be active"),
            ACTIVE_WAIT,
            || async {
                let lb = lookup_fresh(self, arn).await?;
                let state = lb
                    .state()
                    .and_then(|s| s.code())
                    .map(|c| c.as_str().to_string());
                match state.as_deref() {
                    Some("active") => Ok(Some(())),
                    Some("failed") => Err(ProviderError::new(
                        "elbv2:DescribeLoadBalancers",
                        format!(
                            "{arn} failed to provision: {}",
                            lb.state()
                                .and_then(|s| s.reason())
                                .unwrap_or("no reason given")
                        ),
                    )),
                    _ => Ok(None),
                }
            },
        )
        .await
    }
}

impl ElbBulk for LoadBalancer {
    elb_object! {
        item elbv2::types::LoadBalancer, key load_balancer_arn,
        elbv2.describe_load_balancers("elbv2:DescribeLoadBalancers") by load_balancer_arns answer load_balancers, listed
    }

    async fn value(&self, prior: Option<Obj>, lb: Self::Item, t: Tags) -> ProviderResult<Value> {
        let key = lb.load_balancer_arn().map(str::to_string);
        let capacity = match &key {
            Some(arn) if lb_options::needs_capacity(prior.as_ref(), &lb) => {
                Some(lb_options::capacity_reservation(&self.aws, arn).await?)
            }
            _ => None,
        };
        let mut d = described_with_attributes!(
            self.aws,
            describe_load_balancer_attributes,
            set_load_balancer_arn,
            key,
            "elbv2:DescribeLoadBalancerAttributes",
            lb,
            t
        );
        if let Some(units) = capacity {
            d.attributes
                .insert(lb_options::CAPACITY_UNITS.to_string(), units);
        }
        Ok(self.table.read(&self.aws, prior, &d).finish(&self.schema))
    }
}

impl AsyncResourceType for LoadBalancer {
    crate::provider::aws::elbv2::common::elb_reads!(plan tags);

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let name = name_for_create(&p, "tf-lb-", 32, &ctx);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let mappings = Self::subnet_mappings(&p);
        let subnets = mappings.is_none().then(|| p.strs("subnets"));
        let security_groups = p.strs("security_groups");
        let scheme = if p.bool("internal") == Some(true) {
            "internal"
        } else {
            "internet-facing"
        };
        let r = self
            .aws
            .elbv2
            .create_load_balancer()
            .name(&name)
            .r#type(
                p.str("load_balancer_type")
                    .unwrap_or("application".into())
                    .as_str()
                    .into(),
            )
            .scheme(scheme.into())
            .set_subnets(subnets.filter(|s| !s.is_empty()))
            .set_subnet_mappings(mappings)
            .set_security_groups((!security_groups.is_empty()).then_some(security_groups))
            .set_ip_address_type(p.str("ip_address_type").map(|t| t.as_str().into()))
            .set_customer_owned_ipv4_pool(p.str("customer_owned_ipv4_pool"))
            .set_ipam_pools(lb_options::ipam_pools_to_sdk(&p))
            .set_enable_prefix_for_ipv6_source_nat(
                p.str("enable_prefix_for_ipv6_source_nat")
                    .map(|e| e.as_str().into()),
            )
            .set_tags(v2_tag_list(&t))
            .send()
            .await
            .map_err(err("elbv2:CreateLoadBalancer"));
        let made = r.map(|out| out.load_balancers().first().cloned());
        let arn = created_or_ours(self, &ctx, made, self.by_name(&name)).await?;
        self.wait_active(&arn).await?;
        self.modify_attributes(&arn, &p).await?;
        lb_options::put(&self.aws, &arn, &Obj::default(), &p).await?;
        finish(self, p, &arn).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let arn = before.id()?;
        let elb = &self.aws.elbv2;
        let changed = |k: &str| before.0.get(k) != after.0.get(k) && after.get(k).is_some();
        lb_options::put(&self.aws, &arn, &before, &after).await?;
        // The IPv6 source NAT prefix switch is set with the subnets.
        let prefix = "enable_prefix_for_ipv6_source_nat";
        if ["subnet_mapping", "subnets", prefix]
            .iter()
            .any(|k| changed(k))
        {
            // Mappings unless only the subnets changed (the mappings then are the old
            // ones read back); for a change of the switch alone, the mappings read back.
            let by_subnets = changed("subnets") && !changed("subnet_mapping");
            let mappings = (!by_subnets)
                .then(|| Self::subnet_mappings(&after))
                .flatten();
            let subnets = mappings.is_none().then(|| after.strs("subnets"));
            elb.set_subnets()
                .load_balancer_arn(&arn)
                .set_subnet_mappings(mappings)
                .set_subnets(subnets)
                .set_enable_prefix_for_ipv6_source_nat(after.str(prefix).map(|e| e.as_str().into()))
                .send()
                .await
                .map_err(err("elbv2:SetSubnets"))?;
        }
        if changed("ip_address_type")
            && let Some(t) = after.str("ip_address_type")
        {
            elb.set_ip_address_type()
                .load_balancer_arn(&arn)
                .ip_address_type(t.as_str().into())
                .send()
                .await
                .map_err(err("elbv2:SetIpAddressType"))?;
        }
        let settings = ALB_SETTINGS.iter().map(|(arg, _, _)| *arg);
        if [
            "enable_deletion_protection",
            "idle_timeout",
            "enable_http2",
            "client_keep_alive",
            "enable_cross_zone_load_balancing",
        ]
        .into_iter()
        .chain(LOGS)
        .chain(SOME_KINDS.iter().map(|(arg, _, _)| *arg))
        .chain(settings)
        .any(|k| before.0.get(k) != after.0.get(k))
        {
            self.modify_attributes(&arn, &after).await?;
        }
        v2_update_tags(&self.aws, &arn, &before, &after).await?;
        finish(self, after, &arn).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let arn = Obj::of(&prior).id()?;
        let r = self
            .aws
            .elbv2
            .delete_load_balancer()
            .load_balancer_arn(&arn)
            .send()
            .await
            .map_err(err("elbv2:DeleteLoadBalancer"));
        gone_is_ok(r)?;
        // Subnets and security groups stay in use until the load balancer is gone.
        wait_for(
            &format!("load balancer {arn} to be deleted"),
            ACTIVE_WAIT,
            || async { Ok(self.lookup(arn.clone()).await?.is_none().then_some(())) },
        )
        .await
    }
}
