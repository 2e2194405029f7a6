//! `aws_volume_attachment`: a volume attached to an instance at a device name. Every argument
//! replaces it; its id is derived from the three, as Terraform's is.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, b, s};
use crate::provider::aws::sdk::{absent_if_not_found, err, wait_for};
use crate::provider::aws::table::Table;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult, Schema,
};
use std::sync::Arc;
use std::time::Duration;

/// How long an attach or detach may take (Terraform's default timeouts).
const ATTACH_TIMEOUT: Duration = Duration::from_secs(300);

/// Every attribute of `aws_volume_attachment`: all the configuration's (AWS answers only
/// whether the volume is attached there), the id made from them.
fn table() -> Table<()> {
    use AttrSchema as A;
    Table::new()
        .declared("id", A::computed(Type::String))
        .declared("device_name", A::required(Type::String).force_new())
        .declared("instance_id", A::required(Type::String).force_new())
        .declared("volume_id", A::required(Type::String).force_new())
        .declared("force_detach", A::optional(Type::Bool).default(b(false)))
        .declared("skip_destroy", A::optional(Type::Bool).default(b(false)))
        .declared(
            "stop_instance_before_detaching",
            A::optional(Type::Bool).default(b(false)),
        )
}

/// Terraform's id: `vai-` and a hash of device, instance and volume.
fn attachment_id(device: &str, instance: &str, volume: &str) -> String {
    let key = format!("{device}-{instance}-{volume}-");
    format!("vai-{}", crate::provider::aws::attrs::crc32(key.as_bytes()))
}

#[derive(Clone)]
pub struct VolumeAttachment {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
}

impl VolumeAttachment {
    pub fn new(aws: &Arc<Aws>) -> VolumeAttachment {
        VolumeAttachment {
            aws: aws.clone(),
            schema: Arc::new(table().schema()),
        }
    }

    /// The state of the volume's attachment to the instance at the device, if any.
    async fn state(&self, o: &Obj) -> ProviderResult<Option<String>> {
        let (volume, instance, device) = (
            o.req("volume_id")?,
            o.req("instance_id")?,
            o.req("device_name")?,
        );
        let out = self
            .aws
            .ec2
            .describe_volumes()
            .volume_ids(&volume)
            .send()
            .await
            .map_err(err("ec2:DescribeVolumes"));
        let Some(out) = absent_if_not_found(out)? else {
            return Ok(None);
        };
        Ok(out
            .volumes()
            .iter()
            .flat_map(|v| v.attachments())
            .find(|a| a.instance_id() == Some(&instance) && a.device() == Some(&device))
            .and_then(|a| a.state().map(|s| s.as_str().to_string())))
    }

    async fn wait_state(&self, o: &Obj, want: Option<&str>) -> ProviderResult<()> {
        let what = match want {
            Some(w) => format!("volume attachment {w}"),
            None => "volume detached".to_string(),
        };
        wait_for(&what, ATTACH_TIMEOUT, || async {
            let now = self.state(o).await?;
            let done = match want {
                Some(w) => now.as_deref() == Some(w),
                None => now.is_none() || now.as_deref() == Some("detached"),
            };
            Ok(done.then_some(()))
        })
        .await
    }
}

impl AsyncResourceType for VolumeAttachment {
    crate::provider::aws::bulk::schema_and_address!();

    async fn create(&self, _ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let mut o = Obj::of(&planned);
        let (device, instance, volume) = (
            o.req("device_name")?,
            o.req("instance_id")?,
            o.req("volume_id")?,
        );
        // Attaching what is already attached there (an apply that died after the call)
        // is not an error: it is the same attachment.
        if self.state(&o).await?.as_deref() != Some("attached") {
            self.aws
                .ec2
                .attach_volume()
                .device(&device)
                .instance_id(&instance)
                .volume_id(&volume)
                .send()
                .await
                .map_err(err("ec2:AttachVolume"))?;
        }
        self.wait_state(&o, Some("attached")).await?;
        o.set("id", s(attachment_id(&device, &instance, &volume)));
        Ok(o.finish(&self.schema))
    }

    async fn update(&self, _prior: Value, planned: Value) -> ProviderResult<Value> {
        // Only the detach behaviour changes in place: nothing to call.
        Ok(planned)
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let o = Obj::of(&prior);
        if o.bool("skip_destroy") == Some(true) {
            return Ok(());
        }
        let instance = o.req("instance_id")?;
        if o.bool("stop_instance_before_detaching") == Some(true) {
            let r = self
                .aws
                .ec2
                .stop_instances()
                .instance_ids(&instance)
                .send()
                .await
                .map_err(err("ec2:StopInstances"));
            absent_if_not_found(r)?;
        }
        let r = self
            .aws
            .ec2
            .detach_volume()
            .device(o.req("device_name")?)
            .instance_id(&instance)
            .volume_id(o.req("volume_id")?)
            .set_force(o.bool("force_detach"))
            .send()
            .await
            .map_err(err("ec2:DetachVolume"));
        match r {
            // Already detached, or the volume or instance is gone.
            Err(e) if !(e.is_not_found() || e.is("IncorrectState")) => return Err(e),
            _ => {}
        }
        self.wait_state(&o, None).await
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        let o = Obj::of(&prior);
        let attached = matches!(
            self.state(&o).await?.as_deref(),
            Some("attached" | "attaching")
        );
        Ok(attached.then_some(prior))
    }

    async fn import(&self, id: &str) -> ProviderResult<Value> {
        let parts: Vec<&str> = id.split(':').collect();
        let [device, volume, instance] = parts[..] else {
            return Err(ProviderError::new(
                "import",
                format!("expected DEVICE_NAME:VOLUME_ID:INSTANCE_ID, got {id:?}"),
            ));
        };
        let mut o = Obj::default();
        o.set("device_name", s(device))
            .set("volume_id", s(volume))
            .set("instance_id", s(instance));
        if self.state(&o).await?.is_none() {
            return Err(ProviderError::new(
                "import",
                format!("{volume} is not attached to {instance} at {device}"),
            ));
        }
        o.set("id", s(attachment_id(device, instance, volume)));
        // An import takes the defaults of what only the configuration says.
        for k in [
            "force_detach",
            "skip_destroy",
            "stop_instance_before_detaching",
        ] {
            o.set(k, b(false));
        }
        Ok(o.finish(&self.schema))
    }
}
