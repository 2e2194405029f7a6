//! The AWS provider: one [`Aws`] per provider configuration (region, credentials, default
//! tags, SDK clients), shared by every resource and data source type it serves.
//!
//! One file per resource type, in a folder per AWS service (`ec2/`, `autoscaling/`, `iam/`,
//! `elbv2/`, `elb/`, `route53/`, `s3/`, `cloudwatch/`, `sqs/`, `rds/`), registered in
//! [`RESOURCES`]. What every type uses sits beside them, each in one place: `attrs` (reading
//! and building values), `bulk` (EC2 finders and refresh by type), `sdk` (errors, retries,
//! waiters), `tags` (tagging and the crash-recovery tags), `naming` (generated names),
//! `launch` and `user_data` (what instances, templates and groups share).

pub mod attrs;
pub mod autoscaling;
pub mod bulk;
pub mod by_id;
pub mod cloudwatch;
pub mod data;
pub mod ec2;
pub mod elb;
pub mod elbv2;
pub mod iam;
pub mod instance_requirements;
pub mod launch;
pub mod naming;
pub mod rds;
pub mod region;
pub mod route53;
pub mod s3;
pub mod sdk;
pub mod sqs;
pub mod table;
pub mod tags;
pub mod user_data;

use crate::lang::value::Value;
use crate::provider::{Configured, ProviderError, ProviderResult, ResourceType};
use attrs::Obj;
use std::collections::BTreeMap;
use std::sync::Arc;

pub const SOURCE: &str = "registry.terraform.io/hashicorp/aws";

/// How a configured provider makes one resource type.
pub type Make = fn(&Arc<Aws>) -> Arc<dyn ResourceType>;

