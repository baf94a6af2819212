# Amazon DocumentDB (MongoDB-compatible) for file metadata and admin audit blobs: encrypted,
# TLS required, 7 days of backups, master password managed by the service in Secrets Manager.

resource "aws_security_group" "this" {
  name        = "${var.name}-docdb"
  description = "DocumentDB: EKS nodes only"
  vpc_id      = var.vpc_id
  tags        = { Name = "${var.name}-docdb" }
}

resource "aws_vpc_security_group_ingress_rule" "clients" {
  for_each = var.allowed_security_groups

  security_group_id            = aws_security_group.this.id
  referenced_security_group_id = each.value
  ip_protocol                  = "tcp"
  from_port                    = 27017
  to_port                      = 27017
  description                  = "DocumentDB from EKS nodes"
}

resource "aws_docdb_subnet_group" "this" {
  name       = "${var.name}-docdb"
  subnet_ids = var.subnet_ids
}

resource "aws_docdb_cluster_parameter_group" "this" {
  name_prefix = "${var.name}-docdb5-"
  family      = "docdb5.0"

  parameter {
    name  = "tls"
    value = "enabled"
  }

  parameter {
    name  = "audit_logs"
    value = "enabled"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_docdb_cluster" "this" {
  cluster_identifier = "${var.name}-docdb"
  engine             = "docdb"
  engine_version     = var.engine_version
  port               = 27017

  master_username             = var.username
  manage_master_user_password = true

  db_subnet_group_name            = aws_docdb_subnet_group.this.name
  vpc_security_group_ids          = [aws_security_group.this.id]
  db_cluster_parameter_group_name = aws_docdb_cluster_parameter_group.this.name

  storage_encrypted               = true
  backup_retention_period         = var.backup_retention_days
  preferred_backup_window         = "03:00-04:00"
  preferred_maintenance_window    = "sun:06:30-sun:07:30"
  deletion_protection             = var.deletion_protection
  skip_final_snapshot             = false
  final_snapshot_identifier       = "${var.name}-docdb-final"
  enabled_cloudwatch_logs_exports = ["audit"]
}

resource "aws_docdb_cluster_instance" "this" {
  count = var.instance_count

  identifier                 = "${var.name}-docdb-${count.index}"
  cluster_identifier         = aws_docdb_cluster.this.id
  instance_class             = var.instance_class
  auto_minor_version_upgrade = true
}
