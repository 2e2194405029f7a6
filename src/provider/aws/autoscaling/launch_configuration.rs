//! `aws_launch_configuration`: immutable, so every change replaces it.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, b, opt_b, opt_n, opt_s, s};
use crate::provider::aws::launch::*;
use crate::provider::aws::naming::{self, read_name_prefix};
use crate::provider::aws::sdk::{EVENTUAL_CONSISTENCY, err, retry_while};
use crate::provider::aws::table::Table;
use crate::provider::aws::user_data::*;
use crate::provider::schema::block_object;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult,
};
use aws_sdk_autoscaling::types::{BlockDeviceMapping, Ebs};

fn root_device_ty() -> Type {
    block_object(&[
        ("volume_size", Type::Number),
        ("volume_type", Type::String),
        ("delete_on_termination", Type::Bool),
        ("encrypted", Type::Bool),
        ("iops", Type::Number),
        ("throughput", Type::Number),
    ])
}

fn ebs_device_ty() -> Type {
    block_object(&[
        ("device_name", Type::String),
        ("delete_on_termination", Type::Bool),
        ("encrypted", Type::Bool),
        ("iops", Type::Number),
        ("no_device", Type::Bool),
        ("snapshot_id", Type::String),
        ("throughput", Type::Number),
        ("volume_size", Type::Number),
        ("volume_type", Type::String),
    ])
}

fn ephemeral_device_ty() -> Type {
    block_object(&[
        ("device_name", Type::String),
        ("no_device", Type::Bool),
        ("virtual_name", Type::String),
    ])
}

fn metadata_options_ty() -> Type {
    block_object(&[
        ("http_endpoint", Type::String),
        ("http_put_response_hop_limit", Type::Number),
        ("http_tokens", Type::String),
    ])
}

fn num(v: Option<i32>) -> Value {
    opt_n(v.map(i64::from))
}

/// The `ebs_block_device` blocks: the EBS mappings other than the image's root device.
fn ebs_blocks(d: &Described) -> Vec<Obj> {
    d.config
        .block_device_mappings()
        .iter()
        .filter(|m| m.virtual_name().is_none() && m.device_name() != d.root.as_deref())
        .map(|m| {
            let e = m.ebs();
            let mut x = Obj::default();
            x.set("device_name", opt_s(m.device_name()))
                .set(
                    "delete_on_termination",
                    opt_b(e.and_then(|e| e.delete_on_termination())),
                )
                .set("encrypted", opt_b(e.and_then(|e| e.encrypted())))
                .set("iops", num(e.and_then(|e| e.iops())))
                // A mapping with neither a volume nor an instance store suppresses the device
                // (moto keeps it as an empty volume and reports NoDevice false).
                .set(
                    "no_device",
                    b(m.no_device() == Some(true)
                        || e.is_none_or(|e| {
                            e.volume_size().is_none() && e.snapshot_id().is_none()
                        })),
                )
                .set("snapshot_id", opt_s(e.and_then(|e| e.snapshot_id())))
                .set("throughput", num(e.and_then(|e| e.throughput())))
                .set("volume_size", num(e.and_then(|e| e.volume_size())))
                .set("volume_type", opt_s(e.and_then(|e| e.volume_type())));
            x
        })
        .collect()
}

/// The `ephemeral_block_device` blocks: the instance store mappings.
fn ephemeral_blocks(d: &Described) -> Vec<Obj> {
    d.config
        .block_device_mappings()
        .iter()
        .filter(|m| m.virtual_name().is_some())
        .map(|m| {
            let mut x = Obj::default();
            x.set("device_name", opt_s(m.device_name()))
                .set("no_device", opt_b(m.no_device()))
                .set("virtual_name", opt_s(m.virtual_name()));
            x
        })
        .collect()
}

/// The `metadata_options` block.
fn metadata_blocks(d: &Described) -> Vec<Obj> {
    d.config
        .metadata_options()
        .map(|m| {
            let mut x = Obj::default();
            x.set(
                "http_endpoint",
                opt_s(m.http_endpoint().map(|v| v.as_str())),
            )
            .set(
                "http_put_response_hop_limit",
                num(m.http_put_response_hop_limit()),
            )
            .set("http_tokens", opt_s(m.http_tokens().map(|v| v.as_str())));
            x
        })
        .into_iter()
        .collect()
}