/// Every AWS resource type infra serves: the one registration table. A new type is a file in
/// its service's folder and a line here.
const RESOURCES: &[(&str, Make)] = &[
    ("aws_vpc", |a| Arc::new(ec2::vpc::Vpc::new(a))),
    ("aws_vpc_ipv4_cidr_block_association", |a| {
        Arc::new(ec2::vpc_cidr_association::VpcCidrAssociation::new(a))
    }),
    ("aws_subnet", |a| Arc::new(ec2::subnet::Subnet::new(a))),
    ("aws_vpc_endpoint", |a| {
        Arc::new(ec2::vpc_endpoint::VpcEndpoint::new(a))
    }),
    ("aws_internet_gateway", |a| {
        Arc::new(ec2::internet_gateway::InternetGateway::new(a))
    }),
    ("aws_egress_only_internet_gateway", |a| {
        Arc::new(ec2::egress_only_internet_gateway::EgressOnlyInternetGateway::new(a))
    }),
    ("aws_eip", |a| Arc::new(ec2::eip::Eip::new(a))),
    ("aws_eip_association", |a| {
        Arc::new(ec2::eip_association::EipAssociation::new(a))
    }),
    ("aws_nat_gateway", |a| {
        Arc::new(ec2::nat_gateway::NatGateway::new(a))
    }),
    ("aws_route_table", |a| {
        Arc::new(ec2::route_table::RouteTable::new(a))
    }),
    ("aws_route", |a| Arc::new(ec2::route::Route::new(a))),
    ("aws_route_table_association", |a| {
        Arc::new(ec2::route_table_association::RouteTableAssociation::new(a))
    }),
    ("aws_security_group", |a| {
        Arc::new(ec2::security_group::SecurityGroup::new(a))
    }),
    ("aws_security_group_rule", |a| {
        Arc::new(ec2::security_group_rule::LegacyRule::new(a))
    }),
    ("aws_vpc_security_group_ingress_rule", |a| {
        Arc::new(ec2::vpc_security_group_rule::VpcRule::new(
            a,
            ec2::sg_rules::Direction::Ingress,
        ))
    }),
    ("aws_vpc_security_group_egress_rule", |a| {
        Arc::new(ec2::vpc_security_group_rule::VpcRule::new(
            a,
            ec2::sg_rules::Direction::Egress,
        ))
    }),
    ("aws_vpc_dhcp_options", |a| {
        Arc::new(ec2::dhcp_options::DhcpOptions::new(a))
    }),
    ("aws_vpc_dhcp_options_association", |a| {
        Arc::new(ec2::dhcp_options_association::DhcpOptionsAssociation::new(
            a,
        ))
    }),
    ("aws_key_pair", |a| Arc::new(ec2::key_pair::KeyPair::new(a))),
    ("aws_default_security_group", |a| {
        Arc::new(ec2::default_security_group::DefaultSecurityGroup::new(a))
    }),
    ("aws_default_route_table", |a| {
        Arc::new(ec2::default_route_table::DefaultRouteTable::new(a))
    }),
    ("aws_network_acl", |a| {
        Arc::new(ec2::network_acl::NetworkAcl::new(a))
    }),
    ("aws_network_acl_rule", |a| {
        Arc::new(ec2::network_acl_rule::NetworkAclRule::new(a))
    }),
    ("aws_network_acl_association", |a| {
        Arc::new(ec2::network_acl_association::NetworkAclAssociation::new(a))
    }),
    ("aws_default_network_acl", |a| {
        Arc::new(ec2::default_network_acl::DefaultNetworkAcl::new(a))
    }),
    ("aws_placement_group", |a| {
        Arc::new(ec2::placement_group::PlacementGroup::new(a))
    }),
    ("aws_instance", |a| {
        Arc::new(ec2::instance::Instance::new(a))
    }),
    ("aws_ebs_volume", |a| {
        Arc::new(ec2::ebs_volume::EbsVolume::new(a))
    }),
    ("aws_volume_attachment", |a| {
        Arc::new(ec2::volume_attachment::VolumeAttachment::new(a))
    }),
    ("aws_launch_template", |a| {
        Arc::new(ec2::launch_template::LaunchTemplate::new(a))
    }),
    ("aws_launch_configuration", |a| {
        Arc::new(autoscaling::launch_configuration::LaunchConfiguration::new(
            a,
        ))
    }),
    ("aws_autoscaling_group", |a| {
        Arc::new(autoscaling::group::AutoscalingGroup::new(a))
    }),
    ("aws_autoscaling_attachment", |a| {
        Arc::new(autoscaling::attachment::Attachment::new(a))
    }),
    ("aws_autoscaling_lifecycle_hook", |a| {
        Arc::new(autoscaling::lifecycle_hook::LifecycleHook::new(a))
    }),
    ("aws_autoscaling_policy", |a| {
        Arc::new(autoscaling::policy::Policy::new(a))
    }),
    ("aws_autoscaling_schedule", |a| {
        Arc::new(autoscaling::schedule::Schedule::new(a))
    }),
    ("aws_cloudwatch_metric_alarm", |a| {
        Arc::new(cloudwatch::metric_alarm::MetricAlarmType::new(a))
    }),
    ("aws_iam_role", |a| Arc::new(iam::role::Role::new(a))),
    ("aws_iam_role_policy", |a| {
        Arc::new(iam::role_policy::RolePolicy::new(a))
    }),
    ("aws_iam_policy", |a| Arc::new(iam::policy::Policy::new(a))),
    ("aws_iam_policy_attachment", |a| {
        Arc::new(iam::policy_attachment::PolicyAttachment::new(a))
    }),
    ("aws_iam_role_policy_attachment", |a| {
        Arc::new(iam::role_policy_attachment::RolePolicyAttachment::new(a))
    }),
    ("aws_iam_instance_profile", |a| {
        Arc::new(iam::instance_profile::InstanceProfile::new(a))
    }),
    ("aws_lb", |a| Arc::new(elbv2::lb::LoadBalancer::new(a))),
    ("aws_alb", |a| Arc::new(elbv2::lb::LoadBalancer::new(a))),
    ("aws_lb_target_group", |a| {
        Arc::new(elbv2::target_group::TargetGroup::new(a))
    }),
    ("aws_alb_target_group", |a| {
        Arc::new(elbv2::target_group::TargetGroup::new(a))
    }),
    ("aws_lb_listener", |a| {
        Arc::new(elbv2::listener::Listener::new(a))
    }),
    ("aws_alb_listener", |a| {
        Arc::new(elbv2::listener::Listener::new(a))
    }),
    ("aws_lb_listener_rule", |a| {
        Arc::new(elbv2::listener_rule::ListenerRule::new(a))
    }),
    ("aws_alb_listener_rule", |a| {
        Arc::new(elbv2::listener_rule::ListenerRule::new(a))
    }),
    ("aws_lb_target_group_attachment", |a| {
        Arc::new(elbv2::target_group_attachment::TargetGroupAttachment::new(
            a,
        ))
    }),
    ("aws_alb_target_group_attachment", |a| {
        Arc::new(elbv2::target_group_attachment::TargetGroupAttachment::new(
            a,
        ))
    }),
    ("aws_route53_zone", |a| {
        Arc::new(route53::zone::Zone::new(a))
    }),
    ("aws_route53_record", |a| {
        Arc::new(route53::record::Record::new(a))
    }),
    ("aws_s3_bucket", |a| Arc::new(s3::bucket::Bucket::new(a))),
    ("aws_s3_bucket_versioning", |a| {
        Arc::new(s3::bucket_config::BucketConfig::new(
            a,
            &s3::versioning::PART,
        ))
    }),
    ("aws_s3_bucket_public_access_block", |a| {
        Arc::new(s3::bucket_config::BucketConfig::new(
            a,
            &s3::public_access_block::PART,
        ))
    }),
    ("aws_s3_bucket_server_side_encryption_configuration", |a| {
        Arc::new(s3::bucket_config::BucketConfig::new(
            a,
            &s3::encryption::PART,
        ))
    }),
    ("aws_s3_bucket_policy", |a| {
        Arc::new(s3::bucket_config::BucketConfig::new(a, &s3::policy::PART))
    }),
    ("aws_s3_object", |a| Arc::new(s3::object::S3Object::new(a))),
    ("aws_s3_bucket_object", |a| {
        Arc::new(s3::object::S3Object::new(a))
    }),
    ("aws_sqs_queue", |a| Arc::new(sqs::queue::Queue::new(a))),
    ("aws_db_subnet_group", |a| {
        Arc::new(rds::subnet_group::SubnetGroup::new(a))
    }),
    ("aws_elb", |a| {
        Arc::new(elb::classic::ClassicLoadBalancer::new(a))
    }),
];

