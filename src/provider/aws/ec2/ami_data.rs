//! `data "aws_ami"`: the one image (or the most recent of several) that owners, filters and a
//! name pattern select, with every attribute Terraform exports: its block device mappings
//! (`ebs` as a map of strings, as Terraform keeps it), product codes, state reason, boot and
//! platform details, the root volume's snapshot, and the UEFI variable store.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, b, map_s, opt_s, s};
use crate::provider::aws::data::none_found;
use crate::provider::aws::sdk::err;
use crate::provider::aws::tags;
use crate::provider::schema::block_object;
use crate::provider::{AttrSchema, ProviderError, ProviderResult, Schema};
use aws_sdk_ec2::types::{Filter, Image, ImageAttributeName};
use std::collections::BTreeMap;

fn strings() -> Type {
    Type::List(Box::new(Type::String))
}

fn string_map() -> Type {
    Type::Map(Box::new(Type::String))
}

fn device_ty() -> Type {
    block_object(&[
        ("device_name", Type::String),
        ("ebs", string_map()),
        ("no_device", Type::String),
        ("virtual_name", Type::String),
    ])
}

fn product_code_ty() -> Type {
    block_object(&[
        ("product_code_id", Type::String),
        ("product_code_type", Type::String),
    ])
}

/// The data source's schema: the query arguments, then what the image answers.
pub(crate) fn schema(id: (&'static str, AttrSchema), filter: AttrSchema) -> Schema {
    let text = || AttrSchema::computed(Type::String);
    Schema::new([
        id,
        ("owners", AttrSchema::optional(strings())),
        (
            "most_recent",
            AttrSchema::optional(Type::Bool).default(b(false)),
        ),
        ("name_regex", AttrSchema::optional(Type::String)),
        ("executable_users", AttrSchema::optional(strings())),
        ("include_deprecated", AttrSchema::optional(Type::Bool)),
        // Version 6 warns about `most_recent` without an owner or image filter unless this is
        // set; infra takes it and does not warn.
        ("allow_unsafe_filter", AttrSchema::optional(Type::Bool)),
        ("filter", filter),
        ("image_id", text()),
        ("last_launched_time", text()),
        ("arn", text()),
        ("name", text()),
        ("description", text()),
        ("architecture", text()),
        ("creation_date", text()),
        ("owner_id", text()),
        ("root_device_name", text()),
        ("root_device_type", text()),
        ("root_snapshot_id", text()),
        ("virtualization_type", text()),
        ("state", text()),
        ("public", AttrSchema::computed(Type::Bool)),
        ("tags", AttrSchema::computed(string_map())),
        (
            "block_device_mappings",
            AttrSchema::computed(Type::Set(Box::new(device_ty()))),
        ),
        ("boot_mode", text()),
        ("deprecation_time", text()),
        ("ena_support", AttrSchema::computed(Type::Bool)),
        ("hypervisor", text()),
        ("image_location", text()),
        ("image_owner_alias", text()),
        ("image_type", text()),
        ("imds_support", text()),
        ("kernel_id", text()),
        ("platform", text()),
        ("platform_details", text()),
        (
            "product_codes",
            AttrSchema::computed(Type::Set(Box::new(product_code_ty()))),
        ),
        ("ramdisk_id", text()),
        ("sriov_net_support", text()),
        ("state_reason", AttrSchema::computed(string_map())),
        ("tpm_support", text()),
        // The image's UEFI variable store (base64), answered by DescribeImageAttribute alone;
        // an argument in the provider's schema, though only ever read.
        ("uefi_data", AttrSchema::optional_computed(Type::String)),
        ("usage_operation", text()),
    ])
}

/// An image's block device mappings, `ebs` as Terraform's map of strings.
fn devices(img: &Image) -> Value {
    let items: Vec<Value> = img
        .block_device_mappings()
        .iter()
        .map(|m| {
            let mut ebs = BTreeMap::new();
            if let Some(e) = m.ebs() {
                let mut put = |k: &str, v: Option<String>| {
                    if let Some(v) = v {
                        ebs.insert(k.to_string(), v);
                    }
                };
                put(
                    "delete_on_termination",
                    e.delete_on_termination().map(|x| x.to_string()),
                );
                put("encrypted", e.encrypted().map(|x| x.to_string()));
                put("iops", e.iops().map(|x| x.to_string()));
                put("snapshot_id", e.snapshot_id().map(str::to_string));
                put("throughput", e.throughput().map(|x| x.to_string()));
                put("volume_size", e.volume_size().map(|x| x.to_string()));
                put(
                    "volume_type",
                    e.volume_type().map(|x| x.as_str().to_string()),
                );
            }
            let mut x = Obj::default();
            x.set("device_name", opt_s(m.device_name()))
                .set("ebs", map_s(&ebs))
                .set("no_device", opt_s(m.no_device()))
                .set("virtual_name", opt_s(m.virtual_name()));
            Value::object(x.0)
        })
        .collect();
    Value::set(device_ty(), items)
}

fn product_codes(img: &Image) -> Value {
    let items: Vec<Value> = img
        .product_codes()
        .iter()
        .map(|p| {
            let mut x = Obj::default();
            x.set("product_code_id", opt_s(p.product_code_id())).set(
                "product_code_type",
                opt_s(p.product_code_type().map(|t| t.as_str())),
            );
            Value::object(x.0)
        })
        .collect();
    Value::set(product_code_ty(), items)
}

/// The snapshot of the mapping that is the root device, as Terraform finds it.
fn root_snapshot(img: &Image) -> Option<&str> {
    let root = img.root_device_name()?;
    img.block_device_mappings()
        .iter()
        .find(|m| m.device_name() == Some(root))
        .and_then(|m| m.ebs())
        .and_then(|e| e.snapshot_id())
}

pub(crate) async fn read(
    aws: &Aws,
    cfg: &Obj,
    filters: Vec<Filter>,
    o: &mut Obj,
) -> ProviderResult<()> {
    let owners = cfg.strs("owners");
    let found = aws
        .ec2
        .describe_images()
        .set_owners((!owners.is_empty()).then_some(owners))
        .set_executable_users({
            let u = cfg.strs("executable_users");
            (!u.is_empty()).then_some(u)
        })
        .set_filters(Some(filters))
        .set_include_deprecated(cfg.bool("include_deprecated"))
        .send()
        .await
        .map_err(err("ec2:DescribeImages"))?;
    let re = match cfg.str("name_regex") {
        Some(r) => Some(regex::Regex::new(&r).map_err(|e| {
            ProviderError::new(
                "read",
                format!("name_regex {r:?} is not a valid pattern: {e}"),
            )
        })?),
        None => None,
    };
    let mut images: Vec<_> = found
        .images()
        .iter()
        .filter(|i| match &re {
            Some(re) => i.name().is_some_and(|n| re.is_match(n)),
            None => true,
        })
        .collect();
    if images.len() > 1 && cfg.bool("most_recent") != Some(true) {
        return Err(ProviderError::new(
            "read",
            format!(
                "your query returned {} AMIs; use a more specific search criteria, or set most_recent = true",
                images.len()
            ),
        ));
    }
    // Creation dates are ISO 8601 in UTC, so they sort as strings.
    images.sort_by(|a, b| a.creation_date().cmp(&b.creation_date()));
    let img = images.last().ok_or_else(|| none_found("AMI"))?;
    let id = img.image_id().unwrap_or_default();
    let state_reason: BTreeMap<String, String> = img
        .state_reason()
        .map(|r| {
            [
                ("code", r.code().unwrap_or("UNSET")),
                ("message", r.message().unwrap_or("UNSET")),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
        })
        .unwrap_or_default();
    // The plugin SDK stores an absent string as "", and Terraform's data source answers that.
    let text = |v: Option<&str>| s(v.unwrap_or_default());
    o.set("id", s(id))
        .set("image_id", s(id))
        .set("last_launched_time", text(img.last_launched_time()))
        .set("arn", s(format!("arn:aws:ec2:{}::image/{id}", aws.region)))
        .set("name", text(img.name()))
        .set("description", text(img.description()))
        .set("architecture", text(img.architecture().map(|a| a.as_str())))
        .set("creation_date", text(img.creation_date()))
        .set("owner_id", text(img.owner_id()))
        .set("root_device_name", text(img.root_device_name()))
        .set(
            "root_device_type",
            text(img.root_device_type().map(|t| t.as_str())),
        )
        .set("root_snapshot_id", text(root_snapshot(img)))
        .set(
            "virtualization_type",
            text(img.virtualization_type().map(|t| t.as_str())),
        )
        .set("state", text(img.state().map(|t| t.as_str())))
        .set("public", b(img.public().unwrap_or(false)))
        .set("tags", map_s(&tags::from_ec2(img.tags())))
        .set("block_device_mappings", devices(img))
        .set("boot_mode", text(img.boot_mode().map(|t| t.as_str())))
        .set("deprecation_time", text(img.deprecation_time()))
        .set("ena_support", b(img.ena_support().unwrap_or(false)))
        .set("hypervisor", text(img.hypervisor().map(|t| t.as_str())))
        .set("image_location", text(img.image_location()))
        .set("image_owner_alias", text(img.image_owner_alias()))
        .set("image_type", text(img.image_type().map(|t| t.as_str())))
        .set("imds_support", text(img.imds_support().map(|t| t.as_str())))
        .set("kernel_id", text(img.kernel_id()))
        .set("platform", text(img.platform().map(|t| t.as_str())))
        .set("platform_details", text(img.platform_details()))
        .set("product_codes", product_codes(img))
        .set("ramdisk_id", text(img.ramdisk_id()))
        .set("sriov_net_support", text(img.sriov_net_support()))
        .set("state_reason", map_s(&state_reason))
        .set("tpm_support", text(img.tpm_support().map(|t| t.as_str())))
        .set("usage_operation", text(img.usage_operation()));
    let uefi = aws
        .ec2
        .describe_image_attribute()
        .image_id(id)
        .attribute(ImageAttributeName::UefiData)
        .send()
        .await
        .map_err(err("ec2:DescribeImageAttribute"))?;
    o.set("uefi_data", text(uefi.uefi_data().and_then(|v| v.value())));
    Ok(())
}
