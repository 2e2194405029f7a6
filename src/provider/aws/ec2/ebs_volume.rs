//! `aws_ebs_volume`: a volume in one zone; size, type, IOPS and throughput change in place
//! through ModifyVolume, everything else replaces it.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, b, n, opt_n, opt_s, s};
use crate::provider::aws::bulk::{self, Ec2Bulk};
use crate::provider::aws::sdk::{delete_when_released, err};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags;
use crate::provider::{AsyncResourceType, AttrSchema, CreateContext, ProviderResult};
use aws_sdk_ec2::types::{ResourceType as Kind, VolumeType};

type Item = aws_sdk_ec2::types::Volume;

/// What ModifyVolume changes in place.
const MODIFIABLE: [&str; 4] = ["size", "type", "iops", "throughput"];

fn num(v: Option<i32>) -> Value {
    opt_n(v.map(i64::from))
}

/// Every attribute of `aws_ebs_volume`, and how it reads from a described volume.
fn table() -> Table<Item> {
    use AttrSchema as A;
    Table::<Item>::new()
        .attr("id", A::computed(Type::String), |v| opt_s(v.volume_id()))
        // Built from the region and account by `value`.
        .declared("arn", A::computed(Type::String))
        .attr(
            "availability_zone",
            A::required(Type::String).force_new(),
            |v| opt_s(v.availability_zone()),
        )
        .attr(
            "size",
            A::optional_computed(Type::Number),
            |v| num(v.size()),
        )
        .attr("type", A::optional_computed(Type::String), |v| {
            opt_s(v.volume_type().map(|t| t.as_str()))
        })
        .attr(
            "iops",
            A::optional_computed(Type::Number),
            |v| num(v.iops()),
        )
        .attr("throughput", A::optional_computed(Type::Number), |v| {
            num(v.throughput())
        })
        .attr(
            "encrypted",
            A::optional_computed(Type::Bool).force_new(),
            |v| b(v.encrypted().unwrap_or(false)),
        )
        .attr(
            "kms_key_id",
            A::optional_computed(Type::String).force_new(),
            |v| opt_s(v.kms_key_id()),
        )
        .attr(
            "snapshot_id",
            A::optional_computed(Type::String).force_new(),
            |v| opt_s(v.snapshot_id().filter(|s| !s.is_empty())),
        )
        .attr(
            "multi_attach_enabled",
            A::optional(Type::Bool).default(b(false)).force_new(),
            |v| b(v.multi_attach_enabled().unwrap_or(false)),
        )
        .attr("outpost_arn", A::optional(Type::String).force_new(), |v| {
            opt_s(v.outpost_arn())
        })
        .attr("create_time", A::computed(Type::String), |v| {
            opt_s(
                v.create_time()
                    .and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok()),
            )
        })
        // How fast a volume from a snapshot is filled (MiB/s); AWS answers it while it fills.
        .attr_if_answered(
            "volume_initialization_rate",
            A::optional(Type::Number).force_new(),
            |v| v.volume_initialization_rate().map(|r| n(r.into())),
        )
        // What only the configuration knows: whether a snapshot is taken before delete.
        .declared("final_snapshot", A::optional(Type::Bool).default(b(false)))
        .tagged(|v| tags::from_ec2(v.tags()))
}

crate::provider::aws::table::table_type!(EbsVolume, Item);

impl Ec2Bulk for EbsVolume {
    bulk::ec2_object! {
        item Item, id volume_id, filter "volume-id",
        missing "InvalidVolume.NotFound", "ec2:DescribeVolumes"
        via describe_volumes pages 500
    }

    async fn value(&self, prior: Option<Obj>, v: Self::Item) -> ProviderResult<Option<Value>> {
        if v.state()
            .is_some_and(|s| s.as_str() == "deleting" || s.as_str() == "deleted")
        {
            return Ok(None);
        }
        let mut o = self.table.read(&self.aws, prior, &v);
        let arn = format!(
            "arn:aws:ec2:{}:{}:volume/{}",
            self.aws.region,
            self.aws.account_id().await?,
            Self::item_id(&v)
        );
        o.set("arn", s(arn));
        Ok(Some(o.finish(&self.schema)))
    }
}

impl AsyncResourceType for EbsVolume {
    crate::provider::aws::bulk::ec2_reads!(plan tags);

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let out = self
            .aws
            .ec2
            .create_volume()
            .availability_zone(p.req("availability_zone")?)
            .set_size(p.i32("size"))
            .set_volume_type(p.str("type").map(|t| VolumeType::from(t.as_str())))
            .set_iops(p.i32("iops"))
            .set_throughput(p.i32("throughput"))
            .set_encrypted(p.bool("encrypted"))
            .set_kms_key_id(p.str("kms_key_id"))
            .set_snapshot_id(p.str("snapshot_id"))
            .set_multi_attach_enabled(p.bool("multi_attach_enabled").filter(|m| *m))
            .set_outpost_arn(p.str("outpost_arn"))
            .set_volume_initialization_rate(p.i32("volume_initialization_rate"))
            .tag_specifications(tags::ec2_spec(Kind::Volume, &t))
            .send()
            .await
            .map_err(err("ec2:CreateVolume"))?;
        let id = out.volume_id().unwrap_or_default().to_string();
        bulk::described(self, &id).await?;
        bulk::finished(self, p, &id).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let id = before.id()?;
        let changed = |k: &str| after.set_and_changed_from(&before, k);
        if MODIFIABLE.iter().any(|k| changed(k)) {
            self.aws
                .ec2
                .modify_volume()
                .volume_id(&id)
                .set_size(after.i32("size").filter(|_| changed("size")))
                .set_volume_type(
                    after
                        .str("type")
                        .filter(|_| changed("type"))
                        .map(|t| VolumeType::from(t.as_str())),
                )
                .set_iops(after.i32("iops").filter(|_| changed("iops")))
                .set_throughput(after.i32("throughput").filter(|_| changed("throughput")))
                .send()
                .await
                .map_err(err("ec2:ModifyVolume"))?;
        }
        tags::update_ec2(&self.aws, &id, &before, &after).await?;
        bulk::finished(self, after, &id).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let p = Obj::of(&prior);
        let id = p.id()?;
        if p.bool("final_snapshot") == Some(true) && bulk::find(self, &id).await?.is_some() {
            self.aws
                .ec2
                .create_snapshot()
                .volume_id(&id)
                .description(format!("final snapshot of {id}"))
                .send()
                .await
                .map_err(err("ec2:CreateSnapshot"))?;
        }
        // A volume still attached is refused (VolumeInUse) until it is released.
        delete_when_released(|| async {
            self.aws
                .ec2
                .delete_volume()
                .volume_id(&id)
                .send()
                .await
                .map_err(err("ec2:DeleteVolume"))
        })
        .await
    }
}