/// Every AWS resource type infra serves (for suggestions before any provider is configured).
pub fn resource_types() -> impl Iterator<Item = &'static str> {
    RESOURCES.iter().map(|(name, _)| *name)
}

/// The data sources infra serves (`data.rs` registers them, and `configure` the IAM policy
/// document).
pub const DATA_TYPES: &[&str] = &[
    "aws_ami",
    "aws_availability_zones",
    "aws_vpc",
    "aws_subnet",
    "aws_subnets",
    "aws_subnet_ids",
    "aws_region",
    "aws_caller_identity",
    "aws_partition",
    "aws_security_group",
    "aws_ssm_parameter",
    "aws_route53_zone",
    "aws_iam_policy_document",
];

/// Whether infra has this resource (or data source) type of AWS.
pub fn serves(data: bool, type_name: &str) -> bool {
    if data {
        DATA_TYPES.contains(&type_name)
    } else {
        resource_types().any(|t| t == type_name)
    }
}

/// The arguments `provider "aws"` takes. Terraform's switches that only matter to its own
/// plugin (`skip_*`) are accepted and have no effect.
const CONFIG_ARGS: &[&str] = &[
    "region",
    "profile",
    "access_key",
    "secret_key",
    "token",
    "default_tags",
    "max_retries",
    "allowed_account_ids",
    "forbidden_account_ids",
    "endpoints",
    "shared_config_files",
    "shared_credentials_files",
    "skip_credentials_validation",
    "skip_metadata_api_check",
    "skip_region_validation",
    "skip_requesting_account_id",
    "skip_get_ec2_platforms",
    "s3_use_path_style",
];

