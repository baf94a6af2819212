variable "name" {
  description = "Cluster name."
  type        = string
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version (1.30+ for native preStop sleep hooks used by the manifests)."
  type        = string
  default     = "1.32"
}

variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  description = "Private subnets for the control plane ENIs and the nodes."
  type        = list(string)
}

variable "public_access_cidrs" {
  description = "CIDRs allowed to reach the public API endpoint. Empty disables the public endpoint."
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

variable "node_desired_size" {
  type    = number
  default = 3
}

variable "node_max_size" {
  type    = number
  default = 9
}

variable "node_disk_size_gib" {
  type    = number
  default = 50
}

variable "admin_principal_arns" {
  description = "IAM principals (roles/users) granted cluster-admin through EKS access entries."
  type        = list(string)
  default     = []
}
