//! An instance's EBS volumes: `root_block_device` (the image's root device; size, type, IOPS
//! and throughput change in place) and `ebs_block_device` (more volumes at launch; a change
//! replaces the instance). Read from the instance's mappings and one DescribeVolumes, only
//! where the configuration has either block (or on import): one call per instance saved on
//! every refresh otherwise.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, map_s, opt_b, opt_n, opt_s};
use crate::provider::aws::launch::{read_blocks, read_device_set};
use crate::provider::aws::sdk::err;
use crate::provider::aws::tags;
use crate::provider::schema::block_object;
use crate::provider::{ProviderError, ProviderResult};
use aws_sdk_ec2::types::{
    BlockDeviceMapping, EbsBlockDevice, EbsInstanceBlockDeviceSpecification,
    InstanceBlockDeviceMappingSpecification, Volume, VolumeType,
};
use std::collections::HashMap;

/// The attributes of a root or EBS volume block; an EBS volume's may come from a snapshot.
fn volume_attrs(snapshot: bool) -> Vec<(&'static str, Type)> {
    let tags = || Type::Map(Box::new(Type::String));
    let mut attrs = vec![
        ("delete_on_termination", Type::Bool),
        ("device_name", Type::String),
        ("encrypted", Type::Bool),
        ("iops", Type::Number),
        ("kms_key_id", Type::String),
        // The volume's own tags, put after launch and changed in place (any other change to
        // an EBS block replaces the instance), and with the provider's default tags.
        ("tags", tags()),
        ("tags_all", tags()),
        ("throughput", Type::Number),
        ("volume_id", Type::String),
        ("volume_size", Type::Number),
        ("volume_type", Type::String),
    ];
    if snapshot {
        attrs.push(("snapshot_id", Type::String));
    }
    attrs
}

pub(crate) fn root_ty() -> Type {
    block_object(&volume_attrs(false))
}

pub(crate) fn ebs_ty() -> Type {
    block_object(&volume_attrs(true))
}

fn num(v: Option<i32>) -> Value {
    opt_n(v.map(i64::from))
}

/// Whether the volumes need reading: the configuration has a block, or this is an import.
pub(crate) fn wanted(prior: Option<&Obj>) -> bool {
    prior
        .is_none_or(|p| p.get("root_block_device").is_some() || p.get("ebs_block_device").is_some())
}

/// The two blocks as null where nothing known was kept for them (not configured, not read).
pub(crate) fn null_unread(o: &mut Obj) {
    let nulls = [
        ("root_block_device", Type::List(Box::new(root_ty()))),
        ("ebs_block_device", Type::Set(Box::new(ebs_ty()))),
    ];
    for (k, ty) in nulls {
        if o.0.get(k).is_none_or(|v| !v.is_wholly_known()) {
            o.set(k, Value::Null(ty));
        }
    }
}

/// A volume's tags as a block's `tags` and `tags_all`: the default tags it carries unchanged
/// are the provider's, not its own (as at the top level); none is null, as unconfigured.
fn set_volume_tags(aws: &Aws, x: &mut Obj, v: Option<&Volume>) {
    let all = v.map(|v| tags::from_ec2(v.tags())).unwrap_or_default();
    let mut read = Obj::default();
    tags::set_read(aws, &mut read, &all);
    let null = || Value::Null(Type::Map(Box::new(Type::String)));
    for k in ["tags", "tags_all"] {
        let v = read
            .get(k)
            .cloned()
            .filter(|v| v.attributes().is_some_and(|m| !m.is_empty()));
        x.set(k, v.unwrap_or_else(null));
    }
}

/// Plans each block's `tags_all`: its `tags` with the provider's default tags, which the
/// volume is given with them; null where the block gives no tags (the volume is not tagged).
pub(crate) fn plan_tags(aws: &Aws, planned: Value) -> Value {
    let mut o = Obj::of(&planned);
    for (k, set) in [("root_block_device", false), ("ebs_block_device", true)] {
        if o.get(k).is_none_or(|v| !v.is_wholly_known()) {
            continue;
        }
        let items: Vec<Value> = o
            .blocks(k)
            .into_iter()
            .map(|mut b| {
                let all = b
                    .get("tags")
                    .map(|_| map_s(&tags::merged(aws, &b.map("tags"))));
                b.set(
                    "tags_all",
                    all.unwrap_or(Value::Null(Type::Map(Box::new(Type::String)))),
                );
                Value::object(b.0)
            })
            .collect();
        let value = if set {
            Value::set(ebs_ty(), items)
        } else {
            Value::list(root_ty(), items)
        };
        o.set(k, value);
    }
    Value::object(o.0)
}