/// One configured AWS provider.
#[derive(Clone, Debug)]
pub struct Aws {
    /// The configuration's address in state.
    pub address: String,
    pub region: String,
    pub default_tags: BTreeMap<String, String>,
    pub ec2: aws_sdk_ec2::Client,
    pub autoscaling: aws_sdk_autoscaling::Client,
    pub iam: aws_sdk_iam::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    pub elb: aws_sdk_elasticloadbalancing::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub sts: aws_sdk_sts::Client,
    pub route53: aws_sdk_route53::Client,
    pub s3: aws_sdk_s3::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub rds: aws_sdk_rds::Client,
    /// The account id (STS GetCallerIdentity), asked once: see [`Aws::account_id`].
    account_id: tokio::sync::OnceCell<String>,
}

impl Aws {
    /// The account the credentials belong to, for the ARNs AWS does not return.
    pub async fn account_id(&self) -> ProviderResult<String> {
        self.account_id
            .get_or_try_init(|| async {
                let me = self
                    .sts
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(sdk::err("sts:GetCallerIdentity"))?;
                Ok(me.account().unwrap_or_default().to_string())
            })
            .await
            .cloned()
    }
}

/// Reads `provider "aws"` arguments and builds the clients.
pub async fn configure(address: String, config: &Value) -> ProviderResult<Configured> {
    let aws = connect(address, config, None).await?;
    check_account(&aws, &Obj::of(config)).await?;
    let mut c = Configured {
        aws: Some((aws.clone(), config.clone())),
        ..Configured::default()
    };
    let regions = region::Regions::new(aws.address.clone(), config.clone(), aws.clone());
    for (name, make) in RESOURCES {
        let t = make(&aws);
        let t = match region::is_regional(name) {
            true => region::Regional::wrap(t, *make, &regions),
            false => t,
        };
        c.resources.insert(name, t);
    }
    c.data.insert(
        "aws_iam_policy_document",
        Arc::new(iam::policy_document::PolicyDocument::new()),
    );
    data::register(&aws, &mut c);
    for (name, d) in c.data.iter_mut() {
        if region::is_regional(name) {
            *d = region::RegionalData::wrap(name, d.clone(), &regions);
        }
    }
    Ok(c)
}

