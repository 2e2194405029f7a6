//! `aws_autoscaling_attachment`: a target group or classic load balancer attached to a group.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, s};
use crate::provider::aws::sdk::err;
use crate::provider::aws::table::Table;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult, Schema,
};
use std::sync::Arc;

#[derive(Clone)]
pub struct Attachment {
    aws: Arc<Aws>,
    schema: Arc<Schema>,
}

/// What an attachment joins: the group, and a target group ARN or a classic load balancer name.
fn key(o: &Obj) -> ProviderResult<(String, Option<String>, Option<String>)> {
    let group = o.req("autoscaling_group_name")?;
    // `alb_target_group_arn` is the name AWS provider versions before 5 used.
    let tg = o
        .str("lb_target_group_arn")
        .or_else(|| o.str("alb_target_group_arn"));
    let elb = o.str("elb");
    if tg.is_some() == elb.is_some() {
        return Err(ProviderError::new(
            "plan",
            "exactly one of lb_target_group_arn (or alb_target_group_arn) and elb must be set",
        ));
    }
    Ok((group, tg, elb))
}

/// Every attribute of `aws_autoscaling_attachment`: all the configuration's (AWS answers
/// only whether the group lists the target group or balancer), the id made from them.
fn table() -> Table<()> {
    use AttrSchema as A;
    Table::new()
        .declared("id", A::computed(Type::String))
        .declared(
            "autoscaling_group_name",
            A::required(Type::String).force_new(),
        )
        .declared("lb_target_group_arn", A::optional(Type::String).force_new())
        .declared(
            "alb_target_group_arn",
            A::optional(Type::String)
                .force_new()
                .conflicts_with(&["lb_target_group_arn", "elb"]),
        )
        .declared("elb", A::optional(Type::String).force_new())
}

impl Attachment {
    pub fn new(aws: &Arc<Aws>) -> Attachment {
        Attachment {
            aws: aws.clone(),
            schema: Arc::new(table().schema()),
        }
    }

    async fn attached(&self, o: &Obj) -> ProviderResult<bool> {
        let (group, tg, elb) = key(o)?;
        let out = self
            .aws
            .autoscaling
            .describe_auto_scaling_groups()
            .auto_scaling_group_names(&group)
            .send()
            .await
            .map_err(err("autoscaling:DescribeAutoScalingGroups"))?;
        let Some(g) = out.auto_scaling_groups().first() else {
            return Ok(false);
        };
        Ok(match (tg, elb) {
            (Some(tg), _) => g.target_group_arns().contains(&tg),
            (_, Some(elb)) => g.load_balancer_names().contains(&elb),
            _ => false,
        })
    }
}

impl AsyncResourceType for Attachment {
    crate::provider::aws::bulk::schema_and_address!();
    fn validate(&self, planned: &Value) -> Result<(), String> {
        let o = Obj::of(planned);
        let both_known = ["lb_target_group_arn", "alb_target_group_arn", "elb"]
            .iter()
            .all(|k| o.0.get(*k).is_none_or(Value::is_known));
        if both_known {
            key(&o).map(|_| ()).map_err(|e| e.message)
        } else {
            Ok(())
        }
    }

    async fn create(&self, _ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let mut o = Obj::of(&planned);
        let (group, tg, elb) = key(&o)?;
        let asg = &self.aws.autoscaling;
        if let Some(tg) = &tg {
            asg.attach_load_balancer_target_groups()
                .auto_scaling_group_name(&group)
                .target_group_arns(tg)
                .send()
                .await
                .map_err(err("autoscaling:AttachLoadBalancerTargetGroups"))?;
        }
        if let Some(elb) = &elb {
            asg.attach_load_balancers()
                .auto_scaling_group_name(&group)
                .load_balancer_names(elb)
                .send()
                .await
                .map_err(err("autoscaling:AttachLoadBalancers"))?;
        }
        let target = tg.or(elb).unwrap_or_default();
        let id = format!(
            "{group}-{:08x}",
            crate::provider::aws::attrs::crc32(target.as_bytes())
        );
        o.set("id", s(id));
        Ok(o.finish(&self.schema))
    }

    async fn update(&self, _prior: Value, planned: Value) -> ProviderResult<Value> {
        // Every argument replaces the attachment.
        Ok(planned)
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let o = Obj::of(&prior);
        let (group, tg, elb) = key(&o)?;
        let asg = &self.aws.autoscaling;
        let r = match (tg, elb) {
            (Some(tg), _) => asg
                .detach_load_balancer_target_groups()
                .auto_scaling_group_name(&group)
                .target_group_arns(tg)
                .send()
                .await
                .map(|_| ())
                .map_err(err("autoscaling:DetachLoadBalancerTargetGroups")),
            (_, Some(elb)) => asg
                .detach_load_balancers()
                .auto_scaling_group_name(&group)
                .load_balancer_names(elb)
                .send()
                .await
                .map(|_| ())
                .map_err(err("autoscaling:DetachLoadBalancers")),
            _ => Ok(()),
        };
        // A group that is already gone has nothing attached.
        match r {
            Err(e) if !e.is_not_found() => Err(e),
            _ => Ok(()),
        }
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        let o = Obj::of(&prior);
        Ok(self.attached(&o).await?.then_some(prior))
    }

    async fn import(&self, id: &str) -> ProviderResult<Value> {
        crate::provider::aws::sdk::not_importable(
            "aws_autoscaling_attachment",
            id,
            "declare it and apply: attaching twice is harmless",
        )
    }
}
