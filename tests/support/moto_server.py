"""Starts moto on a free loopback port for the tests, prints "ready PORT", and runs until its
standard input closes: the test process holds the pipe, so moto ends with it even if the
tests are killed.

With --faults RATE it also starts a fault-injecting proxy in front of moto and prints
"ready MOTO_PORT PROXY_PORT": a share RATE of requests is answered with a throttling error or
a 5xx instead of being forwarded, so tests can show that infra's retries converge.
"""

import base64
import datetime
import logging
import os
import random
import sys
import threading
import uuid
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

os.environ.setdefault("MOTO_ENABLE_AMI_VALIDATION", "true")
os.environ.setdefault("MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION", "true")

# botocore's models predate some fields (CloudWatch alarms' warm-up configuration, the address
# type of an ELBv2 source IP condition), and moto answers through them: the shapes are added as
# AWS documents them, before anything loads the models.
import botocore.loaders  # noqa: E402

_load_service_model = botocore.loaders.Loader.load_service_model


def _load_service_model_with_warm_up(self, service_name, type_name, api_version=None):
    model = _load_service_model(self, service_name, type_name, api_version)
    shapes = model.get("shapes", {})
    if service_name == "cloudwatch" and type_name == "service-2" and \
            "WarmUpConfiguration" not in shapes:
        shapes["WarmUpConfiguration"] = {"type": "structure", "members": {
            "WarmUpPeriodDurationInMinutes": {"shape": "EvaluationInterval"},
            "OnlyStartEvaluatingAfterWarmUpPeriodEnds": {"shape": "ActionsEnabled"},
        }}
        for holder in ("MetricAlarm", "PutMetricAlarmInput"):
            shapes[holder]["members"]["WarmUpConfiguration"] = {"shape": "WarmUpConfiguration"}
    source_ip = shapes.get("SourceIpConditionConfig", {}).get("members")
    if service_name == "elbv2" and type_name == "service-2" and "IpAddressType" not in source_ip:
        source_ip["IpAddressType"] = {"shape": "IpAddressType"}
    return model


botocore.loaders.Loader.load_service_model = _load_service_model_with_warm_up

from moto.server import ThreadedMotoServer  # noqa: E402
from moto.ec2.models.launch_templates import LaunchTemplate  # noqa: E402
from moto.ec2.responses.dhcp_options import DHCPOptions  # noqa: E402
from moto.ec2.models.subnets import SubnetBackend  # noqa: E402
import moto.ec2.models.amis as amis  # noqa: E402
import moto.ec2.responses.instances as instance_responses  # noqa: E402
from moto.ec2.utils import parse_user_data  # noqa: E402
from moto.s3.responses import S3Response  # noqa: E402
from moto.ec2.models.vpcs import VPCEndPoint  # noqa: E402
from moto.ec2.models.core import TaggedEC2Resource  # noqa: E402
from moto.ec2.responses import EC2Response  # noqa: E402
from moto.ec2.exceptions import EC2ClientError  # noqa: E402
from moto.ec2.utils import add_tag_specification, generic_filter  # noqa: E402
import moto.ec2.utils as ec2_utils  # noqa: E402
from moto.core.responses import ActionResult, EmptyResult  # noqa: E402
from moto.rds.models import RDSBackend  # noqa: E402

# moto keeps the user data of a launch template version made by CreateLaunchTemplateVersion
# as the raw request string, and then fails (an assertion, a 500) when a group launches from
# that version. Give it the decoded form CreateLaunchTemplate already stores, so rolling a
# group onto a new version works in the emulator as on AWS.
_create_version = LaunchTemplate.create_version


def _create_version_with_user_data(self, data, description):
    if isinstance(data.get("UserData"), str):
        data = dict(data, UserData=parse_user_data(data["UserData"]))
    return _create_version(self, data, description)


LaunchTemplate.create_version = _create_version_with_user_data

# A launch template may give instance requirements (vCPUs, memory, excluded types) instead of
# an instance type; AWS then launches a type that meets them. moto launches the template's
# type, empty here, and refuses it. Pick one from moto's catalogue as AWS would: the smallest
# current-generation type that meets the vCPU and memory ranges and the type lists (the other
# requirements are not modelled).
from moto.ec2.models.launch_templates import LaunchTemplateVersion  # noqa: E402
from moto.ec2.models.instance_types import INSTANCE_TYPES  # noqa: E402
from moto.autoscaling.models import FakeAutoScalingGroup  # noqa: E402
import fnmatch  # noqa: E402


def _meets(requirements, name, info):
    def within(key, value):
        bounds = requirements.get(key) or {}
        low, high = bounds.get("Min"), bounds.get("Max")
        return (low is None or value >= float(low)) and (high is None or value <= float(high))

    def listed(key):
        return [x for x in (requirements.get(key) or []) if x]

    vcpus = info.get("VCpuInfo", {}).get("DefaultVCpus", 0)
    memory = info.get("MemoryInfo", {}).get("SizeInMiB", 0)
    allowed, excluded = listed("AllowedInstanceTypes"), listed("ExcludedInstanceTypes")
    return (
        within("VCpuCount", vcpus)
        and within("MemoryMiB", memory)
        and (not allowed or any(fnmatch.fnmatch(name, g) for g in allowed))
        and not any(fnmatch.fnmatch(name, g) for g in excluded)
    )


def _by_requirements(requirements):
    matching = [
        (info.get("VCpuInfo", {}).get("DefaultVCpus", 0),
         info.get("MemoryInfo", {}).get("SizeInMiB", 0), name)
        for name, info in INSTANCE_TYPES.items()
        if info.get("CurrentGeneration") and _meets(requirements, name, info)
    ]
    return min(matching)[2] if matching else ""


def _template_instance_type(self):
    chosen = self.data.get("InstanceType", "")
    requirements = self.data.get("InstanceRequirements")
    return chosen or (_by_requirements(requirements) if requirements else "")


LaunchTemplateVersion.instance_type = property(_template_instance_type)

