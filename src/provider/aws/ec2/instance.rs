//! `aws_instance`: one EC2 instance, waited for until running.

use super::instance_extras as extras;
use super::instance_metadata::{
    metadata_options_blocks, metadata_options_ty, with_metadata_options,
};
use super::instance_network as network;
use super::instance_options as options;
use super::instance_volumes as volumes;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, b, opt_s, s, set_s};
use crate::provider::aws::bulk::{self, Ec2Bulk};
use crate::provider::aws::launch::*;
use crate::provider::aws::sdk::{AllPages, EVENTUAL_CONSISTENCY, err, retry_while, wait_for};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags;
use crate::provider::aws::user_data::*;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult,
};
use aws_sdk_ec2::types::{
    AttributeValue, Filter, IamInstanceProfileSpecification, InstanceAttributeName,
    InstanceMetadataOptionsRequest, InstanceStateName, InstanceType, ResourceType as Kind,
};
use base64::Engine;
use std::time::Duration;

/// How long an instance may take to start, stop or terminate (Terraform's default timeouts).
const STATE_CHANGE: Duration = Duration::from_secs(600);

type Item = aws_sdk_ec2::types::Instance;

/// The instance's security groups. An instance launched with a network interface spec (as
/// `associate_public_ip_address` makes infra do) may report them only on that interface (the
/// emulator does): then the primary interface's groups are the instance's.
fn security_groups(i: &Item) -> Vec<&str> {
    let top: Vec<&str> = i
        .security_groups()
        .iter()
        .filter_map(|g| g.group_id())
        .collect();
    if !top.is_empty() {
        return top;
    }
    i.network_interfaces()
        .iter()
        .filter(|n| n.attachment().and_then(|a| a.device_index()) == Some(0))
        .flat_map(|n| n.groups())
        .filter_map(|g| g.group_id())
        .collect()
}

