//! `aws_launch_template`: versions, the default and latest version, and template data.

use super::template_devices::{device_blocks, device_ty, nic_blocks, nic_ty};
use super::template_options;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, map_s, opt_b, opt_n, opt_s, s};
use crate::provider::aws::bulk::{self, Ec2Bulk};
use crate::provider::aws::launch::*;
use crate::provider::aws::naming;
use crate::provider::aws::sdk::{AllPages, absent_if_not_found, err, gone_is_ok};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags;
use crate::provider::aws::user_data::*;
use crate::provider::{AsyncResourceType, AttrSchema, CreateContext, ProviderResult};
use aws_sdk_ec2::types::{
    Filter, InstanceType, LaunchTemplateHttpTokensState,
    LaunchTemplateIamInstanceProfileSpecificationRequest,
    LaunchTemplateInstanceMetadataEndpointState, LaunchTemplateInstanceMetadataOptionsRequest,
    LaunchTemplateTagSpecificationRequest, RequestLaunchTemplateData, ResourceType as Kind,
    ResponseLaunchTemplateData, ShutdownBehavior,
};

/// The arguments that make up a version's data: a change to any of them is a new version.
const TEMPLATE_DATA: &[&str] = &[
    "description",
    "image_id",
    "instance_type",
    "key_name",
    "user_data",
    "vpc_security_group_ids",
    "iam_instance_profile",
    "network_interfaces",
    "block_device_mappings",
    "metadata_options",
    "tag_specifications",
    "disable_api_stop",
    "disable_api_termination",
    "ebs_optimized",
    "instance_initiated_shutdown_behavior",
    "kernel_id",
    "ram_disk_id",
    "security_group_names",
];

type Data = ResponseLaunchTemplateData;

/// A template and the data of its latest version.
pub struct TemplateItem {
    template: aws_sdk_ec2::types::LaunchTemplate,
    data: Option<Data>,
    description: Option<String>,
}

/// A template-data argument made of nested blocks: read from the latest version's data, cut to
/// the configuration's shape; kept from the prior when the version could not be read.
macro_rules! data_blocks {
    ($table:expr, $name:literal, $elem:expr, $read:expr) => {
        $table.attr_with_prior(
            $name,
            AttrSchema::optional(Type::List(Box::new($elem))),
            |i, prior| {
                let d = i.data.as_ref()?;
                Some(read_blocks(prior, $name, &$elem, $read(d)))
            },
        )
    };
}

