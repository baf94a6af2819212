# Outputs map onto the services' environment (shared/platform/wiring.ts InfraEnv,
# shared/runtime/run.ts RuntimeEnv). Non-secret values go into the overlay's config.env
# (ConfigMap colink-config); URLs with passwords go into the Secret colink-secrets.

output "config_env" {
  description = "Non-secret settings for deploy/k8s/overlays/<env>/config.env."
  value = {
    PUBLIC_URL    = "https://${var.public_hostname}"
    OIDC_ISSUER   = "https://${var.auth_hostname}/realms/colink"
    KAFKA_BROKERS = module.kafka.bootstrap_brokers_tls
    # The brokers above are MSK's TLS listener (9094): clients must speak TLS.
    KAFKA_SSL   = "true"
    S3_REGION   = var.region
    S3_BUCKET   = module.files_bucket.bucket
    S3_ENDPOINT = "https://s3.${var.region}.amazonaws.com"
    MONGO_DB    = "colink"
    # Topics are created by the services; 3 copies across the 3 brokers/AZs.
    KAFKA_REPLICATION_FACTOR = "3"
  }
}

output "database_url_template" {
  description = "DATABASE_URL with {password} to fill from database_secret_arn (URL-encoded)."
  value = format(
    "postgres://%s:{password}@%s:%d/%s?sslmode=require",
    module.postgres.username, module.postgres.address, module.postgres.port, module.postgres.database_name,
  )
}

output "database_secret_arn" {
  description = "Secrets Manager secret holding the PostgreSQL master password (managed by RDS)."
  value       = module.postgres.master_user_secret_arn
}

output "redis_url" {
  description = "REDIS_URL (TLS, AUTH token included)."
  value       = "rediss://:${var.redis_auth_token}@${module.redis.primary_endpoint}:${module.redis.port}"
  sensitive   = true
}

output "mongo_url_template" {
  description = "MONGO_URL with {password} to fill from mongo_secret_arn. The CA file is the RDS global bundle mounted from ConfigMap colink-ca-bundle (deploy/k8s/README.md). Null without DocumentDB."
  value = var.use_documentdb ? format(
    "mongodb://%s:{password}@%s:%d/?tls=true&tlsCAFile=/etc/colink/ca/rds-global-bundle.pem&replicaSet=rs0&readPreference=secondaryPreferred&retryWrites=false",
    module.documentdb[0].username, module.documentdb[0].endpoint, module.documentdb[0].port,
  ) : null
}

output "mongo_secret_arn" {
  description = "Secrets Manager secret holding the DocumentDB master password. Null without DocumentDB."
  value       = var.use_documentdb ? module.documentdb[0].master_user_secret_arn : null
}

output "files_irsa_role_arn" {
  description = "eks.amazonaws.com/role-arn of the files ServiceAccount."
  value       = module.files_irsa.role_arn
}

output "alb_controller_role_arn" {
  value = var.alb_controller_policy_json == null ? null : module.alb_controller_irsa[0].role_arn
}

output "cluster_name" {
  value = module.eks.cluster_name
}

output "kubeconfig_command" {
  value = "aws eks update-kubeconfig --region ${var.region} --name ${module.eks.cluster_name}"
}

output "vpc_id" {
  description = "For the AWS Load Balancer Controller's Helm values (vpcId)."
  value       = module.network.vpc_id
}

output "certificate_arn" {
  value = var.route53_zone_name == null ? null : module.dns[0].certificate_arn
}