/// Every attribute of `aws_instance`, and how it reads from a described instance.
fn table() -> Table<Item> {
    use AttrSchema as A;
    let t = Table::<Item>::new()
        .attr("id", A::computed(Type::String), |i| opt_s(i.instance_id()))
        .attr_in_region("arn", A::computed(Type::String), |i, region| {
            let owner = i.network_interfaces().first().and_then(|n| n.owner_id());
            s(format!(
                "arn:aws:ec2:{region}:{}:instance/{}",
                owner.unwrap_or_default(),
                i.instance_id().unwrap_or_default()
            ))
        })
        .attr("ami", A::required(Type::String).force_new(), |i| {
            opt_s(i.image_id())
        })
        .attr("instance_type", A::required(Type::String), |i| {
            opt_s(i.instance_type().map(|t| t.as_str()))
        })
        .attr(
            "subnet_id",
            A::optional_computed(Type::String).force_new(),
            |i| opt_s(i.subnet_id()),
        )
        .attr(
            "vpc_security_group_ids",
            A::optional_computed(string_set()),
            |i| set_s(security_groups(i)),
        )
        .attr(
            "key_name",
            A::optional_computed(Type::String).force_new(),
            |i| opt_s(i.key_name()),
        )
        .attr("iam_instance_profile", A::optional(Type::String), |i| {
            opt_s(
                i.iam_instance_profile()
                    .and_then(|p| p.arn())
                    .map(profile_name),
            )
        })
        // Not in DescribeInstances: `value` asks DescribeInstanceAttribute.
        .declared("user_data", A::optional(Type::String))
        // Sent as given; read back as AWS holds it (base64) where it was configured.
        .declared(
            "user_data_base64",
            A::optional(Type::String).conflicts_with(&["user_data"]),
        )
        // Read with the volumes, in `value` (`instance_volumes.rs`).
        .declared(
            "root_block_device",
            A::optional_computed(Type::List(Box::new(volumes::root_ty()))),
        )
        .declared(
            "ebs_block_device",
            // Replaces the instance unless only tags change (`replacing`).
            A::optional_computed(Type::Set(Box::new(volumes::ebs_ty()))),
        )
        .declared(
            "disable_api_termination",
            A::optional(Type::Bool).default(b(false)),
        )
        .attr(
            "associate_public_ip_address",
            A::optional_computed(Type::Bool).force_new(),
            |i| {
                let primary = i
                    .network_interfaces()
                    .iter()
                    .find(|n| n.attachment().and_then(|a| a.device_index()) == Some(0));
                b(primary
                    .map(|n| n.association().is_some())
                    .unwrap_or(i.public_ip_address().is_some()))
            },
        )
        .attr(
            "availability_zone",
            A::optional_computed(Type::String).force_new(),
            |i| opt_s(i.placement().and_then(|p| p.availability_zone())),
        )
        // Off for NAT and VPN instances that forward traffic not addressed to them.
        .attr(
            "source_dest_check",
            A::optional(Type::Bool).default(b(true)),
            |i| b(i.source_dest_check().unwrap_or(true)),
        )
        .attr("ebs_optimized", A::optional_computed(Type::Bool), |i| {
            b(i.ebs_optimized().unwrap_or(false))
        })
        .attr("public_ip", A::computed(Type::String), |i| {
            opt_s(i.public_ip_address())
        })
        .attr("private_dns", A::computed(Type::String), |i| {
            opt_s(i.private_dns_name())
        })
        .attr("public_dns", A::computed(Type::String), |i| {
            opt_s(i.public_dns_name())
        })
        .attr_with_prior(
            "metadata_options",
            A::optional_computed(Type::List(Box::new(metadata_options_ty()))),
            |i, prior| {
                let blocks = metadata_options_blocks(i);
                Some(read_blocks(
                    prior,
                    "metadata_options",
                    &metadata_options_ty(),
                    blocks,
                ))
            },
        )
        .attr("instance_state", A::computed(Type::String), |i| {
            opt_s(i.state().and_then(|s| s.name()).map(|s| s.as_str()))
        });
    network::rows(extras::rows(options::rows(t))).tagged(|i| tags::from_ec2(i.tags()))
}

crate::provider::aws::table::table_type!(Instance, Item);

impl Instance {
    /// Waits until the instance is in `state`; a vanished instance counts as terminated.
    async fn wait_state(
        &self,
        id: &str,
        state: InstanceStateName,
    ) -> ProviderResult<Option<aws_sdk_ec2::types::Instance>> {
        wait_for(
            &format!("{id} to be {}", state.as_str()),
            STATE_CHANGE,
            || async {
                let found = bulk::find(self, id).await?;
                let now = found
                    .as_ref()
                    .and_then(|i| i.state())
                    .and_then(|s| s.name())
                    .cloned();
                Ok(match (found, now) {
                    (None, _) if state == InstanceStateName::Terminated => Some(None),
                    (Some(i), Some(now)) if now == state => Some(Some(i)),
                    (Some(_), Some(InstanceStateName::Terminated)) => {
                        return Err(ProviderError::new(
                            "ec2:DescribeInstances",
                            format!(
                                "{id} terminated while waiting for it to be {}",
                                state.as_str()
                            ),
                        ));
                    }
                    _ => None,
                })
            },
        )
        .await
    }

    /// One attribute DescribeInstances does not carry.
    async fn attribute(
        &self,
        id: &str,
        name: InstanceAttributeName,
    ) -> ProviderResult<DescribedAttribute> {
        self.aws
            .ec2
            .describe_instance_attribute()
            .instance_id(id)
            .attribute(name)
            .send()
            .await
            .map_err(err("ec2:DescribeInstanceAttribute"))
    }

    async fn termination_protected(&self, id: &str) -> ProviderResult<bool> {
        let out = self
            .attribute(id, InstanceAttributeName::DisableApiTermination)
            .await?;
        Ok(out
            .disable_api_termination()
            .and_then(|v| v.value())
            .unwrap_or(false))
    }

