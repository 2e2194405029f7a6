output "vpc_id" {
  description = "The cluster VPC's id."
  value       = module.network.vpc_id
}

output "masters_address" {
  description = "The internal load balancer agents find the masters through."
  value       = aws_elb.masters_internal.dns_name
}

output "masters_public_address" {
  description = "Where administrators reach the masters."
  value       = aws_elb.masters_public.dns_name
}

output "public_agents_address" {
  description = "The application load balancer in front of the public agents."
  value       = aws_lb.public_agents.dns_name
}

output "autoscaling_groups" {
  value = {
    master        = module.masters.autoscaling_group_name
    public-agent  = module.public_agents.autoscaling_group_name
    private-agent = module.private_agents.autoscaling_group_name
  }
}
