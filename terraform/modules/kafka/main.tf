# Amazon MSK: 3 brokers across 3 AZs, TLS between clients and brokers and inside the cluster,
# replication factor 3 with min.insync.replicas 2 (a write survives the loss of one AZ).
# Clients authenticate by network position only (TLS listener, security group admits the EKS
# nodes); switch to SASL/SCRAM or IAM if other workloads share the VPC.

resource "aws_security_group" "this" {
  name        = "${var.name}-kafka"
  description = "Kafka: EKS nodes only"
  vpc_id      = var.vpc_id
  tags        = { Name = "${var.name}-kafka" }
}

resource "aws_vpc_security_group_ingress_rule" "clients" {
  for_each = var.allowed_security_groups

  security_group_id            = aws_security_group.this.id
  referenced_security_group_id = each.value
  ip_protocol                  = "tcp"
  from_port                    = 9094
  to_port                      = 9094
  description                  = "Kafka TLS from EKS nodes"
}

resource "aws_msk_configuration" "this" {
  name           = "${var.name}-kafka"
  kafka_versions = [var.kafka_version]

  # The services create their topics (with KAFKA_PARTITIONS/KAFKA_REPLICATION_FACTOR), so
  # auto-creation stays off: a typo in a topic name fails instead of creating a topic.
  server_properties = <<-PROPERTIES
    auto.create.topics.enable=false
    default.replication.factor=3
    min.insync.replicas=2
    num.partitions=6
    unclean.leader.election.enable=false
    log.retention.hours=168
  PROPERTIES

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_msk_cluster" "this" {
  cluster_name           = "${var.name}-kafka"
  kafka_version          = var.kafka_version
  number_of_broker_nodes = var.broker_count

  broker_node_group_info {
    instance_type   = var.instance_type
    client_subnets  = var.subnet_ids
    security_groups = [aws_security_group.this.id]

    storage_info {
      ebs_storage_info {
        volume_size = var.volume_size_gib
      }
    }
  }

  configuration_info {
    arn      = aws_msk_configuration.this.arn
    revision = aws_msk_configuration.this.latest_revision
  }

  client_authentication {
    unauthenticated = true
  }

  encryption_info {
    encryption_in_transit {
      client_broker = "TLS"
      in_cluster    = true
    }
  }

  open_monitoring {
    prometheus {
      jmx_exporter {
        enabled_in_broker = true
      }
      node_exporter {
        enabled_in_broker = true
      }
    }
  }
}