/// One mapping of the instance and its volume, as a block.
fn block(aws: &Aws, device: &str, delete_on_termination: Option<bool>, v: Option<&Volume>) -> Obj {
    let mut x = Obj::default();
    x.set("device_name", opt_s(Some(device)))
        .set("delete_on_termination", opt_b(delete_on_termination))
        .set("encrypted", opt_b(v.and_then(|v| v.encrypted())))
        .set("iops", num(v.and_then(|v| v.iops())))
        .set("kms_key_id", opt_s(v.and_then(|v| v.kms_key_id())))
        .set(
            "snapshot_id",
            opt_s(v.and_then(|v| v.snapshot_id()).filter(|s| !s.is_empty())),
        )
        .set("throughput", num(v.and_then(|v| v.throughput())))
        .set("volume_id", opt_s(v.and_then(|v| v.volume_id())))
        .set("volume_size", num(v.and_then(|v| v.size())))
        .set(
            "volume_type",
            opt_s(v.and_then(|v| v.volume_type()).map(|t| t.as_str())),
        );
    set_volume_tags(aws, &mut x, v);
    x
}

/// `(root_block_device, ebs_block_device)` of a described instance.
pub(crate) async fn read(
    aws: &Aws,
    i: &aws_sdk_ec2::types::Instance,
    prior: Option<&Obj>,
) -> ProviderResult<(Value, Value)> {
    let ids: Vec<String> = i
        .block_device_mappings()
        .iter()
        .filter_map(|m| m.ebs()?.volume_id().map(str::to_string))
        .collect();
    let volumes: HashMap<String, Volume> = if ids.is_empty() {
        HashMap::new()
    } else {
        aws.ec2
            .describe_volumes()
            .set_volume_ids(Some(ids))
            .send()
            .await
            .map_err(err("ec2:DescribeVolumes"))?
            .volumes()
            .iter()
            .filter_map(|v| Some((v.volume_id()?.to_string(), v.clone())))
            .collect()
    };
    let root_name = i.root_device_name();
    let (mut root, mut more) = (Vec::new(), Vec::new());
    for m in i.block_device_mappings() {
        let Some(device) = m.device_name() else {
            continue;
        };
        let ebs = m.ebs();
        let volume = ebs
            .and_then(|e| e.volume_id())
            .and_then(|id| volumes.get(id));
        let mut x = block(
            aws,
            device,
            ebs.and_then(|e| e.delete_on_termination()),
            volume,
        );
        if Some(device) == root_name {
            x.0.remove("snapshot_id");
            root.push(x);
        } else {
            more.push(x);
        }
    }
    Ok((
        read_blocks(prior, "root_block_device", &root_ty(), root),
        read_device_set(prior, "ebs_block_device", &ebs_ty(), more),
    ))
}

fn ebs_device(o: &Obj, snapshot: bool) -> EbsBlockDevice {
    EbsBlockDevice::builder()
        .set_delete_on_termination(o.bool("delete_on_termination"))
        .set_encrypted(o.bool("encrypted"))
        .set_iops(o.i32("iops"))
        .set_kms_key_id(o.str("kms_key_id"))
        .set_snapshot_id(o.str("snapshot_id").filter(|_| snapshot))
        .set_throughput(o.i32("throughput"))
        .set_volume_size(o.i32("volume_size"))
        .set_volume_type(o.str("volume_type").map(|v| VolumeType::from(v.as_str())))
        .build()
}

/// The mappings RunInstances takes for the planned blocks; the root's device is the image's.
pub(crate) async fn mappings(aws: &Aws, p: &Obj) -> ProviderResult<Vec<BlockDeviceMapping>> {
    let mut out = Vec::new();
    if let Some(r) = p.block("root_block_device") {
        let image = p.req("ami")?;
        let described = aws
            .ec2
            .describe_images()
            .image_ids(&image)
            .send()
            .await
            .map_err(err("ec2:DescribeImages"))?;
        let device = described
            .images()
            .first()
            .and_then(|i| i.root_device_name())
            .ok_or_else(|| {
                ProviderError::new(
                    "ec2:DescribeImages",
                    format!("image {image} has no root device"),
                )
            })?;
        out.push(
            BlockDeviceMapping::builder()
                .device_name(device)
                .ebs(ebs_device(&r, false))
                .build(),
        );
    }
    for e in p.blocks("ebs_block_device") {
        out.push(
            BlockDeviceMapping::builder()
                .set_device_name(e.str("device_name"))
                .ebs(ebs_device(&e, true))
                .build(),
        );
    }
    Ok(out)
}

