output "vpc_id" {
  description = "The VPC's id."
  value       = aws_vpc.this.id
}

output "public_subnet_ids" {
  description = "Public subnet ids, in the order of availability_zones."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Private subnet ids, in the order of availability_zones."
  value       = aws_subnet.private[*].id
}

output "public_cidrs" {
  description = "The public subnets' ranges (known before apply)."
  value       = local.public_cidrs
}

output "private_cidrs" {
  description = "The private subnets' ranges (known before apply)."
  value       = local.private_cidrs
}

output "nat_gateway_count" {
  description = "How many NAT gateways the network has."
  value       = local.nat_count
}