# A group's mixed instances overrides come before its template's type on AWS: the first
# override's type, or one that meets its requirements.
_group_instance_type = FakeAutoScalingGroup.instance_type


def _group_instance_type_with_overrides(self):
    policy = self.mixed_instances_policy or {}
    for override in (policy.get("LaunchTemplate") or {}).get("Overrides") or []:
        if override.get("InstanceType"):
            return override["InstanceType"]
        if override.get("InstanceRequirements"):
            chosen = _by_requirements(override["InstanceRequirements"])
            if chosen:
                return chosen
    return _group_instance_type.fget(self)


FakeAutoScalingGroup.instance_type = property(_group_instance_type_with_overrides)

# RunInstances' interface specs may give secondary private addresses (PrivateIpAddresses with
# Primary false); AWS puts them on the interface it makes, moto drops them.
from moto.ec2.models.instances import Instance as _Instance  # noqa: E402

_prep_nics = _Instance.prep_nics


def _prep_nics_with_secondary(self, nic_spec, *args, **kwargs):
    _prep_nics(self, nic_spec, *args, **kwargs)
    for spec in nic_spec or []:
        nic = self.nics.get(int(spec.get("DeviceIndex", 0)))
        if nic is None or spec.get("NetworkInterfaceId"):
            continue
        for address in spec.get("PrivateIpAddresses") or []:
            ip = address.get("PrivateIpAddress")
            primary = address.get("Primary") in (True, "true")
            known = [a.get("PrivateIpAddress") for a in nic.private_ip_addresses]
            if ip and not primary and ip not in known:
                nic.private_ip_addresses.append({"Primary": False, "PrivateIpAddress": ip})


_Instance.prep_nics = _prep_nics_with_secondary

# RunInstances' EnablePrimaryIpv6 (or PrimaryIpv6 on the primary interface spec) makes the
# first IPv6 address primary, and SecondaryInterfaces asks for interfaces on secondary networks;
# moto drops both. The flag is answered as IsPrimaryIpv6, the interfaces as AWS describes them
# (kept as sent: nothing checks the secondary subnets).
from moto.ec2.models.elastic_network_interfaces import NetworkInterface as _Nic  # noqa: E402

_ipv6_list = _Nic.instance_ipv6_address_list.fget


def _ipv6_list_with_primary(self):
    listed = _ipv6_list(self)
    if getattr(self, "primary_ipv6", False) and listed:
        listed[0]["IsPrimaryIpv6"] = True
    return listed


_Nic.instance_ipv6_address_list = property(_ipv6_list_with_primary)
_run_instances = instance_responses.InstanceResponse.run_instances


def _secondary_interface(instance, spec, index):
    addresses = [{"PrivateIpAddress": a["PrivateIpAddress"]}
                 for a in spec.get("PrivateIpAddresses") or [] if a.get("PrivateIpAddress")]
    for _ in range(len(addresses), int(spec.get("PrivateIpAddressCount") or 1)):
        addresses.append({"PrivateIpAddress": f"10.255.{index}.{len(addresses) + 4}"})
    suffix = uuid.uuid4().hex[:17]
    return {
        "SecondaryInterfaceId": f"si-{suffix}",
        "MacAddress": ":".join(suffix[i:i + 2] for i in range(0, 12, 2)),
        "OwnerId": instance.owner_id,
        "SecondarySubnetId": spec.get("SecondarySubnetId"),
        "SecondaryNetworkId": f"sn-{uuid.uuid4().hex[:17]}",
        "InterfaceType": spec.get("InterfaceType") or "secondary",
        "SourceDestCheck": True,
        "Status": "in-use",
        "PrivateIpAddresses": addresses,
        "Attachment": {
            "AttachmentId": f"sia-{uuid.uuid4().hex[:17]}",
            "DeleteOnTermination": spec.get("DeleteOnTermination") not in (False, "false"),
            "DeviceIndex": int(spec.get("DeviceIndex") or 0),
            "NetworkCardIndex": int(spec.get("NetworkCardIndex") or 0),
            "Status": "attached",
        },
    }


def _run_instances_keeping_ipv6_and_secondary(self):
    result = _run_instances(self)
    nics = self._get_param("NetworkInterfaces", [])
    primary = self._get_param("EnablePrimaryIpv6") in (True, "true") or any(
        int(n.get("DeviceIndex", 0)) == 0 and n.get("PrimaryIpv6") in (True, "true")
        for n in nics)
    secondary = self._get_param("SecondaryInterfaces", [])
    for instance in result.result.instances:
        nic = instance.nics.get(0)
        if primary and nic is not None:
            nic.primary_ipv6 = True
        if secondary:
            instance.SecondaryInterfaces = [
                _secondary_interface(instance, spec, i) for i, spec in enumerate(secondary)]
    return result


instance_responses.InstanceResponse.run_instances = _run_instances_keeping_ipv6_and_secondary
_modify_nic = EC2Response.modify_network_interface_attribute


def _modify_nic_primary_ipv6(self):
    if self._get_param("EnablePrimaryIpv6") in (True, "true"):
        nic = self.ec2_backend.get_network_interface(self._get_param("NetworkInterfaceId"))
        nic.primary_ipv6 = True
    return _modify_nic(self)


EC2Response.modify_network_interface_attribute = _modify_nic_primary_ipv6

# moto ignores the tags CreateDhcpOptions is given (AWS applies them with the set), so a set
# infra made would lose its crash-recovery tags. Apply them as AWS does.
_create_dhcp_options = DHCPOptions.create_dhcp_options


def _create_dhcp_options_tagged(self):
    result = _create_dhcp_options(self)
    for spec in self._get_param("TagSpecifications", []):
        tags = {t["Key"]: t["Value"] for t in spec.get("Tags", [])}
        result.result["DhcpOptions"].add_tags(tags)
    return result


DHCPOptions.create_dhcp_options = _create_dhcp_options_tagged