    /// The instance's user data as AWS holds it (base64), if any.
    async fn user_data(&self, id: &str) -> ProviderResult<Option<String>> {
        let out = self.attribute(id, InstanceAttributeName::UserData).await?;
        Ok(out
            .user_data()
            .and_then(|u| u.value())
            .filter(|u| !u.is_empty())
            .map(str::to_string))
    }

    async fn modify_stopped(&self, id: &str, before: &Obj, after: &Obj) -> ProviderResult<()> {
        let ec2 = &self.aws.ec2;
        ec2.stop_instances()
            .instance_ids(id)
            .send()
            .await
            .map_err(err("ec2:StopInstances"))?;
        self.wait_state(id, InstanceStateName::Stopped).await?;
        if before.str("instance_type") != after.str("instance_type") {
            ec2.modify_instance_attribute()
                .instance_id(id)
                .instance_type(
                    AttributeValue::builder()
                        .set_value(after.str("instance_type"))
                        .build(),
                )
                .send()
                .await
                .map_err(err("ec2:ModifyInstanceAttribute"))?;
        }
        if let Some(optimized) = after.bool("ebs_optimized")
            && stopped_change(before, after, "ebs_optimized")
        {
            self.set_attribute(id, |r, v| r.ebs_optimized(v), optimized)
                .await?;
        }
        if user_data_changed(before, after) {
            // The attribute takes the raw bytes; the SDK encodes blobs itself.
            let encoded = match after.str("user_data_base64") {
                Some(b64) => b64,
                None => user_data_base64(&after.str("user_data").unwrap_or_default()),
            };
            let raw = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .unwrap_or_default();
            ec2.modify_instance_attribute()
                .instance_id(id)
                .user_data(
                    aws_sdk_ec2::types::SecureBlobAttributeValue::builder()
                        .value(aws_smithy_types::Blob::new(raw))
                        .build(),
                )
                .send()
                .await
                .map_err(err("ec2:ModifyInstanceAttribute"))?;
        }
        ec2.start_instances()
            .instance_ids(id)
            .send()
            .await
            .map_err(err("ec2:StartInstances"))?;
        self.wait_state(id, InstanceStateName::Running).await?;
        Ok(())
    }

    /// One boolean instance attribute set in place (`set` picks it on the request).
    async fn set_attribute(
        &self,
        id: &str,
        set: impl FnOnce(ModifyAttribute, AttributeBooleanValue) -> ModifyAttribute,
        value: bool,
    ) -> ProviderResult<()> {
        let req = self.aws.ec2.modify_instance_attribute().instance_id(id);
        set(req, AttributeBooleanValue::builder().value(value).build())
            .send()
            .await
            .map(drop)
            .map_err(err("ec2:ModifyInstanceAttribute"))
    }

    async fn set_profile(&self, id: &str, profile: Option<String>) -> ProviderResult<()> {
        let ec2 = &self.aws.ec2;
        let out = ec2
            .describe_iam_instance_profile_associations()
            .filters(bulk::filter("instance-id", [id.to_string()]))
            .filters(bulk::filter("state", ["associated".to_string()]))
            .send()
            .await
            .map_err(err("ec2:DescribeIamInstanceProfileAssociations"))?;
        let current = out
            .iam_instance_profile_associations()
            .first()
            .and_then(|a| a.association_id())
            .map(str::to_string);
        let spec = |name: String| {
            IamInstanceProfileSpecification::builder()
                .name(name)
                .build()
        };
        match (current, profile) {
            (Some(assoc), Some(name)) => {
                ec2.replace_iam_instance_profile_association()
                    .association_id(assoc)
                    .iam_instance_profile(spec(name))
                    .send()
                    .await
                    .map_err(err("ec2:ReplaceIamInstanceProfileAssociation"))?;
            }
            (Some(assoc), None) => {
                ec2.disassociate_iam_instance_profile()
                    .association_id(assoc)
                    .send()
                    .await
                    .map_err(err("ec2:DisassociateIamInstanceProfile"))?;
            }
            (None, Some(name)) => {
                ec2.associate_iam_instance_profile()
                    .instance_id(id)
                    .iam_instance_profile(spec(name))
                    .send()
                    .await
                    .map_err(err("ec2:AssociateIamInstanceProfile"))?;
            }
            (None, None) => {}
        }
        Ok(())
    }
}

