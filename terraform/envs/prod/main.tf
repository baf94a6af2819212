data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_caller_identity" "current" {}

locals {
  name = "colink-${var.environment}"
  azs  = coalesce(var.availability_zones, slice(data.aws_availability_zones.available.names, 0, 3))
  # The EKS cluster security group is attached to every managed node (and pod): the only
  # source the data stores admit.
  data_clients = { eks_nodes = module.eks.node_security_group_id }
}

module "network" {
  source = "../../modules/network"

  name               = local.name
  cidr               = var.vpc_cidr
  azs                = local.azs
  single_nat_gateway = var.single_nat_gateway
  cluster_name       = local.name
}

module "eks" {
  source = "../../modules/eks"

  name                 = local.name
  kubernetes_version   = var.kubernetes_version
  vpc_id               = module.network.vpc_id
  subnet_ids           = module.network.private_subnet_ids
  public_access_cidrs  = var.eks_public_access_cidrs
  admin_principal_arns = var.eks_admin_principal_arns
  node_instance_types  = var.node_instance_types
  node_min_size        = var.node_min_size
  node_desired_size    = var.node_min_size
  node_max_size        = var.node_max_size
}

module "postgres" {
  source = "../../modules/postgres"

  name                    = local.name
  vpc_id                  = module.network.vpc_id
  subnet_ids              = module.network.private_subnet_ids
  allowed_security_groups = local.data_clients
  instance_class          = var.postgres_instance_class
}

module "redis" {
  source = "../../modules/redis"

  name                    = local.name
  vpc_id                  = module.network.vpc_id
  subnet_ids              = module.network.private_subnet_ids
  allowed_security_groups = local.data_clients
  node_type               = var.redis_node_type
  auth_token              = var.redis_auth_token
}

module "kafka" {
  source = "../../modules/kafka"

  name                    = local.name
  vpc_id                  = module.network.vpc_id
  subnet_ids              = module.network.private_subnet_ids
  allowed_security_groups = local.data_clients
  kafka_version           = var.kafka_version
  instance_type           = var.kafka_instance_type
}

module "documentdb" {
  source = "../../modules/documentdb"
  count  = var.use_documentdb ? 1 : 0

  name                    = local.name
  vpc_id                  = module.network.vpc_id
  subnet_ids              = module.network.private_subnet_ids
  allowed_security_groups = local.data_clients
  instance_class          = var.docdb_instance_class
}

module "files_bucket" {
  source = "../../modules/files_bucket"

  bucket_name          = "${local.name}-files-${data.aws_caller_identity.current.account_id}"
  cors_allowed_origins = ["https://${var.public_hostname}"]
}

# The files service's ServiceAccount (deploy/k8s/base/services/files.yaml) may use the bucket,
# and nothing else in AWS.
module "files_irsa" {
  source = "../../modules/irsa"

  name              = "${local.name}-files"
  oidc_provider_arn = module.eks.oidc_provider_arn
  oidc_issuer_url   = module.eks.oidc_issuer_url
  service_accounts  = ["${var.k8s_namespace}:files"]
  policy_json       = module.files_bucket.service_policy_json
}

# The AWS Load Balancer Controller turns the Ingress into an ALB.
module "alb_controller_irsa" {
  source = "../../modules/irsa"
  count  = var.alb_controller_policy_json == null ? 0 : 1

  name              = "${local.name}-aws-load-balancer-controller"
  oidc_provider_arn = module.eks.oidc_provider_arn
  oidc_issuer_url   = module.eks.oidc_issuer_url
  service_accounts  = ["kube-system:aws-load-balancer-controller"]
  policy_json       = var.alb_controller_policy_json
}

module "dns" {
  source = "../../modules/dns"
  count  = var.route53_zone_name == null ? 0 : 1

  zone_name = var.route53_zone_name
  hostnames = [var.public_hostname, var.auth_hostname]
}