# moto keeps a deleted subnet's network ACL association, and then refuses to delete the ACL
# (DependencyViolation) and fails with a 500 on moving the subnet. On AWS the association goes
# with the subnet.
_delete_subnet = SubnetBackend.delete_subnet


def _delete_subnet_and_acl_association(self, subnet_id):
    subnet = _delete_subnet(self, subnet_id)
    for acl in self.network_acls.values():
        for key in [k for k, a in acl._associations.items() if a.subnet_id == subnet_id]:
            del acl._associations[key]
    return subnet


SubnetBackend.delete_subnet = _delete_subnet_and_acl_association

# ModifyInstanceAttribute's user data is a blob: on the wire it is the base64 of the bytes,
# which AWS decodes once. moto decodes it and then requires the bytes to be base64 again, so
# an SDK that encodes as AWS documents is refused. Accept the bytes as AWS does.
_parse_user_data = instance_responses.parse_user_data


def _parse_user_data_bytes(value):
    try:
        return _parse_user_data(value)
    except Exception:
        raw = value if isinstance(value, bytes) else str(value).encode()
        return _parse_user_data(base64.b64encode(raw))


instance_responses.parse_user_data = _parse_user_data_bytes

# DescribeVpcEndpoints takes a `vpc-endpoint-id` filter on AWS (infra finds endpoints by id
# with it, as every EC2 type); moto knows only the type and state filters.
_endpoint_filter_value = VPCEndPoint.get_filter_value


def _endpoint_filter_value_by_id(self, filter_name, method_name=None):
    if filter_name == "vpc-endpoint-id":
        return self.id
    return _endpoint_filter_value(self, filter_name, method_name)


VPCEndPoint.get_filter_value = _endpoint_filter_value_by_id

# ModifyVpcEndpoint adding or removing a Gateway endpoint's route tables adds or removes the
# prefix list route in them on AWS; moto only updates the list, and then fails to delete the
# endpoint (it deletes a route per listed table, InvalidRoute.NotFound).
_modify_endpoint = VPCEndPoint.modify


def _modify_endpoint_routes(self, policy_doc, add_subnets, remove_subnets, add_route_tables,
                            remove_route_tables, add_security_groups, remove_security_groups):
    before = set(self.route_table_ids)
    _modify_endpoint(self, policy_doc, add_subnets, remove_subnets, add_route_tables,
                     remove_route_tables, add_security_groups, remove_security_groups)
    prefix_list = self.destination_prefix_list_id
    if prefix_list:
        for table in set(self.route_table_ids) - before:
            self.ec2_backend.create_route(table, None, gateway_id=self.id,
                                          destination_prefix_list_id=prefix_list)
        for table in before - set(self.route_table_ids):
            self.ec2_backend.delete_route(table, prefix_list)


VPCEndPoint.modify = _modify_endpoint_routes

# DescribeImageAttribute's uefiData reads an attribute moto's images lack (a server error), and
# RegisterImage drops UefiData. An image keeps the store it was registered with, as on AWS.
amis.Ami.uefi = None
_register_image = EC2Response.register_image


def _register_image_keeping_uefi(self):
    result = _register_image(self)
    uefi = self._get_param("UefiData")
    if uefi:
        self.ec2_backend.amis[result.result["ImageId"]].uefi = uefi
    return result


EC2Response.register_image = _register_image_keeping_uefi

# An address's reverse DNS (PTR) record: moto has no ModifyAddressAttribute, and answers no
# PtrRecord in DescribeAddressesAttribute. A record set is kept and answered, settled at once.
def _modify_address_attribute(self):
    allocation_id = self._get_param("AllocationId")
    address = self.ec2_backend.describe_addresses(allocation_ids=[allocation_id])[0]
    address.PtrRecord = self._get_param("DomainName")
    return ActionResult({"Address": {"AllocationId": allocation_id,
                                     "PublicIp": address.public_ip,
                                     "PtrRecord": address.PtrRecord}})


EC2Response.modify_address_attribute = _modify_address_attribute

# Regional NAT gateways (AvailabilityMode regional: one gateway for a VPC across its zones, no
# subnet), which moto lacks. A minimal model: made with the VPC and, in manual mode, the
# Elastic IPs of each zone (auto mode when none are given: AWS then picks zones and addresses
# itself, which nothing here does); described with their mode, zones' addresses and route
# table; zones' addresses associated and disassociated. Traffic is not modelled.
from moto.ec2.models.nat_gateways import NatGateway as _NatGateway  # noqa: E402
from moto.ec2.responses.nat_gateways import NatGateways as _NatGatewayResponses  # noqa: E402
from moto.core.utils import utcnow  # noqa: E402


def _hex_id(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:17]}"


class _RegionalNatGateway(_NatGateway):
    # moto's model metaclass names the service after the defining module.
    __module__ = _NatGateway.__module__

    def __init__(self, backend, vpc_id, zones, tags):
        self.id = _hex_id("nat")
        self.subnet_id = None
        self.vpc_id = vpc_id
        self.state = "available"
        self.private_ip = None
        self.connectivity_type = "public"
        self._created_at = utcnow()
        self.ec2_backend = backend
        self.address_set = []
        manual = "disabled" if zones else "enabled"
        self.AvailabilityMode = "regional"
        self.AutoProvisionZones = manual
        self.AutoScalingIps = manual
        self.RouteTableId = _hex_id("rtb")
        for zone in zones:
            self.associate(zone.get("AllocationIds") or [], zone.get("AvailabilityZone"),
                           zone.get("AvailabilityZoneId"))
        self.add_tags(tags or {})

    def associate(self, allocation_ids, zone, zone_id):
        known = {z.name: z.zone_id for z in self.ec2_backend.describe_availability_zones()}
        if zone is None:
            zone = next((name for name, i in known.items() if i == zone_id), None)
        if zone not in known:
            raise EC2ClientError("InvalidParameterValue",
                                 f"The availability zone {zone or zone_id} is not valid.")
        for allocation_id in allocation_ids:
            if any(a["allocationId"] == allocation_id for a in self.address_set):
                raise EC2ClientError("Resource.AlreadyAssociated",
                                     f"{allocation_id} is already associated.")
            eip = self.ec2_backend.address_by_allocation([allocation_id])[0]
            self.address_set.append({
                "allocationId": allocation_id,
                "publicIp": eip.public_ip,
                "associationId": _hex_id("eipassoc"),
                "isPrimary": not self.address_set,
                "status": "succeeded",
                "availabilityZone": zone,
                "availabilityZoneId": known[zone],
            })