/// Every attribute of `aws_launch_template`, and how it reads from a template and its latest
/// version's data.
fn table() -> Table<TemplateItem> {
    use AttrSchema as A;
    let t = Table::<TemplateItem>::new()
        .attr("id", A::computed(Type::String), |i| {
            opt_s(i.template.launch_template_id())
        })
        .attr_in_region("arn", A::computed(Type::String), |i, region| {
            // CreatedBy is an ARN of the owning account: the only place the account shows.
            let t = &i.template;
            let account = t.created_by().and_then(|a| a.split(':').nth(4));
            s(format!(
                "arn:aws:ec2:{region}:{}:launch-template/{}",
                account.unwrap_or_default(),
                t.launch_template_id().unwrap_or_default()
            ))
        })
        .attr(
            "name",
            A::optional_computed(Type::String).force_new(),
            |i| opt_s(i.template.launch_template_name()),
        )
        .attr_with_prior(
            "name_prefix",
            A::optional_computed(Type::String).force_new(),
            |i, prior| {
                naming::read_name_prefix(prior, i.template.launch_template_name().unwrap_or(""))
            },
        )
        .attr("description", A::optional(Type::String), |i| {
            opt_s(i.description.as_deref())
        })
        .attr_with_prior("image_id", A::optional(Type::String), |i, _| {
            Some(opt_s(i.data.as_ref()?.image_id()))
        })
        .attr_with_prior("instance_type", A::optional(Type::String), |i, _| {
            Some(opt_s(i.data.as_ref()?.instance_type().map(|t| t.as_str())))
        })
        .attr_with_prior("key_name", A::optional(Type::String), |i, _| {
            Some(opt_s(i.data.as_ref()?.key_name()))
        })
        .attr_with_prior("user_data", A::optional(Type::String), |i, _| {
            Some(opt_s(i.data.as_ref()?.user_data()))
        })
        .attr_with_prior(
            "vpc_security_group_ids",
            A::optional(string_set()),
            |i, _| Some(opt_set(i.data.as_ref()?.security_group_ids().to_vec())),
        );
    let t = data_blocks!(t, "iam_instance_profile", iam_profile_ty(), iam_blocks);
    let t = data_blocks!(t, "network_interfaces", nic_ty(), nic_blocks);
    let t = data_blocks!(t, "block_device_mappings", device_ty(), device_blocks);
    let t = data_blocks!(t, "metadata_options", metadata_ty(), metadata_blocks);
    let t = data_blocks!(t, "tag_specifications", tag_spec_ty(), spec_blocks);
    let mut t = t
        .attr_with_prior("disable_api_stop", A::optional(Type::Bool), |i, _| {
            Some(opt_b(i.data.as_ref()?.disable_api_stop()))
        })
        .attr_with_prior(
            "disable_api_termination",
            A::optional(Type::Bool),
            |i, _| Some(opt_b(i.data.as_ref()?.disable_api_termination())),
        )
        .attr_with_prior("ebs_optimized", A::optional(Type::String), |i, _| {
            Some(tri_s(i.data.as_ref()?.ebs_optimized()))
        })
        .attr_with_prior(
            "instance_initiated_shutdown_behavior",
            A::optional(Type::String),
            |i, _| {
                let d = i.data.as_ref()?;
                Some(opt_s(
                    d.instance_initiated_shutdown_behavior().map(|v| v.as_str()),
                ))
            },
        )
        .attr_with_prior("kernel_id", A::optional(Type::String), |i, _| {
            Some(opt_s(i.data.as_ref()?.kernel_id()))
        })
        .attr_with_prior("ram_disk_id", A::optional(Type::String), |i, _| {
            Some(opt_s(i.data.as_ref()?.ram_disk_id()))
        })
        .attr_with_prior("security_group_names", A::optional(string_set()), |i, _| {
            Some(opt_set(i.data.as_ref()?.security_groups().to_vec()))
        });
    for (name, elem, _) in template_options::option_blocks() {
        t = t.blocks_of(name, elem.clone(), |i, name| {
            Some(template_options::read(name, i.data.as_ref()?))
        });
    }
    t.declared("update_default_version", A::optional(Type::Bool))
        .attr("default_version", A::optional_computed(Type::Number), |i| {
            opt_n(i.template.default_version_number())
        })
        .attr("latest_version", A::computed(Type::Number), |i| {
            opt_n(i.template.latest_version_number())
        })
        .tagged(|i| tags::from_ec2(i.template.tags()))
}

crate::provider::aws::table::table_type!(LaunchTemplate, TemplateItem);

impl LaunchTemplate {
    async fn set_default_version(&self, id: &str, version: i64) -> ProviderResult<()> {
        self.aws
            .ec2
            .modify_launch_template()
            .launch_template_id(id)
            .default_version(version.to_string())
            .send()
            .await
            .map_err(err("ec2:ModifyLaunchTemplate"))?;
        Ok(())
    }

