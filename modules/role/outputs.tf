output "security_group_id" {
  description = "The role's security group."
  value       = aws_security_group.this.id
}

output "autoscaling_group_name" {
  value = aws_autoscaling_group.this.name
}

output "launch_template_id" {
  value = aws_launch_template.this.id
}

output "instance_profile_arn" {
  value = aws_iam_instance_profile.this.arn
}

output "iam_role_name" {
  description = "Attach the role's policies to this IAM role."
  value       = aws_iam_role.this.name
}