_create_nat_gateway = _NatGatewayResponses.create_nat_gateway


def _create_nat_gateway_regional(self):
    if self._get_param("AvailabilityMode") != "regional":
        return _create_nat_gateway(self)
    vpc_id = self._get_param("VpcId")
    self.ec2_backend.get_vpc(vpc_id)
    if self._get_param("SubnetId") or self._get_param("AllocationId"):
        raise EC2ClientError("InvalidParameterCombination",
                             "A regional NAT gateway takes a VPC, not a subnet or an allocation.")
    gateway = _RegionalNatGateway(
        self.ec2_backend, vpc_id, self._get_param("AvailabilityZoneAddresses", []),
        add_tag_specification(self._get_param("TagSpecifications", [])))
    self.ec2_backend.nat_gateways[gateway.id] = gateway
    return ActionResult({"NatGateway": gateway})


def _regional_gateway(self):
    gateway = self.ec2_backend.nat_gateways.get(self._get_param("NatGatewayId"))
    if gateway is None:
        raise EC2ClientError("NatGatewayNotFound", "The NAT gateway was not found.")
    return gateway


def _associate_nat_gateway_address(self):
    gateway = _regional_gateway(self)
    gateway.associate(self._get_param("AllocationIds", []), self._get_param("AvailabilityZone"),
                      self._get_param("AvailabilityZoneId"))
    return ActionResult({"NatGatewayId": gateway.id,
                         "NatGatewayAddresses": gateway.address_set})


def _disassociate_nat_gateway_address(self):
    gateway = _regional_gateway(self)
    gone = set(self._get_param("AssociationIds", []))
    kept = [a for a in gateway.address_set if a.get("associationId") not in gone]
    if len(kept) + len(gone) != len(gateway.address_set):
        raise EC2ClientError("InvalidAssociationID.NotFound",
                             "An association is not the NAT gateway's.")
    gateway.address_set = kept
    return ActionResult({"NatGatewayId": gateway.id, "NatGatewayAddresses": kept})


_NatGatewayResponses.create_nat_gateway = _create_nat_gateway_regional
EC2Response.create_nat_gateway = _create_nat_gateway_regional
EC2Response.associate_nat_gateway_address = _associate_nat_gateway_address
EC2Response.disassociate_nat_gateway_address = _disassociate_nat_gateway_address

# A VPC endpoint's DNS options (record IP type, private DNS preference and domains): moto drops
# them at CreateVpcEndpoint and ModifyVpcEndpoint; AWS keeps them and answers them in
# DescribeVpcEndpoints. Kept as sent.
_create_vpc_endpoint = EC2Response.create_vpc_endpoint
_modify_vpc_endpoint_options = EC2Response.modify_vpc_endpoint


def _keep_dns_options(self, endpoint):
    options = self._get_param("DnsOptions")
    if options:
        endpoint.DnsOptions = options


def _create_vpc_endpoint_keeping_dns(self):
    result = _create_vpc_endpoint(self)
    _keep_dns_options(self, result.result["VpcEndpoint"])
    return result


def _modify_vpc_endpoint_keeping_dns(self):
    result = _modify_vpc_endpoint_options(self)
    endpoint = self.ec2_backend.describe_vpc_endpoints(
        vpc_end_point_ids=[self._get_param("VpcEndpointId")])[0]
    _keep_dns_options(self, endpoint)
    return result


EC2Response.create_vpc_endpoint = _create_vpc_endpoint_keeping_dns
EC2Response.modify_vpc_endpoint = _modify_vpc_endpoint_keeping_dns

# An Amazon-provided IPv6 block's association: AWS answers where it came from (source, public
# address attribute, border group); moto answers only its pool.
from moto.ec2.models.vpcs import VPC as _Vpc  # noqa: E402

_ipv6_associations = _Vpc.ipv6_cidr_block_association_set.fget


def _ipv6_associations_with_source(self):
    listed = _ipv6_associations(self)
    for a in listed:
        if a.get("ipv6_pool") == "Amazon":
            a["IpSource"] = "amazon"
            a["Ipv6AddressAttribute"] = "public"
            a["NetworkBorderGroup"] = (a.get("ipv6_cidr_block_network_border_group")
                                       or self.ec2_backend.region_name)
    return listed


_Vpc.ipv6_cidr_block_association_set = property(_ipv6_associations_with_source)

# moto has no placement groups. A minimal model of them (create, describe with names and
# filters, delete, tags), with AWS's codes for a duplicate and an unknown group.
class _PlacementGroup(TaggedEC2Resource):
    # moto's models register under the service their module is in.
    __module__ = "moto.ec2.models.placement_groups"

    def __init__(self, backend, name, strategy, partition_count, spread_level, tags):
        self.ec2_backend = backend
        self.id = "pg-" + uuid.uuid4().hex[:17]
        self.group_id = self.id
        self.group_name = name
        self.strategy = strategy
        self.state = "available"
        self.partition_count = partition_count
        self.spread_level = spread_level
        self.group_arn = (
            f"arn:aws:ec2:{backend.region_name}:{backend.account_id}:placement-group/{name}"
        )
        self.add_tags(tags)

    @property
    def tags(self):
        return [{"Key": t["key"], "Value": t["value"]} for t in self.get_tags()]

    def get_filter_value(self, filter_name, method_name=None):
        known = {"group-name": self.group_name, "group-id": self.id,
                 "strategy": self.strategy, "state": self.state,
                 "spread-level": self.spread_level}
        if filter_name in known:
            return known[filter_name]
        return super().get_filter_value(filter_name, "DescribePlacementGroups")


