variable "region" {
  type    = string
  default = "us-east-1"
}

variable "environment" {
  description = "Environment name; resources are named colink-<environment>."
  type        = string
  default     = "prod"
}

variable "availability_zones" {
  description = "Three AZs of the region. Null: the first three available."
  type        = list(string)
  default     = null
}

variable "vpc_cidr" {
  type    = string
  default = "10.40.0.0/16"
}

variable "single_nat_gateway" {
  description = "One NAT gateway instead of one per AZ (cheaper, loses egress when its AZ fails)."
  type        = bool
  default     = false
}

variable "kubernetes_version" {
  type    = string
  default = "1.32"
}

variable "eks_public_access_cidrs" {
  description = "CIDRs allowed to reach the EKS API from outside the VPC (office/VPN). Empty: private endpoint only."
  type        = list(string)
  default     = []
}

variable "eks_admin_principal_arns" {
  description = "IAM roles/users granted cluster-admin (besides the identity that creates the cluster)."
  type        = list(string)
  default     = []
}

variable "node_instance_types" {
  type    = list(string)
  default = ["m6i.large"]
}

variable "node_min_size" {
  type    = number
  default = 3
}

variable "node_max_size" {
  type    = number
  default = 9
}

variable "k8s_namespace" {
  description = "Namespace of the CoLink workloads (the kustomize overlay's namespace)."
  type        = string
  default     = "colink-prod"
}

variable "public_hostname" {
  description = "Host name of the web client and API (PUBLIC_URL). PLACEHOLDER default."
  type        = string
  default     = "colink.example.com"
}

variable "auth_hostname" {
  description = "Host name of Keycloak (OIDC issuer). PLACEHOLDER default."
  type        = string
  default     = "auth.colink.example.com"
}

variable "route53_zone_name" {
  description = "Existing public hosted zone for the ACM certificate's DNS validation. Null: no certificate is managed here."
  type        = string
  default     = null
}

variable "postgres_instance_class" {
  type    = string
  default = "db.r6g.large"
}

variable "redis_node_type" {
  type    = string
  default = "cache.r7g.large"
}

variable "redis_auth_token" {
  description = "Redis AUTH token (16-128 chars). Pass with TF_VAR_redis_auth_token; never commit it."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.redis_auth_token) >= 16 && length(var.redis_auth_token) <= 128
    error_message = "redis_auth_token must be 16-128 characters."
  }
}

variable "kafka_version" {
  type    = string
  default = "3.6.0"
}

variable "kafka_instance_type" {
  type    = string
  default = "kafka.m7g.large"
}

variable "use_documentdb" {
  description = "Create Amazon DocumentDB for MONGO_URL. False: use MongoDB Atlas (or another MongoDB) and put its URL in colink-secrets."
  type        = bool
  default     = true
}

variable "docdb_instance_class" {
  type    = string
  default = "db.r6g.large"
}

variable "alb_controller_policy_json" {
  description = "IAM policy of the AWS Load Balancer Controller (iam_policy.json of the controller release you install). Null: no role is created here."
  type        = string
  default     = null
}