/// The clients of one `provider "aws"` configuration, in `region` instead of the configured
/// one when given (`infra bake` copies images to other regions with the same credentials).
pub async fn connect(
    address: String,
    config: &Value,
    region: Option<&str>,
) -> ProviderResult<Arc<Aws>> {
    let cfg = Obj::of(config);
    for k in cfg.0.keys() {
        if !CONFIG_ARGS.contains(&k.as_str()) {
            let hint = crate::diag::did_you_mean(k, CONFIG_ARGS.iter().copied())
                .map(|s| format!(" Did you mean {s:?}?"))
                .unwrap_or_default();
            return Err(ProviderError::new(
                "configure",
                format!("{address}: an argument named {k:?} is not expected here.{hint}"),
            ));
        }
    }
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(
        aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https(),
    );
    if let Some(r) = region.map(str::to_string).or_else(|| cfg.str("region")) {
        loader = loader.region(aws_config::Region::new(r));
    }
    if let Some(p) = cfg.str("profile") {
        loader = loader.profile_name(p);
    }
    if let (Some(a), Some(s)) = (cfg.str("access_key"), cfg.str("secret_key")) {
        loader = loader.credentials_provider(aws_sdk_ec2::config::Credentials::new(
            a,
            s,
            cfg.str("token"),
            None,
            "infra-provider-config",
        ));
    }
    // Terraform's default is 25 attempts; the SDK's standard mode backs off with jitter on
    // throttling (RequestLimitExceeded, Throttling) and 5xx answers.
    let attempts = cfg.i64("max_retries").unwrap_or(25).clamp(0, 100) as u32 + 1;
    loader = loader.retry_config(
        aws_config::retry::RetryConfig::standard()
            .with_max_attempts(attempts)
            .with_initial_backoff(std::time::Duration::from_millis(200))
            .with_max_backoff(std::time::Duration::from_secs(20)),
    );
    let shared = loader.load().await;
    let region = shared.region().map(|r| r.to_string()).ok_or_else(|| {
        ProviderError::new(
            "configure",
            format!("{address}: no region: set region in the provider block, or AWS_REGION"),
        )
    })?;
    // Once, here: otherwise every API call of the run fails with the SDK's whole chain.
    if let Some(p) = shared.credentials_provider() {
        use aws_sdk_ec2::config::ProvideCredentials;
        if let Err(e) = p.provide_credentials().await {
            return Err(ProviderError::new(
                "configure",
                crate::aws_env::missing_credentials(&address, &e),
            ));
        }
    }
    let endpoints = cfg.block("endpoints").unwrap_or_default();
    let calls = sdk::global_calls().clone();
    macro_rules! client {
        ($krate:ident, $($svc:literal),+) => {{
            let mut b = $krate::config::Builder::from(&shared).interceptor(calls.clone());
            for svc in [$($svc),+] {
                if let Some(url) = endpoints.str(svc) {
                    b = b.endpoint_url(url);
                }
            }
            $krate::Client::from_conf(b.build())
        }};
    }
    let default_tags = cfg
        .block("default_tags")
        .map(|d| d.map("tags"))
        .unwrap_or_default();
    let aws = Arc::new(Aws {
        address,
        region,
        default_tags,
        ec2: client!(aws_sdk_ec2, "ec2"),
        autoscaling: client!(aws_sdk_autoscaling, "autoscaling"),
        iam: client!(aws_sdk_iam, "iam"),
        elbv2: client!(aws_sdk_elasticloadbalancingv2, "elbv2", "lb"),
        elb: client!(aws_sdk_elasticloadbalancing, "elb"),
        ssm: client!(aws_sdk_ssm, "ssm"),
        sts: client!(aws_sdk_sts, "sts"),
        route53: client!(aws_sdk_route53, "route53"),
        cloudwatch: client!(aws_sdk_cloudwatch, "cloudwatch"),
        sqs: client!(aws_sdk_sqs, "sqs"),
        rds: client!(aws_sdk_rds, "rds"),
        s3: {
            let mut b = aws_sdk_s3::config::Builder::from(&shared)
                .interceptor(calls.clone())
                .force_path_style(cfg.bool("s3_use_path_style").unwrap_or(false));
            if let Some(url) = endpoints.str("s3") {
                b = b.endpoint_url(url);
            }
            aws_sdk_s3::Client::from_conf(b.build())
        },
        account_id: tokio::sync::OnceCell::new(),
    });
    Ok(aws)
}

/// `allowed_account_ids` / `forbidden_account_ids`: refuse to touch the wrong account.
async fn check_account(aws: &Aws, cfg: &Obj) -> ProviderResult<()> {
    let allowed = cfg.strs("allowed_account_ids");
    let forbidden = cfg.strs("forbidden_account_ids");
    if allowed.is_empty() && forbidden.is_empty() {
        return Ok(());
    }
    let account = aws.account_id().await?;
    if (!allowed.is_empty() && !allowed.contains(&account)) || forbidden.contains(&account) {
        return Err(ProviderError::new(
            "configure",
            format!(
                "{}: account {account} is not allowed by allowed_account_ids/forbidden_account_ids",
                aws.address
            ),
        ));
    }
    Ok(())
}

/// The schema of the configuration of one provider, to type its block when evaluating.
pub fn is_known_provider(name: &str) -> bool {
    name == "aws"
}
