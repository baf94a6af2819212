# Offline plan of the production composition against a mocked AWS provider: no credentials,
# no network. Run: terraform init -backend=false && terraform test
mock_provider "aws" {
  # Mocked values are known while planning, so assertions can read them.
  override_during = plan

  mock_data "aws_availability_zones" {
    defaults = {
      names = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"]
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111122223333"
    }
  }

  mock_data "aws_region" {
    defaults = {
      name = "us-east-1"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_resource "aws_eks_cluster" {
    defaults = {
      identity              = [{ oidc = [{ issuer = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE" }] }]
      certificate_authority = [{ data = "Q0E=" }]
    }
  }

  mock_resource "aws_db_instance" {
    defaults = {
      address            = "colink-prod-postgres.example.us-east-1.rds.amazonaws.com"
      port               = 5432
      master_user_secret = [{ secret_arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:rds-pg", kms_key_id = "", secret_status = "active" }]
    }
  }

  mock_resource "aws_docdb_cluster" {
    defaults = {
      master_user_secret = [{ secret_arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:docdb", kms_key_id = "", secret_status = "active" }]
    }
  }
}

variables {
  redis_auth_token = "0123456789abcdef0123456789abcdef"
}

run "plan_production" {
  command = plan

  assert {
    condition     = length(module.network.private_subnet_ids) == 3 && length(module.network.public_subnet_ids) == 3
    error_message = "expected one private and one public subnet in each of 3 AZs"
  }

  assert {
    condition     = module.postgres.port == 5432
    error_message = "postgres port"
  }

  assert {
    condition     = output.config_env.S3_ENDPOINT == "https://s3.us-east-1.amazonaws.com" && output.config_env.S3_REGION == "us-east-1"
    error_message = "S3 endpoint and region for the files service"
  }

  assert {
    condition     = output.config_env.KAFKA_REPLICATION_FACTOR == "3"
    error_message = "Kafka replication factor 3 (DR)"
  }

  assert {
    condition     = output.config_env.KAFKA_SSL == "true"
    error_message = "The services speak TLS to MSK's TLS listener"
  }

  assert {
    condition     = startswith(output.database_url_template, "postgres://colink:{password}@colink-prod-postgres.example.us-east-1.rds.amazonaws.com:5432/colink?sslmode=require")
    error_message = "DATABASE_URL template: ${output.database_url_template}"
  }
}

run "atlas_instead_of_documentdb" {
  command = plan

  variables {
    use_documentdb    = false
    route53_zone_name = "example.com"
  }

  assert {
    condition     = output.mongo_url_template == null && output.mongo_secret_arn == null
    error_message = "no DocumentDB outputs when MongoDB Atlas is used"
  }
}

run "rejects_short_redis_token" {
  command = plan

  variables {
    redis_auth_token = "short"
  }

  expect_failures = [var.redis_auth_token]
}
