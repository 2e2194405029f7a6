//! A build's temporary objects: the key pair, the security group and the builder instance.
//! Each is tagged `infra:bake-temp = <build id>` when it is created, so whatever a build
//! leaves behind (failure, Ctrl-C, kill) is found by that tag and removed.

use crate::provider::ProviderResult;
use crate::provider::aws::bulk::filter;
use crate::provider::aws::sdk::{delete_when_released, err, gone_is_ok, wait_for};
use aws_sdk_ec2::types::{InstanceStateName, IpPermission, IpRange, Ipv6Range};
use std::time::Duration;

/// Marks every temporary object of a build; the value is the build's id.
pub const TEMP_TAG: &str = "infra:bake-temp";

const INSTANCE_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// The filter that finds a build's temporary objects.
pub fn tagged(bake_id: &str) -> aws_sdk_ec2::types::Filter {
    filter(&format!("tag:{TEMP_TAG}"), [bake_id.to_string()])
}

/// Opens `port` on the temporary group to `cidrs` only.
pub async fn allow_ssh(
    ec2: &aws_sdk_ec2::Client,
    group_id: &str,
    port: u16,
    cidrs: &[String],
) -> ProviderResult<()> {
    let mut rule = IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(i32::from(port))
        .to_port(i32::from(port));
    for c in cidrs {
        rule = if c.contains(':') {
            rule.ipv6_ranges(
                Ipv6Range::builder()
                    .cidr_ipv6(c)
                    .description("infra bake: SSH from the runner")
                    .build(),
            )
        } else {
            rule.ip_ranges(
                IpRange::builder()
                    .cidr_ip(c)
                    .description("infra bake: SSH from the runner")
                    .build(),
            )
        };
    }
    ec2.authorize_security_group_ingress()
        .group_id(group_id)
        .ip_permissions(rule.build())
        .send()
        .await
        .map_err(err("ec2:AuthorizeSecurityGroupIngress"))?;
    Ok(())
}

/// This machine's address on the route to `host`, as a one-address CIDR block: the source
/// the builder sees when the runner reaches it without NAT. No packet is sent.
pub fn runner_cidr(host: &str, port: u16) -> Result<String, String> {
    use std::net::{ToSocketAddrs, UdpSocket};
    let target = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host} has no address"))?;
    let bind = if target.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let socket = UdpSocket::bind(bind).map_err(|e| e.to_string())?;
    socket
        .connect(target)
        .map_err(|e| format!("no route to {target}: {e}"))?;
    let local = socket.local_addr().map_err(|e| e.to_string())?.ip();
    Ok(match local {
        std::net::IpAddr::V4(a) => format!("{a}/32"),
        std::net::IpAddr::V6(a) => format!("{a}/128"),
    })
}

pub async fn instance_state(
    ec2: &aws_sdk_ec2::Client,
    instance_id: &str,
) -> ProviderResult<Option<InstanceStateName>> {
    Ok(describe_instance(ec2, instance_id)
        .await?
        .and_then(|i| i.state().and_then(|s| s.name()).cloned()))
}

pub async fn describe_instance(
    ec2: &aws_sdk_ec2::Client,
    instance_id: &str,
) -> ProviderResult<Option<aws_sdk_ec2::types::Instance>> {
    let out = ec2
        .describe_instances()
        .instance_ids(instance_id)
        .send()
        .await
        .map_err(err("ec2:DescribeInstances"))?;
    Ok(out
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .next()
        .cloned())
}

/// Terminates the builders and deletes the key pairs and security groups tagged with
/// `bake_id`.
pub async fn remove(ec2: &aws_sdk_ec2::Client, bake_id: &str) -> ProviderResult<()> {
    let instances: Vec<String> = ec2
        .describe_instances()
        .filters(tagged(bake_id))
        .send()
        .await
        .map_err(err("ec2:DescribeInstances"))?
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .filter(|i| i.state().and_then(|s| s.name()) != Some(&InstanceStateName::Terminated))
        .filter_map(|i| i.instance_id().map(str::to_string))
        .collect();
    if !instances.is_empty() {
        ec2.terminate_instances()
            .set_instance_ids(Some(instances.clone()))
            .send()
            .await
            .map_err(err("ec2:TerminateInstances"))?;
        for id in &instances {
            wait_for(
                &format!("builder {id} to terminate"),
                INSTANCE_TIMEOUT,
                || async {
                    Ok(matches!(
                        instance_state(ec2, id).await?,
                        Some(InstanceStateName::Terminated) | None
                    )
                    .then_some(()))
                },
            )
            .await?;
        }
    }
    let keys = ec2
        .describe_key_pairs()
        .filters(tagged(bake_id))
        .send()
        .await
        .map_err(err("ec2:DescribeKeyPairs"))?;
    for k in keys.key_pairs() {
        let Some(name) = k.key_name() else { continue };
        gone_is_ok(
            ec2.delete_key_pair()
                .key_name(name)
                .send()
                .await
                .map_err(err("ec2:DeleteKeyPair")),
        )?;
    }
    let groups = ec2
        .describe_security_groups()
        .filters(tagged(bake_id))
        .send()
        .await
        .map_err(err("ec2:DescribeSecurityGroups"))?;
    for g in groups.security_groups() {
        let Some(id) = g.group_id() else { continue };
        // The builder's network interface may linger a little after termination.
        delete_when_released(|| async {
            ec2.delete_security_group()
                .group_id(id)
                .send()
                .await
                .map_err(err("ec2:DeleteSecurityGroup"))
        })
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runner_address_is_the_local_end_of_the_route() {
        assert_eq!(runner_cidr("127.0.0.1", 22).unwrap(), "127.0.0.1/32");
    }
}