    /// Templates by id, or (no ids) by filter; a missing id fails AWS's whole call, so a
    /// failed batch is asked again one id at a time.
    async fn describe_templates(
        ec2: &aws_sdk_ec2::Client,
        ids: Vec<String>,
        filters: Vec<Filter>,
    ) -> ProviderResult<Vec<aws_sdk_ec2::types::LaunchTemplate>> {
        let call = |ids: Vec<String>| {
            let req = ec2
                .describe_launch_templates()
                .set_filters(nonempty_filters(filters.clone()));
            let req = if ids.is_empty() {
                req.max_results(200)
            } else {
                req.set_launch_template_ids(Some(ids))
            };
            async move {
                req.into_paginator()
                    .items()
                    .send()
                    .all("ec2:DescribeLaunchTemplates")
                    .await
            }
        };
        match call(ids.clone()).await {
            Err(e) if e.is_not_found() && !ids.is_empty() => {
                let mut out = Vec::new();
                for id in ids {
                    match call(vec![id]).await {
                        Ok(found) => out.extend(found),
                        Err(e) if e.is_not_found() => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(out)
            }
            other => other,
        }
    }

    async fn latest_version(
        ec2: &aws_sdk_ec2::Client,
        t: &aws_sdk_ec2::types::LaunchTemplate,
    ) -> ProviderResult<Option<aws_sdk_ec2::types::LaunchTemplateVersion>> {
        let out = ec2
            .describe_launch_template_versions()
            .set_launch_template_id(t.launch_template_id().map(str::to_string))
            .versions(
                t.latest_version_number()
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "$Latest".into()),
            )
            .send()
            .await
            .map_err(err("ec2:DescribeLaunchTemplateVersions"));
        Ok(absent_if_not_found(out)?.and_then(|o| o.launch_template_versions().first().cloned()))
    }
}

fn nonempty_filters(f: Vec<Filter>) -> Option<Vec<Filter>> {
    (!f.is_empty()).then_some(f)
}

/// The request data of a template version from the planned arguments.
fn template_data(p: &Obj) -> RequestLaunchTemplateData {
    let mut d = RequestLaunchTemplateData::builder()
        .set_image_id(p.str("image_id"))
        .set_instance_type(
            p.str("instance_type")
                .map(|t| InstanceType::from(t.as_str())),
        )
        .set_key_name(p.str("key_name"))
        .set_user_data(p.str("user_data"))
        .set_security_group_ids(nonempty(p.strs("vpc_security_group_ids")))
        .set_security_groups(nonempty(p.strs("security_group_names")))
        .set_disable_api_stop(p.bool("disable_api_stop"))
        .set_disable_api_termination(p.bool("disable_api_termination"))
        .set_ebs_optimized(tri_bool(p, "ebs_optimized"))
        .set_instance_initiated_shutdown_behavior(
            p.str("instance_initiated_shutdown_behavior")
                .map(|v| ShutdownBehavior::from(v.as_str())),
        )
        .set_kernel_id(p.str("kernel_id"))
        .set_ram_disk_id(p.str("ram_disk_id"));
    d = super::template_options::request(d, p);
    if let Some(i) = p.block("iam_instance_profile") {
        d = d.iam_instance_profile(
            LaunchTemplateIamInstanceProfileSpecificationRequest::builder()
                .set_name(i.str("name"))
                .set_arn(i.str("arn"))
                .build(),
        );
    }
    d = super::template_devices::request(d, p);
    if let Some(m) = p.block("metadata_options") {
        d = d.metadata_options(
            LaunchTemplateInstanceMetadataOptionsRequest::builder()
                .set_http_tokens(
                    m.str("http_tokens")
                        .map(|v| LaunchTemplateHttpTokensState::from(v.as_str())),
                )
                .set_http_endpoint(
                    m.str("http_endpoint")
                        .map(|v| LaunchTemplateInstanceMetadataEndpointState::from(v.as_str())),
                )
                .set_http_put_response_hop_limit(m.i32("http_put_response_hop_limit"))
                .set_http_protocol_ipv6(m.str("http_protocol_ipv6").map(|v| {
                    aws_sdk_ec2::types::LaunchTemplateInstanceMetadataProtocolIpv6::from(v.as_str())
                }))
                .set_instance_metadata_tags(m.str("instance_metadata_tags").map(|v| {
                    aws_sdk_ec2::types::LaunchTemplateInstanceMetadataTagsState::from(v.as_str())
                }))
                .build(),
        );
    }
    for ts in p.blocks("tag_specifications") {
        d = d.tag_specifications(
            LaunchTemplateTagSpecificationRequest::builder()
                .set_resource_type(ts.str("resource_type").map(|r| Kind::from(r.as_str())))
                .set_tags(Some(tags::ec2_tags(&ts.map("tags"))))
                .build(),
        );
    }
    d.build()
}

/// The `iam_instance_profile` block of a version's data.
fn iam_blocks(d: &Data) -> Vec<Obj> {
    d.iam_instance_profile()
        .map(|i| {
            let mut x = Obj::default();
            x.set("name", opt_s(i.name())).set("arn", opt_s(i.arn()));
            x
        })
        .into_iter()
        .collect()
}

/// The `metadata_options` block of a version's data.
fn metadata_blocks(d: &Data) -> Vec<Obj> {
    d.metadata_options()
        .map(|m| {
            let mut x = Obj::default();
            x.set("http_tokens", opt_s(m.http_tokens().map(|v| v.as_str())))
                .set(
                    "http_endpoint",
                    opt_s(m.http_endpoint().map(|v| v.as_str())),
                )
                .set(
                    "http_put_response_hop_limit",
                    opt_n(m.http_put_response_hop_limit().map(i64::from)),
                )
                .set(
                    "http_protocol_ipv6",
                    opt_s(m.http_protocol_ipv6().map(|v| v.as_str())),
                )
                .set(
                    "instance_metadata_tags",
                    opt_s(m.instance_metadata_tags().map(|v| v.as_str())),
                );
            x
        })
        .into_iter()
        .collect()
}

/// The `tag_specifications` blocks of a version's data. Template data cannot tag the
/// template itself; moto copies the create call's tags of the template in here, which AWS
/// does not.
fn spec_blocks(d: &Data) -> Vec<Obj> {
    d.tag_specifications()
        .iter()
        .filter(|ts| ts.resource_type() != Some(&Kind::LaunchTemplate))
        .map(|ts| {
            let mut x = Obj::default();
            x.set(
                "resource_type",
                opt_s(ts.resource_type().map(|r| r.as_str())),
            )
            .set("tags", map_s(&tags::from_ec2(ts.tags())));
            x
        })
        .collect()
}

/// A launch template's id filter does not exist in EC2; it stands for `LaunchTemplateIds`.
const TEMPLATE_ID_FILTER: &str = "launch-template-id";

impl Ec2Bulk for LaunchTemplate {
    type Item = TemplateItem;
    const ID_FILTER: &'static str = TEMPLATE_ID_FILTER;
    const DESCRIBE: &'static str = "ec2:DescribeLaunchTemplates";
    const NOT_FOUND: &'static str = "InvalidLaunchTemplateId.NotFound";

