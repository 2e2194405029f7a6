//! Amazon EC2: networking (VPCs, subnets, gateways, routes, security groups, the VPC's default
//! objects), instances, launch templates and key pairs. One file per resource type; what several
//! share sits in `routes`, `sg_rules` and `adopted`.

pub mod acl_entries;
pub mod adopted;
pub mod ami_data;
pub mod default_network_acl;
pub mod default_route_table;
pub mod default_security_group;
pub mod dhcp_options;
pub mod dhcp_options_association;
pub mod ebs_volume;
pub mod egress_only_internet_gateway;
pub mod eip;
pub mod eip_association;
pub mod instance;
pub mod instance_extras;
pub mod instance_metadata;
pub mod instance_network;
pub mod instance_options;
pub mod instance_volumes;
pub mod internet_gateway;
pub mod key_pair;
pub mod launch_template;
pub mod nat_gateway;
pub mod nat_gateway_regional;
pub mod network_acl;
pub mod network_acl_association;
pub mod network_acl_rule;
pub mod placement_group;
pub mod route;
pub mod route_table;
pub mod route_table_association;
pub mod routes;
pub mod security_group;
pub mod security_group_rule;
pub mod sg_rules;
pub mod subnet;
pub mod template_devices;
pub mod template_options;
pub mod volume_attachment;
pub mod vpc;
pub mod vpc_cidr_association;
pub mod vpc_data;
pub mod vpc_endpoint;
pub mod vpc_security_group_rule;