_PLACEMENT_GROUPS = {}


def _placement_groups(response):
    return _PLACEMENT_GROUPS.setdefault((response.current_account, response.region), {})


def _create_placement_group(self):
    groups = _placement_groups(self)
    name = self._get_param("GroupName")
    if name in groups:
        raise EC2ClientError("InvalidPlacementGroup.Duplicate",
                             f"The placement group '{name}' already exists.")
    strategy = self._get_param("Strategy")
    partitions = self._get_param("PartitionCount")
    group = _PlacementGroup(
        self.ec2_backend, name, strategy,
        int(partitions) if partitions else (2 if strategy == "partition" else None),
        self._get_param("SpreadLevel") or ("rack" if strategy == "spread" else None),
        add_tag_specification(self._get_param("TagSpecifications", [])),
    )
    groups[name] = group
    return ActionResult({"PlacementGroup": group})


def _describe_placement_groups(self):
    groups = _placement_groups(self)
    names = self._get_param("GroupNames", [])
    ids = self._get_param("GroupIds", [])
    found = list(groups.values())
    for name in names:
        if name not in groups:
            raise EC2ClientError("InvalidPlacementGroup.Unknown",
                                 f"The Placement Group '{name}' is unknown.")
    if names:
        found = [g for g in found if g.group_name in names]
    if ids:
        found = [g for g in found if g.id in ids]
    found = generic_filter(self._filters_from_querystring(), found)
    return ActionResult({"PlacementGroups": found})


def _delete_placement_group(self):
    groups = _placement_groups(self)
    name = self._get_param("GroupName")
    if name not in groups:
        raise EC2ClientError("InvalidPlacementGroup.Unknown",
                             f"The Placement Group '{name}' is unknown.")
    del groups[name]
    return EmptyResult()


# Their ids take tags as every EC2 id does (CreateTags checks the prefix).
ec2_utils.EC2_RESOURCE_TO_PREFIX["placement-group"] = "pg"
ec2_utils.EC2_PREFIX_TO_RESOURCE["pg"] = "placement-group"
EC2Response.create_placement_group = _create_placement_group
EC2Response.describe_placement_groups = _describe_placement_groups
EC2Response.delete_placement_group = _delete_placement_group

# CreateAutoScalingGroup and UpdateAutoScalingGroup: moto drops a group's availability zone
# distribution, capacity reservation specification and instance lifecycle policy; AWS keeps
# them and answers them in DescribeAutoScalingGroups. Kept here as sent.
from moto.autoscaling.responses import AutoScalingResponse  # noqa: E402

_GROUP_OPTIONS = {
    "AvailabilityZoneDistribution": "availability_zone_distribution",
    "CapacityReservationSpecification": "capacity_reservation_specification",
    "InstanceLifecyclePolicy": "instance_lifecycle_policy",
}


def _keeping_group_options(call):
    def wrapped(self):
        result = call(self)
        params = self._get_params()
        group = self.autoscaling_backend.autoscaling_groups.get(
            self._get_param("AutoScalingGroupName")
        )
        for key, attr in _GROUP_OPTIONS.items():
            if group is not None and key in params:
                setattr(group, attr, params[key])
        return result

    return wrapped


AutoScalingResponse.create_auto_scaling_group = _keeping_group_options(
    AutoScalingResponse.create_auto_scaling_group
)
AutoScalingResponse.update_auto_scaling_group = _keeping_group_options(
    AutoScalingResponse.update_auto_scaling_group
)

# ModifyDBSubnetGroup takes the group out of moto's table and never puts it back: the group
# vanishes. On AWS it is changed in place.
_modify_db_subnet_group = RDSBackend.modify_db_subnet_group


def _modify_db_subnet_group_kept(self, subnet_name, description, subnets):
    group = _modify_db_subnet_group(self, subnet_name, description, subnets)
    self.subnet_groups[subnet_name] = group
    return group


RDSBackend.modify_db_subnet_group = _modify_db_subnet_group_kept

# GetBucketVersioning answers <VersioningConfiguration> on AWS (empty for a bucket that never
# had versioning); moto names the root after the operation, which no SDK parses.
def _get_bucket_versioning(self):
    status = self.backend.get_bucket_versioning(self.bucket_name)
    inner = f"<Status>{status}</Status>" if status else ""
    return (
        200,
        {"Content-Type": "application/xml"},
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f"{inner}</VersioningConfiguration>",
    )


S3Response.get_bucket_versioning = _get_bucket_versioning


# GetBucketAccelerateConfiguration answers <AccelerateConfiguration> on AWS; moto, again, names
# the root after the operation.
def _get_bucket_accelerate_configuration(self):
    status = self.backend.get_bucket_accelerate_configuration(self.bucket_name)
    inner = f"<Status>{status}</Status>" if status else ""
    return (
        200,
        {"Content-Type": "application/xml"},
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<AccelerateConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f"{inner}</AccelerateConfiguration>",
    )


S3Response.get_bucket_accelerate_configuration = _get_bucket_accelerate_configuration

# moto has no request payment (who pays for requests: the owner, or the requester). A bucket's
# payer, kept as AWS keeps it: BucketOwner until put otherwise.
_payers = {}
_bucket_get = S3Response._bucket_response_get
_bucket_put = S3Response._bucket_response_put


def _bucket_get_with_payment(self, bucket_name, querystring):
    if "requestPayment" not in querystring:
        return _bucket_get(self, bucket_name, querystring)
    self.backend.get_bucket(bucket_name)
    payer = _payers.get(bucket_name, "BucketOwner")
    return (
        200,
        {"Content-Type": "application/xml"},
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<RequestPaymentConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f"<Payer>{payer}</Payer></RequestPaymentConfiguration>",
    )