/// The mappings of the planned `ebs_block_device` and `ephemeral_block_device` blocks.
fn extra_mappings(p: &Obj) -> Vec<BlockDeviceMapping> {
    let mut out = Vec::new();
    for e in p.blocks("ebs_block_device") {
        let no_device = e.bool("no_device") == Some(true);
        out.push(
            BlockDeviceMapping::builder()
                .set_device_name(e.str("device_name"))
                .set_no_device(no_device.then_some(true))
                .set_ebs((!no_device).then(|| {
                    Ebs::builder()
                        .set_delete_on_termination(e.bool("delete_on_termination"))
                        .set_encrypted(e.bool("encrypted"))
                        .set_iops(e.i32("iops"))
                        .set_snapshot_id(e.str("snapshot_id"))
                        .set_throughput(e.i32("throughput"))
                        .set_volume_size(e.i32("volume_size"))
                        .set_volume_type(e.str("volume_type"))
                        .build()
                }))
                .build(),
        );
    }
    for e in p.blocks("ephemeral_block_device") {
        out.push(
            BlockDeviceMapping::builder()
                .set_device_name(e.str("device_name"))
                .set_virtual_name(e.str("virtual_name"))
                .set_no_device(e.bool("no_device").filter(|n| *n))
                .build(),
        );
    }
    out
}

/// A launch configuration as described, and its image's root device name (a call of its own),
/// which tells which of its block devices is `root_block_device`.
pub struct Described {
    config: aws_sdk_autoscaling::types::LaunchConfiguration,
    root: Option<String>,
}

/// The `root_block_device` block: the mapping of the image's root device.
fn root_blocks(d: &Described) -> Vec<Obj> {
    d.config
        .block_device_mappings()
        .iter()
        .filter(|m| d.root.is_some() && m.device_name() == d.root.as_deref())
        .filter_map(|m| m.ebs())
        .map(|e| {
            let mut x = Obj::default();
            x.set("volume_size", opt_n(e.volume_size().map(i64::from)))
                .set("volume_type", opt_s(e.volume_type()))
                .set(
                    "delete_on_termination",
                    e.delete_on_termination()
                        .map(b)
                        .unwrap_or(Value::Null(Type::Bool)),
                )
                .set(
                    "encrypted",
                    e.encrypted().map(b).unwrap_or(Value::Null(Type::Bool)),
                )
                .set("iops", opt_n(e.iops().map(i64::from)))
                .set("throughput", num(e.throughput()));
            x
        })
        .collect()
}