/// Whether the user data changes (either form): the instance is stopped to take it.
fn user_data_changed(before: &Obj, after: &Obj) -> bool {
    before.str("user_data") != after.str("user_data")
        || before.str("user_data_base64") != after.str("user_data_base64")
}

/// An instance profile's name from its ARN (`...:instance-profile/path/name`).
type ModifyAttribute =
    aws_sdk_ec2::operation::modify_instance_attribute::builders::ModifyInstanceAttributeFluentBuilder;
type AttributeBooleanValue = aws_sdk_ec2::types::AttributeBooleanValue;
type DescribedAttribute =
    aws_sdk_ec2::operation::describe_instance_attribute::DescribeInstanceAttributeOutput;

/// A boolean attribute configured to a value other than the instance's, which only a stopped
/// instance takes.
fn stopped_change(before: &Obj, after: &Obj, name: &str) -> bool {
    after
        .bool(name)
        .is_some_and(|v| before.bool(name) != Some(v))
}

fn profile_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

impl Ec2Bulk for Instance {
    bulk::ec2_object! {
        item Item, id instance_id, filter "instance-id",
        missing "InvalidInstanceID.NotFound", "ec2:DescribeInstances"
    }

    async fn describe(&self, filters: Vec<Filter>) -> ProviderResult<Vec<Self::Item>> {
        let ec2 = &self.aws.ec2;
        let reservations = ec2
            .describe_instances()
            .set_filters(Some(filters))
            .max_results(1000)
            .into_paginator()
            .items()
            .send()
            .all("ec2:DescribeInstances")
            .await?;
        Ok(reservations
            .into_iter()
            .flat_map(|r| r.instances.unwrap_or_default())
            .collect())
    }

    async fn value(&self, prior: Option<Obj>, i: Item) -> ProviderResult<Option<Value>> {
        let state = i.state().and_then(|s| s.name());
        if matches!(
            state,
            Some(InstanceStateName::Terminated | InstanceStateName::ShuttingDown)
        ) {
            return Ok(None);
        }
        let id = i.instance_id().unwrap_or_default().to_string();
        let user_data = self.user_data(&id).await?;
        // Asked only where it was configured on (or on import): one call per instance
        // saved on every refresh otherwise.
        let configured_off = prior
            .as_ref()
            .and_then(|p| p.bool("disable_api_termination"))
            == Some(false);
        let protected = !configured_off && self.termination_protected(&id).await?;
        let disks = match volumes::wanted(prior.as_ref()) {
            true => Some(volumes::read(&self.aws, &i, prior.as_ref()).await?),
            false => None,
        };
        let mut o = self.table.read(&self.aws, prior, &i);
        match disks {
            Some((root, more)) => {
                o.set("root_block_device", root)
                    .set("ebs_block_device", more);
            }
            // Not configured, not read: null, never the plan's unknown.
            None => volumes::null_unread(&mut o),
        }
        // `user_data` is kept as Terraform keeps it (a hash), `user_data_base64` as AWS
        // holds it; whichever was configured is read (`user_data` on import).
        let as_base64 = o.str("user_data_base64").is_some();
        if as_base64 {
            o.set("user_data_base64", opt_s(user_data));
        } else {
            o.set("user_data", opt_s(user_data.as_deref().map(user_data_hash)));
        }
        o.set("disable_api_termination", b(protected));
        network::password_data(&self.aws, &id, &mut o).await?;
        Ok(Some(o.finish(&self.schema)))
    }
}