def _bucket_put_with_payment(self, request, bucket_name, querystring, *args, **kwargs):
    if "requestPayment" not in querystring:
        return _bucket_put(self, request, bucket_name, querystring, *args, **kwargs)
    self.backend.get_bucket(bucket_name)
    body = self.body.decode() if isinstance(self.body, bytes) else (self.body or "")
    payer = "Requester" if "<Payer>Requester</Payer>" in body else "BucketOwner"
    _payers[bucket_name] = payer
    return 200, {}, ""


S3Response._bucket_response_get = _bucket_get_with_payment
S3Response._bucket_response_put = _bucket_put_with_payment

# GetBucketEncryption: moto answers a rule's default encryption and bucket key, not the
# encryption types it blocks, which PutBucketEncryption sent and AWS answers.
_get_bucket_encryption = S3Response.get_bucket_encryption


def _get_bucket_encryption_with_blocked(self):
    encryption = self.backend.get_bucket_encryption(self.bucket_name)
    blocked = ((encryption or {}).get("Rule") or {}).get("BlockedEncryptionTypes")
    if not blocked:
        return _get_bucket_encryption(self)
    types = blocked.get("EncryptionType") or []
    rule = encryption["Rule"]
    self.data["Action"] = "GetBucketEncryption"
    return self.serialized(ActionResult({"ServerSideEncryptionConfiguration": {"Rules": [{
        "ApplyServerSideEncryptionByDefault": rule["ApplyServerSideEncryptionByDefault"],
        "BucketKeyEnabled": str(rule.get("BucketKeyEnabled")).lower() == "true",
        "BlockedEncryptionTypes": {
            "EncryptionType": types if isinstance(types, list) else [types]},
    }]}}))


S3Response.get_bucket_encryption = _get_bucket_encryption_with_blocked

# Public images the third-party configurations under fixtures/real look up by owner and name,
# added to moto's catalogue (every region's) as their publishers' accounts hold them on AWS.
# No creation_date: moto parses that field in place in the shared entry, and the next region
# would fail on it.
def _public_image(ami_id, owner, name, **extra):
    return {
        **extra,
        "ami_id": ami_id,
        "state": "available",
        "public": True,
        "owner_id": owner,
        "image_location": "amazon/getting-started",
        "sriov": "simple",
        "root_device_type": "ebs",
        "root_device_name": "/dev/sda1",
        "description": name,
        "image_type": "machine",
        "platform": None,
        "architecture": "x86_64",
        "name": name,
        "virtualization_type": "hvm",
        "hypervisor": "xen",
    }


amis.AMIS.extend(
    [
        # hashicorp/terraform-aws-consul and terraform-aws-nomad
        _public_image("ami-0c0a5e1e0c0a5e1e0", "562637147889", "consul-ubuntu-2023-01-01-000000"),
        _public_image(
            "ami-0d0a5e1e0d0a5e1e0", "562637147889", "nomad-consul-ubuntu-2023-01-01-000000"
        ),
        # CentOS 7 from the Marketplace, found by product code (scholzj/terraform-aws-kubernetes)
        _public_image(
            "ami-0ce0705ce0705ce07",
            "aws-marketplace",
            "CentOS Linux 7 x86_64 HVM EBS ENA 2002_01",
            product_codes=["aw0evgkw8e5c1q413zgy5pjce"],
        ),
        # Debian's own (kubernetes-sigs/kubespray contrib/terraform/aws)
        _public_image(
            "ami-0de1a0de1a0de1a0d", "136693071363", "debian-10-amd64-20210329-591"
        ),
        # Canonical's Ubuntu (rancher/terraform-k3s-aws-cluster)
        _public_image(
            "ami-0b10b1c0b10b1c0b1",
            "099720109477",
            "ubuntu-minimal/images/hvm-ssd/ubuntu-bionic-18.04-amd64-minimal-20200112",
        ),
    ]
)

# ELBv2 settings moto drops, which AWS keeps and answers in its Describe calls: a balancer's
# IPAM pools, IPv6 source NAT prefix switch, PrivateLink enforcement and minimum capacity (with
# ModifyIpPools and ModifyCapacityReservation, which moto lacks), a listener's mutual
# authentication, a rule's transforms, a target group's control port. Kept as sent, under the
# names AWS answers them by; nothing acts on them.
from moto.elbv2.responses import ELBV2Response  # noqa: E402


def _keeping(call, answer, fields, resets=()):
    """Wraps a response method: the objects its result lists under `answer` keep the request's
    `fields` as sent; a true reset parameter (name, field) empties its field."""

    def wrapper(self):
        result = call(self)
        params = self._get_params()
        for obj in result.result.get(answer) or []:
            for field in fields:
                if field in params:
                    setattr(obj, field, params[field])
            for flag, field in resets:
                if str(params.get(flag, "")).lower() == "true":
                    setattr(obj, field, [])
        return result

    return wrapper


ELBV2Response.create_load_balancer = _keeping(
    ELBV2Response.create_load_balancer,
    "LoadBalancers",
    ["IpamPools", "EnablePrefixForIpv6SourceNat"],
)
ELBV2Response.create_listener = _keeping(
    ELBV2Response.create_listener, "Listeners", ["MutualAuthentication"]
)
ELBV2Response.modify_listener = _keeping(
    ELBV2Response.modify_listener, "Listeners", ["MutualAuthentication"]
)
ELBV2Response.create_rule = _keeping(ELBV2Response.create_rule, "Rules", ["Transforms"])
ELBV2Response.modify_rule = _keeping(
    ELBV2Response.modify_rule, "Rules", ["Transforms"], [("ResetTransforms", "Transforms")]
)
ELBV2Response.create_target_group = _keeping(
    ELBV2Response.create_target_group, "TargetGroups", ["TargetControlPort"]
)


def _balancer(self):
    return self.elbv2_backend.load_balancers[self._get_param("LoadBalancerArn")]


def _set_with(call, field):
    def wrapper(self):
        result = call(self)
        value = self._get_param(field)
        if value is not None:
            setattr(_balancer(self), field, value)
        return result

    return wrapper


ELBV2Response.set_security_groups = _set_with(
    ELBV2Response.set_security_groups, "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"
)
ELBV2Response.set_subnets = _set_with(ELBV2Response.set_subnets, "EnablePrefixForIpv6SourceNat")