/// Puts each block's `tags`, with the provider's default tags, on its volume (the root's and
/// each `ebs_block_device`'s by device name), where they differ from `before`'s; blocks that
/// give no tags are left alone.
pub(crate) async fn tag_volumes(
    aws: &Aws,
    id: &str,
    before: &Obj,
    after: &Obj,
) -> ProviderResult<()> {
    // (block, device name or `None` for the root, tags before, tags now) of each block whose
    // tags changed.
    let mut changed = Vec::new();
    for k in ["root_block_device", "ebs_block_device"] {
        for b in after
            .blocks(k)
            .into_iter()
            .filter(|b| b.get("tags").is_some())
        {
            let device = (k == "ebs_block_device")
                .then(|| b.str("device_name"))
                .flatten();
            let was = before
                .blocks(k)
                .into_iter()
                .find(|p| device.is_none() || p.str("device_name") == device)
                .filter(|p| p.get("tags").is_some())
                .map(|p| tags::merged(aws, &p.map("tags")))
                .unwrap_or_default();
            let now = tags::merged(aws, &b.map("tags"));
            if was != now {
                changed.push((device, was, now));
            }
        }
    }
    if changed.is_empty() {
        return Ok(());
    }
    let out = aws
        .ec2
        .describe_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(err("ec2:DescribeInstances"))?;
    let Some(instance) = out.reservations().iter().flat_map(|r| r.instances()).next() else {
        return Ok(());
    };
    for (device, was, now) in changed {
        let device = device.as_deref().or(instance.root_device_name());
        let volume = instance
            .block_device_mappings()
            .iter()
            .find(|m| m.device_name().is_some() && m.device_name() == device)
            .and_then(|m| m.ebs()?.volume_id());
        if let Some(volume) = volume {
            tags::retag_ec2(aws, vec![volume.to_string()], &was, &now).await?;
        }
    }
    Ok(())
}

/// Whether the `ebs_block_device` blocks differ in more than their tags: volumes at launch
/// are fixed, so that replaces the instance; tags alone change in place.
pub(crate) fn ebs_replaces(prior: &Obj, planned: &Obj) -> bool {
    let untagged = |o: &Obj| -> Vec<String> {
        let mut blocks: Vec<String> = o
            .blocks("ebs_block_device")
            .into_iter()
            .map(|mut b| {
                b.0.remove("tags");
                b.0.remove("tags_all");
                Value::object(b.0).to_json().to_string()
            })
            .collect();
        blocks.sort();
        blocks
    };
    untagged(prior) != untagged(planned)
}

/// The root device's name and volume id, as EC2 has them now (the state keeps only what was
/// configured).
async fn root_volume(aws: &Aws, id: &str) -> ProviderResult<(String, String)> {
    let out = aws
        .ec2
        .describe_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(err("ec2:DescribeInstances"))?;
    let instance = out.reservations().iter().flat_map(|r| r.instances()).next();
    let root = instance.and_then(|i| {
        let device = i.root_device_name()?;
        let mapping = i
            .block_device_mappings()
            .iter()
            .find(|m| m.device_name() == Some(device))?;
        Some((device.to_string(), mapping.ebs()?.volume_id()?.to_string()))
    });
    root.ok_or_else(|| {
        ProviderError::new("ec2:DescribeInstances", format!("{id} has no root volume"))
    })
}

/// A changed `root_block_device`, in place: the volume modified, deletion on termination set.
pub(crate) async fn update_root(
    aws: &Aws,
    id: &str,
    before: &Obj,
    after: &Obj,
) -> ProviderResult<()> {
    let (Some(was), Some(now)) = (
        before.block("root_block_device"),
        after.block("root_block_device"),
    ) else {
        return Ok(());
    };
    let changed = |k: &str| now.set_and_changed_from(&was, k);
    if ["encrypted", "kms_key_id"].iter().any(|k| changed(k)) {
        return Err(ProviderError::new(
            "ec2:ModifyVolume",
            "a root volume's encryption cannot change in place: taint the instance to replace it",
        ));
    }
    if ["volume_size", "volume_type", "iops", "throughput"]
        .iter()
        .any(|k| changed(k))
    {
        let (_, volume) = root_volume(aws, id).await?;
        aws.ec2
            .modify_volume()
            .volume_id(volume)
            .set_size(now.i32("volume_size").filter(|_| changed("volume_size")))
            .set_volume_type(
                now.str("volume_type")
                    .filter(|_| changed("volume_type"))
                    .map(|v| VolumeType::from(v.as_str())),
            )
            .set_iops(now.i32("iops").filter(|_| changed("iops")))
            .set_throughput(now.i32("throughput").filter(|_| changed("throughput")))
            .send()
            .await
            .map_err(err("ec2:ModifyVolume"))?;
    }
    if changed("delete_on_termination") {
        let (device, _) = root_volume(aws, id).await?;
        aws.ec2
            .modify_instance_attribute()
            .instance_id(id)
            .block_device_mappings(
                InstanceBlockDeviceMappingSpecification::builder()
                    .device_name(device)
                    .ebs(
                        EbsInstanceBlockDeviceSpecification::builder()
                            .delete_on_termination(
                                now.bool("delete_on_termination").unwrap_or(true),
                            )
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .map_err(err("ec2:ModifyInstanceAttribute"))?;
    }
    Ok(())
}
