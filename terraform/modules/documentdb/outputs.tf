output "endpoint" {
  value = aws_docdb_cluster.this.endpoint
}

output "port" {
  value = aws_docdb_cluster.this.port
}

output "username" {
  value = aws_docdb_cluster.this.master_username
}

output "master_user_secret_arn" {
  description = "Secrets Manager secret (JSON with username and password) that DocumentDB manages."
  value       = aws_docdb_cluster.this.master_user_secret[0].secret_arn
}

output "security_group_id" {
  value = aws_security_group.this.id
}