def _modify_ip_pools(self):
    lb = _balancer(self)
    pools = self._get_params().get("IpamPools")
    if pools:
        lb.IpamPools = pools
    elif self._get_params().get("RemoveIpamPools"):
        lb.IpamPools = None
    return ActionResult({"IpamPools": getattr(lb, "IpamPools", None)})


def _capacity_answer(lb):
    answer = {"CapacityReservationState": [{"State": {"Code": "provisioned"}}]}
    units = getattr(lb, "minimum_capacity_units", None)
    if units is not None:
        answer["MinimumLoadBalancerCapacity"] = {"CapacityUnits": units}
    return answer


def _modify_capacity_reservation(self):
    lb = _balancer(self)
    minimum = self._get_params().get("MinimumLoadBalancerCapacity")
    if minimum:
        lb.minimum_capacity_units = int(minimum["CapacityUnits"])
    elif str(self._get_param("ResetCapacityReservation", "")).lower() == "true":
        lb.minimum_capacity_units = None
    return ActionResult(_capacity_answer(lb))


ELBV2Response.modify_ip_pools = _modify_ip_pools
ELBV2Response.modify_capacity_reservation = _modify_capacity_reservation
ELBV2Response.describe_capacity_reservation = lambda self: ActionResult(
    _capacity_answer(_balancer(self))
)

# ELBv2's JWT validation actions and regex conditions, which moto's validation refuses (an
# unknown action type; a condition config without Values, a KeyError and a 500). Checked as
# AWS checks them (a JWKS endpoint and an issuer; at most 128 characters a pattern) and kept as
# sent, as moto keeps every action and condition.
from moto.elbv2.models import ELBv2Backend  # noqa: E402
from moto.elbv2.exceptions import InvalidConditionValueError  # noqa: E402

_validate_actions = ELBv2Backend._validate_actions


def _validate_actions_with_jwt(self, actions):
    for action in actions:
        if action.type == "jwt-validation":
            config = action.data.get("JwtValidationConfig") or {}
            if not config.get("JwksEndpoint") or not config.get("Issuer"):
                raise InvalidConditionValueError(
                    "A JWT validation action needs a JWKS endpoint and an issuer")
    _validate_actions(self, [a for a in actions if a.type != "jwt-validation"])


def _regex_or(field, config_name, check):
    def validate(self, condition):
        config = condition.get(config_name) or {}
        regex = config.get("RegexValues")
        if regex and not config.get("Values"):
            if any(len(v) > 128 for v in regex):
                raise InvalidConditionValueError(
                    f"The '{field}' value is too long; the limit is '128'")
            return None
        return check(self, condition)
    return validate


ELBv2Backend._validate_actions = _validate_actions_with_jwt
for _field, _config in (("host-header", "HostHeaderConfig"), ("path-pattern", "PathPatternConfig"),
                        ("http-header", "HttpHeaderConfig")):
    _method = "_validate_" + _field.replace("-", "_") + "_condition"
    setattr(ELBv2Backend, _method, _regex_or(_field, _config, getattr(ELBv2Backend, _method)))

# Route 53 record sets: moto drops a set's geoproximity location and CIDR routing config, which
# AWS keeps and lists. Kept as sent.
from moto.route53.models import RecordSet  # noqa: E402

_record_set_init = RecordSet.__init__


def _record_set_keeping_routing(self, kwargs):
    _record_set_init(self, kwargs)
    for field in ("GeoProximityLocation", "CidrRoutingConfig"):
        if kwargs.get(field):
            setattr(self, field, kwargs[field])


RecordSet.__init__ = _record_set_keeping_routing

# UpdateHostedZoneFeatures (a zone's accelerated recovery), which moto lacks: the status is
# answered in GetHostedZone's Features, settled at once as moto settles everything.
import moto.route53.urls as route53_urls  # noqa: E402
from moto.route53.responses import Route53  # noqa: E402

route53_urls.url_paths[
    r"{0}/(?P<api_version>[\d_-]+)/hostedzone/(?P<zone_id>[^/]+)/features$"
] = Route53.dispatch


def _update_hosted_zone_features(self):
    zone = self.backend.get_hosted_zone(self._get_param("HostedZoneId"))
    on = str(self._get_param("EnableAcceleratedRecovery", "")).lower() == "true"
    zone.Features = {"AcceleratedRecoveryStatus": "ENABLED" if on else "DISABLED"}
    return ActionResult({})


Route53.update_hosted_zone_features = _update_hosted_zone_features

# CloudWatch's SDKs speak the Smithy RPC v2 CBOR protocol (AWS answers it beside JSON and query);
# moto answers JSON. A CBOR call is translated: its body decoded and sent on to moto as the JSON
# call of the same operation, and moto's answer (or error) encoded back as CBOR, typed by the
# operation's output shape (timestamps tagged as the protocol wants). Fields botocore's model
# does not know yet pass through to moto as sent.
import io  # noqa: E402
import json  # noqa: E402
import botocore.session  # noqa: E402
from botocore.parsers import JSONParser, RpcV2CBORParser  # noqa: E402
from botocore.serialize import RpcV2CBORSerializer  # noqa: E402
from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # noqa: E402

_CBOR_PREFIX = "/service/GraniteServiceVersion20100801/operation/"
_CLOUDWATCH = botocore.session.get_session().get_service_model("cloudwatch")


def _as_json(value):
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} in a CBOR call")


def _cbor_text_map(fields):
    """A CBOR map of text strings (an error body)."""
    out = bytearray([0xA0 | len(fields)])
    text = RpcV2CBORSerializer()
    for k, v in fields.items():
        text._serialize_type_string(out, k, None, None)
        text._serialize_type_string(out, v, None, None)
    return bytes(out)