/// Every attribute of `aws_launch_configuration`, and how it reads. A launch configuration
/// cannot change: every argument replaces it.
fn table() -> Table<Described> {
    use AttrSchema as A;
    Table::<Described>::new()
        .attr("id", A::computed(Type::String), |d| {
            opt_s(d.config.launch_configuration_name())
        })
        .attr("arn", A::computed(Type::String), |d| {
            opt_s(d.config.launch_configuration_arn())
        })
        .attr(
            "name",
            A::optional_computed(Type::String).force_new(),
            |d| opt_s(d.config.launch_configuration_name()),
        )
        .attr_with_prior(
            "name_prefix",
            A::optional_computed(Type::String).force_new(),
            |d, prior| read_name_prefix(prior, d.config.launch_configuration_name().unwrap_or("")),
        )
        .attr("image_id", A::required(Type::String).force_new(), |d| {
            opt_s(d.config.image_id())
        })
        .attr(
            "instance_type",
            A::required(Type::String).force_new(),
            |d| opt_s(d.config.instance_type()),
        )
        .attr(
            "iam_instance_profile",
            A::optional(Type::String).force_new(),
            |d| opt_s(d.config.iam_instance_profile()),
        )
        .attr(
            "security_groups",
            A::optional(string_set()).force_new(),
            |d| opt_set(d.config.security_groups().to_vec()),
        )
        .attr_with_prior(
            "user_data",
            A::optional(Type::String)
                .force_new()
                .conflicts_with(&["user_data_base64"]),
            |d, prior| {
                if prior.is_some_and(|p| p.str("user_data_base64").is_some()) {
                    return Some(Value::Null(Type::String));
                }
                let data = d.config.user_data().filter(|u| !u.is_empty());
                Some(opt_s(data.map(user_data_hash)))
            },
        )
        .attr_with_prior(
            "user_data_base64",
            A::optional(Type::String)
                .force_new()
                .conflicts_with(&["user_data"]),
            |d, prior| {
                let configured = prior.is_some_and(|p| p.str("user_data_base64").is_some());
                Some(match configured {
                    true => opt_s(d.config.user_data()),
                    false => Value::Null(Type::String),
                })
            },
        )
        .attr(
            "associate_public_ip_address",
            A::optional_computed(Type::Bool).force_new(),
            |d| b(d.config.associate_public_ip_address().unwrap_or(false)),
        )
        .attr(
            "key_name",
            A::optional_computed(Type::String).force_new(),
            |d| opt_s(d.config.key_name()),
        )
        .attr_with_prior(
            "root_block_device",
            A::optional(Type::List(Box::new(root_device_ty()))).force_new(),
            |d, prior| {
                Some(read_blocks(
                    prior,
                    "root_block_device",
                    &root_device_ty(),
                    root_blocks(d),
                ))
            },
        )
        .attr_with_prior(
            "ebs_block_device",
            A::optional(Type::Set(Box::new(ebs_device_ty()))).force_new(),
            |d, prior| {
                Some(read_device_set(
                    prior,
                    "ebs_block_device",
                    &ebs_device_ty(),
                    ebs_blocks(d),
                ))
            },
        )
        .attr_with_prior(
            "ephemeral_block_device",
            A::optional(Type::Set(Box::new(ephemeral_device_ty()))).force_new(),
            |d, prior| {
                Some(read_device_set(
                    prior,
                    "ephemeral_block_device",
                    &ephemeral_device_ty(),
                    ephemeral_blocks(d),
                ))
            },
        )
        .attr_with_prior(
            "metadata_options",
            A::optional(Type::List(Box::new(metadata_options_ty()))).force_new(),
            |d, prior| {
                Some(read_blocks(
                    prior,
                    "metadata_options",
                    &metadata_options_ty(),
                    metadata_blocks(d),
                ))
            },
        )
        .attr(
            "ebs_optimized",
            A::optional_computed(Type::Bool).force_new(),
            |d| b(d.config.ebs_optimized().unwrap_or(false)),
        )
        .attr(
            "enable_monitoring",
            A::optional(Type::Bool).default(b(true)).force_new(),
            |d| {
                let monitoring = d.config.instance_monitoring().and_then(|m| m.enabled());
                b(monitoring.unwrap_or(true))
            },
        )
        // moto answers no tenancy: what was configured stands then.
        .attr_if_answered(
            "placement_tenancy",
            A::optional_computed(Type::String).force_new(),
            |d| d.config.placement_tenancy().map(s),
        )
        .attr("spot_price", A::optional(Type::String).force_new(), |d| {
            opt_s(d.config.spot_price())
        })
}

crate::provider::aws::table::table_type!(LaunchConfiguration, Described);

impl LaunchConfiguration {
    async fn delete_by_name(&self, name: &str) -> ProviderResult<()> {
        self.aws
            .autoscaling
            .delete_launch_configuration()
            .launch_configuration_name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(err("autoscaling:DeleteLaunchConfiguration"))
    }

    async fn by_name(
        &self,
        name: &str,
    ) -> ProviderResult<Option<aws_sdk_autoscaling::types::LaunchConfiguration>> {
        let out = self
            .aws
            .autoscaling
            .describe_launch_configurations()
            .launch_configuration_names(name)
            .send()
            .await
            .map_err(err("autoscaling:DescribeLaunchConfigurations"))?;
        Ok(out
            .launch_configurations()
            .iter()
            .find(|c| c.launch_configuration_name() == Some(name))
            .cloned())
    }

    /// The device name of an image's root volume, where `root_block_device` goes.
    async fn root_device_name(&self, image_id: &str) -> ProviderResult<Option<String>> {
        let out = self
            .aws
            .ec2
            .describe_images()
            .image_ids(image_id)
            .send()
            .await
            .map_err(err("ec2:DescribeImages"))?;
        Ok(out
            .images()
            .first()
            .and_then(|i| i.root_device_name())
            .map(str::to_string))
    }

    async fn value(
        &self,
        prior: Option<Obj>,
        config: aws_sdk_autoscaling::types::LaunchConfiguration,
    ) -> ProviderResult<Value> {
        let root = match (config.block_device_mappings().is_empty(), config.image_id()) {
            (false, Some(image)) => self.root_device_name(image).await?,
            _ => None,
        };
        let d = Described { config, root };
        Ok(self.table.read(&self.aws, prior, &d).finish(&self.schema))
    }
}