    fn item_id(item: &Self::Item) -> String {
        item.template
            .launch_template_id()
            .unwrap_or_default()
            .to_string()
    }

    fn parts(
        &self,
    ) -> (
        &crate::provider::aws::Aws,
        &Table<TemplateItem>,
        &crate::provider::Schema,
    ) {
        (&self.aws, &self.table, &self.schema)
    }

    async fn describe(&self, filters: Vec<Filter>) -> ProviderResult<Vec<Self::Item>> {
        let ec2 = &self.aws.ec2;
        let (ids, filters): (Vec<Filter>, Vec<Filter>) = filters
            .into_iter()
            .partition(|f| f.name() == Some(TEMPLATE_ID_FILTER));
        let ids: Vec<String> = ids.iter().flat_map(|f| f.values().to_vec()).collect();
        let mut out = Vec::new();
        for template in Self::describe_templates(ec2, ids, filters).await? {
            let version = Self::latest_version(ec2, &template).await?;
            out.push(TemplateItem {
                template,
                description: version
                    .as_ref()
                    .and_then(|v| v.version_description())
                    .map(str::to_string),
                data: version.and_then(|v| v.launch_template_data),
            });
        }
        Ok(out)
    }
}

impl AsyncResourceType for LaunchTemplate {
    crate::provider::aws::bulk::ec2_reads!();
    fn validate(&self, planned: &Value) -> Result<(), String> {
        validate_user_data(planned, true)
    }

    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        let planned = tags::plan(&self.aws, planned);
        let Some(prior) = prior else {
            return planned;
        };
        let (before, mut after) = (Obj::of(prior), Obj::of(&planned));
        let data_changes = TEMPLATE_DATA
            .iter()
            .copied()
            .chain(template_options::names())
            .any(|k| {
                let (a, b) = (
                    before.0.get(k).cloned().unwrap_or_else(Value::null),
                    planned_attr(&planned, k),
                );
                !(b.is_wholly_known() && (a.is_null() && b.is_null() || a.raw_equal(&b)))
            });
        if data_changes {
            after.set("latest_version", Value::Unknown(Type::Number));
            if after.bool("update_default_version") == Some(true) {
                after.set("default_version", Value::Unknown(Type::Number));
            }
        }
        Value::object(after.0)
    }

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let out = self
            .aws
            .ec2
            .create_launch_template()
            .launch_template_name(naming::create_name(&p, "name", "name_prefix", &ctx))
            .set_version_description(p.str("description"))
            .launch_template_data(template_data(&p))
            .tag_specifications(tags::ec2_spec(Kind::LaunchTemplate, &t))
            .send()
            .await
            .map_err(err("ec2:CreateLaunchTemplate"))?;
        let id = out
            .launch_template()
            .and_then(|t| t.launch_template_id())
            .unwrap_or_default()
            .to_string();
        bulk::described(self, &id).await?;
        if let Some(v) = p.i64("default_version")
            && v != 1
        {
            self.set_default_version(&id, v).await?;
        }
        bulk::finished(self, p, &id).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let id = before.id()?;
        let mut new_version = None;
        if after.get("latest_version").is_none() {
            let out = self
                .aws
                .ec2
                .create_launch_template_version()
                .launch_template_id(&id)
                .set_version_description(after.str("description"))
                .launch_template_data(template_data(&after))
                .send()
                .await
                .map_err(err("ec2:CreateLaunchTemplateVersion"))?;
            new_version = out
                .launch_template_version()
                .and_then(|v| v.version_number());
        }
        let wanted_default = match (after.bool("update_default_version"), new_version) {
            (Some(true), Some(v)) => Some(v),
            _ => after
                .i64("default_version")
                .filter(|v| Some(*v) != before.i64("default_version")),
        };
        if let Some(v) = wanted_default {
            self.set_default_version(&id, v).await?;
        }
        tags::update_ec2(&self.aws, &id, &before, &after).await?;
        bulk::finished(self, after, &id).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let id = Obj::of(&prior).id()?;
        let r = self
            .aws
            .ec2
            .delete_launch_template()
            .launch_template_id(&id)
            .send()
            .await
            .map_err(err("ec2:DeleteLaunchTemplate"));
        gone_is_ok(r)
    }
}

fn planned_attr(planned: &Value, k: &str) -> Value {
    planned
        .unmark()
        .0
        .attributes()
        .and_then(|a| a.get(k))
        .cloned()
        .unwrap_or_else(Value::null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::aws::attrs::{blocks, n};

    #[test]
    fn fit_keeps_what_the_configuration_left_unset() {
        let elem = crate::provider::aws::ec2::template_devices::ebs_ty();
        let mut configured = Obj::default();
        configured.set("volume_size", n(20));
        let prior = blocks(&elem, vec![configured]);
        let mut api = Obj::default();
        api.set("volume_size", n(20)).set("volume_type", s("gp2"));
        let got = fit(Some(&prior), blocks(&elem, vec![api]));
        let got = Obj::of(&got.elements().unwrap()[0]);
        assert_eq!(got.i64("volume_size"), Some(20));
        assert_eq!(got.str("volume_type"), None);
        // Without a prior (import) the API's value stands.
        let mut api = Obj::default();
        api.set("volume_type", s("gp2"));
        let whole = fit(None, blocks(&elem, vec![api]));
        assert_eq!(
            Obj::of(&whole.elements().unwrap()[0])
                .str("volume_type")
                .as_deref(),
            Some("gp2")
        );
    }
}