def _answer_cbor(operation, status, headers, body):
    if status.startswith("2"):
        parsed = JSONParser().parse(
            {"body": body or b"{}", "headers": {}, "status_code": 200}, operation.output_shape
        ) if operation.output_shape is not None else {}
        parsed.pop("ResponseMetadata", None)
        out = bytearray()
        if operation.output_shape is not None:
            RpcV2CBORSerializer()._serialize_data_item(out, parsed, operation.output_shape)
        else:
            out.extend(_cbor_text_map({}))
        return bytes(out)
    error = json.loads(body or b"{}")
    return _cbor_text_map({"__type": error.get("__type", "InternalFailure"),
                           "message": error.get("message", error.get("Message", ""))})


_dispatch = DomainDispatcherApplication.__call__


def _dispatch_cbor(self, environ, start_response):
    path = environ.get("PATH_INFO", "")
    if environ.get("HTTP_SMITHY_PROTOCOL") != "rpc-v2-cbor" or not path.startswith(_CBOR_PREFIX):
        return _dispatch(self, environ, start_response)
    name = path[len(_CBOR_PREFIX):]
    operation = _CLOUDWATCH.operation_model(name)
    raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    params = RpcV2CBORParser().parse_data_item(
        RpcV2CBORParser().get_peekable_stream_from_bytes(raw)) if raw else {}
    body = json.dumps(params, default=_as_json).encode()
    environ = dict(environ, PATH_INFO="/", CONTENT_LENGTH=str(len(body)),
                   CONTENT_TYPE="application/x-amz-json-1.0",
                   HTTP_X_AMZ_TARGET=f"GraniteServiceVersion20100801.{name}")
    environ["wsgi.input"] = io.BytesIO(body)
    environ.pop("HTTP_SMITHY_PROTOCOL", None)
    answered = {}

    def capture(status, headers, exc_info=None):
        answered["status"], answered["headers"] = status, headers
        return lambda _: None

    answer = b"".join(_dispatch(self, environ, capture))
    out = _answer_cbor(operation, answered["status"], answered["headers"], answer)
    kept = [(k, v) for k, v in answered["headers"]
            if k.lower() in ("x-amzn-requestid", "x-amzn-query-error")]
    start_response(answered["status"], kept + [
        ("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor"),
        ("Content-Length", str(len(out)))])
    return [out]


DomainDispatcherApplication.__call__ = _dispatch_cbor


# PutMetricAlarm: moto drops an alarm's PromQL evaluation criteria, evaluation interval and
# warm-up configuration; AWS keeps them and answers them in DescribeAlarms. Kept as sent
# (nothing evaluates PromQL).
from moto.cloudwatch.responses import CloudWatchResponse  # noqa: E402

_put_metric_alarm = CloudWatchResponse.put_metric_alarm


def _put_metric_alarm_keeping_criteria(self):
    result = _put_metric_alarm(self)
    alarm = self.cloudwatch_backend.alarms[self._get_param("AlarmName")]
    for field in ("EvaluationCriteria", "EvaluationInterval", "WarmUpConfiguration"):
        setattr(alarm, field, self._get_param(field))
    return result


CloudWatchResponse.put_metric_alarm = _put_metric_alarm_keeping_criteria

# The error bodies of the two protocols the services use: EC2's and the AWS query protocol's.
EC2_THROTTLE = (
    "<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
    "<Message>Request limit exceeded.</Message></Error></Errors>"
    "<RequestID>fault</RequestID></Response>"
)
QUERY_THROTTLE = (
    "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
    "<Message>Rate exceeded</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
)
INTERNAL = (
    "<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code>"
    "<Message>injected</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
)


def proxy(upstream: int, rate: float, seed: int) -> ThreadingHTTPServer:
    rng = random.Random(seed)
    lock = threading.Lock()
    counts = {"forwarded": 0, "throttled": 0, "failed": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _reply(self, status: int, body: bytes, headers):
            self.send_response(status)
            for k, v in headers:
                if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _handle(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.path.startswith("/moto-api") or self.path.startswith("/_fault"):
                roll = 1.0
            else:
                with lock:
                    roll = rng.random()
            cbor = self.headers.get("smithy-protocol") == "rpc-v2-cbor"
            if cbor and roll < rate:
                throttled = roll < rate / 2
                with lock:
                    counts["throttled" if throttled else "failed"] += 1
                code = "ThrottlingException" if throttled else "InternalFailure"
                self._reply(400 if throttled else 500,
                            _cbor_text_map({"__type": code, "message": "injected fault"}),
                            [("Content-Type", "application/cbor"),
                             ("smithy-protocol", "rpc-v2-cbor")])
                return
            if roll < rate / 2:
                with lock:
                    counts["throttled"] += 1
                is_ec2 = b"Version=2016-11-15" in body
                text = EC2_THROTTLE if is_ec2 else QUERY_THROTTLE
                self._reply(503 if is_ec2 else 400, text.encode(), [("Content-Type", "text/xml")])
                return
            if roll < rate:
                with lock:
                    counts["failed"] += 1
                self._reply(500, INTERNAL.encode(), [("Content-Type", "text/xml")])
                return
            if self.path == "/_fault/stats":
                with lock:
                    text = " ".join(f"{k}={v}" for k, v in sorted(counts.items()))
                self._reply(200, text.encode(), [])
                return
            req = urllib.request.Request(
                f"http://127.0.0.1:{upstream}{self.path}",
                data=body if self.command != "GET" else None,
                method=self.command,
                headers={k: v for k, v in self.headers.items() if k.lower() != "host"},
            )
            try:
                with urllib.request.urlopen(req) as r:
                    status, data, headers = r.status, r.read(), r.getheaders()
            except urllib.error.HTTPError as e:
                status, data, headers = e.code, e.read(), e.headers.items()
            with lock:
                counts["forwarded"] += 1
            self._reply(status, data, headers)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def main() -> None:
    # One line per request on stderr would drown the output of whoever started us.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    ports = [str(port)]
    if len(sys.argv) > 2 and sys.argv[1] == "--faults":
        p = proxy(port, float(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 7)
        ports.append(str(p.server_address[1]))
    print("ready " + " ".join(ports), flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
