variable "name" {
  description = "IAM role name."
  type        = string
}

variable "oidc_provider_arn" {
  type = string
}

variable "oidc_issuer_url" {
  description = "The cluster's OIDC issuer URL (https://oidc.eks...)."
  type        = string
}

variable "service_accounts" {
  description = "Kubernetes ServiceAccounts allowed to assume the role, as \"namespace:name\"."
  type        = list(string)
}

variable "policy_json" {
  description = "Inline IAM policy of the role."
  type        = string
}
