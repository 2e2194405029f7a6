//! `aws_lb_target_group_attachment` (also `aws_alb_target_group_attachment`): one target (an
//! instance, an IP address or a function) registered with a target group.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, crc32, s};
use crate::provider::aws::sdk::{err, gone_is_ok};
use crate::provider::aws::table::Table;
use crate::provider::{AsyncResourceType, AttrSchema, CreateContext, ProviderResult, Schema};
use aws_sdk_elasticloadbalancingv2::types::{TargetDescription, TargetHealthReasonEnum};
use std::sync::Arc;

/// Every attribute of the attachment: all the configuration's (AWS answers only whether the
/// target is registered), and an id made from them. Every argument replaces it.
fn table() -> Table<()> {
    use AttrSchema as A;
    Table::new()
        .declared("id", A::computed(Type::String))
        .declared("target_group_arn", A::required(Type::String).force_new())
        .declared("target_id", A::required(Type::String).force_new())
        .declared("port", A::optional(Type::Number).force_new())
        .declared("availability_zone", A::optional(Type::String).force_new())
        // A QUIC listener's server id for the target (version 6).
        .declared("quic_server_id", A::optional(Type::String).force_new())
}

/// The target as the register, deregister and health calls name it.
fn target(o: &Obj) -> ProviderResult<(String, TargetDescription)> {
    let description = TargetDescription::builder()
        .id(o.req("target_id")?)
        .set_port(o.i32("port"))
        .set_availability_zone(o.str("availability_zone"))
        .set_quic_server_id(o.str("quic_server_id"))
        .build();
    Ok((o.req("target_group_arn")?, description))
}

#[derive(Clone)]
pub struct TargetGroupAttachment {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
}

impl TargetGroupAttachment {
    pub fn new(aws: &Arc<Aws>) -> TargetGroupAttachment {
        TargetGroupAttachment {
            aws: aws.clone(),
            schema: Arc::new(table().schema()),
        }
    }

    /// Whether the target is registered: AWS answers a health description for any target
    /// asked about, `Target.NotRegistered` for one it does not hold.
    async fn registered(&self, o: &Obj) -> ProviderResult<bool> {
        let (group, t) = target(o)?;
        let out = self
            .aws
            .elbv2
            .describe_target_health()
            .target_group_arn(group)
            .targets(t.clone())
            .send()
            .await
            .map_err(err("elbv2:DescribeTargetHealth"));
        let out = match out {
            Err(e) if e.is_not_found() || e.is("InvalidTarget") => return Ok(false),
            r => r?,
        };
        Ok(out.target_health_descriptions().iter().any(|d| {
            let same = d
                .target()
                .is_some_and(|x| x.id() == t.id() && (t.port().is_none() || x.port() == t.port()));
            let unregistered = d.target_health().and_then(|h| h.reason())
                == Some(&TargetHealthReasonEnum::NotRegistered);
            same && !unregistered
        }))
    }
}

impl AsyncResourceType for TargetGroupAttachment {
    crate::provider::aws::bulk::schema_and_address!();

    async fn create(&self, _ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let mut o = Obj::of(&planned);
        let (group, t) = target(&o)?;
        let id = format!(
            "{group}-{:08x}",
            crc32(format!("{:?}:{:?}", t.id(), t.port()).as_bytes())
        );
        self.aws
            .elbv2
            .register_targets()
            .target_group_arn(group)
            .targets(t)
            .send()
            .await
            .map_err(err("elbv2:RegisterTargets"))?;
        o.set("id", s(id));
        Ok(o.finish(&self.schema))
    }

    async fn update(&self, _prior: Value, planned: Value) -> ProviderResult<Value> {
        // Every argument replaces the attachment.
        Ok(planned)
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let (group, t) = target(&Obj::of(&prior))?;
        let r = self
            .aws
            .elbv2
            .deregister_targets()
            .target_group_arn(group)
            .targets(t)
            .send()
            .await
            .map_err(err("elbv2:DeregisterTargets"));
        // A target group or instance that is gone holds nothing to deregister.
        match r {
            Err(e) if e.is("InvalidTarget") => Ok(()),
            r => gone_is_ok(r),
        }
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        let registered = self.registered(&Obj::of(&prior)).await?;
        Ok(registered.then_some(prior))
    }

    async fn import(&self, id: &str) -> ProviderResult<Value> {
        crate::provider::aws::sdk::not_importable(
            "aws_lb_target_group_attachment",
            id,
            "declare it and apply: registering twice is harmless",
        )
    }
}
