variable "name" {
  description = "Name prefix for every resource (e.g. colink-prod)."
  type        = string
}

variable "cidr" {
  description = "VPC CIDR block."
  type        = string
  default     = "10.40.0.0/16"
}

variable "azs" {
  description = "Availability zones, one private and one public subnet in each."
  type        = list(string)

  validation {
    condition     = length(var.azs) >= 2
    error_message = "Use at least two availability zones (three for production)."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all AZs (cheaper, not AZ-fault tolerant). Production: false."
  type        = bool
  default     = false
}

variable "cluster_name" {
  description = "EKS cluster name, for the subnet tags the AWS Load Balancer Controller discovers."
  type        = string
}