impl AsyncResourceType for Instance {
    crate::provider::aws::bulk::ec2_reads!();
    fn validate(&self, planned: &Value) -> Result<(), String> {
        validate_user_data(planned, false)
    }

    /// With `user_data_replace_on_change`, new user data makes a new instance.
    fn replacing(&self, prior: &Value, planned: &Value, changed: &[String]) -> Vec<String> {
        let replaces_data = extras::user_data_replaces(&Obj::of(planned));
        changed
            .iter()
            .filter(|n| match n.as_str() {
                "user_data" | "user_data_base64" => replaces_data,
                "ebs_block_device" => volumes::ebs_replaces(&Obj::of(prior), &Obj::of(planned)),
                "enable_primary_ipv6" => network::primary_ipv6_replaces(&Obj::of(planned)),
                _ => false,
            })
            .cloned()
            .collect()
    }

    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        let planned = volumes::plan_tags(&self.aws, tags::plan(&self.aws, planned));
        let planned = plan_user_data(prior, planned);
        let mut after = Obj::of(&planned);
        network::plan(prior.map(Obj::of).as_ref(), &mut after);
        let Some(prior) = prior else {
            return Value::object(after.0);
        };
        // A stop and start gives the instance a new public address.
        let before = Obj::of(prior);
        if before.str("instance_type") != after.str("instance_type")
            || user_data_changed(&before, &after)
        {
            after.set("public_ip", Value::Unknown(Type::String));
        }
        Value::object(after.0)
    }

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let groups = nonempty(p.strs("vpc_security_group_ids"));
        // A public address (or secondary addresses) can only be asked for on an explicit
        // primary interface, which then carries the subnet and the groups.
        let interfaces = network::interfaces(&p, groups.clone());
        let mut disks = volumes::mappings(&self.aws, &p).await?;
        disks.extend(extras::ephemeral_mappings(&p));
        let disks = nonempty(disks);
        let out = retry_while(
            EVENTUAL_CONSISTENCY,
            // A new instance profile takes a while to be usable by EC2.
            |e| e.is("InvalidParameterValue") && e.message.contains("iamInstanceProfile"),
            || {
                let mut req = self
                    .aws
                    .ec2
                    .run_instances()
                    .min_count(1)
                    .max_count(1)
                    .image_id(p.str("ami").unwrap_or_default())
                    .set_instance_type(
                        p.str("instance_type")
                            .map(|t| InstanceType::from(t.as_str())),
                    )
                    .set_key_name(p.str("key_name"))
                    .set_user_data(
                        p.str("user_data")
                            .map(|u| user_data_base64(&u))
                            .or_else(|| p.str("user_data_base64")),
                    )
                    .set_iam_instance_profile(p.str("iam_instance_profile").map(|name| {
                        IamInstanceProfileSpecification::builder()
                            .name(name)
                            .build()
                    }))
                    .set_ebs_optimized(p.bool("ebs_optimized"))
                    .set_block_device_mappings(disks.clone())
                    .set_disable_api_termination(p.bool("disable_api_termination"))
                    .set_metadata_options(p.block("metadata_options").map(|m| {
                        with_metadata_options!(InstanceMetadataOptionsRequest::builder(), &m)
                            .build()
                    }))
                    .tag_specifications(tags::ec2_spec(Kind::Instance, &t));
                req = extras::set(options::set(req, &p), &p);
                req = match &interfaces {
                    Some(nis) => req.set_network_interfaces(Some(nis.clone())),
                    None => req
                        .set_subnet_id(p.str("subnet_id"))
                        .set_security_group_ids(groups.clone())
                        .set_private_ip_address(p.str("private_ip"))
                        .set_ipv6_address_count(p.i32("ipv6_address_count"))
                        .set_enable_primary_ipv6(p.bool("enable_primary_ipv6")),
                };
                req = req.set_secondary_interfaces(network::secondary_interfaces(&p));
                async move { req.send().await.map_err(err("ec2:RunInstances")) }
            },
        )
        .await?;
        let id = out
            .instances()
            .first()
            .and_then(|i| i.instance_id())
            .unwrap_or_default()
            .to_string();
        retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || async { self.wait_state(&id, InstanceStateName::Running).await },
        )
        .await?;
        // RunInstances takes no source/destination check: it is set once the instance runs.
        if p.bool("source_dest_check") == Some(false) {
            self.set_attribute(&id, |r, v| r.source_dest_check(v), false)
                .await?;
        }
        volumes::tag_volumes(&self.aws, &id, &Obj::default(), &p).await?;
        bulk::finished(self, p, &id).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let id = before.id()?;
        if before.str("instance_type") != after.str("instance_type")
            || user_data_changed(&before, &after)
            || stopped_change(&before, &after, "ebs_optimized")
        {
            self.modify_stopped(&id, &before, &after).await?;
        }
        if let Some(check) = after.bool("source_dest_check")
            && before.bool("source_dest_check") != Some(check)
        {
            self.set_attribute(&id, |r, v| r.source_dest_check(v), check)
                .await?;
        }
        if let Some(protect) = after.bool("disable_api_termination")
            && before.bool("disable_api_termination") != Some(protect)
        {
            self.set_attribute(&id, |r, v| r.disable_api_termination(v), protect)
                .await?;
        }
        let groups = after.strs("vpc_security_group_ids");
        if !groups.is_empty() && groups != before.strs("vpc_security_group_ids") {
            self.aws
                .ec2
                .modify_instance_attribute()
                .instance_id(&id)
                .set_groups(Some(groups))
                .send()
                .await
                .map_err(err("ec2:ModifyInstanceAttribute"))?;
        }
        let options = |o: &Obj| {
            o.0.get("metadata_options")
                .cloned()
                .unwrap_or_else(Value::null)
        };
        if !options(&before).raw_equal(&options(&after))
            && let Some(m) = after.block("metadata_options")
        {
            let req = self
                .aws
                .ec2
                .modify_instance_metadata_options()
                .instance_id(&id);
            with_metadata_options!(req, &m)
                .send()
                .await
                .map_err(err("ec2:ModifyInstanceMetadataOptions"))?;
        }
        if before.str("iam_instance_profile") != after.str("iam_instance_profile") {
            self.set_profile(&id, after.str("iam_instance_profile"))
                .await?;
        }
        volumes::update_root(&self.aws, &id, &before, &after).await?;
        volumes::tag_volumes(&self.aws, &id, &before, &after).await?;
        extras::update(&self.aws, &id, &before, &after).await?;
        network::update(&self.aws, &before, &after).await?;
        tags::update_ec2(&self.aws, &id, &before, &after).await?;
        bulk::finished(self, after, &id).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let p = Obj::of(&prior);
        let id = p.id()?;
        // `force_destroy` lifts termination protection first, as Terraform's does.
        if p.bool("force_destroy") == Some(true) && p.bool("disable_api_termination") == Some(true)
        {
            let off = |r: ModifyAttribute, v| r.disable_api_termination(v);
            self.set_attribute(&id, off, false).await?;
        }
        let r = self
            .aws
            .ec2
            .terminate_instances()
            .instance_ids(&id)
            .send()
            .await
            .map_err(err("ec2:TerminateInstances"));
        match r {
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
            Ok(_) => {}
        }
        self.wait_state(&id, InstanceStateName::Terminated).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_drop_the_path() {
        assert_eq!(
            profile_name("arn:aws:iam::123456789012:instance-profile/bastion"),
            "bastion"
        );
        assert_eq!(
            profile_name("arn:aws:iam::123456789012:instance-profile/team/a/bastion"),
            "bastion"
        );
    }
}