impl AsyncResourceType for LaunchConfiguration {
    crate::provider::aws::bulk::schema_and_address!();
    fn validate(&self, planned: &Value) -> Result<(), String> {
        validate_user_data(planned, false)
    }

    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        plan_user_data(prior, planned)
    }

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let name = naming::create_name(&p, "name", "name_prefix", &ctx);
        let generated = p.str("name").is_none();
        let image = p.req("image_id")?;
        let mut mappings = Vec::new();
        if let Some(r) = p.block("root_block_device") {
            let device = self.root_device_name(&image).await?.ok_or_else(|| {
                ProviderError::new(
                    "ec2:DescribeImages",
                    format!("image {image} has no root device"),
                )
            })?;
            mappings.push(
                BlockDeviceMapping::builder()
                    .device_name(device)
                    .ebs(
                        Ebs::builder()
                            .set_volume_size(r.i32("volume_size"))
                            .set_volume_type(r.str("volume_type"))
                            .set_delete_on_termination(r.bool("delete_on_termination"))
                            .set_encrypted(r.bool("encrypted"))
                            .set_iops(r.i32("iops"))
                            .set_throughput(r.i32("throughput"))
                            .build(),
                    )
                    .build(),
            );
        }
        mappings.extend(extra_mappings(&p));
        let request = self
            .aws
            .autoscaling
            .create_launch_configuration()
            .launch_configuration_name(&name)
            .image_id(&image)
            .set_instance_type(p.str("instance_type"))
            .set_iam_instance_profile(p.str("iam_instance_profile"))
            .set_security_groups(nonempty(p.strs("security_groups")))
            .set_user_data(
                p.str("user_data")
                    .map(|u| user_data_base64(&u))
                    .or_else(|| p.str("user_data_base64")),
            )
            .set_metadata_options(p.block("metadata_options").map(|m| {
                aws_sdk_autoscaling::types::InstanceMetadataOptions::builder()
                    .set_http_endpoint(m.str("http_endpoint").map(|v| v.as_str().into()))
                    .set_http_put_response_hop_limit(m.i32("http_put_response_hop_limit"))
                    .set_http_tokens(m.str("http_tokens").map(|v| v.as_str().into()))
                    .build()
            }))
            .set_associate_public_ip_address(p.bool("associate_public_ip_address"))
            .set_key_name(p.str("key_name"))
            .set_block_device_mappings(nonempty(mappings))
            .set_ebs_optimized(p.bool("ebs_optimized"))
            .instance_monitoring(
                aws_sdk_autoscaling::types::InstanceMonitoring::builder()
                    .enabled(p.bool("enable_monitoring").unwrap_or(true))
                    .build(),
            )
            .set_placement_tenancy(p.str("placement_tenancy"))
            .set_spot_price(p.str("spot_price"));
        let made = request
            .clone()
            .send()
            .await
            .map_err(err("autoscaling:CreateLaunchConfiguration"));
        match made {
            // A generated name is made from self create's token: the configuration by
            // that name is one an apply killed before recording it made. Launch
            // configurations cannot change, and nothing uses an unrecorded one: make it
            // again from self configuration.
            Err(e) if generated && e.already_exists() => {
                self.delete_by_name(&name).await?;
                request
                    .send()
                    .await
                    .map_err(err("autoscaling:CreateLaunchConfiguration"))?;
            }
            other => {
                other?;
            }
        }
        let c = retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || async {
                self.by_name(&name).await?.ok_or_else(|| {
                    ProviderError::new(
                        "autoscaling:DescribeLaunchConfigurations",
                        format!("{name} not found"),
                    )
                    .with_code("LaunchConfiguration.NotFound")
                })
            },
        )
        .await?;
        self.value(Some(p), c).await
    }

    async fn update(&self, _prior: Value, planned: Value) -> ProviderResult<Value> {
        // Every argument forces a new object, so an update only ever carries state-only
        // changes; there is nothing to send.
        let p = Obj::of(&planned);
        let name = p.id()?;
        match self.by_name(&name).await? {
            Some(c) => self.value(Some(p), c).await,
            None => Err(ProviderError::new(
                "autoscaling:DescribeLaunchConfigurations",
                format!("{name} vanished"),
            )),
        }
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let name = Obj::of(&prior).id()?;
        // A group that was just deleted may still hold the configuration for a moment.
        let r = retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.in_use(),
            || self.delete_by_name(&name),
        )
        .await;
        match r {
            Err(e) if !e.is_not_found() => Err(e),
            _ => Ok(()),
        }
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        let p = Obj::of(&prior);
        let name = p.id()?;
        match self.by_name(&name).await? {
            Some(c) => Ok(Some(self.value(Some(p), c).await?)),
            None => Ok(None),
        }
    }

    async fn import(&self, id: &str) -> ProviderResult<Value> {
        let c = self.by_name(id).await?.ok_or_else(|| {
            ProviderError::new("import", format!("no launch configuration named {id}"))
        })?;
        self.value(None, c).await
    }
}
